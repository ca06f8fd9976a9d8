//! The SOAP client: one HTTP POST per call, a fresh passport on every attempt, the response
//! stream-parsed into a typed page or a [`WireError`]. It does not retry: retry rules live in
//! `governance::retry`, which calls these methods again (and so signs a new passport each time).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::envelope::{self, SearchPreferences};
use super::parse::{parse_response, parse_search, RawForm};
use super::passport::{Credentials, TokenPassport};
use super::records::RawRecord;
use super::search::{DeletedPage, DeletedQuery, SearchPage, SearchQuery, SearchType};
use super::version::SoapVersion;
use super::WireError;

/// Settings of one client (one tenant's account).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Full endpoint URL, `.../services/NetSuitePort_<v>` of `soap_version`.
    pub endpoint: String,
    /// The endpoint version: every namespace URN of every request is built from it.
    pub soap_version: SoapVersion,
    /// `searchPreferences/pageSize`.
    pub page_size: u32,
    /// Whole-request timeout (NetSuite kills requests after 15 minutes).
    pub timeout: Duration,
    /// Largest response body accepted, counted after decompression (`sync.max_response_bytes`).
    pub max_body_bytes: usize,
}

impl ClientConfig {
    /// Defaults for an endpoint of version 2017_2: page size 1000, 5 minute timeout, 64 MiB
    /// bodies.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self::for_version(endpoint, SoapVersion::default())
    }

    /// Defaults for an endpoint of version `soap_version`.
    pub fn for_version(endpoint: impl Into<String>, soap_version: SoapVersion) -> Self {
        Self {
            endpoint: endpoint.into(),
            soap_version,
            page_size: 1000,
            timeout: Duration::from_secs(300),
            max_body_bytes: 64 << 20,
        }
    }
}

/// Counters of what a client sent, for summaries and metrics.
#[derive(Debug, Default)]
pub struct ClientStats {
    /// Requests sent (every attempt counts).
    pub requests: AtomicU64,
    /// Requests that ended in an error of any kind.
    pub errors: AtomicU64,
    /// Response bytes read.
    pub bytes: AtomicU64,
}

/// A NetSuite SOAP client for one account.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
    creds: Arc<Credentials>,
    stats: Arc<ClientStats>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.config.endpoint)
            .field("soap_version", &self.config.soap_version)
            .field("account", &self.creds.account)
            .finish()
    }
}

impl Client {
    /// A client for `creds.account` at `config.endpoint`.
    pub fn new(creds: Credentials, config: ClientConfig) -> Result<Self, WireError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(30))
            .user_agent(concat!("netsuite-discovery/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WireError::Transport(format!("building HTTP client: {e}")))?;
        Ok(Self { http, config, creds: Arc::new(creds), stats: Arc::new(ClientStats::default()) })
    }

    /// What this client has sent so far.
    pub fn stats(&self) -> &ClientStats {
        &self.stats
    }

    /// The account this client signs for.
    pub fn account(&self) -> &super::AccountId {
        &self.creds.account
    }

    /// The endpoint version this client writes.
    pub fn soap_version(&self) -> SoapVersion {
        self.config.soap_version
    }

    /// The endpoint URL this client posts to.
    pub fn endpoint(&self) -> &str {
        &self.config.endpoint
    }

    /// The configured page size.
    pub fn page_size(&self) -> u32 {
        self.config.page_size
    }

    /// Runs `query` and returns its first page.
    pub async fn search(&self, query: &SearchQuery) -> Result<SearchPage<RawRecord>, WireError> {
        self.search_read(query, |r, _| r.clone()).await
    }

    /// [`Client::search`], each record made into a `T` by `read` as soon as it is parsed (see
    /// [`parse_search`]).
    pub async fn search_read<T>(
        &self,
        query: &SearchQuery,
        read: impl FnMut(&RawRecord, &[u8]) -> T + Send,
    ) -> Result<SearchPage<T>, WireError> {
        let prefs = SearchPreferences { body_fields_only: query.body_fields_only, page_size: self.config.page_size };
        let passport = TokenPassport::fresh(&self.creds);
        let body = envelope::search_request(self.config.soap_version, &passport, prefs, query)
            .map_err(|e| WireError::Transport(format!("writing request: {e}")))?;
        self.call("search", body, query.search_type, prefs.page_size, read).await
    }

    /// Fetches page `page_index` (from 2) of an earlier search.
    pub async fn search_more_with_id(
        &self,
        search_type: SearchType,
        body_fields_only: bool,
        search_id: &str,
        page_index: u32,
    ) -> Result<SearchPage<RawRecord>, WireError> {
        self.search_more_with_id_read(search_type, body_fields_only, search_id, page_index, |r, _| r.clone()).await
    }

    /// [`Client::search_more_with_id`], each record made into a `T` by `read` as soon as it
    /// is parsed.
    pub async fn search_more_with_id_read<T>(
        &self,
        search_type: SearchType,
        body_fields_only: bool,
        search_id: &str,
        page_index: u32,
        read: impl FnMut(&RawRecord, &[u8]) -> T + Send,
    ) -> Result<SearchPage<T>, WireError> {
        let prefs = SearchPreferences { body_fields_only, page_size: self.config.page_size };
        let passport = TokenPassport::fresh(&self.creds);
        let body =
            envelope::search_more_with_id_request(self.config.soap_version, &passport, prefs, search_id, page_index)
                .map_err(|e| WireError::Transport(format!("writing request: {e}")))?;
        self.call("searchMoreWithId", body, search_type, prefs.page_size, read).await
    }

    /// Runs `query` with a page size of its own (e.g. the smallest page, when only
    /// `totalRecords` is wanted) and returns its first page.
    pub async fn search_with_page_size(
        &self,
        query: &SearchQuery,
        page_size: u32,
    ) -> Result<SearchPage<RawRecord>, WireError> {
        let prefs = SearchPreferences { body_fields_only: query.body_fields_only, page_size };
        let passport = TokenPassport::fresh(&self.creds);
        let body = envelope::search_request(self.config.soap_version, &passport, prefs, query)
            .map_err(|e| WireError::Transport(format!("writing request: {e}")))?;
        self.call("search", body, query.search_type, page_size, |r, _| r.clone()).await
    }

    /// Page `page_index` (from 1) of the records of one type deleted since a time.
    pub async fn get_deleted(&self, query: &DeletedQuery, page_index: u32) -> Result<DeletedPage, WireError> {
        let prefs = SearchPreferences { body_fields_only: true, page_size: self.config.page_size };
        let passport = TokenPassport::fresh(&self.creds);
        let body = envelope::get_deleted_request(self.config.soap_version, &passport, prefs, query, page_index)
            .map_err(|e| WireError::Transport(format!("writing request: {e}")))?;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let result =
            self.post("getDeleted", body).await.and_then(|(status, bytes)| match (status, parse_response(&bytes)) {
                (200, Ok(resp)) => resp.into_deleted_page(),
                (_, Ok(resp)) if resp.fault.is_some() => resp.into_deleted_page(),
                (200, Err(e)) => Err(e),
                (status, _) => Err(WireError::Http { status, snippet: snippet(&bytes) }),
            });
        if result.is_err() {
            self.stats.errors.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Posts a search request of `search_type` for pages of `page_size` records; each record
    /// of the answer made into a `T` by `read` as it is parsed.
    async fn call<T>(
        &self,
        action: &'static str,
        body: Vec<u8>,
        search_type: SearchType,
        page_size: u32,
        read: impl FnMut(&RawRecord, &[u8]) -> T + Send,
    ) -> Result<SearchPage<T>, WireError> {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        // Room for a full page (NetSuite's pages hold at most 1,000 records).
        let capacity = page_size.min(1000) as usize;
        let result = self.post(action, body).await.and_then(|(status, bytes)| {
            let parsed = parse_search(&bytes, RawForm::Json, search_type, capacity, read);
            let page = match (status, parsed) {
                (200, Ok((resp, read))) => resp.into_search_page_of(read),
                // NetSuite sends faults with HTTP 500: the fault is the better error.
                (_, Ok((resp, read))) if resp.fault.is_some() => resp.into_search_page_of(read),
                (200, Err(e)) => Err(e),
                (status, _) => Err(WireError::Http { status, snippet: snippet(&bytes) }),
            };
            page.map(|mut p| {
                p.body = bytes::Bytes::from(bytes);
                p
            })
        });
        if result.is_err() {
            self.stats.errors.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    async fn post(&self, action: &'static str, body: Vec<u8>) -> Result<(u16, Vec<u8>), WireError> {
        let resp = self
            .http
            .post(&self.config.endpoint)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", action)
            .body(body)
            .send()
            .await
            .map_err(|e| WireError::Transport(describe(&e)))?;
        read_answer(resp, self.config.max_body_bytes, &self.stats).await
    }
}

/// An answer's status and body, read up to `max_body_bytes` (a longer body is refused before
/// it is all in memory) and counted in `stats`. Shared by the SOAP and REST transports.
pub(super) async fn read_answer(
    mut resp: reqwest::Response,
    max_body_bytes: usize,
    stats: &ClientStats,
) -> Result<(u16, Vec<u8>), WireError> {
    let status = resp.status().as_u16();
    let mut out = Vec::with_capacity(resp.content_length().unwrap_or(64 * 1024).min(16 << 20) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(|e| body_error(&e))? {
        if out.len() + chunk.len() > max_body_bytes {
            return Err(WireError::TooLarge { limit: max_body_bytes });
        }
        out.extend_from_slice(&chunk);
    }
    stats.bytes.fetch_add(out.len() as u64, Ordering::Relaxed);
    Ok((status, out))
}

/// A reqwest error with its causes, without the URL's query (we put nothing secret there,
/// but keep messages short).
pub(super) fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "body interrupted"
    } else {
        "request failed"
    };
    let mut msg = kind.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// An error while reading a response body: either the body could not be decoded (reqwest
/// decompresses `Content-Encoding: gzip` as it reads, and a body that is not valid gzip
/// surfaces as an I/O error of the decoder, directly under reqwest's error), or the
/// transfer itself broke (the connection's error, a hyper error, is the direct cause).
fn body_error(e: &reqwest::Error) -> WireError {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source.filter(|s| s.is::<reqwest::Error>()) {
        source = s.source();
    }
    let decoder_failed = source.is_some_and(|s| s.is::<std::io::Error>());
    if decoder_failed {
        WireError::Undecodable(causes(e))
    } else {
        WireError::Transport(format!("reading response body: {}", describe(e)))
    }
}

/// The causes of an error, joined (without the error's own generic text).
fn causes(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

/// The first 200 characters of a body, on one line.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(400)]);
    text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect()
}
