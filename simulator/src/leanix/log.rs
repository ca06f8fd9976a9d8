//! The request log: one entry per request the simulator answered (or dropped).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::faults::Endpoint;

/// One request as the simulator saw and answered it.
#[derive(Clone, Debug)]
pub struct LeanixRequest {
    /// Arrival time on the simulator clock.
    pub at: DateTime<Utc>,
    /// How long the simulator took to answer (injected delays included).
    pub elapsed: Duration,
    /// HTTP method (`GET`, `POST`).
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Query string, when there was one.
    pub query: Option<String>,
    /// Which endpoint the path is.
    pub endpoint: Endpoint,
    /// HTTP status sent; 0 when the connection was dropped without an answer.
    pub status: u16,
    /// Whether the answer came from an injected fault.
    pub injected: bool,
    /// The run the request was about (the path's id, or the run a create made).
    pub run_id: Option<String>,
    /// Why the request failed, in words, or what a fault did.
    pub note: Option<String>,
}
