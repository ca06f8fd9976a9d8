//! The simulated accounts: what an account holds (`account.rs`, `records.rs`, `org.rs`,
//! `transactions.rs`), how it is generated from a seed (`generate*.rs`), changed, deleted and
//! restored (`silent.rs`, `deletions.rs`, `graveyard.rs`), broken on purpose (`corruption.rs`,
//! `paging_faults.rs`, `faults.rs`), and what its role may see (`permissions.rs`).

pub(crate) mod account;
pub(crate) mod corruption;
pub(crate) mod deletions;
pub(crate) mod error;
pub(crate) mod faults;
pub(crate) mod generate;
pub(crate) mod generate_org;
pub(crate) mod generate_tx;
pub(crate) mod graveyard;
pub(crate) mod org;
pub(crate) mod paging_faults;
pub(crate) mod permissions;
pub(crate) mod records;
pub(crate) mod silent;
pub(crate) mod transactions;
