//! The app shell around every page: skip link, header with navigation, the signed-in
//! person and sign-out, the language switch, and the main landmark.

use crate::api::auth::{Header, use_auth};
use crate::components::bell::Bell;
use crate::components::form::{Form, FormEnhancer};
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let locale = use_locale();
    let auth = use_auth();
    let signed_in_part = move || {
        Suspend::new(async move {
            match auth.me.await {
                Ok(Some(Header {
                    me,
                    unread_notifications,
                })) => Some(view! {
                    <nav class="main-nav" aria-label=td_string!(locale, nav_label)>
                        <ul>
                            <li><A href="/">{td_string!(locale, nav_home)}</A></li>
                            <li><A href="/alerts">{td_string!(locale, nav_alerts)}</A></li>
                            <li><A href="/incidents">{td_string!(locale, nav_incidents)}</A></li>
                            <li><A href="/account">{td_string!(locale, nav_account)}</A></li>
                            {me
                                .manages_people
                                .then(|| view! { <li><A href="/admin/people">{td_string!(locale, nav_people)}</A></li> })}
                            // Those who manage people also manage their organisation's tokens.
                            {me
                                .manages_people
                                .then(|| view! { <li><A href="/admin/tokens">{td_string!(locale, nav_tokens)}</A></li> })}
                            {me
                                .manages_people
                                .then(|| view! { <li><A href="/admin/audit">{td_string!(locale, nav_audit)}</A></li> })}
                            // Organisation admins see the list and set their own second-factor rule.
                            {me
                                .manages_people
                                .then(|| view! { <li><A href="/admin/organisations">{td_string!(locale, nav_organisations)}</A></li> })}
                            {me
                                .is_admin
                                .then(|| view! { <li><A href="/admin/groups">{td_string!(locale, nav_groups)}</A></li> })}
                            {me
                                .is_admin
                                .then(|| view! { <li><A href="/admin/identities">{td_string!(locale, nav_identities)}</A></li> })}
                            {me
                                .is_admin
                                .then(|| view! { <li><A href="/admin/taxii-sources">{td_string!(locale, nav_taxii_sources)}</A></li> })}
                            {me
                                .is_analyst
                                .then(|| view! { <li><A href="/intel/received">{td_string!(locale, nav_intel_received)}</A></li> })}
                            {me
                                .follows_responses
                                .then(|| view! { <li><A href="/intel/acknowledgements">{td_string!(locale, nav_acknowledgements)}</A></li> })}
                        </ul>
                    </nav>
                    <HeaderSearch />
                    <Bell initial=unread_notifications />
                    <div class="who">
                        <span class="visually-hidden">{td_string!(locale, signed_in_as)} " "</span>
                        <span class="who-name">{me.name}</span>
                        <span class="who-org">{me.org_name}</span>
                    </div>
                    <Form action=auth.sign_out class="sign-out">
                        <button type="submit" class="secondary">{td_string!(locale, sign_out)}</button>
                    </Form>
                }),
                _ => None,
            }
        })
    };
    view! {
        // rel="external" keeps the router from handling the jump, so focus moves natively.
        <a class="skip-link" href="#main" rel="external">{td_string!(locale, skip_to_content)}</a>
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-name">{td_string!(locale, app_name)}</span>
                <span class="brand-tagline">{td_string!(locale, app_tagline)}</span>
            </a>
            <Transition>{signed_in_part}</Transition>
            <LanguageSwitch />
        </header>
        <main id="main" tabindex="-1">{children()}</main>
        <FormEnhancer />
    }
}

/// The search box, keeping the query on the results page.
#[component]
fn HeaderSearch() -> impl IntoView {
    let location = use_location();
    let query = leptos_router::hooks::use_query_map();
    let initial = (location.pathname.get_untracked() == "/search")
        .then(|| query.with_untracked(|q| q.get("q")))
        .flatten()
        .unwrap_or_default();
    view! { <crate::components::search_box::SearchBox initial /> }
}

/// Plain links that set the `lang` cookie on the server and come back to this page with
/// its query (a search, a list's filters), so switching works without wasm and loses
/// nothing; `rel="external"` keeps the router from intercepting.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let locale = use_locale();
    let location = use_location();
    // Each language is named in itself, whatever the page's language.
    let languages = [
        (Locale::da, td_string!(Locale::da, language_danish)),
        (Locale::en, td_string!(Locale::en, language_english)),
    ];
    view! {
        <nav class="language" aria-label=td_string!(locale, language_switch_label)>
            <ul>
                {languages
                    .into_iter()
                    .map(|(language, name)| {
                        let tag = crate::locale::tag(language);
                        let href = move || {
                            let mut here = location.pathname.get();
                            let search = location.search.get();
                            if !search.is_empty() {
                                here.push('?');
                                here.push_str(&search);
                            }
                            format!("/lang/{tag}?next={}", encode_path(&here))
                        };
                        view! {
                            <li>
                                <a
                                    href=href
                                    rel="external"
                                    hreflang=tag
                                    lang=tag
                                    aria-current=(locale == language).then_some("true")
                                >
                                    {name}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Percent-encodes a path for use as a query value.
fn encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn paths_are_encoded_for_the_next_parameter() {
        assert_eq!(encode_path("/account"), "/account");
        assert_eq!(encode_path("/a b&c?d"), "/a%20b%26c%3Fd");
        assert_eq!(encode_path("/æ"), "/%C3%A6");
    }
}
