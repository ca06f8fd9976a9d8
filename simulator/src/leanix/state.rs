//! The simulator handle ([`LeanixSim`]), its settings and shared state, and the server
//! running it in the background ([`RunningLeanix`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::configurations::{self, Configuration};
use super::faults::FaultPlan;
use super::log::LeanixRequest;
use super::runs::{DeliveredItem, Run, RunStatus, StatusAdvance};
use super::workspace::{SimWarning, Workspace};
use crate::basics::clock::SimClock;

/// Path of the token endpoint.
pub const TOKEN_PATH: &str = "/services/mtm/v1/oauth2/token";

/// Base path of the Integration API.
pub const INTEGRATION_API_PATH: &str = "/services/integration-api/v1";

/// The API token a default configuration accepts.
pub const DEFAULT_API_TOKEN: &str = "leanix-sim-api-token";

/// Settings of a LeanIX simulator.
#[derive(Clone, Debug)]
pub struct LeanixSimConfig {
    /// API tokens the token endpoint accepts (default: [`DEFAULT_API_TOKEN`]).
    pub api_tokens: Vec<String>,
    /// How long an access token is accepted; also the `expires_in` the token endpoint
    /// answers, in whole seconds (3599 s, as LeanIX).
    pub token_ttl: Duration,
    /// Statuses a run goes through after its start, in order (see [`StatusAdvance`]); the
    /// run stops at the first final status, or stays at the last one. Default:
    /// `PENDING`, `IN_PROGRESS`, `FINISHED` ([`RunStatus::script_finishing_at_poll`] gives
    /// others). Empty means `[FINISHED]`.
    pub status_script: Vec<RunStatus>,
    /// When a started run moves along its script (default: one step per status poll).
    pub advance: StatusAdvance,
    /// Seed of the fault-rate draws, run ids and access tokens.
    pub seed: u64,
    /// Requests accepted per minute of the simulator clock, counted over every
    /// authenticated request (LeanIX allows 1,800 per user); over it: 429 with
    /// `Retry-After` until the minute ends. `None` (the default): no limit.
    pub requests_per_minute: Option<u32>,
    /// Largest request body accepted (default 64 MiB); larger ones get 413.
    pub max_body_bytes: usize,
    /// Entries the request log keeps; the oldest are dropped first.
    pub log_capacity: usize,
}

impl Default for LeanixSimConfig {
    fn default() -> Self {
        Self {
            api_tokens: vec![DEFAULT_API_TOKEN.to_string()],
            token_ttl: Duration::from_secs(3599),
            status_script: RunStatus::script_finishing_at_poll(3),
            advance: StatusAdvance::PerPoll,
            seed: 0,
            requests_per_minute: None,
            max_body_bytes: 64 * 1024 * 1024,
            log_capacity: 100_000,
        }
    }
}

impl LeanixSimConfig {
    /// This configuration with a status script whose `polls`-th status poll answers
    /// `FINISHED` ([`RunStatus::script_finishing_at_poll`]).
    pub fn with_polls_to_finish(mut self, polls: usize) -> Self {
        self.status_script = RunStatus::script_finishing_at_poll(polls);
        self
    }
}

/// A fixed one-minute window of the request rate limit.
pub(crate) struct RateWindow {
    /// Requests per minute; `None`: no limit.
    pub limit: Option<u32>,
    start: Option<DateTime<Utc>>,
    count: u32,
}

impl RateWindow {
    fn new(limit: Option<u32>) -> Self {
        Self { limit, start: None, count: 0 }
    }

    /// Counts a request at `now`; over the limit, the seconds until the window ends.
    pub(crate) fn admit(&mut self, now: DateTime<Utc>) -> Result<(), u64> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let start = match self.start {
            Some(s) if now - s < TimeDelta::minutes(1) => s,
            _ => {
                self.start = Some(now);
                self.count = 0;
                now
            }
        };
        if self.count >= limit {
            let left = (start + TimeDelta::minutes(1) - now).num_milliseconds().max(0);
            return Err(u64::try_from((left + 999) / 1000).unwrap_or(60).max(1));
        }
        self.count += 1;
        Ok(())
    }
}

/// Everything mutable, behind one lock that is never held across an `await`.
pub(crate) struct State {
    /// API tokens accepted.
    pub api_tokens: HashSet<String>,
    /// Access tokens issued, with their expiry (simulator clock).
    pub access_tokens: HashMap<String, DateTime<Utc>>,
    /// Access tokens issued so far.
    pub tokens_issued: u64,
    /// Access token lifetime.
    pub token_ttl: Duration,
    /// Runs, oldest first.
    pub runs: Vec<Run>,
    /// Position in `runs` by id.
    pub run_index: HashMap<String, usize>,
    /// Items of finished runs, in delivery order.
    pub delivered: Vec<DeliveredItem>,
    /// Processor configurations installed, oldest first.
    pub configurations: Vec<Configuration>,
    /// Fact sheets, relations and metrics the runs wrote.
    pub workspace: Workspace,
    /// Scripted faults and rates.
    pub faults: FaultPlan,
    /// Script of runs started without a queued one.
    pub default_script: Vec<RunStatus>,
    /// Scripts for the next started runs, one each.
    pub queued_scripts: VecDeque<Vec<RunStatus>>,
    /// When started runs move on.
    pub advance: StatusAdvance,
    /// The rate limit.
    pub rate: RateWindow,
    /// The request log.
    pub log: VecDeque<LeanixRequest>,
    /// Source of run ids and access tokens.
    pub rng: ChaCha8Rng,
}

impl State {
    /// A fresh run id (a UUID from the seeded generator).
    pub(crate) fn new_run_id(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.rng.fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }

    /// A fresh access token.
    pub(crate) fn new_access_token(&mut self) -> String {
        let mut bytes = [0u8; 32];
        self.rng.fill_bytes(&mut bytes);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Runs `f` on run `id` and the delivery list, after moving the run along the clock.
    pub(crate) fn with_run<T>(
        &mut self,
        id: &str,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Run, &mut Vec<DeliveredItem>, StatusAdvance) -> T,
    ) -> Option<T> {
        let idx = *self.run_index.get(id)?;
        let run = self.runs.get_mut(idx)?;
        run.catch_up(now, self.advance, &mut self.delivered);
        let out = f(run, &mut self.delivered, self.advance);
        self.process(idx);
        Some(out)
    }

    /// Applies the matching processor configuration to the content of run `idx` once it was
    /// delivered (reached `FINISHED`); without one, every item is left out with a warning and
    /// the workspace is not touched.
    fn process(&mut self, idx: usize) {
        let Some(run) = self.runs.get_mut(idx) else { return };
        if !run.delivered || run.processed {
            return;
        }
        run.processed = true;
        let key = configurations::key_of(&run.ldif);
        match self.configurations.iter().find(|c| c.key == key) {
            Some(config) => {
                let warnings = self.workspace.apply(config, &run.ldif, run.ignore_items.as_ref());
                run.applied = true;
                run.warnings.extend(warnings);
            }
            None => {
                let message = format!(
                    "No processor configuration for connectorType {:?}, connectorId {:?}, connectorVersion {:?}, \
                     processingDirection {:?}: content not processed",
                    key[0], key[1], key[2], key[3]
                );
                let items = run.ldif.get("content").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                let warnings: Vec<SimWarning> = items
                    .iter()
                    .map(|item| SimWarning {
                        content: item.get("id").and_then(Value::as_str).map(str::to_string),
                        message: message.clone(),
                        processor: None,
                        status: "ERROR".into(),
                    })
                    .collect();
                run.warnings.extend(warnings);
            }
        }
    }

    /// Starts run `id`, with the next queued script (or the default one); `ignore` leaves
    /// the first items out with a warning when it is processed.
    pub(crate) fn start_run(
        &mut self,
        id: &str,
        now: DateTime<Utc>,
        fail: Option<Vec<String>>,
        ignore: Option<(usize, String)>,
    ) {
        let script = self.queued_scripts.pop_front().unwrap_or_else(|| self.default_script.clone());
        self.with_run(id, now, |run, delivered, _| {
            run.ignore_items = ignore;
            run.start(now, script, fail, delivered)
        });
    }

    /// Moves every run along the clock (for [`StatusAdvance::Every`]).
    pub(crate) fn catch_up_all(&mut self, now: DateTime<Utc>) {
        if matches!(self.advance, StatusAdvance::PerPoll) {
            return;
        }
        for idx in 0..self.runs.len() {
            self.runs[idx].catch_up(now, self.advance, &mut self.delivered);
            self.process(idx);
        }
    }
}

/// What clones of a [`LeanixSim`] share.
pub(crate) struct Inner {
    /// The mutable state.
    pub state: Mutex<State>,
    /// The simulator clock.
    pub clock: SimClock,
    /// Entries the request log keeps.
    pub log_capacity: usize,
    /// Largest request body.
    pub max_body_bytes: usize,
}

/// A LeanIX Integration API stand-in. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct LeanixSim {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for LeanixSim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock();
        f.debug_struct("LeanixSim").field("runs", &st.runs.len()).field("delivered", &st.delivered.len()).finish()
    }
}

impl LeanixSim {
    /// A simulator with these settings and no runs.
    pub fn new(config: LeanixSimConfig) -> Self {
        let state = State {
            api_tokens: config.api_tokens.into_iter().collect(),
            access_tokens: HashMap::new(),
            tokens_issued: 0,
            token_ttl: config.token_ttl,
            runs: Vec::new(),
            run_index: HashMap::new(),
            delivered: Vec::new(),
            configurations: Vec::new(),
            workspace: Workspace::default(),
            faults: FaultPlan::new(config.seed),
            default_script: config.status_script,
            queued_scripts: VecDeque::new(),
            advance: config.advance,
            rate: RateWindow::new(config.requests_per_minute),
            log: VecDeque::new(),
            rng: ChaCha8Rng::seed_from_u64(config.seed ^ 0x4c65_616e_4958),
        };
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                clock: SimClock::default(),
                log_capacity: config.log_capacity.max(1),
                max_body_bytes: config.max_body_bytes,
            }),
        }
    }

    /// Locks the state (a panic elsewhere never makes the simulator unusable).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The simulator clock's time.
    pub(crate) fn clock_now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_window_counts_per_minute() {
        let mut w = RateWindow::new(Some(2));
        let t0 = Utc::now();
        assert!(w.admit(t0).is_ok());
        assert!(w.admit(t0).is_ok());
        let wait = w.admit(t0 + TimeDelta::seconds(20)).unwrap_err();
        assert_eq!(wait, 40);
        assert!(w.admit(t0 + TimeDelta::seconds(61)).is_ok());
        assert!(RateWindow::new(None).admit(t0).is_ok());
    }
}
