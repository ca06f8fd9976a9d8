//! Tenant leases, so that several replicas on one database never work the same tenant at the
//! same time: a row per tenant naming its holder and an expiry the holder keeps pushing
//! forward. Expiry is judged by the database's clock, the one clock all replicas share.

use std::time::Duration;

use super::Store;

fn interval(ttl: Duration) -> String {
    format!("{} milliseconds", ttl.as_millis())
}

/// Who holds a tenant's lease now.
#[derive(Clone, Debug, PartialEq)]
pub struct LeaseHolder {
    /// The holder's name (a daemon replica, or `sync-...` for a one-off `sync`).
    pub holder: String,
    /// Since when it holds the lease.
    pub acquired_at: chrono::DateTime<chrono::Utc>,
    /// How long until the lease expires unless renewed, by the database's clock.
    pub expires_in: Duration,
}

impl Store {
    /// The live (unexpired) lease of `tenant_id`, if any.
    pub async fn lease_holder(&self, tenant_id: &str) -> Result<Option<LeaseHolder>, sqlx::Error> {
        let row: Option<(String, chrono::DateTime<chrono::Utc>, f64)> = sqlx::query_as(
            "SELECT holder, acquired_at, extract(epoch FROM expires_at - now())::float8
             FROM tenant_leases WHERE tenant_id = $1 AND expires_at >= now()",
        )
        .bind(tenant_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(holder, acquired_at, secs)| LeaseHolder {
            holder,
            acquired_at,
            expires_in: Duration::from_secs_f64(secs.max(0.0)),
        }))
    }

    /// Takes the lease of `tenant_id` for `holder` if it is free, expired, or already
    /// `holder`'s. True when `holder` holds it now.
    pub async fn try_acquire_lease(&self, tenant_id: &str, holder: &str, ttl: Duration) -> Result<bool, sqlx::Error> {
        let row: Option<String> = sqlx::query_scalar(
            "INSERT INTO tenant_leases (tenant_id, holder, expires_at) VALUES ($1, $2, now() + $3::interval)
             ON CONFLICT (tenant_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                renewed_at = now(),
                acquired_at = CASE WHEN tenant_leases.holder = EXCLUDED.holder THEN tenant_leases.acquired_at ELSE now() END
             WHERE tenant_leases.expires_at < now() OR tenant_leases.holder = EXCLUDED.holder
             RETURNING holder",
        )
        .bind(tenant_id)
        .bind(holder)
        .bind(interval(ttl))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Pushes `holder`'s lease forward. False when the lease was lost (expired and taken).
    pub async fn renew_lease(&self, tenant_id: &str, holder: &str, ttl: Duration) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE tenant_leases SET expires_at = now() + $3::interval, renewed_at = now()
             WHERE tenant_id = $1 AND holder = $2",
        )
        .bind(tenant_id)
        .bind(holder)
        .bind(interval(ttl))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the lease up (if `holder` still has it).
    pub async fn release_lease(&self, tenant_id: &str, holder: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM tenant_leases WHERE tenant_id = $1 AND holder = $2")
            .bind(tenant_id)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When the last run of a tenant that ended well (succeeded or degraded) started, and
    /// whether every pull it started has finished (no open pull left behind).
    pub async fn last_good_run(&self, tenant_id: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT max(started_at) FROM sync_runs WHERE tenant_id = $1 AND status IN ('succeeded', 'degraded')",
        )
        .bind(tenant_id)
        .fetch_one(&self.pool)
        .await
    }

    /// Whether a tenant has an open (interrupted) pull.
    pub async fn has_open_pull(&self, tenant_id: &str) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sync_cursors WHERE tenant_id = $1 AND pull_started_at IS NOT NULL)",
        )
        .bind(tenant_id)
        .fetch_one(&self.pool)
        .await
    }

    /// Whether the database answers and the migrations are applied (for `/readyz`).
    pub async fn ready(&self) -> Result<(), String> {
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| format!("database: {e}"))?;
        let expected = super::MIGRATOR.iter().count() as i64;
        if applied < expected {
            return Err(format!("{applied} of {expected} migrations applied"));
        }
        Ok(())
    }
}

impl Store {
    /// Entities of a tenant whose first full pull has completed.
    pub async fn onboarded_entities(&self, tenant_id: &str) -> Result<Vec<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT entity FROM sync_cursors WHERE tenant_id = $1 AND phase = 'delta'")
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await
    }
}
