//! Comparing two databases table by table: what one pull wrote against what another wrote
//! (the same account over SOAP 2017_2, 2023_2 and 2025_2; SuiteQL may be added as a fourth).

use std::collections::BTreeMap;

use super::TestDb;

/// Columns left out of every comparison, by name, in any table. Each records *when we* did
/// something or *which of our runs* did it, never what NetSuite holds, so two pulls of one
/// account at different moments differ in them by nature:
///
/// - our clock: `discovered_at`, `updated_at`, `created_at`, `synced_at`, `queued_at`,
///   `delivered_at`, `started_at`, `finished_at`, `since` (entity_status), `first_seen`,
///   `last_seen` (rejected_records), `checked_at` (reconciliations), `acquired_at`,
///   `renewed_at`, `expires_at` (tenant_leases), and the cursor times taken from the pull's
///   start: `high_water`, `pull_started_at`, `pull_since`, `last_full_at`,
///   `deleted_high_water`;
/// - ids we generate: `run_id` (a uuid per run), `batch_id` (a uuid per push batch), `id`
///   (the bigserial of `outbox` and `reconciliations`: entities are pulled concurrently, so
///   insert order, and with it the serial, is not fixed).
///
/// Everything else is compared, `raw` (the record as read) and `deleted_at` included. Rows are
/// compared as multisets (ordered by their JSON text), so row order does not matter.
pub const IGNORED_COLUMNS: &[&str] = &[
    "discovered_at",
    "updated_at",
    "created_at",
    "synced_at",
    "queued_at",
    "delivered_at",
    "started_at",
    "finished_at",
    "since",
    "first_seen",
    "last_seen",
    "checked_at",
    "acquired_at",
    "renewed_at",
    "expires_at",
    "high_water",
    "pull_started_at",
    "pull_since",
    "last_full_at",
    "deleted_high_water",
    "run_id",
    "batch_id",
    "id",
];

/// Tables that are not data: sqlx's migration bookkeeping.
const IGNORED_TABLES: &[&str] = &["_sqlx_migrations"];

/// The tables of the public schema (the same migrations make the same tables in both).
async fn tables(db: &TestDb) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(db.store.pool())
    .await
    .expect("list tables")
    .into_iter()
    .filter(|t: &String| !IGNORED_TABLES.contains(&t.as_str()))
    .collect()
}

/// `(rows, md5 of the sorted rows)` of `table` without [`IGNORED_COLUMNS`].
async fn digest(db: &TestDb, table: &str) -> (i64, Option<String>) {
    // `table` comes from information_schema, quoted as an identifier.
    let sql = format!(
        "SELECT count(*), md5(string_agg(j, E'\\n' ORDER BY j)) FROM
         (SELECT (to_jsonb(t) - $1::text[])::text AS j FROM \"{}\" t) s",
        table.replace('"', "\"\"")
    );
    sqlx::query_as(&sql).bind(IGNORED_COLUMNS).fetch_one(db.store.pool()).await.expect("digest a table")
}

/// The rows of `table` without [`IGNORED_COLUMNS`], as JSON text, with their counts.
async fn rows(db: &TestDb, table: &str) -> BTreeMap<String, i64> {
    let sql = format!("SELECT (to_jsonb(t) - $1::text[])::text FROM \"{}\" t", table.replace('"', "\"\""));
    let mut out = BTreeMap::new();
    for j in sqlx::query_scalar::<_, String>(&sql).bind(IGNORED_COLUMNS).fetch_all(db.store.pool()).await.expect("rows")
    {
        *out.entry(j).or_insert(0) += 1;
    }
    out
}

/// The row counts of every table of `db` (for reports).
pub async fn table_counts(db: &TestDb) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for t in tables(db).await {
        out.insert(t.clone(), digest(db, &t).await.0);
    }
    out
}

/// Asserts that every table of `a` equals the same table of `b` row for row, leaving out
/// [`IGNORED_COLUMNS`]. On a difference, panics naming the table and showing up to five rows
/// found on one side only.
pub async fn assert_tables_equal(a: &TestDb, b: &TestDb) {
    let problems = table_differences(a, b).await;
    assert!(problems.is_empty(), "the databases differ:\n{}", problems.join("\n"));
}

/// The tables in which `a` and `b` differ (see [`assert_tables_equal`]), one text per table.
pub async fn table_differences(a: &TestDb, b: &TestDb) -> Vec<String> {
    let (ta, tb) = (tables(a).await, tables(b).await);
    assert_eq!(ta, tb, "{} and {} have different tables", a.name, b.name);
    let mut problems = Vec::new();
    for t in &ta {
        let (da, db) = tokio::join!(digest(a, t), digest(b, t));
        if da == db {
            continue;
        }
        let (ra, rb) = tokio::join!(rows(a, t), rows(b, t));
        let only = |x: &BTreeMap<String, i64>, y: &BTreeMap<String, i64>| -> Vec<String> {
            x.iter().filter(|(k, n)| y.get(*k) != Some(n)).take(5).map(|(k, n)| format!("    {n}x {k}")).collect()
        };
        problems.push(format!(
            "table {t}: {} rows in {}, {} in {}\n  only in {}:\n{}\n  only in {}:\n{}",
            ra.values().sum::<i64>(),
            a.name,
            rb.values().sum::<i64>(),
            b.name,
            a.name,
            only(&ra, &rb).join("\n"),
            b.name,
            only(&rb, &ra).join("\n"),
        ));
    }
    problems
}
