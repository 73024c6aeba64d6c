//! Text from a file shown in an error message: short and on one line, so a
//! 10 MB cell or a terminal escape sequence in a data file cannot flood or
//! drive the user's terminal through an error.

use std::path::Path;

/// Characters of a cell, column name or label quoted in an error.
pub(crate) const EXCERPT_CHARS: usize = 40;

/// At most 40 characters of `text` (then `...`), control characters escaped.
pub fn excerpt(text: &str) -> String {
    excerpt_of(text, EXCERPT_CHARS)
}

/// At most `max_chars` characters of `text` as shown (then `...`), control
/// characters escaped; the escapes count towards the limit.
pub(crate) fn excerpt_of(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(4)));
    let mut shown = 0usize;
    for c in text.chars() {
        let escaped = c.is_control().then(|| c.escape_default());
        let width = escaped.clone().map_or(1, Iterator::count);
        if shown + width > max_chars {
            out.push_str("...");
            break;
        }
        shown += width;
        match escaped {
            Some(escape) => out.extend(escape),
            None => out.push(c),
        }
    }
    out
}

/// A path as the user gave it, with control characters escaped (never shortened).
pub(crate) fn shown(path: &Path) -> String {
    excerpt_of(&path.to_string_lossy(), usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        assert_eq!(excerpt("x1"), "x1");
        assert_eq!(excerpt("a\nb\u{1b}[31m\t"), "a\\nb\\u{1b}[31m\\t");
        let long = "é".repeat(100);
        assert_eq!(excerpt(&long), format!("{}...", "é".repeat(40)));
        assert_eq!(shown(Path::new("dir/a\nb.csv")), "dir/a\\nb.csv");
        // Escapes count: 100 NULs show as 8 `\u{0}` (40 characters), not 40 of them (200).
        assert_eq!(
            excerpt(&"\0".repeat(100)),
            format!("{}...", "\\u{0}".repeat(8))
        );
    }
}
