//! The world of the exact-copy tests: one simulated account, a tenant on it, a fresh
//! database, and the readings they compare (live vendors here against NetSuite's).

use std::collections::BTreeSet;

use netsuite_discovery::config::{SyncSettings, Tenant};
use netsuite_discovery::discovery::{sync_tenant, RunSummary};
use netsuite_discovery::store::Store;
use nsd_simulator::{AccountId, AccountSpec, RunningSimulator, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

use super::{client_creds, fresh_db, sync_settings, vendor_tenant, TestDb};

pub struct Env {
    pub db: TestDb,
    pub sim: Simulator,
    _running: RunningSimulator,
    pub account: AccountId,
    pub tenant: Tenant,
}

/// A simulated account of `spec`, a tenant on it (vendors only when `eam`), a fresh database.
pub async fn setup(spec: impl FnOnce(AccountSpec) -> AccountSpec, page_size: u32, eam: bool) -> Env {
    super::init_logs();
    let account = AccountId::parse("7654321").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(spec(AccountSpec::new(account.clone(), 11))).unwrap();
    let running = sim.clone().spawn().await.expect("simulator starts");
    let creds = client_creds(sim.credentials(&account).expect("account exists"));
    let tenant = if eam {
        vendor_tenant("acme", creds, &running.endpoint(), page_size)
    } else {
        super::tenant("acme", creds, &running.endpoint(), page_size)
    };
    Env { db: fresh_db().await, sim, _running: running, account, tenant }
}

/// Sync settings with a small, fast restart budget.
pub fn settings() -> SyncSettings {
    SyncSettings { max_search_restarts: 3, restart_base_ms: 5, ..sync_settings() }
}

/// One sync pass with [`settings`].
pub async fn sync(store: &Store, tenant: &Tenant) -> RunSummary {
    sync_tenant(store, tenant, &settings(), CancellationToken::new(), "test").await.expect("sync runs")
}

/// Live vendor ids stored.
pub async fn live_vendors(store: &Store) -> BTreeSet<String> {
    sqlx::query_scalar("SELECT internal_id FROM services WHERE tenant_id = 'acme' AND deleted_at IS NULL")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// NetSuite's vendor ids now.
pub fn truth_vendors(env: &Env) -> BTreeSet<String> {
    env.sim.vendors(&env.account).unwrap().into_iter().map(|v| v.internal_id).collect()
}

/// The vendors' outcome of a run.
pub fn vendor_outcome(run: &RunSummary) -> &netsuite_discovery::store::EntityOutcome {
    run.outcomes.iter().find(|o| o.entity == "vendors").expect("vendors pulled")
}
