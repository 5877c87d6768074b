//! Links from posts to documents. Which posts link which documents
//! (`post_document_links`) follows each post's current text: written from its Markdown
//! ([`markdown::linked_documents`]) in the transaction that stores the post, replaced when
//! it is edited, dropped when it is deleted or removed. A document's page reads it back
//! as the threads linking the document that its reader may see, the thread and the
//! linking post each through the policy's SQL condition.

use super::{POSTS, THREADS};
use crate::db::{Db, Tx};
use crate::error::CoreResult;
use crate::markdown;
use crate::policy::{Viewer, push_group_content_visible};
use sqlx::{QueryBuilder, Sqlite};

/// Most threads a document's page lists as linking it (the count says how many more).
pub const LINKING_THREADS_SHOWN: i64 = 20;

/// Replaces the documents post `post_id` links by those its Markdown `source` links.
pub(crate) async fn record(tx: &mut Tx<'_>, post_id: i64, source: &str) -> CoreResult<()> {
    forget(tx, post_id).await?;
    let documents = markdown::linked_documents(source);
    if documents.is_empty() {
        return Ok(());
    }
    // At most `markdown`'s limit of links per post (1,000): two bound values each, well
    // within SQLite's 32,766.
    let mut qb =
        QueryBuilder::<Sqlite>::new("insert into post_document_links (post_id, document_id) ");
    qb.push_values(documents, |mut row, document| {
        row.push_bind(post_id).push_bind(document);
    });
    qb.build().execute(&mut **tx).await?;
    Ok(())
}

/// Drops the links of a post that is no longer shown (deleted or removed).
pub(crate) async fn forget(tx: &mut Tx<'_>, post_id: i64) -> CoreResult<()> {
    sqlx::query("delete from post_document_links where post_id = $1")
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A thread linking a document, as the document's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkingThread {
    pub thread_id: i64,
    pub title: String,
    pub group_slug: String,
    pub group_name: String,
    /// The newest post of the thread that links the document and the reader may see.
    pub post_id: i64,
    /// When that post was written.
    pub linked_at: i64,
}

/// The threads linking a document that one reader may see, newest linking post first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkedFrom {
    /// At most [`LINKING_THREADS_SHOWN`].
    pub threads: Vec<LinkingThread>,
    /// How many threads in all.
    pub total: i64,
}

/// The threads that link document `document_id` through a post the viewer may see, in a
/// thread the viewer may see, in a group that is not archived; deleted and removed posts
/// never count. One query, filtered by the policy's SQL conditions. The caller shows it
/// only on the page of a document the viewer may see; even so it says no more than the
/// posts themselves, which the viewer may read.
pub(crate) async fn threads_linking(
    db: &Db,
    viewer: &Viewer,
    document_id: i64,
) -> CoreResult<LinkedFrom> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        thread: LinkingThread,
        total: i64,
    }
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select t.id as thread_id, t.title, g.slug as group_slug, g.name as group_name, \
         max(p.id) as post_id, max(p.created_at) as linked_at, count(*) over () as total \
         from post_document_links l join forum_posts p on p.id = l.post_id \
         join forum_threads t on t.id = p.thread_id \
         join user_groups g on g.id = t.group_id and g.archived_at is null \
         where p.deleted_at is null and p.removed_at is null and l.document_id = ",
    );
    qb.push_bind(document_id).push(" and ");
    push_group_content_visible(&mut qb, viewer, &POSTS);
    qb.push(" and ");
    push_group_content_visible(&mut qb, viewer, &THREADS);
    qb.push(" group by t.id, t.title, g.slug, g.name order by linked_at desc, t.id desc limit ")
        .push_bind(LINKING_THREADS_SHOWN);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(db).await?;
    Ok(LinkedFrom {
        total: rows.first().map_or(0, |r| r.total),
        threads: rows.into_iter().map(|r| r.thread).collect(),
    })
}

#[cfg(test)]
mod tests;
