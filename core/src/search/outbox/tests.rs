//! Every change that alters what an item says or who may see it leaves its outbox row,
//! committed with the change; a refused or rolled-back change leaves none; and the ids
//! only ever grow.

use super::{Item, Operation, stage};
use crate::accounts::management::{self, AccountEdit};
use crate::audit::AuditLog;
use crate::db::{self, Db};
use crate::forums::writing::{self, NewReply, NewThread, PostEdit};
use crate::forums::{Audience, moderation};
use crate::groups::{self, NewGroup};
use crate::ids::{GroupId, OrgId, UserId};
use crate::orgs::{self, OrgEdit};
use crate::policy::{Admin, GroupRole, OrgKind, PlatformRole, Tlp, Viewer, require_admin};

struct World {
    db: Db,
    audit: AuditLog,
    admin: Admin,
    org: OrgId,
    /// Moderates both groups and writes everything.
    moderator: Viewer,
    moderator_id: UserId,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db::open(dir.path()).await.expect("db");
    let audit = AuditLog::new(db.clone(), dir.path());
    let org: OrgId = sqlx::query_scalar("select id from organisations order by id limit 1")
        .fetch_one(&db)
        .await
        .expect("org");
    let moderator_id: UserId = sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, status, created_at, updated_at) \
         values ($1, 'mona@example.dk', 'Mona Moderator', 'member', 'active', 0, 0) \
         returning id",
    )
    .bind(org)
    .fetch_one(&db)
    .await
    .expect("person");
    let admin = Viewer::user(UserId(0), org, PlatformRole::Admin, false, vec![]);
    let admin = require_admin(&admin).expect("admin");
    let mut groups = Vec::new();
    for slug in ["first", "second"] {
        let new = NewGroup {
            slug: slug.into(),
            name: slug.into(),
            description: String::new(),
            default_tlp: Tlp::Green,
        };
        let group = groups::create(&db, &audit, &admin, new, "")
            .await
            .expect("group");
        groups::set_member(&db, &admin, group, moderator_id, GroupRole::Moderator)
            .await
            .expect("member");
        groups.push((group, GroupRole::Moderator));
    }
    let moderator = Viewer::user(moderator_id, org, PlatformRole::Member, false, groups);
    World {
        db,
        audit,
        admin,
        org,
        moderator,
        moderator_id,
        _dir: dir,
    }
}

/// The outbox after `after`: kind, entity and operation, in id order.
async fn rows_after(db: &Db, after: i64) -> Vec<(String, i64, String)> {
    sqlx::query_as("select kind, entity_id, operation from search_outbox where id > $1 order by id")
        .bind(after)
        .fetch_all(db)
        .await
        .expect("outbox")
}

async fn last_id(db: &Db) -> i64 {
    sqlx::query_scalar("select coalesce(max(id), 0) from search_outbox")
        .fetch_one(db)
        .await
        .expect("last id")
}

fn row(kind: &str, id: i64, operation: &str) -> (String, i64, String) {
    (kind.to_string(), id, operation.to_string())
}

async fn thread(w: &World, slug: &str) -> writing::Posted {
    writing::create_thread(
        &w.db,
        &w.moderator,
        NewThread {
            group_slug: slug.into(),
            title: "Phishing mod kommunen".into(),
            body: "Hvad ved vi?".into(),
            tlp: Some(Tlp::Green),
            audience: Audience::default(),
            chatham_house: false,
        },
    )
    .await
    .expect("thread")
}

async fn reply(w: &World, thread_id: i64) -> i64 {
    writing::reply(
        &w.db,
        &w.moderator,
        NewReply {
            thread_id,
            body: "Vi så det også.".into(),
            tlp: None,
            audience: Audience::default(),
            quoted_post_id: None,
        },
    )
    .await
    .expect("reply")
    .post_id
}

#[tokio::test]
async fn a_new_thread_stages_its_thread_and_its_opening_post() {
    let w = world().await;
    let before = last_id(&w.db).await;
    let posted = thread(&w, "first").await;
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![
            row("thread", posted.thread_id, "upsert"),
            row("post", posted.post_id, "upsert")
        ]
    );
}

#[tokio::test]
async fn a_reply_stages_its_post() {
    let w = world().await;
    let posted = thread(&w, "first").await;
    let before = last_id(&w.db).await;
    let post = reply(&w, posted.thread_id).await;
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![row("post", post, "upsert")]
    );
}

#[tokio::test]
async fn an_edit_stages_its_post_and_a_new_title_or_label_its_thread() {
    let w = world().await;
    let posted = thread(&w, "first").await;
    let answer = reply(&w, posted.thread_id).await;

    let before = last_id(&w.db).await;
    let edit = |post_id, title: Option<&str>, tlp| PostEdit {
        post_id,
        title: title.map(str::to_string),
        body: "Rettet tekst.".into(),
        tlp,
        audience: Audience::default(),
    };
    writing::edit(&w.db, &w.moderator, edit(answer, None, None))
        .await
        .expect("reply edited");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![row("post", answer, "upsert")]
    );

    let before = last_id(&w.db).await;
    let same_title = edit(posted.post_id, Some("Phishing mod kommunen"), None);
    writing::edit(&w.db, &w.moderator, same_title)
        .await
        .expect("text edited");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![row("post", posted.post_id, "upsert")],
        "an unchanged title leaves the thread's entry as it is"
    );

    let before = last_id(&w.db).await;
    let renamed = edit(posted.post_id, Some("Phishing mod regionen"), None);
    writing::edit(&w.db, &w.moderator, renamed)
        .await
        .expect("title edited");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![
            row("post", posted.post_id, "upsert"),
            row("thread", posted.thread_id, "upsert")
        ]
    );

    let before = last_id(&w.db).await;
    let raised = edit(posted.post_id, None, Some(Tlp::Amber));
    writing::edit(&w.db, &w.moderator, raised)
        .await
        .expect("label raised");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![
            row("post", posted.post_id, "upsert"),
            row("thread", posted.thread_id, "upsert")
        ]
    );

    let before = last_id(&w.db).await;
    let lowered = edit(posted.post_id, None, Some(Tlp::Clear));
    writing::edit(&w.db, &w.moderator, lowered)
        .await
        .expect_err("a label never goes down");
    assert!(rows_after(&w.db, before).await.is_empty());
}

#[tokio::test]
async fn a_raised_post_stages_the_replies_that_quote_it_and_are_narrowed_with_it() {
    let w = world().await;
    let posted = thread(&w, "first").await;
    let quoted = reply(&w, posted.thread_id).await;
    let quoting = writing::reply(
        &w.db,
        &w.moderator,
        NewReply {
            thread_id: posted.thread_id,
            body: "> Vi så det også.\n\nOgså her.".into(),
            tlp: None,
            audience: Audience::default(),
            quoted_post_id: Some(quoted),
        },
    )
    .await
    .expect("quoting reply")
    .post_id;
    let before = last_id(&w.db).await;
    let raised = PostEdit {
        post_id: quoted,
        title: None,
        body: "Vi så det også.".into(),
        tlp: Some(Tlp::Amber),
        audience: Audience::default(),
    };
    writing::edit(&w.db, &w.moderator, raised)
        .await
        .expect("raised");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![
            row("post", quoted, "upsert"),
            row("post", quoting, "upsert")
        ]
    );
}

#[tokio::test]
async fn a_deleted_post_leaves_the_index_once() {
    let w = world().await;
    let posted = thread(&w, "first").await;
    let answer = reply(&w, posted.thread_id).await;
    let before = last_id(&w.db).await;
    writing::delete(&w.db, &w.moderator, answer)
        .await
        .expect("deleted");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![row("post", answer, "delete")]
    );
    let before = last_id(&w.db).await;
    // Deleting it again changes nothing, and stages nothing.
    let _ = writing::delete(&w.db, &w.moderator, answer).await;
    assert!(rows_after(&w.db, before).await.is_empty());
}

#[tokio::test]
async fn a_removed_post_leaves_the_index_and_a_refused_removal_stages_nothing() {
    let w = world().await;
    let posted = thread(&w, "first").await;
    let answer = reply(&w, posted.thread_id).await;
    let before = last_id(&w.db).await;
    moderation::remove_post(&w.db, &w.audit, &w.moderator, answer, "   ", "")
        .await
        .expect_err("a reason is required");
    assert!(rows_after(&w.db, before).await.is_empty());
    moderation::remove_post(&w.db, &w.audit, &w.moderator, answer, "Spam", "")
        .await
        .expect("removed");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![row("post", answer, "delete")]
    );
}

#[tokio::test]
async fn a_moved_thread_stages_one_thread_row_and_a_refused_move_none() {
    let w = world().await;
    let posted = thread(&w, "first").await;
    reply(&w, posted.thread_id).await;
    let before = last_id(&w.db).await;
    moderation::move_thread(&w.db, &w.audit, &w.moderator, posted.thread_id, "first", "")
        .await
        .expect_err("not to its own group");
    assert!(rows_after(&w.db, before).await.is_empty());
    moderation::move_thread(
        &w.db,
        &w.audit,
        &w.moderator,
        posted.thread_id,
        "second",
        "",
    )
    .await
    .expect("moved");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![row("thread", posted.thread_id, "upsert")]
    );
}

#[tokio::test]
async fn pinning_and_locking_stage_nothing_as_they_change_nothing_indexed() {
    let w = world().await;
    let posted = thread(&w, "first").await;
    let before = last_id(&w.db).await;
    moderation::set_pinned(&w.db, &w.audit, &w.moderator, posted.thread_id, true, "")
        .await
        .expect("pinned");
    moderation::set_locked(&w.db, &w.audit, &w.moderator, posted.thread_id, true, "")
        .await
        .expect("locked");
    assert!(rows_after(&w.db, before).await.is_empty());
}

#[tokio::test]
async fn archiving_and_restoring_a_group_stage_a_group_row_each() {
    let w = world().await;
    let group: GroupId = sqlx::query_scalar("select id from user_groups where slug = 'first'")
        .fetch_one(&w.db)
        .await
        .expect("group");
    let before = last_id(&w.db).await;
    groups::restore(&w.db, &w.audit, &w.admin, "first", "")
        .await
        .expect_err("a live group is not restored");
    assert!(rows_after(&w.db, before).await.is_empty());
    let manager = groups::manage(&w.db, w.admin.viewer(), "first")
        .await
        .expect("manager");
    groups::archive(&w.db, &w.audit, &manager, "")
        .await
        .expect("archived");
    groups::restore(&w.db, &w.audit, &w.admin, "first", "")
        .await
        .expect("restored");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![
            row("group", group.0, "upsert"),
            row("group", group.0, "upsert")
        ]
    );
}

#[tokio::test]
async fn renaming_a_person_stages_a_user_row_and_keeping_the_name_none() {
    let w = world().await;
    let before = last_id(&w.db).await;
    let edit = |name: &str| AccountEdit {
        name: name.into(),
        role: None,
        org_admin: None,
    };
    let admin = w.admin.viewer();
    management::edit(
        &w.db,
        &w.audit,
        admin,
        w.moderator_id,
        edit("Mona Moderator"),
        "",
    )
    .await
    .expect("kept");
    assert!(rows_after(&w.db, before).await.is_empty());
    management::edit(
        &w.db,
        &w.audit,
        admin,
        w.moderator_id,
        edit("Mona Madsen"),
        "",
    )
    .await
    .expect("renamed");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![row("user", w.moderator_id.0, "upsert")]
    );
}

#[tokio::test]
async fn renaming_an_organisation_stages_an_organisation_row() {
    let w = world().await;
    let before = last_id(&w.db).await;
    let edit = OrgEdit {
        name: "Nyby Kommune".into(),
        kind: OrgKind::Municipality,
        stix_identity_id: None,
    };
    orgs::edit(&w.db, &w.audit, &w.admin, w.org, edit, "")
        .await
        .expect("renamed");
    assert_eq!(
        rows_after(&w.db, before).await,
        vec![row("organisation", w.org.0, "upsert")]
    );
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_row() {
    let w = world().await;
    let before = last_id(&w.db).await;
    let mut tx = w.db.begin().await.expect("begin");
    stage(&mut tx, Item::Post(7), Operation::Upsert, 1)
        .await
        .expect("staged");
    tx.rollback().await.expect("rolled back");
    assert!(rows_after(&w.db, before).await.is_empty());
}

#[tokio::test]
async fn ids_keep_growing_after_the_indexer_deletes_the_rows_it_applied() {
    let w = world().await;
    let mut tx = w.db.begin().await.expect("begin");
    stage(&mut tx, Item::Thread(1), Operation::Upsert, 1)
        .await
        .expect("staged");
    stage(&mut tx, Item::Post(2), Operation::Delete, 1)
        .await
        .expect("staged");
    tx.commit().await.expect("committed");
    let applied = last_id(&w.db).await;
    sqlx::query("delete from search_outbox")
        .execute(&w.db)
        .await
        .expect("consumed");
    let mut tx = w.db.begin().await.expect("begin");
    stage(&mut tx, Item::Document(3), Operation::Upsert, 2)
        .await
        .expect("staged");
    tx.commit().await.expect("committed");
    let next = last_id(&w.db).await;
    assert!(next > applied, "{next} must follow {applied}");
    assert_eq!(
        rows_after(&w.db, applied).await,
        vec![row("document", 3, "upsert")]
    );
}

#[tokio::test]
async fn the_migration_keeps_the_rows_waiting_with_their_ids() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/sqlite");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("migrations")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let pool = sqlx::SqlitePool::connect("sqlite::memory:")
        .await
        .expect("memory db");
    let mut conn = pool.acquire().await.expect("connection");
    let (before, after): (Vec<_>, Vec<_>) = files.into_iter().partition(|f| {
        f.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n < "0017")
    });
    for file in &before {
        let sql = std::fs::read_to_string(file).expect("migration");
        sqlx::raw_sql(&sql)
            .execute(&mut *conn)
            .await
            .expect("earlier migration");
    }
    sqlx::raw_sql(
        "insert into search_outbox (id, kind, entity_id, operation, created_at) values \
         (5, 'stix_object', 11, 'upsert', 100), (9, 'document', 12, 'delete', 101)",
    )
    .execute(&mut *conn)
    .await
    .expect("waiting rows");
    let sql = std::fs::read_to_string(after.first().expect("0017")).expect("migration");
    sqlx::raw_sql(&sql).execute(&mut *conn).await.expect("0017");
    let kept: Vec<(i64, String, i64, String, i64)> = sqlx::query_as(
        "select id, kind, entity_id, operation, created_at from search_outbox order by id",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("kept");
    assert_eq!(
        kept,
        vec![
            (5, "stix_object".into(), 11, "upsert".into(), 100),
            (9, "document".into(), 12, "delete".into(), 101)
        ]
    );
    sqlx::raw_sql("delete from search_outbox")
        .execute(&mut *conn)
        .await
        .expect("consumed");
    let next: i64 = sqlx::query_scalar(
        "insert into search_outbox (kind, entity_id, operation, created_at) \
         values ('post', 1, 'upsert', 102) returning id",
    )
    .fetch_one(&mut *conn)
    .await
    .expect("next row");
    assert_eq!(next, 10, "the sequence continues after the copied rows");
}
