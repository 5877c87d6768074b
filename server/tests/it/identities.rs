//! Linking STIX identities (issue 7, part 3) over HTTP: an admin links an identity that
//! matched no organisation through the server function, which routes the alert that
//! waited for it; anyone else is told the endpoints and the page do not exist; and the
//! organisation's people see the alert on `/alerts` once linked, others never.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use vaern_core::policy::PlatformRole;
use vaern_core::stix::markings::TLP2_AMBER;
use vaern_core::tokens::{self, Manager, NewToken};

/// "Aarhus Kommune" without a kommunekode: matched to no organisation on arrival.
const IDENTITY: &str = "identity--00000000-0000-4000-8000-00000000c751";
const INDICATOR: &str = "indicator--00000000-0000-4000-8000-00000000c001";
const SIGHTING: &str = "sighting--00000000-0000-4000-8000-00000000c002";
/// The sighting's title as the list shows it.
const SIGHTING_NAME: &str = "Beacon til C2 observeret";

/// Posts an AMBER sighting at the unmatched identity, as the analysis centre.
async fn post_sighting_at_unmatched_identity(app: &TestApp) {
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
    let at = "2026-11-01T10:00:00.000Z";
    let bundle = json!({
        "type": "bundle",
        "id": "bundle--00000000-0000-4000-8000-00000000c003",
        "objects": [
            {
                "type": "identity", "spec_version": "2.1", "id": IDENTITY,
                "created": at, "modified": at,
                "name": "Aarhus Kommune", "identity_class": "organization"
            },
            {
                "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
                "created": at, "modified": at, "name": "C2-server",
                "pattern": "[ipv4-addr:value = '198.51.100.9']", "pattern_type": "stix",
                "valid_from": at, "object_marking_refs": [TLP2_AMBER]
            },
            {
                "type": "sighting", "spec_version": "2.1", "id": SIGHTING,
                "created": at, "modified": at, "name": SIGHTING_NAME,
                "sighting_of_ref": INDICATOR, "where_sighted_refs": [IDENTITY],
                "object_marking_refs": [TLP2_AMBER]
            }
        ]
    });
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

async fn alerts_page(app: &TestApp, client: &reqwest::Client) -> String {
    let res = app.get(client, "/alerts").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.expect("body")
}

async fn alert_rows(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let res = app.rpc(client, "alerts", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    json(res).await["rows"].as_array().expect("rows").clone()
}

#[tokio::test]
async fn an_admin_links_an_unmatched_identity_and_the_municipality_then_sees_the_alert() {
    let app = spawn_app().await;
    post_sighting_at_unmatched_identity(&app).await;
    let (admin, _, _) = app
        .signed_in_with_second_factor("kl", "admin@kl.dk", PlatformRole::Admin, false)
        .await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, _) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;

    // Before: nobody in Aarhus sees it.
    assert!(alert_rows(&app, &aarhus).await.is_empty());
    let html = alerts_page(&app, &aarhus).await;
    assert!(!html.contains(SIGHTING_NAME));
    assert!(html.contains("Din organisation har ingen varsler."));

    // The admin finds it with Aarhus suggested, on the page and through the endpoint.
    let listed = json(app.rpc(&admin, "unmatched_identities", &[]).await).await;
    let entry = listed["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["stix_id"] == IDENTITY)
        .cloned()
        .expect("the identity is listed");
    assert_eq!(entry["name"], "Aarhus Kommune");
    assert_eq!(entry["waiting"], 1);
    assert_eq!(entry["suggestions"][0], json!(["751", "Aarhus Kommune"]));
    let page = app.get(&admin, "/admin/identities").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(html.contains(IDENTITY) && html.contains("Tilknyt"));

    let res = app
        .rpc(
            &admin,
            "link_identity",
            &[("identity", IDENTITY), ("org", "751")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let linked = json(res).await;
    assert_eq!(linked["alerts"], 1);
    assert_eq!(linked["org_name"], "Aarhus Kommune");

    // After: Aarhus sees the alert; Odense does not.
    let rows = alert_rows(&app, &aarhus).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["what"], SIGHTING_NAME);
    assert_eq!(rows[0]["status"], "Ny");
    let html = alerts_page(&app, &aarhus).await;
    assert!(html.contains(SIGHTING_NAME), "the alert is on the page");
    assert!(alert_rows(&app, &odense).await.is_empty());
    assert!(!alerts_page(&app, &odense).await.contains(SIGHTING_NAME));

    // Linked once: listed no more, and a second link is refused.
    let listed = json(app.rpc(&admin, "unmatched_identities", &[]).await).await;
    assert!(
        !listed["identities"]
            .as_array()
            .expect("identities")
            .iter()
            .any(|i| i["stix_id"] == IDENTITY)
    );
    let res = app
        .rpc(
            &admin,
            "link_identity",
            &[("identity", IDENTITY), ("org", "461")],
        )
        .await;
    assert_invalid(res, "identity", "already_linked").await;
    let res = app
        .rpc(
            &admin,
            "link_identity",
            &[("identity", IDENTITY), ("org", "nowhere")],
        )
        .await;
    assert_invalid(res, "org", "unknown").await;

    app.audit_chained().await;
    let detail: String =
        sqlx::query_scalar("select detail from audit_log where action = 'stix_identity_link'")
            .fetch_one(&app.db)
            .await
            .expect("audited");
    assert_eq!(detail, format!("identity={IDENTITY} org=751 alerts=1"));
}

#[tokio::test]
async fn only_admins_may_list_or_link_identities() {
    let app = spawn_app().await;
    post_sighting_at_unmatched_identity(&app).await;
    let (member, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (org_admin, _) = app
        .signed_in("751", "chef@aarhus.dk", PlatformRole::Member, true)
        .await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "analytiker@soc.dk", PlatformRole::Analyst, false)
        .await;
    for (label, client) in [
        ("member", &member),
        ("org admin", &org_admin),
        ("analyst", &analyst),
    ] {
        let res = app
            .rpc(
                client,
                "link_identity",
                &[("identity", IDENTITY), ("org", "751")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "link as {label}");
        let res = app.rpc(client, "unmatched_identities", &[]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "list as {label}");
        let res = app.get(client, "/admin/identities").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "page as {label}");
    }
    // Signed out: the endpoint refuses, the page sends to sign-in.
    let stranger = browser();
    let res = app
        .rpc(
            &stranger,
            "link_identity",
            &[("identity", IDENTITY), ("org", "751")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.get(&stranger, "/alerts").await;
    assert_eq!(location(&res).as_deref(), Some("/sign-in"));

    assert!(
        alert_rows(&app, &member).await.is_empty(),
        "nothing was linked"
    );
    let linked: i64 =
        sqlx::query_scalar("select count(*) from stix_identities where org_id is not null")
            .fetch_one(&app.db)
            .await
            .expect("query");
    assert_eq!(linked, 0);
}
