//! The query language people type into the search box:
//!
//! - words: all must match (`phishing kommune`);
//! - `"a phrase"`: the words in that order;
//! - `-word`, `-"a phrase"`: must not match;
//! - `a OR b`: either (binds tighter than the implicit AND: `x a OR b` is x and (a or b));
//! - filters: `type:`, `group:`, `tlp:`, `author:`, `org:`, `after:`, `before:`; several
//!   of one field mean any of them (`type:post type:thread`).
//!
//! Parsing never fails: whatever cannot be read as written (an unbalanced quote, an
//! unknown field, a bad value, more than [`MAX_QUERY_CHARS`]) is read the sensible way
//! and named in a [`Hint`] the page shows on one line.

use super::index::Kind;
use crate::policy::Tlp;
use serde::{Deserialize, Serialize};

/// Longer queries are cut here (with a hint).
pub const MAX_QUERY_CHARS: usize = 1000;
/// At most this many words, phrases and filters are used (the rest with a hint): each one
/// is a clause of the index query.
pub const MAX_CLAUSES: usize = 32;

/// Something matched as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Text {
    Word(String),
    Phrase(String),
}

/// One required part of the query: any of its alternatives must match (`a OR b`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Either(pub Vec<Text>);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters {
    pub kinds: Vec<Kind>,
    /// Group slugs, as typed (lower-cased); resolved against the viewer's groups.
    pub groups: Vec<String>,
    /// `None` for unmarked (only analysts have such items).
    pub tlps: Vec<Tlp>,
    /// Lower-cased names or name words.
    pub authors: Vec<String>,
    /// Lower-cased organisation codes.
    pub orgs: Vec<String>,
    /// Inclusive first day, in Copenhagen.
    pub after: Option<time::Date>,
    /// Inclusive last day, in Copenhagen.
    pub before: Option<time::Date>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Why the query was not read exactly as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hint {
    /// A `"` without its pair: read as plain words.
    UnbalancedQuote,
    /// `name:` is no filter: its value is searched as a word.
    UnknownField(String),
    /// The filter's value is not one it takes: the filter is left out.
    BadValue { field: String, value: String },
    /// Cut to [`MAX_QUERY_CHARS`].
    TooLong,
    /// More than [`MAX_CLAUSES`] parts: the rest left out.
    TooManyParts,
    /// Only operators, or only exclusions: nothing to look for.
    NothingToSearch,
    /// The index is being built or is catching up with many changes: results may be
    /// missing some items for a moment.
    Indexing,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    pub required: Vec<Either>,
    pub excluded: Vec<Text>,
    pub filters: Filters,
    pub hints: Vec<Hint>,
}

impl Parsed {
    /// Whether there is anything to look for: text, or at least one filter.
    pub fn is_searchable(&self) -> bool {
        !self.required.is_empty() || !self.filters.is_empty()
    }
}

const FIELDS: [&str; 7] = ["type", "group", "tlp", "author", "org", "after", "before"];

/// A lexical piece of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text { negated: bool, text: Text },
    Field { name: String, value: String },
    Or,
}

pub fn parse(input: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut text: String = input
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > MAX_QUERY_CHARS {
        text = text.chars().take(MAX_QUERY_CHARS).collect();
        parsed.hints.push(Hint::TooLong);
    }
    let pieces = lex(&text, &mut parsed.hints);
    let mut clauses = 0usize;
    let mut pending_or = false;
    for piece in pieces {
        if clauses >= MAX_CLAUSES {
            parsed.hints.push(Hint::TooManyParts);
            break;
        }
        match piece {
            Piece::Or => pending_or = !parsed.required.is_empty(),
            Piece::Text {
                negated: true,
                text,
            } => {
                clauses += 1;
                parsed.excluded.push(text);
                pending_or = false;
            }
            Piece::Text {
                negated: false,
                text,
            } => {
                clauses += 1;
                match parsed.required.last_mut() {
                    Some(last) if pending_or => last.0.push(text),
                    _ => parsed.required.push(Either(vec![text])),
                }
                pending_or = false;
            }
            Piece::Field { name, value } => {
                clauses += 1;
                pending_or = false;
                filter(&mut parsed, &name, &value);
            }
        }
    }
    if !parsed.is_searchable() && !text.trim().is_empty() {
        parsed.hints.push(Hint::NothingToSearch);
    }
    parsed.hints.dedup();
    parsed
}

fn filter(parsed: &mut Parsed, name: &str, value: &str) {
    let lower = value.to_lowercase();
    let bad = |parsed: &mut Parsed| {
        parsed.hints.push(Hint::BadValue {
            field: name.to_string(),
            value: value.chars().take(60).collect(),
        })
    };
    let f = &mut parsed.filters;
    match name {
        "type" => match Kind::parse(&lower) {
            // The centre's incidents and the organisation's own are both incidents.
            Some(Kind::Incident) => f.kinds.extend([Kind::Incident, Kind::OwnIncident]),
            Some(kind) => f.kinds.push(kind),
            None => bad(parsed),
        },
        "tlp" => match Tlp::parse(lower.strip_prefix("tlp:").unwrap_or(&lower)) {
            Some(tlp) => f.tlps.push(tlp),
            None => bad(parsed),
        },
        "group" if !lower.is_empty() => f.groups.push(lower),
        "author" if !lower.trim().is_empty() => f
            .authors
            .push(lower.split_whitespace().collect::<Vec<_>>().join(" ")),
        "org" if !lower.is_empty() => f.orgs.push(lower),
        "after" | "before" => match crate::clock::parse_date(value) {
            Some(date) if name == "after" => f.after = Some(date),
            Some(date) => f.before = Some(date),
            None => bad(parsed),
        },
        _ => bad(parsed),
    }
}

/// Splits the query into pieces: quoted phrases, `-` negations, `OR`, `field:value`.
fn lex(text: &str, hints: &mut Vec<Hint>) -> Vec<Piece> {
    let quotes = text.matches('"').count();
    let balanced = quotes.is_multiple_of(2);
    if !balanced {
        hints.push(Hint::UnbalancedQuote);
    }
    let mut pieces = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        // A phrase, possibly negated; with an unbalanced quote, quotes are ignored.
        let negated_phrase = c == '-' && text[start + 1..].starts_with('"');
        if balanced && (c == '"' || negated_phrase) {
            if negated_phrase {
                chars.next();
            }
            chars.next();
            let open = start + if negated_phrase { 2 } else { 1 };
            let mut end = text.len();
            for (i, ch) in chars.by_ref() {
                if ch == '"' {
                    end = i;
                    break;
                }
            }
            let phrase = text[open..end].trim();
            if !phrase.is_empty() {
                pieces.push(Piece::Text {
                    negated: negated_phrase,
                    text: Text::Phrase(phrase.to_string()),
                });
            }
            continue;
        }
        let mut end = text.len();
        while let Some(&(i, ch)) = chars.peek() {
            if ch.is_whitespace() || (balanced && ch == '"' && i > start) {
                end = i;
                break;
            }
            chars.next();
        }
        let word = text[start..end].trim_matches('"');
        if word == "OR" {
            pieces.push(Piece::Or);
            continue;
        }
        let (negated, word) = match word.strip_prefix('-') {
            Some(rest) if !rest.is_empty() => (true, rest),
            _ => (false, word),
        };
        if word.chars().all(|c| !c.is_alphanumeric()) {
            // Operators and punctuation alone find nothing.
            continue;
        }
        if let Some((name, value)) = word.split_once(':') {
            let is_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic());
            if is_name && !value.starts_with('/') && !negated {
                let name = name.to_ascii_lowercase();
                if FIELDS.contains(&name.as_str()) {
                    // A quoted value: `author:"Anne Hansen"`.
                    let value = if balanced && value.is_empty() && text[end..].starts_with('"') {
                        chars.next();
                        let open = end + 1;
                        let mut close = text.len();
                        for (i, ch) in chars.by_ref() {
                            if ch == '"' {
                                close = i;
                                break;
                            }
                        }
                        text[open..close].trim().to_string()
                    } else {
                        value.to_string()
                    };
                    pieces.push(Piece::Field { name, value });
                    continue;
                }
                if !value.is_empty() {
                    // The sensible reading of an unknown filter: what it was to match.
                    hints.push(Hint::UnknownField(name.chars().take(30).collect()));
                    pieces.push(Piece::Text {
                        negated,
                        text: Text::Word(value.to_string()),
                    });
                    continue;
                }
            }
        }
        pieces.push(Piece::Text {
            negated,
            text: Text::Word(word.to_string()),
        });
    }
    pieces
}

#[cfg(test)]
mod tests;
