//! `platformCommon:EmployeeSearchBasic` and `platformCommon:DepartmentSearchBasic`: which of
//! their fields the simulator evaluates, and how an employee or a department is matched.
//!
//! Employees: `dateCreated` and `lastModifiedDate` (`SearchDateField`, instants, every
//! operator), `department` and `internalId` (`SearchMultiSelectField`, `anyOf`/`noneOf` by
//! internal id), `entityId` (`SearchStringField`) and `isInactive` (`SearchBooleanField`).
//! Departments: `internalId` and `isInactive` (`DepartmentSearchBasic` has no date field).
//! Any other field of the types is refused with a fault naming it.

use crate::basics::xml::Element;
use crate::model::org::{SimDepartment, SimEmployee};
use crate::protocol::fields::{
    criteria_in_order, parse_boolean, CriteriaError, DateCond, FieldError, IdCond, StringCond,
};

/// The `EmployeeSearchBasic` sequence of `platform.common.xsd` 2017_2 (line 1083), in order.
#[rustfmt::skip]
const EMPLOYEE_FIELDS: &[&str] = &[
    "address", "addressee", "addressLabel", "addressPhone", "alienNumber", "anniversary", "approvalLimit",
    "approver", "attention", "authWorkDate", "billAddress", "billingClass", "birthDate", "birthDay",
    "cContribution", "city", "class", "comments", "commissionPlan", "concurrentWebServicesUser", "country",
    "county", "dateCreated", "deduction", "department", "earning", "education", "eligibleForCommission", "email",
    "employeeStatus", "employeeType", "employeeTypeKpi", "entityId", "ethnicity", "expenseLimit", "externalId",
    "externalIdString", "fax", "firstName", "gender", "giveAccess", "globalSubscriptionStatus", "group",
    "hireDate", "I9Verified", "image", "internalId", "internalIdNumber", "isDefaultBilling", "isDefaultShipping",
    "isInactive", "isJobResource", "isTemplate", "jobDescription", "laborCost", "language", "lastModifiedDate",
    "lastName", "lastPaidDate", "lastReviewDate", "level", "location", "maritalStatus", "middleName",
    "nextReviewDate", "offlineAccess", "payFrequency", "permChangeDate", "permission", "permissionChange", "phone",
    "phoneticName", "primaryEarningAmount", "primaryEarningItem", "primaryEarningType",
    "purchaseOrderApprovalLimit", "purchaseOrderApprover", "purchaseOrderLimit", "releaseDate", "residentStatus",
    "role", "roleChange", "roleChangeDate", "salesRep", "salesRole", "salutation", "socialSecurityNumber", "state",
    "subsidiary", "supervisor", "supportRep", "timeApprover", "title", "usePerquest", "useTimeData",
    "visaExpDate", "visaType", "withholding", "workCalendar", "workplace", "zipCode", "customFieldList",
];

/// The `DepartmentSearchBasic` sequence of `platform.common.xsd` 2017_2 (line 1851), in
/// order. It has no date field.
const DEPARTMENT_FIELDS: &[&str] = &[
    "externalId",
    "externalIdString",
    "internalId",
    "internalIdNumber",
    "isInactive",
    "name",
    "nameNoHierarchy",
    "subsidiary",
    "customFieldList",
];

/// The criteria of an employee search; all must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct EmployeeCriteria {
    date_created: Option<DateCond>,
    department: Option<IdCond>,
    entity_id: Option<StringCond>,
    internal_id: Option<IdCond>,
    is_inactive: Option<bool>,
    last_modified: Option<DateCond>,
}

impl EmployeeCriteria {
    /// Reads the criteria of a `searchRecord` element of type `EmployeeSearchBasic`.
    pub(crate) fn parse(record: &Element) -> Result<Self, CriteriaError> {
        let mut c = EmployeeCriteria::default();
        for (name, el) in criteria_in_order(record, EMPLOYEE_FIELDS)? {
            match name {
                "dateCreated" => c.date_created = Some(DateCond::parse(el, name)?),
                "department" => c.department = Some(IdCond::parse(el, name)?),
                "entityId" => c.entity_id = Some(StringCond::parse(el, name)?),
                "internalId" => c.internal_id = Some(IdCond::parse(el, name)?),
                "isInactive" => c.is_inactive = parse_boolean(el, name)?,
                "lastModifiedDate" => c.last_modified = Some(DateCond::parse(el, name)?),
                other => return Err(FieldError(format!("{other}: this field is not simulated")).into()),
            }
        }
        Ok(c)
    }

    /// Whether employee `e` meets every criterion.
    pub(crate) fn matches(&self, e: &SimEmployee) -> bool {
        self.last_modified.as_ref().map_or(true, |c| c.matches(Some(e.last_modified)))
            && self.date_created.as_ref().map_or(true, |c| c.matches(Some(e.date_created)))
            && self.is_inactive.map_or(true, |b| e.is_inactive == b)
            && self.internal_id.as_ref().map_or(true, |c| c.matches(&e.internal_id))
            && self.department.as_ref().map_or(true, |c| c.matches(&e.department.internal_id))
            && self.entity_id.as_ref().map_or(true, |c| c.matches(Some(&e.entity_id)))
    }
}

/// The criteria of a department search; all must hold (none: every department).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DepartmentCriteria {
    internal_id: Option<IdCond>,
    is_inactive: Option<bool>,
}

impl DepartmentCriteria {
    /// Reads the criteria of a `searchRecord` element of type `DepartmentSearchBasic`.
    pub(crate) fn parse(record: &Element) -> Result<Self, CriteriaError> {
        let mut c = DepartmentCriteria::default();
        for (name, el) in criteria_in_order(record, DEPARTMENT_FIELDS)? {
            match name {
                "internalId" => c.internal_id = Some(IdCond::parse(el, name)?),
                "isInactive" => c.is_inactive = parse_boolean(el, name)?,
                other => return Err(FieldError(format!("{other}: this field is not simulated")).into()),
            }
        }
        Ok(c)
    }

    /// Whether department `d` meets every criterion.
    pub(crate) fn matches(&self, d: &SimDepartment) -> bool {
        self.is_inactive.map_or(true, |b| d.is_inactive == b)
            && self.internal_id.as_ref().map_or(true, |c| c.matches(&d.internal_id))
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
        assert_eq!(EMPLOYEE_FIELDS.len(), 102);
        let ok = record(
            r#"<c:department operator="anyOf"><p:searchValue internalId="3"/></c:department><c:isInactive><p:searchValue>false</p:searchValue></c:isInactive><c:lastModifiedDate operator="onOrAfter"><p:searchValue>2020-01-01T00:00:00Z</p:searchValue></c:lastModifiedDate>"#,
        );
        assert!(EmployeeCriteria::parse(&ok).is_ok());
        let swapped = record(
            r#"<c:lastModifiedDate operator="after"><p:searchValue>2020-01-01T00:00:00Z</p:searchValue></c:lastModifiedDate><c:isInactive><p:searchValue>true</p:searchValue></c:isInactive>"#,
        );
        let e = EmployeeCriteria::parse(&swapped).unwrap_err();
        assert_eq!(
            e.message("EmployeeSearchBasic"),
            "org.xml.sax.SAXException: Invalid element in com.netsuite.webservices.platform.common.EmployeeSearchBasic - isInactive"
        );
        let unsimulated = record(r#"<c:title operator="contains"><p:searchValue>x</p:searchValue></c:title>"#);
        assert!(matches!(EmployeeCriteria::parse(&unsimulated), Err(CriteriaError::Field(_))));

        // DepartmentSearchBasic has no lastModifiedDate.
        let dated = record(
            r#"<c:lastModifiedDate operator="after"><p:searchValue>2020-01-01T00:00:00Z</p:searchValue></c:lastModifiedDate>"#,
        );
        assert_eq!(DepartmentCriteria::parse(&dated), Err(CriteriaError::InvalidElement("lastModifiedDate".into())));
        let ok = record(
            r#"<c:internalId operator="noneOf"><p:searchValue internalId="1"/></c:internalId><c:isInactive><p:searchValue>false</p:searchValue></c:isInactive>"#,
        );
        let c = DepartmentCriteria::parse(&ok).unwrap();
        let d = |id: &str, inactive: bool| SimDepartment {
            internal_id: id.into(),
            name: "X".into(),
            parent_id: None,
            is_inactive: inactive,
            subsidiaries: vec![],
        };
        assert!(c.matches(&d("2", false)) && !c.matches(&d("1", false)) && !c.matches(&d("2", true)));
        assert!(DepartmentCriteria::parse(&record("")).unwrap().matches(&d("1", true)));
    }
}
