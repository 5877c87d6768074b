//! Office packages (DOCX, XLSX, PPTX, ODT, ODS, ODP): ZIP archives whose text is in a few
//! XML parts. Only those parts are opened, never a nested archive or an embedded object
//! (where a 42.zip-style bomb would sit), and each is read through a counter of unpacked
//! bytes that stops at the part's and the package's limits, whatever sizes the archive
//! declares.

use super::markup::{self, Rules};
use super::{FileType, Limits, Reason, Stop, Text};
use std::cell::Cell;
use std::io::{BufReader, Read, Seek};
use zip::ZipArchive;
use zip::result::ZipError;

pub(super) fn extract<R: Read + Seek>(
    file_type: FileType,
    input: R,
    limits: &Limits,
    text: &mut Text,
) -> Result<(), Stop> {
    let mut archive = ZipArchive::new(input).map_err(reason_of)?;
    if archive.len() > limits.parts {
        return Err(Reason::TooLarge.into());
    }
    let unpacked = Unpacked::new(limits);
    let mut cells = 0;
    for (part, rules) in parts(file_type, &mut archive, &unpacked, limits)? {
        let entry = archive.by_name(&part).map_err(reason_of)?;
        let read = markup::collect(
            BufReader::new(unpacked.reader(entry)),
            rules,
            limits,
            &mut cells,
            text,
        );
        match read {
            Err(Stop::Failed(Reason::Malformed)) if unpacked.exceeded() => {
                return Err(Reason::TooLarge.into());
            }
            other => other?,
        }
        text.line_break()?;
    }
    Ok(())
}

/// The parts holding a package's text, in reading order, each with how to read it.
fn parts<R: Read + Seek>(
    file_type: FileType,
    archive: &mut ZipArchive<R>,
    unpacked: &Unpacked,
    limits: &Limits,
) -> Result<Vec<(String, &'static Rules)>, Stop> {
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.map(std::borrow::Cow::into_owned))
        .collect::<Result<_, _>>()
        .map_err(reason_of)?;
    let numbered = |prefix: &str| numbered(&names, prefix);
    let parts = match file_type {
        FileType::Docx => {
            let main = main_part(archive, unpacked, limits)?;
            let mut parts = vec![main];
            parts.extend(numbered("word/header"));
            parts.extend(numbered("word/footer"));
            for extra in [
                "word/footnotes.xml",
                "word/endnotes.xml",
                "word/comments.xml",
            ] {
                if names.iter().any(|n| n == extra) {
                    parts.push(extra.to_string());
                }
            }
            with(parts, &markup::WORDPROCESSING)
        }
        FileType::Pptx => {
            // The main part must be there; the slides are named by number.
            main_part(archive, unpacked, limits)?;
            let mut parts = numbered("ppt/slides/slide");
            parts.extend(numbered("ppt/notesSlides/notesSlide"));
            with(parts, &markup::PRESENTATION)
        }
        FileType::Xlsx => {
            main_part(archive, unpacked, limits)?;
            let shared = names
                .iter()
                .filter(|n| *n == "xl/sharedStrings.xml")
                .cloned()
                .collect();
            let mut parts = with(shared, &markup::SHARED_STRINGS);
            parts.extend(with(numbered("xl/worksheets/sheet"), &markup::WORKSHEET));
            parts
        }
        FileType::Odt | FileType::Ods | FileType::Odp => {
            if !names.iter().any(|n| n == "content.xml") {
                return Err(Reason::Malformed.into());
            }
            with(vec!["content.xml".into()], &markup::OPEN_DOCUMENT)
        }
        _ => Vec::new(),
    };
    Ok(parts)
}

fn with(parts: Vec<String>, rules: &'static Rules) -> Vec<(String, &'static Rules)> {
    parts.into_iter().map(|p| (p, rules)).collect()
}

/// The parts named `<prefix><number>.xml`, by number (`slide2` before `slide10`).
fn numbered(names: &[String], prefix: &str) -> Vec<String> {
    let mut found: Vec<(u64, &String)> = names
        .iter()
        .filter_map(|name| {
            let number = name.strip_prefix(prefix)?.strip_suffix(".xml")?;
            let n = if number.is_empty() {
                0
            } else {
                number.parse().ok()?
            };
            Some((n, name))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, name)| name.clone()).collect()
}

/// An OOXML package's main part (`word/document.xml` and the like), as its package
/// relationships name it: `Malformed` when they name none that is there.
fn main_part<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    unpacked: &Unpacked,
    limits: &Limits,
) -> Result<String, Stop> {
    use quick_xml::events::Event;
    let target = {
        let entry = archive.by_name("_rels/.rels").map_err(reason_of)?;
        let mut xml = quick_xml::Reader::from_reader(BufReader::new(unpacked.reader(entry)));
        let mut buf = Vec::new();
        let mut depth = 0;
        let mut target = None;
        loop {
            let event = xml.read_event_into(&mut buf);
            let event = match event {
                Ok(event) => event,
                Err(_) if unpacked.exceeded() => return Err(Reason::TooLarge.into()),
                Err(_) => return Err(Reason::Malformed.into()),
            };
            match event {
                Event::Start(_) => {
                    depth += 1;
                    if depth > limits.depth {
                        return Err(Reason::TooDeep.into());
                    }
                }
                Event::End(_) => depth -= 1,
                Event::Empty(rel) if rel.local_name().as_ref() == "Relationship" => {
                    let attr = |key: &str| {
                        rel.try_get_attribute(key)
                            .ok()
                            .flatten()
                            .map(|a| a.value.into_owned())
                    };
                    if attr("Type").is_some_and(|t| t.ends_with("/officeDocument")) {
                        target = attr("Target");
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        target.ok_or(Reason::Malformed)?
    };
    // Targets are relative to the package root, with or without a leading slash.
    let part = target.trim_start_matches('/').to_string();
    if archive.index_for_name(&part).is_none() {
        return Err(Reason::Malformed.into());
    }
    Ok(part)
}

fn reason_of(err: ZipError) -> Stop {
    match err {
        ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED) | ZipError::InvalidPassword => {
            Reason::Encrypted.into()
        }
        _ => Reason::Malformed.into(),
    }
}

/// Bytes unpacked so far from a package, against its limits.
struct Unpacked {
    left: Cell<u64>,
    part_limit: u64,
    exceeded: Cell<bool>,
}

impl Unpacked {
    fn new(limits: &Limits) -> Self {
        Self {
            left: Cell::new(limits.package_bytes),
            part_limit: limits.part_bytes,
            exceeded: Cell::new(false),
        }
    }

    fn reader<R: Read>(&self, inner: R) -> Capped<'_, R> {
        Capped {
            inner,
            read: 0,
            unpacked: self,
        }
    }

    /// A part or the package went past its limit (its read then failed).
    fn exceeded(&self) -> bool {
        self.exceeded.get()
    }
}

/// One part's bytes as they are unpacked, failing past the part's or the package's
/// limit.
struct Capped<'a, R> {
    inner: R,
    read: u64,
    unpacked: &'a Unpacked,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let left = self.unpacked.left.get().checked_sub(n as u64);
        match left {
            Some(left) if self.read <= self.unpacked.part_limit => {
                self.unpacked.left.set(left);
                Ok(n)
            }
            _ => {
                self.unpacked.exceeded.set(true);
                Err(std::io::Error::other("unpacked past the limit"))
            }
        }
    }
}
