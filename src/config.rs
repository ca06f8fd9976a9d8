//! Configuration: daemon settings (layered: built-in defaults, an optional TOML file, then
//! `NSD__SECTION__KEY` environment variables) and one TOML file per tenant.
//!
//! Every error names the file and the key. Credentials never live in these structs as plain
//! strings: they are resolved from env vars or `*_file` paths into [`Credentials`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::netsuite::{AccountId, ClientConfig, Credentials};

/// Log output format.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

/// Daemon-wide settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Postgres URL. `DATABASE_URL` overrides it when set.
    pub database_url: String,
    /// Directory holding one `*.toml` file per tenant.
    pub tenants_dir: PathBuf,
    /// Logging.
    pub log: LogSettings,
    /// Sync defaults.
    pub sync: SyncSettings,
    /// The long-running daemon (`run`).
    pub daemon: DaemonSettings,
    /// LeanIX delivery: our choices for the LDIF, and the pusher's pacing.
    pub push: PushSettings,
}

/// What LeanIX leaves to the integration (see `LEANIX.md`, "Our choices"), in one place, and
/// the pusher's pacing.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSettings {
    /// LDIF `connectorType`.
    pub connector_type: String,
    /// LDIF `connectorVersion`.
    pub connector_version: String,
    /// LDIF `lxVersion`.
    pub lx_version: String,
    /// Prefix of external ids: `{prefix}:{account}:{recordType}:{internalId}`.
    pub id_prefix: String,
    /// Items per LDIF batch (a synchronization run), unless the tenant sets its own.
    pub batch_size: u32,
    /// Runs tried for one batch when LeanIX ends them FAILED, before the batch is
    /// dead-lettered with its warnings.
    pub max_run_attempts: u32,
    /// Attempts of one LeanIX call (every call: token, create, start, status, list, warnings,
    /// configurations) on 429/5xx/transport errors before the pass gives up.
    pub max_http_attempts: u32,
    /// First wait before a retry when LeanIX sends no `Retry-After`, in milliseconds
    /// (doubling per attempt, full jitter).
    pub retry_base_ms: u64,
    /// Longest such wait, in milliseconds.
    pub retry_max_ms: u64,
    /// A push pass stops when this much time has passed: the batch in hand stays pending
    /// for the next pass (a `Retry-After` that would end past it ends the pass at once).
    #[serde(with = "humantime_serde")]
    pub pass_deadline: Duration,
    /// The processor configuration installed in LeanIX: a JSON file like
    /// `config/leanix/processors.json` (the built-in copy of that file when not set).
    #[serde(default)]
    pub processor_configuration: Option<PathBuf>,
    /// First wait between status polls of a run, in milliseconds (the first poll comes at
    /// once after the start; each wait is half as long again as the one before).
    pub poll_base_ms: u64,
    /// Longest wait between status polls, in milliseconds (the ceiling the waits grow to).
    pub poll_max_ms: u64,
    /// Give up polling a run after this long (the batch is resumed on the next pass).
    #[serde(with = "humantime_serde")]
    pub poll_timeout: Duration,
    /// Timeout of one HTTP request to LeanIX, in seconds.
    pub request_timeout_seconds: u64,
}

/// Settings of `run`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonSettings {
    /// Address of the health and metrics listener (`/healthz`, `/readyz`, `/metrics`).
    pub listen: std::net::SocketAddr,
    /// How often the tenant files are read again (SIGHUP reads them at once).
    #[serde(with = "humantime_serde")]
    pub reload_every: Duration,
    /// How long shutdown waits for pages in flight before abandoning them.
    #[serde(with = "humantime_serde")]
    pub drain: Duration,
    /// How long a tenant lease lasts without a heartbeat: a dead replica's tenants are taken
    /// over within about this time.
    #[serde(with = "humantime_serde")]
    pub lease_ttl: Duration,
    /// First wait after a failed run (doubling per failure in a row).
    #[serde(with = "humantime_serde")]
    pub failure_backoff: Duration,
    /// Longest wait after failed runs (credentials refused: the tenant is quarantined).
    #[serde(with = "humantime_serde")]
    pub max_backoff: Duration,
}

/// Logging settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `human` or `json`.
    pub format: LogFormat,
    /// An `EnvFilter` directive such as `info` or `netsuite_discovery=debug`. `RUST_LOG`
    /// overrides it.
    pub level: String,
}

/// Defaults for every tenant's pulls.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// Search page size (5 to 1000) unless the tenant file sets one.
    pub page_size: u32,
    /// How far before the last high-water mark a delta starts, in seconds (clock skew and
    /// commit lag safety).
    pub overlap_seconds: u64,
    /// Timeout of one SOAP request, in seconds.
    pub request_timeout_seconds: u64,
    /// Attempts per request before giving up on a transient error.
    pub max_attempts: u32,
    /// First retry delay, in milliseconds (doubled each attempt, full jitter).
    pub retry_base_ms: u64,
    /// Largest retry delay, in milliseconds.
    pub retry_max_ms: u64,
    /// Most requests in flight per NetSuite account, across all its tenants and tasks (the
    /// ceiling of the adaptive limit). NetSuite allows as few as 5 on small accounts, shared
    /// with every other integration, so the default stays below.
    pub max_in_flight_per_account: usize,
    /// Times one pull may run its search again from page 1 (an expired searchId, a short
    /// page, paging NetSuite contradicts) before the entity fails; one budget per pull.
    pub max_search_restarts: u32,
    /// Wait before the first such restart, in milliseconds; doubled for each further one.
    pub restart_base_ms: u64,
    /// Largest SOAP response body accepted, in bytes, after decompression. Each request in
    /// flight may hold one such body, so an account's worst case is this times
    /// `max_in_flight_per_account`.
    pub max_response_bytes: usize,
}

/// The built-in defaults (also the reference for the settings file).
pub const DEFAULT_SETTINGS: &str = include_str!("../config/default.toml");

/// A configuration problem, naming where it is.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The settings could not be read.
    #[error("settings{}: {message}", .file.as_ref().map(|f| format!(" ({})", f.display())).unwrap_or_default())]
    Settings {
        /// The settings file, if one was given.
        file: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// A tenant file is wrong.
    #[error("tenant file {}: {key}: {message}", .file.display())]
    Tenant {
        /// The file.
        file: PathBuf,
        /// The key (or `file` for the file as a whole).
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl Settings {
    /// Loads the defaults, then `file` if given, then `NSD__*` environment variables
    /// (`NSD__SYNC__PAGE_SIZE=500`), then `DATABASE_URL`.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError::Settings { file: file.map(Path::to_path_buf), message };
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULT_SETTINGS, config::FileFormat::Toml));
        if let Some(f) = file {
            if !f.is_file() {
                return Err(err("file not found".into()));
            }
            builder = builder.add_source(config::File::from(f).format(config::FileFormat::Toml));
        }
        builder = builder.add_source(config::Environment::with_prefix("NSD").prefix_separator("__").separator("__"));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            builder = builder.set_override("database_url", url).map_err(|e| err(e.to_string()))?;
        }
        let settings: Settings = builder.build().and_then(|c| c.try_deserialize()).map_err(|e| err(e.to_string()))?;
        if !(5..=1000).contains(&settings.sync.page_size) {
            return Err(err(format!("sync.page_size: {} is outside 5..=1000", settings.sync.page_size)));
        }
        if settings.sync.max_in_flight_per_account == 0 {
            return Err(err("sync.max_in_flight_per_account: must be at least 1".into()));
        }
        if settings.sync.max_response_bytes < 64 * 1024 {
            return Err(err(format!(
                "sync.max_response_bytes: {} is below 65536 (one page of records needs more)",
                settings.sync.max_response_bytes
            )));
        }
        if settings.sync.max_attempts == 0 {
            return Err(err("sync.max_attempts: must be at least 1".into()));
        }
        Ok(settings)
    }
}

/// Which LeanIX product the tenant uses.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// SaaS Management Platform: every enabled category.
    #[default]
    Smp,
    /// Enterprise Architecture Management: vendors alone.
    Eam,
}

/// Category switches of a tenant.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Categories {
    /// Financial System (vendors, invoices). On by default.
    pub financial_system: bool,
    /// Expense Management (expense reports). On by default.
    pub expense_management: bool,
    /// HRIS (employees, departments). Off by default.
    pub hris: bool,
}

impl Default for Categories {
    fn default() -> Self {
        Self { financial_system: true, expense_management: true, hris: false }
    }
}

/// When a tenant's delta runs (used by the daemon).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Schedule {
    /// Time between delta checks (`"24h"`, `"6h"`, `"90s"`).
    #[serde(with = "humantime_serde")]
    pub delta_every: Duration,
    /// Each run starts up to this much later, by an amount fixed per tenant and run, so that
    /// tenants do not align (`"30m"`).
    #[serde(with = "humantime_serde")]
    pub jitter: Duration,
    /// A full refresh of every entity this often (`"7d"`): it finds changes NetSuite made
    /// without moving `lastModifiedDate`, and marks deleted what it no longer finds.
    #[serde(with = "humantime_serde")]
    pub full_every: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            delta_every: Duration::from_secs(24 * 3600),
            jitter: Duration::from_secs(30 * 60),
            full_every: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Where each secret comes from: `<name>_env` names an environment variable, `<name>_file` a
/// file whose content (trimmed) is the value. Without either, the variable
/// `NSD_<TENANT>_<NAME>` is read (tenant id upper-cased, `-` as `_`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSources {
    /// Env var holding the account id (when `account_id` is not in the file).
    pub account_id_env: Option<String>,
    /// Env var holding the consumer key.
    pub consumer_key_env: Option<String>,
    /// File holding the consumer key.
    pub consumer_key_file: Option<PathBuf>,
    /// Env var holding the consumer secret.
    pub consumer_secret_env: Option<String>,
    /// File holding the consumer secret.
    pub consumer_secret_file: Option<PathBuf>,
    /// Env var holding the token id.
    pub token_id_env: Option<String>,
    /// File holding the token id.
    pub token_id_file: Option<PathBuf>,
    /// Env var holding the token secret.
    pub token_secret_env: Option<String>,
    /// File holding the token secret.
    pub token_secret_file: Option<PathBuf>,
}

/// A tenant's LeanIX push settings as written (`[push]`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushFile {
    /// Push to LeanIX (off: Postgres only).
    #[serde(default)]
    pub enabled: bool,
    /// LeanIX base URL (`https://<instance>.leanix.net`); https unless the tenant file allows
    /// insecure endpoints.
    pub base_url: Option<String>,
    /// LDIF `connectorId` (default `netsuite-discovery-<tenant>`).
    pub connector_id: Option<String>,
    /// LDIF `lxWorkspace`, if wanted.
    pub workspace: Option<String>,
    /// Items per batch (the settings' default otherwise).
    pub batch_size: Option<u32>,
    /// Env var holding the API token (default `NSD_<TENANT>_LEANIX_API_TOKEN`).
    pub api_token_env: Option<String>,
    /// File holding the API token.
    pub api_token_file: Option<PathBuf>,
    /// Install or update the daemon's processor configuration in the workspace before
    /// pushing (default true); false when a workspace admin owns it (the daemon then only
    /// checks that one exists).
    pub manage_configuration: Option<bool>,
}

/// A tenant's resolved push target.
#[derive(Clone, Debug)]
pub struct PushTarget {
    /// LeanIX base URL.
    pub base_url: String,
    /// LDIF `connectorId`.
    pub connector_id: String,
    /// LDIF `lxWorkspace`.
    pub workspace: Option<String>,
    /// Items per batch.
    pub batch_size: u32,
    /// The API token (a secret).
    pub api_token: SecretString,
    /// Whether the daemon installs and updates its processor configuration.
    pub manage_configuration: bool,
}

/// A tenant file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantFile {
    /// Our id for the tenant: 1 to 64 of `a-z 0-9 - _`.
    pub tenant_id: String,
    /// NetSuite account id; may instead come from the environment.
    pub account_id: Option<String>,
    /// Endpoint override (for the simulator or a proxy). Must be https unless
    /// `allow_insecure_endpoint` is true.
    pub endpoint: Option<String>,
    /// Allows an `http://` endpoint.
    #[serde(default)]
    pub allow_insecure_endpoint: bool,
    /// Search page size (5 to 1000); the settings' default otherwise.
    pub page_size: Option<u32>,
    /// `smp` (default) or `eam`.
    #[serde(default)]
    pub product: Product,
    /// Category switches.
    #[serde(default)]
    pub categories: Categories,
    /// Delta schedule.
    #[serde(default)]
    pub schedule: Schedule,
    /// Where the secrets come from.
    #[serde(default)]
    pub credentials: CredentialSources,
    /// LeanIX delivery.
    #[serde(default)]
    pub push: PushFile,
}

/// A tenant, validated and with its credentials resolved.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// Tenant id.
    pub id: String,
    /// The file it came from.
    pub source: PathBuf,
    /// Credentials (secrets wrapped).
    pub credentials: Credentials,
    /// SOAP endpoint.
    pub endpoint: String,
    /// Page size.
    pub page_size: u32,
    /// Product.
    pub product: Product,
    /// Categories.
    pub categories: Categories,
    /// Schedule.
    pub schedule: Schedule,
    /// LeanIX delivery, when switched on.
    pub push: Option<PushTarget>,
}

impl Tenant {
    /// The wire client settings for this tenant.
    pub fn client_config(&self, settings: &SyncSettings) -> ClientConfig {
        let mut c = ClientConfig::new(self.endpoint.clone());
        c.page_size = self.page_size;
        c.timeout = Duration::from_secs(settings.request_timeout_seconds);
        c.max_body_bytes = settings.max_response_bytes;
        c
    }
}

fn tenant_err(file: &Path, key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Tenant { file: file.to_path_buf(), key: key.into(), message: message.into() }
}

/// Reads one secret: from `<name>_file`, `<name>_env`, or `NSD_<TENANT>_<NAME>`.
fn secret(
    file: &Path,
    tenant_id: &str,
    name: &str,
    env: &Option<String>,
    path: &Option<PathBuf>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    if let Some(p) = path {
        let key = format!("credentials.{name}_file");
        let text = std::fs::read_to_string(p)
            .map_err(|e| tenant_err(file, &key, format!("cannot read {}: {e}", p.display())))?;
        let v = text.trim().to_string();
        if v.is_empty() {
            return Err(tenant_err(file, &key, format!("{} is empty", p.display())));
        }
        return Ok(v);
    }
    let (var, key) = match env {
        Some(v) => (v.clone(), format!("credentials.{name}_env")),
        None => (default_env_var(tenant_id, name), format!("credentials.{name}")),
    };
    match lookup(&var) {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        _ => Err(tenant_err(
            file,
            &key,
            format!(
                "missing: set the environment variable {var} (or credentials.{name}_file / credentials.{name}_env)"
            ),
        )),
    }
}

/// The default environment variable of a tenant's secret: `NSD_<TENANT>_<NAME>`.
pub fn default_env_var(tenant_id: &str, name: &str) -> String {
    format!("NSD_{}_{}", tenant_id.to_ascii_uppercase().replace('-', "_"), name.to_ascii_uppercase())
}

impl TenantFile {
    /// Parses a tenant file's text; errors name `file` and the key.
    pub fn parse(file: &Path, text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            let key = msg
                .split('`')
                .nth(1)
                .filter(|_| msg.starts_with("unknown field") || msg.starts_with("missing field"))
                .map(str::to_string)
                .unwrap_or_else(|| match e.span() {
                    Some(span) => format!("line {}", text[..span.start.min(text.len())].lines().count().max(1)),
                    None => "file".into(),
                });
            tenant_err(file, &key, msg)
        })
    }

    /// Validates the file and resolves its credentials with `lookup` (the process
    /// environment in production, a map in tests).
    pub fn resolve(
        self,
        file: &Path,
        defaults: &SyncSettings,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Tenant, ConfigError> {
        let id = self.tenant_id.trim().to_string();
        if id.is_empty()
            || id.len() > 64
            || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(tenant_err(file, "tenant_id", format!("{id:?} must be 1 to 64 of a-z, 0-9, '-' and '_'")));
        }
        let c = &self.credentials;
        let account_raw = match &self.account_id {
            Some(a) => a.clone(),
            None => secret(file, &id, "account_id", &c.account_id_env, &None, lookup)?,
        };
        let account = AccountId::parse(&account_raw).map_err(|e| tenant_err(file, "account_id", e.to_string()))?;
        let endpoint = match &self.endpoint {
            Some(e) => {
                let e = e.trim().to_string();
                if e.starts_with("https://") {
                    e
                } else if e.starts_with("http://") {
                    if !self.allow_insecure_endpoint {
                        return Err(tenant_err(
                            file,
                            "endpoint",
                            "http:// endpoints need allow_insecure_endpoint = true",
                        ));
                    }
                    e
                } else {
                    return Err(tenant_err(file, "endpoint", format!("{e:?} is not an http(s) URL")));
                }
            }
            None => account.default_endpoint(),
        };
        let page_size = self.page_size.unwrap_or(defaults.page_size);
        if !(5..=1000).contains(&page_size) {
            return Err(tenant_err(file, "page_size", format!("{page_size} is outside 5..=1000")));
        }
        let credentials = Credentials {
            account,
            consumer_key: SecretString::from(secret(
                file,
                &id,
                "consumer_key",
                &c.consumer_key_env,
                &c.consumer_key_file,
                lookup,
            )?),
            consumer_secret: SecretString::from(secret(
                file,
                &id,
                "consumer_secret",
                &c.consumer_secret_env,
                &c.consumer_secret_file,
                lookup,
            )?),
            token_id: SecretString::from(secret(file, &id, "token_id", &c.token_id_env, &c.token_id_file, lookup)?),
            token_secret: SecretString::from(secret(
                file,
                &id,
                "token_secret",
                &c.token_secret_env,
                &c.token_secret_file,
                lookup,
            )?),
        };
        let push = if self.push.enabled {
            let p = &self.push;
            let base_url =
                p.base_url.clone().ok_or_else(|| tenant_err(file, "push.base_url", "required when push.enabled"))?;
            let base_url = base_url.trim_end_matches('/').to_string();
            if !(base_url.starts_with("https://") || (base_url.starts_with("http://") && self.allow_insecure_endpoint))
            {
                return Err(tenant_err(
                    file,
                    "push.base_url",
                    "must be https:// (http:// needs allow_insecure_endpoint = true)",
                ));
            }
            let token = secret(file, &id, "leanix_api_token", &p.api_token_env, &p.api_token_file, lookup).map_err(
                |e| match e {
                    ConfigError::Tenant { file, message, .. } => {
                        ConfigError::Tenant { file, key: "push.api_token".into(), message }
                    }
                    other => other,
                },
            )?;
            let batch_size = p.batch_size.unwrap_or(defaults_push_batch());
            if batch_size == 0 {
                return Err(tenant_err(file, "push.batch_size", "must be at least 1"));
            }
            Some(PushTarget {
                base_url,
                connector_id: p.connector_id.clone().unwrap_or_else(|| format!("netsuite-discovery-{id}")),
                workspace: p.workspace.clone(),
                batch_size,
                api_token: SecretString::from(token),
                manage_configuration: p.manage_configuration.unwrap_or(true),
            })
        } else {
            None
        };
        Ok(Tenant {
            id,
            source: file.to_path_buf(),
            credentials,
            endpoint,
            page_size,
            product: self.product,
            categories: self.categories,
            schedule: self.schedule,
            push,
        })
    }
}

/// Items per LDIF batch when neither the tenant nor the settings say.
fn defaults_push_batch() -> u32 {
    2000
}

/// Loads one tenant file, reading secrets from the process environment. The file must be
/// named after its tenant (`<tenant_id>.toml`): `sync --tenant ID` finds it by that name, and
/// two files can then never claim one tenant.
pub fn load_tenant_file(file: &Path, defaults: &SyncSettings) -> Result<Tenant, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|e| tenant_err(file, "file", format!("cannot read: {e}")))?;
    let parsed = TenantFile::parse(file, &text)?;
    check_file_name(file, &parsed.tenant_id)?;
    parsed.resolve(file, defaults, &|k| std::env::var(k).ok())
}

/// Refuses a tenant file whose name is not `<tenant_id>.toml`.
fn check_file_name(file: &Path, tenant_id: &str) -> Result<(), ConfigError> {
    let id = tenant_id.trim();
    let stem = file.file_stem().and_then(|s| s.to_str());
    if stem == Some(id) {
        return Ok(());
    }
    Err(tenant_err(
        file,
        "tenant_id",
        format!(
            "{id:?} does not match the file name {:?}: a tenant's file must be named <tenant_id>.toml ({id}.toml)",
            file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        ),
    ))
}

/// Loads every `*.toml` in `dir`, sorted by file name. Two files with one tenant id are an
/// error.
pub fn load_tenants(dir: &Path, defaults: &SyncSettings) -> Result<Vec<Tenant>, ConfigError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ConfigError::Settings {
        file: Some(dir.to_path_buf()),
        message: format!("tenants_dir: cannot read directory: {e}"),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let t = load_tenant_file(&f, defaults)?;
        if let Some(prev) = seen.insert(t.id.clone(), f.clone()) {
            return Err(tenant_err(&f, "tenant_id", format!("{:?} is also used by {}", t.id, prev.display())));
        }
        out.push(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn defaults() -> SyncSettings {
        SyncSettings {
            page_size: 1000,
            overlap_seconds: 600,
            request_timeout_seconds: 60,
            max_attempts: 3,
            max_in_flight_per_account: 2,
            max_search_restarts: 4,
            restart_base_ms: 10,
            retry_base_ms: 10,
            retry_max_ms: 100,
            max_response_bytes: 64 << 20,
        }
    }

    fn env(k: &str) -> Option<String> {
        match k {
            "NSD_ACME_CONSUMER_KEY" => Some("ck".into()),
            "NSD_ACME_CONSUMER_SECRET" => Some("cs".into()),
            "NSD_ACME_TOKEN_ID" => Some("tk".into()),
            "NSD_ACME_TOKEN_SECRET" => Some("ts".into()),
            _ => None,
        }
    }

    fn resolve(text: &str) -> Result<Tenant, ConfigError> {
        let f = Path::new("tenants/acme.toml");
        TenantFile::parse(f, text)?.resolve(f, &defaults(), &env)
    }

    #[test]
    fn minimal_tenant_uses_defaults() {
        let t = resolve("tenant_id = \"acme\"\naccount_id = \"1234567_sb1\"\n").unwrap();
        assert_eq!(t.credentials.account.as_str(), "1234567_SB1");
        assert_eq!(t.endpoint, "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2017_2");
        assert_eq!(t.page_size, 1000);
        assert_eq!(t.categories, Categories { financial_system: true, expense_management: true, hris: false });
        assert_eq!(t.product, Product::Smp);
        assert_eq!(t.credentials.token_secret.expose_secret(), "ts");
    }

    #[test]
    fn unknown_key_names_file_and_key() {
        let e = resolve("tenant_id = \"acme\"\naccount_id = \"1\"\npage_sise = 5\n").unwrap_err().to_string();
        assert!(e.contains("tenants/acme.toml") && e.contains("page_sise"), "{e}");
    }

    #[test]
    fn missing_credential_names_the_variable() {
        let f = Path::new("t.toml");
        let e = TenantFile::parse(f, "tenant_id = \"other\"\naccount_id = \"1\"\n")
            .unwrap()
            .resolve(f, &defaults(), &env)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.toml") && e.contains("credentials.consumer_key") && e.contains("NSD_OTHER_CONSUMER_KEY"),
            "{e}"
        );
    }

    #[test]
    fn bad_account_and_insecure_endpoint_are_refused() {
        let e = resolve("tenant_id = \"acme\"\naccount_id = \"12 34\"\n").unwrap_err().to_string();
        assert!(e.contains("account_id"), "{e}");
        let e =
            resolve("tenant_id = \"acme\"\naccount_id = \"1\"\nendpoint = \"http://x/\"\n").unwrap_err().to_string();
        assert!(e.contains("endpoint") && e.contains("allow_insecure_endpoint"), "{e}");
        assert!(resolve(
            "tenant_id = \"acme\"\naccount_id = \"1\"\nendpoint = \"http://x/\"\nallow_insecure_endpoint = true\n"
        )
        .is_ok());
        let e = resolve("tenant_id = \"acme\"\naccount_id = \"1\"\npage_size = 2\n").unwrap_err().to_string();
        assert!(e.contains("page_size"), "{e}");
    }

    #[test]
    fn secrets_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cs");
        std::fs::write(&p, "from-file\n").unwrap();
        let text = format!("tenant_id = \"acme\"\naccount_id = \"1\"\n[credentials]\nconsumer_secret_file = {:?}\n", p);
        let t = resolve(&text).unwrap();
        assert_eq!(t.credentials.consumer_secret.expose_secret(), "from-file");
    }

    #[test]
    fn tenant_file_must_be_named_after_its_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let text = "tenant_id = \"acme\"\naccount_id = \"1\"\n[credentials]\nconsumer_key_env = \"X_CK\"\n";
        let wrong = dir.path().join("acme-prod.toml");
        std::fs::write(&wrong, text).unwrap();
        let e = load_tenant_file(&wrong, &defaults()).unwrap_err().to_string();
        assert!(
            e.contains("acme-prod.toml")
                && e.contains("tenant_id")
                && e.contains("\"acme\"")
                && e.contains("acme.toml"),
            "{e}"
        );
        // load_tenants refuses the directory for it too.
        let e = load_tenants(dir.path(), &defaults()).unwrap_err().to_string();
        assert!(e.contains("acme-prod.toml") && e.contains("tenant_id"), "{e}");
        // Named right, the same text passes the name check (and goes on to the credentials).
        std::fs::remove_file(&wrong).unwrap();
        let right = dir.path().join("acme.toml");
        std::fs::write(&right, text).unwrap();
        let e = load_tenant_file(&right, &defaults()).unwrap_err().to_string();
        assert!(!e.contains("file name") && e.contains("credentials."), "{e}");
        assert!(check_file_name(&right, " acme ").is_ok());
    }

    #[test]
    fn default_settings_parse() {
        let s = Settings::load(None).unwrap();
        assert!(s.sync.page_size >= 5);
        assert_eq!(s.sync.max_response_bytes, 64 << 20);
    }

    #[test]
    fn response_cap_reaches_the_client_and_is_bounded() {
        let t = resolve("tenant_id = \"acme\"\naccount_id = \"1\"\n").unwrap();
        let mut s = defaults();
        s.max_response_bytes = 5 << 20;
        assert_eq!(t.client_config(&s).max_body_bytes, 5 << 20);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s.toml");
        std::fs::write(&f, "[sync]\nmax_response_bytes = 1000\n").unwrap();
        let e = Settings::load(Some(&f)).unwrap_err().to_string();
        assert!(e.contains("s.toml") && e.contains("sync.max_response_bytes"), "{e}");
    }
}
