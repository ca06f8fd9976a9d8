//! SuiteQL: the queries this daemon sends (`docs/suiteql.md`) and the typed records read from
//! their rows, with the same meaning as the SOAP records (`records.rs`).
//!
//! Formats are fixed in the query, never left to the user's preferences (sheet §3.x):
//! datetimes as `TO_CHAR(SYS_EXTRACT_UTC(col), 'YYYY-MM-DD HH24:MI:SS')` read as UTC, dates as
//! `TO_CHAR(col, 'YYYY-MM-DD')`, numbers as `TO_CHAR(col)` (exact text, read into
//! `rust_decimal`, never through `f64`; a JSON number is accepted too), booleans `'T'`/`'F'`,
//! references as their id, with `BUILTIN.DF(col)` where a display name is needed. There are no
//! bind parameters over REST: every literal is inlined, strings with `'` doubled, numbers only
//! from integers we hold.
//!
//! Paging is by key: every query orders by a unique key and asks for `key > last`.
//!
//! `raw` of a record read here is the JSON item as received (without `links`), written from
//! the row's columns (`Row::raw`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;

use super::records::{
    parse_decimal, CompactString, Department, Employee, ExpenseCategory, ExpenseLine, ExpenseReport, SpendRole,
    ToCompactString, Transaction, TransactionLine, Vendor,
};
use super::rest::{Cell, Row};
use super::WireError;

/// The `TO_CHAR` format of datetimes (read as UTC: the query wraps them in `SYS_EXTRACT_UTC`).
pub const DATETIME_FORMAT: &str = "YYYY-MM-DD HH24:MI:SS";
/// The `TO_CHAR` format of dates.
pub const DATE_FORMAT: &str = "YYYY-MM-DD";

/// A SuiteQL string literal: `'` doubled (sheet §2.3).
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A datetime column as UTC text, aliased to its own name.
pub fn dt(col: &str) -> String {
    format!("TO_CHAR(SYS_EXTRACT_UTC({col}), '{DATETIME_FORMAT}') AS {}", alias_of(col))
}

/// A date column as `YYYY-MM-DD`, aliased to its own name.
pub fn date(col: &str) -> String {
    format!("TO_CHAR({col}, '{DATE_FORMAT}') AS {}", alias_of(col))
}

/// A number column as exact text, aliased to its own name.
pub fn num(col: &str) -> String {
    format!("TO_CHAR({col}) AS {}", alias_of(col))
}

/// The absolute value of a number column as exact text, as `alias` (the posting sign of
/// `foreigntotal`/`foreignamount` is unverified: the spend sign is applied by us, as from SOAP).
pub fn abs(col: &str, alias: &str) -> String {
    format!("TO_CHAR(ABS({col})) AS {alias}")
}

/// The display name of a reference column, as `alias`.
pub fn df(col: &str, alias: &str) -> String {
    format!("BUILTIN.DF({col}) AS {alias}")
}

fn alias_of(col: &str) -> &str {
    col.rsplit('.').next().unwrap_or(col)
}

/// `SYS_EXTRACT_UTC(col) >= TO_TIMESTAMP('…', '…')`: on or after an instant (inclusive: the
/// overlap rule de-duplicates, sheet §3.x).
pub fn since(col: &str, at: DateTime<Utc>) -> String {
    format!(
        "SYS_EXTRACT_UTC({col}) >= TO_TIMESTAMP({}, '{DATETIME_FORMAT}')",
        lit(&at.format("%Y-%m-%d %H:%M:%S").to_string())
    )
}

/// `col >= TO_DATE('…', 'YYYY-MM-DD')`.
pub fn on_or_after(col: &str, d: NaiveDate) -> String {
    format!("{col} >= TO_DATE({}, '{DATE_FORMAT}')", lit(&d.format("%Y-%m-%d").to_string()))
}

/// `col IN ('a', 'b')`.
pub fn in_text(col: &str, values: &[&str]) -> String {
    format!("{col} IN ({})", values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", "))
}

/// `col IN (1, 2)`.
pub fn in_ids(col: &str, ids: &[i64]) -> String {
    format!("{col} IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
}

/// One `SELECT … FROM … WHERE … ORDER BY …` of the grammar `docs/suiteql.md` fixes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Select {
    /// The select list.
    pub items: Vec<String>,
    /// The table.
    pub table: &'static str,
    /// Conditions, joined by `AND`.
    pub conditions: Vec<String>,
    /// Sort keys: always ending in a unique key.
    pub order: Vec<&'static str>,
}

impl Select {
    /// The query text.
    pub fn text(&self) -> String {
        let mut q = format!("SELECT {} FROM {}", self.items.join(", "), self.table);
        if !self.conditions.is_empty() {
            q.push_str(" WHERE ");
            q.push_str(&self.conditions.join(" AND "));
        }
        if !self.order.is_empty() {
            q.push_str(" ORDER BY ");
            q.push_str(&self.order.join(", "));
        }
        q
    }
}

fn items(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The bounds of one keyset query: after which key, since when (delta), from which date
/// (window).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    /// Keys greater than this.
    pub after: i64,
    /// `lastmodifieddate` on or after this (a delta).
    pub since: Option<DateTime<Utc>>,
    /// `trandate` on or after this (the window).
    pub window: Option<NaiveDate>,
}

fn bounded(key: &'static str, b: &Bounds, mut conditions: Vec<String>, modified: Option<&str>) -> Vec<String> {
    conditions.push(format!("{key} > {}", b.after));
    if let Some(w) = b.window {
        conditions.push(on_or_after("trandate", w));
    }
    if let (Some(s), Some(col)) = (b.since, modified) {
        conditions.push(since(col, s));
    }
    conditions
}

// ---------------------------------------------------------------------------------------
// Type codes

/// A transaction `type` code with the record type and spend role it has in our tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeCode {
    /// SuiteQL's `transaction.type` (`VendBill`).
    pub code: &'static str,
    /// Our record type (the SOAP `xsi:type` name, so both transports write the same value).
    pub record_type: &'static str,
    /// Spend role.
    pub role: SpendRole,
}

const fn tc(code: &'static str, record_type: &'static str, role: SpendRole) -> TypeCode {
    TypeCode { code, record_type, role }
}

/// The vendor-side types SOAP 2017_2 can search too (the `invoices` entity).
pub const VENDOR_TYPES: &[TypeCode] = &[
    tc("VendBill", "VendorBill", SpendRole::Expense),
    tc("Check", "Check", SpendRole::Expense),
    tc("PurchOrd", "PurchaseOrder", SpendRole::Commitment),
    tc("VendCred", "VendorCredit", SpendRole::Credit),
    tc("VendAuth", "VendorReturnAuthorization", SpendRole::Credit),
    tc("VendPymt", "VendorPayment", SpendRole::Settlement),
];

/// Credit-card charges and refunds (the `card_spend` entity): SuiteQL only, no SOAP schema
/// can search them. A charge is spend (expense), a refund money back (credit, negative).
pub const CARD_TYPES: &[TypeCode] =
    &[tc("CardChrg", "CreditCardCharge", SpendRole::Expense), tc("CardRfnd", "CreditCardRefund", SpendRole::Credit)];

/// Expense reports (the `costs` entity).
pub const EXPENSE_REPORT_TYPE: &str = "ExpRept";

/// The type code of a row's `type`, among `types`.
pub fn type_code(types: &[TypeCode], code: &str) -> Option<TypeCode> {
    types.iter().copied().find(|t| t.code.eq_ignore_ascii_case(code))
}

// ---------------------------------------------------------------------------------------
// Queries

/// Vendors after a key.
pub fn vendor_query(b: &Bounds) -> Select {
    Select {
        items: items(&[
            "id",
            "externalid",
            "entityid",
            "companyname",
            "firstname",
            "lastname",
            "isperson",
            "email",
            "url",
            "isinactive",
        ])
        .into_iter()
        .chain([df("category", "category"), df("currency", "currency"), dt("datecreated"), dt("lastmodifieddate")])
        .collect(),
        table: "vendor",
        conditions: bounded("id", &Bounds { window: None, ..*b }, vec![], Some("lastmodifieddate")),
        order: vec!["id"],
    }
}

/// The primary subsidiary of the vendors `ids` (sheet §3: `vendor.subsidiary` is unverified;
/// the relationship table is the safe reading), rows after `after` (keyset on its `id`).
pub fn vendor_subsidiary_query(ids: &[i64], after: i64) -> Select {
    Select {
        items: vec!["id".into(), "entity".into(), df("subsidiary", "subsidiary")],
        table: "vendorsubsidiaryrelationship",
        conditions: vec!["isprimarysub = 'T'".into(), in_ids("entity", ids), format!("id > {after}")],
        order: vec!["id"],
    }
}

/// Transaction headers after a key, in the window, since a time, of any type the role may
/// see: the fallback when the typed query is refused (like SOAP's plain search); the caller
/// keeps the types it wants.
pub fn plain_transaction_query(b: &Bounds) -> Select {
    let mut s = transaction_query(&[], b);
    s.conditions.retain(|c| !c.starts_with("type IN"));
    s
}

/// Transaction headers of `types` after a key, in the window, since a time.
pub fn transaction_query(types: &[&str], b: &Bounds) -> Select {
    Select {
        items: vec![
            "id".into(),
            "type".into(),
            "tranid".into(),
            date("trandate"),
            "entity".into(),
            df("entity", "entityname"),
            "employee".into(),
            abs("foreigntotal", "foreigntotal"),
            df("currency", "currency"),
            num("exchangerate"),
            "memo".into(),
            df("status", "status"),
            date("duedate"),
            df("postingperiod", "postingperiod"),
            dt("createddate"),
            dt("lastmodifieddate"),
        ],
        table: "transaction",
        conditions: bounded("id", b, vec![in_text("type", types)], Some("lastmodifieddate")),
        order: vec!["id"],
    }
}

/// Expense report headers after a key, in the window, since a time (`docs/suiteql.md` query 5).
pub fn expense_report_query(b: &Bounds) -> Select {
    Select {
        items: vec![
            "id".into(),
            "type".into(),
            "tranid".into(),
            date("trandate"),
            "entity".into(),
            "employee".into(),
            df("entity", "entityname"),
            abs("foreigntotal", "foreigntotal"),
            "memo".into(),
            df("status", "status"),
            dt("createddate"),
            dt("lastmodifieddate"),
        ],
        table: "transaction",
        conditions: bounded("id", b, vec![in_text("type", &[EXPENSE_REPORT_TYPE])], Some("lastmodifieddate")),
        order: vec!["id"],
    }
}

/// The lines (main line included: it carries the header's subsidiary and department) of the
/// transactions `ids`, after a `uniquekey`. `reports` adds the expense-report columns.
pub fn line_query(ids: &[i64], after: i64, reports: bool) -> Select {
    let mut items = vec![
        "transaction".into(),
        "id".into(),
        "uniquekey".into(),
        "linesequencenumber".into(),
        "mainline".into(),
        df("subsidiary", "subsidiary"),
        df("department", "department"),
        df("class", "class"),
        df("expenseaccount", "account"),
        df("item", "item"),
        "category".into(),
        df("category", "categoryname"),
        abs("foreignamount", "amount"),
        "memo".into(),
    ];
    if reports {
        items.extend([
            date("expensedate"),
            df("expensecurrency", "expensecurrency"),
            abs("expenseforeignamount", "expenseforeignamount"),
            num("expenseexchangerate"),
        ]);
    }
    Select {
        items,
        table: "transactionline",
        conditions: vec![in_ids("transaction", ids), format!("uniquekey > {after}")],
        order: vec!["uniquekey"],
    }
}

/// The applications of the payments `ids` (SOAP's `applyList`), payments after `after`.
pub fn payment_link_query(ids: &[i64], after: i64) -> Select {
    Select {
        items: vec!["nextdoc".into(), "previousdoc".into(), "previoustype".into(), num("foreignamount")],
        table: "previoustransactionlinelink",
        conditions: vec!["linktype = 'Payment'".into(), in_ids("nextdoc", ids), format!("nextdoc > {after}")],
        order: vec!["nextdoc", "previousdoc"],
    }
}

/// Employees after a key.
pub fn employee_query(b: &Bounds) -> Select {
    Select {
        items: vec![
            "id".into(),
            "entityid".into(),
            "firstname".into(),
            "lastname".into(),
            "email".into(),
            "title".into(),
            "department".into(),
            df("department", "departmentname"),
            df("subsidiary", "subsidiary"),
            "supervisor".into(),
            df("supervisor", "supervisorname"),
            "isinactive".into(),
            date("hiredate"),
            date("releasedate"),
            df("employeetype", "employeetype"),
            df("employeestatus", "employeestatus"),
            df("location", "location"),
            dt("lastmodifieddate"),
        ],
        table: "employee",
        conditions: bounded("id", &Bounds { window: None, ..*b }, vec![], Some("lastmodifieddate")),
        order: vec!["id"],
    }
}

/// Departments after a key (pulled whole every pass, like SOAP: no delta).
pub fn department_query(after: i64) -> Select {
    Select {
        items: vec!["id".into(), "name".into(), "parent".into(), df("subsidiary", "subsidiary"), "isinactive".into()],
        table: "department",
        conditions: vec![format!("id > {after}")],
        order: vec!["id"],
    }
}

/// Expense categories after a key (pulled whole every pass, like SOAP).
pub fn expense_category_query(after: i64) -> Select {
    Select {
        items: items(&["id", "name", "description", "isinactive"])
            .into_iter()
            .chain([df("expenseacct", "expenseacct")])
            .collect(),
        table: "expensecategory",
        conditions: vec![format!("id > {after}")],
        order: vec!["id"],
    }
}

/// Deletions of `types` on or after `from` (the previous pull's start minus the overlap),
/// ordered by time then record id; the caller moves `from` forward and drops what it has.
pub fn deleted_query(types: &[&str], from: DateTime<Utc>) -> Select {
    Select {
        items: vec!["recordid".into(), "type".into(), "name".into(), dt("deleteddate")],
        table: "deletedrecord",
        conditions: vec![in_text("type", types), since("deleteddate", from)],
        order: vec!["deleteddate", "type", "recordid"],
    }
}

/// The smallest query that says whether a table can be read and how many rows it has
/// (`check`): the entity's own query, asked for one row.
pub fn probe(select: &Select) -> String {
    select.text()
}

// ---------------------------------------------------------------------------------------
// Reading rows

fn bad(row: &Row, column: &str, value: &str) -> WireError {
    WireError::Malformed(format!(
        "SuiteQL row {}: column {column} has an unreadable value {value:?}",
        row.text("id").or_else(|| row.text("transaction")).unwrap_or("?")
    ))
}

/// A text column, owned.
pub fn text(row: &Row, column: &str) -> Option<CompactString> {
    row.text(column).map(CompactString::from)
}

/// An integer key column (`id`, `transaction`, `uniquekey`...).
pub fn key(row: &Row, column: &str) -> Result<i64, WireError> {
    match row.text(column) {
        Some(t) => t.trim().parse().map_err(|_| bad(row, column, t)),
        None => Err(WireError::Malformed(format!("SuiteQL row without {column}"))),
    }
}

/// A `'T'`/`'F'` column (a JSON boolean is accepted too); NULL is `None`.
pub fn boolean(row: &Row, column: &str) -> Result<Option<bool>, WireError> {
    match row.cell(column) {
        Cell::Bool(b) => Ok(Some(*b)),
        Cell::Null => Ok(None),
        Cell::Text(t) if t.is_empty() => Ok(None),
        Cell::Text(t) => match t.trim() {
            "T" => Ok(Some(true)),
            "F" => Ok(Some(false)),
            other => Err(bad(row, column, other)),
        },
        Cell::Number(t) | Cell::Other(t) => Err(bad(row, column, t)),
    }
}

/// An exact decimal column: a string (from `TO_CHAR`) or a JSON number, never through `f64`.
pub fn decimal(row: &Row, column: &str) -> Result<Option<Decimal>, WireError> {
    match row.text(column) {
        Some(t) => oracle_decimal(t).map(Some).ok_or_else(|| bad(row, column, t)),
        None => Ok(None),
    }
}

/// Reads a number in Oracle's `TO_CHAR` form (`.85`, `-.5`, `1234.5`, `-12`) or SOAP's
/// (`0.50`, `1.5E7`) exactly.
pub fn oracle_decimal(t: &str) -> Option<Decimal> {
    let t = t.trim();
    let fixed = if let Some(rest) = t.strip_prefix("-.") {
        format!("-0.{rest}")
    } else if let Some(rest) = t.strip_prefix('.') {
        format!("0.{rest}")
    } else {
        t.to_string()
    };
    parse_decimal(&fixed)
}

/// A `YYYY-MM-DD` date column.
pub fn date_value(row: &Row, column: &str) -> Result<Option<NaiveDate>, WireError> {
    match row.text(column) {
        Some(t) => NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map(Some).map_err(|_| bad(row, column, t)),
        None => Ok(None),
    }
}

/// A `YYYY-MM-DD HH24:MI:SS` UTC datetime column (fractional seconds accepted).
pub fn datetime(row: &Row, column: &str) -> Result<Option<DateTime<Utc>>, WireError> {
    match row.text(column) {
        Some(t) => NaiveDateTime::parse_from_str(t.trim(), "%Y-%m-%d %H:%M:%S%.f")
            .map(|n| Some(n.and_utc()))
            .map_err(|_| bad(row, column, t)),
        None => Ok(None),
    }
}

/// A vendor from its row and its primary subsidiary's name.
pub fn vendor(row: &Row, subsidiary: Option<CompactString>) -> Result<Vendor, WireError> {
    let id = key(row, "id")?;
    let person_name = match (row.text("firstname"), row.text("lastname")) {
        (Some(f), Some(l)) => Some(compact_str::format_compact!("{f} {l}")),
        (Some(n), None) | (None, Some(n)) => Some(CompactString::from(n)),
        (None, None) => None,
    };
    Ok(Vendor {
        internal_id: id.to_compact_string(),
        external_id: text(row, "externalid"),
        entity_id: text(row, "entityid"),
        company_name: text(row, "companyname").or(person_name),
        email: text(row, "email"),
        url: text(row, "url"),
        category: text(row, "category"),
        currency: text(row, "currency"),
        subsidiary,
        is_inactive: boolean(row, "isinactive")?.unwrap_or(false),
        date_created: datetime(row, "datecreated")?,
        last_modified: datetime(row, "lastmodifieddate")?,
        raw: row.raw(),
    })
}

/// The lines of one transaction, split: its main line (if any) and the others, in line order.
pub fn split_lines<'a>(lines: &[&'a Row]) -> Result<(Option<&'a Row>, Vec<&'a Row>), WireError> {
    let mut main = None;
    let mut rest: Vec<(i64, i64, &Row)> = Vec::with_capacity(lines.len());
    for l in lines {
        if boolean(l, "mainline")? == Some(true) {
            main.get_or_insert(*l);
        } else {
            let seq = match l.text("linesequencenumber") {
                Some(t) => t.trim().parse().map_err(|_| bad(l, "linesequencenumber", t))?,
                None => i64::MAX,
            };
            rest.push((seq, key(l, "uniquekey")?, l));
        }
    }
    rest.sort_by_key(|(seq, uk, _)| (*seq, *uk));
    Ok((main, rest.into_iter().map(|(_, _, l)| l).collect()))
}

/// A vendor-side transaction from its header row, its lines (main line included) and, for a
/// payment, its applications.
///
/// Same meaning as SOAP (`Transaction::read`), per `docs/suiteql.md` query 2-4: `total` is the
/// document total without sign (`ABS(foreigntotal)`; SOAP's `userTotal` of a credit is
/// positive), `amount` the total signed for spend; the main line gives the header's
/// subsidiary and department; lines are numbered from 1 within their kind (SOAP numbers each
/// sublist from 1) in `linesequencenumber` order; an item line is one with an `item`, and
/// keeps `account` NULL (SOAP writes none there); an application is an `apply` line with line
/// 0, as SOAP's `apply/line`. A vendor return authorization has no SOAP `status` (its
/// `orderStatus` is not read), so none is kept here either.
pub fn transaction(row: &Row, code: TypeCode, lines: &[&Row], applications: &[&Row]) -> Result<Transaction, WireError> {
    let id = key(row, "id")?;
    let (main, rest) = split_lines(lines)?;
    let total = decimal(row, "foreigntotal")?.map(|t| t.abs());
    let amount = total.map(|t| if code.role == SpendRole::Credit { -t } else { t });
    let mut out_lines = Vec::with_capacity(rest.len() + applications.len());
    let (mut expense_no, mut item_no) = (0, 0);
    for l in rest {
        let is_item = l.text("item").is_some();
        let line = if is_item {
            item_no += 1;
            item_no
        } else {
            expense_no += 1;
            expense_no
        };
        out_lines.push(TransactionLine {
            kind: if is_item { "item" } else { "expense" },
            line,
            account: if is_item { None } else { text(l, "account") },
            item: text(l, "item"),
            category: text(l, "categoryname"),
            amount: decimal(l, "amount")?.map(|a| a.abs()),
            memo: text(l, "memo"),
            department: text(l, "department"),
            class: text(l, "class"),
        });
    }
    // Numbered by position, in the order SOAP lists them (`previousdoc` ascending), as the
    // SOAP reader numbers `applyList` rows (their own `line` is not a key).
    for (position, a) in applications.iter().enumerate() {
        out_lines.push(TransactionLine {
            kind: "apply",
            line: position as i32 + 1,
            account: None,
            item: None,
            category: None,
            amount: decimal(a, "foreignamount")?.map(|x| x.abs()),
            memo: None,
            department: None,
            class: None,
        });
    }
    let status = if code.code == "VendAuth" { None } else { text(row, "status") };
    Ok(Transaction {
        record_type: code.record_type.into(),
        role: code.role,
        internal_id: id.to_compact_string(),
        tran_id: text(row, "tranid"),
        tran_date: date_value(row, "trandate")?,
        vendor_id: text(row, "entity"),
        vendor_name: text(row, "entityname"),
        total,
        amount,
        currency: text(row, "currency"),
        exchange_rate: decimal(row, "exchangerate")?,
        subsidiary: main.and_then(|m| text(m, "subsidiary")),
        department: main.and_then(|m| text(m, "department")),
        memo: text(row, "memo"),
        status,
        due_date: date_value(row, "duedate")?,
        posting_period: text(row, "postingperiod"),
        created: datetime(row, "createddate")?,
        last_modified: datetime(row, "lastmodifieddate")?,
        lines: out_lines,
        raw: row.raw(),
    })
}

/// An expense report from its header row and its lines (main line included). The employee is
/// `entity`, else `employee` (sheet §3: which one is filled on `ExpRept` is unsure); the
/// report's currency is its lines' when they all share one (as for SOAP 2017_2).
pub fn expense_report(row: &Row, lines: &[&Row]) -> Result<ExpenseReport, WireError> {
    let id = key(row, "id")?;
    let (main, rest) = split_lines(lines)?;
    let mut out_lines = Vec::with_capacity(rest.len());
    for (i, l) in rest.into_iter().enumerate() {
        out_lines.push(ExpenseLine {
            line: i as i32 + 1,
            expense_date: date_value(l, "expensedate")?,
            category_id: text(l, "category"),
            category_name: text(l, "categoryname"),
            amount: decimal(l, "amount")?.map(|a| a.abs()),
            currency: text(l, "expensecurrency"),
            foreign_amount: decimal(l, "expenseforeignamount")?.map(|a| a.abs()),
            exchange_rate: decimal(l, "expenseexchangerate")?,
            memo: text(l, "memo"),
            department: text(l, "department"),
            ref_number: None,
        });
    }
    let mut currencies = out_lines.iter().filter_map(|l| l.currency.as_deref());
    let currency = match currencies.next() {
        Some(first) if currencies.all(|c| c == first) => Some(CompactString::from(first)),
        _ => None,
    };
    let (employee_id, employee_name) = match text(row, "entity") {
        Some(e) => (Some(e), text(row, "entityname")),
        None => (text(row, "employee"), None),
    };
    Ok(ExpenseReport {
        internal_id: id.to_compact_string(),
        tran_id: text(row, "tranid"),
        employee_id,
        employee_name,
        tran_date: date_value(row, "trandate")?,
        total: decimal(row, "foreigntotal")?.map(|t| t.abs()),
        currency,
        status: text(row, "status"),
        department: main.and_then(|m| text(m, "department")),
        memo: text(row, "memo"),
        created: datetime(row, "createddate")?,
        last_modified: datetime(row, "lastmodifieddate")?,
        lines: out_lines,
        raw: row.raw(),
    })
}

/// An employee.
pub fn employee(row: &Row) -> Result<Employee, WireError> {
    Ok(Employee {
        internal_id: key(row, "id")?.to_compact_string(),
        entity_id: text(row, "entityid"),
        first_name: text(row, "firstname"),
        last_name: text(row, "lastname"),
        email: text(row, "email"),
        title: text(row, "title"),
        department_id: text(row, "department"),
        department_name: text(row, "departmentname"),
        subsidiary: text(row, "subsidiary"),
        supervisor_id: text(row, "supervisor"),
        supervisor_name: text(row, "supervisorname"),
        is_inactive: boolean(row, "isinactive")?.unwrap_or(false),
        hire_date: date_value(row, "hiredate")?,
        release_date: date_value(row, "releasedate")?,
        employee_type: text(row, "employeetype"),
        employee_status: text(row, "employeestatus"),
        location: text(row, "location"),
        last_modified: datetime(row, "lastmodifieddate")?,
        raw: row.raw(),
    })
}

/// A department. `subsidiary` is SuiteQL's multi-value display text (`"A, B"`, sheet §3):
/// split on `", "` into the names SOAP lists in `subsidiaryList`.
pub fn department(row: &Row) -> Result<Department, WireError> {
    let subsidiaries = row
        .text("subsidiary")
        .map(|s| s.split(", ").map(str::trim).filter(|s| !s.is_empty()).map(CompactString::from).collect())
        .unwrap_or_default();
    Ok(Department {
        internal_id: key(row, "id")?.to_compact_string(),
        name: text(row, "name"),
        parent_id: text(row, "parent"),
        subsidiaries,
        is_inactive: boolean(row, "isinactive")?.unwrap_or(false),
        raw: row.raw(),
    })
}

/// An expense category.
pub fn expense_category(row: &Row) -> Result<ExpenseCategory, WireError> {
    Ok(ExpenseCategory {
        internal_id: key(row, "id")?.to_compact_string(),
        name: text(row, "name"),
        description: text(row, "description"),
        is_inactive: boolean(row, "isinactive")?.unwrap_or(false),
        raw: row.raw(),
    })
}

/// A deletion: record id and when.
pub fn deletion(row: &Row) -> Result<(String, Option<DateTime<Utc>>), WireError> {
    Ok((key(row, "recordid")?.to_string(), datetime(row, "deleteddate")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn literals_are_escaped_and_queries_follow_the_grammar() {
        assert_eq!(lit("O'Brien"), "'O''Brien'");
        assert_eq!(lit("''"), "''''''");
        assert_eq!(in_text("type", &["VendBill", "a'b"]), "type IN ('VendBill', 'a''b')");
        let at = DateTime::parse_from_rfc3339("2026-11-30T12:00:05Z").unwrap().with_timezone(&Utc);
        let q = vendor_query(&Bounds { after: 42, since: Some(at), window: None }).text();
        assert!(q.starts_with("SELECT id, externalid"), "{q}");
        assert!(q.contains("BUILTIN.DF(category) AS category"), "{q}");
        assert!(q.contains("TO_CHAR(SYS_EXTRACT_UTC(lastmodifieddate), 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate"));
        assert!(q.ends_with(
            "FROM vendor WHERE id > 42 AND SYS_EXTRACT_UTC(lastmodifieddate) >= TO_TIMESTAMP('2026-11-30 12:00:05', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id"
        ), "{q}");
        let w = NaiveDate::from_ymd_opt(2025, 11, 30).unwrap();
        let q = transaction_query(&["CardChrg", "CardRfnd"], &Bounds { after: 0, since: None, window: Some(w) }).text();
        assert!(q.contains("WHERE type IN ('CardChrg', 'CardRfnd') AND id > 0 AND trandate >= TO_DATE('2025-11-30', 'YYYY-MM-DD') ORDER BY id"), "{q}");
        assert!(
            q.contains("TO_CHAR(ABS(foreigntotal)) AS foreigntotal")
                && q.contains("TO_CHAR(trandate, 'YYYY-MM-DD') AS trandate")
        );
        let q = line_query(&[5, 7], 100, false).text();
        assert!(
            q.ends_with("FROM transactionline WHERE transaction IN (5, 7) AND uniquekey > 100 ORDER BY uniquekey"),
            "{q}"
        );
        let q = line_query(&[5], 0, true).text();
        assert!(q.contains("TO_CHAR(ABS(foreignamount)) AS amount"), "{q}");
        assert!(q.contains("TO_CHAR(expensedate, 'YYYY-MM-DD') AS expensedate"), "{q}");
        assert!(q.contains("TO_CHAR(ABS(expenseforeignamount)) AS expenseforeignamount"), "{q}");
        let q = expense_report_query(&Bounds::default()).text();
        assert!(q.contains("WHERE type IN ('ExpRept') AND id > 0 ORDER BY id"), "{q}");
    }

    #[test]
    fn rows_convert_dates_booleans_numbers_and_missing_keys() {
        let row = Row::from_pairs(&[
            ("id", t("17")),
            ("entityid", t("V-17")),
            ("firstname", t("Ann")),
            ("lastname", t("Lee")),
            ("isinactive", t("T")),
            ("datecreated", t("2026-01-02 03:04:05")),
            ("lastmodifieddate", t("2026-11-30 23:59:59")),
            ("category", t("Software")),
        ]);
        let v = vendor(&row, Some("Parent Co".into())).unwrap();
        assert_eq!(v.internal_id, "17");
        assert_eq!(v.company_name.as_deref(), Some("Ann Lee"), "a person vendor's name");
        assert!(v.is_inactive);
        assert_eq!(v.date_created.unwrap().to_rfc3339(), "2026-01-02T03:04:05+00:00", "read as UTC");
        assert_eq!(v.email, None, "a missing key is NULL");
        assert_eq!(v.subsidiary.as_deref(), Some("Parent Co"));
        assert_eq!(v.raw.to_value()["category"], "Software");

        let f = Row::from_pairs(&[("id", t("1")), ("isinactive", t("F"))]);
        assert_eq!(boolean(&f, "isinactive").unwrap(), Some(false));
        assert_eq!(boolean(&f, "missing").unwrap(), None);
        let bad_bool = Row::from_pairs(&[("id", t("1")), ("isinactive", t("true"))]);
        assert!(boolean(&bad_bool, "isinactive").is_err(), "only 'T'/'F'");
        // A date in the user's format (what a bare column would bring) is refused, not guessed.
        let us = Row::from_pairs(&[("id", t("1")), ("trandate", t("11/30/2026"))]);
        assert!(date_value(&us, "trandate").is_err());
        let us = Row::from_pairs(&[("id", t("1")), ("lastmodifieddate", t("11/30/2026 4:05 am"))]);
        assert!(datetime(&us, "lastmodifieddate").is_err());

        // Numbers: a string or a JSON number, exact either way.
        let n = Row::from_pairs(&[
            ("id", t("1")),
            ("a", t("1234567890.123456789")),
            ("b", Cell::Number("0.1".into())),
            ("c", t("-12.50")),
            ("d", t("1.5E7")),
        ]);
        assert_eq!(decimal(&n, "a").unwrap(), Decimal::from_str("1234567890.123456789").ok());
        assert_eq!(
            decimal(&n, "b").unwrap().map(|d| d + Decimal::from_str("0.2").unwrap()),
            Decimal::from_str("0.3").ok()
        );
        assert_eq!(decimal(&n, "c").unwrap(), Decimal::from_str("-12.50").ok());
        assert_eq!(decimal(&n, "d").unwrap(), Some(Decimal::from(15_000_000)));
        assert_eq!(decimal(&n, "missing").unwrap(), None);
        let junk = Row::from_pairs(&[("id", t("1")), ("a", t("12,50"))]);
        assert!(decimal(&junk, "a").is_err());
    }

    #[test]
    fn transactions_take_the_main_line_and_number_lines_per_kind() {
        let header = Row::from_pairs(&[
            ("id", t("900")),
            ("type", t("VendCred")),
            ("tranid", t("VC-1")),
            ("trandate", t("2026-03-01")),
            ("entity", t("17")),
            ("entityname", t("ACME")),
            ("foreigntotal", t("30")),
            ("currency", t("USA")),
            ("exchangerate", Cell::Number("1".into())),
        ]);
        let l = |uk: &str, seq: &str, main: &str, item: Option<&str>, amount: &str| {
            let mut p = vec![
                ("transaction", t("900")),
                ("uniquekey", t(uk)),
                ("linesequencenumber", t(seq)),
                ("mainline", t(main)),
                ("amount", t(amount)),
                ("subsidiary", t("Parent Co")),
                ("department", t("Sales")),
            ];
            if let Some(i) = item {
                p.push(("item", t(i)));
                p.push(("account", t("Inventory")));
            }
            Row::from_pairs(&p)
        };
        let lines =
            [l("5", "0", "T", None, "30"), l("7", "2", "F", Some("Widget"), "10"), l("6", "1", "F", None, ".5")];
        let refs: Vec<&Row> = lines.iter().collect();
        let code = type_code(VENDOR_TYPES, "VendCred").unwrap();
        let tx = transaction(&header, code, &refs, &[]).unwrap();
        assert_eq!(tx.record_type, "VendorCredit");
        assert_eq!(tx.total, Decimal::from_str("30").ok(), "a credit's document total is positive, as in SOAP");
        assert_eq!(tx.amount, Decimal::from_str("-30").ok(), "and its spend negative");
        assert_eq!(tx.subsidiary.as_deref(), Some("Parent Co"), "from the main line");
        let shape: Vec<(&str, i32)> = tx.lines.iter().map(|l| (l.kind, l.line)).collect();
        assert_eq!(shape, [("expense", 1), ("item", 1)]);
        assert_eq!(tx.lines[1].item.as_deref(), Some("Widget"));
        assert_eq!(tx.lines[1].account, None, "an item line keeps no account, as from SOAP");
        assert_eq!(tx.lines[0].amount, Decimal::from_str("0.5").ok(), "Oracle's `.5`");
        assert_eq!(oracle_decimal("-.25"), Decimal::from_str("-0.25").ok());
        assert_eq!(
            type_code(CARD_TYPES, "CardRfnd").map(|c| (c.record_type, c.role)),
            Some(("CreditCardRefund", SpendRole::Credit))
        );
    }
}
