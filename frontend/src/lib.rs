//! The hydrate entry: mounts `app::App` over the server-rendered page.

// wasm-bindgen's export macro expands to unsafe code.
#[allow(unsafe_code)]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
