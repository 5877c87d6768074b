//! The dashboard over HTTP (issue 19, point 1): the organisation's own alerts by severity,
//! new and waiting, moving as they are worked; the sector's advisories; and numbers that
//! do not move when another municipality is alerted, whatever the sighting's label.

use crate::alerts::{sighting_at, sighting_marked};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use vaern_core::policy::PlatformRole;
use vaern_core::stix::markings::{TLP2_AMBER_STRICT, TLP2_GREEN};

async fn dashboard(app: &TestApp, client: &reqwest::Client) -> Value {
    let res = app.rpc(client, "dashboard", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    json(res).await
}

fn open_total(d: &Value) -> u64 {
    d["open_alerts"]
        .as_array()
        .expect("counts")
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum()
}

/// Everything the chart counts, all days and severities.
fn charted(d: &Value) -> u64 {
    d["days"]
        .as_array()
        .expect("days")
        .iter()
        .flat_map(|day| day["counts"].as_array().unwrap().clone())
        .map(|n| n.as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn the_dashboard_counts_the_organisations_alerts_and_never_another_municipalitys() {
    let app = spawn_app().await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let before = dashboard(&app, &aarhus).await;
    assert_eq!(open_total(&before), 0);
    assert_eq!(before["days"].as_array().map(Vec::len), Some(30));

    let alert = sighting_at(&app, 10, &["751", "461"]).await[0].to_string();
    let d = dashboard(&app, &aarhus).await;
    assert_eq!(open_total(&d), 1, "{d}");
    assert_eq!(d["waiting"], 1);
    assert_eq!(d["new_24h"], 1);
    assert_eq!(d["new_7d"], 1);
    assert_eq!(
        d["advisories"][0]["name"], "Scanning fra 203.0.113.77",
        "the untargeted AMBER advisory reaches every municipality"
    );
    assert_eq!(d["indicator_types"][0], serde_json::json!(["ipv4-addr", 1]));
    let seen = charted(&d);

    // Odense is alerted alone, AMBER+STRICT and GREEN: Aarhus's numbers do not move
    // (a GREEN sighting is visible to everyone, but other organisations' alerts are
    // never counted).
    sighting_marked(&app, 11, &["461"], TLP2_AMBER_STRICT).await;
    sighting_marked(&app, 12, &["461"], TLP2_GREEN).await;
    let after = dashboard(&app, &aarhus).await;
    assert_eq!(open_total(&after), 1);
    assert_eq!(after["waiting"], 1);
    assert_eq!(after["new_24h"], 1);
    assert_eq!(
        charted(&after),
        seen,
        "the chart does not count them either"
    );

    // Worked: acknowledged, it no longer waits; resolved, it is no longer open.
    for status in ["acknowledged", "investigating", "resolved"] {
        let res = app
            .rpc(
                &aarhus,
                "alert_status",
                &[("id", &alert), ("status", status)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let d = dashboard(&app, &aarhus).await;
        assert_eq!(d["waiting"], 0, "after {status}");
        assert_eq!(
            open_total(&d),
            u64::from(status != "resolved"),
            "after {status}"
        );
    }

    // The home page shows it, with the chart's table.
    let page = app.get(&aarhus, "/").await.text().await.unwrap();
    assert!(page.contains("Scanning fra 203.0.113.77"), "the advisory");
    assert!(page.contains("role=\"img\""), "the chart");
    assert!(page.contains("<caption>"), "its table");
}
