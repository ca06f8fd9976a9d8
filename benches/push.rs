//! Push benchmark (`cargo bench --bench push`): 100,000 changed records (vendors discovered
//! from the NetSuite simulator) delivered to the LeanIX simulator, which applies the daemon's
//! processor configuration (installed by the first pass); checks every item arrived exactly
//! once and landed as a fact sheet, and prints how many runs it took and how long. Then the same under injected
//! LeanIX faults, compared with the fault-free delivered set.
//!
//! Needs Postgres (TEST_DATABASE_URL / DATABASE_URL, else 127.0.0.1:5432).

use std::collections::BTreeSet;
use std::time::Instant;

use netsuite_discovery::config::{Categories, Product, PushTarget, Schedule, Settings, SyncSettings, Tenant};
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::push::{client_for, push_tenant};
use netsuite_discovery::store::Store;
use nsd_simulator::leanix::{Endpoint, LeanixFault, LeanixSim, LeanixSimConfig, DEFAULT_API_TOKEN};
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, SimConfig, Simulator};
use secrecy::SecretString;
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

async fn fresh_db() -> (Store, String) {
    let admin = sqlx::PgPool::connect(&admin_url()).await.expect("Postgres for the benchmark");
    let name = format!("nsd_bench_{}", uuid::Uuid::new_v4().simple());
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create db");
    let base = admin_url();
    let store =
        Store::connect(&format!("{}/{name}", &base[..base.rfind('/').expect("path")]), 8).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, name)
}

/// Drops a benchmark's database (150 MB each with 100,000 vendors).
async fn drop_db(store: Store, name: &str) {
    store.pool().close().await;
    let admin = sqlx::PgPool::connect(&admin_url()).await.expect("Postgres for the benchmark");
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.expect("drop db");
}

#[allow(dead_code)] // the entry of `cargo bench --bench push`; `cargo bench --bench ratios` calls `run`
fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    run(&rt);
}

/// The benchmark on `rt`: fault-free, then under faults; prints items/s of each.
pub fn run(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let account = AccountId::parse("9900001").expect("account");
        let ns = Simulator::new(SimConfig::default());
        ns.add_account(AccountSpec::new(account.clone(), 5).with_vendors(100_000)).expect("account");
        let ns_running = ns.clone().spawn().await.expect("simulator");
        let sync_settings = SyncSettings {
            page_size: 1000,
            overlap_seconds: 600,
            request_timeout_seconds: 120,
            max_attempts: 6,
            retry_base_ms: 50,
            retry_max_ms: 1000,
            max_in_flight_per_account: 3,
            max_search_restarts: 4,
            restart_base_ms: 10,
            max_response_bytes: 64 << 20,
        };
        let mut push_settings = Settings::load(None).expect("settings").push;
        push_settings.poll_base_ms = 20;
        push_settings.poll_max_ms = 200;

        let mut sets = Vec::new();
        for faulty in [false, true] {
            let lx = LeanixSim::new(LeanixSimConfig::default()).spawn().await.expect("leanix");
            let tenant = Tenant {
                id: "bench".into(),
                source: "bench.toml".into(),
                credentials: client_creds(ns.credentials(&account).expect("creds")),
                endpoint: ns_running.endpoint(),
                soap_version: netsuite_discovery::netsuite::SoapVersion::default(),
                transport: netsuite_discovery::config::Transport::Soap,
                page_size: 1000,
                product: Product::Eam,
                categories: Categories::default(),
                schedule: Schedule::default(),
                push: Some(PushTarget {
                    base_url: lx.base_url(),
                    connector_id: "netsuite-discovery-bench".into(),
                    workspace: None,
                    batch_size: push_settings.batch_size,
                    api_token: SecretString::from(DEFAULT_API_TOKEN.to_string()),
                    manage_configuration: true,
                }),
            };
            let (store, db_name) = fresh_db().await;
            sync_tenant(&store, &tenant, &sync_settings, CancellationToken::new(), "bench").await.expect("sync");
            if faulty {
                let sim = lx.simulator();
                sim.push_faults(Endpoint::Create, vec![LeanixFault::too_many_requests(1), LeanixFault::ServerError(500), LeanixFault::DropAfterCreate]);
                sim.push_faults(Endpoint::Start, vec![LeanixFault::DuplicateStart, LeanixFault::fail_run(["validation failed"])]);
                sim.push_faults(Endpoint::Status, vec![LeanixFault::ServerError(503), LeanixFault::Unauthorized]);
                sim.expire_tokens();
            }
            let target = tenant.push.clone().expect("target");
            let client = client_for(&target, &push_settings).expect("client");
            let start = Instant::now();
            let mut summary = None;
            for _ in 0..3 {
                match push_tenant(&store, &client, &push_settings, &target, "bench", account.as_str(), &CancellationToken::new()).await {
                    Ok(s) => {
                        summary = Some(s);
                        break;
                    }
                    Err(e) => println!("push pass stopped ({e}); running another"),
                }
            }
            let took = start.elapsed();
            let delivered = lx.simulator().delivered();
            let unique: BTreeSet<(String, String)> = delivered.iter().map(|d| (d.item_type.clone(), d.id.clone())).collect();
            println!(
                "push{}: {} changed records -> {} items delivered ({} unique) in {} LeanIX runs ({} created, {} adopted), {:.2} s, {:.0} items/s",
                if faulty { " under faults (429+Retry-After, 500, answer lost after create, duplicate start, FAILED run, 503, 401)" } else { "" },
                100_000,
                delivered.len(),
                unique.len(),
                lx.simulator().runs().len(),
                summary.as_ref().map(|s| s.runs_created).unwrap_or(0),
                summary.as_ref().map(|s| s.runs_adopted).unwrap_or(0),
                took.as_secs_f64(),
                delivered.len() as f64 / took.as_secs_f64()
            );
            // Where the time went, from the simulator's request log: runs processing (start
            // to the status poll that saw them end) and the gaps between one run's end and the
            // next one's start (the only time no run is in flight).
            let log = lx.simulator().request_log();
            let runs = lx.simulator().runs();
            let (mut processing, mut between, mut last_end) = (0.0, 0.0, None::<chrono::DateTime<chrono::Utc>>);
            for r in &runs {
                let of = |e: Endpoint| log.iter().filter(move |q| q.endpoint == e && q.status == 200 && q.run_id.as_deref() == Some(r.id.as_str()));
                let (Some(start), Some(end)) = (of(Endpoint::Start).next(), of(Endpoint::Status).next_back()) else { continue };
                processing += (end.at - start.at).num_microseconds().unwrap_or(0) as f64 / 1e6;
                if let Some(prev) = last_end {
                    between += (start.at - prev).num_microseconds().unwrap_or(0) as f64 / 1e6;
                }
                last_end = Some(end.at);
            }
            let avg_ms = |e: Endpoint| {
                let v: Vec<f64> = log.iter().filter(|q| q.endpoint == e).map(|q| q.elapsed.as_secs_f64() * 1e3).collect();
                v.iter().sum::<f64>() / v.len().max(1) as f64
            };
            let creates: Vec<_> = log.iter().filter(|q| q.endpoint == Endpoint::Create).map(|q| q.at).collect();
            let create_every = creates.windows(2).map(|w| (w[1] - w[0]).num_microseconds().unwrap_or(0) as f64 / 1e3).sum::<f64>()
                / creates.len().saturating_sub(1).max(1) as f64;
            println!(
                "  runs in flight {processing:.2} s, between one run's end and the next start {between:.2} s ({} status polls); \
                 a run created every {create_every:.0} ms; the simulator answers a create in {:.1} ms, a status in {:.1} ms, a start in {:.1} ms",
                log.iter().filter(|q| q.endpoint == Endpoint::Status).count(),
                avg_ms(Endpoint::Create),
                avg_ms(Endpoint::Status),
                avg_ms(Endpoint::Start),
            );
            assert_eq!(delivered.len(), 100_000, "every item delivered once");
            assert_eq!(unique.len(), 100_000, "no duplicate");
            // The installed processor configuration made one Provider fact sheet per vendor.
            let providers = lx.simulator().fact_sheets().iter().filter(|f| f.fs_type == "Provider" && !f.archived).count();
            assert_eq!(providers, 100_000, "every vendor landed as a fact sheet");
            sets.push(unique);
            lx.shutdown().await.ok();
            drop_db(store, &db_name).await;
        }
        println!("delivered set under faults equals the fault-free set: {}", sets[0] == sets[1]);
        assert_eq!(sets[0], sets[1]);
    });
}
