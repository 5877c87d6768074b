//! The search outbox: one row for every change that alters what an item says or who may
//! see it, written in the same transaction as the change (so a change that rolls back
//! leaves no row, and a committed one always has its row). Ids form a strictly increasing
//! sequence that is never reused (migration 0017): the indexer applies rows in id order,
//! remembers the last id it applied and deletes rows only once applied.
//!
//! What a row asks of the indexer, by `kind` (`entity_id` is the row id of that table):
//!
//! - `thread` (`forum_threads`): read the thread again (title, label, recipients, group)
//!   **and every post in it**, since a post's entry carries its thread's title and group.
//!   Written for a new thread, a title or label change of the opening post, and a move to
//!   another group (one row covers all of the thread's posts). Always `upsert`: a thread
//!   is never deleted, and one whose opening post is deleted or removed stays listed
//!   (with its title), so it stays findable by its title.
//! - `post` (`forum_posts`): read that one post again (text, label, recipients). `upsert`
//!   for a new post, an edit, and a label narrowed because it quotes a raised post;
//!   `delete` when its author deletes it or a moderator removes it (its text is never
//!   shown again, so it leaves the index).
//! - `document` (`documents`): read the document again (its newest version, extracted
//!   text, folder, label); `delete` when it is removed.
//! - `stix_object` (`stix_objects`): read the STIX object (that version row) again: it
//!   was ingested, labelled (or its RED recipients named), or reached more readers when
//!   its own label was first set or an identity it targets was linked to an organisation
//!   (every row `ingest::readd` touches). Always `upsert`.
//! - `user` (`users`): the person's name or organisation changed; re-read everything they
//!   wrote (posts, threads, documents), whose entries carry the author's name and
//!   organisation. Always `upsert`.
//! - `organisation` (`organisations`): the organisation was renamed; re-read everything
//!   its people wrote, as for `user`. Always `upsert`.
//! - `group` (`user_groups`): the group was archived or restored; re-read everything in
//!   it (an archived group's content is shown to nobody but admins). Always `upsert`.
//!
//! - `alert_comment` (`alert_comments`): a comment on an organisation's alert was
//!   written; index it. Always `upsert` (comments are never edited or deleted).
//! - `feedback` (`feedback`): an organisation shared feedback with the centre (a new
//!   version of its note); index the note's newest version in place of the last.
//!   Always `upsert`.
//! - `incident` (`incidents`): an organisation's own incident was registered or changed
//!   (what it says, its status, label, named people or sharing); index it again. Changes
//!   of who may see it also write an `incident_entry` row per timeline entry, whose
//!   entries carry the incident's audience. Always `upsert`.
//! - `incident_entry` (`incident_entries`): an entry was added to an incident's timeline;
//!   index it. Always `upsert` (entries are never edited or deleted).
//!
//! A `stix_object` row re-reads, besides the object, the comments and feedback about a
//! sighting or report it names: their entries are seen only where the item is.
//!
//! Membership changes write no row: the indexer stores each item's group and recipients,
//! and a search reads the viewer's groups per query.

use crate::error::CoreResult;
use crate::ids::{GroupId, OrgId, UserId};
use sqlx::SqliteConnection;

/// An item the index holds (or derives entries from), as the outbox names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Thread(i64),
    Post(i64),
    Document(i64),
    StixObject(i64),
    User(UserId),
    Organisation(OrgId),
    Group(GroupId),
    AlertComment(i64),
    Feedback(i64),
    Incident(i64),
    IncidentEntry(i64),
}

impl Item {
    /// The stored `kind` (see the module docs for what each asks of the indexer).
    pub fn kind(self) -> &'static str {
        match self {
            Self::Thread(_) => "thread",
            Self::Post(_) => "post",
            Self::Document(_) => "document",
            Self::StixObject(_) => "stix_object",
            Self::User(_) => "user",
            Self::Organisation(_) => "organisation",
            Self::Group(_) => "group",
            Self::AlertComment(_) => "alert_comment",
            Self::Feedback(_) => "feedback",
            Self::Incident(_) => "incident",
            Self::IncidentEntry(_) => "incident_entry",
        }
    }

    pub fn entity_id(self) -> i64 {
        match self {
            Self::Thread(id)
            | Self::Post(id)
            | Self::Document(id)
            | Self::StixObject(id)
            | Self::AlertComment(id)
            | Self::Feedback(id)
            | Self::Incident(id)
            | Self::IncidentEntry(id) => id,
            Self::User(id) => id.0,
            Self::Organisation(id) => id.0,
            Self::Group(id) => id.0,
        }
    }
}

/// What the indexer does with the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// (Re-)index it from the database.
    Upsert,
    /// Take it out of the index.
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upsert => "upsert",
            Self::Delete => "delete",
        }
    }
}

/// Writes the row for one change, in the change's own transaction.
pub async fn stage(
    tx: &mut SqliteConnection,
    item: Item,
    operation: Operation,
    now: i64,
) -> CoreResult<()> {
    sqlx::query(
        "insert into search_outbox (kind, entity_id, operation, created_at) \
         values ($1, $2, $3, $4)",
    )
    .bind(item.kind())
    .bind(item.entity_id())
    .bind(operation.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Writes the rows for many changes at once (the STIX ingest's batches), in order, on the
/// connection of the change's transaction.
pub async fn stage_many(
    conn: &mut sqlx::SqliteConnection,
    items: &[Item],
    operation: Operation,
    now: i64,
) -> CoreResult<()> {
    // 4 binds a row, well under SQLite's limit of 32,766 binds a statement.
    for chunk in items.chunks(1000) {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "insert into search_outbox (kind, entity_id, operation, created_at) ",
        );
        qb.push_values(chunk, |mut b, item| {
            b.push_bind(item.kind())
                .push_bind(item.entity_id())
                .push_bind(operation.as_str())
                .push_bind(now);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
