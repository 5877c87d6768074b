//! `/search?q=…&sort=…&page=…`: the results of the header's search box, with the box
//! again (keeping the query), hints for what could not be read as typed, facet counts
//! that add their filter to the query, the hits with highlighted snippets, and pages.
//! A plain GET page: results have a URL to share and work without wasm.

use crate::api::search::{FacetView, HitView, SearchView, kind_name, search, search_href};
use crate::components::labels::TlpBadge;
use crate::components::page::page_of;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SearchPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, search_title) />
        {signed_in_view(move |_| view! { <Search /> })}
    }
}

#[component]
fn Search() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let results = Resource::new_blocking(
        move || query.with(|q| (q.get("q").unwrap_or_default(), q.get("sort"), q.get("page"))),
        |(q, sort, page)| search(q, sort, page),
    );
    page_of(
        results,
        td_string!(locale, search_title),
        None,
        move |view| {
            view! { <Results view /> }
        },
    )
}

#[component]
fn Results(view: SearchView) -> impl IntoView {
    let locale = use_locale();
    let SearchView {
        q,
        sort,
        searched,
        total,
        page,
        pages,
        first,
        hints,
        hits,
        kinds,
        groups,
        tlps,
    } = view;
    let hints = (!hints.is_empty()).then(|| {
        view! {
            <div class="message notice search-hints" role="status" aria-label=td_string!(locale, search_hints_label)>
                <ul>{hints.into_iter().map(|h| view! { <li>{h}</li> }).collect_view()}</ul>
            </div>
        }
    });
    let count = if total == 1 {
        td_string!(locale, search_results_one).to_string()
    } else {
        td_string!(locale, search_results_count, count = total).to_string()
    };
    let body = if !searched {
        Either::Left(view! { <p>{td_string!(locale, search_intro)}</p> })
    } else if hits.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, search_no_results)}</p> })
    } else {
        Either::Right(view! {
            <div class="search-layout">
                <aside class="search-facets" aria-label=td_string!(locale, search_facets_label)>
                    <FacetList heading=td_string!(locale, search_facet_types).to_string() entries=kinds />
                    <FacetList heading=td_string!(locale, search_facet_groups).to_string() entries=groups />
                    <FacetList heading=td_string!(locale, search_facet_tlp).to_string() entries=tlps />
                </aside>
                <section class="search-results" aria-label=td_string!(locale, search_results_label)>
                    <ol class="search-hits" start=first>
                        {hits.into_iter().map(|hit| view! { <HitItem hit /> }).collect_view()}
                    </ol>
                    <SearchPages q=q.clone() sort=sort.clone() page pages />
                </section>
            </div>
        })
    };
    view! {
        <h1>{td_string!(locale, search_title)}</h1>
        <SearchForm q=q.clone() sort=sort.clone() />
        {hints}
        {searched.then(|| view! { <p class="search-count" role="status">{count}</p> })}
        {body}
    }
}

/// The page's own search form: the query kept, and the sort order.
#[component]
fn SearchForm(q: String, sort: String) -> impl IntoView {
    let locale = use_locale();
    let newest = sort == "newest";
    view! {
        <form class="search-form" role="search" method="get" action="/search"
            aria-label=td_string!(locale, search_page_form_label)>
            <div class="field">
                <label for="search-q">{td_string!(locale, search_terms_label)}</label>
                <input id="search-q" type="search" name="q" value=q maxlength="1000"
                    autocomplete="off" spellcheck="false" />
            </div>
            <div class="field">
                <label for="search-sort">{td_string!(locale, search_sort)}</label>
                <select id="search-sort" name="sort">
                    <option value="relevance" selected=!newest>{td_string!(locale, search_sort_relevance)}</option>
                    <option value="newest" selected=newest>{td_string!(locale, search_sort_newest)}</option>
                </select>
            </div>
            <button type="submit">{td_string!(locale, search_button)}</button>
        </form>
    }
}

#[component]
fn FacetList(heading: String, entries: Vec<FacetView>) -> impl IntoView {
    let locale = use_locale();
    (!entries.is_empty()).then(|| {
        let items = entries
            .into_iter()
            .map(|entry| {
                let count = td_string!(locale, search_facet_count, count = entry.count).to_string();
                let label = entry.label;
                match entry.href {
                    Some(href) => Either::Left(view! {
                        <li><a href=href>{label}</a> " " <span class="count" aria-label=count>{entry.count}</span></li>
                    }),
                    None => Either::Right(view! {
                        <li aria-current="true">{label} " " <span class="count" aria-label=count>{entry.count}</span></li>
                    }),
                }
            })
            .collect_view();
        view! {
            <h2>{heading}</h2>
            <ul class="facet-list">{items}</ul>
        }
    })
}

#[component]
fn HitItem(hit: HitView) -> impl IntoView {
    let locale = use_locale();
    let HitView {
        kind,
        title,
        href,
        group,
        author,
        date,
        tlp,
        snippet,
    } = hit;
    let heading = match href {
        Some(href) => Either::Left(view! { <a href=href>{title}</a> }),
        None => Either::Right(view! { <span>{title}</span> }),
    };
    // Text only: highlighted pieces become <mark>, nothing from the content is markup.
    let snippet = (!snippet.is_empty()).then(|| {
        view! {
            <p class="snippet">
                {snippet
                    .into_iter()
                    .map(|(text, highlighted)| {
                        if highlighted {
                            Either::Left(view! { <mark>{text}</mark> })
                        } else {
                            Either::Right(text)
                        }
                    })
                    .collect_view()}
            </p>
        }
    });
    view! {
        <li class="search-hit">
            <h2 class="hit-title">{heading}</h2>
            <p class="hit-meta">
                <span class="hit-kind">{kind_name(locale, &kind)}</span>
                {group.map(|g| view! { " · " <span>{td_string!(locale, search_meta_in, group = g).to_string()}</span> })}
                {author.map(|a| view! { " · " <span>{a}</span> })}
                " · " <span>{date}</span>
                {tlp.map(|t| view! { " " <TlpBadge tlp=t /> })}
            </p>
            {snippet}
        </li>
    }
}

#[component]
fn SearchPages(q: String, sort: String, page: usize, pages: usize) -> impl IntoView {
    let locale = use_locale();
    (pages > 1).then(|| {
        let prev = (page > 1).then(|| {
            let href = search_href(&q, &sort, page - 1);
            view! { <a href=href rel="prev">{td_string!(locale, page_previous)}</a> }
        });
        let next = (page < pages).then(|| {
            let href = search_href(&q, &sort, page + 1);
            view! { <a href=href rel="next">{td_string!(locale, page_next)}</a> }
        });
        view! {
            <nav class="pagination" aria-label=td_string!(locale, page_nav_label)>
                {prev}
                <span>{td_string!(locale, page_of, page = page, pages = pages)}</span>
                {next}
            </nav>
        }
    })
}
