//! Library files over HTTP: the streamed upload form (plain and JSON answers), downloads
//! with their headers, refusals that store nothing, the upload limit, and a hidden
//! document answered exactly like a missing one on every file route.

use crate::helpers::*;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use vaern_core::policy::PlatformRole;

const SLUG: &str = "nis2";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

fn elf() -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01".to_vec();
    bytes.resize(64, 0);
    bytes
}

fn file(name: &str, bytes: &[u8]) -> Part {
    Part::bytes(bytes.to_vec()).file_name(name.to_string())
}

async fn upload(app: &TestApp, client: &Client, form: Form, json: bool) -> Response {
    let mut request = client
        .post(format!("{}/groups/{SLUG}/library/upload", app.url))
        .header("origin", &app.url)
        .multipart(form);
    if json {
        request = request.header("accept", "application/json");
    }
    request.send().await.expect("upload")
}

struct People {
    author: Client,
    colleague: Client,
    other: Client,
    reader: Client,
    stranger: Client,
}

async fn people(app: &TestApp) -> People {
    let group = app.group(SLUG).await;
    let mut clients = Vec::new();
    for (org, email, role) in [
        ("751", "anne@aarhus.dk", Some("member")),
        ("751", "carl@aarhus.dk", Some("member")),
        ("101", "dorte@kk.dk", Some("member")),
        ("751", "rikke@aarhus.dk", Some("reader")),
        ("751", "sofie@aarhus.dk", None),
    ] {
        let (client, id) = app.signed_in(org, email, PlatformRole::Member, false).await;
        if let Some(role) = role {
            app.add_to_group(group, id, role).await;
        }
        clients.push(client);
    }
    let mut clients = clients.into_iter();
    let mut next = || clients.next().expect("client");
    People {
        author: next(),
        colleague: next(),
        other: next(),
        reader: next(),
        stranger: next(),
    }
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(&app.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_pdf_sent_by_the_plain_form_lands_on_its_page_and_downloads_byte_for_byte() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let form = Form::new()
        .text("title", "Beredskabsplan")
        .part("file", file("beredskab.pdf", PDF));
    let res = upload(&app, &p.author, form, false).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res).expect("location");
    let id: i64 = to
        .strip_prefix("/documents/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("to the document, not {to}"));
    let res = app
        .get(&p.colleague, &format!("/documents/{id}/download"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"beredskab.pdf\"; filename*=UTF-8''beredskab%2Epdf"
    );
    assert_eq!(res.bytes().await.expect("body").as_ref(), PDF);
    let res = app
        .get(
            &p.colleague,
            &format!("/documents/{id}/versions/1/download"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn several_files_answer_in_json_with_one_document_each() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let form = Form::new()
        .part("file", file("a.pdf", PDF))
        .part("file", file("noter.txt", "Kære alle".as_bytes()));
    let res = upload(&app, &p.author, form, true).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = json(res).await;
    let documents = body["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), 2);
    assert!(documents.iter().all(|d| d["version"] == 1));
}

#[tokio::test]
async fn a_refused_file_among_several_leaves_the_library_as_it_was() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let form = Form::new()
        .part("file", file("a.pdf", PDF))
        .part(
            "file",
            file("side.html", b"<html><script>x</script></html>"),
        )
        .part("file", file("b.pdf", PDF));
    let res = upload(&app, &p.author, form, true).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(res).await["error"], "type");
    assert_eq!(count(&app, "documents").await, 0);
    assert_eq!(count(&app, "document_versions").await, 0);
}

#[tokio::test]
async fn an_amber_strict_document_is_missing_for_another_organisation_on_every_file_route() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let form = Form::new()
        .text("tlp", "amber+strict")
        .part("file", file("plan.pdf", PDF));
    let body = json(upload(&app, &p.author, form, true).await).await;
    let id = body["documents"][0]["document_id"].as_i64().expect("id");
    for path in [
        format!("/documents/{id}/download"),
        format!("/documents/{id}/versions/1/download"),
    ] {
        for client in [&p.other, &p.stranger, &browser()] {
            let hidden = app.get(client, &path).await;
            let missing = app
                .get(client, &path.replace(&id.to_string(), "999999"))
                .await;
            assert_eq!(hidden.status(), StatusCode::NOT_FOUND, "{path}");
            assert_eq!(missing.status(), StatusCode::NOT_FOUND);
            assert_eq!(
                hidden.bytes().await.expect("body"),
                missing.bytes().await.expect("body"),
                "a hidden document answers like a missing one"
            );
        }
        let seen = app.get(&p.reader, &path).await;
        assert_eq!(
            seen.status(),
            StatusCode::OK,
            "the author's organisation reads it"
        );
    }
    let res = app
        .get(&p.author, &format!("/documents/{id}/versions/2/download"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "no such version");
}

#[tokio::test]
async fn an_executable_is_refused_by_what_it_is_and_nothing_is_stored() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let form = Form::new().part("file", file("manual.pdf", &elf()));
    let res = upload(&app, &p.author, form, true).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(res).await;
    assert_eq!(body["error"], "type");
    assert_eq!(body["details"]["found"], "application/x-executable");
    assert_eq!(body["details"]["file"], "manual.pdf");
    // Without wasm the form comes back to the library with the reason.
    let form = Form::new().part("file", file("manual.pdf", &elf()));
    let res = upload(&app, &p.author, form, false).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res).expect("location");
    assert!(
        to.starts_with(&format!("/groups/{SLUG}/library?upload_error=type&")),
        "{to}"
    );
    assert_eq!(count(&app, "documents").await, 0);
    assert_eq!(count(&app, "blobs").await, 0);
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_before_and_while_reading() {
    let app = spawn_app_with(Options {
        max_upload_bytes: Some(1024 * 1024),
        ..Options::default()
    })
    .await;
    let group = app.group(SLUG).await;
    let user = app
        .create_user_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    app.add_to_group(group, user, "member").await;
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    let cookie = session_cookie(&res).expect("session cookie");
    // Declared too large: answered before a byte of the body is read.
    let head = format!(
        "POST /groups/{SLUG}/library/upload HTTP/1.1\r\nHost: x\r\nOrigin: {}\r\n\
         Cookie: {}\r\nAccept: application/json\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 10485760\r\n\r\n",
        app.url,
        cookie.split(';').next().unwrap_or_default()
    );
    let mut stream = tokio::net::TcpStream::connect(app.url.trim_start_matches("http://"))
        .await
        .expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(head.as_bytes()).await.expect("head");
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("answered without the body")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // Not declared (a stream): refused once the file passes the limit, and the answer
    // still arrives in full.
    let client = client_with_cookie(&cookie);
    let big = vec![b'a'; 1024 * 1024 + 200 * 1024];
    let stream = futures_util::stream::iter(
        big.chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let part = Part::stream(reqwest::Body::wrap_stream(stream)).file_name("big.txt");
    let res = upload(&app, &client, Form::new().part("file", part), true).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(res).await["details"]["limit_mb"], "1");
    assert_eq!(count(&app, "documents").await, 0);
    let incoming = app.data_dir().join("incoming");
    let left = std::fs::read_dir(incoming).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no temporary file is left behind");
}

#[tokio::test]
async fn readers_strangers_and_other_origins_cannot_upload() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let res = upload(
        &app,
        &p.reader,
        Form::new().part("file", file("a.pdf", PDF)),
        true,
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = upload(
        &app,
        &p.stranger,
        Form::new().part("file", file("a.pdf", PDF)),
        true,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = upload(
        &app,
        &browser(),
        Form::new().part("file", file("a.pdf", PDF)),
        true,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = p
        .author
        .post(format!("{}/groups/{SLUG}/library/upload", app.url))
        .header("origin", "https://evil.example")
        .multipart(Form::new().part("file", file("a.pdf", PDF)))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "documents").await, 0);
}

#[tokio::test]
async fn a_new_version_keeps_the_old_one_downloadable_and_never_lowers_the_label() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let form = Form::new().part("file", file("plan.pdf", PDF));
    let body = json(upload(&app, &p.author, form, true).await).await;
    let id = body["documents"][0]["document_id"].as_i64().expect("id");
    let second = b"%PDF-1.7\nanden udgave\n%%EOF\n";
    let post = |client: &Client, form: Form, json: bool| {
        let mut request = client
            .post(format!("{}/documents/{id}/versions", app.url))
            .header("origin", &app.url)
            .multipart(form);
        if json {
            request = request.header("accept", "application/json");
        }
        request.send()
    };
    // The group's default is AMBER; GREEN would lower it.
    let lower = Form::new()
        .text("tlp", "green")
        .part("file", file("plan.pdf", second));
    let res = post(&p.colleague, lower, true).await.expect("request");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(res).await["error"], "below_current");
    let form = Form::new()
        .text("change_note", "Efter øvelsen")
        .part("file", file("plan-v2.pdf", second));
    let res = post(&p.colleague, form, false).await.expect("request");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res).as_deref(),
        Some(format!("/documents/{id}").as_str())
    );
    let newest = app
        .get(&p.author, &format!("/documents/{id}/download"))
        .await;
    assert_eq!(newest.bytes().await.expect("body").as_ref(), second);
    let first = app
        .get(&p.author, &format!("/documents/{id}/versions/1/download"))
        .await;
    assert_eq!(first.bytes().await.expect("body").as_ref(), PDF);
    // A reader sees the document but adds no version; someone outside does not see it.
    let res = post(
        &p.reader,
        Form::new().part("file", file("x.pdf", PDF)),
        true,
    )
    .await
    .expect("request");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post(
        &p.stranger,
        Form::new().part("file", file("x.pdf", PDF)),
        true,
    )
    .await
    .expect("request");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_upload_cut_off_mid_body_stores_nothing_and_leaves_no_temporary_file() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let boundary = "cut-off";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    );
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let request = p
        .author
        .post(format!("{}/groups/{SLUG}/library/upload", app.url))
        .header("origin", &app.url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("content-length", 10 * 1024 * 1024)
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let pending = tokio::spawn(request);
    sender.send(Ok(head.into_bytes())).await.expect("head sent");
    sender
        .send(Ok(vec![b'x'; 256 * 1024]))
        .await
        .expect("part of the file sent");
    // The client gives up: the stream fails and the connection is dropped.
    sender
        .send(Err(std::io::Error::other("cut off")))
        .await
        .expect("failure sent");
    let _ = pending.await;
    let incoming = app.data_dir().join("incoming");
    let mut empty = false;
    for _ in 0..50 {
        empty = std::fs::read_dir(&incoming).map_or(true, |mut e| e.next().is_none());
        if empty {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(empty, "a temporary file outlived the cut-off upload");
    assert_eq!(count(&app, "documents").await, 0);
    assert_eq!(count(&app, "blobs").await, 0);
    // The server goes on taking uploads.
    let form = Form::new().part("file", file("plan.pdf", PDF));
    assert_eq!(
        upload(&app, &p.author, form, true).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_300_mb_upload_is_refused_by_the_default_256_mb_limit_before_its_body_is_read() {
    let app = spawn_app().await;
    let group = app.group(SLUG).await;
    let user = app
        .create_user_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    app.add_to_group(group, user, "member").await;
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    let cookie = session_cookie(&res).expect("session cookie");
    // The form as a browser posts it (no JSON): the answer sends it back to the page
    // with the limit named, before a byte of the 300 MB is read.
    let head = format!(
        "POST /groups/{SLUG}/library/upload HTTP/1.1\r\nHost: x\r\nOrigin: {}\r\n\
         Cookie: {}\r\nContent-Type: multipart/form-data; boundary=b\r\n\
         Content-Length: {}\r\n\r\n",
        app.url,
        cookie.split(';').next().unwrap_or_default(),
        300 * 1024 * 1024
    );
    let mut stream = tokio::net::TcpStream::connect(app.url.trim_start_matches("http://"))
        .await
        .expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(head.as_bytes()).await.expect("head");
    let mut answer = vec![0u8; 2048];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("answered without the body")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    assert!(
        answer.contains("upload_error=too%5Flarge&limit_mb=256"),
        "{answer}"
    );
    assert_eq!(count(&app, "documents").await, 0);
}
