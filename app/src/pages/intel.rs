//! `/intel/received` (the STIX objects the analysis centre posted, newest first, with a
//! filter and a cursor to older pages) and `/intel/received/{row}` (one object: what the
//! platform made of it, its JSON, and the label form for unmarked and TLP:RED objects).
//! Analysts only: anyone else is told the pages do not exist.

use crate::api::intel::{
    OrgWorkView, ReceivedDetail, ReceivedRow, ReceivedView, SetObjectLabel, list_received,
    received_object,
};
use crate::components::error_message::ErrorMessage;
use crate::components::filters::{encode_value, filter_select};
use crate::components::form::Form;
use crate::components::labels::{TlpBadge, tlp_text};
use crate::components::page::page_of;
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::error::AppError;
use crate::flash;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

const LIST: &str = "/intel/received";

/// The filter's fields, in the order the form has them.
const FILTER_FIELDS: [&str; 5] = ["kind", "tlp", "org", "from", "to"];

#[component]
pub fn ReceivedPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, intel_received_title) />
        {signed_in_view(move |_| view! { <Received /> })}
    }
}

#[component]
fn Received() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let field = move |name: &str| query.with(|q| q.get(name));
    let received = Resource::new_blocking(
        move || {
            (
                field("kind"),
                field("tlp"),
                field("org"),
                field("from"),
                field("to"),
                field("before").and_then(|b| b.parse::<i64>().ok()),
            )
        },
        |(kind, tlp, org, from, to, before)| list_received(kind, tlp, org, from, to, before),
    );
    page_of(
        received,
        td_string!(locale, intel_received_title),
        Some((LIST, td_string!(locale, intel_clear_filter))),
        move |view| view! { <ReceivedParts view /> },
    )
}

#[component]
fn ReceivedParts(view: ReceivedView) -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let value = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let next = view.next_before.map(|before| {
        let mut href = format!("{LIST}?");
        for name in FILTER_FIELDS {
            let v = value(name);
            if !v.is_empty() {
                href.push_str(&format!("{name}={}&", encode_value(&v)));
            }
        }
        href.push_str(&format!("before={before}"));
        view! {
            <nav class="pagination" aria-label=td_string!(locale, page_nav_label)>
                <a href=href rel="next">{td_string!(locale, page_next)}</a>
            </nav>
        }
    });
    let table = if view.rows.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, intel_no_objects)}</p> })
    } else {
        let rows = view
            .rows
            .into_iter()
            .map(|row| view! { <ReceivedTableRow row /> })
            .collect_view();
        Either::Right(view! {
            <ScrollTable label=td_string!(locale, intel_table_caption)>
                <table>
                    <caption>{td_string!(locale, intel_table_caption)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, intel_col_received)}</th>
                            <th scope="col">{td_string!(locale, intel_col_kind)}</th>
                            <th scope="col">{td_string!(locale, intel_col_name)}</th>
                            <th scope="col">{td_string!(locale, intel_col_severity)}</th>
                            <th scope="col">{td_string!(locale, intel_col_tlp)}</th>
                            <th scope="col">{td_string!(locale, intel_col_targets)}</th>
                            <th scope="col">{td_string!(locale, intel_col_unresolved)}</th>
                            <th scope="col">{td_string!(locale, intel_col_versions)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </ScrollTable>
        })
    };
    view! {
        <h1>{td_string!(locale, intel_received_title)}</h1>
        <p>{td_string!(locale, intel_received_intro)}</p>
        <form method="get" action=LIST class="form filters">
            {filter_select(
                "intel-kind",
                "kind",
                td_string!(locale, intel_filter_kind).to_string(),
                td_string!(locale, intel_any_kind).to_string(),
                view.kinds,
                value("kind"),
            )}
            {filter_select(
                "intel-tlp",
                "tlp",
                td_string!(locale, intel_filter_tlp).to_string(),
                td_string!(locale, intel_any_tlp).to_string(),
                view.labels,
                value("tlp"),
            )}
            {filter_select(
                "intel-org",
                "org",
                td_string!(locale, intel_filter_org).to_string(),
                td_string!(locale, all_orgs).to_string(),
                view.orgs,
                value("org"),
            )}
            <div class="field">
                <label for="intel-from">{td_string!(locale, intel_filter_from)}</label>
                <input id="intel-from" name="from" type="date" value=value("from") />
            </div>
            <div class="field">
                <label for="intel-to">{td_string!(locale, intel_filter_to)}</label>
                <input id="intel-to" name="to" type="date" value=value("to") />
            </div>
            <div class="filter-buttons">
                <button type="submit">{td_string!(locale, intel_filter_button)}</button>
                <a href=LIST>{td_string!(locale, intel_clear_filter)}</a>
            </div>
        </form>
        {table}
        {next}
    }
}

/// Where an object went: its organisations, "all municipalities" when it named none,
/// and a flag when it named identities no organisation carries yet.
fn targets_view(row: &ReceivedRow, locale: Locale) -> impl IntoView + use<> {
    let unlinked = row.has_unlinked_targets.then(|| {
        view! { <span class="badge unlinked">{td_string!(locale, intel_unlinked_targets)}</span> }
    });
    let listed = if row.targets.is_empty() {
        Either::Left(row.untargeted_reach.clone())
    } else {
        Either::Right(view! {
            <ul class="plain-list">
                {row.targets.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}
            </ul>
        })
    };
    view! { {listed} {unlinked} }
}

fn unresolved_view(row: &ReceivedRow, locale: Locale) -> impl IntoView + use<> {
    if row.unresolved.is_empty() {
        Either::Left("0")
    } else {
        let count = row.unresolved.len();
        Either::Right(view! {
            <details class="unresolved">
                <summary>{td_string!(locale, intel_unresolved_count, count = count).to_string()}</summary>
                <ul class="plain-list">
                    {row
                        .unresolved
                        .iter()
                        .map(|r| view! { <li><code translate="no">{r.clone()}</code></li> })
                        .collect_view()}
                </ul>
            </details>
        })
    }
}

fn tlp_view(tlp: Option<String>, locale: Locale) -> impl IntoView {
    match tlp {
        Some(tlp) => Either::Left(view! { <TlpBadge tlp /> }),
        None => Either::Right(
            view! { <span class="badge unmarked">{td_string!(locale, intel_unmarked)}</span> },
        ),
    }
}

fn title_text(row: &ReceivedRow, locale: Locale) -> String {
    if row.name.trim().is_empty() {
        td_string!(locale, intel_untitled).to_string()
    } else {
        row.name.clone()
    }
}

fn detail_href(row: &ReceivedRow) -> String {
    format!("{LIST}/{}", row.row)
}

#[component]
fn ReceivedTableRow(row: ReceivedRow) -> impl IntoView {
    let locale = use_locale();
    let targets = targets_view(&row, locale);
    let unresolved = unresolved_view(&row, locale);
    let href = detail_href(&row);
    let title = title_text(&row, locale);
    view! {
        <tr>
            <td>{row.received.clone()}</td>
            <td>{row.kind.clone()}</td>
            <td><a href=href>{title}</a></td>
            <td>{row.severity.clone().unwrap_or_else(|| "–".to_string())}</td>
            <td>{tlp_view(row.tlp.clone(), locale)}</td>
            <td>{targets}</td>
            <td>{unresolved}</td>
            <td>{row.versions}</td>
        </tr>
    }
}

#[component]
pub fn ReceivedObjectPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, intel_object_title) />
        {signed_in_view(move |_| view! { <ReceivedObjectView /> })}
    }
}

#[component]
fn ReceivedObjectView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let label = ServerAction::<SetObjectLabel>::new();
    let object = Resource::new_blocking(
        move || params.with(|p| p.get("row").and_then(|r| r.parse::<i64>().ok())),
        |row| async move {
            match row {
                Some(row) => received_object(row).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    page_of(
        object,
        td_string!(locale, intel_object_title),
        Some((LIST, td_string!(locale, intel_back_to_list))),
        move |object| view! { <ObjectParts object label /> },
    )
}

#[component]
fn ObjectParts(object: ReceivedDetail, label: ServerAction<SetObjectLabel>) -> impl IntoView {
    let locale = use_locale();
    let ReceivedDetail {
        object: row,
        json,
        work,
        feedback,
    } = object;
    let answerable = matches!(row.stix_type.as_str(), "sighting" | "report");
    let title = title_text(&row, locale);
    let targets = targets_view(&row, locale);
    let unresolved = unresolved_view(&row, locale);
    let saved = flash::done(<SetObjectLabel as ServerFn>::PATH).then(|| {
        view! { <p class="message success" role="status">{td_string!(locale, intel_label_saved)}</p> }
    });
    // Unmarked objects wait for a label; RED ones for their named recipients.
    // Only the publisher's analysts label (the policy's `can_label_intel`).
    let form = match row.tlp.as_deref() {
        _ if !row.can_label => None,
        None => Some(view! { <LabelForm row=row.row tlp=None label /> }),
        Some("red") => Some(view! { <LabelForm row=row.row tlp=Some("red") label /> }),
        Some(_) => None,
    };
    let recipients = (!row.recipients.is_empty()).then(|| {
        view! {
            <dt>{td_string!(locale, intel_field_recipients)}</dt>
            <dd>
                <ul class="plain-list">
                    {row.recipients.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}
                </ul>
            </dd>
        }
    });
    view! {
        <p class="breadcrumb"><a href=LIST>{td_string!(locale, intel_back_to_list)}</a></p>
        <h1>{title}</h1>
        {saved}
        <dl class="details">
            <dt>{td_string!(locale, intel_field_stix_id)}</dt>
            <dd><code translate="no">{row.stix_id.clone()}</code></dd>
            <dt>{td_string!(locale, intel_col_kind)}</dt>
            <dd>{row.kind.clone()} " (" <code translate="no">{row.stix_type.clone()}</code> ")"</dd>
            <dt>{td_string!(locale, intel_col_severity)}</dt>
            <dd>{row.severity.clone().unwrap_or_else(|| "–".to_string())}</dd>
            <dt>{td_string!(locale, intel_col_tlp)}</dt>
            <dd>{tlp_view(row.tlp.clone(), locale)}</dd>
            <dt>{td_string!(locale, intel_col_received)}</dt>
            <dd>{row.received.clone()}</dd>
            <dt>{td_string!(locale, intel_field_version)}</dt>
            <dd>{row.version.clone()}</dd>
            <dt>{td_string!(locale, intel_col_versions)}</dt>
            <dd>{row.versions}</dd>
            <dt>{td_string!(locale, intel_col_targets)}</dt>
            <dd>{targets}</dd>
            <dt>{td_string!(locale, intel_col_unresolved)}</dt>
            <dd>{unresolved}</dd>
            {recipients}
        </dl>
        {form}
        <OrganisationsWork work />
        {answerable.then(|| view! { <OrganisationsFeedback feedback /> })}
        <section aria-labelledby="intel-json">
            <h2 id="intel-json">{td_string!(locale, intel_raw_json)}</h2>
            <ScrollTable label=td_string!(locale, intel_raw_json)>
                <pre class="json" translate="no"><code>{json}</code></pre>
            </ScrollTable>
        </section>
    }
}

/// How each alerted organisation works its alert: what they answer the centre.
#[component]
fn OrganisationsWork(work: Vec<OrgWorkView>) -> impl IntoView {
    let locale = use_locale();
    (!work.is_empty()).then(|| {
        let items = work
            .into_iter()
            .map(|w| {
                let comments = w
                    .comments
                    .into_iter()
                    .map(|c| {
                        view! {
                            <li>
                                <p class="meta">
                                    {c.author} " · " {c.created} " " <TlpBadge tlp=c.tlp />
                                </p>
                                <p class="comment-body">{c.body}</p>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <li>
                        <h3>{w.org}</h3>
                        <p>
                            {w.status}
                            {w.assignee.map(|a| view! { " · " {td_string!(locale, alert_assignee)} ": " {a} })}
                            {w.acknowledged.map(|a| view! { " · " {td_string!(locale, alert_acknowledged)} " " {a} })}
                        </p>
                        <ul class="comments">{comments}</ul>
                    </li>
                }
            })
            .collect_view();
        view! {
            <section aria-labelledby="intel-work">
                <h2 id="intel-work">{td_string!(locale, intel_org_work)}</h2>
                <p class="hint">{td_string!(locale, intel_org_work_hint)}</p>
                <ul class="org-work">{items}</ul>
            </section>
        }
    })
}

/// The feedback organisations shared with the viewer's centre about the item (the
/// policy shows the centre's analysts theirs, everyone else none).
#[component]
fn OrganisationsFeedback(feedback: Vec<crate::api::feedback::FeedbackView>) -> impl IntoView {
    let locale = use_locale();
    let body = if feedback.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, intel_feedback_none)}</p> })
    } else {
        let items = feedback
            .into_iter()
            .map(|f| {
                let message = (!f.message.is_empty())
                    .then(|| view! { <p class="comment-body">{f.message.clone()}</p> });
                view! {
                    <li>
                        <p class="meta">
                            {td_string!(locale, intel_feedback_entry, org = f.org, state = f.state, at = f.shared, by = f.shared_by)}
                            " " <TlpBadge tlp=f.tlp />
                        </p>
                        {message}
                    </li>
                }
            })
            .collect_view();
        Either::Right(view! { <ul class="comments feedback">{items}</ul> })
    };
    view! {
        <section aria-labelledby="intel-feedback">
            <h2 id="intel-feedback">{td_string!(locale, intel_feedback)}</h2>
            {body}
        </section>
    }
}

/// The label form: every TLP for an unmarked object, only RED (to name its recipients)
/// for a RED one.
#[component]
fn LabelForm(
    row: i64,
    tlp: Option<&'static str>,
    label: ServerAction<SetObjectLabel>,
) -> impl IntoView {
    let locale = use_locale();
    let (intro, choices): (String, Vec<&str>) = match tlp {
        None => (
            td_string!(locale, intel_label_intro_unmarked).to_string(),
            crate::components::labels::TLPS.to_vec(),
        ),
        Some(current) => (
            td_string!(locale, intel_label_intro_red).to_string(),
            vec![current],
        ),
    };
    let placeholder = tlp.is_none().then(|| {
        view! { <option value="">{td_string!(locale, intel_label_choose)}</option> }
    });
    let options = choices
        .into_iter()
        .map(|t| {
            let selected = Some(t) == tlp;
            view! { <option value=t selected=selected>{tlp_text(t)}</option> }
        })
        .collect_view();
    view! {
        <section aria-labelledby="intel-label" class="card">
            <h2 id="intel-label">{td_string!(locale, intel_label_title)}</h2>
            <p>{intro}</p>
            <Form action=label class="form">
                <input type="hidden" name="row" value=row />
                <div class="field">
                    <label for="intel-label-tlp">{td_string!(locale, intel_col_tlp)}</label>
                    <select id="intel-label-tlp" name="tlp" required>
                        {placeholder}
                        {options}
                    </select>
                </div>
                <div class="field">
                    <label for="intel-label-recipients">
                        {td_string!(locale, intel_label_recipients)}
                    </label>
                    <textarea
                        id="intel-label-recipients"
                        name="recipients"
                        rows="3"
                        autocomplete="off"
                        aria-describedby="intel-label-recipients-hint"
                    ></textarea>
                    <p id="intel-label-recipients-hint" class="hint">
                        {td_string!(locale, intel_label_recipients_hint)}
                    </p>
                </div>
                <ErrorMessage
                    path={<SetObjectLabel as ServerFn>::PATH}
                />
                <button type="submit">
                    {td_string!(locale, intel_label_button)}
                </button>
            </Form>
        </section>
    }
}
