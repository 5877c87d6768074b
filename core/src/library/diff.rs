//! What changed between two versions of a text document, line by line: the changed
//! lines with a few unchanged ones around them, as the diff page shows them.

use similar::{Algorithm, ChangeTag, TextDiff};
use std::time::Duration;

/// Unchanged lines shown around each change.
pub const CONTEXT_LINES: usize = 3;

/// How long the search for the smallest difference may take. Past it the diff is still
/// correct, only less small: two hostile 100,000-character versions cannot hold a
/// worker for long.
const DEADLINE: Duration = Duration::from_millis(500);

/// What happened to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineChange {
    Same,
    Added,
    Removed,
}

/// One line of a diff, with its number in the older and the newer text (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub change: LineChange,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
    /// Without its line break.
    pub text: String,
}

/// The lines of one change and the context around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub lines: Vec<DiffLine>,
}

/// The difference between two texts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineDiff {
    /// Empty when the texts are the same.
    pub hunks: Vec<Hunk>,
    pub added: usize,
    pub removed: usize,
}

/// The lines that differ between `old` and `new`, grouped with their context.
pub fn line_diff(old: &str, new: &str) -> LineDiff {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(DEADLINE)
        .diff_lines(old, new);
    let mut result = LineDiff::default();
    for group in diff.grouped_ops(CONTEXT_LINES) {
        let mut lines = Vec::new();
        for op in &group {
            for change in diff.iter_changes(op) {
                let kind = match change.tag() {
                    ChangeTag::Equal => LineChange::Same,
                    ChangeTag::Insert => {
                        result.added += 1;
                        LineChange::Added
                    }
                    ChangeTag::Delete => {
                        result.removed += 1;
                        LineChange::Removed
                    }
                };
                let text = change.value();
                let text = text.strip_suffix('\n').unwrap_or(text);
                lines.push(DiffLine {
                    change: kind,
                    old_line: change.old_index().map(|i| i + 1),
                    new_line: change.new_index().map(|i| i + 1),
                    text: text.strip_suffix('\r').unwrap_or(text).to_string(),
                });
            }
        }
        result.hunks.push(Hunk { lines });
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn marked(diff: &LineDiff) -> Vec<String> {
        diff.hunks
            .iter()
            .flat_map(|h| &h.lines)
            .map(|l| {
                let mark = match l.change {
                    LineChange::Same => ' ',
                    LineChange::Added => '+',
                    LineChange::Removed => '-',
                };
                format!("{mark}{}", l.text)
            })
            .collect()
    }

    #[test]
    fn the_same_text_has_no_hunks() {
        let diff = line_diff("a\nb\n", "a\nb\n");
        assert!(diff.hunks.is_empty());
        assert_eq!((diff.added, diff.removed), (0, 0));
    }

    #[test]
    fn a_changed_line_is_removed_and_added_with_its_context_and_numbers() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfem\n6\n7\n8\n9\n";
        let diff = line_diff(old, new);
        assert_eq!(
            marked(&diff),
            [" 2", " 3", " 4", "-5", "+fem", " 6", " 7", " 8"]
        );
        assert_eq!((diff.added, diff.removed), (1, 1));
        let removed = &diff.hunks[0].lines[3];
        assert_eq!((removed.old_line, removed.new_line), (Some(5), None));
        let added = &diff.hunks[0].lines[4];
        assert_eq!((added.old_line, added.new_line), (None, Some(5)));
    }

    #[test]
    fn changes_far_apart_are_separate_hunks() {
        let old: String = (1..=30).map(|n| format!("{n}\n")).collect();
        let new = old
            .replace("\n2\n", "\nto\n")
            .replace("\n28\n", "\notteogtyve\n");
        assert_eq!(line_diff(&old, &new).hunks.len(), 2);
    }

    #[test]
    fn a_last_line_without_a_break_and_windows_breaks_compare_by_their_text() {
        let diff = line_diff("a\r\nb", "a\r\nc");
        assert_eq!(marked(&diff), [" a", "-b", "+c"]);
    }

    #[test]
    fn two_unrelated_versions_of_100_000_characters_differ_quickly() {
        // Every line differs: the worst case for the search, bounded by its deadline.
        let old: String = (0..20_000).map(|n| format!("{n:04}\n")).collect();
        let new: String = (0..20_000).map(|n| format!("{:04}\n", n * 7 + 3)).collect();
        assert!(old.len() >= 100_000 && new.len() >= 100_000);
        let started = Instant::now();
        let diff = line_diff(&old, &new);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        let shown: usize = diff.hunks.iter().map(|h| h.lines.len()).sum();
        assert!(shown <= 40_000 + 40_000);
        assert!(diff.added > 0 && diff.removed > 0);
    }
}
