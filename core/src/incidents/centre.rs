//! The centre's incidents (STIX objects under the intel policy) as the incidents page
//! shows them, and an organisation's own incident that concerns one. The centre's object
//! is not copied or changed: each organisation hit by it registers its own incident about
//! it (a link of kind `centre_incident`), with its own timeline and its own NIS2 and GDPR
//! clocks, so clocks are per (incident, organisation) and no organisation sees another's.
//! A reader sees the centre's incident wherever the intel policy lets them, and nowhere
//! else.

use super::INCIDENTS;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::OrgId;
use crate::policy::{Tlp, Viewer, push_incident_visible, push_stix_visible, require_analyst};
use crate::stix::browse::{OBJECTS, org_kind};
use crate::stix::object::Severity;
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::HashMap;

/// How many of the centre's newest incidents the page lists.
pub const LISTED: i64 = 50;

/// Characters of the centre's description a registration starts with.
const SUMMARY_CHARS: usize = 20_000;

/// One of the centre's incidents, as one reader may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreIncident {
    /// The newest version's row.
    pub row: i64,
    pub name: String,
    pub severity: Option<Severity>,
    pub tlp: Option<Tlp>,
    /// When the centre published this version (unix seconds).
    pub published_at: i64,
    /// The organisations it was routed to, cut to the reader: their own, if it is among
    /// them; every one for the centre's analysts, who published it.
    pub affected: Vec<String>,
    /// The reader's organisation's own incidents about it that the reader may see:
    /// (id, title).
    pub ours: Vec<(i64, String)>,
}

/// What a registration about the centre's incident starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concerning {
    pub row: i64,
    pub name: String,
    /// The centre's description; empty for a RED incident, whose text is for its named
    /// recipients and not to be copied to the organisation's people.
    pub summary: String,
    pub severity: Option<Severity>,
    pub tlp: Option<Tlp>,
}

/// Row, name, severity, label, version time (µs), STIX id.
type Row = (i64, String, Option<String>, Option<Tlp>, i64, String);
/// [`Row`], then the content.
type NewestRow = (
    i64,
    String,
    Option<String>,
    Option<Tlp>,
    i64,
    String,
    String,
);

/// The newest of the centre's incidents that `viewer` may see, newest first.
pub async fn list(db: &Db, viewer: &Viewer) -> CoreResult<Vec<CentreIncident>> {
    if viewer.user_id.is_none() {
        return Ok(Vec::new());
    }
    let kind = org_kind(db, viewer.org_id).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.id, o.name, o.severity, o.tlp, o.version_us, o.stix_id from stix_objects o \
         where o.is_latest and o.class = 'item' and o.kind = 'incident' and ",
    );
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    qb.push(" order by o.version_us desc, o.id desc limit ")
        .push_bind(LISTED);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db).await?;
    with_context(db, viewer, rows).await
}

/// `rows` with the organisations hit and the reader's own incidents about each.
async fn with_context(db: &Db, viewer: &Viewer, rows: Vec<Row>) -> CoreResult<Vec<CentreIncident>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut affected = affected(db, viewer, &rows).await?;
    let mut ours = ours(db, viewer, &rows).await?;
    Ok(rows
        .into_iter()
        .map(
            |(row, name, severity, tlp, version_us, stix_id)| CentreIncident {
                row,
                name,
                severity: severity.as_deref().and_then(Severity::parse),
                tlp,
                published_at: version_us.div_euclid(1_000_000),
                affected: affected.remove(&row).unwrap_or_default(),
                ours: ours.remove(&stix_id).unwrap_or_default(),
            },
        )
        .collect())
}

/// The organisations each row was routed to, cut to `viewer`, by name.
async fn affected(db: &Db, viewer: &Viewer, rows: &[Row]) -> CoreResult<HashMap<i64, Vec<String>>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select t.item_id, t.org_id, g.name from stix_object_targets t \
         cross join organisations g on g.id = t.org_id where t.item_id in (",
    );
    let mut list = qb.separated(", ");
    for row in rows {
        list.push_bind(row.0);
    }
    qb.push(") order by g.name");
    let targets: Vec<(i64, OrgId, String)> = qb.build_query_as().fetch_all(db).await?;
    let analyst = require_analyst(viewer).is_ok();
    let mut by_row: HashMap<i64, Vec<String>> = HashMap::new();
    for (row, org, name) in targets {
        if analyst || org == viewer.org_id {
            by_row.entry(row).or_default().push(name);
        }
    }
    Ok(by_row)
}

/// The own incidents about each object (by STIX id) that `viewer` may see, of the
/// viewer's organisation, newest first.
async fn ours(
    db: &Db,
    viewer: &Viewer,
    rows: &[Row],
) -> CoreResult<HashMap<String, Vec<(i64, String)>>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select v.stix_id, n.id, n.title from incident_links l \
         cross join stix_objects v on v.id = l.target_id \
         cross join incidents n on n.id = l.incident_id \
         where l.kind = 'centre_incident' and n.org_id = ",
    );
    qb.push_bind(viewer.org_id).push(" and v.stix_id in (");
    let mut list = qb.separated(", ");
    for row in rows {
        list.push_bind(row.5.clone());
    }
    qb.push(") and ");
    push_incident_visible(&mut qb, viewer, &INCIDENTS);
    qb.push(" order by n.created_at desc, n.id desc");
    let found: Vec<(String, i64, String)> = qb.build_query_as().fetch_all(db).await?;
    let mut by_object: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for (stix_id, id, title) in found {
        by_object.entry(stix_id).or_default().push((id, title));
    }
    Ok(by_object)
}

/// The newest version of the centre's incident stored as row `row` (any version), with
/// its content, if `viewer` may see it; `None` alike when missing, hidden or not an
/// incident.
async fn newest_visible(db: &Db, viewer: &Viewer, row: i64) -> CoreResult<Option<(Row, String)>> {
    if viewer.user_id.is_none() {
        return Ok(None);
    }
    let kind = org_kind(db, viewer.org_id).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.id, o.name, o.severity, o.tlp, o.version_us, o.stix_id, o.content \
         from stix_objects v \
         cross join stix_objects o on o.stix_id = v.stix_id and o.is_latest \
         where o.class = 'item' and o.kind = 'incident' and v.id = ",
    );
    qb.push_bind(row).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    let found: Option<NewestRow> = qb.build_query_as().fetch_optional(db).await?;
    Ok(
        found.map(|(id, name, severity, tlp, version_us, stix_id, content)| {
            ((id, name, severity, tlp, version_us, stix_id), content)
        }),
    )
}

/// The centre's description in an object's content.
fn description(content: &str) -> String {
    serde_json::from_str::<serde_json::Value>(content)
        .ok()
        .and_then(|c| c["description"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What a registration about the centre's incident stored as row `row` starts with, if
/// `viewer` may see it.
pub async fn concerning(db: &Db, viewer: &Viewer, row: i64) -> CoreResult<Option<Concerning>> {
    let Some(((row, name, severity, tlp, _, _), content)) = newest_visible(db, viewer, row).await?
    else {
        return Ok(None);
    };
    let summary = if tlp == Some(Tlp::Red) {
        String::new()
    } else {
        description(&content).chars().take(SUMMARY_CHARS).collect()
    };
    Ok(Some(Concerning {
        row,
        name,
        summary,
        severity: severity.as_deref().and_then(Severity::parse),
        tlp,
    }))
}

/// One of the centre's incidents with its description, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentreDetail {
    pub incident: CentreIncident,
    pub description: String,
}

/// The centre's incident stored as row `row` (any version), in its newest version, as
/// `viewer` may see it; `NotFound` when missing, hidden or not an incident.
pub async fn get(db: &Db, viewer: &Viewer, row: i64) -> CoreResult<CentreDetail> {
    let (found, content) = newest_visible(db, viewer, row)
        .await?
        .ok_or(CoreError::NotFound)?;
    let incident = with_context(db, viewer, vec![found])
        .await?
        .pop()
        .ok_or(CoreError::NotFound)?;
    Ok(CentreDetail {
        incident,
        description: description(&content),
    })
}

/// The centre's incident an own incident concerns, as `viewer` may see it (the own
/// incident already shown to them): (newest row, name).
pub(super) async fn linked(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<Vec<(i64, String)>> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.id, o.name from incident_links l \
         cross join stix_objects v on v.id = l.target_id \
         cross join stix_objects o on o.stix_id = v.stix_id and o.is_latest \
         where l.kind = 'centre_incident' and l.incident_id = ",
    );
    qb.push_bind(id).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    qb.push(" order by l.linked_at");
    Ok(qb.build_query_as().fetch_all(db).await?)
}
