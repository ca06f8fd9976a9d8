//! All SQL lives here: tenants, batched idempotent upserts, sync cursors and run history.
//!
//! Callers hand in typed records and get counts back; nothing outside this module writes SQL.

pub mod cursors;
pub mod deletions;
pub mod leases;
pub mod org;
pub mod outbox;
pub mod rejected;
pub mod runs;
pub mod services;
pub mod spend;
pub mod tenants;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

pub use cursors::{Batch, Cursor, PageCommit, PageOutcome, PageShape, PullClose, PullMode, Rejected};
pub use deletions::Deletion;
pub use runs::{EntityOutcome, RunStatus};
pub use services::UpsertCounts;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A handle on the database: a connection pool. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: PgPool,
}

impl Store {
    /// Connects to `url` (a `postgres://` URL) with a small pool.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, sqlx::Error> {
        let opts: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        Ok(Self { pool })
    }

    /// Wraps an existing pool.
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
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
