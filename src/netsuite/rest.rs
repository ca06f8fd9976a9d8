//! SuiteTalk REST: SuiteQL queries over `POST {base}/services/rest/query/v1/suiteql`, signed
//! with an OAuth 1.0a `Authorization` header ([`super::oauth1`]) from the same five TBA values
//! as the SOAP `tokenPassport` (`../shared/NETSUITE-REST.md` §1, §2; `docs/suiteql.md`).
//!
//! One POST per call, a fresh signature (nonce, timestamp) on every attempt, the JSON answer
//! read into a [`SuiteQlPage`] of [`Row`]s or a [`WireError`]. Like the SOAP client it does
//! not retry: `governance::Governor` does, and each retry calls [`RestClient::suiteql`] again.
//!
//! Choices where the facts sheet is unsure (the simulator is strict in the same places):
//! - numbers: a column may come as a JSON string or a JSON number; both are kept as their
//!   exact text ([`Cell::Number`] holds the digits as written, never an `f64`);
//! - NULL: a column missing from an item is NULL, as is an explicit `null`;
//! - every item's `links` (always `[]`) is dropped; column keys are lower-cased;
//! - errors: 429 and 5xx are transient (concurrency and server trouble, retried with back-off
//!   by the governor, bounded); 401 is refused credentials, never retried (see
//!   [`WireError::class`] on the sheet's "INVALID_LOGIN under load" note); 403 and a 400
//!   `Record '<x>' was not found.` are a missing permission or feature (the entity degrades);
//!   any other 400 is our query's fault (not retried, NetSuite's detail kept).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::client::{describe, read_answer, ClientStats};
use super::oauth1;
use super::passport::Credentials;
use super::records::RawJson;
use super::WireError;

/// The SuiteQL resource, below the account's base URL.
pub const SUITEQL_PATH: &str = "/services/rest/query/v1/suiteql";

/// The largest page SuiteQL serves (`limit`).
pub const MAX_LIMIT: u32 = 1000;
/// The rows one query can reach: `offset + limit` at most this (sheet §2.3).
pub const MAX_ROWS: u32 = 100_000;

/// Settings of one REST client (one tenant's account).
#[derive(Clone, Debug)]
pub struct RestConfig {
    /// The account's base URL: scheme and host (`https://1234567.suitetalk.api.netsuite.com`).
    pub base: String,
    /// `limit` of each query (1..=1000).
    pub page_size: u32,
    /// Whole-request timeout (NetSuite ends a request after 15 minutes).
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_body_bytes: usize,
}

impl RestConfig {
    /// Defaults for a base URL: pages of 1000, 5 minute timeout, 64 MiB bodies.
    pub fn new(base: impl Into<String>) -> Self {
        Self { base: base.into(), page_size: MAX_LIMIT, timeout: Duration::from_secs(300), max_body_bytes: 64 << 20 }
    }
}

/// One column value of a SuiteQL row, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// A JSON string.
    Text(String),
    /// A JSON number, as its exact text.
    Number(String),
    /// A JSON boolean.
    Bool(bool),
    /// Absent or `null`.
    Null,
    /// An array or object (not expected from the queries we send), as its JSON text.
    Other(String),
}

/// One item of a SuiteQL page: its columns (lower-case keys, `links` dropped). Its JSON for
/// the `raw` column is written from them when asked ([`Row::raw`]): the rows of lines and
/// applications never need it, and a page's rows stay small while they wait to be converted.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    cells: HashMap<String, Cell>,
}

impl Row {
    /// A row from column values (for tests and the converters' unit tests).
    pub fn from_pairs(pairs: &[(&str, Cell)]) -> Self {
        Row { cells: pairs.iter().map(|(k, c)| (k.to_ascii_lowercase(), c.clone())).collect() }
    }

    /// A column's value (`Cell::Null` when the key is missing).
    pub fn cell(&self, column: &str) -> &Cell {
        static NULL: Cell = Cell::Null;
        self.cells.get(column).unwrap_or(&NULL)
    }

    /// A column as text: a string, or a number's exact text; `None` for NULL and for an empty
    /// string (SuiteQL writes an empty reference as `""` in some places).
    pub fn text(&self, column: &str) -> Option<&str> {
        match self.cell(column) {
            Cell::Text(s) | Cell::Number(s) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        }
    }

    /// The item as received, without `links`, as JSON text: keys lower-cased and in order,
    /// a number as `serde_json` reads it (typed columns never read it from here).
    pub fn raw(&self) -> RawJson {
        let map: Map<String, Value> = self
            .cells
            .iter()
            .map(|(k, c)| {
                let v = match c {
                    Cell::Text(s) => Value::String(s.clone()),
                    // Valid JSON: it came from a `RawValue`.
                    Cell::Number(n) => serde_json::from_str(n).unwrap_or_else(|_| Value::String(n.clone())),
                    Cell::Bool(b) => Value::Bool(*b),
                    Cell::Null => Value::Null,
                    Cell::Other(o) => serde_json::from_str(o).unwrap_or(Value::Null),
                };
                (k.clone(), v)
            })
            .collect();
        RawJson::from(Value::Object(map))
    }

    fn parse(item: HashMap<String, Box<RawValue>>) -> Result<Self, WireError> {
        let mut cells = HashMap::with_capacity(item.len());
        for (key, value) in item {
            let key = key.to_ascii_lowercase();
            if key == "links" {
                continue;
            }
            let text = value.get().trim();
            // `RawValue` holds valid JSON: its first byte says which kind.
            let cell = match text.as_bytes().first() {
                Some(b'"') => Cell::Text(
                    serde_json::from_str::<String>(text)
                        .map_err(|e| WireError::Malformed(format!("SuiteQL column {key}: {e}")))?,
                ),
                Some(b'-' | b'0'..=b'9') => Cell::Number(text.to_string()),
                Some(b't') => Cell::Bool(true),
                Some(b'f') => Cell::Bool(false),
                Some(b'n') => Cell::Null,
                _ => Cell::Other(text.to_string()),
            };
            cells.insert(key, cell);
        }
        Ok(Row { cells })
    }
}

/// One page of a SuiteQL answer.
#[derive(Clone, Debug)]
pub struct SuiteQlPage {
    /// The rows, in the order received.
    pub items: Vec<Row>,
    /// `count`: rows on this page.
    pub count: u32,
    /// `hasMore`.
    pub has_more: bool,
    /// `offset` of this page.
    pub offset: u32,
    /// `totalResults` of the whole query, when sent.
    pub total_results: Option<u32>,
}

#[derive(Deserialize)]
struct PageWire {
    items: Vec<HashMap<String, Box<RawValue>>>,
    count: u32,
    #[serde(rename = "hasMore")]
    has_more: bool,
    #[serde(default)]
    offset: u32,
    #[serde(rename = "totalResults", default)]
    total_results: Option<u32>,
}

#[derive(Deserialize)]
struct ErrorWire {
    #[serde(default)]
    title: Option<String>,
    #[serde(rename = "o:errorDetails", default)]
    details: Vec<ErrorDetailWire>,
}

#[derive(Deserialize)]
struct ErrorDetailWire {
    #[serde(default)]
    detail: Option<String>,
    #[serde(rename = "o:errorCode", default)]
    code: Option<String>,
}

/// Reads a 200 answer.
pub fn parse_page(body: &[u8]) -> Result<SuiteQlPage, WireError> {
    let wire: PageWire = serde_json::from_slice(body)
        .map_err(|e| WireError::Malformed(format!("SuiteQL answer is not the expected JSON: {e}")))?;
    let items = wire.items.into_iter().map(Row::parse).collect::<Result<Vec<_>, _>>()?;
    Ok(SuiteQlPage {
        items,
        count: wire.count,
        has_more: wire.has_more,
        offset: wire.offset,
        total_results: wire.total_results,
    })
}

/// Reads an error answer (any status but 200) into a [`WireError::Rest`].
pub fn parse_error(status: u16, body: &[u8]) -> WireError {
    match serde_json::from_slice::<ErrorWire>(body) {
        Ok(e) => {
            let first = e.details.into_iter().next();
            let code = first.as_ref().and_then(|d| d.code.clone()).unwrap_or_default();
            let detail = first.and_then(|d| d.detail).or(e.title).unwrap_or_default();
            WireError::Rest { status, code, detail }
        }
        Err(_) => WireError::Rest { status, code: String::new(), detail: snippet(body) },
    }
}

/// A SuiteTalk REST client for one account.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    config: RestConfig,
    creds: Arc<Credentials>,
    stats: Arc<ClientStats>,
    successes: Arc<AtomicU64>,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient").field("base", &self.config.base).field("account", &self.creds.account).finish()
    }
}

impl RestClient {
    /// A client for `creds.account` at `config.base`.
    pub fn new(creds: Credentials, config: RestConfig) -> Result<Self, WireError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(30))
            .user_agent(concat!("netsuite-discovery/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WireError::Transport(format!("building HTTP client: {e}")))?;
        Ok(Self {
            http,
            config,
            creds: Arc::new(creds),
            stats: Arc::new(ClientStats::default()),
            successes: Arc::new(AtomicU64::new(0)),
        })
    }

    /// What this client has sent so far.
    pub fn stats(&self) -> &ClientStats {
        &self.stats
    }

    /// The account this client signs for.
    pub fn account(&self) -> &super::AccountId {
        &self.creds.account
    }

    /// The configured `limit` (at most [`MAX_LIMIT`]).
    pub fn page_size(&self) -> u32 {
        self.config.page_size.clamp(1, MAX_LIMIT)
    }

    /// The URL of a SuiteQL request with `limit`, at `offset=0` (our paging is by key).
    pub fn url(&self, limit: u32) -> String {
        self.url_at(limit, 0)
    }

    /// The URL of a SuiteQL request with `limit` at `offset` (deletions sharing one instant
    /// past a page, `docs/suiteql.md` query 9).
    pub fn url_at(&self, limit: u32, offset: u32) -> String {
        format!("{}{SUITEQL_PATH}?limit={limit}&offset={offset}", self.config.base.trim_end_matches('/'))
    }

    /// Runs one SuiteQL query and returns its first `limit` rows.
    pub async fn suiteql(&self, query: &str, limit: u32) -> Result<SuiteQlPage, WireError> {
        self.suiteql_at(query, limit, 0).await
    }

    /// Runs one SuiteQL query and returns `limit` rows from `offset` (a multiple of `limit`;
    /// `offset + limit` at most 100,000, [`MAX_ROWS`]).
    pub async fn suiteql_at(&self, query: &str, limit: u32, offset: u32) -> Result<SuiteQlPage, WireError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let url = self.url_at(limit, offset);
        // Signed over the URL with its query string, fresh nonce and timestamp per attempt.
        let auth = oauth1::authorization(&self.creds, "POST", &url).map_err(|e| WireError::Rest {
            status: 0,
            code: "BAD_ENDPOINT".into(),
            detail: e.to_string(),
        })?;
        let body = serde_json::to_vec(&serde_json::json!({ "q": query }))
            .map_err(|e| WireError::Transport(format!("writing request: {e}")))?;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let result = self.post(&url, &auth, body).await.and_then(|(status, bytes)| match status {
            200 => parse_page(&bytes),
            _ => Err(parse_error(status, &bytes)),
        });
        match &result {
            Ok(_) => {
                self.successes.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        result.map_err(|e| match e {
            // The sheet (§1.5, Unsure 1) reports NetSuite answering "Invalid login attempt"
            // to requests over the concurrency limit. We keep 401 as refused credentials (not
            // retried: retrying hides a revoked token), but say so when this client's
            // credentials already worked in this process.
            WireError::Rest { status: 401, code, detail } if self.successes.load(Ordering::Relaxed) > 0 => {
                WireError::Rest {
                    status: 401,
                    code,
                    detail: format!(
                        "{detail} (these credentials worked earlier in this run: NetSuite is known to answer \
                         INVALID_LOGIN when an account is over its concurrency limit)"
                    ),
                }
            }
            other => other,
        })
    }

    async fn post(&self, url: &str, auth: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), WireError> {
        let resp = self
            .http
            .post(url)
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .header("Prefer", "transient")
            .body(body)
            .send()
            .await
            .map_err(|e| WireError::Transport(describe(&e)))?;
        read_answer(resp, self.config.max_body_bytes, &self.stats).await
    }
}

/// The first 200 characters of a body, on one line.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(400)]);
    text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netsuite::error::ErrorClass;

    #[test]
    fn pages_keep_numbers_exact_and_read_missing_keys_as_null() {
        let body = br#"{"links":[{"rel":"self","href":"x"}],"count":2,"hasMore":false,"offset":0,"totalResults":2,
            "items":[{"links":[],"id":"42","Total":"1234567890123456789.01","rate":0.12345678901234567890123,"isinactive":"F"},
                     {"links":[],"id":43,"memo":null}]}"#;
        let page = parse_page(body).unwrap();
        assert_eq!((page.count, page.has_more, page.total_results), (2, false, Some(2)));
        let a = &page.items[0];
        assert_eq!(a.text("id"), Some("42"));
        assert_eq!(a.text("total"), Some("1234567890123456789.01"), "keys are lower-cased");
        assert_eq!(a.cell("rate"), &Cell::Number("0.12345678901234567890123".into()), "a JSON number keeps its digits");
        assert_eq!(a.cell("memo"), &Cell::Null, "a missing key is NULL");
        assert!(a.raw().to_value().get("links").is_none());
        let b = &page.items[1];
        assert_eq!(b.text("id"), Some("43"));
        assert_eq!(b.cell("memo"), &Cell::Null);
    }

    #[test]
    fn raw_is_the_item_as_received_and_bad_values_are_refused() {
        let item = r#"{"links":[{"rel":"self"}],"ID":"7","amount":-12.50,"flag":true,"off":false,"memo":null,"name":"A \"q\" \u00e9","x":{"a":[1,2]}}"#;
        let body = format!(r#"{{"count":1,"hasMore":false,"items":[{item}]}}"#);
        let page = parse_page(body.as_bytes()).unwrap();
        let mut expected: Value = serde_json::from_str(item).unwrap();
        let map = expected.as_object_mut().unwrap();
        map.remove("links");
        let id = map.remove("ID").unwrap();
        map.insert("id".into(), id);
        assert_eq!(page.items[0].raw().to_value(), expected);
        assert_eq!(page.items[0].raw().as_str(), page.items[0].clone().raw().as_str(), "the same text every time");
        for bad in ["tru", "nul", "-", "1.2.3", "{\"a\":}"] {
            let body = format!(r#"{{"count":1,"hasMore":false,"items":[{{"id":1,"v":{bad}}}]}}"#);
            assert!(matches!(parse_page(body.as_bytes()), Err(WireError::Malformed(_))), "{bad} accepted");
        }
    }

    #[test]
    fn errors_are_classified_by_status_and_code() {
        let body = |code: &str, detail: &str| {
            format!(
                r#"{{"type":"t","title":"x","status":400,"o:errorDetails":[{{"detail":"{detail}","o:errorCode":"{code}"}}]}}"#
            )
        };
        let class = |status, code: &str, detail: &str| parse_error(status, body(code, detail).as_bytes()).class();
        assert_eq!(class(429, "CONCURRENCY_LIMIT_EXCEEDED", "busy"), ErrorClass::Transient);
        assert_eq!(class(503, "", ""), ErrorClass::Transient);
        assert_eq!(class(500, "UNEXPECTED_ERROR", "x"), ErrorClass::Transient);
        assert_eq!(class(401, "INVALID_LOGIN", "Invalid login attempt."), ErrorClass::Auth);
        assert_eq!(class(403, "INSUFFICIENT_PERMISSION", "no"), ErrorClass::Permission);
        assert_eq!(class(400, "INVALID_PARAMETER", "Record 'employee' was not found."), ErrorClass::Permission);
        assert_eq!(class(400, "INVALID_PARAMETER", "Unknown identifier 'foo'"), ErrorClass::Request);
        let e = parse_error(400, body("INVALID_PARAMETER", "Invalid search query").as_bytes());
        assert!(e.to_string().contains("Invalid search query") && e.to_string().contains("400"), "{e}");
        assert_eq!(e.code(), Some("INVALID_PARAMETER"));
        // Not JSON: the status decides, the body's start is kept.
        let e = parse_error(502, b"<html>Bad gateway</html>");
        assert_eq!(e.class(), ErrorClass::Transient);
        assert!(e.to_string().contains("Bad gateway"));
    }
}
