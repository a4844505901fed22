//! Text from a log made safe to print on a terminal. Everything a log holds
//! is untrusted: `cat --pretty` rows and `check`'s reasons (which quote the
//! file) go through here.

/// `text` safe to print on a terminal: control characters (a newline
/// would forge a timeline row, ESC starts a terminal escape sequence, C1
/// controls too) and the bidirectional overrides that reorder what is
/// shown are written as `\u{…}` escapes (`\n`, `\t`, `\r` as such).
pub fn printable(text: &str) -> String {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod same_rule_as_the_page {
    /// The viewer's `printable` (www/printable.js) is tested against the
    /// same pairs (tests/e2e/viewer-model.test.js).
    #[test]
    fn escapes_the_shared_hostile_strings() {
        let cases: Vec<(String, String)> = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/printable.json"
        )))
        .unwrap();
        assert!(cases.len() > 5);
        for (input, shown) in cases {
            assert_eq!(super::printable(&input), shown, "{input:?}");
        }
    }
}
