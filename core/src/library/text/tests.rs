//! Reading each format's text from files the tests build, the limits each hostile file
//! meets (those that can only be stopped by a process's own limits are tested through
//! the real child, in `server/tests/it/extraction.rs`), and what is kept of each reading.

use super::stored::{self, Outcome, TextState};
use super::*;
use crate::db::{self, Db};
use crate::library::store::BlobStore;
use std::io::Cursor;

fn read_with(file_type: FileType, bytes: &[u8], limits: &Limits) -> Result<Extracted, Reason> {
    extract(file_type, Cursor::new(bytes), limits)
}

fn read(file_type: FileType, bytes: &[u8]) -> Result<Extracted, Reason> {
    read_with(file_type, bytes, &Limits::default())
}

fn text_of(file_type: FileType, bytes: &[u8]) -> String {
    let read = read(file_type, bytes).expect("readable");
    assert!(!read.cut, "a small file is read whole");
    read.text
}

/// The words of a text, for comparing without caring how lines were broken.
fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

#[test]
fn a_pdf_gives_the_text_of_every_page_in_danish_too() {
    let text = text_of(
        FileType::Pdf,
        &samples::pdf(&[
            "Beredskabsplan for Aarhus",
            "Side to: phishing-øvelse på Ærø",
        ]),
    );
    assert!(text.starts_with("Beredskabsplan for Aarhus\n"), "{text:?}");
    assert!(text.contains("phishing-øvelse på Ærø"), "{text:?}");
    assert!(!text.contains("AarhusSide"), "pages are apart: {text:?}");
}

#[test]
fn a_docx_gives_its_paragraphs_header_and_footnote_once_and_no_deleted_text() {
    let text = text_of(FileType::Docx, &samples::docx_with_parts());
    assert_eq!(
        words(&text),
        [
            "Beredskab",
            "plan",
            "Linje",
            "to",
            "Tekstboks",
            "R&D",
            "ø",
            "Sidehoved",
            "Fodnote"
        ],
        "{text:?}"
    );
    assert!(text.contains("Linje to\n"), "a break ends a line: {text:?}");
}

#[test]
fn a_docx_found_by_its_package_relationships_reads_its_paragraphs_in_order() {
    let text = text_of(
        FileType::Docx,
        &samples::docx(&["Første afsnit", "Andet <afsnit> & mere"]),
    );
    assert_eq!(text, "Første afsnit\nAndet <afsnit> & mere\n");
}

#[test]
fn an_xlsx_gives_its_shared_strings_numbers_and_inline_strings() {
    let text = text_of(
        FileType::Xlsx,
        &samples::xlsx(&[
            &["Kommune", "Hændelser"],
            &["Aarhus", "12"],
            &["inline:Odense direkte", "3.5"],
        ]),
    );
    let found = words(&text);
    for word in [
        "Kommune",
        "Hændelser",
        "Aarhus",
        "12",
        "Odense",
        "direkte",
        "3.5",
    ] {
        assert!(found.contains(&word), "{word} missing from {text:?}");
    }
    // A shared string's index (0, 1, 2 …) is not text.
    assert!(!found.contains(&"0") && !found.contains(&"1"), "{text:?}");
}

#[test]
fn a_pptx_gives_its_slides_in_their_order_and_then_the_notes() {
    let slides: Vec<String> = (1..=11).map(|n| format!("Dias{n}")).collect();
    let slides: Vec<Vec<&str>> = slides.iter().map(|s| vec![s.as_str()]).collect();
    let slides: Vec<&[&str]> = slides.iter().map(Vec::as_slice).collect();
    let text = text_of(FileType::Pptx, &samples::pptx(&slides, "Talernote"));
    let expected: Vec<String> = (1..=11)
        .map(|n| format!("Dias{n}"))
        .chain(["Talernote".to_string()])
        .collect();
    assert_eq!(words(&text), expected, "slide 2 before slide 10");
}

#[test]
fn open_document_files_give_their_body_text_and_never_their_styles() {
    let odt = text_of(FileType::Odt, &samples::odt(&["Første", "Anden & sidste"]));
    assert_eq!(odt, "Overskrift\nFørste\nAnden & sidste\n");
    // A million repeated empty cells are one element each: read, not counted a million.
    let ods = text_of(
        FileType::Ods,
        &samples::ods(&[&["Kommune", "Antal"], &["Vejle", "4"]]),
    );
    assert_eq!(words(&ods), ["Kommune", "Antal", "Vejle", "4"]);
    let odp = text_of(
        FileType::Odp,
        &samples::odp(&[&["Titel"], &["Punkt et", "Punkt to"]]),
    );
    assert_eq!(words(&odp), ["Titel", "Punkt", "et", "Punkt", "to"]);
    for text in [&odt, &ods, &odp] {
        assert!(!text.contains("Stiltekst"));
    }
}

#[test]
fn text_markdown_and_csv_are_read_as_they_are() {
    for (file_type, body) in [
        (FileType::Txt, "Kære alle\nHusk øvelsen."),
        (FileType::Md, "# Plan\n\n- Ring til **IT**"),
        (FileType::Csv, "kommune;antal\nAarhus;3"),
    ] {
        assert_eq!(text_of(file_type, body.as_bytes()), body);
    }
}

#[test]
fn a_long_text_is_cut_at_the_limit_on_a_character_boundary() {
    let limits = Limits {
        text_bytes: 7,
        ..Limits::default()
    };
    let read = read_with(FileType::Txt, "æøåæøå".as_bytes(), &limits).expect("readable");
    assert_eq!(
        read,
        Extracted {
            text: "æøå".into(),
            cut: true
        }
    );
    let read = read_with(FileType::Pdf, &samples::pdf(&["abcdefghijkl"]), &limits).expect("pdf");
    assert!(read.cut && read.text.len() <= 7, "{read:?}");
    let read = read_with(FileType::Docx, &samples::docx(&["abcdefghijkl"]), &limits).expect("docx");
    assert_eq!(
        read,
        Extracted {
            text: "abcdefg".into(),
            cut: true
        }
    );
    let read = read_with(FileType::Md, b"1234567", &limits).expect("exactly the limit");
    assert!(!read.cut, "a text exactly at the limit is whole");
}

#[test]
fn images_and_zip_archives_hold_no_text_to_read() {
    for file_type in FileType::ALL {
        let expected = !(file_type.is_image() || file_type == FileType::Zip);
        assert_eq!(holds_text(file_type), expected, "{file_type:?}");
    }
}

#[test]
fn a_docx_bomb_stops_at_the_limit_of_bytes_unpacked() {
    let limits = Limits {
        part_bytes: 4 * 1024 * 1024,
        ..Limits::default()
    };
    let bomb = samples::docx_bomb(64);
    assert!(bomb.len() < 512 * 1024, "compact: {} bytes", bomb.len());
    assert_eq!(
        read_with(FileType::Docx, &bomb, &limits),
        Err(Reason::TooLarge)
    );
    // The package's own limit holds across parts too.
    let limits = Limits {
        package_bytes: 4 * 1024 * 1024,
        ..Limits::default()
    };
    assert_eq!(
        read_with(FileType::Docx, &bomb, &limits),
        Err(Reason::TooLarge)
    );
}

#[test]
fn archives_nested_in_a_docx_are_never_opened() {
    let docx = samples::docx_with_nested_bomb("Teksten findes");
    assert_eq!(text_of(FileType::Docx, &docx), "Teksten findes\n");
}

#[test]
fn a_docx_nested_a_hundred_thousand_levels_is_too_deep() {
    let docx = samples::docx_nested(100_000);
    assert_eq!(read(FileType::Docx, &docx), Err(Reason::TooDeep));
    // As deep as real documents go is fine.
    assert_eq!(text_of(FileType::Docx, &samples::docx_nested(100)), "Før\n");
}

#[test]
fn an_xlsx_with_a_million_cells_has_too_many() {
    let xlsx = samples::xlsx_cells(1_000_000);
    assert!(xlsx.len() < 512 * 1024, "compact: {} bytes", xlsx.len());
    assert_eq!(read(FileType::Xlsx, &xlsx), Err(Reason::TooManyCells));
    let fine = text_of(FileType::Xlsx, &samples::xlsx_cells(2_000));
    assert_eq!(words(&fine).len(), 2_000);
}

#[test]
fn a_pdf_with_a_million_pages_has_too_many() {
    let pdf = samples::pdf_pages(1_000_000);
    assert!(pdf.len() < 64 * 1024, "compact: {} bytes", pdf.len());
    assert_eq!(read(FileType::Pdf, &pdf), Err(Reason::TooManyPages));
    assert!(read(FileType::Pdf, &samples::pdf_pages(1_000)).is_ok());
}

#[test]
fn a_pdf_whose_page_tree_or_parents_loop_is_malformed() {
    assert_eq!(
        read(FileType::Pdf, &samples::pdf_cyclic_tree()),
        Err(Reason::Malformed)
    );
    assert_eq!(
        read(FileType::Pdf, &samples::pdf_looping_parents()),
        Err(Reason::Malformed)
    );
}

#[test]
fn a_file_that_is_not_what_its_type_says_is_malformed() {
    for file_type in [FileType::Pdf, FileType::Docx, FileType::Xlsx, FileType::Odt] {
        assert_eq!(
            read(file_type, b"PK\x03\x04 not really anything"),
            Err(Reason::Malformed),
            "{file_type:?}"
        );
    }
    // A package without its text part.
    let odt_without_content = samples::odf("application/vnd.oasis.opendocument.text", "");
    let mut broken = odt_without_content.clone();
    // Renamed in its local header and in the central directory.
    for _ in 0..2 {
        let at = broken
            .windows(11)
            .position(|w| w == b"content.xml")
            .expect("named");
        broken[at..at + 11].copy_from_slice(b"kontent.xml");
    }
    assert_eq!(read(FileType::Odt, &broken), Err(Reason::Malformed));
}

#[test]
fn a_pdf_larger_than_the_limit_is_not_parsed() {
    let limits = Limits {
        input_bytes: 100,
        ..Limits::default()
    };
    let pdf = samples::pdf(&["lang nok"]);
    assert_eq!(
        read_with(FileType::Pdf, &pdf, &limits),
        Err(Reason::TooLarge)
    );
}

#[test]
fn every_reason_has_a_stable_code() {
    for reason in Reason::ALL {
        assert_eq!(Reason::from_code(reason.code()), Some(reason));
    }
    assert_eq!(Reason::from_code("nonsense"), None);
}

// What is kept of a reading, in the database.

struct Stored {
    db: Db,
    files: BlobStore,
    _dir: tempfile::TempDir,
    user: i64,
    group: i64,
}

async fn stored_setup() -> Stored {
    let dir = tempfile::tempdir().expect("dir");
    let db = db::open(dir.path()).await.expect("db");
    let user: i64 = sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, status, created_at, updated_at) \
         values ((select min(id) from organisations), 'a@example.dk', 'A', 'member', 'active', 0, 0) \
         returning id",
    )
    .fetch_one(&db)
    .await
    .expect("user");
    let group: i64 = sqlx::query_scalar(
        "insert into user_groups (slug, name, default_tlp, created_at) \
         values ('g', 'G', 'amber', 0) returning id",
    )
    .fetch_one(&db)
    .await
    .expect("group");
    Stored {
        files: BlobStore::new(dir.path()),
        db,
        _dir: dir,
        user,
        group,
    }
}

fn sha(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

impl Stored {
    /// A new version of `document` (a new document when `None`) naming file `sha256`.
    async fn version(&self, document: Option<i64>, sha256: &str, media_type: &str) -> i64 {
        sqlx::query(
            "insert into blobs (sha256, size, created_at) values ($1, 1, 0) on conflict do nothing",
        )
        .bind(sha256)
        .execute(&self.db)
        .await
        .expect("blob");
        let document = match document {
            Some(id) => id,
            None => sqlx::query_scalar(
                "insert into documents (group_id, title, tlp, author_id, created_at, updated_at) \
                 values ($1, 't', 'amber', $2, 0, 0) returning id",
            )
            .bind(self.group)
            .bind(self.user)
            .fetch_one(&self.db)
            .await
            .expect("document"),
        };
        sqlx::query(
            "insert into document_versions (document_id, version, group_id, tlp, author_id, \
             sha256, size, media_type, file_name, created_at) values ($1, \
             (select coalesce(max(version), 0) + 1 from document_versions where document_id = $1), \
             $2, 'amber', $3, $4, 1, $5, 'f', 0)",
        )
        .bind(document)
        .bind(self.group)
        .bind(self.user)
        .bind(sha256)
        .bind(media_type)
        .execute(&self.db)
        .await
        .expect("version");
        document
    }

    async fn waiting(&self) -> Vec<String> {
        stored::waiting(&self.db, 0, 100)
            .await
            .expect("waiting")
            .into_iter()
            .map(|w| w.sha256)
            .collect()
    }

    async fn outbox(&self) -> Vec<i64> {
        sqlx::query_scalar(
            "select entity_id from search_outbox where kind = 'document' and operation = 'upsert' \
             order by entity_id",
        )
        .fetch_all(&self.db)
        .await
        .expect("outbox")
    }
}

#[tokio::test]
async fn only_the_newest_versions_files_wait_and_each_file_once() {
    let s = stored_setup().await;
    let pdf = FileType::Pdf.media_type();
    let first = s.version(None, &sha(1), pdf).await;
    s.version(Some(first), &sha(2), pdf).await;
    // Another document with the same bytes as the first one's newest version.
    s.version(None, &sha(2), pdf).await;
    assert_eq!(s.waiting().await, [sha(2)]);
    let removed = s.version(None, &sha(3), pdf).await;
    sqlx::query("update documents set removed_at = 1 where id = $1")
        .bind(removed)
        .execute(&s.db)
        .await
        .expect("removed");
    assert_eq!(
        s.waiting().await,
        [sha(2)],
        "a removed document's file waits for nobody"
    );
}

#[tokio::test]
async fn a_text_is_stored_with_an_outbox_row_for_each_document_it_is_newest_in() {
    let s = stored_setup().await;
    let docx = FileType::Docx.media_type();
    let a = s.version(None, &sha(1), docx).await;
    let b = s.version(None, &sha(1), docx).await;
    let c = s.version(None, &sha(1), docx).await;
    // For document c the file is an earlier version: its index entry is not this text.
    s.version(Some(c), &sha(2), docx).await;
    assert_eq!(
        stored::newest_state(&s.db, a).await.expect("state"),
        TextState::Waiting
    );
    let before = s.outbox().await.len();
    let announced = stored::record(
        &s.db,
        &sha(1),
        &Outcome::Text {
            text: "Beredskab".into(),
            cut: false,
        },
    )
    .await
    .expect("recorded");
    assert_eq!(announced, 2);
    assert_eq!(s.outbox().await[before..], [a, b]);
    assert_eq!(
        stored::newest_state(&s.db, b).await.expect("state"),
        TextState::Searchable { cut: false }
    );
    assert_eq!(s.waiting().await, [sha(2)]);
    // Recorded once: a second outcome for the same bytes changes nothing.
    let again = stored::record(&s.db, &sha(1), &Outcome::Failed(Reason::Crashed))
        .await
        .expect("no-op");
    assert_eq!(again, 0);
    let text: String = sqlx::query_scalar("select text from blob_texts where sha256 = $1")
        .bind(sha(1))
        .fetch_one(&s.db)
        .await
        .expect("text");
    assert_eq!(text, "Beredskab");
}

#[tokio::test]
async fn each_outcome_reads_back_as_the_page_shows_it() {
    let s = stored_setup().await;
    let cases = [
        (
            Outcome::Text {
                text: "x".into(),
                cut: true,
            },
            TextState::Searchable { cut: true },
        ),
        (
            Outcome::Text {
                text: String::new(),
                cut: false,
            },
            TextState::NoText,
        ),
        (Outcome::NotText, TextState::NotText),
        (
            Outcome::Failed(Reason::TooManyPages),
            TextState::NotSearchable(Reason::TooManyPages),
        ),
    ];
    for (n, (outcome, state)) in cases.into_iter().enumerate() {
        let hash = sha(n as u8 + 1);
        let document = s.version(None, &hash, FileType::Pdf.media_type()).await;
        stored::record(&s.db, &hash, &outcome)
            .await
            .expect("recorded");
        assert_eq!(
            stored::newest_state(&s.db, document).await.expect("state"),
            state
        );
    }
}

#[tokio::test]
async fn a_text_goes_with_its_file_and_none_is_kept_for_a_file_already_gone() {
    let s = stored_setup().await;
    let document = s.version(None, &sha(1), FileType::Txt.media_type()).await;
    let outcome = Outcome::Text {
        text: "hemmelig".into(),
        cut: false,
    };
    stored::record(&s.db, &sha(1), &outcome)
        .await
        .expect("recorded");
    // The document is removed: its versions go, then its files are released.
    sqlx::query("delete from document_versions where document_id = $1")
        .bind(document)
        .execute(&s.db)
        .await
        .expect("versions gone");
    s.files.release(&s.db, &[sha(1)]).await.expect("released");
    let kept: i64 = sqlx::query_scalar("select count(*) from blob_texts")
        .fetch_one(&s.db)
        .await
        .expect("count");
    assert_eq!(kept, 0, "the text went with its file");
    // A reading that ends after its file went keeps nothing.
    let announced = stored::record(&s.db, &sha(1), &outcome)
        .await
        .expect("no-op");
    assert_eq!(announced, 0);
    let kept: i64 = sqlx::query_scalar("select count(*) from blob_texts")
        .fetch_one(&s.db)
        .await
        .expect("count");
    assert_eq!(kept, 0);
    // The sweep at start removes texts of unnamed files too.
    s.version(None, &sha(2), FileType::Txt.media_type()).await;
    stored::record(&s.db, &sha(2), &outcome)
        .await
        .expect("recorded");
    sqlx::query("delete from document_versions")
        .execute(&s.db)
        .await
        .expect("versions gone");
    s.files.sweep(&s.db).await.expect("swept");
    let kept: i64 = sqlx::query_scalar("select count(*) from blob_texts")
        .fetch_one(&s.db)
        .await
        .expect("count");
    assert_eq!(kept, 0);
}

#[test]
fn every_sample_is_told_as_its_own_type_by_its_first_bytes_as_an_upload_is() {
    use crate::library::file_type::sniff;
    let cases: [(FileType, Vec<u8>, &str); 10] = [
        (FileType::Pdf, samples::pdf(&["x"]), "a.pdf"),
        (FileType::Docx, samples::docx(&["x"]), "a.docx"),
        (FileType::Docx, samples::docx_with_parts(), "a.docx"),
        (FileType::Docx, samples::docx_bomb(1), "a.docx"),
        (FileType::Xlsx, samples::xlsx(&[&["x"]]), "a.xlsx"),
        (FileType::Pptx, samples::pptx(&[&["x"]], "n"), "a.pptx"),
        (FileType::Odt, samples::odt(&["x"]), "a.odt"),
        (FileType::Ods, samples::ods(&[&["x"]]), "a.ods"),
        (FileType::Odp, samples::odp(&[&["x"]]), "a.odp"),
        (FileType::Pdf, samples::pdf_form_fan_out(3), "a.pdf"),
    ];
    for (file_type, bytes, name) in cases {
        let head = &bytes[..bytes.len().min(crate::library::store::HEAD_BYTES)];
        assert_eq!(sniff(head, false, name), Ok(file_type), "{name}");
    }
}
