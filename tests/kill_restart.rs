//! The `sync` binary killed with SIGKILL mid-pull, several times, then run to the end: the
//! stored rows equal an uninterrupted run's, exactly.

mod common;

use std::time::Duration;

use common::client_creds;
use netsuite_discovery::discovery::sync_tenant;
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

async fn table(store: &netsuite_discovery::store::Store, sql: &str) -> Vec<serde_json::Value> {
    sqlx::query_scalar(sql).fetch_all(store.pool()).await.unwrap()
}

/// Every stored row of every spend and service table, without the columns saying when we
/// wrote them.
async fn everything(store: &netsuite_discovery::store::Store) -> Vec<Vec<serde_json::Value>> {
    let mut out = vec![common::services_snapshot(store, "acme").await];
    for sql in [
        "SELECT to_jsonb(i) - 'discovered_at' - 'updated_at' FROM invoices i ORDER BY internal_id",
        "SELECT to_jsonb(l) FROM invoice_lines l ORDER BY internal_id, kind, line",
        "SELECT to_jsonb(c) - 'discovered_at' - 'updated_at' FROM costs c ORDER BY internal_id",
        "SELECT to_jsonb(l) FROM cost_lines l ORDER BY internal_id, line",
        "SELECT to_jsonb(e) - 'discovered_at' - 'updated_at' FROM expense_categories e ORDER BY internal_id",
    ] {
        out.push(table(store, sql).await);
    }
    out
}

/// Killed with SIGKILL at 10 random moments of an onboarding (vendors, invoices, expense
/// categories, costs; pages fetched in parallel) and restarted each time: the final data
/// equals a clean run's, exactly, and the onboarding was never restarted from scratch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_then_restart_converges() {
    use rand::{Rng, SeedableRng};
    common::init_logs();
    let account = AccountId::parse("1234567_SB1").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(
        AccountSpec::new(account.clone(), 21)
            .with_vendors(3_000)
            .with_employees(80)
            .with_transactions(6_000)
            .with_expense_reports(600),
    )
    .unwrap();
    sim.set_latency(Duration::from_millis(80));
    let running = sim.clone().spawn().await.unwrap();
    let creds = client_creds(sim.credentials(&account).unwrap());
    let db = common::fresh_db().await;

    let dir = tempfile::tempdir().unwrap();
    common::write_tenant_file(dir.path(), "acme", &creds, &running.endpoint(), "page_size = 50");
    let command = || common::sync_command(&db.url, dir.path(), "acme");

    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let mut kills = 0;
    let mut finished_early = 0;
    for _ in 0..10 {
        let mut child = command().spawn().expect("start the binary");
        let at = Duration::from_millis(rng.gen_range(100..600));
        tokio::time::sleep(at).await;
        if let Ok(Some(_)) = child.try_wait() {
            finished_early += 1;
            continue;
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        kills += 1;
        // The killed sync's tenant lease stays until it expires (daemon.lease_ttl), and the
        // next sync refuses until then: let it expire now.
        sqlx::query("UPDATE tenant_leases SET expires_at = now() - interval '1 second' WHERE tenant_id = 'acme'")
            .execute(db.store.pool())
            .await
            .unwrap();
    }
    assert!(kills >= 8, "most moments fell inside the onboarding ({kills} kills, {finished_early} finished first)");
    let searches = sim.request_log().iter().filter(|r| r.operation.as_deref() == Some("search")).count();
    // One search per entity started, plus at most one per restart that found its searchId unusable.
    assert!(searches <= 4 + kills, "onboarding resumed instead of starting over ({searches} searches)");
    println!("{kills} kills, {finished_early} runs finished before their kill, {searches} searches");

    sim.set_latency(Duration::ZERO);
    let status = command().status().unwrap();
    assert!(status.success(), "final run: {status}");
    assert_eq!(common::service_count(&db.store, "acme").await, 3_000);

    let clean = common::fresh_db().await;
    let t = common::tenant("acme", creds.clone(), &running.endpoint(), 50);
    sync_tenant(&clean.store, &t, &common::sync_settings(), CancellationToken::new(), "test").await.unwrap();
    assert_eq!(
        everything(&db.store).await,
        everything(&clean.store).await,
        "killed-and-resumed rows equal a clean run's"
    );
}
