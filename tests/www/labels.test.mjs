// The recorder page's labels against the generated schema (www/event-schema.js,
// made from src/schema.rs by `cargo xtask codegen`), in Node without a page:
// a field or event type added to the Rust schema reaches the form by itself,
// and this test fails until www/event-types.js gives it a label (and a type
// its look). Run by `make test-www`: node --test tests/www/
import { test } from "node:test";
import assert from "node:assert/strict";
import * as schema from "../../www/event-schema.js";
import { AGENT_FIELDS, CATEGORIES, EVENT_TYPES, FIELD_LABELS, MORE_FIELDS, TYPE_BY_NAME } from "../../www/event-types.js";
import { icon } from "../../www/icons.js";

// The common fields the page fills itself rather than asking for.
const FILLED_BY_PAGE = ["session_id", "event_id", "timestamp", "trace_id", "span_id"];

const has = (object, key) => Object.hasOwn(object, key);

test("every field of every event type has a label", () => {
  const missing = schema.EVENT_TYPES.flatMap((t) => t.fields.filter((f) => !has(FIELD_LABELS, f.name)).map((f) => `${t.name}: ${f.name}`));
  assert.deepEqual(missing, [], "add these to FIELD_LABELS in www/event-types.js");
});

test("every common field is asked for, with a label, or filled by the page", () => {
  const shown = [...AGENT_FIELDS, ...MORE_FIELDS].map((f) => f.name);
  for (const { name } of schema.COMMON_FIELDS) {
    assert.ok(shown.includes(name) !== FILLED_BY_PAGE.includes(name), `${name}: shown by the form or filled by the page, not both or neither`);
  }
  const unlabelled = shown.filter((name) => !has(FIELD_LABELS, name));
  assert.deepEqual(unlabelled, [], "add these to FIELD_LABELS in www/event-types.js");
});

test("every label is for a field that exists", () => {
  const names = new Set([...schema.EVENT_TYPES.flatMap((t) => t.fields), ...schema.COMMON_FIELDS].map((f) => f.name));
  names.add("meta");
  assert.deepEqual(Object.keys(FIELD_LABELS).filter((name) => !names.has(name)), []);
});

test("every event type has a label, a category and an icon of its own", () => {
  const fallback = icon(undefined);
  for (const t of schema.EVENT_TYPES) {
    const shown = TYPE_BY_NAME.get(t.name);
    assert.notEqual(shown.label, t.name, `${t.name} has no label`);
    assert.ok(has(CATEGORIES, shown.category), `${t.name}: category ${shown.category} is not in CATEGORIES`);
    assert.ok(shown.icon === "note" || icon(shown.icon) !== fallback, `${t.name}: no icon ${shown.icon} in icons.js`);
  }
});

test("the form's fields are the schema's: names, kinds and required", () => {
  assert.deepEqual(EVENT_TYPES.map((t) => t.name), schema.EVENT_TYPES.map((t) => t.name));
  for (const t of schema.EVENT_TYPES) {
    const byName = (fields) => Object.fromEntries(fields.map((f) => [f.name, f]));
    const shown = byName(TYPE_BY_NAME.get(t.name).fields);
    assert.deepEqual(Object.keys(shown).sort(), t.fields.map((f) => f.name).sort(), t.name);
    for (const f of t.fields) {
      const s = shown[f.name];
      // A choice is a string with a fixed set of values.
      assert.equal(s.kind === "choice" ? "text" : s.kind, f.kind, `${t.name}: ${f.name}`);
      assert.equal(s.required, f.required, `${t.name}: ${f.name}`);
      assert.equal(s.label, FIELD_LABELS[f.name]);
    }
  }
  const common = Object.fromEntries(schema.COMMON_FIELDS.map((f) => [f.name, f]));
  for (const f of [...AGENT_FIELDS, ...MORE_FIELDS].filter((f) => f.name !== "meta")) {
    assert.equal(f.kind, common[f.name].kind, f.name);
    assert.equal(f.required, common[f.name].required, f.name);
  }
});
