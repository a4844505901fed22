// Text from a log made safe to show: one function for every string the
// viewer and the recorder put on the page. Control characters (C0, DEL,
// C1: a newline would forge a row) and the bidirectional marks, embeddings,
// overrides and isolates (U+200E/F, U+202A-202E, U+2066-2069: they reorder
// what is shown, so "invoice<U+202E>slx.exe" reads as "invoiceexe.xls") are
// written as \u{…} escapes, \n \r \t as such. The same rule as the CLI's
// `cat --pretty` (crates/sessiontrail-cli/src/terminal.rs, `printable`);
// both are tested against tests/fixtures/printable.json.

const UNSAFE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const NAMED = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` with every unsafe character escaped. `keepNewlines`: for text
 *  the page itself laid out over lines (pretty-printed JSON). */
export function printable(text, { keepNewlines = false } = {}) {
  const s = String(text);
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(s)) return s;
  return s.replace(UNSAFE, (c) => (keepNewlines && c === "\n" ? c : NAMED[c] ?? `\\u{${c.codePointAt(0).toString(16)}}`));
}
