//! Stored events as Python dicts, made from the core's parsed event in the
//! order the line is written (the keys and values `json.loads` of the line
//! gives, without writing and reading the line again: that was a fifth of
//! an append's cost).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use sessiontrail::{FieldRef, SessionEvent};

pub fn event<'py>(py: Python<'py>, e: &SessionEvent) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let opt = |name: &str, v: &Option<String>| -> PyResult<()> {
        match v {
            Some(s) => d.set_item(name, s),
            None => Ok(()),
        }
    };
    d.set_item("session_id", &e.session_id)?;
    d.set_item("event_id", &e.event_id)?;
    d.set_item("timestamp", &e.timestamp)?;
    d.set_item("sequence_no", e.sequence_no)?;
    d.set_item("trace_id", &e.trace_id)?;
    d.set_item("span_id", &e.span_id)?;
    opt("parent_span_id", &e.parent_span_id)?;
    d.set_item("agent_id", &e.agent_id)?;
    d.set_item("agent_instance_id", &e.agent_instance_id)?;
    d.set_item("agent_name", &e.agent_name)?;
    opt("agent_role", &e.agent_role)?;
    d.set_item("host_id", &e.host_id)?;
    opt("tool_runtime_id", &e.tool_runtime_id)?;
    d.set_item("type", e.event_type.name())?;
    for (spec, value) in e.event_type.fields() {
        match value {
            FieldRef::Absent => {}
            FieldRef::Str(s) => d.set_item(spec.name, s)?,
            FieldRef::Unsigned(n) => d.set_item(spec.name, n)?,
            FieldRef::Signed(n) => d.set_item(spec.name, n)?,
            FieldRef::F64(x) => d.set_item(spec.name, x)?,
            FieldRef::List(items) => d.set_item(spec.name, PyList::new(py, items)?)?,
        }
    }
    opt("artifact_ref", &e.artifact_ref)?;
    if let Some(meta) = &e.meta {
        d.set_item("meta", value(py, meta)?)?;
    }
    Ok(d)
}

fn value<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => pyo3::types::PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let d = PyDict::new(py);
            for (k, item) in map {
                d.set_item(k, value(py, item)?)?;
            }
            d.into_any()
        }
    })
}
