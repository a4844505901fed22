// Turns newly stored bytes into timeline events. The timeline parses lines
// itself, and only the bytes it has not seen, so that an append in a 10,000
// event session costs one line rather than a re-read of the log (the wasm
// core's readAll has no "from byte N"). It decides nothing about the log:
// numbering and integrity stay with the core (check() is what the import
// report uses).

const decoder = new TextDecoder();

/** Parses the complete lines in `bytes`; returns the events, how many lines
 *  were not JSON objects with a type, and how many bytes were consumed (up
 *  to the last "\n": a torn tail waits for its end, or for a repair). */
export function parseLines(bytes) {
  const end = bytes.lastIndexOf(0x0a) + 1;
  const events = [];
  let unreadable = 0;
  if (end === 0) return { events, unreadable, consumed: 0 };
  for (const line of decoder.decode(bytes.subarray(0, end - 1)).split("\n")) {
    try {
      const event = JSON.parse(line);
      if (event && typeof event.type === "string" && Number.isInteger(event.sequence_no)) {
        events.push(event);
        continue;
      }
    } catch {
      // counted below
    }
    unreadable += 1;
  }
  return { events, unreadable, consumed: end };
}
