//! The dashboard, the alerts list, the acknowledgement view and the alerts export over
//! 1,000,000 alerts (issue 19): about 200,000 sightings over two years, each naming five
//! municipalities (Copenhagen in half of them, so that one organisation has about
//! 100,000 alerts to list and export), generated in-process with backdated times and
//! written as ingestion stores them (objects, targets, references, anchors, alerts), with
//! 20,000 indicators, 5,000 advisories and 1,000 incidents beside them.
//!
//! Timed through core, as the pages call it, with the policy:
//! - the dashboard (`stix::dashboard::for_viewer`) for a member of Copenhagen, of Aarhus,
//!   and for an analyst; its peer: the same alert numbers of Copenhagen read without the
//!   policy (a plain `group by` over its rows);
//! - the alerts list (`stix::alerts::list`) with filters, sorts and a deep page;
//! - the acknowledgement view (`stix::acknowledgements::recent` and `overview`) for an
//!   analyst and a coordinator;
//! - the CSV export of Copenhagen's ~100,000 alerts as `/alerts.csv` writes it (batches
//!   of `EXPORT_BATCH` through `next_batch`, each written and dropped), against its peer:
//!   the same rows read in one query and held, as an export that is not streamed would.
//!   Memory is the growth of the process's peak resident set (VmHWM) over each.
//!
//! Targets (the issue): dashboard ≤ 50 ms and list ≤ 100 ms and acknowledgement view
//! ≤ 200 ms at p99; the export at flat memory. Prints figures; not a pass/fail test.
//! Environment: `BENCH_DASHBOARD_SIGHTINGS` (200,000), `BENCH_DASHBOARD_RUNS` (200 per
//! measurement), `BENCH_DASHBOARD_KEEP` (set: the database is kept and its directory
//! printed, to study query plans with `sqlite3`).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::{QueryBuilder, Sqlite};
use std::time::{Duration, Instant};
use vaern_core::db::Db;
use vaern_core::ids::{OrgId, UserId};
use vaern_core::policy::{PlatformRole, Viewer};
use vaern_core::stix::acknowledgements;
use vaern_core::stix::alerts::{self, AlertFilter, AlertSort, StatusFilter};
use vaern_core::stix::dashboard;
use vaern_core::stix::object::Severity;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEED: u64 = 19;
const MUNICIPALITIES_PER_SIGHTING: usize = 5;
const INDICATORS: usize = 20_000;
const ADVISORIES: usize = 5_000;
const INCIDENTS: usize = 1_000;
const TWO_YEARS: i64 = 2 * 365 * 24 * 3600;
/// Rows per multi-row insert statement (SQLite binds at most 32,766 values).
const ROWS_PER_STATEMENT: usize = 2_000;
const LABELS: [(&str, u32); 4] = [
    ("amber", 70),
    ("green", 20),
    ("amber+strict", 8),
    ("red", 2),
];
const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
const INDICATOR_TYPES: [(&str, &str); 4] = [
    ("ipv4-addr", "value"),
    ("domain-name", "value"),
    ("url", "value"),
    ("email-addr", "value"),
];

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set of this process so far, in bytes (Linux `VmHWM`).
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Resets the peak so that the next reading is the peak of what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

struct Latency {
    median: Duration,
    p99: Duration,
    max: Duration,
}

impl Latency {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
        Latency {
            median: at(0.5),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

fn row(name: &str, l: &Latency, target_ms: Option<f64>) {
    let verdict = match target_ms {
        Some(t) if ms(l.p99) <= t => format!("  (target p99 <= {t} ms: met)"),
        Some(t) => format!("  (target p99 <= {t} ms: NOT met)"),
        None => String::new(),
    };
    println!(
        "{name:<58} {:>8.2} {:>8.2} {:>8.2}{verdict}",
        ms(l.median),
        ms(l.p99),
        ms(l.max)
    );
}

/// Times `runs` calls of `call` after a tenth as many untimed ones.
async fn time<F, Fut, T>(runs: usize, mut call: F) -> Latency
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    for _ in 0..(runs / 10).max(1) {
        std::hint::black_box(call().await);
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(call().await);
        samples.push(started.elapsed());
    }
    Latency::of(samples)
}

fn pick_label(rng: &mut StdRng) -> &'static str {
    let roll = rng.gen_range(0..100);
    let mut sum = 0;
    for (label, share) in LABELS {
        sum += share;
        if roll < sum {
            return label;
        }
    }
    "amber"
}

/// One stored object: row, STIX id, type, kind, class, version (µs), content, name,
/// severity, label.
struct Object {
    row: i64,
    stix_id: String,
    kind: &'static str,
    class: &'static str,
    version_us: i64,
    content: String,
    name: String,
    severity: Option<&'static str>,
    tlp: Option<&'static str>,
}

async fn insert<T>(
    conn: &mut sqlx::SqliteConnection,
    head: &str,
    rows: &[T],
    mut push: impl FnMut(sqlx::query_builder::Separated<'_, '_, Sqlite, &'static str>, &T),
) {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut qb = QueryBuilder::<Sqlite>::new(head);
        qb.push_values(chunk, &mut push);
        qb.build().execute(&mut *conn).await.expect("insert");
    }
}

/// Sighting, its row, organisation, severity, status, raised (and visible), acknowledged.
type AlertRow = (
    String,
    i64,
    OrgId,
    &'static str,
    &'static str,
    i64,
    Option<i64>,
);

struct World {
    copenhagen: OrgId,
    aarhus: OrgId,
    soc: OrgId,
    kl: OrgId,
    /// One member per municipality, by organisation.
    members: Vec<(OrgId, UserId)>,
    analyst: UserId,
    coordinator: UserId,
    /// A sighting and an advisory the acknowledgement view is timed on.
    sighting_row: i64,
    advisory_row: i64,
}

async fn load(db: &Db, sightings: usize, now: i64) -> World {
    let mut rng = StdRng::seed_from_u64(SEED);
    let orgs: Vec<(OrgId, String, String)> =
        sqlx::query_as("select id, code, kind from organisations order by id")
            .fetch_all(db)
            .await
            .expect("organisations");
    let by_code = |code: &str| {
        orgs.iter()
            .find(|(_, c, _)| c == code)
            .map(|(id, _, _)| *id)
            .expect("a seeded organisation")
    };
    let municipalities: Vec<OrgId> = orgs
        .iter()
        .filter(|(_, _, kind)| kind == "municipality")
        .map(|(id, _, _)| *id)
        .collect();
    let (copenhagen, aarhus, soc, kl) = (
        by_code("101"),
        by_code("751"),
        by_code("soc"),
        by_code("kl"),
    );
    let mut conn = db.acquire().await.expect("connection");
    // Rows are written as ingestion leaves them, without its request records.
    sqlx::query("pragma foreign_keys = off")
        .execute(&mut *conn)
        .await
        .expect("pragma");
    sqlx::query("begin")
        .execute(&mut *conn)
        .await
        .expect("begin");

    let mut people: Vec<(UserId, OrgId, &str)> = municipalities
        .iter()
        .enumerate()
        .map(|(i, org)| (UserId(1_000 + i as i64), *org, "member"))
        .collect();
    let analyst = UserId(2_000);
    let coordinator = UserId(2_001);
    people.push((analyst, soc, "analyst"));
    people.push((coordinator, kl, "coordinator"));
    insert(
        &mut conn,
        "insert into users (id, org_id, email, name, platform_role, org_admin, status, \
         created_at, updated_at) ",
        &people,
        |mut b, (id, org, role)| {
            b.push_bind(id.0)
                .push_bind(*org)
                .push_bind(format!("bruger{}@bench.invalid", id.0))
                .push_bind(format!("Bruger {}", id.0))
                .push_bind(*role)
                .push_bind(false)
                .push_bind("active")
                .push_bind(now)
                .push_bind(now);
        },
    )
    .await;

    let mut objects: Vec<Object> = Vec::new();
    let mut next_row = 1;
    let mut object = |objects: &mut Vec<Object>,
                      stix_id: String,
                      kind: &'static str,
                      class: &'static str,
                      at: i64,
                      content: serde_json::Value,
                      name: String,
                      severity: Option<&'static str>,
                      tlp: Option<&'static str>| {
        let row = next_row;
        next_row += 1;
        objects.push(Object {
            row,
            stix_id,
            kind,
            class,
            version_us: at * 1_000_000,
            content: content.to_string(),
            name,
            severity,
            tlp,
        });
        row
    };
    let uuid = |prefix: &str, n: usize| format!("{prefix}--00000000-0000-4000-8000-{n:012x}");
    let iso = |at: i64| {
        time::OffsetDateTime::from_unix_timestamp(at)
            .expect("a time")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("formatted")
    };

    let mut indicator_ids = Vec::with_capacity(INDICATORS);
    for n in 0..INDICATORS {
        let at = now - rng.gen_range(0..TWO_YEARS);
        let (kind, property) = INDICATOR_TYPES[n % INDICATOR_TYPES.len()];
        let value = format!("198.51.{}.{}", n / 256 % 256, n % 256);
        let id = uuid("indicator", n);
        let pattern = format!("[{kind}:{property} = '{value}']");
        object(
            &mut objects,
            id.clone(),
            "indicator",
            "dependent",
            at,
            json!({"type": "indicator", "id": id, "pattern": pattern, "created": iso(at),
                   "modified": iso(at)}),
            String::new(),
            None,
            Some("amber"),
        );
        indicator_ids.push(id);
    }
    let mut advisory_rows = Vec::new();
    for n in 0..ADVISORIES + INCIDENTS {
        let at = now - rng.gen_range(0..TWO_YEARS);
        let advisory = n < ADVISORIES;
        let id = uuid(if advisory { "report" } else { "incident" }, n);
        let row = object(
            &mut objects,
            id.clone(),
            if advisory { "advisory" } else { "incident" },
            "item",
            at,
            json!({"type": if advisory { "report" } else { "incident" }, "id": id,
                   "created": iso(at), "modified": iso(at)}),
            format!(
                "Bench-{} {n}",
                if advisory { "rådgivning" } else { "hændelse" }
            ),
            Some(SEVERITIES[rng.gen_range(0..4)]),
            Some(if rng.gen_bool(0.7) { "amber" } else { "green" }),
        );
        if advisory {
            advisory_rows.push((row, at));
        }
    }
    // Sightings, each at five municipalities.
    let mut targets: Vec<(i64, OrgId)> = Vec::new();
    let mut alerts_rows: Vec<AlertRow> = Vec::new();
    let mut refs: Vec<(i64, String)> = Vec::new();
    let mut anchors: Vec<(i64, String)> = Vec::new();
    let mut sighting_row = 0;
    let indicator_row = |i: usize| (i + 1) as i64;
    for n in 0..sightings {
        let at = now - rng.gen_range(0..TWO_YEARS);
        let id = uuid("sighting", n);
        let indicator = rng.gen_range(0..INDICATORS);
        let severity = SEVERITIES[rng.gen_range(0..4)];
        let tlp = pick_label(&mut rng);
        let mut at_orgs: Vec<OrgId> = Vec::with_capacity(MUNICIPALITIES_PER_SIGHTING);
        if rng.gen_bool(0.5) {
            at_orgs.push(copenhagen);
        }
        while at_orgs.len() < MUNICIPALITIES_PER_SIGHTING {
            let org = *municipalities.choose(&mut rng).expect("municipalities");
            if !at_orgs.contains(&org) {
                at_orgs.push(org);
            }
        }
        let row = object(
            &mut objects,
            id.clone(),
            "sighting",
            "item",
            at,
            json!({"type": "sighting", "id": id, "sighting_of_ref": indicator_ids[indicator],
                   "created": iso(at), "modified": iso(at)}),
            String::new(),
            Some(severity),
            Some(tlp),
        );
        if n == sightings / 2 {
            sighting_row = row;
        }
        refs.push((row, indicator_ids[indicator].clone()));
        anchors.push((indicator_row(indicator), id.clone()));
        for org in at_orgs {
            targets.push((row, org));
            // Older alerts are mostly closed; the last weeks' mostly still open.
            let age_days = (now - at) / 86_400;
            let roll = rng.gen_range(0..10);
            let status = if age_days <= 14 {
                match roll {
                    0..=5 => "new",
                    6 | 7 => "acknowledged",
                    _ => "investigating",
                }
            } else {
                match roll {
                    0 => "new",
                    1..=6 => "resolved",
                    7 => "false_positive",
                    _ => "not_affected",
                }
            };
            let acknowledged = (status != "new").then(|| at + rng.gen_range(600..200_000));
            alerts_rows.push((id.clone(), row, org, severity, status, at, acknowledged));
        }
    }
    let mut used_dates = std::collections::HashSet::new();
    insert(
        &mut conn,
        "insert into stix_objects (id, stix_id, type, kind, class, version_us, date_added_us, \
         content, name, severity, tlp, publisher_org_id, has_unlinked_targets, is_latest, \
         ingest_id) ",
        &objects,
        |mut b, o| {
            // date_added is unique: the version time, nudged past any taken.
            let mut added = o.version_us;
            while !used_dates.insert(added) {
                added += 1;
            }
            b.push_bind(o.row)
                .push_bind(o.stix_id.clone())
                .push_bind(match o.kind {
                    "advisory" => "report",
                    other => other,
                })
                .push_bind(o.kind)
                .push_bind(o.class)
                .push_bind(o.version_us)
                .push_bind(added)
                .push_bind(o.content.clone())
                .push_bind(o.name.clone())
                .push_bind(o.severity)
                .push_bind(o.tlp)
                .push_bind(soc)
                .push_bind(false)
                .push_bind(true)
                .push_bind(1);
        },
    )
    .await;
    insert(
        &mut conn,
        "insert into stix_object_targets (item_id, org_id) ",
        &targets,
        |mut b, (row, org)| {
            b.push_bind(*row).push_bind(*org);
        },
    )
    .await;
    insert(
        &mut conn,
        "insert into stix_refs (item_id, property, ref) ",
        &refs,
        |mut b, (row, target)| {
            b.push_bind(*row)
                .push_bind("sighting_of_ref")
                .push_bind(target.clone());
        },
    )
    .await;
    insert(
        &mut conn,
        "insert or ignore into stix_object_anchors (item_id, anchor_ref) ",
        &anchors,
        |mut b, (row, anchor)| {
            b.push_bind(*row).push_bind(anchor.clone());
        },
    )
    .await;
    insert(
        &mut conn,
        "insert into alerts (sighting_ref, sighting_row, org_id, severity, status, created_at, \
         visible_at, acknowledged_at, updated_at) ",
        &alerts_rows,
        |mut b, (sighting, row, org, severity, status, at, acknowledged)| {
            b.push_bind(sighting.clone())
                .push_bind(*row)
                .push_bind(*org)
                .push_bind(*severity)
                .push_bind(*status)
                .push_bind(*at)
                .push_bind(*at)
                .push_bind(*acknowledged)
                .push_bind(*acknowledged);
        },
    )
    .await;
    // Acknowledgements of the newest 500 advisories by 40 % of the municipalities.
    advisory_rows.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
    let advisory_row = advisory_rows[0].0;
    let mut acks = Vec::new();
    for (row, at) in advisory_rows.iter().take(500) {
        for (i, org) in municipalities.iter().enumerate() {
            if rng.gen_bool(0.4) {
                acks.push((
                    *row,
                    *org,
                    UserId(1_000 + i as i64),
                    *at + rng.gen_range(600..90_000),
                ));
            }
        }
    }
    insert(
        &mut conn,
        "insert into advisory_acks (stix_id, org_id, state, user_id, created_at, updated_at) ",
        &acks,
        |mut b, (row, org, user, at)| {
            b.push_bind(uuid("report", (*row - 1 - INDICATORS as i64) as usize))
                .push_bind(*org)
                .push_bind("read")
                .push_bind(user.0)
                .push_bind(*at)
                .push_bind(*at);
        },
    )
    .await;
    sqlx::query("commit")
        .execute(&mut *conn)
        .await
        .expect("commit");
    sqlx::query("pragma foreign_keys = on")
        .execute(&mut *conn)
        .await
        .expect("pragma");
    sqlx::query("analyze")
        .execute(&mut *conn)
        .await
        .expect("analyze");
    let members = municipalities
        .iter()
        .enumerate()
        .map(|(i, org)| (*org, UserId(1_000 + i as i64)))
        .collect();
    World {
        copenhagen,
        aarhus,
        soc,
        kl,
        members,
        analyst,
        coordinator,
        sighting_row,
        advisory_row,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let sightings: usize = env_or("BENCH_DASHBOARD_SIGHTINGS", 200_000);
    let runs: usize = env_or("BENCH_DASHBOARD_RUNS", 200);
    let mut dir = tempfile::tempdir().expect("temp dir");
    if std::env::var_os("BENCH_DASHBOARD_KEEP").is_some() {
        dir.disable_cleanup(true);
        eprintln!("dashboard: the database stays in {}", dir.path().display());
    }
    let db = vaern_core::db::open(dir.path()).await.expect("database");
    let now = vaern_core::clock::now();
    eprintln!("dashboard: writing {sightings} sightings and their alerts…");
    let started = Instant::now();
    let world = load(&db, sightings, now).await;
    let alerts: i64 = sqlx::query_scalar("select count(*) from alerts")
        .fetch_one(&db)
        .await
        .expect("count");
    let own: i64 = sqlx::query_scalar("select count(*) from alerts where org_id = $1")
        .bind(world.copenhagen)
        .fetch_one(&db)
        .await
        .expect("count");
    let loaded = started.elapsed();
    let member = |org: OrgId| {
        let user = world
            .members
            .iter()
            .find(|(o, _)| *o == org)
            .map(|(_, u)| *u)
            .expect("a member");
        Viewer::user(user, org, PlatformRole::Member, false, vec![])
    };
    let copenhagen = member(world.copenhagen);
    let aarhus = member(world.aarhus);
    let analyst = Viewer::user(
        world.analyst,
        world.soc,
        PlatformRole::Analyst,
        false,
        vec![],
    );
    let coordinator = Viewer::user(
        world.coordinator,
        world.kl,
        PlatformRole::Coordinator,
        false,
        vec![],
    );

    println!(
        "\nDashboard, alerts list, acknowledgement view and export over {alerts} alerts \
         ({sightings} sightings over two years at {MUNICIPALITIES_PER_SIGHTING} municipalities \
         each; Copenhagen has {own}), written in {:.1} s",
        loaded.as_secs_f64()
    );
    println!(
        "Each figure: {runs} timed calls after {} untimed ones, in ms",
        (runs / 10).max(1)
    );
    println!("{:<58} {:>8} {:>8} {:>8}", "", "median", "p99", "max");

    let d = |viewer: Viewer| {
        let db = db.clone();
        move || {
            let (db, viewer) = (db.clone(), viewer.clone());
            async move {
                dashboard::for_viewer(&db, &viewer, now)
                    .await
                    .expect("dashboard")
            }
        }
    };
    let dash_cph = time(runs, d(copenhagen.clone())).await;
    row(
        "dashboard, Copenhagen member (~100,000 own alerts)",
        &dash_cph,
        Some(50.0),
    );
    row(
        "dashboard, Aarhus member",
        &time(runs, d(aarhus.clone())).await,
        Some(50.0),
    );
    row(
        "dashboard, analyst",
        &time(runs, d(analyst.clone())).await,
        Some(50.0),
    );
    let peer = time(runs, || {
        let db = db.clone();
        async move {
            sqlx::query_as::<_, (String, String, i64)>(
                "select severity, status, count(*) from alerts where org_id = $1 \
                 group by severity, status",
            )
            .bind(world.copenhagen)
            .fetch_all(&db)
            .await
            .expect("peer")
        }
    })
    .await;
    row(
        "  peer: Copenhagen's alert counts, no policy (SQL)",
        &peer,
        None,
    );
    println!(
        "  dashboard / peer at p99: {:.1}x",
        ms(dash_cph.p99) / ms(peer.p99).max(0.001)
    );

    let filters: Vec<(&str, AlertFilter, AlertSort, u64)> = vec![
        (
            "list, newest first, page 1",
            AlertFilter::default(),
            AlertSort::Newest,
            1,
        ),
        (
            "list, high and open, most severe first",
            AlertFilter {
                severity: Some(Severity::High),
                status: Some(StatusFilter::Open),
                ..AlertFilter::default()
            },
            AlertSort::Severity,
            1,
        ),
        (
            "list, last 30 days, oldest first",
            AlertFilter {
                from: Some(now - 30 * 86_400),
                until: Some(now),
                ..AlertFilter::default()
            },
            AlertSort::Oldest,
            1,
        ),
        (
            "list, indicator type ipv4-addr",
            AlertFilter {
                indicator_type: Some("ipv4-addr".into()),
                ..AlertFilter::default()
            },
            AlertSort::Newest,
            1,
        ),
        (
            "list, indicator value 198.51.7",
            AlertFilter {
                indicator: Some("198.51.7.".into()),
                ..AlertFilter::default()
            },
            AlertSort::Newest,
            1,
        ),
        (
            "list, page 1,000",
            AlertFilter::default(),
            AlertSort::Newest,
            1_000,
        ),
    ];
    for (name, filter, sort, page) in filters {
        let l = time(runs, || {
            let (db, viewer, filter) = (db.clone(), copenhagen.clone(), filter.clone());
            async move {
                alerts::list(&db, &viewer, &filter, sort, page)
                    .await
                    .expect("list")
            }
        })
        .await;
        row(&format!("{name} (Copenhagen)"), &l, Some(100.0));
    }

    let ack_recent = time(runs, || {
        let (db, viewer) = (db.clone(), analyst.clone());
        async move {
            acknowledgements::recent(&db, &viewer)
                .await
                .expect("recent")
        }
    })
    .await;
    row(
        "acknowledgements, the recent items (analyst)",
        &ack_recent,
        Some(200.0),
    );
    for (name, viewer, item) in [
        (
            "acknowledgements, a sighting (analyst)",
            analyst.clone(),
            world.sighting_row,
        ),
        (
            "acknowledgements, an advisory (analyst)",
            analyst.clone(),
            world.advisory_row,
        ),
        (
            "acknowledgements, an advisory (coordinator)",
            coordinator.clone(),
            world.advisory_row,
        ),
    ] {
        let l = time(runs, || {
            let (db, viewer) = (db.clone(), viewer.clone());
            async move {
                acknowledgements::overview(&db, &viewer, item)
                    .await
                    .expect("overview")
            }
        })
        .await;
        row(name, &l, Some(200.0));
    }

    // The export: batches written and dropped, against all rows held at once. One untimed
    // pass first, as for every figure above: the database is read through a memory map, so
    // the first pass to read every alert's sighting grows the resident set by the pages
    // it maps (measured: +444 MB), which is the file, not the export's memory.
    export(&db, &copenhagen).await;
    reset_peak_rss();
    let before = peak_rss();
    let started = Instant::now();
    let (written, bytes) = export(&db, &copenhagen).await;
    let streamed = started.elapsed();
    let streamed_peak = peak_rss().saturating_sub(before);
    reset_peak_rss();
    let before = peak_rss();
    let started = Instant::now();
    let held: Vec<(i64, String, String, String, i64, String)> = sqlx::query_as(
        "select a.id, a.severity, a.status, o.content, a.created_at, a.sighting_ref \
         from alerts a join stix_objects o on o.id = a.sighting_row and o.is_latest \
         where a.org_id = $1 order by a.created_at desc, a.id desc",
    )
    .bind(world.copenhagen)
    .fetch_all(&db)
    .await
    .expect("held");
    let held_time = started.elapsed();
    let held_peak = peak_rss().saturating_sub(before);
    println!(
        "export of Copenhagen's alerts: {written} rows ({:.1} MB of CSV) streamed in {:.2} s, \
         peak memory +{:.1} MB; peer, the same rows held at once: {} rows in {:.2} s, \
         peak memory +{:.1} MB ({:.1}x the streamed peak)",
        mb(bytes as u64),
        streamed.as_secs_f64(),
        mb(streamed_peak),
        held.len(),
        held_time.as_secs_f64(),
        mb(held_peak),
        held_peak as f64 / (streamed_peak.max(1)) as f64,
    );
}

/// Copenhagen's alerts as the CSV export reads them, batch by batch, each written and
/// dropped: (rows, bytes of CSV).
async fn export(db: &Db, copenhagen: &Viewer) -> (usize, usize) {
    let mut written = 0usize;
    let mut bytes = 0usize;
    let mut after = None;
    loop {
        let (batch, next) = alerts::next_batch(
            db,
            copenhagen,
            &AlertFilter::default(),
            AlertSort::Newest,
            after,
        )
        .await
        .expect("batch");
        let mut out = csv::Writer::from_writer(Vec::new());
        for a in &batch {
            out.write_record([
                a.id.to_string(),
                a.created_at.to_string(),
                format!("{:?}", a.what),
                a.severity.as_str().to_string(),
                a.status.as_str().to_string(),
            ])
            .expect("csv");
        }
        bytes += out.into_inner().expect("csv").len();
        written += batch.len();
        match next {
            Some(cursor) => after = Some(cursor),
            None => return (written, bytes),
        }
    }
}
