//! Records that could not be read: kept with their error and XML in `rejected_records`,
//! tried again by every run, removed once read correctly.

use sqlx::{Postgres, Transaction as Tx};

use super::Store;

/// A record that could not be read, kept for a later run to try again.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    /// Internal id, or `xml:<md5 of the XML>` without one.
    pub key: String,
    /// The internal id, when it could be read.
    pub internal_id: Option<String>,
    /// Why it could not be read.
    pub error: String,
    /// The record's XML as NetSuite sent it.
    pub xml: String,
}

/// Within a page's transaction: records of the page read correctly leave the table, the
/// page's rejected records are written (or their attempt counted).
pub(crate) async fn settle_page(
    tx: &mut Tx<'_, Postgres>,
    tenant_id: &str,
    entity: &str,
    seen: &[&str],
    rejected: &[Rejected],
) -> Result<(), sqlx::Error> {
    let rejected_keys: Vec<&str> = rejected.iter().map(|r| r.key.as_str()).collect();
    sqlx::query(
        "DELETE FROM rejected_records
         WHERE tenant_id = $1 AND entity = $2 AND record_key = ANY($3) AND NOT record_key = ANY($4)",
    )
    .bind(tenant_id)
    .bind(entity)
    .bind(seen)
    .bind(&rejected_keys)
    .execute(&mut **tx)
    .await?;
    if rejected.is_empty() {
        return Ok(());
    }
    let ids: Vec<Option<&str>> = rejected.iter().map(|r| r.internal_id.as_deref()).collect();
    let errors: Vec<&str> = rejected.iter().map(|r| r.error.as_str()).collect();
    let xml: Vec<&str> = rejected.iter().map(|r| r.xml.as_str()).collect();
    sqlx::query(
        "INSERT INTO rejected_records (tenant_id, entity, record_key, internal_id, error, xml)
         SELECT DISTINCT ON (u.k) $1, $2, u.k, u.id, u.err, u.x
         FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[]) AS u(k, id, err, x)
         ON CONFLICT (tenant_id, entity, record_key) DO UPDATE SET
            error = EXCLUDED.error, xml = EXCLUDED.xml, internal_id = EXCLUDED.internal_id,
            last_seen = now(), attempts = rejected_records.attempts + 1",
    )
    .bind(tenant_id)
    .bind(entity)
    .bind(&rejected_keys)
    .bind(&ids)
    .bind(&errors)
    .bind(&xml)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One rejected record, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct RejectedRow {
    /// Entity.
    pub entity: String,
    /// Internal id, or `xml:<md5>`.
    pub record_key: String,
    /// Internal id when known.
    pub internal_id: Option<String>,
    /// Why it could not be read.
    pub error: String,
    /// Runs that tried it.
    pub attempts: i32,
}

impl Store {
    /// The internal ids of an entity's rejected records (those with one), to fetch again.
    pub async fn rejected_ids(&self, tenant_id: &str, entity: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT internal_id FROM rejected_records
             WHERE tenant_id = $1 AND entity = $2 AND internal_id IS NOT NULL ORDER BY internal_id",
        )
        .bind(tenant_id)
        .bind(entity)
        .fetch_all(&self.pool)
        .await
    }

    /// Whether an entity has a rejected record without an internal id (only a full pull can
    /// read it again).
    pub async fn has_unkeyed_rejections(&self, tenant_id: &str, entity: &str) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM rejected_records WHERE tenant_id = $1 AND entity = $2 AND internal_id IS NULL)",
        )
        .bind(tenant_id)
        .bind(entity)
        .fetch_one(&self.pool)
        .await
    }

    /// A tenant's rejected records, by entity and key.
    pub async fn rejected_records(&self, tenant_id: &str) -> Result<Vec<RejectedRow>, sqlx::Error> {
        let rows: Vec<(String, String, Option<String>, String, i32)> = sqlx::query_as(
            "SELECT entity, record_key, internal_id, error, attempts FROM rejected_records
             WHERE tenant_id = $1 ORDER BY entity, record_key",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(entity, record_key, internal_id, error, attempts)| RejectedRow {
                entity,
                record_key,
                internal_id,
                error,
                attempts,
            })
            .collect())
    }
}
