//! The STIX pattern validator against the test cases of OASIS's reference validator,
//! `stix2-patterns` 2.1.2 (see tests/fixtures/stix-patterns/README.txt).
//!
//! Fixture formats:
//! - `valid.txt` and `invalid.txt`: one pattern per line, taken verbatim (leading and
//!   trailing spaces are part of the pattern). Empty lines and lines starting with `#`
//!   (which no valid or invalid case here starts with) are skipped; the `#` lines name
//!   the file and list in `stix2-patterns` each group was copied from.
//! - `checked-against-reference.jsonl`: JSON lines `{"pattern": "...", "valid": bool}`,
//!   so that patterns may contain newlines and other control characters. The verdicts
//!   are those of the reference validator, `stix2patterns.validator.validate(pattern,
//!   stix_version='2.1')`.

use std::path::PathBuf;

use vaern_core::stix::pattern::parse;

fn fixture(name: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests/fixtures/stix-patterns",
        name,
    ]
    .iter()
    .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The patterns of a one-pattern-per-line fixture, without comments and empty lines.
fn patterns(name: &str) -> Vec<String> {
    fixture(name)
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_valid_case_of_oasis_stix2_patterns_parses() {
    let cases = patterns("valid.txt");
    assert_eq!(cases.len(), 81, "valid.txt lost or gained cases");
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            parse(case)
                .err()
                .map(|e| format!("{case:?}\n    refused: {e}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} valid patterns were refused:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_invalid_case_of_oasis_stix2_patterns_is_refused() {
    let cases = patterns("invalid.txt");
    assert_eq!(cases.len(), 31, "invalid.txt lost or gained cases");
    let accepted: Vec<&String> = cases.iter().filter(|case| parse(case).is_ok()).collect();
    assert!(
        accepted.is_empty(),
        "{} of {} invalid patterns were accepted:\n{}",
        accepted.len(),
        cases.len(),
        accepted
            .iter()
            .map(|case| format!("{case:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_case_checked_against_the_reference_validator_gets_its_verdict() {
    let mut cases = 0;
    let mut failures = Vec::new();
    for (number, line) in fixture("checked-against-reference.jsonl")
        .lines()
        .enumerate()
    {
        let case: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {}: not JSON: {e}", number + 1));
        let pattern = case["pattern"].as_str().expect("a pattern string");
        let valid = case["valid"].as_bool().expect("a valid flag");
        cases += 1;
        match (valid, parse(pattern)) {
            (true, Err(e)) => failures.push(format!(
                "line {}: {pattern:?}\n    refused: {e}",
                number + 1
            )),
            (false, Ok(())) => {
                failures.push(format!("line {}: {pattern:?}\n    accepted", number + 1))
            }
            _ => {}
        }
    }
    assert!(
        cases > 700,
        "checked-against-reference.jsonl lost cases: {cases}"
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} patterns disagree with the reference validator:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_refusal_of_an_invalid_case_points_inside_the_pattern() {
    for case in patterns("invalid.txt") {
        let e = parse(&case).expect_err(&case);
        assert!(
            e.offset <= case.len(),
            "{case:?}: offset {} is past the end",
            e.offset
        );
        assert!(
            case.is_char_boundary(e.offset),
            "{case:?}: offset {} splits a character",
            e.offset
        );
        assert!(!e.message.is_empty(), "{case:?}: empty message");
    }
}
