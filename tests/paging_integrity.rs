//! Paging integrity: NetSuite's paging answers that contradict their search, and searchIds
//! that always expire. The run either ends with exactly NetSuite's rows or fails naming the
//! inconsistency (never succeeds with a row missing), and the run after the fault is switched
//! off ends with exactly NetSuite's rows.

mod common;

use std::time::{Duration, Instant};

use common::copy::{live_vendors, setup, sync, truth_vendors, vendor_outcome};
use common::sync_settings;
use netsuite_discovery::config::SyncSettings;
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::store::RunStatus;
use nsd_simulator::PagingFault;
use tokio_util::sync::CancellationToken;

/// One paging fault against a 450-vendor account in pages of 100: the faulty run ends with
/// exactly NetSuite's rows or fails naming the inconsistency; the run after the fault is
/// switched off ends with exactly NetSuite's rows. Twice: at onboarding and in a delta.
async fn paging_fault(fault: PagingFault, expect_in_message: &[&str]) {
    let env = setup(|s| s.with_vendors(450), 100, true).await;
    let store = &env.db.store;
    let truth = truth_vendors(&env);

    // Onboarding under the fault.
    env.sim.set_paging_faults(&env.account, vec![fault.clone()]);
    let faulty = sync(store, &env.tenant).await;
    let o = vendor_outcome(&faulty);
    match faulty.status {
        RunStatus::Succeeded => assert_eq!(live_vendors(store).await, truth, "a succeeded run holds every row"),
        RunStatus::Failed => {
            let msg = o.error.clone().unwrap_or_default();
            assert!(
                msg.contains("inconsistent") && expect_in_message.iter().any(|e| msg.contains(e)),
                "{fault:?}: {msg}"
            );
            assert_eq!(o.error_code.as_deref(), Some("inconsistent_paging"));
        }
        other => panic!("{fault:?}: unexpected status {other:?}: {faulty:?}"),
    }
    assert_ne!(faulty.status, RunStatus::Succeeded, "{fault:?} cannot be read consistently: {faulty:?}");

    env.sim.clear_paging_faults(&env.account);
    let clean = sync(store, &env.tenant).await;
    assert_eq!(clean.status, RunStatus::Succeeded, "{clean:?}");
    assert_eq!(live_vendors(store).await, truth, "{fault:?}: the run after the fault holds exactly NetSuite's rows");

    // A delta under the fault: the page holds enough changed rows to be paged (450 modified).
    env.sim.modify_vendors(&env.account, 450).unwrap();
    env.sim.set_paging_faults(&env.account, vec![fault.clone()]);
    let faulty = sync(store, &env.tenant).await;
    assert_eq!(faulty.status, RunStatus::Failed, "{fault:?} in a delta: {faulty:?}");
    env.sim.clear_paging_faults(&env.account);
    let after = sync(store, &env.tenant).await;
    assert_eq!(after.status, RunStatus::Succeeded, "{after:?}");
    assert_eq!(vendor_outcome(&after).mode.as_str(), "full", "a failed inconsistent pull is followed by a full one");
    assert_eq!(live_vendors(store).await, truth);
    let modified_stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM services WHERE tenant_id = 'acme' AND updated_at > discovered_at AND deleted_at IS NULL",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(modified_stored, 450, "every modified vendor is stored as modified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totals_that_shrink_on_a_later_page() {
    paging_fault(PagingFault::ShrinkTotals { from_page: 3, total_pages: 3 }, &["totalPages", "totalRecords"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_middle_page_that_stays_short() {
    paging_fault(PagingFault::ShortPage { page: 3 }, &["records on the page"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_overlapping_the_one_before() {
    paging_fault(PagingFault::Overlap { page: 3, rows: 10 }, &["already received"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_to_page_3_is_page_2() {
    paging_fault(PagingFault::WrongPageIndex { asked: 3, answered: 2 }, &["pageIndex"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn total_pages_that_lie_about_total_records() {
    paging_fault(PagingFault::LyingTotalPages { total_pages: 3 }, &["totalPages"]).await;
}

/// A searchId that always expires: the pull gives up within its budget, with back-off, and
/// keeps what it committed; after the fault the next run completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_id_that_always_expires_gives_up_within_its_budget() {
    let env = setup(|s| s.with_vendors(450), 100, true).await;
    let store = &env.db.store;
    env.sim.set_paging_faults(&env.account, vec![PagingFault::AlwaysExpire]);
    let s = SyncSettings { max_search_restarts: 4, restart_base_ms: 100, ..sync_settings() };
    let started = Instant::now();
    let run = sync_tenant(store, &env.tenant, &s, CancellationToken::new(), "test").await.unwrap();
    let took = started.elapsed();
    let o = vendor_outcome(&run);
    assert_eq!(run.status, RunStatus::Failed, "{run:?}");
    assert_eq!(o.error_code.as_deref(), Some("restarts_exhausted"));
    assert!(o.error.as_deref().unwrap_or("").contains("INVALID_JOB_ID"), "{o:?}");
    // 5 searches (the first and 4 restarts), each followed by at most one searchMoreWithId
    // per remaining page (pages are fetched ahead while the first answer is read), and the one
    // getDeleted asked beside the pages once a page after page 1 is in hand.
    assert!(run.requests <= 5 * 5 + 1, "requests sent: {}", run.requests);
    // Back-off 100 + 200 + 400 + 800 ms at least.
    assert!(took >= Duration::from_millis(1500), "took {took:?}");
    println!("always-expiring searchId: gave up after {} requests in {:.2} s", run.requests, took.as_secs_f64());

    env.sim.clear_paging_faults(&env.account);
    let clean = sync(store, &env.tenant).await;
    assert_eq!(clean.status, RunStatus::Succeeded, "{clean:?}");
    assert_eq!(live_vendors(store).await, truth_vendors(&env));
}
