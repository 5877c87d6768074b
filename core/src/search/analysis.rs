//! How text becomes terms, for the index and for queries alike (one definition, so a
//! query always meets the terms its words were indexed as):
//!
//! - [`DANISH`]: words (runs of letters and digits), lower-cased, then reduced by the
//!   Danish Snowball stemmer, so "sårbarheden" finds "sårbarheder".
//! - [`EXACT`]: the same words lower-cased but not stemmed, so English words, product
//!   names and ids match as written. Lower-casing keeps æ, ø and å as they are: there
//!   is no ASCII folding, since "får" and "far" are different words.
//! - [`IDS`]: the technical tokens security text is full of, each kept whole — CVE ids,
//!   IPv4 and IPv6 addresses, hashes, domains, e-mail addresses, URLs — plus the parts a
//!   person searches by: a domain's parent domains, an address's or URL's domain. Their
//!   other parts (a hash inside a URL, the numbers of a CVE id) are words of the two
//!   fields above already.

use std::net::{Ipv4Addr, Ipv6Addr};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

/// Name of the stemmed Danish analyzer.
pub const DANISH: &str = "vaern_da";
/// Name of the unstemmed analyzer.
pub const EXACT: &str = "vaern_exact";
/// Name of the technical-token analyzer.
pub const IDS: &str = "vaern_ids";

/// Words of this many bytes or more are dropped: no one searches for them, and they
/// would bloat the dictionary (base64 blobs, minified code).
const MAX_WORD_BYTES: usize = 64;
/// Technical tokens longer than this are dropped (a SHA-512 in hex is 128).
const MAX_ID_BYTES: usize = 255;

pub fn danish() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::Danish))
        .build()
}

pub fn exact() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
        .filter(LowerCaser)
        .build()
}

pub fn ids() -> TextAnalyzer {
    TextAnalyzer::from(IdTokenizer)
}

/// Registers the three analyzers on an index.
pub fn register(index: &tantivy::Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(DANISH, danish());
    tokenizers.register(EXACT, exact());
    tokenizers.register(IDS, ids());
}

/// The terms `analyzer` makes of `text`, in order.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Finds the technical tokens of a text (see the module docs).
#[derive(Clone, Default)]
pub struct IdTokenizer;

pub struct IdTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for IdTokenizer {
    type TokenStream<'a> = IdTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> IdTokenStream {
        let mut tokens = Vec::new();
        for (start, chunk) in chunks(text) {
            for id in technical_tokens(chunk) {
                if id.len() <= MAX_ID_BYTES {
                    tokens.push(Token {
                        offset_from: start,
                        offset_to: start + chunk.len(),
                        position: tokens.len(),
                        text: id,
                        position_length: 1,
                    });
                }
            }
        }
        IdTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for IdTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// Runs of text between whitespace and the brackets and quotes that surround ids in
/// prose, with the punctuation that ends a sentence trimmed off; with their offsets.
fn chunks(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let is_break = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '(' | ')' | '[' | ']' | '<' | '>' | '"' | '\'' | '`' | ',' | ';' | '|'
            )
    };
    let mut start = 0;
    let mut out = Vec::new();
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if is_break(c) {
            if i > start {
                let raw = &text[start..i];
                let trimmed = raw.trim_end_matches(['.', ':', '!', '?']);
                if !trimmed.is_empty() {
                    out.push((start, trimmed));
                }
            }
            start = i + c.len_utf8();
        }
    }
    out.into_iter()
}

/// The tokens one chunk yields: nothing for plain words.
fn technical_tokens(chunk: &str) -> Vec<String> {
    let lower = chunk.to_lowercase();
    if is_cve(&lower) || is_hash(&lower) {
        return vec![lower];
    }
    let address = lower.split('/').next().unwrap_or_default();
    if address.parse::<Ipv4Addr>().is_ok()
        || (lower.contains(':') && address.parse::<Ipv6Addr>().is_ok())
    {
        return if address == lower {
            vec![lower]
        } else {
            vec![lower.clone(), address.to_string()]
        };
    }
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("hxxp") {
        let host = lower
            .split_once("://")
            .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or_default())
            .unwrap_or_default();
        let host = host.rsplit('@').next().unwrap_or_default();
        let host = host.split(':').next().unwrap_or_default();
        let mut out = vec![lower.clone()];
        if host.parse::<Ipv4Addr>().is_ok() {
            out.push(host.to_string());
        } else if is_domain(host) {
            out.extend(domain_and_parents(host));
        }
        return out;
    }
    if let Some((local, domain)) = lower.split_once('@') {
        if !local.is_empty() && is_domain(domain) {
            let mut out = vec![lower.clone()];
            out.extend(domain_and_parents(domain));
            return out;
        }
        return Vec::new();
    }
    if is_domain(&lower) {
        return domain_and_parents(&lower);
    }
    Vec::new()
}

fn is_cve(s: &str) -> bool {
    let mut parts = s.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("cve"), Some(year), Some(number), None)
            if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit())
                && number.len() >= 4 && number.bytes().all(|b| b.is_ascii_digit())
    )
}

/// MD5, SHA-1, SHA-256 and SHA-512 in hex.
fn is_hash(s: &str) -> bool {
    matches!(s.len(), 32 | 40 | 64 | 128) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A host name with at least two labels and an alphabetic top-level domain, such as
/// `mail.example.dk` (so that "3.14" or "v1.2" are not domains).
fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
}

/// `a.b.example.dk` → itself, `b.example.dk`, `example.dk`: a search for a domain finds
/// its subdomains too.
fn domain_and_parents(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.split('.').collect();
    (0..labels.len() - 1)
        .map(|i| labels[i..].join("."))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn da(text: &str) -> Vec<String> {
        terms(&mut danish(), text)
    }

    fn id_terms(text: &str) -> Vec<String> {
        terms(&mut ids(), text)
    }

    #[test]
    fn danish_inflections_meet_in_one_stem() {
        let same = |a: &str, b: &str| assert_eq!(da(a), da(b), "{a} / {b}");
        same("sårbarhed", "sårbarheden");
        same("sårbarhed", "sårbarheder");
        same("kommune", "kommunernes");
        same("angreb", "angrebene");
        same("hændelse", "hændelserne");
        same("beredskabsplan", "beredskabsplaner");
        same("sikkerhedshul", "sikkerhedshullet");
    }

    #[test]
    fn lower_casing_keeps_æ_ø_and_å_distinct_from_their_ascii_look_alikes() {
        let words = terms(&mut exact(), "Får FAR Øl ol Ærø aero Åben aben");
        assert_eq!(
            words,
            ["får", "far", "øl", "ol", "ærø", "aero", "åben", "aben"]
        );
    }

    #[test]
    fn the_exact_field_keeps_english_and_product_names_unstemmed() {
        assert_eq!(
            terms(&mut exact(), "Exchange Servers"),
            ["exchange", "servers"]
        );
    }

    #[test]
    fn technical_tokens_are_kept_whole_with_their_sensible_parts() {
        assert_eq!(id_terms("Se CVE-2024-21762."), ["cve-2024-21762"]);
        assert_eq!(
            id_terms("fra 10.0.0.1, og 192.168.1.0/24"),
            ["10.0.0.1", "192.168.1.0/24", "192.168.1.0"]
        );
        assert_eq!(id_terms("fe80::1"), ["fe80::1"]);
        assert_eq!(
            id_terms("(login.evil.example.com)"),
            ["login.evil.example.com", "evil.example.com", "example.com"]
        );
        assert_eq!(id_terms("Skriv til soc@kl.dk"), ["soc@kl.dk", "kl.dk"]);
        assert_eq!(
            id_terms("https://Evil.example.com/x?y=1"),
            [
                "https://evil.example.com/x?y=1",
                "evil.example.com",
                "example.com"
            ]
        );
        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(id_terms(&sha.to_uppercase()), [sha]);
    }

    #[test]
    fn plain_words_and_numbers_are_not_technical_tokens() {
        assert!(id_terms("Version 3.14 af v1.2 er ude. Hej! @mention").is_empty());
    }
}
