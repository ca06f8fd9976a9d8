//! Transactions as SuiteQL rows: `transaction` headers, `transactionline` rows (the
//! `mainline` row and the sublist lines) and `previoustransactionlinelink` rows (payment
//! applications). Every value is the one the SOAP answer (`protocol/respond_tx.rs`) writes for
//! the same record, as `docs/suiteql.md` pairs them.
//!
//! Signs (unverified, strict): `foreigntotal` and line `foreignamount` are negative for the
//! credit kinds (`VendCred`, `VendAuth`, `CardRfnd`), and the `mainline` row carries the total
//! with the opposite sign of the lines; the contract has the client select `ABS(…)`.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::model::account::AccountState;
use crate::model::generate::CURRENCIES;
use crate::model::generate_tx::{AP_ACCOUNT, BANK_ACCOUNT, CLASSES, EXPENSE_ACCOUNTS, ITEMS};
use crate::model::transactions::{money, Line, LineDetail, SimExpenseCategory, TransactionKind, Txn};
use crate::rest::value::Value;

/// `uniquekey` of line `seq` (0 for the mainline) of transaction `id`.
pub(crate) fn unique_key(id: u64, seq: usize) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX / 1000).saturating_mul(1000).saturating_add(seq as i64)
}

/// The sign of a kind's amounts (unverified posting sign): credits negative.
fn sign(kind: TransactionKind) -> Decimal {
    match kind {
        TransactionKind::VendorCredit
        | TransactionKind::VendorReturnAuthorization
        | TransactionKind::CreditCardRefund => Decimal::NEGATIVE_ONE,
        _ => Decimal::ONE,
    }
}

fn table_ref(table: &[(&str, &str)], index: Option<u8>) -> Value {
    match index.and_then(|i| table.get(usize::from(i))) {
        Some((id, name)) => Value::reference(*id, *name),
        None => Value::Null,
    }
}

fn currency(index: u8) -> Value {
    let (id, name) = CURRENCIES[usize::from(index).min(CURRENCIES.len() - 1)].currency;
    Value::reference(id, name)
}

fn subsidiary(index: u8) -> Value {
    let (id, name) = CURRENCIES[usize::from(index).min(CURRENCIES.len() - 1)].subsidiary;
    Value::reference(id, name)
}

fn department(account: &AccountState, index: Option<u16>) -> Value {
    match index.and_then(|i| account.department_table.get(usize::from(i))) {
        Some(r) => Value::reference(r.internal_id.clone(), r.name.clone()),
        None => Value::Null,
    }
}

fn category(categories: &[SimExpenseCategory], id: u32) -> Value {
    let name = categories
        .binary_search_by_key(&u64::from(id), |c| c.internal_id.parse::<u64>().unwrap_or(0))
        .ok()
        .map(|i| categories[i].name.clone());
    Value::reference(id.to_string(), name.unwrap_or_default())
}

/// The expense account of category `id` (a real account fills it on report lines).
fn category_account(categories: &[SimExpenseCategory], id: u32) -> Value {
    categories.iter().find(|c| c.internal_id == id.to_string()).map_or(Value::Null, |c| {
        Value::reference(c.expense_account.internal_id.clone(), c.expense_account.name.clone())
    })
}

/// The accounting period of a date, as SOAP names it (`Oct 2017`).
fn posting_period(d: NaiveDate) -> Value {
    let id = (d.year() - 1990).max(0) * 12 + d.month() as i32;
    Value::reference(id.to_string(), d.format("%b %Y").to_string())
}

/// Status letter and display text (`BUILTIN.DF(status)`) of a SOAP status text or
/// `orderStatus` value. The letters are the simulator's (the sheet confirms only a few).
fn status(kind: TransactionKind, text: &str) -> Value {
    const BILL: &[&str] = &["Open", "Paid In Full", "Cancelled", "Pending Approval", "Rejected"];
    const ORDER: &[&str] = &[
        "Pending Supervisor Approval",
        "Pending Receipt",
        "Rejected by Supervisor",
        "Partially Received",
        "Pending Billing/Partially Received",
        "Pending Bill",
        "Fully Billed",
        "Closed",
    ];
    const RETURN: &[(&str, &str)] = &[
        ("_pendingApproval", "Pending Approval"),
        ("_pendingReturn", "Pending Return"),
        ("_cancelled", "Cancelled"),
        ("_partiallyReturned", "Partially Returned"),
        ("_pendingCredit", "Pending Credit"),
        ("_pendingCreditPartiallyReturned", "Pending Credit/Partially Returned"),
        ("_credited", "Credited"),
        ("_closed", "Closed"),
    ];
    const REPORT: &[&str] = &[
        "In Progress",
        "Pending Supervisor Approval",
        "Pending Accounting Approval",
        "Rejected by Supervisor",
        "Rejected by Accounting",
        "Approved by Accounting",
        "Approved (Overridden) by Accounting",
        "Rejected (Overridden) by Accounting",
        "Paid In Full",
    ];
    let letter = |i: usize| char::from(b'A' + u8::try_from(i).unwrap_or(25).min(25)).to_string();
    let found = match kind {
        TransactionKind::VendorBill => BILL.iter().position(|s| *s == text).map(|i| (letter(i), text.to_string())),
        TransactionKind::PurchaseOrder => ORDER.iter().position(|s| *s == text).map(|i| (letter(i), text.to_string())),
        TransactionKind::VendorReturnAuthorization => {
            RETURN.iter().position(|(e, _)| *e == text).map(|i| (letter(i), RETURN[i].1.to_string()))
        }
        TransactionKind::ExpenseReport => REPORT.iter().position(|s| *s == text).map(|i| (letter(i), text.to_string())),
        _ => None,
    };
    let (id, name) = found.unwrap_or_else(|| ("A".to_string(), text.to_string()));
    Value::reference(id, name)
}

/// Column `col` of transaction `t`.
pub(crate) fn header(account: &AccountState, t: &Txn, col: &str) -> Value {
    match col {
        "id" => Value::Int(i64::try_from(t.id).unwrap_or(0)),
        "type" => Value::Text(t.kind.suiteql_type().into()),
        "recordtype" => Value::Text(t.kind.record_type().to_ascii_lowercase()),
        "tranid" => Value::Text(t.tran_id()),
        "transactionnumber" => Value::text(t.transaction_number()),
        "trandate" => Value::Date(t.tran_date),
        "entity" => {
            let r = account.entity_ref(t);
            Value::reference(r.internal_id, r.name)
        }
        "employee" if t.kind == TransactionKind::ExpenseReport => {
            let r = account.entity_ref(t);
            Value::reference(r.internal_id, r.name)
        }
        "currency" => currency(t.currency),
        "exchangerate" => Value::Number(t.exchange_rate),
        "foreigntotal" => Value::Number(sign(t.kind) * money(t.total_cents)),
        "memo" => Value::text(t.memo.as_deref()),
        "status" => t.status.map_or(Value::Null, |s| status(t.kind, s)),
        "duedate" => t.due_date().map_or(Value::Null, Value::Date),
        "postingperiod" => match t.kind {
            TransactionKind::PurchaseOrder | TransactionKind::VendorReturnAuthorization => Value::Null,
            _ => posting_period(t.tran_date),
        },
        "createddate" => Value::DateTime(t.created),
        "lastmodifieddate" => Value::DateTime(t.last_modified),
        _ => Value::Null,
    }
}

/// The `transactionline` rows of `t`: the mainline (`None`), then its expense and item lines
/// (`Some(index)`; a payment's apply lines are links, not lines).
pub(crate) fn line_indexes(t: &Txn) -> impl Iterator<Item = Option<usize>> + '_ {
    let lines = if t.kind == TransactionKind::VendorPayment { 0 } else { t.lines.len() };
    std::iter::once(None).chain((0..lines).map(Some))
}

/// Column `col` of line `index` of `t` (`None`: the mainline).
pub(crate) fn line(account: &AccountState, t: &Txn, index: Option<usize>, col: &str) -> Value {
    let seq = index.map_or(0, |i| i + 1);
    let l: Option<&Line> = index.and_then(|i| t.lines.get(i));
    let categories = account.categories.as_slice();
    match (col, l) {
        ("transaction", _) => Value::reference(t.id.to_string(), t.tran_id()),
        ("id" | "linesequencenumber", _) => Value::Int(seq as i64),
        ("uniquekey", _) => Value::Int(unique_key(t.id, seq)),
        ("mainline", _) => Value::Bool(l.is_none()),
        ("taxline", _) => Value::Bool(false),
        ("subsidiary", _) => subsidiary(t.subsidiary),
        ("department", None) => department(account, t.department),
        ("department", Some(l)) => department(account, l.department),
        ("class", None) => table_ref(CLASSES, t.class),
        ("class", Some(l)) => table_ref(CLASSES, l.class),
        ("expenseaccount", None) => {
            let (id, name) = match t.kind {
                TransactionKind::VendorPayment | TransactionKind::Check => BANK_ACCOUNT,
                _ => AP_ACCOUNT,
            };
            Value::reference(id, name)
        }
        ("expenseaccount", Some(l)) => match &l.detail {
            LineDetail::Expense { account, .. } => table_ref(EXPENSE_ACCOUNTS, Some(*account)),
            // A real account fills the item's expense account; SOAP writes none.
            LineDetail::Item { .. } => table_ref(EXPENSE_ACCOUNTS, Some(8)),
            LineDetail::Report { category: Some(c), .. } => category_account(categories, *c),
            _ => Value::Null,
        },
        ("item", Some(l)) => match l.detail {
            LineDetail::Item { item, .. } => {
                let (id, name, _) = ITEMS[usize::from(item).min(ITEMS.len() - 1)];
                Value::reference(id, name)
            }
            _ => Value::Null,
        },
        ("category", Some(l)) => match &l.detail {
            LineDetail::Expense { category: Some(c), .. } | LineDetail::Report { category: Some(c), .. } => {
                category(categories, *c)
            }
            _ => Value::Null,
        },
        ("foreignamount", None) => Value::Number(-sign(t.kind) * money(t.total_cents)),
        ("foreignamount", Some(l)) => Value::Number(sign(t.kind) * money(l.amount_cents)),
        ("memo", None) => Value::text(t.memo.as_deref()),
        ("memo", Some(l)) => Value::text(l.memo.as_deref()),
        ("expensedate", Some(Line { detail: LineDetail::Report { expense_date, .. }, .. })) => {
            Value::Date(*expense_date)
        }
        ("expensecurrency", Some(Line { detail: LineDetail::Report { currency: c, .. }, .. })) => currency(*c),
        ("expenseforeignamount", Some(Line { detail: LineDetail::Report { foreign_cents, .. }, .. })) => {
            Value::Number(money(*foreign_cents))
        }
        ("expenseexchangerate", Some(Line { detail: LineDetail::Report { exchange_rate, .. }, .. })) => {
            Value::Number(*exchange_rate)
        }
        _ => Value::Null,
    }
}

/// The `previoustransactionlinelink` rows of `t`: its apply lines that name a bill.
pub(crate) fn link_indexes(t: &Txn) -> impl Iterator<Item = usize> + '_ {
    t.lines
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l.detail, LineDetail::Apply { doc: Some(_), .. }))
        .map(|(i, _)| i)
}

/// Column `col` of the link of apply line `index` of payment `t`.
pub(crate) fn link(t: &Txn, index: usize, col: &str) -> Value {
    let Some(l) = t.lines.get(index) else { return Value::Null };
    let LineDetail::Apply { doc: Some(doc), ref_num, .. } = &l.detail else { return Value::Null };
    match col {
        "previousdoc" => Value::reference(doc.to_string(), ref_num.clone()),
        "nextdoc" => Value::reference(t.id.to_string(), t.tran_id()),
        "previousline" => Value::Int(0),
        "nextline" => Value::Int(index as i64 + 1),
        "linktype" => Value::Text("Payment".into()),
        "previoustype" => Value::Text(TransactionKind::VendorBill.suiteql_type().into()),
        "nexttype" => Value::Text(t.kind.suiteql_type().into()),
        "foreignamount" => Value::Number(money(l.amount_cents)),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_have_letters_and_texts() {
        assert_eq!(status(TransactionKind::VendorBill, "Paid In Full"), Value::reference("B", "Paid In Full"));
        assert_eq!(status(TransactionKind::VendorReturnAuthorization, "_credited"), Value::reference("G", "Credited"));
        assert_eq!(posting_period(NaiveDate::from_ymd_opt(2017, 10, 2).unwrap()), Value::reference("334", "Oct 2017"));
        assert_eq!(unique_key(1_000_002, 3), 1_000_002_003);
    }
}
