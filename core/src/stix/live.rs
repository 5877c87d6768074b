//! What the live stream tells open dashboards and alert lists (DESIGN §3.F): which of
//! their panels changed, and how many new things each shows.
//!
//! Two steps keep it cheap and inside the policy. The server watches one
//! [`Watermark`] (the newest rows of `intel_events`, `alerts` and `alert_changes`),
//! and when it moves, [`changes_since`] says once for everybody what moved: which
//! organisations' alerts, and whether any intel. Every open stream whose viewer that can
//! concern then [`compare`]s: it reads the alerts that moved past its last [`Mark`]
//! (high-water marks read through indexes) and the newest advisories and incidents,
//! both through the policy, and tells its page only what differs; a hidden alert or
//! advisory arriving changes nothing the viewer may see, so nothing is said. A burst of
//! ingestion moves the watermark many times a second but is read once a second, so it is
//! one event, not one per object. A new entry on an own incident's timeline moves the
//! watermark too; each stream then reads the newest entry among the incidents its viewer
//! may see, so only their readers are told.

use super::browse::{OBJECTS, org_kind};
use super::dashboard;
use crate::db::Db;
use crate::error::CoreResult;
use crate::ids::OrgId;
use crate::policy::{IncidentSql, Viewer, push_incident_visible, push_stix_visible};

const INCIDENTS: IncidentSql = IncidentSql::new("n", "incident_named");
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::BTreeSet;

/// The newest row of each table a change of alerts or intel writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Watermark {
    intel_event: i64,
    alert: i64,
    alert_change: i64,
    incident_entry: i64,
}

/// What moved between two watermarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Organisations with a new alert, a changed one, or one whose sighting changed.
    pub alert_orgs: BTreeSet<OrgId>,
    /// Some intel object was stored, labelled or reached new readers.
    pub intel: bool,
    /// Some own incident's timeline grew (its readers are worked out per viewer).
    pub timelines: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.alert_orgs.is_empty() && !self.intel && !self.timelines
    }

    /// Whether this can change what `viewer` is shown.
    pub fn concerns(&self, viewer: &Viewer) -> bool {
        self.intel || self.timelines || self.alert_orgs.contains(&viewer.org_id)
    }
}

/// The watermark now.
pub async fn watermark(db: &Db) -> CoreResult<Watermark> {
    let (intel_event, alert, alert_change, incident_entry): (i64, i64, i64, i64) = sqlx::query_as(
        "select (select coalesce(max(id), 0) from intel_events), \
             (select coalesce(max(id), 0) from alerts), \
             (select coalesce(max(id), 0) from alert_changes), \
             (select coalesce(max(id), 0) from incident_entries)",
    )
    .fetch_one(db)
    .await?;
    Ok(Watermark {
        intel_event,
        alert,
        alert_change,
        incident_entry,
    })
}

/// The watermark now and what moved since `before`.
pub async fn changes_since(db: &Db, before: Watermark) -> CoreResult<(Watermark, Changes)> {
    let now = watermark(db).await?;
    let mut changes = Changes::default();
    if now == before {
        return Ok((now, changes));
    }
    let orgs: Vec<OrgId> = sqlx::query_scalar(
        "select org_id from alerts where id > $1 \
         union select a.org_id from alert_changes c cross join alerts a on a.id = c.alert_id \
         where c.id > $2 \
         union select a.org_id from intel_events e \
         cross join stix_objects o on o.id = e.object_id and o.kind = 'sighting' \
         cross join alerts a on a.sighting_ref = o.stix_id where e.id > $3",
    )
    .bind(before.alert)
    .bind(before.alert_change)
    .bind(before.intel_event)
    .fetch_all(db)
    .await?;
    changes.alert_orgs = orgs.into_iter().collect();
    changes.intel = now.intel_event > before.intel_event;
    changes.timelines = now.incident_entry > before.incident_entry;
    Ok((now, changes))
}

/// A panel of the pages that listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Topic {
    Alerts,
    Advisories,
    Incidents,
    /// The timeline of an own incident the viewer may see.
    Timeline,
}

impl Topic {
    /// The event's name on the stream.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alerts => "alerts",
            Self::Advisories => "advisories",
            Self::Incidents => "incidents",
            Self::Timeline => "timeline",
        }
    }
}

/// Where a viewer's organisation's alerts stood when last compared: the newest alert of
/// all, and the organisation's last change of status or assignee and last alert to
/// become visible. High-water marks only, read through indexes: what moved past them is
/// read through the policy when the marks move ([`compare`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct AlertMark {
    last_id: i64,
    last_change: i64,
    last_visible: i64,
}

/// What one viewer is shown, as far as the live stream compares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mark {
    alerts: AlertMark,
    /// The newest advisories and incidents the viewer may see (rows).
    advisories: Vec<i64>,
    incidents: Vec<i64>,
    /// The newest timeline entry of the own incidents the viewer may see.
    timeline: i64,
}

/// `viewer`'s mark now.
pub async fn mark(db: &Db, viewer: &Viewer) -> CoreResult<Mark> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    let (last_id, last_change, last_visible): (i64, i64, i64) = sqlx::query_as(
        "select (select coalesce(max(id), 0) from alerts), \
         (select coalesce(max(updated_at), 0) from alerts where org_id = $1), \
         (select coalesce(max(visible_at), 0) from alerts where org_id = $1)",
    )
    .bind(viewer.org_id)
    .fetch_one(&mut *conn)
    .await?;
    let rows = |items: Vec<dashboard::Advisory>| items.into_iter().map(|a| a.row).collect();
    let advisories = rows(dashboard::latest_items(&mut conn, viewer, kind, "advisory").await?);
    let incidents = rows(dashboard::latest_items(&mut conn, viewer, kind, "incident").await?);
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select coalesce(max(e.id), 0) from incident_entries e \
         join incidents n on n.id = e.incident_id where ",
    );
    push_incident_visible(&mut qb, viewer, &INCIDENTS);
    let timeline: i64 = qb.build_query_scalar().fetch_one(&mut *conn).await?;
    Ok(Mark {
        timeline,
        alerts: AlertMark {
            last_id,
            last_change,
            last_visible,
        },
        advisories,
        incidents,
    })
}

/// `viewer`'s mark now, and the panels that changed for `viewer` since `before`, each
/// with how many new things it shows (0: changed, nothing new). Only what the viewer may
/// see counts: a hidden alert moves the marks but is no news.
pub async fn compare(
    db: &Db,
    viewer: &Viewer,
    before: &Mark,
) -> CoreResult<(Mark, Vec<(Topic, u64)>)> {
    let after = mark(db, viewer).await?;
    let mut out = Vec::new();
    if after.alerts != before.alerts {
        let kind = org_kind(db, viewer.org_id).await?;
        let was = before.alerts;
        let mut qb = QueryBuilder::<Sqlite>::new("select coalesce(sum(a.id > ");
        qb.push_bind(was.last_id)
            .push(" or a.visible_at > ")
            .push_bind(was.last_visible)
            .push(
                "), 0), count(*) from alerts a cross join stix_objects o \
                 on o.id = a.sighting_row and o.is_latest where a.org_id = ",
            )
            .push_bind(viewer.org_id)
            .push(" and (a.id > ")
            .push_bind(was.last_id)
            .push(" or a.updated_at > ")
            .push_bind(was.last_change)
            .push(" or a.visible_at > ")
            .push_bind(was.last_visible)
            .push(") and ");
        push_stix_visible(&mut qb, viewer, kind, &OBJECTS);
        let (new, moved): (i64, i64) = qb.build_query_as().fetch_one(db).await?;
        if moved > 0 {
            out.push((Topic::Alerts, u64::try_from(new).unwrap_or(0)));
        }
    }
    out.extend(item_news(before, &after));
    if after.timeline != before.timeline {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select count(*) from incident_entries e join incidents n on n.id = e.incident_id \
             where e.id > ",
        );
        qb.push_bind(before.timeline).push(" and ");
        push_incident_visible(&mut qb, viewer, &INCIDENTS);
        let new: i64 = qb.build_query_scalar().fetch_one(db).await?;
        out.push((Topic::Timeline, u64::try_from(new).unwrap_or(0)));
    }
    Ok((after, out))
}

/// The advisory and incident panels that differ between `before` and `after`, each with
/// how many of its items are new.
fn item_news(before: &Mark, after: &Mark) -> Vec<(Topic, u64)> {
    let fresh = |before: &[i64], after: &[i64]| {
        after.iter().filter(|row| !before.contains(row)).count() as u64
    };
    let mut out = Vec::new();
    if before.advisories != after.advisories {
        out.push((
            Topic::Advisories,
            fresh(&before.advisories, &after.advisories),
        ));
    }
    if before.incidents != after.incidents {
        out.push((Topic::Incidents, fresh(&before.incidents, &after.incidents)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_item_panels_tell_how_many_of_their_items_are_new() {
        let before = Mark {
            advisories: vec![4, 3],
            incidents: vec![7],
            ..Mark::default()
        };
        assert!(item_news(&before, &before).is_empty());
        let after = Mark {
            advisories: vec![8, 6, 4],
            incidents: vec![7],
            ..Mark::default()
        };
        assert_eq!(item_news(&before, &after), vec![(Topic::Advisories, 2)]);
        let narrowed = Mark {
            advisories: vec![3],
            ..before.clone()
        };
        assert_eq!(item_news(&before, &narrowed), vec![(Topic::Advisories, 0)]);
    }
}
