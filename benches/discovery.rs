//! Discovery benchmarks (`cargo bench --bench discovery`):
//! 1. parse throughput of one 1,000-vendor search page and of one 1,000-transaction page with
//!    lines, as the simulator serves them (MB/s and records/s, parse + typed conversion);
//! 2. onboardings by the `sync` binary in its own process against the simulator over HTTP and
//!    a real Postgres: 10,000 vendors (EAM tenant), then the spend account of the issue
//!    (2,000 vendors, 50,000 vendor transactions and 5,000 expense reports over 3 years):
//!    wall time, records/s and the process's peak RSS.
//!
//! Needs Postgres for part 2 (TEST_DATABASE_URL / DATABASE_URL, else 127.0.0.1:5432).

use std::process::Command;
use std::time::{Duration, Instant};

use netsuite_discovery::netsuite::envelope::{search_request, SearchPreferences};
use netsuite_discovery::netsuite::parse::parse_response;
use netsuite_discovery::netsuite::search::{SearchQuery, SearchType};
use netsuite_discovery::netsuite::SoapVersion;
use netsuite_discovery::netsuite::{TokenPassport, Vendor};
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, SimConfig, Simulator};
use secrecy::ExposeSecret;
use sqlx::Executor;

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

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        parse_throughput().await;
        parse_transactions().await;
        onboarding("10,000 vendors (EAM)", AccountSpec::new(acct(), 42).with_vendors(10_000), "eam").await;
        onboarding(
            "spend account: 2,000 vendors, 50,000 transactions, 5,000 expense reports",
            AccountSpec::new(acct(), 42)
                .with_vendors(2_000)
                .with_employees(300)
                .with_transactions(50_000)
                .with_expense_reports(5_000),
            "smp",
        )
        .await;
    });
}

fn acct() -> AccountId {
    AccountId::parse("1234567_SB1").expect("account")
}

async fn parse_transactions() {
    use netsuite_discovery::netsuite::search::{Criterion, SearchType};
    use netsuite_discovery::netsuite::Transaction;
    let account = acct();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account.clone(), 1).with_vendors(300).with_transactions(3_000)).expect("account");
    let running = sim.clone().spawn().await.expect("simulator");
    let creds = client_creds(sim.credentials(&account).expect("creds"));
    let query = SearchQuery {
        search_type: SearchType::Transaction,
        criteria: vec![Criterion::AnyOfEnum {
            field: "type",
            values: vec!["_vendorBill".into(), "_purchaseOrder".into(), "_check".into()],
        }],
        body_fields_only: false,
    };
    let body = search_request(
        SoapVersion::V2017_2,
        &TokenPassport::fresh(&creds),
        SearchPreferences { body_fields_only: false, page_size: 1000 },
        &query,
    )
    .expect("request");
    let page = reqwest::Client::new()
        .post(running.endpoint())
        .header("SOAPAction", "search")
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .expect("post")
        .bytes()
        .await
        .expect("body");
    let run = |n: usize| {
        let mut records = 0usize;
        for _ in 0..n {
            let p = parse_response(&page).expect("parse").into_search_page(SearchType::Transaction).expect("page");
            for r in &p.records {
                if Transaction::from_raw(r).expect("transaction").is_some() {
                    records += 1;
                }
            }
        }
        records
    };
    assert_eq!(run(1), 1000);
    run(3);
    let iterations = 30;
    let start = Instant::now();
    let records = run(iterations);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "parse: 1,000-transaction page with lines of {} KB: {:.1} ms/page, {:.1} MB/s, {:.0} records/s",
        page.len() / 1024,
        secs * 1000.0 / iterations as f64,
        (page.len() * iterations) as f64 / 1e6 / secs,
        records as f64 / secs
    );
    running.shutdown().await.ok();
}

async fn parse_throughput() {
    let account = AccountId::parse("1234567").expect("account");
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account.clone(), 1).with_vendors(1_000)).expect("account");
    let running = sim.clone().spawn().await.expect("simulator");
    let creds = client_creds(sim.credentials(&account).expect("creds"));
    let body = search_request(
        SoapVersion::V2017_2,
        &TokenPassport::fresh(&creds),
        SearchPreferences { body_fields_only: true, page_size: 1000 },
        &SearchQuery::all(SearchType::Vendor),
    )
    .expect("request");
    let page = reqwest::Client::new()
        .post(running.endpoint())
        .header("SOAPAction", "search")
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .expect("post")
        .bytes()
        .await
        .expect("body");

    let check = parse_response(&page).expect("parse").into_search_page(SearchType::Vendor).expect("page");
    assert_eq!(check.records.len(), 1000);
    // Warm up, then measure.
    let run = |n: usize| {
        let mut records = 0usize;
        for _ in 0..n {
            let p = parse_response(&page).expect("parse").into_search_page(SearchType::Vendor).expect("page");
            let vendors: Vec<Vendor> =
                p.records.iter().map(Vendor::try_from).collect::<Result<_, _>>().expect("vendors");
            records += vendors.len();
        }
        records
    };
    run(5);
    let iterations = 100;
    let start = Instant::now();
    let records = run(iterations);
    let secs = start.elapsed().as_secs_f64();
    let mb = (page.len() * iterations) as f64 / 1e6;
    println!(
        "parse: 1,000-vendor page of {} KB: {:.1} ms/page, {:.1} MB/s, {:.0} records/s (parse + typed conversion, {} iterations)",
        page.len() / 1024,
        secs * 1000.0 / iterations as f64,
        mb / secs,
        records as f64 / secs,
        iterations
    );
    running.shutdown().await.ok();
}

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

async fn onboarding(label: &str, spec: AccountSpec, product: &str) {
    let admin = match sqlx::PgPool::connect(&admin_url()).await {
        Ok(p) => p,
        Err(e) => {
            println!("onboarding: skipped, no Postgres at {} ({e})", admin_url());
            return;
        }
    };
    let db = format!("nsd_bench_{}", uuid::Uuid::new_v4().simple());
    admin.execute(format!("CREATE DATABASE {db}").as_str()).await.expect("create db");
    let base = admin_url();
    let url = format!("{}/{db}", &base[..base.rfind('/').expect("url has a path")]);

    let account = spec.account_id.clone();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(spec).expect("account");
    let running = sim.clone().spawn().await.expect("simulator");
    let creds = client_creds(sim.credentials(&account).expect("creds"));
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("bench.toml"),
        format!(
            "tenant_id = \"bench\"\naccount_id = \"{account}\"\nendpoint = \"{}\"\nallow_insecure_endpoint = true\nproduct = \"{product}\"\n",
            running.endpoint()
        ),
    )
    .expect("tenant file");
    let binary = env!("CARGO_BIN_EXE_netsuite-discovery");
    let start = Instant::now();
    let out = tokio::task::spawn_blocking({
        let url = url.clone();
        let dir = dir.path().to_path_buf();
        let creds = creds.clone();
        move || {
            Command::new(binary)
                .args(["sync", "--tenant", "bench"])
                .env("DATABASE_URL", url)
                .env("NSD__TENANTS_DIR", dir)
                .env("NSD__LOG__FORMAT", "json")
                .env("NSD__LOG__LEVEL", "info")
                .env("NSD_BENCH_CONSUMER_KEY", creds.consumer_key.expose_secret())
                .env("NSD_BENCH_CONSUMER_SECRET", creds.consumer_secret.expose_secret())
                .env("NSD_BENCH_TOKEN_ID", creds.token_id.expose_secret())
                .env("NSD_BENCH_TOKEN_SECRET", creds.token_secret.expose_secret())
                .output()
                .expect("run sync")
        }
    })
    .await
    .expect("join");
    let wall = start.elapsed();
    let logs = String::from_utf8_lossy(&out.stderr);
    let summary = logs.lines().find(|l| l.contains("sync run finished")).unwrap_or("");
    let field = |name: &str| -> Option<u64> {
        let v: serde_json::Value = serde_json::from_str(summary).ok()?;
        v.get(name)?.as_u64()
    };
    let records = field("records").unwrap_or(0);
    println!(
        "onboarding, {label}, by the sync binary (own process, simulator over HTTP, Postgres): {records} records in {:.2} s wall, {:.0} records/s, {} requests, peak RSS {} MiB, exit {}",
        wall.as_secs_f64(),
        records as f64 / wall.as_secs_f64().max(Duration::from_millis(1).as_secs_f64()),
        field("requests").unwrap_or(0),
        field("peak_rss_kib").unwrap_or(0) / 1024,
        out.status
    );
    running.shutdown().await.ok();
    admin.execute(format!("DROP DATABASE IF EXISTS {db}").as_str()).await.ok();
}
