//! Typed records parsed from search pages.
//!
//! The parser turns every `record` element into a [`RawRecord`]: its `xsi:type`, ids, and all
//! of its fields as JSON (kept whole in the database for fields not modelled). Typed records
//! such as [`Vendor`] are then read from the raw one: parse at the boundary, once.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::WireError;

/// A record as found in a page: type, ids, and every field as JSON.
///
/// Field values: text elements become strings (numbers stay strings, so money is never
/// rounded through a float); a `RecordRef` becomes `{"internalId": .., "name": ..}`; `*List`
/// sublists become objects whose children are always arrays; `xsi:type` is kept as `@type`.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRecord {
    /// `xsi:type` local name, e.g. `Vendor` or `VendorBill`.
    pub record_type: String,
    /// `internalId` attribute.
    pub internal_id: String,
    /// `externalId` attribute, if any.
    pub external_id: Option<String>,
    /// All child elements.
    pub fields: Map<String, Value>,
    /// Where the record's XML lies in the response body (byte offsets), to keep a record
    /// that cannot be read ([`SearchPage::record_xml`](super::SearchPage::record_xml)).
    pub span: (usize, usize),
    /// Why the record cannot be read even before conversion (XML 1.0 forbidden characters in
    /// its text), if so.
    pub defect: Option<String>,
}

impl RawRecord {
    /// A text field.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.fields.get(name)? {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("value").and_then(Value::as_str),
            _ => None,
        }
    }

    /// A boolean field (`true`/`false`/`1`/`0`).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, WireError> {
        self.text(name)
            .map(|t| match t.trim() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                other => Err(self.bad(name, other)),
            })
            .transpose()
    }

    /// An `xsd:dateTime` field, converted to UTC.
    pub fn datetime(&self, name: &str) -> Result<Option<DateTime<Utc>>, WireError> {
        self.text(name).map(|t| parse_datetime(t).ok_or_else(|| self.bad(name, t))).transpose()
    }

    /// The `name` of a `RecordRef` field.
    pub fn ref_name(&self, name: &str) -> Option<&str> {
        self.fields.get(name)?.get("name")?.as_str()
    }

    /// The `internalId` of a `RecordRef` field.
    pub fn ref_id(&self, name: &str) -> Option<&str> {
        self.fields.get(name)?.get("internalId")?.as_str()
    }

    /// The whole record as one JSON object (ids and type included), for the JSONB column.
    pub fn to_json(&self) -> Value {
        let mut m = Map::with_capacity(self.fields.len() + 3);
        m.insert("@type".into(), Value::String(self.record_type.clone()));
        m.insert("internalId".into(), Value::String(self.internal_id.clone()));
        if let Some(e) = &self.external_id {
            m.insert("externalId".into(), Value::String(e.clone()));
        }
        for (k, v) in &self.fields {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    fn bad(&self, field: &str, value: &str) -> WireError {
        WireError::Malformed(format!(
            "{} {}: field {field} has an unreadable value {value:?}",
            self.record_type, self.internal_id
        ))
    }
}

/// Parses an `xsd:dateTime` as NetSuite sends it (`2017-10-03T11:20:00.000-07:00`, `Z`, or
/// without a zone, which is read as UTC).
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc())
}

/// A vendor: a LeanIX "service".
#[derive(Clone, Debug, PartialEq)]
pub struct Vendor {
    /// NetSuite internal id.
    pub internal_id: String,
    /// External id, if set.
    pub external_id: Option<String>,
    /// `entityId`: the vendor's id as users see it.
    pub entity_id: Option<String>,
    /// `companyName`, falling back to first and last name for a person vendor.
    pub company_name: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `url`.
    pub url: Option<String>,
    /// Name of the `category` RecordRef.
    pub category: Option<String>,
    /// Name of the `currency` RecordRef.
    pub currency: Option<String>,
    /// Name of the `subsidiary` RecordRef.
    pub subsidiary: Option<String>,
    /// `isInactive` (absent means active).
    pub is_inactive: bool,
    /// `dateCreated`.
    pub date_created: Option<DateTime<Utc>>,
    /// `lastModifiedDate`.
    pub last_modified: Option<DateTime<Utc>>,
    /// The whole record.
    pub raw: Value,
}

impl TryFrom<&RawRecord> for Vendor {
    type Error = WireError;

    fn try_from(r: &RawRecord) -> Result<Self, WireError> {
        if r.record_type != "Vendor" {
            return Err(WireError::UnexpectedRecord { expected: "Vendor", found: r.record_type.clone() });
        }
        if r.internal_id.is_empty() {
            return Err(WireError::Malformed("Vendor record without internalId".into()));
        }
        let person_name = match (r.text("firstName"), r.text("lastName")) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(n), None) | (None, Some(n)) => Some(n.to_string()),
            (None, None) => None,
        };
        Ok(Vendor {
            internal_id: r.internal_id.clone(),
            external_id: r.external_id.clone(),
            entity_id: r.text("entityId").map(str::to_string),
            company_name: r.text("companyName").map(str::to_string).or(person_name),
            email: r.text("email").map(str::to_string),
            url: r.text("url").map(str::to_string),
            category: r.ref_name("category").map(str::to_string),
            currency: r.ref_name("currency").map(str::to_string),
            subsidiary: r.ref_name("subsidiary").map(str::to_string),
            is_inactive: r.boolean("isInactive")?.unwrap_or(false),
            date_created: r.datetime("dateCreated")?,
            last_modified: r.datetime("lastModifiedDate")?,
            raw: r.to_json(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_keep_their_instant() {
        let t = parse_datetime("2017-10-03T11:20:00.000-07:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2017-10-03T18:20:00+00:00");
        assert!(parse_datetime("2017-10-03").is_none());
        assert_eq!(parse_datetime("2017-10-03T11:20:00Z").unwrap().to_rfc3339(), "2017-10-03T11:20:00+00:00");
    }
}

/// Reads an `xsd:double` as an exact decimal: `150.0`, `-12.5`, or `1.5E7` as NetSuite may
/// write large values. Never goes through a float.
pub fn parse_decimal(s: &str) -> Option<rust_decimal::Decimal> {
    let s = s.trim();
    s.parse::<rust_decimal::Decimal>().ok().or_else(|| rust_decimal::Decimal::from_scientific(s).ok())
}

/// The calendar date of an `xsd:dateTime` as written, ignoring its offset: NetSuite sends
/// date fields such as `tranDate` as local midnight (`2017-10-02T00:00:00.000-07:00`), and
/// the date is what they mean.
pub fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    let s = s.trim();
    chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

impl RawRecord {
    /// An exact decimal field.
    pub fn decimal(&self, name: &str) -> Result<Option<rust_decimal::Decimal>, WireError> {
        self.text(name).map(|t| parse_decimal(t).ok_or_else(|| self.bad(name, t))).transpose()
    }

    /// A date field (the date as written).
    pub fn date(&self, name: &str) -> Result<Option<chrono::NaiveDate>, WireError> {
        self.text(name).map(|t| parse_date(t).ok_or_else(|| self.bad(name, t))).transpose()
    }

    /// The rows of a sublist such as `expenseList`/`expense`, as JSON objects.
    pub fn sublist(&self, list: &str, row: &str) -> Vec<&Map<String, Value>> {
        match self.fields.get(list).and_then(|l| l.get(row)) {
            Some(Value::Array(rows)) => rows.iter().filter_map(Value::as_object).collect(),
            Some(Value::Object(one)) => vec![one],
            _ => Vec::new(),
        }
    }
}

/// Text of a field inside a sublist row.
fn row_text<'a>(row: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    match row.get(name)? {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("value").and_then(Value::as_str),
        _ => None,
    }
}

/// `name` of a RecordRef inside a sublist row.
fn row_ref_name<'a>(row: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    row.get(name)?.get("name")?.as_str()
}

/// `internalId` of a RecordRef inside a sublist row.
fn row_ref_id<'a>(row: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    row.get(name)?.get("internalId")?.as_str()
}

fn row_decimal(
    r: &RawRecord,
    row: &Map<String, Value>,
    name: &str,
) -> Result<Option<rust_decimal::Decimal>, WireError> {
    row_text(row, name).map(|t| parse_decimal(t).ok_or_else(|| r.bad(name, t))).transpose()
}

/// What a vendor-side transaction means for spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpendRole {
    /// Money owed or paid for goods and services: bills and checks.
    Expense,
    /// Money coming back: vendor credits and returns (signed negative).
    Credit,
    /// A commitment to buy: purchase orders.
    Commitment,
    /// The settlement of earlier bills: vendor payments (not spend again).
    Settlement,
}

impl SpendRole {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SpendRole::Expense => "expense",
            SpendRole::Credit => "credit",
            SpendRole::Commitment => "commitment",
            SpendRole::Settlement => "settlement",
        }
    }
}

/// The vendor-side transaction types of the 2017_2 `TransactionType` enum that carry vendor
/// information, with their record type and spend role. 2017_2 has no credit-card-charge
/// transaction type, so those cannot be searched on this endpoint version.
pub const VENDOR_TRANSACTION_TYPES: &[(&str, &str, SpendRole)] = &[
    ("_vendorBill", "VendorBill", SpendRole::Expense),
    ("_check", "Check", SpendRole::Expense),
    ("_purchaseOrder", "PurchaseOrder", SpendRole::Commitment),
    ("_vendorCredit", "VendorCredit", SpendRole::Credit),
    ("_vendorReturnAuthorization", "VendorReturnAuthorization", SpendRole::Credit),
    ("_vendorPayment", "VendorPayment", SpendRole::Settlement),
];

/// One line of a transaction (`expenseList/expense`, `itemList/item` or
/// `applyList/apply`).
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionLine {
    /// `expense`, `item` or `apply`.
    pub kind: &'static str,
    /// `line`, or the position in the sublist (from 1) when absent.
    pub line: i32,
    /// `account` name.
    pub account: Option<String>,
    /// `item` name (item lines).
    pub item: Option<String>,
    /// `category` name (expense lines).
    pub category: Option<String>,
    /// `amount`, exact.
    pub amount: Option<rust_decimal::Decimal>,
    /// `memo` (or `description` for items).
    pub memo: Option<String>,
    /// `department` name.
    pub department: Option<String>,
    /// `class` name.
    pub class: Option<String>,
}

/// A vendor-side transaction: a LeanIX invoice.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    /// `xsi:type` (`VendorBill`, `PurchaseOrder`...).
    pub record_type: String,
    /// Spend role of the type.
    pub role: SpendRole,
    /// NetSuite internal id.
    pub internal_id: String,
    /// `tranId` (the document number users see).
    pub tran_id: Option<String>,
    /// `tranDate`, as a date.
    pub tran_date: Option<chrono::NaiveDate>,
    /// `entity` internal id: the vendor.
    pub vendor_id: Option<String>,
    /// `entity` name.
    pub vendor_name: Option<String>,
    /// The total as NetSuite sends it (`userTotal` or `total`), exact.
    pub total: Option<rust_decimal::Decimal>,
    /// The total signed for spend: credits negative.
    pub amount: Option<rust_decimal::Decimal>,
    /// `currency` name (or `currencyName`).
    pub currency: Option<String>,
    /// `exchangeRate`.
    pub exchange_rate: Option<rust_decimal::Decimal>,
    /// `subsidiary` name.
    pub subsidiary: Option<String>,
    /// `department` name.
    pub department: Option<String>,
    /// `memo`.
    pub memo: Option<String>,
    /// `status`.
    pub status: Option<String>,
    /// `dueDate`, as a date.
    pub due_date: Option<chrono::NaiveDate>,
    /// `postingPeriod` name.
    pub posting_period: Option<String>,
    /// `createdDate`.
    pub created: Option<DateTime<Utc>>,
    /// `lastModifiedDate`.
    pub last_modified: Option<DateTime<Utc>>,
    /// Lines, when the search asked for sublists.
    pub lines: Vec<TransactionLine>,
    /// The whole record.
    pub raw: Value,
}

impl Transaction {
    /// Reads a vendor-side transaction; `Ok(None)` for a record of another type (a plain
    /// transaction search returns every type the role may see).
    pub fn from_raw(r: &RawRecord) -> Result<Option<Self>, WireError> {
        let Some(&(_, _, role)) = VENDOR_TRANSACTION_TYPES.iter().find(|(_, name, _)| *name == r.record_type) else {
            return Ok(None);
        };
        Self::read(r, role).map(Some)
    }

    /// Reads any transaction record (header and `expenseList`/`itemList`/`applyList` lines)
    /// with the given spend role, whatever its type: the same shape serves sales invoices,
    /// bills and credits.
    pub fn read(r: &RawRecord, role: SpendRole) -> Result<Self, WireError> {
        let total = match r.decimal("userTotal")? {
            Some(t) => Some(t),
            None => r.decimal("total")?,
        };
        let amount = total.map(|t| if role == SpendRole::Credit { -t.abs() } else { t });
        let mut lines = Vec::new();
        for (list, row_name, kind) in
            [("expenseList", "expense", "expense"), ("itemList", "item", "item"), ("applyList", "apply", "apply")]
        {
            for (i, row) in r.sublist(list, row_name).into_iter().enumerate() {
                if kind == "apply" && row_text(row, "apply") == Some("false") {
                    continue;
                }
                let line = match row_text(row, "line") {
                    Some(l) => l.trim().parse().map_err(|_| r.bad("line", l))?,
                    None => i as i32 + 1,
                };
                lines.push(TransactionLine {
                    kind,
                    line,
                    account: row_ref_name(row, "account").map(str::to_string),
                    item: row_ref_name(row, "item").map(str::to_string),
                    category: row_ref_name(row, "category").map(str::to_string),
                    amount: row_decimal(r, row, "amount")?,
                    memo: row_text(row, "memo").or_else(|| row_text(row, "description")).map(str::to_string),
                    department: row_ref_name(row, "department").map(str::to_string),
                    class: row_ref_name(row, "class").map(str::to_string),
                });
            }
        }
        Ok(Transaction {
            record_type: r.record_type.clone(),
            role,
            internal_id: r.internal_id.clone(),
            tran_id: r.text("tranId").map(str::to_string),
            tran_date: r.date("tranDate")?,
            vendor_id: r.ref_id("entity").map(str::to_string),
            vendor_name: r.ref_name("entity").map(str::to_string),
            total,
            amount,
            currency: r.ref_name("currency").or_else(|| r.text("currencyName")).map(str::to_string),
            exchange_rate: r.decimal("exchangeRate")?,
            subsidiary: r.ref_name("subsidiary").map(str::to_string),
            department: r.ref_name("department").map(str::to_string),
            memo: r.text("memo").map(str::to_string),
            status: r.text("status").map(str::to_string),
            due_date: r.date("dueDate")?,
            posting_period: r.ref_name("postingPeriod").map(str::to_string),
            created: r.datetime("createdDate")?,
            last_modified: r.datetime("lastModifiedDate")?,
            lines,
            raw: r.to_json(),
        })
    }
}

/// One expense line of an expense report.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpenseLine {
    /// `line`, or the position (from 1).
    pub line: i32,
    /// `expenseDate`, as a date.
    pub expense_date: Option<chrono::NaiveDate>,
    /// `category` internal id.
    pub category_id: Option<String>,
    /// `category` name as the line carries it.
    pub category_name: Option<String>,
    /// `amount` (in the report's currency), exact.
    pub amount: Option<rust_decimal::Decimal>,
    /// `currency` name of the foreign amount.
    pub currency: Option<String>,
    /// `foreignAmount`.
    pub foreign_amount: Option<rust_decimal::Decimal>,
    /// `exchangeRate`.
    pub exchange_rate: Option<rust_decimal::Decimal>,
    /// `memo`.
    pub memo: Option<String>,
    /// `department` name.
    pub department: Option<String>,
    /// Merchant or vendor: 2017_2 expense lines have no such field; `refNumber` is kept
    /// when present.
    pub ref_number: Option<String>,
}

/// An expense report: a LeanIX cost.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpenseReport {
    /// NetSuite internal id.
    pub internal_id: String,
    /// `tranId`.
    pub tran_id: Option<String>,
    /// `entity` internal id: the employee.
    pub employee_id: Option<String>,
    /// `entity` name.
    pub employee_name: Option<String>,
    /// `tranDate`, as a date.
    pub tran_date: Option<chrono::NaiveDate>,
    /// `total`, exact.
    pub total: Option<rust_decimal::Decimal>,
    /// The lines' currency when they all share one (2017_2 reports have no header currency).
    pub currency: Option<String>,
    /// `status`.
    pub status: Option<String>,
    /// `department` name.
    pub department: Option<String>,
    /// `memo`.
    pub memo: Option<String>,
    /// `createdDate`.
    pub created: Option<DateTime<Utc>>,
    /// `lastModifiedDate`.
    pub last_modified: Option<DateTime<Utc>>,
    /// Expense lines, when the search asked for sublists.
    pub lines: Vec<ExpenseLine>,
    /// The whole record.
    pub raw: Value,
}

impl ExpenseReport {
    /// Reads an expense report; `Ok(None)` for another transaction type.
    pub fn from_raw(r: &RawRecord) -> Result<Option<Self>, WireError> {
        if r.record_type != "ExpenseReport" {
            return Ok(None);
        }
        let mut lines = Vec::new();
        for (i, row) in r.sublist("expenseList", "expense").into_iter().enumerate() {
            let line = match row_text(row, "line") {
                Some(l) => l.trim().parse().map_err(|_| r.bad("line", l))?,
                None => i as i32 + 1,
            };
            lines.push(ExpenseLine {
                line,
                expense_date: row_text(row, "expenseDate").and_then(parse_date),
                category_id: row_ref_id(row, "category").map(str::to_string),
                category_name: row_ref_name(row, "category").map(str::to_string),
                amount: row_decimal(r, row, "amount")?,
                currency: row_ref_name(row, "currency").map(str::to_string),
                foreign_amount: row_decimal(r, row, "foreignAmount")?,
                exchange_rate: row_decimal(r, row, "exchangeRate")?,
                memo: row_text(row, "memo").map(str::to_string),
                department: row_ref_name(row, "department").map(str::to_string),
                ref_number: row_text(row, "refNumber").map(str::to_string),
            });
        }
        let mut currencies = lines.iter().filter_map(|l| l.currency.as_deref());
        let currency = match currencies.next() {
            Some(first) if currencies.all(|c| c == first) => Some(first.to_string()),
            _ => None,
        };
        Ok(Some(ExpenseReport {
            internal_id: r.internal_id.clone(),
            tran_id: r.text("tranId").map(str::to_string),
            employee_id: r.ref_id("entity").map(str::to_string),
            employee_name: r.ref_name("entity").map(str::to_string),
            tran_date: r.date("tranDate")?,
            total: r.decimal("total")?,
            currency,
            status: r.text("status").map(str::to_string),
            department: r.ref_name("department").map(str::to_string),
            memo: r.text("memo").map(str::to_string),
            created: r.datetime("createdDate")?,
            last_modified: r.datetime("lastModifiedDate")?,
            lines,
            raw: r.to_json(),
        }))
    }
}

/// An expense category, so cost lines carry a category name.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpenseCategory {
    /// NetSuite internal id.
    pub internal_id: String,
    /// `name`.
    pub name: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `isInactive`.
    pub is_inactive: bool,
    /// The whole record.
    pub raw: Value,
}

impl TryFrom<&RawRecord> for ExpenseCategory {
    type Error = WireError;

    fn try_from(r: &RawRecord) -> Result<Self, WireError> {
        if r.record_type != "ExpenseCategory" {
            return Err(WireError::UnexpectedRecord { expected: "ExpenseCategory", found: r.record_type.clone() });
        }
        Ok(ExpenseCategory {
            internal_id: r.internal_id.clone(),
            name: r.text("name").map(str::to_string),
            description: r.text("description").map(str::to_string),
            is_inactive: r.boolean("isInactive")?.unwrap_or(false),
            raw: r.to_json(),
        })
    }
}

/// An employee (HRIS).
#[derive(Clone, Debug, PartialEq)]
pub struct Employee {
    /// NetSuite internal id.
    pub internal_id: String,
    /// `entityId`.
    pub entity_id: Option<String>,
    /// `firstName`.
    pub first_name: Option<String>,
    /// `lastName`.
    pub last_name: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `department` internal id (links to departments).
    pub department_id: Option<String>,
    /// `department` name.
    pub department_name: Option<String>,
    /// `subsidiary` name.
    pub subsidiary: Option<String>,
    /// `supervisor` internal id (another employee).
    pub supervisor_id: Option<String>,
    /// `supervisor` name.
    pub supervisor_name: Option<String>,
    /// `isInactive`.
    pub is_inactive: bool,
    /// `hireDate`, as a date.
    pub hire_date: Option<chrono::NaiveDate>,
    /// `releaseDate`, as a date.
    pub release_date: Option<chrono::NaiveDate>,
    /// `employeeType` name.
    pub employee_type: Option<String>,
    /// `employeeStatus` name.
    pub employee_status: Option<String>,
    /// `location` name.
    pub location: Option<String>,
    /// `lastModifiedDate`.
    pub last_modified: Option<DateTime<Utc>>,
    /// The whole record.
    pub raw: Value,
}

impl TryFrom<&RawRecord> for Employee {
    type Error = WireError;

    fn try_from(r: &RawRecord) -> Result<Self, WireError> {
        if r.record_type != "Employee" {
            return Err(WireError::UnexpectedRecord { expected: "Employee", found: r.record_type.clone() });
        }
        Ok(Employee {
            internal_id: r.internal_id.clone(),
            entity_id: r.text("entityId").map(str::to_string),
            first_name: r.text("firstName").map(str::to_string),
            last_name: r.text("lastName").map(str::to_string),
            email: r.text("email").map(str::to_string),
            title: r.text("title").map(str::to_string),
            department_id: r.ref_id("department").map(str::to_string),
            department_name: r.ref_name("department").map(str::to_string),
            subsidiary: r.ref_name("subsidiary").map(str::to_string),
            supervisor_id: r.ref_id("supervisor").map(str::to_string),
            supervisor_name: r.ref_name("supervisor").map(str::to_string),
            is_inactive: r.boolean("isInactive")?.unwrap_or(false),
            hire_date: r.date("hireDate")?,
            release_date: r.date("releaseDate")?,
            employee_type: r.ref_name("employeeType").map(str::to_string),
            employee_status: r.ref_name("employeeStatus").map(str::to_string),
            location: r.ref_name("location").map(str::to_string),
            last_modified: r.datetime("lastModifiedDate")?,
            raw: r.to_json(),
        })
    }
}

/// A department (HRIS), with its parent so the hierarchy can be walked.
#[derive(Clone, Debug, PartialEq)]
pub struct Department {
    /// NetSuite internal id.
    pub internal_id: String,
    /// `name`.
    pub name: Option<String>,
    /// `parent` internal id.
    pub parent_id: Option<String>,
    /// Names of the subsidiaries in `subsidiaryList`.
    pub subsidiaries: Vec<String>,
    /// `isInactive`.
    pub is_inactive: bool,
    /// The whole record.
    pub raw: Value,
}

impl TryFrom<&RawRecord> for Department {
    type Error = WireError;

    fn try_from(r: &RawRecord) -> Result<Self, WireError> {
        if r.record_type != "Department" {
            return Err(WireError::UnexpectedRecord { expected: "Department", found: r.record_type.clone() });
        }
        let subsidiaries = r
            .sublist("subsidiaryList", "recordRef")
            .into_iter()
            .filter_map(|row| row.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        Ok(Department {
            internal_id: r.internal_id.clone(),
            name: r.text("name").map(str::to_string),
            parent_id: r.ref_id("parent").map(str::to_string),
            subsidiaries,
            is_inactive: r.boolean("isInactive")?.unwrap_or(false),
            raw: r.to_json(),
        })
    }
}

#[cfg(test)]
mod spend_tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn decimals_and_dates_are_exact() {
        assert_eq!(parse_decimal("150.0"), Some(Decimal::from_str("150.0").unwrap()));
        assert_eq!(parse_decimal("1.5E7"), Some(Decimal::from(15_000_000)));
        assert_eq!(parse_decimal("0.1").map(|d| d + Decimal::from_str("0.2").unwrap()), Decimal::from_str("0.3").ok());
        assert_eq!(parse_decimal("abc"), None);
        // Midnight in +02:00 is the previous day in UTC; the date as written is kept.
        assert_eq!(parse_date("2024-03-01T00:00:00.000+02:00"), chrono::NaiveDate::from_ymd_opt(2024, 3, 1));
    }
}
