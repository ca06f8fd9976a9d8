//! Errors of the simulator's control API (the calls tests make, not the SOAP answers).

use crate::basics::account_id::AccountId;
use crate::model::graveyard::SimRecordType;

/// Why a control call on the simulator failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// No account with this id is hosted.
    #[error("the simulator hosts no account {0}")]
    UnknownAccount(AccountId),
    /// An account with this id is already hosted.
    #[error("the simulator already hosts account {0}")]
    DuplicateAccount(AccountId),
    /// A new transaction names an entity the account does not have: no vendor with this
    /// internal id (no employee, for an expense report).
    #[error("account {account} has no {entity_kind} with internal id {id}")]
    UnknownEntity {
        /// The account.
        account: AccountId,
        /// `vendor` or `employee`.
        entity_kind: &'static str,
        /// The internal id given.
        id: String,
    },
    /// A new transaction's type is not one the simulator generates.
    #[error("the simulator does not generate transactions of type {0:?}")]
    UnknownTransactionType(String),
    /// A new transaction's total is not positive or has more than two decimal places.
    #[error("invalid transaction total {0}: it must be positive with at most two decimal places")]
    InvalidTotal(String),
    /// No live record of this type has this internal id (to delete, corrupt...).
    #[error("account {account} has no {} with internal id {id}", record_type.as_str())]
    UnknownRecord {
        /// The account.
        account: AccountId,
        /// The record type asked for.
        record_type: SimRecordType,
        /// The internal id given.
        id: String,
    },
    /// No deleted record of this type has this internal id (to restore).
    #[error("account {account} has no deleted {} with internal id {id}", record_type.as_str())]
    NotDeleted {
        /// The account.
        account: AccountId,
        /// The record type asked for.
        record_type: SimRecordType,
        /// The internal id given.
        id: String,
    },
}
