//! Changes that do not touch `lastModifiedDate`: the record's content changes as with the
//! ordinary mutations (`modify_vendors`...), but its `lastModifiedDate` keeps its old value,
//! as NetSuite does for some changes made behind the record's back (merges, mass updates,
//! scripts). A delta on `lastModifiedDate` cannot see them; only a full pull can.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::model::account::AccountState;

impl AccountState {
    /// Like `modify_vendors` (new email, every other one a new company name), with each
    /// vendor's `lastModifiedDate` left as it was. Returns their internal ids, ascending.
    pub(crate) fn modify_vendors_silently(&mut self, n: usize, now: DateTime<Utc>) -> Vec<String> {
        let before: HashMap<u64, DateTime<Utc>> = self.vendors.iter().map(|(k, v)| (*k, v.last_modified)).collect();
        let ids = self.modify_vendors(n, now);
        for (k, v) in self.vendors.iter_mut() {
            if let Some(t) = before.get(k) {
                v.last_modified = *t;
            }
        }
        ids
    }

    /// Like `modify_transactions` (new memo, new first-line amount, the total following),
    /// with `lastModifiedDate` left as it was. Returns their internal ids, ascending.
    pub(crate) fn modify_transactions_silently(&mut self, n: usize, now: DateTime<Utc>) -> Vec<String> {
        let before: HashMap<u64, DateTime<Utc>> = self.txns.iter().map(|t| (t.id, t.last_modified)).collect();
        let ids = self.modify_transactions(n, now);
        for t in &mut self.txns {
            if let Some(old) = before.get(&t.id) {
                t.last_modified = *old;
            }
        }
        ids
    }

    /// Like `modify_employees` (leave, move, promotion or new email), with
    /// `lastModifiedDate` left as it was. Returns their internal ids, ascending.
    pub(crate) fn modify_employees_silently(&mut self, n: usize, now: DateTime<Utc>) -> Vec<String> {
        let before: HashMap<String, DateTime<Utc>> =
            self.employees.iter().map(|e| (e.internal_id.clone(), e.last_modified)).collect();
        let ids = self.modify_employees(n, now);
        for e in &mut self.employees {
            if let Some(old) = before.get(&e.internal_id) {
                e.last_modified = *old;
            }
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::account_id::AccountId;
    use crate::model::account::AccountSpec;

    #[test]
    fn content_changes_and_last_modified_stays() {
        let spec = AccountSpec::new(AccountId::parse("1234567_SB1").unwrap(), 9)
            .with_vendors(30)
            .with_employees(20)
            .with_transactions(40);
        let anchor = DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let now = DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z").unwrap().with_timezone(&Utc);
        let mut a = AccountState::generate(spec, anchor, 5);
        let (vendors, txns, employees) = (a.vendor_list(), a.transaction_list(), a.employees.clone());
        let v = a.modify_vendors_silently(4, now);
        let t = a.modify_transactions_silently(4, now);
        let e = a.modify_employees_silently(4, now);
        assert_eq!((v.len(), t.len(), e.len()), (4, 4, 4));
        for (old, new) in vendors.iter().zip(a.vendor_list()) {
            assert_eq!(old.last_modified, new.last_modified);
            assert_eq!(old == &new, !v.contains(&old.internal_id), "{}", old.internal_id);
        }
        for (old, mut new) in txns.iter().zip(a.transaction_list()) {
            assert_eq!(old.last_modified, new.last_modified);
            // A vendor's new name shows on its transactions: not a change of theirs.
            new.entity_name.clone_from(&old.entity_name);
            assert_eq!(old == &new, !t.contains(&old.internal_id));
        }
        for (old, new) in employees.iter().zip(&a.employees) {
            assert_eq!(old.last_modified, new.last_modified);
            if e.contains(&old.internal_id) {
                assert_ne!(old, new);
            }
        }
    }
}
