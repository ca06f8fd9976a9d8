//! Fault injection: failures a test scripts for the next requests, or asks for at a rate.
//!
//! Faults are drawn for authenticated requests only, after the passport's nonce was used up
//! and the concurrency slot taken, and before the operation runs. A scripted fault for the
//! request's account is taken first, then one scripted for any account, then the rates are
//! rolled (one seeded draw per request).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::basics::account_id::AccountId;

/// A failure the simulator produces instead of (or, for latency, before) its answer.
#[derive(Clone, Debug, PartialEq)]
pub enum InjectedFault {
    /// A SOAP fault (HTTP 500) with `faultcode` `soapenv:Server.userException`, the message
    /// as `faultstring`, and `detail/platformFaults:<detail_name>` holding code and message.
    Soap {
        /// The detail's code, e.g. `WS_REQUEST_BLOCKED`.
        code: String,
        /// The detail element's local name, e.g. `exceededConcurrentRequestLimitFault`.
        detail_name: String,
        /// Message (also the faultstring).
        message: String,
    },
    /// The operation's result with `status isSuccess="false"` and this `statusDetail`
    /// (HTTP 200).
    StatusError {
        /// `statusDetail/code`.
        code: String,
        /// `statusDetail/message`.
        message: String,
    },
    /// This HTTP status with a short plain-text body (an invalid status becomes 500).
    Http(u16),
    /// HTTP 502 with an HTML page, as a proxy in front of NetSuite sends.
    HtmlPage,
    /// The real response (the operation runs) cut in the middle: HTTP 200 and a body that
    /// is half of the XML, with a matching Content-Length.
    Truncated,
    /// The connection closes without a response.
    DropConnection,
    /// This much extra latency, then the normal answer.
    Latency(Duration),
    /// A page before the last comes back one row short (rows moved between the pages of a
    /// search, or NetSuite's occasional short page); the last page is answered whole.
    ShortPage,
    /// The real answer labelled `Content-Encoding: gzip` but sent as it is, not compressed
    /// (a proxy that garbles compression).
    BadGzip,
}

impl InjectedFault {
    /// The concurrency-limit fault: `exceededConcurrentRequestLimitFault`,
    /// `WS_REQUEST_BLOCKED`.
    pub fn ws_request_blocked() -> Self {
        InjectedFault::Soap {
            code: "WS_REQUEST_BLOCKED".into(),
            detail_name: "exceededConcurrentRequestLimitFault".into(),
            message: WS_REQUEST_BLOCKED_MESSAGE.into(),
        }
    }

    /// The session-concurrency fault: `exceededRequestLimitFault`,
    /// `WS_CONCUR_SESSION_DISALLWD`.
    pub fn concurrent_session_disallowed() -> Self {
        InjectedFault::Soap {
            code: "WS_CONCUR_SESSION_DISALLWD".into(),
            detail_name: "exceededRequestLimitFault".into(),
            message: "Only one request may be made against a session at a time".into(),
        }
    }

    /// A transient server error: `unexpectedErrorFault`, `UNEXPECTED_ERROR`.
    pub fn unexpected_error() -> Self {
        InjectedFault::Soap {
            code: "UNEXPECTED_ERROR".into(),
            detail_name: "unexpectedErrorFault".into(),
            message: "An unexpected error occurred. Error ID: simulated".into(),
        }
    }

    /// An error status with this code and message.
    pub fn status_error(code: impl Into<String>, message: impl Into<String>) -> Self {
        InjectedFault::StatusError { code: code.into(), message: message.into() }
    }
}

/// The faultstring and message of `WS_REQUEST_BLOCKED`.
pub(crate) const WS_REQUEST_BLOCKED_MESSAGE: &str = "SuiteTalk concurrent request limit exceeded. Request blocked.";

/// Which requests a scripted fault is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// The next authenticated request of any account.
    Any,
    /// The next authenticated request of this account.
    Account(AccountId),
}

impl From<AccountId> for FaultTarget {
    fn from(a: AccountId) -> Self {
        FaultTarget::Account(a)
    }
}

impl From<&AccountId> for FaultTarget {
    fn from(a: &AccountId) -> Self {
        FaultTarget::Account(a.clone())
    }
}

/// Scripted faults and fault rates.
pub(crate) struct FaultPlan {
    any: VecDeque<InjectedFault>,
    per_account: HashMap<AccountId, VecDeque<InjectedFault>>,
    rates: Vec<(InjectedFault, f64)>,
    rng: ChaCha8Rng,
}

impl FaultPlan {
    /// An empty plan whose rate draws come from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            any: VecDeque::new(),
            per_account: HashMap::new(),
            rates: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Appends scripted faults.
    pub(crate) fn push(&mut self, target: FaultTarget, faults: Vec<InjectedFault>) {
        match target {
            FaultTarget::Any => self.any.extend(faults),
            FaultTarget::Account(a) => self.per_account.entry(a).or_default().extend(faults),
        }
    }

    /// Replaces the rates. Each is a probability per request; negative or non-finite rates
    /// count as 0, and when they add up past 1 the later ones get what is left.
    pub(crate) fn set_rates(&mut self, rates: Vec<(InjectedFault, f64)>) {
        self.rates = rates.into_iter().map(|(f, r)| (f, if r.is_finite() { r.clamp(0.0, 1.0) } else { 0.0 })).collect();
    }

    /// Drops every scripted fault and rate.
    pub(crate) fn clear(&mut self) {
        self.any.clear();
        self.per_account.clear();
        self.rates.clear();
    }

    /// Scripted faults not yet used.
    pub(crate) fn pending(&self) -> usize {
        self.any.len() + self.per_account.values().map(VecDeque::len).sum::<usize>()
    }

    /// The fault for the next request of `account`, if any.
    pub(crate) fn next(&mut self, account: &AccountId) -> Option<InjectedFault> {
        if let Some(f) = self.per_account.get_mut(account).and_then(VecDeque::pop_front) {
            return Some(f);
        }
        if let Some(f) = self.any.pop_front() {
            return Some(f);
        }
        if self.rates.is_empty() {
            return None;
        }
        let roll: f64 = self.rng.gen();
        let mut acc = 0.0;
        for (f, r) in &self.rates {
            acc += r;
            if roll < acc {
                return Some(f.clone());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_script_then_any_script_then_rates() {
        let a = AccountId::parse("1").unwrap();
        let b = AccountId::parse("2").unwrap();
        let mut plan = FaultPlan::new(1);
        plan.push(FaultTarget::Any, vec![InjectedFault::HtmlPage]);
        plan.push((&a).into(), vec![InjectedFault::Http(503), InjectedFault::Truncated]);
        assert_eq!(plan.pending(), 3);
        assert_eq!(plan.next(&b), Some(InjectedFault::HtmlPage));
        assert_eq!(plan.next(&a), Some(InjectedFault::Http(503)));
        assert_eq!(plan.next(&a), Some(InjectedFault::Truncated));
        assert_eq!(plan.next(&a), None);
        plan.set_rates(vec![(InjectedFault::unexpected_error(), 0.25)]);
        let hits = (0..4000).filter(|_| plan.next(&a).is_some()).count();
        assert!((800..1200).contains(&hits), "about a quarter, got {hits}");
        plan.set_rates(vec![(InjectedFault::DropConnection, 1.0)]);
        assert_eq!(plan.next(&b), Some(InjectedFault::DropConnection));
    }

    #[test]
    fn rates_are_reproducible_for_a_seed() {
        let a = AccountId::parse("1").unwrap();
        let draw = |seed| {
            let mut p = FaultPlan::new(seed);
            p.set_rates(vec![(InjectedFault::HtmlPage, 0.5)]);
            (0..64).map(|_| p.next(&a).is_some()).collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }
}
