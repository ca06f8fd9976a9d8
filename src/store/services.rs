//! The `services` table: NetSuite vendors, upserted in batches; and what every upsert shares:
//! counts, de-duplication inside a batch, and the fill-in of hashes on rows written before
//! content hashes existed.
//!
//! Every upsert is one statement (`UNNEST` binds): the rows whose content hash differs (or
//! that were marked deleted) are written, and a data-modifying CTE queues each row written in
//! the outbox from the `RETURNING` of the upsert itself; the table is not read again.
//!
//! UNNEST binds or a binary COPY into a temporary staging table followed by the same
//! `INSERT ... SELECT ... ON CONFLICT` + outbox? Measured by `cargo bench --bench ratios`
//! (2026-11-30, 2 cores shared with other work, Postgres 15, 100,000 vendors, one transaction
//! per batch): batches of 100: UNNEST 8,459 rows/s, COPY 6,093 rows/s; batches of 1,000 (the
//! page size): UNNEST 15,401 rows/s, COPY 16,803 rows/s. UNNEST wins clearly at 100 (COPY pays
//! a second statement and the staging table's writes); COPY's 9% at 1,000 is one run on a noisy
//! machine and would need a binary encoder per entity (numeric included): every batch size
//! uses UNNEST for now.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Postgres, Row, Transaction};

use super::hash::{ContentHash, Hasher};
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

/// Reads the one row `SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS
/// written FROM up` of an upsert of `total` records.
pub(crate) fn counted(row: &sqlx::postgres::PgRow, total: usize) -> Result<UpsertCounts, sqlx::Error> {
    let inserted = row.try_get::<i64, _>("inserted")?.max(0) as u64;
    let written = row.try_get::<i64, _>("written")?.max(0) as u64;
    Ok(UpsertCounts {
        inserted,
        updated: written.saturating_sub(inserted),
        unchanged: (total as u64).saturating_sub(written),
    })
}

/// The (tenant, table) pairs known to have a content hash on every row, for this database.
/// Rows stored before content hashes existed have none; until a pair is known to be clean,
/// each upsert first fills in the hash of its rows whose typed content is unchanged.
#[derive(Debug, Default)]
pub(crate) struct Hashed(Mutex<HashSet<(String, &'static str)>>);

impl Hashed {
    /// Whether rows of `table` for `tenant_id` may still lack a hash (asks the database, via
    /// the partial `<table>_hash_missing` index, until it says no; then remembers).
    pub(crate) async fn missing(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: &str,
        table: &'static str,
    ) -> Result<bool, sqlx::Error> {
        let key = (tenant_id.to_string(), table);
        if self.0.lock().unwrap_or_else(PoisonError::into_inner).contains(&key) {
            return Ok(false);
        }
        // `table` is one of our tables, never text from outside.
        // A row marked deleted is written again when it comes back, hash or not: only live
        // rows need the fill-in.
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant_id = $1 AND content_hash IS NULL AND deleted_at IS NULL)"
        );
        let missing: bool = sqlx::query_scalar(&sql).bind(tenant_id).fetch_one(&mut **tx).await?;
        if !missing {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(key);
        }
        Ok(missing)
    }
}

/// The hashes as `bytea[]` binds.
pub(crate) fn hash_binds(hashes: &[ContentHash]) -> Vec<&[u8]> {
    hashes.iter().map(|h| &h[..]).collect()
}

/// The columns of a page of vendors, bound in this order by both statements.
struct VendorCols<'a> {
    internal_id: Vec<&'a str>,
    external_id: Vec<Option<&'a str>>,
    entity_id: Vec<Option<&'a str>>,
    company_name: Vec<Option<&'a str>>,
    email: Vec<Option<&'a str>>,
    url: Vec<Option<&'a str>>,
    category: Vec<Option<&'a str>>,
    currency: Vec<Option<&'a str>>,
    subsidiary: Vec<Option<&'a str>>,
    is_inactive: Vec<bool>,
    date_created: Vec<Option<DateTime<Utc>>>,
    last_modified: Vec<Option<DateTime<Utc>>>,
    raw: Vec<&'a crate::netsuite::RawJson>,
    hash: Vec<&'a [u8]>,
}

impl<'a> VendorCols<'a> {
    fn bind<'q>(&'q self, q: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments> {
        q.bind(&self.internal_id)
            .bind(&self.external_id)
            .bind(&self.entity_id)
            .bind(&self.company_name)
            .bind(&self.email)
            .bind(&self.url)
            .bind(&self.category)
            .bind(&self.currency)
            .bind(&self.subsidiary)
            .bind(&self.is_inactive)
            .bind(&self.date_created)
            .bind(&self.last_modified)
            .bind(&self.raw)
            .bind(&self.hash)
    }
}

const VENDOR_ARRAYS: &str = "UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
        $9::text[], $10::text[], $11::bool[], $12::timestamptz[], $13::timestamptz[], $14::json[], $15::bytea[])";

/// The vendor upsert: writes the rows whose hash differs (or that were marked deleted) and
/// queues each written row in the outbox from the upsert's own result. Binds: `$1` tenant,
/// `$2..$15` the columns of [`VendorCols`]. Public for `cargo bench --bench ratios`, which runs
/// this very text inside Postgres as the reference.
pub fn upsert_vendors_sql() -> String {
    format!(
        "WITH up AS (
            INSERT INTO services AS s (tenant_id, internal_id, external_id, entity_id, company_name, email, url,
                category, currency, subsidiary, is_inactive, date_created, last_modified, raw, content_hash)
            SELECT $1, u.* FROM {VENDOR_ARRAYS} AS u
            ON CONFLICT (tenant_id, internal_id) DO UPDATE SET
                external_id = EXCLUDED.external_id, entity_id = EXCLUDED.entity_id,
                company_name = EXCLUDED.company_name, email = EXCLUDED.email, url = EXCLUDED.url,
                category = EXCLUDED.category, currency = EXCLUDED.currency, subsidiary = EXCLUDED.subsidiary,
                is_inactive = EXCLUDED.is_inactive, date_created = EXCLUDED.date_created,
                last_modified = EXCLUDED.last_modified, raw = EXCLUDED.raw, content_hash = EXCLUDED.content_hash,
                updated_at = now(), deleted_at = NULL
            WHERE s.deleted_at IS NOT NULL OR s.content_hash IS DISTINCT FROM EXCLUDED.content_hash
            RETURNING s.internal_id, s.content_hash, (s.xmax = 0) AS inserted),
         queued AS (
            INSERT INTO outbox (tenant_id, entity, internal_id, content_hash)
            SELECT $1, 'services', up.internal_id, encode(up.content_hash, 'hex') FROM up)
         SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS written FROM up"
    )
}

/// Fills in the hash of rows stored without one whose typed content equals the incoming
/// record's (upgrade from a version without hashes): they then count as unchanged.
fn fill_vendors_sql() -> String {
    format!(
        "UPDATE services s SET content_hash = u.content_hash
         FROM {VENDOR_ARRAYS} AS u (internal_id, external_id, entity_id, company_name, email, url, category, currency,
             subsidiary, is_inactive, date_created, last_modified, raw, content_hash)
         WHERE s.tenant_id = $1 AND s.internal_id = u.internal_id AND s.content_hash IS NULL
           AND (s.external_id, s.entity_id, s.company_name, s.email, s.url, s.category, s.currency, s.subsidiary,
                s.is_inactive, s.date_created, s.last_modified)
               IS NOT DISTINCT FROM
               (u.external_id, u.entity_id, u.company_name, u.email, u.url, u.category, u.currency, u.subsidiary,
                u.is_inactive, u.date_created, u.last_modified)"
    )
}

/// Upserts vendors in one statement from `UNNEST` arrays. A row is written only when its
/// content hash differs, so the same page twice changes nothing; `discovered_at` is set on
/// insert and never touched again.
pub(crate) async fn upsert_vendors(
    tx: &mut Transaction<'_, Postgres>,
    hashed: &Hashed,
    tenant_id: &str,
    vendors: &[Vendor],
) -> Result<UpsertCounts, sqlx::Error> {
    let rows = last_of_each(vendors, |v| v.internal_id.as_str());
    if rows.is_empty() {
        return Ok(UpsertCounts::default());
    }
    let mut hasher = Hasher::default();
    let hashes: Vec<ContentHash> = rows.iter().map(|v| hasher.vendor(v)).collect();
    let cols = VendorCols {
        internal_id: rows.iter().map(|v| v.internal_id.as_str()).collect(),
        external_id: rows.iter().map(|v| v.external_id.as_deref()).collect(),
        entity_id: rows.iter().map(|v| v.entity_id.as_deref()).collect(),
        company_name: rows.iter().map(|v| v.company_name.as_deref()).collect(),
        email: rows.iter().map(|v| v.email.as_deref()).collect(),
        url: rows.iter().map(|v| v.url.as_deref()).collect(),
        category: rows.iter().map(|v| v.category.as_deref()).collect(),
        currency: rows.iter().map(|v| v.currency.as_deref()).collect(),
        subsidiary: rows.iter().map(|v| v.subsidiary.as_deref()).collect(),
        is_inactive: rows.iter().map(|v| v.is_inactive).collect(),
        date_created: rows.iter().map(|v| v.date_created).collect(),
        last_modified: rows.iter().map(|v| v.last_modified).collect(),
        raw: rows.iter().map(|v| &v.raw).collect(),
        hash: hash_binds(&hashes),
    };
    if hashed.missing(tx, tenant_id, "services").await? {
        let sql = fill_vendors_sql();
        cols.bind(sqlx::query(&sql).bind(tenant_id)).execute(&mut **tx).await?;
    }
    let sql = upsert_vendors_sql();
    let row = cols.bind(sqlx::query(&sql).bind(tenant_id)).fetch_one(&mut **tx).await?;
    counted(&row, rows.len())
}
