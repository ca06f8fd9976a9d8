//! The `search` and `searchMoreWithId` operations: reading their bodies, checking page size
//! and permissions, running the criteria over the account's records and cutting pages.
//!
//! Choices where NetSuite's exact answer is not documented (all status errors, HTTP 200):
//! - `pageSize` outside 5..=1000: `INVALID_SEARCH_PAGE_SIZE`;
//! - `pageIndex` below 1 or past the last page (page 1 of an empty search is allowed):
//!   `INVALID_PAGE_INDEX`;
//! - an unknown, expired, or other account's searchId: `INVALID_JOB_ID`;
//! - a role without the record's permission: `INSUFFICIENT_PERMISSION`, also on
//!   `searchMoreWithId` (it re-runs the search).
//!
//! `searchMoreWithId` keeps the page size of the first call, whatever its own
//! `searchPreferences` say.

use chrono::{DateTime, Utc};

use super::account::{AccountState, SimVendor};
use super::permissions::Permission;
use super::request::SearchPrefs;
use super::sessions::{IdGen, SessionError, Sessions};
use super::vendor_search::{CriteriaError, VendorCriteria};
use super::xml::Element;
use crate::netsuite::{ns, AccountId};

/// Default `pageSize`.
pub(crate) const DEFAULT_PAGE_SIZE: u32 = 1000;
/// Smallest accepted `pageSize`.
const MIN_PAGE_SIZE: i32 = 5;
/// Largest accepted `pageSize`.
const MAX_PAGE_SIZE: i32 = 1000;

/// What a search looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SearchSpec {
    /// A `VendorSearchBasic`.
    Vendor(VendorCriteria),
}

impl SearchSpec {
    /// The `xsi:type` local name of the search record.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            SearchSpec::Vendor(_) => "VendorSearchBasic",
        }
    }

    /// The permission the search needs.
    fn permission(&self) -> Permission {
        match self {
            SearchSpec::Vendor(_) => Permission::Vendors,
        }
    }
}

/// Reads a `search` body. Errors are fault texts.
pub(crate) fn parse_search(body: &Element) -> Result<SearchSpec, String> {
    let record = body
        .message_child("searchRecord")
        .ok_or_else(|| "org.xml.sax.SAXException: searchRecord is required".to_string())?;
    let ty = record.xsi_type.as_ref().ok_or_else(|| {
        "org.xml.sax.SAXException: searchRecord needs an xsi:type (SearchRecord is abstract)".to_string()
    })?;
    match (ty.ns.as_deref(), ty.local.as_str()) {
        (Some(ns::COMMON), "VendorSearchBasic") => {
            VendorCriteria::parse(record).map(SearchSpec::Vendor).map_err(|e: CriteriaError| e.message())
        }
        (Some(n), _) if n.ends_with(".webservices.netsuite.com") => {
            Err(format!("org.xml.sax.SAXException: Invalid type: {} (this search type is not simulated)", ty.clark()))
        }
        _ => Err(format!("org.xml.sax.SAXException: Invalid type: {}", ty.clark())),
    }
}

/// Reads a `searchMoreWithId` body: searchId and pageIndex. Errors are fault texts.
pub(crate) fn parse_more(body: &Element) -> Result<(String, i32), String> {
    let id = body
        .message_child("searchId")
        .map(|e| e.trimmed().to_string())
        .ok_or_else(|| "org.xml.sax.SAXException: searchId is required".to_string())?;
    let index =
        body.message_child("pageIndex").ok_or_else(|| "org.xml.sax.SAXException: pageIndex is required".to_string())?;
    let index = index
        .trimmed()
        .parse::<i32>()
        .map_err(|_| format!("org.xml.sax.SAXException: Invalid int value for pageIndex: {}", index.trimmed()))?;
    Ok((id, index))
}

/// The records of one page.
#[derive(Clone, Debug)]
pub(crate) enum PageRows {
    /// Vendors, in internal-id order.
    Vendors(Vec<SimVendor>),
}

/// One page of results.
#[derive(Clone, Debug)]
pub(crate) struct Page {
    /// Rows matching the search now.
    pub total_records: usize,
    /// The search's page size.
    pub page_size: u32,
    /// Pages of the whole search now.
    pub total_pages: usize,
    /// This page's index, from 1.
    pub page_index: u32,
    /// The searchId.
    pub search_id: String,
    /// This page's rows.
    pub rows: PageRows,
}

/// What a search call answers.
#[derive(Clone, Debug)]
pub(crate) enum SearchAnswer {
    /// A page of results.
    Page(Page),
    /// `status isSuccess="false"` with this code and message.
    Error {
        /// `statusDetail/code`.
        code: String,
        /// `statusDetail/message`.
        message: String,
    },
}

fn error(code: &str, message: String) -> SearchAnswer {
    SearchAnswer::Error { code: code.to_string(), message }
}

/// Runs `spec` for `account` and returns page `page_index`.
fn page(account: &AccountState, spec: &SearchSpec, page_size: u32, page_index: i32, search_id: String) -> SearchAnswer {
    if !account.permissions.contains(spec.permission()) {
        return error("INSUFFICIENT_PERMISSION", spec.permission().violation_message());
    }
    let size = page_size.max(1) as usize;
    let matching: Vec<&SimVendor> = match spec {
        SearchSpec::Vendor(c) => account.vendors.values().filter(|v| c.matches(v)).collect(),
    };
    let total = matching.len();
    let total_pages = total.div_ceil(size);
    let index = usize::try_from(page_index).unwrap_or(0);
    if index < 1 || (index > total_pages && index != 1) {
        return error(
            "INVALID_PAGE_INDEX",
            format!("Invalid page index {page_index}: the search has {total_pages} page(s)."),
        );
    }
    let rows: Vec<SimVendor> = matching.into_iter().skip((index - 1) * size).take(size).cloned().collect();
    SearchAnswer::Page(Page {
        total_records: total,
        page_size,
        total_pages,
        page_index: index as u32,
        search_id,
        rows: PageRows::Vendors(rows),
    })
}

/// Runs a new search: checks the page size, stores the search, returns page 1.
pub(crate) fn start(
    account: &AccountState,
    sessions: &mut Sessions,
    ids: &mut IdGen,
    spec: SearchSpec,
    prefs: SearchPrefs,
    now: DateTime<Utc>,
) -> SearchAnswer {
    let requested = prefs.page_size.unwrap_or(DEFAULT_PAGE_SIZE as i32);
    if !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&requested) {
        return error(
            "INVALID_SEARCH_PAGE_SIZE",
            format!(
                "Invalid page size {requested}: the page size must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}."
            ),
        );
    }
    let page_size = requested as u32;
    if !account.permissions.contains(spec.permission()) {
        return error("INSUFFICIENT_PERMISSION", spec.permission().violation_message());
    }
    let id = sessions.create(ids, &account.spec.account_id, spec.clone(), page_size, now);
    page(account, &spec, page_size, 1, id)
}

/// Continues search `search_id` with page `page_index`, re-running its criteria now.
/// Also returns the search's type name when the searchId was valid.
pub(crate) fn more(
    account: &AccountState,
    account_id: &AccountId,
    sessions: &mut Sessions,
    search_id: &str,
    page_index: i32,
    now: DateTime<Utc>,
) -> (SearchAnswer, Option<&'static str>) {
    match sessions.touch(search_id, account_id, now) {
        Ok(s) => (page(account, &s.spec, s.page_size, page_index, search_id.to_string()), Some(s.spec.type_name())),
        Err(e) => {
            let why = match e {
                SessionError::Unknown => "is not a valid search ID",
                SessionError::Expired => "has expired",
            };
            (error("INVALID_JOB_ID", format!("The search ID {search_id} {why}.")), None)
        }
    }
}
