//! The names people give things (a person, an organisation, a group): trimmed, required,
//! at most 200 characters, and free of hidden characters; one rule and one set of
//! messages for all of them. Thread titles follow the same hidden-character rule.

use crate::error::{CoreError, CoreResult};

/// Longest name accepted, in characters.
pub const MAX_CHARS: usize = 200;

/// Trims a name and checks it (field `name`: `required`, `too_long`,
/// `hidden_characters`).
pub fn validate(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() {
        Err(CoreError::invalid("name", "required"))
    } else if name.chars().count() > MAX_CHARS {
        Err(CoreError::invalid("name", "too_long"))
    } else if has_hidden_characters(name) {
        Err(CoreError::invalid("name", "hidden_characters"))
    } else {
        Ok(name.to_string())
    }
}

/// Control characters, and the bidi embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069): with them a name can show as another name, or turn the text around it.
pub fn has_hidden_characters(text: &str) -> bool {
    text.chars().any(|c| {
        c.is_control()
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bidi_overrides_make_a_name_invalid() {
        for name in [
            "Aarhus\u{202E}enummoK",
            "Jonas\u{2066}Berg",
            "Tab\tname",
            "Bell\u{7}",
            "Mette\u{2069}",
        ] {
            assert!(
                matches!(validate(name), Err(CoreError::Invalid { reason, .. }) if reason == "hidden_characters"),
                "{name:?}"
            );
        }
        assert_eq!(validate(" Ærø Kommune ").unwrap(), "Ærø Kommune");
        assert_eq!(validate("شركة ABC").unwrap(), "شركة ABC");
    }
}
