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
