//! The request log: one entry per request, for tests to read.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::basics::ns::SoapVersion;

/// How a request was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A successful response.
    Ok,
    /// A SOAP fault (HTTP 500). `code` is the detail's NetSuite code (`WS_REQUEST_BLOCKED`,
    /// `USER_ERROR`...), or the `faultcode` when the fault has no NetSuite detail (a request
    /// the server could not read).
    Fault {
        /// The fault's code.
        code: String,
    },
    /// A result with `status isSuccess="false"` (HTTP 200).
    StatusError {
        /// The `statusDetail` code (`INSUFFICIENT_PERMISSION`, `INVALID_JOB_ID`...).
        code: String,
    },
    /// An HTTP error without a SOAP body (an injected status or proxy page).
    Http(u16),
    /// A response cut in the middle.
    Truncated,
    /// The connection was closed without a response.
    Dropped,
    /// A SuiteQL (REST) error answer: its HTTP status and `o:errorCode`.
    RestError {
        /// The HTTP status (400, 401, 403, 429, 500...).
        status: u16,
        /// The `o:errorCode` (`INVALID_LOGIN`, `CONCURRENCY_LIMIT_EXCEEDED`...).
        code: String,
    },
}

impl Outcome {
    /// Whether the request succeeded.
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// The NetSuite code of a fault or error status.
    pub fn code(&self) -> Option<&str> {
        match self {
            Outcome::Fault { code } | Outcome::StatusError { code } | Outcome::RestError { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// One request as the simulator saw and answered it.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    /// Arrival time on the simulator clock.
    pub at: DateTime<Utc>,
    /// The SOAP endpoint version of the path the request was posted to (answers are written in
    /// its namespaces); `None` for a SuiteQL request.
    pub version: Option<SoapVersion>,
    /// How long the simulator took to answer (latency included).
    pub elapsed: Duration,
    /// The operation (`search`, `searchMoreWithId`...), when the envelope could be read;
    /// `suiteql` for a SuiteQL request.
    pub operation: Option<String>,
    /// The passport's account text as sent (possibly not a hosted account).
    pub account: Option<String>,
    /// The search record type (`VendorSearchBasic`, `TransactionSearchBasic`,
    /// `ExpenseCategorySearchBasic`, `EmployeeSearchBasic`, `DepartmentSearchBasic`) of a
    /// `search`, or of the search a `searchMoreWithId` continues; for SuiteQL, the table
    /// after `FROM` (`vendor`, `transactionline`...).
    pub search_type: Option<String>,
    /// The `type` filter of a transaction search (or of the one a `searchMoreWithId`
    /// continues), values as the enum spells them (`_vendorBill`), those of a `noneOf`
    /// filter prefixed with `!`; `None` for a search without one (a plain transaction
    /// search) and for other searches.
    pub type_filter: Option<Vec<String>>,
    /// The page asked for: 1 for `search`, the `pageIndex` for `searchMoreWithId`;
    /// `offset / limit + 1` for SuiteQL.
    pub page_index: Option<u32>,
    /// The answer.
    pub outcome: Outcome,
    /// HTTP status sent (0 when the connection was dropped).
    pub http_status: u16,
    /// Whether the outcome was injected by the test's fault plan.
    pub injected: bool,
    /// Why the request failed, in words (e.g. "nonce used before"), when the wire does not
    /// say.
    pub note: Option<String>,
    /// The request body, when body recording is on.
    pub request_body: Option<Vec<u8>>,
    /// The response body as sent, when body recording is on.
    pub response_body: Option<Vec<u8>>,
}
