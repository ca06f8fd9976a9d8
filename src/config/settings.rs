//! Daemon settings, layered: built-in defaults (`config/default.toml`), an optional TOML
//! file, then `NSD__SECTION__KEY` environment variables, then `DATABASE_URL`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::error::ConfigError;

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
    /// First wait between status polls, in milliseconds (growing by half each poll).
    pub poll_base_ms: u64,
    /// Longest wait between status polls, in milliseconds.
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
pub const DEFAULT_SETTINGS: &str = include_str!("../../config/default.toml");

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_settings_parse() {
        let s = Settings::load(None).unwrap();
        assert!(s.sync.page_size >= 5);
        assert_eq!(s.sync.max_response_bytes, 64 << 20);
    }
}
