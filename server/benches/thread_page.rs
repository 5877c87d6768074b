//! Where the time of one thread page goes: the 50-post demo thread requested by a
//! signed-in member through the real server, one request at a time, next to its parts
//! measured alone in the same run: the session and viewer lookup, the bell's count, and
//! the forum query with the access policy (`forums::thread_page`). What is left is
//! rendering the page and HTTP. Prints figures; not a pass/fail test. The concurrent
//! comparison with nginx is `make bench-thread`.

use std::time::{Duration, Instant};
use vaern_core::accounts::sessions::{self, SessionLimits};
use vaern_core::forums::{self, PagePick, ReadMarker};
use vaern_server::config::Config;

const ROUNDS: usize = 400;

// The same allocator as the `vaern` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.50), percentile(&samples, 0.99));
    println!(
        "{name:<44} p50 {:>7.3} ms   p99 {:>7.3} ms",
        ms(p50),
        ms(p99)
    );
    p50
}

async fn time<F, T>(rounds: usize, mut f: impl FnMut() -> F) -> Vec<Duration>
where
    F: Future<Output = T>,
{
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        f().await;
        samples.push(started.elapsed());
    }
    samples
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = vaern_core::db::open(dir.path()).await.expect("db");
    let audit = vaern_core::audit::AuditLog::new(db.clone(), dir.path());
    vaern_core::demo::fill(&db, &audit).await.expect("demo");
    let thread: i64 = sqlx::query_scalar(
        "select thread_id from forum_posts group by thread_id having count(*) = 50",
    )
    .fetch_one(&db)
    .await
    .expect("the demo's 50-post thread");
    let (member, _) = vaern_core::accounts::find_by_email(&db, "it-chef@koebenhavn.demo")
        .await
        .expect("lookup")
        .expect("demo member");

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

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let signed_in = client
        .post(format!("{url}/rpc/sign_in"))
        .header("origin", &url)
        .header("accept", "application/json")
        .form(&[
            ("email", "it-chef@koebenhavn.demo"),
            ("password", "demo-kommune-kodeord"),
        ])
        .send()
        .await
        .expect("sign-in");
    assert!(signed_in.status().is_success(), "sign-in failed");
    let page_url = format!("{url}/threads/{thread}");
    let first = client.get(&page_url).send().await.expect("page");
    assert_eq!(first.status(), 200, "the thread page must answer 200");
    let bytes = first.bytes().await.expect("body").len();

    let session_id: String =
        sqlx::query_scalar("select id from user_sessions where user_id = $1 limit 1")
            .bind(member)
            .fetch_one(&db)
            .await
            .expect("session row");
    let limits = SessionLimits::default();
    let viewer = sessions::load_viewer(&db, member).await.expect("viewer");

    println!(
        "Thread page with 50 posts ({bytes} bytes), {ROUNDS} sequential requests (release build):"
    );
    let full = report(
        "whole page over HTTP",
        time(ROUNDS, || async {
            let res = client.get(&page_url).send().await.expect("page");
            res.bytes().await.expect("body");
        })
        .await,
    );
    let session = report(
        "  session and viewer (sessions::resume)",
        time(ROUNDS, || async {
            sessions::resume(&db, &session_id, limits)
                .await
                .expect("resume")
                .expect("signed in");
        })
        .await,
    );
    let bell = report(
        "  bell count (notifications::unread_count)",
        time(ROUNDS, || async {
            vaern_core::notifications::unread_count(&db, &viewer)
                .await
                .expect("count");
        })
        .await,
    );
    let forum = report(
        "  thread with policy (forums::thread_page)",
        time(ROUNDS, || async {
            forums::thread_page(&db, &viewer, thread, PagePick::Page(1), ReadMarker::Move)
                .await
                .expect("thread");
        })
        .await,
    );
    let rest = full.saturating_sub(session + bell + forum);
    println!(
        "{:<44} p50 {:>7.3} ms   ({:.0} % of the page)",
        "  rest: rendering, serialising, HTTP",
        ms(rest),
        100.0 * rest.as_secs_f64() / full.as_secs_f64()
    );
}
