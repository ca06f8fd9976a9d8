//! When a tenant's next run is due. Pure functions of the database's facts, so that every
//! replica computes the same answer: due at once while a tenant is not onboarded (or an
//! enabled entity is not, or a pull was interrupted); otherwise one interval after the last
//! good run, plus a jitter fixed by the tenant and that run.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::config::Schedule;

/// The jitter of the run after `last`: a share of `max` fixed by a hash of the tenant id and
/// `last`, the same on every replica and different between tenants.
pub fn jitter_for(tenant_id: &str, last: Option<DateTime<Utc>>, max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let mut h = Sha256::new();
    h.update(tenant_id.as_bytes());
    h.update(last.map(|t| t.timestamp_micros()).unwrap_or(0).to_le_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let share = u64::from_le_bytes(first) % (max.as_millis().max(1) as u64);
    Duration::from_millis(share)
}

/// What the database says about a tenant, for scheduling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TenantState {
    /// Start of the last run that succeeded or degraded.
    pub last_good: Option<DateTime<Utc>>,
    /// Whether a pull is open (interrupted) or an enabled entity has never been onboarded.
    pub work_pending: bool,
}

/// When the next run is due.
pub fn next_due(tenant_id: &str, state: TenantState, schedule: &Schedule, now: DateTime<Utc>) -> DateTime<Utc> {
    match state.last_good {
        None => now,
        Some(_) if state.work_pending => now,
        Some(last) => {
            let after = schedule.delta_every + jitter_for(tenant_id, Some(last), schedule.jitter);
            last + chrono::Duration::from_std(after).unwrap_or(chrono::Duration::days(1))
        }
    }
}

/// Back-off after consecutive failed runs: 1, 2, 4... minutes, at most `max`.
pub fn failure_backoff(failures: u32, base: Duration, max: Duration) -> Duration {
    base.saturating_mul(1u32 << failures.saturating_sub(1).min(16)).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched() -> Schedule {
        Schedule {
            delta_every: Duration::from_secs(24 * 3600),
            jitter: Duration::from_secs(30 * 60),
            ..Schedule::default()
        }
    }

    #[test]
    fn onboarding_is_due_at_once_then_daily_with_bounded_jitter() {
        let now = Utc::now();
        let fresh = TenantState { last_good: None, work_pending: true };
        assert_eq!(next_due("a", fresh, &sched(), now), now);
        let last = now - chrono::Duration::hours(1);
        let done = TenantState { last_good: Some(last), work_pending: false };
        let due = next_due("a", done, &sched(), now);
        assert!(due >= last + chrono::Duration::hours(24));
        assert!(due < last + chrono::Duration::hours(24) + chrono::Duration::minutes(30));
        let pending = TenantState { last_good: Some(last), work_pending: true };
        assert_eq!(next_due("a", pending, &sched(), now), now);
    }

    #[test]
    fn jitter_is_stable_per_tenant_and_spreads_tenants() {
        let last = Some(Utc::now());
        let max = Duration::from_secs(1800);
        assert_eq!(jitter_for("a", last, max), jitter_for("a", last, max));
        let distinct: std::collections::BTreeSet<_> =
            (0..50).map(|i| jitter_for(&format!("t{i}"), last, max)).collect();
        assert!(distinct.len() > 40, "tenants do not align");
        assert!(distinct.iter().all(|j| *j < max));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = |n| failure_backoff(n, Duration::from_secs(60), Duration::from_secs(3600));
        assert_eq!(b(1), Duration::from_secs(60));
        assert_eq!(b(2), Duration::from_secs(120));
        assert_eq!(b(3), Duration::from_secs(240));
        assert_eq!(b(30), Duration::from_secs(3600));
    }
}
