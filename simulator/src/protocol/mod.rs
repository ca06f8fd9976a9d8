//! The SOAP protocol over the model: reading requests (`request.rs`, `fields.rs`), checking
//! passports (`auth.rs`), the searches and their criteria (`search_spec.rs`, `*_search.rs`,
//! `search.rs`), searchIds (`sessions.rs`), `getDeleted` (`get_deleted.rs`), and writing answers
//! (`write.rs`, `respond*.rs`).

pub(crate) mod auth;
pub(crate) mod employee_search;
pub(crate) mod expense_category_search;
pub(crate) mod fields;
pub(crate) mod get_deleted;
pub(crate) mod request;
pub(crate) mod respond;
pub(crate) mod respond_deleted;
pub(crate) mod respond_org;
pub(crate) mod respond_tx;
pub(crate) mod search;
pub(crate) mod search_spec;
pub(crate) mod sessions;
pub(crate) mod transaction_search;
pub(crate) mod vendor_search;
pub(crate) mod write;
