//! Every kind of message the simulator sends validates against the real 2017_2 XSDs (run by
//! `shared/tools/xsd-validate`), parses with the client's parser, and matches the layout of
//! the constructed samples where one exists.
//!
//! The validator skips `soapenv:Fault`, so each fault's `platformFaults:*Fault` detail is
//! also validated on its own (it is a global element of `platform.faults.xsd`).
//!
//! Locations: `NETSUITE_SHARED_DIR` (default `../shared` next to the crate) holds
//! `tools/xsd-validate` and the samples; `NETSUITE_XSD_DIR`, if set, is passed as `--xsd-dir`.

use std::path::PathBuf;
use std::time::Duration;

use netsuite_discovery::netsuite::envelope::{search_request, SearchPreferences};
use netsuite_discovery::netsuite::parse::parse_response;
use netsuite_discovery::netsuite::search::{SearchQuery, SearchType};
use netsuite_discovery::netsuite::{AccountId, Client, ClientConfig, TokenPassport};
use netsuite_discovery::simulator::{
    AccountSpec, FaultTarget, InjectedFault, Permission, PermissionSet, RunningSimulator, SimConfig, Simulator,
};

fn shared_dir() -> PathBuf {
    std::env::var_os("NETSUITE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("shared"))
}

/// Runs the validator once over all `files`; `Err` holds its report.
fn validate(files: &[PathBuf]) -> Result<(), String> {
    let tool = shared_dir().join("tools").join("xsd-validate");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(&tool);
    if let Some(xsd) = std::env::var_os("NETSUITE_XSD_DIR") {
        cmd.arg("--xsd-dir").arg(xsd);
    }
    let out = cmd.args(files).output().unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(report),
        _ => panic!("{} could not run (python3 with lxml is needed): {report}", tool.display()),
    }
}

fn sample(name: &str) -> Vec<u8> {
    let p = shared_dir().join("netsuite-samples").join("constructed").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// The `platformFaults:*Fault` element of a fault body, as a document of its own.
fn fault_detail(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<platformFaults:")?;
    let name_end = start + text[start..].find([' ', '>'])?;
    let name = &text[start + 1..name_end];
    let close = format!("</{name}>");
    let end = start + text[start..].find(&close)? + close.len();
    Some(text[start..end].to_string())
}

fn account() -> AccountId {
    AccountId::parse("1234567_SB1").unwrap()
}

async fn start() -> RunningSimulator {
    let sim = Simulator::new(SimConfig {
        accounts: vec![AccountSpec::new(account(), 5).with_vendors(60)],
        record_bodies: true,
        ..SimConfig::default()
    });
    sim.spawn().await.unwrap()
}

fn client(sim: &RunningSimulator, page_size: u32) -> Client {
    let mut cfg = ClientConfig::new(sim.endpoint());
    cfg.page_size = page_size;
    Client::new(sim.credentials(&account()).unwrap(), cfg).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_the_simulator_sends_validates() {
    let sim = start().await;
    let creds = sim.credentials(&account()).unwrap();
    let c = client(&sim, 25);
    let all = SearchQuery::all(SearchType::Vendor);

    // Pages 1..3 (special names included), an empty result, status errors, faults.
    let first = c.search(&all).await.unwrap();
    let id = first.search_id.clone().unwrap();
    c.search_more_with_id(SearchType::Vendor, true, &id, 2).await.unwrap();
    c.search_more_with_id(SearchType::Vendor, true, &id, 3).await.unwrap();
    let future = chrono::Utc::now() + chrono::TimeDelta::days(30);
    c.search(&SearchQuery::modified_since(SearchType::Vendor, future)).await.unwrap();
    let _ = c.search_more_with_id(SearchType::Vendor, true, &id, 7).await.unwrap_err();
    let _ = client(&sim, 2).search(&all).await.unwrap_err();
    sim.set_permissions(&account(), PermissionSet::all().without(Permission::Vendors)).unwrap();
    let _ = c.search(&all).await.unwrap_err();
    sim.set_permissions(&account(), PermissionSet::all()).unwrap();
    sim.advance_clock(Duration::from_secs(16 * 60));
    let _ = c.search_more_with_id(SearchType::Vendor, true, &id, 2).await.unwrap_err();
    sim.push_faults(
        FaultTarget::Any,
        vec![
            InjectedFault::ws_request_blocked(),
            InjectedFault::concurrent_session_disallowed(),
            InjectedFault::unexpected_error(),
            InjectedFault::status_error("UNEXPECTED_ERROR", "An unexpected error occurred."),
        ],
    );
    for _ in 0..4 {
        let _ = c.search(&all).await.unwrap_err();
    }
    // The real concurrency fault, an invalid login, an unreadable request.
    sim.set_concurrency_limit(&account(), 1).unwrap();
    sim.set_latency(Duration::from_millis(300));
    let (a, b) = tokio::join!(c.search(&all), c.search(&all));
    assert!(a.is_err() != b.is_err(), "one of two is blocked");
    sim.set_latency(Duration::ZERO);
    let mut bad = creds.clone();
    bad.consumer_secret = secrecy::SecretString::from("x".to_string());
    let body =
        search_request(&TokenPassport::fresh(&bad), SearchPreferences { body_fields_only: true, page_size: 25 }, &all)
            .unwrap();
    reqwest::Client::new().post(sim.endpoint()).header("SOAPAction", "search").body(body).send().await.unwrap();
    reqwest::Client::new().post(sim.endpoint()).header("SOAPAction", "search").body("<oops").send().await.unwrap();
    let dcu = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:messages_2017_2.platform.webservices.netsuite.com"><soapenv:Body><m:getDataCenterUrls><m:account>{}</m:account></m:getDataCenterUrls></soapenv:Body></soapenv:Envelope>"#,
        account()
    );
    reqwest::Client::new()
        .post(sim.endpoint())
        .header("SOAPAction", "getDataCenterUrls")
        .body(dcu)
        .send()
        .await
        .unwrap();

    let log = sim.request_log();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut details = 0;
    for (i, entry) in log.iter().enumerate() {
        let response = entry.response_body.clone().expect("bodies are recorded");
        // The client's parser reads every response.
        let parsed = parse_response(&response).unwrap_or_else(|e| panic!("response {i} does not parse: {e}"));
        if entry.outcome.is_ok() && entry.operation.as_deref() != Some("getDataCenterUrls") {
            parsed.into_search_page(SearchType::Vendor).unwrap();
        }
        let p = dir.path().join(format!("{i:02}_response.xml"));
        std::fs::write(&p, &response).unwrap();
        files.push(p);
        if let Some(detail) = fault_detail(&response) {
            let p = dir.path().join(format!("{i:02}_fault_detail.xml"));
            std::fs::write(&p, detail).unwrap();
            files.push(p);
            details += 1;
        }
        // The client's requests validate too (the unreadable one is not XML).
        let request = entry.request_body.clone().unwrap();
        if request.starts_with(b"<?xml") {
            let p = dir.path().join(format!("{i:02}_request.xml"));
            std::fs::write(&p, request).unwrap();
            files.push(p);
        }
    }
    assert!(log.len() >= 17, "{} requests logged", log.len());
    assert!(details >= 5, "{details} fault details");
    if let Err(report) = validate(&files) {
        panic!("simulator messages do not validate against the 2017_2 XSDs:\n{report}");
    }

    // The check can fail: a page with two Vendor fields swapped is refused.
    let page = String::from_utf8(log[0].response_body.clone().unwrap()).unwrap();
    let (a, b) = (page.find("<listRel:entityId>").unwrap(), page.find("<listRel:email>").unwrap());
    let swapped = format!(
        "{}{}",
        &page[..a],
        &page[a..].replacen("<listRel:entityId>", "<listRel:url>", 1).replacen(
            "</listRel:entityId>",
            "</listRel:url>",
            1
        )
    );
    assert!(b > a);
    let p = dir.path().join("swapped.xml");
    std::fs::write(&p, swapped).unwrap();
    let report = validate(&[p]).expect_err("a misordered Vendor must not validate");
    assert!(report.contains("not expected"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_and_expiry_match_the_constructed_samples() {
    let sim = start().await;
    let creds = sim.credentials(&account()).unwrap();
    let all = SearchQuery::all(SearchType::Vendor);

    // Invalid login.
    let mut bad = creds.clone();
    bad.token_secret = secrecy::SecretString::from("x".to_string());
    let body =
        search_request(&TokenPassport::fresh(&bad), SearchPreferences { body_fields_only: true, page_size: 25 }, &all)
            .unwrap();
    let resp =
        reqwest::Client::new().post(sim.endpoint()).header("SOAPAction", "search").body(body).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 500);
    assert_eq!(resp.headers()["content-type"], "text/xml; charset=utf-8");
    let ours = parse_response(&resp.bytes().await.unwrap()).unwrap();
    let theirs = parse_response(&sample("fault_tba_invalid_login_attempt_2017_2.xml")).unwrap();
    assert_eq!(ours.fault, theirs.fault);

    // WS_REQUEST_BLOCKED, injected and real.
    sim.push_faults(FaultTarget::Any, vec![InjectedFault::ws_request_blocked()]);
    let _ = client(&sim, 25).search(&all).await.unwrap_err();
    let theirs = parse_response(&sample("fault_tba_concurrency_ws_request_blocked_2017_2.xml")).unwrap();
    let last = sim.request_log().pop().unwrap();
    assert_eq!(parse_response(&last.response_body.unwrap()).unwrap().fault, theirs.fault);

    // Expired searchId.
    let c = client(&sim, 25);
    let id = c.search(&all).await.unwrap().search_id.unwrap();
    sim.advance_clock(Duration::from_secs(15 * 60 + 1));
    let _ = c.search_more_with_id(SearchType::Vendor, true, &id, 2).await.unwrap_err();
    let last = sim.request_log().pop().unwrap();
    let ours = parse_response(&last.response_body.unwrap()).unwrap();
    let theirs = parse_response(&sample("searchMoreWithIdResponse_expired_searchid_2017_2.xml")).unwrap();
    assert_eq!(ours.operation, theirs.operation);
    let (o, t) = (ours.status.unwrap(), theirs.status.unwrap());
    assert_eq!((o.is_success, o.details.len()), (t.is_success, t.details.len()));
    assert_eq!((&o.details[0].kind, &o.details[0].code), (&t.details[0].kind, &t.details[0].code));
}
