//! The one error type of the crate, and the stable kinds programs branch on.
//!
//! `Io` and `Json` keep treeship-core's variant names so code that matches on
//! them still compiles. Every I/O error this crate makes carries the path and
//! the operation in its message (see [`io_at`]), so `Io` still names the file
//! while keeping the original `std::io::ErrorKind`.
//!
//! Messages are for people and may be reworded; [`EventLogError::kind`] and
//! [`InvalidEvent::field`] are for programs. The kinds are one table
//! (`error_kinds!` below) from which the enum, its codes, its exit codes,
//! its rustdoc table and [`ErrorKind::ALL`] are made, so adding a kind is
//! one line and the tests walk every kind.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Makes [`ErrorKind`] from one table: `Variant = "CODE", exit N, SEEN;`
/// where SEEN is where the kind can be met (`js`, `native` or `both`).
macro_rules! error_kinds {
    ($( $(#[doc = $doc:literal])* $name:ident = $code:literal, exit $exit:literal, $seen:ident; )*) => {
        /// What kind of failure an error is: the stable part of an error,
        /// for programs to branch on (messages are for people and may be
        /// reworded).
        ///
        /// Each kind's [`code`](ErrorKind::code) is the `code` of the
        /// JavaScript `Error` the npm package throws for the same failure
        /// (`pkg-template/types.d.ts` lists the codes JavaScript can meet),
        /// and its [`exit_code`](ErrorKind::exit_code) is the exit status of
        /// the `sessiontrail` command line when the failure ends a command
        /// (2: bad input, 3: the log could not be read or written). Some
        /// kinds are only met on one side: the JavaScript wrappers' own
        /// (a closed log, a trapped core) never end a command, and a native
        /// file's (a symbolic link, an OS I/O error) reaches JavaScript as
        /// `HOST_FAILED`, what the Node file host threw kept as its `cause`.
        ///
        /// | kind | npm `code` | CLI exit | met in |
        /// | --- | --- | --- | --- |
        $( #[doc = concat!("| [`", stringify!($name), "`](ErrorKind::", stringify!($name), ") | `", $code, "` | ", $exit, " | ", stringify!($seen), " |")] )*
        ///
        /// New kinds may be added in a minor release (hence
        /// `#[non_exhaustive]`): a `match` needs a `_` arm.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $( $(#[doc = $doc])* $name, )*
        }

        impl ErrorKind {
            /// Every kind, in the table's order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$name),*];

            /// The stable code: `"INVALID_EVENT"`, `"LOCK_TIMEOUT"`, …, the
            /// same string as the npm package's `Error.code`.
            pub const fn code(self) -> &'static str {
                match self { $(ErrorKind::$name => $code,)* }
            }

            /// The kind whose [`code`](ErrorKind::code) is `code`.
            pub fn from_code(code: &str) -> Option<ErrorKind> {
                match code { $($code => Some(ErrorKind::$name),)* _ => None }
            }

            /// The exit status of the `sessiontrail` command line when a
            /// failure of this kind ends a command.
            pub const fn exit_code(self) -> u8 {
                match self { $(ErrorKind::$name => $exit,)* }
            }

            /// Whether JavaScript can meet this kind as an `Error.code` (the
            /// codes `pkg-template/types.d.ts` lists).
            pub const fn reaches_javascript(self) -> bool {
                match self { $(ErrorKind::$name => error_kinds!(@js $seen),)* }
            }
        }
    };
    (@js js) => { true };
    (@js both) => { true };
    (@js native) => { false };
}

error_kinds! {
    /// The event is not valid (a missing or mistyped field, an unknown
    /// type, over the line limit); [`InvalidEvent::field`] names the field.
    /// Nothing was written.
    InvalidEvent = "INVALID_EVENT", exit 2, both;
    /// A call's argument is not what it takes (JavaScript: not an event, a
    /// byte offset that is not one).
    InvalidArgument = "INVALID_ARGUMENT", exit 2, js;
    /// The lock was not taken within the timeout. Nothing was written.
    LockTimeout = "LOCK_TIMEOUT", exit 3, both;
    /// The lock cannot be taken here (a file system without flock; in
    /// JavaScript also koffi missing or no Web Locks). Nothing was written.
    LockUnsupported = "LOCK_UNSUPPORTED", exit 3, both;
    /// A shared browser host was written outside its Web Lock.
    LockNotHeld = "LOCK_NOT_HELD", exit 3, js;
    /// The storage host failed or broke its contract; under a JavaScript
    /// host this includes every failed read, since the host is the I/O.
    HostFailed = "HOST_FAILED", exit 3, both;
    /// A host method called the log it stores.
    Reentrant = "REENTRANT", exit 3, js;
    /// The log was closed or freed.
    Closed = "CLOSED", exit 3, js;
    /// The wasm core trapped; the log is closed.
    WasmTrap = "WASM_TRAP", exit 3, js;
    /// The browser entry was used before `await init()` finished.
    NotInitialized = "NOT_INITIALIZED", exit 3, js;
    /// The browser entry's `init()` could not fetch or compile its `.wasm`;
    /// the message names the URL.
    WasmLoadFailed = "WASM_LOAD_FAILED", exit 3, js;
    /// The session directory or a file of the log is a symbolic link.
    /// Nothing was written.
    Symlink = "SYMLINK", exit 3, native;
    /// A file of the log has more than one hard link. Nothing was written.
    HardLinked = "HARD_LINKED", exit 3, native;
    /// The session directory or a file of the log belongs to another user
    /// (see `Ownership`). Nothing was written.
    NotOwner = "NOT_OWNER", exit 3, native;
    /// An operating-system I/O error; the message names the path.
    Io = "IO", exit 3, native;
    /// A value could not be serialized or parsed as JSON (not an event to
    /// append: those are [`ErrorKind::InvalidEvent`]).
    Json = "JSON", exit 3, native;
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why an event is not valid, and the field it is about.
///
/// The message ([`reason`](InvalidEvent::reason)) names the field too, for
/// people; [`field`](InvalidEvent::field) is the same name for programs: a
/// field of the event (`port`, `type`) or a path into `meta`
/// (`meta.scores[2]`), as the npm package's `Error.field`.
///
/// Boxed: the readers pass it up through every `Result` of the JSON
/// reader, where a pointer costs less to move than two strings (and the
/// `.wasm` has a size budget); an error is rare, its allocation cheap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEvent(Box<Details>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Details {
    field: Option<String>,
    reason: String,
}

impl InvalidEvent {
    /// An invalid event for `reason`, about `field` when it is about one.
    pub fn new(field: Option<String>, reason: String) -> InvalidEvent {
        InvalidEvent(Box::new(Details { field, reason }))
    }

    /// About no one field (not an object, not JSON, too long).
    pub(crate) fn plain(reason: String) -> InvalidEvent {
        InvalidEvent::new(None, reason)
    }

    /// About `field`; `reason` names it too.
    pub(crate) fn at(field: &str, reason: String) -> InvalidEvent {
        InvalidEvent::new(Some(field.to_string()), reason)
    }

    /// The field refused, when the error is about one: a field name or a
    /// path into `meta` (`meta.scores[2]`, cut to 80 characters).
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// What is wrong, as a sentence naming the field (the message without
    /// its `invalid event: ` prefix).
    pub fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The reason, for a report that keeps only the sentence.
    pub(crate) fn into_reason(self) -> String {
        self.0.reason
    }
}

impl fmt::Display for InvalidEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// An error from opening, appending to or reading a log.
///
/// Branch on [`kind`](EventLogError::kind) (stable codes, shared with the
/// npm package and the command line) or match the variants; new variants
/// may be added in a minor release (`#[non_exhaustive]`), so a `match` needs
/// a `_` arm.
#[derive(Debug)]
#[non_exhaustive]
pub enum EventLogError {
    /// An I/O error; its message names the path and what was being done.
    Io(std::io::Error),
    /// A value could not be serialized or parsed.
    Json(serde_json::Error),
    /// The session directory or `events.jsonl` is a symbolic link. Nothing
    /// was written: following it could write someone else's file.
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// `events.jsonl` has more than one hard link, so writing to it would
    /// change another name too. Nothing was written.
    HardLinked {
        /// The file.
        path: PathBuf,
        /// How many names it has.
        links: u64,
    },
    /// The session directory or a file of the log belongs to another
    /// user: trusting it would let that user read, cut or renumber the
    /// log, or hold its lock forever. Nothing was written. (Not under a
    /// JavaScript host, which has no owners to check: the Node file host
    /// checks them itself.)
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    NotOwner {
        /// The directory or file.
        path: PathBuf,
        /// Its owner's user id.
        owner: u32,
        /// The calling (effective) user id.
        caller: u32,
    },
    /// The lock was not taken within the timeout. Nothing was written.
    LockTimeout {
        /// The lock file (or the store's name).
        path: PathBuf,
        /// How long the append waited.
        waited: Duration,
    },
    /// The file system cannot take an exclusive lock (NFS without lockd,
    /// some FUSE mounts). Nothing was written: an unlocked append could hand
    /// out a sequence number twice.
    LockUnsupported {
        /// The lock file.
        path: PathBuf,
        /// What the lock call said.
        source: std::io::Error,
    },
    /// An event given to the log is not valid (wrong shape, unknown type,
    /// out-of-range number); the field it is about is
    /// [`InvalidEvent::field`]. Nothing was written.
    InvalidEvent(InvalidEvent),
    /// A storage host (a JavaScript object under wasm) failed or broke its
    /// contract. Nothing was acknowledged.
    Host(String),
}

impl EventLogError {
    /// The stable kind of this error (see [`ErrorKind`] for the codes and
    /// exit codes).
    ///
    /// Under a JavaScript host (`wasm32-unknown-unknown`) there is no
    /// operating system: every byte comes through the host, so an `Io`
    /// error there is the host's failure, [`ErrorKind::HostFailed`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            #[cfg(all(target_family = "wasm", target_os = "unknown"))]
            Self::Io(_) => ErrorKind::HostFailed,
            #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
            Self::Io(_) => ErrorKind::Io,
            Self::Json(_) => ErrorKind::Json,
            Self::Symlink { .. } => ErrorKind::Symlink,
            Self::HardLinked { .. } => ErrorKind::HardLinked,
            #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
            Self::NotOwner { .. } => ErrorKind::NotOwner,
            Self::LockTimeout { .. } => ErrorKind::LockTimeout,
            Self::LockUnsupported { .. } => ErrorKind::LockUnsupported,
            Self::InvalidEvent(_) => ErrorKind::InvalidEvent,
            Self::Host(_) => ErrorKind::HostFailed,
        }
    }

    /// For an invalid event, the field it is about (see
    /// [`InvalidEvent::field`]); `None` for every other error.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::InvalidEvent(e) => e.field(),
            _ => None,
        }
    }
}

impl fmt::Display for EventLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "event log io: {e}"),
            Self::Json(e) => write!(f, "event log json: {e}"),
            Self::Symlink { path } => write!(
                f,
                "refusing to use {}: it is a symbolic link",
                path.display()
            ),
            Self::HardLinked { path, links } => write!(
                f,
                "refusing to write {}: it has {links} hard links, so writing would change another file",
                path.display()
            ),
            #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
            Self::NotOwner {
                path,
                owner,
                caller,
            } => write!(
                f,
                "refusing to use {}: it belongs to user id {owner}, not to the calling user (id {caller}); nothing was written",
                path.display()
            ),
            Self::LockTimeout { path, waited } => write!(
                f,
                "could not lock {} within {} ms; nothing was written",
                path.display(),
                // u64, not u128: u128 formatting is 1.5 KB of .wasm.
                u64::try_from(waited.as_millis()).unwrap_or(u64::MAX)
            ),
            Self::LockUnsupported { path, source } => write!(
                f,
                "the file system cannot lock {} ({source}); refusing to append without a lock",
                path.display()
            ),
            Self::InvalidEvent(e) => write!(f, "invalid event: {}", e.reason()),
            Self::Host(why) => write!(f, "storage host failed: {why}"),
        }
    }
}

impl std::error::Error for EventLogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Json(e) => Some(e),
            Self::LockUnsupported { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<std::io::Error> for EventLogError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<serde_json::Error> for EventLogError {
    fn from(e: serde_json::Error) -> Self {
        Self::Json(e)
    }
}

/// Wraps an I/O error so its message says what was done to which path,
/// keeping its kind.
pub(crate) fn io_at(op: &str, path: &Path, e: std::io::Error) -> EventLogError {
    EventLogError::Io(io_error(e.kind(), format!("{op} {}: {e}", path.display())))
}

/// An I/O error of `kind` with `message`.
///
/// Not `io::Error::new(kind, message)`: that boxes the `String` in a type
/// whose `Debug` escapes it with `{:?}`, which brings Rust's string escaping
/// and its Unicode tables (3.5 KB) into the `.wasm`. This one's `Debug` is
/// the message as it is.
pub(crate) fn io_error(kind: std::io::ErrorKind, message: String) -> std::io::Error {
    struct Message(String);
    impl fmt::Debug for Message {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }
    impl fmt::Display for Message {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }
    impl std::error::Error for Message {}
    std::io::Error::new(kind, Message(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each variant's kind, and so its code and exit code.
    #[test]
    fn kind_of_each_variant() {
        let io = || std::io::Error::other("x");
        let json = serde_json::from_str::<u8>("x").unwrap_err();
        let io_kind = if cfg!(all(target_family = "wasm", target_os = "unknown")) {
            ErrorKind::HostFailed
        } else {
            ErrorKind::Io
        };
        let cases = [
            (EventLogError::Io(io()), io_kind),
            (EventLogError::Json(json), ErrorKind::Json),
            (
                EventLogError::Symlink { path: "p".into() },
                ErrorKind::Symlink,
            ),
            (
                EventLogError::HardLinked {
                    path: "p".into(),
                    links: 2,
                },
                ErrorKind::HardLinked,
            ),
            (
                EventLogError::LockTimeout {
                    path: "p".into(),
                    waited: Duration::from_millis(5),
                },
                ErrorKind::LockTimeout,
            ),
            (
                EventLogError::LockUnsupported {
                    path: "p".into(),
                    source: io(),
                },
                ErrorKind::LockUnsupported,
            ),
            (
                EventLogError::InvalidEvent(InvalidEvent::at("port", "bad".into())),
                ErrorKind::InvalidEvent,
            ),
            (EventLogError::Host("h".into()), ErrorKind::HostFailed),
        ];
        #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
        assert_eq!(
            EventLogError::NotOwner {
                path: "p".into(),
                owner: 1,
                caller: 2,
            }
            .kind(),
            ErrorKind::NotOwner
        );
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error:?}");
            let expected_field = (kind == ErrorKind::InvalidEvent).then_some("port");
            assert_eq!(error.field(), expected_field, "{error:?}");
        }
    }

    /// The codes are the npm package's words, unique, and found again from
    /// themselves; only bad input exits 2.
    #[test]
    fn codes_and_exit_codes() {
        let mut seen = std::collections::HashSet::new();
        for &kind in ErrorKind::ALL {
            let code = kind.code();
            assert!(seen.insert(code), "{code} twice");
            assert!(
                code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{code}"
            );
            assert_eq!(ErrorKind::from_code(code), Some(kind));
            assert_eq!(kind.to_string(), code);
            let bad_input = matches!(kind, ErrorKind::InvalidEvent | ErrorKind::InvalidArgument);
            assert_eq!(kind.exit_code(), if bad_input { 2 } else { 3 }, "{code}");
        }
        assert_eq!(ErrorKind::from_code("LOCK_FAILED"), None);
        assert_eq!(ErrorKind::InvalidEvent.code(), "INVALID_EVENT");
        assert_eq!(ErrorKind::HardLinked.code(), "HARD_LINKED");
    }

    /// The message is the reason as it always was; the field rides beside.
    #[test]
    fn invalid_event_keeps_its_message() {
        let e = EventLogError::InvalidEvent(InvalidEvent::at(
            "port",
            "field `port` must be an integer from 0 to 65535, got 70000".into(),
        ));
        assert_eq!(
            e.to_string(),
            "invalid event: field `port` must be an integer from 0 to 65535, got 70000"
        );
        assert_eq!(e.field(), Some("port"));
    }
}
