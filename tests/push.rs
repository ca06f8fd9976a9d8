//! Push to LeanIX end to end: NetSuite simulator -> Postgres (outbox) -> LeanIX simulator.
//! Exactly one delivery per change, nothing when nothing changed, recovery from every injected
//! fault without loss or duplicate, the documented LDIF fields, and the dead-letter paths.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{client_creds, fresh_db, sync_settings, tenant};
use netsuite_discovery::config::{PushSettings, PushTarget, Settings, Tenant};
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::push::{client_for, push_tenant, PushSummary};
use netsuite_discovery::store::Store;
use nsd_simulator::leanix::{
    Endpoint, LeanixFault, LeanixSim, LeanixSimConfig, RunningLeanix, StatusAdvance, DEFAULT_API_TOKEN,
};
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, RunningSimulator, SimConfig, Simulator};
use secrecy::SecretString;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

fn account() -> AccountId {
    AccountId::parse("8800001").unwrap()
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

async fn world(batch_size: u32) -> World {
    world_with(batch_size, LeanixSimConfig::default()).await
}

async fn world_with(batch_size: u32, leanix: LeanixSimConfig) -> World {
    common::init_logs();
    let ns = Simulator::new(SimConfig::default());
    ns.add_account(
        AccountSpec::new(account(), 31)
            .with_vendors(300)
            .with_departments(12)
            .with_employees(60)
            .with_transactions(900)
            .with_expense_reports(90),
    )
    .unwrap();
    let ns_running = ns.clone().spawn().await.unwrap();
    let lx = LeanixSim::new(leanix).spawn().await.unwrap();
    let mut t = tenant("acme", client_creds(ns.credentials(&account()).unwrap()), &ns_running.endpoint(), 1000);
    t.categories.hris = true;
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

async fn push(store: &Store, w: &World) -> PushSummary {
    let target = w.tenant.push.clone().unwrap();
    let client = client_for(&target, &push_settings()).unwrap();
    push_tenant(store, &client, &push_settings(), &target, "acme", account().as_str(), &CancellationToken::new())
        .await
        .unwrap()
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap()
}

/// (type, id) -> number of deliveries.
fn deliveries(lx: &RunningLeanix) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for d in lx.simulator().delivered() {
        *m.entry((d.item_type.clone(), d.id.clone())).or_insert(0) += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_delivered_exactly_once_in_order() {
    let w = world(250).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    let queued = count(&db.store, "SELECT count(*) FROM outbox WHERE state = 'pending'").await;
    let rows = count(
        &db.store,
        "SELECT (SELECT count(*) FROM services) + (SELECT count(*) FROM invoices) + (SELECT count(*) FROM costs)
              + (SELECT count(*) FROM employees) + (SELECT count(*) FROM departments)",
    )
    .await;
    assert_eq!(queued, rows, "one queued change per new record");

    let summary = push(&db.store, &w).await;
    assert_eq!(summary.items as i64, queued);
    assert_eq!(summary.dead, 0);
    let d = deliveries(&w.lx);
    assert_eq!(d.len() as i64, queued, "every change delivered");
    assert!(d.values().all(|n| *n == 1), "exactly once");
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state <> 'delivered'").await, 0);

    // Order: departments, employees, services, then invoices and costs.
    let order: Vec<String> =
        w.lx.simulator()
            .runs()
            .iter()
            .filter_map(|r| r.ldif["content"].get(0).and_then(|c| c["type"].as_str()).map(str::to_string))
            .collect();
    let mut dedup = order.clone();
    dedup.dedup();
    assert_eq!(dedup, ["Department", "Employee", "Service", "Invoice", "Cost"], "{order:?}");

    // Nothing changed: nothing queued, nothing pushed.
    sync(&db.store, &w.tenant).await;
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state = 'pending'").await, 0);
    let runs_before = w.lx.simulator().runs().len();
    let again = push(&db.store, &w).await;
    assert_eq!((again.items, again.runs_created), (0, 0));
    assert_eq!(w.lx.simulator().runs().len(), runs_before);

    // Ten modified vendors: ten more deliveries, of their new content.
    let modified = w.ns.modify_vendors(&account(), 10).unwrap();
    sync(&db.store, &w.tenant).await;
    let third = push(&db.store, &w).await;
    assert_eq!(third.items, 10);
    let d = deliveries(&w.lx);
    for id in &modified {
        let key = ("Service".to_string(), format!("ns:{}:vendor:{id}", account()));
        assert_eq!(d.get(&key), Some(&2), "{id}: delivered at discovery and once for its change");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldif_carries_every_documented_required_field() {
    let w = world(2000).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    push(&db.store, &w).await;
    let runs = w.lx.simulator().runs();
    assert!(!runs.is_empty());
    let batches: BTreeSet<String> = sqlx::query_scalar("SELECT batch_id::text FROM push_batches")
        .fetch_all(db.store.pool())
        .await
        .unwrap()
        .into_iter()
        .collect();
    for r in &runs {
        let l = &r.ldif;
        for key in ["connectorType", "connectorId", "connectorVersion", "lxVersion", "processingDirection"] {
            assert!(l[key].as_str().is_some_and(|s| !s.is_empty()), "{key} missing in {}", r.id);
        }
        assert_eq!(l["processingDirection"], "inbound");
        assert_eq!(l["processingMode"], "partial", "never `full` (it would archive what is not sent)");
        assert_eq!(l["connectorId"], "netsuite-discovery-acme");
        let desc = l["description"].as_str().unwrap();
        assert!(batches.iter().any(|b| desc.contains(b.as_str())), "the description carries the batch id: {desc}");
        for item in l["content"].as_array().unwrap() {
            assert!(item["type"].is_string() && item["data"].is_object());
            let id = item["id"].as_str().unwrap();
            assert!(id.starts_with(&format!("ns:{}:", account())), "{id}");
        }
    }
    // Money travels as exact decimal text.
    let invoice = runs
        .iter()
        .flat_map(|r| r.ldif["content"].as_array().cloned().unwrap_or_default())
        .find(|c| c["type"] == "Invoice")
        .expect("an invoice was pushed");
    let amount = invoice["data"]["amount"].as_str().expect("amount as text");
    assert!(amount.parse::<rust_decimal::Decimal>().is_ok(), "{amount}");
}

/// Each injected fault: the delivered set equals the fault-free set, with no duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_recovered_without_loss_or_duplicate() {
    // The fault-free set.
    let clean = world(200).await;
    let clean_db = fresh_db().await;
    sync(&clean_db.store, &clean.tenant).await;
    push(&clean_db.store, &clean).await;
    let expected: BTreeSet<(String, String, String)> = clean
        .lx
        .simulator()
        .delivered()
        .iter()
        .map(|d| (d.item_type.clone(), d.id.clone(), d.data.to_string()))
        .collect();

    let w = world(200).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    let lx = w.lx.simulator();
    lx.push_faults(
        Endpoint::Create,
        vec![LeanixFault::too_many_requests(1), LeanixFault::ServerError(500), LeanixFault::DropAfterCreate],
    );
    lx.push_faults(
        Endpoint::Start,
        vec![LeanixFault::DuplicateStart, LeanixFault::fail_run(["Fact sheet validation failed"])],
    );
    lx.push_faults(Endpoint::Status, vec![LeanixFault::ServerError(503), LeanixFault::Unauthorized]);
    lx.expire_tokens();
    let mut passes = 0;
    loop {
        passes += 1;
        let target = w.tenant.push.clone().unwrap();
        let client = client_for(&target, &push_settings()).unwrap();
        let r = push_tenant(
            &db.store,
            &client,
            &push_settings(),
            &target,
            "acme",
            account().as_str(),
            &CancellationToken::new(),
        )
        .await;
        if r.is_ok() || passes == 3 {
            break;
        }
    }
    let got: Vec<(String, String, String)> =
        lx.delivered().iter().map(|d| (d.item_type.clone(), d.id.clone(), d.data.to_string())).collect();
    let got_set: BTreeSet<_> = got.iter().cloned().collect();
    assert_eq!(got.len(), got_set.len(), "no duplicate delivery");
    assert_eq!(got_set.len(), expected.len());
    // Same records; data equal but for when they were discovered.
    let strip = |s: &BTreeSet<(String, String, String)>| -> BTreeSet<(String, String)> {
        s.iter().map(|(t, id, _)| (t.clone(), id.clone())).collect()
    };
    assert_eq!(strip(&got_set), strip(&expected));
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state <> 'delivered'").await, 0);
    let adopted = lx.runs().iter().filter(|r| r.delivered).count();
    assert!(adopted >= 1);
}

/// 400 on create dead-letters the batch with the answer kept; a run that keeps FAILING is
/// dead-lettered with its warnings after `max_run_attempts`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_keep_the_answer_and_the_warnings() {
    let w = world(5000).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    let lx = w.lx.simulator();
    // Departments (first batch) are refused; employees' runs fail every time.
    lx.push_faults(Endpoint::Create, vec![LeanixFault::bad_request("connectorId unknown")]);
    let fails = push_settings().max_run_attempts as usize;
    lx.push_faults(Endpoint::Start, (0..fails).map(|_| LeanixFault::fail_run(["Employee is missing"])).collect());
    let summary = push(&db.store, &w).await;
    assert_eq!(summary.dead, 2, "{summary:?}");
    let dead: Vec<(String, Option<String>, Option<Value>)> =
        sqlx::query_as("SELECT entity, error, warnings FROM push_batches WHERE state = 'dead' ORDER BY entity")
            .fetch_all(db.store.pool())
            .await
            .unwrap();
    assert_eq!(dead.len(), 2);
    assert_eq!(dead[0].0, "departments");
    assert!(
        dead[0].1.as_deref().unwrap_or("").contains("400")
            && dead[0].1.as_deref().unwrap_or("").contains("connectorId unknown")
    );
    assert_eq!(dead[1].0, "employees");
    assert!(dead[1].2.as_ref().map(|v| v.to_string()).unwrap_or_default().contains("Employee is missing"));
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state = 'dead'").await, 12 + 60);
    // Services, invoices and costs still went through.
    assert!(deliveries(&w.lx).keys().any(|(t, _)| t == "Service"));
    let report = db.store.outbox_report(Some("acme")).await.unwrap();
    assert_eq!(report.dead.len(), 2);
}

/// While a run processes, the next batch is claimed, serialized and its run created (not
/// started); a run is started only after the one before it ended, so one run is in flight at
/// a time, in batch order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_run_is_created_while_one_processes_and_started_only_after_it_ends() {
    // Each run takes 2 x 80 ms once started: time enough to prepare the next batch.
    let config = LeanixSimConfig { advance: StatusAdvance::Every(Duration::from_millis(80)), ..Default::default() };
    let w = world_with(60, config).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    let summary = push(&db.store, &w).await;
    assert_eq!(summary.dead, 0);
    let runs = w.lx.simulator().runs();
    assert!(runs.len() >= 8, "{} runs", runs.len());
    assert_eq!(summary.runs_created as usize, runs.len());
    // Where in the log (answer order) each run was created, started and last polled.
    let log = w.lx.simulator().request_log();
    let at = |endpoint: Endpoint, run: &str, last: bool| -> usize {
        let mut it = log
            .iter()
            .enumerate()
            .filter(|(_, r)| r.endpoint == endpoint && r.status == 200 && r.run_id.as_deref() == Some(run))
            .map(|(i, _)| i);
        let found = if last { it.next_back() } else { it.next() };
        found.unwrap_or_else(|| panic!("no {endpoint} for run {run}"))
    };
    let mut overlapped = 0;
    for pair in runs.windows(2) {
        let (before, next) = (&pair[0].id, &pair[1].id);
        let ended = at(Endpoint::Status, before, true);
        assert!(at(Endpoint::Start, next, false) > ended, "run {next} started before run {before} ended");
        if at(Endpoint::Create, next, false) < ended {
            overlapped += 1;
        }
    }
    assert!(
        overlapped >= (runs.len() - 1) / 2,
        "the next run was created while the one before processed for only {overlapped} of {} runs",
        runs.len() - 1
    );
    // Still exactly once, all delivered.
    let d = deliveries(&w.lx);
    assert!(d.values().all(|n| *n == 1), "exactly once");
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state <> 'delivered'").await, 0);
}

/// Status polls start short and grow (the default settings): the first at once after the
/// start, the next after `poll_base_ms`, each wait longer, never closer than the base; a run
/// taking 0.3 s is polled several times, not once after a long first wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_polls_start_short_and_grow_to_the_ceiling() {
    let config = LeanixSimConfig { advance: StatusAdvance::Every(Duration::from_millis(150)), ..Default::default() };
    let w = world_with(5000, config).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    let defaults = Settings::load(None).unwrap().push;
    assert!(defaults.poll_base_ms <= 50, "a short first wait by default: {} ms", defaults.poll_base_ms);
    let mut settings = push_settings();
    settings.poll_base_ms = defaults.poll_base_ms;
    settings.poll_max_ms = defaults.poll_max_ms;
    let base = Duration::from_millis(defaults.poll_base_ms);
    let target = w.tenant.push.clone().unwrap();
    let client = client_for(&target, &settings).unwrap();
    push_tenant(&db.store, &client, &settings, &target, "acme", account().as_str(), &CancellationToken::new())
        .await
        .unwrap();
    let log = w.lx.simulator().request_log();
    for run in w.lx.simulator().runs() {
        let start = log
            .iter()
            .find(|r| r.endpoint == Endpoint::Start && r.run_id.as_deref() == Some(run.id.as_str()))
            .expect("started");
        let polls: Vec<_> = log
            .iter()
            .filter(|r| r.endpoint == Endpoint::Status && r.run_id.as_deref() == Some(run.id.as_str()))
            .map(|r| r.at)
            .collect();
        // 300 ms to FINISHED with waits of 25, 37, 56, 84, 126... ms: 6 polls.
        assert!(polls.len() >= 4, "run {} polled {} times", run.id, polls.len());
        let first = (polls[0] - start.at).to_std().unwrap_or_default();
        assert!(first < Duration::from_millis(200), "first poll {first:?} after the start");
        let gaps: Vec<Duration> = polls.windows(2).map(|p| (p[1] - p[0]).to_std().unwrap_or_default()).collect();
        assert!(gaps.iter().all(|g| *g >= base), "{gaps:?}");
    }
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state <> 'delivered'").await, 0);
}

/// A claim reads the rows once and writes the batch row with its item count in the same
/// statement: at most `limit` changes, one item per record, none claimed twice; nothing
/// pending, no batch row; changes whose record is gone make an empty batch (delivered as such).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_returns_the_rows_and_writes_its_batch_in_one_statement() {
    let w = world(2000).await;
    let db = fresh_db().await;
    sync(&db.store, &w.tenant).await;
    let desc = |b: uuid::Uuid| format!("test batch {b}");
    let (first, rows) = db.store.claim_batch("acme", "services", 120, desc).await.unwrap().expect("claimed");
    assert_eq!(rows.len(), 120);
    assert!(rows.windows(2).all(|p| p[0].id < p[1].id), "in queue order");
    assert!(rows
        .iter()
        .all(|r| !r.deleted && r.row.get("raw").is_none() && r.row["internal_id"] == r.internal_id.as_str()));
    let (second, more) = db.store.claim_batch("acme", "services", 1000, desc).await.unwrap().expect("claimed");
    assert_eq!(more.len(), 180, "the rest of the 300 vendors");
    let ids: BTreeSet<&str> = rows.iter().chain(&more).map(|r| r.internal_id.as_str()).collect();
    assert_eq!(ids.len(), 300, "none claimed twice");
    assert!(db.store.claim_batch("acme", "services", 1000, desc).await.unwrap().is_none());
    let batches: Vec<(uuid::Uuid, String, i32, String)> =
        sqlx::query_as("SELECT batch_id, state, items, description FROM push_batches ORDER BY items")
            .fetch_all(db.store.pool())
            .await
            .unwrap();
    assert_eq!(
        batches,
        vec![(first, "open".to_string(), 120, desc(first)), (second, "open".to_string(), 180, desc(second))]
    );
    assert_eq!(count(&db.store, "SELECT count(*) FROM outbox WHERE state = 'in_flight'").await, 300);

    // A change whose record is not in the table: claimed into a batch of no items.
    sqlx::query(
        "INSERT INTO outbox (tenant_id, entity, internal_id, content_hash) VALUES ('acme', 'services', 'gone', 'x')",
    )
    .execute(db.store.pool())
    .await
    .unwrap();
    let (empty, none) = db.store.claim_batch("acme", "services", 10, desc).await.unwrap().expect("a batch");
    assert!(none.is_empty());
    assert_eq!(
        count(&db.store, &format!("SELECT items::bigint FROM push_batches WHERE batch_id = '{empty}'")).await,
        0
    );
}
