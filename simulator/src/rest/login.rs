//! Who a SuiteQL request is: its OAuth 1.0a header checked against the hosted accounts, as
//! `docs/suiteql.md` lists the refusals (all answered 401 `INVALID_LOGIN`; the reason goes to
//! the request log only).

use std::collections::HashMap;

use crate::basics::account_id::AccountId;
use crate::basics::tba::nonce_is_valid;
use crate::model::account::AccountState;
use crate::model::permissions::Permission;
use crate::rest::oauth::{base_string, base_url, same, signature, OAuthHeader};

/// How long an accepted nonce may not be used again with the same token.
pub(crate) const NONCE_WINDOW_SECS: i64 = 15 * 60;

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoginFailure {
    /// No `Authorization: OAuth …` header, or one that cannot be read.
    MissingHeader,
    /// A parameter is missing.
    MissingParameter,
    /// `oauth_signature_method` is not `HMAC-SHA256`, or `oauth_version` not `1.0`.
    WrongMethod,
    /// The realm is not a hosted account in its credential spelling.
    UnknownRealm,
    /// The host names another account than the realm.
    HostNotRealm,
    /// The consumer key is not the account's.
    WrongConsumerKey,
    /// The token is not the account's.
    WrongToken,
    /// The timestamp is not a number or too far from real time.
    ClockSkew,
    /// The nonce is not 6 to 64 letters and digits.
    BadNonce,
    /// The signature does not verify.
    BadSignature,
    /// The nonce was accepted for this token in the last 15 minutes.
    ReusedNonce,
    /// The role lacks `Setup -> REST Web Services`.
    NoRestPermission,
}

impl LoginFailure {
    /// The reason, for the request log.
    pub(crate) fn note(self) -> &'static str {
        match self {
            LoginFailure::MissingHeader => "no readable OAuth Authorization header",
            LoginFailure::MissingParameter => "an oauth_* parameter or the realm is missing",
            LoginFailure::WrongMethod => "signature method is not HMAC-SHA256 or version is not 1.0",
            LoginFailure::UnknownRealm => "realm is not a hosted account in credential spelling (123456_SB1)",
            LoginFailure::HostNotRealm => "host label is not the realm's (lower case, '_' as '-')",
            LoginFailure::WrongConsumerKey => "wrong consumer key",
            LoginFailure::WrongToken => "wrong token",
            LoginFailure::ClockSkew => "timestamp too far from the server's clock",
            LoginFailure::BadNonce => "nonce is not 6 to 64 letters and digits",
            LoginFailure::BadSignature => "signature does not verify (host case, query parameters, secrets?)",
            LoginFailure::ReusedNonce => "nonce used before with this token",
            LoginFailure::NoRestPermission => "role lacks the REST Web Services permission",
        }
    }
}

/// Nonces accepted per token, with the real time they were accepted.
#[derive(Debug, Default)]
pub(crate) struct RestNonces {
    seen: HashMap<String, HashMap<String, i64>>,
}

impl RestNonces {
    fn used(&self, token: &str, nonce: &str, now: i64) -> bool {
        self.seen.get(token).and_then(|m| m.get(nonce)).is_some_and(|at| now - at < NONCE_WINDOW_SECS)
    }

    fn insert(&mut self, token: &str, nonce: &str, now: i64) {
        let m = self.seen.entry(token.to_string()).or_default();
        if m.len() >= 4096 && m.len().is_power_of_two() {
            m.retain(|_, at| now - *at < NONCE_WINDOW_SECS);
        }
        m.insert(nonce.to_string(), now);
    }
}

/// The request as the verifier sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Signed<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The scheme the server serves.
    pub scheme: &'a str,
    /// The `Host` header as received.
    pub host: &'a str,
    /// The path.
    pub path: &'a str,
    /// The query parameters, decoded.
    pub query: &'a [(String, String)],
    /// The `Authorization` header value.
    pub authorization: Option<&'a str>,
}

/// Verifies `req` against the hosted `accounts` at real time `now` (Unix seconds), allowing
/// `max_skew` seconds; an accepted nonce is used up. Returns the account.
pub(crate) fn verify(
    accounts: &HashMap<AccountId, AccountState>,
    nonces: &mut RestNonces,
    req: Signed<'_>,
    now: i64,
    max_skew: i64,
) -> Result<AccountId, LoginFailure> {
    let header = req.authorization.and_then(OAuthHeader::parse).ok_or(LoginFailure::MissingHeader)?;
    let get = |name: &str| header.get(name).ok_or(LoginFailure::MissingParameter);
    let (consumer_key, token, nonce, timestamp, method, sig) = (
        get("oauth_consumer_key")?,
        get("oauth_token")?,
        get("oauth_nonce")?,
        get("oauth_timestamp")?,
        get("oauth_signature_method")?,
        get("oauth_signature")?,
    );
    if method != "HMAC-SHA256" || header.get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err(LoginFailure::WrongMethod);
    }
    let realm = header.realm.as_deref().ok_or(LoginFailure::MissingParameter)?;
    let account = AccountId::parse(realm).ok().filter(|a| a.as_str() == realm).ok_or(LoginFailure::UnknownRealm)?;
    let state = accounts.get(&account).ok_or(LoginFailure::UnknownRealm)?;
    let host = req.host.trim().to_ascii_lowercase();
    let host_name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    if let Some(label) = host_name.strip_suffix(".suitetalk.api.netsuite.com") {
        if label != realm.to_ascii_lowercase().replace('_', "-") {
            return Err(LoginFailure::HostNotRealm);
        }
    }
    if consumer_key != state.secrets.consumer_key {
        return Err(LoginFailure::WrongConsumerKey);
    }
    if token != state.secrets.token_id {
        return Err(LoginFailure::WrongToken);
    }
    let ts: i64 = timestamp.trim().parse().map_err(|_| LoginFailure::ClockSkew)?;
    if (now - ts).abs() > max_skew {
        return Err(LoginFailure::ClockSkew);
    }
    if !nonce_is_valid(nonce) {
        return Err(LoginFailure::BadNonce);
    }
    let base = base_string(req.method, &base_url(req.scheme, req.host, req.path), req.query, &header.params);
    let expected = signature(&base, &state.secrets.consumer_secret, &state.secrets.token_secret);
    if !same(&expected, sig) {
        return Err(LoginFailure::BadSignature);
    }
    if nonces.used(token, nonce, now) {
        return Err(LoginFailure::ReusedNonce);
    }
    nonces.insert(token, nonce, now);
    if !state.permissions.contains(Permission::RestWebServices) {
        return Err(LoginFailure::NoRestPermission);
    }
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::account::AccountSpec;
    use crate::rest::oauth::{enc, query_pairs};
    use chrono::{DateTime, Utc};

    const PATH: &str = "/services/rest/query/v1/suiteql";

    fn accounts() -> HashMap<AccountId, AccountState> {
        let id = AccountId::parse("1234567_SB1").unwrap();
        let anchor = DateTime::parse_from_rfc3339("2024-05-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let state = AccountState::generate(AccountSpec::new(id.clone(), 3).with_vendors(3), anchor, 5);
        HashMap::from([(id, state)])
    }

    /// A header signed over `signed_host` and `signed_query` (what a client would send).
    fn header(a: &AccountState, realm: &str, signed_host: &str, signed_query: &str, nonce: &str, ts: i64) -> String {
        signed_over(a, realm, &base_url("http", signed_host, PATH), signed_query, nonce, ts, None)
    }

    /// A header signed over this base URL exactly (not lower-cased), optionally with another
    /// token.
    fn signed_over(
        a: &AccountState,
        realm: &str,
        signed_url: &str,
        signed_query: &str,
        nonce: &str,
        ts: i64,
        token: Option<&str>,
    ) -> String {
        let s = &a.secrets;
        let oauth: Vec<(String, String)> = [
            ("oauth_consumer_key", s.consumer_key.as_str()),
            ("oauth_token", token.unwrap_or(s.token_id.as_str())),
            ("oauth_nonce", nonce),
            ("oauth_timestamp", &ts.to_string()),
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_version", "1.0"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let base = base_string("POST", signed_url, &query_pairs(signed_query).unwrap(), &oauth);
        let sig = signature(&base, &s.consumer_secret, &s.token_secret);
        let mut h = format!(r#"OAuth realm="{realm}""#);
        for (k, v) in oauth {
            h.push_str(&format!(r#", {k}="{}""#, enc(&v)));
        }
        h.push_str(&format!(r#", oauth_signature="{}""#, enc(&sig)));
        h
    }

    #[test]
    fn refusals() {
        let accts = accounts();
        let a = accts.values().next().unwrap();
        let mut nonces = RestNonces::default();
        let now = 1_800_000_000;
        let q = query_pairs("limit=1000&offset=0").unwrap();
        let host = "1234567-sb1.suitetalk.api.netsuite.com";
        let mut check = |auth: &str, host: &str| {
            verify(
                &accts,
                &mut nonces,
                Signed { method: "POST", scheme: "http", host, path: PATH, query: &q, authorization: Some(auth) },
                now,
                300,
            )
        };
        let ok = header(a, "1234567_SB1", host, "limit=1000&offset=0", "nonce00001", now);
        assert_eq!(check(&ok, host).map(|x| x.as_str().to_string()), Ok("1234567_SB1".to_string()));
        assert_eq!(check(&ok, host), Err(LoginFailure::ReusedNonce));
        // Host received in upper case: lower-cased, accepted.
        let ok2 = header(a, "1234567_SB1", host, "limit=1000&offset=0", "nonce00002", now);
        assert!(check(&ok2, &host.to_ascii_uppercase()).is_ok());
        // Host signed with the credential spelling, or in upper case without lower-casing.
        let wrong =
            header(a, "1234567_SB1", "1234567_SB1.suitetalk.api.netsuite.com", "limit=1000&offset=0", "n3333333", now);
        assert_eq!(check(&wrong, host), Err(LoginFailure::BadSignature));
        // A client that signs the host as it typed it, upper case, without lower-casing it.
        let upper = format!("http://{}{PATH}", host.to_ascii_uppercase());
        let unlowered = signed_over(a, "1234567_SB1", &upper, "limit=1000&offset=0", "n3333334", now, None);
        assert_eq!(check(&unlowered, &host.to_ascii_uppercase()), Err(LoginFailure::BadSignature));
        // An unknown token.
        let url = base_url("http", host, PATH);
        let stranger = signed_over(a, "1234567_SB1", &url, "limit=1000&offset=0", "n3333335", now, Some("abc"));
        assert_eq!(check(&stranger, host), Err(LoginFailure::WrongToken));
        // A query parameter left out of the base string.
        let missing = header(a, "1234567_SB1", host, "limit=1000", "n4444444", now);
        assert_eq!(check(&missing, host), Err(LoginFailure::BadSignature));
        // Stale or future timestamps.
        let stale = header(a, "1234567_SB1", host, "limit=1000&offset=0", "n5555555", now - 301);
        assert_eq!(check(&stale, host), Err(LoginFailure::ClockSkew));
        let future = header(a, "1234567_SB1", host, "limit=1000&offset=0", "n6666666", now + 301);
        assert_eq!(check(&future, host), Err(LoginFailure::ClockSkew));
        // Realm spelling and the host's account label.
        let lower = header(a, "1234567_sb1", host, "limit=1000&offset=0", "n7777777", now);
        assert_eq!(check(&lower, host), Err(LoginFailure::UnknownRealm));
        let other = "7654321.suitetalk.api.netsuite.com";
        let elsewhere = header(a, "1234567_SB1", other, "limit=1000&offset=0", "n8888888", now);
        assert_eq!(check(&elsewhere, other), Err(LoginFailure::HostNotRealm));
        assert_eq!(check("Bearer x", host), Err(LoginFailure::MissingHeader));
        let no_sig = ok.split(", oauth_signature=").next().unwrap().to_string();
        assert_eq!(check(&no_sig, host), Err(LoginFailure::MissingParameter));
        // A nonce is free again after 15 minutes.
        let mut later = RestNonces::default();
        later.insert("t", "n", now);
        assert!(later.used("t", "n", now + NONCE_WINDOW_SECS - 1));
        assert!(!later.used("t", "n", now + NONCE_WINDOW_SECS));
        assert!(!later.used("other token", "n", now));
    }
}
