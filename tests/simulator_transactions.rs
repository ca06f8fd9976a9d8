//! Transactions and expense categories in the simulator, over real HTTP with the client's own
//! request writer and response parser: each record type with and without sublists, totals
//! equal to line sums, `tranDate` windows at their edges, the permission model, paging with
//! `searchMoreWithId`, mutations, and the cost of large accounts and pages.

mod common;

use std::collections::BTreeSet;
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use common::client_creds;
use netsuite_discovery::netsuite::envelope::{search_more_with_id_request, search_request, SearchPreferences};
use netsuite_discovery::netsuite::parse::{parse_response, Response};
use netsuite_discovery::netsuite::search::{Criterion, DateOperator, SearchQuery, SearchType};
use netsuite_discovery::netsuite::SoapVersion;
use netsuite_discovery::netsuite::{RawRecord, TokenPassport};
use nsd_simulator::AccountId;
use nsd_simulator::{
    AccountSpec, NewTransaction, Permission, PermissionSet, RunningSimulator, SimConfig, SimError, SimTransaction,
    Simulator, TransactionKind,
};
use rust_decimal::Decimal;
use serde_json::Value;

fn account() -> AccountId {
    AccountId::parse("7654321_SB2").unwrap()
}

fn anchor() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
}

fn spec() -> AccountSpec {
    AccountSpec::new(account(), 21)
        .with_vendors(150)
        .with_employees(25)
        .with_transactions(2500)
        .with_expense_reports(400)
        .with_anchor(anchor())
}

async fn start() -> RunningSimulator {
    let sim = Simulator::new(SimConfig { accounts: vec![spec()], ..SimConfig::default() });
    sim.spawn().await.expect("simulator starts")
}

async fn post(sim: &RunningSimulator, action: &str, body: Vec<u8>) -> Response {
    let resp = reqwest::Client::new()
        .post(sim.endpoint())
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", action)
        .body(body)
        .send()
        .await
        .expect("request sent");
    parse_response(&resp.bytes().await.expect("body")).expect("a SOAP envelope")
}

fn request(sim: &RunningSimulator, query: &SearchQuery, page_size: u32) -> Vec<u8> {
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let prefs = SearchPreferences { body_fields_only: query.body_fields_only, page_size };
    search_request(SoapVersion::V2017_2, &TokenPassport::fresh(&creds), prefs, query).unwrap()
}

async fn search(sim: &RunningSimulator, query: &SearchQuery, page_size: u32) -> Response {
    post(sim, "search", request(sim, query, page_size)).await
}

async fn more(sim: &RunningSimulator, search_id: &str, page: u32, body_fields_only: bool) -> Response {
    let creds = client_creds(sim.credentials(&account()).unwrap());
    let prefs = SearchPreferences { body_fields_only, page_size: 1000 };
    post(
        sim,
        "searchMoreWithId",
        search_more_with_id_request(SoapVersion::V2017_2, &TokenPassport::fresh(&creds), prefs, search_id, page)
            .unwrap(),
    )
    .await
}

fn transactions(criteria: Vec<Criterion>, body_fields_only: bool) -> SearchQuery {
    SearchQuery { search_type: SearchType::Transaction, criteria, body_fields_only }
}

fn types(kinds: &[TransactionKind]) -> Criterion {
    Criterion::AnyOfEnum { field: "type", values: kinds.iter().map(|k| k.type_enum().to_string()).collect() }
}

fn tran_date(operator: DateOperator, d: NaiveDate, d2: Option<NaiveDate>) -> Criterion {
    let at = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap().and_utc();
    Criterion::Date { field: "tranDate", operator, value: at(d), value2: d2.map(at) }
}

/// Every record of a search, all pages.
async fn all_records(sim: &RunningSimulator, query: &SearchQuery, page_size: u32) -> Vec<RawRecord> {
    let first = search(sim, query, page_size).await;
    assert!(first.error().is_none(), "{:?}", first.error());
    let pages = first.total_pages.unwrap();
    let total = first.total_records.unwrap() as usize;
    let id = first.search_id.clone().unwrap();
    let mut records = first.records;
    for p in 2..=pages {
        let page = more(sim, &id, p, query.body_fields_only).await;
        assert_eq!(page.page_index, Some(p));
        records.extend(page.records);
    }
    assert_eq!(records.len(), total);
    records
}

fn ids(records: &[RawRecord]) -> Vec<String> {
    records.iter().map(|r| r.internal_id.to_string()).collect()
}

fn truth_ids(truth: &[SimTransaction], keep: impl Fn(&SimTransaction) -> bool) -> Vec<String> {
    truth.iter().filter(|t| keep(t)).map(|t| t.internal_id.clone()).collect()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not text: {v}"))).unwrap()
}

/// The lines of sublist `list` (`expenseList`, `itemList`, `applyList`) of a record.
fn lines<'a>(r: &'a RawRecord, list: &str, line: &str) -> Vec<&'a Value> {
    r.fields()
        .get(list)
        .and_then(|l| l.get(line))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_type_with_and_without_sublists_matches_the_ground_truth() {
    let sim = start().await;
    let truth = sim.transactions(&account()).unwrap();
    assert!(truth
        .windows(2)
        .all(|w| w[0].internal_id.parse::<u64>().unwrap() < w[1].internal_id.parse::<u64>().unwrap()));
    for kind in TransactionKind::ALL {
        let expected = truth_ids(&truth, |t| t.kind == kind);
        assert!(!expected.is_empty(), "{kind:?} generated");
        let with = all_records(&sim, &transactions(vec![types(&[kind])], false), 1000).await;
        let without = all_records(&sim, &transactions(vec![types(&[kind])], true), 1000).await;
        assert_eq!(ids(&with), expected, "{kind:?} in internal-id order");
        assert_eq!(ids(&without), expected);
        let mut line_kinds = BTreeSet::new();
        for (r, body_only) in with.iter().zip(&without) {
            let t = truth.iter().find(|t| t.internal_id == r.internal_id).unwrap();
            assert_eq!(r.record_type, kind.record_type());
            assert_eq!(r.text("tranId"), Some(t.tran_id.as_str()));
            assert_eq!(r.ref_id("entity"), Some(t.entity_id.as_str()));
            assert_eq!(r.ref_name("entity"), Some(t.entity_name.as_str()));
            assert_eq!(r.text("memo"), t.memo.as_deref());
            let total = dec(&r.fields()[kind.total_field()]);
            assert_eq!(total, t.total);
            assert_eq!(total.scale(), 2, "amounts have two places");
            let written = r.text("tranDate").unwrap();
            assert!(written.starts_with(&format!("{}T00:00:00.000-0", t.tran_date)), "{written}");
            assert!(written.ends_with("-08:00") || written.ends_with("-07:00"));
            assert_eq!(r.datetime("lastModifiedDate").unwrap(), Some(t.last_modified));
            assert_eq!(r.datetime("createdDate").unwrap(), Some(t.created));
            if kind != TransactionKind::ExpenseReport {
                assert_eq!(r.ref_name("currency"), Some(t.currency.as_str()));
            }
            assert_eq!(r.text("dueDate").is_some(), kind == TransactionKind::VendorBill);
            // Sublists: only without bodyFieldsOnly, summing to the header total.
            let mut amounts = Vec::new();
            for (list, line) in [("expenseList", "expense"), ("itemList", "item"), ("applyList", "apply")] {
                let ls = lines(r, list, line);
                if !ls.is_empty() {
                    line_kinds.insert(list);
                }
                amounts.extend(ls.iter().map(|l| dec(&l["amount"])));
                assert!(body_only.fields().get(list).is_none(), "{kind:?} {list} with bodyFieldsOnly");
                for l in &ls {
                    if line == "item" {
                        let q = dec(&l["quantity"]);
                        assert_eq!(dec(&l["rate"]) * q, dec(&l["amount"]), "rate is exact");
                    }
                }
            }
            assert_eq!(amounts.len(), t.lines, "{kind:?} {}", t.internal_id);
            assert_eq!(amounts.iter().copied().sum::<Decimal>(), t.total, "{kind:?} {}", t.internal_id);
            let mut sorted_truth = t.line_amounts.clone();
            let mut sorted_wire = amounts.clone();
            sorted_truth.sort();
            sorted_wire.sort();
            assert_eq!(sorted_wire, sorted_truth);
            if kind == TransactionKind::ExpenseReport {
                for l in lines(r, "expenseList", "expense") {
                    let converted = (dec(&l["foreignAmount"]) * dec(&l["exchangeRate"]))
                        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
                    assert_eq!(converted, dec(&l["amount"]));
                    assert!(l["expenseDate"].is_string() && l["currency"]["name"].is_string());
                }
            }
        }
        let expected_lists: &[&str] = match kind {
            TransactionKind::VendorPayment => &["applyList"],
            TransactionKind::ExpenseReport => &["expenseList"],
            TransactionKind::VendorReturnAuthorization => &["itemList"],
            _ => &["expenseList", "itemList"],
        };
        assert_eq!(line_kinds.into_iter().collect::<Vec<_>>(), expected_lists, "{kind:?}");
    }
    // Payments apply bills of the same vendor.
    let payments = all_records(&sim, &transactions(vec![types(&[TransactionKind::VendorPayment])], false), 1000).await;
    for p in &payments {
        for a in lines(p, "applyList", "apply") {
            let doc = a["doc"].as_str().unwrap();
            let bill = truth.iter().find(|t| t.internal_id == doc).unwrap();
            assert_eq!(
                (bill.kind, bill.entity_id.as_str()),
                (TransactionKind::VendorBill, p.ref_id("entity").unwrap())
            );
            assert_eq!(a["refNum"].as_str(), Some(bill.tran_id.as_str()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generation_is_deterministic_and_plausible() {
    let a = Simulator::new(SimConfig { accounts: vec![spec()], ..SimConfig::default() });
    let b = Simulator::new(SimConfig { accounts: vec![spec()], ..SimConfig::default() });
    let ta = a.transactions(&account()).unwrap();
    assert_eq!(ta, b.transactions(&account()).unwrap());
    assert_eq!(a.employees(&account()).unwrap(), b.employees(&account()).unwrap());
    assert_eq!(a.expense_categories(&account()).unwrap().len(), 12);
    let other = Simulator::new(SimConfig { accounts: vec![spec().with_anchor(anchor())], ..SimConfig::default() });
    assert_eq!(ta, other.transactions(&account()).unwrap());
    let reseeded = AccountSpec { seed: 22, ..spec() };
    let c = Simulator::new(SimConfig { accounts: vec![reseeded], ..SimConfig::default() });
    assert_ne!(ta, c.transactions(&account()).unwrap());

    assert_eq!(ta.len(), 2900);
    let vendors: BTreeSet<String> = a.vendors(&account()).unwrap().into_iter().map(|v| v.internal_id).collect();
    let employees: BTreeSet<String> = a.employees(&account()).unwrap().into_iter().map(|e| e.internal_id).collect();
    assert!(vendors.is_disjoint(&employees));
    let tx_ids: BTreeSet<String> = ta.iter().map(|t| t.internal_id.clone()).collect();
    assert_eq!(tx_ids.len(), ta.len());
    assert!(tx_ids.is_disjoint(&vendors) && tx_ids.is_disjoint(&employees));
    // Dated over the 3 * 365 days before the anchor, the last one a day before.
    let last_day = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    let first_day = last_day - chrono::Days::new(3 * 365 + 2);
    let currencies: BTreeSet<&str> = ta.iter().map(|t| t.currency.as_str()).collect();
    assert_eq!(currencies, ["CAD", "EUR", "GBP", "USA"].into_iter().collect());
    assert!(ta.iter().map(|t| t.subsidiary.name.as_str()).collect::<BTreeSet<_>>().len() >= 3);
    assert!(ta.iter().any(|t| t.memo.as_deref().is_some_and(|m| m.contains('<') || m.contains('&'))));
    for t in &ta {
        assert_eq!(t.record_type, t.kind.record_type());
        assert_eq!(t.type_enum, t.kind.type_enum());
        assert!(t.tran_date >= first_day && t.tran_date < last_day, "{}", t.tran_date);
        assert!(t.created <= t.last_modified && t.last_modified <= anchor() - TimeDelta::days(1));
        assert_eq!(t.line_amounts.iter().copied().sum::<Decimal>(), t.total);
        assert_eq!(t.total.scale(), 2);
        assert!(t.lines >= 1 && t.lines == t.line_amounts.len());
        let entities = if t.kind.is_vendor_side() { &vendors } else { &employees };
        assert!(entities.contains(&t.entity_id));
    }
    // Bills are the most common; every kind is there.
    let count = |k| ta.iter().filter(|t| t.kind == k).count();
    assert_eq!(count(TransactionKind::ExpenseReport), 400);
    assert!(count(TransactionKind::VendorBill) > 2500 / 3);
    for k in TransactionKind::ALL {
        assert!(count(k) > 0, "{k:?}");
        assert!(count(TransactionKind::VendorBill) >= count(k));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tran_date_windows_compare_calendar_dates() {
    let sim = start().await;
    let truth = sim.transactions(&account()).unwrap();
    // A day with transactions whose previous day has some too.
    let days: BTreeSet<NaiveDate> = truth.iter().map(|t| t.tran_date).collect();
    let d = *days.iter().rev().find(|d| days.contains(&(**d - chrono::Days::new(1)))).unwrap();
    let before = d - chrono::Days::new(1);
    let bills = [TransactionKind::VendorBill, TransactionKind::Check, TransactionKind::ExpenseReport];
    let typed = |t: &SimTransaction| bills.contains(&t.kind);

    type Keep = Box<dyn Fn(NaiveDate) -> bool>;
    let cases: Vec<(Criterion, Keep)> = vec![
        (tran_date(DateOperator::OnOrAfter, d, None), Box::new(move |x| x >= d)),
        (tran_date(DateOperator::After, before, None), Box::new(move |x| x > before)),
        (tran_date(DateOperator::OnOrBefore, before, None), Box::new(move |x| x <= before)),
        (tran_date(DateOperator::Before, d, None), Box::new(move |x| x < d)),
        (tran_date(DateOperator::Within, before, Some(d)), Box::new(move |x| x == before || x == d)),
    ];
    for (criterion, keep) in cases {
        let query = transactions(vec![criterion.clone(), types(&bills)], true);
        let got = ids(&all_records(&sim, &query, 1000).await);
        assert_eq!(got, truth_ids(&truth, |t| typed(t) && keep(t.tran_date)), "{criterion:?}");
    }
    // On the bound: included by onOrAfter; the day before is not.
    let got =
        ids(&all_records(&sim, &transactions(vec![tran_date(DateOperator::OnOrAfter, d, None)], true), 1000).await);
    assert!(truth.iter().filter(|t| t.tran_date == d).all(|t| got.contains(&t.internal_id)));
    assert!(truth.iter().filter(|t| t.tran_date == before).all(|t| !got.contains(&t.internal_id)));

    // The date part as written counts, not the instant: 23:30 at -07:00 on `before` is the
    // next UTC day, and still means `before`.
    let query = transactions(vec![tran_date(DateOperator::OnOrAfter, before, None)], true);
    let body = String::from_utf8(request(&sim, &query, 1000)).unwrap();
    let written = format!("{before}T00:00:00.000Z");
    assert!(body.contains(&written), "{body}");
    let late = body.replace(&written, &format!("{before}T23:30:00.000-07:00"));
    let page = post(&sim, "search", late.into_bytes()).await;
    let expected = truth_ids(&truth, |t| t.tran_date >= before);
    assert_eq!(page.total_records, Some(expected.len() as u32));
    // And an "on" search with a zone-less value.
    let on = transactions(vec![tran_date(DateOperator::OnOrAfter, d, None)], true);
    let body = String::from_utf8(request(&sim, &on, 1000)).unwrap();
    let on_body = body
        .replace("operator=\"onOrAfter\"", "operator=\"on\"")
        .replace(&format!("{d}T00:00:00.000Z"), &format!("{d}T18:00:00"));
    let page = post(&sim, "search", on_body.into_bytes()).await;
    assert_eq!(page.total_records, Some(truth.iter().filter(|t| t.tran_date == d).count() as u32));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_criteria_entity_internal_id_last_modified() {
    let sim = start().await;
    let truth = sim.transactions(&account()).unwrap();
    let vendor = truth[10].entity_id.clone();
    let query = transactions(vec![Criterion::AnyOfIds { field: "entity", ids: vec![vendor.clone()] }], true);
    assert_eq!(ids(&all_records(&sim, &query, 1000).await), truth_ids(&truth, |t| t.entity_id == vendor));
    let picked = vec![truth[3].internal_id.clone(), truth[700].internal_id.clone(), "999".to_string()];
    let query = transactions(vec![Criterion::AnyOfIds { field: "internalId", ids: picked.clone() }], true);
    assert_eq!(ids(&all_records(&sim, &query, 1000).await), picked[..2].to_vec());
    let since = truth.iter().map(|t| t.last_modified).max().unwrap() - TimeDelta::days(20);
    let query = SearchQuery::modified_since(SearchType::Transaction, since);
    assert_eq!(ids(&all_records(&sim, &query, 1000).await), truth_ids(&truth, |t| t.last_modified >= since));
    // A type outside the 2017_2 enum is refused with a fault.
    let query =
        transactions(vec![Criterion::AnyOfEnum { field: "type", values: vec!["_creditCardCharge".into()] }], true);
    let resp = search(&sim, &query, 1000).await;
    let fault = resp.fault.expect("a fault");
    assert!(fault.faultstring.unwrap().contains("_creditCardCharge"));
    // A type of the enum the simulator does not generate matches nothing.
    let query = transactions(vec![Criterion::AnyOfEnum { field: "type", values: vec!["_invoice".into()] }], true);
    let resp = search(&sim, &query, 1000).await;
    assert!(resp.error().is_none());
    assert_eq!(resp.total_records, Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_refuse_typed_searches_and_filter_plain_ones() {
    let sim = start().await;
    let truth = sim.transactions(&account()).unwrap();
    let all = PermissionSet::all();
    let set = |p: PermissionSet| sim.set_permissions(&account(), p).unwrap();
    let refused = |resp: &Response| {
        let e = resp.error().expect("an error status");
        assert_eq!(e.code(), Some("INSUFFICIENT_PERMISSION"));
        assert!(resp.fault.is_none(), "a status error, not a fault");
        e.to_string()
    };
    let plain = transactions(vec![], true);

    // No Find Transaction: every transaction search is refused.
    set(all.clone().without(Permission::FindTransaction));
    for q in [plain.clone(), transactions(vec![types(&[TransactionKind::Check])], true)] {
        let resp = search(&sim, &q, 1000).await;
        refused(&resp);
        let message = resp.status.unwrap().details[0].message.clone().unwrap();
        assert_eq!(
            message,
            "Permission Violation: You need  the 'Transactions -> Find Transaction' permission to access this page. Please contact your account administrator."
        );
    }

    // No Bills: a typed search naming bills is refused; checks and POs are fine.
    set(all.clone().without(Permission::Bills));
    for kind in [TransactionKind::VendorBill, TransactionKind::VendorCredit, TransactionKind::VendorPayment] {
        let resp = search(&sim, &transactions(vec![types(&[TransactionKind::Check, kind])], true), 1000).await;
        assert!(refused(&resp).contains("'Transactions -> Bills'"), "{kind:?}");
    }
    let ok =
        search(&sim, &transactions(vec![types(&[TransactionKind::Check, TransactionKind::PurchaseOrder])], true), 1000)
            .await;
    assert!(ok.error().is_none());
    // A plain search succeeds without the types the role cannot see.
    let got = all_records(&sim, &plain, 1000).await;
    let bills = [TransactionKind::VendorBill, TransactionKind::VendorCredit, TransactionKind::VendorPayment];
    assert_eq!(ids(&got), truth_ids(&truth, |t| !bills.contains(&t.kind)));
    // The first missing permission, in the filter's order, is named.
    set(all.clone().without(Permission::Bills).without(Permission::PurchaseOrder));
    let q = transactions(
        vec![types(&[TransactionKind::Check, TransactionKind::VendorReturnAuthorization, TransactionKind::VendorBill])],
        true,
    );
    assert!(refused(&search(&sim, &q, 1000).await).contains("'Transactions -> Purchase Order'"));
    let got = all_records(&sim, &plain, 1000).await;
    let kinds: BTreeSet<&str> = got.iter().map(|r| r.record_type.as_str()).collect();
    assert_eq!(kinds, ["Check", "ExpenseReport"].into_iter().collect());

    // No Expense Report.
    set(all.clone().without(Permission::ExpenseReport));
    let q = transactions(vec![types(&[TransactionKind::ExpenseReport])], true);
    assert!(refused(&search(&sim, &q, 1000).await).contains("'Transactions -> Expense Report'"));
    let got = all_records(&sim, &plain, 1000).await;
    assert_eq!(ids(&got), truth_ids(&truth, |t| t.kind != TransactionKind::ExpenseReport));
    // Credit Card gates nothing in 2017_2.
    set(all.clone().without(Permission::CreditCard));
    assert_eq!(all_records(&sim, &plain, 1000).await.len(), truth.len());

    // No Expense Categories.
    set(all.clone().without(Permission::ExpenseCategories));
    let resp = search(&sim, &SearchQuery::all(SearchType::ExpenseCategory), 1000).await;
    assert!(refused(&resp).contains("'Lists -> Expense Categories'"));
    set(all.clone());

    // A searchMoreWithId re-runs the search with the permissions of now.
    let first = search(&sim, &plain, 1000).await;
    set(all.clone().without(Permission::FindTransaction));
    refused(&more(&sim, first.search_id.as_deref().unwrap(), 2, true).await);
    set(all);

    // The log tells typed from plain searches.
    let log = sim.request_log();
    assert!(log.iter().all(|e| e.search_type.as_deref().is_some_and(|t| t.ends_with("SearchBasic"))));
    assert!(log.iter().any(|e| e.search_type.as_deref() == Some("TransactionSearchBasic") && e.type_filter.is_none()));
    assert!(log.iter().any(|e| e.type_filter.as_deref() == Some(&["_expenseReport".to_string()][..])));
    assert!(log.iter().any(|e| e.search_type.as_deref() == Some("ExpenseCategorySearchBasic")));
    let continued = log.iter().rev().find(|e| e.operation.as_deref() == Some("searchMoreWithId")).unwrap();
    assert_eq!(continued.search_type.as_deref(), Some("TransactionSearchBasic"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_keeps_the_first_calls_preferences() {
    let sim = start().await;
    let truth = sim.transactions(&account()).unwrap();
    let query = transactions(vec![], false);
    let first = search(&sim, &query, 400).await;
    assert_eq!((first.total_records, first.page_size, first.total_pages), (Some(2900), Some(400), Some(8)));
    let id = first.search_id.clone().unwrap();
    let mut got = ids(&first.records);
    // Later calls ask for body fields only: the search keeps its sublists and page size.
    for p in 2..=8 {
        let page = more(&sim, &id, p, true).await;
        assert_eq!(page.page_size, Some(400));
        assert!(page
            .records
            .iter()
            .all(|r| ["expenseList", "itemList", "applyList"].iter().any(|l| r.fields().contains_key(*l))));
        got.extend(ids(&page.records));
    }
    assert_eq!(got, truth_ids(&truth, |_| true));
    let log = sim.request_log();
    assert_eq!(log.iter().filter(|e| e.search_type.as_deref() == Some("TransactionSearchBasic")).count(), 8);
    let err = more(&sim, &id, 9, true).await.error().unwrap();
    assert_eq!(err.code(), Some("INVALID_PAGE_INDEX"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expense_categories_search() {
    let sim = start().await;
    let truth = sim.expense_categories(&account()).unwrap();
    let all = all_records(&sim, &SearchQuery::all(SearchType::ExpenseCategory), 1000).await;
    assert_eq!(all.len(), 12);
    for (r, c) in all.iter().zip(&truth) {
        assert_eq!(r.record_type, "ExpenseCategory");
        assert_eq!((r.internal_id.as_str(), r.text("name")), (c.internal_id.as_str(), Some(c.name.as_str())));
        assert_eq!(r.text("description"), c.description.as_deref());
        assert_eq!(r.ref_name("expenseAcct"), Some(c.expense_account.name.as_str()));
        assert_eq!(r.boolean("isInactive").unwrap(), Some(c.is_inactive));
    }
    let active = SearchQuery {
        search_type: SearchType::ExpenseCategory,
        criteria: vec![Criterion::Boolean { field: "isInactive", value: false }],
        body_fields_only: true,
    };
    let got = all_records(&sim, &active, 1000).await;
    assert_eq!(got.len(), truth.iter().filter(|c| !c.is_inactive).count());
    assert_eq!(got.len(), 11);
    let picked = SearchQuery {
        search_type: SearchType::ExpenseCategory,
        criteria: vec![Criterion::AnyOfIds {
            field: "internalId",
            ids: vec![truth[0].internal_id.clone(), truth[5].internal_id.clone()],
        }],
        body_fields_only: true,
    };
    assert_eq!(all_records(&sim, &picked, 1000).await.len(), 2);
    // Line categories point at these categories.
    let bills = all_records(&sim, &transactions(vec![types(&[TransactionKind::ExpenseReport])], false), 1000).await;
    let names: BTreeSet<&str> = truth.iter().map(|c| c.name.as_str()).collect();
    for l in bills.iter().flat_map(|r| lines(r, "expenseList", "expense")) {
        assert!(names.contains(l["category"]["name"].as_str().unwrap()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_and_modified_transactions_are_found_by_last_modified() {
    let sim = start().await;
    let before = sim.transactions(&account()).unwrap();
    let vendor = sim.vendors(&account()).unwrap()[3].internal_id.clone();
    let employee = sim.employees(&account()).unwrap()[2].internal_id.clone();
    let day = NaiveDate::from_ymd_opt(2024, 12, 30).unwrap();
    sim.advance_clock(Duration::from_secs(3600));
    let since = sim.now() - TimeDelta::seconds(5);
    let mut added = Vec::new();
    for (kind, entity) in [
        (TransactionKind::VendorBill, &vendor),
        (TransactionKind::VendorPayment, &vendor),
        (TransactionKind::ExpenseReport, &employee),
    ] {
        let new = NewTransaction::new(kind, entity.clone(), day, Decimal::new(123_456, 2));
        added.push(sim.add_transaction(&account(), new).unwrap());
    }
    let last_before: u64 = before.last().unwrap().internal_id.parse().unwrap();
    assert!(added.iter().all(|id| id.parse::<u64>().unwrap() > last_before));
    let bad_entity = NewTransaction::new(TransactionKind::ExpenseReport, vendor.clone(), day, Decimal::ONE);
    assert!(matches!(sim.add_transaction(&account(), bad_entity), Err(SimError::UnknownEntity { .. })));
    let bad_total = NewTransaction::new(TransactionKind::Check, vendor.clone(), day, Decimal::new(1234, 3));
    assert!(matches!(sim.add_transaction(&account(), bad_total), Err(SimError::InvalidTotal(_))));
    let check = NewTransaction::new(TransactionKind::Check, vendor.clone(), day, Decimal::ONE);
    let bad_type = NewTransaction { type_enum: "_creditCardCharge".into(), ..check.clone() };
    assert!(matches!(sim.add_transaction(&account(), bad_type), Err(SimError::UnknownTransactionType(_))));
    // The type may be written without its underscore.
    let plain = NewTransaction { type_enum: "check".into(), ..check };
    added.push(sim.add_transaction(&account(), plain).unwrap());
    let modified = sim.modify_transactions(&account(), 7).unwrap();
    assert_eq!(modified.len(), 7);

    let query = transactions(
        vec![Criterion::Date {
            field: "lastModifiedDate",
            operator: DateOperator::OnOrAfter,
            value: since,
            value2: None,
        }],
        false,
    );
    let got = all_records(&sim, &query, 1000).await;
    // (A modification may pick a transaction just added.)
    let expected: BTreeSet<u64> = modified.iter().chain(&added).map(|id| id.parse().unwrap()).collect();
    let expected: Vec<String> = expected.into_iter().map(|id| id.to_string()).collect();
    assert_eq!(ids(&got), expected);
    let after = sim.transactions(&account()).unwrap();
    for r in &got {
        let t = after.iter().find(|t| t.internal_id == r.internal_id).unwrap();
        assert_eq!(dec(&r.fields()[t.kind.total_field()]), t.total);
        let sum: Decimal = ["expense", "item", "apply"]
            .iter()
            .zip(["expenseList", "itemList", "applyList"])
            .flat_map(|(line, list)| lines(r, list, line))
            .map(|l| dec(&l["amount"]))
            .sum();
        assert_eq!(sum, t.total);
        assert!(t.last_modified >= since);
        if let Some(old) = before.iter().find(|o| o.internal_id == t.internal_id) {
            assert!(modified.contains(&t.internal_id));
            assert_ne!(old.total, t.total);
            assert!(t.memo.as_deref().unwrap().contains("revised"));
        }
    }
    for id in &added[..3] {
        let t = after.iter().find(|t| &t.internal_id == id).unwrap();
        assert!(t.lines == 1 && t.tran_date == day);
        assert!(t.total == Decimal::new(123_456, 2) || !modified.contains(id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_accounts_generate_and_page_quickly() {
    let big = AccountId::parse("5550001").unwrap();
    let sim = Simulator::new(SimConfig::default());
    let started = Instant::now();
    sim.add_account(
        AccountSpec::new(big.clone(), 77)
            .with_vendors(2_000)
            .with_employees(300)
            .with_transactions(50_000)
            .with_expense_reports(5_000)
            .with_anchor(anchor()),
    )
    .unwrap();
    let generated = started.elapsed();
    assert!(generated < Duration::from_secs(3), "generation took {generated:?}");
    let running = sim.clone().spawn().await.unwrap();
    let creds = client_creds(sim.credentials(&big).unwrap());
    let body = search_request(
        SoapVersion::V2017_2,
        &TokenPassport::fresh(&creds),
        SearchPreferences { body_fields_only: false, page_size: 1000 },
        &transactions(vec![], false),
    )
    .unwrap();
    let resp =
        reqwest::Client::new().post(running.endpoint()).header("SOAPAction", "search").body(body).send().await.unwrap();
    let bytes = resp.bytes().await.unwrap();
    let page = parse_response(&bytes).unwrap();
    assert_eq!((page.total_records, page.total_pages, page.records.len()), (Some(55_000), Some(55), 1000));
    let served = sim.request_log().last().unwrap().elapsed;
    eprintln!(
        "generated 55,000 transactions in {generated:?}; a 1,000-transaction page with sublists ({} KB) in {served:?}",
        bytes.len() / 1024
    );
    assert!(served < Duration::from_secs(1), "page took {served:?}");
}
