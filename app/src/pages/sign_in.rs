//! Sign-in with e-mail and password. Works as a plain form; with wasm it also offers
//! showing the typed password.

use crate::api::auth::{SignIn, mail_configured, signed_in_person, use_auth};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::password::PasswordWithToggle;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn SignInPage() -> impl IntoView {
    let locale = use_locale();
    // Someone already signed in goes home.
    let form = match signed_in_person() {
        Some(_) => Either::Left(view! { <Redirect path="/" /> }),
        None => Either::Right(view! { <SignInForm /> }),
    };
    let mail = Resource::new_blocking(|| (), |_| mail_configured());
    let forgot = move || {
        Suspend::new(async move {
            matches!(mail.await, Ok(true)).then(|| {
                view! { <p><a href="/forgot-password">{td_string!(locale, forgot_password_link)}</a></p> }
            })
        })
    };
    view! {
        <Title text=td_string!(locale, sign_in_title) />
        <section class="card narrow">
            <h1>{td_string!(locale, sign_in_title)}</h1>
            <p>{td_string!(locale, sign_in_intro)}</p>
            {form}
            <Suspense>{forgot}</Suspense>
        </section>
    }
}

#[component]
fn SignInForm() -> impl IntoView {
    let locale = use_locale();
    let action = use_auth().sign_in;
    view! {
        <Form action class="form" novalidate=true>
            <div class="field">
                <label for="email">{td_string!(locale, email)}</label>
                <input id="email" name="email" type="email" autocomplete="username" required />
            </div>
            <div class="field">
                <label for="password">{td_string!(locale, password)}</label>
                <PasswordWithToggle
                    id="password".to_string()
                    name="password".to_string()
                    autocomplete="current-password".to_string()
                />
            </div>
            <ErrorMessage
                path={<SignIn as ServerFn>::PATH}
            />
            <button type="submit">{td_string!(locale, sign_in_button)}</button>
        </Form>
    }
}
