use super::*;

fn words(list: &[&str]) -> Vec<Either> {
    list.iter()
        .map(|w| Either(vec![Text::Word((*w).to_string())]))
        .collect()
}

#[test]
fn plain_words_are_all_required() {
    let parsed = parse("phishing  kommune");
    assert_eq!(parsed.required, words(&["phishing", "kommune"]));
    assert!(parsed.hints.is_empty());
}

#[test]
fn quoted_words_are_a_phrase_and_a_minus_excludes() {
    let parsed = parse("\"kritisk sårbarhed\" -test -\"falsk alarm\"");
    assert_eq!(
        parsed.required,
        vec![Either(vec![Text::Phrase("kritisk sårbarhed".into())])]
    );
    assert_eq!(
        parsed.excluded,
        vec![
            Text::Word("test".into()),
            Text::Phrase("falsk alarm".into())
        ]
    );
}

#[test]
fn or_joins_its_neighbours_into_one_alternative() {
    let parsed = parse("ransomware citrix OR fortinet OR \"palo alto\"");
    assert_eq!(
        parsed.required,
        vec![
            Either(vec![Text::Word("ransomware".into())]),
            Either(vec![
                Text::Word("citrix".into()),
                Text::Word("fortinet".into()),
                Text::Phrase("palo alto".into()),
            ]),
        ]
    );
    // A lower-case "or" is a word, and a leading OR joins nothing.
    assert_eq!(parse("OR a or b").required, words(&["a", "or", "b"]));
}

#[test]
fn filters_are_read_with_their_values() {
    let parsed = parse(
        "type:post TYPE:thread group:Referencegruppen tlp:amber+strict author:\"Anne  Hansen\" \
         org:751 after:2026-01-01 before:2026-02-01 backup",
    );
    let f = &parsed.filters;
    assert_eq!(f.kinds, vec![Kind::Post, Kind::Thread]);
    assert_eq!(f.groups, vec!["referencegruppen".to_string()]);
    assert_eq!(f.tlps, vec![Tlp::AmberStrict]);
    assert_eq!(f.authors, vec!["anne hansen".to_string()]);
    assert_eq!(f.orgs, vec!["751".to_string()]);
    assert_eq!(f.after, crate::clock::parse_date("2026-01-01"));
    assert_eq!(f.before, crate::clock::parse_date("2026-02-01"));
    assert_eq!(parsed.required, words(&["backup"]));
    assert!(parsed.hints.is_empty(), "{:?}", parsed.hints);
}

#[test]
fn an_unbalanced_quote_is_read_as_words_with_a_hint() {
    let parsed = parse("\"kritisk sårbarhed");
    assert_eq!(parsed.required, words(&["kritisk", "sårbarhed"]));
    assert_eq!(parsed.hints, vec![Hint::UnbalancedQuote]);
}

#[test]
fn an_unknown_field_is_read_as_its_value_with_a_hint() {
    let parsed = parse("foo:bar");
    assert_eq!(parsed.required, words(&["bar"]));
    assert_eq!(parsed.hints, vec![Hint::UnknownField("foo".into())]);
}

#[test]
fn urls_ipv6_addresses_and_times_are_words_not_fields() {
    for q in ["https://evil.example.com/x", "fe80::1", "10:30"] {
        let parsed = parse(q);
        assert_eq!(parsed.required, words(&[q]), "{q}");
        assert!(parsed.hints.is_empty(), "{q}: {:?}", parsed.hints);
    }
}

#[test]
fn a_bad_filter_value_is_left_out_with_a_hint() {
    let parsed = parse("tlp:purple type:memo after:igår backup");
    assert!(parsed.filters.is_empty());
    assert_eq!(parsed.hints.len(), 3);
    assert_eq!(parsed.required, words(&["backup"]));
}

#[test]
fn only_operators_leave_nothing_to_search() {
    for q in ["-", "OR", "\"\"", "- OR -", "***", "-phishing"] {
        let parsed = parse(q);
        assert!(!parsed.is_searchable(), "{q}");
        assert!(
            parsed.hints.contains(&Hint::NothingToSearch),
            "{q}: {:?}",
            parsed.hints
        );
    }
    assert!(parse("   ").hints.is_empty(), "an empty box is no mistake");
}

#[test]
fn long_queries_are_cut_and_control_characters_are_spaces() {
    let long = "a".repeat(MAX_QUERY_CHARS + 10);
    let parsed = parse(&long);
    assert!(parsed.hints.contains(&Hint::TooLong));
    assert_eq!(parse("back\u{0}up\u{7}").required, words(&["back", "up"]));
    let many = "ord ".repeat(MAX_CLAUSES + 5);
    let parsed = parse(&many);
    assert_eq!(parsed.required.len(), MAX_CLAUSES);
    assert!(parsed.hints.contains(&Hint::TooManyParts));
}

proptest::proptest! {
    #[test]
    fn parsing_never_panics_and_respects_its_limits(q in "\\PC{0,1500}|[\"\\-: a-zA-ZæøåÆØÅ0-9OR]{0,200}") {
        let parsed = parse(&q);
        proptest::prop_assert!(parsed.required.len() + parsed.excluded.len() <= MAX_CLAUSES);
    }
}
