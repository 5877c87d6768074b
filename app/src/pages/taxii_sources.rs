//! `/admin/taxii-sources`: the analysis centre's TAXII server, for admins: the remote
//! collections Værn pulls STIX from, each with its status (last success, last error,
//! objects received, next attempt), a form to add one, pausing, resuming and deleting.
//! Anyone else is told the page does not exist.

use crate::api::taxii_sources::{
    AddTaxiiSource, DeleteTaxiiSource, SetTaxiiSourceEnabled, SourceView, TaxiiSources,
    load_taxii_sources,
};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::page::page_of;
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::flash;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[derive(Clone, Copy)]
struct Actions {
    add: ServerAction<AddTaxiiSource>,
    set_enabled: ServerAction<SetTaxiiSourceEnabled>,
    delete: ServerAction<DeleteTaxiiSource>,
}

#[component]
pub fn TaxiiSourcesPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, taxii_sources_title) />
        {signed_in_view(move |_| view! { <TaxiiSourcesView /> })}
    }
}

#[component]
fn TaxiiSourcesView() -> impl IntoView {
    let locale = use_locale();
    let actions = Actions {
        add: ServerAction::new(),
        set_enabled: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let sources = Resource::new_blocking(|| (), |_| load_taxii_sources());
    page_of(
        sources,
        td_string!(locale, taxii_sources_title),
        None,
        move |sources| {
            view! {
                <h1>{td_string!(locale, taxii_sources_title)}</h1>
                <p>{td_string!(locale, taxii_sources_intro)}</p>
                <SourceList sources=sources.clone() actions />
                <AddForm sources action=actions.add />
            }
        },
    )
}

#[component]
fn AddForm(sources: TaxiiSources, action: ServerAction<AddTaxiiSource>) -> impl IntoView {
    let locale = use_locale();
    let added = {
        flash::output::<i64>(<AddTaxiiSource as ServerFn>::PATH).map(|id| {
            view! {
                <p class="message success" role="status">
                    {td_string!(locale, taxii_source_added, id = id)}
                </p>
            }
        })
    };
    let publishers = sources
        .publishers
        .into_iter()
        .map(|org| view! { <option value=org.code>{org.name}</option> })
        .collect_view();
    view! {
        <section aria-labelledby="add-taxii-source" class="card">
            <h2 id="add-taxii-source">{td_string!(locale, taxii_source_add_title)}</h2>
            <Form action class="form" novalidate=true>
                <div class="field">
                    <label for="taxii-url">{td_string!(locale, taxii_source_url)}</label>
                    <input
                        id="taxii-url"
                        name="url"
                        type="url"
                        required
                        maxlength="2000"
                        autocomplete="url"
                        placeholder="https://taxii.example.dk/api1/"
                        aria-describedby="taxii-url-hint"
                    />
                    <p id="taxii-url-hint" class="hint">{td_string!(locale, taxii_source_url_hint)}</p>
                </div>
                <div class="field">
                    <label for="taxii-collection">{td_string!(locale, taxii_source_collection)}</label>
                    <input
                        id="taxii-collection"
                        name="collection"
                        type="text"
                        required
                        maxlength="100"
                        autocomplete="off"
                        spellcheck="false"
                    />
                </div>
                <div class="field">
                    <label for="taxii-username">{td_string!(locale, taxii_source_username)}</label>
                    <input
                        id="taxii-username"
                        name="username"
                        type="text"
                        maxlength="200"
                        autocomplete="off"
                    />
                </div>
                <div class="field">
                    <label for="taxii-password">{td_string!(locale, taxii_source_password)}</label>
                    <input
                        id="taxii-password"
                        name="password"
                        type="password"
                        maxlength="1024"
                        autocomplete="new-password"
                        aria-describedby="taxii-password-hint"
                    />
                    <p id="taxii-password-hint" class="hint">
                        {td_string!(locale, taxii_source_password_hint)}
                    </p>
                </div>
                <div class="field">
                    <label for="taxii-interval">{td_string!(locale, taxii_source_interval)}</label>
                    <input
                        id="taxii-interval"
                        name="interval_secs"
                        type="number"
                        required
                        min="30"
                        max="86400"
                        step="1"
                        value="300"
                        inputmode="numeric"
                        aria-describedby="taxii-interval-hint"
                    />
                    <p id="taxii-interval-hint" class="hint">
                        {td_string!(locale, taxii_source_interval_hint)}
                    </p>
                </div>
                <div class="field">
                    <label for="taxii-org">{td_string!(locale, taxii_source_org)}</label>
                    <select id="taxii-org" name="org" required>
                        {publishers}
                    </select>
                </div>
                <ErrorMessage
                    path={<AddTaxiiSource as ServerFn>::PATH}
                />
                <button type="submit">
                    {td_string!(locale, taxii_source_add_button)}
                </button>
            </Form>
            {added}
        </section>
    }
}

#[component]
fn SourceList(sources: TaxiiSources, actions: Actions) -> impl IntoView {
    let locale = use_locale();
    let list = if sources.sources.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, taxii_sources_none)}</p> })
    } else {
        let rows = sources
            .sources
            .into_iter()
            .map(|source| view! { <SourceRow source actions /> })
            .collect_view();
        Either::Right(view! {
            <ScrollTable label=td_string!(locale, taxii_sources_list_title)>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, taxii_source_col_source)}</th>
                            <th scope="col">{td_string!(locale, taxii_source_org)}</th>
                            <th scope="col">{td_string!(locale, taxii_source_col_status)}</th>
                            <th scope="col">{td_string!(locale, taxii_source_col_last_success)}</th>
                            <th scope="col">{td_string!(locale, taxii_source_col_last_error)}</th>
                            <th scope="col">{td_string!(locale, taxii_source_col_received)}</th>
                            <th scope="col">{td_string!(locale, taxii_source_col_next)}</th>
                            <th scope="col">{td_string!(locale, person_actions)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </ScrollTable>
        })
    };
    view! {
        <section aria-labelledby="taxii-source-list">
            <h2 id="taxii-source-list">{td_string!(locale, taxii_sources_list_title)}</h2>
            <ErrorMessage
                path={<SetTaxiiSourceEnabled as ServerFn>::PATH}
            />
            <ErrorMessage
                path={<DeleteTaxiiSource as ServerFn>::PATH}
            />
            {list}
        </section>
    }
}

#[component]
fn SourceRow(source: SourceView, actions: Actions) -> impl IntoView {
    let locale = use_locale();
    let id = source.id;
    let status = if source.token_revoked {
        td_string!(locale, taxii_source_token_revoked)
    } else if source.enabled {
        td_string!(locale, taxii_source_enabled)
    } else {
        td_string!(locale, taxii_source_paused)
    };
    let credentials = match (&source.username, source.has_password) {
        (Some(user), true) => td_string!(
            locale,
            taxii_source_user_with_password,
            user = user.as_str()
        )
        .to_string(),
        (Some(user), false) => {
            td_string!(locale, taxii_source_user, user = user.as_str()).to_string()
        }
        (None, true) => td_string!(locale, taxii_source_password_only).to_string(),
        (None, false) => td_string!(locale, taxii_source_no_credentials).to_string(),
    };
    let last_error = match (&source.last_error_at, &source.last_error) {
        (Some(at), Some(error)) => Either::Left(view! {
            <span class="when">{at.clone()}</span>
            {(source.consecutive_failures > 0).then(|| view! {
                " "
                <span>
                    {td_string!(locale, taxii_source_failures, n = source.consecutive_failures)}
                </span>
            })}
            <br />
            <span class="error-text">{error.clone()}</span>
            {source.last_error_detail.clone().map(|detail| view! {
                " "
                <span class="error-detail">{format!("({detail})")}</span>
            })}
        }),
        _ => Either::Right(td_string!(locale, taxii_source_no_errors)),
    };
    let (toggle_value, toggle_text, toggle_label) = if source.enabled {
        (
            "false",
            td_string!(locale, taxii_source_pause),
            td_string!(locale, taxii_source_pause_label, id = id).to_string(),
        )
    } else {
        (
            "true",
            td_string!(locale, taxii_source_resume),
            td_string!(locale, taxii_source_resume_label, id = id).to_string(),
        )
    };
    let delete_id = format!("taxii-source-delete-{id}");
    view! {
        <tr>
            <td>
                <span>{format!("#{id} ")}</span>
                <code translate="no">{source.url.clone()}</code>
                <br />
                {td_string!(locale, taxii_source_collection)} ": "
                <code translate="no">{source.collection.clone()}</code>
                <br />
                <span class="hint">{credentials}</span>
                <br />
                <span class="hint">
                    {td_string!(locale, taxii_source_every, secs = source.interval_secs)}
                </span>
            </td>
            <td>{source.org_name.clone()}</td>
            <td>{status}</td>
            <td>
                {source
                    .last_success
                    .clone()
                    .unwrap_or_else(|| td_string!(locale, token_never).to_string())}
            </td>
            <td>{last_error}</td>
            <td>{source.objects_received}</td>
            <td>{source.next_attempt.clone().unwrap_or_else(|| "–".to_string())}</td>
            <td class="actions">
                {(!source.token_revoked).then(|| view! {
                    <Form action=actions.set_enabled class="inline-form">
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="enabled" value=toggle_value />
                        <button type="submit" class="secondary" aria-label=toggle_label>
                            {toggle_text}
                        </button>
                    </Form>
                })}
                <details class="remove">
                    <summary>{td_string!(locale, taxii_source_delete, id = id)}</summary>
                    <Form action=actions.delete class="form">
                        <input type="hidden" name="id" value=id />
                        <p id=delete_id.clone()>{td_string!(locale, taxii_source_delete_confirm)}</p>
                        <button type="submit" class="danger" aria-describedby=delete_id>
                            {td_string!(locale, taxii_source_delete_button, id = id)}
                        </button>
                    </Form>
                </details>
            </td>
        </tr>
    }
}
