//! Search: one page of results for a query, with facet counts, each facet a link that
//! adds its filter to the query. What the viewer may find is decided inside the index
//! query and checked again when hits are loaded (`vaern_core::search::searching`).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One result as the page shows it, texts translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitView {
    /// `thread`, `post`, … (for the translated type name).
    pub kind: String,
    pub title: String,
    /// `None` where the reader has no page for it (intel for non-analysts).
    pub href: Option<String>,
    pub group: Option<String>,
    /// The author's name and organisation, or "a participant"; `None` for intel.
    pub author: Option<String>,
    pub date: String,
    /// Stored form (`amber+strict`); `None`: unmarked.
    pub tlp: Option<String>,
    /// Pieces of the snippet; `true` for the ones that matched.
    pub snippet: Vec<(String, bool)>,
}

/// A facet entry: what it filters, its count, and the query with its filter added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetView {
    pub label: String,
    pub count: u64,
    /// `None` when the query already filters by it.
    pub href: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchView {
    pub q: String,
    pub sort: String,
    pub searched: bool,
    pub total: u64,
    pub page: usize,
    pub pages: usize,
    /// The number of the page's first hit in the whole list.
    pub first: usize,
    /// One line each, translated.
    pub hints: Vec<String>,
    pub hits: Vec<HitView>,
    pub kinds: Vec<FacetView>,
    pub groups: Vec<FacetView>,
    pub tlps: Vec<FacetView>,
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The page of a search's results, as a link.
pub fn search_href(q: &str, sort: &str, page: usize) -> String {
    let mut href = format!("/search?q={}", encode(q));
    if sort == "newest" {
        href.push_str("&sort=newest");
    }
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

/// The translated name of a result type.
pub fn kind_name(locale: crate::i18n::Locale, kind: &str) -> String {
    use crate::i18n::*;
    match kind {
        "thread" => td_string!(locale, search_kind_thread),
        "post" => td_string!(locale, search_kind_post),
        "document" => td_string!(locale, search_kind_document),
        "page" => td_string!(locale, search_kind_page),
        "advisory" => td_string!(locale, search_kind_advisory),
        "indicator" => td_string!(locale, intel_kind_indicator),
        "vulnerability" => td_string!(locale, intel_kind_vulnerability),
        "incident" => td_string!(locale, intel_kind_incident),
        "comment" => td_string!(locale, search_kind_comment),
        "feedback" => td_string!(locale, search_kind_feedback),
        "own_incident" => td_string!(locale, search_kind_own_incident),
        "incident_entry" => td_string!(locale, search_kind_incident_entry),
        _ => td_string!(locale, search_kind_alert),
    }
    .to_string()
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::i18n::{Locale, td_string};
    use vaern_core::search::query::Hint;
    use vaern_core::search::searching::{Facets, Hit, HitAuthor, Results, Target};

    pub fn hint_text(locale: Locale, hint: &Hint) -> String {
        match hint {
            Hint::UnbalancedQuote => td_string!(locale, search_hint_quote).to_string(),
            Hint::UnknownField(name) => {
                td_string!(locale, search_hint_field, field = name.clone()).to_string()
            }
            Hint::BadValue { field, value } => td_string!(
                locale,
                search_hint_value,
                field = field.clone(),
                value = value.clone()
            )
            .to_string(),
            Hint::TooLong => td_string!(
                locale,
                search_hint_too_long,
                max = vaern_core::search::query::MAX_QUERY_CHARS
            )
            .to_string(),
            Hint::TooManyParts => td_string!(
                locale,
                search_hint_too_many,
                max = vaern_core::search::query::MAX_CLAUSES
            )
            .to_string(),
            Hint::NothingToSearch => td_string!(locale, search_hint_nothing).to_string(),
            Hint::Indexing => td_string!(locale, search_hint_indexing).to_string(),
        }
    }

    pub fn hit_view(locale: Locale, analyst: bool, hit: Hit) -> HitView {
        let href = match hit.target {
            Target::Thread(id) => Some(format!("/threads/{id}")),
            Target::Post { thread, post } => {
                Some(format!("/threads/{thread}?post={post}#post-{post}"))
            }
            Target::Document(id) => Some(format!("/documents/{id}")),
            Target::Intel(row) if hit.kind == vaern_core::search::Kind::Incident => {
                Some(crate::api::incidents::centre_incident_href(row))
            }
            Target::Intel(row) if analyst => Some(format!("/intel/received/{row}")),
            Target::Intel(_) if hit.kind == vaern_core::search::Kind::Alert => {
                Some("/alerts".to_string())
            }
            Target::Intel(_) => None,
            Target::Alert(id) => Some(format!("/alerts/{id}")),
            Target::Dashboard => Some("/".to_string()),
            Target::Incident(id) => Some(format!("/incidents/{id}")),
        };
        let author = hit.author.map(|a| match a {
            HitAuthor::Named { name, org } => format!("{name}, {org}"),
            HitAuthor::Participant => td_string!(locale, forum_participant).to_string(),
        });
        let title = if hit.title.trim().is_empty() {
            td_string!(locale, search_untitled).to_string()
        } else {
            hit.title
        };
        HitView {
            kind: hit.kind.as_str().to_string(),
            title,
            href,
            group: hit.group.map(|g| g.name),
            author,
            date: crate::format::format_time(hit.date, locale),
            tlp: hit.tlp.map(|t| t.as_str().to_string()),
            snippet: hit
                .snippet
                .into_iter()
                .map(|f| (f.text, f.highlighted))
                .collect(),
        }
    }

    /// Each facet entry links to the query with its filter added (unless there already).
    fn facet_views(locale: Locale, q: &str, sort: &str, facets: Facets) -> [Vec<FacetView>; 3] {
        let lower = q.to_lowercase();
        let link = |filter: String| -> Option<String> {
            let present = lower.split_whitespace().any(|w| w == filter.to_lowercase());
            (!present).then(|| search_href(&format!("{} {filter}", q.trim()), sort, 1))
        };
        let kinds = facets
            .kinds
            .into_iter()
            .map(|(kind, count)| FacetView {
                label: kind_name(locale, kind.as_str()),
                count,
                href: link(format!("type:{}", kind.as_str())),
            })
            .collect();
        let groups = facets
            .groups
            .into_iter()
            .map(|(group, count)| FacetView {
                label: group.name,
                count,
                href: link(format!("group:{}", group.slug)),
            })
            .collect();
        let tlps = facets
            .tlps
            .into_iter()
            .map(|(tlp, count)| match tlp {
                Some(tlp) => FacetView {
                    label: crate::components::labels::tlp_text(tlp.as_str()),
                    count,
                    href: link(format!("tlp:{}", tlp.as_str())),
                },
                None => FacetView {
                    label: td_string!(locale, intel_unmarked).to_string(),
                    count,
                    href: None,
                },
            })
            .collect();
        [kinds, groups, tlps]
    }

    pub fn view(
        locale: Locale,
        analyst: bool,
        q: String,
        sort: &str,
        results: Results,
    ) -> SearchView {
        let [kinds, groups, tlps] = facet_views(locale, &q, sort, results.facets);
        SearchView {
            sort: sort.to_string(),
            searched: results.searched,
            total: results.total,
            page: results.page,
            pages: results.pages,
            first: (results.page.max(1) - 1) * vaern_core::search::searching::PER_PAGE + 1,
            hints: results.hints.iter().map(|h| hint_text(locale, h)).collect(),
            hits: results
                .hits
                .into_iter()
                .map(|h| hit_view(locale, analyst, h))
                .collect(),
            kinds,
            groups,
            tlps,
            q,
        }
    }
}

/// One page of what `q` finds for the signed-in person. Never an error for what was
/// typed: what cannot be read is answered with hints.
#[server(prefix = "/rpc", endpoint = "search")]
pub async fn search(
    q: String,
    sort: Option<String>,
    page: Option<String>,
) -> Result<SearchView, AppError> {
    use crate::request;
    use vaern_core::search::searching::{self, Sort};

    let signed_in = request::signed_in()?;
    let viewer = signed_in.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let sort = Sort::parse(sort.as_deref().unwrap_or_default());
    // Anything but a number is the first page; a huge one is the last.
    let page = page
        .and_then(|p| p.trim().parse::<u64>().ok())
        .map_or(1, |p| usize::try_from(p).unwrap_or(usize::MAX));
    let results = searching::search(
        &backend.db,
        &backend.search.current(),
        &viewer,
        &q,
        sort,
        page,
    )
    .await?;
    if results.found_red {
        let address = request::context()?.address;
        vaern_core::search::red_audit::record(
            &backend.audit,
            &backend.query_key,
            &viewer,
            &q,
            &address,
        )
        .await?;
    }
    let analyst = vaern_core::policy::require_analyst(&viewer).is_ok();
    Ok(server::view(locale, analyst, q, sort.as_str(), results))
}

/// A title offered while typing in the header's search box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub title: String,
    /// Translated type name.
    pub kind: String,
    /// Where choosing it goes; `None` where the reader has no page for it (then
    /// choosing it searches for the title).
    pub href: Option<String>,
}

/// Titles whose words start with what was typed, for the search box (an island calls
/// this while the person types; without wasm the box is a plain form).
#[server(prefix = "/rpc", endpoint = "search_suggestions")]
pub async fn search_suggestions(q: String) -> Result<Vec<Suggestion>, AppError> {
    use crate::request;
    let viewer = request::signed_in()?.viewer;
    let backend = request::backend()?;
    let locale = crate::locale::current();
    let analyst = vaern_core::policy::require_analyst(&viewer).is_ok();
    let hits =
        vaern_core::search::searching::suggest(&backend.db, &backend.search.current(), &viewer, &q)
            .await?;
    Ok(hits
        .into_iter()
        .map(|hit| {
            let view = server::hit_view(locale, analyst, hit);
            Suggestion {
                kind: kind_name(locale, &view.kind),
                title: view.title,
                href: view.href,
            }
        })
        .collect())
}
