//! The long-running side: governance of requests (limiter, retries, budget, metrics),
//! scheduling, tenant workers with leases, the supervisor with reload and shutdown drain, and
//! the health and metrics listener.

pub mod governor;
pub mod health;
pub mod limiter;
pub mod metrics;
pub mod retry;
pub mod schedule;
pub mod supervisor;
pub mod worker;

pub use governor::Governor;
pub use retry::RetryPolicy;

/// Peak resident set size of this process in KiB (`VmHWM`), where the OS reports it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}
