//! `/incidents`: the reader's organisation's own incidents (and, for the centre's
//! analysts, those shared with it), with the form to register one; `/incidents/{id}`: one
//! incident, its timeline, and for its organisation the NIS2 and GDPR reporting: marking
//! it significant, the clocks counting down, reports marked submitted and each report's
//! draft to download; what it is linked to. [`LinkedIncidents`] is the other end of a
//! link, on an alert's, a document's and a thread's page. Every form is a plain post
//! (`components::form`).

use crate::api::incidents::{
    AddIncidentEntry, CentreIncidentRow, CentreIncidentView, ClockView, EditIncident, EntryView,
    IncidentLinksView, IncidentView, IncidentsView, LinkIncident, MarkIncidentSignificant,
    MarkReportSubmitted, NameIncidentPeople, RegisterIncident, SetIncidentStatus, ShareIncident,
    UndoIncidentSignificance, UnlinkIncident, centre_incident_href, load_centre_incident,
    load_incident, load_incidents,
};
use crate::components::countdown::Countdown;
use crate::components::error_message::ErrorMessage;
use crate::components::filters::options;
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
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, incidents_title) />
        {signed_in_view(move |_| view! { <Incidents /> })}
    }
}

#[component]
fn Incidents() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let incidents = Resource::new_blocking(
        move || query.with(|q| (q.get("page"), q.get("concerns"))),
        |(page, concerns)| load_incidents(page, concerns),
    );
    page_of(
        incidents,
        td_string!(locale, incidents_title),
        None,
        move |view| view! { <IncidentsParts view /> },
    )
}

/// `/incidents/centre/{row}`: one of the centre's incidents (a STIX object, under the
/// intel policy), with the reader's organisation's own incidents about it or the link to
/// register one.
#[component]
pub fn CentreIncidentPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, incident_centre) />
        {signed_in_view(move |_| view! { <CentreIncidentPageView /> })}
    }
}

#[component]
fn CentreIncidentPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let incident = Resource::new_blocking(
        move || params.with(|p| p.get("row").and_then(|row| row.parse::<i64>().ok())),
        |row| async move {
            match row {
                Some(row) => load_centre_incident(row).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(async move {
            loaded(incident.await, locale, |incident| {
                view! { <CentreIncidentParts incident /> }
            })
        })
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn CentreIncidentParts(incident: CentreIncidentView) -> impl IntoView {
    let locale = use_locale();
    let row = incident.row;
    let banner = row.tlp.as_ref().map(|tlp| {
        let text = td_string!(locale, incident_banner, tlp = tlp_text(tlp)).to_string();
        view! { <p class="tlp-banner" role="note"><TlpBadge tlp=tlp.clone() /> " " {text}</p> }
    });
    let severity = row.severity.clone().map(|(text, key)| {
        view! {
            <dt>{td_string!(locale, intel_col_severity)}</dt>
            <dd><span class=format!("severity severity-{key}")>{text}</span></dd>
        }
    });
    let affected = (!row.affected.is_empty()).then(|| {
        view! {
            <dt>{td_string!(locale, incidents_centre_affected)}</dt>
            <dd>{row.affected.clone()}</dd>
        }
    });
    let description = (!incident.description.trim().is_empty()).then(|| {
        view! {
            <dt>{td_string!(locale, incident_summary)}</dt>
            <dd class="multiline">{incident.description.clone()}</dd>
        }
    });
    let received = incident.received.clone().map(|href| {
        view! { <p><a href=href>{td_string!(locale, incident_centre_received)}</a></p> }
    });
    let ours = if row.ours.is_empty() {
        let href = format!("/incidents?concerns={}#incident-register", row.row);
        Either::Left(view! {
            <p>{td_string!(locale, incident_centre_none_ours)}</p>
            <p><a href=href>{td_string!(locale, incidents_centre_register)}</a></p>
        })
    } else {
        let links = row
            .ours
            .iter()
            .cloned()
            .map(|(href, title)| view! { <li><a href=href>{title}</a></li> })
            .collect_view();
        Either::Right(view! { <ul>{links}</ul> })
    };
    view! {
        <Title text=row.name.clone() />
        <p class="breadcrumbs"><a href="/incidents">{td_string!(locale, incidents_title)}</a></p>
        <h1>{row.name.clone()}</h1>
        {banner}
        <dl class="details">
            <dt>{td_string!(locale, incident_centre_kind)}</dt>
            <dd>{td_string!(locale, incident_centre)}</dd>
            {severity}
            <dt>{td_string!(locale, incidents_centre_published)}</dt>
            <dd>{row.published.clone()}</dd>
            {affected}
            {description}
        </dl>
        {received}
        <section aria-labelledby="centre-incident-ours">
            <h2 id="centre-incident-ours">{td_string!(locale, incidents_centre_ours)}</h2>
            <p class="hint">{td_string!(locale, incident_centre_ours_hint)}</p>
            {ours}
        </section>
    }
}

/// The centre's newest incidents the reader may see, each with the reader's
/// organisation's own incidents about it or a link to register one.
#[component]
fn CentreIncidents(rows: Vec<CentreIncidentRow>) -> impl IntoView {
    let locale = use_locale();
    let body = if rows.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, incidents_centre_empty)}</p> })
    } else {
        let rows = rows
            .into_iter()
            .map(|row| {
                let severity = row.severity.map(|(text, key)| {
                    view! { <span class=format!("severity severity-{key}")>{text}</span> }
                });
                let ours = if row.ours.is_empty() {
                    let href = format!("/incidents?concerns={}#incident-register", row.row);
                    let label = td_string!(locale, incidents_centre_register_named, name = row.name.clone())
                        .to_string();
                    Either::Left(view! {
                        <a href=href aria-label=label>{td_string!(locale, incidents_centre_register)}</a>
                    })
                } else {
                    let links = row
                        .ours
                        .into_iter()
                        .map(|(href, title)| view! { <li><a href=href>{title}</a></li> })
                        .collect_view();
                    Either::Right(view! { <ul class="plain-list">{links}</ul> })
                };
                let href = centre_incident_href(row.row);
                view! {
                    <tr>
                        <td><a href=href>{row.name}</a></td>
                        <td>{severity}</td>
                        <td>{row.tlp.map(|tlp| view! { <TlpBadge tlp /> })}</td>
                        <td>{row.published}</td>
                        <td>{row.affected}</td>
                        <td>{ours}</td>
                    </tr>
                }
            })
            .collect_view();
        Either::Right(view! {
            <ScrollTable label=td_string!(locale, incidents_centre)>
                <table class="centre-incidents">
                    <caption class="visually-hidden">{td_string!(locale, incidents_centre)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, incidents_col_title)}</th>
                            <th scope="col">{td_string!(locale, intel_col_severity)}</th>
                            <th scope="col">"TLP"</th>
                            <th scope="col">{td_string!(locale, incidents_centre_published)}</th>
                            <th scope="col">{td_string!(locale, incidents_centre_affected)}</th>
                            <th scope="col">{td_string!(locale, incidents_centre_ours)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </ScrollTable>
        })
    };
    view! {
        <section aria-labelledby="incidents-centre">
            <h2 id="incidents-centre">{td_string!(locale, incidents_centre)}</h2>
            <p class="hint">{td_string!(locale, incidents_centre_hint)}</p>
            {body}
        </section>
    }
}

#[component]
fn IncidentsParts(view: IncidentsView) -> impl IntoView {
    let locale = use_locale();
    let register = ServerAction::<RegisterIncident>::new();
    let rows = view
        .rows
        .into_iter()
        .map(|row| {
            let href = format!("/incidents/{}", row.id);
            let severity_class = format!("severity severity-{}", row.severity_key);
            let deadline = row.deadline.map(|text| {
                let class = if row.overdue {
                    "deadline overdue"
                } else {
                    "deadline"
                };
                let overdue = row
                    .overdue
                    .then(|| format!(" ({})", td_string!(locale, incident_clock_overdue)));
                view! { <span class=class>{text}{overdue}</span> }
            });
            view! {
                <tr>
                    <td><a href=href>{row.title}</a></td>
                    <td><span class=severity_class>{row.severity}</span></td>
                    <td>{row.status}</td>
                    <td><TlpBadge tlp=row.tlp /></td>
                    <td>{row.org}</td>
                    <td>{row.created}</td>
                    <td>{deadline}</td>
                </tr>
            }
        })
        .collect_view();
    let list = view! {
        <ScrollTable label=td_string!(locale, incidents_title)>
            <table class="incidents">
                <caption class="visually-hidden">{td_string!(locale, incidents_title)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, incidents_col_title)}</th>
                        <th scope="col">{td_string!(locale, intel_col_severity)}</th>
                        <th scope="col">{td_string!(locale, alerts_col_status)}</th>
                        <th scope="col">"TLP"</th>
                        <th scope="col">{td_string!(locale, incidents_col_org)}</th>
                        <th scope="col">{td_string!(locale, incidents_col_registered)}</th>
                        <th scope="col">{td_string!(locale, incidents_col_deadline)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </ScrollTable>
    };
    let concerning = view.concerning.clone();
    let title = concerning
        .as_ref()
        .map(|c| c.name.chars().take(200).collect::<String>())
        .unwrap_or_default();
    let summary = concerning
        .as_ref()
        .map(|c| c.summary.clone())
        .unwrap_or_default();
    let severity = concerning
        .as_ref()
        .map_or_else(|| "medium".to_string(), |c| c.severity.clone());
    let tlp = concerning
        .as_ref()
        .map_or_else(|| "amber".to_string(), |c| c.tlp.clone());
    view! {
        <h1>{td_string!(locale, incidents_title)}</h1>
        <p>{td_string!(locale, incidents_intro)}</p>
        {list}
        <Pagination base="/incidents" page=view.page pages=view.pages />
        <CentreIncidents rows=view.centre />
        <section aria-labelledby="incident-register">
            <h2 id="incident-register">{td_string!(locale, incidents_register)}</h2>
            <Form action=register class="form incident-register" novalidate=true>
                <ErrorMessage path={<RegisterIncident as ServerFn>::PATH} />
                {concerning.as_ref().map(|c| view! {
                    <input type="hidden" name="concerns" value=c.row />
                    <p class="concerning">{td_string!(locale, incidents_concerning, name = c.name.clone())}</p>
                })}
                <div class="field">
                    <label for="incident-title">{td_string!(locale, incidents_col_title)}</label>
                    <input id="incident-title" name="title" type="text" maxlength="200" required value=title />
                </div>
                <div class="field">
                    <label for="incident-summary">{td_string!(locale, incident_summary)}</label>
                    <textarea id="incident-summary" name="summary" rows="4">{summary}</textarea>
                </div>
                <div class="field">
                    <label for="incident-severity">{td_string!(locale, intel_col_severity)}</label>
                    <select id="incident-severity" name="severity">{options(view.severities, &severity)}</select>
                </div>
                <div class="field">
                    <label for="incident-tlp">{td_string!(locale, incident_tlp)}</label>
                    <select id="incident-tlp" name="tlp">{options(view.labels, &tlp)}</select>
                    <p class="hint">{td_string!(locale, incident_tlp_hint)}</p>
                </div>
                <div class="field">
                    <label for="incident-malicious">{td_string!(locale, incident_malicious)}</label>
                    <select id="incident-malicious" name="suspected_malicious">{options(view.answers.clone(), "unknown")}</select>
                </div>
                <div class="field">
                    <label for="incident-cross-border">{td_string!(locale, incident_cross_border)}</label>
                    <select id="incident-cross-border" name="cross_border">{options(view.answers, "unknown")}</select>
                </div>
                <div><button type="submit">{td_string!(locale, incidents_register_submit)}</button></div>
            </Form>
        </section>
    }
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, incident_title) />
        {signed_in_view(move |_| view! { <IncidentPageView /> })}
    }
}

#[component]
fn IncidentPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let incident = Resource::new_blocking(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())),
        |id| async move {
            match id {
                Some(id) => load_incident(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let body = move || {
        Suspend::new(async move {
            loaded(incident.await, locale, |incident| {
                view! { <IncidentParts incident /> }
            })
        })
    };
    view! { <Suspense>{body}</Suspense> }
}

/// What the last form of the page did, said once.
#[component]
fn IncidentDone() -> impl IntoView {
    let locale = use_locale();
    let done = [
        (
            <EditIncident as ServerFn>::PATH,
            td_string!(locale, incident_edit_done),
        ),
        (
            <SetIncidentStatus as ServerFn>::PATH,
            td_string!(locale, incident_status_done),
        ),
        (
            <AddIncidentEntry as ServerFn>::PATH,
            td_string!(locale, incident_entry_done),
        ),
        (
            <ShareIncident as ServerFn>::PATH,
            td_string!(locale, incident_share_done),
        ),
        (
            <NameIncidentPeople as ServerFn>::PATH,
            td_string!(locale, incident_named_done),
        ),
        (
            <MarkIncidentSignificant as ServerFn>::PATH,
            td_string!(locale, incident_significant_done),
        ),
        (
            <UndoIncidentSignificance as ServerFn>::PATH,
            td_string!(locale, incident_undo_done),
        ),
        (
            <MarkReportSubmitted as ServerFn>::PATH,
            td_string!(locale, incident_submitted_done),
        ),
        (
            <LinkIncident as ServerFn>::PATH,
            td_string!(locale, incident_link_done),
        ),
        (
            <UnlinkIncident as ServerFn>::PATH,
            td_string!(locale, incident_unlink_done),
        ),
    ];
    done.into_iter()
        .find(|(path, _)| flash::done(path))
        .map(|(_, text)| view! { <p class="message success" role="status">{text}</p> })
}

#[component]
fn IncidentParts(incident: IncidentView) -> impl IntoView {
    let locale = use_locale();
    let severity_class = format!("severity severity-{}", incident.severity_key);
    let banner = td_string!(locale, incident_banner, tlp = tlp_text(&incident.tlp)).to_string();
    let text_fact = |label: &'static str, value: &str| {
        let value = value.trim().to_string();
        (!value.is_empty()).then(|| view! { <dt>{label}</dt> <dd class="multiline">{value}</dd> })
    };
    let shared = incident.shared.clone().map(|at| {
        view! {
            <dt>{td_string!(locale, incident_shared)}</dt>
            <dd>{at}</dd>
        }
    });
    let centre = (!incident.centre.is_empty()).then(|| {
        let items = incident
            .centre
            .iter()
            .cloned()
            .map(|(href, name)| view! { <a href=href>{name}</a> })
            .collect_view();
        view! {
            <dt>{td_string!(locale, incident_centre)}</dt>
            <dd>{items}</dd>
        }
    });
    let named = (!incident.named.is_empty()).then(|| {
        view! {
            <dt>{td_string!(locale, incident_named)}</dt>
            <dd>{incident.named.join(", ")}</dd>
        }
    });
    view! {
        <Title text=incident.title.clone() />
        <p class="breadcrumbs"><a href="/incidents">{td_string!(locale, incidents_title)}</a></p>
        <h1>{incident.title.clone()}</h1>
        <p class="tlp-banner" role="note"><TlpBadge tlp=incident.tlp.clone() /> " " {banner}</p>
        <IncidentDone />
        <dl class="details">
            <dt>{td_string!(locale, intel_col_severity)}</dt>
            <dd><span class=severity_class>{incident.severity.clone()}</span></dd>
            <dt>{td_string!(locale, alerts_col_status)}</dt>
            <dd>{incident.status.clone()}</dd>
            <dt>{td_string!(locale, incidents_col_org)}</dt>
            <dd>{incident.org.clone()}</dd>
            <dt>{td_string!(locale, incidents_col_registered)}</dt>
            <dd>{incident.registered.clone()}</dd>
            {shared}
            {named}
            {centre}
            <dt>{td_string!(locale, incident_malicious)}</dt>
            <dd>{incident.malicious.clone()}</dd>
            <dt>{td_string!(locale, incident_cross_border)}</dt>
            <dd>{incident.cross_border.clone()}</dd>
            {text_fact(td_string!(locale, incident_summary), &incident.summary)}
            {text_fact(td_string!(locale, incident_impact), &incident.impact)}
            {text_fact(td_string!(locale, incident_indicators), &incident.indicators)}
            {text_fact(td_string!(locale, incident_root_cause), &incident.root_cause)}
            {text_fact(td_string!(locale, incident_mitigation), &incident.mitigation)}
        </dl>
        <Reporting incident=incident.clone() />
        <Links incident=incident.clone() />
        <Timeline incident=incident.clone() />
        <Manage incident />
    }
}

/// The NIS2 and GDPR reporting: marking significant, the clocks, and what was submitted.
#[component]
fn Reporting(incident: IncidentView) -> impl IntoView {
    let locale = use_locale();
    let id = incident.id;
    let mark = ServerAction::<MarkIncidentSignificant>::new();
    let undo = ServerAction::<UndoIncidentSignificance>::new();
    let status = match &incident.significant {
        Some(text) => Either::Left(view! { <p>{text.clone()}</p> }),
        None => Either::Right(view! { <p>{td_string!(locale, incident_not_significant)}</p> }),
    };
    let clocks = (!incident.clocks.is_empty()).then(|| {
        let rows = incident
            .clocks
            .iter()
            .cloned()
            .map(|clock| view! { <ClockRow id clock can_manage=incident.can_manage /> })
            .collect_view();
        view! {
            <table class="clocks">
                <caption>{td_string!(locale, incident_clocks)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, incident_report)}</th>
                        <th scope="col">{td_string!(locale, incident_deadline)}</th>
                        <th scope="col">{td_string!(locale, incident_clock_state)}</th>
                        <th scope="col">{td_string!(locale, incident_draft)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let submit_forms = incident.can_manage.then(|| {
        incident
            .clocks
            .iter()
            .filter(|c| c.state == "running" || c.state == "overdue")
            .cloned()
            .map(|clock| view! { <SubmittedForm id clock now=incident.now_value.clone() /> })
            .collect_view()
    });
    let mark_form = incident.can_manage.then(|| {
        let aware = if incident.aware_value.is_empty() {
            incident.now_value.clone()
        } else {
            incident.aware_value.clone()
        };
        let submit = if incident.significant.is_some() {
            td_string!(locale, incident_significant_update)
        } else {
            td_string!(locale, incident_significant_mark)
        };
        view! {
            <Form action=mark class="form incident-significant" novalidate=true>
                <input type="hidden" name="id" value=id />
                <ErrorMessage path={<MarkIncidentSignificant as ServerFn>::PATH} />
                <p class="hint">{td_string!(locale, incident_significant_hint)}</p>
                <div class="field">
                    <label for="incident-aware">{td_string!(locale, incident_aware_at)}</label>
                    <input id="incident-aware" name="aware_at" type="datetime-local" value=aware required />
                </div>
                <div class="field">
                    <label for="incident-personal">{td_string!(locale, incident_personal_aware_at)}</label>
                    <input id="incident-personal" name="personal_data_aware_at" type="datetime-local" value=incident.personal_value.clone() />
                    <p class="hint">{td_string!(locale, incident_personal_hint)}</p>
                </div>
                <div><button type="submit">{submit}</button></div>
            </Form>
        }
    });
    let undo_form = incident.can_undo.then(|| {
        view! {
            <Form action=undo class="inline-form incident-undo">
                <input type="hidden" name="id" value=id />
                <ErrorMessage path={<UndoIncidentSignificance as ServerFn>::PATH} />
                <button type="submit" class="danger">{td_string!(locale, incident_significance_undo)}</button>
            </Form>
        }
    });
    view! {
        <section aria-labelledby="incident-reporting">
            <h2 id="incident-reporting">{td_string!(locale, incident_reporting)}</h2>
            {status}
            {clocks}
            {submit_forms}
            {mark_form}
            {undo_form}
        </section>
    }
}

#[component]
fn ClockRow(id: i64, clock: ClockView, can_manage: bool) -> impl IntoView {
    let locale = use_locale();
    let state = match clock.state.as_str() {
        "running" | "overdue" => {
            let due_at = clock.due_at.unwrap_or_default();
            EitherOf3::A(view! { <Countdown due_at /> })
        }
        "submitted" => {
            let reference =
                (!clock.reference.is_empty()).then(|| format!(" · {}", clock.reference));
            EitherOf3::B(view! {
                <span class="submitted">
                    {td_string!(locale, incident_clock_submitted, at = clock.submitted.clone().unwrap_or_default())}
                    {reference}
                </span>
            })
        }
        _ => EitherOf3::C(view! { <span>{clock.waiting.clone().unwrap_or_default()}</span> }),
    };
    let draft = (can_manage && clock.state != "not_owed").then(|| {
        let href = format!("/incidents/{id}/drafts/{}.md", clock.report);
        let text =
            td_string!(locale, incident_draft_download, report = clock.name.clone()).to_string();
        view! { <a href=href download="">{text}</a> }
    });
    view! {
        <tr class=format!("clock clock-{}", clock.state)>
            <th scope="row">{clock.name.clone()}</th>
            <td>{clock.due.clone().unwrap_or_default()}</td>
            <td>{state}</td>
            <td>{draft}</td>
        </tr>
    }
}

#[component]
fn SubmittedForm(id: i64, clock: ClockView, now: String) -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<MarkReportSubmitted>::new();
    let at_id = format!("submitted-at-{}", clock.report);
    let ref_id = format!("submitted-ref-{}", clock.report);
    view! {
        <Form action class="form incident-submitted" novalidate=true>
            <fieldset>
                <legend>{td_string!(locale, incident_mark_submitted, report = clock.name.clone())}</legend>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="report" value=clock.report.clone() />
                <ErrorMessage path={<MarkReportSubmitted as ServerFn>::PATH} />
                <div class="field">
                    <label for=at_id.clone()>{td_string!(locale, incident_submitted_at)}</label>
                    <input id=at_id name="submitted_at" type="datetime-local" value=now required />
                </div>
                <div class="field">
                    <label for=ref_id.clone()>{td_string!(locale, incident_reference)}</label>
                    <input id=ref_id name="reference" type="text" maxlength="200" />
                </div>
                <div><button type="submit">{td_string!(locale, incident_mark_submitted_submit)}</button></div>
            </fieldset>
        </Form>
    }
}

/// What the incident is linked to, and for those who manage it the forms to link more and
/// to remove a link.
#[component]
fn Links(incident: IncidentView) -> impl IntoView {
    let locale = use_locale();
    let id = incident.id;
    let link = ServerAction::<LinkIncident>::new();
    let unlink = ServerAction::<UnlinkIncident>::new();
    let can_manage = incident.can_manage;
    let list = if incident.links.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, incident_links_empty)}</p> })
    } else {
        let items = incident
            .links
            .into_iter()
            .map(|l| {
                let address = l.href.clone();
                let remove = can_manage.then(|| {
                    let label = td_string!(locale, incident_unlink_named, title = l.title.clone())
                        .to_string();
                    view! {
                        <Form action=unlink class="inline-form incident-unlink">
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="address" value=address />
                            <button type="submit" class="link-button" aria-label=label>
                                {td_string!(locale, incident_unlink)}
                            </button>
                        </Form>
                    }
                });
                view! {
                    <li>
                        <a href=l.href>{l.title}</a>
                        " "<span class="meta">{l.context}</span>
                        {remove}
                    </li>
                }
            })
            .collect_view();
        Either::Right(view! { <ul class="incident-links">{items}</ul> })
    };
    let form = can_manage.then(|| {
        view! {
            <Form action=link class="form incident-link" novalidate=true>
                <input type="hidden" name="id" value=id />
                <ErrorMessage path={<LinkIncident as ServerFn>::PATH} />
                <div class="field">
                    <label for="incident-link-address">{td_string!(locale, incident_link_address)}</label>
                    <input id="incident-link-address" name="address" type="text" maxlength="2000" required aria-describedby="incident-link-hint" />
                    <p class="hint" id="incident-link-hint">{td_string!(locale, incident_link_hint)}</p>
                </div>
                <div><button type="submit">{td_string!(locale, incident_link_submit)}</button></div>
            </Form>
        }
    });
    view! {
        <section aria-labelledby="incident-links">
            <h2 id="incident-links">{td_string!(locale, incident_links)}</h2>
            <ErrorMessage path={<UnlinkIncident as ServerFn>::PATH} />
            {list}
            {form}
        </section>
    }
}

/// The incidents an alert, document or thread is linked to, as far as the reader may see
/// them, and a form to link it to one of the reader's open incidents.
#[component]
pub fn LinkedIncidents(around: IncidentLinksView) -> impl IntoView {
    let locale = use_locale();
    let link = ServerAction::<LinkIncident>::new();
    if around.linking.is_empty() && around.linkable.is_empty() {
        return None;
    }
    let list = (!around.linking.is_empty()).then(|| {
        let items = around
            .linking
            .into_iter()
            .map(|(href, title)| view! { <li><a href=href>{title}</a></li> })
            .collect_view();
        view! { <ul>{items}</ul> }
    });
    let form = (!around.linkable.is_empty()).then(|| {
        view! {
            <Form action=link class="inline-form incident-link-here">
                <input type="hidden" name="address" value=around.address.clone() />
                <ErrorMessage path={<LinkIncident as ServerFn>::PATH} />
                <label for="link-to-incident">{td_string!(locale, incident_link_to)}</label>
                <select id="link-to-incident" name="id">{options(around.linkable.clone(), "")}</select>
                <button type="submit">{td_string!(locale, incident_link_submit)}</button>
            </Form>
        }
    });
    let done = flash::done(<LinkIncident as ServerFn>::PATH)
        .then(|| view! { <p class="message success" role="status">{td_string!(locale, incident_link_done)}</p> });
    Some(view! {
        <section aria-labelledby="linked-incidents" class="linked-incidents">
            <h2 id="linked-incidents">{td_string!(locale, incident_linked_incidents)}</h2>
            {done}
            {list}
            {form}
        </section>
    })
}

/// The timeline, oldest first, and the form to add to it.
#[component]
fn Timeline(incident: IncidentView) -> impl IntoView {
    let locale = use_locale();
    let add = ServerAction::<AddIncidentEntry>::new();
    let entries = entries_view(incident.entries.clone());
    let live_src = format!("/live/incidents/{}/timeline", incident.id);
    let form = incident.can_add_entry.then(|| {
        view! {
            <Form action=add class="form incident-entry" novalidate=true>
                <input type="hidden" name="id" value=incident.id />
                <ErrorMessage path={<AddIncidentEntry as ServerFn>::PATH} />
                <div class="field">
                    <label for="incident-entry-body">{td_string!(locale, incident_entry_body)}</label>
                    <textarea id="incident-entry-body" name="body" rows="3" maxlength="20000" required></textarea>
                </div>
                <div class="field">
                    <label for="incident-entry-at">{td_string!(locale, incident_entry_at)}</label>
                    <input id="incident-entry-at" name="occurred_at" type="datetime-local" />
                    <p class="hint">{td_string!(locale, incident_entry_at_hint)}</p>
                </div>
                <div><button type="submit">{td_string!(locale, incident_entry_submit)}</button></div>
            </Form>
        }
    });
    view! {
        <section aria-labelledby="incident-timeline">
            <h2 id="incident-timeline">{td_string!(locale, incident_timeline)}</h2>
            <div id="incident-timeline-entries">{entries}</div>
            <LivePanel src=live_src target="incident-timeline-entries".to_string() topics=vec!["timeline".to_string()] />
            {form}
        </section>
    }
}

/// The timeline's entries, oldest first (the page, and its live route).
fn entries_view(entries: Vec<EntryView>) -> impl IntoView {
    let locale = use_locale();
    if entries.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, incident_timeline_empty)}</p> })
    } else {
        let items = entries
            .into_iter()
            .map(|e| {
                view! {
                    <li class=format!("entry entry-{}", e.kind)>
                        <p class="meta">{e.at}" · "{e.by}</p>
                        <p class="entry-text multiline">{e.text}</p>
                    </li>
                }
            })
            .collect_view();
        Either::Right(view! { <ol class="timeline">{items}</ol> })
    }
}

/// The timeline's entries as HTML, for the live route the page's panel reads.
#[cfg(feature = "ssr")]
pub fn timeline_html(locale: Locale, incident: IncidentView) -> String {
    crate::components::live_panel::render(locale, move || entries_view(incident.entries))
}

/// Status, sharing, naming people (RED) and editing, for the organisation's people.
#[component]
fn Manage(incident: IncidentView) -> impl IntoView {
    let locale = use_locale();
    let id = incident.id;
    let status = ServerAction::<SetIncidentStatus>::new();
    let share = ServerAction::<ShareIncident>::new();
    let name = ServerAction::<NameIncidentPeople>::new();
    let edit = ServerAction::<EditIncident>::new();
    incident.can_manage.then(|| {
        let share_form = (incident.shared.is_none() && incident.tlp != "red").then(|| {
            view! {
                <Form action=share class="inline-form incident-share">
                    <input type="hidden" name="id" value=id />
                    <ErrorMessage path={<ShareIncident as ServerFn>::PATH} />
                    <p class="hint">{td_string!(locale, incident_share_hint)}</p>
                    <button type="submit">{td_string!(locale, incident_share)}</button>
                </Form>
            }
        });
        let name_form = (incident.tlp == "red").then(|| {
            let boxes = incident
                .colleagues
                .iter()
                .cloned()
                .map(|(value, text)| {
                    let checked = incident.named.contains(&text);
                    let box_id = format!("incident-named-{value}");
                    view! {
                        <div class="check">
                            <input type="checkbox" id=box_id.clone() name="named[]" value=value checked=checked />
                            <label for=box_id>{text}</label>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <Form action=name class="form incident-name">
                    <fieldset>
                        <legend>{td_string!(locale, incident_named)}</legend>
                        <input type="hidden" name="id" value=id />
                        <ErrorMessage path={<NameIncidentPeople as ServerFn>::PATH} />
                        <p class="hint">{td_string!(locale, incident_named_hint)}</p>
                        {boxes}
                        <div><button type="submit">{td_string!(locale, incident_named_submit)}</button></div>
                    </fieldset>
                </Form>
            }
        });
        let field = |id_: &'static str, name_: &'static str, label: &'static str, value: String| {
            view! {
                <div class="field">
                    <label for=id_>{label}</label>
                    <textarea id=id_ name=name_ rows="3">{value}</textarea>
                </div>
            }
        };
        view! {
            <section aria-labelledby="incident-manage">
                <h2 id="incident-manage">{td_string!(locale, incident_manage)}</h2>
                <Form action=status class="inline-form incident-status">
                    <input type="hidden" name="id" value=id />
                    <ErrorMessage path={<SetIncidentStatus as ServerFn>::PATH} />
                    <label for="incident-status">{td_string!(locale, alerts_col_status)}</label>
                    <select id="incident-status" name="status">{options(incident.statuses.clone(), &incident.status_key)}</select>
                    <button type="submit">{td_string!(locale, incident_status_submit)}</button>
                </Form>
                {share_form}
                {name_form}
                <Form action=edit class="form incident-edit" novalidate=true>
                    <fieldset>
                        <legend>{td_string!(locale, incident_edit)}</legend>
                        <input type="hidden" name="id" value=id />
                        <ErrorMessage path={<EditIncident as ServerFn>::PATH} />
                        <div class="field">
                            <label for="incident-edit-title">{td_string!(locale, incidents_col_title)}</label>
                            <input id="incident-edit-title" name="title" type="text" maxlength="200" value=incident.title.clone() required />
                        </div>
                        {field("incident-edit-summary", "fields[summary]", td_string!(locale, incident_summary), incident.summary.clone())}
                        <div class="field">
                            <label for="incident-edit-severity">{td_string!(locale, intel_col_severity)}</label>
                            <select id="incident-edit-severity" name="severity">{options(incident.severities.clone(), &incident.severity_key)}</select>
                        </div>
                        <div class="field">
                            <label for="incident-edit-tlp">{td_string!(locale, incident_tlp)}</label>
                            <select id="incident-edit-tlp" name="tlp">{options(incident.labels.clone(), &incident.tlp)}</select>
                        </div>
                        <div class="field">
                            <label for="incident-edit-malicious">{td_string!(locale, incident_malicious)}</label>
                            <select id="incident-edit-malicious" name="suspected_malicious">{options(incident.answers.clone(), &incident.malicious_key)}</select>
                        </div>
                        <div class="field">
                            <label for="incident-edit-cross-border">{td_string!(locale, incident_cross_border)}</label>
                            <select id="incident-edit-cross-border" name="cross_border">{options(incident.answers.clone(), &incident.cross_border_key)}</select>
                        </div>
                        {field("incident-edit-impact", "fields[impact]", td_string!(locale, incident_impact), incident.impact.clone())}
                        {field("incident-edit-indicators", "fields[indicators]", td_string!(locale, incident_indicators), incident.indicators.clone())}
                        {field("incident-edit-root-cause", "fields[root_cause]", td_string!(locale, incident_root_cause), incident.root_cause.clone())}
                        {field("incident-edit-mitigation", "fields[mitigation]", td_string!(locale, incident_mitigation), incident.mitigation.clone())}
                        <div><button type="submit">{td_string!(locale, incident_edit_submit)}</button></div>
                    </fieldset>
                </Form>
            </section>
        }
    })
}
