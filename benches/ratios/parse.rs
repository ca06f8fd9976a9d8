//! Parse section: one 1,000-vendor search page and one 1,000-transaction page with lines, as
//! the simulator serves them. For each, from one run on the same bytes: a bare quick-xml event
//! scan (MB/s), our parse + typed conversion (MB/s and records/s) and their ratio; then the
//! same parse with `raw` kept as the record's XML instead of JSON, to compare the two forms.
//!
//! Each measure is the fastest single call over several interleaved rounds (the machine is
//! shared).

use std::time::Instant;

use netsuite_discovery::netsuite::envelope::{search_request, SearchPreferences};
use netsuite_discovery::netsuite::parse::{parse_search, RawForm};
use netsuite_discovery::netsuite::search::{Criterion, SearchQuery, SearchType};
use netsuite_discovery::netsuite::{RawRecord, TokenPassport, Transaction, Vendor, WireError};
use nsd_simulator::{AccountId, AccountSpec, SimConfig, Simulator};
use quick_xml::events::Event;
use quick_xml::Reader;

/// The done-when of issue 11, point 1: parse + conversion at least this share of the scan.
const TARGET: f64 = 0.35;
const ROUNDS: usize = 7;

/// The client's credentials for a simulator account (the simulator hands out plain strings).
fn client_creds(c: nsd_simulator::Credentials) -> netsuite_discovery::netsuite::Credentials {
    use secrecy::SecretString;
    netsuite_discovery::netsuite::Credentials {
        account: netsuite_discovery::netsuite::AccountId::parse(c.account.as_str()).expect("account"),
        consumer_key: SecretString::from(c.consumer_key),
        consumer_secret: SecretString::from(c.consumer_secret),
        token_id: SecretString::from(c.token_id),
        token_secret: SecretString::from(c.token_secret),
    }
}

/// One search page as the simulator answers it.
async fn page(spec: AccountSpec, query: SearchQuery) -> bytes::Bytes {
    let account = spec.account_id.clone();
    let sim = Simulator::new(SimConfig::default());
    sim.add_account(spec).expect("account");
    let running = sim.clone().spawn().await.expect("simulator");
    let creds = client_creds(sim.credentials(&account).expect("creds"));
    let prefs = SearchPreferences { body_fields_only: query.body_fields_only, page_size: 1000 };
    let body = search_request(
        netsuite_discovery::netsuite::SoapVersion::V2017_2,
        &TokenPassport::fresh(&creds),
        prefs,
        &query,
    )
    .expect("request");
    let page = reqwest::Client::new()
        .post(running.endpoint())
        .header("SOAPAction", "search")
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .expect("post")
        .bytes()
        .await
        .expect("body");
    running.shutdown().await.ok();
    page
}

/// The bare scan: every quick-xml event of the body read, nothing done with it.
fn scan(body: &[u8]) -> usize {
    let mut reader = Reader::from_reader(body);
    let mut events = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return events,
            Ok(_) => events += 1,
            Err(e) => panic!("scan: {e}"),
        }
    }
}

/// Parse + typed conversion of one page; the number of typed records.
fn parse_and_convert<T>(
    body: &[u8],
    search_type: SearchType,
    form: RawForm,
    convert: fn(&RawRecord) -> Result<Option<T>, WireError>,
) -> usize {
    // As the pull does (`read_record`): each record converted as soon as it is parsed, room
    // for a full page up front.
    let (resp, read) = parse_search(body, form, search_type, 1000, |r, _| convert(r).expect("convert")).expect("parse");
    let page = resp.into_search_page_of(read).expect("page");
    page.records.iter().flatten().count()
}

/// Seconds of the fastest of `iterations` calls of `f`, each timed on its own: the machine is
/// shared, and the fastest call is the one least disturbed (the same rule for the scan and the
/// parse).
fn time(iterations: usize, mut f: impl FnMut() -> usize) -> f64 {
    let mut best = f64::MAX;
    let mut sink = 0usize;
    for _ in 0..iterations {
        let start = Instant::now();
        sink = sink.wrapping_add(std::hint::black_box(f()));
        best = best.min(start.elapsed().as_secs_f64());
    }
    std::hint::black_box(sink);
    best
}

fn measure<T>(
    label: &str,
    body: &[u8],
    search_type: SearchType,
    convert: fn(&RawRecord) -> Result<Option<T>, WireError>,
) {
    let records = parse_and_convert(body, search_type, RawForm::Json, convert);
    assert_eq!(records, 1000, "{label}: typed records on the page");
    assert_eq!(parse_and_convert(body, search_type, RawForm::Xml, convert), records);
    let iterations = 20;
    let (mut scan_s, mut json_s, mut xml_s) = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..ROUNDS {
        scan_s = scan_s.min(time(iterations, || scan(body)));
        json_s = json_s.min(time(iterations, || parse_and_convert(body, search_type, RawForm::Json, convert)));
        xml_s = xml_s.min(time(iterations, || parse_and_convert(body, search_type, RawForm::Xml, convert)));
    }
    let mbs = |s: f64| body.len() as f64 / 1e6 / s;
    let ratio = scan_s / json_s;
    println!(
        "parse ratio, {label} ({} KB): quick-xml scan {:.0} MB/s | parse+convert {:.0} MB/s, {:.0} records/s | ratio {:.1}% (target >= {:.0}%: {})",
        body.len() / 1024,
        mbs(scan_s),
        mbs(json_s),
        records as f64 / json_s,
        ratio * 100.0,
        TARGET * 100.0,
        if ratio >= TARGET { "met" } else { "NOT met" }
    );
    println!(
        "parse raw form, {label}: raw as JSON written in the same pass {:.0} MB/s ({:.2} ms/page) | raw as the record's XML (one JSON string) {:.0} MB/s ({:.2} ms/page)",
        mbs(json_s),
        json_s * 1000.0,
        mbs(xml_s),
        xml_s * 1000.0
    );
}

pub fn run(rt: &tokio::runtime::Runtime) {
    let account = AccountId::parse("1234567").expect("account");
    let vendors = rt
        .block_on(page(AccountSpec::new(account.clone(), 1).with_vendors(1_000), SearchQuery::all(SearchType::Vendor)));
    let transactions = rt.block_on(page(
        AccountSpec::new(account, 1).with_vendors(300).with_transactions(3_000),
        SearchQuery {
            search_type: SearchType::Transaction,
            criteria: vec![Criterion::AnyOfEnum {
                field: "type",
                values: vec!["_vendorBill".into(), "_purchaseOrder".into(), "_check".into()],
            }],
            body_fields_only: false,
        },
    ));
    measure("1,000-vendor page", &vendors, SearchType::Vendor, |r| Vendor::try_from(r).map(Some));
    measure("1,000-transaction page with lines", &transactions, SearchType::Transaction, Transaction::from_raw);
}
