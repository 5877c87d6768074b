//! What forum pages cost: a thread page, its composer choices and move targets, and a
//! forum's thread list each take as many queries for a full page as for one item,
//! AMBER+STRICT and RED items with their recipients included; and a hidden thread costs
//! and answers exactly what a missing one does.

use super::writing::{self, NewReply, NewThread};
use super::{Audience, POSTS_PER_PAGE, PagePick, THREADS_PER_PAGE, moderation};
use crate::db::statements::Counted;
use crate::db::{self, Db};
use crate::error::CoreError;
use crate::groups::{self, NewGroup};
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{GroupRole, PlatformRole, Tlp, Viewer, require_admin};

struct Forum {
    db: Db,
    counted: Counted,
    _dir: tempfile::TempDir,
    org_name: String,
    /// Wrote everything; moderates every group.
    moderator: Viewer,
    /// A member of the moderator's organisation, named on the RED replies.
    reader: Viewer,
    /// A member of another organisation, who sees no AMBER+STRICT or RED item.
    outsider: Viewer,
    large: GroupId,
    /// The only thread of the small forum: one AMBER+STRICT post.
    short_thread: i64,
    /// A thread of the large forum: a full page of posts and one more, AMBER+STRICT and
    /// RED by turns.
    long_thread: i64,
}

async fn person(db: &Db, org: OrgId, name: &str) -> UserId {
    sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, status, created_at, updated_at) \
         values ($1, $2, $3, 'member', 'active', 0, 0) returning id",
    )
    .bind(org)
    .bind(format!(
        "{}@example.dk",
        name.to_lowercase().replace(' ', ".")
    ))
    .bind(name)
    .fetch_one(db)
    .await
    .expect("person")
}

async fn start(db: &Db, author: &Viewer, slug: &str, title: &str) -> i64 {
    writing::create_thread(
        db,
        author,
        NewThread {
            group_slug: slug.into(),
            title: title.into(),
            body: "Hvad ved vi?".into(),
            tlp: Some(Tlp::AmberStrict),
            audience: Audience::default(),
            chatham_house: false,
        },
    )
    .await
    .expect("thread")
    .thread_id
}

async fn forum() -> Forum {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db::open(dir.path()).await.expect("db");
    let audit = crate::audit::AuditLog::new(db.clone(), dir.path());
    let orgs: Vec<(OrgId, String)> =
        sqlx::query_as("select id, name from organisations order by id limit 2")
            .fetch_all(&db)
            .await
            .expect("orgs");
    let (ours, theirs) = (orgs[0].0, orgs[1].0);
    let moderator_id = person(&db, ours, "Mona Moderator").await;
    let reader_id = person(&db, ours, "Rikke Reader").await;
    let outsider_id = person(&db, theirs, "Otto Outsider").await;

    let admin = Viewer::user(UserId(0), ours, PlatformRole::Admin, false, vec![]);
    let admin = require_admin(&admin).expect("admin");
    let mut groups = Vec::new();
    for (slug, name) in [
        ("small", "Lille"),
        ("large", "Stor"),
        ("other-b", "Beta"),
        ("other-a", "Alfa"),
    ] {
        let new = NewGroup {
            slug: slug.into(),
            name: name.into(),
            description: String::new(),
            default_tlp: Tlp::Green,
        };
        let group = groups::create(&db, &audit, &admin, new, "")
            .await
            .expect("group");
        groups::set_member(&db, &admin, group, moderator_id, GroupRole::Moderator)
            .await
            .expect("member");
        for user in [reader_id, outsider_id] {
            groups::set_member(&db, &admin, group, user, GroupRole::Member)
                .await
                .expect("member");
        }
        groups.push(group);
    }
    let as_member = |user, org, role| {
        let of = groups.iter().map(|g| (*g, role)).collect();
        Viewer::user(user, org, PlatformRole::Member, false, of)
    };
    let moderator = as_member(moderator_id, ours, GroupRole::Moderator);
    let reader = as_member(reader_id, ours, GroupRole::Member);
    let outsider = as_member(outsider_id, theirs, GroupRole::Member);

    let short_thread = start(&db, &moderator, "small", "Kort").await;
    let long_thread = start(&db, &moderator, "large", "Lang").await;
    for n in 0..POSTS_PER_PAGE {
        let red = n % 2 == 0;
        let reply = NewReply {
            thread_id: long_thread,
            body: format!("Svar {n}"),
            tlp: red.then_some(Tlp::Red),
            audience: Audience {
                orgs: Vec::new(),
                users: if red { vec![reader_id] } else { Vec::new() },
            },
            quoted_post_id: None,
        };
        writing::reply(&db, &moderator, reply).await.expect("reply");
    }
    for n in 1..THREADS_PER_PAGE {
        start(&db, &moderator, "large", &format!("Tråd {n}")).await;
    }

    Forum {
        counted: Counted::open(dir.path()).await,
        db,
        _dir: dir,
        org_name: orgs[0].1.clone(),
        moderator,
        reader,
        outsider,
        large: groups[1],
        short_thread,
        long_thread,
    }
}

#[tokio::test]
async fn a_thread_page_takes_as_many_queries_for_a_full_page_as_for_one_post() {
    let f = forum().await;
    let db = &f.counted.db;
    let (short, short_queries) = f
        .counted
        .count(super::thread_page(
            db,
            &f.reader,
            f.short_thread,
            PagePick::Page(1),
            super::ReadMarker::Move,
        ))
        .await;
    let (long, long_queries) = f
        .counted
        .count(super::thread_page(
            db,
            &f.reader,
            f.long_thread,
            PagePick::Page(1),
            super::ReadMarker::Move,
        ))
        .await;
    let (short, long) = (short.expect("short"), long.expect("long"));
    assert_eq!(short.posts.len(), 1);
    assert_eq!(long.posts.len(), POSTS_PER_PAGE as usize);
    assert_eq!(long.pages, 2);
    // The thread with its group and counts, the posts, their recipients, and the read
    // marker moved (two statements).
    assert_eq!((short_queries, long_queries), (5, 5));

    // Every restricted item still names its own recipients.
    assert_eq!(long.recipients.orgs, vec![f.org_name.clone()]);
    assert_eq!(long.posts[0].recipients.orgs, vec![f.org_name.clone()]);
    let red: Vec<_> = long.posts.iter().filter(|p| p.tlp == Tlp::Red).collect();
    assert_eq!(red.len(), (POSTS_PER_PAGE / 2) as usize);
    for post in red {
        assert_eq!(post.recipients.users, vec!["Rikke Reader".to_string()]);
        assert!(post.recipients.orgs.is_empty());
    }
    assert!(long.can_reply && !long.can_moderate && !long.watching);
    assert_eq!(long.group.slug, "large");

    // Opened at the last post, alone on page 2: it is new, so the marker moves again.
    let last: i64 = sqlx::query_scalar("select max(id) from forum_posts where thread_id = $1")
        .bind(f.long_thread)
        .fetch_one(&f.db)
        .await
        .expect("last post");
    let (second, queries) = f
        .counted
        .count(super::thread_page(
            db,
            &f.reader,
            f.long_thread,
            PagePick::Post(last),
            super::ReadMarker::Move,
        ))
        .await;
    let second = second.expect("page 2");
    assert_eq!((second.page, second.posts.len()), (2, 1));
    assert_eq!(second.first_unread, Some(last));
    assert_eq!(queries, 5);
    let (_, queries) = f
        .counted
        .count(super::thread_page(
            db,
            &f.reader,
            f.long_thread,
            PagePick::Page(2),
            super::ReadMarker::Move,
        ))
        .await;
    assert_eq!(queries, 3, "nothing new: the marker stays");
}

#[test]
fn each_recipient_side_is_read_back_as_itself() {
    for (i, side) in super::Side::ALL.into_iter().enumerate() {
        assert!(side.select().starts_with(&format!("select {i} as side,")));
        assert_eq!(super::Side::from_column(i as i64).ok(), Some(side));
    }
    assert!(super::Side::from_column(4).is_err());
}

#[tokio::test]
async fn a_hidden_thread_costs_and_answers_exactly_what_a_missing_one_does() {
    let f = forum().await;
    let db = &f.counted.db;
    let (hidden, hidden_queries) = f
        .counted
        .count(super::thread_page(
            db,
            &f.outsider,
            f.long_thread,
            PagePick::Page(1),
            super::ReadMarker::Move,
        ))
        .await;
    let (missing, missing_queries) = f
        .counted
        .count(super::thread_page(
            db,
            &f.outsider,
            987_654,
            PagePick::Page(1),
            super::ReadMarker::Move,
        ))
        .await;
    assert!(matches!(hidden, Err(CoreError::NotFound)), "{hidden:?}");
    assert!(matches!(missing, Err(CoreError::NotFound)), "{missing:?}");
    assert_eq!((hidden_queries, missing_queries), (1, 1));
}

#[tokio::test]
async fn composer_choices_and_move_targets_take_one_query_each() {
    let f = forum().await;
    let db = &f.counted.db;
    let (choices, queries) = f
        .counted
        .count(writing::choices_for_group(db, &f.reader, "large"))
        .await;
    let choices = choices.expect("choices");
    assert_eq!(queries, 1);
    let names: Vec<&str> = choices.members.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(names, ["Mona Moderator", "Otto Outsider", "Rikke Reader"]);
    assert_eq!(choices.orgs.len(), 2);
    assert!(choices.orgs.windows(2).all(|w| w[0].1 <= w[1].1));

    let (targets, queries) = f
        .counted
        .count(moderation::move_targets(db, &f.moderator, f.large))
        .await;
    assert_eq!(queries, 1);
    let expected = [("other-a", "Alfa"), ("other-b", "Beta"), ("small", "Lille")];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(slug, name)| (slug.to_string(), name.to_string()))
        .collect();
    assert_eq!(targets.expect("targets"), expected);
    let (none, queries) = f
        .counted
        .count(moderation::move_targets(db, &f.reader, f.large))
        .await;
    assert_eq!((none.expect("none").len(), queries), (0, 0));
}

#[tokio::test]
async fn a_forum_page_takes_as_many_queries_for_a_full_page_as_for_one_thread() {
    let f = forum().await;
    let db = &f.counted.db;
    let (small, small_queries) = f
        .counted
        .count(super::list_threads(db, &f.reader, "small", 1))
        .await;
    let (large, large_queries) = f
        .counted
        .count(super::list_threads(db, &f.reader, "large", 1))
        .await;
    let (small, large) = (small.expect("small"), large.expect("large"));
    assert_eq!(small.threads.len(), 1);
    assert_eq!(large.threads.len(), THREADS_PER_PAGE as usize);
    // The group with its thread count, and the page.
    assert_eq!((small_queries, large_queries), (2, 2));
    let long = large.threads.iter().find(|t| t.id == f.long_thread);
    assert_eq!(long.map(|t| t.replies), Some(POSTS_PER_PAGE));

    // The outsider sees the forum, but none of its AMBER+STRICT threads.
    let (hidden, queries) = f
        .counted
        .count(super::list_threads(db, &f.outsider, "large", 1))
        .await;
    let hidden = hidden.expect("outsider's list");
    assert!(hidden.threads.is_empty());
    assert_eq!((hidden.pages, queries), (1, 2));
}

#[tokio::test]
async fn posts_and_revisions_an_older_renderer_made_are_rendered_again_once() {
    let f = forum().await;
    let old = "<p><img src=\"/events\" alt=\"x\"></p>\n";
    let (post_id,): (i64,) =
        sqlx::query_as("select id from forum_posts where thread_id = $1 order by id limit 1")
            .bind(f.short_thread)
            .fetch_one(&f.db)
            .await
            .expect("post");
    sqlx::query(
        "update forum_posts set body_source = '![x](/events) - [ ] todo', body_html = $1, \
         rendered_with = 1 where id = $2",
    )
    .bind(old)
    .bind(post_id)
    .execute(&f.db)
    .await
    .expect("made old");
    sqlx::query(
        "insert into post_revisions (post_id, tlp, body_source, body_html, rendered_with, \
         written_at) values ($1, 'amber+strict', '![y](/lang/en)', $2, 1, 0)",
    )
    .bind(post_id)
    .bind(old)
    .execute(&f.db)
    .await
    .expect("old revision");

    assert_eq!(super::rendering::refresh_stored(&f.db).await.unwrap(), 2);
    let post: (String, i64) =
        sqlx::query_as("select body_html, rendered_with from forum_posts where id = $1")
            .bind(post_id)
            .fetch_one(&f.db)
            .await
            .unwrap();
    assert_eq!(
        post,
        ("<p>x - [ ] todo</p>\n".into(), crate::markdown::VERSION)
    );
    let revision: String =
        sqlx::query_scalar("select body_html from post_revisions where post_id = $1")
            .bind(post_id)
            .fetch_one(&f.db)
            .await
            .unwrap();
    assert_eq!(revision, "<p>y</p>\n");
    assert_eq!(super::rendering::refresh_stored(&f.db).await.unwrap(), 0);
}
