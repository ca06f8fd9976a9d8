//! What the 2017_2 schema says about list-like elements inside records.
//!
//! A record's field is a *list* when its XSD type is a complex type whose sequence holds one
//! element that repeats (`maxOccurs="unbounded"`): `expenseList` is a `VendorBillExpenseList`
//! of `expense` rows, `subsidiaryList` a `RecordRefList` of `recordRef`s, `options` a
//! `CustomFieldList`. Its rows are always read as an array, even when there is only one. A
//! name ending in `List` says nothing: `billAddressList` is a single `RecordRef`.
//!
//! Across the 169 record types of 2017_2 (every complex type extending `platformCore:Record`,
//! their sublists and subrecords, to any depth) no element name is a list in one place and a
//! single value in another, so one table of names serves every record. The table is checked
//! against the XSDs by `tests/schema_lists.rs`; regenerate it from that test's output when the
//! endpoint version changes.

/// Element names whose XSD type is a list of repeated rows, anywhere inside a 2017_2 record;
/// sorted (byte order), for [`is_list`].
pub const LIST_ELEMENTS: &[&str] = &[
    "accountingBookDetailList",
    "accruedTimeList",
    "addressbookList",
    "applyList",
    "assigneeList",
    "attendeeList",
    "authCodesList",
    "billingRatesMatrix",
    "billreceiptsList",
    "binNumberList",
    "brokenInVersionList",
    "campaignDirectMailList",
    "campaignEmailList",
    "campaignEventList",
    "cashBackList",
    "categoryList",
    "chargesList",
    "childrenList",
    "classTranslationList",
    "companyContributionList",
    "companyTaxList",
    "competitorsList",
    "componentList",
    "contactList",
    "contactRolesList",
    "costComponentList",
    "costDetailList",
    "creditCardsList",
    "creditList",
    "currencyList",
    "customFieldList",
    "customValueList",
    "deductionList",
    "demandPlanMatrix",
    "depositList",
    "deptAccessList",
    "dimensionList",
    "directDepositList",
    "downloadList",
    "earningList",
    "emailCellsList",
    "emailEmployeesList",
    "emergencyContactList",
    "employeeTaxList",
    "escalateToList",
    "eventResponseList",
    "excludeLocationRegionsList",
    "exclusionDateList",
    "expCostList",
    "expenseList",
    "filterList",
    "fiscalCalendarsList",
    "fixedInVersionList",
    "fldFilterSelList",
    "formsList",
    "giftCertRedemptionList",
    "groupPricingList",
    "hrEducationList",
    "includeLocationRegionsList",
    "inventoryAssignmentList",
    "inventoryList",
    "issueTagsList",
    "itemCostList",
    "itemList",
    "itemNumberOptionsList",
    "itemOptionsList",
    "itemPricingList",
    "itemShipMethodList",
    "itemTaskTemplatesList",
    "itemVendorList",
    "itemsList",
    "jobResourcesList",
    "landedCostDataList",
    "landedCostsList",
    "lineList",
    "linkedOrderList",
    "linksList",
    "localizationsList",
    "locationList",
    "locationsList",
    "managersList",
    "matrixOptionList",
    "mediaItemList",
    "memberList",
    "merchantAccountsList",
    "milestoneList",
    "milestonesList",
    "nexusAccountsList",
    "nexusList",
    "nexusesTaxList",
    "numbersList",
    "onlineFormsList",
    "operationList",
    "options",
    "orderList",
    "otherList",
    "packageFedExList",
    "packageList",
    "packageUpsList",
    "packageUspsList",
    "parentsList",
    "partnersList",
    "paymentList",
    "percentCompleteOverrideList",
    "periodDemandPlanList",
    "permissionsList",
    "plStatementList",
    "predecessorList",
    "presentationItemList",
    "priceList",
    "pricingMatrix",
    "pricingScheduleList",
    "productFeedList",
    "promoCodeList",
    "promotionsList",
    "purchaseOrderList",
    "rateList",
    "ratesList",
    "recordDescrLanguageValueList",
    "recurrenceDowMaskList",
    "recurrenceList",
    "relatedIssuesList",
    "resourceList",
    "responsesList",
    "restrictToAccountingBookList",
    "roleAccessList",
    "roleList",
    "rolesList",
    "routingComponentList",
    "routingStepList",
    "salesTeamList",
    "serialNumbersList",
    "shipGroupList",
    "siteCategoryList",
    "solutionList",
    "solutionsList",
    "subAccessList",
    "sublistsList",
    "subscriptionsList",
    "subsidiaryList",
    "tabTitleLanguageValueList",
    "tabsList",
    "targetVersionList",
    "taxItemList",
    "taxRegistrationList",
    "timeGridList",
    "timeItemList",
    "timeList",
    "topicsList",
    "translationsList",
    "uomList",
    "valueLanguageValueList",
    "visualsList",
];

/// Element names ending in `List` that are single values in every 2017_2 record (a
/// `RecordRef`, a boolean...): not lists, whatever their name says.
pub const SINGLE_VALUES_NAMED_LIST: &[&str] = &[
    "billAddressList",
    "itemBinList",
    "shipAddressList",
    "showCreationDateOnList",
    "showInList",
    "showLastModifiedOnList",
    "showOwnerOnList",
    "sourceList",
];

/// Whether an element of this local name holds repeated rows (its children are read as
/// arrays).
pub fn is_list(local_name: &[u8]) -> bool {
    // Every list name ends in `List` or `Matrix`, or is `options` (checked by a test): most
    // elements are answered without searching.
    if !(local_name.ends_with(b"List") || local_name.ends_with(b"Matrix") || local_name == b"options") {
        return false;
    }
    LIST_ELEMENTS.binary_search_by(|probe| probe.as_bytes().cmp(local_name)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_decides_by_schema_not_by_name() {
        assert!(LIST_ELEMENTS.windows(2).all(|w| w[0] < w[1]), "LIST_ELEMENTS must be sorted for binary search");
        assert!(is_list(b"expenseList"));
        assert!(is_list(b"subsidiaryList"));
        assert!(is_list(b"options"));
        assert!(!is_list(b"billAddressList"));
        assert!(!is_list(b"recordList"));
        assert!(SINGLE_VALUES_NAMED_LIST.iter().all(|n| !is_list(n.as_bytes())));
        // The quick test in `is_list` lets every name of the table through.
        assert!(LIST_ELEMENTS.iter().all(|n| is_list(n.as_bytes())), "a list name is missed by is_list");
    }
}
