//! Bad input from the other side: each case gives a typed error, a recorded failure, nothing
//! from the partial page committed, and no panic. With retries on, the transient ones are
//! absorbed and the pull completes.

mod common;

use axum::http::StatusCode;
use common::{client_creds, fresh_db, service_count, sync_settings, vendor_tenant};
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::netsuite::search::{SearchQuery, SearchType};
use netsuite_discovery::netsuite::{Client, ClientConfig, WireError};
use netsuite_discovery::store::RunStatus;
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, FaultTarget, InjectedFault, SimConfig, Simulator};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

fn account() -> AccountId {
    AccountId::parse("1234567_SB1").unwrap()
}

async fn sim(vendors: usize) -> (Simulator, nsd_simulator::RunningSimulator) {
    common::init_logs();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account(), 3).with_vendors(vendors)).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    (sim, running)
}

/// What the entity row of the last run recorded.
async fn last_entity(store: &netsuite_discovery::store::Store) -> (String, Option<String>, i64) {
    sqlx::query_as("SELECT e.status, e.error_code, e.records FROM sync_run_entities e JOIN sync_runs r USING (run_id) ORDER BY r.started_at DESC LIMIT 1")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Each injected failure on page 2 (after page 1 committed), with no retries allowed: the
/// run fails with the failure's label, page 1 stays, nothing of page 2 is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_failure_is_typed_recorded_and_commits_nothing_partial() {
    let cases: Vec<(InjectedFault, &str)> = vec![
        (InjectedFault::Truncated, "malformed"),
        (InjectedFault::HtmlPage, "http_502"),
        (InjectedFault::Http(503), "http_503"),
        (InjectedFault::DropConnection, "transport"),
        (InjectedFault::unexpected_error(), "UNEXPECTED_ERROR"),
        (InjectedFault::ws_request_blocked(), "WS_REQUEST_BLOCKED"),
    ];
    let (sim, running) = sim(600).await;
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let mut settings = sync_settings();
    settings.max_attempts = 1;
    for (fault, label) in cases {
        let db = fresh_db().await;
        let t = vendor_tenant("acme", creds.clone(), &running.endpoint(), 300);
        // Request 1 (search) is served; request 2 (searchMoreWithId page 2) fails.
        sim.push_faults(FaultTarget::Any, vec![InjectedFault::Latency(std::time::Duration::ZERO), fault.clone()]);
        let run = sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();
        assert_eq!(run.status, RunStatus::Failed, "{fault:?}");
        let (status, code, records) = last_entity(&db.store).await;
        assert_eq!((status.as_str(), code.as_deref()), ("failed", Some(label)), "{fault:?}");
        assert_eq!(records, 300, "{fault:?}: page 1 counted, page 2 not");
        assert_eq!(service_count(&db.store, "acme").await, 300, "{fault:?}: only page 1 is stored");
        let cursor = db.store.load_cursor("acme", "vendors").await.unwrap();
        assert_eq!(cursor.pull.map(|p| p.pages_done), Some(1), "{fault:?}");

        // Run again (no fault): it resumes at page 2 and completes.
        let again = sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();
        assert_eq!(again.status, RunStatus::Succeeded, "{fault:?}");
        assert_eq!(service_count(&db.store, "acme").await, 600);
    }
}

/// With retries, every transient failure is absorbed and the data is complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_with_fresh_passports() {
    let (sim, running) = sim(1_000).await;
    let db = fresh_db().await;
    let t = vendor_tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 250);
    sim.push_faults(
        FaultTarget::Any,
        vec![
            InjectedFault::Truncated,
            InjectedFault::HtmlPage,
            InjectedFault::Http(503),
            InjectedFault::DropConnection,
            InjectedFault::ws_request_blocked(),
            InjectedFault::concurrent_session_disallowed(),
            InjectedFault::unexpected_error(),
        ],
    );
    let mut settings = sync_settings();
    settings.max_attempts = 8; // all seven faults hit the first request
    let run = sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(service_count(&db.store, "acme").await, 1_000);
    assert_eq!(run.requests, 4 + 1 + 7, "4 pages, 1 getDeleted and 7 failed attempts");
    // Every attempt carried its own nonce: the simulator refuses a reused one, and none was refused.
    assert!(sim.request_log().iter().all(|r| r.outcome.code() != Some("USER_ERROR")));
}

/// Wrong credentials: the real invalid-login fault, never retried, the run fails, nothing stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_fail_once_without_retry() {
    let (sim, running) = sim(10).await;
    let db = fresh_db().await;
    let mut creds = client_creds(sim.credentials(&account()).unwrap());
    creds.token_secret = SecretString::from("not-the-secret".to_string());
    let t = vendor_tenant("acme", creds, &running.endpoint(), 1000);
    let run = sync_tenant(&db.store, &t, &sync_settings(), CancellationToken::new(), "test").await.unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.requests, 1, "auth failures are not retried");
    let (_, code, _) = last_entity(&db.store).await;
    assert_eq!(code.as_deref(), Some("USER_ERROR"));
    let err: Option<String> =
        sqlx::query_scalar("SELECT error FROM sync_runs").fetch_one(db.store.pool()).await.unwrap();
    assert!(err.unwrap_or_default().contains("Invalid login attempt."));
    assert_eq!(service_count(&db.store, "acme").await, 0);
}

/// A server that answers every request with one canned body.
async fn canned(status: StatusCode, body: &'static str) -> String {
    let app = axum::Router::new().fallback(move || async move { (status, body) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/services/NetSuitePort_2017_2")
}

fn test_creds() -> netsuite_discovery::netsuite::Credentials {
    netsuite_discovery::netsuite::Credentials {
        account: common::client_account(&account()),
        consumer_key: SecretString::from("ck".to_string()),
        consumer_secret: SecretString::from("cs".to_string()),
        token_id: SecretString::from("tk".to_string()),
        token_secret: SecretString::from("ts".to_string()),
    }
}

const UNKNOWN_RECORD: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><searchResponse xmlns="urn:messages_2017_2.platform.webservices.netsuite.com"><platformCore:searchResult xmlns:platformCore="urn:core_2017_2.platform.webservices.netsuite.com"><platformCore:status isSuccess="true"/><platformCore:totalRecords>2</platformCore:totalRecords><platformCore:pageSize>1000</platformCore:pageSize><platformCore:totalPages>1</platformCore:totalPages><platformCore:pageIndex>1</platformCore:pageIndex><platformCore:searchId>S</platformCore:searchId><platformCore:recordList><platformCore:record internalId="1" xsi:type="listRel:Vendor" xmlns:listRel="urn:relationships_2017_2.lists.webservices.netsuite.com"><listRel:companyName>A</listRel:companyName></platformCore:record><platformCore:record internalId="2" xsi:type="listRel:Customer" xmlns:listRel="urn:relationships_2017_2.lists.webservices.netsuite.com"/></platformCore:recordList></platformCore:searchResult></searchResponse></soapenv:Body></soapenv:Envelope>"#;

/// Malformed XML and an unknown record type in a page: typed errors, nothing stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_xml_and_unknown_record_type() {
    common::init_logs();
    let query = SearchQuery::all(SearchType::Vendor);

    let url = canned(StatusCode::OK, "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><a></b></soapenv:Body></soapenv:Envelope>").await;
    let client = Client::new(test_creds(), ClientConfig::new(&url)).unwrap();
    let err = client.search(&query).await.unwrap_err();
    assert!(matches!(err, WireError::Malformed(_)), "{err:?}");

    let url = canned(StatusCode::OK, UNKNOWN_RECORD).await;
    let client = Client::new(test_creds(), ClientConfig::new(&url)).unwrap();
    let err = client.search(&query).await.unwrap_err();
    assert!(matches!(err, WireError::UnexpectedRecord { ref found, .. } if found == "Customer"), "{err:?}");

    // Through a whole sync: the page holding it is not committed, the run fails with the label.
    let db = fresh_db().await;
    let t = vendor_tenant("acme", test_creds(), &url, 1000);
    let run = sync_tenant(&db.store, &t, &sync_settings(), CancellationToken::new(), "test").await.unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(last_entity(&db.store).await.1.as_deref(), Some("unexpected_record"));
    assert_eq!(service_count(&db.store, "acme").await, 0, "the valid vendor of that page is not committed either");

    let url = canned(StatusCode::BAD_GATEWAY, "<html><body>Bad gateway</body></html>").await;
    let client = Client::new(test_creds(), ClientConfig::new(&url)).unwrap();
    let err = client.search(&query).await.unwrap_err();
    assert!(matches!(err, WireError::Http { status: 502, .. }), "{err:?}");
    assert!(err.is_retryable());
}
