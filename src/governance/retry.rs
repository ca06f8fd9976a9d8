//! The retry policy: how often and how long to wait (exponential back-off with full jitter).
//! Which errors are retried is decided by `WireError::class` (only the transient class);
//! `governance::governor` applies both to every request.

use std::time::Duration;

use rand::Rng;

use crate::netsuite::WireError;

/// How transient errors are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub max_attempts: u32,
    /// Ceiling of the first delay; doubled each attempt.
    pub base: Duration,
    /// Largest ceiling.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 6, base: Duration::from_millis(500), max_delay: Duration::from_secs(30) }
    }
}

/// Why a retried operation gave up.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    /// The last error, not retryable or out of attempts.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// Shutdown was requested while waiting.
    #[error("cancelled")]
    Cancelled,
}

impl RetryPolicy {
    /// The delay before attempt `attempt + 1` (attempt counts from 1): uniform in
    /// `0..=min(max_delay, base * 2^(attempt-1))`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self.base.saturating_mul(1u32 << (attempt.saturating_sub(1)).min(20));
        let ceiling = exp.min(self.max_delay);
        let ms = ceiling.as_millis() as u64;
        Duration::from_millis(if ms == 0 { 0 } else { rand::thread_rng().gen_range(0..=ms) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_bounded() {
        let p =
            RetryPolicy { max_attempts: 10, base: Duration::from_millis(100), max_delay: Duration::from_millis(1000) };
        for attempt in 1..10 {
            assert!(p.delay(attempt) <= Duration::from_millis(1000));
        }
        assert!(p.delay(1) <= Duration::from_millis(100));
    }
}
