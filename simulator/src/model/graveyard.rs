//! What deletions leave behind: the record types the simulator names (2017_2's
//! `RecordType`), the deletion log `getDeleted` answers from, and the deleted records kept
//! to be restored. Deleting and restoring are in `deletions.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::org::{SimDepartment, SimEmployee};
use crate::model::permissions::Permission;
use crate::model::records::SimVendor;
use crate::model::transactions::{SimExpenseCategory, TransactionKind, Txn};

/// A record type the simulator holds, named as 2017_2's `RecordType` enum names it
/// (`platform.coreTypes.xsd`): the type control calls such as
/// [`crate::Simulator::delete_record`] and [`super::Simulator::corrupt_record`] take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SimRecordType {
    /// `vendor`.
    Vendor,
    /// `vendorBill`.
    VendorBill,
    /// `purchaseOrder`.
    PurchaseOrder,
    /// `vendorCredit`.
    VendorCredit,
    /// `vendorPayment`.
    VendorPayment,
    /// `check`.
    Check,
    /// `vendorReturnAuthorization`.
    VendorReturnAuthorization,
    /// `expenseReport`.
    ExpenseReport,
    /// `employee`.
    Employee,
    /// `department` (not a `DeletedRecordType`: deletions are not logged).
    Department,
    /// `expenseCategory` (not a `DeletedRecordType`: deletions are not logged).
    ExpenseCategory,
    /// `creditCardCharge`: SuiteQL only. Its deletions are logged for SuiteQL's
    /// `deletedrecord`; `getDeleted` (2017_2) never reports them.
    CreditCardCharge,
    /// `creditCardRefund`: SuiteQL only, like [`SimRecordType::CreditCardCharge`].
    CreditCardRefund,
}

impl SimRecordType {
    /// Every type, in declaration order.
    pub const ALL: [SimRecordType; 13] = [
        SimRecordType::Vendor,
        SimRecordType::VendorBill,
        SimRecordType::PurchaseOrder,
        SimRecordType::VendorCredit,
        SimRecordType::VendorPayment,
        SimRecordType::Check,
        SimRecordType::VendorReturnAuthorization,
        SimRecordType::ExpenseReport,
        SimRecordType::Employee,
        SimRecordType::Department,
        SimRecordType::ExpenseCategory,
        SimRecordType::CreditCardCharge,
        SimRecordType::CreditCardRefund,
    ];

    /// The `RecordType` (and, for all but departments and expense categories,
    /// `DeletedRecordType`) value: `vendor`, `vendorBill`...
    pub fn as_str(self) -> &'static str {
        match self {
            SimRecordType::Vendor => "vendor",
            SimRecordType::VendorBill => "vendorBill",
            SimRecordType::PurchaseOrder => "purchaseOrder",
            SimRecordType::VendorCredit => "vendorCredit",
            SimRecordType::VendorPayment => "vendorPayment",
            SimRecordType::Check => "check",
            SimRecordType::VendorReturnAuthorization => "vendorReturnAuthorization",
            SimRecordType::ExpenseReport => "expenseReport",
            SimRecordType::Employee => "employee",
            SimRecordType::Department => "department",
            SimRecordType::ExpenseCategory => "expenseCategory",
            SimRecordType::CreditCardCharge => "creditCardCharge",
            SimRecordType::CreditCardRefund => "creditCardRefund",
        }
    }

    /// The type whose value is `value` (as [`SimRecordType::as_str`] spells it).
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value.trim())
    }

    /// The record type of transactions of `kind`.
    pub fn of_transaction(kind: TransactionKind) -> Self {
        match kind {
            TransactionKind::VendorBill => SimRecordType::VendorBill,
            TransactionKind::PurchaseOrder => SimRecordType::PurchaseOrder,
            TransactionKind::VendorCredit => SimRecordType::VendorCredit,
            TransactionKind::VendorPayment => SimRecordType::VendorPayment,
            TransactionKind::Check => SimRecordType::Check,
            TransactionKind::VendorReturnAuthorization => SimRecordType::VendorReturnAuthorization,
            TransactionKind::ExpenseReport => SimRecordType::ExpenseReport,
            TransactionKind::CreditCardCharge => SimRecordType::CreditCardCharge,
            TransactionKind::CreditCardRefund => SimRecordType::CreditCardRefund,
        }
    }

    /// The transaction kind of a transaction type.
    pub fn transaction_kind(self) -> Option<TransactionKind> {
        TransactionKind::ALL.into_iter().chain(TransactionKind::CARDS).find(|k| Self::of_transaction(*k) == self)
    }

    /// Whether 2017_2's `DeletedRecordType` has this type, so that `getDeleted` reports its
    /// deletions (all but departments, expense categories and the card types).
    pub fn is_deleted_record_type(self) -> bool {
        !matches!(
            self,
            SimRecordType::Department
                | SimRecordType::ExpenseCategory
                | SimRecordType::CreditCardCharge
                | SimRecordType::CreditCardRefund
        )
    }

    /// Whether deletions of this type go to the deletion log: the `DeletedRecordType`
    /// types, and the card types (for SuiteQL's `deletedrecord` only).
    pub fn is_logged(self) -> bool {
        self.is_deleted_record_type()
            || matches!(self, SimRecordType::CreditCardCharge | SimRecordType::CreditCardRefund)
    }

    /// The permission a role needs to see deletions of this type with `getDeleted` (the
    /// permission of its searches; for transactions, that of the type alone).
    pub(crate) fn permission(self) -> Option<Permission> {
        match self {
            SimRecordType::Vendor => Some(Permission::Vendors),
            SimRecordType::Employee => Some(Permission::EmployeeRecord),
            SimRecordType::Department => Some(Permission::Departments),
            SimRecordType::ExpenseCategory => Some(Permission::ExpenseCategories),
            t => t.transaction_kind().and_then(TransactionKind::permission),
        }
    }
}

/// One entry of an account's deletion log: what `getDeleted` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimDeletion {
    /// The record's type (always a `DeletedRecordType` value).
    pub record_type: SimRecordType,
    /// Its internal id.
    pub internal_id: String,
    /// Its name when it was deleted (company name, employee name, or `tranId`).
    pub name: String,
    /// `deletedDate`: the simulator clock when it was deleted, whole seconds.
    pub deleted_at: DateTime<Utc>,
}

/// The records deleted from an account, kept to be restored, and the deletion log.
#[derive(Debug, Default)]
pub(crate) struct Graveyard {
    /// The deletion log, oldest first.
    pub log: Vec<SimDeletion>,
    pub(crate) vendors: BTreeMap<u64, SimVendor>,
    pub(crate) txns: BTreeMap<u64, Txn>,
    pub(crate) employees: BTreeMap<u64, SimEmployee>,
    pub(crate) departments: BTreeMap<u64, SimDepartment>,
    pub(crate) categories: BTreeMap<u64, SimExpenseCategory>,
}

/// An internal id as a number (0 when it is not one).
pub(crate) fn num(id: &str) -> u64 {
    id.parse().unwrap_or(0)
}

/// Why a record cannot be deleted or restored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotFound {
    /// No live record (or, to restore, no deleted record) of the type has the id.
    Record,
}
