//! Errors of the simulator's control API (the calls tests make, not the SOAP answers).

use crate::netsuite::AccountId;

/// Why a control call on the simulator failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// No account with this id is hosted.
    #[error("the simulator hosts no account {0}")]
    UnknownAccount(AccountId),
    /// An account with this id is already hosted.
    #[error("the simulator already hosts account {0}")]
    DuplicateAccount(AccountId),
}
