//! The library's access cases, walked as a matrix: every file route, the document's page
//! and every document server function, as each kind of person against documents of each
//! label. Whoever may not see a document gets exactly the answer a missing one gets.
//! Then the headers of the inline file routes (their own Content-Security-Policy, which
//! lets the document's page frame a PDF), and the library's server functions end to end.

use crate::helpers::*;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use vaern_core::group_content::Audience;
use vaern_core::ids::{OrgId, UserId};
use vaern_core::library::{self, Libraries, Upload};
use vaern_core::policy::{PlatformRole, Tlp, Viewer};
use vaern_server::http::library::RAW_CONTENT_SECURITY_POLICY;

const SLUG: &str = "bibliotek";
/// An id no document has.
const MISSING: i64 = 999_999;
/// The first bytes of a PNG image: enough for its type to be recognised.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

fn libraries(app: &TestApp) -> Libraries {
    Libraries {
        db: app.db.clone(),
        files: library::store::BlobStore::new(app.data_dir()),
        audit: vaern_core::audit::AuditLog::new(app.db.clone(), app.data_dir()),
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

/// Adds `bytes` as a document of `author`'s to the group's library, as the upload route
/// would, and returns its id.
async fn add(app: &TestApp, author: UserId, name: &str, bytes: &[u8], upload: Upload) -> i64 {
    let libraries = libraries(app);
    let viewer = viewer_of(app, author).await;
    let mut incoming = libraries.files.incoming(1024).await.expect("incoming");
    incoming.write(bytes).await.expect("write");
    let received = incoming.finish().await.expect("finish");
    let upload = Upload {
        file_name: name.into(),
        ..upload
    };
    library::add_document(&libraries, &viewer, SLUG, upload, received, "test")
        .await
        .expect("document added")
        .document_id
}

/// A PNG that differs from the other documents' files, so that no two share a blob.
fn png(tail: &str) -> Vec<u8> {
    [PNG, tail.as_bytes()].concat()
}

fn file(name: &str, bytes: &[u8]) -> Part {
    Part::bytes(bytes.to_vec()).file_name(name.to_string())
}

struct Person {
    name: &'static str,
    client: Client,
    id: UserId,
}

/// The people of the group `bibliotek`, each in their own browser.
struct Cast {
    /// Odense, owner of the group: writes every document.
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

/// Every way to reach a document, from the file routes to its server functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Download,
    VersionDownload,
    Raw,
    Image,
    Page,
    DocumentFn,
    AddVersion,
    RestoreVersion,
    EditDocument,
    RemoveDocument,
}

/// In the order they are walked: the removal last, as it ends the document.
const OPS: [Op; 10] = [
    Op::Download,
    Op::VersionDownload,
    Op::Raw,
    Op::Image,
    Op::Page,
    Op::DocumentFn,
    Op::AddVersion,
    Op::RestoreVersion,
    Op::EditDocument,
    Op::RemoveDocument,
];

/// What an operation needs besides seeing the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// Nothing: whoever sees the document reads it.
    Sight,
    /// Writing in the group (members, not readers).
    Write,
    /// Being the document's author or a moderator of its group.
    Manage,
}

impl Op {
    fn needs(self) -> Needs {
        match self {
            Op::AddVersion | Op::RestoreVersion => Needs::Write,
            Op::EditDocument | Op::RemoveDocument => Needs::Manage,
            _ => Needs::Sight,
        }
    }

    /// Calls the operation on document `id` as a browser (routes and pages) or as the
    /// hydrated page does (server functions and the JSON upload).
    async fn call(self, app: &TestApp, who: &Client, id: i64) -> Answer {
        let res = match self {
            Op::Download => app.get(who, &format!("/documents/{id}/download")).await,
            Op::VersionDownload => {
                app.get(who, &format!("/documents/{id}/versions/1/download"))
                    .await
            }
            Op::Raw => app.get(who, &format!("/documents/{id}/raw")).await,
            Op::Image => app.get(who, &format!("/files/{id}")).await,
            Op::Page => app.get(who, &format!("/documents/{id}")).await,
            Op::DocumentFn => app.rpc(who, "document", &[("id", &id.to_string())]).await,
            Op::AddVersion => who
                .post(format!("{}/documents/{id}/versions", app.url))
                .header("origin", &app.url)
                .header("accept", "application/json")
                .multipart(Form::new().part("file", file("ny.png", &png("ny"))))
                .send()
                .await
                .expect("upload"),
            Op::RestoreVersion => {
                app.rpc(
                    who,
                    "restore_version",
                    &[("document_id", &id.to_string()), ("version", "1")],
                )
                .await
            }
            Op::EditDocument => {
                app.rpc(
                    who,
                    "edit_document",
                    &[
                        ("document_id", &id.to_string()),
                        ("title", "Nyt navn"),
                        ("description", ""),
                        ("tags", ""),
                        ("change_note", ""),
                    ],
                )
                .await
            }
            Op::RemoveDocument => {
                app.rpc(
                    who,
                    "remove_document",
                    &[("document_id", &id.to_string()), ("reason", "Forældet")],
                )
                .await
            }
        };
        answer(res).await
    }
}

/// How a person fares with one operation on one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// 200: done, or read.
    Done,
    /// 403: the person sees the document but may not do this to it.
    Refused,
    /// Answered exactly as a missing document is (404).
    Hidden,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_reaches_a_document_as_its_label_allows_and_hidden_ones_answer_as_missing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let odense = org_id(&app, "461").await;
    let amber = add(
        &app,
        c.owner.id,
        "amber.png",
        &png("amber"),
        Upload {
            tlp: Some(Tlp::Amber),
            ..Upload::default()
        },
    )
    .await;
    let strict = add(
        &app,
        c.owner.id,
        "strict.png",
        &png("strict"),
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
    let red = add(
        &app,
        c.owner.id,
        "red.png",
        &png("red"),
        Upload {
            tlp: Some(Tlp::Red),
            audience: Audience {
                users: vec![c.aarhus.id],
                ..Audience::default()
            },
            ..Upload::default()
        },
    )
    .await;
    let removed = add(
        &app,
        c.owner.id,
        "removed.png",
        &png("removed"),
        Upload::default(),
    )
    .await;
    library::remove_document(
        &libraries(&app),
        &viewer_of(&app, c.owner.id).await,
        removed,
        "Forældet",
        "test",
    )
    .await
    .expect("removed");

    // The owner comes last, so that their removal is the last call on each document.
    let people = [&c.aarhus, &c.copenhagen, &c.reader, &c.stranger, &c.owner];
    // Who sees each document, in the order of `people`.
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
    // The changes each person made to each document, as the audit log should hold them.
    // The owner removed one before the walk.
    let mut changes = std::collections::BTreeMap::from([((removed, "owner"), 1)]);
    for op in OPS {
        for (label, id, sees) in &documents {
            for (person, sees) in people.iter().zip(sees) {
                let may = match op.needs() {
                    Needs::Sight => true,
                    Needs::Write => person.name != "reader",
                    Needs::Manage => person.name == "owner",
                };
                let expected = match (sees, may) {
                    (false, _) => Outcome::Hidden,
                    (true, false) => Outcome::Refused,
                    (true, true) => Outcome::Done,
                };
                let got = op.call(&app, &person.client, *id).await;
                if expected == Outcome::Done && op.needs() != Needs::Sight {
                    *changes.entry((*id, person.name)).or_default() += 1;
                }
                let fine = match expected {
                    Outcome::Done => got.status == StatusCode::OK,
                    Outcome::Refused => got.status == StatusCode::FORBIDDEN,
                    Outcome::Hidden => {
                        let missing = op.call(&app, &person.client, MISSING).await;
                        missing.status == StatusCode::NOT_FOUND && got == missing
                    }
                };
                if !fine {
                    wrong.push(format!(
                        "{op:?} on {label} as {}: {} {:.200}, expected {expected:?}",
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
    // A refused or hidden change changed nothing; each one done is audited once.
    for (_, id, _) in &documents {
        for person in people {
            let audited = changes_audited(&app, person.id, *id).await;
            let done = changes.get(&(*id, person.name)).copied().unwrap_or(0);
            assert_eq!(audited, done, "changes to {id} by {}", person.name);
        }
    }
}

/// The changes (not reads) `user` made to document `id` that the audit log holds,
/// chained or still staged.
async fn changes_audited(app: &TestApp, user: UserId, id: i64) -> i64 {
    sqlx::query_scalar(
        "select count(*) from (select actor_user_id, action, subject_kind, subject_id, \
         outcome from audit_log union all select actor_user_id, action, subject_kind, \
         subject_id, outcome from audit_staged) \
         where actor_user_id = $1 and subject_kind = 'document' and subject_id = $2 \
         and outcome = 'success' and action in ('document_version', 'document_restore', \
         'document_edit', 'document_remove')",
    )
    .bind(user)
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("audit rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readers_new_version_by_the_plain_form_goes_back_with_the_reason_and_stores_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = add(&app, c.owner.id, "plan.pdf", PDF, Upload::default()).await;
    let post = |who: &Client, id: i64| {
        who.post(format!("{}/documents/{id}/versions", app.url))
            .header("origin", &app.url)
            .multipart(Form::new().part("file", file("plan.pdf", PDF)))
            .send()
    };
    let res = post(&c.reader.client, id).await.expect("upload");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        Some(format!("/documents/{id}?upload_error=forbidden"))
    );
    // Someone who does not see it is not told where it is.
    for who in [&c.stranger.client, &browser()] {
        let hidden = answer(post(who, id).await.expect("upload")).await;
        let missing = answer(post(who, MISSING).await.expect("upload")).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        assert_eq!(hidden, missing);
    }
    let versions: i64 =
        sqlx::query_scalar("select count(*) from document_versions where document_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("versions");
    assert_eq!(versions, 1);
}

/// The rows the audit log holds for `action` on document `id`, once the appender, which
/// runs in the background, has chained every row staged so far.
async fn chained_rows(app: &TestApp, action: &str, id: i64) -> i64 {
    for _ in 0..100 {
        let staged: i64 = sqlx::query_scalar("select count(*) from audit_staged")
            .fetch_one(&app.db)
            .await
            .expect("staged rows");
        if staged == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    sqlx::query_scalar(
        "select count(*) from audit_log where action = $1 and subject_kind = 'document' \
         and subject_id = $2",
    )
    .bind(action)
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("audit rows")
}

fn header<'a>(res: &'a Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .expect("ASCII header")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_is_served_inline_under_its_own_policy_that_lets_only_our_pages_frame_it() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let pdf = add(&app, c.owner.id, "plan.pdf", PDF, Upload::default()).await;
    let txt = add(
        &app,
        c.owner.id,
        "noter.txt",
        b"Kaere alle",
        Upload::default(),
    )
    .await;
    let image = add(&app, c.owner.id, "logo.png", PNG, Upload::default()).await;

    let res = app
        .get(&c.aarhus.client, &format!("/documents/{pdf}/raw"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "application/pdf");
    assert!(
        header(&res, "content-disposition").starts_with("inline;"),
        "{}",
        header(&res, "content-disposition")
    );
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    let csp = header(&res, "content-security-policy");
    assert_eq!(csp, RAW_CONTENT_SECURITY_POLICY);
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(!csp.contains("frame-ancestors 'none'"), "{csp}");
    // A sandbox would turn the browser's PDF viewer off.
    assert!(!csp.contains("sandbox"), "{csp}");
    assert_eq!(res.bytes().await.expect("body").as_ref(), PDF);

    // The page that frames it keeps the strict policy of every page.
    let page = app
        .get(&c.aarhus.client, &format!("/documents/{pdf}"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = header(&page, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'nonce-"), "{csp}");

    // Text is not shown inline: it goes as an attachment under the global policy.
    let res = app
        .get(&c.aarhus.client, &format!("/documents/{txt}/raw"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        header(&res, "content-disposition").starts_with("attachment;"),
        "{}",
        header(&res, "content-disposition")
    );
    let csp = header(&res, "content-security-policy");
    assert_ne!(csp, RAW_CONTENT_SECURITY_POLICY);
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");

    // `/files/` serves images only: a PDF there is as missing as a missing document.
    let res = answer(app.get(&c.aarhus.client, &format!("/files/{pdf}")).await).await;
    let missing = answer(
        app.get(&c.aarhus.client, &format!("/files/{MISSING}"))
            .await,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res, missing);
    let res = app.get(&c.aarhus.client, &format!("/files/{image}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "image/png");
    assert!(header(&res, "content-disposition").starts_with("inline;"));
    assert_eq!(
        header(&res, "content-security-policy"),
        RAW_CONTENT_SECURITY_POLICY
    );
    assert_eq!(header(&res, "cache-control"), "private, no-store");

    // Each read is audited as a preview; the refused one is not.
    let again = app
        .get(&c.copenhagen.client, &format!("/documents/{pdf}/raw"))
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(chained_rows(&app, "document_preview", pdf).await, 2);
    assert_eq!(chained_rows(&app, "document_preview", txt).await, 1);
    assert_eq!(chained_rows(&app, "document_preview", image).await, 1);
    assert_eq!(chained_rows(&app, "document_download", pdf).await, 0);
}

/// Calls a server function that must succeed: where it sends the browser, and its JSON.
async fn done(app: &TestApp, who: &Client, op: &str, form: &[(&str, &str)]) -> (String, Value) {
    let res = app.rpc(who, op, form).await;
    let status = res.status();
    let to = location(&res).unwrap_or_default();
    let text = res.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{op} {form:?}: {text}");
    (to, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn titles(library: &Value) -> Vec<&str> {
    library["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["title"].as_str().expect("title"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_uploaded_into_a_new_folder_is_listed_there_edited_and_removed_by_form_posts() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let who = &c.aarhus.client;

    let (to, _) = done(
        &app,
        who,
        "create_folder",
        &[("slug", SLUG), ("name", "Beredskab")],
    )
    .await;
    let folder = to
        .strip_prefix(&format!("/groups/{SLUG}/library?folder="))
        .unwrap_or_else(|| panic!("to the new folder, not {to:?}"))
        .to_string();

    let res = who
        .post(format!("{}/groups/{SLUG}/library/upload", app.url))
        .header("origin", &app.url)
        .header("accept", "application/json")
        .multipart(
            Form::new()
                .text("folder_id", folder.clone())
                .text("title", "Beredskabsplan")
                .part("file", file("plan.pdf", PDF)),
        )
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), StatusCode::OK);
    let id = json(res).await["documents"][0]["document_id"]
        .as_i64()
        .expect("document id");
    let document = id.to_string();

    let (_, in_folder) = done(&app, who, "library", &[("slug", SLUG), ("folder", &folder)]).await;
    assert_eq!(titles(&in_folder), ["Beredskabsplan"]);
    assert_eq!(in_folder["path"][0]["name"], "Beredskab");
    let (_, top) = done(&app, who, "library", &[("slug", SLUG)]).await;
    assert!(titles(&top).is_empty(), "the folder's document stays in it");
    assert_eq!(top["subfolders"][0]["name"], "Beredskab");

    let (to, _) = done(
        &app,
        who,
        "edit_document",
        &[
            ("document_id", &document),
            ("title", "Beredskabsplan 2026"),
            ("description", "Efter øvelsen"),
            ("tags", "NIS2, øvelse"),
            ("folder_id", &folder),
            ("change_note", "Nyt år"),
        ],
    )
    .await;
    assert_eq!(to, format!("/documents/{id}"));
    let (_, view) = done(&app, &c.copenhagen.client, "document", &[("id", &document)]).await;
    assert_eq!(view["title"], "Beredskabsplan 2026");
    assert_eq!(view["description"], "Efter øvelsen");
    assert_eq!(view["tags"], serde_json::json!(["nis2", "øvelse"]));
    assert_eq!(
        view["folder_id"].as_i64().map(|f| f.to_string()),
        Some(folder.clone())
    );
    let edits = view["edits"].as_array().expect("edits");
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(edits[0]["title"], "Beredskabsplan 2026");
    assert_eq!(edits[0]["change_note"], "Nyt år");

    let (to, _) = done(
        &app,
        who,
        "remove_document",
        &[("document_id", &document), ("reason", "Erstattet")],
    )
    .await;
    assert_eq!(to, format!("/groups/{SLUG}/library"));
    for path in ["download", "raw"] {
        let gone = answer(app.get(who, &format!("/documents/{id}/{path}")).await).await;
        let missing = answer(app.get(who, &format!("/documents/{MISSING}/{path}")).await).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(gone, missing, "{path}");
    }
    let (_, in_folder) = done(&app, who, "library", &[("slug", SLUG), ("folder", &folder)]).await;
    assert!(titles(&in_folder).is_empty());
}
