//! The Markdown renderer for forum posts.
//!
//! A post is written in CommonMark with tables, strikethrough and task lists, rendered
//! once when it is saved, and the sanitised HTML is stored beside the source. Three
//! layers keep the output safe:
//!
//! 1. Raw HTML written in a post never becomes markup: pulldown-cmark's `Html` and
//!    `InlineHtml` events are turned into text, so `<script>` shows as `<script>`.
//! 2. While the events stream past, the renderer refuses posts whose shape would be
//!    costly to render or display: too deeply nested, too many links, or expanding to
//!    far more HTML than the source suggests (table and reference amplification).
//! 3. The HTML is run through an ammonia whitelist as defence in depth: only the tags
//!    Markdown produces, no `style`/`id`/event handlers, links only to http, https,
//!    mailto or relative URLs (with `rel="noopener noreferrer nofollow"`), no images,
//!    and task-list inputs forced to disabled checkboxes.
//!
//! Images come only from the library's file route, `/files/{id}` (an image document,
//! served to readers who may see it, each read audited): anything else is written as
//! its alt text. An image is a GET the reader's browser makes by itself, so a post could
//! otherwise make everyone who opens it load any page of the platform (`/events` streams
//! without end, `/lang/en` switches the language) or any site outside it.
//!
//! Each task-list checkbox is wrapped with its item's text in a `<label>`, so that it has
//! a name (WCAG 4.1.2) in every language without storing a translated word.
//!
//! Stored HTML records the renderer version that made it ([`VERSION`]); at start the
//! server renders again whatever an older version made.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::error::{CoreError, CoreResult};

/// Posts longer than this many characters are refused.
pub const MAX_SOURCE_CHARS: usize = 100_000;

/// Deepest nesting of blocks and inlines (Start/End events) a post may reach.
const MAX_DEPTH: usize = 32;

/// Most links plus images a post may contain.
const MAX_LINKS: usize = 1_000;

/// Upper bound on the estimated size of the rendered HTML, in bytes. An ordinary
/// post of [`MAX_SOURCE_CHARS`] stays far below it (about 200 kB); what exceeds it is
/// amplification, refused as `too_long`: chiefly a wide table header followed by many
/// short rows, whose missing cells pulldown-cmark fills in (up to 262,144 of them).
/// pulldown-cmark already caps reference-link expansion at the input's length; this
/// is the backstop for that too.
const MAX_RENDER_BUDGET: usize = 2_000_000;

/// Estimated bytes a tag event adds to the output (`<td>`, `</li>`, ...).
const TAG_COST: usize = 8;

const FIELD: &str = "body";

/// The version of the rendering rules. Raise it whenever they change what HTML a source
/// becomes: stored posts and revisions made by an older version are rendered again.
/// 1: the first renderer. 2: images as alt text, labelled task-list checkboxes.
/// 3: images from `/files/{id}`. 4: the same HTML; the links to documents of every
/// stored post recorded (`post_document_links`, see [`linked_documents`]).
pub const VERSION: i64 = 4;

/// A rendered post: the sanitised HTML, stored beside the source.
pub fn render(source: &str) -> CoreResult<String> {
    render_showing(source, |_| true)
}

/// [`render`], keeping only the images of the documents `shown` admits (others are
/// written as their alt text): a library page shows only its own group's images.
pub fn render_showing(source: &str, shown: impl Fn(i64) -> bool) -> CoreResult<String> {
    if source.trim().is_empty() {
        return Err(CoreError::invalid(FIELD, "required"));
    }
    if source.chars().count() > MAX_SOURCE_CHARS {
        return Err(CoreError::invalid(FIELD, "too_long"));
    }

    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut events = Vec::new();
    let mut depth = 0usize;
    let mut links = 0usize;
    let mut budget = 0usize;
    let mut task_label_open = false;
    // For each image open: whether it is kept (its end tag must match its start).
    let mut images: Vec<bool> = Vec::new();
    for event in Parser::new_ext(source, options) {
        budget += estimated_size(&event);
        if budget > MAX_RENDER_BUDGET {
            return Err(CoreError::invalid(FIELD, "too_long"));
        }
        if let Event::Start(tag) = &event {
            if depth >= MAX_DEPTH {
                return Err(CoreError::invalid(FIELD, "too_deep"));
            }
            if matches!(tag, Tag::Link { .. } | Tag::Image { .. }) {
                links += 1;
                if links > MAX_LINKS {
                    return Err(CoreError::invalid(FIELD, "too_many_links"));
                }
            }
        }
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        if task_label_open && ends_a_task_label(&event) {
            events.push(Event::InlineHtml("</label>".into()));
            task_label_open = false;
        }
        let event = match event {
            Event::Start(Tag::Image { ref dest_url, .. })
                if is_file_route(dest_url) && file_id(dest_url).is_some_and(&shown) =>
            {
                images.push(true);
                event
            }
            // Any other image is written as its alt text (the events between start and
            // end).
            Event::Start(Tag::Image { .. }) => {
                images.push(false);
                continue;
            }
            Event::End(TagEnd::Image) => {
                if images.pop() == Some(true) {
                    event
                } else {
                    continue;
                }
            }
            // An HTML block becomes a paragraph holding its text.
            Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
            // Raw HTML is shown as what was typed, never interpreted.
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            Event::TaskListMarker(checked) => {
                events.push(Event::InlineHtml("<label>".into()));
                task_label_open = true;
                Event::TaskListMarker(checked)
            }
            other => other,
        };
        events.push(event);
    }
    if task_label_open {
        events.push(Event::InlineHtml("</label>".into()));
    }

    let mut html = String::with_capacity(source.len() + source.len() / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Ok(SANITIZER.clean(&html).to_string())
}

/// Whether a task item's label must close before `event`: a label holds phrasing
/// content only, so it ends with the item's first line of inline content.
fn ends_a_task_label(event: &Event<'_>) -> bool {
    match event {
        Event::Start(tag) => !matches!(
            tag,
            Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
        ),
        Event::End(tag) => !matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image
        ),
        _ => false,
    }
}

/// Roughly how many bytes of HTML an event turns into; only used against
/// [`MAX_RENDER_BUDGET`].
fn estimated_size(event: &Event<'_>) -> usize {
    match event {
        Event::Start(Tag::Link {
            dest_url, title, ..
        })
        | Event::Start(Tag::Image {
            dest_url, title, ..
        }) => TAG_COST + dest_url.len() + title.len(),
        Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Fenced(info))) => {
            TAG_COST + info.len()
        }
        Event::Text(text)
        | Event::Code(text)
        | Event::Html(text)
        | Event::InlineHtml(text)
        | Event::InlineMath(text)
        | Event::DisplayMath(text)
        | Event::FootnoteReference(text) => text.len(),
        _ => TAG_COST,
    }
}

/// The whitelist every rendered post passes through.
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&'static str> = [
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "ul",
        "ol",
        "li",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "input",
        "label",
        "img",
    ]
    .into_iter()
    .collect();
    let tag_attributes: HashMap<&'static str, HashSet<&'static str>> = [
        ("a", &["href", "title"][..]),
        ("ol", &["start"][..]),
        ("code", &["class"][..]),
        ("input", &["type", "checked", "disabled"][..]),
        ("img", &["src", "alt", "title"][..]),
    ]
    .into_iter()
    .map(|(tag, attrs)| (tag, attrs.iter().copied().collect()))
    .collect();
    // Whatever an input claims to be, it leaves as a disabled checkbox.
    let forced: HashMap<&'static str, HashMap<&'static str, &'static str>> = [(
        "input",
        [("type", "checkbox"), ("disabled", "")]
            .into_iter()
            .collect(),
    )]
    .into_iter()
    .collect();

    let mut builder = Builder::empty();
    builder
        .tags(tags)
        .tag_attributes(tag_attributes)
        .set_tag_attribute_values(forced)
        .generic_attributes(HashSet::new())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true)
        .attribute_filter(filter_attribute);
    builder
});

/// Second look at the attributes the whitelist let through.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let keep = match (element, attribute) {
        ("a", "href") => !has_script_scheme(value),
        ("code", "class") => is_language_class(value),
        ("ol", "start") => {
            (1..=10).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
        }
        ("input", "type") => value == "checkbox",
        ("img", "src") => is_file_route(value),
        _ => true,
    };
    keep.then_some(Cow::Borrowed(value))
}

/// The words of a Markdown text without its markup (for search snippets): text and code,
/// with breaks between blocks as spaces.
pub fn plain_text(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for event in Parser::new_ext(source, Options::empty()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The documents a source shows as images (`![…](/files/{id})`), each once, in order of
/// first use: what a library page may show is checked against them when it is saved.
pub fn image_files(source: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for event in Parser::new_ext(
        source,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    ) {
        if let Event::Start(Tag::Image { dest_url, .. }) = event
            && let Some(id) = file_id(&dest_url)
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// The document id of an image source that is exactly `/files/{id}`.
fn file_id(url: &str) -> Option<i64> {
    is_file_route(url)
        .then(|| url["/files/".len()..].parse().ok())
        .flatten()
}

/// Whether `url` is exactly `/files/{id}`, the only image source a post may use.
fn is_file_route(url: &str) -> bool {
    url.strip_prefix("/files/")
        .is_some_and(|id| (1..=18).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a link that is not plainly http, https or mailto mentions a scheme that
/// runs or embeds content once percent-decoded and stripped of whitespace and control
/// characters. ammonia already drops these schemes; this also drops disguises such as
/// `%20javascript:`, `java%09script:` or `\javascript:`, which browsers read as
/// harmless relative paths today but which no genuine link into the platform needs.
fn has_script_scheme(url: &str) -> bool {
    let bytes = url.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    let squeezed: Vec<u8> = decoded
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace() && !b.is_ascii_control())
        .map(|b| b.to_ascii_lowercase())
        .collect();
    if [&b"http:"[..], b"https:", b"mailto:"]
        .iter()
        .any(|scheme| squeezed.starts_with(scheme))
    {
        return false;
    }
    [&b"javascript:"[..], b"vbscript:", b"data:"]
        .iter()
        .any(|scheme| {
            squeezed
                .windows(scheme.len())
                .enumerate()
                .any(|(at, window)| {
                    window == *scheme && (at == 0 || !squeezed[at - 1].is_ascii_alphanumeric())
                })
        })
}

/// `language-xxx` as pulldown-cmark writes it for a fenced block's info string.
fn is_language_class(class: &str) -> bool {
    class.strip_prefix("language-").is_some_and(|lang| {
        (1..=32).contains(&lang.len())
            && lang
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_+#.-".contains(&b))
    })
}

/// The documents a post links, each once, in ascending order: the destinations of its
/// links that are exactly `/documents/{id}` (what the composer inserts, see
/// [`document_link`]). Read from the same parse as [`render`], so a link counts exactly
/// when the rendered post holds it (entities and escapes decoded, code and raw HTML not
/// links); anything else (`/documents/12x`, `/documents/1/../2`, a query, another site)
/// is no link to a document.
pub fn linked_documents(source: &str) -> Vec<i64> {
    // The options of `render`: a table or strikethrough changes what is a link.
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut ids: Vec<i64> = Parser::new_ext(source, options)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. }) => document_route_id(&dest_url),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The id in a link that is exactly `/documents/{id}`.
fn document_route_id(url: &str) -> Option<i64> {
    let id = url.strip_prefix("/documents/")?;
    if !(1..=18).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok().filter(|id| *id > 0)
}

/// The Markdown link to document `id` named by `title`, as the composer inserts it:
/// `[title](/documents/{id})`. The title's characters that Markdown would read as syntax
/// are escaped and its control characters become spaces, so whatever a title holds the
/// result is one link whose text is the title.
pub fn document_link(title: &str, id: i64) -> String {
    let mut link = String::with_capacity(title.len() + 32);
    link.push('[');
    for ch in title.chars() {
        match ch {
            '\\' | '[' | ']' | '*' | '_' | '`' | '<' | '>' | '&' | '~' | '|' | '!' => {
                link.push('\\');
                link.push(ch);
            }
            c if c.is_control() => link.push(' '),
            c => link.push(c),
        }
    }
    link.push_str("](/documents/");
    link.push_str(&id.to_string());
    link.push(')');
    link
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Generous enough for a debug build on a slow two-core machine.
    const BOMB_BOUND: Duration = Duration::from_secs(5);

    fn reason(result: CoreResult<String>) -> &'static str {
        match result {
            Err(CoreError::Invalid { field, reason }) => {
                assert_eq!(field, "body");
                reason
            }
            Err(other) => panic!("unexpected error {other:?}"),
            Ok(html) => panic!("expected a refusal, got {} bytes of HTML", html.len()),
        }
    }

    /// One tag of serialised output: its name (with `/` for end tags) and attributes.
    type ParsedTag = (String, Vec<(String, String)>);

    /// Splits ammonia's serialised output into its tags. Text never holds a bare `<`
    /// (it is written as `&lt;`) and attribute values are always double-quoted with
    /// `"` written as `&quot;`, so this small scanner is exact for that output.
    fn tags_of(html: &str) -> Vec<ParsedTag> {
        let bytes = html.as_bytes();
        let mut tags = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'<' {
                i += 1;
                continue;
            }
            i += 1;
            let start = i;
            while i < bytes.len() && !matches!(bytes[i], b' ' | b'>' | b'\t' | b'\n') {
                i += 1;
            }
            let name = html[start..i].to_ascii_lowercase();
            let mut attrs = Vec::new();
            loop {
                while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'/') {
                    i += 1;
                }
                if i >= bytes.len() {
                    panic!("unterminated tag in {html}");
                }
                if bytes[i] == b'>' {
                    i += 1;
                    break;
                }
                let attr_start = i;
                while i < bytes.len() && !matches!(bytes[i], b'=' | b' ' | b'>' | b'/') {
                    i += 1;
                }
                let attr = html[attr_start..i].to_ascii_lowercase();
                let mut value = String::new();
                if i < bytes.len() && bytes[i] == b'=' {
                    assert_eq!(bytes.get(i + 1), Some(&b'"'), "unquoted value in {html}");
                    let value_start = i + 2;
                    let end = html[value_start..]
                        .find('"')
                        .unwrap_or_else(|| panic!("unterminated value in {html}"));
                    value = html[value_start..value_start + end].to_string();
                    i = value_start + end + 1;
                }
                attrs.push((attr, value));
            }
            tags.push((name, attrs));
        }
        tags
    }

    /// A URL as a browser's parser would see it: entities undone, whitespace and
    /// control characters dropped, lower case.
    fn normalised_url(value: &str) -> String {
        value
            .replace("&amp;", "&")
            .replace("%09", "")
            .replace("%0A", "")
            .replace("%0D", "")
            .replace("%20", "")
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_ascii_lowercase()
    }

    /// The scheme of a URL as the WHATWG URL parser reads it: an ASCII letter, then
    /// letters, digits, `+`, `-` or `.`, then `:`. Anything else is a relative URL.
    fn url_scheme(url: &str) -> Option<&str> {
        let colon = url.find(':')?;
        let scheme = &url[..colon];
        let mut bytes = scheme.bytes();
        (bytes.next()?.is_ascii_alphabetic()
            && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)))
        .then_some(scheme)
    }

    fn allowed_attributes(tag: &str) -> &'static [&'static str] {
        match tag {
            "a" => &["href", "title", "rel"],
            "ol" => &["start"],
            "code" => &["class"],
            "input" => &["type", "checked", "disabled"],
            _ => &[],
        }
    }

    /// Every property a rendered post must have, whatever it was made from.
    fn assert_safe(payload: &str, html: &str) {
        let lower = html.to_ascii_lowercase();
        for literal in [
            "<script", "<iframe", "<svg", "<style", "<math", "<object", "<embed", "<form",
            "<details", "<meta", "<img", "<base", "<link", "<body", "<div", "<!--", "<![cdata",
            "<x ",
        ] {
            assert!(
                !lower.contains(literal),
                "{literal} survived in {html:?} (payload {payload:?})"
            );
        }
        for (name, attrs) in tags_of(html) {
            let bare = name.trim_start_matches('/');
            assert!(
                SANITIZER_TAGS.contains(&bare),
                "tag {name} in {html:?} (payload {payload:?})"
            );
            if name.starts_with('/') {
                assert!(attrs.is_empty(), "end tag with attributes in {html:?}");
                continue;
            }
            for (attr, value) in &attrs {
                assert!(
                    !attr.starts_with("on"),
                    "event handler {attr} in {html:?} (payload {payload:?})"
                );
                assert!(
                    allowed_attributes(bare).contains(&attr.as_str()),
                    "attribute {attr} on {bare} in {html:?} (payload {payload:?})"
                );
                if attr == "href" || attr == "src" {
                    let url = normalised_url(value);
                    for scheme in ["javascript:", "vbscript:", "data:"] {
                        assert!(
                            !url.contains(scheme),
                            "{scheme} in {html:?} (payload {payload:?})"
                        );
                    }
                }
                if attr == "href" {
                    let url = normalised_url(value);
                    assert!(
                        matches!(url_scheme(&url), None | Some("http" | "https" | "mailto")),
                        "href {value} in {html:?} (payload {payload:?})"
                    );
                }
            }
            if bare == "a" {
                assert!(
                    attrs
                        .iter()
                        .any(|(a, v)| a == "rel" && v == "noopener noreferrer nofollow"),
                    "link without rel in {html:?}"
                );
            }
            if bare == "input" {
                assert!(attrs.iter().any(|(a, v)| a == "type" && v == "checkbox"));
                assert!(attrs.iter().any(|(a, _)| a == "disabled"));
            }
        }
        assert_eq!(
            SANITIZER.clean(html).to_string(),
            html,
            "re-sanitising changed the output (payload {payload:?})"
        );
    }

    const SANITIZER_TAGS: &[&str] = &[
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "ul",
        "ol",
        "li",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "input",
        "label",
    ];

    /// In the spirit of the OWASP XSS filter evasion cheat sheet, plus the
    /// Markdown-specific ways in (link and image destinations, titles, references,
    /// autolinks, code fence info strings).
    const XSS_PAYLOADS: &[&str] = &[
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
        "[x](javascript&colon;alert(1))",
        "<a href=\"javascript:alert(1)\">x</a>",
        "![x](javascript:alert(1))",
        "<svg onload=alert(1)>",
        "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
        "<iframe src=\"https://evil.example/\"></iframe>",
        "<style>body { display: none }</style>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<javascript:alert(1)>",
        "<JAVASCRIPT:alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "<data:text/html,<script>alert(1)</script>>",
        "\"><script>alert(1)</script>",
        "[a](/x \"onmouseover=alert(1)\")",
        "[a](/x \"\\\" onmouseover=\\\"alert(1)\")",
        "![\" onerror=\"alert(1)](/files/x.png)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "![x][r]\n\n[r]: javascript:alert(1) \"t\"",
        "[x]\n\n[x]: vbscript:msgbox(1)",
        "<!-- <script>alert(1)</script> -->",
        "a <!-- x --> b",
        "<![CDATA[<script>alert(1)</script>]]>",
        "<details open ontoggle=alert(1)>",
        "[x](java&#x09;script:alert(1))",
        "[x](java&#x0A;script:alert(1))",
        "[x](java&#x0D;script:alert(1))",
        "[x](&#x20;javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](<javascript:alert(1)>)",
        "[x](javascript://%0Aalert(1))",
        "[x](\\javascript:alert(1))",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
        "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
        "<BODY ONLOAD=alert('XSS')>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<form action=\"javascript:alert(1)\"><input type=submit></form>",
        "<input type=\"text\" autofocus onfocus=alert(1)>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\">",
        "<link rel=stylesheet href=\"javascript:alert(1)\">",
        "```\"><script>alert(1)</script>\ncode\n```",
        "```js onclick=alert(1)\ncode\n```",
        "`<script>alert(1)</script>`",
        "[<img src=x onerror=alert(1)>](/x)",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<<script>script>alert(1)<</script>/script>",
        "<x onclick=alert(1)>click</x>",
        "- [x] <input type=text onfocus=alert(1) autofocus>",
        "<a href=\"&#1;javascript:alert(1)\">x</a>",
        "<https://example.com\" onmouseover=\"alert(1)>",
        "[x](https://example.com\"onmouseover=\"alert(1))",
        "![x](https://evil.example/p.gif\" onerror=\"alert(1))",
        "![x](//evil.example/x.png)",
        "![x](/\\evil.example/x.png)",
        "![x](/&#x09;/evil.example/x.png)",
        "| a |\n|---|\n| <script>alert(1)</script> |",
        "> <iframe srcdoc=\"<script>alert(1)</script>\">",
        "*<svg/onload=alert(1)>*",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<template><script>alert(1)</script></template>",
    ];

    #[test]
    fn xss_payloads_render_harmlessly() {
        assert!(XSS_PAYLOADS.len() >= 30);
        for payload in XSS_PAYLOADS {
            let html = render(payload).unwrap_or_else(|e| panic!("{payload:?}: {e}"));
            assert_safe(payload, &html);
            // The same payloads embedded in surrounding prose, a list and a quote.
            for wrapped in [
                format!("Hello\n\n{payload}\n\nbye"),
                format!("- item\n- {payload}"),
                format!("> {payload}"),
                format!("text {payload} text"),
            ] {
                let html = render(&wrapped).unwrap_or_else(|e| panic!("{wrapped:?}: {e}"));
                assert_safe(&wrapped, &html);
            }
        }
    }

    #[test]
    fn script_tags_are_shown_as_text() {
        let html = render("<script>alert(1)</script>").unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn inline_html_is_shown_as_text() {
        let html = render("a <b onclick=\"x\">bold</b> word").unwrap();
        assert_eq!(
            html,
            "<p>a &lt;b onclick=\"x\"&gt;bold&lt;/b&gt; word</p>\n"
        );
    }

    #[test]
    fn ordinary_markdown_renders() {
        let html =
            render("# Title\n\nSome *em* and **strong** text.\n\n---\n\n3. three\n4. four\n")
                .unwrap();
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>em</em>"), "{html}");
        assert!(html.contains("<strong>strong</strong>"), "{html}");
        assert!(html.contains("<hr>"), "{html}");
        assert!(html.contains("<ol start=\"3\">"), "{html}");
    }

    #[test]
    fn tables_render_without_style_attributes() {
        let html = render("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n").unwrap();
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<thead>"), "{html}");
        assert!(html.contains("<th>a</th>"), "{html}");
        assert!(html.contains("<tbody>"), "{html}");
        assert!(html.contains("<td>3</td>"), "{html}");
        assert!(!html.contains("style"), "{html}");
    }

    #[test]
    fn strikethrough_renders() {
        assert_eq!(render("~~gone~~").unwrap(), "<p><del>gone</del></p>\n");
    }

    #[test]
    fn task_lists_render_as_disabled_checkboxes_labelled_by_their_text() {
        let html = render("- [x] done\n- [ ] todo **now**\n").unwrap();
        assert_eq!(
            html,
            "<ul>\n<li><label><input disabled=\"\" type=\"checkbox\" checked=\"\">\ndone</label></li>\n\
             <li><label><input disabled=\"\" type=\"checkbox\">\ntodo <strong>now</strong></label></li>\n</ul>\n"
        );
        assert_safe("task list", &html);
    }

    #[test]
    fn a_task_label_ends_before_the_blocks_of_its_item() {
        for source in [
            "- [ ] first\n  - [x] nested\n- [ ] last",
            "- [ ] loose\n\n  second paragraph\n\n- [x] other",
            "1. [x] numbered\n   > quoted",
        ] {
            let html = render(source).unwrap();
            assert_eq!(
                html.matches("<label>").count(),
                html.matches("</label>").count(),
                "{html}"
            );
            for block in ["<ul>", "<p>", "<blockquote>", "<li>"] {
                let inside = html
                    .split("<label>")
                    .skip(1)
                    .any(|rest| rest.split("</label>").next().unwrap().contains(block));
                assert!(!inside, "{block} inside a label: {html}");
            }
            assert_safe(source, &html);
        }
    }

    #[test]
    fn links_carry_rel_noopener_noreferrer_nofollow() {
        assert_eq!(
            render("[a](https://example.com/x?y=1&z=2 \"T\")").unwrap(),
            "<p><a href=\"https://example.com/x?y=1&amp;z=2\" title=\"T\" \
             rel=\"noopener noreferrer nofollow\">a</a></p>\n"
        );
        assert_eq!(
            render("<https://example.com>").unwrap(),
            "<p><a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">\
             https://example.com</a></p>\n"
        );
    }

    #[test]
    fn relative_and_mailto_links_are_kept() {
        let html = render("[post](/forum/posts/1) [mail](mailto:a@example.com)").unwrap();
        assert!(html.contains("href=\"/forum/posts/1\""), "{html}");
        assert!(html.contains("href=\"mailto:a@example.com\""), "{html}");
    }

    #[test]
    fn javascript_links_lose_their_href() {
        for source in [
            "[x](javascript:alert(1))",
            "[x](&#x20;javascript:alert(1))",
            "[x](java&#x09;script:alert(1))",
            "[x](%20JavaScript:alert(1))",
            "[x](<data:text/html,x>)",
        ] {
            assert_eq!(
                render(source).unwrap(),
                "<p><a rel=\"noopener noreferrer nofollow\">x</a></p>\n",
                "{source}"
            );
        }
        // In a web address a script scheme is only text, and so is a word ending in one.
        assert!(
            render("[x](https://example.com/?q=javascript:x)")
                .unwrap()
                .contains("href=\"https://example.com/?q=javascript:x\"")
        );
        assert!(
            render("[x](/wiki/metadata:x)")
                .unwrap()
                .contains("href=\"/wiki/metadata:x\"")
        );
        assert_eq!(
            render("[x](\\javascript:alert(1))").unwrap(),
            "<p><a rel=\"noopener noreferrer nofollow\">x</a></p>\n"
        );
    }

    #[test]
    fn images_of_documents_not_shown_are_written_as_their_alt_text() {
        let html = render_showing("![a](/files/1) ![b](/files/2)", |id| id == 2).unwrap();
        assert_eq!(html, "<p>a <img src=\"/files/2\" alt=\"b\"></p>\n");
    }

    #[test]
    fn image_files_names_each_library_image_once_and_nothing_else() {
        let source = "![a](/files/12) ![b](/files/3) ![c](/files/12) ![d](/files/4x) \
                      ![e](https://example.org/files/5) [link](/files/6)";
        assert_eq!(image_files(source), vec![12, 3]);
        assert_eq!(image_files("`![a](/files/1)`"), Vec::<i64>::new());
    }

    #[test]
    fn images_other_than_library_files_are_written_as_their_alt_text() {
        for src in [
            "/events",
            "/threads/1",
            "/lang/en",
            "/files/1/../../events",
            "/files/x",
            "/files/1?x=1",
            "https://evil.example/p.gif",
            "//evil.example/x.png",
            "data:image/png;base64,iVBORw0KGgo=",
            "/\\evil.example/x.png",
        ] {
            let html = render(&format!("Se ![et *lille* billede]({src} \"T\") her")).unwrap();
            assert_eq!(html, "<p>Se et <em>lille</em> billede her</p>\n", "{src}");
        }
        let html = render("[![logo](/events)](/threads/2)").unwrap();
        assert_eq!(
            html,
            "<p><a href=\"/threads/2\" rel=\"noopener noreferrer nofollow\">logo</a></p>\n"
        );
    }

    #[test]
    fn an_image_from_the_library_file_route_is_shown_with_its_alt_text() {
        let html = render("Se ![Kortet over *netværket*](/files/12 \"Net\") her").unwrap();
        assert_eq!(
            html,
            "<p>Se <img src=\"/files/12\" alt=\"Kortet over netværket\" title=\"Net\"> her</p>\n"
        );
        // Nested: a library image inside a link, an outside one next to it.
        let html = render("[![a](/files/3)](/threads/2) ![b](/events)").unwrap();
        assert_eq!(
            html,
            "<p><a href=\"/threads/2\" rel=\"noopener noreferrer nofollow\"><img src=\"/files/3\" alt=\"a\"></a> b</p>\n"
        );
    }

    #[test]
    fn code_block_content_is_escaped() {
        let html = render("```rust\nlet a = \"<b>\" & 1; // <script>\n```\n").unwrap();
        assert!(
            html.starts_with("<pre><code class=\"language-rust\">"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert!(html.contains("&amp; 1"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        let html = render("`<b>`").unwrap();
        assert_eq!(html, "<p><code>&lt;b&gt;</code></p>\n");
    }

    #[test]
    fn odd_code_languages_lose_their_class() {
        let html = render("```a\"b\nx\n```").unwrap();
        assert_eq!(html, "<pre><code>x\n</code></pre>\n");
    }

    #[test]
    fn headings_are_kept_as_written() {
        let html = render("## Two\n\n###### Six").unwrap();
        assert_eq!(html, "<h2>Two</h2>\n<h6>Six</h6>\n");
    }

    #[test]
    fn empty_posts_are_required() {
        for source in ["", " ", "\n\n\t  \n"] {
            assert_eq!(reason(render(source)), "required", "{source:?}");
        }
    }

    #[test]
    fn posts_over_the_limit_are_too_long() {
        let source = "a".repeat(MAX_SOURCE_CHARS + 1);
        assert_eq!(reason(render(&source)), "too_long");
        // Characters, not bytes, are counted.
        let source = "ø".repeat(MAX_SOURCE_CHARS);
        assert!(render(&source).is_ok());
    }

    #[test]
    fn a_full_length_ordinary_post_renders() {
        let paragraph = "Dette er en helt **almindelig** sætning med et [link](/forum/1) \
                         og lidt `kode`.\n\n- punkt et\n- punkt to\n\n";
        let mut source = String::new();
        while source.chars().count() + paragraph.chars().count() <= MAX_SOURCE_CHARS {
            source.push_str(paragraph);
        }
        while source.chars().count() < MAX_SOURCE_CHARS {
            source.push('x');
        }
        assert_eq!(source.chars().count(), MAX_SOURCE_CHARS);
        let started = Instant::now();
        let html = render(&source).unwrap();
        let elapsed = started.elapsed();
        assert!(html.contains("<strong>almindelig</strong>"));
        assert!(elapsed < BOMB_BOUND, "{elapsed:?}");
        eprintln!("full-length post: {elapsed:?}, {} bytes", html.len());
    }

    #[test]
    fn deep_nesting_is_too_deep() {
        assert_eq!(reason(render(&">".repeat(MAX_DEPTH + 1))), "too_deep");
        assert_eq!(reason(render(&format!("{}x", "- ".repeat(20)))), "too_deep");
        // Sixteen quote levels around a paragraph and its text are fine.
        assert!(render(&format!("{}x", "> ".repeat(16))).is_ok());
    }

    #[test]
    fn more_than_a_thousand_links_is_too_many() {
        assert_eq!(
            reason(render(&"[a](/b) ".repeat(MAX_LINKS + 1))),
            "too_many_links"
        );
        assert_eq!(
            reason(render(&"![a](/b) ".repeat(MAX_LINKS + 1))),
            "too_many_links"
        );
        assert!(render(&"[a](/b) ".repeat(MAX_LINKS)).is_ok());
    }

    /// Renders `source`, checks it finished within [`BOMB_BOUND`] with `expected`
    /// (`Ok(())` or the refusal reason), and prints the time taken.
    fn assert_bomb(name: &str, source: &str, expected: Result<(), &'static str>) -> String {
        assert!(
            source.chars().count() <= MAX_SOURCE_CHARS,
            "{name} is too long a bomb"
        );
        let started = Instant::now();
        let result = render(source);
        let elapsed = started.elapsed();
        eprintln!("bomb {name}: {elapsed:?}");
        assert!(elapsed < BOMB_BOUND, "{name} took {elapsed:?}");
        match (result, expected) {
            (Ok(html), Ok(())) => {
                assert_safe(name, &html);
                html
            }
            (result, Err(want)) => {
                assert_eq!(reason(result), want, "{name}");
                String::new()
            }
            (Err(e), Ok(())) => panic!("{name}: {e}"),
        }
    }

    #[test]
    fn nested_quote_bombs_are_refused_quickly() {
        assert_bomb("100k >", &">".repeat(100_000), Err("too_deep"));
        assert_bomb("50k '> '", &"> ".repeat(50_000), Err("too_deep"));
        assert_bomb("33k '> -'", &"> - ".repeat(25_000), Err("too_deep"));
    }

    #[test]
    fn nested_list_bombs_are_refused_quickly() {
        assert_bomb(
            "10k nested '- '",
            &format!("{}text", "- ".repeat(10_000)),
            Err("too_deep"),
        );
        assert_bomb(
            "10k nested '1. '",
            &format!("{}text", "1. ".repeat(10_000)),
            Err("too_deep"),
        );
        // Indented nesting, as deep as the length limit allows.
        let mut source = String::new();
        let mut level = 0;
        while source.len() + 2 * level + 8 <= MAX_SOURCE_CHARS {
            source.push_str(&" ".repeat(2 * level));
            source.push_str("- text\n");
            level += 1;
        }
        assert_bomb("indented list", &source, Err("too_deep"));
    }

    #[test]
    fn emphasis_bombs_terminate() {
        assert_bomb("50k *", &"*".repeat(50_000), Ok(()));
        assert_bomb("50k * with text", &"*a".repeat(50_000), Ok(()));
        assert_bomb("a** pattern", &"a**b".repeat(25_000), Ok(()));
        assert_bomb("*_ mix", &"*_**__".repeat(16_000), Ok(()));
        assert_bomb("~ runs", &"~~a".repeat(33_000), Ok(()));
        assert_bomb(
            "nested emphasis",
            &format!("{}a{}", "*".repeat(30_000), "_".repeat(30_000)),
            Ok(()),
        );
    }

    #[test]
    fn bracket_bombs_terminate() {
        assert_bomb("50k [", &"[".repeat(50_000), Ok(()));
        assert_bomb("50k ]", &"]".repeat(50_000), Ok(()));
        assert_bomb(
            "[ then ]",
            &format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)),
            Ok(()),
        );
        assert_bomb("50k ![", &"![".repeat(50_000), Ok(()));
        assert_bomb("unclosed destinations", &"[a](".repeat(25_000), Ok(()));
        assert_bomb("unclosed titles", &"[a](b \"".repeat(14_000), Ok(()));
        assert_bomb(
            "nested parens",
            &format!("[a]({}", "(".repeat(99_000)),
            Ok(()),
        );
        assert_bomb(
            "nested links",
            &format!("{}a{}", "[".repeat(10_000), "](x)".repeat(10_000)),
            Ok(()),
        );
    }

    #[test]
    fn link_bombs_are_refused_quickly() {
        assert_bomb(
            "[a](b) to 100k",
            &"[a](b)".repeat(100_000 / 6),
            Err("too_many_links"),
        );
        assert_bomb(
            "autolinks",
            &"<http://a>".repeat(10_000),
            Err("too_many_links"),
        );
        assert_bomb(
            "reference uses",
            &format!("{}\n\n[a]: /b", "[a]".repeat(30_000)),
            Err("too_many_links"),
        );
    }

    #[test]
    fn amplification_bombs_are_refused_quickly() {
        // One long reference destination used 1,000 times would be 90 MB of HTML;
        // pulldown-cmark stops expanding references past the length of the input.
        let long = format!("/{}", "x".repeat(90_000));
        let source = format!("{}\n\n[a]: {long}", "[a] ".repeat(2_000));
        let html = assert_bomb("reference amplification", &source, Ok(()));
        assert!(html.len() < 1_000_000, "{} bytes", html.len());
        // A wide header followed by many one-cell rows: the missing cells are filled in.
        let columns = 10_000;
        let mut source = format!("{}|\n{}|\n", "|a".repeat(columns), "|-".repeat(columns));
        while source.len() + 2 <= MAX_SOURCE_CHARS {
            source.push_str("a\n");
        }
        assert_bomb("table amplification", &source, Err("too_long"));
    }

    #[test]
    fn html_and_code_bombs_terminate() {
        assert_bomb("50k <", &"<".repeat(50_000), Ok(()));
        assert_bomb("unclosed comments", &"a <!-- ".repeat(14_000), Ok(()));
        assert_bomb("unclosed tags", &"a <b x=\"".repeat(12_000), Ok(()));
        assert_bomb("unclosed cdata", &"a <![CDATA[".repeat(9_000), Ok(()));
        assert_bomb("html blocks", &"<div>\n\n".repeat(14_000), Ok(()));
        let mut backticks = String::new();
        let mut run = 1;
        while backticks.len() + run < MAX_SOURCE_CHARS {
            backticks.push_str(&"`".repeat(run));
            backticks.push('a');
            run += 1;
        }
        assert_bomb("growing backtick runs", &backticks, Ok(()));
        assert_bomb("50k `", &"`a".repeat(50_000), Ok(()));
        assert_bomb("entities", &"&amp;&#x3C;&lt;".repeat(6_000), Ok(()));
        assert_bomb("escaped quotes", &"\"".repeat(100_000), Ok(()));
    }

    #[test]
    fn table_bombs_terminate() {
        assert_bomb(
            "100k pipes",
            &format!("a|b\n-|-\n{}", "|".repeat(99_000)),
            Ok(()),
        );
        assert_bomb(
            "many small cells",
            &format!("a|b\n-|-\n{}", "a|b\n".repeat(24_000)),
            Ok(()),
        );
    }
}

#[cfg(test)]
mod document_link_tests {
    use super::*;

    #[test]
    fn only_links_that_are_exactly_a_document_route_count() {
        let source = "[a](/documents/12) [b](/documents/3 \"T\") [c](/documents/12) \
                      [d](/documents/12x) [e](/documents/1/../2) [f](/documents/4?x=1) \
                      [g](/documents/5#top) [h](https://example.org/documents/6) \
                      [i](documents/7) [j](/documents/) [k](/documents/0) \
                      [l](/documents/99999999999999999999) [m](/files/8) ![n](/documents/9) \
                      `[o](/documents/10)` <a href=\"/documents/11\">p</a> \
                      [q](/Documents/13) [r]( /documents/14 )";
        // `[r]`: CommonMark trims the spaces around a destination, as the renderer does.
        assert_eq!(linked_documents(source), vec![3, 12, 14]);
        assert_eq!(linked_documents("no links at all"), Vec::<i64>::new());
    }

    #[test]
    fn links_count_as_the_rendered_post_holds_them() {
        for (source, ids) in [
            ("[ref][x]\n\n[x]: /documents/21", vec![21]),
            ("| a | b |\n|---|---|\n| [t](/documents/22) | x |", vec![22]),
            ("[e](/documents/&#50;3)", vec![23]),
            (
                "- [ ] [task](/documents/24)\n> [quote](/documents/25)",
                vec![24, 25],
            ),
            ("```\n[code](/documents/26)\n```", vec![]),
            ("\\[not](/documents/27)", vec![]),
        ] {
            assert_eq!(linked_documents(source), ids, "{source}");
            let html = render(source).unwrap();
            for id in &ids {
                assert!(
                    html.contains(&format!("href=\"/documents/{id}\"")),
                    "{source}: {html}"
                );
            }
            assert_eq!(
                html.matches("href=\"/documents/").count(),
                ids.len(),
                "{source}: {html}"
            );
        }
    }

    #[test]
    fn a_document_link_names_the_title_whatever_it_holds() {
        for title in [
            "Beredskabsplan 2026",
            "Plan [udkast] ]x[",
            "a\\] (/evil) [b",
            "**fed** _kursiv_ `kode` ~~streg~~",
            "<script>alert(1)</script> & &amp;",
            "tabel | celle",
            "![billede](/files/1)",
            "slut med \\",
        ] {
            let link = document_link(title, 42);
            assert_eq!(linked_documents(&link), vec![42], "{link}");
            let html = render(&link).unwrap();
            let text = title
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            assert_eq!(
                html,
                format!(
                    "<p><a href=\"/documents/42\" rel=\"noopener noreferrer nofollow\">{text}</a></p>\n"
                ),
                "{link}"
            );
            // Inside a table cell as well.
            let in_table = format!("| a |\n|---|\n| {link} |");
            assert_eq!(linked_documents(&in_table), vec![42], "{in_table}");
        }
        assert_eq!(document_link("to\nlinjer", 7), "[to linjer](/documents/7)");
    }
}
