//! Token-Based Authentication for SuiteTalk REST (SuiteQL): an OAuth 1.0a `Authorization`
//! header signed with HMAC-SHA256 from the same five values as the SOAP `tokenPassport`.
//!
//! The rules, from `../shared/NETSUITE-REST.md` §1 (RFC 5849 §3.4.1 and §3.6):
//! - base string `METHOD&enc(base_url)&enc(params)`: the method upper-case; the base URL's
//!   scheme and host lower-case, its path as sent, no query, no default port; the parameters
//!   are the six `oauth_*` values (never `realm`, never `oauth_signature`) plus every query
//!   parameter of the URL (`limit`, `offset`), each encoded, sorted by name then value;
//! - a JSON body is not signed;
//! - key `enc(consumer_secret)&enc(token_secret)`; signature base64 of the HMAC;
//! - `realm` is the account id in its credential spelling (`123456_SB1`), the host its
//!   lower-case hyphenated form (`123456-sb1`);
//! - encoding leaves `A-Z a-z 0-9 - . _ ~` and writes every other byte as `%XX`, upper-case hex.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use secrecy::ExposeSecret;
use sha2::Sha256;

use super::passport::{fresh_nonce, Credentials};

/// RFC 3986 unreserved characters stay; everything else is encoded.
const OAUTH: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes per RFC 5849 §3.6.
pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, OAUTH).to_string()
}

/// Why a URL cannot be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The URL does not parse or has no host.
    #[error("cannot sign {url:?}: {reason}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

/// The signature base string of a request (public for tests and for explaining a refusal).
pub fn base_string(method: &str, url: &str, oauth: &[(&str, &str)]) -> Result<String, SignError> {
    let bad = |reason: &str| SignError::BadUrl { url: url.to_string(), reason: reason.to_string() };
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    let host = parsed.host_str().ok_or_else(|| bad("no host"))?.to_ascii_lowercase();
    let scheme = parsed.scheme().to_ascii_lowercase();
    // `Url` drops the scheme's default port itself.
    let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
    let base_url = format!("{scheme}://{host}{port}{}", parsed.path());
    let mut params: Vec<(String, String)> = parsed.query_pairs().map(|(k, v)| (enc(&k), enc(&v))).collect();
    params.extend(oauth.iter().map(|(k, v)| (enc(k), enc(v))));
    params.sort();
    let normalized = params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    Ok(format!("{}&{}&{}", method.to_ascii_uppercase(), enc(&base_url), enc(&normalized)))
}

/// The `Authorization` header value for `method url`, signed with `creds`, `nonce` and
/// `timestamp` (fixed here for tests; [`authorization`] takes fresh ones).
pub fn authorization_with(
    creds: &Credentials,
    method: &str,
    url: &str,
    nonce: &str,
    timestamp: i64,
) -> Result<String, SignError> {
    let consumer_key = creds.consumer_key.expose_secret();
    let token = creds.token_id.expose_secret();
    let timestamp = timestamp.to_string();
    let oauth = [
        ("oauth_consumer_key", consumer_key),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA256"),
        ("oauth_timestamp", timestamp.as_str()),
        ("oauth_token", token),
        ("oauth_version", "1.0"),
    ];
    let base = base_string(method, url, &oauth)?;
    let key = format!("{}&{}", enc(creds.consumer_secret.expose_secret()), enc(creds.token_secret.expose_secret()));
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(base.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    Ok(format!(
        "OAuth realm=\"{}\", oauth_token=\"{}\", oauth_consumer_key=\"{}\", oauth_nonce=\"{}\", \
         oauth_timestamp=\"{timestamp}\", oauth_signature_method=\"HMAC-SHA256\", oauth_version=\"1.0\", \
         oauth_signature=\"{}\"",
        creds.account.as_str(),
        enc(token),
        enc(consumer_key),
        enc(nonce),
        enc(&signature)
    ))
}

/// The `Authorization` header value for `method url` with a fresh nonce and the current time:
/// every attempt is signed anew.
pub fn authorization(creds: &Credentials, method: &str, url: &str) -> Result<String, SignError> {
    authorization_with(creds, method, url, &fresh_nonce(), chrono::Utc::now().timestamp())
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::netsuite::AccountId;

    /// Oracle's published inputs ("The Signature for Web Services and RESTlets").
    fn oracle(account: &str) -> Credentials {
        let s = |v: &str| SecretString::from(v.to_string());
        Credentials {
            account: AccountId::parse(account).unwrap(),
            consumer_key: s("ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4"),
            consumer_secret: s("d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5"),
            token_id: s("2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc"),
            token_secret: s("c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295"),
        }
    }

    const NONCE: &str = "fjaLirsIcCGVZWzBX0pg";
    const TS: i64 = 1508242306;

    fn signature(header: &str) -> &str {
        header.rsplit_once("oauth_signature=\"").map(|(_, s)| s.trim_end_matches('"')).unwrap()
    }

    /// Oracle's REST example, as pinned by the public test NETSUITE-REST.md cites (worked
    /// example A): base string and header.
    #[test]
    fn oracles_rest_get_example() {
        let url = "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/employee/40";
        let creds = oracle("123456");
        let header = authorization_with(&creds, "GET", url, NONCE, TS).unwrap();
        assert_eq!(signature(&header), "B5OIWznZ2YP0OB7VrJrGkYsTh%2B8H%2B5T9Hag%2Bo92q0zY%3D");
        assert!(header.starts_with("OAuth realm=\"123456\", oauth_token=\"2b0ce516"), "{header}");
        let oauth = [
            ("oauth_consumer_key", "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4"),
            ("oauth_nonce", NONCE),
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_timestamp", "1508242306"),
            ("oauth_token", "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc"),
            ("oauth_version", "1.0"),
        ];
        assert_eq!(
            base_string("get", url, &oauth).unwrap(),
            "GET&https%3A%2F%2F123456.suitetalk.api.netsuite.com%2Fservices%2Frest%2Frecord%2Fv1%2Femployee%2F40&oauth_consumer_key%3Def40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4%26oauth_nonce%3DfjaLirsIcCGVZWzBX0pg%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1508242306%26oauth_token%3D2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc%26oauth_version%3D1.0"
        );
    }

    /// SuiteQL POSTs (worked example C): query parameters are signed, sorted around the
    /// `oauth_*` ones; the sandbox host is lower-case and hyphenated, the realm is not.
    #[test]
    fn suiteql_posts_sign_their_query_parameters() {
        let prod = oracle("123456");
        let plain = "https://123456.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql";
        let paged = format!("{plain}?limit=1000&offset=0");
        let h = authorization_with(&prod, "POST", plain, NONCE, TS).unwrap();
        assert_eq!(signature(&h), enc("Mnz34BntD5jdvNgfxbj9bhikpkUHoJ/mtp5v7RXIkCs="));
        let h = authorization_with(&prod, "POST", &paged, NONCE, TS).unwrap();
        assert_eq!(signature(&h), enc("K77GAJRnfr1XDIXWkDNFBb1G343XzZc397WHGpnHFF8="));

        let sandbox = oracle("123456_SB1");
        let url = "https://123456-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql?limit=1000&offset=0";
        let h = authorization_with(&sandbox, "POST", url, NONCE, TS).unwrap();
        assert_eq!(signature(&h), enc("LjzqkKDpsRTpwqBkevEM3wfFmspmqdKggHTdHxxHp+U="));
        assert!(h.starts_with("OAuth realm=\"123456_SB1\""), "{h}");
        // Upper-case host in the URL: the base string lower-cases it, so the signature holds.
        let upper = url.replace("123456-sb1.suitetalk", "123456-SB1.suitetalk");
        let h = authorization_with(&sandbox, "POST", &upper, NONCE, TS).unwrap();
        assert_eq!(signature(&h), enc("LjzqkKDpsRTpwqBkevEM3wfFmspmqdKggHTdHxxHp+U="));
        // The host wrongly built from the realm signs something else (the server refuses it).
        let wrong = url.replace("123456-sb1", "123456_SB1");
        let h = authorization_with(&sandbox, "POST", &wrong, NONCE, TS).unwrap();
        assert_eq!(signature(&h), enc("0HQCetNEtLcixwvLgNR4MrFEOfYVCNIcxmMhX7SDKaE="));
    }

    #[test]
    fn encoding_is_rfc3986() {
        assert_eq!(enc("a b+c/d=e~f-g.h_i"), "a%20b%2Bc%2Fd%3De~f-g.h_i");
        assert_eq!(enc("é"), "%C3%A9");
    }

    #[test]
    fn each_attempt_is_signed_anew() {
        let creds = oracle("123456");
        let url = "https://123456.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql";
        assert_ne!(authorization(&creds, "POST", url).unwrap(), authorization(&creds, "POST", url).unwrap());
    }
}
