//! Text out of the XML parts of office packages, one event at a time: no tree is built,
//! nesting is counted against [`Limits::depth`] (a part nested 100,000 levels deep stops
//! at the limit), only XML's five entities and character references are resolved (a
//! DOCTYPE's own entities are never expanded, so there is no entity bomb), and cells are
//! counted against [`Limits::cells`] as they stream by.

use super::{Limits, Reason, Stop, Text};
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use std::io::BufRead;

/// What of one kind of XML part is text, by local element names: prefixes are ignored,
/// so `w:t`, `a:t` and `t` are all `t`.
#[derive(Debug)]
pub(super) struct Rules {
    /// Character data inside these elements is text.
    pub text: &'static [&'static str],
    /// Only inside this element (ODF's `office:body`, leaving styles out); `None`:
    /// anywhere.
    pub within: Option<&'static str>,
    /// Left out with everything inside: text a reader does not see (alternative content
    /// kept for old readers, tracked deletions, phonetic guides).
    pub skip: &'static [&'static str],
    /// Their end ends a line (paragraphs, cells, shared strings).
    pub lines: &'static [&'static str],
    /// Empty elements standing for a space (tabs, ODF's runs of spaces).
    pub spaces: &'static [&'static str],
    /// Empty elements standing for a line break.
    pub breaks: &'static [&'static str],
    /// Elements counted as spreadsheet cells.
    pub cells: &'static [&'static str],
    /// XLSX worksheets: a cell naming a shared string (`t="s"`; its text is read from the
    /// shared strings part), a boolean or an error has no text of its own.
    pub worksheet: bool,
}

impl Rules {
    const NONE: Self = Self {
        text: &[],
        within: None,
        skip: &[],
        lines: &[],
        spaces: &[],
        breaks: &[],
        cells: &[],
        worksheet: false,
    };
}

/// DOCX parts: runs' text (`w:t`), paragraphs, tabs and breaks. `mc:Fallback` repeats
/// a text box's text for old readers.
pub(super) const WORDPROCESSING: Rules = Rules {
    text: &["t"],
    skip: &["Fallback", "delText"],
    lines: &["p"],
    spaces: &["tab"],
    breaks: &["br", "cr"],
    ..Rules::NONE
};

/// PPTX slides and notes: DrawingML text (`a:t`) in paragraphs.
pub(super) const PRESENTATION: Rules = Rules {
    text: &["t"],
    skip: &["Fallback"],
    lines: &["p"],
    breaks: &["br"],
    ..Rules::NONE
};

/// XLSX `sharedStrings.xml`: each `si` one string, whether plain or in rich runs.
pub(super) const SHARED_STRINGS: Rules = Rules {
    text: &["t"],
    skip: &["rPh"],
    lines: &["si"],
    ..Rules::NONE
};

/// XLSX worksheets: the values of cells that hold their own (numbers, inline strings,
/// formula results); every cell counts against the limit.
pub(super) const WORKSHEET: Rules = Rules {
    text: &["v", "t"],
    lines: &["c"],
    cells: &["c"],
    worksheet: true,
    ..Rules::NONE
};

/// ODF `content.xml`: paragraphs and headings in the body (ODT, ODS cells, ODP frames);
/// a repeated cell is one element, counted once.
pub(super) const OPEN_DOCUMENT: Rules = Rules {
    text: &["p", "h"],
    within: Some("body"),
    skip: &["tracked-changes"],
    lines: &["p", "h"],
    spaces: &["s", "tab"],
    breaks: &["line-break"],
    cells: &["table-cell", "covered-table-cell"],
    ..Rules::NONE
};

/// Where the reader is in the part.
#[derive(Debug, Default)]
struct Place {
    depth: usize,
    /// Depth of the open `within` element, of the skipped element, of the text element.
    within: Option<usize>,
    skipped: Option<usize>,
    text: Option<usize>,
}

impl Place {
    fn in_scope(&self, rules: &Rules) -> bool {
        self.skipped.is_none() && (rules.within.is_none() || self.within.is_some())
    }

    fn in_text(&self, rules: &Rules) -> bool {
        self.in_scope(rules) && self.text.is_some()
    }
}

/// Adds the text of one XML part to `text` by `rules`, counting its cells into `cells`.
/// `Malformed` for anything that is not well-formed XML (including a read that failed:
/// the caller tells its own size limits apart).
pub(super) fn collect<R: BufRead>(
    source: R,
    rules: &Rules,
    limits: &Limits,
    cells: &mut u64,
    text: &mut Text,
) -> Result<(), Stop> {
    let mut xml = Reader::from_reader(source);
    xml.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let mut place = Place::default();
    // XLSX: the open cell names a shared string (or a boolean or error).
    let mut shared_cell = false;
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|_| Reason::Malformed)?;
        match event {
            Event::Start(element) => {
                place.depth += 1;
                if place.depth > limits.depth {
                    return Err(Reason::TooDeep.into());
                }
                let name = element.local_name();
                let name = name.as_ref();
                count_cell(rules, name, limits, cells)?;
                if rules.worksheet && name == "c" {
                    shared_cell = names_no_value(&element);
                }
                if place.skipped.is_none() && rules.skip.contains(&name) {
                    place.skipped = Some(place.depth);
                }
                if place.within.is_none() && rules.within == Some(name) {
                    place.within = Some(place.depth);
                }
                let has_text = !(rules.worksheet && shared_cell && name == "v");
                if place.text.is_none() && has_text && rules.text.contains(&name) {
                    place.text = Some(place.depth);
                }
            }
            Event::Empty(element) => {
                let name = element.local_name();
                let name = name.as_ref();
                count_cell(rules, name, limits, cells)?;
                if place.in_scope(rules) {
                    if rules.breaks.contains(&name) || rules.lines.contains(&name) {
                        text.line_break()?;
                    } else if rules.spaces.contains(&name) {
                        text.space()?;
                    }
                }
            }
            Event::End(element) => {
                let name = element.local_name();
                if place.in_scope(rules) && rules.lines.contains(&name.as_ref()) {
                    text.line_break()?;
                }
                let depth = Some(place.depth);
                if place.text == depth {
                    place.text = None;
                }
                if place.skipped == depth {
                    place.skipped = None;
                }
                if place.within == depth {
                    place.within = None;
                }
                place.depth = place.depth.saturating_sub(1);
            }
            Event::Text(content) if place.in_text(rules) => {
                text.push(&content.xml10_content())?;
            }
            Event::CData(content) if place.in_text(rules) => {
                text.push(&content)?;
            }
            Event::GeneralRef(reference) if place.in_text(rules) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => resolve_predefined_entity(&reference).map(str::to_string),
                    Err(_) => return Err(Reason::Malformed.into()),
                };
                // An entity the document declared itself is left out, never expanded.
                if let Some(resolved) = resolved {
                    text.push(&resolved)?;
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

fn count_cell(rules: &Rules, name: &str, limits: &Limits, cells: &mut u64) -> Result<(), Stop> {
    if rules.cells.contains(&name) {
        *cells += 1;
        if *cells > limits.cells {
            return Err(Reason::TooManyCells.into());
        }
    }
    Ok(())
}

/// An XLSX cell whose value is an index into the shared strings (`s`), a boolean (`b`)
/// or an error code (`e`) rather than text of its own.
fn names_no_value(cell: &BytesStart<'_>) -> bool {
    cell.try_get_attribute("t")
        .ok()
        .flatten()
        .is_some_and(|t| matches!(&*t.value, "s" | "b" | "e"))
}
