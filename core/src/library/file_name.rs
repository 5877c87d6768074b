//! The name an uploaded file is kept and offered under. Whatever a browser sent, the
//! stored name is one plain name: no directories, no control or bidirectional-override
//! characters (which can make `exe.pdf` read as `fdp.exe`), at most 200 characters with
//! its extension kept. It is only ever shown escaped, and sent in `Content-Disposition`
//! by [`ascii_fallback`] and as RFC 6266 `filename*`.

/// The longest name kept, in characters.
pub const MAX_CHARS: usize = 200;

/// What a file with no usable name is called.
const UNNAMED: &str = "fil";

/// The name to keep for a file uploaded as `raw`.
pub fn safe_file_name(raw: &str) -> String {
    // Only the last path component, whichever separator the client's system uses.
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let trimmed = cleaned.trim().trim_matches('.').trim();
    if trimmed.is_empty() {
        return UNNAMED.to_string();
    }
    if trimmed.chars().count() <= MAX_CHARS {
        return trimmed.to_string();
    }
    // Too long: shorten the stem, keep a short extension.
    match trimmed.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().count() <= 10 => {
            let keep = MAX_CHARS - ext.chars().count() - 1;
            let stem: String = stem.chars().take(keep).collect();
            format!("{}.{ext}", stem.trim_end())
        }
        _ => trimmed.chars().take(MAX_CHARS).collect(),
    }
}

/// The name as plain printable ASCII for the `filename=` of `Content-Disposition`
/// (browsers that read `filename*` get the real name): other characters become `_`,
/// and quotes and backslashes, which would end or escape the quoted value, too.
pub fn ascii_fallback(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| match c {
            '"' | '\\' => '_',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '_',
        })
        .collect();
    if ascii.trim_matches(['_', ' ', '.']).is_empty() {
        UNNAMED.to_string()
    } else {
        ascii
    }
}

/// Characters that reorder the text around them when displayed.
pub(super) fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_either_kind_are_cut_to_the_last_name() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\Users\\bo\\Risiko.docx"), "Risiko.docx");
        assert_eq!(safe_file_name(".."), "fil");
        assert_eq!(safe_file_name("dir/"), "fil");
    }

    #[test]
    fn control_and_bidi_characters_are_dropped() {
        assert_eq!(safe_file_name("a\0b\r\n.pdf"), "ab.pdf");
        assert_eq!(safe_file_name("rapport\u{202E}fdp.exe"), "rapportfdp.exe");
        assert_eq!(safe_file_name("\u{2066}x\u{2069}.txt"), "x.txt");
    }

    #[test]
    fn markup_in_a_name_is_kept_as_text() {
        // Escaped wherever it is shown; nothing is lost that a person typed.
        assert_eq!(
            safe_file_name("<img src=x onerror=alert(1)>.pdf"),
            "<img src=x onerror=alert(1)>.pdf"
        );
    }

    #[test]
    fn a_long_name_is_shortened_keeping_its_extension() {
        let name = format!("{}.pdf", "æ".repeat(10_000));
        let kept = safe_file_name(&name);
        assert_eq!(kept.chars().count(), MAX_CHARS);
        assert!(kept.ends_with(".pdf"));
    }

    #[test]
    fn the_ascii_fallback_has_no_quotes_or_non_ascii() {
        assert_eq!(ascii_fallback("Årsplan \"v2\".pdf"), "_rsplan _v2_.pdf");
        assert_eq!(ascii_fallback("ææ"), "fil");
    }
}
