//! The simulator handle ([`Simulator`]) and the state its clones share, behind one lock.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::basics::account_id::AccountId;
use crate::basics::clock::SimClock;
use crate::basics::log::LoggedRequest;
use crate::model::account::AccountState;
use crate::model::faults::FaultPlan;
use crate::protocol::sessions::{IdGen, Sessions};
use crate::rest::login::RestNonces;

/// Everything mutable, behind one lock that is never held across an `await`.
pub(crate) struct State {
    /// Hosted accounts.
    pub accounts: HashMap<AccountId, AccountState>,
    /// searchIds in use.
    pub sessions: Sessions,
    /// Job-id generator for searchIds and nsIds.
    pub ids: IdGen,
    /// Scripted faults and rates.
    pub faults: FaultPlan,
    /// The request log.
    pub log: VecDeque<LoggedRequest>,
    /// Latency of every authenticated request.
    pub latency: Duration,
    /// Whether bodies are logged.
    pub record_bodies: bool,
    /// SuiteQL nonces accepted per token.
    pub rest_nonces: RestNonces,
    /// Whether a SuiteQL request over the concurrency limit is answered 401 `INVALID_LOGIN`
    /// (as the sheet's S17 report saw) instead of 429.
    pub rest_overload_as_login_error: bool,
}

/// What clones of a [`Simulator`] share.
pub(crate) struct Inner {
    /// The mutable state.
    pub state: Mutex<State>,
    /// The simulator clock.
    pub clock: SimClock,
    /// Concurrency limit of accounts whose spec sets none.
    pub default_limit: usize,
    /// Allowed passport clock skew, in seconds.
    pub max_skew_secs: i64,
    /// Entries the request log keeps.
    pub log_capacity: usize,
}

/// A running NetSuite stand-in. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct Simulator {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts: Vec<AccountId> = self.lock().accounts.keys().cloned().collect();
        f.debug_struct("Simulator").field("accounts", &accounts).finish()
    }
}

impl Simulator {
    /// Locks the state (a panic elsewhere never makes the simulator unusable).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
