//! One push pass of a tenant: make sure LeanIX has the daemon's processor configuration,
//! queue again what LeanIX rejected under another connectorVersion, finish the batches a
//! previous pass left open, then claim the pending changes entity by entity (departments,
//! employees, services, invoices, costs) into bounded batches and deliver each as one
//! synchronization run.
//!
//! A batch's life: `open` (written, with its description, before the POST) -> `created` (the
//! run id is known) -> `started` -> `finished` (its run FINISHED: every warning naming an
//! item makes that item `rejected` with the message, the rest is `delivered`), or `dead`
//! (400/403 on create, or FAILED runs `max_run_attempts` times; the answer and warnings are
//! kept). An `open` batch is first looked for in LeanIX's run list by its description, so a
//! run created by a POST whose answer was lost is adopted, not created again.
//!
//! Rejected items are queued again when the connectorVersion differs from the one they were
//! rejected under, or when this pass installed or changed the configuration.
//!
//! Every LeanIX call follows one retry policy, and the pass has a deadline: when the
//! attempts are used up or the deadline comes, the pass stops and the batch in hand stays
//! pending (open) for the next pass.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use uuid::Uuid;

use super::client::{LeanixClient, LeanixError};
use super::configuration::{self, ConfigurationError, Setup};
use super::ldif;
use crate::config::{PushSettings, PushTarget};
use crate::store::outbox::{BatchRow, Claimed, Rejected, PUSHED};
use crate::store::Store;

/// What a push pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushSummary {
    /// What became of the processor configuration (`None` when the pass stopped before).
    pub configuration: Option<Setup>,
    /// Batches settled (their run FINISHED).
    pub batches: u64,
    /// Items delivered.
    pub items: u64,
    /// Items LeanIX warned about (kept `rejected` with its message).
    pub rejected: u64,
    /// Rejected items queued again because the connectorVersion changed.
    pub requeued: u64,
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
    /// LeanIX failed after the retries that apply, or the pass's deadline came.
    #[error(transparent)]
    Leanix(#[from] LeanixError),
    /// The processor configuration could not be set up.
    #[error(transparent)]
    Configuration(#[from] ConfigurationError),
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

/// Clears the client's deadline when the pass ends, however it ends.
struct DeadlineGuard<'a>(&'a LeanixClient);

impl Drop for DeadlineGuard<'_> {
    fn drop(&mut self) {
        self.0.set_deadline(None);
    }
}

/// Installs or updates the daemon's processor configuration for `target` and does nothing
/// else (`push --setup`).
pub async fn setup_configuration(
    client: &LeanixClient,
    settings: &PushSettings,
    target: &PushTarget,
) -> Result<Setup, PushError> {
    client.set_deadline(Some(tokio::time::Instant::now() + settings.pass_deadline));
    let _guard = DeadlineGuard(client);
    Ok(configuration::ensure(client, settings, target).await?)
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
    client.set_deadline(Some(tokio::time::Instant::now() + settings.pass_deadline));
    let _guard = DeadlineGuard(client);
    let result = pass(store, client, settings, target, tenant_id, account, cancel, &mut summary).await;
    match &result {
        Ok(()) => info!(
            configuration = ?summary.configuration,
            batches = summary.batches,
            items = summary.items,
            rejected = summary.rejected,
            requeued = summary.requeued,
            runs_created = summary.runs_created,
            runs_adopted = summary.runs_adopted,
            dead = summary.dead,
            "push pass finished"
        ),
        Err(PushError::Leanix(LeanixError::Deadline(why))) => warn!(
            deadline_s = settings.pass_deadline.as_secs(),
            why = %why,
            items = summary.items,
            "push pass deadline reached: the batch in hand stays pending for the next pass"
        ),
        Err(e) => {
            warn!(error = %e, items = summary.items, "push pass stopped: the batch in hand stays pending for the next pass")
        }
    }
    result.map(|()| summary)
}

#[allow(clippy::too_many_arguments)]
async fn pass(
    store: &Store,
    client: &LeanixClient,
    settings: &PushSettings,
    target: &PushTarget,
    tenant_id: &str,
    account: &str,
    cancel: &CancellationToken,
    summary: &mut PushSummary,
) -> Result<(), PushError> {
    let setup = configuration::ensure(client, settings, target).await?;
    summary.configuration = Some(setup);
    // A configuration installed or changed now may take what the old one (or none) rejected.
    let changed = matches!(setup, Setup::Installed | Setup::Updated);
    summary.requeued = store.requeue_rejected(tenant_id, &settings.connector_version, changed).await?;
    if summary.requeued > 0 {
        info!(requeued = summary.requeued, version = %settings.connector_version, "items LeanIX rejected under another connectorVersion are queued again");
    }
    for b in store.unfinished_batches(tenant_id).await? {
        info!(batch = %b.batch_id, state = %b.state, "resuming a batch left unfinished");
        deliver(store, client, settings, target, tenant_id, account, b, cancel, summary).await?;
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
            deliver(store, client, settings, target, tenant_id, account, row, cancel, summary).await?;
        }
    }
    Ok(())
}

/// The items a finished run's warnings name, each with LeanIX's messages joined; warnings
/// that name no item of the batch are returned apart (they reject nothing).
pub fn rejected_items(
    settings: &PushSettings,
    account: &str,
    entity: &str,
    items: &[Claimed],
    warnings: &[Value],
) -> (Vec<Rejected>, Vec<Value>) {
    let by_external: HashMap<String, &str> =
        items.iter().map(|i| (ldif::external_id(settings, account, entity, i), i.internal_id.as_str())).collect();
    let mut messages: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut unmatched = Vec::new();
    for w in warnings {
        let item = w.get("content").and_then(Value::as_str).and_then(|c| by_external.get(c).copied());
        let Some(internal_id) = item else {
            unmatched.push(w.clone());
            continue;
        };
        let text = |k: &str| w.get(k).and_then(Value::as_str).unwrap_or_default();
        let processor = w.get("processor").and_then(|p| p.get("name")).and_then(Value::as_str);
        let mut m =
            format!("{}: {}", if text("status").is_empty() { "WARNING" } else { text("status") }, text("message"));
        if let Some(p) = processor {
            m.push_str(&format!(" (processor {p})"));
        }
        if !text("detail").is_empty() {
            m.push_str(&format!(" {}", text("detail")));
        }
        messages.entry(internal_id).or_default().push(m);
    }
    let rejected =
        messages.into_iter().map(|(id, m)| Rejected { internal_id: id.to_string(), message: m.join("; ") }).collect();
    (rejected, unmatched)
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
    let mut create_attempts = 1;
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
                    // The answer may be lost after the run was created: wait by the policy,
                    // then look before sending again (as an open batch).
                    warn!(batch = %id, attempt = create_attempts, error = %e.label(), "creating the run failed; looking it up before sending again");
                    store.set_batch_state(id, "open", None).await?;
                    client.pause("create run", create_attempts, e).await?;
                    create_attempts += 1;
                    state = "open".into();
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
                // Read to the end: what LeanIX warned about did not land.
                let warnings = client.warnings(&run).await?;
                let items = store.batch_rows(id, &batch.entity).await?;
                let (rejected, unmatched) = rejected_items(settings, account, &batch.entity, &items, &warnings);
                if !unmatched.is_empty() {
                    warn!(batch = %id, run = %run, warnings = unmatched.len(), "the run has warnings that name no item of the batch (kept on the batch)");
                }
                let delivered =
                    store.settle_batch(id, &rejected, &settings.connector_version, &Value::Array(warnings)).await?;
                if !rejected.is_empty() {
                    warn!(batch = %id, run = %run, rejected = rejected.len(), first = %rejected[0].message, "LeanIX did not take some items: kept as rejected with its message");
                }
                summary.batches += 1;
                summary.items += delivered;
                summary.rejected += rejected.len() as u64;
                metrics::counter!("leanix_items_delivered_total", "tenant" => tenant_id.to_string(), "entity" => batch.entity.clone())
                    .increment(delivered);
                metrics::counter!("leanix_items_rejected_total", "tenant" => tenant_id.to_string(), "entity" => batch.entity.clone())
                    .increment(rejected.len() as u64);
                return Ok(());
            }
            status => {
                let warnings = Value::Array(client.warnings(&run).await?);
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
        client.check_deadline()?;
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => return Err(PushError::Cancelled),
        }
        wait = (wait * 3 / 2).min(Duration::from_millis(settings.poll_max_ms));
    }
}
