//! A simulated account: how it is specified ([`AccountSpec`]), its records ([`SimVendor`])
//! and the server-side state kept for it (credentials, role, nonces, in-flight requests).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use rand::seq::index;

use crate::basics::account_id::AccountId;
use crate::basics::tba::Credentials;
use crate::model::corruption::Corruption;
use crate::model::generate::{self, Secrets, CURRENCIES};
use crate::model::generate_org;
use crate::model::generate_tx::{self, NewTxnError, Refs};
use crate::model::graveyard::{Graveyard, SimRecordType};
use crate::model::org::{SimDepartment, SimEmployee};
use crate::model::paging_faults::PagingFault;
use crate::model::permissions::PermissionSet;
use crate::model::records::{SimRef, SimVendor};
use crate::model::transactions::{money, NewTransaction, SimExpenseCategory, SimTransaction, TransactionKind, Txn};

/// Expense categories an account has unless its spec says otherwise.
pub const DEFAULT_EXPENSE_CATEGORIES: usize = 12;

/// How to generate one account. Build it with [`AccountSpec::new`] and the `with_*` methods
/// so that fields added later (transactions, employees...) keep their defaults.
#[derive(Clone, Debug)]
pub struct AccountSpec {
    /// The account id, as the tokenPassport must spell it.
    pub account_id: AccountId,
    /// Seed of everything generated for the account, credentials included.
    pub seed: u64,
    /// Number of vendors generated.
    pub vendors: usize,
    /// Number of employees generated (0 by default).
    pub employees: usize,
    /// Number of departments generated (0 by default), as a hierarchy. Without departments,
    /// employees and transactions name eight fixed department references that no
    /// department search returns; with them, they name generated departments.
    pub departments: usize,
    /// Number of vendor transactions generated (bills, purchase orders, credits, payments,
    /// checks, return authorizations; 0 by default). They need vendors: an account without
    /// vendors gets none.
    pub transactions: usize,
    /// Number of expense reports generated (0 by default). They need employees: an account
    /// without employees gets none.
    pub expense_reports: usize,
    /// Number of expense categories generated (12 by default).
    pub expense_categories: usize,
    /// Number of credit card charges and refunds generated (SuiteQL only: SOAP 2017_2 has no
    /// such record). `None` (the default) makes one for every ten vendor transactions. They
    /// need vendors.
    pub card_transactions: Option<usize>,
    /// The "generation time": generated vendors were created over the six years before it,
    /// transactions are dated over the three years before it, and all were last modified at
    /// least a day before it. `None` uses the start of the current UTC
    /// day on the simulator clock, so data is the same all day long; set it for data that
    /// never changes.
    pub anchor: Option<DateTime<Utc>>,
    /// The role's permissions (all by default).
    pub permissions: PermissionSet,
    /// In-flight request limit of this account; `None` takes [`crate::SimConfig`]'s.
    pub concurrency_limit: Option<usize>,
}

impl AccountSpec {
    /// An account with no records, every permission, and the simulator's default limit.
    pub fn new(account_id: AccountId, seed: u64) -> Self {
        Self {
            account_id,
            seed,
            vendors: 0,
            employees: 0,
            departments: 0,
            transactions: 0,
            expense_reports: 0,
            expense_categories: DEFAULT_EXPENSE_CATEGORIES,
            card_transactions: None,
            anchor: None,
            permissions: PermissionSet::all(),
            concurrency_limit: None,
        }
    }

    /// The same spec with `n` employees.
    pub fn with_employees(mut self, n: usize) -> Self {
        self.employees = n;
        self
    }

    /// The same spec with `n` departments: a hierarchy at least three levels deep when `n`
    /// is 3 or more, under up to five top-level departments (Engineering, Sales, Finance,
    /// Operations, People).
    pub fn with_departments(mut self, n: usize) -> Self {
        self.departments = n;
        self
    }

    /// The same spec with `n` vendor transactions (they need vendors).
    pub fn with_transactions(mut self, n: usize) -> Self {
        self.transactions = n;
        self
    }

    /// The same spec with `n` expense reports (they need employees).
    pub fn with_expense_reports(mut self, n: usize) -> Self {
        self.expense_reports = n;
        self
    }

    /// The same spec with `n` credit card charges and refunds (SuiteQL only; they need
    /// vendors).
    pub fn with_card_transactions(mut self, n: usize) -> Self {
        self.card_transactions = Some(n);
        self
    }

    /// The card transactions the spec asks for: its own number, or one for every ten vendor
    /// transactions.
    pub fn card_transaction_count(&self) -> usize {
        self.card_transactions.unwrap_or(self.transactions / 10)
    }

    /// The same spec with `n` expense categories.
    pub fn with_expense_categories(mut self, n: usize) -> Self {
        self.expense_categories = n;
        self
    }

    /// The same spec with `n` vendors.
    pub fn with_vendors(mut self, n: usize) -> Self {
        self.vendors = n;
        self
    }

    /// The same spec with a fixed generation time.
    pub fn with_anchor(mut self, anchor: DateTime<Utc>) -> Self {
        self.anchor = Some(anchor);
        self
    }

    /// The same spec with these permissions.
    pub fn with_permissions(mut self, permissions: PermissionSet) -> Self {
        self.permissions = permissions;
        self
    }

    /// The same spec with its own concurrency limit.
    pub fn with_concurrency_limit(mut self, limit: usize) -> Self {
        self.concurrency_limit = Some(limit);
        self
    }
}

/// Nonces an account has accepted, with their passport timestamps.
#[derive(Debug, Default)]
pub(crate) struct NonceStore {
    seen: HashMap<String, i64>,
}

impl NonceStore {
    /// Whether `nonce` was accepted before.
    pub(crate) fn contains(&self, nonce: &str) -> bool {
        self.seen.contains_key(nonce)
    }

    /// Records `nonce` as used. Nonces whose timestamps are older than `forget_before` are
    /// forgotten now and then: such passports are refused for their age anyway.
    pub(crate) fn insert(&mut self, nonce: &str, timestamp: i64, forget_before: i64) {
        if self.seen.len() >= 4096 && self.seen.len().is_power_of_two() {
            self.seen.retain(|_, ts| *ts >= forget_before);
        }
        self.seen.insert(nonce.to_string(), timestamp);
    }
}

/// Everything the simulator keeps for one account.
pub(crate) struct AccountState {
    /// What the account was generated from.
    pub spec: AccountSpec,
    /// Its integration's and token's secrets.
    pub secrets: Secrets,
    /// Vendors by numeric internal id (so iteration is in id order).
    pub vendors: BTreeMap<u64, SimVendor>,
    /// Employees in internal-id order.
    pub employees: Vec<SimEmployee>,
    /// Departments in internal-id order (parents before children).
    pub departments: Vec<SimDepartment>,
    /// The departments transactions and their lines name, by index (`Txn::department`): the
    /// generated departments, or the fixed references of [`generate_tx::DEPARTMENTS`] when
    /// there are none. Shared with the pages that show transactions.
    pub department_table: Arc<Vec<SimRef>>,
    /// The entity number the next added employee gets.
    next_employee_no: usize,
    /// Expense categories in internal-id order (shared with the pages that show them).
    pub categories: Arc<Vec<SimExpenseCategory>>,
    /// Transactions of every SOAP kind, in internal-id order.
    pub txns: Vec<Txn>,
    /// Credit card charges and refunds, in internal-id order: apart from `txns` so that no
    /// SOAP search, mutation or count can ever meet them (SuiteQL merges both by id).
    pub cards: Vec<Txn>,
    /// The sequence number the next transaction of each kind gets.
    next_numbers: [u32; TransactionKind::COUNT],
    /// The entity number the next added vendor gets.
    next_entity_no: u64,
    /// How many mutations ran, so each one draws from its own random stream.
    mutations: u64,
    /// The role's permissions now.
    pub permissions: PermissionSet,
    /// In-flight request limit (0: unlimited).
    pub concurrency_limit: usize,
    /// Requests being handled right now (rejected ones included while they are rejected).
    pub in_flight: usize,
    /// The highest `in_flight` seen.
    pub peak_in_flight: usize,
    /// Accepted nonces.
    pub nonces: NonceStore,
    /// Paging faults every answer follows until cleared.
    pub paging_faults: Vec<PagingFault>,
    /// Deleted records and the deletion log.
    pub graveyard: Graveyard,
    /// Records written broken in search pages, by type and internal id.
    pub corruptions: HashMap<(SimRecordType, String), Vec<Corruption>>,
}

impl AccountState {
    /// Generates the account described by `spec`; `anchor` is used when the spec has none.
    pub(crate) fn generate(spec: AccountSpec, anchor: DateTime<Utc>, default_limit: usize) -> Self {
        let anchor = spec.anchor.unwrap_or(anchor);
        let secrets = generate::secrets(spec.seed, spec.account_id.as_str());
        let vendors: BTreeMap<u64, SimVendor> = generate::vendors(spec.seed, spec.vendors, anchor)
            .into_iter()
            .filter_map(|v| v.internal_id.parse::<u64>().ok().map(|id| (id, v)))
            .collect();
        let departments = generate_org::departments(spec.seed, spec.departments);
        let employees = generate_org::employees(spec.seed, spec.employees, anchor, &departments);
        let department_table: Vec<SimRef> = if departments.is_empty() {
            generate_tx::fixed_departments()
        } else {
            departments.iter().map(|d| SimRef::new(d.internal_id.clone(), d.name.clone())).collect()
        };
        let categories = generate_tx::expense_categories(spec.expense_categories);
        let refs =
            Refs { vendors: &vendors, employees: &employees, categories: &categories, departments: &department_table };
        let generated = generate_tx::transactions(spec.seed, spec.transactions, spec.expense_reports, anchor, &refs);
        let after = generated.txns.last().map(|t| t.id);
        let cards = generate_tx::card_transactions(spec.seed, spec.card_transaction_count(), anchor, &refs, after);
        Self {
            cards,
            next_employee_no: employees.len() + 1,
            employees,
            departments,
            department_table: Arc::new(department_table),
            categories: Arc::new(categories),
            txns: generated.txns,
            next_numbers: generated.next_numbers,
            permissions: spec.permissions.clone(),
            concurrency_limit: spec.concurrency_limit.unwrap_or(default_limit),
            next_entity_no: spec.vendors as u64 + 1,
            spec,
            secrets,
            vendors,
            mutations: 0,
            in_flight: 0,
            peak_in_flight: 0,
            nonces: NonceStore::default(),
            paging_faults: Vec::new(),
            graveyard: Graveyard::default(),
            corruptions: HashMap::new(),
        }
    }

    /// The TBA credentials a client needs for this account.
    pub(crate) fn credentials(&self) -> Credentials {
        Credentials {
            account: self.spec.account_id.clone(),
            consumer_key: self.secrets.consumer_key.clone(),
            consumer_secret: self.secrets.consumer_secret.clone(),
            token_id: self.secrets.token_id.clone(),
            token_secret: self.secrets.token_secret.clone(),
        }
    }

    /// Adds `n` vendors created and modified at `now`; returns their internal ids.
    pub(crate) fn add_vendors(&mut self, n: usize, now: DateTime<Utc>) -> Vec<String> {
        self.mutations += 1;
        let mut rng = generate::rng_for(self.spec.seed, "add_vendors", self.mutations);
        let last = self.vendors.keys().next_back().copied().max(self.max_deleted_vendor_id());
        let mut next_id = last.map_or(1000, |last| last + generate::id_gap(&mut rng));
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let v = generate::vendor(&mut rng, next_id, self.next_entity_no, now, now);
            ids.push(v.internal_id.clone());
            self.vendors.insert(next_id, v);
            self.next_entity_no += 1;
            next_id += generate::id_gap(&mut rng);
        }
        ids
    }

    /// Changes `n` vendors (all of them if there are fewer), chosen deterministically: each
    /// gets a new email, every other one a new company name, and `lastModifiedDate` `now`.
    /// Returns their internal ids in ascending order.
    pub(crate) fn modify_vendors(&mut self, n: usize, now: DateTime<Utc>) -> Vec<String> {
        self.mutations += 1;
        let mut rng = generate::rng_for(self.spec.seed, "modify_vendors", self.mutations);
        let keys: Vec<u64> = self.vendors.keys().copied().collect();
        let amount = n.min(keys.len());
        let mut chosen: Vec<u64> = index::sample(&mut rng, keys.len(), amount).into_iter().map(|i| keys[i]).collect();
        chosen.sort_unstable();
        let mutation = self.mutations;
        for (k, id) in chosen.iter().enumerate() {
            let Some(v) = self.vendors.get_mut(id) else { continue };
            let domain = generate::email_domain(v);
            v.email = Some(format!("payables.{mutation}@{domain}"));
            if k % 2 == 0 {
                let entity_no = v.entity_id.trim_start_matches('V').parse::<u64>().unwrap_or(0);
                v.company_name = generate::rebrand(&mut rng, entity_no + mutation);
            }
            v.last_modified = now.max(v.date_created);
        }
        chosen.iter().map(u64::to_string).collect()
    }

    /// Vendors in internal-id order.
    pub(crate) fn vendor_list(&self) -> Vec<SimVendor> {
        self.vendors.values().cloned().collect()
    }

    /// The entity a transaction references, with its name now (empty if it is gone).
    pub(crate) fn entity_ref(&self, t: &Txn) -> SimRef {
        let name = if t.kind.is_vendor_side() {
            self.vendors.get(&t.entity).map(|v| v.company_name.clone())
        } else {
            self.employee(t.entity).map(SimEmployee::display_name)
        };
        SimRef::new(t.entity.to_string(), name.unwrap_or_default())
    }

    /// The employee with internal id `id`.
    pub(crate) fn employee(&self, id: u64) -> Option<&SimEmployee> {
        self.employees
            .binary_search_by_key(&id, |e| e.internal_id.parse::<u64>().unwrap_or(0))
            .ok()
            .map(|i| &self.employees[i])
    }

    /// The public view of transaction `t`.
    pub(crate) fn sim_transaction(&self, t: &Txn) -> SimTransaction {
        let entity = self.entity_ref(t);
        let sub = &CURRENCIES[usize::from(t.subsidiary)].subsidiary;
        SimTransaction {
            internal_id: t.id.to_string(),
            kind: t.kind,
            record_type: t.kind.record_type(),
            type_enum: t.kind.type_enum(),
            tran_id: t.tran_id(),
            tran_date: t.tran_date,
            entity_id: entity.internal_id,
            entity_name: entity.name,
            total: money(t.total_cents),
            currency: CURRENCIES[usize::from(t.currency)].currency.1.to_string(),
            exchange_rate: t.exchange_rate,
            subsidiary: SimRef::new(sub.0, sub.1),
            department: t.department.and_then(|d| self.department_table.get(usize::from(d)).cloned()),
            status: t.status.map(str::to_string),
            due_date: t.due_date(),
            memo: t.memo.as_ref().map(|m| m.to_string()),
            created: t.created,
            last_modified: t.last_modified,
            lines: t.lines.len(),
            line_amounts: t.lines.iter().map(|l| money(l.amount_cents)).collect(),
        }
    }

    /// Transactions in internal-id order (the SOAP kinds: no card transactions).
    pub(crate) fn transaction_list(&self) -> Vec<SimTransaction> {
        self.txns.iter().map(|t| self.sim_transaction(t)).collect()
    }

    /// Credit card charges and refunds in internal-id order.
    pub(crate) fn card_list(&self) -> Vec<SimTransaction> {
        self.cards.iter().map(|t| self.sim_transaction(t)).collect()
    }

    /// Adds the transaction `new` describes, created and modified at `now`; returns its id.
    /// A refused transaction changes nothing.
    pub(crate) fn add_transaction(&mut self, new: &NewTransaction, now: DateTime<Utc>) -> Result<String, NewTxnError> {
        let mutation = self.mutations + 1;
        let mut rng = generate::rng_for(self.spec.seed, "add_transaction", mutation);
        let id = self.max_txn_id().map_or(generate_tx::FIRST_TRANSACTION_ID, |last| last + generate::id_gap(&mut rng));
        let k = new.kind().ok_or(NewTxnError::UnknownType)?.index();
        let refs = Refs {
            vendors: &self.vendors,
            employees: &self.employees,
            categories: &self.categories,
            departments: &self.department_table,
        };
        let txn = generate_tx::new_transaction(new, id, self.next_numbers[k], now, &refs, &self.txns)?;
        self.mutations = mutation;
        self.next_numbers[k] += 1;
        self.txns.push(txn);
        Ok(id.to_string())
    }

    /// Changes `n` transactions (all of them if there are fewer), chosen deterministically:
    /// each gets a new memo and a new amount on its first line (the total follows), and
    /// `lastModifiedDate` `now`. Returns their internal ids in ascending order.
    pub(crate) fn modify_transactions(&mut self, n: usize, now: DateTime<Utc>) -> Vec<String> {
        self.mutations += 1;
        let mutation = self.mutations;
        let mut rng = generate::rng_for(self.spec.seed, "modify_transactions", mutation);
        let amount = n.min(self.txns.len());
        let mut chosen = index::sample(&mut rng, self.txns.len(), amount).into_vec();
        chosen.sort_unstable();
        for &i in &chosen {
            generate_tx::modify(&mut rng, &mut self.txns[i], mutation, now);
        }
        chosen.iter().map(|&i| self.txns[i].id.to_string()).collect()
    }

    /// Like `modify_transactions`, for credit card charges and refunds (from a random stream
    /// of their own). Returns their internal ids in ascending order.
    pub(crate) fn modify_cards(&mut self, n: usize, now: DateTime<Utc>) -> Vec<String> {
        self.mutations += 1;
        let mutation = self.mutations;
        let mut rng = generate::rng_for(self.spec.seed, "modify_cards", mutation);
        let amount = n.min(self.cards.len());
        let mut chosen = index::sample(&mut rng, self.cards.len(), amount).into_vec();
        chosen.sort_unstable();
        for &i in &chosen {
            generate_tx::modify(&mut rng, &mut self.cards[i], mutation, now);
        }
        chosen.iter().map(|&i| self.cards[i].id.to_string()).collect()
    }

    /// Adds `n` employees created, last modified and hired at `now` (see
    /// [`generate_org::add_employees`]); returns their internal ids.
    pub(crate) fn add_employees(&mut self, n: usize, now: DateTime<Utc>) -> Vec<String> {
        self.mutations += 1;
        let mut rng = generate::rng_for(self.spec.seed, "add_employees", self.mutations);
        let last_deleted = self.max_deleted_employee_id();
        let ids = generate_org::add_employees(
            &mut rng,
            &mut self.employees,
            last_deleted,
            &self.departments,
            n,
            self.next_employee_no,
            now,
        );
        self.next_employee_no += ids.len();
        ids
    }

    /// Changes `n` employees (all of them if there are fewer), chosen deterministically (see
    /// [`generate_org::modify_employees`]), last modified at `now`. Returns their internal
    /// ids in ascending order.
    pub(crate) fn modify_employees(&mut self, n: usize, now: DateTime<Utc>) -> Vec<String> {
        self.mutations += 1;
        let mutation = self.mutations;
        let mut rng = generate::rng_for(self.spec.seed, "modify_employees", mutation);
        generate_org::modify_employees(&mut rng, &mut self.employees, &self.departments, n, mutation, now)
    }

    /// A random stream of its own for the next mutation, named `purpose`.
    pub(crate) fn mutation_rng(&mut self, purpose: &str) -> rand_chacha::ChaCha8Rng {
        self.mutations += 1;
        generate::rng_for(self.spec.seed, purpose, self.mutations)
    }

    /// Whether the role may see transactions of `kind` (Find Transaction aside).
    pub(crate) fn may_see(&self, kind: TransactionKind) -> bool {
        kind.permission().map_or(true, |p| self.permissions.contains(p))
    }
}

/// The default generation time: the start of `now`'s UTC day.
pub(crate) fn default_anchor(now: DateTime<Utc>) -> DateTime<Utc> {
    let day = now.date_naive().and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    day.unwrap_or(now - TimeDelta::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> AccountState {
        let spec = AccountSpec::new(AccountId::parse("1234567_SB1").unwrap(), 9).with_vendors(50);
        let anchor = DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc);
        AccountState::generate(spec, anchor, 5)
    }

    #[test]
    fn add_and_modify_are_deterministic_and_stamp_now() {
        let now = DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z").unwrap().with_timezone(&Utc);
        let (mut a, mut b) = (state(), state());
        let added = a.add_vendors(3, now);
        assert_eq!(added, b.add_vendors(3, now));
        assert_eq!(a.vendors.len(), 53);
        let last_before: u64 = a.vendors.keys().nth(49).copied().unwrap();
        assert!(added.iter().all(|id| id.parse::<u64>().unwrap() > last_before));
        let v = &a.vendors[&added[0].parse::<u64>().unwrap()];
        assert_eq!((v.date_created, v.last_modified), (now, now));
        assert_eq!(v.entity_id, "V00051");

        let modified = a.modify_vendors(5, now);
        assert_eq!(modified, b.modify_vendors(5, now));
        assert_eq!(modified.len(), 5);
        assert_eq!(a.vendor_list(), b.vendor_list());
        for id in &modified {
            let v = &a.vendors[&id.parse::<u64>().unwrap()];
            assert_eq!(v.last_modified, now);
            assert!(v.email.as_deref().unwrap().starts_with("payables."));
        }
        assert_eq!(a.modify_vendors(1000, now).len(), 53);
    }

    #[test]
    fn transactions_add_and_modify_deterministically() {
        let spec = AccountSpec::new(AccountId::parse("1234567_SB1").unwrap(), 9)
            .with_vendors(20)
            .with_employees(5)
            .with_transactions(100)
            .with_expense_reports(20);
        let anchor = DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let now = DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z").unwrap().with_timezone(&Utc);
        let (mut a, mut b) = (AccountState::generate(spec.clone(), anchor, 5), AccountState::generate(spec, anchor, 5));
        assert_eq!(a.txns.len(), 120);
        let vendor = a.vendors.keys().next().unwrap().to_string();
        let new = NewTransaction::new(
            TransactionKind::PurchaseOrder,
            vendor.clone(),
            now.date_naive(),
            rust_decimal::Decimal::new(99_999, 2),
        );
        let id = a.add_transaction(&new, now).unwrap();
        assert_eq!(Ok(id.clone()), b.add_transaction(&new, now));
        let t = a.sim_transaction(a.txns.last().unwrap());
        assert_eq!((t.internal_id, t.total.to_string(), t.lines, t.created), (id, "999.99".to_string(), 1, now));
        assert!(t.tran_id.starts_with("PO"));
        let to_employee = NewTransaction { type_enum: "expenseReport".into(), ..new.clone() };
        assert_eq!(a.add_transaction(&to_employee, now), Err(NewTxnError::UnknownEntity));
        let invoice = NewTransaction { type_enum: "_invoice".into(), ..new.clone() };
        assert_eq!(a.add_transaction(&invoice, now), Err(NewTxnError::UnknownType));
        let zero = NewTransaction { total: rust_decimal::Decimal::ZERO, ..new };
        assert_eq!(a.add_transaction(&zero, now), Err(NewTxnError::BadTotal));

        let changed = a.modify_transactions(10, now);
        assert_eq!(changed, b.modify_transactions(10, now));
        assert_eq!(a.transaction_list(), b.transaction_list());
        for t in a.transaction_list().iter().filter(|t| changed.contains(&t.internal_id)) {
            assert_eq!(t.last_modified, now);
            assert_eq!(t.line_amounts.iter().copied().sum::<rust_decimal::Decimal>(), t.total);
        }
    }

    #[test]
    fn employees_add_and_modify_deterministically() {
        let spec = AccountSpec::new(AccountId::parse("1234567_SB1").unwrap(), 9)
            .with_departments(15)
            .with_employees(120)
            .with_expense_reports(40);
        let anchor = DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let now = DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z").unwrap().with_timezone(&Utc);
        let (mut a, mut b) = (AccountState::generate(spec.clone(), anchor, 5), AccountState::generate(spec, anchor, 5));
        assert_eq!(a.department_table.len(), 15);
        let added = a.add_employees(4, now);
        assert_eq!(added, b.add_employees(4, now));
        assert_eq!(a.employees.last().map(|e| e.entity_id.as_str()), Some("EMP0124"));
        assert_eq!(a.modify_employees(30, now), b.modify_employees(30, now));
        assert_eq!(a.employees, b.employees);
        // Expense reports of employees added later name their department.
        let e = a.employees.last().unwrap().clone();
        let new = NewTransaction::new(
            TransactionKind::ExpenseReport,
            e.internal_id.clone(),
            now.date_naive(),
            rust_decimal::Decimal::new(4_200, 2),
        );
        a.add_transaction(&new, now).unwrap();
        let t = a.sim_transaction(a.txns.last().unwrap());
        assert_eq!((t.entity_id, t.department), (e.internal_id.clone(), Some(e.department.clone())));
        assert!(a.departments.iter().any(|d| d.internal_id == e.department.internal_id));
    }

    #[test]
    fn credentials_match_the_account() {
        let s = state();
        let c = s.credentials();
        assert_eq!(c.account.as_str(), "1234567_SB1");
    }
}
