//! Text extraction through the real `vaern extract` child: every format, every hostile
//! file ending "not searchable" with its reason within its limits (each test prints how
//! long it took), the parent's own limits (wall clock, output), and the worker in a
//! running server: texts stored with their outbox rows, shown on the document's page, the
//! next file read after a hostile one while the server keeps answering, a removed
//! document's text gone with its file, and files added before the first start read.

use crate::helpers::*;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vaern_core::library::file_type::FileType;
use vaern_core::library::text::Reason;
use vaern_core::library::text::samples;
use vaern_core::library::text::stored::Outcome;
use vaern_core::policy::PlatformRole;
use vaern_server::extraction::{Settings, read_file};

/// The server's own settings, running the built binary.
fn production() -> Settings {
    Settings::new(env!("CARGO_BIN_EXE_vaern").into())
}

/// Runs the child on `bytes` as a file of `file_type`, printing how long it took.
async fn through_child(
    name: &str,
    settings: &Settings,
    file_type: FileType,
    bytes: &[u8],
) -> (Outcome, Duration) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("file");
    std::fs::write(&path, bytes).expect("written");
    let started = Instant::now();
    let outcome = read_file(settings, file_type.media_type(), &path)
        .await
        .expect("the child ran");
    let took = started.elapsed();
    eprintln!(
        "{name}: {} bytes on disk, {outcome:?} in {:.2} s",
        bytes.len(),
        took.as_secs_f64()
    );
    (outcome, took)
}

async fn text_through_child(file_type: FileType, bytes: &[u8]) -> String {
    match through_child(file_type.label(), &production(), file_type, bytes).await {
        (Outcome::Text { text, cut: false }, _) => text,
        (other, _) => panic!("{file_type:?}: {other:?}"),
    }
}

#[tokio::test]
async fn every_format_is_read_through_the_child() {
    let cases: Vec<(FileType, Vec<u8>, &str)> = vec![
        (
            FileType::Pdf,
            samples::pdf(&["Beredskabsplan Ærø"]),
            "Beredskabsplan Ærø",
        ),
        (
            FileType::Docx,
            samples::docx(&["Phishing-øvelse"]),
            "Phishing-øvelse",
        ),
        (
            FileType::Xlsx,
            samples::xlsx(&[&["Hændelser", "42"]]),
            "Hændelser",
        ),
        (
            FileType::Pptx,
            samples::pptx(&[&["Risikovurdering"]], "Note"),
            "Risikovurdering",
        ),
        (FileType::Odt, samples::odt(&["Logning"]), "Logning"),
        (FileType::Ods, samples::ods(&[&["Sårbarhed"]]), "Sårbarhed"),
        (FileType::Odp, samples::odp(&[&["Awareness"]]), "Awareness"),
        (FileType::Txt, "Kære alle".as_bytes().to_vec(), "Kære alle"),
        (FileType::Md, "# Øvelse".as_bytes().to_vec(), "# Øvelse"),
        (
            FileType::Csv,
            "kommune;antal".as_bytes().to_vec(),
            "kommune;antal",
        ),
    ];
    for (file_type, bytes, expected) in cases {
        let text = text_through_child(file_type, &bytes).await;
        assert!(text.contains(expected), "{file_type:?}: {text:?}");
    }
    let (png, _) = through_child("PNG", &production(), FileType::Png, b"\x89PNG\r\n\x1a\n").await;
    assert_eq!(png, Outcome::NotText);
}

async fn assert_not_searchable(
    name: &str,
    settings: &Settings,
    file_type: FileType,
    bytes: &[u8],
    reason: Reason,
    within: Duration,
) {
    let (outcome, took) = through_child(name, settings, file_type, bytes).await;
    assert_eq!(outcome, Outcome::Failed(reason), "{name}");
    assert!(took < within, "{name} took {took:?}, more than {within:?}");
}

/// The production limits bound every hostile file by the CPU limit; the wall clock
/// allows a little more.
const WITHIN_LIMITS: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_zip_bomb_disguised_as_docx_is_too_large() {
    let bomb = samples::docx_bomb(1024);
    // Told as a DOCX by its first bytes, as an upload is.
    assert_eq!(
        vaern_core::library::file_type::sniff(&bomb[..bomb.len().min(64 * 1024)], false, "a.docx"),
        Ok(FileType::Docx)
    );
    assert_not_searchable(
        "DOCX unpacking to 1 GiB",
        &production(),
        FileType::Docx,
        &bomb,
        Reason::TooLarge,
        WITHIN_LIMITS,
    )
    .await;
}

#[tokio::test]
async fn archives_nested_in_a_docx_are_never_opened_and_its_text_is_read() {
    let (outcome, _) = through_child(
        "DOCX with nested ZIPs of 256 MiB members",
        &production(),
        FileType::Docx,
        &samples::docx_with_nested_bomb("Planen findes"),
    )
    .await;
    assert_eq!(
        outcome,
        Outcome::Text {
            text: "Planen findes\n".into(),
            cut: false
        }
    );
}

#[tokio::test]
async fn a_pdf_with_a_million_pages_has_too_many_pages() {
    assert_not_searchable(
        "PDF of 1,000,000 pages",
        &production(),
        FileType::Pdf,
        &samples::pdf_pages(1_000_000),
        Reason::TooManyPages,
        WITHIN_LIMITS,
    )
    .await;
}

#[tokio::test]
async fn a_docx_nested_a_hundred_thousand_levels_is_too_deep() {
    assert_not_searchable(
        "DOCX nested 100,000 levels",
        &production(),
        FileType::Docx,
        &samples::docx_nested(100_000),
        Reason::TooDeep,
        WITHIN_LIMITS,
    )
    .await;
}

#[tokio::test]
async fn an_xlsx_with_a_million_cells_has_too_many_cells() {
    assert_not_searchable(
        "XLSX of 1,000,000 cells",
        &production(),
        FileType::Xlsx,
        &samples::xlsx_cells(1_000_000),
        Reason::TooManyCells,
        WITHIN_LIMITS,
    )
    .await;
}

#[tokio::test]
async fn a_pdf_whose_page_tree_loops_is_malformed() {
    assert_not_searchable(
        "PDF whose page tree contains itself",
        &production(),
        FileType::Pdf,
        &samples::pdf_cyclic_tree(),
        Reason::Malformed,
        WITHIN_LIMITS,
    )
    .await;
}

#[tokio::test]
async fn a_pdf_that_keeps_its_reader_busy_is_stopped_at_the_cpu_limit() {
    let mut settings = production();
    settings.cpu_seconds = 2;
    assert_not_searchable(
        "PDF drawing 2^40 forms (CPU limit 2 s)",
        &settings,
        FileType::Pdf,
        &samples::pdf_form_fan_out(40),
        Reason::TooSlow,
        Duration::from_secs(8),
    )
    .await;
}

#[tokio::test]
async fn a_pdf_whose_form_draws_itself_ends_too_deep() {
    assert_not_searchable(
        "PDF form drawing itself",
        &production(),
        FileType::Pdf,
        &samples::pdf_self_drawing_form(),
        Reason::TooDeep,
        WITHIN_LIMITS,
    )
    .await;
}

#[tokio::test]
async fn a_pdf_that_needs_more_memory_than_allowed_ends_at_the_memory_limit() {
    let mut settings = production();
    settings.memory_mib = 256;
    let pdf = samples::pdf_inflating_page(1024);
    assert!(pdf.len() < 2 * 1024 * 1024, "compact: {} bytes", pdf.len());
    assert_not_searchable(
        "PDF page inflating to 1 GiB (memory limit 256 MiB)",
        &settings,
        FileType::Pdf,
        &pdf,
        Reason::TooMuchMemory,
        WITHIN_LIMITS,
    )
    .await;
}

/// An executable script standing in for the child.
fn script(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("child.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[tokio::test]
async fn a_child_that_blocks_is_killed_at_the_wall_clock_limit() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = Settings::new(script(dir.path(), "exec sleep 60"));
    settings.wall = Duration::from_secs(1);
    assert_not_searchable(
        "a child sleeping (wall clock 1 s)",
        &settings,
        FileType::Txt,
        b"x",
        Reason::TooSlow,
        Duration::from_secs(5),
    )
    .await;
}

#[tokio::test]
async fn a_child_that_prints_without_end_is_cut_off_and_its_output_not_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let settings = Settings::new(script(dir.path(), "exec yes searchable"));
    assert_not_searchable(
        "a child printing without end",
        &settings,
        FileType::Txt,
        b"x",
        Reason::Crashed,
        Duration::from_secs(10),
    )
    .await;
}

#[tokio::test]
async fn a_child_that_cannot_open_its_file_is_tried_again_later() {
    let outcome = read_file(
        &production(),
        FileType::Txt.media_type(),
        Path::new("/nonexistent/blob"),
    )
    .await;
    assert!(outcome.is_err(), "not the file's fault: {outcome:?}");
}

// The worker in a running server.

const SLUG: &str = "nis2";

async fn member(app: &TestApp) -> Client {
    let group = app.group(SLUG).await;
    let (client, id) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    app.add_to_group(group, id, "member").await;
    client
}

async fn upload(app: &TestApp, client: &Client, name: &str, bytes: &[u8]) -> i64 {
    let form = Form::new().part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    );
    let res = client
        .post(format!("{}/groups/{SLUG}/library/upload", app.url))
        .header("origin", &app.url)
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), StatusCode::OK, "{name} uploaded");
    json(res).await["documents"][0]["document_id"]
        .as_i64()
        .expect("id")
}

/// The outcome stored for document `id`'s newest file, once there is one.
async fn stored_outcome(app: &TestApp, id: i64, within: Duration) -> (String, Option<String>) {
    let started = Instant::now();
    loop {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "select t.outcome, t.reason from document_versions v \
             join blob_texts t on t.sha256 = v.sha256 where v.document_id = $1",
        )
        .bind(id)
        .fetch_optional(&app.db)
        .await
        .expect("query");
        if let Some(row) = row {
            return row;
        }
        assert!(
            started.elapsed() < within,
            "document {id} not read within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn page(app: &TestApp, client: &Client, id: i64) -> String {
    let res = app.get(client, &format!("/documents/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.expect("page")
}

#[tokio::test]
async fn an_uploaded_file_is_read_with_its_outbox_row_and_its_page_says_it_is_searchable() {
    let app = spawn_app().await;
    let client = member(&app).await;
    let id = upload(
        &app,
        &client,
        "noter.txt",
        "Husk øvelsen på fredag".as_bytes(),
    )
    .await;
    // Woken by the upload, not by the slow poll (five minutes).
    let (outcome, reason) = stored_outcome(&app, id, Duration::from_secs(20)).await;
    assert_eq!((outcome.as_str(), reason), ("text", None));
    let text: String = sqlx::query_scalar(
        "select t.text from document_versions v join blob_texts t on t.sha256 = v.sha256 \
         where v.document_id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("text");
    assert_eq!(text, "Husk øvelsen på fredag");
    // One upsert for the upload, one for its text.
    let upserts: i64 = sqlx::query_scalar(
        "select count(*) from search_outbox where kind = 'document' and entity_id = $1 \
         and operation = 'upsert'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("outbox");
    assert_eq!(upserts, 2);
    let html = page(&app, &client, id).await;
    assert!(html.contains("Filens tekst er søgbar."), "{html}");
}

#[tokio::test]
async fn the_worker_reads_the_next_file_after_a_hostile_one_while_the_server_keeps_answering() {
    let app = spawn_app().await;
    let client = member(&app).await;
    let hostile = upload(&app, &client, "plan.pdf", &samples::pdf_form_fan_out(40)).await;
    let next = upload(&app, &client, "noter.docx", &samples::docx(&["Næste fil"])).await;
    // While the child works on the hostile file (until its 4 s CPU limit), pages answer.
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    while started.elapsed() < Duration::from_secs(3) {
        let asked = Instant::now();
        let html = page(&app, &client, hostile).await;
        slowest = slowest.max(asked.elapsed());
        assert!(
            html.contains("Filens tekst læses snart"),
            "still waiting: {html}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("slowest page while a hostile file was read: {slowest:?}");
    assert!(slowest < Duration::from_secs(2), "{slowest:?}");
    let (outcome, reason) = stored_outcome(&app, hostile, Duration::from_secs(30)).await;
    assert_eq!(
        (outcome.as_str(), reason.as_deref()),
        ("failed", Some("too_slow"))
    );
    let (outcome, _) = stored_outcome(&app, next, Duration::from_secs(30)).await;
    assert_eq!(outcome, "text");
    let html = page(&app, &client, hostile).await;
    assert!(
        html.contains("Ikke søgbar: filen tog for lang tid at læse."),
        "{html}"
    );
    assert!(
        page(&app, &client, next)
            .await
            .contains("Filens tekst er søgbar.")
    );
}

/// The text stored for file `sha256`, once there is one.
async fn text_of_file(app: &TestApp, sha256: &str, within: Duration) -> String {
    let started = Instant::now();
    loop {
        let text: Option<String> =
            sqlx::query_scalar("select text from blob_texts where sha256 = $1")
                .bind(sha256)
                .fetch_optional(&app.db)
                .await
                .expect("query");
        if let Some(text) = text {
            return text;
        }
        assert!(
            started.elapsed() < within,
            "{sha256} not read within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn restoring_a_version_whose_file_was_never_read_wakes_the_worker_for_it() {
    let app = spawn_app().await;
    let client = member(&app).await;
    // The worker is busy with a hostile file (until its 4 s CPU limit) while version 1
    // is replaced by version 2, so version 1's file is never the newest when it looks.
    upload(&app, &client, "plan.pdf", &samples::pdf_form_fan_out(40)).await;
    let id = upload(&app, &client, "noter.txt", b"Version et").await;
    let res = client
        .post(format!("{}/documents/{id}/versions", app.url))
        .header("origin", &app.url)
        .header("accept", "application/json")
        .multipart(Form::new().part(
            "file",
            Part::bytes(&b"Version to"[..]).file_name("noter.txt"),
        ))
        .send()
        .await
        .expect("new version");
    assert_eq!(res.status(), StatusCode::OK);
    let hashes: Vec<String> = sqlx::query_scalar(
        "select sha256 from document_versions where document_id = $1 order by version",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .expect("hashes");
    assert_eq!(
        text_of_file(&app, &hashes[1], Duration::from_secs(30)).await,
        "Version to"
    );
    let first_read: i64 = sqlx::query_scalar("select count(*) from blob_texts where sha256 = $1")
        .bind(&hashes[0])
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(first_read, 0, "only the newest version's file is read");
    let res = app
        .rpc(
            &client,
            "restore_version",
            &[("document_id", &id.to_string()), ("version", "1")],
        )
        .await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    // The worker's slow poll is five minutes away: only the restore's wake-up reads it.
    assert_eq!(
        text_of_file(&app, &hashes[0], Duration::from_secs(20)).await,
        "Version et"
    );
}

#[tokio::test]
async fn a_removed_documents_text_goes_with_its_file() {
    let app = spawn_app().await;
    let client = member(&app).await;
    let id = upload(&app, &client, "hemmelig.txt", b"Kun for gruppen").await;
    stored_outcome(&app, id, Duration::from_secs(20)).await;
    let res = app
        .rpc(
            &client,
            "remove_document",
            &[("document_id", &id.to_string()), ("reason", "Forkert fil")],
        )
        .await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    let kept: i64 = sqlx::query_scalar("select count(*) from blob_texts")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(kept, 0);
}

#[tokio::test]
async fn files_added_before_the_server_started_are_read_at_its_first_start() {
    let dir = tempfile::tempdir().expect("dir");
    let demo = std::process::Command::new(env!("CARGO_BIN_EXE_vaern"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("demo")
        .output()
        .expect("vaern demo");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let mut config = vaern_server::config::Config::new(dir.path().to_path_buf());
    config.site_root = dir.path().join("site");
    config.extraction = Some(extraction_settings());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server = vaern_server::Server::build(listener, config)
        .await
        .expect("server");
    let stopped = tokio::spawn(server.run_until_stopped());
    let db = vaern_core::db::open(dir.path()).await.expect("db");
    let started = Instant::now();
    loop {
        let waiting = vaern_core::library::text::stored::waiting(&db, 0, 1)
            .await
            .expect("waiting");
        if waiting.is_empty() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "not all read");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let texts: Vec<String> = sqlx::query_scalar(
        "select t.text from blob_texts t where t.outcome = 'text' order by t.text",
    )
    .fetch_all(&db)
    .await
    .expect("texts");
    assert!(
        texts.iter().any(|t| t.contains("NIS2-tjekliste, rev. 2")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("Phishing-øvelser")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Phishing-bølge mod Økonomi")),
        "{texts:?}"
    );
    stopped.abort();
}
