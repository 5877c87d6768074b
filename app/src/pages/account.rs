//! The account page: your details, where you are signed in, your second factor, and
//! changing your password.

use crate::api::account::{
    EndOtherSessions, EndSession, RenewRecoveryCodes, Security, TurnOffSecondFactor, load_security,
};
use crate::api::auth::{ChangePassword, Me};
use crate::components::error_message::ErrorMessage;
use crate::components::form::Form;
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
pub fn AccountPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, account_title) />
        {signed_in_view(move |me: Me| view! { <Account me /> })}
    }
}

#[component]
fn Account(me: Me) -> impl IntoView {
    let locale = use_locale();
    let end_session = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let turn_off = ServerAction::<TurnOffSecondFactor>::new();
    let security = Resource::new_blocking(|| (), |_| load_security());
    let security_view = move || {
        Suspend::new(async move {
            security.await.map(|security| {
                view! {
                    <SecondFactorSection security=security.clone() turn_off />
                    <SessionsSection security end_session end_others />
                }
            })
        })
    };
    view! {
        <h1>{td_string!(locale, account_title)}</h1>
        <section aria-labelledby="details">
            <h2 id="details">{td_string!(locale, account_details)}</h2>
            <dl class="details">
                <dt>{td_string!(locale, account_name)}</dt>
                <dd>{me.name.clone()}</dd>
                <dt>{td_string!(locale, account_email)}</dt>
                <dd>{me.email.clone()}</dd>
                <dt>{td_string!(locale, account_org)}</dt>
                <dd>{me.org_name.clone()}</dd>
            </dl>
        </section>
        <Suspense>{security_view}</Suspense>
        <ChangePasswordSection min_password_len=me.min_password_len />
    }
}

/// The current-password field that every change to one's credentials asks for.
#[component]
fn CurrentPasswordField(id: &'static str) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="field">
            <label for=id>{td_string!(locale, current_password)}</label>
            <input id=id name="current_password" type="password" autocomplete="current-password" required />
        </div>
    }
}

/// The "also end my other sessions" choice, on by default.
#[component]
fn EndOthersCheckbox(id: &'static str) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="field checkbox">
            <input id=id name="end_other_sessions" type="checkbox" checked />
            <label for=id>{td_string!(locale, end_other_sessions_checkbox)}</label>
        </div>
    }
}

#[component]
fn SecondFactorSection(
    security: Security,
    turn_off: ServerAction<TurnOffSecondFactor>,
) -> impl IntoView {
    let locale = use_locale();
    let renew = ServerAction::<RenewRecoveryCodes>::new();
    let status = if security.second_factor_enrolled {
        td_string!(
            locale,
            second_factor_on,
            count = security.recovery_codes_left
        )
        .to_string()
    } else {
        td_string!(locale, second_factor_off).to_string()
    };
    let turned_off = flash::done(<TurnOffSecondFactor as ServerFn>::PATH);
    let enrolled_actions = security.second_factor_enrolled.then(|| {
        view! {
            <p><a href="/account/second-factor">{td_string!(locale, second_factor_replace)}</a></p>
            <Form action=renew class="form inline-form" novalidate=true>
                <CurrentPasswordField id="renew_current_password" />
                <ErrorMessage
                    path={<RenewRecoveryCodes as ServerFn>::PATH}
                />
                <button type="submit" class="secondary">{td_string!(locale, recovery_codes_renew_button)}</button>
            </Form>
            {(!security.second_factor_required)
                .then(|| {
                    view! {
                        <Form action=turn_off class="form inline-form" novalidate=true>
                            <CurrentPasswordField id="off_current_password" />
                            <EndOthersCheckbox id="off_end_other_sessions" />
                            <ErrorMessage
                                path={<TurnOffSecondFactor as ServerFn>::PATH}
                            />
                            <button type="submit" class="secondary">
                                {td_string!(locale, second_factor_turn_off_button)}
                            </button>
                        </Form>
                    }
                })}
        }
    });
    let set_up = (!security.second_factor_enrolled).then(|| {
        view! { <p><a href="/account/second-factor">{td_string!(locale, second_factor_set_up)}</a></p> }
    });
    view! {
        <section aria-labelledby="second-factor" class="card">
            <h2 id="second-factor">{td_string!(locale, second_factor_title)}</h2>
            <p>{status}</p>
            {security
                .second_factor_required
                .then(|| view! { <p>{td_string!(locale, second_factor_required_note)}</p> })}
            {turned_off.then(|| view! {
                <p class="message success" role="status">{td_string!(locale, second_factor_turned_off)}</p>
            })}
            {enrolled_actions}
            {set_up}
        </section>
    }
}

#[component]
fn SessionsSection(
    security: Security,
    end_session: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
) -> impl IntoView {
    let locale = use_locale();
    let others = security.sessions.iter().filter(|s| !s.current).count();
    let rows = security
        .sessions
        .into_iter()
        .map(|session| {
            let device = if session.device.is_empty() {
                td_string!(locale, session_unknown_device).to_string()
            } else {
                session.device.clone()
            };
            let end_label = format!("{} – {device}", td_string!(locale, end_session_button));
            let action = if session.current {
                Either::Left(
                    view! { <span class="badge">{td_string!(locale, session_this)}</span> },
                )
            } else {
                Either::Right(view! {
                    <Form action=end_session class="inline-form">
                        <input type="hidden" name="handle" value=session.handle.clone() />
                        <button type="submit" class="secondary" aria-label=end_label>
                            {td_string!(locale, end_session_button)}
                        </button>
                    </Form>
                })
            };
            view! {
                <tr>
                    <td>{device.clone()}</td>
                    <td>{session.address}</td>
                    <td>{session.started}</td>
                    <td>{session.last_seen}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="sessions" class="card">
            <h2 id="sessions">{td_string!(locale, sessions_title)}</h2>
            <ScrollTable label=td_string!(locale, sessions_title)>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, session_device)}</th>
                            <th scope="col">{td_string!(locale, session_address)}</th>
                            <th scope="col">{td_string!(locale, session_started)}</th>
                            <th scope="col">{td_string!(locale, session_last_seen)}</th>
                            <th scope="col"><span class="visually-hidden">{td_string!(locale, person_actions)}</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </ScrollTable>
            <ErrorMessage
                path={<EndSession as ServerFn>::PATH}
            />
            {(others > 0)
                .then(|| {
                    view! {
                        <Form action=end_others class="inline-form">
                            <button type="submit" class="secondary">{td_string!(locale, end_other_sessions_button)}</button>
                        </Form>
                    }
                })}
        </section>
    }
}

#[component]
fn ChangePasswordSection(min_password_len: usize) -> impl IntoView {
    let locale = use_locale();
    let change = ServerAction::<ChangePassword>::new();
    let changed = flash::done(<ChangePassword as ServerFn>::PATH);
    view! {
        <section aria-labelledby="change-password" class="card">
            <h2 id="change-password">{td_string!(locale, change_password_title)}</h2>
            <Form action=change class="form" novalidate=true>
                <CurrentPasswordField id="current_password" />
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
                        {td_string!(locale, password_hint, min = min_password_len).to_string()}
                    </p>
                </div>
                <div class="field">
                    <label for="confirm_password">{td_string!(locale, confirm_password)}</label>
                    <input
                        id="confirm_password"
                        name="confirm_password"
                        type="password"
                        autocomplete="new-password"
                        required
                    />
                </div>
                <EndOthersCheckbox id="change_end_other_sessions" />
                <ErrorMessage
                    path={<ChangePassword as ServerFn>::PATH}
                />
                {changed.then(|| view! {
                    <p class="message success" role="status">{td_string!(locale, password_changed)}</p>
                })}
                <button type="submit">{td_string!(locale, change_password_button)}</button>
            </Form>
        </section>
    }
}
