//! `/admin/audit`: the audit log with filters, and its CSV export.

use crate::api::audit::{AuditView, PAGE_ROWS, load_audit};
use crate::components::page::page_of;
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn AuditPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, audit_title) />
        {signed_in_view(move |_| view! { <Audit /> })}
    }
}

#[component]
fn Audit() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let field = move |name: &str| query.with(|q| q.get(name));
    let audit = Resource::new_blocking(
        move || {
            (
                field("actor"),
                field("action"),
                field("org"),
                field("from"),
                field("to"),
            )
        },
        |(actor, action, org, from, to)| load_audit(actor, action, org, from, to),
    );
    page_of(
        audit,
        td_string!(locale, audit_title),
        Some(("/admin/audit", td_string!(locale, audit_filter_button))),
        move |view| view! { <AuditParts view /> },
    )
}

#[component]
fn AuditParts(view: AuditView) -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let location = use_location();
    let value = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let chosen_action = value("action");
    let chosen_org = value("org");
    let export = move || format!("/admin/audit.csv{}", location.search.get());
    let count = view.rows.len();
    let rows = view
        .rows
        .into_iter()
        .map(|row| {
            view! {
                <tr class:failed=row.failed>
                    <td>{row.time}</td>
                    <td>{row.actor}<br /><span class="muted">{row.actor_org}</span></td>
                    <td>{row.action}</td>
                    <td>{row.subject}</td>
                    <td>{row.address}</td>
                    <td>{row.outcome}</td>
                    <td><code>{row.detail}</code></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1>{td_string!(locale, audit_title)}</h1>
        <p>{td_string!(locale, audit_intro)}</p>
        <form method="get" action="/admin/audit" class="form filters">
            <div class="field">
                <label for="audit-actor">{td_string!(locale, audit_filter_actor)}</label>
                <input id="audit-actor" name="actor" type="email" value=value("actor") />
            </div>
            <div class="field">
                <label for="audit-action">{td_string!(locale, audit_filter_action)}</label>
                <select id="audit-action" name="action">
                    <option value="">{td_string!(locale, audit_any_action)}</option>
                    {view
                        .actions
                        .into_iter()
                        .map(|(stored, name)| {
                            let selected = stored == chosen_action;
                            view! { <option value=stored selected=selected>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-org">{td_string!(locale, audit_filter_org)}</label>
                <select id="audit-org" name="org">
                    <option value="">{td_string!(locale, all_orgs)}</option>
                    {view
                        .orgs
                        .into_iter()
                        .map(|(code, name)| {
                            let selected = code == chosen_org;
                            view! { <option value=code selected=selected>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-from">{td_string!(locale, audit_filter_from)}</label>
                <input id="audit-from" name="from" type="date" value=value("from") />
            </div>
            <div class="field">
                <label for="audit-to">{td_string!(locale, audit_filter_to)}</label>
                <input id="audit-to" name="to" type="date" value=value("to") />
            </div>
            <div class="filter-buttons">
                <button type="submit">{td_string!(locale, audit_filter_button)}</button>
                <a href=export rel="external" download>{td_string!(locale, audit_export)}</a>
            </div>
        </form>
        {if count == 0 {
            EitherOf3::A(view! { <p>{td_string!(locale, audit_no_rows)}</p> })
        } else if (count as i64) >= PAGE_ROWS {
            EitherOf3::B(view! { <p>{td_string!(locale, audit_showing, count = count).to_string()}</p> })
        } else {
            EitherOf3::C(())
        }}
        <ScrollTable label=td_string!(locale, audit_title)>
            <table>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, audit_time)}</th>
                        <th scope="col">{td_string!(locale, audit_actor)}</th>
                        <th scope="col">{td_string!(locale, audit_action)}</th>
                        <th scope="col">{td_string!(locale, audit_subject)}</th>
                        <th scope="col">{td_string!(locale, audit_address)}</th>
                        <th scope="col">{td_string!(locale, audit_outcome)}</th>
                        <th scope="col">{td_string!(locale, audit_detail)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </ScrollTable>
    }
}
