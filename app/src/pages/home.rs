//! The home page: who you are signed in as, the dashboard, and your groups.

use crate::api::auth::Me;
use crate::api::groups::my_groups;
use crate::components::dashboard::Dashboard;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, home_title) />
        {signed_in_view(move |me: Me| view! { <Home me /> })}
    }
}

#[component]
fn Home(me: Me) -> impl IntoView {
    let locale = use_locale();
    let groups = Resource::new(|| (), |_| my_groups());
    let group_list = move || {
        Suspend::new(async move {
            match groups.await {
                Ok(groups) if groups.is_empty() => {
                    view! { <p>{td_string!(locale, no_groups)}</p> }.into_any()
                }
                Ok(groups) => view! {
                    <ul class="group-list">
                        {groups
                            .into_iter()
                            .map(|g| {
                                view! {
                                    <li>
                                        <a class="group-name" href=format!("/groups/{}", g.slug)>{g.name}</a>
                                        <span class="badge">{role_label(locale, &g.role)}</span>
                                        " "
                                        <a href=format!("/groups/{}/forum", g.slug)>{td_string!(locale, forum_open)}</a>
                                        <p class="group-description">{g.description}</p>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any(),
                Err(err) => {
                    view! { <p class="message error" role="alert">{err.message(locale)}</p> }
                        .into_any()
                }
            }
        })
    };
    view! {
        <h1>{td_string!(locale, home_welcome, name = me.name.clone()).to_string()}</h1>
        <p>{td_string!(locale, home_org, org = me.org_name.clone()).to_string()}</p>
        <Dashboard />
        <section aria-labelledby="my-groups">
            <h2 id="my-groups">{td_string!(locale, my_groups)}</h2>
            <Suspense fallback=move || view! { <p>{td_string!(locale, loading)}</p> }>
                {group_list}
            </Suspense>
        </section>
    }
}

pub(crate) fn role_label(locale: Locale, role: &str) -> &'static str {
    match role {
        "owner" => td_string!(locale, group_role_owner),
        "moderator" => td_string!(locale, group_role_moderator),
        "reader" => td_string!(locale, group_role_reader),
        _ => td_string!(locale, group_role_member),
    }
}
