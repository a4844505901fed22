//! Python values to the JSON text the core's event reader takes.
//!
//! Why here and not `json.dumps`: `json.dumps` changes or hides what JSON
//! cannot hold (it writes `NaN` and `Infinity`, which are not JSON, turns
//! `int` keys into strings, and refuses a `set` without saying where it
//! was). This walk writes the text in one pass and refuses such a value by
//! its field (`meta.scores[2]`), as the npm package does; everything about
//! what an event may hold (a field's type, a missing field, an integer
//! beyond 64 bits) is then the core's reader's to decide, with its own
//! messages naming the field.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use sessiontrail::hosting::write_json_str;

/// Deeper than this the core's reader refuses the event anyway (its
/// nesting limit is 128 levels); stopping here also ends a dict that
/// contains itself.
const MAX_DEPTH: usize = 160;

/// A value JSON cannot hold, and where it was.
pub struct Refused {
    pub field: String,
    pub what: String,
}

/// Writes `event`, a `dict`, as a JSON object.
pub fn write_event(out: &mut Vec<u8>, event: &Bound<'_, PyAny>) -> Result<(), Refused> {
    let Ok(dict) = event.downcast::<PyDict>() else {
        return Err(Refused {
            field: String::new(),
            what: format!("an event must be a dict, got {}", type_name(event)),
        });
    };
    let mut path = String::new();
    write_dict(out, dict, &mut path, 0)
}

fn write_value(
    out: &mut Vec<u8>,
    v: &Bound<'_, PyAny>,
    path: &mut String,
    depth: usize,
) -> Result<(), Refused> {
    if let Ok(s) = v.downcast::<PyString>() {
        match s.to_cow() {
            Ok(text) => write_json_str(out, &text),
            Err(_) => {
                return Err(refused(
                    path,
                    "a str with a lone surrogate, which UTF-8 (and so JSON text) cannot hold",
                ))
            }
        }
    } else if v.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(b) = v.downcast::<PyBool>() {
        out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
    } else if v.is_instance_of::<PyInt>() {
        match v.extract::<i64>() {
            Ok(n) => out.extend_from_slice(n.to_string().as_bytes()),
            // Beyond i64: its digits, for the core to accept (a u64) or
            // refuse (beyond 64 bits) by its own rule.
            Err(_) => match v.str() {
                Ok(digits) => out.extend_from_slice(digits.to_string_lossy().as_bytes()),
                Err(_) => return Err(refused(path, "an int without a decimal form")),
            },
        }
    } else if let Ok(f) = v.downcast::<PyFloat>() {
        let x = f.value();
        if !x.is_finite() {
            return Err(refused(
                path,
                &format!(
                    "{x}, which JSON cannot hold (json.dumps would write {}, which is not JSON)",
                    if x.is_nan() {
                        "NaN"
                    } else if x > 0.0 {
                        "Infinity"
                    } else {
                        "-Infinity"
                    }
                ),
            ));
        }
        // Debug is the shortest text that reads back as the same double,
        // with an exponent for very large and small ones: valid JSON.
        out.extend_from_slice(format!("{x:?}").as_bytes());
    } else if depth >= MAX_DEPTH {
        return Err(refused(
            path,
            &format!(
                "nested deeper than {MAX_DEPTH} levels (a dict or list that contains itself?)"
            ),
        ));
    } else if let Ok(d) = v.downcast::<PyDict>() {
        write_dict(out, d, path, depth + 1)?;
    } else if let Ok(l) = v.downcast::<PyList>() {
        write_items(out, l.iter(), path, depth + 1)?;
    } else if let Ok(t) = v.downcast::<PyTuple>() {
        write_items(out, t.iter(), path, depth + 1)?;
    } else {
        let hint = match type_name(v).as_str() {
            "set" | "frozenset" => "write it as a list",
            "bytes" | "bytearray" | "memoryview" => "decode it or write it as base64 text",
            "datetime" | "date" | "time" => "write it as an ISO 8601 string (.isoformat())",
            "Decimal" => "write it as a str or a float",
            _ => "convert it to a dict, list, str, int, float, bool or None first",
        };
        return Err(refused(
            path,
            &format!("a {}, which JSON cannot hold ({hint})", type_name(v)),
        ));
    }
    Ok(())
}

fn write_dict(
    out: &mut Vec<u8>,
    dict: &Bound<'_, PyDict>,
    path: &mut String,
    depth: usize,
) -> Result<(), Refused> {
    out.push(b'{');
    let base = path.len();
    for (i, (key, value)) in dict.iter().enumerate() {
        let Ok(key) = key.downcast::<PyString>() else {
            let shown = key.repr().map(|r| r.to_string()).unwrap_or_default();
            return Err(refused(
                path,
                &format!(
                    "a dict with the key {} ({}), but JSON keys are text (json.dumps would turn it into a str)",
                    cut(&shown),
                    type_name(&key)
                ),
            ));
        };
        let Ok(name) = key.to_cow() else {
            return Err(refused(path, "a dict with a key holding a lone surrogate"));
        };
        if i > 0 {
            out.push(b',');
        }
        write_json_str(out, &name);
        out.push(b':');
        if base > 0 {
            path.push('.');
        }
        path.push_str(&name);
        write_value(out, &value, path, depth)?;
        path.truncate(base);
    }
    out.push(b'}');
    Ok(())
}

fn write_items<'py>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    path: &mut String,
    depth: usize,
) -> Result<(), Refused> {
    out.push(b'[');
    let base = path.len();
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        path.push_str(&format!("[{i}]"));
        write_value(out, &item, path, depth)?;
        path.truncate(base);
    }
    out.push(b']');
    Ok(())
}

fn refused(path: &str, what: &str) -> Refused {
    Refused {
        field: cut(path),
        what: what.to_string(),
    }
}

/// A field path or key cut to 80 characters, as the core cuts its own.
fn cut(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

pub fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}
