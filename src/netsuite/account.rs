//! NetSuite account ids and the hosts they map to.

use std::fmt;

/// A NetSuite account id as the tokenPassport needs it: upper case, with an optional sandbox
/// suffix `_SB<n>` (for example `1234567` or `1234567_SB1`).
///
/// Parsing normalises case, so `1234567_sb2` becomes `1234567_SB2`; anything else (empty,
/// spaces, other punctuation, a malformed suffix) is refused.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

/// Why a string is not an account id.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid NetSuite account id {0:?}: expected letters and digits, optionally followed by _SB<n> (e.g. 1234567 or 1234567_SB1)")]
pub struct InvalidAccountId(pub String);

impl AccountId {
    /// Parses and normalises an account id.
    pub fn parse(raw: &str) -> Result<Self, InvalidAccountId> {
        let upper = raw.trim().to_ascii_uppercase();
        let (base, suffix) = match upper.split_once('_') {
            Some((b, s)) => (b, Some(s)),
            None => (upper.as_str(), None),
        };
        let base_ok = !base.is_empty() && base.len() <= 32 && base.bytes().all(|b| b.is_ascii_alphanumeric());
        let suffix_ok = match suffix {
            None => true,
            Some(s) => s
                .strip_prefix("SB")
                .is_some_and(|n| !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit())),
        };
        if base_ok && suffix_ok {
            Ok(Self(upper))
        } else {
            Err(InvalidAccountId(raw.to_string()))
        }
    }

    /// The id as written in the tokenPassport (`1234567_SB1`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a sandbox account.
    pub fn is_sandbox(&self) -> bool {
        self.0.contains("_SB")
    }

    /// The host label: lower case with `_` turned into `-` (`1234567-sb1`).
    pub fn host_label(&self) -> String {
        self.0.to_ascii_lowercase().replace('_', "-")
    }

    /// The account's SuiteTalk REST base URL (scheme and host, `https://1234567-sb1.suitetalk.api.netsuite.com`);
    /// the REST paths are derived from it.
    pub fn default_rest_base(&self) -> String {
        format!("https://{}.{}", self.host_label(), super::ns::HOST_SUFFIX)
    }

    /// The production SuiteTalk endpoint of this account for endpoint version `version`
    /// (`https://<host label>.suitetalk.api.netsuite.com/services/NetSuitePort_<v>`).
    pub fn default_endpoint(&self, version: super::SoapVersion) -> String {
        format!("https://{}.{}{}", self.host_label(), super::ns::HOST_SUFFIX, version.path())
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

impl std::str::FromStr for AccountId {
    type Err = InvalidAccountId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_maps_to_dashed_lower_host() {
        let id = AccountId::parse("1234567_SB1").unwrap();
        assert_eq!(id.as_str(), "1234567_SB1");
        assert_eq!(id.host_label(), "1234567-sb1");
        assert_eq!(
            id.default_endpoint(crate::netsuite::SoapVersion::V2017_2),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2017_2"
        );
        assert_eq!(
            id.default_endpoint(crate::netsuite::SoapVersion::V2025_2),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2025_2"
        );
        assert!(id.is_sandbox());
    }

    #[test]
    fn any_sandbox_number_and_lower_case_input() {
        let id = AccountId::parse("1234567_sb12").unwrap();
        assert_eq!(id.as_str(), "1234567_SB12");
        assert_eq!(id.host_label(), "1234567-sb12");
        let prod = AccountId::parse("TSTDRV99").unwrap();
        assert_eq!(prod.host_label(), "tstdrv99");
        assert!(!prod.is_sandbox());
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "12 34", "1234567_", "1234567_SB", "1234567_XX1", "1234567-SB1", "a_SB1_SB2", "123;drop"] {
            assert!(AccountId::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
