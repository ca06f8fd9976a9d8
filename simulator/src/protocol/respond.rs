//! Response envelopes, written with quick-xml's writer so every value is escaped.
//!
//! Layouts follow the constructed 2017_2 samples in `shared/netsuite-samples/constructed`:
//! `documentInfo/nsId` in the header; `<searchResponse xmlns="urn:messages...">` (or
//! `searchMoreWithIdResponse`) holding `platformCore:searchResult`; records as
//! `platformCore:record xsi:type="listRel:Vendor"` (or the record's own type:
//! `listEmp:Employee`, `listAcct:Department`...) with their fields in the XSD's sequence
//! order; faults as `soapenv:Server.userException` with a `platformFaults:*Fault` detail and
//! the Axis `hostname`.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use crate::basics::datetime::format_xsd;
use crate::basics::ns::{self, SoapVersion};
use crate::model::corruption::write_record;
use crate::model::records::SimVendor;
use crate::protocol::respond_org::{department, employee};
use crate::protocol::respond_tx::{expense_category, transaction, Tables};
use crate::protocol::search::{Page, PageRows, SearchAnswer};
use crate::protocol::write::{leaf, record_ref, W};

/// The server name in fault details.
pub(crate) const HOSTNAME: &str = "netsuite-simulator.invalid";

/// A fault body used if writing one ever fails (it cannot when writing to memory).
const FALLBACK_FAULT: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault>"#,
    r#"<faultcode>soapenv:Server.userException</faultcode><faultstring>simulator could not write its response</faultstring>"#,
    r#"</soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
);

/// Which operation a paged result answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SearchOp {
    /// `search`.
    Search,
    /// `searchMoreWithId`.
    SearchMoreWithId,
    /// `getDeleted`.
    GetDeleted,
}

impl SearchOp {
    fn response_element(self) -> &'static str {
        match self {
            SearchOp::Search => "searchResponse",
            SearchOp::SearchMoreWithId => "searchMoreWithIdResponse",
            SearchOp::GetDeleted => "getDeletedResponse",
        }
    }

    /// The result element inside the response (`platformCore:searchResult`...).
    fn result_element(self) -> &'static str {
        match self {
            SearchOp::Search | SearchOp::SearchMoreWithId => "platformCore:searchResult",
            SearchOp::GetDeleted => "platformCore:getDeletedResult",
        }
    }
}

/// The `platformFaults:*Fault` detail of a fault.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FaultDetail<'a> {
    /// Local name of the detail element, e.g. `invalidCredentialsFault`.
    pub name: &'a str,
    /// Its `code`.
    pub code: &'a str,
    /// Its `message`.
    pub message: &'a str,
}

fn finish(result: io::Result<Vec<u8>>) -> Vec<u8> {
    result.unwrap_or_else(|_| FALLBACK_FAULT.as_bytes().to_vec())
}

/// An envelope with the given header and body content. `header` writes nothing for faults.
fn envelope(
    capacity: usize,
    header: impl FnOnce(&mut W) -> io::Result<()>,
    body: impl FnOnce(&mut W) -> io::Result<()>,
    with_header: bool,
) -> io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::with_capacity(capacity));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("soapenv:Envelope")
        .with_attributes([("xmlns:soapenv", ns::SOAPENV), ("xmlns:xsd", ns::XSD), ("xmlns:xsi", ns::XSI)])
        .write_inner_content(|w| {
            if with_header {
                w.create_element("soapenv:Header").write_inner_content(header)?;
            }
            w.create_element("soapenv:Body").write_inner_content(body)?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn document_info(w: &mut W, ns_id: &str, v: SoapVersion) -> io::Result<()> {
    w.create_element("platformMsgs:documentInfo")
        .with_attribute(("xmlns:platformMsgs", v.urns().messages))
        .write_inner_content(|w| leaf(w, "platformMsgs:nsId", ns_id))?;
    Ok(())
}

fn vendor(w: &mut W, v: &SimVendor, version: SoapVersion) -> io::Result<()> {
    // Vendor's sequence in lists.relationships.xsd: entityId, companyName, email, url,
    // isInactive, lastModifiedDate, dateCreated, category, ..., subsidiary, ..., currency.
    w.create_element("platformCore:record")
        .with_attributes([
            ("xmlns:listRel", version.urns().list_rel),
            ("internalId", v.internal_id.as_str()),
            ("xsi:type", "listRel:Vendor"),
        ])
        .write_inner_content(|w| {
            leaf(w, "listRel:entityId", &v.entity_id)?;
            leaf(w, "listRel:companyName", &v.company_name)?;
            if let Some(email) = &v.email {
                leaf(w, "listRel:email", email)?;
            }
            if let Some(url) = &v.url {
                leaf(w, "listRel:url", url)?;
            }
            leaf(w, "listRel:isInactive", if v.is_inactive { "true" } else { "false" })?;
            leaf(w, "listRel:lastModifiedDate", &format_xsd(v.last_modified))?;
            leaf(w, "listRel:dateCreated", &format_xsd(v.date_created))?;
            if let Some(c) = &v.category {
                record_ref(w, "listRel:category", c)?;
            }
            record_ref(w, "listRel:subsidiary", &v.subsidiary)?;
            record_ref(w, "listRel:currency", &v.currency)?;
            Ok(())
        })?;
    Ok(())
}

fn page_fields(w: &mut W, p: &Page, v: SoapVersion) -> io::Result<()> {
    w.create_element("platformCore:status").with_attribute(("isSuccess", "true")).write_empty()?;
    leaf(w, "platformCore:totalRecords", &p.total_records.to_string())?;
    leaf(w, "platformCore:pageSize", &p.page_size.to_string())?;
    leaf(w, "platformCore:totalPages", &p.total_pages.to_string())?;
    leaf(w, "platformCore:pageIndex", &p.page_index.to_string())?;
    leaf(w, "platformCore:searchId", &p.search_id)?;
    if p.rows.len() == 0 {
        return Ok(());
    }
    // Each record goes through `write_record`, which breaks the corrupted ones.
    let broken = |id: &str| p.corruptions.get(id);
    w.create_element("platformCore:recordList").write_inner_content(|w| match &p.rows {
        PageRows::Vendors(vs) => {
            vs.iter().try_for_each(|vend| write_record(w, broken(&vend.internal_id), |w| vendor(w, vend, v)))
        }
        PageRows::Transactions { rows, with_lines, categories, departments } => {
            let tables = Tables { categories, departments };
            rows.iter().try_for_each(|r| {
                write_record(w, broken(&r.txn.id.to_string()), |w| transaction(w, r, tables, *with_lines, v))
            })
        }
        PageRows::Employees(es) => {
            es.iter().try_for_each(|e| write_record(w, broken(&e.employee.internal_id), |w| employee(w, e, v)))
        }
        PageRows::Departments(ds) => {
            ds.iter().try_for_each(|d| write_record(w, broken(&d.department.internal_id), |w| department(w, d, v)))
        }
        PageRows::ExpenseCategories(cs) => {
            cs.iter().try_for_each(|c| write_record(w, broken(&c.internal_id), |w| expense_category(w, c, v)))
        }
    })?;
    Ok(())
}

pub(crate) fn error_status(w: &mut W, code: &str, message: &str) -> io::Result<()> {
    w.create_element("platformCore:status").with_attribute(("isSuccess", "false")).write_inner_content(|w| {
        w.create_element("platformCore:statusDetail").with_attribute(("type", "ERROR")).write_inner_content(|w| {
            leaf(w, "platformCore:code", code)?;
            leaf(w, "platformCore:message", message)
        })?;
        Ok(())
    })?;
    Ok(())
}

/// A `searchResponse` or `searchMoreWithIdResponse` carrying `answer` (or, for an error, a
/// `getDeletedResponse`), in the namespaces of `v`.
pub(crate) fn search_result(op: SearchOp, ns_id: &str, answer: &SearchAnswer, v: SoapVersion) -> Vec<u8> {
    let capacity = match answer {
        SearchAnswer::Page(Page { rows, .. }) => 2048 + rows.len() * 1500 + rows.lines() * 700,
        SearchAnswer::Error { .. } => 2048,
    };
    result_envelope(op, ns_id, capacity, v, |w| match answer {
        SearchAnswer::Page(p) => page_fields(w, p, v),
        SearchAnswer::Error { code, message } => error_status(w, code, message),
    })
}

/// The response of `op`: `documentInfo` in the header; in the body, the operation's response
/// element holding its result element, whose content `result` writes; in the namespaces of `v`.
pub(crate) fn result_envelope(
    op: SearchOp,
    ns_id: &str,
    capacity: usize,
    v: SoapVersion,
    result: impl FnOnce(&mut W) -> io::Result<()>,
) -> Vec<u8> {
    finish(envelope(
        capacity,
        |w| document_info(w, ns_id, v),
        |w| {
            w.create_element(op.response_element()).with_attribute(("xmlns", v.urns().messages)).write_inner_content(
                |w| {
                    w.create_element(op.result_element())
                        .with_attribute(("xmlns:platformCore", v.urns().core))
                        .write_inner_content(result)?;
                    Ok(())
                },
            )?;
            Ok(())
        },
        true,
    ))
}

/// A SOAP fault: `soapenv:Server.userException`, `faultstring`, and a detail holding the
/// NetSuite fault element (when given, in the faults namespace of `v`) and the server's hostname.
pub(crate) fn fault(faultstring: &str, detail: Option<FaultDetail<'_>>, v: SoapVersion) -> Vec<u8> {
    finish(envelope(
        1024,
        |_| Ok(()),
        |w| {
            w.create_element("soapenv:Fault").write_inner_content(|w| {
                leaf(w, "faultcode", "soapenv:Server.userException")?;
                leaf(w, "faultstring", faultstring)?;
                w.create_element("detail").write_inner_content(|w| {
                    if let Some(d) = detail {
                        let name = format!("platformFaults:{}", d.name);
                        w.create_element(name.as_str())
                            .with_attribute(("xmlns:platformFaults", v.urns().faults))
                            .write_inner_content(|w| {
                                leaf(w, "platformFaults:code", d.code)?;
                                leaf(w, "platformFaults:message", d.message)
                            })?;
                    }
                    w.create_element("ns1:hostname")
                        .with_attribute(("xmlns:ns1", "http://xml.apache.org/axis/"))
                        .write_text_content(BytesText::new(HOSTNAME))?;
                    Ok(())
                })?;
                Ok(())
            })?;
            Ok(())
        },
        false,
    ))
}

/// A `getDataCenterUrlsResponse` pointing every domain at `base_url`.
pub(crate) fn data_center_urls(ns_id: &str, base_url: &str, v: SoapVersion) -> Vec<u8> {
    finish(envelope(
        1024,
        |w| document_info(w, ns_id, v),
        |w| {
            w.create_element("getDataCenterUrlsResponse")
                .with_attribute(("xmlns", v.urns().messages))
                .write_inner_content(|w| {
                    w.create_element("platformCore:getDataCenterUrlsResult")
                        .with_attribute(("xmlns:platformCore", v.urns().core))
                        .write_inner_content(|w| {
                            w.create_element("platformCore:status")
                                .with_attribute(("isSuccess", "true"))
                                .write_empty()?;
                            w.create_element("platformCore:dataCenterUrls").write_inner_content(|w| {
                                leaf(w, "platformCore:restDomain", base_url)?;
                                leaf(w, "platformCore:webservicesDomain", base_url)?;
                                leaf(w, "platformCore:systemDomain", base_url)
                            })?;
                            Ok(())
                        })?;
                    Ok(())
                })?;
            Ok(())
        },
        true,
    ))
}

/// The HTML page a proxy sends for a 502.
pub(crate) const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
