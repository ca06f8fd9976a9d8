//! Token-Based Authentication on the server side: the checks NetSuite makes on a
//! `tokenPassport`, each failure answered with the same "Invalid login attempt." fault.

use std::collections::HashMap;

use crate::basics::account_id::AccountId;
use crate::basics::tba::{expected_signature, nonce_is_valid};
use crate::model::account::AccountState;
use crate::model::permissions::Permission;
use crate::protocol::request::SoapRequest;

/// Why a passport was refused. NetSuite tells the client nothing more than "Invalid login
/// attempt." (or "Ambiguous authentication"); the reason goes to the request log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// No `tokenPassport` header, or one with missing parts.
    MissingPassport,
    /// A `tokenPassport` together with a `passport` or `applicationInfo` header.
    Ambiguous,
    /// The account text names no hosted account (lower-case `_sb1` included).
    UnknownAccount,
    /// The consumer key is not the account's.
    WrongConsumerKey,
    /// The token id is not the account's.
    WrongToken,
    /// The signature algorithm is not `HMAC-SHA256`.
    WrongAlgorithm,
    /// The timestamp is not a number.
    BadTimestamp,
    /// The timestamp is more than the allowed skew away from real time.
    ClockSkew,
    /// The nonce is not 6 to 64 letters and digits.
    BadNonce,
    /// The signature does not verify.
    BadSignature,
    /// The nonce was accepted before.
    ReusedNonce,
    /// The role lacks the SOAP Web Services permission.
    NoWebServicesPermission,
}

impl AuthFailure {
    /// A short description for the request log.
    pub(crate) fn note(self) -> &'static str {
        match self {
            AuthFailure::MissingPassport => "missing or incomplete tokenPassport",
            AuthFailure::Ambiguous => "tokenPassport sent with passport or applicationInfo",
            AuthFailure::UnknownAccount => "unknown account (ids are case-sensitive)",
            AuthFailure::WrongConsumerKey => "wrong consumer key",
            AuthFailure::WrongToken => "wrong token id",
            AuthFailure::WrongAlgorithm => "signature algorithm is not HMAC-SHA256",
            AuthFailure::BadTimestamp => "timestamp is not a number",
            AuthFailure::ClockSkew => "timestamp too far from the server's clock",
            AuthFailure::BadNonce => "nonce is not 6 to 64 letters and digits",
            AuthFailure::BadSignature => "signature does not verify",
            AuthFailure::ReusedNonce => "nonce used before",
            AuthFailure::NoWebServicesPermission => "role lacks the SOAP Web Services permission",
        }
    }
}

/// Verifies the request's passport against the hosted accounts at real time `real_now`
/// (Unix seconds), allowing `max_skew_secs` either way. On success the nonce is recorded as
/// used and the account is returned. Nothing is recorded on failure.
pub(crate) fn authenticate(
    accounts: &mut HashMap<AccountId, AccountState>,
    req: &SoapRequest,
    real_now: i64,
    max_skew_secs: i64,
) -> Result<AccountId, AuthFailure> {
    let p = req.passport.as_ref().ok_or(AuthFailure::MissingPassport)?;
    if req.has_login_passport || req.has_application_info {
        return Err(AuthFailure::Ambiguous);
    }
    let (Some(account), Some(consumer_key), Some(token), Some(nonce), Some(timestamp), Some(signature)) =
        (&p.account, &p.consumer_key, &p.token, &p.nonce, &p.timestamp, &p.signature)
    else {
        return Err(AuthFailure::MissingPassport);
    };
    // The id must be written exactly as NetSuite spells it: parsing normalises case, so
    // compare the text too.
    let id = AccountId::parse(account).ok().filter(|id| id.as_str() == account).ok_or(AuthFailure::UnknownAccount)?;
    let state = accounts.get_mut(&id).ok_or(AuthFailure::UnknownAccount)?;
    if *consumer_key != state.secrets.consumer_key {
        return Err(AuthFailure::WrongConsumerKey);
    }
    if *token != state.secrets.token_id {
        return Err(AuthFailure::WrongToken);
    }
    if p.algorithm.as_deref() != Some("HMAC-SHA256") {
        return Err(AuthFailure::WrongAlgorithm);
    }
    let ts: i64 = timestamp.parse().map_err(|_| AuthFailure::BadTimestamp)?;
    if (real_now - ts).abs() > max_skew_secs {
        return Err(AuthFailure::ClockSkew);
    }
    if !nonce_is_valid(nonce) {
        return Err(AuthFailure::BadNonce);
    }
    let expected = expected_signature(
        account,
        consumer_key,
        token,
        nonce,
        ts,
        &state.secrets.consumer_secret,
        &state.secrets.token_secret,
    );
    if expected != *signature {
        return Err(AuthFailure::BadSignature);
    }
    if state.nonces.contains(nonce) {
        return Err(AuthFailure::ReusedNonce);
    }
    if !state.permissions.contains(Permission::SoapWebServices) {
        return Err(AuthFailure::NoWebServicesPermission);
    }
    state.nonces.insert(nonce, ts, real_now - 2 * max_skew_secs);
    Ok(id)
}
