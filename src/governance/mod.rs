//! Governance of NetSuite requests, under discovery and over the wire: the retry rules
//! (`retry.rs`), the adaptive per-account concurrency limiter (`limiter.rs`) and the governor
//! that wraps every request in both, with a retry budget and the request metrics
//! (`governor.rs`).

pub mod governor;
pub mod limiter;
pub mod retry;

pub use governor::Governor;
pub use retry::RetryPolicy;
