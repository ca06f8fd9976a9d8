//! Pushes that land: NetSuite simulator -> Postgres (outbox) -> LeanIX simulator, where the
//! simulator applies the daemon's own processor configuration. The configuration is installed
//! once; the workspace's fact sheets and relations equal what Postgres holds; items a finished
//! run warns about stay rejected with LeanIX's message until the connectorVersion changes;
//! every call is retried by one bounded policy honouring Retry-After within a pass deadline;
//! deleted records' fact sheets are archived.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{client_creds, fresh_db, sync_settings, tenant};
use netsuite_discovery::config::{PushSettings, PushTarget, Settings, Tenant};
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::push::{
    client_for, push_tenant, setup_configuration, LeanixError, PushError, PushSummary, Setup,
};
use netsuite_discovery::store::Store;
use nsd_simulator::leanix::{Endpoint, LeanixFault, LeanixSim, LeanixSimConfig, RunningLeanix, DEFAULT_API_TOKEN};
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, RunningSimulator, SimConfig, Simulator};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

const TENANT: &str = "acme";

fn account() -> AccountId {
    AccountId::parse("8800002").unwrap()
}

fn push_settings() -> PushSettings {
    let mut s = Settings::load(None).unwrap().push;
    s.poll_base_ms = 5;
    s.poll_max_ms = 20;
    s.retry_base_ms = 5;
    s.retry_max_ms = 50;
    s
}

struct World {
    ns: Simulator,
    _ns_running: RunningSimulator,
    lx: RunningLeanix,
    tenant: Tenant,
}

impl World {
    fn sim(&self) -> &LeanixSim {
        self.lx.simulator()
    }

    fn target(&self) -> PushTarget {
        self.tenant.push.clone().unwrap()
    }
}

/// A NetSuite account of `spec`, a LeanIX simulator with an empty workspace, and a tenant
/// pushing there (HRIS on when `hris`).
async fn world(spec: AccountSpec, hris: bool, batch_size: u32) -> World {
    common::init_logs();
    let ns = Simulator::new(SimConfig::default());
    ns.add_account(spec).unwrap();
    let ns_running = ns.clone().spawn().await.unwrap();
    let lx = LeanixSim::new(LeanixSimConfig::default()).spawn().await.unwrap();
    let mut t = tenant(TENANT, client_creds(ns.credentials(&account()).unwrap()), &ns_running.endpoint(), 1000);
    t.categories.hris = hris;
    t.push = Some(PushTarget {
        base_url: lx.base_url(),
        connector_id: "netsuite-discovery-acme".into(),
        workspace: None,
        batch_size,
        api_token: SecretString::from(DEFAULT_API_TOKEN.to_string()),
        manage_configuration: true,
    });
    World { ns, _ns_running: ns_running, lx, tenant: t }
}

async fn sync(store: &Store, t: &Tenant) {
    sync_tenant(store, t, &sync_settings(), CancellationToken::new(), "test").await.unwrap();
}

async fn try_push(store: &Store, w: &World, settings: &PushSettings) -> Result<PushSummary, PushError> {
    let target = w.target();
    let client = client_for(&target, settings).unwrap();
    push_tenant(store, &client, settings, &target, TENANT, account().as_str(), &CancellationToken::new()).await
}

async fn push(store: &Store, w: &World) -> PushSummary {
    try_push(store, w, &push_settings()).await.unwrap()
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap()
}

fn ext(record_type: &str, id: &str) -> String {
    format!("ns:{}:{record_type}:{id}", account())
}

/// (fact sheet type, external id, name) of every live record Postgres holds, and the
/// (relation, from, to) its references make; then the same of the simulator's active fact
/// sheets and relations. The NetSuite-side deletion test (getDeleted) can call this after its
/// sync and push as well.
type Sheets = BTreeSet<(String, String, String)>;
type Relations = BTreeSet<(String, String, String)>;

async fn postgres_view(store: &Store) -> (Sheets, Relations, BTreeSet<String>) {
    let rows: Vec<(String, String, String, Option<String>, bool)> = sqlx::query_as(
        "SELECT 'Provider', 'vendor', internal_id, coalesce(nullif(company_name, ''), nullif(entity_id, ''), NULL),
                deleted_at IS NOT NULL FROM services
         UNION ALL
         SELECT 'Organization', 'department', internal_id, nullif(name, ''), deleted_at IS NOT NULL FROM departments
         UNION ALL
         SELECT 'Employee', 'employee', internal_id,
                coalesce(nullif(trim(concat_ws(' ', first_name, last_name)), ''), nullif(entity_id, '')),
                deleted_at IS NOT NULL FROM employees",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut sheets = Sheets::new();
    let mut deleted = BTreeSet::new();
    for (fs_type, record_type, id, name, is_deleted) in rows {
        let e = ext(&record_type, &id);
        if is_deleted {
            deleted.insert(e);
        } else {
            let name = name.unwrap_or_else(|| e.clone());
            sheets.insert((fs_type, e, name));
        }
    }
    let rels: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT 'relToParent', c.internal_id, p.internal_id FROM departments c
           JOIN departments p ON p.tenant_id = c.tenant_id AND p.internal_id = c.parent_internal_id
          WHERE c.deleted_at IS NULL AND p.deleted_at IS NULL
         UNION ALL
         SELECT 'relEmployeeToOrganization', e.internal_id, d.internal_id FROM employees e
           JOIN departments d ON d.tenant_id = e.tenant_id AND d.internal_id = e.department_internal_id
          WHERE e.deleted_at IS NULL AND d.deleted_at IS NULL",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let relations = rels
        .into_iter()
        .map(|(r, from, to)| {
            let from_type = if r == "relToParent" { "department" } else { "employee" };
            (r, ext(from_type, &from), ext("department", &to))
        })
        .collect();
    (sheets, relations, deleted)
}

fn leanix_view(sim: &LeanixSim) -> (Sheets, Relations, BTreeSet<String>) {
    let mut sheets = Sheets::new();
    let mut archived = BTreeSet::new();
    for fs in sim.fact_sheets() {
        if fs.archived {
            archived.insert(fs.external_id.clone());
        } else {
            sheets.insert((fs.fs_type.clone(), fs.external_id.clone(), fs.name().unwrap_or_default().to_string()));
        }
    }
    let relations = sim.relations().into_iter().map(|r| (r.rel_type, r.from, r.to)).collect();
    (sheets, relations, archived)
}

/// Asserts that LeanIX's active fact sheets and relations are exactly Postgres's live records
/// and references, and that exactly the deleted records' fact sheets are archived.
async fn assert_workspace_equals_postgres(store: &Store, sim: &LeanixSim) -> (usize, usize, usize) {
    let (pg_sheets, pg_rels, pg_deleted) = postgres_view(store).await;
    let (lx_sheets, lx_rels, lx_archived) = leanix_view(sim);
    let missing: Vec<_> = pg_sheets.difference(&lx_sheets).take(5).collect();
    let extra: Vec<_> = lx_sheets.difference(&pg_sheets).take(5).collect();
    assert!(missing.is_empty() && extra.is_empty(), "fact sheets differ: missing {missing:?}, extra {extra:?}");
    let missing: Vec<_> = pg_rels.difference(&lx_rels).take(5).collect();
    let extra: Vec<_> = lx_rels.difference(&pg_rels).take(5).collect();
    assert!(missing.is_empty() && extra.is_empty(), "relations differ: missing {missing:?}, extra {extra:?}");
    assert_eq!(lx_archived, pg_deleted, "archived fact sheets are exactly the deleted records");
    (pg_sheets.len(), pg_rels.len(), pg_deleted.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_installed_once_and_workspace_equals_postgres() {
    let spec = AccountSpec::new(account(), 41).with_vendors(2000).with_departments(120).with_employees(5000);
    let w = world(spec, true, 2000).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    let queued = count(&db.store, "SELECT count(*) FROM outbox WHERE state = 'pending'").await;
    assert_eq!(queued, 2000 + 120 + 5000);

    let started = Instant::now();
    let first = push(&db.store, &w).await;
    let took = started.elapsed();
    assert_eq!(first.configuration, Some(Setup::Installed));
    assert_eq!((first.items as i64, first.rejected, first.dead), (queued, 0, 0), "{first:?}");
    let configs = w.sim().configurations();
    assert_eq!(configs.len(), 1);
    assert_eq!(configs[0]["connectorId"], "netsuite-discovery-acme");
    assert_eq!(configs[0]["connectorVersion"], push_settings().connector_version.as_str());
    assert!(w.sim().runs().iter().all(|r| r.applied), "every run was processed by the installed configuration");

    let (sheets, relations, _) = assert_workspace_equals_postgres(&db.store, w.sim()).await;
    assert_eq!(sheets, 7120);
    assert!(relations > 5000, "department parents and employee departments: {relations}");
    println!(
        "pushed {} items ({sheets} fact sheets, {relations} relations) in {} runs, {:.2} s",
        first.items,
        first.runs_created,
        took.as_secs_f64()
    );

    // A second push installs nothing and sends nothing.
    w.sim().clear_request_log();
    let runs_before = w.sim().runs().len();
    let second = push(&db.store, &w).await;
    assert_eq!(second.configuration, Some(Setup::Unchanged));
    assert_eq!((second.items, second.runs_created), (0, 0));
    assert_eq!(w.sim().runs().len(), runs_before);
    let log = w.sim().request_log();
    assert!(log.iter().all(|r| r.method == "GET" || r.endpoint == Endpoint::Token), "only reads: {log:?}");
    assert_eq!(
        log.iter().filter(|r| r.endpoint == Endpoint::Configurations).count(),
        1,
        "one look at the configuration"
    );

    // `push --setup` on a workspace that has it: nothing sent.
    let target = w.target();
    let client = client_for(&target, &push_settings()).unwrap();
    assert_eq!(setup_configuration(&client, &push_settings(), &target).await.unwrap(), Setup::Unchanged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warned_items_stay_rejected_with_the_message_until_the_version_changes() {
    let spec = AccountSpec::new(account(), 42).with_vendors(300).with_transactions(200);
    let w = world(spec, false, 1000).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    let queued = count(&db.store, "SELECT count(*) FROM outbox").await;
    // The first run (vendors) finishes with warnings for its first 3 items.
    let message = "Provider: field value rejected by the workspace";
    w.sim().push_faults(Endpoint::Start, vec![LeanixFault::ignore_items(3, message)]);
    let first = push(&db.store, &w).await;
    assert_eq!(first.rejected, 3, "{first:?}");
    assert_eq!(first.items as i64, queued - 3);
    let rejected: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT internal_id, rejection, rejected_version FROM outbox WHERE state = 'rejected' ORDER BY id",
    )
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    assert_eq!(rejected.len(), 3);
    for (_, text, version) in &rejected {
        assert!(text.contains(message), "{text}");
        assert_eq!(version.as_deref(), Some("1.0.0"));
    }
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state = 'delivered'").await, queued - 3);
    let sheets: BTreeSet<String> = w.sim().fact_sheets().into_iter().map(|f| f.external_id).collect();
    for (id, _, _) in &rejected {
        assert!(!sheets.contains(&ext("vendor", id)), "{id} did not land");
    }
    assert_eq!(sheets.len(), 297);
    // Each delivered item reached LeanIX once.
    let receipts = w.sim().delivered();
    let unique: BTreeSet<&str> = receipts.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(receipts.len(), unique.len());

    // `outbox` shows them with LeanIX's message.
    let report = db.store.outbox_report(Some(TENANT)).await.unwrap();
    assert_eq!(report.rejected.len(), 3);
    let text = netsuite_discovery::push::report::render(&report);
    assert_eq!(text.matches(message).count(), 3, "{text}");

    // Same version: they stay where they are.
    let again = push(&db.store, &w).await;
    assert_eq!((again.requeued, again.items, again.runs_created), (0, 0, 0));

    // The configuration deleted in the workspace: the next pass installs it again first, and
    // what was rejected is tried again (one of them is rejected once more).
    w.sim().clear_configurations();
    w.sim().push_faults(Endpoint::Start, vec![LeanixFault::ignore_items(1, "still not allowed")]);
    let reinstalled = push(&db.store, &w).await;
    assert_eq!(reinstalled.configuration, Some(Setup::Installed));
    assert_eq!((reinstalled.requeued, reinstalled.items, reinstalled.rejected), (3, 2, 1), "{reinstalled:?}");
    let text: String = sqlx::query_scalar("SELECT rejection FROM outbox WHERE state = 'rejected'")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert!(text.contains("still not allowed"), "{text}");

    // A new connectorVersion (the configuration changed): installed, and the last one is sent again.
    let mut v2 = push_settings();
    v2.connector_version = "1.1.0".into();
    let third = try_push(&db.store, &w, &v2).await.unwrap();
    assert_eq!(third.configuration, Some(Setup::Installed));
    assert_eq!((third.requeued, third.items, third.rejected), (1, 1, 0), "{third:?}");
    // Same version again: nothing to send.
    let fourth = try_push(&db.store, &w, &v2).await.unwrap();
    assert_eq!((fourth.configuration, fourth.requeued, fourth.runs_created), (Some(Setup::Unchanged), 0, 0));
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state <> 'delivered'").await, 0);
    assert_eq!(w.sim().fact_sheets().len(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_on_every_create_end_the_pass_within_its_bound_then_it_delivers() {
    let spec = AccountSpec::new(account(), 43).with_vendors(250);
    let w = world(spec, false, 1000).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    w.sim().set_fault_rates(Endpoint::Create, vec![(LeanixFault::ServerError(503), 1.0)]);
    let settings = push_settings();
    let started = Instant::now();
    let err = try_push(&db.store, &w, &settings).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, PushError::Leanix(LeanixError::Http { status: 503, .. })), "{err}");
    let creates = w.sim().request_log().iter().filter(|r| r.endpoint == Endpoint::Create).count();
    assert_eq!(creates as u32, settings.max_http_attempts, "bounded: one create per attempt");
    assert!(took < Duration::from_secs(10), "gave up in {took:?}");
    assert!(w.sim().runs().is_empty());
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state = 'in_flight'").await, 250);
    assert_eq!(count(&db.store, "SELECT count(*) FROM push_batches WHERE state = 'open'").await, 1);

    w.sim().clear_faults();
    let next = push(&db.store, &w).await;
    assert_eq!((next.items, next.runs_created, next.runs_adopted), (250, 1, 0));
    assert_eq!(w.sim().delivered_count(), 250);
    assert_eq!(w.sim().fact_sheets().len(), 250);
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state <> 'delivered'").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_on_a_503_is_waited_for_and_the_deadline_is_kept() {
    let spec = AccountSpec::new(account(), 44).with_vendors(20);
    let w = world(spec, false, 1000).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;

    // A deadline shorter than Retry-After: the pass ends at once, the batch stays pending.
    let mut short = push_settings();
    short.pass_deadline = Duration::from_secs(2);
    w.sim().push_faults(Endpoint::Create, vec![LeanixFault::server_error_retry_after(503, 5)]);
    let started = Instant::now();
    let err = try_push(&db.store, &w, &short).await.unwrap_err();
    assert!(matches!(err, PushError::Leanix(LeanixError::Deadline(_))), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state = 'in_flight'").await, 20);

    // With time left, Retry-After: 5 is waited for (on create and on a status poll alike).
    w.sim().clear_request_log();
    w.sim().push_faults(Endpoint::Create, vec![LeanixFault::server_error_retry_after(503, 5)]);
    let started = Instant::now();
    let s = push(&db.store, &w).await;
    assert!(started.elapsed() >= Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(s.items, 20);
    let log = w.sim().request_log();
    let failed = log.iter().position(|r| r.endpoint == Endpoint::Create && r.status == 503).unwrap();
    let next = &log[failed + 1];
    let gap = (next.at - log[failed].at).to_std().unwrap();
    assert!(gap >= Duration::from_secs(5), "next request {gap:?} after the 503");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_vendors_are_archived_in_leanix() {
    let spec = AccountSpec::new(account(), 45).with_vendors(500).with_departments(10).with_employees(40);
    let w = world(spec, true, 1000).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    push(&db.store, &w).await;
    assert_workspace_equals_postgres(&db.store, w.sim()).await;

    // 1% of vendors deleted in NetSuite: the next sync's getDeleted marks them, the push
    // archives their fact sheets.
    let gone = w.ns.delete_vendors(&account(), 5).unwrap();
    assert_eq!(gone.len(), 5);
    sync(&db.store, &w.tenant).await;
    let marked: i64 = count(&db.store, "SELECT count(*) FROM services WHERE deleted_at IS NOT NULL").await;
    assert_eq!(marked, 5);
    let s = push(&db.store, &w).await;
    assert_eq!((s.items, s.rejected), (5, 0), "{s:?}");
    let archived: BTreeSet<String> =
        w.sim().fact_sheets().into_iter().filter(|f| f.archived).map(|f| f.external_id).collect();
    let expected: BTreeSet<String> = gone.iter().map(|id| ext("vendor", id)).collect();
    assert_eq!(archived, expected, "exactly the deleted vendors' fact sheets are archived");
    let (sheets, _, deleted) = assert_workspace_equals_postgres(&db.store, w.sim()).await;
    assert_eq!((sheets, deleted), (500 + 10 + 40 - 5, 5));
    let ldif_types: BTreeSet<String> = w
        .sim()
        .runs()
        .last()
        .map(|r| {
            r.ldif["content"].as_array().unwrap().iter().map(|c| c["type"].as_str().unwrap().to_string()).collect()
        })
        .unwrap();
    assert_eq!(ldif_types, BTreeSet::from(["ServiceDeleted".to_string()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_owned_configuration_is_checked_not_replaced() {
    let spec = AccountSpec::new(account(), 46).with_vendors(30);
    let mut w = world(spec, false, 1000).await;
    if let Some(p) = w.tenant.push.as_mut() {
        p.manage_configuration = false;
    }
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    // None in the workspace: the pass stops before sending anything, the changes stay pending.
    let err = try_push(&db.store, &w, &push_settings()).await.unwrap_err();
    assert!(matches!(err, PushError::Configuration(_)), "{err}");
    assert!(err.to_string().contains("manage_configuration is false"), "{err}");
    assert!(w.sim().configurations().is_empty() && w.sim().runs().is_empty());
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state = 'pending'").await, 30);
    // The admin installs one (its own processors): used as it is, never replaced.
    let mut own: serde_json::Value = serde_json::from_str(netsuite_discovery::push::configuration::BUILT_IN).unwrap();
    own["connectorType"] = "netsuite-discovery".into();
    own["connectorId"] = "netsuite-discovery-acme".into();
    own["connectorVersion"] = "1.0.0".into();
    own["processingDirection"] = "inbound".into();
    own["processors"][2]["processorDescription"] = "the admin's own words".into();
    w.sim().put_configuration(own.clone()).unwrap();
    let s = push(&db.store, &w).await;
    assert_eq!((s.configuration, s.items), (Some(Setup::Present), 30));
    assert_eq!(w.sim().configurations(), [own]);
}
