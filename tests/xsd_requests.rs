//! Every request shape the client writes validates against the real 2017_2 XSDs, and the
//! validator does reject a wrong one (so these tests can fail).

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

#[test]
fn client_requests_validate() {
    let since = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let messages = vec![
        (
            "search_all_vendors".to_string(),
            search_request(SoapVersion::V2017_2, &passport(), prefs(), &SearchQuery::all(SearchType::Vendor)).unwrap(),
        ),
        (
            "search_vendors_modified_since".to_string(),
            search_request(
                SoapVersion::V2017_2,
                &passport(),
                prefs(),
                &SearchQuery::modified_since(SearchType::Vendor, since),
            )
            .unwrap(),
        ),
        (
            "search_vendors_all_criteria".to_string(),
            search_request(SoapVersion::V2017_2, &passport(), prefs(), &all_criteria()).unwrap(),
        ),
        (
            "search_more_with_id".to_string(),
            search_more_with_id_request(SoapVersion::V2017_2, &passport(), prefs(), "WEBSERVICES_1234567_SB1_x&y", 2)
                .unwrap(),
        ),
    ];
    let mut messages = messages;
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
        messages.push((name.to_string(), search_request(SoapVersion::V2017_2, &passport(), prefs, &query).unwrap()));
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
        messages.push((
            format!("get_deleted_{record_type}"),
            get_deleted_request(SoapVersion::V2017_2, &passport(), prefs(), &q, 2).unwrap(),
        ));
    }
    if let Err(problems) = common::xsd_validate(&messages) {
        panic!("client requests do not validate against the 2017_2 XSDs:\n{problems}");
    }
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
    assert_eq!(
        ops,
        ["search", "searchMoreWithId", "searchMoreWithId", "getDeleted", "search", "getDeleted", "search"],
        "3 onboarding pages and deletions since it began; 1 delta page, deletions, the drift check"
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
