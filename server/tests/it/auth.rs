use crate::helpers::*;
use reqwest::StatusCode;
use vaern_core::policy::PlatformRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_with_the_right_password_shows_the_home_page() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    assert!(!app.is_signed_in(&client).await);
    let res = app.sign_in(&client, "Anne@Aarhus.dk ", PASSWORD).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    assert!(app.is_signed_in(&client).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let wrong = app
        .sign_in(&browser(), "anne@aarhus.dk", "not the right password")
        .await;
    let unknown = app
        .sign_in(&browser(), "nobody@aarhus.dk", "not the right password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(session_cookie(&wrong).is_none());
    assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_account_cannot_sign_in() {
    let app = spawn_app().await;
    let id = app
        .create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    sqlx::query("update users set status = 'disabled' where id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_are_throttled_even_with_the_right_password() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    // Eight counted failures: the wait after the last is 8 s, long enough that the next
    // attempt lands inside it however slow the machine (after the fifth it is only 1 s,
    // which a loaded machine can outlast). Attempts inside a wait are refused uncounted.
    let mut counted = 0;
    while counted < 8 {
        let res = app
            .sign_in(&browser(), "anne@aarhus.dk", "wrong password guess")
            .await;
        match res.status() {
            StatusCode::UNAUTHORIZED => counted += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(counted >= 5, "throttled after only {counted} failures");
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            other => panic!("unexpected {other}"),
        }
    }
    let res = app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().await.unwrap().contains("Throttled"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_needs_the_current_one() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    app.sign_in(&client, "anne@aarhus.dk", PASSWORD).await;
    let new = "an even longer new password";
    let wrong = app
        .rpc(
            &client,
            "change_password",
            &[
                ("current_password", "not my password at all"),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong.text().await.unwrap().contains("current_password"));
    let short = app
        .rpc(
            &client,
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "too short"),
                ("confirm_password", "too short"),
            ],
        )
        .await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    let ok = app
        .rpc(
            &client,
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(
        app.sign_in(&browser(), "anne@aarhus.dk", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app.sign_in(&browser(), "anne@aarhus.dk", new).await;
    assert!(res.status().is_success() || res.status().is_redirection());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_without_signing_in_is_refused() {
    let app = spawn_app().await;
    let res = app
        .rpc(
            &browser(),
            "change_password",
            &[
                ("current_password", "x"),
                ("new_password", "y"),
                ("confirm_password", "y"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_wasm_a_failed_sign_in_comes_back_to_the_form_with_the_message() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    let res = app
        .post_without_wasm(
            &client,
            "sign_in",
            "/sign-in",
            &[
                ("email", "anne@aarhus.dk"),
                ("password", "not the right password"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&format!("{}/sign-in?", app.url)), "{back}");
    let page = client
        .get(&back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("E-mailadressen eller adgangskoden er forkert."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_wasm_a_successful_sign_in_redirects_to_the_home_page() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    let res = app
        .post_without_wasm(
            &client,
            "sign_in",
            "/sign-in",
            &[("email", "anne@aarhus.dk"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/");
    assert!(app.is_signed_in(&client).await);
}
