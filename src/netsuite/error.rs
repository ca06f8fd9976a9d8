//! One typed error for everything that can go wrong on the wire, with its class decided in
//! one place ([`WireError::class`]). Callers decide what to do from the class, never from
//! message text.

use std::fmt;

/// A NetSuite error code as sent in `code` (for example `WS_REQUEST_BLOCKED`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FaultCode(pub String);

impl FaultCode {
    /// The code text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FaultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of trouble an error is, which decides what the caller does with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Worth retrying after a back-off, with a fresh passport: concurrency limits, transient
    /// server errors, HTTP 429/5xx, timeouts, dropped connections, truncated bodies.
    Transient,
    /// The credentials were refused. Never retried blindly; the tenant is marked.
    Auth,
    /// The role lacks a permission. Not retried; the entity degrades.
    Permission,
    /// The searchId expired (`INVALID_JOB_ID`): re-run the search and resume.
    ExpiredSearch,
    /// Our request or configuration is wrong (bad page size, unknown field). Not retried.
    Request,
    /// Anything else NetSuite refused, or content we cannot accept. Not retried.
    Fatal,
}

impl ErrorClass {
    /// Stable lower-case label for logs and metrics.
    pub fn label(self) -> &'static str {
        match self {
            ErrorClass::Transient => "transient",
            ErrorClass::Auth => "auth",
            ErrorClass::Permission => "permission",
            ErrorClass::ExpiredSearch => "expired_search",
            ErrorClass::Request => "request",
            ErrorClass::Fatal => "fatal",
        }
    }
}

/// Where a NetSuite-reported error came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultSource {
    /// A SOAP fault; the detail element's local name (e.g. `invalidCredentialsFault`).
    SoapFault(String),
    /// A `status isSuccess="false"` inside a result.
    Status,
}

/// An error on the wire.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// NetSuite answered with a SOAP fault or an unsuccessful status.
    #[error("NetSuite error {code}: {message}")]
    NetSuite {
        /// The error code.
        code: FaultCode,
        /// NetSuite's message, as sent.
        message: String,
        /// Fault or status.
        source_kind: FaultSource,
    },
    /// An HTTP status other than 200 without a SOAP fault in the body.
    #[error("HTTP {status} from NetSuite{}", if .snippet.is_empty() { String::new() } else { format!(": {}", .snippet) })]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The start of the body, for the log line (no secrets travel in responses).
        snippet: String,
    },
    /// The request did not complete: connection refused or dropped, timeout.
    #[error("transport error: {0}")]
    Transport(String),
    /// The body could not be read as the expected SOAP message (malformed or truncated XML,
    /// an HTML page from a proxy, missing elements).
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The body said it was compressed (`Content-Encoding`) but could not be decoded.
    #[error("response body could not be decoded (Content-Encoding gzip): {0}")]
    Undecodable(String),
    /// The body was larger than `sync.max_response_bytes` (after decompression).
    #[error("response larger than {limit} bytes (sync.max_response_bytes): lower the tenant's page_size or raise the setting")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// SuiteTalk REST answered with an error status (`rest.rs`): the HTTP status, the first
    /// `o:errorCode` and its `detail` (or the body's start when it is not NetSuite's JSON).
    #[error("NetSuite REST HTTP {status}{}: {detail}", if .code.is_empty() { String::new() } else { format!(" {}", .code) })]
    Rest {
        /// The HTTP status (0: the request could not be built, e.g. an endpoint without host).
        status: u16,
        /// `o:errorCode`, or empty.
        code: String,
        /// `detail`, as sent.
        detail: String,
    },
    /// A page held a record of a type this search cannot hold.
    #[error("unexpected record type {found:?} in a {expected} search page")]
    UnexpectedRecord {
        /// The record type we searched for.
        expected: &'static str,
        /// The `xsi:type` found.
        found: String,
    },
}

/// Codes that mean "try again later" (NETSUITE.md, Faults and error statuses).
const TRANSIENT_CODES: &[&str] = &["WS_REQUEST_BLOCKED", "WS_CONCUR_SESSION_DISALLWD", "UNEXPECTED_ERROR"];
/// Codes that mean the credentials were refused.
const AUTH_CODES: &[&str] = &["INVALID_LOGIN_ATTEMPT", "INVALID_LOGIN_CREDENTIALS", "INVALID_LOGIN"];
/// The detail element of NetSuite's login fault.
const CREDENTIALS_FAULT: &str = "invalidCredentialsFault";
/// NetSuite's message when it refuses a login (token, consumer, account, nonce or clock).
const LOGIN_REFUSED_MESSAGE: &str = "Invalid login attempt.";

impl WireError {
    /// A NetSuite-reported error.
    pub fn netsuite(code: impl Into<String>, message: impl Into<String>, source_kind: FaultSource) -> Self {
        WireError::NetSuite { code: FaultCode(code.into()), message: message.into(), source_kind }
    }

    /// The class of this error: the single place where retry decisions start.
    pub fn class(&self) -> ErrorClass {
        match self {
            WireError::NetSuite { code, message, source_kind } => {
                let c = code.as_str();
                if TRANSIENT_CODES.contains(&c) {
                    ErrorClass::Transient
                } else if c == "INSUFFICIENT_PERMISSION" {
                    ErrorClass::Permission
                } else if c == "INVALID_JOB_ID" {
                    ErrorClass::ExpiredSearch
                } else if c == "INVALID_SEARCH_PAGE_SIZE" {
                    ErrorClass::Request
                } else if AUTH_CODES.contains(&c)
                    || matches!(source_kind, FaultSource::SoapFault(name) if name == CREDENTIALS_FAULT)
                    // `USER_ERROR` is NetSuite's code for many refusals of a request (a bad
                    // field, a record in use...); only its login message means the credentials.
                    || (c == "USER_ERROR" && message.trim().starts_with(LOGIN_REFUSED_MESSAGE))
                {
                    ErrorClass::Auth
                } else {
                    ErrorClass::Fatal
                }
            }
            WireError::Http { status, .. } => {
                if *status == 429 || (500..=599).contains(status) {
                    ErrorClass::Transient
                } else if *status == 401 || *status == 403 {
                    ErrorClass::Auth
                } else {
                    ErrorClass::Fatal
                }
            }
            WireError::Rest { status, detail, .. } => match *status {
                // Over the concurrency limit (REST answers 429), or server trouble: back off.
                429 | 500..=599 => ErrorClass::Transient,
                // Refused credentials. Not retried, even though the sheet (§1.5) reports
                // NetSuite answering INVALID_LOGIN under heavy parallel load: the governor keeps
                // SOAP and REST together under the account's limit, which is what prevents that
                // case, and retrying refused credentials would hide a revoked token.
                401 => ErrorClass::Auth,
                403 => ErrorClass::Permission,
                // A table the role (or a disabled feature) does not let it see (sheet §2.4): the
                // entity degrades like a refused permission, with NetSuite's text.
                400 if detail.contains("was not found") && detail.contains("Record '") => ErrorClass::Permission,
                // Our query is wrong (unknown column, bad syntax, bad limit): not retried.
                0 | 400 => ErrorClass::Request,
                _ => ErrorClass::Fatal,
            },
            // A body that does not decode is treated like a truncated one: most often a cut or
            // garbled transfer, which the next attempt does not repeat. The attempts are bounded
            // (sync.max_attempts), so a proxy that always garbles it still ends the entity
            // failed, with this message.
            WireError::Transport(_) | WireError::Malformed(_) | WireError::Undecodable(_) => ErrorClass::Transient,
            // The same page would be as large again: a setting must change.
            WireError::TooLarge { .. } => ErrorClass::Request,
            WireError::UnexpectedRecord { .. } => ErrorClass::Fatal,
        }
    }

    /// Whether a retry (with a fresh passport) may succeed.
    pub fn is_retryable(&self) -> bool {
        self.class() == ErrorClass::Transient
    }

    /// The NetSuite code, where NetSuite sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            WireError::NetSuite { code, .. } => Some(code.as_str()),
            WireError::Rest { code, .. } if !code.is_empty() => Some(code.as_str()),
            _ => None,
        }
    }

    /// A short, bounded label for metrics and run records: the NetSuite code, `http_503`,
    /// `transport`, `malformed`, `undecodable_body`, `response_too_large` or
    /// `unexpected_record`. Never raw message text.
    pub fn label(&self) -> String {
        match self {
            WireError::NetSuite { code, .. } => code.0.clone(),
            WireError::Http { status, .. } => format!("http_{status}"),
            WireError::Rest { code, .. } if !code.is_empty() => code.clone(),
            WireError::Rest { status, .. } => format!("http_{status}"),
            WireError::Transport(_) => "transport".into(),
            WireError::Malformed(_) => "malformed".into(),
            WireError::Undecodable(_) => "undecodable_body".into(),
            WireError::TooLarge { .. } => "response_too_large".into(),
            WireError::UnexpectedRecord { .. } => "unexpected_record".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_fault_table() {
        let f = |c: &str| WireError::netsuite(c, "m", FaultSource::Status).class();
        assert_eq!(f("WS_REQUEST_BLOCKED"), ErrorClass::Transient);
        assert_eq!(f("WS_CONCUR_SESSION_DISALLWD"), ErrorClass::Transient);
        assert_eq!(f("UNEXPECTED_ERROR"), ErrorClass::Transient);
        assert_eq!(f("INVALID_LOGIN_ATTEMPT"), ErrorClass::Auth);
        assert_eq!(f("INVALID_LOGIN_CREDENTIALS"), ErrorClass::Auth);
        assert_eq!(f("INSUFFICIENT_PERMISSION"), ErrorClass::Permission);
        assert_eq!(f("INVALID_JOB_ID"), ErrorClass::ExpiredSearch);
        assert_eq!(f("INVALID_SEARCH_PAGE_SIZE"), ErrorClass::Request);
        assert_eq!(f("SOMETHING_ELSE"), ErrorClass::Fatal);
        let cred = WireError::netsuite("X", "m", FaultSource::SoapFault("invalidCredentialsFault".into()));
        assert_eq!(cred.class(), ErrorClass::Auth);
        assert!(WireError::Http { status: 503, snippet: String::new() }.is_retryable());
        assert!(WireError::Http { status: 429, snippet: String::new() }.is_retryable());
        assert!(!WireError::Http { status: 404, snippet: String::new() }.is_retryable());
        assert!(WireError::Transport("reset".into()).is_retryable());
    }

    #[test]
    fn user_error_is_auth_only_for_a_refused_login() {
        // NetSuite's login fault: the detail names it, and the message says so.
        let login = WireError::netsuite(
            "USER_ERROR",
            "Invalid login attempt.",
            FaultSource::SoapFault("invalidCredentialsFault".into()),
        );
        assert_eq!(login.class(), ErrorClass::Auth);
        // The login message in a status, without the fault's detail.
        let status = WireError::netsuite("USER_ERROR", "Invalid login attempt.", FaultSource::Status);
        assert_eq!(status.class(), ErrorClass::Auth);
        // The credentials fault's detail alone is enough, whatever the message.
        let detail = WireError::netsuite(
            "USER_ERROR",
            "Ambiguous authentication",
            FaultSource::SoapFault("invalidCredentialsFault".into()),
        );
        assert_eq!(detail.class(), ErrorClass::Auth);
        // Any other USER_ERROR is NetSuite refusing the request, not the credentials.
        for (message, source) in [
            ("You must enter at least one line item for this transaction.", FaultSource::Status),
            ("Invalid search field: foo", FaultSource::SoapFault("userErrorFault".into())),
            ("", FaultSource::Status),
        ] {
            let e = WireError::netsuite("USER_ERROR", message, source.clone());
            assert_eq!(e.class(), ErrorClass::Fatal, "{message:?} {source:?}");
            assert!(!e.is_retryable());
        }
    }
}
