//! `platformCommon:VendorSearchBasic`: which of its fields the simulator evaluates, and how a
//! vendor is matched.

use crate::basics::xml::Element;
use crate::model::records::SimVendor;
use crate::protocol::fields::{
    criteria_in_order, parse_boolean, CriteriaError, DateCond, FieldError, IdCond, StringCond,
};

/// The `VendorSearchBasic` sequence of `platform.common.xsd` 2017_2, in order. Criteria must
/// come in this order; names outside it are invalid elements.
const FIELDS: &[&str] = &[
    "accountNumber",
    "address",
    "addressee",
    "addressLabel",
    "addressPhone",
    "attention",
    "balance",
    "billAddress",
    "category",
    "city",
    "comments",
    "contact",
    "country",
    "county",
    "creditLimit",
    "currency",
    "currentExchangeRate",
    "dateCreated",
    "eligibleForCommission",
    "email",
    "emailPreference",
    "emailTransactions",
    "entityId",
    "expenseAccount",
    "externalId",
    "externalIdString",
    "fax",
    "faxTransactions",
    "firstName",
    "fxBalance",
    "fxUnbilledOrders",
    "giveAccess",
    "globalSubscriptionStatus",
    "group",
    "hasDuplicates",
    "image",
    "incoterm",
    "internalId",
    "internalIdNumber",
    "is1099Eligible",
    "isDefaultBilling",
    "isDefaultShipping",
    "isInactive",
    "isJobResourceVend",
    "isPerson",
    "laborCost",
    "language",
    "lastModifiedDate",
    "lastName",
    "level",
    "middleName",
    "otherRelationships",
    "payablesAccount",
    "pec",
    "permission",
    "phone",
    "phoneticName",
    "printTransactions",
    "purchaseOrderAmount",
    "purchaseOrderQuantity",
    "purchaseOrderQuantityDiff",
    "receiptAmount",
    "receiptQuantity",
    "receiptQuantityDiff",
    "salutation",
    "shipAddress",
    "state",
    "subsidiary",
    "taxIdNum",
    "title",
    "unbilledOrders",
    "url",
    "vatRegNumber",
    "workCalendar",
    "zipCode",
    "customFieldList",
];

/// The criteria of a vendor search; all must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct VendorCriteria {
    date_created: Option<DateCond>,
    entity_id: Option<StringCond>,
    internal_id: Option<IdCond>,
    is_inactive: Option<bool>,
    last_modified: Option<DateCond>,
}

impl VendorCriteria {
    /// Reads the criteria of a `searchRecord` element of type `VendorSearchBasic`.
    pub(crate) fn parse(record: &Element) -> Result<Self, CriteriaError> {
        let mut c = VendorCriteria::default();
        for (name, el) in criteria_in_order(record, FIELDS)? {
            match name {
                "dateCreated" => c.date_created = Some(DateCond::parse(el, name)?),
                "entityId" => c.entity_id = Some(StringCond::parse(el, name)?),
                "internalId" => c.internal_id = Some(IdCond::parse(el, name)?),
                "isInactive" => c.is_inactive = parse_boolean(el, name)?,
                "lastModifiedDate" => c.last_modified = Some(DateCond::parse(el, name)?),
                other => return Err(FieldError(format!("{other}: this field is not simulated")).into()),
            }
        }
        Ok(c)
    }

    /// Whether vendor `v` meets every criterion.
    pub(crate) fn matches(&self, v: &SimVendor) -> bool {
        self.date_created.as_ref().map_or(true, |c| c.matches(Some(v.date_created)))
            && self.last_modified.as_ref().map_or(true, |c| c.matches(Some(v.last_modified)))
            && self.is_inactive.map_or(true, |b| v.is_inactive == b)
            && self.internal_id.as_ref().map_or(true, |c| c.matches(&v.internal_id))
            && self.entity_id.as_ref().map_or(true, |c| c.matches(Some(&v.entity_id)))
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
    fn order_and_names_follow_the_xsd() {
        let ok = record(
            r#"<c:internalId operator="anyOf"><p:searchValue internalId="1"/></c:internalId><c:isInactive><p:searchValue>false</p:searchValue></c:isInactive><c:lastModifiedDate operator="after"><p:searchValue>2020-01-01T00:00:00Z</p:searchValue></c:lastModifiedDate>"#,
        );
        assert!(VendorCriteria::parse(&ok).is_ok());
        let swapped = record(
            r#"<c:isInactive><p:searchValue>false</p:searchValue></c:isInactive><c:internalId operator="anyOf"><p:searchValue internalId="1"/></c:internalId>"#,
        );
        assert_eq!(VendorCriteria::parse(&swapped), Err(CriteriaError::InvalidElement("internalId".into())));
        let unknown = record(r#"<c:colour operator="is"/>"#);
        let e = VendorCriteria::parse(&unknown).unwrap_err();
        assert_eq!(e.message("VendorSearchBasic"), "org.xml.sax.SAXException: Invalid element in com.netsuite.webservices.platform.common.VendorSearchBasic - colour");
        let unsimulated = record(r#"<c:city operator="is"><p:searchValue>Paris</p:searchValue></c:city>"#);
        assert!(matches!(VendorCriteria::parse(&unsimulated), Err(CriteriaError::Field(_))));
        let wrong_ns = record(r#"<p:isInactive><p:searchValue>false</p:searchValue></p:isInactive>"#);
        assert!(matches!(VendorCriteria::parse(&wrong_ns), Err(CriteriaError::InvalidElement(_))));
    }
}
