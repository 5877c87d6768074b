//! Stored post HTML kept in step with the Markdown rules: whatever an older version of
//! the renderer made ([`markdown::VERSION`]) is rendered again from its source, and a
//! post's links to documents are recorded again with it (so posts written before the
//! links were kept get theirs). Runs at start, before the server answers, in batches that
//! each commit on their own, so an interrupted pass resumes where it stopped.

use super::links;
use crate::db::Db;
use crate::error::CoreResult;
use crate::markdown;

/// Rows rendered and written per transaction.
const BATCH: i64 = 500;

/// The two tables holding rendered Markdown, and for each the SQL that says whether a
/// row's links to documents count: a shown post's do; a deleted or removed post's and an
/// earlier version's do not. Constants of this module, never input.
const TABLES: [(&str, &str); 2] = [
    ("forum_posts", "deleted_at is null and removed_at is null"),
    ("post_revisions", "0 = 1"),
];

/// Renders again every stored post and revision made by an older renderer. Returns how
/// many rows changed version.
pub async fn refresh_stored(db: &Db) -> CoreResult<u64> {
    let mut refreshed = 0;
    for (table, links_count) in TABLES {
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, String, bool)> = sqlx::query_as(&format!(
                "select id, body_source, {links_count} from {table} \
                 where rendered_with < $1 and id > $2 order by id limit $3"
            ))
            .bind(markdown::VERSION)
            .bind(after)
            .bind(BATCH)
            .fetch_all(db)
            .await?;
            let Some((last, _, _)) = rows.last() else {
                break;
            };
            after = *last;
            let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
            for (id, source, links_count) in rows {
                let rendered = markdown::render(&source);
                sqlx::query(&format!(
                    "update {table} set body_html = $1, rendered_with = $2 where id = $3"
                ))
                .bind(html_of(&source, rendered.as_deref().ok()))
                .bind(markdown::VERSION)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if links_count {
                    // A source kept as text (see `html_of`) links nothing.
                    let linking = if rendered.is_ok() {
                        source.as_str()
                    } else {
                        ""
                    };
                    links::record(&mut tx, id, linking).await?;
                }
                refreshed += 1;
            }
            tx.commit().await?;
        }
    }
    if refreshed > 0 {
        tracing::info!(
            refreshed,
            "rendered stored posts again with the current rules"
        );
    }
    Ok(refreshed)
}

/// The HTML of a stored source. A source the current rules refuse (they were accepted
/// once, so only if a limit tightened) is kept readable as escaped text, never as the
/// old HTML.
fn html_of(source: &str, rendered: Option<&str>) -> String {
    match rendered {
        Some(html) => html.to_string(),
        None => format!("<p>{}</p>\n", ammonia::clean_text(source)),
    }
}
