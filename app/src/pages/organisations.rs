//! `/admin/organisations`: the organisations, searchable by name, code, region and
//! kind. Admins see every column, edit and add organisations; organisation admins see
//! the list (it is the public reference list, without other organisations' STIX
//! identities) and set their own organisation's second-factor requirement. Anyone else
//! is told the page does not exist.

use crate::api::organisations::{
    CreateOrganisation, EditOrganisation, OrgView, Organisations, load_organisations,
};
use crate::api::people::SetOrgSecondFactor;
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
use leptos_router::hooks::use_query_map;

const KINDS: [&str; 5] = [
    "municipality",
    "region",
    "state",
    "association",
    "analysis_centre",
];

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateOrganisation>,
    edit: ServerAction<EditOrganisation>,
    set_mfa: ServerAction<SetOrgSecondFactor>,
}

#[component]
pub fn OrganisationsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, orgs_title) />
        {signed_in_view(move |_| view! { <OrganisationsView /> })}
    }
}

#[component]
fn OrganisationsView() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let actions = Actions {
        create: ServerAction::new(),
        edit: ServerAction::new(),
        set_mfa: ServerAction::new(),
    };
    let orgs = Resource::new_blocking(
        move || query.with(|q| (q.get("q"), q.get("kind"), q.get("org"))),
        |(q, kind, org)| load_organisations(q, kind, org),
    );
    page_of(orgs, td_string!(locale, orgs_title), None, move |orgs| {
        view! {
            <h1>{td_string!(locale, orgs_title)}</h1>
            <p>{td_string!(locale, orgs_intro)}</p>
            <OrgParts orgs actions />
        }
    })
}

pub(crate) fn kind_name(locale: Locale, kind: &str) -> &'static str {
    match kind {
        "municipality" => td_string!(locale, org_kind_municipality),
        "region" => td_string!(locale, org_kind_region),
        "state" => td_string!(locale, org_kind_state),
        "association" => td_string!(locale, org_kind_association),
        _ => td_string!(locale, org_kind_analysis_centre),
    }
}

fn kind_options(locale: Locale, selected: &str) -> impl IntoView + use<> {
    KINDS
        .iter()
        .map(|kind| {
            let is_selected = *kind == selected;
            view! { <option value=*kind selected=is_selected>{kind_name(locale, kind)}</option> }
        })
        .collect_view()
}

#[component]
fn OrgParts(orgs: Organisations, actions: Actions) -> impl IntoView {
    view! {
        <SearchForm />
        {orgs.selected.clone().map(|org| view! { <EditOrg org is_admin=orgs.is_admin actions /> })}
        {orgs.is_admin.then(|| view! { <CreateOrg regions=orgs.regions.clone() action=actions.create /> })}
        <OrgTable orgs />
    }
}

#[component]
fn SearchForm() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let q = query.with_untracked(|q| q.get("q").unwrap_or_default());
    let kind = query.with_untracked(|q| q.get("kind").unwrap_or_default());
    view! {
        <form method="get" action="/admin/organisations" class="form inline-form" role="search">
            <div class="field">
                <label for="org-search">{td_string!(locale, orgs_search)}</label>
                <input id="org-search" name="q" type="search" value=q />
            </div>
            <div class="field">
                <label for="org-kind-filter">{td_string!(locale, org_kind)}</label>
                <select id="org-kind-filter" name="kind">
                    <option value="" selected=kind.is_empty()>{td_string!(locale, org_kind_all)}</option>
                    {kind_options(locale, &kind)}
                </select>
            </div>
            <button type="submit" class="secondary">{td_string!(locale, orgs_search_button)}</button>
        </form>
    }
}

#[component]
fn EditOrg(org: OrgView, is_admin: bool, actions: Actions) -> impl IntoView {
    let locale = use_locale();
    let edited = flash::done(<EditOrganisation as ServerFn>::PATH);
    let mfa_saved = flash::done(<SetOrgSecondFactor as ServerFn>::PATH);
    let heading = td_string!(locale, org_edit_title, org = org.name.as_str()).to_string();
    let (edit_code, edit_name, edit_stix) = (
        org.code.clone(),
        org.name.clone(),
        org.stix_identity_id.clone().unwrap_or_default(),
    );
    let kinds = kind_options(locale, &org.kind);
    let admin_form = is_admin.then(move || {
        view! {
            <Form action=actions.edit class="form" novalidate=true>
                <input type="hidden" name="org" value=edit_code />
                <div class="field">
                    <label for="org-edit-name">{td_string!(locale, org_name)}</label>
                    <input id="org-edit-name" name="name" type="text" value=edit_name required />
                </div>
                <div class="field">
                    <label for="org-edit-kind">{td_string!(locale, org_kind)}</label>
                    <select id="org-edit-kind" name="kind">{kinds}</select>
                </div>
                <div class="field">
                    <label for="org-edit-stix">{td_string!(locale, org_stix_identity)}</label>
                    <input
                        id="org-edit-stix"
                        name="stix_identity_id"
                        type="text"
                        value=edit_stix
                        placeholder="identity--…"
                        autocomplete="off"
                    />
                </div>
                <ErrorMessage
                    path={<EditOrganisation as ServerFn>::PATH}
                />
                {edited.then(|| view! {
                    <p class="message success" role="status">{td_string!(locale, saved)}</p>
                })}
                <button type="submit">{td_string!(locale, save_button)}</button>
            </Form>
        }
    });
    let mfa_code = org.code.clone();
    let mfa_label = td_string!(locale, org_require_checkbox, org = org.name.as_str()).to_string();
    let mfa_checked = org.require_second_factor;
    let mfa_form = org.mfa_editable.then(move || {
        view! {
            <Form action=actions.set_mfa class="form">
                <input type="hidden" name="org" value=mfa_code />
                <div class="field checkbox">
                    <input id="org-edit-mfa" name="required" type="checkbox" checked=mfa_checked />
                    <label for="org-edit-mfa">{mfa_label}</label>
                </div>
                <ErrorMessage
                    path={<SetOrgSecondFactor as ServerFn>::PATH}
                />
                {mfa_saved.then(|| view! {
                    <p class="message success" role="status">{td_string!(locale, saved)}</p>
                })}
                <button type="submit" class="secondary">{td_string!(locale, org_mfa_save)}</button>
            </Form>
        }
    });
    view! {
        <section aria-labelledby="org-edit" class="card">
            <h2 id="org-edit">{heading}</h2>
            {admin_form}
            {mfa_form}
        </section>
    }
}

#[component]
fn CreateOrg(
    regions: Vec<(String, String)>,
    action: ServerAction<CreateOrganisation>,
) -> impl IntoView {
    let locale = use_locale();
    let created = {
        flash::output::<String>(<CreateOrganisation as ServerFn>::PATH).map(|code| {
            let text = td_string!(locale, org_created, code = code.as_str()).to_string();
            view! { <p class="message success" role="status">{text}</p> }
        })
    };
    view! {
        <section aria-labelledby="org-create" class="card">
            <h2 id="org-create">{td_string!(locale, org_create_title)}</h2>
            <Form action class="form" novalidate=true>
                <div class="field">
                    <label for="org-new-code">{td_string!(locale, org_code)}</label>
                    <input id="org-new-code" name="code" type="text" autocomplete="off" required aria-describedby="org-new-code-hint" />
                    <p id="org-new-code-hint" class="hint">{td_string!(locale, org_code_hint)}</p>
                </div>
                <div class="field">
                    <label for="org-new-name">{td_string!(locale, org_name)}</label>
                    <input id="org-new-name" name="name" type="text" autocomplete="off" required />
                </div>
                <div class="field">
                    <label for="org-new-kind">{td_string!(locale, org_kind)}</label>
                    <select id="org-new-kind" name="kind">{kind_options(locale, "municipality")}</select>
                </div>
                <div class="field">
                    <label for="org-new-region">{td_string!(locale, org_region)}</label>
                    <select id="org-new-region" name="region">
                        <option value="">{td_string!(locale, org_region_none)}</option>
                        {regions
                            .into_iter()
                            .map(|(code, name)| view! { <option value=code>{name}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="org-new-stix">{td_string!(locale, org_stix_identity)}</label>
                    <input id="org-new-stix" name="stix_identity_id" type="text" placeholder="identity--…" autocomplete="off" />
                </div>
                <ErrorMessage
                    path={<CreateOrganisation as ServerFn>::PATH}
                />
                <button type="submit">
                    {td_string!(locale, org_create_button)}
                </button>
            </Form>
            {created}
        </section>
    }
}

#[component]
fn OrgTable(orgs: Organisations) -> impl IntoView {
    let locale = use_locale();
    let is_admin = orgs.is_admin;
    if orgs.orgs.is_empty() {
        return Either::Left(view! { <p>{td_string!(locale, orgs_none)}</p> });
    }
    let count = td_string!(locale, orgs_count, n = orgs.orgs.len()).to_string();
    let rows = orgs
        .orgs
        .into_iter()
        .map(|org| {
            let edit_label = format!("{} – {}", td_string!(locale, org_edit_link), org.name);
            let href = format!("/admin/organisations?org={}", org.code);
            let editable = is_admin || org.mfa_editable;
            view! {
                <tr>
                    <th scope="row">{org.name.clone()}</th>
                    <td translate="no">{org.code.clone()}</td>
                    <td>{kind_name(locale, &org.kind)}</td>
                    <td>{org.region_name.clone().unwrap_or_default()}</td>
                    {is_admin.then(|| view! { <td translate="no">{org.stix_identity_id.clone().unwrap_or_default()}</td> })}
                    <td>
                        {if org.require_second_factor {
                            td_string!(locale, yes)
                        } else {
                            td_string!(locale, no)
                        }}
                    </td>
                    <td>{org.people}</td>
                    <td class="actions">
                        {editable
                            .then(|| view! { <a href=href aria-label=edit_label>{td_string!(locale, org_edit_link)}</a> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <section aria-labelledby="org-list">
            <h2 id="org-list">{td_string!(locale, orgs_list_title)}</h2>
            <p role="status">{count}</p>
            <ScrollTable label=td_string!(locale, orgs_list_title)>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, org_name)}</th>
                            <th scope="col">{td_string!(locale, org_code)}</th>
                            <th scope="col">{td_string!(locale, org_kind)}</th>
                            <th scope="col">{td_string!(locale, org_region)}</th>
                            {is_admin.then(|| view! { <th scope="col">{td_string!(locale, org_stix_identity)}</th> })}
                            <th scope="col">{td_string!(locale, org_requires_mfa)}</th>
                            <th scope="col">{td_string!(locale, org_people)}</th>
                            <th scope="col">{td_string!(locale, person_actions)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </ScrollTable>
        </section>
    })
}
