//! Reads a SOAP request envelope: the operation, the TBA passport, the search preferences.
//!
//! Names are matched by namespace URI and local name, never by prefix. The operation's own
//! body is read by the module that runs it.
//!
//! A request is read at the endpoint version of the path it was posted to: every NetSuite
//! namespace in it (element names, attributes, `xsi:type` values) must be of that version, as
//! NetSuite's port for one version knows no other version's types; one that is not is refused
//! with a fault. Its NetSuite namespaces are then mapped onto the 2017_2 names the readers
//! match (a no-op at 2017_2), so one reader serves every version.

use crate::basics::ns::{self, SoapVersion};
use crate::basics::xml::{Element, QualifiedName};

/// The `tokenPassport` header's values as sent (each may be missing).
#[derive(Clone, Debug, Default)]
pub(crate) struct PassportFields {
    /// `account`.
    pub account: Option<String>,
    /// `consumerKey`.
    pub consumer_key: Option<String>,
    /// `token`.
    pub token: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `timestamp`, unparsed.
    pub timestamp: Option<String>,
    /// `signature`.
    pub signature: Option<String>,
    /// `signature@algorithm`.
    pub algorithm: Option<String>,
}

/// The `searchPreferences` header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SearchPrefs {
    /// `bodyFieldsOnly` (default true).
    pub body_fields_only: Option<bool>,
    /// `pageSize`.
    pub page_size: Option<i32>,
}

/// A request envelope, read.
#[derive(Debug)]
pub(crate) struct SoapRequest {
    /// Local name of the Body's first child (`search`, `searchMoreWithId`...).
    pub operation: String,
    /// The Body's first child.
    pub body: Element,
    /// The `tokenPassport` header, if present.
    pub passport: Option<PassportFields>,
    /// Whether a user/password `passport` header was sent as well.
    pub has_login_passport: bool,
    /// Whether an `applicationInfo` header was sent.
    pub has_application_info: bool,
    /// The `searchPreferences` header.
    pub prefs: SearchPrefs,
}

/// Why an envelope cannot be processed; answered with a SAX-style fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestError(pub String);

/// Reads an `xsd:boolean`.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Strips optional quotes and surrounding space from a `SOAPAction` header value.
pub(crate) fn soap_action_name(raw: &str) -> &str {
    raw.trim().trim_matches('"').trim()
}

fn passport(el: &Element) -> PassportFields {
    let text = |name: &str| el.child(ns::CORE, name).map(|c| c.trimmed().to_string());
    PassportFields {
        account: text("account"),
        consumer_key: text("consumerKey"),
        token: text("token"),
        nonce: text("nonce"),
        timestamp: text("timestamp"),
        signature: text("signature"),
        algorithm: el.child(ns::CORE, "signature").and_then(|s| s.attr("algorithm")).map(str::to_string),
    }
}

fn prefs(el: &Element) -> Result<SearchPrefs, RequestError> {
    let mut p = SearchPrefs::default();
    if let Some(b) = el.message_child("bodyFieldsOnly") {
        p.body_fields_only = Some(
            parse_bool(&b.text)
                .ok_or_else(|| RequestError(format!("Invalid boolean value for bodyFieldsOnly: {}", b.trimmed())))?,
        );
    }
    if let Some(r) = el.message_child("returnSearchColumns") {
        parse_bool(&r.text)
            .ok_or_else(|| RequestError(format!("Invalid boolean value for returnSearchColumns: {}", r.trimmed())))?;
    }
    if let Some(s) = el.message_child("pageSize") {
        p.page_size = Some(
            s.trimmed()
                .parse::<i32>()
                .map_err(|_| RequestError(format!("Invalid int value for pageSize: {}", s.trimmed())))?,
        );
    }
    Ok(p)
}

/// Maps one namespace for reading at `version`; `Err` names the foreign one.
fn map_namespace(uri: &mut Option<String>, version: SoapVersion) -> Result<(), RequestError> {
    let Some(found) = uri.as_deref() else { return Ok(()) };
    match ns::reading_name(found, version) {
        None => Ok(()),
        Some(Ok(name)) => {
            *uri = Some(name);
            Ok(())
        }
        Some(Err(other)) => Err(RequestError(format!(
            "org.xml.sax.SAXException: the namespace {found} is of endpoint version {other}; \
             NetSuitePort_{} reads urn:*_{}.* namespaces only",
            version.as_str(),
            version.as_str()
        ))),
    }
}

fn map_name(name: &mut QualifiedName, version: SoapVersion) -> Result<(), RequestError> {
    map_namespace(&mut name.ns, version)
}

/// Checks that every NetSuite namespace of `el` and its descendants is of `version` and maps
/// them onto the 2017_2 names the readers match. The tree is at most `xml`'s depth limit deep.
pub(crate) fn to_reading_names(el: &mut Element, version: SoapVersion) -> Result<(), RequestError> {
    map_name(&mut el.name, version)?;
    for a in &mut el.attrs {
        map_namespace(&mut a.ns, version)?;
    }
    if let Some(t) = &mut el.xsi_type {
        map_name(t, version)?;
    }
    for c in &mut el.children {
        to_reading_names(c, version)?;
    }
    Ok(())
}

/// Reads an envelope posted to the path of `version`. `soap_action` is the `SOAPAction`
/// header, if any: when it names an operation, it must be the Body's.
pub(crate) fn read(
    mut root: Element,
    soap_action: Option<&str>,
    version: SoapVersion,
) -> Result<SoapRequest, RequestError> {
    to_reading_names(&mut root, version)?;
    if !root.is(ns::SOAPENV, "Envelope") {
        return Err(RequestError(format!("the root element {} is not a SOAP 1.1 Envelope", root.name.clark())));
    }
    let mut header = None;
    let mut body = None;
    for section in root.children {
        if section.is(ns::SOAPENV, "Header") && header.is_none() {
            header = Some(section);
        } else if section.is(ns::SOAPENV, "Body") && body.is_none() {
            body = Some(section);
        }
    }
    let body = body.ok_or_else(|| RequestError("the Envelope has no Body".into()))?;
    let op = body.children.into_iter().next().ok_or_else(|| RequestError("the Body is empty".into()))?;
    if op.name.ns.as_deref() != Some(ns::MESSAGES) {
        return Err(RequestError(format!("No such operation '{}'", op.name.clark())));
    }
    if let Some(action) = soap_action.map(soap_action_name).filter(|a| !a.is_empty()) {
        if action != op.name.local {
            return Err(RequestError(format!(
                "The SOAPAction '{action}' does not match the operation '{}' in the Body",
                op.name.local
            )));
        }
    }
    let mut req = SoapRequest {
        operation: op.name.local.clone(),
        body: op,
        passport: None,
        has_login_passport: false,
        has_application_info: false,
        prefs: SearchPrefs::default(),
    };
    if let Some(header) = header {
        for h in &header.children {
            if h.is(ns::MESSAGES, "tokenPassport") {
                req.passport = Some(passport(h));
            } else if h.is(ns::MESSAGES, "passport") {
                req.has_login_passport = true;
            } else if h.is(ns::MESSAGES, "applicationInfo") {
                req.has_application_info = true;
            } else if h.is(ns::MESSAGES, "searchPreferences") {
                req.prefs = prefs(h)?;
            }
        }
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::xml;

    /// The client's vendor search envelopes, as it writes them for a passport of account
    /// `1234567_SB1`, nonce `abcdef123`, timestamp 1700000000 (the product's
    /// `tests/client_fixtures.rs` proves these files are what its writer produces), with
    /// `bodyFieldsOnly` false and page size 250, then true and 1000.
    const SEARCH_250: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/client_search_all_fields_250.xml"));
    const SEARCH_1000: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/client_search_body_fields_1000.xml"));

    #[test]
    fn reads_the_clients_search_envelope() {
        let body = SEARCH_250;
        let req = read(xml::parse(body).unwrap(), Some("\"search\""), SoapVersion::V2017_2).unwrap();
        assert_eq!(req.operation, "search");
        let p = req.passport.unwrap();
        assert_eq!(p.account.as_deref(), Some("1234567_SB1"));
        assert_eq!(p.timestamp.as_deref(), Some("1700000000"));
        assert_eq!(p.algorithm.as_deref(), Some("HMAC-SHA256"));
        assert_eq!(req.prefs, SearchPrefs { body_fields_only: Some(false), page_size: Some(250) });
        assert!(!req.has_login_passport && !req.has_application_info);
    }

    #[test]
    fn soap_action_must_match_the_body() {
        let body = SEARCH_1000;
        let v = SoapVersion::V2017_2;
        let err = read(xml::parse(body).unwrap(), Some("getAll"), v).unwrap_err();
        assert!(err.0.contains("getAll"), "{err:?}");
        assert!(read(xml::parse(body).unwrap(), Some(""), v).is_ok());
        assert!(read(xml::parse(body).unwrap(), None, v).is_ok());
    }

    /// The 2017_2 envelope with its namespaces moved to `v`.
    fn at_version(v: SoapVersion) -> Vec<u8> {
        String::from_utf8_lossy(SEARCH_250).replace("_2017_2.", &format!("_{}.", v.as_str())).into_bytes()
    }

    #[test]
    fn reads_each_version_at_its_own_path_only() {
        for v in SoapVersion::ALL {
            let req = read(xml::parse(&at_version(v)).unwrap(), Some("search"), v).unwrap();
            assert_eq!(req.operation, "search");
            assert_eq!(req.passport.unwrap().account.as_deref(), Some("1234567_SB1"));
            assert_eq!(req.prefs, SearchPrefs { body_fields_only: Some(false), page_size: Some(250) });
            let record = req.body.message_child("searchRecord").unwrap();
            let ty = record.xsi_type.as_ref().unwrap();
            assert_eq!((ty.ns.as_deref(), ty.local.as_str()), (Some(ns::COMMON), "VendorSearchBasic"));
            for other in SoapVersion::ALL.into_iter().filter(|o| *o != v) {
                let err = read(xml::parse(&at_version(v)).unwrap(), Some("search"), other).unwrap_err();
                assert!(err.0.contains(v.as_str()) && err.0.contains(other.as_str()), "{err:?}");
            }
        }
        // One foreign namespace anywhere, even only in an xsi:type value, is enough to refuse.
        let mixed = String::from_utf8_lossy(&at_version(SoapVersion::V2023_2))
            .replace("xmlns:platformCommon=\"urn:common_2023_2.", "xmlns:platformCommon=\"urn:common_2017_2.");
        assert!(read(xml::parse(mixed.as_bytes()).unwrap(), None, SoapVersion::V2023_2).is_err());
    }
}
