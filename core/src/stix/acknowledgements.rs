//! The acknowledgement view (DESIGN §3.F): for recent advisories, and alerts that went to
//! several organisations, how each municipality responded: its alert's status, or its
//! acknowledgement of the advisory (read, relevant, not relevant, handled), when, and how
//! long after the item reached it. Kept apart: targets that were never delivered (an
//! identity not linked to any organisation) and organisations still waiting for an
//! analyst to label the item.
//!
//! Who sees it is [`crate::policy::can_see_response_status`] (its SQL twin
//! [`push_response_visible`]):
//! analysts for the items they may see, coordinators for items up to AMBER. A coordinator
//! reads an item's title only where they may read the item itself.
//!
//! Organisations acknowledge advisories here too ([`acknowledge`]): one state per
//! advisory (across its versions) and organisation.

use super::alerts::Status;
use super::browse::{OBJECTS, org_kind};
use super::feedback::{AdvisoryShare, share_advisory};
use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::OrgId;
use crate::policy::{IntelSql, OrgKind, Tlp, Viewer, push_response_visible, push_stix_visible};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::HashMap;

/// Items listed, newest first.
pub const RECENT: i64 = 40;

/// The items whose responses the view shows, for [`push_response_visible`].
const ITEMS: IntelSql = IntelSql::new("o", "stix_object_targets", "stix_object_recipients");

/// An organisation's acknowledgement of an advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckState {
    Read,
    Relevant,
    NotRelevant,
    Handled,
}

impl AckState {
    pub const ALL: [AckState; 4] = [Self::Read, Self::Relevant, Self::NotRelevant, Self::Handled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Relevant => "relevant",
            Self::NotRelevant => "not_relevant",
            Self::Handled => "handled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What an item of the view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    Advisory,
    /// A sighting: one alert per organisation sighted at.
    Alert,
}

/// An advisory or alert of the view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub row: i64,
    pub subject: Subject,
    /// `None` where the reader may follow its responses but not read it (a coordinator
    /// outside its audience).
    pub title: Option<String>,
    pub tlp: Option<Tlp>,
    /// When the centre published this version (unix seconds).
    pub published_at: i64,
}

/// How one organisation responded to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The item was not aimed at it.
    NotTargeted,
    /// Aimed at it, but unlabelled: it reaches the organisation once an analyst labels it.
    WaitingForLabel,
    /// Aimed at it, but held back from everyone but analysts while another target is not
    /// linked to an organisation.
    HeldBack,
    /// It reached the organisation, which has not reacted yet.
    NotReacted,
    Alert(Status),
    Advisory(AckState),
}

/// One organisation's line of the view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgResponse {
    pub org: OrgId,
    pub code: String,
    pub name: String,
    /// The municipality's region; empty for other organisations.
    pub region: String,
    pub municipality: bool,
    pub response: Response,
    /// When it first responded (acknowledged the alert, acknowledged the advisory).
    pub acknowledged_at: Option<i64>,
    /// From when the item reached it to `acknowledged_at`, in seconds.
    pub time_to_acknowledge: Option<i64>,
}

/// The view of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub item: Item,
    /// The 98 municipalities by region and name, then any other organisation the item
    /// reached.
    pub responses: Vec<OrgResponse>,
    /// Target identities linked to no organisation: never delivered.
    pub not_delivered: Vec<String>,
}

/// Row, STIX id, kind, name, label, version (µs).
type ItemRow = (i64, String, String, String, Option<Tlp>, i64);

/// The recent items whose responses `viewer` may follow, newest first: advisories, and
/// sightings that alerted more than one organisation or name an unlinked identity.
pub async fn recent(db: &Db, viewer: &Viewer) -> CoreResult<Vec<Item>> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    // One walk per kind down the newest items, each stopping at `RECENT`.
    let mut rows: Vec<ItemRow> = Vec::new();
    for (item_kind, only) in [
        ("advisory", ""),
        (
            "sighting",
            " and (o.has_unlinked_targets or (select count(*) from alerts a \
             where a.sighting_ref = o.stix_id) > 1)",
        ),
    ] {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select o.id, o.stix_id, o.kind, o.name, o.tlp, o.version_us from stix_objects o \
             where o.is_latest and o.class = 'item' and o.kind = ",
        );
        qb.push_bind(item_kind).push(only).push(" and ");
        push_response_visible(&mut qb, viewer, kind, &ITEMS);
        qb.push(" order by o.version_us desc, o.id desc limit ")
            .push_bind(RECENT);
        rows.extend(qb.build_query_as::<ItemRow>().fetch_all(&mut *conn).await?);
    }
    rows.sort_by_key(|r| std::cmp::Reverse((r.5, r.0)));
    rows.truncate(RECENT as usize);
    let readable = readable(&mut conn, viewer, kind, &rows).await?;
    Ok(rows.into_iter().map(|row| item(row, &readable)).collect())
}

/// The view of item `row`; `NotFound` when it does not exist, is no advisory or sighting,
/// or `viewer` may not follow its responses.
pub async fn overview(db: &Db, viewer: &Viewer, row: i64) -> CoreResult<Overview> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.id, o.stix_id, o.kind, o.name, o.tlp, o.version_us from stix_objects o \
         where o.is_latest and o.class = 'item' and o.kind in ('advisory', 'sighting') \
         and o.id = ",
    );
    qb.push_bind(row).push(" and ");
    push_response_visible(&mut qb, viewer, kind, &ITEMS);
    let found: ItemRow = qb
        .build_query_as()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let readable = readable(&mut conn, viewer, kind, std::slice::from_ref(&found)).await?;
    let (stix_id, tlp) = (found.1.clone(), found.4);
    let item = item(found, &readable);
    let mut responses = organisations(&mut conn).await?;
    match item.subject {
        Subject::Alert => alert_responses(&mut conn, &item, &stix_id, &mut responses).await?,
        Subject::Advisory => {
            advisory_responses(&mut conn, &item, &stix_id, tlp, &mut responses).await?;
        }
    }
    // Other organisations are listed only where the item reached them.
    responses.retain(|r| r.municipality || r.response != Response::NotTargeted);
    let not_delivered: Vec<String> = sqlx::query_scalar(
        "select coalesce(nullif(i.name, ''), t.identity_ref) \
         from stix_object_target_identities t \
         left join stix_identities i on i.stix_id = t.identity_ref \
         left join organisations linked on linked.stix_identity_id = t.identity_ref \
         where t.item_id = $1 and i.org_id is null and linked.id is null \
         order by 1",
    )
    .bind(row)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Overview {
        item,
        responses,
        not_delivered,
    })
}

/// Sets `viewer`'s organisation's acknowledgement of advisory `row` (any version of it),
/// as `viewer`, who must see it; a hidden or missing advisory is `NotFound`. With
/// `share`, the acknowledgement is also shared with the advisory's publisher as
/// feedback ([`super::feedback`]), in the same transaction: both are stored or neither.
pub async fn acknowledge(
    db: &Db,
    viewer: &Viewer,
    row: i64,
    state: AckState,
    share: bool,
) -> CoreResult<()> {
    let Some(user) = viewer.user_id else {
        return Err(CoreError::NotFound);
    };
    let kind = org_kind(db, viewer.org_id).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.stix_id, o.publisher_org_id, o.tlp from stix_objects o \
         where o.kind = 'advisory' and o.id = ",
    );
    qb.push_bind(row).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    let (stix_id, publisher, tlp): (String, OrgId, Option<Tlp>) = qb
        .build_query_as()
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(CoreError::NotFound)?;
    let now = clock::now();
    let acknowledged_at: i64 = sqlx::query_scalar(
        "insert into advisory_acks (stix_id, org_id, state, user_id, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $5) on conflict (stix_id, org_id) do update \
         set state = excluded.state, user_id = excluded.user_id, updated_at = excluded.updated_at \
         returning created_at",
    )
    .bind(&stix_id)
    .bind(viewer.org_id)
    .bind(state.as_str())
    .bind(user)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if share {
        let share = AdvisoryShare {
            stix_id: &stix_id,
            publisher,
            tlp,
            state,
            acknowledged_at,
        };
        share_advisory(&mut tx, viewer, user, &share).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `viewer`'s organisation's acknowledgements of the advisories `rows`, by row.
pub async fn own_acknowledgements(
    db: &Db,
    viewer: &Viewer,
    rows: &[i64],
) -> CoreResult<HashMap<i64, AckState>> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.id, k.state from stix_objects o cross join advisory_acks k \
         on k.stix_id = o.stix_id and k.org_id = ",
    );
    qb.push_bind(viewer.org_id).push(" where o.id in (");
    let mut list = qb.separated(", ");
    for row in rows {
        list.push_bind(*row);
    }
    qb.push(")");
    let found: Vec<(i64, String)> = qb.build_query_as().fetch_all(db).await?;
    Ok(found
        .into_iter()
        .filter_map(|(row, state)| AckState::parse(&state).map(|s| (row, s)))
        .collect())
}

/// Which of `rows` `viewer` may read as a member of its own organisation.
async fn readable(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    rows: &[ItemRow],
) -> CoreResult<Vec<i64>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new("select o.id from stix_objects o where o.id in (");
    let mut list = qb.separated(", ");
    for row in rows {
        list.push_bind(row.0);
    }
    qb.push(") and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    Ok(qb.build_query_scalar().fetch_all(&mut *conn).await?)
}

fn item(row: ItemRow, readable: &[i64]) -> Item {
    let (id, _, kind, name, tlp, version_us) = row;
    Item {
        row: id,
        subject: if kind == "advisory" {
            Subject::Advisory
        } else {
            Subject::Alert
        },
        title: readable.contains(&id).then_some(name),
        tlp,
        published_at: version_us.div_euclid(1_000_000),
    }
}

/// Every organisation, municipalities first by region and name, each not targeted yet.
async fn organisations(conn: &mut SqliteConnection) -> CoreResult<Vec<OrgResponse>> {
    let rows: Vec<(OrgId, String, String, Option<String>, bool)> = sqlx::query_as(
        "select o.id, o.code, o.name, r.name, o.kind = 'municipality' from organisations o \
         left join organisations r on r.id = o.region_id \
         order by o.kind <> 'municipality', r.code, o.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(org, code, name, region, municipality)| OrgResponse {
            org,
            code,
            name,
            region: region.unwrap_or_default(),
            municipality,
            response: Response::NotTargeted,
            acknowledged_at: None,
            time_to_acknowledge: None,
        })
        .collect())
}

/// Whether item `row` names a target identity no organisation carries yet.
async fn has_unlinked_targets(conn: &mut SqliteConnection, row: i64) -> CoreResult<bool> {
    Ok(
        sqlx::query_scalar("select has_unlinked_targets from stix_objects where id = $1")
            .bind(row)
            .fetch_one(&mut *conn)
            .await?,
    )
}

async fn alert_responses(
    conn: &mut SqliteConnection,
    item: &Item,
    sighting: &str,
    responses: &mut [OrgResponse],
) -> CoreResult<()> {
    let held = has_unlinked_targets(conn, item.row).await?;
    let alerts: Vec<(OrgId, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "select org_id, status, visible_at, acknowledged_at from alerts where sighting_ref = $1",
    )
    .bind(sighting)
    .fetch_all(&mut *conn)
    .await?;
    for (org, status, visible_at, acknowledged_at) in alerts {
        let Some(line) = responses.iter_mut().find(|r| r.org == org) else {
            continue;
        };
        let status = Status::parse(&status)
            .ok_or_else(|| CoreError::Internal(format!("stored alert status {status:?}")))?;
        line.response = match (visible_at, status) {
            (None, _) => Response::WaitingForLabel,
            (Some(_), Status::New) if held => Response::HeldBack,
            (Some(_), Status::New) => Response::NotReacted,
            (Some(_), status) => Response::Alert(status),
        };
        line.acknowledged_at = acknowledged_at;
        line.time_to_acknowledge = visible_at
            .zip(acknowledged_at)
            .map(|(from, to)| (to - from).max(0));
    }
    Ok(())
}

async fn advisory_responses(
    conn: &mut SqliteConnection,
    item: &Item,
    stix_id: &str,
    tlp: Option<Tlp>,
    responses: &mut [OrgResponse],
) -> CoreResult<()> {
    let unlinked = has_unlinked_targets(conn, item.row).await?;
    let labelled_at: Option<i64> =
        sqlx::query_scalar("select tlp_set_at from stix_objects where id = $1")
            .bind(item.row)
            .fetch_one(&mut *conn)
            .await?;
    let targets: Vec<OrgId> =
        sqlx::query_scalar("select org_id from stix_object_targets where item_id = $1")
            .bind(item.row)
            .fetch_all(&mut *conn)
            .await?;
    let acks: Vec<(OrgId, String, i64)> =
        sqlx::query_as("select org_id, state, created_at from advisory_acks where stix_id = $1")
            .bind(stix_id)
            .fetch_all(&mut *conn)
            .await?;
    // It reached its readers when published, or when an analyst labelled it.
    let reached = labelled_at.map_or(item.published_at, |at| at.max(item.published_at));
    for line in responses.iter_mut() {
        let targeted = if targets.is_empty() && !unlinked {
            // Untargeted: aimed at every municipality.
            line.municipality
        } else {
            targets.contains(&line.org)
        };
        let ack = acks.iter().find(|(org, _, _)| *org == line.org);
        line.response = match (targeted, tlp, ack) {
            (_, _, Some((_, state, _))) => AckState::parse(state)
                .map(Response::Advisory)
                .unwrap_or(Response::NotReacted),
            (false, _, None) => Response::NotTargeted,
            (true, None, None) => Response::WaitingForLabel,
            (true, Some(_), None) if unlinked => Response::HeldBack,
            (true, Some(_), None) => Response::NotReacted,
        };
        if let Some((_, _, at)) = ack {
            line.acknowledged_at = Some(*at);
            line.time_to_acknowledge = Some((at - reached).max(0));
        }
    }
    Ok(())
}
