use crate::helpers::*;
use reqwest::StatusCode;
use std::time::Duration;
use vaern_core::accounts::sessions::SessionLimits;
use vaern_core::policy::PlatformRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_http_only_and_same_site_lax_and_not_secure_over_http() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    let cookie = session_cookie(&res).expect("sign-in sets the session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_secure_when_the_public_url_is_https() {
    let app = spawn_app_with(Options {
        public_url: Some("https://vaern.example.dk".into()),
        ..Options::default()
    })
    .await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let res = browser()
        .post(format!("{}/rpc/sign_in", app.url))
        .header("origin", "https://vaern.example.dk")
        .form(&[("email", "anne@aarhus.dk"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&res).expect("sign-in sets the session cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_again_issues_a_new_session_id_and_ends_the_old_one() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    let first = session_cookie(&app.sign_in(&client, "anne@aarhus.dk", PASSWORD).await).unwrap();
    let second = session_cookie(&app.sign_in(&client, "anne@aarhus.dk", PASSWORD).await).unwrap();
    assert_ne!(first.split(';').next(), second.split(';').next());
    assert!(!app.is_signed_in(&client_with_cookie(&first)).await);
    assert!(app.is_signed_in(&client_with_cookie(&second)).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    let cookie = session_cookie(&app.sign_in(&client, "anne@aarhus.dk", PASSWORD).await).unwrap();
    let replay = client_with_cookie(&cookie);
    assert!(app.is_signed_in(&replay).await);
    let out = app.rpc(&client, "sign_out", &[]).await;
    assert!(
        out.status().is_success() || out.status().is_redirection(),
        "{}",
        out.status()
    );
    assert!(!app.is_signed_in(&client).await);
    assert!(
        !app.is_signed_in(&replay).await,
        "a copied cookie must not outlive sign-out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires() {
    let app = spawn_app_with(Options {
        limits: SessionLimits {
            idle_secs: 2,
            absolute_secs: 3600,
        },
        ..Options::default()
    })
    .await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    app.sign_in(&client, "anne@aarhus.dk", PASSWORD).await;
    assert!(app.is_signed_in(&client).await);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let res = app.get(&client, "/").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/sign-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_in_use_still_ends_at_the_absolute_limit() {
    // Times are whole seconds: check well inside and well past the 4 s limit.
    let app = spawn_app_with(Options {
        limits: SessionLimits {
            idle_secs: 3600,
            absolute_secs: 4,
        },
        ..Options::default()
    })
    .await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    app.sign_in(&client, "anne@aarhus.dk", PASSWORD).await;
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert!(app.is_signed_in(&client).await);
    }
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert!(!app.is_signed_in(&client).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_user_ends_their_session_at_the_next_request() {
    let app = spawn_app().await;
    let id = app
        .create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    app.sign_in(&client, "anne@aarhus.dk", PASSWORD).await;
    assert!(app.is_signed_in(&client).await);
    sqlx::query("update users set status = 'disabled' where id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    assert!(!app.is_signed_in(&client).await);
}
