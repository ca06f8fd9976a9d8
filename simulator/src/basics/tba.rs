//! Token-Based Authentication as the server sees it: the simulator's own signature and nonce
//! rules, written from NetSuite's documentation (`../shared/NETSUITE.md`) and proven by the
//! published test vector, never borrowed from the client it checks.
//!
//! Base string `account&consumerKey&token&nonce&timestamp`, key
//! `consumerSecret&tokenSecret`, signature standard Base64 of HMAC-SHA256.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::basics::account_id::AccountId;

/// The five values of a TBA integration as the simulator hands them to a client (plain
/// strings: these are test accounts). `Debug` redacts them all the same.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account the token belongs to.
    pub account: AccountId,
    /// Consumer key of the integration record.
    pub consumer_key: String,
    /// Consumer secret of the integration record.
    pub consumer_secret: String,
    /// Token id of the access token.
    pub token_id: String,
    /// Token secret of the access token.
    pub token_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("account", &self.account)
            .field("consumer_key", &"[REDACTED]")
            .field("consumer_secret", &"[REDACTED]")
            .field("token_id", &"[REDACTED]")
            .field("token_secret", &"[REDACTED]")
            .finish()
    }
}

/// The signature NetSuite expects for a passport's parts.
pub(crate) fn expected_signature(
    account: &str,
    consumer_key: &str,
    token: &str,
    nonce: &str,
    timestamp: i64,
    consumer_secret: &str,
    token_secret: &str,
) -> String {
    let base = [account, consumer_key, token, nonce, &timestamp.to_string()].join("&");
    let key = [consumer_secret, token_secret].join("&");
    let mut mac = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether a nonce has the form NetSuite accepts: 6 to 64 ASCII letters and digits.
pub(crate) fn nonce_is_valid(nonce: &str) -> bool {
    (6..=64).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle's published inputs and the expected value from `../shared/NETSUITE.md`.
    #[test]
    fn published_test_vector() {
        let sig = expected_signature(
            "1234567",
            "71cc02b731f05895561ef0862d71553a3ac99498a947c3b7beaf4a1e4a29f7c4",
            "89e08d9767c5ac85b374415725567d05b54ecf0960ad2470894a52f741020d82",
            "6obMKq0tmY8ylVOdEkA1",
            1439829974,
            "7278da58caf07f5c336301a601203d10a58e948efa280f0618e25fcee1ef2abd",
            "060cd9ab3ffbbe1e3d3918e90165ffd37ab12acc76b4691046e2d29c7d7674c2",
        );
        assert_eq!(sig, "FCghIZqXNetuZY8ILWOFH0ucdfzQOmAuL+q+kF21zPs=");
    }

    #[test]
    fn nonce_rules() {
        assert!(nonce_is_valid("abc123"));
        assert!(!nonce_is_valid("abc12"));
        assert!(nonce_is_valid(&"a".repeat(64)));
        assert!(!nonce_is_valid(&"a".repeat(65)));
        assert!(!nonce_is_valid("abc-123"));
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials {
            account: AccountId::parse("1").unwrap(),
            consumer_key: "ck".into(),
            consumer_secret: "cs".into(),
            token_id: "tk".into(),
            token_secret: "ts".into(),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("\"cs\"") && !shown.contains("\"ts\"") && !shown.contains("\"ck\""), "{shown}");
    }
}
