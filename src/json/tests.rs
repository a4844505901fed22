//! The codec against serde_json with the crate's serde impls: the same
//! bytes written, the same results (or both an error) read.

use serde_json::Value;

use super::codec;
use crate::event::SessionEvent;
use crate::event_serde::tests::{oracle_samples, raw_of, real_samples, variations, Raw};
use crate::event_serde::EventInput;

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn same<T: std::fmt::Debug, E: std::fmt::Display>(
    what: &str,
    text: &str,
    codec: Result<T, String>,
    serde: Result<T, E>,
) {
    match (codec, serde) {
        (Ok(c), Ok(s)) => assert_eq!(format!("{c:?}"), format!("{s:?}"), "{what} {text:?}"),
        (Err(_), Err(_)) => {}
        (c, s) => panic!(
            "{what} {text:?}: codec {:?}, serde_json {:?}",
            c.map(|_| ()),
            s.map(|_| ()).map_err(|e| e.to_string())
        ),
    }
}

/// Every way the codec reads `text`, against serde_json.
fn compare(text: &str) {
    same(
        "event",
        text,
        codec::read_event(text),
        serde_json::from_str::<SessionEvent>(text),
    );
    let input = codec::read_input(text);
    let serde_input = serde_json::from_str::<EventInput>(text).map(|i| i.0);
    match (input, serde_input) {
        (Ok(mut c), Ok(mut s)) => {
            // Filled ids and times are random: equal when given.
            for (c, s) in [
                (&mut c.event_id, &mut s.event_id),
                (&mut c.timestamp, &mut s.timestamp),
                (&mut c.trace_id, &mut s.trace_id),
                (&mut c.span_id, &mut s.span_id),
            ] {
                if c != s {
                    *c = String::new();
                    *s = String::new();
                }
            }
            assert_eq!(format!("{c:?}"), format!("{s:?}"), "input {text:?}");
        }
        (Err(_), Err(_)) => {}
        // On purpose: the codec reads an event to append's `meta` strictly
        // (a duplicate key or an integer a double rounds is refused, see
        // `strict_input_is_refused_by_name`); serde_json cannot see either.
        (Err(e), Ok(_)) if e.starts_with("field `meta") => {}
        (c, s) => panic!(
            "input {text:?}: codec {:?}, serde_json {:?}",
            c.map(|_| ()),
            s.map(|_| ()).map_err(|e| e.to_string())
        ),
    }
    same(
        "value",
        text,
        codec::read_value(text),
        serde_json::from_str::<Value>(text),
    );
    assert_eq!(
        codec::read_sequence_no(text),
        super::read_sequence_no(text),
        "sequence_no {text:?}"
    );
    let batch = format!("[{text}]");
    let codec_batch = codec::read_inputs(&batch);
    let serde_batch = serde_json::from_str::<Vec<EventInput>>(&batch);
    let strict = matches!(&codec_batch, Err(e) if e.starts_with("field `meta"));
    if !strict {
        assert_eq!(codec_batch.is_ok(), serde_batch.is_ok(), "batch {batch:?}");
    }
}

#[test]
fn writes_what_serde_json_writes() {
    for event in real_samples() {
        let mut line = Vec::new();
        codec::write_event(&mut line, &event);
        let expected = serde_json::to_vec(&event).unwrap();
        assert_eq!(
            String::from_utf8(line).unwrap(),
            String::from_utf8(expected).unwrap()
        );
        let meta = event.meta.clone().unwrap_or(Value::Null);
        let mut out = Vec::new();
        codec::write_value(&mut out, &meta);
        assert_eq!(out, serde_json::to_vec(&meta).unwrap());
    }
    // Every byte value and some characters that serde_json leaves alone.
    let all: String = (0u8..=127)
        .map(char::from)
        .chain("é\u{2028}\u{7f}🦀".chars())
        .collect();
    let mut out = Vec::new();
    codec::write_str(&mut out, &all);
    assert_eq!(out, serde_json::to_vec(&all).unwrap());
}

#[test]
fn floats_are_written_as_serde_json_writes_them() {
    let mut special = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1,
        0.5,
        1.5,
        1e15,
        1e16,
        1e17,
        1e21,
        1e22,
        1e-5,
        1e-6,
        1e-7,
        123456789012345680000.0,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        9007199254740993.0,
    ];
    for e in -330..=310 {
        special.push(10f64.powi(e));
        special.push(-(2f64.powi(e.clamp(-1074, 1023))));
        special.push(1.5 * 10f64.powi(e));
    }
    for i in 0..2000u64 {
        special.push(i as f64);
        special.push(i as f64 / 7.0);
        special.push((1u64 << 53) as f64 + i as f64 * 2.0);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..300_000 {
        special.push(f64::from_bits(rng.next()));
    }
    for f in special {
        let mut out = Vec::new();
        codec::write_f64(&mut out, f);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&f).unwrap(),
            "{f:e} ({:#x})",
            f.to_bits()
        );
    }
}

#[test]
fn numbers_are_read_as_serde_json_reads_them() {
    let lexemes = [
        "0",
        "-0",
        "1",
        "-1",
        "01",
        "-01",
        "1.",
        "-",
        ".5",
        "1e",
        "1e+",
        "1E5",
        "1e-5",
        "+1",
        "0.0",
        "-0.0",
        "1.5",
        "1.0e0",
        "0e0",
        "0e-0",
        "-0e5",
        "1e308",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "1e309",
        "-1e309",
        "1e-400",
        "-1e-400",
        "0e400",
        "4.9e-324",
        "2.4e-324",
        "1e-330",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999999",
        "99999999999999999999999.5",
        "99999999999999999999999e5",
        "0.000000000000000000000001",
        "1.00000000000000000000000001",
        "123456789012345678901234567890e-30",
        "12345678901234567890.123e-2",
        "1e2147483647",
        "1e2147483648",
        "0e2147483648",
        "1e-2147483648",
        "1e-2147483649",
        "0.1e99999999999",
        "1e-99999999999",
        "1.e5",
        "1e5.5",
        "9007199254740993",
        "0.30000000000000004",
        "2.2250738585072011e-308",
        "1x",
        "1 ",
        " 1",
        "1,",
    ];
    for lexeme in lexemes {
        compare(lexeme);
        let text = format!(r#"{{"n":{lexeme}}}"#);
        same(
            "value",
            &text,
            codec::read_value(&text),
            serde_json::from_str::<Value>(&text),
        );
        let mut rng = Rng(7);
        // As a field of every kind, and ignored.
        for (name, ty) in [
            ("duration_ms", "agent.called_tool"),
            ("port", "agent.opened_port"),
            ("pid", "agent.started_process"),
            ("exit_code", "agent.completed_process"),
            ("confidence", "agent.decision"),
            ("sequence_no", "agent.note"),
            ("zzz", "agent.note"),
        ] {
            let text = format!(
                r#"{{"type":"{ty}","session_id":"s","event_id":"e","timestamp":"t","sequence_no":{},"trace_id":"t","span_id":"s","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h","tool_name":"x","port":80,"process_name":"p","{name}":{lexeme}}}"#,
                rng.below(100)
            );
            compare(&text);
        }
    }
}

#[test]
fn strings_are_read_as_serde_json_reads_them() {
    let bodies = [
        r"plain",
        r"\n\t\r\b\f\/\\\u0041",
        r"\u00e9\u2028",
        r"\ud83e\udd80",
        r"\ud83e",
        r"\ud83ex",
        r"\ud83e\u0041",
        r"\udd80",
        r"\ud83e\ud83e",
        r"\u12",
        r"\u12g4",
        r"\x",
        "raw\u{1}control",
        "tab\there",
        "é🦀",
        r"\",
    ];
    for body in bodies {
        for text in [
            format!(r#""{body}""#),
            format!(r#"{{"{body}":1}}"#),
            format!(r#"{{"type":"agent.note","text":"{body}"}}"#),
            format!(r#"{{"type":"agent.note","zzz":"{body}"}}"#),
            format!(r#"{{"type":"agent.note","zzz":{{"{body}":1}}}}"#),
            format!(r#"{{"type":"agent.handoff","artifacts":{{"{body}":"{body}"}}}}"#),
            format!(r#"{{"type":"agent.handoff","artifacts":["{body}"]}}"#),
            format!(r#"{{"meta":["{body}"],"sequence_no":1}}"#),
        ] {
            compare(&text);
        }
    }
}

#[test]
fn nesting_is_limited_as_serde_json_limits_it() {
    for depth in [1, 100, 125, 126, 127, 128, 129, 200, 5000] {
        let open = "[".repeat(depth);
        let close = "]".repeat(depth);
        for text in [
            format!("{open}{close}"),
            format!(r#"{{"type":"agent.note","meta":{open}{close}}}"#),
            format!(r#"{{"type":"agent.note","zzz":{open}{close}}}"#),
            format!(r#"{{"type":"agent.handoff","artifacts":{open}{close}}}"#),
            format!(r#"{{"type":"agent.note","text":{open}{close}}}"#),
            format!(r#"{{"type":"agent.note","meta":{{"a":{open}{close}}}}}"#),
        ] {
            compare(&text);
        }
    }
}

/// Real lines and inputs, damaged at random: each damaged text is read by
/// both and must give the same.
#[test]
fn damaged_lines_are_read_as_serde_json_reads_them() {
    let mut bases: Vec<String> = Vec::new();
    for event in oracle_samples() {
        let value = serde_json::to_value(&event).unwrap();
        bases.push(value.to_string());
        let input: Raw = raw_of(&value)
            .into_iter()
            .filter(|(k, _)| k != "event_id" && k != "sequence_no")
            .collect();
        bases.extend(variations(&input, false).into_iter().step_by(7));
    }
    const PIECES: [&str; 24] = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\",
        "\\u",
        "n",
        "null",
        "true",
        "1",
        "-",
        ".",
        "e",
        "0",
        " ",
        "\n",
        "\u{1}",
        "é",
        "\"type\"",
        "\"agent.note\"",
        "9",
    ];
    let mut rng = Rng(12345);
    let mut count = 0;
    for base in &bases {
        compare(base);
        for _ in 0..12 {
            let mut text = base.clone();
            for _ in 0..=rng.below(3) {
                let mut at = rng.below(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match rng.below(3) {
                    0 => text.insert_str(at, PIECES[rng.below(PIECES.len())]),
                    1 => {
                        let mut end = (at + 1 + rng.below(4)).min(text.len());
                        while !text.is_char_boundary(end) {
                            end += 1;
                        }
                        text.replace_range(at..end, "");
                    }
                    _ => {
                        let mut end = (at + 1).min(text.len());
                        while !text.is_char_boundary(end) {
                            end += 1;
                        }
                        text.replace_range(at..end, PIECES[rng.below(PIECES.len())]);
                    }
                }
            }
            compare(&text);
            count += 1;
        }
    }
    assert!(count > 10_000, "{count}");
}

/// The oracle cases of `event_serde`: every field dropped, nulled, given
/// odd values, duplicated, reordered.
#[test]
fn the_oracle_cases_are_read_as_serde_json_reads_them() {
    for event in oracle_samples() {
        let value = serde_json::to_value(&event).unwrap();
        for text in variations(&raw_of(&value), true) {
            compare(&text);
        }
    }
    for text in [
        "", " ", "[]", "[{}]", "[1]", "{}", "null", "[", "{", "{\"a\"", "[,]", "[1,]",
    ] {
        compare(text);
    }
}

/// What an event to append may not hold, refused with the field named
/// where serde_json would change it without a word: a key the event does
/// not have, a duplicate key in `meta`, an integer beyond what a double
/// holds (also below -2^63). Stored lines stay readable as before.
#[test]
fn strict_input_is_refused_by_name() {
    let base = r#""type":"agent.called_tool","tool_name":"t","session_id":"s","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h""#;
    let cases = [
        (r#""duraton_ms":5"#, "unknown field `duraton_ms`"),
        (r#""port":5"#, "unknown field `port`"),
        (
            r#""meta":{"a":1,"a":2}"#,
            "field `meta.a`: the key appears twice",
        ),
        (
            r#""meta":{"x":[0,{"n":123456789012345678901234567890}]}"#,
            "field `meta.x[1].n`: the integer 123456789012345678901234567890 is beyond 64 bits",
        ),
        (
            r#""meta":-9223372036854775809"#,
            "field `meta`: the integer",
        ),
    ];
    for (extra, message) in cases {
        let text = format!("{{{base},{extra}}}");
        let err = codec::read_input(&text).unwrap_err();
        assert!(err.contains(message), "{text}: {err}");
        let err = crate::input::event_from_json(&text)
            .unwrap_err()
            .to_string();
        assert!(err.contains(message), "{text}: {err}");
    }
    // Kept exactly: 64-bit integers, and a double's own shortest digits.
    for (meta, stored) in [
        ("18446744073709551615", "18446744073709551615"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("18446744073709552000", "1.8446744073709552e+19"),
        ("100000000000000000000", "1e+20"),
        ("1.5", "1.5"),
    ] {
        let text = format!(r#"{{{base},"meta":{{"n":{meta}}}}}"#);
        let event = codec::read_input(&text).unwrap();
        let mut line = Vec::new();
        codec::write_event(&mut line, &event);
        let line = String::from_utf8(line).unwrap();
        assert!(
            line.contains(&format!(r#""meta":{{"n":{stored}}}"#)),
            "{line}"
        );
        crate::input::event_from_json(&text).unwrap();
    }
    // A stored line with an unknown key or a big integer still reads.
    let stored = format!(
        r#"{{{base},"event_id":"e","timestamp":"t","sequence_no":0,"trace_id":"t","span_id":"s","extra":1,"meta":{{"n":123456789012345678901234567890,"d":1,"d":2}}}}"#
    );
    codec::read_event(&stored).unwrap();
    crate::format::parse_line(stored.as_bytes()).unwrap();
    // A sequence_no given to append is ignored, not refused.
    codec::read_input(&format!(r#"{{{base},"sequence_no":7}}"#)).unwrap();
}
