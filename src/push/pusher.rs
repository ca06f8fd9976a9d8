//! One push pass of a tenant: finish the batches a previous pass left open, then claim the
//! pending changes entity by entity (departments, employees, services, invoices, costs) into
//! bounded batches and deliver each as one synchronization run.
//!
//! A batch's life: `open` (written, with its description, before the POST) -> `created` (the
//! run id is known) -> `started` -> `finished` (its changes are `delivered`), or `dead` (400/403
//! on create, or FAILED runs `max_run_attempts` times; the answer and warnings are kept). An
//! `open` batch is first looked for in LeanIX's run list by its description, so a run created
//! by a POST whose answer was lost is adopted, not created again.

use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use uuid::Uuid;

use super::client::{LeanixClient, LeanixError};
use super::ldif;
use crate::config::{PushSettings, PushTarget};
use crate::store::outbox::{BatchRow, PUSHED};
use crate::store::Store;

/// What a push pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushSummary {
    /// Batches delivered (their run FINISHED).
    pub batches: u64,
    /// Items delivered.
    pub items: u64,
    /// Synchronization runs created.
    pub runs_created: u64,
    /// Runs found again by description instead of being created twice.
    pub runs_adopted: u64,
    /// Batches dead-lettered.
    pub dead: u64,
}

/// Why a pass stopped early (the open batch is resumed next time).
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// LeanIX failed after the retries that apply.
    #[error(transparent)]
    Leanix(#[from] LeanixError),
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] sqlx::Error),
    /// A run did not end within the poll timeout.
    #[error("run {0} did not end within the poll timeout")]
    PollTimeout(String),
    /// Shutdown was requested.
    #[error("cancelled")]
    Cancelled,
}

/// The description carrying a batch id.
pub fn description(tenant: &str, entity: &str, batch: Uuid) -> String {
    format!("netsuite-discovery tenant {tenant} {entity} batch {batch}")
}

/// Runs one push pass for `tenant_id` (NetSuite account `account`).
#[tracing::instrument(skip_all, fields(tenant = %tenant_id))]
pub async fn push_tenant(
    store: &Store,
    client: &LeanixClient,
    settings: &PushSettings,
    target: &PushTarget,
    tenant_id: &str,
    account: &str,
    cancel: &CancellationToken,
) -> Result<PushSummary, PushError> {
    let mut summary = PushSummary::default();
    for b in store.unfinished_batches(tenant_id).await? {
        info!(batch = %b.batch_id, state = %b.state, "resuming a batch left unfinished");
        deliver(store, client, settings, target, tenant_id, account, b, cancel, &mut summary).await?;
    }
    for (entity, _) in PUSHED {
        loop {
            if cancel.is_cancelled() {
                return Err(PushError::Cancelled);
            }
            let claimed = store
                .claim_batch(tenant_id, entity, i64::from(target.batch_size), |b| description(tenant_id, entity, b))
                .await?;
            let Some((batch, _)) = claimed else { break };
            let row = BatchRow {
                batch_id: batch,
                entity: entity.to_string(),
                state: "new".into(),
                run_id: None,
                run_attempts: 0,
                description: description(tenant_id, entity, batch),
            };
            deliver(store, client, settings, target, tenant_id, account, row, cancel, &mut summary).await?;
        }
    }
    info!(
        batches = summary.batches,
        items = summary.items,
        runs_created = summary.runs_created,
        runs_adopted = summary.runs_adopted,
        dead = summary.dead,
        "push pass finished"
    );
    Ok(summary)
}

/// Finds a live run by its description (the batch id); failed and stopped runs of the batch
/// are history, not candidates.
async fn find_run(client: &LeanixClient, description: &str) -> Result<Option<String>, LeanixError> {
    let runs = client.list_runs().await?;
    Ok(runs
        .into_iter()
        .find(|r| {
            r.description.as_deref() == Some(description) && !matches!(r.status.as_deref(), Some("FAILED" | "STOPPED"))
        })
        .map(|r| r.id))
}

#[allow(clippy::too_many_arguments)]
async fn deliver(
    store: &Store,
    client: &LeanixClient,
    settings: &PushSettings,
    target: &PushTarget,
    tenant_id: &str,
    account: &str,
    batch: BatchRow,
    cancel: &CancellationToken,
    summary: &mut PushSummary,
) -> Result<(), PushError> {
    let id = batch.batch_id;
    let mut state = batch.state.clone();
    let mut run_id = batch.run_id.clone();
    loop {
        if cancel.is_cancelled() {
            return Err(PushError::Cancelled);
        }
        if run_id.is_none() {
            // An open batch from an earlier pass may already have its run: look first.
            if state == "open" {
                if let Some(found) = find_run(client, &batch.description).await? {
                    info!(batch = %id, run = %found, "run found again by its description: adopted");
                    summary.runs_adopted += 1;
                    store.set_batch_state(id, "created", Some(&found)).await?;
                    run_id = Some(found);
                    state = "created".into();
                    continue;
                }
            }
            let items = store.batch_rows(id, &batch.entity).await?;
            let doc = ldif::document(settings, target, account, &batch.entity, &batch.description, &items);
            match client.create_run(&doc).await {
                Ok(run) => {
                    summary.runs_created += 1;
                    store.set_batch_state(id, "created", Some(&run.id)).await?;
                    run_id = Some(run.id);
                    state = "created".into();
                }
                Err(LeanixError::Http { status: status @ (400 | 403), body, .. }) => {
                    warn!(batch = %id, status, "LeanIX refused the batch: dead-lettered");
                    store.dead_letter_batch(id, &format!("HTTP {status}: {body}"), None).await?;
                    summary.dead += 1;
                    return Ok(());
                }
                Err(e) if e.is_transient() => {
                    // The answer may be lost after the run was created: look before sending again.
                    warn!(batch = %id, error = %e.label(), "creating the run failed; looking it up before sending again");
                    state = "open".into();
                    tokio::time::sleep(Duration::from_millis(settings.poll_base_ms)).await;
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let Some(run) = run_id.clone() else { continue };
        if state != "started" {
            client.start_run(&run).await?;
            store.set_batch_state(id, "started", None).await?;
        }
        match poll(client, settings, &run, cancel).await? {
            status if status == "FINISHED" => {
                store.finish_batch(id).await?;
                let n = store.batch_rows(id, &batch.entity).await?.len() as u64;
                summary.batches += 1;
                summary.items += n;
                metrics::counter!("leanix_items_delivered_total", "tenant" => tenant_id.to_string(), "entity" => batch.entity.clone())
                    .increment(n);
                return Ok(());
            }
            status => {
                let warnings = Value::Array(client.warnings(&run).await.unwrap_or_default());
                let attempts = store.retry_batch(id, &warnings).await?;
                if attempts >= settings.max_run_attempts as i32 {
                    warn!(batch = %id, run = %run, status = %status, attempts, "run ended {status} too often: batch dead-lettered with its warnings");
                    store
                        .dead_letter_batch(id, &format!("run {run} ended {status} {attempts} times"), Some(&warnings))
                        .await?;
                    summary.dead += 1;
                    return Ok(());
                }
                warn!(batch = %id, run = %run, status = %status, attempts, "run ended {status}: trying a new run");
                run_id = None;
                // The failed run keeps our description: do not adopt it again.
                state = "retry".into();
            }
        }
    }
}

/// Polls a run's status with growing waits until it is terminal.
async fn poll(
    client: &LeanixClient,
    settings: &PushSettings,
    run: &str,
    cancel: &CancellationToken,
) -> Result<String, PushError> {
    let started = tokio::time::Instant::now();
    let mut wait = Duration::from_millis(settings.poll_base_ms);
    loop {
        let status = client.status(run).await?;
        if matches!(status.as_str(), "FINISHED" | "FAILED" | "STOPPED") {
            return Ok(status);
        }
        if started.elapsed() > settings.poll_timeout {
            return Err(PushError::PollTimeout(run.to_string()));
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => return Err(PushError::Cancelled),
        }
        wait = (wait * 3 / 2).min(Duration::from_millis(settings.poll_max_ms));
    }
}
