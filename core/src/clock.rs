//! Time as the domain sees it: unix seconds, UTC.

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

/// The unix time at which a calendar day begins in Copenhagen (the platform's time zone):
/// 23:00 UTC the day before in winter, 22:00 in summer.
pub fn copenhagen_day_start(date: time::Date) -> i64 {
    let civil = jiff::civil::date(
        date.year() as i16,
        u8::from(date.month()) as i8,
        date.day() as i8,
    );
    jiff::tz::TimeZone::get("Europe/Copenhagen")
        .ok()
        .and_then(|tz| civil.to_zoned(tz).ok())
        .map_or_else(|| day_start(date) - 3600, |z| z.timestamp().as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copenhagen_day_begins_an_hour_or_two_before_utc_midnight() {
        let winter = parse_date("2026-01-15").unwrap();
        assert_eq!(copenhagen_day_start(winter), day_start(winter) - 3600);
        let summer = parse_date("2026-07-15").unwrap();
        assert_eq!(copenhagen_day_start(summer), day_start(summer) - 7200);
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
}
