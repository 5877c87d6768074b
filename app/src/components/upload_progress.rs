//! A progress bar for a library upload form. Without wasm the form posts as it is and the
//! browser shows its own progress; with wasm this island sends the same multipart body
//! with `XMLHttpRequest` (whose upload reports progress, which `fetch` does not), shows
//! how much has gone, and then goes where the server's answer went: the document, the
//! folder, or the form's page with the refusal in the address, exactly as after a plain
//! post.

use crate::i18n::*;
use crate::locale::use_locale;
use leptos::prelude::*;

/// The bar for the form with id `form_id`; hidden until that form is sent.
#[island]
pub fn UploadProgress(form_id: String) -> impl IntoView {
    let locale = use_locale();
    let (percent, set_percent) = signal(None::<u32>);
    let (failed, set_failed) = signal(false);
    #[cfg(feature = "hydrate")]
    send::listen(&form_id, set_percent, set_failed);
    #[cfg(not(feature = "hydrate"))]
    let _ = (form_id, set_percent, set_failed);
    let label = move || match percent.get() {
        Some(p) => td_string!(locale, library_upload_progress, percent = p).to_string(),
        None => String::new(),
    };
    view! {
        <div class="upload-progress" aria-live="polite" hidden=move || percent.get().is_none() && !failed.get()>
            <Show when=move || percent.get().is_some()>
                <progress max="100" value=move || percent.get().unwrap_or(0) aria-label=label></progress>
                <span>{label}</span>
            </Show>
            <Show when=move || failed.get()>
                <p class="message error" role="alert">{td_string!(locale, library_upload_failed)}</p>
            </Show>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod send {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{FormData, HtmlFormElement, ProgressEvent, SubmitEvent, XmlHttpRequest};

    pub fn listen(form_id: &str, percent: WriteSignal<Option<u32>>, failed: WriteSignal<bool>) {
        let Some(form) = document()
            .get_element_by_id(form_id)
            .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let target = form.clone();
        let on_submit = Closure::<dyn FnMut(SubmitEvent)>::new(move |event: SubmitEvent| {
            if target.get_attribute("aria-busy").as_deref() == Some("true") {
                event.prevent_default();
                return;
            }
            // Anything this cannot do is left to the plain post.
            if send(&target, percent, failed).is_ok() {
                event.prevent_default();
                let _ = target.set_attribute("aria-busy", "true");
            }
        });
        if form
            .add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref())
            .is_ok()
        {
            // The form lives as long as the page.
            on_submit.forget();
        }
    }

    fn send(
        form: &HtmlFormElement,
        percent: WriteSignal<Option<u32>>,
        failed: WriteSignal<bool>,
    ) -> Result<(), wasm_bindgen::JsValue> {
        let data = FormData::new_with_form(form)?;
        let request = XmlHttpRequest::new()?;
        request.open("POST", &form.action())?;
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                percent.set(Some((e.loaded() / e.total() * 100.0).floor() as u32));
            }
        });
        request
            .upload()?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
        let finished = request.clone();
        let owner = form.clone();
        let on_load = Closure::<dyn FnMut()>::new(move || {
            // The answer followed the server's redirect: go where it went.
            let status = finished.status().unwrap_or(0);
            match finished.response_url() {
                url if !url.is_empty() && (200..400).contains(&status) => {
                    let _ = window().location().set_href(&url);
                }
                _ => {
                    let _ = owner.remove_attribute("aria-busy");
                    percent.set(None);
                    failed.set(true);
                }
            }
        });
        request.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();
        let owner = form.clone();
        let on_error = Closure::<dyn FnMut()>::new(move || {
            let _ = owner.remove_attribute("aria-busy");
            percent.set(None);
            failed.set(true);
        });
        request.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        percent.set(Some(0));
        failed.set(false);
        request.send_with_opt_form_data(Some(&data))
    }
}
