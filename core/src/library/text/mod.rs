//! The text of library files, for search. Each document format is read within
//! [`Limits`] (bytes held, pages, cells, XML nesting, bytes unpacked from a package, text
//! kept), so a hostile file ends as "not searchable" with a [`Reason`] instead of
//! exhausting whoever reads it. The reading runs in a child process (`vaern extract`),
//! which also limits its own CPU time and memory and contains the panics and unbounded
//! recursion some PDF files cause in the PDF crate; this module knows nothing of
//! processes. What was read is kept per file in the database ([`stored`]), so identical
//! bytes are read once and a search rebuild reads no file again.

mod markup;
mod package;
mod pdf;
pub mod stored;

#[cfg(any(test, feature = "samples"))]
pub mod samples;
#[cfg(test)]
mod tests;

use super::file_type::FileType;
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek};

/// Why a file's text is not searchable. Stored by its code; the pages say it in the
/// reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// More bytes than a reader may hold or unpack.
    TooLarge,
    TooManyPages,
    TooManyCells,
    /// Nested deeper than any real document (XML elements, a PDF's page tree or forms).
    TooDeep,
    /// Its reading used up the CPU time or wall-clock time allowed.
    TooSlow,
    /// Its reading needed more memory than allowed.
    TooMuchMemory,
    /// Protected by a password.
    Encrypted,
    /// Not a readable file of its type.
    Malformed,
    /// The reader ended abnormally on it (a signal, a panic outside the format readers).
    Crashed,
}

impl Reason {
    pub const ALL: [Self; 9] = [
        Self::TooLarge,
        Self::TooManyPages,
        Self::TooManyCells,
        Self::TooDeep,
        Self::TooSlow,
        Self::TooMuchMemory,
        Self::Encrypted,
        Self::Malformed,
        Self::Crashed,
    ];

    /// The stable code stored in the database and used as a translation key's suffix.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::TooManyPages => "too_many_pages",
            Self::TooManyCells => "too_many_cells",
            Self::TooDeep => "too_deep",
            Self::TooSlow => "too_slow",
            Self::TooMuchMemory => "too_much_memory",
            Self::Encrypted => "encrypted",
            Self::Malformed => "malformed",
            Self::Crashed => "crashed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// How much one reading may take. The defaults fit real documents with room to spare:
/// a 10,000-page PDF or a 500,000-cell workbook is read; beyond that a file is treated
/// as hostile rather than half read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest PDF read (a PDF is parsed whole, in memory).
    pub input_bytes: u64,
    /// Most text kept, in bytes of UTF-8; a longer text is cut there (and searchable).
    pub text_bytes: usize,
    /// Most pages of a PDF, counted as a viewer would show them.
    pub pages: u64,
    /// Most cells of a spreadsheet (XLSX, ODS), empty ones included.
    pub cells: u64,
    /// Deepest nesting of XML elements, and of a PDF's page tree.
    pub depth: usize,
    /// Most bytes unpacked from one part of an office package.
    pub part_bytes: u64,
    /// Most bytes unpacked from all the parts read of one package.
    pub package_bytes: u64,
    /// Most entries in an office package.
    pub parts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            input_bytes: 256 * 1024 * 1024,
            text_bytes: 4 * 1024 * 1024,
            pages: 10_000,
            cells: 500_000,
            depth: 256,
            part_bytes: 64 * 1024 * 1024,
            package_bytes: 256 * 1024 * 1024,
            parts: 10_000,
        }
    }
}

/// Text read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub text: String,
    /// The text was longer than [`Limits::text_bytes`]: only its start was kept.
    pub cut: bool,
}

/// Whether files of this type hold text to search. Images and ZIP archives do not (an
/// archive's members are not opened: that is where nested-archive bombs live).
pub fn holds_text(file_type: FileType) -> bool {
    !(file_type.is_image() || file_type == FileType::Zip)
}

/// Reads the text of `input`, a file of type `file_type` (ours, from its bytes), within
/// `limits`. A type that holds no text ([`holds_text`]) gives an empty text.
pub fn extract<R: Read + Seek>(
    file_type: FileType,
    input: R,
    limits: &Limits,
) -> Result<Extracted, Reason> {
    let mut text = Text::new(limits.text_bytes);
    let read = match file_type {
        FileType::Pdf => pdf::extract(input, limits, &mut text),
        FileType::Docx
        | FileType::Xlsx
        | FileType::Pptx
        | FileType::Odt
        | FileType::Ods
        | FileType::Odp => package::extract(file_type, input, limits, &mut text),
        FileType::Txt | FileType::Md | FileType::Csv => plain(input, &mut text),
        FileType::Png | FileType::Jpeg | FileType::Gif | FileType::Webp | FileType::Zip => Ok(()),
    };
    match read {
        Ok(()) => Ok(Extracted {
            text: text.finish(),
            cut: false,
        }),
        Err(Stop::Full) => Ok(Extracted {
            text: text.finish(),
            cut: true,
        }),
        Err(Stop::Failed(reason)) => Err(reason),
    }
}

/// TXT, MD and CSV: the text as it is (checked as UTF-8 at upload; read lossily all the
/// same). Markdown is kept with its marks, which the search tokenizer skips as it skips
/// any punctuation. Only as much as can be kept is read.
fn plain<R: Read>(input: R, text: &mut Text) -> Result<(), Stop> {
    let mut bytes = Vec::new();
    // A few bytes more than the limit: enough to tell that the text goes on.
    input
        .take(text.room() as u64 + 4)
        .read_to_end(&mut bytes)
        .map_err(|_| Reason::Malformed)?;
    text.push(&String::from_utf8_lossy(&bytes))
}

/// Why a reading stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The text reached its limit: what was kept is searchable.
    Full,
    Failed(Reason),
}

impl From<Reason> for Stop {
    fn from(reason: Reason) -> Self {
        Self::Failed(reason)
    }
}

/// The text being gathered, never longer than its limit.
#[derive(Debug)]
struct Text {
    buf: String,
    limit: usize,
}

impl Text {
    fn new(limit: usize) -> Self {
        Self {
            buf: String::new(),
            limit,
        }
    }

    fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    fn room(&self) -> usize {
        self.limit - self.buf.len()
    }

    /// Appends `s`, or as much of it as fits (cut at a character) and then `Full`.
    fn push(&mut self, s: &str) -> Result<(), Stop> {
        if s.len() <= self.room() {
            self.buf.push_str(s);
            return Ok(());
        }
        let mut end = self.room();
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.buf.push_str(&s[..end]);
        Err(Stop::Full)
    }

    /// Ends a line (a paragraph, a cell, a slide), once.
    fn line_break(&mut self) -> Result<(), Stop> {
        if self.buf.is_empty() || self.buf.ends_with('\n') {
            return Ok(());
        }
        self.push("\n")
    }

    /// Separates two words, once.
    fn space(&mut self) -> Result<(), Stop> {
        if self.buf.is_empty() || self.buf.ends_with(char::is_whitespace) {
            return Ok(());
        }
        self.push(" ")
    }

    fn finish(self) -> String {
        self.buf
    }
}
