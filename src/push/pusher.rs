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
//!
//! The pass does not wait on itself: four stages run at once, each one batch ahead of the
//! next (claim; serialize and create the run; start and poll; read the warnings and settle).
//! A batch's rows are read once, by its claim; runs are started one at a time, in batch
//! order, each only after the one before has ended.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::mpsc;
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
    /// A stage of the pass failed in a way that is a bug, not a fault of LeanIX or the
    /// database (a blocking task panicked).
    #[error("internal: {0}")]
    Internal(String),
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
    client.set_deadline(Some(tokio::time::Instant::now() + settings.pass_deadline));
    let _guard = DeadlineGuard(client);
    let ctx = Pass {
        store,
        client,
        settings,
        target,
        tenant_id,
        account,
        cancel,
        summary: Mutex::new(PushSummary::default()),
    };
    let result = ctx.run().await;
    let summary = ctx.summary();
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

/// A claimed batch with its rows, as the claim read them.
struct Claim {
    batch: BatchRow,
    rows: Vec<Claimed>,
}

/// A batch ready to be sent: its LDIF serialized once from the rows its claim read, and which
/// record each item's external id names. `batch.run_id` is set once its run is known.
struct Ready {
    batch: BatchRow,
    body: Bytes,
    items: HashMap<String, String>,
}

/// A batch whose run FINISHED, for the settler.
struct Finished {
    batch: Uuid,
    entity: String,
    run: String,
    items: HashMap<String, String>,
}

/// One pass: what every stage shares.
struct Pass<'a> {
    store: &'a Store,
    client: &'a LeanixClient,
    settings: &'a PushSettings,
    target: &'a PushTarget,
    tenant_id: &'a str,
    account: &'a str,
    cancel: &'a CancellationToken,
    summary: Mutex<PushSummary>,
}

impl Pass<'_> {
    fn summary(&self) -> PushSummary {
        self.summary.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn count(&self, f: impl FnOnce(&mut PushSummary)) {
        f(&mut self.summary.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    fn check_cancel(&self) -> Result<(), PushError> {
        if self.cancel.is_cancelled() {
            return Err(PushError::Cancelled);
        }
        Ok(())
    }

    /// Configuration, requeue, then four stages at once, each a batch ahead of the next: the
    /// claimer claims a batch (its rows read once, by the claim), the creator serializes its
    /// LDIF and creates its run (not started), the runner starts a run and polls it to its
    /// end, the settler reads the warnings of a finished run and settles its batch while the
    /// runner already has the next run going. One run is started at a time, in batch order:
    /// the next run starts only once the one before has ended.
    async fn run(&self) -> Result<(), PushError> {
        let setup = configuration::ensure(self.client, self.settings, self.target).await?;
        self.count(|s| s.configuration = Some(setup));
        // A configuration installed or changed now may take what the old one (or none) rejected.
        let changed = matches!(setup, Setup::Installed | Setup::Updated);
        let requeued = self.store.requeue_rejected(self.tenant_id, &self.settings.connector_version, changed).await?;
        self.count(|s| s.requeued = requeued);
        if requeued > 0 {
            info!(requeued, version = %self.settings.connector_version, "items LeanIX rejected under another connectorVersion are queued again");
        }
        // Each stage reserves its place in the next stage's queue (capacity 1) before it takes
        // up a batch: while run N processes, batch N+1 is serialized and its run created (not
        // started) and batch N+2 is claimed; nothing further ahead.
        let (claimed_tx, claimed_rx) = mpsc::channel::<Claim>(1);
        let (ready_tx, ready_rx) = mpsc::channel::<Ready>(1);
        let (done_tx, done_rx) = mpsc::channel::<Finished>(4);
        tokio::try_join!(
            self.claimer(claimed_tx),
            self.creator(claimed_rx, ready_tx),
            self.runner(ready_rx, done_tx),
            self.settler(done_rx)
        )?;
        Ok(())
    }

    /// Batches left unfinished by an earlier pass first (their rows read once), then the
    /// pending changes claimed entity by entity (the claim reads the rows).
    async fn claimer(&self, claimed: mpsc::Sender<Claim>) -> Result<(), PushError> {
        for b in self.store.unfinished_batches(self.tenant_id).await? {
            self.check_cancel()?;
            let Ok(slot) = claimed.reserve().await else { return Ok(()) };
            info!(batch = %b.batch_id, state = %b.state, "resuming a batch left unfinished");
            let rows = self.store.batch_rows(b.batch_id, &b.entity).await?;
            slot.send(Claim { batch: b, rows });
        }
        for (entity, _) in PUSHED {
            loop {
                self.check_cancel()?;
                let Ok(slot) = claimed.reserve().await else { return Ok(()) };
                let tenant = self.tenant_id;
                let claim = self
                    .store
                    .claim_batch(tenant, entity, i64::from(self.target.batch_size), |b| description(tenant, entity, b))
                    .await?;
                let Some((batch, rows)) = claim else { break };
                let batch = BatchRow {
                    batch_id: batch,
                    entity: entity.to_string(),
                    state: "new".into(),
                    run_id: None,
                    run_attempts: 0,
                    description: description(tenant, entity, batch),
                };
                slot.send(Claim { batch, rows });
            }
        }
        Ok(())
    }

    /// Serializes each claimed batch's LDIF and creates (or adopts) its run, not started, once
    /// the runner has taken up the batch before it.
    async fn creator(&self, mut claimed: mpsc::Receiver<Claim>, ready: mpsc::Sender<Ready>) -> Result<(), PushError> {
        while let Some(claim) = claimed.recv().await {
            let Ok(slot) = ready.reserve().await else { return Ok(()) };
            let mut batch = self.serialize(claim.batch, claim.rows).await?;
            if batch.batch.run_id.is_some() || self.create(&mut batch).await? {
                slot.send(batch);
            }
        }
        Ok(())
    }

    /// The LDIF of a batch, serialized on a blocking thread (the runner and the settler go on
    /// meanwhile).
    async fn serialize(&self, batch: BatchRow, rows: Vec<Claimed>) -> Result<Ready, PushError> {
        let (settings, target, account) = (self.settings.clone(), self.target.clone(), self.account.to_string());
        let (entity, desc) = (batch.entity.clone(), batch.description.clone());
        let (body, items) =
            tokio::task::spawn_blocking(move || ldif::serialize(&settings, &target, &account, &entity, &desc, &rows))
                .await
                .map_err(|e| PushError::Internal(format!("serializing a batch: {e}")))?;
        Ok(Ready { batch, body, items })
    }

    /// Creates the batch's run (not started), or adopts the run an earlier attempt created
    /// (an `open` batch is looked up by its description first). `false` when LeanIX refused
    /// the batch (400/403): it is dead-lettered with the answer.
    async fn create(&self, ready: &mut Ready) -> Result<bool, PushError> {
        let id = ready.batch.batch_id;
        let mut attempts = 1;
        loop {
            self.check_cancel()?;
            if ready.batch.state == "open" {
                if let Some(found) = find_run(self.client, &ready.batch.description).await? {
                    info!(batch = %id, run = %found, "run found again by its description: adopted");
                    self.count(|s| s.runs_adopted += 1);
                    self.store.set_batch_state(id, "created", Some(&found)).await?;
                    ready.batch.run_id = Some(found);
                    ready.batch.state = "created".into();
                    return Ok(true);
                }
            }
            match self.client.create_run(&ready.body).await {
                Ok(run) => {
                    self.count(|s| s.runs_created += 1);
                    self.store.set_batch_state(id, "created", Some(&run.id)).await?;
                    ready.batch.run_id = Some(run.id);
                    ready.batch.state = "created".into();
                    return Ok(true);
                }
                Err(LeanixError::Http { status: status @ (400 | 403), body, .. }) => {
                    warn!(batch = %id, status, "LeanIX refused the batch: dead-lettered");
                    self.store.dead_letter_batch(id, &format!("HTTP {status}: {body}"), None).await?;
                    self.count(|s| s.dead += 1);
                    return Ok(false);
                }
                Err(e) if e.is_transient() => {
                    // The answer may be lost after the run was created: wait by the policy,
                    // then look before sending again (as an open batch).
                    warn!(batch = %id, attempt = attempts, error = %e.label(), "creating the run failed; looking it up before sending again");
                    self.store.set_batch_state(id, "open", None).await?;
                    self.client.pause("create run", attempts, e).await?;
                    attempts += 1;
                    ready.batch.state = "open".into();
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Starts each batch's run once the one before has ended, and polls it to its end; a run
    /// ending FAILED or STOPPED is tried again with a new run (same LDIF) up to
    /// `max_run_attempts`, then dead-lettered with its warnings.
    async fn runner(&self, mut ready: mpsc::Receiver<Ready>, done: mpsc::Sender<Finished>) -> Result<(), PushError> {
        while let Some(mut batch) = ready.recv().await {
            let id = batch.batch.batch_id;
            loop {
                self.check_cancel()?;
                let Some(run) = batch.batch.run_id.clone() else {
                    // Only a batch with its run reaches the runner; a new run after a failed
                    // one is created below.
                    return Err(PushError::Internal(format!("batch {id} has no run")));
                };
                let status = if batch.batch.state != "started" {
                    self.client.start_run(&run).await?;
                    // Recorded while the run is polled: a busy database does not hold up
                    // the first poll (either failing ends both).
                    let recorded = async { Ok::<_, PushError>(self.store.set_batch_state(id, "started", None).await?) };
                    let ((), status) = tokio::try_join!(recorded, poll(self.client, self.settings, &run, self.cancel))?;
                    batch.batch.state = "started".into();
                    status
                } else {
                    poll(self.client, self.settings, &run, self.cancel).await?
                };
                if status == "FINISHED" {
                    let finished = Finished { batch: id, entity: batch.batch.entity, run, items: batch.items };
                    if done.send(finished).await.is_err() {
                        // The settler stopped: its error ends the pass.
                        return Ok(());
                    }
                    break;
                }
                let warnings = Value::Array(self.client.warnings(&run).await?);
                let attempts = self.store.retry_batch(id, &warnings).await?;
                if attempts >= self.settings.max_run_attempts as i32 {
                    warn!(batch = %id, run = %run, status = %status, attempts, "run ended {status} too often: batch dead-lettered with its warnings");
                    self.store
                        .dead_letter_batch(id, &format!("run {run} ended {status} {attempts} times"), Some(&warnings))
                        .await?;
                    self.count(|s| s.dead += 1);
                    break;
                }
                warn!(batch = %id, run = %run, status = %status, attempts, "run ended {status}: trying a new run");
                batch.batch.run_id = None;
                // The failed run keeps our description: do not adopt it again.
                batch.batch.state = "retry".into();
                if !self.create(&mut batch).await? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Reads every warning of each finished run and settles its batch: the items named stay
    /// `rejected` with LeanIX's message, the rest is `delivered`.
    async fn settler(&self, mut done: mpsc::Receiver<Finished>) -> Result<(), PushError> {
        while let Some(f) = done.recv().await {
            // Read to the end: what LeanIX warned about did not land.
            let warnings = self.client.warnings(&f.run).await?;
            let (rejected, unmatched) = rejected_items(&f.items, &warnings);
            if !unmatched.is_empty() {
                warn!(batch = %f.batch, run = %f.run, warnings = unmatched.len(), "the run has warnings that name no item of the batch (kept on the batch)");
            }
            let delivered = self
                .store
                .settle_batch(f.batch, &rejected, &self.settings.connector_version, &Value::Array(warnings))
                .await?;
            if !rejected.is_empty() {
                warn!(batch = %f.batch, run = %f.run, rejected = rejected.len(), first = %rejected[0].message, "LeanIX did not take some items: kept as rejected with its message");
            }
            self.count(|s| {
                s.batches += 1;
                s.items += delivered;
                s.rejected += rejected.len() as u64;
            });
            metrics::counter!("leanix_items_delivered_total", "tenant" => self.tenant_id.to_string(), "entity" => f.entity.clone())
                .increment(delivered);
            metrics::counter!("leanix_items_rejected_total", "tenant" => self.tenant_id.to_string(), "entity" => f.entity)
                .increment(rejected.len() as u64);
        }
        Ok(())
    }
}

/// The items a finished run's warnings name (`by_external`: external id -> internal id of
/// the batch's items), each with LeanIX's messages joined; warnings that name no item of the
/// batch are returned apart (they reject nothing).
pub fn rejected_items(by_external: &HashMap<String, String>, warnings: &[Value]) -> (Vec<Rejected>, Vec<Value>) {
    let mut messages: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut unmatched = Vec::new();
    for w in warnings {
        let item = w.get("content").and_then(Value::as_str).and_then(|c| by_external.get(c));
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
        messages.entry(internal_id.as_str()).or_default().push(m);
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

/// Polls a run's status until it is terminal: at once after the start, then after
/// `poll_base_ms`, each wait half as long again as the one before, up to `poll_max_ms`.
async fn poll(
    client: &LeanixClient,
    settings: &PushSettings,
    run: &str,
    cancel: &CancellationToken,
) -> Result<String, PushError> {
    let started = tokio::time::Instant::now();
    let mut waits = poll_waits(settings);
    loop {
        let status = client.status(run).await?;
        if matches!(status.as_str(), "FINISHED" | "FAILED" | "STOPPED") {
            return Ok(status);
        }
        if started.elapsed() > settings.poll_timeout {
            return Err(PushError::PollTimeout(run.to_string()));
        }
        client.check_deadline()?;
        let wait = waits.next().unwrap_or(Duration::from_millis(settings.poll_max_ms));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = cancel.cancelled() => return Err(PushError::Cancelled),
        }
    }
}

/// The waits between status polls: `poll_base_ms` growing by half each time up to
/// `poll_max_ms` (the ceiling wins when the base is larger).
pub fn poll_waits(settings: &PushSettings) -> impl Iterator<Item = Duration> {
    let max = Duration::from_millis(settings.poll_max_ms.max(1));
    let first = Duration::from_millis(settings.poll_base_ms.max(1)).min(max);
    std::iter::successors(Some(first), move |w| Some((*w * 3 / 2).max(*w + Duration::from_millis(1)).min(max)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_waits_start_at_the_base_and_grow_by_half_to_the_ceiling() {
        let mut s = crate::config::Settings::load(None).expect("defaults").push;
        s.poll_base_ms = 20;
        s.poll_max_ms = 100;
        let waits: Vec<u64> = poll_waits(&s).take(7).map(|d| d.as_millis() as u64).collect();
        assert_eq!(waits, [20, 30, 45, 67, 100, 100, 100]);
        // A base above the ceiling waits the ceiling; a zero base still waits.
        s.poll_base_ms = 500;
        assert_eq!(poll_waits(&s).next(), Some(Duration::from_millis(100)));
        s.poll_base_ms = 0;
        assert_eq!(poll_waits(&s).take(3).map(|d| d.as_millis() as u64).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn warnings_name_items_by_external_id() {
        let items: HashMap<String, String> =
            [("ns:1:vendor:7".to_string(), "7".to_string()), ("ns:1:vendor:8".to_string(), "8".to_string())].into();
        let warnings = vec![
            serde_json::json!({"content": "ns:1:vendor:7", "message": "no name", "status": "ERROR", "processor": {"name": "p"}}),
            serde_json::json!({"content": "ns:1:vendor:7", "message": "again"}),
            serde_json::json!({"content": null, "message": "run level"}),
        ];
        let (rejected, unmatched) = rejected_items(&items, &warnings);
        assert_eq!(
            rejected,
            [Rejected { internal_id: "7".into(), message: "ERROR: no name (processor p); WARNING: again".into() }]
        );
        assert_eq!(unmatched.len(), 1);
    }
}
