// Types shared by the Node build (index.d.ts) and the web build
// (browser.d.ts): the events, what append accepts, the integrity report and
// the storage host contract. Event fields are snake_case: they are the wire
// format, one JSON object per line of events.jsonl, the same as the Rust
// crate and treeship-core 0.32 write. The events themselves (EventBase, one
// interface per event type, SessionEvent, EventType) are in events.d.ts,
// generated from the Rust schema by `cargo xtask codegen`.

export type * from "./events.js";
import type { SessionEvent } from "./events.js";

/** Any JSON value (the `meta` field holds one). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** The fields append fills in (`sequence_no` is always assigned). */
export type FilledFields = "event_id" | "timestamp" | "trace_id" | "span_id" | "sequence_no";

/** What append accepts: an event whose ids, timestamp and sequence number
 *  may be left out. A `sequence_no` given is ignored. */
export type EventInput = SessionEvent extends infer E
  ? E extends SessionEvent
    ? Omit<E, FilledFields> & Partial<Pick<E, FilledFields>>
    : never
  : never;

/** The stored event for an input of type `I`. */
export type Stored<I extends EventInput> = Extract<SessionEvent, { type: I["type"] }>;

/** The result of `check()`: what the log holds and what is wrong with it. */
export interface CheckReport {
  /** No skipped line, no duplicate or missing number, no torn tail. A stale
   *  counter is not damage. */
  ok: boolean;
  /** Lines that are events. */
  events: number;
  /** Complete lines (each holds one sequence number). */
  lines: number;
  /** Bytes of events stored. */
  bytes: number;
  /** Complete lines that are not events. */
  skipped: number;
  /** The first 100 of them: 1-based line number and why. */
  skippedLines: { line: number; reason: string }[];
  /** Sequence numbers that appear on more than one event. */
  duplicates: number[];
  /** Gaps among 0..highest as inclusive ranges (the first 100). */
  missing: [number, number][];
  /** How many numbers are missing in all. */
  missingCount: number;
  /** Events whose number is not their line's position. */
  misplaced: number;
  /** Bytes after the last newline: a torn tail. */
  tornTailBytes: number;
  counter: "missing" | "consistent" | "stale";
}

/**
 * Where a log's bytes live. The wasm core keeps the format, numbering and
 * recovery rules; a host only moves bytes. Every method is synchronous
 * except `flush` and `refresh`. A method that throws fails the call with an
 * Error naming the host and the method; nothing is acknowledged.
 */
export interface LogHost {
  /** A name for error messages; browsers also use it for the Web Lock. */
  readonly name: string;
  /** Bytes of events stored so far. Cheap: read before every append. */
  size(): number;
  /** Up to `length` bytes from `offset` (fewer only at the end). */
  read(offset: number, length: number): Uint8Array;
  /** Store all of `bytes` after the current end, or throw. `bytes` may be a
   *  view into wasm memory, valid only during the call: copy to keep. */
  append(bytes: Uint8Array): void;
  /** Cut the events back to `length` bytes (torn-tail repair only). */
  truncate(length: number): void;
  /** The 16-byte counter hint, or null. */
  loadCounter?(): Uint8Array | null;
  /** Record the 16-byte counter hint. A failure here is ignored: the hint
   *  is checked against the size, so a lost one costs a recount. */
  saveCounter?(bytes: Uint8Array): void;
  /** Keep the bytes of a cut torn tail for inspection. */
  saveTorn?(bytes: Uint8Array): void;
  /** The Merkle tree sidecar (docs/format.md "The Merkle tree"): a host
   *  with all four keeps it, written by the core under the lock; a host
   *  without them keeps none, and the next native append hashes its
   *  lines. The sidecar's byte size (0 when there is none). */
  treeSize?(): number;
  /** Up to `length` bytes of the tree sidecar at `offset`. */
  readTree?(offset: number, length: number): Uint8Array;
  /** Write `bytes` at `offset` of the tree sidecar, creating it. */
  writeTree?(offset: number, bytes: Uint8Array): void;
  /** Cut the tree sidecar to `length` bytes. */
  truncateTree?(length: number): void;
  /** Make appended bytes durable. */
  flush?(): void | Promise<void>;
  /** Pull in bytes other tabs stored since the last call (browser hosts
   *  shared across tabs; the browser EventLog calls it under its Web Lock). */
  refresh?(): Promise<void>;
  /** Whether the storage was reopened since the last call (a file replaced
   *  behind the host): the log then recounts before numbering. */
  takeReopened?(): boolean;
  /** Take the exclusive lock every writer of this log takes; the core calls
   *  it before each append. Throw to refuse: an Error whose `code` is
   *  `LOCK_TIMEOUT`, `LOCK_UNSUPPORTED` or `LOCK_NOT_HELD` keeps that code
   *  (any other gives `HOST_FAILED`, what was thrown its `cause`). A host
   *  without `lock` says that nothing outside this JavaScript realm writes
   *  its bytes. */
  lock?(): void;
  /** Release the lock taken by `lock`; called after each append. */
  unlock?(): void;
}

/** The stable `code` of every Error the log throws. */
export type EventLogErrorCode =
  /** The event is not valid (the message names the field); nothing written. */
  | "INVALID_EVENT"
  /** A call's argument is not what it takes (not an event). */
  | "INVALID_ARGUMENT"
  /** The lock was not taken within `lockTimeoutMs`; nothing written. */
  | "LOCK_TIMEOUT"
  /** The lock cannot be taken here (koffi missing, Windows, a file system
   *  without flock, no Web Locks); nothing written. */
  | "LOCK_UNSUPPORTED"
  /** A shared browser host was written outside its Web Lock. */
  | "LOCK_NOT_HELD"
  /** The storage host failed; what it threw is the `cause`. */
  | "HOST_FAILED"
  /** A host method called the log it stores. */
  | "REENTRANT"
  /** The log was closed or freed. */
  | "CLOSED"
  /** The wasm core trapped; the log is closed. */
  | "WASM_TRAP"
  /** Browser entry: called before `await init()` finished. */
  | "NOT_INITIALIZED"
  /** Browser entry: `init()` could not fetch or compile the `.wasm` (the
   *  message names the URL and what to do). */
  | "WASM_LOAD_FAILED";

/** An Error thrown (or a Promise rejected) by the log: `code` to branch on,
 *  the message for people, `field` for an invalid event, and what the
 *  storage host threw as `cause`. */
export interface EventLogError extends Error {
  code: EventLogErrorCode;
  /** For INVALID_EVENT: the field refused, as a path (`port`,
   *  `meta.scores[2]`), when the error is about one field. */
  field?: string;
  cause?: unknown;
}
