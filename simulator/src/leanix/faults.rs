//! Fault injection: failures a test scripts for the next requests (first in, first out,
//! for any endpoint or for one kind), or asks for at a rate drawn from a seeded generator.
//!
//! Faults are drawn only for requests that passed authentication (a valid API token on the
//! token endpoint, a valid access token elsewhere), were not refused by the rate limit, and
//! whose query parameters are valid. A request takes the first fault, scripted for its own
//! endpoint, that applies to it; else the first scripted for any endpoint that applies to
//! it; else one seeded draw is made among the rates that apply (the endpoint's own rates
//! first, then those for any endpoint). A fault that never applies to the requests that
//! come stays queued, and counts in [`LeanixSim::pending_faults`](super::LeanixSim::pending_faults).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The kinds of request the simulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /services/mtm/v1/oauth2/token`.
    Token,
    /// `POST /services/integration-api/v1/synchronizationRuns`.
    Create,
    /// `POST /services/integration-api/v1/synchronizationRuns/{id}/start`.
    Start,
    /// `GET /services/integration-api/v1/synchronizationRuns/{id}/status`.
    Status,
    /// `GET /services/integration-api/v1/synchronizationRuns/{id}/warnings`.
    Warnings,
    /// `GET /services/integration-api/v1/synchronizationRuns`.
    List,
    /// `GET`, `PUT` or `DELETE /services/integration-api/v1/configurations`.
    Configurations,
    /// Any other path: answered 404, never given a fault.
    Other,
}

impl Endpoint {
    /// A short name for logs: `token`, `create`, `start`, `status`, `warnings`, `list`,
    /// `configurations`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::Create => "create",
            Endpoint::Start => "start",
            Endpoint::Status => "status",
            Endpoint::Warnings => "warnings",
            Endpoint::List => "list",
            Endpoint::Configurations => "configurations",
            Endpoint::Other => "other",
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure the simulator produces instead of (or, for [`LeanixFault::Delay`], before) its
/// normal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeanixFault {
    /// HTTP 429 with a JSON error body, and a `Retry-After` header of this many seconds when
    /// given. Applies to every endpoint.
    TooManyRequests {
        /// The `Retry-After` value in seconds; `None` sends no header.
        retry_after_secs: Option<u64>,
    },
    /// This HTTP status (500, 502, 503...) with a JSON error body; a status outside
    /// 500..=599 becomes 500. Nothing is done. Applies to every endpoint.
    ServerError(u16),
    /// Like [`LeanixFault::ServerError`], with a `Retry-After` header of this many seconds.
    /// Applies to every endpoint.
    ServerErrorRetryAfter {
        /// HTTP status (outside 500..=599: 500).
        status: u16,
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// The run this request starts is processed as usual, except that its first `count`
    /// content items are left out, each with a warning carrying `message`, and the run still
    /// ends `FINISHED` (LeanIX's "simply ignored" content). Applies to starting a run, and to
    /// creating one with `?start=true`.
    IgnoreItems {
        /// How many items, from the first, are left out.
        count: usize,
        /// The warning's message.
        message: String,
    },
    /// HTTP 401, as if the access token had expired: the access token the request carried
    /// stops being accepted, so the client has to fetch a new one. On the token endpoint:
    /// 401 as if the API token were refused (it stays valid). Applies to every endpoint.
    Unauthorized,
    /// HTTP 400 with this message in the JSON error body; no run is created. Applies to
    /// creating a run only.
    BadRequest {
        /// The `errorMessage` of the answer.
        message: String,
    },
    /// The run is created and recorded (and started, with `?start=true`) as usual, but the
    /// connection is closed without an answer, so the client sees a transport error. An
    /// invalid LDIF is still answered 400 (the fault is used up). Applies to creating a run
    /// only.
    DropAfterCreate,
    /// The run this request starts ends `FAILED` instead of `FINISHED` (after the same
    /// steps), and these warnings can be read once it has failed; nothing is delivered.
    /// Applies to starting a run, and to creating one with `?start=true`.
    FailRun {
        /// Messages the run's warnings endpoint lists once the run has failed.
        warnings: Vec<String>,
    },
    /// The run is started as usual, then answered 400 "already started", as if an earlier
    /// start had gone through. Applies to starting a run only (an unknown run is still
    /// answered 404, and the fault is used up).
    DuplicateStart,
    /// The answer comes this much later (the request is then handled normally). Applies to
    /// every endpoint.
    Delay(Duration),
}

impl LeanixFault {
    /// Whether this fault can be given to a request for `endpoint`; `starts_run` tells
    /// whether that request starts a run (a start, or a create with `?start=true`).
    pub fn applies_to(&self, endpoint: Endpoint, starts_run: bool) -> bool {
        if endpoint == Endpoint::Other {
            return false;
        }
        match self {
            LeanixFault::TooManyRequests { .. }
            | LeanixFault::ServerError(_)
            | LeanixFault::ServerErrorRetryAfter { .. }
            | LeanixFault::Unauthorized
            | LeanixFault::Delay(_) => true,
            LeanixFault::BadRequest { .. } | LeanixFault::DropAfterCreate => endpoint == Endpoint::Create,
            LeanixFault::FailRun { .. } | LeanixFault::IgnoreItems { .. } => {
                starts_run && matches!(endpoint, Endpoint::Start | Endpoint::Create)
            }
            LeanixFault::DuplicateStart => endpoint == Endpoint::Start,
        }
    }

    /// A [`LeanixFault::BadRequest`] with this message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        LeanixFault::BadRequest { message: message.into() }
    }

    /// A [`LeanixFault::FailRun`] with these warnings.
    pub fn fail_run<S: Into<String>>(warnings: impl IntoIterator<Item = S>) -> Self {
        LeanixFault::FailRun { warnings: warnings.into_iter().map(Into::into).collect() }
    }

    /// A [`LeanixFault::IgnoreItems`].
    pub fn ignore_items(count: usize, message: impl Into<String>) -> Self {
        LeanixFault::IgnoreItems { count, message: message.into() }
    }

    /// A [`LeanixFault::ServerErrorRetryAfter`].
    pub fn server_error_retry_after(status: u16, secs: u64) -> Self {
        LeanixFault::ServerErrorRetryAfter { status, retry_after_secs: secs }
    }

    /// A [`LeanixFault::TooManyRequests`] with `Retry-After: secs`.
    pub fn too_many_requests(secs: u64) -> Self {
        LeanixFault::TooManyRequests { retry_after_secs: Some(secs) }
    }
}

/// Which requests scripted faults or fault rates are for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultTarget {
    /// Requests to any endpoint (each fault only to those it applies to).
    Any,
    /// Requests to this endpoint only.
    Endpoint(Endpoint),
}

impl From<Endpoint> for FaultTarget {
    fn from(e: Endpoint) -> Self {
        FaultTarget::Endpoint(e)
    }
}

/// Scripted faults and fault rates.
pub(crate) struct FaultPlan {
    any: VecDeque<LeanixFault>,
    per_endpoint: HashMap<Endpoint, VecDeque<LeanixFault>>,
    rates_any: Vec<(LeanixFault, f64)>,
    rates_per_endpoint: HashMap<Endpoint, Vec<(LeanixFault, f64)>>,
    rng: ChaCha8Rng,
}

impl FaultPlan {
    /// An empty plan whose rate draws come from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            any: VecDeque::new(),
            per_endpoint: HashMap::new(),
            rates_any: Vec::new(),
            rates_per_endpoint: HashMap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Appends scripted faults for `target`.
    pub(crate) fn push(&mut self, target: FaultTarget, faults: Vec<LeanixFault>) {
        match target {
            FaultTarget::Any => self.any.extend(faults),
            FaultTarget::Endpoint(e) => self.per_endpoint.entry(e).or_default().extend(faults),
        }
    }

    /// Replaces the rates of `target`. Negative or non-finite rates count as 0; when the
    /// rates that apply to a request add up past 1, the later ones get what is left.
    pub(crate) fn set_rates(&mut self, target: FaultTarget, rates: Vec<(LeanixFault, f64)>) {
        let rates: Vec<(LeanixFault, f64)> =
            rates.into_iter().map(|(f, r)| (f, if r.is_finite() { r.clamp(0.0, 1.0) } else { 0.0 })).collect();
        match target {
            FaultTarget::Any => self.rates_any = rates,
            FaultTarget::Endpoint(e) => {
                self.rates_per_endpoint.insert(e, rates);
            }
        }
    }

    /// Drops every scripted fault and rate.
    pub(crate) fn clear(&mut self) {
        self.any.clear();
        self.per_endpoint.clear();
        self.rates_any.clear();
        self.rates_per_endpoint.clear();
    }

    /// Scripted faults not used yet.
    pub(crate) fn pending(&self) -> usize {
        self.any.len() + self.per_endpoint.values().map(VecDeque::len).sum::<usize>()
    }

    /// The fault for the next request to `endpoint`, if any.
    pub(crate) fn next(&mut self, endpoint: Endpoint, starts_run: bool) -> Option<LeanixFault> {
        if endpoint == Endpoint::Other {
            return None;
        }
        let applies = |f: &LeanixFault| f.applies_to(endpoint, starts_run);
        if let Some(queue) = self.per_endpoint.get_mut(&endpoint) {
            if let Some(f) = take_first(queue, applies) {
                return Some(f);
            }
        }
        if let Some(f) = take_first(&mut self.any, applies) {
            return Some(f);
        }
        let own = self.rates_per_endpoint.get(&endpoint).map(Vec::as_slice).unwrap_or_default();
        let candidates: Vec<&(LeanixFault, f64)> =
            own.iter().chain(self.rates_any.iter()).filter(|(f, _)| applies(f)).collect();
        if candidates.is_empty() {
            return None;
        }
        let roll: f64 = self.rng.gen();
        let mut acc = 0.0;
        for (f, r) in candidates {
            acc += r;
            if roll < acc {
                return Some(f.clone());
            }
        }
        None
    }
}

/// Removes and returns the first fault of `queue` that `applies`.
fn take_first(queue: &mut VecDeque<LeanixFault>, applies: impl Fn(&LeanixFault) -> bool) -> Option<LeanixFault> {
    let pos = queue.iter().position(applies)?;
    queue.remove(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_script_then_any_script_skipping_faults_that_do_not_apply() {
        let mut plan = FaultPlan::new(1);
        plan.push(FaultTarget::Any, vec![LeanixFault::DropAfterCreate, LeanixFault::ServerError(503)]);
        plan.push(Endpoint::Start.into(), vec![LeanixFault::DuplicateStart]);
        assert_eq!(plan.pending(), 3);
        // A status poll skips the create-only fault.
        assert_eq!(plan.next(Endpoint::Status, false), Some(LeanixFault::ServerError(503)));
        assert_eq!(plan.next(Endpoint::Start, true), Some(LeanixFault::DuplicateStart));
        assert_eq!(plan.next(Endpoint::Start, true), None);
        assert_eq!(plan.next(Endpoint::Create, false), Some(LeanixFault::DropAfterCreate));
        assert_eq!(plan.pending(), 0);
    }

    #[test]
    fn fail_run_goes_to_the_request_that_starts_a_run() {
        let mut plan = FaultPlan::new(1);
        plan.push(FaultTarget::Any, vec![LeanixFault::fail_run(["boom"])]);
        assert_eq!(plan.next(Endpoint::Create, false), None);
        assert_eq!(plan.next(Endpoint::Token, false), None);
        assert_eq!(plan.next(Endpoint::Create, true), Some(LeanixFault::fail_run(["boom"])));
    }

    #[test]
    fn rates_apply_where_they_can_and_are_reproducible() {
        let draw = |seed| {
            let mut p = FaultPlan::new(seed);
            p.set_rates(FaultTarget::Any, vec![(LeanixFault::ServerError(500), 0.25)]);
            p.set_rates(Endpoint::Create.into(), vec![(LeanixFault::DropAfterCreate, 0.25)]);
            (0..4000).map(|_| p.next(Endpoint::Create, false)).collect::<Vec<_>>()
        };
        let a = draw(7);
        let drops = a.iter().filter(|f| **f == Some(LeanixFault::DropAfterCreate)).count();
        let errors = a.iter().filter(|f| **f == Some(LeanixFault::ServerError(500))).count();
        assert!((800..1200).contains(&drops), "{drops}");
        assert!((800..1200).contains(&errors), "{errors}");
        assert_eq!(a, draw(7));
        assert_ne!(a, draw(8));
        let mut p = FaultPlan::new(1);
        p.set_rates(FaultTarget::Any, vec![(LeanixFault::DropAfterCreate, 1.0)]);
        assert_eq!(p.next(Endpoint::Status, false), None);
    }
}
