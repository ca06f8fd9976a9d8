//! What to pull and when: the entities, their search queries, full versus delta, and the
//! paging loop that commits each page together with its cursor. Calls the wire
//! (`netsuite::Client`) and the store; writes no SQL itself.

pub mod check;
pub mod entity;
pub mod pull;
pub mod run;

pub use check::{check_tenant, Access, CheckReport, ProbeRow};
pub use entity::{
    enabled_entities, Category, Costs, Departments, Employees, Entity, EntitySpec, ExpenseCategories, Invoices, Vendors,
};
pub use pull::{pull_entity, PullContext, SyncError};
pub use run::{sync_tenant, sync_tenant_with, RunSummary, SyncControl};
