//! The simulator's control API: what tests call to shape accounts, faults and governance,
//! and to read back ground truth and the request log.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::account::{default_anchor, AccountSpec, AccountState};

use crate::basics::account_id::AccountId;
use crate::basics::log::LoggedRequest;
use crate::basics::tba::Credentials;
use crate::http::state::Simulator;
use crate::model::corruption::Corruption;
use crate::model::error::SimError;
use crate::model::faults::{FaultTarget, InjectedFault};
use crate::model::generate_tx::NewTxnError;
use crate::model::graveyard::{SimDeletion, SimRecordType};
use crate::model::org::{SimDepartment, SimEmployee};
use crate::model::paging_faults::PagingFault;
use crate::model::permissions::PermissionSet;
use crate::model::records::SimVendor;
use crate::model::transactions::{NewTransaction, SimExpenseCategory, SimTransaction, TransactionKind};

impl Simulator {
    /// Runs `f` on a hosted account's state, under the lock.
    fn with_account<T>(&self, account: &AccountId, f: impl FnOnce(&mut AccountState) -> T) -> Result<T, SimError> {
        let mut st = self.lock();
        let a = st.accounts.get_mut(account).ok_or_else(|| SimError::UnknownAccount(account.clone()))?;
        Ok(f(a))
    }

    /// Hosts a new account generated from `spec`.
    pub fn add_account(&self, spec: AccountSpec) -> Result<(), SimError> {
        let id = spec.account_id.clone();
        let anchor = default_anchor(self.inner.clock.now());
        let mut st = self.lock();
        if st.accounts.contains_key(&id) {
            return Err(SimError::DuplicateAccount(id));
        }
        let state = AccountState::generate(spec, anchor, self.inner.default_limit);
        st.accounts.insert(id, state);
        Ok(())
    }

    /// The hosted accounts, sorted.
    pub fn accounts(&self) -> Vec<AccountId> {
        let mut ids: Vec<AccountId> = self.lock().accounts.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The TBA credentials of `account` (deterministic from its seed and id).
    pub fn credentials(&self, account: &AccountId) -> Result<Credentials, SimError> {
        self.with_account(account, |a| a.credentials())
    }

    /// The account's vendors now, in internal-id order: the ground truth.
    pub fn vendors(&self, account: &AccountId) -> Result<Vec<SimVendor>, SimError> {
        self.with_account(account, |a| a.vendor_list())
    }

    /// Adds `n` vendors created and last modified now (simulator clock, whole seconds);
    /// returns their internal ids.
    pub fn add_vendors(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.add_vendors(n, now))
    }

    /// Modifies `n` existing vendors (a deterministic choice): new email, every other one a
    /// new company name, last modified now. Returns their internal ids, ascending.
    pub fn modify_vendors(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.modify_vendors(n, now))
    }

    /// Changes `n` vendors as [`Simulator::modify_vendors`] does (new email, every other one
    /// a new company name) without touching their `lastModifiedDate`: a delta cannot see the
    /// change, a full pull can. Returns their internal ids, ascending.
    pub fn modify_vendors_silently(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.modify_vendors_silently(n, now))
    }

    /// Changes `n` transactions as [`Simulator::modify_transactions`] does (memo, first-line
    /// amount, total) without touching their `lastModifiedDate`. Returns their internal ids,
    /// ascending.
    pub fn modify_transactions_silently(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.modify_transactions_silently(n, now))
    }

    /// Changes `n` employees as [`Simulator::modify_employees`] does without touching their
    /// `lastModifiedDate`. Returns their internal ids, ascending.
    pub fn modify_employees_silently(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.modify_employees_silently(n, now))
    }

    /// The account's transactions of every kind now, in internal-id order: the ground truth.
    pub fn transactions(&self, account: &AccountId) -> Result<Vec<SimTransaction>, SimError> {
        self.with_account(account, |a| a.transaction_list())
    }

    /// The account's employees now, in internal-id order: the ground truth.
    pub fn employees(&self, account: &AccountId) -> Result<Vec<SimEmployee>, SimError> {
        self.with_account(account, |a| a.employees.clone())
    }

    /// The account's departments, in internal-id order (parents before children): the
    /// ground truth. Empty for an account generated without departments.
    pub fn departments(&self, account: &AccountId) -> Result<Vec<SimDepartment>, SimError> {
        self.with_account(account, |a| a.departments.clone())
    }

    /// Adds `n` employees created, last modified and hired now (simulator clock, whole
    /// seconds), with internal ids above every other employee's and the next entity numbers.
    /// Each joins a department (mostly active ones) and reports to its head. Returns their
    /// internal ids.
    pub fn add_employees(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.add_employees(n, now))
    }

    /// Modifies `n` existing employees (a deterministic choice), last modified now. In
    /// ascending id order, the 1st, 4th, 7th... chosen leave (inactive, `Terminated`,
    /// released today) if they are active and supervise nobody; the 2nd, 5th, 8th... move to
    /// another department, reporting to its head, if they supervise nobody; the others, and
    /// those these rules skip, are promoted (new title) or, if they supervise someone, get a
    /// new email. Supervisors stay a tree of active employees. Returns their internal ids,
    /// ascending.
    pub fn modify_employees(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.modify_employees(n, now))
    }

    /// The account's expense categories, in internal-id order.
    pub fn expense_categories(&self, account: &AccountId) -> Result<Vec<SimExpenseCategory>, SimError> {
        self.with_account(account, |a| a.categories.as_ref().clone())
    }

    /// Adds a transaction with one line carrying the whole total, created and last modified
    /// now (simulator clock, whole seconds); its internal id is above every other
    /// transaction's. Returns that id. Fails if the type is not one the simulator generates,
    /// the entity is not a vendor of the account (an employee, for an expense report), or
    /// the total is not a positive amount with at most two decimal places.
    pub fn add_transaction(&self, account: &AccountId, new: NewTransaction) -> Result<String, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.add_transaction(&new, now))?.map_err(|e| match e {
            NewTxnError::UnknownEntity => SimError::UnknownEntity {
                account: account.clone(),
                entity_kind: if new.kind().is_some_and(|k| !k.is_vendor_side()) { "employee" } else { "vendor" },
                id: new.entity_id.clone(),
            },
            NewTxnError::BadTotal => SimError::InvalidTotal(new.total.to_string()),
            NewTxnError::UnknownType => SimError::UnknownTransactionType(new.type_enum.clone()),
        })
    }

    /// Modifies `n` existing transactions (a deterministic choice): a new memo and a new
    /// amount on the first line, the total following, last modified now. Returns their
    /// internal ids, ascending.
    pub fn modify_transactions(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.modify_transactions(n, now))
    }

    /// Deletes `n` vendors (a deterministic choice; all of them if there are fewer), logging
    /// each with `deletedDate` now (simulator clock, whole seconds). Their transactions stay
    /// and name them without a name. Returns their internal ids, ascending.
    pub fn delete_vendors(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        self.delete_some(account, SimRecordType::Vendor, n)
    }

    /// Deletes `n` transactions of `kind` (a deterministic choice), logging each as its
    /// `DeletedRecordType` (`vendorBill`, `expenseReport`...) with `deletedDate` now. Returns
    /// their internal ids, ascending.
    pub fn delete_transactions(
        &self,
        account: &AccountId,
        kind: TransactionKind,
        n: usize,
    ) -> Result<Vec<String>, SimError> {
        self.delete_some(account, SimRecordType::of_transaction(kind), n)
    }

    /// Deletes `n` employees who supervise nobody (a deterministic choice), logging each with
    /// `deletedDate` now. Their expense reports stay. Returns their internal ids, ascending.
    pub fn delete_employees(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        self.delete_some(account, SimRecordType::Employee, n)
    }

    /// Deletes `n` departments without child departments (a deterministic choice). Not
    /// logged: 2017_2's `getDeleted` cannot report departments. Returns their internal ids,
    /// ascending.
    pub fn delete_departments(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        self.delete_some(account, SimRecordType::Department, n)
    }

    /// Deletes `n` expense categories (a deterministic choice). Not logged: 2017_2's
    /// `getDeleted` cannot report expense categories. Returns their internal ids, ascending.
    pub fn delete_expense_categories(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        self.delete_some(account, SimRecordType::ExpenseCategory, n)
    }

    fn delete_some(&self, account: &AccountId, ty: SimRecordType, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.delete_some(ty, n, now))
    }

    /// Deletes the live record of `record_type` with `internal_id` (any of them, a supervisor
    /// or a parent department too), logged when the type is a `DeletedRecordType`.
    pub fn delete_record(
        &self,
        account: &AccountId,
        record_type: SimRecordType,
        internal_id: &str,
    ) -> Result<(), SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.delete_one(record_type, internal_id, now))?
            .map_err(|_| SimError::UnknownRecord { account: account.clone(), record_type, id: internal_id.to_string() })
    }

    /// Brings a deleted record back live, last modified now (for the types with a
    /// `lastModifiedDate`). Its entry in the deletion log stays.
    pub fn restore_deleted(
        &self,
        account: &AccountId,
        record_type: SimRecordType,
        internal_id: &str,
    ) -> Result<(), SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.restore(record_type, internal_id, now))?.map_err(|_| SimError::NotDeleted {
            account: account.clone(),
            record_type,
            id: internal_id.to_string(),
        })
    }

    /// The account's deletion log, oldest first: what `getDeleted` reports (to a role that
    /// may see every type).
    pub fn deletions(&self, account: &AccountId) -> Result<Vec<SimDeletion>, SimError> {
        self.with_account(account, |a| a.graveyard.log.clone())
    }

    /// Marks a live record corrupt: every search page that shows it writes it broken as
    /// `corruption` says (several corruptions of one record add up), until
    /// [`Simulator::uncorrupt_record`] or [`Simulator::clear_corruptions`]. The ground truth is
    /// unchanged. Fails if the account has no live record of that type and id.
    pub fn corrupt_record(
        &self,
        account: &AccountId,
        record_type: SimRecordType,
        internal_id: &str,
        corruption: Corruption,
    ) -> Result<(), SimError> {
        let found = self.with_account(account, |a| {
            let found = a.has_record(record_type, internal_id);
            if found {
                a.corruptions.entry((record_type, internal_id.to_string())).or_default().push(corruption);
            }
            found
        })?;
        if found {
            Ok(())
        } else {
            Err(SimError::UnknownRecord { account: account.clone(), record_type, id: internal_id.to_string() })
        }
    }

    /// Writes the record whole again (whether it was corrupt or not).
    pub fn uncorrupt_record(
        &self,
        account: &AccountId,
        record_type: SimRecordType,
        internal_id: &str,
    ) -> Result<(), SimError> {
        self.with_account(account, |a| {
            a.corruptions.remove(&(record_type, internal_id.to_string()));
        })
    }

    /// Writes every record of the account whole again.
    pub fn clear_corruptions(&self, account: &AccountId) -> Result<(), SimError> {
        self.with_account(account, |a| a.corruptions.clear())
    }

    /// Replaces the role's permissions.
    pub fn set_permissions(&self, account: &AccountId, permissions: PermissionSet) -> Result<(), SimError> {
        self.with_account(account, |a| a.permissions = permissions)
    }

    /// The role's permissions.
    pub fn permissions(&self, account: &AccountId) -> Result<PermissionSet, SimError> {
        self.with_account(account, |a| a.permissions.clone())
    }

    /// Sets the account's in-flight request limit (0: none).
    pub fn set_concurrency_limit(&self, account: &AccountId, limit: usize) -> Result<(), SimError> {
        self.with_account(account, |a| a.concurrency_limit = limit)
    }

    /// The most requests of `account` in flight at once so far, counting those blocked for
    /// being over the limit.
    pub fn peak_in_flight(&self, account: &AccountId) -> Result<usize, SimError> {
        self.with_account(account, |a| a.peak_in_flight)
    }

    /// Requests of `account` in flight now.
    pub fn in_flight(&self, account: &AccountId) -> Result<usize, SimError> {
        self.with_account(account, |a| a.in_flight)
    }

    /// Sets the peak back to the number in flight now.
    pub fn reset_peak_in_flight(&self, account: &AccountId) -> Result<(), SimError> {
        self.with_account(account, |a| a.peak_in_flight = a.in_flight)
    }

    /// Sets the latency of every authenticated request.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Sets the paging faults of `account` (replacing earlier ones): every `search`,
    /// `searchMoreWithId` and `getDeleted` answer of the account follows them until
    /// [`Simulator::clear_paging_faults`]. An account not hosted is ignored (with a warning).
    pub fn set_paging_faults(&self, account: &AccountId, faults: Vec<PagingFault>) {
        if self.with_account(account, |a| a.paging_faults = faults).is_err() {
            tracing::warn!(%account, "simulator: paging faults for an account not hosted are ignored");
        }
    }

    /// Switches off every paging fault of `account`.
    pub fn clear_paging_faults(&self, account: &AccountId) {
        let _ = self.with_account(account, |a| a.paging_faults.clear());
    }

    /// The paging faults `account` answers with now (empty for an account not hosted).
    pub fn paging_faults(&self, account: &AccountId) -> Vec<PagingFault> {
        self.with_account(account, |a| a.paging_faults.clone()).unwrap_or_default()
    }

    /// Queues faults for the next authenticated requests of `target`, in order.
    pub fn push_faults(&self, target: impl Into<FaultTarget>, faults: Vec<InjectedFault>) {
        self.lock().faults.push(target.into(), faults);
    }

    /// Sets per-request fault probabilities (replacing earlier ones), drawn from the seeded
    /// generator after the scripted faults run out.
    pub fn set_fault_rates(&self, rates: Vec<(InjectedFault, f64)>) {
        self.lock().faults.set_rates(rates);
    }

    /// Drops every scripted fault and rate.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Scripted faults not used yet.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.pending()
    }

    /// The request log, oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.lock().log.iter().cloned().collect()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.lock().log.clear();
    }

    /// Turns logging of request and response bodies on or off.
    pub fn set_record_bodies(&self, on: bool) {
        self.lock().record_bodies = on;
    }

    /// The simulator clock's time.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Moves the simulator clock forward (searchIds age, new records get later times).
    /// Passport timestamps are still checked against real time.
    pub fn advance_clock(&self, by: Duration) {
        self.inner.clock.advance(by);
    }
}
