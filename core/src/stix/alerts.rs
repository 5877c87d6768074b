//! The alerts of one organisation (one per sighting and organisation sighted at), as its
//! people see and work them. An alert is visible to a person of the alerted organisation
//! who may see its sighting under the one policy ([`push_stix_visible`] over the same
//! tables as the analysts' list), so that a hidden sighting is not even counted; what
//! the page shows about it (the indicator, advisories, incidents) goes through the
//! policy again, object by object.
//!
//! Working an alert ([`can_work_alert`]): its status moves along [`Status::can_become`],
//! it has one assignee among the organisation's active people, and comments, each with
//! a label at least the alert's. Every change is kept ([`Change`]).

use super::browse::{OBJECTS, org_kind};
use super::object::Severity;
use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, UserId};
use crate::policy::{
    IntelSql, OrgKind, StixSql, Tlp, Viewer, can_read_alert_work, can_work_alert,
    push_group_content_visible, push_stix_visible,
};
use crate::search::outbox;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::HashMap;

/// Alerts on one page of the list.
pub const PER_PAGE: u64 = 50;

/// Most alerts the list counts and pages through; more are narrowed by filters (the
/// export has no such cap).
pub const COUNT_CAP: u64 = 1_000;

/// Alerts read per query while the export streams.
pub const EXPORT_BATCH: u64 = 500;

/// The STIX 2.1 cyber-observable types an indicator's pattern can compare, as the type
/// filter offers them.
pub const INDICATOR_TYPES: [&str; 18] = [
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

/// Longest indicator text a filter may hold, in characters.
pub const INDICATOR_FILTER_MAX_CHARS: usize = 200;

/// Longest comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 20_000;

/// Where an alert stands for its organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Acknowledged,
    Investigating,
    Resolved,
    FalsePositive,
    /// The organisation's answer that the alert does not concern it.
    NotAffected,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::Acknowledged,
        Status::Investigating,
        Status::Resolved,
        Status::FalsePositive,
        Status::NotAffected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Acknowledged => "acknowledged",
            Status::Investigating => "investigating",
            Status::Resolved => "resolved",
            Status::FalsePositive => "false_positive",
            Status::NotAffected => "not_affected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The way an alert is worked: `new → acknowledged → investigating → resolved |
    /// false_positive`, "not affected" from the first two, and a closed alert reopens to
    /// `investigating`. Nothing else, and never to itself.
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (New, Acknowledged)
                | (New | Acknowledged, NotAffected)
                | (Acknowledged, Investigating)
                | (Investigating, Resolved | FalsePositive)
                | (Resolved | FalsePositive | NotAffected, Investigating)
        )
    }

    /// The statuses an alert in this one may move to, in the order of the workflow.
    pub fn next(self) -> Vec<Status> {
        Self::ALL
            .into_iter()
            .filter(|n| self.can_become(*n))
            .collect()
    }
}

/// One alert of the viewer's organisation, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgAlert {
    pub id: i64,
    pub sighting_ref: String,
    /// What was sighted ([`What`]).
    pub what: What,
    pub severity: Severity,
    pub status: Status,
    /// The sighting's effective label.
    pub tlp: Option<Tlp>,
    /// When the alert was raised (unix seconds).
    pub created_at: i64,
    /// The name of the person handling it.
    pub assignee: Option<String>,
}

/// What an alert says was sighted, from the first of these the viewer may see: the
/// sighting's own name, the indicator's name, the indicator's pattern value, the title of
/// an advisory about it, the sighting's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum What {
    Named(String),
    Indicator(String),
    Pattern(String),
    Advisory(String),
    Description(String),
    /// None of them: shown as "without a title".
    Unknown,
}

/// An object the alert page links to, as far as the viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub row: i64,
    pub stix_id: String,
    pub name: String,
    pub tlp: Option<Tlp>,
}

/// An indicator of the alert, with its pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub related: Related,
    pub pattern: String,
}

/// A person of the organisation, who may be assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: UserId,
    pub name: String,
}

/// A comment on an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub tlp: Tlp,
    pub created_at: i64,
}

/// One change of status or assignee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Status {
        from: Status,
        to: Status,
    },
    /// Names of the previous and new assignee (`None`: nobody).
    Assignee {
        from: Option<String>,
        to: Option<String>,
    },
}

/// A change with who made it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    pub change: Change,
    pub actor: String,
    pub at: i64,
}

/// Everything the alert page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertDetail {
    pub alert: OrgAlert,
    /// The reader's organisation (the only "where" a reader is told).
    pub org_name: String,
    /// From the sighting (unix seconds), when it says.
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub count: Option<u64>,
    pub description: String,
    /// When the organisation could first see it (time to acknowledge counts from here).
    pub visible_at: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub assignee: Option<Person>,
    pub indicators: Vec<Indicator>,
    pub advisories: Vec<Related>,
    pub incidents: Vec<Related>,
    pub comments: Vec<Comment>,
    pub changes: Vec<Changed>,
    /// Who may be assigned: the organisation's active people, by name.
    pub people: Vec<Person>,
    /// Labels a new comment may carry.
    pub comment_labels: Vec<Tlp>,
    /// Forum threads started about it that the reader may see.
    pub threads: Vec<LinkedThread>,
    /// Groups the reader may start a thread about it in: (slug, name).
    pub forums: Vec<(String, String)>,
}

/// A forum thread started about an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedThread {
    pub id: i64,
    pub title: String,
    pub group: String,
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    Option<Tlp>,
    i64,
    String,
    Option<String>,
);

/// The columns and tables every read of alerts uses; `o` is the sighting's newest version,
/// `u` the assignee.
const ALERT_FROM: &str = "select a.id, a.sighting_ref, o.name, a.severity, a.status, o.tlp, \
     a.created_at, o.content, u.name \
     from alerts a cross join stix_objects o on o.id = a.sighting_row and o.is_latest \
     left join users u on u.id = a.assignee_id \
     where a.org_id = ";

/// The sighted indicators, for the indicator filter; read through the policy like the
/// sightings.
const INDICATORS: StixSql = StixSql::new(
    IntelSql::new("i", "stix_object_targets", "stix_object_recipients"),
    "stix_objects",
    "stix_object_anchors",
    "stix_identities",
);

/// The severity as a number that sorts (critical highest).
const SEVERITY_RANK: &str = "(case a.severity when 'critical' then 3 when 'high' then 2 \
     when 'medium' then 1 else 0 end)";

/// Statuses a status filter names: one, or every open one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// New, acknowledged or investigating.
    Open,
    Is(Status),
}

impl StatusFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Is(status) => status.as_str(),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            _ => Status::parse(s).map(Self::Is),
        }
    }
}

/// What the alerts list is narrowed to; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    pub severity: Option<Severity>,
    pub status: Option<StatusFilter>,
    pub tlp: Option<Tlp>,
    /// Raised at or after (unix seconds).
    pub from: Option<i64>,
    /// Raised before (unix seconds).
    pub until: Option<i64>,
    /// The object type the sighted indicator's pattern compares (`ipv4-addr`, `file`).
    pub indicator_type: Option<String>,
    /// Text in the sighted indicator's pattern (`10.0.0.5`, part of a hash), any case.
    pub indicator: Option<String>,
}

impl AlertFilter {
    /// Refuses a filter no list can answer: a range ending before it starts, an indicator
    /// text too long to be one.
    pub fn check(&self) -> CoreResult<()> {
        if let (Some(from), Some(until)) = (self.from, self.until)
            && until <= from
        {
            return Err(CoreError::Invalid {
                field: "until",
                reason: "before_start",
            });
        }
        let too_long = |text: &Option<String>| {
            text.as_ref()
                .is_some_and(|t| t.chars().count() > INDICATOR_FILTER_MAX_CHARS)
        };
        if too_long(&self.indicator) || too_long(&self.indicator_type) {
            return Err(CoreError::Invalid {
                field: "indicator",
                reason: "too_long",
            });
        }
        Ok(())
    }
}

/// The order of the alerts list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlertSort {
    #[default]
    Newest,
    Oldest,
    /// Most severe first, newest first within a severity.
    Severity,
}

impl AlertSort {
    pub const ALL: [AlertSort; 3] = [Self::Newest, Self::Oldest, Self::Severity];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Severity => "severity",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// One page of the filtered alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertPage {
    pub alerts: Vec<OrgAlert>,
    /// Alerts that match, on every page, at most [`COUNT_CAP`].
    pub total: u64,
    /// More than [`COUNT_CAP`] match: the pages reach the first of them.
    pub more: bool,
    /// 1-based, at most `pages`.
    pub page: u64,
    /// At least 1.
    pub pages: u64,
}

/// Where a streamed read stopped: the sort key, time and id of the last alert read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    rank: i64,
    created_at: i64,
    id: i64,
}

/// Appends what makes an alert visible to `viewer`: its organisation's, and its sighting
/// visible under the policy.
fn push_visible(qb: &mut QueryBuilder<'_, Sqlite>, viewer: &Viewer, kind: OrgKind) {
    qb.push_bind(viewer.org_id).push(" and ");
    push_stix_visible(qb, viewer, kind, &OBJECTS);
}

/// The pattern type of an indicator (`[ipv4-addr:value = …]`: what stands between `[` and
/// the first `:`), over the columns of alias `i`. Written exactly as in the expression
/// index `stix_objects_indicator_type` (migration 0027), which SQLite uses only for the
/// same expression.
const INDICATOR_TYPE: &str = "trim(substr(json_extract(i.content, '$.pattern'), 2, \
     instr(json_extract(i.content, '$.pattern'), ':') - 2))";

/// How an indicator filter is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IndicatorPlan {
    /// No indicator filter.
    None,
    /// The sightings of the matching indicators, worked out once per statement: cheap
    /// while the indicators are few (a value, a rare type).
    Set,
    /// Each alert asks after its own sighting's indicator, so a count capped at
    /// [`COUNT_CAP`] and a page stop early: for a common type, whose set would hold tens
    /// of thousands of sightings (bench-dashboard: 5,000 `ipv4-addr` indicators, 49,924
    /// sightings, 110 ms per statement to build).
    PerAlert,
}

/// How to match `filter`'s indicator parts. A type alone is asked per alert when its
/// indicators are many: with `m` of `n` indicators matching, the set costs about `m`
/// indicators' sightings and the per-alert check about `COUNT_CAP * n / m` alerts, which
/// cross near `m² = 200 n`. Counted through the index of types (without the policy,
/// which only the query's result needs: this picks a plan, and both plans answer alike).
async fn indicator_plan(
    conn: &mut SqliteConnection,
    filter: &AlertFilter,
) -> CoreResult<IndicatorPlan> {
    let Some(kind) = &filter.indicator_type else {
        return Ok(if filter.indicator.is_some() {
            IndicatorPlan::Set
        } else {
            IndicatorPlan::None
        });
    };
    if filter.indicator.is_some() {
        return Ok(IndicatorPlan::Set);
    }
    let (matching, all): (i64, i64) = sqlx::query_as(&format!(
        "select (select count(*) from stix_objects i where i.is_latest \
         and i.kind = 'indicator' and {INDICATOR_TYPE} = $1), \
         (select count(*) from stix_objects i where i.is_latest and i.kind = 'indicator')"
    ))
    .bind(kind.trim().to_lowercase())
    .fetch_one(&mut *conn)
    .await?;
    Ok(
        if matching.saturating_mul(matching) >= all.saturating_mul(200) {
            IndicatorPlan::PerAlert
        } else {
            IndicatorPlan::Set
        },
    )
}

/// Appends `filter`. The indicator parts match only indicators `viewer` may see, so a
/// filter never tells anything about a hidden one.
fn push_filter(
    qb: &mut QueryBuilder<'_, Sqlite>,
    viewer: &Viewer,
    kind: OrgKind,
    filter: &AlertFilter,
    plan: IndicatorPlan,
) {
    if let Some(severity) = filter.severity {
        qb.push(" and a.severity = ").push_bind(severity.as_str());
    }
    match filter.status {
        None => {}
        Some(StatusFilter::Open) => {
            qb.push(" and a.status in ('new', 'acknowledged', 'investigating')");
        }
        Some(StatusFilter::Is(status)) => {
            qb.push(" and a.status = ").push_bind(status.as_str());
        }
    }
    if let Some(tlp) = filter.tlp {
        qb.push(" and o.tlp = ").push_bind(tlp.as_str());
    }
    if let Some(from) = filter.from {
        qb.push(" and a.created_at >= ").push_bind(from);
    }
    if let Some(until) = filter.until {
        qb.push(" and a.created_at < ").push_bind(until);
    }
    match plan {
        IndicatorPlan::None => return,
        // `o` is the alert's sighting, joined for the policy.
        IndicatorPlan::PerAlert => qb.push(
            " and exists (select 1 from stix_refs r \
             cross join stix_objects i on i.stix_id = r.ref and i.is_latest \
             where r.item_id = o.id and r.property = 'sighting_of_ref' \
             and i.kind = 'indicator'",
        ),
        IndicatorPlan::Set => qb.push(
            " and a.sighting_ref in (select s.stix_id from stix_objects i \
             cross join stix_refs r on r.ref = i.stix_id and r.property = 'sighting_of_ref' \
             cross join stix_objects s on s.id = r.item_id and s.is_latest \
             where i.is_latest and i.kind = 'indicator'",
        ),
    };
    if let Some(kind) = &filter.indicator_type {
        qb.push(format!(" and {INDICATOR_TYPE} = "))
            .push_bind(kind.trim().to_lowercase());
    }
    if let Some(text) = &filter.indicator {
        qb.push(" and instr(lower(json_extract(i.content, '$.pattern')), ")
            .push_bind(text.trim().to_lowercase())
            .push(") > 0");
    }
    qb.push(" and ");
    push_stix_visible(qb, viewer, kind, &INDICATORS);
    qb.push(")");
}

fn push_order(qb: &mut QueryBuilder<'_, Sqlite>, sort: AlertSort) {
    match sort {
        AlertSort::Newest => qb.push(" order by a.created_at desc, a.id desc"),
        AlertSort::Oldest => qb.push(" order by a.created_at, a.id"),
        AlertSort::Severity => qb.push(format!(
            " order by {SEVERITY_RANK} desc, a.created_at desc, a.id desc"
        )),
    };
}

/// Page `page` (1-based; past the end: the last) of the alerts of `viewer`'s organisation
/// that match `filter` and whose sighting `viewer` may see, with how many match.
pub async fn list(
    db: &Db,
    viewer: &Viewer,
    filter: &AlertFilter,
    sort: AlertSort,
    page: u64,
) -> CoreResult<AlertPage> {
    filter.check()?;
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    let plan = indicator_plan(&mut conn, filter).await?;
    // Counted up to one past the cap: every alert the policy admits costs a look at its
    // sighting, and a list of tens of thousands is narrowed by filters, not paged through.
    let mut count = QueryBuilder::<Sqlite>::new(
        "select count(*) from (select 1 from alerts a cross join stix_objects o \
         on o.id = a.sighting_row and o.is_latest where a.org_id = ",
    );
    push_visible(&mut count, viewer, kind);
    push_filter(&mut count, viewer, kind, filter, plan);
    count
        .push(" limit ")
        .push_bind(COUNT_CAP as i64 + 1)
        .push(")");
    let counted: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    let counted = u64::try_from(counted).unwrap_or(0);
    let total = counted.min(COUNT_CAP);
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let mut qb = QueryBuilder::<Sqlite>::new(ALERT_FROM);
    push_visible(&mut qb, viewer, kind);
    push_filter(&mut qb, viewer, kind, filter, plan);
    push_order(&mut qb, sort);
    qb.push(" limit ")
        .push_bind(PER_PAGE as i64)
        .push(" offset ")
        .push_bind(((page - 1) * PER_PAGE) as i64);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(AlertPage {
        alerts: with_what(&mut conn, viewer, kind, rows).await?,
        total,
        more: counted > COUNT_CAP,
        page,
        pages,
    })
}

/// The next at most [`EXPORT_BATCH`] alerts of the filtered list after `after` (from the
/// start: `None`), and where the batch stopped (`None`: no more). The export reads the
/// whole list this way, so it holds one batch at a time however long the list is.
pub async fn next_batch(
    db: &Db,
    viewer: &Viewer,
    filter: &AlertFilter,
    sort: AlertSort,
    after: Option<Cursor>,
) -> CoreResult<(Vec<OrgAlert>, Option<Cursor>)> {
    filter.check()?;
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    let plan = indicator_plan(&mut conn, filter).await?;
    let mut qb = QueryBuilder::<Sqlite>::new(ALERT_FROM);
    push_visible(&mut qb, viewer, kind);
    push_filter(&mut qb, viewer, kind, filter, plan);
    if let Some(after) = after {
        let (key, op) = match sort {
            AlertSort::Newest => ("0", "<"),
            AlertSort::Oldest => ("0", ">"),
            AlertSort::Severity => (SEVERITY_RANK, "<"),
        };
        // Severity sorts its rank down and, within it, time down: the row after the cursor
        // has a lower rank, or the same rank and an older time.
        qb.push(format!(" and ({key}, a.created_at, a.id) {op} ("))
            .push_bind(after.rank)
            .push(", ")
            .push_bind(after.created_at)
            .push(", ")
            .push_bind(after.id)
            .push(")");
    }
    push_order(&mut qb, sort);
    qb.push(" limit ").push_bind(EXPORT_BATCH as i64);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let full = rows.len() as u64 == EXPORT_BATCH;
    let alerts = with_what(&mut conn, viewer, kind, rows).await?;
    let cursor = alerts.last().filter(|_| full).map(|last| Cursor {
        rank: match sort {
            AlertSort::Severity => severity_rank(last.severity),
            AlertSort::Newest | AlertSort::Oldest => 0,
        },
        created_at: last.created_at,
        id: last.id,
    });
    Ok((alerts, cursor))
}

fn severity_rank(severity: Severity) -> i64 {
    match severity {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
        Severity::Critical => 3,
    }
}

/// The alerts of `rows`, each with what it says was sighted.
async fn with_what(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    rows: Vec<Row>,
) -> CoreResult<Vec<OrgAlert>> {
    let sightings: Vec<Value> = rows.iter().map(|r| parse_content(&r.7)).collect();
    let whats = what_of(conn, viewer, kind, &rows, &sightings).await?;
    rows.into_iter()
        .zip(whats)
        .map(|(row, what)| org_alert(row, what))
        .collect()
}

/// One alert of `viewer`'s organisation, with everything its page shows; `NotFound` when
/// it does not exist or `viewer` may not see it.
pub async fn get(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<AlertDetail> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    let row = visible_row(&mut conn, viewer, kind, id).await?;
    let sighting = parse_content(&row.7);
    let what = what_of(
        &mut conn,
        viewer,
        kind,
        std::slice::from_ref(&row),
        std::slice::from_ref(&sighting),
    )
    .await?
    .pop()
    .unwrap_or(What::Unknown);
    let alert = org_alert(row, what)?;
    let (visible_at, acknowledged_at, assignee): (Option<i64>, Option<i64>, Option<UserId>) =
        sqlx::query_as("select visible_at, acknowledged_at, assignee_id from alerts where id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    let org_name: String = sqlx::query_scalar("select name from organisations where id = $1")
        .bind(viewer.org_id)
        .fetch_one(&mut *conn)
        .await?;
    let people = people(&mut conn, viewer.org_id).await?;
    let assignee = assignee.map(|id| Person {
        id,
        name: people
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default(),
    });
    let indicator_refs: Vec<String> = string_list(&sighting, "sighting_of_ref");
    let indicators = visible_objects(&mut conn, viewer, kind, &indicator_refs)
        .await?
        .into_iter()
        .filter(|(_, kind, _)| kind == "indicator")
        .map(|(related, _, content)| Indicator {
            pattern: parse_content(&content)["pattern"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            related,
        })
        .collect();
    let mut about = vec![alert.sighting_ref.clone()];
    about.extend(indicator_refs);
    let mut advisories = Vec::new();
    let mut incidents = Vec::new();
    for (_, related, kind) in referring_items(&mut conn, viewer, kind, &about).await? {
        let list = if kind == "advisory" {
            &mut advisories
        } else {
            &mut incidents
        };
        if !list.contains(&related) {
            list.push(related);
        }
    }
    let comments = comments(&mut conn, id).await?;
    let changes = changes(&mut conn, id).await?;
    let comment_labels = comment_labels(alert.tlp);
    let threads = linked_threads(&mut conn, viewer, id).await?;
    let forums = forums_to_discuss_in(&mut conn, viewer).await?;
    Ok(AlertDetail {
        threads,
        forums,
        org_name,
        first_seen: timestamp(&sighting, "first_seen"),
        last_seen: timestamp(&sighting, "last_seen"),
        count: sighting["count"].as_u64(),
        description: sighting["description"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        visible_at,
        acknowledged_at,
        assignee,
        indicators,
        advisories,
        incidents,
        comments,
        changes,
        people,
        comment_labels,
        alert,
    })
}

/// Moves the alert to `next`, as a person of its organisation; a move the workflow does
/// not allow is `Invalid { field: "status" }`.
pub async fn set_status(db: &Db, viewer: &Viewer, id: i64, next: Status) -> CoreResult<()> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, current) = workable(&mut tx, viewer, kind, id).await?;
    if !current.can_become(next) {
        return Err(CoreError::invalid("status", "transition"));
    }
    let now = clock::now();
    sqlx::query(
        "update alerts set status = $1, updated_at = $2, \
         acknowledged_at = coalesce(acknowledged_at, case when $1 <> 'new' then $2 end) \
         where id = $3",
    )
    .bind(next.as_str())
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        id,
        actor,
        "status",
        current.as_str(),
        next.as_str(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Hands the alert to `assignee` (one of its organisation's active people), or to nobody.
pub async fn assign(db: &Db, viewer: &Viewer, id: i64, assignee: Option<UserId>) -> CoreResult<()> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, _) = workable(&mut tx, viewer, kind, id).await?;
    if let Some(user) = assignee {
        let colleague: bool = sqlx::query_scalar(
            "select exists (select 1 from users where id = $1 and org_id = $2 \
             and status = 'active')",
        )
        .bind(user)
        .bind(viewer.org_id)
        .fetch_one(&mut *tx)
        .await?;
        if !colleague {
            return Err(CoreError::invalid("assignee", "not_colleague"));
        }
    }
    let current: Option<UserId> =
        sqlx::query_scalar("select assignee_id from alerts where id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if current == assignee {
        return Ok(());
    }
    let now = clock::now();
    sqlx::query("update alerts set assignee_id = $1, updated_at = $2 where id = $3")
        .bind(assignee)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let text = |u: Option<UserId>| u.map(|u| u.0.to_string()).unwrap_or_default();
    record(
        &mut tx,
        id,
        actor,
        "assignee",
        &text(current),
        &text(assignee),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a comment, as a person of the alert's organisation: plain text of at most
/// [`COMMENT_MAX_CHARS`], labelled at least as strictly as the alert (one of
/// [`comment_labels`]).
pub async fn comment(db: &Db, viewer: &Viewer, id: i64, body: &str, tlp: Tlp) -> CoreResult<i64> {
    let body = body.trim();
    if body.is_empty() {
        return Err(CoreError::invalid("body", "required"));
    }
    if body.chars().count() > COMMENT_MAX_CHARS {
        return Err(CoreError::invalid("body", "too_long_20000"));
    }
    let kind = org_kind(db, viewer.org_id).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, _) = workable(&mut tx, viewer, kind, id).await?;
    let alert_tlp: Option<Tlp> = sqlx::query_scalar(
        "select o.tlp from alerts a cross join stix_objects o \
         on o.id = a.sighting_row and o.is_latest where a.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if !comment_labels(alert_tlp).contains(&tlp) {
        return Err(CoreError::invalid("tlp", "below_alert"));
    }
    let comment: i64 = sqlx::query_scalar(
        "insert into alert_comments (alert_id, author_id, body, tlp, created_at) \
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(id)
    .bind(actor)
    .bind(body)
    .bind(tlp)
    .bind(clock::now())
    .fetch_one(&mut *tx)
    .await?;
    outbox::stage(
        &mut tx,
        outbox::Item::AlertComment(comment),
        outbox::Operation::Upsert,
        clock::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(comment)
}

/// The labels a comment on an alert labelled `alert` may carry: the alert's and every
/// stricter one up to AMBER+STRICT (the comment is seen by the organisation and the
/// centre alone); RED only on a RED alert, whose readers are named.
pub fn comment_labels(alert: Option<Tlp>) -> Vec<Tlp> {
    let floor = alert.unwrap_or(Tlp::Clear);
    if floor == Tlp::Red {
        return vec![Tlp::Red];
    }
    [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict]
        .into_iter()
        .filter(|t| *t >= floor)
        .collect()
}

/// Starts a thread about alert `id` in the group `group_slug` ("Discuss in forum"), as a
/// person who works the alert, linked to it both ways. Its label is at least the
/// alert's (`tlp`, one of [`comment_labels`]); a RED alert is not discussed in a forum,
/// whose RED threads name their readers one by one. The title and text are the
/// person's: the page offers a text that names no other organisation.
pub async fn discuss(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    group_slug: &str,
    title: &str,
    body: &str,
    tlp: Tlp,
) -> CoreResult<crate::forums::writing::Posted> {
    let kind = org_kind(db, viewer.org_id).await?;
    let alert_tlp = {
        let mut conn = db.acquire().await?;
        workable(&mut conn, viewer, kind, id).await?;
        visible_row(&mut conn, viewer, kind, id).await?.5
    };
    if alert_tlp == Some(Tlp::Red) || tlp == Tlp::Red {
        return Err(CoreError::Invalid {
            field: "tlp",
            reason: "red_forum",
        });
    }
    if !comment_labels(alert_tlp).contains(&tlp) {
        return Err(CoreError::Invalid {
            field: "tlp",
            reason: "below_alert",
        });
    }
    let new = crate::forums::writing::NewThread {
        group_slug: group_slug.to_string(),
        title: title.to_string(),
        body: body.to_string(),
        tlp: Some(tlp),
        audience: Default::default(),
        chatham_house: false,
    };
    crate::forums::writing::create_thread_about(db, viewer, new, Some(id)).await
}

/// The threads started about alert `id` that `viewer` may see, newest first.
async fn linked_threads(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    id: i64,
) -> CoreResult<Vec<LinkedThread>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select t.id, t.title, g.name from alert_threads l \
         cross join forum_threads t on t.id = l.thread_id \
         cross join user_groups g on g.id = t.group_id and g.archived_at is null \
         where l.alert_id = ",
    );
    qb.push_bind(id).push(" and ");
    push_group_content_visible(&mut qb, viewer, &crate::forums::THREADS);
    qb.push(" order by t.id desc");
    let rows: Vec<(i64, String, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, group)| LinkedThread { id, title, group })
        .collect())
}

/// The groups `viewer` may post in, not archived, by name: (slug, name).
async fn forums_to_discuss_in(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
) -> CoreResult<Vec<(String, String)>> {
    let groups: Vec<(crate::ids::GroupId, String, String)> = sqlx::query_as(
        "select id, slug, name from user_groups where archived_at is null \
         order by name collate nocase",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(groups
        .into_iter()
        .filter(|(group, _, _)| crate::policy::can_post_in(viewer, *group))
        .map(|(_, slug, name)| (slug, name))
        .collect())
}

/// The alerts a thread was started about that `viewer` works (its own organisation's,
/// visible to it): (id, what was sighted), for the thread's link back.
pub async fn about_thread(db: &Db, viewer: &Viewer, thread: i64) -> CoreResult<Vec<OrgAlert>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("select alert_id from alert_threads where thread_id = $1")
            .bind(thread)
            .fetch_all(db)
            .await?;
    visible_among(db, viewer, &ids).await
}

/// Those of alerts `ids` that `viewer` may see, newest first, with what was sighted.
pub async fn visible_among(db: &Db, viewer: &Viewer, ids: &[i64]) -> CoreResult<Vec<OrgAlert>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    let mut qb = QueryBuilder::<Sqlite>::new(ALERT_FROM);
    push_visible(&mut qb, viewer, kind);
    qb.push(" and a.id in (");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    with_what(&mut conn, viewer, kind, rows).await
}

/// How one alerted organisation works its alert, as the publishing centre reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgWork {
    pub org_name: String,
    pub status: Status,
    pub assignee: Option<String>,
    pub acknowledged_at: Option<i64>,
    pub comments: Vec<Comment>,
}

/// How each organisation alerted by sighting `row` works its alert (status, assignee,
/// comments), by organisation name, for the analysts of the centre that published it
/// ([`can_read_alert_work`]); `NotFound` for a sighting `viewer` may not see or anyone
/// else.
pub async fn work_for_centre(db: &Db, viewer: &Viewer, row: i64) -> CoreResult<Vec<OrgWork>> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.stix_id, o.publisher_org_id from stix_objects o \
         where o.kind = 'sighting' and o.id = ",
    );
    qb.push_bind(row).push(" and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    let (sighting, publisher): (String, OrgId) = qb
        .build_query_as()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    if !can_read_alert_work(viewer, publisher) {
        return Err(CoreError::NotFound);
    }
    type WorkRow = (i64, String, String, Option<String>, Option<i64>);
    let rows: Vec<WorkRow> = sqlx::query_as(
        "select a.id, g.name, a.status, u.name, a.acknowledged_at from alerts a \
         join organisations g on g.id = a.org_id left join users u on u.id = a.assignee_id \
         where a.sighting_ref = $1 order by g.name",
    )
    .bind(&sighting)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, org_name, status, assignee, acknowledged_at) in rows {
        out.push(OrgWork {
            org_name,
            status: stored_status(&status)?,
            assignee,
            acknowledged_at,
            comments: comments(&mut conn, id).await?,
        });
    }
    Ok(out)
}

/// The alert row `id` if `viewer` may see it, else `NotFound`.
async fn visible_row(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    id: i64,
) -> CoreResult<Row> {
    let mut qb = QueryBuilder::<Sqlite>::new(ALERT_FROM);
    push_visible(&mut qb, viewer, kind);
    qb.push(" and a.id = ").push_bind(id);
    qb.build_query_as()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(CoreError::NotFound)
}

/// The person working alert `id` and its current status, if `viewer` may see and work
/// it; a hidden alert is `NotFound` like a missing one.
pub(super) async fn workable(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    id: i64,
) -> CoreResult<(UserId, Status)> {
    let row = visible_row(conn, viewer, kind, id).await?;
    let org: OrgId = sqlx::query_scalar("select org_id from alerts where id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    match viewer.user_id {
        Some(actor) if can_work_alert(viewer, org) => Ok((actor, stored_status(&row.4)?)),
        _ => Err(CoreError::NotFound),
    }
}

async fn record(
    conn: &mut SqliteConnection,
    alert: i64,
    actor: UserId,
    field: &str,
    old: &str,
    new: &str,
    at: i64,
) -> CoreResult<()> {
    sqlx::query(
        "insert into alert_changes (alert_id, actor_id, field, old_value, new_value, created_at) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(alert)
    .bind(actor)
    .bind(field)
    .bind(old)
    .bind(new)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn stored_status(s: &str) -> CoreResult<Status> {
    Status::parse(s).ok_or_else(|| CoreError::Internal(format!("stored alert status {s:?}")))
}

fn org_alert(row: Row, what: What) -> CoreResult<OrgAlert> {
    let (id, sighting_ref, _, severity, status, tlp, created_at, _, assignee) = row;
    Ok(OrgAlert {
        id,
        sighting_ref,
        what,
        severity: Severity::parse(&severity)
            .ok_or_else(|| CoreError::Internal(format!("stored severity {severity:?}")))?,
        status: stored_status(&status)?,
        tlp,
        created_at,
        assignee,
    })
}

fn parse_content(content: &str) -> Value {
    serde_json::from_str(content).unwrap_or(Value::Null)
}

/// A property holding one reference or a list of them, as a list.
fn string_list(object: &Value, property: &str) -> Vec<String> {
    match &object[property] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn timestamp(object: &Value, property: &str) -> Option<i64> {
    let text = object[property].as_str()?;
    super::object::parse_timestamp(text).map(|us| us.div_euclid(1_000_000))
}

/// The value a STIX pattern compares against (`[domain-name:value = 'x']` → `x`: the
/// first quoted text after the first `=`), or the pattern itself when it has none.
fn pattern_value(pattern: &str) -> String {
    let value = pattern
        .split_once('=')
        .and_then(|(_, right)| right.split_once('\''))
        .and_then(|(_, quoted)| quoted.split_once('\''))
        .map(|(value, _)| value)
        .filter(|value| !value.trim().is_empty());
    value.unwrap_or(pattern).to_string()
}

/// [`What`] each of `rows` (with its parsed `sightings`) says was sighted, for `viewer`.
async fn what_of(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    rows: &[Row],
    sightings: &[Value],
) -> CoreResult<Vec<What>> {
    let indicator_refs: Vec<String> = sightings
        .iter()
        .flat_map(|s| string_list(s, "sighting_of_ref"))
        .collect();
    let mut indicators: HashMap<String, (String, String)> = HashMap::new();
    for (related, kind, content) in visible_objects(conn, viewer, kind, &indicator_refs).await? {
        if kind == "indicator" {
            let pattern = parse_content(&content)["pattern"]
                .as_str()
                .map(pattern_value)
                .unwrap_or_default();
            indicators.insert(related.stix_id, (related.name, pattern));
        }
    }
    let mut about: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    about.extend(indicator_refs);
    let mut advisory_of: HashMap<String, String> = HashMap::new();
    for (about, item, kind) in referring_items(conn, viewer, kind, &about).await? {
        if kind == "advisory" {
            advisory_of.entry(about).or_insert(item.name);
        }
    }
    Ok(rows
        .iter()
        .zip(sightings)
        .map(|(row, sighting)| {
            let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
            if let Some(name) = nonempty(&row.2) {
                return What::Named(name);
            }
            let of = string_list(sighting, "sighting_of_ref");
            let indicator = of.iter().find_map(|r| indicators.get(r));
            if let Some(name) = indicator.and_then(|(name, _)| nonempty(name)) {
                return What::Indicator(name);
            }
            if let Some(value) = indicator.and_then(|(_, pattern)| nonempty(pattern)) {
                return What::Pattern(value);
            }
            let advisory = std::iter::once(&row.1)
                .chain(&of)
                .find_map(|r| advisory_of.get(r));
            if let Some(title) = advisory.and_then(|t| nonempty(t)) {
                return What::Advisory(title);
            }
            match sighting["description"].as_str().and_then(nonempty) {
                Some(text) => What::Description(text.chars().take(200).collect()),
                None => What::Unknown,
            }
        })
        .collect())
}

/// The newest versions of `stix_ids` that `viewer` may see, with their kind and content.
async fn visible_objects(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    stix_ids: &[String],
) -> CoreResult<Vec<(Related, String, String)>> {
    if stix_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.id, o.stix_id, o.name, o.tlp, o.kind, o.content from stix_objects o \
         where o.is_latest and o.stix_id in (",
    );
    push_list(&mut qb, stix_ids);
    qb.push(") and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    let rows: Vec<(i64, String, String, Option<Tlp>, String, String)> =
        qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|(row, stix_id, name, tlp, kind, content)| {
            (
                Related {
                    row,
                    stix_id,
                    name,
                    tlp,
                },
                kind,
                content,
            )
        })
        .collect())
}

/// Advisories and incidents (newest versions) that refer to any of `about` and that
/// `viewer` may see: (the id referred to, the item, its kind), newest first.
async fn referring_items(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    kind: OrgKind,
    about: &[String],
) -> CoreResult<Vec<(String, Related, String)>> {
    if about.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select r.ref, o.id, o.stix_id, o.name, o.tlp, o.kind \
         from stix_refs r cross join stix_objects o on o.id = r.item_id and o.is_latest \
         and o.kind in ('advisory', 'incident') where r.ref in (",
    );
    push_list(&mut qb, about);
    qb.push(") and ");
    push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
    qb.push(" order by o.date_added_us desc, o.id desc");
    let rows: Vec<(String, i64, String, String, Option<Tlp>, String)> =
        qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|(about, row, stix_id, name, tlp, kind)| {
            let related = Related {
                row,
                stix_id,
                name,
                tlp,
            };
            (about, related, kind)
        })
        .collect())
}

/// Binds each of `ids` into the `in (…)` list being written.
fn push_list(qb: &mut QueryBuilder<'_, Sqlite>, ids: &[String]) {
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.clone());
    }
}

/// The active people of `org`, by name.
async fn people(conn: &mut SqliteConnection, org: OrgId) -> CoreResult<Vec<Person>> {
    let rows: Vec<(UserId, String)> = sqlx::query_as(
        "select id, name from users where org_id = $1 and status = 'active' \
         order by name collate nocase, id",
    )
    .bind(org)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| Person { id, name })
        .collect())
}

async fn comments(conn: &mut SqliteConnection, alert: i64) -> CoreResult<Vec<Comment>> {
    let rows: Vec<(i64, String, String, Tlp, i64)> = sqlx::query_as(
        "select c.id, u.name, c.body, c.tlp, c.created_at from alert_comments c \
         join users u on u.id = c.author_id where c.alert_id = $1 order by c.id",
    )
    .bind(alert)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, author, body, tlp, created_at)| Comment {
            id,
            author,
            body,
            tlp,
            created_at,
        })
        .collect())
}

/// The alert's changes, oldest first, with the names of the people in them read in the
/// same query.
async fn changes(conn: &mut SqliteConnection, alert: i64) -> CoreResult<Vec<Changed>> {
    type ChangeRow = (
        String,
        String,
        String,
        String,
        i64,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<ChangeRow> = sqlx::query_as(
        "select c.field, c.old_value, c.new_value, u.name, c.created_at, was.name, now.name \
         from alert_changes c join users u on u.id = c.actor_id \
         left join users was on c.field = 'assignee' and was.id = c.old_value \
         left join users now on c.field = 'assignee' and now.id = c.new_value \
         where c.alert_id = $1 order by c.id",
    )
    .bind(alert)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(field, old, new, actor, at, was, now)| {
            let change = if field == "status" {
                Change::Status {
                    from: stored_status(&old)?,
                    to: stored_status(&new)?,
                }
            } else {
                Change::Assignee { from: was, to: now }
            };
            Ok(Changed { change, actor, at })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workflow_allows_exactly_the_documented_moves() {
        use Status::*;
        let allowed = [
            (New, Acknowledged),
            (New, NotAffected),
            (Acknowledged, NotAffected),
            (Acknowledged, Investigating),
            (Investigating, Resolved),
            (Investigating, FalsePositive),
            (Resolved, Investigating),
            (FalsePositive, Investigating),
            (NotAffected, Investigating),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
    }

    #[test]
    fn statuses_are_stored_and_read_by_the_same_names() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("closed"), None);
    }

    #[test]
    fn a_comment_is_labelled_at_least_as_strictly_as_its_alert() {
        assert_eq!(
            comment_labels(Some(Tlp::Amber)),
            vec![Tlp::Amber, Tlp::AmberStrict]
        );
        assert_eq!(comment_labels(Some(Tlp::Red)), vec![Tlp::Red]);
        assert_eq!(comment_labels(Some(Tlp::Clear)).len(), 4);
        assert!(!comment_labels(Some(Tlp::Green)).contains(&Tlp::Red));
    }

    #[test]
    fn a_pattern_is_shown_by_the_value_it_compares_against() {
        assert_eq!(
            pattern_value("[domain-name:value = 'login-kommune.example']"),
            "login-kommune.example"
        );
        assert_eq!(pattern_value("[file:hashes.'SHA-256' = 'abc']"), "abc");
        assert_eq!(pattern_value("[x:y = 1]"), "[x:y = 1]");
    }
}
