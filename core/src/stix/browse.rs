//! What people read of the received STIX objects: the analysts' list (newest first,
//! filtered by kind, TLP, organisation and time) and the one write analysts make here,
//! setting the label of an unmarked object and naming TLP:RED recipients. Every read
//! goes through [`push_stix_visible`], every write through [`can_see_stix_object`]'s
//! SQL twin first: a hidden object is answered like a missing one.

use super::object::{Kind, Severity};
use crate::audit::{self, Actor, AuditLog, Entry, action};
use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, UserId};
use crate::policy::{
    IntelSql, OrgKind, StixSql, Tlp, Viewer, can_label_intel, push_stix_visible, require_analyst,
};
use crate::search::outbox::{self, Item, Operation};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::HashMap;

/// Objects per page of the list.
pub const PER_PAGE: i64 = 50;

/// Where the policy finds received objects; every read of them goes through it.
pub(crate) const OBJECTS: StixSql = StixSql::new(
    IntelSql::new("o", "stix_object_targets", "stix_object_recipients"),
    "stix_objects",
    "stix_object_anchors",
    "stix_identities",
);

/// Which label to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabelFilter {
    /// No TLP marking yet: waiting for an analyst.
    Unmarked,
    Tlp(Tlp),
}

/// The list's filter; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub label: Option<LabelFilter>,
    /// Routed to this organisation.
    pub org: Option<OrgId>,
    /// Received at or after (unix seconds).
    pub from: Option<i64>,
    /// Received before (unix seconds).
    pub to: Option<i64>,
    /// Received before this `date_added` (microseconds): the next page.
    pub before: Option<i64>,
}

/// One object as the list shows it (its newest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub row: i64,
    pub stix_id: String,
    pub stix_type: String,
    pub kind: Kind,
    pub name: String,
    pub severity: Option<Severity>,
    /// `None`: unmarked.
    pub tlp: Option<Tlp>,
    pub date_added_us: i64,
    pub version_us: i64,
    /// How many versions are stored.
    pub versions: i64,
    /// Names of the organisations it was routed to.
    pub targets: Vec<String>,
    /// Named target identities not linked to any organisation yet.
    pub has_unlinked_targets: bool,
    /// References to objects not stored (yet).
    pub unresolved: Vec<String>,
    /// TLP:RED recipients named by an analyst.
    pub recipients: Vec<String>,
    /// The organisation that published it (whose analysts label it).
    pub publisher_org_id: OrgId,
}

/// The kind of the viewer's organisation, which the policy needs for untargeted AMBER.
pub async fn org_kind(db: &Db, org: OrgId) -> CoreResult<OrgKind> {
    let kind: String = sqlx::query_scalar("select kind from organisations where id = $1")
        .bind(org)
        .fetch_one(db)
        .await?;
    OrgKind::parse(&kind).ok_or_else(|| CoreError::Internal(format!("organisation kind {kind:?}")))
}

/// The columns [`listed`] reads, in order.
const LISTED_COLUMNS: &str = "select o.id, o.stix_id, o.type, o.kind, o.name, o.severity, o.tlp, \
     o.date_added_us, o.version_us, \
     (select count(*) from stix_objects v where v.stix_id = o.stix_id), \
     o.has_unlinked_targets, o.publisher_org_id from stix_objects o where ";

type ListedRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<Tlp>,
    i64,
    i64,
    i64,
    bool,
    OrgId,
);

/// The analysts' list: objects `viewer` may see, newest received first, one page.
/// Anyone but a signed-in analyst is `Forbidden` (the dashboard is everyone else's view).
pub async fn list(db: &Db, viewer: &Viewer, filter: &Filter) -> CoreResult<Vec<Listed>> {
    require_analyst(viewer)?;
    let kind = org_kind(db, viewer.org_id).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(LISTED_COLUMNS);
    qb.push("o.is_latest and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    if let Some(k) = filter.kind {
        qb.push(" and o.kind = ").push_bind(k.as_str());
    }
    match filter.label {
        Some(LabelFilter::Unmarked) => {
            qb.push(" and o.tlp is null");
        }
        Some(LabelFilter::Tlp(tlp)) => {
            qb.push(" and o.tlp = ").push_bind(tlp);
        }
        None => {}
    }
    if let Some(org) = filter.org {
        qb.push(
            " and exists (select 1 from stix_object_targets ft where ft.item_id = o.id \
             and ft.org_id = ",
        )
        .push_bind(org)
        .push(")");
    }
    if let Some(from) = filter.from {
        qb.push(" and o.date_added_us >= ")
            .push_bind(from.saturating_mul(1_000_000));
    }
    if let Some(to) = filter.to {
        qb.push(" and o.date_added_us < ")
            .push_bind(to.saturating_mul(1_000_000));
    }
    if let Some(before) = filter.before {
        qb.push(" and o.date_added_us < ").push_bind(before);
    }
    qb.push(" order by o.date_added_us desc limit ")
        .push_bind(PER_PAGE);
    let rows: Vec<ListedRow> = qb.build_query_as().fetch_all(db).await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.0).collect();
    let mut lists = lists_of(db, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let of_row = lists.remove(&row.0).unwrap_or_default();
            listed(row, of_row)
        })
        .collect()
}

/// One stored version (`row`) as the list shows it, if `viewer` (an analyst) may see
/// it; `NotFound` otherwise, exactly as for a row that does not exist.
pub async fn get(db: &Db, viewer: &Viewer, row: i64) -> CoreResult<Listed> {
    require_analyst(viewer)?;
    let kind = org_kind(db, viewer.org_id).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(LISTED_COLUMNS);
    qb.push("o.id = ").push_bind(row).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    let found: Option<ListedRow> = qb.build_query_as().fetch_optional(db).await?;
    let found = found.ok_or(CoreError::NotFound)?;
    let of_row = lists_of(db, &[found.0]).await?.remove(&found.0);
    listed(found, of_row.unwrap_or_default())
}

/// What the list shows of a row besides its own columns.
#[derive(Debug, Default)]
struct Lists {
    targets: Vec<String>,
    unresolved: Vec<String>,
    recipients: Vec<String>,
}

/// The [`Lists`] of `rows`, in one query however many rows: the organisations each was
/// routed to, the references to objects not stored, and the named RED recipients, each
/// sorted as before. `rows` have passed [`push_stix_visible`] already; this reads only
/// their side tables, so it can widen nothing.
async fn lists_of(db: &Db, rows: &[i64]) -> CoreResult<HashMap<i64, Lists>> {
    let mut by_row: HashMap<i64, Lists> = HashMap::new();
    if rows.is_empty() {
        return Ok(by_row);
    }
    // `list`: 0 targets, 1 unresolved, 2 recipients; `sort_key` and `tie` order each list
    // as its own query used to (by name, by reference).
    let branches = [
        "select t.item_id as item_id, 0 as list, org.name as sort_key, org.id as tie, \
         org.name as entry from stix_object_targets t \
         join organisations org on org.id = t.org_id where t.item_id in (",
        "select distinct r.item_id as item_id, 1 as list, r.ref as sort_key, 0 as tie, \
         r.ref as entry from stix_refs r where r.property <> 'marking' \
         and not exists (select 1 from stix_objects s where s.stix_id = r.ref) \
         and r.item_id in (",
        "select r.item_id as item_id, 2 as list, u.name as sort_key, u.id as tie, \
         u.name || ' <' || u.email || '>' as entry from stix_object_recipients r \
         join users u on u.id = r.user_id where r.item_id in (",
    ];
    let mut qb = QueryBuilder::<Sqlite>::new("");
    for (i, branch) in branches.into_iter().enumerate() {
        if i > 0 {
            qb.push(" union all ");
        }
        qb.push(branch);
        let mut list = qb.separated(", ");
        for row in rows {
            list.push_bind(*row);
        }
        qb.push(")");
    }
    qb.push(" order by item_id, list, sort_key, tie");
    let found: Vec<(i64, i64, String, i64, String)> = qb.build_query_as().fetch_all(db).await?;
    for (row, list, _, _, entry) in found {
        let lists = by_row.entry(row).or_default();
        match list {
            0 => lists.targets.push(entry),
            1 => lists.unresolved.push(entry),
            _ => lists.recipients.push(entry),
        }
    }
    Ok(by_row)
}

fn listed(columns: ListedRow, lists: Lists) -> CoreResult<Listed> {
    let (
        row,
        stix_id,
        stix_type,
        kind,
        name,
        severity,
        tlp,
        date_added_us,
        version_us,
        versions,
        unlinked,
        publisher_org_id,
    ) = columns;
    Ok(Listed {
        row,
        kind: Kind::parse(&kind)
            .ok_or_else(|| CoreError::Internal(format!("stored kind {kind:?}")))?,
        severity: severity.as_deref().and_then(Severity::parse),
        targets: lists.targets,
        unresolved: lists.unresolved,
        recipients: lists.recipients,
        stix_id,
        stix_type,
        name,
        tlp,
        date_added_us,
        version_us,
        versions,
        has_unlinked_targets: unlinked,
        publisher_org_id,
    })
}

/// The STIX ids of every object (newest version) `viewer` may see, person or token:
/// the routing of received intel as the policy decides it.
pub async fn visible_ids(db: &Db, viewer: &Viewer) -> CoreResult<Vec<String>> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut qb =
        QueryBuilder::<Sqlite>::new("select o.stix_id from stix_objects o where o.is_latest and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    Ok(qb.build_query_scalar().fetch_all(db).await?)
}

/// The object as received (its newest version's JSON), if `viewer` may see it.
pub async fn content(db: &Db, viewer: &Viewer, row: i64) -> CoreResult<String> {
    require_analyst(viewer)?;
    let kind = org_kind(db, viewer.org_id).await?;
    let mut qb = QueryBuilder::<Sqlite>::new("select o.content from stix_objects o where o.id = ");
    qb.push_bind(row).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    qb.build_query_scalar()
        .fetch_optional(db)
        .await?
        .ok_or(CoreError::NotFound)
}

/// An analyst's label for an object: the TLP, and for RED the named recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelling {
    pub tlp: Tlp,
    /// E-mail addresses of the recipients (RED only; ignored otherwise).
    pub recipients: Vec<String>,
}

/// Sets the label of an unmarked object, or names the recipients of a RED one, as
/// `analyst`, who must see it (else `NotFound`). A label once set can be raised by
/// naming a stricter one, never lowered; a RED label needs at least one recipient,
/// each an active user (`Invalid { field: "recipients" }`).
pub async fn set_label(
    db: &Db,
    audit: &AuditLog,
    analyst: &Viewer,
    row: i64,
    labelling: &Labelling,
    address: &str,
) -> CoreResult<()> {
    require_analyst(analyst)?;
    let kind = org_kind(db, analyst.org_id).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.tlp, o.tlp_set_by is not null, o.publisher_org_id from stix_objects o \
         where o.is_latest and o.id = ",
    );
    qb.push_bind(row).push(" and ");
    push_stix_visible(&mut qb, analyst, kind, &OBJECTS);
    let (current, set_by_analyst, publisher): (Option<Tlp>, bool, OrgId) = qb
        .build_query_as()
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CoreError::NotFound)?;
    if !can_label_intel(analyst, publisher) {
        return Err(CoreError::NotFound);
    }
    // Labels that came with the object are the centre's: analysts only name RED
    // recipients on them. Labels analysts set may be raised.
    match current {
        Some(tlp) if !set_by_analyst && tlp != labelling.tlp => {
            return Err(CoreError::invalid("tlp", "marked_by_publisher"));
        }
        Some(tlp) => {
            tlp.check_change(labelling.tlp)?;
        }
        None => {}
    }
    let mut recipients: Vec<UserId> = Vec::new();
    if labelling.tlp == Tlp::Red {
        for email in &labelling.recipients {
            let email = email.trim().to_lowercase();
            if email.is_empty() {
                continue;
            }
            let user: Option<UserId> = sqlx::query_scalar(
                "select id from users where lower(email) = $1 and status = 'active'",
            )
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
            recipients.push(user.ok_or(CoreError::invalid("recipients", "unknown"))?);
        }
        if recipients.is_empty() {
            return Err(CoreError::invalid("recipients", "required"));
        }
    }
    if current.is_none() || set_by_analyst {
        sqlx::query(
            "update stix_objects set tlp = $1, tlp_set_by = $2, tlp_set_at = $3 where id = $4",
        )
        .bind(labelling.tlp)
        .bind(analyst.user_id)
        .bind(clock::now())
        .bind(row)
        .execute(&mut *tx)
        .await?;
    }
    if current.is_none() {
        // First labelled: the object (and what hangs on it) reaches readers now.
        let mut widened: Vec<i64> = sqlx::query_scalar(
            "select d.id from stix_objects p cross join stix_object_anchors an \
             on an.anchor_ref = p.stix_id cross join stix_objects d \
             on d.id = an.item_id and d.is_latest where p.id = $1",
        )
        .bind(row)
        .fetch_all(&mut *tx)
        .await?;
        widened.push(row);
        // A labelled sighting's alerts reach their organisations now.
        sqlx::query(
            "update alerts set visible_at = $1 where visible_at is null and sighting_ref = \
             (select stix_id from stix_objects where id = $2)",
        )
        .bind(clock::now())
        .bind(row)
        .execute(&mut *tx)
        .await?;
        // `readd` writes their search outbox rows.
        super::ingest::readd(&mut tx, &widened).await?;
    } else {
        // A raised label or new RED recipients: fewer readers from now on.
        outbox::stage(
            &mut tx,
            Item::StixObject(row),
            Operation::Upsert,
            clock::now(),
        )
        .await?;
        super::ingest::record_events(&mut tx, &[row]).await?;
    }
    if labelling.tlp == Tlp::Red {
        sqlx::query("delete from stix_object_recipients where item_id = $1")
            .bind(row)
            .execute(&mut *tx)
            .await?;
        for user in &recipients {
            sqlx::query("insert into stix_object_recipients (item_id, user_id) values ($1, $2)")
                .bind(row)
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
    }
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(analyst), action::STIX_LABEL)
            .address(address)
            .detail(format!(
                "object={row} tlp={} recipients={}",
                labelling.tlp.as_str(),
                recipients.len()
            )),
    )
    .await?;
    tx.commit().await?;
    audit.chain_soon();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::ingest::{self, Poster};
    use super::super::markings::tlp2_id;
    use super::*;
    use crate::db::statements::Counted;
    use crate::ids::UserId;
    use crate::policy::PlatformRole;
    use crate::tokens::{self, Manager, NewToken};
    use serde_json::{Value, json};

    const AARHUS_IDENTITY: &str = "identity--7d1a0e8e-3a52-4a55-9c59-5a7e0d6f0751";

    fn sighting(n: u32, tlp: Option<Tlp>) -> Value {
        let mut sighting = json!({
            "type": "sighting", "spec_version": "2.1",
            "id": format!("sighting--00000000-0000-4000-8000-{n:012x}"),
            "created": "2026-11-01T11:00:00Z", "modified": "2026-11-01T11:00:00Z",
            "sighting_of_ref": format!("indicator--00000000-0000-4000-8000-{n:012x}"),
            "where_sighted_refs": [AARHUS_IDENTITY]
        });
        if let Some(tlp) = tlp {
            sighting["object_marking_refs"] = json!([tlp2_id(tlp)]);
        }
        sighting
    }

    #[tokio::test]
    async fn the_analysts_list_takes_as_many_queries_for_a_full_page_as_for_one_row() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::db::open(dir.path()).await.expect("db");
        let audit = AuditLog::new(db.clone(), dir.path());
        let token = NewToken {
            org: "soc".into(),
            scopes: vec!["stix:write".into()],
            expires: None,
            name: "centre".into(),
        };
        let centre = tokens::create(&db, &audit, Manager::Operator, "test", token)
            .await
            .expect("token");
        let poster = Poster {
            token: centre.id,
            org: centre.org.id,
        };
        let mut objects = vec![json!({
            "type": "identity", "spec_version": "2.1", "id": AARHUS_IDENTITY,
            "created": "2026-11-01T10:00:00Z", "modified": "2026-11-01T10:00:00Z",
            "name": "Aarhus Kommune", "identity_class": "organization",
            "external_references": [{"source_name": "kommunekode", "external_id": "751"}],
            "object_marking_refs": [tlp2_id(Tlp::Green)]
        })];
        // One unmarked sighting, for an analyst to label RED, then more than a page.
        objects.push(sighting(0, None));
        objects.extend((1..=PER_PAGE as u32).map(|n| sighting(n, Some(Tlp::Amber))));
        if let Err(err) = ingest::ingest(&db, &poster, objects).await {
            panic!("ingest refused: {err:?}");
        }
        let analyst_id: UserId = sqlx::query_scalar(
            "insert into users (org_id, email, name, platform_role, status, created_at, \
             updated_at) values ($1, 'ada@soc.dk', 'Ada Analytiker', 'analyst', 'active', 0, 0) \
             returning id",
        )
        .bind(poster.org)
        .fetch_one(&db)
        .await
        .expect("analyst");
        let analyst = Viewer::user(analyst_id, poster.org, PlatformRole::Analyst, false, vec![]);
        let first: i64 =
            sqlx::query_scalar("select min(id) from stix_objects where type = 'sighting'")
                .fetch_one(&db)
                .await
                .expect("first sighting");
        let red = Labelling {
            tlp: Tlp::Red,
            recipients: vec!["ada@soc.dk".into()],
        };
        set_label(&db, &audit, &analyst, first, &red, "test")
            .await
            .expect("label");
        let aarhus: String =
            sqlx::query_scalar("select name from organisations where code = '751'")
                .fetch_one(&db)
                .await
                .expect("aarhus");

        let counted = Counted::open(dir.path()).await;
        let one = Filter {
            label: Some(LabelFilter::Tlp(Tlp::Red)),
            ..Filter::default()
        };
        let full = Filter {
            kind: Some(Kind::Sighting),
            ..Filter::default()
        };
        let (one, one_queries) = counted.count(list(&counted.db, &analyst, &one)).await;
        let (full, full_queries) = counted.count(list(&counted.db, &analyst, &full)).await;
        let (one, full) = (one.expect("one"), full.expect("full"));
        assert_eq!((one.len(), full.len()), (1, PER_PAGE as usize));
        // The viewer's organisation kind, the rows, and their lists.
        assert_eq!((one_queries, full_queries), (3, 3));

        let red = &one[0];
        assert_eq!(red.row, first);
        assert_eq!(red.recipients, ["Ada Analytiker <ada@soc.dk>"]);
        for row in full.iter().chain(&one) {
            assert_eq!(
                row.targets,
                std::slice::from_ref(&aarhus),
                "{}",
                row.stix_id
            );
            let indicator = row.stix_id.replace("sighting--", "indicator--");
            assert!(row.unresolved.contains(&indicator), "{:?}", row.unresolved);
        }
        assert!(
            full.iter()
                .filter(|r| r.row != first)
                .all(|r| r.recipients.is_empty())
        );

        let (got, queries) = counted.count(get(&counted.db, &analyst, first)).await;
        assert_eq!(got.expect("get"), *red);
        assert_eq!(queries, 3);
    }

    /// The search outbox after `after`: kind, entity and operation, in id order.
    async fn outbox_after(db: &Db, after: i64) -> Vec<(String, i64, String)> {
        sqlx::query_as(
            "select kind, entity_id, operation from search_outbox where id > $1 order by id",
        )
        .bind(after)
        .fetch_all(db)
        .await
        .expect("outbox")
    }

    #[tokio::test]
    async fn every_label_an_analyst_sets_stages_its_object_for_the_search_index() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::db::open(dir.path()).await.expect("db");
        let audit = AuditLog::new(db.clone(), dir.path());
        let token = NewToken {
            org: "soc".into(),
            scopes: vec!["stix:write".into()],
            expires: None,
            name: "centre".into(),
        };
        let centre = tokens::create(&db, &audit, Manager::Operator, "test", token)
            .await
            .expect("token");
        let poster = Poster {
            token: centre.id,
            org: centre.org.id,
        };
        if let Err(err) = ingest::ingest(&db, &poster, vec![sighting(0, None)]).await {
            panic!("ingest refused: {err:?}");
        }
        let analyst_id: UserId = sqlx::query_scalar(
            "insert into users (org_id, email, name, platform_role, status, created_at, \
             updated_at) values ($1, 'ada@soc.dk', 'Ada Analytiker', 'analyst', 'active', 0, 0) \
             returning id",
        )
        .bind(poster.org)
        .fetch_one(&db)
        .await
        .expect("analyst");
        let analyst = Viewer::user(analyst_id, poster.org, PlatformRole::Analyst, false, vec![]);
        let row: i64 = sqlx::query_scalar("select id from stix_objects where type = 'sighting'")
            .fetch_one(&db)
            .await
            .expect("sighting");
        let last = || async {
            sqlx::query_scalar::<_, i64>("select max(id) from search_outbox")
                .fetch_one(&db)
                .await
                .expect("last")
        };
        let label = |tlp| Labelling {
            tlp,
            recipients: vec!["ada@soc.dk".into()],
        };
        let staged = vec![("stix_object".to_string(), row, "upsert".to_string())];

        // The first label lets readers see it (through `ingest::readd`).
        let before = last().await;
        set_label(&db, &audit, &analyst, row, &label(Tlp::Amber), "test")
            .await
            .expect("labelled");
        assert_eq!(outbox_after(&db, before).await, staged);

        // A lower label is refused, and stages nothing.
        let before = last().await;
        set_label(&db, &audit, &analyst, row, &label(Tlp::Green), "test")
            .await
            .expect_err("never lowered");
        assert!(outbox_after(&db, before).await.is_empty());

        // A raised label narrows its readers.
        set_label(&db, &audit, &analyst, row, &label(Tlp::Red), "test")
            .await
            .expect("raised");
        assert_eq!(outbox_after(&db, before).await, staged);
    }
}
