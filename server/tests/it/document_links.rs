//! Links from posts to documents, end to end: what the composer offers each person to
//! link (only documents they may see, never audited as a read), and the threads a
//! document's page lists as linking it (only those whose thread and linking post the
//! reader may see).

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use vaern_core::group_content::Audience;
use vaern_core::ids::UserId;
use vaern_core::library::{self, Libraries, Upload};
use vaern_core::policy::{PlatformRole, Tlp, Viewer};

const SLUG: &str = "links";

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

/// Adds a text document titled `title` to group `slug`'s library as `author`.
async fn add(app: &TestApp, author: UserId, slug: &str, title: &str, upload: Upload) -> i64 {
    let libraries = libraries(app);
    let viewer = viewer_of(app, author).await;
    let mut incoming = libraries.files.incoming(1024).await.expect("incoming");
    incoming
        .write(format!("Om {title}").as_bytes())
        .await
        .expect("write");
    let received = incoming.finish().await.expect("finish");
    let upload = Upload {
        title: Some(title.into()),
        file_name: "dokument.txt".into(),
        ..upload
    };
    library::add_document(&libraries, &viewer, slug, upload, received, "test")
        .await
        .expect("document added")
        .document_id
}

fn labelled(tlp: Tlp) -> Upload {
    Upload {
        tlp: Some(tlp),
        audience: Audience::default(),
        ..Upload::default()
    }
}

struct Cast {
    /// Odense, owner of the group.
    owner: (Client, UserId),
    /// Aarhus, member.
    aarhus: (Client, UserId),
    /// Odense, not in the group; owns another group.
    stranger: (Client, UserId),
}

async fn cast(app: &TestApp) -> Cast {
    let group = app.group(SLUG).await;
    let other = app.group("andre").await;
    let owner = app
        .signed_in("461", "ejer@odense.dk", PlatformRole::Member, false)
        .await;
    let aarhus = app
        .signed_in("751", "medlem@aarhus.dk", PlatformRole::Member, false)
        .await;
    let stranger = app
        .signed_in("461", "fremmed@odense.dk", PlatformRole::Member, false)
        .await;
    app.add_to_group(group, owner.1, "owner").await;
    app.add_to_group(group, aarhus.1, "member").await;
    app.add_to_group(other, stranger.1, "owner").await;
    Cast {
        owner,
        aarhus,
        stranger,
    }
}

/// The titles (and Markdown) `who` is offered for `query`, or the status if refused.
async fn offered(app: &TestApp, who: &Client, query: &str) -> Result<Vec<(String, String)>, u16> {
    let res = app
        .rpc(
            who,
            "document_suggestions",
            &[("query", query), ("group", SLUG)],
        )
        .await;
    if res.status() != StatusCode::OK {
        return Err(res.status().as_u16());
    }
    let body = json(res).await;
    Ok(body
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| {
            (
                d["title"].as_str().expect("title").to_string(),
                d["markdown"].as_str().expect("markdown").to_string(),
            )
        })
        .collect())
}

fn titles(offered: &[(String, String)]) -> Vec<&str> {
    offered.iter().map(|(t, _)| t.as_str()).collect()
}

async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select (select count(*) from audit_log) + (select count(*) from audit_staged)",
    )
    .fetch_one(&app.db)
    .await
    .expect("audit rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_is_offered_to_link_only_documents_they_may_see_and_no_read_is_audited() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let plan = add(
        &app,
        c.owner.1,
        SLUG,
        "Beredskabsplan [udkast]",
        labelled(Tlp::Amber),
    )
    .await;
    // For Odense only (the owner's organisation, the default recipients).
    add(
        &app,
        c.owner.1,
        SLUG,
        "Beredskab i Odense",
        labelled(Tlp::AmberStrict),
    )
    .await;
    let removed = add(
        &app,
        c.owner.1,
        SLUG,
        "Beredskab forældet",
        labelled(Tlp::Amber),
    )
    .await;
    library::remove_document(
        &libraries(&app),
        &viewer_of(&app, c.owner.1).await,
        removed,
        "Forældet",
        "test",
    )
    .await
    .expect("removed");
    // Another group's, which only the stranger may see.
    add(
        &app,
        c.stranger.1,
        "andre",
        "Beredskab hos andre",
        labelled(Tlp::Green),
    )
    .await;
    let before = audit_rows(&app).await;

    assert_eq!(offered(&app, &browser(), "beredskab").await, Err(401));
    let owners = offered(&app, &c.owner.0, "beredskab").await.expect("owner");
    assert_eq!(
        titles(&owners),
        ["Beredskab i Odense", "Beredskabsplan [udkast]"]
    );
    let aarhus = offered(&app, &c.aarhus.0, "Beredskab")
        .await
        .expect("aarhus");
    assert_eq!(
        aarhus,
        [(
            "Beredskabsplan [udkast]".to_string(),
            format!("[Beredskabsplan \\[udkast\\]](/documents/{plan})")
        )]
    );
    let strangers = offered(&app, &c.stranger.0, "beredskab")
        .await
        .expect("stranger");
    assert_eq!(titles(&strangers), ["Beredskab hos andre"]);
    // One character is not looked up.
    assert_eq!(offered(&app, &c.owner.0, "b").await, Ok(Vec::new()));
    // Listing titles is not a read of a document: nothing is audited.
    assert_eq!(audit_rows(&app).await, before);
}

/// Starts a thread in the group through the composer's server function; its id.
async fn start_thread(app: &TestApp, who: &Client, title: &str, body: &str, tlp: &str) -> i64 {
    let res = app
        .rpc(
            who,
            "start_thread",
            &[
                ("slug", SLUG),
                ("title", title),
                ("body", body),
                ("tlp", tlp),
            ],
        )
        .await;
    let status = res.status();
    let body: Value = json(res).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["Posted"]["thread_id"].as_i64().expect("thread id")
}

/// The thread titles `who` sees on document `id`'s page (its server function), and the
/// count.
async fn linked_from(app: &TestApp, who: &Client, id: i64) -> (Vec<String>, i64) {
    let res = app.rpc(who, "document", &[("id", &id.to_string())]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let view = json(res).await;
    let titles = view["linked_from"]
        .as_array()
        .expect("linked_from")
        .iter()
        .map(|t| t["title"].as_str().expect("title").to_string())
        .collect();
    (titles, view["linked_total"].as_i64().expect("total"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_documents_page_lists_the_threads_linking_it_that_its_reader_may_see() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let plan = add(
        &app,
        c.owner.1,
        SLUG,
        "Beredskabsplan",
        labelled(Tlp::Amber),
    )
    .await;
    let link = format!("Se [planen](/documents/{plan}).");

    let open = start_thread(&app, &c.aarhus.0, "Øvelsen i maj", &link, "amber").await;
    start_thread(&app, &c.owner.0, "Kun for Odense", &link, "amber+strict").await;
    // Not a link to the document.
    start_thread(
        &app,
        &c.owner.0,
        "Næsten et link",
        &format!("[planen](/documents/{plan}x)"),
        "amber",
    )
    .await;

    assert_eq!(
        linked_from(&app, &c.aarhus.0, plan).await,
        (vec!["Øvelsen i maj".to_string()], 1)
    );
    assert_eq!(
        linked_from(&app, &c.owner.0, plan).await,
        (
            vec!["Kun for Odense".to_string(), "Øvelsen i maj".into()],
            2
        )
    );

    // The page shows it, linking to the post.
    let res = app.get(&c.aarhus.0, &format!("/documents/{plan}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("page");
    assert!(html.contains("Nævnt i tråde"), "{html}");
    assert!(html.contains("Øvelsen i maj"), "{html}");
    assert!(!html.contains("Kun for Odense"), "{html}");
    assert!(
        html.contains(&format!("href=\"/threads/{open}?post=")),
        "{html}"
    );

    // A stranger still finds no document, like a missing one.
    let hidden = app.get(&c.stranger.0, &format!("/documents/{plan}")).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    // The owner removes the linking post: the thread no longer counts.
    let post: i64 = sqlx::query_scalar("select min(id) from forum_posts where thread_id = $1")
        .bind(open)
        .fetch_one(&app.db)
        .await
        .expect("post");
    let res = app
        .rpc(
            &c.owner.0,
            "remove_post",
            &[("post_id", &post.to_string()), ("reason", "Forkert sted")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(linked_from(&app, &c.aarhus.0, plan).await, (vec![], 0));
    let html = app
        .get(&c.aarhus.0, &format!("/documents/{plan}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        html.contains("Ingen tråde, du kan se, linker til dokumentet."),
        "{html}"
    );
}
