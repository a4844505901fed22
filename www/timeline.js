// The live timeline: every event of the session, newest first, so the
// latest is always at the top without scrolling. Virtualised: only the rows
// in view (plus a margin) are in the DOM, so 10,000 events cost what 30 do.
// A listbox for the keyboard: Up/Down/Home/End/PageUp/PageDown move the
// selection, whose full JSON shows in the detail panel.

import { TYPE_BY_NAME, summarize } from "./event-types.js";
import { iconNode } from "./icons.js";
import { printable } from "./printable.js";

const OVERSCAN = 8;
// While events stream in, rows are redrawn at most this often: a frame of
// rows costs a few milliseconds to paint, and redrawing on every frame
// halved the rate a page could append at. Scrolling and selection redraw
// at once.
const STREAM_REDRAW_MS = 100;

export class Timeline {
  #all = []; // every event, in file order
  #view = []; // the ones the filter lets through, in file order
  #filter = "";
  #selected = null; // the selected event
  #scroll;
  #list;
  #count;
  #detail;
  #rowHeight = 0;
  #frame = 0;
  #lastRender = 0;
  #streamTimer = 0;
  #unreadable = 0;

  constructor({ scroll, count, filter, detail }) {
    this.#scroll = scroll;
    this.#list = scroll.querySelector("ol");
    this.#count = count;
    this.#detail = detail;
    filter.addEventListener("change", () => {
      this.#filter = filter.value;
      this.#rebuildView();
    });
    scroll.addEventListener("scroll", () => this.#schedule());
    scroll.addEventListener("keydown", (e) => this.#onKey(e));
    this.#list.addEventListener("click", (e) => {
      const row = e.target.closest("[data-index]");
      if (row) this.#select(Number(row.dataset.index));
    });
    new ResizeObserver(() => {
      this.#rowHeight = 0; // re-read: the phone layout has taller rows
      this.#schedule();
    }).observe(scroll);
    this.#rebuildView();
  }

  get size() {
    return this.#all.length;
  }

  /** Every event shown so far, in log order (a copy). */
  events() {
    return this.#all.slice();
  }

  /** Forgets every event (a new session, or the log was cut shorter). */
  clear() {
    this.#all = [];
    this.#unreadable = 0;
    this.#selected = null;
    this.#lastRender = 0;
    this.#rebuildView();
  }

  /** Adds events at the end of the log, and lines that would not parse. */
  add(events, unreadable = 0) {
    this.#unreadable += unreadable;
    for (const e of events) {
      this.#all.push(e);
      if (!this.#filter || e.type === this.#filter) this.#view.push(e);
    }
    this.#updateCount();
    this.#scheduleStreamed();
  }

  #rebuildView() {
    this.#view = this.#filter ? this.#all.filter((e) => e.type === this.#filter) : this.#all.slice();
    this.#updateCount();
    this.#schedule();
  }

  #updateCount() {
    const n = this.#all.length;
    const events = `${n} ${n === 1 ? "event" : "events"}`;
    let text = this.#filter ? `${this.#view.length} of ${events} shown` : events;
    if (this.#unreadable) text += ` · ${this.#unreadable} unreadable ${this.#unreadable === 1 ? "line" : "lines"}`;
    this.#count.textContent = text;
    this.#list.setAttribute("aria-setsize", String(this.#view.length));
  }

  #schedule() {
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#render());
  }

  #scheduleStreamed() {
    const wait = this.#lastRender + STREAM_REDRAW_MS - performance.now();
    if (wait <= 0) return this.#schedule();
    this.#streamTimer ||= setTimeout(() => {
      this.#streamTimer = 0;
      this.#schedule();
    }, wait);
  }

  /** Draws the rows in view (and a margin) at their positions. */
  #render() {
    this.#frame = 0;
    this.#lastRender = performance.now();
    const h = this.#rowH();
    const n = this.#view.length;
    this.#list.style.height = `${n * h}px`;
    const first = Math.max(0, Math.floor(this.#scroll.scrollTop / h) - OVERSCAN);
    const last = Math.min(n, Math.ceil((this.#scroll.scrollTop + this.#scroll.clientHeight) / h) + OVERSCAN);
    const rows = [];
    for (let pos = first; pos < last; pos++) {
      // Position 0 (the top) is the newest event.
      const index = n - 1 - pos;
      rows.push(rowNode(this.#view[index], index, pos, h, this.#view[index] === this.#selected));
    }
    this.#list.replaceChildren(...rows);
    const active = this.#list.querySelector('[aria-selected="true"]');
    if (active) this.#scroll.setAttribute("aria-activedescendant", active.id);
    else this.#scroll.removeAttribute("aria-activedescendant");
  }

  /** The row height the stylesheet sets (it differs on narrow timelines). */
  #rowH() {
    if (!this.#rowHeight) {
      const h = parseFloat(getComputedStyle(this.#scroll).getPropertyValue("--row-height"));
      this.#rowHeight = h > 0 ? h : 48;
    }
    return this.#rowHeight;
  }

  #select(index) {
    const n = this.#view.length;
    if (n === 0) return;
    index = Math.min(n - 1, Math.max(0, index));
    this.#selected = this.#view[index];
    const pos = n - 1 - index;
    const h = this.#rowH();
    // The list may not have grown yet (that happens at the next frame), and
    // the browser clamps scrollTop to its height.
    this.#list.style.height = `${n * h}px`;
    // Keep the selected row in view.
    if (pos * h < this.#scroll.scrollTop) this.#scroll.scrollTop = pos * h;
    else if ((pos + 1) * h > this.#scroll.scrollTop + this.#scroll.clientHeight) {
      this.#scroll.scrollTop = (pos + 1) * h - this.#scroll.clientHeight;
    }
    this.#detail.hidden = false;
    this.#detail.querySelector("h3").textContent = printable(`Event #${this.#selected.sequence_no}: ${this.#selected.type}`);
    this.#detail.querySelector("pre").textContent = printable(JSON.stringify(this.#selected, null, 2), { keepNewlines: true });
    this.#schedule();
  }

  #onKey(e) {
    const n = this.#view.length;
    // With nothing selected, start just above the newest row.
    const current = this.#selected ? this.#view.lastIndexOf(this.#selected) : n;
    const page = Math.max(1, Math.floor(this.#scroll.clientHeight / this.#rowH()) - 1);
    // The list shows newest first, so "down" goes to older events.
    const moves = {
      ArrowDown: current - 1,
      ArrowUp: current + 1,
      PageDown: current - page,
      PageUp: current + page,
      Home: n - 1,
      End: 0,
    };
    if (!(e.key in moves)) return;
    e.preventDefault();
    this.#select(moves[e.key]);
  }
}

// Rows are built as nodes with every string from the log set as text or an
// attribute value, never parsed as markup: the viewer shows logs it did
// not write (sessiontrail view), and a log is untrusted input.
function rowNode(e, index, pos, h, selected) {
  const type = TYPE_BY_NAME.get(e.type);
  const category = type?.category ?? "unknown";
  const li = document.createElement("li");
  li.setAttribute("role", "option");
  li.id = `ev-${index}`;
  li.dataset.index = String(index);
  li.setAttribute("aria-posinset", String(pos + 1));
  li.setAttribute("aria-selected", String(selected));
  li.className = `row cat-${category}`;
  li.style.transform = `translateY(${pos * h}px)`;
  const when = new Date(e.timestamp);
  const time = span("", null, "time");
  time.setAttribute("datetime", String(e.timestamp ?? ""));
  time.title = printable(e.timestamp ?? "");
  if (Number.isNaN(when.getTime())) time.textContent = printable(e.timestamp ?? "");
  else {
    // Milliseconds in their own span: narrow rows leave them out.
    time.append(when.toLocaleTimeString([], { hour12: false }), span("ms", `.${String(when.getMilliseconds()).padStart(3, "0")}`));
  }
  const badge = span("badge");
  badge.append(iconNode(type?.icon));
  const typeName = span("type");
  typeName.title = type?.label ?? "unknown type";
  // The wire name, its "agent." prefix marked so narrow rows can drop it
  // (the icon and colour still tell the family; the detail has it whole).
  const name = String(e.type ?? "");
  const prefix = "agent.";
  if (name.startsWith(prefix)) typeName.append(span("ns", prefix), printable(name.slice(prefix.length)));
  else typeName.textContent = printable(name);
  const agent = span("agent", e.agent_name);
  agent.title = printable(e.agent_name ?? "");
  li.append(span("seq", `#${e.sequence_no}`), badge, typeName, time, span("summary", summarize(e)), agent);
  return li;
}

function span(className, text, tag = "span") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = printable(text);
  return node;
}
