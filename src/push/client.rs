//! The LeanIX Integration API client: an access token from the API token (cached, renewed
//! shortly before expiry or on a 401), synchronization runs created, started, polled and
//! their warnings read, processor configurations read and written.
//!
//! One retry policy ([`RetryPolicy`]) for every call: 429, 5xx and transport errors are tried
//! again at most `max_attempts` times, after the `Retry-After` LeanIX sent (429 and 5xx) or
//! else an exponential back-off with full jitter; a deadline set for the pass
//! ([`LeanixClient::set_deadline`]) ends the retries early when a wait would pass it. Creating
//! a run is tried again here only on 429 (nothing was created); on a 5xx or a lost answer the
//! pusher looks the run up by its description before sending it again, waiting by the same
//! policy ([`LeanixClient::pause`]).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::Rng;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// An error talking to LeanIX.
#[derive(Debug, thiserror::Error)]
pub enum LeanixError {
    /// LeanIX answered with an error status.
    #[error("LeanIX answered HTTP {status}: {body}")]
    Http {
        /// HTTP status.
        status: u16,
        /// The start of the answer's body.
        body: String,
        /// `Retry-After`, when sent.
        retry_after: Option<Duration>,
    },
    /// The request did not complete (connection refused or dropped, timeout).
    #[error("transport error talking to LeanIX: {0}")]
    Transport(String),
    /// The answer could not be read.
    #[error("unreadable LeanIX answer: {0}")]
    Decode(String),
    /// The pass's deadline came (or a wait LeanIX asked for would pass it).
    #[error("push pass deadline reached: {0}")]
    Deadline(String),
}

impl LeanixError {
    /// Whether the call may be sent again as it is (rate limit, server or transport error).
    pub fn is_transient(&self) -> bool {
        match self {
            LeanixError::Http { status, .. } => *status == 429 || *status >= 500,
            LeanixError::Transport(_) => true,
            LeanixError::Decode(_) | LeanixError::Deadline(_) => false,
        }
    }

    /// A short label for metrics and logs (`http_429`, `transport`, `decode`).
    pub fn label(&self) -> String {
        match self {
            LeanixError::Http { status, .. } => format!("http_{status}"),
            LeanixError::Transport(_) => "transport".into(),
            LeanixError::Decode(_) => "decode".into(),
            LeanixError::Deadline(_) => "deadline".into(),
        }
    }
}

/// A synchronization run as LeanIX reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInfo {
    /// Run id.
    pub id: String,
    /// Status, when reported.
    pub status: Option<String>,
    /// The LDIF description.
    pub description: Option<String>,
}

/// Whether a start took effect now or had already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Started {
    /// Started by this call.
    Now,
    /// LeanIX says it was started before (400).
    Already,
}

/// When and how long to wait before a LeanIX call is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts of one call, the first included.
    pub max_attempts: u32,
    /// First back-off ceiling (doubling per attempt) when LeanIX sends no `Retry-After`.
    pub base: Duration,
    /// Largest back-off ceiling.
    pub max: Duration,
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` after `error` ended attempt `attempt` (counting
    /// from 1), or `None` when the call must not be sent again (not transient, or attempts
    /// used up). `Retry-After` of a 429 or 5xx is taken as it is; otherwise a random wait up
    /// to `base * 2^(attempt-1)`, at most `max`.
    pub fn wait(&self, attempt: u32, error: &LeanixError) -> Option<Duration> {
        if !error.is_transient() || attempt >= self.max_attempts {
            return None;
        }
        if let LeanixError::Http { status, retry_after: Some(d), .. } = error {
            if *status == 429 || *status >= 500 {
                return Some(*d);
            }
        }
        let ceiling = self.base.saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16)).min(self.max);
        let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Some(Duration::from_millis(rand::thread_rng().gen_range(0..=ms)))
    }
}

/// The client of one LeanIX workspace (one API token).
pub struct LeanixClient {
    http: reqwest::Client,
    base: String,
    api_token: SecretString,
    token: Mutex<Option<(String, Instant)>>,
    policy: RetryPolicy,
    deadline: Mutex<Option<tokio::time::Instant>>,
}

impl std::fmt::Debug for LeanixClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeanixClient").field("base", &self.base).finish()
    }
}

fn snippet(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).split_whitespace().collect::<Vec<_>>().join(" ")
}

fn transport(e: reqwest::Error) -> LeanixError {
    let mut msg = if e.is_timeout() { "timeout".to_string() } else { "request failed".to_string() };
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    LeanixError::Transport(msg)
}

impl LeanixClient {
    /// A client for the LeanIX instance at `base_url` with `api_token`.
    pub fn new(
        base_url: &str,
        api_token: SecretString,
        timeout: Duration,
        policy: RetryPolicy,
    ) -> Result<Self, LeanixError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("netsuite-discovery/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(transport)?;
        Ok(Self {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            api_token,
            token: Mutex::new(None),
            policy: RetryPolicy { max_attempts: policy.max_attempts.max(1), ..policy },
            deadline: Mutex::new(None),
        })
    }

    /// The retry policy.
    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    /// Sets (or clears) the deadline of the pass: no call is sent, and no wait begins that
    /// would end, after it.
    pub fn set_deadline(&self, deadline: Option<tokio::time::Instant>) {
        *self.deadline.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = deadline;
    }

    fn deadline(&self) -> Option<tokio::time::Instant> {
        *self.deadline.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// An error when the deadline has passed.
    pub fn check_deadline(&self) -> Result<(), LeanixError> {
        match self.deadline() {
            Some(d) if tokio::time::Instant::now() >= d => {
                Err(LeanixError::Deadline("no time left in this pass".into()))
            }
            _ => Ok(()),
        }
    }

    /// Waits as the policy says after `error` ended attempt `attempt` of the call `what`;
    /// the error back when the call must not be sent again, a deadline error when the wait
    /// would pass the deadline.
    pub async fn pause(&self, what: &str, attempt: u32, error: LeanixError) -> Result<(), LeanixError> {
        let Some(wait) = self.policy.wait(attempt, &error) else {
            return Err(error);
        };
        if let Some(d) = self.deadline() {
            if tokio::time::Instant::now() + wait > d {
                return Err(LeanixError::Deadline(format!(
                    "{what}: {} after attempt {attempt}, and waiting {} ms would pass the deadline",
                    error.label(),
                    wait.as_millis()
                )));
            }
        }
        tracing::warn!(call = what, attempt, error = %error.label(), wait_ms = wait.as_millis() as u64, "LeanIX call failed, retrying");
        metrics::counter!("leanix_retries_total", "call" => what.to_string(), "error" => error.label()).increment(1);
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn cached_token(&self) -> Option<String> {
        let guard = self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.as_ref().filter(|(_, until)| Instant::now() < *until).map(|(t, _)| t.clone())
    }

    fn forget_token(&self) {
        *self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// The access token, fetched with the API token when none is cached or it is about to
    /// expire.
    async fn access_token(&self) -> Result<String, LeanixError> {
        if let Some(t) = self.cached_token() {
            return Ok(t);
        }
        let resp = self
            .http
            .post(format!("{}/services/mtm/v1/oauth2/token", self.base))
            .basic_auth("apitoken", Some(self.api_token.expose_secret()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let retry_after = retry_after(&resp);
        let body = resp.bytes().await.map_err(transport)?;
        if status != 200 {
            return Err(LeanixError::Http { status, body: snippet(&body), retry_after });
        }
        let v: Value = serde_json::from_slice(&body).map_err(|e| LeanixError::Decode(e.to_string()))?;
        let token = v
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| LeanixError::Decode("no access_token".into()))?;
        let expires_in = v.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
        // Renew a minute early (or at half life for short tokens).
        let life = Duration::from_secs(expires_in.saturating_sub(60).max(expires_in / 2));
        *self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((token.to_string(), Instant::now() + life));
        Ok(token.to_string())
    }

    /// One call with the bearer token: a 401 renews the token once; transient errors (of the
    /// call or of fetching the token) are sent again by the policy (all of them when
    /// `idempotent`, only 429 otherwise).
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Bytes>,
        idempotent: bool,
    ) -> Result<Value, LeanixError> {
        let url = format!("{}/services/integration-api/v1{path}", self.base);
        let what = path.split('?').next().unwrap_or(path);
        let mut attempt = 1;
        let mut renewed = false;
        loop {
            self.check_deadline()?;
            let result = async {
                let token = self.access_token().await?;
                let mut req = self.http.request(method.clone(), &url).bearer_auth(token);
                if !query.is_empty() {
                    req = req.query(query);
                }
                if let Some(b) = body {
                    // Serialized once by the caller; a retry sends the same bytes (a cheap clone).
                    req = req.header(reqwest::header::CONTENT_TYPE, "application/json").body(b.clone());
                }
                let resp = req.send().await.map_err(transport)?;
                let status = resp.status().as_u16();
                let retry_after = retry_after(&resp);
                let bytes = resp.bytes().await.map_err(transport)?;
                if (200..300).contains(&status) {
                    if bytes.is_empty() {
                        return Ok(Value::Null);
                    }
                    return serde_json::from_slice(&bytes).map_err(|e| LeanixError::Decode(e.to_string()));
                }
                Err(LeanixError::Http { status, body: snippet(&bytes), retry_after })
            }
            .await;
            match result {
                Ok(v) => return Ok(v),
                Err(LeanixError::Http { status: 401, .. }) if !renewed => {
                    self.forget_token();
                    renewed = true;
                }
                Err(e) => {
                    let again = idempotent || matches!(e, LeanixError::Http { status: 429, .. });
                    if !again {
                        return Err(e);
                    }
                    self.pause(what, attempt, e).await?;
                    attempt += 1;
                }
            }
        }
    }

    /// Creates a synchronization run (not started) with `ldif`, an LDIF document serialized
    /// as JSON (see [`super::ldif::serialize`]).
    pub async fn create_run(&self, ldif: &Bytes) -> Result<RunInfo, LeanixError> {
        let v = self.call(Method::POST, "/synchronizationRuns", &[("start", "false")], Some(ldif), false).await?;
        // One public client reads an object, a derived OpenAPI says an array: accept both.
        let obj = match &v {
            Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
            other => other.clone(),
        };
        run_info(&obj).ok_or_else(|| LeanixError::Decode(format!("no run id in {v}")))
    }

    /// Starts a run; a 400 (already started) counts as started.
    pub async fn start_run(&self, id: &str) -> Result<Started, LeanixError> {
        match self.call(Method::POST, &format!("/synchronizationRuns/{id}/start"), &[], None, true).await {
            Ok(_) => Ok(Started::Now),
            Err(LeanixError::Http { status: 400, .. }) => Ok(Started::Already),
            Err(e) => Err(e),
        }
    }

    /// The status of a run.
    pub async fn status(&self, id: &str) -> Result<String, LeanixError> {
        let v = self.call(Method::GET, &format!("/synchronizationRuns/{id}/status"), &[], None, true).await?;
        v.get("status")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| LeanixError::Decode(format!("no status in {v}")))
    }

    /// Every warning of a run, read 100 at a time (`offset` a multiple of `limit`, as
    /// documented), at most [`MAX_WARNING_PAGES`] pages.
    pub async fn warnings(&self, id: &str) -> Result<Vec<Value>, LeanixError> {
        let mut out = Vec::new();
        for page in 0..MAX_WARNING_PAGES {
            let offset = (page * WARNINGS_PAGE).to_string();
            let limit = WARNINGS_PAGE.to_string();
            let path = format!("/synchronizationRuns/{id}/warnings");
            let answer = self.call(Method::GET, &path, &[("offset", &offset), ("limit", &limit)], None, true).await?;
            let items = match answer {
                Value::Array(a) => a,
                Value::Object(o) => o.get("data").and_then(Value::as_array).cloned().unwrap_or_default(),
                _ => Vec::new(),
            };
            let n = items.len();
            out.extend(items);
            if n < WARNINGS_PAGE {
                return Ok(out);
            }
        }
        tracing::warn!(run = id, read = out.len(), "a run has more warnings than are read; the rest is not looked at");
        Ok(out)
    }

    /// The processor configurations LeanIX holds for this connector (inbound), any version
    /// when `version` is `None`.
    pub async fn configurations(
        &self,
        connector_type: &str,
        connector_id: &str,
        version: Option<&str>,
    ) -> Result<Vec<Value>, LeanixError> {
        let mut query =
            vec![("connectorType", connector_type), ("connectorId", connector_id), ("processingDirection", "inbound")];
        if let Some(v) = version {
            query.push(("connectorVersion", v));
        }
        match self.call(Method::GET, "/configurations", &query, None, true).await? {
            Value::Array(a) => Ok(a),
            Value::Null => Ok(Vec::new()),
            other => Err(LeanixError::Decode(format!(
                "configurations: expected an array, got {}",
                snippet(other.to_string().as_bytes())
            ))),
        }
    }

    /// Inserts or updates a processor configuration (`PUT /configurations`).
    pub async fn put_configuration(&self, configuration: &Value) -> Result<(), LeanixError> {
        let body = Bytes::from(serde_json::to_vec(configuration).map_err(|e| LeanixError::Decode(e.to_string()))?);
        self.call(Method::PUT, "/configurations", &[], Some(&body), true).await.map(|_| ())
    }

    /// The runs LeanIX knows, with their descriptions.
    pub async fn list_runs(&self) -> Result<Vec<RunInfo>, LeanixError> {
        let v = self.call(Method::GET, "/synchronizationRuns", &[], None, true).await?;
        let items = match &v {
            Value::Array(a) => a.clone(),
            Value::Object(o) => o.get("data").and_then(Value::as_array).cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok(items.iter().filter_map(run_info).collect())
    }
}

/// Warnings read per request (the documented maximum).
const WARNINGS_PAGE: usize = 100;

/// Pages of warnings read at most per run.
pub const MAX_WARNING_PAGES: usize = 1000;

fn run_info(v: &Value) -> Option<RunInfo> {
    Some(RunInfo {
        id: v.get("id").and_then(Value::as_str)?.to_string(),
        status: v.get("status").and_then(Value::as_str).map(str::to_string),
        description: v.get("description").and_then(Value::as_str).map(str::to_string),
    })
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get("retry-after")
        .and_then(|h| h.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s.min(300)))
}
