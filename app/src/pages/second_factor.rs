//! The second factor in the browser: the code step of signing in, enrolling an
//! authenticator app (forced at sign-in, or from the account page), and showing fresh
//! recovery codes once.

use crate::api::auth::{
    Enrol, Enrolment, SignInState, SubmitCode, current_sign_in_state, fresh_recovery_codes,
    load_enrolment, use_auth,
};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::Redirect;

/// The field for a TOTP or recovery code: one-time-code autocomplete, digits keyboard
/// would refuse recovery codes, so it stays a text field.
#[component]
fn CodeField() -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="field">
            <label for="code">{td_string!(locale, code)}</label>
            <input
                id="code"
                name="code"
                type="text"
                inputmode="text"
                autocomplete="one-time-code"
                aria-describedby="code-hint"
                spellcheck="false"
                required
            />
            <p id="code-hint" class="hint">{td_string!(locale, code_hint)}</p>
        </div>
    }
}

/// `/sign-in/code`: the second step of signing in.
#[component]
pub fn CodePage() -> impl IntoView {
    let locale = use_locale();
    let state = Resource::new_blocking(|| (), |_| current_sign_in_state());
    let body = move || {
        Suspend::new(async move {
            match state.await {
                Ok(SignInState::SignedIn) => EitherOf3::A(view! { <Redirect path="/" /> }),
                Ok(SignInState::CodeNeeded) => EitherOf3::B(view! { <CodeForm /> }),
                _ => EitherOf3::C(view! { <StartAgain /> }),
            }
        })
    };
    view! {
        <Title text=td_string!(locale, sign_in_code_title) />
        <section class="card narrow">
            <h1>{td_string!(locale, sign_in_code_title)}</h1>
            <Suspense>{body}</Suspense>
        </section>
    }
}

#[component]
fn CodeForm() -> impl IntoView {
    let locale = use_locale();
    let action = use_auth().submit_code;
    view! {
        <p>{td_string!(locale, sign_in_code_intro)}</p>
        <Form action class="form" novalidate=true>
            <CodeField />
            <ErrorMessage
                path={<SubmitCode as ServerFn>::PATH}
            />
            <button type="submit">
                {td_string!(locale, continue_button)}
            </button>
        </Form>
    }
}

/// Shown when a half-done sign-in has expired or never began.
#[component]
fn StartAgain() -> impl IntoView {
    let locale = use_locale();
    view! {
        <p class="message error" role="alert">{td_string!(locale, error_sign_in_expired)}</p>
        <p><a href="/sign-in">{td_string!(locale, start_again)}</a></p>
    }
}

/// `/sign-in/enrol`: a second factor is required before the session starts.
#[component]
pub fn SignInEnrolPage() -> impl IntoView {
    let locale = use_locale();
    let state = Resource::new_blocking(|| (), |_| current_sign_in_state());
    let body = move || {
        Suspend::new(async move {
            match state.await {
                Ok(SignInState::SignedIn) => EitherOf3::A(view! { <Redirect path="/" /> }),
                Ok(SignInState::EnrolmentNeeded) => EitherOf3::B(view! { <EnrolForm /> }),
                _ => EitherOf3::C(view! { <StartAgain /> }),
            }
        })
    };
    view! {
        <Title text=td_string!(locale, enrol_title) />
        <section class="card">
            <h1>{td_string!(locale, enrol_title)}</h1>
            <Suspense>{body}</Suspense>
        </section>
    }
}

/// `/account/second-factor`: set up or move the second factor while signed in.
#[component]
pub fn AccountEnrolPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, enrol_title) />
        {signed_in_view(move |_| {
            view! {
                <section class="card">
                    <h1>{td_string!(locale, enrol_title)}</h1>
                    <EnrolForm />
                </section>
            }
        })}
    }
}

#[component]
fn EnrolForm() -> impl IntoView {
    let locale = use_locale();
    let enrolment = Resource::new_blocking(|| (), |_| load_enrolment());
    let body = move || {
        Suspend::new(async move {
            match enrolment.await {
                Ok(enrolment) => Either::Left(view! { <EnrolSteps enrolment /> }),
                Err(err) => Either::Right(view! {
                    <p class="message error" role="alert">{err.message(locale)}</p>
                }),
            }
        })
    };
    view! { <Suspense>{body}</Suspense> }
}

#[component]
fn EnrolSteps(enrolment: Enrolment) -> impl IntoView {
    let locale = use_locale();
    let action = use_auth().enrol;
    let intro = if enrolment.needs_password {
        td_string!(locale, enrol_intro)
    } else {
        td_string!(locale, enrol_intro_required)
    };
    view! {
        <p>{intro}</p>
        <div class="qr" role="img" aria-label=td_string!(locale, enrol_qr_label) inner_html=enrolment.qr_svg />
        <p>
            {td_string!(locale, enrol_secret_label)} ": "
            <code class="secret" translate="no">{enrolment.secret}</code>
        </p>
        <Form action class="form" novalidate=true>
            {enrolment
                .needs_password
                .then(|| {
                    view! {
                        <div class="field">
                            <label for="current_password">{td_string!(locale, current_password)}</label>
                            <input
                                id="current_password"
                                name="current_password"
                                type="password"
                                autocomplete="current-password"
                                required
                            />
                        </div>
                    }
                })}
            <CodeField />
            {enrolment
                .needs_password
                .then(|| {
                    view! {
                        <div class="field checkbox">
                            <input id="end_other_sessions" name="end_other_sessions" type="checkbox" checked />
                            <label for="end_other_sessions">{td_string!(locale, end_other_sessions_checkbox)}</label>
                        </div>
                    }
                })}
            <ErrorMessage
                path={<Enrol as ServerFn>::PATH}
            />
            <button type="submit">
                {td_string!(locale, enrol_button)}
            </button>
        </Form>
    }
}

/// `/account/recovery-codes`: the codes just made, shown once.
#[component]
pub fn RecoveryCodesPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, recovery_codes_title) />
        {signed_in_view(move |_| view! { <RecoveryCodes /> })}
    }
}

#[component]
fn RecoveryCodes() -> impl IntoView {
    let locale = use_locale();
    let codes = Resource::new_blocking(|| (), |_| fresh_recovery_codes());
    let body = move || {
        Suspend::new(async move {
            match codes.await {
                Ok(codes) if !codes.is_empty() => Either::Left(view! {
                    <p>{td_string!(locale, recovery_codes_intro)}</p>
                    <ol class="recovery-codes" translate="no">
                        {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                    </ol>
                }),
                _ => Either::Right(view! { <p>{td_string!(locale, recovery_codes_gone)}</p> }),
            }
        })
    };
    view! {
        <section class="card">
            <h1>{td_string!(locale, recovery_codes_title)}</h1>
            <Suspense>{body}</Suspense>
            <p><a href="/">{td_string!(locale, recovery_codes_done)}</a></p>
        </section>
    }
}
