//! Watching a library's folder end to end: a member watches through the form's server
//! function, another uploads through the real upload route, and the watcher's open
//! `/events` stream gets the new count, the centre lists the new file with its link, and
//! opening the document reads it. Whoever may not see the upload is told nothing, and
//! the watch and the list of watched places answer only the group's members.

use crate::helpers::*;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use std::time::Duration;
use vaern_core::policy::PlatformRole;

const SLUG: &str = "vagt";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

struct People {
    app: TestApp,
    /// A member of the group, in Aarhus (751); uploads.
    anne: Client,
    /// A member in Aarhus; watches.
    bo: Client,
    /// A member in Copenhagen (101); watches, outside AMBER+STRICT for Aarhus.
    carl: Client,
    /// Signed in, not in the group.
    stranger: Client,
    folder: String,
}

async fn people() -> People {
    let app = spawn_app().await;
    let group = app.group(SLUG).await;
    sqlx::query("update user_groups set name = 'Vagt' where id = $1")
        .bind(group)
        .execute(&app.db)
        .await
        .expect("named");
    let mut clients = Vec::new();
    for (org, email, member) in [
        ("751", "anne@aarhus.dk", true),
        ("751", "bo@aarhus.dk", true),
        ("101", "carl@kk.dk", true),
        ("751", "sofie@aarhus.dk", false),
    ] {
        let (client, id) = app.signed_in(org, email, PlatformRole::Member, false).await;
        if email.starts_with("anne") {
            sqlx::query("update users set name = 'Anne Holm' where id = $1")
                .bind(id)
                .execute(&app.db)
                .await
                .expect("named");
        }
        if member {
            app.add_to_group(group, id, "member").await;
        }
        clients.push(client);
    }
    let mut clients = clients.into_iter();
    let anne = clients.next().expect("anne");
    let res = app
        .rpc(
            &anne,
            "create_folder",
            &[("slug", SLUG), ("name", "Politikker")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let folder: i64 =
        sqlx::query_scalar("select id from library_folders where name = 'Politikker'")
            .fetch_one(&app.db)
            .await
            .expect("folder");
    People {
        anne,
        bo: clients.next().expect("bo"),
        carl: clients.next().expect("carl"),
        stranger: clients.next().expect("stranger"),
        folder: folder.to_string(),
        app,
    }
}

impl People {
    async fn watch(&self, client: &Client, folder: &str, on: &str) -> Response {
        self.app
            .rpc(
                client,
                "watch_folder",
                &[("slug", SLUG), ("folder_id", folder), ("watch", on)],
            )
            .await
    }

    /// Uploads a PDF into the folder through the upload route; answers its id.
    async fn upload(&self, client: &Client, title: &str, tlp: &str) -> i64 {
        let form = Form::new()
            .text("folder_id", self.folder.clone())
            .text("title", title.to_string())
            .text("tlp", tlp.to_string())
            .part(
                "file",
                Part::bytes(PDF.to_vec()).file_name("politik.pdf".to_string()),
            );
        let res = client
            .post(format!("{}/groups/{SLUG}/library/upload", self.app.url))
            .header("origin", &self.app.url)
            .header("accept", "application/json")
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(res.status(), StatusCode::OK);
        json(res).await["documents"][0]["document_id"]
            .as_i64()
            .expect("document id")
    }

    async fn bell_count(&self, client: &Client) -> i64 {
        let me = json(self.app.rpc(client, "whoami", &[]).await).await;
        me["unread_notifications"].as_i64().expect("count")
    }

    async fn notifications(&self, client: &Client) -> serde_json::Value {
        let res = self.app.rpc(client, "load_notifications", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        json(res).await
    }
}

/// Reads the stream until `wanted` has arrived, for at most 10 seconds.
async fn read_until(stream: &mut Response, seen: &mut String, wanted: &str) {
    let read = async {
        while !seen.contains(wanted) {
            let chunk = stream
                .chunk()
                .await
                .expect("stream readable")
                .unwrap_or_else(|| panic!("stream ended before {wanted:?}; got {seen:?}"));
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .is_err()
    {
        panic!("no {wanted:?} within 10 s; got {seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_sees_the_bell_rise_live_and_the_centre_links_the_new_file() {
    let p = people().await;
    let res = p.watch(&p.bo, &p.folder, "on").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json(res).await, true);
    let page = p
        .app
        .get(
            &p.bo,
            &format!("/groups/{SLUG}/library?folder={}", p.folder),
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("Følg ikke længere"), "{page}");
    assert!(page.contains("Du følger mappen"));

    let mut stream =
        p.bo.get(format!("{}/events", p.app.url))
            .send()
            .await
            .expect("events");
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "data: 0").await;
    let id = p
        .upload(&p.anne, "Informationssikkerhedspolitik", "amber")
        .await;
    read_until(&mut stream, &mut seen, "data: 1").await;

    let list = p.notifications(&p.bo).await;
    let first = &list["notifications"][0];
    assert_eq!(first["kind"], "NewDocument");
    assert_eq!(first["document_id"], id);
    assert_eq!(first["document_title"], "Informationssikkerhedspolitik");
    assert_eq!(first["folder"], "Politikker");
    assert_eq!(first["actor"], "Anne Holm");
    let centre = p
        .app
        .get(&p.bo, "/notifications")
        .await
        .text()
        .await
        .expect("centre");
    assert!(
        centre.contains("Anne Holm lagde en ny fil i Politikker:"),
        "{centre}"
    );
    assert!(centre.contains(&format!("href=\"/documents/{id}\"")));
    assert!(
        centre.contains("Vagt: Politikker"),
        "the watched place is listed"
    );
    assert_eq!(p.bell_count(&p.anne).await, 0, "the uploader is not told");

    // Opening the document reads it; the open stream recounts.
    let res = p.app.get(&p.bo, &format!("/documents/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    read_until(&mut stream, &mut seen, "data: 0").await;
    assert_eq!(p.bell_count(&p.bo).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_version_tells_the_watcher_and_amber_strict_passes_another_organisation_by() {
    let p = people().await;
    for client in [&p.bo, &p.carl] {
        assert_eq!(
            p.watch(client, "", "on").await.status(),
            StatusCode::OK,
            "the whole library"
        );
    }
    let id = p.upload(&p.anne, "Plan", "amber+strict").await;
    assert_eq!(p.bell_count(&p.bo).await, 1);
    assert_eq!(p.bell_count(&p.carl).await, 0);
    assert_eq!(
        p.notifications(&p.carl).await["notifications"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    let form = Form::new().text("change_note", "Rettet").part(
        "file",
        Part::bytes(PDF.to_vec()).file_name("plan.pdf".to_string()),
    );
    let res = p
        .anne
        .post(format!("{}/documents/{id}/versions", p.app.url))
        .header("origin", &p.app.url)
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("new version");
    assert_eq!(res.status(), StatusCode::OK);
    let list = p.notifications(&p.bo).await;
    assert_eq!(list["unread"], 2);
    assert_eq!(list["notifications"][0]["kind"], "NewVersion");
    assert_eq!(list["notifications"][0]["version"], 2);
    let centre = p
        .app
        .get(&p.bo, "/notifications")
        .await
        .text()
        .await
        .expect("centre");
    assert!(centre.contains("Anne Holm lagde version 2 af"), "{centre}");
    assert_eq!(p.bell_count(&p.carl).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_members_watch_and_a_stopped_watch_tells_nothing_more() {
    let p = people().await;
    for folder in [p.folder.as_str(), ""] {
        let res = p.watch(&p.stranger, folder, "on").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    let res = p.watch(&p.bo, "999999", "on").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "a missing folder");
    assert_invalid(p.watch(&p.bo, "x", "on").await, "folder_id", "unknown").await;
    assert_invalid(p.watch(&p.bo, &p.folder, "maybe").await, "watch", "unknown").await;
    let watches: i64 = sqlx::query_scalar("select count(*) from library_watches")
        .fetch_one(&p.app.db)
        .await
        .expect("count");
    assert_eq!(watches, 0);

    assert_eq!(
        p.watch(&p.bo, &p.folder, "on").await.status(),
        StatusCode::OK
    );
    let listed = json(p.app.rpc(&p.bo, "watched_folders", &[]).await).await;
    assert_eq!(listed[0]["path"], "Politikker");
    assert_eq!(
        json(p.app.rpc(&p.stranger, "watched_folders", &[]).await).await,
        serde_json::json!([])
    );
    assert_eq!(
        p.watch(&p.bo, &p.folder, "off").await.status(),
        StatusCode::OK
    );
    p.upload(&p.anne, "Efter", "amber").await;
    assert_eq!(p.bell_count(&p.bo).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_form_works_without_wasm_and_says_what_it_did() {
    let p = people().await;
    let from = format!("/groups/{SLUG}/library?folder={}", p.folder);
    let res = p
        .app
        .post_without_wasm(
            &p.bo,
            "watch_folder",
            &from,
            &[("slug", SLUG), ("folder_id", &p.folder), ("watch", "on")],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let to = location(&res).expect("back to the page");
    assert!(to.ends_with(&from), "{to}");
    let page = p.app.get(&p.bo, &from).await.text().await.expect("page");
    assert!(page.contains("Du følger nu dette sted."), "{page}");
    assert!(page.contains("role=\"status\""));
    // The top of the library is a place of its own, not watched by watching a folder.
    let page = p.app.get(&p.bo, &format!("/groups/{SLUG}/library")).await;
    let page = page.text().await.expect("page");
    assert!(page.contains("Følg hele biblioteket"), "{page}");
}
