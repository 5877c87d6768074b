//! How values are written for people: times (and, as they come, sizes and numbers).

/// A unix time as the reader reads dates, in UTC (labelled as such).
pub fn format_time(unix_secs: i64, locale: crate::i18n::Locale) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(unix_secs) else {
        return String::new();
    };
    match locale {
        crate::i18n::Locale::da => format!(
            "{:02}.{:02}.{} kl. {:02}:{:02} UTC",
            t.day(),
            u8::from(t.month()),
            t.year(),
            t.hour(),
            t.minute()
        ),
        crate::i18n::Locale::en => format!(
            "{}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
    }
}
