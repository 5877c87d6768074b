//! The account page: your details, and changing your password.

use crate::api::auth::{ChangePassword, Me};
use crate::components::error_message::ErrorMessage;
use crate::components::signed_in::signed_in_view;
use crate::i18n::*;
use crate::locale::use_locale;
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
    let change = ServerAction::<ChangePassword>::new();
    let changed = move || matches!(change.value().get(), Some(Ok(())));
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
        <section aria-labelledby="change-password" class="card">
            <h2 id="change-password">{td_string!(locale, change_password_title)}</h2>
            <ActionForm action=change attr:class="form" attr:novalidate=true>
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
                        {td_string!(locale, password_hint, min = me.min_password_len).to_string()}
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
                <ErrorMessage
                    error=Signal::derive(move || change.value().get().and_then(Result::err))
                    path={<ChangePassword as ServerFn>::PATH}
                />
                <Show when=changed>
                    <p class="message success" role="status">{td_string!(locale, password_changed)}</p>
                </Show>
                <button type="submit">{td_string!(locale, change_password_button)}</button>
            </ActionForm>
        </section>
    }
}
