//! What a composer offers to link: the documents a writer may see whose title or a tag
//! matches what they typed after `[[`, each with the Markdown link to insert. Read
//! through the policy's SQL condition like every library list, so a document the writer
//! may not see (another group's, an AMBER+STRICT one for other organisations, a removed
//! one) is never offered. Like the library's lists, listing titles is not audited; the
//! reads of a document are.

use super::{DOCUMENTS, MAX_TITLE_CHARS};
use crate::db::Db;
use crate::error::CoreResult;
use crate::markdown;
use crate::policy::{Viewer, push_group_content_visible};
use sqlx::{QueryBuilder, Sqlite};

/// Fewest characters typed before anything is looked up: one letter matches too much to
/// be worth a query per keystroke.
pub const MIN_QUERY_CHARS: usize = 2;
/// Most documents offered at once.
pub const SUGGESTIONS_SHOWN: i64 = 8;

/// A document the composer offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSuggestion {
    pub id: i64,
    pub title: String,
    pub group_name: String,
    /// `[title](/documents/{id})`, the title escaped ([`markdown::document_link`]).
    pub markdown: String,
}

/// Up to [`SUGGESTIONS_SHOWN`] documents the viewer may see whose title holds `typed`, or
/// one of whose tags starts with it: those of group `prefer` (the thread's) first, then
/// titles that start with it, then the most recently changed. Nothing for fewer than
/// [`MIN_QUERY_CHARS`] characters or more than a title can hold.
///
/// SQLite's `like` ignores case in ASCII letters only, so the title is matched against
/// the typed text as written, in lower case, in upper case and capitalised: "øvelse"
/// finds "Øvelsesplan" as well as "Phishing-øvelse".
pub async fn link_suggestions(
    db: &Db,
    viewer: &Viewer,
    typed: &str,
    prefer: Option<&str>,
) -> CoreResult<Vec<LinkSuggestion>> {
    let typed = typed.trim();
    let length = typed.chars().count();
    if !(MIN_QUERY_CHARS..=MAX_TITLE_CHARS).contains(&length) || viewer.user_id.is_none() {
        return Ok(Vec::new());
    }
    let forms = spellings(typed);
    let mut qb = QueryBuilder::<Sqlite>::new(
        "select d.id, d.title, g.name as group_name from documents d \
         join user_groups g on g.id = d.group_id and g.archived_at is null \
         where d.removed_at is null and (",
    );
    push_title_like(&mut qb, &forms, "%", "%");
    qb.push(" or (',' || d.tags) like ")
        .push_bind(format!("%,{}%", like_escaped(&typed.to_lowercase())))
        .push(" escape '\\') and ");
    push_group_content_visible(&mut qb, viewer, &DOCUMENTS);
    qb.push(" order by case when g.slug = ")
        .push_bind(prefer.map(str::trim).unwrap_or_default().to_string())
        .push(" then 0 else 1 end, case when ");
    push_title_like(&mut qb, &forms, "", "%");
    qb.push(" then 0 else 1 end, d.updated_at desc, d.id desc limit ")
        .push_bind(SUGGESTIONS_SHOWN);
    let rows: Vec<(i64, String, String)> = qb.build_query_as().fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, group_name)| LinkSuggestion {
            markdown: markdown::document_link(&title, id),
            id,
            title,
            group_name,
        })
        .collect())
}

/// `(d.title like … or …)` over each spelling, between `before` and `after` wildcards.
fn push_title_like(qb: &mut QueryBuilder<'_, Sqlite>, forms: &[String], before: &str, after: &str) {
    qb.push("(");
    for (n, form) in forms.iter().enumerate() {
        if n > 0 {
            qb.push(" or ");
        }
        qb.push("d.title like ")
            .push_bind(format!("{before}{}{after}", like_escaped(form)))
            .push(" escape '\\'");
    }
    qb.push(")");
}

/// The spellings of `typed` a title may hold it in, each once.
fn spellings(typed: &str) -> Vec<String> {
    let lower = typed.to_lowercase();
    let mut chars = lower.chars();
    let capitalised: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    let mut forms = vec![
        typed.to_string(),
        lower.clone(),
        typed.to_uppercase(),
        capitalised,
    ];
    forms.sort();
    forms.dedup();
    forms
}

/// `text` with `like`'s wildcards and its escape character taken literally.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_text_is_looked_for_in_each_case_a_title_may_hold_it() {
        assert_eq!(
            spellings("øvelse"),
            vec!["ØVELSE".to_string(), "Øvelse".into(), "øvelse".into()]
        );
        assert_eq!(
            spellings("NIS2"),
            vec!["NIS2".to_string(), "Nis2".into(), "nis2".into()]
        );
    }

    #[test]
    fn wildcards_typed_are_taken_literally() {
        assert_eq!(like_escaped("100%_a\\b"), "100\\%\\_a\\\\b");
    }
}
