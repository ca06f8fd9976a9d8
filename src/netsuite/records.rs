//! Typed records parsed from search pages.
//!
//! The parser reads every `record` element into a [`RawRecord`] in one pass: its `xsi:type`,
//! ids, the whole record as JSON text ([`RawJson`], kept in the database for fields not
//! modelled) and a flat index of its fields' values. Typed records such as [`Vendor`] are read
//! from that index: parse at the boundary, once, with no JSON map in between.

use std::fmt;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
pub use compact_str::{CompactString, ToCompactString};
use serde_json::{Map, Value};

use super::tokens::same_name;
use super::WireError;

/// A record as JSON text: the `raw` column of every typed record.
///
/// The parser writes it while it reads the record (no `serde_json` map is built, and nothing
/// has to be encoded again for the `json` column, which keeps it byte for byte). Its shape:
/// text elements become strings (numbers stay strings, so money is never rounded through a
/// float); an element with attributes or children becomes an object (attributes by local
/// name, `xsi:type` as `@type`, text under `value`); a `RecordRef` becomes
/// `{"internalId": .., "name": ..}`; the rows of a list (a `*List` type of the 2017_2 schema,
/// see [`super::schema`]) are always an array; an element repeated where the schema has no
/// list becomes an array; the record's own `xsi:type`, `internalId` and `externalId` are
/// `@type`, `internalId` and `externalId`.
///
/// Cloning it (into a typed record) shares the text.
#[derive(Clone, PartialEq, Eq)]
pub struct RawJson(Arc<str>);

impl RawJson {
    /// Text the parser wrote (valid JSON by construction).
    pub(super) fn from_parser(text: &str) -> Self {
        RawJson(Arc::from(text))
    }

    /// The text itself, shared (the parser's index reads field values in it).
    pub(super) fn shared(&self) -> Arc<str> {
        Arc::clone(&self.0)
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The JSON text, owned.
    pub fn into_string(self) -> String {
        self.0.to_string()
    }

    /// The JSON as a `serde_json` value (parses the text; for tests and tools, not hot paths).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl From<Value> for RawJson {
    fn from(value: Value) -> Self {
        RawJson(Arc::from(value.to_string()))
    }
}

impl From<&Value> for RawJson {
    fn from(value: &Value) -> Self {
        RawJson(Arc::from(value.to_string()))
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({})", self.0)
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A range of the record's JSON ([`Values::json`]), or of [`Values::own`] when `start` has
/// the [`Piece::OWN`] bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Piece {
    pub(super) start: u32,
    pub(super) end: u32,
}

impl Piece {
    /// Set in `start`: the piece lies in [`Values::own`].
    pub(super) const OWN: u32 = 1 << 31;
}

/// One field the parser indexed: a child of the record, or a child of a sublist row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Slot {
    /// The element's local name.
    pub(super) name: Piece,
    /// [`name_tag`] of it: most names are told apart by it alone.
    pub(super) tag: u32,
    /// Its text (a leaf), or its `value` text when it also has attributes or children.
    pub(super) text: Option<Piece>,
    /// Its `internalId` attribute (a `RecordRef`).
    pub(super) id: Option<Piece>,
    /// The text of its `name` child (a `RecordRef`).
    pub(super) ref_name: Option<Piece>,
}

/// One row of a sublist of the record (`expenseList/expense`, `subsidiaryList/recordRef`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Row {
    /// The list's local name (`expenseList`).
    pub(super) list: Piece,
    /// The row's local name (`expense`).
    pub(super) name: Piece,
    /// The row's `internalId` attribute (rows that are `RecordRef`s).
    pub(super) id: Option<Piece>,
    /// The text of the row's `name` child (rows that are `RecordRef`s).
    pub(super) ref_name: Option<Piece>,
    /// Its fields: `row_slots[first..end]`.
    pub(super) first: u32,
    pub(super) end: u32,
}

/// The flat index of a record's field values, filled in the parsing pass: the names and texts
/// of the record's children and of its sublist rows' children. A name or text is read where
/// the parser wrote it in the record's JSON, when it stands there as it is (most do: JSON
/// escapes only quotes, backslashes and controls); the others are copied into `own`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Values {
    /// The JSON the parser wrote for the record (shared with `raw` when that is it).
    pub(super) json: Arc<str>,
    /// Texts not found as they are in `json`.
    pub(super) own: String,
    /// The record's fields.
    pub(super) slots: Vec<Slot>,
    pub(super) rows: Vec<Row>,
    /// The rows' fields, row after row.
    pub(super) row_slots: Vec<Slot>,
}

/// A field name's length, first, middle and last bytes in one word, compared before the name.
#[inline]
pub(super) fn name_tag(name: &[u8]) -> u32 {
    match name {
        [] => 0,
        [first, .., last] | [first @ last] => {
            (name.len() as u32) << 24
                | u32::from(*first) << 16
                | u32::from(name[name.len() / 2]) << 8
                | u32::from(*last)
        }
    }
}

impl Values {
    /// The text a piece lies in (the JSON, or `own` when it has the [`Piece::OWN`] bit), and
    /// its range there.
    fn locate(&self, p: Piece) -> (&str, std::ops::Range<usize>) {
        let (text, start) =
            if p.start & Piece::OWN != 0 { (self.own.as_str(), p.start & !Piece::OWN) } else { (&*self.json, p.start) };
        (text, start as usize..p.end as usize)
    }

    fn get(&self, p: Piece) -> &str {
        let (text, range) = self.locate(p);
        text.get(range).unwrap_or("")
    }

    /// The bytes of a piece, for comparing (no check that it falls on characters).
    fn bytes(&self, p: Piece) -> &[u8] {
        let (text, range) = self.locate(p);
        text.as_bytes().get(range).unwrap_or_default()
    }

    fn find<'v>(&'v self, slots: &'v [Slot], name: &str) -> Option<&'v Slot> {
        let tag = name_tag(name.as_bytes());
        slots.iter().find(|s| s.tag == tag && same_name(self.bytes(s.name), name.as_bytes()))
    }

    fn slot(&self, name: &str) -> Option<&Slot> {
        self.find(&self.slots, name)
    }

    fn row_slot(&self, row: &Row, name: &str) -> Option<&Slot> {
        self.find(self.row_slots.get(row.first as usize..row.end as usize).unwrap_or(&[]), name)
    }
}

/// A record as found in a page: type, ids, the whole record as JSON text, and its fields'
/// values indexed for typed reading.
#[derive(Clone, Debug)]
pub struct RawRecord {
    /// `xsi:type` local name, e.g. `Vendor` or `VendorBill`.
    pub record_type: CompactString,
    /// `internalId` attribute.
    pub internal_id: CompactString,
    /// `externalId` attribute, if any.
    pub external_id: Option<CompactString>,
    /// The whole record as JSON (every field, custom fields included; ids and type too).
    pub raw: RawJson,
    /// Where the record's XML lies in the response body (byte offsets), to keep a record
    /// that cannot be read ([`RawRecord::xml_in`]).
    pub span: (usize, usize),
    /// Why the record cannot be read even before conversion (XML 1.0 forbidden characters in
    /// its text), if so.
    pub defect: Option<String>,
    pub(super) values: Values,
    /// `raw` parsed, on first use of [`RawRecord::fields`].
    fields: OnceLock<Map<String, Value>>,
}

impl PartialEq for RawRecord {
    fn eq(&self, other: &Self) -> bool {
        (&self.record_type, &self.internal_id, &self.external_id, &self.raw, self.span, &self.defect)
            == (&other.record_type, &other.internal_id, &other.external_id, &other.raw, other.span, &other.defect)
    }
}

/// One row of a record's sublist, as the parser indexed it.
#[derive(Clone, Copy, Debug)]
pub struct SublistRow<'a> {
    values: &'a Values,
    row: &'a Row,
}

impl<'a> SublistRow<'a> {
    fn slot(&self, name: &str) -> Option<&'a Slot> {
        self.values.row_slot(self.row, name)
    }

    /// A text field of the row.
    pub fn text(&self, name: &str) -> Option<&'a str> {
        self.slot(name)?.text.map(|p| self.values.get(p))
    }

    /// The `name` of a `RecordRef` field of the row.
    pub fn ref_name(&self, name: &str) -> Option<&'a str> {
        self.slot(name)?.ref_name.map(|p| self.values.get(p))
    }

    /// The `internalId` of a `RecordRef` field of the row.
    pub fn ref_id(&self, name: &str) -> Option<&'a str> {
        self.slot(name)?.id.map(|p| self.values.get(p))
    }

    /// The row's own `name` child, when the row is a `RecordRef` (`subsidiaryList/recordRef`).
    pub fn own_name(&self) -> Option<&'a str> {
        self.row.ref_name.map(|p| self.values.get(p))
    }

    /// The row's own `internalId`, when the row is a `RecordRef`.
    pub fn own_id(&self) -> Option<&'a str> {
        self.row.id.map(|p| self.values.get(p))
    }
}

impl RawRecord {
    /// A record as the parser read it.
    pub(super) fn new(
        record_type: CompactString,
        internal_id: CompactString,
        external_id: Option<CompactString>,
        raw: RawJson,
        values: Values,
        span: (usize, usize),
        defect: Option<String>,
    ) -> Self {
        RawRecord { record_type, internal_id, external_id, raw, span, defect, values, fields: OnceLock::new() }
    }

    /// Its XML as NetSuite sent it, from `body`, the answer its `span` points into.
    pub fn xml_in(&self, body: &[u8]) -> String {
        let (from, to) = self.span;
        body.get(from..to).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
    }

    /// Its index, given back to the parser that lent it (see `parse::RecordBuilder::hand_over`).
    pub(super) fn into_values(self) -> Values {
        self.values
    }

    /// Every field as JSON (the record's children; ids and type are the struct's fields),
    /// parsed from [`RawRecord::raw`] on first use. For tests and tools: typed reading uses
    /// the index the parser filled ([`RawRecord::text`] and the like).
    pub fn fields(&self) -> &Map<String, Value> {
        self.fields.get_or_init(|| {
            let mut m = match serde_json::from_str::<Value>(self.raw.as_str()) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            for k in ["@type", "internalId", "externalId"] {
                m.remove(k);
            }
            m
        })
    }

    fn slot(&self, name: &str) -> Option<&Slot> {
        self.values.slot(name)
    }

    /// A text field.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.slot(name)?.text.map(|p| self.values.get(p))
    }

    /// A boolean field (`true`/`false`/`1`/`0`).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, WireError> {
        self.text(name)
            .map(|t| match trim(t) {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                other => Err(self.bad(name, other)),
            })
            .transpose()
    }

    /// An `xsd:dateTime` field, converted to UTC.
    pub fn datetime(&self, name: &str) -> Result<Option<DateTime<Utc>>, WireError> {
        self.text(name).map(|t| parse_datetime(t).ok_or_else(|| self.bad(name, t))).transpose()
    }

    /// The `name` of a `RecordRef` field.
    pub fn ref_name(&self, name: &str) -> Option<&str> {
        self.slot(name)?.ref_name.map(|p| self.values.get(p))
    }

    /// The `internalId` of a `RecordRef` field.
    pub fn ref_id(&self, name: &str) -> Option<&str> {
        self.slot(name)?.id.map(|p| self.values.get(p))
    }

    /// The whole record as one JSON value (ids and type included).
    pub fn to_json(&self) -> Value {
        self.raw.to_value()
    }

    /// The rows of a sublist such as `expenseList`/`expense`, in document order.
    pub fn sublist<'a>(&'a self, list: &'a str, row: &'a str) -> impl Iterator<Item = SublistRow<'a>> + 'a {
        let values = &self.values;
        values
            .rows
            .iter()
            .filter(move |r| values.get(r.list) == list && values.get(r.name) == row)
            .map(move |r| SublistRow { values, row: r })
    }

    fn bad(&self, field: &str, value: &str) -> WireError {
        WireError::Malformed(format!(
            "{} {}: field {field} has an unreadable value {value:?}",
            self.record_type, self.internal_id
        ))
    }
}

/// `s` without the white space around it, as `str::trim` gives it; looked for only when an
/// end is not a plain letter or digit (NetSuite's values seldom have any).
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() => s,
        _ => s.trim(),
    }
}

/// Parses an `xsd:dateTime` as NetSuite sends it (`2017-10-03T11:20:00.000-07:00`, `Z`, or
/// without a zone, which is read as UTC).
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = trim(s);
    if let Some(dt) = netsuite_datetime(s.as_bytes()) {
        return Some(dt);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc())
}

/// The form NetSuite writes, read by hand (chrono's RFC 3339 parser costs more than the rest
/// of a vendor): `YYYY-MM-DDTHH:MM:SS`, optional `.` and 1 to 9 fraction digits, then `Z` or
/// `±HH:MM`. `None` for anything else, which [`parse_datetime`] hands to chrono.
fn netsuite_datetime(b: &[u8]) -> Option<DateTime<Utc>> {
    // `YYYY-MM-DDTHH:MM:SS`: fixed places, read in one look.
    let head: &[u8; 19] = b.get(..19)?.try_into().ok()?;
    let mut bad = head[4] != b'-' || head[7] != b'-' || head[10] != b'T' || head[13] != b':' || head[16] != b':';
    let mut d = [0u32; 19];
    for (i, &c) in head.iter().enumerate() {
        d[i] = u32::from(c.wrapping_sub(b'0'));
    }
    for i in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] {
        bad |= d[i] > 9;
    }
    if bad {
        return None;
    }
    let year = (d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]) as i32;
    let (month, day) = (d[5] * 10 + d[6], d[8] * 10 + d[9]);
    let (h, mi, sec) = (d[11] * 10 + d[12], d[14] * 10 + d[15], d[17] * 10 + d[18]);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > month_days || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    // Then `.` and 1 to 9 fraction digits, if any.
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let [b'.', tail @ ..] = rest {
        let digits = tail.iter().take(10).take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        let mut scale = 100_000_000;
        for &c in &tail[..digits] {
            nanos += u32::from(c - b'0') * scale;
            scale /= 10;
        }
        rest = &tail[digits..];
    }
    // Then `Z` or `±HH:MM`.
    let offset = match *rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| {
                let (a, b) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
                (a <= 9 && b <= 9).then(|| u32::from(a) * 10 + u32::from(b))
            };
            let (oh, om) = (two(h1, h2)?, two(m1, m2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = i64::from(oh * 3600 + om * 60);
            if sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let local = i64::from(days_from_civil(year, month, day)) * 86_400 + i64::from(h * 3600 + mi * 60 + sec);
    DateTime::from_timestamp(local - offset, nanos)
}

/// Days from 1970-01-01 to a valid proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A vendor: a LeanIX "service".
#[derive(Clone, Debug, PartialEq)]
pub struct Vendor {
    /// NetSuite internal id.
    pub internal_id: CompactString,
    /// External id, if set.
    pub external_id: Option<CompactString>,
    /// `entityId`: the vendor's id as users see it.
    pub entity_id: Option<CompactString>,
    /// `companyName`, falling back to first and last name for a person vendor.
    pub company_name: Option<CompactString>,
    /// `email`.
    pub email: Option<CompactString>,
    /// `url`.
    pub url: Option<CompactString>,
    /// Name of the `category` RecordRef.
    pub category: Option<CompactString>,
    /// Name of the `currency` RecordRef.
    pub currency: Option<CompactString>,
    /// Name of the `subsidiary` RecordRef.
    pub subsidiary: Option<CompactString>,
    /// `isInactive` (absent means active).
    pub is_inactive: bool,
    /// `dateCreated`.
    pub date_created: Option<DateTime<Utc>>,
    /// `lastModifiedDate`.
    pub last_modified: Option<DateTime<Utc>>,
    /// The whole record.
    pub raw: RawJson,
}

impl TryFrom<&RawRecord> for Vendor {
    type Error = WireError;

    fn try_from(r: &RawRecord) -> Result<Self, WireError> {
        if r.record_type != "Vendor" {
            return Err(WireError::UnexpectedRecord { expected: "Vendor", found: r.record_type.to_string() });
        }
        if r.internal_id.is_empty() {
            return Err(WireError::Malformed("Vendor record without internalId".into()));
        }
        // Read only for a vendor without a company name.
        let person_name = || match (r.text("firstName"), r.text("lastName")) {
            (Some(f), Some(l)) => Some(compact_str::format_compact!("{f} {l}")),
            (Some(n), None) | (None, Some(n)) => Some(CompactString::from(n)),
            (None, None) => None,
        };
        Ok(Vendor {
            internal_id: r.internal_id.clone(),
            external_id: r.external_id.clone(),
            entity_id: r.text("entityId").map(CompactString::from),
            company_name: r.text("companyName").map(CompactString::from).or_else(person_name),
            email: r.text("email").map(CompactString::from),
            url: r.text("url").map(CompactString::from),
            category: r.ref_name("category").map(CompactString::from),
            currency: r.ref_name("currency").map(CompactString::from),
            subsidiary: r.ref_name("subsidiary").map(CompactString::from),
            is_inactive: r.boolean("isInactive")?.unwrap_or(false),
            date_created: r.datetime("dateCreated")?,
            last_modified: r.datetime("lastModifiedDate")?,
            raw: r.raw.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_keep_their_instant() {
        let t = parse_datetime("2017-10-03T11:20:00.000-07:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2017-10-03T18:20:00+00:00");
        assert!(parse_datetime("2017-10-03").is_none());
        assert_eq!(parse_datetime("2017-10-03T11:20:00Z").unwrap().to_rfc3339(), "2017-10-03T11:20:00+00:00");
    }

    #[test]
    fn values_are_trimmed_as_str_trim_trims_them() {
        for s in ["", " ", "a", "1.5", " 1.5", "1.5 ", "\t2017\n", "\u{a0}7\u{a0}", "x\u{2003}", "é", "-1", "1."] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    /// The hand-read form gives chrono's instant for every string it accepts, and refuses
    /// what chrono refuses.
    #[test]
    fn hand_read_datetimes_agree_with_chrono() {
        let mut cases = vec![
            "2017-10-03T11:20:00.000-07:00".to_string(),
            "2017-10-03T11:20:00Z".into(),
            "2017-10-03T11:20:00.5+05:30".into(),
            "2017-10-03T11:20:00.123456789+14:00".into(),
            "2024-02-29T23:59:59.999-12:00".into(),
            "2023-12-31T23:30:00.000-01:00".into(),
            "0001-01-01T00:00:00.000+01:00".into(),
        ];
        let bad = [
            "2023-02-29T00:00:00Z",
            "2017-10-03T24:00:00Z",
            "2017-10-03T11:60:00Z",
            "2017-10-03T11:20:00.Z",
            "2017-10-03T11:20:00.1234567890Z",
            "2017-10-03T11:20:00+7:00",
            "2017-10-03T11:20:00-07:0",
            "2017-10-03T11:20:00-07:60",
            "2017-10-03T11:20:00z ",
            "2017-10-03 11:20:00Z",
            "2017-1a-03T11:20:00Z",
            "2017-10-03T11:20:00Zjunk",
            "2017-10-03T11:20:00-0a:00",
            "2017-10-03T11:20:00+07:a0",
            "2017-10-03T11:20:00.12a-07:00",
            "2017-10-03T11:20:0",
            "2017-10-03T11:2/:00Z",
            "2017-13-03T11:20:00Z",
            "2017-00-03T11:20:00Z",
            "2017-10-00T11:20:00Z",
        ];
        cases.extend(bad.iter().map(|s| s.to_string()));
        for s in &cases {
            let chrono = DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc));
            let ours = netsuite_datetime(s.as_bytes());
            if ours.is_some() {
                assert_eq!(ours, chrono, "{s}");
            }
            if chrono.is_none() {
                assert_eq!(ours, None, "{s}");
            }
        }
        for s in cases.iter().take(7) {
            assert!(netsuite_datetime(s.as_bytes()).is_some(), "the hand reader takes NetSuite's form: {s}");
        }
    }
}

/// Reads an `xsd:double` as an exact decimal: `150.0`, `-12.5`, or `1.5E7` as NetSuite may
/// write large values. Never goes through a float.
pub fn parse_decimal(s: &str) -> Option<rust_decimal::Decimal> {
    let s = trim(s);
    s.parse::<rust_decimal::Decimal>().ok().or_else(|| rust_decimal::Decimal::from_scientific(s).ok())
}

/// The calendar date of an `xsd:dateTime` as written, ignoring its offset: NetSuite sends
/// date fields such as `tranDate` as local midnight (`2017-10-02T00:00:00.000-07:00`), and
/// the date is what they mean.
pub fn parse_date(s: &str) -> Option<chrono::NaiveDate> {
    // `YYYY-MM-DD`, read by hand: chrono's format parser costs more than the rest of a line.
    let b = trim(s).as_bytes().get(..10)?;
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

impl RawRecord {
    /// An exact decimal field.
    pub fn decimal(&self, name: &str) -> Result<Option<rust_decimal::Decimal>, WireError> {
        self.text(name).map(|t| parse_decimal(t).ok_or_else(|| self.bad(name, t))).transpose()
    }

    /// A date field (the date as written).
    pub fn date(&self, name: &str) -> Result<Option<chrono::NaiveDate>, WireError> {
        self.text(name).map(|t| parse_date(t).ok_or_else(|| self.bad(name, t))).transpose()
    }
}

fn row_decimal(r: &RawRecord, row: &SublistRow<'_>, name: &str) -> Result<Option<rust_decimal::Decimal>, WireError> {
    row.text(name).map(|t| parse_decimal(t).ok_or_else(|| r.bad(name, t))).transpose()
}

/// What a vendor-side transaction means for spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpendRole {
    /// Money owed or paid for goods and services: bills and checks.
    Expense,
    /// Money coming back: vendor credits and returns (signed negative).
    Credit,
    /// A commitment to buy: purchase orders.
    Commitment,
    /// The settlement of earlier bills: vendor payments (not spend again).
    Settlement,
}

impl SpendRole {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SpendRole::Expense => "expense",
            SpendRole::Credit => "credit",
            SpendRole::Commitment => "commitment",
            SpendRole::Settlement => "settlement",
        }
    }
}

/// The vendor-side transaction types of the 2017_2 `TransactionType` enum that carry vendor
/// information, with their record type and spend role. 2017_2 has no credit-card-charge
/// transaction type, so those cannot be searched on this endpoint version.
pub const VENDOR_TRANSACTION_TYPES: &[(&str, &str, SpendRole)] = &[
    ("_vendorBill", "VendorBill", SpendRole::Expense),
    ("_check", "Check", SpendRole::Expense),
    ("_purchaseOrder", "PurchaseOrder", SpendRole::Commitment),
    ("_vendorCredit", "VendorCredit", SpendRole::Credit),
    ("_vendorReturnAuthorization", "VendorReturnAuthorization", SpendRole::Credit),
    ("_vendorPayment", "VendorPayment", SpendRole::Settlement),
];

/// One line of a transaction (`expenseList/expense`, `itemList/item` or
/// `applyList/apply`).
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionLine {
    /// `expense`, `item` or `apply`.
    pub kind: &'static str,
    /// `line`, or the position in the sublist (from 1) when absent.
    pub line: i32,
    /// `account` name.
    pub account: Option<CompactString>,
    /// `item` name (item lines).
    pub item: Option<CompactString>,
    /// `category` name (expense lines).
    pub category: Option<CompactString>,
    /// `amount`, exact.
    pub amount: Option<rust_decimal::Decimal>,
    /// `memo` (or `description` for items).
    pub memo: Option<CompactString>,
    /// `department` name.
    pub department: Option<CompactString>,
    /// `class` name.
    pub class: Option<CompactString>,
}

/// A vendor-side transaction: a LeanIX invoice.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    /// `xsi:type` (`VendorBill`, `PurchaseOrder`...).
    pub record_type: CompactString,
    /// Spend role of the type.
    pub role: SpendRole,
    /// NetSuite internal id.
    pub internal_id: CompactString,
    /// `tranId` (the document number users see).
    pub tran_id: Option<CompactString>,
    /// `tranDate`, as a date.
    pub tran_date: Option<chrono::NaiveDate>,
    /// `entity` internal id: the vendor.
    pub vendor_id: Option<CompactString>,
    /// `entity` name.
    pub vendor_name: Option<CompactString>,
    /// The total as NetSuite sends it (`userTotal` or `total`), exact.
    pub total: Option<rust_decimal::Decimal>,
    /// The total signed for spend: credits negative.
    pub amount: Option<rust_decimal::Decimal>,
    /// `currency` name (or `currencyName`).
    pub currency: Option<CompactString>,
    /// `exchangeRate`.
    pub exchange_rate: Option<rust_decimal::Decimal>,
    /// `subsidiary` name.
    pub subsidiary: Option<CompactString>,
    /// `department` name.
    pub department: Option<CompactString>,
    /// `memo`.
    pub memo: Option<CompactString>,
    /// `status`.
    pub status: Option<CompactString>,
    /// `dueDate`, as a date.
    pub due_date: Option<chrono::NaiveDate>,
    /// `postingPeriod` name.
    pub posting_period: Option<CompactString>,
    /// `createdDate`.
    pub created: Option<DateTime<Utc>>,
    /// `lastModifiedDate`.
    pub last_modified: Option<DateTime<Utc>>,
    /// Lines, when the search asked for sublists.
    pub lines: Vec<TransactionLine>,
    /// The whole record.
    pub raw: RawJson,
}

impl Transaction {
    /// Reads a vendor-side transaction; `Ok(None)` for a record of another type (a plain
    /// transaction search returns every type the role may see).
    pub fn from_raw(r: &RawRecord) -> Result<Option<Self>, WireError> {
        let Some(&(_, _, role)) = VENDOR_TRANSACTION_TYPES.iter().find(|(_, name, _)| *name == r.record_type) else {
            return Ok(None);
        };
        Self::read(r, role).map(Some)
    }

    /// Reads any transaction record (header and `expenseList`/`itemList`/`applyList` lines)
    /// with the given spend role, whatever its type: the same shape serves sales invoices,
    /// bills and credits.
    pub fn read(r: &RawRecord, role: SpendRole) -> Result<Self, WireError> {
        let total = match r.decimal("userTotal")? {
            Some(t) => Some(t),
            None => r.decimal("total")?,
        };
        let amount = total.map(|t| if role == SpendRole::Credit { -t.abs() } else { t });
        // Room for every row of the record's lists (most are lines): one allocation.
        let mut lines = Vec::with_capacity(r.values.rows.len());
        // An `apply` row's `line` is the line of the document it pays (0 for a whole bill),
        // not a key of the payment's applications: two bills paid at once would both be line
        // 0 and one would be lost. Applications are numbered by their position instead.
        let mut applied = 0;
        for (list, row_name, kind) in
            [("expenseList", "expense", "expense"), ("itemList", "item", "item"), ("applyList", "apply", "apply")]
        {
            for (i, row) in r.sublist(list, row_name).enumerate() {
                if kind == "apply" && row.text("apply") == Some("false") {
                    continue;
                }
                let line = match row.text("line") {
                    _ if kind == "apply" => {
                        applied += 1;
                        applied
                    }
                    Some(l) => trim(l).parse().map_err(|_| r.bad("line", l))?,
                    None => i as i32 + 1,
                };
                lines.push(TransactionLine {
                    kind,
                    line,
                    account: row.ref_name("account").map(CompactString::from),
                    item: row.ref_name("item").map(CompactString::from),
                    category: row.ref_name("category").map(CompactString::from),
                    amount: row_decimal(r, &row, "amount")?,
                    memo: row.text("memo").or_else(|| row.text("description")).map(CompactString::from),
                    department: row.ref_name("department").map(CompactString::from),
                    class: row.ref_name("class").map(CompactString::from),
                });
            }
        }
        Ok(Transaction {
            record_type: r.record_type.clone(),
            role,
            internal_id: r.internal_id.clone(),
            tran_id: r.text("tranId").map(CompactString::from),
            tran_date: r.date("tranDate")?,
            vendor_id: r.ref_id("entity").map(CompactString::from),
            vendor_name: r.ref_name("entity").map(CompactString::from),
            total,
            amount,
            currency: r.ref_name("currency").or_else(|| r.text("currencyName")).map(CompactString::from),
            exchange_rate: r.decimal("exchangeRate")?,
            subsidiary: r.ref_name("subsidiary").map(CompactString::from),
            department: r.ref_name("department").map(CompactString::from),
            memo: r.text("memo").map(CompactString::from),
            status: r.text("status").map(CompactString::from),
            due_date: r.date("dueDate")?,
            posting_period: r.ref_name("postingPeriod").map(CompactString::from),
            created: r.datetime("createdDate")?,
            last_modified: r.datetime("lastModifiedDate")?,
            lines,
            raw: r.raw.clone(),
        })
    }
}

/// One expense line of an expense report.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpenseLine {
    /// `line`, or the position (from 1).
    pub line: i32,
    /// `expenseDate`, as a date.
    pub expense_date: Option<chrono::NaiveDate>,
    /// `category` internal id.
    pub category_id: Option<CompactString>,
    /// `category` name as the line carries it.
    pub category_name: Option<CompactString>,
    /// `amount` (in the report's currency), exact.
    pub amount: Option<rust_decimal::Decimal>,
    /// `currency` name of the foreign amount.
    pub currency: Option<CompactString>,
    /// `foreignAmount`.
    pub foreign_amount: Option<rust_decimal::Decimal>,
    /// `exchangeRate`.
    pub exchange_rate: Option<rust_decimal::Decimal>,
    /// `memo`.
    pub memo: Option<CompactString>,
    /// `department` name.
    pub department: Option<CompactString>,
    /// Merchant or vendor: 2017_2 expense lines have no such field; `refNumber` is kept
    /// when present.
    pub ref_number: Option<CompactString>,
}

/// An expense report: a LeanIX cost.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpenseReport {
    /// NetSuite internal id.
    pub internal_id: CompactString,
    /// `tranId`.
    pub tran_id: Option<CompactString>,
    /// `entity` internal id: the employee.
    pub employee_id: Option<CompactString>,
    /// `entity` name.
    pub employee_name: Option<CompactString>,
    /// `tranDate`, as a date.
    pub tran_date: Option<chrono::NaiveDate>,
    /// `total`, exact.
    pub total: Option<rust_decimal::Decimal>,
    /// The lines' currency when they all share one (2017_2 reports have no header currency).
    pub currency: Option<CompactString>,
    /// `status`.
    pub status: Option<CompactString>,
    /// `department` name.
    pub department: Option<CompactString>,
    /// `memo`.
    pub memo: Option<CompactString>,
    /// `createdDate`.
    pub created: Option<DateTime<Utc>>,
    /// `lastModifiedDate`.
    pub last_modified: Option<DateTime<Utc>>,
    /// Expense lines, when the search asked for sublists.
    pub lines: Vec<ExpenseLine>,
    /// The whole record.
    pub raw: RawJson,
}

impl ExpenseReport {
    /// Reads an expense report; `Ok(None)` for another transaction type.
    pub fn from_raw(r: &RawRecord) -> Result<Option<Self>, WireError> {
        if r.record_type != "ExpenseReport" {
            return Ok(None);
        }
        let mut lines = Vec::new();
        for (i, row) in r.sublist("expenseList", "expense").enumerate() {
            let line = match row.text("line") {
                Some(l) => trim(l).parse().map_err(|_| r.bad("line", l))?,
                None => i as i32 + 1,
            };
            lines.push(ExpenseLine {
                line,
                expense_date: row.text("expenseDate").and_then(parse_date),
                category_id: row.ref_id("category").map(CompactString::from),
                category_name: row.ref_name("category").map(CompactString::from),
                amount: row_decimal(r, &row, "amount")?,
                currency: row.ref_name("currency").map(CompactString::from),
                foreign_amount: row_decimal(r, &row, "foreignAmount")?,
                exchange_rate: row_decimal(r, &row, "exchangeRate")?,
                memo: row.text("memo").map(CompactString::from),
                department: row.ref_name("department").map(CompactString::from),
                ref_number: row.text("refNumber").map(CompactString::from),
            });
        }
        let mut currencies = lines.iter().filter_map(|l| l.currency.as_deref());
        let currency = match currencies.next() {
            Some(first) if currencies.all(|c| c == first) => Some(CompactString::from(first)),
            _ => None,
        };
        Ok(Some(ExpenseReport {
            internal_id: r.internal_id.clone(),
            tran_id: r.text("tranId").map(CompactString::from),
            employee_id: r.ref_id("entity").map(CompactString::from),
            employee_name: r.ref_name("entity").map(CompactString::from),
            tran_date: r.date("tranDate")?,
            total: r.decimal("total")?,
            currency,
            status: r.text("status").map(CompactString::from),
            department: r.ref_name("department").map(CompactString::from),
            memo: r.text("memo").map(CompactString::from),
            created: r.datetime("createdDate")?,
            last_modified: r.datetime("lastModifiedDate")?,
            lines,
            raw: r.raw.clone(),
        }))
    }
}

/// An expense category, so cost lines carry a category name.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpenseCategory {
    /// NetSuite internal id.
    pub internal_id: CompactString,
    /// `name`.
    pub name: Option<CompactString>,
    /// `description`.
    pub description: Option<CompactString>,
    /// `isInactive`.
    pub is_inactive: bool,
    /// The whole record.
    pub raw: RawJson,
}

impl TryFrom<&RawRecord> for ExpenseCategory {
    type Error = WireError;

    fn try_from(r: &RawRecord) -> Result<Self, WireError> {
        if r.record_type != "ExpenseCategory" {
            return Err(WireError::UnexpectedRecord { expected: "ExpenseCategory", found: r.record_type.to_string() });
        }
        Ok(ExpenseCategory {
            internal_id: r.internal_id.clone(),
            name: r.text("name").map(CompactString::from),
            description: r.text("description").map(CompactString::from),
            is_inactive: r.boolean("isInactive")?.unwrap_or(false),
            raw: r.raw.clone(),
        })
    }
}

/// An employee (HRIS).
#[derive(Clone, Debug, PartialEq)]
pub struct Employee {
    /// NetSuite internal id.
    pub internal_id: CompactString,
    /// `entityId`.
    pub entity_id: Option<CompactString>,
    /// `firstName`.
    pub first_name: Option<CompactString>,
    /// `lastName`.
    pub last_name: Option<CompactString>,
    /// `email`.
    pub email: Option<CompactString>,
    /// `title`.
    pub title: Option<CompactString>,
    /// `department` internal id (links to departments).
    pub department_id: Option<CompactString>,
    /// `department` name.
    pub department_name: Option<CompactString>,
    /// `subsidiary` name.
    pub subsidiary: Option<CompactString>,
    /// `supervisor` internal id (another employee).
    pub supervisor_id: Option<CompactString>,
    /// `supervisor` name.
    pub supervisor_name: Option<CompactString>,
    /// `isInactive`.
    pub is_inactive: bool,
    /// `hireDate`, as a date.
    pub hire_date: Option<chrono::NaiveDate>,
    /// `releaseDate`, as a date.
    pub release_date: Option<chrono::NaiveDate>,
    /// `employeeType` name.
    pub employee_type: Option<CompactString>,
    /// `employeeStatus` name.
    pub employee_status: Option<CompactString>,
    /// `location` name.
    pub location: Option<CompactString>,
    /// `lastModifiedDate`.
    pub last_modified: Option<DateTime<Utc>>,
    /// The whole record.
    pub raw: RawJson,
}

impl TryFrom<&RawRecord> for Employee {
    type Error = WireError;

    fn try_from(r: &RawRecord) -> Result<Self, WireError> {
        if r.record_type != "Employee" {
            return Err(WireError::UnexpectedRecord { expected: "Employee", found: r.record_type.to_string() });
        }
        Ok(Employee {
            internal_id: r.internal_id.clone(),
            entity_id: r.text("entityId").map(CompactString::from),
            first_name: r.text("firstName").map(CompactString::from),
            last_name: r.text("lastName").map(CompactString::from),
            email: r.text("email").map(CompactString::from),
            title: r.text("title").map(CompactString::from),
            department_id: r.ref_id("department").map(CompactString::from),
            department_name: r.ref_name("department").map(CompactString::from),
            subsidiary: r.ref_name("subsidiary").map(CompactString::from),
            supervisor_id: r.ref_id("supervisor").map(CompactString::from),
            supervisor_name: r.ref_name("supervisor").map(CompactString::from),
            is_inactive: r.boolean("isInactive")?.unwrap_or(false),
            hire_date: r.date("hireDate")?,
            release_date: r.date("releaseDate")?,
            employee_type: r.ref_name("employeeType").map(CompactString::from),
            employee_status: r.ref_name("employeeStatus").map(CompactString::from),
            location: r.ref_name("location").map(CompactString::from),
            last_modified: r.datetime("lastModifiedDate")?,
            raw: r.raw.clone(),
        })
    }
}

/// A department (HRIS), with its parent so the hierarchy can be walked.
#[derive(Clone, Debug, PartialEq)]
pub struct Department {
    /// NetSuite internal id.
    pub internal_id: CompactString,
    /// `name`.
    pub name: Option<CompactString>,
    /// `parent` internal id.
    pub parent_id: Option<CompactString>,
    /// Names of the subsidiaries in `subsidiaryList`.
    pub subsidiaries: Vec<CompactString>,
    /// `isInactive`.
    pub is_inactive: bool,
    /// The whole record.
    pub raw: RawJson,
}

impl TryFrom<&RawRecord> for Department {
    type Error = WireError;

    fn try_from(r: &RawRecord) -> Result<Self, WireError> {
        if r.record_type != "Department" {
            return Err(WireError::UnexpectedRecord { expected: "Department", found: r.record_type.to_string() });
        }
        let subsidiaries = r
            .sublist("subsidiaryList", "recordRef")
            .filter_map(|row| row.own_name().map(CompactString::from))
            .collect();
        Ok(Department {
            internal_id: r.internal_id.clone(),
            name: r.text("name").map(CompactString::from),
            parent_id: r.ref_id("parent").map(CompactString::from),
            subsidiaries,
            is_inactive: r.boolean("isInactive")?.unwrap_or(false),
            raw: r.raw.clone(),
        })
    }
}

#[cfg(test)]
mod spend_tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn decimals_and_dates_are_exact() {
        assert_eq!(parse_decimal("150.0"), Some(Decimal::from_str("150.0").unwrap()));
        assert_eq!(parse_decimal("1.5E7"), Some(Decimal::from(15_000_000)));
        assert_eq!(parse_decimal("0.1").map(|d| d + Decimal::from_str("0.2").unwrap()), Decimal::from_str("0.3").ok());
        assert_eq!(parse_decimal("abc"), None);
        // Midnight in +02:00 is the previous day in UTC; the date as written is kept.
        assert_eq!(parse_date("2024-03-01T00:00:00.000+02:00"), chrono::NaiveDate::from_ymd_opt(2024, 3, 1));
        assert_eq!(parse_date(" 2024-02-29 "), chrono::NaiveDate::from_ymd_opt(2024, 2, 29));
        for bad in ["2023-02-29", "2024-13-01", "2024-3-01T00", "20x4-01-01", "2024/01/01", "2024-01-0", ""] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }
}
