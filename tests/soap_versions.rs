//! SOAP endpoint versions per tenant (issue 12, point 1): one simulated account pulled over
//! SOAP 2017_2, 2023_2 and 2025_2 into three fresh databases gives equal tables; every request
//! of the 2023_2 pull validates against the 2023_2 XSDs; a tenant moved from 2017_2 to 2025_2
//! by editing its file continues from its rows and cursors.

mod common;

use std::time::Instant;

use common::tables::{assert_tables_equal, table_counts, table_differences};
use common::{client_creds, fresh_db, sync_settings, TestDb};
use netsuite_discovery::config::{load_tenant_file, Categories, Tenant};
use netsuite_discovery::discovery::{sync_tenant, Departments, EntitySpec, ExpenseCategories, RunSummary};
use netsuite_discovery::netsuite::SoapVersion;
use netsuite_discovery::store::{PullMode, RunStatus};
use nsd_simulator::{AccountId, AccountSpec, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

/// The simulator's name for a product version.
fn sim_version(v: SoapVersion) -> nsd_simulator::SoapVersion {
    match v {
        SoapVersion::V2017_2 => nsd_simulator::SoapVersion::V2017_2,
        SoapVersion::V2023_2 => nsd_simulator::SoapVersion::V2023_2,
        SoapVersion::V2025_2 => nsd_simulator::SoapVersion::V2025_2,
    }
}

/// Every entity on: vendors, invoices, expense categories, costs, departments, employees.
fn all_entities(t: Tenant) -> Tenant {
    Tenant { categories: Categories { hris: true, ..Categories::default() }, ..t }
}

async fn sync(db: &TestDb, t: &Tenant) -> RunSummary {
    let run = sync_tenant(&db.store, t, &sync_settings(), CancellationToken::new(), "test").await.expect("sync runs");
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    run
}

/// The account of the issue, 2,000 vendors, 50,000 vendor transactions, 5,000 expense
/// reports, 5,000 employees and 120 departments, when `NSD_TEST_FULL_SIZE=1`; otherwise a
/// fifth of it (120 departments all the same), so that the suite stays within its CI budget:
/// the full size takes 80 to 130 s on a busy shared 2-core machine (three pulls of about 25,000
/// records in the transaction-date window each, plus the comparison), the fifth about a fifth
/// of that.
fn issue_account(account: &AccountId) -> (AccountSpec, usize) {
    let full = std::env::var("NSD_TEST_FULL_SIZE").is_ok_and(|v| v == "1");
    let div = if full { 1 } else { 5 };
    let spec = AccountSpec::new(account.clone(), 12)
        .with_vendors(2_000 / div)
        .with_transactions(50_000 / div)
        .with_expense_reports(5_000 / div)
        .with_employees(5_000 / div)
        .with_departments(120);
    (spec, div)
}

/// The same account pulled over each endpoint version, each into a fresh database: every
/// table equal row for row (`common::tables::IGNORED_COLUMNS` lists what is left out and
/// why). The 2023_2 pull's requests are kept and validated against the 2023_2 XSDs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_over_three_endpoint_versions_gives_equal_tables() {
    common::init_logs();
    let account = AccountId::parse("7654321").unwrap();
    let started = Instant::now();
    let sim = Simulator::new(SimConfig::default());
    let (spec, div) = issue_account(&account);
    sim.add_account(spec).unwrap();
    let generated = started.elapsed();
    let running = sim.clone().spawn().await.unwrap();
    let creds = client_creds(sim.credentials(&account).unwrap());

    let mut dbs = Vec::new();
    let mut report = vec![format!("account at 1/{div} of the issue's size generated in {generated:?}")];
    for v in SoapVersion::ALL {
        let db = fresh_db().await;
        let t = Tenant {
            soap_version: v,
            ..all_entities(common::tenant("acme", creds.clone(), &running.endpoint_for(sim_version(v)), 1000))
        };
        assert!(t.endpoint.ends_with(&format!("/services/NetSuitePort_{v}")));
        sim.clear_request_log();
        // Only the 2023_2 pull's bodies are kept, for the XSD check below.
        sim.set_record_bodies(v == SoapVersion::V2023_2);
        let t0 = Instant::now();
        let run = sync(&db, &t).await;
        let took = t0.elapsed();
        sim.set_record_bodies(false);
        assert!(run.outcomes.iter().all(|o| o.mode == PullMode::Full && o.rejected == 0), "{v}: {run:?}");
        let log = sim.request_log();
        assert!(!log.is_empty());
        assert!(
            log.iter().all(|r| r.version == Some(sim_version(v)) && r.outcome.is_ok()),
            "{v}: every request went to NetSuitePort_{v} and was answered"
        );
        let records: u64 = run.outcomes.iter().map(|o| o.records).sum();
        report.push(format!("{v}: {} requests, {records} records in {took:?}", log.len()));
        if v == SoapVersion::V2023_2 {
            let requests: Vec<(String, Vec<u8>)> = log
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let op = r.operation.clone().unwrap_or_default();
                    (format!("request_{i}_{op}"), r.request_body.clone().expect("request body recorded"))
                })
                .collect();
            for (name, body) in &requests {
                let text = String::from_utf8_lossy(body);
                assert!(text.contains("urn:messages_2023_2.") && !text.contains("_2017_2."), "{name}: {text}");
            }
            if let Err(problems) = common::xsd_validate_version(&requests, "2023_2") {
                panic!("requests of the 2023_2 pull do not validate against the 2023_2 XSDs:\n{problems}");
            }
            report.push(format!("2023_2: {} requests validated against the 2023_2 XSDs", requests.len()));
        }
        drop(log);
        sim.clear_request_log();
        dbs.push(db);
    }
    let counts = table_counts(&dbs[0]).await;
    for (table, expected) in [("services", 2_000 / div as i64), ("employees", 5_000 / div as i64), ("departments", 120)]
    {
        assert_eq!(counts.get(table), Some(&expected), "{table}: {counts:?}");
    }
    // Transactions are pulled within the transaction-date window (of the three years the
    // generator spreads them over), the same window at every version.
    for table in ["invoices", "invoice_lines", "costs", "cost_lines", "outbox"] {
        assert!(counts.get(table).is_some_and(|n| *n > 1_000 / div as i64), "{table}: {counts:?}");
    }
    let t0 = Instant::now();
    assert_tables_equal(&dbs[0], &dbs[1]).await;
    assert_tables_equal(&dbs[0], &dbs[2]).await;
    report.push(format!("tables compared in {:?}: {counts:?}", t0.elapsed()));
    // The comparison does see a difference: one vendor's name changed in one database.
    sqlx::query("UPDATE services SET company_name = company_name || ' (changed)' WHERE internal_id = (SELECT min(internal_id) FROM services)")
        .execute(dbs[2].store.pool())
        .await
        .unwrap();
    let found = table_differences(&dbs[0], &dbs[2]).await;
    assert!(found.len() == 1 && found[0].starts_with("table services") && found[0].contains("(changed)"), "{found:?}");
    report.push(format!("whole test {:?}", started.elapsed()));
    eprintln!("{}", report.join("\n"));
}

/// A tenant onboarded over 2017_2 and switched to 2025_2 by editing `soap_version` in its
/// file: the next run is a delta from the cursors it has, inserts and updates nothing and
/// queues nothing; a later change arrives over 2025_2 as a delta.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_moved_from_2017_2_to_2025_2_continues_from_its_rows_and_cursors() {
    common::init_logs();
    let account = AccountId::parse("7654321").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(
        AccountSpec::new(account.clone(), 5)
            .with_vendors(300)
            .with_transactions(3_000)
            .with_expense_reports(300)
            .with_employees(300)
            .with_departments(20),
    )
    .unwrap();
    let running = sim.clone().spawn().await.unwrap();
    let creds = client_creds(sim.credentials(&account).unwrap());
    let db = fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme.toml");
    // The endpoint names the server only: the path comes from soap_version.
    let write = |version: &str| {
        common::write_tenant_file(
            dir.path(),
            "acme",
            &creds,
            &running.base_url(),
            &format!("soap_version = \"{version}\"\n[categories]\nhris = true\n"),
        )
    };

    write("2017_2");
    let t = load_tenant_file(&file, &sync_settings()).unwrap();
    assert_eq!((t.soap_version, t.endpoint.clone()), (SoapVersion::V2017_2, running.endpoint()));
    let first = sync(&db, &t).await;
    assert!(first.outcomes.iter().all(|o| o.mode == PullMode::Full), "onboarding: {first:?}");
    let before = snapshot(&db).await;
    assert!(before.outbox > 0, "onboarding queues every row");
    assert!(before.cursors.iter().all(|c| c.1 == "delta"), "{:?}", before.cursors);
    assert!(sim.request_log().iter().all(|r| r.version == Some(nsd_simulator::SoapVersion::V2017_2)));

    // The operator edits one key.
    sim.clear_request_log();
    write("2025_2");
    let t = load_tenant_file(&file, &sync_settings()).unwrap();
    assert_eq!(t.soap_version, SoapVersion::V2025_2);
    assert_eq!(t.endpoint, running.endpoint_for(nsd_simulator::SoapVersion::V2025_2));
    let second = sync(&db, &t).await;
    // Expense categories and departments have no lastModifiedDate to search by: every pass
    // pulls them whole (and finds nothing new). Every other entity runs a delta.
    let whole = [ExpenseCategories::NAME, Departments::NAME];
    assert_eq!(second.outcomes.len(), 6);
    for o in &second.outcomes {
        let expected = if whole.contains(&o.entity.as_str()) { PullMode::Full } else { PullMode::Delta };
        assert_eq!(o.mode, expected, "{} pulled {:?}", o.entity, o.mode);
        assert_eq!((o.inserted, o.updated, o.deleted, o.rejected), (0, 0, 0, 0), "{o:?}");
    }
    let after = snapshot(&db).await;
    assert_eq!(after.rows, before.rows, "no row added or removed");
    assert_eq!(after.outbox, before.outbox, "no outbox entry queued");
    assert_eq!(after.runs, 2);
    for ((entity, phase, hw), (entity0, _, hw0)) in after.cursors.iter().zip(&before.cursors) {
        assert_eq!((entity, phase.as_str()), (entity0, "delta"));
        assert!(hw > hw0, "{entity}: the cursor moves on from {hw0:?} to {hw:?}");
    }
    let log = sim.request_log();
    assert!(
        !log.is_empty()
            && log.iter().all(|r| r.version == Some(nsd_simulator::SoapVersion::V2025_2) && r.outcome.is_ok())
    );

    // A change in NetSuite arrives over 2025_2 as a delta, queued once.
    sim.add_vendors(&account, 3).unwrap();
    let third = sync(&db, &t).await;
    let vendors = third.outcomes.iter().find(|o| o.entity == "vendors").unwrap();
    assert_eq!((vendors.mode, vendors.inserted, vendors.updated), (PullMode::Delta, 3, 0), "{vendors:?}");
    let last = snapshot(&db).await;
    assert_eq!(last.outbox, before.outbox + 3);

    // `check` says which endpoint version it used.
    let report = netsuite_discovery::discovery::check_tenant(&t, &sync_settings()).await.unwrap();
    let table = report.render();
    assert_eq!(report.exit_code(), 0, "{table}");
    assert!(table.contains(&format!("SOAP endpoint version 2025_2 at {}", t.endpoint)), "{table}");
    eprintln!(
        "switch 2017_2 -> 2025_2: onboarding {} rows, {} outbox entries; switched run: {} requests, 0 inserted, \
         0 updated, 0 outbox entries; next delta: 3 vendors inserted and queued",
        before.rows, before.outbox, second.requests
    );
}

/// What the switch test compares between runs.
struct Snapshot {
    /// Rows of every data table together.
    rows: i64,
    /// Outbox entries.
    outbox: i64,
    /// Runs recorded.
    runs: i64,
    /// (entity, phase, high_water) of each cursor, by entity.
    cursors: Vec<(String, String, Option<chrono::DateTime<chrono::Utc>>)>,
}

async fn snapshot(db: &TestDb) -> Snapshot {
    let pool = db.store.pool();
    let rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM services) + (SELECT count(*) FROM invoices) + (SELECT count(*) FROM invoice_lines)
              + (SELECT count(*) FROM costs) + (SELECT count(*) FROM cost_lines)
              + (SELECT count(*) FROM expense_categories) + (SELECT count(*) FROM departments)
              + (SELECT count(*) FROM employees)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let outbox = sqlx::query_scalar("SELECT count(*) FROM outbox").fetch_one(pool).await.unwrap();
    let runs = sqlx::query_scalar("SELECT count(*) FROM sync_runs").fetch_one(pool).await.unwrap();
    let cursors = sqlx::query_as("SELECT entity, phase, high_water FROM sync_cursors ORDER BY entity")
        .fetch_all(pool)
        .await
        .unwrap();
    Snapshot { rows, outbox, runs, cursors }
}

/// Each version's path answers in its own namespaces and refuses another version's request
/// with a SOAP fault (through the product's client: the fault is read as NetSuite's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_path_speaks_its_own_version_only() {
    use netsuite_discovery::netsuite::search::{SearchQuery, SearchType};
    use netsuite_discovery::netsuite::{Client, ClientConfig};
    let account = AccountId::parse("7654321").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account.clone(), 3).with_vendors(7)).unwrap();
    sim.set_record_bodies(true);
    let running = sim.clone().spawn().await.unwrap();
    let creds = client_creds(sim.credentials(&account).unwrap());
    for v in SoapVersion::ALL {
        for path in SoapVersion::ALL {
            sim.clear_request_log();
            let endpoint = running.endpoint_for(sim_version(path));
            let client = Client::new(creds.clone(), ClientConfig::for_version(endpoint, v)).unwrap();
            let result = client.search(&SearchQuery::all(SearchType::Vendor)).await;
            let log = sim.request_log();
            let answer = String::from_utf8_lossy(log[0].response_body.as_deref().unwrap()).into_owned();
            if v == path {
                let page = result.unwrap_or_else(|e| panic!("{v} at its own path: {e}"));
                assert_eq!(page.records.len(), 7);
                assert!(
                    answer.contains(&format!("urn:messages_{v}."))
                        && answer.contains(&format!("urn:relationships_{v}."))
                );
                for other in SoapVersion::ALL.into_iter().filter(|o| *o != v) {
                    assert!(!answer.contains(&format!("_{other}.")), "{v} answer names {other}: {answer}");
                }
            } else {
                let e = result.expect_err("a request of another version is refused");
                assert_eq!(log[0].http_status, 500, "{answer}");
                assert!(
                    answer.contains("soapenv:Fault") && answer.contains(&format!("NetSuitePort_{path}")),
                    "{answer}"
                );
                assert!(e.to_string().contains(v.as_str()), "{v} at {path}: {e}");
            }
        }
    }
}

/// The simulator on its own, with the client's stored 2017_2 envelope moved to each version:
/// each path reads its own version (the old passport is refused as a login, with the fault
/// detail in that version's faults namespace), refuses every other version's namespaces with
/// a fault naming both, and no other `NetSuitePort_*` path exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_serves_each_version_on_its_own_path() {
    const FIXTURE: &str =
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/simulator/fixtures/client_search_body_fields_1000.xml"));
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(AccountId::parse("1234567_SB1").unwrap(), 3).with_vendors(3)).unwrap();
    let running = sim.spawn().await.unwrap();
    let http = reqwest::Client::new();
    for v in nsd_simulator::SoapVersion::ALL {
        let body = FIXTURE.replace("_2017_2.", &format!("_{}.", v.as_str()));
        for path in nsd_simulator::SoapVersion::ALL {
            let resp =
                http.post(running.endpoint_for(path)).header("SOAPAction", "search").body(body.clone()).send().await;
            let resp = resp.unwrap();
            assert_eq!(resp.status().as_u16(), 500);
            let text = resp.text().await.unwrap();
            if v == path {
                let faults =
                    format!("xmlns:platformFaults=\"urn:faults_{}.platform.webservices.netsuite.com\"", v.as_str());
                assert!(text.contains("invalidCredentialsFault") && text.contains(&faults), "{v:?}: {text}");
            } else {
                assert!(
                    text.contains(&format!("NetSuitePort_{}", path.as_str())) && text.contains(v.as_str()),
                    "{v:?} at {path:?}: {text}"
                );
                assert!(!text.contains("invalidCredentialsFault"), "refused before authentication: {text}");
            }
        }
    }
    let other = http.post(format!("{}/services/NetSuitePort_2019_1", running.base_url())).body(FIXTURE).send().await;
    assert_eq!(other.unwrap().status().as_u16(), 404);
}
