//! The `services` table: NetSuite vendors, upserted in batches.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Row, Transaction};

use crate::netsuite::Vendor;

/// What an upsert did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    /// Rows that did not exist.
    pub inserted: u64,
    /// Rows whose content changed.
    pub updated: u64,
    /// Rows received and already stored as they are (no write).
    pub unchanged: u64,
}

impl std::ops::AddAssign for UpsertCounts {
    fn add_assign(&mut self, o: Self) {
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// Keeps the last occurrence of each internal id: one duplicate key would fail the whole
/// statement (a row can shift between pages of one search).
pub(crate) fn last_of_each<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for (i, t) in items.iter().enumerate() {
        last.insert(id(t), i);
    }
    items.iter().enumerate().filter(|(i, t)| last.get(id(t)) == Some(i)).map(|(_, t)| t).collect()
}

/// Reads the `RETURNING internal_id, (xmax = 0) AS inserted` rows of an upsert of `total`
/// records: the counts, and the ids of the rows written (inserted or changed).
pub(crate) fn written(
    rows: Vec<sqlx::postgres::PgRow>,
    total: usize,
) -> Result<(UpsertCounts, Vec<String>), sqlx::Error> {
    let mut counts = UpsertCounts::default();
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        if row.try_get::<bool, _>("inserted")? {
            counts.inserted += 1;
        } else {
            counts.updated += 1;
        }
        ids.push(row.try_get::<String, _>("internal_id")?);
    }
    counts.unchanged = total as u64 - counts.inserted - counts.updated;
    Ok((counts, ids))
}

/// Upserts vendors in one statement from `UNNEST` arrays. A row is written only when its
/// content differs, so the same page twice changes nothing; `discovered_at` is set on insert
/// and never touched again.
pub(crate) async fn upsert_vendors(
    tx: &mut Transaction<'_, Postgres>,
    tenant_id: &str,
    vendors: &[Vendor],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(vendors, |v| v.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let n = rows.len();
    let mut internal_id = Vec::with_capacity(n);
    let mut external_id: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut entity_id: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut company_name: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut email: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut url: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut category: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut currency: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut subsidiary: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut is_inactive = Vec::with_capacity(n);
    let mut date_created: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
    let mut last_modified: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(n);
    let mut raw = Vec::with_capacity(n);
    for v in rows {
        internal_id.push(v.internal_id.as_str());
        external_id.push(v.external_id.as_deref());
        entity_id.push(v.entity_id.as_deref());
        company_name.push(v.company_name.as_deref());
        email.push(v.email.as_deref());
        url.push(v.url.as_deref());
        category.push(v.category.as_deref());
        currency.push(v.currency.as_deref());
        subsidiary.push(v.subsidiary.as_deref());
        is_inactive.push(v.is_inactive);
        date_created.push(v.date_created);
        last_modified.push(v.last_modified);
        raw.push(&v.raw);
    }
    let result = sqlx::query(
        r#"
        INSERT INTO services AS s (tenant_id, internal_id, external_id, entity_id, company_name, email, url,
                                   category, currency, subsidiary, is_inactive, date_created, last_modified, raw)
        SELECT $1, u.* FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                   $8::text[], $9::text[], $10::text[], $11::bool[], $12::timestamptz[],
                                   $13::timestamptz[], $14::jsonb[]) AS u
        ON CONFLICT (tenant_id, internal_id) DO UPDATE SET
            external_id = EXCLUDED.external_id, entity_id = EXCLUDED.entity_id,
            company_name = EXCLUDED.company_name, email = EXCLUDED.email, url = EXCLUDED.url,
            category = EXCLUDED.category, currency = EXCLUDED.currency, subsidiary = EXCLUDED.subsidiary,
            is_inactive = EXCLUDED.is_inactive, date_created = EXCLUDED.date_created,
            last_modified = EXCLUDED.last_modified, raw = EXCLUDED.raw, updated_at = now(), deleted_at = NULL
        WHERE s.deleted_at IS NOT NULL OR (s.external_id, s.entity_id, s.company_name, s.email, s.url, s.category, s.currency,
               s.subsidiary, s.is_inactive, s.date_created, s.last_modified, s.raw)
              IS DISTINCT FROM
              (EXCLUDED.external_id, EXCLUDED.entity_id, EXCLUDED.company_name, EXCLUDED.email, EXCLUDED.url,
               EXCLUDED.category, EXCLUDED.currency, EXCLUDED.subsidiary, EXCLUDED.is_inactive,
               EXCLUDED.date_created, EXCLUDED.last_modified, EXCLUDED.raw)
        RETURNING internal_id, (xmax = 0) AS inserted
        "#,
    )
    .bind(tenant_id)
    .bind(&internal_id)
    .bind(&external_id)
    .bind(&entity_id)
    .bind(&company_name)
    .bind(&email)
    .bind(&url)
    .bind(&category)
    .bind(&currency)
    .bind(&subsidiary)
    .bind(&is_inactive)
    .bind(&date_created)
    .bind(&last_modified)
    .bind(&raw)
    .fetch_all(&mut **tx)
    .await?;
    let (counts, changed) = written(result, n)?;
    super::outbox::enqueue(tx, tenant_id, "services", &changed).await?;
    Ok(counts)
}
