//! Streaming parser for SOAP responses.
//!
//! One pass over the body; no document tree of the page is ever built. quick-xml reads the
//! envelope (status, totals, faults, deleted records); the content of each `record` (or
//! `searchRow`) element is cut by [`Tokens`](super::tokens) and folded into a [`RawRecord`] as
//! it streams past, after which quick-xml starts again behind the record's end tag. Start and
//! end tags are matched here, outside records and in. Elements are matched on local names, so
//! responses of any `_20xx_x` namespace version parse the same way. The body must be UTF-8
//! text, as NetSuite declares it.

use std::borrow::Cow;
use std::sync::Arc;

use quick_xml::escape::EscapeError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

use super::error::FaultSource;
use super::records::{name_tag, CompactString, Piece, RawJson, RawRecord, Row, Slot, Values};
use super::search::{DeletedPage, DeletedRecord, SearchPage, SearchType};
use super::tokens::{Token, Tokens};
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

/// Where a record's `raw` comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RawForm {
    /// The record as JSON, written in the parsing pass (what the daemon stores).
    #[default]
    Json,
    /// The record's XML as it came, as one JSON string. Only to measure that alternative
    /// (`cargo bench --bench ratios`): [`RawRecord::fields`] is then empty.
    Xml,
}

/// JSON output that can be switched off ([`RawForm::Xml`]).
struct Json {
    out: String,
    on: bool,
}

/// [`BYTE_CLASS`]: a byte JSON strings cannot hold as it is (`"`, `\` and the C0 controls).
const ESCAPE: u8 = 1;
/// [`BYTE_CLASS`]: a byte that may be part of a character XML 1.0 forbids (a C0 control other
/// than tab, newline and carriage return; 0xEF, which begins U+FFFE and U+FFFF).
const SUSPECT: u8 = 2;

/// What each byte is to [`push_json_str`].
const BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = if i == 0x09 || i == 0x0A || i == 0x0D { ESCAPE } else { ESCAPE | SUSPECT };
        i += 1;
    }
    t[b'"' as usize] = ESCAPE;
    t[b'\\' as usize] = ESCAPE;
    t[0xEF] = SUSPECT;
    t
};

/// Whether any of the eight bytes of `w` needs a look of its own: a `"`, a `\\` or a byte below
/// 0x20 (escaped in a JSON string), or an 0xEF ([`SUSPECT`]). The classic SWAR tests: "has a
/// zero byte" after xor, "has a byte less than".
#[inline]
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let quote = has_zero(w ^ (ONES * u64::from(b'"')));
    let backslash = has_zero(w ^ (ONES * u64::from(b'\\')));
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    let ef = has_zero(w ^ (ONES * 0xEF));
    (quote | backslash | control | ef) != 0
}

/// Writes `s` as a JSON string; whether `s` may hold a character XML 1.0 forbids (then
/// [`forbidden_char`] says), found in the same look at its bytes.
fn push_json_str(out: &mut String, s: &str) -> bool {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    // Skip, eight bytes at a time, the part that needs no escaping (most text needs none).
    let mut clean = 0;
    while clean + 8 <= bytes.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[clean..clean + 8]);
        if word_needs_escape(u64::from_le_bytes(w)) {
            break;
        }
        clean += 8;
    }
    let mut from = 0;
    let mut suspect = false;
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        let class = BYTE_CLASS[b as usize];
        if class == 0 {
            continue;
        }
        suspect |= class & SUSPECT != 0;
        if class & ESCAPE == 0 {
            continue;
        }
        out.push_str(&s[from..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", b);
            }
        }
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out.push('"');
    suspect
}

impl Json {
    fn push(&mut self, c: char) {
        if self.on {
            self.out.push(c);
        }
    }

    /// `"key":` (XML names need no escaping: no quotes, backslashes or controls); where the
    /// name lies in the JSON.
    fn key(&mut self, key: &str) -> Option<Piece> {
        if !self.on {
            return None;
        }
        self.out.push('"');
        let start = self.out.len();
        self.out.push_str(key);
        let piece = self.piece(start, key.len());
        self.out.push_str("\":");
        piece
    }

    /// Writes `s`; whether it may hold a character XML 1.0 forbids (as [`maybe_forbidden`]),
    /// and where it lies in the JSON when it stands there as it is (nothing escaped).
    fn string(&mut self, s: &str) -> (bool, Option<Piece>) {
        if !self.on {
            return (maybe_forbidden(s), None);
        }
        let start = self.out.len() + 1;
        let suspect = push_json_str(&mut self.out, s);
        // Escaping only lengthens: the same length between the quotes is the same text.
        let piece = if self.out.len() - 1 - start == s.len() { self.piece(start, s.len()) } else { None };
        (suspect, piece)
    }

    /// `out[start..start + len]` as a [`Piece`], if its offsets fit one.
    fn piece(&self, start: usize, len: usize) -> Option<Piece> {
        let end = u32::try_from(start + len).ok().filter(|&e| e < Piece::OWN)?;
        Some(Piece { start: start as u32, end })
    }

    /// Inserts `[` at `at`; whether it did (the JSON from `at` on moved one byte).
    fn insert_bracket(&mut self, at: usize) -> bool {
        if self.on && at <= self.out.len() {
            self.out.insert(at, '[');
            return true;
        }
        false
    }

    fn len(&self) -> usize {
        self.out.len()
    }
}

/// Buffers reused from record to record (a record's own copies are taken at its end).
struct Scratch<'a> {
    json: Json,
    /// Text of the open elements, innermost last.
    text: String,
    /// Member names of the open JSON objects, to see a name come back.
    keys: Vec<&'a [u8]>,
    /// The record's index being filled.
    values: Values,
    /// The whole body as text, when it is valid UTF-8 (checked once).
    body_text: &'a str,
    /// The open elements' stack, lent to each record in turn.
    stack: Vec<Open<'a>>,
}

/// What an open element of a record is to the field index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The record element.
    Root,
    /// A child of the record, or of a sublist row: indexed.
    Field,
    /// A row of a list that is a child of the record: indexed.
    Row,
    /// Anything deeper: only in the JSON.
    Other,
}

/// An open element of a record.
struct Open<'a> {
    /// Its local name.
    name: &'a str,
    /// Its qualified name as written, to match its end tag.
    qname: &'a str,
    role: Role,
    /// Its rows are arrays (the schema says it is a list); asked of the schema when its first
    /// child opens (`list_known`), as most elements have none.
    list: bool,
    list_known: bool,
    /// `{` written: it has attributes or children.
    object: bool,
    /// A member was written into the object (the next needs a comma).
    members: bool,
    text_start: usize,
    /// Its text, when it came in one piece of the body (the usual case): not copied into
    /// `Scratch::text`, which holds it otherwise (from `text_start`).
    text: Text<'a>,
    keys_start: usize,
    /// A one-word filter over the names in `keys[keys_start..]`.
    bloom: u64,
    last_child: Option<&'a str>,
    /// Where the value of the last child (of a new name) began in the JSON.
    last_child_value: usize,
    /// The last child's values are inside an open `[`.
    in_array: bool,
    /// A second or later occurrence in a row of the same name (not indexed again).
    repeat: bool,
    id: Option<Piece>,
    ref_name: Option<Piece>,
    /// Where its name was written as a JSON key (by its first occurrence, if it repeats).
    key: Option<Piece>,
    /// Where the last child's name was written as a JSON key.
    last_child_key: Option<Piece>,
}

impl<'a> Open<'a> {
    fn new(qname: &'a str, name: &'a str, role: Role, sc: &Scratch<'a>) -> Self {
        Open {
            name,
            qname,
            role,
            list: false,
            list_known: role == Role::Root,
            object: false,
            members: false,
            text_start: sc.text.len(),
            text: Text::None,
            keys_start: sc.keys.len(),
            bloom: 0,
            last_child: None,
            last_child_value: 0,
            in_array: false,
            repeat: false,
            id: None,
            ref_name: None,
            key: None,
            last_child_key: None,
        }
    }
}

/// Where an open element's text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Text<'a> {
    /// It has none yet.
    None,
    /// One piece of the body.
    Body(&'a str),
    /// In `Scratch::text`, from the element's `text_start`.
    Buffer,
}

fn bloom_bit(name: &[u8]) -> u64 {
    let h = name.len().wrapping_mul(31)
        ^ usize::from(name.first().copied().unwrap_or(0)).wrapping_mul(7)
        ^ usize::from(name.last().copied().unwrap_or(0)).wrapping_mul(131);
    1u64 << (h % 64)
}

/// Where each record goes once it is read (see [`parse_response_each`]).
type Each<'e> = dyn FnMut(&RawRecord) + 'e;

/// A record being read: its root attributes, its open elements, where it began.
struct RecordBuilder<'a> {
    record_type: CompactString,
    internal_id: CompactString,
    external_id: Option<CompactString>,
    stack: Vec<Open<'a>>,
    /// Byte offset where the record's start tag begins.
    start: usize,
    /// A defect found while reading it (a forbidden character).
    defect: Option<String>,
    /// A member name came back after another one: the JSON is written again the slow way,
    /// with every occurrence of the name in one array, at the record's end.
    duplicate: bool,
    /// The row being read (1-based into `values.rows`), 0 outside rows.
    row: u32,
}

fn malformed(at: usize, what: impl std::fmt::Display) -> WireError {
    WireError::Malformed(format!("{what} (at byte {at})"))
}

fn local<'e>(e: &'e BytesStart<'_>) -> Cow<'e, str> {
    String::from_utf8_lossy(e.local_name().into_inner())
}

/// `part` (a slice of an event borrowed from `body`) as a slice of `body` itself, so that it
/// outlives the event.
fn in_body<'a>(body: &'a [u8], part: &[u8]) -> Option<&'a [u8]> {
    let off = (part.as_ptr() as usize).checked_sub(body.as_ptr() as usize)?;
    let s = body.get(off..off.checked_add(part.len())?)?;
    (s.as_ptr() == part.as_ptr()).then_some(s)
}

/// `part` (borrowed from `body`) as a slice of `text`, the body as text (checked once).
fn body_str<'a>(body: &'a [u8], text: &'a str, part: &[u8]) -> Option<&'a str> {
    let bytes = in_body(body, part)?;
    let off = bytes.as_ptr() as usize - body.as_ptr() as usize;
    text.get(off..off + bytes.len())
}

/// An attribute's (local) name, a slice of `body`, as a slice of its text.
fn attr_name<'a>(body: &'a [u8], text: &'a str, name: &[u8], at: usize) -> Result<&'a str, WireError> {
    body_str(body, text, name).ok_or_else(|| malformed(at, "an attribute name that is not UTF-8 text of the body"))
}

/// A text event's content, unescaped: borrowed from the body when it holds no reference.
fn text_of<'a>(
    body: &'a [u8],
    text: &'a str,
    t: &quick_xml::events::BytesText<'_>,
    at: usize,
) -> Result<Cow<'a, str>, WireError> {
    match body_str(body, text, t) {
        Some(s) if !s.contains('&') => Ok(Cow::Borrowed(s)),
        Some(s) => quick_xml::escape::unescape(s).map_err(|e| malformed(at, format!("bad text: {e}"))),
        None => t.unescape().map(|c| Cow::Owned(c.into_owned())).map_err(|e| malformed(at, format!("bad text: {e}"))),
    }
}

/// One attribute of a start tag: `(qualified name, value as written)`, or what is malformed.
type TagAttribute<'x> = Result<(&'x [u8], &'x [u8]), &'static str>;

/// The attributes of a start tag inside a record, read by hand from the tag's text:
/// `name="value"` (or `'value'`) pairs separated by whitespace; anything else is malformed.
/// quick-xml's attribute iterator costs several times more for the one or two attributes an
/// element of a record carries. Yields `(qualified name, value as written)`, both slices of
/// the tag's text.
struct TagAttributes<'x> {
    raw: &'x [u8],
    pos: usize,
}

impl<'x> TagAttributes<'x> {
    fn new(raw: &'x [u8]) -> Self {
        TagAttributes { raw, pos: 0 }
    }

    fn skip_space(&self, mut i: usize) -> usize {
        while self.raw.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    }

    fn fail(&mut self, what: &'static str) -> Option<TagAttribute<'x>> {
        self.pos = self.raw.len();
        Some(Err(what))
    }
}

impl<'x> Iterator for TagAttributes<'x> {
    type Item = TagAttribute<'x>;

    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.raw;
        let start = self.skip_space(self.pos);
        if start >= raw.len() {
            self.pos = raw.len();
            return None;
        }
        let mut i = start;
        while raw.get(i).is_some_and(|&b| b != b'=' && !b.is_ascii_whitespace()) {
            i += 1;
        }
        let name = &raw[start..i];
        if name.is_empty() {
            return self.fail("an attribute without a name");
        }
        i = self.skip_space(i);
        if raw.get(i) != Some(&b'=') {
            return self.fail("an attribute without a value");
        }
        i = self.skip_space(i + 1);
        let quote = match raw.get(i) {
            Some(&q) if q == b'"' || q == b'\'' => q,
            _ => return self.fail("an attribute value without quotes"),
        };
        let from = i + 1;
        let Some(len) = raw.get(from..).and_then(|rest| memchr::memchr(quote, rest)) else {
            return self.fail("an attribute value without its closing quote");
        };
        let value = &raw[from..from + len];
        let end = from + len + 1;
        if raw.get(end).is_some_and(|b| !b.is_ascii_whitespace()) {
            return self.fail("attributes not separated by whitespace");
        }
        self.pos = end;
        Some(Ok((name, value)))
    }
}

/// A qualified attribute name: whether it has a prefix, and its local part.
fn split_qname(qname: &[u8]) -> (bool, &[u8]) {
    match qname.iter().position(|&b| b == b':') {
        Some(i) => (true, &qname[i + 1..]),
        None => (false, qname),
    }
}

/// An attribute value as written (a slice of `body`), unescaped: borrowed from the body's text
/// when it holds no reference (no copy, no second UTF-8 check).
fn attr_value<'a>(body: &'a [u8], text: &'a str, value: &[u8], at: usize) -> Result<Cow<'a, str>, WireError> {
    match body_str(body, text, value) {
        Some(s) if !s.contains('&') => Ok(Cow::Borrowed(s)),
        Some(s) => quick_xml::escape::unescape(s)
            .map(|c| Cow::Owned(c.into_owned()))
            .map_err(|err| malformed(at, format!("bad attribute value: {err}"))),
        None => Err(malformed(at, "an attribute value that is not UTF-8 text of the body")),
    }
}

/// Attributes of an element: `(prefixed, local name, value)`, namespace declarations skipped.
fn attributes<'a>(e: &'a BytesStart<'a>, at: usize) -> Result<Vec<(bool, String, String)>, WireError> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| malformed(at, format!("bad attribute: {err}")))?;
        if a.key.as_namespace_binding().is_some() {
            continue;
        }
        let prefixed = a.key.prefix().is_some();
        let name = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let value =
            a.unescape_value().map_err(|err| malformed(at, format!("bad attribute value: {err}")))?.into_owned();
        out.push((prefixed, name, value));
    }
    Ok(out)
}

/// The local part of a QName value (`tranPurch:VendorBill` -> `VendorBill`).
fn local_part(v: &str) -> &str {
    v.rsplit_once(':').map_or(v, |(_, l)| l)
}

/// Where `s` lies in the record's JSON (`in_json`), or else a copy of it in the index's own text.
fn piece(values: &mut Values, in_json: Option<Piece>, s: &str) -> Piece {
    if let Some(p) = in_json {
        return p;
    }
    let start = values.own.len() as u32;
    values.own.push_str(s);
    Piece { start: start | Piece::OWN, end: values.own.len() as u32 }
}

/// `p` moved by one byte when a `[` was inserted at `at` in the JSON, if it lay after it.
fn shift(p: &mut Piece, at: usize) {
    if p.start & Piece::OWN == 0 && p.start as usize >= at {
        p.start += 1;
        p.end += 1;
    }
}

/// Every piece of the index in the JSON after `at` moved by one byte (a `[` inserted there).
fn shift_index(values: &mut Values, at: usize) {
    for s in values.slots.iter_mut().chain(values.row_slots.iter_mut()) {
        shift(&mut s.name, at);
        for p in [&mut s.text, &mut s.id, &mut s.ref_name].into_iter().flatten() {
            shift(p, at);
        }
    }
    for r in &mut values.rows {
        shift(&mut r.list, at);
        shift(&mut r.name, at);
        for p in [&mut r.id, &mut r.ref_name].into_iter().flatten() {
            shift(p, at);
        }
    }
}

/// Appends `raw` with its references replaced, as quick-xml's `unescape` gives it, without a
/// string of its own: the five predefined entities are replaced here; anything else (a
/// character reference, or an error) goes to quick-xml for the whole text.
fn unescape_into(out: &mut String, raw: &str) -> Result<(), EscapeError> {
    let from = out.len();
    let mut last = 0;
    while let Some(amp) = memchr::memchr(b'&', &raw.as_bytes()[last..]).map(|i| last + i) {
        let entity = memchr::memchr(b';', &raw.as_bytes()[amp..])
            .and_then(|n| Some((amp + n, quick_xml::escape::resolve_xml_entity(raw.get(amp + 1..amp + n)?)?)));
        let Some((semi, value)) = entity else {
            out.truncate(from);
            out.push_str(&quick_xml::escape::unescape(raw)?);
            return Ok(());
        };
        out.push_str(&raw[last..amp]);
        out.push_str(value);
        last = semi + 1;
    }
    out.push_str(&raw[last..]);
    Ok(())
}

/// Whether `s` may hold a character XML 1.0 forbids (a quick byte test before
/// [`forbidden_char`]).
fn maybe_forbidden(s: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let exact = |b: u8| (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b == 0xEF;
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        // A byte below 0x20, or an 0xEF: only then look at the bytes one by one.
        let low = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
        let ef = w ^ (ONES * 0xEF);
        if (low | (ef.wrapping_sub(ONES) & !ef & HIGHS)) != 0 && c.iter().any(|&b| exact(b)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| exact(b))
}

impl<'a> RecordBuilder<'a> {
    fn start(
        body: &'a [u8],
        e: &BytesStart<'_>,
        at: usize,
        start: usize,
        sc: &mut Scratch<'a>,
    ) -> Result<Self, WireError> {
        let qname = body_str(body, sc.body_text, e.name().into_inner())
            .ok_or_else(|| malformed(at, "an element name that is not UTF-8 text of the body"))?;
        let name = local_part(qname);
        let mut b = RecordBuilder {
            record_type: CompactString::default(),
            internal_id: CompactString::default(),
            external_id: None,
            stack: std::mem::take(&mut sc.stack),
            start,
            defect: None,
            duplicate: false,
            row: 0,
        };
        b.stack.clear();
        sc.json.out.clear();
        sc.text.clear();
        sc.keys.clear();
        sc.values.own.clear();
        sc.values.slots.clear();
        sc.values.rows.clear();
        sc.values.row_slots.clear();
        let mut root = Open::new(qname, name, Role::Root, sc);
        let mut others: Vec<(&'a str, Cow<'a, str>)> = Vec::new();
        // Read by hand like the attributes inside the record; the three the record is known by
        // may each come once (quick-xml refuses a repeated attribute; so does this).
        let mut seen = [false; 3];
        for a in TagAttributes::new(e.attributes_raw()) {
            let (qname, raw_value) = a.map_err(|what| malformed(at, format!("bad attribute: {what}")))?;
            if qname == b"xmlns" || qname.starts_with(b"xmlns:") {
                continue;
            }
            let (prefixed, local) = split_qname(qname);
            let known = match (prefixed, local) {
                (true, b"type") => Some(0),
                (_, b"internalId") => Some(1),
                (_, b"externalId") => Some(2),
                _ => None,
            };
            if let Some(k) = known {
                if std::mem::replace(&mut seen[k], true) {
                    return Err(malformed(at, "bad attribute: a record attribute given twice"));
                }
            }
            let value = attr_value(body, sc.body_text, raw_value, at)?;
            match known {
                Some(0) => b.record_type = CompactString::from(local_part(&value)),
                Some(1) => b.internal_id = CompactString::from(value),
                Some(2) => b.external_id = Some(CompactString::from(value)),
                _ => {
                    others.push((attr_name(body, sc.body_text, local, at)?, value));
                }
            }
        }
        sc.json.push('{');
        sc.json.key("@type");
        sc.json.string(&b.record_type);
        sc.json.push(',');
        sc.json.key("internalId");
        sc.json.string(&b.internal_id);
        if let Some(x) = &b.external_id {
            sc.json.push(',');
            sc.json.key("externalId");
            sc.json.string(x);
        }
        for k in [&b"@type"[..], b"internalId", b"externalId"] {
            sc.keys.push(k);
            root.bloom |= bloom_bit(k);
        }
        for (key, v) in others {
            let n = key.as_bytes();
            if root.bloom & bloom_bit(n) != 0 && sc.keys[root.keys_start..].contains(&n) {
                b.duplicate = true;
            }
            sc.keys.push(n);
            root.bloom |= bloom_bit(n);
            sc.json.push(',');
            sc.json.key(key);
            sc.json.string(&v);
        }
        root.object = true;
        root.members = true;
        b.stack.push(root);
        Ok(b)
    }

    /// Opens a child element of the innermost open one.
    fn open(
        &mut self,
        body: &'a [u8],
        tag: (&'a str, &'a str, &'a str),
        at: usize,
        sc: &mut Scratch<'a>,
    ) -> Result<(), WireError> {
        let (qname, name_str, attrs) = tag;
        let name = name_str.as_bytes();
        let depth = self.stack.len();
        let parent = self.stack.last_mut().ok_or_else(|| malformed(at, "record state lost"))?;
        if !parent.list_known {
            parent.list = super::schema::is_list(parent.name.as_bytes());
            parent.list_known = true;
        }
        let role = match parent.role {
            Role::Root | Role::Row => Role::Field,
            Role::Field if parent.list && depth == 2 => Role::Row,
            _ => Role::Other,
        };
        if !parent.object {
            sc.json.push('{');
            parent.object = true;
        }
        let repeat = parent.last_child == Some(name_str);
        let key;
        if repeat {
            if !parent.in_array {
                let at = parent.last_child_value;
                if sc.json.insert_bracket(at) {
                    // What the index found after `at` (in the first occurrence) moved.
                    shift_index(&mut sc.values, at);
                    for p in [&mut parent.id, &mut parent.ref_name].into_iter().flatten() {
                        shift(p, at);
                    }
                }
                parent.in_array = true;
            }
            sc.json.push(',');
            key = parent.last_child_key;
        } else {
            if parent.in_array {
                sc.json.push(']');
                parent.in_array = false;
            }
            let bit = bloom_bit(name);
            if parent.bloom & bit != 0 && sc.keys[parent.keys_start..].contains(&name) {
                self.duplicate = true;
            }
            parent.bloom |= bit;
            sc.keys.push(name);
            if parent.members {
                sc.json.push(',');
            }
            key = sc.json.key(name_str);
            parent.last_child_key = key;
            parent.members = true;
            if parent.list {
                sc.json.push('[');
                parent.in_array = true;
            }
            parent.last_child = Some(name_str);
            parent.last_child_value = sc.json.len();
        }
        let (parent_name, parent_key) = (parent.name, parent.key);
        // Made in the stack's own memory (an `Open` is large enough that a move is a call).
        self.stack.push(Open::new(qname, name_str, role, sc));
        let open = self.stack.last_mut().ok_or_else(|| malformed(at, "record state lost"))?;
        open.repeat = repeat;
        open.key = key;
        // Duplicate attributes are not checked here: a name seen twice is caught below
        // (`duplicate`) and sends the record down the slow path, whose checked reading (by
        // quick-xml) refuses it.
        for a in TagAttributes::new(attrs.as_bytes()) {
            let (qname, raw_value) = a.map_err(|what| malformed(at, format!("bad attribute: {what}")))?;
            if qname == b"xmlns" || qname.starts_with(b"xmlns:") {
                continue;
            }
            let value = attr_value(body, sc.body_text, raw_value, at)?;
            if self.defect.is_none() && maybe_forbidden(&value) {
                if let Some(c) = forbidden_char(&value) {
                    self.defect = Some(format!(
                        "an attribute of {name_str} holds U+{:04X}, a character XML 1.0 forbids",
                        u32::from(c)
                    ));
                }
            }
            let (prefixed, local) = split_qname(qname);
            let (key, key_str, value): (&'a [u8], &str, &str) = if prefixed && local == b"type" {
                (b"@type", "@type", local_part(&value))
            } else {
                let k = attr_name(body, sc.body_text, local, at)?;
                (k.as_bytes(), k, &value)
            };
            if open.object {
                sc.json.push(',');
            } else {
                sc.json.push('{');
                open.object = true;
            }
            let bit = bloom_bit(key);
            if open.bloom & bit != 0 && sc.keys[open.keys_start..].contains(&key) {
                self.duplicate = true;
            }
            open.bloom |= bit;
            sc.keys.push(key);
            sc.json.key(key_str);
            let (_, in_json) = sc.json.string(value);
            open.members = true;
            if !prefixed && key == b"internalId" && matches!(role, Role::Field | Role::Row) {
                open.id = Some(piece(&mut sc.values, in_json, value));
            }
        }
        if role == Role::Row {
            let list = piece(&mut sc.values, parent_key, parent_name);
            let row_name = piece(&mut sc.values, open.key, name_str);
            let first = sc.values.row_slots.len() as u32;
            sc.values.rows.push(Row { list, name: row_name, id: open.id, ref_name: None, first, end: first });
            self.row = sc.values.rows.len() as u32;
        }
        Ok(())
    }

    /// A piece of text of the innermost open element, a slice of the body: with references
    /// to replace (`refs`), or literal (text without `&`, CDATA).
    fn text(&mut self, t: &'a str, refs: bool, sc: &mut Scratch<'a>) -> Result<(), EscapeError> {
        // Its characters are checked when the element closes, as its text is written.
        let Some(top) = self.stack.last_mut() else { return Ok(()) };
        match top.text {
            // The usual case: one piece as it stands, not copied.
            Text::None if !refs => {
                top.text = Text::Body(t);
                return Ok(());
            }
            Text::Body(before) => sc.text.push_str(before),
            Text::None | Text::Buffer => {}
        }
        top.text = Text::Buffer;
        if refs {
            unescape_into(&mut sc.text, t)
        } else {
            sc.text.push_str(t);
            Ok(())
        }
    }

    /// Closes the innermost element; when it was the root (`end` is the byte offset just after
    /// its end tag), puts the finished record in `out` and returns true.
    fn close(
        &mut self,
        body: &'a [u8],
        end: usize,
        form: RawForm,
        sc: &mut Scratch<'a>,
        each: &mut Each<'_>,
    ) -> Result<bool, WireError> {
        // Read where it lies and then dropped (an `Open` is large enough that a move is a call).
        let Some(top) = self.stack.len().checked_sub(1) else {
            return Err(WireError::Malformed("closing tag without an open element".into()));
        };
        let (outer, inner) = self.stack.split_at_mut(top);
        let f = &inner[0];
        let text = match f.text {
            Text::None => "",
            Text::Body(t) => t,
            Text::Buffer => sc.text.get(f.text_start..).unwrap_or(""),
        };
        let leaf = !f.object;
        let mut own_text = None;
        let suspect;
        if f.object {
            if f.in_array {
                sc.json.push(']');
            }
            if f.role != Role::Root && !text.trim().is_empty() {
                if sc.keys[f.keys_start..].contains(&&b"value"[..]) {
                    self.duplicate = true;
                }
                if f.members {
                    sc.json.push(',');
                }
                sc.json.key("value");
                let in_json;
                (suspect, in_json) = sc.json.string(text);
                own_text = Some((text, in_json));
            } else {
                // Not written (space between elements), but checked all the same.
                suspect = maybe_forbidden(text);
            }
            sc.json.push('}');
        } else {
            let in_json;
            (suspect, in_json) = sc.json.string(text);
            own_text = Some((text, in_json));
        }
        if suspect && self.defect.is_none() {
            if let Some(c) = forbidden_char(text) {
                self.defect =
                    Some(format!("field {} holds U+{:04X}, a character XML 1.0 forbids", f.name, u32::from(c)));
            }
        }
        // Its text in the index, once asked for.
        let mut kept = None;
        match f.role {
            Role::Field if !f.repeat => {
                let name = piece(&mut sc.values, f.key, f.name);
                kept = own_text.map(|(t, in_json)| piece(&mut sc.values, in_json, t));
                let tag = name_tag(f.name.as_bytes());
                let slot = Slot { name, tag, text: kept, id: f.id, ref_name: f.ref_name };
                if self.row == 0 {
                    sc.values.slots.push(slot);
                } else {
                    sc.values.row_slots.push(slot);
                }
            }
            Role::Row => {
                let end = sc.values.row_slots.len() as u32;
                if let Some(r) = sc.values.rows.last_mut() {
                    r.ref_name = f.ref_name;
                    r.end = end;
                }
                self.row = 0;
            }
            _ => {}
        }
        if leaf && (f.name == "name" || f.name == "internalId") {
            if let Some(p) = outer.last_mut().filter(|p| matches!(p.role, Role::Field | Role::Row)) {
                let target = if f.name == "name" { &mut p.ref_name } else { &mut p.id };
                if target.is_none() {
                    let in_json = own_text.and_then(|(_, in_json)| in_json);
                    *target = Some(kept.unwrap_or_else(|| piece(&mut sc.values, in_json, text)));
                }
            }
        }
        sc.text.truncate(f.text_start);
        sc.keys.truncate(f.keys_start);
        self.stack.truncate(top);
        if !self.stack.is_empty() {
            return Ok(false);
        }
        // The emptied stack goes back to be lent to the next record.
        sc.stack = std::mem::take(&mut self.stack);
        self.finish(body, end, form, sc, each)?;
        Ok(true)
    }

    /// The record, once its element is closed, put in `out` (built in place: a record is a
    /// few hundred bytes, not moved from call to call).
    fn finish(
        &mut self,
        body: &'a [u8],
        end: usize,
        form: RawForm,
        sc: &mut Scratch<'a>,
        each: &mut Each<'_>,
    ) -> Result<(), WireError> {
        let xml = body.get(self.start..end).unwrap_or_default();
        let mut internal_id = std::mem::take(&mut self.internal_id);
        let json = match form {
            RawForm::Xml => {
                let mut out = String::with_capacity(xml.len() + xml.len() / 8);
                push_json_str(&mut out, &String::from_utf8_lossy(xml));
                out
            }
            RawForm::Json if self.duplicate || internal_id.is_empty() => {
                let mut value = if self.duplicate {
                    record_value(xml, &self.record_type, &internal_id, self.external_id.as_deref())?
                } else {
                    serde_json::from_str(&sc.json.out)
                        .map_err(|e| WireError::Malformed(format!("record JSON written wrongly: {e}")))?
                };
                if internal_id.is_empty() {
                    // Search rows carry the id in basic/internalId/searchValue@internalId.
                    if let Some(id) = value
                        .get("basic")
                        .and_then(|b| b.get("internalId"))
                        .and_then(|i| i.get("searchValue"))
                        .and_then(|s| s.get("internalId"))
                        .and_then(Value::as_str)
                    {
                        internal_id = CompactString::from(id);
                        if let Some(m) = value.as_object_mut() {
                            m.insert("internalId".into(), Value::String(internal_id.to_string()));
                        }
                    }
                }
                value.to_string()
            }
            RawForm::Json => {
                // The usual case: `raw` is the JSON written, and the index reads in it.
                let raw = RawJson::from_parser(&sc.json.out);
                let json = raw.shared();
                self.hand_over(internal_id, raw, json, end, sc, each);
                return Ok(());
            }
        };
        let written = if sc.json.out.is_empty() { Arc::default() } else { Arc::from(sc.json.out.as_str()) };
        self.hand_over(internal_id, RawJson::from_parser(&json), written, end, sc, each);
        Ok(())
    }

    /// Reads the rest of the record, from `from` (just after its start tag) to its end tag,
    /// with [`Tokens`]; puts the record in `out` and returns the offset just after its end tag.
    fn read_rest(
        mut self,
        body: &'a [u8],
        text: &'a str,
        from: usize,
        form: RawForm,
        sc: &mut Scratch<'a>,
        each: &mut Each<'_>,
    ) -> Result<usize, WireError> {
        let mut tokens = Tokens::new(text, from);
        loop {
            let at = tokens.pos();
            let open = self.stack.last().map_or("", |o| o.qname);
            let token = tokens.next_token(open).map_err(|e| malformed(e.at, e.what))?;
            let closed = match token {
                Some(Token::Start { qname, local, attrs, empty }) => {
                    self.open(body, (qname, local, attrs), at, sc)?;
                    if !empty {
                        continue;
                    }
                    self.close(body, tokens.pos(), form, sc, each)?
                }
                Some(Token::EndOfOpen) => self.close(body, tokens.pos(), form, sc, each)?,
                Some(Token::End(qname)) => {
                    if open != qname {
                        return Err(malformed(at, format!("end tag </{qname}> where </{open}> was expected")));
                    }
                    self.close(body, tokens.pos(), form, sc, each)?
                }
                Some(Token::Text(raw, refs)) => {
                    self.text(raw, refs, sc).map_err(|e| malformed(at, format!("bad text: {e}")))?;
                    continue;
                }
                Some(Token::CData(raw)) => {
                    self.text(raw, false, sc).map_err(|e| malformed(at, format!("bad text: {e}")))?;
                    continue;
                }
                None => {
                    let inside = self.stack.last().map_or("record", |o| o.name);
                    return Err(WireError::Malformed(format!("truncated response: body ended inside <{inside}>")));
                }
            };
            if closed {
                return Ok(tokens.pos());
            }
        }
    }

    /// The record handed to `each`; `json` is the JSON the index's pieces lie in (what
    /// `sc.json` wrote). The index's vectors are lent to the record and taken back after, so a
    /// page's records cost no allocation for them.
    fn hand_over(
        &mut self,
        internal_id: CompactString,
        raw: RawJson,
        json: Arc<str>,
        end: usize,
        sc: &mut Scratch<'a>,
        each: &mut Each<'_>,
    ) {
        let lent = Values {
            json,
            own: std::mem::take(&mut sc.values.own),
            slots: std::mem::take(&mut sc.values.slots),
            rows: std::mem::take(&mut sc.values.rows),
            row_slots: std::mem::take(&mut sc.values.row_slots),
        };
        let record = RawRecord::new(
            std::mem::take(&mut self.record_type),
            internal_id,
            self.external_id.take(),
            raw,
            lent,
            (self.start, end),
            self.defect.take(),
        );
        each(&record);
        sc.values = record.into_values();
    }
}

/// One element folded into a JSON value (the slow way, for a record whose JSON cannot be
/// written as it streams past: a member name that comes back after another one).
struct Frame {
    name: String,
    list: bool,
    obj: Map<String, Value>,
    text: String,
    has_children: bool,
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

/// The JSON of one record's XML, built as a `serde_json` value: every occurrence of a name in
/// one array, whatever lies between them. The same shape [`RawJson`] describes.
fn record_value(
    xml: &[u8],
    record_type: &str,
    internal_id: &str,
    external_id: Option<&str>,
) -> Result<Value, WireError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Map<String, Value>> = None;
    loop {
        let event =
            reader.read_event().map_err(|e| malformed(reader.buffer_position() as usize, format!("XML error: {e}")))?;
        let at = reader.buffer_position() as usize;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let mut obj = Map::new();
                let is_root = stack.is_empty();
                for (prefixed, name, value) in attributes(&e, at)? {
                    if is_root {
                        match (prefixed, name.as_str()) {
                            (true, "type") | (_, "internalId") | (_, "externalId") => continue,
                            _ => {}
                        }
                    }
                    let key = if prefixed && name == "type" { "@type".to_string() } else { name };
                    let value = if key == "@type" { local_part(&value).to_string() } else { value };
                    obj.insert(key, Value::String(value));
                }
                if let Some(top) = stack.last_mut() {
                    top.has_children = true;
                }
                let name = local(&e);
                let list = !is_root && super::schema::is_list(name.as_bytes());
                stack.push(Frame { name: name.into_owned(), list, obj, text: String::new(), has_children: false });
                if is_empty {
                    close_value(&mut stack, &mut root);
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| malformed(at, format!("bad text: {e}")))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&c.into_inner()));
                }
            }
            Event::End(_) => close_value(&mut stack, &mut root),
            Event::Eof => break,
            _ => {}
        }
        if root.is_some() {
            break;
        }
    }
    let fields = root.ok_or_else(|| WireError::Malformed("a record element that does not close".into()))?;
    let mut m = Map::with_capacity(fields.len() + 3);
    m.insert("@type".into(), Value::String(record_type.to_string()));
    m.insert("internalId".into(), Value::String(internal_id.to_string()));
    if let Some(x) = external_id {
        m.insert("externalId".into(), Value::String(x.to_string()));
    }
    m.extend(fields);
    Ok(Value::Object(m))
}

/// A record's JSON built the slow way (a `serde_json` value per element, each name's
/// occurrences gathered in one array) from its XML: the reference the streaming writer is
/// tested against. Not for production paths.
#[doc(hidden)]
pub fn record_json_reference(
    xml: &[u8],
    record_type: &str,
    internal_id: &str,
    external_id: Option<&str>,
) -> Result<Value, WireError> {
    record_value(xml, record_type, internal_id, external_id)
}

fn close_value(stack: &mut Vec<Frame>, root: &mut Option<Map<String, Value>>) {
    let Some(frame) = stack.pop() else { return };
    match stack.last_mut() {
        Some(parent) => {
            let list = parent.list;
            let (k, v) = close_frame(frame);
            insert_child(&mut parent.obj, list, k, v);
        }
        None => *root = Some(frame.obj),
    }
}

fn parse_u32(at: usize, name: &str, text: &str) -> Result<u32, WireError> {
    text.trim().parse().map_err(|_| malformed(at, format!("{name} is not a number: {text:?}")))
}

/// Parses one SOAP response body in a single streaming pass.
///
/// Fails with [`WireError::Malformed`] on anything that is not a complete SOAP envelope:
/// bad XML, a truncated body, an HTML page.
pub fn parse_response(body: &[u8]) -> Result<Response, WireError> {
    parse_response_with(body, RawForm::Json)
}

/// quick-xml's reader over the envelope. It is moved past each record (which [`Tokens`] reads),
/// so it never sees a record's end tag: it matches no end tag (the caller does), and the names
/// it keeps of open elements (it keeps them with the check off) are not used.
fn envelope_reader(body: &[u8]) -> Reader<&[u8]> {
    let mut reader = Reader::from_reader(body);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    reader
}

/// What a search answer's records became as they were parsed ([`parse_search`]), and the first
/// record type the search does not allow, if one came.
#[derive(Debug)]
pub struct PageRecords<T> {
    search_type: SearchType,
    /// `search_type`'s record types (empty: any).
    allowed: &'static [&'static str],
    records: Vec<T>,
    unexpected: Option<String>,
}

impl<T> PageRecords<T> {
    fn new(search_type: SearchType, records: Vec<T>) -> Self {
        PageRecords { search_type, allowed: search_type.record_types(), records, unexpected: None }
    }

    /// Notes `r`'s type if the search does not allow it (the first such one is reported).
    fn note_type(&mut self, r: &RawRecord) {
        let allowed = self.allowed;
        if self.unexpected.is_none() && !allowed.is_empty() && !allowed.contains(&r.record_type.as_str()) {
            self.unexpected = Some(r.record_type.to_string());
        }
    }
}

/// Parses the answer to a search of `search_type`: each record is made into a `T` by `read`
/// (given the record and the body its span points into) as soon as its end tag is read, while
/// it is still in cache, and only the `T`s are kept. Room is made for `capacity` of them (the
/// page size). [`Response::into_search_page_of`] then checks the answer.
pub fn parse_search<T>(
    body: &[u8],
    form: RawForm,
    search_type: SearchType,
    capacity: usize,
    mut read: impl FnMut(&RawRecord, &[u8]) -> T,
) -> Result<(Response, PageRecords<T>), WireError> {
    let mut out = PageRecords::new(search_type, Vec::with_capacity(capacity));
    let resp = parse_response_each(body, form, &mut |r: &RawRecord| {
        out.note_type(r);
        out.records.push(read(r, body));
    })?;
    Ok((resp, out))
}

/// [`parse_response`], with the records' `raw` in the given form.
pub fn parse_response_with(body: &[u8], form: RawForm) -> Result<Response, WireError> {
    let mut records = Vec::new();
    let mut resp = parse_response_each(body, form, &mut |r: &RawRecord| records.push(r.clone()))?;
    resp.records = records;
    Ok(resp)
}

/// [`parse_response_with`], each record handed to `each` as soon as its end tag is read (while
/// it is still in cache) instead of kept: [`Response::records`] stays empty. What `each` wants
/// of a record it takes then (a typed record, its key).
pub fn parse_response_each(
    body: &[u8],
    form: RawForm,
    each: &mut dyn FnMut(&RawRecord),
) -> Result<Response, WireError> {
    let body_text = std::str::from_utf8(body)
        .map_err(|e| WireError::Malformed(format!("the response body is not UTF-8 text: {e}")))?;
    // Where quick-xml's position 0 lies in the body (it moves as records are skipped).
    let mut origin = 0;
    let mut reader = envelope_reader(body);
    let mut resp = Response::default();
    // Local names of the open elements outside records, and their qualified names as written.
    let mut path: Vec<String> = Vec::with_capacity(16);
    let mut qnames: Vec<Vec<u8>> = Vec::with_capacity(16);
    let mut sc = Scratch {
        json: Json { out: String::with_capacity(4096), on: form == RawForm::Json },
        text: String::with_capacity(256),
        keys: Vec::with_capacity(64),
        values: Values::default(),
        body_text,
        stack: Vec::with_capacity(16),
    };
    let mut text = String::new();
    let mut saw_envelope = false;
    let mut envelope_closed = false;
    let mut in_status = false;

    loop {
        let before = origin + reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| malformed(origin + reader.error_position() as usize, format!("XML error: {e}")))?;
        let after = origin + reader.buffer_position() as usize;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = local(e);
                if path.is_empty() {
                    if name != "Envelope" {
                        return Err(malformed(after, format!("not a SOAP envelope: root element is <{name}>")));
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
                    let attrs = attributes(e, after)?;
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
                        path.push(name.into_owned());
                        qnames.push(e.name().into_inner().to_vec());
                        text.clear();
                    }
                    continue;
                }
                if (name == "record" || name == "searchRow") && path.last().map(String::as_str) != Some("Header") {
                    let mut b = RecordBuilder::start(body, e, after, before, &mut sc)?;
                    if is_empty {
                        b.close(body, after, form, &mut sc, each)?;
                    } else {
                        // The record's content is read by `Tokens`; quick-xml goes on after
                        // its end tag. It did not count the bytes it skipped in its position:
                        // `origin` makes up for them.
                        let end = b.read_rest(body, body_text, after, form, &mut sc, each)?;
                        *reader.get_mut() = body.get(end..).unwrap_or_default();
                        origin = end.saturating_sub(reader.buffer_position() as usize);
                    }
                    continue;
                }
                let parent = path.last().map(String::as_str).unwrap_or("");
                if parent == "Body" && resp.operation.is_none() {
                    resp.operation = Some(name.to_string());
                }
                if name == "Fault" && parent == "Body" {
                    resp.fault = Some(Fault::default());
                }
                if parent == "detail" && resp.fault.is_some() && name.ends_with("Fault") {
                    if let Some(f) = resp.fault.as_mut() {
                        f.detail_name = Some(name.to_string());
                    }
                }
                if name == "status" && resp.status.is_none() {
                    let ok = attributes(e, after)?
                        .into_iter()
                        .find(|(_, n, _)| n == "isSuccess")
                        .map(|(_, _, v)| v == "true" || v == "1")
                        .unwrap_or(false);
                    resp.status = Some(Status { is_success: ok, details: Vec::new() });
                    in_status = !is_empty;
                } else if name == "statusDetail" && in_status {
                    let kind = attributes(e, after)?.into_iter().find(|(_, n, _)| n == "type").map(|(_, _, v)| v);
                    if let Some(s) = resp.status.as_mut() {
                        s.details.push(StatusDetail { kind, ..Default::default() });
                    }
                }
                if !is_empty {
                    path.push(name.into_owned());
                    qnames.push(e.name().into_inner().to_vec());
                    text.clear();
                }
            }
            Event::Text(t) => {
                let s = text_of(body, sc.body_text, &t, after)?;
                if let Some(c) = forbidden_char(&s) {
                    return Err(malformed(
                        after,
                        format!("U+{:04X}, a character XML 1.0 forbids, outside any record", u32::from(c)),
                    ));
                }
                text.push_str(&s)
            }
            Event::CData(c) => text.push_str(&String::from_utf8_lossy(&c.into_inner())),
            Event::End(e) => {
                let (Some(name), Some(qname)) = (path.pop(), qnames.pop()) else {
                    return Err(malformed(before, "closing tag without an open element"));
                };
                if e.name().into_inner() != qname.as_slice() {
                    return Err(malformed(
                        before,
                        format!(
                            "end tag </{}> where </{}> was expected",
                            String::from_utf8_lossy(e.name().into_inner()),
                            String::from_utf8_lossy(&qname)
                        ),
                    ));
                }
                let parent = path.last().map(String::as_str).unwrap_or("");
                let value = text.trim();
                match (parent, name.as_str()) {
                    (_, "Envelope") => envelope_closed = true,
                    (_, "status") => in_status = false,
                    (p, "totalRecords") if p.ends_with("Result") => {
                        resp.total_records = Some(parse_u32(after, "totalRecords", value)?)
                    }
                    (p, "pageSize") if p.ends_with("Result") => {
                        {
                            let size = parse_u32(after, "pageSize", value)?;
                            // The records follow: room for a page of them (NetSuite's pages hold
                            // at most 1,000).
                            resp.records.reserve(size.min(1000) as usize);
                            resp.page_size = Some(size)
                        }
                    }
                    (p, "totalPages") if p.ends_with("Result") => {
                        resp.total_pages = Some(parse_u32(after, "totalPages", value)?)
                    }
                    (p, "pageIndex") if p.ends_with("Result") => {
                        resp.page_index = Some(parse_u32(after, "pageIndex", value)?)
                    }
                    (p, "searchId") if p.ends_with("Result") => resp.search_id = Some(value.to_string()),
                    ("deletedRecord", "deletedDate") => {
                        let at = super::records::parse_datetime(value)
                            .ok_or_else(|| malformed(after, format!("deletedDate is not a date: {value:?}")))?;
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
    if let Some(inside) = path.last() {
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
    pub fn into_search_page(mut self, search_type: SearchType) -> Result<SearchPage<RawRecord>, WireError> {
        let records = std::mem::take(&mut self.records);
        let mut read = PageRecords::new(search_type, Vec::new());
        records.iter().for_each(|r| read.note_type(r));
        read.records = records;
        self.into_search_page_of(read)
    }

    /// [`Response::into_search_page`] for an answer whose records were read as they were
    /// parsed ([`parse_search`]).
    pub fn into_search_page_of<T>(self, read: PageRecords<T>) -> Result<SearchPage<T>, WireError> {
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
        if let Some(found) = read.unexpected {
            return Err(WireError::UnexpectedRecord { expected: read.search_type.name(), found });
        }
        Ok(SearchPage {
            total_records,
            page_size: self.page_size.unwrap_or(0),
            total_pages: self.total_pages.unwrap_or(if total_records == 0 { 0 } else { 1 }),
            page_index: self.page_index.unwrap_or(1),
            search_id: self.search_id,
            records: read.records,
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
        let cf = &r.fields()["customFieldList"]["customField"];
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

    /// A bill with what a streaming writer can get wrong: a single reference named `*List`, a
    /// list with one row, nested lists, a repeated element, attributes with text, escapes,
    /// CDATA, empty and nil elements; a second record whose `memo` comes back after another
    /// field. Namespaces of 2025_2: only local names count.
    const TRICKY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body><searchResponse xmlns="urn:messages_2025_2.platform.webservices.netsuite.com">
<platformCore:searchResult xmlns:platformCore="urn:core_2025_2.platform.webservices.netsuite.com">
<platformCore:status isSuccess="true"/><platformCore:totalRecords>2</platformCore:totalRecords>
<platformCore:recordList>
<platformCore:record internalId="9" externalId="x9" xsi:type="tranPurch:VendorBill" xmlns:tranPurch="urn:purchases_2025_2.transactions.webservices.netsuite.com">
<tranPurch:billAddressList internalId="44"><platformCore:name>HQ "main"</platformCore:name></tranPurch:billAddressList>
<tranPurch:entity internalId="321" type="vendor"><platformCore:name>Acme\Corp &amp; Co</platformCore:name></tranPurch:entity>
<tranPurch:memo>line1
line2	tab</tranPurch:memo>
<tranPurch:userTotal>150.0</tranPurch:userTotal>
<tranPurch:tranDate>2017-10-02T00:00:00.000-07:00</tranPurch:tranDate>
<tranPurch:expenseList replaceAll="false"><tranPurch:expense><tranPurch:line>1</tranPurch:line><tranPurch:amount>100.5</tranPurch:amount><tranPurch:category internalId="5"><platformCore:name>Office</platformCore:name></tranPurch:category><tranPurch:customFieldList><platformCore:customField scriptId="c1" xsi:type="platformCore:MultiSelectCustomFieldRef"><platformCore:value internalId="1"><platformCore:name>a</platformCore:name></platformCore:value><platformCore:value internalId="2"/></platformCore:customField></tranPurch:customFieldList></tranPurch:expense></tranPurch:expenseList>
<tranPurch:purchaseOrderList><platformCore:recordRef internalId="77"><platformCore:name>PO 77</platformCore:name></platformCore:recordRef><platformCore:recordRef internalId="78"/></tranPurch:purchaseOrderList>
<tranPurch:status xsi:nil="true"/>
<tranPurch:tranId><![CDATA[B<1>]]></tranPurch:tranId>
<tranPurch:exchangeRate currency="USD">1.0</tranPurch:exchangeRate>
<tranPurch:empty/>
</platformCore:record>
<platformCore:record internalId="10" xsi:type="tranPurch:VendorBill" xmlns:tranPurch="urn:purchases_2025_2.transactions.webservices.netsuite.com"><tranPurch:memo>a</tranPurch:memo><tranPurch:tranId>T</tranPurch:tranId><tranPurch:memo>b</tranPurch:memo></platformCore:record>
</platformCore:recordList></platformCore:searchResult></searchResponse></soapenv:Body></soapenv:Envelope>"#;

    /// The index reads names and texts where the JSON holds them. An element repeated where
    /// the schema has no list turns its first value into an array after the fact (a `[` put
    /// before it): what the index found in that value moved with it. Texts the JSON escapes,
    /// and every text when no JSON is written (`RawForm::Xml`), are copies of their own.
    #[test]
    fn the_index_reads_the_json_where_it_lies_after_an_array_is_opened() {
        let body = TRICKY.replace(
            "<tranPurch:memo>a</tranPurch:memo><tranPurch:tranId>T</tranPurch:tranId>",
            "<tranPurch:tranId>T1</tranPurch:tranId><tranPurch:tranId>T2</tranPurch:tranId>\
             <tranPurch:entity internalId=\"5\"><platformCore:name>One</platformCore:name>\
             <platformCore:name>Two</platformCore:name></tranPurch:entity>\
             <tranPurch:currencyName>Say \"hi\"</tranPurch:currencyName>",
        );
        for form in [RawForm::Json, RawForm::Xml] {
            let resp = parse_response_with(body.as_bytes(), form).unwrap();
            let r = &resp.records[1];
            // The first of each repeated name is the field's value.
            assert_eq!(r.text("tranId"), Some("T1"), "{form:?}");
            assert_eq!(r.ref_name("entity"), Some("One"), "{form:?}");
            assert_eq!(r.ref_id("entity"), Some("5"), "{form:?}");
            assert_eq!(r.text("currencyName"), Some("Say \"hi\""), "{form:?}");
            if form == RawForm::Json {
                let f = r.fields();
                assert_eq!(f["tranId"], serde_json::json!(["T1", "T2"]));
                assert_eq!(f["entity"], serde_json::json!({"internalId": "5", "name": ["One", "Two"]}));
            }
            // The other record, and the same fields through a clone.
            assert_eq!(resp.records[0].ref_name("entity"), Some("Acme\\Corp & Co"), "{form:?}");
            assert_eq!(r.clone().text("currencyName"), Some("Say \"hi\""), "{form:?}");
        }
    }

    /// After records (read by the tokenizer, skipped by quick-xml), an error in the envelope
    /// still names its byte offset in the whole body.
    #[test]
    fn errors_after_records_name_their_offset_in_the_body() {
        let body = TRICKY.replace("</platformCore:recordList>", "</platformCore:recordLisX>");
        let at = body.find("</platformCore:recordLisX>").unwrap();
        let err = parse_response(body.as_bytes()).unwrap_err().to_string();
        assert!(err.contains(&format!("(at byte {at})")), "{err}");
        assert!(err.contains("</platformCore:recordList> was expected"), "{err}");
    }

    /// References in a record's text are replaced as quick-xml replaces them, errors included.
    #[test]
    fn references_are_replaced_as_quick_xml_replaces_them() {
        for raw in [
            "",
            "plain",
            "a &amp; b",
            "&lt;&gt;&quot;&apos;&amp;",
            "&#65;&#x42; and &amp;",
            "é &amp; ü",
            "x &amp y; z",
            "&bogus;",
            "tail &",
            "&amp;&",
            "&#0;",
            "&#xD800;",
            "&;",
        ] {
            let mut out = String::from("kept");
            let ours = unescape_into(&mut out, raw).map(|()| out.clone()).map_err(|e| e.to_string());
            let theirs = quick_xml::escape::unescape(raw).map(|c| format!("kept{c}")).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{raw:?}");
        }
    }

    #[test]
    fn lists_come_from_the_schema_and_raw_is_faithful() {
        let resp = parse_response(TRICKY.as_bytes()).unwrap();
        let bill = &resp.records[0];
        let f = bill.fields();
        // A single reference whose name ends in `List` stays one object.
        assert_eq!(f["billAddressList"], serde_json::json!({"internalId": "44", "name": "HQ \"main\""}));
        assert_eq!(bill.ref_name("billAddressList"), Some("HQ \"main\""));
        // A list with one row is an array; its attribute is kept.
        let expense = f["expenseList"]["expense"].as_array().expect("expense rows are an array");
        assert_eq!(expense.len(), 1);
        assert_eq!(f["expenseList"]["replaceAll"], "false");
        let cf = expense[0]["customFieldList"]["customField"].as_array().expect("custom fields are an array");
        assert_eq!(cf[0]["@type"], "MultiSelectCustomFieldRef");
        assert_eq!(cf[0]["value"], serde_json::json!([{"internalId": "1", "name": "a"}, {"internalId": "2"}]));
        assert_eq!(f["purchaseOrderList"]["recordRef"].as_array().map(Vec::len), Some(2));
        assert_eq!(f["status"], serde_json::json!({"nil": "true"}));
        assert_eq!(f["tranId"], "B<1>");
        assert_eq!(f["empty"], "");
        assert_eq!(f["memo"], "line1\nline2\ttab");
        assert_eq!(f["entity"]["type"], "vendor");
        assert_eq!(f["exchangeRate"], serde_json::json!({"currency": "USD", "value": "1.0"}));
        let whole = bill.raw.to_value();
        assert_eq!(
            (&whole["@type"], &whole["internalId"], &whole["externalId"]),
            (&"VendorBill".into(), &"9".into(), &"x9".into())
        );

        // The index typed records read agrees.
        assert_eq!(bill.text("exchangeRate"), Some("1.0"));
        assert_eq!(bill.ref_name("entity"), Some("Acme\\Corp & Co"));
        let po: Vec<_> = bill.sublist("purchaseOrderList", "recordRef").map(|r| (r.own_id(), r.own_name())).collect();
        assert_eq!(po, [(Some("77"), Some("PO 77")), (Some("78"), None)]);
        let t = crate::netsuite::Transaction::from_raw(bill).unwrap().expect("a bill");
        assert_eq!(t.vendor_name.as_deref(), Some("Acme\\Corp & Co"));
        assert_eq!(t.lines.len(), 1);
        assert_eq!((t.lines[0].line, t.lines[0].category.as_deref()), (1, Some("Office")));
        assert_eq!(t.lines[0].amount, "100.5".parse().ok());
        assert_eq!(t.raw, bill.raw);

        // A name that comes back after another one: every occurrence in one array.
        let again = &resp.records[1];
        assert_eq!(again.fields()["memo"], serde_json::json!(["a", "b"]));
        assert_eq!(again.fields()["tranId"], "T");

        // The streaming JSON is the slow reference's, record by record.
        for r in &resp.records {
            let xml = &TRICKY.as_bytes()[r.span.0..r.span.1];
            let reference = record_value(xml, &r.record_type, &r.internal_id, r.external_id.as_deref()).unwrap();
            assert_eq!(r.raw.to_value(), reference, "record {}", r.internal_id);
        }
    }

    #[test]
    fn raw_as_xml_is_the_record_as_sent() {
        let resp = parse_response_with(TRICKY.as_bytes(), RawForm::Xml).unwrap();
        let r = &resp.records[0];
        assert_eq!(r.raw.to_value(), Value::String(TRICKY[r.span.0..r.span.1].to_string()));
        assert_eq!(r.ref_name("billAddressList"), Some("HQ \"main\""));
    }

    #[test]
    fn forbidden_characters_mark_the_record_alone() {
        let body = TRICKY.replace("line1\n", "line1&#x1;");
        let resp = parse_response(body.as_bytes()).unwrap();
        assert!(resp.records[0].defect.as_deref().is_some_and(|d| d.contains("memo") && d.contains("U+0001")));
        assert!(resp.records[1].defect.is_none());
    }

    #[test]
    fn forbidden_characters_are_found_in_text_written_or_not() {
        // In text split over several events (a reference, then CDATA), in an attribute, and in
        // text the JSON leaves out (only "space" between two children: U+000B is space to
        // `trim`, not to XML).
        for (from, to, field) in [
            ("line1\n", "line1&amp;<![CDATA[\u{1}]]>", "memo"),
            (r#"type="vendor""#, r#"type="v&#x2;""#, "entity"),
            (
                r#"<tranPurch:entity internalId="321" type="vendor">"#,
                "<tranPurch:entity internalId=\"321\" type=\"vendor\">&#xB;",
                "entity",
            ),
        ] {
            assert!(TRICKY.contains(from), "{from}");
            let body = TRICKY.replace(from, to);
            let resp = parse_response(body.as_bytes()).unwrap();
            let defect = resp.records[0].defect.as_deref().unwrap_or_default();
            assert!(defect.contains(field) && defect.contains("U+000"), "{to:?}: {defect:?}");
            assert!(resp.records[1].defect.is_none());
        }
        // The same text with nothing forbidden in it: no defect, the text whole.
        let body = TRICKY.replace("line1\n", "line1&amp;<![CDATA[ & ]]>");
        let resp = parse_response(body.as_bytes()).unwrap();
        assert!(resp.records[0].defect.is_none());
        assert_eq!(resp.records[0].text("memo"), Some("line1& & line2\ttab"));
    }

    #[test]
    fn a_record_attribute_given_twice_is_refused() {
        for (from, to) in [
            (r#"internalId="9""#, r#"internalId="9" internalId="8""#),
            (r#"externalId="x9""#, r#"externalId="x9" externalId="x8""#),
            (r#"xsi:type="tranPurch:VendorBill""#, r#"xsi:type="tranPurch:VendorBill" xsi:type="tranPurch:Check""#),
        ] {
            let body = TRICKY.replacen(from, to, 1);
            let err = parse_response(body.as_bytes()).unwrap_err();
            assert!(err.to_string().contains("twice"), "{to}: {err}");
        }
    }

    #[test]
    fn each_record_keeps_its_own_json_and_fields_from_reused_buffers() {
        let resp = parse_response(TRICKY.as_bytes()).unwrap();
        let (a, b) = (&resp.records[0], &resp.records[1]);
        // Each raw is its own record's JSON, whole, though one buffer wrote both.
        assert_eq!(a.raw.to_value()["internalId"], "9");
        assert_eq!(b.raw.to_value()["internalId"], "10");
        assert!(b.raw.to_value().get("userTotal").is_none());
        // Each reads its own fields, and a clone reads the same.
        assert_eq!(a.text("tranId"), Some("B<1>"));
        assert_eq!(b.text("tranId"), Some("T"));
        assert_eq!(b.text("userTotal"), None);
        assert_eq!(b.clone().text("tranId"), Some("T"));
    }

    #[test]
    fn json_strings_and_forbidden_bytes_are_found_wherever_they_lie() {
        // Every escape, at every offset of a word and past it, against serde_json's writer;
        // and the word-at-a-time test for forbidden characters against the byte-wise one.
        let specials = ["\"", "\\", "\n", "\r", "\t", "\u{1}", "\u{1f}", "\u{7f}", "é", "\u{FFFE}", "\u{FFFF}", " "];
        for pad in 0..20 {
            for sp in specials {
                for tail in ["", "abc", "a longer tail of text"] {
                    let s = format!("{}{sp}{tail}", "x".repeat(pad));
                    let mut out = String::new();
                    let suspect = push_json_str(&mut out, &s);
                    assert_eq!(out, serde_json::to_string(&s).unwrap(), "{s:?}");
                    let bytewise = s.bytes().any(|b| (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b == 0xEF);
                    assert_eq!(maybe_forbidden(&s), bytewise, "{s:?}");
                    assert_eq!(suspect, bytewise, "the JSON writer's own look at {s:?}");
                }
            }
        }
    }

    #[test]
    fn attributes_read_by_hand_agree_with_quick_xml() {
        let read = |tag: &str| -> Result<Vec<(String, String)>, &'static str> {
            TagAttributes::new(tag.as_bytes())
                .map(|a| {
                    a.map(|(n, v)| (String::from_utf8_lossy(n).into_owned(), String::from_utf8_lossy(v).into_owned()))
                })
                .collect()
        };
        assert_eq!(read(""), Ok(vec![]));
        assert_eq!(read("  \n "), Ok(vec![]));
        assert_eq!(
            read(r#" internalId="5" xsi:type='platformCore:StringCustomFieldRef'  a = "x y" "#),
            Ok(vec![
                ("internalId".into(), "5".into()),
                ("xsi:type".into(), "platformCore:StringCustomFieldRef".into()),
                ("a".into(), "x y".into())
            ])
        );
        for bad in [r#" a"#, r#" a="x"#, r#" a=x"#, r#" ="x""#, r#" a="x"b="y""#, r#" a"x""#] {
            assert!(read(bad).is_err(), "{bad:?} read as {:?}", read(bad));
        }
        // Every start tag of the sample answers reads the same as quick-xml reads it.
        let shared = std::env::var_os("NETSUITE_SHARED_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
        let dir = shared.join("netsuite-samples");
        let files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|sub| std::fs::read_dir(sub.path()).into_iter().flatten().flatten())
            .map(|f| f.path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        let mut tags = 0;
        for path in &files {
            let body = std::fs::read(path).unwrap();
            let mut reader = Reader::from_reader(&body[..]);
            while let Ok(ev) = reader.read_event() {
                match ev {
                    Event::Start(e) | Event::Empty(e) => {
                        let ours: Vec<(Vec<u8>, Vec<u8>)> = TagAttributes::new(e.attributes_raw())
                            .map(|a| a.map(|(n, v)| (n.to_vec(), v.to_vec())))
                            .collect::<Result<_, _>>()
                            .unwrap();
                        let theirs: Vec<(Vec<u8>, Vec<u8>)> = e
                            .attributes()
                            .map(|a| a.map(|a| (a.key.as_ref().to_vec(), a.value.to_vec())))
                            .collect::<Result<_, _>>()
                            .unwrap();
                        assert_eq!(ours, theirs, "in {}", path.display());
                        tags += 1;
                    }
                    Event::Eof => break,
                    _ => {}
                }
            }
        }
        assert!(tags > 100, "only {tags} start tags found under {}", dir.display());
    }

    #[test]
    fn a_repeated_attribute_inside_a_record_is_malformed() {
        let bad =
            PAGE.replace(r#"<listRel:category internalId="3">"#, r#"<listRel:category internalId="3" internalId="4">"#);
        assert!(matches!(parse_response(bad.as_bytes()), Err(WireError::Malformed(m)) if m.contains("attribute")));
    }

    /// A record's content is read by `Tokens`, not quick-xml: comments, processing
    /// instructions, CDATA, references and spaces in end tags come out as quick-xml reads them
    /// (the slow reference), and the page goes on after the record.
    #[test]
    fn markup_inside_a_record_reads_as_quick_xml_reads_it() {
        let record = r#"<platformCore:record internalId="5" xsi:type="listRel:Vendor" xmlns:listRel="urn:relationships_2017_2.lists.webservices.netsuite.com"><!-- a > comment --><listRel:entityId>V<?pi x?>-5</listRel:entityId ><listRel:companyName><![CDATA[A <b> & C]]> &lt;co&gt;</listRel:companyName><listRel:email a='1>2' b="q'"/><listRel:category internalId="3"><platformCore:name>S&#233;rvices</platformCore:name></listRel:category>
</platformCore:record  >"#;
        let page = PAGE.replacen("<platformCore:recordList>", &format!("<platformCore:recordList>{record}"), 1);
        let resp = parse_response(page.as_bytes()).unwrap();
        assert_eq!(resp.records.len(), 3, "the record, then the page's two");
        let r = &resp.records[0];
        let xml = &page.as_bytes()[r.span.0..r.span.1];
        assert!(xml.ends_with(b"</platformCore:record  >"), "the span ends after the end tag");
        let reference = record_value(xml, &r.record_type, &r.internal_id, r.external_id.as_deref()).unwrap();
        assert_eq!(r.raw.to_value(), reference);
        assert_eq!(r.text("entityId"), Some("V-5"));
        assert_eq!(r.text("companyName"), Some("A <b> & C <co>"));
        assert_eq!(r.ref_name("category"), Some("Sérvices"));
        assert_eq!(r.fields()["email"], serde_json::json!({"a": "1>2", "b": "q'"}));
        assert_eq!(resp.records[1].text("companyName"), Some("Ben & Jerry"));
        assert_eq!(resp.search_id.as_deref(), Some("S1"));
    }

    /// Ill-formed markup inside a record fails the page with what and where; so does a body cut
    /// at any byte of a record, or one that is not UTF-8.
    #[test]
    fn ill_formed_markup_inside_a_record_is_refused() {
        for (from, to, what) in [
            (
                "</listRel:entityId>",
                "</listRel:entityID>",
                "end tag </listRel:entityID> where </listRel:entityId> was expected",
            ),
            (
                "</platformCore:record>",
                "</platformCore:recordList>",
                "end tag </platformCore:recordList> where </platformCore:record> was expected",
            ),
            ("<listRel:isInactive>", "<listRel:isInactive x=\"1>", "an attribute value without its closing quote"),
            ("<listRel:isInactive>", "<!DOCTYPE x><listRel:isInactive>", "a declaration (<!...>) inside a record"),
            ("<listRel:isInactive>", "<><listRel:isInactive>", "a start tag without a name"),
            ("Ben &amp; Jerry", "Ben & Jerry", "bad text"),
        ] {
            let page = PAGE.replacen(from, to, 1);
            let err = parse_response(page.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(what) && err.contains("at byte"), "{to}: {err}");
        }
        let first = PAGE.find("<platformCore:record ").unwrap();
        let last = PAGE.find("<platformCore:record internalId=\"8\"").unwrap();
        for cut in first..last {
            let err = parse_response(&PAGE.as_bytes()[..cut]).unwrap_err();
            assert!(matches!(err, WireError::Malformed(_)), "cut at {cut}: {err:?}");
        }
        let mut latin1 = PAGE.as_bytes().to_vec();
        let at = PAGE.find("Jerry").unwrap();
        latin1[at] = 0xC9;
        let err = parse_response(&latin1).unwrap_err().to_string();
        assert!(err.contains("not UTF-8"), "{err}");
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

    /// Records read as they are parsed (`parse_search`, what the pull does) read as the records
    /// kept in a `Response` do: the index the parser lends each record in turn is that record's
    /// own (the second bill, without lines, sees none of the first's), each record's XML is its
    /// own, and a record of a type the search does not allow still fails the page.
    #[test]
    fn records_read_as_they_are_parsed_read_as_kept_records() {
        use crate::netsuite::Transaction;
        let body = TRICKY.as_bytes();
        let kept = parse_response(body).unwrap().into_search_page(SearchType::Transaction).unwrap();
        let (resp, read) = parse_search(body, RawForm::Json, SearchType::Transaction, 2, |r, body| {
            (Transaction::from_raw(r).unwrap().unwrap(), r.xml_in(body))
        })
        .unwrap();
        let page = resp.into_search_page_of(read).unwrap();
        assert_eq!((page.total_records, page.records.len()), (2, 2));
        for (k, (t, xml)) in kept.records.iter().zip(&page.records) {
            assert_eq!(&Transaction::from_raw(k).unwrap().unwrap(), t);
            assert_eq!(&k.xml_in(body), xml);
            assert!(xml.starts_with("<platformCore:record ") && xml.ends_with("</platformCore:record>"));
        }
        let (first, second) = (&page.records[0].0, &page.records[1].0);
        assert_eq!((first.lines.len(), first.tran_id.as_deref()), (1, Some("B<1>")));
        assert_eq!((second.lines.len(), second.tran_id.as_deref(), second.total), (0, Some("T"), None));
        // The index the second record was lent is the one it has when parsed alone.
        let indexes = |body: &[u8]| {
            let (_, read) =
                parse_search(body, RawForm::Json, SearchType::Transaction, 2, |r, _| r.values.clone()).unwrap();
            read.records
        };
        let from = TRICKY.find("<platformCore:record ").unwrap();
        let to = TRICKY.find("<platformCore:record internalId=\"10\"").unwrap();
        let alone = format!("{}{}", &TRICKY[..from], &TRICKY[to..]);
        let (both, alone) = (indexes(body), indexes(alone.as_bytes()));
        assert_eq!((both.len(), alone.len()), (2, 1));
        assert!(!both[0].rows.is_empty() && !both[0].row_slots.is_empty());
        assert_eq!(both[1], alone[0]);

        let other = PAGE.replace(
            "listRel:Vendor\" xmlns:listRel=\"urn:relationships_2017_2.lists.webservices.netsuite.com\"/>",
            "listRel:Customer\" xmlns:listRel=\"x\"/>",
        );
        let (resp, read) =
            parse_search(other.as_bytes(), RawForm::Json, SearchType::Vendor, 2, |r, _| r.internal_id.clone()).unwrap();
        let err = resp.into_search_page_of(read).unwrap_err();
        assert!(matches!(err, WireError::UnexpectedRecord { ref found, .. } if found == "Customer"), "{err:?}");
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
