//! Daemon benchmarks (`cargo bench --bench daemon`):
//! 1. a 100-page pull with 200 ms of simulated latency per page and an account limit of 5,
//!    fetched one page at a time and then with 5 in flight: wall times, the requests made and
//!    the local time before the first and after the last, and their ratio (issue 11: at most
//!    0.21, the floor of 1 + ceil(99 / 5) rounds against 100; ideal 0.20). Each is the sync of
//!    a tenant in a database already in use (another tenant synced first, without latency), as
//!    in a running daemon: a fresh database's first statements, which build each table's
//!    caches (4–10 ms apiece), are not the pull's;
//! 2. an idle daemon (`run`, its own process) with 100 tenants configured, once every tenant
//!    is onboarded: resident memory and CPU over 30 seconds.
//!
//! Needs Postgres (TEST_DATABASE_URL / DATABASE_URL, else 127.0.0.1:5432).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use netsuite_discovery::config::{Categories, Product, Schedule, SyncSettings, Tenant};
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::store::Store;
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, SimConfig, Simulator};
use secrecy::ExposeSecret;
use sqlx::Executor;
use tokio_util::sync::CancellationToken;

/// The client's credentials for a simulator account (the simulator hands out plain strings).
fn client_creds(c: nsd_simulator::Credentials) -> netsuite_discovery::netsuite::Credentials {
    use secrecy::SecretString;
    netsuite_discovery::netsuite::Credentials {
        account: netsuite_discovery::netsuite::AccountId::parse(c.account.as_str()).expect("account"),
        consumer_key: SecretString::from(c.consumer_key),
        consumer_secret: SecretString::from(c.consumer_secret),
        token_id: SecretString::from(c.token_id),
        token_secret: SecretString::from(c.token_secret),
    }
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

async fn fresh_db() -> (String, Store) {
    let admin = sqlx::PgPool::connect(&admin_url()).await.expect("Postgres for the benchmark");
    let name = format!("nsd_bench_{}", uuid::Uuid::new_v4().simple());
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create db");
    let base = admin_url();
    let url = format!("{}/{name}", &base[..base.rfind('/').expect("url has a path")]);
    let store = Store::connect(&url, 8).await.expect("connect");
    store.migrate().await.expect("migrate");
    (url, store)
}

/// Drops a database [`fresh_db`] made (its pool closed first).
async fn drop_db(url: &str, store: Store) {
    store.pool().close().await;
    let name = &url[url.rfind('/').map_or(0, |i| i + 1)..];
    let admin = sqlx::PgPool::connect(&admin_url()).await.expect("Postgres for the benchmark");
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.expect("drop db");
}

fn settings(max_in_flight: usize) -> SyncSettings {
    SyncSettings {
        page_size: 5,
        overlap_seconds: 600,
        request_timeout_seconds: 60,
        max_attempts: 6,
        retry_base_ms: 50,
        retry_max_ms: 1000,
        max_in_flight_per_account: max_in_flight,
        max_search_restarts: 4,
        restart_base_ms: 10,
        max_response_bytes: 64 << 20,
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    // `cargo bench --bench daemon -- pull` (or `idle`) runs one part alone.
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|a| a == part);
    rt.block_on(async {
        if wanted("pull") {
            parallel_pages().await;
        }
        if wanted("idle") {
            idle_daemon().await;
        }
    });
}

async fn parallel_pages() {
    let account = AccountId::parse("4000001").expect("account");
    let sim = Simulator::new(SimConfig { concurrency_limit: 5, ..SimConfig::default() });
    let other = AccountId::parse("4000002").expect("account");
    sim.add_account(AccountSpec::new(account.clone(), 3).with_vendors(500)).expect("account");
    sim.add_account(AccountSpec::new(other.clone(), 4).with_vendors(50)).expect("account");
    let running = sim.clone().spawn().await.expect("simulator");
    let tenant = Tenant {
        id: "bench".into(),
        source: "bench.toml".into(),
        credentials: client_creds(sim.credentials(&account).expect("creds")),
        endpoint: running.endpoint(),
        soap_version: netsuite_discovery::netsuite::SoapVersion::default(),
        transport: netsuite_discovery::config::Transport::Soap,
        page_size: 5,
        product: Product::Eam,
        categories: Categories::default(),
        schedule: Schedule::default(),
        push: None,
    };
    let warm_up = Tenant {
        id: "warm-up".into(),
        credentials: client_creds(sim.credentials(&other).expect("creds")),
        ..tenant.clone()
    };
    let mut times = Vec::new();
    // Dropped after both runs: dropping a database makes Postgres checkpoint, which would
    // slow the run after it.
    let mut made = Vec::new();
    for limit in [1usize, 5] {
        let (url, store) = fresh_db().await;
        sim.set_latency(Duration::ZERO);
        sync_tenant(&store, &warm_up, &settings(limit), CancellationToken::new(), "bench").await.expect("warm-up");
        sim.set_latency(Duration::from_millis(200));
        sim.clear_request_log();
        let start = Instant::now();
        let started_at = chrono::Utc::now();
        let run =
            sync_tenant(&store, &tenant, &settings(limit), CancellationToken::new(), "bench").await.expect("sync");
        let took = start.elapsed();
        let pages: u32 = run.outcomes.iter().map(|o| o.pages).sum();
        let log = sim.request_log();
        let blocked = log.iter().filter(|r| r.outcome.code() == Some("WS_REQUEST_BLOCKED")).count();
        println!(
            "pull of {pages} pages, 200 ms latency, account limit 5, {limit} in flight: {:.2} s ({} requests, {blocked} blocked, peak in flight {})",
            took.as_secs_f64(),
            run.requests,
            sim.peak_in_flight(&account).unwrap_or(0)
        );
        println!("  {}", timeline(&log, started_at, took));
        sim.reset_peak_in_flight(&account).ok();
        times.push(took.as_secs_f64());
        made.push((url, store));
    }
    let ratio = times[1] / times[0];
    let verdict = if ratio <= 0.21 { "met" } else { "NOT met" };
    println!("parallel / sequential time ratio: {ratio:.4} (goal: at most 0.21, ideal 0.20): {verdict}");
    for (url, store) in made {
        drop_db(&url, store).await;
    }
    running.shutdown().await.ok();
}

/// The requests of one sync in order of arrival (runs of one operation counted), how long
/// after the start the first arrived, and how long the sync went on after the last answer:
/// the local work on the critical path at both ends.
fn timeline(log: &[nsd_simulator::LoggedRequest], started_at: chrono::DateTime<chrono::Utc>, took: Duration) -> String {
    let mut sorted: Vec<_> = log.iter().collect();
    sorted.sort_by_key(|r| r.at);
    let mut runs: Vec<(String, usize)> = Vec::new();
    for r in &sorted {
        let op = r.operation.clone().unwrap_or_else(|| "?".into());
        match runs.last_mut() {
            Some((last, n)) if *last == op => *n += 1,
            _ => runs.push((op, 1)),
        }
    }
    let seq: Vec<String> =
        runs.iter().map(|(op, n)| if *n == 1 { op.clone() } else { format!("{n} x {op}") }).collect();
    let ms = |d: chrono::TimeDelta| d.num_microseconds().unwrap_or(0) as f64 / 1000.0;
    let first = sorted.first().map(|r| ms(r.at - started_at)).unwrap_or(0.0);
    let last_end = sorted
        .iter()
        .map(|r| r.at + chrono::TimeDelta::from_std(r.elapsed).unwrap_or_default())
        .max()
        .map(|end| took.as_secs_f64() * 1000.0 - ms(end - started_at))
        .unwrap_or(0.0);
    format!(
        "requests: {}; first sent after {first:.1} ms, sync ended {last_end:.1} ms after the last answer",
        seq.join(", ")
    )
}

fn proc_stat(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.split_whitespace().next()?.parse().ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((rss, ticks))
}

async fn idle_daemon() {
    let sim = Simulator::new(SimConfig { concurrency_limit: 0, ..SimConfig::default() });
    let running = sim.clone().spawn().await.expect("simulator");
    let (url, store) = fresh_db().await;
    let dir = tempfile::tempdir().expect("tmp");
    let secrets = dir.path().join("secrets");
    std::fs::create_dir_all(&secrets).expect("secrets dir");
    for i in 0..100 {
        let account = AccountId::parse(&format!("{}", 5_000_000 + i)).expect("account");
        sim.add_account(AccountSpec::new(account.clone(), i).with_vendors(20)).expect("account");
        let creds = client_creds(sim.credentials(&account).expect("creds"));
        let mut text = format!(
            "tenant_id = \"t{i:03}\"\naccount_id = \"{account}\"\nendpoint = \"{}\"\nallow_insecure_endpoint = true\nproduct = \"eam\"\n[credentials]\n",
            running.endpoint()
        );
        for (name, v) in [
            ("consumer_key", creds.consumer_key.expose_secret()),
            ("consumer_secret", creds.consumer_secret.expose_secret()),
            ("token_id", creds.token_id.expose_secret()),
            ("token_secret", creds.token_secret.expose_secret()),
        ] {
            let f = secrets.join(format!("t{i:03}_{name}"));
            std::fs::write(&f, v).expect("secret");
            text.push_str(&format!("{name}_file = {:?}\n", f.to_str().expect("utf8 path")));
        }
        std::fs::write(dir.path().join(format!("t{i:03}.toml")), text).expect("tenant file");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_netsuite-discovery"))
        .arg("run")
        .env("DATABASE_URL", &url)
        .env("NSD__TENANTS_DIR", dir.path())
        .env("NSD__DAEMON__LISTEN", "127.0.0.1:0")
        .env("NSD__LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run");
    let start = Instant::now();
    loop {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_cursors WHERE phase = 'delta'")
            .fetch_one(store.pool())
            .await
            .unwrap_or(0);
        if n >= 100 || start.elapsed() > Duration::from_secs(120) {
            println!("idle daemon: 100 tenants onboarded in {:.1} s", start.elapsed().as_secs_f64());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = child.id();
    let before = proc_stat(pid);
    let window = Duration::from_secs(30);
    tokio::time::sleep(window).await;
    let after = proc_stat(pid);
    if let (Some((_, t0)), Some((rss, t1))) = (before, after) {
        let hz = 100.0; // USER_HZ on Linux
        let cpu = (t1 - t0) as f64 / hz / window.as_secs_f64() * 100.0;
        println!(
            "idle daemon with 100 tenants: RSS {} MiB, CPU {cpu:.2}% of one core over {} s",
            rss / 1024,
            window.as_secs()
        );
    }
    let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
    let _ = child.wait();
    running.shutdown().await.ok();
    drop_db(&url, store).await;
}
