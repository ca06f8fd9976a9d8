//! The HTTP side: routes, the request pipeline (authenticate, rate-limit, check the query,
//! draw a fault, run, log) and one function per endpoint.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::{get, post};
use axum::Router;
use chrono::TimeDelta;
use serde_json::{json, Value};

use super::configurations::{self, KEY_FIELDS};
use super::faults::{Endpoint, LeanixFault};
use super::ldif;
use super::log::LeanixRequest;
use super::runs::Run;
use super::state::{LeanixSim, INTEGRATION_API_PATH, TOKEN_PATH};
use super::wire::{self, Reply};

/// Largest `limit` of the warnings endpoint.
pub(crate) const MAX_WARNINGS_LIMIT: usize = 100;

/// A request to an endpoint, its query read.
enum Call {
    Token,
    Create { start: bool },
    List,
    Start { id: String },
    Status { id: String },
    Warnings { id: String, offset: usize, limit: usize },
    ListConfigurations { filter: Vec<(String, String)> },
    PutConfiguration,
    DeleteConfiguration { filter: Vec<(String, String)> },
}

/// The routes, on `sim`.
pub(crate) fn router(sim: LeanixSim, max_body_bytes: usize) -> Router {
    let runs = format!("{INTEGRATION_API_PATH}/synchronizationRuns");
    Router::new()
        .route(TOKEN_PATH, post(token))
        .route(&runs, post(create).get(list))
        .route(&format!("{runs}/{{id}}/start"), post(start))
        .route(&format!("{runs}/{{id}}/status"), get(status))
        .route(&format!("{runs}/{{id}}/warnings"), get(warnings))
        .route(
            &format!("{INTEGRATION_API_PATH}/configurations"),
            get(list_configurations).put(put_configuration).delete(delete_configuration),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(sim)
}

async fn token(State(sim): State<LeanixSim>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Reply {
    sim.handle(Endpoint::Token, Ok(Call::Token), &method, &uri, &headers, body).await
}

async fn create(State(sim): State<LeanixSim>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Reply {
    let call = bool_param(uri.query(), "start").map(|start| Call::Create { start });
    sim.handle(Endpoint::Create, call, &method, &uri, &headers, body).await
}

async fn list(State(sim): State<LeanixSim>, method: Method, uri: Uri, headers: HeaderMap) -> Reply {
    sim.handle(Endpoint::List, Ok(Call::List), &method, &uri, &headers, Bytes::new()).await
}

async fn start(
    State(sim): State<LeanixSim>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Reply {
    sim.handle(Endpoint::Start, Ok(Call::Start { id }), &method, &uri, &headers, Bytes::new()).await
}

async fn status(
    State(sim): State<LeanixSim>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Reply {
    sim.handle(Endpoint::Status, Ok(Call::Status { id }), &method, &uri, &headers, Bytes::new()).await
}

async fn warnings(
    State(sim): State<LeanixSim>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Reply {
    let call = paging(uri.query()).map(|(offset, limit)| Call::Warnings { id, offset, limit });
    sim.handle(Endpoint::Warnings, call, &method, &uri, &headers, Bytes::new()).await
}

/// The filter parameters `GET` and `DELETE /configurations` take.
fn configuration_filter(query: Option<&str>) -> Vec<(String, String)> {
    let pairs = wire::pairs(query.unwrap_or_default());
    KEY_FIELDS
        .iter()
        .chain(["processingMode"].iter())
        .filter_map(|k| wire::param(&pairs, k).map(|v| (k.to_string(), v.to_string())))
        .collect()
}

async fn list_configurations(State(sim): State<LeanixSim>, method: Method, uri: Uri, headers: HeaderMap) -> Reply {
    let call = Call::ListConfigurations { filter: configuration_filter(uri.query()) };
    sim.handle(Endpoint::Configurations, Ok(call), &method, &uri, &headers, Bytes::new()).await
}

async fn put_configuration(
    State(sim): State<LeanixSim>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    sim.handle(Endpoint::Configurations, Ok(Call::PutConfiguration), &method, &uri, &headers, body).await
}

async fn delete_configuration(State(sim): State<LeanixSim>, method: Method, uri: Uri, headers: HeaderMap) -> Reply {
    let call = Call::DeleteConfiguration { filter: configuration_filter(uri.query()) };
    sim.handle(Endpoint::Configurations, Ok(call), &method, &uri, &headers, Bytes::new()).await
}

async fn not_found(State(sim): State<LeanixSim>, method: Method, uri: Uri) -> Reply {
    let reply = Reply::error(StatusCode::NOT_FOUND, &format!("No resource at {}", uri.path()));
    sim.log_request(sim.clock_now(), Instant::now(), Endpoint::Other, &method, &uri, None, &reply);
    reply
}

/// The boolean query parameter `key` (`false` when absent).
fn bool_param(query: Option<&str>, key: &str) -> Result<bool, String> {
    let pairs = wire::pairs(query.unwrap_or_default());
    match wire::param(&pairs, key) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(format!("{key} must be true or false, not {v:?}")),
    }
}

/// `offset` (default 0) and `limit` (default and at most [`MAX_WARNINGS_LIMIT`], at least 1).
fn paging(query: Option<&str>) -> Result<(usize, usize), String> {
    let pairs = wire::pairs(query.unwrap_or_default());
    let number = |key: &str, default: usize| match wire::param(&pairs, key) {
        None => Ok(default),
        Some(v) => v.trim().parse::<usize>().map_err(|_| format!("{key} must be a non-negative integer, not {v:?}")),
    };
    let offset = number("offset", 0)?;
    let limit = number("limit", MAX_WARNINGS_LIMIT)?;
    if limit == 0 || limit > MAX_WARNINGS_LIMIT {
        return Err(format!("limit must be between 1 and {MAX_WARNINGS_LIMIT}, not {limit}"));
    }
    Ok((offset, limit))
}

impl LeanixSim {
    /// Handles one request and logs it.
    async fn handle(
        &self,
        endpoint: Endpoint,
        call: Result<Call, String>,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Reply {
        let started = Instant::now();
        let at = self.clock_now();
        let path_id = match &call {
            Ok(Call::Start { id } | Call::Status { id }) => Some(id.clone()),
            Ok(Call::Warnings { id, .. }) => Some(id.clone()),
            _ => None,
        };
        let reply = self.process(endpoint, call, headers, &body).await;
        self.log_request(at, started, endpoint, method, uri, path_id, &reply);
        reply
    }

    /// Appends a request to the log.
    #[allow(clippy::too_many_arguments)]
    fn log_request(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        started: Instant,
        endpoint: Endpoint,
        method: &Method,
        uri: &Uri,
        path_id: Option<String>,
        reply: &Reply,
    ) {
        let status = if reply.body.is_some() { reply.status.as_u16() } else { 0 };
        tracing::debug!(endpoint = endpoint.as_str(), status, injected = reply.injected, "leanix simulator request");
        let entry = LeanixRequest {
            at,
            elapsed: started.elapsed(),
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            endpoint,
            status,
            injected: reply.injected,
            run_id: reply.run_id.clone().or(path_id),
            note: reply.note.clone(),
        };
        let mut st = self.lock();
        if st.log.len() >= self.inner.log_capacity {
            st.log.pop_front();
        }
        st.log.push_back(entry);
    }

    /// Authenticates, rate-limits, checks the query, draws a fault, and runs the call.
    async fn process(&self, endpoint: Endpoint, call: Result<Call, String>, headers: &HeaderMap, body: &[u8]) -> Reply {
        let starts_run = matches!(call, Ok(Call::Create { start: true } | Call::Start { .. }));
        let bearer = wire::bearer(headers).map(str::to_string);
        let (call, fault) = {
            let mut st = self.lock();
            let now = self.clock_now();
            if endpoint == Endpoint::Token {
                match wire::basic_credentials(headers) {
                    None => return unauthorized("Basic credentials apitoken:{API_TOKEN} are required"),
                    Some((user, _)) if user != "apitoken" => {
                        return unauthorized("the Basic user name must be \"apitoken\"")
                    }
                    Some((_, token)) if !st.api_tokens.contains(&token) => return unauthorized("invalid API token"),
                    Some(_) => {}
                }
            } else {
                match bearer.as_deref().map(|t| st.access_tokens.get(t)) {
                    None => return unauthorized("a Bearer access token is required"),
                    Some(None) => return unauthorized("unknown access token"),
                    Some(Some(expiry)) if *expiry <= now => return unauthorized("access token expired"),
                    Some(Some(_)) => {}
                }
            }
            if let Err(secs) = st.rate.admit(now) {
                return Reply::too_many_requests(Some(secs)).noted("over the requests-per-minute limit");
            }
            let call = match call {
                Ok(c) => c,
                Err(message) => return Reply::error(StatusCode::BAD_REQUEST, &message),
            };
            (call, st.faults.next(endpoint, starts_run))
        };
        let (fault, delayed) = match fault {
            Some(LeanixFault::Delay(d)) => {
                tokio::time::sleep(d).await;
                (None, Some(d))
            }
            other => (other, None),
        };
        let reply = match fault {
            Some(LeanixFault::TooManyRequests { retry_after_secs }) => {
                return Reply::too_many_requests(retry_after_secs).injected()
            }
            Some(LeanixFault::ServerError(code)) => {
                let status = StatusCode::from_u16(code)
                    .ok()
                    .filter(|s| s.is_server_error())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Reply::error(status, "Simulated server error").injected();
            }
            Some(LeanixFault::ServerErrorRetryAfter { status, retry_after_secs }) => {
                let status = StatusCode::from_u16(status)
                    .ok()
                    .filter(|s| s.is_server_error())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut reply = Reply::error(status, "Simulated server error");
                reply.retry_after = Some(retry_after_secs);
                return reply.injected();
            }
            Some(LeanixFault::Unauthorized) => {
                if let (Some(t), true) = (&bearer, endpoint != Endpoint::Token) {
                    self.lock().access_tokens.remove(t);
                }
                return unauthorized("access token expired").injected();
            }
            Some(LeanixFault::BadRequest { message }) => {
                return Reply::error(StatusCode::BAD_REQUEST, &message).injected()
            }
            other => match call {
                Call::Token => self.issue_token(body),
                Call::Create { start } => self.create_run(body, start, other),
                Call::List => self.list_runs(),
                Call::Start { id } => self.start_run(&id, other),
                Call::Status { id } => self.run_status(&id),
                Call::Warnings { id, offset, limit } => self.run_warnings(&id, offset, limit),
                Call::ListConfigurations { filter } => self.list_configurations(&filter),
                Call::PutConfiguration => self.answer_put_configuration(body),
                Call::DeleteConfiguration { filter } => self.delete_configuration(&filter),
            },
        };
        match delayed {
            Some(d) if !reply.injected => {
                let note = reply.note.clone().unwrap_or_else(|| format!("delayed {d:?}"));
                reply.injected().noted(&note)
            }
            _ => reply,
        }
    }

    /// `POST /services/mtm/v1/oauth2/token` after the API token was accepted.
    fn issue_token(&self, body: &[u8]) -> Reply {
        let form = wire::pairs(&String::from_utf8_lossy(body));
        match wire::param(&form, "grant_type") {
            Some("client_credentials") => {}
            other => {
                let message = match other {
                    None => "grant_type is required".to_string(),
                    Some(g) => format!("unsupported grant_type {g:?}"),
                };
                return Reply::json(
                    StatusCode::BAD_REQUEST,
                    &json!({"error": "unsupported_grant_type", "error_description": message}),
                )
                .noted(&message);
            }
        }
        let mut st = self.lock();
        let now = self.clock_now();
        let ttl = st.token_ttl;
        let token = st.new_access_token();
        if st.access_tokens.len() >= 1000 {
            st.access_tokens.retain(|_, expiry| *expiry > now);
        }
        let expiry = now + TimeDelta::from_std(ttl).unwrap_or(TimeDelta::MAX);
        st.access_tokens.insert(token.clone(), expiry);
        st.tokens_issued += 1;
        Reply::json(
            StatusCode::OK,
            &json!({
                "scope": "",
                "expired": false,
                "access_token": token,
                "token_type": "bearer",
                "expires_in": ttl.as_secs(),
            }),
        )
    }

    /// `POST /synchronizationRuns`: checks the LDIF, records the run, starts it with
    /// `start=true`.
    fn create_run(&self, body: &[u8], start: bool, fault: Option<LeanixFault>) -> Reply {
        let ldif = match ldif::parse(body) {
            Ok(l) => l,
            Err(problems) => {
                let reply = Reply::invalid_ldif(problems);
                return if fault.is_some() { reply.injected() } else { reply };
            }
        };
        let mut st = self.lock();
        let now = self.clock_now();
        let id = st.new_run_id();
        let run = Run::new(id.clone(), ldif, now);
        let idx = st.runs.len();
        st.run_index.insert(id.clone(), idx);
        st.runs.push(run);
        if start {
            let (fail, ignore) = run_faults(fault.as_ref());
            st.start_run(&id, now, fail, ignore);
        }
        if fault == Some(LeanixFault::DropAfterCreate) {
            return Reply::dropped().injected().for_run(&id).noted("run created, answer dropped");
        }
        let answer = st.with_run(
            &id,
            now,
            |run, _, _| json!({"id": run.id, "status": run.status.as_str(), "description": run.description}),
        );
        let reply = Reply::json(StatusCode::OK, &answer.unwrap_or(Value::Null)).for_run(&id);
        if matches!(fault, Some(LeanixFault::FailRun { .. })) {
            reply.injected().noted("the run will fail")
        } else {
            reply
        }
    }

    /// `GET /synchronizationRuns`.
    fn list_runs(&self) -> Reply {
        let mut st = self.lock();
        st.catch_up_all(self.clock_now());
        let list: Vec<Value> = st.runs.iter().map(Run::list_entry).collect();
        Reply::json(StatusCode::OK, &Value::Array(list))
    }

    /// `POST /synchronizationRuns/{id}/start`.
    fn start_run(&self, id: &str, fault: Option<LeanixFault>) -> Reply {
        let mut st = self.lock();
        let now = self.clock_now();
        let Some(already) = st.with_run(id, now, |run, _, _| run.started()) else {
            return unknown_run(id).injected_if(fault.is_some());
        };
        if already {
            return Reply::error(StatusCode::BAD_REQUEST, &already_started(id)).injected_if(fault.is_some());
        }
        let (fail, ignore) = run_faults(fault.as_ref());
        st.start_run(id, now, fail, ignore);
        match fault {
            Some(LeanixFault::DuplicateStart) => Reply::error(StatusCode::BAD_REQUEST, &already_started(id))
                .injected()
                .noted("started, then answered as a duplicate start"),
            Some(LeanixFault::FailRun { .. }) => {
                let answer = st.with_run(id, now, |run, _, _| json!({"id": run.id, "status": run.status.as_str()}));
                Reply::json(StatusCode::OK, &answer.unwrap_or(Value::Null)).injected().noted("the run will fail")
            }
            _ => {
                let answer = st.with_run(id, now, |run, _, _| json!({"id": run.id, "status": run.status.as_str()}));
                Reply::json(StatusCode::OK, &answer.unwrap_or(Value::Null))
            }
        }
    }

    /// `GET /synchronizationRuns/{id}/status`: answers the status after this poll's step.
    fn run_status(&self, id: &str) -> Reply {
        let mut st = self.lock();
        let now = self.clock_now();
        let status = st.with_run(id, now, |run, delivered, advance| {
            run.poll(now, advance, delivered);
            run.status
        });
        match status {
            Some(s) => Reply::json(StatusCode::OK, &json!({"status": s.as_str()})),
            None => unknown_run(id),
        }
    }

    /// `GET /synchronizationRuns/{id}/warnings`.
    fn run_warnings(&self, id: &str, offset: usize, limit: usize) -> Reply {
        let mut st = self.lock();
        let now = self.clock_now();
        let page = st.with_run(id, now, |run, _, _| {
            run.warnings
                .iter()
                .enumerate()
                .skip(offset)
                .take(limit)
                .map(|(i, w)| w.to_json(i + 1, &run.id))
                .collect::<Vec<Value>>()
        });
        match page {
            Some(p) => Reply::json(StatusCode::OK, &Value::Array(p)),
            None => unknown_run(id),
        }
    }
}

impl LeanixSim {
    /// `GET /configurations`: every configuration whose fields equal the filter's.
    fn list_configurations(&self, filter: &[(String, String)]) -> Reply {
        let st = self.lock();
        let list: Vec<Value> =
            st.configurations.iter().filter(|c| matches_filter(&c.value, filter)).map(|c| c.value.clone()).collect();
        Reply::json(StatusCode::OK, &Value::Array(list))
    }

    /// `PUT /configurations`: inserts or replaces the configuration of its connector key; 204.
    fn answer_put_configuration(&self, body: &[u8]) -> Reply {
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return Reply::error(StatusCode::BAD_REQUEST, &format!("the body is not JSON: {e}")),
        };
        let config = match configurations::parse(value) {
            Ok(c) => c,
            Err(problems) => {
                let message = format!("Invalid processor configuration: {}", problems.join("; "));
                return Reply::json(
                    StatusCode::BAD_REQUEST,
                    &json!({"status": "ERROR", "errorMessage": message, "errors": problems}),
                )
                .noted(&message);
            }
        };
        self.install(config);
        Reply::empty(StatusCode::NO_CONTENT)
    }

    /// `DELETE /configurations`: removes the configurations matching the filter (all four
    /// connector fields required); 404 when none.
    fn delete_configuration(&self, filter: &[(String, String)]) -> Reply {
        if KEY_FIELDS.iter().any(|k| !filter.iter().any(|(f, _)| f == k)) {
            return Reply::error(StatusCode::BAD_REQUEST, "Not all necessary fields are set in parameters");
        }
        let mut st = self.lock();
        let before = st.configurations.len();
        st.configurations.retain(|c| !matches_filter(&c.value, filter));
        if st.configurations.len() == before {
            return Reply::error(StatusCode::NOT_FOUND, "No such processor configuration found");
        }
        Reply::empty(StatusCode::OK)
    }
}

/// Whether `config` has every field of `filter` with the value given (`processingMode`
/// defaults to `partial`).
fn matches_filter(config: &Value, filter: &[(String, String)]) -> bool {
    filter.iter().all(|(k, v)| {
        let have = config.get(k).and_then(Value::as_str).unwrap_or(if k == "processingMode" { "partial" } else { "" });
        have == v
    })
}

impl Reply {
    /// Marked as caused by a fault when `yes` (a fault used up by a request it could not
    /// act on).
    fn injected_if(self, yes: bool) -> Self {
        if yes {
            self.injected()
        } else {
            self
        }
    }
}

/// What a fault does to the run a request starts: its FAILED warnings, its items left out.
#[allow(clippy::type_complexity)]
fn run_faults(fault: Option<&LeanixFault>) -> (Option<Vec<String>>, Option<(usize, String)>) {
    match fault {
        Some(LeanixFault::FailRun { warnings }) => (Some(warnings.clone()), None),
        Some(LeanixFault::IgnoreItems { count, message }) => (None, Some((*count, message.clone()))),
        _ => (None, None),
    }
}

/// 401 with this message.
fn unauthorized(message: &str) -> Reply {
    Reply::error(StatusCode::UNAUTHORIZED, message)
}

/// 404 for a run id not known.
fn unknown_run(id: &str) -> Reply {
    Reply::error(StatusCode::NOT_FOUND, &format!("Synchronization run {id} not found")).for_run(id)
}

/// The message of a second start.
fn already_started(id: &str) -> String {
    format!("Synchronization run {id} has already been started")
}
