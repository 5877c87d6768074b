//! Marking an own incident significant under NIS2 (with the time the organisation became
//! aware), the GDPR personal-data awareness time, and the reports submitted: what the
//! clocks of [`super::deadlines`] run from. Marking and undoing are audited.

use super::deadlines::{ClockState, Recorded, Report};
use super::{CLOCK_SKEW_SECS, EntryKind, insert_entry, require};
use crate::audit::{self, Actor, AuditLog, Entry, action};
use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::policy::{Viewer, can_manage_incident, can_undo_significance};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::HashMap;

/// Characters of a submission reference.
pub const REFERENCE_MAX_CHARS: usize = 200;

/// An incident's significance and its clocks' inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Significance {
    pub recorded: Recorded,
    pub marked_by: String,
    pub marked_at: i64,
    /// The authority's reference for each report submitted, as entered.
    pub references: Vec<(Report, String)>,
}

impl Significance {
    /// The earliest deadline still owed at `now` (running or overdue).
    pub fn next_deadline(&self, now: i64) -> Option<(Report, i64)> {
        Report::ALL
            .into_iter()
            .filter_map(|r| match self.recorded.state(r, now) {
                ClockState::Running { due } | ClockState::Overdue { due } => Some((r, due)),
                _ => None,
            })
            .min_by_key(|(_, due)| *due)
    }

    pub fn reference(&self, report: Report) -> &str {
        self.references
            .iter()
            .find(|(r, _)| *r == report)
            .map_or("", |(_, text)| text.as_str())
    }
}

/// The incident, then its marking as stored.
type Row = (
    i64,
    i64,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    String,
    Option<i64>,
    String,
    Option<i64>,
    String,
    Option<i64>,
    String,
);

/// The significance of incident `id`, if it was marked significant.
pub(crate) async fn read(conn: &mut SqliteConnection, id: i64) -> CoreResult<Option<Significance>> {
    Ok(read_many(conn, &[id]).await?.remove(&id))
}

/// The significance of each of incidents `ids` that was marked significant, in one query.
pub(crate) async fn read_many(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> CoreResult<HashMap<i64, Significance>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select s.incident_id, s.aware_at, u.name, s.marked_at, s.personal_data_aware_at, \
         s.early_warning_at, s.early_warning_ref, s.notification_at, s.notification_ref, \
         s.final_report_at, s.final_report_ref, s.gdpr_at, s.gdpr_ref \
         from incident_significance s join users u on u.id = s.marked_by \
         where s.incident_id in (",
    );
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                aware_at,
                marked_by,
                marked_at,
                personal,
                ew,
                ew_ref,
                n,
                n_ref,
                f,
                f_ref,
                g,
                g_ref,
            )| {
                let significance = Significance {
                    recorded: Recorded {
                        aware_at,
                        personal_data_aware_at: personal,
                        early_warning_submitted_at: ew,
                        notification_submitted_at: n,
                        final_report_submitted_at: f,
                        gdpr_submitted_at: g,
                    },
                    marked_by,
                    marked_at,
                    references: vec![
                        (Report::EarlyWarning, ew_ref),
                        (Report::Notification, n_ref),
                        (Report::FinalReport, f_ref),
                        (Report::Gdpr, g_ref),
                    ],
                };
                (id, significance)
            },
        )
        .collect())
}

/// Refuses a time after now (beyond a browser's clock drift).
fn not_future(field: &'static str, at: i64, now: i64) -> CoreResult<()> {
    if at > now + CLOCK_SKEW_SECS {
        return Err(CoreError::invalid(field, "future"));
    }
    Ok(())
}

/// Marks the incident significant, the organisation having become aware at `aware_at`
/// (not in the future), as a person of its organisation who may see it; with personal
/// data, `personal_data_aware_at` starts the GDPR clock. Audited. Marking it again
/// corrects the awareness times and keeps what was submitted.
pub async fn mark_significant(
    db: &Db,
    audit_log: &AuditLog,
    viewer: &Viewer,
    id: i64,
    aware_at: i64,
    personal_data_aware_at: Option<i64>,
) -> CoreResult<()> {
    let now = clock::now();
    not_future("aware_at", aware_at, now)?;
    if let Some(at) = personal_data_aware_at {
        not_future("personal_data_aware_at", at, now)?;
    }
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, _) = require(&mut tx, viewer, id, can_manage_incident).await?;
    if let Some(current) = read(&mut tx, id).await? {
        let earliest = Report::ALL
            .into_iter()
            .filter(|r| *r != Report::Gdpr)
            .filter_map(|r| current.recorded.submitted_at(r))
            .min();
        if earliest.is_some_and(|at| at < aware_at) {
            return Err(CoreError::invalid("aware_at", "after_submitted"));
        }
        if let (Some(gdpr), Some(aware)) =
            (current.recorded.gdpr_submitted_at, personal_data_aware_at)
            && gdpr < aware
        {
            return Err(CoreError::invalid(
                "personal_data_aware_at",
                "after_submitted",
            ));
        }
    }
    sqlx::query(
        "insert into incident_significance (incident_id, aware_at, marked_by, marked_at, \
         personal_data_aware_at) values ($1, $2, $3, $4, $5) \
         on conflict (incident_id) do update set aware_at = excluded.aware_at, \
         marked_by = excluded.marked_by, marked_at = excluded.marked_at, \
         personal_data_aware_at = excluded.personal_data_aware_at",
    )
    .bind(id)
    .bind(aware_at)
    .bind(actor)
    .bind(now)
    .bind(personal_data_aware_at)
    .execute(&mut *tx)
    .await?;
    insert_entry(&mut tx, id, actor, EntryKind::Significance, "marked", now).await?;
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(viewer), action::INCIDENT_SIGNIFICANT).detail(format!(
            "incident={id} aware_at={aware_at} personal_data={}",
            personal_data_aware_at.is_some()
        )),
    )
    .await?;
    tx.commit().await?;
    audit_log.chain_soon();
    Ok(())
}

/// Undoes the significance marking, as an admin of the incident's organisation; what was
/// recorded is gone with it. Audited.
pub async fn undo_significance(
    db: &Db,
    audit_log: &AuditLog,
    viewer: &Viewer,
    id: i64,
) -> CoreResult<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, _) = require(&mut tx, viewer, id, can_undo_significance).await?;
    let removed = sqlx::query("delete from incident_significance where incident_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        return Ok(());
    }
    let now = clock::now();
    insert_entry(&mut tx, id, actor, EntryKind::Significance, "undone", now).await?;
    audit::stage(
        &mut tx,
        Entry::new(Actor::of(viewer), action::INCIDENT_SIGNIFICANCE_UNDO)
            .detail(format!("incident={id}")),
    )
    .await?;
    tx.commit().await?;
    audit_log.chain_soon();
    Ok(())
}

/// Sets (or, with `None`, clears) when the organisation became aware of a personal data
/// breach in the incident, which starts the GDPR clock.
pub async fn set_personal_data(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    aware_at: Option<i64>,
) -> CoreResult<()> {
    let now = clock::now();
    if let Some(at) = aware_at {
        not_future("personal_data_aware_at", at, now)?;
    }
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    require(&mut tx, viewer, id, can_manage_incident).await?;
    let current = read(&mut tx, id)
        .await?
        .ok_or(CoreError::invalid("significance", "not_marked"))?;
    match (aware_at, current.recorded.gdpr_submitted_at) {
        (None, Some(_)) => return Err(CoreError::invalid("personal_data_aware_at", "submitted")),
        (Some(at), Some(submitted)) if submitted < at => {
            return Err(CoreError::invalid(
                "personal_data_aware_at",
                "after_submitted",
            ));
        }
        _ => {}
    }
    sqlx::query(
        "update incident_significance set personal_data_aware_at = $1 where incident_id = $2",
    )
    .bind(aware_at)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records `report` as submitted at `at` with the authority's `reference`: not before
/// the awareness its clock runs from (for the final report: not before the notification
/// was submitted), not in the future; the GDPR notification needs a personal-data
/// awareness time.
pub async fn mark_submitted(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    report: Report,
    at: i64,
    reference: &str,
) -> CoreResult<()> {
    let reference = reference.trim();
    if reference.chars().count() > REFERENCE_MAX_CHARS {
        return Err(CoreError::invalid("reference", "too_long_200"));
    }
    let now = clock::now();
    not_future("submitted_at", at, now)?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, _) = require(&mut tx, viewer, id, can_manage_incident).await?;
    let current = read(&mut tx, id)
        .await?
        .ok_or(CoreError::invalid("significance", "not_marked"))?;
    let from = match report {
        Report::EarlyWarning | Report::Notification => Some(current.recorded.aware_at),
        Report::FinalReport => current.recorded.notification_submitted_at,
        Report::Gdpr => current.recorded.personal_data_aware_at,
    };
    let Some(from) = from else {
        return Err(CoreError::invalid("submitted_at", "not_owed"));
    };
    if at < from {
        return Err(CoreError::invalid("submitted_at", "before_awareness"));
    }
    let (at_column, ref_column) = match report {
        Report::EarlyWarning => ("early_warning_at", "early_warning_ref"),
        Report::Notification => ("notification_at", "notification_ref"),
        Report::FinalReport => ("final_report_at", "final_report_ref"),
        Report::Gdpr => ("gdpr_at", "gdpr_ref"),
    };
    sqlx::query(&format!(
        "update incident_significance set {at_column} = $1, {ref_column} = $2 \
         where incident_id = $3"
    ))
    .bind(at)
    .bind(reference)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    insert_entry(
        &mut tx,
        id,
        actor,
        EntryKind::Submitted,
        report.as_str(),
        at,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
