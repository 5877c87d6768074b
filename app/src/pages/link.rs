//! One-time links: choosing a first password from an invitation, or a new one after a
//! reset; and asking for a reset link by e-mail.

use crate::api::auth::{ForgotPassword, LinkInfo, UseLink, load_link, mail_configured, use_auth};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// `/link/{token}`.
#[component]
pub fn LinkPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let info = Resource::new_blocking(token, load_link);
    let body = move || {
        Suspend::new(async move {
            match info.await {
                Ok(info) => Either::Left(view! { <ChoosePassword info token=token() /> }),
                Err(err) => Either::Right(view! {
                    <Title text=td_string!(locale, link_title_invalid) />
                    <h1>{td_string!(locale, link_title_invalid)}</h1>
                    <p class="message error" role="alert">{err.message(locale)}</p>
                    <p><a href="/sign-in">{td_string!(locale, sign_in_title)}</a></p>
                }),
            }
        })
    };
    view! {
        <section class="card narrow">
            <Suspense>{body}</Suspense>
        </section>
    }
}

#[component]
fn ChoosePassword(info: LinkInfo, token: String) -> impl IntoView {
    let locale = use_locale();
    let action = use_auth().use_link;
    let (title, intro) = if info.invitation {
        (
            td_string!(locale, link_title_invitation),
            td_string!(
                locale,
                link_intro_invitation,
                name = info.name.as_str(),
                email = info.email.as_str()
            )
            .to_string(),
        )
    } else {
        (
            td_string!(locale, link_title_reset),
            td_string!(locale, link_intro_reset, email = info.email.as_str()).to_string(),
        )
    };
    view! {
        <Title text=title />
        <h1>{title}</h1>
        <p>{intro}</p>
        <Form action class="form" novalidate=true>
            <input type="hidden" name="token" value=token />
            // Lets password managers store the new password under the right account.
            <input type="hidden" name="username" autocomplete="username" value=info.email.clone() />
            <div class="field">
                <label for="new_password">{td_string!(locale, new_password)}</label>
                <input
                    id="new_password"
                    name="new_password"
                    type="password"
                    autocomplete="new-password"
                    aria-describedby="password-hint"
                    required
                />
                <p id="password-hint" class="hint">
                    {td_string!(locale, password_hint, min = info.min_password_len).to_string()}
                </p>
            </div>
            <div class="field">
                <label for="confirm_password">{td_string!(locale, confirm_password)}</label>
                <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required />
            </div>
            <ErrorMessage
                path={<UseLink as ServerFn>::PATH}
            />
            <button type="submit">
                {td_string!(locale, save_password_button)}
            </button>
        </Form>
    }
}

/// `/forgot-password`: self-service reset, offered only when mail is set up.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let locale = use_locale();
    let configured = Resource::new_blocking(|| (), |_| mail_configured());
    let body = move || {
        Suspend::new(async move {
            match configured.await {
                Ok(true) => Either::Left(view! { <ForgotForm /> }),
                _ => Either::Right(view! { <p>{td_string!(locale, forgot_unavailable)}</p> }),
            }
        })
    };
    view! {
        <Title text=td_string!(locale, forgot_title) />
        <section class="card narrow">
            <h1>{td_string!(locale, forgot_title)}</h1>
            <Suspense>{body}</Suspense>
        </section>
    }
}

#[component]
fn ForgotForm() -> impl IntoView {
    let locale = use_locale();
    let action = ServerAction::<ForgotPassword>::new();
    let query = use_query_map();
    let sent = query.with_untracked(|q| q.get_str("sent").is_some());
    view! {
        <p>{td_string!(locale, forgot_intro)}</p>
        <Form action class="form" novalidate=true>
            <div class="field">
                <label for="email">{td_string!(locale, email)}</label>
                <input id="email" name="email" type="email" autocomplete="username" required />
            </div>
            <ErrorMessage
                path={<ForgotPassword as ServerFn>::PATH}
            />
            {sent.then(|| view! {
                <p class="message success" role="status">{td_string!(locale, forgot_sent)}</p>
            })}
            <button type="submit">
                {td_string!(locale, forgot_button)}
            </button>
        </Form>
    }
}
