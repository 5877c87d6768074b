//! The browser entry: hydrates the islands of the server-rendered page (the rest of the
//! page is plain HTML and ships no code).

// wasm-bindgen's export macro expands to unsafe code.
#[allow(unsafe_code)]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::hydrate_islands();
}
