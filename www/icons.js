// Inline SVG icons for the timeline, one per event-type family. Drawn as
// strokes so they need no icon font (the test machine has only DejaVu and
// Liberation, with no emoji).

const PATHS = {
  play: '<path d="M8 5l11 7-11 7z"/>',
  stop: '<rect x="6" y="6" width="12" height="12" rx="1"/>',
  spawn: '<circle cx="6" cy="6" r="2.5"/><circle cx="18" cy="18" r="2.5"/><path d="M6 8.5v3a4 4 0 0 0 4 4h5.5"/>',
  handoff: '<path d="M4 12h15M14 7l5 5-5 5"/>',
  return: '<path d="M20 12H5M10 7l-5 5 5 5"/>',
  collab: '<circle cx="8" cy="9" r="3"/><circle cx="16" cy="9" r="3"/><path d="M3 20c0-3 2.5-5 5-5s5 2 5 5M11 20c0-3 2.5-5 5-5s5 2 5 5"/>',
  check: '<path d="M5 12.5l4.5 4.5L19 7"/>',
  cross: '<path d="M6 6l12 12M18 6L6 18"/>',
  tool: '<path d="M8 7l-5 5 5 5M16 7l5 5-5 5"/>',
  file: '<path d="M6 3h8l4 4v14H6z M14 3v4h4"/>',
  edit: '<path d="M6 3h8l4 4v5M6 3v18h6M14 3v4h4M14 20l6-6 2 2-6 6h-2z"/>',
  plug: '<path d="M9 3v5M15 3v5M7 8h10v3a5 5 0 0 1-10 0zM12 16v5"/>',
  globe: '<circle cx="12" cy="12" r="9"/><path d="M3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18"/>',
  terminal: '<path d="M4 6l6 6-6 6M12 18h8"/>',
  done: '<path d="M3 6l5 5-5 5M10 17h3M14 15l3 3 5-6"/>',
  note: '<path d="M4 5h16v11H10l-6 4z"/>',
  diamond: '<path d="M12 3l9 9-9 9-9-9z"/>',
};

/** The markup of icon `name`, decorative (hidden from screen readers: the
 *  row names its type in text). */
export function icon(name) {
  return (
    '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" ' +
    'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">' +
    (PATHS[name] ?? PATHS.note) +
    "</svg>"
  );
}

const nodes = new Map();

/** Icon `name` as an SVG node (a fresh copy each call), for pages that
 *  build their rows as nodes. The markup parsed is this file's own. */
export function iconNode(name) {
  const key = name in PATHS ? name : "note";
  let svg = nodes.get(key);
  if (!svg) {
    const t = document.createElement("template");
    t.innerHTML = icon(key);
    svg = t.content.firstElementChild;
    nodes.set(key, svg);
  }
  return svg.cloneNode(true);
}
