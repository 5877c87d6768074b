use crate::helpers::*;
use reqwest::StatusCode;
use vaern_core::policy::PlatformRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_server_function_fields_get_400_with_a_message() {
    let app = spawn_app().await;
    let res = app
        .rpc(&browser(), "sign_in", &[("email", "anne@aarhus.dk")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("BadRequest"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_utf8_form_body_gets_400() {
    let app = spawn_app().await;
    let res = browser()
        .post(format!("{}/rpc/sign_in", app.url))
        .header("origin", &app.url)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![
            b'e', b'm', b'a', b'i', b'l', b'=', 0xff, 0xfe, b'&', b'p', b'a', b's', b's', b'w',
            b'o', b'r', b'd', b'=', 0xc3,
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_fields_are_named_in_the_answer() {
    let app = spawn_app().await;
    let res = app.sign_in(&browser(), "", "").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("email"));
    let res = app.sign_in(&browser(), "anne@aarhus.dk", "").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("password"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_password_is_refused_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let huge = "x".repeat(1024 * 1024);
    let res = app.sign_in(&browser(), "anne@aarhus.dk", &huge).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let long = "x".repeat(5000);
    let res = app.sign_in(&browser(), "anne@aarhus.dk", &long).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get(&browser(), "/sign-in").await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_unknown_server_functions_are_404_or_400() {
    let app = spawn_app().await;
    let res = app.get(&browser(), "/findes-ikke").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("Siden findes ikke"));
    let res = app.rpc(&browser(), "does_not_exist", &[]).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = app.get(&browser(), "/lang/xx").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_session_cookie_is_treated_as_signed_out() {
    let app = spawn_app().await;
    for value in ["garbage", "AAAAAAAAAAAAAAAAAAAAAA", "%00%ff", ""] {
        let client = client_with_cookie(&format!("vaern_session={value}"));
        let res = app.get(&client, "/").await;
        assert_eq!(res.status(), StatusCode::FOUND, "cookie {value:?}");
        let res = app.get(&client, "/sign-in").await;
        assert_eq!(res.status(), StatusCode::OK, "cookie {value:?}");
    }
}
