//! How long is left until a deadline, or how long ago it passed, counting on in the
//! browser. The island is given the deadline as an instant (unix seconds) and reads the
//! browser's clock; it needs no time zone. The server renders the same words, so without
//! wasm the text is right as of the page's loading.

use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;

/// Seconds between updates: the text counts in minutes.
#[cfg(feature = "hydrate")]
const TICK_MS: u64 = 15_000;

/// "23 t 12 min tilbage" / "overskredet for 1 t 5 min siden", for `left` seconds (negative:
/// past).
pub fn left_text(locale: Locale, left: i64) -> String {
    let span = left.unsigned_abs();
    let (days, hours, minutes) = (span / 86_400, span % 86_400 / 3600, span % 3600 / 60);
    let amount = match (days, hours) {
        (0, 0) => td_string!(locale, countdown_minutes, minutes = minutes).to_string(),
        (0, _) => td_string!(locale, countdown_hours, hours = hours, minutes = minutes).to_string(),
        _ => td_string!(locale, countdown_days, days = days, hours = hours).to_string(),
    };
    if left >= 0 {
        td_string!(locale, countdown_left, amount = amount).to_string()
    } else {
        td_string!(locale, countdown_overdue, amount = amount).to_string()
    }
}

/// Now, on the browser's clock there and the server's here.
#[cfg(feature = "hydrate")]
fn now() -> i64 {
    (web_sys::js_sys::Date::now() / 1000.0) as i64
}

#[cfg(all(feature = "ssr", not(feature = "hydrate")))]
fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn now() -> i64 {
    0
}

/// The time left until `due_at` (unix seconds), updated while the page is open. Past it,
/// the text says it is overdue and carries the `overdue` class (colour is not the only
/// cue).
#[island]
pub fn Countdown(due_at: i64) -> impl IntoView {
    let locale = use_locale();
    let (at, set_at) = signal(now());
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || set_at.set(now()),
            std::time::Duration::from_millis(TICK_MS),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_at;
    let left = move || due_at - at.get();
    view! {
        <span class=move || if left() < 0 { "countdown overdue" } else { "countdown" }>
            {move || left_text(locale, left())}
        </span>
    }
}
