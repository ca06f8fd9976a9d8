//! The command line: `migrate`, `sync`, `check`, `push`, `outbox`, `status`, `run`, `demo`,
//! `simulator`. `main.rs` only parses and calls [`run`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::config::{self, Settings};
use crate::discovery::sync_tenant;
use crate::store::{RunStatus, Store};
use crate::telemetry;

/// Discovers vendors (and later spend and people) from NetSuite into Postgres.
#[derive(Debug, Parser)]
#[command(name = "netsuite-discovery", version, about)]
pub struct Cli {
    /// Settings file (TOML); the built-in defaults apply otherwise. Env: NSD__SECTION__KEY.
    #[arg(long, global = true, env = "NSD_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply database migrations and exit.
    Migrate,
    /// Run one sync pass of one tenant (onboarding or delta), then exit. Exit code 0 when
    /// everything was pulled, 2 when an entity degraded, 1 on failure. Takes the tenant's
    /// lease like the daemon: while the daemon or another sync holds it, refuses (exit 1,
    /// naming the holder) unless --wait is given.
    Sync {
        /// The tenant id (its file in tenants_dir).
        #[arg(long)]
        tenant: String,
        /// Wait for the tenant's lease instead of refusing, at most this long ("90s", "10m";
        /// 1h when given without a value).
        #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "1h", value_parser = humantime::parse_duration)]
        wait: Option<Duration>,
    },
    /// Verify a tenant's credentials and probe each enabled entity's permission (the
    /// "Integrate" button). Exit code 0 when every enabled entity is readable, 2 when some
    /// would degrade, 1 when the credentials fail.
    Check {
        /// The tenant id (its file in tenants_dir).
        #[arg(long)]
        tenant: String,
    },
    /// Deliver a tenant's queued changes to LeanIX once (one push pass), then exit.
    Push {
        /// The tenant id (its file in tenants_dir); its `[push]` must be enabled.
        #[arg(long)]
        tenant: String,
    },
    /// Show the outbox: changes by state and entity, the oldest pending age, dead letters.
    Outbox {
        /// Only this tenant.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// The daemon: keep every tenant of tenants_dir discovered (onboarding, then a delta on
    /// each tenant's schedule), with health and metrics on daemon.listen. SIGHUP reloads the
    /// tenant files; SIGTERM/SIGINT drain and exit 0.
    Run,
    /// Exit 0 when the daemon's /healthz answers (for container health checks).
    Healthcheck {
        /// The URL to ask.
        #[arg(long, default_value = "http://127.0.0.1:9090/healthz")]
        url: String,
    },
    /// Run the whole path on a built-in simulated account: onboarding, changes, a delta.
    Demo(DemoArgs),
    /// Serve the NetSuite simulator standalone (prints test credentials at start).
    Simulator(SimulatorArgs),
}

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

/// Waits for SIGINT or SIGTERM, then cancels `token`.
pub fn cancel_on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    token.cancel();
                    return;
                }
            };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutdown requested");
        token.cancel();
    });
}

/// Takes `tenant_id`'s lease for `holder`. Without `wait`, a lease held by someone else is an
/// error naming the holder; with it, polls (0.5 s, doubling to 15 s) until the lease is free,
/// for at most `wait`.
async fn take_lease(
    store: &Store,
    tenant_id: &str,
    holder: &str,
    ttl: Duration,
    wait: Option<Duration>,
    cancel: &CancellationToken,
) -> anyhow::Result<()> {
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        if store.try_acquire_lease(tenant_id, holder, ttl).await.context("taking the tenant's lease")? {
            return Ok(());
        }
        let Some(current) = store.lease_holder(tenant_id).await.context("reading the tenant's lease")? else {
            // Released (or expired) between the two statements: try again at once, but never
            // in a tight loop.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let held = format!(
            "tenant {tenant_id} is being synced by {} (lease taken at {}, expires in {} s unless renewed)",
            current.holder,
            current.acquired_at.format("%Y-%m-%d %H:%M:%S UTC"),
            current.expires_in.as_secs()
        );
        let Some(wait) = wait else {
            anyhow::bail!("{held}: not starting a second sync of it; try again later, or use --wait");
        };
        let waited = started.elapsed();
        if waited >= wait {
            anyhow::bail!("{held}: gave up after waiting {}", humantime::format_duration(wait));
        }
        tracing::info!(tenant = %tenant_id, holder = %current.holder, "waiting for the tenant's lease");
        let nap = pause.min(wait - waited);
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            _ = cancel.cancelled() => anyhow::bail!("{held}: interrupted while waiting for it"),
        }
        pause = (pause * 2).min(Duration::from_secs(15));
    }
}

/// Renews the lease every third of its life while the sync runs; cancels `lost` when it is
/// lost (taken by another holder after expiring) or could not be renewed for a whole `ttl`.
fn lease_heartbeat(
    store: Store,
    tenant_id: String,
    holder: String,
    ttl: Duration,
    lost: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_ok = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(ttl / 3).await;
            match store.renew_lease(&tenant_id, &holder, ttl).await {
                Ok(true) => last_ok = tokio::time::Instant::now(),
                Ok(false) => {
                    tracing::error!(tenant = %tenant_id, "lease lost to another holder: stopping this sync");
                    lost.cancel();
                    return;
                }
                Err(e) => {
                    tracing::warn!(tenant = %tenant_id, error = %e, "lease heartbeat failed");
                    if last_ok.elapsed() >= ttl {
                        tracing::error!(tenant = %tenant_id, "lease expired without heartbeat: stopping this sync");
                        lost.cancel();
                        return;
                    }
                }
            }
        }
    })
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log.format, &settings.log.level);
    match cli.command {
        Command::Migrate => {
            let store = Store::connect(&settings.database_url, 2).await.context("connecting to the database")?;
            store.migrate().await.context("applying migrations")?;
            tracing::info!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync { tenant, wait } => {
            let file = settings.tenants_dir.join(format!("{tenant}.toml"));
            let tenant = config::load_tenant_file(&file, &settings.sync)?;
            let store = Store::connect(&settings.database_url, 4).await.context("connecting to the database")?;
            store.migrate().await.context("applying migrations")?;
            let cancel = CancellationToken::new();
            cancel_on_signals(cancel.clone());
            // The same lease as the daemon's, so that a sync never doubles the account's
            // requests alongside the daemon or another sync.
            let holder = format!("sync-{}", crate::daemon::supervisor::replica_name());
            let ttl = settings.daemon.lease_ttl;
            take_lease(&store, &tenant.id, &holder, ttl, wait, &cancel).await?;
            let run_cancel = cancel.child_token();
            let beat = lease_heartbeat(store.clone(), tenant.id.clone(), holder.clone(), ttl, run_cancel.clone());
            let result = sync_tenant(&store, &tenant, &settings.sync, run_cancel, "cli").await;
            beat.abort();
            if let Err(e) = store.release_lease(&tenant.id, &holder).await {
                tracing::warn!(tenant = %tenant.id, error = %e, "cannot release the lease (it will expire)");
            }
            let summary = result?;
            Ok(match summary.status {
                RunStatus::Succeeded => ExitCode::SUCCESS,
                RunStatus::Degraded => ExitCode::from(2),
                _ => ExitCode::from(1),
            })
        }
        Command::Check { tenant } => {
            let file = settings.tenants_dir.join(format!("{tenant}.toml"));
            let tenant = config::load_tenant_file(&file, &settings.sync)?;
            let report = crate::discovery::check_tenant(&tenant, &settings.sync).await?;
            print!("{}", report.render());
            Ok(ExitCode::from(report.exit_code()))
        }
        Command::Push { tenant } => {
            let file = settings.tenants_dir.join(format!("{tenant}.toml"));
            let tenant = config::load_tenant_file(&file, &settings.sync)?;
            let Some(target) = tenant.push.clone() else {
                anyhow::bail!("tenant file {}: push.enabled is false: nothing to push to", file.display());
            };
            let store = Store::connect(&settings.database_url, 4).await.context("connecting to the database")?;
            store.migrate().await.context("applying migrations")?;
            let client = crate::push::client_for(&target, &settings.push)?;
            let cancel = CancellationToken::new();
            cancel_on_signals(cancel.clone());
            let summary = crate::push::push_tenant(
                &store,
                &client,
                &settings.push,
                &target,
                &tenant.id,
                tenant.credentials.account.as_str(),
                &cancel,
            )
            .await?;
            println!(
                "pushed {} items in {} batches ({} runs created, {} adopted), {} dead-lettered",
                summary.items, summary.batches, summary.runs_created, summary.runs_adopted, summary.dead
            );
            Ok(if summary.dead > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
        }
        Command::Outbox { tenant } => {
            let store = Store::connect(&settings.database_url, 2).await.context("connecting to the database")?;
            store.migrate().await.context("applying migrations")?;
            let r = store.outbox_report(tenant.as_deref()).await?;
            println!("{:<24} {:<12} {:<10} {:>10}", "tenant", "entity", "state", "changes");
            for (t, e, s, n) in &r.counts {
                println!("{t:<24} {e:<12} {s:<10} {n:>10}");
            }
            for (t, age) in &r.oldest_pending {
                println!("oldest pending change of {t}: {age:.0} s old");
            }
            if r.dead.is_empty() {
                println!("dead letters: none");
            }
            for (t, b, e, n, err) in &r.dead {
                println!("dead letter: tenant {t} batch {b} ({n} {e}): {}", err.as_deref().unwrap_or(""));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => {
            let shutdown = CancellationToken::new();
            cancel_on_signals(shutdown.clone());
            let daemon = crate::daemon::supervisor::start(settings, shutdown).await?;
            daemon.task.await??;
            Ok(ExitCode::SUCCESS)
        }
        Command::Healthcheck { url } => {
            let ok = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()?
                .get(&url)
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Demo(args) => crate::demo::demo(args, &settings).await,
        Command::Simulator(args) => crate::demo::serve_simulator(args).await,
    }
}
