//! Test harness: a fresh database per test on a real Postgres, the real simulator over real
//! HTTP, tenants built the way the daemon builds them.
#![allow(dead_code)]

pub mod copy;
pub mod tables;

use std::path::PathBuf;
use std::sync::Once;

use netsuite_discovery::config::{Categories, Product, Schedule, SyncSettings, Tenant};
use netsuite_discovery::store::Store;
use sqlx::postgres::PgPoolOptions;
use sqlx::Executor;

/// The server tests create their databases on: `TEST_DATABASE_URL`, else `DATABASE_URL`,
/// else the local trust-auth server.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A URL for database `name` on the same server as `admin_url()`.
pub fn url_for(name: &str) -> String {
    let base = admin_url();
    match base.rfind('/') {
        Some(i) if base[..i].contains('@') || base[..i].matches('/').count() >= 2 => format!("{}/{}", &base[..i], name),
        _ => format!("{base}/{name}"),
    }
}

/// A fresh database with migrations applied.
pub struct TestDb {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
    /// A store on it.
    pub store: Store,
}

/// Creates a fresh database (`nsd_test_<uuid>`) and applies the migrations.
pub async fn fresh_db() -> TestDb {
    let name = format!("nsd_test_{}", uuid::Uuid::new_v4().simple());
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&admin_url())
        .await
        .expect("Postgres must be reachable for tests: set TEST_DATABASE_URL or run scripts/test");
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
    admin.close().await;
    let url = url_for(&name);
    let store = Store::connect(&url, 8).await.expect("connect to the test database");
    store.migrate().await.expect("migrations apply");
    TestDb { name, url, store }
}

/// Fast, deterministic sync settings for tests.
pub fn sync_settings() -> SyncSettings {
    SyncSettings {
        page_size: 1000,
        overlap_seconds: 600,
        request_timeout_seconds: 30,
        max_attempts: 6,
        max_in_flight_per_account: 3,
        max_search_restarts: 4,
        restart_base_ms: 10,
        retry_base_ms: 5,
        retry_max_ms: 50,
        max_response_bytes: 64 << 20,
    }
}

/// A tenant pointing at a simulator endpoint.
pub fn tenant(id: &str, creds: netsuite_discovery::netsuite::Credentials, endpoint: &str, page_size: u32) -> Tenant {
    Tenant {
        id: id.to_string(),
        source: PathBuf::from(format!("{id}.toml")),
        credentials: creds,
        endpoint: endpoint.to_string(),
        soap_version: netsuite_discovery::netsuite::SoapVersion::default(),
        transport: netsuite_discovery::config::Transport::Soap,
        page_size,
        product: Product::Smp,
        categories: Categories::default(),
        schedule: Schedule::default(),
        push: None,
    }
}

/// A tenant that pulls vendors alone (LeanIX EAM), for tests about services only.
pub fn vendor_tenant(
    id: &str,
    creds: netsuite_discovery::netsuite::Credentials,
    endpoint: &str,
    page_size: u32,
) -> Tenant {
    Tenant { product: Product::Eam, ..tenant(id, creds, endpoint, page_size) }
}

/// Where `../shared` is: `NETSUITE_SHARED_DIR`, else next to the project.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("NETSUITE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// Installs a test log subscriber once (RUST_LOG controls it; quiet by default).
pub fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    });
}

/// Number of rows in the services table for a tenant.
pub async fn service_count(store: &Store, tenant: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM services WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(store.pool())
        .await
        .expect("count services")
}

/// Validates SOAP messages against the real 2017_2 XSDs with `../shared/tools/xsd-validate`
/// (each child of Header and Body against its global element). Returns the validator's
/// complaints, or Ok. Panics when the validator cannot run at all: these tests never skip.
pub fn xsd_validate(messages: &[(String, Vec<u8>)]) -> Result<(), String> {
    xsd_validate_version(messages, "2017_2")
}

/// The XSD folder of endpoint version `version` (`2017_2`, `2023_2`): `NETSUITE_XSD_DIR` for
/// 2017_2 when set (and its sibling folder named after the version for the others, when there
/// is one), else `../shared/netsuite-wsdl/<version>`.
pub fn xsd_dir(version: &str) -> PathBuf {
    match std::env::var_os("NETSUITE_XSD_DIR").map(PathBuf::from) {
        Some(dir) if version == "2017_2" => dir,
        Some(dir) => match dir.parent().map(|p| p.join(version)).filter(|p| p.is_dir()) {
            Some(sibling) => sibling,
            None => shared_dir().join("netsuite-wsdl").join(version),
        },
        None => shared_dir().join("netsuite-wsdl").join(version),
    }
}

/// [`xsd_validate`] against the XSDs of endpoint version `version` ([`xsd_dir`]).
pub fn xsd_validate_version(messages: &[(String, Vec<u8>)], version: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (name, body) in messages {
        let p = dir.path().join(format!("{name}.xml"));
        std::fs::write(&p, body).expect("write message");
        files.push(p);
    }
    let tool = shared_dir().join("tools/xsd-validate");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(&tool);
    let xsd = xsd_dir(version);
    assert!(xsd.is_dir(), "no XSDs for {version} at {}", xsd.display());
    cmd.arg("--xsd-dir").arg(xsd);
    let out = cmd.args(&files).output().unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(text),
        _ => panic!("xsd-validate could not run (python3 with lxml needed; scripts/test installs it): {text}"),
    }
}

/// Settings of a test daemon on `db_url` reading `tenants_dir`, with second-scale timings.
pub fn daemon_settings(db_url: &str, tenants_dir: &std::path::Path) -> netsuite_discovery::config::Settings {
    use netsuite_discovery::config::{DaemonSettings, LogFormat, LogSettings, Settings};
    use std::time::Duration;
    Settings {
        database_url: db_url.to_string(),
        tenants_dir: tenants_dir.to_path_buf(),
        log: LogSettings { format: LogFormat::Human, level: "warn".into() },
        sync: sync_settings(),
        push: netsuite_discovery::config::Settings::load(None).unwrap().push,
        daemon: DaemonSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            reload_every: Duration::from_millis(500),
            drain: Duration::from_secs(5),
            lease_ttl: Duration::from_secs(3),
            failure_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(4),
        },
    }
}

/// Writes a tenant file for a simulator account, with its secrets in files next to it.
pub fn write_tenant_file(
    dir: &std::path::Path,
    tenant_id: &str,
    creds: &netsuite_discovery::netsuite::Credentials,
    endpoint: &str,
    extra: &str,
) {
    use secrecy::ExposeSecret;
    let secrets = dir.join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    let mut creds_toml = String::from("[credentials]\n");
    for (name, value) in [
        ("consumer_key", creds.consumer_key.expose_secret()),
        ("consumer_secret", creds.consumer_secret.expose_secret()),
        ("token_id", creds.token_id.expose_secret()),
        ("token_secret", creds.token_secret.expose_secret()),
    ] {
        let f = secrets.join(format!("{tenant_id}_{name}"));
        std::fs::write(&f, value).unwrap();
        creds_toml.push_str(&format!("{name}_file = {:?}\n", f.to_str().unwrap()));
    }
    let text = format!(
        "tenant_id = \"{tenant_id}\"\naccount_id = \"{}\"\nendpoint = \"{endpoint}\"\nallow_insecure_endpoint = true\n{extra}\n{creds_toml}",
        creds.account
    );
    // Write then rename, so a reload never reads half a file.
    let tmp = dir.join(format!(".{tenant_id}.tmp"));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, dir.join(format!("{tenant_id}.toml"))).unwrap();
}

/// (started_at, finished_at, status, trigger, replica) of a tenant's runs, in order.
pub async fn runs_of(
    store: &Store,
    tenant: &str,
) -> Vec<(chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>, String, String, Option<String>)> {
    sqlx::query_as("SELECT started_at, finished_at, status, trigger, replica FROM sync_runs WHERE tenant_id = $1 ORDER BY started_at")
        .bind(tenant)
        .fetch_all(store.pool())
        .await
        .unwrap()
}

/// A tenant's stored services without the columns saying when we wrote them, for comparing
/// an interrupted run's result with a clean run's.
pub async fn services_snapshot(store: &Store, tenant: &str) -> Vec<serde_json::Value> {
    sqlx::query_scalar(
        "SELECT to_jsonb(s) - 'discovered_at' - 'updated_at' FROM services s WHERE tenant_id = $1 ORDER BY internal_id",
    )
    .bind(tenant)
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// Starts a sync of `tenant` in the background and cancels it (shutdown) once at least
/// `rows` services are stored; returns the cancelled run.
pub async fn sync_cancelled_after(
    store: &Store,
    tenant: &Tenant,
    rows: i64,
) -> netsuite_discovery::discovery::RunSummary {
    use tokio_util::sync::CancellationToken;
    let cancel = CancellationToken::new();
    let task = {
        let (store, tenant, cancel) = (store.clone(), tenant.clone(), cancel.clone());
        tokio::spawn(async move {
            netsuite_discovery::discovery::sync_tenant(&store, &tenant, &sync_settings(), cancel, "test").await
        })
    };
    while service_count(store, &tenant.id).await < rows {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    cancel.cancel();
    task.await.unwrap().unwrap()
}

/// The client's credentials for a simulator account: the simulator (a crate of its own that
/// knows nothing of the product) hands out plain strings.
pub fn client_creds(c: nsd_simulator::Credentials) -> netsuite_discovery::netsuite::Credentials {
    use secrecy::SecretString;
    netsuite_discovery::netsuite::Credentials {
        account: client_account(&c.account),
        consumer_key: SecretString::from(c.consumer_key),
        consumer_secret: SecretString::from(c.consumer_secret),
        token_id: SecretString::from(c.token_id),
        token_secret: SecretString::from(c.token_secret),
    }
}

/// The client's account id for a simulator account id.
pub fn client_account(a: &nsd_simulator::AccountId) -> netsuite_discovery::netsuite::AccountId {
    netsuite_discovery::netsuite::AccountId::parse(a.as_str()).expect("the simulator's account ids are valid")
}

/// The product's binary set to `sync` tenant `tenant` from `tenants_dir` into `db_url`, quiet
/// and with short retries: for tests that kill it and start it again.
pub fn sync_command(db_url: &str, tenants_dir: &std::path::Path, tenant: &str) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_netsuite-discovery"));
    c.args(["sync", "--tenant", tenant])
        .env("DATABASE_URL", db_url)
        .env("NSD__TENANTS_DIR", tenants_dir)
        .env("NSD__LOG__LEVEL", "warn")
        .env("NSD__SYNC__RETRY_BASE_MS", "5")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}
