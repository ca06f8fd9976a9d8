//! The `tenants` table.

use super::Store;

impl Store {
    /// Records a tenant (or updates its account id). Idempotent.
    pub async fn upsert_tenant(&self, tenant_id: &str, account_id: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        upsert_tenant_in(&mut tx, tenant_id, account_id).await?;
        tx.commit().await
    }
}

/// The statement that records tenant `$1` with account id `$2` (or updates its account id);
/// a macro, so that a statement can take it as a `WITH` clause (`concat!`).
macro_rules! upsert_tenant_sql {
    () => {
        "INSERT INTO tenants (tenant_id, account_id) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET account_id = EXCLUDED.account_id, updated_at = now()
         WHERE tenants.account_id IS DISTINCT FROM EXCLUDED.account_id"
    };
}
pub(super) use upsert_tenant_sql;

/// Records a tenant (or updates its account id) inside a transaction.
pub(super) async fn upsert_tenant_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tenant_id: &str,
    account_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(upsert_tenant_sql!()).bind(tenant_id).bind(account_id).execute(&mut **tx).await?;
    Ok(())
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

    /// Live rows (not marked deleted) stored for a tenant, per table (services, invoices and their lines, costs and
    /// their lines, expense categories, departments, employees).
    pub async fn table_counts(&self, tenant_id: &str) -> Result<Vec<(&'static str, i64)>, sqlx::Error> {
        let mut out = Vec::new();
        for (name, sql) in [
            ("services", "SELECT count(*) FROM services WHERE tenant_id = $1 AND deleted_at IS NULL"),
            ("invoices", "SELECT count(*) FROM invoices WHERE tenant_id = $1 AND deleted_at IS NULL"),
            (
                "invoice_lines",
                "SELECT count(*) FROM invoice_lines l JOIN invoices h USING (tenant_id, internal_id)
                 WHERE l.tenant_id = $1 AND h.deleted_at IS NULL",
            ),
            ("costs", "SELECT count(*) FROM costs WHERE tenant_id = $1 AND deleted_at IS NULL"),
            (
                "cost_lines",
                "SELECT count(*) FROM cost_lines l JOIN costs h USING (tenant_id, internal_id)
                 WHERE l.tenant_id = $1 AND h.deleted_at IS NULL",
            ),
            (
                "expense_categories",
                "SELECT count(*) FROM expense_categories WHERE tenant_id = $1 AND deleted_at IS NULL",
            ),
            ("departments", "SELECT count(*) FROM departments WHERE tenant_id = $1 AND deleted_at IS NULL"),
            ("employees", "SELECT count(*) FROM employees WHERE tenant_id = $1 AND deleted_at IS NULL"),
        ] {
            out.push((name, sqlx::query_scalar(sql).bind(tenant_id).fetch_one(&self.pool).await?));
        }
        Ok(out)
    }

    /// Number of live services stored for a tenant.
    pub async fn count_services(&self, tenant_id: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT count(*) FROM services WHERE tenant_id = $1 AND deleted_at IS NULL")
            .bind(tenant_id)
            .fetch_one(&self.pool)
            .await
    }
}
