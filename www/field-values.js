// Reading and checking one form field's value by its kind (see
// event-types.js). Returns { value } (undefined when left empty) or
// { error } with a sentence that names the field and says what is wanted.

const INTEGER_RANGES = {
  u16: [0, 65535],
  u32: [0, 4294967295],
  // u64 on the wire, but a JavaScript number is exact only to 2^53 - 1.
  u64: [0, Number.MAX_SAFE_INTEGER],
  i32: [-2147483648, 2147483647],
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function hintFor(field) {
  const range = INTEGER_RANGES[field.kind];
  if (field.kind === "u64") return "A whole number, 0 or more.";
  if (range) return `A whole number from ${range[0]} to ${range[1]}.`;
  if (field.kind === "f64") return "A number, e.g. 0.85.";
  if (field.kind === "list") return "One per line, or separated by commas.";
  if (field.kind === "json") return 'Any JSON value, e.g. {"ticket": "OPS-12"}.';
  return "";
}

export function readField(field, raw) {
  const text = raw.trim();
  if (text === "") {
    return field.required ? { error: `${field.label} is required.` } : { value: undefined };
  }
  const range = INTEGER_RANGES[field.kind];
  if (range) {
    const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < range[0] || n > range[1]) {
      return { error: `${field.label} must be a whole number from ${range[0]} to ${range[1]}.` };
    }
    return { value: n };
  }
  switch (field.kind) {
    case "f64": {
      const n = NUMBER.test(text) ? Number(text) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: `${field.label} must be a number, e.g. 0.85.` };
    }
    case "list": {
      const items = text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
      return { value: items.length ? items : undefined };
    }
    case "json":
      try {
        return { value: JSON.parse(text) };
      } catch (e) {
        return { error: `${field.label} is not valid JSON: ${e.message}` };
      }
    default:
      return { value: text };
  }
}
