//! How values are written for people, and how what they type is read: times are shown
//! and entered on the Copenhagen wall clock (stored in UTC; `vaern_core::clock`).

use crate::error::AppError;

/// A unix time as the reader reads dates, on the Copenhagen wall clock.
pub fn format_time(unix_secs: i64, locale: crate::i18n::Locale) -> String {
    let Some(t) = vaern_core::clock::copenhagen_time(unix_secs) else {
        return String::new();
    };
    match locale {
        crate::i18n::Locale::da => format!(
            "{:02}.{:02}.{} kl. {:02}:{:02}",
            t.day(),
            t.month(),
            t.year(),
            t.hour(),
            t.minute()
        ),
        crate::i18n::Locale::en => format!(
            "{}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute()
        ),
    }
}

/// A date field of a form (`YYYY-MM-DD`, as date inputs send it): `None` when left
/// empty, a message on `field` when it is not a date.
pub fn date_field(field: &str, text: Option<String>) -> Result<Option<time::Date>, AppError> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    vaern_core::clock::parse_date(&text)
        .map(Some)
        .ok_or_else(|| AppError::invalid(field, "date_malformed"))
}

/// A "from"–"to" pair of date fields as unix times: from the start of the first day to
/// the end of the last (inclusive), Copenhagen days.
pub fn day_range(
    from: Option<String>,
    to: Option<String>,
) -> Result<(Option<i64>, Option<i64>), AppError> {
    let from = date_field("from", from)?.map(vaern_core::clock::copenhagen_day_start);
    let to = match date_field("to", to)? {
        Some(date) => Some(
            vaern_core::clock::copenhagen_day_end(date)
                .ok_or_else(|| AppError::invalid("to", "date_malformed"))?,
        ),
        None => None,
    };
    Ok((from, to))
}

/// A calendar date in words: "4. december 2026", "4 December 2026".
pub fn format_date(date: time::Date, locale: crate::i18n::Locale) -> String {
    const DA: [&str; 12] = [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ];
    let month = usize::from(u8::from(date.month())) - 1;
    match locale {
        crate::i18n::Locale::da => format!("{}. {} {}", date.day(), DA[month], date.year()),
        crate::i18n::Locale::en => format!("{} {} {}", date.day(), date.month(), date.year()),
    }
}
