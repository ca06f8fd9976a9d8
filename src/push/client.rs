//! The LeanIX Integration API client: an access token from the API token (cached, renewed
//! shortly before expiry or on a 401), synchronization runs created, started, polled and their
//! warnings read. Calls that cannot create anything twice are retried on 429 (honouring
//! `Retry-After`), 5xx and transport errors; creating a run is retried only on 429, since a
//! lost answer may hide a run that exists (the pusher looks it up by its description).

use std::sync::Mutex;
use std::time::{Duration, Instant};

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
}

impl LeanixError {
    /// Whether the call may be sent again as it is (rate limit, server or transport error).
    pub fn is_transient(&self) -> bool {
        match self {
            LeanixError::Http { status, .. } => *status == 429 || *status >= 500,
            LeanixError::Transport(_) => true,
            LeanixError::Decode(_) => false,
        }
    }

    /// A short label for metrics and logs (`http_429`, `transport`, `decode`).
    pub fn label(&self) -> String {
        match self {
            LeanixError::Http { status, .. } => format!("http_{status}"),
            LeanixError::Transport(_) => "transport".into(),
            LeanixError::Decode(_) => "decode".into(),
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

/// The client of one LeanIX workspace (one API token).
pub struct LeanixClient {
    http: reqwest::Client,
    base: String,
    api_token: SecretString,
    token: Mutex<Option<(String, Instant)>>,
    max_attempts: u32,
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
        max_attempts: u32,
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
            max_attempts: max_attempts.max(1),
        })
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

    /// One call with the bearer token: a 401 renews the token once; transient errors are
    /// retried (all of them when `idempotent`, only 429 otherwise) with back-off honouring
    /// `Retry-After`.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Value, LeanixError> {
        let url = format!("{}/services/integration-api/v1{path}", self.base);
        let mut attempt = 1;
        let mut renewed = false;
        loop {
            let result = async {
                let token = self.access_token().await?;
                let mut req = self.http.request(method.clone(), &url).bearer_auth(token);
                if let Some(b) = body {
                    req = req.json(b);
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
                    let retry = match &e {
                        LeanixError::Http { status: 429, .. } => true,
                        other => idempotent && other.is_transient(),
                    };
                    if !retry || attempt >= self.max_attempts {
                        return Err(e);
                    }
                    let wait = match &e {
                        LeanixError::Http { retry_after: Some(d), .. } => *d,
                        _ => {
                            let ceiling = 200u64.saturating_mul(1 << attempt.min(10)).min(10_000);
                            Duration::from_millis(rand::thread_rng().gen_range(0..=ceiling))
                        }
                    };
                    tracing::warn!(path, attempt, error = %e.label(), wait_ms = wait.as_millis() as u64, "LeanIX call failed, retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Creates a synchronization run (not started) with `ldif`.
    pub async fn create_run(&self, ldif: &Value) -> Result<RunInfo, LeanixError> {
        let v = self.call(Method::POST, "/synchronizationRuns?start=false", Some(ldif), false).await?;
        // One public client reads an object, a derived OpenAPI says an array: accept both.
        let obj = match &v {
            Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
            other => other.clone(),
        };
        run_info(&obj).ok_or_else(|| LeanixError::Decode(format!("no run id in {v}")))
    }

    /// Starts a run; a 400 (already started) counts as started.
    pub async fn start_run(&self, id: &str) -> Result<Started, LeanixError> {
        match self.call(Method::POST, &format!("/synchronizationRuns/{id}/start"), None, true).await {
            Ok(_) => Ok(Started::Now),
            Err(LeanixError::Http { status: 400, .. }) => Ok(Started::Already),
            Err(e) => Err(e),
        }
    }

    /// The status of a run.
    pub async fn status(&self, id: &str) -> Result<String, LeanixError> {
        let v = self.call(Method::GET, &format!("/synchronizationRuns/{id}/status"), None, true).await?;
        v.get("status")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| LeanixError::Decode(format!("no status in {v}")))
    }

    /// Every warning of a run (read 100 at a time).
    pub async fn warnings(&self, id: &str) -> Result<Vec<Value>, LeanixError> {
        let mut out = Vec::new();
        loop {
            let path = format!("/synchronizationRuns/{id}/warnings?offset={}&limit=100", out.len());
            let page = match self.call(Method::GET, &path, None, true).await? {
                Value::Array(a) => a,
                Value::Object(o) => o.get("data").and_then(Value::as_array).cloned().unwrap_or_default(),
                _ => Vec::new(),
            };
            let n = page.len();
            out.extend(page);
            if n < 100 {
                return Ok(out);
            }
        }
    }

    /// The runs LeanIX knows, with their descriptions.
    pub async fn list_runs(&self) -> Result<Vec<RunInfo>, LeanixError> {
        let v = self.call(Method::GET, "/synchronizationRuns", None, true).await?;
        let items = match &v {
            Value::Array(a) => a.clone(),
            Value::Object(o) => o.get("data").and_then(Value::as_array).cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok(items.iter().filter_map(run_info).collect())
    }
}

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
