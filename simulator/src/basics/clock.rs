//! The simulator's clock: real time plus an offset that tests move forward.
//!
//! Record times (`lastModifiedDate` of mutated vendors) and searchId expiry follow this
//! clock. Passport timestamps do not: they are checked against real wall-clock time, as
//! NetSuite does, because the client signs with the real time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// Real time shifted by an offset that only grows.
#[derive(Debug, Default)]
pub(crate) struct SimClock {
    /// Milliseconds added to real time.
    offset_ms: AtomicI64,
}

impl SimClock {
    /// The simulator's current time.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// The simulator's current time cut to whole seconds, as NetSuite stores record times.
    pub(crate) fn now_seconds(&self) -> DateTime<Utc> {
        truncate_to_seconds(self.now())
    }

    /// Moves the clock forward by `by`.
    pub(crate) fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self.offset_ms.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |cur| Some(cur.saturating_add(ms)));
    }
}

/// `t` without its sub-second part.
pub(crate) fn truncate_to_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward() {
        let c = SimClock::default();
        let before = c.now();
        c.advance(Duration::from_secs(16 * 60));
        let after = c.now();
        assert!(after - before >= TimeDelta::minutes(16));
        assert_eq!(c.now_seconds().timestamp_subsec_millis(), 0);
    }
}
