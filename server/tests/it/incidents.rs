//! The two plain routes of own incidents, which the server-function access table does
//! not reach: a report's draft (`/incidents/{id}/drafts/{report}.md`) and the live
//! timeline (`/live/incidents/{id}/timeline`). The incident's organisation gets them
//! (the draft only for those who manage it); anyone else, the centre's analyst before it
//! is shared included, is told they do not exist, as for a missing incident. And links
//! between an incident and an alert, seen from both pages.

use crate::helpers::*;
use reqwest::StatusCode;
use vaern_core::incidents::{self, Answer, Fields};
use vaern_core::policy::{PlatformRole, Tlp};

/// An incident's fields: `title`, a summary, and the rest not yet known.
pub(crate) fn fields(title: &str) -> Fields {
    Fields {
        title: title.into(),
        summary: "Filserveren er krypteret.".into(),
        severity: vaern_core::stix::object::Severity::High,
        suspected_malicious: Answer::Yes,
        cross_border: Answer::No,
        impact: String::new(),
        indicators: String::new(),
        root_cause: String::new(),
        mitigation: String::new(),
    }
}

#[tokio::test]
async fn an_incidents_draft_and_live_timeline_are_served_to_its_organisation_and_nobody_else() {
    let app = spawn_app().await;
    let (aarhus, aarhus_id) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, _) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;
    let (analyst, _, _) = app
        .signed_in_with_second_factor("soc", "ida@soc.dk", PlatformRole::Analyst, false)
        .await;
    let viewer = vaern_core::accounts::sessions::load_viewer(&app.db, aarhus_id)
        .await
        .expect("viewer");
    let fields = fields("Krypterede drev");
    let id = incidents::register(&app.db, &viewer, &fields, Tlp::Amber, &[])
        .await
        .expect("registered");
    incidents::add_entry(&app.db, &viewer, id, "Serveren er isoleret.", None)
        .await
        .expect("entry");
    let draft = format!("/incidents/{id}/drafts/notification.md");
    let timeline = format!("/live/incidents/{id}/timeline");

    let res = app.get(&aarhus, &draft).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("incident-{id}-notification.md"))
    );
    let text = res.text().await.unwrap();
    assert!(text.contains("Krypterede drev"), "{text}");
    let html = app.get(&aarhus, &timeline).await.text().await.unwrap();
    assert!(html.contains("Serveren er isoleret."), "{html}");

    for path in [&draft, &timeline] {
        for (who, client) in [
            ("Odense", &odense),
            ("the analyst", &analyst),
            ("signed out", &browser()),
        ] {
            let res = app.get(client, path).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}, {who}");
        }
    }
    // An unknown report or a missing incident: the same answer.
    for path in [
        format!("/incidents/{id}/drafts/everything.md"),
        format!("/incidents/{}/drafts/notification.md", id + 1000),
    ] {
        assert_eq!(
            app.get(&aarhus, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // Shared: the analyst reads the timeline live, but gets no draft (the organisation's).
    incidents::share(&app.db, &viewer, id)
        .await
        .expect("shared");
    let html = app.get(&analyst, &timeline).await.text().await.unwrap();
    assert!(html.contains("Serveren er isoleret."), "{html}");
    assert_eq!(
        app.get(&analyst, &draft).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&odense, &timeline).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_alert_linked_to_an_incident_shows_on_both_pages_and_a_mistyped_address_is_a_clear_400()
{
    let app = spawn_app().await;
    let (aarhus, aarhus_id) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, _) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;
    let viewer = vaern_core::accounts::sessions::load_viewer(&app.db, aarhus_id)
        .await
        .expect("viewer");
    let fields = fields("Mistænkelig login-bølge");
    let id = incidents::register(&app.db, &viewer, &fields, Tlp::Amber, &[])
        .await
        .expect("registered");
    let alerts = crate::alerts::sighting_at(&app, 0x11c1_0001, &["751", "461"]).await;
    let (ours, theirs) = (alerts[0], alerts[1]);
    let (incident_page, alert_page) = (format!("/incidents/{id}"), format!("/alerts/{ours}"));

    // Before: the alert's page offers the incident to link to.
    let html = app.get(&aarhus, &alert_page).await.text().await.unwrap();
    assert!(html.contains("name=\"id\"") && html.contains("Mistænkelig login-bølge"));
    let res = app
        .rpc(
            &aarhus,
            "incident_link",
            &[("id", &id.to_string()), ("address", &alert_page)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = app.get(&aarhus, &incident_page).await.text().await.unwrap();
    assert!(html.contains(&format!("href=\"{alert_page}\"")), "{html}");
    let html = app.get(&aarhus, &alert_page).await.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"{incident_page}\"")),
        "{html}"
    );

    // Odense's own alert of the same sighting is not Aarhus's to link, and Odense's page
    // of it names no Aarhus incident.
    for (address, reason) in [
        (format!("/alerts/{theirs}"), "not_found"),
        (format!("/alerts/{}", theirs + 1000), "not_found"),
        ("/groups/beredskab".to_string(), "not_an_item"),
        ("alerts/12abc".to_string(), "not_an_item"),
    ] {
        let res = app
            .rpc(
                &aarhus,
                "incident_link",
                &[("id", &id.to_string()), ("address", &address)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{address}");
        let body = res.text().await.unwrap();
        assert!(body.contains(reason), "{address}: {body}");
    }
    let html = app
        .get(&odense, &format!("/alerts/{theirs}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Mistænkelig login-bølge"), "{html}");
    let stored: i64 = sqlx::query_scalar("select count(*) from incident_links")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);

    // Removed from the incident's page, it is gone from both.
    let res = app
        .rpc(
            &aarhus,
            "incident_unlink",
            &[("id", &id.to_string()), ("address", &alert_page)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = app.get(&aarhus, &incident_page).await.text().await.unwrap();
    assert!(!html.contains(&format!("href=\"{alert_page}\"")), "{html}");
}

/// The centre publishes an AMBER+STRICT incident that targets Aarhus and a GREEN one
/// nobody in particular; answers the rows of both, in that order.
pub(crate) async fn centre_incidents(app: &TestApp) -> (i64, i64) {
    use serde_json::json;
    use vaern_core::stix::markings::{TLP2_AMBER_STRICT, TLP2_GREEN};
    const CENTRE: &str = "identity--3f0b9a7c-1d2e-4c5b-8a6f-0e1d2c3b4a59";
    const AARHUS: &str = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0751";
    const STRICT: &str = "incident--00000000-0000-4000-8000-0000000020a1";
    const GREEN: &str = "incident--00000000-0000-4000-8000-0000000020a2";
    let row = |id: &'static str| {
        sqlx::query_scalar::<_, i64>("select id from stix_objects where stix_id = $1")
            .bind(id)
            .fetch_optional(&app.db)
    };
    // Published once per test app; asked again, the same rows.
    if let (Some(strict), Some(green)) = (row(STRICT).await.unwrap(), row(GREEN).await.unwrap()) {
        return (strict, green);
    }
    let at = "2026-11-01T12:00:00.000Z";
    let objects = [
        json!({"type": "identity", "spec_version": "2.1", "id": CENTRE, "created": at,
               "modified": at, "name": "Nationalt analysecenter",
               "identity_class": "organization"}),
        json!({"type": "identity", "spec_version": "2.1", "id": AARHUS, "created": at,
               "modified": at, "name": "Aarhus Kommune", "identity_class": "organization",
               "external_references": [{"source_name": "kommunekode", "external_id": "751"}]}),
        json!({"type": "incident", "spec_version": "2.1", "id": STRICT, "created": at,
               "modified": at, "created_by_ref": CENTRE, "name": "Ransomware hos en kommune",
               "description": "Krypterede filservere; samme gruppe som i oktober.",
               "object_marking_refs": [TLP2_AMBER_STRICT]}),
        json!({"type": "relationship", "spec_version": "2.1",
               "id": "relationship--00000000-0000-4000-8000-0000000020b1", "created": at,
               "modified": at, "created_by_ref": CENTRE, "relationship_type": "targets",
               "source_ref": STRICT, "target_ref": AARHUS,
               "object_marking_refs": [TLP2_AMBER_STRICT]}),
        json!({"type": "incident", "spec_version": "2.1", "id": GREEN, "created": at,
               "modified": at, "created_by_ref": CENTRE, "name": "Phishing mod sektoren",
               "object_marking_refs": [TLP2_GREEN]}),
    ];
    let token = app.stix_token("soc", &["stix:write"]).await;
    let res = app.post_envelope(&token, &objects).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    (
        row(STRICT).await.unwrap().expect("stored"),
        row(GREEN).await.unwrap().expect("stored"),
    )
}

/// Registers an incident about the centre's incident stored as `row`.
async fn register_about(
    app: &TestApp,
    client: &reqwest::Client,
    row: i64,
    title: &str,
) -> reqwest::Response {
    let row = row.to_string();
    let form = [
        ("title", title),
        ("severity", "high"),
        ("tlp", "amber"),
        ("concerns", row.as_str()),
    ];
    app.rpc(client, "incident_register", &form).await
}

#[tokio::test]
async fn each_municipality_hit_by_the_centres_incident_registers_its_own_with_its_own_clocks() {
    let app = spawn_app().await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, _) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;
    let (strict, green) = centre_incidents(&app).await;

    // Aarhus sees both, and that the strict one hit Aarhus; Odense only the GREEN one.
    let html = app.get(&aarhus, "/incidents").await.text().await.unwrap();
    assert!(html.contains("Ransomware hos en kommune"), "{html}");
    assert!(html.contains("Phishing mod sektoren"), "{html}");
    assert!(html.contains(&format!("/incidents?concerns={strict}#incident-register")));
    let html = app.get(&odense, "/incidents").await.text().await.unwrap();
    assert!(!html.contains("Ransomware hos en kommune"), "{html}");
    assert!(!html.contains("Aarhus Kommune"), "{html}");
    assert!(html.contains(&format!("/incidents?concerns={green}#incident-register")));

    // The registration form starts from the centre's incident, for Aarhus only.
    let html = app
        .get(&aarhus, &format!("/incidents?concerns={strict}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("samme gruppe som i oktober"), "{html}");
    assert!(html.contains(&format!("name=\"concerns\" value=\"{strict}\"")));
    let html = app
        .get(&odense, &format!("/incidents?concerns={strict}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("samme gruppe som i oktober"), "{html}");
    assert!(!html.contains("name=\"concerns\""), "{html}");

    // Odense cannot register about what it cannot see, and nothing is stored.
    let res = register_about(&app, &odense, strict, "Vores ransomware").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("concerns"));
    let stored: i64 = sqlx::query_scalar("select count(*) from incidents")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);

    // Both register their own about the GREEN one; each sees only its own, with the
    // centre's incident named on its page, and marks it significant on its own clock.
    assert!(
        register_about(&app, &aarhus, green, "Phishing i Aarhus")
            .await
            .status()
            .is_success()
    );
    assert!(
        register_about(&app, &odense, green, "Phishing i Odense")
            .await
            .status()
            .is_success()
    );
    let ids: Vec<(i64, String)> = sqlx::query_as("select id, title from incidents order by id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let (ours, theirs) = (ids[0].0, ids[1].0);
    let html = app.get(&aarhus, "/incidents").await.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/incidents/{ours}\"")),
        "{html}"
    );
    assert!(!html.contains("Phishing i Odense"), "{html}");
    let html = app
        .get(&aarhus, &format!("/incidents/{ours}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Centrets hændelse") && html.contains("Phishing mod sektoren"));
    assert_eq!(
        app.get(&aarhus, &format!("/incidents/{theirs}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The centre's incident's own page: for those who may see it, with their own
    // organisation's incidents about it only; anyone else, any other object and a
    // missing row are answered alike.
    let html = app
        .get(&odense, &format!("/incidents/centre/{green}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Phishing i Odense") && !html.contains("Phishing i Aarhus"));
    let html = app
        .get(&aarhus, &format!("/incidents/centre/{strict}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("samme gruppe som i oktober"), "{html}");
    assert!(html.contains(&format!("/incidents?concerns={strict}#incident-register")));
    let identity: i64 =
        sqlx::query_scalar("select id from stix_objects where type = 'identity' limit 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    for (client, row) in [
        (&odense, strict),
        (&aarhus, identity),
        (&aarhus, green + 1000),
    ] {
        let res = app.get(client, &format!("/incidents/centre/{row}")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{row}");
    }
}
