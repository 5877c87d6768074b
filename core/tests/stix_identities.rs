//! Linking STIX identities (issue 7, part 3): identities that matched no organisation are
//! listed for admins with suggestions by name; linking one routes the items that waited
//! for it (alerts, targets, dependents), audited; and the alerts an organisation's people
//! see (`stix::alerts`). Objects go in through `stix::ingest` into a real (temporary)
//! database.

use serde_json::{Value, json};
use vaern_core::CoreError;
use vaern_core::audit::AuditLog;
use vaern_core::db::Db;
use vaern_core::ids::{OrgId, UserId};
use vaern_core::orgs::{self, OrgEdit};
use vaern_core::policy::{Admin, OrgKind, PlatformRole, Tlp, Viewer, require_admin};
use vaern_core::stix::ingest::{self, Poster};
use vaern_core::stix::markings::tlp2_id;
use vaern_core::stix::{alerts, browse, identities};
use vaern_core::tokens::{self, Manager, NewToken};

const CENTRE: &str = "identity--3f0b9a7c-1d2e-4c5b-8a6f-0e1d2c3b4a59";
/// "Aarhus Kommune" without a kommunekode: matches no organisation on its own.
const NAMED_ONLY: &str = "identity--5b3c1d2e-0000-4000-8000-000000000751";
/// Named as a target, never received.
const NEVER_RECEIVED: &str = "identity--5b3c1d2e-0000-4000-8000-000000000461";
const INDICATOR: &str = "indicator--00000000-0000-4000-8000-000000000001";
const SIGHTING: &str = "sighting--00000000-0000-4000-8000-000000000002";

struct World {
    db: Db,
    dir: tempfile::TempDir,
    audit: AuditLog,
    poster: Poster,
    aarhus: OrgId,
    odense: OrgId,
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
    let audit = AuditLog::new(db.clone(), dir.path());
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
        db,
        audit,
        dir,
    }
}

impl World {
    async fn send(&self, objects: Vec<Value>) {
        if let Err(err) = ingest::ingest(&self.db, &self.poster, objects).await {
            panic!("ingest refused: {err:?}");
        }
    }

    fn member(&self, org: OrgId) -> Viewer {
        Viewer::user(UserId(1), org, PlatformRole::Member, false, vec![])
    }

    fn admin(&self) -> Admin {
        let viewer = Viewer::user(UserId(2), self.aarhus, PlatformRole::Admin, false, vec![]);
        require_admin(&viewer).unwrap()
    }

    async fn alerts(&self, org: OrgId) -> Vec<String> {
        let filter = alerts::AlertFilter::default();
        alerts::list(
            &self.db,
            &self.member(org),
            &filter,
            alerts::AlertSort::Newest,
            1,
        )
        .await
        .unwrap()
        .alerts
        .into_iter()
        .map(|a| a.sighting_ref)
        .collect()
    }

    async fn visible(&self, org: OrgId) -> Vec<String> {
        browse::visible_ids(&self.db, &self.member(org))
            .await
            .unwrap()
    }

    async fn unmatched(&self) -> Vec<identities::Unmatched> {
        identities::unmatched(&self.db, &self.admin())
            .await
            .unwrap()
    }

    /// The organisations the newest version of `stix_id` is routed to.
    async fn targets(&self, stix_id: &str) -> Vec<OrgId> {
        sqlx::query_scalar(
            "select t.org_id from stix_object_targets t join stix_objects o on o.id = t.item_id \
             where o.stix_id = $1 and o.is_latest order by t.org_id",
        )
        .bind(stix_id)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }

    async fn has_unlinked_targets(&self, stix_id: &str) -> bool {
        sqlx::query_scalar(
            "select has_unlinked_targets from stix_objects where stix_id = $1 and is_latest",
        )
        .bind(stix_id)
        .fetch_one(&self.db)
        .await
        .unwrap()
    }
}

fn identity_without_kommunekode(id: &str, name: &str) -> Value {
    json!({
        "type": "identity", "spec_version": "2.1", "id": id,
        "created": "2026-11-01T10:00:00Z", "modified": "2026-11-01T10:00:00Z",
        "name": name, "identity_class": "organization",
        "object_marking_refs": [tlp2_id(Tlp::Green)]
    })
}

fn indicator() -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
        "created": "2026-11-01T10:00:00Z", "modified": "2026-11-01T10:00:00Z",
        "created_by_ref": CENTRE, "name": "C2-server",
        "pattern": "[ipv4-addr:value = '198.51.100.23']", "pattern_type": "stix",
        "valid_from": "2026-11-01T10:00:00Z",
        "object_marking_refs": [tlp2_id(Tlp::Amber)]
    })
}

fn sighting(id: &str, at: &str) -> Value {
    json!({
        "type": "sighting", "spec_version": "2.1", "id": id,
        "created": "2026-11-01T11:00:00Z", "modified": "2026-11-01T11:00:00Z",
        "created_by_ref": CENTRE, "sighting_of_ref": INDICATOR, "where_sighted_refs": [at],
        "object_marking_refs": [tlp2_id(Tlp::Amber)]
    })
}

/// The AMBER sighting at "Aarhus Kommune" (no kommunekode) of an AMBER indicator.
async fn sighted_at_unmatched_identity(w: &World) {
    w.send(vec![
        identity_without_kommunekode(NAMED_ONLY, "Aarhus Kommune"),
        indicator(),
        sighting(SIGHTING, NAMED_ONLY),
    ])
    .await;
}

#[tokio::test]
async fn an_identity_that_matches_no_organisation_waits_and_is_listed_with_a_suggestion() {
    let w = world().await;
    sighted_at_unmatched_identity(&w).await;

    assert!(
        w.alerts(w.aarhus).await.is_empty(),
        "no alert before linking"
    );
    assert!(!w.visible(w.aarhus).await.contains(&SIGHTING.to_string()));
    assert!(w.has_unlinked_targets(SIGHTING).await);

    let listed = w.unmatched().await;
    let entry = listed
        .iter()
        .find(|u| u.stix_id == NAMED_ONLY)
        .expect("the identity is listed");
    assert_eq!(entry.name.as_deref(), Some("Aarhus Kommune"));
    assert_eq!(entry.kommunekode, None);
    assert_eq!(entry.waiting, 1, "the sighting waits for it");
    assert_eq!(
        entry.suggestions.first().map(|s| s.code.as_str()),
        Some("751"),
        "Aarhus is suggested first: {:?}",
        entry.suggestions
    );
    assert!(entry.suggestions.len() <= 3);
    assert!(
        !listed.iter().any(|u| u.stix_id == CENTRE),
        "an identity nothing targets and never received is not listed"
    );
}

#[tokio::test]
async fn linking_an_identity_routes_the_pending_alert_to_the_organisation() {
    let w = world().await;
    sighted_at_unmatched_identity(&w).await;

    let linked = identities::link(
        &w.db,
        &w.audit,
        &w.admin(),
        NAMED_ONLY,
        w.aarhus,
        "127.0.0.1",
    )
    .await
    .unwrap();
    assert_eq!(linked.alerts, 1);

    assert_eq!(w.alerts(w.aarhus).await, vec![SIGHTING.to_string()]);
    assert!(w.alerts(w.odense).await.is_empty());
    assert_eq!(w.targets(SIGHTING).await, vec![w.aarhus]);
    assert!(!w.has_unlinked_targets(SIGHTING).await);
    assert_eq!(
        w.targets(INDICATOR).await,
        vec![w.aarhus],
        "the observed indicator takes the sighting's target"
    );
    let seen = w.visible(w.aarhus).await;
    assert!(seen.contains(&SIGHTING.to_string()) && seen.contains(&INDICATOR.to_string()));
    assert!(!w.visible(w.odense).await.contains(&SIGHTING.to_string()));

    // The organisation now carries the identity: a later version still routes to it.
    let carried: Option<String> =
        sqlx::query_scalar("select stix_identity_id from organisations where id = $1")
            .bind(w.aarhus)
            .fetch_one(&w.db)
            .await
            .unwrap();
    assert_eq!(carried.as_deref(), Some(NAMED_ONLY));

    w.audit.chain().await.unwrap();
    let (detail, subject): (String, Option<i64>) = sqlx::query_as(
        "select detail, subject_id from audit_log where action = 'stix_identity_link'",
    )
    .fetch_one(&w.db)
    .await
    .unwrap();
    assert_eq!(detail, format!("identity={NAMED_ONLY} org=751 alerts=1"));
    assert_eq!(subject, Some(w.aarhus.0));
    assert!(
        !w.unmatched().await.iter().any(|u| u.stix_id == NAMED_ONLY),
        "a linked identity is no longer listed"
    );
    let _ = &w.dir;
}

#[tokio::test]
async fn an_identity_already_linked_is_refused() {
    let w = world().await;
    sighted_at_unmatched_identity(&w).await;
    identities::link(&w.db, &w.audit, &w.admin(), NAMED_ONLY, w.aarhus, "")
        .await
        .unwrap();

    for org in [w.aarhus, w.odense] {
        let again = identities::link(&w.db, &w.audit, &w.admin(), NAMED_ONLY, org, "").await;
        assert!(
            matches!(
                again,
                Err(CoreError::Invalid {
                    field: "identity",
                    reason: "already_linked"
                })
            ),
            "{again:?}"
        );
    }
    assert!(w.alerts(w.odense).await.is_empty());
    w.audit.chain().await.unwrap();
    let links: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'stix_identity_link'")
            .fetch_one(&w.db)
            .await
            .unwrap();
    assert_eq!(links, 1, "a refused link is not recorded as one");
}

#[tokio::test]
async fn malformed_and_unknown_identities_and_organisations_are_refused() {
    let w = world().await;
    sighted_at_unmatched_identity(&w).await;
    let admin = w.admin();
    let refused = |result: Result<identities::Linked, CoreError>| match result {
        Err(CoreError::Invalid { field, reason }) => (field, reason),
        other => panic!("not refused: {other:?}"),
    };
    assert_eq!(
        refused(identities::link(&w.db, &w.audit, &admin, "sighting--x", w.aarhus, "").await),
        ("identity", "malformed")
    );
    assert_eq!(
        refused(
            identities::link(
                &w.db,
                &w.audit,
                &admin,
                "identity--00000000-0000-4000-8000-00000000dead",
                w.aarhus,
                ""
            )
            .await
        ),
        ("identity", "unknown")
    );
    assert_eq!(
        refused(identities::link(&w.db, &w.audit, &admin, NAMED_ONLY, OrgId(999_999), "").await),
        ("org", "unknown")
    );
    assert!(w.alerts(w.aarhus).await.is_empty());
}

#[tokio::test]
async fn a_member_cannot_link_an_identity() {
    // `link` and `unmatched` take an `Admin`, which only the admin guard gives.
    let w = world().await;
    for role in [
        PlatformRole::Member,
        PlatformRole::Analyst,
        PlatformRole::Coordinator,
    ] {
        let viewer = Viewer::user(UserId(3), w.aarhus, role, true, vec![]);
        assert!(matches!(require_admin(&viewer), Err(CoreError::Forbidden)));
    }
    assert!(matches!(
        require_admin(&Viewer::api_token(w.aarhus)),
        Err(CoreError::Forbidden)
    ));
}

#[tokio::test]
async fn an_identity_only_named_as_a_target_is_listed_and_can_be_linked() {
    let w = world().await;
    w.send(vec![indicator(), sighting(SIGHTING, NEVER_RECEIVED)])
        .await;

    let listed = w.unmatched().await;
    let entry = listed
        .iter()
        .find(|u| u.stix_id == NEVER_RECEIVED)
        .expect("the named identity is listed");
    assert_eq!(entry.name, None);
    assert_eq!(entry.waiting, 1);
    assert!(entry.suggestions.is_empty(), "no name, no suggestion");

    let linked = identities::link(&w.db, &w.audit, &w.admin(), NEVER_RECEIVED, w.odense, "")
        .await
        .unwrap();
    assert_eq!(linked.alerts, 1);
    assert_eq!(w.alerts(w.odense).await, vec![SIGHTING.to_string()]);
    assert!(w.alerts(w.aarhus).await.is_empty());
    let linked_to: Option<OrgId> =
        sqlx::query_scalar("select org_id from stix_identities where stix_id = $1")
            .bind(NEVER_RECEIVED)
            .fetch_one(&w.db)
            .await
            .unwrap();
    assert_eq!(linked_to, Some(w.odense));
}

#[tokio::test]
async fn an_organisation_known_under_a_second_identity_keeps_its_first() {
    let w = world().await;
    sighted_at_unmatched_identity(&w).await;
    w.send(vec![sighting(
        "sighting--00000000-0000-4000-8000-000000000003",
        NEVER_RECEIVED,
    )])
    .await;
    identities::link(&w.db, &w.audit, &w.admin(), NAMED_ONLY, w.aarhus, "")
        .await
        .unwrap();
    let linked = identities::link(&w.db, &w.audit, &w.admin(), NEVER_RECEIVED, w.aarhus, "")
        .await
        .unwrap();
    assert_eq!(linked.alerts, 1);
    assert_eq!(w.alerts(w.aarhus).await.len(), 2);
    let carried: Option<String> =
        sqlx::query_scalar("select stix_identity_id from organisations where id = $1")
            .bind(w.aarhus)
            .fetch_one(&w.db)
            .await
            .unwrap();
    assert_eq!(carried.as_deref(), Some(NAMED_ONLY));

    // The centre sends the second identity again, unmatched as ever: the link stays.
    let mut again = identity_without_kommunekode(NEVER_RECEIVED, "Aarhus Kommune (SOC)");
    again["modified"] = serde_json::json!("2026-11-20T10:00:00.000Z");
    w.send(vec![again]).await;
    let linked_to: Option<OrgId> =
        sqlx::query_scalar("select org_id from stix_identities where stix_id = $1")
            .bind(NEVER_RECEIVED)
            .fetch_one(&w.db)
            .await
            .unwrap();
    assert_eq!(linked_to, Some(w.aarhus));
    assert!(
        !w.unmatched()
            .await
            .iter()
            .any(|u| u.stix_id == NEVER_RECEIVED)
    );
}

#[tokio::test]
async fn setting_the_identity_on_the_organisation_page_routes_waiting_alerts_too() {
    let w = world().await;
    sighted_at_unmatched_identity(&w).await;
    orgs::edit(
        &w.db,
        &w.audit,
        &w.admin(),
        w.aarhus,
        OrgEdit {
            name: "Aarhus Kommune".into(),
            kind: OrgKind::Municipality,
            stix_identity_id: Some(NAMED_ONLY.into()),
        },
        "",
    )
    .await
    .unwrap();
    assert_eq!(w.alerts(w.aarhus).await, vec![SIGHTING.to_string()]);
    assert!(!w.has_unlinked_targets(SIGHTING).await);
    assert!(!w.unmatched().await.iter().any(|u| u.stix_id == NAMED_ONLY));
}

#[tokio::test]
async fn an_alert_whose_sighting_the_viewer_may_not_see_is_not_listed() {
    let w = world().await;
    // A RED sighting at Aarhus: routed (an alert row exists), but only named recipients
    // may see it, so the organisation's list leaves it out.
    let aarhus_identity = "identity--5b3c1d2e-0000-4000-8000-00000000a751";
    let mut red = sighting(SIGHTING, aarhus_identity);
    red["object_marking_refs"] = json!([tlp2_id(Tlp::Red)]);
    w.send(vec![
        json!({
            "type": "identity", "spec_version": "2.1", "id": aarhus_identity,
            "created": "2026-11-01T10:00:00Z", "modified": "2026-11-01T10:00:00Z",
            "name": "Aarhus Kommune", "identity_class": "organization",
            "external_references": [{"source_name": "kommunekode", "external_id": "751"}]
        }),
        indicator(),
        red,
    ])
    .await;
    let rows: i64 = sqlx::query_scalar("select count(*) from alerts where org_id = $1")
        .bind(w.aarhus)
        .fetch_one(&w.db)
        .await
        .unwrap();
    assert_eq!(rows, 1, "the alert exists");
    assert!(w.alerts(w.aarhus).await.is_empty());
}
