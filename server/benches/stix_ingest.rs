//! STIX ingestion in bulk (DESIGN §5: ≥ 20,000 objects/s): 100,000 objects from the
//! simulator, as TAXII envelopes of 1,000, POSTed one after another to the real server.
//! The bundles are generated and serialised before timing starts; the timed path is
//! the whole request: parsing, validation, mapping, routing, outbox and event rows,
//! committed before the 202.
//!
//! Its peer, in the same run: the raw SQLite insert rate of the very rows the server
//! wrote (objects, references, target identities, targets, events, outbox), copied
//! into a fresh database with the same schema in transactions of 1,000 objects.
//! Prints figures; not a pass/fail test.

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use vaern_core::stix::INBOUND_COLLECTION_ID;
use vaern_core::stix::simulate::Generator;
use vaern_core::tokens::{self, Manager, NewToken};
use vaern_server::config::Config;

// As in the `vaern` binary, so that the server in this process allocates as it does there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const OBJECTS: usize = 100_000;
const PER_REQUEST: usize = 1_000;
const TAXII: &str = "application/taxii+json;version=2.1";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Envelopes of exactly `PER_REQUEST` objects each, from the simulator's bundles.
fn envelopes() -> Vec<String> {
    let municipalities = vaern_core::orgs::municipality_codes_and_names().expect("municipalities");
    let mut generator = Generator::new(20261127, municipalities);
    let now = time::OffsetDateTime::now_utc();
    let mut objects: Vec<Value> = Vec::with_capacity(OBJECTS + PER_REQUEST);
    let mut out = Vec::new();
    while out.len() * PER_REQUEST < OBJECTS {
        let mut bundle = generator.bundle(PER_REQUEST, now);
        let Value::Array(mut batch) = bundle["objects"].take() else {
            panic!("bundle without objects");
        };
        objects.append(&mut batch);
        while objects.len() >= PER_REQUEST && out.len() * PER_REQUEST < OBJECTS {
            let rest = objects.split_off(PER_REQUEST);
            out.push(json!({ "objects": objects }).to_string());
            objects = rest;
        }
    }
    out
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
    let token = tokens::create(
        &db,
        &audit,
        Manager::Operator,
        "bench",
        NewToken {
            org: "soc".into(),
            scopes: vec!["stix:write".into()],
            expires: None,
            name: "bench".into(),
        },
    )
    .await
    .expect("token")
    .secret;

    let bodies = envelopes();
    let bytes: usize = bodies.iter().map(String::len).sum();
    println!(
        "generated {} envelopes of {PER_REQUEST} objects ({:.1} MB of JSON)",
        bodies.len(),
        bytes as f64 / 1e6
    );
    let client = reqwest::Client::new();
    let endpoint = format!("{url}/taxii2/vaern/collections/{INBOUND_COLLECTION_ID}/objects/");
    let mut samples = Vec::with_capacity(bodies.len());
    let started = Instant::now();
    for body in bodies {
        let sent = Instant::now();
        let res = client
            .post(&endpoint)
            .bearer_auth(&token)
            .header("accept", TAXII)
            .header("content-type", TAXII)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        assert_eq!(status.as_u16(), 202, "{}", &text[..text.len().min(2000)]);
        samples.push(sent.elapsed());
    }
    let elapsed = started.elapsed();
    samples.sort();
    let stored: i64 = sqlx::query_scalar("select count(*) from stix_objects")
        .fetch_one(&db)
        .await
        .expect("count");
    let ingest_rate = stored as f64 / elapsed.as_secs_f64();
    println!(
        "ingest over HTTP        {stored} objects in {:.2} s: {:>8.0} objects/s   per request p50 {:>7.1} ms  p99 {:>7.1} ms",
        elapsed.as_secs_f64(),
        ingest_rate,
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
    );

    let raw_rate = raw_insert_rate(&db, dir.path()).await;
    println!(
        "raw SQLite insert       same rows, {PER_REQUEST} objects per transaction: {raw_rate:>8.0} objects/s"
    );
    println!(
        "ratio ingest / raw      {:.2}   (target: >= 20,000 objects/s ingested)",
        ingest_rate / raw_rate
    );
}

/// Copies the rows ingestion wrote into a fresh database (same migrations), one
/// transaction per `PER_REQUEST` objects with their side rows, and returns objects/s.
async fn raw_insert_rate(source: &vaern_core::db::Db, dir: &std::path::Path) -> f64 {
    let copy_dir = dir.join("raw");
    let copy = vaern_core::db::open(&copy_dir).await.expect("copy db");
    // The rows reference the ingest and token rows; copy those first, untimed.
    let mut conn = copy.acquire().await.expect("conn");
    sqlx::query("attach database $1 as src")
        .bind(dir.join("vaern.db").to_string_lossy().to_string())
        .execute(&mut *conn)
        .await
        .expect("attach");
    for sql in [
        "insert into api_tokens select * from src.api_tokens",
        "insert into stix_ingests select * from src.stix_ingests",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.expect(sql);
    }
    type Object = (
        i64,
        String,
        String,
        String,
        String,
        i64,
        i64,
        String,
        String,
        Option<String>,
        Option<String>,
        i64,
        bool,
        i64,
    );
    let objects: Vec<Object> = sqlx::query_as(
        "select id, stix_id, type, kind, class, version_us, date_added_us, content, name, \
         severity, tlp, publisher_org_id, is_latest, ingest_id from stix_objects order by id",
    )
    .fetch_all(source)
    .await
    .expect("objects");
    let refs: Vec<(i64, String, String)> =
        sqlx::query_as("select item_id, property, ref from stix_refs order by item_id")
            .fetch_all(source)
            .await
            .expect("refs");
    let targets: Vec<(i64, i64)> =
        sqlx::query_as("select item_id, org_id from stix_object_targets order by item_id")
            .fetch_all(source)
            .await
            .expect("targets");
    let started = Instant::now();
    let mut r = 0;
    let mut t = 0;
    for chunk in objects.chunks(PER_REQUEST) {
        let last = chunk.last().expect("chunk").0;
        let mut tx = conn.begin_with_immediate().await;
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into stix_objects (id, stix_id, type, kind, class, version_us, \
             date_added_us, content, name, severity, tlp, publisher_org_id, is_latest, ingest_id) ",
        );
        qb.push_values(chunk, |mut b, o| {
            b.push_bind(o.0)
                .push_bind(&o.1)
                .push_bind(&o.2)
                .push_bind(&o.3)
                .push_bind(&o.4)
                .push_bind(o.5)
                .push_bind(o.6)
                .push_bind(&o.7)
                .push_bind(&o.8)
                .push_bind(&o.9)
                .push_bind(&o.10)
                .push_bind(o.11)
                .push_bind(o.12)
                .push_bind(o.13);
        });
        qb.build().execute(&mut *tx).await.expect("objects");
        let start = r;
        while r < refs.len() && refs[r].0 <= last {
            r += 1;
        }
        for part in refs[start..r].chunks(PER_REQUEST) {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "insert into stix_refs (item_id, property, ref) ",
            );
            qb.push_values(part, |mut b, x| {
                b.push_bind(x.0).push_bind(&x.1).push_bind(&x.2);
            });
            qb.build().execute(&mut *tx).await.expect("refs");
        }
        let start = t;
        while t < targets.len() && targets[t].0 <= last {
            t += 1;
        }
        for part in targets[start..t].chunks(PER_REQUEST) {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "insert into stix_object_targets (item_id, org_id) ",
            );
            qb.push_values(part, |mut b, x| {
                b.push_bind(x.0).push_bind(x.1);
            });
            qb.build().execute(&mut *tx).await.expect("targets");
        }
        for table in [
            "intel_events (object_id, operation, created_at)",
            "search_outbox (kind, entity_id, operation, created_at)",
        ] {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!("insert into {table} "));
            let stix_outbox = table.starts_with("search");
            qb.push_values(chunk, |mut b, o| {
                if stix_outbox {
                    b.push_bind("stix_object")
                        .push_bind(o.0)
                        .push_bind("upsert")
                        .push_bind(0);
                } else {
                    b.push_bind(o.0).push_bind("added").push_bind(0);
                }
            });
            qb.build().execute(&mut *tx).await.expect("events");
        }
        tx.commit().await.expect("commit");
    }
    objects.len() as f64 / started.elapsed().as_secs_f64()
}

/// `BEGIN IMMEDIATE` on a pooled connection, as ingestion takes it.
trait BeginImmediate {
    async fn begin_with_immediate(&mut self) -> sqlx::Transaction<'_, sqlx::Sqlite>;
}

impl BeginImmediate for sqlx::pool::PoolConnection<sqlx::Sqlite> {
    async fn begin_with_immediate(&mut self) -> sqlx::Transaction<'_, sqlx::Sqlite> {
        use sqlx::Connection;
        (**self).begin_with("BEGIN IMMEDIATE").await.expect("begin")
    }
}
