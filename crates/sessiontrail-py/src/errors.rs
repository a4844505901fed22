//! The core's errors as the package's Python exceptions.
//!
//! The classes are Python's own (python/sessiontrail/_errors.py), so the
//! hierarchy can say `InvalidEvent(Error, ValueError)`; this module finds
//! them once and raises them with the message, the stable `code` (the
//! core's `ErrorKind::code`, which is the npm package's `Error.code`) and,
//! for an invalid event, the `field`.

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::PyType;

use sessiontrail::{ErrorKind, EventLogError};

use crate::to_json::Refused;

static CLASSES: GILOnceCell<[Py<PyType>; 5]> = GILOnceCell::new();

/// The exception class for `kind`: the subclasses the issue names, else
/// the base class `Error`; every one carries the code.
fn class_of<'py>(py: Python<'py>, kind: ErrorKind) -> PyResult<&'py Bound<'py, PyType>> {
    let classes = CLASSES.get_or_try_init(py, || -> PyResult<_> {
        let module = py.import("sessiontrail._errors")?;
        let get = |name: &str| -> PyResult<Py<PyType>> {
            Ok(module.getattr(name)?.downcast_into::<PyType>()?.unbind())
        };
        Ok([
            get("Error")?,
            get("InvalidEvent")?,
            get("LockTimeout")?,
            get("LockUnsupported")?,
            get("InvalidArgument")?,
        ])
    })?;
    let i = match kind {
        ErrorKind::InvalidEvent => 1,
        ErrorKind::LockTimeout => 2,
        ErrorKind::LockUnsupported => 3,
        ErrorKind::InvalidArgument => 4,
        _ => 0,
    };
    Ok(classes[i].bind(py))
}

/// An exception of `kind`'s class with `message`, `code` and `field`.
pub fn raise(
    py: Python<'_>,
    kind: ErrorKind,
    message: String,
    field: Option<&str>,
    index: Option<usize>,
) -> PyErr {
    match class_of(py, kind).and_then(|cls| cls.call1((message, kind.code(), field, index))) {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

/// The Python exception for a core error; `index` is the event's position
/// in a batch when the error is about one event of it.
pub fn from_core(py: Python<'_>, e: &EventLogError, index: Option<usize>) -> PyErr {
    raise(py, e.kind(), e.to_string(), e.field(), index)
}

/// `InvalidEvent` for a value JSON cannot hold; `index` as in [`from_core`].
pub fn from_refused(py: Python<'_>, r: &Refused, index: Option<usize>) -> PyErr {
    let event = match index {
        Some(i) => format!("events[{i}]: "),
        None => String::new(),
    };
    let message = if r.field.is_empty() {
        format!("invalid event: {event}{}; nothing was written", r.what)
    } else {
        format!(
            "invalid event: {event}field `{}` is {}; nothing was written",
            r.field, r.what
        )
    };
    let field = (!r.field.is_empty()).then_some(r.field.as_str());
    raise(py, ErrorKind::InvalidEvent, message, field, index)
}

/// `InvalidArgument` (a `ValueError`) for an option or argument the log
/// cannot take.
pub fn invalid_argument(py: Python<'_>, message: String) -> PyErr {
    raise(py, ErrorKind::InvalidArgument, message, None, None)
}
