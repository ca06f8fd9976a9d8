//! The simulator's control API: what tests call to shape tokens, faults and run statuses,
//! and to read back the runs, the delivered items and the request log.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::LeanixSimError;
use super::faults::{FaultTarget, LeanixFault};
use super::log::LeanixRequest;
use super::runs::{DeliveredItem, RunStatus, SimRun, StatusAdvance};
use super::state::LeanixSim;
use super::workspace::{SimFactSheet, SimMetricPoint, SimRelation, SimWarning};

impl LeanixSim {
    /// Accepts one more API token at the token endpoint.
    pub fn add_api_token(&self, token: impl Into<String>) {
        self.lock().api_tokens.insert(token.into());
    }

    /// Stops accepting an API token (access tokens issued for it stay valid).
    pub fn remove_api_token(&self, token: &str) {
        self.lock().api_tokens.remove(token);
    }

    /// Makes every access token issued so far invalid, as if they had all expired: requests
    /// carrying one are answered 401.
    pub fn expire_tokens(&self) {
        self.lock().access_tokens.clear();
    }

    /// Access tokens issued so far.
    pub fn tokens_issued(&self) -> u64 {
        self.lock().tokens_issued
    }

    /// Access tokens accepted now.
    pub fn valid_tokens(&self) -> usize {
        let now = self.clock_now();
        self.lock().access_tokens.values().filter(|expiry| **expiry > now).count()
    }

    /// Queues faults for the next requests of `target`, in order (see
    /// [`faults`](super::faults) for which request takes which fault).
    pub fn push_faults(&self, target: impl Into<FaultTarget>, faults: Vec<LeanixFault>) {
        self.lock().faults.push(target.into(), faults);
    }

    /// Sets the fault probabilities of `target`'s requests (replacing its earlier ones),
    /// drawn from the seeded generator when no scripted fault is left for a request.
    pub fn set_fault_rates(&self, target: impl Into<FaultTarget>, rates: Vec<(LeanixFault, f64)>) {
        self.lock().faults.set_rates(target.into(), rates);
    }

    /// Drops every scripted fault and rate.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Scripted faults not used yet.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.pending()
    }

    /// Sets the status script of runs started from now on without a queued script.
    pub fn set_status_script(&self, script: Vec<RunStatus>) {
        self.lock().default_script = script;
    }

    /// Queues a status script for the next run started (one script per run, in order);
    /// e.g. `[PENDING, STOPPED]`, or `[IN_PROGRESS]` for a run that never ends.
    pub fn push_status_script(&self, script: Vec<RunStatus>) {
        self.lock().queued_scripts.push_back(script);
    }

    /// Sets when started runs move along their scripts.
    pub fn set_status_advance(&self, advance: StatusAdvance) {
        self.lock().advance = advance;
    }

    /// Sets the requests accepted per minute (`None`: no limit).
    pub fn set_requests_per_minute(&self, limit: Option<u32>) {
        self.lock().rate.limit = limit;
    }

    /// Puts run `id` in `status`, where it then stays (it is not started by this).
    /// `FINISHED` delivers its content if it was not delivered before.
    pub fn set_run_status(&self, id: &str, status: RunStatus) -> Result<(), LeanixSimError> {
        let now = self.clock_now();
        self.lock()
            .with_run(id, now, |run, delivered, _| run.force_status(status, delivered))
            .ok_or_else(|| LeanixSimError::UnknownRun(id.to_string()))
    }

    /// Appends warnings to run `id`'s list.
    pub fn add_warnings(&self, id: &str, warnings: Vec<String>) -> Result<(), LeanixSimError> {
        let now = self.clock_now();
        self.lock()
            .with_run(id, now, |run, _, _| run.warnings.extend(warnings.into_iter().map(SimWarning::run_level)))
            .ok_or_else(|| LeanixSimError::UnknownRun(id.to_string()))
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Vec<SimRun> {
        let mut st = self.lock();
        st.catch_up_all(self.clock_now());
        st.runs.iter().map(|r| r.snapshot()).collect()
    }

    /// Run `id`, if there is one.
    pub fn run(&self, id: &str) -> Option<SimRun> {
        let now = self.clock_now();
        self.lock().with_run(id, now, |run, _, _| run.snapshot())
    }

    /// One entry per content item of every run that reached `FINISHED`, in the order the
    /// runs finished and, within a run, in LDIF order. A run delivers once.
    pub fn delivered(&self) -> Vec<DeliveredItem> {
        let mut st = self.lock();
        st.catch_up_all(self.clock_now());
        st.delivered.clone()
    }

    /// How many items [`delivered`](Self::delivered) holds (without copying them).
    pub fn delivered_count(&self) -> usize {
        let mut st = self.lock();
        st.catch_up_all(self.clock_now());
        st.delivered.len()
    }

    /// The request log, oldest first.
    pub fn request_log(&self) -> Vec<LeanixRequest> {
        self.lock().log.iter().cloned().collect()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.lock().log.clear();
    }

    /// The simulator clock's time (real time plus what [`advance_clock`](Self::advance_clock)
    /// added).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock_now()
    }

    /// Moves the simulator clock forward: access tokens age, timed runs move on, the
    /// rate-limit minute passes.
    pub fn advance_clock(&self, by: Duration) {
        self.inner.clock.advance(by);
    }

    /// The processor configurations installed, oldest first, as `GET /configurations`
    /// lists them.
    pub fn configurations(&self) -> Vec<serde_json::Value> {
        self.lock().configurations.iter().map(|c| c.value.clone()).collect()
    }

    /// Installs a processor configuration as `PUT /configurations` does (for tests that
    /// drive the API by hand); the problems, when it is refused.
    pub fn put_configuration(&self, value: serde_json::Value) -> Result<(), Vec<String>> {
        self.install(super::configurations::parse(value)?);
        Ok(())
    }

    /// Removes every processor configuration (as an admin deleting them would).
    pub fn clear_configurations(&self) {
        self.lock().configurations.clear();
    }

    /// Inserts `config`, or replaces the one of its connector key.
    pub(crate) fn install(&self, config: super::configurations::Configuration) {
        let mut st = self.lock();
        match st.configurations.iter_mut().find(|c| c.key == config.key) {
            Some(existing) => *existing = config,
            None => st.configurations.push(config),
        }
    }

    /// Every fact sheet the runs wrote, active and archived, in creation order.
    pub fn fact_sheets(&self) -> Vec<SimFactSheet> {
        let mut st = self.lock();
        st.catch_up_all(self.clock_now());
        st.workspace.fact_sheets()
    }

    /// Every relation between active fact sheets, by external ids.
    pub fn relations(&self) -> Vec<SimRelation> {
        let mut st = self.lock();
        st.catch_up_all(self.clock_now());
        st.workspace.relations()
    }

    /// Every metric point written.
    pub fn metric_points(&self) -> Vec<SimMetricPoint> {
        let mut st = self.lock();
        st.catch_up_all(self.clock_now());
        st.workspace.metric_points()
    }
}
