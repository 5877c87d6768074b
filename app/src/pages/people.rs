//! `/admin/people`: inviting people and managing accounts, for admins (everyone) and
//! organisation admins (the plain members of their own organisation).

use crate::api::people::{
    EditUser, EndUserSessions, Invite, IssuedLink, NewLink, People, PersonView, ResetSecondFactor,
    SetDisabled, SetOrgSecondFactor, load_people,
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
use leptos_router::hooks::use_query_map;

/// The actions of the page, shared by its parts, and refreshing the list when one ends.
#[derive(Clone, Copy)]
struct Actions {
    invite: ServerAction<Invite>,
    new_link: ServerAction<NewLink>,
    set_disabled: ServerAction<SetDisabled>,
    reset_second_factor: ServerAction<ResetSecondFactor>,
    end_sessions: ServerAction<EndUserSessions>,
    set_org: ServerAction<SetOrgSecondFactor>,
    edit_user: ServerAction<EditUser>,
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, people_title) />
        {signed_in_view(move |_| view! { <PeopleView /> })}
    }
}

#[component]
fn PeopleView() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let actions = Actions {
        invite: ServerAction::new(),
        new_link: ServerAction::new(),
        set_disabled: ServerAction::new(),
        reset_second_factor: ServerAction::new(),
        end_sessions: ServerAction::new(),
        set_org: ServerAction::new(),
        edit_user: ServerAction::new(),
    };
    let people = Resource::new_blocking(move || query.with(|q| q.get("org")), load_people);
    page_of(
        people,
        td_string!(locale, people_title),
        None,
        move |people| {
            view! {
                <h1>{td_string!(locale, people_title)}</h1>
                <p>{td_string!(locale, people_intro)}</p>
                <PeopleParts people actions />
            }
        },
    )
}

#[component]
fn PeopleParts(people: People, actions: Actions) -> impl IntoView {
    let selected_org = people
        .selected
        .as_ref()
        .and_then(|code| people.orgs.iter().find(|o| &o.code == code).cloned());
    view! {
        {people.is_admin.then(|| view! { <OrgFilter people=people.clone() /> })}
        {selected_org.map(|org| view! { <OrgRequirement org action=actions.set_org /> })}
        <InviteForm people=people.clone() action=actions.invite />
        <IssuedLinkNote action=actions.new_link />
        <PeopleTable people actions />
    }
}

#[component]
fn OrgFilter(people: People) -> impl IntoView {
    let locale = use_locale();
    let selected = people.selected.clone().unwrap_or_default();
    view! {
        <form method="get" action="/admin/people" class="form inline-form">
            <div class="field">
                <label for="org-filter">{td_string!(locale, people_org_filter)}</label>
                <select id="org-filter" name="org">
                    <option value="" selected=selected.is_empty()>{td_string!(locale, all_orgs)}</option>
                    {people
                        .orgs
                        .into_iter()
                        .map(|org| {
                            let is_selected = org.code == selected;
                            view! { <option value=org.code selected=is_selected>{org.name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="secondary">{td_string!(locale, show_button)}</button>
        </form>
    }
}

#[component]
fn OrgRequirement(
    org: crate::api::people::OrgChoice,
    action: ServerAction<SetOrgSecondFactor>,
) -> impl IntoView {
    let locale = use_locale();
    let saved = flash::done(<SetOrgSecondFactor as ServerFn>::PATH);
    view! {
        <section aria-labelledby="org-requirement" class="card">
            <h2 id="org-requirement">{td_string!(locale, org_requirement_title)}</h2>
            <Form action class="form">
                <input type="hidden" name="org" value=org.code.clone() />
                <div class="field checkbox">
                    <input id="org-required" name="required" type="checkbox" checked=org.require_second_factor />
                    <label for="org-required">
                        {td_string!(locale, org_require_checkbox, org = org.name.as_str()).to_string()}
                    </label>
                </div>
                <ErrorMessage
                    path={<SetOrgSecondFactor as ServerFn>::PATH}
                />
                {saved.then(|| view! {
                    <p class="message success" role="status">{td_string!(locale, saved)}</p>
                })}
                <button type="submit" class="secondary">{td_string!(locale, save_button)}</button>
            </Form>
        </section>
    }
}

/// The link just issued, shown to whoever issued it.
#[component]
fn LinkResult(issued: IssuedLink, intro: String) -> impl IntoView {
    let locale = use_locale();
    let Some(link) = issued.link else {
        // A reset link for an account that has been active only ever goes by mail.
        return Either::Left(if issued.mailed {
            view! {
                <div class="message success" role="status">
                    <p>{td_string!(locale, reset_link_mailed, name = issued.name.as_str()).to_string()}</p>
                </div>
            }
        } else {
            view! {
                <div class="message error" role="alert">
                    <p>{td_string!(locale, reset_link_not_mailed, name = issued.name.as_str()).to_string()}</p>
                </div>
            }
        });
    };
    let mail_note = if issued.mailed {
        td_string!(locale, invite_mailed)
    } else {
        td_string!(locale, invite_not_mailed)
    };
    Either::Right(view! {
        <div class="message success" role="status">
            <p>{intro}</p>
            <p><code class="link" translate="no">{link}</code></p>
            <p>{mail_note}</p>
        </div>
    })
}

#[component]
fn InviteForm(people: People, action: ServerAction<Invite>) -> impl IntoView {
    let locale = use_locale();
    let roles: &[&str] = if people.is_admin {
        &["member", "coordinator", "analyst", "admin"]
    } else {
        &["member"]
    };
    let preselected = people.selected.clone().unwrap_or_default();
    let result = {
        flash::output::<IssuedLink>(<Invite as ServerFn>::PATH).map(|issued| {
            let intro = td_string!(locale, invite_done, name = issued.name.as_str()).to_string();
            view! { <LinkResult issued intro /> }
        })
    };
    view! {
        <section aria-labelledby="invite" class="card">
            <h2 id="invite">{td_string!(locale, invite_title)}</h2>
            <Form action class="form" novalidate=true>
                <div class="field">
                    <label for="invite-name">{td_string!(locale, invite_name)}</label>
                    <input id="invite-name" name="name" type="text" autocomplete="off" required />
                </div>
                <div class="field">
                    <label for="invite-email">{td_string!(locale, invite_email)}</label>
                    <input id="invite-email" name="email" type="email" autocomplete="off" required />
                </div>
                <div class="field">
                    <label for="invite-org">{td_string!(locale, invite_org)}</label>
                    <select id="invite-org" name="org" required>
                        {people
                            .orgs
                            .into_iter()
                            .map(|org| {
                                let is_selected = org.code == preselected;
                                view! { <option value=org.code selected=is_selected>{org.name}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="invite-role">{td_string!(locale, invite_role)}</label>
                    <select id="invite-role" name="role">
                        {roles.iter().map(|role| view! { <option value=*role>{role_name(locale, role)}</option> }).collect_view()}
                    </select>
                </div>
                {people
                    .is_admin
                    .then(|| {
                        view! {
                            <div class="field checkbox">
                                <input id="invite-org-admin" name="org_admin" type="checkbox" />
                                <label for="invite-org-admin">{td_string!(locale, invite_org_admin)}</label>
                            </div>
                        }
                    })}
                <div class="field">
                    <label for="invite-language">{td_string!(locale, invite_language)}</label>
                    <select id="invite-language" name="language">
                        <option value="da" selected=locale == Locale::da>{td_string!(Locale::da, language_danish)}</option>
                        <option value="en" selected=locale == Locale::en>{td_string!(Locale::en, language_english)}</option>
                    </select>
                </div>
                <ErrorMessage
                    path={<Invite as ServerFn>::PATH}
                />
                <button type="submit">
                    {td_string!(locale, invite_button)}
                </button>
            </Form>
            {result}
        </section>
    }
}

#[component]
fn IssuedLinkNote(action: ServerAction<NewLink>) -> impl IntoView {
    let locale = use_locale();
    let _ = action;
    let issued = flash::output::<IssuedLink>(<NewLink as ServerFn>::PATH).map(|issued| {
        let intro = format!("{} – {}", issued.name, td_string!(locale, link_issued));
        view! { <LinkResult issued intro /> }
    });
    view! {
        <ErrorMessage path={<NewLink as ServerFn>::PATH} />
        {issued}
    }
}

pub(crate) fn role_name(locale: Locale, role: &str) -> String {
    match role {
        "admin" => td_string!(locale, role_admin),
        "analyst" => td_string!(locale, role_analyst),
        "coordinator" => td_string!(locale, role_coordinator),
        _ => td_string!(locale, role_member),
    }
    .to_string()
}

fn status_name(locale: Locale, status: &str) -> String {
    match status {
        "invited" => td_string!(locale, status_invited),
        "disabled" => td_string!(locale, status_disabled),
        _ => td_string!(locale, status_active),
    }
    .to_string()
}

#[component]
fn PeopleTable(people: People, actions: Actions) -> impl IntoView {
    let locale = use_locale();
    let is_admin = people.is_admin;
    let links_note = if people.mail_configured {
        td_string!(locale, people_mail_only_note)
    } else {
        td_string!(locale, people_no_mail_note)
    };
    let errors = view! {
        <ErrorMessage path={<SetDisabled as ServerFn>::PATH} />
        <ErrorMessage path={<ResetSecondFactor as ServerFn>::PATH} />
        <ErrorMessage path={<EndUserSessions as ServerFn>::PATH} />
        <ErrorMessage path={<EditUser as ServerFn>::PATH} />
    };
    if people.people.is_empty() {
        return Either::Left(view! { <p>{td_string!(locale, no_people)}</p> });
    }
    let rows = people
        .people
        .into_iter()
        .map(|person| view! { <PersonRow person is_admin actions /> })
        .collect_view();
    Either::Right(view! {
        <section aria-labelledby="people-list">
            <h2 id="people-list">{td_string!(locale, people_list_title)}</h2>
            <p>{links_note}</p>
            {errors}
            <ScrollTable label=td_string!(locale, people_list_title)>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, person_name)}</th>
                            <th scope="col">{td_string!(locale, person_org)}</th>
                            <th scope="col">{td_string!(locale, person_role)}</th>
                            <th scope="col">{td_string!(locale, person_status)}</th>
                            <th scope="col">{td_string!(locale, person_second_factor)}</th>
                            <th scope="col">{td_string!(locale, person_sessions)}</th>
                            <th scope="col">{td_string!(locale, person_actions)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </ScrollTable>
        </section>
    })
}

#[component]
fn PersonRow(person: PersonView, is_admin: bool, actions: Actions) -> impl IntoView {
    let locale = use_locale();
    let user = person.id;
    // Each button names its person, so that screen-reader users can tell them apart.
    let label = |text: &str| format!("{text} – {}", person.name);
    let new_link_label = label(td_string!(locale, new_link_button));
    let reset_label = label(td_string!(locale, reset_second_factor_button));
    let end_label = label(td_string!(locale, end_sessions_button));
    let mut role = role_name(locale, &person.role);
    if person.org_admin {
        role = format!("{role}, {}", td_string!(locale, invite_org_admin));
    }
    let disabled = person.status == "disabled";
    let (toggle_text, disable_value) = if disabled {
        (td_string!(locale, enable_button).to_string(), "false")
    } else {
        (td_string!(locale, disable_button).to_string(), "true")
    };
    let toggle_label = label(&toggle_text);
    let manage = person.manageable.then(|| {
        view! {
            {person
                .can_new_link
                .then(|| {
                    view! {
                        <Form action=actions.new_link class="inline-form">
                            <input type="hidden" name="user" value=user />
                            <button type="submit" class="secondary" aria-label=new_link_label>
                                {td_string!(locale, new_link_button)}
                            </button>
                        </Form>
                    }
                })}
            <Form action=actions.set_disabled class="inline-form">
                <input type="hidden" name="user" value=user />
                <input type="hidden" name="disabled" value=disable_value />
                <button type="submit" class="secondary" aria-label=toggle_label>{toggle_text}</button>
            </Form>
            <EditPerson person=person.clone() is_admin action=actions.edit_user />
        }
    });
    let admin_only = (is_admin && person.manageable).then(|| {
        view! {
            {person
                .second_factor
                .then(|| {
                    view! {
                        <Form action=actions.reset_second_factor class="inline-form">
                            <input type="hidden" name="user" value=user />
                            <button type="submit" class="secondary" aria-label=reset_label>
                                {td_string!(locale, reset_second_factor_button)}
                            </button>
                        </Form>
                    }
                })}
            {(person.sessions > 0)
                .then(|| {
                    view! {
                        <Form action=actions.end_sessions class="inline-form">
                            <input type="hidden" name="user" value=user />
                            <button type="submit" class="secondary" aria-label=end_label>
                                {td_string!(locale, end_sessions_button)}
                            </button>
                        </Form>
                    }
                })}
        }
    });
    view! {
        <tr>
            <td>
                <span class="person-name">{person.name.clone()}</span>
                <br />
                <span class="person-email">{person.email.clone()}</span>
            </td>
            <td>{person.org_name.clone()}</td>
            <td>{role}</td>
            <td>{status_name(locale, &person.status)}</td>
            <td>
                {if person.second_factor {
                    td_string!(locale, yes)
                } else {
                    td_string!(locale, no)
                }}
            </td>
            <td>{person.sessions}</td>
            <td class="actions">{manage} {admin_only}</td>
        </tr>
    }
}

/// The edit form of one account, folded away until opened: the name, and for admins the
/// platform role and the organisation-admin flag.
#[component]
fn EditPerson(person: PersonView, is_admin: bool, action: ServerAction<EditUser>) -> impl IntoView {
    let locale = use_locale();
    let id = person.id;
    let (name_id, role_id, org_admin_id) = (
        format!("edit-name-{id}"),
        format!("edit-role-{id}"),
        format!("edit-org-admin-{id}"),
    );
    let current_role = person.role.clone();
    let admin_fields = is_admin.then(|| {
        view! {
            <input type="hidden" name="admin_fields" value="1" />
            <div class="field">
                <label for=role_id.clone()>{td_string!(locale, invite_role)}</label>
                <select id=role_id name="role">
                    {["member", "coordinator", "analyst", "admin"]
                        .into_iter()
                        .map(|role| {
                            let selected = role == current_role;
                            view! { <option value=role selected=selected>{role_name(locale, role)}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field checkbox">
                <input id=org_admin_id.clone() name="org_admin" type="checkbox" checked=person.org_admin />
                <label for=org_admin_id>{td_string!(locale, invite_org_admin)}</label>
            </div>
        }
    });
    view! {
        <details class="edit-person">
            <summary>
                {td_string!(locale, edit_user_button)}
                <span class="visually-hidden">" – " {person.name.clone()}</span>
            </summary>
            <Form action class="form" novalidate=true>
                <input type="hidden" name="user" value=id />
                <div class="field">
                    <label for=name_id.clone()>{td_string!(locale, invite_name)}</label>
                    <input id=name_id name="name" type="text" value=person.name.clone() required />
                </div>
                {admin_fields}
                <button type="submit">{td_string!(locale, edit_user_save)}</button>
            </Form>
        </details>
    }
}
