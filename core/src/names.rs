//! The names people give things (a person, an organisation, a group): trimmed, required,
//! and at most 200 characters, one rule and one pair of messages for all of them.

use crate::error::{CoreError, CoreResult};

/// Longest name accepted, in characters.
pub const MAX_CHARS: usize = 200;

/// Trims a name and checks it (field `name`: `required`, `too_long`).
pub fn validate(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() {
        Err(CoreError::invalid("name", "required"))
    } else if name.chars().count() > MAX_CHARS {
        Err(CoreError::invalid("name", "too_long"))
    } else {
        Ok(name.to_string())
    }
}
