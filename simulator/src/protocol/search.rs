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
//! `searchMoreWithId` keeps the page size and `bodyFieldsOnly` of the first call, whatever
//! its own `searchPreferences` say.
//!
//! Transaction searches follow NetSuite's role model: any `TransactionSearchBasic` needs
//! `Transactions -> Find Transaction`; a `type` filter (`anyOf`) naming a type the role may
//! not see is refused with `INSUFFICIENT_PERMISSION` naming the first missing permission;
//! a search without such a filter silently leaves out the transactions the role may not see
//! (see `TransactionKind::permission`).
//!
//! Employee searches need `Lists -> Employee Record`, department searches
//! `Lists -> Departments`; vendor searches `Lists -> Vendors` and expense category searches
//! `Lists -> Expense Categories`.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::account::AccountState;

use crate::basics::account_id::AccountId;
use crate::model::corruption::Corruption;
use crate::model::graveyard::SimRecordType;
use crate::model::org::{SimDepartment, SimEmployee};
use crate::model::paging_faults::{self, Cut, InvalidPage};
use crate::model::records::{SimRef, SimVendor};
use crate::model::transactions::{SimExpenseCategory, Txn};
use crate::protocol::request::SearchPrefs;
use crate::protocol::search_spec::SearchSpec;
use crate::protocol::sessions::{IdGen, SessionError, Sessions};

/// Default `pageSize`.
pub(crate) const DEFAULT_PAGE_SIZE: u32 = 1000;
/// Smallest accepted `pageSize`.
const MIN_PAGE_SIZE: i32 = 5;
/// Largest accepted `pageSize`.
const MAX_PAGE_SIZE: i32 = 1000;

/// A transaction of a page, with its entity reference resolved.
#[derive(Clone, Debug)]
pub(crate) struct TxnRow {
    /// The transaction.
    pub txn: Txn,
    /// Its `entity`, with the entity's name now.
    pub entity: SimRef,
}

/// An employee of a page, with its supervisor reference resolved.
#[derive(Clone, Debug)]
pub(crate) struct EmployeeRow {
    /// The employee.
    pub employee: SimEmployee,
    /// Its `supervisor`, with the supervisor's name now.
    pub supervisor: Option<SimRef>,
}

/// A department of a page, with its parent reference resolved.
#[derive(Clone, Debug)]
pub(crate) struct DepartmentRow {
    /// The department.
    pub department: SimDepartment,
    /// Its `parent`, with the parent's name.
    pub parent: Option<SimRef>,
}

/// The records of one page.
#[derive(Clone, Debug)]
pub(crate) enum PageRows {
    /// Vendors, in internal-id order.
    Vendors(Vec<SimVendor>),
    /// Transactions, in internal-id order.
    Transactions {
        /// The rows.
        rows: Vec<TxnRow>,
        /// Whether sublists are written (`bodyFieldsOnly` false).
        with_lines: bool,
        /// The account's expense categories (names of line categories).
        categories: Arc<Vec<SimExpenseCategory>>,
        /// The account's department table (departments of transactions and lines).
        departments: Arc<Vec<SimRef>>,
    },
    /// Expense categories, in internal-id order.
    ExpenseCategories(Vec<SimExpenseCategory>),
    /// Employees, in internal-id order.
    Employees(Vec<EmployeeRow>),
    /// Departments, in internal-id order.
    Departments(Vec<DepartmentRow>),
}

impl PageRows {
    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        match self {
            PageRows::Vendors(v) => v.len(),
            PageRows::Transactions { rows, .. } => rows.len(),
            PageRows::ExpenseCategories(c) => c.len(),
            PageRows::Employees(e) => e.len(),
            PageRows::Departments(d) => d.len(),
        }
    }

    /// Number of sublist lines written (0 for body fields only).
    pub(crate) fn lines(&self) -> usize {
        match self {
            PageRows::Transactions { rows, with_lines: true, .. } => rows.iter().map(|r| r.txn.lines.len()).sum(),
            _ => 0,
        }
    }
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
    /// Whether a paging fault ([`crate::PagingFault`]) or a corrupted record shaped this
    /// page.
    pub faulted: bool,
    /// The corruptions of this page's records, by internal id.
    pub corruptions: HashMap<String, Vec<Corruption>>,
}

impl PageRows {
    /// The type and internal id of each row.
    pub(crate) fn keys(&self) -> Vec<(SimRecordType, String)> {
        match self {
            PageRows::Vendors(v) => v.iter().map(|x| (SimRecordType::Vendor, x.internal_id.clone())).collect(),
            PageRows::Transactions { rows, .. } => {
                rows.iter().map(|r| (SimRecordType::of_transaction(r.txn.kind), r.txn.id.to_string())).collect()
            }
            PageRows::ExpenseCategories(v) => {
                v.iter().map(|x| (SimRecordType::ExpenseCategory, x.internal_id.clone())).collect()
            }
            PageRows::Employees(v) => {
                v.iter().map(|x| (SimRecordType::Employee, x.employee.internal_id.clone())).collect()
            }
            PageRows::Departments(v) => {
                v.iter().map(|x| (SimRecordType::Department, x.department.internal_id.clone())).collect()
            }
        }
    }

    /// Drops the page's last row (for [`crate::InjectedFault::ShortPage`]).
    pub(crate) fn drop_last(&mut self) {
        match self {
            PageRows::Vendors(v) => {
                v.pop();
            }
            PageRows::Transactions { rows, .. } => {
                rows.pop();
            }
            PageRows::ExpenseCategories(v) => {
                v.pop();
            }
            PageRows::Employees(v) => {
                v.pop();
            }
            PageRows::Departments(v) => {
                v.pop();
            }
        }
    }
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

/// Runs `spec` for `account` and returns page `page_index`, as the account's paging faults
/// shape it. Records are filtered by reference; only the page's rows are copied.
fn page(
    account: &AccountState,
    spec: &SearchSpec,
    page_size: u32,
    body_fields_only: bool,
    page_index: i32,
    search_id: String,
) -> SearchAnswer {
    if let Some(p) = spec.missing_permission(account) {
        return error("INSUFFICIENT_PERMISSION", p.violation_message());
    }
    let size = page_size.max(1) as usize;
    let window = |total: usize| paging_faults::cut(&account.paging_faults, page_index, size, total);
    match page_rows(account, spec, body_fields_only, window) {
        Ok((c, rows)) => {
            let corruptions: HashMap<String, Vec<Corruption>> = if account.corruptions.is_empty() {
                HashMap::new()
            } else {
                rows.keys()
                    .into_iter()
                    .filter_map(|key| account.corruptions.get(&key).map(|cs| (key.1, cs.clone())))
                    .collect()
            };
            SearchAnswer::Page(Page {
                total_records: c.total_records,
                page_size,
                total_pages: c.total_pages,
                page_index: c.page_index,
                search_id,
                faulted: c.faulted || !corruptions.is_empty(),
                rows,
                corruptions,
            })
        }
        Err(InvalidPage(message)) => error("INVALID_PAGE_INDEX", message),
    }
}

/// The records matching `spec`, cut into the page `window` chooses for their number.
fn page_rows(
    account: &AccountState,
    spec: &SearchSpec,
    body_fields_only: bool,
    window: impl Fn(usize) -> Result<Cut, InvalidPage>,
) -> Result<(Cut, PageRows), InvalidPage> {
    Ok(match spec {
        SearchSpec::Vendor(c) => {
            let matching: Vec<&SimVendor> = account.vendors.values().filter(|v| c.matches(v)).collect();
            let cut = window(matching.len())?;
            (cut, PageRows::Vendors(slice(&matching, &cut).iter().map(|v| (*v).clone()).collect()))
        }
        SearchSpec::Transaction(c) => {
            // Card kinds live in `account.cards`, never here: SOAP cannot see them.
            let matching: Vec<&Txn> = account.txns.iter().filter(|t| account.may_see(t.kind) && c.matches(t)).collect();
            let cut = window(matching.len())?;
            let rows = slice(&matching, &cut)
                .iter()
                .map(|t| TxnRow { txn: (*t).clone(), entity: account.entity_ref(t) })
                .collect();
            let with_lines = !body_fields_only;
            let categories = Arc::clone(&account.categories);
            let departments = Arc::clone(&account.department_table);
            (cut, PageRows::Transactions { rows, with_lines, categories, departments })
        }
        SearchSpec::ExpenseCategory(c) => {
            let matching: Vec<&SimExpenseCategory> = account.categories.iter().filter(|x| c.matches(x)).collect();
            let cut = window(matching.len())?;
            (cut, PageRows::ExpenseCategories(slice(&matching, &cut).iter().map(|x| (*x).clone()).collect()))
        }
        SearchSpec::Employee(c) => {
            let matching: Vec<&SimEmployee> = account.employees.iter().filter(|e| c.matches(e)).collect();
            let cut = window(matching.len())?;
            let rows = slice(&matching, &cut)
                .iter()
                .map(|e| EmployeeRow { employee: (*e).clone(), supervisor: supervisor_ref(account, e) })
                .collect();
            (cut, PageRows::Employees(rows))
        }
        SearchSpec::Department(c) => {
            let matching: Vec<&SimDepartment> = account.departments.iter().filter(|d| c.matches(d)).collect();
            let cut = window(matching.len())?;
            let rows = slice(&matching, &cut)
                .iter()
                .map(|d| DepartmentRow { department: (*d).clone(), parent: parent_ref(&account.departments, d) })
                .collect();
            (cut, PageRows::Departments(rows))
        }
    })
}

/// The `supervisor` reference of `e`, named after the supervisor now (without a name if the
/// supervisor is not an employee of the account).
fn supervisor_ref(account: &AccountState, e: &SimEmployee) -> Option<SimRef> {
    let id = e.supervisor_id.as_deref()?;
    let name = id.parse::<u64>().ok().and_then(|n| account.employee(n)).map(SimEmployee::display_name);
    Some(SimRef::new(id, name.unwrap_or_default()))
}

/// The `parent` reference of `d`, named after the parent (departments are in id order).
fn parent_ref(departments: &[SimDepartment], d: &SimDepartment) -> Option<SimRef> {
    let id = d.parent_id.as_deref()?;
    let key = id.parse::<u64>().unwrap_or(0);
    let name = departments
        .binary_search_by_key(&key, |p| p.internal_id.parse::<u64>().unwrap_or(0))
        .ok()
        .map(|i| departments[i].name.clone());
    Some(SimRef::new(id, name.unwrap_or_default()))
}

/// The items `cut` shows (empty when out of range).
pub(crate) fn slice<'a, T>(items: &'a [T], cut: &Cut) -> &'a [T] {
    items.get(cut.start..cut.end.min(items.len())).unwrap_or(&[])
}

/// The page size `prefs` ask for (1000 when they name none), or the message of
/// `INVALID_SEARCH_PAGE_SIZE` when it is outside 5..=1000.
pub(crate) fn page_size_of(prefs: SearchPrefs) -> Result<u32, String> {
    let requested = prefs.page_size.unwrap_or(DEFAULT_PAGE_SIZE as i32);
    match u32::try_from(requested) {
        Ok(size) if (MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&requested) => Ok(size),
        _ => Err(format!(
            "Invalid page size {requested}: the page size must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}."
        )),
    }
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
    let page_size = match page_size_of(prefs) {
        Ok(size) => size,
        Err(message) => return error("INVALID_SEARCH_PAGE_SIZE", message),
    };
    if let Some(p) = spec.missing_permission(account) {
        return error("INSUFFICIENT_PERMISSION", p.violation_message());
    }
    let body_fields_only = prefs.body_fields_only.unwrap_or(true);
    let id = sessions.create(ids, &account.spec.account_id, spec.clone(), page_size, body_fields_only, now);
    page(account, &spec, page_size, body_fields_only, 1, id)
}

/// Continues search `search_id` with page `page_index`, re-running its criteria now (or
/// answers `INVALID_JOB_ID` at once under [`crate::PagingFault::AlwaysExpire`]). Also returns the search's criteria when the searchId was valid.
pub(crate) fn more(
    account: &AccountState,
    account_id: &AccountId,
    sessions: &mut Sessions,
    search_id: &str,
    page_index: i32,
    now: DateTime<Utc>,
) -> (SearchAnswer, Option<SearchSpec>) {
    if paging_faults::always_expire(&account.paging_faults) {
        return (error("INVALID_JOB_ID", format!("The search ID {search_id} has expired.")), None);
    }
    match sessions.touch(search_id, account_id, now) {
        Ok(s) => {
            let answer = page(account, &s.spec, s.page_size, s.body_fields_only, page_index, search_id.to_string());
            (answer, Some(s.spec))
        }
        Err(e) => {
            let why = match e {
                SessionError::Unknown => "is not a valid search ID",
                SessionError::Expired => "has expired",
            };
            (error("INVALID_JOB_ID", format!("The search ID {search_id} {why}.")), None)
        }
    }
}
