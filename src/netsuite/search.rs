//! What a search asks for ([`SearchQuery`]) and what a page of results holds ([`SearchPage`]).

use chrono::{DateTime, Utc};

/// The `*SearchBasic` record types this client sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SearchType {
    /// `platformCommon:VendorSearchBasic`.
    Vendor,
    /// `platformCommon:TransactionSearchBasic`: bills, purchase orders, credits, payments,
    /// checks, expense reports... (the `type` criterion picks them).
    Transaction,
    /// `platformCommon:ExpenseCategorySearchBasic`.
    ExpenseCategory,
    /// `platformCommon:EmployeeSearchBasic`.
    Employee,
    /// `platformCommon:DepartmentSearchBasic`.
    Department,
}

impl SearchType {
    /// The `xsi:type` local name of the search record.
    pub fn search_basic(self) -> &'static str {
        match self {
            SearchType::Vendor => "VendorSearchBasic",
            SearchType::Transaction => "TransactionSearchBasic",
            SearchType::ExpenseCategory => "ExpenseCategorySearchBasic",
            SearchType::Employee => "EmployeeSearchBasic",
            SearchType::Department => "DepartmentSearchBasic",
        }
    }

    /// The `xsi:type` local names of records this search may return; empty means any.
    pub fn record_types(self) -> &'static [&'static str] {
        match self {
            SearchType::Vendor => &["Vendor"],
            // A plain transaction search may return any transaction type; callers keep the
            // ones they want.
            SearchType::Transaction => &[],
            SearchType::ExpenseCategory => &["ExpenseCategory"],
            SearchType::Employee => &["Employee"],
            SearchType::Department => &["Department"],
        }
    }

    /// Name of the record type, for messages.
    pub fn name(self) -> &'static str {
        match self {
            SearchType::Vendor => "Vendor",
            SearchType::Transaction => "Transaction",
            SearchType::ExpenseCategory => "ExpenseCategory",
            SearchType::Employee => "Employee",
            SearchType::Department => "Department",
        }
    }
}

/// `SearchDateFieldOperator` values the client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOperator {
    /// `onOrAfter`
    OnOrAfter,
    /// `onOrBefore`
    OnOrBefore,
    /// `within` (two values)
    Within,
    /// `after`
    After,
    /// `before`
    Before,
}

impl DateOperator {
    /// The operator as the XSD spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOperator::OnOrAfter => "onOrAfter",
            DateOperator::OnOrBefore => "onOrBefore",
            DateOperator::Within => "within",
            DateOperator::After => "after",
            DateOperator::Before => "before",
        }
    }

    /// Parses the XSD spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "onOrAfter" => DateOperator::OnOrAfter,
            "onOrBefore" => DateOperator::OnOrBefore,
            "within" => DateOperator::Within,
            "after" => DateOperator::After,
            "before" => DateOperator::Before,
            _ => return None,
        })
    }
}

/// One search criterion. The field name is the element name inside the `*SearchBasic`.
#[derive(Clone, Debug, PartialEq)]
pub enum Criterion {
    /// A `SearchDateField`.
    Date {
        /// Field name, e.g. `lastModifiedDate`.
        field: &'static str,
        /// Operator.
        operator: DateOperator,
        /// First value.
        value: DateTime<Utc>,
        /// Second value (for `within`).
        value2: Option<DateTime<Utc>>,
    },
    /// A `SearchBooleanField`.
    Boolean {
        /// Field name, e.g. `isInactive`.
        field: &'static str,
        /// Value.
        value: bool,
    },
    /// A `SearchMultiSelectField` with `anyOf` over record internal ids.
    AnyOfIds {
        /// Field name, e.g. `internalId`.
        field: &'static str,
        /// Internal ids.
        ids: Vec<String>,
    },
    /// A `SearchEnumMultiSelectField` with `anyOf` over enum values.
    AnyOfEnum {
        /// Field name, e.g. `type`.
        field: &'static str,
        /// Enum values, e.g. `_vendorBill`.
        values: Vec<String>,
    },
}

impl Criterion {
    /// The field this criterion is on.
    pub fn field(&self) -> &'static str {
        match self {
            Criterion::Date { field, .. }
            | Criterion::Boolean { field, .. }
            | Criterion::AnyOfIds { field, .. }
            | Criterion::AnyOfEnum { field, .. } => field,
        }
    }
}

/// A basic search: record type plus criteria (all must hold).
#[derive(Clone, Debug, PartialEq)]
pub struct SearchQuery {
    /// Which `*SearchBasic`.
    pub search_type: SearchType,
    /// Criteria; written in XSD sequence order whatever order they are given in.
    pub criteria: Vec<Criterion>,
    /// `searchPreferences/bodyFieldsOnly`: false when sublists are wanted.
    pub body_fields_only: bool,
}

impl SearchQuery {
    /// Every record of a type: no criteria (inactive records included).
    pub fn all(search_type: SearchType) -> Self {
        Self { search_type, criteria: Vec::new(), body_fields_only: true }
    }

    /// Records modified on or after `since`.
    pub fn modified_since(search_type: SearchType, since: DateTime<Utc>) -> Self {
        Self {
            search_type,
            criteria: vec![Criterion::Date {
                field: "lastModifiedDate",
                operator: DateOperator::OnOrAfter,
                value: since,
                value2: None,
            }],
            body_fields_only: true,
        }
    }

    /// Criteria in the order the XSD sequence wants them (alphabetical for `*SearchBasic`).
    pub fn ordered_criteria(&self) -> Vec<&Criterion> {
        let mut v: Vec<&Criterion> = self.criteria.iter().collect();
        v.sort_by_key(|c| c.field());
        v
    }
}

/// One page of a search result.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchPage<T> {
    /// `totalRecords` of the whole search.
    pub total_records: u32,
    /// `pageSize` NetSuite used.
    pub page_size: u32,
    /// `totalPages` of the whole search.
    pub total_pages: u32,
    /// `pageIndex` of this page, from 1.
    pub page_index: u32,
    /// `searchId` for `searchMoreWithId` (absent when there are no rows).
    pub search_id: Option<String>,
    /// The records of this page.
    pub records: Vec<T>,
    /// The response body the records were read from (their `span`s point into it).
    pub body: bytes::Bytes,
}

/// One record NetSuite reports deleted (`getDeleted`).
#[derive(Clone, Debug, PartialEq)]
pub struct DeletedRecord {
    /// `record/@internalId`.
    pub internal_id: String,
    /// `record/@type` (a `RecordType` value such as `vendorBill`).
    pub record_type: Option<String>,
    /// `deletedDate`.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// One page of a `getDeleted` answer.
#[derive(Clone, Debug, PartialEq)]
pub struct DeletedPage {
    /// `totalRecords`.
    pub total_records: u32,
    /// `pageSize`.
    pub page_size: u32,
    /// `totalPages`.
    pub total_pages: u32,
    /// `pageIndex`.
    pub page_index: u32,
    /// The deleted records of this page.
    pub records: Vec<DeletedRecord>,
}

/// What a `getDeleted` asks for: one `DeletedRecordType` value, deleted on or after a time.
#[derive(Clone, Debug, PartialEq)]
pub struct DeletedQuery {
    /// A 2017_2 `DeletedRecordType` value, e.g. `vendorBill`.
    pub record_type: &'static str,
    /// `deletedDate onOrAfter` this.
    pub since: DateTime<Utc>,
}
