//! The simulator handle ([`Simulator`]): its control API for tests, the HTTP endpoint, and
//! the request pipeline (parse, authenticate, govern, inject, run, log).

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use axum::Router;
use chrono::TimeDelta;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::basics::clock::SimClock;
use crate::basics::ns::SoapVersion;
use crate::http::pipeline::soap_endpoint;
use crate::http::rest_endpoint::{suiteql_endpoint, SUITEQL_PATH};
use crate::http::state::{Inner, Simulator, State};
use crate::model::account::AccountSpec;
use crate::model::faults::FaultPlan;
use crate::protocol::sessions::{IdGen, Sessions};

/// Path of the 2017_2 SOAP endpoint (each version has its own: [`SoapVersion::path`]).
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
            rest_nonces: Default::default(),
            rest_overload_as_login_error: false,
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

    /// The axum router serving the SOAP endpoint of every version on its own path
    /// ([`SoapVersion::path`]; [`ENDPOINT_PATH`] is 2017_2's) and SuiteQL ([`SUITEQL_PATH`]).
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        for v in SoapVersion::ALL {
            router = router.route(v.path(), post(move |sim, headers, body| soap_endpoint(sim, v, headers, body)));
        }
        router.route(SUITEQL_PATH, post(suiteql_endpoint)).with_state(self.clone())
    }

    /// Serves on `listener` until `cancel` fires, then lets requests in flight finish.
    pub async fn serve(self, listener: TcpListener, cancel: CancellationToken) -> io::Result<()> {
        crate::basics::running::serve(self.router(), listener, cancel).await
    }

    /// Serves on a free port of 127.0.0.1 in a background task.
    pub async fn spawn(self) -> io::Result<RunningSimulator> {
        let router = self.router();
        crate::basics::running::spawn(self, router).await
    }
}

/// A NetSuite simulator serving in a background task (see [`crate::basics::running::Running`]).
pub type RunningSimulator = crate::basics::running::Running<Simulator>;

impl RunningSimulator {
    /// The 2017_2 endpoint URL, `http://127.0.0.1:PORT/services/NetSuitePort_2017_2`.
    pub fn endpoint(&self) -> String {
        format!("http://{}{ENDPOINT_PATH}", self.addr)
    }

    /// The endpoint URL of version `v`, `http://127.0.0.1:PORT/services/NetSuitePort_<v>`.
    pub fn endpoint_for(&self, v: SoapVersion) -> String {
        format!("http://{}{}", self.addr, v.path())
    }

    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
