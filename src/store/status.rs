//! What `status` shows, read in one place: per tenant its last run and lease, per entity its
//! last run and outcome, cursor state, live and deleted rows, the last drift check, rejected
//! records and the outbox backlog.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::deletions::table_of;
use super::leases::LeaseHolder;
use super::outbox::PUSHED;
use super::Store;

/// A tenant's last run.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct RunBrief {
    /// The run's id.
    pub run_id: Uuid,
    /// What started it (`schedule`, `onboarding`, `cli`, ...).
    pub trigger: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended (`None` while running, or if the process died).
    pub finished_at: Option<DateTime<Utc>>,
    /// `running`, `succeeded`, `degraded`, `failed` or `cancelled`.
    pub status: String,
    /// Its error, when it failed.
    pub error: Option<String>,
}

/// A tenant as the database knows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TenantFacts {
    /// The tenant id.
    pub tenant_id: String,
    /// Its NetSuite account.
    pub account_id: String,
    /// Its last run, if any.
    pub last_run: Option<RunBrief>,
    /// Who holds its lease now, if anyone.
    #[serde(serialize_with = "lease_json")]
    pub lease: Option<LeaseHolder>,
}

fn lease_json<S: serde::Serializer>(lease: &Option<LeaseHolder>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Lease<'a> {
        holder: &'a str,
        acquired_at: DateTime<Utc>,
        expires_in_seconds: u64,
    }
    lease
        .as_ref()
        .map(|l| Lease { holder: &l.holder, acquired_at: l.acquired_at, expires_in_seconds: l.expires_in.as_secs() })
        .serialize(s)
}

/// An entity's last outcome in a run.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct EntityRun {
    /// The run's id.
    pub run_id: Uuid,
    /// When the entity's pull started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// `full` or `delta`.
    pub mode: String,
    /// `running`, `succeeded`, `degraded`, `failed` or `cancelled`.
    pub status: String,
    /// Records received.
    pub records: i64,
    /// Records marked deleted.
    pub deleted: i64,
    /// Records that could not be read.
    pub rejected: i64,
    /// Short error label.
    pub error_code: Option<String>,
    /// Error text.
    pub error: Option<String>,
}

/// The last comparison of NetSuite's count with ours.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct DriftCheck {
    /// When.
    pub checked_at: DateTime<Utc>,
    /// NetSuite's `totalRecords` for the entity's scope.
    pub remote: i64,
    /// Our live rows in that scope.
    pub local: i64,
    /// Whether they differed.
    pub drift: bool,
}

/// One entity of a tenant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityFacts {
    /// The entity (`vendors`, `invoices`, ...).
    pub entity: String,
    /// `onboarding` or `delta`, when a cursor exists.
    pub phase: Option<String>,
    /// Whether a pull is open (interrupted or running).
    pub pull_open: bool,
    /// The next pull will be a full one, and why.
    pub force_full: bool,
    /// Why the next pull is a full one.
    pub force_full_reason: Option<String>,
    /// When the last complete full pull finished.
    pub last_full_at: Option<DateTime<Utc>>,
    /// The entity's last run.
    pub last_run: Option<EntityRun>,
    /// Rows not marked deleted.
    pub live: i64,
    /// Rows marked deleted.
    pub deleted: i64,
    /// The last drift check.
    pub drift_check: Option<DriftCheck>,
    /// Records in `rejected_records`.
    pub rejected: i64,
    /// Outbox changes waiting to be pushed.
    pub outbox_pending: i64,
    /// Outbox changes in a batch being delivered.
    pub outbox_in_flight: i64,
}

/// The cursor columns `status` shows.
#[derive(sqlx::FromRow)]
struct CursorRow {
    phase: String,
    pull_open: bool,
    force_full: bool,
    force_full_reason: Option<String>,
    last_full_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Tenants known to the database (`tenant_id` alone when given), by id.
    pub async fn status_tenants(&self, tenant_id: Option<&str>) -> Result<Vec<TenantFacts>, sqlx::Error> {
        let tenants: Vec<(String, String)> = sqlx::query_as(
            "SELECT tenant_id, account_id FROM tenants WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY tenant_id",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(tenants.len());
        for (tenant_id, account_id) in tenants {
            let last_run = sqlx::query_as(
                "SELECT run_id, trigger, started_at, finished_at, status, error FROM sync_runs
                 WHERE tenant_id = $1 ORDER BY started_at DESC LIMIT 1",
            )
            .bind(&tenant_id)
            .fetch_optional(&self.pool)
            .await?;
            let lease = self.lease_holder(&tenant_id).await?;
            out.push(TenantFacts { tenant_id, account_id, last_run, lease });
        }
        Ok(out)
    }

    /// Entities with anything stored for `tenant_id` (a cursor or a run), by name.
    pub async fn status_entities_seen(&self, tenant_id: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT entity FROM sync_cursors WHERE tenant_id = $1
             UNION
             SELECT e.entity FROM sync_run_entities e JOIN sync_runs r USING (run_id) WHERE r.tenant_id = $1
             ORDER BY 1",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await
    }

    /// Everything `status` shows for one entity of a tenant.
    pub async fn entity_status(&self, tenant_id: &str, entity: &str) -> Result<EntityFacts, sqlx::Error> {
        let cursor: Option<CursorRow> = sqlx::query_as(
            "SELECT phase, pull_started_at IS NOT NULL AS pull_open, force_full, force_full_reason, last_full_at
             FROM sync_cursors WHERE tenant_id = $1 AND entity = $2",
        )
        .bind(tenant_id)
        .bind(entity)
        .fetch_optional(&self.pool)
        .await?;
        let last_run: Option<EntityRun> = sqlx::query_as(
            "SELECT e.run_id, e.started_at, e.finished_at, e.mode, e.status, e.records, e.deleted, e.rejected,
                    e.error_code, e.error
             FROM sync_run_entities e JOIN sync_runs r USING (run_id)
             WHERE r.tenant_id = $1 AND e.entity = $2 ORDER BY e.started_at DESC LIMIT 1",
        )
        .bind(tenant_id)
        .bind(entity)
        .fetch_optional(&self.pool)
        .await?;
        let table = table_of(entity);
        let (live, deleted) = match table {
            Some(table) => {
                // `table` is one of deletions::DELETABLE's constants, never text from outside.
                let own = super::deletions::scope_of(entity);
                let sql = format!(
                    "SELECT count(*) FILTER (WHERE deleted_at IS NULL), count(*) FILTER (WHERE deleted_at IS NOT NULL)
                     FROM {table} t WHERE t.tenant_id = $1 {own}"
                );
                sqlx::query_as(&sql).bind(tenant_id).fetch_one(&self.pool).await?
            }
            None => (0, 0),
        };
        let drift_check = sqlx::query_as(
            "SELECT checked_at, remote, local, drift FROM reconciliations
             WHERE tenant_id = $1 AND entity = $2 ORDER BY checked_at DESC, id DESC LIMIT 1",
        )
        .bind(tenant_id)
        .bind(entity)
        .fetch_optional(&self.pool)
        .await?;
        let rejected: i64 =
            sqlx::query_scalar("SELECT count(*) FROM rejected_records WHERE tenant_id = $1 AND entity = $2")
                .bind(tenant_id)
                .bind(entity)
                .fetch_one(&self.pool)
                .await?;
        // The outbox names a change by its table; only pushed tables have one.
        let (outbox_pending, outbox_in_flight) = match table.filter(|t| PUSHED.iter().any(|(_, p)| p == t)) {
            Some(table) => {
                sqlx::query_as(
                    "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'in_flight')
                 FROM outbox WHERE tenant_id = $1 AND entity = $2",
                )
                .bind(tenant_id)
                .bind(table)
                .fetch_one(&self.pool)
                .await?
            }
            None => (0, 0),
        };
        let (phase, pull_open, force_full, force_full_reason, last_full_at) = match cursor {
            Some(c) => (Some(c.phase), c.pull_open, c.force_full, c.force_full_reason, c.last_full_at),
            None => (None, false, false, None, None),
        };
        Ok(EntityFacts {
            entity: entity.to_string(),
            phase,
            pull_open,
            force_full,
            force_full_reason,
            last_full_at,
            last_run,
            live,
            deleted,
            drift_check,
            rejected,
            outbox_pending,
            outbox_in_flight,
        })
    }
}
