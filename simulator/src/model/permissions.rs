//! The role a simulated account's token runs as: a set of NetSuite permissions.

use std::collections::BTreeSet;
use std::fmt;

/// A NetSuite role permission the simulator checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Lists -> Vendors: needed for vendor searches.
    Vendors,
    /// Transactions -> Bills.
    Bills,
    /// Transactions -> Purchase Order.
    PurchaseOrder,
    /// Transactions -> Find Transaction.
    FindTransaction,
    /// Transactions -> Credit Card.
    CreditCard,
    /// Transactions -> Expense Report.
    ExpenseReport,
    /// Lists -> Expense Categories: needed for expense category searches.
    ExpenseCategories,
    /// Lists -> Employee Record: needed for employee searches.
    EmployeeRecord,
    /// Lists -> Departments: needed for department searches.
    Departments,
    /// Setup -> SOAP Web Services: without it every request fails to log in.
    SoapWebServices,
    /// Setup -> REST Web Services: without it every SuiteQL request fails to log in.
    RestWebServices,
}

impl Permission {
    /// Every permission, in declaration order.
    pub const ALL: [Permission; 11] = [
        Permission::Vendors,
        Permission::Bills,
        Permission::PurchaseOrder,
        Permission::FindTransaction,
        Permission::CreditCard,
        Permission::ExpenseReport,
        Permission::ExpenseCategories,
        Permission::EmployeeRecord,
        Permission::Departments,
        Permission::SoapWebServices,
        Permission::RestWebServices,
    ];

    /// The permission as NetSuite names it in messages (`Lists -> Vendors`).
    pub fn label(self) -> &'static str {
        match self {
            Permission::Vendors => "Lists -> Vendors",
            Permission::Bills => "Transactions -> Bills",
            Permission::PurchaseOrder => "Transactions -> Purchase Order",
            Permission::FindTransaction => "Transactions -> Find Transaction",
            Permission::CreditCard => "Transactions -> Credit Card",
            Permission::ExpenseReport => "Transactions -> Expense Report",
            Permission::ExpenseCategories => "Lists -> Expense Categories",
            Permission::EmployeeRecord => "Lists -> Employee Record",
            Permission::Departments => "Lists -> Departments",
            Permission::SoapWebServices => "Setup -> SOAP Web Services",
            Permission::RestWebServices => "Setup -> REST Web Services",
        }
    }

    /// The `INSUFFICIENT_PERMISSION` message NetSuite sends when this permission is missing
    /// (wording, double space included, from a captured `getAll` response).
    pub fn violation_message(self) -> String {
        format!(
            "Permission Violation: You need  the '{}' permission to access this page. Please contact your account administrator.",
            self.label()
        )
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The permissions of a role. The default grants everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionSet(BTreeSet<Permission>);

impl PermissionSet {
    /// Every permission.
    pub fn all() -> Self {
        Self(Permission::ALL.into_iter().collect())
    }

    /// No permission at all (every request then fails to log in).
    pub fn none() -> Self {
        Self(BTreeSet::new())
    }

    /// This set with `p` removed.
    pub fn without(mut self, p: Permission) -> Self {
        self.0.remove(&p);
        self
    }

    /// This set with `p` added.
    pub fn with(mut self, p: Permission) -> Self {
        self.0.insert(p);
        self
    }

    /// Whether `p` is granted.
    pub fn contains(&self, p: Permission) -> bool {
        self.0.contains(&p)
    }

    /// The granted permissions, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.0.iter().copied()
    }
}

impl Default for PermissionSet {
    fn default() -> Self {
        Self::all()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_grants_all_and_without_removes() {
        let set = PermissionSet::default().without(Permission::Vendors);
        assert!(!set.contains(Permission::Vendors));
        assert!(set.contains(Permission::SoapWebServices));
        assert_eq!(set.iter().count(), Permission::ALL.len() - 1);
        assert_eq!(
            Permission::Vendors.violation_message(),
            "Permission Violation: You need  the 'Lists -> Vendors' permission to access this page. Please contact your account administrator."
        );
    }
}
