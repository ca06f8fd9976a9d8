//! The `sync` binary killed with SIGKILL mid-pull, several times, then run to the end: the
//! stored rows equal an uninterrupted run's, exactly.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::netsuite::AccountId;
use netsuite_discovery::simulator::{AccountSpec, SimConfig, Simulator};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

async fn snapshot(store: &netsuite_discovery::store::Store) -> Vec<serde_json::Value> {
    sqlx::query_scalar("SELECT to_jsonb(s) - 'discovered_at' - 'updated_at' FROM services s ORDER BY internal_id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_several_moments_then_restart_converges() {
    common::init_logs();
    let account = AccountId::parse("1234567_SB1").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account.clone(), 21).with_vendors(4_000)).unwrap();
    sim.set_latency(Duration::from_millis(40));
    let running = sim.clone().spawn().await.unwrap();
    let creds = sim.credentials(&account).unwrap();
    let db = common::fresh_db().await;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acme.toml"),
        format!(
            "tenant_id = \"acme\"\naccount_id = \"{}\"\nendpoint = \"{}\"\nallow_insecure_endpoint = true\npage_size = 200\nproduct = \"eam\"\n",
            account,
            running.endpoint()
        ),
    )
    .unwrap();
    let binary = env!("CARGO_BIN_EXE_netsuite-discovery");
    let command = || {
        let mut c = Command::new(binary);
        c.args(["sync", "--tenant", "acme"])
            .env("DATABASE_URL", &db.url)
            .env("NSD__TENANTS_DIR", dir.path())
            .env("NSD__LOG__LEVEL", "warn")
            .env("NSD__SYNC__RETRY_BASE_MS", "5")
            .env("NSD_ACME_CONSUMER_KEY", creds.consumer_key.expose_secret())
            .env("NSD_ACME_CONSUMER_SECRET", creds.consumer_secret.expose_secret())
            .env("NSD_ACME_TOKEN_ID", creds.token_id.expose_secret())
            .env("NSD_ACME_TOKEN_SECRET", creds.token_secret.expose_secret())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };

    // Kill at growing row counts (page boundaries are every 200 rows, so most kills land
    // while a page is in flight or being committed).
    let mut kills = 0;
    for target in [300_i64, 1_100, 1_900, 2_700] {
        let mut child = command().spawn().expect("start the binary");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let n = common::service_count(&db.store, "acme").await;
            if n >= target || Instant::now() > deadline {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("sync exited before it was killed: {status}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        kills += 1;
        let n = common::service_count(&db.store, "acme").await;
        assert!(n < 4_000, "killed before the end ({n} rows)");
        assert_eq!(n % 200, 0, "only whole pages are ever committed ({n} rows)");
    }
    assert_eq!(kills, 4);
    // Resumes are real: every restart began with searchMoreWithId, not a new search, except the first run.
    let searches = sim.request_log().iter().filter(|r| r.operation.as_deref() == Some("search")).count();
    assert_eq!(searches, 1, "the onboarding was never restarted from scratch");

    sim.set_latency(Duration::ZERO);
    let status = command().status().unwrap();
    assert!(status.success(), "final run: {status}");
    assert_eq!(common::service_count(&db.store, "acme").await, 4_000);

    let clean = common::fresh_db().await;
    let t = common::vendor_tenant("acme", creds.clone(), &running.endpoint(), 200);
    sync_tenant(&clean.store, &t, &common::sync_settings(), CancellationToken::new(), "test").await.unwrap();
    assert_eq!(snapshot(&db.store).await, snapshot(&clean.store).await, "killed-and-resumed rows equal a clean run's");
}
