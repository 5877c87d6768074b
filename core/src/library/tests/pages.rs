//! Pages written in the browser: who may write and edit them, what the editor checks
//! (the renderer's limits, images only from the group's own library, a version saved
//! over another), comparing versions, and bringing an earlier one back.

use super::folders::folder_of_another_group;
use super::*;
use crate::library::diff::LineChange;
use crate::library::pages::{
    MAX_PAGE_CHARS, NewPage, PageEdit, compare_versions, edit_page, page_text, write_page,
};

const ADDRESS: &str = "10.0.0.5";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

fn page(title: &str, body: &str) -> NewPage {
    NewPage {
        title: title.into(),
        body: body.into(),
        ..NewPage::default()
    }
}

fn is_invalid<T>(result: Result<T, AddError>, field: &str, reason: &str) -> bool {
    matches!(
        result,
        Err(AddError::Core(CoreError::Invalid { field: f, reason: r })) if f == field && r == reason
    )
}

async fn write(lib: &Library, who: &Viewer, new: NewPage) -> Result<Added, AddError> {
    write_page(&lib.libraries, who, "nis2", new, ADDRESS).await
}

async fn save(
    lib: &Library,
    who: &Viewer,
    id: i64,
    based_on: i64,
    body: &str,
) -> Result<Added, AddError> {
    let edit = PageEdit {
        based_on,
        body: body.into(),
        change_note: "Rettet".into(),
        ..PageEdit::default()
    };
    edit_page(&lib.libraries, who, id, edit, ADDRESS).await
}

/// Reads of document `id` audited as previews, once the appender has chained them.
async fn previews(lib: &Library, id: i64) -> i64 {
    lib.audit.chain().await.expect("chained");
    sqlx::query_scalar(
        "select count(*) from audit_log where action = 'document_preview' and subject_id = $1",
    )
    .bind(id)
    .fetch_one(&lib.db)
    .await
    .expect("reads")
}

async fn documents(lib: &Library) -> i64 {
    sqlx::query_scalar("select count(*) from documents")
        .fetch_one(&lib.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_member_writes_a_page_that_colleagues_read_as_markdown() {
    let lib = library().await;
    let added = write(
        &lib,
        &lib.author,
        page("Tjekliste", "# Backup\n\n- [ ] Test restore\n"),
    )
    .await
    .expect("written");
    assert_eq!(added.version, 1);
    let text = page_text(
        &lib.libraries,
        &lib.colleague,
        added.document_id,
        None,
        ADDRESS,
    )
    .await
    .expect("read");
    assert_eq!(text, "# Backup\n\n- [ ] Test restore\n");
    let page = document_page(&lib.db, &lib.colleague, added.document_id)
        .await
        .expect("page");
    assert_eq!(page.title, "Tjekliste");
    assert_eq!(page.tlp, Tlp::Amber, "the group's default label");
    assert_eq!(page.versions[0].media_type, "text/markdown; charset=utf-8");
    assert_eq!(page.versions[0].file_name, "Tjekliste.md");
    let outbox: i64 = sqlx::query_scalar(
        "select count(*) from search_outbox where kind = 'document' and entity_id = $1",
    )
    .bind(added.document_id)
    .fetch_one(&lib.db)
    .await
    .expect("outbox");
    assert_eq!(outbox, 1);
}

#[tokio::test]
async fn a_reader_may_not_write_a_page_and_a_stranger_finds_no_library() {
    let lib = library().await;
    assert!(matches!(
        write(&lib, &lib.reader, page("Side", "Tekst")).await,
        Err(AddError::Core(CoreError::Forbidden))
    ));
    assert!(matches!(
        write(&lib, &lib.stranger, page("Side", "Tekst")).await,
        Err(AddError::Core(CoreError::NotFound))
    ));
    assert_eq!(documents(&lib).await, 0);
}

#[tokio::test]
async fn a_page_needs_a_title_and_a_body_within_the_renderers_limits() {
    let lib = library().await;
    assert!(is_invalid(
        write(&lib, &lib.author, page("  ", "Tekst")).await,
        "title",
        "required"
    ));
    assert!(is_invalid(
        write(&lib, &lib.author, page("Side", " \n")).await,
        "body",
        "required"
    ));
    let long = "æ".repeat(MAX_PAGE_CHARS + 1);
    assert!(is_invalid(
        write(&lib, &lib.author, page("Side", &long)).await,
        "body",
        "too_long"
    ));
    let deep = format!("{}x", ">".repeat(100));
    assert!(is_invalid(
        write(&lib, &lib.author, page("Side", &deep)).await,
        "body",
        "too_deep"
    ));
    assert_eq!(documents(&lib).await, 0, "nothing half-stored");
    let longest = "æ".repeat(MAX_PAGE_CHARS);
    write(&lib, &lib.author, page("Lang side", &longest))
        .await
        .expect("a page of exactly the limit");
}

#[tokio::test]
async fn a_page_shows_only_image_documents_of_its_own_group_that_the_writer_may_see() {
    let lib = library().await;
    let image = add(&lib, &lib.author, upload("kort.png", None), PNG)
        .await
        .expect("image");
    let pdf = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("pdf");
    let body = |id: i64| format!("Se ![Kortet](/files/{id})");
    write(
        &lib,
        &lib.colleague,
        page("Med billede", &body(image.document_id)),
    )
    .await
    .expect("an image of the same group");
    assert!(is_invalid(
        write(&lib, &lib.colleague, page("PDF", &body(pdf.document_id))).await,
        "body",
        "image_not_in_group"
    ));
    assert!(is_invalid(
        write(&lib, &lib.colleague, page("Ukendt", &body(999_999))).await,
        "body",
        "image_not_in_group"
    ));
    // An image only the author's named colleague may not see answers as a missing one.
    let strict = Upload {
        tlp: Some(Tlp::Red),
        ..upload("hemmelig.png", None)
    };
    let hidden = add(&lib, &lib.author, strict, &[PNG, b"red"].concat())
        .await
        .expect("red");
    assert!(is_invalid(
        write(
            &lib,
            &lib.colleague,
            page("Skjult", &body(hidden.document_id))
        )
        .await,
        "body",
        "image_not_in_group"
    ));
    // An image of another group the writer may see is still another group's.
    let (_, in_both) = folder_of_another_group(&lib).await;
    let elsewhere = add_document(
        &lib.libraries,
        &in_both,
        "dora",
        upload("andet.png", None),
        received(&lib, &[PNG, b"dora"].concat()).await,
        ADDRESS,
    )
    .await
    .expect("image of the other group");
    assert!(is_invalid(
        write(&lib, &in_both, page("Lånt", &body(elsewhere.document_id))).await,
        "body",
        "image_not_in_group"
    ));
}

#[tokio::test]
async fn an_edit_becomes_the_newest_version_and_one_over_a_newer_version_is_refused() {
    let lib = library().await;
    let added = write(&lib, &lib.author, page("Guide", "Trin 1\n"))
        .await
        .expect("written");
    let id = added.document_id;
    let second = save(&lib, &lib.colleague, id, 1, "Trin 1\nTrin 2\n")
        .await
        .expect("saved");
    assert_eq!(second.version, 2);
    // The author's editor was opened on version 1: their save must not replace 2.
    assert!(is_invalid(
        save(&lib, &lib.author, id, 1, "Trin 1\nAndet trin\n").await,
        "version",
        "conflict"
    ));
    let text = page_text(&lib.libraries, &lib.author, id, None, ADDRESS)
        .await
        .expect("read");
    assert_eq!(text, "Trin 1\nTrin 2\n");
    let page = document_page(&lib.db, &lib.author, id).await.expect("page");
    assert_eq!(page.versions.len(), 2);
    assert_eq!(page.versions[0].change_note, "Rettet");
    assert_eq!(page.versions[0].author_name, "Bo");
}

#[tokio::test]
async fn only_pages_are_edited_as_pages_and_only_by_those_who_may_write() {
    let lib = library().await;
    let pdf = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("pdf");
    assert!(is_invalid(
        save(&lib, &lib.author, pdf.document_id, 1, "Tekst").await,
        "document",
        "not_a_page"
    ));
    let added = write(&lib, &lib.author, page("Guide", "Tekst"))
        .await
        .expect("written");
    assert!(matches!(
        save(&lib, &lib.reader, added.document_id, 1, "Ændret").await,
        Err(AddError::Core(CoreError::Forbidden))
    ));
    assert!(matches!(
        save(&lib, &lib.stranger, added.document_id, 1, "Ændret").await,
        Err(AddError::Core(CoreError::NotFound))
    ));
}

#[tokio::test]
async fn two_versions_compare_line_by_line_and_each_read_is_audited() {
    let lib = library().await;
    let added = write(
        &lib,
        &lib.author,
        page("Guide", "Indledning\nTrin 1\nAfslutning\n"),
    )
    .await
    .expect("written");
    let id = added.document_id;
    save(
        &lib,
        &lib.author,
        id,
        1,
        "Indledning\nTrin 1 (opdateret)\nAfslutning\n",
    )
    .await
    .expect("saved");
    let before = previews(&lib, id).await;
    let diff = compare_versions(&lib.libraries, &lib.reader, id, 1, 2, ADDRESS)
        .await
        .expect("compared");
    assert_eq!((diff.added, diff.removed), (1, 1));
    let changed: Vec<(LineChange, &str)> = diff.hunks[0]
        .lines
        .iter()
        .map(|l| (l.change, l.text.as_str()))
        .collect();
    assert_eq!(
        changed,
        [
            (LineChange::Same, "Indledning"),
            (LineChange::Removed, "Trin 1"),
            (LineChange::Added, "Trin 1 (opdateret)"),
            (LineChange::Same, "Afslutning"),
        ]
    );
    assert_eq!(
        previews(&lib, id).await,
        before + 2,
        "both versions' reads audited"
    );
    assert!(matches!(
        compare_versions(&lib.libraries, &lib.stranger, id, 1, 2, ADDRESS).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        compare_versions(&lib.libraries, &lib.reader, id, 1, 9, ADDRESS).await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_version_kept_from_a_reader_is_not_compared_for_them() {
    let lib = library().await;
    // Version 1 is AMBER+STRICT for the author's organisation; version 2 adds the other.
    let strict = NewPage {
        tlp: Some(Tlp::AmberStrict),
        ..page("Plan", "Kun os\n")
    };
    let added = write(&lib, &lib.author, strict).await.expect("written");
    let shared = PageEdit {
        based_on: 1,
        body: "Alle\n".into(),
        audience: Audience {
            orgs: vec![lib.author.org_id, lib.outsider.org_id],
            users: vec![],
        },
        ..PageEdit::default()
    };
    edit_page(
        &lib.libraries,
        &lib.author,
        added.document_id,
        shared,
        ADDRESS,
    )
    .await
    .expect("shared");
    assert!(matches!(
        compare_versions(
            &lib.libraries,
            &lib.outsider,
            added.document_id,
            1,
            2,
            ADDRESS
        )
        .await,
        Err(CoreError::NotFound)
    ));
    compare_versions(
        &lib.libraries,
        &lib.colleague,
        added.document_id,
        1,
        2,
        ADDRESS,
    )
    .await
    .expect("the author's organisation sees both");
}

#[tokio::test]
async fn files_that_are_not_text_are_not_compared() {
    let lib = library().await;
    let pdf = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("pdf");
    assert!(matches!(
        compare_versions(&lib.libraries, &lib.author, pdf.document_id, 1, 1, ADDRESS).await,
        Err(CoreError::Invalid {
            field: "version",
            reason: "not_text"
        })
    ));
}

#[tokio::test]
async fn restoring_the_first_version_of_a_page_brings_its_text_back_as_the_newest() {
    let lib = library().await;
    let added = write(&lib, &lib.author, page("Guide", "Første\n"))
        .await
        .expect("written");
    let id = added.document_id;
    save(&lib, &lib.author, id, 1, "Anden\n")
        .await
        .expect("saved");
    let restored = restore_version(&lib.libraries, &lib.colleague, id, 1, "", ADDRESS)
        .await
        .expect("restored");
    assert_eq!(restored, 3);
    let text = page_text(&lib.libraries, &lib.author, id, None, ADDRESS)
        .await
        .expect("read");
    assert_eq!(text, "Første\n");
    // The editor carries on from the restored version.
    save(&lib, &lib.author, id, 3, "Tredje\n")
        .await
        .expect("saved after restore");
}

#[tokio::test]
async fn a_page_renders_only_its_own_groups_images_even_when_uploaded_as_a_file() {
    let lib = library().await;
    let own = add(&lib, &lib.author, upload("kort.png", None), PNG)
        .await
        .expect("image");
    let (_, in_both) = folder_of_another_group(&lib).await;
    let elsewhere = add_document(
        &lib.libraries,
        &in_both,
        "dora",
        upload("andet.png", None),
        received(&lib, &[PNG, b"dora"].concat()).await,
        ADDRESS,
    )
    .await
    .expect("image of the other group");
    // Uploaded, not written in the editor: nothing checked its images on the way in.
    let source = format!(
        "![Vores](/files/{}) ![Deres](/files/{})\n",
        own.document_id, elsewhere.document_id
    );
    let file = add(&lib, &in_both, upload("side.md", None), source.as_bytes())
        .await
        .expect("markdown file");
    let html = crate::library::pages::render_page(&lib.db, file.document_id, &source)
        .await
        .expect("rendered");
    assert!(
        html.contains(&format!("<img src=\"/files/{}\"", own.document_id)),
        "{html}"
    );
    assert!(
        !html.contains(&format!("/files/{}", elsewhere.document_id)),
        "{html}"
    );
    assert!(
        html.contains("Deres"),
        "the other group's image as its alt text: {html}"
    );
}
