//! OAuth 1.0a (RFC 5849) as NetSuite's REST web services check it: the `Authorization: OAuth …`
//! header read, the signature base string rebuilt from the request as received, and the
//! HMAC-SHA256 signature compared. Written from RFC 5849 §3.4–3.6 and the facts sheet
//! (`../shared/NETSUITE-REST.md` §1), independently of the client's signer, and proven by
//! the published example (sheet §1.4 A) and the SuiteQL rows of §1.4 C.
//!
//! The base string is `METHOD&enc(base_url)&enc(params)`: the method upper-case; the base URL
//! the scheme and the `Host` header **as received, lower-cased** (a default port dropped) and
//! the path; the parameters every `oauth_*` value of the header but `oauth_signature` (never
//! `realm`) and every query parameter of the request URL, each encoded, sorted by encoded
//! name then value, joined `k=v` with `&`. A JSON body is not signed. The key is
//! `enc(consumer_secret)&enc(token_secret)`.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Percent-encodes per RFC 5849 §3.6: `A-Z a-z 0-9 - . _ ~` stay, every other byte of the
/// UTF-8 form is `%XX` with upper-case hex.
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// Decodes `%XX` escapes (and, when `plus_is_space`, `+` as a space, as in a query string);
/// `None` for a broken escape or bytes that are not UTF-8.
pub(crate) fn decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The query parameters of a raw query string, decoded (`None` when one cannot be).
pub(crate) fn query_pairs(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode(k, true)?, decode(v, true)?))
        })
        .collect()
}

/// An `Authorization: OAuth …` header, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OAuthHeader {
    /// `realm`, decoded.
    pub realm: Option<String>,
    /// Every other parameter, decoded, in header order.
    pub params: Vec<(String, String)>,
}

impl OAuthHeader {
    /// Reads the header value: `OAuth k="v", k="v"…` (values percent-encoded). `None` for
    /// another scheme, a malformed or duplicated parameter.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        let rest = value.trim();
        let scheme_end = rest.find(char::is_whitespace)?;
        if !rest[..scheme_end].eq_ignore_ascii_case("OAuth") {
            return None;
        }
        let mut realm = None;
        let mut params: Vec<(String, String)> = Vec::new();
        for part in rest[scheme_end..].split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, v) = part.split_once('=')?;
            let v = v.trim().strip_prefix('"')?.strip_suffix('"')?;
            let k = k.trim();
            let v = decode(v, false)?;
            if k == "realm" {
                if realm.replace(v).is_some() {
                    return None;
                }
            } else {
                if params.iter().any(|(name, _)| name == k) {
                    return None;
                }
                params.push((k.to_string(), v));
            }
        }
        Some(Self { realm, params })
    }

    /// The value of parameter `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The base URL of a request: `scheme://host[:port]/path` with the scheme and host lower-cased
/// and the scheme's default port left out.
pub(crate) fn base_url(scheme: &str, host: &str, path: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    let host = host.trim().to_ascii_lowercase();
    let default = if scheme == "https" { ":443" } else { ":80" };
    let host = host.strip_suffix(default).unwrap_or(&host);
    format!("{scheme}://{host}{path}")
}

/// The signature base string of `method base_url` with these query parameters and
/// `oauth_*` parameters (decoded values; `oauth_signature` and `realm` are left out here).
pub(crate) fn base_string(
    method: &str,
    base_url: &str,
    query: &[(String, String)],
    oauth: &[(String, String)],
) -> String {
    let mut params: Vec<(String, String)> = query
        .iter()
        .chain(oauth.iter().filter(|(k, _)| k != "oauth_signature" && k != "realm"))
        .map(|(k, v)| (enc(k), enc(v)))
        .collect();
    params.sort();
    let normalized = params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    format!("{}&{}&{}", method.to_ascii_uppercase(), enc(base_url), enc(&normalized))
}

/// `base64(HMAC-SHA256(enc(consumer_secret)&enc(token_secret), base))`.
pub(crate) fn signature(base: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = format!("{}&{}", enc(consumer_secret), enc(token_secret));
    let mut mac = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    };
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether two strings are equal, comparing every byte (no early exit on the signature).
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const CK: &str = "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4";
    const CS: &str = "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5";
    const TK: &str = "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc";
    const TS: &str = "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295";

    fn oauth() -> Vec<(String, String)> {
        [
            ("oauth_token", TK),
            ("oauth_consumer_key", CK),
            ("oauth_nonce", "fjaLirsIcCGVZWzBX0pg"),
            ("oauth_timestamp", "1508242306"),
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_version", "1.0"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn sign(method: &str, scheme: &str, host: &str, path: &str, query: &str) -> String {
        let q = query_pairs(query).unwrap();
        signature(&base_string(method, &base_url(scheme, host, path), &q, &oauth()), CS, TS)
    }

    /// Oracle's published REST example (sheet §1.4 A): base string and signature.
    #[test]
    fn the_published_example_verifies() {
        let url = base_url("https", "123456.suitetalk.api.netsuite.com", "/services/rest/record/v1/employee/40");
        let base = base_string("get", &url, &[], &oauth());
        assert_eq!(
            base,
            "GET&https%3A%2F%2F123456.suitetalk.api.netsuite.com%2Fservices%2Frest%2Frecord%2Fv1%2Femployee%2F40&oauth_consumer_key%3Def40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4%26oauth_nonce%3DfjaLirsIcCGVZWzBX0pg%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1508242306%26oauth_token%3D2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc%26oauth_version%3D1.0"
        );
        assert_eq!(signature(&base, CS, TS), "B5OIWznZ2YP0OB7VrJrGkYsTh+8H+5T9Hag+o92q0zY=");
        // The header form, as the test vector pins it, reads back to the same values.
        let header = format!(
            r#"OAuth realm="123456", oauth_token="{TK}", oauth_consumer_key="{CK}", oauth_nonce="fjaLirsIcCGVZWzBX0pg", oauth_timestamp="1508242306", oauth_signature_method="HMAC-SHA256", oauth_version="1.0", oauth_signature="B5OIWznZ2YP0OB7VrJrGkYsTh%2B8H%2B5T9Hag%2Bo92q0zY%3D""#
        );
        let h = OAuthHeader::parse(&header).unwrap();
        assert_eq!(h.realm.as_deref(), Some("123456"));
        assert_eq!(h.get("oauth_signature"), Some("B5OIWznZ2YP0OB7VrJrGkYsTh+8H+5T9Hag+o92q0zY="));
        assert_eq!(base_string("GET", &url, &[], &h.params), base);
    }

    /// The SuiteQL rows of sheet §1.4 C.
    #[test]
    fn the_suiteql_rows_verify() {
        let path = "/services/rest/query/v1/suiteql";
        let host = "123456.suitetalk.api.netsuite.com";
        assert_eq!(sign("POST", "https", host, path, ""), "Mnz34BntD5jdvNgfxbj9bhikpkUHoJ/mtp5v7RXIkCs=");
        assert_eq!(
            sign("POST", "https", host, path, "limit=1000&offset=0"),
            "K77GAJRnfr1XDIXWkDNFBb1G343XzZc397WHGpnHFF8="
        );
        assert_eq!(
            base_string("POST", &base_url("https", host, path), &query_pairs("limit=1000&offset=0").unwrap(), &oauth()),
            "POST&https%3A%2F%2F123456.suitetalk.api.netsuite.com%2Fservices%2Frest%2Fquery%2Fv1%2Fsuiteql&limit%3D1000%26oauth_consumer_key%3Def40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4%26oauth_nonce%3DfjaLirsIcCGVZWzBX0pg%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1508242306%26oauth_token%3D2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc%26oauth_version%3D1.0%26offset%3D0"
        );
        let sandbox = "123456-sb1.suitetalk.api.netsuite.com";
        let good = sign("POST", "https", sandbox, path, "limit=1000&offset=0");
        assert_eq!(good, "LjzqkKDpsRTpwqBkevEM3wfFmspmqdKggHTdHxxHp+U=");
        // The host received upper-case is lower-cased: the same signature.
        assert_eq!(
            sign("POST", "HTTPS", "123456-SB1.SUITETALK.API.NETSUITE.COM:443", path, "limit=1000&offset=0"),
            good
        );
        // Signed with the credential spelling as host: another signature, refused.
        let wrong = sign("POST", "https", "123456_SB1.suitetalk.api.netsuite.com", path, "limit=1000&offset=0");
        assert_eq!(wrong, "0HQCetNEtLcixwvLgNR4MrFEOfYVCNIcxmMhX7SDKaE=");
        assert!(!same(&wrong, &good) && same(&good, &good.clone()));
        // A query parameter left out changes the signature.
        assert_ne!(sign("POST", "https", sandbox, path, "limit=1000"), good);
    }

    #[test]
    fn encoding_and_headers() {
        assert_eq!(enc("a b+c/=~é"), "a%20b%2Bc%2F%3D~%C3%A9");
        assert_eq!(decode("a%20b+c", true).as_deref(), Some("a b c"));
        assert_eq!(decode("a%2", false), None);
        assert_eq!(decode("%FF", false), None);
        assert_eq!(
            query_pairs("limit=10&offset=0&x").unwrap(),
            [
                ("limit".to_string(), "10".to_string()),
                ("offset".to_string(), "0".to_string()),
                ("x".to_string(), String::new())
            ]
        );
        assert!(OAuthHeader::parse("Bearer abc").is_none());
        assert!(OAuthHeader::parse(r#"OAuth oauth_nonce="a", oauth_nonce="b""#).is_none());
        assert!(OAuthHeader::parse(r#"OAuth oauth_nonce=a"#).is_none());
        assert!(OAuthHeader::parse("OAuth").is_none());
        let h = OAuthHeader::parse(r#"oauth   realm="1_SB1",oauth_nonce="n%201""#).unwrap();
        assert_eq!((h.realm.as_deref(), h.get("oauth_nonce")), (Some("1_SB1"), Some("n 1")));
        assert_eq!(base_url("http", "127.0.0.1:8080", "/p"), "http://127.0.0.1:8080/p");
        assert_eq!(base_url("http", "Example.COM:80", "/p"), "http://example.com/p");
    }
}
