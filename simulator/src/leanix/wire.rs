//! What goes over the wire: JSON answers and error bodies, a dropped connection, and the
//! little parsing the endpoints need (form and query pairs, Basic and Bearer credentials).

use std::io;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

/// Content type of every answer.
const JSON_CONTENT_TYPE: &str = "application/json";

/// What the simulator answers, and how to log it.
pub(crate) struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// `None`: drop the connection without an answer.
    pub body: Option<Vec<u8>>,
    /// `Retry-After` in seconds.
    pub retry_after: Option<u64>,
    /// Whether a fault caused it.
    pub injected: bool,
    /// Why, in words.
    pub note: Option<String>,
    /// The run it is about.
    pub run_id: Option<String>,
}

impl Reply {
    /// A JSON answer.
    pub(crate) fn json(status: StatusCode, value: &Value) -> Self {
        // Writing a `Value` to a Vec cannot fail (its keys are strings).
        let body = serde_json::to_vec(value).unwrap_or_default();
        Self { status, body: Some(body), retry_after: None, injected: false, note: None, run_id: None }
    }

    /// An error: `{"status":"ERROR","errorMessage":message}`.
    pub(crate) fn error(status: StatusCode, message: &str) -> Self {
        Self::json(status, &json!({"status": "ERROR", "errorMessage": message})).noted(message)
    }

    /// 400 for an invalid LDIF: the problems joined in `errorMessage`, and listed in
    /// `errors`.
    pub(crate) fn invalid_ldif(problems: Vec<String>) -> Self {
        let message = format!("Invalid LDIF: {}", problems.join("; "));
        Self::json(StatusCode::BAD_REQUEST, &json!({"status": "ERROR", "errorMessage": message, "errors": problems}))
            .noted(&message)
    }

    /// An answer without a body (e.g. 204).
    pub(crate) fn empty(status: StatusCode) -> Self {
        Self { status, body: Some(Vec::new()), retry_after: None, injected: false, note: None, run_id: None }
    }

    /// 429, with `Retry-After` when given.
    pub(crate) fn too_many_requests(retry_after: Option<u64>) -> Self {
        let mut r = Self::error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
        r.retry_after = retry_after;
        r
    }

    /// No answer: the connection is closed.
    pub(crate) fn dropped() -> Self {
        Self { status: StatusCode::OK, body: None, retry_after: None, injected: false, note: None, run_id: None }
    }

    /// With this note (replacing an earlier one).
    pub(crate) fn noted(mut self, note: &str) -> Self {
        self.note = Some(note.to_string());
        self
    }

    /// Marked as caused by a fault.
    pub(crate) fn injected(mut self) -> Self {
        self.injected = true;
        self
    }

    /// About this run.
    pub(crate) fn for_run(mut self, id: &str) -> Self {
        self.run_id = Some(id.to_string());
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut r = match self.body {
            Some(body) => {
                let mut r = Response::new(Body::from(body));
                *r.status_mut() = self.status;
                r
            }
            None => {
                // A body that fails before its first byte: the server closes the connection
                // before the status line is written.
                let failing = futures::stream::once(async {
                    Err::<Bytes, io::Error>(io::Error::new(io::ErrorKind::ConnectionAborted, "simulated lost answer"))
                });
                Response::new(Body::from_stream(failing))
            }
        };
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        if let Some(secs) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

/// The `key=value` pairs of a query string or form body, decoded (`+` is a space, `%XX`
/// a byte).
pub(crate) fn pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The last value of `key` among `pairs`.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Percent-decodes form text.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()) {
                Some(hex) if hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    out.push(u8::from_str_radix(hex, 16).unwrap_or(b'%'));
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `Authorization` header's value after `scheme` (compared without case).
fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (s, rest) = value.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// User and password of an HTTP Basic `Authorization` header.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let raw = STANDARD.decode(authorization(headers, "basic")?).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// The token of a `Bearer` `Authorization` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    authorization(headers, "bearer").filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_are_decoded() {
        let p = pairs("grant_type=client_credentials&x=a+b%2Fc&flag&bad=%zz");
        assert_eq!(param(&p, "grant_type"), Some("client_credentials"));
        assert_eq!(param(&p, "x"), Some("a b/c"));
        assert_eq!(param(&p, "flag"), Some(""));
        assert_eq!(param(&p, "bad"), Some("%zz"));
        assert_eq!(param(&p, "none"), None);
    }

    #[test]
    fn credentials_are_read() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic YXBpdG9rZW46c2VjcmV0"));
        assert_eq!(basic_credentials(&h), Some(("apitoken".into(), "secret".into())));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer abc"));
        assert_eq!(bearer(&h), Some("abc"));
    }
}
