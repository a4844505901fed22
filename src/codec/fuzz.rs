//! A bounded fuzz run of the codec, the input checks and the line reader, in
//! `cargo test` (256 cases each, a few seconds); a longer run is
//! `PROPTEST_CASES=200000 cargo test --release --lib fuzz` (`make fuzz`;
//! docs/format.md, "Hardening"). Each property is one way the checks could fail open or
//! panic on hostile input.

use proptest::prelude::*;

use crate::format::{parse_line, LineReader, RawLine};
use crate::input::event_from_json;
use crate::schema::{COMMON_FIELDS, EVENT_FIELDS, EVENT_TYPE_NAMES};

fn cases() -> ProptestConfig {
    ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(256),
    )
}

/// A JSON-ish value: nested, with the numbers and strings that trouble
/// readers (huge integers, escapes, lone surrogates).
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        "-?[1-9][0-9]{18,30}",
        any::<f64>().prop_map(|f| format!("{f:?}")),
        "\"([a-z]|\\\\u[dD][89abAB][0-9a-f]{2}|\\\\n|é|\\\\\")*\"",
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-c]", inner), 0..4).prop_map(|kv| {
                let body: Vec<String> = kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

/// An event object whose keys come from the real field names (and a few
/// others), with any values: most are refused, some are events.
fn event_text() -> impl Strategy<Value = String> {
    let mut names: Vec<&'static str> = COMMON_FIELDS.iter().map(|f| f.name).collect();
    names.extend(
        EVENT_FIELDS
            .iter()
            .flat_map(|fields| fields.iter().map(|f| f.name)),
    );
    names.extend(["type", "meta", "sequence_no", "extra"]);
    let type_name = prop::sample::select(EVENT_TYPE_NAMES.to_vec());
    let pairs = prop::collection::vec((prop::sample::select(names), value()), 0..10);
    (type_name, pairs, any::<bool>()).prop_map(|(t, pairs, common)| {
        let mut body = vec![format!("\"type\":\"{t}\"")];
        if common {
            body.push(
                r#""session_id":"s","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h""#
                    .into(),
            );
        }
        body.extend(pairs.iter().map(|(k, v)| format!("\"{k}\":{v}")));
        format!("{{{}}}", body.join(","))
    })
}

/// A stored line: the ids, time and number every stored event has, the
/// rest as [`event_text`] makes it.
fn stored_text() -> impl Strategy<Value = String> {
    event_text().prop_map(|text| {
        format!(
            r#"{{"event_id":"e","timestamp":"t","sequence_no":1,"trace_id":"t","span_id":"s",{}"#,
            &text[1..]
        )
    })
}

proptest! {
    #![proptest_config(cases())]

    /// Whatever the text, the checks answer without panicking; what they
    /// accept is stored as a line that reads back as the same event.
    #[test]
    fn fuzz_input_checks_accept_only_what_reads_back(text in event_text()) {
        if let Ok(event) = event_from_json(&text) {
            let mut line = Vec::new();
            crate::codec::write_event(&mut line, &event);
            prop_assert_eq!(parse_line(&line).unwrap(), event);
        }
    }

    /// The differential target: any event-shaped text is read by the codec
    /// as serde's derive reads it (an event, or an error from both), but for
    /// the duplicate keys and numeric type tags the codec refuses on purpose.
    #[test]
    fn fuzz_the_reader_agrees_with_the_derive(text in stored_text()) {
        let real = crate::codec::read_event(&text);
        let oracle = serde_json::from_str::<super::oracle::types::SessionEvent>(&text);
        match (&real, &oracle) {
            (Ok(r), Ok(o)) => prop_assert_eq!(format!("{r:?}"), format!("{o:?}")),
            (Err(_), Err(_)) => {}
            (Err(e), Ok(_)) if e.reason().contains("appears twice") => {}
            _ => prop_assert!(false, "{}: codec {:?}, derived {:?}", text, real, oracle.map_err(|e| e.to_string())),
        }
    }

    /// Arbitrary bytes: no panic from the input checks or the line parser.
    #[test]
    fn fuzz_arbitrary_bytes_are_refused_or_read(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_line(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = event_from_json(text);
        }
    }

    /// An integer the strict reader accepts is kept exactly: in 64 bits,
    /// or as the double whose shortest digits it is.
    #[test]
    fn fuzz_big_integers_are_refused_or_kept(digits in "-?[1-9][0-9]{0,30}") {
        let mut reader = crate::json::Reader::new(&digits);
        reader.strict(Some(""));
        if let Ok(value) = reader.value() {
            let exact = value.as_u64().map(|n| n.to_string())
                .or_else(|| value.as_i64().map(|n| n.to_string()));
            match exact {
                Some(text) => prop_assert_eq!(text, digits),
                None => {
                    let f = value.as_f64().unwrap();
                    let back: f64 = digits.parse().unwrap();
                    prop_assert_eq!(f, back);
                    // The shortest digits of `f`, padded with zeros, are the text.
                    let shortest = format!("{:e}", f.abs());
                    let (mantissa, exp) = shortest.split_once('e').unwrap();
                    let mut expect: String = mantissa.chars().filter(|c| *c != '.').collect();
                    let width = exp.parse::<usize>().unwrap() + 1;
                    while expect.len() < width {
                        expect.push('0');
                    }
                    prop_assert_eq!(expect, digits.trim_start_matches('-'));
                }
            }
        }
    }

    /// The line reader, fed in chunks of any size, returns the input cut at
    /// its `\n`s: lines within the limit whole, longer ones by length, the
    /// rest as a tail; nothing lost, nothing invented.
    #[test]
    fn fuzz_line_reader_splits_exactly(
        bytes in prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'x'), any::<u8>()], 0..400),
        max in 1usize..40,
        chunk in 1usize..50,
    ) {
        struct Chunked<'a>(&'a [u8], usize);
        impl std::io::Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut reader = LineReader::new(Chunked(&bytes, chunk), max);
        let mut at = 0usize;
        while let Some(line) = reader.next_line().unwrap() {
            match line {
                RawLine::Complete(l) => {
                    prop_assert!(l.len() <= max);
                    prop_assert_eq!(l, &bytes[at..at + l.len()]);
                    prop_assert_eq!(bytes[at + l.len()], b'\n');
                    at += l.len() + 1;
                }
                RawLine::TooLong(n) => {
                    let n = n as usize;
                    prop_assert!(n > max);
                    prop_assert!(!bytes[at..at + n].contains(&b'\n'));
                    prop_assert_eq!(bytes[at + n], b'\n');
                    at += n + 1;
                }
                RawLine::Tail(n) => {
                    prop_assert!(!bytes[at..].contains(&b'\n'));
                    prop_assert_eq!(n as usize, bytes.len() - at);
                    at = bytes.len();
                }
            }
        }
        prop_assert_eq!(at, bytes.len());
    }
}
