//! The reader's language: Danish unless the `lang` cookie (set by the language links)
//! says English. The server reads the cookie; the browser reads `<html lang>`, which the
//! server wrote, so both sides always render the same language.

use crate::i18n::Locale;

/// Name of the cookie the language links set.
pub const COOKIE: &str = "lang";

/// The BCP 47 tag written to `<html lang>`.
pub fn tag(locale: Locale) -> &'static str {
    match locale {
        Locale::da => "da",
        Locale::en => "en",
    }
}

/// Parses a language code; anything unknown is `None`.
pub fn parse(code: &str) -> Option<Locale> {
    match code.trim() {
        "da" => Some(Locale::da),
        "en" => Some(Locale::en),
        _ => None,
    }
}

/// Reads the locale from a `Cookie` header value.
pub fn from_cookie_header(header: &str) -> Locale {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| parse(value))
        .unwrap_or(Locale::da)
}

/// The locale of the page being rendered.
pub fn current() -> Locale {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .map(from_cookie_header)
            })
            .unwrap_or(Locale::da)
    }
    #[cfg(not(feature = "ssr"))]
    {
        leptos::prelude::document()
            .document_element()
            .and_then(|html| html.get_attribute("lang"))
            .and_then(|lang| parse(&lang))
            .unwrap_or(Locale::da)
    }
}

/// The locale chosen for this page, provided once by `App`.
pub fn use_locale() -> Locale {
    leptos::prelude::use_context::<Locale>().unwrap_or(Locale::da)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_is_the_default_and_the_cookie_can_choose_english() {
        assert_eq!(from_cookie_header(""), Locale::da);
        assert_eq!(from_cookie_header("other=1; lang=en"), Locale::en);
        assert_eq!(from_cookie_header("lang=xx"), Locale::da);
        assert_eq!(from_cookie_header("lang=da"), Locale::da);
    }
}
