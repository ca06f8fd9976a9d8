//! One sync pass of a tenant: a run row, each enabled entity pulled in turn, the outcome of
//! each recorded, one summary log line.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn, Instrument};
use uuid::Uuid;

use super::entity::{
    enabled_entities, CardSpend, Costs, Departments, Employees, Entity, ExpenseCategories, Invoices, Vendors,
};
use super::keyset::pull_entity_ql;
use super::pull::{pull_entity, PullContext, RestartPolicy, SyncError};
use crate::config::{SyncSettings, Tenant, Transport};
use crate::governance::{Governor, RetryPolicy};
use crate::netsuite::error::ErrorClass;
use crate::netsuite::{Client, RestClient};
use crate::store::{EntityOutcome, RunStatus, Standing, Store};

/// What one sync pass did.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// The run's id (row in `sync_runs`).
    pub run_id: Uuid,
    /// Overall status.
    pub status: RunStatus,
    /// One outcome per entity attempted.
    pub outcomes: Vec<EntityOutcome>,
    /// NetSuite requests sent, SOAP and REST (retries included).
    pub requests: u64,
    /// Requests that ended in an error (retried or not).
    pub request_errors: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// NetSuite refused the credentials.
    pub auth_failed: bool,
}

/// The retry policy the settings describe.
pub fn retry_policy(s: &SyncSettings) -> RetryPolicy {
    RetryPolicy {
        max_attempts: s.max_attempts,
        base: Duration::from_millis(s.retry_base_ms),
        max_delay: Duration::from_millis(s.retry_max_ms),
    }
}

/// How a sync pass is controlled from outside.
#[derive(Clone, Debug)]
pub struct SyncControl {
    /// The account's governor (shared by every task on that account).
    pub governor: Governor,
    /// Soft stop: no new page is started; pages in flight are committed.
    pub stop: CancellationToken,
    /// Hard stop: requests in flight are abandoned.
    pub cancel: CancellationToken,
    /// The daemon replica running it, recorded with the run.
    pub replica: Option<String>,
}

impl SyncControl {
    /// A fresh governor for `tenant`'s account per the settings, and one token for both stops.
    pub fn standalone(tenant: &Tenant, settings: &SyncSettings, cancel: CancellationToken) -> Self {
        Self {
            governor: Governor::new(
                tenant.credentials.account.as_str(),
                settings.max_in_flight_per_account,
                retry_policy(settings),
            ),
            stop: cancel.clone(),
            cancel,
            replica: None,
        }
    }
}

/// Runs one sync pass of `tenant` with its own governor; `cancel` stops it at once.
pub async fn sync_tenant(
    store: &Store,
    tenant: &Tenant,
    settings: &SyncSettings,
    cancel: CancellationToken,
    trigger: &str,
) -> anyhow::Result<RunSummary> {
    let control = SyncControl::standalone(tenant, settings, cancel);
    sync_tenant_with(store, tenant, settings, control, trigger).await
}

/// Runs one sync pass of `tenant`: onboarding for entities not yet onboarded, a delta for
/// the others, resuming any interrupted pull. Errors of one entity are recorded and the
/// others go on; an authentication failure or shutdown ends the pass.
pub async fn sync_tenant_with(
    store: &Store,
    tenant: &Tenant,
    settings: &SyncSettings,
    control: SyncControl,
    trigger: &str,
) -> anyhow::Result<RunSummary> {
    let client = Client::new(tenant.credentials.clone(), tenant.client_config(settings))?;
    let rest = match tenant.transport {
        Transport::Suiteql => Some(RestClient::new(tenant.credentials.clone(), tenant.rest_config(settings))?),
        Transport::Soap => None,
    };
    let run_id = Uuid::new_v4();
    let span = tracing::info_span!("sync", tenant = %tenant.id, run_id = %run_id, trigger, transport = tenant.transport.as_str());
    async move {
        let started = Instant::now();
        store
            .start_run(run_id, &tenant.id, tenant.credentials.account.as_str(), trigger, control.replica.as_deref())
            .await?;
        let ctx = PullContext {
            store: store.clone(),
            client: client.clone(),
            rest: rest.clone(),
            tenant_id: tenant.id.clone(),
            page_concurrency: control.governor.limiter().ceiling(),
            governor: control.governor,
            overlap: chrono::Duration::seconds(settings.overlap_seconds as i64),
            stop: control.stop,
            cancel: control.cancel,
            progress_every: 10,
            restarts: RestartPolicy {
                max: settings.max_search_restarts,
                base: Duration::from_millis(settings.restart_base_ms),
            },
            full_every: chrono::Duration::from_std(tenant.schedule.full_every).ok(),
            run_id: Some(run_id),
        };
        let mut outcomes = Vec::new();
        let mut fatal: Option<String> = None;
        let mut auth_failed = false;
        // The entity last pulled, whose outcome is recorded while the next one is pulled (or
        // with the run's end, in its transaction).
        let mut unrecorded: Option<usize> = None;
        for entity in enabled_entities(tenant) {
            let pull = async {
                Some(match (tenant.transport, entity) {
                    (Transport::Soap, Entity::Vendors) => pull_entity::<Vendors>(&ctx).await,
                    (Transport::Soap, Entity::Invoices) => pull_entity::<Invoices>(&ctx).await,
                    (Transport::Soap, Entity::ExpenseCategories) => pull_entity::<ExpenseCategories>(&ctx).await,
                    (Transport::Soap, Entity::Costs) => pull_entity::<Costs>(&ctx).await,
                    (Transport::Soap, Entity::Departments) => pull_entity::<Departments>(&ctx).await,
                    (Transport::Soap, Entity::Employees) => pull_entity::<Employees>(&ctx).await,
                    // Never enabled over SOAP (`Entity::available_over`).
                    (Transport::Soap, Entity::CardSpend) => return None,
                    (Transport::Suiteql, Entity::Vendors) => pull_entity_ql::<Vendors>(&ctx).await,
                    (Transport::Suiteql, Entity::Invoices) => pull_entity_ql::<Invoices>(&ctx).await,
                    (Transport::Suiteql, Entity::ExpenseCategories) => {
                        pull_entity_ql::<ExpenseCategories>(&ctx).await
                    }
                    (Transport::Suiteql, Entity::Costs) => pull_entity_ql::<Costs>(&ctx).await,
                    (Transport::Suiteql, Entity::CardSpend) => pull_entity_ql::<CardSpend>(&ctx).await,
                    (Transport::Suiteql, Entity::Departments) => pull_entity_ql::<Departments>(&ctx).await,
                    (Transport::Suiteql, Entity::Employees) => pull_entity_ql::<Employees>(&ctx).await,
                })
            };
            let record = async {
                match unrecorded.take().and_then(|i| outcomes.get(i)) {
                    Some(o) => store.record_entity(run_id, &tenant.id, o, standing_of(o)).await,
                    None => Ok(()),
                }
            };
            let (recorded, pulled) = tokio::join!(record, pull);
            recorded?;
            let Some((outcome, result)) = pulled else { continue };
            let stop = match &result {
                Ok(()) => false,
                Err(SyncError::Wire(e)) if e.class() == ErrorClass::Permission => false,
                Err(SyncError::Wire(e)) if e.class() == ErrorClass::Auth => {
                    error!(entity = %outcome.entity, error_code = %e.label(), error = %e, "credentials refused by NetSuite");
                    fatal = Some(e.to_string());
                    auth_failed = true;
                    true
                }
                Err(SyncError::Cancelled) => true,
                Err(e) => {
                    error!(entity = %outcome.entity, error = %e, "entity failed");
                    fatal.get_or_insert_with(|| e.to_string());
                    false
                }
            };
            if let Standing::Degraded { code, message } = standing_of(&outcome) {
                warn!(entity = %outcome.entity, error_code = code, message, "entity degraded: going on with what is readable");
            }
            metrics::counter!("records_upserted_total", "tenant" => tenant.id.clone(), "entity" => outcome.entity.clone())
                .increment(outcome.inserted + outcome.updated);
            outcomes.push(outcome);
            unrecorded = Some(outcomes.len() - 1);
            if stop {
                break;
            }
        }

        let status = overall(&outcomes);
        let rest_stat = |f: fn(&crate::netsuite::client::ClientStats) -> u64| rest.as_ref().map_or(0, |r| f(r.stats()));
        let requests =
            client.stats().requests.load(Ordering::Relaxed) + rest_stat(|s| s.requests.load(Ordering::Relaxed));
        let request_errors =
            client.stats().errors.load(Ordering::Relaxed) + rest_stat(|s| s.errors.load(Ordering::Relaxed));
        let last = unrecorded.and_then(|i| outcomes.get(i)).map(|o| (tenant.id.as_str(), o, standing_of(o)));
        store.finish_run(run_id, status, requests, &outcomes, fatal.as_deref(), last).await?;
        let summary =
            RunSummary { run_id, status, outcomes, requests, request_errors, elapsed: started.elapsed(), auth_failed };
        metrics::histogram!("sync_duration_seconds", "tenant" => tenant.id.clone()).record(summary.elapsed.as_secs_f64());
        metrics::counter!("sync_runs_total", "tenant" => tenant.id.clone(), "status" => status.as_str()).increment(1);
        if matches!(status, RunStatus::Succeeded | RunStatus::Degraded) {
            metrics::gauge!("last_successful_sync_timestamp_seconds", "tenant" => tenant.id.clone())
                .set(chrono::Utc::now().timestamp() as f64);
        }
        info!(
            status = status.as_str(),
            requests,
            request_errors,
            records = summary.outcomes.iter().map(|o| o.records).sum::<u64>(),
            inserted = summary.outcomes.iter().map(|o| o.inserted).sum::<u64>(),
            updated = summary.outcomes.iter().map(|o| o.updated).sum::<u64>(),
            deleted = summary.outcomes.iter().map(|o| o.deleted).sum::<u64>(),
            rejected = summary.outcomes.iter().map(|o| o.rejected).sum::<u64>(),
            elapsed_ms = summary.elapsed.as_millis() as u64,
            peak_rss_kib = crate::sys::peak_rss_kib().unwrap_or(0),
            "sync run finished"
        );
        Ok(summary)
    }
    .instrument(span)
    .await
}

/// What an entity's outcome says of its standing (`entity_status`): degraded with its code
/// and message, ok, or (failed, cancelled) nothing new.
fn standing_of(o: &EntityOutcome) -> Standing<'_> {
    match o.status {
        RunStatus::Degraded => Standing::Degraded {
            code: o.error_code.as_deref().unwrap_or("degraded"),
            message: o.error.as_deref().unwrap_or(""),
        },
        RunStatus::Succeeded => Standing::Ok,
        _ => Standing::Unchanged,
    }
}

/// The run's status from its entities': cancelled, then failed, then degraded, else
/// succeeded.
fn overall(outcomes: &[EntityOutcome]) -> RunStatus {
    let any = |s| outcomes.iter().any(|o| o.status == s);
    if any(RunStatus::Cancelled) {
        RunStatus::Cancelled
    } else if any(RunStatus::Failed) {
        RunStatus::Failed
    } else if any(RunStatus::Degraded) {
        RunStatus::Degraded
    } else {
        RunStatus::Succeeded
    }
}
