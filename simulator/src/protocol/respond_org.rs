//! Writing employees (`listEmp:Employee`, `lists.employees.xsd`) and departments
//! (`listAcct:Department`, `lists.accounting.xsd`) into search pages, each field in its
//! XSD's sequence order.
//!
//! Employee: `entityId, firstName, lastName, email, isInactive, lastModifiedDate,
//! dateCreated, department, location, subsidiary, currency, supervisor, employeeType,
//! hireDate, releaseDate, title, employeeStatus` (`supervisor` and `releaseDate` only when
//! set; dates such as `hireDate` as Pacific midnight of the day).
//!
//! Department: `name, includeChildren, parent, isInactive, subsidiaryList` (`parent` only
//! for nested departments; `subsidiaryList` a `platformCore:RecordRefList` of
//! `platformCore:recordRef`). `name` is the department's own name; the `parent` reference
//! carries the parent's.

use std::io;

use crate::basics::datetime::{format_date, format_xsd};
use crate::basics::ns::SoapVersion;
use crate::model::generate::CURRENCIES;
use crate::model::records::SimRef;
use crate::protocol::search::{DepartmentRow, EmployeeRow};
use crate::protocol::write::{leaf, record_ref, W};

fn boolean(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// A `RecordRef` whose name may be unknown (then written without `name`).
fn maybe_named_ref(w: &mut W, name: &str, r: &SimRef) -> io::Result<()> {
    if r.name.is_empty() {
        w.create_element(name).with_attribute(("internalId", r.internal_id.as_str())).write_empty()?;
        Ok(())
    } else {
        record_ref(w, name, r)
    }
}

/// One employee as a `platformCore:record` of type `listEmp:Employee`.
pub(crate) fn employee(w: &mut W, row: &EmployeeRow, v: SoapVersion) -> io::Result<()> {
    let e = &row.employee;
    w.create_element("platformCore:record")
        .with_attributes([
            ("xmlns:listEmp", v.urns().list_emp),
            ("internalId", e.internal_id.as_str()),
            ("xsi:type", "listEmp:Employee"),
        ])
        .write_inner_content(|w| {
            leaf(w, "listEmp:entityId", &e.entity_id)?;
            leaf(w, "listEmp:firstName", &e.first_name)?;
            leaf(w, "listEmp:lastName", &e.last_name)?;
            leaf(w, "listEmp:email", &e.email)?;
            leaf(w, "listEmp:isInactive", boolean(e.is_inactive))?;
            leaf(w, "listEmp:lastModifiedDate", &format_xsd(e.last_modified))?;
            leaf(w, "listEmp:dateCreated", &format_xsd(e.date_created))?;
            record_ref(w, "listEmp:department", &e.department)?;
            record_ref(w, "listEmp:location", &e.location)?;
            record_ref(w, "listEmp:subsidiary", &e.subsidiary)?;
            record_ref(w, "listEmp:currency", &e.currency)?;
            if let Some(s) = &row.supervisor {
                maybe_named_ref(w, "listEmp:supervisor", s)?;
            }
            record_ref(w, "listEmp:employeeType", &e.employee_type)?;
            leaf(w, "listEmp:hireDate", &format_date(e.hire_date))?;
            if let Some(r) = e.release_date {
                leaf(w, "listEmp:releaseDate", &format_date(r))?;
            }
            leaf(w, "listEmp:title", &e.title)?;
            record_ref(w, "listEmp:employeeStatus", &e.employee_status)?;
            Ok(())
        })?;
    Ok(())
}

/// The reference to the subsidiary named `name` (without an id if the account has no such
/// subsidiary).
fn subsidiary_ref(name: &str) -> SimRef {
    let id = CURRENCIES.iter().find(|c| c.subsidiary.1 == name).map_or("", |c| c.subsidiary.0);
    SimRef::new(id, name)
}

/// One department as a `platformCore:record` of type `listAcct:Department`.
pub(crate) fn department(w: &mut W, row: &DepartmentRow, v: SoapVersion) -> io::Result<()> {
    let d = &row.department;
    w.create_element("platformCore:record")
        .with_attributes([
            ("xmlns:listAcct", v.urns().list_acct),
            ("internalId", d.internal_id.as_str()),
            ("xsi:type", "listAcct:Department"),
        ])
        .write_inner_content(|w| {
            leaf(w, "listAcct:name", &d.name)?;
            leaf(w, "listAcct:includeChildren", "false")?;
            if let Some(p) = &row.parent {
                maybe_named_ref(w, "listAcct:parent", p)?;
            }
            leaf(w, "listAcct:isInactive", boolean(d.is_inactive))?;
            if !d.subsidiaries.is_empty() {
                w.create_element("listAcct:subsidiaryList").write_inner_content(|w| {
                    for s in &d.subsidiaries {
                        record_ref(w, "platformCore:recordRef", &subsidiary_ref(s))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(())
}
