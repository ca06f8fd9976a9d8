//! The simulator's switchable faults over real HTTP, read with the crate's own client:
//! paging faults (totals that shrink or lie, short and overlapping pages, a wrong pageIndex,
//! a searchId that always expires); deletions and the `getDeleted` operation, with requests
//! built by hand (the crate's client has no getDeleted here).

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::client_creds;
use netsuite_discovery::netsuite::parse::parse_response;
use netsuite_discovery::netsuite::search::{SearchPage, SearchQuery, SearchType};
use netsuite_discovery::netsuite::SoapVersion;
use netsuite_discovery::netsuite::{Client, ClientConfig, RawRecord, TokenPassport, WireError};
use nsd_simulator::AccountId;
use nsd_simulator::{
    AccountSpec, Outcome, PagingFault, Permission, PermissionSet, RunningSimulator, SimConfig, SimRecordType,
    Simulator, TransactionKind,
};

fn account() -> AccountId {
    AccountId::parse("1234567_SB1").unwrap()
}

fn anchor() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
}

async fn start(spec: AccountSpec) -> RunningSimulator {
    let sim = Simulator::new(SimConfig { accounts: vec![spec], ..SimConfig::default() });
    sim.spawn().await.expect("simulator starts")
}

async fn start_vendors(vendors: usize) -> RunningSimulator {
    start(AccountSpec::new(account(), 42).with_vendors(vendors).with_anchor(anchor())).await
}

fn client(sim: &RunningSimulator, page_size: u32) -> Client {
    let mut cfg = ClientConfig::new(sim.endpoint());
    cfg.page_size = page_size;
    cfg.timeout = Duration::from_secs(20);
    Client::new(client_creds(sim.credentials(&account()).unwrap()), cfg).unwrap()
}

fn ids(page: &SearchPage<RawRecord>) -> Vec<String> {
    page.records.iter().map(|r| r.internal_id.to_string()).collect()
}

fn code(err: &WireError) -> Option<&str> {
    err.code()
}

/// The true vendor ids of the account, in id order.
fn truth(sim: &RunningSimulator) -> Vec<String> {
    sim.vendors(&account()).unwrap().into_iter().map(|v| v.internal_id).collect()
}

/// Page 1 and then pages 2..=`last` of an all-vendor search, each as answered.
async fn pages(c: &Client, last: u32) -> Vec<Result<SearchPage<RawRecord>, WireError>> {
    let first = c.search(&SearchQuery::all(SearchType::Vendor)).await.expect("page 1");
    let id = first.search_id.clone().expect("a searchId");
    let mut out = vec![Ok(first)];
    for p in 2..=last {
        out.push(c.search_more_with_id(SearchType::Vendor, true, &id, p).await);
    }
    out
}

/// (totalRecords, pageSize, totalPages, pageIndex) of a page.
fn totals(p: &SearchPage<RawRecord>) -> (u32, u32, u32, u32) {
    (p.total_records, p.page_size, p.total_pages, p.page_index)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shrinking_totals_close_the_search_early() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::ShrinkTotals { from_page: 2, total_pages: 2 }]);
    let got = pages(&client(&sim, 100), 3).await;
    let p1 = got[0].as_ref().unwrap();
    let p2 = got[1].as_ref().unwrap();
    assert_eq!(totals(p1), (450, 100, 5, 1));
    assert_eq!(totals(p2), (200, 100, 2, 2), "page 2 shrinks the totals");
    assert_eq!(ids(p2), truth[100..200], "its rows are the true ones");
    let err = got[2].as_ref().unwrap_err();
    assert_eq!(code(err), Some("INVALID_PAGE_INDEX"), "{err:?}");

    // Marked as injected in the log; gone once cleared.
    let log = sim.request_log();
    assert!(!log[0].injected && log[1].injected, "{log:?}");
    sim.clear_paging_faults(&account());
    assert!(sim.paging_faults(&account()).is_empty());
    let got = pages(&client(&sim, 100), 5).await;
    assert!(got.iter().all(|p| p.as_ref().is_ok_and(|p| p.total_records == 450 && p.total_pages == 5)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_middle_page_stays_short_and_its_row_is_never_served() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::ShortPage { page: 3 }]);
    let c = client(&sim, 100);
    for _ in 0..2 {
        let got = pages(&c, 5).await;
        let mut seen = Vec::new();
        for (i, p) in got.iter().enumerate() {
            let p = p.as_ref().unwrap();
            assert_eq!(totals(p), (450, 100, 5, i as u32 + 1), "totals stay true");
            assert_eq!(
                p.records.len(),
                if i == 2 {
                    99
                } else if i == 4 {
                    50
                } else {
                    100
                }
            );
            seen.extend(ids(p));
        }
        let missing: Vec<&String> = truth.iter().filter(|id| !seen.contains(id)).collect();
        assert_eq!(missing, [&truth[299]], "the last row of page 3 is never served");
    }
    // A short last page is not a thing: the fault on page 5 changes nothing.
    sim.set_paging_faults(&account(), vec![PagingFault::ShortPage { page: 5 }]);
    let got = pages(&c, 5).await;
    assert_eq!(got[4].as_ref().unwrap().records.len(), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlapping_page_repeats_rows_and_loses_as_many() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::Overlap { page: 2, rows: 10 }]);
    let got = pages(&client(&sim, 100), 5).await;
    let p2 = got[1].as_ref().unwrap();
    assert_eq!(totals(p2), (450, 100, 5, 2));
    assert_eq!(ids(p2), truth[90..190], "page 2 starts 10 rows early");
    assert_eq!(ids(got[2].as_ref().unwrap()), truth[200..300], "page 3 is as it should be");
    let mut seen: Vec<String> = got.iter().flat_map(|p| ids(p.as_ref().unwrap())).collect();
    assert_eq!(seen.len(), 450, "as many rows as totalRecords");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 440, "10 repeated, so 10 never served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_page_index_answers_another_page() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::WrongPageIndex { asked: 3, answered: 2 }]);
    let got = pages(&client(&sim, 100), 3).await;
    let p3 = got[2].as_ref().unwrap();
    assert_eq!(totals(p3), (450, 100, 5, 2), "asked for 3, pageIndex says 2");
    assert_eq!(ids(p3), truth[100..200]);
    let log = sim.request_log();
    assert_eq!(log[2].page_index, Some(3), "the log keeps the page asked for");
    assert!(log[2].injected && !log[1].injected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lying_total_pages_hide_the_pages_beyond() {
    let sim = start_vendors(450).await;
    let truth = truth(&sim);
    sim.set_paging_faults(&account(), vec![PagingFault::LyingTotalPages { total_pages: 3 }]);
    let got = pages(&client(&sim, 100), 4).await;
    for (i, p) in got[..3].iter().enumerate() {
        let p = p.as_ref().unwrap();
        assert_eq!(totals(p), (450, 100, 3, i as u32 + 1));
        assert_eq!(ids(p), truth[i * 100..(i + 1) * 100]);
    }
    assert_eq!(code(got[3].as_ref().unwrap_err()), Some("INVALID_PAGE_INDEX"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_always_expiring_search_id_never_gets_past_page_1() {
    let sim = start_vendors(450).await;
    sim.set_paging_faults(&account(), vec![PagingFault::AlwaysExpire]);
    let c = client(&sim, 100);
    for _ in 0..3 {
        let got = pages(&c, 2).await;
        assert_eq!(totals(got[0].as_ref().unwrap()), (450, 100, 5, 1), "search itself is answered");
        let err = got[1].as_ref().unwrap_err();
        assert_eq!(code(err), Some("INVALID_JOB_ID"), "{err:?}");
        assert!(err.to_string().contains("has expired"), "{err}");
    }
    // Whatever the searchId.
    let err = c.search_more_with_id(SearchType::Vendor, true, "WEBSERVICES_NOPE", 2).await.unwrap_err();
    assert_eq!(code(&err), Some("INVALID_JOB_ID"));
    let expired = sim
        .request_log()
        .iter()
        .filter(|r| r.outcome == Outcome::StatusError { code: "INVALID_JOB_ID".into() })
        .count();
    assert_eq!(expired, 4);
    sim.clear_paging_faults(&account());
    assert_eq!(pages(&c, 5).await.iter().filter(|p| p.is_ok()).count(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_faults_apply_to_every_search_type_and_one_account_only() {
    let spec =
        AccountSpec::new(account(), 7).with_vendors(30).with_employees(40).with_transactions(120).with_anchor(anchor());
    let sim = Simulator::new(SimConfig {
        accounts: vec![spec, AccountSpec::new(AccountId::parse("7654321").unwrap(), 1).with_vendors(30)],
        ..SimConfig::default()
    })
    .spawn()
    .await
    .unwrap();
    sim.set_paging_faults(&account(), vec![PagingFault::ShortPage { page: 1 }]);
    let c = client(&sim, 10);
    for ty in [SearchType::Transaction, SearchType::Employee, SearchType::Vendor] {
        let p = c.search(&SearchQuery::all(ty)).await.unwrap();
        assert_eq!((p.records.len(), p.page_size), (9, 10), "{ty:?}");
    }
    // The other account is not affected.
    let other = AccountId::parse("7654321").unwrap();
    let mut cfg = ClientConfig::new(sim.endpoint());
    cfg.page_size = 10;
    let c2 = Client::new(client_creds(sim.credentials(&other).unwrap()), cfg).unwrap();
    assert_eq!(c2.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap().records.len(), 10);
    // An account not hosted is ignored.
    sim.set_paging_faults(&AccountId::parse("999").unwrap(), vec![PagingFault::AlwaysExpire]);
    assert!(sim.paging_faults(&AccountId::parse("999").unwrap()).is_empty());
}

// ---------------------------------------------------------------------------------------
// Deletions and getDeleted.

/// A signed `getDeleted` envelope with `filter` (the filter's inner XML, prefix `platformCore`)
/// and, when given, a `searchPreferences` page size.
fn get_deleted_body(sim: &RunningSimulator, filter: &str, page_index: &str, page_size: Option<u32>) -> String {
    let p = TokenPassport::fresh(&client_creds(sim.credentials(&account()).unwrap()));
    let prefs = page_size.map_or(String::new(), |n| {
        format!("<platformMsgs:searchPreferences><platformMsgs:pageSize>{n}</platformMsgs:pageSize></platformMsgs:searchPreferences>")
    });
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:platformMsgs="urn:messages_2017_2.platform.webservices.netsuite.com" xmlns:platformCore="urn:core_2017_2.platform.webservices.netsuite.com"><soapenv:Header><platformMsgs:tokenPassport><platformCore:account>{}</platformCore:account><platformCore:consumerKey>{}</platformCore:consumerKey><platformCore:token>{}</platformCore:token><platformCore:nonce>{}</platformCore:nonce><platformCore:timestamp>{}</platformCore:timestamp><platformCore:signature algorithm="HMAC-SHA256">{}</platformCore:signature></platformMsgs:tokenPassport>{prefs}</soapenv:Header><soapenv:Body><platformMsgs:getDeleted><platformMsgs:getDeletedFilter>{filter}</platformMsgs:getDeletedFilter>{page_index}</platformMsgs:getDeleted></soapenv:Body></soapenv:Envelope>"#,
        p.account, p.consumer_key, p.token, p.nonce, p.timestamp, p.signature
    )
}

/// A `deletedDate` criterion.
fn deleted_date(op: &str, value: DateTime<Utc>, value2: Option<DateTime<Utc>>) -> String {
    let v = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let second =
        value2.map_or(String::new(), |t| format!("<platformCore:searchValue2>{}</platformCore:searchValue2>", v(t)));
    format!(
        r#"<platformCore:deletedDate operator="{op}"><platformCore:searchValue>{}</platformCore:searchValue>{second}</platformCore:deletedDate>"#,
        v(value)
    )
}

/// A `type` criterion.
fn of_types(op: &str, types: &[&str]) -> String {
    let values: String =
        types.iter().map(|t| format!("<platformCore:searchValue>{t}</platformCore:searchValue>")).collect();
    format!(r#"<platformCore:type operator="{op}">{values}</platformCore:type>"#)
}

fn page_index(n: u32) -> String {
    format!("<platformMsgs:pageIndex>{n}</platformMsgs:pageIndex>")
}

async fn post(sim: &RunningSimulator, action: &str, body: String) -> (u16, Vec<u8>) {
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

/// One `deletedRecord` as read from the wire.
#[derive(Debug, Default, Clone, PartialEq)]
struct Deleted {
    deleted_date: String,
    internal_id: String,
    record_type: String,
    xsi_type: String,
    name: String,
}

/// A `getDeletedResponse` read by hand: (totalRecords, pageSize, totalPages, pageIndex) and
/// the deleted records; or the error code.
#[derive(Debug)]
struct DeletedResponse {
    totals: (u32, u32, u32, u32),
    records: Vec<Deleted>,
}

fn read_deleted(body: &[u8]) -> Result<DeletedResponse, String> {
    use quick_xml::events::Event;
    let parsed = parse_response(body).map_err(|e| e.to_string())?;
    assert_eq!(parsed.operation.as_deref(), Some("getDeletedResponse"));
    if let Some(err) = parsed.error() {
        return Err(err.code().unwrap_or("?").to_string());
    }
    let totals = (
        parsed.total_records.unwrap(),
        parsed.page_size.unwrap(),
        parsed.total_pages.unwrap(),
        parsed.page_index.unwrap(),
    );
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut records = Vec::new();
    let mut cur = Deleted::default();
    let mut field = String::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if name == "platformCore:record" {
                    for a in e.attributes() {
                        let a = a.unwrap();
                        let value = a.unescape_value().unwrap().into_owned();
                        match a.key.as_ref() {
                            b"internalId" => cur.internal_id = value,
                            b"type" => cur.record_type = value,
                            b"xsi:type" => cur.xsi_type = value,
                            _ => {}
                        }
                    }
                }
                field = name;
            }
            Event::Text(t) => {
                let text = t.unescape().unwrap().into_owned();
                match field.as_str() {
                    "platformCore:deletedDate" => cur.deleted_date = text,
                    "platformCore:name" => cur.name = text,
                    _ => {}
                }
            }
            Event::End(e) => {
                if e.name().as_ref() == b"platformCore:deletedRecord" {
                    records.push(std::mem::take(&mut cur));
                }
                field.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(DeletedResponse { totals, records })
}

async fn get_deleted(
    sim: &RunningSimulator,
    filter: &str,
    page: u32,
    size: Option<u32>,
) -> Result<DeletedResponse, String> {
    let (status, body) = post(sim, "getDeleted", get_deleted_body(sim, filter, &page_index(page), size)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    read_deleted(&body)
}

fn bigger_account() -> AccountSpec {
    AccountSpec::new(account(), 11)
        .with_vendors(200)
        .with_departments(10)
        .with_employees(30)
        .with_transactions(300)
        .with_expense_reports(40)
        .with_anchor(anchor())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_records_vanish_and_get_deleted_reports_them() {
    let sim = start(bigger_account()).await;
    let a = account();
    let vendors_before = sim.vendors(&a).unwrap().len();
    let t0 = sim.now();
    let vendors = sim.delete_vendors(&a, 3).unwrap();
    let bills = sim.delete_transactions(&a, TransactionKind::VendorBill, 4).unwrap();
    sim.advance_clock(Duration::from_secs(3600));
    let t1 = sim.now();
    let reports = sim.delete_transactions(&a, TransactionKind::ExpenseReport, 2).unwrap();
    let employees = sim.delete_employees(&a, 2).unwrap();
    let departments = sim.delete_departments(&a, 1).unwrap();
    let categories = sim.delete_expense_categories(&a, 1).unwrap();
    assert_eq!((vendors.len(), bills.len(), reports.len(), employees.len()), (3, 4, 2, 2));
    assert_eq!((departments.len(), categories.len()), (1, 1));

    // Gone from the ground truth and from every search.
    assert_eq!(sim.vendors(&a).unwrap().len(), vendors_before - 3);
    let txns: Vec<String> = sim.transactions(&a).unwrap().into_iter().map(|t| t.internal_id).collect();
    assert!(bills.iter().chain(&reports).all(|id| !txns.contains(id)));
    assert!(sim.departments(&a).unwrap().iter().all(|d| d.internal_id != departments[0]));
    assert!(sim.expense_categories(&a).unwrap().iter().all(|c| c.internal_id != categories[0]));
    let c = client(&sim, 1000);
    let listed: Vec<String> = ids(&c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap());
    assert_eq!(listed, truth(&sim));
    let all_tx = ids(&c.search(&SearchQuery::all(SearchType::Transaction)).await.unwrap());
    assert!(bills.iter().all(|id| !all_tx.contains(id)));
    let all_emp = ids(&c.search(&SearchQuery::all(SearchType::Employee)).await.unwrap());
    assert!(employees.iter().all(|id| !all_emp.contains(id)));

    // Vendors only: ids, type, RecordRef, deletedDate of the log.
    let log = sim.deletions(&a).unwrap();
    assert_eq!(log.len(), 11, "departments and categories are not logged");
    let got = get_deleted(&sim, &of_types("anyOf", &["vendor"]), 1, None).await.unwrap();
    assert_eq!(got.totals, (3, 1000, 1, 1));
    assert_eq!(got.records.iter().map(|d| d.internal_id.clone()).collect::<Vec<_>>(), vendors);
    for d in &got.records {
        assert_eq!((d.record_type.as_str(), d.xsi_type.as_str()), ("vendor", "platformCore:RecordRef"));
        let at = DateTime::parse_from_rfc3339(&d.deleted_date).unwrap().with_timezone(&Utc);
        assert!(at >= t0 - chrono::TimeDelta::seconds(1) && at < t1, "{at}");
        assert!(!d.name.is_empty());
    }
    let first = log.iter().find(|d| d.internal_id == vendors[0]).unwrap();
    assert_eq!(DateTime::parse_from_rfc3339(&got.records[0].deleted_date).unwrap(), first.deleted_at);

    // Every logged type, oldest first.
    let all = get_deleted(&sim, "", 1, None).await.unwrap();
    let types: Vec<&str> = all.records.iter().map(|d| d.record_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "vendor",
            "vendor",
            "vendor",
            "vendorBill",
            "vendorBill",
            "vendorBill",
            "vendorBill",
            "expenseReport",
            "expenseReport",
            "employee",
            "employee"
        ]
    );
    // A type of the enum the simulator does not hold matches nothing; noneOf leaves out.
    assert_eq!(get_deleted(&sim, &of_types("anyOf", &["invoice"]), 1, None).await.unwrap().totals.0, 0);
    assert_eq!(get_deleted(&sim, &of_types("noneOf", &["vendor", "vendorBill"]), 1, None).await.unwrap().totals.0, 4);

    // deletedDate: after, onOrAfter, within (with a type filter after it, in XSD order).
    let later =
        get_deleted(&sim, &deleted_date("after", t1 - chrono::TimeDelta::seconds(2), None), 1, None).await.unwrap();
    assert_eq!(later.totals.0, 4);
    let exact = log[7].deleted_at;
    assert_eq!(get_deleted(&sim, &deleted_date("onOrAfter", exact, None), 1, None).await.unwrap().totals.0, 4);
    assert_eq!(get_deleted(&sim, &deleted_date("after", exact, None), 1, None).await.unwrap().totals.0, 0);
    let window = format!(
        "{}{}",
        deleted_date("within", t0 - chrono::TimeDelta::seconds(1), Some(t1 - chrono::TimeDelta::seconds(2))),
        of_types("anyOf", &["vendorBill"])
    );
    let early_bills = get_deleted(&sim, &window, 1, None).await.unwrap();
    assert_eq!(early_bills.records.iter().map(|d| d.internal_id.clone()).collect::<Vec<_>>(), bills);

    // Paged by searchPreferences' pageSize.
    let p1 = get_deleted(&sim, "", 1, Some(5)).await.unwrap();
    let p3 = get_deleted(&sim, "", 3, Some(5)).await.unwrap();
    assert_eq!((p1.totals, p1.records.len()), ((11, 5, 3, 1), 5));
    assert_eq!((p3.totals, p3.records.len()), ((11, 5, 3, 3), 1));
    assert_eq!(get_deleted(&sim, "", 4, Some(5)).await.unwrap_err(), "INVALID_PAGE_INDEX");
    assert_eq!(get_deleted(&sim, "", 1, Some(2)).await.unwrap_err(), "INVALID_SEARCH_PAGE_SIZE");
    // Paging faults apply.
    sim.set_paging_faults(&a, vec![PagingFault::ShortPage { page: 1 }]);
    assert_eq!(get_deleted(&sim, "", 1, Some(5)).await.unwrap().records.len(), 4);
    sim.clear_paging_faults(&a);

    let entry = sim.request_log().into_iter().rev().find(|r| r.operation.as_deref() == Some("getDeleted")).unwrap();
    assert_eq!((entry.page_index, entry.outcome), (Some(1), Outcome::Ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_deleted_refuses_bad_input_and_hidden_types() {
    let sim = start(bigger_account()).await;
    let a = account();
    sim.delete_vendors(&a, 2).unwrap();
    sim.delete_transactions(&a, TransactionKind::VendorBill, 2).unwrap();
    sim.delete_transactions(&a, TransactionKind::Check, 1).unwrap();

    // Unknown type value, out of order fields, missing pageIndex, scriptId: SOAP faults.
    for (filter, index) in [
        (of_types("anyOf", &["Vendor"]), page_index(1)),
        (of_types("anyOf", &["department"]), page_index(1)),
        (format!("{}{}", of_types("anyOf", &["vendor"]), deleted_date("after", sim.now(), None)), page_index(1)),
        (of_types("anyOf", &["vendor"]), String::new()),
        (r#"<platformCore:scriptId operator="is"><platformCore:searchValue>x</platformCore:searchValue></platformCore:scriptId>"#.to_string(), page_index(1)),
        (r#"<platformCore:type operator="is"><platformCore:searchValue>vendor</platformCore:searchValue></platformCore:type>"#.to_string(), page_index(1)),
    ] {
        let (status, body) = post(&sim, "getDeleted", get_deleted_body(&sim, &filter, &index, None)).await;
        assert_eq!(status, 500, "{filter}");
        let fault = parse_response(&body).unwrap().fault.expect("a fault");
        assert_eq!(fault.faultcode.as_deref(), Some("soapenv:Server.userException"));
    }
    // SOAPAction must match.
    let (status, _) = post(&sim, "search", get_deleted_body(&sim, "", &page_index(1), None)).await;
    assert_eq!(status, 500);

    // Without Bills: a bill filter is refused, an open one leaves bills out (checks need none).
    sim.set_permissions(&a, PermissionSet::all().without(Permission::Bills)).unwrap();
    assert_eq!(
        get_deleted(&sim, &of_types("anyOf", &["vendor", "vendorBill"]), 1, None).await.unwrap_err(),
        "INSUFFICIENT_PERMISSION"
    );
    let open = get_deleted(&sim, "", 1, None).await.unwrap();
    let types: Vec<&str> = open.records.iter().map(|d| d.record_type.as_str()).collect();
    assert_eq!(types, ["vendor", "vendor", "check"]);
    sim.set_permissions(&a, PermissionSet::all()).unwrap();
    assert_eq!(get_deleted(&sim, "", 1, None).await.unwrap().totals.0, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restored_records_come_back_and_ids_are_never_reused() {
    let sim = start(bigger_account()).await;
    let a = account();
    let last = truth(&sim).last().cloned().unwrap();
    sim.delete_record(&a, SimRecordType::Vendor, &last).unwrap();
    assert!(sim.delete_record(&a, SimRecordType::Vendor, &last).is_err(), "not live any more");
    assert!(sim.delete_record(&a, SimRecordType::Check, "1").is_err());
    let added = sim.add_vendors(&a, 1).unwrap();
    assert!(added[0].parse::<u64>().unwrap() > last.parse::<u64>().unwrap(), "a new vendor never takes a deleted id");

    sim.advance_clock(Duration::from_secs(600));
    sim.restore_deleted(&a, SimRecordType::Vendor, &last).unwrap();
    let back = sim.vendors(&a).unwrap().into_iter().find(|v| v.internal_id == last).unwrap();
    let deleted_at = sim.deletions(&a).unwrap()[0].deleted_at;
    let moved = back.last_modified - deleted_at;
    assert!((600..=601).contains(&moved.num_seconds()), "last modified when restored: {moved}");
    assert!(sim.restore_deleted(&a, SimRecordType::Vendor, &last).is_err(), "already live");
    // The log keeps the entry; a delta on lastModifiedDate finds the vendor again.
    assert_eq!(get_deleted(&sim, "", 1, None).await.unwrap().totals.0, 1);
    let since = SearchQuery::modified_since(SearchType::Vendor, sim.now() - chrono::TimeDelta::seconds(5));
    assert_eq!(ids(&client(&sim, 100).search(&since).await.unwrap()), std::slice::from_ref(&last));

    // Transactions and employees too.
    let bill = sim.delete_transactions(&a, TransactionKind::VendorBill, 1).unwrap();
    assert!(sim.restore_deleted(&a, SimRecordType::Check, &bill[0]).is_err(), "the type must match");
    sim.restore_deleted(&a, SimRecordType::VendorBill, &bill[0]).unwrap();
    assert!(sim.transactions(&a).unwrap().iter().any(|t| t.internal_id == bill[0]));
    let max_before = sim.employees(&a).unwrap().iter().map(|e| e.internal_id.parse::<u64>().unwrap()).max().unwrap();
    let last_employee = max_before.to_string();
    sim.delete_record(&a, SimRecordType::Employee, &last_employee).unwrap();
    let hired = sim.add_employees(&a, 1).unwrap();
    assert!(hired[0].parse::<u64>().unwrap() > max_before, "a new employee never takes a deleted id");
    sim.restore_deleted(&a, SimRecordType::Employee, &last_employee).unwrap();
    assert!(sim.employees(&a).unwrap().iter().any(|e| e.internal_id == last_employee));
}

// ---------------------------------------------------------------------------------------
// Changes that do not touch lastModifiedDate.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_change_is_invisible_to_a_delta_and_visible_to_a_full_pull() {
    let sim = start(bigger_account()).await;
    let a = account();
    let c = client(&sim, 1000);
    let before = sim.vendors(&a).unwrap();
    let since = sim.now() - chrono::TimeDelta::seconds(1);
    let changed = sim.modify_vendors_silently(&a, 5).unwrap();
    let tx = sim.modify_transactions_silently(&a, 3).unwrap();
    let emp = sim.modify_employees_silently(&a, 3).unwrap();
    assert_eq!((changed.len(), tx.len(), emp.len()), (5, 3, 3));
    for ty in [SearchType::Vendor, SearchType::Transaction, SearchType::Employee] {
        let delta = c.search(&SearchQuery::modified_since(ty, since)).await.unwrap();
        assert_eq!(delta.total_records, 0, "{ty:?}: a delta sees nothing");
    }
    // The full pull shows the new content with the old lastModifiedDate.
    let full = c.search(&SearchQuery::all(SearchType::Vendor)).await.unwrap();
    let after = sim.vendors(&a).unwrap();
    for id in &changed {
        let old = before.iter().find(|v| &v.internal_id == id).unwrap();
        let new = after.iter().find(|v| &v.internal_id == id).unwrap();
        assert_eq!(old.last_modified, new.last_modified);
        assert_ne!(old.email, new.email);
        let raw = full.records.iter().find(|r| r.internal_id == *id).unwrap();
        let got = netsuite_discovery::netsuite::Vendor::try_from(raw).unwrap();
        assert_eq!((got.email.as_deref(), got.last_modified), (new.email.as_deref(), Some(old.last_modified)));
    }
}

// ---------------------------------------------------------------------------------------
// Records with an unreadable field.

/// Posts an all-records search of `ty` (page size `size`) and returns the raw response body.
async fn raw_search(sim: &RunningSimulator, ty: SearchType, size: u32) -> Vec<u8> {
    use netsuite_discovery::netsuite::envelope::{search_request, SearchPreferences};
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let prefs = SearchPreferences { body_fields_only: true, page_size: size };
    let body =
        search_request(SoapVersion::V2017_2, &TokenPassport::fresh(&creds), prefs, &SearchQuery::all(ty)).unwrap();
    let (status, bytes) = post(sim, "search", String::from_utf8(body).unwrap()).await;
    assert_eq!(status, 200);
    bytes
}

fn count(hay: &[u8], needle: &str) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle.as_bytes()).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_records_are_written_broken_until_fixed() {
    use netsuite_discovery::netsuite::Vendor;
    use nsd_simulator::Corruption;

    let sim = start(bigger_account()).await;
    let a = account();
    let vendors = truth(&sim);
    let (bad_date, no_id, no_name, control) = (&vendors[3], &vendors[10], &vendors[20], &vendors[30]);
    sim.corrupt_record(&a, SimRecordType::Vendor, bad_date, Corruption::bad_date("lastModifiedDate")).unwrap();
    sim.corrupt_record(&a, SimRecordType::Vendor, no_id, Corruption::missing_field("internalId")).unwrap();
    sim.corrupt_record(&a, SimRecordType::Vendor, no_name, Corruption::missing_field("companyName")).unwrap();
    assert!(sim.corrupt_record(&a, SimRecordType::Vendor, "1", Corruption::bad_date("x")).is_err(), "no such vendor");

    // Date and missing fields: the page is still XML; the broken records do not convert,
    // the others do.
    let page = raw_search(&sim, SearchType::Vendor, 100).await;
    let text = String::from_utf8(page.clone()).unwrap();
    assert_eq!(count(&page, "<listRel:lastModifiedDate>not-a-date</listRel:lastModifiedDate>"), 1);
    assert!(!text.contains(&format!(r#"internalId="{no_id}" xsi:type="listRel:Vendor""#)));
    assert_eq!(
        count(
            &page,
            r#"<platformCore:record xmlns:listRel="urn:relationships_2017_2.lists.webservices.netsuite.com" xsi:type="listRel:Vendor">"#
        ),
        1
    );
    assert_eq!(count(&page, "<listRel:companyName>"), 99);
    let parsed = parse_response(&page).unwrap().into_search_page(SearchType::Vendor).unwrap();
    assert_eq!(parsed.records.len(), 100);
    let raw = parsed.records.iter().find(|r| r.internal_id == *bad_date).unwrap();
    assert!(Vendor::try_from(raw).is_err(), "a date that is not a date does not convert");
    let fine = parsed.records.iter().filter(|r| Vendor::try_from(*r).is_ok()).count();
    assert!(fine >= 97, "{fine} of 100 convert");

    // A control character: raw U+0001 in the company name, so the body is not XML 1.0.
    sim.corrupt_record(&a, SimRecordType::Vendor, control, Corruption::control_char("companyName")).unwrap();
    let page = raw_search(&sim, SearchType::Vendor, 100).await;
    assert_eq!(count(&page, "<listRel:companyName>\u{1}"), 1);
    assert!(sim.request_log().last().unwrap().injected);

    // Transactions and employees too.
    let bill = sim.transactions(&a).unwrap().into_iter().find(|t| t.kind == TransactionKind::VendorBill).unwrap();
    sim.corrupt_record(&a, SimRecordType::VendorBill, &bill.internal_id, Corruption::bad_date("tranDate")).unwrap();
    assert!(sim.corrupt_record(&a, SimRecordType::Check, &bill.internal_id, Corruption::bad_date("tranDate")).is_err());
    let tx = raw_search(&sim, SearchType::Transaction, 1000).await;
    assert_eq!(count(&tx, "<tranPurch:tranDate>not-a-date</tranPurch:tranDate>"), 1);
    let emp = sim.employees(&a).unwrap()[0].internal_id.clone();
    sim.corrupt_record(&a, SimRecordType::Employee, &emp, Corruption::control_char("lastName")).unwrap();
    assert_eq!(count(&raw_search(&sim, SearchType::Employee, 100).await, "<listEmp:lastName>\u{1}"), 1);

    // Fixed one by one, then all at once: the pages are whole again.
    sim.uncorrupt_record(&a, SimRecordType::Vendor, control).unwrap();
    assert_eq!(count(&raw_search(&sim, SearchType::Vendor, 100).await, "\u{1}"), 0);
    sim.clear_corruptions(&a).unwrap();
    let page = raw_search(&sim, SearchType::Vendor, 100).await;
    assert_eq!(count(&page, "not-a-date") + count(&page, "\u{1}"), 0);
    assert_eq!(count(&page, "<listRel:companyName>"), 100);
    let parsed = parse_response(&page).unwrap().into_search_page(SearchType::Vendor).unwrap();
    assert!(parsed.records.iter().all(|r| Vendor::try_from(r).is_ok()));
    assert!(!sim.request_log().last().unwrap().injected);
}
