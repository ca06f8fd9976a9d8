//! `demo`: the sync path on a simulated account, end to end and in one process: the NetSuite
//! simulator over real HTTP, a Postgres (`DATABASE_URL`, or a throwaway cluster started
//! here), onboarding, then changes made in the simulator and a delta, then a summary table.
//! And `simulator`: the simulator on its own.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::config::{Categories, Product, Schedule, Settings, Tenant};
use crate::discovery::{sync_tenant, RunSummary};
use crate::netsuite::{AccountId, Credentials};
use crate::pg::LocalPostgres;
use crate::store::{RunStatus, Store};
use nsd_simulator::{AccountSpec, SimConfig, Simulator};

/// Options of `demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Vendors in the simulated account.
    #[arg(long, default_value_t = 10_000)]
    pub vendors: usize,
    /// Seed of the simulated account.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Search page size.
    #[arg(long, default_value_t = 1000)]
    pub page_size: u32,
    /// Vendor-side transactions (bills, orders, credits, payments, checks) over 3 years.
    #[arg(long, default_value_t = 50_000)]
    pub transactions: usize,
    /// Expense reports over 3 years.
    #[arg(long, default_value_t = 5_000)]
    pub expense_reports: usize,
    /// Employees (expense report owners; pulled when --hris is given).
    #[arg(long, default_value_t = 500)]
    pub employees: usize,
    /// Departments (pulled when --hris is given).
    #[arg(long, default_value_t = 40)]
    pub departments: usize,
    /// Switch the HRIS category on for the demo tenant.
    #[arg(long)]
    pub hris: bool,
    /// Vendors the simulator adds before the delta.
    #[arg(long, default_value_t = 25)]
    pub add: usize,
    /// Vendors the simulator modifies before the delta.
    #[arg(long, default_value_t = 10)]
    pub modify: usize,
}

/// Options of `simulator`.
#[derive(Debug, clap::Args)]
pub struct SimulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Seed of the generated account.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Account id of the generated account.
    #[arg(long, default_value = "1234567_SB1")]
    pub account: String,
    /// Vendors in the account.
    #[arg(long, default_value_t = 1000)]
    pub vendors: usize,
    /// Vendor-side transactions over 3 years.
    #[arg(long, default_value_t = 5000)]
    pub transactions: usize,
    /// Expense reports over 3 years.
    #[arg(long, default_value_t = 500)]
    pub expense_reports: usize,
    /// Employees.
    #[arg(long, default_value_t = 200)]
    pub employees: usize,
    /// Departments (a hierarchy).
    #[arg(long, default_value_t = 20)]
    pub departments: usize,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Concurrent requests allowed per account.
    #[arg(long, default_value_t = 5)]
    pub concurrency_limit: usize,
}

/// The demo account's id.
const DEMO_ACCOUNT: &str = "1234567_SB1";
/// The demo tenant's id.
const DEMO_TENANT: &str = "demo";

/// Runs the demo and prints its summary.
pub async fn demo(args: DemoArgs, settings: &Settings) -> anyhow::Result<ExitCode> {
    let local = match std::env::var("DATABASE_URL") {
        Ok(_) => None,
        Err(_) => {
            println!("Starting a throwaway PostgreSQL (DATABASE_URL is not set)...");
            Some(tokio::task::spawn_blocking(LocalPostgres::start).await??)
        }
    };
    let url = local.as_ref().map(LocalPostgres::url).unwrap_or_else(|| settings.database_url.clone());
    let result = run_demo(&args, settings, &url).await;
    if let Some(pg) = local {
        tokio::task::spawn_blocking(move || pg.stop()).await?;
    }
    result
}

async fn run_demo(args: &DemoArgs, settings: &Settings, url: &str) -> anyhow::Result<ExitCode> {
    let store = Store::connect(url, 4).await.context("connecting to the database")?;
    store.migrate().await.context("applying migrations")?;
    store.purge_tenant(DEMO_TENANT).await.context("clearing the previous demo's rows")?;

    let account = nsd_simulator::AccountId::parse(DEMO_ACCOUNT)?;
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(
        AccountSpec::new(account.clone(), args.seed)
            .with_vendors(args.vendors)
            .with_transactions(args.transactions)
            .with_employees(args.employees)
            .with_departments(args.departments)
            .with_expense_reports(args.expense_reports),
    )?;
    let running = sim.clone().spawn().await.context("starting the simulator")?;
    let leanix = nsd_simulator::leanix::LeanixSim::new(nsd_simulator::leanix::LeanixSimConfig::default())
        .spawn()
        .await
        .context("starting the LeanIX simulator")?;
    println!("LeanIX simulator on {}", leanix.base_url());
    println!(
        "NetSuite simulator on {} (seed {}): {} vendors, {} vendor transactions and {} expense reports over 3 years, {} employees",
        running.endpoint(),
        args.seed,
        args.vendors,
        args.transactions,
        args.expense_reports,
        args.employees
    );

    let tenant = Tenant {
        id: DEMO_TENANT.into(),
        source: PathBuf::from("(demo)"),
        credentials: product_credentials(sim.credentials(&account)?)?,
        endpoint: running.endpoint(),
        soap_version: crate::netsuite::SoapVersion::default(),
        transport: crate::config::Transport::Soap,
        page_size: args.page_size,
        product: Product::Smp,
        categories: Categories { hris: args.hris, ..Categories::default() },
        schedule: Schedule::default(),
        push: Some(crate::config::PushTarget {
            base_url: leanix.base_url(),
            connector_id: "netsuite-discovery-demo".into(),
            workspace: None,
            batch_size: settings.push.batch_size,
            api_token: secrecy::SecretString::from(nsd_simulator::leanix::DEFAULT_API_TOKEN.to_string()),
            manage_configuration: true,
        }),
    };
    let target = tenant.push.clone().context("demo tenant pushes")?;
    let lx_client = crate::push::client_for(&target, &settings.push)?;
    let cancel = CancellationToken::new();
    crate::sys::cancel_on_signals(cancel.clone());

    let onboarding = sync_tenant(&store, &tenant, &settings.sync, cancel.clone(), "demo").await?;
    let account_id = account.to_string();
    let push1 =
        crate::push::push_tenant(&store, &lx_client, &settings.push, &target, DEMO_TENANT, &account_id, &cancel)
            .await?;
    let added = sim.add_vendors(&account, args.add)?;
    let modified = sim.modify_vendors(&account, args.modify)?;
    println!("Simulator: added {} vendors, modified {}", added.len(), modified.len());
    let delta = sync_tenant(&store, &tenant, &settings.sync, cancel.clone(), "demo").await?;
    let push2 =
        crate::push::push_tenant(&store, &lx_client, &settings.push, &target, DEMO_TENANT, &account_id, &cancel)
            .await?;
    let delivered = leanix.simulator().delivered().len();
    let lx_runs = leanix.simulator().runs().len();
    leanix.shutdown().await.ok();
    let stored: i64 = store.count_services(DEMO_TENANT).await?;
    let tables = store.table_counts(DEMO_TENANT).await?;
    let faults = sim.request_log().iter().filter(|r| !r.outcome.is_ok()).count();
    running.shutdown().await.ok();

    println!();
    println!(
        "{:<11} {:<19} {:<6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8}",
        "run", "entity", "mode", "pages", "records", "inserted", "updated", "run reqs", "errors", "run s"
    );
    for (name, s) in [("onboarding", &onboarding), ("delta", &delta)] {
        row(name, s);
    }
    println!();
    let stored_list: Vec<String> = tables.iter().map(|(t, n)| format!("{t} {n}")).collect();
    println!("stored: {}", stored_list.join(", "));
    println!(
        "pushed to LeanIX: {} items after onboarding, {} after the delta ({} LDIF runs, {} items delivered in all, {} dead-lettered)",
        push1.items,
        push2.items,
        lx_runs,
        delivered,
        push1.dead + push2.dead
    );
    println!(
        "simulator faults answered: {faults}   peak RSS of this process (simulator included): {} MiB",
        crate::sys::peak_rss_kib().unwrap_or(0) / 1024
    );
    let ok = onboarding.status == RunStatus::Succeeded && delta.status == RunStatus::Succeeded;
    let expected = (args.vendors + args.add) as i64;
    if ok && stored == expected {
        println!(
            "OK: {stored} services = {} generated + {} added; the delta updated {} modified",
            args.vendors,
            args.add,
            delta.outcomes.iter().map(|o| o.updated).sum::<u64>()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "UNEXPECTED: stored {stored}, expected {expected}; statuses {} / {}",
            onboarding.status.as_str(),
            delta.status.as_str()
        );
        Ok(ExitCode::FAILURE)
    }
}

fn row(name: &str, s: &RunSummary) {
    for o in &s.outcomes {
        println!(
            "{:<11} {:<19} {:<6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8.2}",
            name,
            o.entity,
            o.mode.as_str(),
            o.pages,
            o.records,
            o.inserted,
            o.updated,
            s.requests,
            s.request_errors,
            s.elapsed.as_secs_f64()
        );
    }
}

/// The client's credentials for a simulator account (the simulator hands out plain strings).
fn product_credentials(c: nsd_simulator::Credentials) -> anyhow::Result<Credentials> {
    use secrecy::SecretString;
    Ok(Credentials {
        account: AccountId::parse(c.account.as_str())?,
        consumer_key: SecretString::from(c.consumer_key),
        consumer_secret: SecretString::from(c.consumer_secret),
        token_id: SecretString::from(c.token_id),
        token_secret: SecretString::from(c.token_secret),
    })
}

/// Serves the simulator standalone until SIGINT/SIGTERM, printing what a client needs.
pub async fn serve_simulator(args: SimulatorArgs) -> anyhow::Result<ExitCode> {
    let account = nsd_simulator::AccountId::parse(&args.account)?;
    let sim = Simulator::new(SimConfig {
        latency: Duration::from_millis(args.latency_ms),
        concurrency_limit: args.concurrency_limit,
        ..SimConfig::default()
    });
    sim.add_account(
        AccountSpec::new(account.clone(), args.seed)
            .with_vendors(args.vendors)
            .with_transactions(args.transactions)
            .with_expense_reports(args.expense_reports)
            .with_employees(args.employees)
            .with_departments(args.departments),
    )?;
    let creds = sim.credentials(&account)?;
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    // These are the simulator's own test credentials, printed on purpose.
    println!("NetSuite simulator (SOAP 2017_2, 2023_2 and 2025_2) listening");
    for v in nsd_simulator::SoapVersion::ALL {
        println!("  endpoint {}  http://{addr}{}", v.as_str(), v.path());
    }
    println!("  account          {}", account);
    println!(
        "  records          {} vendors, {} transactions, {} expense reports, {} employees, {} departments",
        args.vendors, args.transactions, args.expense_reports, args.employees, args.departments
    );
    println!("  consumer key     {}", creds.consumer_key);
    println!("  consumer secret  {}", creds.consumer_secret);
    println!("  token id         {}", creds.token_id);
    println!("  token secret     {}", creds.token_secret);
    let cancel = CancellationToken::new();
    crate::sys::cancel_on_signals(cancel.clone());
    sim.serve(listener, cancel).await?;
    Ok(ExitCode::SUCCESS)
}
