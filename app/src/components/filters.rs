//! The parts of a list's filter form (a plain GET form, so a filtered list has an address
//! to share and works without wasm): selects, and the filter carried into the links to
//! other pages of the list and to its export; and the options of any select.

use leptos::prelude::*;

/// `<option>`s of `choices` ((value, text)), the one whose value is `selected` chosen.
pub fn options(choices: Vec<(String, String)>, selected: &str) -> impl IntoView + use<> {
    choices
        .into_iter()
        .map(|(value, text)| {
            let chosen = value == selected;
            view! { <option value=value selected=chosen>{text}</option> }
        })
        .collect_view()
}

/// A select of the filter: "any" first, then the choices, the current one selected.
pub fn filter_select(
    id: &'static str,
    name: &'static str,
    label: String,
    any: String,
    choices: Vec<(String, String)>,
    chosen: String,
) -> impl IntoView {
    let options = options(choices, &chosen);
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                <option value="">{any}</option>
                {options}
            </select>
        </div>
    }
}

/// Percent-encodes a query value (`amber+strict` must not arrive as a space).
pub fn encode_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `path` with the non-empty `fields` as its query (`/alerts?severity=high&tlp=amber`).
pub fn filtered_href(path: &str, fields: &[(&str, String)]) -> String {
    let query: Vec<String> = fields
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", encode_value(value)))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_are_encoded_for_the_next_page_link() {
        assert_eq!(encode_value("amber+strict"), "amber%2Bstrict");
        assert_eq!(encode_value("2025-01-31"), "2025-01-31");
        assert_eq!(encode_value("a b"), "a%20b");
    }

    #[test]
    fn a_filtered_address_carries_only_the_fields_that_filter() {
        let fields = [
            ("severity", "high".to_string()),
            ("status", String::new()),
            ("tlp", "amber+strict".to_string()),
        ];
        assert_eq!(
            filtered_href("/alerts", &fields),
            "/alerts?severity=high&tlp=amber%2Bstrict"
        );
        assert_eq!(filtered_href("/alerts", &[]), "/alerts");
    }
}
