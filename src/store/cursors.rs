//! Sync cursors: where each (tenant, entity) pull stands, committed together with the page of
//! records it describes.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::services::{upsert_vendors, UpsertCounts};
use super::Store;
use crate::netsuite::Vendor;

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
}

impl Store {
    /// The cursor of a (tenant, entity); the default (not onboarded) if none is stored.
    pub async fn load_cursor(&self, tenant_id: &str, entity: &str) -> Result<Cursor, sqlx::Error> {
        let row = sqlx::query(
            "SELECT phase, high_water, pull_started_at, pull_mode, pull_since, search_id, pages_done, total_pages
             FROM sync_cursors WHERE tenant_id = $1 AND entity = $2",
        )
        .bind(tenant_id)
        .bind(entity)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(Cursor::default()) };
        let started: Option<DateTime<Utc>> = row.try_get("pull_started_at")?;
        let mode: Option<String> = row.try_get("pull_mode")?;
        let pull = match (started, mode.as_deref().and_then(PullMode::parse)) {
            (Some(started_at), Some(mode)) => Some(OpenPull {
                started_at,
                mode,
                since: row.try_get("pull_since")?,
                search_id: row.try_get("search_id")?,
                pages_done: row.try_get::<i32, _>("pages_done")?.max(0) as u32,
                total_pages: row.try_get::<Option<i32>, _>("total_pages")?.map(|t| t.max(0) as u32),
            }),
            _ => None,
        };
        Ok(Cursor {
            onboarded: row.try_get::<String, _>("phase")? == "delta",
            high_water: row.try_get("high_water")?,
            pull,
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
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sync_cursors (tenant_id, entity, pull_started_at, pull_mode, pull_since, pages_done)
             VALUES ($1, $2, $3, $4, $5, 0)
             ON CONFLICT (tenant_id, entity) DO UPDATE SET
                pull_started_at = EXCLUDED.pull_started_at, pull_mode = EXCLUDED.pull_mode,
                pull_since = EXCLUDED.pull_since, search_id = NULL, pages_done = 0, total_pages = NULL,
                updated_at = now()",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(started_at)
        .bind(mode.as_str())
        .bind(since)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Commits one page of vendors and the cursor in one transaction. When it is the last
    /// page, the pull is closed: the high-water mark becomes the pull's start time and the
    /// entity counts as onboarded.
    pub async fn commit_vendor_page(
        &self,
        tenant_id: &str,
        entity: &str,
        vendors: &[Vendor],
        page: PageCommit<'_>,
    ) -> Result<UpsertCounts, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let counts = upsert_vendors(&mut tx, tenant_id, vendors).await?;
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
    let last = page.page_index >= page.total_pages;
    let updated = if last {
        sqlx::query(
            "UPDATE sync_cursors SET phase = 'delta', high_water = pull_started_at,
                pull_started_at = NULL, pull_mode = NULL, pull_since = NULL, search_id = NULL,
                pages_done = 0, total_pages = NULL, updated_at = now()
             WHERE tenant_id = $1 AND entity = $2 AND pull_started_at IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(entity)
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE sync_cursors SET search_id = $3, pages_done = GREATEST(pages_done, $4),
                total_pages = $5, updated_at = now()
             WHERE tenant_id = $1 AND entity = $2 AND pull_started_at IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(page.search_id)
        .bind(page.page_index as i32)
        .bind(page.total_pages as i32)
        .execute(&mut **tx)
        .await?
    };
    if updated.rows_affected() != 1 {
        return Err(sqlx::Error::Protocol(format!("no open pull for {tenant_id}/{entity}: begin_pull first")));
    }
    Ok(())
}
