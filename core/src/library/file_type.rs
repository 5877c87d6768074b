//! What an uploaded file is, told from its bytes: the type stored is ours, never the
//! client's. Binary formats are recognised by their content (`infer`); TXT, MD and CSV
//! are accepted only when the whole file is UTF-8 and its name says so. Everything
//! else (executables, scripts, HTML, SVG, unknown binaries) is refused, naming what was
//! found.

use serde::{Deserialize, Serialize};

/// The types a library accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileType {
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    Txt,
    Md,
    Csv,
    Png,
    Jpeg,
    Gif,
    Webp,
    Zip,
}

impl FileType {
    pub const ALL: [Self; 15] = [
        Self::Pdf,
        Self::Docx,
        Self::Xlsx,
        Self::Pptx,
        Self::Odt,
        Self::Ods,
        Self::Odp,
        Self::Txt,
        Self::Md,
        Self::Csv,
        Self::Png,
        Self::Jpeg,
        Self::Gif,
        Self::Webp,
        Self::Zip,
    ];

    /// The media type stored and sent (text types with their charset).
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            Self::Odt => "application/vnd.oasis.opendocument.text",
            Self::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Self::Odp => "application/vnd.oasis.opendocument.presentation",
            Self::Txt => "text/plain; charset=utf-8",
            Self::Md => "text/markdown; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Zip => "application/zip",
        }
    }

    /// The stored media type back as a type; `None` for anything this version does not
    /// accept (which is then served as a download of unknown type).
    pub fn from_media_type(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.media_type() == stored)
    }

    /// The short name people know the type by ("PDF", "DOCX"), for lists and filters.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Docx => "DOCX",
            Self::Xlsx => "XLSX",
            Self::Pptx => "PPTX",
            Self::Odt => "ODT",
            Self::Ods => "ODS",
            Self::Odp => "ODP",
            Self::Txt => "TXT",
            Self::Md => "MD",
            Self::Csv => "CSV",
            Self::Png => "PNG",
            Self::Jpeg => "JPEG",
            Self::Gif => "GIF",
            Self::Webp => "WebP",
            Self::Zip => "ZIP",
        }
    }

    /// An image the browser may show inline.
    pub fn is_image(self) -> bool {
        matches!(self, Self::Png | Self::Jpeg | Self::Gif | Self::Webp)
    }

    /// Text shown escaped (or as sanitised Markdown) on the document's page.
    pub fn is_text(self) -> bool {
        matches!(self, Self::Txt | Self::Md | Self::Csv)
    }
}

/// Why a file was refused: what it was found to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No bytes at all.
    Empty,
    /// A type we do not accept, named by its media type ("application/x-executable",
    /// "text/html", "image/svg+xml"), or "application/octet-stream" when unknown.
    Type(String),
}

/// The type of a file from its first bytes (`head`), whether all of it is UTF-8, and
/// the name it was uploaded with.
pub fn sniff(head: &[u8], valid_utf8: bool, file_name: &str) -> Result<FileType, Refused> {
    if head.is_empty() {
        return Err(Refused::Empty);
    }
    // Markup first, so SVG inside XML is named as SVG.
    if let Some(markup) = markup_in(head).filter(|_| valid_utf8) {
        return Err(Refused::Type(markup.into()));
    }
    if let Some(found) = infer::get(head) {
        return match found.mime_type() {
            "application/pdf" => Ok(FileType::Pdf),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                Ok(FileType::Docx)
            }
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                Ok(FileType::Xlsx)
            }
            "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
                Ok(FileType::Pptx)
            }
            "application/vnd.oasis.opendocument.text" => Ok(FileType::Odt),
            "application/vnd.oasis.opendocument.spreadsheet" => Ok(FileType::Ods),
            "application/vnd.oasis.opendocument.presentation" => Ok(FileType::Odp),
            "image/png" => Ok(FileType::Png),
            "image/jpeg" => Ok(FileType::Jpeg),
            "image/gif" => Ok(FileType::Gif),
            "image/webp" => Ok(FileType::Webp),
            "application/zip" => Ok(office_package(head).unwrap_or(FileType::Zip)),
            other => Err(Refused::Type(other.to_string())),
        };
    }
    if !valid_utf8 || head.contains(&0) {
        return Err(Refused::Type("application/octet-stream".into()));
    }
    match extension(file_name).as_deref() {
        Some("txt") => Ok(FileType::Txt),
        Some("md" | "markdown") => Ok(FileType::Md),
        Some("csv") => Ok(FileType::Csv),
        _ => Err(Refused::Type("text/plain".into())),
    }
}

/// The Office format of a ZIP archive that infer took for a plain one, from the names
/// of the entries whose local headers are in `head`: infer looks only at the first few
/// entries, in the order Microsoft Office writes them, and other writers (LibreOffice,
/// Google Docs, Pages) order them otherwise. An OOXML package has `[Content_Types].xml`
/// and its main part (`word/document.xml`, `xl/workbook.xml`, `ppt/presentation.xml`).
fn office_package(head: &[u8]) -> Option<FileType> {
    const LOCAL_HEADER: &[u8] = b"PK\x03\x04";
    let mut content_types = false;
    let mut main = None;
    let mut at = 0;
    while let Some(found) = head[at..]
        .windows(LOCAL_HEADER.len())
        .position(|w| w == LOCAL_HEADER)
    {
        let start = at + found;
        at = start + LOCAL_HEADER.len();
        // The name's length is at offset 26, the name itself at 30.
        let Some(length) = head.get(start + 26..start + 28) else {
            break;
        };
        let length = usize::from(u16::from_le_bytes([length[0], length[1]]));
        let Some(name) = head.get(start + 30..start + 30 + length) else {
            break;
        };
        match name {
            b"[Content_Types].xml" => content_types = true,
            b"word/document.xml" => main = Some(FileType::Docx),
            b"xl/workbook.xml" => main = Some(FileType::Xlsx),
            b"ppt/presentation.xml" => main = Some(FileType::Pptx),
            _ => {}
        }
    }
    main.filter(|_| content_types)
}

/// HTML, SVG or XML at the start of a text file (after a byte-order mark and
/// whitespace): refused whatever the name says, as the browser might treat it as markup.
fn markup_in(head: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(&head[..head.len().min(1024)]).to_lowercase();
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        Some("text/html")
    } else if start.starts_with("<svg") {
        Some("image/svg+xml")
    } else if start.starts_with("<?xml") {
        Some(if start.contains("<svg") {
            "image/svg+xml"
        } else {
            "application/xml"
        })
    } else {
        None
    }
}

/// The lower-cased extension of a file name, if it has one.
pub fn extension(file_name: &str) -> Option<String> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ZIP archive's local header for an empty stored entry named `name`.
    fn entry(name: &str) -> Vec<u8> {
        let mut header = b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0".to_vec();
        header.extend([0u8; 12]); // crc, sizes
        header.extend((name.len() as u16).to_le_bytes());
        header.extend([0u8, 0]); // extra length
        header.extend(name.as_bytes());
        header
    }

    #[test]
    fn an_office_package_in_an_order_infer_does_not_know_is_still_named_by_its_main_part() {
        for (main, expected) in [
            ("word/document.xml", FileType::Docx),
            ("xl/workbook.xml", FileType::Xlsx),
            ("ppt/presentation.xml", FileType::Pptx),
        ] {
            let package: Vec<u8> = [
                "_rels/.rels",
                "docProps/app.xml",
                main,
                "[Content_Types].xml",
            ]
            .iter()
            .flat_map(|name| entry(name))
            .collect();
            assert_eq!(sniff(&package, false, "x.zip"), Ok(expected), "{main}");
        }
        // Without the content types it is an archive that happens to hold such a path.
        let archive: Vec<u8> = ["notes.txt", "word/document.xml"]
            .iter()
            .flat_map(|name| entry(name))
            .collect();
        assert_eq!(sniff(&archive, false, "x.zip"), Ok(FileType::Zip));
        // A header cut off by the end of the head is no name.
        let mut cut = entry("[Content_Types].xml");
        cut.extend(&entry("word/document.xml")[..35]);
        assert_eq!(sniff(&cut, false, "x.zip"), Ok(FileType::Zip));
    }

    #[test]
    fn the_demo_word_file_is_a_docx() {
        let bytes = include_bytes!("../../demo/Beredskabsplan.docx");
        let head = &bytes[..bytes.len().min(crate::library::store::HEAD_BYTES)];
        assert_eq!(
            sniff(head, false, "Beredskabsplan.docx"),
            Ok(FileType::Docx)
        );
    }

    #[test]
    fn binary_types_come_from_the_bytes_not_the_name() {
        assert_eq!(
            sniff(b"%PDF-1.7\n...", false, "report.txt"),
            Ok(FileType::Pdf)
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", false, "x.pdf"),
            Ok(FileType::Png)
        );
        assert_eq!(sniff(b"PK\x03\x04rest", false, "a.zip"), Ok(FileType::Zip));
    }

    #[test]
    fn executables_and_unknown_binaries_are_refused_by_what_they_are() {
        let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
        elf.resize(64, 0);
        assert_eq!(
            sniff(&elf, false, "manual.pdf"),
            Err(Refused::Type("application/x-executable".into()))
        );
        assert_eq!(
            sniff(b"\x01\x02\xff\xfe", false, "data.txt"),
            Err(Refused::Type("application/octet-stream".into()))
        );
        assert_eq!(sniff(b"", true, "empty.txt"), Err(Refused::Empty));
    }

    #[test]
    fn text_is_accepted_only_as_utf8_with_a_text_extension() {
        assert_eq!(
            sniff("Kære alle".as_bytes(), true, "Noter.TXT"),
            Ok(FileType::Txt)
        );
        assert_eq!(sniff(b"# Plan", true, "plan.md"), Ok(FileType::Md));
        assert_eq!(sniff(b"a;b\n1;2", true, "tal.csv"), Ok(FileType::Csv));
        assert_eq!(
            sniff(b"echo hi", true, "run.sh"),
            Err(Refused::Type("text/plain".into()))
        );
        assert_eq!(
            sniff(b"no extension", true, "README"),
            Err(Refused::Type("text/plain".into()))
        );
    }

    #[test]
    fn html_and_svg_are_refused_even_with_a_text_name() {
        assert_eq!(
            sniff(b"\xef\xbb\xbf  <!DOCTYPE html><p>hi", true, "notes.txt"),
            Err(Refused::Type("text/html".into()))
        );
        assert_eq!(
            sniff(
                b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                true,
                "logo.md"
            ),
            Err(Refused::Type("image/svg+xml".into()))
        );
        assert_eq!(
            sniff(b"<?xml version='1.0'?><svg/>", true, "logo.csv"),
            Err(Refused::Type("image/svg+xml".into()))
        );
    }

    #[test]
    fn a_stored_media_type_reads_back_as_its_type() {
        for t in FileType::ALL {
            assert_eq!(FileType::from_media_type(t.media_type()), Some(t));
        }
        assert_eq!(FileType::from_media_type("text/html"), None);
    }
}
