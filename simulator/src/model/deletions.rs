//! Deleting records from a simulated account, the deletion log `getDeleted` answers from,
//! and bringing deleted records back.
//!
//! A deleted record leaves the account's live records at once, so no search and no
//! ground-truth list shows it; it is kept aside so that it can be restored. Deleting a
//! vendor, a transaction or an employee writes an entry in the account's deletion log (the
//! record's 2017_2 `DeletedRecordType`, its internal id and name, and `deletedDate`: the
//! simulator clock, whole seconds). Departments and expense categories can be deleted too,
//! but 2017_2's `getDeleted` cannot report them (`DeletedRecordType` has no such values), so
//! they are not logged. A restored record is live again (its `lastModifiedDate`, when it has
//! one, is now); its log entry stays. Internal ids of deleted records are never given to new
//! records.
//!
//! Choices made where NetSuite refuses deletions the simulator does not model: the records
//! chosen by [`AccountState::delete_some`] are employees who supervise nobody and departments
//! without child departments, so the supervisor tree and the hierarchy stay whole; records
//! that referenced a deleted record (transactions of a deleted vendor, lines of a deleted
//! category) keep the reference, written without a name.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::seq::index;

use crate::model::account::AccountState;
use crate::model::graveyard::{num, NotFound, SimDeletion, SimRecordType};

impl AccountState {
    /// Deletes `n` records of type `ty` chosen deterministically (all of them if there are
    /// fewer): any vendor or transaction of the type, employees who supervise nobody,
    /// departments without children. Returns their internal ids, ascending.
    pub(crate) fn delete_some(&mut self, ty: SimRecordType, n: usize, now: DateTime<Utc>) -> Vec<String> {
        let candidates: Vec<String> = match ty {
            SimRecordType::Vendor => self.vendors.values().map(|v| v.internal_id.clone()).collect(),
            SimRecordType::Employee => {
                let bosses: std::collections::HashSet<&str> =
                    self.employees.iter().filter_map(|e| e.supervisor_id.as_deref()).collect();
                self.employees
                    .iter()
                    .filter(|e| !bosses.contains(e.internal_id.as_str()))
                    .map(|e| e.internal_id.clone())
                    .collect()
            }
            SimRecordType::Department => {
                let parents: std::collections::HashSet<&str> =
                    self.departments.iter().filter_map(|d| d.parent_id.as_deref()).collect();
                self.departments
                    .iter()
                    .filter(|d| !parents.contains(d.internal_id.as_str()))
                    .map(|d| d.internal_id.clone())
                    .collect()
            }
            SimRecordType::ExpenseCategory => self.categories.iter().map(|c| c.internal_id.clone()).collect(),
            t => {
                let kind = t.transaction_kind();
                self.txns_of(t).iter().filter(|x| Some(x.kind) == kind).map(|x| x.id.to_string()).collect()
            }
        };
        let mut rng = self.mutation_rng(&format!("delete_{}", ty.as_str()));
        let amount = n.min(candidates.len());
        let mut chosen: Vec<String> =
            index::sample(&mut rng, candidates.len(), amount).into_iter().map(|i| candidates[i].clone()).collect();
        chosen.sort_by_key(|id| num(id));
        for id in &chosen {
            let _ = self.delete_one(ty, id, now);
        }
        chosen
    }

    /// Deletes the live record of type `ty` with internal id `id`, logging it when `ty` is a
    /// `DeletedRecordType`.
    pub(crate) fn delete_one(&mut self, ty: SimRecordType, id: &str, now: DateTime<Utc>) -> Result<(), NotFound> {
        let key = num(id);
        let name = match ty {
            SimRecordType::Vendor => {
                let v = self.vendors.remove(&key).ok_or(NotFound::Record)?;
                let name = v.company_name.clone();
                self.graveyard.vendors.insert(key, v);
                name
            }
            SimRecordType::Employee => {
                let i = self.employees.iter().position(|e| e.internal_id == id).ok_or(NotFound::Record)?;
                let e = self.employees.remove(i);
                let name = e.display_name();
                self.graveyard.employees.insert(key, e);
                name
            }
            SimRecordType::Department => {
                let i = self.departments.iter().position(|d| d.internal_id == id).ok_or(NotFound::Record)?;
                let d = self.departments.remove(i);
                let name = d.name.clone();
                self.graveyard.departments.insert(key, d);
                name
            }
            SimRecordType::ExpenseCategory => {
                let i = self.categories.iter().position(|c| c.internal_id == id).ok_or(NotFound::Record)?;
                let c = Arc::make_mut(&mut self.categories).remove(i);
                let name = c.name.clone();
                self.graveyard.categories.insert(key, c);
                name
            }
            t => {
                let kind = t.transaction_kind();
                let list = self.txns_of_mut(t);
                let i = list.iter().position(|x| x.id == key && Some(x.kind) == kind).ok_or(NotFound::Record)?;
                let x = list.remove(i);
                let name = x.tran_id();
                self.graveyard.txns.insert(key, x);
                name
            }
        };
        if ty.is_logged() {
            self.graveyard.log.push(SimDeletion {
                record_type: ty,
                internal_id: id.to_string(),
                name,
                deleted_at: now,
            });
        }
        Ok(())
    }

    /// Brings the deleted record of type `ty` with internal id `id` back, last modified at
    /// `now` (for the types that have a `lastModifiedDate`). Its log entry stays.
    pub(crate) fn restore(&mut self, ty: SimRecordType, id: &str, now: DateTime<Utc>) -> Result<(), NotFound> {
        let key = num(id);
        let g = &mut self.graveyard;
        match ty {
            SimRecordType::Vendor => {
                let mut v = g.vendors.remove(&key).ok_or(NotFound::Record)?;
                v.last_modified = now.max(v.date_created);
                self.vendors.insert(key, v);
            }
            SimRecordType::Employee => {
                let mut e = g.employees.remove(&key).ok_or(NotFound::Record)?;
                e.last_modified = now.max(e.date_created);
                let at = self.employees.partition_point(|x| num(&x.internal_id) < key);
                self.employees.insert(at, e);
            }
            SimRecordType::Department => {
                let d = g.departments.remove(&key).ok_or(NotFound::Record)?;
                let at = self.departments.partition_point(|x| num(&x.internal_id) < key);
                self.departments.insert(at, d);
            }
            SimRecordType::ExpenseCategory => {
                let c = g.categories.remove(&key).ok_or(NotFound::Record)?;
                let list = Arc::make_mut(&mut self.categories);
                let at = list.partition_point(|x| num(&x.internal_id) < key);
                list.insert(at, c);
            }
            t => {
                let kind = t.transaction_kind();
                if g.txns.get(&key).map(|x| Some(x.kind)) != Some(kind) {
                    return Err(NotFound::Record);
                }
                let mut x = g.txns.remove(&key).ok_or(NotFound::Record)?;
                x.last_modified = now.max(x.created);
                let list = self.txns_of_mut(t);
                let at = list.partition_point(|y| y.id < key);
                list.insert(at, x);
            }
        }
        Ok(())
    }

    /// The highest transaction internal id ever given (card transactions and deleted ones
    /// included).
    pub(crate) fn max_txn_id(&self) -> Option<u64> {
        let live = self.txns.last().map(|t| t.id);
        let cards = self.cards.last().map(|t| t.id);
        live.into_iter().chain(cards).chain(self.graveyard.txns.keys().next_back().copied()).max()
    }

    /// The live list holding transactions of record type `t`: `cards` for the card types,
    /// `txns` for the others.
    fn txns_of(&self, t: SimRecordType) -> &Vec<crate::model::transactions::Txn> {
        if t.transaction_kind().is_some_and(|k| k.is_card()) {
            &self.cards
        } else {
            &self.txns
        }
    }

    fn txns_of_mut(&mut self, t: SimRecordType) -> &mut Vec<crate::model::transactions::Txn> {
        if t.transaction_kind().is_some_and(|k| k.is_card()) {
            &mut self.cards
        } else {
            &mut self.txns
        }
    }

    /// The highest deleted employee id (added employees get ids above it).
    pub(crate) fn max_deleted_employee_id(&self) -> Option<u64> {
        self.graveyard.employees.keys().next_back().copied()
    }

    /// The highest deleted vendor id (added vendors get ids above it).
    pub(crate) fn max_deleted_vendor_id(&self) -> Option<u64> {
        self.graveyard.vendors.keys().next_back().copied()
    }
}

impl AccountState {
    /// Whether a live record of type `ty` has internal id `id`.
    pub(crate) fn has_record(&self, ty: SimRecordType, id: &str) -> bool {
        match ty {
            SimRecordType::Vendor => id.parse::<u64>().is_ok_and(|k| self.vendors.contains_key(&k)),
            SimRecordType::Employee => self.employees.iter().any(|e| e.internal_id == id),
            SimRecordType::Department => self.departments.iter().any(|d| d.internal_id == id),
            SimRecordType::ExpenseCategory => self.categories.iter().any(|c| c.internal_id == id),
            t => {
                let kind = t.transaction_kind();
                self.txns_of(t).iter().any(|x| x.id.to_string() == id && Some(x.kind) == kind)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::account_id::AccountId;
    use crate::model::account::AccountSpec;
    use crate::model::permissions::Permission;
    use crate::model::transactions::TransactionKind;

    fn state() -> AccountState {
        let spec = AccountSpec::new(AccountId::parse("1234567_SB1").unwrap(), 9)
            .with_vendors(40)
            .with_departments(12)
            .with_employees(30)
            .with_transactions(80)
            .with_expense_reports(20);
        let anchor = DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc);
        AccountState::generate(spec, anchor, 5)
    }

    #[test]
    fn deleting_logs_and_restoring_brings_back() {
        let now = DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z").unwrap().with_timezone(&Utc);
        let (mut a, mut b) = (state(), state());
        let gone = a.delete_some(SimRecordType::Vendor, 3, now);
        assert_eq!(gone, b.delete_some(SimRecordType::Vendor, 3, now), "deterministic");
        assert_eq!(a.vendors.len(), 37);
        let bills = a.delete_some(SimRecordType::VendorBill, 2, now);
        assert_eq!(bills.len(), 2);
        assert!(a.txns.iter().all(|t| !bills.contains(&t.id.to_string())));
        let depts = a.delete_some(SimRecordType::Department, 2, now);
        assert_eq!(depts.len(), 2);
        let emps = a.delete_some(SimRecordType::Employee, 2, now);
        assert!(a.employees.iter().all(|e| e.supervisor_id.as_ref().map_or(true, |s| !emps.contains(s))));
        let logged: Vec<&str> = a.graveyard.log.iter().map(|d| d.record_type.as_str()).collect();
        assert_eq!(logged, ["vendor", "vendor", "vendor", "vendorBill", "vendorBill", "employee", "employee"]);
        assert!(a.graveyard.log.iter().all(|d| d.deleted_at == now && !d.name.is_empty()));

        // Wrong type, or not live: refused.
        assert_eq!(a.delete_one(SimRecordType::Check, &bills[0], now), Err(NotFound::Record));
        assert_eq!(a.delete_one(SimRecordType::Vendor, &gone[0], now), Err(NotFound::Record));
        assert_eq!(a.restore(SimRecordType::Check, &bills[0], now), Err(NotFound::Record));

        let later = now + chrono::TimeDelta::hours(1);
        a.restore(SimRecordType::Vendor, &gone[1], later).unwrap();
        a.restore(SimRecordType::VendorBill, &bills[0], later).unwrap();
        a.restore(SimRecordType::Department, &depts[0], later).unwrap();
        assert_eq!(a.vendors[&num(&gone[1])].last_modified, later);
        assert!(a.txns.windows(2).all(|w| w[0].id < w[1].id));
        assert!(a.departments.windows(2).all(|w| num(&w[0].internal_id) < num(&w[1].internal_id)));
        assert_eq!(a.graveyard.log.len(), 7, "the log keeps its entries");
        assert_eq!(a.restore(SimRecordType::Vendor, &gone[1], later), Err(NotFound::Record));
    }

    #[test]
    fn record_types_spell_the_xsd_values() {
        for t in SimRecordType::ALL {
            assert_eq!(SimRecordType::parse(t.as_str()), Some(t));
        }
        for k in TransactionKind::ALL {
            assert_eq!(SimRecordType::of_transaction(k).transaction_kind(), Some(k));
        }
        assert!(!SimRecordType::Department.is_deleted_record_type());
        assert_eq!(SimRecordType::Check.permission(), None);
        assert_eq!(SimRecordType::VendorPayment.permission(), Some(Permission::Bills));
    }
}
