//! The `getDeleted` operation: reading its `GetDeletedFilter`, and answering it from the
//! account's deletion log (see `deletions.rs`), paged.
//!
//! Request (`platform.messages.xsd` `GetDeletedRequest`): `getDeletedFilter` (a
//! `platformCore:GetDeletedFilter`) and `pageIndex`, both required. The filter's fields are in
//! the core namespace, in the XSD's order: `deletedDate` (`SearchDateField`, every operator,
//! compared to the second), `type` (`SearchEnumMultiSelectField`, `anyOf`/`noneOf` over
//! 2017_2 `DeletedRecordType` values) and `scriptId` (not simulated: custom records only).
//!
//! Choices where NetSuite's exact answer is not documented:
//! - a field out of order or unknown, a `type` value outside the 2017_2 `DeletedRecordType`
//!   enum, a missing `pageIndex` or filter, `scriptId`: a SOAP fault like other unreadable
//!   requests; a value of the enum the simulator does not hold (`invoice`) matches nothing;
//! - page size: the request's `searchPreferences/pageSize` if sent (5..=1000, else
//!   `INVALID_SEARCH_PAGE_SIZE`), else 1000; `pageIndex` out of range: `INVALID_PAGE_INDEX`;
//! - permissions (a modelling choice): a `type` filter (`anyOf`) naming a type the role
//!   cannot see answers `INSUFFICIENT_PERMISSION` naming the first missing permission (the
//!   permission of the type's own search: `Lists -> Vendors` for vendors, `Transactions ->
//!   Bills` for bills...; Find Transaction is not needed); without such a filter the
//!   deletions of types the role cannot see are left out;
//! - deletions come oldest first; the account's paging faults apply (all but
//!   `AlwaysExpire`).

use crate::basics::ns;
use crate::basics::xml::Element;
use crate::model::account::AccountState;
use crate::model::graveyard::{SimDeletion, SimRecordType};
use crate::model::paging_faults::{self, InvalidPage};
use crate::protocol::fields::{DateCond, EnumCond, FieldError};
use crate::protocol::request::SearchPrefs;
use crate::protocol::search::{page_size_of, slice};

/// The `DeletedRecordType` enum of `platform.coreTypes.xsd` 2017_2, in order.
#[rustfmt::skip]
pub(crate) const DELETED_RECORD_TYPES: &[&str] = &[
    "assemblyBuild", "assemblyItem", "assemblyUnbuild", "billingSchedule", "bin", "binTransfer", "binWorksheet",
    "calendarEvent", "campaign", "cashRefund", "cashSale", "charge", "check", "contact", "contactCategory",
    "costCategory", "couponCode", "creditMemo", "currencyRate", "customRecord", "customTransaction", "customer",
    "customerCategory", "customerMessage", "customerDeposit", "customerPayment", "customerRefund", "customerStatus",
    "deposit", "depositApplication", "descriptionItem", "discountItem", "downloadItem", "employee", "estimate",
    "expenseReport", "file", "folder", "giftCertificateItem", "globalAccountMapping", "interCompanyJournalEntry",
    "interCompanyTransferOrder", "inventoryAdjustment", "inventoryCostRevaluation", "inventoryItem",
    "inventoryNumber", "inventoryTransfer", "invoice", "issue", "itemAccountMapping", "itemDemandPlan",
    "itemFulfillment", "itemSupplyPlan", "itemGroup", "itemReceipt", "itemRevision", "job", "jobStatus",
    "journalEntry", "kitItem", "lotNumberedAssemblyItem", "lotNumberedInventoryItem", "markupItem", "message",
    "manufacturingCostTemplate", "manufacturingOperationTask", "manufacturingRouting", "nexus",
    "nonInventoryPurchaseItem", "nonInventoryResaleItem", "nonInventorySaleItem", "note", "noteType", "opportunity",
    "otherChargePurchaseItem", "otherChargeResaleItem", "otherChargeSaleItem", "otherNameCategory", "partner",
    "paymentItem", "paymentMethod", "payrollItem", "phoneCall", "priceLevel", "pricingGroup", "projectTask",
    "promotionCode", "purchaseOrder", "purchaseRequisition", "resourceAllocation", "returnAuthorization",
    "salesOrder", "salesTaxItem", "serializedAssemblyItem", "serializedInventoryItem", "servicePurchaseItem",
    "serviceResaleItem", "serviceSaleItem", "statisticalJournalEntry", "subtotalItem", "supportCase",
    "supportCaseIssue", "supportCaseOrigin", "supportCasePriority", "supportCaseStatus", "supportCaseType", "task",
    "term", "timeSheet", "transferOrder", "usage", "vendor", "vendorBill", "vendorCredit", "vendorPayment",
    "vendorReturnAuthorization", "winLossReason", "workOrder", "workOrderIssue", "workOrderCompletion",
    "workOrderClose",
];

/// The `GetDeletedFilter` sequence of `platform.core.xsd` 2017_2.
const FILTER_FIELDS: &[&str] = &["deletedDate", "type", "scriptId"];

/// A `getDeleted` request, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeletedQuery {
    deleted_date: Option<DateCond>,
    types: Option<EnumCond>,
    /// `pageIndex`.
    pub page_index: i32,
}

fn sax(what: impl std::fmt::Display) -> String {
    format!("org.xml.sax.SAXException: {what}")
}

fn deleted_record_type(value: &str) -> Result<String, String> {
    let v = value.trim();
    if DELETED_RECORD_TYPES.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(format!("{v:?} is not a DeletedRecordType value of 2017_2"))
    }
}

/// Reads a `getDeleted` body. Errors are fault texts.
pub(crate) fn parse(body: &Element) -> Result<DeletedQuery, String> {
    let filter = body.message_child("getDeletedFilter").ok_or_else(|| sax("getDeletedFilter is required"))?;
    let index = body.message_child("pageIndex").ok_or_else(|| sax("pageIndex is required"))?;
    let page_index = index
        .trimmed()
        .parse::<i32>()
        .map_err(|_| sax(format!("Invalid int value for pageIndex: {}", index.trimmed())))?;
    let mut q = DeletedQuery { deleted_date: None, types: None, page_index };
    let mut last: Option<usize> = None;
    for el in &filter.children {
        let name = el.name.local.as_str();
        let pos = FILTER_FIELDS
            .iter()
            .position(|f| *f == name)
            .filter(|p| el.name.ns.as_deref() == Some(ns::CORE) && last.map_or(true, |l| *p > l))
            .ok_or_else(|| {
                sax(format!("Invalid element in com.netsuite.webservices.platform.core.GetDeletedFilter - {name}"))
            })?;
        last = Some(pos);
        let field_error = |e: FieldError| format!("GetDeletedFilter {}", e.0);
        match name {
            "deletedDate" => q.deleted_date = Some(DateCond::parse(el, name).map_err(field_error)?),
            "type" => q.types = Some(EnumCond::parse(el, name, deleted_record_type).map_err(field_error)?),
            _ => return Err(format!("GetDeletedFilter {name}: this field is not simulated")),
        }
    }
    Ok(q)
}

impl DeletedQuery {
    /// The `type` filter as logged: its values, `noneOf` ones prefixed with `!`.
    pub(crate) fn type_filter(&self) -> Option<Vec<String>> {
        self.types
            .as_ref()
            .map(|t| t.values.iter().map(|v| if t.any_of { v.clone() } else { format!("!{v}") }).collect())
    }

    fn matches(&self, d: &SimDeletion) -> bool {
        // Card deletions are logged for SuiteQL only: 2017_2 cannot name their type.
        d.record_type.is_deleted_record_type()
            && self.types.as_ref().map_or(true, |t| t.matches(d.record_type.as_str()))
            && self.deleted_date.as_ref().map_or(true, |c| c.matches(Some(d.deleted_at)))
    }
}

/// One page of deletions.
#[derive(Clone, Debug)]
pub(crate) struct DeletedPage {
    /// Deletions matching the filter.
    pub total_records: usize,
    /// The page size.
    pub page_size: u32,
    /// Pages of the whole answer.
    pub total_pages: usize,
    /// This page's index, from 1.
    pub page_index: u32,
    /// This page's deletions, oldest first.
    pub rows: Vec<SimDeletion>,
    /// Whether a paging fault shaped this page.
    pub faulted: bool,
}

/// What `getDeleted` answers.
#[derive(Clone, Debug)]
pub(crate) enum DeletedAnswer {
    /// A page of deletions.
    Page(DeletedPage),
    /// `status isSuccess="false"` with this code and message.
    Error {
        /// `statusDetail/code`.
        code: String,
        /// `statusDetail/message`.
        message: String,
    },
}

fn error(code: &str, message: String) -> DeletedAnswer {
    DeletedAnswer::Error { code: code.to_string(), message }
}

/// Answers `q` from `account`'s deletion log.
pub(crate) fn run(account: &AccountState, q: &DeletedQuery, prefs: SearchPrefs) -> DeletedAnswer {
    let page_size = match page_size_of(prefs) {
        Ok(size) => size,
        Err(message) => return error("INVALID_SEARCH_PAGE_SIZE", message),
    };
    let visible = |t: SimRecordType| t.permission().map_or(true, |p| account.permissions.contains(p));
    if let Some(types) = q.types.as_ref().filter(|t| t.any_of) {
        let missing = types
            .values
            .iter()
            .filter_map(|v| SimRecordType::parse(v))
            .find(|t| !visible(*t))
            .and_then(SimRecordType::permission);
        if let Some(p) = missing {
            return error("INSUFFICIENT_PERMISSION", p.violation_message());
        }
    }
    let matching: Vec<&SimDeletion> =
        account.graveyard.log.iter().filter(|d| visible(d.record_type) && q.matches(d)).collect();
    let size = page_size as usize;
    match paging_faults::cut(&account.paging_faults, q.page_index, size, matching.len()) {
        Ok(c) => DeletedAnswer::Page(DeletedPage {
            total_records: c.total_records,
            page_size,
            total_pages: c.total_pages,
            page_index: c.page_index,
            rows: slice(&matching, &c).iter().map(|d| (*d).clone()).collect(),
            faulted: c.faulted,
        }),
        Err(InvalidPage(message)) => error("INVALID_PAGE_INDEX", message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::xml;

    fn body(filter: &str, page: &str) -> Element {
        let doc = format!(
            r#"<m:getDeleted xmlns:m="urn:messages_2017_2.platform.webservices.netsuite.com" xmlns:p="urn:core_2017_2.platform.webservices.netsuite.com"><m:getDeletedFilter>{filter}</m:getDeletedFilter>{page}</m:getDeleted>"#
        );
        xml::parse(doc.as_bytes()).unwrap()
    }

    #[test]
    fn card_deletions_are_never_reported() {
        use crate::basics::account_id::AccountId;
        use crate::model::account::{AccountSpec, AccountState};
        let spec = AccountSpec::new(AccountId::parse("1234567").unwrap(), 5).with_vendors(20).with_transactions(200);
        let anchor = chrono::DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
        let mut a = AccountState::generate(spec, anchor, 5);
        assert_eq!(a.cards.len(), 20);
        assert_eq!(a.delete_some(SimRecordType::CreditCardCharge, 2, anchor).len(), 2);
        assert_eq!(a.delete_some(SimRecordType::Vendor, 1, anchor).len(), 1);
        assert_eq!(a.graveyard.log.len(), 3, "logged for SuiteQL");
        let q = parse(&body("", "<m:pageIndex>1</m:pageIndex>")).unwrap();
        match run(&a, &q, SearchPrefs::default()) {
            DeletedAnswer::Page(p) => {
                assert_eq!(p.total_records, 1);
                assert_eq!(p.rows[0].record_type, SimRecordType::Vendor);
            }
            DeletedAnswer::Error { code, .. } => panic!("{code}"),
        }
    }

    #[test]
    fn the_enum_is_2017_2s() {
        assert_eq!(DELETED_RECORD_TYPES.len(), 121);
        for t in SimRecordType::ALL {
            assert_eq!(DELETED_RECORD_TYPES.contains(&t.as_str()), t.is_deleted_record_type(), "{t:?}");
        }
    }

    #[test]
    fn reads_the_filter_in_xsd_order() {
        let ok = body(
            r#"<p:deletedDate operator="after"><p:searchValue>2024-01-01T00:00:00Z</p:searchValue></p:deletedDate><p:type operator="anyOf"><p:searchValue>vendor</p:searchValue><p:searchValue>invoice</p:searchValue></p:type>"#,
            "<m:pageIndex>2</m:pageIndex>",
        );
        let q = parse(&ok).unwrap();
        assert_eq!(q.page_index, 2);
        assert_eq!(q.type_filter(), Some(vec!["vendor".to_string(), "invoice".to_string()]));
        let swapped = body(
            r#"<p:type operator="anyOf"><p:searchValue>vendor</p:searchValue></p:type><p:deletedDate operator="after"><p:searchValue>2024-01-01T00:00:00Z</p:searchValue></p:deletedDate>"#,
            "<m:pageIndex>1</m:pageIndex>",
        );
        assert!(parse(&swapped).unwrap_err().contains("GetDeletedFilter - deletedDate"));
        let unknown_type = body(
            r#"<p:type operator="anyOf"><p:searchValue>Vendor</p:searchValue></p:type>"#,
            "<m:pageIndex>1</m:pageIndex>",
        );
        assert!(parse(&unknown_type).unwrap_err().contains("DeletedRecordType"));
        assert!(parse(&body("", "")).unwrap_err().contains("pageIndex is required"));
        assert!(parse(&body("", "<m:pageIndex>x</m:pageIndex>")).is_err());
        let script = body(
            r#"<p:scriptId operator="is"><p:searchValue>x</p:searchValue></p:scriptId>"#,
            "<m:pageIndex>1</m:pageIndex>",
        );
        assert!(parse(&script).unwrap_err().contains("not simulated"));
        assert!(parse(&body("", "<m:pageIndex>1</m:pageIndex>")).is_ok(), "an empty filter is fine");
    }
}
