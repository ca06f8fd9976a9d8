//! The client parses every real (and constructed) sample message in `../shared/netsuite-samples`
//! with the right counts, ids and codes. Real samples use older namespaces (2011_2 to 2021_1):
//! the parser matches local names only.

mod common;

use netsuite_discovery::netsuite::error::{ErrorClass, FaultSource};
use netsuite_discovery::netsuite::parse::{parse_response, record_json_reference, Response};
use netsuite_discovery::netsuite::search::SearchType;
use netsuite_discovery::netsuite::{SpendRole, Transaction, WireError};
use rust_decimal::Decimal;
use std::str::FromStr;

fn sample(path: &str) -> Response {
    let file = common::shared_dir().join("netsuite-samples").join(path);
    let body = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e} (set NETSUITE_SHARED_DIR)", file.display()));
    parse_response(&body).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ids(r: &Response) -> Vec<&str> {
    r.records.iter().map(|r| r.internal_id.as_str()).collect()
}

fn code(r: &Response) -> (String, ErrorClass, bool) {
    let e = r.error().expect("an error");
    let is_fault = matches!(&e, WireError::NetSuite { source_kind: FaultSource::SoapFault(_), .. });
    (e.code().unwrap_or_default().to_string(), e.class(), is_fault)
}

#[test]
fn search_responses() {
    let r = sample("netsweet/search__basic_search_contact.xml");
    assert_eq!((r.total_records, r.total_pages, r.page_index, r.page_size), (Some(1), Some(1), Some(1), Some(1000)));
    assert_eq!(ids(&r), ["7272"]);
    assert_eq!(r.records[0].record_type, "Contact");
    assert!(r.search_id.as_deref().unwrap_or("").starts_with("WEBSERVICES_"));

    let r = sample("netsweet/search__single_search_result.xml");
    assert_eq!(ids(&r), ["355"]);
    assert_eq!(r.records[0].record_type, "Account");
    assert!(r.records[0].fields()["customFieldList"]["customField"].is_array());

    let r = sample("netsweet/search__saved_search_customer.xml");
    assert_eq!(r.total_records, Some(1));
    assert_eq!(r.records.len(), 1);
    assert_eq!(r.records[0].record_type, "CustomerSearchRow");

    let r = sample("netsweet/search__saved_search_item.xml");
    assert_eq!((r.total_records, r.records.len()), (Some(49), 1));
    assert_eq!(r.records[0].record_type, "ItemSearchRow");

    let r = sample("netsweet/search__saved_search_joined_custom_customer.xml");
    assert_eq!((r.total_records, r.records.len()), (Some(2), 2));
    assert_eq!(r.records[0].internal_id, "123");
    assert!(r.error().is_none());
}

#[test]
fn constructed_vendor_bill_pages() {
    let p1 = sample("constructed/searchResponse_vendorbill_page1_2017_2.xml");
    assert_eq!((p1.total_records, p1.page_size, p1.total_pages, p1.page_index), (Some(3), Some(2), Some(2), Some(1)));
    assert_eq!(ids(&p1), ["5001", "5002"]);
    let bill = &p1.records[0];
    assert_eq!(bill.record_type, "VendorBill");
    let t = Transaction::from_raw(bill).unwrap().expect("a vendor bill");
    assert_eq!(
        (t.vendor_id.as_deref(), t.total, t.amount),
        (Some("321"), Decimal::from_str("150.0").ok(), Decimal::from_str("150.0").ok())
    );
    assert_eq!(t.tran_date, chrono::NaiveDate::from_ymd_opt(2017, 10, 2));
    assert_eq!(t.currency.as_deref(), Some("USA"));
    assert_eq!(t.lines.len(), 1);
    assert_eq!((t.lines[0].kind, t.lines[0].category.as_deref()), ("expense", Some("Office Supplies")));
    assert_eq!(bill.ref_id("entity"), Some("321"));
    assert_eq!(bill.text("userTotal"), Some("150.0"));
    let lines = bill.fields()["expenseList"]["expense"].as_array().expect("expense lines are an array");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["amount"], "150.0");
    assert_eq!(p1.records[1].external_id.as_deref(), Some("ext-5002"));

    let p2 = sample("constructed/searchMoreWithIdResponse_vendorbill_page2_2017_2.xml");
    assert_eq!((p2.total_pages, p2.page_index), (Some(2), Some(2)));
    assert_eq!(p2.records.len(), 1);
    assert_eq!(p2.operation.as_deref(), Some("searchMoreWithIdResponse"));

    // As a vendor search page, a VendorBill is an unexpected record type.
    let err = p1.into_search_page(SearchType::Vendor).unwrap_err();
    assert!(matches!(err, WireError::UnexpectedRecord { ref found, .. } if found == "VendorBill"));
}

#[test]
fn faults_and_error_statuses() {
    let r = sample("constructed/searchMoreWithIdResponse_expired_searchid_2017_2.xml");
    assert_eq!(code(&r), ("INVALID_JOB_ID".into(), ErrorClass::ExpiredSearch, false));

    let r = sample("constructed/fault_tba_concurrency_ws_request_blocked_2017_2.xml");
    assert_eq!(code(&r), ("WS_REQUEST_BLOCKED".into(), ErrorClass::Transient, true));
    assert_eq!(r.fault.as_ref().unwrap().detail_name.as_deref(), Some("exceededConcurrentRequestLimitFault"));

    let r = sample("constructed/fault_tba_invalid_login_attempt_2017_2.xml");
    assert_eq!(code(&r), ("USER_ERROR".into(), ErrorClass::Auth, true));
    assert_eq!(r.error().unwrap().to_string(), "NetSuite error USER_ERROR: Invalid login attempt.");

    let r = sample("netsweet/login__failure_concurrent_requests.xml");
    assert_eq!(code(&r), ("WS_CONCUR_SESSION_DISALLWD".into(), ErrorClass::Transient, true));

    // Its faultstring was copy-pasted from the concurrency fixture: the code decides.
    let r = sample("netsweet/login__failure_invalid_credentials.xml");
    assert_eq!(code(&r), ("INVALID_LOGIN_CREDENTIALS".into(), ErrorClass::Auth, true));

    let r = sample("netsweet/get_all__get_all_insufficient_permissions.xml");
    assert_eq!(code(&r), ("INSUFFICIENT_PERMISSION".into(), ErrorClass::Permission, false));
    assert!(r.error().unwrap().to_string().contains("'Lists -> Currency' permission"));

    let r = sample("netsweet/add__add_invoice_error.xml");
    assert_eq!(code(&r).0, "INVALID_INITIALIZE_REF");
    let r = sample("netsweet/add__add_invoice_multiple_errors.xml");
    assert_eq!(r.status.as_ref().unwrap().details.len(), 2);
    assert_eq!(r.error().unwrap().to_string(), "NetSuite error ERROR: Some message");
    let r = sample("netsweet/attach__attach_file_to_bill_error.xml");
    assert_eq!(code(&r).0, "USER_ERROR");
}

#[test]
fn other_real_responses() {
    let r = sample("netsweet/get__get_invoice.xml");
    assert!(r.error().is_none());
    assert_eq!(ids(&r), ["439"]);
    assert_eq!(r.records[0].record_type, "Invoice");
    let items = r.records[0].fields()["itemList"]["item"].as_array().expect("item lines");
    assert!(!items.is_empty());
    // Read as a transaction: the same reader as bills and credits.
    let t = Transaction::read(&r.records[0], SpendRole::Expense).unwrap();
    assert_eq!(t.tran_id.as_deref(), Some("2187"));
    assert_eq!(t.tran_date, chrono::NaiveDate::from_ymd_opt(2011, 1, 1));
    assert_eq!(t.vendor_id.as_deref(), Some("854"));
    assert_eq!(t.total, Some(Decimal::from_str("15993.6").unwrap()));
    let item_lines: Vec<_> = t.lines.iter().filter(|l| l.kind == "item").collect();
    assert_eq!(item_lines.len(), items.len());
    assert_eq!(item_lines[0].line, 1);
    assert_eq!(item_lines[0].amount, Some(Decimal::from_str("15993.6").unwrap()));
    // `billAddressList` is a single RecordRef (2017_2 schema), not a list, whatever its name.
    let bill_to = &r.records[0].fields()["billAddressList"];
    assert_eq!(bill_to["name"], "123 Happy Lane", "{bill_to}");
    assert_eq!(bill_to["internalId"], "433");
    assert_eq!(r.records[0].ref_name("shipAddressList"), Some("123 Happy Lane"));
    // A sales invoice is not a vendor-side transaction.
    assert!(Transaction::from_raw(&r.records[0]).unwrap().is_none());

    let r = sample("netsweet/get_deleted__get_deleted_invoices.xml");
    assert_eq!((r.total_records, r.total_pages), (Some(3), Some(1)));
    // getDeleted names its records with RecordRefs: deletions, not records.
    assert!(r.records.is_empty());
    let deleted: Vec<&str> = r.deleted.iter().map(|d| d.internal_id.as_str()).collect();
    assert_eq!(deleted, ["1", "2", "3"]);
    assert!(
        r.deleted.iter().all(|d| d.record_type.as_deref() == Some("invoice") && d.deleted_at.is_some()),
        "{:?}",
        r.deleted
    );

    let r = sample("netsweet/custom_fields__multi_select.xml");
    assert_eq!(ids(&r), ["9948394"]);
    assert_eq!(r.records[0].record_type, "CreditMemo");

    let r = sample("netsweet/attach__attach_file_to_bill.xml");
    assert!(r.error().is_none());
    assert_eq!(r.status.as_ref().map(|s| s.is_success), Some(true));
}

/// Every file in the samples folders parses without error (no panic, no malformed).
#[test]
fn every_sample_parses() {
    let mut n = 0;
    for dir in ["netsweet", "constructed"] {
        let d = common::shared_dir().join("netsuite-samples").join(dir);
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|x| x == "xml") {
                let body = std::fs::read(&p).unwrap();
                // Request samples are envelopes too and must parse as well.
                let r = parse_response(&body).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                // Each record's JSON, written as it streamed past, is the slow reference's
                // (a serde_json value per element) and valid JSON.
                for rec in &r.records {
                    let xml = &body[rec.span.0..rec.span.1];
                    let reference =
                        record_json_reference(xml, &rec.record_type, &rec.internal_id, rec.external_id.as_deref())
                            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                    let written: serde_json::Value = serde_json::from_str(rec.raw.as_str())
                        .unwrap_or_else(|e| panic!("{} record {}: {e}", p.display(), rec.internal_id));
                    assert_eq!(written, reference, "{} record {}", p.display(), rec.internal_id);
                }
                n += 1;
            }
        }
    }
    assert_eq!(n, 22, "15 real and 7 constructed samples");
}
