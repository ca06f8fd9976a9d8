//! Spend discovery end to end: invoices from Transaction Search and costs from expense
//! reports, one year back from each service's discovery, exact against the simulator's
//! ground truth, degrading per the permission table.

mod common;

use std::collections::BTreeMap;

use chrono::{Duration as ChronoDuration, NaiveDate, Utc};
use common::{client_creds, fresh_db, sync_settings, tenant};
use netsuite_discovery::config::Tenant;
use netsuite_discovery::discovery::pull::one_year_before;
use netsuite_discovery::discovery::{sync_tenant, RunSummary};
use netsuite_discovery::store::{RunStatus, Store};
use nsd_simulator::AccountId;
use nsd_simulator::{
    AccountSpec, NewTransaction, Permission, PermissionSet, RunningSimulator, SimConfig, SimTransaction, Simulator,
};
use rust_decimal::Decimal;
use tokio_util::sync::CancellationToken;

const VENDOR_TYPES: &[&str] =
    &["VendorBill", "Check", "PurchaseOrder", "VendorCredit", "VendorReturnAuthorization", "VendorPayment"];

fn account() -> AccountId {
    AccountId::parse("7654321").unwrap()
}

async fn sim(spec: AccountSpec) -> (Simulator, RunningSimulator) {
    common::init_logs();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(spec).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    (sim, running)
}

async fn sync(store: &Store, t: &Tenant) -> RunSummary {
    sync_tenant(store, t, &sync_settings(), CancellationToken::new(), "test").await.expect("sync runs")
}

fn status_of(run: &RunSummary, entity: &str) -> Option<RunStatus> {
    run.outcomes.iter().find(|o| o.entity == entity).map(|o| o.status)
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap()
}

/// Stored invoices per record type.
async fn invoices_by_type(store: &Store) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>("SELECT record_type, count(*) FROM invoices GROUP BY 1")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Ground truth per record type among `txs` dated on or after `start`.
fn truth_by_type(txs: &[SimTransaction], start: NaiveDate, types: &[&str]) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for t in txs.iter().filter(|t| t.tran_date >= start && types.contains(&t.record_type)) {
        *m.entry(t.record_type.to_string()).or_insert(0) += 1;
    }
    m
}

async fn window_start(store: &Store) -> NaiveDate {
    let earliest: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT min(discovered_at) FROM services").fetch_one(store.pool()).await.unwrap();
    one_year_before(earliest)
}

/// The acceptance figures: 2,000 vendors, 50,000 vendor transactions over 3 years, 5,000
/// expense reports. Stored counts equal the ground truth inside the window, exactly, per
/// type; totals match to the cent; a second run changes 0 rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_counts_are_exact_and_a_second_run_changes_nothing() {
    let spec = AccountSpec::new(account(), 99)
        .with_vendors(2_000)
        .with_employees(300)
        .with_transactions(50_000)
        .with_expense_reports(5_000);
    let (sim, running) = sim(spec).await;
    let db = fresh_db().await;
    let t = tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 1000);

    let first = sync(&db.store, &t).await;
    assert_eq!(first.status, RunStatus::Succeeded, "{first:?}");
    let start = window_start(&db.store).await;
    let txs = sim.transactions(&account()).unwrap();
    assert_eq!(txs.iter().filter(|t| VENDOR_TYPES.contains(&t.record_type)).count(), 50_000);

    let truth = truth_by_type(&txs, start, VENDOR_TYPES);
    assert_eq!(invoices_by_type(&db.store).await, truth, "invoices per type inside the window");
    assert!(truth.len() >= 5, "several transaction types: {truth:?}");
    let costs_truth = truth_by_type(&txs, start, &["ExpenseReport"]);
    assert_eq!(count(&db.store, "SELECT count(*) FROM costs").await, costs_truth["ExpenseReport"]);

    // Exact money: the stored totals equal the simulator's, to the cent.
    let stored_total: Decimal =
        sqlx::query_scalar("SELECT coalesce(sum(total), 0) FROM invoices").fetch_one(db.store.pool()).await.unwrap();
    let truth_total: Decimal =
        txs.iter().filter(|t| t.tran_date >= start && VENDOR_TYPES.contains(&t.record_type)).map(|t| t.total).sum();
    assert_eq!(stored_total, truth_total);
    // Credits net out: signed amounts are negative exactly for credits.
    let wrong_sign = count(
        &db.store,
        "SELECT count(*) FROM invoices WHERE (spend_role = 'credit' AND amount > 0) OR (spend_role <> 'credit' AND amount < 0)",
    )
    .await;
    assert_eq!(wrong_sign, 0);
    // Lines came with the headers and add up.
    let mismatched = count(
        &db.store,
        "SELECT count(*) FROM invoices i WHERE i.record_type <> 'VendorPayment' AND i.total IS DISTINCT FROM
           (SELECT sum(amount) FROM invoice_lines l WHERE l.tenant_id = i.tenant_id AND l.internal_id = i.internal_id)",
    )
    .await;
    assert_eq!(mismatched, 0, "every invoice's lines sum to its total");
    let cost_lines_missing =
        count(&db.store, "SELECT count(*) FROM costs c WHERE NOT EXISTS (SELECT 1 FROM cost_lines l WHERE l.internal_id = c.internal_id)")
            .await;
    assert_eq!(cost_lines_missing, 0);
    let unnamed = count(&db.store, "SELECT count(*) FROM cost_lines_named WHERE category IS NULL").await;
    assert_eq!(unnamed, 0, "every cost line carries a category name");
    // Every invoice links to a known service (all vendors were discovered first).
    assert_eq!(
        count(&db.store, "SELECT count(*) FROM service_invoices").await,
        count(&db.store, "SELECT count(*) FROM invoices").await
    );

    let second = sync(&db.store, &t).await;
    assert_eq!(second.status, RunStatus::Succeeded);
    for o in &second.outcomes {
        assert_eq!((o.inserted, o.updated), (0, 0), "{} changed rows on a second run", o.entity);
    }
}

/// The window comes from the discovery date, not from today, and its edges hold: one day
/// inside is stored, one day outside is not. A later service's own window is a view on top.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_edges_follow_the_discovery_date() {
    let spec = AccountSpec::new(account(), 5).with_vendors(20);
    let (sim, running) = sim(spec).await;
    let db = fresh_db().await;
    let creds = client_creds(sim.credentials(&account()).unwrap());

    // Discover the vendors (vendors only), then pretend it happened 120 days ago.
    let eam = common::vendor_tenant("acme", creds.clone(), &running.endpoint(), 1000);
    sync(&db.store, &eam).await;
    let discovered = Utc::now() - ChronoDuration::days(120);
    sqlx::query("UPDATE services SET discovered_at = $1").bind(discovered).execute(db.store.pool()).await.unwrap();
    let bound = one_year_before(discovered);
    let vendor = sim.vendors(&account()).unwrap()[0].internal_id.clone();
    let mut ids = BTreeMap::new();
    for (label, date) in
        [("inside", bound + ChronoDuration::days(1)), ("on", bound), ("outside", bound - ChronoDuration::days(1))]
    {
        let id = sim
            .add_transaction(
                &account(),
                NewTransaction {
                    type_enum: "_vendorBill".into(),
                    entity_id: vendor.clone(),
                    tran_date: date,
                    total: Decimal::new(12345, 2),
                },
            )
            .unwrap();
        ids.insert(label, id);
    }
    // A today-based window would exclude "inside" (it is more than a year before today).
    assert!(bound + ChronoDuration::days(1) < one_year_before(Utc::now()));

    let smp = tenant("acme", creds, &running.endpoint(), 1000);
    let run = sync(&db.store, &smp).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    let stored: Vec<String> = sqlx::query_scalar("SELECT internal_id FROM invoices ORDER BY internal_id")
        .fetch_all(db.store.pool())
        .await
        .unwrap();
    assert!(stored.contains(&ids["inside"]), "one day inside the window is stored");
    assert!(stored.contains(&ids["on"]), "the first day of the window is stored");
    assert!(!stored.contains(&ids["outside"]), "one day outside the window is not");
    let ws: Option<NaiveDate> = sqlx::query_scalar("SELECT window_start FROM sync_cursors WHERE entity = 'invoices'")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(ws, Some(bound));
    assert_eq!(count(&db.store, "SELECT count(*) FROM service_invoices").await, 2);
}

/// An invoice whose vendor is not known is kept, and links when the vendor arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_of_unknown_vendors_are_kept_and_link_later() {
    let spec = AccountSpec::new(account(), 8)
        .with_vendors(50)
        .with_transactions(600)
        .with_permissions(PermissionSet::all().without(Permission::Vendors));
    let (sim, running) = sim(spec).await;
    let db = fresh_db().await;
    let t = tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 1000);
    let run = sync(&db.store, &t).await;
    assert_eq!(status_of(&run, "vendors"), Some(RunStatus::Degraded));
    assert_eq!(status_of(&run, "invoices"), Some(RunStatus::Succeeded));
    let kept = count(&db.store, "SELECT count(*) FROM invoices").await;
    assert!(kept > 0);
    assert_eq!(count(&db.store, "SELECT count(*) FROM services").await, 0);
    assert_eq!(count(&db.store, "SELECT count(*) FROM service_invoices").await, 0, "nothing to link to yet");

    sim.set_permissions(&account(), PermissionSet::all()).unwrap();
    let run = sync(&db.store, &t).await;
    assert_eq!(status_of(&run, "vendors"), Some(RunStatus::Succeeded));
    assert_eq!(count(&db.store, "SELECT count(*) FROM service_invoices").await, kept, "every kept invoice links now");
    let status: String = sqlx::query_scalar("SELECT status FROM entity_status WHERE entity = 'vendors'")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(status, "ok");
}

/// Every permission set of the table: which entities run, which degrade, what is recorded,
/// and what is still stored through the plain Transaction Search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_missing_permission_degrades_as_specified() {
    use RunStatus::{Degraded as D, Failed as F, Succeeded as S};
    // (missing permission, vendors, invoices, expense_categories, costs, invoice types still stored)
    let all: &[&str] = VENDOR_TYPES;
    type Row<'a> = (Option<Permission>, [Option<RunStatus>; 4], Vec<&'a str>);
    let table: Vec<Row> = vec![
        (None, [Some(S), Some(S), Some(S), Some(S)], all.to_vec()),
        (
            Some(Permission::Bills),
            [Some(S), Some(D), Some(S), Some(S)],
            vec!["Check", "PurchaseOrder", "VendorReturnAuthorization"],
        ),
        (
            Some(Permission::PurchaseOrder),
            [Some(S), Some(D), Some(S), Some(S)],
            vec!["VendorBill", "Check", "VendorCredit", "VendorPayment"],
        ),
        (Some(Permission::FindTransaction), [Some(S), Some(D), Some(S), Some(D)], vec![]),
        (Some(Permission::CreditCard), [Some(S), Some(S), Some(S), Some(S)], all.to_vec()),
        (Some(Permission::ExpenseReport), [Some(S), Some(S), Some(S), Some(D)], all.to_vec()),
        (Some(Permission::Vendors), [Some(D), Some(S), Some(S), Some(S)], all.to_vec()),
        (Some(Permission::ExpenseCategories), [Some(S), Some(S), Some(D), Some(S)], all.to_vec()),
        (Some(Permission::EmployeeRecord), [Some(S), Some(S), Some(S), Some(S)], all.to_vec()),
        (Some(Permission::SoapWebServices), [Some(F), None, None, None], vec![]),
    ];
    for (missing, expected, types) in table {
        let perms = match missing {
            Some(p) => PermissionSet::all().without(p),
            None => PermissionSet::all(),
        };
        let spec = AccountSpec::new(account(), 13)
            .with_vendors(40)
            .with_employees(20)
            .with_transactions(900)
            .with_expense_reports(120)
            .with_permissions(perms);
        let (sim, running) = sim(spec).await;
        let db = fresh_db().await;
        let t = tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 1000);
        let run = sync(&db.store, &t).await;
        let got = ["vendors", "invoices", "expense_categories", "costs"].map(|e| status_of(&run, e));
        assert_eq!(got, expected, "missing {missing:?}: {run:?}");

        // What is recorded: one degraded row per degraded entity, with NetSuite's message.
        let degraded: Vec<(String, Option<String>, Option<String>)> =
            sqlx::query_as("SELECT entity, code, message FROM entity_status WHERE status = 'degraded' ORDER BY entity")
                .fetch_all(db.store.pool())
                .await
                .unwrap();
        let expected_degraded = expected.iter().filter(|s| **s == Some(D)).count();
        assert_eq!(degraded.len(), expected_degraded, "missing {missing:?}: {degraded:?}");
        for (entity, code, message) in &degraded {
            assert_eq!(code.as_deref(), Some("INSUFFICIENT_PERMISSION"), "{entity}");
            assert!(message.as_deref().unwrap_or("").contains("Permission Violation"), "{entity}: {message:?}");
        }

        // What is still stored: exactly the visible vendor-side types inside the window.
        if expected[1].is_some() {
            let start = match count(&db.store, "SELECT count(*) FROM services").await {
                0 => one_year_before(run_started(&db.store).await),
                _ => window_start(&db.store).await,
            };
            let truth = truth_by_type(&sim.transactions(&account()).unwrap(), start, &types);
            assert_eq!(invoices_by_type(&db.store).await, truth, "missing {missing:?}");
        }
        running.shutdown().await.ok();
    }
}

async fn run_started(store: &Store) -> chrono::DateTime<Utc> {
    sqlx::query_scalar("SELECT min(started_at) FROM sync_runs").fetch_one(store.pool()).await.unwrap()
}

/// A modified transaction comes back with the delta and is updated, lines included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delta_updates_modified_transactions() {
    let spec = AccountSpec::new(account(), 3)
        .with_vendors(30)
        .with_employees(10)
        .with_transactions(400)
        .with_expense_reports(60);
    let (sim, running) = sim(spec).await;
    let db = fresh_db().await;
    let t = tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 1000);
    sync(&db.store, &t).await;
    let start = window_start(&db.store).await;
    let modified = sim.modify_transactions(&account(), 15).unwrap();
    let txs = sim.transactions(&account()).unwrap();
    let in_window = txs.iter().filter(|t| modified.contains(&t.internal_id) && t.tran_date >= start).count() as u64;
    let run = sync(&db.store, &t).await;
    let updated: u64 =
        run.outcomes.iter().filter(|o| o.entity == "invoices" || o.entity == "costs").map(|o| o.updated).sum();
    let inserted: u64 =
        run.outcomes.iter().filter(|o| o.entity == "invoices" || o.entity == "costs").map(|o| o.inserted).sum();
    assert_eq!((inserted, updated), (0, in_window));
    // Stored totals follow the modification exactly.
    for tx in txs.iter().filter(|t| modified.contains(&t.internal_id) && t.tran_date >= start) {
        let table = if tx.record_type == "ExpenseReport" { "costs" } else { "invoices" };
        let total: Option<Decimal> = sqlx::query_scalar(&format!("SELECT total FROM {table} WHERE internal_id = $1"))
            .bind(&tx.internal_id)
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        assert_eq!(total, Some(tx.total), "{}", tx.internal_id);
    }
}

/// A bill payment that pays several bills keeps one `apply` line per bill: SOAP writes every
/// application with `line` 0 (the paid bill's line), so they are numbered by position; none is
/// folded into another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_application_of_a_payment_is_kept() {
    let spec = AccountSpec::new(account(), 21).with_vendors(40).with_transactions(1_500);
    let (sim, running) = sim(spec).await;
    let db = fresh_db().await;
    let t = tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 1000);
    sync(&db.store, &t).await;
    let start = window_start(&db.store).await;
    let payments: Vec<SimTransaction> = sim
        .transactions(&account())
        .unwrap()
        .into_iter()
        .filter(|t| t.record_type == "VendorPayment" && t.tran_date >= start)
        .collect();
    let several = payments.iter().filter(|p| p.lines > 1).count();
    assert!(several > 0, "the account has payments of several bills");
    for p in &payments {
        let (n, sum, numbers): (i64, Option<Decimal>, Vec<i32>) = sqlx::query_as(
            "SELECT count(*), sum(amount), coalesce(array_agg(line ORDER BY line) FILTER (WHERE line IS NOT NULL), '{}')
             FROM invoice_lines WHERE tenant_id = 'acme' AND internal_id = $1 AND kind = 'apply'",
        )
        .bind(&p.internal_id)
        .fetch_one(db.store.pool())
        .await
        .unwrap();
        assert_eq!(n as usize, p.lines, "payment {}: one line per application", p.internal_id);
        assert_eq!(numbers, (1..=p.lines as i32).collect::<Vec<_>>(), "payment {}", p.internal_id);
        let truth: Decimal = p.line_amounts.iter().sum();
        assert_eq!(sum.unwrap_or_default(), truth, "payment {}: amounts", p.internal_id);
    }
}
