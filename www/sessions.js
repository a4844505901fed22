// Sessions as the recorder knows them: which storage each log is in, the
// list of sessions started in this browser (localStorage, for "resume"),
// and opening a session's log on its storage.

import { EventLog, IndexedDbHost, MemoryHost, OpfsHost } from "./pkg/index.js";

const INDEX_KEY = "sessiontrail.recorder.sessions";

export const STORAGES = {
  indexeddb: "IndexedDB",
  opfs: "OPFS (files)",
  memory: "Memory (lost on reload)",
};

/** Whether this browser can hold an OPFS log: the private file system and
 *  module Workers (the host's access handles live in a Worker). */
export function opfsAvailable() {
  return Boolean(globalThis.navigator?.storage?.getDirectory) && typeof Worker !== "undefined";
}

export function newSessionId() {
  return `ssn_${randomHex(8)}`;
}

export function newTraceId() {
  return randomHex(16);
}

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Sessions started in this browser, newest first. */
export function knownSessions() {
  try {
    const list = JSON.parse(localStorage.getItem(INDEX_KEY));
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

/** Remembers a session (once); returns its entry, with its trace id. */
export function rememberSession(id, storage) {
  const list = knownSessions();
  let entry = list.find((s) => s.id === id && s.storage === storage);
  if (!entry) {
    // One trace per session: every event recorded here shares it.
    entry = { id, storage, traceId: newTraceId(), started: new Date().toISOString() };
    list.unshift(entry);
    localStorage.setItem(INDEX_KEY, JSON.stringify(list.slice(0, 50)));
  }
  return entry;
}

/** Opens session `id`'s log on `storage`; throws with the host's message
 *  (e.g. "no Origin Private File System") when it cannot. */
export async function openLog(id, storage) {
  let host;
  if (storage === "indexeddb") host = await IndexedDbHost.open(id);
  else if (storage === "opfs") host = await OpfsHost.open(id);
  else if (storage === "memory") host = new MemoryHost({ name: `memory:${id}` });
  else throw new Error(`unknown storage ${JSON.stringify(storage)}: use one of ${Object.keys(STORAGES).join(", ")}`);
  return { host, log: EventLog.withHost(host) };
}
