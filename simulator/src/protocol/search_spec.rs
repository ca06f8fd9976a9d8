//! What a search asks for: the `*SearchBasic` record of a `search` body read into its
//! criteria, and the searchId and page of a `searchMoreWithId` body.

use crate::basics::ns;
use crate::basics::xml::Element;
use crate::model::account::AccountState;
use crate::model::permissions::Permission;
use crate::protocol::employee_search::{DepartmentCriteria, EmployeeCriteria};
use crate::protocol::expense_category_search::ExpenseCategoryCriteria;
use crate::protocol::fields::CriteriaError;
use crate::protocol::transaction_search::TransactionCriteria;
use crate::protocol::vendor_search::VendorCriteria;

/// What a search looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SearchSpec {
    /// A `VendorSearchBasic`.
    Vendor(VendorCriteria),
    /// A `TransactionSearchBasic`.
    Transaction(TransactionCriteria),
    /// An `ExpenseCategorySearchBasic`.
    ExpenseCategory(ExpenseCategoryCriteria),
    /// An `EmployeeSearchBasic`.
    Employee(EmployeeCriteria),
    /// A `DepartmentSearchBasic`.
    Department(DepartmentCriteria),
}

impl SearchSpec {
    /// The `xsi:type` local name of the search record.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            SearchSpec::Vendor(_) => "VendorSearchBasic",
            SearchSpec::Transaction(_) => "TransactionSearchBasic",
            SearchSpec::ExpenseCategory(_) => "ExpenseCategorySearchBasic",
            SearchSpec::Employee(_) => "EmployeeSearchBasic",
            SearchSpec::Department(_) => "DepartmentSearchBasic",
        }
    }

    /// The `type` filter of a transaction search, as logged.
    pub(crate) fn type_filter(&self) -> Option<Vec<String>> {
        match self {
            SearchSpec::Transaction(c) => c.type_filter(),
            _ => None,
        }
    }

    /// The first permission the role lacks for the search, if any.
    pub(crate) fn missing_permission(&self, account: &AccountState) -> Option<Permission> {
        let needs = |p: Permission| (!account.permissions.contains(p)).then_some(p);
        match self {
            SearchSpec::Vendor(_) => needs(Permission::Vendors),
            SearchSpec::Transaction(c) => c.missing_permission(&account.permissions),
            SearchSpec::ExpenseCategory(_) => needs(Permission::ExpenseCategories),
            SearchSpec::Employee(_) => needs(Permission::EmployeeRecord),
            SearchSpec::Department(_) => needs(Permission::Departments),
        }
    }
}

/// Reads a `search` body. Errors are fault texts.
pub(crate) fn parse_search(body: &Element) -> Result<SearchSpec, String> {
    let record = body
        .message_child("searchRecord")
        .ok_or_else(|| "org.xml.sax.SAXException: searchRecord is required".to_string())?;
    let ty = record.xsi_type.as_ref().ok_or_else(|| {
        "org.xml.sax.SAXException: searchRecord needs an xsi:type (SearchRecord is abstract)".to_string()
    })?;
    let message = |e: CriteriaError| e.message(&ty.local);
    match (ty.ns.as_deref(), ty.local.as_str()) {
        (Some(ns::COMMON), "VendorSearchBasic") => {
            VendorCriteria::parse(record).map(SearchSpec::Vendor).map_err(message)
        }
        (Some(ns::COMMON), "TransactionSearchBasic") => {
            TransactionCriteria::parse(record).map(SearchSpec::Transaction).map_err(message)
        }
        (Some(ns::COMMON), "ExpenseCategorySearchBasic") => {
            ExpenseCategoryCriteria::parse(record).map(SearchSpec::ExpenseCategory).map_err(message)
        }
        (Some(ns::COMMON), "EmployeeSearchBasic") => {
            EmployeeCriteria::parse(record).map(SearchSpec::Employee).map_err(message)
        }
        (Some(ns::COMMON), "DepartmentSearchBasic") => {
            DepartmentCriteria::parse(record).map(SearchSpec::Department).map_err(message)
        }
        (Some(n), _) if n.ends_with(".webservices.netsuite.com") => {
            Err(format!("org.xml.sax.SAXException: Invalid type: {} (this search type is not simulated)", ty.clark()))
        }
        _ => Err(format!("org.xml.sax.SAXException: Invalid type: {}", ty.clark())),
    }
}

/// Reads a `searchMoreWithId` body: searchId and pageIndex. Errors are fault texts.
pub(crate) fn parse_more(body: &Element) -> Result<(String, i32), String> {
    let id = body
        .message_child("searchId")
        .map(|e| e.trimmed().to_string())
        .ok_or_else(|| "org.xml.sax.SAXException: searchId is required".to_string())?;
    let index =
        body.message_child("pageIndex").ok_or_else(|| "org.xml.sax.SAXException: pageIndex is required".to_string())?;
    let index = index
        .trimmed()
        .parse::<i32>()
        .map_err(|_| format!("org.xml.sax.SAXException: Invalid int value for pageIndex: {}", index.trimmed()))?;
    Ok((id, index))
}
