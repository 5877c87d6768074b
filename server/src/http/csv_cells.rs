//! What every CSV export shares: cells a spreadsheet would read as a formula (starting
//! with `=`, `+`, `-`, `@`, tab or CR) are prefixed with `'`, so text planted by an
//! attacker (an address, a detail, a sighting's description) never runs in the reader's
//! spreadsheet.

/// The cell as written: formula-looking text gets a leading apostrophe.
pub fn defused(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::defused;

    #[test]
    fn formula_looking_cells_are_defused_and_others_kept() {
        for risky in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defused(risky), format!("'{risky}"));
        }
        assert_eq!(defused("127.0.0.1"), "127.0.0.1");
        assert_eq!(defused(""), "");
    }
}
