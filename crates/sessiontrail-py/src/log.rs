//! The native half of `sessiontrail.EventLog`: the core's `EventLog` over
//! a session directory, with the GIL released around everything that
//! waits (the lock) or touches the file.
//!
//! Events cross as JSON text: written from the Python value by
//! [`crate::to_json`], read by the core's strict event reader (which names
//! a bad field), stored by the core's protocol, and returned as a `dict`
//! made from the stored event ([`crate::to_py`]). Readers hand chunks of
//! stored lines to the standard library's `json.loads` (C code, one call
//! per chunk), bounded in bytes.

use std::path::PathBuf;
use std::sync::RwLock;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyList, PyString};

use sessiontrail::{
    event_from_json, hosting, Durability, ErrorKind, EventLog, EventLogError, Events, FileStore,
    LockWait, Options, SessionEvent, Store, DEFAULT_MAX_LINE_BYTES,
};

use crate::errors;
use crate::to_json;
use crate::to_py;

/// Why a call failed, found while the GIL was released and raised after
/// it is held again.
enum Failure {
    Core(EventLogError, Option<usize>),
    Closed,
}

impl Failure {
    fn raise(self, py: Python<'_>) -> PyErr {
        match self {
            Failure::Core(e, index) => errors::from_core(py, &e, index),
            Failure::Closed => errors::raise(
                py,
                ErrorKind::Closed,
                "the log is closed (its `with` block ended or close() was called)".into(),
                None,
                None,
            ),
        }
    }
}

impl From<EventLogError> for Failure {
    fn from(e: EventLogError) -> Self {
        Failure::Core(e, None)
    }
}

/// One session directory's log (`sessiontrail.EventLog` wraps it).
#[pyclass(module = "sessiontrail._native", frozen)]
pub struct Log {
    /// `None` once closed. Read-locked for the length of a call, with the
    /// GIL released; `close` write-locks, so it waits for calls under way.
    log: RwLock<Option<EventLog<FileStore>>>,
    path: PathBuf,
    max_line_bytes: usize,
}

type Reader = <FileStore as Store>::Reader;

#[pymethods]
impl Log {
    #[staticmethod]
    #[pyo3(signature = (dir, durability, lock_timeout, max_line_bytes))]
    fn open(
        py: Python<'_>,
        dir: PathBuf,
        durability: &str,
        lock_timeout: Option<f64>,
        max_line_bytes: Option<usize>,
    ) -> PyResult<Log> {
        let durability = match durability {
            "buffered" => Durability::Buffered,
            "sync" => Durability::Sync,
            other => {
                return Err(errors::invalid_argument(
                    py,
                    format!("durability must be \"buffered\" or \"sync\", got {other:?}"),
                ))
            }
        };
        let lock_wait = match lock_timeout {
            None => LockWait::Block,
            Some(s) if (0.0..1e9).contains(&s) => {
                LockWait::Timeout(Duration::from_secs_f64(s))
            }
            Some(s) => {
                return Err(errors::invalid_argument(
                    py,
                    format!("lock_timeout must be a number of seconds, 0 or more, or None to wait as long as it takes; got {s}"),
                ))
            }
        };
        let max_line_bytes = match max_line_bytes {
            None => DEFAULT_MAX_LINE_BYTES,
            Some(0) => {
                return Err(errors::invalid_argument(
                    py,
                    "max_line_bytes must be at least 1".into(),
                ))
            }
            Some(n) => n,
        };
        let options = Options::new()
            .durability(durability)
            .lock_wait(lock_wait)
            .max_line_bytes(max_line_bytes);
        let log = py
            .allow_threads(|| EventLog::open_with(&dir, options))
            .map_err(|e| errors::from_core(py, &e, None))?;
        Ok(Log {
            path: log.path().to_path_buf(),
            log: RwLock::new(Some(log)),
            max_line_bytes,
        })
    }

    /// Appends one event (a dict); returns the stored event as a new dict.
    fn append<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut text = Vec::with_capacity(512);
        to_json::write_event(&mut text, event).map_err(|r| errors::from_refused(py, &r, None))?;
        let line = py
            .allow_threads(|| {
                self.with_log(|log| {
                    let mut event = read_event(&text)?;
                    log.append(&mut event)?;
                    Ok(event)
                })
            })
            .map_err(|f| f.raise(py))?;
        Ok(to_py::event(py, &line)?.into_any())
    }

    /// Appends a list of events under one lock, numbered in order; returns
    /// the stored events. All or nothing.
    fn append_batch<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Ok(list) = events.downcast::<PyList>() else {
            let tuple_or_other = events.downcast::<pyo3::types::PyTuple>();
            if let Ok(t) = tuple_or_other {
                let list = PyList::new(py, t.iter())?;
                return self.append_batch(py, list.as_any());
            }
            return Err(errors::raise(
                py,
                ErrorKind::InvalidEvent,
                format!(
                    "invalid event: append_batch(events) needs a list of event dicts, got {}",
                    to_json::type_name(events)
                ),
                None,
                None,
            ));
        };
        let mut texts = Vec::with_capacity(list.len());
        for (i, event) in list.iter().enumerate() {
            let mut text = Vec::with_capacity(512);
            to_json::write_event(&mut text, &event)
                .map_err(|r| errors::from_refused(py, &r, Some(i)))?;
            texts.push(text);
        }
        let lines = py
            .allow_threads(|| {
                self.with_log(|log| {
                    let mut events = texts
                        .iter()
                        .enumerate()
                        .map(|(i, t)| read_event(t).map_err(|f| f.at(i)))
                        .collect::<Result<Vec<SessionEvent>, Failure>>()?;
                    log.append_batch(&mut events)?;
                    Ok(events)
                })
            })
            .map_err(|f| f.raise(py))?;
        let list = PyList::empty(py);
        for event in &lines {
            list.append(to_py::event(py, event)?)?;
        }
        Ok(list.into_any())
    }

    /// A reader of the events from `seq` on, in chunks (lists of dicts).
    fn chunks(&self, py: Python<'_>, seq: u64) -> PyResult<Chunks> {
        let events = py
            .allow_threads(|| self.with_log(|log| Ok(log.read_from(seq)?)))
            .map_err(|f| f.raise(py))?;
        Ok(Chunks {
            events: Some(events),
            max_line_bytes: self.max_line_bytes,
        })
    }

    /// The integrity report, as the JSON object `sessiontrail check --json`
    /// prints (the core's one shape, `CheckReport::write_json`), parsed.
    fn check<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = py
            .allow_threads(|| {
                self.with_log(|log| {
                    let mut out = Vec::new();
                    log.check()?.write_json(&mut out);
                    Ok(out)
                })
            })
            .map_err(|f| f.raise(py))?;
        json_loads(py, &json)
    }

    #[getter]
    fn event_count(&self, py: Python<'_>) -> PyResult<u64> {
        self.with_log(|log| Ok(log.event_count()))
            .map_err(|f| f.raise(py))
    }

    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    #[getter]
    fn closed(&self) -> bool {
        self.log.read().map(|l| l.is_none()).unwrap_or(true)
    }

    /// Lets go of the files; later calls raise `Error` with code `CLOSED`.
    fn close(&self, py: Python<'_>) {
        py.allow_threads(|| {
            let mut guard = self.log.write().unwrap_or_else(|e| e.into_inner());
            guard.take();
        })
    }
}

impl Log {
    fn with_log<T>(
        &self,
        f: impl FnOnce(&EventLog<FileStore>) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let guard = self.log.read().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(log) => f(log),
            None => Err(Failure::Closed),
        }
    }
}

impl Failure {
    fn at(self, index: usize) -> Failure {
        match self {
            Failure::Core(e, _) => Failure::Core(e, Some(index)),
            other => other,
        }
    }
}

/// The core's strict reader over text this crate wrote (always UTF-8).
fn read_event(text: &[u8]) -> Result<SessionEvent, Failure> {
    let text = std::str::from_utf8(text).map_err(|_| {
        EventLogError::from(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the event's JSON text is not UTF-8",
        ))
    })?;
    Ok(event_from_json(text)?)
}

static LOADS: GILOnceCell<Py<PyAny>> = GILOnceCell::new();

/// `json.loads(text)`; `text` is JSON the core wrote.
fn json_loads<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let loads = LOADS.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("json")?.getattr("loads")?.unbind())
    })?;
    // The core writes UTF-8 only; from_utf8 costs a scan, so say it once
    // here rather than trusting it unchecked.
    let text = std::str::from_utf8(text).map_err(|e| {
        pyo3::exceptions::PyRuntimeError::new_err(format!(
            "sessiontrail wrote text that is not UTF-8: {e}"
        ))
    })?;
    loads.bind(py).call1((PyString::new(py, text),))
}

/// Up to this many events, or this many bytes of them, per chunk.
const CHUNK_EVENTS: usize = 1024;
const CHUNK_BYTES: usize = 1 << 20;

/// The events of a log from a sequence number on, a chunk at a time: the
/// file is read as it goes, never held in memory (`EventLog.iter()`).
#[pyclass(module = "sessiontrail._native")]
pub struct Chunks {
    events: Option<Events<Reader>>,
    max_line_bytes: usize,
}

#[pymethods]
impl Chunks {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(events) = self.events.as_mut() else {
            return Ok(None);
        };
        let limit = CHUNK_BYTES.max(self.max_line_bytes);
        let read = py.allow_threads(|| -> Result<(Vec<u8>, bool), EventLogError> {
            let mut out = Vec::with_capacity(64 * 1024);
            out.push(b'[');
            let mut n = 0;
            while n < CHUNK_EVENTS && out.len() < limit {
                match events.next() {
                    None => return Ok((finish(out), true)),
                    Some(event) => {
                        if n > 0 {
                            out.push(b',');
                        }
                        hosting::write_event(&mut out, &event?);
                        n += 1;
                    }
                }
            }
            Ok((finish(out), false))
        });
        let (text, ended) = match read {
            Ok(r) => r,
            Err(e) => {
                self.events = None;
                return Err(errors::from_core(py, &e, None));
            }
        };
        if ended {
            self.events = None;
            if text.len() == 2 {
                return Ok(None);
            }
        }
        json_loads(py, &text).map(Some)
    }
}

fn finish(mut out: Vec<u8>) -> Vec<u8> {
    out.push(b']');
    out
}
