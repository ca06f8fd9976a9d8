//! `status`: a real sync against the simulator, plus rows the producing code does not write
//! yet (drift checks, rejected records, a forced full pull), then the binary's table and JSON
//! show each value.

mod common;

use std::process::Command;
use std::time::Duration;

use common::client_creds;
use netsuite_discovery::config::load_tenant_file;
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::store::RunStatus;
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, FaultTarget, InjectedFault, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

fn status(db_url: &str, dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netsuite-discovery"))
        .arg("status")
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("NSD__TENANTS_DIR", dir)
        .env("NSD__LOG__LEVEL", "error")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The table row of `entity` in the block of `tenant`, split on whitespace.
fn row<'a>(out: &'a str, tenant: &str, entity: &str) -> Vec<&'a str> {
    let block = out.split("\ntenant ").find(|b| b.starts_with(tenant) || b.starts_with(&format!("tenant {tenant}")));
    let block = block.unwrap_or_else(|| panic!("no block for {tenant}: {out}"));
    block
        .lines()
        .find(|l| l.split_whitespace().next() == Some(entity))
        .unwrap_or_else(|| panic!("no row for {entity}: {out}"))
        .split_whitespace()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_runs_rows_drift_rejects_outbox_and_schedule() {
    common::init_logs();
    let account = AccountId::parse("1234567_SB1").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account.clone(), 5).with_vendors(300).with_transactions(40)).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    let db = common::fresh_db().await;
    let store = &db.store;
    let dir = tempfile::tempdir().unwrap();
    let creds = client_creds(sim.credentials(&account).unwrap());
    common::write_tenant_file(
        dir.path(),
        "acme",
        &creds,
        &running.endpoint(),
        "[schedule]\ndelta_every = \"6h\"\njitter = \"0s\"",
    );
    // A second tenant with a file and nothing stored yet.
    common::write_tenant_file(dir.path(), "beta", &creds, &running.endpoint(), "product = \"eam\"");
    let tenant = load_tenant_file(&dir.path().join("acme.toml"), &common::sync_settings()).unwrap();

    // A good run, then one where vendors fail (HTTP 503, no retries) and the rest go on.
    let first = sync_tenant(store, &tenant, &common::sync_settings(), CancellationToken::new(), "test").await.unwrap();
    assert_eq!(first.status, RunStatus::Succeeded, "{first:?}");
    // Onboarded, nothing open: the next run is due 6 h after this one (no jitter).
    let runs = common::runs_of(store, "acme").await;
    let due = (runs[0].0 + chrono::Duration::hours(6)).format("%Y-%m-%d %H:%M").to_string();
    let (code, out) = status(&db.url, dir.path(), &["--tenant", "acme"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("next run   {due} UTC (in 5h 59m)")), "{out}");
    assert!(out.contains("lease      free"), "{out}");
    assert_eq!(row(&out, "acme", "vendors")[3..8], ["succeeded", "full", "300", "300", "0"], "{out}");

    sim.push_faults(FaultTarget::Any, vec![InjectedFault::Http(503)]);
    let mut once = common::sync_settings();
    once.max_attempts = 1;
    let second = sync_tenant(store, &tenant, &once, CancellationToken::new(), "test").await.unwrap();
    assert_eq!(second.status, RunStatus::Failed);
    let invoices_stored: i64 = sqlx::query_scalar("SELECT count(*) FROM invoices WHERE tenant_id = 'acme'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(invoices_stored > 0);

    // Three vendors deleted (their deletions queued), one invoice too.
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT internal_id FROM services WHERE tenant_id = 'acme' ORDER BY internal_id LIMIT 3")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(store.mark_deleted("acme", "vendors", &ids, chrono::Utc::now()).await.unwrap(), 3);
    let inv: Vec<String> = sqlx::query_scalar("SELECT internal_id FROM invoices WHERE tenant_id = 'acme' LIMIT 1")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(store.mark_deleted("acme", "invoices", &inv, chrono::Utc::now()).await.unwrap(), 1);
    // The outbox: two services changes in flight, one delivered (not backlog).
    sqlx::query("UPDATE outbox SET state = 'in_flight' WHERE id IN (SELECT id FROM outbox WHERE entity = 'services' ORDER BY id LIMIT 2)")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE outbox SET state = 'delivered' WHERE id IN (SELECT id FROM outbox WHERE entity = 'services' AND state = 'pending' ORDER BY id LIMIT 1)")
        .execute(store.pool())
        .await
        .unwrap();
    let backlog: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE tenant_id = 'acme' AND entity = 'services' AND state IN ('pending', 'in_flight')",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(backlog > 3, "the sync queued the vendors, the deletions added 3: {backlog}");
    // Rows set by hand: drift checks (the latest wins; the invoices one is later than the
    // check the second run made itself), rejected
    // records, a forced full pull.
    sqlx::query(
        "INSERT INTO reconciliations (tenant_id, entity, checked_at, remote, local, drift) VALUES
           ('acme', 'vendors', '2026-01-01 00:00:00+00', 1, 1, false),
           ('acme', 'vendors', '2026-01-02 03:04:00+00', 305, 297, true),
           ('acme', 'invoices', now() + interval '1 hour', 40, 40, false)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO rejected_records (tenant_id, entity, record_key, internal_id, error, xml) VALUES
           ('acme', 'invoices', '901', '901', 'tranDate: not a date', '<record/>'),
           ('acme', 'invoices', 'xml:abc', NULL, 'missing internalId', '<record/>')",
    )
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE sync_cursors SET force_full = true, force_full_reason = 'drift: NetSuite 40, ours 39' WHERE tenant_id = 'acme' AND entity = 'invoices'")
        .execute(store.pool())
        .await
        .unwrap();
    assert!(store.try_acquire_lease("acme", "replica-z-9-cafe", Duration::from_secs(120)).await.unwrap());

    let (code, out) = status(&db.url, dir.path(), &["--tenant", "acme"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("tenant beta"), "--tenant shows that tenant alone: {out}");
    assert!(out.starts_with("tenant acme  account 1234567_SB1"), "{out}");
    let runs = common::runs_of(store, "acme").await;
    let last_started = runs[1].0.format("%Y-%m-%d %H:%M").to_string();
    assert!(out.contains(&format!("last run   {last_started} UTC  failed  (trigger test)")), "{out}");
    // The failed vendors pull is open: the daemon would run the tenant at once.
    assert!(out.contains("next run   due now"), "{out}");
    assert!(out.contains("lease      held by replica-z-9-cafe since "), "{out}");

    // entity, last run (date time), outcome, mode, records, live, deleted, drift checked
    // (date time), netsuite/ours, rejected, outbox, cursor
    let v = row(&out, "acme", "vendors");
    assert_eq!(v[1..3].join(" "), last_started, "{out}");
    assert_eq!((v[3], v[4], v[5]), ("failed", "delta", "0"), "{out}");
    assert_eq!((v[6], v[7]), ("297", "3"), "{out}");
    assert_eq!((v[8], v[9], v[10], v[11]), ("2026-01-02", "03:04", "305/297", "DRIFT"), "{out}");
    assert_eq!(v[12], "0", "{out}");
    assert_eq!(v[13], backlog.to_string(), "{out}");
    assert_eq!(v[14], "resume", "{out}");
    assert!(out.contains("vendors: http_503"), "{out}");

    let i = row(&out, "acme", "invoices");
    assert_eq!((i[3], i[4]), ("succeeded", "delta"), "{out}");
    assert_eq!((i[6], i[7]), ((invoices_stored - 1).to_string().as_str(), "1"), "{out}");
    assert_eq!((i[10], i[11]), ("40/40", "ok"), "{out}");
    assert_eq!(i[12], "2", "{out}");
    assert_eq!(i[14], "forced-full", "{out}");
    assert!(out.contains("invoices: next pull is full: drift: NetSuite 40, ours 39"), "{out}");

    let c = row(&out, "acme", "expense_categories");
    assert_eq!((c[8], c[9], c[12]), ("never", "-", "delta"), "{out}");

    // Every tenant: beta has a file and nothing stored, so it is due now.
    let (code, all) = status(&db.url, dir.path(), &[]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("tenant acme") && all.contains("tenant beta"), "{all}");
    let beta = &all[all.find("tenant beta").unwrap()..];
    assert!(
        beta.contains("last run   never") && beta.contains("next run   due now") && beta.contains("lease      free"),
        "{all}"
    );
    let b = row(&all, "beta", "vendors");
    assert_eq!((b[1], b[2], b[3], b[4], b[5]), ("never", "-", "-", "-", "0"), "{all}");
    assert_eq!(b.last(), Some(&"onboarding"), "{all}");

    // JSON carries the same values.
    let (code, json) = status(&db.url, dir.path(), &["--tenant", "acme", "--json"]);
    assert_eq!(code, 0, "{json}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let acme = &doc["tenants"][0];
    assert_eq!(acme["tenant_id"], "acme");
    assert_eq!(acme["lease"]["holder"], "replica-z-9-cafe");
    assert_eq!(acme["last_run"]["status"], "failed");
    let vendors = acme["entities"].as_array().unwrap().iter().find(|e| e["entity"] == "vendors").unwrap();
    assert_eq!(vendors["live"], 297);
    assert_eq!(vendors["deleted"], 3);
    assert_eq!(vendors["drift_check"]["remote"], 305);
    assert_eq!(vendors["drift_check"]["drift"], true);
    assert_eq!(vendors["last_run"]["error_code"], "http_503");
    assert_eq!(vendors["outbox_pending"].as_i64().unwrap() + vendors["outbox_in_flight"].as_i64().unwrap(), backlog);
    assert_eq!(vendors["outbox_in_flight"], 2);
    assert_eq!(vendors["enabled"], true);
    let invoices = acme["entities"].as_array().unwrap().iter().find(|e| e["entity"] == "invoices").unwrap();
    assert_eq!(invoices["rejected"], 2);
    assert_eq!(invoices["force_full"], true);
}
