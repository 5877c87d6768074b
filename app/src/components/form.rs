//! Every form that calls a server function. The form is plain HTML posted to the server
//! function's URL, so it works without wasm: server_fn answers a plain post with a
//! redirect back (errors ride in the query and `ErrorMessage` shows them), and the page
//! renders what happened from the flash (`crate::flash`).
//!
//! With wasm, one island on every page, `FormEnhancer`, posts these forms with `fetch`
//! instead: a refused form stays as it was typed, with the translated error in the
//! form's `ErrorMessage` slot; an accepted one follows the server's redirect, or reloads
//! the page, which the server renders afresh with the flash of what was done. One
//! listener on the document rather than an island per form: a thread page has two forms
//! per post, and each island would add its wrapper and props to the page.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Request header the enhancer sends, so the server records the flash for a form
/// submission (and not for other calls, such as the composer's live preview).
pub const FORM_HEADER: &str = "x-vaern-form";

/// A form posting to the server function `S`.
#[component]
pub fn Form<S>(
    /// Names the server function the form posts to.
    action: ServerAction<S>,
    #[prop(optional, into)] class: String,
    /// Leave checking to the server, whose messages are translated and in one place.
    #[prop(optional)]
    novalidate: bool,
    children: Children,
) -> impl IntoView
where
    S: ServerFn + 'static,
    S::Output: 'static,
{
    let _ = action;
    view! {
        <form method="post" action=S::PATH class=class novalidate=novalidate>
            {children()}
        </form>
    }
}

/// Posts every server-function form of the page with `fetch` (see the module comment).
/// Rendered once, by the layout.
#[island]
pub fn FormEnhancer() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    submit::listen();
}

/// The browser side: post with `fetch`, then follow, reload or show the error.
#[cfg(feature = "hydrate")]
mod submit {
    use super::FORM_HEADER;
    use crate::error::AppError;
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        FormData, HtmlElement, HtmlFormElement, RequestCredentials, RequestInit, Response,
        SubmitEvent, UrlSearchParams,
    };

    /// What the server said to a submission.
    enum Answer {
        /// Accepted; go there (the server function redirected) or reload.
        Done {
            location: Option<String>,
        },
        Refused(AppError),
    }

    /// Listens for submits on the whole document for as long as the page lives.
    pub fn listen() {
        let on_submit = Closure::<dyn FnMut(SubmitEvent)>::new(start);
        if document()
            .add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref())
            .is_ok()
        {
            // The page's lifetime: nothing would ever remove the listener.
            on_submit.forget();
        }
    }

    fn start(event: SubmitEvent) {
        let Some(form) = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        // Only forms that post to a server function; GET forms (filters) stay plain.
        let path = form.get_attribute("action").unwrap_or_default();
        if !path.starts_with("/rpc/") || !form.method().eq_ignore_ascii_case("post") {
            return;
        }
        event.prevent_default();
        if form.get_attribute("aria-busy").as_deref() == Some("true") {
            return;
        }
        let submitter = event
            .submitter()
            .and_then(|s| s.dyn_into::<HtmlElement>().ok());
        let _ = form.set_attribute("aria-busy", "true");
        leptos::task::spawn_local(async move {
            let answer = post(&form, submitter.as_ref(), &path).await;
            let refused = match answer {
                Ok(Answer::Done { location }) => {
                    let location_of_window = window().location();
                    // Stays busy: the page is about to be replaced.
                    let _ = match location {
                        Some(to) => location_of_window.set_href(&to),
                        None => location_of_window.reload(),
                    };
                    return;
                }
                Ok(Answer::Refused(err)) => err,
                Err(_) => AppError::Internal,
            };
            let _ = form.remove_attribute("aria-busy");
            show_error(&form, &path, &refused);
        });
    }

    async fn post(
        form: &HtmlFormElement,
        submitter: Option<&HtmlElement>,
        path: &str,
    ) -> Result<Answer, JsValue> {
        let data = FormData::new_with_form(form)?;
        // The button that submitted the form says what to do (`intent=preview`), as a
        // plain post would send it.
        if let Some(button) = submitter
            && let Some(name) = button.get_attribute("name")
        {
            data.append_with_str(&name, &button.get_attribute("value").unwrap_or_default())?;
        }
        let body = UrlSearchParams::new_with_str_sequence_sequence(&data)?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_credentials(RequestCredentials::SameOrigin);
        init.set_body(&JsValue::from(body.to_string()));
        let headers = web_sys::Headers::new()?;
        headers.set("Accept", "application/json")?;
        headers.set("Content-Type", "application/x-www-form-urlencoded")?;
        headers.set(FORM_HEADER, "1")?;
        init.set_headers(&headers);
        let response: Response = JsFuture::from(window().fetch_with_str_and_init(path, &init))
            .await?
            .dyn_into()?;
        if response.ok() {
            let location = response.headers().get("location")?;
            return Ok(Answer::Done { location });
        }
        let text = JsFuture::from(response.text()?)
            .await?
            .as_string()
            .unwrap_or_default();
        let err = serde_json::from_str::<AppError>(&text).unwrap_or(match response.status() {
            // Refused before any server function ran (body limit, origin check).
            400..=499 => AppError::BadRequest,
            _ => AppError::Internal,
        });
        Ok(Answer::Refused(err))
    }

    /// Writes the message into the `ErrorMessage` slot of this server function (in the
    /// form, else on the page), or at the end of the form if the page has none.
    fn show_error(form: &HtmlFormElement, path: &str, err: &AppError) {
        let selector = format!("[data-error-for=\"{path}\"]");
        let slot = form
            .query_selector(&selector)
            .ok()
            .flatten()
            .or_else(|| document().query_selector(&selector).ok().flatten());
        let slot = match slot {
            Some(slot) => slot,
            None => {
                // A form repeated per item has no slot of its own: make one, found
                // again by the next refusal.
                let Ok(slot) = document().create_element("div") else {
                    return;
                };
                let _ = slot.set_attribute("class", "error-slot");
                let _ = slot.set_attribute("data-error-for", path);
                let _ = form.append_child(&slot);
                slot
            }
        };
        let Ok(message) = document().create_element("p") else {
            return;
        };
        let _ = message.set_attribute("class", "message error");
        let _ = message.set_attribute("role", "alert");
        message.set_text_content(Some(&err.message(crate::locale::current())));
        slot.set_text_content(None);
        let _ = slot.append_child(&message);
    }
}
