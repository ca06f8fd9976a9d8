//! Request envelopes, written with quick-xml's writer so every value is escaped.
//!
//! Shapes follow `platform.messages.xsd`, `platform.core.xsd` and `platform.common.xsd`: the
//! `tokenPassport` element is in the messages namespace, its children in the core namespace;
//! search-record fields follow the XSD sequence order. Every name written here has the same
//! place in the 2017_2 and 2023_2 XSDs, so one shape serves every [`SoapVersion`]: the version
//! supplies the namespace URIs only (`tests/xsd_requests.rs` validates each shape against its
//! own version's XSDs).

use std::io;

use chrono::SecondsFormat;
use quick_xml::events::{BytesDecl, BytesText};
use quick_xml::Writer;

use super::ns;
use super::passport::TokenPassport;
use super::search::{Criterion, SearchQuery};
use super::version::SoapVersion;

/// `searchPreferences` sent with every search request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchPreferences {
    /// `bodyFieldsOnly`: true leaves sublists out.
    pub body_fields_only: bool,
    /// `pageSize`.
    pub page_size: u32,
}

type W = Writer<Vec<u8>>;

fn leaf(w: &mut W, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(value))?;
    Ok(())
}

fn envelope(
    version: SoapVersion,
    passport: &TokenPassport,
    prefs: SearchPreferences,
    body: impl FnOnce(&mut W) -> io::Result<()>,
) -> io::Result<Vec<u8>> {
    let urns = version.namespaces();
    let mut w = Writer::new(Vec::with_capacity(2048));
    w.write_event(quick_xml::events::Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("soapenv:Envelope")
        .with_attributes([
            ("xmlns:soapenv", ns::SOAPENV),
            ("xmlns:xsi", ns::XSI),
            ("xmlns:platformMsgs", urns.messages),
            ("xmlns:platformCore", urns.core),
            ("xmlns:platformCommon", urns.common),
        ])
        .write_inner_content(|w| {
            w.create_element("soapenv:Header").write_inner_content(|w| {
                w.create_element("platformMsgs:tokenPassport").write_inner_content(|w| {
                    leaf(w, "platformCore:account", &passport.account)?;
                    leaf(w, "platformCore:consumerKey", &passport.consumer_key)?;
                    leaf(w, "platformCore:token", &passport.token)?;
                    leaf(w, "platformCore:nonce", &passport.nonce)?;
                    leaf(w, "platformCore:timestamp", &passport.timestamp.to_string())?;
                    w.create_element("platformCore:signature")
                        .with_attribute(("algorithm", "HMAC-SHA256"))
                        .write_text_content(BytesText::new(&passport.signature))?;
                    Ok(())
                })?;
                w.create_element("platformMsgs:searchPreferences").write_inner_content(|w| {
                    leaf(w, "platformMsgs:bodyFieldsOnly", bool_str(prefs.body_fields_only))?;
                    leaf(w, "platformMsgs:returnSearchColumns", "false")?;
                    leaf(w, "platformMsgs:pageSize", &prefs.page_size.to_string())?;
                    Ok(())
                })?;
                Ok(())
            })?;
            w.create_element("soapenv:Body").write_inner_content(body)?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn criterion(w: &mut W, c: &Criterion) -> io::Result<()> {
    let name = format!("platformCommon:{}", c.field());
    match c {
        Criterion::Date { operator, value, value2, .. } => {
            w.create_element(name.as_str()).with_attribute(("operator", operator.as_str())).write_inner_content(
                |w| {
                    leaf(w, "platformCore:searchValue", &value.to_rfc3339_opts(SecondsFormat::Millis, true))?;
                    if let Some(v2) = value2 {
                        leaf(w, "platformCore:searchValue2", &v2.to_rfc3339_opts(SecondsFormat::Millis, true))?;
                    }
                    Ok(())
                },
            )?;
        }
        Criterion::Boolean { value, .. } => {
            w.create_element(name.as_str())
                .write_inner_content(|w| leaf(w, "platformCore:searchValue", bool_str(*value)))?;
        }
        Criterion::AnyOfIds { ids, .. } => {
            w.create_element(name.as_str()).with_attribute(("operator", "anyOf")).write_inner_content(|w| {
                for id in ids {
                    w.create_element("platformCore:searchValue")
                        .with_attribute(("internalId", id.as_str()))
                        .write_empty()?;
                }
                Ok(())
            })?;
        }
        Criterion::AnyOfEnum { values, .. } => {
            w.create_element(name.as_str()).with_attribute(("operator", "anyOf")).write_inner_content(|w| {
                for v in values {
                    leaf(w, "platformCore:searchValue", v)?;
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// A `search` request for `query` at endpoint version `version`, signed with `passport`.
pub fn search_request(
    version: SoapVersion,
    passport: &TokenPassport,
    prefs: SearchPreferences,
    query: &SearchQuery,
) -> io::Result<Vec<u8>> {
    let xsi_type = format!("platformCommon:{}", query.search_type.search_basic());
    envelope(version, passport, prefs, |w| {
        w.create_element("platformMsgs:search").write_inner_content(|w| {
            // The prefix used inside the xsi:type value is declared right here too, so the
            // element stays valid when taken out of the envelope (as validators do).
            w.create_element("platformMsgs:searchRecord")
                .with_attribute(("xmlns:platformCommon", version.namespaces().common))
                .with_attribute(("xsi:type", xsi_type.as_str()))
                .write_inner_content(|w| {
                    for c in query.ordered_criteria() {
                        criterion(w, c)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
        Ok(())
    })
}

/// A `searchMoreWithId` request at endpoint version `version` for page `page_index` of search `search_id`.
pub fn search_more_with_id_request(
    version: SoapVersion,
    passport: &TokenPassport,
    prefs: SearchPreferences,
    search_id: &str,
    page_index: u32,
) -> io::Result<Vec<u8>> {
    envelope(version, passport, prefs, |w| {
        w.create_element("platformMsgs:searchMoreWithId").write_inner_content(|w| {
            leaf(w, "platformMsgs:searchId", search_id)?;
            leaf(w, "platformMsgs:pageIndex", &page_index.to_string())?;
            Ok(())
        })?;
        Ok(())
    })
}

/// A `getDeleted` request at endpoint version `version`: records of one `DeletedRecordType` deleted on or after a time,
/// page `page_index` (from 1). The filter's fields are in the core namespace
/// (`GetDeletedFilter` of `platform.core.xsd`); `pageIndex` is required.
pub fn get_deleted_request(
    version: SoapVersion,
    passport: &TokenPassport,
    prefs: SearchPreferences,
    query: &super::search::DeletedQuery,
    page_index: u32,
) -> io::Result<Vec<u8>> {
    envelope(version, passport, prefs, |w| {
        w.create_element("platformMsgs:getDeleted").write_inner_content(|w| {
            w.create_element("platformMsgs:getDeletedFilter").write_inner_content(|w| {
                w.create_element("platformCore:deletedDate")
                    .with_attribute(("operator", "onOrAfter"))
                    .write_inner_content(|w| {
                        leaf(w, "platformCore:searchValue", &query.since.to_rfc3339_opts(SecondsFormat::Millis, true))
                    })?;
                w.create_element("platformCore:type")
                    .with_attribute(("operator", "anyOf"))
                    .write_inner_content(|w| leaf(w, "platformCore:searchValue", query.record_type))?;
                Ok(())
            })?;
            leaf(w, "platformMsgs:pageIndex", &page_index.to_string())?;
            Ok(())
        })?;
        Ok(())
    })
}
