//! SuiteQL over SuiteTalk REST (issue 12, points 2 and 4) against the simulator over real
//! HTTP and a fresh Postgres per test: the same typed rows as a SOAP 2017_2 pull of the same
//! account, credit-card charges that only SuiteQL sees, a switch from SOAP that changes
//! nothing, SIGKILL and restart, permission degradation, 429 retries and `check`.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use common::client_creds;
use netsuite_discovery::config::{Categories, SyncSettings, Tenant, Transport};
use netsuite_discovery::discovery::{check_tenant, sync_tenant, Access, Entity, RunSummary};
use netsuite_discovery::store::{RunStatus, Store};
use nsd_simulator::{
    AccountId, AccountSpec, InjectedFault, Permission, PermissionSet, RunningSimulator, SimConfig, Simulator,
};
use tokio_util::sync::CancellationToken;

/// The typed tables and how to order them. `raw` and the bookkeeping timestamps are left
/// out: equality across transports is about the typed columns.
const TABLES: &[(&str, &str)] = &[
    ("services", "internal_id"),
    ("invoices", "internal_id"),
    ("invoice_lines", "internal_id, kind, line"),
    ("costs", "internal_id"),
    ("cost_lines", "internal_id, line"),
    ("expense_categories", "internal_id"),
    ("departments", "internal_id"),
    ("employees", "internal_id"),
];

/// Columns never compared: the record as received and when we wrote it.
const BOOKKEEPING: &[&str] = &["raw", "discovered_at", "updated_at"];

/// Every row of `table` as JSON of its typed columns, numbers compared by value (`1.50` and
/// `1.5` are one amount: SOAP writes `1.50`, SuiteQL's `TO_CHAR` `1.5`). `filter` is SQL over
/// alias `t` (constant text of this file).
async fn typed_rows(store: &Store, table: &str, order: &str, filter: &str) -> Vec<serde_json::Value> {
    let cols: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(store.pool())
    .await
    .unwrap();
    let pairs: Vec<String> = cols
        .iter()
        .filter(|(c, _)| !BOOKKEEPING.contains(&c.as_str()))
        .map(|(c, ty)| if ty == "numeric" { format!("'{c}', trim_scale(t.{c})") } else { format!("'{c}', t.{c}") })
        .collect();
    let sql =
        format!("SELECT jsonb_build_object({}) FROM {table} t WHERE true {filter} ORDER BY {order}", pairs.join(", "));
    sqlx::query_scalar(&sql).fetch_all(store.pool()).await.unwrap()
}

/// SQL keeping the rows of the invoices tables that SOAP can see too.
fn soap_visible(table: &str) -> &'static str {
    match table {
        "invoices" => "AND t.record_type NOT IN ('CreditCardCharge', 'CreditCardRefund')",
        "invoice_lines" => {
            "AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.tenant_id = t.tenant_id AND i.internal_id = t.internal_id
                             AND i.record_type IN ('CreditCardCharge', 'CreditCardRefund'))"
        }
        _ => "",
    }
}

/// Asserts that two databases hold the same typed rows, table by table (card spend left out
/// where `without_cards`).
async fn assert_typed_equal(soap: &Store, suiteql: &Store) {
    for (table, order) in TABLES {
        let a = typed_rows(soap, table, order, soap_visible(table)).await;
        let b = typed_rows(suiteql, table, order, soap_visible(table)).await;
        assert_eq!(a.len(), b.len(), "{table}: row counts differ (SOAP {}, SuiteQL {})", a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x, y, "{table}: first differing row (left SOAP, right SuiteQL)");
        }
    }
}

struct World {
    sim: Simulator,
    running: RunningSimulator,
    account: AccountId,
}

async fn world(spec: impl FnOnce(AccountSpec) -> AccountSpec) -> World {
    common::init_logs();
    let account = AccountId::parse("7654321").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(spec(AccountSpec::new(account.clone(), 12))).unwrap();
    let running = sim.clone().spawn().await.expect("simulator starts");
    World { sim, running, account }
}

impl World {
    fn tenant(&self, transport: Transport) -> Tenant {
        let creds = client_creds(self.sim.credentials(&self.account).unwrap());
        let mut t = common::tenant("acme", creds, &self.running.endpoint(), 1000);
        t.transport = transport;
        t.categories = Categories { hris: true, ..Categories::default() };
        t
    }
}

fn settings() -> SyncSettings {
    SyncSettings { max_search_restarts: 3, restart_base_ms: 5, ..common::sync_settings() }
}

async fn sync(store: &Store, tenant: &Tenant) -> RunSummary {
    sync_tenant(store, tenant, &settings(), CancellationToken::new(), "test").await.expect("sync runs")
}

async fn card_rows(store: &Store) -> Vec<(String, String, String, rust_decimal::Decimal)> {
    sqlx::query_as(
        "SELECT internal_id, record_type, spend_role, amount FROM invoices
         WHERE tenant_id = 'acme' AND record_type IN ('CreditCardCharge', 'CreditCardRefund') ORDER BY internal_id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

fn small(s: AccountSpec) -> AccountSpec {
    s.with_vendors(300)
        .with_employees(150)
        .with_departments(25)
        .with_transactions(2_500)
        .with_expense_reports(400)
        .with_card_transactions(120)
}

/// A SuiteQL onboarding of an account equals a SOAP 2017_2 onboarding of the same account,
/// table by table on the typed columns; credit-card charges and refunds come only over
/// SuiteQL, as expense and (negative) credit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suiteql_onboarding_equals_soap_2017_2() {
    let w = world(small).await;
    let (soap_db, ql_db) = (common::fresh_db().await, common::fresh_db().await);
    let soap = sync(&soap_db.store, &w.tenant(Transport::Soap)).await;
    assert_eq!(soap.status, RunStatus::Succeeded, "{soap:?}");
    let ql = sync(&ql_db.store, &w.tenant(Transport::Suiteql)).await;
    assert_eq!(ql.status, RunStatus::Succeeded, "{ql:?}");
    assert!(ql.outcomes.iter().all(|o| o.mode.as_str() == "full"));
    assert_typed_equal(&soap_db.store, &ql_db.store).await;

    let cards = card_rows(&ql_db.store).await;
    assert!(!cards.is_empty(), "card spend arrives over SuiteQL");
    assert!(card_rows(&soap_db.store).await.is_empty(), "SOAP cannot see it");
    for (id, record_type, role, amount) in &cards {
        match record_type.as_str() {
            "CreditCardCharge" => assert!(role == "expense" && amount.is_sign_positive(), "{id}"),
            "CreditCardRefund" => assert!(role == "credit" && amount.is_sign_negative(), "{id}"),
            other => panic!("{other}"),
        }
    }
    let card_lines: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invoice_lines l JOIN invoices i USING (tenant_id, internal_id)
         WHERE i.record_type IN ('CreditCardCharge', 'CreditCardRefund')",
    )
    .fetch_one(ql_db.store.pool())
    .await
    .unwrap();
    assert!(card_lines >= cards.len() as i64, "card spend comes with its lines");
    println!(
        "SOAP: {} requests in {:?}; SuiteQL: {} requests in {:?}",
        soap.requests, soap.elapsed, ql.requests, ql.elapsed
    );

    // The next SuiteQL run is a delta that changes nothing.
    let again = sync(&ql_db.store, &w.tenant(Transport::Suiteql)).await;
    assert_eq!(again.status, RunStatus::Succeeded, "{again:?}");
    for o in &again.outcomes {
        assert_eq!((o.inserted, o.updated, o.deleted), (0, 0, 0), "{o:?}");
    }
}

/// A tenant onboarded over SOAP and switched to SuiteQL: the next run is a delta (card spend
/// onboards), 0 rows changed, 0 outbox entries except the card charges SOAP could not see.
///
/// Needs the store to rewrite a row only when its typed content changes (branch `write`:
/// a content hash that ignores `raw`); before that, every row a delta sees is rewritten
/// because its `raw` differs between transports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_soap_to_suiteql_keeps_the_data() {
    let w = world(small).await;
    let db = common::fresh_db().await;
    let store = &db.store;
    // Records modified just before the SOAP onboarding fall inside the next delta's overlap:
    // the SuiteQL delta reads them again, with the same content.
    let touched = (
        w.sim.modify_vendors(&w.account, 20).unwrap(),
        w.sim.modify_transactions(&w.account, 60).unwrap(),
        w.sim.modify_employees(&w.account, 10).unwrap(),
    );
    let first = sync(store, &w.tenant(Transport::Soap)).await;
    assert_eq!(first.status, RunStatus::Succeeded, "{first:?}");
    let outbox_before: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox").fetch_one(store.pool()).await.unwrap();
    let rows_before = typed_snapshot(store).await;

    let switched = sync(store, &w.tenant(Transport::Suiteql)).await;
    assert_eq!(switched.status, RunStatus::Succeeded, "{switched:?}");
    for o in &switched.outcomes {
        if o.entity == "card_spend" {
            assert_eq!(o.mode.as_str(), "full", "card spend onboards");
            assert!(o.inserted > 0);
        } else {
            let expected_mode =
                if matches!(o.entity.as_str(), "departments" | "expense_categories") { "full" } else { "delta" };
            assert_eq!(o.mode.as_str(), expected_mode, "{o:?}");
            assert_eq!((o.inserted, o.updated, o.deleted), (0, 0, 0), "no row changes on a switch: {o:?}");
        }
    }
    let cards: BTreeSet<String> = card_rows(store).await.into_iter().map(|c| c.0).collect();
    let new_queued: Vec<(String, String)> =
        sqlx::query_as("SELECT entity, internal_id FROM outbox ORDER BY id OFFSET $1")
            .bind(outbox_before)
            .fetch_all(store.pool())
            .await
            .unwrap();
    let new_ids: BTreeSet<String> = new_queued.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(new_ids, cards, "only the card charges are queued");
    assert!(new_queued.iter().all(|(e, _)| e == "invoices"));
    let rows_after = typed_snapshot(store).await;
    assert_eq!(rows_before, rows_after, "the SOAP rows are untouched");
    let seen_again = switched.outcomes.iter().filter(|o| o.entity != "card_spend").map(|o| o.records).sum::<u64>();
    assert!(
        seen_again >= (touched.0.len() + touched.2.len()) as u64,
        "the delta read the touched rows again: {switched:?}"
    );
}

/// The typed rows SOAP sees (card spend left out).
async fn typed_snapshot(store: &Store) -> Vec<Vec<serde_json::Value>> {
    let mut out = Vec::new();
    for (table, order) in TABLES {
        out.push(typed_rows(store, table, order, soap_visible(table)).await);
    }
    out
}

/// The `sync` binary killed with SIGKILL at random moments of a SuiteQL onboarding and
/// restarted each time: the final rows equal a clean SuiteQL run's, and the onboarding was
/// resumed by key, not started over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_suiteql_onboarding_then_restart_converges() {
    use rand::{Rng, SeedableRng};
    let w = world(|s| {
        s.with_vendors(8_000)
            .with_employees(80)
            .with_transactions(6_000)
            .with_expense_reports(600)
            .with_card_transactions(200)
    })
    .await;
    w.sim.set_latency(Duration::from_millis(40));
    w.sim.set_record_bodies(true);
    let db = common::fresh_db().await;
    let creds = client_creds(w.sim.credentials(&w.account).unwrap());
    let dir = tempfile::tempdir().unwrap();
    common::write_tenant_file(
        dir.path(),
        "acme",
        &creds,
        &w.running.endpoint(),
        "page_size = 100\ntransport = \"suiteql\"",
    );
    let command = || common::sync_command(&db.url, dir.path(), "acme");
    let mut rng = rand::rngs::StdRng::seed_from_u64(2027);
    let mut kills = 0;
    for _ in 0..8 {
        let mut child = command().spawn().expect("start the binary");
        tokio::time::sleep(Duration::from_millis(rng.gen_range(300..1500))).await;
        if let Ok(Some(_)) = child.try_wait() {
            continue;
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        kills += 1;
        sqlx::query("UPDATE tenant_leases SET expires_at = now() - interval '1 second' WHERE tenant_id = 'acme'")
            .execute(db.store.pool())
            .await
            .unwrap();
    }
    assert!(kills >= 5, "most moments fell inside the onboarding ({kills} kills)");
    // Resumed by key: the vendor onboarding (long enough to span the kills) asked for vendors
    // from the start of their scope once, plus at most once per kill that came before its
    // first page was committed; every other run resumed after the last committed key.
    let queries: Vec<String> = w
        .sim
        .request_log()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("suiteql"))
        .filter_map(|r| r.request_body.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()))
        .collect();
    let from_start = queries.iter().filter(|q| q.contains("FROM vendor WHERE id > 0 ")).count();
    let resumed = queries.iter().filter(|q| q.contains("FROM vendor WHERE id > ") && !q.contains(" id > 0 ")).count();
    assert!(
        from_start >= 1 && from_start <= 1 + kills / 2,
        "onboarding resumed instead of starting over ({from_start} vendor queries from the start, {kills} kills)"
    );
    assert!(resumed > 0);
    println!("{from_start} vendor queries from the start of their scope, {resumed} after a key");
    let cursor: Option<String> = sqlx::query_scalar(
        "SELECT pull_transport FROM sync_cursors WHERE tenant_id = 'acme' AND pull_started_at IS NOT NULL LIMIT 1",
    )
    .fetch_optional(db.store.pool())
    .await
    .unwrap();
    if let Some(t) = cursor {
        assert_eq!(t, "suiteql", "an open pull holds a keyset position");
    }
    w.sim.set_latency(Duration::ZERO);
    let status = command().status().unwrap();
    assert!(status.success(), "final run: {status}");
    assert_eq!(common::service_count(&db.store, "acme").await, 8_000);

    let clean = common::fresh_db().await;
    let mut t = common::tenant("acme", creds, &w.running.endpoint(), 100);
    t.transport = Transport::Suiteql;
    sync_tenant(&clean.store, &t, &common::sync_settings(), CancellationToken::new(), "test").await.unwrap();
    for (table, order) in TABLES {
        let a = typed_rows(&db.store, table, order, "").await;
        let b = typed_rows(&clean.store, table, order, "").await;
        assert_eq!(a, b, "{table}: killed-and-resumed rows equal a clean run's");
    }
    println!("{kills} kills");
}

/// A role without `Transactions -> Credit Card` and without `Transactions -> Expense Report`:
/// those two entities degrade with NetSuite's message, the rest is pulled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_query_degrades_one_entity_and_the_rest_goes_on() {
    let w = world(small).await;
    let role = PermissionSet::all().without(Permission::CreditCard).without(Permission::ExpenseReport);
    w.sim.set_permissions(&w.account, role).unwrap();
    let db = common::fresh_db().await;
    let run = sync(&db.store, &w.tenant(Transport::Suiteql)).await;
    assert_eq!(run.status, RunStatus::Degraded, "{run:?}");
    for o in &run.outcomes {
        match o.entity.as_str() {
            "card_spend" | "costs" => {
                assert_eq!(o.status, RunStatus::Degraded, "{o:?}");
                assert_eq!(o.error_code.as_deref(), Some("INSUFFICIENT_PERMISSION"), "{o:?}");
            }
            _ => assert_eq!(o.status, RunStatus::Succeeded, "{o:?}"),
        }
    }
    assert_eq!(common::service_count(&db.store, "acme").await, 300);
    let status: String =
        sqlx::query_scalar("SELECT status FROM entity_status WHERE tenant_id = 'acme' AND entity = 'card_spend'")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
    assert_eq!(status, "degraded");
}

/// 429 (over the concurrency limit) and 5xx answers are retried with back-off; a page one row
/// short (with more after it) loses nothing: the next query asks after its last key. The pull
/// completes with every row, without starting over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_429_and_503_are_retried() {
    let w = world(|s| s.with_vendors(2_500)).await;
    // Three refusals of the first request, then its answer one row short (with more after it).
    w.sim.push_faults(
        &w.account,
        vec![InjectedFault::Http(429), InjectedFault::Http(429), InjectedFault::Http(503), InjectedFault::ShortPage],
    );
    let db = common::fresh_db().await;
    let mut t = w.tenant(Transport::Suiteql);
    t.product = netsuite_discovery::config::Product::Eam;
    let run = sync(&db.store, &t).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert!(run.request_errors >= 3, "{run:?}");
    assert_eq!(common::service_count(&db.store, "acme").await, 2_500);
    assert_eq!(w.sim.pending_faults(), 0);
    let vendors = run.outcomes.iter().find(|o| o.entity == "vendors").unwrap();
    assert_eq!((vendors.records, vendors.inserted), (2_500, 2_500), "no page twice: {vendors:?}");
}

/// `check` says which transport it used and probes each entity over it; over SOAP it says
/// plainly that card spend is not available, which is not a failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_the_transport_and_probes_each_entity() {
    let w = world(small).await;
    let report = check_tenant(&w.tenant(Transport::Suiteql), &settings()).await.unwrap();
    let text = report.render();
    assert_eq!(report.transport, "suiteql");
    assert!(text.contains("transport suiteql"), "{text}");
    assert_eq!(report.exit_code(), 0, "{text}");
    for row in &report.rows {
        assert!(matches!(row.access, Access::Ok { .. }), "{text}");
    }
    let vendors = report.rows.iter().find(|r| r.entity == Entity::Vendors).unwrap();
    assert_eq!(vendors.access, Access::Ok { total_records: 300 });
    let cards = report.rows.iter().find(|r| r.entity == Entity::CardSpend).unwrap();
    assert!(matches!(cards.access, Access::Ok { total_records } if total_records > 0), "{text}");

    let soap = check_tenant(&w.tenant(Transport::Soap), &settings()).await.unwrap();
    let text = soap.render();
    assert!(text.contains("transport soap"), "{text}");
    assert_eq!(soap.exit_code(), 0, "{text}");
    let cards = soap.rows.iter().find(|r| r.entity == Entity::CardSpend).unwrap();
    assert!(matches!(&cards.access, Access::NotAvailable(why) if why.contains("not available over SOAP")), "{text}");

    // A role without Credit Card: that row says missing, with the permission it needs.
    w.sim.set_permissions(&w.account, PermissionSet::all().without(Permission::CreditCard)).unwrap();
    let report = check_tenant(&w.tenant(Transport::Suiteql), &settings()).await.unwrap();
    let cards = report.rows.iter().find(|r| r.entity == Entity::CardSpend).unwrap();
    assert!(matches!(cards.access, Access::Missing(_)), "{}", report.render());
    assert_eq!(report.exit_code(), 2);
}

/// The issue's account (2,000 vendors, 50,000 vendor transactions, 5,000 expense reports,
/// 5,000 employees, 120 departments) onboarded over SOAP 2017_2 and over SuiteQL at the same
/// simulated latency and concurrency limit: typed tables equal; time and requests printed.
/// Heavy: run with `cargo test --release --test suiteql -- --ignored --nocapture issue_account`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "minutes on a shared machine; the measurement for the closing note"]
async fn issue_account_soap_vs_suiteql() {
    let latency = std::env::var("NSD_BENCH_LATENCY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let w = world(|s| {
        s.with_vendors(2_000)
            .with_transactions(50_000)
            .with_expense_reports(5_000)
            .with_employees(5_000)
            .with_departments(120)
            .with_card_transactions(1_000)
            .with_concurrency_limit(5)
    })
    .await;
    w.sim.set_latency(Duration::from_millis(latency));
    let s = SyncSettings { max_in_flight_per_account: 5, ..settings() };
    let mut results = Vec::new();
    let mut dbs = Vec::new();
    for transport in [Transport::Soap, Transport::Suiteql] {
        let db = common::fresh_db().await;
        let started = Instant::now();
        let run = sync_tenant(&db.store, &w.tenant(transport), &s, CancellationToken::new(), "bench").await.unwrap();
        assert!(matches!(run.status, RunStatus::Succeeded), "{run:?}");
        results.push((transport, started.elapsed(), run.requests));
        dbs.push(db);
    }
    for (t, elapsed, requests) in &results {
        println!(
            "{}: onboarding {:.1} s, {} requests (latency {latency} ms, limit 5)",
            t.as_str(),
            elapsed.as_secs_f64(),
            requests
        );
    }
    assert_typed_equal(&dbs[0].store, &dbs[1].store).await;
}

/// Deletions over SuiteQL (`deletedrecord`): vendors, bills and card charges deleted in
/// NetSuite are marked deleted by the next delta and queued; the drift check of that delta
/// agrees; a row lost on our side is drift and makes the next pull a full one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_and_drift_over_suiteql() {
    use nsd_simulator::{SimRecordType, TransactionKind};
    let w =
        world(|s| s.with_vendors(500).with_transactions(1_500).with_expense_reports(200).with_card_transactions(100))
            .await;
    let db = common::fresh_db().await;
    let store = &db.store;
    let t = w.tenant(Transport::Suiteql);
    assert_eq!(sync(store, &t).await.status, RunStatus::Succeeded);
    let stored = |sql: &'static str| async move {
        sqlx::query_scalar::<_, String>(sql).fetch_all(store.pool()).await.unwrap().into_iter().collect::<BTreeSet<_>>()
    };
    let bills_before =
        stored("SELECT internal_id FROM invoices WHERE record_type = 'VendorBill' AND deleted_at IS NULL").await;
    let cards_before =
        stored("SELECT internal_id FROM invoices WHERE record_type = 'CreditCardCharge' AND deleted_at IS NULL").await;
    let vendors: BTreeSet<String> = w.sim.delete_vendors(&w.account, 10).unwrap().into_iter().collect();
    let delete = |kind: TransactionKind, from: &BTreeSet<String>, n: usize| -> BTreeSet<String> {
        let ids: BTreeSet<String> = from.iter().take(n).cloned().collect();
        for id in &ids {
            w.sim.delete_record(&w.account, SimRecordType::of_transaction(kind), id).unwrap();
        }
        ids
    };
    let bills = delete(TransactionKind::VendorBill, &bills_before, 15);
    let cards = delete(TransactionKind::CreditCardCharge, &cards_before, 5);

    let delta = sync(store, &t).await;
    assert_eq!(delta.status, RunStatus::Succeeded, "{delta:?}");
    for o in delta.outcomes.iter().filter(|o| !matches!(o.entity.as_str(), "expense_categories" | "departments")) {
        assert_eq!(o.mode.as_str(), "delta", "{o:?}");
    }
    assert_eq!(stored("SELECT internal_id FROM services WHERE deleted_at IS NOT NULL").await, vendors);
    let expected_bills: BTreeSet<String> = bills.intersection(&bills_before).cloned().collect();
    let expected_cards: BTreeSet<String> = cards.intersection(&cards_before).cloned().collect();
    assert!(!expected_bills.is_empty() && !expected_cards.is_empty());
    assert_eq!(
        stored("SELECT internal_id FROM invoices WHERE deleted_at IS NOT NULL AND record_type = 'VendorBill'").await,
        expected_bills
    );
    assert_eq!(
        stored("SELECT internal_id FROM invoices WHERE deleted_at IS NOT NULL AND record_type = 'CreditCardCharge'")
            .await,
        expected_cards
    );
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE op = 'delete'").fetch_one(store.pool()).await.unwrap();
    assert_eq!(queued as usize, vendors.len() + expected_bills.len() + expected_cards.len());
    let drift: i64 =
        sqlx::query_scalar("SELECT count(*) FROM reconciliations WHERE drift").fetch_one(store.pool()).await.unwrap();
    let checks: i64 = sqlx::query_scalar("SELECT count(*) FROM reconciliations").fetch_one(store.pool()).await.unwrap();
    assert_eq!((drift, checks > 0), (0, true), "the drift check ran and agreed");

    // Drift: a vendor row lost on our side.
    let victim = stored("SELECT internal_id FROM services WHERE deleted_at IS NULL").await.into_iter().next().unwrap();
    sqlx::query("DELETE FROM services WHERE internal_id = $1").bind(&victim).execute(store.pool()).await.unwrap();
    let delta = sync(store, &t).await;
    let (remote, local, drift): (i64, i64, bool) = sqlx::query_as(
        "SELECT remote, local, drift FROM reconciliations WHERE entity = 'vendors' ORDER BY checked_at DESC, id DESC LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((remote, local, drift), (490, 489, true), "{delta:?}");
    let repaired = sync(store, &t).await;
    let vendors_run = repaired.outcomes.iter().find(|o| o.entity == "vendors").unwrap();
    assert_eq!(vendors_run.mode.as_str(), "full", "drift makes the next pull a full one");
    assert_eq!(common::service_count(store, "acme").await - vendors.len() as i64, 490);
}

/// A role without `Transactions -> Purchase Order`: the typed transaction query is refused
/// and the pull falls back to the query without its type condition, keeping the vendor-side
/// types the role can see, as the SOAP pull falls back to the plain search: both degrade
/// `invoices` and store the same rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_typed_query_falls_back_like_soaps_plain_search() {
    let w = world(small).await;
    w.sim.set_permissions(&w.account, PermissionSet::all().without(Permission::PurchaseOrder)).unwrap();
    let (soap_db, ql_db) = (common::fresh_db().await, common::fresh_db().await);
    let soap = sync(&soap_db.store, &w.tenant(Transport::Soap)).await;
    let ql = sync(&ql_db.store, &w.tenant(Transport::Suiteql)).await;
    for run in [&soap, &ql] {
        assert_eq!(run.status, RunStatus::Degraded, "{run:?}");
        let invoices = run.outcomes.iter().find(|o| o.entity == "invoices").unwrap();
        assert_eq!(invoices.status, RunStatus::Degraded, "{invoices:?}");
        assert!(invoices.records > 0, "what the role can see is kept: {invoices:?}");
        assert!(
            run.outcomes.iter().filter(|o| o.entity != "invoices").all(|o| o.status == RunStatus::Succeeded),
            "{run:?}"
        );
    }
    let pos: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invoices WHERE record_type IN ('PurchaseOrder', 'VendorReturnAuthorization')",
    )
    .fetch_one(ql_db.store.pool())
    .await
    .unwrap();
    assert_eq!(pos, 0);
    assert_typed_equal(&soap_db.store, &ql_db.store).await;
    // The next run resumes nothing and stays degraded the same way.
    let again = sync(&ql_db.store, &w.tenant(Transport::Suiteql)).await;
    assert_eq!(again.status, RunStatus::Degraded, "{again:?}");
    assert_typed_equal(&soap_db.store, &ql_db.store).await;
}

/// `status` names the tenant's transport; over SOAP it says plainly that card spend is not
/// available (a note, not a failure); over SuiteQL `card_spend` is an entity like the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_names_the_transport_and_card_spend() {
    let w = world(|s| s.with_vendors(50).with_transactions(200).with_card_transactions(20)).await;
    let db = common::fresh_db().await;
    let creds = client_creds(w.sim.credentials(&w.account).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let status = || {
        let out = Command::new(env!("CARGO_BIN_EXE_netsuite-discovery"))
            .args(["status", "--tenant", "acme"])
            .env("DATABASE_URL", &db.url)
            .env("NSD__TENANTS_DIR", dir.path())
            .env("NSD__LOG__LEVEL", "error")
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    common::write_tenant_file(dir.path(), "acme", &creds, &w.running.endpoint(), "");
    assert_eq!(sync(&db.store, &w.tenant(Transport::Soap)).await.status, RunStatus::Succeeded);
    let out = status();
    assert!(out.contains("transport  soap"), "{out}");
    assert!(out.contains("card_spend: not available over SOAP"), "{out}");

    common::write_tenant_file(dir.path(), "acme", &creds, &w.running.endpoint(), "transport = \"suiteql\"");
    assert!(matches!(
        sync(&db.store, &w.tenant(Transport::Suiteql)).await.status,
        RunStatus::Succeeded | RunStatus::Degraded
    ));
    let out = status();
    assert!(out.contains("transport  suiteql"), "{out}");
    assert!(!out.contains("not available over SOAP"), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("card_spend ")), "{out}");
}

/// 40 vendors onboarded over SuiteQL in pages of 5, into a fresh database.
async fn forty_vendors_onboarded_over_suiteql() -> (World, common::TestDb, Tenant) {
    let w = world(|s| s.with_vendors(40)).await;
    let db = common::fresh_db().await;
    let creds = client_creds(w.sim.credentials(&w.account).unwrap());
    let mut t = common::vendor_tenant("acme", creds, &w.running.endpoint(), 5);
    t.transport = Transport::Suiteql;
    assert_eq!(sync(&db.store, &t).await.status, RunStatus::Succeeded);
    (w, db, t)
}

/// The vendors marked deleted, and the deletes queued in the outbox.
async fn marked_and_queued(store: &Store) -> (BTreeSet<String>, i64) {
    let marked =
        sqlx::query_scalar("SELECT internal_id FROM services WHERE tenant_id = 'acme' AND deleted_at IS NOT NULL")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .into_iter()
            .collect();
    let queued =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE op = 'delete'").fetch_one(store.pool()).await.unwrap();
    (marked, queued)
}

/// More deletions at one instant than a page of `deletedrecord` (here 12 vendors deleted in
/// one second, pages of 5): the read goes on by time and, within that instant, by offset, so
/// every one is marked and queued, the run is not degraded and the next pull is a delta.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_at_one_instant_past_a_page_are_all_marked() {
    let (w, db, t) = forty_vendors_onboarded_over_suiteql().await;
    let store = &db.store;
    let deleted: BTreeSet<String> = w.sim.delete_vendors(&w.account, 12).unwrap().into_iter().collect();
    assert_eq!(deleted.len(), 12);
    w.sim.clear_request_log();

    let delta = sync(store, &t).await;
    assert_eq!(delta.status, RunStatus::Succeeded, "{delta:?}");
    let (marked, queued) = marked_and_queued(store).await;
    assert_eq!(marked, deleted, "every deletion of the instant is marked");
    assert_eq!(queued, 12);
    let by_offset = w
        .sim
        .request_log()
        .iter()
        .filter(|r| r.search_type.as_deref() == Some("deletedrecord") && r.page_index.unwrap_or(1) > 1)
        .count();
    assert!(by_offset >= 2, "the instant was paged by offset ({by_offset} pages past the first)");
    let cursor = store.load_cursor("acme", "vendors").await.unwrap();
    assert_eq!(cursor.force_full, None, "nothing left unread: no full pull forced");
    let next = sync(store, &t).await;
    let vendors = next.outcomes.iter().find(|o| o.entity == "vendors").unwrap();
    assert_eq!((vendors.mode.as_str(), vendors.status), ("delta", RunStatus::Succeeded), "{vendors:?}");
}

/// A short page of `deletedrecord` at one instant with more after it (every page here loses
/// its last row): going on by offset would skip a row, so the read stops, the vendors are
/// degraded (`deletions_short_page`) and the deletion mark stays. The next run reads the
/// instant again and marks every deletion, each queued once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_page_of_deletions_at_one_instant_degrades_and_is_read_again() {
    let (w, db, t) = forty_vendors_onboarded_over_suiteql().await;
    let store = &db.store;
    let mark = store.load_cursor("acme", "vendors").await.unwrap().deleted_high_water;
    let deleted: BTreeSet<String> = w.sim.delete_vendors(&w.account, 12).unwrap().into_iter().collect();
    assert_eq!(deleted.len(), 12);
    w.sim.push_faults(&w.account, vec![InjectedFault::ShortPage; 30]);

    let delta = sync(store, &t).await;
    w.sim.clear_faults();
    assert_eq!(delta.status, RunStatus::Degraded, "{delta:?}");
    let vendors = delta.outcomes.iter().find(|o| o.entity == "vendors").unwrap();
    assert_eq!(vendors.error_code.as_deref(), Some("deletions_short_page"), "{vendors:?}");
    assert!(vendors.error.as_deref().unwrap_or("").contains("short page"), "{vendors:?}");
    assert_eq!(store.load_cursor("acme", "vendors").await.unwrap().deleted_high_water, mark, "the mark stays");

    let next = sync(store, &t).await;
    assert_eq!(next.status, RunStatus::Succeeded, "{next:?}");
    let (marked, queued) = marked_and_queued(store).await;
    assert_eq!(marked, deleted, "every deletion of the instant is marked on the next run");
    assert_eq!(queued, 12, "each deletion queued once");
}
