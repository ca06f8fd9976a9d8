//! What to pull and when: the entities, their search queries, full versus delta, and the
//! paging loops that commit each page together with its cursor: SOAP's (`pull.rs`) and
//! SuiteQL's keyset pull (`keyset.rs`, with each entity's SuiteQL in `ql.rs`). Calls the wire
//! (`netsuite::Client`) and the store; writes no SQL itself.

pub mod check;
pub mod entity;
pub mod keyset;
pub mod pull;
pub mod ql;
pub mod run;

pub use check::{check_tenant, Access, CheckReport, ProbeRow};
pub use entity::{
    enabled_entities, CardSpend, Category, Costs, Departments, Employees, Entity, EntitySpec, ExpenseCategories,
    Invoices, Vendors,
};
pub use pull::{pull_entity, PullContext, SyncError};
pub use run::{sync_tenant, sync_tenant_with, RunSummary, SyncControl};
