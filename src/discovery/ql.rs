//! How each entity is pulled over SuiteQL: its query, the rows each page needs besides its
//! own (lines, applications, subsidiaries), how a row becomes the same typed record SOAP
//! gives, and the `deletedrecord` types of its deletions (`docs/suiteql.md`).

use std::collections::HashMap;

use super::entity::{CardSpend, Costs, Departments, Employees, EntitySpec, ExpenseCategories, Invoices, Vendors};
use crate::netsuite::rest::Row;
use crate::netsuite::suiteql::{self, Bounds, Select, TypeCode, CARD_TYPES, EXPENSE_REPORT_TYPE, VENDOR_TYPES};
use crate::netsuite::{CompactString, WireError};

/// What a page of an entity needs besides its own rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extras {
    /// Nothing.
    None,
    /// Vendors: each one's primary subsidiary.
    VendorSubsidiaries,
    /// Transactions: their lines (main line included); `reports` for expense-report columns,
    /// `payments` for the applications of vendor payments.
    Lines {
        /// Expense-report line columns.
        reports: bool,
        /// Fetch the applications of `VendPymt` rows.
        payments: bool,
    },
}

/// The extra rows of one page, by the key of the row they belong to.
#[derive(Debug, Default)]
pub struct ExtraRows {
    /// Primary subsidiary name by vendor id.
    pub subsidiaries: HashMap<i64, CompactString>,
    /// Lines by transaction id.
    pub lines: HashMap<i64, Vec<Row>>,
    /// Applications by payment id.
    pub applications: HashMap<i64, Vec<Row>>,
}

impl ExtraRows {
    fn lines_of(&self, id: i64) -> Vec<&Row> {
        self.lines.get(&id).map(|v| v.iter().collect()).unwrap_or_default()
    }

    fn applications_of(&self, id: i64) -> Vec<&Row> {
        self.applications.get(&id).map(|v| v.iter().collect()).unwrap_or_default()
    }
}

/// An entity pulled over SuiteQL.
pub trait QlEntity: EntitySpec {
    /// The page query for these bounds (keyset on `id`).
    fn ql_query(b: &Bounds) -> Select;
    /// The query without its type condition, for the fallback when the typed one is refused
    /// for lack of permission (like SOAP's plain search); `None` when there is none.
    fn ql_plain_query(_b: &Bounds) -> Option<Select> {
        None
    }
    /// Whether a row is of a kind this entity holds (a plain query brings every type the
    /// role may see; the others are skipped and need no extras).
    fn ql_keeps(_row: &Row) -> bool {
        true
    }
    /// The rows a page needs besides its own.
    fn ql_extras() -> Extras {
        Extras::None
    }
    /// The `deletedrecord.type` values of its deletions; empty when the SOAP pull cannot
    /// report them either (the periodic full refresh finds those).
    fn ql_deleted_types() -> &'static [&'static str] {
        &[]
    }
    /// Reads a row (with its extras) into the typed record; `Ok(None)` for a row of a kind
    /// this entity does not hold (a transaction type outside its list).
    fn ql_convert(row: &Row, extras: &ExtraRows) -> Result<Option<Self::Record>, WireError>;
}

fn codes(types: &[TypeCode]) -> Vec<&'static str> {
    types.iter().map(|t| t.code).collect()
}

fn convert_transaction(
    types: &[TypeCode],
    row: &Row,
    extras: &ExtraRows,
) -> Result<Option<crate::netsuite::Transaction>, WireError> {
    let Some(code) = row.text("type").and_then(|t| suiteql::type_code(types, t)) else {
        return Ok(None);
    };
    let id = suiteql::key(row, "id")?;
    suiteql::transaction(row, code, &extras.lines_of(id), &extras.applications_of(id)).map(Some)
}

impl QlEntity for Vendors {
    fn ql_query(b: &Bounds) -> Select {
        suiteql::vendor_query(b)
    }

    fn ql_extras() -> Extras {
        Extras::VendorSubsidiaries
    }

    fn ql_deleted_types() -> &'static [&'static str] {
        &["vendor"]
    }

    fn ql_convert(row: &Row, extras: &ExtraRows) -> Result<Option<Self::Record>, WireError> {
        let id = suiteql::key(row, "id")?;
        suiteql::vendor(row, extras.subsidiaries.get(&id).cloned()).map(Some)
    }
}

impl QlEntity for Invoices {
    fn ql_query(b: &Bounds) -> Select {
        suiteql::transaction_query(&codes(VENDOR_TYPES), b)
    }

    fn ql_plain_query(b: &Bounds) -> Option<Select> {
        Some(suiteql::plain_transaction_query(b))
    }

    fn ql_keeps(row: &Row) -> bool {
        row.text("type").and_then(|t| suiteql::type_code(VENDOR_TYPES, t)).is_some()
    }

    fn ql_extras() -> Extras {
        Extras::Lines { reports: false, payments: true }
    }

    fn ql_deleted_types() -> &'static [&'static str] {
        &["vendorbill", "check", "purchaseorder", "vendorcredit", "vendorreturnauthorization", "vendorpayment"]
    }

    fn ql_convert(row: &Row, extras: &ExtraRows) -> Result<Option<Self::Record>, WireError> {
        convert_transaction(VENDOR_TYPES, row, extras)
    }
}

impl QlEntity for CardSpend {
    fn ql_query(b: &Bounds) -> Select {
        suiteql::transaction_query(&codes(CARD_TYPES), b)
    }

    fn ql_keeps(row: &Row) -> bool {
        row.text("type").and_then(|t| suiteql::type_code(CARD_TYPES, t)).is_some()
    }

    fn ql_extras() -> Extras {
        Extras::Lines { reports: false, payments: false }
    }

    fn ql_deleted_types() -> &'static [&'static str] {
        &["creditcardcharge", "creditcardrefund"]
    }

    fn ql_convert(row: &Row, extras: &ExtraRows) -> Result<Option<Self::Record>, WireError> {
        convert_transaction(CARD_TYPES, row, extras)
    }
}

impl QlEntity for Costs {
    fn ql_query(b: &Bounds) -> Select {
        suiteql::expense_report_query(b)
    }

    fn ql_keeps(row: &Row) -> bool {
        row.text("type").is_some_and(|t| t.eq_ignore_ascii_case(EXPENSE_REPORT_TYPE))
    }

    fn ql_extras() -> Extras {
        Extras::Lines { reports: true, payments: false }
    }

    fn ql_deleted_types() -> &'static [&'static str] {
        &["expensereport"]
    }

    fn ql_convert(row: &Row, extras: &ExtraRows) -> Result<Option<Self::Record>, WireError> {
        if !row.text("type").is_some_and(|t| t.eq_ignore_ascii_case(EXPENSE_REPORT_TYPE)) {
            return Ok(None);
        }
        let id = suiteql::key(row, "id")?;
        suiteql::expense_report(row, &extras.lines_of(id)).map(Some)
    }
}

impl QlEntity for ExpenseCategories {
    fn ql_query(b: &Bounds) -> Select {
        suiteql::expense_category_query(b.after)
    }

    fn ql_convert(row: &Row, _: &ExtraRows) -> Result<Option<Self::Record>, WireError> {
        suiteql::expense_category(row).map(Some)
    }
}

impl QlEntity for Departments {
    fn ql_query(b: &Bounds) -> Select {
        suiteql::department_query(b.after)
    }

    fn ql_convert(row: &Row, _: &ExtraRows) -> Result<Option<Self::Record>, WireError> {
        suiteql::department(row).map(Some)
    }
}

impl QlEntity for Employees {
    fn ql_query(b: &Bounds) -> Select {
        suiteql::employee_query(b)
    }

    fn ql_deleted_types() -> &'static [&'static str] {
        &["employee"]
    }

    fn ql_convert(row: &Row, _: &ExtraRows) -> Result<Option<Self::Record>, WireError> {
        suiteql::employee(row).map(Some)
    }
}
