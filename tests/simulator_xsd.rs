//! Every kind of message the simulator sends validates against the real 2017_2 XSDs (run by
//! `shared/tools/xsd-validate`), parses with the client's parser, and matches the layout of
//! the constructed samples where one exists.
//!
//! The validator skips `soapenv:Fault`, so each fault's `platformFaults:*Fault` detail is
//! also validated on its own (it is a global element of `platform.faults.xsd`).
//!
//! Locations: `NETSUITE_SHARED_DIR` (default `../shared` next to the crate) holds
//! `tools/xsd-validate` and the samples; `NETSUITE_XSD_DIR`, if set, is passed as `--xsd-dir`.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::client_creds;
use netsuite_discovery::netsuite::envelope::{search_request, SearchPreferences};
use netsuite_discovery::netsuite::parse::parse_response;
use netsuite_discovery::netsuite::search::{SearchQuery, SearchType};
use netsuite_discovery::netsuite::SoapVersion;
use netsuite_discovery::netsuite::{Client, ClientConfig, TokenPassport};
use nsd_simulator::AccountId;
use nsd_simulator::{
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
    Client::new(client_creds(sim.credentials(&account()).unwrap()), cfg).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_the_simulator_sends_validates() {
    let sim = start().await;
    let creds = client_creds(sim.credentials(&account()).unwrap());
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
    let body = search_request(
        SoapVersion::V2017_2,
        &TokenPassport::fresh(&bad),
        SearchPreferences { body_fields_only: true, page_size: 25 },
        &all,
    )
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
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let all = SearchQuery::all(SearchType::Vendor);

    // Invalid login.
    let mut bad = creds.clone();
    bad.token_secret = secrecy::SecretString::from("x".to_string());
    let body = search_request(
        SoapVersion::V2017_2,
        &TokenPassport::fresh(&bad),
        SearchPreferences { body_fields_only: true, page_size: 25 },
        &all,
    )
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

/// A search signed for `account()`, posted as is; the simulator logs the bodies.
async fn post_search(sim: &RunningSimulator, query: &SearchQuery, page_size: u32) -> Vec<u8> {
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let prefs = SearchPreferences { body_fields_only: query.body_fields_only, page_size };
    let body = search_request(SoapVersion::V2017_2, &TokenPassport::fresh(&creds), prefs, query).unwrap();
    let resp =
        reqwest::Client::new().post(sim.endpoint()).header("SOAPAction", "search").body(body).send().await.unwrap();
    resp.bytes().await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_and_expense_category_pages_validate() {
    use netsuite_discovery::netsuite::search::{Criterion, DateOperator};
    use nsd_simulator::TransactionKind;

    let sim = Simulator::new(SimConfig {
        accounts: vec![AccountSpec::new(account(), 5)
            .with_vendors(60)
            .with_employees(12)
            .with_transactions(600)
            .with_expense_reports(80)],
        record_bodies: true,
        ..SimConfig::default()
    });
    let sim = sim.spawn().await.unwrap();
    let tx = |criteria: Vec<Criterion>, body_fields_only: bool| SearchQuery {
        search_type: SearchType::Transaction,
        criteria,
        body_fields_only,
    };
    let typed = |k: TransactionKind| Criterion::AnyOfEnum { field: "type", values: vec![k.type_enum().to_string()] };

    // Every record type, with and without sublists.
    for kind in TransactionKind::ALL {
        for body_fields_only in [false, true] {
            post_search(&sim, &tx(vec![typed(kind)], body_fields_only), 40).await;
        }
    }
    // A plain search with sublists and its second page; a date window; an empty page.
    let first = parse_response(&post_search(&sim, &tx(vec![], false), 100).await).unwrap();
    let c = client(&sim, 100);
    c.search_more_with_id(SearchType::Transaction, false, first.search_id.as_deref().unwrap(), 2).await.unwrap();
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let now = chrono::Utc::now();
    let window = Criterion::Date {
        field: "tranDate",
        operator: DateOperator::Within,
        value: now - chrono::TimeDelta::days(400),
        value2: Some(now - chrono::TimeDelta::days(300)),
    };
    post_search(&sim, &tx(vec![window, typed(TransactionKind::VendorBill)], false), 50).await;
    let future =
        Criterion::Date { field: "tranDate", operator: DateOperator::After, value: day(2999, 1, 1), value2: None };
    post_search(&sim, &tx(vec![future], false), 50).await;
    // Expense categories: all, active only.
    post_search(&sim, &SearchQuery::all(SearchType::ExpenseCategory), 50).await;
    let active = SearchQuery {
        search_type: SearchType::ExpenseCategory,
        criteria: vec![Criterion::Boolean { field: "isInactive", value: false }],
        body_fields_only: true,
    };
    post_search(&sim, &active, 50).await;
    // Permission errors.
    for missing in [Permission::FindTransaction, Permission::Bills, Permission::ExpenseCategories] {
        sim.set_permissions(&account(), PermissionSet::all().without(missing)).unwrap();
        let query = match missing {
            Permission::ExpenseCategories => SearchQuery::all(SearchType::ExpenseCategory),
            _ => tx(vec![typed(TransactionKind::VendorBill)], true),
        };
        let resp = parse_response(&post_search(&sim, &query, 50).await).unwrap();
        assert_eq!(resp.error().unwrap().code(), Some("INSUFFICIENT_PERMISSION"));
    }
    sim.set_permissions(&account(), PermissionSet::all()).unwrap();

    let log = sim.request_log();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut all_responses = String::new();
    for (i, entry) in log.iter().enumerate() {
        let response = entry.response_body.clone().expect("bodies are recorded");
        let parsed = parse_response(&response).unwrap_or_else(|e| panic!("response {i} does not parse: {e}"));
        if entry.outcome.is_ok() {
            let ty = match entry.search_type.as_deref() {
                Some("ExpenseCategorySearchBasic") => SearchType::ExpenseCategory,
                _ => SearchType::Transaction,
            };
            let page = parsed.into_search_page(ty).unwrap();
            let expected =
                page.total_records.saturating_sub((page.page_index - 1) * page.page_size).min(page.page_size);
            assert_eq!(page.records.len() as u32, expected, "response {i}");
        }
        all_responses.push_str(&String::from_utf8_lossy(&response));
        for (body, what) in [(response, "response"), (entry.request_body.clone().unwrap(), "request")] {
            let p = dir.path().join(format!("{i:02}_{what}.xml"));
            std::fs::write(&p, body).unwrap();
            files.push(p);
        }
    }
    assert_eq!(log.len(), 14 + 2 + 2 + 2 + 3);
    // Every record type and sublist shape was written.
    for needle in [
        "xsi:type=\"tranPurch:VendorBill\"",
        "xsi:type=\"tranPurch:PurchaseOrder\"",
        "xsi:type=\"tranPurch:VendorCredit\"",
        "xsi:type=\"tranPurch:VendorPayment\"",
        "xsi:type=\"tranPurch:VendorReturnAuthorization\"",
        "xsi:type=\"tranBank:Check\"",
        "xsi:type=\"tranEmp:ExpenseReport\"",
        "xsi:type=\"listAcct:ExpenseCategory\"",
        "<tranPurch:expenseList>",
        "<tranPurch:itemList>",
        "<tranPurch:applyList>",
        "<tranBank:expenseList>",
        "<tranBank:itemList>",
        "<tranEmp:expenseList>",
        "<tranPurch:orderStatus>",
        "<tranPurch:dueDate>",
        "Transactions -&gt; Find Transaction",
        "Lists -&gt; Expense Categories",
    ] {
        assert!(all_responses.contains(needle), "no {needle} in any response");
    }
    if let Err(report) = validate(&files) {
        panic!("transaction pages do not validate against the 2017_2 XSDs:\n{report}");
    }

    // The check can fail: a VendorBill with userTotal before tranId is refused.
    let page = String::from_utf8(log[0].response_body.clone().unwrap()).unwrap();
    let (a, b) = (page.find("<tranPurch:tranId>").unwrap(), page.find("</tranPurch:userTotal>").unwrap());
    let total_start = page.find("<tranPurch:userTotal>").unwrap();
    assert!(a < total_start && total_start < b);
    let swapped = format!(
        "{}{}{}{}",
        &page[..a],
        &page[total_start..b + "</tranPurch:userTotal>".len()],
        &page[a..total_start],
        &page[b + "</tranPurch:userTotal>".len()..]
    );
    let p = dir.path().join("swapped_bill.xml");
    std::fs::write(&p, swapped).unwrap();
    let report = validate(&[p]).expect_err("a misordered VendorBill must not validate");
    assert!(report.contains("not expected"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employee_and_department_pages_validate() {
    use netsuite_discovery::netsuite::search::{Criterion, DateOperator};
    use netsuite_discovery::netsuite::{Department, Employee};

    let sim = Simulator::new(SimConfig {
        accounts: vec![AccountSpec::new(account(), 5).with_departments(30).with_employees(200)],
        record_bodies: true,
        ..SimConfig::default()
    });
    let sim = sim.spawn().await.unwrap();
    let q = |search_type: SearchType, criteria: Vec<Criterion>| SearchQuery {
        search_type,
        criteria,
        body_fields_only: true,
    };

    // Employees: pages 1, 2 and the last; inactive ones (with releaseDate); modified since a
    // date; an empty page.
    let first = parse_response(&post_search(&sim, &SearchQuery::all(SearchType::Employee), 50).await).unwrap();
    let c = client(&sim, 50);
    let id = first.search_id.clone().unwrap();
    c.search_more_with_id(SearchType::Employee, true, &id, 2).await.unwrap();
    c.search_more_with_id(SearchType::Employee, true, &id, 4).await.unwrap();
    post_search(&sim, &q(SearchType::Employee, vec![Criterion::Boolean { field: "isInactive", value: true }]), 50)
        .await;
    let since =
        |value| Criterion::Date { field: "lastModifiedDate", operator: DateOperator::OnOrAfter, value, value2: None };
    post_search(&sim, &q(SearchType::Employee, vec![since(chrono::Utc::now() - chrono::TimeDelta::days(700))]), 50)
        .await;
    post_search(&sim, &q(SearchType::Employee, vec![since(chrono::Utc::now() + chrono::TimeDelta::days(30))]), 50)
        .await;
    // Departments: all on two pages, active only.
    let first = parse_response(&post_search(&sim, &SearchQuery::all(SearchType::Department), 20).await).unwrap();
    c.search_more_with_id(SearchType::Department, true, first.search_id.as_deref().unwrap(), 2).await.unwrap();
    post_search(&sim, &q(SearchType::Department, vec![Criterion::Boolean { field: "isInactive", value: false }]), 50)
        .await;
    // Both permission errors.
    for (missing, ty) in
        [(Permission::EmployeeRecord, SearchType::Employee), (Permission::Departments, SearchType::Department)]
    {
        sim.set_permissions(&account(), PermissionSet::all().without(missing)).unwrap();
        let resp = parse_response(&post_search(&sim, &SearchQuery::all(ty), 50).await).unwrap();
        assert_eq!(resp.error().unwrap().code(), Some("INSUFFICIENT_PERMISSION"));
    }
    sim.set_permissions(&account(), PermissionSet::all()).unwrap();

    let log = sim.request_log();
    assert_eq!(log.len(), 11);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut all_responses = String::new();
    let (mut employees, mut departments) = (0, 0);
    for (i, entry) in log.iter().enumerate() {
        let response = entry.response_body.clone().expect("bodies are recorded");
        let parsed = parse_response(&response).unwrap_or_else(|e| panic!("response {i} does not parse: {e}"));
        if entry.outcome.is_ok() {
            let employee_search = entry.search_type.as_deref() == Some("EmployeeSearchBasic");
            let ty = if employee_search { SearchType::Employee } else { SearchType::Department };
            let page = parsed.into_search_page(ty).unwrap();
            let expected =
                page.total_records.saturating_sub((page.page_index - 1) * page.page_size).min(page.page_size);
            assert_eq!(page.records.len() as u32, expected, "response {i}");
            for r in &page.records {
                if employee_search {
                    Employee::try_from(r).unwrap();
                    employees += 1;
                } else {
                    Department::try_from(r).unwrap();
                    departments += 1;
                }
            }
        }
        all_responses.push_str(&String::from_utf8_lossy(&response));
        for (body, what) in [(response, "response"), (entry.request_body.clone().unwrap(), "request")] {
            let p = dir.path().join(format!("{i:02}_{what}.xml"));
            std::fs::write(&p, body).unwrap();
            files.push(p);
        }
    }
    assert!(employees > 150 && departments > 30, "{employees} employees, {departments} departments read");
    for needle in [
        "xsi:type=\"listEmp:Employee\"",
        "xsi:type=\"listAcct:Department\"",
        "<listEmp:supervisor internalId=",
        "<listEmp:releaseDate>",
        "<listEmp:hireDate>",
        "<listAcct:parent internalId=",
        "<listAcct:subsidiaryList><platformCore:recordRef internalId=",
        "Lists -&gt; Employee Record",
        "Lists -&gt; Departments",
    ] {
        assert!(all_responses.contains(needle), "no {needle} in any response");
    }
    if let Err(report) = validate(&files) {
        panic!("employee and department pages do not validate against the 2017_2 XSDs:\n{report}");
    }

    // The check can fail: an Employee with title before hireDate, a Department with
    // isInactive before its name.
    let page = String::from_utf8(log[0].response_body.clone().unwrap()).unwrap();
    let (a, b) = (page.find("<listEmp:hireDate>").unwrap(), page.find("</listEmp:title>").unwrap());
    let title_start = page.find("<listEmp:title>").unwrap();
    assert!(a < title_start && title_start < b);
    let end = b + "</listEmp:title>".len();
    let swapped = format!("{}{}{}{}", &page[..a], &page[title_start..end], &page[a..title_start], &page[end..]);
    let p1 = dir.path().join("swapped_employee.xml");
    std::fs::write(&p1, swapped).unwrap();
    let page = String::from_utf8(log[6].response_body.clone().unwrap()).unwrap();
    let renamed = page.replacen("<listAcct:name>", "<listAcct:isInactive>", 1).replacen(
        "</listAcct:name>",
        "</listAcct:isInactive>",
        1,
    );
    let p2 = dir.path().join("misordered_department.xml");
    std::fs::write(&p2, renamed).unwrap();
    let report = validate(&[p1, p2]).expect_err("misordered records must not validate");
    assert!(report.contains("swapped_employee") && report.contains("misordered_department"), "{report}");
}

/// A signed `getDeleted` request with this filter content (prefix `platformCore`), built by
/// hand as the 2017_2 XSDs define it.
fn get_deleted_request(sim: &RunningSimulator, filter: &str, page_index: u32, page_size: u32) -> String {
    let p = TokenPassport::fresh(&client_creds(sim.credentials(&account()).unwrap()));
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:platformMsgs="urn:messages_2017_2.platform.webservices.netsuite.com" xmlns:platformCore="urn:core_2017_2.platform.webservices.netsuite.com">"#,
            r#"<soapenv:Header><platformMsgs:tokenPassport><platformCore:account>{}</platformCore:account><platformCore:consumerKey>{}</platformCore:consumerKey><platformCore:token>{}</platformCore:token><platformCore:nonce>{}</platformCore:nonce><platformCore:timestamp>{}</platformCore:timestamp><platformCore:signature algorithm="HMAC-SHA256">{}</platformCore:signature></platformMsgs:tokenPassport>"#,
            r#"<platformMsgs:searchPreferences><platformMsgs:pageSize>{}</platformMsgs:pageSize></platformMsgs:searchPreferences></soapenv:Header>"#,
            r#"<soapenv:Body><platformMsgs:getDeleted><platformMsgs:getDeletedFilter>{}</platformMsgs:getDeletedFilter><platformMsgs:pageIndex>{}</platformMsgs:pageIndex></platformMsgs:getDeleted></soapenv:Body></soapenv:Envelope>"#
        ),
        p.account, p.consumer_key, p.token, p.nonce, p.timestamp, p.signature, page_size, filter, page_index
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deleted_requests_and_responses_validate() {
    use nsd_simulator::TransactionKind;

    let sim = Simulator::new(SimConfig {
        accounts: vec![AccountSpec::new(account(), 5)
            .with_vendors(60)
            .with_employees(12)
            .with_transactions(200)
            .with_expense_reports(30)],
        record_bodies: true,
        ..SimConfig::default()
    });
    let sim = sim.spawn().await.unwrap();
    let a = account();
    sim.delete_vendors(&a, 3).unwrap();
    for kind in TransactionKind::ALL {
        sim.delete_transactions(&a, kind, 1).unwrap();
    }
    sim.delete_employees(&a, 1).unwrap();
    let since = (chrono::Utc::now() - chrono::TimeDelta::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let until = (chrono::Utc::now() + chrono::TimeDelta::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let types = [
        "vendor",
        "vendorBill",
        "vendorCredit",
        "vendorPayment",
        "purchaseOrder",
        "check",
        "vendorReturnAuthorization",
        "expenseReport",
        "employee",
    ];
    let type_filter: String =
        types.iter().map(|t| format!("<platformCore:searchValue>{t}</platformCore:searchValue>")).collect();
    let filters = [
        // Every type the client pulls, deleted after a time: three pages of 5.
        (
            format!(
                r#"<platformCore:deletedDate operator="after"><platformCore:searchValue>{since}</platformCore:searchValue></platformCore:deletedDate><platformCore:type operator="anyOf">{type_filter}</platformCore:type>"#
            ),
            1,
        ),
        (
            format!(
                r#"<platformCore:deletedDate operator="within"><platformCore:searchValue>{since}</platformCore:searchValue><platformCore:searchValue2>{until}</platformCore:searchValue2></platformCore:deletedDate><platformCore:type operator="anyOf">{type_filter}</platformCore:type>"#
            ),
            2,
        ),
        (
            format!(
                r#"<platformCore:deletedDate operator="within"><platformCore:searchValue>{since}</platformCore:searchValue><platformCore:searchValue2>{until}</platformCore:searchValue2></platformCore:deletedDate><platformCore:type operator="anyOf">{type_filter}</platformCore:type>"#
            ),
            3,
        ),
        // Nothing deleted since: an empty page.
        (
            format!(
                r#"<platformCore:deletedDate operator="onOrAfter"><platformCore:searchValue>{until}</platformCore:searchValue></platformCore:deletedDate>"#
            ),
            1,
        ),
        // A page past the end: an error status.
        (String::new(), 9),
    ];
    for (filter, page) in &filters {
        let body = get_deleted_request(&sim, filter, *page, 5);
        reqwest::Client::new().post(sim.endpoint()).header("SOAPAction", "getDeleted").body(body).send().await.unwrap();
    }
    // A permission error and an injected status error.
    sim.set_permissions(&a, PermissionSet::all().without(Permission::Vendors)).unwrap();
    let only_vendors = r#"<platformCore:type operator="anyOf"><platformCore:searchValue>vendor</platformCore:searchValue></platformCore:type>"#;
    for _ in 0..2 {
        let body = get_deleted_request(&sim, only_vendors, 1, 5);
        reqwest::Client::new().post(sim.endpoint()).header("SOAPAction", "getDeleted").body(body).send().await.unwrap();
        sim.set_permissions(&a, PermissionSet::all()).unwrap();
        sim.push_faults(FaultTarget::Any, vec![InjectedFault::status_error("UNEXPECTED_ERROR", "simulated")]);
    }
    sim.clear_faults();

    let log = sim.request_log();
    assert_eq!(log.len(), 7);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut all = String::new();
    for (i, entry) in log.iter().enumerate() {
        assert_eq!(entry.operation.as_deref(), Some("getDeleted"));
        let response = entry.response_body.clone().unwrap();
        let parsed = parse_response(&response).unwrap_or_else(|e| panic!("response {i} does not parse: {e}"));
        assert_eq!(parsed.operation.as_deref(), Some("getDeletedResponse"), "response {i}");
        all.push_str(&String::from_utf8_lossy(&response));
        for (body, what) in [(response, "response"), (entry.request_body.clone().unwrap(), "request")] {
            let p = dir.path().join(format!("{i:02}_{what}.xml"));
            std::fs::write(&p, body).unwrap();
            files.push(p);
        }
    }
    let codes: Vec<Option<&str>> = log.iter().map(|r| r.outcome.code()).collect();
    assert_eq!(
        codes,
        [None, None, None, None, Some("INVALID_PAGE_INDEX"), Some("INSUFFICIENT_PERMISSION"), Some("UNEXPECTED_ERROR")]
    );
    for needle in [
        "<getDeletedResponse xmlns=\"urn:messages_2017_2.platform.webservices.netsuite.com\">",
        "<platformCore:getDeletedResult",
        "<platformCore:deletedRecordList><platformCore:deletedRecord><platformCore:deletedDate>",
        "type=\"vendorReturnAuthorization\" xsi:type=\"platformCore:RecordRef\"",
        "type=\"employee\" xsi:type=\"platformCore:RecordRef\"",
        "<platformCore:totalRecords>11</platformCore:totalRecords><platformCore:pageSize>5</platformCore:pageSize><platformCore:totalPages>3</platformCore:totalPages><platformCore:pageIndex>2</platformCore:pageIndex>",
    ] {
        assert!(all.contains(needle), "no {needle} in any response");
    }
    if let Err(report) = validate(&files) {
        panic!("getDeleted messages do not validate against the 2017_2 XSDs:\n{report}");
    }

    // The check can fail: a deletedRecord with record before deletedDate is refused.
    let page = String::from_utf8(log[0].response_body.clone().unwrap()).unwrap();
    let start = page.find("<platformCore:deletedDate>").unwrap();
    let end = page[start..].find("</platformCore:deletedDate>").unwrap() + start + "</platformCore:deletedDate>".len();
    let date = &page[start..end];
    let rec_end = page[end..].find("</platformCore:record>").unwrap() + end + "</platformCore:record>".len();
    let swapped = format!("{}{}{}{}", &page[..start], &page[end..rec_end], date, &page[rec_end..]);
    let p = dir.path().join("swapped_deleted.xml");
    std::fs::write(&p, swapped).unwrap();
    let report = validate(&[p]).expect_err("a misordered deletedRecord must not validate");
    assert!(report.contains("not expected"), "{report}");
}
