//! TLP 2.0 labels as people see them: the label's text and its badge.

use leptos::prelude::*;

/// The TLP labels, least strict first, in their stored form.
pub const TLPS: [&str; 5] = ["clear", "green", "amber", "amber+strict", "red"];

/// `TLP:AMBER+STRICT` for `amber+strict`.
pub fn tlp_text(tlp: &str) -> String {
    format!("TLP:{}", tlp.to_uppercase())
}

/// A TLP label as the standard's coloured badge (the text carries the meaning).
#[component]
pub fn TlpBadge(#[prop(into)] tlp: String) -> impl IntoView {
    let class = format!("tlp tlp-{}", tlp.replace('+', "-"));
    view! { <span class=class>{tlp_text(&tlp)}</span> }
}
