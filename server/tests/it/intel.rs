//! The analysts' view of received STIX objects, over HTTP: the list with the
//! organisations each object went to and its filter, one object's page with its JSON as
//! escaped text, and labelling an unmarked object. Who else is refused is in the access
//! table (access.rs).

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use vaern_core::policy::PlatformRole;
use vaern_core::stix::markings::TLP2_AMBER;
use vaern_core::tokens::{self, Manager, NewToken};

const INDICATOR: &str = "indicator--00000000-0000-4000-8000-00000000a001";
const REPORT: &str = "report--00000000-0000-4000-8000-00000000a002";
const AARHUS: &str = "identity--00000000-0000-4000-8000-00000000a751";

/// Posts `bundle` as the analysis centre, with a fresh `stix:write` token of `soc`.
pub(crate) async fn post_as_centre(app: &TestApp, bundle: Value) {
    let audit = vaern_core::audit::AuditLog::new(app.db.clone(), app.data_dir());
    let secret = tokens::create(
        &app.db,
        &audit,
        Manager::Operator,
        "test",
        NewToken {
            org: "soc".into(),
            scopes: vec!["stix:write".into()],
            expires: None,
            name: "centre".into(),
        },
    )
    .await
    .expect("token")
    .secret;
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/stix/bundles", app.url))
        .bearer_auth(&secret)
        .header("content-type", "application/stix+json;version=2.1")
        .body(bundle.to_string())
        .send()
        .await
        .expect("request");
    let status = res.status();
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

/// Posts one bundle as the analysis centre: Aarhus's identity, an unmarked indicator (whose
/// description tries markup) and an AMBER report on both.
async fn post_bundle(app: &TestApp) {
    let at = "2026-11-01T10:00:00.000Z";
    let bundle = json!({
        "type": "bundle",
        "id": "bundle--00000000-0000-4000-8000-00000000b001",
        "objects": [
            {
                "type": "identity", "spec_version": "2.1", "id": AARHUS,
                "created": at, "modified": at,
                "name": "Aarhus Kommune", "identity_class": "organization",
                "external_references": [{"source_name": "kommunekode", "external_id": "751"}]
            },
            {
                "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
                "created": at, "modified": at,
                "name": "Umærket indikator",
                "description": "<script>alert(1)</script>",
                "pattern": "[ipv4-addr:value = '198.51.100.7']",
                "pattern_type": "stix",
                "valid_from": at
            },
            {
                "type": "report", "spec_version": "2.1", "id": REPORT,
                "created": at, "modified": at,
                "name": "Varsel til Aarhus",
                "published": at,
                "report_types": ["threat-report"],
                "object_refs": [INDICATOR, AARHUS],
                "object_marking_refs": [TLP2_AMBER]
            }
        ]
    });
    post_as_centre(app, bundle).await;
}

/// The rows of one page of the list, as the analyst's browser gets them.
async fn rows(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> Vec<Value> {
    let res = app.rpc(client, "received_objects", form).await;
    assert_eq!(res.status(), StatusCode::OK);
    json(res).await["rows"].as_array().expect("rows").clone()
}

fn find<'a>(rows: &'a [Value], stix_id: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["stix_id"] == stix_id)
        .unwrap_or_else(|| panic!("{stix_id} not in {rows:?}"))
}

#[tokio::test]
async fn an_analyst_sees_where_objects_went_and_labels_an_unmarked_one() {
    let app = spawn_app().await;
    post_bundle(&app).await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "analytiker@soc.dk", PlatformRole::Analyst, false)
        .await;

    let all = rows(&app, &analyst, &[]).await;
    assert_eq!(all.len(), 3, "{all:?}");
    let report = find(&all, REPORT);
    assert_eq!(report["targets"], json!(["Aarhus Kommune"]));
    assert_eq!(report["tlp"], "amber");
    assert_eq!(report["kind"], "Sikkerhedsråd");

    let unmarked = rows(&app, &analyst, &[("tlp", "unmarked")]).await;
    let indicator = find(&unmarked, INDICATOR);
    assert!(unmarked.iter().all(|r| r["tlp"].is_null()), "{unmarked:?}");
    let advisories = rows(&app, &analyst, &[("kind", "advisory")]).await;
    assert_eq!(advisories.len(), 1);
    let aarhus = rows(&app, &analyst, &[("org", "751")]).await;
    assert!(aarhus.iter().any(|r| r["stix_id"] == REPORT));
    let res = app
        .rpc(&analyst, "received_objects", &[("kind", "nonsense")])
        .await;
    assert_invalid(res, "stix_kind", "unknown").await;

    // The pages: the list names the organisation; the object's JSON is text, not markup.
    let page = app.get(&analyst, "/intel/received").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(html.contains("Varsel til Aarhus") && html.contains("Aarhus Kommune"));
    let row = indicator["row"].as_i64().expect("row");
    let page = app.get(&analyst, &format!("/intel/received/{row}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(html.contains(INDICATOR));
    assert!(!html.contains("<script>alert(1)"), "the JSON is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)"));
    assert!(
        html.contains("Mærk objektet"),
        "an unmarked object offers the label form"
    );
    // A row that does not exist is not found.
    let missing = app.get(&analyst, "/intel/received/99999999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Labelling: the publisher's label stays; RED needs known recipients.
    let report_row = report["row"].to_string();
    let res = app
        .rpc(
            &analyst,
            "set_object_label",
            &[("row", &report_row), ("tlp", "red")],
        )
        .await;
    assert_invalid(res, "tlp", "marked_by_publisher").await;
    let row = row.to_string();
    let res = app
        .rpc(
            &analyst,
            "set_object_label",
            &[("row", &row), ("tlp", "red")],
        )
        .await;
    assert_invalid(res, "recipients", "required").await;
    let res = app
        .rpc(
            &analyst,
            "set_object_label",
            &[
                ("row", &row),
                ("tlp", "red"),
                ("recipients", "ingen@example.dk"),
            ],
        )
        .await;
    assert_invalid(res, "recipients", "unknown").await;
    let res = app
        .rpc(
            &analyst,
            "set_object_label",
            &[("row", &row), ("tlp", "amber")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let amber = rows(&app, &analyst, &[("tlp", "amber"), ("kind", "indicator")]).await;
    assert_eq!(find(&amber, INDICATOR)["tlp"], "amber");
    assert!(
        rows(&app, &analyst, &[("tlp", "unmarked")])
            .await
            .iter()
            .all(|r| r["stix_id"] != INDICATOR)
    );
}

#[tokio::test]
async fn the_list_pages_by_the_time_of_receipt() {
    let app = spawn_app().await;
    let at = "2026-11-01T10:00:00.000Z";
    let objects: Vec<Value> = (1..=55)
        .map(|n| {
            json!({
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--00000000-0000-4000-8000-{n:012x}"),
                "created": at, "modified": at,
                "name": format!("Indikator {n}"),
                "pattern": format!("[domain-name:value = 'side-{n}.example']"),
                "pattern_type": "stix",
                "valid_from": at,
                "object_marking_refs": [TLP2_AMBER]
            })
        })
        .collect();
    post_as_centre(
        &app,
        json!({
            "type": "bundle",
            "id": "bundle--00000000-0000-4000-8000-00000000b002",
            "objects": objects
        }),
    )
    .await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "analytiker@soc.dk", PlatformRole::Analyst, false)
        .await;

    let res = app.rpc(&analyst, "received_objects", &[]).await;
    let first = json(res).await;
    assert_eq!(first["rows"].as_array().expect("rows").len(), 50);
    let before = first["next_before"].as_i64().expect("a next page");
    assert_eq!(first["rows"][49]["date_added_us"].as_i64(), Some(before));
    let html = app
        .get(&analyst, "/intel/received?kind=indicator&tlp=amber")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        html.contains(&format!(
            "/intel/received?kind=indicator&amp;tlp=amber&amp;before={before}"
        )),
        "the next-page link keeps the filter"
    );

    let before = before.to_string();
    let res = app
        .rpc(&analyst, "received_objects", &[("before", &before)])
        .await;
    let second = json(res).await;
    let rows = second["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 5);
    assert!(second["next_before"].is_null());
    let seen: std::collections::HashSet<&str> = first["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .chain(rows)
        .filter_map(|r| r["stix_id"].as_str())
        .collect();
    assert_eq!(seen.len(), 55, "every object once");
}

#[tokio::test]
async fn only_analysts_of_the_publishing_organisation_label_an_object_or_name_its_red_recipients() {
    let app = spawn_app().await;
    post_bundle(&app).await;
    let (centre, _, _) = app
        .signed_in_with_second_factor("soc", "analytiker@soc.dk", PlatformRole::Analyst, false)
        .await;
    // An analyst of another organisation sees the unmarked object, as analysts do.
    let (elsewhere, _, _) = app
        .signed_in_with_second_factor("kl", "analytiker@kl.dk", PlatformRole::Analyst, false)
        .await;
    let indicator = find(&rows(&app, &elsewhere, &[]).await, INDICATOR)["row"].to_string();
    let label = |tlp: &'static str, recipients: &'static str| {
        vec![
            ("row", indicator.clone()),
            ("tlp", tlp.to_string()),
            ("recipients", recipients.to_string()),
        ]
    };
    let form = |f: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { f.clone() };
    let send = |who: reqwest::Client, f: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.rpc(&who, "set_object_label", &f).await
        }
    };
    let missing = vec![
        ("row", "99999999".to_string()),
        ("tlp", "amber".to_string()),
        ("recipients", String::new()),
    ];
    let hidden = send(elsewhere.clone(), form(&label("amber", ""))).await;
    let absent = send(elsewhere.clone(), missing).await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(absent.status(), StatusCode::NOT_FOUND);
    assert_eq!(hidden.text().await.unwrap(), absent.text().await.unwrap());
    let unmarked = rows(&app, &centre, &[("tlp", "unmarked")]).await;
    assert!(unmarked.iter().any(|r| r["stix_id"] == INDICATOR));

    // The centre's analyst labels it RED for the other analyst, who then reads it but
    // may not rewrite its recipients.
    let res = send(centre.clone(), label("red", "analytiker@kl.dk")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let seen = find(&rows(&app, &elsewhere, &[]).await, INDICATOR).clone();
    assert_eq!(seen["tlp"], "red");
    let res = send(elsewhere.clone(), label("red", "analytiker@kl.dk")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page = app
        .get(&elsewhere, &format!("/intel/received/{indicator}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("set_object_label"), "no label form for them");
    let recipients: i64 = sqlx::query_scalar("select count(*) from stix_object_recipients")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(recipients, 1);
}
