//! Sync cursors: where each (tenant, entity) pull stands, committed together with the page of
//! records it describes.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::org::{upsert_departments, upsert_employees};
use super::services::{upsert_vendors, UpsertCounts};
use super::spend::{upsert_costs, upsert_expense_categories, upsert_invoices};
use super::Store;
use crate::netsuite::{Department, Employee, ExpenseCategory, ExpenseReport, Transaction, Vendor};

/// A page of typed records, ready to be written.
#[derive(Clone, Copy, Debug)]
pub enum Batch<'a> {
    /// Vendors, into `services`.
    Vendors(&'a [Vendor]),
    /// Vendor-side transactions, into `invoices` and `invoice_lines`.
    Invoices(&'a [Transaction]),
    /// Expense reports, into `costs` and `cost_lines`.
    Costs(&'a [ExpenseReport]),
    /// Expense categories.
    ExpenseCategories(&'a [ExpenseCategory]),
    /// Departments.
    Departments(&'a [Department]),
    /// Employees.
    Employees(&'a [Employee]),
}

/// Whether a pull fetches everything or only what changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullMode {
    /// Every record (onboarding).
    Full,
    /// Records modified since a point in time.
    Delta,
}

impl PullMode {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PullMode::Full => "full",
            PullMode::Delta => "delta",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "full" => Some(PullMode::Full),
            "delta" => Some(PullMode::Delta),
            _ => None,
        }
    }
}

/// The state of one (tenant, entity).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cursor {
    /// True once a full pull has completed.
    pub onboarded: bool,
    /// Start time of the last completed pull.
    pub high_water: Option<DateTime<Utc>>,
    /// The pull in progress, if one was started and not finished.
    pub pull: Option<OpenPull>,
    /// The transaction-date window start fixed at onboarding, for windowed entities.
    pub window_start: Option<chrono::NaiveDate>,
}

/// A pull that was started and has not committed its last page.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenPull {
    /// When it started: the high-water mark it will set when done.
    pub started_at: DateTime<Utc>,
    /// Full or delta.
    pub mode: PullMode,
    /// For a delta, the lower bound it asks for.
    pub since: Option<DateTime<Utc>>,
    /// The searchId of its search, if page 1 was fetched.
    pub search_id: Option<String>,
    /// Pages committed so far.
    pub pages_done: u32,
    /// The transaction-date lower bound of this pull, for windowed entities.
    pub window_start: Option<chrono::NaiveDate>,
    /// Whether it runs the plain search because the typed one was refused.
    pub plain: bool,
    /// Total pages reported by the search.
    pub total_pages: Option<u32>,
}

/// A page to commit along with the cursor.
#[derive(Clone, Debug)]
pub struct PageCommit<'a> {
    /// Page index (from 1).
    pub page_index: u32,
    /// Total pages of the search.
    pub total_pages: u32,
    /// The searchId, to resume later pages.
    pub search_id: Option<&'a str>,
    /// Pages 1..=pages_done are all committed once this page is (pages fetched in parallel
    /// may arrive out of order: the cursor only advances over a contiguous run).
    pub pages_done: u32,
}

impl PageCommit<'_> {
    /// Whether every page of the search is committed with this one.
    pub fn completes(&self) -> bool {
        self.pages_done >= self.total_pages
    }
}

impl Store {
    /// The cursor of a (tenant, entity); the default (not onboarded) if none is stored.
    pub async fn load_cursor(&self, tenant_id: &str, entity: &str) -> Result<Cursor, sqlx::Error> {
        let row = sqlx::query(
            "SELECT phase, high_water, pull_started_at, pull_mode, pull_since, search_id, pages_done, total_pages,
                    window_start, pull_plain
             FROM sync_cursors WHERE tenant_id = $1 AND entity = $2",
        )
        .bind(tenant_id)
        .bind(entity)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(Cursor::default()) };
        let started: Option<DateTime<Utc>> = row.try_get("pull_started_at")?;
        let window_start: Option<chrono::NaiveDate> = row.try_get("window_start")?;
        let mode: Option<String> = row.try_get("pull_mode")?;
        let pull = match (started, mode.as_deref().and_then(PullMode::parse)) {
            (Some(started_at), Some(mode)) => Some(OpenPull {
                started_at,
                mode,
                since: row.try_get("pull_since")?,
                search_id: row.try_get("search_id")?,
                pages_done: row.try_get::<i32, _>("pages_done")?.max(0) as u32,
                total_pages: row.try_get::<Option<i32>, _>("total_pages")?.map(|t| t.max(0) as u32),
                window_start,
                plain: row.try_get("pull_plain")?,
            }),
            _ => None,
        };
        Ok(Cursor {
            onboarded: row.try_get::<String, _>("phase")? == "delta",
            high_water: row.try_get("high_water")?,
            pull,
            window_start,
        })
    }

    /// Records that a pull has started (or keeps the one already open).
    pub async fn begin_pull(
        &self,
        tenant_id: &str,
        entity: &str,
        started_at: DateTime<Utc>,
        mode: PullMode,
        since: Option<DateTime<Utc>>,
        window_start: Option<chrono::NaiveDate>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sync_cursors (tenant_id, entity, pull_started_at, pull_mode, pull_since, pages_done, window_start)
             VALUES ($1, $2, $3, $4, $5, 0, $6)
             ON CONFLICT (tenant_id, entity) DO UPDATE SET
                pull_started_at = EXCLUDED.pull_started_at, pull_mode = EXCLUDED.pull_mode,
                pull_since = EXCLUDED.pull_since, search_id = NULL, pages_done = 0, total_pages = NULL,
                window_start = EXCLUDED.window_start, pull_plain = false, updated_at = now()",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(started_at)
        .bind(mode.as_str())
        .bind(since)
        .bind(window_start)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Commits one page of records and the cursor in one transaction. When it is the last
    /// page, the pull is closed: the high-water mark becomes the pull's start time and the
    /// entity counts as onboarded.
    pub async fn commit_page(
        &self,
        tenant_id: &str,
        entity: &str,
        batch: Batch<'_>,
        page: PageCommit<'_>,
    ) -> Result<UpsertCounts, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let counts = match batch {
            Batch::Vendors(v) => upsert_vendors(&mut tx, tenant_id, v).await?,
            Batch::Invoices(v) => upsert_invoices(&mut tx, tenant_id, v).await?,
            Batch::Costs(v) => upsert_costs(&mut tx, tenant_id, v).await?,
            Batch::ExpenseCategories(v) => upsert_expense_categories(&mut tx, tenant_id, v).await?,
            Batch::Departments(v) => upsert_departments(&mut tx, tenant_id, v).await?,
            Batch::Employees(v) => upsert_employees(&mut tx, tenant_id, v).await?,
        };
        advance_cursor(&mut tx, tenant_id, entity, &page).await?;
        tx.commit().await?;
        Ok(counts)
    }
}

async fn advance_cursor(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tenant_id: &str,
    entity: &str,
    page: &PageCommit<'_>,
) -> Result<(), sqlx::Error> {
    let updated = if page.completes() {
        sqlx::query(
            "UPDATE sync_cursors SET phase = 'delta', high_water = pull_started_at,
                pull_started_at = NULL, pull_mode = NULL, pull_since = NULL, search_id = NULL,
                pages_done = 0, total_pages = NULL, pull_plain = false, updated_at = now()
             WHERE tenant_id = $1 AND entity = $2 AND pull_started_at IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(entity)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE sync_cursors SET search_id = $3, pages_done = $4,
                total_pages = $5, updated_at = now()
             WHERE tenant_id = $1 AND entity = $2 AND pull_started_at IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(page.search_id)
        .bind(page.pages_done as i32)
        .bind(page.total_pages as i32)
        .execute(&mut **tx)
        .await?
    };
    if updated.rows_affected() != 1 {
        return Err(sqlx::Error::Protocol(format!("no open pull for {tenant_id}/{entity}: begin_pull first")));
    }
    Ok(())
}

impl Store {
    /// Marks the open pull as running the plain search (its typed search was refused).
    pub async fn set_pull_plain(&self, tenant_id: &str, entity: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE sync_cursors SET pull_plain = true, updated_at = now() WHERE tenant_id = $1 AND entity = $2",
        )
        .bind(tenant_id)
        .bind(entity)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The earliest `discovered_at` among a tenant's services, if it has any: the start of the
    /// union of every service's window is one year before it.
    pub async fn earliest_discovery(&self, tenant_id: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
        sqlx::query_scalar("SELECT min(discovered_at) FROM services WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_one(&self.pool)
            .await
    }

    /// Records an entity as ok, or degraded with NetSuite's code and message. `since` keeps
    /// the time the current state began.
    pub async fn set_entity_status(
        &self,
        tenant_id: &str,
        entity: &str,
        degraded: Option<(&str, &str)>,
    ) -> Result<(), sqlx::Error> {
        let (status, code, message) = match degraded {
            Some((c, m)) => ("degraded", Some(c), Some(m)),
            None => ("ok", None, None),
        };
        sqlx::query(
            "INSERT INTO entity_status (tenant_id, entity, status, code, message) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id, entity) DO UPDATE SET
                since = CASE WHEN entity_status.status = EXCLUDED.status THEN entity_status.since ELSE now() END,
                status = EXCLUDED.status, code = EXCLUDED.code, message = EXCLUDED.message, updated_at = now()",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(status)
        .bind(code)
        .bind(message)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
