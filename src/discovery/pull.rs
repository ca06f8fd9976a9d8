//! The paging loop: one pull of one entity, full or delta, resumable.
//!
//! Invariants:
//! - a page's records and the cursor are committed in one transaction, so a kill at any moment
//!   loses nothing and the next run resumes after the last committed page;
//! - a page is converted completely before anything of it is written: a malformed or
//!   unexpected record fails the page, and nothing of that page is committed;
//! - the delta's next lower bound is the pull's start time (fixed before the first request),
//!   minus the overlap at query time; never a bare date;
//! - a windowed entity's `tranDate` lower bound is fixed when it is first pulled: one year
//!   before the earliest service's discovery (or before that first pull, without services).

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{Duration as ChronoDuration, Months, NaiveDate, Utc};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::entity::EntitySpec;
use crate::daemon::retry::RetryError;
use crate::daemon::Governor;
use crate::netsuite::error::ErrorClass;
use crate::netsuite::search::{Criterion, DateOperator, SearchQuery};
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
    /// The account's governor: concurrency limit, retries, metrics.
    pub governor: Governor,
    /// Safety overlap subtracted from the high-water mark of a delta.
    pub overlap: ChronoDuration,
    /// Soft stop: no new page is started; pages in flight finish and are committed.
    pub stop: CancellationToken,
    /// Hard stop: requests in flight are abandoned (their pages are fetched again on resume).
    pub cancel: CancellationToken,
    /// Pages fetched at the same time once the first page is known (the account's limiter
    /// still caps what is really in flight).
    pub page_concurrency: usize,
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

/// State of a pull in progress.
#[derive(Default)]
struct Pull {
    pages: u32,
    records: u64,
    inserted: u64,
    updated: u64,
    /// The typed query was refused: NetSuite's error, kept for the record.
    degraded: Option<WireError>,
    /// Running the plain search (records of other kinds are skipped, not errors).
    plain: bool,
}

/// One year before `at`, as a date (the first day of a service's window).
pub fn one_year_before(at: chrono::DateTime<Utc>) -> NaiveDate {
    let d = at.date_naive();
    d.checked_sub_months(Months::new(12)).unwrap_or(d)
}

/// Pulls one entity: resumes an open pull if there is one, otherwise starts a full pull (not
/// yet onboarded, or no delta possible) or a delta (since the high-water mark minus the
/// overlap). The outcome is `Degraded` when a permission was missing and the pull went on with
/// what it could read.
#[tracing::instrument(skip_all, fields(tenant = %ctx.tenant_id, entity = E::NAME))]
pub async fn pull_entity<E: EntitySpec>(ctx: &PullContext) -> (EntityOutcome, Result<(), SyncError>) {
    let mut pull = Pull::default();
    let mut mode = PullMode::Full;
    let result = run_pull::<E>(ctx, &mut pull, &mut mode).await;
    let (status, error_code, error) = match (&result, &pull.degraded) {
        (Ok(()), None) => (RunStatus::Succeeded, None, None),
        (Ok(()), Some(w)) => (RunStatus::Degraded, Some(w.label()), Some(w.to_string())),
        (Err(SyncError::Cancelled), _) => (RunStatus::Cancelled, Some("cancelled".to_string()), None),
        (Err(SyncError::Wire(w)), _) if w.class() == ErrorClass::Permission => {
            (RunStatus::Degraded, Some(w.label()), Some(w.to_string()))
        }
        (Err(SyncError::Wire(w)), _) => (RunStatus::Failed, Some(w.label()), Some(w.to_string())),
        (Err(SyncError::Store(e)), _) => (RunStatus::Failed, Some("database".to_string()), Some(e.to_string())),
    };
    let outcome = EntityOutcome {
        entity: E::NAME.to_string(),
        mode,
        status,
        pages: pull.pages,
        records: pull.records,
        inserted: pull.inserted,
        updated: pull.updated,
        error_code,
        error,
    };
    (outcome, result)
}

/// The query of a pull: the type filter unless running plain, the window, the delta bound.
/// (Public so that tests can validate every shape the daemon sends.)
pub fn query_for<E: EntitySpec>(
    window: Option<NaiveDate>,
    since: Option<chrono::DateTime<Utc>>,
    plain: bool,
) -> SearchQuery {
    let mut criteria = Vec::new();
    if let (Some(types), false) = (E::type_filter(), plain) {
        criteria.push(Criterion::AnyOfEnum { field: "type", values: types });
    }
    if let Some(start) = window {
        criteria.push(Criterion::Date {
            field: "tranDate",
            operator: DateOperator::OnOrAfter,
            value: start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
            value2: None,
        });
    }
    if let Some(since) = since {
        criteria.push(Criterion::Date {
            field: "lastModifiedDate",
            operator: DateOperator::OnOrAfter,
            value: since,
            value2: None,
        });
    }
    SearchQuery { search_type: E::search_type(), criteria, body_fields_only: E::body_fields_only() }
}

async fn run_pull<E: EntitySpec>(ctx: &PullContext, pull: &mut Pull, mode_out: &mut PullMode) -> Result<(), SyncError> {
    let started = Instant::now();
    let cursor = ctx.store.load_cursor(&ctx.tenant_id, E::NAME).await?;
    let (mode, since, window, resume) = match cursor.pull {
        Some(open) => {
            info!(mode = open.mode.as_str(), pages_done = open.pages_done, total_pages = ?open.total_pages, "resuming an interrupted pull");
            pull.plain = open.plain;
            let resume = match (open.search_id, open.total_pages) {
                (Some(id), Some(total)) if open.pages_done >= 1 => Some((id, open.pages_done, total)),
                _ => None,
            };
            (open.mode, open.since, open.window_start, resume)
        }
        None => {
            let (mode, since) = match (cursor.onboarded && E::supports_delta(), cursor.high_water) {
                (true, Some(hw)) => (PullMode::Delta, Some(hw - ctx.overlap)),
                _ => (PullMode::Full, None),
            };
            let window = if E::windowed() {
                match cursor.window_start {
                    Some(w) => Some(w),
                    None => {
                        let earliest = ctx.store.earliest_discovery(&ctx.tenant_id).await?.unwrap_or_else(Utc::now);
                        Some(one_year_before(earliest))
                    }
                }
            } else {
                None
            };
            // The high-water mark this pull will set: fixed now, before any request.
            ctx.store.begin_pull(&ctx.tenant_id, E::NAME, Utc::now(), mode, since, window).await?;
            (mode, since, window, None)
        }
    };
    *mode_out = mode;
    info!(mode = mode.as_str(), since = ?since, window_start = ?window, plain = pull.plain, "pull started");

    // Pages 1..=done are committed; the search is `search_id` with `total_pages` pages.
    let (mut search_id, mut done, mut total_pages) = match resume {
        Some((id, done, total)) => (Some(id), done, total),
        None => {
            let (id, total) = first_page::<E>(ctx, window, since, pull).await?;
            (id, 1, total)
        }
    };
    let mut restarts = 0;
    while done < total_pages {
        if ctx.stop.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let Some(id) = search_id.clone() else {
            return Err(WireError::Malformed("a search with more than one page returned no searchId".into()).into());
        };
        match fetch_pages::<E>(ctx, &id, done, total_pages, pull, started).await? {
            Round::Done { done: d, total } => {
                done = d;
                total_pages = total;
            }
            Round::Expired { done: d } => {
                info!(pages_done = d, "searchId expired; running the search again and resuming");
                done = d.max(1);
                let (id, total) = first_page_keeping::<E>(ctx, window, since, pull, done).await?;
                search_id = id;
                total_pages = total;
            }
            Round::Shifted { page } if restarts < 2 => {
                restarts += 1;
                warn!(page, "a page came back short: rows moved while paging; running the search again from page 1");
                let (id, total) = first_page::<E>(ctx, window, since, pull).await?;
                search_id = id;
                total_pages = total;
                done = 1;
            }
            Round::Shifted { page } => {
                warn!(
                    page,
                    "a page came back short again; keeping what was read (the next delta catches changed rows)"
                );
                let close =
                    PageCommit { page_index: total_pages, total_pages, search_id: None, pages_done: total_pages };
                ctx.store.commit_page(&ctx.tenant_id, E::NAME, E::batch(&[]), close).await?;
                done = total_pages;
            }
        }
    }
    info!(
        mode = mode.as_str(),
        pages = pull.pages,
        records = pull.records,
        inserted = pull.inserted,
        updated = pull.updated,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "pull finished"
    );
    Ok(())
}

/// How a round of parallel page fetches ended.
enum Round {
    /// Pages up to `done` are committed (all of them, unless the soft stop ended the round
    /// after the pages in flight were committed); the search now has `total` pages.
    Done { done: u32, total: u32 },
    /// The searchId expired; pages 1..=done are committed.
    Expired { done: u32 },
    /// A page other than the last came back short: rows moved between pages.
    Shifted { page: u32 },
}

/// Fetches pages `done+1..=total` of search `id`, several at a time, committing each as it
/// arrives; the cursor's `pages_done` only advances over a contiguous run of committed pages.
async fn fetch_pages<E: EntitySpec>(
    ctx: &PullContext,
    id: &str,
    mut done: u32,
    mut total: u32,
    pull: &mut Pull,
    started: Instant,
) -> Result<Round, SyncError> {
    let stop = ctx.stop.clone();
    let pages = futures::stream::iter(done + 1..=total)
        .take_while(move |_| std::future::ready(!stop.is_cancelled()))
        .map(|p| async move {
            let r = ctx
                .governor
                .call(&ctx.cancel, "searchMoreWithId", || {
                    ctx.client.search_more_with_id(E::search_type(), E::body_fields_only(), id, p)
                })
                .await;
            (p, r)
        })
        .buffer_unordered(ctx.page_concurrency.max(1));
    futures::pin_mut!(pages);
    let mut ahead: BTreeSet<u32> = BTreeSet::new();
    while let Some((p, result)) = pages.next().await {
        let page = match result {
            Ok(page) => page,
            Err(RetryError::Wire(e)) if e.class() == ErrorClass::ExpiredSearch => return Ok(Round::Expired { done }),
            Err(e) => return Err(e.into()),
        };
        if page.page_index < page.total_pages && page.page_size > 0 && (page.records.len() as u32) < page.page_size {
            return Ok(Round::Shifted { page: p });
        }
        total = total.max(page.total_pages);
        ahead.insert(p);
        while ahead.remove(&(done + 1)) {
            done += 1;
        }
        commit::<E>(ctx, page, Some(id), done, pull).await?;
        if ctx.progress_every > 0 && pull.pages % ctx.progress_every == 0 {
            let secs = started.elapsed().as_secs_f64().max(0.001);
            let rate = pull.records as f64 / secs;
            let eta = total.saturating_sub(pull.pages) as f64 * secs / pull.pages.max(1) as f64;
            info!(
                pages = pull.pages,
                total_pages = total,
                records = pull.records,
                rate = format!("{rate:.0}/s"),
                eta_s = eta as u64,
                "pull progress"
            );
        }
    }
    Ok(Round::Done { done, total })
}

/// Runs the search again after its searchId expired, keeping `done` pages as committed.
async fn first_page_keeping<E: EntitySpec>(
    ctx: &PullContext,
    window: Option<NaiveDate>,
    since: Option<chrono::DateTime<Utc>>,
    pull: &mut Pull,
    done: u32,
) -> Result<(Option<String>, u32), SyncError> {
    let query = query_for::<E>(window, since, pull.plain);
    let page = ctx.governor.call(&ctx.cancel, "search", || ctx.client.search(&query)).await?;
    let id = page.search_id.clone();
    let total = page.total_pages;
    // Page 1 again (idempotent), with the cursor still at `done`.
    commit::<E>(ctx, page, id.as_deref(), done, pull).await?;
    Ok((id, total))
}

/// Runs the search (falling back to the plain search when the typed one is refused for lack
/// of permission), commits page 1, returns the searchId and the total pages.
async fn first_page<E: EntitySpec>(
    ctx: &PullContext,
    window: Option<NaiveDate>,
    since: Option<chrono::DateTime<Utc>>,
    pull: &mut Pull,
) -> Result<(Option<String>, u32), SyncError> {
    let query = query_for::<E>(window, since, pull.plain);
    let page = match ctx.governor.call(&ctx.cancel, "search", || ctx.client.search(&query)).await {
        Ok(page) => page,
        Err(RetryError::Wire(e))
            if e.class() == ErrorClass::Permission && E::type_filter().is_some() && !pull.plain =>
        {
            warn!(error_code = %e.label(), error = %e, "typed search refused: degrading to a plain Transaction Search and keeping what it shows");
            pull.plain = true;
            pull.degraded = Some(e);
            ctx.store.set_pull_plain(&ctx.tenant_id, E::NAME).await?;
            let plain = query_for::<E>(window, since, true);
            ctx.governor.call(&ctx.cancel, "search", || ctx.client.search(&plain)).await?
        }
        Err(e) => return Err(e.into()),
    };
    let id = page.search_id.clone();
    let total = page.total_pages;
    debug!(total_records = page.total_records, total_pages = total, "search answered");
    commit::<E>(ctx, page, id.as_deref(), 1, pull).await?;
    Ok((id, total))
}

/// Converts a whole page, then commits it with the cursor. Records of other kinds are an
/// error for a typed search and skipped for a plain one.
async fn commit<E: EntitySpec>(
    ctx: &PullContext,
    page: SearchPage<RawRecord>,
    search_id: Option<&str>,
    pages_done: u32,
    pull: &mut Pull,
) -> Result<(), SyncError> {
    let mut records = Vec::with_capacity(page.records.len());
    for raw in &page.records {
        match E::convert(raw)? {
            Some(r) => records.push(r),
            None if pull.plain => {}
            None => {
                return Err(WireError::UnexpectedRecord {
                    expected: E::search_type().name(),
                    found: raw.record_type.clone(),
                }
                .into())
            }
        }
    }
    let commit = PageCommit { page_index: page.page_index, total_pages: page.total_pages, search_id, pages_done };
    let counts = ctx.store.commit_page(&ctx.tenant_id, E::NAME, E::batch(&records), commit).await?;
    pull.pages += 1;
    pull.records += records.len() as u64;
    pull.inserted += counts.inserted;
    pull.updated += counts.updated;
    debug!(
        page = page.page_index,
        total_pages = page.total_pages,
        records = records.len(),
        skipped = page.records.len() - records.len(),
        inserted = counts.inserted,
        updated = counts.updated,
        "page committed"
    );
    Ok(())
}
