//! Pulling STIX from the analysis centre's TAXII server (issue 7, part 2): against a real
//! TAXII 2.1 server, OASIS medallion, started here on loopback from the environment that
//! `make taxii-venv` installs. The poller stores what the remote collection holds once,
//! checkpoints on `X-TAXII-Date-Added-Last`, resumes from the database after a restart,
//! records failures and backs off; only admins configure it.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;
use vaern_core::audit::AuditLog;
use vaern_core::policy::PlatformRole;
use vaern_core::stix::simulate::Generator;
use vaern_core::stix::sources::{self, Manager, SourceId};
use vaern_server::poller::Poller;

const COLLECTION: &str = "365fed99-08fa-fdcd-a1b3-fb247eb41d01";
const USER: &str = "vaern";
const PASSWORD_OF_CENTRE: &str = "centre-test-password";
const TAXII: &str = "application/taxii+json;version=2.1";

/// Where `make taxii-venv` installs medallion and taxii2-client.
fn taxii_venv() -> PathBuf {
    std::env::var_os("VAERN_TAXII_VENV")
        .map(Into::into)
        .unwrap_or_else(|| "/var/cache/vaern/taxii-venv".into())
}

/// A port nobody listens on (bound, then let go).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A medallion process with one API root (`api1`) and one read-write collection, its
/// memory backend, Basic authentication and pages of at most four objects (so that a
/// poll follows `more`/`next`). Killed when dropped.
struct Medallion {
    child: Child,
    port: u16,
    dir: TempDir,
    client: Client,
}

impl Drop for Medallion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Medallion {
    async fn start() -> Self {
        let program = taxii_venv().join("bin/medallion");
        assert!(
            program.exists(),
            "{} is missing: run `make taxii-venv` (installs OASIS medallion, the TAXII 2.1 \
             server these tests poll)",
            program.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let root = format!("http://127.0.0.1:{port}/api1/");
        let data = json!({
            "/discovery": {
                "title": "Analysecentrets TAXII-server (test)",
                "description": "medallion for vaern's poller tests",
                "default": root,
                "api_roots": [root],
            },
            "api1": {
                "information": {
                    "title": "api1",
                    "description": "The analysis centre's API root",
                    "versions": [TAXII],
                    "max_content_length": 10_485_760,
                },
                "status": [],
                "collections": [{
                    "id": COLLECTION,
                    "title": "Alerts for the municipalities",
                    "description": "",
                    "can_read": true,
                    "can_write": true,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }],
            },
        });
        let data_path = dir.path().join("data.json");
        std::fs::write(&data_path, data.to_string()).expect("data file");
        let config = json!({
            "backend": {
                "module": "medallion.backends.memory_backend",
                "module_class": "MemoryBackend",
                "filename": data_path,
            },
            "users": { USER: PASSWORD_OF_CENTRE },
            "taxii": { "max_page_size": 4 },
        });
        let config_path = dir.path().join("medallion.json");
        std::fs::write(&config_path, config.to_string()).expect("config file");
        let log = std::fs::File::create(dir.path().join("medallion.log")).expect("log file");
        let child = Command::new(&program)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start medallion");
        let mut medallion = Self {
            child,
            port,
            dir,
            client: Client::new(),
        };
        medallion.wait_until_it_answers().await;
        medallion
    }

    fn api_root(&self) -> String {
        format!("http://127.0.0.1:{}/api1/", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("medallion.log")).unwrap_or_default()
    }

    async fn wait_until_it_answers(&mut self) {
        let discovery = format!("http://127.0.0.1:{}/taxii2/", self.port);
        for _ in 0..200 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("medallion exited ({status}):\n{}", self.log());
            }
            let answer = self
                .client
                .get(&discovery)
                .basic_auth(USER, Some(PASSWORD_OF_CENTRE))
                .header("accept", TAXII)
                .send()
                .await;
            if answer.is_ok_and(|res| res.status() == StatusCode::OK) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("medallion did not answer within 20 s:\n{}", self.log());
    }

    /// Adds objects to the collection as the centre does; returns medallion's status
    /// resource (its `request_timestamp` is the objects' `date_added`).
    async fn add(&self, objects: &[Value]) -> Value {
        let res = self
            .client
            .post(format!(
                "{}collections/{COLLECTION}/objects/",
                self.api_root()
            ))
            .basic_auth(USER, Some(PASSWORD_OF_CENTRE))
            .header("accept", TAXII)
            .header("content-type", TAXII)
            .body(json!({ "objects": objects }).to_string())
            .send()
            .await
            .expect("post to medallion");
        let status = res.status();
        let body = json(res).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        body
    }
}

/// Objects from the analysis centre's simulator.
fn centre_objects(generator: &mut Generator, size: usize) -> Vec<Value> {
    let mut bundle = generator.bundle(size, time::OffsetDateTime::now_utc());
    match bundle["objects"].take() {
        Value::Array(objects) => objects,
        other => panic!("no objects: {other}"),
    }
}

fn generator() -> Generator {
    Generator::new(
        20261127,
        vaern_core::orgs::municipality_codes_and_names().expect("municipalities"),
    )
}

fn ids(objects: &[Value]) -> HashSet<String> {
    objects
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_string())
        .collect()
}

/// (id, version) of each object: what is stored once each.
fn versions(objects: &[Value]) -> HashSet<(String, String)> {
    objects
        .iter()
        .map(|o| {
            let version = o.get("modified").or_else(|| o.get("created"));
            (
                o["id"].as_str().expect("id").to_string(),
                version.and_then(Value::as_str).unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The source as the database holds it.
#[derive(Debug, sqlx::FromRow)]
struct SourceRow {
    token_id: i64,
    checkpoint: Option<String>,
    last_success_at: Option<i64>,
    last_error_at: Option<i64>,
    last_error: Option<String>,
    objects_received: i64,
    consecutive_failures: i64,
    next_attempt_at: i64,
}

impl TestApp {
    /// A platform admin of KL with its second factor, signed in.
    async fn taxii_admin(&self) -> Client {
        self.signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
            .await
            .0
    }

    /// Adds a source through the admin page's server function; returns its id.
    async fn add_source(&self, admin: &Client, url: &str, password: &str) -> SourceId {
        let res = self
            .rpc(
                admin,
                "add_taxii_source",
                &[
                    ("url", url),
                    ("collection", COLLECTION),
                    ("username", USER),
                    ("password", password),
                    ("interval_secs", "30"),
                    ("org", "soc"),
                ],
            )
            .await;
        let status = res.status();
        let body = json(res).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        SourceId(body.as_i64().expect("source id"))
    }

    async fn source_row(&self, id: SourceId) -> SourceRow {
        sqlx::query_as(
            "select token_id, checkpoint, last_success_at, last_error_at, last_error, \
             objects_received, consecutive_failures, next_attempt_at \
             from taxii_sources where id = $1",
        )
        .bind(id)
        .fetch_one(&self.db)
        .await
        .expect("source row")
    }

    /// A poller as a freshly started server has one: nothing but the database.
    fn fresh_poller(&self) -> Poller {
        Poller::new(
            self.db.clone(),
            AuditLog::new(self.db.clone(), self.data_dir()),
        )
        .expect("poller")
    }

    /// Makes the source due and polls everything due (waiting for a poll the server's
    /// own timer may have under way).
    async fn poll_now(&self, poller: &Poller, id: SourceId) {
        sources::poll_soon(&self.db, Manager::Operator, id)
            .await
            .expect("due");
        poller.run_due().await;
    }

    /// The STIX ids stored, and the (id, version) pairs stored more than once.
    async fn stored_ids(&self) -> (HashSet<String>, i64) {
        let ids: Vec<String> = sqlx::query_scalar("select distinct stix_id from stix_objects")
            .fetch_all(&self.db)
            .await
            .expect("ids");
        let twice: i64 = sqlx::query_scalar(
            "select count(*) from (select stix_id, version_us from stix_objects \
             group by stix_id, version_us having count(*) > 1)",
        )
        .fetch_one(&self.db)
        .await
        .expect("duplicates");
        (ids.into_iter().collect(), twice)
    }

    /// Objects handed to ingestion under `token` after ingest row `after`.
    async fn fetched_since(&self, token: i64, after: i64) -> (i64, i64) {
        sqlx::query_as(
            "select coalesce(max(id), $2), coalesce(sum(total_count), 0) from stix_ingests \
             where token_id = $1 and id > $2",
        )
        .bind(token)
        .bind(after)
        .fetch_one(&self.db)
        .await
        .expect("ingests")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_stores_what_the_centre_holds_once_and_resumes_from_its_checkpoint() {
    let medallion = Medallion::start().await;
    let mut generator = generator();
    let first = centre_objects(&mut generator, 10);
    let added = medallion.add(&first).await;
    assert_eq!(added["success_count"], first.len(), "{added}");

    let app = spawn_app().await;
    let admin = app.taxii_admin().await;
    let id = app
        .add_source(&admin, &medallion.api_root(), PASSWORD_OF_CENTRE)
        .await;
    let poller = app.fresh_poller();
    app.poll_now(&poller, id).await;

    let row = app.source_row(id).await;
    assert_eq!(row.last_error, None, "{row:?}");
    assert!(row.last_success_at.is_some(), "{row:?}");
    assert_eq!(
        row.checkpoint.as_deref(),
        added["request_timestamp"].as_str(),
        "the checkpoint is medallion's X-TAXII-Date-Added-Last"
    );
    let (stored, twice) = app.stored_ids().await;
    assert_eq!(
        stored,
        ids(&first),
        "every object of the collection, over pages of four"
    );
    assert_eq!(twice, 0);
    assert_eq!(row.objects_received, versions(&first).len() as i64);
    let (last_ingest, fetched) = app.fetched_since(row.token_id, 0).await;
    assert_eq!(fetched, first.len() as i64);

    // More from the centre: only the new objects are fetched.
    let second = centre_objects(&mut generator, 6);
    let added = medallion.add(&second).await;
    let new = added["success_count"].as_i64().expect("count");
    assert!(new > 0, "{added}");
    app.poll_now(&poller, id).await;
    let row = app.source_row(id).await;
    assert_eq!(row.last_error, None, "{row:?}");
    let (last_ingest, fetched) = app.fetched_since(row.token_id, last_ingest).await;
    assert_eq!(fetched, new, "only what was added after the checkpoint");
    let (stored, twice) = app.stored_ids().await;
    let all: HashSet<String> = ids(&first).union(&ids(&second)).cloned().collect();
    let all_versions = versions(&first).union(&versions(&second)).count() as i64;
    assert_eq!(stored, all);
    assert_eq!(twice, 0);
    assert_eq!(row.objects_received, all_versions);
    assert_eq!(
        row.checkpoint.as_deref(),
        added["request_timestamp"].as_str()
    );

    // A restarted server has only the database: it asks from the stored checkpoint and
    // fetches nothing again.
    drop(poller);
    let restarted = app.fresh_poller();
    app.poll_now(&restarted, id).await;
    let row = app.source_row(id).await;
    assert_eq!(row.last_error, None, "{row:?}");
    assert_eq!(app.fetched_since(row.token_id, last_ingest).await.1, 0);
    let (stored, twice) = app.stored_ids().await;
    assert_eq!(stored, all);
    assert_eq!(twice, 0);
    assert_eq!(row.objects_received, all_versions);

    // The page shows the status, never the password.
    let page = app.get(&admin, "/admin/taxii-sources").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("page");
    assert!(html.contains("Analysecentrets TAXII-server"));
    assert!(html.contains(&medallion.api_root()));
    assert!(!html.contains(PASSWORD_OF_CENTRE));
    let listed = json(app.rpc(&admin, "taxii_sources", &[]).await).await;
    assert_eq!(listed["sources"][0]["objects_received"], all_versions);
    assert_eq!(listed["sources"][0]["has_password"], true);
    assert!(!listed.to_string().contains(PASSWORD_OF_CENTRE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_centre_that_is_down_or_refuses_the_password_is_recorded_and_backed_off() {
    let medallion = Medallion::start().await;
    medallion.add(&centre_objects(&mut generator(), 5)).await;
    let app = spawn_app().await;
    let admin = app.taxii_admin().await;
    let refused = app
        .add_source(&admin, &medallion.api_root(), "not the password")
        .await;
    let down = app
        .add_source(
            &admin,
            &format!("http://127.0.0.1:{}/api1/", free_port()),
            PASSWORD_OF_CENTRE,
        )
        .await;
    let poller = app.fresh_poller();
    poller.run_due().await;

    for (id, expected) in [(refused, "unauthorized: 401"), (down, "connect: ")] {
        let row = app.source_row(id).await;
        let error = row.last_error.clone().unwrap_or_default();
        assert!(error.contains(expected), "{expected}: {row:?}");
        assert!(
            !error.contains(PASSWORD_OF_CENTRE) && !error.contains("not the password"),
            "{error}"
        );
        assert_eq!(row.consecutive_failures, 1, "{row:?}");
        assert_eq!(row.last_success_at, None);
        let at = row.last_error_at.expect("error time");
        assert_eq!(row.next_attempt_at, at + 60, "twice the interval");
        // Again: backed off further.
        app.poll_now(&poller, id).await;
        let row = app.source_row(id).await;
        assert_eq!(row.consecutive_failures, 2, "{row:?}");
        let at = row.last_error_at.expect("error time");
        assert_eq!(row.next_attempt_at, at + 120, "four times the interval");
        assert_eq!(row.objects_received, 0);
    }
    let stored: i64 = sqlx::query_scalar("select count(*) from stix_objects")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing stored");

    // A source whose token was revoked is not polled, and says why.
    let token = app.source_row(refused).await.token_id;
    let res = app
        .rpc(&admin, "revoke_token", &[("id", &token.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.poll_now(&poller, refused).await;
    let row = app.source_row(refused).await;
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("token_unusable")),
        "{row:?}"
    );
    assert_eq!(row.consecutive_failures, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_configure_sources_and_bad_input_is_refused_with_its_reason() {
    let app = spawn_app().await;
    let admin = app.taxii_admin().await;
    let (member, _) = app
        .signed_in("751", "bo@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (org_admin, _) = app
        .signed_in("751", "leder@aarhus.dk", PlatformRole::Member, true)
        .await;
    let good = [
        ("url", "https://taxii.centre.example/api1/"),
        ("collection", COLLECTION),
        ("username", ""),
        ("password", ""),
        ("interval_secs", "300"),
        ("org", "soc"),
    ];
    // Those who are not admins are told the page does not exist.
    for (who, client) in [("member", &member), ("organisation admin", &org_admin)] {
        let res = app.get(client, "/admin/taxii-sources").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{who}");
        for (name, form) in [
            ("taxii_sources", &[][..]),
            ("add_taxii_source", &good[..]),
            ("delete_taxii_source", &[("id", "1")][..]),
            (
                "set_taxii_source_enabled",
                &[("id", "1"), ("enabled", "false")][..],
            ),
        ] {
            let res = app.rpc(client, name, form).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{name} as {who}");
        }
    }

    let with = |field: &'static str, value: &'static str| {
        good.iter()
            .map(|&(k, v)| if k == field { (k, value) } else { (k, v) })
            .collect::<Vec<_>>()
    };
    for (field, value, reason) in [
        ("url", "taxii.centre.example/api1/", "malformed"),
        ("url", "", "required"),
        ("url", "ftp://taxii.centre.example/", "scheme"),
        (
            "url",
            "https://user:pw@taxii.centre.example/",
            "credentials",
        ),
        ("collection", "", "required"),
        ("collection", "../../admin", "malformed"),
        ("interval_secs", "0", "out_of_range"),
        ("interval_secs", "100000", "out_of_range"),
        ("interval_secs", "fem", "malformed"),
        ("org", "751", "not_analysis_centre"),
        ("org", "nowhere", "unknown"),
    ] {
        let res = app
            .rpc(&admin, "add_taxii_source", &with(field, value))
            .await;
        assert_invalid(res, field, reason).await;
    }
    let count = |table: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("select count(*) from {table}"))
                .fetch_one(&db)
                .await
                .expect("count")
        }
    };
    assert_eq!(count("taxii_sources").await, 0, "nothing stored");
    assert_eq!(count("api_tokens").await, 0, "no token made");

    // Without wasm the form posts natively and the page says what is wrong.
    let res = app
        .post_without_wasm(
            &admin,
            "add_taxii_source",
            "/admin/taxii-sources",
            &with("interval_secs", "0"),
        )
        .await;
    let back = location(&res).expect("redirected back to the form");
    let back = back.strip_prefix(&app.url).unwrap_or(&back).to_string();
    assert!(back.starts_with("/admin/taxii-sources"), "{back}");
    let page = app.get(&admin, &back).await.text().await.expect("page");
    assert!(
        page.contains("Intervallet skal være mellem 30 og 86.400 sekunder."),
        "{page}"
    );
    assert_eq!(count("taxii_sources").await, 0);

    // A good source: listed, paused, resumed, deleted with its token revoked.
    let res = app
        .post_without_wasm(&admin, "add_taxii_source", "/admin/taxii-sources", &good)
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let (id, token): (i64, i64) = sqlx::query_as("select id, token_id from taxii_sources")
        .fetch_one(&app.db)
        .await
        .expect("stored");
    let listed = json(app.rpc(&admin, "taxii_sources", &[]).await).await;
    assert_eq!(listed["sources"][0]["url"], good[0].1);
    assert_eq!(
        listed["sources"][0]["org_name"],
        "Nationalt analysecenter (DCIS Sund)"
    );
    assert_eq!(listed["sources"][0]["enabled"], true);
    let paused = app
        .rpc(
            &admin,
            "set_taxii_source_enabled",
            &[("id", &id.to_string()), ("enabled", "false")],
        )
        .await;
    assert_eq!(paused.status(), StatusCode::OK);
    let listed = json(app.rpc(&admin, "taxii_sources", &[]).await).await;
    assert_eq!(listed["sources"][0]["enabled"], false);
    let deleted = app
        .rpc(&admin, "delete_taxii_source", &[("id", &id.to_string())])
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(count("taxii_sources").await, 0);
    let revoked: Option<i64> =
        sqlx::query_scalar("select revoked_at from api_tokens where id = $1")
            .bind(token)
            .fetch_one(&app.db)
            .await
            .expect("token");
    assert!(revoked.is_some(), "the source's token is revoked with it");
    app.audit_chained().await;
    let audited: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'taxii_source_%' order by id",
    )
    .fetch_all(&app.db)
    .await
    .expect("audit");
    assert_eq!(
        audited,
        [
            "taxii_source_add",
            "taxii_source_update",
            "taxii_source_delete"
        ]
    );
}
