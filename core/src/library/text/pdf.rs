//! PDF: parsed whole by `lopdf` (through `pdf-extract`, which re-exports the version it
//! reads with), its page tree walked here first, then its text laid out by `pdf-extract`.
//!
//! The walk counts pages as a viewer would show them, by every path that reaches them:
//! a tree whose `Kids` name one page a million times is a million pages, and stops at
//! [`Limits::pages`]. A tree that contains itself, or a page whose `/Parent` chain loops
//! (which `pdf-extract` would follow for ever), is malformed. `pdf-extract` panics on some
//! odd files: a panic is caught here and the file is malformed. What cannot be caught here
//! (unbounded recursion through forms that draw themselves, a file that takes for ever)
//! is contained by the child process this runs in.

use super::{Limits, Reason, Stop, Text};
use pdf_extract::{
    Document, MediaBox, Object, ObjectId, OutputDev, OutputError, PlainTextOutput, Transform,
};
use std::cell::RefCell;
use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};

pub(super) fn extract<R: Read + Seek>(
    mut input: R,
    limits: &Limits,
    text: &mut Text,
) -> Result<(), Stop> {
    let size = input
        .seek(SeekFrom::End(0))
        .map_err(|_| Reason::Malformed)?;
    if size > limits.input_bytes {
        return Err(Reason::TooLarge.into());
    }
    input.rewind().map_err(|_| Reason::Malformed)?;
    let mut bytes = Vec::with_capacity(size as usize);
    input
        .take(limits.input_bytes)
        .read_to_end(&mut bytes)
        .map_err(|_| Reason::Malformed)?;
    let loaded = catch_unwind(|| Document::load_mem(&bytes));
    drop(bytes);
    let mut document = match loaded {
        Ok(Ok(document)) => document,
        Ok(Err(pdf_extract::Error::Decryption(_) | pdf_extract::Error::InvalidPassword)) => {
            return Err(Reason::Encrypted.into());
        }
        Ok(Err(_)) | Err(_) => return Err(Reason::Malformed.into()),
    };
    // Encrypted with an empty user password, it opens like any other.
    if document.is_encrypted() && document.decrypt("").is_err() {
        return Err(Reason::Encrypted.into());
    }
    walk_pages(&document, limits)?;

    let sink = RefCell::new(Sink { text, full: false });
    let laid_out = catch_unwind(AssertUnwindSafe(|| {
        let mut writer = Shared(&sink);
        let writer: &mut dyn Write = &mut writer;
        let mut output = Pages {
            layout: PlainTextOutput::new(writer),
            sink: &sink,
        };
        pdf_extract::output_doc(&document, &mut output)
    }));
    match laid_out {
        _ if sink.borrow().full => Err(Stop::Full),
        Ok(Ok(())) => Ok(()),
        Ok(Err(OutputError::PdfError(pdf_extract::Error::Decryption(_)))) => {
            Err(Reason::Encrypted.into())
        }
        Ok(Err(_)) | Err(_) => Err(Reason::Malformed.into()),
    }
}

/// Walks the page tree from the catalogue depth first, counting every page by every path
/// to it; `TooManyPages` past the limit (also when the tree's own nodes, pages or not,
/// are visited more often than that: a tree of empty nodes can be wide too), `TooDeep`
/// past the nesting limit, `Malformed` for a node that is its own ancestor or a page
/// whose parents loop.
fn walk_pages(document: &Document, limits: &Limits) -> Result<(), Stop> {
    let root = document
        .catalog()
        .and_then(|catalog| catalog.get(b"Pages"))
        .and_then(Object::as_reference)
        .map_err(|_| Reason::Malformed)?;
    // Each frame: a node of the tree and how many of its kids were walked.
    let mut path: Vec<(ObjectId, usize)> = vec![(root, 0)];
    let mut on_path: HashSet<ObjectId> = HashSet::from([root]);
    let mut pages: u64 = 0;
    let mut visits: u64 = 0;
    let mut checked_parents: HashSet<ObjectId> = HashSet::new();
    while let Some(&mut (node, ref mut next)) = path.last_mut() {
        let kids = kids_of(document, node);
        let Some(kid) = kids.get(*next) else {
            path.pop();
            on_path.remove(&node);
            continue;
        };
        *next += 1;
        let Ok(kid) = kid.as_reference() else {
            continue;
        };
        visits += 1;
        if visits > limits.pages.saturating_mul(4) {
            return Err(Reason::TooManyPages.into());
        }
        match document
            .get_dictionary(kid)
            .ok()
            .and_then(|d| d.get_type().ok())
        {
            Some(b"Page") => {
                pages += 1;
                if pages > limits.pages {
                    return Err(Reason::TooManyPages.into());
                }
                if checked_parents.insert(kid) {
                    check_parents(document, kid, limits)?;
                }
            }
            Some(b"Pages") => {
                if !on_path.insert(kid) {
                    return Err(Reason::Malformed.into());
                }
                path.push((kid, 0));
                if path.len() > limits.depth {
                    return Err(Reason::TooDeep.into());
                }
            }
            // Neither a page nor a node: viewers skip it, and so does the layout.
            _ => {}
        }
    }
    Ok(())
}

fn kids_of(document: &Document, node: ObjectId) -> &[Object] {
    document
        .get_dictionary(node)
        .and_then(|d| d.get_deref(b"Kids", document))
        .and_then(Object::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Follows a page's `/Parent` chain (which the layout climbs for inherited attributes)
/// to its end: a loop is malformed, a chain past the nesting limit too deep.
fn check_parents(document: &Document, page: ObjectId, limits: &Limits) -> Result<(), Stop> {
    let mut seen = HashSet::from([page]);
    let mut current = page;
    while let Ok(parent) = document
        .get_dictionary(current)
        .and_then(|d| d.get(b"Parent"))
        .and_then(Object::as_reference)
    {
        if !seen.insert(parent) {
            return Err(Reason::Malformed.into());
        }
        if seen.len() > limits.depth {
            return Err(Reason::TooDeep.into());
        }
        current = parent;
    }
    Ok(())
}

/// Where the layout writes: the text, until it is full (the write then fails, which
/// ends the layout).
struct Sink<'a> {
    text: &'a mut Text,
    full: bool,
}

impl Sink<'_> {
    fn written(&mut self, added: Result<(), Stop>) -> std::io::Result<()> {
        added.map_err(|_| {
            self.full = true;
            std::io::Error::other("the text is full")
        })
    }
}

/// The sink as the layout's writer, shared with [`Pages`], which ends each page's line.
struct Shared<'s, 'a>(&'s RefCell<Sink<'a>>);

impl Write for Shared<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // The layout writes whole strings (`fmt::Write` over `io::Write`).
        let mut sink = self.0.borrow_mut();
        let written = String::from_utf8_lossy(buf);
        // The layout starts a page with line breaks; the text starts at its first word.
        let written: &str = if sink.text.is_empty() {
            written.trim_start()
        } else {
            &written
        };
        let added = sink.text.push(written);
        sink.written(added)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `pdf-extract`'s plain-text layout, with a line break after each page (it runs the
/// last line of one page into the first of the next).
struct Pages<'s, 'a, 'w> {
    layout: PlainTextOutput<&'w mut dyn Write>,
    sink: &'s RefCell<Sink<'a>>,
}

impl OutputDev for Pages<'_, '_, '_> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.layout.begin_page(page_num, media_box, art_box)
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.layout.end_page()?;
        let mut sink = self.sink.borrow_mut();
        let added = sink.text.line_break();
        sink.written(added).map_err(OutputError::IoError)
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        self.layout
            .output_character(trm, width, spacing, font_size, char)
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.layout.begin_word()
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        self.layout.end_word()
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        self.layout.end_line()
    }
}
