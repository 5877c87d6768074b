//! Links from posts to documents: the link table follows each post's text through
//! writing, editing, deleting, removal and the start-up re-render; a document's page
//! lists only the threads (and linking posts) its reader may see; and the composer's
//! suggestions never offer a document the writer may not see.

use super::LINKING_THREADS_SHOWN;
use crate::audit::AuditLog;
use crate::db::{self, Db};
use crate::error::CoreError;
use crate::forums::writing::{self, NewReply, NewThread, PostEdit};
use crate::forums::{Audience, moderation, rendering};
use crate::groups::{self, NewGroup};
use crate::ids::{GroupId, OrgId, UserId};
use crate::library::linking::{LinkSuggestion, link_suggestions};
use crate::library::store::BlobStore;
use crate::library::{self, DocumentEdit, Libraries, Upload};
use crate::policy::{GroupRole, PlatformRole, Tlp, Viewer, require_admin};

struct World {
    db: Db,
    libraries: Libraries,
    _dir: tempfile::TempDir,
    theirs: OrgId,
    /// Our organisation; a member of `nis2` and `beredskab`.
    anne: Viewer,
    /// Another organisation; a member of `nis2`.
    carl: Viewer,
    /// Our organisation; moderates `nis2`.
    frida: Viewer,
    /// Our organisation; a member of `andre` only.
    erik: Viewer,
}

async fn person(db: &Db, org: OrgId, name: &str) -> UserId {
    sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, status, created_at, updated_at) \
         values ($1, $2, $3, 'member', 'active', 0, 0) returning id",
    )
    .bind(org)
    .bind(format!("{}@example.dk", name.to_lowercase()))
    .bind(name)
    .fetch_one(db)
    .await
    .expect("person")
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db::open(dir.path()).await.expect("db");
    let orgs: Vec<OrgId> = sqlx::query_scalar("select id from organisations order by id limit 2")
        .fetch_all(&db)
        .await
        .expect("orgs");
    let (ours, theirs) = (orgs[0], orgs[1]);
    let audit = AuditLog::new(db.clone(), dir.path());
    let admin = Viewer::user(UserId(0), ours, PlatformRole::Admin, false, vec![]);
    let admin = require_admin(&admin).expect("admin");
    let mut group_ids: Vec<GroupId> = Vec::new();
    for (slug, name) in [
        ("nis2", "NIS2"),
        ("andre", "Andre"),
        ("beredskab", "Beredskab"),
    ] {
        let new = NewGroup {
            slug: slug.into(),
            name: name.into(),
            description: String::new(),
            default_tlp: Tlp::Amber,
        };
        group_ids.push(
            groups::create(&db, &audit, &admin, new, "")
                .await
                .expect("group"),
        );
    }
    let (nis2, andre, beredskab) = (group_ids[0], group_ids[1], group_ids[2]);
    let mut people = Vec::new();
    for (name, org, memberships) in [
        (
            "Anne",
            ours,
            vec![(nis2, GroupRole::Member), (beredskab, GroupRole::Member)],
        ),
        ("Carl", theirs, vec![(nis2, GroupRole::Member)]),
        ("Frida", ours, vec![(nis2, GroupRole::Moderator)]),
        ("Erik", ours, vec![(andre, GroupRole::Member)]),
    ] {
        let id = person(&db, org, name).await;
        for (group, role) in &memberships {
            groups::set_member(&db, &admin, *group, id, *role)
                .await
                .expect("member");
        }
        people.push(Viewer::user(
            id,
            org,
            PlatformRole::Member,
            false,
            memberships,
        ));
    }
    let mut people = people.into_iter();
    let mut next = || people.next().expect("person");
    World {
        libraries: Libraries {
            db: db.clone(),
            files: BlobStore::new(dir.path()),
            audit,
            hub: crate::notifications::Hub::new(),
        },
        db,
        _dir: dir,
        theirs,
        anne: next(),
        carl: next(),
        frida: next(),
        erik: next(),
    }
}

/// Adds a text document titled `title` to group `slug`'s library as `who`.
async fn document(w: &World, who: &Viewer, slug: &str, title: &str, upload: Upload) -> i64 {
    let mut incoming = w.libraries.files.incoming(1 << 20).await.expect("incoming");
    incoming
        .write(format!("Indhold af {title}").as_bytes())
        .await
        .expect("write");
    let received = incoming.finish().await.expect("finish");
    let upload = Upload {
        title: Some(title.into()),
        file_name: "dokument.txt".into(),
        ..upload
    };
    library::add_document(&w.libraries, who, slug, upload, received, "test")
        .await
        .expect("document added")
        .document_id
}

fn amber() -> Upload {
    Upload {
        tlp: Some(Tlp::Amber),
        ..Upload::default()
    }
}

async fn thread(w: &World, who: &Viewer, slug: &str, title: &str, body: &str) -> (i64, i64) {
    thread_labelled(w, who, slug, title, body, None).await
}

async fn thread_labelled(
    w: &World,
    who: &Viewer,
    slug: &str,
    title: &str,
    body: &str,
    tlp: Option<Tlp>,
) -> (i64, i64) {
    let posted = writing::create_thread(
        &w.db,
        who,
        NewThread {
            group_slug: slug.into(),
            title: title.into(),
            body: body.into(),
            tlp,
            audience: Audience::default(),
            chatham_house: false,
        },
    )
    .await
    .expect("thread");
    (posted.thread_id, posted.post_id)
}

async fn reply(w: &World, who: &Viewer, thread_id: i64, body: &str, tlp: Option<Tlp>) -> i64 {
    writing::reply(
        &w.db,
        who,
        NewReply {
            thread_id,
            body: body.into(),
            tlp,
            audience: Audience::default(),
            quoted_post_id: None,
        },
    )
    .await
    .expect("reply")
    .post_id
}

/// The documents the link table says `post` links.
async fn links_of(db: &Db, post: i64) -> Vec<i64> {
    sqlx::query_scalar(
        "select document_id from post_document_links where post_id = $1 order by document_id",
    )
    .bind(post)
    .fetch_all(db)
    .await
    .expect("links")
}

/// The titles of the threads document `id`'s page lists for `who`, and the count.
async fn linked_from(w: &World, who: &Viewer, id: i64) -> (Vec<String>, i64) {
    let page = library::document_page(&w.db, who, id)
        .await
        .expect("document page");
    let titles = page
        .linked_from
        .threads
        .iter()
        .map(|t| t.title.clone())
        .collect();
    (titles, page.linked_from.total)
}

#[tokio::test]
async fn the_link_table_follows_a_posts_text_through_writing_editing_deleting_and_removal() {
    let w = world().await;
    let (thread_id, opening) = thread(
        &w,
        &w.anne,
        "nis2",
        "Planer",
        "Se [planen](/documents/7), [loggen](/documents/3) og igen [planen](/documents/7). \
         Ikke [denne](/documents/7x) eller [ekstern](https://example.org/documents/4).",
    )
    .await;
    assert_eq!(links_of(&w.db, opening).await, vec![3, 7]);

    let replied = reply(
        &w,
        &w.carl,
        thread_id,
        "Også [bilaget](/documents/9).",
        None,
    )
    .await;
    assert_eq!(links_of(&w.db, replied).await, vec![9]);

    // An edit that takes a link out drops it, and one it adds counts.
    writing::edit(
        &w.db,
        &w.anne,
        PostEdit {
            post_id: opening,
            title: None,
            body: "Nu kun [loggen](/documents/3) og [referatet](/documents/11).".into(),
            tlp: None,
            audience: Audience::default(),
        },
    )
    .await
    .expect("edited");
    assert_eq!(links_of(&w.db, opening).await, vec![3, 11]);

    // The author deletes the reply; a moderator removes the opening post.
    writing::delete(&w.db, &w.carl, replied)
        .await
        .expect("deleted");
    assert_eq!(links_of(&w.db, replied).await, Vec::<i64>::new());
    moderation::remove_post(
        &w.db,
        &w.libraries.audit,
        &w.frida,
        opening,
        "Forkert tråd",
        "test",
    )
    .await
    .expect("removed");
    assert_eq!(links_of(&w.db, opening).await, Vec::<i64>::new());
}

#[tokio::test]
async fn posts_stored_before_the_links_were_kept_get_theirs_when_rendered_again_at_start() {
    let w = world().await;
    let (thread_id, opening) =
        thread(&w, &w.anne, "nis2", "Gammel", "Se [planen](/documents/5).").await;
    let shown = reply(&w, &w.carl, thread_id, "[Bilag](/documents/6)", None).await;
    let deleted = reply(&w, &w.carl, thread_id, "[Slettet](/documents/8)", None).await;
    writing::delete(&w.db, &w.carl, deleted)
        .await
        .expect("deleted");
    // As a database from before the migration holds them: no links, an older renderer.
    sqlx::query("delete from post_document_links")
        .execute(&w.db)
        .await
        .expect("links cleared");
    sqlx::query("update forum_posts set rendered_with = 3")
        .execute(&w.db)
        .await
        .expect("made old");

    assert_eq!(
        rendering::refresh_stored(&w.db).await.expect("refreshed"),
        3
    );
    assert_eq!(links_of(&w.db, opening).await, vec![5]);
    assert_eq!(links_of(&w.db, shown).await, vec![6]);
    assert_eq!(links_of(&w.db, deleted).await, Vec::<i64>::new());
    // Once is enough.
    assert_eq!(
        rendering::refresh_stored(&w.db).await.expect("refreshed"),
        0
    );
    assert_eq!(links_of(&w.db, opening).await, vec![5]);
}

#[tokio::test]
async fn a_documents_page_lists_only_the_threads_and_linking_posts_its_reader_may_see() {
    let w = world().await;
    let plan = document(&w, &w.anne, "nis2", "Beredskabsplan", amber()).await;
    let link = format!("Se [planen](/documents/{plan}).");

    let (seen, _) = thread(&w, &w.anne, "nis2", "Synlig tråd", &link).await;
    // A thread of a group Anne is not in (Erik links the document by its address).
    thread(&w, &w.erik, "andre", "Anden gruppes tråd", &link).await;
    // A thread for Carl's organisation only.
    thread_labelled(
        &w,
        &w.carl,
        "nis2",
        "Kun for Carls organisation",
        &link,
        Some(Tlp::AmberStrict),
    )
    .await;
    // A thread Anne sees whose only linking post is AMBER+STRICT for Carl's organisation.
    let (strict_reply, _) = thread(&w, &w.anne, "nis2", "Svar kun for Carl", "Hej").await;
    reply(&w, &w.carl, strict_reply, &link, Some(Tlp::AmberStrict)).await;
    // Threads whose linking post was removed by a moderator, or deleted by its author.
    let (removed, _) = thread(&w, &w.anne, "nis2", "Fjernet henvisning", "Hej").await;
    let removed_post = reply(&w, &w.carl, removed, &link, None).await;
    moderation::remove_post(
        &w.db,
        &w.libraries.audit,
        &w.frida,
        removed_post,
        "Nej",
        "t",
    )
    .await
    .expect("removed");
    let (deleted, _) = thread(&w, &w.anne, "nis2", "Slettet henvisning", "Hej").await;
    let deleted_post = reply(&w, &w.carl, deleted, &link, None).await;
    writing::delete(&w.db, &w.carl, deleted_post)
        .await
        .expect("deleted");

    assert_eq!(
        linked_from(&w, &w.anne, plan).await,
        (vec!["Synlig tråd".to_string()], 1)
    );
    // Carl sees the threads for his organisation, newest first.
    assert_eq!(
        linked_from(&w, &w.carl, plan).await,
        (
            vec![
                "Svar kun for Carl".to_string(),
                "Kun for Carls organisation".into(),
                "Synlig tråd".into(),
            ],
            3
        )
    );
    let page = library::document_page(&w.db, &w.anne, plan)
        .await
        .expect("page");
    let listed = &page.linked_from.threads[0];
    assert_eq!(listed.thread_id, seen);
    assert_eq!(
        (listed.group_slug.as_str(), listed.group_name.as_str()),
        ("nis2", "NIS2")
    );
}

#[tokio::test]
async fn the_newest_linking_post_dates_a_thread_and_the_list_stops_at_twenty_with_the_count() {
    let w = world().await;
    let plan = document(&w, &w.anne, "nis2", "Beredskabsplan", amber()).await;
    let link = format!("[planen](/documents/{plan})");
    let shown = LINKING_THREADS_SHOWN as usize;
    let mut threads = Vec::new();
    for n in 0..=shown {
        let (id, post) = thread(&w, &w.anne, "nis2", &format!("Tråd {n}"), &link).await;
        sqlx::query("update forum_posts set created_at = $1 where id = $2")
            .bind(1_000 + n as i64)
            .bind(post)
            .execute(&w.db)
            .await
            .expect("dated");
        threads.push(id);
    }
    // The first thread gets a newer linking reply, and goes to the top.
    let newer = reply(&w, &w.carl, threads[0], &link, None).await;
    let (titles, total) = linked_from(&w, &w.anne, plan).await;
    assert_eq!(total, shown as i64 + 1);
    assert_eq!(titles.len(), shown);
    assert_eq!(titles[0], "Tråd 0");
    assert_eq!(titles[1], format!("Tråd {shown}"));
    assert!(!titles.contains(&"Tråd 1".to_string()), "{titles:?}");
    let page = library::document_page(&w.db, &w.anne, plan)
        .await
        .expect("page");
    assert_eq!(page.linked_from.threads[0].post_id, newer);
}

#[tokio::test]
async fn a_document_the_reader_may_not_see_answers_as_missing_whatever_links_it() {
    let w = world().await;
    let strict = document(
        &w,
        &w.carl,
        "nis2",
        "Carls hændelseslog",
        Upload {
            tlp: Some(Tlp::AmberStrict),
            ..Upload::default()
        },
    )
    .await;
    thread(
        &w,
        &w.anne,
        "nis2",
        "Henviser til loggen",
        &format!("[log](/documents/{strict})"),
    )
    .await;
    assert_eq!(linked_from(&w, &w.carl, strict).await.1, 1);
    for who in [&w.anne, &w.erik] {
        let hidden = library::document_page(&w.db, who, strict).await;
        assert!(matches!(hidden, Err(CoreError::NotFound)), "{hidden:?}");
    }
    let missing = library::document_page(&w.db, &w.anne, 999_999).await;
    assert!(matches!(missing, Err(CoreError::NotFound)));
}

fn titles(suggestions: &[LinkSuggestion]) -> Vec<&str> {
    suggestions.iter().map(|s| s.title.as_str()).collect()
}

#[tokio::test]
async fn suggestions_offer_only_documents_the_writer_may_see_the_threads_group_first() {
    let w = world().await;
    let other_group = document(&w, &w.anne, "beredskab", "Beredskabsøvelse", amber()).await;
    let own = document(&w, &w.anne, "nis2", "Beredskabsplan", amber()).await;
    document(&w, &w.erik, "andre", "Beredskab hos andre", amber()).await;
    document(
        &w,
        &w.carl,
        "nis2",
        "Beredskab kun for Carl",
        Upload {
            tlp: Some(Tlp::AmberStrict),
            ..Upload::default()
        },
    )
    .await;
    let removed = document(&w, &w.anne, "nis2", "Beredskab fjernet", amber()).await;
    library::remove_document(&w.libraries, &w.anne, removed, "Forældet", "test")
        .await
        .expect("removed");

    let offered = link_suggestions(&w.db, &w.anne, "beredskab", Some("nis2"))
        .await
        .expect("suggestions");
    assert_eq!(titles(&offered), ["Beredskabsplan", "Beredskabsøvelse"]);
    assert_eq!(offered[0].id, own);
    assert_eq!(offered[0].group_name, "NIS2");
    assert_eq!(
        offered[0].markdown,
        format!("[Beredskabsplan](/documents/{own})")
    );
    // Without a group to prefer (or in the other one), the other group's comes first.
    let offered = link_suggestions(&w.db, &w.anne, "beredskab", Some("beredskab"))
        .await
        .expect("suggestions");
    assert_eq!(offered[0].id, other_group);

    // Carl's organisation sees its AMBER+STRICT document; Erik only his group's.
    let offered = link_suggestions(&w.db, &w.carl, "beredskab", Some("nis2"))
        .await
        .expect("suggestions");
    assert_eq!(
        titles(&offered),
        ["Beredskab kun for Carl", "Beredskabsplan"]
    );
    let offered = link_suggestions(&w.db, &w.erik, "beredskab", None)
        .await
        .expect("suggestions");
    assert_eq!(titles(&offered), ["Beredskab hos andre"]);
    // Someone not signed in is offered nothing.
    let nobody = Viewer::api_token(w.theirs);
    assert!(
        link_suggestions(&w.db, &nobody, "beredskab", None)
            .await
            .expect("suggestions")
            .is_empty()
    );
}

#[tokio::test]
async fn suggestions_match_titles_in_any_case_and_tags_after_two_characters_at_most_eight() {
    let w = world().await;
    let drill = document(&w, &w.anne, "nis2", "Øvelsesplan [udkast]", amber()).await;
    let tagged = document(&w, &w.anne, "nis2", "Tjekliste", amber()).await;
    library::edit_document(
        &w.libraries,
        &w.anne,
        tagged,
        DocumentEdit {
            title: "Tjekliste".into(),
            tags: "nis2, leverandører".into(),
            ..DocumentEdit::default()
        },
        "test",
    )
    .await
    .expect("tagged");
    for n in 0..10 {
        document(&w, &w.anne, "nis2", &format!("Referat {n}"), amber()).await;
    }
    let suggest = |typed: &'static str| link_suggestions(&w.db, &w.anne, typed, Some("nis2"));

    let offered = suggest("øvelse").await.expect("suggestions");
    assert_eq!(titles(&offered), ["Øvelsesplan [udkast]"]);
    assert_eq!(
        offered[0].markdown,
        format!("[Øvelsesplan \\[udkast\\]](/documents/{drill})")
    );
    assert_eq!(
        titles(&suggest("UDKAST").await.expect("s")),
        ["Øvelsesplan [udkast]"]
    );
    assert_eq!(titles(&suggest("leveran").await.expect("s")), ["Tjekliste"]);
    assert_eq!(suggest("referat").await.expect("s").len(), 8);
    // One character is too little to look up; wildcards are only characters.
    assert!(suggest("r").await.expect("s").is_empty());
    assert!(suggest("  r ").await.expect("s").is_empty());
    assert!(suggest("%%").await.expect("s").is_empty());
    assert!(suggest("__").await.expect("s").is_empty());
}
