//! An organisation's own incidents (DESIGN §3.F, the incidents issue): registered by a
//! municipality (or any organisation) in Værn, worked on a timeline, and reported to the
//! authorities under NIS2 Article 23 and GDPR Article 33 with the clocks of
//! [`deadlines`] and the drafts of [`drafts`]. Who sees one is the rule of
//! [`crate::policy::can_see_incident`]; every read and write here asks it, and a hidden
//! incident is answered exactly like a missing one.
//!
//! The centre's incidents are STIX objects ([`crate::stix`]) under the intel policy; they
//! are listed beside these on the incidents page but not written here.

pub mod centre;
pub mod deadlines;
pub mod drafts;
pub mod links;
pub mod reminders;
mod significance;

pub use significance::{
    Significance, mark_significant, mark_submitted, set_personal_data, undo_significance,
};

use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, UserId};
use crate::policy::{
    IncidentItem, IncidentSql, Tlp, Viewer, can_add_entry, can_manage_incident, can_see_incident,
    can_undo_significance, push_incident_visible,
};
use crate::search::outbox;
use crate::stix::object::Severity;
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

/// Characters of a title.
pub const TITLE_MAX_CHARS: usize = 200;
/// Characters of a summary, a report field or a timeline entry.
pub const TEXT_MAX_CHARS: usize = 20_000;
/// Incidents per page of the list.
pub const PER_PAGE: i64 = 50;
/// How far ahead of the server's clock an entered time may be (a browser's clock drifts).
pub const CLOCK_SKEW_SECS: i64 = 300;

const INCIDENTS: IncidentSql = IncidentSql::new("n", "incident_named");

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Open,
    Contained,
    Closed,
}

impl Status {
    pub const ALL: [Status; 3] = [Self::Open, Self::Contained, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Contained => "contained",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A yes/no question of the reports that may not be answered yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    Unknown,
    Yes,
    No,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Self::Unknown, Self::Yes, Self::No];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Yes => "yes",
            Self::No => "no",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What a person writes about an incident: when registering it and when editing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    pub title: String,
    pub summary: String,
    pub severity: Severity,
    /// Suspected to be caused by an unlawful or malicious act (Art. 23(4)(a)).
    pub suspected_malicious: Answer,
    /// Could have a cross-border impact (Art. 23(4)(a)).
    pub cross_border: Answer,
    /// Severity and impact as assessed (Art. 23(4)(b)).
    pub impact: String,
    /// Indicators of compromise, where available (Art. 23(4)(b)).
    pub indicators: String,
    /// The type of threat or root cause likely to have triggered it (Art. 23(4)(d)).
    pub root_cause: String,
    /// Mitigation applied and ongoing (Art. 23(4)(d)).
    pub mitigation: String,
}

impl Fields {
    /// Trimmed, and refused with the first field that is missing or too long.
    fn checked(&self) -> CoreResult<Fields> {
        let title = self.title.trim().to_string();
        if title.is_empty() {
            return Err(CoreError::invalid("title", "required"));
        }
        if title.chars().count() > TITLE_MAX_CHARS {
            return Err(CoreError::invalid("title", "too_long"));
        }
        let text = |field: &'static str, value: &str| -> CoreResult<String> {
            let value = value.trim();
            if value.chars().count() > TEXT_MAX_CHARS {
                return Err(CoreError::invalid(field, "too_long_20000"));
            }
            Ok(value.to_string())
        };
        Ok(Fields {
            title,
            summary: text("summary", &self.summary)?,
            severity: self.severity,
            suspected_malicious: self.suspected_malicious,
            cross_border: self.cross_border,
            impact: text("impact", &self.impact)?,
            indicators: text("indicators", &self.indicators)?,
            root_cause: text("root_cause", &self.root_cause)?,
            mitigation: text("mitigation", &self.mitigation)?,
        })
    }
}

/// One incident in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub tlp: Tlp,
    pub org_name: String,
    pub created_at: i64,
    pub shared: bool,
    /// The earliest deadline not yet met, if it is significant: (report, due).
    pub next_deadline: Option<(deadlines::Report, i64)>,
}

/// One page of the incidents the viewer may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub incidents: Vec<Listed>,
    pub page: i64,
    pub pages: i64,
}

/// A timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: i64,
    pub kind: EntryKind,
    pub body: String,
    pub author: String,
    /// The author's organisation: the centre's analysts write on shared incidents too.
    pub author_org: String,
    pub occurred_at: i64,
    pub created_at: i64,
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// Something that happened, at the time entered.
    Event,
    Comment,
    /// The status changed (body: the new status).
    Status,
    /// Marked significant or the marking undone (body: `marked` or `undone`).
    Significance,
    /// A report was submitted (body: the report).
    Submitted,
    /// Shared with the centre.
    Shared,
}

impl EntryKind {
    pub const ALL: [EntryKind; 6] = [
        Self::Event,
        Self::Comment,
        Self::Status,
        Self::Significance,
        Self::Submitted,
        Self::Shared,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Comment => "comment",
            Self::Status => "status",
            Self::Significance => "significance",
            Self::Submitted => "submitted",
            Self::Shared => "shared",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// An incident as its page shows it to one viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub id: i64,
    pub org_id: OrgId,
    pub org_name: String,
    pub registered_by: String,
    pub fields: Fields,
    pub status: Status,
    pub tlp: Tlp,
    pub shared_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The people named for a RED incident.
    pub named: Vec<(UserId, String)>,
    pub entries: Vec<Entry>,
    pub significance: Option<Significance>,
    /// The viewer may edit it, mark it significant and record reports.
    pub can_manage: bool,
    /// The viewer may undo its significance marking.
    pub can_undo: bool,
    /// The viewer may add to its timeline.
    pub can_add_entry: bool,
    /// The organisation's active people, for one who manages a RED incident to name.
    pub colleagues: Vec<(UserId, String)>,
    /// The alerts, documents and threads it is linked to that the viewer may see.
    pub links: links::Links,
}

/// The stored facts the policy needs, and the organisation's.
pub(crate) struct Stored {
    pub org_id: OrgId,
    pub tlp: Tlp,
    pub shared: bool,
    pub named: Vec<UserId>,
}

impl Stored {
    pub fn item(&self) -> IncidentItem<'_> {
        IncidentItem {
            org_id: self.org_id,
            tlp: self.tlp,
            shared: self.shared,
            named: &self.named,
        }
    }
}

/// The policy facts of incident `id`, if it exists.
pub(crate) async fn stored(conn: &mut SqliteConnection, id: i64) -> CoreResult<Option<Stored>> {
    let row: Option<(OrgId, Tlp, Option<i64>)> =
        sqlx::query_as("select org_id, tlp, shared_at from incidents where id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((org_id, tlp, shared_at)) = row else {
        return Ok(None);
    };
    let named: Vec<UserId> =
        sqlx::query_scalar("select user_id from incident_named where incident_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(Some(Stored {
        org_id,
        tlp,
        shared: shared_at.is_some(),
        named,
    }))
}

/// Incident `id` if `allowed` for the viewer: `NotFound` alike when it is missing or the
/// viewer may not see it, `Forbidden` when the viewer sees it but may not do this (which
/// tells nothing the viewer does not know).
pub(crate) async fn require(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    id: i64,
    allowed: fn(&Viewer, &IncidentItem<'_>) -> bool,
) -> CoreResult<(UserId, Stored)> {
    let stored = stored(conn, id).await?.ok_or(CoreError::NotFound)?;
    let item = stored.item();
    match viewer.user_id {
        Some(actor) if allowed(viewer, &item) => Ok((actor, stored)),
        Some(_) if can_see_incident(viewer, &item) => Err(CoreError::Forbidden),
        _ => Err(CoreError::NotFound),
    }
}

/// The people a RED incident may name: active people of `org`, `named` checked.
async fn check_named(conn: &mut SqliteConnection, org: OrgId, named: &[UserId]) -> CoreResult<()> {
    for user in named {
        let colleague: bool = sqlx::query_scalar(
            "select exists (select 1 from users where id = $1 and org_id = $2 \
             and status = 'active')",
        )
        .bind(user)
        .bind(org)
        .fetch_one(&mut *conn)
        .await?;
        if !colleague {
            return Err(CoreError::invalid("named", "not_colleague"));
        }
    }
    Ok(())
}

async fn write_named(conn: &mut SqliteConnection, id: i64, named: &[UserId]) -> CoreResult<()> {
    sqlx::query("delete from incident_named where incident_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for user in named {
        sqlx::query("insert or ignore into incident_named (incident_id, user_id) values ($1, $2)")
            .bind(id)
            .bind(user)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Registers an incident of the viewer's organisation, labelled `tlp`; a RED one names
/// `named` (active people of the organisation) and always its registrant. Answers its id.
pub async fn register(
    db: &Db,
    viewer: &Viewer,
    fields: &Fields,
    tlp: Tlp,
    named: &[UserId],
) -> CoreResult<i64> {
    register_with(db, viewer, fields, tlp, named, None).await
}

/// [`register`], for an incident that concerns the centre's incident stored as row
/// `centre_row`, which the viewer must see (`Invalid { field: "concerns" }` otherwise,
/// alike for a missing and a hidden one).
pub async fn register_concerning(
    db: &Db,
    viewer: &Viewer,
    fields: &Fields,
    tlp: Tlp,
    named: &[UserId],
    centre_row: i64,
) -> CoreResult<i64> {
    let Some(concerning) = centre::concerning(db, viewer, centre_row).await? else {
        return Err(CoreError::invalid("concerns", "not_found"));
    };
    register_with(db, viewer, fields, tlp, named, Some(concerning.row)).await
}

async fn register_with(
    db: &Db,
    viewer: &Viewer,
    fields: &Fields,
    tlp: Tlp,
    named: &[UserId],
    centre_row: Option<i64>,
) -> CoreResult<i64> {
    let Some(actor) = viewer.user_id else {
        return Err(CoreError::Forbidden);
    };
    let fields = fields.checked()?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let mut named = named.to_vec();
    if tlp == Tlp::Red {
        check_named(&mut tx, viewer.org_id, &named).await?;
        named.push(actor);
    } else {
        named.clear();
    }
    let now = clock::now();
    let id: i64 = sqlx::query_scalar(
        "insert into incidents (org_id, registered_by, title, summary, severity, tlp, \
         suspected_malicious, cross_border, impact, indicators, root_cause, mitigation, \
         created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) returning id",
    )
    .bind(viewer.org_id)
    .bind(actor)
    .bind(&fields.title)
    .bind(&fields.summary)
    .bind(fields.severity.as_str())
    .bind(tlp)
    .bind(fields.suspected_malicious.as_str())
    .bind(fields.cross_border.as_str())
    .bind(&fields.impact)
    .bind(&fields.indicators)
    .bind(&fields.root_cause)
    .bind(&fields.mitigation)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    write_named(&mut tx, id, &named).await?;
    if let Some(row) = centre_row {
        sqlx::query(
            "insert into incident_links (incident_id, kind, target_id, linked_by, linked_at) \
             values ($1, 'centre_incident', $2, $3, $4)",
        )
        .bind(id)
        .bind(row)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    outbox::stage(
        &mut tx,
        outbox::Item::Incident(id),
        outbox::Operation::Upsert,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes what the incident says, as one who manages it. Its label may be raised, never
/// lowered (what was written under it stays under it); raising a shared one to RED is
/// refused (a RED incident is not shared).
pub async fn edit(db: &Db, viewer: &Viewer, id: i64, fields: &Fields, tlp: Tlp) -> CoreResult<()> {
    let fields = fields.checked()?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, stored) = require(&mut tx, viewer, id, can_manage_incident).await?;
    if tlp < stored.tlp {
        return Err(CoreError::invalid("tlp", "lowered"));
    }
    if tlp == Tlp::Red && stored.shared {
        return Err(CoreError::invalid("tlp", "red_shared"));
    }
    if tlp == Tlp::Red && stored.tlp != Tlp::Red {
        write_named(&mut tx, id, &[actor]).await?;
    }
    sqlx::query(
        "update incidents set title = $1, summary = $2, severity = $3, tlp = $4, \
         suspected_malicious = $5, cross_border = $6, impact = $7, indicators = $8, \
         root_cause = $9, mitigation = $10, updated_at = $11 where id = $12",
    )
    .bind(&fields.title)
    .bind(&fields.summary)
    .bind(fields.severity.as_str())
    .bind(tlp)
    .bind(fields.suspected_malicious.as_str())
    .bind(fields.cross_border.as_str())
    .bind(&fields.impact)
    .bind(&fields.indicators)
    .bind(&fields.root_cause)
    .bind(&fields.mitigation)
    .bind(clock::now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    stage_with_entries(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Names the people of a RED incident (the registrant stays named), as one who manages
/// it: its named people and the organisation's admins.
pub async fn name_people(db: &Db, viewer: &Viewer, id: i64, named: &[UserId]) -> CoreResult<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (_, stored) = require(&mut tx, viewer, id, can_manage_incident).await?;
    if stored.tlp != Tlp::Red {
        return Err(CoreError::invalid("named", "not_red"));
    }
    check_named(&mut tx, stored.org_id, named).await?;
    let registrant: UserId =
        sqlx::query_scalar("select registered_by from incidents where id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let mut named = named.to_vec();
    named.push(registrant);
    write_named(&mut tx, id, &named).await?;
    stage_with_entries(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves the incident to `status`, recorded on its timeline.
pub async fn set_status(db: &Db, viewer: &Viewer, id: i64, status: Status) -> CoreResult<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, _) = require(&mut tx, viewer, id, can_manage_incident).await?;
    let current: String = sqlx::query_scalar("select status from incidents where id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if current == status.as_str() {
        return Ok(());
    }
    let now = clock::now();
    sqlx::query("update incidents set status = $1, updated_at = $2 where id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    insert_entry(&mut tx, id, actor, EntryKind::Status, status.as_str(), now).await?;
    outbox::stage(
        &mut tx,
        outbox::Item::Incident(id),
        outbox::Operation::Upsert,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Shares the incident with the centre's analysts, recorded on its timeline; a RED
/// incident is not shared.
pub async fn share(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, stored) = require(&mut tx, viewer, id, can_manage_incident).await?;
    if stored.tlp == Tlp::Red {
        return Err(CoreError::invalid("incident_share", "red"));
    }
    if stored.shared {
        return Ok(());
    }
    let now = clock::now();
    sqlx::query("update incidents set shared_at = $1, shared_by = $2 where id = $3")
        .bind(now)
        .bind(actor)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    insert_entry(&mut tx, id, actor, EntryKind::Shared, "", now).await?;
    stage_with_entries(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds an event (at `occurred_at`, not in the future) or a comment (`occurred_at` none)
/// to the timeline, as anyone who may see the incident. Answers the entry's id.
pub async fn add_entry(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    body: &str,
    occurred_at: Option<i64>,
) -> CoreResult<i64> {
    let body = body.trim();
    if body.is_empty() {
        return Err(CoreError::invalid("body", "required"));
    }
    if body.chars().count() > TEXT_MAX_CHARS {
        return Err(CoreError::invalid("body", "too_long_20000"));
    }
    let now = clock::now();
    if occurred_at.is_some_and(|at| at > now + CLOCK_SKEW_SECS) {
        return Err(CoreError::invalid("occurred_at", "future"));
    }
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, _) = require(&mut tx, viewer, id, can_add_entry).await?;
    let (kind, at) = match occurred_at {
        Some(at) => (EntryKind::Event, at),
        None => (EntryKind::Comment, now),
    };
    let entry = insert_entry(&mut tx, id, actor, kind, body, at).await?;
    sqlx::query("update incidents set updated_at = $1 where id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    outbox::stage(
        &mut tx,
        outbox::Item::IncidentEntry(entry),
        outbox::Operation::Upsert,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

pub(crate) async fn insert_entry(
    conn: &mut SqliteConnection,
    incident: i64,
    author: UserId,
    kind: EntryKind,
    body: &str,
    occurred_at: i64,
) -> CoreResult<i64> {
    Ok(sqlx::query_scalar(
        "insert into incident_entries (incident_id, author_id, kind, body, occurred_at, \
         created_at) values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(incident)
    .bind(author)
    .bind(kind.as_str())
    .bind(body)
    .bind(occurred_at)
    .bind(clock::now())
    .fetch_one(&mut *conn)
    .await?)
}

/// Stages the incident and every entry of its timeline for the search index: who may see
/// them changed with the incident (label, named people, sharing).
async fn stage_with_entries(conn: &mut SqliteConnection, id: i64) -> CoreResult<()> {
    let now = clock::now();
    outbox::stage(
        conn,
        outbox::Item::Incident(id),
        outbox::Operation::Upsert,
        now,
    )
    .await?;
    let entries: Vec<i64> =
        sqlx::query_scalar("select id from incident_entries where incident_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    for entry in entries {
        outbox::stage(
            conn,
            outbox::Item::IncidentEntry(entry),
            outbox::Operation::Upsert,
            now,
        )
        .await?;
    }
    Ok(())
}

type ListRow = (i64, String, String, String, Tlp, String, i64, Option<i64>);

/// Page `page` (1-based; past the end: the last) of the incidents the viewer may see,
/// newest first.
pub async fn list(db: &Db, viewer: &Viewer, page: i64) -> CoreResult<Page> {
    let mut conn = db.acquire().await?;
    let mut count = QueryBuilder::<Sqlite>::new("select count(*) from incidents n where ");
    push_incident_visible(&mut count, viewer, &INCIDENTS);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select n.id, n.title, n.severity, n.status, n.tlp, o.name, n.created_at, n.shared_at \
         from incidents n join organisations o on o.id = n.org_id where ",
    );
    push_incident_visible(&mut qb, viewer, &INCIDENTS);
    qb.push(" order by n.created_at desc, n.id desc limit ")
        .push_bind(PER_PAGE)
        .push(" offset ")
        .push_bind((page - 1) * PER_PAGE);
    let rows: Vec<ListRow> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let now = clock::now();
    let ids: Vec<i64> = rows.iter().map(|row| row.0).collect();
    let mut significance = significance::read_many(&mut conn, &ids).await?;
    let mut incidents = Vec::with_capacity(rows.len());
    for (id, title, severity, status, tlp, org_name, created_at, shared_at) in rows {
        let next_deadline = significance.remove(&id).and_then(|s| s.next_deadline(now));
        incidents.push(Listed {
            id,
            title,
            severity: stored_severity(&severity)?,
            status: stored_status(&status)?,
            tlp,
            org_name,
            created_at,
            shared: shared_at.is_some(),
            next_deadline,
        });
    }
    Ok(Page {
        incidents,
        page,
        pages,
    })
}

fn stored_severity(s: &str) -> CoreResult<Severity> {
    Severity::parse(s).ok_or_else(|| CoreError::Internal(format!("incident severity {s:?}")))
}

fn stored_status(s: &str) -> CoreResult<Status> {
    Status::parse(s).ok_or_else(|| CoreError::Internal(format!("incident status {s:?}")))
}

fn stored_answer(s: &str) -> CoreResult<Answer> {
    Answer::parse(s).ok_or_else(|| CoreError::Internal(format!("incident answer {s:?}")))
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    org_id: OrgId,
    org_name: String,
    registered_by: String,
    title: String,
    summary: String,
    severity: String,
    status: String,
    tlp: Tlp,
    suspected_malicious: String,
    cross_border: String,
    impact: String,
    indicators: String,
    root_cause: String,
    mitigation: String,
    shared_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

/// Incident `id` as the viewer may see it; `NotFound` when missing or hidden.
pub async fn get(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<Detail> {
    let mut conn = db.acquire().await?;
    let (_, stored) = require(&mut conn, viewer, id, can_see_incident).await?;
    let row: DetailRow = sqlx::query_as(
        "select n.org_id, o.name as org_name, u.name as registered_by, n.title, n.summary, \
         n.severity, n.status, n.tlp, n.suspected_malicious, n.cross_border, n.impact, \
         n.indicators, n.root_cause, n.mitigation, n.shared_at, n.created_at, n.updated_at \
         from incidents n join organisations o on o.id = n.org_id \
         join users u on u.id = n.registered_by where n.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let named: Vec<(UserId, String)> = sqlx::query_as(
        "select u.id, u.name from incident_named m join users u on u.id = m.user_id \
         where m.incident_id = $1 order by u.name, u.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    type EntryRow = (i64, String, String, String, String, i64, i64);
    let entries: Vec<EntryRow> = sqlx::query_as(
        "select e.id, e.kind, e.body, u.name, o.name, e.occurred_at, e.created_at \
         from incident_entries e join users u on u.id = e.author_id \
         join organisations o on o.id = u.org_id \
         where e.incident_id = $1 order by e.occurred_at, e.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let entries = entries
        .into_iter()
        .map(
            |(id, kind, body, author, author_org, occurred_at, created_at)| {
                Ok(Entry {
                    id,
                    kind: EntryKind::parse(&kind)
                        .ok_or_else(|| CoreError::Internal(format!("entry kind {kind:?}")))?,
                    body,
                    author,
                    author_org,
                    occurred_at,
                    created_at,
                })
            },
        )
        .collect::<CoreResult<Vec<_>>>()?;
    let item = stored.item();
    let colleagues = if item.tlp == Tlp::Red && can_manage_incident(viewer, &item) {
        sqlx::query_as(
            "select id, name from users where org_id = $1 and status = 'active' \
             order by name collate nocase, id",
        )
        .bind(item.org_id)
        .fetch_all(&mut *conn)
        .await?
    } else {
        Vec::new()
    };
    let significance = significance::read(&mut conn, id).await?;
    // Read with the connection given back: the alerts' rule takes one of its own, and
    // holding two at once could empty the pool under load.
    drop(conn);
    let links = links::read(db, viewer, id).await?;
    Ok(Detail {
        colleagues,
        links,
        id,
        org_id: row.org_id,
        org_name: row.org_name,
        registered_by: row.registered_by,
        fields: Fields {
            title: row.title,
            summary: row.summary,
            severity: stored_severity(&row.severity)?,
            suspected_malicious: stored_answer(&row.suspected_malicious)?,
            cross_border: stored_answer(&row.cross_border)?,
            impact: row.impact,
            indicators: row.indicators,
            root_cause: row.root_cause,
            mitigation: row.mitigation,
        },
        status: stored_status(&row.status)?,
        tlp: row.tlp,
        shared_at: row.shared_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        named,
        entries,
        significance,
        can_manage: can_manage_incident(viewer, &item),
        can_undo: can_undo_significance(viewer, &item),
        can_add_entry: can_add_entry(viewer, &item),
    })
}

/// The significant incidents of the viewer's organisation that the viewer may see with a
/// report still owed and not submitted: the dashboard's "NIS2 deadlines due" panel.
pub async fn deadlines_due(db: &Db, viewer: &Viewer, now: i64) -> CoreResult<DeadlinesDue> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select n.id from incidents n join incident_significance s on s.incident_id = n.id \
         where n.org_id = ",
    );
    qb.push_bind(viewer.org_id).push(" and ");
    push_incident_visible(&mut qb, viewer, &INCIDENTS);
    let ids: Vec<i64> = qb.build_query_scalar().fetch_all(db).await?;
    let mut due = DeadlinesDue::default();
    let mut conn = db.acquire().await?;
    for s in significance::read_many(&mut conn, &ids)
        .await?
        .into_values()
    {
        for report in deadlines::Report::ALL {
            match s.recorded.state(report, now) {
                deadlines::ClockState::Running { .. } => due.running += 1,
                deadlines::ClockState::Overdue { .. } => due.overdue += 1,
                _ => {}
            }
        }
    }
    Ok(due)
}

/// Reports owed by the organisation's significant incidents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlinesDue {
    /// Not submitted, deadline ahead.
    pub running: u64,
    /// Not submitted, deadline passed.
    pub overdue: u64,
}

#[cfg(test)]
mod tests;
