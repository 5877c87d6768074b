//! What the live stream tells open dashboards and alert lists (DESIGN §3.F): which of
//! their panels changed, and how many new things each shows.
//!
//! Two steps keep it cheap and inside the policy. The server watches one
//! [`Watermark`] (the newest rows of `intel_events`, `alerts` and `alert_changes`),
//! and when it moves, [`changes_since`] says once for everybody what moved: which
//! organisations' alerts, and whether any intel. Every open stream whose viewer that can
//! concern then reads its own [`Mark`] through the policy and tells its page only what
//! differs from the mark it sent last; a hidden alert or advisory arriving changes no
//! mark, so nothing is said. A burst of ingestion moves the watermark many times a
//! second but is read once a second, so it is one event, not one per object.

use super::browse::org_kind;
use super::dashboard::{self, AlertNumbers};
use crate::db::Db;
use crate::error::CoreResult;
use crate::ids::OrgId;
use crate::policy::Viewer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The newest row of each table a change of alerts or intel writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Watermark {
    intel_event: i64,
    alert: i64,
    alert_change: i64,
}

/// What moved between two watermarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Organisations with a new alert, a changed one, or one whose sighting changed.
    pub alert_orgs: BTreeSet<OrgId>,
    /// Some intel object was stored, labelled or reached new readers.
    pub intel: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.alert_orgs.is_empty() && !self.intel
    }

    /// Whether this can change what `viewer` is shown.
    pub fn concerns(&self, viewer: &Viewer) -> bool {
        self.intel || self.alert_orgs.contains(&viewer.org_id)
    }
}

/// The watermark now.
pub async fn watermark(db: &Db) -> CoreResult<Watermark> {
    let (intel_event, alert, alert_change): (i64, i64, i64) = sqlx::query_as(
        "select (select coalesce(max(id), 0) from intel_events), \
         (select coalesce(max(id), 0) from alerts), \
         (select coalesce(max(id), 0) from alert_changes)",
    )
    .fetch_one(db)
    .await?;
    Ok(Watermark {
        intel_event,
        alert,
        alert_change,
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
    Ok((now, changes))
}

/// A panel of the pages that listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Topic {
    Alerts,
    Advisories,
    Incidents,
}

impl Topic {
    /// The event's name on the stream.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alerts => "alerts",
            Self::Advisories => "advisories",
            Self::Incidents => "incidents",
        }
    }
}

/// What one viewer is shown, as far as the live stream compares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mark {
    alerts: AlertNumbers,
    /// The newest advisories and incidents the viewer may see (rows).
    advisories: Vec<i64>,
    incidents: Vec<i64>,
}

/// `viewer`'s mark at `now`.
pub async fn mark(db: &Db, viewer: &Viewer, now: i64) -> CoreResult<Mark> {
    let kind = org_kind(db, viewer.org_id).await?;
    let mut conn = db.acquire().await?;
    let alerts = dashboard::alert_numbers(&mut conn, viewer, kind, now).await?;
    let rows = |items: Vec<dashboard::Advisory>| items.into_iter().map(|a| a.row).collect();
    let advisories = rows(dashboard::latest_items(&mut conn, viewer, kind, "advisory").await?);
    let incidents = rows(dashboard::latest_items(&mut conn, viewer, kind, "incident").await?);
    Ok(Mark {
        alerts,
        advisories,
        incidents,
    })
}

/// The panels that differ between `before` and `after`, each with how many new things it
/// shows (0: changed, nothing new). Time passing alone (an alert leaving "the last 24
/// hours") is no change.
pub fn news(before: &Mark, after: &Mark) -> Vec<(Topic, u64)> {
    let mut out = Vec::new();
    let (b, a) = (&before.alerts, &after.alerts);
    if (b.open, b.waiting, b.total, b.last_id, b.last_change)
        != (a.open, a.waiting, a.total, a.last_id, a.last_change)
    {
        out.push((Topic::Alerts, a.total.saturating_sub(b.total)));
    }
    let fresh = |before: &[i64], after: &[i64]| {
        after.iter().filter(|row| !before.contains(row)).count() as u64
    };
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
    fn a_mark_that_did_not_move_tells_nothing() {
        let mark = Mark {
            alerts: AlertNumbers {
                total: 3,
                last_id: 9,
                ..AlertNumbers::default()
            },
            advisories: vec![4, 3],
            incidents: vec![],
        };
        assert!(news(&mark, &mark).is_empty());
        let mut later = mark.clone();
        later.alerts.new_24h = 0;
        later.alerts.new_7d = 7;
        assert!(news(&mark, &later).is_empty(), "time passing is no news");
    }

    #[test]
    fn news_counts_the_new_alerts_and_advisories_of_each_panel() {
        let before = Mark {
            alerts: AlertNumbers {
                total: 3,
                last_id: 9,
                ..AlertNumbers::default()
            },
            advisories: vec![4, 3],
            incidents: vec![7],
        };
        let after = Mark {
            alerts: AlertNumbers {
                total: 5,
                last_id: 12,
                ..AlertNumbers::default()
            },
            advisories: vec![8, 6, 4],
            incidents: vec![7],
        };
        assert_eq!(
            news(&before, &after),
            vec![(Topic::Alerts, 2), (Topic::Advisories, 2)]
        );
        let mut acknowledged = before.clone();
        acknowledged.alerts.last_change = 100;
        assert_eq!(news(&before, &acknowledged), vec![(Topic::Alerts, 0)]);
    }
}
