//! [`JsStore`]: the crate's [`Store`] over a JavaScript `LogHost` object.
//!
//! This exists so that the append protocol, the numbering and the torn-tail
//! repair in `log.rs` run unchanged under wasm: `EventLog<JsStore>` is the
//! same code as `EventLog<FileStore>`, only the bytes move through the host.
//! The host contract is written down in `bindings/README.md`:
//!
//! ```ts
//! interface LogHost {
//!   readonly name: string;
//!   size(): number;
//!   read(offset: number, length: number): Uint8Array;
//!   append(bytes: Uint8Array): void;
//!   truncate(length: number): void;
//!   loadCounter?(): Uint8Array | null;
//!   saveCounter?(bytes: Uint8Array): void;
//!   saveTorn?(bytes: Uint8Array): void;
//!   flush?(): void | Promise<void>;
//!   takeReopened?(): boolean;
//!   lock?(): void;
//!   unlock?(): void;
//! }
//! ```
//!
//! Every call into the host is checked: a method that throws, or returns a
//! value of the wrong type, becomes an [`EventLogError::Host`] naming the
//! host and the method, never a panic. What the host threw is kept for the
//! JavaScript `Error`'s `cause`.
//!
//! The lock is the host's: `log.rs` calls [`Store::lock`] before every
//! append and [`Store::unlock`] after, and this store passes both on to
//! `host.lock()` and `host.unlock()`. The Node file host takes flock(2) on
//! `events.jsonl.lock` there, the browser hosts check that their Web Lock is
//! held, the memory host takes an in-process lock. A host without `lock`
//! declares that nothing but this JavaScript realm reaches its bytes; calls
//! in one realm never interleave, so it needs none.
//!
//! What this store does not do: make bytes durable in `sync`. JavaScript
//! asks for durability with `EventLog.flush()`, which may be asynchronous.

use std::io::Read;

use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use sessiontrail::hosting;
use sessiontrail::{Counter, EventLogError, LockWait, Store, COUNTER_LEN};

#[wasm_bindgen]
extern "C" {
    /// A JavaScript object that implements the `LogHost` contract.
    #[wasm_bindgen(typescript_type = "LogHost")]
    #[derive(Clone)]
    pub type LogHost;

    #[wasm_bindgen(method, catch, structural, js_name = size)]
    fn js_size(this: &LogHost) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, structural, js_name = read)]
    fn js_read(this: &LogHost, offset: f64, length: f64) -> Result<JsValue, JsValue>;

    /// `bytes` is a view into wasm memory, valid only during the call: a
    /// host that keeps the bytes copies them (the contract says so).
    #[wasm_bindgen(method, catch, structural, js_name = append)]
    fn js_append(this: &LogHost, bytes: &[u8]) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, structural, js_name = truncate)]
    fn js_truncate(this: &LogHost, length: f64) -> Result<JsValue, JsValue>;
}

/// The methods every host must have, checked once when the store is made.
const REQUIRED: [&str; 4] = ["size", "read", "append", "truncate"];

/// The largest byte count a JavaScript number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// Log bytes kept by a JavaScript host object; see the module doc.
pub struct JsStore {
    host: LogHost,
    name: String,
    load_counter: Option<Function>,
    save_counter: Option<Function>,
    save_torn: Option<Function>,
    flush: Option<Function>,
    take_reopened: Option<Function>,
    lock: Option<Function>,
    unlock: Option<Function>,
    /// The Merkle tree sidecar's methods (`treeSize()`, `readTree(offset,
    /// length)`, `writeTree(offset, bytes)`, `truncateTree(length)`): a host
    /// without `treeSize` keeps no tree, and the next native append hashes
    /// its lines.
    tree: Option<[Function; 4]>,
    /// A failure of `loadCounter`, whose trait method cannot return one.
    /// Held until the next write or until the caller takes it, so that
    /// nothing is written after a host method failed.
    pending: Option<EventLogError>,
    /// What the host last threw, for the JavaScript error's `cause`.
    thrown: Option<JsValue>,
    /// The bytes of the last successful `append`: the stored lines, which
    /// `EventLog.append` hands back parsed instead of serializing again.
    appended: Vec<u8>,
}

impl JsStore {
    /// Checks that `host` is an object with the required methods and looks
    /// up the optional ones. Calls none of them.
    pub fn new(host: JsValue) -> Result<JsStore, EventLogError> {
        if !(host.is_object() || host.is_function()) {
            return Err(EventLogError::Host(format!(
                "withHost(host) needs a LogHost object (size, read, append, truncate), got {}",
                describe(&host)
            )));
        }
        let name = match Reflect::get(&host, &JsValue::from_str("name")) {
            Ok(v) => v.as_string().unwrap_or_else(|| "unnamed host".to_string()),
            Err(e) => {
                return Err(EventLogError::Host(format!(
                    "reading host.name threw: {}",
                    error_text(&e)
                )))
            }
        };
        let method = |key: &str| -> Result<Option<Function>, EventLogError> {
            let v = Reflect::get(&host, &JsValue::from_str(key)).map_err(|e| {
                EventLogError::Host(format!(
                    "{name}: reading host.{key} threw: {}",
                    error_text(&e)
                ))
            })?;
            Ok(v.dyn_into::<Function>().ok())
        };
        for key in REQUIRED {
            if method(key)?.is_none() {
                return Err(EventLogError::Host(format!(
                    "{name}: host.{key} is not a function; a LogHost needs size(), \
                     read(offset, length), append(bytes) and truncate(length)"
                )));
            }
        }
        Ok(JsStore {
            load_counter: method("loadCounter")?,
            save_counter: method("saveCounter")?,
            save_torn: method("saveTorn")?,
            flush: method("flush")?,
            take_reopened: method("takeReopened")?,
            lock: method("lock")?,
            unlock: method("unlock")?,
            tree: match (
                method("treeSize")?,
                method("readTree")?,
                method("writeTree")?,
                method("truncateTree")?,
            ) {
                (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
                _ => None,
            },
            host: host.unchecked_into(),
            name,
            pending: None,
            thrown: None,
            appended: Vec::new(),
        })
    }

    /// The host object.
    pub fn host(&self) -> &JsValue {
        &self.host
    }

    /// The host's `flush` method, when it has one.
    pub fn flush_method(&self) -> Option<&Function> {
        self.flush.as_ref()
    }

    /// Takes a host failure that a trait method could not return
    /// (`loadCounter` throwing or returning the wrong type).
    pub fn take_pending(&mut self) -> Option<EventLogError> {
        self.pending.take()
    }

    /// The lines stored by the last successful append, each ending in `\n`.
    pub fn last_appended(&self) -> &[u8] {
        &self.appended
    }

    /// A reader from byte `offset` of the events, or `None` when nothing is
    /// stored at or after it (`readChunk`).
    pub fn reader_at(&mut self, offset: u64) -> Result<Option<JsReader>, EventLogError> {
        if Store::size(self)? <= offset {
            return Ok(None);
        }
        Ok(Some(JsReader {
            host: self.host.clone(),
            name: self.name.clone(),
            offset,
        }))
    }

    /// Takes what the host last threw, if anything.
    pub fn take_thrown(&mut self) -> Option<JsValue> {
        self.thrown.take()
    }

    fn threw(&mut self, method: &str, e: JsValue) -> EventLogError {
        let err = host_error(&self.name, method, &e);
        self.thrown = Some(e);
        err
    }

    fn returned(&self, method: &str, got: &JsValue, wanted: &str) -> EventLogError {
        EventLogError::Host(format!(
            "{}: host.{method} returned {}, expected {wanted}",
            self.name,
            describe(got)
        ))
    }

    /// Fails a write when an earlier host call failed in a way its trait
    /// method could not report.
    fn no_pending(&mut self) -> Result<(), EventLogError> {
        match self.pending.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// A synchronous method must not hand back a Promise: the bytes would
    /// not be stored when the log goes on.
    fn not_async(&self, method: &str, v: &JsValue) -> Result<(), EventLogError> {
        if v.is_instance_of::<js_sys::Promise>() {
            return Err(self.returned(
                method,
                v,
                "nothing (LogHost methods other than flush and refresh are synchronous)",
            ));
        }
        Ok(())
    }
}

impl Store for JsStore {
    type Reader = JsReader;

    fn name(&self) -> String {
        self.name.clone()
    }

    fn size(&mut self) -> Result<u64, EventLogError> {
        let v = self.host.js_size().map_err(|e| self.threw("size()", e))?;
        byte_count(&v).ok_or_else(|| self.returned("size()", &v, "a byte count"))
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
        match read_from(&self.host, &self.name, offset, buf) {
            Ok(n) => Ok(n),
            Err(ReadFailure::Threw(e)) => Err(self.threw("read(offset, length)", e)),
            Err(ReadFailure::Wrong(e)) => Err(e),
        }
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        self.no_pending()?;
        self.appended.clear();
        let v = self
            .host
            .js_append(bytes)
            .map_err(|e| self.threw("append(bytes)", e))?;
        self.not_async("append(bytes)", &v)?;
        if self.appended.capacity() > 1 << 20 {
            self.appended = Vec::new();
        }
        self.appended.extend_from_slice(bytes);
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> Result<(), EventLogError> {
        self.no_pending()?;
        let v = self
            .host
            .js_truncate(len as f64)
            .map_err(|e| self.threw("truncate(length)", e))?;
        self.not_async("truncate(length)", &v)
    }

    fn sync(&mut self) -> Result<(), EventLogError> {
        Ok(())
    }

    fn tree_size(&mut self) -> Result<Option<u64>, EventLogError> {
        let Some([f, ..]) = self.tree.clone() else {
            return Ok(None);
        };
        let v = f
            .call0(&self.host)
            .map_err(|e| self.threw("treeSize()", e))?;
        byte_count(&v)
            .map(Some)
            .ok_or_else(|| self.returned("treeSize()", &v, "a byte count"))
    }

    fn read_tree(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, EventLogError> {
        let Some([_, f, ..]) = self.tree.clone() else {
            return Ok(0);
        };
        let v = f
            .call2(
                &self.host,
                &(offset as f64).into(),
                &(buf.len() as f64).into(),
            )
            .map_err(|e| self.threw("readTree(offset, length)", e))?;
        match v.dyn_ref::<Uint8Array>() {
            Some(bytes) if bytes.length() as usize <= buf.len() => {
                let n = bytes.length() as usize;
                bytes.copy_to(&mut buf[..n]);
                Ok(n)
            }
            _ => Err(self.returned("readTree(offset, length)", &v, "a Uint8Array")),
        }
    }

    fn write_tree(&mut self, offset: u64, bytes: &[u8]) -> Result<(), EventLogError> {
        let Some([_, _, f, _]) = self.tree.clone() else {
            return Ok(());
        };
        let v = f
            .call2(
                &self.host,
                &(offset as f64).into(),
                &Uint8Array::from(bytes),
            )
            .map_err(|e| self.threw("writeTree(offset, bytes)", e))?;
        self.not_async("writeTree(offset, bytes)", &v)
    }

    fn truncate_tree(&mut self, len: u64) -> Result<(), EventLogError> {
        let Some([.., f]) = self.tree.clone() else {
            return Ok(());
        };
        let v = f
            .call1(&self.host, &(len as f64).into())
            .map_err(|e| self.threw("truncateTree(length)", e))?;
        self.not_async("truncateTree(length)", &v)
    }

    /// The host decides how long to wait (the Node file host's
    /// `lockTimeoutMs`). A host that gives up, or cannot lock, throws; the
    /// JavaScript Error then carries the host's own `LOCK_…` code.
    fn lock(&mut self, _wait: LockWait) -> Result<(), EventLogError> {
        let Some(f) = self.lock.clone() else {
            return Ok(());
        };
        match f.call0(&self.host) {
            Ok(v) => self.not_async("lock()", &v),
            Err(e) => Err(self.threw("lock()", e)),
        }
    }

    fn unlock(&mut self) {
        if let Some(f) = self.unlock.clone() {
            // Nothing to do with a failure here: the append's outcome is
            // decided, and a host whose unlock throws releases its lock when
            // it is closed (the Node host closes the lock file's descriptor).
            let _ = f.call0(&self.host);
        }
    }

    fn load_counter(&mut self) -> Option<Counter> {
        let f = self.load_counter.clone()?;
        let v = match f.call0(&self.host) {
            Ok(v) => v,
            Err(e) => {
                self.pending = Some(self.threw("loadCounter()", e));
                return None;
            }
        };
        if v.is_null() || v.is_undefined() {
            return None;
        }
        match v.dyn_ref::<Uint8Array>() {
            // Anything but 16 bytes is no counter (format.rs); the next
            // append recounts.
            Some(bytes) if bytes.length() as usize == COUNTER_LEN => {
                let mut raw = [0u8; COUNTER_LEN];
                bytes.copy_to(&mut raw);
                Counter::decode(&raw)
            }
            Some(_) => None,
            None => {
                self.pending = Some(self.returned("loadCounter()", &v, "a Uint8Array or null"));
                None
            }
        }
    }

    fn save_counter(&mut self, counter: Counter) -> Result<(), EventLogError> {
        let Some(f) = self.save_counter.clone() else {
            return Ok(());
        };
        let bytes = Uint8Array::from(&counter.encode()[..]);
        // The log ignores this error (a lost counter costs a recount), so it
        // is not kept as the cause of a later, unrelated error.
        f.call1(&self.host, &bytes)
            .map(drop)
            .map_err(|e| host_error(&self.name, "saveCounter(bytes)", &e))
    }

    fn save_torn(&mut self, bytes: &[u8]) -> Result<(), EventLogError> {
        self.no_pending()?;
        let Some(f) = self.save_torn.clone() else {
            return Ok(());
        };
        let v = f
            .call1(&self.host, &Uint8Array::from(bytes))
            .map_err(|e| self.threw("saveTorn(bytes)", e))?;
        self.not_async("saveTorn(bytes)", &v)
    }

    fn take_reopened(&mut self) -> bool {
        let Some(f) = self.take_reopened.clone() else {
            return false;
        };
        match f.call0(&self.host) {
            Ok(v) => v.as_bool().unwrap_or(true),
            // Unsure is reopened: the log then recounts, which is always
            // right, only slower.
            Err(_) => true,
        }
    }

    fn reader(&mut self) -> Result<Option<JsReader>, EventLogError> {
        self.reader_at(0)
    }
}

/// Reads a host's events from the first byte, through `host.read`.
pub struct JsReader {
    host: LogHost,
    name: String,
    offset: u64,
}

enum ReadFailure {
    Threw(JsValue),
    Wrong(EventLogError),
}

/// One `host.read(offset, buf.len())` copied into `buf`; the byte count.
fn read_from(
    host: &LogHost,
    name: &str,
    offset: u64,
    buf: &mut [u8],
) -> Result<usize, ReadFailure> {
    if buf.is_empty() {
        return Ok(0);
    }
    let v = host
        .js_read(offset as f64, buf.len() as f64)
        .map_err(ReadFailure::Threw)?;
    let wrong = |wanted: String| {
        ReadFailure::Wrong(EventLogError::Host(format!(
            "{name}: host.read({offset}, {}) returned {}, expected {wanted}",
            buf.len(),
            describe(&v)
        )))
    };
    let Some(bytes) = v.dyn_ref::<Uint8Array>() else {
        return Err(wrong("a Uint8Array".into()));
    };
    let n = bytes.length() as usize;
    if n > buf.len() {
        return Err(wrong(format!("at most {} bytes", buf.len())));
    }
    bytes.copy_to(&mut buf[..n]);
    Ok(n)
}

impl Read for JsReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = read_from(&self.host, &self.name, self.offset, buf).map_err(|failure| {
            let err = match failure {
                ReadFailure::Threw(e) => host_error(&self.name, "read(offset, length)", &e),
                ReadFailure::Wrong(e) => e,
            };
            hosting::io_error(std::io::ErrorKind::Other, err.to_string())
        })?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// The error for a host method that threw `e`.
pub(crate) fn host_error(name: &str, method: &str, e: &JsValue) -> EventLogError {
    EventLogError::Host(format!("{name}: host.{method} threw: {}", error_text(e)))
}

/// A thrown value as text: `TypeError: …` for errors, else a description.
pub(crate) fn error_text(e: &JsValue) -> String {
    match e.dyn_ref::<js_sys::Error>() {
        Some(err) => String::from(err.to_string()),
        None => describe(e),
    }
}

/// A short description of a JavaScript value for error messages.
pub(crate) fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        return "undefined".into();
    }
    if v.is_null() {
        return "null".into();
    }
    if let Some(s) = v.as_string() {
        // The first 40 characters, JSON-quoted: the writer is in the .wasm
        // anyway, `{:?}` would add Rust's escaping and its Unicode tables.
        let cut = s.char_indices().nth(40).map_or(s.len(), |(i, _)| i);
        let mut shown = s.get(..cut).unwrap_or("").to_string();
        if cut < s.len() {
            shown.push('…');
        }
        let mut quoted = Vec::new();
        hosting::write_json_str(&mut quoted, &shown);
        return format!(
            "the string {}",
            String::from_utf8(quoted).unwrap_or_default()
        );
    }
    if v.as_f64().is_some() {
        // As JavaScript writes it (`String(n)`); Rust's float formatting
        // would be 20 KB of .wasm.
        let text = v.unchecked_ref::<js_sys::Number>().to_string_with_radix(10);
        return format!("the number {}", text.map(String::from).unwrap_or_default());
    }
    if let Some(b) = v.as_bool() {
        return format!("{b}");
    }
    if js_sys::Array::is_array(v) {
        return "an array".into();
    }
    if v.is_instance_of::<Uint8Array>() {
        return "a Uint8Array".into();
    }
    if v.is_instance_of::<js_sys::Promise>() {
        return "a Promise".into();
    }
    match v.js_typeof().as_string().as_deref() {
        Some("function") => "a function".into(),
        Some("bigint") => "a bigint".into(),
        Some("symbol") => "a symbol".into(),
        _ => "an object".into(),
    }
}

/// A JavaScript number that is a whole, non-negative, exactly representable
/// byte count.
fn byte_count(v: &JsValue) -> Option<u64> {
    let n = v.as_f64()?;
    ((0.0..=MAX_SAFE).contains(&n) && n.fract() == 0.0).then_some(n as u64)
}
