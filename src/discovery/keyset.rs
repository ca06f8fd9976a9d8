//! The SuiteQL pull: one entity, full or delta, paged by key, resumable, checked page by page.
//! The SOAP pull's invariants, over a keyset instead of a searchId:
//! - a page's records, the keys it received and the cursor (its last key) commit in one
//!   transaction; a kill at any moment loses nothing and the next run asks for keys greater
//!   than the last committed one;
//! - a page is committed only when its headers and every row they need (lines, payment
//!   applications, vendor subsidiaries) are in hand and converted;
//! - every page is checked: `count` equals the rows sent, at most `limit` rows, keys strictly
//!   increasing and greater than the key asked after, no key seen on another page of the pull
//!   (a short page with `hasMore` is not a contradiction: the next query asks after its last
//!   key and loses nothing);
//! - a pull is complete only by count: it ends with a page shorter than `limit` and
//!   `hasMore = false`, and then the distinct keys received must be at least the keys
//!   received before its current query plus that query's first `totalResults` (rows created
//!   during the pull only add to it; a shortfall means rows went missing between pages and
//!   the query runs again from the start of its scope, within the restart budget);
//! - the delta's lower bound is the previous pull's start minus the overlap (inclusive,
//!   `SYS_EXTRACT_UTC(lastmodifieddate) >= …`), the window `trandate >= …` fixed at onboarding;
//! - a query refused for a missing permission degrades the entity; the next one goes on.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use chrono::{NaiveDate, Utc};
use tokio_util::task::AbortOnDropHandle;
use tracing::{debug, info, warn};

use super::pull::{Degradation, Inconsistency, Pull, PullContext, SyncError};
use super::ql::{ExtraRows, Extras, QlEntity};
use crate::governance::retry::RetryError;
use crate::netsuite::error::ErrorClass;
use crate::netsuite::rest::{RestClient, Row, SuiteQlPage, MAX_ROWS};
use crate::netsuite::suiteql::{self, Bounds, Select};
use crate::netsuite::WireError;
use crate::store::{Deletion, EntityOutcome, KeysetCommit, PageOutcome, PullClose, PullMode, Rejected};

/// Header pages whose lines are fetched at the same time (the account's governor still caps
/// what is really in flight).
const PAGES_AHEAD: usize = 4;

/// How a stretch of keyset paging ended.
enum Step {
    /// The last page is committed and the count holds.
    Complete,
    /// NetSuite's answers contradict each other.
    Inconsistent(Inconsistency),
    /// The typed query was refused for lack of permission and a plain one exists.
    Refused(WireError),
}

/// The header query of a page: the plain one when the pull runs plain and the entity has one.
fn header_query<E: QlEntity>(b: &Bounds, plain: bool) -> Select {
    match plain.then(|| E::ql_plain_query(b)).flatten() {
        Some(select) => select,
        None => E::ql_query(b),
    }
}

fn rest(ctx: &PullContext) -> Result<&RestClient, SyncError> {
    ctx.rest.as_ref().ok_or_else(|| {
        SyncError::Wire(WireError::Rest {
            status: 0,
            code: "NO_REST_CLIENT".into(),
            detail: "a SuiteQL pull needs the tenant's REST client".into(),
        })
    })
}

/// Runs one SuiteQL query through the account's governor.
async fn query(ctx: &PullContext, select: &Select, limit: u32) -> Result<SuiteQlPage, SyncError> {
    query_at(ctx, select, limit, 0).await
}

/// Runs one SuiteQL query through the account's governor, `limit` rows from `offset`.
async fn query_at(ctx: &PullContext, select: &Select, limit: u32, offset: u32) -> Result<SuiteQlPage, SyncError> {
    let client = rest(ctx)?;
    let text = select.text();
    Ok(ctx.governor.call(&ctx.cancel, "suiteql", || client.suiteql_at(&text, limit, offset)).await?)
}

/// Whether a keyset answer is the last one: fewer rows than asked and nothing more.
fn is_last(page: &SuiteQlPage, limit: u32) -> bool {
    page.items.is_empty() || (!page.has_more && (page.items.len() as u32) < limit)
}

/// Pulls one entity over SuiteQL (see the module's invariants). The outcome is `Degraded`
/// when a permission was missing or rows could not be read.
#[tracing::instrument(skip_all, fields(tenant = %ctx.tenant_id, entity = E::NAME, transport = "suiteql"))]
pub async fn pull_entity_ql<E: QlEntity>(ctx: &PullContext) -> (EntityOutcome, Result<(), SyncError>) {
    let mut pull = Pull::default();
    let mut mode = PullMode::Full;
    let result = run_pull::<E>(ctx, &mut pull, &mut mode).await;
    (pull.outcome(E::NAME, mode, &result), result)
}

async fn run_pull<E: QlEntity>(ctx: &PullContext, pull: &mut Pull, mode_out: &mut PullMode) -> Result<(), SyncError> {
    let started = Instant::now();
    let cursor = ctx.store.load_cursor(&ctx.tenant_id, E::NAME).await?;
    // Where the paging resumes: after the last committed key of an open SuiteQL pull.
    let (mode, since, window, mut resume) = match cursor.pull {
        Some(open) => {
            pull.plain = open.plain;
            let resume = if open.transport == "suiteql" {
                info!(mode = open.mode.as_str(), after = ?open.keyset_after, pages_done = open.pages_done, "resuming an interrupted SuiteQL pull");
                Some((open.keyset_after.as_deref().and_then(|a| a.parse::<i64>().ok()).unwrap_or(0), open.pages_done))
            } else {
                // Opened over SOAP (the tenant was switched meanwhile): same mode, bound and
                // window, paged again from the start of its scope.
                info!(
                    mode = open.mode.as_str(),
                    "an interrupted SOAP pull continues over SuiteQL from the start of its scope"
                );
                ctx.store.begin_keyset(&ctx.tenant_id, E::NAME).await?;
                Some((0, 0))
            };
            (open.mode, open.since, open.window_start, resume)
        }
        None => {
            let p = super::pull::begin_new_pull::<E>(ctx, &cursor).await?;
            ctx.store.begin_keyset(&ctx.tenant_id, E::NAME).await?;
            (p.mode, p.since, p.window, Some((0, 0)))
        }
    };
    *mode_out = mode;
    info!(mode = mode.as_str(), since = ?since, window_start = ?window, "SuiteQL pull started");

    loop {
        if ctx.stop.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        let (after, pages_done) = match resume.take() {
            Some(r) => r,
            None => {
                ctx.store.begin_keyset(&ctx.tenant_id, E::NAME).await?;
                (0, 0)
            }
        };
        match page_through::<E>(ctx, Bounds { after, since, window }, pages_done, pull).await? {
            Step::Complete => break,
            Step::Inconsistent(inc) => {
                warn!(page = inc.page, what = %inc.what, expected = %inc.expected, got = %inc.got, "SuiteQL paging is inconsistent; running the query again from the start of its scope");
                restart::<E>(ctx, pull, &inc.to_string()).await?;
            }
            Step::Refused(e) => {
                warn!(error_code = %e.label(), error = %e, "typed query refused: degrading to the query without its type condition and keeping what it shows");
                pull.plain = true;
                pull.degraded = Some(e.into());
                ctx.store.set_pull_plain(&ctx.tenant_id, E::NAME).await?;
            }
        }
    }

    // Complete and consistent: close it, marking as deleted what a full pull no longer finds.
    let mark_missing = (mode == PullMode::Full && !pull.plain).then_some(window);
    let close = PullClose { full: mode == PullMode::Full, mark_missing, reported: &[], deleted_mark: None };
    let marked = ctx.store.finish_pull(&ctx.tenant_id, E::NAME, close).await?.missing;
    if marked > 0 {
        info!(marked, "records no longer in NetSuite marked deleted by the full pull");
    }
    pull.deleted += marked;
    if mode == PullMode::Delta {
        retry_rejected::<E>(ctx, pull).await?;
    }
    pull_deletions::<E>(ctx, pull).await?;
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
        "SuiteQL pull finished"
    );
    Ok(())
}

/// Spends one restart of the pull's budget and waits its back-off; when the budget is spent,
/// fails and gives the open pull up so the next one is full.
async fn restart<E: QlEntity>(ctx: &PullContext, pull: &mut Pull, reason: &str) -> Result<(), SyncError> {
    if pull.restarts >= ctx.restarts.max {
        let err = SyncError::GaveUp { restarts: pull.restarts, last: reason.to_string(), inconsistent: true };
        ctx.store.abandon_pull(&ctx.tenant_id, E::NAME, &err.to_string()).await?;
        metrics::counter!("pull_gave_up_total", "entity" => E::NAME).increment(1);
        return Err(err);
    }
    pull.restarts += 1;
    metrics::counter!("search_restarts_total", "entity" => E::NAME).increment(1);
    let wait = ctx.restarts.base.saturating_mul(1u32 << (pull.restarts - 1).min(16));
    tokio::select! {
        _ = tokio::time::sleep(wait) => Ok(()),
        _ = ctx.cancel.cancelled() => Err(SyncError::Cancelled),
        _ = ctx.stop.cancelled() => Err(SyncError::Cancelled),
    }
}

/// A header page fetched with everything it needs, checked and converted as soon as it
/// arrived: what waits to be written is typed records, not the page's JSON rows and extras
/// (those are dropped in the task that fetched them).
struct Fetched<R> {
    /// The key the query asked after.
    after: i64,
    /// The page's keys, or the contradiction its check found (its `page` is filled in by the
    /// writer, which numbers the pages).
    keys: Result<Vec<i64>, Inconsistency>,
    /// `totalResults` of the query, when sent.
    total_results: Option<u32>,
    /// Whether this is the query's last page.
    last: bool,
    /// The page's records (converted only when the check holds).
    converted: Result<Converted<R>, WireError>,
}

/// Fetches a page's extras, checks the page and converts it.
async fn complete_page<E: QlEntity>(
    ctx: &PullContext,
    after: i64,
    page: SuiteQlPage,
    limit: u32,
    plain: bool,
) -> Result<Fetched<E::Record>, SyncError> {
    let extras = fetch_extras::<E>(ctx, &page).await?;
    let keys = check_page(0, after, &page, limit);
    let converted = match &keys {
        Ok(_) => convert_page::<E>(&page.items, &extras, plain),
        Err(_) => Ok(Converted { records: Vec::new(), seen: Vec::new(), rejected: Vec::new() }),
    };
    Ok(Fetched { after, keys, total_results: page.total_results, last: is_last(&page, limit), converted })
}

/// Pages fetched and converted before the writer takes them, besides the one it writes: the
/// fetcher's `PAGES_AHEAD` tasks hold the rest, so memory is bounded by the pages in flight.
const PAGES_WAITING: usize = 1;

/// Fetches header pages one after the other (each asks after the previous page's last key)
/// and completes them several pages at a time (each page's extras, check and conversion in a
/// task of its own), into `out` in page order; stops after the last page, at the soft stop,
/// at the first error, or when the receiver is gone.
async fn fetch_pages<E: QlEntity>(
    ctx: PullContext,
    bounds: Bounds,
    limit: u32,
    plain: bool,
    out: tokio::sync::mpsc::Sender<Result<Fetched<E::Record>, SyncError>>,
) {
    let mut next_after = Some(bounds.after);
    let mut pending: VecDeque<AbortOnDropHandle<Result<Fetched<E::Record>, SyncError>>> = VecDeque::new();
    loop {
        while pending.len() < PAGES_AHEAD {
            let Some(after) = next_after.take() else { break };
            if ctx.stop.is_cancelled() {
                break;
            }
            let select = header_query::<E>(&Bounds { after, ..bounds }, plain);
            let task_ctx = ctx.clone();
            let task = match query(&ctx, &select, limit).await {
                Ok(page) => {
                    if !is_last(&page, limit) {
                        // No progress or an unreadable key stops here; the page's check
                        // names it.
                        next_after = match page.items.last().map(|r| suiteql::key(r, "id")) {
                            Some(Ok(k)) if k > after => Some(k),
                            _ => None,
                        };
                    }
                    tokio::spawn(async move { complete_page::<E>(&task_ctx, after, page, limit, plain).await })
                }
                Err(e) => tokio::spawn(async move { Err(e) }),
            };
            pending.push_back(AbortOnDropHandle::new(task));
        }
        let Some(task) = pending.pop_front() else { return };
        let item = match task.await {
            Ok(item) => item,
            Err(e) => Err(SyncError::Wire(WireError::Transport(format!("fetching a page's lines: {e}")))),
        };
        let failed = item.is_err();
        if out.send(item).await.is_err() || failed {
            return;
        }
    }
}

/// Pages through the query from `bounds.after`, committing each page with its cursor.
/// `Step::Inconsistent`: NetSuite's answers contradict each other (the caller restarts);
/// `Step::Refused`: the typed query was refused and the caller goes on plain.
async fn page_through<E: QlEntity>(
    ctx: &PullContext,
    bounds: Bounds,
    mut pages_done: u32,
    pull: &mut Pull,
) -> Result<Step, SyncError> {
    let limit = rest(ctx)?.page_size();
    let seen_before = ctx.store.seen_count(&ctx.tenant_id, E::NAME).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(PAGES_WAITING);
    let _fetcher = AbortOnDropHandle::new(tokio::spawn(fetch_pages::<E>(ctx.clone(), bounds, limit, pull.plain, tx)));
    let mut expected: Option<u64> = None;
    let mut last = false;
    let mut after = bounds.after;
    while let Some(item) = rx.recv().await {
        let fetched = match item {
            Ok(f) => f,
            Err(SyncError::Wire(e))
                if e.class() == ErrorClass::Permission && !pull.plain && E::ql_plain_query(&bounds).is_some() =>
            {
                return Ok(Step::Refused(e));
            }
            Err(e) => return Err(e),
        };
        let page_no = pages_done + 1;
        if fetched.after != after {
            // The page was checked against the key its query asked after: it must be the last
            // key committed, or the keys between them were never asked for.
            return Ok(Step::Inconsistent(Inconsistency {
                page: page_no,
                what: "the key the page's query asked after".into(),
                expected: after.to_string(),
                got: fetched.after.to_string(),
            }));
        }
        let keys = match fetched.keys {
            Ok(keys) => keys,
            Err(inc) => return Ok(Step::Inconsistent(Inconsistency { page: page_no, ..inc })),
        };
        if expected.is_none() {
            expected = fetched.total_results.map(|t| seen_before + u64::from(t));
            if expected.is_none() {
                warn!("SuiteQL sent no totalResults: the pull's completeness rests on its last page alone");
            }
        }
        last = fetched.last;
        let converted = fetched.converted?;
        let after_text = keys.last().copied().unwrap_or(after).to_string();
        let commit = KeysetCommit {
            page: page_no,
            after: &after_text,
            expected: expected.map(|e| e.min(u64::from(u32::MAX)) as u32),
            seen: &converted.seen,
            rejected: &converted.rejected,
        };
        let counts =
            match ctx.store.commit_keyset_page(&ctx.tenant_id, E::NAME, E::batch(&converted.records), commit).await? {
                PageOutcome::Committed(c) => c,
                PageOutcome::Overlap { key, other_page } => {
                    return Ok(Step::Inconsistent(Inconsistency {
                        page: page_no,
                        what: "keys already received on another page".into(),
                        expected: "none".into(),
                        got: format!("{key}, first received on page {other_page}"),
                    }))
                }
            };
        pages_done = page_no;
        after = keys.last().copied().unwrap_or(after);
        pull.pages += 1;
        pull.count_written(converted.records.len(), converted.rejected.len(), &counts);
        debug!(
            page = page_no,
            rows = converted.seen.len(),
            after,
            inserted = counts.inserted,
            updated = counts.updated,
            "SuiteQL page committed"
        );
        if ctx.progress_every > 0 && pull.pages % ctx.progress_every == 0 {
            info!(pages = pull.pages, records = pull.records, after, "pull progress");
        }
        if last {
            break;
        }
    }
    if !last {
        // The soft stop ended the fetching; what arrived is committed.
        return Err(SyncError::Cancelled);
    }
    let seen = ctx.store.seen_count(&ctx.tenant_id, E::NAME).await?;
    if let Some(expected) = expected {
        if seen < expected {
            return Ok(Step::Inconsistent(Inconsistency {
                page: pages_done,
                what: "distinct keys received by the last page".into(),
                expected: format!("at least {expected} (totalResults of the query's first page, plus earlier pages)"),
                got: seen.to_string(),
            }));
        }
    }
    Ok(Step::Complete)
}

/// A keyset answer must say `count` rows and send them, hold at most `limit`, and carry keys
/// strictly increasing and greater than the key asked after. Returns the keys.
fn check_page(page_no: u32, after: i64, page: &SuiteQlPage, limit: u32) -> Result<Vec<i64>, Inconsistency> {
    let err =
        |what: &str, expected: String, got: String| Inconsistency { page: page_no, what: what.into(), expected, got };
    if page.count as usize != page.items.len() {
        return Err(err("rows on the page", format!("{} (count)", page.count), page.items.len().to_string()));
    }
    if page.items.len() as u32 > limit {
        return Err(err("rows on the page", format!("at most {limit} (limit)"), page.items.len().to_string()));
    }
    // A page shorter than `limit` that says `hasMore` is no contradiction for keyset paging:
    // the next query asks after its last key and loses nothing (the final count decides).
    let mut keys = Vec::with_capacity(page.items.len());
    let mut prev = after;
    for row in &page.items {
        let k = match suiteql::key(row, "id") {
            Ok(k) => k,
            Err(e) => return Err(err("an integer id on every row", "an id".into(), e.to_string())),
        };
        if k <= prev {
            return Err(err("ids strictly increasing after the key asked", format!("> {prev}"), k.to_string()));
        }
        keys.push(k);
        prev = k;
    }
    Ok(keys)
}

struct Converted<R> {
    records: Vec<R>,
    seen: Vec<String>,
    rejected: Vec<Rejected>,
}

/// Converts a page row by row: a row that cannot be read is rejected alone (its JSON kept);
/// a row of a kind the entity does not hold fails the page of a typed query and is skipped
/// (received, not stored) by a plain one.
fn convert_page<E: QlEntity>(rows: &[Row], extras: &ExtraRows, plain: bool) -> Result<Converted<E::Record>, WireError> {
    let mut out = Converted {
        records: Vec::with_capacity(rows.len()),
        seen: Vec::with_capacity(rows.len()),
        rejected: Vec::new(),
    };
    for row in rows {
        let key = suiteql::key(row, "id")?.to_string();
        out.seen.push(key.clone());
        if plain && !E::ql_keeps(row) {
            continue;
        }
        match E::ql_convert(row, extras) {
            Ok(Some(r)) => out.records.push(r),
            Ok(None) if plain => {}
            Ok(None) => {
                return Err(WireError::UnexpectedRecord {
                    expected: E::NAME,
                    found: row.text("type").unwrap_or("?").to_string(),
                })
            }
            Err(e) => {
                warn!(internal_id = %key, error = %e, "a row cannot be read; keeping it in rejected_records");
                out.rejected.push(Rejected {
                    key: key.clone(),
                    internal_id: Some(key),
                    error: e.to_string(),
                    xml: row.raw().into_string(),
                });
            }
        }
    }
    Ok(out)
}

/// Fetches what the header rows of a page need besides themselves.
async fn fetch_extras<E: QlEntity>(ctx: &PullContext, page: &SuiteQlPage) -> Result<ExtraRows, SyncError> {
    let mut extras = ExtraRows::default();
    let ids: Vec<i64> =
        page.items.iter().filter(|r| E::ql_keeps(r)).filter_map(|r| suiteql::key(r, "id").ok()).collect();
    if ids.is_empty() {
        return Ok(extras);
    }
    let limit = rest(ctx)?.page_size();
    match E::ql_extras() {
        Extras::None => {}
        Extras::VendorSubsidiaries => {
            for row in keyed_rows(ctx, limit, "id", |after| suiteql::vendor_subsidiary_query(&ids, after)).await? {
                let entity = suiteql::key(&row, "entity")?;
                if let Some(name) = row.text("subsidiary") {
                    extras.subsidiaries.entry(entity).or_insert_with(|| name.into());
                }
            }
        }
        Extras::Lines { reports, payments } => {
            for row in keyed_rows(ctx, limit, "uniquekey", |after| suiteql::line_query(&ids, after, reports)).await? {
                extras.lines.entry(suiteql::key(&row, "transaction")?).or_default().push(row);
            }
            if payments {
                let paying: Vec<i64> = page
                    .items
                    .iter()
                    .filter(|r| r.text("type").is_some_and(|t| t.eq_ignore_ascii_case("VendPymt")))
                    .filter_map(|r| suiteql::key(r, "id").ok())
                    .collect();
                if !paying.is_empty() {
                    for row in
                        grouped_rows(ctx, limit, "nextdoc", |after| suiteql::payment_link_query(&paying, after)).await?
                    {
                        extras.applications.entry(suiteql::key(&row, "nextdoc")?).or_default().push(row);
                    }
                }
            }
        }
    }
    Ok(extras)
}

/// Every row of a keyset query on a unique key column: asks after the last key until a
/// short page with nothing more.
async fn keyed_rows(
    ctx: &PullContext,
    limit: u32,
    key: &str,
    select: impl Fn(i64) -> Select,
) -> Result<Vec<Row>, SyncError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = query(ctx, &select(after), limit).await?;
        let last = is_last(&page, limit);
        let mut next = after;
        for row in &page.items {
            let k = suiteql::key(row, key)?;
            if k <= next {
                return Err(WireError::Malformed(format!("SuiteQL keyset on {key}: {k} after {next}")).into());
            }
            next = k;
        }
        out.extend(page.items);
        if last {
            return Ok(out);
        }
        after = next;
    }
}

/// Every row of a query ordered by a key that is not unique (`nextdoc`): a full page drops
/// the rows of its last key (they may go on in the next page) and asks after the key before.
async fn grouped_rows(
    ctx: &PullContext,
    limit: u32,
    key: &str,
    select: impl Fn(i64) -> Select,
) -> Result<Vec<Row>, SyncError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = query(ctx, &select(after), limit).await?;
        if is_last(&page, limit) {
            out.extend(page.items);
            return Ok(out);
        }
        let keys = page.items.iter().map(|r| suiteql::key(r, key)).collect::<Result<Vec<_>, _>>()?;
        let Some(&tail) = keys.last() else { return Ok(out) };
        let complete = keys.iter().filter(|k| **k != tail).count();
        if complete == 0 {
            return Err(WireError::Malformed(format!(
                "SuiteQL: more than {limit} rows for {key} {tail}; they cannot be paged by {key}"
            ))
            .into());
        }
        after = keys[complete - 1];
        out.extend(page.items.into_iter().take(complete));
    }
}

/// Asks for the records rejected earlier again, by id, and stores those that now read.
async fn retry_rejected<E: QlEntity>(ctx: &PullContext, pull: &mut Pull) -> Result<(), SyncError> {
    let ids = ctx.store.rejected_ids(&ctx.tenant_id, E::NAME).await?;
    let limit = rest(ctx)?.page_size();
    for chunk in ids.chunks(limit as usize) {
        let numeric: Vec<i64> = chunk.iter().filter_map(|i| i.parse().ok()).collect();
        if numeric.is_empty() {
            continue;
        }
        let mut select = header_query::<E>(&Bounds::default(), pull.plain);
        select.conditions.push(suiteql::in_ids("id", &numeric));
        let page = query(ctx, &select, limit).await?;
        let extras = fetch_extras::<E>(ctx, &page).await?;
        let converted = convert_page::<E>(&page.items, &extras, pull.plain)?;
        let counts = ctx
            .store
            .commit_records(
                &ctx.tenant_id,
                E::NAME,
                E::batch(&converted.records),
                chunk,
                &converted.seen,
                &converted.rejected,
            )
            .await?;
        info!(
            asked = chunk.len(),
            stored = converted.records.len(),
            still_rejected = converted.rejected.len(),
            "rows rejected earlier fetched again"
        );
        pull.count_written(converted.records.len(), converted.rejected.len(), &counts);
    }
    Ok(())
}

/// Where the `deletedrecord` read goes after a full page of the query `>= from` at `offset`
/// whose latest deletion time is `latest`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NextDeletions {
    /// On by time: the query again from the page's latest instant (rows at that instant are
    /// read again and counted once).
    After(chrono::DateTime<Utc>),
    /// Every row of the page is at `from`: the same query's next page by offset.
    Offset(u32),
    /// More rows share the instant `from` than one query can reach by offset.
    Stuck,
}

fn next_deletions(
    from: chrono::DateTime<Utc>,
    latest: chrono::DateTime<Utc>,
    offset: u32,
    limit: u32,
) -> NextDeletions {
    if latest > from {
        return NextDeletions::After(latest);
    }
    let next = offset.saturating_add(limit);
    if next.saturating_add(limit) <= MAX_ROWS {
        NextDeletions::Offset(next)
    } else {
        NextDeletions::Stuck
    }
}

/// Reads `deletedrecord` for the entity's types since its deletion high-water mark (minus
/// the overlap), marks them, and moves the mark. The read pages by time (`deleteddate >=` the
/// latest instant seen); when a whole page shares one instant it goes on by offset within
/// that query (a short page there stops the read, keeps the mark and degrades the entity, as
/// deletions after it go unseen until a later run). A refused query
/// degrades the entity. More deletions at one instant than a
/// query reaches (100,000) degrade it too, leave the mark where it is, and make the next pull
/// a full one (which marks what it no longer finds).
async fn pull_deletions<E: QlEntity>(ctx: &PullContext, pull: &mut Pull) -> Result<(), SyncError> {
    let types = E::ql_deleted_types();
    if types.is_empty() {
        return Ok(());
    }
    let cursor = ctx.store.load_cursor(&ctx.tenant_id, E::NAME).await?;
    let Some(known) = cursor.deleted_high_water else { return Ok(()) };
    let mark = Utc::now();
    let limit = rest(ctx)?.page_size();
    let mut from = known - ctx.overlap;
    let mut offset = 0;
    let mut found: HashMap<String, Option<chrono::DateTime<Utc>>> = HashMap::new();
    let mut got: HashSet<(String, Option<chrono::DateTime<Utc>>)> = HashSet::new();
    let mut complete = true;
    loop {
        let page = match query_at(ctx, &suiteql::deleted_query(types, from), limit, offset).await {
            Ok(p) => p,
            Err(SyncError::Wire(e)) if e.class() == ErrorClass::Permission => {
                warn!(error_code = %e.label(), error = %e, "deletedrecord refused: deletions cannot be seen; the periodic full refresh still finds them");
                pull.degraded.get_or_insert(e.into());
                complete = false;
                break;
            }
            Err(e) => return Err(e),
        };
        let last = is_last(&page, limit);
        let mut latest = from;
        for row in &page.items {
            let (id, at) = suiteql::deletion(row)?;
            if let Some(at) = at {
                latest = latest.max(at);
            }
            if got.insert((id.clone(), at)) {
                let e = found.entry(id).or_insert(at);
                if at > *e {
                    *e = at;
                }
            }
        }
        if last {
            break;
        }
        match next_deletions(from, latest, offset, limit) {
            NextDeletions::After(t) => (from, offset) = (t, 0),
            // A short page with more after it would make the next offset skip rows: the read
            // stops, its mark stays, and the next run reads from it again.
            // The run is degraded: deletions after that row are not seen until a later run.
            NextDeletions::Offset(_) if (page.items.len() as u32) < limit => {
                let message = format!(
                    "a short page of deletedrecord rows ({} of {limit}) at the instant {from} with more after it: \
                     paging on by offset would skip rows, so the read stops there; the deletion mark stays and \
                     the next run reads from it again",
                    page.items.len()
                );
                warn!(at = %from, rows = page.items.len(), "{message}");
                pull.degraded.get_or_insert(Degradation::Found { code: "deletions_short_page", message });
                complete = false;
                break;
            }
            NextDeletions::Offset(o) => {
                debug!(at = %from, offset = o, "a page of deletions at one instant: going on by offset");
                offset = o;
            }
            NextDeletions::Stuck => {
                let message = format!(
                    "more deletedrecord rows share the instant {from} than one query reaches ({MAX_ROWS}): they \
                     cannot be paged past; the deletion mark stays and the next pull is a full one"
                );
                warn!(at = %from, "{message}");
                ctx.store.force_full(&ctx.tenant_id, E::NAME, &message).await?;
                pull.degraded.get_or_insert(Degradation::Found { code: "deletions_unpaged", message });
                complete = false;
                break;
            }
        }
    }
    let deletions: Vec<Deletion> =
        found.into_iter().map(|(internal_id, deleted_at)| Deletion { internal_id, deleted_at }).collect();
    let marked = ctx.store.apply_deletions(&ctx.tenant_id, E::NAME, &deletions).await?;
    if !marked.is_empty() {
        info!(marked = marked.len(), reported = deletions.len(), "records NetSuite reports deleted marked deleted");
    }
    pull.deleted += marked.len() as u64;
    if complete {
        ctx.store.set_deleted_high_water(&ctx.tenant_id, E::NAME, mark).await?;
    }
    Ok(())
}

/// The drift check after a delta: `totalResults` of the entity's whole-scope query (one row
/// asked for) against the live rows stored; a difference makes the next pull a full one.
async fn reconcile<E: QlEntity>(ctx: &PullContext, window: Option<NaiveDate>) -> Result<(), SyncError> {
    let select = E::ql_query(&Bounds { after: 0, since: None, window });
    let remote = match query(ctx, &select, 1).await {
        Ok(page) => match page.total_results {
            Some(t) => u64::from(t),
            None => {
                warn!("drift check skipped: SuiteQL sent no totalResults");
                return Ok(());
            }
        },
        Err(SyncError::Cancelled) => return Err(SyncError::Cancelled),
        Err(SyncError::Wire(e)) => {
            warn!(error_code = %e.label(), error = %e, "drift check skipped: NetSuite's count could not be read");
            return Ok(());
        }
        Err(e) => return Err(e),
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
    }
    Ok(())
}

/// The count `check` reports for an entity: `totalResults` of its whole-scope query, one row
/// asked for. A refused query is the permission's answer.
pub async fn probe<E: QlEntity>(
    client: &RestClient,
    governor: &crate::governance::Governor,
    cancel: &tokio_util::sync::CancellationToken,
) -> Result<u32, RetryError> {
    let text = E::ql_query(&Bounds::default()).text();
    let page = governor.call(cancel, "suiteql", || client.suiteql(&text, 1)).await?;
    Ok(page.total_results.unwrap_or(page.count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netsuite::rest::Cell;

    fn page(ids: &[&str], count: u32, has_more: bool) -> SuiteQlPage {
        SuiteQlPage {
            items: ids.iter().map(|i| Row::from_pairs(&[("id", Cell::Text(i.to_string()))])).collect(),
            count,
            has_more,
            offset: 0,
            total_results: None,
        }
    }

    #[test]
    fn deletions_page_by_time_then_by_offset_within_an_instant() {
        let t = |s: i64| chrono::DateTime::from_timestamp(1_780_000_000 + s, 0).unwrap();
        assert_eq!(next_deletions(t(0), t(5), 0, 1000), NextDeletions::After(t(5)));
        assert_eq!(next_deletions(t(0), t(5), 3000, 1000), NextDeletions::After(t(5)), "back to time after an offset");
        assert_eq!(next_deletions(t(0), t(0), 0, 1000), NextDeletions::Offset(1000));
        assert_eq!(
            next_deletions(t(0), t(0), 98_000, 1000),
            NextDeletions::Offset(99_000),
            "the last page a query reaches"
        );
        assert_eq!(next_deletions(t(0), t(0), 99_000, 1000), NextDeletions::Stuck, "offset + limit past 100,000");
        assert_eq!(next_deletions(t(0), t(0), 99_990, 5), NextDeletions::Offset(99_995));
        assert_eq!(next_deletions(t(0), t(0), 99_995, 5), NextDeletions::Stuck);
    }

    #[test]
    fn pages_are_checked_against_the_key_asked_after() {
        assert_eq!(check_page(1, 0, &page(&["1", "5", "9"], 3, false), 3).unwrap(), vec![1, 5, 9]);
        // Not after the key asked, not increasing, a count that lies, a short page with more.
        assert!(check_page(2, 5, &page(&["5", "6"], 2, false), 3).is_err());
        assert!(check_page(1, 0, &page(&["2", "1"], 2, false), 3).is_err());
        assert!(check_page(1, 0, &page(&["1", "2"], 3, false), 3).is_err());
        assert!(check_page(1, 0, &page(&["1", "2"], 2, true), 3).is_ok(), "short with more: go on after 2");
        assert!(!is_last(&page(&["1", "2"], 2, true), 3));
        assert!(check_page(1, 0, &page(&["1", "2", "3", "4"], 4, true), 3).is_err(), "more than limit");
        assert!(check_page(1, 0, &page(&["x"], 1, false), 3).is_err(), "ids are integers");
        // The last page: fewer rows than asked and nothing more; a full page is never last.
        assert!(is_last(&page(&["1"], 1, false), 3));
        assert!(is_last(&page(&[], 0, false), 3));
        assert!(!is_last(&page(&["1", "2", "3"], 3, false), 3));
        assert!(!is_last(&page(&["1", "2", "3"], 3, true), 3));
    }
}
