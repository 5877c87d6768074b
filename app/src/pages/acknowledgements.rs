//! `/intel/acknowledgements`: for analysts and coordinators, how the municipalities
//! responded to a recent advisory or alert: a map-like matrix of the 98 municipalities by
//! region (SVG: each category has a colour *and* a pattern, each municipality its code
//! as text and a link to its line of the table, so the keyboard reaches every one), the
//! same as a table, kept apart what was never delivered, and the table as CSV
//! (`/intel/acknowledgements.csv`, served by the server).

use crate::api::acknowledgements::{
    AcknowledgementsView, OverviewView, ResponseRow, load_acknowledgements,
};
use crate::components::filters::{encode_value, filter_select};
use crate::components::labels::TlpBadge;
use crate::components::page::page_of;
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const PAGE: &str = "/intel/acknowledgements";

#[component]
pub fn AcknowledgementsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, acks_title) />
        {signed_in_view(move |_| view! { <Acknowledgements /> })}
    }
}

#[component]
fn Acknowledgements() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let view = Resource::new_blocking(move || query.with(|q| q.get("item")), load_acknowledgements);
    page_of(
        view,
        td_string!(locale, acks_title),
        Some((PAGE, td_string!(locale, acks_title))),
        move |view| view! { <Parts view /> },
    )
}

#[component]
fn Parts(view: AcknowledgementsView) -> impl IntoView {
    let locale = use_locale();
    let chosen = view
        .chosen
        .as_ref()
        .map(|c| c.row.to_string())
        .unwrap_or_default();
    let body = match view.chosen {
        Some(overview) => Either::Left(view! { <Overview overview /> }),
        None => Either::Right(view! { <p>{td_string!(locale, acks_none)}</p> }),
    };
    view! {
        <h1>{td_string!(locale, acks_title)}</h1>
        <p>{td_string!(locale, acks_intro)}</p>
        <form method="get" action=PAGE class="form filters">
            {filter_select(
                "acks-item",
                "item",
                td_string!(locale, acks_item).to_string(),
                td_string!(locale, acks_newest).to_string(),
                view.items,
                chosen,
            )}
            <div class="filter-buttons">
                <button type="submit">{td_string!(locale, acks_show)}</button>
            </div>
        </form>
        {body}
    }
}

#[component]
fn Overview(overview: OverviewView) -> impl IntoView {
    let locale = use_locale();
    let export = format!(
        "{PAGE}.csv?item={}",
        encode_value(&overview.row.to_string())
    );
    let tlp = overview.tlp.clone().map(|tlp| view! { <TlpBadge tlp /> });
    let summary = overview
        .categories
        .iter()
        .map(|c| {
            view! {
                <li>
                    <Swatch key=c.key.clone() />
                    " " {c.text.clone()} ": " <strong>{c.count}</strong>
                </li>
            }
        })
        .collect_view();
    let not_delivered = (!overview.not_delivered.is_empty()).then(|| {
        let names = overview
            .not_delivered
            .iter()
            .map(|n| view! { <li>{n.clone()}</li> })
            .collect_view();
        view! {
            <section aria-labelledby="acks-undelivered">
                <h2 id="acks-undelivered">{td_string!(locale, acks_not_delivered)}</h2>
                <p class="hint">{td_string!(locale, acks_not_delivered_hint)}</p>
                <ul>{names}</ul>
            </section>
        }
    });
    view! {
        <section aria-labelledby="acks-item-title">
            <h2 id="acks-item-title">{overview.title.clone()}</h2>
            <p class="meta">{tlp} " " {td_string!(locale, acks_published)} " " {overview.published.clone()}</p>
            {overview.href.clone().map(|href| view! { <p><a href=href>{td_string!(locale, acks_open_item)}</a></p> })}
            <ul class="ack-legend">{summary}</ul>
            <Map rows=overview.rows.clone() />
            {not_delivered}
            <p>
                <a href=export rel="external" download>{td_string!(locale, acks_export)}</a>
            </p>
            <Table rows=overview.rows />
        </section>
    }
}

/// A category's colour and pattern, as in the map.
#[component]
fn Swatch(key: String) -> impl IntoView {
    let fill = format!("url(#ack-{key})");
    view! {
        <svg width="18" height="14" aria-hidden="true" focusable="false" class="ack-swatch">
            <rect width="18" height="14" fill=fill class="ack-cell" />
        </svg>
    }
}

/// Map geometry, in SVG units.
const CELL_W: f64 = 46.0;
const CELL_H: f64 = 26.0;
const PER_ROW: usize = 12;
const LABEL_H: f64 = 20.0;

/// The colours and patterns of the categories: a light colour with a dark mark, so the
/// code on each cell stays readable and colour is never the only cue.
fn patterns() -> impl IntoView {
    let pattern = |key: &'static str, background: &'static str, mark: AnyView| {
        let id = format!("ack-{key}");
        view! {
            <pattern id=id width="8" height="8" patternUnits="userSpaceOnUse">
                <rect width="8" height="8" fill=background />
                {mark}
            </pattern>
        }
    };
    view! {
        <defs>
            {pattern("waiting", "#f9d5d2", view! { <path d="M0 8 L8 0" class="ack-mark" /> }.into_any())}
            {pattern("seen", "#fdebb3", view! { <circle cx="4" cy="4" r="1.3" class="ack-dot" /> }.into_any())}
            {pattern("working", "#fcd9b1", view! { <path d="M0 0 L8 8 M0 8 L8 0" class="ack-mark" /> }.into_any())}
            {pattern("done", "#cfe8d0", view! { <path d="M0 4 L8 4" class="ack-mark faint" /> }.into_any())}
            {pattern("label", "#e4e4e4", view! { <path d="M4 0 L4 8" class="ack-mark" /> }.into_any())}
            {pattern("held", "#d9d4ec", view! { <path d="M0 0 L8 8" class="ack-mark" /> }.into_any())}
            {pattern("none", "#ffffff", ().into_any())}
        </defs>
    }
}

#[component]
fn Map(rows: Vec<ResponseRow>) -> impl IntoView {
    let locale = use_locale();
    let municipalities: Vec<ResponseRow> = rows.into_iter().filter(|r| r.municipality).collect();
    let mut regions: Vec<(String, Vec<ResponseRow>)> = Vec::new();
    for row in municipalities {
        match regions.last_mut() {
            Some((region, members)) if *region == row.region => members.push(row),
            _ => regions.push((row.region.clone(), vec![row])),
        }
    }
    let mut y = 0.0;
    let groups = regions
        .into_iter()
        .map(|(region, members)| {
            let top = y;
            let lines = members.len().div_ceil(PER_ROW);
            y += LABEL_H + lines as f64 * (CELL_H + 4.0) + 8.0;
            let cells = members
                .into_iter()
                .enumerate()
                .map(|(i, m)| {
                    let x = (i % PER_ROW) as f64 * (CELL_W + 4.0);
                    let cy = top + LABEL_H + (i / PER_ROW) as f64 * (CELL_H + 4.0);
                    let fill = format!("url(#ack-{})", m.category);
                    // The name starts with the code the cell shows (WCAG 2.5.3).
                    let label = format!("{} {}: {}", m.code, m.name, m.response);
                    let href = format!("#org-{}", m.code);
                    view! {
                        <a href=href aria-label=label>
                            <rect x=x y=cy width=CELL_W height=CELL_H fill=fill class="ack-cell" />
                            <text x=x + CELL_W / 2.0 y=cy + CELL_H / 2.0 + 4.0 text-anchor="middle" class="ack-code">{m.code}</text>
                        </a>
                    }
                })
                .collect_view();
            view! {
                <g>
                    <text x="0" y=top + 14.0 class="ack-region">{region}</text>
                    {cells}
                </g>
            }
        })
        .collect_view();
    let width = PER_ROW as f64 * (CELL_W + 4.0);
    let view_box = format!("0 0 {width} {y}");
    view! {
        <figure class="ack-map">
            <svg viewBox=view_box role="group" aria-label=td_string!(locale, acks_map_label) width="100%">
                {patterns()}
                {groups}
            </svg>
            <figcaption class="hint">{td_string!(locale, acks_map_hint)}</figcaption>
        </figure>
    }
}

#[component]
fn Table(rows: Vec<ResponseRow>) -> impl IntoView {
    let locale = use_locale();
    let lines = rows
        .into_iter()
        .map(|r| {
            let id = format!("org-{}", r.code);
            view! {
                <tr id=id>
                    <th scope="row">{r.name}</th>
                    <td>{r.region}</td>
                    <td>{r.response}</td>
                    <td>{r.acknowledged.unwrap_or_default()}</td>
                    <td>{r.took.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <ScrollTable label=td_string!(locale, acks_table_caption)>
            <table>
                <caption>{td_string!(locale, acks_table_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, acks_col_org)}</th>
                        <th scope="col">{td_string!(locale, acks_col_region)}</th>
                        <th scope="col">{td_string!(locale, acks_col_response)}</th>
                        <th scope="col">{td_string!(locale, acks_col_acknowledged)}</th>
                        <th scope="col">{td_string!(locale, acks_col_took)}</th>
                    </tr>
                </thead>
                <tbody>{lines}</tbody>
            </table>
        </ScrollTable>
    }
}
