//! Events from stdin, one JSON value at a time.
//!
//! `producer | sessiontrail append DIR` may be fed anything, of any size; the
//! batch is all or nothing, so every event must be read and checked before
//! the log is touched. Reading all of stdin into one string first made 100
//! MB of input cost 3 GB of memory. This reader finds where each JSON value
//! ends without parsing it (bracket depth, strings and their escapes), hands
//! that text to the strict event reader (`event_from_json`), and refuses a
//! value longer than the line limit as soon as it passes it, without
//! reading the rest. What the log holds at once is the parsed events.

use std::io::BufRead;

/// Splits a byte stream into the texts of its top-level JSON values.
pub struct JsonTexts<R> {
    input: R,
    max: usize,
}

/// Why a value could not be taken from the stream.
pub enum TextError {
    /// Reading stdin failed.
    Read(std::io::Error),
    /// The value has more than `max` bytes (only that much was read).
    TooLong,
    /// The value is not UTF-8.
    NotUtf8,
}

impl<R: BufRead> JsonTexts<R> {
    /// `max` bounds each value's text, in bytes.
    pub fn new(input: R, max: usize) -> Self {
        JsonTexts { input, max }
    }

    /// The next value's text, or `None` at the end of the input.
    pub fn next_text(&mut self) -> Result<Option<String>, TextError> {
        let mut text: Vec<u8> = Vec::new();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut scalar = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(TextError::Read(e)),
            };
            if buf.is_empty() {
                break;
            }
            let mut used = 0;
            let mut done = false;
            for &b in buf {
                if text.is_empty() && !in_string && b.is_ascii_whitespace() {
                    used += 1;
                    continue;
                }
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            // A top-level string ends here.
                            text.push(b);
                            used += 1;
                            done = true;
                            break;
                        }
                    }
                } else if scalar {
                    // A number or a literal ends at whitespace or structure.
                    if b.is_ascii_whitespace() || b"{}[],:\"".contains(&b) {
                        done = true;
                        break;
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth = depth.saturating_sub(1),
                        _ if text.is_empty() && !b",:".contains(&b) => scalar = true,
                        _ => {}
                    }
                }
                text.push(b);
                used += 1;
                if text.len() > self.max {
                    return Err(TextError::TooLong);
                }
                let closed = !in_string && !scalar && depth == 0;
                if closed {
                    // A bracket closed the value, or a lone `}` `]` `,` `:`
                    // makes a one-byte text the parser refuses by name.
                    done = true;
                    break;
                }
            }
            self.input.consume(used);
            if done {
                break;
            }
        }
        if text.is_empty() {
            return Ok(None);
        }
        String::from_utf8(text)
            .map(Some)
            .map_err(|_| TextError::NotUtf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str, max: usize) -> Vec<String> {
        let mut r = JsonTexts::new(input.as_bytes(), max);
        let mut out = Vec::new();
        loop {
            match r.next_text() {
                Ok(Some(t)) => out.push(t),
                Ok(None) => return out,
                Err(TextError::TooLong) => {
                    out.push("<too long>".into());
                    return out;
                }
                Err(_) => {
                    out.push("<error>".into());
                    return out;
                }
            }
        }
    }

    #[test]
    fn values_are_split_where_they_end() {
        assert_eq!(
            texts(
                r#" {"a":"}{\"","b":[1,{}]}{"c":1}  [2] "s\"" 12 true}"#,
                100
            ),
            [
                r#"{"a":"}{\"","b":[1,{}]}"#,
                r#"{"c":1}"#,
                "[2]",
                r#""s\"""#,
                "12",
                "true",
                "}"
            ]
        );
        assert_eq!(texts("  \n ", 100), Vec::<String>::new());
        assert_eq!(texts(r#"{"a":1"#, 100), [r#"{"a":1"#]);
    }

    #[test]
    fn a_value_over_the_limit_is_refused_without_reading_it_whole() {
        let mut input = String::from(r#"{"ok":1} {"big":""#);
        input.push_str(&"x".repeat(10_000));
        input.push_str("\"}");
        assert_eq!(texts(&input, 100), [r#"{"ok":1}"#, "<too long>"]);
    }
}
