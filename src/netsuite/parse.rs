//! Streaming parser for SOAP responses.
//!
//! One pass of quick-xml events over the body; no document tree of the page is ever built.
//! Each `record` (or `searchRow`) element is folded into a [`RawRecord`] as it streams past.
//! Elements are matched on local names, so responses of any `_20xx_x` namespace version
//! parse the same way.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

use super::error::FaultSource;
use super::records::RawRecord;
use super::search::{DeletedPage, DeletedRecord, SearchPage, SearchType};
use super::WireError;

/// A `status` element of a result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// `isSuccess`.
    pub is_success: bool,
    /// Its `statusDetail` children.
    pub details: Vec<StatusDetail>,
}

/// One `statusDetail`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusDetail {
    /// `type` attribute (`ERROR`, `WARN`, ...).
    pub kind: Option<String>,
    /// `code`.
    pub code: Option<String>,
    /// `message`.
    pub message: Option<String>,
}

/// A SOAP fault.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fault {
    /// `faultcode` (e.g. `soapenv:Server.userException`).
    pub faultcode: Option<String>,
    /// `faultstring`; not trusted to match the code.
    pub faultstring: Option<String>,
    /// Local name of the detail element (e.g. `exceededConcurrentRequestLimitFault`).
    pub detail_name: Option<String>,
    /// The detail's `code`.
    pub code: Option<String>,
    /// The detail's `message`.
    pub message: Option<String>,
}

/// Everything of interest in one SOAP response, read in one streaming pass.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Response {
    /// Local name of the Body's child (e.g. `searchResponse`), or `Fault`.
    pub operation: Option<String>,
    /// The first `status` outside records.
    pub status: Option<Status>,
    /// `totalRecords`.
    pub total_records: Option<u32>,
    /// `pageSize`.
    pub page_size: Option<u32>,
    /// `totalPages`.
    pub total_pages: Option<u32>,
    /// `pageIndex`.
    pub page_index: Option<u32>,
    /// `searchId`.
    pub search_id: Option<String>,
    /// Records (and search rows) in document order.
    pub records: Vec<RawRecord>,
    /// The SOAP fault, if the body held one.
    pub fault: Option<Fault>,
    /// `deletedRecordList/deletedRecord` entries of a `getDeleted` answer.
    pub deleted: Vec<DeletedRecord>,
}

/// The first character XML 1.0 forbids (C0 controls other than tab, newline and carriage
/// return; U+FFFE and U+FFFF), if `text` has one.
pub fn forbidden_char(text: &str) -> Option<char> {
    text.chars().find(|&c| (c < '\u{20}' && c != '\t' && c != '\n' && c != '\r') || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// One element being folded into JSON.
struct Frame {
    name: String,
    obj: Map<String, Value>,
    text: String,
    has_children: bool,
}

/// A record being built: its root attributes and its open elements.
struct RecordBuilder {
    record_type: String,
    internal_id: String,
    external_id: Option<String>,
    stack: Vec<Frame>,
    /// Byte offset where the record's start tag begins.
    start: usize,
    /// A defect found while reading it (a forbidden character).
    defect: Option<String>,
}

fn malformed(reader: &Reader<&[u8]>, what: impl std::fmt::Display) -> WireError {
    WireError::Malformed(format!("{what} (at byte {})", reader.buffer_position()))
}

fn local(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

/// Attributes of an element: `(prefixed, local name, value)`, namespace declarations skipped.
fn attributes<'a>(e: &'a BytesStart<'a>, reader: &Reader<&[u8]>) -> Result<Vec<(bool, String, String)>, WireError> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| malformed(reader, format!("bad attribute: {err}")))?;
        if a.key.as_namespace_binding().is_some() {
            continue;
        }
        let prefixed = a.key.prefix().is_some();
        let name = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let value =
            a.unescape_value().map_err(|err| malformed(reader, format!("bad attribute value: {err}")))?.into_owned();
        out.push((prefixed, name, value));
    }
    Ok(out)
}

/// The local part of a QName value (`tranPurch:VendorBill` -> `VendorBill`).
fn local_part(v: &str) -> &str {
    v.rsplit_once(':').map_or(v, |(_, l)| l)
}

fn frame_for(e: &BytesStart<'_>, reader: &Reader<&[u8]>) -> Result<Frame, WireError> {
    let mut obj = Map::new();
    for (prefixed, name, value) in attributes(e, reader)? {
        let key = if prefixed && name == "type" { "@type".to_string() } else { name };
        let value = if key == "@type" { local_part(&value).to_string() } else { value };
        obj.insert(key, Value::String(value));
    }
    Ok(Frame { name: local(e), obj, text: String::new(), has_children: false })
}

fn close_frame(f: Frame) -> (String, Value) {
    let value = if !f.has_children && f.obj.is_empty() {
        Value::String(f.text)
    } else {
        let mut obj = f.obj;
        if !f.text.trim().is_empty() {
            obj.insert("value".into(), Value::String(f.text));
        }
        Value::Object(obj)
    };
    (f.name, value)
}

fn insert_child(parent: &mut Map<String, Value>, parent_is_list: bool, key: String, value: Value) {
    match parent.get_mut(&key) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None if parent_is_list => {
            parent.insert(key, Value::Array(vec![value]));
        }
        None => {
            parent.insert(key, value);
        }
    }
}

impl RecordBuilder {
    fn start(e: &BytesStart<'_>, reader: &Reader<&[u8]>, start: usize) -> Result<Self, WireError> {
        let mut b = RecordBuilder {
            record_type: String::new(),
            internal_id: String::new(),
            external_id: None,
            stack: Vec::new(),
            start,
            defect: None,
        };
        let mut root = Map::new();
        for (prefixed, name, value) in attributes(e, reader)? {
            match (prefixed, name.as_str()) {
                (true, "type") => b.record_type = local_part(&value).to_string(),
                (_, "internalId") => b.internal_id = value,
                (_, "externalId") => b.external_id = Some(value),
                _ => {
                    root.insert(name, Value::String(value));
                }
            }
        }
        b.stack.push(Frame { name: local(e), obj: root, text: String::new(), has_children: false });
        Ok(b)
    }

    fn open(&mut self, frame: Frame) {
        if let Some(top) = self.stack.last_mut() {
            top.has_children = true;
        }
        self.stack.push(frame);
    }

    fn text(&mut self, t: &str) {
        if let Some(c) = forbidden_char(t) {
            if self.defect.is_none() {
                let field = self.stack.last().map(|f| f.name.as_str()).unwrap_or("record");
                self.defect = Some(format!("field {field} holds U+{:04X}, a character XML 1.0 forbids", u32::from(c)));
            }
        }
        if let Some(top) = self.stack.last_mut() {
            top.text.push_str(t);
        }
    }

    /// Closes the innermost element; returns the finished record when it was the root
    /// (`end` is the byte offset just after its end tag).
    fn close(&mut self, end: usize) -> Option<RawRecord> {
        let frame = self.stack.pop()?;
        match self.stack.last_mut() {
            Some(parent) => {
                let parent_is_list = parent.name.ends_with("List");
                let (k, v) = close_frame(frame);
                insert_child(&mut parent.obj, parent_is_list, k, v);
                None
            }
            None => {
                let mut record = RawRecord {
                    record_type: std::mem::take(&mut self.record_type),
                    internal_id: std::mem::take(&mut self.internal_id),
                    external_id: self.external_id.take(),
                    fields: frame.obj,
                    span: (self.start, end),
                    defect: self.defect.take(),
                };
                if record.internal_id.is_empty() {
                    // Search rows carry the id in basic/internalId/searchValue@internalId.
                    if let Some(id) = record
                        .fields
                        .get("basic")
                        .and_then(|b| b.get("internalId"))
                        .and_then(|i| i.get("searchValue"))
                        .and_then(|s| s.get("internalId"))
                        .and_then(Value::as_str)
                    {
                        record.internal_id = id.to_string();
                    }
                }
                Some(record)
            }
        }
    }
}

fn parse_u32(reader: &Reader<&[u8]>, name: &str, text: &str) -> Result<u32, WireError> {
    text.trim().parse().map_err(|_| malformed(reader, format!("{name} is not a number: {text:?}")))
}

/// Parses one SOAP response body in a single streaming pass.
///
/// Fails with [`WireError::Malformed`] on anything that is not a complete SOAP envelope:
/// bad XML, a truncated body, an HTML page.
pub fn parse_response(body: &[u8]) -> Result<Response, WireError> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut resp = Response::default();
    // Local names of the open elements outside records.
    let mut path: Vec<String> = Vec::with_capacity(16);
    let mut record: Option<RecordBuilder> = None;
    let mut text = String::new();
    let mut saw_envelope = false;
    let mut envelope_closed = false;
    let mut in_status = false;

    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| malformed(&reader, format!("XML error: {e}")))?;
        let after = reader.buffer_position() as usize;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) if record.is_some() => {
                let frame = frame_for(&e, &reader)?;
                let b = record.as_mut().ok_or_else(|| malformed(&reader, "record state lost"))?;
                b.open(frame);
                if is_empty {
                    b.close(after);
                }
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = local(e);
                if path.is_empty() {
                    if name != "Envelope" {
                        return Err(malformed(&reader, format!("not a SOAP envelope: root element is <{name}>")));
                    }
                    saw_envelope = true;
                }
                if name == "deletedRecord" {
                    resp.deleted.push(DeletedRecord {
                        internal_id: String::new(),
                        record_type: None,
                        deleted_at: None,
                    });
                } else if name == "record" && path.last().map(String::as_str) == Some("deletedRecord") {
                    // getDeleted: a RecordRef naming the deleted record, not a record.
                    let attrs = attributes(e, &reader)?;
                    if let Some(d) = resp.deleted.last_mut() {
                        for (prefixed, n, v) in attrs {
                            match (prefixed, n.as_str()) {
                                (false, "internalId") => d.internal_id = v,
                                (false, "type") => d.record_type = Some(v),
                                _ => {}
                            }
                        }
                    }
                    if !is_empty {
                        path.push(name);
                        text.clear();
                    }
                    continue;
                }
                if (name == "record" || name == "searchRow") && path.last().map(String::as_str) != Some("Header") {
                    let mut b = RecordBuilder::start(e, &reader, before)?;
                    if is_empty {
                        if let Some(r) = b.close(after) {
                            resp.records.push(r);
                        }
                    } else {
                        record = Some(b);
                    }
                    continue;
                }
                let parent = path.last().map(String::as_str).unwrap_or("");
                if parent == "Body" && resp.operation.is_none() {
                    resp.operation = Some(name.clone());
                }
                if name == "Fault" && parent == "Body" {
                    resp.fault = Some(Fault::default());
                }
                if parent == "detail" && resp.fault.is_some() && name.ends_with("Fault") {
                    if let Some(f) = resp.fault.as_mut() {
                        f.detail_name = Some(name.clone());
                    }
                }
                if name == "status" && resp.status.is_none() {
                    let ok = attributes(e, &reader)?
                        .into_iter()
                        .find(|(_, n, _)| n == "isSuccess")
                        .map(|(_, _, v)| v == "true" || v == "1")
                        .unwrap_or(false);
                    resp.status = Some(Status { is_success: ok, details: Vec::new() });
                    in_status = !is_empty;
                } else if name == "statusDetail" && in_status {
                    let kind = attributes(e, &reader)?.into_iter().find(|(_, n, _)| n == "type").map(|(_, _, v)| v);
                    if let Some(s) = resp.status.as_mut() {
                        s.details.push(StatusDetail { kind, ..Default::default() });
                    }
                }
                if !is_empty {
                    path.push(name);
                    text.clear();
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| malformed(&reader, format!("bad text: {e}")))?;
                match record.as_mut() {
                    Some(b) => b.text(&s),
                    None => {
                        if let Some(c) = forbidden_char(&s) {
                            return Err(malformed(
                                &reader,
                                format!("U+{:04X}, a character XML 1.0 forbids, outside any record", u32::from(c)),
                            ));
                        }
                        text.push_str(&s)
                    }
                }
            }
            Event::CData(c) => {
                let raw = c.into_inner();
                let s: Cow<str> = String::from_utf8_lossy(&raw);
                match record.as_mut() {
                    Some(b) => b.text(&s),
                    None => text.push_str(&s),
                }
            }
            Event::End(_) => {
                if let Some(b) = record.as_mut() {
                    if let Some(r) = b.close(after) {
                        resp.records.push(r);
                        record = None;
                    }
                    continue;
                }
                let Some(name) = path.pop() else {
                    return Err(malformed(&reader, "closing tag without an open element"));
                };
                let parent = path.last().map(String::as_str).unwrap_or("");
                let value = text.trim();
                match (parent, name.as_str()) {
                    (_, "Envelope") => envelope_closed = true,
                    (_, "status") => in_status = false,
                    (p, "totalRecords") if p.ends_with("Result") => {
                        resp.total_records = Some(parse_u32(&reader, "totalRecords", value)?)
                    }
                    (p, "pageSize") if p.ends_with("Result") => {
                        resp.page_size = Some(parse_u32(&reader, "pageSize", value)?)
                    }
                    (p, "totalPages") if p.ends_with("Result") => {
                        resp.total_pages = Some(parse_u32(&reader, "totalPages", value)?)
                    }
                    (p, "pageIndex") if p.ends_with("Result") => {
                        resp.page_index = Some(parse_u32(&reader, "pageIndex", value)?)
                    }
                    (p, "searchId") if p.ends_with("Result") => resp.search_id = Some(value.to_string()),
                    ("deletedRecord", "deletedDate") => {
                        let at = super::records::parse_datetime(value)
                            .ok_or_else(|| malformed(&reader, format!("deletedDate is not a date: {value:?}")))?;
                        if let Some(d) = resp.deleted.last_mut() {
                            d.deleted_at = Some(at);
                        }
                    }
                    ("statusDetail", field) if in_status => {
                        if let Some(d) = resp.status.as_mut().and_then(|s| s.details.last_mut()) {
                            match field {
                                "code" => d.code = Some(value.to_string()),
                                "message" => d.message = Some(value.to_string()),
                                _ => {}
                            }
                        }
                    }
                    ("Fault", "faultcode") => {
                        if let Some(f) = resp.fault.as_mut() {
                            f.faultcode = Some(value.to_string());
                        }
                    }
                    ("Fault", "faultstring") => {
                        if let Some(f) = resp.fault.as_mut() {
                            f.faultstring = Some(value.to_string());
                        }
                    }
                    (p, field) if p.ends_with("Fault") && path.len() >= 2 && path[path.len() - 2] == "detail" => {
                        if let Some(f) = resp.fault.as_mut() {
                            match field {
                                "code" => f.code = Some(value.to_string()),
                                "message" => f.message = Some(value.to_string()),
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if record.is_some() || !path.is_empty() {
        let inside = path.last().cloned().unwrap_or_else(|| "record".into());
        return Err(WireError::Malformed(format!("truncated response: body ended inside <{inside}>")));
    }
    if !saw_envelope || !envelope_closed {
        return Err(WireError::Malformed("empty response: no SOAP envelope".into()));
    }
    Ok(resp)
}

impl Response {
    /// The error this response carries, if any: a SOAP fault, or an unsuccessful status.
    pub fn error(&self) -> Option<WireError> {
        if let Some(f) = &self.fault {
            let code = f.code.clone().or_else(|| f.faultcode.clone()).unwrap_or_else(|| "SOAP_FAULT".into());
            let message = f.message.clone().or_else(|| f.faultstring.clone()).unwrap_or_default();
            let source = FaultSource::SoapFault(f.detail_name.clone().unwrap_or_else(|| "Fault".into()));
            return Some(WireError::netsuite(code, message, source));
        }
        match &self.status {
            Some(s) if !s.is_success => {
                let d = s
                    .details
                    .iter()
                    .find(|d| d.kind.as_deref() == Some("ERROR"))
                    .or_else(|| s.details.first())
                    .cloned()
                    .unwrap_or_default();
                Some(WireError::netsuite(
                    d.code.unwrap_or_else(|| "UNKNOWN_ERROR".into()),
                    d.message.unwrap_or_default(),
                    FaultSource::Status,
                ))
            }
            _ => None,
        }
    }

    /// Reads this response as a page of a search of `search_type`: its error if it carries
    /// one; otherwise the paging fields and records, every record of an expected type.
    pub fn into_search_page(self, search_type: SearchType) -> Result<SearchPage<RawRecord>, WireError> {
        if let Some(err) = self.error() {
            return Err(err);
        }
        if self.status.is_none() {
            return Err(WireError::Malformed(format!(
                "no searchResult status in {}",
                self.operation.as_deref().unwrap_or("an empty body")
            )));
        }
        let total_records =
            self.total_records.ok_or_else(|| WireError::Malformed("searchResult without totalRecords".into()))?;
        let allowed = search_type.record_types();
        if let Some(bad) =
            self.records.iter().find(|r| !allowed.is_empty() && !allowed.contains(&r.record_type.as_str()))
        {
            return Err(WireError::UnexpectedRecord { expected: search_type.name(), found: bad.record_type.clone() });
        }
        Ok(SearchPage {
            total_records,
            page_size: self.page_size.unwrap_or(0),
            total_pages: self.total_pages.unwrap_or(if total_records == 0 { 0 } else { 1 }),
            page_index: self.page_index.unwrap_or(1),
            search_id: self.search_id,
            records: self.records,
            body: bytes::Bytes::new(),
        })
    }

    /// Reads this response as a page of a `getDeleted` answer: its error if it carries one;
    /// otherwise the paging fields and the deleted records (each must name its internal id).
    pub fn into_deleted_page(self) -> Result<DeletedPage, WireError> {
        if let Some(err) = self.error() {
            return Err(err);
        }
        if self.status.is_none() {
            return Err(WireError::Malformed(format!(
                "no getDeletedResult status in {}",
                self.operation.as_deref().unwrap_or("an empty body")
            )));
        }
        let total_records =
            self.total_records.ok_or_else(|| WireError::Malformed("getDeletedResult without totalRecords".into()))?;
        if let Some(bad) = self.deleted.iter().find(|d| d.internal_id.is_empty()) {
            return Err(WireError::Malformed(format!(
                "a deletedRecord without record/@internalId (type {:?})",
                bad.record_type
            )));
        }
        Ok(DeletedPage {
            total_records,
            page_size: self.page_size.unwrap_or(0),
            total_pages: self.total_pages.unwrap_or(if total_records == 0 { 0 } else { 1 }),
            page_index: self.page_index.unwrap_or(1),
            records: self.deleted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><searchResponse xmlns="urn:messages_2017_2.platform.webservices.netsuite.com">
<platformCore:searchResult xmlns:platformCore="urn:core_2017_2.platform.webservices.netsuite.com">
<platformCore:status isSuccess="true"/><platformCore:totalRecords>2</platformCore:totalRecords>
<platformCore:pageSize>1000</platformCore:pageSize><platformCore:totalPages>1</platformCore:totalPages>
<platformCore:pageIndex>1</platformCore:pageIndex><platformCore:searchId>S1</platformCore:searchId>
<platformCore:recordList>
<platformCore:record internalId="7" xsi:type="listRel:Vendor" xmlns:listRel="urn:relationships_2017_2.lists.webservices.netsuite.com">
<listRel:entityId>V-7</listRel:entityId><listRel:companyName>Ben &amp; Jerry</listRel:companyName>
<listRel:isInactive>true</listRel:isInactive>
<listRel:category internalId="3"><platformCore:name>Software</platformCore:name></listRel:category>
<listRel:customFieldList><platformCore:customField scriptId="custentity1" xsi:type="platformCore:StringCustomFieldRef"><platformCore:value>x</platformCore:value></platformCore:customField></listRel:customFieldList>
</platformCore:record>
<platformCore:record internalId="8" xsi:type="listRel:Vendor" xmlns:listRel="urn:relationships_2017_2.lists.webservices.netsuite.com"/>
</platformCore:recordList></platformCore:searchResult></searchResponse></soapenv:Body></soapenv:Envelope>"#;

    #[test]
    fn reads_a_page_and_its_records() {
        let page = parse_response(PAGE.as_bytes()).unwrap().into_search_page(SearchType::Vendor).unwrap();
        assert_eq!((page.total_records, page.total_pages, page.page_index), (2, 1, 1));
        assert_eq!(page.search_id.as_deref(), Some("S1"));
        assert_eq!(page.records.len(), 2);
        let r = &page.records[0];
        assert_eq!(r.record_type, "Vendor");
        assert_eq!(r.internal_id, "7");
        assert_eq!(r.text("companyName"), Some("Ben & Jerry"));
        assert_eq!(r.ref_name("category"), Some("Software"));
        assert_eq!(r.ref_id("category"), Some("3"));
        let cf = &r.fields["customFieldList"]["customField"];
        assert!(cf.is_array());
        assert_eq!(cf[0]["@type"], "StringCustomFieldRef");
        assert_eq!(page.records[1].internal_id, "8");
    }

    /// The parser matches local names only: the same answer in the namespaces of each
    /// endpoint version (and a fault and a getDeleted answer likewise) reads the same.
    #[test]
    fn answers_of_every_endpoint_version_read_the_same() {
        use crate::netsuite::SoapVersion;
        let fault = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server.userException</faultcode><faultstring>Invalid login attempt.</faultstring><detail><platformFaults:invalidCredentialsFault xmlns:platformFaults="urn:faults_2017_2.platform.webservices.netsuite.com"><platformFaults:code>USER_ERROR</platformFaults:code><platformFaults:message>Invalid login attempt.</platformFaults:message></platformFaults:invalidCredentialsFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
        let deleted = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><getDeletedResponse xmlns="urn:messages_2017_2.platform.webservices.netsuite.com"><platformCore:getDeletedResult xmlns:platformCore="urn:core_2017_2.platform.webservices.netsuite.com"><platformCore:status isSuccess="true"/><platformCore:totalRecords>1</platformCore:totalRecords><platformCore:pageSize>1000</platformCore:pageSize><platformCore:totalPages>1</platformCore:totalPages><platformCore:pageIndex>1</platformCore:pageIndex><platformCore:deletedRecordList><platformCore:deletedRecord><platformCore:deletedDate>2024-06-01T05:00:00.000-07:00</platformCore:deletedDate><platformCore:record internalId="1042" type="vendor" xsi:type="platformCore:RecordRef"><platformCore:name>Acme</platformCore:name></platformCore:record></platformCore:deletedRecord></platformCore:deletedRecordList></platformCore:getDeletedResult></getDeletedResponse></soapenv:Body></soapenv:Envelope>"#;
        let base_page = parse_response(PAGE.as_bytes()).unwrap();
        let base_fault = parse_response(fault.as_bytes()).unwrap();
        let base_deleted = parse_response(deleted.as_bytes()).unwrap();
        for v in SoapVersion::ALL {
            let at = |text: &str| text.replace("_2017_2.", &format!("_{}.", v.as_str()));
            let page = parse_response(at(PAGE).as_bytes()).unwrap();
            if v != SoapVersion::V2017_2 {
                assert!(!at(PAGE).contains("2017_2"), "{v}: the answer is rewritten");
            }
            assert_eq!(page, base_page, "{v}");
            let page = page.into_search_page(SearchType::Vendor).unwrap();
            assert_eq!((page.records.len(), page.records[0].text("companyName")), (2, Some("Ben & Jerry")), "{v}");
            let f = parse_response(at(fault).as_bytes()).unwrap();
            assert_eq!(f, base_fault, "{v}");
            assert_eq!(f.fault.as_ref().and_then(|f| f.code.as_deref()), Some("USER_ERROR"), "{v}");
            let d = parse_response(at(deleted).as_bytes()).unwrap();
            assert_eq!(d, base_deleted, "{v}");
            assert_eq!(d.into_deleted_page().unwrap().records.len(), 1, "{v}");
        }
    }

    #[test]
    fn truncated_body_is_malformed() {
        for cut in [PAGE.len() / 3, PAGE.len() / 2, PAGE.len() - 20] {
            let err = parse_response(&PAGE.as_bytes()[..cut]).unwrap_err();
            assert!(matches!(err, WireError::Malformed(_)), "cut at {cut}: {err:?}");
        }
    }

    #[test]
    fn html_page_is_malformed() {
        let err = parse_response(b"<html><body><h1>502 Bad Gateway</h1></body></html>").unwrap_err();
        assert!(err.to_string().contains("not a SOAP envelope"), "{err}");
        assert!(matches!(parse_response(b"").unwrap_err(), WireError::Malformed(_)));
        assert!(matches!(parse_response(b"<<<").unwrap_err(), WireError::Malformed(_)));
    }

    #[test]
    fn unknown_record_type_is_refused() {
        let body = PAGE.replace(
            "listRel:Vendor\" xmlns:listRel=\"urn:relationships_2017_2.lists.webservices.netsuite.com\"/>",
            "listRel:Customer\" xmlns:listRel=\"x\"/>",
        );
        let err = parse_response(body.as_bytes()).unwrap().into_search_page(SearchType::Vendor).unwrap_err();
        assert!(matches!(err, WireError::UnexpectedRecord { ref found, .. } if found == "Customer"), "{err:?}");
    }
}
