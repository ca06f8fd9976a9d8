//! The SuiteQL endpoint, `POST /services/rest/query/v1/suiteql?limit=&offset=`, on the SOAP
//! server's port and over the same account state: authenticate (OAuth 1.0a, `rest/login.rs`),
//! take a slot of the account's concurrency limit (shared with SOAP), apply injected faults
//! and latency, read the request (`Prefer: transient`, `limit`, `offset`, `{"q": …}`), run
//! the query (`rest/execute.rs`), and log what was answered. Every refusal is written in
//! NetSuite's REST error shape.
//!
//! Injected faults ([`crate::InjectedFault`], the SOAP side's plan, shared) map to REST
//! answers: `Http(429)` a 429 `CONCURRENCY_LIMIT_EXCEEDED`; `Http(500)` and other `Http`
//! statuses that status with `UNEXPECTED_ERROR`; a `Soap` fault with `WS_REQUEST_BLOCKED` a
//! 429, any other a 500 with its code; `StatusError` a 400 (403 for
//! `INSUFFICIENT_PERMISSION`) with its code and message; `HtmlPage`, `Truncated`,
//! `DropConnection`, `Latency`, `BadGzip` as on SOAP; `ShortPage` drops the last item of a
//! page that has more after it (offset paging then loses a row; keyset paging does not).

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::basics::account_id::AccountId;
use crate::basics::log::{LoggedRequest, Outcome};
use crate::http::governance::InFlight;
use crate::http::reply::{accepts_gzip, Reply};
use crate::http::state::Simulator;
use crate::model::faults::InjectedFault;
use crate::protocol::respond::BAD_GATEWAY_HTML;
use crate::rest::answer::{RestError, ERROR_CONTENT_TYPE, PAGE_CONTENT_TYPE};
use crate::rest::execute::{self, MAX_LIMIT, MAX_ROWS};
use crate::rest::login::{self, Signed};
use crate::rest::oauth::{query_pairs, OAuthHeader};

/// Path of the SuiteQL endpoint.
pub const SUITEQL_PATH: &str = "/services/rest/query/v1/suiteql";

/// What the log learns about a REST request.
#[derive(Default)]
struct Entry {
    account: Option<String>,
    table: Option<String>,
    page_index: Option<u32>,
}

fn error_reply(e: &RestError) -> Reply {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = Reply::plain(status, ERROR_CONTENT_TYPE, e.body());
    r.outcome = Outcome::RestError { status: e.status, code: e.code.clone() };
    r
}

/// The table a query reads, for the log (`FROM <word>`).
fn table_of(q: &str) -> Option<String> {
    let lower = q.to_ascii_lowercase();
    let mut words = lower.split_whitespace();
    words.by_ref().find(|w| *w == "from")?;
    words.next().map(str::to_string)
}

/// `limit` and `offset` of the query string, checked (`docs/suiteql.md`).
fn paging(query: &[(String, String)]) -> Result<(usize, usize), RestError> {
    let mut limit = None;
    let mut offset = None;
    for (k, v) in query {
        let n = v.parse::<usize>().map_err(|_| RestError::bad_parameter(format!("Invalid value for '{k}': {v}.")));
        match k.as_str() {
            "limit" if limit.is_none() => limit = Some(n?),
            "offset" if offset.is_none() => offset = Some(n?),
            _ => return Err(RestError::bad_parameter(format!("Invalid query parameter '{k}'."))),
        }
    }
    let limit = limit.unwrap_or(MAX_LIMIT);
    let offset = offset.unwrap_or(0);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(RestError::bad_parameter(format!("Invalid value for 'limit': {limit}. It must be 1 to 1000.")));
    }
    if offset % limit != 0 || offset + limit > MAX_ROWS {
        return Err(RestError::bad_parameter(format!(
            "Invalid value for 'offset': {offset}. It must be a multiple of the limit, and offset + limit at most 100000."
        )));
    }
    Ok((limit, offset))
}

/// An authenticated, admitted SuiteQL request: what its answer is worked out from.
#[derive(Clone, Copy)]
struct Asked<'a> {
    account: &'a AccountId,
    headers: &'a HeaderMap,
    host: &'a str,
    path: &'a str,
    query: &'a [(String, String)],
    body: &'a [u8],
}

impl Simulator {
    async fn rest(&self, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Reply {
        let started = Instant::now();
        let at = self.inner.clock.now();
        let mut entry = Entry::default();
        let gzip_ok = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(accepts_gzip);
        let reply = self.rest_process(uri, headers, &body, gzip_ok, &mut entry).await;
        // (An answer sent before any wait, an error, is compressed here.)
        let reply = if gzip_ok { reply.gzipped() } else { reply };
        let mut st = self.lock();
        let record = st.record_bodies;
        let logged = LoggedRequest {
            at,
            elapsed: started.elapsed(),
            operation: Some("suiteql".into()),
            version: None,
            account: entry.account,
            search_type: entry.table,
            type_filter: None,
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

    async fn rest_process(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        gzip_ok: bool,
        entry: &mut Entry,
    ) -> Reply {
        let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let authorization = text(header::AUTHORIZATION);
        entry.account = authorization.and_then(OAuthHeader::parse).and_then(|h| h.realm);
        let host = text(header::HOST).unwrap_or("");
        let Some(query) = query_pairs(uri.query().unwrap_or("")) else {
            return error_reply(&RestError::bad_parameter("The query string cannot be read."));
        };
        let signed = Signed { method: "POST", scheme: "http", host, path: uri.path(), query: &query, authorization };
        let verified = {
            let mut guard = self.lock();
            let st = &mut *guard;
            login::verify(&st.accounts, &mut st.rest_nonces, signed, Utc::now().timestamp(), self.inner.max_skew_secs)
        };
        let account = match verified {
            Ok(a) => a,
            Err(why) => return error_reply(&RestError::invalid_login()).noted(why.note()),
        };
        let Ok(_slot) = InFlight::admit(self, &account) else {
            return if self.lock().rest_overload_as_login_error {
                error_reply(&RestError::invalid_login())
                    .noted("over the account's concurrency limit (answered as a login error)")
            } else {
                error_reply(&RestError::concurrency()).noted("over the account's concurrency limit")
            };
        };
        let (fault, latency) = {
            let mut st = self.lock();
            (st.faults.next(&account), st.latency)
        };
        let extra = match &fault {
            Some(InjectedFault::Latency(d)) => *d,
            _ => Duration::ZERO,
        };
        // As over SOAP: the answer is worked out (and compressed) at once and sent when the
        // latency has passed since the request was admitted, the slot held meanwhile.
        let due = tokio::time::Instant::now() + latency + extra;
        let asked = Asked { account: &account, headers, host, path: uri.path(), query: &query, body };
        let reply = self.rest_answer(asked, entry, fault);
        let reply = if gzip_ok { reply.gzipped() } else { reply };
        if !(latency + extra).is_zero() {
            tokio::time::sleep_until(due).await;
        }
        reply
    }

    /// The answer to an authenticated, admitted query, faults injected.
    fn rest_answer(&self, asked: Asked<'_>, entry: &mut Entry, fault: Option<InjectedFault>) -> Reply {
        let (mut truncate, mut bad_gzip, mut short) = (false, false, false);
        match fault {
            None | Some(InjectedFault::Latency(_)) => {}
            Some(InjectedFault::ShortPage) => short = true,
            Some(InjectedFault::BadGzip) => bad_gzip = true,
            Some(InjectedFault::Truncated) => truncate = true,
            Some(InjectedFault::Http(429)) => return error_reply(&RestError::concurrency()).injected(),
            Some(InjectedFault::Http(code)) => {
                let e = RestError { status: code, ..RestError::unexpected() };
                let e = if StatusCode::from_u16(code).is_ok() { e } else { RestError::unexpected() };
                return error_reply(&e).injected();
            }
            Some(InjectedFault::Soap { code, message, .. }) => {
                let e = if code == "WS_REQUEST_BLOCKED" {
                    RestError::concurrency()
                } else {
                    RestError { status: 500, code, detail: message }
                };
                return error_reply(&e).injected();
            }
            Some(InjectedFault::StatusError { code, message }) => {
                let status = if code == "INSUFFICIENT_PERMISSION" { 403 } else { 400 };
                return error_reply(&RestError { status, code, detail: message }).injected();
            }
            Some(InjectedFault::HtmlPage) => {
                return Reply::plain(StatusCode::BAD_GATEWAY, "text/html", BAD_GATEWAY_HTML.as_bytes().to_vec())
                    .injected();
            }
            Some(InjectedFault::DropConnection) => return Reply::dropped().injected(),
        }
        let reply = self.rest_run(asked, entry, short);
        let reply = if bad_gzip { reply.bad_gzip() } else { reply };
        if truncate {
            reply.truncated()
        } else {
            reply
        }
    }

    /// Reads the request and runs its query (the caller holds the account's slot).
    fn rest_run(&self, asked: Asked<'_>, entry: &mut Entry, short: bool) -> Reply {
        let Asked { account, headers, host, path, query, body } = asked;
        let transient = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|p| p.trim().eq_ignore_ascii_case("transient"));
        if !transient {
            return error_reply(&RestError::bad_parameter("The request must carry the header 'Prefer: transient'."));
        }
        let (limit, offset) = match paging(query) {
            Ok(p) => p,
            Err(e) => return error_reply(&e),
        };
        entry.page_index = u32::try_from(offset / limit + 1).ok();
        let q = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(m)) if m.len() == 1 => match m.get("q") {
                Some(serde_json::Value::String(q)) => q.clone(),
                _ => return error_reply(&RestError::bad_parameter("The request body must be {\"q\": \"<query>\"}.")),
            },
            _ => return error_reply(&RestError::bad_parameter("The request body must be {\"q\": \"<query>\"}.")),
        };
        entry.table = table_of(&q);
        let answer = {
            let st = self.lock();
            match st.accounts.get(account) {
                Some(acct) => execute::run(acct, &q, limit, offset),
                None => Err(RestError::unexpected()),
            }
        };
        match answer {
            Ok(mut page) => {
                let cut = short && page.has_more && page.items.pop().is_some();
                let href = format!("http://{}{}", host.trim().to_ascii_lowercase(), path);
                let mut r = Reply::plain(StatusCode::OK, PAGE_CONTENT_TYPE, page.body(&href));
                r.outcome = Outcome::Ok;
                if cut {
                    r.injected().noted("one row short")
                } else {
                    r
                }
            }
            Err(e) => error_reply(&e),
        }
    }
}

/// The axum handler of the SuiteQL endpoint.
pub(crate) async fn suiteql_endpoint(
    AxumState(sim): AxumState<Simulator>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.rest(&uri, &headers, body).await.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<(String, String)> {
        query_pairs(s).unwrap()
    }

    #[test]
    fn limit_and_offset_rules() {
        assert_eq!(paging(&q("")).unwrap(), (1000, 0));
        assert_eq!(paging(&q("limit=10&offset=20")).unwrap(), (10, 20));
        assert_eq!(paging(&q("limit=1000&offset=99000")).unwrap(), (1000, 99000));
        for bad in [
            "limit=1001",
            "limit=0",
            "limit=10&offset=5",
            "limit=1000&offset=100000",
            "limit=x",
            "foo=1",
            "limit=5&limit=6",
        ] {
            assert_eq!(paging(&q(bad)).unwrap_err().status, 400, "{bad}");
        }
        assert_eq!(table_of("SELECT id FROM Vendor ORDER BY id").as_deref(), Some("vendor"));
    }
}
