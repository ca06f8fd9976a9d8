//! The organisation of a simulated account: departments ([`SimDepartment`]) with their
//! hierarchy, and employees ([`SimEmployee`]) with their supervisors. These are the ground
//! truth tests compare the `EmployeeSearchBasic` and `DepartmentSearchBasic` pages against.

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::records::SimRef;

/// A department (`listAcct:Department`) as the simulated account holds it.
///
/// `name` is the department's own short name ("Platform"); the hierarchy is given by
/// `parent_id` only, as on the record (the full path "Engineering : Platform" is the
/// client's to build). A parent always has a smaller internal id than its children, so the
/// hierarchy has no cycles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimDepartment {
    /// Internal id (digits). Departments are a list of their own: their ids may equal the
    /// ids of other record kinds.
    pub internal_id: String,
    /// `name`: the department's own name, without its parents' names; some need XML
    /// escaping.
    pub name: String,
    /// Internal id of the `parent` department; `None` for a top-level department.
    pub parent_id: Option<String>,
    /// `isInactive`. An inactive department has no children.
    pub is_inactive: bool,
    /// Names of the subsidiaries of `subsidiaryList` (one or more), in the account's
    /// subsidiary order. A child's subsidiaries are some of its parent's.
    pub subsidiaries: Vec<String>,
}

/// An employee (`listEmp:Employee`) as the simulated account holds it; also the `entity` of
/// expense reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimEmployee {
    /// Internal id (digits); employees and vendors share the entity id space, so no
    /// employee has a vendor's id.
    pub internal_id: String,
    /// `entityId`, like `EMP0042`.
    pub entity_id: String,
    /// `firstName`.
    pub first_name: String,
    /// `lastName`; some need XML escaping or are not ASCII.
    pub last_name: String,
    /// `email`.
    pub email: String,
    /// `title`, like "Senior Software Engineer" or "Head of Platform".
    pub title: String,
    /// `department`. When the account has generated departments
    /// ([`crate::AccountSpec::with_departments`]) it is one of them; otherwise it is one of
    /// eight fixed department references (ids 1 to 8) that no department search returns,
    /// as before departments were simulated.
    pub department: SimRef,
    /// Internal id of `department` (always set: every employee has a department).
    pub department_id: Option<String>,
    /// `subsidiary`: with generated departments, one of the department's subsidiaries.
    pub subsidiary: SimRef,
    /// The subsidiary's currency: the employee's `currency`, in which their expense reports
    /// are totalled.
    pub currency: SimRef,
    /// `location`: an office that goes with the subsidiary.
    pub location: SimRef,
    /// Internal id of the `supervisor`, another employee of the account. Supervisors form a
    /// tree: the head of the company has none, department heads report to the head of the
    /// nearest parent department that has one (or to the head of the company), everyone
    /// else reports to a lead or the head of their own department.
    pub supervisor_id: Option<String>,
    /// `employeeType`: Full-time, Part-time, Contractor or Intern.
    pub employee_type: SimRef,
    /// `employeeStatus`: Active or Leave of Absence for active employees, Terminated for
    /// inactive ones.
    pub employee_status: SimRef,
    /// `isInactive` (about 7% of generated employees). Inactive employees supervise nobody:
    /// generation and mutations keep it so.
    pub is_inactive: bool,
    /// `hireDate`: a calendar date (written as Pacific midnight of that date).
    pub hire_date: NaiveDate,
    /// `releaseDate`: set for inactive employees only, never before the hire date.
    pub release_date: Option<NaiveDate>,
    /// `dateCreated` (whole seconds).
    pub date_created: DateTime<Utc>,
    /// `lastModifiedDate` (whole seconds), never before `date_created`.
    pub last_modified: DateTime<Utc>,
}

impl SimEmployee {
    /// The name NetSuite shows in references: first and last name.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}
