//! The lean write path (issue 11, point 3): a row is written when the hash of its typed
//! content changes, never because `raw` did; a line change alone changes its header; the outbox
//! row is written with the data and carries the row's hash; rows stored before hashes existed
//! are not rewritten (nor queued) by the first run after the upgrade.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use netsuite_discovery::netsuite::records::TransactionLine;
use netsuite_discovery::netsuite::{SpendRole, Transaction, Vendor};
use netsuite_discovery::store::{Batch, PageCommit, PageOutcome, PageShape, PullMode, Store, UpsertCounts};
use rust_decimal::Decimal;

const T: &str = "acme";

fn vendor(id: &str) -> Vendor {
    Vendor {
        internal_id: id.into(),
        external_id: None,
        entity_id: Some(compact_str::format_compact!("V-{id}")),
        company_name: Some(compact_str::format_compact!("Vendor {id}")),
        email: Some(compact_str::format_compact!("ap{id}@example.com")),
        url: None,
        category: Some("Software".into()),
        currency: Some("USD".into()),
        subsidiary: Some("HQ".into()),
        is_inactive: false,
        date_created: Some(Utc.with_ymd_and_hms(2020, 1, 2, 3, 4, 5).unwrap()),
        last_modified: Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()),
        raw: serde_json::json!({"@type": "Vendor", "internalId": id, "transport": "soap"}).into(),
    }
}

fn line(kind: &'static str, n: i32, amount: i64) -> TransactionLine {
    TransactionLine {
        kind,
        line: n,
        account: Some("6000 Software".into()),
        item: None,
        category: None,
        amount: Some(Decimal::new(amount, 2)),
        memo: Some(compact_str::format_compact!("line {n}")),
        department: None,
        class: None,
    }
}

fn invoice(id: &str) -> Transaction {
    Transaction {
        record_type: "VendorBill".into(),
        role: SpendRole::Expense,
        internal_id: id.into(),
        tran_id: Some(compact_str::format_compact!("BILL-{id}")),
        tran_date: NaiveDate::from_ymd_opt(2026, 3, 1),
        vendor_id: Some("1".into()),
        vendor_name: Some("Vendor 1".into()),
        total: Some(Decimal::new(30000, 2)),
        amount: Some(Decimal::new(30000, 2)),
        currency: Some("USD".into()),
        exchange_rate: Some(Decimal::new(1, 0)),
        subsidiary: Some("HQ".into()),
        department: None,
        memo: None,
        status: Some("Open".into()),
        due_date: NaiveDate::from_ymd_opt(2026, 4, 1),
        posting_period: Some("Mar 2026".into()),
        created: Some(Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()),
        last_modified: Some(Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()),
        lines: vec![line("expense", 1, 10000), line("expense", 2, 20000)],
        raw: serde_json::json!({"@type": "VendorBill", "internalId": id}).into(),
    }
}

/// Commits `batch` as page 1 of a fresh pull of `entity`, the way discovery does.
async fn commit(store: &Store, entity: &str, batch: Batch<'_>, ids: &[&str]) -> UpsertCounts {
    store.begin_pull(T, entity, Utc::now(), PullMode::Full, None, None, false).await.expect("begin");
    let seen: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    let shape = PageShape { total_records: ids.len() as u32, page_size: 1000, total_pages: 1 };
    let page = PageCommit { page_index: 1, shape, search_id: None, pages_done: 1, seen: &seen, rejected: &[] };
    match store.commit_page(T, entity, batch, page).await.expect("commit") {
        PageOutcome::Committed(c) => c,
        other => panic!("not committed: {other:?}"),
    }
}

async fn outbox(store: &Store, entity: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT internal_id, content_hash FROM outbox WHERE entity = $1 ORDER BY id")
        .bind(entity)
        .fetch_all(store.pool())
        .await
        .expect("outbox")
}

async fn fresh() -> common::TestDb {
    let db = common::fresh_db().await;
    db.store.upsert_tenant(T, "1234567").await.expect("tenant");
    db
}

fn counts(inserted: u64, updated: u64, unchanged: u64) -> UpsertCounts {
    UpsertCounts { inserted, updated, unchanged }
}

#[tokio::test]
async fn raw_does_not_decide_typed_columns_do() {
    let db = fresh().await;
    let s = &db.store;
    let vs = vec![vendor("1"), vendor("2")];
    assert_eq!(commit(s, "vendors", Batch::Vendors(&vs), &["1", "2"]).await, counts(2, 0, 0));
    assert_eq!(outbox(s, "services").await.len(), 2);

    // The same typed rows from another transport: another raw document, nothing changed.
    let other: Vec<Vendor> = vs
        .iter()
        .map(|v| Vendor { raw: serde_json::json!({"id": v.internal_id, "transport": "suiteql"}).into(), ..v.clone() })
        .collect();
    assert_eq!(commit(s, "vendors", Batch::Vendors(&other), &["1", "2"]).await, counts(0, 0, 2));
    assert_eq!(outbox(s, "services").await.len(), 2, "no outbox entry for a raw-only difference");
    // Same page twice: nothing.
    assert_eq!(commit(s, "vendors", Batch::Vendors(&vs), &["1", "2"]).await, counts(0, 0, 2));

    // One typed change: one update, one outbox entry, with the row's hash.
    let changed = vec![vendor("1"), Vendor { email: Some("new@example.com".into()), ..vendor("2") }];
    assert_eq!(commit(s, "vendors", Batch::Vendors(&changed), &["1", "2"]).await, counts(0, 1, 1));
    let queued = outbox(s, "services").await;
    assert_eq!(queued.len(), 3);
    let (id, hash) = &queued[2];
    assert_eq!(id, "2");
    let stored: String = sqlx::query_scalar(
        "SELECT encode(content_hash, 'hex') FROM services WHERE tenant_id = $1 AND internal_id = '2'",
    )
    .bind(T)
    .fetch_one(s.pool())
    .await
    .unwrap();
    assert_eq!(hash, &stored, "the outbox carries the hash of the row as written");
    assert_eq!(hash.len(), 32);
    let email: String =
        sqlx::query_scalar("SELECT email FROM services WHERE internal_id = '2'").fetch_one(s.pool()).await.unwrap();
    assert_eq!(email, "new@example.com");
}

#[tokio::test]
async fn raw_is_stored_as_the_parser_wrote_it() {
    let db = fresh().await;
    let s = &db.store;
    let vs = vec![vendor("1")];
    commit(s, "vendors", Batch::Vendors(&vs), &["1"]).await;
    let is = vec![invoice("7")];
    commit(s, "invoices", Batch::Invoices(&is), &["7"]).await;
    // `json` keeps the text; `jsonb` would reorder the keys and respace it.
    for (table, id, raw) in [("services", "1", &vs[0].raw), ("invoices", "7", &is[0].raw)] {
        let stored: String =
            sqlx::query_scalar(&format!("SELECT raw::text FROM {table} WHERE tenant_id = $1 AND internal_id = $2"))
                .bind(T)
                .bind(id)
                .fetch_one(s.pool())
                .await
                .unwrap();
        assert_eq!(stored, raw.as_str(), "{table}: raw byte for byte");
    }
}

#[tokio::test]
async fn a_line_change_alone_changes_its_header() {
    let db = fresh().await;
    let s = &db.store;
    let one = vec![invoice("10"), invoice("11")];
    assert_eq!(commit(s, "invoices", Batch::Invoices(&one), &["10", "11"]).await, counts(2, 0, 0));
    let lines: i64 = sqlx::query_scalar("SELECT count(*) FROM invoice_lines").fetch_one(s.pool()).await.unwrap();
    assert_eq!(lines, 4);
    let discovered: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT discovered_at FROM invoices WHERE internal_id = '10'")
            .fetch_one(s.pool())
            .await
            .unwrap();

    // Invoice 10: line 2's amount changes and a third line arrives; invoice 11: line 2 goes.
    let mut ten = invoice("10");
    ten.lines = vec![line("expense", 1, 10000), line("expense", 2, 25000), line("item", 1, 500)];
    let mut eleven = invoice("11");
    eleven.lines.truncate(1);
    let two = vec![ten, eleven];
    assert_eq!(commit(s, "invoices", Batch::Invoices(&two), &["10", "11"]).await, counts(0, 2, 0));
    assert_eq!(outbox(s, "invoices").await.len(), 4);
    let rows: Vec<(String, String, i32, Decimal)> =
        sqlx::query_as("SELECT internal_id, kind, line, amount FROM invoice_lines ORDER BY internal_id, kind, line")
            .fetch_all(s.pool())
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![
            ("10".into(), "expense".into(), 1, Decimal::new(10000, 2)),
            ("10".into(), "expense".into(), 2, Decimal::new(25000, 2)),
            ("10".into(), "item".into(), 1, Decimal::new(500, 2)),
            ("11".into(), "expense".into(), 1, Decimal::new(10000, 2)),
        ]
    );
    // Lines in another order are the same content.
    let mut shuffled = two.clone();
    shuffled[0].lines.reverse();
    assert_eq!(commit(s, "invoices", Batch::Invoices(&shuffled), &["10", "11"]).await, counts(0, 0, 2));
    assert_eq!(outbox(s, "invoices").await.len(), 4);
    let again: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT discovered_at FROM invoices WHERE internal_id = '10'")
            .fetch_one(s.pool())
            .await
            .unwrap();
    assert_eq!(again, discovered, "discovered_at is never updated");
}

#[tokio::test]
async fn a_deletion_mark_is_cleared_by_the_same_content() {
    let db = fresh().await;
    let s = &db.store;
    let vs = vec![vendor("1")];
    commit(s, "vendors", Batch::Vendors(&vs), &["1"]).await;
    assert_eq!(s.mark_deleted(T, "vendors", &["1".to_string()], Utc::now()).await.unwrap(), 1);
    assert_eq!(commit(s, "vendors", Batch::Vendors(&vs), &["1"]).await, counts(0, 1, 0));
    let deleted: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT deleted_at FROM services WHERE internal_id = '1'")
            .fetch_one(s.pool())
            .await
            .unwrap();
    assert!(deleted.is_none());
    // upsert, delete, upsert again.
    assert_eq!(outbox(s, "services").await.len(), 3);
}

/// A database whose rows were written before content hashes existed: the first run after the
/// upgrade fills the hashes in and writes (and queues) only what really changed.
#[tokio::test]
async fn upgrade_from_rows_without_hashes() {
    let db = fresh().await;
    let s = &db.store;
    let vs = vec![vendor("1"), vendor("2"), vendor("3")];
    commit(s, "vendors", Batch::Vendors(&vs), &["1", "2", "3"]).await;
    let invs = vec![invoice("10"), invoice("11"), invoice("12")];
    commit(s, "invoices", Batch::Invoices(&invs), &["10", "11", "12"]).await;
    // What an earlier version left: no hashes, raw as its parser wrote it, an outbox delivered.
    for table in ["services", "invoices"] {
        sqlx::query(&format!(
            "UPDATE {table} SET content_hash = NULL, raw = (raw::jsonb || '{{\"written_by\": \"an older version\"}}'::jsonb)::json"
        ))
        .execute(s.pool())
        .await
        .unwrap();
    }
    sqlx::query("DELETE FROM outbox").execute(s.pool()).await.unwrap();

    // A new process (a store of its own) after the upgrade.
    let upgraded = Store::connect(&db.url, 4).await.unwrap();
    let mut changed = vs.clone();
    changed[2].company_name = Some("Renamed".into());
    assert_eq!(
        commit(&upgraded, "vendors", Batch::Vendors(&changed), &["1", "2", "3"]).await,
        counts(0, 1, 2),
        "only the renamed vendor is written"
    );
    let mut invs2 = invs.clone();
    invs2[1].lines[0].memo = Some("a line changed".into());
    invs2[2].status = Some("Paid In Full".into());
    assert_eq!(commit(&upgraded, "invoices", Batch::Invoices(&invs2), &["10", "11", "12"]).await, counts(0, 2, 1));
    let queued: Vec<String> = outbox(&upgraded, "services")
        .await
        .into_iter()
        .chain(outbox(&upgraded, "invoices").await)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(queued, vec!["3", "11", "12"]);
    for table in ["services", "invoices"] {
        let missing: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE content_hash IS NULL"))
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(missing, 0, "every {table} row has its hash after the first run");
    }
    // The next run is a plain hash comparison: nothing changes.
    assert_eq!(commit(&upgraded, "vendors", Batch::Vendors(&changed), &["1", "2", "3"]).await, counts(0, 0, 3));
    assert_eq!(commit(&upgraded, "invoices", Batch::Invoices(&invs2), &["10", "11", "12"]).await, counts(0, 0, 3));
    assert_eq!(outbox(&upgraded, "services").await.len() + outbox(&upgraded, "invoices").await.len(), 3);
}

/// Pages that arrived together commit as one batch, each page's keys with it and the cursor
/// at the largest page; two of them sharing a record write nothing and say which pages, as
/// does a page repeating a record of an earlier commit.
#[tokio::test]
async fn pages_committed_together_and_their_overlaps() {
    use netsuite_discovery::store::PagesOutcome;
    let db = fresh().await;
    let s = &db.store;
    s.begin_pull(T, "vendors", Utc::now(), PullMode::Full, None, None, false).await.expect("begin");
    let shape = PageShape { total_records: 6, page_size: 2, total_pages: 3 };
    let keys = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let page = |index: u32, seen| PageCommit {
        page_index: index,
        shape,
        search_id: Some("s1"),
        pages_done: 2,
        seen,
        rejected: &[],
    };

    // Pages 1 and 2 share vendor 2: nothing is written.
    let (one, two) = (keys(&["1", "2"]), keys(&["2", "3"]));
    let vs = vec![vendor("1"), vendor("2"), vendor("3")];
    let outcome =
        s.commit_pages(T, "vendors", Batch::Vendors(&vs), &[page(1, &one), page(2, &two)]).await.expect("commit");
    assert_eq!(outcome, PagesOutcome::Overlap { page: 2, key: "2".into(), other_page: 1 });
    assert_eq!(s.seen_count(T, "vendors").await.expect("seen"), 0);
    assert!(outbox(s, "services").await.is_empty());

    // Pages 1 and 2 together: one batch of four vendors, both pages' keys, the cursor at 2.
    let two = keys(&["3", "4"]);
    let vs = vec![vendor("1"), vendor("2"), vendor("3"), vendor("4")];
    let outcome =
        s.commit_pages(T, "vendors", Batch::Vendors(&vs), &[page(1, &one), page(2, &two)]).await.expect("commit");
    assert_eq!(outcome, PagesOutcome::Committed(counts(4, 0, 0)));
    assert_eq!(s.seen_count(T, "vendors").await.expect("seen"), 4);
    assert_eq!(outbox(s, "services").await.len(), 4);
    let done: i32 =
        sqlx::query_scalar("SELECT pages_done FROM sync_cursors WHERE tenant_id = $1 AND entity = 'vendors'")
            .bind(T)
            .fetch_one(s.pool())
            .await
            .expect("cursor");
    assert_eq!(done, 2);

    // Page 3 repeats vendor 4 of page 2: nothing of it is written.
    let three = keys(&["4", "5"]);
    let vs = vec![vendor("4"), vendor("5")];
    let outcome = s
        .commit_pages(T, "vendors", Batch::Vendors(&vs), &[PageCommit { pages_done: 3, ..page(3, &three) }])
        .await
        .expect("commit");
    assert_eq!(outcome, PagesOutcome::Overlap { page: 3, key: "4".into(), other_page: 2 });
    assert_eq!(s.seen_count(T, "vendors").await.expect("seen"), 4);
    assert_eq!(outbox(s, "services").await.len(), 4);
}
