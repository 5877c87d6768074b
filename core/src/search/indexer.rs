//! Keeps the index following the database: reads what each outbox row names, replaces
//! those entries, and commits with the last applied row id as the commit's payload; only
//! then are the applied rows deleted. A crash before the index commit applies the batch
//! again (replacing is idempotent); a crash after it finds the rows at or below the
//! payload applied and deletes them. So after a SIGKILL at any point nothing is missing
//! or duplicated.
//!
//! An index with no payload has never been built: [`build`] indexes everything from a
//! snapshot taken at the outbox's newest id, then the outbox is applied from there.

use super::index::{AuthorTerms, Entry, Kind, SearchIndex};
use crate::db::Db;
use crate::error::CoreResult;
use crate::ids::{GroupId, OrgId, UserId};
use crate::policy::{
    FREE, FeedbackItem, GroupItem, IncidentItem, IntelItem, Tlp, alert_work_terms, feedback_terms,
    group_item_terms, incident_terms, intel_item_terms,
};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Outbox rows applied in one index commit.
pub const BATCH: i64 = 1000;
/// Rows read per query while building from scratch.
const BUILD_CHUNK: i64 = 2000;

/// What a set of entries is selected by.
#[derive(Debug, Clone, Copy)]
enum Select<'a> {
    Ids(&'a [i64]),
    Thread(i64),
    Group(i64),
    Author(i64),
    Org(i64),
    /// Rows with an id above this, `BUILD_CHUNK` of them, in id order.
    After(i64),
}

/// Applies up to [`BATCH`] pending outbox rows; returns how many were applied (0: none
/// pending). Builds the index first if it never was.
pub async fn apply_pending(db: &Db, index: &Arc<SearchIndex>) -> CoreResult<usize> {
    apply_pending_holding(db, index, i64::MAX).await
}

/// [`apply_pending`], deleting no outbox row above `hold`: while a new generation is
/// built aside from a snapshot at `hold` (`live::LiveIndex::rebuild`), the index in use
/// keeps following the outbox, and the rows the new one still has to apply stay.
pub async fn apply_pending_holding(
    db: &Db,
    index: &Arc<SearchIndex>,
    hold: i64,
) -> CoreResult<usize> {
    let applied = match index.applied()? {
        Some(applied) => applied,
        None => build(db, index).await?,
    };
    // Rows at or below the payload are applied: a crash came between the index commit
    // and their deletion.
    sqlx::query("delete from search_outbox where id <= $1")
        .bind(applied.min(hold))
        .execute(db)
        .await?;
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "select id, kind, entity_id from search_outbox where id > $1 order by id limit $2",
    )
    .bind(applied)
    .bind(BATCH)
    .fetch_all(db)
    .await?;
    let Some(last) = rows.last().map(|r| r.0) else {
        return Ok(0);
    };
    // Each changed source once: its old entries go, and it is read again per kind.
    let mut remove: Vec<String> = Vec::new();
    let mut seen: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut by_kind: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (_, kind, id) in &rows {
        let source = format!("{kind}:{id}");
        if seen.insert(source.clone()) {
            remove.push(source);
            by_kind.entry(kind.as_str()).or_default().push(*id);
        }
    }
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for (kind, ids) in by_kind {
        let found = match kind {
            "thread" => {
                let mut out = Vec::new();
                for id in &ids {
                    out.extend(group_entries(db, Select::Thread(*id)).await?);
                }
                out
            }
            "post" => posts(db, Select::Ids(&ids)).await?.entries,
            "document" => documents(db, Select::Ids(&ids)).await?.entries,
            "stix_object" => {
                let (keys, found) = stix_with_dependents(db, &ids).await?;
                remove.extend(keys);
                found
            }
            "alert_comment" => comments(db, Work::Ids(&ids)).await?.entries,
            "feedback" => {
                let found = feedback(db, Work::Ids(&ids)).await?.entries;
                remove.extend(found.iter().map(|e| e.key.clone()));
                found
            }
            "incident" => incidents(db, Work::Ids(&ids)).await?.entries,
            "incident_entry" => incident_entries(db, Work::Ids(&ids)).await?.entries,
            "user" => by_each(db, &ids, Select::Author).await?,
            "organisation" => by_each(db, &ids, Select::Org).await?,
            "group" => by_each(db, &ids, Select::Group).await?,
            other => {
                tracing::warn!(kind = other, "search outbox row of unknown kind skipped");
                Vec::new()
            }
        };
        for entry in found {
            entries.insert(entry.key.clone(), entry);
        }
    }
    let add: Vec<Entry> = entries.into_values().collect();
    write(index, remove, add, last).await?;
    // The crash test's way into the narrowest window: committed to the index, rows kept.
    crate::failpoint::crash_here("search_after_index_commit");
    sqlx::query("delete from search_outbox where id <= $1")
        .bind(last.min(hold))
        .execute(db)
        .await?;
    Ok(rows.len())
}

/// Builds the index from scratch: empties it, indexes every item as the database holds
/// it now, and commits with the outbox's newest id, from which [`apply_pending`] goes on.
/// Rows written meanwhile have higher ids and are applied after (again, harmlessly).
/// Returns that id.
pub async fn build(db: &Db, index: &Arc<SearchIndex>) -> CoreResult<i64> {
    let at = snapshot(db).await?;
    build_from(db, index, at).await?;
    Ok(at)
}

/// The outbox's newest id ever given out. SQLite has one writer at a time, so every
/// change with an outbox id up to this one is committed and visible to reads after it.
pub async fn snapshot(db: &Db) -> CoreResult<i64> {
    Ok(sqlx::query_scalar(
        "select coalesce((select seq from sqlite_sequence where name = 'search_outbox'), 0)",
    )
    .fetch_one(db)
    .await?)
}

/// [`build`] from a snapshot taken before with [`snapshot`].
pub async fn build_from(db: &Db, index: &Arc<SearchIndex>, snapshot: i64) -> CoreResult<()> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Entry>>(4);
    let writer = {
        let index = Arc::clone(index);
        tokio::task::spawn_blocking(move || index.rebuild(receiver, snapshot))
    };
    let send = |entries: Vec<Entry>| {
        let sender = sender.clone();
        async move {
            tokio::task::spawn_blocking(move || sender.send(entries).is_ok())
                .await
                .unwrap_or(false)
        }
    };
    for kind in [
        "thread",
        "post",
        "document",
        "stix",
        "alert_comment",
        "feedback",
        "incident",
        "incident_entry",
    ] {
        let mut after = 0;
        loop {
            let (last, found) = match kind {
                "thread" => last_row(threads(db, Select::After(after)).await?),
                "post" => last_row(posts(db, Select::After(after)).await?),
                "document" => last_row(documents(db, Select::After(after)).await?),
                "alert_comment" => last_row(comments(db, Work::After(after)).await?),
                "feedback" => last_row(feedback(db, Work::After(after)).await?),
                "incident" => last_row(incidents(db, Work::After(after)).await?),
                "incident_entry" => last_row(incident_entries(db, Work::After(after)).await?),
                _ => stix_chunk(db, after).await?,
            };
            let Some(last) = last else { break };
            after = last;
            if !send(found).await {
                break;
            }
        }
    }
    drop(sender);
    writer
        .await
        .map_err(|e| super::index::internal("build", e))?
}

/// The chunk's entries, with the row id to continue after (`None`: no more rows). The
/// entries are ordered by row id; one whose item is not indexed (a deleted post) still
/// moves the chunk on, through [`Chunked`].
fn last_row(found: Chunked) -> (Option<i64>, Vec<Entry>) {
    (found.last_row, found.entries)
}

async fn write(
    index: &Arc<SearchIndex>,
    remove: Vec<String>,
    add: Vec<Entry>,
    last: i64,
) -> CoreResult<()> {
    let index = Arc::clone(index);
    tokio::task::spawn_blocking(move || index.write(&remove, &add, last))
        .await
        .map_err(|e| super::index::internal("write", e))?
}

async fn by_each(
    db: &Db,
    ids: &[i64],
    select: fn(i64) -> Select<'static>,
) -> CoreResult<Vec<Entry>> {
    let mut out = Vec::new();
    for id in ids {
        out.extend(group_entries(db, select(*id)).await?);
    }
    Ok(out)
}

/// Threads, posts and documents selected by thread, group, author or organisation.
async fn group_entries(db: &Db, select: Select<'_>) -> CoreResult<Vec<Entry>> {
    let mut out = threads(db, select).await?.entries;
    out.extend(posts(db, select).await?.entries);
    if !matches!(select, Select::Thread(_)) {
        out.extend(documents(db, select).await?.entries);
    }
    Ok(out)
}

/// Entries read in one query, and the highest row id the query saw.
struct Chunked {
    entries: Vec<Entry>,
    last_row: Option<i64>,
}

fn ids_of(list: Option<String>) -> Vec<i64> {
    list.map(|l| l.split(',').filter_map(|s| s.parse().ok()).collect())
        .unwrap_or_default()
}

fn push_select(
    qb: &mut QueryBuilder<'_, Sqlite>,
    alias: &str,
    thread_col: &str,
    select: Select<'_>,
) {
    match select {
        Select::Ids(ids) => {
            qb.push(format!(" and {alias}.id in ("));
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            qb.push(")");
        }
        Select::Thread(id) => {
            qb.push(format!(" and {thread_col} = ")).push_bind(id);
        }
        Select::Group(id) => {
            qb.push(format!(" and {alias}.group_id = ")).push_bind(id);
        }
        Select::Author(id) => {
            qb.push(format!(" and {alias}.author_id = ")).push_bind(id);
        }
        Select::Org(id) => {
            qb.push(" and u.org_id = ").push_bind(id);
        }
        Select::After(id) => {
            qb.push(format!(" and {alias}.id > ")).push_bind(id);
        }
    }
    if let Select::After(_) = select {
        qb.push(format!(" order by {alias}.id limit "))
            .push_bind(BUILD_CHUNK);
    }
}

/// The sources every entry of group content lists besides its own key.
fn group_sources(key: String, group: i64, author: i64, org: i64) -> Vec<String> {
    vec![
        key,
        format!("user:{author}"),
        format!("organisation:{org}"),
        format!("group:{group}"),
    ]
}

fn group_access(
    archived: bool,
    group: i64,
    tlp: Tlp,
    author: i64,
    orgs: &[i64],
    users: &[i64],
) -> Vec<String> {
    if archived {
        // Shown to nobody until restored (which re-reads the group).
        return Vec::new();
    }
    let orgs: Vec<OrgId> = orgs.iter().map(|o| OrgId(*o)).collect();
    let users: Vec<UserId> = users.iter().map(|u| UserId(*u)).collect();
    group_item_terms(&GroupItem {
        group_id: GroupId(group),
        tlp,
        author_id: UserId(author),
        recipient_orgs: &orgs,
        recipient_users: &users,
    })
}

type ThreadRow = (
    i64,
    i64,
    String,
    Tlp,
    i64,
    bool,
    i64,
    bool,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

const THREAD_COLUMNS: &str = "select t.id, t.group_id, t.title, t.tlp, t.author_id, t.chatham_house, \
     t.created_at, g.archived_at is not null, u.name, o.code, u.org_id, \
     (select group_concat(r.org_id) from thread_recipient_orgs r where r.item_id = t.id), \
     (select group_concat(r.user_id) from thread_recipient_users r where r.item_id = t.id) \
     from forum_threads t join user_groups g on g.id = t.group_id \
     join users u on u.id = t.author_id join organisations o on o.id = u.org_id where 1 = 1";

async fn threads(db: &Db, select: Select<'_>) -> CoreResult<Chunked> {
    let mut qb = QueryBuilder::<Sqlite>::new(THREAD_COLUMNS);
    push_select(&mut qb, "t", "t.id", select);
    let rows: Vec<ThreadRow> = qb.build_query_as().fetch_all(db).await?;
    let last_row = rows.last().map(|r| r.0);
    let entries = rows
        .into_iter()
        .map(
            |(
                id,
                group,
                title,
                tlp,
                author,
                chatham,
                created,
                archived,
                name,
                code,
                org,
                orgs,
                users,
            )| Entry {
                kind: Kind::Thread,
                row: id,
                key: format!("thread:{id}"),
                title,
                body: String::new(),
                group: Some(group),
                tlp: Some(tlp),
                date: created,
                author: Some(AuthorTerms {
                    name,
                    org_code: code,
                    chatham_house: chatham,
                }),
                access: group_access(archived, group, tlp, author, &ids_of(orgs), &ids_of(users)),
                anchor: vec![FREE.to_string()],
                sources: group_sources(format!("thread:{id}"), group, author, org),
            },
        )
        .collect();
    Ok(Chunked { entries, last_row })
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    thread_id: i64,
    group_id: i64,
    tlp: Tlp,
    author_id: i64,
    body_source: String,
    created_at: i64,
    gone_at: Option<i64>,
    archived: bool,
    author_name: String,
    org_code: String,
    org_id: i64,
    orgs: Option<String>,
    users: Option<String>,
    thread_title: String,
    thread_tlp: Tlp,
    thread_author: i64,
    chatham_house: bool,
    thread_orgs: Option<String>,
    thread_users: Option<String>,
}

const POST_COLUMNS: &str = "select p.id, p.thread_id, p.group_id, p.tlp, p.author_id, p.body_source, \
     p.created_at, coalesce(p.deleted_at, p.removed_at) as gone_at, \
     g.archived_at is not null as archived, u.name as author_name, o.code as org_code, u.org_id, \
     (select group_concat(r.org_id) from post_recipient_orgs r where r.item_id = p.id) as orgs, \
     (select group_concat(r.user_id) from post_recipient_users r where r.item_id = p.id) as users, \
     t.title as thread_title, t.tlp as thread_tlp, t.author_id as thread_author, t.chatham_house, \
     (select group_concat(r.org_id) from thread_recipient_orgs r where r.item_id = t.id) as thread_orgs, \
     (select group_concat(r.user_id) from thread_recipient_users r where r.item_id = t.id) as thread_users \
     from forum_posts p join forum_threads t on t.id = p.thread_id \
     join user_groups g on g.id = p.group_id \
     join users u on u.id = p.author_id join organisations o on o.id = u.org_id where 1 = 1";

async fn posts(db: &Db, select: Select<'_>) -> CoreResult<Chunked> {
    let mut qb = QueryBuilder::<Sqlite>::new(POST_COLUMNS);
    push_select(&mut qb, "p", "p.thread_id", select);
    let rows: Vec<PostRow> = qb.build_query_as().fetch_all(db).await?;
    let last_row = rows.last().map(|r| r.id);
    let entries = rows
        .into_iter()
        .filter(|row| row.gone_at.is_none())
        .map(|p| {
            let mut sources =
                group_sources(format!("post:{}", p.id), p.group_id, p.author_id, p.org_id);
            sources.push(format!("thread:{}", p.thread_id));
            Entry {
                kind: Kind::Post,
                row: p.id,
                key: format!("post:{}", p.id),
                title: p.thread_title,
                body: p.body_source,
                group: Some(p.group_id),
                tlp: Some(p.tlp),
                date: p.created_at,
                author: Some(AuthorTerms {
                    name: p.author_name,
                    org_code: p.org_code,
                    chatham_house: p.chatham_house,
                }),
                access: group_access(
                    p.archived,
                    p.group_id,
                    p.tlp,
                    p.author_id,
                    &ids_of(p.orgs),
                    &ids_of(p.users),
                ),
                anchor: group_access(
                    p.archived,
                    p.group_id,
                    p.thread_tlp,
                    p.thread_author,
                    &ids_of(p.thread_orgs),
                    &ids_of(p.thread_users),
                ),
                sources,
            }
        })
        .collect();
    Ok(Chunked { entries, last_row })
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: i64,
    group_id: i64,
    title: String,
    description: String,
    tags: String,
    tlp: Tlp,
    author_id: i64,
    updated_at: i64,
    removed_at: Option<i64>,
    archived: bool,
    author_name: String,
    org_code: String,
    org_id: i64,
    orgs: Option<String>,
    users: Option<String>,
    media_type: Option<String>,
    text: Option<String>,
}

const DOCUMENT_COLUMNS: &str = "select d.id, d.group_id, d.title, d.description, d.tags, d.tlp, \
     d.author_id, d.updated_at, d.removed_at, g.archived_at is not null as archived, \
     u.name as author_name, o.code as org_code, u.org_id, \
     (select group_concat(r.org_id) from document_recipient_orgs r where r.item_id = d.id) as orgs, \
     (select group_concat(r.user_id) from document_recipient_users r where r.item_id = d.id) as users, \
     v.media_type, bt.text \
     from documents d join user_groups g on g.id = d.group_id \
     join users u on u.id = d.author_id join organisations o on o.id = u.org_id \
     left join document_versions v on v.document_id = d.id and v.version = \
       (select max(w.version) from document_versions w where w.document_id = d.id) \
     left join blob_texts bt on bt.sha256 = v.sha256 and bt.outcome = 'text' where 1 = 1";

async fn documents(db: &Db, select: Select<'_>) -> CoreResult<Chunked> {
    if let Select::Thread(_) = select {
        return Ok(Chunked {
            entries: Vec::new(),
            last_row: None,
        });
    }
    let mut qb = QueryBuilder::<Sqlite>::new(DOCUMENT_COLUMNS);
    push_select(&mut qb, "d", "d.id", select);
    let rows: Vec<DocumentRow> = qb.build_query_as().fetch_all(db).await?;
    let last_row = rows.last().map(|r| r.id);
    let entries = rows
        .into_iter()
        .filter(|row| row.removed_at.is_none())
        .map(|d| {
            let page = d.media_type.is_some_and(|m| m.starts_with("text/markdown"));
            let body = [
                d.description,
                d.tags.replace(',', " "),
                d.text.unwrap_or_default(),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
            Entry {
                kind: if page { Kind::Page } else { Kind::Document },
                row: d.id,
                key: format!("document:{}", d.id),
                title: d.title,
                body,
                group: Some(d.group_id),
                tlp: Some(d.tlp),
                date: d.updated_at,
                author: Some(AuthorTerms {
                    name: d.author_name,
                    org_code: d.org_code,
                    chatham_house: false,
                }),
                access: group_access(
                    d.archived,
                    d.group_id,
                    d.tlp,
                    d.author_id,
                    &ids_of(d.orgs),
                    &ids_of(d.users),
                ),
                anchor: vec![FREE.to_string()],
                sources: group_sources(
                    format!("document:{}", d.id),
                    d.group_id,
                    d.author_id,
                    d.org_id,
                ),
            }
        })
        .collect();
    Ok(Chunked { entries, last_row })
}

/// The kinds of STIX object search covers, as stored (`stix_objects.kind`).
const STIX_KINDS: &str = "('advisory', 'indicator', 'vulnerability', 'incident', 'sighting')";

type StixRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<Tlp>,
    i64,
    bool,
    i64,
    Option<String>,
    Option<String>,
);

const STIX_COLUMNS: &str = "select o.id, o.stix_id, o.kind, o.class, o.name, o.content, o.tlp, \
     o.publisher_org_id, o.has_unlinked_targets, o.date_added_us, \
     (select group_concat(r.org_id) from stix_object_targets r where r.item_id = o.id), \
     (select group_concat(r.user_id) from stix_object_recipients r where r.item_id = o.id) \
     from stix_objects o where o.is_latest";

/// The outbox's STIX rows: the newest version of each object they name, and of every
/// object that hangs on one of them (whose anchor terms follow its anchors' labels and
/// targets). Returns the keys to replace and the entries.
async fn stix_with_dependents(db: &Db, rows: &[i64]) -> CoreResult<(Vec<String>, Vec<Entry>)> {
    let mut stix_ids: Vec<String> = Vec::new();
    for chunk in rows.chunks(500) {
        let mut qb =
            QueryBuilder::<Sqlite>::new("select distinct stix_id from stix_objects where id in (");
        let mut list = qb.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        qb.push(")");
        stix_ids.extend(qb.build_query_scalar::<String>().fetch_all(db).await?);
    }
    let mut dependents: Vec<String> = Vec::new();
    for chunk in stix_ids.chunks(500) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select distinct o.stix_id from stix_object_anchors a join stix_objects o \
             on o.id = a.item_id and o.is_latest where a.anchor_ref in (",
        );
        let mut list = qb.separated(", ");
        for id in chunk {
            list.push_bind(id.clone());
        }
        qb.push(")");
        dependents.extend(qb.build_query_scalar::<String>().fetch_all(db).await?);
    }
    stix_ids.extend(dependents);
    stix_ids.sort_unstable();
    stix_ids.dedup();
    let mut entries = Vec::new();
    for chunk in stix_ids.chunks(500) {
        let mut qb = QueryBuilder::<Sqlite>::new(STIX_COLUMNS);
        qb.push(format!(" and o.kind in {STIX_KINDS} and o.stix_id in ("));
        let mut list = qb.separated(", ");
        for id in chunk {
            list.push_bind(id.clone());
        }
        qb.push(")");
        let found: Vec<StixRow> = qb.build_query_as().fetch_all(db).await?;
        entries.extend(stix_entries(db, found).await?);
    }
    // Comments and feedback are seen only where their sighting or report is.
    let mut about = comments(db, Work::About(&stix_ids)).await?.entries;
    about.extend(feedback(db, Work::About(&stix_ids)).await?.entries);
    let mut keys: Vec<String> = stix_ids
        .into_iter()
        .map(|id| format!("stix:{id}"))
        .collect();
    keys.extend(about.iter().map(|e| e.key.clone()));
    entries.extend(about);
    Ok((keys, entries))
}

/// What a set of comments or feedback is selected by.
#[derive(Debug, Clone, Copy)]
enum Work<'a> {
    /// Their own row ids (for feedback: its newest version, whichever version is named).
    Ids(&'a [i64]),
    /// The STIX ids of the sightings or reports they are about.
    About(&'a [String]),
    /// Rows with an id above this, `BUILD_CHUNK` of them, in id order.
    After(i64),
}

fn push_work(qb: &mut QueryBuilder<'_, Sqlite>, select: Work<'_>, id: &str, about: &str) {
    match select {
        Work::Ids(ids) => {
            qb.push(format!(" and {id} in (select value from json_each("))
                .push_bind(serde_json::to_string(ids).unwrap_or_default())
                .push("))");
        }
        Work::About(refs) => {
            qb.push(format!(" and {about} in (select value from json_each("))
                .push_bind(serde_json::to_string(refs).unwrap_or_default())
                .push("))");
        }
        Work::After(after) => {
            qb.push(format!(" and {id} > "))
                .push_bind(after)
                .push(format!(" order by {id} limit "))
                .push_bind(BUILD_CHUNK);
        }
    }
}

/// A comment with its alert's organisation and its sighting's policy columns.
type CommentRow = (
    i64,
    String,
    Tlp,
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    String,
    String,
    Option<Tlp>,
    i64,
    bool,
    Option<String>,
    Option<String>,
);

/// Comments on alerts: read by the alert's organisation and the publishing centre's
/// analysts ([`alert_work_terms`]), where they may see the sighting (its terms anchor).
async fn comments(db: &Db, select: Work<'_>) -> CoreResult<Chunked> {
    if matches!(select, Work::Ids([]) | Work::About([])) {
        return Ok(Chunked {
            entries: Vec::new(),
            last_row: None,
        });
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select c.id, c.body, c.tlp, c.created_at, c.author_id, u.name, g.code, a.org_id, \
         o.id, o.stix_id, o.name, o.tlp, o.publisher_org_id, o.has_unlinked_targets, \
         (select group_concat(r.org_id) from stix_object_targets r where r.item_id = o.id), \
         (select group_concat(r.user_id) from stix_object_recipients r where r.item_id = o.id) \
         from alert_comments c join alerts a on a.id = c.alert_id \
         cross join stix_objects o on o.id = a.sighting_row and o.is_latest \
         join users u on u.id = c.author_id join organisations g on g.id = u.org_id where 1",
    );
    push_work(&mut qb, select, "c.id", "a.sighting_ref");
    let rows: Vec<CommentRow> = qb.build_query_as().fetch_all(db).await?;
    let last_row = rows.last().map(|r| r.0);
    let entries = rows
        .into_iter()
        .map(|row| {
            let (id, body, tlp, at, author, name, org_code, alert_org, sighting_row) = (
                row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
            );
            let (stix_id, title, sighting_tlp, publisher, unlinked, targets, recipients) =
                (row.9, row.10, row.11, row.12, row.13, row.14, row.15);
            Entry {
                kind: Kind::Comment,
                row: id,
                key: format!("alert_comment:{id}"),
                title,
                body,
                group: None,
                tlp: Some(tlp),
                date: at,
                author: Some(AuthorTerms {
                    name,
                    org_code,
                    chatham_house: false,
                }),
                access: alert_work_terms(OrgId(alert_org), OrgId(publisher)),
                anchor: intel_terms(sighting_tlp, publisher, unlinked, targets, recipients),
                sources: vec![
                    format!("alert_comment:{id}"),
                    format!("stix:{stix_id}"),
                    format!("stix_object:{sighting_row}"),
                    format!("user:{author}"),
                ],
            }
        })
        .collect();
    Ok(Chunked { entries, last_row })
}

/// Feedback's newest versions: seen by the authoring organisation and the centre
/// ([`feedback_terms`]).
async fn feedback(db: &Db, select: Work<'_>) -> CoreResult<Chunked> {
    if matches!(select, Work::Ids([]) | Work::About([])) {
        return Ok(Chunked {
            entries: Vec::new(),
            last_row: None,
        });
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select f.id, f.stix_id, f.state, f.message, f.tlp, f.version_us, f.org_id, \
         f.centre_org_id, g.name, g.code, coalesce(u.name, '') from feedback f \
         join organisations g on g.id = f.org_id left join users u on u.id = f.shared_by \
         where f.is_latest",
    );
    match select {
        // The row named may be an older version: its note's newest is indexed.
        Work::Ids(ids) => {
            qb.push(
                " and f.stix_id in (select v.stix_id from feedback v where v.id in \
                 (select value from json_each(",
            )
            .push_bind(serde_json::to_string(ids).unwrap_or_default())
            .push(")))");
        }
        other => push_work(&mut qb, other, "f.id", "f.subject_ref"),
    }
    type Row = (
        i64,
        String,
        String,
        String,
        Tlp,
        i64,
        i64,
        i64,
        String,
        String,
        String,
    );
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db).await?;
    let last_row = rows.last().map(|r| r.0);
    let entries = rows
        .into_iter()
        .map(
            |(id, stix_id, state, message, tlp, version, org, centre, org_name, code, by)| Entry {
                kind: Kind::Feedback,
                row: id,
                key: format!("feedback:{stix_id}"),
                title: org_name,
                body: format!("{state}\n{message}"),
                group: None,
                tlp: Some(tlp),
                date: version.div_euclid(1_000_000),
                author: Some(AuthorTerms {
                    name: by,
                    org_code: code,
                    chatham_house: false,
                }),
                access: feedback_terms(&FeedbackItem {
                    author_org_id: OrgId(org),
                    centre_org_id: OrgId(centre),
                    tlp,
                }),
                anchor: vec![FREE.to_string()],
                sources: vec![format!("feedback:{id}"), format!("organisation:{org}")],
            },
        )
        .collect();
    Ok(Chunked { entries, last_row })
}

/// An own incident's policy facts as the index reads them: id, label, organisation,
/// shared, the named people (comma-separated).
fn incident_access(tlp: Tlp, org: i64, shared: bool, named: Option<String>) -> Vec<String> {
    let named: Vec<UserId> = ids_of(named).into_iter().map(UserId).collect();
    incident_terms(&IncidentItem {
        org_id: OrgId(org),
        tlp,
        shared,
        named: &named,
    })
}

/// The named people of the incident aliased `n`, comma-separated.
const INCIDENT_NAMED: &str =
    "(select group_concat(m.user_id) from incident_named m where m.incident_id = n.id)";

/// Own incidents: seen by their organisation (RED: its named people and admins) and by
/// analysts once shared ([`incident_terms`]). Found by their title and every text field.
async fn incidents(db: &Db, select: Work<'_>) -> CoreResult<Chunked> {
    if matches!(select, Work::Ids([]) | Work::About(_)) {
        return Ok(Chunked {
            entries: Vec::new(),
            last_row: None,
        });
    }
    let mut qb = QueryBuilder::<Sqlite>::new(format!(
        "select n.id, n.title, n.summary || char(10) || n.impact || char(10) || n.indicators \
         || char(10) || n.root_cause || char(10) || n.mitigation, n.tlp, n.created_at, \
         n.org_id, n.shared_at is not null, n.registered_by, u.name, g.code, {INCIDENT_NAMED} \
         from incidents n join users u on u.id = n.registered_by \
         join organisations g on g.id = u.org_id where 1"
    ));
    push_work(&mut qb, select, "n.id", "n.id");
    type Row = (
        i64,
        String,
        String,
        Tlp,
        i64,
        i64,
        bool,
        i64,
        String,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db).await?;
    let last_row = rows.last().map(|r| r.0);
    let entries = rows
        .into_iter()
        .map(
            |(id, title, body, tlp, at, org, shared, author, name, code, named)| Entry {
                kind: Kind::OwnIncident,
                row: id,
                key: format!("incident:{id}"),
                title,
                body,
                group: None,
                tlp: Some(tlp),
                date: at,
                author: Some(AuthorTerms {
                    name,
                    org_code: code,
                    chatham_house: false,
                }),
                access: incident_access(tlp, org, shared, named),
                anchor: vec![FREE.to_string()],
                sources: vec![format!("incident:{id}"), format!("user:{author}")],
            },
        )
        .collect();
    Ok(Chunked { entries, last_row })
}

/// The events and comments of own incidents' timelines, seen by whoever may see their
/// incident (what the platform records itself, such as status changes, is not indexed).
async fn incident_entries(db: &Db, select: Work<'_>) -> CoreResult<Chunked> {
    if matches!(select, Work::Ids([]) | Work::About(_)) {
        return Ok(Chunked {
            entries: Vec::new(),
            last_row: None,
        });
    }
    let mut qb = QueryBuilder::<Sqlite>::new(format!(
        "select e.id, e.body, e.kind in ('event', 'comment'), e.created_at, e.author_id, \
         u.name, g.code, n.id, n.title, n.tlp, n.org_id, n.shared_at is not null, \
         {INCIDENT_NAMED} from incident_entries e join incidents n on n.id = e.incident_id \
         join users u on u.id = e.author_id join organisations g on g.id = u.org_id where 1"
    ));
    push_work(&mut qb, select, "e.id", "e.id");
    type Row = (
        i64,
        String,
        bool,
        i64,
        i64,
        String,
        String,
        i64,
        String,
        Tlp,
        i64,
        bool,
        Option<String>,
    );
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db).await?;
    let last_row = rows.last().map(|r| r.0);
    let entries = rows
        .into_iter()
        .filter(|row| row.2)
        .map(|row| {
            let (id, body, _, at, author, name, code, incident, title) = (
                row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
            );
            let (tlp, org, shared, named) = (row.9, row.10, row.11, row.12);
            Entry {
                kind: Kind::IncidentEntry,
                row: id,
                key: format!("incident_entry:{id}"),
                title,
                body,
                group: None,
                tlp: Some(tlp),
                date: at,
                author: Some(AuthorTerms {
                    name,
                    org_code: code,
                    chatham_house: false,
                }),
                access: incident_access(tlp, org, shared, named),
                anchor: vec![FREE.to_string()],
                sources: vec![
                    format!("incident_entry:{id}"),
                    format!("incident:{incident}"),
                    format!("user:{author}"),
                ],
            }
        })
        .collect();
    Ok(Chunked { entries, last_row })
}

async fn stix_chunk(db: &Db, after: i64) -> CoreResult<(Option<i64>, Vec<Entry>)> {
    let mut qb = QueryBuilder::<Sqlite>::new(STIX_COLUMNS);
    qb.push(" and o.id > ")
        .push_bind(after)
        .push(" order by o.id limit ")
        .push_bind(BUILD_CHUNK);
    // Kinds outside search still move the chunk on.
    let found: Vec<StixRow> = qb.build_query_as().fetch_all(db).await?;
    let last = found.last().map(|r| r.0);
    let covered: Vec<StixRow> = found
        .into_iter()
        .filter(|r| Kind::of_stix(&r.2).is_some())
        .collect();
    Ok((last, stix_entries(db, covered).await?))
}

/// A dependent's anchor with its policy columns (all null for an anchor not stored):
/// dependent row, label, publisher, unlinked, targets, recipients.
type AnchorRow = (
    i64,
    Option<Tlp>,
    Option<i64>,
    Option<bool>,
    Option<String>,
    Option<String>,
);

async fn stix_entries(db: &Db, rows: Vec<StixRow>) -> CoreResult<Vec<Entry>> {
    let dependents: Vec<i64> = rows
        .iter()
        .filter(|r| r.3 == "dependent")
        .map(|r| r.0)
        .collect();
    // Per dependent row: whether it names anchors at all, and the stored ones' terms.
    let mut anchors: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for chunk in dependents.chunks(500) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "select a.item_id, x.tlp, x.publisher_org_id, x.has_unlinked_targets, \
             (select group_concat(r.org_id) from stix_object_targets r where r.item_id = x.id), \
             (select group_concat(r.user_id) from stix_object_recipients r where r.item_id = x.id) \
             from stix_object_anchors a left join stix_objects x \
             on x.stix_id = a.anchor_ref and x.is_latest where a.item_id in (",
        );
        let mut list = qb.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        qb.push(")");
        let found: Vec<AnchorRow> = qb.build_query_as().fetch_all(db).await?;
        for (item, tlp, publisher, unlinked, targets, recipients) in found {
            let terms = anchors.entry(item).or_default();
            // An anchor named but not stored admits nobody (the SQL twin's join finds no row).
            if let (Some(publisher), Some(unlinked)) = (publisher, unlinked) {
                terms.extend(intel_terms(tlp, publisher, unlinked, targets, recipients));
            }
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let (
                id,
                stix_id,
                kind,
                class,
                name,
                content,
                tlp,
                publisher,
                unlinked,
                added_us,
                targets,
                recipients,
            ) = row;
            let kind = Kind::of_stix(&kind)?;
            let access = intel_terms(tlp, publisher, unlinked, targets, recipients);
            let anchor = if class == "dependent" {
                anchors
                    .remove(&id)
                    .unwrap_or_else(|| vec![FREE.to_string()])
            } else {
                vec![FREE.to_string()]
            };
            Some(Entry {
                kind,
                row: id,
                key: format!("stix:{stix_id}"),
                title: name,
                body: stix_text(&content),
                group: None,
                tlp,
                date: added_us / 1_000_000,
                author: None,
                access,
                anchor,
                sources: vec![format!("stix:{stix_id}"), format!("stix_object:{id}")],
            })
        })
        .collect())
}

fn intel_terms(
    tlp: Option<Tlp>,
    publisher: i64,
    unlinked: bool,
    targets: Option<String>,
    recipients: Option<String>,
) -> Vec<String> {
    let targets: Vec<OrgId> = ids_of(targets).into_iter().map(OrgId).collect();
    let recipients: Vec<UserId> = ids_of(recipients).into_iter().map(UserId).collect();
    intel_item_terms(&IntelItem {
        tlp,
        publisher_org_id: OrgId(publisher),
        targets: &targets,
        has_unlinked_targets: unlinked,
        recipient_users: &recipients,
    })
}

/// The searchable text of a STIX object: its description, pattern, aliases, labels and
/// external ids (a vulnerability's CVE id is one).
pub(crate) fn stix_text(content: &str) -> String {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(content) else {
        return String::new();
    };
    let mut parts: Vec<String> = Vec::new();
    for key in ["description", "pattern", "summary"] {
        if let Some(text) = value.get(key).and_then(|v| v.as_str()) {
            parts.push(text.to_string());
        }
    }
    for key in ["aliases", "labels"] {
        if let Some(list) = value.get(key).and_then(|v| v.as_array()) {
            parts.extend(list.iter().filter_map(|v| v.as_str()).map(str::to_string));
        }
    }
    if let Some(refs) = value.get("external_references").and_then(|v| v.as_array()) {
        parts.extend(
            refs.iter()
                .filter_map(|r| r.get("external_id").and_then(|v| v.as_str()))
                .map(str::to_string),
        );
    }
    parts.join("\n")
}
