//! The command line: `migrate`, `sync`, `demo`, `simulator`. `main.rs` only parses and calls
//! [`run`].

use std::path::PathBuf;
use std::process::ExitCode;

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
    /// everything was pulled, 2 when an entity degraded, 1 on failure.
    Sync {
        /// The tenant id (its file in tenants_dir).
        #[arg(long)]
        tenant: String,
    },
    /// Verify a tenant's credentials and probe each enabled entity's permission (the
    /// "Integrate" button). Exit code 0 when every enabled entity is readable, 2 when some
    /// would degrade, 1 when the credentials fail.
    Check {
        /// The tenant id (its file in tenants_dir).
        #[arg(long)]
        tenant: String,
    },
    /// Deliver a tenant's queued changes to LeanIX once (one push pass), then exit. The pass
    /// first installs or updates the daemon's processor configuration in the workspace
    /// (unless the tenant sets `manage_configuration = false`). Exit code 0 when everything
    /// landed, 2 when items were rejected or dead-lettered, 1 on failure.
    Push {
        /// The tenant id (its file in tenants_dir); its `[push]` must be enabled.
        #[arg(long)]
        tenant: String,
        /// Only install or update the processor configuration (GET, then PUT
        /// /configurations when missing or different); push nothing.
        #[arg(long)]
        setup: bool,
    },
    /// Show the outbox: changes by state and entity, the oldest pending age, the changes
    /// LeanIX rejected with its messages, dead letters with their errors and warnings.
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
        Command::Sync { tenant } => {
            let file = settings.tenants_dir.join(format!("{tenant}.toml"));
            let tenant = config::load_tenant_file(&file, &settings.sync)?;
            let store = Store::connect(&settings.database_url, 4).await.context("connecting to the database")?;
            store.migrate().await.context("applying migrations")?;
            let cancel = CancellationToken::new();
            cancel_on_signals(cancel.clone());
            let summary = sync_tenant(&store, &tenant, &settings.sync, cancel, "cli").await?;
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
        Command::Push { tenant, setup } => {
            let file = settings.tenants_dir.join(format!("{tenant}.toml"));
            let tenant = config::load_tenant_file(&file, &settings.sync)?;
            let Some(target) = tenant.push.clone() else {
                anyhow::bail!("tenant file {}: push.enabled is false: nothing to push to", file.display());
            };
            let store = Store::connect(&settings.database_url, 4).await.context("connecting to the database")?;
            store.migrate().await.context("applying migrations")?;
            let client = crate::push::client_for(&target, &settings.push)?;
            if setup {
                let done = crate::push::setup_configuration(&client, &settings.push, &target).await?;
                println!(
                    "processor configuration for connectorId {} version {}: {}",
                    target.connector_id,
                    settings.push.connector_version,
                    match done {
                        crate::push::Setup::Installed => "installed",
                        crate::push::Setup::Updated => "updated",
                        crate::push::Setup::Unchanged => "already installed, unchanged",
                        crate::push::Setup::Present => "present (managed by a workspace admin)",
                    }
                );
                return Ok(ExitCode::SUCCESS);
            }
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
                "pushed {} items in {} batches ({} runs created, {} adopted), {} rejected by LeanIX, {} dead-lettered{}",
                summary.items,
                summary.batches,
                summary.runs_created,
                summary.runs_adopted,
                summary.rejected,
                summary.dead,
                match summary.configuration {
                    Some(crate::push::Setup::Installed) => "; processor configuration installed",
                    Some(crate::push::Setup::Updated) => "; processor configuration updated",
                    _ => "",
                }
            );
            Ok(if summary.dead > 0 || summary.rejected > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
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
            print!("{}", crate::push::report::render(&r));
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
