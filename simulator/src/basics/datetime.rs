//! `xsd:dateTime` as the simulated account writes and reads it.
//!
//! The simulated account's time zone is US Pacific (daylight saving time by the US rules in
//! force since 2007), as on many real accounts: responses carry `-08:00` or `-07:00`
//! offsets, so a client that drops offsets is caught. Search values without a zone are read
//! as Pacific local time, as NetSuite reads them in the user's time zone.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday};

/// Pacific Standard Time, UTC-8.
const PST: FixedOffset = match FixedOffset::west_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC-8 is a valid offset"),
};
/// Pacific Daylight Time, UTC-7.
const PDT: FixedOffset = match FixedOffset::west_opt(7 * 3600) {
    Some(o) => o,
    None => panic!("UTC-7 is a valid offset"),
};

/// The Pacific offset in force at instant `t`.
pub(crate) fn pacific_offset(t: DateTime<Utc>) -> FixedOffset {
    let year = t.year();
    // DST starts on the second Sunday of March at 02:00 PST (10:00 UTC) and ends on the
    // first Sunday of November at 02:00 PDT (09:00 UTC).
    let start = NaiveDate::from_weekday_of_month_opt(year, 3, Weekday::Sun, 2)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .map(|n| n.and_utc());
    let end = NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Sun, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .map(|n| n.and_utc());
    match (start, end) {
        (Some(s), Some(e)) if t >= s && t < e => PDT,
        _ => PST,
    }
}

/// Writes `t` as NetSuite does: Pacific local time, milliseconds, offset
/// (`2021-03-04T10:11:12.000-08:00`).
pub(crate) fn format_xsd(t: DateTime<Utc>) -> String {
    t.with_timezone(&pacific_offset(t)).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

/// Writes calendar date `d` as NetSuite writes date-only fields such as `tranDate`: Pacific
/// midnight of that date (`2021-03-04T00:00:00.000-08:00`).
pub(crate) fn format_date(d: NaiveDate) -> String {
    format_xsd(pacific_local_to_utc(d.and_time(NaiveTime::MIN)))
}

/// Reads an `xsd:dateTime` search value: with an offset or `Z` as given, without one as
/// Pacific local time. `None` when the text is not a dateTime.
pub(crate) fn parse_xsd(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(pacific_local_to_utc(naive))
}

/// The instant of a Pacific wall-clock time (in the autumn overlap, the standard-time one).
pub(crate) fn pacific_local_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    let as_pst = (local + TimeDelta::hours(8)).and_utc();
    let as_pdt = (local + TimeDelta::hours(7)).and_utc();
    if pacific_offset(as_pdt).local_minus_utc() == -7 * 3600 && pacific_offset(as_pst).local_minus_utc() == -7 * 3600 {
        as_pdt
    } else {
        as_pst
    }
}

/// The Pacific calendar day of instant `t`.
pub(crate) fn pacific_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&pacific_offset(t)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winter_and_summer_offsets() {
        let winter = DateTime::parse_from_rfc3339("2021-01-15T18:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(format_xsd(winter), "2021-01-15T10:00:00.000-08:00");
        let summer = DateTime::parse_from_rfc3339("2021-07-15T18:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(format_xsd(summer), "2021-07-15T11:00:00.000-07:00");
        // DST 2021 started 14 March 10:00 UTC and ended 7 November 09:00 UTC.
        let just_before = DateTime::parse_from_rfc3339("2021-03-14T09:59:59Z").unwrap().with_timezone(&Utc);
        assert_eq!(pacific_offset(just_before).local_minus_utc(), -8 * 3600);
        let just_after = DateTime::parse_from_rfc3339("2021-03-14T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(pacific_offset(just_after).local_minus_utc(), -7 * 3600);
        let end = DateTime::parse_from_rfc3339("2021-11-07T09:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(pacific_offset(end).local_minus_utc(), -8 * 3600);
    }

    #[test]
    fn written_values_read_back_to_the_same_instant() {
        let t = DateTime::parse_from_rfc3339("2019-06-01T00:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_xsd(&format_xsd(t)), Some(t));
        assert_eq!(parse_xsd("2019-06-01T00:30:00.000Z"), Some(t));
        // Zone-less values are Pacific local time.
        assert_eq!(parse_xsd("2019-05-31T17:30:00"), Some(t));
        assert_eq!(parse_xsd("2019-12-31T16:00:00").unwrap().to_rfc3339(), "2020-01-01T00:00:00+00:00");
        assert!(parse_xsd("yesterday").is_none());
        assert!(parse_xsd("2019-06-01").is_none());
    }

    #[test]
    fn dates_are_pacific_midnight() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(format_date(d("2021-01-15")), "2021-01-15T00:00:00.000-08:00");
        assert_eq!(format_date(d("2021-07-15")), "2021-07-15T00:00:00.000-07:00");
        // The days DST starts and ends: midnight is before the 02:00 switch.
        assert_eq!(format_date(d("2021-03-14")), "2021-03-14T00:00:00.000-08:00");
        assert_eq!(format_date(d("2021-11-07")), "2021-11-07T00:00:00.000-07:00");
        assert_eq!(pacific_day(parse_xsd(&format_date(d("2021-11-07"))).unwrap()), d("2021-11-07"));
    }
}
