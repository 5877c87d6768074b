//! `/admin/identities`: the STIX identities that matched no organisation, with how many
//! items wait for each and organisations suggested by name, and per identity a form that
//! links it to an organisation (suggestions first). Admins only: anyone else is told the
//! page does not exist. The forms work without wasm.

use crate::api::identities::{
    IdentitiesView, IdentityView, LinkIdentity, LinkedView, load_identities,
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

#[component]
pub fn IdentitiesPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, identities_title) />
        {signed_in_view(move |_| view! { <Identities /> })}
    }
}

#[component]
fn Identities() -> impl IntoView {
    let locale = use_locale();
    let link = ServerAction::<LinkIdentity>::new();
    let identities = Resource::new_blocking(|| (), |_| load_identities());
    page_of(
        identities,
        td_string!(locale, identities_title),
        None,
        move |view| {
            view! {
                <h1>{td_string!(locale, identities_title)}</h1>
                <p>{td_string!(locale, identities_intro)}</p>
                <LinkStatus link />
                <IdentityTable view link />
            }
        },
    )
}

/// The outcome of the latest link: what was linked and how many alerts it routed, or
/// why it was refused.
#[component]
fn LinkStatus(link: ServerAction<LinkIdentity>) -> impl IntoView {
    let locale = use_locale();
    let _ = link;
    let linked = {
        flash::output::<LinkedView>(<LinkIdentity as ServerFn>::PATH).map(|linked| {
            let text = td_string!(
                locale,
                identities_linked,
                identity = linked.identity.as_str(),
                org = linked.org_name.as_str(),
                n = linked.alerts
            )
            .to_string();
            view! { <p class="message success" role="status">{text}</p> }
        })
    };
    view! {
        <ErrorMessage
            path={<LinkIdentity as ServerFn>::PATH}
        />
        {linked}
    }
}

#[component]
fn IdentityTable(view: IdentitiesView, link: ServerAction<LinkIdentity>) -> impl IntoView {
    let locale = use_locale();
    if view.identities.is_empty() {
        return Either::Left(view! { <p>{td_string!(locale, identities_none)}</p> });
    }
    let orgs = view.orgs;
    let rows = view
        .identities
        .into_iter()
        .enumerate()
        .map(|(n, identity)| view! { <IdentityRow n identity orgs=orgs.clone() link /> })
        .collect_view();
    Either::Right(view! {
        <ScrollTable label=td_string!(locale, identities_table_caption)>
            <table>
                <caption>{td_string!(locale, identities_table_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{td_string!(locale, identities_col_name)}</th>
                        <th scope="col">{td_string!(locale, identities_col_id)}</th>
                        <th scope="col">{td_string!(locale, identities_col_kommunekode)}</th>
                        <th scope="col">{td_string!(locale, identities_col_first_seen)}</th>
                        <th scope="col">{td_string!(locale, identities_col_waiting)}</th>
                        <th scope="col">{td_string!(locale, identities_col_suggestions)}</th>
                        <th scope="col">{td_string!(locale, identities_col_link)}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </ScrollTable>
    })
}

#[component]
fn IdentityRow(
    n: usize,
    identity: IdentityView,
    orgs: Vec<(String, String)>,
    link: ServerAction<LinkIdentity>,
) -> impl IntoView {
    let locale = use_locale();
    let shown_name = identity
        .name
        .clone()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| td_string!(locale, identities_unnamed).to_string());
    let select_id = format!("identity-org-{n}");
    let label = td_string!(locale, identities_org_for, name = shown_name.as_str()).to_string();
    let suggested = identity
        .suggestions
        .iter()
        .map(|(_, name)| name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let options = if identity.suggestions.is_empty() {
        Either::Left(view! {
            <option value="" selected=true>{td_string!(locale, identities_choose_org)}</option>
            {orgs
                .into_iter()
                .map(|(code, name)| view! { <option value=code>{name}</option> })
                .collect_view()}
        })
    } else {
        let first = identity.suggestions.first().map(|(code, _)| code.clone());
        Either::Right(view! {
            <optgroup label=td_string!(locale, identities_suggested)>
                {identity
                    .suggestions
                    .iter()
                    .map(|(code, name)| {
                        let selected = Some(code) == first.as_ref();
                        view! { <option value=code.clone() selected=selected>{name.clone()}</option> }
                    })
                    .collect_view()}
            </optgroup>
            <optgroup label=td_string!(locale, identities_all_orgs)>
                {orgs
                    .into_iter()
                    .map(|(code, name)| view! { <option value=code>{name}</option> })
                    .collect_view()}
            </optgroup>
        })
    };
    let button_label =
        td_string!(locale, identities_link_named, name = shown_name.as_str()).to_string();
    view! {
        <tr>
            <th scope="row">{shown_name}</th>
            <td><code translate="no">{identity.stix_id.clone()}</code></td>
            <td translate="no">{identity.kommunekode.clone().unwrap_or_default()}</td>
            <td>{identity.first_seen.clone()}</td>
            <td>{identity.waiting}</td>
            <td>{suggested}</td>
            <td>
                <Form action=link class="form inline-form">
                    <input type="hidden" name="identity" value=identity.stix_id.clone() />
                    <div class="field">
                        <label for=select_id.clone()>{label}</label>
                        <select id=select_id name="org" required>{options}</select>
                    </div>
                    <button type="submit" aria-label=button_label>
                        {td_string!(locale, identities_link_button)}
                    </button>
                </Form>
            </td>
        </tr>
    }
}
