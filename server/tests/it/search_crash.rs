//! The search index after crashes, and `vaern reindex`, with the real binary: posts are
//! written while the server runs (over HTTP, and in bulk through a second connection to
//! the same database, with their outbox rows in the same transaction), the server is
//! killed (SIGKILL) at seeded random moments, between or during the indexer's commits
//! and once during a rebuild, and after a restart every post is found exactly once.
//! Then `vaern reindex` rebuilds the index offline, and online while searches go on.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Client;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use vaern_core::db::Db;

/// The owner of the demo's `referencegruppen`.
const EMAIL: &str = "it-chef@aarhus.demo";
const PASSWORD: &str = "demo-kommune-kodeord";
const SLUG: &str = "referencegruppen";
/// In the body of every post the crash test writes (and in nothing of the demo's).
const WORD: &str = "zebrakvasar";
/// In the title of every thread the crash test writes.
const TITLE_WORD: &str = "tordenkvasar";
/// Posts inserted in one transaction each round; with what the rounds before left, more
/// than one batch of the indexer.
const POSTS_PER_ROUND: usize = 600;

/// A running `vaern serve` on a data directory.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    async fn start(data_dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_vaern"))
            .arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("VAERN_LOG", "error")
            .env_remove("VAERN_FAILPOINT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("vaern serve starts");
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..300 {
            if reqwest::get(format!("{}/sign-in", server.url))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("vaern serve did not answer within 30 s");
    }

    /// A client signed in as the owner of the demo's first group.
    async fn signed_in(&self) -> Client {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let answer = client
            .post(format!("{}/rpc/sign_in", self.url))
            .header("origin", &self.url)
            .header("accept", "application/json")
            .form(&[("email", EMAIL), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign-in request");
        assert!(answer.status().is_success(), "sign-in: {}", answer.status());
        client
    }

    fn kill(mut self) {
        // SIGKILL: nothing of the server's runs after this.
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn vaern(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
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

fn demo(data_dir: &Path) {
    let (ok, stdout, stderr) = vaern(data_dir, &["demo"]);
    assert!(ok, "{stdout}\n{stderr}");
}

/// `/rpc/search`, which must answer 200; its JSON.
async fn search(client: &Client, url: &str, q: &str, page: usize) -> Value {
    let res = client
        .post(format!("{url}/rpc/search"))
        .header("origin", url)
        .header("accept", "application/json")
        .form(&[("q", q), ("page", &page.to_string())])
        .send()
        .await
        .expect("search request");
    let status = res.status();
    let body = res.text().await.expect("body");
    assert_eq!(status.as_u16(), 200, "search {q:?}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Waits until the server has applied the whole outbox and answered every reindex
/// request.
async fn drained(db: &Db) {
    for _ in 0..1200 {
        let (pending, requests): (i64, i64) = sqlx::query_as(
            "select (select count(*) from search_outbox), \
             (select count(*) from search_reindex_requests where finished_at is null)",
        )
        .fetch_one(db)
        .await
        .expect("outbox count");
        if pending == 0 && requests == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not empty the search outbox within 60 s");
}

/// What `<data_dir>/index` holds, sorted.
fn index_dir(data_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir.join("index"))
        .expect("the index directory")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn post_href(thread: i64, post: i64) -> String {
    format!("/threads/{thread}?post={post}#post-{post}")
}

/// A thread and `n` posts written in one transaction through the database, each with
/// its outbox row, as the forum code writes them.
async fn insert_posts(db: &Db, author: i64, group: i64, round: usize, n: usize) {
    let now = vaern_core::clock::now();
    let mut tx = db.begin().await.expect("transaction");
    let thread: i64 = sqlx::query_scalar(
        "insert into forum_threads (group_id, title, tlp, author_id, created_at) \
         values ($1, $2, 'amber', $3, $4) returning id",
    )
    .bind(group)
    .bind(format!("{TITLE_WORD} runde {round}"))
    .bind(author)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .expect("thread");
    sqlx::query(
        "insert into search_outbox (kind, entity_id, operation, created_at) \
         values ('thread', $1, 'upsert', $2)",
    )
    .bind(thread)
    .bind(now)
    .execute(&mut *tx)
    .await
    .expect("thread outbox row");
    for i in 0..n {
        let body = format!("{WORD} kvq{round}d{i:04}");
        let post: i64 = sqlx::query_scalar(
            "insert into forum_posts (thread_id, group_id, author_id, tlp, body_source, \
             body_html, created_at) values ($1, $2, $3, 'amber', $4, $5, $6) returning id",
        )
        .bind(thread)
        .bind(group)
        .bind(author)
        .bind(&body)
        .bind(format!("<p>{body}</p>"))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .expect("post");
        sqlx::query(
            "insert into search_outbox (kind, entity_id, operation, created_at) \
             values ('post', $1, 'upsert', $2)",
        )
        .bind(post)
        .bind(now)
        .execute(&mut *tx)
        .await
        .expect("post outbox row");
    }
    tx.commit().await.expect("commit");
}

/// Where the kill left the index, read from its files and the outbox: `behind` when
/// committed changes wait for an index commit, `applied` when the index committed rows
/// the outbox still holds (killed before deleting them), or `caught up`.
async fn crash_state(data_dir: &Path, db: &Db) -> String {
    let (rows, first, last): (i64, Option<i64>, Option<i64>) =
        sqlx::query_as("select count(*), min(id), max(id) from search_outbox")
            .fetch_one(db)
            .await
            .expect("outbox");
    let index = vaern_core::search::LiveIndex::open(&data_dir.join("index")).expect("index");
    let applied = index.current().applied().expect("payload").unwrap_or(-1);
    drop(index);
    match (first, last) {
        (Some(first), Some(last)) if last > applied => {
            format!("behind: index at {applied}, {rows} outbox rows {first}..={last}")
        }
        (Some(first), Some(last)) => {
            format!(
                "applied: index at {applied}, {rows} outbox rows {first}..={last} not yet deleted"
            )
        }
        _ => format!("caught up: index at {applied}"),
    }
}

/// Starts threads over HTTP, one after the other, until the server stops answering;
/// returns the posts it acknowledged.
async fn write_until_killed(client: Client, url: String, round: usize) -> Vec<i64> {
    let mut acknowledged = Vec::new();
    for i in 0..500 {
        let title = format!("{TITLE_WORD} runde {round} nr {i}");
        let body = format!("{WORD} kvq{round}h{i:04}");
        let answer = client
            .post(format!("{url}/rpc/start_thread"))
            .header("origin", &url)
            .header("accept", "application/json")
            .form(&[("slug", SLUG), ("title", &title), ("body", &body)])
            .send()
            .await;
        let Ok(answer) = answer else { break };
        if answer.status().as_u16() != 200 {
            break;
        }
        let Ok(outcome) = answer.json::<Value>().await else {
            break;
        };
        let post = outcome["Posted"]["post_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("not posted: {outcome}"));
        acknowledged.push(post);
    }
    acknowledged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_sigkills_at_any_moment_of_indexing_every_post_is_found_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    demo(dir.path());
    let db = vaern_core::db::open(dir.path()).await.expect("db");
    let author: i64 = sqlx::query_scalar("select id from users where email = $1")
        .bind(EMAIL)
        .fetch_one(&db)
        .await
        .expect("the demo's author");
    let group: i64 = sqlx::query_scalar("select id from user_groups where slug = $1")
        .bind(SLUG)
        .fetch_one(&db)
        .await
        .expect("the demo's group");
    // The demo's backlog is indexed first, so that the kills below land while the
    // indexer applies new rows rather than during the first build.
    let server = Server::start(dir.path()).await;
    drained(&db).await;
    server.kill();
    let mut rng = StdRng::seed_from_u64(0x5EA4C4);
    let mut acknowledged = Vec::new();
    let mut behind = 0;
    for round in 0..5 {
        let server = Server::start(dir.path()).await;
        let client = server.signed_in().await;
        if round == 4 {
            // The last round is killed while the server rebuilds its index aside (or
            // just before), with the outbox still being applied beside the rebuild:
            // the request is answered after the restart.
            vaern_core::search::live::request(&db, vaern_core::clock::now())
                .await
                .expect("reindex request");
        }
        let writer = tokio::spawn(write_until_killed(client, server.url.clone(), round));
        insert_posts(&db, author, group, round, POSTS_PER_ROUND).await;
        let wait = rng.gen_range(0..=300);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        server.kill();
        let written = writer.await.expect("writer");
        let state = crash_state(dir.path(), &db).await;
        behind += usize::from(state.starts_with("behind"));
        eprintln!(
            "round {round}: killed after {wait} ms, {} posts acknowledged over HTTP; {state}",
            written.len()
        );
        acknowledged.extend(written);
    }
    assert!(
        behind > 0,
        "no kill came between a database commit and the index commit that applies it"
    );

    let server = Server::start(dir.path()).await;
    drained(&db).await;
    let client = server.signed_in().await;
    // What the database holds is what must be found: the posts acknowledged over HTTP,
    // those inserted, and any whose request was cut off but had committed.
    let posts: Vec<(i64, i64, String)> = sqlx::query_as(
        "select id, thread_id, body_source from forum_posts where body_source like $1 \
         and deleted_at is null and removed_at is null order by id",
    )
    .bind(format!("{WORD} %"))
    .fetch_all(&db)
    .await
    .expect("posts");
    assert!(posts.len() >= 5 * POSTS_PER_ROUND, "{} posts", posts.len());
    for post in &acknowledged {
        assert!(
            posts.iter().any(|(id, _, _)| id == post),
            "acknowledged post {post} is not stored"
        );
    }
    let threads: i64 = sqlx::query_scalar("select count(*) from forum_threads where title like $1")
        .bind(format!("{TITLE_WORD} %"))
        .fetch_one(&db)
        .await
        .expect("threads");

    // Counted once each: one entry per post, one per thread.
    let all = search(&client, &server.url, WORD, 1).await;
    assert_eq!(all["total"], posts.len() as u64, "{}", all["kinds"]);
    let titles = search(&client, &server.url, TITLE_WORD, 1).await;
    assert_eq!(titles["total"], threads, "{}", titles["kinds"]);
    // Each post by its own word: found, once, as itself.
    let mut wrong = Vec::new();
    for (id, thread, body) in &posts {
        let token = body.split_whitespace().nth(1).expect("the post's own word");
        let found = search(&client, &server.url, token, 1).await;
        let hrefs: Vec<&str> = found["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .filter_map(|h| h["href"].as_str())
            .collect();
        if found["total"] != 1 || hrefs != [post_href(*thread, *id)] {
            wrong.push(format!("{token}: total {}, {hrefs:?}", found["total"]));
        }
    }
    assert!(
        wrong.is_empty(),
        "posts not found exactly once:\n{}",
        wrong.join("\n")
    );
    // The request cut off by the kill was answered, and one generation is left.
    let unanswered: Vec<(i64, Option<String>)> = sqlx::query_as(
        "select id, error from search_reindex_requests where finished_at is null or error is not null",
    )
    .fetch_all(&db)
    .await
    .expect("requests");
    assert_eq!(unanswered, vec![]);
    let names = index_dir(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[0], "CURRENT");
    let current = std::fs::read_to_string(dir.path().join("index/CURRENT")).expect("CURRENT");
    assert_eq!(names[1], format!("gen-{}", current.trim()));
    server.kill();
}

/// Dies (through `VAERN_FAILPOINT`) right after the index committed a batch and before
/// the outbox rows it applied are deleted, the window no signal hits reliably; returns
/// once the process has ended.
async fn die_after_index_commit(data_dir: &Path) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vaern"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("VAERN_LOG", "error")
        .env("VAERN_FAILPOINT", "search_after_index_commit")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("vaern serve starts");
    for _ in 0..600 {
        if child.try_wait().expect("child state").is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    panic!("the server did not reach the failpoint within 60 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_the_index_commit_and_the_outbox_deletion_applies_nothing_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    demo(dir.path());
    let db = vaern_core::db::open(dir.path()).await.expect("db");
    let author: i64 = sqlx::query_scalar("select id from users where email = $1")
        .bind(EMAIL)
        .fetch_one(&db)
        .await
        .expect("the demo's author");
    let group: i64 = sqlx::query_scalar("select id from user_groups where slug = $1")
        .bind(SLUG)
        .fetch_one(&db)
        .await
        .expect("the demo's group");
    let server = Server::start(dir.path()).await;
    drained(&db).await;
    server.kill();
    insert_posts(&db, author, group, 9, 50).await;
    die_after_index_commit(dir.path()).await;
    let state = crash_state(dir.path(), &db).await;
    assert!(state.starts_with("applied"), "{state}");

    let server = Server::start(dir.path()).await;
    drained(&db).await;
    let client = server.signed_in().await;
    let all = search(&client, &server.url, WORD, 1).await;
    assert_eq!(all["total"], 50, "{}", all["kinds"]);
    let titles = search(&client, &server.url, TITLE_WORD, 1).await;
    assert_eq!(titles["total"], 1, "{}", titles["kinds"]);
    server.kill();
}

/// What a few searches find, for comparing two indexes: for each query its total, its
/// facets and the set of its hits over every page. Forum content only, which nothing
/// changes in the background (the extraction worker adds documents' text).
async fn findings(client: &Client, url: &str) -> BTreeMap<String, (Value, Value, Vec<String>)> {
    let mut out = BTreeMap::new();
    for q in [
        "indlæg type:post",
        "leverandør type:post type:thread",
        "nis2 type:thread",
        "hændelse type:thread type:post",
        "kortlægning OR beredskab type:post",
    ] {
        let first = search(client, url, q, 1).await;
        let pages = first["pages"].as_u64().expect("pages") as usize;
        let mut hits = Vec::new();
        for page in 1..=pages {
            let results = search(client, url, q, page).await;
            hits.extend(
                results["hits"]
                    .as_array()
                    .expect("hits")
                    .iter()
                    .map(|h| h["href"].as_str().unwrap_or_default().to_string()),
            );
        }
        hits.sort();
        let facets = serde_json::json!([first["kinds"], first["groups"], first["tlps"]]);
        out.insert(q.to_string(), (first["total"].clone(), facets, hits));
    }
    out
}

/// The entries a full build makes: every thread, every post neither deleted nor removed,
/// every document not removed and the newest version of every STIX object search
/// covers.
async fn expected_entries(db: &Db) -> u64 {
    let n: i64 = sqlx::query_scalar(
        "select (select count(*) from forum_threads) \
         + (select count(*) from forum_posts where deleted_at is null and removed_at is null) \
         + (select count(*) from documents where removed_at is null) \
         + (select count(*) from stix_objects where is_latest and kind in \
            ('advisory', 'indicator', 'vulnerability', 'incident', 'sighting')) \
         + (select count(*) from alert_comments) \
         + (select count(*) from feedback where is_latest) \
         + (select count(*) from incidents) \
         + (select count(*) from incident_entries where kind in ('event', 'comment'))",
    )
    .fetch_one(db)
    .await
    .expect("counts");
    n as u64
}

fn rebuilt_entries(stdout: &str) -> u64 {
    let rest = stdout
        .split("Rebuilt the search index: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no rebuild reported: {stdout}"));
    rest.split(" entries")
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no entry count: {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vaern_reindex_rebuilds_offline_and_swaps_online_while_searches_go_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    demo(dir.path());
    let db = vaern_core::db::open(dir.path()).await.expect("db");
    let server = Server::start(dir.path()).await;
    drained(&db).await;
    let client = server.signed_in().await;
    let before = findings(&client, &server.url).await;
    assert!(
        before
            .values()
            .all(|(total, _, hits)| total.as_u64() > Some(0) && !hits.is_empty()),
        "every query finds something: {before:?}"
    );
    assert_eq!(index_dir(dir.path()), ["CURRENT", "gen-1"]);
    server.kill();

    // Offline: the command rebuilds the index itself.
    let (ok, stdout, stderr) = vaern(dir.path(), &["reindex"]);
    assert!(ok, "{stdout}\n{stderr}");
    let entries = rebuilt_entries(&stdout);
    assert_eq!(entries, expected_entries(&db).await, "{stdout}");
    assert_eq!(index_dir(dir.path()), ["CURRENT", "gen-2"]);
    let server = Server::start(dir.path()).await;
    drained(&db).await;
    let client = server.signed_in().await;
    assert_eq!(findings(&client, &server.url).await, before);

    // Online: the server rebuilds aside and swaps while searches are answered.
    let stop = Arc::new(AtomicBool::new(false));
    let searching = {
        let (client, url, stop) = (client.clone(), server.url.clone(), stop.clone());
        tokio::spawn(async move {
            let mut totals = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let results = search(&client, &url, "indlæg type:post", 1).await;
                totals.push(results["total"].clone());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            totals
        })
    };
    let data_dir = dir.path().to_path_buf();
    let (ok, stdout, stderr) = tokio::task::spawn_blocking(move || vaern(&data_dir, &["reindex"]))
        .await
        .expect("reindex ran");
    stop.store(true, Ordering::SeqCst);
    let totals = searching.await.expect("searches");
    eprintln!(
        "{} searches answered during the online rebuild",
        totals.len()
    );
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("The server is running"), "{stdout}");
    assert_eq!(rebuilt_entries(&stdout), entries, "{stdout}");
    // Every search during the rebuild was answered, each with the same count.
    assert!(
        totals.len() >= 3,
        "{} searches during the rebuild",
        totals.len()
    );
    let expected = &before["indlæg type:post"].0;
    assert!(totals.iter().all(|t| t == expected), "{totals:?}");
    // Returned after the swap: the old generation is gone.
    assert_eq!(index_dir(dir.path()), ["CURRENT", "gen-3"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("index/CURRENT"))
            .expect("CURRENT")
            .trim(),
        "3"
    );
    assert_eq!(findings(&client, &server.url).await, before);
    server.kill();
}
