//! Deletions: records NetSuite no longer has are marked (`deleted_at`), never erased, and
//! queued in the outbox as deletions; a record that comes back is made live by its upsert.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction as Tx};

use super::Store;

/// Tables whose rows can be marked deleted, by entity name (the names of `sync_cursors`).
pub const DELETABLE: &[(&str, &str)] = &[
    ("vendors", "services"),
    ("invoices", "invoices"),
    ("costs", "costs"),
    ("expense_categories", "expense_categories"),
    ("departments", "departments"),
    ("employees", "employees"),
    // Credit-card charges and refunds (SuiteQL only) share the invoices table.
    ("card_spend", "invoices"),
];

/// Record types of the invoices table that belong to `card_spend`, not to `invoices`.
pub const CARD_RECORD_TYPES: &[&str] = &["CreditCardCharge", "CreditCardRefund"];

/// The part of `entity`'s table that is its own, as SQL over alias `t` (constant text): the
/// invoices table holds two entities, `invoices` and `card_spend`, told apart by record type.
pub fn scope_of(entity: &str) -> &'static str {
    match entity {
        "invoices" => "AND t.record_type NOT IN ('CreditCardCharge', 'CreditCardRefund')",
        "card_spend" => "AND t.record_type IN ('CreditCardCharge', 'CreditCardRefund')",
        _ => "",
    }
}

/// The table that holds `entity`'s rows.
pub fn table_of(entity: &str) -> Option<&'static str> {
    DELETABLE.iter().find(|(e, _)| *e == entity).map(|(_, t)| *t)
}

impl Store {
    /// Marks the live rows `ids` of `entity` deleted at `at` and queues each as a deletion in
    /// the outbox, in one transaction. Ids not stored, or already marked, are left alone.
    /// Returns how many rows were marked.
    pub async fn mark_deleted(
        &self,
        tenant_id: &str,
        entity: &str,
        ids: &[String],
        at: DateTime<Utc>,
    ) -> Result<u64, sqlx::Error> {
        let Some(table) = table_of(entity) else {
            return Err(sqlx::Error::Protocol(format!("no table for entity {entity}")));
        };
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let marked = mark_deleted_in(&mut tx, tenant_id, table, ids, at).await?;
        tx.commit().await?;
        Ok(marked.len() as u64)
    }
}

/// Marks live rows of `table` deleted and queues them; returns the ids marked.
pub(crate) async fn mark_deleted_in(
    tx: &mut Tx<'_, Postgres>,
    tenant_id: &str,
    table: &'static str,
    ids: &[String],
    at: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    // `table` is one of the constants above, never text from outside.
    let sql = format!(
        "UPDATE {table} SET deleted_at = $3, updated_at = now()
         WHERE tenant_id = $1 AND internal_id = ANY($2) AND deleted_at IS NULL
         RETURNING internal_id"
    );
    let marked: Vec<String> = sqlx::query_scalar(&sql).bind(tenant_id).bind(ids).bind(at).fetch_all(&mut **tx).await?;
    super::outbox::enqueue_deletions(tx, tenant_id, table, &marked).await?;
    Ok(marked)
}

/// Marks reported deletions in `table` (see [`Store::apply_deletions`]) inside a transaction
/// and queues them; returns the ids marked.
pub(crate) async fn apply_deletions_in(
    tx: &mut Tx<'_, Postgres>,
    tenant_id: &str,
    table: &'static str,
    deletions: &[Deletion],
) -> Result<Vec<String>, sqlx::Error> {
    if deletions.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let ids: Vec<&str> = deletions.iter().map(|d| d.internal_id.as_str()).collect();
    let ats: Vec<DateTime<Utc>> = deletions.iter().map(|d| d.deleted_at.unwrap_or(now)).collect();
    let modified = if matches!(table, "departments" | "expense_categories") {
        "true"
    } else {
        "(t.last_modified IS NULL OR t.last_modified < d.at)"
    };
    // `table` is one of the constants above, never text from outside.
    let sql = format!(
        "UPDATE {table} t SET deleted_at = d.at, updated_at = now()
         FROM (SELECT DISTINCT ON (id) id, at FROM UNNEST($2::text[], $3::timestamptz[]) AS u(id, at)
               ORDER BY id, at DESC) d
         WHERE t.tenant_id = $1 AND t.internal_id = d.id AND t.deleted_at IS NULL AND {modified}
         RETURNING t.internal_id"
    );
    let marked: Vec<String> =
        sqlx::query_scalar(&sql).bind(tenant_id).bind(&ids).bind(&ats).fetch_all(&mut **tx).await?;
    super::outbox::enqueue_deletions(tx, tenant_id, table, &marked).await?;
    Ok(marked)
}

/// A record NetSuite reports deleted, and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Deletion {
    /// Internal id.
    pub internal_id: String,
    /// `deletedDate`, when NetSuite gave one.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Marks the reported deletions of `entity` in one transaction and queues them. A row
    /// modified at or after its deletion date came back (same internal id) and stays live; ids
    /// not stored are ignored. Returns the ids marked.
    pub async fn apply_deletions(
        &self,
        tenant_id: &str,
        entity: &str,
        deletions: &[Deletion],
    ) -> Result<Vec<String>, sqlx::Error> {
        let Some(table) = table_of(entity) else {
            return Err(sqlx::Error::Protocol(format!("no table for entity {entity}")));
        };
        if deletions.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let marked = apply_deletions_in(&mut tx, tenant_id, table, deletions).await?;
        tx.commit().await?;
        Ok(marked)
    }

    /// Live rows of `entity` in its pull's scope (transaction date on or after `window` for
    /// windowed entities), plus rejected records not stored: the count NetSuite's
    /// `totalRecords` for the same scope should equal.
    pub async fn live_count(
        &self,
        tenant_id: &str,
        entity: &str,
        window: Option<chrono::NaiveDate>,
    ) -> Result<u64, sqlx::Error> {
        let Some(table) = table_of(entity) else {
            return Err(sqlx::Error::Protocol(format!("no table for entity {entity}")));
        };
        let scope = if window.is_some() { "AND t.tran_date >= $3" } else { "AND $3::date IS NULL" };
        let own = scope_of(entity);
        let sql = format!(
            "SELECT (SELECT count(*) FROM {table} t WHERE t.tenant_id = $1 AND t.deleted_at IS NULL {scope} {own})
                  + (SELECT count(*) FROM rejected_records r WHERE r.tenant_id = $1 AND r.entity = $2
                       AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.tenant_id = $1
                                        AND t.internal_id = r.internal_id AND t.deleted_at IS NULL))"
        );
        let n: i64 = sqlx::query_scalar(&sql).bind(tenant_id).bind(entity).bind(window).fetch_one(&self.pool).await?;
        Ok(n.max(0) as u64)
    }

    /// Records a drift check: NetSuite's count against ours.
    pub async fn record_reconciliation(
        &self,
        tenant_id: &str,
        entity: &str,
        run_id: Option<uuid::Uuid>,
        remote: u64,
        local: u64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO reconciliations (tenant_id, entity, run_id, remote, local, drift) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(run_id)
        .bind(remote as i64)
        .bind(local as i64)
        .bind(remote != local)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
