//! Transactions and expense categories of a simulated account: the public ground truth
//! ([`SimTransaction`], [`SimExpenseCategory`]) and the compact form the account stores
//! ([`Txn`]), from which search pages are written. Employees are in `org.rs`.
//!
//! Money is kept in integer cents and shown as [`Decimal`]s with two places; it never goes
//! through a float. A transaction's total is always the sum of its lines.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::basics::ns::SoapVersion;
use crate::model::permissions::Permission;
use crate::model::records::SimRef;

/// A transaction type the simulator generates. Each is one value of the `TransactionType`
/// enum of `transactions.saleTypes.xsd` 2017_2 and one record type of the XSDs.
///
/// 2017_2 has no credit card charge transaction type (`_creditCardCharge` is not in its
/// `TransactionType` enum): the two card kinds ([`TransactionKind::CARDS`]) exist only for
/// SuiteQL (`CardChrg`, `CardRfnd`); SOAP never searches, writes or reports them, and
/// [`TransactionKind::ALL`] (the SOAP kinds) leaves them out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransactionKind {
    /// `tranPurch:VendorBill`, `_vendorBill`.
    VendorBill,
    /// `tranPurch:PurchaseOrder`, `_purchaseOrder`.
    PurchaseOrder,
    /// `tranPurch:VendorCredit`, `_vendorCredit`.
    VendorCredit,
    /// `tranPurch:VendorPayment` (a bill payment), `_vendorPayment`.
    VendorPayment,
    /// `tranBank:Check`, `_check`.
    Check,
    /// `tranPurch:VendorReturnAuthorization`, `_vendorReturnAuthorization`.
    VendorReturnAuthorization,
    /// `tranEmp:ExpenseReport`, `_expenseReport`.
    ExpenseReport,
    /// A credit card charge: SuiteQL `CardChrg` only (no 2017_2 record or type).
    CreditCardCharge,
    /// A credit card refund: SuiteQL `CardRfnd` only (no 2017_2 record or type).
    CreditCardRefund,
}

impl TransactionKind {
    /// Number of kinds, card kinds included (the size of per-kind arrays).
    pub(crate) const COUNT: usize = 9;

    /// The kinds only SuiteQL sees: credit card charges and refunds.
    pub const CARDS: [TransactionKind; 2] = [TransactionKind::CreditCardCharge, TransactionKind::CreditCardRefund];

    /// Every kind SOAP 2017_2 knows, in declaration order (the card kinds are not here).
    pub const ALL: [TransactionKind; 7] = [
        TransactionKind::VendorBill,
        TransactionKind::PurchaseOrder,
        TransactionKind::VendorCredit,
        TransactionKind::VendorPayment,
        TransactionKind::Check,
        TransactionKind::VendorReturnAuthorization,
        TransactionKind::ExpenseReport,
    ];

    /// The record type as the `xsi:type` local name spells it (`VendorBill`).
    pub fn record_type(self) -> &'static str {
        match self {
            TransactionKind::VendorBill => "VendorBill",
            TransactionKind::PurchaseOrder => "PurchaseOrder",
            TransactionKind::VendorCredit => "VendorCredit",
            TransactionKind::VendorPayment => "VendorPayment",
            TransactionKind::Check => "Check",
            TransactionKind::VendorReturnAuthorization => "VendorReturnAuthorization",
            TransactionKind::ExpenseReport => "ExpenseReport",
            TransactionKind::CreditCardCharge => "CreditCardCharge",
            TransactionKind::CreditCardRefund => "CreditCardRefund",
        }
    }

    /// Whether this is a card kind, seen by SuiteQL only.
    pub fn is_card(self) -> bool {
        matches!(self, TransactionKind::CreditCardCharge | TransactionKind::CreditCardRefund)
    }

    /// The SuiteQL `transaction.type` code (`VendBill`, `CardChrg`...).
    pub fn suiteql_type(self) -> &'static str {
        match self {
            TransactionKind::VendorBill => "VendBill",
            TransactionKind::PurchaseOrder => "PurchOrd",
            TransactionKind::VendorCredit => "VendCred",
            TransactionKind::VendorPayment => "VendPymt",
            TransactionKind::Check => "Check",
            TransactionKind::VendorReturnAuthorization => "VendAuth",
            TransactionKind::ExpenseReport => "ExpRept",
            TransactionKind::CreditCardCharge => "CardChrg",
            TransactionKind::CreditCardRefund => "CardRfnd",
        }
    }

    /// The kind of a SuiteQL `transaction.type` code, card kinds included.
    pub fn from_suiteql_type(code: &str) -> Option<Self> {
        Self::ALL.into_iter().chain(Self::CARDS).find(|k| k.suiteql_type() == code)
    }

    /// The `TransactionType` enum value (`_vendorBill`), as a search's `type` filter names it.
    pub fn type_enum(self) -> &'static str {
        match self {
            TransactionKind::VendorBill => "_vendorBill",
            TransactionKind::PurchaseOrder => "_purchaseOrder",
            TransactionKind::VendorCredit => "_vendorCredit",
            TransactionKind::VendorPayment => "_vendorPayment",
            TransactionKind::Check => "_check",
            TransactionKind::VendorReturnAuthorization => "_vendorReturnAuthorization",
            TransactionKind::ExpenseReport => "_expenseReport",
            // Not values of the 2017_2 enum: never sent, never accepted.
            TransactionKind::CreditCardCharge => "_creditCardCharge",
            TransactionKind::CreditCardRefund => "_creditCardRefund",
        }
    }

    /// The kind of a `TransactionType` value, with or without its leading underscore.
    pub fn from_type_enum(value: &str) -> Option<Self> {
        let v = value.trim();
        let v = v.strip_prefix('_').unwrap_or(v);
        Self::ALL.into_iter().find(|k| &k.type_enum()[1..] == v)
    }

    /// The permission a role needs, besides `Transactions -> Find Transaction`, to see
    /// transactions of this kind: Bills for bills, vendor credits and bill payments;
    /// Purchase Order for purchase orders and vendor return authorizations; Expense Report
    /// for expense reports; Credit Card for card charges and refunds; none for checks.
    pub fn permission(self) -> Option<Permission> {
        match self {
            TransactionKind::VendorBill | TransactionKind::VendorCredit | TransactionKind::VendorPayment => {
                Some(Permission::Bills)
            }
            TransactionKind::PurchaseOrder | TransactionKind::VendorReturnAuthorization => {
                Some(Permission::PurchaseOrder)
            }
            TransactionKind::ExpenseReport => Some(Permission::ExpenseReport),
            TransactionKind::CreditCardCharge | TransactionKind::CreditCardRefund => Some(Permission::CreditCard),
            TransactionKind::Check => None,
        }
    }

    /// The header total field the record type's XSD defines and the simulator writes:
    /// `userTotal` for VendorBill, VendorCredit, Check and VendorReturnAuthorization; `total`
    /// for PurchaseOrder, VendorPayment and ExpenseReport. (VendorCredit also defines a
    /// `total`, which the simulator leaves out.)
    pub fn total_field(self) -> &'static str {
        match self {
            TransactionKind::VendorBill
            | TransactionKind::VendorCredit
            | TransactionKind::Check
            | TransactionKind::VendorReturnAuthorization
            | TransactionKind::CreditCardCharge
            | TransactionKind::CreditCardRefund => "userTotal",
            TransactionKind::PurchaseOrder | TransactionKind::VendorPayment | TransactionKind::ExpenseReport => "total",
        }
    }

    /// Whether the transaction's `entity` is a vendor (every kind but expense reports, whose
    /// entity is an employee).
    pub fn is_vendor_side(self) -> bool {
        self != TransactionKind::ExpenseReport
    }

    /// The XML prefix and namespace URI of the record type at endpoint version `v`.
    pub(crate) fn namespace(self, v: SoapVersion) -> (&'static str, &'static str) {
        let urns = v.urns();
        match self {
            TransactionKind::Check | TransactionKind::CreditCardCharge | TransactionKind::CreditCardRefund => {
                ("tranBank", urns.tran_bank)
            }
            TransactionKind::ExpenseReport => ("tranEmp", urns.tran_emp),
            _ => ("tranPurch", urns.tran_purch),
        }
    }

    /// Index in [`TransactionKind::ALL`] (7 and 8 for the card kinds, after it).
    pub(crate) fn index(self) -> usize {
        match self {
            TransactionKind::VendorBill => 0,
            TransactionKind::PurchaseOrder => 1,
            TransactionKind::VendorCredit => 2,
            TransactionKind::VendorPayment => 3,
            TransactionKind::Check => 4,
            TransactionKind::VendorReturnAuthorization => 5,
            TransactionKind::ExpenseReport => 6,
            TransactionKind::CreditCardCharge => 7,
            TransactionKind::CreditCardRefund => 8,
        }
    }
}

/// Every value of the `TransactionType` enum of `transactions.saleTypes.xsd` 2017_2 (line
/// 250), in the XSD's order. A `type` search value outside this list is refused.
pub const TRANSACTION_TYPES: [&str; 38] = [
    "_assemblyBuild",
    "_assemblyUnbuild",
    "_binTransfer",
    "_binWorksheet",
    "_cashRefund",
    "_cashSale",
    "_check",
    "_creditMemo",
    "_custom",
    "_customerDeposit",
    "_customerPayment",
    "_customerRefund",
    "_deposit",
    "_depositApplication",
    "_estimate",
    "_expenseReport",
    "_inventoryAdjustment",
    "_inventoryCostRevaluation",
    "_inventoryTransfer",
    "_invoice",
    "_itemFulfillment",
    "_itemReceipt",
    "_journal",
    "_opportunity",
    "_paycheckJournal",
    "_purchaseOrder",
    "_requisition",
    "_returnAuthorization",
    "_salesOrder",
    "_transferOrder",
    "_vendorBill",
    "_vendorCredit",
    "_vendorPayment",
    "_vendorReturnAuthorization",
    "_workOrder",
    "_workOrderClose",
    "_workOrderCompletion",
    "_workOrderIssue",
];

/// An expense category (`listAcct:ExpenseCategory`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimExpenseCategory {
    /// Internal id (digits).
    pub internal_id: String,
    /// `name`; some need XML escaping.
    pub name: String,
    /// `description`, when set.
    pub description: Option<String>,
    /// `expenseAcct`: the expense account lines of this category post to.
    pub expense_account: SimRef,
    /// `isInactive`.
    pub is_inactive: bool,
}

/// A transaction as the simulated account holds it: the ground truth tests compare against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimTransaction {
    /// Internal id (digits). All transaction kinds share one id space, apart from the ids of
    /// vendors, employees and expense categories.
    pub internal_id: String,
    /// The kind.
    pub kind: TransactionKind,
    /// The record type, like `VendorBill` (the `xsi:type` local name).
    pub record_type: &'static str,
    /// The `TransactionType` value, like `_vendorBill`.
    pub type_enum: &'static str,
    /// `tranId`.
    pub tran_id: String,
    /// `tranDate`: a calendar date (written as Pacific midnight of that date).
    pub tran_date: NaiveDate,
    /// Internal id of the `entity`: a vendor, or an employee for expense reports.
    pub entity_id: String,
    /// Name of the `entity` now (company name, or an employee's first and last name).
    pub entity_name: String,
    /// The header total (`userTotal` or `total`, as the record type's XSD defines it):
    /// exactly the sum of [`SimTransaction::line_amounts`].
    pub total: Decimal,
    /// Name of the transaction's currency (`USA`, `EUR`, `GBP`, `CAD`).
    pub currency: String,
    /// `exchangeRate` to the subsidiary's currency (1 for expense reports, whose lines carry
    /// their own rates).
    pub exchange_rate: Decimal,
    /// `subsidiary`.
    pub subsidiary: SimRef,
    /// `department`, when set.
    pub department: Option<SimRef>,
    /// `status` text (for a vendor return authorization, its `orderStatus` enum value), when
    /// the record type has one and it is set.
    pub status: Option<String>,
    /// `dueDate` (vendor bills only).
    pub due_date: Option<NaiveDate>,
    /// `memo`, when set; some need XML escaping.
    pub memo: Option<String>,
    /// `createdDate` (whole seconds).
    pub created: DateTime<Utc>,
    /// `lastModifiedDate` (whole seconds), never before `created`.
    pub last_modified: DateTime<Utc>,
    /// Number of sublist lines (`expenseList` plus `itemList`, or `applyList`).
    pub lines: usize,
    /// Amount of each line (expense lines, then item lines; or apply lines), in the
    /// transaction's currency.
    pub line_amounts: Vec<Decimal>,
}

/// A transaction a test adds with [`crate::Simulator::add_transaction`]: one line carries the
/// whole total; created and last modified at the simulator's now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTransaction {
    /// The `TransactionType` value of one of the kinds the simulator generates
    /// (`_vendorBill`, `_check`, `_expenseReport`...; the leading underscore may be left out).
    pub type_enum: String,
    /// Internal id of an existing vendor, or of an employee for an expense report.
    pub entity_id: String,
    /// `tranDate`.
    pub tran_date: NaiveDate,
    /// The total: positive, at most two decimal places.
    pub total: Decimal,
}

impl NewTransaction {
    /// A new transaction of `kind`.
    pub fn new(kind: TransactionKind, entity_id: impl Into<String>, tran_date: NaiveDate, total: Decimal) -> Self {
        Self { type_enum: kind.type_enum().to_string(), entity_id: entity_id.into(), tran_date, total }
    }

    /// The kind its `type_enum` names, if the simulator generates it.
    pub fn kind(&self) -> Option<TransactionKind> {
        TransactionKind::from_type_enum(&self.type_enum)
    }
}

/// What a sublist line holds besides its amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LineDetail {
    /// An `expenseList/expense` line of a vendor-side transaction.
    Expense {
        /// Internal id of the expense category, if set.
        category: Option<u32>,
        /// Index in `EXPENSE_ACCOUNTS`.
        account: u8,
    },
    /// An `itemList/item` line; the amount is a multiple of the quantity (in cents), so
    /// `rate` is exact.
    Item {
        /// Index in `ITEMS`.
        item: u8,
        /// `quantity`.
        quantity: u32,
    },
    /// An `applyList/apply` line of a bill payment.
    Apply {
        /// Internal id of the bill paid, if any.
        doc: Option<u64>,
        /// The bill's `tranId` (`refNum`).
        ref_num: String,
        /// The bill's date (`applyDate`).
        date: NaiveDate,
        /// The bill's total in cents (`total`, `due`).
        doc_total_cents: i64,
    },
    /// An `expenseList/expense` line of an expense report.
    Report {
        /// `expenseDate`.
        expense_date: NaiveDate,
        /// Internal id of the expense category, if set.
        category: Option<u32>,
        /// Index in the currency table of the spent currency.
        currency: u8,
        /// `foreignAmount` in cents of that currency.
        foreign_cents: i64,
        /// `exchangeRate` to the report's currency.
        exchange_rate: Decimal,
    },
}

/// One sublist line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// `amount` in cents of the transaction's currency.
    pub amount_cents: i64,
    /// `memo` (`description` of item lines).
    pub memo: Option<Cow<'static, str>>,
    /// Index in the account's department table (see `AccountState::department_table`).
    pub department: Option<u16>,
    /// Index in `CLASSES`.
    pub class: Option<u8>,
    /// The rest.
    pub detail: LineDetail,
}

impl Line {
    /// Whether the line belongs in `itemList` (rather than `expenseList` or `applyList`).
    pub(crate) fn is_item(&self) -> bool {
        matches!(self.detail, LineDetail::Item { .. })
    }
}

/// A transaction as the account stores it: compact, with references as indexes into the
/// generator's tables and money in cents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Txn {
    /// Internal id.
    pub id: u64,
    /// Kind.
    pub kind: TransactionKind,
    /// Sequence number within the kind (for `tranId` and `transactionNumber`).
    pub number: u32,
    /// `tranDate`.
    pub tran_date: NaiveDate,
    /// Internal id of the entity.
    pub entity: u64,
    /// Index in the currency table.
    pub currency: u8,
    /// Index in the subsidiary table.
    pub subsidiary: u8,
    /// `exchangeRate`.
    pub exchange_rate: Decimal,
    /// Index in the account's department table (see `AccountState::department_table`).
    pub department: Option<u16>,
    /// Index in `CLASSES`.
    pub class: Option<u8>,
    /// `status` text, or `orderStatus` value for vendor return authorizations.
    pub status: Option<&'static str>,
    /// Payment terms in days (`dueDate` of bills).
    pub terms_days: u16,
    /// `memo`.
    pub memo: Option<Cow<'static, str>>,
    /// Header total in cents: always the sum of the lines.
    pub total_cents: i64,
    /// `createdDate`.
    pub created: DateTime<Utc>,
    /// `lastModifiedDate`.
    pub last_modified: DateTime<Utc>,
    /// Sublist lines: expense lines before item lines.
    pub lines: Vec<Line>,
}

/// Cents as a two-place decimal.
pub(crate) fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// A decimal with at most two places as cents; `None` for more places or out of range.
pub(crate) fn to_cents(d: Decimal) -> Option<i64> {
    let normal = d.normalize();
    if normal.scale() > 2 {
        return None;
    }
    let mut scaled = normal;
    scaled.rescale(2);
    i64::try_from(scaled.mantissa()).ok()
}

impl Txn {
    /// The sum of the lines in cents.
    pub(crate) fn line_sum(&self) -> i64 {
        self.lines.iter().map(|l| l.amount_cents).sum()
    }

    /// `dueDate`: bills only.
    pub(crate) fn due_date(&self) -> Option<NaiveDate> {
        (self.kind == TransactionKind::VendorBill)
            .then(|| self.tran_date.checked_add_days(chrono::Days::new(u64::from(self.terms_days))))
            .flatten()
    }

    /// `tranId` as users see it.
    pub(crate) fn tran_id(&self) -> String {
        let n = self.number;
        match self.kind {
            // A bill's tranId is the vendor's invoice number: not sequential.
            TransactionKind::VendorBill => format!("INV-{:06}", (u64::from(n) * 7919 + self.id) % 1_000_000),
            TransactionKind::PurchaseOrder => format!("PO{n:05}"),
            TransactionKind::VendorCredit => format!("VC-{n:05}"),
            TransactionKind::VendorPayment => format!("ACH{n:06}"),
            TransactionKind::Check => format!("{}", 10_000 + n),
            TransactionKind::VendorReturnAuthorization => format!("VRA{n:05}"),
            TransactionKind::ExpenseReport => format!("ER{n:05}"),
            TransactionKind::CreditCardCharge => format!("CC{n:05}"),
            TransactionKind::CreditCardRefund => format!("CCR{n:05}"),
        }
    }

    /// `transactionNumber`, for the record types that have one.
    pub(crate) fn transaction_number(&self) -> Option<String> {
        let n = self.number;
        match self.kind {
            TransactionKind::VendorBill => Some(format!("VENDBILL{n}")),
            TransactionKind::VendorCredit => Some(format!("VENDCRED{n}")),
            TransactionKind::VendorPayment => Some(format!("VENDPYMT{n}")),
            TransactionKind::Check => Some(format!("CHK{n}")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_the_xsd_enum() {
        for k in TransactionKind::ALL {
            assert!(TRANSACTION_TYPES.contains(&k.type_enum()), "{k:?}");
            assert_eq!(TransactionKind::from_type_enum(k.type_enum()), Some(k));
            assert_eq!(TransactionKind::from_type_enum(&k.type_enum()[1..]), Some(k));
            assert_eq!(TransactionKind::ALL[k.index()], k);
        }
        assert_eq!(TransactionKind::from_type_enum("_creditCardCharge"), None);
        assert!(!TRANSACTION_TYPES.contains(&"_creditCardCharge"));
        assert_eq!(TransactionKind::Check.permission(), None);
        assert_eq!(TransactionKind::VendorPayment.permission(), Some(Permission::Bills));
        for k in TransactionKind::CARDS {
            assert!(k.is_card() && !TransactionKind::ALL.contains(&k));
            assert!(!TRANSACTION_TYPES.contains(&k.type_enum()));
            assert_eq!(TransactionKind::from_type_enum(k.type_enum()), None);
            assert_eq!(TransactionKind::from_suiteql_type(k.suiteql_type()), Some(k));
            assert_eq!(k.permission(), Some(Permission::CreditCard));
            assert_eq!(k.index(), 7 + TransactionKind::CARDS.iter().position(|c| *c == k).unwrap());
        }
    }

    #[test]
    fn cents_round_trip() {
        assert_eq!(to_cents(Decimal::new(12345, 2)), Some(12345));
        assert_eq!(to_cents(Decimal::new(5, 0)), Some(500));
        assert_eq!(to_cents(Decimal::new(12340, 3)), Some(1234));
        assert_eq!(to_cents(Decimal::new(12345, 3)), None);
        assert_eq!(money(150).to_string(), "1.50");
    }
}
