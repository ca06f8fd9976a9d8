//! SuiteQL values and how each is written: bare (the user's preferences: `MM/DD/YYYY`
//! dates, `MM/DD/YYYY h:mm am` Pacific datetimes, numbers as JSON numbers), through
//! `BUILTIN.DF` (display names), and through `TO_CHAR` (Oracle's number text; fixed date
//! formats, UTC only after `SYS_EXTRACT_UTC`).

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::basics::datetime::pacific_offset;

/// The kind of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An internal id or other integer, written as text.
    Id,
    /// Text.
    Text,
    /// `T`/`F`.
    Bool,
    /// A number (money, rates).
    Number,
    /// A calendar date.
    Date,
    /// An instant.
    DateTime,
    /// A reference: an id, and a display name through `BUILTIN.DF`.
    Ref,
    /// A multi-select reference: ids `"1, 3"`, names `"A, B"`.
    MultiRef,
}

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    /// NULL: the column is left out of the item.
    Null,
    /// An integer (ids).
    Int(i64),
    /// Text.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// An exact number.
    Number(Decimal),
    /// A calendar date.
    Date(NaiveDate),
    /// An instant.
    DateTime(DateTime<Utc>),
    /// A reference: id as text, display name when known.
    Ref {
        /// The id (or status letter).
        id: String,
        /// The display name.
        name: Option<String>,
    },
    /// Several references, in order.
    Refs(Vec<(String, String)>),
}

impl Value {
    /// Text, or NULL when absent.
    pub(crate) fn text(s: Option<impl Into<String>>) -> Self {
        s.map_or(Value::Null, |s| Value::Text(s.into()))
    }

    /// A reference with a display name (an empty name is unknown).
    pub(crate) fn reference(id: impl Into<String>, name: impl Into<String>) -> Self {
        let name = name.into();
        Value::Ref { id: id.into(), name: (!name.is_empty()).then_some(name) }
    }

    /// An id as a number, for comparisons (refs by their id).
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Ref { id, .. } => id.parse().ok(),
            Value::Number(d) => i64::try_from(d.trunc()).ok().filter(|_| d.fract().is_zero()),
            _ => None,
        }
    }

    /// Text for string comparisons (booleans as `T`/`F`, refs by id).
    pub(crate) fn as_str(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Value::Text(s) => Some(s.as_str().into()),
            Value::Bool(b) => Some(if *b { "T" } else { "F" }.into()),
            Value::Ref { id, .. } => Some(id.as_str().into()),
            Value::Int(i) => Some(i.to_string().into()),
            _ => None,
        }
    }

    /// The sort order of ORDER BY (NULLs last, as Oracle sorts ascending).
    pub(crate) fn order(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Greater,
            (_, Value::Null) => Ordering::Less,
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            (Value::DateTime(a), Value::DateTime(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a.cmp(b),
            (a, b) => match (a.as_int(), b.as_int()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => a.as_str().cmp(&b.as_str()),
            },
        }
    }
}

/// Oracle's `TO_CHAR(number)`: no trailing zeros, no leading zero before the point
/// (`1234.5`, `.85`, `-.5`, `1`, `0`).
pub(crate) fn oracle_number(d: Decimal) -> String {
    let text = d.normalize().to_string();
    if let Some(rest) = text.strip_prefix("0.") {
        format!(".{rest}")
    } else if let Some(rest) = text.strip_prefix("-0.") {
        format!("-.{rest}")
    } else {
        text
    }
}

/// A date in the user's preference: `11/30/2026`.
pub(crate) fn user_date(d: NaiveDate) -> String {
    d.format("%m/%d/%Y").to_string()
}

/// An instant in the user's preference, in Pacific time: `11/30/2026 4:05 am`.
pub(crate) fn user_datetime(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&pacific_offset(t));
    let am = local.format("%p").to_string().to_ascii_lowercase();
    format!("{} {}", local.format("%m/%d/%Y %-I:%M"), am)
}

/// The Pacific local time of an instant, `YYYY-MM-DD HH24:MI:SS`.
pub(crate) fn pacific_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&pacific_offset(t)).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The UTC time of an instant, `YYYY-MM-DD HH24:MI:SS`.
pub(crate) fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The Pacific calendar date of an instant.
pub(crate) fn pacific_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&pacific_offset(t)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_oracles_form() {
        assert_eq!(oracle_number(Decimal::new(123450, 2)), "1234.5");
        assert_eq!(oracle_number(Decimal::new(85, 2)), ".85");
        assert_eq!(oracle_number(Decimal::new(-50, 2)), "-.5");
        assert_eq!(oracle_number(Decimal::new(10, 1)), "1");
        assert_eq!(oracle_number(Decimal::ZERO), "0");
        assert_eq!(oracle_number(Decimal::new(-120000, 4)), "-12");
    }

    #[test]
    fn user_formats_are_pacific() {
        let t = DateTime::parse_from_rfc3339("2026-11-30T12:05:09Z").unwrap().with_timezone(&Utc);
        assert_eq!(user_datetime(t), "11/30/2026 4:05 am");
        assert_eq!(pacific_text(t), "2026-11-30 04:05:09");
        assert_eq!(utc_text(t), "2026-11-30 12:05:09");
        let summer = DateTime::parse_from_rfc3339("2026-07-01T03:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(user_datetime(summer), "06/30/2026 8:00 pm");
        assert_eq!(pacific_date(summer), NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        assert_eq!(user_date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()), "01/05/2026");
    }

    #[test]
    fn ordering_puts_nulls_last_and_compares_ids_as_numbers() {
        assert_eq!(Value::Int(9).order(&Value::Int(10)), Ordering::Less);
        assert_eq!(Value::reference("9", "").order(&Value::reference("10", "")), Ordering::Less);
        assert_eq!(Value::Null.order(&Value::Int(1)), Ordering::Greater);
        assert_eq!(Value::Text("b".into()).order(&Value::Text("a".into())), Ordering::Greater);
    }
}
