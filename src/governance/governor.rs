//! Governance of every request to one NetSuite account, in one place: the account's
//! concurrency limiter (shared by all its tasks, adapting to concurrency faults), the retry
//! rules ([`RetryPolicy`]: only transient errors, exponential back-off with full jitter, a
//! fresh passport per attempt since each attempt calls the operation again), a retry budget
//! so that a failing account cannot be hammered, and the request metrics.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio_util::sync::CancellationToken;

use super::limiter::AccountLimiter;
use super::retry::{RetryError, RetryPolicy};
use crate::netsuite::error::ErrorClass;
use crate::netsuite::WireError;

/// Retries are paid from a budget that successes refill: each success adds `ratio` of a
/// retry (up to `max`), each retry takes one. Starting full, it allows bursts of faults; a
/// sustained failure rate above `ratio` runs it dry and errors are then returned at once.
#[derive(Debug)]
pub struct RetryBudget {
    tokens: Mutex<f64>,
    ratio: f64,
    max: f64,
}

impl RetryBudget {
    /// A budget of `max` retries, refilled by `ratio` per success.
    pub fn new(max: f64, ratio: f64) -> Self {
        Self { tokens: Mutex::new(max), ratio, max }
    }

    fn deposit(&self) {
        let mut t = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        *t = (*t + self.ratio).min(self.max);
    }

    fn withdraw(&self) -> bool {
        let mut t = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
        if *t >= 1.0 {
            *t -= 1.0;
            true
        } else {
            false
        }
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(100.0, 0.5)
    }
}

/// Codes that say the account is over its concurrency limit: SOAP's faults, and SuiteTalk
/// REST's 429 (whatever its body says; the limit is shared by SOAP and REST requests).
fn is_concurrency_fault(e: &WireError) -> bool {
    matches!(e.code(), Some("WS_REQUEST_BLOCKED" | "WS_CONCUR_SESSION_DISALLWD"))
        || matches!(e, WireError::Rest { status: 429, .. })
}

/// The governor of one account. Cheap to clone; clones share limiter and budget.
#[derive(Clone, Debug)]
pub struct Governor {
    account: Arc<str>,
    retry: RetryPolicy,
    limiter: AccountLimiter,
    budget: Arc<RetryBudget>,
}

impl Governor {
    /// A governor for `account` with at most `max_in_flight` concurrent requests.
    pub fn new(account: &str, max_in_flight: usize, retry: RetryPolicy) -> Self {
        Self {
            account: Arc::from(account),
            retry,
            limiter: AccountLimiter::new(max_in_flight),
            budget: Arc::new(RetryBudget::default()),
        }
    }

    /// The account's limiter (for metrics and tests).
    pub fn limiter(&self) -> &AccountLimiter {
        &self.limiter
    }

    /// Runs `op` under the account's limit, retrying transient errors per the policy while
    /// the budget allows, until success, a non-transient error, exhaustion or `cancel`.
    pub async fn call<T, F, Fut>(
        &self,
        cancel: &CancellationToken,
        operation: &'static str,
        mut op: F,
    ) -> Result<T, RetryError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, WireError>>,
    {
        let mut attempt = 1;
        loop {
            if cancel.is_cancelled() {
                return Err(RetryError::Cancelled);
            }
            let result = {
                let permit = tokio::select! {
                    p = self.limiter.acquire() => p,
                    _ = cancel.cancelled() => return Err(RetryError::Cancelled),
                };
                self.gauges();
                let r = tokio::select! {
                    r = op() => r,
                    _ = cancel.cancelled() => return Err(RetryError::Cancelled),
                };
                drop(permit);
                r
            };
            let outcome = match &result {
                Ok(_) => "ok".to_string(),
                Err(e) => e.label(),
            };
            metrics::counter!("netsuite_requests_total", "operation" => operation, "outcome" => outcome).increment(1);
            match result {
                Ok(v) => {
                    self.limiter.on_success();
                    self.budget.deposit();
                    self.gauges();
                    return Ok(v);
                }
                Err(e) => {
                    if is_concurrency_fault(&e) {
                        self.limiter.on_concurrency_fault();
                    }
                    self.gauges();
                    // A REST 401 while other requests of the account are in flight may be the
                    // account's concurrency limit answered as a login error (NETSUITE-REST.md
                    // §1.5, Unsure 1): tried once more, with a fresh signature, then taken as
                    // refused credentials.
                    let login_under_load = matches!(e, WireError::Rest { status: 401, .. })
                        && attempt == 1
                        && self.limiter.in_flight() > 0;
                    let retryable =
                        (e.class() == ErrorClass::Transient || login_under_load) && attempt < self.retry.max_attempts;
                    if !retryable || !self.budget.withdraw() {
                        if retryable {
                            tracing::warn!(operation, account = %self.account, error_code = %e.label(), "retry budget exhausted");
                        }
                        return Err(RetryError::Wire(e));
                    }
                    let wait = self.retry.delay(attempt);
                    metrics::counter!("netsuite_retries_total", "operation" => operation).increment(1);
                    tracing::warn!(operation, attempt, error_code = %e.label(), wait_ms = wait.as_millis() as u64, error = %e, "transient NetSuite error, retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = cancel.cancelled() => return Err(RetryError::Cancelled),
                    }
                    attempt += 1;
                }
            }
        }
    }

    fn gauges(&self) {
        let account = self.account.to_string();
        metrics::gauge!("netsuite_in_flight_requests", "account" => account.clone())
            .set(self.limiter.in_flight() as f64);
        metrics::gauge!("netsuite_concurrency_limit", "account" => account).set(self.limiter.limit() as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netsuite::error::FaultSource;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    fn fast(n: u32) -> RetryPolicy {
        RetryPolicy { max_attempts: n, base: Duration::from_millis(1), max_delay: Duration::from_millis(2) }
    }

    #[tokio::test]
    async fn concurrency_faults_lower_the_limit_and_are_retried() {
        let g = Governor::new("1", 4, fast(5));
        let calls = AtomicU32::new(0);
        let r = g
            .call(&CancellationToken::new(), "search", || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(WireError::netsuite("WS_REQUEST_BLOCKED", "busy", FaultSource::SoapFault("x".into())))
                } else {
                    Ok(1)
                }
            })
            .await;
        assert_eq!(r.unwrap(), 1);
        assert_eq!(g.limiter().limit(), 2, "halved twice from 4 to 1, then one success raised it to 2");
    }

    #[tokio::test]
    async fn never_retries_auth_or_permission_and_gives_up_after_max_attempts() {
        for code in ["INVALID_LOGIN_ATTEMPT", "INSUFFICIENT_PERMISSION"] {
            let g = Governor::new("1", 2, fast(5));
            let calls = AtomicU32::new(0);
            let r: Result<(), _> = g
                .call(&CancellationToken::new(), "search", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(WireError::netsuite(code, "no", FaultSource::Status))
                })
                .await;
            assert!(r.is_err());
            assert_eq!(calls.load(Ordering::SeqCst), 1, "{code}");
        }
        let g = Governor::new("1", 2, fast(3));
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = g
            .call(&CancellationToken::new(), "search", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(WireError::Http { status: 503, snippet: String::new() })
            })
            .await;
        assert!(matches!(r, Err(RetryError::Wire(WireError::Http { status: 503, .. }))));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn rest_429_is_a_concurrency_fault_and_401_is_retried_once_only_under_load() {
        let g = Governor::new("1", 4, fast(5));
        let calls = AtomicU32::new(0);
        let rest = |status: u16| WireError::Rest { status, code: String::new(), detail: String::new() };
        let r = g
            .call(&CancellationToken::new(), "suiteql", || async {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(rest(429))
                } else {
                    Ok(1)
                }
            })
            .await;
        assert_eq!(r.unwrap(), 1);
        assert_eq!(g.limiter().limit(), 2, "halved from 4 to 2 by the 429 (a concurrency fault)");

        // Alone: a 401 is refused credentials at once.
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = g
            .call(&CancellationToken::new(), "suiteql", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(rest(401))
            })
            .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        // With another request of the account in flight: tried once more, then given up.
        let holder = {
            let g = g.clone();
            tokio::spawn(async move {
                g.call(&CancellationToken::new(), "suiteql", || async {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Ok::<_, WireError>(())
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = g
            .call(&CancellationToken::new(), "suiteql", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(rest(401))
            })
            .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one more attempt under load, not more");
        holder.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn an_empty_budget_stops_retrying() {
        let g = Governor { budget: Arc::new(RetryBudget::new(2.0, 0.0)), ..Governor::new("1", 2, fast(10)) };
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = g
            .call(&CancellationToken::new(), "search", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(WireError::Http { status: 503, snippet: String::new() })
            })
            .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3, "one attempt and two paid retries");
    }
}
