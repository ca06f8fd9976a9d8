//! The simulator handle ([`Simulator`]): its control API for tests, the HTTP endpoint, and
//! the request pipeline (parse, authenticate, govern, inject, run, log).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::{TimeDelta, Utc};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::account::{default_anchor, AccountSpec, AccountState, SimVendor};
use super::auth::{self, AuthFailure};
use super::clock::SimClock;
use super::error::SimError;
use super::faults::{FaultPlan, FaultTarget, InjectedFault, WS_REQUEST_BLOCKED_MESSAGE};
use super::governance::InFlight;
use super::log::{LoggedRequest, Outcome};
use super::permissions::PermissionSet;
use super::request::{self, RequestError, SearchPrefs, SoapRequest};
use super::respond::{self, FaultDetail, SearchOp, BAD_GATEWAY_HTML};
use super::search::{self, SearchAnswer, SearchSpec};
use super::sessions::{IdGen, Sessions};
use super::xml;
use crate::netsuite::{AccountId, Credentials};

/// Path of the SOAP endpoint.
pub const ENDPOINT_PATH: &str = "/services/NetSuitePort_2017_2";

/// Content type of SOAP responses.
const XML_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

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
    sessions: Sessions,
    /// Job-id generator for searchIds and nsIds.
    ids: IdGen,
    /// Scripted faults and rates.
    faults: FaultPlan,
    /// The request log.
    log: VecDeque<LoggedRequest>,
    /// Latency of every authenticated request.
    latency: Duration,
    /// Whether bodies are logged.
    record_bodies: bool,
}

struct Inner {
    state: Mutex<State>,
    clock: SimClock,
    default_limit: usize,
    max_skew_secs: i64,
    log_capacity: usize,
}

/// A running NetSuite stand-in. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts: Vec<AccountId> = self.lock().accounts.keys().cloned().collect();
        f.debug_struct("Simulator").field("accounts", &accounts).finish()
    }
}

/// The log fields learnt while a request is handled.
#[derive(Default)]
struct Entry {
    operation: Option<String>,
    account: Option<String>,
    search_type: Option<String>,
    page_index: Option<u32>,
}

/// What the simulator answers, and how to log it.
struct Reply {
    status: StatusCode,
    content_type: &'static str,
    /// `None`: drop the connection.
    body: Option<Vec<u8>>,
    outcome: Outcome,
    injected: bool,
    note: Option<String>,
}

impl Reply {
    fn xml(body: Vec<u8>, outcome: Outcome) -> Self {
        Self { status: StatusCode::OK, content_type: XML_CONTENT_TYPE, body: Some(body), outcome, injected: false, note: None }
    }

    fn fault(faultstring: &str, detail: Option<FaultDetail<'_>>) -> Self {
        let code = detail.map_or("soapenv:Server.userException", |d| d.code).to_string();
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            content_type: XML_CONTENT_TYPE,
            body: Some(respond::fault(faultstring, detail)),
            outcome: Outcome::Fault { code },
            injected: false,
            note: None,
        }
    }

    /// A fault for a request the server cannot read: faultstring only, like Axis's SAX errors.
    fn unreadable(message: &str) -> Self {
        Self::fault(message, None).noted(message)
    }

    fn invalid_login(why: AuthFailure) -> Self {
        let text = if why == AuthFailure::Ambiguous { "Ambiguous authentication" } else { "Invalid login attempt." };
        Self::fault(text, Some(FaultDetail { name: "invalidCredentialsFault", code: "USER_ERROR", message: text }))
            .noted(why.note())
    }

    fn blocked() -> Self {
        Self::fault(
            WS_REQUEST_BLOCKED_MESSAGE,
            Some(FaultDetail {
                name: "exceededConcurrentRequestLimitFault",
                code: "WS_REQUEST_BLOCKED",
                message: WS_REQUEST_BLOCKED_MESSAGE,
            }),
        )
        .noted("over the account's concurrency limit")
    }

    fn plain(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Self {
        Self { status, content_type, body: Some(body), outcome: Outcome::Http(status.as_u16()), injected: false, note: None }
    }

    fn dropped() -> Self {
        Self { status: StatusCode::OK, content_type: XML_CONTENT_TYPE, body: None, outcome: Outcome::Dropped, injected: false, note: None }
    }

    fn noted(mut self, note: &str) -> Self {
        self.note = Some(note.to_string());
        self
    }

    fn injected(mut self) -> Self {
        self.injected = true;
        self
    }

    /// Cuts the body in half (a response interrupted mid-way).
    fn truncated(mut self) -> Self {
        if let Some(b) = self.body.as_mut() {
            b.truncate(b.len() / 2);
        }
        self.outcome = Outcome::Truncated;
        self.injected = true;
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self.body {
            Some(body) => {
                let mut r = Response::new(Body::from(body));
                *r.status_mut() = self.status;
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
                r
            }
            None => {
                // A body that fails before its first byte: the server closes the connection
                // without completing the response.
                let failing = futures::stream::once(async {
                    Err::<Bytes, io::Error>(io::Error::new(io::ErrorKind::ConnectionAborted, "simulated dropped connection"))
                });
                let mut r = Response::new(Body::from_stream(failing));
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
                r
            }
        }
    }
}

/// A parsed operation, ready to run once the request is authenticated.
enum Call {
    Search(SearchSpec),
    More { search_id: String, page_index: i32 },
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

    fn with_account<T>(&self, account: &AccountId, f: impl FnOnce(&mut AccountState) -> T) -> Result<T, SimError> {
        let mut st = self.lock();
        let a = st.accounts.get_mut(account).ok_or_else(|| SimError::UnknownAccount(account.clone()))?;
        Ok(f(a))
    }

    /// Hosts a new account generated from `spec`.
    pub fn add_account(&self, spec: AccountSpec) -> Result<(), SimError> {
        let id = spec.account_id.clone();
        let anchor = default_anchor(self.inner.clock.now());
        let mut st = self.lock();
        if st.accounts.contains_key(&id) {
            return Err(SimError::DuplicateAccount(id));
        }
        let state = AccountState::generate(spec, anchor, self.inner.default_limit);
        st.accounts.insert(id, state);
        Ok(())
    }

    /// The hosted accounts, sorted.
    pub fn accounts(&self) -> Vec<AccountId> {
        let mut ids: Vec<AccountId> = self.lock().accounts.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The TBA credentials of `account` (deterministic from its seed and id).
    pub fn credentials(&self, account: &AccountId) -> Result<Credentials, SimError> {
        self.with_account(account, |a| a.credentials())
    }

    /// The account's vendors now, in internal-id order: the ground truth.
    pub fn vendors(&self, account: &AccountId) -> Result<Vec<SimVendor>, SimError> {
        self.with_account(account, |a| a.vendor_list())
    }

    /// Adds `n` vendors created and last modified now (simulator clock, whole seconds);
    /// returns their internal ids.
    pub fn add_vendors(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.add_vendors(n, now))
    }

    /// Modifies `n` existing vendors (a deterministic choice): new email, every other one a
    /// new company name, last modified now. Returns their internal ids, ascending.
    pub fn modify_vendors(&self, account: &AccountId, n: usize) -> Result<Vec<String>, SimError> {
        let now = self.inner.clock.now_seconds();
        self.with_account(account, |a| a.modify_vendors(n, now))
    }

    /// Replaces the role's permissions.
    pub fn set_permissions(&self, account: &AccountId, permissions: PermissionSet) -> Result<(), SimError> {
        self.with_account(account, |a| a.permissions = permissions)
    }

    /// The role's permissions.
    pub fn permissions(&self, account: &AccountId) -> Result<PermissionSet, SimError> {
        self.with_account(account, |a| a.permissions.clone())
    }

    /// Sets the account's in-flight request limit (0: none).
    pub fn set_concurrency_limit(&self, account: &AccountId, limit: usize) -> Result<(), SimError> {
        self.with_account(account, |a| a.concurrency_limit = limit)
    }

    /// The most requests of `account` in flight at once so far, counting those blocked for
    /// being over the limit.
    pub fn peak_in_flight(&self, account: &AccountId) -> Result<usize, SimError> {
        self.with_account(account, |a| a.peak_in_flight)
    }

    /// Requests of `account` in flight now.
    pub fn in_flight(&self, account: &AccountId) -> Result<usize, SimError> {
        self.with_account(account, |a| a.in_flight)
    }

    /// Sets the peak back to the number in flight now.
    pub fn reset_peak_in_flight(&self, account: &AccountId) -> Result<(), SimError> {
        self.with_account(account, |a| a.peak_in_flight = a.in_flight)
    }

    /// Sets the latency of every authenticated request.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Queues faults for the next authenticated requests of `target`, in order.
    pub fn push_faults(&self, target: impl Into<FaultTarget>, faults: Vec<InjectedFault>) {
        self.lock().faults.push(target.into(), faults);
    }

    /// Sets per-request fault probabilities (replacing earlier ones), drawn from the seeded
    /// generator after the scripted faults run out.
    pub fn set_fault_rates(&self, rates: Vec<(InjectedFault, f64)>) {
        self.lock().faults.set_rates(rates);
    }

    /// Drops every scripted fault and rate.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Scripted faults not used yet.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.pending()
    }

    /// The request log, oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.lock().log.iter().cloned().collect()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.lock().log.clear();
    }

    /// Turns logging of request and response bodies on or off.
    pub fn set_record_bodies(&self, on: bool) {
        self.lock().record_bodies = on;
    }

    /// The simulator clock's time.
    pub fn now(&self) -> chrono::DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Moves the simulator clock forward (searchIds age, new records get later times).
    /// Passport timestamps are still checked against real time.
    pub fn advance_clock(&self, by: Duration) {
        self.inner.clock.advance(by);
    }

    /// The axum router serving [`ENDPOINT_PATH`].
    pub fn router(&self) -> Router {
        Router::new().route(ENDPOINT_PATH, post(soap_endpoint)).with_state(self.clone())
    }

    /// Serves on `listener` until `cancel` fires, then lets requests in flight finish.
    pub async fn serve(self, listener: TcpListener, cancel: CancellationToken) -> io::Result<()> {
        axum::serve(listener, self.router()).with_graceful_shutdown(cancel.cancelled_owned()).await
    }

    /// Serves on a free port of 127.0.0.1 in a background task.
    pub async fn spawn(self) -> io::Result<RunningSimulator> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let cancel = CancellationToken::new();
        let task = tokio::spawn(self.clone().serve(listener, cancel.clone()));
        Ok(RunningSimulator { sim: self, addr, cancel, task: Some(task) })
    }

    /// Handles one SOAP request and logs it.
    async fn handle(&self, headers: &HeaderMap, body: Bytes) -> Reply {
        let started = Instant::now();
        let at = self.inner.clock.now();
        let mut entry = Entry::default();
        let soap_action = headers.get("soapaction").and_then(|v| v.to_str().ok());
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let reply = self.process(soap_action, host, &body, &mut entry).await;
        tracing::debug!(
            operation = entry.operation.as_deref().unwrap_or("-"),
            account = entry.account.as_deref().unwrap_or("-"),
            outcome = ?reply.outcome,
            injected = reply.injected,
            "simulator request"
        );
        let mut st = self.lock();
        let record = st.record_bodies;
        let logged = LoggedRequest {
            at,
            elapsed: started.elapsed(),
            operation: entry.operation,
            account: entry.account,
            search_type: entry.search_type,
            page_index: entry.page_index,
            outcome: reply.outcome.clone(),
            http_status: if reply.body.is_some() { reply.status.as_u16() } else { 0 },
            injected: reply.injected,
            note: reply.note.clone(),
            request_body: record.then(|| body.to_vec()),
            response_body: if record { reply.body.clone() } else { None },
        };
        if st.log.len() >= self.inner.log_capacity {
            st.log.pop_front();
        }
        st.log.push_back(logged);
        reply
    }

    async fn process(&self, soap_action: Option<&str>, host: Option<&str>, body: &[u8], entry: &mut Entry) -> Reply {
        let root = match xml::parse(body) {
            Ok(r) => r,
            Err(e) => return Reply::unreadable(&format!("org.xml.sax.SAXParseException: {e}")),
        };
        let req = match request::read(root, soap_action) {
            Ok(r) => r,
            Err(RequestError(m)) => return Reply::unreadable(&m),
        };
        entry.operation = Some(req.operation.clone());
        entry.account = req.passport.as_ref().and_then(|p| p.account.clone());
        let call = match req.operation.as_str() {
            "getDataCenterUrls" => return self.data_center_urls(&req, host, entry),
            "search" => match search::parse_search(&req.body) {
                Ok(spec) => {
                    entry.search_type = Some(spec.type_name().to_string());
                    entry.page_index = Some(1);
                    Call::Search(spec)
                }
                Err(m) => return Reply::unreadable(&m),
            },
            "searchMoreWithId" => match search::parse_more(&req.body) {
                Ok((search_id, page_index)) => {
                    entry.page_index = u32::try_from(page_index).ok();
                    Call::More { search_id, page_index }
                }
                Err(m) => return Reply::unreadable(&m),
            },
            other => return Reply::unreadable(&format!("No such operation '{other}' (not simulated)")),
        };

        let authenticated = {
            let mut st = self.lock();
            auth::authenticate(&mut st.accounts, &req, Utc::now().timestamp(), self.inner.max_skew_secs)
        };
        let account = match authenticated {
            Ok(a) => a,
            Err(why) => return Reply::invalid_login(why),
        };
        let Ok(_slot) = InFlight::admit(self, &account) else {
            return Reply::blocked();
        };
        let (fault, latency) = {
            let mut st = self.lock();
            (st.faults.next(&account), st.latency)
        };
        let extra = match &fault {
            Some(InjectedFault::Latency(d)) => *d,
            _ => Duration::ZERO,
        };
        if !(latency + extra).is_zero() {
            tokio::time::sleep(latency + extra).await;
        }
        let op = match call {
            Call::Search(_) => SearchOp::Search,
            Call::More { .. } => SearchOp::SearchMoreWithId,
        };
        let mut truncate = false;
        match fault {
            None | Some(InjectedFault::Latency(_)) => {}
            Some(InjectedFault::Truncated) => truncate = true,
            Some(InjectedFault::Soap { code, detail_name, message }) => {
                let detail = FaultDetail { name: &detail_name, code: &code, message: &message };
                return Reply::fault(&message, Some(detail)).injected();
            }
            Some(InjectedFault::StatusError { code, message }) => {
                let ns_id = self.lock().ids.next(&account, self.inner.clock.now());
                let answer = SearchAnswer::Error { code: code.clone(), message };
                return Reply::xml(respond::search_result(op, &ns_id, &answer), Outcome::StatusError { code }).injected();
            }
            Some(InjectedFault::Http(code)) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let text = format!("{} {}\n", status.as_u16(), status.canonical_reason().unwrap_or("Error"));
                return Reply::plain(status, "text/plain; charset=utf-8", text.into_bytes()).injected();
            }
            Some(InjectedFault::HtmlPage) => {
                return Reply::plain(StatusCode::BAD_GATEWAY, "text/html", BAD_GATEWAY_HTML.as_bytes().to_vec()).injected();
            }
            Some(InjectedFault::DropConnection) => return Reply::dropped().injected(),
        }
        let reply = self.run(&account, op, call, req.prefs, entry);
        if truncate {
            reply.truncated()
        } else {
            reply
        }
    }

    /// Runs an authenticated search call. The lock is released before the XML is written.
    fn run(&self, account: &AccountId, op: SearchOp, call: Call, prefs: SearchPrefs, entry: &mut Entry) -> Reply {
        let now = self.inner.clock.now();
        let (ns_id, answer) = {
            let mut guard = self.lock();
            let st = &mut *guard;
            let ns_id = st.ids.next(account, now);
            let Some(acct) = st.accounts.get(account) else {
                return Reply::unreadable("the account disappeared while the request ran");
            };
            let answer = match call {
                Call::Search(spec) => search::start(acct, &mut st.sessions, &mut st.ids, spec, prefs, now),
                Call::More { search_id, page_index } => {
                    let (answer, ty) = search::more(acct, account, &mut st.sessions, &search_id, page_index, now);
                    entry.search_type = ty.map(str::to_string);
                    answer
                }
            };
            (ns_id, answer)
        };
        let outcome = match &answer {
            SearchAnswer::Page(_) => Outcome::Ok,
            SearchAnswer::Error { code, .. } => Outcome::StatusError { code: code.clone() },
        };
        Reply::xml(respond::search_result(op, &ns_id, &answer), outcome)
    }

    /// `getDataCenterUrls`: no authentication; every domain is this server.
    fn data_center_urls(&self, req: &SoapRequest, host: Option<&str>, entry: &mut Entry) -> Reply {
        let text = req.body.message_child("account").map(|e| e.trimmed().to_string());
        entry.account = text.clone();
        let id = text.as_deref().and_then(|t| AccountId::parse(t).ok());
        let ns_id = {
            let mut st = self.lock();
            match id {
                Some(id) if st.accounts.contains_key(&id) => Some(st.ids.next(&id, self.inner.clock.now())),
                _ => None,
            }
        };
        match ns_id {
            Some(ns_id) => {
                let base = format!("http://{}", host.unwrap_or("127.0.0.1"));
                Reply::xml(respond::data_center_urls(&ns_id, &base), Outcome::Ok)
            }
            None => Reply::fault(
                "Invalid account number.",
                Some(FaultDetail { name: "invalidAccountFault", code: "INVALID_ACCT", message: "Invalid account number." }),
            ),
        }
    }
}

async fn soap_endpoint(AxumState(sim): AxumState<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    sim.handle(&headers, body).await.into_response()
}

/// A simulator serving in a background task. Dereferences to its [`Simulator`]; dropping it
/// stops the server.
pub struct RunningSimulator {
    sim: Simulator,
    addr: SocketAddr,
    cancel: CancellationToken,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningSimulator {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The endpoint URL, `http://127.0.0.1:PORT/services/NetSuitePort_2017_2`.
    pub fn endpoint(&self) -> String {
        format!("http://{}{ENDPOINT_PATH}", self.addr)
    }

    /// The simulator it serves.
    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }

    /// Stops accepting connections, waits for requests in flight, and ends the task.
    pub async fn shutdown(mut self) -> io::Result<()> {
        self.cancel.cancel();
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Deref for RunningSimulator {
    type Target = Simulator;

    fn deref(&self) -> &Simulator {
        &self.sim
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl fmt::Debug for RunningSimulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningSimulator").field("addr", &self.addr).finish()
    }
}
