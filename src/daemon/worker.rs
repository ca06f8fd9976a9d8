//! One tenant's life in the daemon: wait until its next run is due, take its lease, run a
//! sync pass while a heartbeat keeps the lease, give the lease back, and back off after
//! failures (a tenant whose credentials are refused is quarantined with a growing wait, one
//! log line per attempt). The other tenants are unaffected.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::schedule::{failure_backoff, next_due, TenantState};
use crate::config::{Settings, Tenant};
use crate::discovery::{enabled_entities, sync_tenant_with, SyncControl};
use crate::governance::Governor;
use crate::store::{RunStatus, Store};

/// What every worker of one daemon shares.
#[derive(Debug)]
pub struct Shared {
    /// The database.
    pub store: Store,
    /// The settings.
    pub settings: Settings,
    /// This replica's name in leases.
    pub holder: String,
    governors: Mutex<HashMap<String, Governor>>,
}

impl Shared {
    /// Shared state of a daemon.
    pub fn new(store: Store, settings: Settings, holder: String) -> Self {
        Self { store, settings, holder, governors: Mutex::new(HashMap::new()) }
    }

    /// The governor of a NetSuite account: one per account, shared by all its tenants.
    pub fn governor(&self, account: &str) -> Governor {
        let mut map = self.governors.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(account.to_string())
            .or_insert_with(|| {
                Governor::new(
                    account,
                    self.settings.sync.max_in_flight_per_account,
                    crate::discovery::run::retry_policy(&self.settings.sync),
                )
            })
            .clone()
    }
}

async fn tenant_state(store: &Store, tenant: &Tenant) -> Result<TenantState, sqlx::Error> {
    let last_good = store.last_good_run(&tenant.id).await?;
    let open = store.has_open_pull(&tenant.id).await?;
    let onboarded: BTreeSet<String> = store.onboarded_entities(&tenant.id).await?.into_iter().collect();
    let missing = enabled_entities(tenant).iter().any(|e| !onboarded.contains(e.name()));
    Ok(TenantState { last_good, work_pending: open || missing })
}

/// Sleeps `d` unless `stop` fires first; false when stopped.
async fn sleep_or_stop(d: Duration, stop: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = stop.cancelled() => false,
    }
}

/// Keeps the lease alive every third of its lifetime; cancels `lost` if it is lost.
fn heartbeat(shared: Arc<Shared>, tenant_id: String, lost: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let ttl = shared.settings.daemon.lease_ttl;
        let every = ttl / 3;
        let mut last_ok = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(every).await;
            match shared.store.renew_lease(&tenant_id, &shared.holder, ttl).await {
                Ok(true) => last_ok = tokio::time::Instant::now(),
                Ok(false) => {
                    error!(tenant = %tenant_id, "lease lost to another replica: stopping this tenant's run");
                    lost.cancel();
                    return;
                }
                Err(e) => {
                    warn!(tenant = %tenant_id, error = %e, "lease heartbeat failed");
                    if last_ok.elapsed() >= ttl {
                        error!(tenant = %tenant_id, "lease expired without heartbeat: stopping this tenant's run");
                        lost.cancel();
                        return;
                    }
                }
            }
        }
    })
}

/// Runs one tenant until `stop` (soft: no new page, no new run) or `cancel` (hard).
pub async fn tenant_worker(shared: Arc<Shared>, tenant: Tenant, stop: CancellationToken, cancel: CancellationToken) {
    let daemon = shared.settings.daemon.clone();
    // One LeanIX client per worker, so its access token is cached between passes.
    let leanix = match &tenant.push {
        Some(target) => match crate::push::client_for(target, &shared.settings.push) {
            Ok(c) => Some((target.clone(), c)),
            Err(e) => {
                error!(tenant = %tenant.id, error = %e, "cannot build the LeanIX client: pushing is off for this tenant");
                None
            }
        },
        None => None,
    };
    let mut failures: u32 = 0;
    let mut not_before = Utc::now();
    info!(tenant = %tenant.id, "tenant worker started");
    loop {
        if stop.is_cancelled() {
            break;
        }
        let state = match tenant_state(&shared.store, &tenant).await {
            Ok(s) => s,
            Err(e) => {
                warn!(tenant = %tenant.id, error = %e, "cannot read the tenant's state; trying again soon");
                if !sleep_or_stop(Duration::from_secs(10), &stop).await {
                    break;
                }
                continue;
            }
        };
        let now = Utc::now();
        let due = next_due(&tenant.id, state, &tenant.schedule, now).max(not_before);
        if due > now {
            // Look again at least every 30 s: another replica may have run the tenant.
            let wait = (due - now).to_std().unwrap_or_default().min(Duration::from_secs(30));
            if !sleep_or_stop(wait, &stop).await {
                break;
            }
            continue;
        }
        match shared.store.try_acquire_lease(&tenant.id, &shared.holder, daemon.lease_ttl).await {
            Ok(true) => {}
            Ok(false) => {
                // Another replica works it; look again after a while.
                if !sleep_or_stop(daemon.lease_ttl / 2, &stop).await {
                    break;
                }
                continue;
            }
            Err(e) => {
                warn!(tenant = %tenant.id, error = %e, "cannot take the tenant's lease");
                if !sleep_or_stop(Duration::from_secs(10), &stop).await {
                    break;
                }
                continue;
            }
        }
        // The lease is ours: is the run still due (another replica may have just run it)?
        let still_due = match tenant_state(&shared.store, &tenant).await {
            Ok(s) => next_due(&tenant.id, s, &tenant.schedule, Utc::now()) <= Utc::now(),
            Err(_) => false,
        };
        if !still_due {
            let _ = shared.store.release_lease(&tenant.id, &shared.holder).await;
            continue;
        }
        let lost = cancel.child_token();
        let beat = heartbeat(shared.clone(), tenant.id.clone(), lost.clone());
        let control = SyncControl {
            governor: shared.governor(tenant.credentials.account.as_str()),
            stop: stop.clone(),
            cancel: lost.clone(),
            replica: Some(shared.holder.clone()),
        };
        let trigger = if state.last_good.is_none() { "onboarding" } else { "schedule" };
        let result = sync_tenant_with(&shared.store, &tenant, &shared.settings.sync, control, trigger).await;
        // Deliver what the run queued, still under the lease.
        if let (Some((target, client)), Ok(s)) = (&leanix, &result) {
            if matches!(s.status, RunStatus::Succeeded | RunStatus::Degraded) {
                let pushed = crate::push::push_tenant(
                    &shared.store,
                    client,
                    &shared.settings.push,
                    target,
                    &tenant.id,
                    tenant.credentials.account.as_str(),
                    &lost,
                )
                .await;
                if let Err(e) = pushed {
                    warn!(tenant = %tenant.id, error = %e, "push to LeanIX stopped; the outbox keeps the rest for the next pass");
                }
            }
        }
        beat.abort();
        if let Err(e) = shared.store.release_lease(&tenant.id, &shared.holder).await {
            warn!(tenant = %tenant.id, error = %e, "cannot release the lease (it will expire)");
        }
        match result {
            Ok(s) if matches!(s.status, RunStatus::Succeeded | RunStatus::Degraded) => failures = 0,
            Ok(s) if s.status == RunStatus::Cancelled => break,
            Ok(s) => {
                failures += 1;
                let wait = failure_backoff(failures, daemon.failure_backoff, daemon.max_backoff);
                not_before = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                if s.auth_failed {
                    error!(tenant = %tenant.id, attempt = failures, retry_in_s = wait.as_secs(), "credentials refused by NetSuite: tenant quarantined");
                } else {
                    warn!(tenant = %tenant.id, attempt = failures, retry_in_s = wait.as_secs(), "sync run failed; retrying later");
                }
            }
            Err(e) => {
                failures += 1;
                let wait = failure_backoff(failures, daemon.failure_backoff, daemon.max_backoff);
                not_before = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                error!(tenant = %tenant.id, attempt = failures, retry_in_s = wait.as_secs(), error = format!("{e:#}"), "sync run could not run; retrying later");
            }
        }
        if lost.is_cancelled() && !cancel.is_cancelled() && !stop.is_cancelled() {
            // The lease was lost mid-run: back off a lease lifetime before looking again.
            if !sleep_or_stop(daemon.lease_ttl, &stop).await {
                break;
            }
        }
    }
    info!(tenant = %tenant.id, "tenant worker stopped");
}
