//! The records other model files refer to: references (`RecordRef`) and vendors.

use chrono::{DateTime, Utc};

/// A reference to another record (`RecordRef`): internal id and display name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SimRef {
    /// `internalId` attribute.
    pub internal_id: String,
    /// `name` child.
    pub name: String,
}

impl SimRef {
    /// A reference from its parts.
    pub fn new(internal_id: impl Into<String>, name: impl Into<String>) -> Self {
        Self { internal_id: internal_id.into(), name: name.into() }
    }
}

/// A vendor as the simulated account holds it: the ground truth tests compare against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimVendor {
    /// Internal id (digits).
    pub internal_id: String,
    /// `entityId`, like `V00042`.
    pub entity_id: String,
    /// `companyName`; some need XML escaping or are not ASCII.
    pub company_name: String,
    /// `email`, when the vendor has one.
    pub email: Option<String>,
    /// `url`, when the vendor has one.
    pub url: Option<String>,
    /// `category`, when set.
    pub category: Option<SimRef>,
    /// `currency`.
    pub currency: SimRef,
    /// `subsidiary`.
    pub subsidiary: SimRef,
    /// `isInactive`.
    pub is_inactive: bool,
    /// `dateCreated` (whole seconds).
    pub date_created: DateTime<Utc>,
    /// `lastModifiedDate` (whole seconds), never before `date_created`.
    pub last_modified: DateTime<Utc>,
}
