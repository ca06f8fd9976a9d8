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
    /// Whether each tenant's copy is exact: per entity the last run and its outcome, live and
    /// deleted rows, the last drift check (NetSuite's count against ours), rejected records
    /// and the outbox backlog; per tenant the next due run and the lease. Exit code 0.
    Status {
        /// Only this tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// One JSON document instead of the table.
        #[arg(long)]
        json: bool,
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
    #[cfg(feature = "stand-ins")]
    Demo(crate::demo::DemoArgs),
    /// Serve the NetSuite simulator standalone (prints test credentials at start).
    #[cfg(feature = "stand-ins")]
    Simulator(crate::demo::SimulatorArgs),
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
            crate::sys::cancel_on_signals(cancel.clone());
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
            crate::sys::cancel_on_signals(cancel.clone());
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
        Command::Status { tenant, json } => {
            let store = Store::connect(&settings.database_url, 2).await.context("connecting to the database")?;
            store.migrate().await.context("applying migrations")?;
            let report = status::gather(&store, &settings, tenant.as_deref(), chrono::Utc::now()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", status::render(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => {
            let shutdown = CancellationToken::new();
            crate::sys::cancel_on_signals(shutdown.clone());
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
        #[cfg(feature = "stand-ins")]
        Command::Demo(args) => crate::demo::demo(args, &settings).await,
        #[cfg(feature = "stand-ins")]
        Command::Simulator(args) => crate::demo::serve_simulator(args).await,
    }
}

/// `status`: gathered from the database and the tenant files, printed as a table or JSON.
mod status {
    use std::collections::{BTreeMap, BTreeSet};
    use std::fmt::Write as _;
    use std::path::PathBuf;

    use chrono::{DateTime, Utc};
    use serde::Serialize;

    use crate::config::{self, Settings, Tenant};
    use crate::daemon::schedule::{next_due, TenantState};
    use crate::discovery::{enabled_entities, Entity};
    use crate::store::status::{EntityFacts, RunBrief};
    use crate::store::Store;

    /// Everything `status` prints.
    #[derive(Debug, Serialize)]
    pub struct Report {
        /// When it was gathered.
        pub generated_at: DateTime<Utc>,
        /// One per tenant, by id.
        pub tenants: Vec<TenantReport>,
    }

    /// One tenant.
    #[derive(Debug, Serialize)]
    pub struct TenantReport {
        pub tenant_id: String,
        /// From the database, else from the tenant file.
        pub account_id: Option<String>,
        /// Its file in tenants_dir, when there is one.
        pub tenant_file: Option<PathBuf>,
        /// Why the file could not be used (the next due run is then unknown).
        pub file_error: Option<String>,
        pub last_run: Option<RunBrief>,
        /// When the daemon runs it next (now or past: due at once), per its schedule.
        pub next_due: Option<DateTime<Utc>>,
        pub lease: Option<Lease>,
        pub entities: Vec<EntityReport>,
        /// `soap` or `suiteql`, from the tenant file.
        pub transport: Option<String>,
        /// Entities the tenant's transport cannot pull, with why (not a failure).
        pub not_available: Vec<String>,
    }

    /// A held lease.
    #[derive(Debug, Serialize)]
    pub struct Lease {
        pub holder: String,
        pub acquired_at: DateTime<Utc>,
        pub expires_in_seconds: u64,
    }

    /// One entity of a tenant.
    #[derive(Debug, Serialize)]
    pub struct EntityReport {
        /// Whether the tenant file switches it on (unknown without a usable file).
        pub enabled: Option<bool>,
        #[serde(flatten)]
        pub facts: EntityFacts,
    }

    /// The tenant files to look at: `<tenant>.toml`, or every `*.toml` of tenants_dir.
    fn tenant_files(settings: &Settings, only: Option<&str>) -> Vec<PathBuf> {
        if let Some(id) = only {
            let f = settings.tenants_dir.join(format!("{id}.toml"));
            return if f.is_file() { vec![f] } else { Vec::new() };
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&settings.tenants_dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// Reads the database and the tenant files.
    pub async fn gather(
        store: &Store,
        settings: &Settings,
        only: Option<&str>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Report> {
        // Tenant files by tenant id (the file name, which must be the id).
        let mut files: BTreeMap<String, (PathBuf, Result<Tenant, String>)> = BTreeMap::new();
        for f in tenant_files(settings, only) {
            let Some(id) = f.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
            let loaded = config::load_tenant_file(&f, &settings.sync).map_err(|e| e.to_string());
            files.insert(id, (f, loaded));
        }
        let known: BTreeMap<String, _> =
            store.status_tenants(only).await?.into_iter().map(|t| (t.tenant_id.clone(), t)).collect();
        let ids: BTreeSet<String> = files.keys().chain(known.keys()).cloned().collect();
        if let (Some(id), true) = (only, ids.is_empty()) {
            anyhow::bail!(
                "tenant {id}: no tenant file {} and nothing stored for it",
                settings.tenants_dir.join(format!("{id}.toml")).display()
            );
        }
        let mut tenants = Vec::with_capacity(ids.len());
        for id in ids {
            let facts = known.get(&id);
            let (tenant_file, tenant, file_error) = match files.remove(&id) {
                Some((f, Ok(t))) => (Some(f), Some(t), None),
                Some((f, Err(e))) => (Some(f), None, Some(e)),
                None => (None, None, Some(format!("no tenant file in {}", settings.tenants_dir.display()))),
            };
            let enabled: Option<Vec<Entity>> = tenant.as_ref().map(enabled_entities);
            // Entities: those enabled, then any other with something stored, in pull order.
            let seen = store.status_entities_seen(&id).await?;
            let mut names: Vec<String> = Entity::ALL
                .iter()
                .filter(|e| enabled.as_ref().is_some_and(|en| en.contains(e)) || seen.iter().any(|s| s == e.name()))
                .map(|e| e.name().to_string())
                .collect();
            names.extend(seen.iter().filter(|s| !Entity::ALL.iter().any(|e| e.name() == s.as_str())).cloned());
            let mut entities = Vec::with_capacity(names.len());
            for name in &names {
                let facts = store.entity_status(&id, name).await?;
                let on = enabled.as_ref().map(|en| en.iter().any(|e| e.name() == name));
                entities.push(EntityReport { enabled: on, facts });
            }
            let next = match (&tenant, &enabled) {
                (Some(t), Some(en)) => {
                    // The facts the daemon's worker schedules by.
                    let onboarded = store.onboarded_entities(&id).await?;
                    let state = TenantState {
                        last_good: store.last_good_run(&id).await?,
                        work_pending: store.has_open_pull(&id).await?
                            || en.iter().any(|e| !onboarded.iter().any(|o| o == e.name())),
                    };
                    Some(next_due(&id, state, &t.schedule, now))
                }
                _ => None,
            };
            let transport = tenant.as_ref().map(|t| t.transport);
            let not_available = match (transport, tenant.as_ref()) {
                (Some(tr), Some(t)) => Entity::ALL
                    .iter()
                    .filter(|e| {
                        e.category() == crate::discovery::Category::Services || t.product == crate::config::Product::Smp
                    })
                    .filter_map(|e| e.unavailable_reason(tr).map(|why| format!("{}: {why}", e.name())))
                    .collect(),
                _ => Vec::new(),
            };
            tenants.push(TenantReport {
                transport: transport.map(|t| t.as_str().to_string()),
                not_available,
                account_id: facts
                    .map(|f| f.account_id.clone())
                    .or_else(|| tenant.as_ref().map(|t| t.credentials.account.as_str().to_string())),
                last_run: facts.and_then(|f| f.last_run.clone()),
                lease: facts.and_then(|f| f.lease.as_ref()).map(|l| Lease {
                    holder: l.holder.clone(),
                    acquired_at: l.acquired_at,
                    expires_in_seconds: l.expires_in.as_secs(),
                }),
                tenant_id: id,
                tenant_file,
                file_error,
                next_due: next,
                entities,
            });
        }
        Ok(Report { generated_at: now, tenants })
    }

    fn when(t: DateTime<Utc>) -> String {
        t.format("%Y-%m-%d %H:%M").to_string()
    }

    fn span(d: chrono::Duration) -> String {
        let mins = d.num_minutes().max(0);
        match (mins / (24 * 60), (mins / 60) % 24, mins % 60) {
            (0, 0, m) => format!("{m}m"),
            (0, h, m) => format!("{h}h {m}m"),
            (days, h, _) => format!("{days}d {h}h"),
        }
    }

    /// The report as aligned text (times in UTC).
    pub fn render(r: &Report) -> String {
        let mut out = String::new();
        if r.tenants.is_empty() {
            out.push_str("no tenants: no tenant files and nothing stored\n");
        }
        for t in &r.tenants {
            let _ = writeln!(
                out,
                "tenant {}  account {}{}",
                t.tenant_id,
                t.account_id.as_deref().unwrap_or("-"),
                t.tenant_file.as_ref().map(|f| format!("  file {}", f.display())).unwrap_or_default()
            );
            if let Some(e) = &t.file_error {
                let _ = writeln!(out, "  tenant file: {e}");
            }
            let last = match &t.last_run {
                Some(run) => format!(
                    "{} UTC  {}  (trigger {}){}",
                    when(run.started_at),
                    run.status,
                    run.trigger,
                    run.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
                ),
                None => "never".into(),
            };
            let _ = writeln!(out, "  last run   {last}");
            let next = match t.next_due {
                Some(due) if due <= r.generated_at => "due now".to_string(),
                Some(due) => format!("{} UTC (in {})", when(due), span(due - r.generated_at)),
                None => "unknown (no usable tenant file)".into(),
            };
            let _ = writeln!(out, "  next run   {next}");
            let lease = match &t.lease {
                Some(l) => format!(
                    "held by {} since {} UTC (expires in {} s)",
                    l.holder,
                    when(l.acquired_at),
                    l.expires_in_seconds
                ),
                None => "free".into(),
            };
            let _ = writeln!(out, "  lease      {lease}");
            if let Some(transport) = &t.transport {
                let _ = writeln!(out, "  transport  {transport}");
            }
            let _ = writeln!(
                out,
                "  {:<18} {:<16} {:<10} {:<5} {:>8} {:>8} {:>8}  {:<16} {:>19} {:>8} {:>8}  cursor",
                "entity",
                "last run",
                "outcome",
                "mode",
                "records",
                "live",
                "deleted",
                "drift checked",
                "netsuite/ours",
                "rejected",
                "outbox",
            );
            let mut notes: Vec<String> = t.not_available.clone();
            for e in &t.entities {
                let f = &e.facts;
                let (started, outcome, mode, records) = match &f.last_run {
                    Some(run) => (when(run.started_at), run.status.clone(), run.mode.clone(), run.records.to_string()),
                    None => ("never".into(), "-".into(), "-".into(), "-".into()),
                };
                let (checked, counts) = match &f.drift_check {
                    Some(d) => (
                        when(d.checked_at),
                        format!("{}/{} {}", d.remote, d.local, if d.drift { "DRIFT" } else { "ok" }),
                    ),
                    None => ("never".into(), "-".into()),
                };
                // What the entity's next pull will be.
                let cursor = if e.enabled == Some(false) {
                    "off"
                } else if f.pull_open {
                    "resume"
                } else if f.force_full {
                    "forced-full"
                } else {
                    f.phase.as_deref().unwrap_or("onboarding")
                };
                let _ = writeln!(
                    out,
                    "  {:<18} {:<16} {:<10} {:<5} {:>8} {:>8} {:>8}  {:<16} {:>19} {:>8} {:>8}  {}",
                    f.entity,
                    started,
                    outcome,
                    mode,
                    records,
                    f.live,
                    f.deleted,
                    checked,
                    counts,
                    f.rejected,
                    f.outbox_pending + f.outbox_in_flight,
                    cursor
                );
                if let Some(run) = f.last_run.as_ref().filter(|r| r.error.is_some() || r.error_code.is_some()) {
                    notes.push(format!(
                        "{}: {}{}",
                        f.entity,
                        run.error_code.as_deref().unwrap_or("error"),
                        run.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
                    ));
                }
                if f.force_full {
                    notes.push(format!(
                        "{}: next pull is full: {}",
                        f.entity,
                        f.force_full_reason.as_deref().unwrap_or("requested")
                    ));
                }
                if f.pull_open {
                    notes.push(format!(
                        "{}: a pull is open (running or interrupted; the next run resumes it)",
                        f.entity
                    ));
                }
                if f.outbox_in_flight > 0 {
                    notes.push(format!("{}: {} outbox changes in flight", f.entity, f.outbox_in_flight));
                }
            }
            for n in notes {
                let _ = writeln!(out, "  {n}");
            }
            out.push('\n');
        }
        out
    }
}
