//! All SQL lives here: tenants, batched idempotent upserts, sync cursors and run history.
//!
//! Callers hand in typed records and get counts back; nothing outside this module writes SQL.

pub mod cursors;
pub mod deletions;
pub mod hash;
pub mod leases;
pub mod org;
pub mod outbox;
pub mod raw_json;
pub mod rejected;
pub mod runs;
pub mod services;
pub mod spend;
pub mod status;
pub mod tenants;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

pub use cursors::{
    Batch, Cursor, KeysetCommit, PageCommit, PageOutcome, PageShape, PagesOutcome, PullClose, PullClosed, PullMode,
};
pub use deletions::Deletion;
pub use leases::LeaseHolder;
pub use rejected::Rejected;
pub use runs::{EntityOutcome, RunStatus, Standing};
pub use services::UpsertCounts;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the database: a connection pool. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: PgPool,
    /// The (tenant, table) pairs whose rows all have a content hash (see `services::Hashed`).
    hashed: std::sync::Arc<services::Hashed>,
}

/// How long the first connection may take before the database counts as not answering.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The database could not be reached. Names host and port, never the URL (it may hold a
/// password).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL is not a valid Postgres URL.
    #[error("database_url is not a valid Postgres URL: {0}")]
    Url(#[source] sqlx::Error),
    /// Nothing answered in time (a host that drops packets, a server that hangs).
    #[error("the database at {target} did not answer within {} s", .after.as_secs())]
    NoAnswer {
        /// `host:port` (or the socket path).
        target: String,
        /// How long we waited.
        after: Duration,
    },
    /// The connection was refused or the server refused us.
    #[error("cannot connect to the database at {target}: {source}")]
    Refused {
        /// `host:port` (or the socket path).
        target: String,
        /// What went wrong.
        #[source]
        source: sqlx::Error,
    },
}

impl Store {
    /// Connects to `url` (a `postgres://` URL) with a small pool. One connection is tried
    /// first, for at most [`CONNECT_TIMEOUT`], so that a database that is down or does not
    /// answer fails at once with the reason and where, instead of after the pool's retries.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, ConnectError> {
        let opts: PgConnectOptions = url.parse().map_err(ConnectError::Url)?;
        let host = opts.get_host();
        let target = if host.starts_with('/') {
            format!("{host}/.s.PGSQL.{}", opts.get_port())
        } else {
            format!("{host}:{}", opts.get_port())
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, opts.connect()).await {
            Err(_) => return Err(ConnectError::NoAnswer { target, after: CONNECT_TIMEOUT }),
            Ok(Err(source)) => return Err(ConnectError::Refused { target, source }),
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(|source| ConnectError::Refused { target, source })?;
        Ok(Self { pool, hashed: Default::default() })
    }

    /// Wraps an existing pool.
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool, hashed: Default::default() }
    }

    /// The pool, for tests and health checks.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.pool).await
    }
}
