//! The `tenants` table.

use super::Store;

impl Store {
    /// Records a tenant (or updates its account id). Idempotent.
    pub async fn upsert_tenant(&self, tenant_id: &str, account_id: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO tenants (tenant_id, account_id) VALUES ($1, $2)
             ON CONFLICT (tenant_id) DO UPDATE SET account_id = EXCLUDED.account_id, updated_at = now()
             WHERE tenants.account_id IS DISTINCT FROM EXCLUDED.account_id",
        )
        .bind(tenant_id)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl Store {
    /// Deletes everything stored for a tenant (rows, cursors, runs, the tenant itself).
    pub async fn purge_tenant(&self, tenant_id: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM services WHERE tenant_id = $1",
            "DELETE FROM sync_cursors WHERE tenant_id = $1",
            "DELETE FROM sync_run_entities WHERE run_id IN (SELECT run_id FROM sync_runs WHERE tenant_id = $1)",
            "DELETE FROM sync_runs WHERE tenant_id = $1",
            "DELETE FROM tenants WHERE tenant_id = $1",
        ] {
            sqlx::query(sql).bind(tenant_id).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// Number of services stored for a tenant.
    pub async fn count_services(&self, tenant_id: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT count(*) FROM services WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&self.pool)
            .await
    }
}
