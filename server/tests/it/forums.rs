//! Group forums over HTTP: who may see and do what (a hidden thread or post is answered
//! exactly like a missing one), TLP labels that only go up, Chatham House threads,
//! mentions, watching, unread markers, moderation, revisions, deletion, bad input and
//! previews.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use vaern_core::ids::{GroupId, OrgId, UserId};
use vaern_core::orgs;
use vaern_core::policy::PlatformRole;

const SLUG: &str = "forum";
const OTHER_SLUG: &str = "andet";
/// An id no thread or post has.
const MISSING: &str = "999999";

struct Person {
    client: Client,
    id: UserId,
    name: &'static str,
}

impl Person {
    fn id(&self) -> String {
        self.id.0.to_string()
    }
}

/// The people of a forum, each in their own browser. Everyone but the stranger and the
/// admin is a member of the group `forum`.
struct Cast {
    /// Aarhus, member: writes most threads.
    author: Person,
    /// Aarhus, member: in the author's organisation.
    colleague: Person,
    /// København, member: another organisation.
    other: Person,
    /// Odense, reader.
    reader: Person,
    /// Odense, moderator of `forum`.
    moderator: Person,
    /// Aarhus, not a member.
    stranger: Person,
    /// A platform admin, not a member.
    admin: Person,
    nobody: Client,
    other_group: GroupId,
}

async fn rename(app: &TestApp, user: UserId, name: &str) {
    sqlx::query("update users set name = $1 where id = $2")
        .bind(name)
        .bind(user)
        .execute(&app.db)
        .await
        .expect("renamed");
}

async fn person(
    app: &TestApp,
    org: &str,
    email: &str,
    name: &'static str,
    role: Option<(GroupId, &str)>,
) -> Person {
    let (client, id) = app.signed_in(org, email, PlatformRole::Member, false).await;
    rename(app, id, name).await;
    if let Some((group, role)) = role {
        app.add_to_group(group, id, role).await;
    }
    Person { client, id, name }
}

async fn cast(app: &TestApp) -> Cast {
    let group = app.group(SLUG).await;
    let other_group = app.group(OTHER_SLUG).await;
    let author = person(
        app,
        "751",
        "anne@aarhus.dk",
        "Anne Andersen",
        Some((group, "member")),
    )
    .await;
    let colleague = person(
        app,
        "751",
        "carl@aarhus.dk",
        "Carl Christensen",
        Some((group, "member")),
    )
    .await;
    let other = person(
        app,
        "101",
        "dorte@kk.dk",
        "Dorte Dahl",
        Some((group, "member")),
    )
    .await;
    let reader = person(
        app,
        "461",
        "rikke@odense.dk",
        "Rikke Rask",
        Some((group, "reader")),
    )
    .await;
    let moderator = person(
        app,
        "461",
        "mette@odense.dk",
        "Mette Madsen",
        Some((group, "moderator")),
    )
    .await;
    let stranger = person(app, "751", "sofie@aarhus.dk", "Sofie Skov", None).await;
    let (admin_client, admin_id, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    rename(app, admin_id, "Adam Admin").await;
    Cast {
        author,
        colleague,
        other,
        reader,
        moderator,
        stranger,
        admin: Person {
            client: admin_client,
            id: admin_id,
            name: "Adam Admin",
        },
        nobody: browser(),
        other_group,
    }
}

async fn org_id(app: &TestApp, code: &str) -> OrgId {
    orgs::find_by_code(&app.db, code)
        .await
        .expect("organisation is seeded")
        .id
}

async fn org_name(app: &TestApp, code: &str) -> String {
    orgs::find_by_code(&app.db, code)
        .await
        .expect("organisation is seeded")
        .name
}

fn org_box(org: OrgId) -> String {
    format!("audience[org{}]", org.0)
}

fn user_box(user: UserId) -> String {
    format!("audience[user{}]", user.0)
}

/// Calls a server function and returns its status and body.
async fn call(
    app: &TestApp,
    who: &Client,
    op: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let res = app.rpc(who, op, form).await;
    let status = res.status();
    (status, res.text().await.expect("body"))
}

/// Calls a server function that must succeed and returns its JSON.
async fn ok(app: &TestApp, who: &Client, op: &str, form: &[(&str, &str)]) -> Value {
    let (status, body) = call(app, who, op, form).await;
    assert_eq!(status, StatusCode::OK, "{op} {form:?}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Asserts that asking about a hidden item gets exactly the answer a missing one gets.
async fn assert_hidden(
    app: &TestApp,
    who: &Client,
    op: &str,
    hidden: &[(&str, &str)],
    missing: &[(&str, &str)],
) {
    let got = call(app, who, op, hidden).await;
    let expected = call(app, who, op, missing).await;
    assert_eq!(got.0, StatusCode::NOT_FOUND, "{op} {hidden:?}: {}", got.1);
    assert_eq!(
        got, expected,
        "{op}: hidden {hidden:?} vs missing {missing:?}"
    );
}

fn with<'a>(base: &[(&'a str, &'a str)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    [base, extra].concat()
}

fn posted(outcome: &Value) -> (i64, i64) {
    let posted = &outcome["Posted"];
    (
        posted["thread_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("not posted: {outcome}")),
        posted["post_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("not posted: {outcome}")),
    )
}

/// Starts a thread in `forum`; `extra` adds or overrides fields (tlp, audience, ...).
async fn start(
    app: &TestApp,
    who: &Person,
    title: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> (i64, i64) {
    let mut form = vec![("slug", SLUG), ("title", title), ("body", body)];
    form.extend_from_slice(extra);
    posted(&ok(app, &who.client, "start_thread", &form).await)
}

/// Replies in a thread and returns the new post's id.
async fn reply(
    app: &TestApp,
    who: &Person,
    thread: i64,
    body: &str,
    extra: &[(&str, &str)],
) -> i64 {
    let thread = thread.to_string();
    let mut form = vec![("thread_id", thread.as_str()), ("body", body)];
    form.extend_from_slice(extra);
    posted(&ok(app, &who.client, "post_reply", &form).await).1
}

async fn thread_view(app: &TestApp, who: &Client, thread: i64) -> Value {
    ok(app, who, "thread", &[("id", &thread.to_string())]).await
}

async fn forum_view(app: &TestApp, who: &Client, slug: &str) -> Value {
    ok(app, who, "forum", &[("slug", slug)]).await
}

/// The thread's entry in a forum list, if listed.
fn entry(forum: &Value, thread: i64) -> Option<Value> {
    forum["threads"]
        .as_array()
        .expect("threads")
        .iter()
        .find(|t| t["id"] == thread)
        .cloned()
}

fn post_ids(thread: &Value) -> Vec<i64> {
    thread["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .map(|p| p["id"].as_i64().expect("post id"))
        .collect()
}

fn post_in(thread: &Value, id: i64) -> Value {
    thread["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("post {id} not shown: {thread}"))
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db)
        .await
        .expect("count")
}

/// The user's notifications as (kind, post id), oldest first.
async fn notifications(app: &TestApp, user: UserId) -> Vec<(String, i64)> {
    sqlx::query_as("select kind, post_id from notifications where user_id = $1 order by id")
        .bind(user)
        .fetch_all(&app.db)
        .await
        .expect("notifications")
}

async fn audit_details(app: &TestApp, action: &str) -> Vec<String> {
    app.audit_chained().await;
    sqlx::query_scalar("select detail from audit_log where action = $1 order by id")
        .bind(action)
        .fetch_all(&app.db)
        .await
        .expect("audit rows")
}

/// Every forum operation on a thread and its opening post, with the same fields naming
/// missing ones instead.
fn operations<'a>(
    thread: &'a str,
    post: &'a str,
) -> Vec<(&'static str, Vec<(&'static str, &'a str)>)> {
    vec![
        ("thread", vec![("id", thread)]),
        ("thread", vec![("id", thread), ("post", post)]),
        ("post_reply", vec![("thread_id", thread), ("body", "Svar")]),
        (
            "post_reply",
            vec![
                ("thread_id", thread),
                ("body", "Svar"),
                ("quoted_post_id", post),
            ],
        ),
        ("post_edit", vec![("post_id", post)]),
        ("edit_post", vec![("post_id", post), ("body", "Rettet")]),
        ("delete_post", vec![("post_id", post)]),
        ("post_history", vec![("post_id", post)]),
        ("watch_thread", vec![("thread_id", thread), ("watch", "on")]),
        (
            "moderate_thread",
            vec![("thread_id", thread), ("action", "pin")],
        ),
        (
            "move_thread",
            vec![("thread_id", thread), ("target", OTHER_SLUG)],
        ),
        (
            "remove_post",
            vec![("post_id", post), ("reason", "Off topic")],
        ),
    ]
}

/// Asserts that every operation on the thread is answered as for a missing one.
async fn assert_thread_hidden(app: &TestApp, who: &Client, thread: i64, post: i64) {
    let (thread, post) = (thread.to_string(), post.to_string());
    let hidden = operations(&thread, &post);
    let missing = operations(MISSING, MISSING);
    for ((op, hidden), (_, missing)) in hidden.iter().zip(&missing) {
        assert_hidden(app, who, op, hidden, missing).await;
    }
}

async fn page_status(app: &TestApp, who: &Client, path: &str) -> (StatusCode, String) {
    let res = app.get(who, path).await;
    let status = res.status();
    (status, res.text().await.expect("page"))
}

// ---------------------------------------------------------------------------------------
// 1. Who may see what
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_and_platform_admins_are_told_a_forum_and_its_threads_do_not_exist() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, post) = start(&app, &cast.author, "Phishing i Aarhus", "Se her.", &[]).await;
    for who in [&cast.stranger, &cast.admin] {
        for op in ["forum", "new_thread"] {
            assert_hidden(
                &app,
                &who.client,
                op,
                &[("slug", SLUG)],
                &[("slug", "findes-ikke")],
            )
            .await;
        }
        assert_hidden(
            &app,
            &who.client,
            "start_thread",
            &[("slug", SLUG), ("title", "Hej"), ("body", "Hej")],
            &[("slug", "findes-ikke"), ("title", "Hej"), ("body", "Hej")],
        )
        .await;
        assert_thread_hidden(&app, &who.client, thread, post).await;
        for path in [
            format!("/groups/{SLUG}/forum"),
            format!("/groups/{SLUG}/forum/new"),
            format!("/threads/{thread}"),
            format!("/posts/{post}/edit"),
            format!("/posts/{post}/history"),
        ] {
            let (status, html) = page_status(&app, &who.client, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "GET {path} as {}", who.name);
            assert!(
                !html.contains("Phishing i Aarhus"),
                "GET {path} as {}",
                who.name
            );
        }
    }
    assert_eq!(count(&app, "select count(*) from forum_threads").await, 1);
    assert_eq!(count(&app, "select count(*) from forum_posts").await, 1);
    assert_eq!(count(&app, "select count(*) from thread_watches").await, 1);
    let (status, _) = call(&app, &cast.nobody, "thread", &[("id", &thread.to_string())]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(&app, &cast.nobody, "forum", &[("slug", SLUG)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_reads_the_forum_but_may_not_write_or_moderate_in_it() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, post) = start(&app, &cast.author, "Til læsning", "Indhold", &[]).await;
    let reader = &cast.reader.client;
    let forum = forum_view(&app, reader, SLUG).await;
    assert_eq!(forum["can_post"], false);
    assert!(entry(&forum, thread).is_some());
    let view = thread_view(&app, reader, thread).await;
    assert_eq!(view["can_reply"], false);
    assert_eq!(view["can_moderate"], false);
    assert_eq!(post_ids(&view), vec![post]);
    let (t, p) = (thread.to_string(), post.to_string());
    let view = ok(&app, reader, "thread", &[("id", &t), ("quote", &p)]).await;
    assert_eq!(
        view["quote"],
        Value::Null,
        "a reader gets no quote to reply with"
    );
    ok(&app, reader, "post_history", &[("post_id", &p)]).await;
    // Writing is forbidden: the group is visible to a reader, so it is no secret.
    let forbidden = [
        (
            "start_thread",
            vec![("slug", SLUG), ("title", "Hej"), ("body", "Hej")],
        ),
        (
            "post_reply",
            vec![("thread_id", t.as_str()), ("body", "Hej")],
        ),
        (
            "moderate_thread",
            vec![("thread_id", t.as_str()), ("action", "lock")],
        ),
        (
            "remove_post",
            vec![("post_id", p.as_str()), ("reason", "Nej")],
        ),
        (
            "move_thread",
            vec![("thread_id", t.as_str()), ("target", OTHER_SLUG)],
        ),
    ];
    for (op, form) in &forbidden {
        let (status, body) = call(&app, reader, op, form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{op} as reader: {body}");
    }
    // The page for a new thread is not theirs; another's post is not theirs to edit.
    let (status, _) = call(&app, reader, "new_thread", &[("slug", SLUG)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for op in ["post_edit", "delete_post"] {
        assert_hidden(
            &app,
            reader,
            op,
            &[("post_id", &p)],
            &[("post_id", MISSING)],
        )
        .await;
    }
    assert_eq!(count(&app, "select count(*) from forum_posts").await, 1);
    let (status, _) = page_status(&app, reader, &format!("/groups/{SLUG}/forum")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = page_status(&app, reader, &format!("/threads/{thread}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amber_strict_thread_is_hidden_from_other_organisations_exactly_like_a_missing_one() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, post) = start(
        &app,
        &cast.author,
        "Kun Aarhus",
        "Intern sag",
        &[("tlp", "amber+strict")],
    )
    .await;
    // The author's organisation sees it.
    let forum = forum_view(&app, &cast.colleague.client, SLUG).await;
    assert!(entry(&forum, thread).is_some());
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert_eq!(
        view["recipients"]["orgs"],
        serde_json::json!([org_name(&app, "751").await])
    );
    // Another organisation, the reader and the moderator (both Odense) do not.
    for who in [&cast.other, &cast.reader, &cast.moderator] {
        let forum = forum_view(&app, &who.client, SLUG).await;
        assert!(entry(&forum, thread).is_none(), "listed for {}", who.name);
        assert_thread_hidden(&app, &who.client, thread, post).await;
        let (status, html) = page_status(&app, &who.client, &format!("/threads/{thread}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "page as {}", who.name);
        assert!(!html.contains("Kun Aarhus"));
    }
    assert_eq!(count(&app, "select count(*) from forum_posts").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_red_thread_is_seen_by_its_named_recipients_and_the_author_alone() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let named = user_box(cast.other.id);
    let (thread, post) = start(
        &app,
        &cast.author,
        "Rødt emne",
        "Kun til Dorte",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    let view = thread_view(&app, &cast.other.client, thread).await;
    assert_eq!(view["tlp"], "red");
    assert_eq!(
        view["recipients"]["users"],
        serde_json::json!([cast.other.name])
    );
    assert!(entry(&forum_view(&app, &cast.other.client, SLUG).await, thread).is_some());
    // The recipient's reply goes to the people of the thread: the author sees it.
    let answer = reply(&app, &cast.other, thread, "Tak", &[]).await;
    let view = thread_view(&app, &cast.author.client, thread).await;
    assert_eq!(post_ids(&view), vec![post, answer]);
    assert_eq!(post_in(&view, answer)["tlp"], "red");
    // Same organisation as the author, a moderator, a reader: not named, not told.
    for who in [&cast.colleague, &cast.moderator, &cast.reader] {
        assert!(entry(&forum_view(&app, &who.client, SLUG).await, thread).is_none());
        assert_thread_hidden(&app, &who.client, thread, post).await;
        assert_hidden(
            &app,
            &who.client,
            "post_history",
            &[("post_id", &answer.to_string())],
            &[("post_id", MISSING)],
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_reply_is_neither_counted_nor_shown_nor_quotable_and_does_not_make_a_thread_unread()
 {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, opening) = start(&app, &cast.author, "Almindelig tråd", "Start", &[]).await;
    thread_view(&app, &cast.colleague.client, thread).await;
    thread_view(&app, &cast.other.client, thread).await;
    let named = user_box(cast.other.id);
    let secret = reply(
        &app,
        &cast.author,
        thread,
        "Hemmeligt svar",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    let listed = entry(
        &forum_view(&app, &cast.colleague.client, SLUG).await,
        thread,
    )
    .unwrap();
    assert_eq!(listed["replies"], 0, "{listed}");
    assert_eq!(listed["unread"], false, "{listed}");
    let listed = entry(&forum_view(&app, &cast.other.client, SLUG).await, thread).unwrap();
    assert_eq!(listed["replies"], 1, "{listed}");
    assert_eq!(listed["unread"], true, "{listed}");

    let t = thread.to_string();
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert_eq!(post_ids(&view), vec![opening]);
    assert!(!view.to_string().contains("Hemmeligt"));
    // A quote of the hidden reply is answered like a quote of a missing post.
    let hidden = ok(
        &app,
        &cast.colleague.client,
        "thread",
        &[("id", &t), ("quote", &secret.to_string())],
    )
    .await;
    let missing = ok(
        &app,
        &cast.colleague.client,
        "thread",
        &[("id", &t), ("quote", MISSING)],
    )
    .await;
    assert_eq!(hidden["quote"], Value::Null);
    assert_eq!(hidden["quote"], missing["quote"]);
    // Linking to it picks the same page as a missing post would.
    let hidden = ok(
        &app,
        &cast.colleague.client,
        "thread",
        &[("id", &t), ("post", &secret.to_string())],
    )
    .await;
    assert_eq!(post_ids(&hidden), vec![opening]);
    assert_hidden(
        &app,
        &cast.colleague.client,
        "post_reply",
        &[
            ("thread_id", &t),
            ("body", "Citat"),
            ("quoted_post_id", &secret.to_string()),
        ],
        &[
            ("thread_id", &t),
            ("body", "Citat"),
            ("quoted_post_id", MISSING),
        ],
    )
    .await;
    for op in ["post_history", "post_edit", "delete_post"] {
        assert_hidden(
            &app,
            &cast.colleague.client,
            op,
            &[("post_id", &secret.to_string())],
            &[("post_id", MISSING)],
        )
        .await;
    }
    // The recipient may quote it.
    let quoted = ok(
        &app,
        &cast.other.client,
        "thread",
        &[("id", &t), ("quote", &secret.to_string())],
    )
    .await;
    assert!(
        quoted["quote"][1]
            .as_str()
            .unwrap()
            .contains("> Hemmeligt svar"),
        "{quoted}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_link_names_only_posts_of_the_thread_being_answered() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Første", "En", &[]).await;
    let (_, elsewhere) = start(&app, &cast.author, "Anden", "Fra en anden tråd", &[]).await;
    let view = ok(
        &app,
        &cast.colleague.client,
        "thread",
        &[
            ("id", &thread.to_string()),
            ("quote", &elsewhere.to_string()),
        ],
    )
    .await;
    // load_thread's own comment: "A post the viewer may not see, or of another thread,
    // quotes nothing"; post_reply refuses such a quote (404).
    assert_eq!(view["quote"], Value::Null, "{}", view["quote"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_names_the_quoted_post_only_to_readers_who_may_see_it() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Tråd", "Start", &[]).await;
    let aarhus = org_box(org_id(&app, "751").await);
    let secret = reply(
        &app,
        &cast.author,
        thread,
        "Kun Aarhus",
        &[("tlp", "amber+strict"), (aarhus.as_str(), "on")],
    )
    .await;
    let answer = reply(&app, &cast.other, thread, "Et svar", &[]).await;
    // However it came to point there, a hidden post's id is not told.
    sqlx::query("update forum_posts set quoted_post_id = $1 where id = $2")
        .bind(secret)
        .bind(answer)
        .execute(&app.db)
        .await
        .unwrap();
    let view = thread_view(&app, &cast.other.client, thread).await;
    assert!(post_in(&view, answer)["quoted_post_id"].is_null(), "{view}");
    assert!(
        !view
            .to_string()
            .contains(&format!("\"quoted_post_id\":{secret}"))
    );
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert_eq!(post_in(&view, answer)["quoted_post_id"], secret);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_may_not_widen_the_audience_of_a_quote() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Tråd", "Start", &[]).await;
    let aarhus = org_box(org_id(&app, "751").await);
    let strict = [("tlp", "amber+strict"), (aarhus.as_str(), "on")];
    let quoted = reply(&app, &cast.author, thread, "Kun Aarhus", &strict).await;
    let q = quoted.to_string();
    let t = thread.to_string();
    let mut form = vec![
        ("thread_id", t.as_str()),
        ("body", "> Kun Aarhus\n\nEnig"),
        ("quoted_post_id", q.as_str()),
    ];
    form.extend_from_slice(&strict);
    let answer = posted(&ok(&app, &cast.colleague.client, "post_reply", &form).await).1;
    let dorte = user_box(cast.other.id);
    let res = app
        .rpc(
            &cast.colleague.client,
            "edit_post",
            &[
                ("post_id", &answer.to_string()),
                ("body", "> Kun Aarhus\n\nEnig, Dorte"),
                ("tlp", "red"),
                (dorte.as_str(), "on"),
            ],
        )
        .await;
    assert_invalid(res, "quote", "wider_audience").await;
    assert!(
        thread_view(&app, &cast.other.client, thread)
            .await
            .to_string()
            .find("Enig")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_quoting_a_post_takes_its_label_when_the_quoted_post_is_raised() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Tråd", "Start", &[]).await;
    let quoted = reply(&app, &cast.colleague, thread, "Fund i Aarhus", &[]).await;
    let q = quoted.to_string();
    let t = thread.to_string();
    let answer = posted(
        &ok(
            &app,
            &cast.other.client,
            "post_reply",
            &[
                ("thread_id", t.as_str()),
                ("body", "> Fund i Aarhus\n\nDet citerer jeg"),
                ("quoted_post_id", q.as_str()),
            ],
        )
        .await,
    )
    .1;
    let aarhus = org_box(org_id(&app, "751").await);
    ok(
        &app,
        &cast.colleague.client,
        "edit_post",
        &[
            ("post_id", &q),
            ("body", "Fund i Aarhus"),
            ("tlp", "amber+strict"),
            (aarhus.as_str(), "on"),
        ],
    )
    .await;
    // The quote went with the label: København and Odense no longer read it.
    for who in [&cast.other, &cast.reader, &cast.moderator] {
        let view = thread_view(&app, &who.client, thread).await;
        assert!(!view.to_string().contains("Fund i Aarhus"), "{view}");
    }
    let view = thread_view(&app, &cast.author.client, thread).await;
    assert_eq!(post_in(&view, answer)["tlp"], "amber+strict");
}

// ---------------------------------------------------------------------------------------
// 2. TLP rules
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_inherits_the_thread_label_and_may_raise_it_but_never_lower_it() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Gul tråd", "Start", &[("tlp", "amber")]).await;
    let plain = reply(&app, &cast.colleague, thread, "Enig", &[]).await;
    let named = user_box(cast.other.id);
    let raised = reply(
        &app,
        &cast.colleague,
        thread,
        "Kun Dorte",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    let view = thread_view(&app, &cast.other.client, thread).await;
    assert_eq!(post_in(&view, plain)["tlp"], "amber");
    assert_eq!(post_in(&view, raised)["tlp"], "red");
    assert_eq!(
        post_in(&view, raised)["recipients"]["users"],
        serde_json::json!([cast.other.name])
    );
    let t = thread.to_string();
    for lower in ["green", "clear"] {
        let res = app
            .rpc(
                &cast.colleague.client,
                "post_reply",
                &[("thread_id", &t), ("body", "Lavere"), ("tlp", lower)],
            )
            .await;
        assert_invalid(res, "tlp", "cannot_lower").await;
    }
    for unknown in ["purple", "AMBER ", "amber+", "TLP:RED"] {
        let res = app
            .rpc(
                &cast.colleague.client,
                "post_reply",
                &[("thread_id", &t), ("body", "Hvad"), ("tlp", unknown)],
            )
            .await;
        assert_invalid(res, "tlp", "unknown").await;
    }
    let res = app
        .rpc(
            &cast.author.client,
            "start_thread",
            &[
                ("slug", SLUG),
                ("title", "Lilla"),
                ("body", "x"),
                ("tlp", "purple"),
            ],
        )
        .await;
    assert_invalid(res, "tlp", "unknown").await;
    // A RED thread: replies stay RED.
    let (red, _) = start(
        &app,
        &cast.author,
        "Rød",
        "x",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    let res = app
        .rpc(
            &cast.other.client,
            "post_reply",
            &[
                ("thread_id", &red.to_string()),
                ("body", "y"),
                ("tlp", "amber+strict"),
            ],
        )
        .await;
    assert_invalid(res, "tlp", "cannot_lower").await;
    assert_eq!(count(&app, "select count(*) from forum_posts").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_may_raise_a_label_which_is_shown_but_never_lower_it() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Gul", "Start", &[]).await;
    let mine = reply(&app, &cast.author, thread, "Første udgave", &[]).await;
    let p = mine.to_string();
    let named = user_box(cast.other.id);
    ok(
        &app,
        &cast.author.client,
        "edit_post",
        &[
            ("post_id", &p),
            ("body", "Anden udgave"),
            ("tlp", "red"),
            (named.as_str(), "on"),
        ],
    )
    .await;
    let view = thread_view(&app, &cast.other.client, thread).await;
    assert_eq!(post_in(&view, mine)["tlp"], "red");
    assert!(
        post_in(&view, mine)["html"]
            .as_str()
            .unwrap()
            .contains("Anden udgave")
    );
    assert!(post_in(&view, mine)["edited"].is_string());
    // Raised out of the colleague's sight.
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert!(!post_ids(&view).contains(&mine));
    assert!(!view.to_string().contains("udgave"));
    assert_hidden(
        &app,
        &cast.colleague.client,
        "post_history",
        &[("post_id", &p)],
        &[("post_id", MISSING)],
    )
    .await;
    for lower in ["amber", "amber+strict", "green"] {
        let res = app
            .rpc(
                &cast.author.client,
                "edit_post",
                &[("post_id", &p), ("body", "Tredje"), ("tlp", lower)],
            )
            .await;
        assert_invalid(res, "tlp", "cannot_lower").await;
    }
    let history = ok(&app, &cast.other.client, "post_history", &[("post_id", &p)]).await;
    let revisions = history["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2, "{history}");
    assert_eq!(revisions[0]["tlp"], "red");
    assert_eq!(revisions[1]["tlp"], "amber");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_the_opening_post_raises_the_thread() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, opening) = start(&app, &cast.author, "Bliver strengere", "Start", &[]).await;
    ok(
        &app,
        &cast.author.client,
        "edit_post",
        &[
            ("post_id", &opening.to_string()),
            ("body", "Start"),
            ("tlp", "amber+strict"),
        ],
    )
    .await;
    let view = thread_view(&app, &cast.author.client, thread).await;
    assert_eq!(view["tlp"], "amber+strict");
    assert!(entry(&forum_view(&app, &cast.other.client, SLUG).await, thread).is_none());
    assert_thread_hidden(&app, &cast.other.client, thread, opening).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_goes_only_into_a_reply_at_least_as_strict_as_the_quoted_post() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Gul", "Start", &[]).await;
    let strict = reply(
        &app,
        &cast.author,
        thread,
        "Kun Aarhus",
        &[("tlp", "amber+strict")],
    )
    .await;
    let (t, q) = (thread.to_string(), strict.to_string());
    let view = ok(
        &app,
        &cast.colleague.client,
        "thread",
        &[("id", &t), ("quote", &q)],
    )
    .await;
    let text = view["quote"][1].as_str().expect("quote text");
    assert!(text.contains("> Kun Aarhus"), "{text}");
    let res = app
        .rpc(
            &cast.colleague.client,
            "post_reply",
            &[("thread_id", &t), ("body", text), ("quoted_post_id", &q)],
        )
        .await;
    assert_invalid(res, "tlp", "below_quote").await;
    let res = app
        .rpc(
            &cast.colleague.client,
            "post_reply",
            &[
                ("thread_id", &t),
                ("body", text),
                ("quoted_post_id", &q),
                ("tlp", "amber"),
            ],
        )
        .await;
    assert_invalid(res, "tlp", "below_quote").await;
    // AMBER+STRICT to more organisations than the quoted post would widen its audience.
    let both = [
        org_box(org_id(&app, "751").await),
        org_box(org_id(&app, "101").await),
    ];
    let res = app
        .rpc(
            &cast.colleague.client,
            "post_reply",
            &[
                ("thread_id", &t),
                ("body", text),
                ("quoted_post_id", &q),
                ("tlp", "amber+strict"),
                (both[0].as_str(), "on"),
                (both[1].as_str(), "on"),
            ],
        )
        .await;
    assert_invalid(res, "quote", "wider_audience").await;
    reply(
        &app,
        &cast.colleague,
        thread,
        text,
        &[("quoted_post_id", &q), ("tlp", "amber+strict")],
    )
    .await;
    // Quoting a post of another thread is refused like a missing one.
    let (_, elsewhere) = start(&app, &cast.author, "Anden", "x", &[]).await;
    assert_hidden(
        &app,
        &cast.colleague.client,
        "post_reply",
        &[
            ("thread_id", &t),
            ("body", "x"),
            ("quoted_post_id", &elsewhere.to_string()),
        ],
        &[
            ("thread_id", &t),
            ("body", "x"),
            ("quoted_post_id", MISSING),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amber_strict_recipients_default_to_the_authors_organisation_and_must_include_it() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (aarhus, kk, odense) = (
        org_id(&app, "751").await,
        org_id(&app, "101").await,
        org_id(&app, "461").await,
    );
    let (own, other, third) = (org_box(aarhus), org_box(kk), org_box(odense));
    let strict = [
        ("slug", SLUG),
        ("title", "Streng"),
        ("body", "x"),
        ("tlp", "amber+strict"),
    ];

    let res = app
        .rpc(
            &cast.author.client,
            "start_thread",
            &with(&strict, &[(other.as_str(), "on")]),
        )
        .await;
    assert_invalid(res, "recipient_orgs", "own_missing").await;
    let res = app
        .rpc(
            &cast.author.client,
            "start_thread",
            &with(&strict, &[(other.as_str(), "on"), (third.as_str(), "on")]),
        )
        .await;
    assert_invalid(res, "recipient_orgs", "own_missing").await;
    // An organisation with nobody in the group.
    let region = org_box(org_id(&app, "1082").await);
    let res = app
        .rpc(
            &cast.author.client,
            "start_thread",
            &with(&strict, &[(own.as_str(), "on"), (region.as_str(), "on")]),
        )
        .await;
    assert_invalid(res, "recipient_orgs", "not_in_group").await;
    for bad in ["audience[orgX]", "audience[group1]", "audience[user]"] {
        let res = app
            .rpc(
                &cast.author.client,
                "start_thread",
                &with(&strict, &[(bad, "on")]),
            )
            .await;
        assert_invalid(res, "audience", "malformed").await;
    }
    assert_eq!(count(&app, "select count(*) from forum_threads").await, 0);

    let (default, _) = start(
        &app,
        &cast.author,
        "Standard",
        "x",
        &[("tlp", "amber+strict")],
    )
    .await;
    let view = thread_view(&app, &cast.author.client, default).await;
    assert_eq!(
        view["recipients"]["orgs"],
        serde_json::json!([org_name(&app, "751").await])
    );
    let (shared, _) = start(
        &app,
        &cast.author,
        "Delt",
        "x",
        &[
            ("tlp", "amber+strict"),
            (own.as_str(), "on"),
            (other.as_str(), "on"),
        ],
    )
    .await;
    thread_view(&app, &cast.other.client, shared).await;
    assert_eq!(
        count(
            &app,
            &format!("select count(*) from thread_recipient_orgs where item_id = {shared}")
        )
        .await,
        2
    );

    // In a Chatham House thread the default would name the author's organisation.
    let chatham = [("chatham_house", "on")];
    let res = app
        .rpc(
            &cast.author.client,
            "start_thread",
            &with(&strict, &chatham),
        )
        .await;
    assert_invalid(res, "recipient_orgs", "required").await;
    start(
        &app,
        &cast.author,
        "Chatham",
        "x",
        &[
            ("tlp", "amber+strict"),
            ("chatham_house", "on"),
            (own.as_str(), "on"),
        ],
    )
    .await;

    // RED recipients must be members who may see the thread.
    let outsider = user_box(cast.stranger.id);
    let res = app
        .rpc(
            &cast.author.client,
            "start_thread",
            &[
                ("slug", SLUG),
                ("title", "Rød"),
                ("body", "x"),
                ("tlp", "red"),
                (outsider.as_str(), "on"),
            ],
        )
        .await;
    assert_invalid(res, "recipient_users", "cannot_see").await;
    let outsider = user_box(cast.other.id);
    let res = app
        .rpc(
            &cast.author.client,
            "post_reply",
            &[
                ("thread_id", &default.to_string()),
                ("body", "x"),
                ("tlp", "red"),
                (outsider.as_str(), "on"),
            ],
        )
        .await;
    assert_invalid(res, "recipient_users", "cannot_see").await;
}

// ---------------------------------------------------------------------------------------
// 3. Chatham House
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chatham_house_thread_names_its_authors_to_moderators_alone() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(
        &app,
        &cast.author,
        "Under Chatham House",
        "Vi blev ramt",
        &[("chatham_house", "on")],
    )
    .await;
    reply(&app, &cast.colleague, thread, "Også os", &[]).await;
    let aarhus = org_name(&app, "751").await;
    let secrets = [cast.author.name, cast.colleague.name, aarhus.as_str()];

    // A reader: nothing names an author, in the thread, the list, the history or the page.
    let view = thread_view(&app, &cast.reader.client, thread).await;
    let json = view.to_string();
    for secret in secrets {
        assert!(
            !json.contains(secret),
            "reader's thread JSON names {secret}: {json}"
        );
    }
    assert!(
        view["posts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["author"].is_null())
    );
    let forum = forum_view(&app, &cast.reader.client, SLUG).await;
    assert!(entry(&forum, thread).unwrap()["author"].is_null());
    assert!(!forum.to_string().contains(cast.author.name));
    let opening = view["opening_post_id"].to_string();
    let history = ok(
        &app,
        &cast.reader.client,
        "post_history",
        &[("post_id", &opening)],
    )
    .await;
    assert!(history["author"].is_null(), "{history}");
    let (status, html) =
        page_status(&app, &cast.reader.client, &format!("/threads/{thread}")).await;
    assert_eq!(status, StatusCode::OK);
    for secret in secrets {
        assert!(
            !html.contains(secret),
            "reader's thread page names {secret}"
        );
    }
    for id in [cast.author.id(), cast.colleague.id()] {
        assert!(!json.contains(&format!("\"author_id\":{id}")));
    }

    // A member of another organisation who may reply: no post names its author.
    let view = thread_view(&app, &cast.other.client, thread).await;
    let posts = view["posts"].to_string();
    assert!(
        view["posts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["author"].is_null())
    );
    for secret in secrets {
        assert!(!posts.contains(secret), "posts name {secret}: {posts}");
    }

    // The author sees themselves; the moderator sees everyone.
    let view = thread_view(&app, &cast.author.client, thread).await;
    assert_eq!(view["posts"][0]["author"]["name"], cast.author.name);
    assert!(view["posts"][1]["author"].is_null());
    let view = thread_view(&app, &cast.moderator.client, thread).await;
    assert_eq!(view["posts"][0]["author"]["name"], cast.author.name);
    assert_eq!(view["posts"][0]["author"]["org_name"], aarhus);
    assert_eq!(view["posts"][1]["author"]["name"], cast.colleague.name);
    let forum = forum_view(&app, &cast.moderator.client, SLUG).await;
    assert_eq!(
        entry(&forum, thread).unwrap()["author"]["name"],
        cast.author.name
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn red_recipient_lists_in_a_chatham_house_thread_name_nobody_but_to_its_moderators() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let named = [
        user_box(cast.colleague.id),
        user_box(cast.other.id),
        user_box(cast.moderator.id),
    ];
    let mut form = vec![("tlp", "red"), ("chatham_house", "on")];
    form.extend(named.iter().map(|n| (n.as_str(), "on")));
    let (thread, _) = start(&app, &cast.author, "Rødt og anonymt", "Vi blev ramt", &form).await;
    // The reply inherits the thread's people: the author and the others, not the replier.
    let answer = reply(&app, &cast.other, thread, "Også os", &[]).await;

    // A named participant who does not moderate: no list names anyone, so nobody is
    // the author or the replier by elimination, and nothing counts them either.
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert_eq!(post_in(&view, answer)["tlp"], "red");
    for item in [&view, &post_in(&view, answer)] {
        let recipients = &item["recipients"];
        assert_eq!(recipients["users"], serde_json::json!([]), "{recipients}");
        assert_eq!(recipients["participants_only"], true, "{recipients}");
    }
    let posts = view["posts"].to_string();
    for secret in [cast.author.name, cast.other.name] {
        assert!(!posts.contains(secret), "posts name {secret}: {posts}");
    }
    let (_, html) = page_status(&app, &cast.colleague.client, &format!("/threads/{thread}")).await;
    assert!(
        !html.contains(&format!("{}, {}", cast.author.name, cast.colleague.name)),
        "the page lists the reply's recipients"
    );

    // The moderator sees who was named.
    let view = thread_view(&app, &cast.moderator.client, thread).await;
    assert_eq!(
        post_in(&view, answer)["recipients"]["users"],
        serde_json::json!([cast.author.name, cast.colleague.name, cast.moderator.name])
    );
    assert_eq!(view["recipients"]["participants_only"], false);
}

// ---------------------------------------------------------------------------------------
// 4. Mentions and 5. watching
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_tells_only_members_who_may_see_the_post() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (open, p1) = start(
        &app,
        &cast.author,
        "Alle",
        "Hej @Dorte Dahl og @Sofie Skov, og @rikke rask.",
        &[],
    )
    .await;
    let (_, p2) = start(
        &app,
        &cast.author,
        "Kun Aarhus",
        "@Dorte Dahl og @Carl Christensen",
        &[("tlp", "amber+strict")],
    )
    .await;
    let named = user_box(cast.colleague.id);
    let (_, p3) = start(
        &app,
        &cast.author,
        "Rød",
        "@Dorte Dahl @Carl Christensen @Mette Madsen",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    let mention = |post: i64| ("mention".to_string(), post);
    assert_eq!(notifications(&app, cast.other.id).await, vec![mention(p1)]);
    assert_eq!(notifications(&app, cast.reader.id).await, vec![mention(p1)]);
    assert_eq!(
        notifications(&app, cast.colleague.id).await,
        vec![mention(p2), mention(p3)]
    );
    assert!(notifications(&app, cast.stranger.id).await.is_empty());
    assert!(notifications(&app, cast.moderator.id).await.is_empty());
    assert!(notifications(&app, cast.author.id).await.is_empty());
    // The bell counts them.
    let me = ok(&app, &cast.colleague.client, "whoami", &[]).await;
    assert_eq!(me["unread_notifications"], 2, "{me}");
    // Opening the thread reads them.
    thread_view(&app, &cast.other.client, open).await;
    let me = ok(&app, &cast.other.client, "whoami", &[]).await;
    assert_eq!(me["unread_notifications"], 0, "{me}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_names_someone_new_tells_them_once_and_only_if_they_may_see_it() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (_, open) = start(&app, &cast.author, "Alle", "Et udkast.", &[]).await;
    let (_, strict) = start(
        &app,
        &cast.author,
        "Kun Aarhus",
        "Intern note.",
        &[("tlp", "amber+strict")],
    )
    .await;
    let edit = |post: i64, body: &'static str| {
        let post = post.to_string();
        let (app, client) = (&app, &cast.author.client);
        async move {
            ok(
                app,
                client,
                "edit_post",
                &[("post_id", post.as_str()), ("body", body)],
            )
            .await
        }
    };
    edit(open, "Et udkast, @Dorte Dahl?").await;
    edit(strict, "Intern note, @Dorte Dahl og @Carl Christensen.").await;
    let mention = |post: i64| ("mention".to_string(), post);
    assert_eq!(
        notifications(&app, cast.other.id).await,
        vec![mention(open)]
    );
    assert_eq!(
        notifications(&app, cast.colleague.id).await,
        vec![mention(strict)]
    );
    // Editing again, still naming them, tells nobody anew.
    edit(open, "Et andet udkast, @Dorte Dahl?").await;
    assert_eq!(
        notifications(&app, cast.other.id).await,
        vec![mention(open)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_author_hears_of_replies_until_they_stop_watching_and_a_replier_watches_automatically()
{
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Følg med", "Start", &[]).await;
    assert_eq!(
        thread_view(&app, &cast.author.client, thread).await["watching"],
        true
    );
    assert_eq!(
        thread_view(&app, &cast.colleague.client, thread).await["watching"],
        false
    );
    let first = reply(&app, &cast.colleague, thread, "Svar", &[]).await;
    assert_eq!(
        notifications(&app, cast.author.id).await,
        vec![("reply".to_string(), first)]
    );
    assert_eq!(
        thread_view(&app, &cast.colleague.client, thread).await["watching"],
        true
    );
    // The author answers: the replier hears of it.
    let answer = reply(&app, &cast.author, thread, "Tak", &[]).await;
    assert_eq!(
        notifications(&app, cast.colleague.id).await,
        vec![("reply".to_string(), answer)]
    );

    let t = thread.to_string();
    assert_eq!(
        ok(
            &app,
            &cast.author.client,
            "watch_thread",
            &[("thread_id", &t), ("watch", "off")]
        )
        .await,
        false
    );
    assert_eq!(
        thread_view(&app, &cast.author.client, thread).await["watching"],
        false
    );
    reply(&app, &cast.colleague, thread, "Igen", &[]).await;
    assert_eq!(notifications(&app, cast.author.id).await.len(), 1);
    // A watcher who may not see a RED reply is not told of it.
    ok(
        &app,
        &cast.other.client,
        "watch_thread",
        &[("thread_id", &t), ("watch", "on")],
    )
    .await;
    let named = user_box(cast.author.id);
    reply(
        &app,
        &cast.colleague,
        thread,
        "Rødt",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    assert!(notifications(&app, cast.other.id).await.is_empty());
    let res = app
        .rpc(
            &cast.author.client,
            "watch_thread",
            &[("thread_id", &t), ("watch", "maybe")],
        )
        .await;
    assert_invalid(res, "watch", "unknown").await;
}

// ---------------------------------------------------------------------------------------
// 6. Unread
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_is_unread_until_opened_and_again_after_a_reply_which_is_marked_first_unread() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Nyt", "Start", &[]).await;
    let unread = |forum: Value| entry(&forum, thread).expect("listed")["unread"].clone();
    assert_eq!(
        unread(forum_view(&app, &cast.colleague.client, SLUG).await),
        true
    );
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert_eq!(
        view["first_unread"],
        Value::Null,
        "nothing is marked on a first visit"
    );
    assert_eq!(
        unread(forum_view(&app, &cast.colleague.client, SLUG).await),
        false
    );

    let new = reply(&app, &cast.author, thread, "Nyt svar", &[]).await;
    reply(&app, &cast.other, thread, "Endnu et", &[]).await;
    assert_eq!(
        unread(forum_view(&app, &cast.colleague.client, SLUG).await),
        true
    );
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert_eq!(view["first_unread"], new);
    assert_eq!(
        unread(forum_view(&app, &cast.colleague.client, SLUG).await),
        false
    );
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert_eq!(view["first_unread"], Value::Null);
    // Still unread for someone who never opened it.
    assert_eq!(
        unread(forum_view(&app, &cast.reader.client, SLUG).await),
        true
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_loaded_as_an_image_frame_or_fetch_is_not_marked_read() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Ulæst", "Nyt", &[]).await;
    let unread = |forum: Value| entry(&forum, thread).unwrap()["unread"].clone();
    for dest in ["image", "iframe", "empty"] {
        let res = cast
            .other
            .client
            .get(format!("{}/threads/{thread}", app.url))
            .header("sec-fetch-dest", dest)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            unread(forum_view(&app, &cast.other.client, SLUG).await),
            true,
            "{dest}"
        );
    }
    let res = cast
        .other
        .client
        .get(format!("{}/threads/{thread}", app.url))
        .header("sec-fetch-dest", "document")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        unread(forum_view(&app, &cast.other.client, SLUG).await),
        false
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_marks_what_was_new_before_opening_it_read_the_notification() {
    // Opening a thread marks it and its notifications read; the page must come from the
    // view before that mark (every loader in the request sees the same view).
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Fulgt", "Start", &[]).await;
    thread_view(&app, &cast.colleague.client, thread).await;
    let on = cast
        .colleague
        .client
        .post(format!("{}/rpc/watch_thread", app.url))
        .header("origin", &app.url)
        .header("accept", "application/json")
        .form(&[("thread_id", thread.to_string().as_str()), ("watch", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(on.status(), 200);
    let new = reply(&app, &cast.author, thread, "Nyt svar", &[]).await;
    let html = cast
        .colleague
        .client
        .get(format!("{}/threads/{thread}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let divider = html
        .find("unread-divider")
        .expect("the divider is rendered");
    let new_post = html
        .find(&format!("id=\"post-{new}\""))
        .expect("the new post is on the page");
    assert!(divider < new_post, "the divider stands before the new post");
    assert!(
        !html[divider..new_post].contains("</article>"),
        "and right before it"
    );
    assert_eq!(
        html.matches("Nyt svar").count(),
        1,
        "the post's text is sent once: the page carries no hydration data"
    );
}

// ---------------------------------------------------------------------------------------
// 7. Moderation
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_thread_comes_first_and_a_locked_one_takes_no_replies_or_edits() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (older, _) = start(&app, &cast.author, "Ældre", "x", &[]).await;
    let (newer, newer_post) = start(&app, &cast.author, "Nyere", "y", &[]).await;
    let order = |forum: Value| -> Vec<i64> {
        forum["threads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(
        order(forum_view(&app, &cast.colleague.client, SLUG).await),
        vec![newer, older]
    );
    let (o, n) = (older.to_string(), newer.to_string());
    // Members may not moderate.
    for action in ["pin", "lock"] {
        let (status, body) = call(
            &app,
            &cast.author.client,
            "moderate_thread",
            &[("thread_id", &o), ("action", action)],
        )
        .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{action} by a member: {body}"
        );
    }
    ok(
        &app,
        &cast.moderator.client,
        "moderate_thread",
        &[("thread_id", &o), ("action", "pin")],
    )
    .await;
    let forum = forum_view(&app, &cast.colleague.client, SLUG).await;
    assert_eq!(order(forum.clone()), vec![older, newer]);
    assert_eq!(entry(&forum, older).unwrap()["pinned"], true);
    ok(
        &app,
        &cast.moderator.client,
        "moderate_thread",
        &[("thread_id", &o), ("action", "unpin")],
    )
    .await;
    assert_eq!(
        order(forum_view(&app, &cast.colleague.client, SLUG).await),
        vec![newer, older]
    );

    ok(
        &app,
        &cast.moderator.client,
        "moderate_thread",
        &[("thread_id", &n), ("action", "lock")],
    )
    .await;
    let view = thread_view(&app, &cast.author.client, newer).await;
    assert_eq!(view["locked"], true);
    assert_eq!(view["can_reply"], false);
    let res = app
        .rpc(
            &cast.colleague.client,
            "post_reply",
            &[("thread_id", &n), ("body", "Svar")],
        )
        .await;
    assert_invalid(res, "thread", "locked").await;
    let p = newer_post.to_string();
    let res = app
        .rpc(
            &cast.author.client,
            "edit_post",
            &[("post_id", &p), ("body", "Rettet")],
        )
        .await;
    assert_invalid(res, "thread", "locked").await;
    let res = app
        .rpc(&cast.author.client, "delete_post", &[("post_id", &p)])
        .await;
    assert_invalid(res, "thread", "locked").await;
    let res = app
        .rpc(
            &cast.moderator.client,
            "moderate_thread",
            &[("thread_id", &n), ("action", "explode")],
        )
        .await;
    assert_invalid(res, "action", "unknown").await;
    ok(
        &app,
        &cast.moderator.client,
        "moderate_thread",
        &[("thread_id", &n), ("action", "unlock")],
    )
    .await;
    reply(&app, &cast.colleague, newer, "Nu går det", &[]).await;

    assert_eq!(
        audit_details(&app, "thread_pin").await,
        vec![format!("thread={older}")]
    );
    assert_eq!(
        audit_details(&app, "thread_unpin").await,
        vec![format!("thread={older}")]
    );
    assert_eq!(
        audit_details(&app, "thread_lock").await,
        vec![format!("thread={newer}")]
    );
    assert_eq!(
        audit_details(&app, "thread_unlock").await,
        vec![format!("thread={newer}")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_moves_only_between_groups_one_moderates_and_never_away_from_its_red_recipients() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Flyttes", "x", &[]).await;
    let t = thread.to_string();
    let not_moderated = [("thread_id", t.as_str()), ("target", OTHER_SLUG)];
    let missing = [("thread_id", t.as_str()), ("target", "findes-ikke")];
    let (status, body) = call(&app, &cast.moderator.client, "move_thread", &not_moderated).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        call(&app, &cast.moderator.client, "move_thread", &missing).await,
        (status, body.clone()),
        "a group one does not moderate is like a missing one"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        serde_json::json!({"Invalid": {"field": "target", "reason": "unknown"}})
    );
    let res = app
        .rpc(
            &cast.moderator.client,
            "move_thread",
            &[("thread_id", t.as_str()), ("target", SLUG)],
        )
        .await;
    assert_invalid(res, "target", "same_group").await;
    // A member of the target who only posts there does not moderate it.
    app.add_to_group(cast.other_group, cast.moderator.id, "member")
        .await;
    let res = app
        .rpc(&cast.moderator.client, "move_thread", &not_moderated)
        .await;
    assert_invalid(res, "target", "unknown").await;
    sqlx::query("update group_members set role = 'moderator' where group_id = $1 and user_id = $2")
        .bind(cast.other_group)
        .bind(cast.moderator.id)
        .execute(&app.db)
        .await
        .unwrap();
    let (status, _) = call(&app, &cast.author.client, "move_thread", &not_moderated).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a member may not move");
    ok(&app, &cast.moderator.client, "move_thread", &not_moderated).await;
    assert!(
        entry(
            &forum_view(&app, &cast.moderator.client, OTHER_SLUG).await,
            thread
        )
        .is_some()
    );
    assert!(
        entry(
            &forum_view(&app, &cast.moderator.client, SLUG).await,
            thread
        )
        .is_none()
    );
    // The author is not a member of the target: the thread is gone for them.
    assert!(entry(&forum_view(&app, &cast.author.client, SLUG).await, thread).is_none());
    let (status, _) = call(&app, &cast.author.client, "thread", &[("id", &t)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        audit_details(&app, "thread_move").await,
        vec![format!(
            "thread={thread} from_group={}",
            count(&app, "select id from user_groups where slug = 'forum'").await
        )]
    );

    // A RED thread whose author is not in the target stays.
    let named = user_box(cast.moderator.id);
    let (red, _) = start(
        &app,
        &cast.author,
        "Rød",
        "x",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    let red_move = [
        ("thread_id", red.to_string()),
        ("target", OTHER_SLUG.to_string()),
    ];
    let red_move: Vec<(&str, &str)> = red_move.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app
        .rpc(&cast.moderator.client, "move_thread", &red_move)
        .await;
    assert_invalid(res, "target", "audience_changes").await;
    // ... and a RED reply to someone outside the target keeps the thread home too.
    app.add_to_group(cast.other_group, cast.author.id, "member")
        .await;
    let (plain, _) = start(&app, &cast.author, "Gul med rødt svar", "x", &[]).await;
    let named = user_box(cast.other.id);
    let _ = reply(
        &app,
        &cast.author,
        plain,
        "Kun Dorte",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    let res = app
        .rpc(
            &cast.moderator.client,
            "move_thread",
            &[("thread_id", &plain.to_string()), ("target", OTHER_SLUG)],
        )
        .await;
    assert_invalid(res, "target", "audience_changes").await;
    // With the author a member there, the RED thread may move.
    ok(&app, &cast.moderator.client, "move_thread", &red_move).await;
    thread_view(&app, &cast.author.client, red).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_never_shows_a_restricted_post_to_anyone_new_and_its_refusal_says_nothing_of_hidden_posts()
 {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    // The moderator (Odense) moderates both groups; in the target, Aarhus has the author
    // and Sofie, who is not in the source group.
    app.add_to_group(cast.other_group, cast.moderator.id, "moderator")
        .await;
    app.add_to_group(cast.other_group, cast.author.id, "member")
        .await;
    app.add_to_group(cast.other_group, cast.stranger.id, "member")
        .await;
    let (thread, _) = start(&app, &cast.author, "Grøn tråd", "Offentligt", &[]).await;
    let aarhus = org_box(org_id(&app, "751").await);
    let hidden = reply(
        &app,
        &cast.author,
        thread,
        "Kun Aarhus",
        &[("tlp", "amber+strict"), (aarhus.as_str(), "on")],
    )
    .await;
    let moved = [
        ("thread_id", thread.to_string()),
        ("target", OTHER_SLUG.into()),
    ];
    let moved: Vec<(&str, &str)> = moved.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, refusal) = call(&app, &cast.moderator.client, "move_thread", &moved).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refusal}");
    assert_hidden(
        &app,
        &cast.stranger.client,
        "post_history",
        &[("post_id", &hidden.to_string())],
        &[("post_id", MISSING)],
    )
    .await;
    assert!(
        entry(
            &forum_view(&app, &cast.moderator.client, SLUG).await,
            thread
        )
        .is_some()
    );

    // The same answer as when a post the moderator can see blocks the move.
    let odense = org_box(org_id(&app, "461").await);
    let (visible, _) = start(
        &app,
        &cast.moderator,
        "Kun Odense",
        "x",
        &[("tlp", "amber+strict"), (odense.as_str(), "on")],
    )
    .await;
    app.add_to_group(cast.other_group, cast.reader.id, "member")
        .await;
    let visible_move = [
        ("thread_id", visible.to_string()),
        ("target", OTHER_SLUG.into()),
    ];
    let visible_move: Vec<(&str, &str)> =
        visible_move.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Rikke (Odense) reads in the source group too: nobody new, so this one moves.
    ok(&app, &cast.moderator.client, "move_thread", &visible_move).await;
    let (other, _) = start(
        &app,
        &cast.moderator,
        "Kun Odense igen",
        "x",
        &[("tlp", "amber+strict"), (odense.as_str(), "on")],
    )
    .await;
    let lone = person(
        &app,
        "461",
        "lone@odense.dk",
        "Lone Lund",
        Some((cast.other_group, "member")),
    )
    .await;
    let _ = lone;
    let other_move = [
        ("thread_id", other.to_string()),
        ("target", OTHER_SLUG.into()),
    ];
    let other_move: Vec<(&str, &str)> = other_move.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        call(&app, &cast.moderator.client, "move_thread", &other_move).await,
        (status, refusal)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_post_shows_the_reason_instead_of_its_text_and_is_audited() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Debat", "Start", &[]).await;
    let rude = reply(&app, &cast.colleague, thread, "Grimt sprog", &[]).await;
    let p = rude.to_string();
    let (status, _) = call(
        &app,
        &cast.author.client,
        "remove_post",
        &[("post_id", &p), ("reason", "Nej")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a member may not remove");
    let res = app
        .rpc(
            &cast.moderator.client,
            "remove_post",
            &[("post_id", &p), ("reason", "  ")],
        )
        .await;
    assert_invalid(res, "reason", "required").await;
    let long = "x".repeat(501);
    let res = app
        .rpc(
            &cast.moderator.client,
            "remove_post",
            &[("post_id", &p), ("reason", &long)],
        )
        .await;
    assert_invalid(res, "reason", "too_long").await;
    ok(
        &app,
        &cast.moderator.client,
        "remove_post",
        &[("post_id", &p), ("reason", "Tone")],
    )
    .await;
    for who in [&cast.colleague, &cast.other, &cast.reader, &cast.moderator] {
        let view = thread_view(&app, &who.client, thread).await;
        let removed = post_in(&view, rude);
        assert_eq!(removed["html"], Value::Null, "{removed}");
        assert_eq!(removed["removed"], "Tone");
        assert!(!view.to_string().contains("Grimt"));
    }
    let (status, html) =
        page_status(&app, &cast.reader.client, &format!("/threads/{thread}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Grimt sprog"));
    assert_hidden(
        &app,
        &cast.colleague.client,
        "post_history",
        &[("post_id", &p)],
        &[("post_id", MISSING)],
    )
    .await;
    assert_eq!(
        audit_details(&app, "post_remove").await,
        vec![format!("thread={thread} post={rude}")]
    );

    // A moderator cannot remove what it cannot see.
    let named = user_box(cast.other.id);
    let secret = reply(
        &app,
        &cast.author,
        thread,
        "Kun Dorte",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    assert_hidden(
        &app,
        &cast.moderator.client,
        "remove_post",
        &[("post_id", &secret.to_string()), ("reason", "Tone")],
        &[("post_id", MISSING), ("reason", "Tone")],
    )
    .await;
    assert_eq!(audit_details(&app, "post_remove").await.len(), 1);
}

// ---------------------------------------------------------------------------------------
// 8. Revisions and 9. deletion
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_keeps_the_earlier_version_in_a_history_that_members_alone_may_read() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, opening) = start(&app, &cast.author, "Første titel", "Version et", &[]).await;
    let p = opening.to_string();
    let form = ok(&app, &cast.author.client, "post_edit", &[("post_id", &p)]).await;
    assert_eq!(form["source"], "Version et");
    assert_eq!(form["opening"], true);
    ok(
        &app,
        &cast.author.client,
        "edit_post",
        &[
            ("post_id", &p),
            ("title", "Ny titel"),
            ("body", "Version to"),
        ],
    )
    .await;
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert_eq!(view["title"], "Ny titel");
    assert!(
        post_in(&view, opening)["html"]
            .as_str()
            .unwrap()
            .contains("Version to")
    );
    assert!(post_in(&view, opening)["edited"].is_string());
    let history = ok(
        &app,
        &cast.colleague.client,
        "post_history",
        &[("post_id", &p)],
    )
    .await;
    let revisions = history["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2, "{history}");
    assert_eq!(revisions[0]["current"], true);
    assert!(
        revisions[0]["html"]
            .as_str()
            .unwrap()
            .contains("Version to")
    );
    assert_eq!(revisions[1]["current"], false);
    assert!(
        revisions[1]["html"]
            .as_str()
            .unwrap()
            .contains("Version et")
    );
    let res = app
        .rpc(
            &cast.author.client,
            "edit_post",
            &[
                ("post_id", &p),
                ("title", "x".repeat(201).as_str()),
                ("body", "x"),
            ],
        )
        .await;
    assert_invalid(res, "title", "too_long").await;
    // An empty title field is read as no title: the thread keeps its title.
    ok(
        &app,
        &cast.author.client,
        "edit_post",
        &[("post_id", &p), ("title", ""), ("body", "Version to")],
    )
    .await;
    assert_eq!(
        thread_view(&app, &cast.author.client, thread).await["title"],
        "Ny titel"
    );
    // Not the colleague's to edit; not the stranger's to read.
    assert_hidden(
        &app,
        &cast.colleague.client,
        "post_edit",
        &[("post_id", &p)],
        &[("post_id", MISSING)],
    )
    .await;
    assert_hidden(
        &app,
        &cast.colleague.client,
        "edit_post",
        &[("post_id", &p), ("body", "Kapret")],
        &[("post_id", MISSING), ("body", "Kapret")],
    )
    .await;
    for who in [&cast.stranger, &cast.admin] {
        assert_hidden(
            &app,
            &who.client,
            "post_history",
            &[("post_id", &p)],
            &[("post_id", MISSING)],
        )
        .await;
        let (status, html) =
            page_status(&app, &who.client, &format!("/posts/{opening}/history")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!html.contains("Version"));
    }
    let (status, html) = page_status(
        &app,
        &cast.colleague.client,
        &format!("/posts/{opening}/history"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Version et"));
    let (status, _) =
        page_status(&app, &cast.author.client, &format!("/posts/{opening}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = page_status(
        &app,
        &cast.colleague.client,
        &format!("/posts/{opening}/edit"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_demoted_to_reader_may_no_longer_edit_or_delete_their_posts() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.other, "Tråd", "Start", &[]).await;
    let mine = reply(&app, &cast.author, thread, "Mit svar", &[]).await;
    sqlx::query("update group_members set role = 'reader' where user_id = $1")
        .bind(cast.author.id)
        .execute(&app.db)
        .await
        .unwrap();
    let p = mine.to_string();
    for (op, form) in [
        (
            "edit_post",
            vec![("post_id", p.as_str()), ("body", "Ændret")],
        ),
        ("delete_post", vec![("post_id", p.as_str())]),
    ] {
        let (status, body) = call(&app, &cast.author.client, op, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{op}: {body}");
    }
    let view = thread_view(&app, &cast.author.client, thread).await;
    let post = post_in(&view, mine);
    assert!(
        post["html"].as_str().unwrap().contains("Mit svar"),
        "{post}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earlier_version_is_shown_only_to_those_who_could_see_it_under_its_own_label_and_the_newest()
 {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Tråd", "Start", &[]).await;
    let aarhus = org_box(org_id(&app, "751").await);
    let post = reply(
        &app,
        &cast.author,
        thread,
        "Hemmelig for Aarhus",
        &[("tlp", "amber+strict"), (aarhus.as_str(), "on")],
    )
    .await;
    let p = post.to_string();
    // Raised to RED for Dorte of København, who could not read the first version.
    let dorte = user_box(cast.other.id);
    ok(
        &app,
        &cast.author.client,
        "edit_post",
        &[
            ("post_id", &p),
            ("body", "Nu til Dorte"),
            ("tlp", "red"),
            (dorte.as_str(), "on"),
        ],
    )
    .await;
    let history = ok(&app, &cast.other.client, "post_history", &[("post_id", &p)]).await;
    let revisions = history["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 1, "{history}");
    assert!(!history.to_string().contains("Hemmelig"), "{history}");
    let (_, html) = page_status(&app, &cast.other.client, &format!("/posts/{post}/history")).await;
    assert!(!html.contains("Hemmelig"));
    // The author saw both and still does; a colleague of Aarhus sees neither now.
    let history = ok(
        &app,
        &cast.author.client,
        "post_history",
        &[("post_id", &p)],
    )
    .await;
    assert_eq!(history["revisions"].as_array().unwrap().len(), 2);
    assert_hidden(
        &app,
        &cast.colleague.client,
        "post_history",
        &[("post_id", &p)],
        &[("post_id", MISSING)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_ones_own_post_leaves_a_placeholder_and_anothers_post_is_not_found() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Slet", "Start", &[]).await;
    let mine = reply(&app, &cast.colleague, thread, "Fortrudt", &[]).await;
    let p = mine.to_string();
    for who in [&cast.author, &cast.moderator, &cast.other] {
        assert_hidden(
            &app,
            &who.client,
            "delete_post",
            &[("post_id", &p)],
            &[("post_id", MISSING)],
        )
        .await;
    }
    ok(
        &app,
        &cast.colleague.client,
        "delete_post",
        &[("post_id", &p)],
    )
    .await;
    let view = thread_view(&app, &cast.other.client, thread).await;
    let deleted = post_in(&view, mine);
    assert_eq!(deleted["deleted"], true);
    assert_eq!(deleted["html"], Value::Null);
    assert!(!view.to_string().contains("Fortrudt"));
    let t = thread.to_string();
    let quoted = ok(
        &app,
        &cast.other.client,
        "thread",
        &[("id", &t), ("quote", &p)],
    )
    .await;
    assert_eq!(quoted["quote"], Value::Null);
    for op in ["post_history", "delete_post", "post_edit"] {
        assert_hidden(
            &app,
            &cast.colleague.client,
            op,
            &[("post_id", &p)],
            &[("post_id", MISSING)],
        )
        .await;
    }
}

// ---------------------------------------------------------------------------------------
// 10. Bad input
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_titles_and_bodies_are_refused_with_the_field_and_the_reason() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let author = &cast.author.client;
    let long_title = "x".repeat(300);
    let nested = ">".repeat(10_000) + " dybt";
    let many_links = "[a](b) ".repeat(1_001);
    let cases: Vec<(String, String, &str, &str)> = vec![
        (String::new(), "x".into(), "title", "required"),
        ("   ".into(), "x".into(), "title", "required"),
        (long_title, "x".into(), "title", "too_long"),
        (
            "Svar\u{2066}fra centret".into(),
            "x".into(),
            "title",
            "hidden_characters",
        ),
        ("201".into(), String::new(), "body", "required"),
        ("Tom".into(), " \n\t ".into(), "body", "required"),
        ("Dybt".into(), nested, "body", "too_deep"),
        ("Lister".into(), "- ".repeat(100) + "x", "body", "too_deep"),
        ("Links".into(), many_links, "body", "too_many_links"),
    ];
    for (title, body, field, reason) in &cases {
        let res = app
            .rpc(
                author,
                "start_thread",
                &[("slug", SLUG), ("title", title), ("body", body)],
            )
            .await;
        assert_invalid(res, field, reason).await;
    }
    let just_right = "æ".repeat(200);
    let (thread, _) = start(&app, &cast.author, &just_right, "x", &[]).await;
    assert_eq!(thread_view(&app, author, thread).await["title"], just_right);
    let res = app
        .rpc(
            author,
            "post_reply",
            &[
                ("thread_id", &thread.to_string()),
                ("body", &">".repeat(10_000)),
            ],
        )
        .await;
    assert_invalid(res, "body", "too_deep").await;
    // Missing or malformed fields.
    for form in [
        vec![("slug", SLUG), ("body", "x")],
        vec![("slug", SLUG), ("title", "x")],
        vec![("title", "x"), ("body", "x")],
    ] {
        let (status, body) = call(&app, author, "start_thread", &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form:?}: {body}");
    }
    for form in [
        vec![("thread_id", "abc"), ("body", "x")],
        vec![("thread_id", ""), ("body", "x")],
    ] {
        let (status, body) = call(&app, author, "post_reply", &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form:?}: {body}");
    }
    assert_eq!(count(&app, "select count(*) from forum_threads").await, 1);
    assert_eq!(count(&app, "select count(*) from forum_posts").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_links_are_refused_without_a_server_error() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let res = app
        .rpc(
            &cast.author.client,
            "start_thread",
            &[
                ("slug", SLUG),
                ("title", "Links"),
                ("body", &"[a](b) ".repeat(10_000)),
            ],
        )
        .await;
    let status = res.status();
    assert!(status.is_client_error(), "{status}");
    assert_eq!(count(&app, "select count(*) from forum_threads").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_markdown_limit_is_refused() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let res = app
        .rpc(
            &cast.author.client,
            "start_thread",
            &[
                ("slug", SLUG),
                ("title", "Langt"),
                ("body", &"a".repeat(100_001)),
            ],
        )
        .await;
    // Over the 64 KiB form limit: 413 before the Markdown limit is reached.
    assert!(
        res.status() == StatusCode::PAYLOAD_TOO_LARGE || res.status() == StatusCode::BAD_REQUEST,
        "{}",
        res.status()
    );
    assert_eq!(count(&app, "select count(*) from forum_threads").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_within_the_markdown_limit_of_100000_characters_is_accepted() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    // 70,000 characters is within `markdown::MAX_SOURCE_CHARS`.
    let body = "Lang tekst. ".repeat(70_000 / 12);
    let (status, answer) = call(
        &app,
        &cast.author.client,
        "start_thread",
        &[("slug", SLUG), ("title", "Lang"), ("body", &body)],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{} characters: {answer}",
        body.chars().count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_and_scripts_in_titles_and_bodies_are_stored_and_shown_as_inert_text() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let title = "<script>alert(1)</script><img src=x onerror=alert(1)>";
    let body = "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n\
                [klik](javascript:alert(1)) <a href=\"javascript:alert(2)\">x</a>\n\n\
                <iframe src=\"https://evil.example\"></iframe>";
    let (thread, opening) = start(&app, &cast.author, title, body, &[]).await;
    let view = thread_view(&app, &cast.colleague.client, thread).await;
    assert_eq!(view["title"], title, "the title is stored as written");
    let html = post_in(&view, opening)["html"]
        .as_str()
        .unwrap()
        .to_string();
    for bad in ["<script", "<img", "<iframe", "<a href=\"javascript"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("&lt;script&gt;"), "{html}");
    // The javascript: link loses its target; the raw <a> is text.
    assert!(
        html.contains("<a rel=\"noopener noreferrer nofollow\">klik</a>"),
        "{html}"
    );
    assert!(html.contains("&lt;a href="), "{html}");
    let list = forum_view(&app, &cast.colleague.client, SLUG).await;
    assert_eq!(entry(&list, thread).unwrap()["title"], title);
    for path in [
        format!("/threads/{thread}"),
        format!("/groups/{SLUG}/forum"),
    ] {
        let (status, page) = page_status(&app, &cast.colleague.client, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        // Inside <title> markup is text (RCDATA) and inert; the rest must be escaped.
        let page = match (page.find("<title>"), page.find("</title>")) {
            (Some(open), Some(close)) if open < close => {
                format!("{}{}", &page[..open], &page[close..])
            }
            _ => page,
        };
        for raw in [
            "<script>alert(1)</script>",
            "<img src=x onerror",
            "<iframe",
            "<a href=\"javascript",
        ] {
            if let Some(at) = page.find(raw) {
                let from = page[..at]
                    .char_indices()
                    .rev()
                    .nth(300)
                    .map_or(0, |(i, _)| i);
                let to = (at + 200).min(page.len());
                let to = (to..page.len())
                    .find(|i| page.is_char_boundary(*i))
                    .unwrap_or(page.len());
                panic!("{path} contains {raw}: …{}…", &page[from..to]);
            }
        }
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path} shows the title as text"
        );
    }
    // The page's <title> is raw text to a browser, up to the first "</title>".
    let escape = "</title><script>alert(document.domain)</script>";
    let (breakout, _) = start(&app, &cast.author, escape, "x", &[]).await;
    let (status, page) = page_status(
        &app,
        &cast.colleague.client,
        &format!("/threads/{breakout}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let head = &page[..page.find("</head>").unwrap_or(page.len())];
    assert!(
        !page.contains("<script>alert(document.domain)</script>"),
        "a title ends the page's <title> and runs a script: {}",
        &head[head.find("<title>").unwrap_or(0)..]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_in_forum_forms_gets_400_and_stores_nothing() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, _) = start(&app, &cast.author, "Tråd", "x", &[]).await;
    let raw = |op: &'static str, body: Vec<u8>| {
        cast.author
            .client
            .post(format!("{}/rpc/{op}", app.url))
            .header("origin", &app.url)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("start_thread", b"slug=forum&title=%FF%FE&body=x".to_vec()),
        ("start_thread", b"slug=forum&title=x&body=%C3".to_vec()),
        (
            "start_thread",
            [&b"slug=forum&title="[..], &[0xff, 0xfe], &b"&body=x"[..]].concat(),
        ),
        (
            "post_reply",
            format!("thread_id={thread}&body=%FF").into_bytes(),
        ),
        ("edit_post", b"post_id=1&body=%ED%A0%80".to_vec()),
        ("preview_post", b"body=%FF%FE".to_vec()),
    ];
    let mut wrong = Vec::new();
    for (op, body) in bodies {
        let shown = String::from_utf8_lossy(&body).to_string();
        let res = raw(op, body).send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        if status != StatusCode::BAD_REQUEST {
            wrong.push(format!("{op} {shown}: {status} {text}"));
        }
    }
    let stored: Vec<String> = sqlx::query_scalar("select title from forum_threads order by id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(
        wrong.is_empty(),
        "not refused:\n{}\nstored titles: {stored:?}",
        wrong.join("\n")
    );
    assert_eq!(count(&app, "select count(*) from forum_threads").await, 1);
    assert_eq!(count(&app, "select count(*) from forum_posts").await, 1);
    let view = thread_view(&app, &cast.author.client, thread).await;
    assert!(!view.to_string().contains('\u{fffd}'));
}

// ---------------------------------------------------------------------------------------
// 11. Preview
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_renders_the_post_and_stores_nothing() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let preview = ok(
        &app,
        &cast.author.client,
        "start_thread",
        &[
            ("slug", SLUG),
            ("title", "Udkast"),
            ("body", "**fed** @Dorte Dahl"),
            ("intent", "preview"),
        ],
    )
    .await;
    let html = preview["Preview"]["html"]
        .as_str()
        .unwrap_or_else(|| panic!("{preview}"));
    assert!(html.contains("<strong>fed</strong>"), "{html}");
    assert_eq!(count(&app, "select count(*) from forum_threads").await, 0);
    assert!(
        forum_view(&app, &cast.author.client, SLUG).await["threads"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(notifications(&app, cast.other.id).await.is_empty());

    let (thread, opening) = start(&app, &cast.author, "Rigtig", "Start", &[]).await;
    let t = thread.to_string();
    let preview = ok(
        &app,
        &cast.colleague.client,
        "post_reply",
        &[
            ("thread_id", &t),
            ("body", "_kursiv_"),
            ("intent", "preview"),
        ],
    )
    .await;
    assert!(
        preview["Preview"]["html"]
            .as_str()
            .unwrap()
            .contains("<em>kursiv</em>")
    );
    let preview = ok(
        &app,
        &cast.author.client,
        "edit_post",
        &[
            ("post_id", &opening.to_string()),
            ("body", "Ændret"),
            ("intent", "preview"),
        ],
    )
    .await;
    assert!(
        preview["Preview"]["html"]
            .as_str()
            .unwrap()
            .contains("Ændret")
    );
    assert_eq!(count(&app, "select count(*) from forum_posts").await, 1);
    assert_eq!(count(&app, "select count(*) from post_revisions").await, 0);
    assert_eq!(count(&app, "select count(*) from thread_watches").await, 1);
    let view = thread_view(&app, &cast.author.client, thread).await;
    assert_eq!(post_in(&view, opening)["edited"], Value::Null);

    let rendered = ok(
        &app,
        &cast.reader.client,
        "preview_post",
        &[("body", "# Overskrift")],
    )
    .await;
    assert!(
        rendered.as_str().unwrap().contains("<h1>Overskrift</h1>"),
        "{rendered}"
    );
    let res = app
        .rpc(&cast.reader.client, "preview_post", &[("body", "")])
        .await;
    assert_invalid(res, "body", "required").await;
    let res = app
        .rpc(
            &cast.author.client,
            "start_thread",
            &[
                ("slug", SLUG),
                ("title", "x"),
                ("body", ""),
                ("intent", "preview"),
            ],
        )
        .await;
    assert_invalid(res, "body", "required").await;
    let (status, _) = call(&app, &cast.nobody, "preview_post", &[("body", "x")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A preview says nothing about whether a group or thread exists.
    for (op, real, missing) in [
        (
            "start_thread",
            vec![
                ("slug", SLUG),
                ("title", "x"),
                ("body", "y"),
                ("intent", "preview"),
            ],
            vec![
                ("slug", "findes-ikke"),
                ("title", "x"),
                ("body", "y"),
                ("intent", "preview"),
            ],
        ),
        (
            "post_reply",
            vec![
                ("thread_id", t.as_str()),
                ("body", "y"),
                ("intent", "preview"),
            ],
            vec![("thread_id", MISSING), ("body", "y"), ("intent", "preview")],
        ),
    ] {
        let got = call(&app, &cast.stranger.client, op, &real).await;
        let expected = call(&app, &cast.stranger.client, op, &missing).await;
        assert_eq!(got, expected, "{op} preview by a stranger");
    }
    assert_eq!(count(&app, "select count(*) from forum_threads").await, 1);
}
