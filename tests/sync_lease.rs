//! `sync` takes the tenant's lease like the daemon: a second sync, or a sync while a daemon
//! replica holds the tenant, refuses naming the holder (or waits with --wait); the lease is
//! renewed while the sync runs and released at the end. Real processes, a real database, the
//! simulator over HTTP.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::client_creds;
use netsuite_discovery::store::Store;
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, RunningSimulator, SimConfig, Simulator};

struct Env {
    sim: Simulator,
    _running: RunningSimulator,
    db: common::TestDb,
    dir: tempfile::TempDir,
}

async fn setup(vendors: usize) -> Env {
    common::init_logs();
    let account = AccountId::parse("1234567_SB1").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account.clone(), 11).with_vendors(vendors)).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    let db = common::fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let creds = client_creds(sim.credentials(&account).unwrap());
    common::write_tenant_file(dir.path(), "acme", &creds, &running.endpoint(), "product = \"eam\"\npage_size = 100");
    Env { sim, _running: running, db, dir }
}

fn sync_cmd(env: &Env, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netsuite-discovery"));
    c.args(["sync", "--tenant", "acme"])
        .args(extra)
        .env("DATABASE_URL", &env.db.url)
        .env("NSD__TENANTS_DIR", env.dir.path())
        .env("NSD__DAEMON__LEASE_TTL", "2s")
        .env("NSD__SYNC__MAX_IN_FLIGHT_PER_ACCOUNT", "1")
        .env("NSD__LOG__LEVEL", "info")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

async fn output_of(cmd: Command) -> Output {
    let mut cmd = cmd;
    tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn lease_row(store: &Store) -> Option<(String, bool)> {
    sqlx::query_as("SELECT holder, expires_at > now() FROM tenant_leases WHERE tenant_id = 'acme'")
        .fetch_optional(store.pool())
        .await
        .unwrap()
}

/// A daemon replica holds the tenant: `sync` refuses at once, naming it, and sends nothing to
/// NetSuite; with --wait it waits until the replica lets go, then runs and releases the lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_refuses_or_waits_while_the_daemon_holds_the_tenant() {
    let env = setup(300).await;
    let store = &env.db.store;
    assert!(store.try_acquire_lease("acme", "replica-x-1-deadbeef", Duration::from_secs(60)).await.unwrap());

    let out = output_of(sync_cmd(&env, &[])).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("tenant acme is being synced by replica-x-1-deadbeef") && t.contains("--wait"), "{t}");
    assert!(env.sim.request_log().is_empty(), "no request was sent");
    assert!(common::runs_of(store, "acme").await.is_empty(), "no run was started");

    // --wait with a bound shorter than the lease: gives up, naming the holder.
    let started = Instant::now();
    let out = output_of(sync_cmd(&env, &["--wait", "1500ms"])).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(text(&out).contains("replica-x-1-deadbeef") && text(&out).contains("gave up"), "{}", text(&out));
    assert!(env.sim.request_log().is_empty());

    // --wait: the sync waits; once the replica releases, it runs.
    let child = sync_cmd(&env, &["--wait", "60s"]).spawn().unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(env.sim.request_log().is_empty(), "the waiting sync sent nothing yet");
    store.release_lease("acme", "replica-x-1-deadbeef").await.unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("waiting for the tenant's lease"), "{}", text(&out));
    assert_eq!(common::service_count(store, "acme").await, 300);
    assert_eq!(lease_row(store).await, None, "the lease is released at the end");
}

/// Two syncs at once: the second refuses naming the first; the first keeps its lease alive
/// past the lease's lifetime (heartbeat), so no one else can take the tenant, and releases it
/// when done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_sync_refuses_and_the_first_renews_its_lease() {
    let env = setup(1_200).await;
    let store = &env.db.store;
    // 12 pages, one at a time, 400 ms each: about 5 s, well past the 2 s lease.
    env.sim.set_latency(Duration::from_millis(400));
    let first = sync_cmd(&env, &[]).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let holder = loop {
        if let Some((h, true)) = lease_row(store).await {
            break h;
        }
        assert!(Instant::now() < deadline, "the first sync never took the lease");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(holder.starts_with("sync-"), "{holder}");

    let out = output_of(sync_cmd(&env, &[])).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&format!("being synced by {holder}")), "{}", text(&out));

    // Past the lease's 2 s lifetime, the first sync still holds it: it was renewed.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(lease_row(store).await, Some((holder.clone(), true)));
    assert!(!store.try_acquire_lease("acme", "replica-y", Duration::from_secs(2)).await.unwrap());

    let out = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(common::service_count(store, "acme").await, 1_200);
    assert_eq!(common::runs_of(store, "acme").await.len(), 1, "only the first sync ran");
    assert_eq!(lease_row(store).await, None, "released at the end");
}
