//! Running things: retry governance now; scheduling, limits, health and shutdown as the
//! daemon grows.

pub mod retry;

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
