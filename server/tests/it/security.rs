use crate::helpers::*;
use reqwest::StatusCode;
use vaern_core::policy::PlatformRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_sign_in_is_refused() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let form = [("email", "anne@aarhus.dk"), ("password", PASSWORD)];
    let from_elsewhere = browser()
        .post(format!("{}/rpc/sign_in", app.url))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(from_elsewhere.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&from_elsewhere).is_none());
    let cross_site_fetch = browser()
        .post(format!("{}/rpc/sign_in", app.url))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site_fetch.status(), StatusCode::FORBIDDEN);
    let no_origin = browser()
        .post(format!("{}/rpc/sign_in", app.url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(no_origin.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_same_origin_fetch_is_accepted_without_an_origin_header() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let res = browser()
        .post(format!("{}/rpc/sign_in", app.url))
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", "anne@aarhus.dk"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_post_with_a_valid_session_is_refused() {
    let app = spawn_app().await;
    app.create_user("anne@aarhus.dk", PlatformRole::Member)
        .await;
    let client = browser();
    app.sign_in(&client, "anne@aarhus.dk", PASSWORD).await;
    let res = client
        .post(format!("{}/rpc/sign_out", app.url))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(app.is_signed_in(&client).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_the_strict_security_headers_with_the_scripts_nonce() {
    let app = spawn_app().await;
    let res = app.get(&browser(), "/sign-in").await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(headers.get("strict-transport-security").is_none());
    assert!(
        headers.get("x-vaern-csp-nonce").is_none(),
        "the internal nonce header must not leak"
    );
    for directive in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the CSP names a nonce")
        .to_string();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the page's scripts carry the CSP nonce"
    );
    let again = app.get(&browser(), "/sign-in").await;
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let app = spawn_app_with(Options {
        public_url: Some("https://vaern.example.dk".into()),
        ..Options::default()
    })
    .await;
    let res = app.get(&browser(), "/sign-in").await;
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorization_header_does_not_sign_anyone_in_on_browser_routes() {
    let app = spawn_app().await;
    let res = browser()
        .get(format!("{}/", app.url))
        .header("authorization", "Bearer anything")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_link_sets_the_cookie_and_stays_on_the_site() {
    let app = spawn_app().await;
    let client = browser();
    let res = app.get(&client, "/lang/en?next=/sign-in").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/sign-in");
    let page = app.get(&client, "/sign-in").await.text().await.unwrap();
    assert!(
        page.contains("<html lang=\"en\""),
        "English after switching"
    );
    assert!(page.contains("Sign in"));
    let evil = app.get(&client, "/lang/da?next=//evil.example").await;
    assert_eq!(evil.headers()["location"], "/");
    let danish = app.get(&client, "/sign-in").await.text().await.unwrap();
    assert!(danish.contains("<html lang=\"da\""));
    assert!(danish.contains("Log ind"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_link_comes_back_to_the_page_with_its_query() {
    let app = spawn_app().await;
    let (member, _) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let here = "/search?q=s%C3%A5rbarhed&sort=newest";
    let page = app.get(&member, here).await.text().await.unwrap();
    let link = "/lang/en?next=/search%3Fq%3Ds%25C3%25A5rbarhed%26sort%3Dnewest";
    assert!(page.contains(&format!("href=\"{link}\"")), "{page}");
    let res = app.get(&member, link).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], here);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_link_changes_nothing_when_loaded_as_an_image_frame_or_fetch() {
    let app = spawn_app().await;
    for dest in ["image", "iframe", "empty", "script"] {
        let res = browser()
            .get(format!("{}/lang/en?next=/sign-in", app.url))
            .header("sec-fetch-dest", dest)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{dest}");
        assert!(res.headers().get("set-cookie").is_none(), "{dest}");
    }
    for dest in [Some("document"), None] {
        let mut req = browser().get(format!("{}/lang/en?next=/sign-in", app.url));
        if let Some(dest) = dest {
            req = req.header("sec-fetch-dest", dest);
        }
        let res = req.send().await.unwrap();
        assert!(res.headers().get("set-cookie").is_some(), "{dest:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_html_page_is_sent_with_cache_control_no_store() {
    let app = spawn_app().await;
    let (member, _) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    for (who, path) in [
        (browser(), "/sign-in"),
        (browser(), "/no-such-page"),
        (member.clone(), "/"),
        (member.clone(), "/account"),
        (member, "/groups/no-such-group"),
    ] {
        let res = app.get(&who, path).await;
        let html = res
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
        assert!(html, "{path}");
        assert_eq!(
            res.headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machine_routes_refuse_form_content() {
    let app = spawn_app().await;
    for path in ["/api/v1/stix/bundles", "/taxii2/"] {
        let res = browser()
            .post(format!("{}{path}", app.url))
            .form(&[("a", "b")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
    }
}
