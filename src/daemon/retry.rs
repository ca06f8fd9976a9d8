//! The retry rules, in one place: which errors are retried (the [`ErrorClass::Transient`]
//! ones, decided by `WireError::class`), how often, and how long to wait (exponential back-off
//! with full jitter). Each attempt calls the operation again, so it signs a fresh passport.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use tokio_util::sync::CancellationToken;

use crate::netsuite::error::ErrorClass;
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

    /// Runs `op` until it succeeds, fails with a non-transient error, runs out of attempts,
    /// or `cancel` fires. Every retry is logged once with the error's label.
    pub async fn run<T, F, Fut>(&self, cancel: &CancellationToken, what: &str, mut op: F) -> Result<T, RetryError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, WireError>>,
    {
        let mut attempt = 1;
        loop {
            if cancel.is_cancelled() {
                return Err(RetryError::Cancelled);
            }
            let result = tokio::select! {
                r = op() => r,
                _ = cancel.cancelled() => return Err(RetryError::Cancelled),
            };
            match result {
                Ok(v) => return Ok(v),
                Err(e) if e.class() == ErrorClass::Transient && attempt < self.max_attempts => {
                    let wait = self.delay(attempt);
                    tracing::warn!(operation = what, attempt, error_code = %e.label(), wait_ms = wait.as_millis() as u64, error = %e, "transient NetSuite error, retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = cancel.cancelled() => return Err(RetryError::Cancelled),
                    }
                    attempt += 1;
                }
                Err(e) => return Err(RetryError::Wire(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netsuite::error::FaultSource;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn fast(n: u32) -> RetryPolicy {
        RetryPolicy { max_attempts: n, base: Duration::from_millis(1), max_delay: Duration::from_millis(2) }
    }

    #[tokio::test]
    async fn retries_transient_then_succeeds() {
        let calls = AtomicU32::new(0);
        let r = fast(4)
            .run(&CancellationToken::new(), "t", || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(WireError::netsuite("WS_REQUEST_BLOCKED", "busy", FaultSource::Status))
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(r.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn never_retries_auth_or_permission() {
        for code in ["INVALID_LOGIN_ATTEMPT", "INSUFFICIENT_PERMISSION"] {
            let calls = AtomicU32::new(0);
            let r: Result<(), _> = fast(5)
                .run(&CancellationToken::new(), "t", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(WireError::netsuite(code, "no", FaultSource::Status))
                })
                .await;
            assert!(r.is_err());
            assert_eq!(calls.load(Ordering::SeqCst), 1, "{code}");
        }
    }

    #[tokio::test]
    async fn gives_up_after_max_attempts() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = fast(3)
            .run(&CancellationToken::new(), "t", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(WireError::Http { status: 503, snippet: String::new() })
            })
            .await;
        assert!(matches!(r, Err(RetryError::Wire(WireError::Http { status: 503, .. }))));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

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
