//! Lines added and removed by a file edit, counted from what the payload
//! holds (never from the file on disk, which may have changed since).
//!
//! Claude Code's Edit, MultiEdit and Write responses carry a
//! `structuredPatch` (unified-diff hunks whose lines start with `+`, `-` or
//! a space); that is the exact answer and is used when present. Otherwise
//! the counts come from the edit itself: an `old_string` → `new_string`
//! replacement, less the lines the two share at their start and end.

use serde_json::Value;

/// `(additions, deletions)`.
pub type Counts = (u32, u32);

/// The counts of a `structuredPatch`, or `None` when `patch` is not an
/// array of hunks with `lines`.
pub fn from_structured_patch(patch: &Value) -> Option<Counts> {
    let hunks = patch.as_array()?;
    let mut counts = (0u32, 0u32);
    for hunk in hunks {
        for line in hunk.get("lines")?.as_array()? {
            match line.as_str()?.as_bytes().first() {
                Some(b'+') => counts.0 = counts.0.saturating_add(1),
                Some(b'-') => counts.1 = counts.1.saturating_add(1),
                _ => {}
            }
        }
    }
    Some(counts)
}

/// The number of lines in `text`: its newlines, plus one for a last line
/// without one.
pub fn lines(text: &str) -> u32 {
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    let partial = usize::from(!text.is_empty() && !text.ends_with('\n'));
    u32::try_from(newlines + partial).unwrap_or(u32::MAX)
}

/// The counts of replacing `old` by `new`: lines the two share at the start
/// and at the end are unchanged; the rest of `new` is added and the rest of
/// `old` removed. (One hunk, as an Edit is; a diff could find fewer for an
/// edit that keeps lines in its middle.)
pub fn replacement(old: &str, new: &str) -> Counts {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (
        count(new.len() - prefix - suffix),
        count(old.len() - prefix - suffix),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn structured_patch_lines_are_counted_by_their_sign() {
        let patch = json!([
            {"oldStart": 1, "oldLines": 2, "newStart": 1, "newLines": 3,
             "lines": [" keep", "-old", "+new", "+newer"]},
            {"oldStart": 9, "oldLines": 1, "newStart": 10, "newLines": 0, "lines": ["-gone"]}
        ]);
        assert_eq!(from_structured_patch(&patch), Some((2, 2)));
        assert_eq!(from_structured_patch(&json!([])), Some((0, 0)));
        assert_eq!(from_structured_patch(&json!({"lines": []})), None);
        assert_eq!(from_structured_patch(&json!([{"lines": [1]}])), None);
    }

    #[test]
    fn lines_count_a_last_line_without_newline() {
        assert_eq!(lines(""), 0);
        assert_eq!(lines("a"), 1);
        assert_eq!(lines("a\n"), 1);
        assert_eq!(lines("a\nb"), 2);
        assert_eq!(lines("\n\n"), 2);
    }

    #[test]
    fn replacement_leaves_out_shared_lines() {
        assert_eq!(replacement("a\nb\nc", "a\nB\nc"), (1, 1));
        assert_eq!(replacement("a", "a\nb\nc"), (2, 0));
        assert_eq!(replacement("a\nb\nc", ""), (0, 3));
        assert_eq!(replacement("x", "x"), (0, 0));
        // Shared start and end never overlap: "a" → "a\na" adds one line.
        assert_eq!(replacement("a", "a\na"), (1, 0));
    }
}
