//! Push to LeanIX end to end: NetSuite simulator -> Postgres (outbox) -> LeanIX simulator.
//! Exactly one delivery per change, nothing when nothing changed, recovery from every injected
//! fault without loss or duplicate, the documented LDIF fields, and the dead-letter paths.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{client_creds, fresh_db, sync_settings, tenant};
use netsuite_discovery::config::{PushSettings, PushTarget, Settings, Tenant};
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::push::{client_for, push_tenant, PushSummary};
use netsuite_discovery::store::Store;
use nsd_simulator::leanix::{Endpoint, LeanixFault, LeanixSim, LeanixSimConfig, RunningLeanix, DEFAULT_API_TOKEN};
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
    let lx = LeanixSim::new(LeanixSimConfig::default()).spawn().await.unwrap();
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
