//! Records with an unreadable field: a test marks a record corrupt
//! ([`crate::Simulator::corrupt_record`]) and every search page that shows it writes it
//! broken, until the mark is removed ([`crate::Simulator::uncorrupt_record`],
//! [`crate::Simulator::clear_corruptions`]). The record itself (the ground truth) is
//! unchanged.
//!
//! A corrupted record is written as usual, then its XML is altered byte-wise, so the damage
//! goes past the writer's escaping on purpose. The field is the first element of the record
//! whose local name is `field` (any prefix, any depth, in document order), or, for
//! `internalId`, the record's own attribute. A field the record does not have is left alone.

use std::io;

/// The writer responses are written with (quick-xml's, into memory).
type W = quick_xml::Writer<Vec<u8>>;

/// How a record's field is broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Corruption {
    /// The field's text becomes `not-a-date` (meant for dates such as `lastModifiedDate`,
    /// works on any text field).
    BadDate {
        /// Local name of the field, e.g. `lastModifiedDate`.
        field: String,
    },
    /// The field is left out: the element, or for `internalId` the record's attribute.
    MissingField {
        /// Local name of the field, e.g. `companyName` or `internalId`.
        field: String,
    },
    /// A raw U+0001 byte is written at the start of the field's text: a character XML 1.0
    /// forbids, so the body is no longer well-formed XML.
    ControlChar {
        /// Local name of a text field, e.g. `companyName`.
        field: String,
    },
}

impl Corruption {
    /// [`Corruption::BadDate`] of `field`.
    pub fn bad_date(field: impl Into<String>) -> Self {
        Corruption::BadDate { field: field.into() }
    }

    /// [`Corruption::MissingField`] of `field`.
    pub fn missing_field(field: impl Into<String>) -> Self {
        Corruption::MissingField { field: field.into() }
    }

    /// [`Corruption::ControlChar`] in `field`.
    pub fn control_char(field: impl Into<String>) -> Self {
        Corruption::ControlChar { field: field.into() }
    }

    /// Breaks the XML of one record (its whole `platformCore:record` element).
    pub(crate) fn apply(&self, mut xml: Vec<u8>) -> Vec<u8> {
        match self {
            Corruption::MissingField { field } if field == "internalId" => {
                if let Some((from, to)) = root_attribute(&xml, "internalId") {
                    xml.drain(from..to);
                }
            }
            Corruption::MissingField { field } => {
                if let Some(el) = find_element(&xml, field) {
                    xml.drain(el.start..el.end);
                }
            }
            Corruption::BadDate { field } => {
                if let Some(el) = find_element(&xml, field) {
                    match el.content {
                        Some((from, to)) => {
                            xml.splice(from..to, b"not-a-date".iter().copied());
                        }
                        None => {
                            let tag = format!("<{0}>not-a-date</{0}>", el.qname);
                            xml.splice(el.start..el.end, tag.into_bytes());
                        }
                    }
                }
            }
            Corruption::ControlChar { field } => {
                if let Some(el) = find_element(&xml, field) {
                    match el.content {
                        Some((from, _)) => xml.insert(from, 0x01),
                        None => {
                            let tag = format!("<{0}>\u{1}</{0}>", el.qname);
                            xml.splice(el.start..el.end, tag.into_bytes());
                        }
                    }
                }
            }
        }
        xml
    }
}

/// Where an element is in a record's XML.
struct Found {
    /// Its qualified name as written.
    qname: String,
    /// Index of its `<`.
    start: usize,
    /// Index after its end tag (or after `/>`).
    end: usize,
    /// Its content's range; `None` for an empty-element tag.
    content: Option<(usize, usize)>,
}

/// The first element after the root whose local name is `local`.
fn find_element(xml: &[u8], local: &str) -> Option<Found> {
    let mut i = 0;
    let mut first = true;
    while let Some(off) = xml.get(i..)?.iter().position(|b| *b == b'<') {
        let start = i + off;
        i = start + 1;
        if matches!(xml.get(i), Some(b'/' | b'?' | b'!')) {
            continue;
        }
        let name_end = i + xml.get(i..)?.iter().position(|b| matches!(b, b' ' | b'>' | b'/' | b'\t' | b'\n'))?;
        let qname = std::str::from_utf8(&xml[i..name_end]).ok()?;
        let local_name = qname.rsplit(':').next().unwrap_or(qname);
        // Attribute values are escaped, so the first `>` closes the tag.
        let gt = name_end + xml.get(name_end..)?.iter().position(|b| *b == b'>')?;
        if first {
            first = false;
            continue;
        }
        if local_name != local {
            continue;
        }
        if xml.get(gt.checked_sub(1)?) == Some(&b'/') {
            return Some(Found { qname: qname.to_string(), start, end: gt + 1, content: None });
        }
        let close = format!("</{qname}>");
        let from = gt + 1;
        let to = from + find(xml.get(from..)?, close.as_bytes())?;
        return Some(Found { qname: qname.to_string(), start, end: to + close.len(), content: Some((from, to)) });
    }
    None
}

/// The range of ` name="..."` in the root element's start tag.
fn root_attribute(xml: &[u8], name: &str) -> Option<(usize, usize)> {
    let open = xml.iter().position(|b| *b == b'<')?;
    let gt = open + xml.get(open..)?.iter().position(|b| *b == b'>')?;
    let needle = format!(" {name}=\"");
    let at = open + find(&xml[open..gt], needle.as_bytes())?;
    let value_start = at + needle.len();
    let quote = value_start + xml.get(value_start..gt)?.iter().position(|b| *b == b'"')?;
    Some((at, quote + 1))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Writes one record with `write`, then breaks it with each of `corruptions`.
pub(crate) fn write_record(
    w: &mut W,
    corruptions: Option<&Vec<Corruption>>,
    write: impl FnOnce(&mut W) -> io::Result<()>,
) -> io::Result<()> {
    let Some(cs) = corruptions.filter(|c| !c.is_empty()) else {
        return write(w);
    };
    let start = w.get_ref().len();
    write(w)?;
    let mut record = w.get_mut().split_off(start);
    for c in cs {
        record = c.apply(record);
    }
    w.get_mut().extend_from_slice(&record);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"<platformCore:record xmlns:listRel="urn:x" internalId="1042" xsi:type="listRel:Vendor"><listRel:entityId>V1</listRel:entityId><listRel:companyName>A &amp; B</listRel:companyName><listRel:lastModifiedDate>2024-01-01T00:00:00.000-08:00</listRel:lastModifiedDate><listRel:currency internalId="1"><platformCore:name>USD</platformCore:name></listRel:currency><listRel:url/></platformCore:record>"#;

    fn apply(c: Corruption) -> String {
        String::from_utf8(c.apply(RECORD.as_bytes().to_vec())).unwrap()
    }

    #[test]
    fn each_corruption_breaks_one_field() {
        let bad = apply(Corruption::bad_date("lastModifiedDate"));
        assert!(bad.contains("<listRel:lastModifiedDate>not-a-date</listRel:lastModifiedDate>"), "{bad}");
        let no_id = apply(Corruption::missing_field("internalId"));
        assert!(
            no_id.starts_with(r#"<platformCore:record xmlns:listRel="urn:x" xsi:type="listRel:Vendor">"#),
            "{no_id}"
        );
        assert!(no_id.contains(r#"<listRel:currency internalId="1">"#), "only the record's own id goes");
        let no_name = apply(Corruption::missing_field("companyName"));
        assert!(
            !no_name.contains("companyName")
                && no_name.contains("<listRel:entityId>V1</listRel:entityId><listRel:lastModifiedDate>")
        );
        let control = apply(Corruption::control_char("companyName"));
        assert!(control.contains("<listRel:companyName>\u{1}A &amp; B</listRel:companyName>"), "{control}");
        let empty = apply(Corruption::bad_date("url"));
        assert!(empty.contains("<listRel:url>not-a-date</listRel:url></platformCore:record>"), "{empty}");
        // The first element of that name, at any depth; a field the record lacks: unchanged.
        let nested = apply(Corruption::missing_field("name"));
        assert!(nested.contains(r#"<listRel:currency internalId="1"></listRel:currency>"#), "{nested}");
        assert_eq!(apply(Corruption::bad_date("colour")), RECORD);
        assert_eq!(apply(Corruption::missing_field("record")), RECORD, "never the record itself");
    }
}
