//! `/alerts`: the alerts of the signed-in person's organisation as far as the person may
//! see each sighting, filtered, sorted and paged, with the filtered list as CSV
//! (`/alerts.csv`, served by the server); `/alerts/{id}`: one alert, what was sighted, when and
//! where, its indicators and related intel, and working it (status, assignee, comments,
//! history). Every form is a plain post (`components::form`).

use crate::api::alerts::{
    AlertRow, AlertView, AlertsView, AssignAlert, CommentAlert, DiscussAlert, FilterFields,
    RelatedView, SetAlertStatus, alert_href, load_alert, load_alerts, status_name,
};
use crate::api::feedback::ShareAlert;
use crate::components::copy_button::CopyButton;
use crate::components::error_message::ErrorMessage;
use crate::components::filters::options;
use crate::components::filters::{filter_select, filtered_href};
use crate::components::form::Form;
use crate::components::forum::Pagination;
use crate::components::labels::{TlpBadge, tlp_text};
use crate::components::live_panel::LivePanel;
use crate::components::page::{loaded, page_of};
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::flash;
use crate::i18n::*;
use crate::locale::use_locale;
use crate::pages::incidents::LinkedIncidents;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn AlertsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, alerts_title) />
        {signed_in_view(move |_| view! { <Alerts /> })}
    }
}

/// The list's address and the filter fields it reads (the export reads the same).
const LIST: &str = "/alerts";
const EXPORT: &str = "/alerts.csv";
const FILTER_FIELDS: [&str; 8] = [
    "severity",
    "status",
    "tlp",
    "from",
    "to",
    "kind",
    "indicator",
    "sort",
];

#[component]
fn Alerts() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let alerts = Resource::new_blocking(
        move || {
            query.with(|q| {
                let field = |name: &str| q.get(name);
                (
                    FilterFields {
                        severity: field("severity"),
                        status: field("status"),
                        tlp: field("tlp"),
                        from: field("from"),
                        to: field("to"),
                        kind: field("kind"),
                        indicator: field("indicator"),
                        sort: field("sort"),
                    },
                    field("page"),
                )
            })
        },
        |(fields, page)| load_alerts(fields, page),
    );
    page_of(
        alerts,
        td_string!(locale, alerts_title),
        Some((LIST, td_string!(locale, alerts_filter_clear))),
        move |view| view! { <AlertsParts view /> },
    )
}

#[component]
fn AlertsParts(view: AlertsView) -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let value = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let filter: Vec<(&str, String)> = FILTER_FIELDS.iter().map(|f| (*f, value(f))).collect();
    let base = filtered_href(LIST, &filter);
    let export = filtered_href(EXPORT, &filter);
    let sort_value = value("sort");
    let sorts = view
        .sorts
        .into_iter()
        .map(|(key, text)| {
            let selected = key == sort_value;
            view! { <option value=key selected=selected>{text}</option> }
        })
        .collect_view();
    let total = view.total;
    let filtered = filter
        .iter()
        .any(|(name, v)| *name != "sort" && !v.trim().is_empty());
    view! {
        <h1>{td_string!(locale, alerts_title)}</h1>
        <p>{td_string!(locale, alerts_intro)}</p>
        <form method="get" action=LIST class="form filters">
            {filter_select(
                "alerts-severity",
                "severity",
                td_string!(locale, alerts_filter_severity).to_string(),
                td_string!(locale, alerts_any).to_string(),
                view.severities,
                value("severity"),
            )}
            {filter_select(
                "alerts-status",
                "status",
                td_string!(locale, alerts_filter_status).to_string(),
                td_string!(locale, alerts_any).to_string(),
                view.statuses,
                value("status"),
            )}
            {filter_select(
                "alerts-tlp",
                "tlp",
                td_string!(locale, alerts_filter_tlp).to_string(),
                td_string!(locale, alerts_any).to_string(),
                view.labels,
                value("tlp"),
            )}
            <div class="field">
                <label for="alerts-from">{td_string!(locale, alerts_filter_from)}</label>
                <input id="alerts-from" name="from" type="date" value=value("from") />
            </div>
            <div class="field">
                <label for="alerts-to">{td_string!(locale, alerts_filter_to)}</label>
                <input id="alerts-to" name="to" type="date" value=value("to") />
            </div>
            {filter_select(
                "alerts-kind",
                "kind",
                td_string!(locale, alerts_filter_type).to_string(),
                td_string!(locale, alerts_any).to_string(),
                view.indicator_types,
                value("kind"),
            )}
            <div class="field">
                <label for="alerts-indicator">{td_string!(locale, alerts_filter_indicator)}</label>
                <input
                    id="alerts-indicator"
                    name="indicator"
                    type="search"
                    maxlength="200"
                    aria-describedby="alerts-indicator-hint"
                    value=value("indicator")
                />
                <p id="alerts-indicator-hint" class="hint">
                    {td_string!(locale, alerts_filter_indicator_hint)}
                </p>
            </div>
            <div class="field">
                <label for="alerts-sort">{td_string!(locale, alerts_filter_sort)}</label>
                <select id="alerts-sort" name="sort">{sorts}</select>
            </div>
            <div class="filter-buttons">
                <button type="submit">{td_string!(locale, alerts_filter_button)}</button>
                <a href=LIST>{td_string!(locale, alerts_filter_clear)}</a>
                <a href=export rel="external" download>{td_string!(locale, alerts_export)}</a>
            </div>
        </form>
        <LivePanel src=RESULTS_ROUTE.to_string() target=RESULTS_ID.to_string() topics=vec!["alerts".into()] />
        <div id=RESULTS_ID>
            <Results rows=view.rows total more=view.more filtered base page=view.page pages=view.pages />
        </div>
    }
}

/// The element the live panel island refreshes, and the route it reads it from (with the
/// page's query).
const RESULTS_ID: &str = "alerts-results";
pub const RESULTS_ROUTE: &str = "/live/alerts";

/// The results as HTML, for the live route: rendered by the same component as the page.
/// `query` is the page's filter, for the page links.
#[cfg(feature = "ssr")]
pub fn results_html(locale: Locale, view: AlertsView, fields: &FilterFields) -> String {
    let filter = [
        ("severity", fields.severity.clone()),
        ("status", fields.status.clone()),
        ("tlp", fields.tlp.clone()),
        ("from", fields.from.clone()),
        ("to", fields.to.clone()),
        ("kind", fields.kind.clone()),
        ("indicator", fields.indicator.clone()),
        ("sort", fields.sort.clone()),
    ]
    .map(|(name, value)| (name, value.unwrap_or_default()));
    let filtered = filter
        .iter()
        .any(|(name, v)| *name != "sort" && !v.trim().is_empty());
    let base = filtered_href(LIST, &filter);
    crate::components::live_panel::render(locale, move || {
        view! {
            <Results
                rows=view.rows
                total=view.total
                more=view.more
                filtered
                base
                page=view.page
                pages=view.pages
            />
        }
    })
}

/// How many match, the page of them, and the links to the other pages.
#[component]
fn Results(
    rows: Vec<AlertRow>,
    total: u64,
    more: bool,
    filtered: bool,
    base: String,
    page: u64,
    pages: u64,
) -> impl IntoView {
    let locale = use_locale();
    view! {
        <p>
            {if more {
                td_string!(locale, alerts_count_more, count = total).to_string()
            } else {
                td_string!(locale, alerts_count, count = total).to_string()
            }}
        </p>
        <AlertTable rows filtered />
        <Pagination base page=page as i64 pages=pages as i64 />
    }
}

/// A label as its badge, or "unmarked".
fn tlp_cell(locale: Locale, tlp: Option<String>) -> impl IntoView {
    match tlp {
        Some(tlp) => Either::Left(view! { <TlpBadge tlp /> }),
        None => Either::Right(
            view! { <span class="badge unmarked">{td_string!(locale, intel_unmarked)}</span> },
        ),
    }
}

#[component]
fn AlertTable(rows: Vec<AlertRow>, filtered: bool) -> impl IntoView {
    let locale = use_locale();
    if rows.is_empty() {
        let text = if filtered {
            td_string!(locale, alerts_none_match)
        } else {
            td_string!(locale, alerts_none)
        };
        return Either::Left(view! { <p>{text}</p> });
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let severity_class = format!("severity severity-{}", row.severity_key);
            view! {
                <tr>
                    <td>{row.created.clone()}</td>
                    <th scope="row"><a href=alert_href(row.id)>{row.what.clone()}</a></th>
                    <td><span class=severity_class>{row.severity.clone()}</span></td>
                    <td>{row.status.clone()}</td>
                    <td>{row.assignee.clone().unwrap_or_default()}</td>
                    <td>{tlp_cell(locale, row.tlp.clone())}</td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <ScrollTable label=td_string!(locale, alerts_table_caption)>
            <table>
                <caption>{td_string!(locale, alerts_table_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, alerts_col_created)}</th>
                        <th scope="col">{td_string!(locale, alerts_col_sighting)}</th>
                        <th scope="col">{td_string!(locale, intel_col_severity)}</th>
                        <th scope="col">{td_string!(locale, alerts_col_status)}</th>
                        <th scope="col">{td_string!(locale, alerts_col_assignee)}</th>
                        <th scope="col">{td_string!(locale, intel_col_tlp)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </ScrollTable>
    })
}

#[component]
pub fn AlertPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, alert_title) />
        {signed_in_view(move |_| view! { <AlertPageView /> })}
    }
}

#[component]
fn AlertPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let alert = Resource::new_blocking(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => load_alert(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(
            async move { loaded(alert.await, locale, |alert| view! { <AlertParts alert /> }) },
        )
    };
    view! { <Suspense>{body}</Suspense> }
}

/// What the last form of the page did, said once.
#[component]
fn AlertDone() -> impl IntoView {
    let locale = use_locale();
    let status = flash::output::<String>(<SetAlertStatus as ServerFn>::PATH).map(|status| {
        td_string!(
            locale,
            alert_status_done,
            status = status_name(locale, &status)
        )
        .to_string()
    });
    let assigned = flash::done(<AssignAlert as ServerFn>::PATH)
        .then(|| td_string!(locale, alert_assign_done).to_string());
    let commented = flash::done(<CommentAlert as ServerFn>::PATH)
        .then(|| td_string!(locale, alert_comment_done).to_string());
    let shared = flash::done(<ShareAlert as ServerFn>::PATH)
        .then(|| td_string!(locale, alert_share_done).to_string());
    status
        .or(assigned)
        .or(commented)
        .or(shared)
        .map(|text| view! { <p class="message success" role="status">{text}</p> })
}

#[component]
fn AlertParts(alert: AlertView) -> impl IntoView {
    let locale = use_locale();
    let id = alert.row.id;
    let banner = match &alert.row.tlp {
        Some(tlp) => td_string!(locale, alert_banner, tlp = tlp_text(tlp)).to_string(),
        None => td_string!(locale, alert_banner_unmarked).to_string(),
    };
    let severity_class = format!("severity severity-{}", alert.row.severity_key);
    let fact = |label: &'static str, value: Option<String>| {
        value.map(|value| view! { <dt>{label}</dt> <dd>{value}</dd> })
    };
    let acknowledged = alert
        .acknowledged
        .clone()
        .map(|at| match &alert.time_to_acknowledge {
            Some(took) => td_string!(
                locale,
                alert_acknowledged_after,
                at = at,
                took = took.clone()
            )
            .to_string(),
            None => at,
        });
    let description = (!alert.description.trim().is_empty())
        .then(|| view! { <p class="description">{alert.description.clone()}</p> });
    view! {
        <Title text=alert.row.what.clone() />
        <p class="breadcrumbs"><a href="/alerts">{td_string!(locale, alerts_title)}</a></p>
        <h1>{alert.row.what.clone()}</h1>
        <p class="tlp-banner" role="note">{tlp_cell(locale, alert.row.tlp.clone())} " " {banner}</p>
        <AlertDone />
        {description}
        <dl class="details">
            <dt>{td_string!(locale, intel_col_severity)}</dt>
            <dd><span class=severity_class>{alert.row.severity.clone()}</span></dd>
            <dt>{td_string!(locale, alerts_col_status)}</dt>
            <dd>{alert.row.status.clone()}</dd>
            <dt>{td_string!(locale, alert_where)}</dt>
            <dd>{alert.org_name.clone()}</dd>
            {fact(td_string!(locale, alert_first_seen), alert.first_seen.clone())}
            {fact(td_string!(locale, alert_last_seen), alert.last_seen.clone())}
            {fact(td_string!(locale, alert_count), alert.count.map(|c| c.to_string()))}
            {fact(td_string!(locale, alert_visible_since), alert.visible.clone())}
            {fact(td_string!(locale, alert_acknowledged), acknowledged)}
        </dl>
        <WorkAlert id alert=alert.clone() />
        <ShareWithCentre id alert=alert.clone() />
        <Indicators indicators=alert.indicators.clone() />
        <RelatedList heading=td_string!(locale, alert_advisories) items=alert.advisories.clone() />
        <RelatedList heading=td_string!(locale, alert_incidents) items=alert.incidents.clone() />
        <LinkedIncidents around=alert.linked_incidents.clone() />
        <Comments id alert=alert.clone() />
        <Discussions id alert=alert.clone() />
        <History alert />
    }
}

/// Status buttons and the assignee.
#[component]
fn WorkAlert(id: i64, alert: AlertView) -> impl IntoView {
    let locale = use_locale();
    let status_action = ServerAction::<SetAlertStatus>::new();
    let assign_action = ServerAction::<AssignAlert>::new();
    let buttons = alert
        .next
        .iter()
        .map(|(value, text)| {
            view! { <button type="submit" name="status" value=value.clone()>{text.clone()}</button> }
        })
        .collect_view();
    let people = options(
        alert.people.clone(),
        &alert.assignee.map(|a| a.to_string()).unwrap_or_default(),
    );
    view! {
        <section aria-labelledby="alert-work">
            <h2 id="alert-work">{td_string!(locale, alert_work)}</h2>
            <Form action=status_action class="inline-form alert-status">
                <input type="hidden" name="id" value=id />
                <ErrorMessage path={<SetAlertStatus as ServerFn>::PATH} />
                <p class="hint">{td_string!(locale, alert_status_hint)}</p>
                <div class="buttons">{buttons}</div>
            </Form>
            <Form action=assign_action class="inline-form alert-assign">
                <input type="hidden" name="id" value=id />
                <ErrorMessage path={<AssignAlert as ServerFn>::PATH} />
                <label for="alert-assignee">{td_string!(locale, alert_assignee)}</label>
                <select id="alert-assignee" name="assignee">
                    <option value="" selected=alert.assignee.is_none()>{td_string!(locale, alert_nobody)}</option>
                    {people}
                </select>
                <button type="submit">{td_string!(locale, alert_assign)}</button>
            </Form>
        </section>
    }
}

/// What the organisation last told the centre about the alert, and the form to tell it
/// the current status ("share with the centre").
#[component]
fn ShareWithCentre(id: i64, alert: AlertView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<ShareAlert>::new();
    let last = match alert.feedback.clone() {
        Some(f) => {
            let message = (!f.message.is_empty())
                .then(|| view! { <p class="comment-body">{f.message.clone()}</p> });
            Either::Left(view! {
                <p class="meta feedback-last">
                    {td_string!(locale, alert_share_last, state = f.state, at = f.shared, by = f.shared_by, times = f.versions)}
                    " " <TlpBadge tlp=f.tlp />
                </p>
                {message}
            })
        }
        None => Either::Right(view! { <p>{td_string!(locale, alert_share_none)}</p> }),
    };
    // The same labels as a thread about it: never RED, whose readers are named one by one.
    let form = if alert.thread_labels.is_empty() {
        Either::Left(view! { <p class="hint">{td_string!(locale, error_feedback_red)}</p> })
    } else {
        let labels = options(alert.thread_labels.clone(), "");
        Either::Right(view! {
            <Form action class="form alert-share" novalidate=true>
                <input type="hidden" name="id" value=id />
                <ErrorMessage path={<ShareAlert as ServerFn>::PATH} />
                <p class="hint">{td_string!(locale, alert_share_hint, status = alert.row.status.clone())}</p>
                <div class="field">
                    <label for="alert-share-message">{td_string!(locale, alert_share_message)}</label>
                    <textarea id="alert-share-message" name="message" rows="3" maxlength="4000"></textarea>
                </div>
                <div class="field">
                    <label for="alert-share-tlp">{td_string!(locale, alert_comment_tlp)}</label>
                    <select id="alert-share-tlp" name="tlp">{labels}</select>
                </div>
                <div><button type="submit">{td_string!(locale, alert_share_submit)}</button></div>
            </Form>
        })
    };
    view! {
        <section aria-labelledby="alert-share">
            <h2 id="alert-share">{td_string!(locale, alert_share)}</h2>
            {last}
            {form}
        </section>
    }
}

#[component]
fn Indicators(indicators: Vec<crate::api::alerts::IndicatorView>) -> impl IntoView {
    let locale = use_locale();
    (!indicators.is_empty()).then(|| {
        let items = indicators
            .into_iter()
            .enumerate()
            .map(|(i, indicator)| {
                let pattern_id = format!("pattern-{i}");
                view! {
                    <li>
                        <RelatedName item=indicator.related.clone() />
                        <div class="pattern">
                            <code id=pattern_id.clone()>{indicator.pattern.clone()}</code>
                            <CopyButton target=pattern_id />
                        </div>
                    </li>
                }
            })
            .collect_view();
        view! {
            <section aria-labelledby="alert-indicators">
                <h2 id="alert-indicators">{td_string!(locale, alert_indicators)}</h2>
                <ul class="related">{items}</ul>
            </section>
        }
    })
}

#[component]
fn RelatedName(item: RelatedView) -> impl IntoView {
    let locale = use_locale();
    let name = if item.name.trim().is_empty() {
        td_string!(locale, intel_untitled).to_string()
    } else {
        item.name.clone()
    };
    let name = match item.href.clone() {
        Some(href) => Either::Left(view! { <a href=href>{name}</a> }),
        None => Either::Right(view! { <span>{name}</span> }),
    };
    view! { {name} " " {tlp_cell(locale, item.tlp.clone())} }
}

#[component]
fn RelatedList(heading: &'static str, items: Vec<RelatedView>) -> impl IntoView {
    (!items.is_empty()).then(|| {
        let list = items
            .into_iter()
            .map(|item| view! { <li><RelatedName item /></li> })
            .collect_view();
        view! {
            <section>
                <h2>{heading}</h2>
                <ul class="related">{list}</ul>
            </section>
        }
    })
}

#[component]
fn Comments(id: i64, alert: AlertView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<CommentAlert>::new();
    let list = if alert.comments.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, alert_no_comments)}</p> })
    } else {
        let items = alert
            .comments
            .iter()
            .cloned()
            .map(|c| {
                view! {
                    <li>
                        <p class="meta">
                            <strong>{c.author}</strong> " · " {c.created} " " <TlpBadge tlp=c.tlp />
                        </p>
                        <p class="comment-body">{c.body}</p>
                    </li>
                }
            })
            .collect_view();
        Either::Right(view! { <ol class="comments">{items}</ol> })
    };
    let labels = options(alert.comment_labels.clone(), "");
    view! {
        <section aria-labelledby="alert-comments">
            <h2 id="alert-comments">{td_string!(locale, alert_comments)}</h2>
            {list}
            <Form action class="form alert-comment" novalidate=true>
                <input type="hidden" name="id" value=id />
                <ErrorMessage path={<CommentAlert as ServerFn>::PATH} />
                <div class="field">
                    <label for="alert-comment-body">{td_string!(locale, alert_comment)}</label>
                    <textarea id="alert-comment-body" name="body" rows="4" maxlength="20000" required></textarea>
                </div>
                <div class="field">
                    <label for="alert-comment-tlp">{td_string!(locale, alert_comment_tlp)}</label>
                    <select id="alert-comment-tlp" name="tlp">{labels}</select>
                </div>
                <div><button type="submit">{td_string!(locale, alert_comment_add)}</button></div>
            </Form>
        </section>
    }
}

/// Threads started about the alert, and the form to start one ("Discuss in forum").
#[component]
fn Discussions(id: i64, alert: AlertView) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<DiscussAlert>::new();
    let list = if alert.threads.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, alert_no_threads)}</p> })
    } else {
        let items = alert
            .threads
            .iter()
            .cloned()
            .map(|(href, title, group)| {
                view! { <li><a href=href>{title}</a> " · " {group}</li> }
            })
            .collect_view();
        Either::Right(view! { <ul class="related">{items}</ul> })
    };
    let form = if alert.thread_labels.is_empty() {
        Either::Left(view! { <p class="hint">{td_string!(locale, alert_thread_red)}</p> })
    } else if alert.forums.is_empty() {
        Either::Left(view! { <p class="hint">{td_string!(locale, alert_thread_no_groups)}</p> })
    } else {
        let groups = options(alert.forums.clone(), "");
        let labels = options(alert.thread_labels.clone(), "");
        Either::Right(view! {
            <Form action class="form alert-discuss" novalidate=true>
                <input type="hidden" name="id" value=id />
                <ErrorMessage path={<DiscussAlert as ServerFn>::PATH} />
                <p class="hint">{td_string!(locale, alert_thread_hint)}</p>
                <div class="field">
                    <label for="alert-thread-group">{td_string!(locale, alert_thread_group)}</label>
                    <select id="alert-thread-group" name="group">{groups}</select>
                </div>
                <div class="field">
                    <label for="alert-thread-title">{td_string!(locale, alert_thread_title)}</label>
                    <input id="alert-thread-title" name="title" type="text" maxlength="200" required value=alert.row.what.clone() />
                </div>
                <div class="field">
                    <label for="alert-thread-body">{td_string!(locale, alert_thread_text)}</label>
                    <textarea id="alert-thread-body" name="body" rows="5" required>{alert.thread_body.clone()}</textarea>
                </div>
                <div class="field">
                    <label for="alert-thread-tlp">{td_string!(locale, alert_comment_tlp)}</label>
                    <select id="alert-thread-tlp" name="tlp">{labels}</select>
                </div>
                <div><button type="submit">{td_string!(locale, alert_thread_start)}</button></div>
            </Form>
        })
    };
    view! {
        <section aria-labelledby="alert-threads">
            <h2 id="alert-threads">{td_string!(locale, alert_threads)}</h2>
            {list}
            {form}
        </section>
    }
}

#[component]
fn History(alert: AlertView) -> impl IntoView {
    let locale = use_locale();
    let body = if alert.changes.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, alert_no_changes)}</p> })
    } else {
        let items = alert
            .changes
            .into_iter()
            .map(|c| view! { <li>{c.at} " · " {c.actor} ": " {c.text}</li> })
            .collect_view();
        Either::Right(view! { <ol class="history">{items}</ol> })
    };
    view! {
        <section aria-labelledby="alert-history">
            <h2 id="alert-history">{td_string!(locale, alert_history)}</h2>
            {body}
        </section>
    }
}
