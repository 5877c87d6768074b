//! A wide table inside a container that scrolls sideways on narrow screens. The
//! container is a labelled, focusable region, so that keyboard users can scroll it even
//! when the table holds nothing focusable (WCAG 2.1.1; axe `scrollable-region-focusable`).

use leptos::prelude::*;

#[component]
pub fn ScrollTable(
    /// What the table lists, read out when the region gets focus.
    #[prop(into)]
    label: String,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=label>
            {children()}
        </div>
    }
}
