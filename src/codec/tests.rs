//! The codec against the oracle (`oracle.rs`: serde's derives of the
//! original types, read and written by serde_json): the same bytes written;
//! for every text read, the same event or both an error, with the
//! differences this crate chose named and asserted where they are allowed.

use serde::Deserialize;
use serde_json::Value;

use super::oracle::{oracle_samples, real_samples, types as oracle};
use crate::codec;
use crate::json::{self, Reader};
use crate::schema::{EventType, SessionEvent, EVENT_FIELDS, EVENT_TYPE_NAMES};

/// A small deterministic generator (xorshift).
pub(crate) struct Rng(pub u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn line_of(event: &SessionEvent) -> String {
    let mut line = Vec::new();
    codec::write_event(&mut line, event);
    String::from_utf8(line).unwrap()
}

#[test]
fn writes_the_bytes_the_derive_wrote() {
    let (real, oracle) = (real_samples(), oracle_samples());
    assert_eq!(real.len(), oracle.len());
    let mut seen_types = std::collections::BTreeSet::new();
    for (r, o) in real.iter().zip(&oracle) {
        // The same event in both type worlds.
        assert_eq!(format!("{r:?}"), format!("{o:?}"));
        seen_types.insert(r.event_type.name());
        let line = line_of(r);
        assert_eq!(line, serde_json::to_string(o).unwrap());
        // The serde adapters write the same through serde_json.
        assert_eq!(line, serde_json::to_string(r).unwrap());
        assert_eq!(
            serde_json::to_string_pretty(r).unwrap(),
            serde_json::to_string_pretty(o).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&r.event_type).unwrap(),
            serde_json::to_string(&o.event_type).unwrap()
        );
        // And reads back to itself, directly and through serde.
        assert_eq!(&codec::read_event(&line).unwrap(), r);
        assert_eq!(&serde_json::from_str::<SessionEvent>(&line).unwrap(), r);
        let alone = serde_json::to_string(&r.event_type).unwrap();
        assert_eq!(
            serde_json::from_str::<EventType>(&alone).unwrap(),
            r.event_type
        );
        // `meta` is written as serde_json writes a value.
        let meta = r.meta.clone().unwrap_or(Value::Null);
        assert_eq!(json::value_to_string(&meta), meta.to_string());
    }
    assert_eq!(seen_types.len(), EVENT_TYPE_NAMES.len());
    // Every byte value and some characters that serde_json leaves alone.
    let all: String = (0u8..=127)
        .map(char::from)
        .chain("é\u{2028}\u{7f}🦀".chars())
        .collect();
    let mut out = Vec::new();
    json::write_str(&mut out, &all);
    assert_eq!(out, serde_json::to_vec(&all).unwrap());
}

/// Random events, written by both: random strings (control characters,
/// quotes, non-ASCII), numbers at their kinds' limits, floats of every
/// magnitude.
#[test]
fn random_events_are_written_as_the_derive_wrote_them() {
    let mut rng = Rng(0xDEAD_BEEF_1234_5678);
    const CHARS: [&str; 10] = [
        "a", "\"", "\\", "\n", "\u{1}", "\u{1f}", "é", "🦀", "\u{2028}", " ",
    ];
    for _ in 0..3_000 {
        let text = |rng: &mut Rng| -> String {
            (0..rng.below(6))
                .map(|_| CHARS[rng.below(CHARS.len())])
                .collect()
        };
        let f = f64::from_bits(rng.next());
        let event = SessionEvent {
            event_type: EventType::AgentDecision {
                model: Some(text(&mut rng)),
                tokens_in: Some(rng.next()),
                tokens_out: None,
                provider: Some(text(&mut rng)),
                summary: None,
                confidence: Some(if f.is_finite() { f } else { 0.5 }),
            },
            agent_name: text(&mut rng),
            meta: Some(
                serde_json::json!({ "s": text(&mut rng), "n": rng.next() as i64, "f": f64::from_bits(rng.next() >> 2) }),
            ),
            ..real_samples()[0].clone()
        };
        let oracle: oracle::SessionEvent =
            serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
        let line = line_of(&event);
        assert_eq!(line, serde_json::to_string(&oracle).unwrap());
        assert_eq!(codec::read_event(&line).unwrap(), event, "{line}");
    }
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
        json::write_f64(&mut out, f);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&f).unwrap(),
            "{f:e} ({:#x})",
            f.to_bits()
        );
    }
}

/// An object as (key, raw JSON text) pairs, so that number lexemes like
/// `1e3` or `-0` reach the parsers as written.
type Raw = Vec<(String, String)>;

fn render(obj: &Raw) -> String {
    let body: Vec<String> = obj
        .iter()
        .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
        .collect();
    format!("{{{}}}", body.join(","))
}

fn raw_of(value: &Value) -> Raw {
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect()
}

/// Values every field is tried with.
const ODD_VALUES: [&str; 27] = [
    "null",
    "\"\"",
    "\"x\"",
    "\"agent.note\"",
    "0",
    "-0",
    "1",
    "-1",
    "65535",
    "65536",
    "70000",
    "4294967295",
    "4294967296",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "18446744073709551615",
    "18446744073709551616",
    "1.5",
    "1e3",
    "1.0",
    "true",
    "[]",
    "[\"a\",\"b\"]",
    "[\"a\",1]",
    "{\"a\":[1]}",
];

/// Inputs derived from one event: every key dropped, nulled, duplicated,
/// given every odd value; the order turned around; unknown keys, fields of
/// other types with bad values.
fn variations(base: &Raw, extra_keys: bool) -> Vec<String> {
    let mut out = vec![render(base)];
    let mut reversed = base.clone();
    reversed.reverse();
    out.push(render(&reversed));
    let mut type_last: Raw = base.iter().filter(|(k, _)| k != "type").cloned().collect();
    type_last.extend(base.iter().filter(|(k, _)| k == "type").cloned());
    out.push(render(&type_last));
    let mut type_first: Raw = base.iter().filter(|(k, _)| k == "type").cloned().collect();
    type_first.extend(base.iter().filter(|(k, _)| k != "type").cloned());
    out.push(render(&type_first));
    for i in 0..base.len() {
        let mut dropped = base.clone();
        dropped.remove(i);
        out.push(render(&dropped));
        for order in [&dropped, &type_last] {
            let mut dup = order.clone();
            dup.push(base[i].clone());
            out.push(render(&dup));
        }
        for odd in ODD_VALUES {
            let mut changed = base.clone();
            changed[i].1 = odd.to_string();
            out.push(render(&changed));
        }
    }
    let mut all_fields: Vec<&str> = EVENT_FIELDS
        .iter()
        .take(if extra_keys { EVENT_FIELDS.len() } else { 0 })
        .flat_map(|f| f.iter().map(|s| s.name))
        .collect();
    if extra_keys {
        all_fields.extend(["zzz", "sequence_no", "meta", "type", "TYPE", ""]);
    }
    for name in all_fields {
        for odd in ["\"x\"", "70000", "-1", "null", "[1]"] {
            let mut extra = base.clone();
            extra.insert(0, (name.to_string(), odd.to_string()));
            out.push(render(&extra));
            let mut extra = base.clone();
            extra.push((name.to_string(), odd.to_string()));
            out.push(render(&extra));
        }
    }
    for tag in [
        "\"agent.danced\"",
        "\"Agent.Note\"",
        "\"agent_note\"",
        "9",
        "17",
        "18",
        "-1",
        "9.0",
        "null",
        "true",
        "[\"agent.note\"]",
    ] {
        let mut changed = base.clone();
        for (k, v) in changed.iter_mut() {
            if k == "type" {
                *v = tag.to_string();
            }
        }
        out.push(render(&changed));
    }
    out
}

/// `text` read as one whole JSON value by the crate's reader, leniently.
fn read_value(text: &str) -> Result<Value, crate::error::InvalidEvent> {
    let mut r = Reader::new(text);
    let value = r.value()?;
    r.end()?;
    Ok(value)
}

/// What the derive read as an event to append.
#[derive(Debug, Deserialize)]
struct OnlySequence {
    sequence_no: u64,
}

/// Every way the codec reads `text`, against the oracle: both must fail or
/// give the same, except where this crate chose to differ, each named here.
fn compare(text: &str) {
    let real = codec::read_event(text);
    let oracle = serde_json::from_str::<oracle::SessionEvent>(text);
    match (&real, &oracle) {
        (Ok(r), Ok(o)) => assert_eq!(format!("{r:?}"), format!("{o:?}"), "event {text}"),
        (Err(_), Err(_)) => {}
        // The derive's buffer let a variant index (`"type":9`) stand for
        // the type; nobody writes that, so the codec wants the wire name.
        (Err(e), Ok(_)) if e.reason().contains("field `type` must be a string") => {}
        (r, o) => panic!(
            "event {text}: codec {:?}, derived {:?}",
            r.as_ref().map(|_| ()),
            o.as_ref().map(|_| ()).map_err(|e| e.to_string())
        ),
    }
    // Through the serde adapter: the same event. A duplicate key is the one
    // difference: the data format's value keeps the last, as serde_json's
    // `Value` does.
    match (&real, serde_json::from_str::<SessionEvent>(text)) {
        (Ok(r), Ok(s)) => assert_eq!(r, &s, "serde {text}"),
        (Err(_), Err(_)) => {}
        (Err(_), Ok(_)) if has_a_duplicate_key(text) => {}
        (r, s) => panic!("serde {text}: codec {r:?}, adapter {s:?}"),
    }
    compare_input(text);
    match (read_value(text), serde_json::from_str::<Value>(text)) {
        (Ok(r), Ok(s)) => assert_eq!(r, s, "value {text}"),
        (Err(_), Err(_)) => {}
        (r, s) => panic!("value {text}: codec {r:?}, serde_json {s:?}"),
    }
    // The number alone (checked against the counter when a log opens): the
    // event's own for a line that is one, and never a number the derive
    // would not have read. It may give up where the derive skipped a value
    // it could not hold (a lone surrogate, a float beyond range): the log
    // then counts its lines instead.
    let alone = codec::read_sequence_no(text);
    if let Ok(event) = &real {
        assert_eq!(alone, Some(event.sequence_no), "sequence_no {text}");
    }
    if let Some(n) = alone {
        let derived = serde_json::from_str::<OnlySequence>(text).map(|s| s.sequence_no);
        assert_eq!(derived.ok(), Some(n), "sequence_no {text}");
    }
}

/// Whether `text` is an object with a key given twice.
fn has_a_duplicate_key(text: &str) -> bool {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut keys = std::collections::HashSet::new();
            let mut twice = false;
            while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                twice |= !keys.insert(k);
            }
            Ok(twice)
        }
    }
    use serde::Deserializer;
    serde_json::Deserializer::from_str(text)
        .deserialize_map(Keys)
        .unwrap_or(false)
}

/// The input mode, whose filled ids are random: those are compared for
/// being filled exactly when the input had none.
fn compare_input(text: &str) {
    let real = codec::read_input(text);
    let oracle = serde_json::from_str::<oracle::EventInput>(text);
    match (real, oracle) {
        (Ok((mut r, filled)), Ok(o)) => {
            let mut bit = 0;
            let mut given = |v: &Option<String>, made: &mut String| {
                match v {
                    Some(v) => assert_eq!(v, made, "{text}"),
                    None => {
                        assert!(filled & (1 << bit) != 0, "{text}");
                        *made = "filled".into();
                    }
                }
                bit += 1;
            };
            given(&o.event_id, &mut r.event_id);
            given(&o.timestamp, &mut r.timestamp);
            given(&o.trace_id, &mut r.trace_id);
            given(&o.span_id, &mut r.span_id);
            let fill = |v: Option<String>| v.unwrap_or_else(|| "filled".into());
            let o = oracle::SessionEvent {
                session_id: o.session_id,
                event_id: fill(o.event_id),
                timestamp: fill(o.timestamp),
                sequence_no: 0,
                trace_id: fill(o.trace_id),
                span_id: fill(o.span_id),
                parent_span_id: o.parent_span_id,
                agent_id: o.agent_id,
                agent_instance_id: o.agent_instance_id,
                agent_name: o.agent_name,
                agent_role: o.agent_role,
                host_id: o.host_id,
                tool_runtime_id: o.tool_runtime_id,
                event_type: o.event_type,
                artifact_ref: o.artifact_ref,
                meta: o.meta,
            };
            assert_eq!(format!("{r:?}"), format!("{o:?}"), "input {text}");
        }
        (Err(_), Err(_)) => {}
        // On purpose: an event to append refuses a key it does not have,
        // which the derive skipped, a key given twice (the derive ignored a
        // second `sequence_no`), reads `meta` strictly (a duplicate key, an
        // integer a double would round), wants the type's name, and wants
        // `timestamp` to be an RFC 3339 UTC time (the derive took any string).
        (Err(e), Ok(_))
            if e.reason().contains("unknown field `")
                || e.reason()
                    .starts_with("field `timestamp` must be an RFC 3339 UTC time")
                || e.reason().contains("appears twice")
                || e.reason().starts_with("field `meta")
                || e.reason().contains("field `type` must be a string") => {}
        (r, o) => panic!(
            "input {text}: codec {:?}, derived {:?}",
            r.map(|_| ()),
            o.map(|_| ()).map_err(|e| e.to_string())
        ),
    }
}

#[test]
fn reads_what_the_derive_read() {
    let mut cases: Vec<String> = [
        "{}",
        "[]",
        "null",
        "1",
        "\"agent.note\"",
        "{\"type\":\"agent.note\"}",
        "{\"type\":\"session.started\",\"type\":\"session.started\"}",
        "{\"type\":\"agent.note\",}",
        "",
        " ",
        "[{}]",
        "[1]",
        "[",
        "{",
        "{\"a\"",
        "[,]",
        "[1,]",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for event in oracle_samples() {
        let value = serde_json::to_value(&event).unwrap();
        let full = raw_of(&value);
        cases.extend(variations(&full, true));
        // The event without its generated fields, as an input comes.
        let input: Raw = full
            .iter()
            .filter(|(k, _)| {
                ![
                    "event_id",
                    "timestamp",
                    "trace_id",
                    "span_id",
                    "sequence_no",
                ]
                .contains(&k.as_str())
            })
            .cloned()
            .collect();
        cases.extend(variations(&input, false));
    }
    assert!(cases.len() > 15_000, "{}", cases.len());
    for text in &cases {
        compare(text);
    }
}

/// An event type alone (treeship-core serializes `EventType` on its own):
/// the same as the derive for its object form.
#[test]
fn event_types_alone_read_as_the_derive_read_them() {
    for event in oracle_samples() {
        let value = serde_json::to_value(&event.event_type).unwrap();
        for text in variations(&raw_of(&value), false) {
            let real = serde_json::from_str::<EventType>(&text);
            let oracle = serde_json::from_str::<oracle::EventType>(&text);
            match (real, oracle) {
                (Ok(r), Ok(o)) => assert_eq!(format!("{r:?}"), format!("{o:?}"), "{text}"),
                (Err(_), Err(_)) => {}
                (Err(e), Ok(_)) if e.to_string().contains("field `type` must be a string") => {}
                // Through serde a duplicate key keeps its last value.
                (Ok(_), Err(_))
                    if codec::read_event_type(&text)
                        .is_err_and(|e| e.reason().contains("appears twice")) => {}
                (r, o) => panic!("{text}: adapter {r:?}, derived {o:?}"),
            }
        }
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
        compare(&text);
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

/// The messages name the field and say what it must be.
#[test]
fn errors_name_the_field() {
    let base = r#""session_id":"s","event_id":"e","timestamp":"t","sequence_no":0,"trace_id":"t","span_id":"s","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h""#;
    let cases = [
        (
            r#""type":"agent.opened_port","port":70000"#,
            "field `port` must be an integer from 0 to 65535, got 70000",
        ),
        (
            r#""type":"agent.opened_port""#,
            "missing field `port` (required in `agent.opened_port` events)",
        ),
        (
            r#""type":"agent.opened_port","port":null"#,
            "missing field `port` (required in `agent.opened_port` events)",
        ),
        (
            r#""type":"agent.completed_process","process_name":"p","exit_code":-2147483649"#,
            "field `exit_code` must be an integer from -2147483648 to 2147483647, got -2147483649",
        ),
        (
            r#""type":"agent.decision","confidence":"high""#,
            "field `confidence` must be a finite number, got \"high\"",
        ),
        (
            r#""type":"agent.note","text":5"#,
            "field `text` must be a string, got 5",
        ),
        (
            r#""type":"agent.note","text":{"a":1}"#,
            "field `text` must be a string, got an object",
        ),
        (
            r#""type":"agent.handoff","from_agent_instance_id":"a","to_agent_instance_id":"b","artifacts":null"#,
            "field `artifacts` must be an array of strings, got null",
        ),
        (
            r#""type":"agent.handoff","from_agent_instance_id":"a","to_agent_instance_id":"b","artifacts":["a",1]"#,
            "field `artifacts` must be an array of strings",
        ),
        (
            r#""type":"agent.danced""#,
            "unknown event type `agent.danced` (expected one of: session.started, ",
        ),
        (r#""type":3"#, "field `type` must be a string"),
        (
            r#""type":"agent.note","text":"a","text":"b""#,
            "field `text` appears twice",
        ),
        (
            r#""type":"agent.note","host_id":"x""#,
            "field `host_id` appears twice",
        ),
        (
            r#""type":"agent.note","tool_runtime_id":5"#,
            "field `tool_runtime_id` must be a string, got 5",
        ),
    ];
    for (fields, message) in cases {
        let text = format!("{{{base},{fields}}}");
        let err = codec::read_event(&text).unwrap_err();
        assert!(err.reason().contains(message), "{text}: {err}");
        // The field the message names is the structured one; an unknown
        // type is about `type`.
        let named = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field `"))
            .unwrap_or("type");
        assert_eq!(err.field(), Some(named), "{text}: {err}");
    }
    for (text, message) in [
        ("[1]", "expected a JSON object, got an array"),
        ("{}", "missing field `type` (one of: session.started, "),
        (
            "{nope",
            "not valid JSON: expected a key (a string) at byte 1",
        ),
        (
            "{\"a\":\"\u{1}\"}",
            "not valid JSON: control character in a string at byte 6",
        ),
        (
            "{\"type\":\"agent.note\"} x",
            "not valid JSON: trailing characters at byte 22",
        ),
    ] {
        let err = codec::read_event(text).unwrap_err();
        assert!(err.reason().contains(message), "{text}: {err}");
        let about_type = message.starts_with("missing field `type`");
        assert_eq!(err.field(), about_type.then_some("type"), "{text}");
    }
    let text = format!(r#"{{{base},"type":"agent.note"}}"#)
        .replace(r#""sequence_no":0"#, r#""sequence_no":-1"#);
    let err = codec::read_event(&text).unwrap_err();
    assert!(
        err.reason()
            .contains("field `sequence_no` must be a non-negative integer, got -1"),
        "{err}"
    );
    assert_eq!(err.field(), Some("sequence_no"));
    // A stored line missing what the log fills is not an event...
    let err = codec::read_event(r#"{"type":"agent.note","session_id":"s","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h"}"#).unwrap_err();
    assert!(err.reason().contains("missing field `event_id`"), "{err}");
    assert_eq!(err.field(), Some("event_id"));
    // ...and an event to append, whose ids and time are filled.
    let (event, filled) = codec::read_input(r#"{"type":"agent.note","session_id":"s","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h","event_id":"mine","sequence_no":99}"#).unwrap();
    assert_eq!(
        (event.event_id.as_str(), event.sequence_no, filled),
        ("mine", 0, 0b1110)
    );
    assert!(
        event.trace_id.len() == 32 && event.span_id.len() == 16 && event.timestamp.ends_with('Z')
    );
}

/// What an event to append may not hold, refused with the field named
/// where serde_json would change it without a word: a key the event does
/// not have, a duplicate key in `meta`, an integer beyond what a double
/// holds (also below -2^63). Stored lines stay readable as before.
#[test]
fn strict_input_is_refused_by_name() {
    let base = r#""type":"agent.called_tool","tool_name":"t","session_id":"s","agent_id":"a","agent_instance_id":"i","agent_name":"n","host_id":"h""#;
    // The field each is about, as `InvalidEvent::field` gives it to
    // programs (and the npm package's `Error.field`).
    let cases = [
        (
            r#""duraton_ms":5"#,
            "duraton_ms",
            "unknown field `duraton_ms`",
        ),
        (r#""port":5"#, "port", "unknown field `port`"),
        (
            r#""meta":{"a":1,"a":2}"#,
            "meta.a",
            "field `meta.a`: the key appears twice",
        ),
        (
            r#""meta":{"x":[0,{"n":123456789012345678901234567890}]}"#,
            "meta.x[1].n",
            "field `meta.x[1].n`: the integer 123456789012345678901234567890 is beyond 64 bits",
        ),
        (
            r#""meta":-9223372036854775809"#,
            "meta",
            "field `meta`: the integer",
        ),
    ];
    for (extra, field, message) in cases {
        let text = format!("{{{base},{extra}}}");
        let err = codec::read_input(&text).unwrap_err();
        assert!(err.reason().contains(message), "{text}: {err}");
        assert_eq!(err.field(), Some(field), "{text}");
        let err = crate::input::event_from_json(&text).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidEvent, "{text}");
        assert_eq!(err.field(), Some(field), "{text}");
        assert!(err.to_string().contains(message), "{text}: {err}");
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
        let (event, _) = codec::read_input(&text).unwrap();
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
