//! The rows a run leaves (`tenants`, `sync_runs`, `sync_run_entities`, `entity_status`), each
//! written by one statement: a run opened for a tenant never seen, entities recorded with
//! each standing, a run closed with and without a last entity.

mod common;

use netsuite_discovery::store::{EntityOutcome, PullMode, RunStatus, Standing, Store};
use uuid::Uuid;

fn outcome(entity: &str, status: RunStatus) -> EntityOutcome {
    EntityOutcome {
        entity: entity.into(),
        mode: PullMode::Full,
        status,
        pages: 3,
        records: 2500,
        inserted: 2400,
        updated: 100,
        deleted: 7,
        rejected: 1,
        error_code: (status == RunStatus::Degraded).then(|| "INSUFFICIENT_PERMISSION".into()),
        error: (status == RunStatus::Degraded).then(|| "Permission Violation".into()),
    }
}

async fn standing(store: &Store, entity: &str) -> Option<(String, Option<String>, Option<String>)> {
    sqlx::query_as("SELECT status, code, message FROM entity_status WHERE tenant_id = 'acme' AND entity = $1")
        .bind(entity)
        .fetch_optional(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_run_opens_for_a_new_tenant_records_each_standing_and_closes() {
    let db = common::fresh_db().await;
    let s = &db.store;
    let run = Uuid::new_v4();
    // The tenant row the run refers to is written by the same statement.
    s.start_run(run, "acme", "1234567", "test", Some("replica-a")).await.unwrap();
    let (account, status): (String, String) = sqlx::query_as(
        "SELECT t.account_id, r.status FROM sync_runs r JOIN tenants t USING (tenant_id) WHERE r.run_id = $1",
    )
    .bind(run)
    .fetch_one(s.pool())
    .await
    .unwrap();
    assert_eq!((account.as_str(), status.as_str()), ("1234567", "running"));

    // Degraded: the outcome row and the standing with its code and message.
    let degraded = outcome("employees", RunStatus::Degraded);
    let code = degraded.error_code.as_deref().unwrap();
    let message = degraded.error.as_deref().unwrap();
    s.record_entity(run, "acme", &degraded, Standing::Degraded { code, message }).await.unwrap();
    assert_eq!(standing(s, "employees").await, Some(("degraded".into(), Some(code.into()), Some(message.into()))));
    // Failed: the outcome row, the standing left as it was.
    s.record_entity(run, "acme", &outcome("employees", RunStatus::Failed), Standing::Unchanged).await.unwrap();
    assert_eq!(standing(s, "employees").await.map(|s| s.0), Some("degraded".into()));
    let (entity_status, pages, records, deleted, rejected): (String, i32, i64, i64, i64) = sqlx::query_as(
        "SELECT status, pages, records, deleted, rejected FROM sync_run_entities WHERE run_id = $1 AND entity = 'employees'",
    )
    .bind(run)
    .fetch_one(s.pool())
    .await
    .unwrap();
    assert_eq!((entity_status.as_str(), pages, records, deleted, rejected), ("failed", 3, 2500, 7, 1));

    // Closed with its last entity, ok again: the standing clears its code.
    let vendors = outcome("vendors", RunStatus::Succeeded);
    let all = [outcome("employees", RunStatus::Failed), vendors.clone()];
    s.finish_run(run, RunStatus::Failed, 42, &all, Some("employees failed"), Some(("acme", &vendors, Standing::Ok)))
        .await
        .unwrap();
    assert_eq!(standing(s, "vendors").await, Some(("ok".into(), None, None)));
    let (status, requests, records, inserted, error): (String, i64, i64, i64, Option<String>) = sqlx::query_as(
        "SELECT status, requests, records, inserted, error FROM sync_runs WHERE run_id = $1 AND finished_at IS NOT NULL",
    )
    .bind(run)
    .fetch_one(s.pool())
    .await
    .unwrap();
    assert_eq!((status.as_str(), requests, records, inserted), ("failed", 42, 5000, 4800));
    assert_eq!(error.as_deref(), Some("employees failed"));
    let entities: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_run_entities WHERE run_id = $1")
        .bind(run)
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(entities, 2);

    // A run without any entity closes alone; a new account id is recorded.
    let empty = Uuid::new_v4();
    s.start_run(empty, "acme", "7654321", "test", None).await.unwrap();
    s.finish_run(empty, RunStatus::Succeeded, 0, &[], None, None).await.unwrap();
    let (status, entities, account): (String, i64, String) = sqlx::query_as(
        "SELECT r.status, (SELECT count(*) FROM sync_run_entities e WHERE e.run_id = r.run_id), t.account_id
         FROM sync_runs r JOIN tenants t USING (tenant_id) WHERE r.run_id = $1 AND r.finished_at IS NOT NULL",
    )
    .bind(empty)
    .fetch_one(s.pool())
    .await
    .unwrap();
    assert_eq!((status.as_str(), entities, account.as_str()), ("succeeded", 0, "7654321"));
}
