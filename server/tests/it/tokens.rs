//! API tokens (issue 4, point 3): created for an organisation with scopes and an
//! optional expiry, shown once, accepted as Bearer and as the password of Basic on the
//! machine routes only, refused from the next request on once revoked or expired, and
//! managed by admins (everything; `stix:write` for an analysis centre only) and
//! organisation admins (`taxii:read` for their own organisation).

use crate::helpers::*;
use base64::Engine;
use reqwest::{Client, Response, StatusCode};
use std::process::Command;
use vaern_core::policy::PlatformRole;

const CHALLENGE: &str = r#"Bearer realm="vaern", Basic realm="vaern""#;

/// A client that carries no cookies: a machine.
fn machine() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The date `days` from today in Copenhagen (where token expiry days are counted).
fn copenhagen_day(days: i64) -> time::Date {
    vaern_core::clock::copenhagen_date(vaern_core::clock::now()).expect("today")
        + time::Duration::days(days)
}

/// [`copenhagen_day`] as `YYYY-MM-DD`.
fn local_date(days: i64) -> String {
    let day = copenhagen_day(days);
    format!(
        "{}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

impl TestApp {
    /// A platform admin of KL, signed in with its second factor.
    async fn admin(&self) -> Client {
        self.signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
            .await
            .0
    }

    async fn create_token(&self, client: &Client, form: &[(&str, &str)]) -> Response {
        self.rpc(client, "create_token", form).await
    }

    /// Creates a token through the page's server function and returns (id, secret).
    async fn token(&self, client: &Client, form: &[(&str, &str)]) -> (i64, String) {
        let res = self.create_token(client, form).await;
        assert_eq!(res.status(), StatusCode::OK, "{form:?}");
        let created = json(res).await;
        let secret = created["secret"].as_str().expect("secret").to_string();
        (created["id"].as_i64().expect("id"), secret)
    }

    async fn whoami(&self, authorization: Option<&str>) -> Response {
        let mut req = machine().get(format!("{}/api/v1/whoami", self.url));
        if let Some(value) = authorization {
            req = req.header("authorization", value);
        }
        req.send().await.expect("request")
    }

    async fn whoami_bearer(&self, secret: &str) -> Response {
        self.whoami(Some(&format!("Bearer {secret}"))).await
    }

    async fn token_list(&self, client: &Client) -> serde_json::Value {
        let res = self.rpc(client, "tokens", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        json(res).await
    }

    async fn audit_actions(&self, action: &str) -> i64 {
        self.audit_chained().await;
        sqlx::query_scalar("select count(*) from audit_log where action = $1")
            .bind(action)
            .fetch_one(&self.db)
            .await
            .expect("audit count")
    }
}

async fn assert_unauthorized(res: Response, what: &str) {
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
    assert_eq!(
        res.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some(CHALLENGE),
        "{what}"
    );
    let body = json(res).await;
    assert_eq!(body["error"], "unauthorized", "{what}");
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_answers_whoami_by_bearer_and_basic_until_it_is_revoked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, secret) = app
        .token(
            &admin,
            &[
                ("org", "soc"),
                ("name", "Publisher"),
                ("stix_write", "on"),
                ("taxii_read", "on"),
            ],
        )
        .await;
    assert!(secret.starts_with("vaern_"), "{secret}");

    let res = app.whoami_bearer(&secret).await;
    assert_eq!(res.status(), StatusCode::OK);
    let me = json(res).await;
    assert_eq!(
        me,
        serde_json::json!({
            "token": id,
            "organisation": { "code": "soc", "name": "Nationalt analysecenter (DCIS Sund)" },
            "scopes": ["stix:write", "taxii:read"],
            "expires_at": null,
        })
    );
    for user in ["siem", ""] {
        let res = app.whoami(Some(&basic(user, &secret))).await;
        assert_eq!(res.status(), StatusCode::OK, "Basic as {user:?}");
        assert_eq!(json(res).await["organisation"]["code"], "soc");
    }
    // The secret is not kept: the database holds only its hash.
    let stored: String = sqlx::query_scalar("select secret_hash from api_tokens where id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!stored.contains(&secret[6..]));

    let res = app
        .rpc(&admin, "revoke_token", &[("id", &id.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_unauthorized(app.whoami_bearer(&secret).await, "revoked, Bearer").await;
    assert_unauthorized(
        app.whoami(Some(&basic("siem", &secret))).await,
        "revoked, Basic",
    )
    .await;

    let list = app.token_list(&admin).await;
    let listed = &list["tokens"][0];
    assert_eq!(listed["id"], id);
    assert!(listed["revoked"].is_string(), "{listed}");
    assert_eq!(listed["revocable"], false);
    assert_eq!(app.audit_actions("token_create").await, 1);
    assert_eq!(app.audit_actions("token_revoke").await, 1);
    // Three uses within the hour: one audit row.
    assert_eq!(app.audit_actions("token_use").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refused_from_the_next_request_on() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let today = local_date(0);
    let (id, secret) = app
        .token(
            &admin,
            &[("org", "751"), ("taxii_read", "on"), ("expires", &today)],
        )
        .await;
    let res = app.whoami_bearer(&secret).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The token works through the day it names, until the next midnight in Copenhagen.
    let expires_at = json(res).await["expires_at"]
        .as_str()
        .expect("an expiry")
        .to_string();
    let expires_at =
        time::OffsetDateTime::parse(&expires_at, &time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
    assert_eq!(
        Some(expires_at.unix_timestamp()),
        vaern_core::clock::copenhagen_day_end(copenhagen_day(0))
    );

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    sqlx::query("update api_tokens set expires_at = $1 where id = $2")
        .bind(now)
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    assert_unauthorized(app.whoami_bearer(&secret).await, "expired").await;
    let list = app.token_list(&admin).await;
    assert_eq!(list["tokens"][0]["expired"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_malformed_unknown_and_flipped_tokens_get_401_with_a_challenge() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, secret) = app
        .token(&admin, &[("org", "751"), ("taxii_read", "on")])
        .await;
    assert_eq!(app.whoami_bearer(&secret).await.status(), StatusCode::OK);

    // One character flipped, in the middle and at the end.
    let flip = |at: usize| {
        let mut bytes = secret.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let flipped_middle = flip(20);
    let flipped_last = flip(secret.len() - 1);
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("empty bearer", Some("Bearer ".into())),
        ("another scheme", Some(format!("Token {secret}"))),
        ("no scheme", Some(secret.clone())),
        (
            "flipped character",
            Some(format!("Bearer {flipped_middle}")),
        ),
        (
            "flipped last character",
            Some(format!("Bearer {flipped_last}")),
        ),
        ("flipped, Basic", Some(basic("siem", &flipped_middle))),
        ("one character more", Some(format!("Bearer {secret}A"))),
        (
            "one character less",
            Some(format!("Bearer {}", &secret[..secret.len() - 1])),
        ),
        ("Basic, not base64", Some("Basic !!!".into())),
        ("Basic, secret as the user name", Some(basic(&secret, ""))),
        (
            "unknown token",
            Some(format!("Bearer vaern_{}", "A".repeat(43))),
        ),
    ];
    for (what, header) in cases {
        assert_unauthorized(app.whoami(header.as_deref()).await, what).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_shows_when_a_token_was_last_used() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, secret) = app
        .token(
            &admin,
            &[("org", "101"), ("taxii_read", "on"), ("name", "SIEM")],
        )
        .await;
    let list = app.token_list(&admin).await;
    let listed = &list["tokens"][0];
    assert_eq!(listed["id"], id);
    assert_eq!(listed["name"], "SIEM");
    assert_eq!(listed["org_name"], "Københavns Kommune");
    assert_eq!(listed["scopes"], serde_json::json!(["taxii:read"]));
    assert!(listed["last_used"].is_null(), "{listed}");

    assert_eq!(app.whoami_bearer(&secret).await.status(), StatusCode::OK);
    let list = app.token_list(&admin).await;
    let last_used = list["tokens"][0]["last_used"]
        .as_str()
        .expect("last use shown");
    // On the Copenhagen wall clock, in Danish: today's date.
    let today = copenhagen_day(0);
    let shown = format!(
        "{:02}.{:02}.{} kl. ",
        today.day(),
        u8::from(today.month()),
        today.year()
    );
    assert!(last_used.starts_with(&shown), "{last_used}");
    assert!(!last_used.contains("UTC"), "{last_used}");

    // The page shows it too.
    let page = app.get(&admin, "/admin/tokens").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(last_used), "the page shows the last use");
    assert!(
        html.contains("Tilbagekald nøgle #"),
        "a named revoke button"
    );
    assert!(!html.contains(&secret), "the list never shows a secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_wasm_the_secret_is_shown_once_on_the_page_after_the_post() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = app
        .post_without_wasm(
            &admin,
            "create_token",
            "/admin/tokens",
            &[("org", "751"), ("taxii_read", "on"), ("name", "Uden wasm")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = location(&res).expect("sent back to the page");
    assert!(
        back.starts_with(&format!("{}/admin/tokens", app.url)),
        "{back}"
    );
    let html = app.get(&admin, "/admin/tokens").await.text().await.unwrap();
    assert!(
        !html.contains("Internal"),
        "every load of the list succeeded"
    );
    let secret = secret_in(&html);
    assert_eq!(
        secret.len(),
        "vaern_".len() + 43,
        "the secret is on the page"
    );
    assert!(
        html.contains("den vises kun denne ene gang"),
        "with its note"
    );
    assert_eq!(app.whoami_bearer(&secret).await.status(), StatusCode::OK);
    let again = app.get(&admin, "/admin/tokens").await.text().await.unwrap();
    assert!(!again.contains(&secret), "shown only once");
    assert!(again.contains("Uden wasm"), "the token is listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_admin_creates_taxii_read_tokens_for_its_own_organisation_only() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (org_admin, _) = app
        .signed_in("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    let (own, own_secret) = app
        .token(&org_admin, &[("org", "751"), ("taxii_read", "on")])
        .await;
    assert_eq!(
        json(app.whoami_bearer(&own_secret).await).await["organisation"]["code"],
        "751"
    );

    let res = app
        .create_token(&org_admin, &[("org", "751"), ("stix_write", "on")])
        .await;
    assert_invalid(res, "scopes", "not_allowed").await;
    let res = app
        .create_token(&org_admin, &[("org", "soc"), ("stix_write", "on")])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "another organisation");
    let res = app
        .create_token(&org_admin, &[("org", "101"), ("taxii_read", "on")])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "another organisation");

    // It sees and revokes its own organisation's tokens only.
    let (elsewhere, elsewhere_secret) = app
        .token(&admin, &[("org", "101"), ("taxii_read", "on")])
        .await;
    let list = app.token_list(&org_admin).await;
    let ids: Vec<i64> = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [own]);
    assert_eq!(list["scopes"], serde_json::json!(["taxii:read"]));
    assert_eq!(
        list["orgs"],
        serde_json::json!([{ "code": "751", "name": "Aarhus Kommune" }])
    );
    let res = app
        .rpc(
            &org_admin,
            "revoke_token",
            &[("id", &elsewhere.to_string())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.whoami_bearer(&elsewhere_secret).await.status(),
        StatusCode::OK
    );
    let res = app
        .rpc(&org_admin, "revoke_token", &[("id", &own.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_unauthorized(
        app.whoami_bearer(&own_secret).await,
        "revoked by the org admin",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stix_write_is_only_for_the_analysis_centre_and_bad_input_names_its_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.token(&admin, &[("org", "soc"), ("stix_write", "on")])
        .await;
    for org in ["751", "kl", "1082"] {
        let res = app
            .create_token(&admin, &[("org", org), ("stix_write", "on")])
            .await;
        assert_invalid(res, "scopes", "not_for_org").await;
    }
    let res = app
        .create_token(&admin, &[("org", "9999"), ("taxii_read", "on")])
        .await;
    assert_invalid(res, "org", "unknown").await;
    let res = app.create_token(&admin, &[("org", "751")]).await;
    assert_invalid(res, "scopes", "required").await;
    let yesterday = local_date(-1);
    let res = app
        .create_token(
            &admin,
            &[
                ("org", "751"),
                ("taxii_read", "on"),
                ("expires", &yesterday),
            ],
        )
        .await;
    assert_invalid(res, "expires", "past").await;
    for bad in ["31-12-2099", "2099-02-30", "soon", "2099-12-31T00:00"] {
        let res = app
            .create_token(
                &admin,
                &[("org", "751"), ("taxii_read", "on"), ("expires", bad)],
            )
            .await;
        assert_invalid(res, "expires", "malformed").await;
    }
    let long = "x".repeat(101);
    let res = app
        .create_token(
            &admin,
            &[("org", "751"), ("taxii_read", "on"), ("name", &long)],
        )
        .await;
    assert_invalid(res, "name", "too_long_100").await;
    let res = app.rpc(&admin, "revoke_token", &[("id", "999999")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app.rpc(&admin, "revoke_token", &[("id", "x")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Nothing of the refused requests was stored.
    let count: i64 = sqlx::query_scalar("select count(*) from api_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_who_manage_nobody_see_no_tokens_page() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (id, _) = app
        .token(&admin, &[("org", "751"), ("taxii_read", "on")])
        .await;
    let (member, _) = app
        .signed_in("751", "anne@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "ane@soc.dk", PlatformRole::Analyst, false)
        .await;
    for (who, client) in [("member", &member), ("analyst", &analyst)] {
        assert_eq!(
            app.rpc(client, "tokens", &[]).await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
        let res = app
            .create_token(client, &[("org", "751"), ("taxii_read", "on")])
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{who}");
        let res = app
            .rpc(client, "revoke_token", &[("id", &id.to_string())])
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{who}");
        assert_eq!(
            app.get(client, "/admin/tokens").await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    let signed_out = browser();
    let res = app.get(&signed_out, "/admin/tokens").await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_means_nothing_on_browser_routes_and_a_cookie_nothing_on_machine_routes() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, secret) = app
        .token(&admin, &[("org", "751"), ("taxii_read", "on")])
        .await;
    let bearer = format!("Bearer {secret}");

    let res = browser()
        .get(format!("{}/", app.url))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND, "not signed in");
    assert_eq!(location(&res).as_deref(), Some("/sign-in"));
    let res = machine()
        .post(format!("{}/rpc/tokens", app.url))
        .header("origin", &app.url)
        .header("accept", "application/json")
        .header("authorization", &bearer)
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a server function");
    assert_eq!(json(res).await, serde_json::json!("Unauthenticated"));

    // The signed-in admin's session cookie does not authenticate on a machine route.
    let res = app.get(&admin, "/api/v1/whoami").await;
    assert_unauthorized(res, "session cookie on whoami").await;
}

fn vaern(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vaern"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("VAERN_LOG", "error")
        .output()
        .expect("the vaern binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The first `vaern_…` secret in a text.
/// The first token secret in `text`: `vaern_` and 43 characters (the page's asset
/// names, such as `vaern_bg.wasm`, start alike).
fn secret_in(text: &str) -> String {
    let runs = text.match_indices("vaern_").map(|(start, _)| {
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect::<String>()
    });
    let mut runs = runs.peekable();
    let first = runs.peek().cloned().expect("a secret is printed");
    runs.find(|run| run.len() == "vaern_".len() + 43)
        .unwrap_or(first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_creates_lists_and_revokes_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = vaern(
        dir.path(),
        &[
            "token",
            "create",
            "--org",
            "soc",
            "--scope",
            "stix:write",
            "--scope",
            "taxii:read",
            "--expires",
            "2099-12-31",
            "--name",
            "Publisher",
        ],
    );
    assert!(ok, "{stdout}\n{stderr}");
    let secret = secret_in(&stdout);
    assert_eq!(secret.len(), "vaern_".len() + 43, "{stdout}");
    assert!(stdout.contains("#1"), "{stdout}");

    let db = vaern_core::db::open(dir.path()).await.unwrap();
    let audit = vaern_core::audit::AuditLog::new(db.clone(), dir.path());
    let principal = vaern_core::tokens::authenticate(&db, &audit, &secret, "test")
        .await
        .unwrap()
        .expect("the printed secret works");
    assert_eq!(principal.org.code, "soc");
    assert_eq!(principal.expires_at, Some(4_102_441_200)); // 2100-01-01 00:00 in Copenhagen

    let (ok, listed, stderr) = vaern(dir.path(), &["token", "list"]);
    assert!(ok, "{stderr}");
    assert!(listed.contains("#1"), "{listed}");
    assert!(listed.contains("stix:write taxii:read"), "{listed}");
    assert!(listed.contains("Publisher"), "{listed}");
    assert!(listed.contains("expires 2099-12-31 23:00 UTC"), "{listed}");
    assert!(
        !listed.contains("last used never"),
        "used once above: {listed}"
    );
    assert!(!listed.contains(&secret), "the list never prints a secret");

    let (ok, stdout, stderr) = vaern(dir.path(), &["token", "revoke", "1"]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        vaern_core::tokens::authenticate(&db, &audit, &secret, "test")
            .await
            .unwrap()
            .is_none(),
        "refused once revoked"
    );
    let (_, listed, _) = vaern(dir.path(), &["token", "list"]);
    assert!(listed.contains("revoked"), "{listed}");

    for (args, expected) in [
        (
            &["--org", "nope", "--scope", "taxii:read"][..],
            "org: unknown",
        ),
        (
            &["--org", "751", "--scope", "stix:write"],
            "scopes: not_for_org",
        ),
        (
            &["--org", "751", "--scope", "taxii:write"],
            "scopes: unknown",
        ),
        (
            &[
                "--org",
                "751",
                "--scope",
                "taxii:read",
                "--expires",
                "2000-01-01",
            ],
            "expires: past",
        ),
    ] {
        let mut all = vec!["token", "create"];
        all.extend_from_slice(args);
        let (ok, _, stderr) = vaern(dir.path(), &all);
        assert!(!ok, "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let (ok, _, stderr) = vaern(dir.path(), &["token", "revoke", "99"]);
    assert!(!ok);
    assert!(stderr.contains("no such token"), "{stderr}");

    // The operator's actions are in the audit log, by nobody in particular.
    let rows: Vec<(String, Option<i64>)> =
        sqlx::query_as("select action, actor_user_id from audit_log order by id")
            .fetch_all(&db)
            .await
            .unwrap();
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["token_create", "token_use", "token_revoke"]);
    assert!(rows.iter().all(|(_, user)| user.is_none()));
}
