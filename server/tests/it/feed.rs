//! The outbound TAXII feed (issue 7): one shared bundle read back by several
//! organisations, each receiving exactly its cut; paging while objects arrive; versions,
//! manifest and filters; bad parameters and other organisations' objects asked for by
//! id; and the OASIS `taxii2-client` reading the feed.

use crate::helpers::*;
use crate::stix::machine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;
use vaern_core::stix::FEED_COLLECTION_ID;
use vaern_core::stix::markings::{TLP2_AMBER, TLP2_AMBER_STRICT, TLP2_GREEN, TLP2_RED};

const CENTRE: &str = "identity--3f0b9a7c-1d2e-4c5b-8a6f-0e1d2c3b4a59";
const AARHUS: &str = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0751";
const ODENSE: &str = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0461";
const KOEBENHAVN: &str = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0101";

const INDICATOR: &str = "indicator--00000000-0000-4000-8000-000000000001";
const RED_INDICATOR: &str = "indicator--00000000-0000-4000-8000-000000000002";
const SHARED_SIGHTING: &str = "sighting--00000000-0000-4000-8000-000000000011";
const KOEBENHAVN_SIGHTING: &str = "sighting--00000000-0000-4000-8000-000000000012";
const GREEN_SIGHTING: &str = "sighting--00000000-0000-4000-8000-000000000013";
const REPORT: &str = "report--00000000-0000-4000-8000-000000000021";
const INCIDENT: &str = "incident--00000000-0000-4000-8000-000000000031";
const TARGETS: &str = "relationship--00000000-0000-4000-8000-000000000041";
const ODENSE_NOTE: &str = "note--00000000-0000-4000-8000-000000000051";

fn feed_path(rest: &str) -> String {
    format!("/taxii2/vaern/collections/{FEED_COLLECTION_ID}/{rest}")
}

fn identity(id: &str, name: &str, kommunekode: Option<&str>) -> Value {
    let mut identity = json!({
        "type": "identity", "spec_version": "2.1", "id": id,
        "created": "2026-11-01T10:00:00.000Z", "modified": "2026-11-01T10:00:00.000Z",
        "name": name, "identity_class": "organization"
    });
    if let Some(code) = kommunekode {
        identity["external_references"] =
            json!([{"source_name": "kommunekode", "external_id": code}]);
    }
    identity
}

fn indicator(id: &str, marking: &str, modified: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2026-11-01T10:00:00.000Z", "modified": modified,
        "created_by_ref": CENTRE, "name": "C2-server",
        "pattern": "[ipv4-addr:value = '198.51.100.23']", "pattern_type": "stix",
        "valid_from": "2026-11-01T10:00:00Z",
        "object_marking_refs": [marking]
    })
}

fn sighting(id: &str, at: &[&str], marking: &str) -> Value {
    json!({
        "type": "sighting", "spec_version": "2.1", "id": id,
        "created": "2026-11-01T11:00:00.000Z", "modified": "2026-11-01T11:00:00.000Z",
        "created_by_ref": CENTRE, "sighting_of_ref": INDICATOR,
        "where_sighted_refs": at, "x_vaern_severity": "high",
        "object_marking_refs": [marking]
    })
}

/// One bundle for the whole sector: the centre's and three municipalities' identities, a
/// GREEN indicator and a RED one, an AMBER sighting at Aarhus and Odense, an AMBER one at
/// København, a GREEN one at Aarhus, a GREEN report listing them, an AMBER+STRICT incident
/// that `targets` Aarhus, and Odense's own note on the report.
fn shared_bundle() -> Vec<Value> {
    vec![
        identity(CENTRE, "Nationalt analysecenter", None),
        identity(AARHUS, "Aarhus Kommune", Some("751")),
        identity(ODENSE, "Odense Kommune", Some("461")),
        identity(KOEBENHAVN, "Københavns Kommune", Some("101")),
        indicator(INDICATOR, TLP2_GREEN, "2026-11-01T10:00:00.000Z"),
        indicator(RED_INDICATOR, TLP2_RED, "2026-11-01T10:00:00.000Z"),
        sighting(SHARED_SIGHTING, &[AARHUS, ODENSE], TLP2_AMBER),
        sighting(KOEBENHAVN_SIGHTING, &[KOEBENHAVN], TLP2_AMBER),
        sighting(GREEN_SIGHTING, &[AARHUS], TLP2_GREEN),
        json!({
            "type": "report", "spec_version": "2.1", "id": REPORT,
            "created": "2026-11-01T12:00:00.000Z", "modified": "2026-11-01T12:00:00.000Z",
            "created_by_ref": CENTRE, "name": "Phishing-kampagne mod kommuner",
            "published": "2026-11-01T12:00:00.000Z",
            "object_refs": [INDICATOR, SHARED_SIGHTING, KOEBENHAVN_SIGHTING, GREEN_SIGHTING],
            "object_marking_refs": [TLP2_GREEN]
        }),
        json!({
            "type": "incident", "spec_version": "2.1", "id": INCIDENT,
            "created": "2026-11-01T12:00:00.000Z", "modified": "2026-11-01T12:00:00.000Z",
            "created_by_ref": CENTRE, "name": "Ransomware i Aarhus",
            "object_marking_refs": [TLP2_AMBER_STRICT]
        }),
        json!({
            "type": "relationship", "spec_version": "2.1", "id": TARGETS,
            "created": "2026-11-01T12:00:00.000Z", "modified": "2026-11-01T12:00:00.000Z",
            "created_by_ref": CENTRE, "relationship_type": "targets",
            "source_ref": INCIDENT, "target_ref": AARHUS,
            "object_marking_refs": [TLP2_AMBER_STRICT]
        }),
        json!({
            "type": "note", "spec_version": "2.1", "id": ODENSE_NOTE,
            "created": "2026-11-01T13:00:00.000Z", "modified": "2026-11-01T13:00:00.000Z",
            "created_by_ref": ODENSE, "content": "Set hos os også.",
            "object_refs": [REPORT], "object_marking_refs": [TLP2_GREEN]
        }),
    ]
}

impl TestApp {
    /// Links the centre's identity and posts `objects` as the centre.
    async fn publish(&self, objects: &[Value]) {
        sqlx::query("update organisations set stix_identity_id = $1 where code = 'soc'")
            .bind(CENTRE)
            .execute(&self.db)
            .await
            .expect("link the centre");
        let centre = self.stix_token("soc", &["stix:write"]).await;
        let res = self.post_envelope(&centre, objects).await;
        assert_eq!(
            res.status(),
            StatusCode::ACCEPTED,
            "{}",
            res.text().await.unwrap()
        );
    }

    async fn feed_get(&self, token: &str, path: &str) -> reqwest::Response {
        self.taxii(Method::GET, path, token)
            .send()
            .await
            .expect("request")
    }

    /// Every object of the feed, page by page of `limit`, with `between` run between
    /// pages.
    async fn read_feed<F, Fut>(&self, token: &str, limit: usize, mut between: F) -> Vec<Value>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let mut objects = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..1000 {
            let mut path = feed_path(&format!("objects/?limit={limit}"));
            if let Some(next) = &next {
                path.push_str(&format!("&next={next}"));
            }
            let res = self.feed_get(token, &path).await;
            assert_eq!(res.status(), StatusCode::OK);
            let first = res.headers().get("x-taxii-date-added-first").cloned();
            let last = res.headers().get("x-taxii-date-added-last").cloned();
            let page = json(res).await;
            let served = page["objects"].as_array().cloned().unwrap_or_default();
            assert!(served.len() <= limit);
            assert_eq!(first.is_some(), !served.is_empty());
            assert_eq!(last.is_some(), !served.is_empty());
            objects.extend(served);
            if page["more"] != Value::Bool(true) {
                assert!(page.get("next").is_none());
                return objects;
            }
            between().await;
            next = Some(page["next"].as_str().expect("next").to_string());
        }
        panic!("the feed never ended");
    }
}

fn ids(objects: &[Value]) -> HashSet<String> {
    objects
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

fn find<'a>(objects: &'a [Value], id: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("{id} not served"))
}

async fn nothing() {}

#[tokio::test]
async fn each_organisation_reads_its_own_cut_of_one_shared_bundle() {
    let app = spawn_app().await;
    app.publish(&shared_bundle()).await;
    let aarhus = app.stix_token("751", &["taxii:read"]).await;
    let odense = app.stix_token("461", &["taxii:read"]).await;
    let koebenhavn = app.stix_token("101", &["taxii:read"]).await;
    let region = app.stix_token("1082", &["taxii:read"]).await;

    let seen = app.read_feed(&aarhus, 3, nothing).await;
    let text = serde_json::to_string(&seen).unwrap();
    let served = ids(&seen);
    for id in [
        CENTRE,
        AARHUS,
        INDICATOR,
        SHARED_SIGHTING,
        GREEN_SIGHTING,
        REPORT,
        INCIDENT,
        TARGETS,
        TLP2_GREEN,
        TLP2_AMBER,
    ] {
        assert!(served.contains(id), "Aarhus misses {id}");
    }
    for hidden in [
        ODENSE,
        KOEBENHAVN,
        KOEBENHAVN_SIGHTING,
        RED_INDICATOR,
        ODENSE_NOTE,
        TLP2_RED,
    ] {
        assert!(!text.contains(hidden), "Aarhus sees {hidden}");
    }
    assert_eq!(
        find(&seen, SHARED_SIGHTING)["where_sighted_refs"],
        json!([AARHUS])
    );
    assert_eq!(
        find(&seen, REPORT)["object_refs"],
        json!([INDICATOR, SHARED_SIGHTING, GREEN_SIGHTING])
    );
    assert_eq!(seen.len(), served.len(), "an object was served twice");

    let seen = app.read_feed(&odense, 4, nothing).await;
    let text = serde_json::to_string(&seen).unwrap();
    let served = ids(&seen);
    for id in [
        CENTRE,
        ODENSE,
        INDICATOR,
        SHARED_SIGHTING,
        GREEN_SIGHTING,
        REPORT,
        ODENSE_NOTE,
    ] {
        assert!(served.contains(id), "Odense misses {id}");
    }
    for hidden in [
        AARHUS,
        KOEBENHAVN,
        KOEBENHAVN_SIGHTING,
        INCIDENT,
        TARGETS,
        RED_INDICATOR,
    ] {
        assert!(!text.contains(hidden), "Odense sees {hidden}");
    }
    assert_eq!(
        find(&seen, SHARED_SIGHTING)["where_sighted_refs"],
        json!([ODENSE])
    );
    // A GREEN sighting elsewhere is served, without where it was sighted.
    assert!(
        find(&seen, GREEN_SIGHTING)
            .get("where_sighted_refs")
            .is_none()
    );

    let seen = app.read_feed(&koebenhavn, 100, nothing).await;
    let text = serde_json::to_string(&seen).unwrap();
    assert!(ids(&seen).contains(KOEBENHAVN_SIGHTING));
    for hidden in [AARHUS, ODENSE, SHARED_SIGHTING, INCIDENT, ODENSE_NOTE] {
        assert!(!text.contains(hidden), "København sees {hidden}");
    }
    assert_eq!(
        find(&seen, KOEBENHAVN_SIGHTING)["where_sighted_refs"],
        json!([KOEBENHAVN])
    );

    // A region is targeted by nothing here: GREEN only, and no municipality at all.
    let seen = app.read_feed(&region, 2, nothing).await;
    let text = serde_json::to_string(&seen).unwrap();
    assert!(ids(&seen).contains(INDICATOR) && ids(&seen).contains(REPORT));
    for hidden in [
        AARHUS,
        ODENSE,
        KOEBENHAVN,
        SHARED_SIGHTING,
        KOEBENHAVN_SIGHTING,
        INCIDENT,
    ] {
        assert!(!text.contains(hidden), "the region sees {hidden}");
    }
    assert_eq!(
        find(&seen, REPORT)["object_refs"],
        json!([INDICATOR, GREEN_SIGHTING])
    );
}

#[tokio::test]
async fn paging_never_skips_or_repeats_an_object_while_new_ones_arrive() {
    let app = spawn_app().await;
    let batch = |from: u32, n: u32| -> Vec<Value> {
        (from..from + n)
            .map(|i| {
                indicator(
                    &format!("indicator--00000000-0000-4000-8000-{:012x}", 1000 + i),
                    TLP2_GREEN,
                    "2026-11-01T10:00:00.000Z",
                )
            })
            .collect()
    };
    app.publish(&batch(0, 30)).await;
    let reader = app.stix_token("751", &["taxii:read"]).await;
    let centre = app.stix_token("soc", &["stix:write"]).await;
    let sent = std::cell::Cell::new(30);
    let seen = app
        .read_feed(&reader, 7, || {
            let from = sent.get();
            sent.set(from + 3);
            let objects = batch(from, 3);
            let app = &app;
            let centre = centre.clone();
            async move {
                if from < 60 {
                    let res = app.post_envelope(&centre, &objects).await;
                    assert_eq!(res.status(), StatusCode::ACCEPTED);
                }
            }
        })
        .await;
    let served = ids(&seen);
    assert_eq!(seen.len(), served.len(), "an object was served twice");
    let posted = sent.get().min(60);
    assert!(posted > 45, "only {posted} posted");
    assert_eq!(
        served.len(),
        posted as usize + 4,
        "the TLP definitions and every indicator"
    );
    for i in 0..posted {
        let id = format!("indicator--00000000-0000-4000-8000-{:012x}", 1000 + i);
        assert!(served.contains(&id), "{id} was skipped");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_polling_while_the_centre_posts_gets_every_object_once() {
    let app = spawn_app().await;
    app.publish(&[identity(CENTRE, "Nationalt analysecenter", None)])
        .await;
    let reader = app.stix_token("751", &["taxii:read"]).await;
    let centre = app.stix_token("soc", &["stix:write"]).await;
    let url = format!("{}{}", app.url, crate::stix::objects_path());
    let poster = tokio::spawn(async move {
        for batch in 0..20u32 {
            let objects: Vec<Value> = (0..5)
                .map(|i| {
                    indicator(
                        &format!(
                            "indicator--00000000-0000-4000-8000-{:012x}",
                            5000 + batch * 5 + i
                        ),
                        TLP2_GREEN,
                        "2026-11-01T10:00:00.000Z",
                    )
                })
                .collect();
            let res = machine()
                .post(&url)
                .header("accept", "application/taxii+json;version=2.1")
                .header("content-type", "application/taxii+json;version=2.1")
                .bearer_auth(&centre)
                .body(json!({ "objects": objects }).to_string())
                .send()
                .await
                .expect("post");
            assert_eq!(res.status(), StatusCode::ACCEPTED);
        }
    });
    // Poll as a SIEM does: pages of 3, then again from X-TAXII-Date-Added-Last.
    let mut seen: Vec<String> = Vec::new();
    let mut checkpoint: Option<String> = None;
    let mut finished = false;
    for _ in 0..10_000 {
        let mut path = feed_path("objects/?limit=3&match[type]=indicator");
        if let Some(at) = &checkpoint {
            path.push_str(&format!("&added_after={at}"));
        }
        let res = app.feed_get(&reader, &path).await;
        assert_eq!(res.status(), StatusCode::OK);
        if let Some(last) = res.headers().get("x-taxii-date-added-last") {
            checkpoint = Some(last.to_str().unwrap().to_string());
        }
        let page = json(res).await;
        let served = page["objects"].as_array().cloned().unwrap_or_default();
        seen.extend(served.iter().map(|o| o["id"].as_str().unwrap().to_string()));
        if served.is_empty() {
            if finished {
                break;
            }
            finished = poster.is_finished();
        }
    }
    poster.await.expect("the centre posted every batch");
    assert_eq!(seen.len(), 100, "every posted indicator, each once");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 100);
}

#[tokio::test]
async fn versions_manifest_and_filters_follow_taxii() {
    let app = spawn_app().await;
    app.publish(&[
        indicator(INDICATOR, TLP2_GREEN, "2026-11-01T10:00:00.000Z"),
        identity(CENTRE, "Nationalt analysecenter", None),
    ])
    .await;
    app.publish(&[indicator(INDICATOR, TLP2_GREEN, "2026-11-02T10:00:00.000Z")])
        .await;
    let reader = app.stix_token("461", &["taxii:read"]).await;

    let versions = json(
        app.feed_get(
            &reader,
            &feed_path(&format!("objects/{INDICATOR}/versions/")),
        )
        .await,
    )
    .await;
    assert_eq!(
        versions["versions"],
        json!(["2026-11-01T10:00:00.000000Z", "2026-11-02T10:00:00.000000Z"])
    );
    let last = json(
        app.feed_get(&reader, &feed_path(&format!("objects/{INDICATOR}/")))
            .await,
    )
    .await;
    assert_eq!(last["objects"][0]["modified"], "2026-11-02T10:00:00.000Z");
    assert_eq!(last["objects"].as_array().unwrap().len(), 1);
    let first = json(
        app.feed_get(
            &reader,
            &feed_path(&format!("objects/{INDICATOR}/?match[version]=first")),
        )
        .await,
    )
    .await;
    assert_eq!(first["objects"][0]["modified"], "2026-11-01T10:00:00.000Z");
    let all = json(
        app.feed_get(
            &reader,
            &feed_path("objects/?match[version]=all&match[type]=indicator"),
        )
        .await,
    )
    .await;
    assert_eq!(all["objects"].as_array().unwrap().len(), 2);

    let res = app
        .feed_get(
            &reader,
            &feed_path("manifest/?match[type]=indicator,identity"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let last_header = res.headers()["x-taxii-date-added-last"]
        .to_str()
        .unwrap()
        .to_string();
    let manifest = json(res).await;
    let records = manifest["objects"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["date_added"], last_header.as_str());
    assert_eq!(
        records[0]["media_type"],
        "application/stix+json;version=2.1"
    );

    // added_after: only what came later.
    let after = records[0]["date_added"].as_str().unwrap();
    let later = json(
        app.feed_get(
            &reader,
            &feed_path(&format!("manifest/?added_after={after}")),
        )
        .await,
    )
    .await;
    assert_eq!(later["objects"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_requests_get_taxii_answers_and_another_organisations_object_is_not_found() {
    let app = spawn_app().await;
    app.publish(&shared_bundle()).await;
    let odense = app.stix_token("461", &["taxii:read"]).await;

    for (query, status) in [
        ("objects/?limit=0", StatusCode::BAD_REQUEST),
        ("objects/?limit=-1", StatusCode::BAD_REQUEST),
        ("objects/?limit=1000000", StatusCode::OK),
        ("objects/?next=forged", StatusCode::BAD_REQUEST),
        ("objects/?next=0", StatusCode::OK),
        ("objects/?next=99999999999999999", StatusCode::OK),
        ("objects/?added_after=yesterday", StatusCode::BAD_REQUEST),
        ("objects/?match[type]=no-such-type", StatusCode::OK),
        ("objects/?match[type]=DROP%20TABLE", StatusCode::BAD_REQUEST),
        ("objects/?match[version]=newest", StatusCode::BAD_REQUEST),
        ("objects/?match[spec_version]=2.0", StatusCode::OK),
        ("manifest/?limit=0", StatusCode::BAD_REQUEST),
        ("objects/%ZZ/", StatusCode::NOT_FOUND),
    ] {
        let res = app.feed_get(&odense, &feed_path(query)).await;
        assert_eq!(res.status(), status, "{query}");
        assert_eq!(
            res.headers()["content-type"],
            "application/taxii+json;version=2.1",
            "{query}"
        );
        let body = json(res).await;
        if status == StatusCode::OK {
            assert!(!body.to_string().contains(AARHUS), "{query}");
        } else {
            assert_eq!(body["http_status"], status.as_str(), "{query}");
        }
    }
    let unknown_type = json(
        app.feed_get(&odense, &feed_path("objects/?match[type]=no-such-type"))
            .await,
    )
    .await;
    assert_eq!(unknown_type, json!({"more": false}));

    // Another organisation's AMBER sighting, asked for by id, is exactly a missing one.
    let missing = "sighting--00000000-0000-4000-8000-00000000ffff";
    for rest in ["", "versions/"] {
        let hidden = app
            .feed_get(
                &odense,
                &feed_path(&format!("objects/{KOEBENHAVN_SIGHTING}/{rest}")),
            )
            .await;
        let absent = app
            .feed_get(&odense, &feed_path(&format!("objects/{missing}/{rest}")))
            .await;
        assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
        assert_eq!(absent.status(), StatusCode::NOT_FOUND);
        assert_eq!(hidden.text().await.unwrap(), absent.text().await.unwrap());
    }
    let identity = app
        .feed_get(&odense, &feed_path(&format!("objects/{AARHUS}/")))
        .await;
    assert_eq!(identity.status(), StatusCode::NOT_FOUND);

    // Scopes and collections.
    let writer = app.stix_token("soc", &["stix:write"]).await;
    let res = app.feed_get(&writer, &feed_path("objects/")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .feed_get(&odense, "/taxii2/vaern/collections/inbound/objects/")
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = machine()
        .get(format!("{}{}", app.url, feed_path("objects/")))
        .header("accept", "application/taxii+json;version=2.1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = machine()
        .get(format!("{}{}", app.url, feed_path("objects/")))
        .header("accept", "application/json")
        .bearer_auth(&odense)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn an_object_labelled_later_reaches_a_reader_past_its_checkpoint() {
    let app = spawn_app().await;
    let mut unmarked = indicator(INDICATOR, TLP2_GREEN, "2026-11-01T10:00:00.000Z");
    unmarked
        .as_object_mut()
        .unwrap()
        .remove("object_marking_refs");
    app.publish(&[
        unmarked,
        indicator(RED_INDICATOR, TLP2_GREEN, "2026-11-01T10:00:00.000Z"),
    ])
    .await;
    let reader = app.stix_token("751", &["taxii:read"]).await;
    let res = app
        .feed_get(&reader, &feed_path("objects/?match[type]=indicator"))
        .await;
    let checkpoint = res.headers()["x-taxii-date-added-last"]
        .to_str()
        .unwrap()
        .to_string();
    let page = json(res).await;
    assert_eq!(
        ids(page["objects"].as_array().unwrap()),
        HashSet::from([RED_INDICATOR.to_string()])
    );

    let analyst = app
        .create_user_in(
            "soc",
            "analytiker@soc.dk",
            vaern_core::policy::PlatformRole::Analyst,
            false,
        )
        .await;
    let viewer = vaern_core::policy::Viewer::user(
        analyst,
        sqlx::query_scalar("select id from organisations where code = 'soc'")
            .fetch_one(&app.db)
            .await
            .unwrap(),
        vaern_core::policy::PlatformRole::Analyst,
        false,
        vec![],
    );
    let row: i64 = sqlx::query_scalar("select id from stix_objects where stix_id = $1")
        .bind(INDICATOR)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let audit = vaern_core::audit::AuditLog::new(app.db.clone(), app.data_dir());
    vaern_core::stix::browse::set_label(
        &app.db,
        &audit,
        &viewer,
        row,
        &vaern_core::stix::browse::Labelling {
            tlp: vaern_core::policy::Tlp::Green,
            recipients: vec![],
        },
        "127.0.0.1",
    )
    .await
    .unwrap();
    let later = json(
        app.feed_get(
            &reader,
            &feed_path(&format!("objects/?added_after={checkpoint}")),
        )
        .await,
    )
    .await;
    assert_eq!(
        ids(later["objects"].as_array().unwrap()),
        HashSet::from([INDICATOR.to_string()])
    );
}

/// Where `make taxii-venv` installs the OASIS TAXII tools.
pub(crate) fn taxii_venv() -> std::path::PathBuf {
    std::env::var_os("VAERN_TAXII_VENV")
        .map(Into::into)
        .unwrap_or_else(|| "/var/cache/vaern/taxii-venv".into())
}

/// Every object of `collection` as the OASIS taxii2-client reads it with `token`, page by
/// page (`tests/taxii_client_read.py`).
pub(crate) async fn read_with_taxii2_client(
    app: &TestApp,
    token: &str,
    collection: &str,
) -> Vec<Value> {
    let python = taxii_venv().join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `make taxii-venv` (the OASIS taxii2-client)",
        python.display()
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/taxii_client_read.py");
    let args = [
        script.to_string(),
        format!("{}/taxii2/vaern/", app.url),
        token.to_string(),
        collection.to_string(),
    ];
    // Blocking, off the runtime: the server under test runs on this test's runtime.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&python).args(args).output()
    })
    .await
    .expect("join")
    .expect("run taxii2-client");
    assert!(
        output.status.success(),
        "taxii2-client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("client output")
}

#[tokio::test]
async fn the_oasis_taxii2_client_reads_the_same_cut_as_we_serve() {
    let app = spawn_app().await;
    app.publish(&shared_bundle()).await;
    let aarhus = app.stix_token("751", &["taxii:read"]).await;
    let ours = app.read_feed(&aarhus, 100, nothing).await;
    assert!(ours.len() > 10);
    let theirs = read_with_taxii2_client(&app, &aarhus, FEED_COLLECTION_ID).await;
    assert_eq!(theirs, ours);
}

#[tokio::test]
async fn a_sighting_routed_by_linking_its_identity_reaches_the_feed_past_the_checkpoint() {
    use vaern_core::policy::{PlatformRole, Viewer, require_admin};
    let app = spawn_app().await;
    let unmatched = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f9999";
    app.publish(&[
        identity(CENTRE, "Nationalt analysecenter", None),
        identity(unmatched, "Aarhus Kommune", None),
        indicator(INDICATOR, TLP2_GREEN, "2026-11-01T10:00:00.000Z"),
        sighting(SHARED_SIGHTING, &[unmatched], TLP2_AMBER),
    ])
    .await;
    let reader = app.stix_token("751", &["taxii:read"]).await;
    let res = app.feed_get(&reader, &feed_path("objects/")).await;
    let checkpoint = res.headers()["x-taxii-date-added-last"]
        .to_str()
        .unwrap()
        .to_string();
    let before = serde_json::to_string(&json(res).await).unwrap();
    assert!(!before.contains(SHARED_SIGHTING) && !before.contains(unmatched));

    let aarhus: vaern_core::ids::OrgId =
        sqlx::query_scalar("select id from organisations where code = '751'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let admin = app
        .create_user_in("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let admin = require_admin(&Viewer::user(
        admin,
        aarhus,
        PlatformRole::Admin,
        false,
        vec![],
    ))
    .unwrap();
    let audit = vaern_core::audit::AuditLog::new(app.db.clone(), app.data_dir());
    let linked = vaern_core::stix::identities::link(&app.db, &audit, &admin, unmatched, aarhus, "")
        .await
        .unwrap();
    assert_eq!(linked.alerts, 1);

    let later = json(
        app.feed_get(
            &reader,
            &feed_path(&format!("objects/?added_after={checkpoint}")),
        )
        .await,
    )
    .await;
    let served = later["objects"].as_array().unwrap();
    let sighting = find(served, SHARED_SIGHTING);
    assert_eq!(sighting["where_sighted_refs"], json!([unmatched]));
    // Odense still sees neither the sighting nor the identity now linked to Aarhus.
    let odense = app.stix_token("461", &["taxii:read"]).await;
    let seen = serde_json::to_string(&app.read_feed(&odense, 100, nothing).await).unwrap();
    assert!(!seen.contains(SHARED_SIGHTING) && !seen.contains(unmatched));
}

#[tokio::test]
async fn an_earlier_version_is_served_only_to_readers_who_see_the_newest_version_too() {
    let app = spawn_app().await;
    app.publish(&[
        identity(CENTRE, "Nationalt analysecenter", None),
        identity(AARHUS, "Aarhus Kommune", Some("751")),
        identity(ODENSE, "Odense Kommune", Some("461")),
        indicator(INDICATOR, TLP2_GREEN, "2026-11-01T10:00:00.000Z"),
        sighting(SHARED_SIGHTING, &[AARHUS, ODENSE], TLP2_AMBER),
    ])
    .await;
    // The centre re-issues the sighting for Odense alone, as AMBER+STRICT.
    let mut narrower = sighting(SHARED_SIGHTING, &[ODENSE], TLP2_AMBER_STRICT);
    narrower["modified"] = json!("2026-11-02T11:00:00.000Z");
    app.publish(&[narrower]).await;

    let aarhus = app.stix_token("751", &["taxii:read"]).await;
    for path in [
        feed_path("objects/?match[version]=all&match[type]=sighting"),
        feed_path("objects/?match[version]=first&match[type]=sighting"),
        feed_path("manifest/?match[version]=all&match[type]=sighting"),
    ] {
        let res = app.feed_get(&aarhus, &path).await;
        let body = res.text().await.unwrap();
        assert!(!body.contains(SHARED_SIGHTING), "{path}: {body}");
    }
    for path in [
        feed_path(&format!("objects/{SHARED_SIGHTING}/versions/")),
        feed_path(&format!("objects/{SHARED_SIGHTING}/?match[version]=first")),
    ] {
        let res = app.feed_get(&aarhus, &path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let odense = app.stix_token("461", &["taxii:read"]).await;
    let all = json(
        app.feed_get(
            &odense,
            &feed_path("objects/?match[version]=all&match[type]=sighting"),
        )
        .await,
    )
    .await;
    assert_eq!(all["objects"].as_array().unwrap().len(), 2, "{all}");
}

#[tokio::test]
async fn only_the_first_publisher_issues_newer_versions_and_they_keep_the_named_red_recipients() {
    let app = spawn_app().await;
    let first = indicator(RED_INDICATOR, TLP2_RED, "2026-11-01T10:00:00.000Z");
    app.publish(&[
        identity(CENTRE, "Nationalt analysecenter", None),
        first.clone(),
    ])
    .await;
    let rows = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select count(*) from stix_objects where stix_id = $1")
                .bind(RED_INDICATOR)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    // Another publisher's stix:write token: a newer version is refused whole.
    sqlx::query("update organisations set kind = 'analysis_centre' where code = 'kl'")
        .execute(&app.db)
        .await
        .unwrap();
    let another = app.stix_token("kl", &["stix:write"]).await;
    let mut looser = indicator(RED_INDICATOR, TLP2_GREEN, "2026-11-03T10:00:00.000Z");
    looser["name"] = json!("Åbent for alle");
    let res = app.post_envelope(&another, &[looser]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("another organisation"));
    assert_eq!(rows(&app).await, 1);
    // The same version again changes nothing and is not refused.
    let res = app.post_envelope(&another, &[first]).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(rows(&app).await, 1);

    // An analyst named a RED recipient; the centre's next version keeps them.
    let (_, anne) = app
        .signed_in(
            "751",
            "anne@aarhus.dk",
            vaern_core::policy::PlatformRole::Member,
            false,
        )
        .await;
    sqlx::query(
        "insert into stix_object_recipients (item_id, user_id) \
         select id, $1 from stix_objects where stix_id = $2",
    )
    .bind(anne)
    .bind(RED_INDICATOR)
    .execute(&app.db)
    .await
    .unwrap();
    app.publish(&[indicator(
        RED_INDICATOR,
        TLP2_RED,
        "2026-11-02T10:00:00.000Z",
    )])
    .await;
    let kept: i64 = sqlx::query_scalar(
        "select count(*) from stix_object_recipients r join stix_objects o on o.id = r.item_id \
         where o.stix_id = $1 and o.is_latest and r.user_id = $2",
    )
    .bind(RED_INDICATOR)
    .bind(anne)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(kept, 1);
}
