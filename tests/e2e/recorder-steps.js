// Steps the recorder-page tests share: starting a session and recording
// through the form the way a person does (select, fill, click), plus one
// set of field values for every event type.

export const EVERY_TYPE = [
  ["session.started", {}],
  ["session.closed", { summary: "done", duration_ms: "61000" }],
  ["agent.started", { parent_agent_instance_id: "ai_parent" }],
  ["agent.spawned", { spawned_by_agent_instance_id: "ai_parent", reason: "review" }],
  ["agent.handoff", { from_agent_instance_id: "ai_1", to_agent_instance_id: "ai_2", artifacts: "src/a.rs, src/b.rs" }],
  ["agent.collaborated", { collaborator_agent_instance_ids: "ai_1\nai_2" }],
  ["agent.returned", { returned_to_agent_instance_id: "ai_1" }],
  ["agent.completed", { termination_reason: "task done" }],
  ["agent.failed", { reason: "timeout" }],
  ["agent.called_tool", { tool_name: "bash", tool_input_digest: "sha256:aa", duration_ms: "42" }],
  ["agent.read_file", { file_path: "src/lib.rs", digest: "sha256:bb" }],
  ["agent.wrote_file", { file_path: "src/lib.rs", operation: "modified", additions: "3", deletions: "1" }],
  ["agent.opened_port", { port: "8080", protocol: "tcp" }],
  ["agent.connected_network", { destination: "example.test", port: "443" }],
  ["agent.started_process", { process_name: "cargo", command: "cargo test", pid: "4242" }],
  ["agent.completed_process", { process_name: "cargo", exit_code: "-1", duration_ms: "900" }],
  ["agent.note", { text: "a note" }],
  ["agent.decision", { model: "m-1", provider: "anthropic", tokens_in: "1200", tokens_out: "80", confidence: "0.75", summary: "go" }],
];

/** Opens the page (a session URL or the start page) and waits for it. */
export async function openRecorder(page, url) {
  await page.goto(url);
  await page.waitForSelector("body[data-state=idle], body[data-state=recording], body[data-state=broken]");
  if ((await page.getAttribute("body", "data-state")) === "broken") {
    throw new Error(`the page could not start: ${await page.textContent("#banner")}`);
  }
}

/** Starts a new session on `storage`; returns its id. */
export async function startSession(page, storage = "indexeddb") {
  const details = page.locator("#switch");
  if (!(await details.evaluate((d) => d.open))) await page.click("#switch > summary");
  await page.getByLabel("Storage").selectOption(storage);
  await page.getByRole("button", { name: "Start new session" }).click();
  await page.waitForSelector("body[data-state=recording]");
  return page.textContent("#session-id");
}

/** Fills the form for `type` with `values` (field name → text) and submits;
 *  resolves with the status line the page shows afterwards. */
export async function recordWithForm(page, type, values) {
  await page.getByLabel("Event type").selectOption(type);
  for (const [name, value] of Object.entries(values)) {
    const input = page.locator(`#f-${name}`);
    if ((await input.evaluate((el) => el.tagName)) === "SELECT") await input.selectOption(value);
    else await input.fill(value);
  }
  const form = page.locator("#event-form");
  const before = Number((await form.getAttribute("data-submissions")) ?? 0);
  await page.getByRole("button", { name: "Record event" }).click();
  // Poll by time, not by animation frame: a page that is not in front gets
  // no animation frames.
  await page.waitForFunction((n) => Number(document.querySelector("#event-form").dataset.submissions) > n, before, { polling: 50 });
  return page.textContent("#form-status");
}

/** Sets the agent name the form records with (in its "Agent fields"). */
export async function setAgentName(page, name) {
  const details = page.locator("#agent-details");
  if (!(await details.evaluate((d) => d.open))) await page.click("#agent-details > summary");
  await page.getByLabel("Agent name").fill(name);
}

/** The events the page's timeline holds, in log order. */
export function timelineEvents(page) {
  return page.evaluate(() => window.recorder.timeline().events());
}

/** Clicks "Check this session" and resolves with the report's heading. */
export async function checkSession(page) {
  await page.evaluate(() => document.querySelector("#report h3").replaceChildren());
  await page.click("#check-session");
  await page.waitForFunction(() => document.querySelector("#report h3").textContent !== "", null, { polling: 50 });
  return page.textContent("#report h3");
}
