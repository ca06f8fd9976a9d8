//! searchIds: the stored criteria `searchMoreWithId` re-runs, and their expiry.
//!
//! A searchId expires when it has not been used for the time to live (15 minutes on
//! NetSuite), measured on the simulator clock. Each successful use restarts the count.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::basics::account_id::AccountId;
use crate::protocol::search_spec::SearchSpec;

/// Makes NetSuite-looking job ids (`WEBSERVICES_1234567_SB1_<digits>_<hex>`), used for
/// searchIds and the `documentInfo/nsId` of responses.
pub(crate) struct IdGen {
    rng: ChaCha8Rng,
    counter: u64,
}

impl IdGen {
    /// A generator whose random parts come from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self { rng: ChaCha8Rng::seed_from_u64(seed ^ 0x05ee_d1d5), counter: 0 }
    }

    /// A fresh id for `account` at `now`: the date (MMDDYYYY), 19 digits made of the time
    /// and a counter, and 8 random hex digits.
    pub(crate) fn next(&mut self, account: &AccountId, now: DateTime<Utc>) -> String {
        self.counter += 1;
        let millis = now.timestamp_millis().rem_euclid(10_000_000_000_000);
        let hex: u32 = self.rng.gen();
        format!(
            "WEBSERVICES_{}_{}{millis:013}{:06}_{hex:08x}",
            account.as_str(),
            now.format("%m%d%Y"),
            self.counter % 1_000_000
        )
    }
}

/// One stored search.
#[derive(Clone, Debug)]
pub(crate) struct SearchSession {
    /// The account that ran it; other accounts cannot continue it.
    pub account: AccountId,
    /// Its criteria.
    pub spec: SearchSpec,
    /// Its page size, fixed when it ran first.
    pub page_size: u32,
    /// Its `bodyFieldsOnly`, fixed when it ran first.
    pub body_fields_only: bool,
    /// When it was last used (simulator clock).
    pub last_used: DateTime<Utc>,
}

/// Why a searchId cannot be continued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionError {
    /// Never issued, or issued to another account.
    Unknown,
    /// Unused for longer than the time to live.
    Expired,
}

/// The searchIds in use.
pub(crate) struct Sessions {
    map: HashMap<String, SearchSession>,
    ttl: TimeDelta,
}

impl Sessions {
    /// An empty store whose searchIds live `ttl` after their last use.
    pub(crate) fn new(ttl: TimeDelta) -> Self {
        Self { map: HashMap::new(), ttl }
    }

    /// Stores a new search and returns its searchId. Expired searches are dropped first.
    pub(crate) fn create(
        &mut self,
        ids: &mut IdGen,
        account: &AccountId,
        spec: SearchSpec,
        page_size: u32,
        body_fields_only: bool,
        now: DateTime<Utc>,
    ) -> String {
        let ttl = self.ttl;
        self.map.retain(|_, s| now - s.last_used <= ttl);
        let id = ids.next(account, now);
        self.map.insert(
            id.clone(),
            SearchSession { account: account.clone(), spec, page_size, body_fields_only, last_used: now },
        );
        id
    }

    /// Uses search `id` for `account` at `now`: its session, with the use recorded.
    pub(crate) fn touch(
        &mut self,
        id: &str,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<SearchSession, SessionError> {
        let session = self.map.get_mut(id).filter(|s| s.account == *account).ok_or(SessionError::Unknown)?;
        if now - session.last_used > self.ttl {
            self.map.remove(id);
            return Err(SessionError::Expired);
        }
        session.last_used = now;
        Ok(session.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::vendor_search::VendorCriteria;

    #[test]
    fn ids_expire_after_the_ttl_unused() {
        let a = AccountId::parse("1234567_SB1").unwrap();
        let b = AccountId::parse("7654321").unwrap();
        let t0 = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let mut ids = IdGen::new(1);
        let mut s = Sessions::new(TimeDelta::minutes(15));
        let id = s.create(&mut ids, &a, SearchSpec::Vendor(VendorCriteria::default()), 5, true, t0);
        assert!(id.starts_with("WEBSERVICES_1234567_SB1_01012024"), "{id}");
        assert_eq!(s.touch(&id, &b, t0).unwrap_err(), SessionError::Unknown);
        assert!(s.touch(&id, &a, t0 + TimeDelta::minutes(14)).is_ok());
        // Used at 14 minutes: still alive at 28.
        assert!(s.touch(&id, &a, t0 + TimeDelta::minutes(28)).is_ok());
        assert_eq!(s.touch(&id, &a, t0 + TimeDelta::minutes(44)).unwrap_err(), SessionError::Expired);
        assert_eq!(s.touch(&id, &a, t0 + TimeDelta::minutes(44)).unwrap_err(), SessionError::Unknown);
        assert_ne!(ids.next(&a, t0), ids.next(&a, t0));
    }
}
