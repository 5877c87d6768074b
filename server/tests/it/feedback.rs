//! Feedback to the centre (issue 19, point 5): an organisation shares its alert's status
//! or its acknowledgement of an advisory with the centre that published it, as a STIX
//! note under its own identity. The centre reads it — its analysts on the item's page, its
//! tokens in the TAXII collection `feedback`, also through the OASIS `taxii2-client` —
//! and so does the authoring organisation; no other organisation does, whatever the
//! label, and a RED alert is not answered through the platform.

use crate::alerts::{sighting_at, sighting_marked};
use crate::feed::{read_with_taxii2_client, taxii_venv};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use vaern_core::policy::PlatformRole;
use vaern_core::stix::feedback::FEEDBACK_COLLECTION_ID;
use vaern_core::stix::markings::{TLP2_AMBER, TLP2_RED};

/// Aarhus's identity as `sighting_at` publishes it (routed by its kommunekode).
const AARHUS_IDENTITY: &str = "identity--00000000-0000-4000-8000-0000000e0751";

fn feedback_path(rest: &str) -> String {
    format!("/taxii2/vaern/collections/{FEEDBACK_COLLECTION_ID}/{rest}")
}

fn sighting_id(n: u32) -> String {
    format!("sighting--00000000-0000-4000-8000-{n:012x}")
}

impl TestApp {
    async fn feedback_get(&self, token: &str, rest: &str) -> Value {
        let res = self
            .taxii(Method::GET, &feedback_path(rest), token)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::OK, "{rest}");
        json(res).await
    }

    /// The notes of the feedback collection `token` reads.
    async fn feedback_notes(&self, token: &str) -> Vec<Value> {
        self.feedback_get(token, "objects/").await["objects"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

async fn share(
    app: &TestApp,
    client: &reqwest::Client,
    alert: &str,
    message: &str,
    tlp: &str,
) -> (StatusCode, String) {
    let res = app
        .rpc(
            client,
            "alert_share",
            &[("id", alert), ("message", message), ("tlp", tlp)],
        )
        .await;
    (res.status(), res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn an_alerts_status_is_shared_with_the_centre_and_read_back_by_nobody_else() {
    let app = spawn_app().await;
    let ids = sighting_at(&app, 60, &["751", "461"]).await;
    let (aarhus_alert, odense_alert) = (ids[0].to_string(), ids[1].to_string());
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, _) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "analytiker@soc.dk", PlatformRole::Analyst, false)
        .await;

    // Bad input: below the alert's label, an unknown label, too long, another
    // organisation's alert (not found, like a missing one). Nothing is stored.
    let (status, body) = share(&app, &aarhus, &aarhus_alert, "", "green").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = share(&app, &aarhus, &aarhus_alert, "", "purple").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let long = "æ".repeat(4_001);
    let (status, body) = share(&app, &aarhus, &aarhus_alert, &long, "amber").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("message"), "{body}");
    let (status, _) = share(&app, &odense, &aarhus_alert, "", "amber").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = share(&app, &aarhus, "999999", "", "amber").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let stored: i64 = sqlx::query_scalar("select count(*) from feedback")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);

    // Aarhus acknowledges and shares, then investigates and shares again: one note,
    // two versions.
    let set = |status: &'static str| {
        let form = [("id", aarhus_alert.clone()), ("status", status.to_string())];
        let (app, aarhus) = (&app, &aarhus);
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let res = app.rpc(aarhus, "alert_status", &form).await;
            assert_eq!(res.status(), StatusCode::OK, "{status}");
        }
    };
    set("acknowledged").await;
    let (status, body) = share(&app, &aarhus, &aarhus_alert, "Vi ser på det.", "amber").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    set("investigating").await;
    let (status, body) = share(
        &app,
        &aarhus,
        &aarhus_alert,
        "Serveren er taget af nettet.",
        "amber+strict",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The centre's token reads the note's newest version, under Aarhus's identity.
    let centre = app.stix_token("soc", &["taxii:read"]).await;
    let notes = app.feedback_notes(&centre).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = &notes[0];
    assert_eq!(note["type"], "note");
    assert_eq!(note["created_by_ref"], AARHUS_IDENTITY);
    assert_eq!(note["object_refs"], serde_json::json!([sighting_id(60)]));
    assert_eq!(note["abstract"], "investigating");
    assert_eq!(
        note["labels"],
        serde_json::json!(["vaern-feedback", "alert-status:investigating"])
    );
    assert_eq!(
        note["object_marking_refs"],
        serde_json::json!([vaern_core::stix::markings::TLP2_AMBER_STRICT])
    );
    let content = note["content"].as_str().unwrap();
    assert!(
        content.contains("Serveren er taget af nettet."),
        "{content}"
    );
    assert!(!content.contains("Odense"), "{content}");
    assert_ne!(note["created"], note["modified"]);
    let id = note["id"].as_str().unwrap();
    let versions = app
        .feedback_get(&centre, &format!("objects/{id}/versions/"))
        .await;
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(2));
    let all = app
        .feedback_get(&centre, &format!("objects/{id}/?match[version]=all"))
        .await;
    let abstracts: Vec<&str> = all["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["abstract"].as_str().unwrap())
        .collect();
    assert_eq!(abstracts, ["acknowledged", "investigating"]);
    let manifest = app.feedback_get(&centre, "manifest/").await;
    assert_eq!(manifest["objects"][0]["id"], id);

    // Aarhus's own token reads it too; Odense's reads nothing, and asking for the note
    // by id is answered as for a missing one.
    let aarhus_token = app.stix_token("751", &["taxii:read"]).await;
    assert_eq!(app.feedback_notes(&aarhus_token).await.len(), 1);
    let odense_token = app.stix_token("461", &["taxii:read"]).await;
    assert!(app.feedback_notes(&odense_token).await.is_empty());
    let res = app
        .taxii(
            Method::GET,
            &feedback_path(&format!("objects/{id}/")),
            &odense_token,
        )
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Feedback is not part of anybody's feed.
    let feed = format!(
        "/taxii2/vaern/collections/{}/objects/?match[type]=note",
        vaern_core::stix::FEED_COLLECTION_ID
    );
    for token in [&centre, &aarhus_token, &odense_token] {
        let res = app
            .taxii(Method::GET, &feed, token)
            .send()
            .await
            .expect("feed");
        let page = json(res).await;
        assert!(page.get("objects").is_none(), "{page}");
    }
    // A token without taxii:read may not read the collection.
    let writer = app.stix_token("soc", &["stix:write"]).await;
    let res = app
        .taxii(Method::GET, &feedback_path("objects/"), &writer)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The centre's analyst reads it on the sighting's page; Aarhus on its alert's page;
    // Odense's alert page tells nothing of Aarhus's answer.
    let row: i64 = sqlx::query_scalar("select id from stix_objects where stix_id = $1")
        .bind(sighting_id(60))
        .fetch_one(&app.db)
        .await
        .unwrap();
    let res = app
        .rpc(&analyst, "received_object", &[("row", &row.to_string())])
        .await;
    let detail = json(res).await;
    let feedback = detail["feedback"].as_array().unwrap();
    assert_eq!(feedback.len(), 1, "{detail}");
    assert_eq!(feedback[0]["org"], "Aarhus Kommune");
    assert_eq!(feedback[0]["state"], "Undersøges");
    assert_eq!(feedback[0]["message"], "Serveren er taget af nettet.");
    assert_eq!(feedback[0]["versions"], 2);
    let page = app
        .get(&aarhus, &format!("/alerts/{aarhus_alert}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Serveren er taget af nettet."),
        "Aarhus reads its own"
    );
    let page = app
        .get(&odense, &format!("/alerts/{odense_alert}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Serveren er taget af nettet."));
    assert!(
        page.contains("I har ikke delt status"),
        "Odense shared nothing"
    );
}

#[tokio::test]
async fn a_red_alert_is_not_answered_through_the_platform() {
    let app = spawn_app().await;
    sighting_marked(&app, 61, &["751"], TLP2_RED).await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "analytiker@soc.dk", PlatformRole::Analyst, false)
        .await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let row: i64 = sqlx::query_scalar("select id from stix_objects where stix_id = $1")
        .bind(sighting_id(61))
        .fetch_one(&app.db)
        .await
        .unwrap();
    // The centre names Aarhus's IT chief, who then sees and works the alert.
    let res = app
        .rpc(
            &analyst,
            "set_object_label",
            &[
                ("row", &row.to_string()),
                ("tlp", "red"),
                ("recipients", "it@aarhus.dk"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let alert: i64 = sqlx::query_scalar("select id from alerts where sighting_ref = $1")
        .bind(sighting_id(61))
        .fetch_one(&app.db)
        .await
        .unwrap();
    let alert = alert.to_string();
    let res = app.get(&aarhus, &format!("/alerts/{alert}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, body) = share(&app, &aarhus, &alert, "", "red").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("red"), "{body}");
    let stored: i64 = sqlx::query_scalar("select count(*) from feedback")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn an_advisorys_acknowledgement_is_shared_with_it_in_one_step() {
    let app = spawn_app().await;
    sighting_at(&app, 62, &["751"]).await;
    let advisory_row: i64 = sqlx::query_scalar(
        "select id from stix_objects where is_latest and kind = 'advisory' order by id desc",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let advisory = advisory_row.to_string();
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, _) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;

    // Acknowledged without sharing: nothing reaches the centre.
    let res = app
        .rpc(
            &aarhus,
            "acknowledge_advisory",
            &[("row", &advisory), ("state", "read")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let centre = app.stix_token("soc", &["taxii:read"]).await;
    assert!(app.feedback_notes(&centre).await.is_empty());

    // Acknowledged and shared: the note says so; the dashboard says it was shared.
    let res = app
        .rpc(
            &aarhus,
            "acknowledge_advisory",
            &[("row", &advisory), ("state", "relevant"), ("share", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let notes = app.feedback_notes(&centre).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["abstract"], "relevant");
    assert_eq!(notes[0]["labels"][1], "advisory-acknowledgement:relevant");
    assert_eq!(notes[0]["object_marking_refs"][0], TLP2_AMBER);
    let dashboard = json(app.rpc(&aarhus, "dashboard", &[]).await).await;
    let line = dashboard["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["row"] == advisory_row)
        .expect("the advisory on the dashboard");
    assert!(line["shared"].is_string(), "{line}");

    // Odense answers the same untargeted advisory without sharing: its dashboard does
    // not show Aarhus's share as its own.
    let res = app
        .rpc(
            &odense,
            "acknowledge_advisory",
            &[("row", &advisory), ("state", "read")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let dashboard = json(app.rpc(&odense, "dashboard", &[]).await).await;
    let line = dashboard["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["row"] == advisory_row)
        .expect("the advisory on Odense's dashboard");
    assert!(line["shared"].is_null(), "{line}");
}

#[tokio::test]
async fn the_oasis_tools_read_and_validate_the_feedback_the_centre_was_sent() {
    let app = spawn_app().await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    for n in 63..67 {
        let alert = sighting_at(&app, n, &["751"]).await[0].to_string();
        let (status, body) = share(&app, &aarhus, &alert, "Set.", "amber").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let centre = app.stix_token("soc", &["taxii:read"]).await;
    let ours = app.feedback_notes(&centre).await;
    assert_eq!(ours.len(), 4);

    let theirs = read_with_taxii2_client(&app, &centre, FEEDBACK_COLLECTION_ID).await;
    assert_eq!(theirs, ours);

    // The notes, with every object they refer to, pass the OASIS STIX validator with
    // the flags `make stix-validate` uses.
    let mut objects = ours.clone();
    let refs: Vec<String> = ours
        .iter()
        .flat_map(|n| {
            let mut refs = vec![n["created_by_ref"].as_str().unwrap().to_string()];
            refs.extend(
                n["object_refs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string()),
            );
            refs
        })
        .collect();
    let stored: Vec<String> = sqlx::query_scalar(
        "select content from stix_objects where is_latest and (stix_id in \
         (select value from json_each($1)) or stix_id in (select r.ref from stix_refs r \
         join stix_objects o on o.id = r.item_id and o.is_latest \
         where o.stix_id in (select value from json_each($1))))",
    )
    .bind(serde_json::to_string(&refs).unwrap())
    .fetch_all(&app.db)
    .await
    .unwrap();
    objects.extend(
        stored
            .iter()
            .map(|c| serde_json::from_str::<Value>(c).unwrap()),
    );
    let bundle = serde_json::json!({
        "type": "bundle",
        "id": "bundle--3e7b9d14-6a2c-4f58-b1e0-9c4d2a8f6e99",
        "objects": objects,
    });
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("feedback-bundle.json");
    std::fs::write(&file, bundle.to_string()).expect("write the bundle");
    let validator = taxii_venv().join("bin/stix2_validator");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(validator)
            .args(["--version", "2.1", "--enforce-refs"])
            .arg(&file)
            .output()
    })
    .await
    .expect("join")
    .expect("run stix2_validator (make taxii-venv installs it)");
    assert!(
        output.status.success(),
        "the validator refused the feedback: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn comments_and_feedback_are_found_by_their_organisation_and_the_centre_only() {
    use crate::search::{indexed, search};
    let app = spawn_app().await;
    let ids = sighting_at(&app, 67, &["751", "461"]).await;
    let alert = ids[0].to_string();
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, _) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "analytiker@soc.dk", PlatformRole::Analyst, false)
        .await;
    let res = app
        .rpc(
            &aarhus,
            "alert_comment",
            &[
                ("id", &alert),
                ("body", "Zebrafinkerne på netværket er isoleret."),
                ("tlp", "amber"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, body) = share(&app, &aarhus, &alert, "Pelikanbroen er lukket.", "amber").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    indexed(&app).await;

    let sighting: i64 = sqlx::query_scalar("select id from stix_objects where stix_id = $1")
        .bind(sighting_id(67))
        .fetch_one(&app.db)
        .await
        .unwrap();
    let only = |results: &Value| -> (String, Option<String>) {
        let hits = results["hits"].as_array().unwrap();
        assert_eq!(hits.len(), 1, "{results}");
        (
            hits[0]["kind"].as_str().unwrap().to_string(),
            hits[0]["href"].as_str().map(str::to_string),
        )
    };
    // Aarhus finds both, by an inflection, opening its alert; the type filter keeps
    // them apart.
    let alert_page = Some(format!("/alerts/{alert}"));
    assert_eq!(
        only(&search(&app, &aarhus, "zebrafinke").await),
        ("comment".to_string(), alert_page.clone())
    );
    assert_eq!(
        only(&search(&app, &aarhus, "pelikanbro").await),
        ("feedback".to_string(), alert_page)
    );
    assert_eq!(
        search(&app, &aarhus, "zebrafinke type:feedback").await["total"],
        0
    );
    // The centre's analyst finds both, opening the sighting.
    let sighting_page = Some(format!("/intel/received/{sighting}"));
    assert_eq!(
        only(&search(&app, &analyst, "zebrafinke").await),
        ("comment".to_string(), sighting_page.clone())
    );
    assert_eq!(
        only(&search(&app, &analyst, "pelikanbro").await),
        ("feedback".to_string(), sighting_page)
    );
    // Odense, alerted by the same sighting, finds and counts neither.
    for q in ["zebrafinke", "pelikanbro", "type:comment zebrafinke"] {
        let results = search(&app, &odense, q).await;
        assert_eq!(results["total"], 0, "{q}: {results}");
    }
}
