// Types of the web build: browsers and bundlers (`import ... from
// "sessiontrail"` outside Node). Call `await init()` once before anything else.
import type {
  CheckReport,
  EventInput,
  LogHost,
  SessionEvent,
  Stored,
} from "./types.js";

export type * from "./types.js";
// The OTLP functions are not here: `import { toOtlp } from "sessiontrail/otlp"`
// (otlp.d.ts), a module of its own with its own .wasm.

/** Where the .wasm comes from: by default `sessiontrail_bg.wasm` beside the
 *  module, fetched. */
export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module;

/** Loads and instantiates the wasm module; resolves once. */
export default function init(
  module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<unknown>;

/** Instantiates the wasm module from bytes or a compiled module, synchronously. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;

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
 * An append-only session event log over a browser host: the methods of the
 * Node entry without its `…Sync` forms; every method that may wait returns
 * a Promise. For hosts tabs share, each turn of writing runs inside
 * `host.withLock` (the Web Lock `sessiontrail:<host.name>`; other tabs' bytes
 * pulled in first), appends (the core calls `host.lock()`, which refuses an
 * append outside the Web Lock), and waits for `host.flush` before letting
 * the lock go, so tabs sharing a log never share a sequence number.
 *
 * Group commit: the appends that arrive while a turn holds the lock are
 * written together in the next turn (one lock, one host write, one flush),
 * numbered in call order; each resolves with its own stored event or
 * rejects with its own error (an invalid event fails alone; a host failure
 * fails the whole group, nothing written).
 *
 * @example
 * import init, { EventLog, IndexedDbHost } from "sessiontrail";
 * await init();
 * const log = EventLog.withHost(await IndexedDbHost.open("ssn_1"));
 * const stored = await log.append({
 *   type: "agent.note", text: "hello",
 *   session_id: "ssn_1", agent_id: "agent://me", agent_instance_id: "ai_1",
 *   agent_name: "me", host_id: "browser",
 * });
 */
export declare class EventLog {
  private constructor();
  /** Opens the log kept by `host`, continuing its numbering. Writes nothing. */
  static withHost(host: LogHost): EventLog;
  /** The host this log was made with. */
  readonly host: LogHost;
  /** Stores one event; resolves with it as stored. Rejects with an
   *  `EventLogError` naming the field on bad input; nothing is written. */
  append<I extends EventInput>(event: I): Promise<Stored<I>>;
  /** Stores several events with contiguous numbers, in one write; all or
   *  nothing. */
  appendBatch(events: readonly EventInput[]): Promise<SessionEvent[]>;
  /** Pulls in what other tabs appended. */
  refresh(): Promise<void>;
  /** Every readable event, in order (after this log's pending appends). */
  readAll(): Promise<SessionEvent[]>;
  readAllWithStats(): Promise<{ events: SessionEvent[]; skipped: number }>;
  /** Streams the events whose `sequence_no` is at least `seq`, reading
   *  about `chunkBytes` (default 4 MiB) of the log at a time: for logs
   *  larger than a JavaScript string, where `readAll` fails. Lines that are
   *  not events are skipped. `for await (const e of log.readFrom(0))`. */
  readFrom(seq?: number, chunkBytes?: number): AsyncGenerator<SessionEvent, void, undefined>;
  /** The events of the whole lines from byte `offset` on, about `maxBytes`
   *  of them (at least one line): the chunks `readFrom` reads. */
  readChunk(offset: number, maxBytes: number): Promise<LogChunk>;
  /** The count as this tab last saw it (after its open or last append). */
  readonly eventCount: number;
  /** Reads the whole log and reports its integrity. */
  check(): Promise<CheckReport>;
  /** Makes appended events durable (after this log's pending appends). */
  flush(): Promise<void>;
  /** Releases the wasm side of the log (the host stays open). */
  free(): void;
}

/** Bytes in this page's memory: for tests, demos and checking a file's
 *  bytes. Not storage, not shared with other tabs. */
export declare class MemoryHost implements LogHost {
  /** @param options.bytes events to start from (copied), e.g. a file to check. */
  constructor(options?: { name?: string; bytes?: Uint8Array; counter?: Uint8Array });
  readonly name: string;
  /** An in-process lock, taken by the core around each append. */
  lock(): void;
  unlock(): void;
  size(): number;
  read(offset: number, length: number): Uint8Array;
  append(bytes: Uint8Array): void;
  truncate(length: number): void;
  loadCounter(): Uint8Array | null;
  saveCounter(bytes: Uint8Array): void;
  saveTorn(bytes: Uint8Array): void;
  /** Every byte of the events, e.g. to download them as events.jsonl. */
  bytes(): Uint8Array;
  /** The torn tails cut so far, each followed by a newline. */
  tornBytes(): Uint8Array;
}

/** A log in IndexedDB, shared by the tabs of one origin; an in-memory mirror
 *  answers reads, writes are queued and `flush()` resolves when stored. */
export declare class IndexedDbHost implements LogHost {
  /** Opens (creating when new) the log `name` and loads its bytes. */
  static open(
    name: string,
    options?: { durability?: "default" | "strict" | "relaxed" },
  ): Promise<IndexedDbHost>;
  /** Deletes the stored log `name` (close every host on it first). */
  static delete(name: string): Promise<void>;
  private constructor();
  /** `indexeddb:<name>`. */
  readonly name: string;
  size(): number;
  read(offset: number, length: number): Uint8Array;
  append(bytes: Uint8Array): void;
  truncate(length: number): void;
  loadCounter(): Uint8Array | null;
  saveCounter(bytes: Uint8Array): void;
  saveTorn(bytes: Uint8Array): void;
  flush(): Promise<void>;
  /** Throws unless inside `withLock` (the core calls it before appends). */
  lock(): void;
  unlock(): void;
  /** Runs `fn` under the Web Lock `sessiontrail:<name>`, after `refresh()`. */
  withLock<T>(fn: () => T | Promise<T>): Promise<T>;
  refresh(): Promise<void>;
  /** Every byte of the events. */
  bytes(): Uint8Array;
  tornBytes(): Promise<Uint8Array>;
  close(): void;
}

/** A log stored as files in the Origin Private File System (the native
 *  session layout), shared by the tabs of one origin. */
export declare class OpfsHost implements LogHost {
  /** Opens (creating when new) the OPFS log `name`. */
  static open(name: string): Promise<OpfsHost>;
  /** Deletes the stored log `name` (close every host on it first). */
  static delete(name: string): Promise<void>;
  private constructor();
  /** `opfs:<name>`. */
  readonly name: string;
  /** "direct" in a dedicated Worker, "worker" in a window. */
  readonly mode: "direct" | "worker";
  size(): number;
  read(offset: number, length: number): Uint8Array;
  append(bytes: Uint8Array): void;
  truncate(length: number): void;
  loadCounter(): Uint8Array | null;
  saveCounter(bytes: Uint8Array): void;
  saveTorn(bytes: Uint8Array): void;
  flush(): Promise<void>;
  /** Throws unless inside `withLock` (the core calls it before appends). */
  lock(): void;
  unlock(): void;
  /** Runs `fn` under the Web Lock `sessiontrail:<name>`, after `refresh()`. */
  withLock<T>(fn: () => T | Promise<T>): Promise<T>;
  refresh(): Promise<void>;
  /** Every byte of the events. */
  bytes(): Uint8Array;
  close(): Promise<void>;
}
