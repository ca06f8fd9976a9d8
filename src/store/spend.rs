//! Spend tables: `invoices` (+ `invoice_lines`), `costs` (+ `cost_lines`) and
//! `expense_categories`, upserted in batches from `UNNEST` arrays.
//!
//! A header is written only when its content hash (header and lines) differs; its lines are
//! rewritten only then, in the same statement: lines that the record no longer has are
//! deleted, the others inserted or updated. The same page twice changes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Postgres, Transaction as Tx};

use super::hash::{cost_lines, invoice_lines, ContentHash, Hasher};
use super::services::{counted, hash_binds, last_of_each, Hashed, UpsertCounts};
use crate::netsuite::{ExpenseCategory, ExpenseReport, RawJson, Transaction};

/// The columns of a page of transactions and of their lines, bound in this order.
#[derive(Default)]
struct InvoiceCols<'a> {
    id: Vec<&'a str>,
    record_type: Vec<&'a str>,
    role: Vec<&'a str>,
    tran_id: Vec<Option<&'a str>>,
    tran_date: Vec<Option<NaiveDate>>,
    vendor: Vec<Option<&'a str>>,
    vendor_name: Vec<Option<&'a str>>,
    total: Vec<Option<Decimal>>,
    amount: Vec<Option<Decimal>>,
    currency: Vec<Option<&'a str>>,
    rate: Vec<Option<Decimal>>,
    subsidiary: Vec<Option<&'a str>>,
    department: Vec<Option<&'a str>>,
    memo: Vec<Option<&'a str>>,
    status: Vec<Option<&'a str>>,
    due: Vec<Option<NaiveDate>>,
    period: Vec<Option<&'a str>>,
    created: Vec<Option<DateTime<Utc>>>,
    modified: Vec<Option<DateTime<Utc>>>,
    raw: Vec<&'a RawJson>,
    hash: Vec<&'a [u8]>,
    l_id: Vec<&'a str>,
    l_kind: Vec<&'static str>,
    l_line: Vec<i32>,
    l_account: Vec<Option<&'a str>>,
    l_item: Vec<Option<&'a str>>,
    l_category: Vec<Option<&'a str>>,
    l_amount: Vec<Option<Decimal>>,
    l_memo: Vec<Option<&'a str>>,
    l_department: Vec<Option<&'a str>>,
    l_class: Vec<Option<&'a str>>,
}

impl<'a> InvoiceCols<'a> {
    fn bind<'q>(&'q self, q: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments> {
        q.bind(&self.id)
            .bind(&self.record_type)
            .bind(&self.role)
            .bind(&self.tran_id)
            .bind(&self.tran_date)
            .bind(&self.vendor)
            .bind(&self.vendor_name)
            .bind(&self.total)
            .bind(&self.amount)
            .bind(&self.currency)
            .bind(&self.rate)
            .bind(&self.subsidiary)
            .bind(&self.department)
            .bind(&self.memo)
            .bind(&self.status)
            .bind(&self.due)
            .bind(&self.period)
            .bind(&self.created)
            .bind(&self.modified)
            .bind(&self.raw)
            .bind(&self.hash)
            .bind(&self.l_id)
            .bind(&self.l_kind)
            .bind(&self.l_line)
            .bind(&self.l_account)
            .bind(&self.l_item)
            .bind(&self.l_category)
            .bind(&self.l_amount)
            .bind(&self.l_memo)
            .bind(&self.l_department)
            .bind(&self.l_class)
    }
}

const INVOICE_ARRAYS: &str = "UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::text[],
        $8::text[], $9::numeric[], $10::numeric[], $11::text[], $12::numeric[], $13::text[], $14::text[],
        $15::text[], $16::text[], $17::date[], $18::text[], $19::timestamptz[], $20::timestamptz[],
        $21::json[], $22::bytea[])";

const INVOICE_LINES: &str = "nl AS MATERIALIZED (
        SELECT * FROM UNNEST($23::text[], $24::text[], $25::int[], $26::text[], $27::text[], $28::text[],
            $29::numeric[], $30::text[], $31::text[], $32::text[])
        AS nl (internal_id, kind, line, account, item, category, amount, memo, department, class))";

/// The transaction upsert, lines and outbox in one statement. Binds: `$1` tenant, `$2..$22`
/// the header columns with the hash, `$23..$32` the lines of every record of the page. Public
/// for `cargo bench --bench ratios`, which runs this very text inside Postgres.
pub fn upsert_invoices_sql() -> String {
    format!(
        "WITH {INVOICE_LINES},
         up AS (
            INSERT INTO invoices AS i (tenant_id, internal_id, record_type, spend_role, tran_id, tran_date,
                vendor_internal_id, vendor_name, total, amount, currency, exchange_rate, subsidiary, department,
                memo, status, due_date, posting_period, created_date, last_modified, raw, content_hash)
            SELECT $1, u.* FROM {INVOICE_ARRAYS} AS u
            ON CONFLICT (tenant_id, internal_id) DO UPDATE SET
                record_type = EXCLUDED.record_type, spend_role = EXCLUDED.spend_role, tran_id = EXCLUDED.tran_id,
                tran_date = EXCLUDED.tran_date, vendor_internal_id = EXCLUDED.vendor_internal_id,
                vendor_name = EXCLUDED.vendor_name, total = EXCLUDED.total, amount = EXCLUDED.amount,
                currency = EXCLUDED.currency, exchange_rate = EXCLUDED.exchange_rate, subsidiary = EXCLUDED.subsidiary,
                department = EXCLUDED.department, memo = EXCLUDED.memo, status = EXCLUDED.status,
                due_date = EXCLUDED.due_date, posting_period = EXCLUDED.posting_period,
                created_date = EXCLUDED.created_date, last_modified = EXCLUDED.last_modified, raw = EXCLUDED.raw,
                content_hash = EXCLUDED.content_hash, updated_at = now(), deleted_at = NULL
            WHERE i.deleted_at IS NOT NULL OR i.content_hash IS DISTINCT FROM EXCLUDED.content_hash
            RETURNING i.internal_id, i.content_hash, (i.xmax = 0) AS inserted),
         queued AS (
            INSERT INTO outbox (tenant_id, entity, internal_id, content_hash)
            SELECT $1, 'invoices', up.internal_id, encode(up.content_hash, 'hex') FROM up),
         gone AS (
            DELETE FROM invoice_lines l USING up
            WHERE NOT up.inserted AND l.tenant_id = $1 AND l.internal_id = up.internal_id
              AND NOT EXISTS (SELECT 1 FROM nl WHERE nl.internal_id = l.internal_id AND nl.kind = l.kind
                                                 AND nl.line = l.line)),
         lines AS (
            INSERT INTO invoice_lines (tenant_id, internal_id, kind, line, account, item, category, amount, memo,
                department, class)
            SELECT $1, nl.* FROM nl JOIN up USING (internal_id)
            ON CONFLICT (tenant_id, internal_id, kind, line) DO UPDATE SET account = EXCLUDED.account,
                item = EXCLUDED.item, category = EXCLUDED.category, amount = EXCLUDED.amount, memo = EXCLUDED.memo,
                department = EXCLUDED.department, class = EXCLUDED.class)
         SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS written FROM up"
    )
}

/// Fills in the hash of rows stored without one whose header and lines equal the incoming
/// record's (upgrade from a version without hashes).
fn fill_invoices_sql() -> String {
    format!(
        "WITH {INVOICE_LINES}
         UPDATE invoices i SET content_hash = u.content_hash
         FROM {INVOICE_ARRAYS} AS u (internal_id, record_type, spend_role, tran_id, tran_date, vendor_internal_id,
             vendor_name, total, amount, currency, exchange_rate, subsidiary, department, memo, status, due_date,
             posting_period, created_date, last_modified, raw, content_hash)
         WHERE i.tenant_id = $1 AND i.internal_id = u.internal_id AND i.content_hash IS NULL
           AND (i.record_type, i.spend_role, i.tran_id, i.tran_date, i.vendor_internal_id, i.vendor_name, i.total,
                i.amount, i.currency, i.exchange_rate, i.subsidiary, i.department, i.memo, i.status, i.due_date,
                i.posting_period, i.created_date, i.last_modified)
               IS NOT DISTINCT FROM
               (u.record_type, u.spend_role, u.tran_id, u.tran_date, u.vendor_internal_id, u.vendor_name, u.total,
                u.amount, u.currency, u.exchange_rate, u.subsidiary, u.department, u.memo, u.status, u.due_date,
                u.posting_period, u.created_date, u.last_modified)
           AND (SELECT array_agg(ROW(l.kind, l.line, l.account, l.item, l.category, l.amount, l.memo, l.department,
                                     l.class) ORDER BY l.kind, l.line)
                FROM invoice_lines l WHERE l.tenant_id = $1 AND l.internal_id = i.internal_id)
               IS NOT DISTINCT FROM
               (SELECT array_agg(ROW(nl.kind, nl.line, nl.account, nl.item, nl.category, nl.amount, nl.memo,
                                     nl.department, nl.class) ORDER BY nl.kind, nl.line)
                FROM nl WHERE nl.internal_id = i.internal_id)"
    )
}

/// Upserts vendor-side transactions and, for those that changed, their lines, with the outbox
/// entries, in one statement.
pub(crate) async fn upsert_invoices(
    tx: &mut Tx<'_, Postgres>,
    hashed: &Hashed,
    tenant_id: &str,
    items: &[Transaction],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(items, |t| t.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let n = rows.len();
    let mut hasher = Hasher::default();
    let mut hashes: Vec<ContentHash> = Vec::with_capacity(n);
    let mut c = InvoiceCols::default();
    for t in &rows {
        let lines = invoice_lines(t);
        hashes.push(hasher.invoice(t, &lines));
        c.id.push(t.internal_id.as_str());
        c.record_type.push(t.record_type.as_str());
        c.role.push(t.role.as_str());
        c.tran_id.push(t.tran_id.as_deref());
        c.tran_date.push(t.tran_date);
        c.vendor.push(t.vendor_id.as_deref());
        c.vendor_name.push(t.vendor_name.as_deref());
        c.total.push(t.total);
        c.amount.push(t.amount);
        c.currency.push(t.currency.as_deref());
        c.rate.push(t.exchange_rate);
        c.subsidiary.push(t.subsidiary.as_deref());
        c.department.push(t.department.as_deref());
        c.memo.push(t.memo.as_deref());
        c.status.push(t.status.as_deref());
        c.due.push(t.due_date);
        c.period.push(t.posting_period.as_deref());
        c.created.push(t.created);
        c.modified.push(t.last_modified);
        c.raw.push(&t.raw);
        for l in lines {
            c.l_id.push(t.internal_id.as_str());
            c.l_kind.push(l.kind);
            c.l_line.push(l.line);
            c.l_account.push(l.account.as_deref());
            c.l_item.push(l.item.as_deref());
            c.l_category.push(l.category.as_deref());
            c.l_amount.push(l.amount);
            c.l_memo.push(l.memo.as_deref());
            c.l_department.push(l.department.as_deref());
            c.l_class.push(l.class.as_deref());
        }
    }
    c.hash = hash_binds(&hashes);
    if hashed.missing(tx, tenant_id, "invoices").await? {
        let sql = fill_invoices_sql();
        c.bind(sqlx::query(&sql).bind(tenant_id)).execute(&mut **tx).await?;
    }
    let sql = upsert_invoices_sql();
    let row = c.bind(sqlx::query(&sql).bind(tenant_id)).fetch_one(&mut **tx).await?;
    counted(&row, n)
}

/// The columns of a page of expense reports and of their lines, bound in this order.
#[derive(Default)]
struct CostCols<'a> {
    id: Vec<&'a str>,
    tran_id: Vec<Option<&'a str>>,
    employee: Vec<Option<&'a str>>,
    employee_name: Vec<Option<&'a str>>,
    tran_date: Vec<Option<NaiveDate>>,
    total: Vec<Option<Decimal>>,
    currency: Vec<Option<&'a str>>,
    status: Vec<Option<&'a str>>,
    department: Vec<Option<&'a str>>,
    memo: Vec<Option<&'a str>>,
    created: Vec<Option<DateTime<Utc>>>,
    modified: Vec<Option<DateTime<Utc>>>,
    raw: Vec<&'a RawJson>,
    hash: Vec<&'a [u8]>,
    l_id: Vec<&'a str>,
    l_line: Vec<i32>,
    l_date: Vec<Option<NaiveDate>>,
    l_cat_id: Vec<Option<&'a str>>,
    l_cat_name: Vec<Option<&'a str>>,
    l_amount: Vec<Option<Decimal>>,
    l_currency: Vec<Option<&'a str>>,
    l_foreign: Vec<Option<Decimal>>,
    l_rate: Vec<Option<Decimal>>,
    l_memo: Vec<Option<&'a str>>,
    l_department: Vec<Option<&'a str>>,
    l_ref: Vec<Option<&'a str>>,
}

impl<'a> CostCols<'a> {
    fn bind<'q>(&'q self, q: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments> {
        q.bind(&self.id)
            .bind(&self.tran_id)
            .bind(&self.employee)
            .bind(&self.employee_name)
            .bind(&self.tran_date)
            .bind(&self.total)
            .bind(&self.currency)
            .bind(&self.status)
            .bind(&self.department)
            .bind(&self.memo)
            .bind(&self.created)
            .bind(&self.modified)
            .bind(&self.raw)
            .bind(&self.hash)
            .bind(&self.l_id)
            .bind(&self.l_line)
            .bind(&self.l_date)
            .bind(&self.l_cat_id)
            .bind(&self.l_cat_name)
            .bind(&self.l_amount)
            .bind(&self.l_currency)
            .bind(&self.l_foreign)
            .bind(&self.l_rate)
            .bind(&self.l_memo)
            .bind(&self.l_department)
            .bind(&self.l_ref)
    }
}

const COST_ARRAYS: &str = "UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::numeric[],
        $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::json[],
        $15::bytea[])";

const COST_LINES: &str = "nl AS MATERIALIZED (
        SELECT * FROM UNNEST($16::text[], $17::int[], $18::date[], $19::text[], $20::text[], $21::numeric[],
            $22::text[], $23::numeric[], $24::numeric[], $25::text[], $26::text[], $27::text[])
        AS nl (internal_id, line, expense_date, category_id, category_name, amount, currency, foreign_amount,
               exchange_rate, memo, department, ref_number))";

/// The expense report upsert, lines and outbox in one statement.
fn upsert_costs_sql() -> String {
    format!(
        "WITH {COST_LINES},
         up AS (
            INSERT INTO costs AS c (tenant_id, internal_id, tran_id, employee_internal_id, employee_name, tran_date,
                total, currency, status, department, memo, created_date, last_modified, raw, content_hash)
            SELECT $1, u.* FROM {COST_ARRAYS} AS u
            ON CONFLICT (tenant_id, internal_id) DO UPDATE SET
                tran_id = EXCLUDED.tran_id, employee_internal_id = EXCLUDED.employee_internal_id,
                employee_name = EXCLUDED.employee_name, tran_date = EXCLUDED.tran_date, total = EXCLUDED.total,
                currency = EXCLUDED.currency, status = EXCLUDED.status, department = EXCLUDED.department,
                memo = EXCLUDED.memo, created_date = EXCLUDED.created_date, last_modified = EXCLUDED.last_modified,
                raw = EXCLUDED.raw, content_hash = EXCLUDED.content_hash, updated_at = now(), deleted_at = NULL
            WHERE c.deleted_at IS NOT NULL OR c.content_hash IS DISTINCT FROM EXCLUDED.content_hash
            RETURNING c.internal_id, c.content_hash, (c.xmax = 0) AS inserted),
         queued AS (
            INSERT INTO outbox (tenant_id, entity, internal_id, content_hash)
            SELECT $1, 'costs', up.internal_id, encode(up.content_hash, 'hex') FROM up),
         gone AS (
            DELETE FROM cost_lines l USING up
            WHERE NOT up.inserted AND l.tenant_id = $1 AND l.internal_id = up.internal_id
              AND NOT EXISTS (SELECT 1 FROM nl WHERE nl.internal_id = l.internal_id AND nl.line = l.line)),
         lines AS (
            INSERT INTO cost_lines (tenant_id, internal_id, line, expense_date, category_id, category_name, amount,
                currency, foreign_amount, exchange_rate, memo, department, ref_number)
            SELECT $1, nl.* FROM nl JOIN up USING (internal_id)
            ON CONFLICT (tenant_id, internal_id, line) DO UPDATE SET expense_date = EXCLUDED.expense_date,
                category_id = EXCLUDED.category_id, category_name = EXCLUDED.category_name,
                amount = EXCLUDED.amount, currency = EXCLUDED.currency, foreign_amount = EXCLUDED.foreign_amount,
                exchange_rate = EXCLUDED.exchange_rate, memo = EXCLUDED.memo, department = EXCLUDED.department,
                ref_number = EXCLUDED.ref_number)
         SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS written FROM up"
    )
}

/// Fills in the hash of expense reports stored without one whose header and lines equal the
/// incoming record's.
fn fill_costs_sql() -> String {
    format!(
        "WITH {COST_LINES}
         UPDATE costs c SET content_hash = u.content_hash
         FROM {COST_ARRAYS} AS u (internal_id, tran_id, employee_internal_id, employee_name, tran_date, total,
             currency, status, department, memo, created_date, last_modified, raw, content_hash)
         WHERE c.tenant_id = $1 AND c.internal_id = u.internal_id AND c.content_hash IS NULL
           AND (c.tran_id, c.employee_internal_id, c.employee_name, c.tran_date, c.total, c.currency, c.status,
                c.department, c.memo, c.created_date, c.last_modified)
               IS NOT DISTINCT FROM
               (u.tran_id, u.employee_internal_id, u.employee_name, u.tran_date, u.total, u.currency, u.status,
                u.department, u.memo, u.created_date, u.last_modified)
           AND (SELECT array_agg(ROW(l.line, l.expense_date, l.category_id, l.category_name, l.amount, l.currency,
                                     l.foreign_amount, l.exchange_rate, l.memo, l.department, l.ref_number)
                                 ORDER BY l.line)
                FROM cost_lines l WHERE l.tenant_id = $1 AND l.internal_id = c.internal_id)
               IS NOT DISTINCT FROM
               (SELECT array_agg(ROW(nl.line, nl.expense_date, nl.category_id, nl.category_name, nl.amount,
                                     nl.currency, nl.foreign_amount, nl.exchange_rate, nl.memo, nl.department,
                                     nl.ref_number) ORDER BY nl.line)
                FROM nl WHERE nl.internal_id = c.internal_id)"
    )
}

/// Upserts expense reports and, for those that changed, their lines, with the outbox entries,
/// in one statement.
pub(crate) async fn upsert_costs(
    tx: &mut Tx<'_, Postgres>,
    hashed: &Hashed,
    tenant_id: &str,
    items: &[ExpenseReport],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(items, |t| t.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let n = rows.len();
    let mut hasher = Hasher::default();
    let mut hashes: Vec<ContentHash> = Vec::with_capacity(n);
    let mut c = CostCols::default();
    for t in &rows {
        let lines = cost_lines(t);
        hashes.push(hasher.cost(t, &lines));
        c.id.push(t.internal_id.as_str());
        c.tran_id.push(t.tran_id.as_deref());
        c.employee.push(t.employee_id.as_deref());
        c.employee_name.push(t.employee_name.as_deref());
        c.tran_date.push(t.tran_date);
        c.total.push(t.total);
        c.currency.push(t.currency.as_deref());
        c.status.push(t.status.as_deref());
        c.department.push(t.department.as_deref());
        c.memo.push(t.memo.as_deref());
        c.created.push(t.created);
        c.modified.push(t.last_modified);
        c.raw.push(&t.raw);
        for l in lines {
            c.l_id.push(t.internal_id.as_str());
            c.l_line.push(l.line);
            c.l_date.push(l.expense_date);
            c.l_cat_id.push(l.category_id.as_deref());
            c.l_cat_name.push(l.category_name.as_deref());
            c.l_amount.push(l.amount);
            c.l_currency.push(l.currency.as_deref());
            c.l_foreign.push(l.foreign_amount);
            c.l_rate.push(l.exchange_rate);
            c.l_memo.push(l.memo.as_deref());
            c.l_department.push(l.department.as_deref());
            c.l_ref.push(l.ref_number.as_deref());
        }
    }
    c.hash = hash_binds(&hashes);
    if hashed.missing(tx, tenant_id, "costs").await? {
        let sql = fill_costs_sql();
        c.bind(sqlx::query(&sql).bind(tenant_id)).execute(&mut **tx).await?;
    }
    let sql = upsert_costs_sql();
    let row = c.bind(sqlx::query(&sql).bind(tenant_id)).fetch_one(&mut **tx).await?;
    counted(&row, n)
}

/// Upserts expense categories (not pushed: no outbox entry).
pub(crate) async fn upsert_expense_categories(
    tx: &mut Tx<'_, Postgres>,
    hashed: &Hashed,
    tenant_id: &str,
    items: &[ExpenseCategory],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(items, |t| t.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let mut hasher = Hasher::default();
    let hashes: Vec<ContentHash> = rows.iter().map(|c| hasher.expense_category(c)).collect();
    let id: Vec<&str> = rows.iter().map(|c| c.internal_id.as_str()).collect();
    let name: Vec<Option<&str>> = rows.iter().map(|c| c.name.as_deref()).collect();
    let description: Vec<Option<&str>> = rows.iter().map(|c| c.description.as_deref()).collect();
    let inactive: Vec<bool> = rows.iter().map(|c| c.is_inactive).collect();
    let raw: Vec<&RawJson> = rows.iter().map(|c| &c.raw).collect();
    let hash = hash_binds(&hashes);
    if hashed.missing(tx, tenant_id, "expense_categories").await? {
        sqlx::query(
            "UPDATE expense_categories e SET content_hash = u.h
             FROM UNNEST($2::text[], $3::text[], $4::text[], $5::bool[], $6::json[], $7::bytea[])
                  AS u (id, name, description, inactive, raw, h)
             WHERE e.tenant_id = $1 AND e.internal_id = u.id AND e.content_hash IS NULL
               AND (e.name, e.description, e.is_inactive) IS NOT DISTINCT FROM (u.name, u.description, u.inactive)",
        )
        .bind(tenant_id)
        .bind(&id)
        .bind(&name)
        .bind(&description)
        .bind(&inactive)
        .bind(&raw)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    }
    let row = sqlx::query(
        "WITH up AS (
            INSERT INTO expense_categories AS e (tenant_id, internal_id, name, description, is_inactive, raw,
                content_hash)
            SELECT $1, u.* FROM UNNEST($2::text[], $3::text[], $4::text[], $5::bool[], $6::json[], $7::bytea[]) AS u
            ON CONFLICT (tenant_id, internal_id) DO UPDATE SET name = EXCLUDED.name,
                description = EXCLUDED.description, is_inactive = EXCLUDED.is_inactive, raw = EXCLUDED.raw,
                content_hash = EXCLUDED.content_hash, updated_at = now(), deleted_at = NULL
            WHERE e.deleted_at IS NOT NULL OR e.content_hash IS DISTINCT FROM EXCLUDED.content_hash
            RETURNING (e.xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS written FROM up",
    )
    .bind(tenant_id)
    .bind(&id)
    .bind(&name)
    .bind(&description)
    .bind(&inactive)
    .bind(&raw)
    .bind(&hash)
    .fetch_one(&mut **tx)
    .await?;
    counted(&row, rows.len())
}
