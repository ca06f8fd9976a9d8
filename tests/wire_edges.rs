//! Sharp edges of the wire: gzip asked for and decoded (and a body that says gzip but is
//! not, and a compressed transfer cut short), the response size cap.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use axum::http::HeaderMap;
use common::{client_creds, fresh_db, service_count, sync_settings, vendor_tenant};
use netsuite_discovery::discovery::sync_tenant;
use netsuite_discovery::netsuite::error::ErrorClass;
use netsuite_discovery::netsuite::search::{SearchQuery, SearchType};
use netsuite_discovery::netsuite::{Client, ClientConfig, WireError};
use netsuite_discovery::store::{RunStatus, Store};
use nsd_simulator::AccountId;
use nsd_simulator::{AccountSpec, FaultTarget, InjectedFault, RunningSimulator, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

fn account() -> AccountId {
    AccountId::parse("1234567_SB1").unwrap()
}

async fn sim(vendors: usize) -> (Simulator, RunningSimulator) {
    common::init_logs();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account(), 7).with_vendors(vendors)).unwrap();
    let running = sim.clone().spawn().await.unwrap();
    (sim, running)
}

fn client(sim: &Simulator, running: &RunningSimulator, page_size: u32) -> Client {
    let mut cfg = ClientConfig::new(running.endpoint());
    cfg.page_size = page_size;
    cfg.timeout = Duration::from_secs(20);
    Client::new(client_creds(sim.credentials(&account()).unwrap()), cfg).unwrap()
}

/// What the entity row of the last run recorded: status, error code, error text.
async fn last_entity(store: &Store) -> (String, Option<String>, Option<String>) {
    sqlx::query_as(
        "SELECT e.status, e.error_code, r.error FROM sync_run_entities e JOIN sync_runs r USING (run_id)
         ORDER BY r.started_at DESC LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap()
}

/// The simulator compresses its answer when (and only when) the request accepts gzip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_gzips_when_asked() {
    let (_sim, running) = sim(1).await;
    // A raw client that does not decode, so the wire bytes can be seen.
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let ask = |accept: Option<&'static str>| {
        let mut req = raw.post(running.endpoint()).header("SOAPAction", "search").body("<not-soap/>");
        if let Some(a) = accept {
            req = req.header("Accept-Encoding", a);
        }
        req.send()
    };
    let resp = ask(Some("gzip")).await.unwrap();
    assert_eq!(resp.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));
    let wire = resp.bytes().await.unwrap();
    assert_eq!(&wire[..2], &[0x1f, 0x8b], "gzip magic");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&wire[..]).read_to_string(&mut text).unwrap();
    assert!(text.contains("soapenv:Fault"), "{text}");

    for accept in [None, Some("identity"), Some("gzip;q=0")] {
        let resp = ask(accept).await.unwrap();
        assert!(resp.headers().get("content-encoding").is_none(), "{accept:?}");
        let body = resp.bytes().await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("soapenv:Fault"), "{accept:?}");
    }
}

const ONE_VENDOR: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><searchResponse xmlns="urn:messages_2017_2.platform.webservices.netsuite.com"><platformCore:searchResult xmlns:platformCore="urn:core_2017_2.platform.webservices.netsuite.com"><platformCore:status isSuccess="true"/><platformCore:totalRecords>1</platformCore:totalRecords><platformCore:pageSize>1000</platformCore:pageSize><platformCore:totalPages>1</platformCore:totalPages><platformCore:pageIndex>1</platformCore:pageIndex><platformCore:searchId>S</platformCore:searchId><platformCore:recordList><platformCore:record internalId="1" xsi:type="listRel:Vendor" xmlns:listRel="urn:relationships_2017_2.lists.webservices.netsuite.com"><listRel:companyName>Gzip Corp</listRel:companyName></platformCore:record></platformCore:recordList></platformCore:searchResult></searchResponse></soapenv:Body></soapenv:Envelope>"#;

/// Our client asks for gzip and decodes a compressed answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_asks_for_gzip_and_decodes_it() {
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<Option<String>>();
    let app = axum::Router::new().fallback(move |headers: HeaderMap| {
        let seen_tx = seen_tx.clone();
        async move {
            let accept = headers.get("accept-encoding").and_then(|v| v.to_str().ok()).map(str::to_string);
            let _ = seen_tx.send(accept);
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(ONE_VENDOR.as_bytes()).unwrap();
            ([("content-type", "text/xml; charset=utf-8"), ("content-encoding", "gzip")], enc.finish().unwrap())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (sim, _running) = sim(1).await;
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let c = Client::new(creds, ClientConfig::new(format!("http://{addr}/services/NetSuitePort_2017_2"))).unwrap();
    let page = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(page.records[0].internal_id, "1");
    let accept = seen_rx.recv().await.unwrap().unwrap_or_default();
    assert!(accept.split(',').any(|c| c.trim() == "gzip"), "Accept-Encoding: {accept:?}");
}

/// A whole sync against the simulator, every answer gzip-compressed: the same rows as the
/// simulated account holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_over_gzip_stores_the_accounts_rows() {
    let (sim, running) = sim(1_200).await;
    let db = fresh_db().await;
    let t = vendor_tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 500);
    let run = sync_tenant(&db.store, &t, &sync_settings(), CancellationToken::new(), "test").await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(run.requests, 3 + 1, "3 pages and getDeleted");
    let truth = sim.vendors(&account()).unwrap();
    let rows: Vec<(String, Option<String>, Option<String>, bool)> = sqlx::query_as(
        "SELECT internal_id, company_name, email, is_inactive FROM services WHERE tenant_id = 'acme' ORDER BY internal_id::bigint",
    )
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), truth.len());
    let mut truth = truth;
    truth.sort_by_key(|v| v.internal_id.parse::<u64>().unwrap());
    for (row, v) in rows.iter().zip(&truth) {
        assert_eq!(row.0, v.internal_id);
        assert_eq!(row.1.as_deref(), Some(v.company_name.as_str()), "company name of {}", v.internal_id);
        assert_eq!(row.2, v.email, "email of {}", v.internal_id);
        assert_eq!(row.3, v.is_inactive, "inactive flag of {}", v.internal_id);
    }
}

/// `Content-Encoding: gzip` on a body that is not gzip: a clear `Undecodable` error, retried
/// as transient (a garbled transfer), failing the entity with that message once the attempts
/// are spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_gzip_says_so() {
    let (sim, running) = sim(600).await;
    let c = client(&sim, &running, 300);
    sim.push_faults(FaultTarget::Any, vec![InjectedFault::BadGzip]);
    let err = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap_err();
    assert!(matches!(err, WireError::Undecodable(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("could not be decoded") && text.contains("gzip"), "{text}");
    assert_eq!(err.class(), ErrorClass::Transient);
    assert_eq!(err.label(), "undecodable_body");

    // In a sync without retries: page 1 stored, page 2 undecodable, the run says why.
    let db = fresh_db().await;
    let t = vendor_tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 300);
    let mut settings = sync_settings();
    settings.max_attempts = 1;
    sim.push_faults(FaultTarget::Any, vec![InjectedFault::Latency(Duration::ZERO), InjectedFault::BadGzip]);
    let run = sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    let (status, code, error) = last_entity(&db.store).await;
    assert_eq!((status.as_str(), code.as_deref()), ("failed", Some("undecodable_body")));
    assert!(error.unwrap_or_default().contains("could not be decoded"));
    assert_eq!(service_count(&db.store, "acme").await, 300);

    // With retries, one garbled answer is absorbed.
    sim.push_faults(FaultTarget::Any, vec![InjectedFault::BadGzip]);
    let run = sync_tenant(&db.store, &t, &sync_settings(), CancellationToken::new(), "test").await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(service_count(&db.store, "acme").await, 600);
}

/// A body over the cap is refused with the setting's name, and not retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_cap_is_the_setting_and_not_retried() {
    let (sim, running) = sim(1_000).await;
    let mut cfg = ClientConfig::new(running.endpoint());
    cfg.max_body_bytes = 64 * 1024;
    let c = Client::new(client_creds(sim.credentials(&account()).unwrap()), cfg).unwrap();
    let err = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap_err();
    assert!(matches!(err, WireError::TooLarge { limit: 65536 }), "{err:?}");
    assert!(err.to_string().contains("sync.max_response_bytes"), "{err}");
    assert_eq!(err.class(), ErrorClass::Request);

    let db = fresh_db().await;
    let t = vendor_tenant("acme", client_creds(sim.credentials(&account()).unwrap()), &running.endpoint(), 1000);
    let mut settings = sync_settings();
    settings.max_response_bytes = 64 * 1024;
    let run = sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.requests, 1, "a page over the cap is not asked for again");
    assert_eq!(last_entity(&db.store).await.1.as_deref(), Some("response_too_large"));
    // The default (64 MiB) takes the same page.
    let run = sync_tenant(&db.store, &t, &sync_settings(), CancellationToken::new(), "test").await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
}

/// A compressed answer whose connection breaks mid-body is a transport error (the transfer
/// broke), not an undecodable body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_gzip_transfer_is_a_transport_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..2000 {
        enc.write_all(format!("<v id=\"{i}\">vendor {i}</v>").as_bytes()).unwrap();
    }
    let gz = enc.finish().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let gz = gz.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = sock.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                    gz.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&gz[..gz.len() / 2]).await;
                let _ = sock.flush().await;
                // Close with half the promised body sent.
            });
        }
    });
    let (sim, _running) = sim(1).await;
    let c = Client::new(
        client_creds(sim.credentials(&account()).unwrap()),
        ClientConfig::new(format!("http://{addr}/services/NetSuitePort_2017_2")),
    )
    .unwrap();
    let err = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap_err();
    assert!(matches!(err, WireError::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
}
