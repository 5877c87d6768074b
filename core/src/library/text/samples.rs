//! Small library files of every format, and hostile ones, built by the tests that read
//! them (no binary fixtures in the repository). The bombs are built compressed: a part
//! that unpacks to a gibibyte is a few hundred KiB here and is never held unpacked.

use flate2::{Compress, Compression, Crc, FlushCompress};

/// One entry of a ZIP archive as written.
struct Entry {
    name: String,
    /// 0: stored, 8: deflated.
    method: u16,
    data: Vec<u8>,
    crc: u32,
    size: u32,
}

impl Entry {
    fn stored(name: &str, data: &[u8]) -> Self {
        let mut crc = Crc::new();
        crc.update(data);
        Self {
            name: name.into(),
            method: 0,
            data: data.to_vec(),
            crc: crc.sum(),
            size: data.len() as u32,
        }
    }

    fn deflated(name: &str, data: &[u8]) -> Self {
        let unpacked = Unpacked::of(data);
        let mut compressed = deflate_block(data, FlushCompress::Full);
        compressed.extend(deflate_block(&[], FlushCompress::Finish));
        unpacked.entry(name, compressed)
    }
}

/// The CRC and size of an entry's unpacked bytes, built up piece by piece.
struct Unpacked {
    crc: Crc,
}

impl Unpacked {
    fn of(data: &[u8]) -> Self {
        let mut crc = Crc::new();
        crc.update(data);
        Self { crc }
    }

    fn entry(self, name: &str, compressed: Vec<u8>) -> Entry {
        Entry {
            name: name.into(),
            method: 8,
            data: compressed,
            crc: self.crc.sum(),
            size: self.crc.amount(),
        }
    }
}

/// `data` deflated on its own (raw deflate), ending at a byte boundary with the
/// dictionary reset (`Full`) or as the final block (`Finish`): pieces deflated so can be
/// put one after another, and a piece repeated refers only to itself.
fn deflate_block(data: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut compress = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    loop {
        let before = compress.total_in() as usize;
        compress
            .compress_vec(&data[before..], &mut out, flush)
            .expect("deflating in memory");
        if compress.total_in() as usize == data.len() && out.len() < out.capacity() {
            return out;
        }
        out.reserve(64 * 1024);
    }
}

/// An entry that unpacks to `head`, then `unit` `count` times, then `tail`, without
/// ever holding more than one `unit` unpacked: `unit` is deflated once and its bytes
/// repeated.
fn repeated(name: &str, head: &[u8], unit: &[u8], count: usize, tail: &[u8]) -> Entry {
    let mut crc = Crc::new();
    crc.update(head);
    let mut unit_crc = Crc::new();
    unit_crc.update(unit);
    for _ in 0..count {
        crc.combine(&unit_crc);
    }
    crc.update(tail);
    let block = deflate_block(unit, FlushCompress::Full);
    let mut compressed = deflate_block(head, FlushCompress::Full);
    compressed.reserve(block.len() * count);
    for _ in 0..count {
        compressed.extend_from_slice(&block);
    }
    compressed.extend(deflate_block(tail, FlushCompress::Finish));
    Unpacked { crc }.entry(name, compressed)
}

/// A ZIP archive of `entries`, in order (ZIP 2.0: no data descriptors, no ZIP64).
fn zip(entries: &[Entry]) -> Vec<u8> {
    // 1980-01-01 00:00 in MS-DOS form.
    const DATE: u16 = (1 << 5) | 1;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = out.len() as u32;
        let name = entry.name.as_bytes();
        let fields = |out: &mut Vec<u8>| {
            out.extend(0u16.to_le_bytes()); // flags
            out.extend(entry.method.to_le_bytes());
            out.extend(0u16.to_le_bytes()); // time
            out.extend(DATE.to_le_bytes());
            out.extend(entry.crc.to_le_bytes());
            out.extend((entry.data.len() as u32).to_le_bytes());
            out.extend(entry.size.to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes()); // extra field
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend(20u16.to_le_bytes()); // version needed
        fields(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(&entry.data);

        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(20u16.to_le_bytes()); // version made by
        central.extend(20u16.to_le_bytes()); // version needed
        fields(&mut central);
        central.extend(0u16.to_le_bytes()); // comment
        central.extend(0u16.to_le_bytes()); // disk
        central.extend(0u16.to_le_bytes()); // internal attributes
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

const XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// Escapes text for XML character data.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The parts every OOXML package starts with, the main part named `main` (of type
/// `main_type`) by the package relationships, then the main part's own relationships:
/// as Office writes them, so that the third and fourth entries tell the kind of package
/// to a sniffer reading its first bytes.
fn ooxml_head(main: &str, main_type: &str) -> Vec<Entry> {
    let types = format!(
        "{XML}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/{main}\" ContentType=\"{main_type}\"/></Types>"
    );
    let rels = format!(
        "{XML}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"{main}\"/>\
         </Relationships>"
    );
    let (dir, file) = main.rsplit_once('/').unwrap_or(("", main));
    let main_rels = format!(
        "{XML}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"/>"
    );
    vec![
        Entry::deflated("[Content_Types].xml", types.as_bytes()),
        Entry::deflated("_rels/.rels", rels.as_bytes()),
        Entry::deflated(&format!("{dir}/_rels/{file}.rels"), main_rels.as_bytes()),
    ]
}

const DOCX_MAIN: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

fn docx_body(paragraphs: &[&str]) -> String {
    let body: String = paragraphs
        .iter()
        .map(|p| {
            format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                escaped(p)
            )
        })
        .collect();
    format!("{XML}<w:document xmlns:w=\"{W}\"><w:body>{body}</w:body></w:document>")
}

/// A DOCX of these paragraphs.
pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut entries = ooxml_head("word/document.xml", DOCX_MAIN);
    entries.push(Entry::deflated(
        "word/document.xml",
        docx_body(paragraphs).as_bytes(),
    ));
    zip(&entries)
}

/// A DOCX with one paragraph, a header, a footnote, a tab and a line break, a text box
/// whose fallback copy must not be read twice, and a tracked deletion.
pub fn docx_with_parts() -> Vec<u8> {
    let document = format!(
        "{XML}<w:document xmlns:w=\"{W}\" \
         xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"><w:body>\
         <w:p><w:r><w:t>Beredskab</w:t><w:tab/><w:t>plan</w:t><w:br/><w:t>Linje to</w:t></w:r></w:p>\
         <w:p><w:r><mc:AlternateContent><mc:Choice><w:t>Tekstboks</w:t></mc:Choice>\
         <mc:Fallback><w:t>Tekstboks</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>\
         <w:p><w:del><w:r><w:delText>slettet</w:delText></w:r></w:del><w:r><w:t>R&amp;D &#248;</w:t></w:r></w:p>\
         </w:body></w:document>"
    );
    let header =
        format!("{XML}<w:hdr xmlns:w=\"{W}\"><w:p><w:r><w:t>Sidehoved</w:t></w:r></w:p></w:hdr>");
    let notes = format!(
        "{XML}<w:footnotes xmlns:w=\"{W}\"><w:footnote><w:p><w:r><w:t>Fodnote</w:t></w:r></w:p></w:footnote></w:footnotes>"
    );
    let mut entries = ooxml_head("word/document.xml", DOCX_MAIN);
    entries.push(Entry::deflated("word/document.xml", document.as_bytes()));
    entries.push(Entry::deflated("word/header1.xml", header.as_bytes()));
    entries.push(Entry::deflated("word/footnotes.xml", notes.as_bytes()));
    zip(&entries)
}

/// A DOCX whose `word/document.xml` unpacks to about `unpacked_mib` MiB (empty
/// paragraphs), its first entry so that it is told as a DOCX by its first bytes: the
/// single-archive form of 42.zip.
pub fn docx_bomb(unpacked_mib: usize) -> Vec<u8> {
    let unit = "<w:p/>".repeat(1024 * 1024 / 6 + 1);
    let head = format!("{XML}<w:document xmlns:w=\"{W}\"><w:body>");
    let bomb = repeated(
        "word/document.xml",
        head.as_bytes(),
        unit.as_bytes(),
        unpacked_mib,
        b"</w:body></w:document>",
    );
    let mut entries = vec![bomb];
    entries.extend(ooxml_head("word/document.xml", DOCX_MAIN));
    zip(&entries)
}

/// A DOCX with real text and, embedded as an object, a 42.zip-style archive: ZIPs
/// inside a ZIP, each holding a member that unpacks to 256 MiB. Only the document's own
/// XML is read, so its text is found and the archive is never opened.
pub fn docx_with_nested_bomb(text: &str) -> Vec<u8> {
    let zeros = vec![0u8; 1024 * 1024];
    let leaf = zip(&[repeated("0.bin", b"", &zeros, 256, b"")]);
    let layer: Vec<Entry> = (0..4)
        .map(|n| Entry::stored(&format!("{n}.zip"), &leaf))
        .collect();
    let nested = zip(&layer);
    let mut entries = ooxml_head("word/document.xml", DOCX_MAIN);
    entries.push(Entry::deflated(
        "word/document.xml",
        docx_body(&[text]).as_bytes(),
    ));
    entries.push(Entry::stored("word/embeddings/archive.zip", &nested));
    zip(&entries)
}

/// A DOCX whose document nests `levels` elements inside one another.
pub fn docx_nested(levels: usize) -> Vec<u8> {
    let head =
        format!("{XML}<w:document xmlns:w=\"{W}\"><w:body><w:p><w:r><w:t>Før</w:t></w:r></w:p>");
    let mut entries = ooxml_head("word/document.xml", DOCX_MAIN);
    let mut crc = Unpacked::of(head.as_bytes()).crc;
    let (open, close) = ("<w:sdt>", "</w:sdt>");
    let mut compressed = deflate_block(head.as_bytes(), FlushCompress::Full);
    let opening = open.repeat(levels);
    let closing = close.repeat(levels);
    crc.update(opening.as_bytes());
    crc.update(closing.as_bytes());
    crc.update(b"</w:body></w:document>");
    compressed.extend(deflate_block(opening.as_bytes(), FlushCompress::Full));
    compressed.extend(deflate_block(closing.as_bytes(), FlushCompress::Full));
    compressed.extend(deflate_block(
        b"</w:body></w:document>",
        FlushCompress::Finish,
    ));
    entries.push(Unpacked { crc }.entry("word/document.xml", compressed));
    zip(&entries)
}

/// An XLSX whose first sheet holds `rows` (each a row of cells): text cells through the
/// shared strings, numbers as they are, and one inline string.
pub fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut shared = Vec::new();
    let mut sheet = String::new();
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", (b'A' + c as u8) as char, r + 1);
            if cell.parse::<f64>().is_ok() {
                sheet.push_str(&format!("<c r=\"{at}\"><v>{cell}</v></c>"));
            } else if let Some(inline) = cell.strip_prefix("inline:") {
                sheet.push_str(&format!(
                    "<c r=\"{at}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    escaped(inline)
                ));
            } else {
                sheet.push_str(&format!(
                    "<c r=\"{at}\" t=\"s\"><v>{}</v></c>",
                    shared.len()
                ));
                shared.push(format!("<si><t>{}</t></si>", escaped(cell)));
            }
        }
        sheet.push_str("</row>");
    }
    let strings = format!(
        "{XML}<sst xmlns=\"{SPREADSHEET}\" count=\"{n}\" uniqueCount=\"{n}\">{}</sst>",
        shared.concat(),
        n = shared.len()
    );
    let sheet = format!(
        "{XML}<worksheet xmlns=\"{SPREADSHEET}\"><sheetData>{sheet}</sheetData></worksheet>"
    );
    let mut entries = xlsx_head();
    entries.push(Entry::deflated("xl/sharedStrings.xml", strings.as_bytes()));
    entries.push(Entry::deflated(
        "xl/worksheets/sheet1.xml",
        sheet.as_bytes(),
    ));
    zip(&entries)
}

const SPREADSHEET: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

fn xlsx_head() -> Vec<Entry> {
    let workbook = format!(
        "{XML}<workbook xmlns=\"{SPREADSHEET}\"><sheets><sheet name=\"Ark1\" sheetId=\"1\"/></sheets></workbook>"
    );
    let mut entries = ooxml_head(
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    );
    entries.push(Entry::deflated("xl/workbook.xml", workbook.as_bytes()));
    entries
}

/// An XLSX whose one sheet has `cells` cells (a number each, 1,000 to a row).
pub fn xlsx_cells(cells: usize) -> Vec<u8> {
    let row = format!("<row>{}</row>", "<c><v>7</v></c>".repeat(1000));
    let head = format!("{XML}<worksheet xmlns=\"{SPREADSHEET}\"><sheetData>");
    let sheet = repeated(
        "xl/worksheets/sheet1.xml",
        head.as_bytes(),
        row.as_bytes(),
        cells.div_ceil(1000),
        b"</sheetData></worksheet>",
    );
    let mut entries = xlsx_head();
    entries.push(sheet);
    zip(&entries)
}

/// A PPTX of these slides, each a list of paragraphs, with a note on the first.
pub fn pptx(slides: &[&[&str]], note: &str) -> Vec<u8> {
    const P: &str = "http://schemas.openxmlformats.org/presentationml/2006/main";
    const A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
    let mut entries = ooxml_head(
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    );
    entries.push(Entry::deflated(
        "ppt/presentation.xml",
        format!("{XML}<p:presentation xmlns:p=\"{P}\"/>").as_bytes(),
    ));
    for (n, slide) in slides.iter().enumerate() {
        let paragraphs: String = slide
            .iter()
            .map(|p| format!("<a:p><a:r><a:t>{}</a:t></a:r></a:p>", escaped(p)))
            .collect();
        let xml = format!(
            "{XML}<p:sld xmlns:p=\"{P}\" xmlns:a=\"{A}\"><p:cSld><p:spTree><p:sp><p:txBody>\
             {paragraphs}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        );
        entries.push(Entry::deflated(
            &format!("ppt/slides/slide{}.xml", n + 1),
            xml.as_bytes(),
        ));
    }
    let notes = format!(
        "{XML}<p:notes xmlns:p=\"{P}\" xmlns:a=\"{A}\"><p:cSld><p:spTree><p:sp><p:txBody>\
         <a:p><a:r><a:t>{}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>",
        escaped(note)
    );
    entries.push(Entry::deflated(
        "ppt/notesSlides/notesSlide1.xml",
        notes.as_bytes(),
    ));
    zip(&entries)
}

/// An OpenDocument package of type `mime` whose body is `body` (ODF markup inside
/// `office:body`), with a style whose name must not be read as text.
pub fn odf(mime: &str, body: &str) -> Vec<u8> {
    let content = format!(
        "{XML}<office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" \
         xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\">\
         <office:automatic-styles><style:style style:name=\"Stilnavn\"><text:p>Stiltekst</text:p></style:style></office:automatic-styles>\
         <office:body>{body}</office:body></office:document-content>"
    );
    let manifest = format!(
        "{XML}<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">\
         <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"{mime}\"/>\
         <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
         </manifest:manifest>"
    );
    zip(&[
        Entry::stored("mimetype", mime.as_bytes()),
        Entry::deflated("content.xml", content.as_bytes()),
        Entry::deflated("META-INF/manifest.xml", manifest.as_bytes()),
    ])
}

/// An ODT of these paragraphs.
pub fn odt(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<text:p>{}</text:p>", escaped(p)))
        .collect();
    odf(
        "application/vnd.oasis.opendocument.text",
        &format!("<office:text><text:h>Overskrift</text:h>{body}</office:text>"),
    )
}

/// An ODS of these rows.
pub fn ods(rows: &[&[&str]]) -> Vec<u8> {
    let rows: String = rows
        .iter()
        .map(|row| {
            let cells: String = row
                .iter()
                .map(|c| {
                    format!(
                        "<table:table-cell><text:p>{}</text:p></table:table-cell>",
                        escaped(c)
                    )
                })
                .collect();
            format!("<table:table-row>{cells}</table:table-row>")
        })
        .collect();
    odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        &format!(
            "<office:spreadsheet><table:table table:name=\"Ark1\">{rows}\
             <table:table-row table:number-rows-repeated=\"1048000\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>\
             </table:table></office:spreadsheet>"
        ),
    )
}

/// An ODP of these slides, each a list of paragraphs.
pub fn odp(slides: &[&[&str]]) -> Vec<u8> {
    let pages: String = slides
        .iter()
        .enumerate()
        .map(|(n, slide)| {
            let paragraphs: String = slide
                .iter()
                .map(|p| format!("<text:p>{}</text:p>", escaped(p)))
                .collect();
            format!(
                "<draw:page draw:name=\"Side{}\"><draw:frame><draw:text-box>{paragraphs}\
                 </draw:text-box></draw:frame></draw:page>",
                n + 1
            )
        })
        .collect();
    odf(
        "application/vnd.oasis.opendocument.presentation",
        &format!("<office:presentation>{pages}</office:presentation>"),
    )
}

/// A PDF of numbered objects (`objects[0]` is object 1), with object 1 as its catalogue.
fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", n + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

fn stream(dict: &str, content: &[u8]) -> Vec<u8> {
    let mut object = format!("<< {dict} /Length {} >>\nstream\n", content.len()).into_bytes();
    object.extend_from_slice(content);
    object.extend_from_slice(b"\nendstream");
    object
}

/// A PDF string of `text` in WinAnsiEncoding (Danish letters included).
fn pdf_string(text: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => out.extend([b'\\', c as u8]),
            c if (c as u32) < 256 => out.push(c as u32 as u8),
            _ => out.push(b'?'),
        }
    }
    out.push(b')');
    out
}

/// A PDF with one page per entry of `pages`, each showing its text in Helvetica.
pub fn pdf(pages: &[&str]) -> Vec<u8> {
    let n = pages.len();
    // 1 catalogue, 2 page tree, 3 font, then a page and its content per page.
    let kids: String = (0..n).map(|i| format!("{} 0 R ", 4 + 2 * i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{kids}] /Count {n} >>").into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ];
    for (i, text) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R \
                 /Resources << /Font << /F1 3 0 R >> >> >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        let mut content = b"BT /F1 12 Tf 72 720 Td ".to_vec();
        content.extend(pdf_string(text));
        content.extend_from_slice(b" Tj ET");
        objects.push(stream("", &content));
    }
    pdf_of(&objects)
}

/// A PDF whose page tree shows `pages` pages (a thousand to a node, the nodes all naming
/// the one same empty page object): tiny on disk, a million pages to a viewer.
pub fn pdf_pages(pages: usize) -> Vec<u8> {
    let nodes = pages.div_ceil(1000);
    let node_kids = "4 0 R ".repeat(1000);
    let root_kids = "3 0 R ".repeat(nodes);
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{root_kids}] /Count {} >>",
            nodes * 1000
        )
        .into_bytes(),
        format!("<< /Type /Pages /Parent 2 0 R /Kids [{node_kids}] /Count 1000 >>").into_bytes(),
        b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>".to_vec(),
    ])
}

/// A PDF whose page tree contains itself: the second node's kid is the first.
pub fn pdf_cyclic_tree() -> Vec<u8> {
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>".to_vec(),
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_vec(),
    ])
}

/// A PDF whose one page's `/Parent` chain loops (and lacks the page's resources, so a
/// reader climbs it for them).
pub fn pdf_looping_parents() -> Vec<u8> {
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 4 0 R >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 /Parent 2 0 R >>".to_vec(),
    ])
}

/// A PDF whose page draws a form that draws the next form twice, `levels` deep: 2^levels
/// forms drawn, none with text, in little memory. A reader works on it until stopped.
pub fn pdf_form_fan_out(levels: usize) -> Vec<u8> {
    // 1 catalogue, 2 tree, 3 page, 4 page content, 5.. the forms.
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
           /Resources << /XObject << /X 5 0 R >> >> >>"
            .to_vec(),
        stream("", b"/X Do"),
    ];
    for level in 0..levels {
        let form = 5 + level;
        if level + 1 == levels {
            objects.push(stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 1 1]",
                b"0 0 m",
            ));
        } else {
            objects.push(stream(
                &format!(
                    "/Type /XObject /Subtype /Form /BBox [0 0 1 1] \
                     /Resources << /XObject << /X {} 0 R >> >>",
                    form + 1
                ),
                b"/X Do /X Do",
            ));
        }
    }
    pdf_of(&objects)
}

/// A PDF whose page draws a form that draws itself: recursion without end.
pub fn pdf_self_drawing_form() -> Vec<u8> {
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
           /Resources << /XObject << /X 5 0 R >> >> >>"
            .to_vec(),
        stream("", b"/X Do"),
        stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /X 5 0 R >> >>",
            b"/X Do",
        ),
    ])
}

/// A PDF whose one page's content is `mib` MiB of spaces (valid, empty content),
/// deflated to a few hundred KiB: a reader that inflates it holds it all.
pub fn pdf_inflating_page(mib: usize) -> Vec<u8> {
    let unit = vec![b' '; 1024 * 1024];
    let block = deflate_block(&unit, FlushCompress::Full);
    // zlib: a header, the deflate stream, and the Adler-32 of the whole.
    let mut content = vec![0x78, 0xda];
    for _ in 0..mib {
        content.extend_from_slice(&block);
    }
    content.extend(deflate_block(&[], FlushCompress::Finish));
    let n = (mib * unit.len()) as u128;
    let a = (1 + 32 * n) % 65_521;
    let b = (n + 32 * n * (n + 1) / 2) % 65_521;
    content.extend((((b << 16) | a) as u32).to_be_bytes());
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        stream("/Filter /FlateDecode", &content),
    ])
}
