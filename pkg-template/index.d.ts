// Types of the Node build: `require("sessiontrail")` and `import ... from
// "sessiontrail"` under Node. Browsers and bundlers get browser.d.ts.
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
import type { toOtlp, toOtlpJson, OtlpMapper, otlpRequests } from "./otlp.js";

/** A chunk of the log, as `readChunk` reads it. */
export interface LogChunk {
  events: SessionEvent[];
  skipped: number;
  /** Where the next chunk starts. */
  next: number;
  /** Whether the end was reached. */
  done: boolean;
}

/**
 * An append-only session event log. The same methods as in browsers: every
 * method that may wait returns a Promise. Node adds synchronous forms named
 * as `fs` names them (`appendSync`, `readAllSync`, ...): when `appendSync`
 * returns, the line has been written to the file (fs.writeSync), so a hook
 * may call `process.exit()` right after.
 *
 * Promise `append`s issued in one turn are written together at the next
 * microtask (one lock, one write), numbered in call order; each resolves
 * with its own stored event or rejects with its own error (an invalid
 * event fails alone; a host failure fails the whole group, nothing
 * written). A Sync call first writes the Promise appends issued before it.
 *
 * Every append takes flock(2) on events.jsonl.lock (through koffi), the
 * lock the native CLI, the Rust crate and treeship-core take: Node and
 * native processes can append to one session at the same moment. Errors
 * carry a stable `code` (`EventLogError` in types.d.ts).
 *
 * @example
 * const { EventLog } = require("sessiontrail");
 * const log = EventLog.open("/tmp/session-1");
 * const stored = await log.append({
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

  /** Stores one event; resolves with it as stored: `sequence_no` set, and
   *  `event_id`, `timestamp`, `trace_id`, `span_id` filled when absent.
   *  Rejects with an `EventLogError` naming the field on bad input; nothing
   *  is written then. Appends issued together are written together. */
  append<I extends EventInput>(event: I): Promise<Stored<I>>;
  /** `append`, synchronously: the line is in the file when it returns. */
  appendSync<I extends EventInput>(event: I): Stored<I>;
  /** Stores several events in one write, numbered contiguously; all or
   *  nothing (a bad one fails, naming its index, and none is written). */
  appendBatch(events: readonly EventInput[]): Promise<SessionEvent[]>;
  appendBatchSync(events: readonly EventInput[]): SessionEvent[];
  /** Every readable event, in order; lines that are not events are skipped. */
  readAll(): Promise<SessionEvent[]>;
  readAllSync(): SessionEvent[];
  /** Every readable event and the number of complete lines skipped. */
  readAllWithStats(): Promise<{ events: SessionEvent[]; skipped: number }>;
  readAllWithStatsSync(): { events: SessionEvent[]; skipped: number };
  /** Streams the events whose `sequence_no` is at least `seq`, reading
   *  about `chunkBytes` (default 4 MiB) of the log at a time: for logs
   *  larger than a JavaScript string, where `readAll` fails. Lines that are
   *  not events are skipped. `for await (const e of log.readFrom(0))`. */
  readFrom(seq?: number, chunkBytes?: number): AsyncGenerator<SessionEvent, void, undefined>;
  readFromSync(seq?: number, chunkBytes?: number): Generator<SessionEvent, void, undefined>;
  /** The events of the whole lines from byte `offset` on, about `maxBytes`
   *  of them (at least one line): the chunks `readFrom` reads. */
  readChunk(offset: number, maxBytes: number): Promise<LogChunk>;
  readChunkSync(offset: number, maxBytes: number): LogChunk;
  /** The events as this log last saw them: at open, then after each of its
   *  own appends. */
  readonly eventCount: number;
  /** Reads the whole log and reports its integrity. */
  check(): Promise<CheckReport>;
  checkSync(): CheckReport;
  /** Makes appended events durable (fdatasync for files). */
  flush(): Promise<void>;
  /** `flush`, synchronously (a host whose flush returns a Promise needs
   *  `flush()`). */
  flushSync(): void;
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
  /** events.jsonl.tree, the Merkle tree sidecar (see LogHost). */
  treeSize(): number;
  readTree(offset: number, length: number): Uint8Array;
  writeTree(offset: number, bytes: Uint8Array): void;
  truncateTree(length: number): void;
  /** fdatasync events.jsonl (and fsync the directory after creating it). */
  flush(): void;
  /** Whether events.jsonl was replaced behind this host (and reopened)
   *  since the last call. */
  takeReopened(): boolean;
  /** Closes the files; they are opened again if the host is used after. */
  close(): void;
}

declare const sessiontrail: {
  EventLog: typeof EventLog;
  FileHost: typeof FileHost;
  toOtlp: typeof toOtlp;
  toOtlpJson: typeof toOtlpJson;
  OtlpMapper: typeof OtlpMapper;
  otlpRequests: typeof otlpRequests;
};
export default sessiontrail;
