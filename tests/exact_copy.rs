//! An exact copy of NetSuite beyond paging: deletions (getDeleted), full refreshes that find
//! changes without a lastModifiedDate bump, drift between NetSuite's count and ours, and
//! records that cannot be read.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::copy::{live_vendors, setup, sync, truth_vendors, vendor_outcome};
use netsuite_discovery::store::RunStatus;
use nsd_simulator::{Corruption, SimRecordType, TransactionKind};

/// 1% of vendors, bills and expense reports deleted in NetSuite: the next delta marks exactly
/// those deleted, queues their deletions, and the counts match NetSuite's again. A record that
/// comes back is live again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletions_are_marked_queued_and_counted() {
    let env = setup(
        |s| s.with_vendors(2_000).with_employees(300).with_transactions(5_000).with_expense_reports(1_000),
        1000,
        false,
    )
    .await;
    let store = &env.db.store;
    let first = sync(store, &env.tenant).await;
    assert_eq!(first.status, RunStatus::Succeeded, "{first:?}");

    let bills_before: BTreeSet<String> = sqlx::query_scalar(
        "SELECT internal_id FROM invoices WHERE tenant_id = 'acme' AND record_type = 'VendorBill' AND deleted_at IS NULL",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .collect();
    let costs_before: i64 = sqlx::query_scalar("SELECT count(*) FROM costs WHERE tenant_id = 'acme'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let vendors = env.sim.delete_vendors(&env.account, 20).unwrap();
    let bills = env
        .sim
        .delete_transactions(&env.account, TransactionKind::VendorBill, (bills_before.len() / 100).max(2))
        .unwrap();
    let reports = env
        .sim
        .delete_transactions(&env.account, TransactionKind::ExpenseReport, ((costs_before / 100) as usize).max(2))
        .unwrap();
    assert!(
        !bills.is_empty() && !reports.is_empty(),
        "bills {} of {}, reports {} of {costs_before}",
        bills.len(),
        bills_before.len(),
        reports.len()
    );

    let delta = sync(store, &env.tenant).await;
    assert_eq!(delta.status, RunStatus::Succeeded, "{delta:?}");
    let deleted = |table: &'static str| async move {
        let ids: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT internal_id FROM {table} WHERE tenant_id = 'acme' AND deleted_at IS NOT NULL ORDER BY internal_id"
        ))
        .fetch_all(store.pool())
        .await
        .unwrap();
        ids.into_iter().collect::<BTreeSet<String>>()
    };
    let sorted = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
    assert_eq!(deleted("services").await, sorted(&vendors));
    // Bills within the window that were stored; deleted ones outside it were never stored.
    let stored_deleted_bills: BTreeSet<String> = sorted(&bills).intersection(&bills_before).cloned().collect();
    assert_eq!(deleted("invoices").await, stored_deleted_bills);
    let stored_reports: BTreeSet<String> = deleted("costs").await;
    assert!(stored_reports.is_subset(&sorted(&reports)) && !stored_reports.is_empty());

    // Outbox: one deletion per marked record.
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE tenant_id = 'acme' AND op = 'delete'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(queued as usize, vendors.len() + stored_deleted_bills.len() + stored_reports.len());
    assert_eq!(delta.outcomes.iter().map(|o| o.deleted).sum::<u64>() as i64, queued);

    // Counts match NetSuite's again: live vendors equal the simulator's.
    assert_eq!(live_vendors(store).await, truth_vendors(&env));
    // And the drift check of that delta agreed for every entity.
    let drift: i64 = sqlx::query_scalar("SELECT count(*) FROM reconciliations WHERE tenant_id = 'acme' AND drift")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(drift, 0);

    // A vendor that comes back is live again, and the next delta does not mark it again.
    env.sim.advance_clock(Duration::from_secs(5));
    env.sim.restore_deleted(&env.account, SimRecordType::Vendor, &vendors[0]).unwrap();
    let back = sync(store, &env.tenant).await;
    assert_eq!(back.status, RunStatus::Succeeded, "{back:?}");
    assert!(live_vendors(store).await.contains(&vendors[0]));
    assert_eq!(live_vendors(store).await, truth_vendors(&env));
}

/// A change NetSuite makes without moving lastModifiedDate is invisible to a delta and found by
/// the next full refresh; a row lost on our side is drift, reported by the next delta, and the
/// run after it pulls the entity in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_refresh_finds_silent_changes_and_drift_is_reported() {
    let mut env = setup(|s| s.with_vendors(1_000), 100, true).await;
    let store = &env.db.store;
    assert_eq!(sync(store, &env.tenant).await.status, RunStatus::Succeeded);

    let silent = env.sim.modify_vendors_silently(&env.account, 5).unwrap();
    let delta = sync(store, &env.tenant).await;
    assert_eq!(vendor_outcome(&delta).updated, 0, "a delta cannot see a change without a lastModifiedDate bump");

    env.tenant.schedule.full_every = Duration::ZERO;
    let refresh = sync(store, &env.tenant).await;
    let o = vendor_outcome(&refresh);
    assert_eq!((refresh.status, o.mode.as_str(), o.updated), (RunStatus::Succeeded, "full", 5), "{refresh:?}");
    let changed: Vec<String> = sqlx::query_scalar(
        "SELECT internal_id FROM services WHERE tenant_id = 'acme' AND updated_at > discovered_at ORDER BY internal_id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut silent_sorted = silent.clone();
    silent_sorted.sort();
    assert_eq!(changed, silent_sorted);

    // Drift: a row lost on our side.
    env.tenant.schedule.full_every = Duration::from_secs(7 * 24 * 3600);
    sqlx::query("DELETE FROM services WHERE tenant_id = 'acme' AND internal_id = $1")
        .bind(&silent[0])
        .execute(store.pool())
        .await
        .unwrap();
    let delta = sync(store, &env.tenant).await;
    assert_eq!(vendor_outcome(&delta).mode.as_str(), "delta");
    let (remote, local, drift): (i64, i64, bool) = sqlx::query_as(
        "SELECT remote, local, drift FROM reconciliations WHERE tenant_id = 'acme' AND entity = 'vendors'
         ORDER BY checked_at DESC, id DESC LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((remote, local, drift), (1_000, 999, true));
    let repaired = sync(store, &env.tenant).await;
    assert_eq!(vendor_outcome(&repaired).mode.as_str(), "full", "drift makes the next pull a full one");
    assert_eq!(live_vendors(store).await, truth_vendors(&env));
}

/// One unreadable vendor among 10,000: the other 9,999 are stored, the one is kept in
/// rejected_records with its error and XML, the run is degraded; once NetSuite's record reads
/// correctly, the next run (a delta) stores it and empties the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_record_does_not_block_its_page() {
    let env = setup(|s| s.with_vendors(10_000), 1000, true).await;
    let store = &env.db.store;
    let victim = env.sim.vendors(&env.account).unwrap()[4_321].internal_id.clone();
    env.sim
        .corrupt_record(
            &env.account,
            SimRecordType::Vendor,
            &victim,
            Corruption::BadDate { field: "lastModifiedDate".into() },
        )
        .unwrap();
    let run = sync(store, &env.tenant).await;
    assert_eq!(run.status, RunStatus::Degraded, "{run:?}");
    assert_eq!(vendor_outcome(&run).error_code.as_deref(), Some("rejected_records"));
    assert_eq!(live_vendors(store).await.len(), 9_999);
    let (key, error, xml): (String, String, String) =
        sqlx::query_as("SELECT record_key, error, xml FROM rejected_records WHERE tenant_id = 'acme'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(key, victim);
    assert!(error.contains("lastModifiedDate"), "{error}");
    assert!(xml.contains(&format!("internalId=\"{victim}\"")) && xml.contains("not-a-date"), "{xml}");

    // Still broken: tried again, still rejected, still degraded.
    let again = sync(store, &env.tenant).await;
    assert_eq!(again.status, RunStatus::Degraded, "{again:?}");

    env.sim.clear_corruptions(&env.account).unwrap();
    let fixed = sync(store, &env.tenant).await;
    assert_eq!(fixed.status, RunStatus::Succeeded, "{fixed:?}");
    assert_eq!(live_vendors(store).await, truth_vendors(&env));
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM rejected_records").fetch_one(store.pool()).await.unwrap();
    assert_eq!(left, 0);
}

/// XML 1.0's forbidden control characters in a record are an error of that record, not data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_control_character_rejects_its_record() {
    let env = setup(|s| s.with_vendors(300), 100, true).await;
    let store = &env.db.store;
    let victim = env.sim.vendors(&env.account).unwrap()[150].internal_id.clone();
    env.sim
        .corrupt_record(
            &env.account,
            SimRecordType::Vendor,
            &victim,
            Corruption::ControlChar { field: "companyName".into() },
        )
        .unwrap();
    let run = sync(store, &env.tenant).await;
    assert_eq!(run.status, RunStatus::Degraded, "{run:?}");
    assert_eq!(live_vendors(store).await.len(), 299);
    let error: String = sqlx::query_scalar("SELECT error FROM rejected_records WHERE record_key = $1")
        .bind(&victim)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(error.contains("XML 1.0") && error.contains("companyName"), "{error}");
}
