//! Library pages (Markdown written in the browser), walked as an access matrix: the
//! editor's route and server functions and the comparison of two versions, as each kind
//! of person against pages of each label, hidden ones answered exactly as missing ones;
//! then the new page's route and server functions as members, a reader and a stranger.
//! Then the editor's body limit, a refused plain form post that keeps what was typed,
//! and a page's image.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use std::collections::BTreeMap;
use vaern_core::group_content::Audience;
use vaern_core::ids::{OrgId, UserId};
use vaern_core::library::pages::{self, NewPage, PageEdit};
use vaern_core::library::{self, Libraries, Upload};
use vaern_core::policy::{PlatformRole, Tlp, Viewer};

const SLUG: &str = "bibliotek";
/// An id no document has.
const MISSING: i64 = 999_999;
/// A slug no group has.
const MISSING_SLUG: &str = "findes-ikke";
/// The first bytes of a PNG image: enough for its type to be recognised.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
/// The title of the page a hidden or refused page route shows.
const NOT_FOUND_TITLE: &str = "Siden findes ikke";

fn libraries(app: &TestApp) -> Libraries {
    Libraries {
        db: app.db.clone(),
        files: library::store::BlobStore::new(app.data_dir()),
        audit: app.audit(),
        hub: vaern_core::notifications::Hub::new(),
    }
}

async fn viewer_of(app: &TestApp, id: UserId) -> Viewer {
    vaern_core::accounts::sessions::load_viewer(&app.db, id)
        .await
        .expect("viewer")
}

async fn org_id(app: &TestApp, code: &str) -> OrgId {
    vaern_core::orgs::find_by_code(&app.db, code)
        .await
        .expect("organisation is seeded")
        .id
}

/// Writes a page as `author` in the group `slug`, as the editor would, and returns its id.
async fn write_in(
    app: &TestApp,
    author: UserId,
    slug: &str,
    title: &str,
    body: &str,
    tlp: Option<Tlp>,
    audience: Audience,
) -> i64 {
    let page = NewPage {
        title: title.into(),
        body: body.into(),
        tlp,
        audience,
        ..NewPage::default()
    };
    pages::write_page(
        &libraries(app),
        &viewer_of(app, author).await,
        slug,
        page,
        "test",
    )
    .await
    .expect("page written")
    .document_id
}

async fn write(app: &TestApp, author: UserId, title: &str, body: &str) -> i64 {
    write_in(app, author, SLUG, title, body, None, Audience::default()).await
}

/// Saves `body` as the newest version of page `id`, as the editor would.
async fn edit(app: &TestApp, author: UserId, id: i64, body: &str) -> i64 {
    let edit = PageEdit {
        based_on: newest_version(app, id).await,
        body: body.into(),
        change_note: "Opdateret".into(),
        ..PageEdit::default()
    };
    pages::edit_page(
        &libraries(app),
        &viewer_of(app, author).await,
        id,
        edit,
        "test",
    )
    .await
    .expect("page edited")
    .version
}

/// Adds `bytes` as a document of `author`'s to the library of group `slug`.
async fn add_file(app: &TestApp, author: UserId, slug: &str, name: &str, bytes: &[u8]) -> i64 {
    add_labelled(app, author, slug, name, bytes, Upload::default()).await
}

async fn add_labelled(
    app: &TestApp,
    author: UserId,
    slug: &str,
    name: &str,
    bytes: &[u8],
    upload: Upload,
) -> i64 {
    let libraries = libraries(app);
    let mut incoming = libraries.files.incoming(1024).await.expect("incoming");
    incoming.write(bytes).await.expect("write");
    let received = incoming.finish().await.expect("finish");
    let upload = Upload {
        file_name: name.into(),
        ..upload
    };
    library::add_document(
        &libraries,
        &viewer_of(app, author).await,
        slug,
        upload,
        received,
        "test",
    )
    .await
    .expect("document added")
    .document_id
}

/// A PNG that differs from the other documents' files, so that no two share a blob.
fn png(tail: &str) -> Vec<u8> {
    [PNG, tail.as_bytes()].concat()
}

/// The newest version of document `id` (0 for none), read from the database.
async fn newest_version(app: &TestApp, id: i64) -> i64 {
    sqlx::query_scalar(
        "select coalesce(max(version), 0) from document_versions where document_id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("newest version")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db)
        .await
        .expect("count")
}

/// Everything a write leaves behind: documents, versions, blobs, and files on their way
/// into the store.
async fn stored(app: &TestApp) -> (i64, i64, i64, usize) {
    let incoming = std::fs::read_dir(app.data_dir().join("incoming"))
        .map(|dir| dir.count())
        .unwrap_or(0);
    (
        count(app, "select count(*) from documents").await,
        count(app, "select count(*) from document_versions").await,
        count(app, "select count(*) from blobs").await,
        incoming,
    )
}

/// The newest version's text, as a member downloads it.
async fn newest_text(app: &TestApp, who: &Client, id: i64) -> String {
    let res = app.get(who, &format!("/documents/{id}/download")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.expect("text")
}

struct Person {
    name: &'static str,
    client: Client,
    id: UserId,
}

/// The people of the group `bibliotek`, each in their own browser.
struct Cast {
    /// Odense, owner of the group: writes every page.
    owner: Person,
    /// Aarhus, member.
    aarhus: Person,
    /// København, member.
    copenhagen: Person,
    /// Odense, reader: in the owner's organisation, but may not write.
    reader: Person,
    /// Odense, signed in but not in the group.
    stranger: Person,
}

async fn cast(app: &TestApp) -> Cast {
    let group = app.group(SLUG).await;
    let mut people = Vec::new();
    for (name, org, email, role) in [
        ("owner", "461", "ejer@odense.dk", Some("owner")),
        ("aarhus", "751", "medlem@aarhus.dk", Some("member")),
        ("copenhagen", "101", "medlem@kk.dk", Some("member")),
        ("reader", "461", "laeser@odense.dk", Some("reader")),
        ("stranger", "461", "fremmed@odense.dk", None),
    ] {
        let (client, id) = app.signed_in(org, email, PlatformRole::Member, false).await;
        if let Some(role) = role {
            app.add_to_group(group, id, role).await;
        }
        people.push(Person { name, client, id });
    }
    let mut people = people.into_iter();
    let mut next = || people.next().expect("person");
    Cast {
        owner: next(),
        aarhus: next(),
        copenhagen: next(),
        reader: next(),
        stranger: next(),
    }
}

/// What an operation needs besides seeing the page (or, for a new page, the group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// Nothing: whoever sees the document reads it.
    Sight,
    /// Writing in the group (members, not readers).
    Write,
}

/// How a person fares with one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// 200: done, or read.
    Done,
    /// The person sees the page or group but may not do this: 403 from a server
    /// function; a page answers it with the not-found page (404), as every page does.
    Refused,
    /// Answered exactly as a missing page or group is (404).
    Hidden,
}

fn expected(sees: bool, may: bool) -> Outcome {
    match (sees, may) {
        (false, _) => Outcome::Hidden,
        (true, false) => Outcome::Refused,
        (true, true) => Outcome::Done,
    }
}

/// Whether `got` is the outcome expected; `missing` calls the same operation on a
/// missing subject, for a hidden one.
async fn fares(
    got: &Answer,
    expected: Outcome,
    is_page: bool,
    missing: impl Future<Output = Answer>,
) -> bool {
    match expected {
        Outcome::Done => got.status == StatusCode::OK,
        Outcome::Refused if is_page => {
            got.status == StatusCode::NOT_FOUND && got.body.contains(NOT_FOUND_TITLE)
        }
        Outcome::Refused => got.status == StatusCode::FORBIDDEN,
        Outcome::Hidden => {
            let missing = missing.await;
            missing.status == StatusCode::NOT_FOUND && *got == missing
        }
    }
}

/// Every way to reach an existing page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageOp {
    EditRoute,
    PageEditFn,
    CompareFn,
    CompareRoute,
    EditPageFn,
}

/// The reads first, then the saves (which add versions 3, 4, ...; the comparison is of
/// versions 1 and 2 throughout).
const PAGE_OPS: [PageOp; 5] = [
    PageOp::EditRoute,
    PageOp::PageEditFn,
    PageOp::CompareFn,
    PageOp::CompareRoute,
    PageOp::EditPageFn,
];

impl PageOp {
    fn needs(self) -> Needs {
        match self {
            PageOp::EditRoute | PageOp::PageEditFn | PageOp::EditPageFn => Needs::Write,
            PageOp::CompareFn | PageOp::CompareRoute => Needs::Sight,
        }
    }

    fn is_page(self) -> bool {
        matches!(self, PageOp::EditRoute | PageOp::CompareRoute)
    }

    /// Calls the operation on page `id` as `who`: a browser loads the routes, the
    /// hydrated page calls the server functions.
    async fn call(self, app: &TestApp, who: &Person, id: i64) -> Answer {
        let client = &who.client;
        let document = id.to_string();
        let res = match self {
            PageOp::EditRoute => app.get(client, &format!("/documents/{id}/edit")).await,
            PageOp::PageEditFn => app.rpc(client, "page_edit", &[("id", &document)]).await,
            PageOp::CompareFn => {
                app.rpc(
                    client,
                    "compare_versions",
                    &[("id", &document), ("from", "1"), ("to", "2")],
                )
                .await
            }
            PageOp::CompareRoute => {
                app.get(client, &format!("/documents/{id}/compare?from=1&to=2"))
                    .await
            }
            PageOp::EditPageFn => {
                // Based on the newest version, read just before: only access decides.
                let based_on = newest_version(app, id).await.to_string();
                let body = format!("# Tjekliste\n\n- [x] Rettet af {}\n", who.name);
                app.rpc(
                    client,
                    "edit_page",
                    &[
                        ("document_id", &document),
                        ("based_on", &based_on),
                        ("body", &body),
                        ("change_note", "Rettelse"),
                        ("intent", "save"),
                    ],
                )
                .await
            }
        };
        answer(res).await
    }
}

/// The changes (not reads) `user` made to documents that the audit log holds, chained or
/// still staged: to document `id`, or, without one, new documents.
async fn changes_audited(app: &TestApp, user: UserId, id: Option<i64>) -> i64 {
    let (action, id) = match id {
        Some(id) => ("document_version", id),
        None => ("document_upload", 0),
    };
    sqlx::query_scalar(
        "select count(*) from (select actor_user_id, action, subject_kind, subject_id, \
         outcome from audit_log union all select actor_user_id, action, subject_kind, \
         subject_id, outcome from audit_staged) \
         where actor_user_id = $1 and subject_kind = 'document' and outcome = 'success' \
         and action = $2 and ($3 = 0 or subject_id = $3)",
    )
    .bind(user)
    .bind(action)
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("audit rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_edits_and_compares_a_page_as_its_label_allows_and_hidden_ones_answer_as_missing()
 {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let odense = org_id(&app, "461").await;
    let mut labelled = Vec::new();
    for (title, tlp, audience) in [
        ("Tjekliste AMBER", Some(Tlp::Amber), Audience::default()),
        (
            "Tjekliste AMBER+STRICT",
            Some(Tlp::AmberStrict),
            Audience {
                orgs: vec![odense],
                ..Audience::default()
            },
        ),
        (
            "Tjekliste RED",
            Some(Tlp::Red),
            Audience {
                users: vec![c.aarhus.id],
                ..Audience::default()
            },
        ),
        ("Tjekliste fjernet", None, Audience::default()),
    ] {
        let id = write_in(
            &app,
            c.owner.id,
            SLUG,
            title,
            "# Tjekliste\n\n- [ ] Første punkt\n",
            tlp,
            audience,
        )
        .await;
        edit(
            &app,
            c.owner.id,
            id,
            "# Tjekliste\n\n- [ ] Første punkt\n- [ ] Andet punkt\n",
        )
        .await;
        labelled.push(id);
    }
    let [amber, strict, red, removed] = labelled[..] else {
        unreachable!("four pages")
    };
    library::remove_document(
        &libraries(&app),
        &viewer_of(&app, c.owner.id).await,
        removed,
        "Forældet",
        "test",
    )
    .await
    .expect("removed");

    let people = [&c.aarhus, &c.copenhagen, &c.reader, &c.stranger, &c.owner];
    // Who sees each page, in the order of `people`.
    let documents: [(&str, i64, [bool; 5]); 4] = [
        ("AMBER", amber, [true, true, true, false, true]),
        (
            "AMBER+STRICT for Odense",
            strict,
            [false, false, true, false, true],
        ),
        ("RED naming Aarhus", red, [true, false, false, false, true]),
        ("removed", removed, [false, false, false, false, false]),
    ];

    let mut wrong = Vec::new();
    // The versions each person saved of each page, and each page's versions in all.
    let mut saved: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    let mut versions = BTreeMap::new();
    for (_, id, _) in &documents {
        // Two, or none left for the removed one.
        versions.insert(*id, newest_version(&app, *id).await);
    }
    // Who saved each page's newest version, if not its owner's second.
    let mut last_saved_by: BTreeMap<i64, &str> = BTreeMap::new();
    for op in PAGE_OPS {
        for (label, id, sees) in &documents {
            for (person, sees) in people.iter().zip(sees) {
                let may = op.needs() == Needs::Sight || person.name != "reader";
                let expected = expected(*sees, may);
                let before = stored(&app).await;
                let got = op.call(&app, person, *id).await;
                if op == PageOp::EditPageFn {
                    if expected == Outcome::Done {
                        *saved.entry((*id, person.name)).or_default() += 1;
                        *versions.entry(*id).or_default() += 1;
                        last_saved_by.insert(*id, person.name);
                    } else if stored(&app).await != before {
                        wrong.push(format!("{op:?} on {label} as {}: stored", person.name));
                    }
                }
                let missing = op.call(&app, person, MISSING);
                if !fares(&got, expected, op.is_page(), missing).await {
                    wrong.push(format!(
                        "{op:?} on {label} as {}: {} {:.300}, expected {expected:?}",
                        person.name, got.status, got.body
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that differ from the matrix:\n{}",
        wrong.join("\n")
    );
    for (label, id, _) in &documents {
        // A refused or hidden save stored no version; each one done is audited once.
        assert_eq!(newest_version(&app, *id).await, versions[id], "{label}");
        for person in people {
            let done = saved.get(&(*id, person.name)).copied().unwrap_or(0);
            let audited = changes_audited(&app, person.id, Some(*id)).await;
            let audited = if person.name == "owner" {
                // The owner's own second version, saved before the walk.
                audited - 1
            } else {
                audited
            };
            assert_eq!(audited, done, "versions of {label} by {}", person.name);
        }
    }
    // What was saved is what the newest version holds.
    for (id, name) in &last_saved_by {
        assert_eq!(
            newest_text(&app, &c.owner.client, *id).await,
            format!("# Tjekliste\n\n- [x] Rettet af {name}\n")
        );
    }
}

/// Every way to start a new page in a group's library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewOp {
    NewPageRoute,
    NewPageFn,
    WritePageFn,
}

impl NewOp {
    fn is_page(self) -> bool {
        self == NewOp::NewPageRoute
    }

    async fn call(self, app: &TestApp, who: &Person, slug: &str) -> Answer {
        let client = &who.client;
        let res = match self {
            NewOp::NewPageRoute => {
                app.get(client, &format!("/groups/{slug}/library/new-page"))
                    .await
            }
            NewOp::NewPageFn => app.rpc(client, "new_page", &[("slug", slug)]).await,
            NewOp::WritePageFn => {
                let title = format!("Vejledning af {}", who.name);
                app.rpc(
                    client,
                    "write_page",
                    &[
                        ("slug", slug),
                        ("title", &title),
                        ("body", "# Vejledning\n\nSådan gør vi.\n"),
                        ("tlp", "green"),
                        ("intent", "save"),
                    ],
                )
                .await
            }
        };
        answer(res).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_write_new_pages_a_reader_is_refused_and_a_stranger_finds_no_group() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let people = [&c.owner, &c.aarhus, &c.copenhagen, &c.reader, &c.stranger];
    let mut wrong = Vec::new();
    for op in [NewOp::NewPageRoute, NewOp::NewPageFn, NewOp::WritePageFn] {
        for person in people {
            let expected = match person.name {
                "stranger" => Outcome::Hidden,
                "reader" => Outcome::Refused,
                _ => Outcome::Done,
            };
            let before = stored(&app).await;
            let got = op.call(&app, person, SLUG).await;
            if op == NewOp::WritePageFn && expected != Outcome::Done && stored(&app).await != before
            {
                wrong.push(format!("{op:?} as {}: stored", person.name));
            }
            let missing = op.call(&app, person, MISSING_SLUG);
            if !fares(&got, expected, op.is_page(), missing).await {
                wrong.push(format!(
                    "{op:?} as {}: {} {:.300}, expected {expected:?}",
                    person.name, got.status, got.body
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that differ from the matrix:\n{}",
        wrong.join("\n")
    );
    // Each member wrote one page, as they sent it, audited once; nobody else wrote any.
    for person in people {
        let member = !matches!(person.name, "reader" | "stranger");
        let written: Vec<(i64, String, String)> = sqlx::query_as(
            "select id, title, tlp from documents where author_id = $1 and removed_at is null",
        )
        .bind(person.id)
        .fetch_all(&app.db)
        .await
        .expect("documents");
        assert_eq!(
            written.len(),
            usize::from(member),
            "pages by {}",
            person.name
        );
        assert_eq!(
            changes_audited(&app, person.id, None).await,
            i64::from(member),
            "new pages audited for {}",
            person.name
        );
        if let Some((id, title, tlp)) = written.first() {
            assert_eq!(title, &format!("Vejledning af {}", person.name));
            assert_eq!(tlp, "green");
            assert_eq!(
                newest_text(&app, &c.aarhus.client, *id).await,
                "# Vejledning\n\nSådan gør vi.\n"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_library_and_a_page_offer_writing_editing_and_comparing_only_to_those_who_may() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = write(&app, c.owner.id, "Tjekliste", "# Tjekliste\n").await;
    let document = format!("/documents/{id}");
    let library = format!("/groups/{SLUG}/library");
    let new_page_link = format!("href=\"/groups/{SLUG}/library/new-page\"");
    let edit_link = format!("href=\"/documents/{id}/edit\"");
    let compare_form = format!("action=\"/documents/{id}/compare\"");

    let member = html(&app, &c.aarhus, &library).await;
    assert!(member.contains(&new_page_link) && member.contains("Ny side"));
    let reader = html(&app, &c.reader, &library).await;
    assert!(!reader.contains(&new_page_link));

    // One version: nothing to compare yet.
    let member = html(&app, &c.aarhus, &document).await;
    assert!(member.contains(&edit_link) && member.contains("Rediger siden"));
    assert!(!member.contains(&compare_form));
    let reader = html(&app, &c.reader, &document).await;
    assert!(!reader.contains(&edit_link));

    edit(&app, c.owner.id, id, "# Tjekliste\n\n- [ ] Nyt punkt\n").await;
    for who in [&c.aarhus, &c.reader] {
        let page = html(&app, who, &document).await;
        assert!(page.contains(&compare_form), "as {}", who.name);
        assert!(page.contains("Sammenlign versioner"), "as {}", who.name);
    }
}

/// A page that must load: its HTML.
async fn html(app: &TestApp, who: &Person, path: &str) -> String {
    let res = app.get(&who.client, path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path} as {}", who.name);
    res.text().await.expect("page")
}

/// Writes a page titled "Lang side" with `body`, as the hydrated editor does.
async fn write_long_page(app: &TestApp, who: &Client, body: &str) -> reqwest::Response {
    app.rpc(
        who,
        "write_page",
        &[
            ("slug", SLUG),
            ("title", "Lang side"),
            ("body", body),
            ("intent", "save"),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_100000_danish_characters_fits_the_route_and_one_more_character_is_refused() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let who = &c.aarhus.client;

    // Form-encoded, each "æ" is "%C3%A6": about 600 KB, over the global 64 KiB.
    let longest = "æ".repeat(100_000);
    let res = write_long_page(&app, who, &longest).await;
    let status = res.status();
    let saved = json(res).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let id = saved["Saved"]["document_id"].as_i64().expect("saved page");
    assert_eq!(saved["Saved"]["version"], 1);
    assert_eq!(newest_text(&app, who, id).await, longest, "stored whole");

    // A new version of the same length goes through the editor's route too.
    let edited = "ø".repeat(100_000);
    let res = app
        .rpc(
            who,
            "edit_page",
            &[
                ("document_id", &id.to_string()),
                ("based_on", "1"),
                ("body", &edited),
                ("intent", "save"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(newest_text(&app, who, id).await, edited, "stored whole");

    let before = stored(&app).await;
    assert_invalid(
        write_long_page(&app, who, &"æ".repeat(100_001)).await,
        "body",
        "too_long",
    )
    .await;
    assert_eq!(stored(&app).await, before, "nothing stored");

    // Over the route's 1 MiB: refused before the server function runs.
    let res = write_long_page(&app, who, &"æ".repeat(200_000)).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // The unread rest of the body ends the connection, and the client is told so.
    assert_eq!(
        res.headers()
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close")
    );
    assert_eq!(stored(&app).await, before, "nothing stored");

    // The server keeps serving.
    let res = app
        .get(who, &format!("/groups/{SLUG}/library/new-page"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(newest_text(&app, who, id).await, edited);
}

/// Follows a refused plain post back to its form: the page it was sent back to.
async fn sent_back(app: &TestApp, who: &Client, res: reqwest::Response, form: &str) -> String {
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = location(&res).expect("sent back");
    assert!(
        back.starts_with(&format!("{}{form}?", app.url)),
        "back to {form}, not {back}"
    );
    let page = who.get(&back).send().await.expect("form");
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.expect("form")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_refused_for_an_image_of_another_group_comes_back_to_the_form_with_the_text_typed() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let other = app.group("andre").await;
    app.add_to_group(other, c.owner.id, "owner").await;
    let elsewhere = add_file(&app, c.owner.id, "andre", "kort.png", &png("andre")).await;
    let form = format!("/groups/{SLUG}/library/new-page");
    let body = format!("# Netværket\n\nSådan ser det ud:\n\n![Kortet](/files/{elsewhere})\n");

    let before = stored(&app).await;
    let res = app
        .post_without_wasm(
            &c.owner.client,
            "write_page",
            &form,
            &[
                ("slug", SLUG),
                ("title", "Netværkskort over Odense"),
                ("body", &body),
                ("intent", "save"),
            ],
        )
        .await;
    let page = sent_back(&app, &c.owner.client, res, &form).await;
    assert!(
        page.contains("Et billede på siden er ikke et billeddokument i denne gruppes bibliotek"),
        "the reason is shown"
    );
    assert!(
        page.contains("value=\"Netværkskort over Odense\""),
        "title kept"
    );
    assert!(page.contains("Sådan ser det ud:"), "body kept");
    assert!(
        page.contains(&format!("![Kortet](/files/{elsewhere})")),
        "body kept"
    );
    assert_eq!(stored(&app).await, before, "nothing stored");

    // Nor is an image of the group that the writer may not see, or a file that is not
    // an image, accepted.
    let odense = org_id(&app, "461").await;
    let strict = add_labelled(
        &app,
        c.owner.id,
        SLUG,
        "odense.png",
        &png("odense"),
        Upload {
            tlp: Some(Tlp::AmberStrict),
            audience: Audience {
                orgs: vec![odense],
                ..Audience::default()
            },
            ..Upload::default()
        },
    )
    .await;
    let text = add_file(&app, c.owner.id, SLUG, "noter.txt", b"Noter").await;
    let before = stored(&app).await;
    for image in [strict, text, MISSING] {
        let res = app
            .rpc(
                &c.aarhus.client,
                "write_page",
                &[
                    ("slug", SLUG),
                    ("title", "Side"),
                    ("body", &format!("![x](/files/{image})")),
                    ("intent", "save"),
                ],
            )
            .await;
        assert_invalid(res, "body", "image_not_in_group").await;
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_based_on_a_replaced_version_comes_back_to_the_editor_with_the_text_typed() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = write(
        &app,
        c.owner.id,
        "Beredskab",
        "# Beredskab\n\nRing til vagten.\n",
    )
    .await;
    // Aarhus opens the editor on version 1; meanwhile the owner saves version 2.
    let editor = app
        .rpc(&c.aarhus.client, "page_edit", &[("id", &id.to_string())])
        .await;
    let editor = json(editor).await;
    assert_eq!(editor["version"], 1);
    assert_eq!(editor["body"], "# Beredskab\n\nRing til vagten.\n");
    edit(
        &app,
        c.owner.id,
        id,
        "# Beredskab\n\nRing til vagtcentralen.\n",
    )
    .await;

    let form = format!("/documents/{id}/edit");
    let typed = "# Beredskab\n\nRing til vagten på 1234 5678.\n";
    let before = stored(&app).await;
    let res = app
        .post_without_wasm(
            &c.aarhus.client,
            "edit_page",
            &form,
            &[
                ("document_id", &id.to_string()),
                ("based_on", "1"),
                ("body", typed),
                ("change_note", "Nyt nummer"),
                ("intent", "save"),
            ],
        )
        .await;
    let page = sent_back(&app, &c.aarhus.client, res, &form).await;
    assert!(
        page.contains("En anden har gemt en nyere version af siden, mens du redigerede."),
        "the reason is shown"
    );
    assert!(page.contains("Ring til vagten på 1234 5678."), "body kept");
    assert!(page.contains("value=\"Nyt nummer\""), "change note kept");
    assert_eq!(stored(&app).await, before, "nothing stored");
    assert_eq!(newest_version(&app, id).await, 2);
    assert_eq!(
        newest_text(&app, &c.aarhus.client, id).await,
        "# Beredskab\n\nRing til vagtcentralen.\n"
    );

    // The same refusal as the hydrated editor meets it.
    let res = app
        .rpc(
            &c.aarhus.client,
            "edit_page",
            &[
                ("document_id", &id.to_string()),
                ("based_on", "1"),
                ("body", typed),
                ("intent", "save"),
            ],
        )
        .await;
    assert_invalid(res, "version", "conflict").await;
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_shows_an_image_of_its_own_groups_library() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let image = add_file(&app, c.owner.id, SLUG, "skjold.png", &png("skjold")).await;
    let id = write(
        &app,
        c.aarhus.id,
        "Logo",
        &format!("# Vores logo\n\n![x](/files/{image})\n"),
    )
    .await;
    let res = app
        .get(&c.copenhagen.client, &format!("/documents/{id}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.expect("page");
    assert!(
        page.contains(&format!("<img src=\"/files/{image}\"")),
        "the image is shown"
    );
    assert!(page.contains("Vores logo</h1>"), "the page is rendered");
    let res = app
        .get(&c.copenhagen.client, &format!("/files/{image}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_page_is_edited_in_the_browser_and_only_text_versions_are_compared() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let image = add_file(&app, c.owner.id, SLUG, "logo.png", &png("logo")).await;
    let page = write(&app, c.owner.id, "Side", "Første udgave\n").await;
    edit(&app, c.owner.id, page, "Anden udgave\n").await;
    let who = &c.aarhus.client;
    let res = app
        .rpc(who, "page_edit", &[("id", &image.to_string())])
        .await;
    assert_invalid(res, "document", "not_a_page").await;
    let before = stored(&app).await;
    let res = app
        .rpc(
            who,
            "edit_page",
            &[
                ("document_id", &image.to_string()),
                ("based_on", "1"),
                ("body", "Tekst"),
                ("intent", "save"),
            ],
        )
        .await;
    assert_invalid(res, "document", "not_a_page").await;
    assert_eq!(stored(&app).await, before, "nothing stored");
    let res = app
        .rpc(
            who,
            "compare_versions",
            &[("id", &image.to_string()), ("from", "1"), ("to", "1")],
        )
        .await;
    assert_invalid(res, "version", "not_text").await;

    // A version that does not exist is missing, as the page would be.
    let res = app
        .rpc(
            who,
            "compare_versions",
            &[("id", &page.to_string()), ("from", "1"), ("to", "9")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Two versions compared: the removed line and the added one.
    let res = app
        .rpc(
            who,
            "compare_versions",
            &[("id", &page.to_string()), ("from", "1"), ("to", "2")],
        )
        .await;
    let diff = json(res).await;
    assert_eq!(
        (diff["added"].as_i64(), diff["removed"].as_i64()),
        (Some(1), Some(1))
    );
    let lines: Vec<(&str, &str)> = diff["hunks"][0]
        .as_array()
        .expect("a hunk")
        .iter()
        .map(|l| (l["change"].as_str().unwrap(), l["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [("removed", "Første udgave"), ("added", "Anden udgave")]
    );
}
