//! Per-account concurrency governance: a limit of in-flight requests shared by every task
//! that talks to one NetSuite account, adapting to the account's answers (AIMD): halved on a
//! concurrency fault, raised by one after a run of successes, never above the ceiling nor
//! below one.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

#[derive(Debug)]
struct State {
    limit: usize,
    in_flight: usize,
    successes: usize,
}

#[derive(Debug)]
struct Inner {
    ceiling: usize,
    state: Mutex<State>,
    freed: Notify,
}

/// The limiter of one account. Cheap to clone; clones share the limit.
#[derive(Clone, Debug)]
pub struct AccountLimiter {
    inner: Arc<Inner>,
}

/// One in-flight request; releases its slot when dropped.
#[derive(Debug)]
pub struct Permit {
    inner: Arc<Inner>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut s = lock(&self.inner.state);
        s.in_flight = s.in_flight.saturating_sub(1);
        drop(s);
        self.inner.freed.notify_waiters();
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AccountLimiter {
    /// A limiter starting at (and never above) `ceiling` requests in flight.
    pub fn new(ceiling: usize) -> Self {
        let ceiling = ceiling.max(1);
        Self {
            inner: Arc::new(Inner {
                ceiling,
                state: Mutex::new(State { limit: ceiling, in_flight: 0, successes: 0 }),
                freed: Notify::new(),
            }),
        }
    }

    /// Waits for a free slot under the current limit.
    pub async fn acquire(&self) -> Permit {
        loop {
            let notified = self.inner.freed.notified();
            {
                let mut s = lock(&self.inner.state);
                if s.in_flight < s.limit {
                    s.in_flight += 1;
                    return Permit { inner: self.inner.clone() };
                }
            }
            notified.await;
        }
    }

    /// A request succeeded: after `limit` successes in a row the limit grows by one.
    pub fn on_success(&self) {
        let mut s = lock(&self.inner.state);
        s.successes += 1;
        if s.successes >= s.limit && s.limit < self.inner.ceiling {
            s.limit += 1;
            s.successes = 0;
            drop(s);
            self.inner.freed.notify_waiters();
        }
    }

    /// NetSuite said the account is over its concurrency limit: halve ours.
    pub fn on_concurrency_fault(&self) {
        let mut s = lock(&self.inner.state);
        s.limit = (s.limit / 2).max(1);
        s.successes = 0;
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        lock(&self.inner.state).limit
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> usize {
        lock(&self.inner.state).in_flight
    }

    /// The configured ceiling.
    pub fn ceiling(&self) -> usize {
        self.inner.ceiling
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn never_more_in_flight_than_the_limit() {
        let l = AccountLimiter::new(3);
        let peak = Arc::new(AtomicUsize::new(0));
        let now = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (l, peak, now) = (l.clone(), peak.clone(), now.clone());
            tasks.push(tokio::spawn(async move {
                let _p = l.acquire().await;
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                now.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        assert_eq!(l.in_flight(), 0);
    }

    #[test]
    fn halves_on_faults_and_climbs_back_to_the_ceiling() {
        let l = AccountLimiter::new(8);
        l.on_concurrency_fault();
        assert_eq!(l.limit(), 4);
        l.on_concurrency_fault();
        l.on_concurrency_fault();
        l.on_concurrency_fault();
        assert_eq!(l.limit(), 1, "never below one");
        for _ in 0..1000 {
            l.on_success();
        }
        assert_eq!(l.limit(), 8, "never above the ceiling");
    }
}
