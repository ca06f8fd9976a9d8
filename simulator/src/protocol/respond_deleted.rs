//! Writing the `getDeleted` answer (`platform.messages.xsd` `GetDeletedResponse`,
//! `platform.core.xsd` `GetDeletedResult`):
//!
//! ```text
//! <getDeletedResponse xmlns="urn:messages_2017_2...">
//!   <platformCore:getDeletedResult>
//!     <platformCore:status isSuccess="true"/>
//!     totalRecords, pageSize, totalPages, pageIndex
//!     <platformCore:deletedRecordList>            (left out when the page is empty)
//!       <platformCore:deletedRecord>
//!         <platformCore:deletedDate>2024-06-01T05:00:00.000-07:00</platformCore:deletedDate>
//!         <platformCore:record internalId="1042" type="vendor" xsi:type="platformCore:RecordRef">
//!           <platformCore:name>Acme</platformCore:name>
//!         </platformCore:record>
//! ```
//!
//! `record` is declared as the abstract `BaseRef`, so it carries `xsi:type` `RecordRef`, whose
//! `type` attribute is a `RecordType` value (the deleted record's `DeletedRecordType` value is
//! one). An error answers the same result with `status isSuccess="false"`.

use std::io;

use crate::basics::datetime::format_xsd;
use crate::basics::ns::SoapVersion;
use crate::protocol::get_deleted::{DeletedAnswer, DeletedPage};
use crate::protocol::respond::{error_status, result_envelope, SearchOp};
use crate::protocol::write::{leaf, W};

fn page(w: &mut W, p: &DeletedPage) -> io::Result<()> {
    w.create_element("platformCore:status").with_attribute(("isSuccess", "true")).write_empty()?;
    leaf(w, "platformCore:totalRecords", &p.total_records.to_string())?;
    leaf(w, "platformCore:pageSize", &p.page_size.to_string())?;
    leaf(w, "platformCore:totalPages", &p.total_pages.to_string())?;
    leaf(w, "platformCore:pageIndex", &p.page_index.to_string())?;
    if p.rows.is_empty() {
        return Ok(());
    }
    w.create_element("platformCore:deletedRecordList").write_inner_content(|w| {
        for d in &p.rows {
            w.create_element("platformCore:deletedRecord").write_inner_content(|w| {
                leaf(w, "platformCore:deletedDate", &format_xsd(d.deleted_at))?;
                w.create_element("platformCore:record")
                    .with_attributes([
                        ("internalId", d.internal_id.as_str()),
                        ("type", d.record_type.as_str()),
                        ("xsi:type", "platformCore:RecordRef"),
                    ])
                    .write_inner_content(|w| leaf(w, "platformCore:name", &d.name))?;
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A `getDeletedResponse` carrying `answer`, in the namespaces of `v`.
pub(crate) fn get_deleted_result(ns_id: &str, answer: &DeletedAnswer, v: SoapVersion) -> Vec<u8> {
    match answer {
        DeletedAnswer::Page(p) => {
            result_envelope(SearchOp::GetDeleted, ns_id, 1024 + p.rows.len() * 400, v, |w| page(w, p))
        }
        DeletedAnswer::Error { code, message } => {
            result_envelope(SearchOp::GetDeleted, ns_id, 1024, v, |w| error_status(w, code, message))
        }
    }
}
