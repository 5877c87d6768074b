//! Watching a library: who may watch what, and who is told of a new document or version
//! — only watchers who may see it, never the one who added it — and that a notification
//! leaves count and list once its document is hidden from the watcher.

use super::*;
use crate::library::folders;
use crate::library::watching::{Watch, set_watching, watch_state, watched};
use crate::notifications::{self, About, Kind};

const ADDRESS: &str = "10.0.0.4";

async fn folder(lib: &Library, parent: Option<i64>, name: &str) -> i64 {
    folders::create(&lib.libraries, &lib.author, "nis2", parent, name, ADDRESS)
        .await
        .expect("folder")
}

async fn watch(lib: &Library, who: &Viewer, folder: Option<i64>) {
    set_watching(&lib.db, who, "nis2", folder, true)
        .await
        .expect("watching");
}

fn in_folder(name: &str, folder: Option<i64>, tlp: Option<Tlp>) -> Upload {
    Upload {
        folder_id: folder,
        ..upload(name, tlp)
    }
}

async fn unread(lib: &Library, who: &Viewer) -> i64 {
    notifications::unread_count(&lib.db, who)
        .await
        .expect("count")
}

/// The documents the viewer's notifications are about, newest first.
async fn told_of(lib: &Library, who: &Viewer) -> Vec<(Kind, i64, Option<i64>)> {
    notifications::list(&lib.db, who, 1)
        .await
        .expect("list")
        .notifications
        .into_iter()
        .filter_map(|n| match n.about {
            About::Document {
                document_id,
                version,
                ..
            } => Some((n.kind, document_id, version)),
            About::Post { .. } | About::Deadline { .. } => None,
        })
        .collect()
}

/// Notification rows stored for `who`, whatever they may see now.
async fn stored_for(lib: &Library, who: &Viewer) -> i64 {
    sqlx::query_scalar("select count(*) from notifications where user_id = $1")
        .bind(who.user_id)
        .fetch_one(&lib.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_watcher_is_told_of_a_new_document_in_the_folder_and_the_uploader_is_not() {
    let lib = library().await;
    let policies = folder(&lib, None, "Politikker").await;
    watch(&lib, &lib.colleague, Some(policies)).await;
    watch(&lib, &lib.author, Some(policies)).await;
    let mut live = lib.libraries.hub.subscribe();

    let added = add(
        &lib,
        &lib.author,
        in_folder("politik.pdf", Some(policies), None),
        PDF,
    )
    .await
    .expect("added");

    assert_eq!(unread(&lib, &lib.colleague).await, 1);
    let page = notifications::list(&lib.db, &lib.colleague, 1)
        .await
        .expect("list");
    let first = &page.notifications[0];
    assert_eq!(first.kind, Kind::NewDocument);
    assert_eq!(first.actor.as_deref(), Some("Anne"));
    assert_eq!(
        first.about,
        About::Document {
            document_id: added.document_id,
            title: "politik.pdf".into(),
            group_name: "NIS2".into(),
            folder: Some("Politikker".into()),
            version: None,
        }
    );
    assert_eq!(
        stored_for(&lib, &lib.author).await,
        0,
        "the uploader watches too, but added it"
    );
    assert_eq!(
        live.try_recv().ok(),
        lib.colleague.user_id,
        "the watcher's open pages are told after the commit"
    );
    assert!(live.try_recv().is_err(), "and nobody else");

    // A document elsewhere in the library tells nobody.
    add(&lib, &lib.author, upload("andet.pdf", None), PDF)
        .await
        .expect("added at the top");
    assert_eq!(unread(&lib, &lib.colleague).await, 1);
}

#[tokio::test]
async fn a_folder_is_watched_with_its_subfolders_and_the_library_with_every_folder() {
    let lib = library().await;
    let policies = folder(&lib, None, "Politikker").await;
    let year = folder(&lib, Some(policies), "2026").await;
    let other = folder(&lib, None, "Referater").await;
    watch(&lib, &lib.colleague, Some(policies)).await;
    // Watching the folder and the library too still tells once per change.
    watch(&lib, &lib.moderator, None).await;
    watch(&lib, &lib.moderator, Some(year)).await;

    let deep = add(&lib, &lib.author, in_folder("a.pdf", Some(year), None), PDF)
        .await
        .expect("added");
    let beside = add(
        &lib,
        &lib.author,
        in_folder("b.pdf", Some(other), None),
        PDF,
    )
    .await
    .expect("added");
    let top = add(&lib, &lib.author, upload("c.pdf", None), PDF)
        .await
        .expect("added");

    assert_eq!(
        told_of(&lib, &lib.colleague).await,
        [(Kind::NewDocument, deep.document_id, None)]
    );
    assert_eq!(
        told_of(&lib, &lib.moderator).await,
        [
            (Kind::NewDocument, top.document_id, None),
            (Kind::NewDocument, beside.document_id, None),
            (Kind::NewDocument, deep.document_id, None),
        ]
    );
}

#[tokio::test]
async fn a_watcher_outside_the_amber_strict_recipients_gets_nothing() {
    let lib = library().await;
    for who in [&lib.colleague, &lib.outsider, &lib.reader] {
        watch(&lib, who, None).await;
    }
    let added = add(
        &lib,
        &lib.author,
        upload("plan.pdf", Some(Tlp::AmberStrict)),
        PDF,
    )
    .await
    .expect("added");
    assert_eq!(stored_for(&lib, &lib.outsider).await, 0);
    assert_eq!(unread(&lib, &lib.outsider).await, 0);
    for who in [&lib.colleague, &lib.reader] {
        assert_eq!(
            told_of(&lib, who).await,
            [(Kind::NewDocument, added.document_id, None)],
            "the author's organisation, readers too"
        );
    }
}

#[tokio::test]
async fn a_red_document_tells_only_the_watchers_it_names() {
    let lib = library().await;
    for who in [&lib.colleague, &lib.outsider, &lib.moderator] {
        watch(&lib, who, None).await;
    }
    let mut red = upload("hemmelig.pdf", Some(Tlp::Red));
    red.audience.users = vec![lib.outsider.user_id.expect("id")];
    add(&lib, &lib.author, red, PDF).await.expect("added");
    assert_eq!(unread(&lib, &lib.outsider).await, 1);
    assert_eq!(stored_for(&lib, &lib.colleague).await, 0);
    assert_eq!(
        stored_for(&lib, &lib.moderator).await,
        0,
        "moderating is no way around a RED label"
    );
}

#[tokio::test]
async fn a_watcher_who_left_the_group_is_told_nothing_and_loses_what_it_was_told() {
    let lib = library().await;
    watch(&lib, &lib.colleague, None).await;
    add(&lib, &lib.author, upload("før.pdf", None), PDF)
        .await
        .expect("added");
    assert_eq!(unread(&lib, &lib.colleague).await, 1);

    sqlx::query("delete from group_members where user_id = $1")
        .bind(lib.colleague.user_id)
        .execute(&lib.db)
        .await
        .expect("left");
    add(&lib, &lib.author, upload("efter.pdf", None), PDF)
        .await
        .expect("added");
    assert_eq!(
        stored_for(&lib, &lib.colleague).await,
        1,
        "nothing new stored"
    );
    let mut former = lib.colleague.clone();
    former.groups.clear();
    assert_eq!(
        unread(&lib, &former).await,
        0,
        "the earlier one is gone too"
    );
    assert!(told_of(&lib, &former).await.is_empty());
    assert!(
        watched(&lib.db, &former).await.expect("watched").is_empty(),
        "the watch of a left group is not listed"
    );
}

#[tokio::test]
async fn a_raised_label_hides_an_existing_notification_from_count_and_list() {
    let lib = library().await;
    watch(&lib, &lib.outsider, None).await;
    let added = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("added");
    assert_eq!(unread(&lib, &lib.outsider).await, 1);
    let raised = DocumentEdit {
        title: "plan.pdf".into(),
        tlp: Some(Tlp::AmberStrict),
        ..DocumentEdit::default()
    };
    edit_document(
        &lib.libraries,
        &lib.author,
        added.document_id,
        raised,
        ADDRESS,
    )
    .await
    .expect("raised");
    assert_eq!(unread(&lib, &lib.outsider).await, 0);
    assert!(told_of(&lib, &lib.outsider).await.is_empty());
    let page = notifications::list(&lib.db, &lib.outsider, 1)
        .await
        .expect("list");
    assert_eq!((page.pages, page.unread), (1, 0));
}

#[tokio::test]
async fn a_removed_document_takes_its_notifications_with_it() {
    let lib = library().await;
    watch(&lib, &lib.colleague, None).await;
    let added = add(&lib, &lib.author, upload("plan.pdf", None), PDF)
        .await
        .expect("added");
    let file = received(&lib, b"%PDF-1.7\nv2\n%%EOF\n").await;
    let new = NewVersion {
        file_name: "plan.pdf".into(),
        ..NewVersion::default()
    };
    add_version(
        &lib.libraries,
        &lib.author,
        added.document_id,
        new,
        file,
        ADDRESS,
    )
    .await
    .expect("version 2");
    assert_eq!(unread(&lib, &lib.colleague).await, 2);
    remove_document(
        &lib.libraries,
        &lib.author,
        added.document_id,
        "Forældet",
        ADDRESS,
    )
    .await
    .expect("removed");
    assert_eq!(unread(&lib, &lib.colleague).await, 0);
    assert!(told_of(&lib, &lib.colleague).await.is_empty());
}

#[tokio::test]
async fn a_new_version_and_a_restore_tell_watchers_who_may_see_that_version() {
    let lib = library().await;
    let policies = folder(&lib, None, "Politikker").await;
    for who in [&lib.author, &lib.colleague, &lib.outsider] {
        watch(&lib, who, Some(policies)).await;
    }
    let added = add(
        &lib,
        &lib.author,
        in_folder("plan.pdf", Some(policies), None),
        PDF,
    )
    .await
    .expect("added");
    let file = received(&lib, b"%PDF-1.7\nv2\n%%EOF\n").await;
    let raised = NewVersion {
        tlp: Some(Tlp::AmberStrict),
        file_name: "plan.pdf".into(),
        ..NewVersion::default()
    };
    add_version(
        &lib.libraries,
        &lib.colleague,
        added.document_id,
        raised,
        file,
        ADDRESS,
    )
    .await
    .expect("version 2");
    // The author did not add this version: told. The outsider may not see it: not.
    assert_eq!(
        told_of(&lib, &lib.author).await,
        [(Kind::NewVersion, added.document_id, Some(2))]
    );
    assert_eq!(
        stored_for(&lib, &lib.outsider).await,
        1,
        "version 1 only, and that is hidden now"
    );
    assert!(told_of(&lib, &lib.outsider).await.is_empty());

    let restored = restore_version(
        &lib.libraries,
        &lib.author,
        added.document_id,
        1,
        "Tilbage",
        ADDRESS,
    )
    .await
    .expect("restored");
    assert_eq!(restored, 3);
    assert_eq!(
        told_of(&lib, &lib.colleague).await,
        [
            (Kind::NewVersion, added.document_id, Some(3)),
            (Kind::NewDocument, added.document_id, None),
        ]
    );
}

#[tokio::test]
async fn moving_a_document_in_tells_those_who_watch_where_it_went_and_not_where_it_was() {
    let lib = library().await;
    let policies = folder(&lib, None, "Politikker").await;
    let year = folder(&lib, Some(policies), "2026").await;
    let drafts = folder(&lib, None, "Kladder").await;
    watch(&lib, &lib.colleague, Some(year)).await;
    watch(&lib, &lib.moderator, Some(policies)).await;
    let added = add(
        &lib,
        &lib.author,
        in_folder("plan.pdf", Some(drafts), None),
        PDF,
    )
    .await
    .expect("added");
    let move_to = |folder: Option<i64>| DocumentEdit {
        title: "plan.pdf".into(),
        folder_id: Some(folder),
        ..DocumentEdit::default()
    };
    edit_document(
        &lib.libraries,
        &lib.author,
        added.document_id,
        move_to(Some(policies)),
        ADDRESS,
    )
    .await
    .expect("moved");
    assert_eq!(unread(&lib, &lib.moderator).await, 1);
    assert_eq!(unread(&lib, &lib.colleague).await, 0);

    // Down into the subfolder: new to its watcher, not to the one above who had it.
    edit_document(
        &lib.libraries,
        &lib.author,
        added.document_id,
        move_to(Some(year)),
        ADDRESS,
    )
    .await
    .expect("moved");
    assert_eq!(unread(&lib, &lib.colleague).await, 1);
    assert_eq!(unread(&lib, &lib.moderator).await, 1);

    // An edit that moves nothing tells nobody.
    let retitled = DocumentEdit {
        title: "Plan".into(),
        ..DocumentEdit::default()
    };
    edit_document(
        &lib.libraries,
        &lib.author,
        added.document_id,
        retitled,
        ADDRESS,
    )
    .await
    .expect("retitled");
    assert_eq!(unread(&lib, &lib.colleague).await, 1);
}

#[tokio::test]
async fn members_watch_what_they_read_and_anyone_else_is_told_it_is_missing() {
    let lib = library().await;
    let policies = folder(&lib, None, "Politikker").await;
    watch(&lib, &lib.reader, Some(policies)).await;
    assert_eq!(
        watch_state(&lib.db, &lib.reader, "nis2", Some(policies))
            .await
            .expect("state"),
        Watch::Here
    );
    // Twice is once.
    watch(&lib, &lib.reader, Some(policies)).await;
    let rows: i64 = sqlx::query_scalar("select count(*) from library_watches")
        .fetch_one(&lib.db)
        .await
        .expect("rows");
    assert_eq!(rows, 1);

    let (elsewhere, _) = super::folders::folder_of_another_group(&lib).await;
    for (who, slug, folder) in [
        (&lib.stranger, "nis2", Some(policies)),
        (&lib.stranger, "nis2", None),
        (&lib.colleague, "nis2", Some(elsewhere)),
        (&lib.colleague, "dora", Some(elsewhere)),
        (&lib.colleague, "nis2", Some(999_999)),
        (&lib.colleague, "ingen", None),
    ] {
        for on in [true, false] {
            assert!(
                matches!(
                    set_watching(&lib.db, who, slug, folder, on).await,
                    Err(CoreError::NotFound)
                ),
                "{slug} {folder:?} {on}"
            );
        }
        assert!(matches!(
            watch_state(&lib.db, who, slug, folder).await,
            Err(CoreError::NotFound)
        ));
    }
    let token = Viewer::api_token(lib.author.org_id);
    assert!(matches!(
        set_watching(&lib.db, &token, "nis2", None, true).await,
        Err(CoreError::NotFound)
    ));

    set_watching(&lib.db, &lib.reader, "nis2", Some(policies), false)
        .await
        .expect("unwatched");
    assert_eq!(
        watch_state(&lib.db, &lib.reader, "nis2", Some(policies))
            .await
            .expect("state"),
        Watch::No
    );
}

#[tokio::test]
async fn the_state_says_where_a_watch_comes_from_and_the_list_names_each_place() {
    let lib = library().await;
    let policies = folder(&lib, None, "Politikker").await;
    let year = folder(&lib, Some(policies), "2026").await;
    let state = |folder| watch_state(&lib.db, &lib.colleague, "nis2", folder);
    assert_eq!(state(Some(year)).await.expect("state"), Watch::No);
    watch(&lib, &lib.colleague, None).await;
    assert_eq!(state(None).await.expect("state"), Watch::Here);
    assert_eq!(state(Some(year)).await.expect("state"), Watch::Above(None));
    watch(&lib, &lib.colleague, Some(policies)).await;
    match state(Some(year)).await.expect("state") {
        Watch::Above(Some(above)) => assert_eq!(above.id, policies),
        other => panic!("{other:?}"),
    }
    watch(&lib, &lib.colleague, Some(year)).await;
    let listed: Vec<(Option<i64>, Vec<String>)> = watched(&lib.db, &lib.colleague)
        .await
        .expect("watched")
        .into_iter()
        .map(|w| (w.folder_id, w.path.into_iter().map(|f| f.name).collect()))
        .collect();
    assert_eq!(
        listed,
        [
            (None, vec![]),
            (Some(policies), vec!["Politikker".to_string()]),
            (Some(year), vec!["Politikker".into(), "2026".into()]),
        ]
    );
    assert!(
        watched(&lib.db, &lib.author)
            .await
            .expect("watched")
            .is_empty()
    );
}

#[tokio::test]
async fn deleting_a_watched_folder_is_not_blocked_and_ends_its_watches() {
    let lib = library().await;
    let empty = folder(&lib, None, "Tom").await;
    watch(&lib, &lib.colleague, Some(empty)).await;
    folders::delete(&lib.libraries, &lib.author, empty, ADDRESS)
        .await
        .expect("deleted");
    let rows: i64 = sqlx::query_scalar("select count(*) from library_watches")
        .fetch_one(&lib.db)
        .await
        .expect("rows");
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn opening_the_document_reads_its_notifications() {
    let lib = library().await;
    watch(&lib, &lib.colleague, None).await;
    let first = add(&lib, &lib.author, upload("a.pdf", None), PDF)
        .await
        .expect("added");
    add(&lib, &lib.author, upload("b.pdf", None), PDF)
        .await
        .expect("added");
    assert_eq!(unread(&lib, &lib.colleague).await, 2);
    assert!(
        notifications::mark_document_read(&lib.db, &lib.colleague, first.document_id)
            .await
            .expect("read")
    );
    assert_eq!(unread(&lib, &lib.colleague).await, 1);
    assert!(
        !notifications::mark_document_read(&lib.db, &lib.colleague, first.document_id)
            .await
            .expect("read")
    );
}
