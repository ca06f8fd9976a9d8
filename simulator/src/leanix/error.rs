//! Errors of the simulator's control API.

/// What a control call on the LeanIX simulator can fail with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LeanixSimError {
    /// No run has this id.
    #[error("no synchronization run with id {0}")]
    UnknownRun(String),
}
