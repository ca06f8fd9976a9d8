//! Configuration: daemon settings (layered: built-in defaults, an optional TOML file, then
//! `NSD__SECTION__KEY` environment variables; `settings.rs`), one TOML file per tenant
//! (`tenant.rs`) and where a tenant's secrets come from (`secrets.rs`).
//!
//! Every error names the file and the key (`error.rs`). Credentials never live in these
//! structs as plain strings: they are resolved from env vars or `*_file` paths into
//! [`Credentials`](crate::netsuite::Credentials).

mod error;
mod secrets;
mod settings;
mod tenant;

pub use error::ConfigError;
pub use secrets::{default_env_var, CredentialSources};
pub use settings::{DaemonSettings, LogFormat, LogSettings, PushSettings, Settings, SyncSettings, DEFAULT_SETTINGS};
pub use tenant::{
    load_tenant_file, load_tenants, Categories, Product, PushFile, PushTarget, Schedule, Tenant, TenantFile, Transport,
};
