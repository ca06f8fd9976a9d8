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
