//! The page shape: what a form did reaches the page rendered after it (the flash), once,
//! whether the form was posted plainly or by the form island; and responses are
//! compressed per `Accept-Encoding`, except the event stream.

use crate::helpers::*;
use reqwest::StatusCode;
use vaern_core::policy::PlatformRole;

const CHANGED: &str = "Din adgangskode er skiftet.";
const NEW_PASSWORD: &str = "another long enough password";

fn change_form() -> [(&'static str, &'static str); 3] {
    [
        ("current_password", PASSWORD),
        ("new_password", NEW_PASSWORD),
        ("confirm_password", NEW_PASSWORD),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_islands_submission_is_shown_once_on_the_page_loaded_after_it() {
    let app = spawn_app().await;
    let (client, _) = app
        .signed_in("751", "flash@aarhus.dk", PlatformRole::Member, false)
        .await;
    let res = client
        .post(format!("{}/rpc/change_password", app.url))
        .header("origin", &app.url)
        .header("accept", "application/json")
        .header(app::components::form::FORM_HEADER, "1")
        .form(&change_form())
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);

    let page = app.get(&client, "/account").await.text().await.unwrap();
    assert!(
        page.contains(CHANGED),
        "the reloaded page says what was done"
    );
    let again = app.get(&client, "/account").await.text().await.unwrap();
    assert!(!again.contains(CHANGED), "and only once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_call_that_is_not_a_form_submission_leaves_no_flash() {
    let app = spawn_app().await;
    let (client, _) = app
        .signed_in("751", "noflash@aarhus.dk", PlatformRole::Member, false)
        .await;
    // As the composer's live preview calls the server: no form header, asks for JSON.
    let res = app.rpc(&client, "change_password", &change_form()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = app.get(&client, "/account").await.text().await.unwrap();
    assert!(!page.contains(CHANGED));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_submission_leaves_no_flash() {
    let app = spawn_app().await;
    let (client, _) = app
        .signed_in("751", "refused@aarhus.dk", PlatformRole::Member, false)
        .await;
    let res = app
        .post_without_wasm(
            &client,
            "change_password",
            "/account",
            &[
                ("current_password", "not the password"),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    let back = location(&res).expect("sent back to the page");
    assert!(back.contains("__err="), "{back}");
    let page = app.get(&client, "/account").await.text().await.unwrap();
    assert!(!page.contains(CHANGED));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_compressed_for_browsers_that_accept_it_and_the_event_stream_is_not() {
    let app = spawn_app().await;
    let (client, _) = app
        .signed_in("751", "gzip@aarhus.dk", PlatformRole::Member, false)
        .await;
    let encoding_of = |res: &reqwest::Response| {
        res.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string())
    };
    for (accept, expected) in [
        ("gzip", Some("gzip")),
        ("br", Some("br")),
        ("identity", None),
    ] {
        let res = client
            .get(format!("{}/account", app.url))
            .header("accept-encoding", accept)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(encoding_of(&res).as_deref(), expected, "{accept}");
    }
    let events = client
        .get(format!("{}/events", app.url))
        .header("accept", "text/event-stream")
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("request");
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(
        encoding_of(&events),
        None,
        "each event reaches the browser at once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_with_the_form_leaves_no_session_behind_for_a_flash() {
    let app = spawn_app().await;
    let (client, _) = app
        .signed_in("751", "bye@aarhus.dk", PlatformRole::Member, false)
        .await;
    let sessions = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from tower_sessions")
            .fetch_one(&app.db)
            .await
            .expect("count sessions")
    };
    assert_eq!(sessions().await, 1);
    let res = app.post_without_wasm(&client, "sign_out", "/", &[]).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(
        sessions().await,
        0,
        "the flushed session is not stored again to carry the sign-out's flash"
    );
    assert!(!app.is_signed_in(&client).await);
}
