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
    /// Records the tenant (or updates its account id) and opens a run row, in one statement
    /// (the tenant row the run refers to is checked at its end).
    pub async fn start_run(
        &self,
        run_id: Uuid,
        tenant_id: &str,
        account_id: &str,
        trigger: &str,
        replica: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(concat!(
            "WITH tenant AS (",
            super::tenants::upsert_tenant_sql!(),
            ") INSERT INTO sync_runs (run_id, tenant_id, trigger, replica) VALUES ($3, $1, $4, $5)"
        ))
        .bind(tenant_id)
        .bind(account_id)
        .bind(run_id)
        .bind(trigger)
        .bind(replica)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records one entity's outcome in a run and, when `standing` says so, the entity's
    /// standing (`entity_status`), in one statement.
    pub async fn record_entity(
        &self,
        run_id: Uuid,
        tenant_id: &str,
        o: &EntityOutcome,
        standing: Standing<'_>,
    ) -> Result<(), sqlx::Error> {
        let query = sqlx::query(concat!(record_entity_ctes!(), "SELECT 1"));
        bind_entity(query, run_id, Some((tenant_id, o, standing))).execute(&self.pool).await?;
        Ok(())
    }

    /// Closes a run row with its totals; with `last`, records that entity's outcome and
    /// standing (as [`Store::record_entity`]) in the same statement.
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
        let query = sqlx::query(concat!(
            record_entity_ctes!(),
            "UPDATE sync_runs SET finished_at = now(), status = $17, requests = $18, records = $19,
                inserted = $20, updated = $21, error = $22, deleted = $23
             WHERE run_id = $1"
        ));
        bind_entity(query, run_id, last)
            .bind(status.as_str())
            .bind(requests as i64)
            .bind(records as i64)
            .bind(inserted as i64)
            .bind(updated as i64)
            .bind(error)
            .bind(deleted as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// The `WITH` clause that records an entity's outcome in run `$1` (`sync_run_entities`:
/// entity `$2`, mode `$3`, status `$4`, pages `$5`, records `$6`, inserted `$7`, updated `$8`,
/// error code `$9`, error `$10`, deleted `$11`, rejected `$12`) and, when `$14` is given,
/// its standing (`entity_status` of tenant `$13`: status `$14`, code `$15`, message `$16`;
/// `since` keeps the time the current state began). Without an entity (`$2` null), neither.
/// A macro, so that statements can follow it (`concat!`); parameters from `$17` are theirs.
macro_rules! record_entity_ctes {
    () => {
        "WITH entity AS (
            INSERT INTO sync_run_entities (run_id, entity, mode, status, pages, records, inserted, updated,
                error_code, error, deleted, rejected, finished_at)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now() WHERE $2::text IS NOT NULL
            ON CONFLICT (run_id, entity) DO UPDATE SET mode = EXCLUDED.mode, status = EXCLUDED.status,
                pages = EXCLUDED.pages, records = EXCLUDED.records, inserted = EXCLUDED.inserted,
                updated = EXCLUDED.updated, error_code = EXCLUDED.error_code, error = EXCLUDED.error,
                deleted = EXCLUDED.deleted, rejected = EXCLUDED.rejected, finished_at = now()
         ), standing AS (
            INSERT INTO entity_status (tenant_id, entity, status, code, message)
            SELECT $13, $2, $14, $15, $16 WHERE $2::text IS NOT NULL AND $14::text IS NOT NULL
            ON CONFLICT (tenant_id, entity) DO UPDATE SET
                since = CASE WHEN entity_status.status = EXCLUDED.status THEN entity_status.since ELSE now() END,
                status = EXCLUDED.status, code = EXCLUDED.code, message = EXCLUDED.message, updated_at = now()
         ) "
    };
}
use record_entity_ctes;

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds `$1` to `$16` of [`record_entity_ctes`]: the run, and the entity's outcome and
/// standing (all null without one).
fn bind_entity<'q>(
    query: PgQuery<'q>,
    run_id: Uuid,
    entity: Option<(&'q str, &'q EntityOutcome, Standing<'q>)>,
) -> PgQuery<'q> {
    let o = entity.map(|(_, o, _)| o);
    let (status, code, message) = match entity.map(|(_, _, standing)| standing) {
        None | Some(Standing::Unchanged) => (None, None, None),
        Some(Standing::Ok) => (Some("ok"), None, None),
        Some(Standing::Degraded { code, message }) => (Some("degraded"), Some(code), Some(message)),
    };
    query
        .bind(run_id)
        .bind(o.map(|o| o.entity.as_str()))
        .bind(o.map(|o| o.mode.as_str()))
        .bind(o.map(|o| o.status.as_str()))
        .bind(o.map(|o| o.pages as i32))
        .bind(o.map(|o| o.records as i64))
        .bind(o.map(|o| o.inserted as i64))
        .bind(o.map(|o| o.updated as i64))
        .bind(o.and_then(|o| o.error_code.as_deref()))
        .bind(o.and_then(|o| o.error.as_deref()))
        .bind(o.map(|o| o.deleted as i64))
        .bind(o.map(|o| o.rejected as i64))
        .bind(entity.map(|(tenant_id, _, _)| tenant_id))
        .bind(status)
        .bind(code)
        .bind(message)
}
