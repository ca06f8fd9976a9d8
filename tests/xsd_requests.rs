//! Every request shape the client writes validates against the real XSDs of its endpoint
//! version (2017_2 and 2023_2; 2025_2 is built by the same pattern, without a public schema),
//! and the validator does reject a wrong one (so these tests can fail).

mod common;

use chrono::{TimeZone, Utc};
use common::client_creds;
use netsuite_discovery::discovery::pull::{query_for, query_for_ids};
use netsuite_discovery::discovery::{Costs, Departments, Employees, ExpenseCategories, Invoices};
use netsuite_discovery::discovery::{EntitySpec, Vendors};
use netsuite_discovery::netsuite::envelope::{
    get_deleted_request, search_more_with_id_request, search_request, SearchPreferences,
};
use netsuite_discovery::netsuite::search::{Criterion, DateOperator, DeletedQuery, SearchQuery, SearchType};
use netsuite_discovery::netsuite::SoapVersion;
use netsuite_discovery::netsuite::{AccountId, Credentials, TokenPassport};
use secrecy::SecretString;

fn passport() -> TokenPassport {
    let creds = Credentials {
        account: AccountId::parse("1234567_SB1").unwrap(),
        consumer_key: SecretString::from("ck&<weird>".to_string()),
        consumer_secret: SecretString::from("cs".to_string()),
        token_id: SecretString::from("tk".to_string()),
        token_secret: SecretString::from("ts".to_string()),
    };
    TokenPassport::fresh(&creds)
}

fn prefs() -> SearchPreferences {
    SearchPreferences { body_fields_only: true, page_size: 1000 }
}

fn all_criteria() -> SearchQuery {
    let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    SearchQuery {
        search_type: SearchType::Vendor,
        // Deliberately out of order: the writer must sort them into the XSD sequence.
        criteria: vec![
            Criterion::Date { field: "lastModifiedDate", operator: DateOperator::OnOrAfter, value: t, value2: None },
            Criterion::AnyOfIds { field: "internalId", ids: vec!["1".into(), "22".into()] },
            Criterion::Boolean { field: "isInactive", value: false },
            Criterion::Date { field: "dateCreated", operator: DateOperator::Within, value: t, value2: Some(t) },
        ],
        body_fields_only: false,
    }
}

/// Every request shape the client writes, at endpoint version `v`, all signed with one
/// `passport` (so that two versions' messages differ in their namespaces only).
fn every_request_shape(v: SoapVersion, passport: &TokenPassport) -> Vec<(String, Vec<u8>)> {
    let since = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let mut messages = vec![
        (
            "search_all_vendors".to_string(),
            search_request(v, passport, prefs(), &SearchQuery::all(SearchType::Vendor)).unwrap(),
        ),
        (
            "search_vendors_modified_since".to_string(),
            search_request(v, passport, prefs(), &SearchQuery::modified_since(SearchType::Vendor, since)).unwrap(),
        ),
        ("search_vendors_all_criteria".to_string(), search_request(v, passport, prefs(), &all_criteria()).unwrap()),
        (
            "search_more_with_id".to_string(),
            search_more_with_id_request(v, passport, prefs(), "WEBSERVICES_1234567_SB1_x&y", 2).unwrap(),
        ),
    ];
    let window = chrono::NaiveDate::from_ymd_opt(2025, 11, 26);
    for (name, query) in [
        ("invoices_full_typed", query_for::<Invoices>(window, None, false)),
        ("invoices_delta_typed", query_for::<Invoices>(window, Some(since), false)),
        ("invoices_delta_plain", query_for::<Invoices>(window, Some(since), true)),
        ("costs_full_typed", query_for::<Costs>(window, None, false)),
        ("expense_categories", query_for::<ExpenseCategories>(None, None, false)),
        ("departments", query_for::<Departments>(None, None, false)),
        ("employees_full", query_for::<Employees>(None, None, false)),
        ("employees_delta", query_for::<Employees>(None, Some(since), false)),
        ("vendors_by_id", query_for_ids::<Vendors>(&["12".into(), "13".into()], false)),
        ("invoices_by_id", query_for_ids::<Invoices>(&["12".into()], false)),
    ] {
        let prefs = SearchPreferences { body_fields_only: query.body_fields_only, page_size: 1000 };
        messages.push((name.to_string(), search_request(v, passport, prefs, &query).unwrap()));
    }
    let typed = String::from_utf8_lossy(&messages[4].1).into_owned();
    assert!(
        typed.contains("TransactionSearchBasic") && typed.contains("_vendorPayment") && typed.contains("tranDate"),
        "{typed}"
    );
    assert!(
        !String::from_utf8_lossy(&messages[6].1).contains("operator=\"anyOf\""),
        "the plain search has no type filter"
    );
    // getDeleted for every DeletedRecordType value any entity asks for.
    let types =
        [Vendors::deleted_types(), Invoices::deleted_types(), Costs::deleted_types(), Employees::deleted_types()];
    for record_type in types.into_iter().flatten() {
        let q = DeletedQuery { record_type, since };
        messages
            .push((format!("get_deleted_{record_type}"), get_deleted_request(v, passport, prefs(), &q, 2).unwrap()));
    }
    messages
}

#[test]
fn client_requests_validate() {
    let messages = every_request_shape(SoapVersion::V2017_2, &passport());
    if let Err(problems) = common::xsd_validate(&messages) {
        panic!("client requests do not validate against the 2017_2 XSDs:\n{problems}");
    }
}

/// The same shapes at 2023_2 validate against the real 2023_2 XSDs; 2025_2's are 2023_2's
/// with the version in the namespaces changed and nothing else (no public 2025_2 schema
/// exists to validate them against).
#[test]
fn client_requests_validate_at_2023_2_and_2025_2_follows_the_pattern() {
    let passport = passport();
    let v2017 = every_request_shape(SoapVersion::V2017_2, &passport);
    let v2023 = every_request_shape(SoapVersion::V2023_2, &passport);
    let v2025 = every_request_shape(SoapVersion::V2025_2, &passport);
    for (name, body) in &v2023 {
        let text = String::from_utf8_lossy(body);
        assert!(!text.contains("2017_2") && text.contains("urn:messages_2023_2.platform"), "{name}: {text}");
    }
    if let Err(problems) = common::xsd_validate_version(&v2023, "2023_2") {
        panic!("client requests do not validate against the 2023_2 XSDs:\n{problems}");
    }
    for ((a, b17), ((_, b23), (_, b25))) in v2017.iter().zip(v2023.iter().zip(&v2025)) {
        let (b17, b23, b25) =
            (String::from_utf8_lossy(b17), String::from_utf8_lossy(b23), String::from_utf8_lossy(b25));
        assert_eq!(b23.replace("_2023_2.", "_2017_2."), b17, "{a}: 2017_2 and 2023_2 differ beyond namespaces");
        assert_eq!(b25.replace("_2025_2.", "_2023_2."), b23, "{a}: 2025_2 and 2023_2 differ beyond namespaces");
    }
    // The namespaces matter: 2017_2 requests do not validate against the 2023_2 XSDs.
    assert!(
        common::xsd_validate_version(&v2017[..1], "2023_2").is_err(),
        "a 2017_2 request must not validate against the 2023_2 XSDs"
    );
}

#[test]
fn validator_rejects_out_of_order_fields() {
    let body = search_request(SoapVersion::V2017_2, &passport(), prefs(), &all_criteria()).unwrap();
    let text = String::from_utf8(body).unwrap();
    // Swap two criteria by hand: the XSD sequence forbids it.
    let a = text.find("<platformCommon:dateCreated").unwrap();
    let b = text.find("<platformCommon:internalId").unwrap();
    let swapped = format!("{}{}{}", &text[..a], &text[b..], &text[a..b]);
    let swapped = swapped.replacen("</platformMsgs:searchRecord>", "", 1);
    let end = swapped.find("</platformCommon:lastModifiedDate>").unwrap() + "</platformCommon:lastModifiedDate>".len();
    let fixed = format!("{}</platformMsgs:searchRecord>{}", &swapped[..end], &swapped[end..]);
    let result = common::xsd_validate(&[("out_of_order".to_string(), fixed.into_bytes())]);
    assert!(result.is_err(), "an out-of-order search record must fail validation");
}

/// The bytes actually sent during a real onboarding and delta (search, searchMoreWithId,
/// search with lastModifiedDate), and the simulator's answers to them, validate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captured_traffic_of_a_real_sync_validates() {
    use netsuite_discovery::discovery::sync_tenant;
    use nsd_simulator::{AccountId, AccountSpec, SimConfig, Simulator};
    use tokio_util::sync::CancellationToken;

    let account = AccountId::parse("1234567_SB1").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(AccountSpec::new(account.clone(), 5).with_vendors(120)).unwrap();
    sim.set_record_bodies(true);
    let running = sim.clone().spawn().await.unwrap();
    let db = common::fresh_db().await;
    let t = common::vendor_tenant("acme", client_creds(sim.credentials(&account).unwrap()), &running.endpoint(), 50);
    sync_tenant(&db.store, &t, &common::sync_settings(), CancellationToken::new(), "test").await.unwrap();
    sim.add_vendors(&account, 3).unwrap();
    sync_tenant(&db.store, &t, &common::sync_settings(), CancellationToken::new(), "test").await.unwrap();

    let log = sim.request_log();
    let ops: Vec<_> = log.iter().map(|r| r.operation.clone().unwrap_or_default()).collect();
    // The onboarding's getDeleted is asked beside its pages 2 and 3, in no fixed order.
    let mut onboarding = ops.get(1..4).unwrap_or_default().to_vec();
    onboarding.sort();
    assert_eq!(
        (ops.len(), ops.first().map(String::as_str), onboarding, ops.get(4..).unwrap_or_default()),
        (
            7,
            Some("search"),
            vec!["getDeleted".to_string(), "searchMoreWithId".into(), "searchMoreWithId".into()],
            &["search".to_string(), "getDeleted".into(), "search".into()][..]
        ),
        "3 onboarding pages and deletions since it began; 1 delta page, deletions, the drift check: {ops:?}"
    );
    let mut messages = Vec::new();
    for (i, r) in log.iter().enumerate() {
        messages.push((format!("request_{i}_{}", ops[i]), r.request_body.clone().expect("request body recorded")));
        messages.push((format!("response_{i}_{}", ops[i]), r.response_body.clone().expect("response body recorded")));
    }
    let delta = String::from_utf8_lossy(&messages[8].1).into_owned();
    assert!(delta.contains("lastModifiedDate"), "the delta request filters on lastModifiedDate");
    if let Err(problems) = common::xsd_validate(&messages) {
        panic!("captured traffic does not validate against the 2017_2 XSDs:\n{problems}");
    }
}

/// A real sync of every entity over SOAP 2023_2 (onboarding with several pages per search,
/// then changes, deletions and a delta): every request the client sent and every answer the
/// simulator gave validates against the 2023_2 XSDs, and names no other version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captured_traffic_of_a_2023_2_sync_of_every_entity_validates_against_2023_2() {
    use netsuite_discovery::config::{Categories, Tenant};
    use netsuite_discovery::discovery::sync_tenant;
    use nsd_simulator::{AccountId, AccountSpec, SimConfig, Simulator, TransactionKind};
    use tokio_util::sync::CancellationToken;

    let account = AccountId::parse("1234567_SB1").unwrap();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(
        AccountSpec::new(account.clone(), 5)
            .with_vendors(60)
            .with_transactions(150)
            .with_expense_reports(40)
            .with_employees(60)
            .with_departments(12),
    )
    .unwrap();
    sim.set_record_bodies(true);
    let running = sim.clone().spawn().await.unwrap();
    let db = common::fresh_db().await;
    let t = Tenant {
        soap_version: SoapVersion::V2023_2,
        categories: Categories { hris: true, ..Categories::default() },
        ..common::tenant(
            "acme",
            client_creds(sim.credentials(&account).unwrap()),
            &running.endpoint_for(nsd_simulator::SoapVersion::V2023_2),
            25,
        )
    };
    let settings = common::sync_settings();
    sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();
    sim.add_vendors(&account, 2).unwrap();
    sim.modify_transactions(&account, 3).unwrap();
    sim.modify_employees(&account, 2).unwrap();
    sim.delete_vendors(&account, 1).unwrap();
    sim.delete_transactions(&account, TransactionKind::VendorBill, 1).unwrap();
    sim.delete_employees(&account, 1).unwrap();
    sync_tenant(&db.store, &t, &settings, CancellationToken::new(), "test").await.unwrap();

    let log = sim.request_log();
    let ops: std::collections::BTreeSet<_> = log.iter().filter_map(|r| r.operation.clone()).collect();
    assert_eq!(ops.into_iter().collect::<Vec<_>>(), ["getDeleted", "search", "searchMoreWithId"]);
    let types: std::collections::BTreeSet<_> = log.iter().filter_map(|r| r.search_type.clone()).collect();
    assert_eq!(types.len(), 5, "every search record type was sent: {types:?}");
    let mut messages = Vec::new();
    for (i, r) in log.iter().enumerate() {
        assert!(r.outcome.is_ok() && r.version == Some(nsd_simulator::SoapVersion::V2023_2), "{r:?}");
        let op = r.operation.clone().unwrap_or_default();
        messages.push((format!("request_{i}_{op}"), r.request_body.clone().expect("request body recorded")));
        messages.push((format!("response_{i}_{op}"), r.response_body.clone().expect("response body recorded")));
    }
    for (name, body) in &messages {
        let text = String::from_utf8_lossy(body);
        assert!(text.contains("_2023_2.") && !text.contains("_2017_2.") && !text.contains("_2025_2."), "{name}");
    }
    if let Err(problems) = common::xsd_validate_version(&messages, "2023_2") {
        panic!("captured 2023_2 traffic does not validate against the 2023_2 XSDs:\n{problems}");
    }
}
