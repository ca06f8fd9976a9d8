//! Run history: `sync_runs` (one row per pass of a tenant) and `sync_run_entities` (one row
//! per entity pulled in that pass).

use uuid::Uuid;

use super::cursors::PullMode;
use super::Store;

/// What a run says of an entity's standing in `entity_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing<'a> {
    /// Nothing (the entity failed or was cancelled: its last standing stays).
    Unchanged,
    /// Pulled in full.
    Ok,
    /// Degraded: NetSuite's error code (or ours) and its message.
    Degraded {
        /// The error code.
        code: &'a str,
        /// The message.
        message: &'a str,
    },
}

/// How a run or an entity ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    /// Still going (or the process died: a later run supersedes it).
    Running,
    /// Everything enabled was pulled.
    Succeeded,
    /// Something was skipped or reduced for lack of permission; the rest went on.
    Degraded,
    /// It stopped on an error.
    Failed,
    /// It was stopped by shutdown.
    Cancelled,
}

impl RunStatus {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Degraded => "degraded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }
}

/// The result of pulling one entity in a run.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityOutcome {
    /// Entity name (`vendors`).
    pub entity: String,
    /// Full or delta.
    pub mode: PullMode,
    /// How it ended.
    pub status: RunStatus,
    /// Pages committed.
    pub pages: u32,
    /// Records received.
    pub records: u64,
    /// Rows inserted.
    pub inserted: u64,
    /// Rows whose content changed.
    pub updated: u64,
    /// Rows marked deleted (reported by getDeleted, or no longer found by a full refresh).
    pub deleted: u64,
    /// Records that could not be read (kept in `rejected_records`).
    pub rejected: u64,
    /// Error label (NetSuite code or transport kind), if it did not succeed.
    pub error_code: Option<String>,
    /// The error message, if it did not succeed.
    pub error: Option<String>,
}

impl Store {
    /// Records the tenant (or updates its account id) and opens a run row, in one
    /// transaction.
    pub async fn start_run(
        &self,
        run_id: Uuid,
        tenant_id: &str,
        account_id: &str,
        trigger: &str,
        replica: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        super::tenants::upsert_tenant_in(&mut tx, tenant_id, account_id).await?;
        sqlx::query("INSERT INTO sync_runs (run_id, tenant_id, trigger, replica) VALUES ($1, $2, $3, $4)")
            .bind(run_id)
            .bind(tenant_id)
            .bind(trigger)
            .bind(replica)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Records one entity's outcome in a run and, when `standing` says so, the entity's
    /// standing (`entity_status`), in one transaction.
    pub async fn record_entity(
        &self,
        run_id: Uuid,
        tenant_id: &str,
        o: &EntityOutcome,
        standing: Standing<'_>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        record_entity_in(&mut tx, run_id, tenant_id, o, standing).await?;
        tx.commit().await
    }

    /// Closes a run row with its totals; with `last`, records that entity's outcome and
    /// standing (as [`Store::record_entity`]) in the same transaction.
    pub async fn finish_run(
        &self,
        run_id: Uuid,
        status: RunStatus,
        requests: u64,
        outcomes: &[EntityOutcome],
        error: Option<&str>,
        last: Option<(&str, &EntityOutcome, Standing<'_>)>,
    ) -> Result<(), sqlx::Error> {
        let records: u64 = outcomes.iter().map(|o| o.records).sum();
        let inserted: u64 = outcomes.iter().map(|o| o.inserted).sum();
        let updated: u64 = outcomes.iter().map(|o| o.updated).sum();
        let deleted: u64 = outcomes.iter().map(|o| o.deleted).sum();
        let mut tx = self.pool.begin().await?;
        if let Some((tenant_id, o, standing)) = last {
            record_entity_in(&mut tx, run_id, tenant_id, o, standing).await?;
        }
        sqlx::query(
            "UPDATE sync_runs SET finished_at = now(), status = $2, requests = $3, records = $4,
                inserted = $5, updated = $6, error = $7, deleted = $8
             WHERE run_id = $1",
        )
        .bind(run_id)
        .bind(status.as_str())
        .bind(requests as i64)
        .bind(records as i64)
        .bind(inserted as i64)
        .bind(updated as i64)
        .bind(error)
        .bind(deleted as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }
}

/// [`Store::record_entity`] inside a transaction.
async fn record_entity_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    run_id: Uuid,
    tenant_id: &str,
    o: &EntityOutcome,
    standing: Standing<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sync_run_entities (run_id, entity, mode, status, pages, records, inserted, updated, error_code, error,
            deleted, rejected, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
         ON CONFLICT (run_id, entity) DO UPDATE SET mode = EXCLUDED.mode, status = EXCLUDED.status,
            pages = EXCLUDED.pages, records = EXCLUDED.records, inserted = EXCLUDED.inserted,
            updated = EXCLUDED.updated, error_code = EXCLUDED.error_code, error = EXCLUDED.error,
            deleted = EXCLUDED.deleted, rejected = EXCLUDED.rejected, finished_at = now()",
    )
    .bind(run_id)
    .bind(&o.entity)
    .bind(o.mode.as_str())
    .bind(o.status.as_str())
    .bind(o.pages as i32)
    .bind(o.records as i64)
    .bind(o.inserted as i64)
    .bind(o.updated as i64)
    .bind(&o.error_code)
    .bind(&o.error)
    .bind(o.deleted as i64)
    .bind(o.rejected as i64)
    .execute(&mut **tx)
    .await?;
    let degraded = match standing {
        Standing::Unchanged => None,
        Standing::Ok => Some(None),
        Standing::Degraded { code, message } => Some(Some((code, message))),
    };
    if let Some(degraded) = degraded {
        super::cursors::set_entity_status_in(tx, tenant_id, &o.entity, degraded).await?;
    }
    Ok(())
}
