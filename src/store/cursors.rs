//! Sync cursors: where each (tenant, entity) pull stands, committed together with the page of
//! records it describes.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::org::{upsert_departments, upsert_employees};
use super::rejected::Rejected;
use super::services::{upsert_vendors, Hashed, UpsertCounts};
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
    /// Why the next pull must be a full one (a hole was found), if it must.
    pub force_full: Option<String>,
    /// When the last complete full pull started.
    pub last_full_at: Option<DateTime<Utc>>,
    /// Deletions are known up to this time (getDeleted's own high-water mark).
    pub deleted_high_water: Option<DateTime<Utc>>,
}

/// A pull that was started and has not been finished.
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
    /// Pages committed so far (1..=pages_done all are).
    pub pages_done: u32,
    /// The transaction-date lower bound of this pull, for windowed entities.
    pub window_start: Option<chrono::NaiveDate>,
    /// Whether it runs the plain search because the typed one was refused.
    pub plain: bool,
    /// What page 1 of the current search promised, to check every later page against.
    pub shape: Option<PageShape>,
    /// Whether it is a periodic full refresh of an onboarded entity.
    pub refresh: bool,
    /// The transport whose position it holds (`soap`: searchId and pages; `suiteql`: the
    /// last key committed).
    pub transport: String,
    /// SuiteQL: the last key committed (keys greater than it are still to come).
    pub keyset_after: Option<String>,
    /// SuiteQL: the distinct keys the pull must reach at least (see
    /// [`KeysetCommit::expected`]).
    pub keyset_expected: Option<u32>,
}

/// The totals a search's page 1 reported; every later page must report the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageShape {
    /// `totalRecords`.
    pub total_records: u32,
    /// `pageSize`.
    pub page_size: u32,
    /// `totalPages`.
    pub total_pages: u32,
}

/// A page to commit along with the cursor.
#[derive(Clone, Debug)]
pub struct PageCommit<'a> {
    /// Page index (from 1).
    pub page_index: u32,
    /// The search's totals (from its page 1).
    pub shape: PageShape,
    /// The searchId, to resume later pages.
    pub search_id: Option<&'a str>,
    /// Pages 1..=pages_done are all committed once this page is (pages fetched in parallel
    /// may arrive out of order: the cursor only advances over a contiguous run).
    pub pages_done: u32,
    /// The key of every record of the page (internal id, or `xml:<md5>` for a record without
    /// one), readable or not: what the pull has received.
    pub seen: &'a [String],
    /// Records of the page that could not be read.
    pub rejected: &'a [Rejected],
}

/// How committing a page went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageOutcome {
    /// Written, with these counts.
    Committed(UpsertCounts),
    /// Nothing written: a record of this page was already received on another page of the
    /// same pull (pages overlap).
    Overlap {
        /// The record's key.
        key: String,
        /// The page it came on before.
        other_page: u32,
    },
}

/// How committing pages together went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PagesOutcome {
    /// All written, with what their upsert did.
    Committed(UpsertCounts),
    /// Nothing written: a record of page `page` was already received on another page of the
    /// same pull.
    Overlap {
        /// The page that repeats it.
        page: u32,
        /// The record's key.
        key: String,
        /// The page it came on before.
        other_page: u32,
    },
}

/// How a finished pull closes.
#[derive(Clone, Copy, Debug)]
pub struct PullClose<'a> {
    /// Whether it pulled everything in scope (so `last_full_at` moves).
    pub full: bool,
    /// For a complete, consistent full pull of the typed search: mark as deleted the live
    /// rows in scope that it did not receive. `Some(window)` for windowed entities (rows with
    /// a transaction date on or after it), `Some(None)` for the whole table.
    pub mark_missing: Option<Option<chrono::NaiveDate>>,
    /// Deletions NetSuite reported (read beside the pull), marked after the missing rows, in
    /// the same transaction.
    pub reported: &'a [super::deletions::Deletion],
    /// The deletion high-water mark to move to, when the report of deletions was complete.
    pub deleted_mark: Option<DateTime<Utc>>,
}

/// What closing a pull marked deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullClosed {
    /// Rows in scope the full pull no longer found.
    pub missing: u64,
    /// Rows NetSuite reported deleted.
    pub reported: u64,
}

impl Store {
    /// The cursor of a (tenant, entity); the default (not onboarded) if none is stored.
    pub async fn load_cursor(&self, tenant_id: &str, entity: &str) -> Result<Cursor, sqlx::Error> {
        let row = sqlx::query(
            "SELECT phase, high_water, pull_started_at, pull_mode, pull_since, search_id, pages_done, total_pages,
                    total_records, page_size, window_start, pull_plain, pull_refresh, force_full, force_full_reason,
                    last_full_at, deleted_high_water, pull_transport, keyset_after, keyset_expected
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
        let total_pages: Option<i32> = row.try_get("total_pages")?;
        let total_records: Option<i32> = row.try_get("total_records")?;
        let page_size: Option<i32> = row.try_get("page_size")?;
        let shape = match (total_records, page_size, total_pages) {
            (Some(r), Some(s), Some(p)) => Some(PageShape {
                total_records: r.max(0) as u32,
                page_size: s.max(0) as u32,
                total_pages: p.max(0) as u32,
            }),
            _ => None,
        };
        let pull = match (started, mode.as_deref().and_then(PullMode::parse)) {
            (Some(started_at), Some(mode)) => Some(OpenPull {
                started_at,
                mode,
                since: row.try_get("pull_since")?,
                search_id: row.try_get("search_id")?,
                pages_done: row.try_get::<i32, _>("pages_done")?.max(0) as u32,
                shape,
                window_start,
                plain: row.try_get("pull_plain")?,
                refresh: row.try_get("pull_refresh")?,
                transport: row.try_get("pull_transport")?,
                keyset_after: row.try_get("keyset_after")?,
                keyset_expected: row.try_get::<Option<i32>, _>("keyset_expected")?.map(|n| n.max(0) as u32),
            }),
            _ => None,
        };
        let force: bool = row.try_get("force_full")?;
        let reason: Option<String> = row.try_get("force_full_reason")?;
        Ok(Cursor {
            onboarded: row.try_get::<String, _>("phase")? == "delta",
            high_water: row.try_get("high_water")?,
            pull,
            window_start,
            force_full: force.then(|| reason.unwrap_or_else(|| "a full pull was asked for".into())),
            last_full_at: row.try_get("last_full_at")?,
            deleted_high_water: row.try_get("deleted_high_water")?,
        })
    }

    /// Records that a pull has started (replacing any open one) and forgets what an earlier
    /// pull received.
    #[allow(clippy::too_many_arguments)]
    pub async fn begin_pull(
        &self,
        tenant_id: &str,
        entity: &str,
        started_at: DateTime<Utc>,
        mode: PullMode,
        since: Option<DateTime<Utc>>,
        window_start: Option<chrono::NaiveDate>,
        refresh: bool,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO sync_cursors (tenant_id, entity, pull_started_at, pull_mode, pull_since, pages_done, window_start, pull_refresh)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7)
             ON CONFLICT (tenant_id, entity) DO UPDATE SET
                pull_started_at = EXCLUDED.pull_started_at, pull_mode = EXCLUDED.pull_mode,
                pull_since = EXCLUDED.pull_since, search_id = NULL, pages_done = 0, total_pages = NULL,
                total_records = NULL, page_size = NULL, window_start = EXCLUDED.window_start,
                pull_plain = false, pull_refresh = EXCLUDED.pull_refresh, pull_transport = 'soap',
                keyset_after = NULL, keyset_expected = NULL, updated_at = now()",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(started_at)
        .bind(mode.as_str())
        .bind(since)
        .bind(window_start)
        .bind(refresh)
        .execute(&mut *tx)
        .await?;
        clear_seen(&mut tx, tenant_id, entity).await?;
        tx.commit().await
    }

    /// Runs the open pull's search again from page 1: forgets its searchId, totals, pages
    /// and what it received (rows already written stay: upserts are idempotent).
    pub async fn restart_pull(&self, tenant_id: &str, entity: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE sync_cursors SET search_id = NULL, pages_done = 0, total_pages = NULL, total_records = NULL,
                page_size = NULL, keyset_after = NULL, keyset_expected = NULL, updated_at = now()
             WHERE tenant_id = $1 AND entity = $2",
        )
        .bind(tenant_id)
        .bind(entity)
        .execute(&mut *tx)
        .await?;
        clear_seen(&mut tx, tenant_id, entity).await?;
        tx.commit().await
    }

    /// Commits one page of records, what it received, its rejected records and the cursor,
    /// in one transaction. A page that repeats a record of another page of the pull writes
    /// nothing and says so. The pull stays open: only [`Store::finish_pull`] closes it.
    pub async fn commit_page(
        &self,
        tenant_id: &str,
        entity: &str,
        batch: Batch<'_>,
        page: PageCommit<'_>,
    ) -> Result<PageOutcome, sqlx::Error> {
        Ok(match self.commit_pages(tenant_id, entity, batch, &[page]).await? {
            PagesOutcome::Committed(counts) => PageOutcome::Committed(counts),
            PagesOutcome::Overlap { key, other_page, .. } => PageOutcome::Overlap { key, other_page },
        })
    }

    /// Commits pages of one pull that arrived together, in one transaction and with one
    /// statement of each kind whatever their number: the keys each received, their records
    /// (`batch`, every page's), their rejected records and the cursor (as far as the largest
    /// `pages_done`). All of them or, when one repeats a record of another page of the pull
    /// (of this commit or an earlier one), none (and says which). The pull stays open.
    pub async fn commit_pages(
        &self,
        tenant_id: &str,
        entity: &str,
        batch: Batch<'_>,
        pages: &[PageCommit<'_>],
    ) -> Result<PagesOutcome, sqlx::Error> {
        let started = std::time::Instant::now();
        let Some(last) = pages.last() else { return Ok(PagesOutcome::Committed(UpsertCounts::default())) };
        if let Some(overlap) = overlap_between(pages) {
            return Ok(overlap);
        }
        let mut keys: Vec<&str> = Vec::with_capacity(pages.iter().map(|p| p.seen.len()).sum());
        let mut key_pages: Vec<i32> = Vec::with_capacity(keys.capacity());
        for p in pages {
            keys.extend(p.seen.iter().map(String::as_str));
            key_pages.resize(key_pages.len() + p.seen.len(), p.page_index as i32);
        }
        let rejected: Vec<Rejected> = pages.iter().flat_map(|p| p.rejected.iter().cloned()).collect();
        let mut conn = self.pool.acquire().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        if let Some((key, other)) = record_received(&mut tx, tenant_id, entity, &keys, &key_pages).await? {
            tx.rollback().await?;
            let page = pages.iter().find(|p| p.seen.contains(&key)).map_or(last.page_index, |p| p.page_index);
            return Ok(PagesOutcome::Overlap { page, key, other_page: other.max(0) as u32 });
        }
        let counts = upsert_batch(&mut tx, &self.hashed, tenant_id, batch).await?;
        super::rejected::settle_page(&mut tx, tenant_id, entity, &keys, &rejected).await?;
        let updated = sqlx::query(
            "UPDATE sync_cursors SET search_id = $3, pages_done = greatest(pages_done, $4), total_pages = $5,
                total_records = $6, page_size = $7, pull_transport = 'soap', keyset_after = NULL,
                keyset_expected = NULL, updated_at = now()
             WHERE tenant_id = $1 AND entity = $2 AND pull_started_at IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(last.search_id)
        .bind(pages.iter().map(|p| p.pages_done).max().unwrap_or(last.pages_done) as i32)
        .bind(last.shape.total_pages as i32)
        .bind(last.shape.total_records as i32)
        .bind(last.shape.page_size as i32)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(sqlx::Error::Protocol(format!("no open pull for {tenant_id}/{entity}: begin_pull first")));
        }
        tx.commit().await?;
        give_back_buffers(&mut conn);
        let indexes: Vec<u32> = pages.iter().map(|p| p.page_index).collect();
        page_written(entity, &indexes, keys.len(), started);
        Ok(PagesOutcome::Committed(counts))
    }

    /// Writes records fetched outside a pull (those rejected earlier, asked for again by id),
    /// with their rejections settled, in one transaction. `asked` are the keys asked for: an
    /// asked record NetSuite no longer returns leaves `rejected_records` too.
    pub async fn commit_records(
        &self,
        tenant_id: &str,
        entity: &str,
        batch: Batch<'_>,
        asked: &[String],
        seen: &[String],
        rejected: &[Rejected],
    ) -> Result<UpsertCounts, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let counts = upsert_batch(&mut tx, &self.hashed, tenant_id, batch).await?;
        let settled: Vec<&str> = asked.iter().chain(seen).map(String::as_str).collect();
        super::rejected::settle_page(&mut tx, tenant_id, entity, &settled, rejected).await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Distinct records the open pull has received so far.
    pub async fn seen_count(&self, tenant_id: &str, entity: &str) -> Result<u64, sqlx::Error> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM pull_seen WHERE tenant_id = $1 AND entity = $2")
            .bind(tenant_id)
            .bind(entity)
            .fetch_one(&self.pool)
            .await?;
        Ok(n.max(0) as u64)
    }

    /// Closes a complete, consistent pull in one transaction: marks as deleted what a full
    /// pull no longer found (when asked), then what NetSuite reported deleted, moves the
    /// high-water mark to the pull's start and the deletion mark (to the one given, else to
    /// the pull's start when it has none), counts the entity onboarded, clears a forced full
    /// pull. Returns the rows marked deleted.
    pub async fn finish_pull(
        &self,
        tenant_id: &str,
        entity: &str,
        close: PullClose<'_>,
    ) -> Result<PullClosed, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let started: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT pull_started_at FROM sync_cursors WHERE tenant_id = $1 AND entity = $2 FOR UPDATE",
        )
        .bind(tenant_id)
        .bind(entity)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
        if started.is_none() {
            return Err(sqlx::Error::Protocol(format!("no open pull for {tenant_id}/{entity} to finish")));
        }
        let mut closed = PullClosed::default();
        if let (Some(scope), Some(table)) = (close.mark_missing, super::deletions::table_of(entity)) {
            let missing = missing_in_scope(&mut tx, tenant_id, entity, table, scope).await?;
            closed.missing =
                super::deletions::mark_deleted_in(&mut tx, tenant_id, table, &missing, Utc::now()).await?.len() as u64;
        }
        if !close.reported.is_empty() {
            let Some(table) = super::deletions::table_of(entity) else {
                return Err(sqlx::Error::Protocol(format!("no table for entity {entity}")));
            };
            closed.reported =
                super::deletions::apply_deletions_in(&mut tx, tenant_id, table, close.reported).await?.len() as u64;
        }
        // The pull's received keys go with it (`pull_seen`), in the same statement.
        sqlx::query(
            "WITH cleared AS (DELETE FROM pull_seen WHERE tenant_id = $1 AND entity = $2)
             UPDATE sync_cursors SET phase = 'delta', high_water = pull_started_at,
                last_full_at = CASE WHEN $3 THEN pull_started_at ELSE last_full_at END,
                deleted_high_water = coalesce($4, deleted_high_water, pull_started_at),
                force_full = CASE WHEN $3 THEN false ELSE force_full END,
                force_full_reason = CASE WHEN $3 THEN NULL ELSE force_full_reason END,
                pull_started_at = NULL, pull_mode = NULL, pull_since = NULL, search_id = NULL,
                pages_done = 0, total_pages = NULL, total_records = NULL, page_size = NULL,
                pull_plain = false, pull_refresh = false, keyset_after = NULL, keyset_expected = NULL,
                updated_at = now()
             WHERE tenant_id = $1 AND entity = $2",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(close.full)
        .bind(close.deleted_mark)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// Gives up the open pull without moving the high-water mark, and makes the next pull of
    /// the entity a full one: what was committed stays, the hole is filled by that pull.
    pub async fn abandon_pull(&self, tenant_id: &str, entity: &str, reason: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE sync_cursors SET force_full = true, force_full_reason = $3,
                pull_started_at = NULL, pull_mode = NULL, pull_since = NULL, search_id = NULL,
                pages_done = 0, total_pages = NULL, total_records = NULL, page_size = NULL,
                pull_plain = false, pull_refresh = false, keyset_after = NULL, keyset_expected = NULL,
                updated_at = now()
             WHERE tenant_id = $1 AND entity = $2",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        clear_seen(&mut tx, tenant_id, entity).await?;
        tx.commit().await
    }

    /// Makes the next pull of an entity a full one, with the reason.
    pub async fn force_full(&self, tenant_id: &str, entity: &str, reason: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sync_cursors (tenant_id, entity, force_full, force_full_reason) VALUES ($1, $2, true, $3)
             ON CONFLICT (tenant_id, entity) DO UPDATE SET force_full = true, force_full_reason = $3, updated_at = now()",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(reason)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Moves getDeleted's high-water mark (deletions are known up to `at`).
    pub async fn set_deleted_high_water(
        &self,
        tenant_id: &str,
        entity: &str,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE sync_cursors SET deleted_high_water = $3, updated_at = now() WHERE tenant_id = $1 AND entity = $2",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Records the keys a page received, first thing in its transaction, and returns one that
/// another page of the pull already received (the caller then rolls back: nothing of the page
/// is written). One probe of the primary key per key, whatever the planner knows of the table:
/// a filter on `internal_id = ANY(..)` over the pull's rows, which a stale plan chose, is
/// quadratic. Serves SOAP and keyset pages alike.
async fn record_received(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tenant_id: &str,
    entity: &str,
    keys: &[&str],
    pages: &[i32],
) -> Result<Option<(String, i32)>, sqlx::Error> {
    // Each key with its page (the pages of one commit share no key: `overlap_between`).
    sqlx::query_as(
        "WITH received AS (
            INSERT INTO pull_seen AS s (tenant_id, entity, internal_id, page)
            SELECT DISTINCT $1, $2, u.k, u.p FROM UNNEST($3::text[], $4::int[]) AS u(k, p)
            ON CONFLICT (tenant_id, entity, internal_id) DO UPDATE SET page = s.page WHERE s.page <> EXCLUDED.page
            RETURNING s.internal_id, s.page, (s.xmax = 0) AS fresh)
         SELECT internal_id, page FROM received WHERE NOT fresh LIMIT 1",
    )
    .bind(tenant_id)
    .bind(entity)
    .bind(keys)
    .bind(pages)
    .fetch_optional(&mut **tx)
    .await
}

/// Two pages of one commit that brought the same record: an overlap of the later one, found
/// before anything is sent.
fn overlap_between(pages: &[PageCommit<'_>]) -> Option<PagesOutcome> {
    use std::collections::hash_map::{Entry, HashMap};
    if pages.len() < 2 {
        return None;
    }
    let mut first_on: HashMap<&str, u32> = HashMap::new();
    for p in pages {
        for key in p.seen {
            match first_on.entry(key.as_str()) {
                Entry::Vacant(v) => {
                    v.insert(p.page_index);
                }
                Entry::Occupied(o) if *o.get() != p.page_index => {
                    return Some(PagesOutcome::Overlap { page: p.page_index, key: key.clone(), other_page: *o.get() });
                }
                Entry::Occupied(_) => {}
            }
        }
    }
    None
}

async fn upsert_batch(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    hashed: &Hashed,
    tenant_id: &str,
    batch: Batch<'_>,
) -> Result<UpsertCounts, sqlx::Error> {
    match batch {
        Batch::Vendors(v) => upsert_vendors(tx, hashed, tenant_id, v).await,
        Batch::Invoices(v) => upsert_invoices(tx, hashed, tenant_id, v).await,
        Batch::Costs(v) => upsert_costs(tx, hashed, tenant_id, v).await,
        Batch::ExpenseCategories(v) => upsert_expense_categories(tx, hashed, tenant_id, v).await,
        Batch::Departments(v) => upsert_departments(tx, hashed, tenant_id, v).await,
        Batch::Employees(v) => upsert_employees(tx, hashed, tenant_id, v).await,
    }
}

async fn clear_seen(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tenant_id: &str,
    entity: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pull_seen WHERE tenant_id = $1 AND entity = $2")
        .bind(tenant_id)
        .bind(entity)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Live rows of `table` in scope that the open pull did not receive.
async fn missing_in_scope(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    tenant_id: &str,
    entity: &str,
    table: &'static str,
    window: Option<chrono::NaiveDate>,
) -> Result<Vec<String>, sqlx::Error> {
    // `table` is one of store::deletions' constants, never text from outside. EXCEPT (a hashed
    // set difference) stays linear whatever the planner knows of the fresh tables.
    let scope = if window.is_some() { "AND t.tran_date >= $3" } else { "AND $3::date IS NULL" };
    // Two entities share the invoices table: each marks only its own rows.
    let own = super::deletions::scope_of(entity);
    let sql = format!(
        "SELECT t.internal_id FROM {table} t WHERE t.tenant_id = $1 AND t.deleted_at IS NULL {scope} {own}
         EXCEPT
         SELECT s.internal_id FROM pull_seen s WHERE s.tenant_id = $1 AND s.entity = $2"
    );
    sqlx::query_scalar(&sql).bind(tenant_id).bind(entity).bind(window).fetch_all(&mut **tx).await
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
}

/// A page of a SuiteQL (keyset) pull to commit along with the cursor.
#[derive(Clone, Debug)]
pub struct KeysetCommit<'a> {
    /// The page's number within the pull (from 1; keys already received on another page of
    /// the pull make it an overlap).
    pub page: u32,
    /// The last key of the page: the next query asks for keys greater than it.
    pub after: &'a str,
    /// The distinct keys the pull must reach at least: those received before its current
    /// query started plus that query's first `totalResults` (rows created during the pull
    /// only add to it; a shortfall means rows went missing between pages).
    pub expected: Option<u32>,
    /// The key of every record of the page, readable or not.
    pub seen: &'a [String],
    /// Records of the page that could not be read.
    pub rejected: &'a [Rejected],
}

impl Store {
    /// Marks the open pull as a SuiteQL (keyset) pull starting from the beginning of its
    /// scope: a pull opened by SOAP and resumed over SuiteQL (the tenant was switched) keeps
    /// its mode, delta bound and window, and forgets its searchId, pages and what it received.
    pub async fn begin_keyset(&self, tenant_id: &str, entity: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE sync_cursors SET pull_transport = 'suiteql', search_id = NULL, pages_done = 0,
                total_pages = NULL, total_records = NULL, page_size = NULL, keyset_after = NULL,
                keyset_expected = NULL, updated_at = now()
             WHERE tenant_id = $1 AND entity = $2 AND pull_started_at IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(entity)
        .execute(&mut *tx)
        .await?;
        clear_seen(&mut tx, tenant_id, entity).await?;
        tx.commit().await
    }

    /// Commits one keyset page: its records, the keys it received, its rejected records and
    /// the cursor (last key, pages, expected count), in one transaction. A page that repeats
    /// a key another page of the pull brought writes nothing and says so.
    pub async fn commit_keyset_page(
        &self,
        tenant_id: &str,
        entity: &str,
        batch: Batch<'_>,
        page: KeysetCommit<'_>,
    ) -> Result<PageOutcome, sqlx::Error> {
        let started = std::time::Instant::now();
        let mut conn = self.pool.acquire().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let keys: Vec<&str> = page.seen.iter().map(String::as_str).collect();
        let key_pages = vec![page.page as i32; keys.len()];
        if let Some((key, other)) = record_received(&mut tx, tenant_id, entity, &keys, &key_pages).await? {
            tx.rollback().await?;
            return Ok(PageOutcome::Overlap { key, other_page: other.max(0) as u32 });
        }
        let counts = upsert_batch(&mut tx, &self.hashed, tenant_id, batch).await?;
        super::rejected::settle_page(&mut tx, tenant_id, entity, &keys, page.rejected).await?;
        let updated = sqlx::query(
            "UPDATE sync_cursors SET pull_transport = 'suiteql', keyset_after = $3, pages_done = greatest(pages_done, $4),
                keyset_expected = coalesce($5, keyset_expected), updated_at = now()
             WHERE tenant_id = $1 AND entity = $2 AND pull_started_at IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(entity)
        .bind(page.after)
        .bind(page.page as i32)
        .bind(page.expected.map(|n| n.min(i32::MAX as u32) as i32))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(sqlx::Error::Protocol(format!("no open pull for {tenant_id}/{entity}: begin_pull first")));
        }
        tx.commit().await?;
        give_back_buffers(&mut conn);
        page_written(entity, &[page.page], page.seen.len(), started);
        Ok(PageOutcome::Committed(counts))
    }
}

/// The write path's own time for committed pages (what `cargo bench --bench ratios` sums as
/// the client's), for both transports.
fn page_written(entity: &str, pages: &[u32], records: usize, started: std::time::Instant) {
    tracing::debug!(entity, pages = ?pages, records, write_us = started.elapsed().as_micros() as u64, "page written");
}

/// After a page's transaction: a page's statement grows the connection's send buffer to the
/// page's size (MiBs for transactions with their lines), and the connection keeps it; shrunk
/// again, each connection of the pool does not hold a page's worth for good. The next page
/// grows it again (a few reallocations, no round trip).
fn give_back_buffers(conn: &mut sqlx::pool::PoolConnection<sqlx::Postgres>) {
    sqlx::Connection::shrink_buffers(&mut **conn);
}
