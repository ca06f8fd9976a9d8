//! The paging loop: one pull of one entity, full or delta, resumable, checked page by page.
//!
//! Invariants:
//! - a page's records, the keys it received and the cursor are committed in one transaction,
//!   so a kill at any moment loses nothing and the next run resumes after the last committed
//!   page;
//! - every answer is checked against the search it belongs to (see [`check_page`]); a pull is
//!   complete only when every page is committed and the distinct records received equal the
//!   search's `totalRecords`, never because one page's totals say so;
//! - a contradiction runs the search again from page 1, within one restart budget per pull
//!   shared with expired searchIds, with exponential back-off; when the budget is spent the
//!   entity fails naming the contradiction and its next pull is a full one;
//! - a record that cannot be read is kept in `rejected_records` and does not stop its page;
//! - the delta's next lower bound is the pull's start time (fixed before the first request),
//!   minus the overlap at query time; never a bare date;
//! - a windowed entity's `tranDate` lower bound is fixed when it is first pulled: one year
//!   before the earliest service's discovery (or before that first pull, without services).

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use chrono::{Duration as ChronoDuration, Months, NaiveDate, Utc};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;
use tracing::{debug, info, warn, Instrument};
use uuid::Uuid;

use super::entity::EntitySpec;
use crate::governance::retry::RetryError;
use crate::governance::Governor;
use crate::netsuite::error::ErrorClass;
use crate::netsuite::search::{Criterion, DateOperator, DeletedQuery, SearchQuery};
use crate::netsuite::{Client, RawRecord, SearchPage, WireError};
use crate::store::{
    Cursor, Deletion, EntityOutcome, PageCommit, PageShape, PagesOutcome, PullClose, PullMode, Rejected, RunStatus,
    Store, UpsertCounts,
};

/// How often a pull may run its search again, and how long it waits first.
#[derive(Clone, Copy, Debug)]
pub struct RestartPolicy {
    /// Restarts allowed per pull (expired searchIds, short pages, contradictions together).
    pub max: u32,
    /// Wait before the first restart; doubled for each further one.
    pub base: Duration,
}

/// Everything a pull needs.
#[derive(Clone, Debug)]
pub struct PullContext {
    /// The database.
    pub store: Store,
    /// The tenant's NetSuite client.
    pub client: Client,
    /// The tenant's SuiteTalk REST client, for a `suiteql` tenant (`keyset.rs`).
    pub rest: Option<crate::netsuite::RestClient>,
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
    /// The restart budget of each pull.
    pub restarts: RestartPolicy,
    /// A full refresh of an onboarded entity this often (`None`: never).
    pub full_every: Option<ChronoDuration>,
    /// The run this pull belongs to (recorded with drift checks).
    pub run_id: Option<Uuid>,
}

/// NetSuite contradicted itself while paging: which page, what, expected and got.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("NetSuite's paging is inconsistent: page {page}: {what}: expected {expected}, got {got}")]
pub struct Inconsistency {
    /// The page whose answer contradicts the search (the last page for the final count).
    pub page: u32,
    /// What disagrees (`pageIndex`, `totalPages`, `records on the page`...).
    pub what: String,
    /// What the search promised.
    pub expected: String,
    /// What the answer said.
    pub got: String,
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
    /// The restart budget is spent; the last reason is kept.
    #[error("gave up after {restarts} restarts of the search: {last}")]
    GaveUp {
        /// Restarts made.
        restarts: u32,
        /// Why the last one was needed.
        last: String,
        /// Whether NetSuite's answers contradicted each other (a hole is possible: the next
        /// pull is a full one), rather than only expiring.
        inconsistent: bool,
    },
}

impl From<RetryError> for SyncError {
    fn from(e: RetryError) -> Self {
        match e {
            RetryError::Wire(w) => SyncError::Wire(w),
            RetryError::Cancelled => SyncError::Cancelled,
        }
    }
}

/// State of a pull in progress, for either transport (`keyset.rs` too).
#[derive(Default)]
pub(super) struct Pull {
    pub(super) pages: u32,
    pub(super) records: u64,
    pub(super) inserted: u64,
    pub(super) updated: u64,
    pub(super) deleted: u64,
    pub(super) rejected: u64,
    pub(super) restarts: u32,
    /// A permission was missing (typed query, getDeleted): NetSuite's error, kept for the
    /// record; or part of what NetSuite has cannot be read (deletions at one instant).
    pub(super) degraded: Option<Degradation>,
    /// Running the plain search or query (records of other kinds are skipped, not errors).
    pub(super) plain: bool,
}

impl Pull {
    /// Counts records written: those stored, those rejected, and what the upsert changed.
    pub(super) fn count_written(&mut self, stored: usize, rejected: usize, counts: &UpsertCounts) {
        self.records += stored as u64;
        self.rejected += rejected as u64;
        self.inserted += counts.inserted;
        self.updated += counts.updated;
    }

    /// The entity's outcome for the run record, once its pull ended with `result`.
    pub(super) fn outcome(&self, entity: &str, mode: PullMode, result: &Result<(), SyncError>) -> EntityOutcome {
        let (status, error_code, error) = status_of(self.rejected, &self.degraded, result);
        EntityOutcome {
            entity: entity.to_string(),
            mode,
            status,
            pages: self.pages,
            records: self.records,
            inserted: self.inserted,
            updated: self.updated,
            deleted: self.deleted,
            rejected: self.rejected,
            error_code,
            error,
        }
    }
}

/// One year before `at`, as a date (the first day of a service's window).
pub fn one_year_before(at: chrono::DateTime<Utc>) -> NaiveDate {
    let d = at.date_naive();
    d.checked_sub_months(Months::new(12)).unwrap_or(d)
}

/// Pulls one entity: resumes an open pull if there is one, otherwise starts a full pull (not
/// yet onboarded, no delta possible, a hole found earlier, or a full refresh due) or a delta
/// (since the high-water mark minus the overlap); then asks `getDeleted` for the entity's
/// deletions and, after a delta, compares NetSuite's count with ours. The outcome is
/// `Degraded` when a permission was missing or records could not be read, and the pull went
/// on with the rest.
#[tracing::instrument(skip_all, fields(tenant = %ctx.tenant_id, entity = E::NAME))]
pub async fn pull_entity<E: EntitySpec>(ctx: &PullContext) -> (EntityOutcome, Result<(), SyncError>) {
    let mut pull = Pull::default();
    let mut mode = PullMode::Full;
    let result = run_pull::<E>(ctx, &mut pull, &mut mode).await;
    (pull.outcome(E::NAME, mode, &result), result)
}

/// Why a pull that went on is degraded: NetSuite refused something, or we found that part of
/// what it has cannot be read.
#[derive(Debug)]
pub(super) enum Degradation {
    /// NetSuite's error (a missing permission).
    Wire(WireError),
    /// Our own finding: its code and message.
    Found {
        /// The error code recorded.
        code: &'static str,
        /// What was found, in words.
        message: String,
    },
}

impl From<WireError> for Degradation {
    fn from(e: WireError) -> Self {
        Degradation::Wire(e)
    }
}

/// The status, error code and message of one entity's pull, for the run record: `Degraded`
/// when a permission was missing or records could not be read, `Failed` with the error's code
/// otherwise.
fn status_of(
    rejected: u64,
    degraded: &Option<Degradation>,
    result: &Result<(), SyncError>,
) -> (RunStatus, Option<String>, Option<String>) {
    let rejected_note = (rejected > 0).then(|| {
        format!("{} record(s) could not be read; kept in rejected_records and tried again next run", rejected)
    });
    match (result, degraded) {
        (Ok(()), None) if rejected_note.is_some() => {
            (RunStatus::Degraded, Some("rejected_records".to_string()), rejected_note.clone())
        }
        (Ok(()), None) => (RunStatus::Succeeded, None, None),
        (Ok(()), Some(Degradation::Wire(w))) => (RunStatus::Degraded, Some(w.label()), Some(w.to_string())),
        (Ok(()), Some(Degradation::Found { code, message })) => {
            (RunStatus::Degraded, Some(code.to_string()), Some(message.clone()))
        }
        (Err(SyncError::Cancelled), _) => (RunStatus::Cancelled, Some("cancelled".to_string()), None),
        (Err(SyncError::Wire(w)), _) if w.class() == ErrorClass::Permission => {
            (RunStatus::Degraded, Some(w.label()), Some(w.to_string()))
        }
        (Err(SyncError::Wire(w)), _) => (RunStatus::Failed, Some(w.label()), Some(w.to_string())),
        (Err(SyncError::Store(e)), _) => (RunStatus::Failed, Some("database".to_string()), Some(e.to_string())),
        (Err(e @ SyncError::GaveUp { inconsistent, .. }), _) => {
            let code = if *inconsistent { "inconsistent_paging" } else { "restarts_exhausted" };
            (RunStatus::Failed, Some(code.to_string()), Some(e.to_string()))
        }
    }
}

/// A new pull of `E`, planned from its cursor: its mode, delta bound, window, whether it is a
/// refresh, and its start (the high-water mark it will set), fixed now, before any request.
#[derive(Clone, Copy, Debug)]
pub(super) struct NewPull {
    pub mode: PullMode,
    pub since: Option<chrono::DateTime<Utc>>,
    pub window: Option<NaiveDate>,
    pub refresh: bool,
    pub started_at: chrono::DateTime<Utc>,
}

/// Plans a new pull of `E` from its cursor, for either transport: full (not yet onboarded, no
/// delta possible, a hole found earlier, a full refresh due, records rejected without a key)
/// or a delta (since the high-water mark minus the overlap); the window fixed at onboarding.
/// Reads only: [`Store::begin_pull`] records it (see [`begin_new_pull`]).
pub(super) async fn plan_new_pull<E: EntitySpec>(ctx: &PullContext, cursor: &Cursor) -> Result<NewPull, SyncError> {
    let now = Utc::now();
    let refresh_due =
        cursor.onboarded && ctx.full_every.is_some_and(|every| cursor.last_full_at.map_or(true, |t| now - t >= every));
    let unkeyed = ctx.store.has_unkeyed_rejections(&ctx.tenant_id, E::NAME).await?;
    let full = !cursor.onboarded
        || !E::supports_delta()
        || cursor.force_full.is_some()
        || refresh_due
        || unkeyed
        || cursor.high_water.is_none();
    if let Some(reason) = &cursor.force_full {
        warn!(reason = %reason, "pulling in full: an earlier pull left a possible hole");
    } else if refresh_due && E::supports_delta() {
        info!(last_full_at = ?cursor.last_full_at, "periodic full refresh due");
    }
    let (mode, since) = match (full, cursor.high_water) {
        (false, Some(hw)) => (PullMode::Delta, Some(hw - ctx.overlap)),
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
    let refresh = mode == PullMode::Full && cursor.onboarded;
    Ok(NewPull { mode, since, window, refresh, started_at: now })
}

/// Records a planned pull as begun (replacing any open one).
async fn record_begun<E: EntitySpec>(ctx: &PullContext, p: &NewPull) -> Result<(), SyncError> {
    Ok(ctx.store.begin_pull(&ctx.tenant_id, E::NAME, p.started_at, p.mode, p.since, p.window, p.refresh).await?)
}

/// Plans a new pull of `E` ([`plan_new_pull`]) and records it as begun, before any request.
pub(super) async fn begin_new_pull<E: EntitySpec>(ctx: &PullContext, cursor: &Cursor) -> Result<NewPull, SyncError> {
    let p = plan_new_pull::<E>(ctx, cursor).await?;
    record_begun::<E>(ctx, &p).await?;
    Ok(p)
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

/// The query that fetches records again by internal id (those that could not be read).
pub fn query_for_ids<E: EntitySpec>(ids: &[String], plain: bool) -> SearchQuery {
    let mut q = query_for::<E>(None, None, plain);
    q.criteria.push(Criterion::AnyOfIds { field: "internalId", ids: ids.to_vec() });
    q
}

/// Records read and waiting to be written while the next pages are fetched: a page's worth at
/// the largest page size. As pages (the fetch→write channel's capacity), at least one: enough
/// to keep the writer busy. Short pages can wait by the dozen (see [`pages_waiting`]): a
/// fetcher that waits to hand a page over asks for no page meanwhile, so with room for one
/// short page only, every commit that took a while held up the next requests. Memory is a
/// matter of records, not pages: measured, letting full pages of transactions wait five at a
/// time took the onboarding's peak from 39 to 71 MiB.
const RECORDS_WAITING: u32 = 1000;

/// Pages that may wait to be written, for pages of `page_size` records.
fn pages_waiting(page_size: u32) -> usize {
    (RECORDS_WAITING / page_size.max(1)).max(1) as usize
}

/// Where the paging stands: the search, its promised shape, pages 1..=done committed.
#[derive(Clone, Debug)]
struct Position {
    search_id: Option<String>,
    shape: PageShape,
    done: u32,
}

/// How a stretch of paging ended.
enum Step {
    /// Every page is committed.
    Complete(Position),
    /// The searchId expired; pages 1..=done of `Position` are committed.
    Expired(Position),
    /// NetSuite contradicted itself.
    Inconsistent(Inconsistency),
}

async fn run_pull<E: EntitySpec>(ctx: &PullContext, pull: &mut Pull, mode_out: &mut PullMode) -> Result<(), SyncError> {
    let started = Instant::now();
    let cursor = ctx.store.load_cursor(&ctx.tenant_id, E::NAME).await?;
    // A new pull is planned here and recorded as begun while its first requests are in flight.
    let mut fresh: Option<NewPull> = None;
    let (mode, since, window, refresh, started_at, mut position) = match cursor.pull {
        Some(open) => {
            info!(mode = open.mode.as_str(), pages_done = open.pages_done, shape = ?open.shape, "resuming an interrupted pull");
            pull.plain = open.plain;
            let position = match open.shape {
                Some(shape) if open.pages_done >= 1 => {
                    Some(Position { search_id: open.search_id, shape, done: open.pages_done })
                }
                _ => None,
            };
            (open.mode, open.since, open.window_start, open.refresh, open.started_at, position)
        }
        None => {
            let p = plan_new_pull::<E>(ctx, &cursor).await?;
            fresh = Some(p);
            (p.mode, p.since, p.window, p.refresh, p.started_at, None)
        }
    };
    *mode_out = mode;
    info!(mode = mode.as_str(), since = ?since, window_start = ?window, plain = pull.plain, refresh, "pull started");
    // getDeleted runs beside the pages (asked once a page after page 1 is in hand, or page 1
    // when it is the only one, so that the paging's first requests keep their order), from
    // the deletion mark (for an entity without one, the pull's start: `finish_pull` sets it
    // so); what it reports is applied after the pages.
    let mut deletions = DeletionState::Due(cursor.deleted_high_water.unwrap_or(started_at));
    // Page 1 of a search just run, checked but not yet committed.
    let mut first: Option<ReadPage<E::Record>> = None;

    loop {
        if ctx.stop.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let step = match position.take() {
            Some(pos) => page_through::<E>(ctx, pos, first.take(), &mut deletions, pull, started).await?,
            None => {
                let page = match fresh.take() {
                    // Just planned: nothing received to forget; the pull is recorded as begun
                    // while page 1 is asked for (its start was fixed before).
                    Some(p) => {
                        let (begun, answer) =
                            tokio::join!(record_begun::<E>(ctx, &p), ask_search::<E>(ctx, window, since, pull.plain));
                        begun?;
                        settle_search::<E>(ctx, answer, window, since, pull).await?
                    }
                    None => {
                        // A fresh search: what an earlier attempt of this pull received is forgotten.
                        ctx.store.restart_pull(&ctx.tenant_id, E::NAME).await?;
                        run_search::<E>(ctx, window, since, pull).await?
                    }
                };
                match start_search::<E>(page, None, pull.plain) {
                    Ok((pos, page)) => page_through::<E>(ctx, pos, Some(page), &mut deletions, pull, started).await?,
                    Err(inc) => Step::Inconsistent(inc),
                }
            }
        };
        match step {
            Step::Complete(pos) => {
                let seen = ctx.store.seen_count(&ctx.tenant_id, E::NAME).await?;
                if seen == u64::from(pos.shape.total_records) {
                    break;
                }
                let inc = Inconsistency {
                    page: pos.shape.total_pages,
                    what: "distinct records received by the end of the search".into(),
                    expected: format!("{} (totalRecords)", pos.shape.total_records),
                    got: seen.to_string(),
                };
                restart::<E>(ctx, pull, &inc.to_string(), true).await?;
            }
            Step::Inconsistent(inc) => {
                warn!(page = inc.page, what = %inc.what, expected = %inc.expected, got = %inc.got, "NetSuite's paging is inconsistent; running the search again from page 1");
                restart::<E>(ctx, pull, &inc.to_string(), true).await?;
            }
            Step::Expired(pos) => {
                info!(pages_done = pos.done, "searchId expired; running the search again and resuming");
                restart::<E>(ctx, pull, "the searchId expired (INVALID_JOB_ID)", false).await?;
                let page = run_search::<E>(ctx, window, since, pull).await?;
                match start_search::<E>(page, Some(&pos), pull.plain) {
                    Ok((next, page)) => {
                        position = Some(next);
                        first = Some(page);
                    }
                    Err(inc) => {
                        // The search changed shape while we were away: start it over.
                        info!(reason = %inc, "the search's totals changed; paging it again from page 1");
                    }
                }
            }
        }
    }

    // Complete and consistent: close it, marking as deleted what a full pull of the typed
    // search no longer finds. Without records to fetch again after it (a full pull), what
    // getDeleted reported is marked, and its mark moved, in the same transaction.
    let mark_missing = (mode == PullMode::Full && !pull.plain).then_some(window);
    // A read that failed does not keep the pull from closing; its error is the entity's after.
    let deletions = deletions.into_read();
    let (reported, read_failed, deletions) = match mode {
        PullMode::Full => match reported_deletions(pull, deletions).await {
            Ok(reported) => (reported, None, None),
            Err(e) => (None, Some(e), None),
        },
        PullMode::Delta => (None, None, deletions),
    };
    let close = PullClose {
        full: mode == PullMode::Full,
        mark_missing,
        reported: reported.as_ref().map_or(&[], |(r, _)| r.as_slice()),
        deleted_mark: reported.as_ref().and_then(|(_, mark)| *mark),
    };
    let closed = ctx.store.finish_pull(&ctx.tenant_id, E::NAME, close).await?;
    if closed.missing > 0 {
        info!(marked = closed.missing, "records no longer in NetSuite marked deleted by the full pull");
    }
    if closed.reported > 0 {
        info!(marked = closed.reported, "records NetSuite reports deleted marked deleted");
    }
    pull.deleted += closed.missing + closed.reported;
    if let Some(e) = read_failed {
        return Err(e);
    }

    if mode == PullMode::Delta {
        retry_rejected::<E>(ctx, pull).await?;
    }
    apply_reported_deletions::<E>(ctx, pull, deletions).await?;
    if mode == PullMode::Delta && !pull.plain {
        reconcile::<E>(ctx, window).await?;
    }
    info!(
        mode = mode.as_str(),
        pages = pull.pages,
        records = pull.records,
        inserted = pull.inserted,
        updated = pull.updated,
        deleted = pull.deleted,
        rejected = pull.rejected,
        restarts = pull.restarts,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "pull finished"
    );
    Ok(())
}

/// Spends one restart of the pull's budget and waits its back-off; when the budget is spent,
/// fails, and for a contradiction gives the open pull up so the next one is full.
async fn restart<E: EntitySpec>(
    ctx: &PullContext,
    pull: &mut Pull,
    reason: &str,
    inconsistent: bool,
) -> Result<(), SyncError> {
    if pull.restarts >= ctx.restarts.max {
        let err = SyncError::GaveUp { restarts: pull.restarts, last: reason.to_string(), inconsistent };
        if inconsistent {
            ctx.store.abandon_pull(&ctx.tenant_id, E::NAME, &err.to_string()).await?;
        }
        metrics::counter!("pull_gave_up_total", "entity" => E::NAME).increment(1);
        return Err(err);
    }
    pull.restarts += 1;
    metrics::counter!("search_restarts_total", "entity" => E::NAME).increment(1);
    let wait = ctx.restarts.base.saturating_mul(1u32 << (pull.restarts - 1).min(16));
    debug!(restart = pull.restarts, wait_ms = wait.as_millis() as u64, reason, "restarting the search");
    tokio::select! {
        _ = tokio::time::sleep(wait) => Ok(()),
        _ = ctx.cancel.cancelled() => Err(SyncError::Cancelled),
        _ = ctx.stop.cancelled() => Err(SyncError::Cancelled),
    }
}

/// Asks for page 1 of the pull's search (typed, or plain).
async fn ask_search<E: EntitySpec>(
    ctx: &PullContext,
    window: Option<NaiveDate>,
    since: Option<chrono::DateTime<Utc>>,
    plain: bool,
) -> Result<SearchPage<PulledRecord<E::Record>>, RetryError> {
    let query = query_for::<E>(window, since, plain);
    ctx.governor.call(&ctx.cancel, "search", || ctx.client.search_read(&query, read_record::<E>)).await
}

/// Page 1 from the search's answer, falling back to the plain search when the typed one is
/// refused for lack of permission.
async fn settle_search<E: EntitySpec>(
    ctx: &PullContext,
    answer: Result<SearchPage<PulledRecord<E::Record>>, RetryError>,
    window: Option<NaiveDate>,
    since: Option<chrono::DateTime<Utc>>,
    pull: &mut Pull,
) -> Result<SearchPage<PulledRecord<E::Record>>, SyncError> {
    match answer {
        Ok(page) => Ok(page),
        Err(RetryError::Wire(e))
            if e.class() == ErrorClass::Permission && E::type_filter().is_some() && !pull.plain =>
        {
            warn!(error_code = %e.label(), error = %e, "typed search refused: degrading to a plain Transaction Search and keeping what it shows");
            pull.plain = true;
            pull.degraded = Some(e.into());
            ctx.store.set_pull_plain(&ctx.tenant_id, E::NAME).await?;
            Ok(ask_search::<E>(ctx, window, since, true).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs the pull's search (falling back to the plain search when the typed one is refused
/// for lack of permission) and returns page 1.
async fn run_search<E: EntitySpec>(
    ctx: &PullContext,
    window: Option<NaiveDate>,
    since: Option<chrono::DateTime<Utc>>,
    pull: &mut Pull,
) -> Result<SearchPage<PulledRecord<E::Record>>, SyncError> {
    let answer = ask_search::<E>(ctx, window, since, pull.plain).await;
    settle_search::<E>(ctx, answer, window, since, pull).await
}

/// Checks page 1 of a search and returns where the paging stands with it, page 1 to be
/// committed by [`page_through`] (after it has asked for the next pages: page 1's header is
/// all they need). With `keep`, the search was run again after its searchId expired: if it
/// has the same shape the pull goes on after `keep.done`, otherwise it is an inconsistency
/// (the caller starts over).
fn start_search<E: EntitySpec>(
    page: SearchPage<PulledRecord<E::Record>>,
    keep: Option<&Position>,
    plain: bool,
) -> Result<(Position, ReadPage<E::Record>), Inconsistency> {
    let page = read_page::<E>(page, plain);
    let shape = page.shape;
    check_shape(&shape)?;
    if let Some(keep) = keep {
        if keep.shape != shape {
            return Err(Inconsistency {
                page: 1,
                what: "totals of the search run again after its searchId expired".into(),
                expected: describe(&keep.shape),
                got: describe(&shape),
            });
        }
    }
    check_page(1, &page, &shape)?;
    debug!(total_records = shape.total_records, total_pages = shape.total_pages, "search answered");
    let done = keep.map_or(1, |k| k.done.max(1));
    Ok((Position { search_id: page.search_id.clone(), shape, done }, page))
}

fn describe(s: &PageShape) -> String {
    format!("totalRecords {}, pageSize {}, totalPages {}", s.total_records, s.page_size, s.total_pages)
}

/// The totals of page 1 must agree with each other: `totalPages = ceil(totalRecords /
/// pageSize)`.
fn check_shape(s: &PageShape) -> Result<(), Inconsistency> {
    if s.total_records == 0 {
        if s.total_pages > 1 {
            return Err(Inconsistency {
                page: 1,
                what: "totalPages of an empty search".into(),
                expected: "0".into(),
                got: s.total_pages.to_string(),
            });
        }
        return Ok(());
    }
    if s.page_size == 0 {
        return Err(Inconsistency {
            page: 1,
            what: "pageSize".into(),
            expected: "a positive page size".into(),
            got: "0 or none".into(),
        });
    }
    let expected = s.total_records.div_ceil(s.page_size);
    if s.total_pages != expected {
        return Err(Inconsistency {
            page: 1,
            what: format!("totalPages for totalRecords {} and pageSize {}", s.total_records, s.page_size),
            expected: expected.to_string(),
            got: s.total_pages.to_string(),
        });
    }
    Ok(())
}

/// An answer to "page `asked`" must be that page, report the totals of page 1, be full
/// unless it is the last page (which holds exactly the rest), and hold no record twice.
fn check_page<R>(asked: u32, page: &ReadPage<R>, shape: &PageShape) -> Result<(), Inconsistency> {
    let err =
        |what: &str, expected: String, got: String| Inconsistency { page: asked, what: what.into(), expected, got };
    let got = &page.shape;
    if page.page_index != asked {
        return Err(err("pageIndex", asked.to_string(), page.page_index.to_string()));
    }
    if got.total_records != shape.total_records {
        return Err(err("totalRecords", shape.total_records.to_string(), got.total_records.to_string()));
    }
    if got.page_size != shape.page_size && shape.total_records > 0 {
        return Err(err("pageSize", shape.page_size.to_string(), got.page_size.to_string()));
    }
    if got.total_pages != shape.total_pages {
        return Err(err("totalPages", shape.total_pages.to_string(), got.total_pages.to_string()));
    }
    let expected_rows = if shape.total_records == 0 {
        0
    } else if asked < shape.total_pages {
        shape.page_size
    } else {
        shape.total_records - (shape.total_pages - 1) * shape.page_size
    };
    if page.keys.len() as u64 != u64::from(expected_rows) {
        return Err(err("records on the page", expected_rows.to_string(), page.keys.len().to_string()));
    }
    let mut keys = HashSet::with_capacity(page.keys.len());
    for key in &page.keys {
        if !keys.insert(key.as_str()) {
            return Err(err("distinct records on the page", "no internal id twice".into(), format!("{key} twice")));
        }
    }
    Ok(())
}

/// A record's key: its internal id, or a hash of its XML when it has none.
fn record_key(body: &[u8], r: &RawRecord) -> String {
    if !r.internal_id.is_empty() {
        return r.internal_id.to_string();
    }
    let digest = Sha256::digest(r.xml_in(body).as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("xml:{hex}")
}

/// Fetches pages `done+1..=total` of the search, several at a time, checking and committing
/// each as it arrives; the cursor's `pages_done` only advances over a contiguous run. `first`
/// is page 1 of a search just run (checked, to be committed with `pages_done = done`): the
/// next pages are asked for before it is committed, and it commits before any of them.
async fn page_through<E: EntitySpec>(
    ctx: &PullContext,
    pos: Position,
    first: Option<ReadPage<E::Record>>,
    deletions: &mut DeletionState,
    pull: &mut Pull,
    started: Instant,
) -> Result<Step, SyncError> {
    let Position { search_id, shape, mut done } = pos;
    let more = done < shape.total_pages;
    let id = match (&search_id, more) {
        (Some(id), true) => id.clone(),
        (None, true) => {
            return Ok(Step::Inconsistent(Inconsistency {
                page: 1,
                what: "searchId of a search with more than one page".into(),
                expected: "a searchId".into(),
                got: "none".into(),
            }))
        }
        (_, false) => String::new(),
    };
    // Fetching and writing overlap: a task of its own fetches, parses and converts pages,
    // several at a time, into a bounded channel; this loop checks and commits them. Memory
    // stays bounded: the requests in flight (each with its body until the page is read), the
    // pages read and waiting (at most a full page's worth of records), one in the fetcher's
    // hand, and those being written (what waited, committed together, see below). A page
    // waiting holds only its typed records. Leaving this function ends the fetching.
    // Sized by the page size asked for, or the one answered if larger: an answer that lies
    // about its page size does not make room for more records.
    let (tx, mut rx) = tokio::sync::mpsc::channel(pages_waiting(ctx.client.page_size().max(shape.page_size)));
    let plain = pull.plain;
    let _fetcher = more.then(|| {
        AbortOnDropHandle::new(tokio::spawn(
            fetch_pages::<E>(ctx.clone(), id.clone(), done + 1, shape.total_pages, plain, tx)
                // Its retries and warnings are logged in the pull's span (tenant, entity).
                .in_current_span(),
        ))
    });
    if let Some(page) = first {
        if let Err(inc) = commit::<E>(ctx, vec![page], search_id.as_deref(), shape, done, pull).await? {
            return Ok(Step::Inconsistent(inc));
        }
    }
    if !more {
        deletions.ask::<E>(ctx);
        return Ok(Step::Complete(Position { search_id, shape, done }));
    }
    let mut ahead: BTreeSet<u32> = BTreeSet::new();
    while let Some(item) = rx.recv().await {
        // The pages that arrived while the last commit ran are checked and committed together,
        // in one transaction; a failed answer ends the round after those before it.
        let mut arrived = vec![item];
        while let Ok(more) = rx.try_recv() {
            arrived.push(more);
        }
        let mut pages = Vec::with_capacity(arrived.len());
        let mut ended: Option<Step> = None;
        for (p, result) in arrived {
            let page = match result {
                Ok(page) => page,
                Err(RetryError::Wire(e)) if e.class() == ErrorClass::ExpiredSearch => {
                    ended = Some(Step::Expired(Position { search_id: Some(id.clone()), shape, done: 0 }));
                    break;
                }
                // A page inside the totalPages page 1 promised, refused as out of range.
                Err(RetryError::Wire(WireError::NetSuite { code, message, .. }))
                    if code.as_str() == "INVALID_PAGE_INDEX" =>
                {
                    ended = Some(Step::Inconsistent(Inconsistency {
                        page: p,
                        what: format!("a page within totalPages {}", shape.total_pages),
                        expected: format!("page {p}"),
                        got: format!("INVALID_PAGE_INDEX: {message}"),
                    }));
                    break;
                }
                Err(e) => return Err(e.into()),
            };
            if let Err(inc) = check_page(p, &page, &shape) {
                ended = Some(Step::Inconsistent(inc));
                break;
            }
            pages.push(page);
        }
        if !pages.is_empty() {
            deletions.ask::<E>(ctx);
            ahead.extend(pages.iter().map(|page| page.page_index));
            let mut next = done;
            while ahead.contains(&(next + 1)) {
                next += 1;
            }
            let before = pull.pages;
            if let Err(inc) = commit::<E>(ctx, pages, Some(&id), shape, next, pull).await? {
                return Ok(Step::Inconsistent(inc));
            }
            while ahead.remove(&(done + 1)) {
                done += 1;
            }
            let every = ctx.progress_every;
            if every > 0 && before / every != pull.pages / every {
                progress(pull, shape, started);
            }
        }
        match ended {
            Some(Step::Expired(pos)) => return Ok(Step::Expired(Position { done, ..pos })),
            Some(step) => return Ok(step),
            None => {}
        }
    }
    if done < shape.total_pages {
        // The soft stop ended the round; what arrived is committed.
        return Err(SyncError::Cancelled);
    }
    Ok(Step::Complete(Position { search_id, shape, done }))
}

/// Logs how far the pull is, how fast and how long it still needs.
fn progress(pull: &Pull, shape: PageShape, started: Instant) {
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let rate = pull.records as f64 / secs;
    let eta = shape.total_pages.saturating_sub(pull.pages) as f64 * secs / pull.pages.max(1) as f64;
    info!(
        pages = pull.pages,
        total_pages = shape.total_pages,
        records = pull.records,
        rate = format!("{rate:.0}/s"),
        eta_s = eta as u64,
        "pull progress"
    );
}

/// Fetches pages `from..=to` of search `id`, up to the context's concurrency at a time, reads
/// each (see [`read_page`]) and sends it (in the order they arrive) to `out`; stops at the soft
/// stop or when the receiver is gone.
async fn fetch_pages<E: EntitySpec>(
    ctx: PullContext,
    id: String,
    from: u32,
    to: u32,
    plain: bool,
    out: tokio::sync::mpsc::Sender<Fetched<E::Record>>,
) {
    let stop = ctx.stop.clone();
    let (ctx, id) = (&ctx, id.as_str());
    let pages = futures::stream::iter(from..=to)
        .take_while(move |_| std::future::ready(!stop.is_cancelled()))
        .map(|p| async move {
            let r = ctx
                .governor
                .call(&ctx.cancel, "searchMoreWithId", || {
                    ctx.client.search_more_with_id_read(
                        E::search_type(),
                        E::body_fields_only(),
                        id,
                        p,
                        read_record::<E>,
                    )
                })
                .await;
            // Read at once: the body and the parsed XML are dropped here, before the page
            // waits in the channel.
            (p, r.map(|page| read_page::<E>(page, plain)))
        })
        .buffer_unordered(ctx.page_concurrency.max(1));
    futures::pin_mut!(pages);
    while let Some(item) = pages.next().await {
        if out.send(item).await.is_err() {
            return;
        }
    }
}

/// What the fetcher sends: the page asked for, and the page read or why it could not be had.
type Fetched<R> = (u32, Result<ReadPage<R>, RetryError>);

/// A page as a pull holds it once read: what NetSuite said of it, the key of every record
/// (what the checks need) and its records converted. The response body and the records parsed
/// from it are gone, so a page waiting to be written holds only its typed records (and the
/// XML of those that could not be read).
struct ReadPage<R> {
    page_index: u32,
    /// The totals this answer reported.
    shape: PageShape,
    search_id: Option<String>,
    /// The key of every record of the page, readable or not, in the page's order.
    keys: Vec<String>,
    /// The records converted, or why the page as a whole cannot be (reported after the
    /// page's checks, which come first).
    converted: Result<Converted<R>, WireError>,
}

/// A page converted: the typed records, the records that could not be read.
struct Converted<R> {
    records: Vec<R>,
    rejected: Vec<Rejected>,
}

/// A record of a page as the pull keeps it: read (its key taken, then converted) by the parser
/// as soon as the record was parsed, while it was still in cache ([`read_record`]).
struct PulledRecord<R> {
    key: String,
    read: Read<R>,
}

/// What a record of a page became.
enum Read<R> {
    Record(R),
    /// A record of a kind the entity does not convert (a plain search brings every kind).
    Other {
        record_type: compact_str::CompactString,
    },
    Unreadable(Unreadable),
}

/// A record that could not be converted: why, and what is kept of it.
struct Unreadable {
    error: WireError,
    internal_id: Option<String>,
    record_type: compact_str::CompactString,
    /// Its XML as NetSuite sent it (not taken for a record of a type the search does not
    /// allow: that fails the page).
    xml: String,
}

/// Reads one record of a page as it is parsed: its key and its conversion; `body` is the
/// answer its span points into.
fn read_record<E: EntitySpec>(raw: &RawRecord, body: &[u8]) -> PulledRecord<E::Record> {
    let key = record_key(body, raw);
    let converted = match &raw.defect {
        Some(defect) => Err(WireError::Malformed(defect.clone())),
        None => E::convert(raw),
    };
    let read = match converted {
        Ok(Some(r)) => Read::Record(r),
        Ok(None) => Read::Other { record_type: raw.record_type.clone() },
        Err(error) => {
            let xml =
                if matches!(error, WireError::UnexpectedRecord { .. }) { String::new() } else { raw.xml_in(body) };
            Read::Unreadable(Unreadable {
                error,
                internal_id: (!raw.internal_id.is_empty()).then(|| raw.internal_id.to_string()),
                record_type: raw.record_type.clone(),
                xml,
            })
        }
    };
    PulledRecord { key, read }
}

/// Takes a page read record by record: its records' keys, and its records converted (see
/// [`convert_page`]). The response body and the parsed records are gone by now, so a page
/// waiting to be written holds only its typed records (and the XML of those that could not be
/// read).
fn read_page<E: EntitySpec>(page: SearchPage<PulledRecord<E::Record>>, plain: bool) -> ReadPage<E::Record> {
    let (keys, converted) = convert_page::<E>(page.records, plain);
    ReadPage {
        page_index: page.page_index,
        shape: PageShape {
            total_records: page.total_records,
            page_size: page.page_size,
            total_pages: page.total_pages,
        },
        search_id: page.search_id,
        keys,
        converted,
    }
}

/// Every record's key, in the page's order, and the records converted. A record that cannot be
/// read is rejected alone; a record of another kind fails the page for a typed search and is
/// skipped by a plain one.
fn convert_page<E: EntitySpec>(
    records: Vec<PulledRecord<E::Record>>,
    plain: bool,
) -> (Vec<String>, Result<Converted<E::Record>, WireError>) {
    let mut keys = Vec::with_capacity(records.len());
    let mut out = Ok(Converted { records: Vec::with_capacity(records.len()), rejected: Vec::new() });
    for PulledRecord { key, read } in records {
        if let Ok(c) = &mut out {
            match read {
                Read::Record(r) => c.records.push(r),
                Read::Other { .. } if plain => {}
                Read::Other { record_type } => {
                    out = Err(WireError::UnexpectedRecord {
                        expected: E::search_type().name(),
                        found: record_type.to_string(),
                    });
                }
                Read::Unreadable(Unreadable { error: e @ WireError::UnexpectedRecord { .. }, .. }) => out = Err(e),
                Read::Unreadable(Unreadable { error, internal_id, record_type, xml }) => {
                    warn!(internal_id = ?internal_id, record_type = %record_type, error = %error, "a record cannot be read; keeping it in rejected_records");
                    c.rejected.push(Rejected { key: key.clone(), internal_id, error: error.to_string(), xml });
                }
            }
        }
        keys.push(key);
    }
    (keys, out)
}

/// Commits pages read and checked with the keys they received, their rejected records and the
/// cursor, in one transaction (a page that could not be converted fails the pull here). When
/// a page repeats a record another page of the pull brought, nothing is written and that is
/// returned as an inconsistency.
async fn commit<E: EntitySpec>(
    ctx: &PullContext,
    pages: Vec<ReadPage<E::Record>>,
    search_id: Option<&str>,
    shape: PageShape,
    pages_done: u32,
    pull: &mut Pull,
) -> Result<Result<(), Inconsistency>, SyncError> {
    // One batch of every page's records (the first page's vector, the others moved into it),
    // and each page's keys and rejected records.
    let mut records: Vec<E::Record> = Vec::new();
    let mut read = Vec::with_capacity(pages.len());
    for page in pages {
        let ReadPage { page_index, keys, converted, .. } = page;
        let Converted { records: mut these, rejected } = converted?;
        if records.is_empty() {
            std::mem::swap(&mut records, &mut these);
        } else {
            records.append(&mut these);
        }
        read.push((page_index, keys, rejected));
    }
    let commits: Vec<PageCommit<'_>> = read
        .iter()
        .map(|(page_index, keys, rejected)| PageCommit {
            page_index: *page_index,
            shape,
            search_id,
            pages_done,
            seen: keys,
            rejected,
        })
        .collect();
    let counts = match ctx.store.commit_pages(&ctx.tenant_id, E::NAME, E::batch(&records), &commits).await? {
        PagesOutcome::Committed(c) => c,
        PagesOutcome::Overlap { page, key, other_page } => {
            return Ok(Err(Inconsistency {
                page,
                what: "records already received on another page".into(),
                expected: "none".into(),
                got: format!("{key}, first received on page {other_page}"),
            }));
        }
    };
    let rejected: usize = read.iter().map(|(_, _, r)| r.len()).sum();
    let keys: usize = read.iter().map(|(_, k, _)| k.len()).sum();
    pull.pages += read.len() as u32;
    pull.count_written(records.len(), rejected, &counts);
    debug!(
        pages = ?read.iter().map(|(p, _, _)| *p).collect::<Vec<_>>(),
        total_pages = shape.total_pages,
        records = records.len(),
        rejected,
        skipped = keys - records.len() - rejected,
        inserted = counts.inserted,
        updated = counts.updated,
        "pages committed"
    );
    Ok(Ok(()))
}

/// Fetches the records that could not be read before (by internal id) and stores those that
/// now can; the others stay rejected.
async fn retry_rejected<E: EntitySpec>(ctx: &PullContext, pull: &mut Pull) -> Result<(), SyncError> {
    let ids = ctx.store.rejected_ids(&ctx.tenant_id, E::NAME).await?;
    for chunk in ids.chunks(ctx.client.page_size().max(5) as usize) {
        let query = query_for_ids::<E>(chunk, pull.plain);
        let page =
            ctx.governor.call(&ctx.cancel, "search", || ctx.client.search_read(&query, read_record::<E>)).await?;
        // At most one page: no more ids than the page size were asked for.
        let page = read_page::<E>(page, pull.plain);
        let converted = page.converted?;
        let counts = ctx
            .store
            .commit_records(
                &ctx.tenant_id,
                E::NAME,
                E::batch(&converted.records),
                chunk,
                &page.keys,
                &converted.rejected,
            )
            .await?;
        info!(
            asked = chunk.len(),
            stored = converted.records.len(),
            still_rejected = converted.rejected.len(),
            "records rejected earlier fetched again"
        );
        pull.count_written(converted.records.len(), converted.rejected.len(), &counts);
    }
    Ok(())
}

/// A `getDeleted` read running beside a pull's pages: the mark it moves to, fixed before its
/// first request, and the task asking.
struct DeletionRead {
    mark: chrono::DateTime<Utc>,
    task: AbortOnDropHandle<Result<Reported, SyncError>>,
}

/// The `getDeleted` read of a pull: due (from this deletion mark), or asked.
enum DeletionState {
    Due(chrono::DateTime<Utc>),
    Asked(Option<DeletionRead>),
}

impl DeletionState {
    /// Asks now, unless asked already.
    fn ask<E: EntitySpec>(&mut self, ctx: &PullContext) {
        if let DeletionState::Due(known) = *self {
            *self = DeletionState::Asked(start_deletions::<E>(ctx, known));
        }
    }

    /// The read asked, if any.
    fn into_read(self) -> Option<DeletionRead> {
        match self {
            DeletionState::Due(_) => None,
            DeletionState::Asked(read) => read,
        }
    }
}

/// What `getDeleted` reported for the entity's types, and the first type it refused.
struct Reported {
    deletions: Vec<Deletion>,
    refused: Option<WireError>,
}

/// Starts asking `getDeleted` for the entity's deletions since `known` (its deletion
/// high-water mark) minus the overlap, one `DeletedRecordType` at a time, in a task of its
/// own that the pull's pages share the account's limit with. `None` for an entity 2017_2
/// cannot report deletions of.
fn start_deletions<E: EntitySpec>(ctx: &PullContext, known: chrono::DateTime<Utc>) -> Option<DeletionRead> {
    if E::deleted_types().is_empty() {
        return None;
    }
    let since = known - ctx.overlap;
    // The next mark: fixed before the first request.
    let mark = Utc::now();
    let task_ctx = ctx.clone();
    let task = tokio::spawn(async move { read_deletions::<E>(&task_ctx, since).await }.in_current_span());
    Some(DeletionRead { mark, task: AbortOnDropHandle::new(task) })
}

async fn read_deletions<E: EntitySpec>(ctx: &PullContext, since: chrono::DateTime<Utc>) -> Result<Reported, SyncError> {
    let mut out = Reported { deletions: Vec::new(), refused: None };
    for &record_type in E::deleted_types() {
        let query = DeletedQuery { record_type, since };
        match deleted_pages(ctx, &query).await {
            Ok(found) => out.deletions.extend(found),
            Err(SyncError::Wire(e)) if e.class() == ErrorClass::Permission => {
                warn!(record_type, error_code = %e.label(), error = %e, "getDeleted refused: deletions of this type cannot be seen; the periodic full refresh still finds them");
                out.refused.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Waits for the `getDeleted` read beside the pull: what it reported, and the mark to move
/// to when every type answered (a refused type degrades the entity and leaves the mark where
/// it is).
async fn reported_deletions(
    pull: &mut Pull,
    read: Option<DeletionRead>,
) -> Result<Option<(Vec<Deletion>, Option<chrono::DateTime<Utc>>)>, SyncError> {
    let Some(DeletionRead { mark, task }) = read else { return Ok(None) };
    let reported = match task.await {
        Ok(reported) => reported?,
        Err(e) => return Err(SyncError::Wire(WireError::Transport(format!("reading deletions: {e}")))),
    };
    let complete = reported.refused.is_none();
    if let Some(e) = reported.refused {
        pull.degraded.get_or_insert(e.into());
    }
    Ok(Some((reported.deletions, complete.then_some(mark))))
}

/// Marks what the `getDeleted` read reported and moves its mark, once every page of the pull
/// is committed and the records rejected earlier are fetched again (so a page that still
/// returned a record cannot clear its mark).
async fn apply_reported_deletions<E: EntitySpec>(
    ctx: &PullContext,
    pull: &mut Pull,
    read: Option<DeletionRead>,
) -> Result<(), SyncError> {
    let Some((deletions, mark)) = reported_deletions(pull, read).await? else { return Ok(()) };
    let marked = ctx.store.apply_deletions(&ctx.tenant_id, E::NAME, &deletions).await?;
    if !marked.is_empty() {
        info!(marked = marked.len(), reported = deletions.len(), "records NetSuite reports deleted marked deleted");
    }
    pull.deleted += marked.len() as u64;
    if let Some(mark) = mark {
        ctx.store.set_deleted_high_water(&ctx.tenant_id, E::NAME, mark).await?;
    }
    Ok(())
}

/// Every page of one `getDeleted` query, checked like search pages.
async fn deleted_pages(ctx: &PullContext, query: &DeletedQuery) -> Result<Vec<Deletion>, SyncError> {
    let mut out = Vec::new();
    let mut index = 1;
    let mut shape: Option<PageShape> = None;
    loop {
        let page = ctx.governor.call(&ctx.cancel, "getDeleted", || ctx.client.get_deleted(query, index)).await?;
        let this =
            PageShape { total_records: page.total_records, page_size: page.page_size, total_pages: page.total_pages };
        let expected = *shape.get_or_insert(this);
        if page.page_index != index || this != expected {
            return Err(WireError::Malformed(format!(
                "getDeleted {}: page {index} answered as page {} with {} (page 1 said {})",
                query.record_type,
                page.page_index,
                describe(&this),
                describe(&expected)
            ))
            .into());
        }
        out.extend(page.records.into_iter().map(|d| Deletion { internal_id: d.internal_id, deleted_at: d.deleted_at }));
        if index >= expected.total_pages {
            break;
        }
        index += 1;
    }
    Ok(out)
}

/// Compares NetSuite's `totalRecords` for the entity's whole scope (one small page) with the
/// live rows stored; a difference is drift: logged with both numbers, counted, recorded, and
/// the next pull of the entity is a full one.
async fn reconcile<E: EntitySpec>(ctx: &PullContext, window: Option<NaiveDate>) -> Result<(), SyncError> {
    let query = query_for::<E>(window, None, false);
    let remote = match ctx.governor.call(&ctx.cancel, "search", || ctx.client.search_with_page_size(&query, 5)).await {
        Ok(page) => u64::from(page.total_records),
        Err(RetryError::Cancelled) => return Err(SyncError::Cancelled),
        Err(RetryError::Wire(e)) => {
            warn!(error_code = %e.label(), error = %e, "drift check skipped: NetSuite's count could not be read");
            return Ok(());
        }
    };
    let local = ctx.store.live_count(&ctx.tenant_id, E::NAME, window).await?;
    ctx.store.record_reconciliation(&ctx.tenant_id, E::NAME, ctx.run_id, remote, local).await?;
    if remote != local {
        warn!(
            netsuite = remote,
            ours = local,
            "drift: NetSuite's count differs from the live rows stored; the next pull is a full one"
        );
        metrics::counter!("drift_detected_total", "tenant" => ctx.tenant_id.clone(), "entity" => E::NAME).increment(1);
        ctx.store
            .force_full(&ctx.tenant_id, E::NAME, &format!("drift: NetSuite counts {remote}, we hold {local} live rows"))
            .await?;
    } else {
        debug!(count = remote, "drift check: counts agree");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_waiting_hold_a_full_page_of_records_at_most() {
        // A full page waits alone; short pages wait by the dozen (a slow commit must not hold
        // up the next requests), never more records than one full page.
        assert_eq!(pages_waiting(1000), 1);
        assert_eq!(pages_waiting(5), 200);
        for size in [1, 2, 5, 7, 10, 50, 333, 500, 999, 1000, 2000] {
            let n = pages_waiting(size);
            assert!(n >= 1, "page size {size}");
            assert!(n as u32 * size <= RECORDS_WAITING.max(size), "page size {size}: {n} pages");
        }
    }
}
