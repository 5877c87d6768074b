//! Time as the domain sees it: unix seconds, UTC, stored; shown and entered in
//! Europe/Copenhagen, the platform's one time zone (its rules come with the binary).

/// Seconds since the unix epoch, now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A calendar date written `YYYY-MM-DD` (as date inputs send it); `None` for anything
/// else, including impossible dates.
pub fn parse_date(text: &str) -> Option<time::Date> {
    let mut parts = text.trim().splitn(3, '-');
    let mut number = || -> Option<i64> {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (year, month, day) = (number()?, number()?, number()?);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

/// The unix time at which a UTC calendar day begins.
pub fn day_start(date: time::Date) -> i64 {
    date.midnight().assume_utc().unix_timestamp()
}

fn copenhagen() -> Option<jiff::tz::TimeZone> {
    jiff::tz::TimeZone::get("Europe/Copenhagen").ok()
}

/// A unix time as the wall clock in Copenhagen shows it (summer time included).
pub fn copenhagen_time(unix_secs: i64) -> Option<jiff::civil::DateTime> {
    let tz = copenhagen()?;
    let at = jiff::Timestamp::from_second(unix_secs).ok()?;
    Some(at.to_zoned(tz).datetime())
}

/// A unix time as an RFC 3339 timestamp on the Copenhagen wall clock with its offset
/// (`2026-12-03T14:05:00+01:00`), for exports that spreadsheets read.
pub fn copenhagen_rfc3339(unix_secs: i64) -> Option<String> {
    let tz = copenhagen()?;
    let at = jiff::Timestamp::from_second(unix_secs).ok()?;
    Some(at.to_zoned(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

/// Today's date in Copenhagen at `unix_secs`.
pub fn copenhagen_date(unix_secs: i64) -> Option<time::Date> {
    let t = copenhagen_time(unix_secs)?;
    let month = time::Month::try_from(t.month() as u8).ok()?;
    time::Date::from_calendar_date(i32::from(t.year()), month, t.day() as u8).ok()
}

/// The unix time at which a calendar day ends in Copenhagen: the next day's start, so a
/// day is 23 or 25 hours long when the clocks change.
pub fn copenhagen_day_end(date: time::Date) -> Option<i64> {
    date.next_day().map(copenhagen_day_start)
}

/// The unix time at which a calendar day begins in Copenhagen (the platform's time zone):
/// 23:00 UTC the day before in winter, 22:00 in summer.
pub fn copenhagen_day_start(date: time::Date) -> i64 {
    let civil = jiff::civil::date(
        date.year() as i16,
        u8::from(date.month()) as i8,
        date.day() as i8,
    );
    copenhagen()
        .and_then(|tz| civil.to_zoned(tz).ok())
        .map_or_else(|| day_start(date) - 3600, |z| z.timestamp().as_second())
}

/// A time typed on the Copenhagen wall clock as a `datetime-local` input sends it
/// (`2026-12-03T14:05`, seconds optional); a time the clocks skip in spring is taken as
/// the hour after, a time they repeat in autumn as the first. `None` for anything else.
pub fn parse_copenhagen_datetime(text: &str) -> Option<i64> {
    let civil: jiff::civil::DateTime = text.trim().parse().ok()?;
    let zoned = civil.to_zoned(copenhagen()?).ok()?;
    Some(zoned.timestamp().as_second())
}

/// A unix time as a `datetime-local` input's value on the Copenhagen wall clock
/// (`2026-12-03T14:05`).
pub fn copenhagen_datetime_value(unix_secs: i64) -> Option<String> {
    let t = copenhagen_time(unix_secs)?;
    Some(t.strftime("%Y-%m-%dT%H:%M").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exported_time_carries_the_copenhagen_offset_of_its_season() {
        // 2026-01-15 12:00 UTC and 2026-07-15 12:00 UTC.
        assert_eq!(
            copenhagen_rfc3339(1_768_478_400).as_deref(),
            Some("2026-01-15T13:00:00+01:00")
        );
        assert_eq!(
            copenhagen_rfc3339(1_784_116_800).as_deref(),
            Some("2026-07-15T14:00:00+02:00")
        );
    }

    #[test]
    fn a_copenhagen_day_begins_an_hour_or_two_before_utc_midnight() {
        let winter = parse_date("2026-01-15").unwrap();
        assert_eq!(copenhagen_day_start(winter), day_start(winter) - 3600);
        let summer = parse_date("2026-07-15").unwrap();
        assert_eq!(copenhagen_day_start(summer), day_start(summer) - 7200);
    }

    #[test]
    fn times_are_shown_on_the_copenhagen_wall_clock_in_winter_and_summer() {
        // 2026-01-15 12:00 UTC is 13:00 in Copenhagen; 2026-07-15 12:00 UTC is 14:00.
        let winter = copenhagen_time(1_768_478_400).unwrap();
        assert_eq!((winter.day(), winter.hour(), winter.minute()), (15, 13, 0));
        let summer = copenhagen_time(1_784_116_800).unwrap();
        assert_eq!((summer.day(), summer.hour()), (15, 14));
        // 23:30 UTC on 31 December is already New Year's Day in Copenhagen.
        let new_year = copenhagen_date(1_798_759_800).unwrap();
        assert_eq!(new_year, parse_date("2027-01-01").unwrap());
    }

    #[test]
    fn the_days_the_clocks_change_are_23_and_25_hours_long() {
        let spring = parse_date("2026-03-29").unwrap();
        let autumn = parse_date("2026-10-25").unwrap();
        let length = |d| copenhagen_day_end(d).unwrap() - copenhagen_day_start(d);
        assert_eq!(length(spring), 23 * 3600);
        assert_eq!(length(autumn), 25 * 3600);
        assert_eq!(length(parse_date("2026-06-01").unwrap()), 24 * 3600);
    }

    #[test]
    fn dates_are_read_strictly() {
        assert_eq!(
            parse_date(" 2026-11-26 ").map(day_start),
            Some(1_795_651_200)
        );
        for bad in [
            "",
            "2026-11",
            "2026-13-01",
            "2026-02-30",
            "26.11.2026",
            "2026-1x-01",
            "+2026-11-26",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_typed_copenhagen_time_is_read_in_its_season_and_written_back_the_same() {
        // 13:00 in January is 12:00 UTC; 14:00 in July is 12:00 UTC.
        assert_eq!(
            parse_copenhagen_datetime("2026-01-15T13:00"),
            Some(1_768_478_400)
        );
        assert_eq!(
            parse_copenhagen_datetime("2026-07-15T14:00:00"),
            Some(1_784_116_800)
        );
        assert_eq!(
            copenhagen_datetime_value(1_784_116_800).as_deref(),
            Some("2026-07-15T14:00")
        );
        // 02:30 on 29 March 2026 does not exist: the hour after.
        let skipped = parse_copenhagen_datetime("2026-03-29T02:30").unwrap();
        assert_eq!(
            copenhagen_datetime_value(skipped).as_deref(),
            Some("2026-03-29T03:30")
        );
        for bad in ["", "i går", "2026-02-30T10:00", "2026-01-15 25:00", "13:00"] {
            assert_eq!(parse_copenhagen_datetime(bad), None, "{bad:?}");
        }
    }
}
