//! The rows of each table, read from the account's state (the same state SOAP answers from),
//! in the table's natural key order, and the value of each column. Transactions are in
//! `rows_tx.rs`.
//!
//! Rows the role may not see are not produced: transactions (their lines and links) of a
//! kind whose permission the role lacks, deletions of such types.

use crate::model::account::AccountState;
use crate::model::generate::CURRENCIES;
use crate::model::graveyard::{SimDeletion, SimRecordType};
use crate::model::org::{SimDepartment, SimEmployee};
use crate::model::records::SimVendor;
use crate::model::transactions::{SimExpenseCategory, TransactionKind, Txn};
use crate::rest::rows_tx;
use crate::rest::tables::Table;
use crate::rest::value::Value;

/// One row of a table.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Row<'a> {
    /// A vendor.
    Vendor(&'a SimVendor),
    /// A vendor's primary subsidiary relationship.
    VendorSubsidiary(&'a SimVendor),
    /// A transaction header.
    Txn(&'a Txn),
    /// A transaction line (`None`: the mainline).
    Line(&'a Txn, Option<usize>),
    /// A payment application: the payment and the index of its apply line.
    Link(&'a Txn, usize),
    /// An employee.
    Employee(&'a SimEmployee),
    /// A department.
    Department(&'a SimDepartment),
    /// An expense category.
    Category(&'a SimExpenseCategory),
    /// A deletion log entry.
    Deleted(&'a SimDeletion),
}

/// Which transactions a query can possibly touch, read from its conditions so that a page of
/// lines does not walk every transaction: `transaction IN (…)` / `nextdoc IN (…)` ids, and
/// `id > N` of headers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    /// Only these transaction ids (sorted, deduplicated).
    pub txn_ids: Option<Vec<u64>>,
    /// Only transaction ids above this.
    pub after_id: Option<u64>,
}

/// The record type of a deletion as `deletedrecord.type` spells it (unverified): the
/// 2017_2 `RecordType` value lower-cased (`vendorbill`, `creditcardcharge`).
pub(crate) fn deleted_type(t: SimRecordType) -> String {
    t.as_str().to_ascii_lowercase()
}

/// The transactions of both lists (SOAP kinds and cards), in id order, within `scope`, of
/// kinds the role may see.
fn transactions<'a>(account: &'a AccountState, scope: &Scope) -> Vec<&'a Txn> {
    let visible = |t: &&Txn| account.may_see(t.kind);
    let mut out: Vec<&Txn> = match &scope.txn_ids {
        Some(ids) => ids
            .iter()
            .filter_map(|id| {
                let find = |list: &'a [Txn]| list.binary_search_by_key(id, |t| t.id).ok().map(|i| &list[i]);
                find(&account.txns).or_else(|| find(&account.cards))
            })
            .filter(visible)
            .collect(),
        None => {
            let from = |list: &'a [Txn]| {
                let start = scope.after_id.map_or(0, |a| list.partition_point(|t| t.id <= a));
                &list[start..]
            };
            let mut all: Vec<&Txn> = from(&account.txns).iter().chain(from(&account.cards)).filter(visible).collect();
            all.sort_by_key(|t| t.id);
            all
        }
    };
    if let Some(a) = scope.after_id {
        out.retain(|t| t.id > a);
    }
    out
}

/// The rows of `table` within `scope`, in the table's natural order.
pub(crate) fn rows<'a>(account: &'a AccountState, table: Table, scope: &Scope) -> Vec<Row<'a>> {
    match table {
        Table::Vendor => account.vendors.values().map(Row::Vendor).collect(),
        Table::VendorSubsidiary => account.vendors.values().map(Row::VendorSubsidiary).collect(),
        Table::Transaction => transactions(account, scope).into_iter().map(Row::Txn).collect(),
        Table::TransactionLine => transactions(account, &Scope { after_id: None, ..scope.clone() })
            .into_iter()
            .flat_map(|t| rows_tx::line_indexes(t).map(move |i| Row::Line(t, i)))
            .collect(),
        Table::Link => transactions(account, &Scope { after_id: None, ..scope.clone() })
            .into_iter()
            .filter(|t| t.kind == TransactionKind::VendorPayment)
            .flat_map(|t| rows_tx::link_indexes(t).map(move |i| Row::Link(t, i)))
            .collect(),
        Table::Employee => account.employees.iter().map(Row::Employee).collect(),
        Table::Department => account.departments.iter().map(Row::Department).collect(),
        Table::ExpenseCategory => account.categories.iter().map(Row::Category).collect(),
        Table::DeletedRecord => {
            let visible = |t: SimRecordType| t.permission().map_or(true, |p| account.permissions.contains(p));
            account.graveyard.log.iter().filter(|d| visible(d.record_type)).map(Row::Deleted).collect()
        }
    }
}

fn id_of(s: &str) -> Value {
    s.parse::<i64>().map_or_else(|_| Value::Text(s.to_string()), Value::Int)
}

fn subsidiary_id(name: &str) -> &'static str {
    CURRENCIES.iter().find(|c| c.subsidiary.1 == name).map_or("", |c| c.subsidiary.0)
}

/// The value of column `col` of `row`.
pub(crate) fn value(account: &AccountState, row: &Row<'_>, col: &str) -> Value {
    match row {
        Row::Vendor(v) => vendor(v, col),
        Row::VendorSubsidiary(v) => match col {
            "id" => id_of(&v.internal_id),
            "entity" => Value::reference(v.internal_id.clone(), v.company_name.clone()),
            "subsidiary" => Value::reference(v.subsidiary.internal_id.clone(), v.subsidiary.name.clone()),
            "isprimarysub" => Value::Bool(true),
            _ => Value::Null,
        },
        Row::Txn(t) => rows_tx::header(account, t, col),
        Row::Line(t, i) => rows_tx::line(account, t, *i, col),
        Row::Link(t, i) => rows_tx::link(t, *i, col),
        Row::Employee(e) => employee(account, e, col),
        Row::Department(d) => department(account, d, col),
        Row::Category(c) => match col {
            "id" => id_of(&c.internal_id),
            "name" => Value::Text(c.name.clone()),
            "description" => Value::text(c.description.clone()),
            "isinactive" => Value::Bool(c.is_inactive),
            "expenseacct" => Value::reference(c.expense_account.internal_id.clone(), c.expense_account.name.clone()),
            _ => Value::Null,
        },
        Row::Deleted(d) => match col {
            "recordid" => id_of(&d.internal_id),
            "type" => Value::Text(deleted_type(d.record_type)),
            "name" => Value::Text(d.name.clone()),
            "deleteddate" => Value::DateTime(d.deleted_at),
            "iscustomrecord" | "iscustomlist" | "iscustomtransaction" => Value::Bool(false),
            _ => Value::Null,
        },
    }
}

fn vendor(v: &SimVendor, col: &str) -> Value {
    match col {
        "id" => id_of(&v.internal_id),
        "entityid" => Value::Text(v.entity_id.clone()),
        "companyname" => Value::Text(v.company_name.clone()),
        "isperson" => Value::Bool(false),
        "email" => Value::text(v.email.clone()),
        "url" => Value::text(v.url.clone()),
        "category" => {
            v.category.as_ref().map_or(Value::Null, |c| Value::reference(c.internal_id.clone(), c.name.clone()))
        }
        "currency" => Value::reference(v.currency.internal_id.clone(), v.currency.name.clone()),
        "isinactive" => Value::Bool(v.is_inactive),
        "datecreated" => Value::DateTime(v.date_created),
        "lastmodifieddate" => Value::DateTime(v.last_modified),
        _ => Value::Null,
    }
}

fn employee(account: &AccountState, e: &SimEmployee, col: &str) -> Value {
    let r = |x: &crate::model::records::SimRef| Value::reference(x.internal_id.clone(), x.name.clone());
    match col {
        "id" => id_of(&e.internal_id),
        "entityid" => Value::Text(e.entity_id.clone()),
        "firstname" => Value::Text(e.first_name.clone()),
        "lastname" => Value::Text(e.last_name.clone()),
        "email" => Value::Text(e.email.clone()),
        "title" => Value::Text(e.title.clone()),
        "department" => r(&e.department),
        "subsidiary" => r(&e.subsidiary),
        "supervisor" => match e.supervisor_id.as_deref() {
            Some(id) => {
                let name = id.parse::<u64>().ok().and_then(|n| account.employee(n)).map(SimEmployee::display_name);
                Value::reference(id, name.unwrap_or_default())
            }
            None => Value::Null,
        },
        "location" => r(&e.location),
        "currency" => r(&e.currency),
        "employeetype" => r(&e.employee_type),
        "employeestatus" => r(&e.employee_status),
        "isinactive" => Value::Bool(e.is_inactive),
        "hiredate" => Value::Date(e.hire_date),
        "releasedate" => e.release_date.map_or(Value::Null, Value::Date),
        "datecreated" => Value::DateTime(e.date_created),
        "lastmodifieddate" => Value::DateTime(e.last_modified),
        _ => Value::Null,
    }
}

fn department_named<'a>(account: &'a AccountState, id: &str) -> Option<&'a SimDepartment> {
    let key = id.parse::<u64>().unwrap_or(0);
    account
        .departments
        .binary_search_by_key(&key, |d| d.internal_id.parse::<u64>().unwrap_or(0))
        .ok()
        .map(|i| &account.departments[i])
}

fn department(account: &AccountState, d: &SimDepartment, col: &str) -> Value {
    match col {
        "id" => id_of(&d.internal_id),
        "name" => Value::Text(d.name.clone()),
        "fullname" => {
            let mut names = vec![d.name.clone()];
            let mut parent = d.parent_id.clone();
            while let Some(p) = parent.take().filter(|_| names.len() < 64) {
                if let Some(pd) = department_named(account, &p) {
                    names.push(pd.name.clone());
                    parent = pd.parent_id.clone();
                }
            }
            names.reverse();
            Value::Text(names.join(" : "))
        }
        "parent" => match d.parent_id.as_deref() {
            Some(p) => Value::reference(p, department_named(account, p).map(|x| x.name.clone()).unwrap_or_default()),
            None => Value::Null,
        },
        "isinactive" => Value::Bool(d.is_inactive),
        "includechildren" => Value::Bool(false),
        "subsidiary" => Value::Refs(d.subsidiaries.iter().map(|s| (subsidiary_id(s).to_string(), s.clone())).collect()),
        _ => Value::Null,
    }
}
