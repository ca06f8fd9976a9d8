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
];

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
