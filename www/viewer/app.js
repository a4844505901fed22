// The viewer page. Two sources, one page (see sources.js): the sessions of
// `sessiontrail view` (a list, then one session live), or a JSONL file
// dropped on the page. Either way the events go through the recorder's
// timeline (../timeline.js) and a SessionModel drawn by panels.js; the
// integrity report is the core's check(), drawn by the recorder's
// ../integrity-report.js.
//
// Routes (server): ./ the session list; ./?session=NAME one session;
// ./?session=NAME&event=SEQ that session with event SEQ's span panel open.

import { EVENT_TYPES } from "../event-types.js";
import { Timeline } from "../timeline.js";
import { renderReport } from "../integrity-report.js";
import { SessionModel } from "./model.js";
import { el, fmtInt, renderAgentTree, renderEffects, barOfRow, renderSpanDetail, renderTotals, scrollToBar, selectBar, renderWaterfall } from "./panels.js";
import { ServerSession, fetchJson, readFile } from "./sources.js";

const $ = (sel) => document.querySelector(sel);
const LIST_REFRESH_MS = 1500;
// Panels redraw at most this often while events stream in.
const REDRAW_MS = 250;
const CHECK_REFRESH_MS = 2000;

const view = {
  model: new SessionModel(),
  timeline: null,
  skipped: [], // { line, reason, text } of unreadable lines, in file order
  skippedCount: 0,
  tailBytes: 0,
  redrawTimer: 0,
  lastDraw: 0,
  loaded: false,
  bySeq: new Map(), // sequence_no -> event, for the span detail panel
  spanKey: null, // the bar whose detail panel is open
};

boot();

function boot() {
  for (const t of EVENT_TYPES) $("#type-filter").append(new Option(t.name, t.name));
  view.timeline = new Timeline({ scroll: $("#timeline"), count: $("#timeline-count"), filter: $("#type-filter"), detail: $("#event-detail") });
  // For the tests and the benchmark.
  window.viewer = { model: () => view.model, loaded: () => view.loaded };
  wireSpanDetail();
  if (document.body.dataset.source === "server") {
    const name = new URLSearchParams(location.search).get("session");
    if (name !== null) openServerSession(name);
    else showList();
  } else {
    openFilePicker();
  }
}

// ---- the session list (server) ----

async function showList() {
  $("#list-card").hidden = false;
  document.body.dataset.state = "list";
  for (;;) {
    try {
      drawList(await fetchJson("/api/sessions"));
      banner("");
    } catch (e) {
      banner(`Could not list the sessions: ${e.message}`);
    }
    await new Promise((r) => setTimeout(r, LIST_REFRESH_MS));
  }
}

function drawList({ sessions }) {
  const body = $("#sessions tbody");
  body.replaceChildren(
    ...sessions.map((s) => {
      // The name is a directory name: it goes into the query, encoded, and
      // the link is always relative to this page.
      const link = el("a", { href: `?session=${encodeURIComponent(s.name)}` }, s.name);
      if (s.error) return el("tr", { class: "bad" }, el("td", {}, link), el("td", { colspan: 5 }, `cannot read: ${s.error}`));
      const ids = s.session_ids.filter((id) => id !== s.name);
      const verdict = s.ok === null ? "unknown" : s.ok ? "ok" : "damaged";
      const notes = [s.skipped && `${fmtInt(s.skipped)} unreadable`, s.tail_bytes && "torn tail"].filter(Boolean).join(", ");
      return el(
        "tr",
        { "data-session": s.name },
        el("td", {}, link, ids.length ? el("div", { class: "hint" }, ids.join(", ")) : null),
        el("td", {}, el("time", {}, s.first ?? "–")),
        el("td", {}, el("time", {}, s.last ?? "–")),
        el("td", { class: "n" }, fmtInt(s.events)),
        el("td", {}, s.agents.join(", ") + (s.more_agents ? ", …" : "")),
        el("td", { class: `verdict-${verdict}` }, verdict + (notes ? ` (${notes})` : "")),
      );
    }),
  );
  $("#no-sessions").hidden = sessions.length > 0;
}

// ---- one session (server) ----

function openServerSession(name) {
  showSessionView(name);
  let checking = false;
  let checkAgain = false;
  let lastCheck = 0;
  const refreshCheck = async () => {
    if (checking) return void (checkAgain = true);
    const wait = lastCheck + CHECK_REFRESH_MS - performance.now();
    if (wait > 0) {
      checking = true;
      await new Promise((r) => setTimeout(r, wait));
      checking = false;
    }
    checking = true;
    try {
      do {
        checkAgain = false;
        lastCheck = performance.now();
        renderReport($("#report"), `session ${name}`, await fetchJson(`/api/sessions/${encodeURIComponent(name)}/check`));
      } while (checkAgain);
    } catch (e) {
      banner(`Could not check the session: ${e.message}`);
    } finally {
      checking = false;
    }
  };
  const session = new ServerSession(name, {
    onBatch(answer) {
      // While the backlog loads the panels wait for the end (drawing them
      // for every part would cost more than reading it); the status line
      // counts the lines read.
      addEvents(answer.events, answer.skipped, answer.tail_bytes, 0, view.loaded);
      if (!answer.more) {
        if (!view.loaded) {
          view.loaded = true;
          drawNow();
          const seq = new URLSearchParams(location.search).get("event");
          if (seq !== null) openEvent(seq);
          // The whole backlog is on screen at the next frame (the benchmark
          // reads firstScreenMs, from the start of the navigation).
          requestAnimationFrame(() => {
            window.viewer.firstScreenMs = performance.now();
            document.body.dataset.state = "live";
          });
        }
        refreshCheck();
      }
    },
    onReset() {
      resetView();
      banner("The log file was replaced or cut shorter: reading it again from the start.");
    },
    onStatus(text, ok) {
      $("#session-status").textContent = text;
      $("#session-status").classList.toggle("bad", !ok);
    },
  });
  session.start();
}

// ---- a dropped or picked file ----

function openFilePicker() {
  $("#file-card").hidden = false;
  $("#back").hidden = true;
  document.body.dataset.state = "idle";
  const open = async (file) => {
    if (!file) return;
    try {
      const { events, unreadable, tailBytes, report } = await readFile(file);
      resetView();
      showSessionView(file.name);
      $("#session-status").textContent = `from the file ${file.name} (${fmtInt(file.size)} bytes), as it was when opened`;
      view.skippedCount = 0;
      addEvents(events, [], tailBytes, unreadable);
      view.loaded = true;
      drawNow();
      renderReport($("#report"), file.name, report);
      document.body.dataset.state = "file";
      banner("");
    } catch (e) {
      banner(`Could not read ${file.name}: ${e.message}`);
    }
  };
  $("#file-input").addEventListener("change", (e) => open(e.target.files[0]));
  addEventListener("dragover", (e) => e.preventDefault());
  addEventListener("drop", (e) => {
    e.preventDefault();
    open(e.dataTransfer?.files?.[0]);
  });
}

// ---- shared ----

function showSessionView(name) {
  $("#session-view").hidden = false;
  $("#list-card").hidden = true;
  $("#session-name").textContent = name;
  document.title = `${name} · sessiontrail viewer`;
  document.body.dataset.state = "loading";
}

function resetView() {
  view.model = new SessionModel();
  view.skipped = [];
  view.skippedCount = 0;
  view.tailBytes = 0;
  view.bySeq = new Map();
  closeSpan();
  view.timeline.clear();
  scheduleDraw();
}

/** New events and unreadable lines (listed, or only counted). */
function addEvents(events, skipped, tailBytes, unlisted = 0, draw = true) {
  view.model.add(events);
  for (const e of events) view.bySeq.set(e.sequence_no, e);
  view.skipped.push(...skipped);
  view.skippedCount += skipped.length + unlisted;
  view.tailBytes = tailBytes;
  view.timeline.add(events, skipped.length + unlisted);
  if (draw) scheduleDraw();
}

function scheduleDraw() {
  if (view.redrawTimer) return;
  const wait = Math.max(0, view.lastDraw + REDRAW_MS - performance.now());
  view.redrawTimer = setTimeout(() => {
    view.redrawTimer = 0;
    drawNow();
  }, wait);
}

function drawNow() {
  clearTimeout(view.redrawTimer);
  view.redrawTimer = 0;
  view.lastDraw = performance.now();
  const m = view.model;
  renderTotals($("#totals"), m, { skipped: view.skippedCount });
  renderAgentTree($("#agent-tree"), m);
  renderWaterfall($("#waterfall"), m);
  markSelected();
  renderEffects($("#effects"), m);
  const torn = $("#torn-note");
  torn.hidden = !view.tailBytes;
  torn.textContent = view.tailBytes
    ? `${fmtInt(view.tailBytes)} bytes after the last complete line: a torn tail, or an append still being written. It is not an event; the next append moves it to events.jsonl.torn.`
    : "";
  const list = $("#skipped-lines");
  list.hidden = !view.skipped.length;
  list.querySelector("ol").replaceChildren(
    ...view.skipped.slice(0, 100).map((s) => el("li", {}, `line ${s.line}: ${s.reason}`, s.text && el("pre", {}, s.text))),
  );
}

function banner(text) {
  $("#banner").textContent = text;
  $("#banner").hidden = !text;
}

// ---- the span detail panel ----

/** A click on a waterfall row, or Enter / Space on a focused one, opens its
 *  panel; Escape or the close button shuts it. One listener on the
 *  container: the rows are redrawn as events stream in. */
function wireSpanDetail() {
  const open = (row) => {
    const bar = barOfRow(row);
    if (bar) showSpan(bar);
  };
  $("#waterfall").addEventListener("click", (e) => open(e.target.closest(".waterfall > li")));
  $("#waterfall").addEventListener("keydown", (e) => {
    if (e.key !== "Enter" && e.key !== " ") return;
    const row = e.target.closest(".waterfall > li");
    if (!row) return;
    e.preventDefault();
    open(row);
  });
  $("#span-detail").addEventListener("click", (e) => {
    if (e.target.closest("button.close")) closeSpan(true);
  });
  addEventListener("keydown", (e) => {
    if (e.key === "Escape" && view.spanKey !== null) closeSpan(true);
  });
}

function showSpan(bar) {
  view.spanKey = bar.key;
  renderSpanDetail($("#span-detail"), view.model, bar, bar.events.map((seq) => [seq, view.bySeq.get(seq)]));
  markSelected();
  // The address names the event, so it can be shared (server pages only:
  // a dropped file has no address to come back to).
  if (document.body.dataset.source === "server") {
    const q = new URLSearchParams(location.search);
    q.set("event", String(bar.events[0]));
    history.replaceState(null, "", `?${q}`);
  }
}

/** `?event=SEQ`: the bar holding event SEQ (a number), its panel open. */
function openEvent(text) {
  const seq = Number(text);
  const bar = Number.isInteger(seq) ? [...view.model.bars.values()].find((b) => b.events.includes(seq)) : undefined;
  if (bar) {
    showSpan(bar);
    $("#waterfall").scrollIntoView({ block: "start" });
    scrollToBar($("#waterfall"), bar.key);
    $("#span-detail").focus({ preventScroll: true });
  } else banner(`No span holds event ${text} in this session.`);
}

function closeSpan(byPerson = false) {
  const panel = $("#span-detail");
  const key = view.spanKey;
  view.spanKey = null;
  panel.hidden = true;
  panel.replaceChildren();
  markSelected();
  if (!byPerson) return;
  if (document.body.dataset.source === "server") {
    const q = new URLSearchParams(location.search);
    q.delete("event");
    history.replaceState(null, "", `?${q}`);
  }
  if (key !== null) rowOf(key)?.focus();
}

/** The waterfall row drawing the bar keyed `key`, if it is drawn. */
function rowOf(key) {
  for (const li of document.querySelectorAll(".waterfall > li")) if (barOfRow(li)?.key === key) return li;
  return null;
}

function markSelected() {
  selectBar(view.spanKey);
  for (const li of document.querySelectorAll(".waterfall > li.selected")) li.classList.remove("selected");
  if (view.spanKey !== null) rowOf(view.spanKey)?.classList.add("selected");
}
