//! The simulator's SuiteQL endpoint over real HTTP (issue 12, point 3), its requests signed
//! by the client's own OAuth 1.0a signer (`netsuite::oauth1`), which the simulator verifies
//! with its own implementation: the published example, refusals (host case, a query parameter
//! left out of the base string, a reused nonce, a stale timestamp), keyset paging, the error
//! shapes, strict dates, the concurrency limit shared with SOAP, and credit card charges
//! that only SuiteQL sees.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::client_creds;
use netsuite_discovery::netsuite::oauth1;
use netsuite_discovery::netsuite::search::{SearchQuery, SearchType};
use netsuite_discovery::netsuite::{Client, ClientConfig};
use nsd_simulator::{AccountId, AccountSpec, Outcome, RunningSimulator, SimConfig, Simulator, SUITEQL_PATH};
use serde_json::Value;

fn account() -> AccountId {
    AccountId::parse("1234567_SB1").unwrap()
}

fn anchor() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
}

fn spec() -> AccountSpec {
    AccountSpec::new(account(), 42)
        .with_vendors(2345)
        .with_employees(30)
        .with_departments(10)
        .with_transactions(1200)
        .with_expense_reports(100)
        .with_anchor(anchor())
}

async fn start(spec: AccountSpec) -> RunningSimulator {
    let sim = Simulator::new(SimConfig { accounts: vec![spec], ..SimConfig::default() });
    sim.spawn().await.expect("simulator starts")
}

fn url(sim: &RunningSimulator, query: &str) -> String {
    format!("http://{}{SUITEQL_PATH}{query}", sim.addr)
}

/// Posts `q` to `sent_url` with `authorization`; `host` overrides the Host header.
async fn send(sent_url: &str, authorization: &str, host: Option<&str>, q: &str) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(sent_url)
        .header("Authorization", authorization)
        .header("Content-Type", "application/json")
        .header("Prefer", "transient")
        .json(&serde_json::json!({ "q": q }));
    if let Some(h) = host {
        req = req.header("Host", h);
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Signs `url` with the client's signer and posts `q` to it.
async fn suiteql(sim: &RunningSimulator, query: &str, q: &str) -> (u16, Value) {
    let u = url(sim, query);
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let auth = oauth1::authorization(&creds, "POST", &u).unwrap();
    send(&u, &auth, None, q).await
}

fn code(body: &Value) -> &str {
    body["o:errorDetails"][0]["o:errorCode"].as_str().unwrap_or("")
}

fn detail(body: &Value) -> &str {
    body["o:errorDetails"][0]["detail"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_signed_query_answers_in_netsuites_shape() {
    let sim = start(spec()).await;
    let (status, body) =
        suiteql(&sim, "?limit=5&offset=0", "SELECT id, entityid, isinactive FROM vendor ORDER BY id").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], 5);
    assert_eq!(body["hasMore"], true);
    assert_eq!(body["offset"], 0);
    assert_eq!(body["totalResults"], 2345);
    let rels: Vec<&str> = body["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap()).collect();
    assert_eq!(rels, ["next", "last", "self"]);
    assert!(body["links"][0]["href"].as_str().unwrap().ends_with("/services/rest/query/v1/suiteql?limit=5&offset=5"));
    let item = &body["items"][0];
    assert_eq!(item["links"], serde_json::json!([]));
    let first = &sim.vendors(&account()).unwrap()[0];
    assert_eq!(item["id"], first.internal_id.as_str());
    assert_eq!(item["entityid"], first.entity_id.as_str());
    assert_eq!(item["isinactive"], if first.is_inactive { "T" } else { "F" });
    let log = sim.request_log();
    let last = log.last().unwrap();
    assert_eq!(
        (last.operation.as_deref(), last.search_type.as_deref(), last.outcome.clone(), last.http_status),
        (Some("suiteql"), Some("vendor"), Outcome::Ok, 200)
    );
}

/// What the client's signer does wrong on purpose, the simulator refuses with 401.
#[tokio::test]
async fn refusals_host_case_missing_parameter_reused_nonce_stale_timestamp() {
    let sim = start(spec()).await;
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let q = "SELECT id FROM vendor WHERE id > 0 ORDER BY id";
    let sent = url(&sim, "?limit=10&offset=0");
    let now = Utc::now().timestamp();
    let login = |(status, body): (u16, Value)| {
        assert_eq!(status, 401, "{body}");
        assert_eq!(code(&body), "INVALID_LOGIN");
        assert!(detail(&body).starts_with("Invalid login attempt."), "{body}");
    };

    // The account's host, in its real form: accepted.
    let port = sim.addr.port();
    let good_host = format!("1234567-sb1.suitetalk.api.netsuite.com:{port}");
    let signed = format!("http://{good_host}{SUITEQL_PATH}?limit=10&offset=0");
    let auth = oauth1::authorization_with(&creds, "POST", &signed, "nonceAAAA1", now).unwrap();
    let (status, body) = send(&sent, &auth, Some(&good_host), q).await;
    assert_eq!(status, 200, "{body}");
    // The credential spelling signed as host (`1234567_SB1.`, lower-cased by the signer to
    // `_sb1`): another base string than the host received.
    let wrong = format!("http://1234567_SB1.suitetalk.api.netsuite.com:{port}{SUITEQL_PATH}?limit=10&offset=0");
    let auth = oauth1::authorization_with(&creds, "POST", &wrong, "nonceAAAA2", now).unwrap();
    login(send(&sent, &auth, Some(&good_host), q).await);
    // The host received upper-case is lower-cased before verifying: accepted.
    let auth = oauth1::authorization_with(&creds, "POST", &signed, "nonceAAAA3", now).unwrap();
    let (status, _) = send(&sent, &auth, Some(&good_host.to_ascii_uppercase()), q).await;
    assert_eq!(status, 200);

    // limit and offset added to the URL after signing.
    let bare = url(&sim, "");
    let auth = oauth1::authorization_with(&creds, "POST", &bare, "nonceBBBB1", now).unwrap();
    login(send(&sent, &auth, None, q).await);
    let half = url(&sim, "?limit=10");
    let auth = oauth1::authorization_with(&creds, "POST", &half, "nonceBBBB2", now).unwrap();
    login(send(&sent, &auth, None, q).await);

    // A nonce accepted once is refused the second time (a fresh one works).
    let auth = oauth1::authorization_with(&creds, "POST", &sent, "nonceCCCC1", now).unwrap();
    assert_eq!(send(&sent, &auth, None, q).await.0, 200);
    login(send(&sent, &auth, None, q).await);
    let auth = oauth1::authorization_with(&creds, "POST", &sent, "nonceCCCC2", now).unwrap();
    assert_eq!(send(&sent, &auth, None, q).await.0, 200);

    // A timestamp more than five minutes away, either way.
    for skew in [-301, 301, -3600] {
        let auth =
            oauth1::authorization_with(&creds, "POST", &sent, &format!("nonceDDDD{}", skew.abs()), now + skew).unwrap();
        login(send(&sent, &auth, None, q).await);
    }
    let auth = oauth1::authorization_with(&creds, "POST", &sent, "nonceDDDD0", now - 200).unwrap();
    assert_eq!(send(&sent, &auth, None, q).await.0, 200, "within the window");

    // The log says why.
    let notes: Vec<String> = sim.request_log().iter().filter_map(|r| r.note.clone()).collect();
    assert!(notes.iter().any(|n| n.contains("signature does not verify")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("nonce used before")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("timestamp too far")), "{notes:?}");
}

#[tokio::test]
async fn keyset_paging_walks_all_vendors_exactly_once() {
    let sim = start(spec()).await;
    let mut last = 0u64;
    let mut seen = Vec::new();
    let mut requests = 0;
    loop {
        let q = format!(
            "SELECT id, TO_CHAR(SYS_EXTRACT_UTC(lastmodifieddate), 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate \
             FROM vendor WHERE id > {last} ORDER BY id"
        );
        let (status, body) = suiteql(&sim, "?limit=1000&offset=0", &q).await;
        assert_eq!(status, 200, "{body}");
        requests += 1;
        let items = body["items"].as_array().unwrap();
        for item in items {
            let id: u64 = item["id"].as_str().unwrap().parse().unwrap();
            assert!(id > last);
            last = id;
            seen.push(id.to_string());
        }
        if body["hasMore"] == false {
            break;
        }
    }
    let truth: Vec<String> = sim.vendors(&account()).unwrap().into_iter().map(|v| v.internal_id).collect();
    assert_eq!(seen, truth);
    assert_eq!(requests, 3);
}

#[tokio::test]
async fn unknown_columns_tables_and_shapes_are_400s() {
    let sim = start(spec()).await;
    let (status, body) = suiteql(&sim, "?limit=10&offset=0", "SELECT id, vendorcolour FROM vendor ORDER BY id").await;
    assert_eq!((status, code(&body)), (400, "INVALID_PARAMETER"), "{body}");
    assert!(detail(&body).contains("Unknown identifier 'vendorcolour'"), "{body}");
    assert_eq!(body["status"], 400);
    assert_eq!(body["title"], "Bad Request");
    let (status, body) = suiteql(&sim, "?limit=10&offset=0", "SELECT id FROM vendors ORDER BY id").await;
    assert_eq!(status, 400);
    assert!(detail(&body).contains("Record 'vendors' was not found."), "{body}");
    for bad in [
        "SELECT * FROM vendor",
        "SELECT id FROM vendor",
        "DELETE FROM vendor",
        "SELECT id FROM vendor ORDER BY id; SELECT 1",
    ] {
        let (status, body) = suiteql(&sim, "?limit=10&offset=0", bad).await;
        assert_eq!(status, 400, "{bad}");
        assert!(detail(&body).contains("Invalid search query"), "{bad}: {body}");
    }
    let (status, body) = suiteql(&sim, "?limit=1001&offset=0", "SELECT id FROM vendor ORDER BY id").await;
    assert_eq!((status, code(&body)), (400, "INVALID_PARAMETER"));
    // Without Prefer: transient.
    let u = url(&sim, "?limit=10&offset=0");
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let resp = reqwest::Client::new()
        .post(&u)
        .header("Authorization", oauth1::authorization(&creds, "POST", &u).unwrap())
        .json(&serde_json::json!({"q": "SELECT id FROM vendor ORDER BY id"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}

#[tokio::test]
async fn dates_are_strict_where_the_sheet_is_unsure() {
    let sim = start(spec()).await;
    let v = sim.vendors(&account()).unwrap()[3].clone();
    let q = format!(
        "SELECT lastmodifieddate AS bare, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS pacific, \
         TO_CHAR(SYS_EXTRACT_UTC(lastmodifieddate), 'YYYY-MM-DD HH24:MI:SS') AS utc FROM vendor WHERE id IN ({}) ORDER BY id",
        v.internal_id
    );
    let (status, body) = suiteql(&sim, "?limit=10&offset=0", &q).await;
    assert_eq!(status, 200, "{body}");
    let item = &body["items"][0];
    assert_eq!(item["utc"], v.last_modified.format("%Y-%m-%d %H:%M:%S").to_string());
    assert_ne!(item["pacific"], item["utc"], "TO_CHAR without SYS_EXTRACT_UTC is Pacific time");
    let bare = item["bare"].as_str().unwrap();
    assert!(bare.contains('/') && (bare.ends_with(" am") || bare.ends_with(" pm")), "{bare}");
    let (status, body) =
        suiteql(&sim, "?limit=10&offset=0", "SELECT id FROM transaction WHERE trandate >= '2024-06-01' ORDER BY id")
            .await;
    assert_eq!(status, 400);
    assert!(detail(&body).contains("Unparseable date"), "{body}");
}

/// SOAP requests hold the account's slots; a SuiteQL request over the limit is a 429 (or a
/// 401 in the switchable mode).
#[tokio::test]
async fn rest_and_soap_share_the_concurrency_limit() {
    let sim = start(spec().with_concurrency_limit(2)).await;
    sim.set_latency(Duration::from_millis(1500));
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let mut soap = Vec::new();
    for _ in 0..2 {
        let client = Client::new(creds.clone(), ClientConfig::new(sim.endpoint())).unwrap();
        soap.push(tokio::spawn(async move { client.search(&SearchQuery::all(SearchType::Vendor)).await.is_ok() }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body) = suiteql(&sim, "?limit=10&offset=0", "SELECT id FROM vendor ORDER BY id").await;
    assert_eq!((status, code(&body)), (429, "CONCURRENCY_LIMIT_EXCEEDED"), "{body}");
    sim.set_rest_overload_as_login_error(true);
    let (status, body) = suiteql(&sim, "?limit=10&offset=0", "SELECT id FROM vendor ORDER BY id").await;
    assert_eq!((status, code(&body)), (401, "INVALID_LOGIN"), "{body}");
    for s in soap {
        assert!(s.await.unwrap(), "the SOAP searches holding the slots succeed");
    }
    sim.set_rest_overload_as_login_error(false);
    sim.set_latency(Duration::ZERO);
    assert_eq!(suiteql(&sim, "?limit=10&offset=0", "SELECT id FROM vendor ORDER BY id").await.0, 200);
    assert!(sim.peak_in_flight(&account()).unwrap() >= 3);
}

#[tokio::test]
async fn card_charges_are_seen_by_suiteql_only() {
    let sim = start(spec()).await;
    let cards = sim.card_transactions(&account()).unwrap();
    assert_eq!(cards.len(), 120, "one for every ten vendor transactions by default");
    let q = "SELECT id, type, entity, TO_CHAR(ABS(foreigntotal)) AS foreigntotal FROM transaction \
             WHERE type IN ('CardChrg', 'CardRfnd') AND id > 0 ORDER BY id";
    let (status, body) = suiteql(&sim, "?limit=1000&offset=0", q).await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), cards.len());
    for (item, card) in items.iter().zip(&cards) {
        assert_eq!(item["id"], card.internal_id.as_str());
        assert_eq!(item["entity"], card.entity_id.as_str());
        let total: rust_decimal::Decimal = item["foreigntotal"].as_str().unwrap().parse().unwrap();
        assert_eq!(total, card.total);
    }
    // SOAP: a plain transaction search returns exactly the SOAP kinds, no card.
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let client = Client::new(creds, ClientConfig::new(sim.endpoint())).unwrap();
    let page = client.search(&SearchQuery::all(SearchType::Transaction)).await.unwrap();
    assert_eq!(page.total_records as usize, sim.transactions(&account()).unwrap().len());
    let mut seen = page.records.len();
    let mut index = 1;
    while index < page.total_pages {
        index += 1;
        let more = client
            .search_more_with_id(SearchType::Transaction, true, page.search_id.as_deref().unwrap(), index)
            .await
            .unwrap();
        assert!(more.records.iter().all(|r| !r.record_type.contains("Card")));
        seen += more.records.len();
    }
    assert!(page.records.iter().all(|r| !r.record_type.contains("Card")));
    assert_eq!(seen, sim.transactions(&account()).unwrap().len());
    let card_ids: std::collections::HashSet<&str> = cards.iter().map(|c| c.internal_id.as_str()).collect();
    assert!(page.records.iter().all(|r| !card_ids.contains(r.internal_id.as_str())));
    // Without the Credit Card permission, naming the type is a 403.
    sim.set_permissions(&account(), nsd_simulator::PermissionSet::all().without(nsd_simulator::Permission::CreditCard))
        .unwrap();
    let (status, body) = suiteql(&sim, "?limit=1000&offset=0", q).await;
    assert_eq!((status, code(&body)), (403, "INSUFFICIENT_PERMISSION"), "{body}");
}
