//! `/admin/groups` (admins: every group, archived ones too; create and restore) and
//! `/groups/{slug}` (a group's page for its members: what it is and who is in it, with
//! management for its owners and admins). A group the viewer may not see is answered
//! exactly like a missing one.

use crate::api::groups::{
    AddGroupMembers, AddedView, AdminGroupEntry, ArchiveGroup, CreateGroup, EditGroup, GroupView,
    MemberView, RemoveGroupMember, RestoreGroup, SetGroupMemberRole, admin_groups, load_group,
};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::labels::TLPS;
use crate::components::page::page_of;
use crate::components::scroll_table::ScrollTable;
use crate::components::signed_in::signed_in_view;
use crate::error::AppError;
use crate::flash;
use crate::i18n::*;
use crate::locale::use_locale;
use crate::pages::home::role_label;
use crate::pages::not_found::NotFoundPage;
use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

const GROUP_ROLES: [&str; 4] = ["owner", "moderator", "member", "reader"];

fn tlp_options(selected: &str) -> impl IntoView + use<> {
    TLPS.iter()
        .map(|tlp| {
            let is_selected = *tlp == selected;
            let label = format!("TLP:{}", tlp.to_uppercase());
            view! { <option value=*tlp selected=is_selected>{label}</option> }
        })
        .collect_view()
}

fn role_options(locale: Locale, selected: &str) -> impl IntoView + use<> {
    GROUP_ROLES
        .iter()
        .map(|role| {
            let is_selected = *role == selected;
            view! { <option value=*role selected=is_selected>{role_label(locale, role)}</option> }
        })
        .collect_view()
}

// ---------------------------------------------------------------- /admin/groups

#[component]
pub fn AdminGroupsPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, groups_admin_title) />
        {signed_in_view(move |_| view! { <AdminGroupsView /> })}
    }
}

#[component]
fn AdminGroupsView() -> impl IntoView {
    let locale = use_locale();
    let create = ServerAction::<CreateGroup>::new();
    let restore = ServerAction::<RestoreGroup>::new();
    let groups = Resource::new_blocking(|| (), |_| admin_groups());
    page_of(
        groups,
        td_string!(locale, groups_admin_title),
        None,
        move |groups| {
            view! {
                <h1>{td_string!(locale, groups_admin_title)}</h1>
                <p>{td_string!(locale, groups_admin_intro)}</p>
                <CreateGroupForm action=create />
                <AdminGroupTable groups restore />
            }
        },
    )
}

#[component]
fn CreateGroupForm(action: ServerAction<CreateGroup>) -> impl IntoView {
    let locale = use_locale();
    let created = {
        flash::output::<String>(<CreateGroup as ServerFn>::PATH).map(|slug| {
            let href = format!("/groups/{slug}");
            view! {
                <p class="message success" role="status">
                    {td_string!(locale, group_created)} " " <a href=href>{td_string!(locale, group_open)}</a>
                </p>
            }
        })
    };
    view! {
        <section aria-labelledby="group-create" class="card">
            <h2 id="group-create">{td_string!(locale, group_create_title)}</h2>
            <Form action class="form" novalidate=true>
                <div class="field">
                    <label for="group-new-name">{td_string!(locale, group_name)}</label>
                    <input id="group-new-name" name="name" type="text" autocomplete="off" required />
                </div>
                <div class="field">
                    <label for="group-new-slug">{td_string!(locale, group_slug)}</label>
                    <input id="group-new-slug" name="slug" type="text" autocomplete="off" required aria-describedby="group-new-slug-hint" />
                    <p id="group-new-slug-hint" class="hint">{td_string!(locale, group_slug_hint)}</p>
                </div>
                <div class="field">
                    <label for="group-new-description">{td_string!(locale, group_description)}</label>
                    <textarea id="group-new-description" name="description" rows="3"></textarea>
                </div>
                <div class="field">
                    <label for="group-new-tlp">{td_string!(locale, group_default_tlp)}</label>
                    <select id="group-new-tlp" name="default_tlp">{tlp_options("amber")}</select>
                </div>
                <ErrorMessage
                    path={<CreateGroup as ServerFn>::PATH}
                />
                <button type="submit">
                    {td_string!(locale, group_create_button)}
                </button>
            </Form>
            {created}
        </section>
    }
}

#[component]
fn AdminGroupTable(
    groups: Vec<AdminGroupEntry>,
    restore: ServerAction<RestoreGroup>,
) -> impl IntoView {
    let locale = use_locale();
    if groups.is_empty() {
        return Either::Left(view! { <p>{td_string!(locale, groups_none)}</p> });
    }
    let rows = groups
        .into_iter()
        .map(|group| {
            let href = format!("/groups/{}", group.slug);
            let restore_label = format!(
                "{} – {}",
                td_string!(locale, group_restore_button),
                group.name
            );
            let status = if group.archived {
                td_string!(locale, group_status_archived)
            } else {
                td_string!(locale, group_status_live)
            };
            let form_slug = group.slug.clone();
            let restore_form = group.archived.then(move || {
                view! {
                    <Form action=restore class="inline-form">
                        <input type="hidden" name="slug" value=form_slug />
                        <button type="submit" class="secondary" aria-label=restore_label>
                            {td_string!(locale, group_restore_button)}
                        </button>
                    </Form>
                }
            });
            view! {
                <tr>
                    <th scope="row"><a href=href>{group.name.clone()}</a></th>
                    <td translate="no">{group.slug.clone()}</td>
                    <td>{format!("TLP:{}", group.default_tlp.to_uppercase())}</td>
                    <td>{group.members}</td>
                    <td>{status}</td>
                    <td class="actions">{restore_form}</td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <section aria-labelledby="group-list">
            <h2 id="group-list">{td_string!(locale, groups_list_title)}</h2>
            <ErrorMessage
                path={<RestoreGroup as ServerFn>::PATH}
            />
            <ScrollTable label=td_string!(locale, groups_list_title)>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, group_name)}</th>
                            <th scope="col">{td_string!(locale, group_slug)}</th>
                            <th scope="col">{td_string!(locale, group_default_tlp)}</th>
                            <th scope="col">{td_string!(locale, group_members_count)}</th>
                            <th scope="col">{td_string!(locale, group_status)}</th>
                            <th scope="col">{td_string!(locale, person_actions)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </ScrollTable>
        </section>
    })
}

// ---------------------------------------------------------------- /groups/{slug}

/// The actions of a group page; the page reloads when one ends.
#[derive(Clone, Copy)]
struct GroupActions {
    edit: ServerAction<EditGroup>,
    archive: ServerAction<ArchiveGroup>,
    restore: ServerAction<RestoreGroup>,
    add_one: ServerAction<AddGroupMembers>,
    add_list: ServerAction<AddGroupMembers>,
    set_role: ServerAction<SetGroupMemberRole>,
    remove: ServerAction<RemoveGroupMember>,
}

#[component]
pub fn GroupPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, group_page_title) />
        {signed_in_view(move |_| view! { <GroupPageView /> })}
    }
}

#[component]
fn GroupPageView() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let actions = GroupActions {
        edit: ServerAction::new(),
        archive: ServerAction::new(),
        restore: ServerAction::new(),
        add_one: ServerAction::new(),
        add_list: ServerAction::new(),
        set_role: ServerAction::new(),
        remove: ServerAction::new(),
    };
    let group = Resource::new_blocking(
        move || params.with(|p| p.get("slug").unwrap_or_default()),
        load_group,
    );
    let body = move || {
        Suspend::new(async move {
            match group.await {
                Ok(group) => EitherOf4::A(view! {
                    <Title text=group.name.clone() />
                    <GroupParts group actions />
                }),
                // An owner who has just archived the group no longer sees it.
                Err(AppError::NotFound) if flash::done(<ArchiveGroup as ServerFn>::PATH) => {
                    EitherOf4::B(view! {
                        <h1>{td_string!(locale, group_archived_title)}</h1>
                        <p role="status">{td_string!(locale, group_archived_done)}</p>
                        <p><a href="/">{td_string!(locale, back_home)}</a></p>
                    })
                }
                Err(AppError::NotFound | AppError::Forbidden) => {
                    EitherOf4::C(view! { <NotFoundPage /> })
                }
                Err(err) => EitherOf4::D(view! {
                    <h1>{td_string!(locale, group_page_title)}</h1>
                    <p class="message error" role="alert">{err.message(locale)}</p>
                }),
            }
        })
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn GroupParts(group: GroupView, actions: GroupActions) -> impl IntoView {
    let locale = use_locale();
    let manage = group.manageable && !group.archived;
    let restore_slug = group.slug.clone();
    let archived_note = group.archived.then(move || {
        let restore = group.is_admin.then(move || {
            view! {
                <Form action=actions.restore class="inline-form">
                    <input type="hidden" name="slug" value=restore_slug />
                    <button type="submit">{td_string!(locale, group_restore_button)}</button>
                </Form>
                <ErrorMessage
                    path={<RestoreGroup as ServerFn>::PATH}
                />
            }
        });
        view! {
            <div class="message" role="status">
                <p>{td_string!(locale, group_archived_note)}</p>
                {restore}
            </div>
        }
    });
    view! {
        <h1>{group.name.clone()}</h1>
        {(!group.description.is_empty()).then(|| view! { <p class="group-description">{group.description.clone()}</p> })}
        <p>
            {td_string!(locale, group_default_tlp)} ": "
            <span class="badge">{format!("TLP:{}", group.default_tlp.to_uppercase())}</span>
        </p>
        {archived_note}
        {(group.is_member && !group.archived).then(|| {
            let forum = format!("/groups/{}/forum", group.slug);
            let library = format!("/groups/{}/library", group.slug);
            view! {
                <p class="actions">
                    <a class="button" href=forum>{td_string!(locale, forum_open)}</a>
                    " "
                    <a class="button" href=library>{td_string!(locale, library_open)}</a>
                </p>
            }
        })}
        {manage.then(|| view! { <AddMembers slug=group.slug.clone() actions /> })}
        <MemberTable group=group.clone() actions />
        {manage.then(|| view! { <EditGroupForm group=group.clone() actions /> })}
    }
}

#[component]
fn AddedResult(added: AddedView) -> impl IntoView {
    let locale = use_locale();
    let list = |title: String, items: Vec<String>| {
        (!items.is_empty()).then(|| {
            view! {
                <p>{title}</p>
                <ul class="address-list">
                    {items.into_iter().map(|item| view! { <li translate="no">{item}</li> }).collect_view()}
                </ul>
            }
        })
    };
    let count = added.added.len();
    let summary = td_string!(locale, members_added, n = count).to_string();
    let not_added = !(added.already_members.is_empty()
        && added.unknown.is_empty()
        && added.malformed.is_empty());
    let class = if not_added {
        "message error"
    } else {
        "message success"
    };
    view! {
        <div class=class role="status">
            <p>{summary}</p>
            {list(td_string!(locale, members_already).to_string(), added.already_members)}
            {list(td_string!(locale, members_unknown).to_string(), added.unknown)}
            {list(td_string!(locale, members_malformed).to_string(), added.malformed)}
        </div>
    }
}

#[component]
fn AddMembers(slug: String, actions: GroupActions) -> impl IntoView {
    let locale = use_locale();
    let slug_one = slug.clone();
    let slug_list = slug;
    // Both forms post to the same server function: its answer is shown once, below them.
    let result = flash::output::<AddedView>(<AddGroupMembers as ServerFn>::PATH)
        .map(|added| view! { <AddedResult added /> });
    view! {
        <section aria-labelledby="members-add" class="card">
            <h2 id="members-add">{td_string!(locale, members_add_title)}</h2>
            <Form action=actions.add_one class="form" novalidate=true>
                <input type="hidden" name="slug" value=slug_one />
                <div class="field">
                    <label for="member-add-email">{td_string!(locale, members_add_email)}</label>
                    <input id="member-add-email" name="emails" type="email" autocomplete="off" required />
                </div>
                <div class="field">
                    <label for="member-add-role">{td_string!(locale, members_role)}</label>
                    <select id="member-add-role" name="role">{role_options(locale, "member")}</select>
                </div>
                <ErrorMessage
                    path={<AddGroupMembers as ServerFn>::PATH}
                />
                <button type="submit">
                    {td_string!(locale, members_add_button)}
                </button>
            </Form>
            <h3 id="members-paste">{td_string!(locale, members_paste_title)}</h3>
            <Form action=actions.add_list class="form" novalidate=true>
                <input type="hidden" name="slug" value=slug_list />
                <div class="field">
                    <label for="member-paste">{td_string!(locale, members_paste_label)}</label>
                    <textarea id="member-paste" name="emails" rows="6" aria-describedby="member-paste-hint"></textarea>
                    <p id="member-paste-hint" class="hint">{td_string!(locale, members_paste_hint)}</p>
                </div>
                <div class="field">
                    <label for="member-paste-role">{td_string!(locale, members_role)}</label>
                    <select id="member-paste-role" name="role">{role_options(locale, "member")}</select>
                </div>
                <button type="submit">
                    {td_string!(locale, members_paste_button)}
                </button>
            </Form>
            {result}
        </section>
    }
}

#[component]
fn MemberTable(group: GroupView, actions: GroupActions) -> impl IntoView {
    let locale = use_locale();
    let manage = group.manageable && !group.archived;
    let show_email = group.manageable;
    let errors = view! {
        <ErrorMessage path={<SetGroupMemberRole as ServerFn>::PATH} />
        <ErrorMessage path={<RemoveGroupMember as ServerFn>::PATH} />
    };
    let count = td_string!(locale, members_count, n = group.members.len()).to_string();
    let body = if group.members.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, members_none)}</p> })
    } else {
        let slug = group.slug.clone();
        let rows = group
            .members
            .into_iter()
            .map(
                |member| view! { <MemberRow member slug=slug.clone() manage show_email actions /> },
            )
            .collect_view();
        Either::Right(view! {
            <ScrollTable label=td_string!(locale, members_title)>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, person_name)}</th>
                            {show_email.then(|| view! { <th scope="col">{td_string!(locale, invite_email)}</th> })}
                            <th scope="col">{td_string!(locale, person_org)}</th>
                            <th scope="col">{td_string!(locale, members_role)}</th>
                            {manage.then(|| view! { <th scope="col">{td_string!(locale, person_actions)}</th> })}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </ScrollTable>
        })
    };
    view! {
        <section aria-labelledby="member-list">
            <h2 id="member-list">{td_string!(locale, members_title)}</h2>
            <p>{count}</p>
            {errors}
            {body}
        </section>
    }
}

#[component]
fn MemberRow(
    member: MemberView,
    slug: String,
    manage: bool,
    show_email: bool,
    actions: GroupActions,
) -> impl IntoView {
    let locale = use_locale();
    let user = member.id;
    let label = |text: &str| format!("{text} – {}", member.name);
    let select_id = format!("member-role-{user}");
    let role_label_text = label(td_string!(locale, members_role));
    let change_label = label(td_string!(locale, members_change_role_button));
    let remove_label = label(td_string!(locale, members_remove_button));
    let slug_role = slug.clone();
    let slug_remove = slug;
    let current_role = member.role.clone();
    let controls = manage.then(move || {
        view! {
            <td class="actions">
                <Form action=actions.set_role class="inline-form">
                    <input type="hidden" name="slug" value=slug_role />
                    <input type="hidden" name="user" value=user />
                    <label for=select_id.clone() class="visually-hidden">{role_label_text}</label>
                    <select id=select_id name="role">{role_options(locale, &current_role)}</select>
                    <button type="submit" class="secondary" aria-label=change_label>
                        {td_string!(locale, members_change_role_button)}
                    </button>
                </Form>
                <Form action=actions.remove class="inline-form">
                    <input type="hidden" name="slug" value=slug_remove />
                    <input type="hidden" name="user" value=user />
                    <button type="submit" class="secondary" aria-label=remove_label>
                        {td_string!(locale, members_remove_button)}
                    </button>
                </Form>
            </td>
        }
    });
    view! {
        <tr>
            <th scope="row">{member.name.clone()}</th>
            {show_email.then(|| view! { <td translate="no">{member.email.clone().unwrap_or_default()}</td> })}
            <td>{member.org_name.clone()}</td>
            <td>{role_label(locale, &member.role)}</td>
            {controls}
        </tr>
    }
}

#[component]
fn EditGroupForm(group: GroupView, actions: GroupActions) -> impl IntoView {
    let locale = use_locale();
    let saved = flash::done(<EditGroup as ServerFn>::PATH);
    let slug_edit = group.slug.clone();
    let slug_archive = group.slug.clone();
    let name = group.name.clone();
    let description = group.description.clone();
    let tlps = tlp_options(&group.default_tlp);
    view! {
        <section aria-labelledby="group-edit" class="card">
            <h2 id="group-edit">{td_string!(locale, group_edit_title)}</h2>
            <Form action=actions.edit class="form" novalidate=true>
                <input type="hidden" name="slug" value=slug_edit />
                <div class="field">
                    <label for="group-edit-name">{td_string!(locale, group_name)}</label>
                    <input id="group-edit-name" name="name" type="text" value=name required />
                </div>
                <div class="field">
                    <label for="group-edit-description">{td_string!(locale, group_description)}</label>
                    <textarea id="group-edit-description" name="description" rows="3">{description}</textarea>
                </div>
                <div class="field">
                    <label for="group-edit-tlp">{td_string!(locale, group_default_tlp)}</label>
                    <select id="group-edit-tlp" name="default_tlp">{tlps}</select>
                </div>
                <ErrorMessage
                    path={<EditGroup as ServerFn>::PATH}
                />
                {saved.then(|| view! {
                    <p class="message success" role="status">{td_string!(locale, saved)}</p>
                })}
                <button type="submit">{td_string!(locale, save_button)}</button>
            </Form>
            <h3 id="group-archive">{td_string!(locale, group_archive_title)}</h3>
            <p>{td_string!(locale, group_archive_text)}</p>
            <Form action=actions.archive class="inline-form">
                <input type="hidden" name="slug" value=slug_archive />
                <button type="submit" class="secondary">{td_string!(locale, group_archive_button)}</button>
            </Form>
            <ErrorMessage
                path={<ArchiveGroup as ServerFn>::PATH}
            />
        </section>
    }
}
