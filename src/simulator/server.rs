//! The simulator handle ([`Simulator`]): its control API for tests, the HTTP endpoint, and
//! the request pipeline (parse, authenticate, govern, inject, run, log).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use chrono::TimeDelta;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::account::{AccountSpec, AccountState};
use super::clock::SimClock;
use super::faults::FaultPlan;
use super::log::LoggedRequest;
use super::pipeline::soap_endpoint;
use super::sessions::{IdGen, Sessions};
use crate::netsuite::AccountId;

/// Path of the SOAP endpoint.
pub const ENDPOINT_PATH: &str = "/services/NetSuitePort_2017_2";

/// Settings of a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Accounts hosted from the start.
    pub accounts: Vec<AccountSpec>,
    /// Latency added to every authenticated request.
    pub latency: Duration,
    /// In-flight request limit per account (default 5, as on small accounts); 0 means none.
    /// An [`AccountSpec`] may set its own.
    pub concurrency_limit: usize,
    /// Seed of the fault-rate draws and of the random parts of ids.
    pub seed: u64,
    /// How long an unused searchId lives (15 minutes on NetSuite).
    pub search_id_ttl: Duration,
    /// How far a passport timestamp may be from real time (5 minutes).
    pub max_clock_skew: Duration,
    /// Whether the request log keeps request and response bodies.
    pub record_bodies: bool,
    /// Entries the request log keeps; the oldest are dropped first.
    pub log_capacity: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            accounts: Vec::new(),
            latency: Duration::ZERO,
            concurrency_limit: 5,
            seed: 0,
            search_id_ttl: Duration::from_secs(15 * 60),
            max_clock_skew: Duration::from_secs(5 * 60),
            record_bodies: false,
            log_capacity: 100_000,
        }
    }
}

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
    /// A simulator hosting `config.accounts`. An account listed twice is generated once
    /// (the first spec wins).
    pub fn new(config: SimConfig) -> Self {
        let clock = SimClock::default();
        let state = State {
            accounts: HashMap::new(),
            sessions: Sessions::new(TimeDelta::from_std(config.search_id_ttl).unwrap_or(TimeDelta::minutes(15))),
            ids: IdGen::new(config.seed),
            faults: FaultPlan::new(config.seed),
            log: VecDeque::new(),
            latency: config.latency,
            record_bodies: config.record_bodies,
        };
        let sim = Self {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                clock,
                default_limit: config.concurrency_limit,
                max_skew_secs: i64::try_from(config.max_clock_skew.as_secs()).unwrap_or(i64::MAX),
                log_capacity: config.log_capacity.max(1),
            }),
        };
        for spec in config.accounts {
            if let Err(e) = sim.add_account(spec) {
                tracing::warn!(error = %e, "simulator: account listed twice; keeping the first");
            }
        }
        sim
    }

    /// Locks the state (a panic elsewhere never makes the simulator unusable).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The axum router serving [`ENDPOINT_PATH`].
    pub fn router(&self) -> Router {
        Router::new().route(ENDPOINT_PATH, post(soap_endpoint)).with_state(self.clone())
    }

    /// Serves on `listener` until `cancel` fires, then lets requests in flight finish.
    pub async fn serve(self, listener: TcpListener, cancel: CancellationToken) -> io::Result<()> {
        crate::simulator::running::serve(self.router(), listener, cancel).await
    }

    /// Serves on a free port of 127.0.0.1 in a background task.
    pub async fn spawn(self) -> io::Result<RunningSimulator> {
        let router = self.router();
        crate::simulator::running::spawn(self, router).await
    }
}

/// A NetSuite simulator serving in a background task (see [`crate::simulator::running::Running`]).
pub type RunningSimulator = crate::simulator::running::Running<Simulator>;

impl RunningSimulator {
    /// The endpoint URL, `http://127.0.0.1:PORT/services/NetSuitePort_2017_2`.
    pub fn endpoint(&self) -> String {
        format!("http://{}{ENDPOINT_PATH}", self.addr)
    }
}
