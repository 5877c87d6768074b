//! The outbound TAXII feed (issue 7): 100,000 simulator objects are posted as the centre
//! (untimed), then read back over HTTP as the feed, in pages of 1,000, by a
//! municipality's token (which sees its own sightings and what is CLEAR/GREEN) and by a
//! region's (which sees the least). The timed path is the whole request: token check,
//! the policy in SQL, the cut for the reader (references removed, objects dropped) and
//! the JSON answer. Then the SIEM's steady state: polling with `added_after` set to the
//! last `X-TAXII-Date-Added-Last` when nothing new has arrived.
//!
//! Its peer, in the same run: reading the same rows straight from SQLite in pages of
//! 1,000 in `date_added` order and re-serialising them, with no policy and no cut.
//! Prints figures; not a pass/fail test.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use vaern_core::stix::simulate::{CENTRE_IDENTITY_ID, Generator};
use vaern_core::stix::{FEED_COLLECTION_ID, INBOUND_COLLECTION_ID};
use vaern_core::tokens::{self, Manager, NewToken};
use vaern_server::config::Config;

// As in the `vaern` binary, so that the server in this process allocates as it does there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const OBJECTS: usize = 100_000;
const PER_REQUEST: usize = 1_000;
const PAGE: usize = 1_000;
const EMPTY_POLLS: usize = 200;
const TAXII: &str = "application/taxii+json;version=2.1";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn token(
    db: &vaern_core::db::Db,
    audit: &vaern_core::audit::AuditLog,
    org: &str,
    scope: &str,
) -> String {
    tokens::create(
        db,
        audit,
        Manager::Operator,
        "bench",
        NewToken {
            org: org.into(),
            scopes: vec![scope.into()],
            expires: None,
            name: format!("bench {org}"),
        },
    )
    .await
    .expect("token")
    .secret
}

/// Posts `OBJECTS` simulator objects in envelopes of `PER_REQUEST`.
async fn publish(client: &reqwest::Client, url: &str, token: &str) {
    let municipalities = vaern_core::orgs::municipality_codes_and_names().expect("municipalities");
    let mut generator = Generator::new(20261127, municipalities);
    let now = time::OffsetDateTime::now_utc();
    let mut posted = 0;
    while posted < OBJECTS {
        let mut bundle = generator.bundle(PER_REQUEST, now);
        let Value::Array(objects) = bundle["objects"].take() else {
            panic!("bundle without objects");
        };
        posted += objects.len();
        let res = client
            .post(format!(
                "{url}/taxii2/vaern/collections/{INBOUND_COLLECTION_ID}/objects/"
            ))
            .header("accept", TAXII)
            .header("content-type", TAXII)
            .bearer_auth(token)
            .body(json!({ "objects": objects }).to_string())
            .send()
            .await
            .expect("post");
        assert_eq!(
            res.status(),
            202,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }
}

struct Read {
    objects: usize,
    pages: Vec<Duration>,
    total: Duration,
    last: Option<String>,
}

/// The whole feed as `token` reads it, page by page.
async fn read_feed(client: &reqwest::Client, url: &str, token: &str) -> Read {
    let mut read = Read {
        objects: 0,
        pages: Vec::new(),
        total: Duration::ZERO,
        last: None,
    };
    let mut next: Option<String> = None;
    let started = Instant::now();
    loop {
        let mut request = client
            .get(format!(
                "{url}/taxii2/vaern/collections/{FEED_COLLECTION_ID}/objects/"
            ))
            .header("accept", TAXII)
            .bearer_auth(token)
            .query(&[("limit", PAGE.to_string())]);
        if let Some(next) = &next {
            request = request.query(&[("next", next)]);
        }
        let page_started = Instant::now();
        let res = request.send().await.expect("get");
        assert_eq!(res.status(), 200);
        if let Some(last) = res.headers().get("x-taxii-date-added-last") {
            read.last = Some(last.to_str().expect("header").to_string());
        }
        let body: Value = res.json().await.expect("json");
        read.pages.push(page_started.elapsed());
        read.objects += body["objects"].as_array().map_or(0, Vec::len);
        if body["more"] != Value::Bool(true) {
            break;
        }
        next = Some(body["next"].as_str().expect("next").to_string());
    }
    read.total = started.elapsed();
    read.pages.sort();
    read
}

/// Both readers walk the whole collection; the feed serves only the reader's part of
/// it, so the fair ratio is the time for the whole walk, not objects per second.
fn report(who: &str, read: &Read, peer: Duration) {
    let rate = read.objects as f64 / read.total.as_secs_f64();
    println!(
        "{who}: {} objects served in {} pages, whole collection walked in {:.2} s \
         ({rate:.0} served objects/s; {:.2}× the raw walk's speed); page p50 {:.1} ms, p99 {:.1} ms",
        read.objects,
        read.pages.len(),
        read.total.as_secs_f64(),
        peer.as_secs_f64() / read.total.as_secs_f64(),
        ms(percentile(&read.pages, 0.5)),
        ms(percentile(&read.pages, 0.99)),
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let mut config = Config::new(dir.path().to_path_buf());
    config.site_root = dir.path().join("site");
    let server = vaern_server::Server::build(listener, config)
        .await
        .expect("server");
    let url = server.url().to_string();
    tokio::spawn(server.run_until_stopped());
    let db = vaern_core::db::open(dir.path()).await.expect("db");
    let audit = vaern_core::audit::AuditLog::new(db.clone(), dir.path());
    sqlx::query("update organisations set stix_identity_id = $1 where code = 'soc'")
        .bind(CENTRE_IDENTITY_ID)
        .execute(&db)
        .await
        .expect("link the centre");
    let client = reqwest::Client::new();

    let centre = token(&db, &audit, "soc", "stix:write").await;
    let started = Instant::now();
    publish(&client, &url, &centre).await;
    println!(
        "set-up: {OBJECTS} simulator objects posted in {:.1} s (untimed below)",
        started.elapsed().as_secs_f64()
    );

    // The peer: the same table in the same order, no policy and no cut.
    let started = Instant::now();
    let mut after = 0i64;
    let mut raw = 0usize;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "select date_added_us, content from stix_objects where date_added_us > $1 \
             and is_latest order by date_added_us limit $2",
        )
        .bind(after)
        .bind(PAGE as i64)
        .fetch_all(&db)
        .await
        .expect("raw page");
        let Some((last, _)) = rows.last() else {
            break;
        };
        after = *last;
        let objects: Vec<Value> = rows
            .iter()
            .map(|(_, c)| serde_json::from_str(c).expect("stored json"))
            .collect();
        raw += objects.len();
        std::hint::black_box(json!({ "objects": objects }).to_string());
    }
    let raw_time = started.elapsed();
    let peer_rate = raw as f64 / raw_time.as_secs_f64();
    println!(
        "peer (raw SQLite pages of {PAGE}, re-serialised, no policy, no cut): {raw} objects in {:.2} s: {peer_rate:.0} objects/s",
        raw_time.as_secs_f64()
    );

    let aarhus = token(&db, &audit, "751", "taxii:read").await;
    let region = token(&db, &audit, "1082", "taxii:read").await;
    let read = read_feed(&client, &url, &aarhus).await;
    report("feed, Aarhus (municipality)", &read, raw_time);
    let region_read = read_feed(&client, &url, &region).await;
    report("feed, Region Midtjylland", &region_read, raw_time);

    // A SIEM polling when nothing new has arrived.
    let last = read.last.expect("a last date_added");
    let mut polls = Vec::with_capacity(EMPTY_POLLS);
    for _ in 0..EMPTY_POLLS {
        let started = Instant::now();
        let res = client
            .get(format!(
                "{url}/taxii2/vaern/collections/{FEED_COLLECTION_ID}/objects/"
            ))
            .header("accept", TAXII)
            .bearer_auth(&aarhus)
            .query(&[("added_after", last.as_str())])
            .send()
            .await
            .expect("poll");
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.expect("json");
        assert!(body.get("objects").is_none());
        polls.push(started.elapsed());
    }
    polls.sort();
    println!(
        "poll with added_after and nothing new ({EMPTY_POLLS}×): p50 {:.2} ms, p99 {:.2} ms",
        ms(percentile(&polls, 0.5)),
        ms(percentile(&polls, 0.99)),
    );
}
