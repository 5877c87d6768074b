//! Changes to a document after it was added (metadata edits, restoring a version,
//! removal), the file store's release of what no version names any more, and how the
//! library page filters and sorts what the viewer may see.

use super::*;
use crate::library::changes::{MAX_DESCRIPTION_CHARS, MAX_REASON_CHARS, MAX_TAG_CHARS, MAX_TAGS};
use crate::library::folders;

const ADDRESS: &str = "10.0.0.4";

/// A small PDF whose bytes (and so whose stored file) differ with `text`.
fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.7\n% {text}\n%%EOF\n").into_bytes()
}

fn titled(title: &str) -> DocumentEdit {
    DocumentEdit {
        title: title.into(),
        ..DocumentEdit::default()
    }
}

fn is_invalid<T>(result: CoreResult<T>, field: &str, reason: &str) -> bool {
    matches!(result, Err(CoreError::Invalid { field: f, reason: r }) if f == field && r == reason)
}

async fn edit(lib: &Library, who: &Viewer, id: i64, edit: DocumentEdit) -> CoreResult<()> {
    edit_document(&lib.libraries, who, id, edit, ADDRESS).await
}

async fn restore(lib: &Library, who: &Viewer, id: i64, version: i64) -> CoreResult<i64> {
    restore_version(
        &lib.libraries,
        who,
        id,
        version,
        "Tilbage til den gamle",
        ADDRESS,
    )
    .await
}

async fn remove(lib: &Library, who: &Viewer, id: i64) -> CoreResult<String> {
    remove_document(&lib.libraries, who, id, "Forældet", ADDRESS).await
}

async fn page(lib: &Library, who: &Viewer, id: i64) -> DocumentPage {
    document_page(&lib.db, who, id)
        .await
        .expect("document page")
}

async fn new_version(lib: &Library, who: &Viewer, id: i64, bytes: &[u8], tlp: Option<Tlp>) {
    let new = NewVersion {
        tlp,
        file_name: "plan.pdf".into(),
        ..NewVersion::default()
    };
    let file = received(lib, bytes).await;
    add_version(&lib.libraries, who, id, new, file, ADDRESS)
        .await
        .expect("new version");
}

async fn open_version(lib: &Library, who: &Viewer, id: i64, version: i64) -> CoreResult<Vec<u8>> {
    let opened = open_file(
        &lib.libraries,
        who,
        id,
        Some(version),
        Reading::Download,
        ADDRESS,
    )
    .await?;
    Ok(std::fs::read(&opened.path).expect("read"))
}

/// The search outbox's operations for document `id`, oldest first.
async fn outbox(lib: &Library, id: i64) -> Vec<String> {
    sqlx::query_scalar(
        "select operation from search_outbox where kind = 'document' and entity_id = $1 \
         order by id",
    )
    .bind(id)
    .fetch_all(&lib.db)
    .await
    .expect("outbox")
}

/// The chained audit rows of `action`: who, which document, and the detail.
async fn audited(lib: &Library, action: &str) -> Vec<(Option<i64>, Option<i64>, String)> {
    lib.audit.chain().await.expect("chain");
    sqlx::query_as(
        "select actor_user_id, subject_id, detail from audit_log where action = $1 \
         and subject_kind = 'document' order by id",
    )
    .bind(action)
    .fetch_all(&lib.db)
    .await
    .expect("audit rows")
}

async fn titles(lib: &Library, who: &Viewer, query: LibraryQuery) -> Vec<String> {
    library_page(&lib.db, who, "nis2", &query)
        .await
        .expect("library page")
        .documents
        .into_iter()
        .map(|d| d.title)
        .collect()
}

fn sha_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

async fn blob_rows(lib: &Library) -> i64 {
    sqlx::query_scalar("select count(*) from blobs")
        .fetch_one(&lib.db)
        .await
        .expect("blobs")
}

// Metadata edits.

#[tokio::test]
async fn the_author_edits_the_title_description_and_tags() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    let changed = DocumentEdit {
        title: "  Beredskabsplan ".into(),
        description: "Til øvelsen i maj.".into(),
        tags: " NIS2, Øvelse ,nis2,".into(),
        change_note: "Bedre titel".into(),
        ..DocumentEdit::default()
    };
    edit(&lib, &lib.author, added.document_id, changed)
        .await
        .expect("edited");
    let shown = page(&lib, &lib.colleague, added.document_id).await;
    assert_eq!(shown.title, "Beredskabsplan");
    assert_eq!(shown.description, "Til øvelsen i maj.");
    assert_eq!(shown.tags, ["nis2", "øvelse"]);
    let listed = library_page(&lib.db, &lib.colleague, "nis2", &LibraryQuery::default())
        .await
        .expect("list")
        .documents;
    assert_eq!(listed[0].title, "Beredskabsplan");
    assert_eq!(listed[0].tags, "nis2,øvelse");
    assert_eq!(
        open(&lib, &lib.colleague, added.document_id)
            .await
            .expect("open")
            .file_name,
        "a.pdf",
        "the file keeps its own name"
    );
}

#[test]
fn tags_are_trimmed_lower_cased_and_kept_once_in_the_order_first_given() {
    assert_eq!(
        normalise_tags(" NIS2, Beredskab ,nis2,, ØVELSE ").expect("tags"),
        "nis2,beredskab,øvelse"
    );
    assert_eq!(normalise_tags("").expect("none"), "");
    assert_eq!(normalise_tags(" , ,").expect("blank"), "");
}

#[test]
fn too_many_tags_a_long_tag_or_a_control_character_is_refused() {
    let most: Vec<String> = (0..MAX_TAGS).map(|n| format!("t{n}")).collect();
    assert!(normalise_tags(&most.join(",")).is_ok());
    let too_many = format!("{},one more", most.join(","));
    assert!(is_invalid(normalise_tags(&too_many), "tags", "too_many"));
    assert!(normalise_tags(&"å".repeat(MAX_TAG_CHARS)).is_ok());
    assert!(is_invalid(
        normalise_tags(&"å".repeat(MAX_TAG_CHARS + 1)),
        "tags",
        "bad_tag"
    ));
    assert!(is_invalid(
        normalise_tags("ok,b\u{0007}ell"),
        "tags",
        "bad_tag"
    ));
}

#[tokio::test]
async fn the_history_lists_edits_newest_first_with_the_editor_and_the_note() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    let first = DocumentEdit {
        change_note: "Første".into(),
        ..titled("Plan")
    };
    edit(&lib, &lib.author, added.document_id, first)
        .await
        .expect("first edit");
    let second = DocumentEdit {
        tlp: Some(Tlp::AmberStrict),
        change_note: " Anden ".into(),
        ..titled("Plan 2")
    };
    edit(&lib, &lib.moderator, added.document_id, second)
        .await
        .expect("second edit");
    let edits: Vec<(String, String, Tlp, String)> = page(&lib, &lib.author, added.document_id)
        .await
        .edits
        .into_iter()
        .map(|e| (e.editor_name, e.title, e.tlp, e.change_note))
        .collect();
    assert_eq!(
        edits,
        [
            (
                "Frida".into(),
                "Plan 2".into(),
                Tlp::AmberStrict,
                "Anden".into()
            ),
            ("Anne".into(), "Plan".into(), Tlp::Amber, "Første".into()),
        ]
    );
}

#[tokio::test]
async fn an_edit_that_changes_nothing_adds_no_history() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    let tagged = DocumentEdit {
        tags: "nis2".into(),
        ..titled("a.pdf")
    };
    edit(&lib, &lib.author, added.document_id, tagged)
        .await
        .expect("tagged");
    let same = DocumentEdit {
        title: " a.pdf ".into(),
        tags: " NIS2 ,nis2".into(),
        tlp: Some(Tlp::Amber),
        change_note: "Ingen ændring".into(),
        ..DocumentEdit::default()
    };
    edit(&lib, &lib.author, added.document_id, same)
        .await
        .expect("an edit of nothing is no error");
    assert_eq!(
        page(&lib, &lib.author, added.document_id).await.edits.len(),
        1
    );
    assert_eq!(outbox(&lib, added.document_id).await, ["upsert", "upsert"]);
    assert_eq!(audited(&lib, "document_edit").await.len(), 1);
}

#[tokio::test]
async fn editing_a_red_document_keeps_its_recipients() {
    let lib = library().await;
    let mut red = upload("hemmelig.pdf", Some(Tlp::Red));
    red.audience.users = vec![lib.outsider.user_id.expect("id")];
    let added = add(&lib, &lib.author, red, PDF).await.expect("added");
    edit(&lib, &lib.author, added.document_id, titled("hemmelig.pdf"))
        .await
        .expect("nothing changed");
    assert!(
        page(&lib, &lib.author, added.document_id)
            .await
            .edits
            .is_empty()
    );
    edit(
        &lib,
        &lib.author,
        added.document_id,
        titled("Hemmelig plan"),
    )
    .await
    .expect("retitled");
    let shown = page(&lib, &lib.outsider, added.document_id).await;
    assert_eq!(shown.title, "Hemmelig plan");
    assert_eq!(shown.edits.len(), 1);
    for who in [&lib.colleague, &lib.moderator] {
        assert!(matches!(
            document_page(&lib.db, who, added.document_id).await,
            Err(CoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn only_the_author_or_a_moderator_edits_a_document() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    for who in [&lib.colleague, &lib.outsider, &lib.reader] {
        assert!(matches!(
            edit(&lib, who, added.document_id, titled("Overtaget")).await,
            Err(CoreError::Forbidden)
        ));
        assert!(!page(&lib, who, added.document_id).await.can_manage);
    }
    assert!(matches!(
        edit(&lib, &lib.stranger, added.document_id, titled("Overtaget")).await,
        Err(CoreError::NotFound)
    ));
    assert!(page(&lib, &lib.author, added.document_id).await.can_manage);
    assert!(
        page(&lib, &lib.moderator, added.document_id)
            .await
            .can_manage
    );
    edit(&lib, &lib.moderator, added.document_id, titled("Rettet"))
        .await
        .expect("a moderator edits");
    assert_eq!(
        page(&lib, &lib.author, added.document_id).await.title,
        "Rettet"
    );
}

#[tokio::test]
async fn a_strict_document_is_missing_for_the_outsider_whatever_they_try() {
    let lib = library().await;
    let added = add(
        &lib,
        &lib.author,
        upload("plan.pdf", Some(Tlp::AmberStrict)),
        PDF,
    )
    .await
    .expect("added");
    let id = added.document_id;
    let outsider = &lib.outsider;
    assert!(matches!(
        edit(&lib, outsider, id, titled("x")).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        restore(&lib, outsider, id, 1).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        remove(&lib, outsider, id).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        document_page(&lib.db, outsider, id).await,
        Err(CoreError::NotFound)
    ));
    let shown = page(&lib, &lib.author, id).await;
    assert_eq!(
        (shown.title.as_str(), shown.versions.len()),
        ("plan.pdf", 1)
    );
}

#[tokio::test]
async fn an_edit_raises_the_label_but_never_lowers_it() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("added");
    let id = added.document_id;
    let lower = DocumentEdit {
        tlp: Some(Tlp::Green),
        ..titled("plan.pdf")
    };
    assert!(is_invalid(
        edit(&lib, &lib.author, id, lower).await,
        "tlp",
        "below_current"
    ));
    assert!(page(&lib, &lib.outsider, id).await.tlp == Tlp::Amber);
    let raised = DocumentEdit {
        tlp: Some(Tlp::AmberStrict),
        ..titled("plan.pdf")
    };
    edit(&lib, &lib.author, id, raised).await.expect("raised");
    assert!(matches!(
        document_page(&lib.db, &lib.outsider, id).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        open(&lib, &lib.outsider, id).await,
        Err(CoreError::NotFound)
    ));
    assert!(
        titles(&lib, &lib.outsider, LibraryQuery::default())
            .await
            .is_empty()
    );
    assert_eq!(page(&lib, &lib.colleague, id).await.tlp, Tlp::AmberStrict);
    assert!(open(&lib, &lib.colleague, id).await.is_ok());
}

#[tokio::test]
async fn a_title_is_required_and_at_most_200_characters_and_a_description_is_bounded() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    let id = added.document_id;
    for blank in ["", "   "] {
        assert!(is_invalid(
            edit(&lib, &lib.author, id, titled(blank)).await,
            "title",
            "required"
        ));
    }
    assert!(is_invalid(
        edit(
            &lib,
            &lib.author,
            id,
            titled(&"ø".repeat(MAX_TITLE_CHARS + 1))
        )
        .await,
        "title",
        "too_long"
    ));
    let long = DocumentEdit {
        description: "x".repeat(MAX_DESCRIPTION_CHARS + 1),
        ..titled("a.pdf")
    };
    assert!(is_invalid(
        edit(&lib, &lib.author, id, long).await,
        "description",
        "too_long"
    ));
    edit(&lib, &lib.author, id, titled(&"ø".repeat(MAX_TITLE_CHARS)))
        .await
        .expect("200 characters fit");
    assert_eq!(page(&lib, &lib.author, id).await.edits.len(), 1);
}

#[tokio::test]
async fn an_edit_moves_the_document_into_a_folder_of_its_group_only() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    let id = added.document_id;
    let (elsewhere, in_both) = super::folders::folder_of_another_group(&lib).await;
    for folder in [elsewhere, elsewhere + 1000] {
        let astray = DocumentEdit {
            folder_id: Some(Some(folder)),
            ..titled("a.pdf")
        };
        assert!(is_invalid(
            edit(&lib, &in_both, id, astray).await,
            "folder_id",
            "unknown"
        ));
    }
    let folder = folders::create(&lib.libraries, &lib.author, "nis2", None, "Plan", ADDRESS)
        .await
        .expect("folder");
    let moved = DocumentEdit {
        folder_id: Some(Some(folder)),
        ..titled("a.pdf")
    };
    edit(&lib, &lib.author, id, moved).await.expect("moved");
    assert!(
        titles(&lib, &lib.colleague, LibraryQuery::default())
            .await
            .is_empty()
    );
    let in_folder = LibraryQuery {
        folder: Some(folder),
        ..LibraryQuery::default()
    };
    assert_eq!(titles(&lib, &lib.colleague, in_folder).await, ["a.pdf"]);
    let shown = page(&lib, &lib.colleague, id).await;
    assert_eq!(shown.folder_id, Some(folder));
    assert_eq!(
        shown.path.iter().map(|f| f.id).collect::<Vec<_>>(),
        [folder]
    );
}

#[tokio::test]
async fn an_edit_is_audited_and_queued_for_the_search_index() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    let changed = DocumentEdit {
        tags: "nis2".into(),
        ..titled("Plan")
    };
    edit(&lib, &lib.author, added.document_id, changed)
        .await
        .expect("edited");
    assert_eq!(outbox(&lib, added.document_id).await, ["upsert", "upsert"]);
    assert_eq!(
        audited(&lib, "document_edit").await,
        [(
            lib.author.user_id.map(|u| u.0),
            Some(added.document_id),
            "changed=title,tags".to_string()
        )]
    );
}

// Restoring an earlier version.

#[tokio::test]
async fn restoring_an_earlier_version_adds_it_as_the_newest_under_the_current_label() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("added");
    let id = added.document_id;
    let second = pdf("version 2");
    new_version(&lib, &lib.colleague, id, &second, Some(Tlp::AmberStrict)).await;
    let restored = restore(&lib, &lib.author, id, 1).await.expect("restored");
    assert_eq!(restored, 3);
    assert_eq!(
        open_version(&lib, &lib.colleague, id, 3).await.expect("v3"),
        PDF
    );
    let newest = open(&lib, &lib.colleague, id).await.expect("newest");
    assert_eq!(std::fs::read(&newest.path).expect("read"), PDF);
    assert_eq!(
        newest.tlp,
        Tlp::AmberStrict,
        "never the earlier, lower label"
    );
    assert_eq!(newest.file_name, "plan.pdf");
    let versions: Vec<(i64, Tlp, Option<i64>, String, String)> = page(&lib, &lib.author, id)
        .await
        .versions
        .into_iter()
        .map(|v| {
            (
                v.version,
                v.tlp,
                v.restored_from,
                v.author_name,
                v.change_note,
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            (
                3,
                Tlp::AmberStrict,
                Some(1),
                "Anne".into(),
                "Tilbage til den gamle".into()
            ),
            (2, Tlp::AmberStrict, None, "Bo".into(), String::new()),
            (1, Tlp::Amber, None, "Anne".into(), String::new()),
        ]
    );
    assert!(matches!(
        open_version(&lib, &lib.outsider, id, 3).await,
        Err(CoreError::NotFound)
    ));
    assert_eq!(
        audited(&lib, "document_restore").await,
        [(
            lib.author.user_id.map(|u| u.0),
            Some(id),
            "version=3 from=1".to_string()
        )]
    );
    assert_eq!(outbox(&lib, id).await, ["upsert", "upsert", "upsert"]);
}

#[tokio::test]
async fn a_reader_may_not_restore_a_version() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("added");
    new_version(&lib, &lib.author, added.document_id, &pdf("v2"), None).await;
    assert!(matches!(
        restore(&lib, &lib.reader, added.document_id, 1).await,
        Err(CoreError::Forbidden)
    ));
    assert!(
        !page(&lib, &lib.reader, added.document_id)
            .await
            .can_add_version
    );
    assert_eq!(
        page(&lib, &lib.author, added.document_id)
            .await
            .versions
            .len(),
        2
    );
}

#[tokio::test]
async fn restoring_a_version_that_does_not_exist_is_not_found() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("added");
    for missing in [0, 2, 7] {
        assert!(matches!(
            restore(&lib, &lib.author, added.document_id, missing).await,
            Err(CoreError::NotFound)
        ));
    }
    assert!(matches!(
        restore(&lib, &lib.author, added.document_id + 1000, 1).await,
        Err(CoreError::NotFound)
    ));
    assert_eq!(
        page(&lib, &lib.author, added.document_id)
            .await
            .versions
            .len(),
        1
    );
}

#[tokio::test]
async fn a_version_hidden_from_the_restorer_is_not_found() {
    let lib = library().await;
    let added = add(
        &lib,
        &lib.author,
        upload("plan.pdf", Some(Tlp::AmberStrict)),
        PDF,
    )
    .await
    .expect("added");
    // Version 2 is shared with the other organisation; version 1 stays with ours.
    let shared = NewVersion {
        audience: Audience {
            orgs: vec![lib.author.org_id, lib.outsider.org_id],
            users: vec![],
        },
        file_name: "plan.pdf".into(),
        ..NewVersion::default()
    };
    let file = received(&lib, &pdf("delt")).await;
    add_version(
        &lib.libraries,
        &lib.author,
        added.document_id,
        shared,
        file,
        ADDRESS,
    )
    .await
    .expect("shared version");
    assert!(matches!(
        restore(&lib, &lib.outsider, added.document_id, 1).await,
        Err(CoreError::NotFound)
    ));
    assert_eq!(
        restore(&lib, &lib.outsider, added.document_id, 2)
            .await
            .expect("a version they see"),
        3
    );
}

#[tokio::test]
async fn restoring_a_version_under_a_wider_audience_than_its_own_is_refused() {
    let lib = library().await;
    let added = add(
        &lib,
        &lib.author,
        upload("plan.pdf", Some(Tlp::AmberStrict)),
        PDF,
    )
    .await
    .expect("added");
    // Version 2 is shared with the other organisation too; version 1 was ours alone.
    let shared = NewVersion {
        audience: Audience {
            orgs: vec![lib.author.org_id, lib.outsider.org_id],
            users: vec![],
        },
        file_name: "plan.pdf".into(),
        ..NewVersion::default()
    };
    let file = received(&lib, &pdf("delt")).await;
    add_version(
        &lib.libraries,
        &lib.author,
        added.document_id,
        shared,
        file,
        ADDRESS,
    )
    .await
    .expect("shared version");
    assert!(is_invalid(
        restore(&lib, &lib.author, added.document_id, 1).await,
        "version",
        "wider_audience"
    ));
    assert!(matches!(
        open_version(&lib, &lib.outsider, added.document_id, 3).await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_moderator_raising_a_document_to_amber_strict_keeps_its_authors_organisation() {
    let lib = library().await;
    // The outsider's document, raised by our moderator without choosing organisations.
    let added = add(&lib, &lib.outsider, upload("plan.pdf", None), PDF)
        .await
        .expect("added");
    let raised = DocumentEdit {
        tlp: Some(Tlp::AmberStrict),
        ..titled("plan.pdf")
    };
    edit(&lib, &lib.moderator, added.document_id, raised)
        .await
        .expect("raised");
    assert_eq!(
        page(&lib, &lib.outsider, added.document_id).await.tlp,
        Tlp::AmberStrict
    );
    assert_eq!(
        page(&lib, &lib.moderator, added.document_id).await.tlp,
        Tlp::AmberStrict
    );
}

// Removal.

#[tokio::test]
async fn the_author_removes_a_document_with_a_reason_and_it_is_missing_everywhere() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    let id = added.document_id;
    assert_eq!(
        remove(&lib, &lib.author, id).await.expect("removed"),
        "nis2"
    );
    assert!(
        titles(&lib, &lib.author, LibraryQuery::default())
            .await
            .is_empty()
    );
    for who in [&lib.author, &lib.colleague] {
        assert!(matches!(
            document_page(&lib.db, who, id).await,
            Err(CoreError::NotFound)
        ));
        assert!(matches!(
            open(&lib, who, id).await,
            Err(CoreError::NotFound)
        ));
        assert!(matches!(
            open_version(&lib, who, id, 1).await,
            Err(CoreError::NotFound)
        ));
    }
    let (by, reason): (Option<i64>, Option<String>) =
        sqlx::query_as("select removed_by, removed_reason from documents where id = $1")
            .bind(id)
            .fetch_one(&lib.db)
            .await
            .expect("the row stays, marked");
    assert_eq!(by, lib.author.user_id.map(|u| u.0));
    assert_eq!(reason.as_deref(), Some("Forældet"));
    assert_eq!(outbox(&lib, id).await, ["upsert", "delete"]);
    assert_eq!(
        audited(&lib, "document_remove").await,
        [(
            lib.author.user_id.map(|u| u.0),
            Some(id),
            "versions=1".to_string()
        )]
    );
    assert!(matches!(
        remove(&lib, &lib.author, id).await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_removal_needs_a_reason_of_at_most_500_characters() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    for blank in ["", " \n "] {
        assert!(is_invalid(
            remove_document(
                &lib.libraries,
                &lib.author,
                added.document_id,
                blank,
                ADDRESS
            )
            .await,
            "reason",
            "required"
        ));
    }
    let long = "x".repeat(MAX_REASON_CHARS + 1);
    assert!(is_invalid(
        remove_document(
            &lib.libraries,
            &lib.author,
            added.document_id,
            &long,
            ADDRESS
        )
        .await,
        "reason",
        "too_long"
    ));
    assert!(open(&lib, &lib.colleague, added.document_id).await.is_ok());
}

#[tokio::test]
async fn only_the_author_or_a_moderator_removes_a_document() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    for who in [&lib.colleague, &lib.outsider, &lib.reader] {
        assert!(matches!(
            remove(&lib, who, added.document_id).await,
            Err(CoreError::Forbidden)
        ));
    }
    assert!(matches!(
        remove(&lib, &lib.stranger, added.document_id).await,
        Err(CoreError::NotFound)
    ));
    assert!(open(&lib, &lib.colleague, added.document_id).await.is_ok());
    remove(&lib, &lib.moderator, added.document_id)
        .await
        .expect("a moderator removes");
    assert!(matches!(
        open(&lib, &lib.author, added.document_id).await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_removed_documents_files_leave_the_disk_when_no_other_document_holds_them() {
    let lib = library().await;
    let (first, second) = (pdf("eins"), pdf("zwei"));
    let added = add(&lib, &lib.author, upload("a.pdf", None), &first)
        .await
        .expect("added");
    new_version(&lib, &lib.author, added.document_id, &second, None).await;
    let paths: Vec<std::path::PathBuf> = [&first, &second]
        .into_iter()
        .map(|bytes| lib.files.path_of(&sha_of(bytes)).expect("path"))
        .collect();
    assert!(paths.iter().all(|p| p.exists()));
    remove(&lib, &lib.author, added.document_id)
        .await
        .expect("removed");
    for path in &paths {
        assert!(!path.exists(), "{} stayed", path.display());
    }
    assert_eq!(blob_rows(&lib).await, 0);
}

#[tokio::test]
async fn bytes_another_document_holds_stay_and_it_still_downloads_them() {
    let lib = library().await;
    let mine = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("mine");
    let theirs = add(&lib, &lib.colleague, upload("b.pdf", None), PDF)
        .await
        .expect("theirs");
    remove(&lib, &lib.author, mine.document_id)
        .await
        .expect("removed");
    assert!(lib.files.path_of(&sha_of(PDF)).expect("path").exists());
    assert_eq!(blob_rows(&lib).await, 1);
    let opened = open(&lib, &lib.outsider, theirs.document_id)
        .await
        .expect("still there");
    assert_eq!(std::fs::read(&opened.path).expect("read"), PDF);
}

#[tokio::test]
async fn the_store_releases_only_files_no_version_names() {
    let lib = library().await;
    add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    let named = sha_of(PDF);
    // A file whose row no version names, and a row whose file is already gone.
    let orphan = received(&lib, b"%PDF-1.7\norphan\n%%EOF\n").await;
    let orphan_sha = orphan.sha256.clone();
    drop(lib.files.place(orphan).await.expect("placed"));
    let ghost = "0".repeat(64);
    for sha in [&orphan_sha, &ghost] {
        sqlx::query("insert into blobs (sha256, size, created_at) values ($1, 1, 0)")
            .bind(sha)
            .execute(&lib.db)
            .await
            .expect("blob row");
    }
    let removed = lib
        .files
        .release(&lib.db, &[named.clone(), orphan_sha.clone(), ghost])
        .await
        .expect("released");
    assert_eq!(removed, 1);
    assert!(lib.files.path_of(&named).expect("path").exists());
    assert!(!lib.files.path_of(&orphan_sha).expect("path").exists());
    let left: Vec<String> = sqlx::query_scalar("select sha256 from blobs")
        .fetch_all(&lib.db)
        .await
        .expect("rows");
    assert_eq!(left, [named]);
}

// What the library page and the document page show.

/// Four documents at the top of the library and one in a folder:
///
/// | title      | label        | type | tags          |
/// |------------|--------------|------|---------------|
/// | Beredskab  | AMBER        | PDF  | nis2, øvelse  |
/// | alfa noter | GREEN        | TXT  | nis2          |
/// | Cyber      | CLEAR        | PDF  | kort          |
/// | hemmelig   | AMBER+STRICT | PDF  | hemmelig      |
/// | Mappe      | AMBER        | PDF  | mappe         | (in the folder)
async fn shelf(lib: &Library) -> i64 {
    let folder = folders::create(&lib.libraries, &lib.author, "nis2", None, "Mappe", ADDRESS)
        .await
        .expect("folder");
    let in_folder = Upload {
        folder_id: Some(folder),
        ..upload("mappe.pdf", None)
    };
    let rows: [(Upload, Vec<u8>, &str, &str); 5] = [
        (
            upload("beredskab.pdf", Some(Tlp::Amber)),
            pdf("beredskab"),
            "Beredskab",
            "nis2, Øvelse",
        ),
        (
            upload("noter.txt", Some(Tlp::Green)),
            "Kære alle,\nmødet er flyttet.\n".as_bytes().to_vec(),
            "alfa noter",
            "NIS2",
        ),
        (
            upload("kort.pdf", Some(Tlp::Clear)),
            pdf("kort, men den største af filerne herinde"),
            "Cyber",
            "kort",
        ),
        (
            upload("hemmelig.pdf", Some(Tlp::AmberStrict)),
            pdf("hemmelig"),
            "hemmelig",
            "hemmelig",
        ),
        (in_folder, pdf("mappe"), "Mappe", "mappe"),
    ];
    for (upload, bytes, title, tags) in rows {
        let added = add(lib, &lib.author, upload, &bytes).await.expect("added");
        // No folder given: the edit leaves the document where it is.
        let tagged = DocumentEdit {
            tags: tags.into(),
            ..titled(title)
        };
        edit(lib, &lib.author, added.document_id, tagged)
            .await
            .expect("tagged");
    }
    folder
}

fn filtered(edit: impl FnOnce(&mut LibraryQuery)) -> LibraryQuery {
    let mut query = LibraryQuery {
        sort: Sort::Title,
        ..LibraryQuery::default()
    };
    edit(&mut query);
    query
}

#[tokio::test]
async fn the_library_lists_only_the_label_asked_for() {
    let lib = library().await;
    shelf(&lib).await;
    for (tlp, expected) in [
        (Tlp::Green, vec!["alfa noter"]),
        (Tlp::Amber, vec!["Beredskab"]),
        (Tlp::AmberStrict, vec!["hemmelig"]),
        (Tlp::Red, vec![]),
    ] {
        let query = filtered(|q| q.tlp = Some(tlp));
        assert_eq!(titles(&lib, &lib.author, query).await, expected, "{tlp:?}");
    }
    let strict = filtered(|q| q.tlp = Some(Tlp::AmberStrict));
    assert!(titles(&lib, &lib.outsider, strict).await.is_empty());
}

#[tokio::test]
async fn the_library_lists_only_the_type_asked_for() {
    let lib = library().await;
    shelf(&lib).await;
    let pdfs = filtered(|q| q.media_type = Some("application/pdf".into()));
    assert_eq!(
        titles(&lib, &lib.author, pdfs).await,
        ["Beredskab", "Cyber", "hemmelig"]
    );
    let texts = filtered(|q| q.media_type = Some("text/plain; charset=utf-8".into()));
    assert_eq!(titles(&lib, &lib.author, texts).await, ["alfa noter"]);
    let images = filtered(|q| q.media_type = Some("image/png".into()));
    assert!(titles(&lib, &lib.author, images).await.is_empty());
}

#[tokio::test]
async fn the_library_lists_only_documents_with_the_tag_asked_for() {
    let lib = library().await;
    shelf(&lib).await;
    for (tag, expected) in [
        ("nis2", vec!["alfa noter", "Beredskab"]),
        ("øvelse", vec!["Beredskab"]),
        ("mappe", vec![]),
        ("nis", vec![]),
    ] {
        let query = filtered(|q| q.tag = Some(tag.into()));
        assert_eq!(titles(&lib, &lib.author, query).await, expected, "{tag}");
    }
    let combined = filtered(|q| {
        q.tag = Some("nis2".into());
        q.tlp = Some(Tlp::Green);
    });
    assert_eq!(titles(&lib, &lib.author, combined).await, ["alfa noter"]);
}

#[tokio::test]
async fn the_library_sorts_by_title_ignoring_case_and_by_size_largest_first() {
    let lib = library().await;
    shelf(&lib).await;
    assert_eq!(
        titles(&lib, &lib.author, filtered(|_| {})).await,
        ["alfa noter", "Beredskab", "Cyber", "hemmelig"]
    );
    let by_size = titles(&lib, &lib.outsider, filtered(|q| q.sort = Sort::Size)).await;
    assert_eq!(by_size[0], "Cyber");
    assert_eq!(by_size.len(), 3);
}

async fn offered_tags(lib: &Library, who: &Viewer, query: LibraryQuery) -> Vec<String> {
    library_page(&lib.db, who, "nis2", &query)
        .await
        .expect("library page")
        .tags
}

#[tokio::test]
async fn the_tags_offered_are_those_of_every_visible_document_in_the_folder() {
    let lib = library().await;
    let folder = shelf(&lib).await;
    // The filters narrow the list, not the tags offered.
    let green = filtered(|q| q.tlp = Some(Tlp::Green));
    assert_eq!(
        offered_tags(&lib, &lib.author, green.clone()).await,
        ["hemmelig", "kort", "nis2", "øvelse"]
    );
    assert_eq!(
        offered_tags(&lib, &lib.outsider, green).await,
        ["kort", "nis2", "øvelse"]
    );
    let in_folder = filtered(|q| q.folder = Some(folder));
    assert_eq!(
        offered_tags(&lib, &lib.outsider, in_folder).await,
        ["mappe"]
    );
}

#[tokio::test]
async fn a_folder_of_another_group_or_a_missing_one_is_not_found_in_a_library() {
    let lib = library().await;
    let (elsewhere, in_both) = super::folders::folder_of_another_group(&lib).await;
    for folder in [elsewhere, elsewhere + 1000] {
        let query = LibraryQuery {
            folder: Some(folder),
            ..LibraryQuery::default()
        };
        assert!(matches!(
            library_page(&lib.db, &in_both, "nis2", &query).await,
            Err(CoreError::NotFound)
        ));
    }
    let dora = LibraryQuery {
        folder: Some(elsewhere),
        ..LibraryQuery::default()
    };
    assert!(library_page(&lib.db, &in_both, "dora", &dora).await.is_ok());
}

#[tokio::test]
async fn a_moderator_manages_any_document_and_sees_who_downloaded_it() {
    let lib = library().await;
    let added = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    open(&lib, &lib.outsider, added.document_id)
        .await
        .expect("download");
    lib.audit.chain().await.expect("chain");
    let shown = page(&lib, &lib.moderator, added.document_id).await;
    assert!(shown.can_manage && shown.can_add_version);
    let downloads = shown.downloads.expect("a moderator sees the panel");
    assert_eq!(
        downloads
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        ["Carl"]
    );
    let shown = page(&lib, &lib.colleague, added.document_id).await;
    assert!(!shown.can_manage && shown.can_add_version);
    assert_eq!(shown.downloads, None);
    let shown = page(&lib, &lib.reader, added.document_id).await;
    assert!(!shown.can_manage && !shown.can_add_version);
}
