//! Sign-in latency through the real server (HTTP, throttle, Argon2id, session start),
//! against its peer: the Argon2id verification alone, which should dominate it.
//! Prints figures; not a pass/fail test.

use std::time::{Duration, Instant};
use vaern_core::accounts::{self, NewUser, password};
use vaern_core::orgs;
use vaern_core::policy::PlatformRole;
use vaern_server::config::Config;

const ROUNDS: usize = 200;
const PASSWORD: &str = "a long enough benchmark password";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

fn report(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.50), percentile(&samples, 0.99));
    println!(
        "{name:<28} n={:<4} p50 {:>7.2} ms   p99 {:>7.2} ms",
        samples.len(),
        ms(p50),
        ms(p99)
    );
    (p50, p99)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
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
    let org = orgs::find_by_code(&db, "751").await.expect("org");
    accounts::create(
        &db,
        NewUser {
            email: "bench@aarhus.dk".into(),
            name: "Bench".into(),
            org_id: org.id,
            role: PlatformRole::Member,
            org_admin: false,
            password: PASSWORD.into(),
        },
    )
    .await
    .expect("user");

    let mut sign_ins = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let started = Instant::now();
        let res = client
            .post(format!("{url}/rpc/sign_in"))
            .header("origin", &url)
            .header("accept", "application/json")
            .form(&[("email", "bench@aarhus.dk"), ("password", PASSWORD)])
            .send()
            .await
            .expect("request");
        assert!(
            res.status().is_success(),
            "sign-in failed: {}",
            res.status()
        );
        sign_ins.push(started.elapsed());
    }

    let stored = password::hash(PASSWORD.into()).await.expect("hash");
    let mut verifies = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        assert!(
            password::verify(PASSWORD.into(), Some(stored.clone()))
                .await
                .expect("verify")
        );
        verifies.push(started.elapsed());
    }

    println!("Sign-in latency, {ROUNDS} sequential sign-ins (release build):");
    let (s50, s99) = report("sign-in over HTTP", sign_ins);
    let (v50, v99) = report("peer: Argon2id verify alone", verifies);
    println!(
        "ratio sign-in / verify: p50 {:.2}x, p99 {:.2}x",
        s50.as_secs_f64() / v50.as_secs_f64(),
        s99.as_secs_f64() / v99.as_secs_f64()
    );
}
