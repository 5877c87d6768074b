//! Search over 1,000,000 forum posts (DESIGN §5, issue 18): tantivy with the access filter
//! of a member of 5 groups, against PostgreSQL full-text search (a GIN index over
//! `to_tsvector('danish', …)`) with the same filter as SQL, on the same corpus and the same
//! queries, in the same run. Prints figures; not a pass/fail test.
//!
//! Everything comes from one seed: a 50,000-word vocabulary taken from the Debian `wdanish`
//! list, posts of 20–140 words (80 on average) drawn from it with a Zipf law (s = 1.05),
//! threads of 1–7 posts in 40 groups of uneven size (group sizes follow 1/rank), labels
//! mostly GREEN and AMBER with some CLEAR, AMBER+STRICT and RED; and 1,000 two-word
//! queries drawn from the same law between ranks 100 and 10,000.
//!
//! - tantivy: the index is built on the empty database first, then the posts are
//!   bulk-inserted with their outbox rows (as the forum writes them) and the outbox is
//!   applied by `search::indexer::apply_pending` until it is empty: that is the indexing
//!   rate. Per query: `searching::query_index`, the index part of a search: the top 20
//!   (one page) by relevance with the total and the facet counts by type, group and TLP,
//!   all under the viewer's access filter.
//! - PostgreSQL (`BENCH_SEARCH_PG`, a connection string; `scripts/bench-search.sh` starts a
//!   private server): the same posts loaded with COPY into a table with a stored
//!   `to_tsvector('danish', body)` column and a GIN index over it (a post is found by its
//!   own words, as the search index has it: the thread's title finds the thread). Per
//!   query, one statement: `plainto_tsquery('danish', …)` under the same access rule
//!   (group membership, AMBER+STRICT recipient organisations, RED author or recipients),
//!   the top 20 by `ts_rank` and the total with the counts by group and TLP.
//!
//! - The `/search` page over HTTP (end to end, optional): a server on the same data
//!   directory, the viewer signed in, the same queries one request at a time: the query,
//!   the hits loaded back through core with their snippets, and the rendered page.
//!
//! All are measured warm: one untimed pass over the queries, then the timed pass. The load
//! average printed with them tells whether something else ran on the machine meanwhile.
//!
//! Environment: `BENCH_SEARCH_POSTS` (1,000,000), `BENCH_SEARCH_SEED` (18),
//! `BENCH_SEARCH_WORDS` (/usr/share/dict/danish), `BENCH_SEARCH_DIR` (where the data goes:
//! /var/cache/vaern/bench-search; a fresh directory in it is deleted at the end unless
//! `BENCH_KEEP=1`), `BENCH_SEARCH_PG` (unset: PostgreSQL is left out),
//! `BENCH_SEARCH_HTTP=0` (leaves out the HTTP part), `BENCH_SEARCH_WARM_PASSES` (untimed
//! tantivy passes before the timed one: 1; more leave time to attach a profiler).

use futures_util::SinkExt;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vaern_core::db::Db;
use vaern_core::ids::{GroupId, OrgId, UserId};
use vaern_core::policy::{GroupRole, OrgKind, PlatformRole, Tlp, Viewer};
use vaern_core::search::searching::{self, GroupRef, Scope, Sort};
use vaern_core::search::{LiveIndex, indexer, query};

// As in the `vaern` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_POSTS: usize = 1_000_000;
const DEFAULT_SEED: u64 = 18;
const DEFAULT_WORDS: &str = "/usr/share/dict/danish";
const DEFAULT_DIR: &str = "/var/cache/vaern/bench-search";
const VOCABULARY: usize = 50_000;
/// The exponent of the Zipf law words are drawn with.
const ZIPF_S: f64 = 1.05;
/// Words per post: uniform over this range, so 80 on average.
const POST_WORDS: std::ops::RangeInclusive<usize> = 20..=140;
const TITLE_WORDS: std::ops::RangeInclusive<usize> = 2..=6;
const THREAD_POSTS: std::ops::RangeInclusive<usize> = 1..=7;
const GROUPS: usize = 40;
/// Viewers timed on their first search (their access filter worked out on the query).
const FIRST_SEARCHES: usize = 20;
const USERS: usize = 2_000;
/// The viewer's groups, as indices into the groups by size (0: the largest).
const VIEWER_GROUPS: [usize; 5] = [0, 3, 9, 19, 34];
const QUERIES: usize = 1_000;
/// Query words are drawn from these ranks (1-based, inclusive) of the same law.
const QUERY_RANKS: (usize, usize) = (100, 10_000);
/// Posts per SQLite transaction while loading.
const LOAD_CHUNK: usize = 5_000;
/// Hits per query, as the search page shows them (`searching::PER_PAGE`).
const TOP: usize = searching::PER_PAGE;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a valid value")),
        _ => default,
    }
}

/// A discrete law over `0..n` (rank `k + 1` has weight `1 / (k + 1 + offset)^s`), drawn by
/// inverting its cumulative distribution.
struct Law {
    cdf: Vec<f64>,
    first: usize,
}

impl Law {
    /// Ranks `first..=last` (1-based) of a Zipf law with exponent `s`.
    fn zipf(first: usize, last: usize, s: f64) -> Self {
        let mut total = 0.0;
        let cdf = (first..=last)
            .map(|rank| {
                total += (rank as f64).powf(-s);
                total
            })
            .collect();
        Self {
            cdf,
            first: first - 1,
        }
    }

    /// A 0-based index into the ranked list.
    fn draw(&self, rng: &mut StdRng) -> usize {
        let total = *self.cdf.last().expect("a law over no ranks");
        let u = rng.gen_range(0.0..total);
        self.first
            + self
                .cdf
                .partition_point(|c| *c <= u)
                .min(self.cdf.len() - 1)
    }

    /// The probability of the 0-based index `i`.
    fn share(&self, i: usize) -> f64 {
        let k = i - self.first;
        let below = if k == 0 { 0.0 } else { self.cdf[k - 1] };
        (self.cdf[k] - below) / self.cdf.last().expect("a law over no ranks")
    }
}

/// The vocabulary, most frequent first: `VOCABULARY` distinct lower-cased words of letters
/// only from the word list, in an order the seed shuffles.
fn vocabulary(path: &Path, rng: &mut StdRng) -> Vec<String> {
    let list = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "cannot read the word list {} ({e}): install Debian's wdanish \
             (`apt-get install wdanish`) or set BENCH_SEARCH_WORDS",
            path.display()
        )
    });
    let words: BTreeSet<String> = list
        .lines()
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
        .collect();
    let mut words: Vec<String> = words.into_iter().collect();
    assert!(
        words.len() >= VOCABULARY,
        "{} has only {} distinct words of letters, fewer than {VOCABULARY}",
        path.display(),
        words.len()
    );
    words.shuffle(rng);
    words.truncate(VOCABULARY);
    words
}

/// Who and where: the seeded organisations, the bench's users and groups.
struct World {
    /// (user id, organisation id); the first is the viewer.
    users: Vec<(i64, i64)>,
    /// Largest first.
    groups: Vec<(i64, String)>,
    orgs: Vec<i64>,
}

impl World {
    fn viewer(&self) -> (i64, i64) {
        self.users[0]
    }
}

struct Thread {
    id: i64,
    group: i64,
    tlp: &'static str,
    author: i64,
    orgs: Vec<i64>,
    users: Vec<i64>,
    title: String,
    created: i64,
    posts: Vec<Post>,
}

struct Post {
    id: i64,
    author: i64,
    /// RED: the thread's author and recipients (the post's author among them).
    users: Vec<i64>,
    body: String,
    created: i64,
}

/// The posts, thread by thread, the same every time for the same seed.
struct Corpus<'a> {
    rng: StdRng,
    words: &'a [String],
    law: &'a Law,
    groups: Law,
    world: &'a World,
    posts_left: usize,
    next_thread: i64,
    next_post: i64,
}

/// 2022-01-01 UTC: the first post; one every 90 s after it (1M posts: about three years).
const FIRST_POST_AT: i64 = 1_640_995_200;

impl<'a> Corpus<'a> {
    fn new(seed: u64, words: &'a [String], law: &'a Law, world: &'a World, posts: usize) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            words,
            law,
            groups: Law::zipf(1, world.groups.len(), 1.0),
            world,
            posts_left: posts,
            next_thread: 1,
            next_post: 1,
        }
    }

    fn text(&mut self, words: usize) -> String {
        let mut out = String::with_capacity(words * 12);
        for i in 0..words {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&self.words[self.law.draw(&mut self.rng)]);
        }
        out
    }

    fn user(&mut self) -> (i64, i64) {
        self.world.users[self.rng.gen_range(0..self.world.users.len())]
    }

    fn next_thread(&mut self) -> Option<Thread> {
        if self.posts_left == 0 {
            return None;
        }
        let count = self.rng.gen_range(THREAD_POSTS).min(self.posts_left);
        self.posts_left -= count;
        let group = self.world.groups[self.groups.draw(&mut self.rng)].0;
        let roll: f64 = self.rng.gen_range(0.0..1.0);
        let tlp = match roll {
            r if r < 0.05 => "clear",
            r if r < 0.50 => "green",
            r if r < 0.88 => "amber",
            r if r < 0.96 => "amber+strict",
            _ => "red",
        };
        let (author, author_org) = self.user();
        let (viewer, viewer_org) = self.world.viewer();
        let mut orgs = Vec::new();
        let mut users = Vec::new();
        match tlp {
            "amber+strict" => {
                orgs.push(author_org);
                if self.rng.gen_bool(0.3) {
                    orgs.push(viewer_org);
                }
                if self.rng.gen_bool(0.3) {
                    orgs.push(self.world.orgs[self.rng.gen_range(0..self.world.orgs.len())]);
                }
            }
            "red" => {
                for _ in 0..self.rng.gen_range(1..=3) {
                    users.push(self.user().0);
                }
                if self.rng.gen_bool(0.25) {
                    users.push(viewer);
                }
                users.retain(|u| *u != author);
            }
            _ => {}
        }
        orgs.sort_unstable();
        orgs.dedup();
        users.sort_unstable();
        users.dedup();
        let title_words = self.rng.gen_range(TITLE_WORDS);
        let title = self.text(title_words);
        let id = self.next_thread;
        self.next_thread += 1;
        let mut posts = Vec::with_capacity(count);
        for i in 0..count {
            // A RED thread is answered by those who see it; its posts go to them all.
            let (post_author, post_users) = if tlp == "red" {
                let mut audience = users.clone();
                audience.push(author);
                audience.sort_unstable();
                let pick = if i == 0 {
                    author
                } else {
                    audience[self.rng.gen_range(0..audience.len())]
                };
                (pick, audience)
            } else if i == 0 {
                (author, Vec::new())
            } else {
                (self.user().0, Vec::new())
            };
            let words = self.rng.gen_range(POST_WORDS);
            let body = self.text(words);
            let post_id = self.next_post;
            self.next_post += 1;
            posts.push(Post {
                id: post_id,
                author: post_author,
                users: post_users,
                body,
                created: FIRST_POST_AT + post_id * 90,
            });
        }
        Some(Thread {
            id,
            group,
            tlp,
            author,
            orgs,
            users,
            title,
            created: posts[0].created,
            posts,
        })
    }

    /// Up to `posts` posts' worth of whole threads (at least one thread while any is left).
    fn chunk(&mut self, posts: usize) -> Vec<Thread> {
        let mut out = Vec::new();
        let mut n = 0;
        while n < posts {
            let Some(thread) = self.next_thread() else {
                break;
            };
            n += thread.posts.len();
            out.push(thread);
        }
        out
    }
}

fn queries(seed: u64, words: &[String]) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let law = Law::zipf(QUERY_RANKS.0, QUERY_RANKS.1, ZIPF_S);
    (0..QUERIES)
        .map(|_| {
            let a = law.draw(&mut rng);
            let mut b = law.draw(&mut rng);
            while b == a {
                b = law.draw(&mut rng);
            }
            format!("{} {}", words[a], words[b])
        })
        .collect()
}

/// Inserts `rows` with `columns` per row through multi-row statements of at most
/// `per_statement` rows.
async fn insert_rows<T>(
    tx: &mut sqlx::SqliteConnection,
    head: &str,
    rows: &[T],
    per_statement: usize,
    mut push: impl FnMut(sqlx::query_builder::Separated<'_, '_, Sqlite, &'static str>, &T),
) {
    for chunk in rows.chunks(per_statement) {
        let mut qb = QueryBuilder::<Sqlite>::new(head);
        qb.push_values(chunk, &mut push);
        qb.build().execute(&mut *tx).await.expect("bulk insert");
    }
}

/// The users and groups the corpus is written by and in; the viewer's memberships.
async fn world(db: &Db, rng: &mut StdRng) -> World {
    let orgs: Vec<i64> =
        sqlx::query_scalar("select id from organisations where kind = 'municipality' order by id")
            .fetch_all(db)
            .await
            .expect("municipalities");
    assert!(!orgs.is_empty(), "the database has no municipalities");
    let first_user: i64 = sqlx::query_scalar("select coalesce(max(id), 0) + 1 from users")
        .fetch_one(db)
        .await
        .expect("users");
    let first_group: i64 = sqlx::query_scalar("select coalesce(max(id), 0) + 1 from user_groups")
        .fetch_one(db)
        .await
        .expect("groups");
    let users: Vec<(i64, i64)> = (0..USERS as i64)
        .map(|i| (first_user + i, orgs[rng.gen_range(0..orgs.len())]))
        .collect();
    let groups: Vec<(i64, String)> = (0..GROUPS as i64)
        .map(|i| (first_group + i, format!("bench-gruppe-{:02}", i + 1)))
        .collect();
    let mut tx = db.begin().await.expect("begin");
    insert_rows(
        &mut tx,
        "insert into users (id, org_id, email, name, platform_role, org_admin, status, \
         created_at, updated_at) ",
        &users,
        500,
        |mut b, (id, org)| {
            b.push_bind(*id)
                .push_bind(*org)
                .push_bind(format!("bruger{id}@bench.invalid"))
                .push_bind(format!("Bruger {id}"))
                .push_bind("member")
                .push_bind(false)
                .push_bind("active")
                .push_bind(FIRST_POST_AT)
                .push_bind(FIRST_POST_AT);
        },
    )
    .await;
    insert_rows(
        &mut tx,
        "insert into user_groups (id, slug, name, default_tlp, created_at) ",
        &groups,
        500,
        |mut b, (id, slug)| {
            b.push_bind(*id)
                .push_bind(slug.clone())
                .push_bind(format!("Bench-gruppe {}", id - first_group + 1))
                .push_bind("amber")
                .push_bind(FIRST_POST_AT);
        },
    )
    .await;
    let viewer = users[0].0;
    for g in VIEWER_GROUPS {
        sqlx::query(
            "insert into group_members (group_id, user_id, role, added_at) \
             values ($1, $2, 'member', $3)",
        )
        .bind(groups[g].0)
        .bind(viewer)
        .bind(FIRST_POST_AT)
        .execute(&mut *tx)
        .await
        .expect("membership");
    }
    tx.commit().await.expect("commit");
    World {
        users,
        groups,
        orgs,
    }
}

/// Writes the posts of `threads` as the forum stores them, each with its outbox row, in one
/// transaction.
async fn insert_threads(db: &Db, threads: &[Thread]) {
    let mut tx = db.begin().await.expect("begin");
    insert_rows(
        &mut tx,
        "insert into forum_threads (id, group_id, title, tlp, author_id, chatham_house, \
         created_at) ",
        threads,
        1000,
        |mut b, t| {
            b.push_bind(t.id)
                .push_bind(t.group)
                .push_bind(t.title.clone())
                .push_bind(t.tlp)
                .push_bind(t.author)
                .push_bind(false)
                .push_bind(t.created);
        },
    )
    .await;
    let thread_orgs: Vec<(i64, i64)> = threads
        .iter()
        .flat_map(|t| t.orgs.iter().map(|o| (t.id, *o)))
        .collect();
    let thread_users: Vec<(i64, i64)> = threads
        .iter()
        .flat_map(|t| t.users.iter().map(|u| (t.id, *u)))
        .collect();
    let pair = |mut b: sqlx::query_builder::Separated<'_, '_, Sqlite, &'static str>,
                (item, other): &(i64, i64)| {
        b.push_bind(*item).push_bind(*other);
    };
    insert_rows(
        &mut tx,
        "insert into thread_recipient_orgs (item_id, org_id) ",
        &thread_orgs,
        1000,
        pair,
    )
    .await;
    insert_rows(
        &mut tx,
        "insert into thread_recipient_users (item_id, user_id) ",
        &thread_users,
        1000,
        pair,
    )
    .await;
    let posts: Vec<(&Thread, &Post)> = threads
        .iter()
        .flat_map(|t| t.posts.iter().map(move |p| (t, p)))
        .collect();
    insert_rows(
        &mut tx,
        "insert into forum_posts (id, thread_id, group_id, author_id, tlp, body_source, \
         body_html, created_at) ",
        &posts,
        1000,
        |mut b, (t, p)| {
            b.push_bind(p.id)
                .push_bind(t.id)
                .push_bind(t.group)
                .push_bind(p.author)
                .push_bind(t.tlp)
                .push_bind(p.body.clone())
                // Search reads the Markdown source; the rendered form is not needed here.
                .push_bind("")
                .push_bind(p.created);
        },
    )
    .await;
    let post_orgs: Vec<(i64, i64)> = posts
        .iter()
        .flat_map(|(t, p)| t.orgs.iter().map(|o| (p.id, *o)))
        .collect();
    let post_users: Vec<(i64, i64)> = posts
        .iter()
        .flat_map(|(_, p)| p.users.iter().map(|u| (p.id, *u)))
        .collect();
    insert_rows(
        &mut tx,
        "insert into post_recipient_orgs (item_id, org_id) ",
        &post_orgs,
        1000,
        pair,
    )
    .await;
    insert_rows(
        &mut tx,
        "insert into post_recipient_users (item_id, user_id) ",
        &post_users,
        1000,
        pair,
    )
    .await;
    if let (Some((_, first)), Some((_, last))) = (posts.first(), posts.last()) {
        // One upsert row per new post, in post order, as the forum writes them. Threads get
        // none: the benchmark searches posts, which is what PostgreSQL's table holds too.
        sqlx::query(
            "insert into search_outbox (kind, entity_id, operation, created_at) \
             select 'post', id, 'upsert', created_at from forum_posts \
             where id between $1 and $2 order by id",
        )
        .bind(first.id)
        .bind(last.id)
        .execute(&mut *tx)
        .await
        .expect("outbox rows");
    }
    tx.commit().await.expect("commit");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Latency figures of one engine over the queries.
struct Latency {
    median: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
    mean: Duration,
}

impl Latency {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
        Self {
            median: percentile(&samples, 0.50),
            p90: percentile(&samples, 0.90),
            p99: percentile(&samples, 0.99),
            max: *samples.last().expect("samples"),
            mean,
        }
    }
}

/// What one query found: the total and the counts by group and by label.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    total: u64,
    groups: BTreeMap<i64, u64>,
    tlps: BTreeMap<String, u64>,
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// CPU seconds this process has used (all threads), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; Linux
    // counts them in USER_HZ, 100 per second.
    (ticks(11) + ticks(12)) / 100.0
}

/// Waits until the index's background merges are over: this process idle for 3 s in a
/// row (at most 15 minutes).
fn wait_for_merges() -> Duration {
    let started = Instant::now();
    let mut quiet = 0;
    let mut last = cpu_seconds();
    while quiet < 3 && started.elapsed() < Duration::from_secs(900) {
        std::thread::sleep(Duration::from_secs(1));
        let now = cpu_seconds();
        quiet = if now - last < 0.05 { quiet + 1 } else { 0 };
        last = now;
    }
    started.elapsed()
}

/// Segments of the index under `root` (the server's layout: one generation directory).
fn segments(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .map(|path| {
            if path.is_dir() {
                segments(&path)
            } else if path.file_name().is_some_and(|n| n == "meta.json") {
                std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
                    .and_then(|m| m["segments"].as_array().map(Vec::len))
                    .unwrap_or(0)
            } else {
                0
            }
        })
        .sum()
}

/// The 1-minute load average: what else ran on the machine while timing.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}

struct Tantivy {
    rate: f64,
    indexing: Duration,
    merge_wait: Duration,
    /// Segments merged when idle, and how long it took.
    idle_merge: (usize, Duration),
    size: u64,
    segments: usize,
    latency: Latency,
    /// The first query of viewers whose access filter is not kept yet (see
    /// `searching::access_filter`): it works out the filter in every segment.
    first: Latency,
    counts: Vec<Counts>,
    load: (String, String),
}

/// The viewer as core sees them: a member of the `VIEWER_GROUPS`.
fn viewer(world: &World) -> (Viewer, Vec<GroupRef>) {
    let (viewer_id, viewer_org) = world.viewer();
    let member_of: Vec<(GroupId, GroupRole)> = VIEWER_GROUPS
        .iter()
        .map(|g| (GroupId(world.groups[*g].0), GroupRole::Member))
        .collect();
    let viewer = Viewer::user(
        UserId(viewer_id),
        OrgId(viewer_org),
        PlatformRole::Member,
        false,
        member_of,
    );
    let refs: Vec<GroupRef> = VIEWER_GROUPS
        .iter()
        .map(|g| {
            let (id, slug) = &world.groups[*g];
            GroupRef {
                id: GroupId(*id),
                slug: slug.clone(),
                name: slug.clone(),
            }
        })
        .collect();
    (viewer, refs)
}

/// Applies the outbox to `live` (the server's index in `root`), waits out the merges,
/// reopens the index as a restarted server would find it and times the queries on it.
async fn bench_tantivy(
    db: &Db,
    root: &Path,
    live: LiveIndex,
    world: &World,
    posts: usize,
    queries: &[String],
) -> Tantivy {
    eprintln!("tantivy: applying the outbox ({posts} posts)…");
    let index = live.current();
    let started = Instant::now();
    let mut applied = 0usize;
    let mut reported = 0usize;
    loop {
        let n = indexer::apply_pending(db, &index)
            .await
            .expect("apply outbox");
        if n == 0 {
            break;
        }
        applied += n;
        if applied - reported >= 100_000 {
            reported = applied;
            eprintln!(
                "  {applied} applied, {:.0} posts/s so far",
                applied as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let indexing = started.elapsed();
    assert_eq!(applied, posts, "the outbox should name every post once");
    let rate = applied as f64 / indexing.as_secs_f64();
    eprintln!("tantivy: waiting for background merges…");
    let merge_wait = wait_for_merges();
    // As the server does once the outbox is empty (server/src/indexing.rs).
    let started = Instant::now();
    let mut merged = 0;
    loop {
        let n = index.merge_when_idle().expect("merge when idle");
        if n == 0 {
            break;
        }
        merged += n;
    }
    let idle_merge = (merged, started.elapsed());
    // Reopened as a restarted server would find it: the reader sees the merged segments.
    drop(index);
    drop(live);
    let live = LiveIndex::open(root).expect("reopen index");
    let index = live.current();
    let size = dir_size(root);
    let segments = segments(root);
    assert_eq!(
        index.len() as usize,
        posts,
        "every post should be in the index"
    );

    let (viewer, refs) = viewer(world);
    let scope = Scope::of(&viewer, OrgKind::Municipality, refs.clone());
    let parsed: Vec<query::Parsed> = queries.iter().map(|q| query::parse(q)).collect();
    let run = |p: &query::Parsed| {
        searching::query_index(&index, p, &scope, &[], Sort::Relevance, 1).expect("query")
    };
    eprintln!(
        "tantivy: {} queries, warm-up pass then timed pass…",
        parsed.len()
    );
    let warm_passes: usize = std::env::var("BENCH_SEARCH_WARM_PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    for _ in 0..warm_passes {
        for p in &parsed {
            run(p);
        }
    }
    // Others of the same groups, each searching once: their filters are not kept yet.
    let first: Vec<Duration> = world
        .users
        .iter()
        .skip(1)
        .take(FIRST_SEARCHES)
        .zip(&parsed)
        .map(|(&(user, org), p)| {
            let mut other = viewer.clone();
            other.user_id = Some(UserId(user));
            other.org_id = OrgId(org);
            let scope = Scope::of(&other, OrgKind::Municipality, refs.clone());
            let started = Instant::now();
            searching::query_index(&index, p, &scope, &[], Sort::Relevance, 1).expect("query");
            started.elapsed()
        })
        .collect();
    let mut samples = Vec::with_capacity(parsed.len());
    let mut counts = Vec::with_capacity(parsed.len());
    let load_before = load_average();
    for p in &parsed {
        let started = Instant::now();
        let page = run(p);
        samples.push(started.elapsed());
        counts.push(Counts {
            total: page.total,
            groups: page
                .facets
                .groups
                .iter()
                .map(|(g, n)| (g.id.0, *n))
                .collect(),
            tlps: page
                .facets
                .tlps
                .iter()
                .map(|(t, n)| (t.map_or("none", Tlp::as_str).to_string(), *n))
                .collect(),
        });
    }
    Tantivy {
        rate,
        indexing,
        merge_wait,
        idle_merge,
        size,
        segments,
        latency: Latency::of(samples),
        first: Latency::of(first),
        counts,
        load: (load_before, load_average()),
    }
}

struct Postgres {
    version: String,
    copy: Duration,
    gin: Duration,
    table_size: u64,
    gin_size: u64,
    latency: Latency,
    counts: Vec<Counts>,
    load: (String, String),
}

/// One COPY line's text field: backslash, tab and line breaks escaped.
fn copy_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn copy_array(out: &mut String, ids: &[i64]) {
    out.push('{');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&id.to_string());
    }
    out.push('}');
}

/// The measured statement: the viewer's matches under the access rule, the top `TOP` by
/// `ts_rank`, the total and the counts by group and label, in one round trip.
const PG_QUERY: &str = "with m as materialized ( \
       select p.id, p.group_id, p.tlp, ts_rank(p.tsv, q) as rank \
       from posts p, plainto_tsquery('danish', $1) as q \
       where p.tsv @@ q and p.group_id = any($2) \
         and (p.tlp in ('clear', 'green', 'amber') \
              or (p.tlp = 'amber+strict' and $3 = any(p.recipient_orgs)) \
              or (p.tlp = 'red' and ($4 = p.author_id or $4 = any(p.recipient_users)))) \
     ), top as (select id, rank from m order by rank desc, id limit $5) \
     select 'hit' as what, id::text as key, rank::float8 as value from top \
     union all select 'group', group_id::text, count(*)::float8 from m group by group_id \
     union all select 'tlp', tlp, count(*)::float8 from m group by tlp \
     union all select 'total', '', count(*)::float8 from m";

async fn bench_postgres(
    connection: &str,
    seed: u64,
    words: &[String],
    law: &Law,
    world: &World,
    posts: usize,
    queries: &[String],
) -> Postgres {
    let (client, conn) = tokio_postgres::connect(connection, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL ({connection}): {e}"));
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            eprintln!("PostgreSQL connection: {e}");
        }
    });
    let version: String = client
        .query_one("select version()", &[])
        .await
        .expect("version")
        .get(0);
    client
        .batch_execute(
            "set jit = off; set maintenance_work_mem = '1GB'; drop table if exists posts",
        )
        .await
        .expect("session settings");
    // The table is created in the COPY's transaction, so that with `wal_level = minimal`
    // (as the script configures it) the load writes no WAL: PostgreSQL's fastest bulk load.
    let mut client = client;
    let tx = client.transaction().await.expect("begin");
    tx.batch_execute(
        "create table posts ( \
               id bigint primary key, thread_id bigint not null, group_id integer not null, \
               author_id integer not null, tlp text not null, \
               recipient_orgs integer[] not null, recipient_users integer[] not null, \
               created_at bigint not null, body text not null, \
               tsv tsvector generated always as (to_tsvector('danish', body)) stored)",
    )
    .await
    .expect("create the posts table");

    eprintln!("PostgreSQL: COPY of {posts} posts (to_tsvector computed on the way in)…");
    let started = Instant::now();
    let sink = tx
        .copy_in::<_, VecDeque<u8>>(
            "copy posts (id, thread_id, group_id, author_id, tlp, recipient_orgs, \
             recipient_users, created_at, body) from stdin",
        )
        .await
        .expect("copy in");
    let mut sink = std::pin::pin!(sink);
    let mut corpus = Corpus::new(seed, words, law, world, posts);
    loop {
        let threads = corpus.chunk(LOAD_CHUNK);
        if threads.is_empty() {
            break;
        }
        let mut out = String::with_capacity(LOAD_CHUNK * 1200);
        for t in &threads {
            for p in &t.posts {
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t",
                    p.id, t.id, t.group, p.author, t.tlp
                ));
                copy_array(&mut out, &t.orgs);
                out.push('\t');
                copy_array(&mut out, &p.users);
                out.push_str(&format!("\t{}\t", p.created));
                copy_text(&mut out, &p.body);
                out.push('\n');
            }
        }
        sink.send(VecDeque::from(out.into_bytes()))
            .await
            .expect("copy rows");
    }
    let copied = sink.as_mut().finish().await.expect("finish copy");
    tx.commit().await.expect("commit the load");
    let copy = started.elapsed();
    assert_eq!(copied as usize, posts, "COPY should load every post");

    eprintln!("PostgreSQL: building the GIN index…");
    let started = Instant::now();
    client
        .batch_execute("create index posts_tsv on posts using gin (tsv)")
        .await
        .expect("GIN index");
    let gin = started.elapsed();
    client
        .batch_execute("vacuum analyze posts")
        .await
        .expect("vacuum analyze");
    let sizes = client
        .query_one(
            "select pg_table_size('posts'), pg_relation_size('posts_tsv')",
            &[],
        )
        .await
        .expect("sizes");
    let (table_size, gin_size): (i64, i64) = (sizes.get(0), sizes.get(1));

    // Planned for each query's own words, as a search page's unnamed statement would be.
    client
        .batch_execute("set plan_cache_mode = force_custom_plan")
        .await
        .expect("plan cache mode");
    let statement = client.prepare(PG_QUERY).await.expect("prepare");
    let (viewer_id, viewer_org) = world.viewer();
    let groups: Vec<i32> = VIEWER_GROUPS
        .iter()
        .map(|g| world.groups[*g].0 as i32)
        .collect();
    let (org, user, top) = (viewer_org as i32, viewer_id as i32, TOP as i64);
    eprintln!(
        "PostgreSQL: {} queries, warm-up pass then timed pass…",
        queries.len()
    );
    for q in queries {
        client
            .query(&statement, &[q, &groups, &org, &user, &top])
            .await
            .expect("query");
    }
    let mut samples = Vec::with_capacity(queries.len());
    let mut counts = Vec::with_capacity(queries.len());
    let load_before = load_average();
    for q in queries {
        let started = Instant::now();
        let rows = client
            .query(&statement, &[q, &groups, &org, &user, &top])
            .await
            .expect("query");
        samples.push(started.elapsed());
        let mut found = Counts::default();
        for row in rows {
            let (what, key, value): (&str, &str, f64) = (row.get(0), row.get(1), row.get(2));
            match what {
                "total" => found.total = value as u64,
                "group" => {
                    found
                        .groups
                        .insert(key.parse().expect("group id"), value as u64);
                }
                "tlp" => {
                    found.tlps.insert(key.to_string(), value as u64);
                }
                _ => {}
            }
        }
        counts.push(found);
    }
    client
        .batch_execute("drop table posts")
        .await
        .expect("drop the posts table");
    Postgres {
        version,
        copy,
        gin,
        table_size: table_size as u64,
        gin_size: gin_size as u64,
        latency: Latency::of(samples),
        counts,
        load: (load_before, load_average()),
    }
}

/// The viewer's password for the HTTP part.
const VIEWER_PASSWORD: &str = "bench-search-adgangskode";

enum Http {
    Measured {
        latency: Latency,
        bytes: usize,
        load: (String, String),
    },
    NotMeasured(String),
}

/// The `/search` page over HTTP for the same queries, signed in as the viewer, one request
/// at a time, through a server on the same data directory (which opens the index itself).
async fn bench_http(db: &Db, data: &Path, world: &World, queries: &[String]) -> Http {
    let (viewer, _) = world.viewer();
    let hash = vaern_core::accounts::password::hash(vaern_core::accounts::password::normalise(
        VIEWER_PASSWORD,
    ))
    .await
    .expect("hash");
    sqlx::query("update users set password_hash = $1 where id = $2")
        .bind(hash)
        .bind(viewer)
        .execute(db)
        .await
        .expect("viewer password");
    let email = format!("bruger{viewer}@bench.invalid");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let mut config = vaern_server::config::Config::new(data.to_path_buf());
    config.site_root = data.join("site");
    let server = match vaern_server::Server::build(listener, config).await {
        Ok(server) => server,
        Err(e) => return Http::NotMeasured(format!("the server did not start: {e}")),
    };
    let url = server.url().to_string();
    let running = tokio::spawn(server.run_until_stopped());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let signed_in = client
        .post(format!("{url}/rpc/sign_in"))
        .header("origin", &url)
        .header("accept", "application/json")
        .form(&[("email", email.as_str()), ("password", VIEWER_PASSWORD)])
        .send()
        .await
        .expect("sign-in");
    if !signed_in.status().is_success() {
        running.abort();
        return Http::NotMeasured(format!("sign-in answered {}", signed_in.status()));
    }
    let get = |q: &str| {
        client
            .get(format!("{url}/search"))
            .query(&[("q", q)])
            .send()
    };
    let first = get(&queries[0]).await.expect("search page");
    if first.status() != 200 {
        running.abort();
        return Http::NotMeasured(format!(
            "GET /search?q=… answered {} (no search page in this build?)",
            first.status()
        ));
    }
    let bytes = first.bytes().await.expect("body").len();
    eprintln!(
        "HTTP: {} queries on /search, warm-up pass then timed pass…",
        queries.len()
    );
    for q in queries {
        let page = get(q).await.expect("search page");
        assert_eq!(page.status(), 200, "GET /search?q={q}");
        page.bytes().await.expect("body");
    }
    let mut samples = Vec::with_capacity(queries.len());
    let load_before = load_average();
    for q in queries {
        let started = Instant::now();
        let page = get(q).await.expect("search page");
        let status = page.status();
        page.bytes().await.expect("body");
        samples.push(started.elapsed());
        assert_eq!(status, 200, "GET /search?q={q}");
    }
    let load = (load_before, load_average());
    running.abort();
    Http::Measured {
        latency: Latency::of(samples),
        bytes,
        load,
    }
}

fn row(name: &str, l: &Latency) {
    println!(
        "{name:<34}{:>10.3}{:>10.3}{:>10.3}{:>10.3}{:>10.3}",
        ms(l.median),
        ms(l.p90),
        ms(l.p99),
        ms(l.max),
        ms(l.mean)
    );
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

#[tokio::main]
async fn main() {
    let posts: usize = env_or("BENCH_SEARCH_POSTS", DEFAULT_POSTS);
    let seed: u64 = env_or("BENCH_SEARCH_SEED", DEFAULT_SEED);
    let words_path = PathBuf::from(env_or("BENCH_SEARCH_WORDS", DEFAULT_WORDS.to_string()));
    let base = PathBuf::from(env_or("BENCH_SEARCH_DIR", DEFAULT_DIR.to_string()));
    let pg = std::env::var("BENCH_SEARCH_PG")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let keep = std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1");
    assert!(posts > 0, "BENCH_SEARCH_POSTS must be at least 1");

    // One seed; each part draws from its own stream of it.
    let mut master = StdRng::seed_from_u64(seed);
    let (vocabulary_seed, world_seed, corpus_seed, query_seed): (u64, u64, u64, u64) = (
        master.r#gen(),
        master.r#gen(),
        master.r#gen(),
        master.r#gen(),
    );
    let words = vocabulary(&words_path, &mut StdRng::seed_from_u64(vocabulary_seed));
    let law = Law::zipf(1, VOCABULARY, ZIPF_S);
    let queries = queries(query_seed, &words);

    std::fs::create_dir_all(&base)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", base.display()));
    let dir = tempfile::Builder::new()
        .prefix("vaern-")
        .tempdir_in(&base)
        .expect("data directory");
    let data = dir.path().to_path_buf();
    eprintln!("Data in {}", data.display());
    let db = vaern_core::db::open(&data).await.expect("database");
    // Where and how the server keeps its index (`<data>/index`, in generations).
    let index_dir = data.join("index");
    let live = LiveIndex::open(&index_dir).expect("search index");
    // Built on the empty database: from here on the index follows the outbox alone.
    indexer::apply_pending(&db, &live.current())
        .await
        .expect("build the empty index");
    let world = world(&db, &mut StdRng::seed_from_u64(world_seed)).await;

    eprintln!("SQLite: inserting {posts} posts with their outbox rows…");
    let started = Instant::now();
    let mut corpus = Corpus::new(corpus_seed, &words, &law, &world, posts);
    let mut threads = 0usize;
    let mut words_total = 0usize;
    let mut visible = 0usize;
    let viewer_groups: Vec<i64> = VIEWER_GROUPS.iter().map(|g| world.groups[*g].0).collect();
    loop {
        let chunk = corpus.chunk(LOAD_CHUNK);
        if chunk.is_empty() {
            break;
        }
        threads += chunk.len();
        for t in &chunk {
            for p in &t.posts {
                words_total += p.body.split(' ').count();
                let (viewer, viewer_org) = world.viewer();
                let sees = viewer_groups.contains(&t.group)
                    && match t.tlp {
                        "amber+strict" => t.orgs.contains(&viewer_org),
                        "red" => p.author == viewer || p.users.contains(&viewer),
                        _ => true,
                    };
                visible += usize::from(sees);
            }
        }
        insert_threads(&db, &chunk).await;
    }
    let load = started.elapsed();
    let db_size = dir_size(&data) - dir_size(&index_dir);
    eprintln!(
        "SQLite: {posts} posts in {threads} threads in {:.1} s ({:.0} MB with the outbox)",
        load.as_secs_f64(),
        mb(db_size)
    );

    let tantivy = bench_tantivy(&db, &index_dir, live, &world, posts, &queries).await;
    let postgres = match &pg {
        Some(connection) => Some(
            bench_postgres(
                connection,
                corpus_seed,
                &words,
                &law,
                &world,
                posts,
                &queries,
            )
            .await,
        ),
        None => None,
    };
    let http = if std::env::var("BENCH_SEARCH_HTTP").is_ok_and(|v| v == "0") {
        Http::NotMeasured("BENCH_SEARCH_HTTP=0".to_string())
    } else {
        bench_http(&db, &data, &world, &queries).await
    };
    db.close().await;

    let group_share: f64 = VIEWER_GROUPS
        .iter()
        .map(|g| Law::zipf(1, GROUPS, 1.0).share(*g))
        .sum();
    println!();
    println!(
        "Search over {posts} posts in {threads} threads ({:.1} words per post on average), \
         seed {seed}",
        words_total as f64 / posts as f64
    );
    println!(
        "Vocabulary: {VOCABULARY} words of {} (Zipf s = {ZIPF_S}); {QUERIES} two-word queries \
         from ranks {}–{}",
        words_path.display(),
        QUERY_RANKS.0,
        QUERY_RANKS.1
    );
    println!(
        "Viewer: a member of 5 of {GROUPS} groups ({:.0} % of posts by group), who may see \
         {visible} posts ({:.1} %)",
        100.0 * group_share,
        100.0 * visible as f64 / posts as f64
    );
    println!(
        "Each query: the top {TOP} by relevance, the total, and counts by group and TLP \
         (tantivy also by type), warm"
    );
    println!();
    println!(
        "{:<34}{:>10}{:>10}{:>10}{:>10}{:>10}",
        "per query, ms", "median", "p90", "p99", "max", "mean"
    );
    row("tantivy (searching::query_index)", &tantivy.latency);
    row("tantivy, a viewer's first search", &tantivy.first);
    if let Http::Measured { latency, .. } = &http {
        row("/search page over HTTP (optional)", latency);
    }
    if let Some(pg) = &postgres {
        row("PostgreSQL (GIN, ts_rank)", &pg.latency);
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "{:<34}{:>9.1}×{:>9.1}×{:>9.1}×{:>9.1}×{:>9.1}×",
            "PostgreSQL / tantivy",
            ratio(pg.latency.median, tantivy.latency.median),
            ratio(pg.latency.p90, tantivy.latency.p90),
            ratio(pg.latency.p99, tantivy.latency.p99),
            ratio(pg.latency.max, tantivy.latency.max),
            ratio(pg.latency.mean, tantivy.latency.mean)
        );
    }
    let mut loads = vec![format!("tantivy {} → {}", tantivy.load.0, tantivy.load.1)];
    if let Some(pg) = &postgres {
        loads.push(format!("PostgreSQL {} → {}", pg.load.0, pg.load.1));
    }
    match &http {
        Http::Measured { bytes, load, .. } => {
            loads.push(format!("HTTP {} → {}", load.0, load.1));
            println!(
                "/search over HTTP: the whole page ({bytes} bytes for the first query) as the \
                 signed-in viewer, one request at a time: query, hits loaded back through core \
                 with snippets, rendering"
            );
        }
        Http::NotMeasured(why) => println!("/search over HTTP: not measured ({why})"),
    }
    println!(
        "Machine load (1-min average) before → after each timed pass: {} on {} cores",
        loads.join(", "),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!(
        "tantivy indexing from the outbox: {posts} posts in {:.1} s = {:.0} posts/s \
         (batches of {}); merges went on {:.0} s after",
        tantivy.indexing.as_secs_f64(),
        tantivy.rate,
        indexer::BATCH,
        tantivy.merge_wait.as_secs_f64().max(3.0) - 3.0
    );
    println!(
        "then, as the idle server does, merged {} segments in {:.1} s (`merge_when_idle`)",
        tantivy.idle_merge.0,
        tantivy.idle_merge.1.as_secs_f64()
    );
    println!(
        "tantivy index on disk: {:.0} MB ({} segments); the SQLite database: {:.0} MB",
        mb(tantivy.size),
        tantivy.segments,
        mb(db_size)
    );
    let mut totals: Vec<u64> = tantivy.counts.iter().map(|c| c.total).collect();
    totals.sort_unstable();
    println!(
        "tantivy totals per query: median {}, p99 {}, max {}, {} queries found nothing",
        totals[totals.len() / 2],
        totals[(totals.len() - 1) * 99 / 100],
        totals[totals.len() - 1],
        totals.iter().filter(|t| **t == 0).count()
    );
    match &postgres {
        Some(pg) => {
            println!(
                "PostgreSQL load: COPY {:.1} s (with to_tsvector), GIN build {:.1} s = {:.0} \
                 posts/s; table {:.0} MB, GIN index {:.0} MB",
                pg.copy.as_secs_f64(),
                pg.gin.as_secs_f64(),
                posts as f64 / (pg.copy + pg.gin).as_secs_f64(),
                mb(pg.table_size),
                mb(pg.gin_size)
            );
            println!("PostgreSQL: {}", pg.version);
            let same_total = tantivy
                .counts
                .iter()
                .zip(&pg.counts)
                .filter(|(t, p)| t.total == p.total)
                .count();
            let same_all = tantivy
                .counts
                .iter()
                .zip(&pg.counts)
                .filter(|(t, p)| t.total == p.total && t.groups == p.groups && t.tlps == p.tlps)
                .count();
            println!(
                "Same work: equal totals for {same_total} of {QUERIES} queries, equal totals \
                 and group and TLP counts for {same_all}"
            );
            // The analysers differ in one way: PostgreSQL's `danish` drops stop words ("fra",
            // "som", …) that tantivy keeps (their stems agree on the whole vocabulary
            // otherwise), so the totals of queries with one differ; a few examples show it.
            let differing: Vec<(&String, u64, u64)> = queries
                .iter()
                .zip(tantivy.counts.iter().zip(&pg.counts))
                .filter(|(_, (t, p))| t.total != p.total)
                .map(|(q, (t, p))| (q, t.total, p.total))
                .collect();
            let lower = differing.iter().filter(|(_, t, p)| t < p).count();
            if !differing.is_empty() {
                println!(
                    "  where they differ, tantivy finds fewer in {lower} and more in {}; e.g.:",
                    differing.len() - lower
                );
            }
            for (q, t, p) in differing.iter().take(8) {
                println!("  {q:?}: tantivy {t}, PostgreSQL {p}");
            }
            println!();
            let (t, p) = (&tantivy.latency, &pg.latency);
            println!(
                "Targets at this size: tantivy median {:.3} ms <= 1 ms: {}; p99 {:.3} ms <= 20 \
                 ms: {}; >= 10x PostgreSQL at p99 ({:.1}x): {}",
                ms(t.median),
                verdict(t.median <= Duration::from_millis(1)),
                ms(t.p99),
                verdict(t.p99 <= Duration::from_millis(20)),
                p.p99.as_secs_f64() / t.p99.as_secs_f64(),
                verdict(p.p99.as_secs_f64() >= 10.0 * t.p99.as_secs_f64())
            );
        }
        None => {
            println!(
                "PostgreSQL: not measured (BENCH_SEARCH_PG is not set; `make bench-search` \
                 starts a server and sets it)"
            );
            let t = &tantivy.latency;
            println!();
            println!(
                "Targets at this size: tantivy median {:.3} ms <= 1 ms: {}; p99 {:.3} ms <= 20 \
                 ms: {}",
                ms(t.median),
                verdict(t.median <= Duration::from_millis(1)),
                ms(t.p99),
                verdict(t.p99 <= Duration::from_millis(20))
            );
        }
    }
    if posts != DEFAULT_POSTS {
        println!("(The targets are for {DEFAULT_POSTS} posts; this run had {posts}.)");
    }
    if keep {
        let kept = dir.keep();
        eprintln!("Kept {}", kept.display());
    }
}
