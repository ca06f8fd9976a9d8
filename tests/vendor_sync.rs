//! Vendor discovery end to end: the real simulator over HTTP, a fresh Postgres database per
//! test, the same `sync_tenant` the CLI runs.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{client_creds, fresh_db, service_count, sync_settings, vendor_tenant, TestDb};
use netsuite_discovery::config::{SyncSettings, Tenant};
use netsuite_discovery::discovery::{sync_tenant, RunSummary};
use netsuite_discovery::store::{RunStatus, Store};
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, RunningSimulator, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

struct Env {
    db: TestDb,
    sim: Simulator,
    _running: RunningSimulator,
    account: AccountId,
    tenant: Tenant,
}

async fn setup(vendors: usize, page_size: u32) -> Env {
    common::init_logs();
    let account = AccountId::parse("1234567_SB1").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account.clone(), 7).with_vendors(vendors)).unwrap();
    sim.set_record_bodies(true);
    let running = sim.clone().spawn().await.expect("simulator starts");
    let creds = client_creds(sim.credentials(&account).expect("account exists"));
    let tenant = vendor_tenant("acme", creds, &running.endpoint(), page_size);
    Env { db: fresh_db().await, sim, _running: running, account, tenant }
}

async fn sync(store: &Store, tenant: &Tenant, settings: &SyncSettings) -> RunSummary {
    sync_tenant(store, tenant, settings, CancellationToken::new(), "test").await.expect("sync runs")
}

/// All stored services of a tenant, minus the columns that record *when* we wrote them.
fn inserted(s: &RunSummary) -> u64 {
    s.outcomes.iter().map(|o| o.inserted).sum()
}
fn updated(s: &RunSummary) -> u64 {
    s.outcomes.iter().map(|o| o.updated).sum()
}

/// The acceptance figures of the issue: 10,000 vendors onboarded exactly; after 25 added and
/// 10 modified, one delta stores 10,025 and updates exactly 10 with at most 2 requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_then_delta_on_10k_vendors() {
    let env = setup(10_000, 1000).await;
    let store = &env.db.store;
    let settings = sync_settings();

    let first = sync(store, &env.tenant, &settings).await;
    assert_eq!(first.status, RunStatus::Succeeded, "{first:?}");
    assert_eq!(service_count(store, "acme").await, 10_000);
    assert_eq!(inserted(&first), 10_000);
    assert_eq!(first.requests, 11, "1 search + 9 searchMoreWithId + 1 getDeleted");

    // The stored rows are the simulator's ground truth.
    let truth = env.sim.vendors(&env.account).unwrap();
    let rows: BTreeMap<String, (Option<String>, Option<String>, bool)> =
        sqlx::query_as::<_, (String, Option<String>, Option<String>, bool)>(
            "SELECT internal_id, company_name, email, is_inactive FROM services WHERE tenant_id = 'acme'",
        )
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|(id, n, e, i)| (id, (n, e, i)))
        .collect();
    assert_eq!(rows.len(), truth.len());
    for v in &truth {
        let row = rows.get(&v.internal_id).unwrap_or_else(|| panic!("vendor {} missing", v.internal_id));
        assert_eq!(row.0.as_deref(), Some(v.company_name.as_str()), "company name of {}", v.internal_id);
        assert_eq!(row.1, v.email, "email of {}", v.internal_id);
        assert_eq!(row.2, v.is_inactive, "inactive flag of {}", v.internal_id);
    }
    let inactive = truth.iter().filter(|v| v.is_inactive).count();
    assert!(inactive > 0, "the generated account has inactive vendors, and they are stored");

    // Nothing changed: a delta writes nothing.
    let quiet = sync(store, &env.tenant, &settings).await;
    assert_eq!((inserted(&quiet), updated(&quiet)), (0, 0), "{quiet:?}");
    // One delta page, getDeleted, and the drift check's one small page.
    assert_eq!(quiet.requests, 3, "{quiet:?}");

    let discovered_before: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT max(discovered_at) FROM services WHERE tenant_id = 'acme'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let added = env.sim.add_vendors(&env.account, 25).unwrap();
    let modified = env.sim.modify_vendors(&env.account, 10).unwrap();
    assert_eq!((added.len(), modified.len()), (25, 10));

    let delta = sync(store, &env.tenant, &settings).await;
    assert_eq!(delta.status, RunStatus::Succeeded);
    assert_eq!(service_count(store, "acme").await, 10_025);
    assert_eq!(inserted(&delta), 25);
    assert_eq!(updated(&delta), 10);
    assert_eq!(delta.requests, 3, "one delta page, getDeleted, the drift check: {delta:?}");
    println!("delta requests: {}", delta.requests);

    // discovered_at is never overwritten: the modified vendors keep their first sighting.
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM services WHERE tenant_id = 'acme' AND internal_id = ANY($1) AND discovered_at <= $2",
    )
    .bind(&modified)
    .bind(discovered_before)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(kept, 10);
    let fresh: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM services WHERE tenant_id = 'acme' AND internal_id = ANY($1) AND discovered_at > $2",
    )
    .bind(&added)
    .bind(discovered_before)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(fresh, 25);
    assert_eq!(common::services_snapshot(store, "acme").await.len(), 10_025);
}

/// The same full pull twice changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_full_pull_twice_changes_nothing() {
    let env = setup(1_200, 500).await;
    let store = &env.db.store;
    let first = sync(store, &env.tenant, &sync_settings()).await;
    assert_eq!(inserted(&first), 1_200);
    let before = common::services_snapshot(store, "acme").await;
    // Forget the cursor: the next pass onboards again, in full.
    sqlx::query("DELETE FROM sync_cursors").execute(store.pool()).await.unwrap();
    let again = sync(store, &env.tenant, &sync_settings()).await;
    assert_eq!(again.outcomes[0].records, 1_200, "a full pull again");
    assert_eq!((inserted(&again), updated(&again)), (0, 0));
    assert_eq!(common::services_snapshot(store, "acme").await, before);
}

/// The delta asks from the previous pull's start minus the overlap, as a full instant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delta_cursor_is_the_previous_start_minus_overlap() {
    let env = setup(50, 1000).await;
    let store = &env.db.store;
    let before_first = chrono::Utc::now();
    sync(store, &env.tenant, &sync_settings()).await;
    let cursor = store.load_cursor("acme", "vendors").await.unwrap();
    let hw = cursor.high_water.expect("high-water mark after onboarding");
    assert!(cursor.onboarded && cursor.pull.is_none());
    assert!(hw >= before_first - chrono::Duration::seconds(1) && hw <= chrono::Utc::now());

    env.sim.clear_request_log();
    sync(store, &env.tenant, &sync_settings()).await;
    let log = env.sim.request_log();
    let ops: Vec<_> = log.iter().map(|r| r.operation.clone().unwrap_or_default()).collect();
    assert_eq!(ops, ["search", "getDeleted", "search"], "the delta, its deletions, the drift check");
    let body = String::from_utf8(log[0].request_body.clone().expect("bodies are recorded")).unwrap();
    let expected = (hw - chrono::Duration::seconds(600)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert!(body.contains("operator=\"onOrAfter\""), "{body}");
    assert!(
        body.contains(&format!("<platformCore:searchValue>{expected}</platformCore:searchValue>")),
        "expected {expected} in {body}"
    );
}

/// A pull cancelled mid-way (shutdown) and run again ends with exactly the rows of an
/// uninterrupted run, and the second run resumes after the committed pages instead of
/// starting over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_pull_resumes_and_converges() {
    let env = setup(3_000, 250).await;
    let store = &env.db.store;
    env.sim.set_latency(Duration::from_millis(60));
    let cut = common::sync_cancelled_after(store, &env.tenant, 750).await;
    assert_eq!(cut.status, RunStatus::Cancelled);
    let partial = service_count(store, "acme").await;
    assert!(partial < 3_000, "stopped before the end ({partial})");
    let cursor = store.load_cursor("acme", "vendors").await.unwrap();
    let open = cursor.pull.expect("the pull is still open");
    assert!(open.pages_done >= 3);
    // Pages are fetched several at a time: the cursor covers the contiguous run of committed
    // pages, and at most `max_in_flight_per_account` more may be stored ahead of it.
    let ahead = sync_settings().max_in_flight_per_account as u32;
    assert!(partial as u32 >= open.pages_done * 250, "the cursor never runs ahead of stored pages");
    assert!(partial as u32 <= (open.pages_done + ahead) * 250, "only whole pages, at most {ahead} ahead");
    assert_eq!(partial % 250, 0, "only whole pages are stored");

    env.sim.set_latency(Duration::ZERO);
    env.sim.clear_request_log();
    let resumed = sync(store, &env.tenant, &sync_settings()).await;
    assert_eq!(resumed.status, RunStatus::Succeeded);
    let log = env.sim.request_log();
    let pages_log: Vec<_> = log.iter().filter(|r| r.operation.as_deref() != Some("getDeleted")).collect();
    assert!(pages_log.iter().all(|r| r.operation.as_deref() == Some("searchMoreWithId")), "resumed, not restarted");
    let mut pages: Vec<u32> = pages_log.iter().filter_map(|r| r.page_index).collect();
    pages.sort();
    let expected: Vec<u32> = (open.pages_done + 1..=12).collect();
    assert_eq!(pages, expected, "exactly the pages after the cursor, each once");

    // Same rows as an uninterrupted run into another database.
    let other = fresh_db().await;
    sync(&other.store, &env.tenant, &sync_settings()).await;
    assert_eq!(common::services_snapshot(store, "acme").await, common::services_snapshot(&other.store, "acme").await);
    assert_eq!(service_count(store, "acme").await, 3_000);
}

/// An interrupted pull whose searchId expired meanwhile runs the search again and still
/// converges (INVALID_JOB_ID is recovered, not fatal).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_search_id_reruns_the_search() {
    let env = setup(2_000, 100).await;
    let store = &env.db.store;
    env.sim.set_latency(Duration::from_millis(60));
    let cut = common::sync_cancelled_after(store, &env.tenant, 400).await;
    assert_eq!(cut.status, RunStatus::Cancelled, "cancelled before the end: {cut:?}");
    env.sim.set_latency(Duration::ZERO);
    env.sim.advance_clock(Duration::from_secs(16 * 60));
    env.sim.clear_request_log();
    let resumed = sync(store, &env.tenant, &sync_settings()).await;
    assert_eq!(resumed.status, RunStatus::Succeeded, "{resumed:?}");
    let log = env.sim.request_log();
    let search_at = log.iter().position(|r| r.operation.as_deref() == Some("search")).expect("the search ran again");
    assert!(
        search_at >= 1,
        "the expired searchId was tried first: {:?}",
        log.iter().map(|r| (r.operation.clone(), r.page_index, r.outcome.code().map(String::from))).collect::<Vec<_>>()
    );
    // Besides the getDeleted asked beside the pages, only expired searchIds came first.
    let before_search = log[..search_at].iter().filter(|r| r.operation.as_deref() != Some("getDeleted"));
    assert!(before_search.clone().count() >= 1, "{:?}", &log[..search_at]);
    assert!(before_search.into_iter().all(|r| r.outcome.code() == Some("INVALID_JOB_ID")), "{:?}", &log[..search_at]);
    assert_eq!(log.iter().filter(|r| r.operation.as_deref() == Some("search")).count(), 1);
    assert_eq!(service_count(store, "acme").await, 2_000);
}

/// A page that comes back short (rows moved while paging) restarts the search from page 1:
/// nothing is lost, nothing is duplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_page_restarts_the_search_without_loss() {
    use nsd_simulator::{FaultTarget, InjectedFault};
    let env = setup(1_000, 100).await;
    let store = &env.db.store;
    // Request 1 is the search; the next one (a searchMoreWithId) comes back one row short.
    env.sim.push_faults(FaultTarget::Any, vec![InjectedFault::Latency(Duration::ZERO), InjectedFault::ShortPage]);
    let run = sync(store, &env.tenant, &sync_settings()).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(service_count(store, "acme").await, 1_000);
    let searches = env.sim.request_log().iter().filter(|r| r.operation.as_deref() == Some("search")).count();
    assert_eq!(searches, 2, "the search ran again after the short page");
    let other = fresh_db().await;
    sync(&other.store, &env.tenant, &sync_settings()).await;
    assert_eq!(common::services_snapshot(store, "acme").await, common::services_snapshot(&other.store, "acme").await);
}
