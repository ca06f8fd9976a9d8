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
            "DELETE FROM invoices WHERE tenant_id = $1",
            "DELETE FROM costs WHERE tenant_id = $1",
            "DELETE FROM expense_categories WHERE tenant_id = $1",
            "DELETE FROM departments WHERE tenant_id = $1",
            "DELETE FROM employees WHERE tenant_id = $1",
            "DELETE FROM entity_status WHERE tenant_id = $1",
            "DELETE FROM sync_cursors WHERE tenant_id = $1",
            "DELETE FROM sync_run_entities WHERE run_id IN (SELECT run_id FROM sync_runs WHERE tenant_id = $1)",
            "DELETE FROM sync_runs WHERE tenant_id = $1",
            "DELETE FROM tenants WHERE tenant_id = $1",
        ] {
            sqlx::query(sql).bind(tenant_id).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// Rows stored for a tenant, per table (services, invoices and their lines, costs and
    /// their lines, expense categories, departments, employees).
    pub async fn table_counts(&self, tenant_id: &str) -> Result<Vec<(&'static str, i64)>, sqlx::Error> {
        let mut out = Vec::new();
        for (name, sql) in [
            ("services", "SELECT count(*) FROM services WHERE tenant_id = $1"),
            ("invoices", "SELECT count(*) FROM invoices WHERE tenant_id = $1"),
            ("invoice_lines", "SELECT count(*) FROM invoice_lines WHERE tenant_id = $1"),
            ("costs", "SELECT count(*) FROM costs WHERE tenant_id = $1"),
            ("cost_lines", "SELECT count(*) FROM cost_lines WHERE tenant_id = $1"),
            ("expense_categories", "SELECT count(*) FROM expense_categories WHERE tenant_id = $1"),
            ("departments", "SELECT count(*) FROM departments WHERE tenant_id = $1"),
            ("employees", "SELECT count(*) FROM employees WHERE tenant_id = $1"),
        ] {
            out.push((name, sqlx::query_scalar(sql).bind(tenant_id).fetch_one(&self.pool).await?));
        }
        Ok(out)
    }

    /// Number of services stored for a tenant.
    pub async fn count_services(&self, tenant_id: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT count(*) FROM services WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&self.pool)
            .await
    }
}
