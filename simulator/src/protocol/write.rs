//! The writing helpers every answer shares: the writer, leaf elements and `RecordRef`s.

use std::io;

use quick_xml::events::BytesText;
use quick_xml::Writer;

use crate::model::records::SimRef;

/// The writer responses are written with.
pub(crate) type W = Writer<Vec<u8>>;

/// `<name>value</name>`.
pub(crate) fn leaf(w: &mut W, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(value))?;
    Ok(())
}

/// A `RecordRef` element: `internalId` attribute and `platformCore:name` child.
pub(crate) fn record_ref(w: &mut W, name: &str, r: &SimRef) -> io::Result<()> {
    w.create_element(name)
        .with_attribute(("internalId", r.internal_id.as_str()))
        .write_inner_content(|w| leaf(w, "platformCore:name", &r.name))?;
    Ok(())
}
