//! The rule of thread moves as a property over random forums: whatever the groups, their
//! members, the thread's and its posts' labels and recipients, a move never lets anyone
//! see an AMBER+STRICT or RED post they could not see before (asked through the same
//! read path as the thread page), and a refused move changes nothing.

use super::{PagePick, ReadMarker, thread_page};
use crate::accounts::sessions::load_viewer;
use crate::db::{self, Db};
use crate::error::CoreError;
use crate::ids::{OrgId, UserId};
use crate::policy::Tlp;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::BTreeSet;

/// People in the random forums; the first moderates both groups and moves the thread.
const PEOPLE: usize = 6;
const ORGS: usize = 3;
const TLPS: [Tlp; 5] = [
    Tlp::Clear,
    Tlp::Green,
    Tlp::Amber,
    Tlp::AmberStrict,
    Tlp::Red,
];
const ROLES: [Option<&str>; 5] = [
    None,
    Some("reader"),
    Some("member"),
    Some("moderator"),
    Some("owner"),
];

/// One labelled item: its author, label and recipients (indexes into people and orgs).
#[derive(Debug, Clone)]
struct Item {
    author: usize,
    tlp: usize,
    orgs: Vec<bool>,
    users: Vec<bool>,
}

#[derive(Debug, Clone)]
struct Scenario {
    /// Each person's role in the source and in the target group (index into `ROLES`).
    roles: Vec<(usize, usize)>,
    thread: Item,
    replies: Vec<Item>,
}

fn item() -> impl Strategy<Value = Item> {
    (
        0..PEOPLE,
        0..TLPS.len(),
        vec(any::<bool>(), ORGS),
        vec(any::<bool>(), PEOPLE),
    )
        .prop_map(|(author, tlp, orgs, users)| Item {
            author,
            tlp,
            orgs,
            users,
        })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        vec((0..ROLES.len(), 0..ROLES.len()), PEOPLE),
        item(),
        vec(item(), 0..6),
    )
        .prop_map(|(roles, thread, replies)| Scenario {
            roles,
            thread,
            replies,
        })
}

struct Forums {
    db: Db,
    people: Vec<(UserId, OrgId)>,
    orgs: Vec<OrgId>,
    _dir: tempfile::TempDir,
}

async fn forums() -> Forums {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db::open(dir.path()).await.expect("db");
    let orgs: Vec<OrgId> = sqlx::query_scalar("select id from organisations order by id limit 3")
        .fetch_all(&db)
        .await
        .expect("orgs");
    let mut people = Vec::new();
    for n in 0..PEOPLE {
        let org = orgs[n % ORGS];
        let id: UserId = sqlx::query_scalar(
            "insert into users (org_id, email, name, platform_role, status, created_at, \
             updated_at) values ($1, $2, $3, 'member', 'active', 0, 0) returning id",
        )
        .bind(org)
        .bind(format!("p{n}@example.dk"))
        .bind(format!("Person {n}"))
        .fetch_one(&db)
        .await
        .expect("person");
        people.push((id, org));
    }
    Forums {
        db,
        people,
        orgs,
        _dir: dir,
    }
}

/// Stores the scenario in two new groups and returns the thread's id, the source group
/// and the posts' ids (the opening post first, then the replies in order).
async fn store(f: &Forums, case: usize, s: &Scenario) -> (i64, i64, Vec<i64>) {
    let mut groups = Vec::new();
    for side in ["source", "target"] {
        let id: i64 = sqlx::query_scalar(
            "insert into user_groups (slug, name, default_tlp, created_at) \
             values ($1, $1, 'green', 0) returning id",
        )
        .bind(format!("{side}-{case}"))
        .fetch_one(&f.db)
        .await
        .expect("group");
        groups.push(id);
    }
    let (source, target) = (groups[0], groups[1]);
    for (n, (user, _)) in f.people.iter().enumerate() {
        // The mover moderates both groups.
        let (in_source, in_target) = if n == 0 {
            (Some("moderator"), Some("moderator"))
        } else {
            (ROLES[s.roles[n].0], ROLES[s.roles[n].1])
        };
        for (group, role) in [(source, in_source), (target, in_target)] {
            if let Some(role) = role {
                sqlx::query(
                    "insert into group_members (group_id, user_id, role, added_at) \
                     values ($1, $2, $3, 0)",
                )
                .bind(group)
                .bind(user)
                .bind(role)
                .execute(&f.db)
                .await
                .expect("member");
            }
        }
    }
    let thread: i64 = sqlx::query_scalar(
        "insert into forum_threads (group_id, title, tlp, author_id, created_at) \
         values ($1, 'Tråd', $2, $3, 0) returning id",
    )
    .bind(source)
    .bind(TLPS[s.thread.tlp])
    .bind(f.people[s.thread.author].0)
    .fetch_one(&f.db)
    .await
    .expect("thread");
    add_recipients(f, "thread", thread, &s.thread).await;
    let mut posts = Vec::new();
    for (n, item) in std::iter::once(&s.thread).chain(&s.replies).enumerate() {
        let post: i64 = sqlx::query_scalar(
            "insert into forum_posts (thread_id, group_id, author_id, tlp, body_source, \
             body_html, created_at) values ($1, $2, $3, $4, 'x', '<p>x</p>', $5) returning id",
        )
        .bind(thread)
        .bind(source)
        .bind(f.people[item.author].0)
        .bind(TLPS[item.tlp])
        .bind(i64::try_from(n).expect("small"))
        .fetch_one(&f.db)
        .await
        .expect("post");
        add_recipients(f, "post", post, item).await;
        posts.push(post);
    }
    (thread, source, posts)
}

async fn add_recipients(f: &Forums, kind: &str, id: i64, item: &Item) {
    match TLPS[item.tlp] {
        Tlp::AmberStrict => {
            for (org, _) in f.orgs.iter().zip(&item.orgs).filter(|(_, on)| **on) {
                sqlx::query(&format!(
                    "insert into {kind}_recipient_orgs (item_id, org_id) values ($1, $2)"
                ))
                .bind(id)
                .bind(org)
                .execute(&f.db)
                .await
                .expect("recipient org");
            }
        }
        Tlp::Red => {
            for ((user, _), _) in f.people.iter().zip(&item.users).filter(|(_, on)| **on) {
                sqlx::query(&format!(
                    "insert into {kind}_recipient_users (item_id, user_id) values ($1, $2)"
                ))
                .bind(id)
                .bind(user)
                .execute(&f.db)
                .await
                .expect("recipient user");
            }
        }
        Tlp::Clear | Tlp::Green | Tlp::Amber => {}
    }
}

/// The posts of the thread each person sees, through the thread page's read path.
async fn seen(f: &Forums, thread: i64) -> Vec<BTreeSet<i64>> {
    let mut seen = Vec::new();
    for (user, _) in &f.people {
        let viewer = load_viewer(&f.db, *user).await.expect("viewer");
        let posts =
            match thread_page(&f.db, &viewer, thread, PagePick::Page(1), ReadMarker::Keep).await {
                Ok(view) => view.posts.iter().map(|p| p.id).collect(),
                Err(CoreError::NotFound) => BTreeSet::new(),
                Err(other) => panic!("reading the thread: {other}"),
            };
        seen.push(posts);
    }
    seen
}

async fn check(f: &Forums, case: usize, s: &Scenario) -> Result<(), TestCaseError> {
    let (thread, source, posts) = store(f, case, s).await;
    let items: Vec<&Item> = std::iter::once(&s.thread).chain(&s.replies).collect();
    let before = seen(f, thread).await;
    let mover = load_viewer(&f.db, f.people[0].0).await.expect("mover");
    let audit = crate::audit::AuditLog::new(f.db.clone(), f._dir.path());
    let target = format!("target-{case}");
    let outcome = super::moderation::move_thread(&f.db, &audit, &mover, thread, &target, "").await;
    let after = seen(f, thread).await;
    match outcome {
        Ok(_) => {
            // Posts for the whole group follow the thread to its new group's members;
            // nothing AMBER+STRICT or RED (the post, or the thread it is in) may.
            for (n, (was, is)) in before.iter().zip(&after).enumerate() {
                let restricted_new: Vec<&i64> = is
                    .difference(was)
                    .filter(|id| {
                        let rank = posts.iter().position(|p| p == *id).expect("a post of ours");
                        is_restricted(&s.thread) || is_restricted(items[rank])
                    })
                    .collect();
                prop_assert!(
                    restricted_new.is_empty(),
                    "person {n} sees {restricted_new:?} only after the move: {s:?}"
                );
            }
        }
        Err(CoreError::NotFound | CoreError::Invalid { .. } | CoreError::Forbidden) => {
            let group: i64 = sqlx::query_scalar("select group_id from forum_threads where id = $1")
                .bind(thread)
                .fetch_one(&f.db)
                .await
                .expect("thread");
            prop_assert_eq!(group, source, "a refused move moved the thread");
            prop_assert_eq!(&before, &after, "a refused move changed who sees what");
        }
        Err(other) => panic!("moving: {other}"),
    }
    Ok(())
}

fn is_restricted(item: &Item) -> bool {
    matches!(TLPS[item.tlp], Tlp::AmberStrict | Tlp::Red)
}

#[test]
fn a_move_never_lets_anyone_see_a_restricted_post_they_could_not_see_before() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let f = runtime.block_on(forums());
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::cell::Cell::new(0);
    runner
        .run(&scenario(), |s| {
            case.set(case.get() + 1);
            runtime.block_on(check(&f, case.get(), &s))
        })
        .expect("the property holds");
}
