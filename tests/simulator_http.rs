//! The simulator over real HTTP, driven by the crate's own client and by hand-made
//! envelopes: paging, criteria, authentication, permissions, governance, fault injection
//! and the request log.

mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use common::client_creds;
use netsuite_discovery::netsuite::envelope::{search_more_with_id_request, search_request, SearchPreferences};
use netsuite_discovery::netsuite::error::ErrorClass;
use netsuite_discovery::netsuite::parse::parse_response;
use netsuite_discovery::netsuite::search::{Criterion, DateOperator, SearchQuery, SearchType};
use netsuite_discovery::netsuite::SoapVersion;
use netsuite_discovery::netsuite::{Client, ClientConfig, Credentials, TokenPassport, Vendor, WireError};
use nsd_simulator::AccountId;
use nsd_simulator::{
    AccountSpec, FaultTarget, InjectedFault, Outcome, Permission, PermissionSet, RunningSimulator, SimConfig, Simulator,
};

fn account() -> AccountId {
    AccountId::parse("1234567_SB1").unwrap()
}

fn anchor() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
}

async fn start(vendors: usize) -> RunningSimulator {
    let sim = Simulator::new(SimConfig {
        accounts: vec![AccountSpec::new(account(), 42).with_vendors(vendors).with_anchor(anchor())],
        ..SimConfig::default()
    });
    sim.spawn().await.expect("simulator starts")
}

fn client(sim: &RunningSimulator, page_size: u32) -> Client {
    let mut cfg = ClientConfig::new(sim.endpoint());
    cfg.page_size = page_size;
    cfg.timeout = Duration::from_secs(20);
    Client::new(client_creds(sim.credentials(&account()).unwrap()), cfg).unwrap()
}

fn prefs(page_size: u32) -> SearchPreferences {
    SearchPreferences { body_fields_only: true, page_size }
}

/// Posts a raw body; returns status and body bytes.
async fn post(sim: &RunningSimulator, action: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let resp = reqwest::Client::new()
        .post(sim.endpoint())
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", action)
        .body(body)
        .send()
        .await
        .expect("request sent");
    let status = resp.status().as_u16();
    (status, resp.bytes().await.expect("body read").to_vec())
}

/// Posts a search signed with `passport` and returns the parsed error, if any.
async fn search_with(sim: &RunningSimulator, passport: &TokenPassport) -> (u16, Option<WireError>) {
    let body =
        search_request(SoapVersion::V2017_2, passport, prefs(1000), &SearchQuery::all(SearchType::Vendor)).unwrap();
    let (status, bytes) = post(sim, "search", body).await;
    let parsed = parse_response(&bytes).expect("a SOAP envelope");
    (status, parsed.error())
}

fn code(err: &WireError) -> Option<&str> {
    err.code()
}

/// Fetches every page of `query` with the client; returns the ids in order and the pages.
async fn fetch_all(c: &Client, query: &SearchQuery) -> (Vec<String>, u32) {
    let first = c.search(query).await.expect("page 1");
    let mut ids: Vec<String> = first.records.iter().map(|r| r.internal_id.to_string()).collect();
    let id = first.search_id.clone();
    for p in 2..=first.total_pages {
        let page = c.search_more_with_id(SearchType::Vendor, true, id.as_deref().unwrap(), p).await.expect("next page");
        assert_eq!(page.page_index, p);
        ids.extend(page.records.iter().map(|r| r.internal_id.to_string()));
    }
    assert_eq!(ids.len() as u32, first.total_records);
    (ids, first.total_pages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_hold_the_ground_truth_in_id_order() {
    let sim = start(1234).await;
    let truth = sim.vendors(&account()).unwrap();
    let c = client(&sim, 500);
    let (ids, pages) = fetch_all(&c, &SearchQuery::all(SearchType::Vendor)).await;
    assert_eq!(pages, 3);
    assert_eq!(ids, truth.iter().map(|v| v.internal_id.clone()).collect::<Vec<_>>());

    // Every field reads back as generated, escaping and time zones included.
    let page = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap();
    for (raw, v) in page.records.iter().zip(&truth) {
        let got = Vendor::try_from(raw).unwrap();
        assert_eq!(got.entity_id.as_deref(), Some(v.entity_id.as_str()));
        assert_eq!(got.company_name.as_deref(), Some(v.company_name.as_str()));
        assert_eq!(got.email.as_deref(), v.email.as_deref());
        assert_eq!(got.url.as_deref(), v.url.as_deref());
        assert_eq!(got.is_inactive, v.is_inactive);
        assert_eq!(got.date_created, Some(v.date_created));
        assert_eq!(got.last_modified, Some(v.last_modified));
        assert_eq!(got.category.as_deref(), v.category.as_ref().map(|c| c.name.as_str()));
        assert_eq!(got.currency.as_deref(), Some(v.currency.name.as_str()));
        assert_eq!(got.subsidiary.as_deref(), Some(v.subsidiary.name.as_str()));
    }
    assert!(truth.iter().any(|v| v.company_name.contains('<') && v.company_name.contains('&')));

    // Pages in any order, each the same as before.
    let id = page.search_id.clone().unwrap();
    let p3 = c.search_more_with_id(SearchType::Vendor, true, &id, 3).await.unwrap();
    let p2 = c.search_more_with_id(SearchType::Vendor, true, &id, 2).await.unwrap();
    assert_eq!(p3.records.len(), 234);
    assert_eq!(p2.records[0].internal_id, truth[500].internal_id);

    let log = sim.request_log();
    assert!(log.iter().all(|r| r.outcome == Outcome::Ok && r.account.as_deref() == Some("1234567_SB1")));
    assert!(log.iter().all(|r| r.search_type.as_deref() == Some("VendorSearchBasic")));
    assert_eq!(log.last().unwrap().page_index, Some(2));
    assert_eq!(log.last().unwrap().operation.as_deref(), Some("searchMoreWithId"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn criteria_filter_like_netsuite() {
    let sim = start(300).await;
    let truth = sim.vendors(&account()).unwrap();
    let c = client(&sim, 1000);

    let ids_of = |pred: &dyn Fn(&nsd_simulator::SimVendor) -> bool| -> Vec<String> {
        truth.iter().filter(|v| pred(v)).map(|v| v.internal_id.clone()).collect()
    };
    let run = |criteria: Vec<Criterion>| {
        let q = SearchQuery { search_type: SearchType::Vendor, criteria, body_fields_only: true };
        let c = c.clone();
        async move { fetch_all(&c, &q).await.0 }
    };

    let inactive = run(vec![Criterion::Boolean { field: "isInactive", value: true }]).await;
    assert_eq!(inactive, ids_of(&|v| v.is_inactive));
    assert!(!inactive.is_empty());

    let mid = truth[150].last_modified;
    let since = run(vec![Criterion::Date {
        field: "lastModifiedDate",
        operator: DateOperator::OnOrAfter,
        value: mid,
        value2: None,
    }])
    .await;
    assert_eq!(since, ids_of(&|v| v.last_modified >= mid));
    let after = run(vec![Criterion::Date {
        field: "lastModifiedDate",
        operator: DateOperator::After,
        value: mid,
        value2: None,
    }])
    .await;
    assert_eq!(after, ids_of(&|v| v.last_modified > mid));
    let before =
        run(vec![Criterion::Date { field: "dateCreated", operator: DateOperator::Before, value: mid, value2: None }])
            .await;
    assert_eq!(before, ids_of(&|v| v.date_created < mid));
    let (lo, hi) = (truth[100].date_created, truth[200].date_created);
    let within = run(vec![Criterion::Date {
        field: "dateCreated",
        operator: DateOperator::Within,
        value: lo,
        value2: Some(hi),
    }])
    .await;
    assert_eq!(within, ids_of(&|v| v.date_created >= lo && v.date_created <= hi));

    let wanted = vec![truth[3].internal_id.clone(), truth[7].internal_id.clone(), "999999".to_string()];
    let by_id = run(vec![
        Criterion::AnyOfIds { field: "internalId", ids: wanted.clone() },
        Criterion::Boolean { field: "isInactive", value: truth[3].is_inactive },
    ])
    .await;
    assert_eq!(by_id, ids_of(&|v| wanted[..2].contains(&v.internal_id) && v.is_inactive == truth[3].is_inactive));

    // Nothing matches: totals are zero and there is no record list.
    let future = Utc::now() + TimeDelta::days(365);
    let none =
        c.search(&SearchQuery::modified_since(SearchType::Vendor, future)).await.expect("an empty result is a success");
    assert_eq!((none.total_records, none.total_pages, none.records.len()), (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_and_modified_vendors_show_up_in_a_delta() {
    let sim = start(200).await;
    let c = client(&sim, 1000);
    let before = sim.now() - TimeDelta::seconds(1);
    let added = sim.add_vendors(&account(), 4).unwrap();
    let modified = sim.modify_vendors(&account(), 3).unwrap();
    let (ids, _) = fetch_all(&c, &SearchQuery::modified_since(SearchType::Vendor, before)).await;
    let mut expected: Vec<String> = added.iter().chain(&modified).cloned().collect();
    expected.sort_by_key(|id| id.parse::<u64>().unwrap());
    assert_eq!(ids, expected);
    assert_eq!(sim.vendors(&account()).unwrap().len(), 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_more_reruns_the_search_and_ids_expire() {
    let sim = start(12).await;
    let c = client(&sim, 5);
    let first = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap();
    assert_eq!((first.total_records, first.total_pages), (12, 3));
    let id = first.search_id.clone().unwrap();
    assert!(id.starts_with("WEBSERVICES_1234567_SB1_"), "{id}");

    // Rows added in between shift the totals: the search is re-run at call time.
    sim.add_vendors(&account(), 4).unwrap();
    let p2 = c.search_more_with_id(SearchType::Vendor, true, &id, 2).await.unwrap();
    assert_eq!((p2.total_records, p2.total_pages), (16, 4));

    // A page past the end.
    let err = c.search_more_with_id(SearchType::Vendor, true, &id, 9).await.unwrap_err();
    assert_eq!(code(&err), Some("INVALID_PAGE_INDEX"), "{err:?}");

    // 14 minutes idle is fine; the use restarts the count; 16 minutes idle expires it.
    sim.advance_clock(Duration::from_secs(14 * 60));
    c.search_more_with_id(SearchType::Vendor, true, &id, 3).await.unwrap();
    sim.advance_clock(Duration::from_secs(16 * 60));
    let err = c.search_more_with_id(SearchType::Vendor, true, &id, 3).await.unwrap_err();
    assert_eq!(code(&err), Some("INVALID_JOB_ID"), "{err:?}");
    assert_eq!(err.class(), ErrorClass::ExpiredSearch);

    let err = c.search_more_with_id(SearchType::Vendor, true, "WEBSERVICES_NOPE", 2).await.unwrap_err();
    assert_eq!(code(&err), Some("INVALID_JOB_ID"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_size_must_be_between_5_and_1000() {
    let sim = start(20).await;
    for bad in [0, 4, 1001] {
        let err = client(&sim, bad).search(&SearchQuery::all(SearchType::Vendor)).await.unwrap_err();
        assert_eq!(code(&err), Some("INVALID_SEARCH_PAGE_SIZE"), "page size {bad}: {err:?}");
        assert_eq!(err.class(), ErrorClass::Request);
    }
    for good in [5, 1000] {
        client(&sim, good).search(&SearchQuery::all(SearchType::Vendor)).await.unwrap();
    }
    // bodyFieldsOnly=false is accepted.
    let q = SearchQuery { body_fields_only: false, ..SearchQuery::all(SearchType::Vendor) };
    assert_eq!(client(&sim, 10).search(&q).await.unwrap().records.len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_refuses_every_bad_passport() {
    let sim = start(5).await;
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let now = Utc::now().timestamp();
    let is_invalid_login = |(status, err): (u16, Option<WireError>)| {
        let err = err.expect("an error");
        assert_eq!(status, 500);
        assert_eq!(code(&err), Some("USER_ERROR"));
        assert_eq!(err.class(), ErrorClass::Auth);
        assert!(err.to_string().contains("Invalid login attempt."), "{err}");
    };

    // A good passport works once; the same nonce again is refused.
    let good = TokenPassport::fresh(&creds);
    assert!(search_with(&sim, &good).await.1.is_none());
    is_invalid_login(search_with(&sim, &good).await);

    // Bad signature.
    let mut bad_sig = TokenPassport::fresh(&creds);
    bad_sig.signature = "AAAA".into();
    is_invalid_login(search_with(&sim, &bad_sig).await);

    // Wrong secret: signs validly, with the wrong key.
    let mut wrong = creds.clone();
    wrong.token_secret = secrecy::SecretString::from("0".repeat(64));
    is_invalid_login(search_with(&sim, &TokenPassport::fresh(&wrong)).await);

    // Lower-case sandbox suffix, even when signed over the lower-case text.
    let mut lower = TokenPassport::fresh(&creds);
    lower.account = "1234567_sb1".into();
    lower.signature = netsuite_discovery::netsuite::passport::sign(
        &lower.account,
        &lower.consumer_key,
        &lower.token,
        &lower.nonce,
        lower.timestamp,
        &expose(&creds.consumer_secret),
        &expose(&creds.token_secret),
    );
    is_invalid_login(search_with(&sim, &lower).await);

    // Timestamps six minutes off either way; four minutes is fine.
    is_invalid_login(search_with(&sim, &TokenPassport::with(&creds, "skewpast1".into(), now - 360)).await);
    is_invalid_login(search_with(&sim, &TokenPassport::with(&creds, "skewfuture1".into(), now + 360)).await);
    assert!(search_with(&sim, &TokenPassport::with(&creds, "skewok1".into(), now - 240)).await.1.is_none());

    // Nonce of the wrong form.
    is_invalid_login(search_with(&sim, &TokenPassport::with(&creds, "abc".into(), now)).await);

    // The log says why, the wire does not.
    let notes: Vec<String> = sim.request_log().into_iter().filter_map(|r| r.note).collect();
    for why in
        ["nonce used before", "signature does not verify", "unknown account", "timestamp too far", "nonce is not"]
    {
        assert!(notes.iter().any(|n| n.contains(why)), "no log note about {why:?}: {notes:?}");
    }
}

fn expose(s: &secrecy::SecretString) -> String {
    use secrecy::ExposeSecret;
    s.expose_secret().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambiguous_authentication_and_unreadable_requests_are_faults() {
    let sim = start(5).await;
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let body = search_request(
        SoapVersion::V2017_2,
        &TokenPassport::fresh(&creds),
        prefs(1000),
        &SearchQuery::all(SearchType::Vendor),
    )
    .unwrap();
    let text = String::from_utf8(body).unwrap().replace(
        "<platformMsgs:searchPreferences>",
        "<platformMsgs:applicationInfo><platformMsgs:applicationId>X</platformMsgs:applicationId></platformMsgs:applicationInfo><platformMsgs:searchPreferences>",
    );
    let (status, bytes) = post(&sim, "search", text.into_bytes()).await;
    let fault = parse_response(&bytes).unwrap().fault.unwrap();
    assert_eq!(status, 500);
    assert_eq!(fault.faultstring.as_deref(), Some("Ambiguous authentication"));

    // Not XML, an unknown search type, an unknown operation: SAX-style faults, never a panic.
    for (action, body) in [
        ("search", "<<<not xml".to_string()),
        ("search", String::new()),
        ("search", search_body_of_type(&creds, "platformCommon:CustomerSearchBasic")),
        ("search", search_body_of_type(&creds, "platformCommon:FooSearchBasic")),
        (
            "get",
            search_body_of_type(&creds, "platformCommon:VendorSearchBasic")
                .replace("platformMsgs:search>", "platformMsgs:get>"),
        ),
        ("search", "<a:Envelope xmlns:a=\"urn:x\"/>".to_string()),
    ] {
        let (status, bytes) = post(&sim, action, body.into_bytes()).await;
        assert_eq!(status, 500);
        let fault = parse_response(&bytes).unwrap().fault.expect("a fault");
        assert_eq!(fault.faultcode.as_deref(), Some("soapenv:Server.userException"));
        assert!(fault.faultstring.is_some());
    }
    let log = sim.request_log();
    assert!(log.iter().skip(1).all(|r| matches!(r.outcome, Outcome::Fault { .. })));
    let invalid_type = log.iter().filter_map(|r| r.note.as_deref()).find(|n| n.contains("FooSearchBasic")).unwrap();
    assert!(invalid_type.contains("Invalid type: {urn:common_2017_2.platform.webservices.netsuite.com}FooSearchBasic"));
}

fn search_body_of_type(creds: &Credentials, xsi_type: &str) -> String {
    let body = search_request(
        SoapVersion::V2017_2,
        &TokenPassport::fresh(creds),
        prefs(1000),
        &SearchQuery::all(SearchType::Vendor),
    )
    .unwrap();
    String::from_utf8(body).unwrap().replace("platformCommon:VendorSearchBasic", xsi_type)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_decide_between_status_error_and_login_fault() {
    let sim = start(5).await;
    let c = client(&sim, 1000);
    sim.set_permissions(&account(), PermissionSet::all().without(Permission::Vendors)).unwrap();
    let err = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap_err();
    assert_eq!(code(&err), Some("INSUFFICIENT_PERMISSION"));
    assert_eq!(err.class(), ErrorClass::Permission);
    assert!(err.to_string().contains("'Lists -> Vendors'"), "{err}");

    sim.set_permissions(&account(), PermissionSet::all().without(Permission::SoapWebServices)).unwrap();
    let err = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Auth, "{err:?}");

    sim.set_permissions(&account(), PermissionSet::all()).unwrap();
    c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrency_over_the_limit_is_blocked_and_the_peak_recorded() {
    let sim = start(5).await;
    sim.set_concurrency_limit(&account(), 2).unwrap();
    sim.set_latency(Duration::from_millis(400));
    let c = client(&sim, 1000);
    let q = SearchQuery::all(SearchType::Vendor);
    let results = futures::future::join_all((0..4).map(|_| c.search(&q))).await;
    let blocked = results.iter().filter(|r| matches!(r, Err(e) if code(e) == Some("WS_REQUEST_BLOCKED"))).count();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!((ok, blocked), (2, 2), "{results:?}");
    // Blocked requests count while they are being refused, so the peak shows the overrun.
    let peak = sim.peak_in_flight(&account()).unwrap();
    assert!((3..=4).contains(&peak), "peak {peak}");
    assert_eq!(sim.in_flight(&account()).unwrap(), 0);
    let err = results.into_iter().find_map(Result::err).unwrap();
    assert!(err.is_retryable());

    // One at a time never goes over.
    sim.reset_peak_in_flight(&account()).unwrap();
    sim.set_latency(Duration::from_millis(20));
    for _ in 0..3 {
        c.search(&q).await.unwrap();
    }
    assert_eq!(sim.peak_in_flight(&account()).unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_reach_the_client_as_their_kind() {
    let sim = start(40).await;
    let c = client(&sim, 10);
    let q = SearchQuery::all(SearchType::Vendor);
    let other = AccountId::parse("7654321").unwrap();
    sim.push_faults(&other, vec![InjectedFault::HtmlPage]);
    sim.push_faults(
        FaultTarget::Any,
        vec![
            InjectedFault::ws_request_blocked(),
            InjectedFault::concurrent_session_disallowed(),
            InjectedFault::unexpected_error(),
            InjectedFault::status_error("INVALID_SEARCH", "simulated"),
            InjectedFault::Http(503),
            InjectedFault::HtmlPage,
            InjectedFault::Truncated,
            InjectedFault::DropConnection,
            InjectedFault::Latency(Duration::from_millis(300)),
        ],
    );
    let mut errors = Vec::new();
    for _ in 0..8 {
        errors.push(c.search(&q).await.unwrap_err());
    }
    let labels: Vec<String> = errors.iter().map(WireError::label).collect();
    assert_eq!(
        labels,
        [
            "WS_REQUEST_BLOCKED",
            "WS_CONCUR_SESSION_DISALLWD",
            "UNEXPECTED_ERROR",
            "INVALID_SEARCH",
            "http_503",
            "http_502",
            "malformed",
            "transport"
        ]
    );
    assert!(errors.iter().enumerate().all(|(i, e)| e.is_retryable() == (i != 3)), "{errors:?}");
    let started = Instant::now();
    c.search(&q).await.expect("latency only delays");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(sim.pending_faults(), 1, "the other account's fault is still queued");

    let log = sim.request_log();
    assert_eq!(log.len(), 9);
    assert!(log[..8].iter().all(|r| r.injected));
    assert_eq!(log[6].outcome, Outcome::Truncated);
    assert_eq!((log[7].outcome.clone(), log[7].http_status), (Outcome::Dropped, 0));
    assert_eq!(log[4].outcome, Outcome::Http(503));
    assert_eq!(log[3].outcome, Outcome::StatusError { code: "INVALID_SEARCH".into() });
    assert!(!log[8].injected && log[8].outcome.is_ok());

    // Rates: every request fails while the rate is 1, none once cleared.
    sim.set_fault_rates(vec![(InjectedFault::unexpected_error(), 1.0)]);
    assert_eq!(code(&c.search(&q).await.unwrap_err()), Some("UNEXPECTED_ERROR"));
    sim.clear_faults();
    assert_eq!(sim.pending_faults(), 0);
    c.search(&q).await.unwrap();
    sim.clear_request_log();
    assert!(sim.request_log().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_request_still_uses_up_its_nonce() {
    let sim = start(5).await;
    let creds = client_creds(sim.credentials(&account()).unwrap());
    sim.push_faults(FaultTarget::Any, vec![InjectedFault::unexpected_error()]);
    let passport = TokenPassport::fresh(&creds);
    let (status, err) = search_with(&sim, &passport).await;
    assert_eq!((status, err.as_ref().and_then(|e| e.code())), (500, Some("UNEXPECTED_ERROR")));
    // Retrying with the same passport is refused: retries need a fresh one.
    let (_, err) = search_with(&sim, &passport).await;
    assert_eq!(err.as_ref().and_then(|e| e.code()), Some("USER_ERROR"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_more_needs_the_same_account_and_a_valid_page() {
    let sim = start(30).await;
    sim.add_account(AccountSpec::new(AccountId::parse("7654321").unwrap(), 1).with_vendors(30)).unwrap();
    let c = client(&sim, 10);
    let first = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap();
    let id = first.search_id.unwrap();
    let other_creds = client_creds(sim.credentials(&AccountId::parse("7654321").unwrap()).unwrap());
    let body =
        search_more_with_id_request(SoapVersion::V2017_2, &TokenPassport::fresh(&other_creds), prefs(10), &id, 2)
            .unwrap();
    let (_, bytes) = post(&sim, "searchMoreWithId", body).await;
    let err = parse_response(&bytes).unwrap().into_search_page(SearchType::Vendor).unwrap_err();
    assert_eq!(code(&err), Some("INVALID_JOB_ID"));
    for bad in [0, 4] {
        let err = c.search_more_with_id(SearchType::Vendor, true, &id, bad).await.unwrap_err();
        assert_eq!(code(&err), Some("INVALID_PAGE_INDEX"), "page {bad}");
    }
    assert!(sim.add_account(AccountSpec::new(account(), 1)).is_err(), "no account twice");
    let creds_again =
        Simulator::new(SimConfig { accounts: vec![AccountSpec::new(account(), 42)], ..SimConfig::default() })
            .credentials(&account())
            .unwrap();
    assert_eq!(
        expose(&client_creds(creds_again).token_id),
        expose(&client_creds(sim.credentials(&account()).unwrap()).token_id)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_data_center_urls_points_at_the_simulator() {
    let sim = start(1).await;
    let body = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:messages_2017_2.platform.webservices.netsuite.com"><soapenv:Body><m:getDataCenterUrls><m:account>{}</m:account></m:getDataCenterUrls></soapenv:Body></soapenv:Envelope>"#,
        account()
    );
    let (status, bytes) = post(&sim, "getDataCenterUrls", body.into_bytes()).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains(&format!(
            "<platformCore:webservicesDomain>http://{}</platformCore:webservicesDomain>",
            sim.addr()
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_1000_vendors_is_quick_and_shutdown_is_clean() {
    let sim = start(1000).await;
    let c = client(&sim, 1000);
    let page = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap();
    assert_eq!(page.records.len(), 1000);
    let elapsed = sim.request_log()[0].elapsed;
    println!("simulator answered a 1000-vendor page in {elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    let endpoint = sim.endpoint();
    sim.shutdown().await.unwrap();
    assert!(reqwest::Client::new().post(endpoint).body("x").send().await.is_err(), "no longer listening");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_gives_no_response_at_all() {
    let sim = start(5).await;
    let creds = client_creds(sim.credentials(&account()).unwrap());
    sim.push_faults(FaultTarget::Any, vec![InjectedFault::DropConnection]);
    let body = search_request(
        SoapVersion::V2017_2,
        &TokenPassport::fresh(&creds),
        prefs(1000),
        &SearchQuery::all(SearchType::Vendor),
    )
    .unwrap();
    let sent = reqwest::Client::new().post(sim.endpoint()).header("SOAPAction", "search").body(body).send().await;
    // The connection closes before the status line: hyper reports an incomplete message.
    let err = sent.expect_err("no response at all");
    assert!(format!("{err:?}").contains("IncompleteMessage"), "{err:?}");
    // The server is still fine afterwards.
    client(&sim, 1000).search(&SearchQuery::all(SearchType::Vendor)).await.unwrap();
}
