//! Deadline reminders: 6 hours before and at each NIS2 or GDPR deadline a significant
//! incident still owes, a notification to each person who manages the incident (its
//! organisation's people who may see it, [`crate::policy::can_manage_incident`]). The
//! server's scheduler calls [`send_due`] every minute; each reminder is recorded in the
//! transaction that writes its notifications, so a restart sends none twice, and one
//! missed while the server was down goes out when it starts (the "before" one only while
//! the deadline is still ahead).

use super::deadlines::{ClockState, Report, reminders};
use super::{significance, stored};
use crate::accounts::sessions;
use crate::db::Db;
use crate::error::CoreResult;
use crate::ids::UserId;
use crate::notifications::Kind;
use crate::policy::can_manage_incident;
use std::collections::HashSet;

/// The reminders incident `s` owes at `now`: (report, deadline, time of the reminder),
/// whether or not they were sent.
fn owed(s: &significance::Significance, now: i64) -> Vec<(Report, i64, i64)> {
    let mut owed = Vec::new();
    for report in Report::ALL {
        let due = match s.recorded.state(report, now) {
            ClockState::Running { due } | ClockState::Overdue { due } => due,
            ClockState::NotOwed | ClockState::Submitted { .. } => continue,
        };
        for remind_at in reminders(due) {
            let before = remind_at < due;
            if remind_at > now || (before && now >= due) {
                continue;
            }
            owed.push((report, due, remind_at));
        }
    }
    owed
}

/// Sends the reminders due at `now` (unix seconds); answers who was notified, for the
/// live streams. Each minute's pass only reads, unless a reminder is due: the write lock
/// is taken for an incident with one to send, and what it owes is read again under it.
pub async fn send_due(db: &Db, now: i64) -> CoreResult<Vec<UserId>> {
    let incidents: Vec<i64> = sqlx::query_scalar("select incident_id from incident_significance")
        .fetch_all(db)
        .await?;
    let marked = significance::read_many(&mut *db.acquire().await?, &incidents).await?;
    let sent: HashSet<(i64, String, i64, i64)> =
        sqlx::query_as("select incident_id, report, due_at, remind_at from incident_reminders")
            .fetch_all(db)
            .await?
            .into_iter()
            .collect();
    let mut notified = Vec::new();
    for (id, s) in marked {
        let unsent = owed(&s, now).into_iter().any(|(report, due, remind_at)| {
            !sent.contains(&(id, report.as_str().to_string(), due, remind_at))
        });
        if unsent {
            notified.extend(send(db, id, now).await?);
        }
    }
    notified.sort();
    notified.dedup();
    Ok(notified)
}

/// Sends incident `id`'s reminders due at `now` that were not sent yet, in one
/// transaction; answers who was notified.
async fn send(db: &Db, id: i64, now: i64) -> CoreResult<Vec<UserId>> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (Some(item), Some(s)) = (
        stored(&mut tx, id).await?,
        significance::read(&mut tx, id).await?,
    ) else {
        return Ok(Vec::new());
    };
    let marked_by: UserId =
        sqlx::query_scalar("select marked_by from incident_significance where incident_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let mut due_now = Vec::new();
    for (report, due, remind_at) in owed(&s, now) {
        let recorded = sqlx::query(
            "insert into incident_reminders (incident_id, report, due_at, remind_at, \
             sent_at) values ($1, $2, $3, $4, $5) on conflict do nothing",
        )
        .bind(id)
        .bind(report.as_str())
        .bind(due)
        .bind(remind_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if recorded.rows_affected() == 1 {
            due_now.push((report, due));
        }
    }
    if due_now.is_empty() {
        return Ok(Vec::new());
    }
    let people: Vec<UserId> =
        sqlx::query_scalar("select id from users where org_id = $1 and status = 'active'")
            .bind(item.org_id)
            .fetch_all(&mut *tx)
            .await?;
    let mut managers = Vec::new();
    for person in people {
        let viewer = sessions::load_viewer(db, person).await?;
        if can_manage_incident(&viewer, &item.item()) {
            managers.push(person);
        }
    }
    for (report, due) in due_now {
        for user in &managers {
            sqlx::query(
                "insert into notifications (user_id, kind, incident_id, report, due_at, \
                 actor_id, created_at) values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(user)
            .bind(Kind::Deadline.as_str())
            .bind(id)
            .bind(report.as_str())
            .bind(due)
            .bind(marked_by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(managers)
}
