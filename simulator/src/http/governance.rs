//! Per-account concurrency governance: a slot is held for the whole of a request (latency
//! included) and released when the request ends, however it ends.

use crate::basics::account_id::AccountId;
use crate::http::state::Simulator;

/// A request's slot in its account's concurrency limit; released on drop (also when the
/// client goes away and the handler is cancelled).
pub(crate) struct InFlight {
    sim: Simulator,
    account: AccountId,
}

/// The account is at its limit: the request is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Blocked;

impl InFlight {
    /// Takes a slot for a request of `account`. The peak counts every request that arrived,
    /// blocked ones included, so a test can tell whether a client ever went over the limit.
    pub(crate) fn admit(sim: &Simulator, account: &AccountId) -> Result<Self, Blocked> {
        let mut st = sim.lock();
        let Some(a) = st.accounts.get_mut(account) else {
            return Err(Blocked);
        };
        a.in_flight += 1;
        a.peak_in_flight = a.peak_in_flight.max(a.in_flight);
        if a.concurrency_limit > 0 && a.in_flight > a.concurrency_limit {
            a.in_flight -= 1;
            return Err(Blocked);
        }
        Ok(Self { sim: sim.clone(), account: account.clone() })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut st = self.sim.lock();
        if let Some(a) = st.accounts.get_mut(&self.account) {
            a.in_flight = a.in_flight.saturating_sub(1);
        }
    }
}
