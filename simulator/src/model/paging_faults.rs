//! Paging faults: switchable per-account lies in the paging of search answers, as a hostile
//! or inconsistent NetSuite would tell them. Unlike [`crate::InjectedFault`], which is taken
//! once per request, a paging fault applies to every answer of the account until it is
//! cleared ([`crate::Simulator::set_paging_faults`], [`super::Simulator::clear_paging_faults`]).
//!
//! They apply to `search` (page 1) and `searchMoreWithId` answers of every search type, and
//! to `getDeleted` pages (all but [`PagingFault::AlwaysExpire`], which needs a searchId).
//! Page numbers are from 1. Several faults may be set at once; each works on the page as the
//! faults before it in the list left it (see [`cut`]).

/// A lie in the paging of an account's answers. Switched on with
/// [`crate::Simulator::set_paging_faults`]; every answer of the account follows it until
/// [`crate::Simulator::clear_paging_faults`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PagingFault {
    /// Pages >= `from_page` report `totalPages` = `total_pages` and `totalRecords` =
    /// `total_pages` * `pageSize` (a later page shrinks the totals); their rows are the true
    /// ones. A page beyond `total_pages` (from `from_page` on) answers `INVALID_PAGE_INDEX`,
    /// as a search that really shrank would.
    ShrinkTotals {
        /// First page that reports the smaller totals.
        from_page: u32,
        /// The totalPages those pages report.
        total_pages: u32,
    },
    /// This page (when it is not the last) always comes back one row short; that row (the
    /// page's last) is never served. The totals stay true.
    ShortPage {
        /// The page.
        page: u32,
    },
    /// This page starts `rows` rows early: it repeats the last `rows` rows of the page before,
    /// and its own last `rows` rows are never served. It holds as many rows as it should.
    /// No effect on page 1.
    Overlap {
        /// The page.
        page: u32,
        /// How many rows it starts early (at most a page).
        rows: usize,
    },
    /// Asked for page `asked`, the answer is page `answered`: its rows and its `pageIndex`.
    WrongPageIndex {
        /// The page asked for.
        asked: u32,
        /// The page answered instead.
        answered: u32,
    },
    /// Every page reports `totalPages` = `total_pages` while `totalRecords` and `pageSize` are
    /// true (e.g. 3 with 450 records of 100 a page); pages beyond `total_pages` answer
    /// `INVALID_PAGE_INDEX`.
    LyingTotalPages {
        /// The totalPages every page reports.
        total_pages: u32,
    },
    /// Every `searchMoreWithId` answers `INVALID_JOB_ID` as for an expired searchId, whatever
    /// the searchId (so a search never gets past page 1). `search` itself is answered.
    AlwaysExpire,
}

/// Which rows of the matching records a page shows, and what it reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cut {
    /// Index of the first row shown, in the matching records.
    pub start: usize,
    /// Index after the last row shown.
    pub end: usize,
    /// The `pageIndex` reported.
    pub page_index: u32,
    /// The `totalRecords` reported.
    pub total_records: usize,
    /// The `totalPages` reported.
    pub total_pages: usize,
    /// Whether a paging fault changed anything.
    pub faulted: bool,
}

/// Why a page cannot be answered: `INVALID_PAGE_INDEX` with this message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InvalidPage(pub String);

/// The page `asked` of `total` matching records in pages of `size`, as `faults` make it.
///
/// Without faults: rows `(asked-1)*size ..` up to `size` of them, true totals, and
/// `INVALID_PAGE_INDEX` below 1 or past the last page (page 1 of an empty result is fine).
/// With faults, in this order: [`PagingFault::WrongPageIndex`] picks the page answered;
/// [`PagingFault::ShortPage`] and [`PagingFault::Overlap`] move its rows;
/// [`PagingFault::ShrinkTotals`] and [`PagingFault::LyingTotalPages`] change its totals, and a
/// page past the reported `totalPages` is refused.
pub(crate) fn cut(faults: &[PagingFault], asked: i32, size: usize, total: usize) -> Result<Cut, InvalidPage> {
    let size = size.max(1);
    let true_pages = total.div_ceil(size);
    let refuse = |pages: usize| InvalidPage(format!("Invalid page index {asked}: the search has {pages} page(s)."));
    let in_range = |index: usize, pages: usize| index >= 1 && (index <= pages || index == 1);
    let mut faulted = false;

    let asked_index = usize::try_from(asked).unwrap_or(0);
    if !in_range(asked_index, true_pages) {
        return Err(refuse(true_pages));
    }
    let mut index = asked_index;
    for f in faults {
        if let PagingFault::WrongPageIndex { asked: a, answered } = f {
            if *a as usize == asked_index && *answered as usize != index {
                index = *answered as usize;
                faulted = true;
                break;
            }
        }
    }
    if !in_range(index, true_pages) {
        return Err(refuse(true_pages));
    }

    let mut start = (index - 1).saturating_mul(size).min(total);
    let mut end = start.saturating_add(size).min(total);
    let mut total_records = total;
    let mut total_pages = true_pages;
    for f in faults {
        match *f {
            PagingFault::ShortPage { page } if page as usize == index && index < true_pages && end > start => {
                end -= 1;
                faulted = true;
            }
            PagingFault::Overlap { page, rows } if page as usize == index && index > 1 && rows > 0 => {
                let back = rows.min(size).min(start);
                start -= back;
                end -= back;
                faulted = true;
            }
            PagingFault::ShrinkTotals { from_page, total_pages: pages } if index >= from_page as usize => {
                total_pages = pages as usize;
                total_records = total_pages.saturating_mul(size);
                faulted = true;
            }
            PagingFault::LyingTotalPages { total_pages: pages } => {
                total_pages = pages as usize;
                faulted = true;
            }
            _ => {}
        }
    }
    if faulted && !in_range(asked_index, total_pages) {
        return Err(refuse(total_pages));
    }
    Ok(Cut { start, end, page_index: index as u32, total_records, total_pages, faulted })
}

/// Whether `searchMoreWithId` must answer `INVALID_JOB_ID` whatever the searchId.
pub(crate) fn always_expire(faults: &[PagingFault]) -> bool {
    faults.contains(&PagingFault::AlwaysExpire)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(faults: &[PagingFault], asked: i32) -> (usize, usize, u32, usize, usize) {
        let c = cut(faults, asked, 100, 450).unwrap();
        (c.start, c.end, c.page_index, c.total_records, c.total_pages)
    }

    #[test]
    fn without_faults_pages_are_true() {
        assert_eq!(ok(&[], 1), (0, 100, 1, 450, 5));
        assert_eq!(ok(&[], 5), (400, 450, 5, 450, 5));
        assert!(cut(&[], 6, 100, 450).is_err());
        assert!(cut(&[], 0, 100, 450).is_err());
        assert_eq!(cut(&[], 1, 100, 0).unwrap().total_pages, 0);
        assert!(!cut(&[], 3, 100, 450).unwrap().faulted);
    }

    #[test]
    fn each_fault_does_what_it_says() {
        let shrink = [PagingFault::ShrinkTotals { from_page: 2, total_pages: 2 }];
        assert_eq!(ok(&shrink, 1), (0, 100, 1, 450, 5));
        assert_eq!(ok(&shrink, 2), (100, 200, 2, 200, 2));
        assert_eq!(cut(&shrink, 3, 100, 450).unwrap_err().0, "Invalid page index 3: the search has 2 page(s).");

        let short = [PagingFault::ShortPage { page: 3 }];
        assert_eq!(ok(&short, 3), (200, 299, 3, 450, 5));
        assert_eq!(ok(&short, 4), (300, 400, 4, 450, 5));
        // The last page is never short.
        assert_eq!(ok(&[PagingFault::ShortPage { page: 5 }], 5), (400, 450, 5, 450, 5));

        let overlap = [PagingFault::Overlap { page: 2, rows: 10 }];
        assert_eq!(ok(&overlap, 2), (90, 190, 2, 450, 5));
        assert_eq!(ok(&overlap, 3), (200, 300, 3, 450, 5));
        assert_eq!(ok(&overlap, 1), (0, 100, 1, 450, 5));

        let wrong = [PagingFault::WrongPageIndex { asked: 3, answered: 2 }];
        assert_eq!(ok(&wrong, 3), (100, 200, 2, 450, 5));
        assert_eq!(ok(&wrong, 2), (100, 200, 2, 450, 5));

        let lying = [PagingFault::LyingTotalPages { total_pages: 3 }];
        assert_eq!(ok(&lying, 1), (0, 100, 1, 450, 3));
        assert_eq!(ok(&lying, 3), (200, 300, 3, 450, 3));
        assert!(cut(&lying, 4, 100, 450).is_err());

        assert!(always_expire(&[PagingFault::ShortPage { page: 2 }, PagingFault::AlwaysExpire]));
        assert!(!always_expire(&short));
    }
}
