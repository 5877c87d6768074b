//! The two plain routes of own incidents, which the server-function access table does
//! not reach: a report's draft (`/incidents/{id}/drafts/{report}.md`) and the live
//! timeline (`/live/incidents/{id}/timeline`). The incident's organisation gets them
//! (the draft only for those who manage it); anyone else, the centre's analyst before it
//! is shared included, is told they do not exist, as for a missing incident.

use crate::helpers::*;
use reqwest::StatusCode;
use vaern_core::incidents::{self, Answer, Fields};
use vaern_core::policy::{PlatformRole, Tlp};

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
    let fields = Fields {
        title: "Krypterede drev".into(),
        summary: "Filserveren er krypteret.".into(),
        severity: vaern_core::stix::object::Severity::High,
        suspected_malicious: Answer::Yes,
        cross_border: Answer::No,
        impact: String::new(),
        indicators: String::new(),
        root_cause: String::new(),
        mitigation: String::new(),
    };
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
