//! Routing of received STIX objects through the one policy (issue 6): each TLP ×
//! targeted / not targeted organisation × analyst × coordinator × token, dependent
//! objects seen through the items they hang on, untargeted and unlinked items, and
//! references resolved when their object arrives later. Objects go in through
//! `stix::ingest` into a real (temporary) database, and come out through
//! `stix::browse::visible`, which applies `policy::push_stix_visible`.

use serde_json::{Value, json};
use vaern_core::db::Db;
use vaern_core::ids::{OrgId, UserId};
use vaern_core::policy::{PlatformRole, Tlp, Viewer};
use vaern_core::stix::browse;
use vaern_core::stix::ingest::{self, IngestError, Poster};
use vaern_core::stix::markings::tlp2_id;
use vaern_core::tokens::{self, Manager, NewToken};

const CENTRE: &str = "identity--3f0b9a7c-1d2e-4c5b-8a6f-0e1d2c3b4a59";
const AARHUS_IDENTITY: &str = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0751";
const STRANGER_IDENTITY: &str = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0999";

struct World {
    db: Db,
    _dir: tempfile::TempDir,
    poster: Poster,
    aarhus: OrgId,
    odense: OrgId,
    region: OrgId,
    soc: OrgId,
}

async fn org(db: &Db, code: &str) -> OrgId {
    sqlx::query_scalar("select id from organisations where code = $1")
        .bind(code)
        .fetch_one(db)
        .await
        .unwrap()
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = vaern_core::db::open(dir.path()).await.unwrap();
    let audit = vaern_core::audit::AuditLog::new(db.clone(), dir.path());
    let created = tokens::create(
        &db,
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
    .unwrap();
    World {
        poster: Poster {
            token: created.id,
            org: created.org.id,
        },
        aarhus: org(&db, "751").await,
        odense: org(&db, "461").await,
        region: org(&db, "1082").await,
        soc: org(&db, "soc").await,
        db,
        _dir: dir,
    }
}

impl World {
    async fn send(&self, objects: Vec<Value>) {
        if let Err(err) = ingest::ingest(&self.db, &self.poster, objects).await {
            panic!("ingest refused: {err:?}");
        }
    }

    async fn visible(&self, viewer: &Viewer) -> Vec<String> {
        let mut ids = browse::visible_ids(&self.db, viewer).await.unwrap();
        ids.sort();
        ids
    }

    fn person(&self, role: PlatformRole, org: OrgId) -> Viewer {
        Viewer::user(UserId(1), org, role, false, vec![])
    }
}

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn marked(mut object: Value, tlp: Option<Tlp>) -> Value {
    if let Some(tlp) = tlp {
        object["object_marking_refs"] = json!([tlp2_id(tlp)]);
    }
    object
}

fn identity(id: &str, name: &str, kommunekode: &str) -> Value {
    json!({
        "type": "identity", "spec_version": "2.1", "id": id,
        "created": "2026-11-01T10:00:00Z", "modified": "2026-11-01T10:00:00Z",
        "name": name, "identity_class": "organization",
        "external_references": [{"source_name": "kommunekode", "external_id": kommunekode}],
        "object_marking_refs": [tlp2_id(Tlp::Green)]
    })
}

fn indicator(n: u32, tlp: Option<Tlp>) -> Value {
    marked(
        json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--{}", uuid(n)),
            "created": "2026-11-01T10:00:00Z", "modified": "2026-11-01T10:00:00Z",
            "created_by_ref": CENTRE, "name": "C2-server",
            "pattern": "[ipv4-addr:value = '198.51.100.23']", "pattern_type": "stix",
            "valid_from": "2026-11-01T10:00:00Z"
        }),
        tlp,
    )
}

fn sighting(n: u32, of: &str, at: &[&str], tlp: Option<Tlp>) -> Value {
    marked(
        json!({
            "type": "sighting", "spec_version": "2.1",
            "id": format!("sighting--{}", uuid(n)),
            "created": "2026-11-01T11:00:00Z", "modified": "2026-11-01T11:00:00Z",
            "created_by_ref": CENTRE, "sighting_of_ref": of, "where_sighted_refs": at
        }),
        tlp,
    )
}

fn report(n: u32, refs: &[&str], tlp: Option<Tlp>) -> Value {
    marked(
        json!({
            "type": "report", "spec_version": "2.1",
            "id": format!("report--{}", uuid(n)),
            "created": "2026-11-01T12:00:00Z", "modified": "2026-11-01T12:00:00Z",
            "created_by_ref": CENTRE, "name": "Varsel", "published": "2026-11-01T12:00:00Z",
            "object_refs": refs
        }),
        tlp,
    )
}

#[tokio::test]
async fn each_tlp_reaches_exactly_the_viewers_design_names() {
    let w = world().await;
    let labels = [
        None,
        Some(Tlp::Clear),
        Some(Tlp::Green),
        Some(Tlp::Amber),
        Some(Tlp::AmberStrict),
        Some(Tlp::Red),
    ];
    let mut objects = vec![identity(AARHUS_IDENTITY, "Aarhus Kommune", "751")];
    for (n, tlp) in labels.iter().enumerate() {
        let n = n as u32;
        // The observed indicator carries the sighting's label, so that only the
        // sighting's routing is under test here.
        let of = format!("indicator--{}", uuid(100 + n));
        objects.push(indicator(100 + n, *tlp));
        objects.push(sighting(n, &of, &[AARHUS_IDENTITY], *tlp));
    }
    w.send(objects).await;

    let sightings = |viewer: Viewer| {
        let w = &w;
        async move {
            w.visible(&viewer)
                .await
                .into_iter()
                .filter(|id| id.starts_with("sighting--"))
                .map(|id| {
                    let n = u32::from_str_radix(&id[id.len() - 12..], 16).unwrap();
                    labels[n as usize]
                })
                .collect::<Vec<_>>()
        }
    };
    let open = vec![Some(Tlp::Clear), Some(Tlp::Green)];
    let targeted = vec![
        Some(Tlp::Clear),
        Some(Tlp::Green),
        Some(Tlp::Amber),
        Some(Tlp::AmberStrict),
    ];
    let mut analyst = vec![None];
    analyst.extend(targeted.iter().copied());
    analyst.push(Some(Tlp::Red));

    let cases: Vec<(&str, Viewer, Vec<Option<Tlp>>)> = vec![
        (
            "member of the targeted municipality",
            w.person(PlatformRole::Member, w.aarhus),
            targeted.clone(),
        ),
        (
            "member elsewhere",
            w.person(PlatformRole::Member, w.odense),
            open.clone(),
        ),
        (
            "coordinator of the targeted municipality",
            w.person(PlatformRole::Coordinator, w.aarhus),
            targeted.clone(),
        ),
        (
            "coordinator elsewhere",
            w.person(PlatformRole::Coordinator, w.odense),
            open.clone(),
        ),
        (
            "admin elsewhere",
            w.person(PlatformRole::Admin, w.region),
            open.clone(),
        ),
        (
            "token of the targeted municipality",
            Viewer::api_token(w.aarhus),
            targeted.clone(),
        ),
        ("token elsewhere", Viewer::api_token(w.odense), open.clone()),
        (
            "token of the centre",
            Viewer::api_token(w.soc),
            open.clone(),
        ),
        (
            "analyst of the publishing centre",
            w.person(PlatformRole::Analyst, w.soc),
            analyst,
        ),
        (
            "analyst of another organisation",
            w.person(PlatformRole::Analyst, w.region),
            {
                let mut v = vec![None];
                v.extend(targeted.iter().copied());
                v
            },
        ),
    ];
    for (who, viewer, expected) in cases {
        let mut seen = sightings(viewer).await;
        seen.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(seen, expected, "{who}");
    }
}

#[tokio::test]
async fn a_sighting_becomes_an_alert_for_each_linked_organisation_sighted_at() {
    let w = world().await;
    w.send(vec![
        identity(AARHUS_IDENTITY, "Aarhus Kommune", "751"),
        identity(
            "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0461",
            "Odense Kommune",
            "461",
        ),
        indicator(1, Some(Tlp::Amber)),
        sighting(
            2,
            &format!("indicator--{}", uuid(1)),
            &[
                AARHUS_IDENTITY,
                "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0461",
            ],
            Some(Tlp::Amber),
        ),
    ])
    .await;
    let alerts: Vec<OrgId> = sqlx::query_scalar("select org_id from alerts order by org_id")
        .fetch_all(&w.db)
        .await
        .unwrap();
    let mut expected = vec![w.aarhus, w.odense];
    expected.sort();
    assert_eq!(alerts, expected);
}

#[tokio::test]
async fn a_dependent_object_is_seen_only_through_an_item_its_viewer_may_see() {
    let w = world().await;
    // A GREEN indicator observed at Aarhus under AMBER: only Aarhus and analysts learn
    // of it; a GREEN indicator no item refers to is open to all.
    w.send(vec![
        identity(AARHUS_IDENTITY, "Aarhus Kommune", "751"),
        indicator(1, Some(Tlp::Green)),
        sighting(
            2,
            &format!("indicator--{}", uuid(1)),
            &[AARHUS_IDENTITY],
            Some(Tlp::Amber),
        ),
        indicator(3, Some(Tlp::Green)),
    ])
    .await;
    let hung = format!("indicator--{}", uuid(1));
    let loose = format!("indicator--{}", uuid(3));
    let aarhus = w.visible(&w.person(PlatformRole::Member, w.aarhus)).await;
    assert!(aarhus.contains(&hung) && aarhus.contains(&loose));
    let odense = w.visible(&w.person(PlatformRole::Member, w.odense)).await;
    assert!(!odense.contains(&hung), "{odense:?}");
    assert!(odense.contains(&loose));
    // An AMBER indicator hanging on a GREEN sighting at Aarhus: its own label still
    // limits it to Aarhus (a reference never lowers a marking).
    w.send(vec![
        indicator(4, Some(Tlp::Amber)),
        sighting(
            5,
            &format!("indicator--{}", uuid(4)),
            &[AARHUS_IDENTITY],
            Some(Tlp::Green),
        ),
    ])
    .await;
    let strict = format!("indicator--{}", uuid(4));
    let sighting_5 = format!("sighting--{}", uuid(5));
    let odense = w.visible(&w.person(PlatformRole::Member, w.odense)).await;
    assert!(odense.contains(&sighting_5) && !odense.contains(&strict));
    assert!(
        w.visible(&Viewer::api_token(w.aarhus))
            .await
            .contains(&strict)
    );
}

#[tokio::test]
async fn untargeted_amber_reaches_every_municipality_and_nothing_else() {
    let w = world().await;
    w.send(vec![
        indicator(1, Some(Tlp::Amber)),
        report(2, &[&format!("indicator--{}", uuid(1))], Some(Tlp::Amber)),
        report(
            3,
            &[&format!("indicator--{}", uuid(1))],
            Some(Tlp::AmberStrict),
        ),
    ])
    .await;
    let amber = format!("report--{}", uuid(2));
    let strict = format!("report--{}", uuid(3));
    let odense = w.visible(&w.person(PlatformRole::Member, w.odense)).await;
    assert!(odense.contains(&amber) && !odense.contains(&strict));
    let region = w.visible(&w.person(PlatformRole::Member, w.region)).await;
    assert!(!region.contains(&amber));
    let analyst = w.visible(&w.person(PlatformRole::Analyst, w.soc)).await;
    assert!(analyst.contains(&amber) && analyst.contains(&strict));
}

#[tokio::test]
async fn a_target_identity_that_arrives_later_routes_the_sighting_then() {
    let w = world().await;
    let of = format!("indicator--{}", uuid(1));
    w.send(vec![
        indicator(1, Some(Tlp::Amber)),
        sighting(2, &of, &[AARHUS_IDENTITY], Some(Tlp::Amber)),
    ])
    .await;
    let seen = format!("sighting--{}", uuid(2));
    // Unlinked: analysts only, and no alert yet.
    assert!(
        !w.visible(&w.person(PlatformRole::Member, w.aarhus))
            .await
            .contains(&seen)
    );
    assert!(
        w.visible(&w.person(PlatformRole::Analyst, w.soc))
            .await
            .contains(&seen)
    );
    let unresolved: i64 = sqlx::query_scalar(
        "select count(*) from stix_refs r where r.ref = $1 \
         and not exists (select 1 from stix_objects o where o.stix_id = r.ref)",
    )
    .bind(AARHUS_IDENTITY)
    .fetch_one(&w.db)
    .await
    .unwrap();
    assert_eq!(unresolved, 1);
    let alerts: i64 = sqlx::query_scalar("select count(*) from alerts")
        .fetch_one(&w.db)
        .await
        .unwrap();
    assert_eq!(alerts, 0);

    w.send(vec![identity(AARHUS_IDENTITY, "Aarhus Kommune", "751")])
        .await;
    assert!(
        w.visible(&w.person(PlatformRole::Member, w.aarhus))
            .await
            .contains(&seen)
    );
    assert!(
        !w.visible(&w.person(PlatformRole::Member, w.odense))
            .await
            .contains(&seen)
    );
    let alerts: i64 = sqlx::query_scalar("select count(*) from alerts")
        .fetch_one(&w.db)
        .await
        .unwrap();
    assert_eq!(alerts, 1);
}

#[tokio::test]
async fn an_identity_is_never_matched_by_name_alone() {
    let w = world().await;
    let nameless = json!({
        "type": "identity", "spec_version": "2.1", "id": STRANGER_IDENTITY,
        "created": "2026-11-01T10:00:00Z", "modified": "2026-11-01T10:00:00Z",
        "name": "Aarhus Kommune", "identity_class": "organization"
    });
    w.send(vec![
        nameless,
        indicator(1, Some(Tlp::Green)),
        sighting(
            2,
            &format!("indicator--{}", uuid(1)),
            &[STRANGER_IDENTITY],
            Some(Tlp::Green),
        ),
    ])
    .await;
    let linked: Option<i64> =
        sqlx::query_scalar("select org_id from stix_identities where stix_id = $1")
            .bind(STRANGER_IDENTITY)
            .fetch_one(&w.db)
            .await
            .unwrap();
    assert_eq!(linked, None);
    let seen = format!("sighting--{}", uuid(2));
    assert!(
        !w.visible(&w.person(PlatformRole::Member, w.aarhus))
            .await
            .contains(&seen)
    );
}

#[tokio::test]
async fn nothing_of_a_refused_request_is_stored() {
    let w = world().await;
    let mut broken = indicator(2, Some(Tlp::Green));
    broken["valid_from"] = json!("soon");
    let refused = ingest::ingest(
        &w.db,
        &w.poster,
        vec![indicator(1, Some(Tlp::Green)), broken],
    )
    .await;
    assert!(matches!(refused, Err(IngestError::Invalid(ref p)) if p.len() == 1 && p[0].index == 1));
    for table in [
        "stix_objects",
        "stix_ingests",
        "stix_refs",
        "intel_events",
        "search_outbox",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&w.db)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

#[tokio::test]
async fn the_simulators_bundles_are_accepted_whole_and_routed_to_municipalities() {
    let w = world().await;
    let municipalities = vaern_core::orgs::municipality_codes_and_names().unwrap();
    let mut generator = vaern_core::stix::simulate::Generator::new(7, municipalities);
    let now = time::OffsetDateTime::now_utc();
    for _ in 0..20 {
        let mut bundle = generator.bundle(100, now);
        let Value::Array(objects) = bundle["objects"].take() else {
            panic!("no objects");
        };
        w.send(objects).await;
    }
    let routed: i64 = sqlx::query_scalar(
        "select count(distinct t.org_id) from stix_object_targets t \
         join organisations o on o.id = t.org_id where o.kind = 'municipality'",
    )
    .fetch_one(&w.db)
    .await
    .unwrap();
    assert!(routed > 10, "routed to {routed} municipalities");
    let alerts: i64 = sqlx::query_scalar("select count(*) from alerts")
        .fetch_one(&w.db)
        .await
        .unwrap();
    assert!(alerts > 0);
}

#[tokio::test]
async fn the_demo_month_of_intel_goes_in_through_ingestion() {
    let w = world().await;
    let audit = vaern_core::audit::AuditLog::new(w.db.clone(), w._dir.path());
    let secret = vaern_core::demo::fill_intel(&w.db, &audit).await.unwrap();
    assert!(!secret.is_empty());
    let days: i64 = sqlx::query_scalar("select count(*) from stix_ingests")
        .fetch_one(&w.db)
        .await
        .unwrap();
    assert_eq!(days, 90);
}

/// One stored row as the Rust predicate needs it.
struct Row {
    id: i64,
    stix_id: String,
    class: vaern_core::policy::StixClass,
    tlp: Option<Tlp>,
    publisher: OrgId,
    unlinked: bool,
    targets: Vec<OrgId>,
    recipients: Vec<UserId>,
}

impl Row {
    fn item(&self) -> vaern_core::policy::IntelItem<'_> {
        vaern_core::policy::IntelItem {
            tlp: self.tlp,
            publisher_org_id: self.publisher,
            targets: &self.targets,
            has_unlinked_targets: self.unlinked,
            recipient_users: &self.recipients,
        }
    }
}

#[tokio::test]
async fn the_rust_predicate_and_the_sql_condition_agree_on_every_received_object() {
    use vaern_core::policy::{IdentityOf, OrgKind, can_see_stix_object};
    let w = world().await;
    // The centre's identity is shared with every reader (DESIGN §2).
    sqlx::query("update organisations set stix_identity_id = $1 where code = 'soc'")
        .bind(vaern_core::stix::simulate::CENTRE_IDENTITY_ID)
        .execute(&w.db)
        .await
        .unwrap();
    let municipalities = vaern_core::orgs::municipality_codes_and_names().unwrap();
    let mut generator = vaern_core::stix::simulate::Generator::new(11, municipalities);
    let now = time::OffsetDateTime::now_utc();
    for _ in 0..10 {
        let mut bundle = generator.bundle(100, now);
        let Value::Array(objects) = bundle["objects"].take() else {
            panic!("no objects");
        };
        w.send(objects).await;
    }
    // Unlinked targets and RED recipients, which the generator does not make.
    w.send(vec![
        indicator(1, Some(Tlp::Red)),
        sighting(
            2,
            &format!("indicator--{}", uuid(1)),
            &[STRANGER_IDENTITY],
            Some(Tlp::Amber),
        ),
    ])
    .await;
    let recipient: UserId = sqlx::query_scalar(
        "insert into users (org_id, email, name, platform_role, status, created_at, updated_at) \
         values ($1, 'modtager@aarhus.dk', 'Modtager', 'member', 'active', 0, 0) returning id",
    )
    .bind(w.aarhus)
    .fetch_one(&w.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into stix_object_recipients (item_id, user_id) \
         select id, $1 from stix_objects where tlp = 'red' and is_latest limit 3",
    )
    .bind(recipient)
    .execute(&w.db)
    .await
    .unwrap();

    let base: Vec<(i64, String, String, Option<Tlp>, OrgId, bool)> = sqlx::query_as(
        "select id, stix_id, class, tlp, publisher_org_id, has_unlinked_targets \
         from stix_objects where is_latest",
    )
    .fetch_all(&w.db)
    .await
    .unwrap();
    let identities: Vec<(String, OrgId, String)> = sqlx::query_as(
        "select i.stix_id, i.org_id, o.kind from stix_identities i \
         join organisations o on o.id = i.org_id",
    )
    .fetch_all(&w.db)
    .await
    .unwrap();
    let targets: Vec<(i64, OrgId)> =
        sqlx::query_as("select item_id, org_id from stix_object_targets")
            .fetch_all(&w.db)
            .await
            .unwrap();
    let recipients: Vec<(i64, UserId)> =
        sqlx::query_as("select item_id, user_id from stix_object_recipients")
            .fetch_all(&w.db)
            .await
            .unwrap();
    let anchors: Vec<(i64, String)> =
        sqlx::query_as("select item_id, anchor_ref from stix_object_anchors")
            .fetch_all(&w.db)
            .await
            .unwrap();
    let rows: Vec<Row> = base
        .into_iter()
        .map(|(id, stix_id, class, tlp, publisher, unlinked)| Row {
            id,
            stix_id,
            class: vaern_core::policy::StixClass::parse(&class).unwrap(),
            tlp,
            publisher,
            unlinked,
            targets: targets.iter().filter(|t| t.0 == id).map(|t| t.1).collect(),
            recipients: recipients
                .iter()
                .filter(|r| r.0 == id)
                .map(|r| r.1)
                .collect(),
        })
        .collect();
    assert!(rows.iter().any(|r| r.unlinked));
    assert!(identities.iter().any(|i| i.2 == "analysis_centre"));
    assert!(identities.iter().any(|i| i.1 == w.aarhus));
    assert!(rows.iter().any(|r| !r.recipients.is_empty()));
    assert!(!anchors.is_empty());

    let viewers = [
        (
            w.person(PlatformRole::Member, w.aarhus),
            OrgKind::Municipality,
        ),
        (
            Viewer::user(recipient, w.aarhus, PlatformRole::Member, false, vec![]),
            OrgKind::Municipality,
        ),
        (
            w.person(PlatformRole::Coordinator, w.odense),
            OrgKind::Municipality,
        ),
        (w.person(PlatformRole::Member, w.region), OrgKind::Region),
        (
            w.person(PlatformRole::Analyst, w.soc),
            OrgKind::AnalysisCentre,
        ),
        (w.person(PlatformRole::Analyst, w.region), OrgKind::Region),
        (
            w.person(PlatformRole::Admin, w.soc),
            OrgKind::AnalysisCentre,
        ),
        (Viewer::api_token(w.aarhus), OrgKind::Municipality),
        (Viewer::api_token(w.soc), OrgKind::AnalysisCentre),
    ];
    for (viewer, kind) in &viewers {
        let mut expected: Vec<String> = rows
            .iter()
            .filter(|row| {
                let hung_on: Vec<&Row> = anchors
                    .iter()
                    .filter(|a| a.0 == row.id)
                    .filter_map(|a| rows.iter().find(|r| r.stix_id == a.1))
                    .collect();
                let items: Vec<_> = hung_on.iter().map(|r| r.item()).collect();
                let identity = identities
                    .iter()
                    .find(|i| i.0 == row.stix_id)
                    .map(|i| IdentityOf {
                        org: i.1,
                        analysis_centre: i.2 == "analysis_centre",
                    });
                can_see_stix_object(viewer, *kind, row.class, &row.item(), &items, identity)
            })
            .map(|row| row.stix_id.clone())
            .collect();
        expected.sort();
        assert_eq!(w.visible(viewer).await, expected, "{viewer:?}");
    }
}

#[tokio::test]
async fn the_fixture_advisory_bundle_is_routed_as_design_says() {
    let w = world().await;
    let bundle: Value =
        serde_json::from_str(include_str!("fixtures/stix/advisory-bundle.json")).unwrap();
    let Value::Array(objects) = bundle["objects"].clone() else {
        panic!("no objects");
    };
    w.send(objects).await;
    let aarhus = w.visible(&w.person(PlatformRole::Member, w.aarhus)).await;
    let odense = w.visible(&w.person(PlatformRole::Member, w.odense)).await;
    let analyst = w.visible(&w.person(PlatformRole::Analyst, w.soc)).await;
    let incident = "incident--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".to_string();
    let indicator = "indicator--3c9d1b7a-2e4f-4a8b-9c6d-1e0f2a3b4c5d".to_string();
    let report = "report--9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b".to_string();
    let note = "note--4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a".to_string();
    let opinion = "opinion--7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d".to_string();
    // The AMBER+STRICT incident names Aarhus through a relationship.
    assert!(aarhus.contains(&incident) && !odense.contains(&incident));
    // The AMBER indicator takes Aarhus from the sighting it was seen in.
    assert!(aarhus.contains(&indicator) && !odense.contains(&indicator));
    // The GREEN advisory and the note on it are for everyone.
    assert!(odense.contains(&report) && odense.contains(&note));
    // Opinions are not mapped: analysts only.
    assert!(!aarhus.contains(&opinion) && analyst.contains(&opinion));
    assert_eq!(analyst.len(), 11);
}

#[tokio::test]
async fn a_reader_sees_its_own_and_the_centres_identity_but_no_other_organisations() {
    let w = world().await;
    sqlx::query("update organisations set stix_identity_id = $1 where code = 'soc'")
        .bind(CENTRE)
        .execute(&w.db)
        .await
        .unwrap();
    let odense_identity = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0461";
    let mut centre = identity(CENTRE, "Analysecentret", "0");
    centre
        .as_object_mut()
        .unwrap()
        .remove("external_references");
    let mut stranger = identity(STRANGER_IDENTITY, "Ukendt", "0");
    stranger
        .as_object_mut()
        .unwrap()
        .remove("external_references");
    w.send(vec![
        centre,
        stranger,
        identity(odense_identity, "Odense Kommune", "461"),
    ])
    .await;
    w.send(vec![identity(AARHUS_IDENTITY, "Aarhus Kommune", "751")])
        .await;

    let aarhus = w.visible(&Viewer::api_token(w.aarhus)).await;
    assert_eq!(
        aarhus,
        vec![CENTRE.to_string(), AARHUS_IDENTITY.to_string()]
    );
    let odense = w.visible(&w.person(PlatformRole::Member, w.odense)).await;
    assert_eq!(
        odense,
        vec![CENTRE.to_string(), odense_identity.to_string()]
    );
    let analyst = w.visible(&w.person(PlatformRole::Analyst, w.soc)).await;
    assert_eq!(analyst.len(), 4);

    // A RED identity stays with the analysts even for its own organisation.
    let mut red = identity(AARHUS_IDENTITY, "Aarhus Kommune", "751");
    red["modified"] = json!("2026-11-02T10:00:00Z");
    red["object_marking_refs"] = json!([tlp2_id(Tlp::Red)]);
    w.send(vec![red]).await;
    let aarhus = w.visible(&Viewer::api_token(w.aarhus)).await;
    assert_eq!(aarhus, vec![CENTRE.to_string()]);
}

#[tokio::test]
async fn a_common_indicator_type_is_matched_per_alert_and_never_through_a_hidden_indicator() {
    use vaern_core::stix::alerts::{self, AlertFilter, AlertSort, COUNT_CAP};
    let w = world().await;
    // 1,100 AMBER ipv4 indicators, each sighted at Aarhus (enough that the list asks each
    // alert after its indicator instead of building the set), one sighted at Aarhus and
    // Odense; a GREEN sighting at Aarhus of a RED ipv4 indicator nobody was named for; a
    // domain indicator beside them.
    let pattern = |n: u32, kind: &str| {
        json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--{}", uuid(n)),
            "created": "2026-11-01T10:00:00Z", "modified": "2026-11-01T10:00:00Z",
            "created_by_ref": CENTRE, "pattern_type": "stix",
            "pattern": if kind == "ipv4-addr" {
                format!("[ipv4-addr:value = '198.51.{}.{}']", n / 256 % 256, n % 256)
            } else {
                format!("[domain-name:value = 'd{n}.example']")
            },
            "valid_from": "2026-11-01T10:00:00Z"
        })
    };
    let odense_identity = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0461";
    let mut objects = vec![
        identity(AARHUS_IDENTITY, "Aarhus Kommune", "751"),
        identity(odense_identity, "Odense Kommune", "461"),
    ];
    for n in 0..1_100 {
        objects.push(marked(pattern(10_000 + n, "ipv4-addr"), Some(Tlp::Amber)));
        let at: &[&str] = if n == 0 {
            &[AARHUS_IDENTITY, odense_identity]
        } else {
            &[AARHUS_IDENTITY]
        };
        let of = format!("indicator--{}", uuid(10_000 + n));
        objects.push(sighting(20_000 + n, &of, at, Some(Tlp::Amber)));
    }
    objects.push(marked(pattern(30_000, "ipv4-addr"), Some(Tlp::Red)));
    let hidden = format!("indicator--{}", uuid(30_000));
    objects.push(sighting(
        30_001,
        &hidden,
        &[AARHUS_IDENTITY],
        Some(Tlp::Green),
    ));
    objects.push(marked(pattern(30_002, "domain-name"), Some(Tlp::Amber)));
    let domain = format!("indicator--{}", uuid(30_002));
    objects.push(sighting(
        30_003,
        &domain,
        &[AARHUS_IDENTITY],
        Some(Tlp::Amber),
    ));
    for chunk in objects.chunks(1_000) {
        w.send(chunk.to_vec()).await;
    }

    let aarhus = w.person(PlatformRole::Member, w.aarhus);
    let odense = w.person(PlatformRole::Member, w.odense);
    let filter = |kind: &str| AlertFilter {
        indicator_type: Some(kind.into()),
        ..AlertFilter::default()
    };
    let ipv4 = alerts::list(&w.db, &aarhus, &filter("ipv4-addr"), AlertSort::Newest, 1)
        .await
        .unwrap();
    // 1,100 match: counted to the cap, and the export below reads them all.
    assert_eq!((ipv4.total, ipv4.more), (COUNT_CAP, true));
    let mut exported = Vec::new();
    let mut after = None;
    loop {
        let (batch, next) = alerts::next_batch(
            &w.db,
            &aarhus,
            &filter("ipv4-addr"),
            AlertSort::Newest,
            after,
        )
        .await
        .unwrap();
        exported.extend(batch.into_iter().map(|a| a.sighting_ref));
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    // Exactly the 1,100: not the hidden indicator's sighting, nor the domain's.
    assert_eq!(exported.len(), 1_100);
    assert!(!exported.contains(&format!("sighting--{}", uuid(30_001))));
    assert!(!exported.contains(&format!("sighting--{}", uuid(30_003))));
    // Odense's one alert matches for Odense alone.
    let theirs = alerts::list(&w.db, &odense, &filter("ipv4-addr"), AlertSort::Newest, 1)
        .await
        .unwrap();
    assert_eq!(theirs.total, 1);
    assert_eq!(
        theirs.alerts[0].sighting_ref,
        format!("sighting--{}", uuid(20_000))
    );
    // A rare type is matched through the set, with the same rule.
    let domains = alerts::list(&w.db, &aarhus, &filter("domain-name"), AlertSort::Newest, 1)
        .await
        .unwrap();
    assert_eq!(domains.total, 1);
    assert_eq!(
        domains.alerts[0].sighting_ref,
        format!("sighting--{}", uuid(30_003))
    );
}

#[tokio::test]
async fn every_alert_of_a_sighting_follows_its_newest_version_also_where_it_no_longer_points() {
    use vaern_core::stix::alerts::{self, AlertFilter, AlertSort};
    use vaern_core::stix::dashboard;
    let w = world().await;
    let odense_identity = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0461";
    let version = |modified: &str, at: &[&str], tlp: Tlp| {
        let mut s = sighting(2, &format!("indicator--{}", uuid(1)), at, Some(tlp));
        s["modified"] = json!(modified);
        s
    };
    w.send(vec![
        identity(AARHUS_IDENTITY, "Aarhus Kommune", "751"),
        identity(odense_identity, "Odense Kommune", "461"),
        indicator(1, Some(Tlp::Amber)),
        version(
            "2026-11-01T11:00:00Z",
            &[AARHUS_IDENTITY, odense_identity],
            Tlp::Amber,
        ),
    ])
    .await;
    let aarhus = w.person(PlatformRole::Member, w.aarhus);
    let odense = w.person(PlatformRole::Member, w.odense);
    let seen = |viewer: Viewer| {
        let db = w.db.clone();
        async move {
            let page = alerts::list(&db, &viewer, &AlertFilter::default(), AlertSort::Newest, 1)
                .await
                .unwrap();
            let open: u64 = dashboard::for_viewer(&db, &viewer, 1_796_000_000)
                .await
                .unwrap()
                .open_alerts
                .iter()
                .sum();
            assert_eq!(page.total, open, "the list and the dashboard agree");
            page.alerts.into_iter().map(|a| a.tlp).collect::<Vec<_>>()
        }
    };
    assert_eq!(seen(aarhus.clone()).await, vec![Some(Tlp::Amber)]);
    assert_eq!(seen(odense.clone()).await, vec![Some(Tlp::Amber)]);

    // The centre narrows it to Aarhus: Odense keeps its alert, which the new version's
    // label now hides from it.
    w.send(vec![version(
        "2026-11-01T12:00:00Z",
        &[AARHUS_IDENTITY],
        Tlp::AmberStrict,
    )])
    .await;
    assert_eq!(seen(aarhus.clone()).await, vec![Some(Tlp::AmberStrict)]);
    assert_eq!(seen(odense.clone()).await, vec![]);

    // A GREEN version shows Odense its alert again, read from that version.
    w.send(vec![version(
        "2026-11-01T13:00:00Z",
        &[AARHUS_IDENTITY],
        Tlp::Green,
    )])
    .await;
    assert_eq!(seen(aarhus).await, vec![Some(Tlp::Green)]);
    assert_eq!(seen(odense).await, vec![Some(Tlp::Green)]);
    let rows: Vec<(i64, bool)> = sqlx::query_as(
        "select a.sighting_row, o.is_latest from alerts a \
         join stix_objects o on o.id = a.sighting_row order by a.org_id",
    )
    .fetch_all(&w.db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(_, latest)| *latest), "{rows:?}");
}
