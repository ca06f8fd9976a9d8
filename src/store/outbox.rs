//! The change outbox and the push batches: every content change of a pushed entity is queued
//! by the statement that writes it (the upserts in `services.rs`, `spend.rs`, `org.rs` insert
//! the outbox rows from their own `RETURNING`, with the row's content hash as hex); deletions
//! are queued here; the pusher claims, delivers and settles them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use sqlx::{Postgres, Row, Transaction as Tx};
use uuid::Uuid;

use super::Store;

/// Entities pushed to LeanIX, in push order, with the table that holds them.
pub const PUSHED: &[(&str, &str)] = &[
    ("departments", "departments"),
    ("employees", "employees"),
    ("services", "services"),
    ("invoices", "invoices"),
    ("costs", "costs"),
];

/// Money columns sent as exact decimal text (a JSON number would be read back through a
/// float).
fn money_columns(table: &str) -> &'static [&'static str] {
    match table {
        "invoices" => &["total", "amount", "exchange_rate"],
        "costs" => &["total"],
        _ => &[],
    }
}

/// A row of `table` (aliased `t`) as JSON for the LDIF: every column but `raw` and
/// `content_hash` (building the
/// row with `raw` and taking it out again costs Postgres more than the rest of the row), and
/// money as exact decimal text. The columns are read from the catalog once per process.
async fn row_json(pool: &sqlx::PgPool, table: &'static str) -> Result<Arc<str>, sqlx::Error> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Arc<str>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(sql) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(table) {
        return Ok(Arc::clone(sql));
    }
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT attname::text FROM pg_attribute
         WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('raw', 'content_hash') ORDER BY attnum",
    )
    .bind(table)
    .fetch_all(pool)
    .await?;
    let money = money_columns(table);
    let pairs: Vec<String> = columns
        .iter()
        .map(|c| {
            // Our own column names from the catalog, quoted as literal and identifier.
            let (literal, ident) = (c.replace('\'', "''"), c.replace('"', "\"\""));
            if money.contains(&c.as_str()) {
                format!("'{literal}', t.\"{ident}\"::text")
            } else {
                format!("'{literal}', t.\"{ident}\"")
            }
        })
        .collect();
    // jsonb_build_object takes at most 100 arguments: 50 columns a call.
    let sql: Arc<str> = pairs
        .chunks(50)
        .map(|c| format!("jsonb_build_object({})", c.join(", ")))
        .collect::<Vec<_>>()
        .join(" || ")
        .into();
    let sql = if sql.is_empty() { Arc::from("'{}'::jsonb") } else { sql };
    cache.lock().unwrap_or_else(PoisonError::into_inner).insert(table, Arc::clone(&sql));
    Ok(sql)
}

/// Queues the rows `ids` of `table` (just marked deleted) as deletions. Runs inside the
/// transaction that marks them.
pub(crate) async fn enqueue_deletions(
    tx: &mut Tx<'_, Postgres>,
    tenant_id: &str,
    table: &'static str,
    ids: &[String],
) -> Result<(), sqlx::Error> {
    if ids.is_empty() || !PUSHED.iter().any(|(_, t)| *t == table) {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO outbox (tenant_id, entity, internal_id, content_hash, op)
         SELECT $1, $2, id, 'deleted', 'delete' FROM UNNEST($3::text[]) AS id",
    )
    .bind(tenant_id)
    .bind(table)
    .bind(ids)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A queued change, claimed into a batch.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// Outbox row id.
    pub id: i64,
    /// NetSuite internal id of the record.
    pub internal_id: String,
    /// The record's content (raw JSON plus our columns) as it is now; a deleted record's
    /// row is still there (marked, never erased).
    pub row: serde_json::Value,
    /// Whether the change is a deletion (the record is gone from NetSuite).
    pub deleted: bool,
}

/// An item LeanIX did not take: its record and LeanIX's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// NetSuite internal id of the record.
    pub internal_id: String,
    /// LeanIX's warning(s) about it.
    pub message: String,
}

/// A rejected change as the `outbox` command shows it.
#[derive(Clone, Debug)]
pub struct RejectedRow {
    /// Tenant.
    pub tenant_id: String,
    /// Entity.
    pub entity: String,
    /// NetSuite internal id.
    pub internal_id: String,
    /// The connectorVersion it was rejected under.
    pub version: Option<String>,
    /// LeanIX's message.
    pub message: Option<String>,
}

/// Counts of the outbox for the `outbox` command.
#[derive(Clone, Debug)]
pub struct OutboxReport {
    /// (tenant, entity, state, count).
    pub counts: Vec<(String, String, String, i64)>,
    /// Age in seconds of the oldest pending change, per tenant.
    pub oldest_pending: Vec<(String, f64)>,
    /// Dead-lettered batches.
    pub dead: Vec<DeadLetter>,
    /// Rejected changes (the most recent first, at most [`REPORT_REJECTED`]).
    pub rejected: Vec<RejectedRow>,
}

/// A dead-lettered batch: (tenant, batch id, entity, items, error, warnings).
pub type DeadLetter = (String, Uuid, String, i32, Option<String>, Option<serde_json::Value>);

/// How many rejected changes the `outbox` report lists.
pub const REPORT_REJECTED: i64 = 200;

/// The rows of a batch with their current content: one per record (its latest change).
fn batch_rows_sql(table: &str, row_json: &str) -> String {
    format!(
        "SELECT DISTINCT ON (o.internal_id) o.id, o.internal_id, o.op = 'delete' AS deleted, {row_json} AS row
         FROM outbox o JOIN {table} t ON t.tenant_id = o.tenant_id AND t.internal_id = o.internal_id
         WHERE o.batch_id = $1 ORDER BY o.internal_id, o.id DESC"
    )
}

fn claimed(rows: Vec<sqlx::postgres::PgRow>) -> Result<Vec<Claimed>, sqlx::Error> {
    let mut claimed = Vec::with_capacity(rows.len());
    for r in rows {
        claimed.push(Claimed {
            id: r.try_get("id")?,
            internal_id: r.try_get("internal_id")?,
            row: r.try_get("row")?,
            deleted: r.try_get("deleted")?,
        });
    }
    claimed.sort_by_key(|c| c.id);
    Ok(claimed)
}

impl Store {
    /// Claims up to `limit` pending changes of `entity` for `tenant_id` into a new batch
    /// (state `open`, written before anything is sent), skipping rows other pushers hold.
    /// Returns the batch id and the claimed rows with their current content; several changes
    /// of one record become one item (its latest content). One statement: the rows are read
    /// once, here, and the batch row (with its item count) is written in the same statement.
    pub async fn claim_batch(
        &self,
        tenant_id: &str,
        entity: &str,
        limit: i64,
        description: impl Fn(Uuid) -> String,
    ) -> Result<Option<(Uuid, Vec<Claimed>)>, sqlx::Error> {
        let Some((_, table)) = PUSHED.iter().find(|(e, _)| *e == entity) else { return Ok(None) };
        let batch = Uuid::new_v4();
        let row_json = row_json(&self.pool, table).await?;
        // `table` is one of the constants above, never text from outside.
        let sql = format!(
            "WITH claimed AS (
                UPDATE outbox SET state = 'in_flight', batch_id = $4 WHERE id IN (
                    SELECT id FROM outbox WHERE tenant_id = $1 AND entity = $2 AND state = 'pending'
                    ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
                RETURNING id, internal_id, op),
             latest AS (
                SELECT DISTINCT ON (c.internal_id) c.id, c.internal_id, c.op = 'delete' AS deleted, {row_json} AS row
                FROM claimed c JOIN {table} t ON t.tenant_id = $1 AND t.internal_id = c.internal_id
                ORDER BY c.internal_id, c.id DESC),
             written AS (
                INSERT INTO push_batches (batch_id, tenant_id, entity, state, items, description)
                SELECT $4, $1, $2, 'open', (SELECT count(*) FROM latest)::int, $5
                WHERE EXISTS (SELECT 1 FROM claimed)
                RETURNING batch_id)
             SELECT l.id, l.internal_id, l.deleted, l.row FROM latest l, written"
        );
        let rows = sqlx::query(&sql)
            .bind(tenant_id)
            .bind(entity)
            .bind(limit)
            .bind(batch)
            .bind(description(batch))
            .fetch_all(&self.pool)
            .await?;
        if rows.is_empty() {
            // Either nothing was pending, or every claimed change names a record the table no
            // longer has (the batch row then exists, with no items).
            let written: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM push_batches WHERE batch_id = $1)")
                .bind(batch)
                .fetch_one(&self.pool)
                .await?;
            return Ok(written.then(|| (batch, Vec::new())));
        }
        Ok(Some((batch, claimed(rows)?)))
    }

    /// The rows of a batch claimed earlier (to resume it after a restart).
    pub async fn batch_rows(&self, batch: Uuid, entity: &str) -> Result<Vec<Claimed>, sqlx::Error> {
        let Some((_, table)) = PUSHED.iter().find(|(e, _)| *e == entity) else { return Ok(Vec::new()) };
        let row_json = row_json(&self.pool, table).await?;
        let rows = sqlx::query(&batch_rows_sql(table, &row_json)).bind(batch).fetch_all(&self.pool).await?;
        claimed(rows)
    }

    /// Batches of a tenant left open, created or started (by a pusher that stopped).
    pub async fn unfinished_batches(&self, tenant_id: &str) -> Result<Vec<BatchRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT batch_id, entity, state, run_id, run_attempts, description FROM push_batches
             WHERE tenant_id = $1 AND state IN ('open', 'created', 'started') ORDER BY created_at",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(BatchRow {
                    batch_id: r.try_get("batch_id")?,
                    entity: r.try_get("entity")?,
                    state: r.try_get("state")?,
                    run_id: r.try_get("run_id")?,
                    run_attempts: r.try_get("run_attempts")?,
                    description: r.try_get("description")?,
                })
            })
            .collect()
    }

    /// Records a batch's LeanIX run and state.
    pub async fn set_batch_state(&self, batch: Uuid, state: &str, run_id: Option<&str>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE push_batches SET state = $2, run_id = coalesce($3, run_id), updated_at = now() WHERE batch_id = $1",
        )
        .bind(batch)
        .bind(state)
        .bind(run_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Counts one more run attempt of a batch (after a FAILED run); forgets its run id.
    pub async fn retry_batch(&self, batch: Uuid, warnings: &serde_json::Value) -> Result<i32, sqlx::Error> {
        sqlx::query_scalar(
            "UPDATE push_batches SET state = 'open', run_id = NULL, run_attempts = run_attempts + 1, warnings = $2,
                updated_at = now() WHERE batch_id = $1 RETURNING run_attempts",
        )
        .bind(batch)
        .bind(warnings)
        .fetch_one(&self.pool)
        .await
    }

    /// Marks a batch finished and all its changes delivered, in one transaction.
    pub async fn finish_batch(&self, batch: Uuid) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE outbox SET state = 'delivered', delivered_at = now() WHERE batch_id = $1")
            .bind(batch)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE push_batches SET state = 'finished', updated_at = now() WHERE batch_id = $1")
            .bind(batch)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Settles a batch whose run FINISHED, in one transaction: the items LeanIX warned about
    /// become `rejected` with its message and the `version` (connectorVersion) they were sent
    /// under; the rest is `delivered`, and so are older rejected changes of the records
    /// delivered now (their newer content landed). The warnings are kept on the batch.
    /// Returns how many changes were delivered.
    pub async fn settle_batch(
        &self,
        batch: Uuid,
        rejected: &[Rejected],
        version: &str,
        warnings: &serde_json::Value,
    ) -> Result<u64, sqlx::Error> {
        let ids: Vec<&str> = rejected.iter().map(|r| r.internal_id.as_str()).collect();
        let messages: Vec<&str> = rejected.iter().map(|r| r.message.as_str()).collect();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE outbox SET state = 'rejected', rejection = r.message, rejected_version = $4
             FROM UNNEST($2::text[], $3::text[]) AS r(internal_id, message)
             WHERE outbox.batch_id = $1 AND outbox.internal_id = r.internal_id",
        )
        .bind(batch)
        .bind(&ids)
        .bind(&messages)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        let delivered = sqlx::query(
            "UPDATE outbox SET state = 'delivered', delivered_at = now() WHERE batch_id = $1 AND state = 'in_flight'",
        )
        .bind(batch)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE outbox o SET state = 'delivered', delivered_at = now()
             FROM outbox d
             WHERE d.batch_id = $1 AND d.state = 'delivered' AND o.state = 'rejected'
               AND o.tenant_id = d.tenant_id AND o.entity = d.entity AND o.internal_id = d.internal_id AND o.id < d.id",
        )
        .bind(batch)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE push_batches SET state = 'finished', warnings = $2, updated_at = now() WHERE batch_id = $1",
        )
        .bind(batch)
        .bind(warnings)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(delivered)
    }

    /// Queues again the rejected changes of a tenant that were sent under another
    /// connectorVersion than `version`, or all of them when `all` (the configuration was
    /// installed or changed in the workspace since). Returns how many.
    pub async fn requeue_rejected(&self, tenant_id: &str, version: &str, all: bool) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query(
            "UPDATE outbox SET state = 'pending', batch_id = NULL
             WHERE tenant_id = $1 AND state = 'rejected' AND ($3 OR rejected_version IS DISTINCT FROM $2)",
        )
        .bind(tenant_id)
        .bind(version)
        .bind(all)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Dead-letters a batch with the error (and warnings) kept.
    pub async fn dead_letter_batch(
        &self,
        batch: Uuid,
        error: &str,
        warnings: Option<&serde_json::Value>,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE outbox SET state = 'dead' WHERE batch_id = $1").bind(batch).execute(&mut *tx).await?;
        sqlx::query(
            "UPDATE push_batches SET state = 'dead', error = $2, warnings = coalesce($3, warnings), updated_at = now()
             WHERE batch_id = $1",
        )
        .bind(batch)
        .bind(error)
        .bind(warnings)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// The outbox report: counts by state and entity, oldest pending age, dead letters.
    pub async fn outbox_report(&self, tenant_id: Option<&str>) -> Result<OutboxReport, sqlx::Error> {
        let counts = sqlx::query_as(
            "SELECT tenant_id, entity, state, count(*) FROM outbox WHERE $1::text IS NULL OR tenant_id = $1
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        let oldest_pending = sqlx::query_as(
            "SELECT tenant_id, extract(epoch FROM now() - min(queued_at))::float8 FROM outbox
             WHERE state IN ('pending', 'in_flight') AND ($1::text IS NULL OR tenant_id = $1) GROUP BY 1 ORDER BY 1",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        let dead = sqlx::query_as(
            "SELECT tenant_id, batch_id, entity, items, error, warnings FROM push_batches
             WHERE state = 'dead' AND ($1::text IS NULL OR tenant_id = $1) ORDER BY updated_at",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        let rejected = sqlx::query(
            "SELECT tenant_id, entity, internal_id, rejected_version, rejection FROM outbox
             WHERE state = 'rejected' AND ($1::text IS NULL OR tenant_id = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant_id)
        .bind(REPORT_REJECTED)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(RejectedRow {
                tenant_id: r.try_get("tenant_id")?,
                entity: r.try_get("entity")?,
                internal_id: r.try_get("internal_id")?,
                version: r.try_get("rejected_version")?,
                message: r.try_get("rejection")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(OutboxReport { counts, oldest_pending, dead, rejected })
    }
}

/// A push batch row.
#[derive(Clone, Debug)]
pub struct BatchRow {
    /// Batch id (in the run's description).
    pub batch_id: Uuid,
    /// Entity of its items.
    pub entity: String,
    /// open | created | started.
    pub state: String,
    /// LeanIX synchronization run id, once known.
    pub run_id: Option<String>,
    /// Runs tried after FAILED ones.
    pub run_attempts: i32,
    /// The LDIF description carrying the batch id.
    pub description: String,
}
