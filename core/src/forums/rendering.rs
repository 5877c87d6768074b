//! Stored post HTML kept in step with the Markdown rules: whatever an older version of
//! the renderer made ([`markdown::VERSION`]) is rendered again from its source. Runs at
//! start, before the server answers, in batches that each commit on their own, so an
//! interrupted pass resumes where it stopped.

use crate::db::Db;
use crate::error::CoreResult;
use crate::markdown;

/// Rows rendered and written per transaction.
const BATCH: i64 = 500;

/// The two tables holding rendered Markdown. Their names are constants of this module,
/// never input.
const TABLES: [&str; 2] = ["forum_posts", "post_revisions"];

/// Renders again every stored post and revision made by an older renderer. Returns how
/// many rows changed version.
pub async fn refresh_stored(db: &Db) -> CoreResult<u64> {
    let mut refreshed = 0;
    for table in TABLES {
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
                "select id, body_source from {table} where rendered_with < $1 and id > $2 \
                 order by id limit $3"
            ))
            .bind(markdown::VERSION)
            .bind(after)
            .bind(BATCH)
            .fetch_all(db)
            .await?;
            let Some((last, _)) = rows.last() else { break };
            after = *last;
            let mut tx = db.begin().await?;
            for (id, source) in rows {
                sqlx::query(&format!(
                    "update {table} set body_html = $1, rendered_with = $2 where id = $3"
                ))
                .bind(html_of(&source))
                .bind(markdown::VERSION)
                .bind(id)
                .execute(&mut *tx)
                .await?;
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
fn html_of(source: &str) -> String {
    markdown::render(source).unwrap_or_else(|_| format!("<p>{}</p>\n", ammonia::clean_text(source)))
}
