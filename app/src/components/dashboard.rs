//! The dashboard's panels on the home page: the organisation's alerts, the latest
//! advisories, what the reader may see per day for 30 days, and the indicator types.
//!
//! The chart is SVG drawn on the server. Each severity has a colour *and* a pattern
//! (and the legend names them), so colour is never the only cue; the same numbers are in
//! a table below it for screen readers and anyone who prefers one.

use crate::api::acknowledgements::{ACK_STATES, AcknowledgeAdvisory, ack_name};
use crate::api::dashboard::{DashboardView, DayView, load_dashboard};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::labels::TlpBadge;
use crate::components::live_panel::LivePanel;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Stored severity names, low first, as the chart's classes and patterns use them.
const SEVERITY_KEYS: [&str; 4] = ["low", "medium", "high", "critical"];

/// The element the live panel island refreshes, and the route it reads it from.
const PANELS_ID: &str = "dashboard-panels";
pub const PANELS_ROUTE: &str = "/live/dashboard";

#[component]
pub fn Dashboard() -> impl IntoView {
    let locale = use_locale();
    let dashboard = Resource::new_blocking(|| (), |()| load_dashboard());
    let body = move || {
        Suspend::new(async move {
            match dashboard.await {
                Ok(d) => Either::Left(view! {
                    <AckDone />
                    <ErrorMessage path={<AcknowledgeAdvisory as ServerFn>::PATH} only_after_refusal=true />
                    <LivePanel
                        src=PANELS_ROUTE.to_string()
                        target=PANELS_ID.to_string()
                        topics=vec!["alerts".into(), "advisories".into(), "incidents".into()]
                    />
                    <div id=PANELS_ID>
                        <Panels d />
                    </div>
                }),
                Err(err) => Either::Right(view! {
                    <p class="message error" role="alert">{err.message(locale)}</p>
                }),
            }
        })
    };
    view! { <Suspense>{body}</Suspense> }
}

/// The panels as HTML, for the live route: rendered by the same component as the page.
#[cfg(feature = "ssr")]
pub fn panels_html(locale: Locale, d: DashboardView) -> String {
    crate::components::live_panel::render(locale, move || view! { <Panels d /> })
}

#[component]
fn Panels(d: DashboardView) -> impl IntoView {
    let locale = use_locale();
    let open_total: u64 = d.open_alerts.iter().sum();
    let open_rows = SEVERITY_KEYS
        .iter()
        .zip(&d.severities)
        .zip(d.open_alerts)
        .rev()
        .map(|((key, name), n)| {
            let class = format!("severity severity-{key}");
            view! { <li><span class=class>{name.clone()}</span> " " <strong>{n}</strong></li> }
        })
        .collect_view();
    let overdue_class = if d.deadlines_overdue > 0 {
        "overdue"
    } else {
        ""
    };
    view! {
        <div class="dashboard">
            <section class="panel" aria-labelledby="dash-alerts">
                <h2 id="dash-alerts">{td_string!(locale, dashboard_alerts)}</h2>
                <p class="big-number">
                    <a href="/alerts">{td_string!(locale, dashboard_open_alerts, count = open_total).to_string()}</a>
                </p>
                <ul class="by-severity">{open_rows}</ul>
                <dl class="details">
                    <dt>{td_string!(locale, dashboard_waiting)}</dt>
                    <dd>{d.waiting}</dd>
                    <dt>{td_string!(locale, dashboard_new_24h)}</dt>
                    <dd>{d.new_24h}</dd>
                    <dt>{td_string!(locale, dashboard_new_7d)}</dt>
                    <dd>{d.new_7d}</dd>
                </dl>
            </section>
            <section class="panel" aria-labelledby="dash-deadlines">
                <h2 id="dash-deadlines">{td_string!(locale, dashboard_deadlines)}</h2>
                <p class="big-number">
                    <a href="/incidents">{td_string!(locale, dashboard_deadlines_due, count = d.deadlines_running + d.deadlines_overdue).to_string()}</a>
                </p>
                <dl class="details">
                    <dt>{td_string!(locale, dashboard_deadlines_overdue)}</dt>
                    <dd class=overdue_class>{d.deadlines_overdue}</dd>
                </dl>
            </section>
            <Items
                id="dash-advisories"
                title=td_string!(locale, dashboard_advisories)
                none=td_string!(locale, dashboard_no_advisories)
                advisories=d.advisories.clone()
                acknowledged=true
            />
            <Items
                id="dash-incidents"
                title=td_string!(locale, dashboard_incidents)
                none=td_string!(locale, dashboard_no_incidents)
                advisories=d.incidents.clone()
            />
            <IndicatorTypes types=d.indicator_types.clone() />
            <section class="panel wide" aria-labelledby="dash-chart">
                <h2 id="dash-chart">{td_string!(locale, dashboard_chart)}</h2>
                <p class="hint">{td_string!(locale, dashboard_chart_hint)}</p>
                <Chart days=d.days.clone() severities=d.severities.clone() />
                <ChartTable days=d.days.clone() severities=d.severities.clone() unrated=d.unrated />
            </section>
        </div>
    }
}

/// A panel of advisories or incidents: `id` heads it, `title` names it, `none` stands in
/// for an empty list.
#[component]
fn Items(
    id: &'static str,
    title: &'static str,
    none: &'static str,
    advisories: Vec<crate::api::dashboard::AdvisoryLine>,
    /// Whether each line has the organisation's acknowledgement form (advisories).
    #[prop(optional)]
    acknowledged: bool,
) -> impl IntoView {
    let locale = use_locale();
    let body = if advisories.is_empty() {
        Either::Left(view! { <p>{none}</p> })
    } else {
        let items = advisories
            .into_iter()
            .map(|a| {
                let name = if a.name.trim().is_empty() {
                    td_string!(locale, intel_untitled).to_string()
                } else {
                    a.name.clone()
                };
                let name = match a.href.clone() {
                    Some(href) => Either::Left(view! { <a href=href>{name}</a> }),
                    None => Either::Right(view! { <span class="advisory-name">{name}</span> }),
                };
                let tlp = a.tlp.clone().map(|tlp| view! { <TlpBadge tlp /> });
                let severity = a.severity.clone().map(|(key, text)| {
                    let class = format!("severity severity-{key}");
                    view! { <span class=class>{text}</span> }
                });
                let ack = acknowledged.then(|| view! { <AckForm line=a.clone() /> });
                view! {
                    <li>
                        {name}
                        <p class="meta">{tlp} " " {severity} " " {a.published.clone()}</p>
                        {ack}
                    </li>
                }
            })
            .collect_view();
        Either::Right(view! { <ul class="advisories">{items}</ul> })
    };
    view! {
        <section class="panel" aria-labelledby=id>
            <h2 id=id>{title}</h2>
            {body}
        </section>
    }
}

/// Says once that the acknowledgement form was saved.
#[component]
fn AckDone() -> impl IntoView {
    let locale = use_locale();
    crate::flash::done(<AcknowledgeAdvisory as ServerFn>::PATH).then(|| {
        view! { <p class="message success" role="status">{td_string!(locale, ack_done)}</p> }
    })
}

/// The organisation's acknowledgement of one advisory: its state now, and a plain form
/// to set it (the acknowledgement view shows it to the centre).
#[component]
fn AckForm(line: crate::api::dashboard::AdvisoryLine) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<AcknowledgeAdvisory>::new();
    let id = format!("ack-{}", line.row);
    let now = line.ack.clone().unwrap_or_default();
    let options = ACK_STATES
        .iter()
        .map(|key| {
            let key = *key;
            view! { <option value=key selected=now == key>{ack_name(locale, key)}</option> }
        })
        .collect_view();
    let state = match &line.ack {
        Some(key) => ack_name(locale, key),
        None => td_string!(locale, ack_none_yet).to_string(),
    };
    let share_id = format!("ack-share-{}", line.row);
    let shared = line
        .shared
        .clone()
        .map(|at| view! { " · " <span class="ack-shared">{td_string!(locale, ack_shared, at = at)}</span> });
    // RED advisories are not answered through the platform.
    let share = (line.tlp.as_deref() != Some("red")).then(|| {
        view! {
            <span class="checkbox">
                <input type="checkbox" id=share_id.clone() name="share" value="1" />
                <label for=share_id>{td_string!(locale, ack_share)}</label>
            </span>
        }
    });
    view! {
        <Form action class="inline-form ack-form">
            <input type="hidden" name="row" value=line.row />
            <label for=id.clone()>
                {td_string!(locale, ack_label)}
                <span class="visually-hidden">" " {line.name.clone()}</span>
            </label>
            <select id=id name="state">{options}</select>
            {share}
            <button type="submit">{td_string!(locale, ack_save)}</button>
            " " <span class="ack-now">{state}</span>
            {shared}
        </Form>
    }
}

#[component]
fn IndicatorTypes(types: Vec<(String, u64)>) -> impl IntoView {
    let locale = use_locale();
    let body = if types.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, dashboard_no_indicators)}</p> })
    } else {
        let items = types
            .into_iter()
            .map(|(kind, n)| view! { <li><code>{kind}</code> " " <strong>{n}</strong></li> })
            .collect_view();
        Either::Right(view! { <ol class="indicator-types">{items}</ol> })
    };
    view! {
        <section class="panel" aria-labelledby="dash-indicators">
            <h2 id="dash-indicators">{td_string!(locale, dashboard_indicators)}</h2>
            {body}
        </section>
    }
}

/// Chart geometry, in SVG units.
const BAR: f64 = 14.0;
const GAP: f64 = 4.0;
const PLOT_HEIGHT: f64 = 160.0;
const LEFT: f64 = 36.0;
const TOP: f64 = 10.0;

#[component]
fn Chart(days: Vec<DayView>, severities: [String; 4]) -> impl IntoView {
    let locale = use_locale();
    let max = days
        .iter()
        .map(|d| d.counts.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let width = LEFT + days.len() as f64 * (BAR + GAP) + GAP;
    let height = TOP + PLOT_HEIGHT + 30.0;
    let scale = PLOT_HEIGHT / max as f64;
    let base = TOP + PLOT_HEIGHT;
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let x = LEFT + GAP + i as f64 * (BAR + GAP);
            let mut y = base;
            let parts = day
                .counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| {
                    let h = *n as f64 * scale;
                    y -= h;
                    let fill = format!("url(#sev-{})", SEVERITY_KEYS[s]);
                    view! { <rect x=x y=y width=BAR height=h fill=fill class="bar" /> }
                })
                .collect_view();
            // Every fifth day is labelled, and today.
            let label = (i % 5 == 0 || i + 1 == days.len()).then(|| {
                view! {
                    <text x=x + BAR / 2.0 y=base + 14.0 text-anchor="middle" class="axis">{day.short.clone()}</text>
                }
            });
            view! { <g>{parts}{label}</g> }
        })
        .collect_view();
    let legend = SEVERITY_KEYS
        .iter()
        .zip(severities)
        .map(|(key, name)| {
            let fill = format!("url(#sev-{key})");
            view! {
                <li>
                    <svg width="18" height="14" aria-hidden="true" focusable="false">
                        <rect width="18" height="14" fill=fill class="bar" />
                    </svg>
                    " " {name}
                </li>
            }
        })
        .collect_view();
    let view_box = format!("0 0 {width} {height}");
    view! {
        <figure class="chart">
            <svg viewBox=view_box role="img" aria-labelledby="dash-chart-title" preserveAspectRatio="xMinYMin meet">
                <title id="dash-chart-title">{td_string!(locale, dashboard_chart_title, max = max)}</title>
                <defs>
                    <pattern id="sev-low" width="6" height="6" patternUnits="userSpaceOnUse">
                        <rect width="6" height="6" class="sev-low-bg" />
                        <circle cx="3" cy="3" r="1.2" class="sev-mark" />
                    </pattern>
                    <pattern id="sev-medium" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect width="6" height="6" class="sev-medium-bg" />
                        <line x1="0" y1="0" x2="0" y2="6" class="sev-line" />
                    </pattern>
                    <pattern id="sev-high" width="6" height="6" patternUnits="userSpaceOnUse">
                        <rect width="6" height="6" class="sev-high-bg" />
                        <path d="M0 0L6 6M6 0L0 6" class="sev-line" />
                    </pattern>
                    <pattern id="sev-critical" width="6" height="6" patternUnits="userSpaceOnUse">
                        <rect width="6" height="6" class="sev-critical-bg" />
                    </pattern>
                </defs>
                <line x1=LEFT y1=base x2=width y2=base class="axis-line" />
                <text x=LEFT - 4.0 y=base text-anchor="end" class="axis">"0"</text>
                <text x=LEFT - 4.0 y=TOP + 8.0 text-anchor="end" class="axis">{max}</text>
                {bars}
            </svg>
            <figcaption>
                <ul class="legend">{legend}</ul>
            </figcaption>
        </figure>
    }
}

/// The chart's numbers as a table.
#[component]
fn ChartTable(days: Vec<DayView>, severities: [String; 4], unrated: u64) -> impl IntoView {
    let locale = use_locale();
    let head = severities
        .iter()
        .rev()
        .map(|name| view! { <th scope="col">{name.clone()}</th> })
        .collect_view();
    let rows = days
        .into_iter()
        .rev()
        .map(|day| {
            let cells = day
                .counts
                .iter()
                .rev()
                .map(|n| view! { <td>{*n}</td> })
                .collect_view();
            view! { <tr><th scope="row">{day.long}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <details class="chart-table">
            <summary>{td_string!(locale, dashboard_chart_table)}</summary>
            <table>
                <caption>{td_string!(locale, dashboard_chart_caption, unrated = unrated).to_string()}</caption>
                <thead><tr><th scope="col">{td_string!(locale, dashboard_day)}</th>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}
