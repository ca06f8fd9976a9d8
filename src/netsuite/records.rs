//! Typed records parsed from search pages.
//!
//! The parser turns every `record` element into a [`RawRecord`]: its `xsi:type`, ids, and all
//! of its fields as JSON (kept whole in the database for fields not modelled). Typed records
//! such as [`Vendor`] are then read from the raw one: parse at the boundary, once.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::WireError;

/// A record as found in a page: type, ids, and every field as JSON.
///
/// Field values: text elements become strings (numbers stay strings, so money is never
/// rounded through a float); a `RecordRef` becomes `{"internalId": .., "name": ..}`; `*List`
/// sublists become objects whose children are always arrays; `xsi:type` is kept as `@type`.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRecord {
    /// `xsi:type` local name, e.g. `Vendor` or `VendorBill`.
    pub record_type: String,
    /// `internalId` attribute.
    pub internal_id: String,
    /// `externalId` attribute, if any.
    pub external_id: Option<String>,
    /// All child elements.
    pub fields: Map<String, Value>,
}

impl RawRecord {
    /// A text field.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.fields.get(name)? {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => o.get("value").and_then(Value::as_str),
            _ => None,
        }
    }

    /// A boolean field (`true`/`false`/`1`/`0`).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, WireError> {
        self.text(name)
            .map(|t| match t.trim() {
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
        self.fields.get(name)?.get("name")?.as_str()
    }

    /// The `internalId` of a `RecordRef` field.
    pub fn ref_id(&self, name: &str) -> Option<&str> {
        self.fields.get(name)?.get("internalId")?.as_str()
    }

    /// The whole record as one JSON object (ids and type included), for the JSONB column.
    pub fn to_json(&self) -> Value {
        let mut m = Map::with_capacity(self.fields.len() + 3);
        m.insert("@type".into(), Value::String(self.record_type.clone()));
        m.insert("internalId".into(), Value::String(self.internal_id.clone()));
        if let Some(e) = &self.external_id {
            m.insert("externalId".into(), Value::String(e.clone()));
        }
        for (k, v) in &self.fields {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    fn bad(&self, field: &str, value: &str) -> WireError {
        WireError::Malformed(format!(
            "{} {}: field {field} has an unreadable value {value:?}",
            self.record_type, self.internal_id
        ))
    }
}

/// Parses an `xsd:dateTime` as NetSuite sends it (`2017-10-03T11:20:00.000-07:00`, `Z`, or
/// without a zone, which is read as UTC).
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc())
}

/// A vendor: a LeanIX "service".
#[derive(Clone, Debug, PartialEq)]
pub struct Vendor {
    /// NetSuite internal id.
    pub internal_id: String,
    /// External id, if set.
    pub external_id: Option<String>,
    /// `entityId`: the vendor's id as users see it.
    pub entity_id: Option<String>,
    /// `companyName`, falling back to first and last name for a person vendor.
    pub company_name: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `url`.
    pub url: Option<String>,
    /// Name of the `category` RecordRef.
    pub category: Option<String>,
    /// Name of the `currency` RecordRef.
    pub currency: Option<String>,
    /// Name of the `subsidiary` RecordRef.
    pub subsidiary: Option<String>,
    /// `isInactive` (absent means active).
    pub is_inactive: bool,
    /// `dateCreated`.
    pub date_created: Option<DateTime<Utc>>,
    /// `lastModifiedDate`.
    pub last_modified: Option<DateTime<Utc>>,
    /// The whole record.
    pub raw: Value,
}

impl TryFrom<&RawRecord> for Vendor {
    type Error = WireError;

    fn try_from(r: &RawRecord) -> Result<Self, WireError> {
        if r.record_type != "Vendor" {
            return Err(WireError::UnexpectedRecord { expected: "Vendor", found: r.record_type.clone() });
        }
        if r.internal_id.is_empty() {
            return Err(WireError::Malformed("Vendor record without internalId".into()));
        }
        let person_name = match (r.text("firstName"), r.text("lastName")) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(n), None) | (None, Some(n)) => Some(n.to_string()),
            (None, None) => None,
        };
        Ok(Vendor {
            internal_id: r.internal_id.clone(),
            external_id: r.external_id.clone(),
            entity_id: r.text("entityId").map(str::to_string),
            company_name: r.text("companyName").map(str::to_string).or(person_name),
            email: r.text("email").map(str::to_string),
            url: r.text("url").map(str::to_string),
            category: r.ref_name("category").map(str::to_string),
            currency: r.ref_name("currency").map(str::to_string),
            subsidiary: r.ref_name("subsidiary").map(str::to_string),
            is_inactive: r.boolean("isInactive")?.unwrap_or(false),
            date_created: r.datetime("dateCreated")?,
            last_modified: r.datetime("lastModifiedDate")?,
            raw: r.to_json(),
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
}
