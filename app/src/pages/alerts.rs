//! `/alerts`: the alerts of the signed-in person's organisation, newest first, as far as
//! the person may see each sighting. A first, plain list; the dashboard comes later.

use crate::api::alerts::{AlertRow, load_alerts};
use crate::components::labels::TlpBadge;
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AlertsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, alerts_title) />
        {signed_in_view(move |_| view! { <Alerts /> })}
    }
}

#[component]
fn Alerts() -> impl IntoView {
    let locale = use_locale();
    let alerts = Resource::new_blocking(|| (), |()| load_alerts());
    let body = move || {
        Suspend::new(async move {
            match alerts.await {
                Ok(rows) => Either::Left(view! { <AlertTable rows /> }),
                Err(err) => Either::Right(view! {
                    <p class="message error" role="alert">{err.message(locale)}</p>
                }),
            }
        })
    };
    view! {
        <h1>{td_string!(locale, alerts_title)}</h1>
        <p>{td_string!(locale, alerts_intro)}</p>
        <Suspense>{body}</Suspense>
    }
}

#[component]
fn AlertTable(rows: Vec<AlertRow>) -> impl IntoView {
    let locale = use_locale();
    if rows.is_empty() {
        return Either::Left(view! { <p>{td_string!(locale, alerts_none)}</p> });
    }
    let rows = rows
        .into_iter()
        .map(|row| {
            let name = if row.name.trim().is_empty() {
                td_string!(locale, intel_untitled).to_string()
            } else {
                row.name.clone()
            };
            let tlp = match row.tlp.clone() {
                Some(tlp) => Either::Left(view! { <TlpBadge tlp /> }),
                None => Either::Right(
                    view! { <span class="badge unmarked">{td_string!(locale, intel_unmarked)}</span> },
                ),
            };
            let severity_class = format!("severity severity-{}", row.severity_key);
            view! {
                <tr>
                    <td>{row.created.clone()}</td>
                    <th scope="row">{name}</th>
                    <td><span class=severity_class>{row.severity.clone()}</span></td>
                    <td>{row.status.clone()}</td>
                    <td>{tlp}</td>
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
                        <th scope="col">{td_string!(locale, intel_col_tlp)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </ScrollTable>
    })
}
