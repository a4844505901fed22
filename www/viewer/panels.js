// Draws a SessionModel (model.js) into the session page's panels: totals,
// the agent tree, the span waterfall and the side effects. Every string from
// the log goes in as text (textContent, attribute values), never as markup,
// and nothing from a log becomes a link.

import { printable } from "../printable.js";

/** `el("td", { class: "n" }, "text", childNode, …)`: an element with text;
 *  every string given (attribute or text) is shown escaped by `printable`,
 *  whatever a log holds. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else node.setAttribute(k, k === "href" ? String(v) : printable(v));
  }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    node.append(typeof c === "string" || typeof c === "number" ? printable(c) : c);
  }
  return node;
}

const int = new Intl.NumberFormat("en");

export function fmtInt(n) {
  return Number.isFinite(n) ? int.format(n) : "–";
}

export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function fmtTime(ms) {
  if (!Number.isFinite(ms)) return "–";
  return new Date(ms).toISOString().replace("T", " ").replace("Z", " UTC");
}

/** The bar each waterfall row draws (a bar's key holds NUL separators,
 *  which an attribute would show escaped, so it is not written there). */
const rowBars = new WeakMap();

/** The bar of waterfall row `li`, or undefined. */
export function barOfRow(li) {
  return li ? rowBars.get(li) : undefined;
}

/** At most this many rows per table and waterfall; the rest are counted. */
const ROWS = 400;

export function renderTotals(root, m, extra) {
  const failed = [...m.agents.values()].filter((a) => a.status === "failed").length;
  let tokensIn = 0;
  let tokensOut = 0;
  for (const t of m.tokens.values()) {
    tokensIn += t.in;
    tokensOut += t.out;
  }
  const tiles = [
    ["events", fmtInt(m.events), extra.skipped ? `${fmtInt(extra.skipped)} unreadable ${extra.skipped === 1 ? "line" : "lines"}` : ""],
    ["agents", fmtInt(m.agents.size), failed ? `${failed} failed` : ""],
    ["tool calls", fmtInt(m.toolCalls), m.toolCalls ? `${fmtMs(m.toolMs)} in tools` : ""],
    ["failures", fmtInt(m.failedTools + m.failedProcesses), `${fmtInt(m.failedTools)} tool calls, ${fmtInt(m.failedProcesses)} processes`],
    // A session without decisions has no token counts: "not recorded", not 0.
    ["tokens in", m.decisions ? fmtInt(tokensIn) : "not recorded", `${fmtInt(m.decisions)} decisions`],
    ["tokens out", m.decisions ? fmtInt(tokensOut) : "not recorded", ""],
    ["wall time", fmtMs(m.wallMs), Number.isFinite(m.first) ? `from ${fmtTime(m.first)}` : ""],
  ];
  const grid = el("dl", { class: "tiles" });
  for (const [name, value, note] of tiles) {
    grid.append(el("div", { class: `tile${(name === "agents" && failed) || (name === "failures" && m.failedTools + m.failedProcesses) ? " bad" : ""}`, "data-total": name }, el("dt", {}, name), el("dd", {}, value, note && el("small", {}, note))));
  }
  const rows = [...m.tokens.values()].sort((a, b) => b.in + b.out - (a.in + a.out));
  const table = rows.length
    ? el(
        "table",
        { class: "tokens" },
        el("caption", {}, "Tokens by model"),
        el("thead", {}, el("tr", {}, el("th", {}, "provider"), el("th", {}, "model"), el("th", { class: "n" }, "decisions"), el("th", { class: "n" }, "in"), el("th", { class: "n" }, "out"))),
        el(
          "tbody",
          {},
          ...rows.map((t) => el("tr", {}, el("td", {}, t.provider || "–"), el("td", {}, t.model || "–"), el("td", { class: "n" }, fmtInt(t.decisions)), el("td", { class: "n" }, fmtInt(t.in)), el("td", { class: "n" }, fmtInt(t.out)))),
        ),
      )
    : null;
  root.replaceChildren(grid, ...(table ? [table] : []));
}

export function renderAgentTree(root, m) {
  const children = new Map();
  const roots = [];
  for (const a of m.agents.values()) {
    if (a.parent !== null && m.agents.has(a.parent)) {
      if (!children.has(a.parent)) children.set(a.parent, []);
      children.get(a.parent).push(a);
    } else roots.push(a);
  }
  const byStart = (x, y) => (x.start || 0) - (y.start || 0) || x.id.localeCompare(y.id);
  let shown = 0;
  const seen = new Set();
  const branch = (list, depth) => {
    const ul = el("ul", { role: depth ? "group" : "tree", "aria-label": depth ? null : "Agents" });
    for (const a of list.sort(byStart)) {
      if (seen.has(a.id) || shown >= ROWS) continue;
      seen.add(a.id);
      shown += 1;
      const status = el("span", { class: `status ${a.status}` }, a.status);
      const facts = [
        `${fmtInt(a.events)} events`,
        a.toolCalls && `${fmtInt(a.toolCalls)} ${a.toolCalls === 1 ? "tool call" : "tool calls"}`,
        (a.tokensIn || a.tokensOut) && `${fmtInt(a.tokensIn)}→${fmtInt(a.tokensOut)} tokens`,
        Number.isFinite(a.start) && fmtMs(a.end - a.start),
      ].filter(Boolean);
      const li = el(
        "li",
        { role: "treeitem", "aria-level": depth + 1, class: `agent-node ${a.status}`, "data-agent": a.id, "data-depth": depth },
        el(
          "div",
          { class: "agent-line" },
          el("strong", { class: "agent-name" }, a.name || "(unnamed)"),
          " ",
          el("code", {}, a.id),
          a.role && el("span", { class: "role" }, a.role),
          status,
          a.via && el("span", { class: "via" }, `${a.via} ${m.agents.get(a.parent)?.name || a.parent}`),
        ),
        el("div", { class: "agent-facts" }, facts.join(" · ")),
        a.reason !== undefined && el("div", { class: "agent-reason" }, `${a.status === "failed" ? "reason" : "note"}: ${a.reason}`),
        a.handoffs.length > 0 && el("div", { class: "agent-facts" }, `handed off to ${a.handoffs.map((id) => m.agents.get(id)?.name || id).join(", ")}`),
        a.collaborators.size > 0 && el("div", { class: "agent-facts" }, `collaborated with ${[...a.collaborators].map((id) => m.agents.get(id)?.name || id).join(", ")}`),
      );
      const kids = children.get(a.id);
      if (kids) li.append(branch(kids, depth + 1));
      ul.append(li);
    }
    return ul;
  };
  const tree = branch(roots, 0);
  const notes = [];
  if (m.agents.size > shown) notes.push(`${fmtInt(m.agents.size - shown)} more agents not shown`);
  if (m.cycles) notes.push(`${m.cycles} parent links ignored: they would have made a loop`);
  root.replaceChildren(m.agents.size ? tree : el("p", { class: "empty" }, "No agents yet."), ...notes.map((n) => el("p", { class: "note" }, n)));
}

export function renderWaterfall(root, m) {
  const bars = [...m.bars.values()];
  if (!bars.length) {
    root.windowed = null;
    return root.replaceChildren(el("p", { class: "empty" }, "No spans yet."));
  }
  const now = m.last;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const b of bars) {
    if (Number.isFinite(b.start)) t0 = Math.min(t0, b.start);
    const end = b.open ? now : b.end;
    if (Number.isFinite(end)) t1 = Math.max(t1, end);
  }
  if (!Number.isFinite(t0)) t0 = t1 = 0;
  const span = Math.max(1, t1 - t0);
  const children = new Map();
  const roots = [];
  for (const b of bars) {
    const p = m.parentOf(b);
    if (p) {
      if (!children.has(p.key)) children.set(p.key, []);
      children.get(p.key).push(b);
    } else roots.push(b);
  }
  const startOf = (b) => (Number.isFinite(b.start) ? b.start : t1);
  // Children come in file order, which is nearly always time order: sort
  // only when it is not (a large session has tens of thousands of them).
  const inOrder = (list) => {
    for (let i = 1; i < list.length; i++) {
      if (startOf(list[i - 1]) > startOf(list[i])) return list.sort((x, y) => startOf(x) - startOf(y));
    }
    return list;
  };
  const rows = [];
  const seen = new Set();
  // Iterative depth-first walk: a deep chain of spans must not overflow
  // the stack. Children are pushed lazily (an index into their list), so a
  // walk visits each bar once.
  const walk = (list, depth) => {
    const stack = [[inOrder(list), 0, depth]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [items, i, d] = top;
      if (i >= items.length) {
        stack.pop();
        continue;
      }
      top[1] = i + 1;
      const b = items[i];
      if (seen.has(b.key)) continue;
      seen.add(b.key);
      rows.push([b, d]);
      const kids = children.get(b.key);
      if (kids) stack.push([inOrder(kids), 0, d + 1]);
    }
  };
  walk(roots, 0);
  // Bars whose parents loop back on each other have no root: show them flat.
  if (seen.size < bars.length) walk(bars.filter((b) => !seen.has(b.key)), 0);

  const draw = ([b, depth]) => {
    const start = Number.isFinite(b.start) ? b.start : t0;
    const end = b.open ? now : Number.isFinite(b.end) ? b.end : start;
    const dur = end - start;
    const bar = el("span", { class: "bar" });
    bar.style.left = `${((start - t0) / span) * 100}%`;
    bar.style.width = `${Math.max(0, (dur / span) * 100)}%`;
    const label = el("span", { class: "label", title: b.label }, b.label);
    label.style.paddingLeft = `${Math.min(depth, 12) * 0.9}em`;
    const agentName = m.agents.get(b.agent)?.name;
    const status = b.failed ? (b.kind === "process" ? `failed: exit ${b.exitCode}` : b.outcome === "denied" ? "failed: denied" : "failed") : b.open ? "running" : "";
    const li = el(
        "li",
        // Focusable: Enter (or a click) opens its detail panel (app.js).
        { class: `span kind-${b.kind}${b.failed ? " failed" : ""}${b.open ? " open" : ""}${b.key === selectedKey ? " selected" : ""}`, tabindex: 0, "data-kind": b.kind, "data-depth": depth, "data-span": b.spanId, "aria-label": status ? `${b.label}, ${status}` : b.label },
        label,
        el("span", { class: "who" }, b.kind === "agent" || b.kind === "session" ? "" : agentName ?? ""),
        el("span", { class: "track" }, bar),
        el("span", { class: "dur" }, fmtMs(dur), status && el("small", {}, ` ${status}`)),
    );
    rowBars.set(li, b);
    return li;
  };
  const traces = m.traces.size;
  const note = [`${fmtInt(bars.length)} spans`, `${fmtInt(traces)} ${traces === 1 ? "trace" : "traces"}`, `${fmtMs(span)} from first to last`];
  windowed(root, el("p", { class: "note" }, note.join(" · ")), rows, draw);
}

/** The bar whose panel is open (app.js), drawn selected. */
let selectedKey = null;
export function selectBar(key) {
  selectedKey = key;
}

/** Scrolls the waterfall in `root` to the row of the bar keyed `key`. */
export function scrollToBar(root, key) {
  const w = root.windowed;
  const i = w ? w.rows.findIndex(([b]) => b.key === key) : -1;
  if (i < 0) return;
  w.scroll.scrollTop = Math.max(0, i * w.rowH - w.scroll.clientHeight / 2);
  w.render();
}

const OVERSCAN = 10;

/** A windowed list: `rows` drawn by `draw` into one scroll box in `root`,
 *  only those in view plus a margin, at their positions in a list as tall
 *  as all of them (rows have one height, the stylesheet's
 *  --span-row-height). The box is kept across redraws, so its scroll
 *  position stays where the person left it while events stream in. */
function windowed(root, head, rows, draw) {
  let w = root.windowed;
  if (!w) {
    const list = el("ol", { class: "waterfall", "aria-label": "Spans" });
    const scroll = el("div", { class: "waterfall-scroll" }, list);
    w = root.windowed = { scroll, list, rows: [], rowH: 0, frame: 0 };
    w.render = () => {
      w.frame = 0;
      if (!w.rowH) w.rowH = parseFloat(getComputedStyle(scroll).getPropertyValue("--span-row-height")) || 25;
      const n = w.rows.length;
      w.list.style.height = `${n * w.rowH}px`;
      const first = Math.max(0, Math.floor(scroll.scrollTop / w.rowH) - OVERSCAN);
      const last = Math.min(n, Math.ceil((scroll.scrollTop + scroll.clientHeight) / w.rowH) + OVERSCAN);
      const nodes = [];
      for (let i = first; i < last; i++) {
        const li = draw(w.rows[i]);
        li.style.top = `${i * w.rowH}px`;
        nodes.push(li);
      }
      w.list.replaceChildren(...nodes);
    };
    scroll.addEventListener("scroll", () => (w.frame ||= requestAnimationFrame(w.render)));
    new ResizeObserver(() => {
      w.rowH = 0; // re-read: the phone layout has taller rows
      w.frame ||= requestAnimationFrame(w.render);
    }).observe(scroll);
  }
  w.rows = rows;
  root.replaceChildren(head, w.scroll);
  w.render();
}

export function renderEffects(root, m) {
  const files = [...m.files.values()].sort((a, b) => b.writes - a.writes || b.reads - a.reads || a.path.localeCompare(b.path));
  const ports = [...m.ports.values()].sort((a, b) => a.port - b.port);
  const network = [...m.network.values()].sort((a, b) => b.count - a.count);
  const agentName = (id) => m.agents.get(id)?.name || id;
  root.replaceChildren(
    table(
      "Files",
      ["path", "reads", "writes", "+ / −", "operations"],
      files,
      (f) => [el("code", {}, f.path), fmtInt(f.reads), fmtInt(f.writes), `+${fmtInt(f.additions)} −${fmtInt(f.deletions)}`, [...f.ops].join(", ")],
      "effects-files",
    ),
    table(
      "Processes",
      ["process", "command", "pid", "exit", "duration", "agent"],
      m.processes,
      (p) => [
        String(p.process ?? ""),
        p.command === undefined ? "" : el("code", {}, String(p.command)),
        p.pid ?? "",
        p.open ? "running" : p.exitCode === undefined ? "?" : String(p.exitCode),
        p.open ? "" : fmtMs(p.durationMs ?? p.end - p.start),
        agentName(p.agent),
      ],
      "effects-processes",
      (p) => (p.failed ? "bad" : ""),
    ),
    table("Ports opened", ["port", "protocol", "times", "agents"], ports, (p) => [String(p.port), p.protocol, fmtInt(p.count), [...p.agents].join(", ")], "effects-ports"),
    table(
      "Network destinations",
      ["destination", "port", "times", "agents"],
      network,
      (n) => [el("code", {}, n.destination), n.port === undefined ? "" : String(n.port), fmtInt(n.count), [...n.agents].join(", ")],
      "effects-network",
    ),
  );
}

function table(caption, heads, items, cells, id, rowClass = () => "") {
  const section = el("section", { class: "effect", id });
  section.append(el("h3", {}, `${caption} `, el("span", { class: "count" }, `(${fmtInt(items.length)})`)));
  if (!items.length) {
    section.append(el("p", { class: "empty" }, "none"));
    return section;
  }
  const body = el("tbody");
  for (const item of items.slice(0, ROWS)) {
    body.append(el("tr", { class: rowClass(item) }, ...cells(item).map((c) => el("td", {}, c))));
  }
  section.append(el("div", { class: "scroll-x" }, el("table", {}, el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", {}, h)))), body)));
  if (items.length > ROWS) section.append(el("p", { class: "note" }, `${fmtInt(items.length - ROWS)} more not shown`));
  return section;
}

/** The span detail panel: what the bar shows, then every field of each of
 *  its events (objects such as `meta` pretty-printed), all as text through
 *  `printable`. `events`: the bar's events, looked up by sequence number
 *  (an event not found is said so). */
export function renderSpanDetail(root, m, bar, events) {
  const agentName = m.agents.get(bar.agent)?.name;
  const end = bar.open ? m.last : Number.isFinite(bar.end) ? bar.end : bar.start;
  const facts = [
    ["kind", bar.kind],
    ["agent", agentName ? `${agentName} (${bar.agent})` : bar.agent],
    ["duration", bar.open ? `${fmtMs(end - bar.start)} so far (running)` : fmtMs(end - bar.start)],
    ["status", bar.failed ? "failed" : bar.open ? "running" : "ok"],
    ["span", bar.spanId],
    ["trace", bar.traceId],
  ].filter(([, v]) => v !== "" && v !== undefined);
  const blocks = events.map(([seq, e]) => {
    if (!e) return el("p", { class: "note" }, `event #${seq}: not loaded`);
    const rows = Object.entries(e).map(([k, v]) => {
      const pre = el("pre");
      // The page lays the JSON out over lines: those newlines stay; any in a
      // value are inside a JSON string, already written as \n.
      pre.textContent = printable(typeof v === "string" ? v : JSON.stringify(v, null, 2), { keepNewlines: typeof v !== "string" });
      return el("div", { class: "field", "data-field": k }, el("dt", {}, k), el("dd", {}, pre));
    });
    return el("section", { class: "span-event", "data-seq": seq }, el("h4", {}, `Event #${seq}: ${e.type}`), el("dl", {}, ...rows));
  });
  root.replaceChildren(
    el("div", { class: "span-detail-head" }, el("h3", { id: "span-detail-title" }, bar.label), el("button", { type: "button", class: "close", "aria-label": "Close the span detail" }, "×")),
    el("dl", { class: "span-facts" }, ...facts.map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, String(v))))),
    ...blocks,
  );
  root.hidden = false;
}
