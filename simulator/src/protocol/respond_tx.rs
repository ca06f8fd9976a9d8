//! Writing transactions and expense categories into search pages.
//!
//! Each record type writes the fields the simulator holds in the order of its XSD sequence
//! (`transactions.purchases.xsd`, `transactions.bank.xsd`, `transactions.employees.xsd`,
//! `lists.accounting.xsd` 2017_2): the per-type layouts below list them. The header total is
//! the field the type's XSD defines: `userTotal` for VendorBill, VendorCredit, Check and
//! VendorReturnAuthorization; `total` for PurchaseOrder, VendorPayment and ExpenseReport.
//! Sublists are written only when the search asked for them (`bodyFieldsOnly` false).

use std::io;

use chrono::{Datelike, NaiveDate};

use crate::basics::datetime::{format_date, format_xsd};
use crate::basics::ns::SoapVersion;
use crate::model::generate::CURRENCIES;
use crate::model::generate_tx::{AP_ACCOUNT, BANK_ACCOUNT, CLASSES, EXPENSE_ACCOUNTS, ITEMS};
use crate::model::records::SimRef;
use crate::model::transactions::{money, Line, LineDetail, SimExpenseCategory, TransactionKind, Txn};
use crate::protocol::search::TxnRow;
use crate::protocol::write::{leaf, record_ref, W};

/// A header field of a transaction record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum F {
    CreatedDate,
    LastModifiedDate,
    Account,
    Entity,
    Subsidiary,
    PostingPeriod,
    TranDate,
    CurrencyName,
    ExchangeRate,
    DueDate,
    TranId,
    UserTotal,
    Total,
    Memo,
    Currency,
    Class,
    Department,
    Status,
    OrderStatus,
    TransactionNumber,
    ExpenseList,
    ItemList,
    ApplyList,
}

/// `VendorBill` (transactions.purchases.xsd l.15).
const VENDOR_BILL: &[F] = &[
    F::CreatedDate,
    F::LastModifiedDate,
    F::Account,
    F::Entity,
    F::Subsidiary,
    F::PostingPeriod,
    F::TranDate,
    F::CurrencyName,
    F::ExchangeRate,
    F::DueDate,
    F::TranId,
    F::UserTotal,
    F::Memo,
    F::Currency,
    F::Class,
    F::Department,
    F::Status,
    F::TransactionNumber,
    F::ExpenseList,
    F::ItemList,
];

/// `PurchaseOrder` (l.145): `itemList` before `expenseList`; no posting period.
const PURCHASE_ORDER: &[F] = &[
    F::CreatedDate,
    F::LastModifiedDate,
    F::Entity,
    F::TranDate,
    F::TranId,
    F::Memo,
    F::ExchangeRate,
    F::CurrencyName,
    F::Currency,
    F::Total,
    F::Class,
    F::Department,
    F::Subsidiary,
    F::Status,
    F::ItemList,
    F::ExpenseList,
];

/// `VendorPayment` (l.373).
const VENDOR_PAYMENT: &[F] = &[
    F::CreatedDate,
    F::LastModifiedDate,
    F::Account,
    F::Entity,
    F::TranDate,
    F::PostingPeriod,
    F::CurrencyName,
    F::ExchangeRate,
    F::TranId,
    F::Total,
    F::Currency,
    F::Department,
    F::Memo,
    F::Subsidiary,
    F::Class,
    F::Status,
    F::TransactionNumber,
    F::ApplyList,
];

/// `VendorCredit` (l.462): no `status`; `userTotal` (its `total` is left out).
const VENDOR_CREDIT: &[F] = &[
    F::CreatedDate,
    F::LastModifiedDate,
    F::Account,
    F::TransactionNumber,
    F::TranId,
    F::Entity,
    F::UserTotal,
    F::Currency,
    F::CurrencyName,
    F::TranDate,
    F::ExchangeRate,
    F::PostingPeriod,
    F::Memo,
    F::Department,
    F::Class,
    F::Subsidiary,
    F::ExpenseList,
    F::ItemList,
];

/// `VendorReturnAuthorization` (l.594): `orderStatus` enum instead of a `status` text.
const VENDOR_RETURN_AUTHORIZATION: &[F] = &[
    F::CreatedDate,
    F::LastModifiedDate,
    F::TranId,
    F::Entity,
    F::OrderStatus,
    F::TranDate,
    F::UserTotal,
    F::Currency,
    F::CurrencyName,
    F::Memo,
    F::ExchangeRate,
    F::Department,
    F::Class,
    F::Subsidiary,
    F::ExpenseList,
    F::ItemList,
];

/// `Check` (transactions.bank.xsd l.15): no `currencyName`.
const CHECK: &[F] = &[
    F::CreatedDate,
    F::LastModifiedDate,
    F::Status,
    F::Account,
    F::Entity,
    F::Subsidiary,
    F::PostingPeriod,
    F::TranDate,
    F::Currency,
    F::ExchangeRate,
    F::TranId,
    F::Memo,
    F::Department,
    F::Class,
    F::UserTotal,
    F::TransactionNumber,
    F::ExpenseList,
    F::ItemList,
];

/// `ExpenseReport` (transactions.employees.xsd l.118): no header currency or rate (each
/// line has its own).
const EXPENSE_REPORT: &[F] = &[
    F::CreatedDate,
    F::LastModifiedDate,
    F::Status,
    F::Account,
    F::Entity,
    F::Subsidiary,
    F::TranId,
    F::PostingPeriod,
    F::TranDate,
    F::Total,
    F::Memo,
    F::Department,
    F::Class,
    F::ExpenseList,
];

/// The header fields of `kind`, in XSD order.
fn layout(kind: TransactionKind) -> &'static [F] {
    match kind {
        TransactionKind::VendorBill => VENDOR_BILL,
        TransactionKind::PurchaseOrder => PURCHASE_ORDER,
        TransactionKind::VendorCredit => VENDOR_CREDIT,
        TransactionKind::VendorPayment => VENDOR_PAYMENT,
        // Card kinds are never written over SOAP (2017_2 has no such record); were one to
        // reach here, it would be written like a check.
        TransactionKind::Check | TransactionKind::CreditCardCharge | TransactionKind::CreditCardRefund => CHECK,
        TransactionKind::VendorReturnAuthorization => VENDOR_RETURN_AUTHORIZATION,
        TransactionKind::ExpenseReport => EXPENSE_REPORT,
    }
}

/// Element names in the record type's namespace prefix.
struct Names {
    prefix: &'static str,
}

impl Names {
    fn n(&self, local: &str) -> String {
        format!("{}:{local}", self.prefix)
    }

    fn leaf(&self, w: &mut W, local: &str, value: &str) -> io::Result<()> {
        leaf(w, &self.n(local), value)
    }

    fn reference(&self, w: &mut W, local: &str, r: &SimRef) -> io::Result<()> {
        record_ref(w, &self.n(local), r)
    }

    /// The department at `index` of the account's department table, if any.
    fn department(&self, w: &mut W, departments: &[SimRef], index: Option<u16>) -> io::Result<()> {
        match index.and_then(|i| departments.get(usize::from(i))) {
            Some(r) => self.reference(w, "department", r),
            None => Ok(()),
        }
    }

    fn table_ref(&self, w: &mut W, local: &str, table: &[(&str, &str)], index: Option<u8>) -> io::Result<()> {
        match index.and_then(|i| table.get(usize::from(i))) {
            Some((id, name)) => self.reference(w, local, &SimRef::new(*id, *name)),
            None => Ok(()),
        }
    }
}

fn currency_ref(index: u8) -> SimRef {
    let (id, name) = CURRENCIES[usize::from(index).min(CURRENCIES.len() - 1)].currency;
    SimRef::new(id, name)
}

/// The accounting period of a date: `Oct 2017`, with a stable internal id.
fn posting_period(d: NaiveDate) -> SimRef {
    let id = (d.year() - 1990).max(0) * 12 + d.month() as i32;
    SimRef::new(id.to_string(), d.format("%b %Y").to_string())
}

/// The reference to expense category `id`, named from `categories`.
fn category_ref(categories: &[SimExpenseCategory], id: u32) -> SimRef {
    let found = categories
        .binary_search_by_key(&u64::from(id), |c| c.internal_id.parse::<u64>().unwrap_or(0))
        .ok()
        .map(|i| categories[i].name.clone());
    SimRef::new(id.to_string(), found.unwrap_or_default())
}

/// A `RecordRef` whose name may be unknown (then written without `name`).
fn maybe_named_ref(names: &Names, w: &mut W, local: &str, r: &SimRef) -> io::Result<()> {
    if r.name.is_empty() {
        w.create_element(names.n(local).as_str())
            .with_attribute(("internalId", r.internal_id.as_str()))
            .write_empty()?;
        Ok(())
    } else {
        names.reference(w, local, r)
    }
}

/// What transaction records name besides the fixed tables: the account's expense categories
/// and departments.
#[derive(Clone, Copy)]
pub(crate) struct Tables<'a> {
    /// Expense categories in internal-id order.
    pub categories: &'a [SimExpenseCategory],
    /// The account's department table (`AccountState::department_table`).
    pub departments: &'a [SimRef],
}

/// One transaction as a `platformCore:record` of its own type.
pub(crate) fn transaction(
    w: &mut W,
    row: &TxnRow,
    tables: Tables<'_>,
    with_lines: bool,
    v: SoapVersion,
) -> io::Result<()> {
    let t = &row.txn;
    let (prefix, uri) = t.kind.namespace(v);
    let names = Names { prefix };
    let xsi_type = names.n(t.kind.record_type());
    let xmlns = format!("xmlns:{prefix}");
    let id = t.id.to_string();
    w.create_element("platformCore:record")
        .with_attributes([(xmlns.as_str(), uri), ("internalId", id.as_str()), ("xsi:type", xsi_type.as_str())])
        .write_inner_content(|w| {
            for field in layout(t.kind) {
                header_field(w, &names, *field, row, tables, with_lines)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn header_field(
    w: &mut W,
    names: &Names,
    field: F,
    row: &TxnRow,
    tables: Tables<'_>,
    with_lines: bool,
) -> io::Result<()> {
    let t = &row.txn;
    match field {
        F::CreatedDate => names.leaf(w, "createdDate", &format_xsd(t.created)),
        F::LastModifiedDate => names.leaf(w, "lastModifiedDate", &format_xsd(t.last_modified)),
        F::Account => {
            let (id, name) = match t.kind {
                TransactionKind::VendorPayment | TransactionKind::Check => BANK_ACCOUNT,
                _ => AP_ACCOUNT,
            };
            names.reference(w, "account", &SimRef::new(id, name))
        }
        F::Entity => maybe_named_ref(names, w, "entity", &row.entity),
        F::Subsidiary => {
            let (id, name) = CURRENCIES[usize::from(t.subsidiary).min(CURRENCIES.len() - 1)].subsidiary;
            names.reference(w, "subsidiary", &SimRef::new(id, name))
        }
        F::PostingPeriod => names.reference(w, "postingPeriod", &posting_period(t.tran_date)),
        F::TranDate => names.leaf(w, "tranDate", &format_date(t.tran_date)),
        F::CurrencyName => names.leaf(w, "currencyName", &currency_ref(t.currency).name),
        F::ExchangeRate => names.leaf(w, "exchangeRate", &t.exchange_rate.to_string()),
        F::DueDate => match t.due_date() {
            Some(d) => names.leaf(w, "dueDate", &format_date(d)),
            None => Ok(()),
        },
        F::TranId => names.leaf(w, "tranId", &t.tran_id()),
        F::UserTotal => names.leaf(w, "userTotal", &money(t.total_cents).to_string()),
        F::Total => names.leaf(w, "total", &money(t.total_cents).to_string()),
        F::Memo => match &t.memo {
            Some(m) => names.leaf(w, "memo", m),
            None => Ok(()),
        },
        F::Currency => names.reference(w, "currency", &currency_ref(t.currency)),
        F::Class => names.table_ref(w, "class", CLASSES, t.class),
        F::Department => names.department(w, tables.departments, t.department),
        F::Status => match t.status {
            Some(s) => names.leaf(w, "status", s),
            None => Ok(()),
        },
        F::OrderStatus => match t.status {
            Some(s) => names.leaf(w, "orderStatus", s),
            None => Ok(()),
        },
        F::TransactionNumber => match t.transaction_number() {
            Some(n) => names.leaf(w, "transactionNumber", &n),
            None => Ok(()),
        },
        F::ExpenseList => sublist(
            w,
            names,
            "expenseList",
            t,
            with_lines,
            |l| !l.is_item(),
            |w, no, l| expense_line(w, names, no, l, tables),
        ),
        F::ItemList => {
            sublist(w, names, "itemList", t, with_lines, Line::is_item, |w, no, l| item_line(w, names, no, l, tables))
        }
        F::ApplyList => {
            sublist(w, names, "applyList", t, with_lines, |_| true, |w, _, l| apply_line(w, names, l, t.currency))
        }
    }
}

/// A sublist of the lines of `t` that `pick` keeps, numbered from 1; nothing when sublists
/// are not wanted or no line qualifies.
fn sublist(
    w: &mut W,
    names: &Names,
    list: &str,
    t: &Txn,
    with_lines: bool,
    pick: impl Fn(&Line) -> bool,
    write: impl Fn(&mut W, usize, &Line) -> io::Result<()>,
) -> io::Result<()> {
    if !with_lines || !t.lines.iter().any(&pick) {
        return Ok(());
    }
    w.create_element(names.n(list).as_str()).write_inner_content(|w| {
        for (i, line) in t.lines.iter().filter(|l| pick(l)).enumerate() {
            write(w, i + 1, line)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// An `expense` line: vendor-side (`line, category, account, amount, memo, department,
/// class`) or of an expense report (`line, expenseDate, category, foreignAmount, currency,
/// exchangeRate, amount, memo, department, class`).
fn expense_line(w: &mut W, names: &Names, no: usize, l: &Line, tables: Tables<'_>) -> io::Result<()> {
    w.create_element(names.n("expense").as_str()).write_inner_content(|w| {
        names.leaf(w, "line", &no.to_string())?;
        match &l.detail {
            LineDetail::Report { expense_date, category, currency, foreign_cents, exchange_rate } => {
                names.leaf(w, "expenseDate", &format_date(*expense_date))?;
                if let Some(c) = category {
                    maybe_named_ref(names, w, "category", &category_ref(tables.categories, *c))?;
                }
                names.leaf(w, "foreignAmount", &money(*foreign_cents).to_string())?;
                names.reference(w, "currency", &currency_ref(*currency))?;
                names.leaf(w, "exchangeRate", &exchange_rate.to_string())?;
                names.leaf(w, "amount", &money(l.amount_cents).to_string())?;
            }
            LineDetail::Expense { category, account } => {
                if let Some(c) = category {
                    maybe_named_ref(names, w, "category", &category_ref(tables.categories, *c))?;
                }
                names.table_ref(w, "account", EXPENSE_ACCOUNTS, Some(*account))?;
                names.leaf(w, "amount", &money(l.amount_cents).to_string())?;
            }
            // Item and apply lines never reach here; written as a bare amount if they did.
            _ => names.leaf(w, "amount", &money(l.amount_cents).to_string())?,
        }
        if let Some(m) = &l.memo {
            names.leaf(w, "memo", m)?;
        }
        names.department(w, tables.departments, l.department)?;
        names.table_ref(w, "class", CLASSES, l.class)?;
        Ok(())
    })?;
    Ok(())
}

/// An `item` line: `item, line, quantity, description, rate, amount, department, class`
/// (the same relative order in every vendor-side item type).
fn item_line(w: &mut W, names: &Names, no: usize, l: &Line, tables: Tables<'_>) -> io::Result<()> {
    let LineDetail::Item { item, quantity } = l.detail else {
        return Ok(());
    };
    w.create_element(names.n("item").as_str()).write_inner_content(|w| {
        let (id, name, _) = ITEMS[usize::from(item).min(ITEMS.len() - 1)];
        names.reference(w, "item", &SimRef::new(id, name))?;
        names.leaf(w, "line", &no.to_string())?;
        names.leaf(w, "quantity", &quantity.to_string())?;
        if let Some(m) = &l.memo {
            names.leaf(w, "description", m)?;
        }
        let q = i64::from(quantity.max(1));
        names.leaf(w, "rate", &money(l.amount_cents / q).to_string())?;
        names.leaf(w, "amount", &money(l.amount_cents).to_string())?;
        names.department(w, tables.departments, l.department)?;
        names.table_ref(w, "class", CLASSES, l.class)?;
        Ok(())
    })?;
    Ok(())
}

/// An `apply` line of a bill payment: `apply, doc, line, applyDate, type, refNum, total,
/// due, currency, amount`.
fn apply_line(w: &mut W, names: &Names, l: &Line, currency: u8) -> io::Result<()> {
    let LineDetail::Apply { doc, ref_num, date, doc_total_cents } = &l.detail else {
        return Ok(());
    };
    w.create_element(names.n("apply").as_str()).write_inner_content(|w| {
        names.leaf(w, "apply", "true")?;
        if let Some(d) = doc {
            names.leaf(w, "doc", &d.to_string())?;
        }
        names.leaf(w, "line", "0")?;
        names.leaf(w, "applyDate", &format_date(*date))?;
        names.leaf(w, "type", "Bill")?;
        if !ref_num.is_empty() {
            names.leaf(w, "refNum", ref_num)?;
        }
        names.leaf(w, "total", &money(*doc_total_cents).to_string())?;
        names.leaf(w, "due", &money(*doc_total_cents).to_string())?;
        names.leaf(w, "currency", &currency_ref(currency).name)?;
        names.leaf(w, "amount", &money(l.amount_cents).to_string())?;
        Ok(())
    })?;
    Ok(())
}

/// One expense category as a `platformCore:record` of type `listAcct:ExpenseCategory`:
/// `name, description, expenseAcct, isInactive`.
pub(crate) fn expense_category(w: &mut W, c: &SimExpenseCategory, v: SoapVersion) -> io::Result<()> {
    w.create_element("platformCore:record")
        .with_attributes([
            ("xmlns:listAcct", v.urns().list_acct),
            ("internalId", c.internal_id.as_str()),
            ("xsi:type", "listAcct:ExpenseCategory"),
        ])
        .write_inner_content(|w| {
            leaf(w, "listAcct:name", &c.name)?;
            if let Some(d) = &c.description {
                leaf(w, "listAcct:description", d)?;
            }
            record_ref(w, "listAcct:expenseAcct", &c.expense_account)?;
            leaf(w, "listAcct:isInactive", if c.is_inactive { "true" } else { "false" })?;
            Ok(())
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_totals_follow_the_layouts() {
        for k in TransactionKind::ALL {
            let l = layout(k);
            assert!(l.contains(&F::UserTotal) != l.contains(&F::Total), "{k:?} has exactly one total");
            let written = if l.contains(&F::UserTotal) { "userTotal" } else { "total" };
            assert_eq!(k.total_field(), written, "{k:?}");
        }
    }

    #[test]
    fn posting_periods() {
        let d = NaiveDate::from_ymd_opt(2017, 10, 2).unwrap();
        assert_eq!(posting_period(d), SimRef::new("334", "Oct 2017"));
    }
}
