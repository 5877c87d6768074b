//! `/admin/tokens`: API tokens for admins (every organisation) and organisation admins
//! (`taxii:read` tokens of their own organisation): the list with last use, creating a
//! token (its secret shown once), revoking.

use crate::api::tokens::{CreateToken, CreatedToken, RevokeToken, TokenView, Tokens, load_tokens};
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

#[component]
pub fn TokensPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=td_string!(locale, tokens_title) />
        {signed_in_view(move |_| view! { <TokensView /> })}
    }
}

#[component]
fn TokensView() -> impl IntoView {
    let locale = use_locale();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new_blocking(|| (), |_| load_tokens());
    page_of(
        tokens,
        td_string!(locale, tokens_title),
        None,
        move |tokens| {
            view! {
                <h1>{td_string!(locale, tokens_title)}</h1>
                <p>{td_string!(locale, tokens_intro)}</p>
                <CreateForm tokens=tokens.clone() action=create />
                <TokenTable tokens action=revoke />
            }
        },
    )
}

fn scope_label(locale: Locale, scope: &str) -> String {
    match scope {
        "stix:write" => td_string!(locale, scope_stix_write),
        _ => td_string!(locale, scope_taxii_read),
    }
    .to_string()
}

#[component]
fn CreateForm(tokens: Tokens, action: ServerAction<CreateToken>) -> impl IntoView {
    let locale = use_locale();
    let result = {
        let created = flash::output::<CreatedToken>(<CreateToken as ServerFn>::PATH);
        created.map(|created| {
            let id = created.id;
            let intro = td_string!(locale, token_created, id = id, org = created.org_name.as_str())
                .to_string();
            view! {
                <div class="message success" role="status">
                    <p>{intro}</p>
                    <p>
                        <span class="visually-hidden">{td_string!(locale, token_secret_label)} ": "</span>
                        <code class="secret" translate="no">{created.secret}</code>
                    </p>
                </div>
            }
        })
    };
    let scopes = tokens
        .scopes
        .into_iter()
        .map(|scope| {
            // The checkbox's name is the server function's argument.
            let name = if scope == "stix:write" {
                "stix_write"
            } else {
                "taxii_read"
            };
            let id = format!("token-scope-{name}");
            let checked = scope == "taxii:read";
            view! {
                <div class="field checkbox">
                    <input id=id.clone() name=name type="checkbox" checked=checked />
                    <label for=id>{scope_label(locale, &scope)}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="create-token" class="card">
            <h2 id="create-token">{td_string!(locale, token_create_title)}</h2>
            <Form action class="form" novalidate=true>
                <div class="field">
                    <label for="token-org">{td_string!(locale, token_org)}</label>
                    <select id="token-org" name="org" required>
                        {tokens
                            .orgs
                            .into_iter()
                            .map(|org| view! { <option value=org.code>{org.name}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="token-name">{td_string!(locale, token_name)}</label>
                    <input
                        id="token-name"
                        name="name"
                        type="text"
                        maxlength="100"
                        autocomplete="off"
                        aria-describedby="token-name-hint"
                    />
                    <p id="token-name-hint" class="hint">{td_string!(locale, token_name_hint)}</p>
                </div>
                <fieldset class="field">
                    <legend>{td_string!(locale, token_scopes)}</legend>
                    {scopes}
                </fieldset>
                <div class="field">
                    <label for="token-expires">{td_string!(locale, token_expires)}</label>
                    <input
                        id="token-expires"
                        name="expires"
                        type="date"
                        aria-describedby="token-expires-hint"
                    />
                    <p id="token-expires-hint" class="hint">{td_string!(locale, token_expires_hint)}</p>
                </div>
                <ErrorMessage
                    path={<CreateToken as ServerFn>::PATH}
                />
                <button type="submit">
                    {td_string!(locale, token_create_button)}
                </button>
            </Form>
            {result}
        </section>
    }
}

#[component]
fn TokenTable(tokens: Tokens, action: ServerAction<RevokeToken>) -> impl IntoView {
    let locale = use_locale();
    let list = if tokens.tokens.is_empty() {
        Either::Left(view! { <p>{td_string!(locale, no_tokens)}</p> })
    } else {
        let rows = tokens
            .tokens
            .into_iter()
            .map(|token| view! { <TokenRow token action /> })
            .collect_view();
        Either::Right(view! {
            <ScrollTable label=td_string!(locale, tokens_list_title)>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{td_string!(locale, token_col_id)}</th>
                            <th scope="col">{td_string!(locale, token_org)}</th>
                            <th scope="col">{td_string!(locale, token_col_name)}</th>
                            <th scope="col">{td_string!(locale, token_scopes)}</th>
                            <th scope="col">{td_string!(locale, token_col_created)}</th>
                            <th scope="col">{td_string!(locale, token_col_expires)}</th>
                            <th scope="col">{td_string!(locale, token_col_last_used)}</th>
                            <th scope="col">{td_string!(locale, token_col_status)}</th>
                            <th scope="col">{td_string!(locale, person_actions)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </ScrollTable>
        })
    };
    view! {
        <section aria-labelledby="token-list">
            <h2 id="token-list">{td_string!(locale, tokens_list_title)}</h2>
            <ErrorMessage path={<RevokeToken as ServerFn>::PATH} />
            {list}
        </section>
    }
}

#[component]
fn TokenRow(token: TokenView, action: ServerAction<RevokeToken>) -> impl IntoView {
    let locale = use_locale();
    let id = token.id;
    // The button names its token, so that screen-reader users can tell them apart.
    let mut label = td_string!(locale, token_revoke_label, id = id).to_string();
    if !token.name.is_empty() {
        label = format!("{label} ({})", token.name);
    }
    let status = match (&token.revoked, token.expired) {
        (Some(at), _) => td_string!(locale, token_revoked, at = at.as_str()).to_string(),
        (None, true) => td_string!(locale, token_expired).to_string(),
        (None, false) => td_string!(locale, token_active).to_string(),
    };
    let revoke = token.revocable.then(|| {
        view! {
            <Form action class="inline-form">
                <input type="hidden" name="id" value=id />
                <button type="submit" class="secondary" aria-label=label>
                    {td_string!(locale, token_revoke_button)}
                </button>
            </Form>
        }
    });
    let scopes = token
        .scopes
        .iter()
        .map(|s| view! { <code translate="no">{s.clone()}</code> " " })
        .collect_view();
    view! {
        <tr>
            <td>{format!("#{id}")}</td>
            <td>{token.org_name.clone()}</td>
            <td>{if token.name.is_empty() { "–".to_string() } else { token.name.clone() }}</td>
            <td>{scopes}</td>
            <td>{token.created.clone()}</td>
            <td>
                {token
                    .expires
                    .clone()
                    .unwrap_or_else(|| td_string!(locale, token_no_expiry).to_string())}
            </td>
            <td>
                {token
                    .last_used
                    .clone()
                    .unwrap_or_else(|| td_string!(locale, token_never).to_string())}
            </td>
            <td>{status}</td>
            <td class="actions">{revoke}</td>
        </tr>
    }
}
