//! `platformCommon:TransactionSearchBasic`: which of its fields the simulator evaluates, how
//! a transaction is matched, and which permissions a search needs.
//!
//! Simulated fields: `entity` and `internalId` (`SearchMultiSelectField`, `anyOf`/`noneOf`
//! by internal id), `lastModifiedDate` (`SearchDateField`, instants), `tranDate`
//! (`SearchDateField` compared by calendar date: the date part of each search value as
//! written, its time and offset ignored) and `type` (`SearchEnumMultiSelectField` over
//! `TransactionType` values, with or without the leading underscore; a value outside the
//! 2017_2 enum is refused with a fault, a value of the enum the simulator does not generate
//! simply matches nothing).

use crate::basics::xml::Element;
use crate::model::permissions::{Permission, PermissionSet};
use crate::model::transactions::{TransactionKind, Txn, TRANSACTION_TYPES};
use crate::protocol::fields::{criteria_in_order, CriteriaError, DateCond, DayCond, EnumCond, FieldError, IdCond};

/// The `TransactionSearchBasic` sequence of `platform.common.xsd` 2017_2 (line 2018), in
/// order.
#[rustfmt::skip]
const FIELDS: &[&str] = &[
    "account", "accountType", "actualShipDate", "altSalesAmount", "altSalesNetAmount", "amount", "amountPaid",
    "amountRemaining", "amountUnbilled", "anyLineItem", "appliedToForeignAmount", "appliedToIsFxVariance",
    "appliedToLinkAmount", "appliedToLinkType", "appliedToTransaction", "applyingForeignAmount",
    "applyingIsFxVariance", "applyingLinkAmount", "applyingLinkType", "applyingTransaction", "approvalStatus",
    "authCode", "autoCalculateLag", "avsStreetMatch", "avsZipMatch", "billable", "billAddress", "billAddressee",
    "billAttention", "billCity", "billCountry", "billCounty", "billedDate", "billingAccount", "billingSchedule",
    "billingStatus", "billingTransaction", "billPhone", "billState", "billVarianceStatus", "billZip",
    "binNumber", "binNumberQuantity", "bomQuantity", "bookSpecificTransaction", "buildEntireAssembly",
    "buildVariance", "built", "catchUpPeriod", "ccCustomerCode", "ccExpireDate", "ccName", "ccNumber",
    "chargeType", "class", "cleared", "closed", "closeDate", "cogs", "commissionEffectiveDate", "commit",
    "componentYield", "confirmationNumber", "contribution", "costComponentAmount", "costComponentCategory",
    "costComponentItem", "costComponentQuantity", "costComponentStandardCost", "costEstimate",
    "costEstimateRate", "costEstimateType", "createdBy", "createdFrom", "creditAmount", "cscMatch", "currency",
    "customerSubOf", "customForm", "customGL", "custType", "dateCreated", "daysOpen", "daysOverdue",
    "debitAmount", "deferredRevenue", "deferRevRec", "department", "depositDate", "depositTransaction",
    "drAccount", "dueDate", "email", "employee", "endDate", "entity", "entityStatus", "estGrossProfit",
    "estGrossProfitPct", "exchangeRate", "excludeCommission", "excludeFromRateRequest", "expectedCloseDate",
    "expectedReceiptDate", "expenseCategory", "expenseDate", "externalId", "externalIdString", "finChrg",
    "firmed", "forecastType", "fulfillingTransaction", "fxAccount", "fxAmount", "fxCostEstimate",
    "fxCostEstimateRate", "fxEstGrossProfit", "fxTranCostEstimate", "fxVsoeAllocation", "fxVsoeAmount",
    "fxVsoePrice", "gcoAvailabelToCharge", "gcoAvailableToRefund", "gcoAvsStreetMatch", "gcoAvsZipMatch",
    "gcoBuyerAccountAge", "gcoBuyerIp", "gcoChargeAmount", "gcoChargebackAmount", "gcoConfirmedChargedTotal",
    "gcoConfirmedRefundedTotal", "gcoCreditcardNumber", "gcoCscMatch", "gcoFinancialState",
    "gcoFulfillmentState", "gcoOrderId", "gcoOrderTotal", "gcoPromotionAmount", "gcoPromotionName",
    "gcoRefundAmount", "gcoShippingTotal", "gcoStateChangedDetail", "giftCertificate", "grossAmount",
    "includeInForecast", "intercoStatus", "intercoTransaction", "internalId", "internalIdNumber", "inVsoeBundle",
    "isAllocation", "isBackflush", "isGcoChargeback", "isGcoChargeConfirmed", "isGcoPaymentGuaranteed",
    "isGcoRefundConfirmed", "isIntercompanyAdjustment", "isMultiShipTo", "isPayPalMeth", "isReversal",
    "isRevRecTransaction", "isScrap", "isShipAddress", "isTransferPriceCosting", "isVsoeAlloc", "isWip", "item",
    "itemFulfillmentChoice", "itemRevision", "itemSubOf", "landedCostPerLine", "lastModifiedDate", "leadSource",
    "location", "locationAutoAssigned", "mainLine", "mainName", "manufacturingRouting", "matchBillToReceipt",
    "memo", "memoMain", "memorized", "merchantAccount", "message", "multiSubsidiary", "nameText", "netAmount",
    "nextApprover", "nextBillDate", "noAutoAssignLocation", "nonReimbursable", "number", "oneTimeTotal",
    "opportunity", "orderPriority", "otherRefNum", "otherRefNumNonDeposit", "overheadParentItem", "packageCount",
    "paidTransaction", "parent", "partner", "partnerContribution", "partnerRole", "partnerTeamMember",
    "payingTransaction", "paymentApproved", "paymentEventDate", "paymentEventHoldReason",
    "paymentEventPurchaseCardUsed", "paymentEventPurchaseDataSent", "paymentEventResult", "paymentEventType",
    "paymentHold", "paymentMethod", "payPalPending", "payPalStatus", "payPalTranId", "pnRefNum", "poAsText",
    "posting", "postingPeriod", "postingPeriodRelative", "priceLevel", "printedPickingTicket", "probability",
    "projectedAmount", "projectTask", "promoCode", "purchaseOrder", "quantity", "quantityBilled",
    "quantityCommitted", "quantityPacked", "quantityPicked", "quantityRevCommitted", "quantityShipRecv",
    "recognizedRevenue", "recordType", "recurAnnuallyTotal", "recurMonthlyTotal", "recurQuarterlyTotal",
    "recurringBill", "recurWeeklyTotal", "refNumber", "revCommitStatus", "revCommittingStatus",
    "revCommittingTransaction", "revenueStatus", "reversalDate", "reversalNumber", "revRecEndDate",
    "revRecOnRevCommitment", "revRecStartDate", "revRecTermInMonths", "salesEffectiveDate", "salesOrder",
    "salesRep", "salesTeamMember", "salesTeamRole", "schedulingMethod", "serialNumber", "serialNumberCost",
    "serialNumberCostAdjustment", "serialNumberQuantity", "serialNumbers", "shipAddress", "shipAddressee",
    "shipAttention", "shipCarrier", "shipCity", "shipComplete", "shipCountry", "shipCounty", "shipDate",
    "shipGroup", "shipMethod", "shipPhone", "shipping", "shipRecvStatus", "shipRecvStatusLine", "shipState",
    "shipTo", "shipZip", "source", "startDate", "statistical", "status", "subscription", "subscriptionLine",
    "subsidiary", "taxItem", "taxLine", "taxPeriod", "taxPeriodRelative", "taxRate", "terms", "termsOfSale",
    "title", "toBeEmailed", "toBePrinted", "toSubsidiary", "totalAmount", "trackingNumbers", "tranCostEstimate",
    "tranDate", "tranEstGrossProfit", "tranEstGrossProfitPct", "tranFxEstGrossProfit", "tranId",
    "tranIsVsoeBundle", "transactionDiscount", "transactionLineType", "transactionNumber", "transferLocation",
    "transferOrderQuantityCommitted", "transferOrderQuantityPacked", "transferOrderQuantityPicked",
    "transferOrderQuantityReceived", "transferOrderQuantityShipped", "type", "unit", "unitCostOverride",
    "unitsType", "vendType", "visibleToCustomer", "voided", "vsoeAllocation", "vsoeAmount", "vsoeDeferral",
    "vsoeDelivered", "vsoePermitDiscount", "vsoePrice", "webSite", "customFieldList",

];

/// The `type` values of a search, normalized to the enum's spelling (`_vendorBill`).
fn transaction_type(value: &str) -> Result<String, String> {
    let v = value.trim();
    let canonical = if v.starts_with('_') { v.to_string() } else { format!("_{v}") };
    if TRANSACTION_TYPES.contains(&canonical.as_str()) {
        Ok(canonical)
    } else {
        Err(format!("{v:?} is not a TransactionType value of 2017_2"))
    }
}

/// The criteria of a transaction search; all must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TransactionCriteria {
    entity: Option<IdCond>,
    internal_id: Option<IdCond>,
    last_modified: Option<DateCond>,
    tran_date: Option<DayCond>,
    types: Option<EnumCond>,
}

impl TransactionCriteria {
    /// Reads the criteria of a `searchRecord` element of type `TransactionSearchBasic`.
    pub(crate) fn parse(record: &Element) -> Result<Self, CriteriaError> {
        let mut c = TransactionCriteria::default();
        for (name, el) in criteria_in_order(record, FIELDS)? {
            match name {
                "entity" => c.entity = Some(IdCond::parse(el, name)?),
                "internalId" => c.internal_id = Some(IdCond::parse(el, name)?),
                "lastModifiedDate" => c.last_modified = Some(DateCond::parse(el, name)?),
                "tranDate" => c.tran_date = Some(DayCond::parse(el, name)?),
                "type" => c.types = Some(EnumCond::parse(el, name, transaction_type)?),
                other => return Err(FieldError(format!("{other}: this field is not simulated")).into()),
            }
        }
        Ok(c)
    }

    /// The `type` values of an `anyOf` type filter, in request order (`None` without one).
    pub(crate) fn any_of_types(&self) -> Option<&[String]> {
        self.types.as_ref().filter(|t| t.any_of).map(|t| t.values.as_slice())
    }

    /// The `type` filter as logged: its values, `noneOf` ones prefixed with `!`.
    pub(crate) fn type_filter(&self) -> Option<Vec<String>> {
        self.types
            .as_ref()
            .map(|t| t.values.iter().map(|v| if t.any_of { v.clone() } else { format!("!{v}") }).collect())
    }

    /// The first permission the role lacks for this search, if any: Find Transaction for any
    /// transaction search, then the permission of each type an `anyOf` filter names, in
    /// request order. (A search without such a filter is not refused: it returns only the
    /// transactions the role may see.)
    pub(crate) fn missing_permission(&self, granted: &PermissionSet) -> Option<Permission> {
        if !granted.contains(Permission::FindTransaction) {
            return Some(Permission::FindTransaction);
        }
        self.any_of_types()
            .unwrap_or(&[])
            .iter()
            .filter_map(|v| TransactionKind::from_type_enum(v).and_then(TransactionKind::permission))
            .find(|p| !granted.contains(*p))
    }

    /// Whether transaction `t` meets every criterion.
    pub(crate) fn matches(&self, t: &Txn) -> bool {
        self.types.as_ref().map_or(true, |c| c.matches(t.kind.type_enum()))
            && self.tran_date.as_ref().map_or(true, |c| c.matches(t.tran_date))
            && self.last_modified.as_ref().map_or(true, |c| c.matches(Some(t.last_modified)))
            && self.entity.as_ref().map_or(true, |c| c.matches_number(t.entity))
            && self.internal_id.as_ref().map_or(true, |c| c.matches_number(t.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::xml;

    fn record(inner: &str) -> Element {
        let doc = format!(
            r#"<m:searchRecord xmlns:m="urn:messages_2017_2.platform.webservices.netsuite.com" xmlns:c="urn:common_2017_2.platform.webservices.netsuite.com" xmlns:p="urn:core_2017_2.platform.webservices.netsuite.com">{inner}</m:searchRecord>"#
        );
        xml::parse(doc.as_bytes()).unwrap()
    }

    #[test]
    fn fields_follow_the_xsd_order() {
        assert_eq!(FIELDS.len(), 335);
        let ok = record(
            r#"<c:entity operator="anyOf"><p:searchValue internalId="1000"/></c:entity><c:lastModifiedDate operator="after"><p:searchValue>2020-01-01T00:00:00Z</p:searchValue></c:lastModifiedDate><c:tranDate operator="onOrAfter"><p:searchValue>2021-01-01T00:00:00.000Z</p:searchValue></c:tranDate><c:type operator="anyOf"><p:searchValue>_vendorBill</p:searchValue><p:searchValue>check</p:searchValue></c:type>"#,
        );
        let c = TransactionCriteria::parse(&ok).unwrap();
        assert_eq!(c.any_of_types().unwrap(), ["_vendorBill".to_string(), "_check".to_string()]);
        let swapped = record(
            r#"<c:type operator="anyOf"><p:searchValue>_vendorBill</p:searchValue></c:type><c:tranDate operator="on"><p:searchValue>2021-01-01T00:00:00Z</p:searchValue></c:tranDate>"#,
        );
        let e = TransactionCriteria::parse(&swapped).unwrap_err();
        assert_eq!(
            e.message("TransactionSearchBasic"),
            "org.xml.sax.SAXException: Invalid element in com.netsuite.webservices.platform.common.TransactionSearchBasic - tranDate"
        );
        let bad_type = record(r#"<c:type operator="anyOf"><p:searchValue>_creditCardCharge</p:searchValue></c:type>"#);
        let e = TransactionCriteria::parse(&bad_type).unwrap_err();
        assert!(e.message("TransactionSearchBasic").contains("_creditCardCharge"), "{e:?}");
        let unsimulated = record(r#"<c:memo operator="contains"><p:searchValue>x</p:searchValue></c:memo>"#);
        assert!(matches!(TransactionCriteria::parse(&unsimulated), Err(CriteriaError::Field(_))));
    }

    #[test]
    fn permissions_of_typed_and_plain_searches() {
        let typed = TransactionCriteria::parse(&record(
            r#"<c:type operator="anyOf"><p:searchValue>_check</p:searchValue><p:searchValue>_purchaseOrder</p:searchValue><p:searchValue>_vendorBill</p:searchValue></c:type>"#,
        ))
        .unwrap();
        let plain = TransactionCriteria::default();
        let all = PermissionSet::all();
        assert_eq!(typed.missing_permission(&all), None);
        let no_find = all.clone().without(Permission::FindTransaction);
        assert_eq!(typed.missing_permission(&no_find), Some(Permission::FindTransaction));
        assert_eq!(plain.missing_permission(&no_find), Some(Permission::FindTransaction));
        let no_bills_no_po = all.clone().without(Permission::Bills).without(Permission::PurchaseOrder);
        assert_eq!(typed.missing_permission(&no_bills_no_po), Some(Permission::PurchaseOrder));
        assert_eq!(plain.missing_permission(&no_bills_no_po), None);
        let none_of = TransactionCriteria::parse(&record(
            r#"<c:type operator="noneOf"><p:searchValue>_vendorBill</p:searchValue></c:type>"#,
        ))
        .unwrap();
        assert_eq!(none_of.missing_permission(&no_bills_no_po), None);
        assert_eq!(none_of.type_filter(), Some(vec!["!_vendorBill".to_string()]));
    }
}
