// The recorder page: wires the session panel, the event form, the timeline,
// export and import to one sessiontrail EventLog. Every event goes through
// record() below, the page's own path (also used by the simulator and, as
// window.recorder.record, by the tests and the benchmark).
//
// Two tabs on one session: appends take the log's Web Lock (in the package's
// EventLog), and each append is announced on a BroadcastChannel so the other
// tabs pull the new bytes in and show them.

import init, { EventLog, MemoryHost } from "./pkg/index.js";
import { EVENT_TYPES } from "./event-types.js";
import { EventForm } from "./event-form.js";
import { Timeline } from "./timeline.js";
import { parseLines } from "./line-reader.js";
import { renderReport } from "./integrity-report.js";
import { simulatedSession } from "./simulate.js";
import { STORAGES, knownSessions, newSessionId, openLog, opfsAvailable, rememberSession } from "./sessions.js";

const $ = (sel) => document.querySelector(sel);

const state = {
  session: null, // { id, storage, traceId }
  log: null,
  host: null,
  channel: null,
  shownBytes: 0, // bytes of the log the timeline has parsed
  refreshing: false,
  refreshAgain: false,
  simulating: false,
};

let form;
let timeline;

boot();

async function boot() {
  try {
    await init();
  } catch (e) {
    banner(
      `Could not load the sessiontrail package from ./pkg/ (${e.message}). ` +
        'Build it with "make pkg" and serve this page with "make www".',
    );
    document.body.dataset.state = "broken";
    return;
  }
  fillStorageChoices();
  fillResumeChoices();
  form = new EventForm($("#event-form"), record);
  timeline = new Timeline({ scroll: $("#timeline"), count: $("#timeline-count"), filter: $("#type-filter"), detail: $("#event-detail") });
  for (const t of EVENT_TYPES) $("#type-filter").append(new Option(t.name, t.name));

  $("#start-form").addEventListener("submit", (e) => {
    e.preventDefault();
    openSession(newSessionId(), $("#storage").value);
  });
  $("#resume-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const [storage, id] = $("#resume").value.split(" ");
    if (id) openSession(id, storage);
  });
  $("#export").addEventListener("click", exportJsonl);
  $("#check-session").addEventListener("click", checkSession);
  $("#simulate").addEventListener("click", toggleSimulation);
  $("#import-file").addEventListener("change", importFile);

  // unload often never fires (mobile, bfcache): flush when the page is hidden.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flushLog();
  });
  addEventListener("pagehide", flushLog);

  // For the tests and the benchmark: the same paths the controls use.
  window.recorder = { record, recordBatch, openSession, timeline: () => timeline };
  const params = new URLSearchParams(location.search);
  if (params.get("session")) await openSession(params.get("session"), params.get("storage") ?? "indexeddb");
  else document.body.dataset.state = "idle";
}

/** Opens (or creates) session `id` on `storage` and shows its timeline.
 *  Resolves with how long loading the timeline took. */
async function openSession(id, storage) {
  stopSimulation();
  closeSession();
  document.body.dataset.state = "opening";
  let opened;
  try {
    opened = await openLog(id, storage);
  } catch (e) {
    banner(`Could not open session ${id} in ${STORAGES[storage] ?? storage}: ${e.message}`);
    document.body.dataset.state = "idle";
    return null;
  }
  banner("");
  const entry = rememberSession(id, storage);
  Object.assign(state, { session: entry, log: opened.log, host: opened.host, shownBytes: 0 });
  const url = new URL(location.href);
  url.search = new URLSearchParams({ session: id, storage }).toString();
  history.replaceState(null, "", url);

  $("#session-id").textContent = id;
  $("#session-storage").textContent = STORAGES[storage];
  $("#other-tab").href = url.href;
  $("#other-tab-wrap").hidden = storage === "memory"; // a memory log lives in this tab only
  $("#current").hidden = false;
  $("#no-session").hidden = true;
  $("#workspace").hidden = false;
  $("#switch").open = false;
  fillResumeChoices();

  const started = performance.now();
  timeline.clear();
  syncTimeline();
  await nextFrame();
  const timelineMs = performance.now() - started;

  form.selectType(timeline.size ? "agent.called_tool" : "session.started");
  if (storage !== "memory") {
    state.channel = new BroadcastChannel(`sessiontrail:${opened.host.name}`);
    state.channel.onmessage = () => pullOthers();
  }
  document.body.dataset.state = "recording";
  return { events: timeline.size, timelineMs };
}

function closeSession() {
  state.channel?.close();
  state.channel = null;
  state.host?.close?.();
  state.log?.free();
  Object.assign(state, { session: null, log: null, host: null });
}

/** Stores one event of this session (the page's own path) and shows it. */
async function record(fields) {
  if (!state.log) throw new Error("start or resume a session first");
  const { log, session } = state;
  const stored = await log.append({ session_id: session.id, trace_id: session.traceId, ...fields });
  if (log === state.log) {
    syncTimeline();
    state.channel?.postMessage("appended");
  }
  return stored;
}

/** Stores several events in one write (contiguous numbers), then shows them. */
async function recordBatch(list) {
  if (!state.log) throw new Error("start or resume a session first");
  const { log, session } = state;
  const stored = await log.appendBatch(list.map((fields) => ({ session_id: session.id, trace_id: session.traceId, ...fields })));
  if (log === state.log) {
    syncTimeline();
    state.channel?.postMessage("appended");
  }
  return stored;
}

/** Shows the bytes stored since the timeline last looked. */
function syncTimeline() {
  const host = state.host;
  const size = host.size();
  if (size < state.shownBytes) {
    // The log was cut (a torn tail repaired): start the timeline over.
    timeline.clear();
    state.shownBytes = 0;
  }
  if (size === state.shownBytes) return;
  const { events, unreadable, consumed } = parseLines(host.read(state.shownBytes, size - state.shownBytes));
  state.shownBytes += consumed;
  timeline.add(events, unreadable);
}

/** Another tab appended: pull its bytes in (under the lock) and show them.
 *  Messages that arrive meanwhile fold into one more round. */
async function pullOthers() {
  if (state.refreshing) {
    state.refreshAgain = true;
    return;
  }
  state.refreshing = true;
  const log = state.log;
  try {
    do {
      state.refreshAgain = false;
      await log.refresh();
      if (log === state.log) syncTimeline();
    } while (state.refreshAgain && log === state.log);
  } catch (e) {
    // A session switched away from meanwhile has a closed host: not news.
    if (log === state.log) banner(`Could not read other tabs' events: ${e.message}`);
  } finally {
    state.refreshing = false;
  }
}

async function exportJsonl() {
  await state.log.refresh(); // include what other tabs stored
  const blob = new Blob([state.host.read(0, state.host.size())], { type: "application/x-ndjson" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  // The CLI reads a session directory: save this as DIR/events.jsonl.
  a.download = `${state.session.id}.events.jsonl`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function checkSession() {
  await state.log.refresh();
  renderReport($("#report"), `session ${state.session.id}`, await state.log.check(), { focus: true });
}

async function importFile(e) {
  const file = e.target.files[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  // The wasm core's check over the file's bytes, held in memory only.
  const log = EventLog.withHost(new MemoryHost({ name: `file:${file.name}`, bytes }));
  try {
    renderReport($("#report"), file.name, await log.check(), { focus: true });
  } catch (err) {
    banner(`Could not check ${file.name}: ${err.message}`);
  } finally {
    log.free();
  }
}

async function toggleSimulation() {
  if (state.simulating) return stopSimulation();
  state.simulating = true;
  const button = $("#simulate");
  button.setAttribute("aria-pressed", "true");
  button.textContent = "Stop simulation";
  const log = state.log;
  try {
    for (const step of simulatedSession(form.agent())) {
      if (!state.simulating || state.log !== log) break;
      await record({ ...form.agent(), ...step });
      await new Promise((r) => setTimeout(r, 350));
    }
  } catch (e) {
    banner(`Simulation stopped: ${e.message}`);
  } finally {
    stopSimulation();
  }
}

function stopSimulation() {
  state.simulating = false;
  const button = $("#simulate");
  button.setAttribute("aria-pressed", "false");
  button.textContent = "Simulate agent";
}

function flushLog() {
  state.log?.flush().catch((e) => banner(`Could not store the last events: ${e.message}`));
}

function fillStorageChoices() {
  const select = $("#storage");
  for (const [value, label] of Object.entries(STORAGES)) {
    const option = new Option(label, value);
    if (value === "opfs" && !opfsAvailable()) {
      option.disabled = true;
      option.text = `${label}: not available in this browser`;
    }
    select.append(option);
  }
}

function fillResumeChoices() {
  const select = $("#resume");
  const sessions = knownSessions().filter((s) => s.storage !== "memory");
  select.replaceChildren(
    ...sessions.map((s) => new Option(`${s.id} · ${STORAGES[s.storage]} · ${new Date(s.started).toLocaleString()}`, `${s.storage} ${s.id}`)),
  );
  if (!sessions.length) select.append(new Option("none yet", ""));
  select.disabled = !sessions.length;
  $("#resume-button").disabled = !sessions.length;
}

function banner(text) {
  $("#banner").textContent = text;
  $("#banner").hidden = !text;
}

function nextFrame() {
  return new Promise((r) => requestAnimationFrame(() => r()));
}
