// The "Record an event" form: a type picker, the chosen type's own fields,
// the agent fields (remembered between visits) and the optional envelope
// fields. Checks every field before anything is appended and shows each
// error next to its field (aria-invalid + aria-describedby); errors from the
// wasm core, which has the last word, are shown under the button.

import { AGENT_FIELDS, CATEGORIES, EVENT_TYPES, MORE_FIELDS, TYPE_BY_NAME } from "./event-types.js";
import { hintFor, readField } from "./field-values.js";

const AGENT_KEY = "sessiontrail.recorder.agent";

export class EventForm {
  #form;
  #typeSelect;
  #typeFields;
  #onSubmit;
  #status;
  #agentDetails;

  /** `onSubmit(fields)` stores the event (a Promise of the stored event). */
  constructor(form, onSubmit) {
    this.#form = form;
    this.#onSubmit = onSubmit;
    this.#typeSelect = form.querySelector("#event-type");
    this.#typeFields = form.querySelector("#type-fields");
    this.#status = form.querySelector("#form-status");
    this.#agentDetails = form.querySelector("#agent-details");
    this.#fillTypePicker();
    renderFields(form.querySelector("#agent-fields"), AGENT_FIELDS, "a");
    renderFields(form.querySelector("#more-fields"), MORE_FIELDS, "m");
    this.#loadAgent();
    this.#typeSelect.addEventListener("change", () => this.#renderType());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.#submit();
    });
    this.#renderType();
  }

  /** Picks the type shown (e.g. session.started for an empty log). */
  selectType(name) {
    this.#typeSelect.value = name;
    this.#renderType();
  }

  /** The agent fields as they stand (for the simulator). */
  agent() {
    return this.#read(AGENT_FIELDS, "a").fields;
  }

  #fillTypePicker() {
    const groups = new Map();
    for (const t of EVENT_TYPES) {
      const label = CATEGORIES[t.category];
      if (!groups.has(label)) {
        const group = document.createElement("optgroup");
        group.label = label;
        groups.set(label, group);
        this.#typeSelect.append(group);
      }
      groups.get(label).append(new Option(`${t.label} (${t.name})`, t.name));
    }
  }

  #renderType() {
    const type = TYPE_BY_NAME.get(this.#typeSelect.value);
    this.#typeFields.querySelector("legend").textContent = `${type.label}: its own fields`;
    const box = this.#typeFields.querySelector(".fields");
    renderFields(box, type.fields, "f");
    this.#typeFields.querySelector(".none").hidden = type.fields.length > 0;
  }

  async #submit() {
    try {
      await this.#record();
    } finally {
      // A counter the tests wait on: the same message twice is still news.
      this.#form.dataset.submissions = String(Number(this.#form.dataset.submissions ?? 0) + 1);
    }
  }

  async #record() {
    this.#status.textContent = "";
    this.#status.classList.remove("error");
    const type = TYPE_BY_NAME.get(this.#typeSelect.value);
    const parts = [this.#read(type.fields, "f"), this.#read(AGENT_FIELDS, "a"), this.#read(MORE_FIELDS, "m")];
    const firstBad = parts.flatMap((p) => p.invalid)[0];
    if (firstBad) {
      if (this.#agentDetails.contains(firstBad)) this.#agentDetails.open = true;
      if (firstBad.closest("details")) firstBad.closest("details").open = true;
      firstBad.focus();
      this.#status.textContent = "Nothing was recorded: fix the marked fields.";
      this.#status.classList.add("error");
      return;
    }
    const fields = Object.assign({ type: type.name }, ...parts.map((p) => p.fields));
    const button = this.#form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const stored = await this.#onSubmit(fields);
      this.#saveAgent();
      clearFields(this.#typeFields);
      this.#status.textContent = `Recorded #${stored.sequence_no} ${stored.type}.`;
    } catch (e) {
      this.#status.textContent = `Not recorded: ${e?.message ?? e}`;
      this.#status.classList.add("error");
    } finally {
      button.disabled = false;
    }
  }

  /** Reads and checks `fields`; marks each invalid input. */
  #read(fields, prefix) {
    const out = { fields: {}, invalid: [] };
    for (const field of fields) {
      const input = this.#form.querySelector(`#${prefix}-${field.name}`);
      const { value, error } = readField(field, input.value);
      showError(input, error);
      if (error) out.invalid.push(input);
      else if (value !== undefined) out.fields[field.name] = value;
    }
    return out;
  }

  #loadAgent() {
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(AGENT_KEY));
    } catch {
      // A damaged entry is replaced at the next successful submit.
    }
    const defaults = saved ?? {
      agent_name: "demo-agent",
      agent_id: "agent://demo-agent",
      agent_instance_id: `ai_${Math.random().toString(16).slice(2, 10)}`,
      host_id: "browser",
    };
    for (const field of AGENT_FIELDS) {
      this.#form.querySelector(`#a-${field.name}`).value = defaults[field.name] ?? "";
    }
  }

  #saveAgent() {
    localStorage.setItem(AGENT_KEY, JSON.stringify(this.agent()));
  }
}

/** Renders label + input + hint + (hidden) error for each field. */
function renderFields(box, fields, prefix) {
  box.replaceChildren(...fields.map((f) => fieldRow(f, `${prefix}-${f.name}`)));
}

function fieldRow(field, id) {
  const row = document.createElement("div");
  row.className = "field";
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = field.label;
  if (field.required) label.insertAdjacentHTML("beforeend", ' <span class="req">(required)</span>');
  let input;
  if (field.kind === "choice") {
    input = document.createElement("select");
    input.append(new Option("(not given)", ""), ...field.options.map((o) => new Option(o, o)));
  } else if (field.multiline || field.kind === "list") {
    input = document.createElement("textarea");
    input.rows = 2;
  } else {
    input = document.createElement("input");
    input.type = "text";
    if (["u16", "u32", "u64"].includes(field.kind)) input.inputMode = "numeric";
    if (["i32", "f64"].includes(field.kind)) input.inputMode = "decimal";
    input.autocomplete = "off";
  }
  input.id = id;
  input.name = field.name;
  input.required = field.required;
  row.append(label, input);
  const hint = hintFor(field);
  if (hint) {
    const p = document.createElement("p");
    p.className = "hint";
    p.id = `${id}-hint`;
    p.textContent = hint;
    row.append(p);
    input.setAttribute("aria-describedby", p.id);
  }
  const error = document.createElement("p");
  error.className = "field-error";
  error.id = `${id}-error`;
  error.hidden = true;
  row.append(error);
  // Clear a shown error as soon as the value is edited.
  input.addEventListener("input", () => showError(input, undefined));
  return row;
}

function showError(input, message) {
  const error = document.getElementById(`${input.id}-error`);
  const described = (input.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && id !== error.id);
  if (message) {
    error.textContent = message;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
    described.push(error.id);
  } else {
    error.textContent = "";
    error.hidden = true;
    input.removeAttribute("aria-invalid");
  }
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
}

function clearFields(box) {
  for (const input of box.querySelectorAll("input, textarea, select")) input.value = "";
}
