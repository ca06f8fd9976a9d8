//! The SuiteQL tables the simulator serves: exactly the columns of `docs/suiteql.md`, each
//! with its kind, and each table's unique keys (an ORDER BY must cover one) and the
//! permission a role needs to read it.
//!
//! Column names not confirmed by the facts sheet are marked "unverified" below, as in the
//! contract.

use crate::model::permissions::Permission;
use crate::rest::value::Kind;

/// A table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    /// `vendor`.
    Vendor,
    /// `vendorsubsidiaryrelationship` (one primary row per vendor).
    VendorSubsidiary,
    /// `transaction`: headers of every kind, card kinds included.
    Transaction,
    /// `transactionline`: the `mainline` row and the sublist lines.
    TransactionLine,
    /// `previoustransactionlinelink`: payment applications.
    Link,
    /// `employee`.
    Employee,
    /// `department`.
    Department,
    /// `expensecategory`.
    ExpenseCategory,
    /// `deletedrecord`.
    DeletedRecord,
}

use Kind::*;

/// `vendor`: sheet §3 (Fivetran seed); `isperson` from the same header.
const VENDOR: &[(&str, Kind)] = &[
    ("id", Id),
    ("entityid", Text),
    ("companyname", Text),
    ("firstname", Text),
    ("lastname", Text),
    ("isperson", Bool),
    ("email", Text),
    ("url", Text),
    ("category", Ref),
    ("currency", Ref),
    ("isinactive", Bool),
    ("externalid", Text),
    ("datecreated", DateTime),
    ("lastmodifieddate", DateTime),
];

/// `vendorsubsidiaryrelationship`: `entity`, `subsidiary` from hotglue (sheet §3);
/// `isprimarysub` and `id` unverified.
const VENDOR_SUBSIDIARY: &[(&str, Kind)] = &[("id", Id), ("entity", Ref), ("subsidiary", Ref), ("isprimarysub", Bool)];

/// `transaction`: sheet §3 (Fivetran, hotglue, swishbi).
const TRANSACTION: &[(&str, Kind)] = &[
    ("id", Id),
    ("type", Text),
    ("recordtype", Text),
    ("tranid", Text),
    ("transactionnumber", Text),
    ("trandate", Date),
    ("entity", Ref),
    ("employee", Ref),
    ("currency", Ref),
    ("exchangerate", Number),
    ("foreigntotal", Number),
    ("memo", Text),
    ("status", Ref),
    ("duedate", Date),
    ("postingperiod", Ref),
    ("createddate", DateTime),
    ("lastmodifieddate", DateTime),
];

/// `transactionline`: sheet §3 (Fivetran seed); the four `expense*` columns are unverified.
const TRANSACTION_LINE: &[(&str, Kind)] = &[
    ("transaction", Ref),
    ("id", Id),
    ("uniquekey", Id),
    ("linesequencenumber", Id),
    ("mainline", Bool),
    ("taxline", Bool),
    ("subsidiary", Ref),
    ("department", Ref),
    ("class", Ref),
    ("expenseaccount", Ref),
    ("item", Ref),
    ("category", Ref),
    ("foreignamount", Number),
    ("memo", Text),
    ("expensedate", Date),
    ("expensecurrency", Ref),
    ("expenseforeignamount", Number),
    ("expenseexchangerate", Number),
];

/// `previoustransactionlinelink`: `previousdoc`, `nextdoc`, `linktype` per community use;
/// `previousline`, `nextline`, `previoustype`, `nexttype`, `foreignamount` unverified.
const LINK: &[(&str, Kind)] = &[
    ("previousdoc", Ref),
    ("nextdoc", Ref),
    ("previousline", Id),
    ("nextline", Id),
    ("linktype", Text),
    ("previoustype", Text),
    ("nexttype", Text),
    ("foreignamount", Number),
];

/// `employee`: sheet §3 (Fivetran); `title`, `employeetype`, `employeestatus`, `hiredate`,
/// `releasedate`, `location`, `datecreated`, `lastmodifieddate` unverified.
const EMPLOYEE: &[(&str, Kind)] = &[
    ("id", Id),
    ("entityid", Text),
    ("firstname", Text),
    ("lastname", Text),
    ("email", Text),
    ("title", Text),
    ("department", Ref),
    ("subsidiary", Ref),
    ("supervisor", Ref),
    ("location", Ref),
    ("currency", Ref),
    ("employeetype", Ref),
    ("employeestatus", Ref),
    ("isinactive", Bool),
    ("hiredate", Date),
    ("releasedate", Date),
    ("datecreated", DateTime),
    ("lastmodifieddate", DateTime),
];

/// `department`: sheet §3 (Fivetran, hotglue).
const DEPARTMENT: &[(&str, Kind)] = &[
    ("id", Id),
    ("name", Text),
    ("fullname", Text),
    ("parent", Ref),
    ("isinactive", Bool),
    ("includechildren", Bool),
    ("subsidiary", MultiRef),
];

/// `expensecategory`: every column unverified (sheet §3).
const EXPENSE_CATEGORY: &[(&str, Kind)] =
    &[("id", Id), ("name", Text), ("description", Text), ("isinactive", Bool), ("expenseacct", Ref)];

/// `deletedrecord`: hotglue's columns (sheet §3); the `type` values are unverified.
const DELETED_RECORD: &[(&str, Kind)] = &[
    ("recordid", Id),
    ("type", Text),
    ("name", Text),
    ("deleteddate", DateTime),
    ("scriptid", Text),
    ("iscustomrecord", Bool),
    ("iscustomlist", Bool),
    ("iscustomtransaction", Bool),
];

impl Table {
    /// The table named `name` (lower-case).
    pub(crate) fn named(name: &str) -> Option<Self> {
        Some(match name {
            "vendor" => Table::Vendor,
            "vendorsubsidiaryrelationship" => Table::VendorSubsidiary,
            "transaction" => Table::Transaction,
            "transactionline" => Table::TransactionLine,
            "previoustransactionlinelink" => Table::Link,
            "employee" => Table::Employee,
            "department" => Table::Department,
            "expensecategory" => Table::ExpenseCategory,
            "deletedrecord" => Table::DeletedRecord,
            _ => return None,
        })
    }

    fn columns(self) -> &'static [(&'static str, Kind)] {
        match self {
            Table::Vendor => VENDOR,
            Table::VendorSubsidiary => VENDOR_SUBSIDIARY,
            Table::Transaction => TRANSACTION,
            Table::TransactionLine => TRANSACTION_LINE,
            Table::Link => LINK,
            Table::Employee => EMPLOYEE,
            Table::Department => DEPARTMENT,
            Table::ExpenseCategory => EXPENSE_CATEGORY,
            Table::DeletedRecord => DELETED_RECORD,
        }
    }

    /// The kind of column `name`, if the table has it.
    pub(crate) fn kind(self, name: &str) -> Option<Kind> {
        self.columns().iter().find(|(c, _)| *c == name).map(|(_, k)| *k)
    }

    /// The unique keys: an ORDER BY must name every column of one of them.
    pub(crate) fn keys(self) -> &'static [&'static [&'static str]] {
        match self {
            Table::TransactionLine => &[&["uniquekey"], &["transaction", "id"]],
            Table::Link => &[&["nextdoc", "previousdoc"]],
            Table::DeletedRecord => &[&["deleteddate", "type", "recordid"]],
            _ => &[&["id"]],
        }
    }

    /// The permission the table needs (transactions: Find Transaction; the per-type
    /// permissions are checked on the query's type filter).
    pub(crate) fn permission(self) -> Option<Permission> {
        match self {
            Table::Vendor | Table::VendorSubsidiary => Some(Permission::Vendors),
            Table::Transaction | Table::TransactionLine | Table::Link => Some(Permission::FindTransaction),
            Table::Employee => Some(Permission::EmployeeRecord),
            Table::Department => Some(Permission::Departments),
            Table::ExpenseCategory => Some(Permission::ExpenseCategories),
            Table::DeletedRecord => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_names_itself_and_its_keys() {
        for name in [
            "vendor",
            "vendorsubsidiaryrelationship",
            "transaction",
            "transactionline",
            "previoustransactionlinelink",
            "employee",
            "department",
            "expensecategory",
            "deletedrecord",
        ] {
            let t = Table::named(name).unwrap();
            for key in t.keys() {
                assert!(key.iter().all(|c| t.kind(c).is_some()), "{t:?} {key:?}");
            }
        }
        assert_eq!(Table::named("customer"), None);
        assert_eq!(Table::Vendor.kind("subsidiary"), None, "unverified on vendor: read from the relationship");
    }
}
