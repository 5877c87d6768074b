//! Feedback to the centre (DESIGN §2, §3.F): "share with the centre" publishes an
//! organisation's current response to an alert (its status) or an advisory (its
//! acknowledgement) back to the centre that published the item, as a STIX 2.1 `note`:
//!
//! - `created_by_ref` is the organisation's identity (the one linked to it), so the
//!   centre knows who answers; `object_refs` names the sighting or report answered;
//! - `abstract` says the state in a fixed machine-readable form (`"<state>"`), `labels`
//!   carry it as `vaern-feedback` and `alert-status:<status>` or
//!   `advisory-acknowledgement:<state>`, and `content` adds the times and the
//!   organisation's own words;
//! - one note id per organisation and item: sharing again issues a new version of the
//!   same note (a later `modified`), so the centre reads the current state as the
//!   note's newest version and the history as its versions.
//!
//! Feedback is its own policy class ([`can_see_feedback`], SQL twin
//! [`push_feedback_visible`]): the authoring organisation and the centre, whatever its
//! label. It is served to the centre's tokens in the TAXII collection `feedback`
//! ([`page`]), never in the feed of anyone, and it never routes alerts (it is not
//! ingested: nothing reads its references for targets). A RED item is not answered
//! through the platform: its readers are named one by one, and a note about it would
//! tell the rest of the organisation that it exists.

use super::acknowledgements::AckState;
use super::alerts::{self, comment_labels};
use super::browse::org_kind;
use super::feed::{self, Page, Query, Record};
use super::ingest::now_us;
use super::markings::tlp2_id;
use super::object::format_timestamp;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::ids::{OrgId, UserId};
use crate::policy::{FeedbackSql, Tlp, Viewer, push_feedback_visible};
use crate::search::outbox;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::HashMap;

/// Longest message to the centre, in characters.
pub const MESSAGE_MAX_CHARS: usize = 4_000;

/// The TAXII collection that serves feedback to the centre (alias `feedback`). Fixed and
/// documented like the others.
pub const FEEDBACK_COLLECTION_ID: &str = "3e7b9d14-6a2c-4f58-b1e0-9c4d2a8f6e13";

const FEEDBACK: FeedbackSql = FeedbackSql::new("f");

/// What a piece of feedback answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// The organisation's alert, by its sighting.
    Alert,
    /// An advisory (a report).
    Advisory,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::Advisory => "advisory",
        }
    }

    fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "alert" => Ok(Self::Alert),
            "advisory" => Ok(Self::Advisory),
            other => Err(CoreError::Internal(format!("feedback subject {other:?}"))),
        }
    }

    /// The `labels` entry that carries the state.
    fn state_label(self, state: &str) -> String {
        match self {
            Self::Alert => format!("alert-status:{state}"),
            Self::Advisory => format!("advisory-acknowledgement:{state}"),
        }
    }
}

/// The newest feedback of one organisation about one item, as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shared {
    pub org: OrgId,
    pub org_name: String,
    pub subject_ref: String,
    pub subject_kind: SubjectKind,
    /// The state shared: an alert status or an acknowledgement, stored form.
    pub state: String,
    pub message: String,
    pub tlp: Tlp,
    /// When it was last shared (unix seconds).
    pub shared_at: i64,
    pub shared_by: String,
    /// The note's STIX id.
    pub stix_id: String,
    /// How many times it was shared.
    pub versions: i64,
}

/// One share, on its way into the table.
struct Draft<'a> {
    org: OrgId,
    centre: OrgId,
    subject_ref: &'a str,
    kind: SubjectKind,
    state: &'a str,
    message: &'a str,
    tlp: Tlp,
    actor: UserId,
    /// Lines of `content` before the message: (what, when in unix seconds).
    times: Vec<(&'static str, Option<i64>)>,
}

/// Shares alert `id`'s current status with the centre that published its sighting, as a
/// person who works it, labelled `tlp` (one of [`comment_labels`] of the alert), with
/// `message` (plain text, may be empty). A hidden alert is `NotFound`; a RED one is
/// `Invalid { field: "tlp", reason: "red" }`.
pub async fn share_alert(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    message: &str,
    tlp: Tlp,
) -> CoreResult<()> {
    let message = checked_message(message)?;
    let kind = org_kind(db, viewer.org_id).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, status) = alerts::workable(&mut tx, viewer, kind, id).await?;
    let (sighting_ref, alert_tlp, centre, visible_at, acknowledged_at): (
        String,
        Option<Tlp>,
        OrgId,
        Option<i64>,
        Option<i64>,
    ) = sqlx::query_as(
        "select a.sighting_ref, o.tlp, o.publisher_org_id, a.visible_at, a.acknowledged_at \
         from alerts a cross join stix_objects o on o.id = a.sighting_row and o.is_latest \
         where a.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if alert_tlp == Some(Tlp::Red) {
        return Err(CoreError::invalid("tlp", "red"));
    }
    if !comment_labels(alert_tlp).contains(&tlp) {
        return Err(CoreError::invalid("tlp", "below_alert"));
    }
    publish(
        &mut tx,
        &Draft {
            org: viewer.org_id,
            centre,
            subject_ref: &sighting_ref,
            kind: SubjectKind::Alert,
            state: status.as_str(),
            message,
            tlp,
            actor,
            times: vec![
                ("Visible since", visible_at),
                ("Acknowledged", acknowledged_at),
            ],
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An organisation's acknowledgement of an advisory, as [`share_advisory`] shares it.
pub(super) struct AdvisoryShare<'a> {
    pub stix_id: &'a str,
    pub publisher: OrgId,
    pub tlp: Option<Tlp>,
    pub state: AckState,
    pub acknowledged_at: i64,
}

/// Shares an organisation's acknowledgement of an advisory with its publisher, in the
/// transaction that sets it ([`super::acknowledgements::acknowledge`]); labelled as the
/// advisory. A RED advisory is `Invalid { field: "share", reason: "red" }`.
pub(super) async fn share_advisory(
    conn: &mut SqliteConnection,
    viewer: &Viewer,
    actor: UserId,
    share: &AdvisoryShare<'_>,
) -> CoreResult<()> {
    let tlp = match share.tlp {
        Some(Tlp::Red) => return Err(CoreError::invalid("share", "red")),
        // Unmarked advisories reach analysts only, who do not acknowledge for a
        // municipality; should one do so, the note is as strict as the rule allows.
        None => Tlp::AmberStrict,
        Some(tlp) => tlp,
    };
    publish(
        conn,
        &Draft {
            org: viewer.org_id,
            centre: share.publisher,
            subject_ref: share.stix_id,
            kind: SubjectKind::Advisory,
            state: share.state.as_str(),
            message: "",
            tlp,
            actor,
            times: vec![("Acknowledged", Some(share.acknowledged_at))],
        },
    )
    .await
}

fn checked_message(message: &str) -> CoreResult<&str> {
    let message = message.trim();
    if message.chars().count() > MESSAGE_MAX_CHARS {
        return Err(CoreError::invalid("message", "too_long_4000"));
    }
    Ok(message)
}

/// The identity an organisation answers under: the one it carries, else the first
/// identity linked to it.
async fn identity_of(conn: &mut SqliteConnection, org: OrgId) -> CoreResult<String> {
    let id: Option<String> = sqlx::query_scalar(
        "select coalesce(o.stix_identity_id, (select i.stix_id from stix_identities i \
         where i.org_id = o.id order by i.first_seen_us, i.stix_id limit 1)) \
         from organisations o where o.id = $1",
    )
    .bind(org)
    .fetch_one(&mut *conn)
    .await?;
    id.ok_or(CoreError::invalid("identity", "missing"))
}

/// Writes the next version of the organisation's note about the subject.
async fn publish(conn: &mut SqliteConnection, draft: &Draft<'_>) -> CoreResult<()> {
    let identity = identity_of(conn, draft.org).await?;
    let previous: Option<(String, i64, String)> = sqlx::query_as(
        "select stix_id, version_us, content from feedback \
         where org_id = $1 and subject_ref = $2 and is_latest",
    )
    .bind(draft.org)
    .bind(draft.subject_ref)
    .fetch_optional(&mut *conn)
    .await?;
    let last_added: Option<i64> = sqlx::query_scalar("select max(date_added_us) from feedback")
        .fetch_one(&mut *conn)
        .await?;
    let now = now_us();
    let version = previous
        .as_ref()
        .map_or(now, |(_, v, _)| now.max(v.saturating_add(1)));
    let date_added = last_added.map_or(now, |last| now.max(last.saturating_add(1)));
    let (stix_id, created) = match &previous {
        Some((id, _, content)) => {
            let before: Value = serde_json::from_str(content)
                .map_err(|e| CoreError::Internal(format!("stored feedback {id}: {e}")))?;
            let created = before["created"].as_str().unwrap_or_default().to_string();
            (id.clone(), created)
        }
        None => (
            format!("note--{}", super::uuid_v4(rand::random())),
            format_timestamp(version),
        ),
    };
    let note = note(draft, &stix_id, &created, version, &identity);
    let content = serde_json::to_string(&note)
        .map_err(|e| CoreError::Internal(format!("feedback note: {e}")))?;
    sqlx::query("update feedback set is_latest = 0 where stix_id = $1")
        .bind(&stix_id)
        .execute(&mut *conn)
        .await?;
    let row: i64 = sqlx::query_scalar(
        "insert into feedback (stix_id, org_id, centre_org_id, subject_ref, subject_kind, \
         state, message, tlp, version_us, date_added_us, content, shared_by) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id",
    )
    .bind(&stix_id)
    .bind(draft.org)
    .bind(draft.centre)
    .bind(draft.subject_ref)
    .bind(draft.kind.as_str())
    .bind(draft.state)
    .bind(draft.message)
    .bind(draft.tlp)
    .bind(version)
    .bind(date_added)
    .bind(&content)
    .bind(draft.actor)
    .fetch_one(&mut *conn)
    .await?;
    outbox::stage(
        conn,
        outbox::Item::Feedback(row),
        outbox::Operation::Upsert,
        crate::clock::now(),
    )
    .await?;
    Ok(())
}

/// The note of one share (see the module documentation for the mapping).
fn note(draft: &Draft<'_>, stix_id: &str, created: &str, version_us: i64, identity: &str) -> Value {
    let mut content = format!("Status: {}\n", draft.state);
    for (what, at) in &draft.times {
        if let Some(at) = at {
            let at = format_timestamp(at.saturating_mul(1_000_000));
            content.push_str(&format!("{what}: {at}\n"));
        }
    }
    if !draft.message.is_empty() {
        content.push('\n');
        content.push_str(draft.message);
        content.push('\n');
    }
    json!({
        "type": "note",
        "spec_version": "2.1",
        "id": stix_id,
        "created": created,
        "modified": format_timestamp(version_us),
        "created_by_ref": identity,
        "abstract": draft.state,
        "content": content,
        "object_refs": [draft.subject_ref],
        "labels": ["vaern-feedback", draft.kind.state_label(draft.state)],
        "object_marking_refs": [tlp2_id(draft.tlp)],
    })
}

type SharedRow = (
    OrgId,
    String,
    String,
    String,
    String,
    String,
    Tlp,
    i64,
    String,
    String,
    i64,
);

/// The newest feedback about each of `subject_refs` (STIX ids of sightings or reports)
/// that `viewer` may see: its organisation's own, or, for the centre's analysts, every
/// organisation's; by organisation name.
pub async fn latest_about(
    db: &Db,
    viewer: &Viewer,
    subject_refs: &[String],
) -> CoreResult<Vec<Shared>> {
    if subject_refs.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select f.org_id, g.name, f.subject_ref, f.subject_kind, f.state, f.message, f.tlp, \
         f.version_us, coalesce(u.name, ''), f.stix_id, \
         (select count(*) from feedback v where v.stix_id = f.stix_id) \
         from feedback f join organisations g on g.id = f.org_id \
         left join users u on u.id = f.shared_by \
         where f.is_latest and f.subject_ref in (select value from json_each(",
    );
    qb.push_bind(feed::json_list(subject_refs)).push(")) and ");
    push_feedback_visible(&mut qb, viewer, &FEEDBACK);
    qb.push(" order by g.name, f.subject_ref");
    let rows: Vec<SharedRow> = qb.build_query_as().fetch_all(db).await?;
    rows.into_iter()
        .map(
            |(org, org_name, subject_ref, kind, state, message, tlp, version, by, id, n)| {
                Ok(Shared {
                    org,
                    org_name,
                    subject_ref,
                    subject_kind: SubjectKind::parse(&kind)?,
                    state,
                    message,
                    tlp,
                    shared_at: version.div_euclid(1_000_000),
                    shared_by: by,
                    stix_id: id,
                    versions: n,
                })
            },
        )
        .collect()
}

/// When `viewer`'s organisation last shared its acknowledgement of each of the
/// advisories `rows` (stored rows of any version) with the centre (unix seconds), by row;
/// rows it never shared are left out.
pub async fn shared_advisories(
    db: &Db,
    viewer: &Viewer,
    rows: &[i64],
) -> CoreResult<HashMap<i64, i64>> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select o.id, f.version_us from stix_objects o join feedback f \
         on f.subject_ref = o.stix_id and f.is_latest and f.org_id = ",
    );
    qb.push_bind(viewer.org_id)
        .push(" where o.id in (select value from json_each(")
        .push_bind(feed::json_list(rows))
        .push(")) and ");
    push_feedback_visible(&mut qb, viewer, &FEEDBACK);
    let found: Vec<(i64, i64)> = qb.build_query_as().fetch_all(db).await?;
    Ok(found
        .into_iter()
        .map(|(row, version)| (row, version.div_euclid(1_000_000)))
        .collect())
}

/// One page of the `feedback` collection for `reader`, in `date_added` order under the
/// same filters and paging as the feed ([`feed::page`]). Notes are served as written:
/// they name only their author's identity and the item they answer, which both readers
/// know.
pub async fn page(db: &Db, reader: &Viewer, query: &Query) -> CoreResult<Page> {
    let limit = query.limit.clamp(1, feed::MAX_LIMIT);
    let spec_ok = query.spec_versions.is_empty() || query.spec_versions.iter().any(|v| v == "2.1");
    if !spec_ok {
        return Ok(Page {
            records: Vec::new(),
            more: false,
            next: None,
        });
    }
    let after = query.added_after.max(query.next).unwrap_or(i64::MIN);
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select f.stix_id, f.date_added_us, f.version_us, f.content from feedback f \
         where f.date_added_us > ",
    );
    qb.push_bind(after);
    feed::push_matches(&mut qb, query, "f", "feedback", "'note'");
    qb.push(" and ");
    push_feedback_visible(&mut qb, reader, &FEEDBACK);
    qb.push(" order by f.date_added_us limit ")
        .push_bind(i64::try_from(limit + 1).unwrap_or(i64::MAX));
    let mut rows: Vec<(String, i64, i64, String)> = qb.build_query_as().fetch_all(db).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let records = rows
        .into_iter()
        .map(|(stix_id, date_added_us, version_us, content)| {
            let object = serde_json::from_str(&content)
                .map_err(|e| CoreError::Internal(format!("stored feedback {stix_id}: {e}")))?;
            Ok(Record {
                stix_id,
                date_added_us,
                version_us,
                object,
            })
        })
        .collect::<CoreResult<Vec<_>>>()?;
    let next = more
        .then(|| records.last().map(|r| r.date_added_us.to_string()))
        .flatten();
    Ok(Page {
        records,
        more,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft<'a>(message: &'a str) -> Draft<'a> {
        Draft {
            org: OrgId(2),
            centre: OrgId(1),
            subject_ref: "sighting--8c1d6f2a-4e3b-4b9a-8f07-2d5c9e1a7b42",
            kind: SubjectKind::Alert,
            state: "investigating",
            message,
            tlp: Tlp::Amber,
            actor: UserId(3),
            times: vec![
                ("Visible since", Some(1_700_000_000)),
                ("Acknowledged", None),
            ],
        }
    }

    #[test]
    fn a_note_names_its_author_the_item_the_state_and_the_label() {
        let n = note(
            &draft("Vi har lukket porten."),
            "note--3e7b9d14-6a2c-4f58-b1e0-9c4d2a8f6e13",
            "2026-12-01T10:00:00.000000Z",
            1_764_900_000_000_000,
            "identity--0b6a3c1e-2a4b-4c7e-9a51-6b3e1d2c4f01",
        );
        assert_eq!(n["type"], "note");
        assert_eq!(
            n["created_by_ref"],
            "identity--0b6a3c1e-2a4b-4c7e-9a51-6b3e1d2c4f01"
        );
        assert_eq!(
            n["object_refs"],
            json!(["sighting--8c1d6f2a-4e3b-4b9a-8f07-2d5c9e1a7b42"])
        );
        assert_eq!(n["abstract"], "investigating");
        assert_eq!(
            n["labels"],
            json!(["vaern-feedback", "alert-status:investigating"])
        );
        assert_eq!(n["object_marking_refs"], json!([tlp2_id(Tlp::Amber)]));
        let content = n["content"].as_str().unwrap();
        assert!(content.starts_with("Status: investigating\nVisible since: 2023-11-14T22:13:20"));
        assert!(!content.contains("Acknowledged"));
        assert!(content.ends_with("\nVi har lukket porten.\n"));
        assert_eq!(n["created"], "2026-12-01T10:00:00.000000Z");
    }

    #[test]
    fn a_message_over_the_limit_is_refused_and_surrounding_space_dropped() {
        assert_eq!(checked_message("  ok \n").unwrap(), "ok");
        let long = "å".repeat(MESSAGE_MAX_CHARS + 1);
        assert!(matches!(
            checked_message(&long),
            Err(CoreError::Invalid {
                field: "message",
                ..
            })
        ));
        assert!(checked_message(&"å".repeat(MESSAGE_MAX_CHARS)).is_ok());
    }
}
