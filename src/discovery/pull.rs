//! The paging loop: one pull of one entity, full or delta, resumable.
//!
//! Invariants:
//! - a page's records and the cursor are committed in one transaction, so a kill at any moment
//!   loses nothing and the next run resumes after the last committed page;
//! - a page is converted completely before anything of it is written: a malformed or
//!   unexpected record fails the page, and nothing of that page is committed;
//! - the delta's next lower bound is the pull's start time (fixed before the first request),
//!   minus the overlap at query time; never a bare date.

use std::time::Instant;

use chrono::{Duration as ChronoDuration, Utc};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use super::entity::EntitySpec;
use crate::daemon::retry::{RetryError, RetryPolicy};
use crate::netsuite::error::ErrorClass;
use crate::netsuite::search::SearchQuery;
use crate::netsuite::{Client, RawRecord, SearchPage, WireError};
use crate::store::{EntityOutcome, PageCommit, PullMode, RunStatus, Store};

/// Everything a pull needs.
#[derive(Clone, Debug)]
pub struct PullContext {
    /// The database.
    pub store: Store,
    /// The tenant's NetSuite client.
    pub client: Client,
    /// Tenant id.
    pub tenant_id: String,
    /// Retry rules.
    pub retry: RetryPolicy,
    /// Safety overlap subtracted from the high-water mark of a delta.
    pub overlap: ChronoDuration,
    /// Shutdown signal: checked between pages and while waiting to retry.
    pub cancel: CancellationToken,
    /// Log progress every this many pages.
    pub progress_every: u32,
}

/// Why a pull stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// NetSuite (or the way to it) failed, after retries where they apply.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] sqlx::Error),
    /// Shutdown was requested.
    #[error("cancelled by shutdown")]
    Cancelled,
}

impl From<RetryError> for SyncError {
    fn from(e: RetryError) -> Self {
        match e {
            RetryError::Wire(w) => SyncError::Wire(w),
            RetryError::Cancelled => SyncError::Cancelled,
        }
    }
}

/// Counts of a pull in progress.
#[derive(Default)]
struct Tally {
    pages: u32,
    records: u64,
    inserted: u64,
    updated: u64,
}

/// Pulls one entity: resumes an open pull if there is one, otherwise starts a full pull (not
/// yet onboarded) or a delta (since the high-water mark minus the overlap).
#[tracing::instrument(skip_all, fields(tenant = %ctx.tenant_id, entity = E::NAME))]
pub async fn pull_entity<E: EntitySpec>(ctx: &PullContext) -> (EntityOutcome, Result<(), SyncError>) {
    let mut tally = Tally::default();
    let mut mode = PullMode::Full;
    let result = run_pull::<E>(ctx, &mut tally, &mut mode).await;
    let (status, error_code, error) = match &result {
        Ok(()) => (RunStatus::Succeeded, None, None),
        Err(SyncError::Cancelled) => (RunStatus::Cancelled, Some("cancelled".to_string()), None),
        Err(SyncError::Wire(w)) if w.class() == ErrorClass::Permission => {
            (RunStatus::Degraded, Some(w.label()), Some(w.to_string()))
        }
        Err(SyncError::Wire(w)) => (RunStatus::Failed, Some(w.label()), Some(w.to_string())),
        Err(SyncError::Store(e)) => (RunStatus::Failed, Some("database".to_string()), Some(e.to_string())),
    };
    let outcome = EntityOutcome {
        entity: E::NAME.to_string(),
        mode,
        status,
        pages: tally.pages,
        records: tally.records,
        inserted: tally.inserted,
        updated: tally.updated,
        error_code,
        error,
    };
    (outcome, result)
}

async fn run_pull<E: EntitySpec>(
    ctx: &PullContext,
    tally: &mut Tally,
    mode_out: &mut PullMode,
) -> Result<(), SyncError> {
    let started = Instant::now();
    let cursor = ctx.store.load_cursor(&ctx.tenant_id, E::NAME).await?;
    let (mode, since, resume) = match cursor.pull {
        Some(open) => {
            info!(mode = open.mode.as_str(), pages_done = open.pages_done, total_pages = ?open.total_pages, "resuming an interrupted pull");
            let resume = match (open.search_id, open.total_pages) {
                (Some(id), Some(total)) if open.pages_done >= 1 => Some((id, open.pages_done, total)),
                _ => None,
            };
            (open.mode, open.since, resume)
        }
        None => {
            let (mode, since) = match (cursor.onboarded, cursor.high_water) {
                (true, Some(hw)) => (PullMode::Delta, Some(hw - ctx.overlap)),
                _ => (PullMode::Full, None),
            };
            // The high-water mark this pull will set: fixed now, before any request.
            ctx.store.begin_pull(&ctx.tenant_id, E::NAME, Utc::now(), mode, since).await?;
            (mode, since, None)
        }
    };
    *mode_out = mode;
    let mut query = match (mode, since) {
        (PullMode::Delta, Some(since)) => SearchQuery::modified_since(E::search_type(), since),
        _ => SearchQuery::all(E::search_type()),
    };
    query.body_fields_only = E::body_fields_only();
    info!(mode = mode.as_str(), since = ?since, "pull started");

    let (mut search_id, mut next, mut total_pages) = match resume {
        Some((id, done, total)) => (Some(id), done + 1, total),
        None => {
            let first = first_page::<E>(ctx, &query, tally).await?;
            (first.0, 2, first.1)
        }
    };
    while next <= total_pages {
        if ctx.cancel.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let Some(id) = search_id.clone() else {
            return Err(WireError::Malformed("a search with more than one page returned no searchId".into()).into());
        };
        let fetched = ctx
            .retry
            .run(&ctx.cancel, "searchMoreWithId", || {
                ctx.client.search_more_with_id(E::search_type(), E::body_fields_only(), &id, next)
            })
            .await;
        let page = match fetched {
            Ok(page) => page,
            Err(RetryError::Wire(e)) if e.class() == ErrorClass::ExpiredSearch => {
                info!(page = next, "searchId expired; running the search again and resuming");
                let (id, total) = first_page::<E>(ctx, &query, tally).await?;
                search_id = id;
                total_pages = total;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        total_pages = page.total_pages;
        commit::<E>(ctx, page, search_id.as_deref(), tally).await?;
        if ctx.progress_every > 0 && next % ctx.progress_every == 0 {
            let secs = started.elapsed().as_secs_f64().max(0.001);
            let rate = tally.records as f64 / secs;
            let eta = (total_pages - next) as f64 * secs / tally.pages.max(1) as f64;
            info!(
                page = next,
                total_pages,
                records = tally.records,
                rate = format!("{rate:.0}/s"),
                eta_s = eta as u64,
                "pull progress"
            );
        }
        next += 1;
    }
    info!(
        mode = mode.as_str(),
        pages = tally.pages,
        records = tally.records,
        inserted = tally.inserted,
        updated = tally.updated,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "pull finished"
    );
    Ok(())
}

/// Runs the search, commits page 1, returns the searchId and the total pages.
async fn first_page<E: EntitySpec>(
    ctx: &PullContext,
    query: &SearchQuery,
    tally: &mut Tally,
) -> Result<(Option<String>, u32), SyncError> {
    let page = ctx.retry.run(&ctx.cancel, "search", || ctx.client.search(query)).await?;
    let id = page.search_id.clone();
    let total = page.total_pages;
    debug!(total_records = page.total_records, total_pages = total, "search answered");
    commit::<E>(ctx, page, id.as_deref(), tally).await?;
    Ok((id, total))
}

/// Converts a whole page, then commits it with the cursor.
async fn commit<E: EntitySpec>(
    ctx: &PullContext,
    page: SearchPage<RawRecord>,
    search_id: Option<&str>,
    tally: &mut Tally,
) -> Result<(), SyncError> {
    let records = page.records.iter().map(E::convert).collect::<Result<Vec<_>, _>>()?;
    let commit = PageCommit { page_index: page.page_index, total_pages: page.total_pages, search_id };
    let counts = E::commit(&ctx.store, &ctx.tenant_id, &records, commit).await?;
    tally.pages += 1;
    tally.records += records.len() as u64;
    tally.inserted += counts.inserted;
    tally.updated += counts.updated;
    debug!(
        page = page.page_index,
        total_pages = page.total_pages,
        records = records.len(),
        inserted = counts.inserted,
        updated = counts.updated,
        "page committed"
    );
    Ok(())
}
