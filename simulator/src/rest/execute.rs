//! Running one SuiteQL query over an account: check it against the schema (unknown table or
//! column, kinds, ORDER BY on a unique key), check the role's permissions, filter the
//! table's rows, order them, cut the page and write each item.
//!
//! Strictness, as `docs/suiteql.md` says: bare dates and datetimes come out in the user's
//! preferences (Pacific), a bare number as a JSON number, `TO_CHAR` of a datetime without
//! `SYS_EXTRACT_UTC` in Pacific time, a datetime compared without `SYS_EXTRACT_UTC` reads its
//! literal as Pacific time, and a bare string compared with a date must be `MM/DD/YYYY`.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Number, Value as Json};

use crate::basics::datetime::pacific_local_to_utc;
use crate::model::account::AccountState;
use crate::model::graveyard::SimRecordType;
use crate::model::permissions::Permission;
use crate::model::transactions::TransactionKind;
use crate::rest::answer::{Page, RestError};
use crate::rest::parser::{self, Cond, DateFormat, Expr, Lit, Op, ParseError, Query, Rhs};
use crate::rest::rows::{self, deleted_type, Row, Scope};
use crate::rest::tables::Table;
use crate::rest::value::{oracle_number, pacific_date, pacific_text, user_date, user_datetime, utc_text, Kind, Value};

/// Rows one query can reach (sheet §2.3).
pub(crate) const MAX_ROWS: usize = 100_000;
/// The largest `limit`.
pub(crate) const MAX_LIMIT: usize = 1000;

/// A condition ready to test rows.
#[derive(Clone, Debug)]
enum Filter {
    /// A numeric comparison (ids, refs by id).
    Num { col: String, op: Op, v: i64 },
    /// Numeric membership.
    NumIn { col: String, set: HashSet<i64> },
    /// A text comparison (text, booleans `T`/`F`, refs by id).
    Str { col: String, op: Op, v: String },
    /// Text membership.
    StrIn { col: String, set: HashSet<String> },
    /// A date comparison.
    Date { col: String, op: Op, d: NaiveDate },
    /// An instant comparison (datetimes).
    Instant { col: String, op: Op, t: DateTime<Utc> },
}

impl Filter {
    fn holds(&self, account: &AccountState, row: &Row<'_>) -> bool {
        match self {
            Filter::Num { col, op, v } => rows::value(account, row, col).as_int().is_some_and(|x| op.holds(x.cmp(v))),
            Filter::NumIn { col, set } => rows::value(account, row, col).as_int().is_some_and(|x| set.contains(&x)),
            Filter::Str { col, op, v } => {
                rows::value(account, row, col).as_str().is_some_and(|x| op.holds(x.as_ref().cmp(v.as_str())))
            }
            Filter::StrIn { col, set } => {
                rows::value(account, row, col).as_str().is_some_and(|x| set.contains(x.as_ref()))
            }
            Filter::Date { col, op, d } => match rows::value(account, row, col) {
                Value::Date(x) => op.holds(x.cmp(d)),
                _ => false,
            },
            Filter::Instant { col, op, t } => match rows::value(account, row, col) {
                Value::DateTime(x) => op.holds(x.cmp(t)),
                _ => false,
            },
        }
    }
}

fn unparseable(text: &str) -> RestError {
    RestError::search(format!("Unparseable date '{text}'."))
}

/// A date literal in the user's date format (`MM/DD/YYYY`), as NetSuite reads a bare string
/// compared with a date.
fn user_date_literal(text: &str) -> Result<NaiveDate, RestError> {
    NaiveDate::parse_from_str(text, "%m/%d/%Y").map_err(|_| unparseable(text))
}

fn filter(table: Table, c: &Cond) -> Result<Filter, RestError> {
    let kind = table.kind(&c.col).ok_or_else(|| RestError::search(format!("Unknown identifier '{}'.", c.col)))?;
    let col = c.col.clone();
    if c.utc && kind != Kind::DateTime {
        return Err(RestError::unsupported());
    }
    let op = c.op;
    Ok(match (kind, &c.rhs) {
        (Kind::Id | Kind::Ref | Kind::Number, Rhs::Lit(Lit::Int(v))) => Filter::Num { col, op, v: *v },
        (Kind::Ref | Kind::Text | Kind::Bool, Rhs::Lit(Lit::Str(v))) => Filter::Str { col, op, v: v.clone() },
        (Kind::Id | Kind::Ref | Kind::Number, Rhs::List(values)) if values.iter().all(|l| matches!(l, Lit::Int(_))) => {
            let set = values.iter().filter_map(|l| if let Lit::Int(i) = l { Some(*i) } else { None }).collect();
            Filter::NumIn { col, set }
        }
        (Kind::Ref | Kind::Text | Kind::Bool, Rhs::List(values)) if values.iter().all(|l| matches!(l, Lit::Str(_))) => {
            let set = values.iter().filter_map(|l| if let Lit::Str(s) = l { Some(s.clone()) } else { None }).collect();
            Filter::StrIn { col, set }
        }
        (Kind::Date, Rhs::Date(d)) => Filter::Date { col, op, d: *d },
        (Kind::Date, Rhs::Lit(Lit::Str(s))) => Filter::Date { col, op, d: user_date_literal(s)? },
        (Kind::DateTime, Rhs::Timestamp(ts)) => {
            let t = if c.utc { ts.and_utc() } else { pacific_local_to_utc(*ts) };
            Filter::Instant { col, op, t }
        }
        (Kind::DateTime, Rhs::Date(d)) => {
            let midnight = d.and_time(NaiveTime::MIN);
            let t = if c.utc { midnight.and_utc() } else { pacific_local_to_utc(midnight) };
            Filter::Instant { col, op, t }
        }
        (Kind::DateTime, Rhs::Lit(Lit::Str(s))) => {
            let midnight = user_date_literal(s)?.and_time(NaiveTime::MIN);
            Filter::Instant { col, op, t: pacific_local_to_utc(midnight) }
        }
        _ => return Err(RestError::unsupported()),
    })
}

/// The transactions the query is limited to, from its conditions (see [`Scope`]).
fn scope(table: Table, conds: &[Cond]) -> Scope {
    let id_col = match table {
        Table::Transaction => "id",
        Table::TransactionLine => "transaction",
        Table::Link => "nextdoc",
        _ => return Scope::default(),
    };
    let mut s = Scope::default();
    for c in conds.iter().filter(|c| c.col == id_col && !c.utc) {
        match (&c.rhs, c.op) {
            (Rhs::List(_), _) | (Rhs::Lit(_), Op::Eq) => {
                let list: &[Lit] = match &c.rhs {
                    Rhs::List(v) => v,
                    Rhs::Lit(l) => std::slice::from_ref(l),
                    _ => &[],
                };
                let mut ids: Vec<u64> = list
                    .iter()
                    .filter_map(|l| if let Lit::Int(i) = l { u64::try_from(*i).ok() } else { None })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                s.txn_ids = Some(ids);
            }
            (Rhs::Lit(Lit::Int(v)), Op::Gt) if table == Table::Transaction => s.after_id = u64::try_from(*v).ok(),
            (Rhs::Lit(Lit::Int(v)), Op::Ge) if table == Table::Transaction => {
                s.after_id = u64::try_from(*v).ok().and_then(|v| v.checked_sub(1));
            }
            _ => {}
        }
    }
    s
}

/// The first permission the role lacks for the query: the table's, then that of every type
/// an equality or `IN` on `type` names (transactions and deletions).
fn missing_permission(account: &AccountState, table: Table, conds: &[Cond]) -> Option<Permission> {
    let lacks = |p: Permission| !account.permissions.contains(p);
    if let Some(p) = table.permission().filter(|p| lacks(*p)) {
        return Some(p);
    }
    let named: Vec<&str> = conds
        .iter()
        .filter(|c| c.col == "type" && c.op == Op::Eq)
        .flat_map(|c| match &c.rhs {
            Rhs::List(v) => v.iter().collect::<Vec<_>>(),
            Rhs::Lit(l) => vec![l],
            _ => Vec::new(),
        })
        .filter_map(|l| if let Lit::Str(s) = l { Some(s.as_str()) } else { None })
        .collect();
    let needed = |v: &str| -> Option<Permission> {
        match table {
            Table::Transaction => TransactionKind::from_suiteql_type(v).and_then(TransactionKind::permission),
            Table::DeletedRecord => {
                SimRecordType::ALL.into_iter().find(|t| deleted_type(*t) == v).and_then(SimRecordType::permission)
            }
            _ => None,
        }
    };
    named.into_iter().filter_map(needed).find(|p| lacks(*p))
}

/// Checks the query against the table's schema.
fn check(table: Table, q: &Query) -> Result<(), RestError> {
    let unknown = |c: &str| RestError::search(format!("Unknown identifier '{c}'."));
    for item in &q.items {
        let kind = table.kind(item.expr.column()).ok_or_else(|| unknown(item.expr.column()))?;
        let fits = match &item.expr {
            Expr::Col(_) | Expr::Df(_) => true,
            Expr::Number { .. } => matches!(kind, Kind::Number | Kind::Id),
            Expr::Time { utc, .. } => kind == Kind::DateTime || (kind == Kind::Date && !utc),
        };
        if !fits {
            return Err(RestError::unsupported());
        }
    }
    for c in &q.order {
        table.kind(c).ok_or_else(|| unknown(c))?;
    }
    let covered = table.keys().iter().any(|key| key.iter().all(|k| q.order.iter().any(|o| o == k)));
    if !covered {
        return Err(RestError::unsupported());
    }
    Ok(())
}

fn number(d: rust_decimal::Decimal) -> Json {
    // Bare numbers are JSON numbers, precision not promised (the contract selects TO_CHAR).
    d.to_f64().and_then(Number::from_f64).map_or(Json::Null, Json::Number)
}

/// The JSON of one item value; `None` leaves the key out (NULL).
fn write(expr: &Expr, v: Value) -> Option<Json> {
    let s = |x: String| Some(Json::String(x));
    match (expr, v) {
        (_, Value::Null) => None,
        (_, Value::Refs(r)) if r.is_empty() => None,
        (Expr::Number { abs, .. }, Value::Number(d)) => s(oracle_number(if *abs { d.abs() } else { d })),
        (Expr::Number { abs, .. }, Value::Int(i)) => s(if *abs { i.abs() } else { i }.to_string()),
        (Expr::Time { format, utc, .. }, Value::DateTime(t)) => s(match (format, utc) {
            (DateFormat::DateTime, true) => utc_text(t),
            (DateFormat::DateTime, false) => pacific_text(t),
            (DateFormat::Date, true) => t.format("%Y-%m-%d").to_string(),
            (DateFormat::Date, false) => pacific_date(t).format("%Y-%m-%d").to_string(),
        }),
        (Expr::Time { format, .. }, Value::Date(d)) => s(match format {
            DateFormat::Date => d.format("%Y-%m-%d").to_string(),
            DateFormat::DateTime => format!("{} 00:00:00", d.format("%Y-%m-%d")),
        }),
        (Expr::Df(_), Value::Ref { name, .. }) => name.map(Json::String),
        (Expr::Df(_), Value::Refs(r)) => s(r.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(", ")),
        (Expr::Df(_), Value::Number(d)) => s(oracle_number(d)),
        (_, Value::Int(i)) => s(i.to_string()),
        (_, Value::Text(t)) => s(t),
        (_, Value::Bool(b)) => s(if b { "T" } else { "F" }.to_string()),
        (_, Value::Number(d)) => Some(number(d)),
        (_, Value::Date(d)) => s(user_date(d)),
        (_, Value::DateTime(t)) => s(user_datetime(t)),
        (_, Value::Ref { id, .. }) => s(id),
        (_, Value::Refs(r)) => s(r.into_iter().map(|(id, _)| id).collect::<Vec<_>>().join(", ")),
    }
}

/// Runs query text `q` over `account` and returns the page at `offset` of `limit` rows
/// (both already checked by the caller).
pub(crate) fn run(account: &AccountState, q: &str, limit: usize, offset: usize) -> Result<Page, RestError> {
    let query = parser::parse(q).map_err(|e| match e {
        ParseError::Invalid(_) => RestError::unsupported(),
        ParseError::UnparseableDate(text) => unparseable(&text),
    })?;
    let table = Table::named(&query.table)
        .ok_or_else(|| RestError::search(format!("Record '{}' was not found.", query.table)))?;
    check(table, &query)?;
    let filters: Vec<Filter> = query.conds.iter().map(|c| filter(table, c)).collect::<Result<_, _>>()?;
    if let Some(p) = missing_permission(account, table, &query.conds) {
        return Err(RestError::permission(p));
    }
    let scope = scope(table, &query.conds);
    let mut matching: Vec<Row<'_>> = rows::rows(account, table, &scope);
    matching.retain(|r| filters.iter().all(|f| f.holds(account, r)));
    let keys = |r: &Row<'_>| -> Vec<Value> { query.order.iter().map(|c| rows::value(account, r, c)).collect() };
    let cmp = |a: &[Value], b: &[Value]| {
        a.iter().zip(b).map(|(x, y)| x.order(y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
    };
    let mut keyed: Vec<(Vec<Value>, Row<'_>)> = matching.into_iter().map(|r| (keys(&r), r)).collect();
    if keyed.windows(2).any(|w| cmp(&w[0].0, &w[1].0).is_gt()) {
        keyed.sort_by(|a, b| cmp(&a.0, &b.0));
    }
    let total = keyed.len();
    let reachable = total.min(MAX_ROWS);
    let end = (offset + limit).min(reachable);
    let items = keyed
        .get(offset.min(end)..end)
        .unwrap_or(&[])
        .iter()
        .map(|(_, r)| {
            let mut m = Map::new();
            for item in &query.items {
                if let Some(v) = write(&item.expr, rows::value(account, r, item.expr.column())) {
                    m.insert(item.key.clone(), v);
                }
            }
            m
        })
        .collect();
    let last_offset = if reachable == 0 { 0 } else { (reachable - 1) / limit * limit };
    Ok(Page { items, total, has_more: end < reachable, offset, limit, last_offset })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::account_id::AccountId;
    use crate::model::account::AccountSpec;
    use crate::model::permissions::PermissionSet;
    use rust_decimal::Decimal;

    fn account(perms: PermissionSet) -> AccountState {
        let spec = AccountSpec::new(AccountId::parse("1234567_SB1").unwrap(), 4)
            .with_vendors(230)
            .with_departments(12)
            .with_employees(40)
            .with_transactions(900)
            .with_expense_reports(60)
            .with_permissions(perms);
        let anchor = DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc);
        AccountState::generate(spec, anchor, 5)
    }

    fn text<'a>(m: &'a Map<String, Json>, k: &str) -> Option<&'a str> {
        m.get(k).and_then(Json::as_str)
    }

    #[test]
    fn keyset_paging_walks_every_vendor_once() {
        let a = account(PermissionSet::all());
        let mut last = 0i64;
        let mut seen = Vec::new();
        loop {
            let q = format!("SELECT id, entityid FROM vendor WHERE id > {last} ORDER BY id");
            let page = run(&a, &q, 100, 0).unwrap();
            if page.items.is_empty() {
                assert!(!page.has_more);
                break;
            }
            assert_eq!(page.has_more, page.total > 100);
            for item in &page.items {
                let id: i64 = text(item, "id").unwrap().parse().unwrap();
                assert!(id > last);
                last = id;
                seen.push(id.to_string());
            }
        }
        let truth: Vec<String> = a.vendors.values().map(|v| v.internal_id.clone()).collect();
        assert_eq!(seen, truth);
    }

    #[test]
    fn unknown_tables_and_columns_and_shapes() {
        let a = account(PermissionSet::all());
        let e = run(&a, "SELECT id, nosuch FROM vendor ORDER BY id", 10, 0).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "INVALID_PARAMETER"));
        assert!(e.detail.ends_with("Unknown identifier 'nosuch'."), "{}", e.detail);
        let e = run(&a, "SELECT id FROM customer ORDER BY id", 10, 0).unwrap_err();
        assert!(e.detail.ends_with("Record 'customer' was not found."), "{}", e.detail);
        for bad in [
            "SELECT id FROM vendor ORDER BY entityid",
            "SELECT TO_CHAR(companyname) AS x FROM vendor ORDER BY id",
            "SELECT TO_CHAR(SYS_EXTRACT_UTC(trandate), 'YYYY-MM-DD') AS d FROM transaction ORDER BY id",
            "SELECT id FROM vendor WHERE id > 'x' ORDER BY id",
            "SELECT id FROM transactionline ORDER BY transaction",
        ] {
            let e = run(&a, bad, 10, 0).unwrap_err();
            assert!(e.detail.ends_with("Invalid or unsupported search."), "{bad}: {}", e.detail);
        }
    }

    #[test]
    fn dates_are_strict() {
        let a = account(PermissionSet::all());
        let v = a.vendors.values().next().unwrap().clone();
        let q = format!(
            "SELECT lastmodifieddate, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS pacific, \
             TO_CHAR(SYS_EXTRACT_UTC(lastmodifieddate), 'YYYY-MM-DD HH24:MI:SS') AS utc \
             FROM vendor WHERE id IN ({}) ORDER BY id",
            v.internal_id
        );
        let page = run(&a, &q, 10, 0).unwrap();
        let item = &page.items[0];
        assert_eq!(text(item, "lastmodifieddate"), Some(user_datetime(v.last_modified).as_str()));
        assert_eq!(text(item, "pacific"), Some(pacific_text(v.last_modified).as_str()));
        assert_eq!(text(item, "utc"), Some(v.last_modified.format("%Y-%m-%d %H:%M:%S").to_string().as_str()));
        let e = run(&a, "SELECT id FROM transaction WHERE trandate >= '2024-01-01' ORDER BY id", 10, 0).unwrap_err();
        assert!(e.detail.ends_with("Unparseable date '2024-01-01'."), "{}", e.detail);
        let us = run(&a, "SELECT id FROM transaction WHERE trandate >= '01/01/2024' ORDER BY id", 10, 0).unwrap();
        let iso = run(
            &a,
            "SELECT id FROM transaction WHERE trandate >= TO_DATE('2024-01-01', 'YYYY-MM-DD') ORDER BY id",
            10,
            0,
        )
        .unwrap();
        assert_eq!(us.total, iso.total);
        // A datetime compared without SYS_EXTRACT_UTC reads the literal as Pacific time.
        let t = v.last_modified;
        let utc = format!(
            "SELECT id FROM vendor WHERE id IN ({}) AND SYS_EXTRACT_UTC(lastmodifieddate) >= TO_TIMESTAMP('{}', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id",
            v.internal_id,
            t.format("%Y-%m-%d %H:%M:%S")
        );
        assert_eq!(run(&a, &utc, 10, 0).unwrap().total, 1);
        let pacific = utc.replace("SYS_EXTRACT_UTC(lastmodifieddate)", "lastmodifieddate");
        assert_eq!(run(&a, &pacific, 10, 0).unwrap().total, 0, "the UTC text read as Pacific is later");
        // Bare numbers are JSON numbers; TO_CHAR gives Oracle's text.
        let page =
            run(&a, "SELECT foreigntotal, TO_CHAR(ABS(foreigntotal)) AS t FROM transaction ORDER BY id", 5, 0).unwrap();
        assert!(page.items[0]["foreigntotal"].is_number());
        assert!(page.items[0]["t"].is_string());
    }

    #[test]
    fn transactions_match_the_model_and_cards_are_there() {
        let a = account(PermissionSet::all());
        assert!(!a.cards.is_empty());
        let all = run(&a, "SELECT id, type, TO_CHAR(ABS(foreigntotal)) AS total FROM transaction ORDER BY id", 1000, 0)
            .unwrap();
        assert_eq!(all.total, a.txns.len() + a.cards.len());
        for item in &all.items {
            let id: u64 = text(item, "id").unwrap().parse().unwrap();
            let t = a.txns.iter().chain(&a.cards).find(|t| t.id == id).unwrap();
            let total: Decimal = text(item, "total").unwrap().parse().unwrap();
            assert_eq!(total, crate::model::transactions::money(t.total_cents));
            assert_eq!(text(item, "type"), Some(t.kind.suiteql_type()));
        }
        let cards =
            run(&a, "SELECT id FROM transaction WHERE type IN ('CardChrg', 'CardRfnd') ORDER BY id", 1000, 0).unwrap();
        assert_eq!(cards.total, a.cards.len());
        // Lines: one mainline row per transaction, then the SOAP lines (a payment's are links).
        let t = a.txns.iter().find(|t| t.lines.len() > 1 && t.kind == TransactionKind::VendorBill).unwrap();
        let q = format!(
            "SELECT id, mainline, TO_CHAR(ABS(foreignamount)) AS amount, BUILTIN.DF(subsidiary) AS subsidiary \
             FROM transactionline WHERE transaction IN ({}) AND uniquekey > 0 ORDER BY uniquekey",
            t.id
        );
        let lines = run(&a, &q, 1000, 0).unwrap();
        assert_eq!(lines.total, t.lines.len() + 1);
        assert_eq!(text(&lines.items[0], "mainline"), Some("T"));
        for (item, l) in lines.items[1..].iter().zip(&t.lines) {
            let amount: Decimal = text(item, "amount").unwrap().parse().unwrap();
            assert_eq!(amount, crate::model::transactions::money(l.amount_cents));
        }
        let payment = a.txns.iter().find(|t| t.kind == TransactionKind::VendorPayment).unwrap();
        let q = format!(
            "SELECT nextdoc, previousdoc, TO_CHAR(foreignamount) AS foreignamount FROM previoustransactionlinelink \
             WHERE linktype = 'Payment' AND nextdoc IN ({}) ORDER BY nextdoc, previousdoc",
            payment.id
        );
        assert_eq!(run(&a, &q, 1000, 0).unwrap().total, payment.lines.len());
    }

    #[test]
    fn permissions_refuse_the_query_or_hide_rows() {
        let no_cards = account(PermissionSet::all().without(Permission::CreditCard));
        let e = run(&no_cards, "SELECT id FROM transaction WHERE type IN ('VendBill', 'CardChrg') ORDER BY id", 10, 0)
            .unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (403, "INSUFFICIENT_PERMISSION"));
        assert!(e.detail.contains("Transactions -> Credit Card"));
        let plain = run(&no_cards, "SELECT id FROM transaction ORDER BY id", 10, 0).unwrap();
        assert_eq!(plain.total, no_cards.txns.len(), "no type filter: the cards are left out");
        let no_depts = account(PermissionSet::all().without(Permission::Departments));
        let e = run(&no_depts, "SELECT id FROM department ORDER BY id", 10, 0).unwrap_err();
        assert_eq!(e.status, 403);
    }

    #[test]
    fn paging_by_offset_and_the_cap() {
        let a = account(PermissionSet::all());
        let p1 = run(&a, "SELECT id FROM transaction ORDER BY id", 100, 0).unwrap();
        let p2 = run(&a, "SELECT id FROM transaction ORDER BY id", 100, 100).unwrap();
        assert_eq!((p1.items.len(), p2.items.len()), (100, 100));
        assert_ne!(p1.items[0], p2.items[0]);
        assert_eq!(p1.last_offset, (p1.total - 1) / 100 * 100);
        let past = run(&a, "SELECT id FROM transaction ORDER BY id", 100, 99_900).unwrap();
        assert!(past.items.is_empty() && !past.has_more);
    }
}
