//! The daemon (`run`): schedule, replicas, shutdown drain, file reload, health endpoints,
//! governance under the simulator's concurrency limit and under injected faults. Real
//! Postgres, real simulator over HTTP, second-scale schedules in real time.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::{client_creds, daemon_settings, fresh_db, runs_of, sync_settings, write_tenant_file};
use netsuite_discovery::daemon::supervisor;
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::store::{RunStatus, Store};
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, InjectedFault, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

fn acct(i: usize) -> AccountId {
    AccountId::parse(&format!("{}", 3_000_000 + i)).unwrap()
}

async fn wait_until<F, Fut>(limit: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn onboarded(store: &Store, tenant: &str, entity: &str) -> bool {
    store.load_cursor(tenant, entity).await.map(|c| c.onboarded).unwrap_or(false)
}

/// Onboarding once, then a delta per interval, each start within the jitter bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_once_then_on_schedule_with_bounded_jitter() {
    common::init_logs();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(acct(0), 1).with_vendors(30)).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    let db = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    write_tenant_file(
        dir.path(),
        "t0",
        &client_creds(sim.credentials(&acct(0)).unwrap()),
        &running.endpoint(),
        "product = \"eam\"\n[schedule]\ndelta_every = \"2s\"\njitter = \"500ms\"",
    );
    let shutdown = CancellationToken::new();
    let daemon = supervisor::start(daemon_settings(&db.url, dir.path()), shutdown.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(7_500)).await;
    shutdown.cancel();
    daemon.task.await.unwrap().unwrap();

    let runs = runs_of(&db.store, "t0").await;
    assert!(runs.len() >= 3, "{runs:?}");
    assert_eq!(runs[0].3, "onboarding");
    assert!(runs[1..].iter().all(|r| r.3 == "schedule"), "onboarding once: {runs:?}");
    for pair in runs.windows(2) {
        let gap = (pair[1].0 - pair[0].0).to_std().unwrap();
        assert!(gap >= Duration::from_secs(2), "a delta came before its interval: {gap:?}");
        assert!(gap < Duration::from_millis(2_500 + 600), "a delta came later than interval + jitter: {gap:?}");
    }
    // Shutdown stops a run at its next page: only the last run may have been caught by it.
    let (last, before) = runs.split_last().unwrap();
    assert!(before.iter().all(|r| r.2 == "succeeded"), "{runs:?}");
    assert!(last.2 == "succeeded" || last.2 == "cancelled", "{runs:?}");
}

/// Two replicas over 20 tenants: a tenant is never worked by both at once, each tenant's
/// sync ran once per schedule period, and both replicas took part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_over_twenty_tenants() {
    common::init_logs();
    let sim = Simulator::new(SimConfig { concurrency_limit: 0, ..SimConfig::default() });
    let running = sim.clone().spawn().await.unwrap();
    let db = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..20 {
        sim.add_account(AccountSpec::new(acct(i), i as u64).with_vendors(20)).unwrap();
        write_tenant_file(
            dir.path(),
            &format!("t{i:02}"),
            &client_creds(sim.credentials(&acct(i)).unwrap()),
            &running.endpoint(),
            "product = \"eam\"\n[schedule]\ndelta_every = \"3s\"\njitter = \"1s\"",
        );
    }
    sim.set_latency(Duration::from_millis(30));
    let shutdown = CancellationToken::new();
    let a = supervisor::start(daemon_settings(&db.url, dir.path()), shutdown.clone()).await.unwrap();
    let b = supervisor::start(daemon_settings(&db.url, dir.path()), shutdown.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(11)).await;
    shutdown.cancel();
    a.task.await.unwrap().unwrap();
    b.task.await.unwrap().unwrap();

    let mut replicas = std::collections::BTreeSet::new();
    for i in 0..20 {
        let tenant = format!("t{i:02}");
        let runs = runs_of(&db.store, &tenant).await;
        assert!(runs.len() >= 3, "{tenant}: {runs:?}");
        for r in &runs {
            replicas.insert(r.4.clone());
        }
        // Never two runs of one tenant at the same time.
        for pair in runs.windows(2) {
            let end = pair[0].1.unwrap_or(pair[0].0);
            assert!(pair[1].0 >= end, "{tenant}: overlapping runs {pair:?}");
        }
        // Once per schedule period: consecutive good runs at least the interval apart.
        let good: Vec<DateTime<Utc>> = runs.iter().filter(|r| r.2 == "succeeded").map(|r| r.0).collect();
        for pair in good.windows(2) {
            assert!(
                (pair[1] - pair[0]).to_std().unwrap() >= Duration::from_secs(3),
                "{tenant}: ran twice in one period"
            );
        }
    }
    assert_eq!(replicas.len(), 2, "both replicas worked: {replicas:?}");
}

/// SIGTERM-like shutdown mid-pull: pages in flight finish within the drain, the run is
/// recorded as cancelled, the daemon ends in time, and a restart completes the same data as
/// a clean run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_within_bounds_and_restart_completes() {
    common::init_logs();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(acct(0), 9).with_vendors(3_000)).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    let creds = client_creds(sim.credentials(&acct(0)).unwrap());
    let db = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    write_tenant_file(dir.path(), "t0", &creds, &running.endpoint(), "product = \"eam\"\npage_size = 100");
    sim.set_latency(Duration::from_millis(300));
    let mut settings = daemon_settings(&db.url, dir.path());
    settings.daemon.drain = Duration::from_secs(3);
    let shutdown = CancellationToken::new();
    let daemon = supervisor::start(settings.clone(), shutdown.clone()).await.unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || async { common::service_count(&db.store, "t0").await >= 500 }).await
    );
    let asked = Instant::now();
    shutdown.cancel();
    daemon.task.await.unwrap().unwrap();
    let took = asked.elapsed();
    assert!(took < Duration::from_millis(3_000 + 1_500), "drain took {took:?}");
    let runs = runs_of(&db.store, "t0").await;
    assert_eq!(runs.last().unwrap().2, "cancelled", "{runs:?}");
    let stored = common::service_count(&db.store, "t0").await;
    assert!(stored < 3_000 && stored % 100 == 0, "whole pages only: {stored}");

    sim.set_latency(Duration::ZERO);
    let shutdown = CancellationToken::new();
    let daemon = supervisor::start(settings, shutdown.clone()).await.unwrap();
    assert!(wait_until(Duration::from_secs(20), || async { onboarded(&db.store, "t0", "vendors").await }).await);
    shutdown.cancel();
    daemon.task.await.unwrap().unwrap();
    let clean = fresh_db().await;
    let t = common::vendor_tenant("t0", creds, &running.endpoint(), 100);
    sync_tenant(&clean.store, &t, &sync_settings(), CancellationToken::new(), "test").await.unwrap();
    assert_eq!(common::services_snapshot(&db.store, "t0").await, common::services_snapshot(&clean.store, "t0").await);
}

/// Tenant files added, changed and removed while running are picked up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_files_are_reloaded() {
    common::init_logs();
    let sim = Simulator::new(SimConfig::default());
    for i in 0..2 {
        sim.add_account(AccountSpec::new(acct(i), i as u64).with_vendors(25).with_transactions(100)).unwrap();
    }
    let running = sim.clone().spawn().await.unwrap();
    let db = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let slow = "[schedule]\ndelta_every = \"1h\"\njitter = \"0s\"";
    write_tenant_file(
        dir.path(),
        "a",
        &client_creds(sim.credentials(&acct(0)).unwrap()),
        &running.endpoint(),
        &format!("product = \"eam\"\n{slow}"),
    );
    let shutdown = CancellationToken::new();
    let daemon = supervisor::start(daemon_settings(&db.url, dir.path()), shutdown.clone()).await.unwrap();
    assert!(wait_until(Duration::from_secs(10), || async { onboarded(&db.store, "a", "vendors").await }).await);

    // Added.
    write_tenant_file(
        dir.path(),
        "b",
        &client_creds(sim.credentials(&acct(1)).unwrap()),
        &running.endpoint(),
        &format!("product = \"eam\"\n{slow}"),
    );
    assert!(
        wait_until(Duration::from_secs(10), || async { onboarded(&db.store, "b", "vendors").await }).await,
        "new file picked up"
    );
    assert!(!onboarded(&db.store, "b", "invoices").await);

    // Changed: b switches to SMP, so its invoices are onboarded (just those).
    write_tenant_file(dir.path(), "b", &client_creds(sim.credentials(&acct(1)).unwrap()), &running.endpoint(), slow);
    assert!(
        wait_until(Duration::from_secs(10), || async { onboarded(&db.store, "b", "invoices").await }).await,
        "change picked up"
    );

    // Removed: no more runs for a, its data kept.
    std::fs::remove_file(dir.path().join("a.toml")).unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    sim.clear_request_log();
    let before = runs_of(&db.store, "a").await.len();
    tokio::time::sleep(Duration::from_secs(2)).await;
    shutdown.cancel();
    daemon.task.await.unwrap().unwrap();
    assert_eq!(runs_of(&db.store, "a").await.len(), before);
    assert!(
        sim.request_log().iter().all(|r| r.account.as_deref() != Some(acct(0).as_str())),
        "no request for a removed tenant"
    );
    assert_eq!(common::service_count(&db.store, "a").await, 25, "its data is kept");
}

/// /healthz, /readyz and /metrics (Prometheus text, labels without raw error text).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics_endpoints() {
    common::init_logs();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(acct(0), 1).with_vendors(40)).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    sim.push_faults(acct(0), vec![InjectedFault::ws_request_blocked(), InjectedFault::Http(503)]);
    let db = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    write_tenant_file(
        dir.path(),
        "t0",
        &client_creds(sim.credentials(&acct(0)).unwrap()),
        &running.endpoint(),
        "product = \"eam\"",
    );
    let shutdown = CancellationToken::new();
    let daemon = supervisor::start(daemon_settings(&db.url, dir.path()), shutdown.clone()).await.unwrap();
    assert!(wait_until(Duration::from_secs(10), || async { onboarded(&db.store, "t0", "vendors").await }).await);
    let base = format!("http://{}", daemon.health_addr);
    let get = |path: &str| {
        let url = format!("{base}{path}");
        async move {
            let r = reqwest::get(url).await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(get("/healthz").await.0, 200);
    assert_eq!(get("/readyz").await, (200, "ready\n".to_string()));
    // The entity is onboarded when its last page commits; the run's own metrics follow when
    // the run ends, the last-success gauge last of all.
    assert!(
        wait_until(Duration::from_secs(10), || async {
            get("/metrics").await.1.contains("last_successful_sync_timestamp_seconds{tenant=\"t0\"}")
        })
        .await
    );
    let (status, text) = get("/metrics").await;
    assert_eq!(status, 200);
    for needle in [
        "netsuite_requests_total{operation=\"search\",outcome=\"ok\"}",
        "outcome=\"WS_REQUEST_BLOCKED\"",
        "outcome=\"http_503\"",
        "netsuite_retries_total",
        "records_upserted_total{tenant=\"t0\",entity=\"vendors\"}",
        "netsuite_concurrency_limit{account=",
        "netsuite_in_flight_requests{account=",
        "last_successful_sync_timestamp_seconds{tenant=\"t0\"}",
        "sync_duration_seconds",
    ] {
        assert!(text.contains(needle), "metrics lack {needle}:\n{text}");
    }
    assert!(!text.contains("concurrent request limit exceeded"), "no raw error text in labels");
    shutdown.cancel();
    daemon.task.await.unwrap().unwrap();
}

/// The governor under the simulator's concurrency limit: with our ceiling at the account's
/// limit nothing is ever blocked; with a ceiling above it, every block is absorbed and the
/// data is complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_under_the_account_limit() {
    common::init_logs();
    for (ceiling, expect_blocks) in [(2usize, false), (6usize, true)] {
        let sim = Simulator::new(SimConfig { concurrency_limit: 2, ..SimConfig::default() });
        sim.add_account(AccountSpec::new(acct(0), 5).with_vendors(2_000)).unwrap();
        let running = sim.clone().spawn().await.unwrap();
        sim.set_latency(Duration::from_millis(40));
        let db = fresh_db().await;
        let mut settings = sync_settings();
        settings.max_in_flight_per_account = ceiling;
        settings.max_attempts = 10;
        let t = common::vendor_tenant("t0", client_creds(sim.credentials(&acct(0)).unwrap()), &running.endpoint(), 50);
        let run = sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();
        assert_eq!(run.status, RunStatus::Succeeded, "ceiling {ceiling}");
        assert_eq!(common::service_count(&db.store, "t0").await, 2_000);
        let blocked = sim.request_log().iter().filter(|r| r.outcome.code() == Some("WS_REQUEST_BLOCKED")).count();
        if expect_blocks {
            assert!(blocked > 0, "a ceiling above the account's limit meets WS_REQUEST_BLOCKED");
        } else {
            assert_eq!(blocked, 0, "never more in flight than allowed");
            assert!(sim.peak_in_flight(&acct(0)).unwrap() <= 2);
        }
    }
}

/// 20% WS_REQUEST_BLOCKED and 5% HTTP 503: the final data equals a clean run's, exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_account_converges_to_the_clean_data() {
    common::init_logs();
    let spec = AccountSpec::new(acct(0), 77)
        .with_vendors(1_500)
        .with_employees(50)
        .with_transactions(4_000)
        .with_expense_reports(400);
    let sim = Simulator::new(SimConfig { concurrency_limit: 0, ..SimConfig::default() });
    sim.add_account(spec).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    let creds = client_creds(sim.credentials(&acct(0)).unwrap());
    let clean = fresh_db().await;
    let t = common::tenant("t0", creds.clone(), &running.endpoint(), 20);
    sync_tenant(&clean.store, &t, &sync_settings(), CancellationToken::new(), "test").await.unwrap();

    sim.set_fault_rates(vec![(InjectedFault::ws_request_blocked(), 0.20), (InjectedFault::Http(503), 0.05)]);
    sim.clear_request_log();
    let faulty = fresh_db().await;
    let mut settings = sync_settings();
    settings.max_attempts = 12;
    let mut passes = 0;
    loop {
        passes += 1;
        let run = sync_tenant(&faulty.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();
        if run.status == RunStatus::Succeeded || passes == 3 {
            break;
        }
    }
    let faults = sim.request_log().iter().filter(|r| !r.outcome.is_ok()).count();
    assert!(faults > 10, "faults were injected ({faults})");
    let tables: BTreeMap<&str, (i64, i64)> = {
        let mut m = BTreeMap::new();
        for table in ["services", "invoices", "invoice_lines", "costs", "cost_lines", "expense_categories"] {
            let q = format!("SELECT count(*) FROM {table}");
            let a: i64 = sqlx::query_scalar(&q).fetch_one(clean.store.pool()).await.unwrap();
            let b: i64 = sqlx::query_scalar(&q).fetch_one(faulty.store.pool()).await.unwrap();
            m.insert(table, (a, b));
        }
        m
    };
    for (table, (a, b)) in &tables {
        assert_eq!(a, b, "{table}: clean {a}, faulty {b}");
    }
    assert_eq!(passes, 1, "one pass absorbed every fault");
    assert_eq!(
        common::services_snapshot(&clean.store, "t0").await,
        common::services_snapshot(&faulty.store, "t0").await
    );
    let inv = |s: Store| async move {
        sqlx::query_scalar::<_, serde_json::Value>(
            "SELECT to_jsonb(i) - 'discovered_at' - 'updated_at' FROM invoices i ORDER BY internal_id",
        )
        .fetch_all(s.pool())
        .await
        .unwrap()
    };
    assert_eq!(inv(clean.store.clone()).await, inv(faulty.store.clone()).await);
}

/// A tenant whose credentials fail is quarantined with a growing wait (one failed run per
/// attempt); the other tenant is unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_quarantine_one_tenant_only() {
    common::init_logs();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(acct(0), 1).with_vendors(30)).unwrap();
    sim.add_account(AccountSpec::new(acct(1), 2).with_vendors(30)).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    let db = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    write_tenant_file(
        dir.path(),
        "good",
        &client_creds(sim.credentials(&acct(0)).unwrap()),
        &running.endpoint(),
        "product = \"eam\"",
    );
    let mut bad = client_creds(sim.credentials(&acct(1)).unwrap());
    bad.token_secret = secrecy::SecretString::from("revoked-token-secret".to_string());
    write_tenant_file(dir.path(), "bad", &bad, &running.endpoint(), "product = \"eam\"");
    let shutdown = CancellationToken::new();
    let daemon = supervisor::start(daemon_settings(&db.url, dir.path()), shutdown.clone()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(8_500)).await;
    shutdown.cancel();
    daemon.task.await.unwrap().unwrap();

    assert!(onboarded(&db.store, "good", "vendors").await, "the other tenant is unaffected");
    let runs = runs_of(&db.store, "bad").await;
    assert!(runs.iter().all(|r| r.2 == "failed"), "{runs:?}");
    // Back-off 1 s, 2 s, 4 s (capped at 4 s): about 4 attempts in 8.5 s, each further apart.
    assert!((3..=5).contains(&runs.len()), "{} attempts: {runs:?}", runs.len());
    let gaps: Vec<Duration> = runs.windows(2).map(|p| (p[1].0 - p[0].0).to_std().unwrap()).collect();
    assert!(gaps.windows(2).all(|g| g[1] >= g[0]), "growing waits: {gaps:?}");
    assert!(gaps[0] >= Duration::from_secs(1));
}

/// A dead replica's lease is taken over once it expires, not before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_replicas_lease_is_taken_over_after_its_ttl() {
    let db = fresh_db().await;
    let ttl = Duration::from_millis(1500);
    assert!(db.store.try_acquire_lease("t0", "replica-a", ttl).await.unwrap());
    assert!(!db.store.try_acquire_lease("t0", "replica-b", ttl).await.unwrap(), "held: not taken");
    assert!(db.store.renew_lease("t0", "replica-a", ttl).await.unwrap());
    // replica-a dies: no more heartbeats.
    let died = Instant::now();
    let taken = wait_until(Duration::from_secs(5), || async {
        db.store.try_acquire_lease("t0", "replica-b", ttl).await.unwrap()
    })
    .await;
    assert!(taken);
    let after = died.elapsed();
    assert!(
        after >= Duration::from_millis(1_400) && after < ttl + Duration::from_millis(600),
        "taken over after {after:?}"
    );
    assert!(!db.store.renew_lease("t0", "replica-a", ttl).await.unwrap(), "the old holder learns it lost the lease");
}

/// Two `run` processes on one database; one is killed with SIGKILL while it holds tenants'
/// leases mid-run. The survivor takes those tenants over once their leases expire (bounded by
/// `daemon.lease_ttl`), and every tenant ends onboarded with the data of a clean run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_replica_process_is_taken_over() {
    use std::process::{Command, Stdio};
    common::init_logs();
    let sim = Simulator::new(SimConfig { concurrency_limit: 0, ..SimConfig::default() });
    let running = sim.clone().spawn().await.unwrap();
    let db = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..6 {
        sim.add_account(AccountSpec::new(acct(i), i as u64).with_vendors(1_500)).unwrap();
        write_tenant_file(
            dir.path(),
            &format!("t{i}"),
            &client_creds(sim.credentials(&acct(i)).unwrap()),
            &running.endpoint(),
            "product = \"eam\"\npage_size = 100",
        );
    }
    sim.set_latency(Duration::from_millis(150));
    let spawn = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_netsuite-discovery"))
            .arg("run")
            .env("DATABASE_URL", &db.url)
            .env("NSD__TENANTS_DIR", dir.path())
            .env("NSD__DAEMON__LISTEN", "127.0.0.1:0")
            .env("NSD__DAEMON__LEASE_TTL", "3s")
            .env("NSD__DAEMON__RELOAD_EVERY", "1s")
            .env("NSD__LOG__LEVEL", "warn")
            .env("HOSTNAME", name)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut a = spawn("replica-a");
    // Wait until replica a holds at least one lease, then start b and kill a.
    let held = wait_until(Duration::from_secs(20), || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM tenant_leases WHERE holder LIKE 'replica-a-%'")
            .fetch_one(db.store.pool())
            .await
            .unwrap()
            > 0
    })
    .await;
    assert!(held, "replica a took leases");
    let mut b = spawn("replica-b");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let a_held: Vec<(String, DateTime<Utc>)> =
        sqlx::query_as("SELECT tenant_id, expires_at FROM tenant_leases WHERE holder LIKE 'replica-a-%'")
            .fetch_all(db.store.pool())
            .await
            .unwrap();
    a.kill().unwrap();
    a.wait().unwrap();
    let killed_at = Utc::now();
    assert!(!a_held.is_empty());

    sim.set_latency(Duration::from_millis(10));
    let all = wait_until(Duration::from_secs(60), || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_cursors WHERE phase = 'delta'")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        n == 6
    })
    .await;
    let _ = Command::new("kill").arg("-TERM").arg(b.id().to_string()).status();
    b.wait().unwrap();
    assert!(all, "every tenant onboarded after the kill");
    for (tenant, _) in &a_held {
        let runs = runs_of(&db.store, tenant).await;
        let by_b = runs.iter().find(|r| r.4.as_deref().is_some_and(|h| h.starts_with("replica-b"))).expect("b ran it");
        let waited = (by_b.0 - killed_at).to_std().unwrap_or_default();
        // Bound: the lease's TTL plus the survivor's retry interval (half a TTL), plus slack.
        assert!(
            waited <= Duration::from_millis(3_000 + 1_500 + 1_500),
            "{tenant} taken over {waited:?} after the kill"
        );
        println!("{tenant}: taken over {waited:?} after the kill (lease_ttl 3 s)");
        assert!(
            by_b.0
                >= runs
                    .iter()
                    .filter(|r| r.4.as_deref().is_some_and(|h| h.starts_with("replica-a")))
                    .map(|r| r.0)
                    .max()
                    .unwrap()
        );
        assert_eq!(common::service_count(&db.store, tenant).await, 1_500);
    }
}
