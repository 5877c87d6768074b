//! Working an alert over HTTP (issue 19, point 4): the list says what was sighted, the
//! alert page shows where and what with the indicator and the advisory, and a person of
//! the alerted organisation moves it along the workflow, assigns it and comments on it;
//! another municipality alerted by the same sighting sees only its own alert, and
//! Aarhus's is not found for it.

use crate::helpers::*;
use crate::intel::post_as_centre;
use reqwest::StatusCode;
use serde_json::{Value, json};
use vaern_core::policy::PlatformRole;
use vaern_core::stix::markings::TLP2_AMBER;

const INDICATOR: &str = "indicator--00000000-0000-4000-8000-0000000e0001";
const REPORT: &str = "report--00000000-0000-4000-8000-0000000e0002";

/// A municipality's identity, routed by its kommunekode.
fn identity(code: &str) -> Value {
    let at = "2026-11-01T10:00:00.000Z";
    json!({
        "type": "identity", "spec_version": "2.1",
        "id": format!("identity--00000000-0000-4000-8000-0000000e{code:0>4}"),
        "created": at, "modified": at,
        "name": format!("Kommune {code}"), "identity_class": "organization",
        "external_references": [{"source_name": "kommunekode", "external_id": code}]
    })
}

/// Posts an AMBER sighting `n` of an unnamed indicator at the municipalities `codes`, with
/// an advisory about it, and answers the alert ids in the order of `codes`.
pub(crate) async fn sighting_at(app: &TestApp, n: u32, codes: &[&str]) -> Vec<i64> {
    sighting_marked(app, n, codes, TLP2_AMBER).await
}

/// [`sighting_at`], with the sighting marked `marking`.
pub(crate) async fn sighting_marked(
    app: &TestApp,
    n: u32,
    codes: &[&str],
    marking: &str,
) -> Vec<i64> {
    // Published an hour ago, so that it falls within the dashboard's last 30 days.
    let at = (time::OffsetDateTime::now_utc() - time::Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a timestamp");
    let sighting = format!("sighting--00000000-0000-4000-8000-{n:012x}");
    let mut objects: Vec<Value> = codes.iter().map(|c| identity(c)).collect();
    let where_sighted: Vec<Value> = objects.iter().map(|i| i["id"].clone()).collect();
    objects.extend([
        json!({
            "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
            "created": at, "modified": at,
            "pattern": "[ipv4-addr:value = '203.0.113.77']", "pattern_type": "stix",
            "valid_from": at, "object_marking_refs": [TLP2_AMBER]
        }),
        json!({
            "type": "sighting", "spec_version": "2.1", "id": sighting,
            "created": at, "modified": at,
            "first_seen": "2026-11-01T08:15:00Z", "last_seen": "2026-11-01T09:45:00Z",
            "count": 3,
            "sighting_of_ref": INDICATOR, "where_sighted_refs": where_sighted,
            "object_marking_refs": [marking]
        }),
        json!({
            "type": "report", "spec_version": "2.1", "id": REPORT,
            "created": at, "modified": at, "name": "Scanning fra 203.0.113.77",
            "published": at, "report_types": ["threat-report"],
            "object_refs": [INDICATOR], "object_marking_refs": [TLP2_AMBER]
        }),
    ]);
    post_as_centre(
        app,
        json!({
            "type": "bundle",
            "id": format!("bundle--00000000-0000-4000-8000-{n:012x}"),
            "objects": objects
        }),
    )
    .await;
    let mut ids = Vec::new();
    for code in codes {
        let id: i64 = sqlx::query_scalar(
            "select a.id from alerts a join organisations o on o.id = a.org_id \
             where a.sighting_ref = $1 and o.code = $2",
        )
        .bind(&sighting)
        .bind(code)
        .fetch_one(&app.db)
        .await
        .expect("an alert for each municipality");
        ids.push(id);
    }
    ids
}

async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    op: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let res = app.rpc(client, op, form).await;
    (res.status(), res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_member_works_an_alert_of_its_organisation_and_another_municipality_never_sees_it() {
    let app = spawn_app().await;
    let ids = sighting_at(&app, 1, &["751", "461"]).await;
    let (aarhus_alert, odense_alert) = (ids[0].to_string(), ids[1].to_string());
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (_, colleague) = app
        .signed_in("751", "kollega@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, odense_user) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;

    // The list says what was sighted: the indicator has no name, so its value.
    let res = app.rpc(&aarhus, "alerts", &[]).await;
    let rows = json(res).await["rows"].clone();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["what"], "Indikator: 203.0.113.77");
    assert_eq!(rows[0]["status"], "Ny");

    // The page: where (only Aarhus), when the sighting says, the pattern, the advisory.
    let res = app.get(&aarhus, &format!("/alerts/{aarhus_alert}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("Aarhus Kommune"), "where");
    assert!(!page.contains("Odense"), "no other municipality is named");
    assert!(
        page.contains("203.0.113.77&#x27;]") || page.contains("203.0.113.77']"),
        "the pattern"
    );
    assert!(page.contains("Scanning fra 203.0.113.77"), "the advisory");
    // 08:15 UTC is 09:15 in Copenhagen in November.
    assert!(
        page.contains("01.11.2026 kl. 09:15"),
        "first seen, local time"
    );

    // The workflow: a skipped step is refused with a message, then each step in turn.
    let id = aarhus_alert.as_str();
    let (status, body) = call(
        &app,
        &aarhus,
        "alert_status",
        &[("id", id), ("status", "resolved")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("transition"), "{body}");
    for next in ["acknowledged", "investigating", "resolved"] {
        let (status, body) = call(
            &app,
            &aarhus,
            "alert_status",
            &[("id", id), ("status", next)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{next}: {body}");
    }
    let (status, _) = call(
        &app,
        &aarhus,
        "alert_status",
        &[("id", id), ("status", "closed")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown status");

    // Assigned to a colleague; someone of another organisation is refused.
    let colleague = colleague.0.to_string();
    let (status, body) = call(
        &app,
        &aarhus,
        "alert_assign",
        &[("id", id), ("assignee", &colleague)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stranger = odense_user.0.to_string();
    let (status, body) = call(
        &app,
        &aarhus,
        "alert_assign",
        &[("id", id), ("assignee", &stranger)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = call(
        &app,
        &aarhus,
        "alert_assign",
        &[("id", id), ("assignee", "x")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Comments: plain text shown escaped, at least the alert's label, at most 20,000.
    let markup = "Blokeret i firewall <script>alert(1)</script>";
    let (status, body) = call(
        &app,
        &aarhus,
        "alert_comment",
        &[("id", id), ("body", markup), ("tlp", "amber")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = call(
        &app,
        &aarhus,
        "alert_comment",
        &[("id", id), ("body", "lavere"), ("tlp", "green")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "below the alert's label");
    let long = "x".repeat(20_001);
    let (status, _) = call(
        &app,
        &aarhus,
        "alert_comment",
        &[("id", id), ("body", &long), ("tlp", "amber")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "too long");
    let (status, _) = call(
        &app,
        &aarhus,
        "alert_comment",
        &[("id", id), ("body", "  "), ("tlp", "amber")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "empty");
    let count: i64 = sqlx::query_scalar("select count(*) from alert_comments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1, "nothing of the refused comments is stored");

    let page = app
        .get(&aarhus, &format!("/alerts/{aarhus_alert}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped"
    );
    assert!(!page.contains("<script>alert(1)"), "never markup");
    assert!(page.contains("status Ny → Kvitteret"), "history");
    assert!(page.contains("status Undersøges → Løst"), "history");
    assert!(
        page.contains(&format!("ansvarlig – → {NAME}")),
        "history of the assignee"
    );

    // Odense: its own alert only; Aarhus's is answered as missing, for reading and work.
    let rows = json(app.rpc(&odense, "alerts", &[]).await).await["rows"].clone();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["id"], odense_alert.parse::<i64>().unwrap());
    assert_eq!(
        rows[0]["status"], "Ny",
        "Aarhus's work does not move Odense's alert"
    );
    let res = app.get(&odense, &format!("/alerts/{aarhus_alert}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let missing = app.get(&odense, "/alerts/999999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    for (op, form) in [
        ("alert", vec![("id", id)]),
        (
            "alert_status",
            vec![("id", id), ("status", "investigating")],
        ),
        ("alert_assign", vec![("id", id), ("assignee", "")]),
        (
            "alert_comment",
            vec![("id", id), ("body", "hej"), ("tlp", "amber")],
        ),
    ] {
        let (status, body) = call(&app, &odense, op, &form).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{op}: {body}");
    }
    let odense_page = app
        .get(&odense, &format!("/alerts/{odense_alert}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !odense_page.contains("Blokeret i firewall"),
        "Aarhus's comments stay Aarhus's"
    );
    assert!(
        !odense_page.contains("Aarhus"),
        "Odense's page names no other municipality"
    );
}

#[tokio::test]
async fn an_alert_is_discussed_in_a_forum_linked_both_ways_for_its_own_organisation_only() {
    let app = spawn_app().await;
    let ids = sighting_at(&app, 30, &["751", "461"]).await;
    let (aarhus_alert, odense_alert) = (ids[0].to_string(), ids[1].to_string());
    let (aarhus, aarhus_user) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, odense_user) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;
    let group = app.group("referencegruppen").await;
    app.add_to_group(group, aarhus_user, "member").await;
    app.add_to_group(group, odense_user, "member").await;
    let discuss = |client: &reqwest::Client, alert: &str, tlp: &str| {
        let (app, client, alert, tlp) = (&app, client.clone(), alert.to_string(), tlp.to_string());
        async move {
            call(
                app,
                &client,
                "alert_discuss",
                &[
                    ("id", &alert),
                    ("group", "referencegruppen"),
                    ("title", "Scanning fra 203.0.113.77"),
                    ("body", "Har andre set det?"),
                    ("tlp", &tlp),
                ],
            )
            .await
        }
    };

    // Below the alert's label, or RED: refused, nothing started.
    let (status, body) = discuss(&aarhus, &aarhus_alert, "green").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = discuss(&aarhus, &aarhus_alert, "red").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Another organisation's alert does not exist for Odense.
    let (status, _) = discuss(&odense, &aarhus_alert, "amber").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let threads: i64 = sqlx::query_scalar("select count(*) from forum_threads")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(threads, 0, "nothing of a refused discussion is stored");

    let (status, body) = discuss(&aarhus, &aarhus_alert, "amber").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let thread: i64 = body.trim().parse().expect("the thread's id");

    // The alert page lists the thread; the thread names the alert to Aarhus only.
    let page = app
        .get(&aarhus, &format!("/alerts/{aarhus_alert}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/threads/{thread}")),
        "linked from the alert"
    );
    let for_aarhus = json(
        app.rpc(&aarhus, "thread", &[("id", &thread.to_string())])
            .await,
    )
    .await;
    assert_eq!(
        for_aarhus["alerts"][0][0],
        format!("/alerts/{aarhus_alert}"),
        "{for_aarhus}"
    );
    let for_odense = json(
        app.rpc(&odense, "thread", &[("id", &thread.to_string())])
            .await,
    )
    .await;
    assert_eq!(for_odense["title"], "Scanning fra 203.0.113.77");
    assert_eq!(
        for_odense["alerts"],
        serde_json::json!([]),
        "Odense reads the thread but is not told of Aarhus's alert"
    );
    let odense_page = app
        .get(&odense, &format!("/alerts/{odense_alert}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !odense_page.contains(&format!("/threads/{thread}")),
        "Odense's own alert was not discussed"
    );
}

#[tokio::test]
async fn a_search_hit_for_a_sighting_leads_each_alerted_organisation_to_its_own_alert() {
    use crate::search::{indexed, search};
    let app = spawn_app().await;
    let at = "2026-11-01T08:00:00Z";
    let mut objects: Vec<Value> = ["751", "461"].iter().map(|c| identity(c)).collect();
    let where_sighted: Vec<Value> = objects.iter().map(|i| i["id"].clone()).collect();
    objects.extend([
        json!({
            "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
            "created": at, "modified": at,
            "pattern": "[ipv4-addr:value = '203.0.113.78']", "pattern_type": "stix",
            "valid_from": at, "object_marking_refs": [TLP2_AMBER]
        }),
        json!({
            "type": "sighting", "spec_version": "2.1",
            "id": "sighting--00000000-0000-4000-8000-0000000e0a01",
            "created": at, "modified": at,
            "description": "Beacon mod flamingovejen fra en arbejdsstation",
            "sighting_of_ref": INDICATOR, "where_sighted_refs": where_sighted,
            "object_marking_refs": [TLP2_AMBER]
        }),
    ]);
    post_as_centre(
        &app,
        json!({
            "type": "bundle",
            "id": "bundle--00000000-0000-4000-8000-0000000e0a02",
            "objects": objects
        }),
    )
    .await;
    indexed(&app).await;
    let alert_of = |code: &'static str| {
        let db = app.db.clone();
        async move {
            let id: i64 = sqlx::query_scalar(
                "select a.id from alerts a join organisations o on o.id = a.org_id \
                 where o.code = $1",
            )
            .bind(code)
            .fetch_one(&db)
            .await
            .expect("an alert");
            format!("/alerts/{id}")
        }
    };
    for (code, email) in [("751", "anne@aarhus.dk"), ("461", "ole@odense.dk")] {
        let (member, _) = app
            .signed_in(code, email, PlatformRole::Member, false)
            .await;
        let results = search(&app, &member, "flamingovej type:alert").await;
        assert_eq!(results["total"], 1, "{code}: {results}");
        assert_eq!(results["hits"][0]["href"], alert_of(code).await, "{code}");
    }
    // Another municipality is not told the sighting exists.
    let (stranger, _) = app
        .signed_in("101", "kim@kk.dk", PlatformRole::Member, false)
        .await;
    let results = search(&app, &stranger, "flamingovej").await;
    assert_eq!(results["total"], 0, "{results}");
}
