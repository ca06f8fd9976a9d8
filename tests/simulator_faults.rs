//! The simulator's switchable faults over real HTTP, read with the crate's own client:
//! paging faults (totals that shrink or lie, short and overlapping pages, a wrong pageIndex,
//! a searchId that always expires).

use std::time::Duration;

use chrono::{DateTime, Utc};
use netsuite_discovery::netsuite::search::{SearchPage, SearchQuery, SearchType};
use netsuite_discovery::netsuite::{AccountId, Client, ClientConfig, RawRecord, WireError};
use netsuite_discovery::simulator::{AccountSpec, Outcome, PagingFault, RunningSimulator, SimConfig, Simulator};

fn account() -> AccountId {
    AccountId::parse("1234567_SB1").unwrap()
}

fn anchor() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
}

async fn start(spec: AccountSpec) -> RunningSimulator {
    let sim = Simulator::new(SimConfig { accounts: vec![spec], ..SimConfig::default() });
    sim.spawn().await.expect("simulator starts")
}

async fn start_vendors(vendors: usize) -> RunningSimulator {
    start(AccountSpec::new(account(), 42).with_vendors(vendors).with_anchor(anchor())).await
}

fn client(sim: &RunningSimulator, page_size: u32) -> Client {
    let mut cfg = ClientConfig::new(sim.endpoint());
    cfg.page_size = page_size;
    cfg.timeout = Duration::from_secs(20);
    Client::new(sim.credentials(&account()).unwrap(), cfg).unwrap()
}

fn ids(page: &SearchPage<RawRecord>) -> Vec<String> {
    page.records.iter().map(|r| r.internal_id.clone()).collect()
}

fn code(err: &WireError) -> Option<&str> {
    err.code()
}

/// The true vendor ids of the account, in id order.
fn truth(sim: &RunningSimulator) -> Vec<String> {
    sim.vendors(&account()).unwrap().into_iter().map(|v| v.internal_id).collect()
}

/// Page 1 and then pages 2..=`last` of an all-vendor search, each as answered.
async fn pages(c: &Client, last: u32) -> Vec<Result<SearchPage<RawRecord>, WireError>> {
    let first = c.search(&SearchQuery::all(SearchType::Vendor)).await.expect("page 1");
    let id = first.search_id.clone().expect("a searchId");
    let mut out = vec![Ok(first)];
    for p in 2..=last {
        out.push(c.search_more_with_id(SearchType::Vendor, true, &id, p).await);
    }
    out
}

/// (totalRecords, pageSize, totalPages, pageIndex) of a page.
fn totals(p: &SearchPage<RawRecord>) -> (u32, u32, u32, u32) {
    (p.total_records, p.page_size, p.total_pages, p.page_index)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shrinking_totals_close_the_search_early() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::ShrinkTotals { from_page: 2, total_pages: 2 }]);
    let got = pages(&client(&sim, 100), 3).await;
    let p1 = got[0].as_ref().unwrap();
    let p2 = got[1].as_ref().unwrap();
    assert_eq!(totals(p1), (450, 100, 5, 1));
    assert_eq!(totals(p2), (200, 100, 2, 2), "page 2 shrinks the totals");
    assert_eq!(ids(p2), truth[100..200], "its rows are the true ones");
    let err = got[2].as_ref().unwrap_err();
    assert_eq!(code(err), Some("INVALID_PAGE_INDEX"), "{err:?}");

    // Marked as injected in the log; gone once cleared.
    let log = sim.request_log();
    assert!(!log[0].injected && log[1].injected, "{log:?}");
    sim.clear_paging_faults(&account());
    assert!(sim.paging_faults(&account()).is_empty());
    let got = pages(&client(&sim, 100), 5).await;
    assert!(got.iter().all(|p| p.as_ref().is_ok_and(|p| p.total_records == 450 && p.total_pages == 5)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_middle_page_stays_short_and_its_row_is_never_served() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::ShortPage { page: 3 }]);
    let c = client(&sim, 100);
    for _ in 0..2 {
        let got = pages(&c, 5).await;
        let mut seen = Vec::new();
        for (i, p) in got.iter().enumerate() {
            let p = p.as_ref().unwrap();
            assert_eq!(totals(p), (450, 100, 5, i as u32 + 1), "totals stay true");
            assert_eq!(
                p.records.len(),
                if i == 2 {
                    99
                } else if i == 4 {
                    50
                } else {
                    100
                }
            );
            seen.extend(ids(p));
        }
        let missing: Vec<&String> = truth.iter().filter(|id| !seen.contains(id)).collect();
        assert_eq!(missing, [&truth[299]], "the last row of page 3 is never served");
    }
    // A short last page is not a thing: the fault on page 5 changes nothing.
    sim.set_paging_faults(&account(), vec![PagingFault::ShortPage { page: 5 }]);
    let got = pages(&c, 5).await;
    assert_eq!(got[4].as_ref().unwrap().records.len(), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlapping_page_repeats_rows_and_loses_as_many() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::Overlap { page: 2, rows: 10 }]);
    let got = pages(&client(&sim, 100), 5).await;
    let p2 = got[1].as_ref().unwrap();
    assert_eq!(totals(p2), (450, 100, 5, 2));
    assert_eq!(ids(p2), truth[90..190], "page 2 starts 10 rows early");
    assert_eq!(ids(got[2].as_ref().unwrap()), truth[200..300], "page 3 is as it should be");
    let mut seen: Vec<String> = got.iter().flat_map(|p| ids(p.as_ref().unwrap())).collect();
    assert_eq!(seen.len(), 450, "as many rows as totalRecords");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 440, "10 repeated, so 10 never served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_page_index_answers_another_page() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::WrongPageIndex { asked: 3, answered: 2 }]);
    let got = pages(&client(&sim, 100), 3).await;
    let p3 = got[2].as_ref().unwrap();
    assert_eq!(totals(p3), (450, 100, 5, 2), "asked for 3, pageIndex says 2");
    assert_eq!(ids(p3), truth[100..200]);
    let log = sim.request_log();
    assert_eq!(log[2].page_index, Some(3), "the log keeps the page asked for");
    assert!(log[2].injected && !log[1].injected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lying_total_pages_hide_the_pages_beyond() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::LyingTotalPages { total_pages: 3 }]);
    let got = pages(&client(&sim, 100), 4).await;
    for (i, p) in got[..3].iter().enumerate() {
        let p = p.as_ref().unwrap();
        assert_eq!(totals(p), (450, 100, 3, i as u32 + 1));
        assert_eq!(ids(p), truth[i * 100..(i + 1) * 100]);
    }
    assert_eq!(code(got[3].as_ref().unwrap_err()), Some("INVALID_PAGE_INDEX"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_always_expiring_search_id_never_gets_past_page_1() {
    let sim = start_vendors(450).await;
    sim.set_paging_faults(&account(), vec![PagingFault::AlwaysExpire]);
    let c = client(&sim, 100);
    for _ in 0..3 {
        let got = pages(&c, 2).await;
        assert_eq!(totals(got[0].as_ref().unwrap()), (450, 100, 5, 1), "search itself is answered");
        let err = got[1].as_ref().unwrap_err();
        assert_eq!(code(err), Some("INVALID_JOB_ID"), "{err:?}");
        assert!(err.to_string().contains("has expired"), "{err}");
    }
    // Whatever the searchId.
    let err = c.search_more_with_id(SearchType::Vendor, true, "WEBSERVICES_NOPE", 2).await.unwrap_err();
    assert_eq!(code(&err), Some("INVALID_JOB_ID"));
    let expired = sim
        .request_log()
        .iter()
        .filter(|r| r.outcome == Outcome::StatusError { code: "INVALID_JOB_ID".into() })
        .count();
    assert_eq!(expired, 4);
    sim.clear_paging_faults(&account());
    assert_eq!(pages(&c, 5).await.iter().filter(|p| p.is_ok()).count(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_faults_apply_to_every_search_type_and_one_account_only() {
    let spec =
        AccountSpec::new(account(), 7).with_vendors(30).with_employees(40).with_transactions(120).with_anchor(anchor());
    let sim = Simulator::new(SimConfig {
        accounts: vec![spec, AccountSpec::new(AccountId::parse("7654321").unwrap(), 1).with_vendors(30)],
        ..SimConfig::default()
    })
    .spawn()
    .await
    .unwrap();
    sim.set_paging_faults(&account(), vec![PagingFault::ShortPage { page: 1 }]);
    let c = client(&sim, 10);
    for ty in [SearchType::Transaction, SearchType::Employee, SearchType::Vendor] {
        let p = c.search(&SearchQuery::all(ty)).await.unwrap();
        assert_eq!((p.records.len(), p.page_size), (9, 10), "{ty:?}");
    }
    // The other account is not affected.
    let other = AccountId::parse("7654321").unwrap();
    let mut cfg = ClientConfig::new(sim.endpoint());
    cfg.page_size = 10;
    let c2 = Client::new(sim.credentials(&other).unwrap(), cfg).unwrap();
    assert_eq!(c2.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap().records.len(), 10);
    // An account not hosted is ignored.
    sim.set_paging_faults(&AccountId::parse("999").unwrap(), vec![PagingFault::AlwaysExpire]);
    assert!(sim.paging_faults(&AccountId::parse("999").unwrap()).is_empty());
}
