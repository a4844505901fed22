// Types of the Node build: `require("sessionlog")` and `import ... from
// "sessionlog"` under Node. Browsers and bundlers get browser.d.ts.
import type {
  CheckReport,
  EventInput,
  LogHost,
  SessionEvent,
  Stored,
} from "./types.js";

/** The options of `EventLog.open` and `new FileHost`. */
export interface OpenOptions {
  /** "flock" (the default): every append takes flock(2) on
   *  events.jsonl.lock, as the native writers and treeship-core do. "none":
   *  no lock at all, unsafe when any other process writes the session. */
  lock?: "flock" | "none";
  /** Give up waiting for the lock after this many milliseconds: an Error
   *  with code LOCK_TIMEOUT, nothing written. Default: wait. */
  lockTimeoutMs?: number;
}

export type * from "./types.js";
export * from "./otlp.js";
import type { toOtlp, OtlpMapper, otlpRequests } from "./otlp.js";

/**
 * An append-only session event log. In Node every method but `flush` is
 * synchronous: when `append` returns, the line has been written to the file
 * (fs.writeSync), so a hook may call `process.exit()` right after.
 *
 * Every append takes flock(2) on events.jsonl.lock (through koffi), the
 * lock the native CLI, the Rust crate and treeship-core take: Node and
 * native processes can append to one session at the same moment. Errors
 * carry a stable `code` (`EventLogError` in types.d.ts).
 *
 * @example
 * const { EventLog } = require("sessionlog");
 * const log = EventLog.open("/tmp/session-1");
 * const stored = log.append({
 *   type: "agent.called_tool", tool_name: "bash",
 *   session_id: "ssn_1", agent_id: "agent://me", agent_instance_id: "ai_1",
 *   agent_name: "me", host_id: "laptop",
 * });
 * stored.sequence_no; // 0 in a new directory
 */
export declare class EventLog {
  private constructor();
  /** Opens the log in session directory `dir` (created at the first
   *  append): `EventLog.withHost(new FileHost(dir, options))`. Writes
   *  nothing. Throws LOCK_UNSUPPORTED when flock cannot be called (koffi
   *  missing, Windows) unless `options.lock` is "none". */
  static open(dir: string | URL, options?: OpenOptions): EventLog;
  /** Opens the log kept by `host`, continuing its numbering. Writes nothing. */
  static withHost(host: LogHost): EventLog;
  /** Appends one event and returns it as stored: `sequence_no` set, and
   *  `event_id`, `timestamp`, `trace_id`, `span_id` filled when absent.
   *  Throws an Error naming the field or host method on bad input; nothing
   *  is written then. */
  append<I extends EventInput>(event: I): Stored<I>;
  /** Appends several events in one write, numbered contiguously; all or
   *  nothing (a bad one throws, naming its index, and none is written). */
  appendBatch(events: readonly EventInput[]): SessionEvent[];
  /** Every readable event, in order; lines that are not events are skipped. */
  readAll(): SessionEvent[];
  /** Every readable event and the number of complete lines skipped. */
  readAllWithStats(): { events: SessionEvent[]; skipped: number };
  /** Streams the events whose `sequence_no` is at least `seq`, reading
   *  about `chunkBytes` (default 4 MiB) of the log at a time: for logs
   *  larger than a JavaScript string, where `readAll` fails. Lines that are
   *  not events are skipped. */
  readFrom(seq?: number, chunkBytes?: number): Generator<SessionEvent, void, undefined>;
  /** The events of the whole lines from byte `offset` on, about `maxBytes`
   *  of them (at least one line): the chunks `readFrom` reads. `next` is
   *  where the next chunk starts; `done` says the end was reached. */
  readChunk(
    offset: number,
    maxBytes: number,
  ): { events: SessionEvent[]; skipped: number; next: number; done: boolean };
  /** The events as this log last saw them: at open, then after each of its
   *  own appends. */
  readonly eventCount: number;
  /** Reads the whole log and reports its integrity. */
  check(): CheckReport;
  /** Makes appended events durable (fdatasync for files). */
  flush(): Promise<void>;
  /** Frees the log and closes its files (logs made by `open`). */
  close(): void;
  /** "flock", or "none" for a log opened with `{ lock: "none" }`;
   *  undefined for a log made by `withHost`. */
  readonly locking: "flock" | "none" | undefined;
  /** Frees the wasm side of the log; the host stays open. */
  free(): void;
}

/**
 * The Node file host: a session directory with events.jsonl, its 16-byte
 * counter events.jsonl.count, events.jsonl.lock and events.jsonl.torn, the
 * same files, modes (0o600) and rules as the native crate. Refuses a
 * symlinked directory or events.jsonl and a hard-linked events.jsonl.
 */
export declare class FileHost implements LogHost {
  /** @param dir the session directory; created at the first append. */
  constructor(dir: string | URL, options?: OpenOptions);
  /** "flock", or "none" when made with `{ lock: "none" }`. */
  readonly locking: "flock" | "none";
  /** Takes flock(2) on events.jsonl.lock (waits, or throws LOCK_TIMEOUT
   *  after `lockTimeoutMs`); a no-op with `{ lock: "none" }`. */
  lock(): void;
  /** Releases the lock taken by `lock`. */
  unlock(): void;
  /** The path of events.jsonl. */
  readonly name: string;
  /** The session directory, resolved. */
  readonly dir: string;
  size(): number;
  read(offset: number, length: number): Uint8Array;
  append(bytes: Uint8Array): void;
  truncate(length: number): void;
  loadCounter(): Uint8Array | null;
  saveCounter(bytes: Uint8Array): void;
  saveTorn(bytes: Uint8Array): void;
  /** fdatasync events.jsonl (and fsync the directory after creating it). */
  flush(): void;
  /** Whether events.jsonl was replaced behind this host (and reopened)
   *  since the last call. */
  takeReopened(): boolean;
  /** Closes the files; they are opened again if the host is used after. */
  close(): void;
}

declare const sessionlog: {
  EventLog: typeof EventLog;
  FileHost: typeof FileHost;
  toOtlp: typeof toOtlp;
  OtlpMapper: typeof OtlpMapper;
  otlpRequests: typeof otlpRequests;
};
export default sessionlog;
