//! `run`: the daemon. Serves health and metrics, keeps one worker per tenant file (added,
//! changed and removed files are picked up on SIGHUP and every `reload_every`), and on
//! shutdown stops scheduling, lets pages in flight finish for at most `drain`, then abandons
//! what is left (it is fetched again on the next start) and returns.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::worker::{tenant_worker, Shared};
use crate::config::{self, Settings, Tenant};
use crate::store::Store;

/// A running tenant worker.
struct Worker {
    file: PathBuf,
    fingerprint: String,
    stop: CancellationToken,
    cancel: CancellationToken,
    handle: JoinHandle<()>,
}

/// A tenant's identity for change detection: its file's settings and secrets, hashed (the
/// secrets never leave the hasher).
fn fingerprint(t: &Tenant) -> String {
    use secrecy::ExposeSecret;
    let mut h = Sha256::new();
    h.update(format!(
        "{:?}|{}|{}|{}|{:?}|{:?}|{:?}|{:?}",
        t.credentials.account, t.endpoint, t.soap_version, t.page_size, t.product, t.categories, t.schedule, t.push
    ));
    let push_token = t.push.as_ref().map(|p| &p.api_token);
    for s in [
        &t.credentials.consumer_key,
        &t.credentials.consumer_secret,
        &t.credentials.token_id,
        &t.credentials.token_secret,
    ]
    .into_iter()
    .chain(push_token)
    {
        h.update(b"|");
        h.update(s.expose_secret().as_bytes());
    }
    format!("{:x}", h.finalize())
}

/// A name for this replica in leases: host, process id and a random suffix.
pub fn replica_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "replica".into());
    format!("{host}-{}-{:08x}", std::process::id(), rand::random::<u32>())
}

/// The daemon's handle for tests and the CLI.
pub struct Daemon {
    /// The health listener's address.
    pub health_addr: SocketAddr,
    /// The task running the daemon; ends after shutdown.
    pub task: JoinHandle<anyhow::Result<()>>,
}

/// Starts the daemon; it runs until `shutdown` fires, then drains and ends.
pub async fn start(settings: Settings, shutdown: CancellationToken) -> anyhow::Result<Daemon> {
    let store = Store::connect(&settings.database_url, 16).await.context("connecting to the database")?;
    store.migrate().await.context("applying migrations")?;
    let health_stop = CancellationToken::new();
    let health_addr = super::health::spawn(settings.daemon.listen, store.clone(), health_stop.clone())
        .await
        .with_context(|| format!("binding the health listener on {}", settings.daemon.listen))?;
    let holder = replica_name();
    info!(health = %health_addr, replica = %holder, tenants_dir = %settings.tenants_dir.display(), "daemon started");
    let shared = Arc::new(Shared::new(store, settings, holder));
    let task = tokio::spawn(supervise(shared, shutdown, health_stop));
    Ok(Daemon { health_addr, task })
}

async fn supervise(
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    health_stop: CancellationToken,
) -> anyhow::Result<()> {
    let mut workers: HashMap<String, Worker> = HashMap::new();
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut tick = tokio::time::interval(shared.settings.daemon.reload_every);
    loop {
        #[cfg(unix)]
        let hup_recv = async {
            match hup.as_mut() {
                Some(h) => {
                    h.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let hup_recv = std::future::pending::<()>();
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {}
            _ = hup_recv => info!("SIGHUP: reading the tenant files again"),
        }
        reload(&shared, &mut workers);
    }
    drain(&shared, workers).await;
    health_stop.cancel();
    info!("daemon stopped");
    Ok(())
}

/// Reads the tenant files and brings the workers in line: new tenants start, removed ones
/// stop, changed ones restart once their old worker has finished. A bad file is reported
/// (file and key) and skipped; the tenant it held keeps its current worker.
fn reload(shared: &Arc<Shared>, workers: &mut HashMap<String, Worker>) {
    let dir = &shared.settings.tenants_dir;
    let files = match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut f: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            f.sort();
            f
        }
        Err(e) => {
            error!(dir = %dir.display(), error = %e, "cannot read the tenants directory; keeping the current tenants");
            return;
        }
    };
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut broken_files: Vec<PathBuf> = Vec::new();
    for file in files {
        let tenant = match config::load_tenant_file(&file, &shared.settings.sync) {
            Ok(t) => t,
            Err(e) => {
                error!(error = %e, "tenant file skipped");
                broken_files.push(file);
                continue;
            }
        };
        if let Some(other) = seen.get(&tenant.id) {
            error!(file = %file.display(), other = %other.display(), tenant = %tenant.id, "two files name one tenant; this one is skipped");
            continue;
        }
        seen.insert(tenant.id.clone(), file.clone());
        let fp = fingerprint(&tenant);
        match workers.remove(&tenant.id) {
            Some(w) if w.fingerprint == fp && !w.handle.is_finished() => {
                workers.insert(tenant.id.clone(), w);
            }
            Some(old) => {
                info!(tenant = %tenant.id, "tenant file changed: restarting its worker");
                let w = spawn_after(shared, tenant, fp, file, Some(old));
                workers.insert(w.0, w.1);
            }
            None => {
                info!(tenant = %tenant.id, file = %file.display(), "tenant added");
                let w = spawn_after(shared, tenant, fp, file, None);
                workers.insert(w.0, w.1);
            }
        }
    }
    let gone: Vec<String> = workers
        .iter()
        .filter(|(id, w)| !seen.contains_key(*id) && !broken_files.contains(&w.file))
        .map(|(id, _)| id.clone())
        .collect();
    for id in gone {
        if let Some(w) = workers.remove(&id) {
            info!(tenant = %id, "tenant removed: stopping its worker (its data is kept)");
            retire(shared, w);
        }
    }
}

/// Stops a worker: soft at once, hard after the drain time.
fn retire(shared: &Arc<Shared>, w: Worker) -> JoinHandle<()> {
    w.stop.cancel();
    let drain = shared.settings.daemon.drain;
    let cancel = w.cancel.clone();
    let mut handle = w.handle;
    tokio::spawn(async move {
        if tokio::time::timeout(drain, &mut handle).await.is_err() {
            cancel.cancel();
            let _ = handle.await;
        }
    })
}

/// Starts a worker for `tenant`, after `old` (the same tenant's previous worker) has stopped.
fn spawn_after(
    shared: &Arc<Shared>,
    tenant: Tenant,
    fingerprint: String,
    file: PathBuf,
    old: Option<Worker>,
) -> (String, Worker) {
    let stop = CancellationToken::new();
    let cancel = CancellationToken::new();
    let previous = old.map(|w| retire(shared, w));
    let id = tenant.id.clone();
    let handle = tokio::spawn({
        let (shared, stop, cancel) = (shared.clone(), stop.clone(), cancel.clone());
        async move {
            if let Some(p) = previous {
                let _ = p.await;
            }
            tenant_worker(shared, tenant, stop, cancel).await;
        }
    });
    (id, Worker { file, fingerprint, stop, cancel, handle })
}

/// Shutdown: no new page anywhere, pages in flight get `drain` to finish, then the rest is
/// abandoned.
async fn drain(shared: &Arc<Shared>, workers: HashMap<String, Worker>) {
    let drain = shared.settings.daemon.drain;
    info!(tenants = workers.len(), drain_s = drain.as_secs(), "shutting down: draining pages in flight");
    let mut cancels = Vec::new();
    let mut handles = Vec::new();
    for (_, w) in workers {
        w.stop.cancel();
        cancels.push(w.cancel);
        handles.push(w.handle);
    }
    let all = futures::future::join_all(handles.iter_mut());
    if tokio::time::timeout(drain, all).await.is_err() {
        warn!("drain time over: abandoning requests still in flight (they are fetched again on the next start)");
        for c in &cancels {
            c.cancel();
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), futures::future::join_all(handles)).await;
    }
}
