//! What an incident is linked to: the organisation's alerts, documents and forum threads
//! that bear on it. A link is made and removed by those who manage the incident, and only
//! to something they may see themselves. Every reader sees a link only where the linked
//! item's own rule lets them see that item too: the incident's page never names a
//! document, thread or alert its reader could not open, and each of those pages shows the
//! incidents linking it only to readers of the incident.

use super::{INCIDENTS, require};
use crate::clock;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};
use crate::forums;
use crate::library;
use crate::policy::{
    Viewer, can_manage_incident, push_group_content_visible, push_incident_visible,
};
use crate::stix::alerts::{self, OrgAlert};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};

/// Links one incident may have: enough for any real incident, and a bound on its page.
pub const MAX_LINKS: i64 = 100;

/// What a link points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    Alert,
    Document,
    Thread,
}

impl LinkKind {
    pub const ALL: [LinkKind; 3] = [Self::Alert, Self::Document, Self::Thread];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alert => "alert",
            Self::Document => "document",
            Self::Thread => "thread",
        }
    }

    /// The first segment of the item's address in Værn (`/alerts/{id}`, …).
    fn path(self) -> &'static str {
        match self {
            Self::Alert => "alerts",
            Self::Document => "documents",
            Self::Thread => "threads",
        }
    }
}

/// One alert, document or thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub kind: LinkKind,
    pub id: i64,
}

impl Target {
    /// The item a Værn address names, as a person pastes it from the address bar: with or
    /// without scheme and host, with or without a query or fragment (`https://vaern.example/
    /// documents/12?v=3#top`, `/alerts/7`, `threads/4`). `None` for anything else, so that
    /// a typing mistake is not taken for another item.
    pub fn from_address(address: &str) -> Option<Target> {
        let address = address.trim();
        let path = match address.split_once("://") {
            Some((_, rest)) => rest.split_once('/').map(|(_, path)| path)?,
            None => address.trim_start_matches('/'),
        };
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let mut segments = path.trim_end_matches('/').split('/');
        let (first, id) = (segments.next()?, segments.next()?);
        if segments.next().is_some() {
            return None;
        }
        let kind = LinkKind::ALL.into_iter().find(|k| k.path() == first)?;
        // Digits only: `parse` would also take a leading `+`.
        if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Target {
            kind,
            id: id.parse().ok()?,
        })
    }
}

/// A linked document or thread: its title and group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedItem {
    pub id: i64,
    pub title: String,
    pub group: String,
}

/// What incident `id` is linked to, as far as one reader may see each item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    /// The centre's incident it concerns: (newest row, name) ([`super::centre`]).
    pub centre: Vec<(i64, String)>,
    pub alerts: Vec<OrgAlert>,
    pub documents: Vec<LinkedItem>,
    pub threads: Vec<LinkedItem>,
}

/// Whether `viewer` may see `target`: the item's own rule, through core's reads of it.
/// Missing and hidden are alike.
async fn visible(db: &Db, viewer: &Viewer, target: Target) -> CoreResult<bool> {
    let found = match target.kind {
        LinkKind::Alert => alerts::visible_among(db, viewer, &[target.id])
            .await
            .map(|found| !found.is_empty()),
        LinkKind::Document => library::visible_label(db, viewer, target.id)
            .await
            .map(|_| true),
        LinkKind::Thread => forums::visible_thread(db, viewer, target.id)
            .await
            .map(|_| true),
    };
    match found {
        Err(CoreError::NotFound) => Ok(false),
        other => other,
    }
}

/// That `viewer` manages incident `id` (`NotFound` when hidden or missing, as always) and
/// may see `target`. Asked before the write transaction, since the target's rule reads
/// through the pool; the transaction asks about the incident again. A target hidden in
/// between shows to nobody who may not see it, since every read of the links asks again.
async fn check(db: &Db, viewer: &Viewer, id: i64, target: Target) -> CoreResult<()> {
    require(&mut *db.acquire().await?, viewer, id, can_manage_incident).await?;
    if !visible(db, viewer, target).await? {
        return Err(CoreError::invalid("incident_link", "not_found"));
    }
    Ok(())
}

/// Links incident `id` to `target`, as one who manages the incident; the target must be
/// something the viewer may see (otherwise `Invalid { field: "incident_link", reason: "not_found" }`,
/// the same for a missing and a hidden one). Linking twice is one link.
pub async fn link(db: &Db, viewer: &Viewer, id: i64, target: Target) -> CoreResult<()> {
    check(db, viewer, id, target).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (actor, _) = require(&mut tx, viewer, id, can_manage_incident).await?;
    let count: i64 =
        sqlx::query_scalar("select count(*) from incident_links where incident_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if count >= MAX_LINKS {
        return Err(CoreError::invalid("incident_link", "too_many"));
    }
    sqlx::query(
        "insert or ignore into incident_links (incident_id, kind, target_id, linked_by, \
         linked_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(target.kind.as_str())
    .bind(target.id)
    .bind(actor)
    .bind(clock::now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the link of incident `id` to `target`, as one who manages the incident and may
/// see the target (a link the viewer cannot see is not theirs to judge).
pub async fn unlink(db: &Db, viewer: &Viewer, id: i64, target: Target) -> CoreResult<()> {
    check(db, viewer, id, target).await?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    require(&mut tx, viewer, id, can_manage_incident).await?;
    sqlx::query(
        "delete from incident_links where incident_id = $1 and kind = $2 and target_id = $3",
    )
    .bind(id)
    .bind(target.kind.as_str())
    .bind(target.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The ids incident `id` links of `kind`.
async fn linked_ids(db: &Db, id: i64, kind: LinkKind) -> CoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "select target_id from incident_links where incident_id = $1 and kind = $2 \
         order by linked_at, target_id",
    )
    .bind(id)
    .bind(kind.as_str())
    .fetch_all(db)
    .await?)
}

/// What incident `id` (already checked visible to `viewer`) is linked to, each item
/// through its own rule for `viewer`.
pub(super) async fn read(db: &Db, viewer: &Viewer, id: i64) -> CoreResult<Links> {
    let alert_ids = linked_ids(db, id, LinkKind::Alert).await?;
    let alerts = if alert_ids.is_empty() {
        Vec::new()
    } else {
        alerts::visible_among(db, viewer, &alert_ids).await?
    };
    let mut documents = QueryBuilder::<Sqlite>::new(
        "select d.id, d.title, g.name from incident_links l \
         cross join documents d on d.id = l.target_id and d.removed_at is null \
         cross join user_groups g on g.id = d.group_id and g.archived_at is null \
         where l.kind = 'document' and l.incident_id = ",
    );
    documents.push_bind(id).push(" and ");
    push_group_content_visible(&mut documents, viewer, &library::DOCUMENTS);
    documents.push(" order by l.linked_at, d.id");
    let mut threads = QueryBuilder::<Sqlite>::new(
        "select t.id, t.title, g.name from incident_links l \
         cross join forum_threads t on t.id = l.target_id \
         cross join user_groups g on g.id = t.group_id and g.archived_at is null \
         where l.kind = 'thread' and l.incident_id = ",
    );
    threads.push_bind(id).push(" and ");
    push_group_content_visible(&mut threads, viewer, &forums::THREADS);
    threads.push(" order by l.linked_at, t.id");
    let item = |(id, title, group): (i64, String, String)| LinkedItem { id, title, group };
    Ok(Links {
        centre: super::centre::linked(db, viewer, id).await?,
        alerts,
        documents: documents
            .build_query_as()
            .fetch_all(db)
            .await?
            .into_iter()
            .map(item)
            .collect(),
        threads: threads
            .build_query_as()
            .fetch_all(db)
            .await?
            .into_iter()
            .map(item)
            .collect(),
    })
}

/// The incidents `viewer` may see that link `target`, newest first: (id, title), for the
/// target's page to link back. The caller has shown `target` to `viewer`.
pub async fn linking(db: &Db, viewer: &Viewer, target: Target) -> CoreResult<Vec<(i64, String)>> {
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select n.id, n.title from incident_links l \
         cross join incidents n on n.id = l.incident_id where l.kind = ",
    );
    qb.push_bind(target.kind.as_str())
        .push(" and l.target_id = ")
        .push_bind(target.id)
        .push(" and ");
    push_incident_visible(&mut qb, viewer, &INCIDENTS);
    qb.push(" order by n.created_at desc, n.id desc");
    Ok(qb.build_query_as().fetch_all(db).await?)
}

/// The incidents `viewer` may link things to (those they manage), open or contained,
/// newest first: (id, title), for the "add to an incident" form of an alert, document or
/// thread.
pub async fn linkable(db: &Db, viewer: &Viewer) -> CoreResult<Vec<(i64, String)>> {
    if viewer.user_id.is_none() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select n.id, n.title from incidents n where n.status != 'closed' and n.org_id = ",
    );
    // Managing is seeing it, within its own organisation (`can_manage_incident`).
    qb.push_bind(viewer.org_id).push(" and ");
    push_incident_visible(&mut qb, viewer, &INCIDENTS);
    qb.push(" order by n.created_at desc, n.id desc limit 50");
    Ok(qb.build_query_as().fetch_all(db).await?)
}
