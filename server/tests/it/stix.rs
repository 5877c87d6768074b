//! STIX 2.1 over TAXII 2.1, inbound (issue 6): the TAXII resources and their media
//! types, the plain-bundle route, status resources, authentication and scopes, and the
//! rules of ingestion as seen over HTTP: atomic refusal with a TAXII error listing each
//! bad object, idempotence, versions, the object limit and monotonic `date_added`.

use crate::helpers::*;
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use vaern_core::stix::markings::{TLP2_AMBER, TLP2_GREEN};
use vaern_core::stix::{FEED_COLLECTION_ID, INBOUND_COLLECTION_ID};
use vaern_core::tokens::{self, Manager, NewToken};

const TAXII: &str = "application/taxii+json;version=2.1";
const CENTRE: &str = "identity--3f0b9a7c-1d2e-4c5b-8a6f-0e1d2c3b4a59";

pub(crate) fn machine() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl TestApp {
    /// A fresh token of `org` with `scopes`, made as the operator would.
    pub(crate) async fn stix_token(&self, org: &str, scopes: &[&str]) -> String {
        let audit = vaern_core::audit::AuditLog::new(self.db.clone(), self.data_dir());
        tokens::create(
            &self.db,
            &audit,
            Manager::Operator,
            "test",
            NewToken {
                org: org.into(),
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
                expires: None,
                name: "test".into(),
            },
        )
        .await
        .expect("token")
        .secret
    }

    pub(crate) fn taxii(&self, method: reqwest::Method, path: &str, token: &str) -> RequestBuilder {
        machine()
            .request(method, format!("{}{path}", self.url))
            .header("accept", TAXII)
            .bearer_auth(token)
    }

    pub(crate) async fn post_envelope(&self, token: &str, objects: &[Value]) -> Response {
        self.taxii(reqwest::Method::POST, &objects_path(), token)
            .header("content-type", TAXII)
            .body(json!({ "objects": objects }).to_string())
            .send()
            .await
            .expect("request")
    }

    pub(crate) async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.db)
            .await
            .expect("count")
    }
}

pub(crate) fn objects_path() -> String {
    format!("/taxii2/vaern/collections/{INBOUND_COLLECTION_ID}/objects/")
}

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn indicator(n: u32, modified: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{}", uuid(n)),
        "created": "2026-11-01T10:00:00.000Z", "modified": modified,
        "created_by_ref": CENTRE,
        "name": format!("Phishing-domæne {n}"),
        "pattern": format!("[domain-name:value = 'login-{n}.example']"),
        "pattern_type": "stix",
        "valid_from": "2026-11-01T10:00:00Z",
        "object_marking_refs": [TLP2_GREEN]
    })
}

fn aarhus_identity() -> Value {
    json!({
        "type": "identity", "spec_version": "2.1",
        "id": "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0751",
        "created": "2026-11-01T10:00:00Z", "modified": "2026-11-01T10:00:00Z",
        "name": "Aarhus Kommune", "identity_class": "organization",
        "external_references": [{"source_name": "kommunekode", "external_id": "751"}]
    })
}

fn sighting(n: u32, of: &str, at: &str, marking: &str) -> Value {
    json!({
        "type": "sighting", "spec_version": "2.1",
        "id": format!("sighting--{}", uuid(n)),
        "created": "2026-11-01T11:00:00Z", "modified": "2026-11-01T11:00:00Z",
        "created_by_ref": CENTRE,
        "sighting_of_ref": of,
        "where_sighted_refs": [at],
        "x_vaern_severity": "high",
        "object_marking_refs": [marking]
    })
}

#[tokio::test]
async fn discovery_api_root_and_collections_answer_in_the_taxii_media_type() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    for path in ["/taxii2/", "/taxii2/vaern/", "/taxii2/vaern/collections/"] {
        let res = app
            .taxii(reqwest::Method::GET, path, &token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["content-type"], TAXII, "{path}");
    }
    let root = json(
        app.taxii(reqwest::Method::GET, "/taxii2/", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        root["api_roots"][0]
            .as_str()
            .unwrap()
            .ends_with("/taxii2/vaern/")
    );
    let api_root = json(
        app.taxii(reqwest::Method::GET, "/taxii2/vaern/", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(api_root["max_content_length"], 64 * 1024 * 1024);
    assert_eq!(api_root["versions"][0], TAXII);
    let list = json(
        app.taxii(reqwest::Method::GET, "/taxii2/vaern/collections/", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let collections = list["collections"].as_array().unwrap();
    let inbound = collections
        .iter()
        .find(|c| c["alias"] == "inbound")
        .unwrap();
    assert_eq!(inbound["id"], INBOUND_COLLECTION_ID);
    assert_eq!(inbound["can_write"], true);
    assert_eq!(inbound["can_read"], false);
    let feed = collections.iter().find(|c| c["alias"] == "feed").unwrap();
    assert_eq!(feed["id"], FEED_COLLECTION_ID);
    assert_eq!(feed["can_write"], false);

    let one = app
        .taxii(
            reqwest::Method::GET,
            &format!("/taxii2/vaern/collections/{INBOUND_COLLECTION_ID}/"),
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(one.status(), StatusCode::OK);
    assert_eq!(json(one).await["alias"], "inbound");
    let missing = app
        .taxii(
            reqwest::Method::GET,
            &format!("/taxii2/vaern/collections/{}/", uuid(9)),
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()["content-type"], TAXII);
    assert_eq!(json(missing).await["http_status"], "404");
}

#[tokio::test]
async fn a_wrong_accept_is_406_and_a_wrong_content_type_is_415() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    for accept in [
        "application/json",
        "application/taxii+json;version=2.0",
        "text/html",
    ] {
        let res = machine()
            .get(format!("{}/taxii2/", app.url))
            .header("accept", accept)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_ACCEPTABLE, "{accept}");
        assert_eq!(res.headers()["content-type"], TAXII);
    }
    for content_type in [
        "application/json",
        "application/stix+json;version=2.1",
        "text/plain",
    ] {
        let res = app
            .taxii(reqwest::Method::POST, &objects_path(), &token)
            .header("content-type", content_type)
            .body(json!({"objects": [indicator(1, "2026-11-01T10:00:00Z")]}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
    }
    let res = machine()
        .post(format!("{}/api/v1/stix/bundles", app.url))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.count("select count(*) from stix_objects").await, 0);
}

#[tokio::test]
async fn posting_an_envelope_answers_202_with_a_complete_status_that_can_be_read_back() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    let objects = [
        indicator(1, "2026-11-01T10:00:00.000Z"),
        aarhus_identity(),
        sighting(
            2,
            &format!("indicator--{}", uuid(1)),
            "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0751",
            TLP2_AMBER,
        ),
    ];
    let res = app.post_envelope(&token, &objects).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.headers()["content-type"], TAXII);
    let status = json(res).await;
    assert_eq!(status["status"], "complete");
    assert_eq!(status["total_count"], 3);
    assert_eq!(status["success_count"], 3);
    assert_eq!(status["failure_count"], 0);
    assert_eq!(status["pending_count"], 0);
    let id = status["id"].as_str().unwrap();

    let read = app
        .taxii(
            reqwest::Method::GET,
            &format!("/taxii2/vaern/status/{id}/"),
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(json(read).await["successes"], status["successes"]);

    // Another organisation's token is told the status does not exist.
    let other = app.stix_token("751", &["taxii:read"]).await;
    let hidden = app
        .taxii(
            reqwest::Method::GET,
            &format!("/taxii2/vaern/status/{id}/"),
            &other,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    // The sighting became an alert for Aarhus, and everything is in the outbox and
    // event tables and the audit log.
    assert_eq!(
        app.count("select count(*) from alerts a join organisations o on o.id = a.org_id where o.code = '751'")
            .await,
        1
    );
    assert_eq!(app.count("select count(*) from search_outbox").await, 3);
    assert_eq!(app.count("select count(*) from intel_events").await, 3);
    app.audit_chained().await;
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'stix_ingest' and detail like 'objects=3 stored=3 %'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_plain_bundle_is_accepted_as_stix_json_or_json() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    for (n, content_type) in [
        (1, "application/stix+json;version=2.1"),
        (2, "application/json"),
    ] {
        let bundle = json!({
            "type": "bundle",
            "id": format!("bundle--{}", uuid(100 + n)),
            "objects": [indicator(n, "2026-11-01T10:00:00Z")]
        });
        let res = machine()
            .post(format!("{}/api/v1/stix/bundles", app.url))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(bundle.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED, "{content_type}");
        let status = json(res).await;
        assert_eq!(status["status"], "complete");
        assert_eq!(status["success_count"], 1);
    }
    // An envelope is not a bundle.
    let res = machine()
        .post(format!("{}/api/v1/stix/bundles", app.url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(json!({"objects": []}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tokens_without_stix_write_revoked_or_missing_cannot_post() {
    let app = spawn_app().await;
    let reader = app.stix_token("751", &["taxii:read"]).await;
    let res = app
        .post_envelope(&reader, &[indicator(1, "2026-11-01T10:00:00Z")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        json(res).await["description"]
            .as_str()
            .unwrap()
            .contains("stix:write")
    );

    let writer = app.stix_token("soc", &["stix:write"]).await;
    sqlx::query("update api_tokens set revoked_at = 1")
        .execute(&app.db)
        .await
        .unwrap();
    let res = app
        .post_envelope(&writer, &[indicator(1, "2026-11-01T10:00:00Z")])
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["content-type"], TAXII);
    assert!(res.headers().contains_key("www-authenticate"));

    let anonymous = machine()
        .post(format!("{}{}", app.url, objects_path()))
        .header("accept", TAXII)
        .header("content-type", TAXII)
        .body(json!({"objects": [indicator(1, "2026-11-01T10:00:00Z")]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // Basic with the token as password works like Bearer.
    let fresh = app.stix_token("soc", &["stix:write"]).await;
    let basic = machine()
        .post(format!("{}{}", app.url, objects_path()))
        .header("accept", TAXII)
        .header("content-type", TAXII)
        .basic_auth("centre", Some(&fresh))
        .body(json!({"objects": [indicator(1, "2026-11-01T10:00:00Z")]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::ACCEPTED);
    assert_eq!(app.count("select count(*) from stix_objects").await, 1);
}

#[tokio::test]
async fn one_bad_object_refuses_the_whole_request_naming_each_bad_object() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    let mut old_spec = indicator(2, "2026-11-01T10:00:00Z");
    old_spec["spec_version"] = json!("2.0");
    let mut bad_pattern = indicator(3, "2026-11-01T10:00:00Z");
    bad_pattern["pattern"] = json!("[file:name = ");
    let mut no_id = indicator(4, "2026-11-01T10:00:00Z");
    no_id.as_object_mut().unwrap().remove("id");
    let mut bad_time = indicator(5, "2026-11-01T10:00:00Z");
    bad_time["modified"] = json!("1. november 2026");
    let mut unknown_marking = indicator(6, "2026-11-01T10:00:00Z");
    unknown_marking["object_marking_refs"] = json!([format!("marking-definition--{}", uuid(77))]);
    let objects = [
        indicator(1, "2026-11-01T10:00:00Z"),
        old_spec,
        bad_pattern,
        no_id,
        bad_time,
    ];
    let res = app.post_envelope(&token, &objects).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.headers()["content-type"], TAXII);
    let body = json(res).await;
    let listed: Vec<u64> = body["details"]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["index"].as_u64().unwrap())
        .collect();
    assert_eq!(listed, [1, 2, 3, 4]);
    let reasons = body["details"]["objects"].to_string();
    assert!(reasons.contains("spec_version"), "{reasons}");
    assert!(reasons.contains("pattern"), "{reasons}");
    assert!(reasons.contains("id: required"), "{reasons}");
    assert!(reasons.contains("modified"), "{reasons}");

    let res = app
        .post_envelope(
            &token,
            &[indicator(1, "2026-11-01T10:00:00Z"), unknown_marking],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(res).await["details"]
            .to_string()
            .contains("resolves to no known marking")
    );

    for table in [
        "stix_objects",
        "stix_ingests",
        "stix_refs",
        "search_outbox",
        "intel_events",
        "alerts",
    ] {
        assert_eq!(
            app.count(&format!("select count(*) from {table}")).await,
            0,
            "{table}"
        );
    }
    app.audit_chained().await;
    assert_eq!(
        app.count(
            "select count(*) from audit_log where action = 'stix_ingest' and outcome = 'failure'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn bodies_that_are_not_envelopes_are_400_and_never_500() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies = [
        "not json".to_string(),
        "[]".to_string(),
        "{\"objects\": 5}".to_string(),
        "{\"more\": false}".to_string(),
        "{\"objects\": [1, \"two\"]}".to_string(),
        format!("{{\"objects\": {deep}}}"),
        "\u{0}\u{1}".to_string(),
    ];
    for body in bodies {
        let res = app
            .taxii(reqwest::Method::POST, &objects_path(), &token)
            .header("content-type", TAXII)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = res.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{status} for {}",
            body.chars().take(40).collect::<String>()
        );
        assert_eq!(res.headers()["content-type"], TAXII);
    }
    assert_eq!(app.count("select count(*) from stix_objects").await, 0);
}

#[tokio::test]
async fn more_than_10000_objects_is_413() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    let objects: Vec<Value> = (0..10_001)
        .map(|n| indicator(n, "2026-11-01T10:00:00Z"))
        .collect();
    let res = app.post_envelope(&token, &objects).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        json(res).await["description"]
            .as_str()
            .unwrap()
            .contains("10000")
    );
    assert_eq!(app.count("select count(*) from stix_objects").await, 0);
}

#[tokio::test]
async fn a_body_over_max_content_length_is_413_while_reading() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    let huge = vec![b' '; 64 * 1024 * 1024 + 1];
    let sent = app
        .taxii(reqwest::Method::POST, &objects_path(), &token)
        .header("content-type", TAXII)
        .body(huge)
        .send()
        .await;
    match sent {
        Ok(res) => assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE),
        // The server answers 413 and closes the connection (`limits::too_large`) without
        // reading the rest: a client still writing the body may see its write fail
        // before it reads the answer. Nothing may have been stored either way.
        Err(err) => assert!(err.is_request(), "{err:?}"),
    }
    assert_eq!(app.count("select count(*) from stix_objects").await, 0);
    assert_eq!(
        app.post_envelope(&token, &[indicator(1, "2026-11-01T10:00:00Z")])
            .await
            .status(),
        StatusCode::ACCEPTED,
        "the server goes on serving"
    );
}

#[tokio::test]
async fn resending_changes_nothing_conflicts_are_422_and_newer_versions_are_kept_beside() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    let first = indicator(1, "2026-11-01T10:00:00Z");
    assert_eq!(
        app.post_envelope(&token, std::slice::from_ref(&first))
            .await
            .status(),
        StatusCode::ACCEPTED
    );
    let again = app
        .post_envelope(&token, std::slice::from_ref(&first))
        .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    assert_eq!(json(again).await["success_count"], 1);
    assert_eq!(app.count("select count(*) from stix_objects").await, 1);

    let mut changed = first.clone();
    changed["name"] = json!("Noget andet");
    let conflict = app.post_envelope(&token, &[changed]).await;
    assert_eq!(conflict.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let newer = indicator(1, "2026-11-02T10:00:00Z");
    assert_eq!(
        app.post_envelope(&token, &[newer]).await.status(),
        StatusCode::ACCEPTED
    );
    // An older version arriving late is kept, but the newest stays the one shown.
    let older = indicator(1, "2026-11-01T12:00:00Z");
    assert_eq!(
        app.post_envelope(&token, &[older]).await.status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(app.count("select count(*) from stix_objects").await, 3);
    let latest: String = sqlx::query_scalar(
        "select json_extract(content, '$.modified') from stix_objects where is_latest",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(latest, "2026-11-02T10:00:00Z");

    let marking = json!({
        "type": "marking-definition", "spec_version": "2.1",
        "id": format!("marking-definition--{}", uuid(50)),
        "created": "2026-11-01T10:00:00Z",
        "definition_type": "statement",
        "definition": {"statement": "Må ikke videregives"}
    });
    assert_eq!(
        app.post_envelope(&token, std::slice::from_ref(&marking))
            .await
            .status(),
        StatusCode::ACCEPTED
    );
    let mut redefined = marking;
    redefined["definition"] = json!({"statement": "Frit"});
    assert_eq!(
        app.post_envelope(&token, &[redefined]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn date_added_strictly_increases_under_concurrent_posts() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    let mut posts = Vec::new();
    for batch in 0..8u32 {
        let objects: Vec<Value> = (0..50)
            .map(|n| indicator(batch * 1000 + n, "2026-11-01T10:00:00Z"))
            .collect();
        let request = app
            .taxii(reqwest::Method::POST, &objects_path(), &token)
            .header("content-type", TAXII)
            .body(json!({ "objects": objects }).to_string());
        posts.push(tokio::spawn(async move {
            request.send().await.unwrap().status()
        }));
    }
    for post in posts {
        assert_eq!(post.await.unwrap(), StatusCode::ACCEPTED);
    }
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("select id, date_added_us from stix_objects order by id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(rows.len(), 400);
    for pair in rows.windows(2) {
        assert!(pair[1].1 > pair[0].1, "{pair:?}");
    }
}

#[tokio::test]
async fn an_unknown_taxii_path_is_a_taxii_404() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    let res = app
        .taxii(reqwest::Method::GET, "/taxii2/other-root/", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], TAXII);
}

#[tokio::test]
async fn predefined_tlp_definitions_and_repeats_in_a_request_count_as_successes() {
    let app = spawn_app().await;
    let token = app.stix_token("soc", &["stix:write"]).await;
    let tlp_amber = json!({
        "type": "marking-definition", "spec_version": "2.1",
        "id": TLP2_AMBER, "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:AMBER",
        "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
            "extension_type": "property-extension", "tlp_2_0": "amber"}}
    });
    let one = indicator(1, "2026-11-01T10:00:00Z");
    let res = app
        .post_envelope(&token, &[tlp_amber, one.clone(), one])
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let status = json(res).await;
    assert_eq!(status["total_count"], 3);
    assert_eq!(status["success_count"], 3);
    assert_eq!(app.count("select count(*) from stix_objects").await, 1);
    // A marking definition that claims to be TLP under another id is refused.
    let forged = json!({
        "type": "marking-definition", "spec_version": "2.1",
        "id": format!("marking-definition--{}", uuid(60)), "created": "2022-10-01T00:00:00.000Z",
        "definition_type": "tlp", "definition": {"tlp": "white"}
    });
    let res = app.post_envelope(&token, &[forged]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Sends only the head of an ingest request that declares a `length`-byte body, and
/// returns the connection (its body never sent) and a reader of the answer's status line.
async fn head_only(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    length: u64,
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let address = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let authorization = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAccept: {TAXII}\r\n\
         Content-Type: {TAXII}\r\n{authorization}Content-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("send head");
    stream
}

/// The status line of the answer, if it comes within two seconds.
async fn status_line(stream: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(2), stream.read(&mut answer))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&answer[..read]).into_owned();
    text.lines().next().map(str::to_string)
}

#[tokio::test]
async fn an_ingest_without_a_valid_writing_token_is_refused_before_its_body_is_read() {
    let app = spawn_app().await;
    let reader = app.stix_token("751", &["taxii:read"]).await;
    for path in [objects_path(), "/api/v1/stix/bundles".to_string()] {
        let mut anonymous = head_only(&app, &path, None, 67_108_000).await;
        let line = status_line(&mut anonymous).await;
        assert!(
            line.as_deref().is_some_and(|l| l.contains(" 401 ")),
            "{path} anonymous: {line:?}"
        );
        let mut read_only = head_only(&app, &path, Some(&reader), 67_108_000).await;
        let line = status_line(&mut read_only).await;
        assert!(
            line.as_deref().is_some_and(|l| l.contains(" 403 ")),
            "{path} taxii:read: {line:?}"
        );
    }
}

#[tokio::test]
async fn an_ingest_waits_for_a_slot_and_is_answered_503_with_retry_after_if_none_frees() {
    let app = spawn_app().await;
    let writer = app.stix_token("soc", &["stix:write"]).await;
    // Two deliveries whose bodies are still on their way hold both slots.
    let mut waiting = Vec::new();
    for _ in 0..2 {
        let mut stream = head_only(&app, &objects_path(), Some(&writer), 1_000).await;
        assert_eq!(
            status_line(&mut stream).await,
            None,
            "still reading its body"
        );
        waiting.push(stream);
    }
    // A third waits for one (ten seconds), then is told to come back.
    let res = app
        .post_envelope(&writer, &[indicator(1, "2026-11-01T10:00:00Z")])
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "5");
    assert_eq!(res.headers()["content-type"], TAXII);

    // A delivery waiting for a slot gets it when one is given back.
    let objects = [indicator(1, "2026-11-01T10:00:00Z")];
    let delivery = app.post_envelope(&writer, &objects);
    let freed = async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        drop(waiting);
    };
    let (res, ()) = tokio::join!(delivery, freed);
    assert_eq!(res.status(), StatusCode::ACCEPTED);
}
