//! Search over HTTP (`/search`, `/rpc/search` and the header's `/rpc/search_suggestions`),
//! with the server's own indexer applying the outbox: who finds what (a hidden item leaves
//! no hit, no count and no facet entry), how fast a new post is found, bad input answered
//! with a page, and the audit row of a search that finds TLP:RED items.

use crate::helpers::*;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use std::time::{Duration, Instant};
use vaern_core::ids::UserId;
use vaern_core::policy::PlatformRole;

const SLUG: &str = "soegning";

/// The people of a search: all but the stranger and the admin are members of `soegning`.
struct Cast {
    /// Aarhus, member: writes the posts.
    author: (Client, UserId),
    /// Aarhus, member: the author's organisation.
    colleague: Client,
    /// København, member: another organisation in the same group.
    other: (Client, UserId),
    /// Aarhus, not a member.
    stranger: Client,
    /// A platform admin of KL, not a member.
    admin: Client,
}

async fn cast(app: &TestApp) -> Cast {
    let group = app.group(SLUG).await;
    let (author, author_id) = app
        .signed_in("751", "forfatter@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (colleague, colleague_id) = app
        .signed_in("751", "kollega@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (other, other_id) = app
        .signed_in("101", "anden@kk.dk", PlatformRole::Member, false)
        .await;
    let (stranger, _) = app
        .signed_in("751", "fremmed@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    for member in [author_id, colleague_id, other_id] {
        app.add_to_group(group, member, "member").await;
    }
    Cast {
        author: (author, author_id),
        colleague,
        other: (other, other_id),
        stranger,
        admin,
    }
}

/// Starts a thread in `soegning` as `who`; `extra` adds the label and audience.
async fn start(
    app: &TestApp,
    who: &Client,
    title: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> (i64, i64) {
    let mut form = vec![("slug", SLUG), ("title", title), ("body", body)];
    form.extend_from_slice(extra);
    let res = app.rpc(who, "start_thread", &form).await;
    let status = res.status();
    let outcome = json(res).await;
    assert_eq!(status, StatusCode::OK, "start_thread {form:?}: {outcome}");
    let posted = &outcome["Posted"];
    (
        posted["thread_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("not posted: {outcome}")),
        posted["post_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("not posted: {outcome}")),
    )
}

/// `/rpc/search` for `q`, which must answer 200; its JSON.
pub(crate) async fn search(app: &TestApp, who: &Client, q: &str) -> Value {
    let res = app.rpc(who, "search", &[("q", q)]).await;
    let status = res.status();
    let body = res.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "search {q:?}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Searches `q` as `who` every 100 ms until it finds something; the results and how
/// long it took. Fails after `within`.
pub(crate) async fn found_within(
    app: &TestApp,
    who: &Client,
    q: &str,
    within: Duration,
) -> (Value, Duration) {
    let started = Instant::now();
    loop {
        let results = search(app, who, q).await;
        if results["total"].as_u64().unwrap_or_default() > 0 {
            return (results, started.elapsed());
        }
        assert!(
            started.elapsed() < within,
            "{q:?} not found within {within:?}: {results}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the server's indexer has applied every outbox row written so far.
pub(crate) async fn indexed(app: &TestApp) {
    for _ in 0..200 {
        let pending: i64 = sqlx::query_scalar("select count(*) from search_outbox")
            .fetch_one(&app.db)
            .await
            .expect("outbox count");
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the indexer did not empty the search outbox within 10 s");
}

fn labels(facets: &Value) -> Vec<String> {
    facets
        .as_array()
        .expect("a facet list")
        .iter()
        .map(|f| format!("{}={}", f["label"].as_str().unwrap_or_default(), f["count"]))
        .collect()
}

fn hit_hrefs(results: &Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["href"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn post_href(thread: i64, post: i64) -> String {
    format!("/threads/{thread}?post={post}#post-{post}")
}

/// Asserts that `results` hold nothing: no hit, a total of 0 and no facet entry.
fn assert_nothing(results: &Value, who: &str) {
    assert_eq!(results["total"], 0, "{who}: {results}");
    for list in ["hits", "kinds", "groups", "tlps"] {
        assert_eq!(
            results[list],
            serde_json::json!([]),
            "{who}: {list} in {results}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_the_search_page_redirects_to_sign_in_and_its_server_function_refuses() {
    let app = spawn_app().await;
    let nobody = browser();
    let res = app.get(&nobody, "/search?q=kvasar").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res).as_deref(), Some("/sign-in"));
    let res = app.rpc(&nobody, "search", &[("q", "kvasar")]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(res).await, serde_json::json!("Unauthenticated"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_token_gets_nothing_from_search() {
    let app = spawn_app().await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let res = app
        .rpc(
            &admin,
            "create_token",
            &[("org", "751"), ("taxii_read", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let secret = json(res).await["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let bearer = format!("Bearer {secret}");
    // No cookies: the token is all the request carries.
    let machine = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = machine
        .get(format!("{}/search?q=kvasar", app.url))
        .header("accept", "text/html")
        .header("authorization", &bearer)
        .send()
        .await
        .expect("request");
    assert_eq!(
        res.status(),
        StatusCode::FOUND,
        "the page treats it as signed out"
    );
    assert_eq!(location(&res).as_deref(), Some("/sign-in"));
    let res = machine
        .post(format!("{}/rpc/search", app.url))
        .header("origin", &app.url)
        .header("accept", "application/json")
        .header("authorization", &bearer)
        .form(&[("q", "kvasar")])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json(res).await, serde_json::json!("Unauthenticated"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_finds_a_post_of_its_group_and_no_one_outside_the_group_finds_anything() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, post) = start(
        &app,
        &cast.author.0,
        "Nyt om netværket",
        "Vi har set flere hændelserne med kvasar i nat.",
        &[],
    )
    .await;
    indexed(&app).await;
    // The author's colleague, a plain member, finds it by a Danish inflection too.
    for q in ["hændelserne", "hændelse"] {
        let results = search(&app, &cast.colleague, q).await;
        assert_eq!(results["total"], 1, "{q}: {results}");
        assert_eq!(hit_hrefs(&results), vec![post_href(thread, post)], "{q}");
        assert_eq!(results["hits"][0]["kind"], "post");
        assert_eq!(results["hits"][0]["group"], SLUG);
        assert_eq!(labels(&results["groups"]), vec![format!("{SLUG}=1")]);
    }
    // The member of another organisation in the group sees an AMBER post too.
    assert_eq!(search(&app, &cast.other.0, "hændelse").await["total"], 1);
    // Not a member, and a platform admin who is not one: nothing of the group.
    for (who, client) in [("stranger", &cast.stranger), ("admin", &cast.admin)] {
        for q in [
            "hændelserne",
            "kvasar",
            "netværket",
            &format!("group:{SLUG}"),
            "type:post hændelse",
        ] {
            assert_nothing(&search(&app, client, q).await, &format!("{who} {q}"));
        }
    }
    // The page itself shows the hit to the member, and nothing to the stranger.
    let page = app.get(&cast.colleague, "/search?q=h%C3%A6ndelse").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(
        html.contains(&format!("/threads/{thread}?post={post}")),
        "{html}"
    );
    let page = app.get(&cast.stranger, "/search?q=kvasar").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(!html.contains(&format!("/threads/{thread}")), "{html}");
    assert!(!html.contains("flere hændelserne"), "no snippet leaks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organisation_in_the_group_gets_no_hit_no_count_and_no_facet_of_an_amber_strict_post()
 {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    // The word is in the bodies only: each post is one entry.
    let (strict_thread, strict_post) = start(
        &app,
        &cast.author.0,
        "Kun Aarhus",
        "Intern note om mørtelkrabbe i vores net.",
        &[("tlp", "amber+strict")],
    )
    .await;
    let (open_thread, open_post) = start(
        &app,
        &cast.author.0,
        "Til alle i gruppen",
        "Har andre set mørtelkrabbe?",
        &[("tlp", "amber")],
    )
    .await;
    indexed(&app).await;

    // The author's organisation finds both.
    let results = search(&app, &cast.colleague, "mørtelkrabbe").await;
    assert_eq!(results["total"], 2, "{results}");
    let mut hrefs = hit_hrefs(&results);
    hrefs.sort();
    let mut expected = vec![
        post_href(strict_thread, strict_post),
        post_href(open_thread, open_post),
    ];
    expected.sort();
    assert_eq!(hrefs, expected);
    assert_eq!(
        labels(&results["tlps"]),
        vec!["TLP:AMBER=1", "TLP:AMBER+STRICT=1"]
    );

    // København's member: the AMBER post alone, and no trace of the other anywhere.
    let (other, _) = &cast.other;
    let results = search(&app, other, "mørtelkrabbe").await;
    assert_eq!(results["total"], 1, "{results}");
    assert_eq!(hit_hrefs(&results), vec![post_href(open_thread, open_post)]);
    assert_eq!(labels(&results["kinds"]), vec!["Indlæg=1"]);
    assert_eq!(labels(&results["groups"]), vec![format!("{SLUG}=1")]);
    assert_eq!(labels(&results["tlps"]), vec!["TLP:AMBER=1"]);
    // Asked for it by its label or its own words: nothing at all.
    for q in [
        "mørtelkrabbe tlp:amber+strict",
        "intern note",
        "\"intern note om mørtelkrabbe\"",
        "kun aarhus",
        "tlp:amber+strict",
    ] {
        assert_nothing(&search(&app, other, q).await, q);
    }
    let page = app.get(other, "/search?q=m%C3%B8rtelkrabbe").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(
        !html.contains("Intern note"),
        "the hidden post's text leaks"
    );
    assert!(
        !html.contains("AMBER+STRICT"),
        "a facet or badge of the hidden post"
    );
    assert!(!html.contains(&format!("/threads/{strict_thread}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_post_is_found_by_an_inflected_form_within_two_seconds() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    // The indexer has built the empty index of a new server and is idle.
    indexed(&app).await;
    let (thread, post) = start(
        &app,
        &cast.author.0,
        "Beredskab",
        "Fjernadgangen er lukket efter hændelserne i nat.",
        &[],
    )
    .await;
    let (results, took) =
        found_within(&app, &cast.colleague, "hændelse", Duration::from_secs(2)).await;
    assert_eq!(hit_hrefs(&results), vec![post_href(thread, post)]);
    // The snippet highlights the word as written in the post.
    let highlighted: Vec<&str> = results["hits"][0]["snippet"]
        .as_array()
        .expect("snippet")
        .iter()
        .filter(|piece| piece[1] == true)
        .filter_map(|piece| piece[0].as_str())
        .collect();
    assert_eq!(highlighted, vec!["hændelserne"], "{results}");
    eprintln!("found after {took:?}");

    // A reply too, by the other organisation, after the first round.
    let res = app
        .rpc(
            &cast.other.0,
            "post_reply",
            &[
                ("thread_id", &thread.to_string()),
                ("body", "Tak for beredskabsplanerne."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    found_within(
        &app,
        &cast.author.0,
        "beredskabsplan",
        Duration::from_secs(2),
    )
    .await;
}

/// Percent-encodes every byte but the unreserved ones.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_search_input_is_answered_with_a_page_never_an_error() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    start(&app, &cast.author.0, "Ord", "Et ord om ordbøger.", &[]).await;
    indexed(&app).await;
    let printable: String = (0x20u8..0x7f).map(char::from).collect();
    let long = "ord ".repeat(2500);
    let queries: Vec<String> = vec![
        encode(&long),
        encode("- OR \"\""),
        encode("OR"),
        encode("-"),
        encode("\"\""),
        encode("OR OR - -\"\" AND NOT"),
        encode("\u{0}\u{1}\u{7}\u{8}\u{1b}[31mord\t\r\n\u{7f}"),
        encode(&printable),
        encode("*"),
        encode("**"),
        encode(".*"),
        encode("(ord|bog)+$ [^a-z]{2,}\\d ^ord~2 ord?"),
        encode("type: group: tlp: author: org: after: before:"),
        encode("after:2026-02-30 before:yesterday tlp:purple type:nothing"),
        encode("group:../../etc org:' or 1=1 --"),
        encode("<script>alert(1)</script>"),
        encode("\u{202e}\u{200b}\u{feff}ord\u{fffd}"),
        "%FF%FE%C3".into(),
        "%C3%28".into(),
        "%".into(),
        "%%%".into(),
        "ord&q=".into(),
    ];
    let mut urls: Vec<String> = queries.iter().map(|q| format!("/search?q={q}")).collect();
    urls.extend(
        [
            "/search?q=ord&page=1000000000",
            "/search?q=ord&page=abc",
            "/search?q=ord&page=-1",
            "/search?q=ord&page=0",
            "/search?q=ord&page=18446744073709551616",
            "/search?q=ord&sort=bogus",
            "/search?q=ord&sort=newest&page=1000000000",
            "/search",
            "/search?q=",
            "/search?sort=%FF&page=%FF",
        ]
        .map(str::to_string),
    );
    for url in &urls {
        let res = app.get(&cast.author.0, url).await;
        let status = res.status();
        let html = res.text().await.expect("body");
        let shown: String = url.chars().take(80).collect();
        assert_eq!(status, StatusCode::OK, "{shown}: {html}");
        assert!(
            html.contains("search-form"),
            "{shown}: not the search page: {html}"
        );
    }
    // The deepest page holds the one hit; a word of the post is still found.
    let res = app
        .get(&cast.author.0, "/search?q=ord&page=1000000000")
        .await;
    let html = res.text().await.expect("body");
    assert!(html.contains("ordbøger"), "{html}");

    // The same through the server function, whose form may carry anything.
    for q in [
        long.as_str(),
        "- OR \"\"",
        "\u{0}\u{1}\u{1b}",
        printable.as_str(),
        "*",
        ".*[a-z]+",
    ] {
        let results = search(&app, &cast.author.0, q).await;
        assert!(results["total"].is_u64(), "{results}");
    }
    for page in ["1000000000", "abc", "-1", ""] {
        let res = app
            .rpc(
                &cast.author.0,
                "search",
                &[("q", "ord"), ("page", page), ("sort", "bogus")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "page={page}");
    }
    let res = cast
        .author
        .0
        .post(format!("{}/rpc/search", app.url))
        .header("origin", &app.url)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("q=%FF%FE%C3")
        .send()
        .await
        .expect("request");
    assert!(
        !res.status().is_server_error(),
        "invalid UTF-8 in the form: {}",
        res.status()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_that_does_not_parse_is_answered_with_results_and_a_one_line_hint() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (thread, post) = start(
        &app,
        &cast.author.0,
        "Farver",
        "Farve: rød er valgt til alarmer om ulukket adgang.",
        &[],
    )
    .await;
    indexed(&app).await;
    let href = format!("/threads/{thread}?post={post}");
    let quote = danish("search_hint_quote", &[]);
    let field = danish("search_hint_field", &[("field", "farve")]);
    // Cut after the first word: what is left is read as typed.
    let long = format!("ulukket{}adgang", " ".repeat(1200));
    let cases = [
        // An unbalanced quote: the words are searched one by one.
        ("/search?q=%22ulukket+adgang".to_string(), quote.clone()),
        // An unknown field: searched as text.
        ("/search?q=farve%3Ar%C3%B8d".to_string(), field),
        // Too long: cut to 1,000 characters.
        (
            format!("/search?q={}", encode(&long)),
            danish("search_hint_too_long", &[("max", "1000")]),
        ),
        // Read as typed: no hint.
        ("/search?q=ulukket".to_string(), String::new()),
    ];
    for (url, hint) in cases {
        let res = app.get(&cast.author.0, &url).await;
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        let html = res.text().await.expect("body");
        assert!(
            html.contains(&href),
            "{url}: results for the sensible reading"
        );
        match hints_of(&html) {
            None => assert!(hint.is_empty(), "{url}: no hint shown: {html}"),
            Some(shown) => {
                assert!(!hint.is_empty(), "{url}: a hint for a clean query: {shown}");
                assert!(shown.contains(&hint), "{url}: the hint {hint:?} in {shown}");
                assert_eq!(shown.matches("<li>").count(), 1, "{url}: one line: {shown}");
            }
        }
    }
    // The hints come with the server function's results too, one line each.
    let results = search(&app, &cast.author.0, "\"ulukket adgang").await;
    assert_eq!(results["total"], 1);
    assert_eq!(results["hints"], serde_json::json!([quote]));
}

/// The Danish text of a locale key, with its `{{ name }}` placeholders filled in (as the
/// page shows it; quotes are not escaped in HTML text).
fn danish(key: &str, values: &[(&str, &str)]) -> String {
    let locale: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../app/locales/da.json"
    )))
    .expect("da.json");
    let mut text = locale[key]
        .as_str()
        .unwrap_or_else(|| panic!("no Danish text for {key}"))
        .to_string();
    for (name, value) in values {
        text = text.replace(&format!("{{{{ {name} }}}}"), value);
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_signed_in_page_has_the_search_box_and_the_results_page_keeps_the_query() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    for path in ["/", "/notifications", &format!("/groups/{SLUG}")] {
        let res = app.get(&cast.author.0, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let html = res.text().await.expect("body");
        let form = html
            .split("<form")
            .find(|f| f.contains("role=\"search\""))
            .unwrap_or_else(|| panic!("{path}: no search form: {html}"));
        assert!(form.contains("method=\"get\""), "{path}: {form}");
        assert!(form.contains("action=\"/search\""), "{path}: {form}");
        assert!(form.contains("name=\"q\""), "{path}: {form}");
    }
    let html = app
        .get(&cast.author.0, "/search?q=kvasar+%22to+ord%22")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        html.contains("value=\"kvasar &quot;to ord&quot;\""),
        "the box keeps the query: {html}"
    );
}

/// The hints box of a search page, if it shows one.
fn hints_of(html: &str) -> Option<&str> {
    let start = html.find("search-hints")?;
    let rest = &html[start..];
    Some(&rest[..rest.find("</div>").unwrap_or(rest.len())])
}

async fn red_audit_rows(app: &TestApp) -> Vec<(Option<i64>, String)> {
    app.audit_chained().await;
    sqlx::query_as(
        "select actor_user_id, detail from audit_log where action = 'search_red' order by id",
    )
    .fetch_all(&app.db)
    .await
    .expect("audit rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_that_finds_a_red_post_is_audited_with_a_keyed_hmac_of_the_query_alone() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let named = format!("audience[user{}]", cast.other.1.0);
    start(
        &app,
        &cast.author.0,
        "Rødt emne",
        "Navnet på den kompromitterede konto er glasfrø.",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    start(
        &app,
        &cast.author.0,
        "Gult emne",
        "Almindelig snak om havetrold.",
        &[("tlp", "amber")],
    )
    .await;
    indexed(&app).await;
    assert_eq!(red_audit_rows(&app).await, vec![]);

    // Nothing RED found: no row, whoever searches.
    let results = search(&app, &cast.author.0, "havetrold").await;
    assert_eq!(results["total"], 1);
    // The colleague is not named: the RED post is not found, so nothing is audited.
    assert_nothing(&search(&app, &cast.colleague, "glasfrø").await, "colleague");
    assert_eq!(red_audit_rows(&app).await, vec![]);

    // The named recipient finds it: one row, by them, with the HMAC and not the words.
    let query = "kompromitterede glasfrø";
    let results = search(&app, &cast.other.0, query).await;
    assert_eq!(results["total"], 1, "{results}");
    assert_eq!(results["hits"][0]["tlp"], "red");
    let rows = red_audit_rows(&app).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (actor, detail) = &rows[0];
    assert_eq!(*actor, Some(cast.other.1.0));
    let mac = detail
        .strip_prefix("query_hmac=")
        .unwrap_or_else(|| panic!("detail {detail:?}"));
    assert_eq!(mac.len(), 64, "{detail}");
    assert!(
        mac.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{detail}"
    );
    for word in ["kompromitterede", "glasfrø", "glasfr"] {
        assert!(!detail.contains(word), "{detail}");
    }
    // The HMAC under the server's own key, which an investigator can check a query with.
    let key = vaern_core::search::red_audit::QueryKey::load_or_create(app.data_dir())
        .expect("the server's key");
    assert_eq!(mac, key.hmac(query));

    // The same query again: the same keyed HMAC; an AMBER-only search adds nothing.
    search(&app, &cast.other.0, query).await;
    search(&app, &cast.other.0, "havetrold").await;
    let rows = red_audit_rows(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1].1, *detail);
    // The page audits like the server function: the author finds it there.
    let res = app.get(&cast.author.0, "/search?q=glasfr%C3%B8").await;
    assert_eq!(res.status(), StatusCode::OK);
    let rows = red_audit_rows(&app).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[2].0, Some(cast.author.1.0));
    assert_ne!(rows[2].1, *detail, "another query, another HMAC");
}

/// `/rpc/search_suggestions` for `q`, which must answer 200: the titles offered.
async fn suggestions(app: &TestApp, who: &Client, q: &str) -> Vec<String> {
    let res = app.rpc(who, "search_suggestions", &[("q", q)]).await;
    let status = res.status();
    let body = res.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "suggestions {q:?}: {body}");
    let offered: Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    let mut titles: Vec<String> = offered
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {body}"))
        .iter()
        .map(|s| s["title"].as_str().unwrap_or_default().to_string())
        .collect();
    titles.sort();
    titles
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn title_suggestions_offer_only_what_the_reader_may_see() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    start(
        &app,
        &cast.author.0,
        "Ransomware hos leverandøren",
        "Kun Aarhus.",
        &[("tlp", "amber+strict")],
    )
    .await;
    start(
        &app,
        &cast.author.0,
        "Ransomwareøvelse for alle",
        "Tilmelding her.",
        &[("tlp", "amber")],
    )
    .await;
    indexed(&app).await;
    assert_eq!(
        suggestions(&app, &cast.colleague, "ransom").await,
        ["Ransomware hos leverandøren", "Ransomwareøvelse for alle"]
    );
    // The last word may be unfinished; the ones before it are whole.
    assert_eq!(
        suggestions(&app, &cast.colleague, "ransomware hos lev").await,
        ["Ransomware hos leverandøren"]
    );
    assert_eq!(
        suggestions(&app, &cast.other.0, "ransom").await,
        ["Ransomwareøvelse for alle"],
        "another organisation is not offered the AMBER+STRICT title"
    );
    for (who, client) in [("stranger", &cast.stranger), ("admin", &cast.admin)] {
        assert_eq!(
            suggestions(&app, client, "ransom").await,
            Vec::<String>::new(),
            "{who}"
        );
    }
    // Regex-like, empty and hostile input is answered with nothing, never an error.
    for q in [
        "", " ", ".*", "r.*", "(", "[", "\\", "*", "ransom|", "\u{0}", "-",
    ] {
        let res = app
            .rpc(&cast.colleague, "search_suggestions", &[("q", q)])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{q:?}");
    }
    assert_eq!(
        app.rpc(&browser(), "search_suggestions", &[("q", "ransom")])
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_red_title_offered_as_a_suggestion_is_audited_like_a_search_that_finds_it() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let named = format!("audience[user{}]", cast.other.1.0);
    start(
        &app,
        &cast.author.0,
        "Glasfrø kompromitteret",
        "Detaljer følger.",
        &[("tlp", "red"), (named.as_str(), "on")],
    )
    .await;
    indexed(&app).await;
    // Not offered to a member who is not named, and nothing audited.
    assert_eq!(
        suggestions(&app, &cast.colleague, "glasf").await,
        Vec::<String>::new()
    );
    assert_eq!(red_audit_rows(&app).await, vec![]);
    // The named recipient: either the RED title is not offered while typing, or
    // offering it is audited as a search that returned a TLP:RED item (issue 18, 9).
    let offered = suggestions(&app, &cast.other.0, "glasf").await;
    let rows = red_audit_rows(&app).await;
    if offered.is_empty() {
        assert_eq!(rows, vec![]);
    } else {
        assert_eq!(offered, ["Glasfrø kompromitteret"]);
        assert_eq!(
            rows.len(),
            1,
            "the RED title {offered:?} was returned without a search_red audit row"
        );
        assert_eq!(rows[0].0, Some(cast.other.1.0));
        assert!(!rows[0].1.contains("glasf"), "{rows:?}");
    }
}
