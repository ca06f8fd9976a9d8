//! Spend tables: `invoices` (+ `invoice_lines`), `costs` (+ `cost_lines`) and
//! `expense_categories`, upserted in batches from `UNNEST` arrays.
//!
//! A header is written only when its content differs; its lines are replaced only then, so
//! the same page twice changes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{Postgres, Transaction as Tx};

use super::services::{last_of_each, written, UpsertCounts};
use crate::netsuite::{ExpenseCategory, ExpenseReport, RawJson, Transaction};

/// Deletes the lines of the records `ids` (whose content changed: their lines are written
/// again). `table` is one of our line tables, never text from outside.
async fn delete_lines(
    tx: &mut Tx<'_, Postgres>,
    table: &'static str,
    tenant_id: &str,
    ids: &[String],
) -> Result<(), sqlx::Error> {
    let sql = format!("DELETE FROM {table} WHERE tenant_id = $1 AND internal_id = ANY($2)");
    sqlx::query(&sql).bind(tenant_id).bind(ids).execute(&mut **tx).await?;
    Ok(())
}

/// Upserts vendor-side transactions and, for those that changed, their lines.
pub(crate) async fn upsert_invoices(
    tx: &mut Tx<'_, Postgres>,
    tenant_id: &str,
    items: &[Transaction],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(items, |t| t.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let n = rows.len();
    let mut id = Vec::with_capacity(n);
    let mut record_type = Vec::with_capacity(n);
    let mut role = Vec::with_capacity(n);
    let mut tran_id: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut tran_date: Vec<Option<NaiveDate>> = Vec::with_capacity(n);
    let mut vendor: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut vendor_name: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut total: Vec<Option<Decimal>> = Vec::with_capacity(n);
    let mut amount: Vec<Option<Decimal>> = Vec::with_capacity(n);
    let mut currency: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut rate: Vec<Option<Decimal>> = Vec::with_capacity(n);
    let mut subsidiary: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut department: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut memo: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut status: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut due: Vec<Option<NaiveDate>> = Vec::with_capacity(n);
    let mut period: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut created: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
    let mut modified: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
    let mut raw = Vec::with_capacity(n);
    for t in &rows {
        id.push(t.internal_id.as_str());
        record_type.push(t.record_type.as_str());
        role.push(t.role.as_str());
        tran_id.push(t.tran_id.as_deref());
        tran_date.push(t.tran_date);
        vendor.push(t.vendor_id.as_deref());
        vendor_name.push(t.vendor_name.as_deref());
        total.push(t.total);
        amount.push(t.amount);
        currency.push(t.currency.as_deref());
        rate.push(t.exchange_rate);
        subsidiary.push(t.subsidiary.as_deref());
        department.push(t.department.as_deref());
        memo.push(t.memo.as_deref());
        status.push(t.status.as_deref());
        due.push(t.due_date);
        period.push(t.posting_period.as_deref());
        created.push(t.created);
        modified.push(t.last_modified);
        raw.push(&t.raw);
    }
    let result = sqlx::query(
        r#"
        INSERT INTO invoices AS i (tenant_id, internal_id, record_type, spend_role, tran_id, tran_date,
            vendor_internal_id, vendor_name, total, amount, currency, exchange_rate, subsidiary, department,
            memo, status, due_date, posting_period, created_date, last_modified, raw)
        SELECT $1, u.* FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::text[],
            $8::text[], $9::numeric[], $10::numeric[], $11::text[], $12::numeric[], $13::text[], $14::text[],
            $15::text[], $16::text[], $17::date[], $18::text[], $19::timestamptz[], $20::timestamptz[],
            $21::jsonb[]) AS u
        ON CONFLICT (tenant_id, internal_id) DO UPDATE SET
            record_type = EXCLUDED.record_type, spend_role = EXCLUDED.spend_role, tran_id = EXCLUDED.tran_id,
            tran_date = EXCLUDED.tran_date, vendor_internal_id = EXCLUDED.vendor_internal_id,
            vendor_name = EXCLUDED.vendor_name, total = EXCLUDED.total, amount = EXCLUDED.amount,
            currency = EXCLUDED.currency, exchange_rate = EXCLUDED.exchange_rate, subsidiary = EXCLUDED.subsidiary,
            department = EXCLUDED.department, memo = EXCLUDED.memo, status = EXCLUDED.status,
            due_date = EXCLUDED.due_date, posting_period = EXCLUDED.posting_period,
            created_date = EXCLUDED.created_date, last_modified = EXCLUDED.last_modified, raw = EXCLUDED.raw,
            updated_at = now(), deleted_at = NULL
        WHERE i.deleted_at IS NOT NULL OR i.raw IS DISTINCT FROM EXCLUDED.raw OR i.record_type IS DISTINCT FROM EXCLUDED.record_type
        RETURNING internal_id, (xmax = 0) AS inserted
        "#,
    )
    .bind(tenant_id)
    .bind(&id)
    .bind(&record_type)
    .bind(&role)
    .bind(&tran_id)
    .bind(&tran_date)
    .bind(&vendor)
    .bind(&vendor_name)
    .bind(&total)
    .bind(&amount)
    .bind(&currency)
    .bind(&rate)
    .bind(&subsidiary)
    .bind(&department)
    .bind(&memo)
    .bind(&status)
    .bind(&due)
    .bind(&period)
    .bind(&created)
    .bind(&modified)
    .bind(&raw)
    .fetch_all(&mut **tx)
    .await?;
    let (counts, changed_ids) = written(result, n)?;
    super::outbox::enqueue(tx, tenant_id, "invoices", &changed_ids).await?;
    if changed_ids.is_empty() {
        return Ok(counts);
    }
    delete_lines(tx, "invoice_lines", tenant_id, &changed_ids).await?;
    let changed_set: std::collections::HashSet<&str> = changed_ids.iter().map(String::as_str).collect();
    let (mut lid, mut kind, mut line, mut account, mut item, mut category) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut lamount, mut lmemo, mut ldept, mut lclass) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for t in rows.iter().filter(|t| changed_set.contains(t.internal_id.as_str())) {
        for l in &t.lines {
            // One duplicate line key would fail the whole statement.
            if !seen.insert((t.internal_id.as_str(), l.kind, l.line)) {
                continue;
            }
            lid.push(t.internal_id.as_str());
            kind.push(l.kind);
            line.push(l.line);
            account.push(l.account.as_deref());
            item.push(l.item.as_deref());
            category.push(l.category.as_deref());
            lamount.push(l.amount);
            lmemo.push(l.memo.as_deref());
            ldept.push(l.department.as_deref());
            lclass.push(l.class.as_deref());
        }
    }
    if !lid.is_empty() {
        sqlx::query(
            "INSERT INTO invoice_lines (tenant_id, internal_id, kind, line, account, item, category, amount, memo, department, class)
             SELECT $1, u.* FROM UNNEST($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
                 $8::numeric[], $9::text[], $10::text[], $11::text[]) AS u",
        )
        .bind(tenant_id)
        .bind(&lid)
        .bind(&kind)
        .bind(&line)
        .bind(&account)
        .bind(&item)
        .bind(&category)
        .bind(&lamount)
        .bind(&lmemo)
        .bind(&ldept)
        .bind(&lclass)
        .execute(&mut **tx)
        .await?;
    }
    Ok(counts)
}

/// Upserts expense reports and, for those that changed, their lines.
pub(crate) async fn upsert_costs(
    tx: &mut Tx<'_, Postgres>,
    tenant_id: &str,
    items: &[ExpenseReport],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(items, |t| t.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let n = rows.len();
    let mut id = Vec::with_capacity(n);
    let mut tran_id: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut employee: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut employee_name: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut tran_date: Vec<Option<NaiveDate>> = Vec::with_capacity(n);
    let mut total: Vec<Option<Decimal>> = Vec::with_capacity(n);
    let mut currency: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut status: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut department: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut memo: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut created: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
    let mut modified: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
    let mut raw = Vec::with_capacity(n);
    for t in &rows {
        id.push(t.internal_id.as_str());
        tran_id.push(t.tran_id.as_deref());
        employee.push(t.employee_id.as_deref());
        employee_name.push(t.employee_name.as_deref());
        tran_date.push(t.tran_date);
        total.push(t.total);
        currency.push(t.currency.as_deref());
        status.push(t.status.as_deref());
        department.push(t.department.as_deref());
        memo.push(t.memo.as_deref());
        created.push(t.created);
        modified.push(t.last_modified);
        raw.push(&t.raw);
    }
    let result = sqlx::query(
        r#"
        INSERT INTO costs AS c (tenant_id, internal_id, tran_id, employee_internal_id, employee_name, tran_date,
            total, currency, status, department, memo, created_date, last_modified, raw)
        SELECT $1, u.* FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::numeric[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::jsonb[]) AS u
        ON CONFLICT (tenant_id, internal_id) DO UPDATE SET
            tran_id = EXCLUDED.tran_id, employee_internal_id = EXCLUDED.employee_internal_id,
            employee_name = EXCLUDED.employee_name, tran_date = EXCLUDED.tran_date, total = EXCLUDED.total,
            currency = EXCLUDED.currency, status = EXCLUDED.status, department = EXCLUDED.department,
            memo = EXCLUDED.memo, created_date = EXCLUDED.created_date, last_modified = EXCLUDED.last_modified,
            raw = EXCLUDED.raw, updated_at = now(), deleted_at = NULL
        WHERE c.deleted_at IS NOT NULL OR c.raw IS DISTINCT FROM EXCLUDED.raw
        RETURNING internal_id, (xmax = 0) AS inserted
        "#,
    )
    .bind(tenant_id)
    .bind(&id)
    .bind(&tran_id)
    .bind(&employee)
    .bind(&employee_name)
    .bind(&tran_date)
    .bind(&total)
    .bind(&currency)
    .bind(&status)
    .bind(&department)
    .bind(&memo)
    .bind(&created)
    .bind(&modified)
    .bind(&raw)
    .fetch_all(&mut **tx)
    .await?;
    let (counts, changed_ids) = written(result, n)?;
    super::outbox::enqueue(tx, tenant_id, "costs", &changed_ids).await?;
    if changed_ids.is_empty() {
        return Ok(counts);
    }
    delete_lines(tx, "cost_lines", tenant_id, &changed_ids).await?;
    let changed_set: std::collections::HashSet<&str> = changed_ids.iter().map(String::as_str).collect();
    let (mut lid, mut line, mut date, mut cat_id, mut cat_name, mut amount) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut cur, mut foreign, mut rate, mut lmemo, mut dept, mut refn) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for t in rows.iter().filter(|t| changed_set.contains(t.internal_id.as_str())) {
        for l in &t.lines {
            if !seen.insert((t.internal_id.as_str(), l.line)) {
                continue;
            }
            lid.push(t.internal_id.as_str());
            line.push(l.line);
            date.push(l.expense_date);
            cat_id.push(l.category_id.as_deref());
            cat_name.push(l.category_name.as_deref());
            amount.push(l.amount);
            cur.push(l.currency.as_deref());
            foreign.push(l.foreign_amount);
            rate.push(l.exchange_rate);
            lmemo.push(l.memo.as_deref());
            dept.push(l.department.as_deref());
            refn.push(l.ref_number.as_deref());
        }
    }
    if !lid.is_empty() {
        sqlx::query(
            "INSERT INTO cost_lines (tenant_id, internal_id, line, expense_date, category_id, category_name, amount,
                 currency, foreign_amount, exchange_rate, memo, department, ref_number)
             SELECT $1, u.* FROM UNNEST($2::text[], $3::int[], $4::date[], $5::text[], $6::text[], $7::numeric[],
                 $8::text[], $9::numeric[], $10::numeric[], $11::text[], $12::text[], $13::text[]) AS u",
        )
        .bind(tenant_id)
        .bind(&lid)
        .bind(&line)
        .bind(&date)
        .bind(&cat_id)
        .bind(&cat_name)
        .bind(&amount)
        .bind(&cur)
        .bind(&foreign)
        .bind(&rate)
        .bind(&lmemo)
        .bind(&dept)
        .bind(&refn)
        .execute(&mut **tx)
        .await?;
    }
    Ok(counts)
}

/// Upserts expense categories.
pub(crate) async fn upsert_expense_categories(
    tx: &mut Tx<'_, Postgres>,
    tenant_id: &str,
    items: &[ExpenseCategory],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(items, |t| t.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let id: Vec<&str> = rows.iter().map(|c| c.internal_id.as_str()).collect();
    let name: Vec<Option<&str>> = rows.iter().map(|c| c.name.as_deref()).collect();
    let description: Vec<Option<&str>> = rows.iter().map(|c| c.description.as_deref()).collect();
    let inactive: Vec<bool> = rows.iter().map(|c| c.is_inactive).collect();
    let raw: Vec<&RawJson> = rows.iter().map(|c| &c.raw).collect();
    let result = sqlx::query(
        "INSERT INTO expense_categories AS e (tenant_id, internal_id, name, description, is_inactive, raw)
         SELECT $1, u.* FROM UNNEST($2::text[], $3::text[], $4::text[], $5::bool[], $6::jsonb[]) AS u
         ON CONFLICT (tenant_id, internal_id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
             is_inactive = EXCLUDED.is_inactive, raw = EXCLUDED.raw, updated_at = now(), deleted_at = NULL
         WHERE e.deleted_at IS NOT NULL OR e.raw IS DISTINCT FROM EXCLUDED.raw
         RETURNING internal_id, (xmax = 0) AS inserted",
    )
    .bind(tenant_id)
    .bind(&id)
    .bind(&name)
    .bind(&description)
    .bind(&inactive)
    .bind(&raw)
    .fetch_all(&mut **tx)
    .await?;
    Ok(written(result, rows.len())?.0)
}
