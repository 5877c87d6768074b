//! A validator for the STIX 2.1 patterning language (`pattern_type` "stix").
//!
//! Indicators arrive in bulk from the analysis centre, so a pattern is checked with a
//! hand-written lexer and a recursive-descent parser that allocate nothing on success
//! and take a few microseconds. The grammar is OASIS's `STIXPattern.g4` as shipped in
//! the `stix2-patterns` 2.1.2 Python package (the reference validator), including its
//! lexing rules (longest match, case-sensitive keywords, comments, unquoted hyphens
//! only in object types). The semantic checks that reference validator adds on top of
//! the grammar are repeated here, so that both accept the same patterns but for the
//! exceptions listed below:
//!
//! - the pattern must begin with `[`, possibly after `(` and white space (so no
//!   leading comment);
//! - a qualifier type (WITHIN, REPEATS, START/STOP) may not be applied twice directly
//!   to the same bracketed observation expression;
//! - a value compared with a known hash (`…hashes.'SHA-256'`, `…hashes.MD5`, …) must
//!   have that hash's format.
//!
//! Where the reference validator has plain bugs this one does what was meant instead:
//! the hash check skips LIKE/MATCHES/ISSUBSET/ISSUPERSET (their operand is a pattern,
//! not a hash), checks each member of an IN set (the reference rejects every set),
//! requires the hash to be a string literal and MD6 to have one of its real lengths,
//! and a negative array index (`[-1]`), which the grammar allows but the reference's
//! inspector crashes on, is accepted.

use std::fmt;

/// Nesting beyond this many parentheses/brackets is refused, so that a hostile pattern
/// cannot overflow the stack of the recursive-descent parser.
pub const MAX_NESTING: usize = 64;

/// Why a STIX pattern does not parse: a message a producer can act on, with the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for PatternError {}

/// Checks that `pattern` is a valid STIX 2.1 pattern (pattern_type "stix").
pub fn parse(pattern: &str) -> Result<(), PatternError> {
    check_leading_bracket(pattern)?;
    let mut parser = Parser::new(pattern)?;
    parser.observation_expressions()?;
    if parser.tok.kind != Kind::Eof {
        return Err(parser.unexpected(
            "AND, OR, FOLLOWEDBY, a qualifier (WITHIN, REPEATS, START) or the end of the pattern",
        ));
    }
    Ok(())
}

fn err(offset: usize, message: impl Into<String>) -> PatternError {
    PatternError {
        offset,
        message: message.into(),
    }
}

/// The reference validator requires the first character after any white space and `(`
/// to be `[`. The grammar enforces that too except for comments, which it would skip;
/// only that case is reported here, the parser explains the others better.
fn check_leading_bracket(pattern: &str) -> Result<(), PatternError> {
    if pattern.trim().is_empty() {
        return Err(err(pattern.len(), "the pattern is empty"));
    }
    for (i, c) in pattern.char_indices() {
        if c == '(' || c.is_whitespace() {
            continue;
        }
        if c == '/' && matches!(pattern.as_bytes().get(i + 1), Some(b'*' | b'/')) {
            return Err(err(
                i,
                "a pattern may not begin with a comment; it must begin with '[' (after any '(')",
            ));
        }
        break;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    IntPos,
    IntNeg,
    FloatPos,
    FloatNeg,
    Hex,
    Binary,
    Str,
    Bool,
    Timestamp,
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
    Ident,
    IdentWithHyphen,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Colon,
    Dot,
    Comma,
    RParen,
    LParen,
    RBrack,
    LBrack,
    Asterisk,
    Eof,
}

impl Kind {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            Kind::And
                | Kind::Or
                | Kind::Not
                | Kind::FollowedBy
                | Kind::Like
                | Kind::Matches
                | Kind::IsSuperset
                | Kind::IsSubset
                | Kind::Exists
                | Kind::Last
                | Kind::In
                | Kind::Start
                | Kind::Stop
                | Kind::Seconds
                | Kind::Within
                | Kind::Repeats
                | Kind::Times
        )
    }

    fn is_orderable_literal(self) -> bool {
        matches!(
            self,
            Kind::IntPos
                | Kind::IntNeg
                | Kind::FloatPos
                | Kind::FloatNeg
                | Kind::Str
                | Kind::Binary
                | Kind::Hex
                | Kind::Timestamp
        )
    }

    fn is_primitive_literal(self) -> bool {
        self.is_orderable_literal() || self == Kind::Bool
    }
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn keyword(word: &str) -> Option<Kind> {
    Some(match word {
        "AND" => Kind::And,
        "OR" => Kind::Or,
        "NOT" => Kind::Not,
        "FOLLOWEDBY" => Kind::FollowedBy,
        "LIKE" => Kind::Like,
        "MATCHES" => Kind::Matches,
        "ISSUPERSET" => Kind::IsSuperset,
        "ISSUBSET" => Kind::IsSubset,
        "EXISTS" => Kind::Exists,
        "LAST" => Kind::Last,
        "IN" => Kind::In,
        "START" => Kind::Start,
        "STOP" => Kind::Stop,
        "SECONDS" => Kind::Seconds,
        "WITHIN" => Kind::Within,
        "REPEATS" => Kind::Repeats,
        "TIMES" => Kind::Times,
        "true" | "false" => Kind::Bool,
        _ => return None,
    })
}

/// The white space the grammar skips (its `WS` rule).
fn is_grammar_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '\n'
            | '\u{0B}'
            | '\u{0C}'
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek_at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    /// Skips white space and comments; an unterminated `/*` is an error because the
    /// grammar would read it as a lone `/`, which is valid nowhere.
    fn skip_trivia(&mut self) -> Result<(), PatternError> {
        loop {
            let Some(b) = self.peek_at(self.pos) else {
                return Ok(());
            };
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C => self.pos += 1,
                b'/' if self.peek_at(self.pos + 1) == Some(b'*') => {
                    match self.src[self.pos + 2..].find("*/") {
                        Some(i) => self.pos += 2 + i + 2,
                        None => {
                            return Err(err(self.pos, "unterminated comment: '/*' without '*/'"));
                        }
                    }
                }
                b'/' if self.peek_at(self.pos + 1) == Some(b'/') => {
                    let rest = &self.bytes[self.pos..];
                    let len = rest
                        .iter()
                        .position(|&c| c == b'\r' || c == b'\n')
                        .unwrap_or(rest.len());
                    self.pos += len;
                }
                b if b >= 0x80 => {
                    // `pos` is always on a character boundary here: every token and
                    // skipped run ends on one.
                    match self.src[self.pos..].chars().next() {
                        Some(c) if is_grammar_space(c) => self.pos += c.len_utf8(),
                        _ => return Ok(()),
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn next_token(&mut self) -> Result<Token, PatternError> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(b) = self.peek_at(start) else {
            return Ok(Token {
                kind: Kind::Eof,
                start,
                end: start,
            });
        };
        let (kind, len) = match b {
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number(start)?,
            b'\'' => (Kind::Str, self.string(start)?),
            b'h' | b'b' | b't' if self.peek_at(start + 1) == Some(b'\'') => {
                self.prefixed_literal(start, b)?
            }
            b if is_ident_start(b) => self.word(start),
            b'=' => (
                Kind::Eq,
                if self.peek_at(start + 1) == Some(b'=') {
                    2
                } else {
                    1
                },
            ),
            b'!' if self.peek_at(start + 1) == Some(b'=') => (Kind::Neq, 2),
            b'<' => match self.peek_at(start + 1) {
                Some(b'=') => (Kind::Le, 2),
                Some(b'>') => (Kind::Neq, 2),
                _ => (Kind::Lt, 1),
            },
            b'>' => match self.peek_at(start + 1) {
                Some(b'=') => (Kind::Ge, 2),
                _ => (Kind::Gt, 1),
            },
            b':' => (Kind::Colon, 1),
            b',' => (Kind::Comma, 1),
            b'(' => (Kind::LParen, 1),
            b')' => (Kind::RParen, 1),
            b'[' => (Kind::LBrack, 1),
            b']' => (Kind::RBrack, 1),
            b'*' => (Kind::Asterisk, 1),
            _ => {
                let c = self.src[start..].chars().next().unwrap_or('\u{FFFD}');
                let hint = match c {
                    '"' => "; strings are quoted with '",
                    '/' => "; a regular expression is written as a string, e.g. MATCHES '^a.*'",
                    _ => "",
                };
                return Err(err(start, format!("unexpected character {c:?}{hint}")));
            }
        };
        self.pos = start + len;
        Ok(Token {
            kind,
            start,
            end: start + len,
        })
    }

    /// Numbers as the grammar's `IntPosLiteral`/`IntNegLiteral`/`FloatPosLiteral`/
    /// `FloatNegLiteral` read them, longest match first: `007` is three integers (and so
    /// an error later), `1.5` is one float, `+` or `-` alone is an error.
    fn number(&self, start: usize) -> Result<(Kind, usize), PatternError> {
        let sign = self.bytes[start];
        let negative = sign == b'-';
        let mut i = start + usize::from(sign == b'+' || sign == b'-');
        let digits_start = i;
        while self.peek_at(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
        let int_digits = i - digits_start;
        if self.peek_at(i) == Some(b'.') && self.peek_at(i + 1).is_some_and(|b| b.is_ascii_digit())
        {
            i += 1;
            while self.peek_at(i).is_some_and(|b| b.is_ascii_digit()) {
                i += 1;
            }
            let kind = if negative {
                Kind::FloatNeg
            } else {
                Kind::FloatPos
            };
            return Ok((kind, i - start));
        }
        if int_digits > 0 {
            let len = if self.bytes[digits_start] == b'0' {
                1
            } else {
                int_digits
            };
            let kind = if negative { Kind::IntNeg } else { Kind::IntPos };
            return Ok((kind, digits_start - start + len));
        }
        match sign {
            b'.' => Ok((Kind::Dot, 1)),
            _ => Err(err(
                start,
                format!("unexpected {:?}; expected a number", sign as char),
            )),
        }
    }

    /// A string literal: `'` … `'`, where a backslash may only escape `'` or `\`.
    fn string(&self, start: usize) -> Result<usize, PatternError> {
        let mut i = start + 1;
        loop {
            match self.peek_at(i) {
                None => {
                    return Err(err(start, "unterminated string literal: missing closing '"));
                }
                Some(b'\'') => return Ok(i + 1 - start),
                Some(b'\\') => match self.peek_at(i + 1) {
                    Some(b'\'' | b'\\') => i += 2,
                    _ => {
                        return Err(err(
                            i,
                            "invalid escape in string literal: a backslash may only precede ' or \\ \
                             (write \\\\ for a literal backslash)",
                        ));
                    }
                },
                Some(_) => i += 1,
            }
        }
    }

    /// `h'…'`, `b'…'` and `t'…'`. When the content is malformed the grammar would read a
    /// lone identifier followed by a string, which is valid nowhere, so it is an error.
    fn prefixed_literal(&self, start: usize, prefix: u8) -> Result<(Kind, usize), PatternError> {
        let body = start + 2;
        let close = self.bytes[body..]
            .iter()
            .position(|&b| b == b'\'')
            .map(|i| body + i);
        let content = close.map(|c| &self.bytes[body..c]);
        match prefix {
            b'h' => match content {
                Some(c) if c.len().is_multiple_of(2) && c.iter().all(u8::is_ascii_hexdigit) => {
                    Ok((Kind::Hex, c.len() + 3))
                }
                _ => Err(err(
                    start,
                    "invalid hex literal: expected h'…' holding pairs of hex digits",
                )),
            },
            b'b' => match content {
                Some(c) if is_base64_literal(c) => Ok((Kind::Binary, c.len() + 3)),
                _ => Err(err(
                    start,
                    "invalid binary literal: expected b'…' holding padded base64",
                )),
            },
            _ => match content {
                Some(c) if is_timestamp(c) => Ok((Kind::Timestamp, c.len() + 3)),
                _ => Err(err(
                    start,
                    "invalid timestamp literal: expected t'YYYY-MM-DDThh:mm:ss[.fraction]Z' \
                     with a valid month, day, hour, minute and second",
                )),
            },
        }
    }

    /// Keywords (upper case only), `true`/`false`, and identifiers; an identifier that
    /// contains `-` is a different token, only allowed as an object type.
    fn word(&self, start: usize) -> (Kind, usize) {
        let mut i = start + 1;
        while self.peek_at(i).is_some_and(is_ident_continue) {
            i += 1;
        }
        if self.peek_at(i) == Some(b'-') {
            while self
                .peek_at(i)
                .is_some_and(|b| is_ident_continue(b) || b == b'-')
            {
                i += 1;
            }
            return (Kind::IdentWithHyphen, i - start);
        }
        let kind = keyword(&self.src[start..i]).unwrap_or(Kind::Ident);
        (kind, i - start)
    }
}

/// The grammar's `BinaryLiteral` content: whole groups of four base64 characters, the
/// last of which may end in `=` or `==`; empty is not allowed.
fn is_base64_literal(c: &[u8]) -> bool {
    if c.is_empty() || !c.len().is_multiple_of(4) {
        return false;
    }
    let padding = c.iter().rev().take_while(|&&b| b == b'=').count();
    padding <= 2 && c[..c.len() - padding].iter().all(|&b| is_base64(b))
}

/// The grammar's `TimestampLiteral` content: `YYYY-MM-DDThh:mm:ss[.fraction]Z` with month
/// 01–12, day 01–31, hour 00–23, minute 00–59 and second 00–60. Like the reference, the
/// day is not checked against the month.
fn is_timestamp(c: &[u8]) -> bool {
    if c.len() < 20 {
        return false;
    }
    let digit = |i: usize| c[i].is_ascii_digit();
    let two = |i: usize| u32::from(c[i] - b'0') * 10 + u32::from(c[i + 1] - b'0');
    let digits_ok = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        .iter()
        .all(|&i| digit(i));
    if !digits_ok || c[4] != b'-' || c[7] != b'-' || c[10] != b'T' || c[13] != b':' || c[16] != b':'
    {
        return false;
    }
    let (month, day, hour, minute, second) = (two(5), two(8), two(11), two(14), two(17));
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return false;
    }
    let rest = &c[19..];
    match rest {
        [b'Z'] => true,
        [b'.', fraction @ .., b'Z'] => {
            !fraction.is_empty() && fraction.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------
// Hashes

/// The hash algorithms whose values the reference validator checks, keyed the way it
/// normalises the last path component (upper case, without `-` and `'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HashAlgo {
    Md5,
    Md6,
    Ripemd160,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
    Ssdeep,
    Whirlpool,
}

impl HashAlgo {
    /// `component` is the raw text of a path component: an identifier or the inside of a
    /// quoted string (with its escapes).
    fn from_component(component: &str) -> Option<HashAlgo> {
        let mut buf = [0u8; 12];
        let mut len = 0;
        let mut bytes = component.bytes();
        while let Some(mut b) = bytes.next() {
            if b == b'\\' {
                // A quoted component's escape: `\'` stands for `'`, `\\` for `\`.
                b = bytes.next().unwrap_or(b);
            }
            if b == b'-' || b == b'\'' {
                continue;
            }
            if len == buf.len() {
                return None;
            }
            buf[len] = b.to_ascii_uppercase();
            len += 1;
        }
        Some(match &buf[..len] {
            b"MD5" => HashAlgo::Md5,
            b"MD6" => HashAlgo::Md6,
            b"RIPEMD160" => HashAlgo::Ripemd160,
            b"SHA1" => HashAlgo::Sha1,
            b"SHA224" => HashAlgo::Sha224,
            b"SHA256" => HashAlgo::Sha256,
            b"SHA384" => HashAlgo::Sha384,
            b"SHA512" => HashAlgo::Sha512,
            b"SHA3224" => HashAlgo::Sha3_224,
            b"SHA3256" => HashAlgo::Sha3_256,
            b"SHA3384" => HashAlgo::Sha3_384,
            b"SHA3512" => HashAlgo::Sha3_512,
            b"SSDEEP" => HashAlgo::Ssdeep,
            b"WHIRLPOOL" => HashAlgo::Whirlpool,
            _ => return None,
        })
    }

    fn accepts(self, value: &[u8]) -> bool {
        let hex =
            |lens: &[usize]| lens.contains(&value.len()) && value.iter().all(u8::is_ascii_hexdigit);
        match self {
            HashAlgo::Md5 => hex(&[32]),
            HashAlgo::Md6 => hex(&[32, 40, 56, 64, 96, 128]),
            HashAlgo::Ripemd160 | HashAlgo::Sha1 => hex(&[40]),
            HashAlgo::Sha224 | HashAlgo::Sha3_224 => hex(&[56]),
            HashAlgo::Sha256 | HashAlgo::Sha3_256 => hex(&[64]),
            HashAlgo::Sha384 | HashAlgo::Sha3_384 => hex(&[96]),
            HashAlgo::Sha512 | HashAlgo::Sha3_512 | HashAlgo::Whirlpool => hex(&[128]),
            HashAlgo::Ssdeep => {
                (1..=128).contains(&value.len())
                    && value.iter().all(|&b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.')
                    })
            }
        }
    }

    fn expectation(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "32 hex digits",
            HashAlgo::Md6 => "32, 40, 56, 64, 96 or 128 hex digits",
            HashAlgo::Ripemd160 | HashAlgo::Sha1 => "40 hex digits",
            HashAlgo::Sha224 | HashAlgo::Sha3_224 => "56 hex digits",
            HashAlgo::Sha256 | HashAlgo::Sha3_256 => "64 hex digits",
            HashAlgo::Sha384 | HashAlgo::Sha3_384 => "96 hex digits",
            HashAlgo::Sha512 | HashAlgo::Sha3_512 | HashAlgo::Whirlpool => "128 hex digits",
            HashAlgo::Ssdeep => "1 to 128 characters of A-Z a-z 0-9 / + : .",
        }
    }
}

/// What an object path compares, as far as the hash check cares.
struct PathInfo<'a> {
    /// Set when a component is `hashes` and the last one names a known algorithm.
    hash: Option<(HashAlgo, &'a str)>,
}

// ---------------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    lexer: Lexer<'a>,
    tok: Token,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Result<Self, PatternError> {
        let mut lexer = Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
        };
        let tok = lexer.next_token()?;
        Ok(Parser {
            lexer,
            tok,
            depth: 0,
        })
    }

    fn text(&self, tok: Token) -> &'a str {
        &self.lexer.src[tok.start..tok.end]
    }

    fn advance(&mut self) -> Result<Token, PatternError> {
        let tok = self.tok;
        self.tok = self.lexer.next_token()?;
        Ok(tok)
    }

    fn expect(&mut self, kind: Kind, what: &str) -> Result<Token, PatternError> {
        if self.tok.kind == kind {
            self.advance()
        } else {
            Err(self.unexpected(what))
        }
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(err(
                self.tok.start,
                format!("nesting deeper than {MAX_NESTING} parentheses/brackets"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// "expected …, found …", with a hint for the mistakes producers actually make.
    fn unexpected(&self, expected: &str) -> PatternError {
        let tok = self.tok;
        let text = self.text(tok);
        let found = match tok.kind {
            Kind::Eof => "the end of the pattern".to_owned(),
            Kind::Ident | Kind::IdentWithHyphen => format!("identifier {}", shorten(text)),
            Kind::Str => format!("string {}", shorten(text)),
            k if k.is_keyword() => format!("keyword {text}"),
            k if k.is_primitive_literal() => format!("literal {}", shorten(text)),
            _ => format!("'{text}'"),
        };
        let mut message = format!("expected {expected}, found {found}");
        if matches!(tok.kind, Kind::Ident | Kind::IdentWithHyphen)
            && keyword(&text.to_ascii_uppercase()).is_some()
        {
            message.push_str(" (keywords are upper case)");
        } else if tok.kind == Kind::IdentWithHyphen {
            message.push_str(&format!(
                " (only object types may contain an unquoted '-'; quote the property: '{text}')"
            ));
        } else if tok.kind == Kind::Last {
            message.push_str(" (LAST is reserved and not used in STIX 2.1 patterns)");
        }
        err(tok.start, message)
    }

    // observationExpressions: observationExpressionOr (FOLLOWEDBY observationExpressionOr)*
    fn observation_expressions(&mut self) -> Result<(), PatternError> {
        self.observation_or()?;
        while self.tok.kind == Kind::FollowedBy {
            self.advance()?;
            self.observation_or()?;
        }
        Ok(())
    }

    fn observation_or(&mut self) -> Result<(), PatternError> {
        self.observation_and()?;
        while self.tok.kind == Kind::Or {
            self.advance()?;
            self.observation_and()?;
        }
        Ok(())
    }

    fn observation_and(&mut self) -> Result<(), PatternError> {
        self.observation_expression()?;
        while self.tok.kind == Kind::And {
            self.advance()?;
            self.observation_expression()?;
        }
        Ok(())
    }

    /// `[ comparison ]` or `( observations )`, then any qualifiers. The reference refuses
    /// the same qualifier type twice directly on a bracketed expression (it is
    /// ambiguous), but allows it on a parenthesised group.
    fn observation_expression(&mut self) -> Result<(), PatternError> {
        let simple = match self.tok.kind {
            Kind::LBrack => {
                self.enter()?;
                self.advance()?;
                self.comparison_expression()?;
                self.expect(
                    Kind::RBrack,
                    "']' to close the observation expression, or AND/OR",
                )?;
                self.leave();
                true
            }
            Kind::LParen => {
                self.enter()?;
                self.advance()?;
                self.observation_expressions()?;
                self.expect(Kind::RParen, "')', AND, OR, FOLLOWEDBY or a qualifier")?;
                self.leave();
                false
            }
            _ => {
                return Err(self.unexpected(
                    "an observation expression: '[' (a comparison in square brackets) or '('",
                ));
            }
        };
        let mut seen = [false; 3];
        loop {
            let start = self.tok.start;
            let (index, name) = match self.tok.kind {
                Kind::Start => {
                    self.advance()?;
                    self.expect(Kind::Timestamp, "a timestamp t'…' after START")?;
                    self.expect(Kind::Stop, "STOP after START t'…'")?;
                    self.expect(Kind::Timestamp, "a timestamp t'…' after STOP")?;
                    (0, "START/STOP")
                }
                Kind::Within => {
                    self.advance()?;
                    if !matches!(self.tok.kind, Kind::IntPos | Kind::FloatPos) {
                        return Err(
                            self.unexpected("a non-negative number of seconds after WITHIN")
                        );
                    }
                    self.advance()?;
                    self.expect(Kind::Seconds, "SECONDS (the only unit of WITHIN)")?;
                    (1, "WITHIN")
                }
                Kind::Repeats => {
                    self.advance()?;
                    self.expect(Kind::IntPos, "a non-negative integer after REPEATS")?;
                    self.expect(Kind::Times, "TIMES after REPEATS n")?;
                    (2, "REPEATS")
                }
                _ => return Ok(()),
            };
            if simple {
                if seen[index] {
                    return Err(err(
                        start,
                        format!(
                            "duplicate {name} qualifier on one observation expression; \
                             put the expression in parentheses to qualify it again"
                        ),
                    ));
                }
                seen[index] = true;
            }
        }
    }

    // comparisonExpression: comparisonExpressionAnd (OR comparisonExpressionAnd)*
    fn comparison_expression(&mut self) -> Result<(), PatternError> {
        self.comparison_and()?;
        while self.tok.kind == Kind::Or {
            self.advance()?;
            self.comparison_and()?;
        }
        Ok(())
    }

    fn comparison_and(&mut self) -> Result<(), PatternError> {
        self.property_test()?;
        while self.tok.kind == Kind::And {
            self.advance()?;
            self.property_test()?;
        }
        Ok(())
    }

    fn property_test(&mut self) -> Result<(), PatternError> {
        match self.tok.kind {
            Kind::LParen => {
                self.enter()?;
                self.advance()?;
                self.comparison_expression()?;
                self.expect(Kind::RParen, "')', AND or OR")?;
                self.leave();
                return Ok(());
            }
            Kind::Exists => {
                self.advance()?;
                self.object_path()?;
                return Ok(());
            }
            Kind::Not => {
                self.advance()?;
                self.expect(Kind::Exists, "EXISTS after a leading NOT")?;
                self.object_path()?;
                return Ok(());
            }
            _ => {}
        }
        let path = self.object_path()?;
        let negated = self.tok.kind == Kind::Not;
        if negated {
            self.advance()?;
        }
        let operator = self.tok;
        match operator.kind {
            Kind::Eq | Kind::Neq => {
                self.advance()?;
                if !self.tok.kind.is_primitive_literal() {
                    return Err(self.unexpected(
                        "a literal: 'string', number, true/false, t'timestamp', b'base64' or h'hex'",
                    ));
                }
                let value = self.advance()?;
                self.check_hash(&path, value)?;
            }
            Kind::Lt | Kind::Le | Kind::Gt | Kind::Ge => {
                self.advance()?;
                if !self.tok.kind.is_orderable_literal() {
                    return Err(self.unexpected(
                        "an orderable literal: 'string', number, t'timestamp', b'base64' or h'hex'",
                    ));
                }
                let value = self.advance()?;
                self.check_hash(&path, value)?;
            }
            Kind::In => {
                self.advance()?;
                self.expect(Kind::LParen, "'(' to open the set after IN")?;
                if self.tok.kind != Kind::RParen {
                    loop {
                        if !self.tok.kind.is_primitive_literal() {
                            return Err(self.unexpected("a literal in the set"));
                        }
                        let value = self.advance()?;
                        self.check_hash(&path, value)?;
                        if self.tok.kind != Kind::Comma {
                            break;
                        }
                        self.advance()?;
                    }
                }
                self.expect(Kind::RParen, "',' or ')' to close the set")?;
            }
            Kind::Like | Kind::Matches | Kind::IsSubset | Kind::IsSuperset => {
                self.advance()?;
                let what = match operator.kind {
                    Kind::Like => "a string after LIKE",
                    Kind::Matches => "a string (the regular expression) after MATCHES",
                    _ => "a string after ISSUBSET/ISSUPERSET",
                };
                self.expect(Kind::Str, what)?;
            }
            _ => {
                return Err(self.unexpected(if negated {
                    "a comparison operator after NOT"
                } else {
                    "a comparison operator (= != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET)"
                }));
            }
        }
        Ok(())
    }

    /// `type:property(.property | [index])*`, where a property is an identifier without
    /// `-` or a quoted string, and an index is an integer or `*`.
    fn object_path(&mut self) -> Result<PathInfo<'a>, PatternError> {
        if !matches!(self.tok.kind, Kind::Ident | Kind::IdentWithHyphen) {
            return Err(self.unexpected("an object path such as file:name"));
        }
        self.advance()?;
        if self.tok.kind != Kind::Colon {
            return Err(self.unexpected("':' between the object type and the property"));
        }
        self.advance()?;
        let first = self.property_name()?;
        let mut has_hashes = first == "hashes";
        let mut last = Some(first);
        loop {
            match self.tok.kind {
                Kind::Dot => {
                    self.advance()?;
                    let name = self.property_name()?;
                    has_hashes |= name == "hashes";
                    last = Some(name);
                }
                Kind::LBrack => {
                    self.advance()?;
                    if !matches!(self.tok.kind, Kind::IntPos | Kind::IntNeg | Kind::Asterisk) {
                        return Err(self.unexpected("a list index: an integer or '*'"));
                    }
                    self.advance()?;
                    self.expect(Kind::RBrack, "']' to close the list index")?;
                    last = None;
                }
                _ => break,
            }
        }
        let hash = match last {
            Some(name) if has_hashes => HashAlgo::from_component(name).map(|algo| (algo, name)),
            _ => None,
        };
        Ok(PathInfo { hash })
    }

    /// A property name: an identifier, or the inside of a quoted string.
    fn property_name(&mut self) -> Result<&'a str, PatternError> {
        match self.tok.kind {
            Kind::Ident => {
                let tok = self.advance()?;
                Ok(self.text(tok))
            }
            Kind::Str => {
                let tok = self.advance()?;
                Ok(&self.lexer.src[tok.start + 1..tok.end - 1])
            }
            _ => Err(self.unexpected("a property name (an identifier or a quoted 'name')")),
        }
    }

    fn check_hash(&self, path: &PathInfo<'a>, value: Token) -> Result<(), PatternError> {
        let Some((algo, name)) = path.hash else {
            return Ok(());
        };
        let ok = value.kind == Kind::Str
            && algo.accepts(&self.lexer.bytes[value.start + 1..value.end - 1]);
        if ok {
            return Ok(());
        }
        Err(err(
            value.start,
            format!(
                "{} is not a valid {name} hash: expected a string of {}",
                shorten(self.text(value)),
                algo.expectation()
            ),
        ))
    }
}

/// Keeps error messages short when a producer sends a huge literal.
fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simple_pattern_parses() {
        assert_eq!(parse("[file:name = 'a.exe']"), Ok(()));
    }

    #[test]
    fn nesting_up_to_the_limit_parses_and_deeper_nesting_is_refused() {
        let ok = format!(
            "{}[a:b = 1]{}",
            "(".repeat(MAX_NESTING - 1),
            ")".repeat(MAX_NESTING - 1)
        );
        assert_eq!(parse(&ok), Ok(()));
        let deep = format!(
            "{}[a:b = 1]{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nesting"), "{e}");
        let comparison = format!(
            "[{}a:b = 1{}]",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert!(parse(&comparison).unwrap_err().message.contains("nesting"));
    }

    #[test]
    fn a_million_open_parentheses_do_not_overflow_the_stack() {
        let e = parse(&"(".repeat(1_000_000)).unwrap_err();
        assert_eq!(e.offset, MAX_NESTING);
        assert!(e.message.contains("nesting"), "{e}");
        assert!(parse(&"[".repeat(1_000_000)).is_err());
        assert!(parse(&format!("[{}", "(".repeat(1_000_000))).is_err());
    }

    #[test]
    fn a_long_flat_pattern_parses() {
        let body = vec!["a:b = 1"; 1_000].join(" AND ");
        let pattern = vec![format!("[{body}]"); 100].join(" OR ");
        assert_eq!(parse(&pattern), Ok(()));
    }

    #[test]
    fn garbage_and_truncations_are_errors_without_panicking() {
        let samples = [
            "",
            " ",
            "(",
            "[",
            "[]",
            "]",
            "'",
            "[a:b = '",
            "[a:b = '\\",
            "[a:b = t'",
            "[a:b = b'",
            "[a:b = h'",
            "[a:b = h'a",
            "[a:b = 1] /*",
            "[a:b = 1.]",
            "[a:b = -]",
            "[a:b = +]",
            "[a:b[",
            "[a:b[-",
            "\u{0}\u{1}\u{7f}",
            "[é:ü = 'ø']",
            "[a:b = 1] \u{1F600}",
            "[a:b = 1]\u{FEFF}",
            "🙂🙂🙂",
            "[a:b = t'2016-01-01T00:00:00.Z']",
            "[a:b = t'2016-01-01T00:00:00ÿZ']",
            "[a:b = t'2016-01-01T00:00:0éZ']",
            "[a:b = t'\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}Z']",
        ];
        for sample in samples {
            assert!(parse(sample).is_err(), "{sample:?} was accepted");
        }
        // Every prefix of a rich valid pattern, cut at each character boundary.
        let rich = "([file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' \
                    AND x-a:b[*].c[-1] NOT IN (1, -2.5, true, h'ff', b'AAA=', t'2020-02-29T23:59:60.5Z')] \
                    REPEATS 2 TIMES FOLLOWEDBY [a:b MATCHES 'é\\\\d' /* c */]) WITHIN 5.5 SECONDS";
        assert_eq!(parse(rich), Ok(()));
        for (i, _) in rich.char_indices().skip(1) {
            let _ = parse(&rich[..i]);
        }
    }

    #[test]
    fn every_byte_string_of_a_small_alphabet_is_handled_without_panicking() {
        let alphabet = [
            "[", "]", "(", ")", "a", ":", "b", "'", "=", " ", "t", "\\", "-", ".", "1", "é",
        ];
        let mut buf = String::new();
        for n in 0..alphabet.len().pow(4) {
            buf.clear();
            let mut k = n;
            for _ in 0..4 {
                buf.push_str(alphabet[k % alphabet.len()]);
                k /= alphabet.len();
            }
            let _ = parse(&buf);
        }
    }

    #[test]
    fn an_error_points_at_the_offending_token() {
        let e = parse("[file:size = ]").unwrap_err();
        assert_eq!(e.offset, 13);
        assert!(e.message.starts_with("expected a literal"), "{e}");

        let e = parse("[file:name IS 'x']").unwrap_err();
        assert_eq!(e.offset, 11);
        assert_eq!(
            e.to_string(),
            "at 11: expected a comparison operator (= != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET), \
             found identifier IS"
        );

        let e = parse("[foo:bar=1] within 2 seconds").unwrap_err();
        assert_eq!(e.offset, 12);
        assert!(e.message.contains("keywords are upper case"), "{e}");

        let e = parse("[x:created = t'2024-13-01T12:00:00Z']").unwrap_err();
        assert_eq!(e.offset, 13);
        assert!(e.message.contains("timestamp"), "{e}");

        // Offsets count bytes, so they stay right after non-ASCII text.
        let e = parse("[a:b = 'é' AND ?]").unwrap_err();
        assert_eq!(e.offset, 16);
    }

    #[test]
    fn a_leading_comment_is_refused_like_the_reference_validator_does() {
        assert!(parse("/* c */ [a:b = 1]").is_err());
        assert!(parse("( // c\n[a:b = 1])").is_err());
        assert_eq!(parse("[a:b = 1 /* c */] // end"), Ok(()));
    }

    #[test]
    fn hash_values_are_checked_against_their_algorithm() {
        assert_eq!(
            parse("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']"),
            Ok(())
        );
        assert_eq!(
            parse("[file:hashes.'sha-1' != '0123456789abcdef0123456789abcdef01234567']"),
            Ok(())
        );
        assert_eq!(
            parse("[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']"),
            Ok(())
        );
        let e = parse("[file:hashes.'SHA-256' = 'f00']").unwrap_err();
        assert_eq!(e.offset, 25);
        assert!(e.message.contains("not a valid SHA-256 hash"), "{e}");
        assert!(parse("[file:hashes.MD5 = 5]").is_err());
        assert!(parse("[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', 'x')]").is_err());
        assert_eq!(
            parse(
                "[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', 'cead3f77f6cda6ec00f57d76c9a6879e')]"
            ),
            Ok(())
        );
        // Operands that are patterns, unknown algorithms and indexes are not hashes.
        assert_eq!(parse("[file:hashes.MD5 LIKE 'cead%']"), Ok(()));
        assert_eq!(parse("[file:hashes.'x-custom' = 'abc']"), Ok(()));
        assert_eq!(parse("[file:hashes[*] = 'abc']"), Ok(()));
        assert_eq!(parse("[file:name.MD5 = 'abc']"), Ok(()));
    }

    #[test]
    fn a_negative_list_index_is_accepted_as_the_grammar_allows() {
        assert_eq!(parse("[a:b[-1].c = 1]"), Ok(()));
        assert!(parse("[a:b[-01] = 1]").is_err());
    }

    #[test]
    fn a_qualifier_type_may_repeat_only_on_a_parenthesised_group() {
        assert!(parse("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS").is_err());
        assert_eq!(
            parse("([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS"),
            Ok(())
        );
        assert_eq!(parse("[a:b = 1] REPEATS 2 TIMES WITHIN 6 SECONDS"), Ok(()));
    }
}
