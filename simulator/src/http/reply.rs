//! What the simulator answers to one request: a SOAP body, an HTTP error page, a cut body,
//! or a dropped connection; and how that answer is logged.

use std::io;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::basics::log::Outcome;
use crate::basics::ns::SoapVersion;
use crate::model::faults::WS_REQUEST_BLOCKED_MESSAGE;
use crate::protocol::auth::AuthFailure;
use crate::protocol::respond::{self, FaultDetail};

/// Content type of SOAP responses.
pub(crate) const XML_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// What the simulator answers, and how to log it.
pub(crate) struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// `Content-Type` header.
    pub content_type: &'static str,
    /// `None`: drop the connection.
    pub body: Option<Vec<u8>>,
    /// How the request ended.
    pub outcome: Outcome,
    /// Whether a fault plan caused it.
    pub injected: bool,
    /// Why, in words, when the wire does not say.
    pub note: Option<String>,
    /// How the body goes on the wire.
    pub encoding: Encoding,
    /// The body compressed, once [`Reply::gzipped`] has run (the log keeps `body`).
    pub compressed: Option<Vec<u8>>,
}

/// How a reply's body is encoded on the wire (the log keeps it as written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// As it is.
    Identity,
    /// Gzip-compressed, with `Content-Encoding: gzip` (the client accepts gzip).
    Gzip,
    /// Labelled `Content-Encoding: gzip` but not compressed ([`crate::InjectedFault::BadGzip`]).
    BogusGzip,
}

/// Whether an `Accept-Encoding` header value accepts gzip (a `gzip` or `*` coding whose
/// `q` is not 0).
pub(crate) fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

impl Reply {
    pub(crate) fn xml(body: Vec<u8>, outcome: Outcome) -> Self {
        Self {
            status: StatusCode::OK,
            content_type: XML_CONTENT_TYPE,
            body: Some(body),
            outcome,
            injected: false,
            note: None,
            encoding: Encoding::Identity,
            compressed: None,
        }
    }

    /// A SOAP fault, its detail in the namespaces of `v`.
    pub(crate) fn fault(faultstring: &str, detail: Option<FaultDetail<'_>>, v: SoapVersion) -> Self {
        let code = detail.map_or("soapenv:Server.userException", |d| d.code).to_string();
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            content_type: XML_CONTENT_TYPE,
            body: Some(respond::fault(faultstring, detail, v)),
            outcome: Outcome::Fault { code },
            injected: false,
            note: None,
            encoding: Encoding::Identity,
            compressed: None,
        }
    }

    /// A fault for a request the server cannot read: faultstring only, like Axis's SAX errors.
    pub(crate) fn unreadable(message: &str, v: SoapVersion) -> Self {
        Self::fault(message, None, v).noted(message)
    }

    pub(crate) fn invalid_login(why: AuthFailure, v: SoapVersion) -> Self {
        let text = if why == AuthFailure::Ambiguous { "Ambiguous authentication" } else { "Invalid login attempt." };
        Self::fault(text, Some(FaultDetail { name: "invalidCredentialsFault", code: "USER_ERROR", message: text }), v)
            .noted(why.note())
    }

    pub(crate) fn blocked(v: SoapVersion) -> Self {
        Self::fault(
            WS_REQUEST_BLOCKED_MESSAGE,
            Some(FaultDetail {
                name: "exceededConcurrentRequestLimitFault",
                code: "WS_REQUEST_BLOCKED",
                message: WS_REQUEST_BLOCKED_MESSAGE,
            }),
            v,
        )
        .noted("over the account's concurrency limit")
    }

    pub(crate) fn plain(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type,
            body: Some(body),
            outcome: Outcome::Http(status.as_u16()),
            injected: false,
            note: None,
            encoding: Encoding::Identity,
            compressed: None,
        }
    }

    pub(crate) fn dropped() -> Self {
        Self {
            status: StatusCode::OK,
            content_type: XML_CONTENT_TYPE,
            body: None,
            outcome: Outcome::Dropped,
            injected: false,
            note: None,
            encoding: Encoding::Identity,
            compressed: None,
        }
    }

    pub(crate) fn noted(mut self, note: &str) -> Self {
        self.note = Some(note.to_string());
        self
    }

    pub(crate) fn injected(mut self) -> Self {
        self.injected = true;
        self
    }

    /// Sends the body gzip-compressed (unless a fault already chose its encoding). It is
    /// compressed here, so that a reply compressed before it waits out its latency (as
    /// NetSuite's time to answer includes its own) goes out as soon as the wait ends.
    pub(crate) fn gzipped(mut self) -> Self {
        if self.encoding == Encoding::Identity {
            self.encoding = Encoding::Gzip;
            self.compressed = self.body.as_deref().map(gzip);
        }
        self
    }

    /// Labels the body gzip without compressing it.
    pub(crate) fn bad_gzip(mut self) -> Self {
        self.encoding = Encoding::BogusGzip;
        self.injected = true;
        self.note = Some("Content-Encoding: gzip on a body that is not gzip".into());
        self
    }

    /// Cuts the body in half (a response interrupted mid-way).
    pub(crate) fn truncated(mut self) -> Self {
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
                let body = match self.encoding {
                    Encoding::Gzip => self.compressed.unwrap_or_else(|| gzip(&body)),
                    Encoding::Identity | Encoding::BogusGzip => body,
                };
                let mut r = Response::new(Body::from(body));
                *r.status_mut() = self.status;
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
                if self.encoding != Encoding::Identity {
                    r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                }
                r
            }
            None => {
                // A body that fails before its first byte: the server closes the connection
                // without completing the response.
                let failing = futures::stream::once(async {
                    Err::<Bytes, io::Error>(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "simulated dropped connection",
                    ))
                });
                let mut r = Response::new(Body::from_stream(failing));
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
                r
            }
        }
    }
}

/// `body` gzip-compressed (fast level: the simulator serves benchmarks too).
fn gzip(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 4), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(body);
    enc.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn accept_encoding_is_read_per_coding() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("deflate, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip(""));
    }
}
