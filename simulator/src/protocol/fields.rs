//! Search field criteria (`SearchDateField`, `SearchBooleanField`, `SearchStringField`,
//! `SearchMultiSelectField` of `platform.core.xsd`): read from a search record's child and
//! evaluated against a value. Shared by every `*SearchBasic` the simulator knows.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::basics::datetime::{pacific_day, parse_xsd};
use crate::basics::ns;
use crate::basics::xml::Element;
use crate::protocol::request::parse_bool;

/// Why a criterion cannot be used; answered with a fault naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError(pub String);

fn err(field: &str, what: impl std::fmt::Display) -> FieldError {
    FieldError(format!("{field}: {what}"))
}

/// Why a `*SearchBasic` cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CriteriaError {
    /// Not a field of the type, or out of the XSD order: NetSuite's deserializer refuses it.
    InvalidElement(String),
    /// A field or value the simulator does not evaluate, or a malformed criterion.
    Field(FieldError),
}

impl CriteriaError {
    /// The fault text for a search record of type `search` (`VendorSearchBasic`).
    pub(crate) fn message(&self, search: &str) -> String {
        match self {
            CriteriaError::InvalidElement(name) => {
                format!("org.xml.sax.SAXException: Invalid element in com.netsuite.webservices.platform.common.{search} - {name}")
            }
            CriteriaError::Field(FieldError(m)) => format!("{search} {m}"),
        }
    }
}

impl From<FieldError> for CriteriaError {
    fn from(e: FieldError) -> Self {
        CriteriaError::Field(e)
    }
}

/// The children of a search record, checked against the type's XSD sequence `fields`: each
/// must be one of them, in the platformCommon namespace, in sequence order, at most once.
pub(crate) fn criteria_in_order<'a>(
    record: &'a Element,
    fields: &[&str],
) -> Result<Vec<(&'a str, &'a Element)>, CriteriaError> {
    let mut last_pos: Option<usize> = None;
    let mut out = Vec::with_capacity(record.children.len());
    for el in &record.children {
        let name = el.name.local.as_str();
        let pos = fields
            .iter()
            .position(|f| *f == name)
            .filter(|_| el.name.ns.as_deref() == Some(ns::COMMON))
            .ok_or_else(|| CriteriaError::InvalidElement(name.to_string()))?;
        if last_pos.is_some_and(|p| pos <= p) {
            return Err(CriteriaError::InvalidElement(name.to_string()));
        }
        last_pos = Some(pos);
        out.push((name, el));
    }
    Ok(out)
}

fn operator<'a>(el: &'a Element, field: &str) -> Result<&'a str, FieldError> {
    el.attr("operator").map(str::trim).ok_or_else(|| err(field, "the operator attribute is required"))
}

/// `SearchDateFieldOperator` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DateOp {
    After,
    Before,
    Empty,
    NotAfter,
    NotBefore,
    NotEmpty,
    NotOn,
    NotOnOrAfter,
    NotOnOrBefore,
    NotWithin,
    On,
    OnOrAfter,
    OnOrBefore,
    Within,
}

impl DateOp {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "after" => DateOp::After,
            "before" => DateOp::Before,
            "empty" => DateOp::Empty,
            "notAfter" => DateOp::NotAfter,
            "notBefore" => DateOp::NotBefore,
            "notEmpty" => DateOp::NotEmpty,
            "notOn" => DateOp::NotOn,
            "notOnOrAfter" => DateOp::NotOnOrAfter,
            "notOnOrBefore" => DateOp::NotOnOrBefore,
            "notWithin" => DateOp::NotWithin,
            "on" => DateOp::On,
            "onOrAfter" => DateOp::OnOrAfter,
            "onOrBefore" => DateOp::OnOrBefore,
            "within" => DateOp::Within,
            _ => return None,
        })
    }
}

/// A `SearchDateField` criterion. Comparisons are exact to the second; `on`/`notOn` compare
/// Pacific calendar days; `within` includes both ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DateCond {
    op: DateOp,
    value: Option<DateTime<Utc>>,
    value2: Option<DateTime<Utc>>,
}

impl DateCond {
    /// Reads the criterion element `el` for field `field`.
    pub(crate) fn parse(el: &Element, field: &str) -> Result<Self, FieldError> {
        let (op, value, value2) = parse_date_field(el, field, parse_xsd)?;
        Ok(Self { op, value, value2 })
    }

    /// Whether a record whose field holds `t` matches.
    pub(crate) fn matches(&self, t: Option<DateTime<Utc>>) -> bool {
        let Some(t) = t else {
            return self.op == DateOp::Empty;
        };
        let (Some(v), v2) = (self.value, self.value2) else {
            return self.op == DateOp::NotEmpty;
        };
        let within = || v2.is_some_and(|v2| v <= t && t <= v2);
        match self.op {
            DateOp::After | DateOp::NotOnOrBefore => t > v,
            DateOp::Before | DateOp::NotOnOrAfter => t < v,
            DateOp::OnOrAfter | DateOp::NotBefore => t >= v,
            DateOp::OnOrBefore | DateOp::NotAfter => t <= v,
            DateOp::Within => within(),
            DateOp::NotWithin => !within(),
            DateOp::On => pacific_day(t) == pacific_day(v),
            DateOp::NotOn => pacific_day(t) != pacific_day(v),
            DateOp::Empty => false,
            DateOp::NotEmpty => true,
        }
    }
}

/// Reads a `SearchDateField`: operator and values, each value read by `read`; checks that
/// the operator has the values it needs.
fn parse_date_field<T>(
    el: &Element,
    field: &str,
    read_value: impl Fn(&str) -> Option<T>,
) -> Result<(DateOp, Option<T>, Option<T>), FieldError> {
    let op_text = operator(el, field)?;
    let op =
        DateOp::parse(op_text).ok_or_else(|| err(field, format!("invalid SearchDateFieldOperator {op_text:?}")))?;
    if el.child(ns::CORE, "predefinedSearchValue").is_some() {
        return Err(err(field, "predefinedSearchValue is not simulated"));
    }
    let read = |name: &str| -> Result<Option<T>, FieldError> {
        el.child(ns::CORE, name)
            .map(|v| read_value(&v.text).ok_or_else(|| err(field, format!("invalid dateTime value {:?}", v.trimmed()))))
            .transpose()
    };
    let (value, value2) = (read("searchValue")?, read("searchValue2")?);
    match op {
        DateOp::Empty | DateOp::NotEmpty => {}
        DateOp::Within | DateOp::NotWithin => {
            if value.is_none() || value2.is_none() {
                return Err(err(field, format!("operator {op_text} needs searchValue and searchValue2")));
            }
        }
        _ => {
            if value.is_none() {
                return Err(err(field, format!("operator {op_text} needs a searchValue")));
            }
        }
    }
    Ok((op, value, value2))
}

/// The calendar date of an `xsd:dateTime` search value as written: its date part, whatever
/// its time and offset. `None` when the text is not a dateTime.
fn written_date(text: &str) -> Option<NaiveDate> {
    let s = text.trim();
    parse_xsd(s)?;
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// A `SearchDateField` criterion on a date-only field such as `tranDate`: values are
/// compared by calendar date, the date part of each search value as written (its time and
/// offset ignored); `within` includes both ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DayCond {
    op: DateOp,
    value: Option<NaiveDate>,
    value2: Option<NaiveDate>,
}

impl DayCond {
    /// Reads the criterion element `el` for field `field`.
    pub(crate) fn parse(el: &Element, field: &str) -> Result<Self, FieldError> {
        let (op, value, value2) = parse_date_field(el, field, written_date)?;
        Ok(Self { op, value, value2 })
    }

    /// Whether a record whose field holds date `d` matches.
    pub(crate) fn matches(&self, d: NaiveDate) -> bool {
        let Some(v) = self.value else {
            return self.op == DateOp::NotEmpty;
        };
        let within = || self.value2.is_some_and(|v2| v <= d && d <= v2);
        match self.op {
            DateOp::After | DateOp::NotOnOrBefore => d > v,
            DateOp::Before | DateOp::NotOnOrAfter => d < v,
            DateOp::OnOrAfter | DateOp::NotBefore => d >= v,
            DateOp::OnOrBefore | DateOp::NotAfter => d <= v,
            DateOp::Within => within(),
            DateOp::NotWithin => !within(),
            DateOp::On => d == v,
            DateOp::NotOn => d != v,
            DateOp::Empty => false,
            DateOp::NotEmpty => true,
        }
    }
}

/// Reads a `SearchBooleanField`: `None` when it has no `searchValue` (no criterion).
pub(crate) fn parse_boolean(el: &Element, field: &str) -> Result<Option<bool>, FieldError> {
    el.child(ns::CORE, "searchValue")
        .map(|v| parse_bool(&v.text).ok_or_else(|| err(field, format!("invalid boolean value {:?}", v.trimmed()))))
        .transpose()
}

/// `SearchStringFieldOperator` values the simulator evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StringOp {
    Contains,
    DoesNotContain,
    DoesNotStartWith,
    Empty,
    Is,
    IsNot,
    NotEmpty,
    StartsWith,
}

/// A `SearchStringField` criterion, case-insensitive as NetSuite's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StringCond {
    op: StringOp,
    value: String,
}

impl StringCond {
    /// Reads the criterion element `el` for field `field`.
    pub(crate) fn parse(el: &Element, field: &str) -> Result<Self, FieldError> {
        let op_text = operator(el, field)?;
        let op = match op_text {
            "contains" => StringOp::Contains,
            "doesNotContain" => StringOp::DoesNotContain,
            "doesNotStartWith" => StringOp::DoesNotStartWith,
            "empty" => StringOp::Empty,
            "is" => StringOp::Is,
            "isNot" => StringOp::IsNot,
            "notEmpty" => StringOp::NotEmpty,
            "startsWith" => StringOp::StartsWith,
            "hasKeywords" => return Err(err(field, "operator hasKeywords is not simulated")),
            other => return Err(err(field, format!("invalid SearchStringFieldOperator {other:?}"))),
        };
        let value = el.child(ns::CORE, "searchValue").map(|v| v.text.to_lowercase()).unwrap_or_default();
        Ok(Self { op, value })
    }

    /// Whether a record whose field holds `s` matches.
    pub(crate) fn matches(&self, s: Option<&str>) -> bool {
        let s = s.unwrap_or("").to_lowercase();
        match self.op {
            StringOp::Contains => s.contains(&self.value),
            StringOp::DoesNotContain => !s.contains(&self.value),
            StringOp::DoesNotStartWith => !s.starts_with(&self.value),
            StringOp::Empty => s.is_empty(),
            StringOp::Is => s == self.value,
            StringOp::IsNot => s != self.value,
            StringOp::NotEmpty => !s.is_empty(),
            StringOp::StartsWith => s.starts_with(&self.value),
        }
    }
}

/// A `SearchMultiSelectField` criterion over record internal ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdCond {
    any_of: bool,
    ids: HashSet<String>,
    /// The ids that are numbers, for records keyed by number.
    numbers: HashSet<u64>,
}

impl IdCond {
    /// Reads the criterion element `el` for field `field`.
    pub(crate) fn parse(el: &Element, field: &str) -> Result<Self, FieldError> {
        let any_of = match operator(el, field)? {
            "anyOf" => true,
            "noneOf" => false,
            other => return Err(err(field, format!("invalid SearchMultiSelectFieldOperator {other:?}"))),
        };
        let mut ids = HashSet::new();
        for v in el.children.iter().filter(|c| c.is(ns::CORE, "searchValue")) {
            match v.attr("internalId") {
                Some(id) => {
                    ids.insert(id.trim().to_string());
                }
                None if v.attr("externalId").is_some() => {
                    return Err(err(field, "externalId references are not simulated"))
                }
                None => return Err(err(field, "a searchValue without internalId")),
            }
        }
        let numbers = ids.iter().filter_map(|i| i.parse::<u64>().ok()).collect();
        Ok(Self { any_of, ids, numbers })
    }

    /// Whether a record whose field references `id` matches.
    pub(crate) fn matches(&self, id: &str) -> bool {
        self.ids.contains(id) == self.any_of
    }

    /// Whether a record whose field references numeric id `id` matches.
    pub(crate) fn matches_number(&self, id: u64) -> bool {
        self.numbers.contains(&id) == self.any_of
    }
}

/// A `SearchEnumMultiSelectField` criterion: `anyOf` or `noneOf` a list of enum values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EnumCond {
    /// `anyOf` (true) or `noneOf`.
    pub any_of: bool,
    /// The values in request order, each normalized by the `normalize` given to `parse`.
    pub values: Vec<String>,
}

impl EnumCond {
    /// Reads the criterion element `el` for field `field`; `normalize` turns each value into
    /// its canonical spelling, or refuses it with the reason.
    pub(crate) fn parse(
        el: &Element,
        field: &str,
        normalize: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Self, FieldError> {
        let any_of = match operator(el, field)? {
            "anyOf" => true,
            "noneOf" => false,
            other => return Err(err(field, format!("invalid SearchEnumMultiSelectFieldOperator {other:?}"))),
        };
        let mut values: Vec<String> = Vec::new();
        for v in el.children.iter().filter(|c| c.is(ns::CORE, "searchValue")) {
            let value = normalize(v.trimmed()).map_err(|why| err(field, why))?;
            if !values.contains(&value) {
                values.push(value);
            }
        }
        Ok(Self { any_of, values })
    }

    /// Whether a record whose field holds `value` (canonical spelling) matches.
    pub(crate) fn matches(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value) == self.any_of
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basics::xml;

    fn field(xml_text: &str) -> Element {
        let doc = format!(
            r#"<c:f xmlns:c="urn:common_2017_2.platform.webservices.netsuite.com" xmlns:p="urn:core_2017_2.platform.webservices.netsuite.com" {xml_text}</c:f>"#
        );
        xml::parse(doc.as_bytes()).unwrap()
    }

    fn t(s: &str) -> Option<DateTime<Utc>> {
        parse_xsd(s)
    }

    #[test]
    fn date_operators() {
        let at = t("2021-03-04T10:00:00Z");
        let c = DateCond::parse(
            &field(r#"operator="onOrAfter"><p:searchValue>2021-03-04T02:00:00.000-08:00</p:searchValue>"#),
            "x",
        )
        .unwrap();
        assert!(c.matches(at));
        assert!(!c.matches(t("2021-03-04T09:59:59Z")));
        let c = DateCond::parse(&field(r#"operator="after"><p:searchValue>2021-03-04T10:00:00Z</p:searchValue>"#), "x")
            .unwrap();
        assert!(!c.matches(at));
        let c = DateCond::parse(&field(r#"operator="within"><p:searchValue>2021-03-01T00:00:00Z</p:searchValue><p:searchValue2>2021-03-04T10:00:00Z</p:searchValue2>"#), "x").unwrap();
        assert!(c.matches(at) && !c.matches(t("2021-03-05T00:00:00Z")));
        assert!(DateCond::parse(
            &field(r#"operator="within"><p:searchValue>2021-03-01T00:00:00Z</p:searchValue>"#),
            "x"
        )
        .is_err());
        assert!(DateCond::parse(
            &field(r#"operator="sometime"><p:searchValue>2021-03-01T00:00:00Z</p:searchValue>"#),
            "x"
        )
        .is_err());
        assert!(DateCond::parse(&field(r#"operator="before"><p:searchValue>yesterday</p:searchValue>"#), "x").is_err());
    }

    #[test]
    fn day_operators_compare_the_written_date() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 23:30 at -07:00 is the next day in UTC: the date as written counts.
        let c = DayCond::parse(
            &field(r#"operator="onOrAfter"><p:searchValue>2021-03-04T23:30:00.000-07:00</p:searchValue>"#),
            "tranDate",
        )
        .unwrap();
        assert!(c.matches(d("2021-03-04")) && c.matches(d("2021-03-05")) && !c.matches(d("2021-03-03")));
        let c = DayCond::parse(&field(r#"operator="after"><p:searchValue>2021-03-04T00:00:00Z</p:searchValue>"#), "t")
            .unwrap();
        assert!(!c.matches(d("2021-03-04")) && c.matches(d("2021-03-05")));
        let c =
            DayCond::parse(&field(r#"operator="on"><p:searchValue>2021-03-04T18:00:00</p:searchValue>"#), "t").unwrap();
        assert!(c.matches(d("2021-03-04")) && !c.matches(d("2021-03-05")));
        let c = DayCond::parse(&field(r#"operator="within"><p:searchValue>2021-03-01T00:00:00Z</p:searchValue><p:searchValue2>2021-03-04T00:00:00Z</p:searchValue2>"#), "t").unwrap();
        assert!(c.matches(d("2021-03-01")) && c.matches(d("2021-03-04")) && !c.matches(d("2021-03-05")));
        let c = DayCond::parse(&field(r#"operator="before"><p:searchValue>2021-03-04T00:00:00Z</p:searchValue>"#), "t")
            .unwrap();
        assert!(c.matches(d("2021-03-03")) && !c.matches(d("2021-03-04")));
        assert!(DayCond::parse(&field(r#"operator="on"><p:searchValue>2021-03-04</p:searchValue>"#), "t").is_err());
    }

    #[test]
    fn enum_criteria() {
        let upper = |v: &str| if v.is_empty() { Err("empty".to_string()) } else { Ok(v.to_uppercase()) };
        let c = EnumCond::parse(
            &field(r#"operator="anyOf"><p:searchValue>a</p:searchValue><p:searchValue>b</p:searchValue><p:searchValue>a</p:searchValue>"#),
            "type",
            upper,
        )
        .unwrap();
        assert_eq!(c.values, ["A", "B"]);
        assert!(c.matches("A") && !c.matches("C"));
        let c =
            EnumCond::parse(&field(r#"operator="noneOf"><p:searchValue>a</p:searchValue>"#), "type", upper).unwrap();
        assert!(!c.matches("A") && c.matches("C"));
        assert!(EnumCond::parse(&field(r#"operator="anyOf"><p:searchValue></p:searchValue>"#), "type", upper).is_err());
        assert!(EnumCond::parse(&field(r#"operator="is"><p:searchValue>a</p:searchValue>"#), "type", upper).is_err());
    }

    #[test]
    fn string_boolean_and_id_criteria() {
        let c =
            StringCond::parse(&field(r#"operator="is"><p:searchValue>v00042</p:searchValue>"#), "entityId").unwrap();
        assert!(c.matches(Some("V00042")) && !c.matches(Some("V00043")));
        assert_eq!(parse_boolean(&field(r#"><p:searchValue>true</p:searchValue>"#), "b").unwrap(), Some(true));
        assert_eq!(parse_boolean(&field(r#">"#), "b").unwrap(), None);
        assert!(parse_boolean(&field(r#"><p:searchValue>yes</p:searchValue>"#), "b").is_err());
        let c = IdCond::parse(
            &field(r#"operator="anyOf"><p:searchValue internalId="7"/><p:searchValue internalId="9"/>"#),
            "internalId",
        )
        .unwrap();
        assert!(c.matches("7") && !c.matches("8"));
        assert!(c.matches_number(9) && !c.matches_number(8));
        let c = IdCond::parse(&field(r#"operator="noneOf"><p:searchValue internalId="7"/>"#), "internalId").unwrap();
        assert!(!c.matches("7") && c.matches("8"));
        assert!(!c.matches_number(7) && c.matches_number(8));
    }
}
