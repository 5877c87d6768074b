//! The acknowledgement view over HTTP (issue 19, point 6): an analyst follows how each
//! municipality responded to an alert and to an advisory, with times; a coordinator does
//! the same for items up to AMBER without reading the ones its organisation may not
//! read; targets never delivered are kept apart; municipalities acknowledge advisories;
//! members are told the view does not exist.

use crate::alerts::{sighting_at, sighting_marked};
use crate::helpers::*;
use crate::intel::post_as_centre;
use reqwest::StatusCode;
use serde_json::{Value, json};
use vaern_core::policy::PlatformRole;
use vaern_core::stix::markings::{TLP2_AMBER, TLP2_AMBER_STRICT};

async fn view(app: &TestApp, client: &reqwest::Client, item: &str) -> Value {
    let res = app.rpc(client, "acknowledgements", &[("item", item)]).await;
    assert_eq!(res.status(), StatusCode::OK, "{item}");
    json(res).await
}

/// The line of municipality `code` in a view.
fn line<'a>(view: &'a Value, code: &str) -> &'a Value {
    view["chosen"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no line for {code}: {view}"))
}

fn count(view: &Value, key: &str) -> u64 {
    view["chosen"]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["key"] == key)
        .and_then(|c| c["count"].as_u64())
        .expect("a category")
}

async fn row_of(app: &TestApp, kind: &str, name_or_id: &str) -> String {
    let row: i64 = sqlx::query_scalar(
        "select id from stix_objects where is_latest and kind = $1 and (name = $2 or stix_id = $2)",
    )
    .bind(kind)
    .bind(name_or_id)
    .fetch_one(&app.db)
    .await
    .expect("the object");
    row.to_string()
}

#[tokio::test]
async fn analysts_and_coordinators_follow_each_municipalitys_response_and_nobody_else_does() {
    let app = spawn_app().await;
    let ids = sighting_at(&app, 40, &["751", "461"]).await;
    let sighting = row_of(
        &app,
        "sighting",
        "sighting--00000000-0000-4000-8000-000000000028",
    )
    .await;
    let advisory = row_of(&app, "advisory", "Scanning fra 203.0.113.77").await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "analytiker@soc.dk", PlatformRole::Analyst, false)
        .await;
    let (coordinator, _, _) = app
        .signed_in_with_second_factor("kl", "koordinator@kl.dk", PlatformRole::Coordinator, false)
        .await;

    // Aarhus acknowledges its alert and answers the advisory.
    let res = app
        .rpc(
            &aarhus,
            "alert_status",
            &[("id", &ids[0].to_string()), ("status", "acknowledged")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .rpc(
            &aarhus,
            "acknowledge_advisory",
            &[("row", &advisory), ("state", "relevant")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for (state, status) in [("maybe", StatusCode::BAD_REQUEST), ("read", StatusCode::OK)] {
        let res = app
            .rpc(
                &aarhus,
                "acknowledge_advisory",
                &[("row", &advisory), ("state", state)],
            )
            .await;
        assert_eq!(res.status(), status, "{state}");
    }
    let res = app
        .rpc(
            &aarhus,
            "acknowledge_advisory",
            &[("row", "999999"), ("state", "read")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The analyst: the alert, Aarhus acknowledged with a time, Odense not yet, the rest
    // not targeted.
    let alert_view = view(&app, &analyst, &sighting).await;
    let aarhus_line = line(&alert_view, "751");
    assert_eq!(aarhus_line["response"], "Kvitteret", "{alert_view}");
    assert_eq!(aarhus_line["category"], "seen");
    assert!(aarhus_line["acknowledged"].is_string());
    assert!(aarhus_line["took"].is_string());
    assert_eq!(line(&alert_view, "461")["category"], "waiting");
    assert_eq!(line(&alert_view, "101")["category"], "none");
    assert_eq!(count(&alert_view, "seen"), 1);
    assert_eq!(count(&alert_view, "waiting"), 1);
    assert_eq!(count(&alert_view, "none"), 96);
    let items = alert_view["items"].as_array().expect("items");
    assert!(items.iter().any(|i| i[0] == sighting.as_str()));

    // The advisory reached every municipality: Aarhus read it, 97 have not reacted.
    let advisory_view = view(&app, &analyst, &advisory).await;
    assert_eq!(
        advisory_view["chosen"]["title"],
        "Scanning fra 203.0.113.77"
    );
    assert_eq!(line(&advisory_view, "751")["response"], "Læst");
    assert_eq!(count(&advisory_view, "seen"), 1);
    assert_eq!(count(&advisory_view, "waiting"), 97);

    // The coordinator follows the same AMBER items; KL (an association) may not read
    // the untargeted AMBER advisory, so it is named by what it is, not its title.
    let coordinated = view(&app, &coordinator, &advisory).await;
    assert_eq!(count(&coordinated, "seen"), 1);
    let title = coordinated["chosen"]["title"].as_str().unwrap();
    assert!(title.starts_with("Sikkerhedsråd udgivet"), "{title}");
    assert!(!coordinated.to_string().contains("Scanning fra"));

    // AMBER+STRICT: the analyst follows it, the coordinator is told it does not exist.
    sighting_marked(&app, 41, &["751", "461"], TLP2_AMBER_STRICT).await;
    let strict = row_of(
        &app,
        "sighting",
        "sighting--00000000-0000-4000-8000-000000000029",
    )
    .await;
    view(&app, &analyst, &strict).await;
    let res = app
        .rpc(&coordinator, "acknowledgements", &[("item", &strict)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let listed = view(&app, &coordinator, "").await;
    assert!(
        !listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i[0] == strict.as_str()),
        "not even listed"
    );

    // Aarhus comments on its alert; the centre's analyst reads it on the sighting's page,
    // with each organisation's status. The coordinator has no such page.
    let comment = "Blokeret i firewall hos Aarhus";
    let res = app
        .rpc(
            &aarhus,
            "alert_comment",
            &[
                ("id", &ids[0].to_string()),
                ("body", comment),
                ("tlp", "amber"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = app
        .get(&analyst, &format!("/intel/received/{sighting}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(comment), "the centre reads the comment");
    assert!(
        page.contains("Odense Kommune"),
        "every alerted organisation"
    );
    let detail = json(
        app.rpc(&analyst, "received_object", &[("row", &sighting)])
            .await,
    )
    .await;
    assert_eq!(detail["work"].as_array().map(Vec::len), Some(2), "{detail}");
    let res = app
        .rpc(&coordinator, "received_object", &[("row", &sighting)])
        .await;
    assert_ne!(res.status(), StatusCode::OK, "not the coordinator's page");

    // Members, Aarhus's included, are told the view does not exist; so is its export.
    let res = app.rpc(&aarhus, "acknowledgements", &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .get(
            &aarhus,
            &format!("/intel/acknowledgements.csv?item={sighting}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page = app.get(&aarhus, "/intel/acknowledgements").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);

    // The analyst's export: every municipality, formulas defused, the same responses.
    let res = app
        .get(
            &analyst,
            &format!("/intel/acknowledgements.csv?item={sighting}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.len() >= 98, "{}", rows.len());
    let aarhus_row = rows.iter().find(|r| &r[0] == "751").expect("Aarhus");
    assert_eq!(&aarhus_row[4], "Kvitteret");
    let page = app
        .get(
            &analyst,
            &format!("/intel/acknowledgements?item={sighting}"),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("751 Aarhus Kommune: Kvitteret"),
        "the map names each"
    );
    assert!(
        page.contains("id=\"org-751\""),
        "the table line the map links to"
    );
}

#[tokio::test]
async fn a_target_never_delivered_is_kept_apart_and_the_rest_still_counted() {
    let app = spawn_app().await;
    let at = "2026-11-01T10:00:00.000Z";
    let unknown = json!({
        "type": "identity", "spec_version": "2.1",
        "id": "identity--00000000-0000-4000-8000-00000000dead",
        "created": at, "modified": at,
        "name": "Ukendt Kommune", "identity_class": "organization"
    });
    let aarhus = json!({
        "type": "identity", "spec_version": "2.1",
        "id": "identity--00000000-0000-4000-8000-00000000a751",
        "created": at, "modified": at,
        "name": "Aarhus", "identity_class": "organization",
        "external_references": [{"source_name": "kommunekode", "external_id": "751"}]
    });
    let indicator = "indicator--00000000-0000-4000-8000-00000000beef";
    post_as_centre(
        &app,
        json!({
            "type": "bundle", "id": "bundle--00000000-0000-4000-8000-00000000f00d",
            "objects": [unknown, aarhus, {
                "type": "indicator", "spec_version": "2.1", "id": indicator,
                "created": at, "modified": at, "pattern": "[ipv4-addr:value = '192.0.2.9']",
                "pattern_type": "stix", "valid_from": at, "object_marking_refs": [TLP2_AMBER]
            }, {
                "type": "sighting", "spec_version": "2.1",
                "id": "sighting--00000000-0000-4000-8000-00000000f00d",
                "created": at, "modified": at, "sighting_of_ref": indicator,
                "where_sighted_refs": [
                    "identity--00000000-0000-4000-8000-00000000dead",
                    "identity--00000000-0000-4000-8000-00000000a751"
                ],
                "object_marking_refs": [TLP2_AMBER]
            }]
        }),
    )
    .await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "analytiker@soc.dk", PlatformRole::Analyst, false)
        .await;
    let sighting = row_of(
        &app,
        "sighting",
        "sighting--00000000-0000-4000-8000-00000000f00d",
    )
    .await;
    let v = view(&app, &analyst, &sighting).await;
    assert_eq!(
        v["chosen"]["not_delivered"],
        json!(["Ukendt Kommune"]),
        "{v}"
    );
    // Aarhus's alert is held back from Aarhus too while a target is unknown.
    assert_eq!(line(&v, "751")["category"], "held");
}
