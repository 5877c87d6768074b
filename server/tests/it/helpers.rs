//! `spawn_app()` and typed helpers for talking to a running Værn.

use reqwest::{Client, Response, StatusCode, redirect};
use std::path::PathBuf;
use tempfile::TempDir;
use vaern_core::accounts::sessions::SessionLimits;
use vaern_core::accounts::{self, NewUser, second_factor};
use vaern_core::db::Db;
use vaern_core::ids::{GroupId, UserId};
use vaern_core::orgs;
use vaern_core::policy::PlatformRole;
use vaern_server::config::Config;

pub const PASSWORD: &str = "a long enough test password";
/// The name `create_user` gives; no part of it is in `PASSWORD`, which the password
/// rules would refuse.
pub const NAME: &str = "Prøve Bruger";

pub struct TestApp {
    pub url: String,
    pub db: Db,
    /// Where mail goes when `Options::mail_dir` was given.
    pub mail_dir: Option<PathBuf>,
    _dir: TempDir,
}

#[derive(Default)]
pub struct Options {
    pub limits: SessionLimits,
    /// The libraries' upload limit in bytes; the server's default when `None`.
    pub max_upload_bytes: Option<u64>,
    pub public_url: Option<String>,
    /// Mail is written to files here (see `TestApp::mails`); off when `None`. A relative
    /// path is taken inside the app's temporary data directory.
    pub mail_dir: Option<PathBuf>,
}

impl Options {
    /// Mail on, into `mail/` in the data directory.
    pub fn with_mail() -> Self {
        Self {
            mail_dir: Some(PathBuf::from("mail")),
            ..Self::default()
        }
    }
}

/// Starts a server on a fresh data directory. It serves on threads of its own (see
/// `Server::run_until_stopped`), whatever runtime the test runs on.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let mut config = Config::new(dir.path().to_path_buf());
    config.limits = options.limits;
    config.public_url = options.public_url;
    config.site_root = dir.path().join("site");
    config.extraction = Some(extraction_settings());
    if let Some(limit) = options.max_upload_bytes {
        config.max_upload_bytes = limit;
    }
    let mail_dir = options.mail_dir.map(|path| dir.path().join(path));
    if let Some(mail_dir) = &mail_dir {
        config.mailer =
            vaern_core::mail::Mailer::dir(mail_dir.clone(), "Værn <noreply@vaern.test>")
                .expect("mail dir");
    }
    let server = vaern_server::Server::build(listener, config)
        .await
        .expect("server builds");
    let port = server.local_addr().expect("addr").port();
    tokio::spawn(server.run_until_stopped());
    let db = vaern_core::db::open(dir.path()).await.expect("db");
    TestApp {
        url: format!("http://127.0.0.1:{port}"),
        db,
        mail_dir,
        _dir: dir,
    }
}

/// How test servers read files' text: with the built `vaern` binary (this test binary
/// is a harness, not `vaern`), and a CPU limit short enough for a file that keeps its
/// reader busy to end within a test.
pub fn extraction_settings() -> vaern_server::extraction::Settings {
    let mut settings = vaern_server::extraction::Settings::new(env!("CARGO_BIN_EXE_vaern").into());
    settings.cpu_seconds = 4;
    settings.wall = std::time::Duration::from_secs(12);
    settings
}

/// What a browser accepts when it loads a page.
const ACCEPT_HTML: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

/// A browser-like client: keeps cookies, asks for HTML, does not follow redirects.
pub fn browser() -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept", ACCEPT_HTML.parse().expect("accept header"));
    Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    /// A live group, created directly in the database.
    pub async fn group(&self, slug: &str) -> GroupId {
        sqlx::query_scalar(
            "insert into user_groups (slug, name, description, default_tlp, created_at) \
             values ($1, $1, '', 'amber', 0) returning id",
        )
        .bind(slug)
        .fetch_one(&self.db)
        .await
        .expect("group created")
    }

    pub async fn add_to_group(&self, group: GroupId, user: UserId, role: &str) {
        sqlx::query(
            "insert into group_members (group_id, user_id, role, added_at) values ($1, $2, $3, 0)",
        )
        .bind(group)
        .bind(user)
        .bind(role)
        .execute(&self.db)
        .await
        .expect("member added");
    }

    /// The server's data directory (database, audit head).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The audit log of the server's database, for a test that changes it through core
    /// directly; the server's appender chains what it stages.
    pub fn audit(&self) -> vaern_core::audit::AuditLog {
        vaern_core::audit::AuditLog::new(self.db.clone(), self.data_dir())
    }

    /// Waits until the server's appender, which runs in the background, has chained every
    /// audit row staged so far and written the head for the newest, so that `audit_log`
    /// holds them all.
    pub async fn audit_chained(&self) {
        for _ in 0..500 {
            let (staged, newest): (i64, Option<i64>) = sqlx::query_as(
                "select (select count(*) from audit_staged), (select max(id) from audit_log)",
            )
            .fetch_one(&self.db)
            .await
            .expect("audit rows");
            // The head is written just after the chain commits.
            let head = std::fs::read_to_string(self.data_dir().join("audit.head"))
                .ok()
                .and_then(|head| head.split_once(' ')?.0.parse::<i64>().ok());
            if staged == 0 && head == newest {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the appender did not chain the staged audit rows within 10 s");
    }

    /// An active account in Aarhus (751) with `PASSWORD`.
    pub async fn create_user(&self, email: &str, role: PlatformRole) -> UserId {
        self.create_user_in("751", email, role, false).await
    }

    /// An active account with `PASSWORD` in the organisation with code `org`.
    pub async fn create_user_in(
        &self,
        org: &str,
        email: &str,
        role: PlatformRole,
        org_admin: bool,
    ) -> UserId {
        let org = orgs::find_by_code(&self.db, org)
            .await
            .expect("organisation is seeded");
        accounts::create(
            &self.db,
            NewUser {
                email: email.into(),
                name: NAME.into(),
                org_id: org.id,
                role,
                org_admin,
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("user created")
    }

    /// Gives the account a TOTP secret as if it had enrolled (no code used yet) and
    /// returns the secret.
    pub async fn give_second_factor(&self, user: UserId) -> String {
        let secret = second_factor::new_secret();
        sqlx::query("update users set totp_secret = $1, totp_last_step = null where id = $2")
            .bind(&secret)
            .bind(user)
            .execute(&self.db)
            .await
            .expect("secret stored");
        secret
    }

    /// Signs in with the password and then the code, asserting each step.
    pub async fn sign_in_with_code(
        &self,
        client: &Client,
        email: &str,
        password: &str,
        code: &str,
    ) {
        let res = self.sign_in(client, email, password).await;
        assert_eq!(res.status(), StatusCode::OK, "password step");
        assert_eq!(location(&res).as_deref(), Some("/sign-in/code"));
        let res = self.rpc(client, "submit_code", &[("code", code)]).await;
        let status = res.status();
        assert_eq!(
            status,
            StatusCode::OK,
            "code step: {}",
            res.text().await.unwrap_or_default()
        );
        assert!(self.is_signed_in(client).await, "signed in after the code");
    }

    /// A new account of `role` in `org` with a second factor, signed in in a new browser.
    /// Returns the browser, the account and its TOTP secret (whose current step is used).
    pub async fn signed_in_with_second_factor(
        &self,
        org: &str,
        email: &str,
        role: PlatformRole,
        org_admin: bool,
    ) -> (Client, UserId, String) {
        let user = self.create_user_in(org, email, role, org_admin).await;
        let secret = self.give_second_factor(user).await;
        let client = browser();
        self.sign_in_with_code(&client, email, PASSWORD, &totp_now(&secret))
            .await;
        (client, user, secret)
    }

    /// A new account signed in with its password alone in a new browser.
    pub async fn signed_in(
        &self,
        org: &str,
        email: &str,
        role: PlatformRole,
        org_admin: bool,
    ) -> (Client, UserId) {
        let user = self.create_user_in(org, email, role, org_admin).await;
        let client = browser();
        let res = self.sign_in(&client, email, PASSWORD).await;
        assert_eq!(
            location(&res).as_deref(),
            Some("/"),
            "signed in without a code"
        );
        assert!(self.is_signed_in(&client).await);
        (client, user)
    }

    /// The mail written so far, oldest first.
    pub fn mails(&self) -> Vec<String> {
        let dir = self.mail_dir.as_ref().expect("spawned with a mail dir");
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("mail dir")
            .map(|entry| entry.expect("dir entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .filter(|path| {
                !path
                    .file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with('.'))
            })
            .collect();
        // Names start with the time in nanoseconds.
        names.sort();
        names
            .iter()
            .map(|path| std::fs::read_to_string(path).expect("mail readable"))
            .collect()
    }

    /// The newest mail.
    pub fn newest_mail(&self) -> String {
        self.mails().pop().expect("a mail was written")
    }

    /// POSTs a form to a server function as our hydrated pages do.
    pub async fn rpc(&self, client: &Client, name: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(format!("{}/rpc/{name}", self.url))
            .header("origin", &self.url)
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// POSTs a form as a browser does without wasm: asks for HTML, names the page.
    pub async fn post_without_wasm(
        &self,
        client: &Client,
        name: &str,
        from_page: &str,
        form: &[(&str, &str)],
    ) -> Response {
        client
            .post(format!("{}/rpc/{name}", self.url))
            .header("origin", &self.url)
            .header("referer", format!("{}{from_page}", self.url))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn sign_in(&self, client: &Client, email: &str, password: &str) -> Response {
        self.rpc(
            client,
            "sign_in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("request")
    }

    /// True when `/` renders the home page rather than redirecting to sign-in.
    pub async fn is_signed_in(&self, client: &Client) -> bool {
        let res = self.get(client, "/").await;
        match res.status() {
            StatusCode::OK => res.text().await.unwrap_or_default().contains("Velkommen"),
            _ => false,
        }
    }
}

/// What a person is answered: the status and the body, with the page's nonce (a fresh
/// one per answer) and its own address (in the language links) taken out, so that a
/// hidden item's answer can be compared with a missing one's.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
}

pub async fn answer(res: Response) -> Answer {
    let status = res.status();
    let nonce = res
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .and_then(|csp| csp.split("'nonce-").nth(1))
        .and_then(|rest| rest.split('\'').next())
        .map(str::to_string);
    let mut body = res.text().await.expect("body");
    if let Some(nonce) = nonce.filter(|n| !n.is_empty()) {
        body = body.replace(&nonce, "NONCE");
    }
    Answer {
        status,
        body: without_own_address(&body),
    }
}

/// `body` with the address each language link leads back to (`/lang/…?next=…"`) replaced
/// by `PATH`: it names the page asked for, query and all.
fn without_own_address(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("?next=") {
        let (before, after) = rest.split_at(at + "?next=".len());
        out.push_str(before);
        let language_link = ["/lang/da?next=", "/lang/en?next="]
            .iter()
            .any(|link| before.ends_with(link));
        match after.find('"') {
            Some(end) if language_link => {
                out.push_str("PATH");
                rest = &after[end..];
            }
            _ => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// Where a server function sent the browser (`Location`), if anywhere.
pub fn location(res: &Response) -> Option<String> {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The token of the first `/link/<token>` in a text (a mail or a URL).
pub fn link_token(text: &str) -> String {
    let start = text.find("/link/").expect("the text holds a link") + "/link/".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// The TOTP code of the current 30-second step.
pub fn totp_now(secret: &str) -> String {
    second_factor::code_at(secret, unix_now()).expect("valid secret")
}

/// The code of the next step: still accepted now (one step of skew), and later than the
/// current one, so a second sign-in in the same test is not refused as a replay.
pub fn totp_next(secret: &str) -> String {
    second_factor::code_at(secret, unix_now() + 30).expect("valid secret")
}

/// A six-digit code that matches none of the steps accepted now.
pub fn wrong_code(secret: &str) -> String {
    let now = unix_now();
    let near: Vec<String> = (-2..=2)
        .map(|step| second_factor::code_at(secret, now + step * 30).expect("valid secret"))
        .collect();
    (0..)
        .map(|n: u32| format!("{:06}", (n * 111_111) % 1_000_000))
        .find(|code| !near.contains(code))
        .expect("some code is wrong")
}

/// The JSON body of a response.
pub async fn json(res: Response) -> serde_json::Value {
    let text = res.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a 400 whose body names the field and the reason.
pub async fn assert_invalid(res: Response, field: &str, reason: &str) {
    let status = res.status();
    let body = res.text().await.expect("body");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{field}/{reason}: {body}");
    let got: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    assert_eq!(
        got,
        serde_json::json!({ "Invalid": { "field": field, "reason": reason } }),
        "expected {field}/{reason}"
    );
}

/// The session cookie's `Set-Cookie` line, if the response sets one.
pub fn session_cookie(res: &Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("vaern_session="))
        .map(str::to_string)
}

/// A client that carries exactly this cookie value.
pub fn client_with_cookie(set_cookie: &str) -> Client {
    let pair = set_cookie.split(';').next().unwrap_or_default().to_string();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", pair.parse().expect("cookie header"));
    headers.insert("accept", ACCEPT_HTML.parse().expect("accept header"));
    Client::builder()
        .default_headers(headers)
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}
