//! The alerts list over HTTP (issue 19, points 2 and 3): filters by severity, status,
//! label, time, indicator type and value, sorted and paged; its CSV export streamed in
//! batches with formula cells defused; and the live stream naming the alerts panel when,
//! and only when, something the person may see changed. Throughout, another
//! municipality's alerts and indicators the reader may not see never match, count or
//! appear.

use crate::helpers::*;
use crate::intel::post_as_centre;
use crate::notifications::read_until;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use vaern_core::policy::PlatformRole;
use vaern_core::stix::markings::{TLP2_AMBER, TLP2_AMBER_STRICT, TLP2_GREEN, TLP2_RED};

/// One sighting to post: where, how marked and severe, of what indicator.
struct Sighting<'a> {
    n: u32,
    codes: &'a [&'a str],
    marking: &'a str,
    severity: &'a str,
    pattern: &'a str,
    indicator_marking: &'a str,
    name: &'a str,
}

impl Default for Sighting<'_> {
    fn default() -> Self {
        Self {
            n: 0,
            codes: &["751"],
            marking: TLP2_AMBER,
            severity: "medium",
            pattern: "[ipv4-addr:value = '192.0.2.1']",
            indicator_marking: TLP2_AMBER,
            name: "",
        }
    }
}

fn identity(code: &str) -> Value {
    let at = "2026-11-01T10:00:00.000Z";
    json!({
        "type": "identity", "spec_version": "2.1",
        "id": format!("identity--00000000-0000-4000-8000-0000000f{code:0>4}"),
        "created": at, "modified": at,
        "name": format!("Kommune {code}"), "identity_class": "organization",
        "external_references": [{"source_name": "kommunekode", "external_id": code}]
    })
}

/// The objects of `s`: the identities, its own indicator and the sighting (no advisory,
/// so that only alerts change).
fn objects(s: &Sighting<'_>) -> Vec<Value> {
    let at = (time::OffsetDateTime::now_utc() - time::Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a timestamp");
    let indicator = format!("indicator--00000000-0000-4000-8001-{:012x}", s.n);
    let mut objects: Vec<Value> = s.codes.iter().map(|c| identity(c)).collect();
    let where_sighted: Vec<Value> = objects.iter().map(|i| i["id"].clone()).collect();
    let mut sighting = json!({
        "type": "sighting", "spec_version": "2.1",
        "id": format!("sighting--00000000-0000-4000-8002-{:012x}", s.n),
        "created": at, "modified": at,
        "sighting_of_ref": indicator, "where_sighted_refs": where_sighted,
        "x_vaern_severity": s.severity,
        "object_marking_refs": [s.marking]
    });
    if !s.name.is_empty() {
        sighting["name"] = json!(s.name);
    }
    objects.extend([
        json!({
            "type": "indicator", "spec_version": "2.1", "id": indicator,
            "created": at, "modified": at,
            "pattern": s.pattern, "pattern_type": "stix",
            "valid_from": at, "object_marking_refs": [s.indicator_marking]
        }),
        sighting,
    ]);
    objects
}

async fn post(app: &TestApp, sightings: &[Sighting<'_>]) {
    let objects: Vec<Value> = sightings.iter().flat_map(objects).collect();
    let n = sightings.first().map_or(0, |s| s.n);
    post_as_centre(
        app,
        json!({
            "type": "bundle",
            "id": format!("bundle--00000000-0000-4000-8003-{n:012x}"),
            "objects": objects
        }),
    )
    .await;
}

async fn list(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> Value {
    let res = app.rpc(client, "alerts", form).await;
    assert_eq!(res.status(), StatusCode::OK, "{form:?}");
    json(res).await
}

/// What each listed alert says was sighted, in the list's order.
fn whats(list: &Value) -> Vec<String> {
    list["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["what"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Aarhus's four alerts and one of Odense's, each telling itself apart by its indicator.
async fn five_sightings(app: &TestApp) {
    post(
        app,
        &[
            Sighting {
                n: 1,
                severity: "high",
                pattern: "[ipv4-addr:value = '198.51.100.1']",
                ..Sighting::default()
            },
            Sighting {
                n: 2,
                codes: &["751", "461"],
                marking: TLP2_GREEN,
                severity: "critical",
                pattern: "[domain-name:value = 'phish.example']",
                indicator_marking: TLP2_GREEN,
                ..Sighting::default()
            },
            Sighting {
                n: 3,
                severity: "low",
                pattern: "[file:hashes.'SHA-256' = 'abc123def0000000000000000000000000000000000000000000000000000000']",
                ..Sighting::default()
            },
            // A GREEN sighting of an indicator nobody in Aarhus may see (RED, no
            // recipients yet): its value is never shown, matched or exported.
            Sighting {
                n: 4,
                marking: TLP2_GREEN,
                pattern: "[domain-name:value = 'secret.example']",
                indicator_marking: TLP2_RED,
                name: "=HYPERLINK(\"http://evil.example\")",
                ..Sighting::default()
            },
            Sighting {
                n: 5,
                codes: &["461"],
                marking: TLP2_AMBER_STRICT,
                severity: "high",
                pattern: "[ipv4-addr:value = '203.0.113.9']",
                ..Sighting::default()
            },
        ],
    )
    .await;
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages_the_organisations_alerts_only() {
    let app = spawn_app().await;
    five_sightings(&app).await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let (odense, _) = app
        .signed_in("461", "it@odense.dk", PlatformRole::Member, false)
        .await;

    let all = list(&app, &aarhus, &[]).await;
    assert_eq!(all["total"], 4, "{all}");
    assert_eq!(
        (all["page"].as_u64(), all["pages"].as_u64()),
        (Some(1), Some(1))
    );
    let seen = whats(&all).join(" ");
    assert!(
        !seen.contains("secret.example"),
        "a hidden indicator is not named"
    );
    assert!(
        !seen.contains("203.0.113.9"),
        "Odense's alert is not Aarhus's"
    );

    let one = |form: &'static [(&'static str, &'static str)]| {
        let (app, aarhus) = (&app, &aarhus);
        async move { whats(&list(app, aarhus, form).await) }
    };
    assert_eq!(
        one(&[("severity", "high")]).await,
        ["Indikator: 198.51.100.1"]
    );
    assert_eq!(one(&[("tlp", "green")]).await.len(), 2);
    assert_eq!(
        one(&[("kind", "domain-name")]).await,
        ["Indikator: phish.example"],
        "only the indicator Aarhus may see has a type to match"
    );
    assert_eq!(
        one(&[("indicator", "PHISH")]).await,
        ["Indikator: phish.example"]
    );
    assert_eq!(
        one(&[("indicator", "ABC123")]).await,
        [format!("Indikator: abc123def{}", "0".repeat(55))]
    );
    assert!(
        one(&[("indicator", "secret")]).await.is_empty(),
        "never a hidden value"
    );
    assert_eq!(one(&[("status", "open")]).await.len(), 4);
    assert!(one(&[("status", "acknowledged")]).await.is_empty());
    assert!(one(&[("from", "2099-01-01")]).await.is_empty());
    assert_eq!(one(&[("to", "2099-01-01")]).await.len(), 4);

    let by_severity = list(&app, &aarhus, &[("sort", "severity")]).await;
    let keys: Vec<&str> = by_severity["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["severity_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["critical", "high", "medium", "low"]);
    let newest = list(&app, &aarhus, &[]).await;
    let oldest = list(&app, &aarhus, &[("sort", "oldest")]).await;
    let mut reversed = whats(&oldest);
    reversed.reverse();
    assert_eq!(reversed, whats(&newest));

    // A page far past the end is the last page.
    let far = list(&app, &aarhus, &[("page", "1000000000")]).await;
    assert_eq!(far["page"], 1);
    assert_eq!(far["total"], 4);

    // Bad filters are refused with their message, never a 500.
    for (form, message) in [
        (
            vec![("from", "2026-12-05"), ("to", "2026-12-01")],
            "Slutdatoen skal ligge efter startdatoen.",
        ),
        (
            vec![("severity", "catastrophic")],
            "Vælg en alvorsgrad fra listen.",
        ),
        (
            vec![("kind", "banana")],
            "Vælg en indikatortype fra listen.",
        ),
        (vec![("sort", "random")], "Vælg en sortering fra listen."),
        (vec![("from", "1. maj")], "Skriv datoen som ÅÅÅÅ-MM-DD."),
    ] {
        let res = app.rpc(&aarhus, "alerts", &form).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{form:?}");
        let page = app
            .get(
                &aarhus,
                &format!(
                    "/alerts?{}",
                    form.iter()
                        .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
                        .collect::<Vec<_>>()
                        .join("&")
                ),
            )
            .await;
        // The page answers with the list's heading, the message and a way back.
        assert!(!page.status().is_server_error(), "{form:?}");
        let page = page.text().await.unwrap();
        assert!(page.contains(message), "{form:?}");
        assert!(page.contains("Nulstil filtre"), "{form:?}");
    }
    let long = "x".repeat(201);
    let res = app.rpc(&aarhus, "alerts", &[("indicator", &long)]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Odense: its own two, the AMBER+STRICT one included; Aarhus's never.
    let theirs = list(&app, &odense, &[]).await;
    assert_eq!(theirs["total"], 2, "{theirs}");
    assert!(whats(&theirs).contains(&"Indikator: 203.0.113.9".to_string()));
    let page = app.get(&aarhus, "/alerts?severity=high").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("198.51.100.1"));
    assert!(!page.contains("abc123def"), "filtered out");
}

/// The CSV's records, the header row first.
fn records(csv_text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn the_export_streams_the_filtered_list_in_its_order_with_formulas_defused() {
    let app = spawn_app().await;
    five_sightings(&app).await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;

    let res = app.get(&aarhus, "/alerts.csv?sort=severity").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.starts_with("id,raised_at,sighted,severity,status,tlp,assignee\n"),
        "{text}"
    );
    let rows = records(&text);
    assert_eq!(rows.len(), 4, "{text}");
    let severities: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(severities, ["critical", "high", "medium", "low"]);
    assert!(
        !text.contains("203.0.113.9"),
        "another municipality's alert"
    );
    assert!(!text.contains("secret.example"), "a hidden indicator");
    let planted = rows
        .iter()
        .find(|r| r[3] == "medium")
        .expect("the named one");
    assert_eq!(
        planted[2], "'=HYPERLINK(\"http://evil.example\")",
        "defused"
    );
    assert!(
        rows.iter()
            .all(|r| r[1].ends_with("+01:00") || r[1].ends_with("+02:00")),
        "Copenhagen time"
    );

    // As browsers ask for it: compressed, whole.
    let res = aarhus
        .get(format!("{}/alerts.csv", app.url))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&res.bytes().await.expect("the whole body")[..]),
        &mut text,
    )
    .expect("gzip");
    assert_eq!(records(&text).len(), 4);

    let res = app.get(&aarhus, "/alerts.csv?severity=critical").await;
    assert_eq!(records(&res.text().await.unwrap()).len(), 1);
    let res = app
        .get(&aarhus, "/alerts.csv?from=2026-12-05&to=2026-12-01")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Slutdatoen"));
    let res = app.get(&browser(), "/alerts.csv").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "signed out");

    // Past several batches: every alert once, in order, across the batch boundaries.
    let many: Vec<Sighting<'_>> = (0..1_201)
        .map(|i| Sighting {
            n: 100 + i,
            severity: ["low", "medium", "high", "critical"][i as usize % 4],
            ..Sighting::default()
        })
        .collect();
    post(&app, &many).await;
    for sort in ["newest", "oldest", "severity"] {
        let text = app
            .get(&aarhus, &format!("/alerts.csv?sort={sort}"))
            .await
            .text()
            .await
            .unwrap();
        let rows = records(&text);
        assert_eq!(rows.len(), 1_205, "{sort}");
        let mut ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
        let listed = ids.clone();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 1_205, "{sort}: no alert twice");
        if sort == "severity" {
            let rank = |s: &str| {
                ["low", "medium", "high", "critical"]
                    .iter()
                    .position(|k| *k == s)
            };
            assert!(
                rows.windows(2).all(|w| rank(&w[0][3]) >= rank(&w[1][3])),
                "most severe first across batches"
            );
        } else if sort == "oldest" {
            assert_eq!(listed.first(), ids.first(), "oldest first");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_names_the_alerts_panel_only_when_the_reader_may_see_the_change() {
    let app = spawn_app().await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;
    let mut stream = aarhus
        .get(format!("{}/events", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(stream.status(), StatusCode::OK);
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: count\n").await;

    post(
        &app,
        &[Sighting {
            n: 1,
            ..Sighting::default()
        }],
    )
    .await;
    read_until(&mut stream, &mut seen, "event: alerts\ndata: 1\n").await;

    // Odense alerted alone, AMBER+STRICT, and a burst of 1,000 for Odense: nothing for
    // Aarhus. Then Aarhus acknowledges its own: the panel changed, nothing new.
    seen.clear();
    post(
        &app,
        &[Sighting {
            n: 2,
            codes: &["461"],
            marking: TLP2_AMBER_STRICT,
            ..Sighting::default()
        }],
    )
    .await;
    let burst: Vec<Sighting<'_>> = (0..1_000)
        .map(|i| Sighting {
            n: 1_000 + i,
            codes: &["461"],
            ..Sighting::default()
        })
        .collect();
    post(&app, &burst).await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let alert: String = sqlx::query_scalar::<_, i64>(
        "select a.id from alerts a join organisations o on o.id = a.org_id where o.code = '751'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
    .to_string();
    let res = app
        .rpc(
            &aarhus,
            "alert_status",
            &[("id", &alert), ("status", "acknowledged")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    read_until(&mut stream, &mut seen, "event: alerts\ndata: 0\n").await;
    assert_eq!(
        seen.matches("event: alerts").count(),
        1,
        "nothing was said of Odense's alerts: {seen}"
    );

    // A burst for Aarhus in one bundle is one event, not one per alert.
    seen.clear();
    let burst: Vec<Sighting<'_>> = (0..500)
        .map(|i| Sighting {
            n: 5_000 + i,
            ..Sighting::default()
        })
        .collect();
    post(&app, &burst).await;
    read_until(&mut stream, &mut seen, "event: alerts\ndata: 500\n").await;
    assert_eq!(seen.matches("event: alerts").count(), 1, "{seen}");
}

#[tokio::test]
async fn the_live_panels_are_the_pages_parts_for_the_signed_in_reader() {
    let app = spawn_app().await;
    five_sightings(&app).await;
    let (aarhus, _) = app
        .signed_in("751", "it@aarhus.dk", PlatformRole::Member, false)
        .await;

    let res = app.get(&aarhus, "/live/alerts?severity=high").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(!html.contains("<html"), "a part, not a page");
    assert!(html.contains("198.51.100.1"));
    assert!(!html.contains("abc123def"), "the filter applies");
    assert!(html.contains("1 varsler passer til filteret."), "{html}");

    let res = app.get(&aarhus, "/live/alerts?sort=random").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let html = app
        .get(&aarhus, "/live/dashboard")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Din organisations varsler"), "{html}");
    assert!(html.contains("role=\"img\""), "the chart");
    assert!(!html.contains("<html"));

    for path in ["/live/dashboard", "/live/alerts"] {
        let res = app.get(&browser(), path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path} signed out");
    }
}
