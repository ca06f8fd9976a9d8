//! The entities this project discovers and how each is searched, read and stored.

use crate::config::{Product, Tenant, Transport};
use crate::netsuite::records::VENDOR_TRANSACTION_TYPES;
use crate::netsuite::search::SearchType;
use crate::netsuite::{
    Department, Employee, ExpenseCategory, ExpenseReport, RawRecord, Transaction, Vendor, WireError,
};
use crate::store::Batch;

/// One kind of NetSuite record we pull: how to search it, read it and store it.
pub trait EntitySpec: 'static {
    /// Our name for it (cursor, run and status rows): `vendors`, `invoices`...
    const NAME: &'static str;
    /// The typed record.
    type Record: Send + Sync + 'static;
    /// The basic search it uses.
    fn search_type() -> SearchType;
    /// Whether sublists are left out (`bodyFieldsOnly`).
    fn body_fields_only() -> bool {
        true
    }
    /// Whether the search has `lastModifiedDate`, so that deltas are possible; otherwise every
    /// pass pulls everything (small lists only).
    fn supports_delta() -> bool {
        true
    }
    /// Whether pulls are bounded by the transaction-date window (one year before the earliest
    /// service's discovery).
    fn windowed() -> bool {
        false
    }
    /// The `type anyOf` values of the typed query. When NetSuite refuses it for lack of
    /// permission, the pull falls back to a plain search without them and keeps what it can
    /// read (the entity is then recorded as degraded).
    fn type_filter() -> Option<Vec<String>> {
        None
    }
    /// The 2017_2 `DeletedRecordType` values `getDeleted` reports this entity's deletions
    /// under; empty when 2017_2 cannot report them (a full refresh finds those).
    fn deleted_types() -> &'static [&'static str] {
        &[]
    }
    /// Reads a typed record; `Ok(None)` when the record is of another kind this search may
    /// also return (a plain transaction search returns every type the role may see).
    fn convert(raw: &RawRecord) -> Result<Option<Self::Record>, WireError>;
    /// Wraps a page of records for the store.
    fn batch(records: &[Self::Record]) -> Batch<'_>;
}

/// Vendors: LeanIX "new services". Always enabled (an EAM tenant pulls them alone).
pub struct Vendors;

impl EntitySpec for Vendors {
    const NAME: &'static str = "vendors";
    type Record = Vendor;

    fn search_type() -> SearchType {
        SearchType::Vendor
    }

    fn deleted_types() -> &'static [&'static str] {
        &["vendor"]
    }

    fn convert(raw: &RawRecord) -> Result<Option<Vendor>, WireError> {
        Vendor::try_from(raw).map(Some)
    }

    fn batch(records: &[Vendor]) -> Batch<'_> {
        Batch::Vendors(records)
    }
}

/// Invoices: every vendor-side transaction type of 2017_2, with lines (Financial System).
pub struct Invoices;

impl EntitySpec for Invoices {
    const NAME: &'static str = "invoices";
    type Record = Transaction;

    fn search_type() -> SearchType {
        SearchType::Transaction
    }

    fn body_fields_only() -> bool {
        false
    }

    fn windowed() -> bool {
        true
    }

    fn type_filter() -> Option<Vec<String>> {
        Some(VENDOR_TRANSACTION_TYPES.iter().map(|(t, _, _)| t.to_string()).collect())
    }

    fn deleted_types() -> &'static [&'static str] {
        // The `TransactionType` values of VENDOR_TRANSACTION_TYPES without their underscore;
        // each is a `DeletedRecordType` value of platform.coreTypes.xsd 2017_2.
        &["vendorBill", "check", "purchaseOrder", "vendorCredit", "vendorReturnAuthorization", "vendorPayment"]
    }

    fn convert(raw: &RawRecord) -> Result<Option<Transaction>, WireError> {
        Transaction::from_raw(raw)
    }

    fn batch(records: &[Transaction]) -> Batch<'_> {
        Batch::Invoices(records)
    }
}

/// Credit-card charges and refunds (`CardChrg`, `CardRfnd`) with their lines, as vendor-side
/// spend in the invoices table (record types `CreditCardCharge`/`CreditCardRefund`; a charge
/// is an expense, a refund a credit, signed negative). Expense Management, SuiteQL only:
/// neither the 2017_2 nor the 2023_2 SOAP schema can search them. Windowed like invoices.
pub struct CardSpend;

impl EntitySpec for CardSpend {
    const NAME: &'static str = "card_spend";
    type Record = Transaction;

    /// Never searched over SOAP (the entity is enabled for `suiteql` tenants only).
    fn search_type() -> SearchType {
        SearchType::Transaction
    }

    fn body_fields_only() -> bool {
        false
    }

    fn windowed() -> bool {
        true
    }

    fn convert(_raw: &RawRecord) -> Result<Option<Transaction>, WireError> {
        Ok(None)
    }

    fn batch(records: &[Transaction]) -> Batch<'_> {
        Batch::Invoices(records)
    }
}

/// Costs: expense reports with their expense lines (Expense Management).
pub struct Costs;

impl EntitySpec for Costs {
    const NAME: &'static str = "costs";
    type Record = ExpenseReport;

    fn search_type() -> SearchType {
        SearchType::Transaction
    }

    fn body_fields_only() -> bool {
        false
    }

    fn windowed() -> bool {
        true
    }

    fn type_filter() -> Option<Vec<String>> {
        Some(vec!["_expenseReport".to_string()])
    }

    fn deleted_types() -> &'static [&'static str] {
        &["expenseReport"]
    }

    fn convert(raw: &RawRecord) -> Result<Option<ExpenseReport>, WireError> {
        ExpenseReport::from_raw(raw)
    }

    fn batch(records: &[ExpenseReport]) -> Batch<'_> {
        Batch::Costs(records)
    }
}

/// Expense categories, so that cost lines carry a category name (Expense Management). The
/// search has no `lastModifiedDate`: the (short) list is pulled whole every pass.
pub struct ExpenseCategories;

impl EntitySpec for ExpenseCategories {
    const NAME: &'static str = "expense_categories";
    type Record = ExpenseCategory;

    fn search_type() -> SearchType {
        SearchType::ExpenseCategory
    }

    fn supports_delta() -> bool {
        false
    }

    fn convert(raw: &RawRecord) -> Result<Option<ExpenseCategory>, WireError> {
        ExpenseCategory::try_from(raw).map(Some)
    }

    fn batch(records: &[ExpenseCategory]) -> Batch<'_> {
        Batch::ExpenseCategories(records)
    }
}

/// Departments (HRIS). The search has no `lastModifiedDate`: the list is pulled whole every
/// pass; the parent of each is kept so the hierarchy can be walked (`department_paths`).
pub struct Departments;

impl EntitySpec for Departments {
    const NAME: &'static str = "departments";
    type Record = Department;

    fn search_type() -> SearchType {
        SearchType::Department
    }

    fn supports_delta() -> bool {
        false
    }

    fn convert(raw: &RawRecord) -> Result<Option<Department>, WireError> {
        Department::try_from(raw).map(Some)
    }

    fn batch(records: &[Department]) -> Batch<'_> {
        Batch::Departments(records)
    }
}

/// Employees (HRIS): full pull at onboarding, then deltas by `lastModifiedDate`.
pub struct Employees;

impl EntitySpec for Employees {
    const NAME: &'static str = "employees";
    type Record = Employee;

    fn search_type() -> SearchType {
        SearchType::Employee
    }

    fn deleted_types() -> &'static [&'static str] {
        &["employee"]
    }

    fn convert(raw: &RawRecord) -> Result<Option<Employee>, WireError> {
        Employee::try_from(raw).map(Some)
    }

    fn batch(records: &[Employee]) -> Batch<'_> {
        Batch::Employees(records)
    }
}

/// The LeanIX category an entity belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Vendors: discovered for every product.
    Services,
    /// Financial System: invoices.
    FinancialSystem,
    /// Expense Management: expense categories and costs.
    ExpenseManagement,
    /// HRIS: departments and employees (opt-in).
    Hris,
}

impl Category {
    /// The name operators see (and the tenant file's switch).
    pub fn label(self) -> &'static str {
        match self {
            Category::Services => "services",
            Category::FinancialSystem => "financial_system",
            Category::ExpenseManagement => "expense_management",
            Category::Hris => "hris",
        }
    }
}

/// The entities, as values (for lists, switches and dispatch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    /// [`Vendors`].
    Vendors,
    /// [`Invoices`].
    Invoices,
    /// [`ExpenseCategories`].
    ExpenseCategories,
    /// [`Costs`].
    Costs,
    /// [`Departments`].
    Departments,
    /// [`Employees`].
    Employees,
    /// [`CardSpend`] (SuiteQL only).
    CardSpend,
}

impl Entity {
    /// Its name in the database and logs.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Vendors => Vendors::NAME,
            Entity::Invoices => Invoices::NAME,
            Entity::ExpenseCategories => ExpenseCategories::NAME,
            Entity::Costs => Costs::NAME,
            Entity::Departments => Departments::NAME,
            Entity::Employees => Employees::NAME,
            Entity::CardSpend => CardSpend::NAME,
        }
    }

    /// The category that switches it on.
    pub fn category(self) -> Category {
        match self {
            Entity::Vendors => Category::Services,
            Entity::Invoices => Category::FinancialSystem,
            Entity::ExpenseCategories | Entity::Costs | Entity::CardSpend => Category::ExpenseManagement,
            Entity::Departments | Entity::Employees => Category::Hris,
        }
    }

    /// Every entity, in pull order.
    pub const ALL: [Entity; 7] = [
        Entity::Vendors,
        Entity::Invoices,
        Entity::ExpenseCategories,
        Entity::Costs,
        Entity::CardSpend,
        Entity::Departments,
        Entity::Employees,
    ];

    /// Whether the transport can pull this entity at all: credit-card charges and refunds
    /// only over SuiteQL (no SOAP schema can search them).
    pub fn available_over(self, transport: Transport) -> bool {
        !(self == Entity::CardSpend && transport == Transport::Soap)
    }

    /// Why the entity is not pulled over `transport`, when it cannot be (for `status` and
    /// `check`: said plainly, not a failure).
    pub fn unavailable_reason(self, transport: Transport) -> Option<&'static str> {
        (!self.available_over(transport)).then_some(
            "not available over SOAP: no SOAP schema (2017_2, 2023_2) can search credit-card charges; \
             set transport = \"suiteql\" to pull them",
        )
    }

    /// Whether `tenant` pulls this entity: vendors always; the rest only for the SMP product
    /// and with their category switched on, and only when the tenant's transport can.
    pub fn enabled_for(self, tenant: &Tenant) -> bool {
        if !self.available_over(tenant.transport) {
            return false;
        }
        match self.category() {
            Category::Services => true,
            _ if tenant.product != Product::Smp => false,
            Category::FinancialSystem => tenant.categories.financial_system,
            Category::ExpenseManagement => tenant.categories.expense_management,
            Category::Hris => tenant.categories.hris,
        }
    }

    /// The NetSuite permissions (role) it needs, as the operator sets them up.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Entity::Vendors => &["Lists > Vendors (View)"],
            Entity::Invoices => &[
                "Transactions > Find Transaction (View)",
                "Transactions > Bills (View)",
                "Transactions > Purchase Order (View)",
            ],
            Entity::ExpenseCategories => &["Lists > Expense Categories (View)"],
            Entity::Costs => &["Transactions > Find Transaction (View)", "Transactions > Expense Report (View)"],
            Entity::Departments => &["Lists > Departments (View)"],
            Entity::Employees => &["Lists > Employee Record (View)"],
            Entity::CardSpend => &["Transactions > Find Transaction (View)", "Transactions > Credit Card (View)"],
        }
    }
}

/// The entities a tenant pulls, in order: vendors first (invoices link to them), then
/// invoices, expense categories before the costs that name them, departments before the
/// employees that belong to them. An EAM tenant pulls vendors alone.
pub fn enabled_entities(tenant: &Tenant) -> Vec<Entity> {
    Entity::ALL.into_iter().filter(|e| e.enabled_for(tenant)).collect()
}
