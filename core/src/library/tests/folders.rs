//! A library's folders: who creates and changes them, which names they take, where they
//! may go, when they may be deleted, and that every change is audited.

use super::*;
use crate::library::folders::{self, Folder, path_to};

const ADDRESS: &str = "10.0.0.3";

async fn create(lib: &Library, who: &Viewer, parent: Option<i64>, name: &str) -> CoreResult<i64> {
    folders::create(&lib.libraries, who, "nis2", parent, name, ADDRESS).await
}

async fn group_of(lib: &Library) -> GroupId {
    sqlx::query_scalar("select id from user_groups where slug = 'nis2'")
        .fetch_one(&lib.db)
        .await
        .expect("group")
}

async fn names(lib: &Library) -> Vec<String> {
    let group = group_of(lib).await;
    folders::folders_of(&lib.db, &lib.author, group)
        .await
        .expect("folders")
        .into_iter()
        .map(|f| f.name)
        .collect()
}

fn is_invalid<T>(result: CoreResult<T>, field: &str, reason: &str) -> bool {
    matches!(result, Err(CoreError::Invalid { field: f, reason: r }) if f == field && r == reason)
}

/// A folder in the library of a second group ("dora"), of which the author is a member
/// too; the author's viewer for both groups with it.
pub(super) async fn folder_of_another_group(lib: &Library) -> (i64, Viewer) {
    let admin = Viewer::user(
        UserId(0),
        lib.author.org_id,
        PlatformRole::Admin,
        false,
        vec![],
    );
    let admin = require_admin(&admin).expect("admin");
    let group = groups::create(
        &lib.db,
        &lib.audit,
        &admin,
        NewGroup {
            slug: "dora".into(),
            name: "DORA".into(),
            description: String::new(),
            default_tlp: Tlp::Green,
        },
        "",
    )
    .await
    .expect("second group");
    let author = lib.author.user_id.expect("id");
    groups::set_member(&lib.db, &admin, group, author, GroupRole::Member)
        .await
        .expect("member");
    let mut in_both = lib.author.clone();
    in_both.groups.push((group, GroupRole::Member));
    let folder = folders::create(&lib.libraries, &in_both, "dora", None, "Andet", ADDRESS)
        .await
        .expect("folder of the second group");
    (folder, in_both)
}

#[tokio::test]
async fn a_member_creates_a_folder_and_a_subfolder_and_the_path_lists_them_outermost_first() {
    let lib = library().await;
    let outer = create(&lib, &lib.author, None, "Øvelser")
        .await
        .expect("outer");
    let inner = create(&lib, &lib.colleague, Some(outer), "2025")
        .await
        .expect("inner");
    let group = group_of(&lib).await;
    let all = folders::folders_of(&lib.db, &lib.reader, group)
        .await
        .expect("a reader sees the folders");
    let path: Vec<(i64, String)> = path_to(&all, Some(inner))
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect();
    assert_eq!(path, [(outer, "Øvelser".into()), (inner, "2025".into())]);
    assert!(path_to(&all, None).is_empty(), "the top has no path");
    let page = library_page(
        &lib.db,
        &lib.outsider,
        "nis2",
        &LibraryQuery {
            folder: Some(inner),
            ..LibraryQuery::default()
        },
    )
    .await
    .expect("page");
    assert_eq!(
        page.path.iter().map(|f| f.id).collect::<Vec<_>>(),
        [outer, inner]
    );
    let made: &Folder = all.iter().find(|f| f.id == inner).expect("inner listed");
    assert_eq!(made.parent_id, Some(outer));
    assert_eq!(made.created_by, lib.colleague.user_id.expect("id"));
}

#[tokio::test]
async fn the_folders_of_a_library_are_listed_by_name_and_hidden_from_a_stranger() {
    let lib = library().await;
    for name in ["beredskab", "Arkiv", "Øvelser", "Cyber"] {
        create(&lib, &lib.author, None, name).await.expect("folder");
    }
    assert_eq!(
        names(&lib).await,
        ["Arkiv", "beredskab", "Cyber", "Øvelser"]
    );
    let group = group_of(&lib).await;
    assert!(matches!(
        folders::folders_of(&lib.db, &lib.stranger, group).await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn a_name_is_taken_once_in_one_place_but_free_in_another() {
    let lib = library().await;
    let plan = create(&lib, &lib.author, None, "Plan").await.expect("plan");
    assert!(is_invalid(
        create(&lib, &lib.colleague, None, " Plan ").await,
        "name",
        "taken"
    ));
    let archive = create(&lib, &lib.author, None, "Arkiv")
        .await
        .expect("arkiv");
    let inner = create(&lib, &lib.author, Some(archive), "Plan")
        .await
        .expect("the same name in another folder");
    assert!(
        is_invalid(
            folders::rename(&lib.libraries, &lib.author, archive, "Plan", ADDRESS).await,
            "name",
            "taken"
        ),
        "a rename to a name taken in the same place"
    );
    assert!(
        is_invalid(
            folders::move_to(&lib.libraries, &lib.author, inner, None, ADDRESS).await,
            "name",
            "taken"
        ),
        "a move to a place where the name is taken"
    );
    folders::rename(&lib.libraries, &lib.author, plan, "Plan", ADDRESS)
        .await
        .expect("keeping its own name is no clash");
}

#[tokio::test]
async fn an_empty_or_blank_name_is_required() {
    let lib = library().await;
    for name in ["", "   ", "\t\n", "\u{202E}\u{0007}"] {
        assert!(
            is_invalid(
                create(&lib, &lib.author, None, name).await,
                "name",
                "required"
            ),
            "{name:?}"
        );
    }
    let folder = create(&lib, &lib.author, None, "Plan").await.expect("plan");
    assert!(is_invalid(
        folders::rename(&lib.libraries, &lib.author, folder, " ", ADDRESS).await,
        "name",
        "required"
    ));
    assert_eq!(names(&lib).await, ["Plan"]);
}

#[tokio::test]
async fn a_name_longer_than_200_characters_is_too_long() {
    let lib = library().await;
    assert!(is_invalid(
        create(&lib, &lib.author, None, &"æ".repeat(201)).await,
        "name",
        "too_long"
    ));
    create(&lib, &lib.author, None, &"æ".repeat(200))
        .await
        .expect("200 characters fit");
}

#[tokio::test]
async fn control_and_bidi_characters_are_stripped_from_a_name() {
    let lib = library().await;
    let folder = create(&lib, &lib.author, None, "Bered\u{202E}skab\u{0007}\tplan")
        .await
        .expect("folder");
    assert_eq!(names(&lib).await, ["Beredskabplan"]);
    folders::rename(
        &lib.libraries,
        &lib.author,
        folder,
        "\u{2066}Arkiv\u{2069}\r\n",
        ADDRESS,
    )
    .await
    .expect("rename");
    assert_eq!(names(&lib).await, ["Arkiv"]);
}

#[tokio::test]
async fn a_reader_may_not_create_a_folder_and_a_stranger_finds_no_library() {
    let lib = library().await;
    assert!(matches!(
        create(&lib, &lib.reader, None, "Plan").await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        create(&lib, &lib.stranger, None, "Plan").await,
        Err(CoreError::NotFound)
    ));
    assert!(names(&lib).await.is_empty());
}

#[tokio::test]
async fn a_member_who_did_not_create_a_folder_may_not_rename_move_or_delete_it() {
    let lib = library().await;
    let folder = create(&lib, &lib.author, None, "Plan").await.expect("plan");
    let other = create(&lib, &lib.colleague, None, "Arkiv")
        .await
        .expect("arkiv");
    for who in [&lib.colleague, &lib.outsider, &lib.reader] {
        assert!(matches!(
            folders::rename(&lib.libraries, who, folder, "Ny", ADDRESS).await,
            Err(CoreError::Forbidden)
        ));
        assert!(matches!(
            folders::move_to(&lib.libraries, who, folder, Some(other), ADDRESS).await,
            Err(CoreError::Forbidden)
        ));
        assert!(matches!(
            folders::delete(&lib.libraries, who, folder, ADDRESS).await,
            Err(CoreError::Forbidden)
        ));
    }
    assert!(matches!(
        folders::rename(&lib.libraries, &lib.stranger, folder, "Ny", ADDRESS).await,
        Err(CoreError::NotFound)
    ));
    assert_eq!(names(&lib).await, ["Arkiv", "Plan"]);
}

#[tokio::test]
async fn a_moderator_renames_moves_and_deletes_any_folder() {
    let lib = library().await;
    let folder = create(&lib, &lib.author, None, "Plan").await.expect("plan");
    let other = create(&lib, &lib.colleague, None, "Arkiv")
        .await
        .expect("arkiv");
    folders::rename(&lib.libraries, &lib.moderator, folder, "Planer", ADDRESS)
        .await
        .expect("rename");
    folders::move_to(&lib.libraries, &lib.moderator, folder, Some(other), ADDRESS)
        .await
        .expect("move");
    let group = group_of(&lib).await;
    let all = folders::folders_of(&lib.db, &lib.author, group)
        .await
        .expect("folders");
    let moved = all.iter().find(|f| f.id == folder).expect("listed");
    assert_eq!(
        (moved.name.as_str(), moved.parent_id),
        ("Planer", Some(other))
    );
    folders::delete(&lib.libraries, &lib.moderator, folder, ADDRESS)
        .await
        .expect("delete");
    assert_eq!(names(&lib).await, ["Arkiv"]);
}

async fn managed(lib: &Library, who: &Viewer) -> Vec<i64> {
    library_page(&lib.db, who, "nis2", &LibraryQuery::default())
        .await
        .expect("page")
        .managed_folders
}

#[tokio::test]
async fn the_library_page_offers_a_folder_to_change_only_to_who_may_change_it() {
    let lib = library().await;
    let anne = create(&lib, &lib.author, None, "Plan").await.expect("plan");
    let bo = create(&lib, &lib.colleague, None, "Arkiv")
        .await
        .expect("arkiv");
    assert_eq!(managed(&lib, &lib.author).await, [anne]);
    let mut all = managed(&lib, &lib.moderator).await;
    all.sort_unstable();
    assert_eq!(all, [anne, bo]);
    assert!(managed(&lib, &lib.reader).await.is_empty());
}

#[tokio::test]
async fn a_folder_never_moves_into_itself_or_a_folder_inside_it() {
    let lib = library().await;
    let top = create(&lib, &lib.author, None, "A").await.expect("a");
    let middle = create(&lib, &lib.author, Some(top), "B").await.expect("b");
    let bottom = create(&lib, &lib.author, Some(middle), "C")
        .await
        .expect("c");
    for target in [top, middle, bottom] {
        assert!(
            is_invalid(
                folders::move_to(&lib.libraries, &lib.author, top, Some(target), ADDRESS).await,
                "parent_id",
                "inside_itself"
            ),
            "into {target}"
        );
    }
    folders::move_to(&lib.libraries, &lib.author, bottom, None, ADDRESS)
        .await
        .expect("out to the top");
    folders::move_to(&lib.libraries, &lib.author, top, Some(bottom), ADDRESS)
        .await
        .expect("into a folder no longer inside it");
    let group = group_of(&lib).await;
    let all = folders::folders_of(&lib.db, &lib.author, group)
        .await
        .expect("folders");
    let path: Vec<i64> = path_to(&all, Some(middle)).iter().map(|f| f.id).collect();
    assert_eq!(path, [bottom, top, middle]);
}

#[tokio::test]
async fn a_folder_of_another_group_or_a_missing_one_is_no_parent() {
    let lib = library().await;
    let (elsewhere, in_both) = folder_of_another_group(&lib).await;
    let folder = create(&lib, &in_both, None, "Plan").await.expect("plan");
    for parent in [elsewhere, elsewhere + 1000] {
        assert!(is_invalid(
            create(&lib, &in_both, Some(parent), "Ny").await,
            "parent_id",
            "unknown"
        ));
        assert!(is_invalid(
            folders::move_to(&lib.libraries, &in_both, folder, Some(parent), ADDRESS).await,
            "parent_id",
            "unknown"
        ));
    }
    assert_eq!(names(&lib).await, ["Plan"]);
}

#[tokio::test]
async fn a_folder_holding_a_subfolder_or_a_document_is_not_deleted() {
    let lib = library().await;
    let outer = create(&lib, &lib.author, None, "Plan").await.expect("plan");
    let inner = create(&lib, &lib.author, Some(outer), "Bilag")
        .await
        .expect("bilag");
    assert!(matches!(
        folders::delete(&lib.libraries, &lib.author, outer, ADDRESS).await,
        Err(CoreError::Conflict("folder_not_empty"))
    ));
    let mut into_inner = upload("a.pdf", None);
    into_inner.folder_id = Some(inner);
    add(&lib, &lib.author, into_inner, PDF)
        .await
        .expect("added");
    assert!(matches!(
        folders::delete(&lib.libraries, &lib.author, inner, ADDRESS).await,
        Err(CoreError::Conflict("folder_not_empty"))
    ));
    assert_eq!(names(&lib).await, ["Bilag", "Plan"]);
}

#[tokio::test]
async fn a_folder_holding_a_document_its_deleter_cannot_see_is_not_empty() {
    let lib = library().await;
    let folder = create(&lib, &lib.author, None, "Plan").await.expect("plan");
    let mut strict = upload("deres.pdf", Some(Tlp::AmberStrict));
    strict.folder_id = Some(folder);
    add(&lib, &lib.outsider, strict, PDF).await.expect("added");
    let seen = library_page(
        &lib.db,
        &lib.author,
        "nis2",
        &LibraryQuery {
            folder: Some(folder),
            ..LibraryQuery::default()
        },
    )
    .await
    .expect("page");
    assert!(seen.documents.is_empty(), "for the other organisation only");
    assert!(matches!(
        folders::delete(&lib.libraries, &lib.author, folder, ADDRESS).await,
        Err(CoreError::Conflict("folder_not_empty"))
    ));
}

#[tokio::test]
async fn an_empty_folder_is_deleted_and_a_removed_document_in_it_moves_to_the_top() {
    let lib = library().await;
    let folder = create(&lib, &lib.author, None, "Plan").await.expect("plan");
    let mut into = upload("a.pdf", None);
    into.folder_id = Some(folder);
    let added = add(&lib, &lib.author, into, PDF).await.expect("added");
    remove_document(
        &lib.libraries,
        &lib.author,
        added.document_id,
        "Forkert fil",
        "x",
    )
    .await
    .expect("removed");
    folders::delete(&lib.libraries, &lib.author, folder, ADDRESS)
        .await
        .expect("deleted");
    assert!(names(&lib).await.is_empty());
    let kept: Option<i64> = sqlx::query_scalar("select folder_id from documents where id = $1")
        .bind(added.document_id)
        .fetch_one(&lib.db)
        .await
        .expect("the removed document's row stays");
    assert_eq!(kept, None);
    assert!(matches!(
        library_page(
            &lib.db,
            &lib.author,
            "nis2",
            &LibraryQuery {
                folder: Some(folder),
                ..LibraryQuery::default()
            },
        )
        .await,
        Err(CoreError::NotFound)
    ));
}

#[tokio::test]
async fn every_folder_change_is_audited_with_its_group_and_folder() {
    let lib = library().await;
    let folder = create(&lib, &lib.author, None, "Plan").await.expect("plan");
    let other = create(&lib, &lib.author, None, "Arkiv")
        .await
        .expect("arkiv");
    folders::rename(&lib.libraries, &lib.author, folder, "Planer", ADDRESS)
        .await
        .expect("rename");
    folders::move_to(&lib.libraries, &lib.moderator, folder, Some(other), ADDRESS)
        .await
        .expect("move");
    folders::delete(&lib.libraries, &lib.author, folder, ADDRESS)
        .await
        .expect("delete");
    // A refused change stages nothing.
    assert!(
        folders::delete(&lib.libraries, &lib.colleague, other, ADDRESS)
            .await
            .is_err()
    );
    lib.audit.chain().await.expect("chain");
    let group = group_of(&lib).await;
    type Audited = (String, Option<i64>, String, Option<i64>, String);
    let rows: Vec<Audited> = sqlx::query_as(
        "select action, actor_user_id, subject_kind, subject_id, detail from audit_log \
         where action like 'folder_%' order by id",
    )
    .fetch_all(&lib.db)
    .await
    .expect("rows");
    let author = lib.author.user_id.map(|u| u.0);
    let moderator = lib.moderator.user_id.map(|u| u.0);
    let row = |action: &str, who: Option<i64>, id: i64| -> Audited {
        (
            action.into(),
            who,
            "group".into(),
            Some(group.0),
            format!("folder={id}"),
        )
    };
    assert_eq!(
        rows,
        [
            row("folder_create", author, folder),
            row("folder_create", author, other),
            row("folder_rename", author, folder),
            row("folder_move", moderator, folder),
            row("folder_delete", author, folder),
        ]
    );
    let addresses: Vec<String> =
        sqlx::query_scalar("select distinct address from audit_log where action like 'folder_%'")
            .fetch_all(&lib.db)
            .await
            .expect("addresses");
    assert_eq!(addresses, [ADDRESS]);
}

#[tokio::test]
async fn two_members_racing_for_one_name_get_one_folder_and_one_clear_refusal() {
    let lib = library().await;
    let (first, second) = tokio::join!(
        create(&lib, &lib.author, None, "Hændelser"),
        create(&lib, &lib.colleague, None, "Hændelser"),
    );
    let (won, lost) = match (first, second) {
        (Ok(id), other) | (other, Ok(id)) => (id, other),
        (a, b) => panic!("neither made the folder: {a:?} {b:?}"),
    };
    assert!(won > 0);
    assert!(is_invalid(lost, "name", "taken"));
    assert_eq!(names(&lib).await, vec!["Hændelser".to_string()]);
}
