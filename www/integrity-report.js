// Renders the wasm core's CheckReport (see bindings/README.md) of an
// imported file as a readable list: events, skipped lines with their line
// numbers and reasons, duplicate and missing numbers, torn tail, verdict.
import { printable } from "./printable.js";

/** `focus`: move the focus to the report (after the person asked for it;
 *  never on a refresh nobody asked for, which would move their scroll). */
export function renderReport(section, fileName, report, { focus = false } = {}) {
  const damaged = !report.ok;
  section.hidden = false;
  section.classList.toggle("damaged", damaged);
  section.querySelector("h3").textContent = printable(`Integrity of ${fileName}: ${damaged ? "damaged" : "ok"}`);
  const rows = [
    ["Events", `${report.events}`],
    ["Lines", `${report.lines} (${report.bytes} bytes)`],
    ["Skipped lines", `${report.skipped}`, listItems(report.skippedLines.map((s) => `line ${s.line}: ${s.reason}`), report.skipped)],
    ["Duplicate numbers", report.duplicates.length ? `${report.duplicates.length}: sequence_no ${report.duplicates.join(", ")}` : "none"],
    ["Missing numbers", report.missingCount ? `${report.missingCount}: sequence_no ${report.missing.map(range).join(", ")}` : "none"],
    ["Misplaced", report.misplaced ? `${report.misplaced} (numbers not at their own line's position)` : "none"],
    ["Torn tail", report.tornTailBytes ? `${report.tornTailBytes} bytes after the last line end` : "none"],
    ["Counter hint", COUNTER[report.counter] ?? report.counter],
  ];
  const dl = section.querySelector("dl");
  dl.replaceChildren();
  for (const [term, value, extra] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    const bad =
      (term === "Skipped lines" && report.skipped) ||
      (term === "Duplicate numbers" && report.duplicates.length) ||
      (term === "Missing numbers" && report.missingCount) ||
      (term === "Torn tail" && report.tornTailBytes);
    if (bad) dd.classList.add("bad");
    if (extra) dd.append(extra);
    dl.append(dt, dd);
  }
  section.querySelector(".verdict").textContent = damaged
    ? "Damaged: the entries marked above need a look."
    : "Whole: every line is an event, numbers unique and contiguous, no torn tail.";
  if (focus) section.focus();
}

// The counter is a hint: neither a missing nor a stale one is damage.
const COUNTER = {
  missing: "none (the next append counts lines)",
  consistent: "consistent with the events",
  stale: "stale (the next append recounts)",
};

function range([a, b]) {
  return a === b ? `${a}` : `${a}–${b}`;
}

function listItems(items, total) {
  if (!items.length) return null;
  const ul = document.createElement("ul");
  for (const text of items) {
    const li = document.createElement("li");
    li.textContent = printable(text);
    ul.append(li);
  }
  if (total > items.length) {
    const li = document.createElement("li");
    li.textContent = `… and ${total - items.length} more`;
    ul.append(li);
  }
  return ul;
}
