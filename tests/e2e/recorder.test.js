// The recorder page (www/) in real Chromium: recording every event type
// through the form, persistence across a reload, form errors, two tabs on
// one session, export checked by the native CLI, import of a damaged file,
// a 10,000-event timeline, the simulator, and screenshots at desktop and
// phone widths (tests/e2e/screenshots/).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DESKTOP, PHONE, ROOT, launch, screenshot, secondWindow, server, watchedPage } from "./harness.js";
import { EVERY_TYPE, checkSession, openRecorder, recordWithForm, setAgentName, startSession, timelineEvents } from "./recorder-steps.js";

const CLI = join(ROOT, "target/release/sessiontrail");

let srv;
let browser;
let context;
let errors;

before(async () => {
  srv = await server();
  browser = await launch();
  context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  errors = [];
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

describe("recorder page", () => {
  after(() => assert.deepEqual(errors, [], "no page errors"));

  let sessionUrl; // the session recorded by the first test
  let exported; // its export, for the import test

  test("records one event of every type through the form, and finds them all after a reload", async () => {
    const page = await watchedPage(context, errors);
    await openRecorder(page, srv.url);
    await screenshot(page, "start-desktop");
    const id = await startSession(page);
    assert.match(id, /^ssn_[0-9a-f]{16}$/);
    for (const [type, values] of EVERY_TYPE) {
      const status = await recordWithForm(page, type, values);
      assert.match(status, new RegExp(`^Recorded #\\d+ ${type.replace(".", "\\.")}\\.$`));
    }
    assert.equal(await page.textContent("#timeline-count"), "18 events");
    sessionUrl = page.url();
    assert.match(sessionUrl, new RegExp(`session=${id}&storage=indexeddb`));

    await page.reload();
    await page.waitForSelector("body[data-state=recording]");
    assert.equal(await page.textContent("#session-id"), id, "the session id is shown after a reload");
    assert.equal(await page.textContent("#timeline-count"), "18 events");
    const events = await timelineEvents(page);
    assert.deepEqual(events.map((e) => e.type), EVERY_TYPE.map(([t]) => t));
    assert.deepEqual(events.map((e) => e.sequence_no), [...Array(18).keys()]);
    assert.ok(events.every((e) => e.session_id === id));
    // Values arrive typed as the wire format wants them.
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    assert.equal(byType["agent.opened_port"].port, 8080);
    assert.deepEqual(byType["agent.handoff"].artifacts, ["src/a.rs", "src/b.rs"]);
    assert.deepEqual(byType["agent.collaborated"].collaborator_agent_instance_ids, ["ai_1", "ai_2"]);
    assert.equal(byType["agent.completed_process"].exit_code, -1);
    assert.equal(byType["agent.decision"].confidence, 0.75);
    assert.equal(byType["agent.wrote_file"].operation, "modified");
    assert.equal(byType["session.started"].summary, undefined);

    // The newest row is on top; rows show number, type and main fields.
    const top = page.locator("#timeline .row").first();
    assert.match(await top.textContent(), /#17.*agent\.decision.*m-1/);
    // Keyboard: focus the timeline, Down selects the newest, its JSON shows.
    await page.focus("#timeline");
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.textContent("#event-detail h3"), "Event #17: agent.decision");
    await page.keyboard.press("End");
    assert.equal(await page.textContent("#event-detail h3"), "Event #0: session.started");
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "recorder-desktop");

    const phone = await watchedPage(context, errors);
    await phone.setViewportSize(PHONE);
    await openRecorder(phone, sessionUrl);
    assert.equal(await phone.textContent("#timeline-count"), "18 events");
    await screenshot(phone, "recorder-phone");
    await phone.close();

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
    assert.equal(download.suggestedFilename(), `${id}.events.jsonl`);
    const dir = mkdtempSync(join(tmpdir(), "sessiontrail-e2e-"));
    await download.saveAs(join(dir, "events.jsonl"));
    exported = readFileSync(join(dir, "events.jsonl"));
    // The native CLI accepts the download unchanged.
    assert.ok(existsSync(CLI), `${CLI} is missing: cargo build --release -p sessiontrail-cli`);
    const out = execFileSync(CLI, ["check", dir], { encoding: "utf8" });
    assert.match(out, /^events:\s+18$/m);
    assert.match(out, /^verdict:\s+ok$/m);
    const cat = execFileSync(CLI, ["cat", dir], { encoding: "utf8" });
    assert.equal(cat.trim().split("\n").length, 18);
    await page.close();
  });

  test("every control has a label, for every event type's fields", async () => {
    const page = await watchedPage(context, errors);
    await openRecorder(page, sessionUrl);
    for (const [type] of EVERY_TYPE) {
      await page.getByLabel("Event type").selectOption(type);
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll("input, select, textarea, [role=listbox]")]
          .filter((el) => !el.labels?.length && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
          .map((el) => el.id || el.outerHTML.slice(0, 60)),
      );
      assert.deepEqual(unlabelled, [], type);
    }
    await page.close();
  });

  test("a missing required field or a bad number shows an error next to the field, and records nothing", async () => {
    const page = await watchedPage(context, errors);
    await openRecorder(page, sessionUrl);
    const count = await page.textContent("#timeline-count");

    const status = await recordWithForm(page, "agent.called_tool", { tool_name: "" });
    assert.equal(status, "Nothing was recorded: fix the marked fields.");
    const input = page.locator("#f-tool_name");
    assert.equal(await page.textContent("#f-tool_name-error"), "Tool name is required.");
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    assert.match(await input.getAttribute("aria-describedby"), /\bf-tool_name-error\b/);
    assert.ok(await input.evaluate((el) => el === document.activeElement), "focus moves to the field");
    await screenshot(page, "form-error-desktop");

    await recordWithForm(page, "agent.opened_port", { port: "70000" });
    assert.equal(await page.textContent("#f-port-error"), "Port must be a whole number from 0 to 65535.");
    await recordWithForm(page, "agent.opened_port", { port: "80.5" });
    assert.equal(await page.textContent("#f-port-error"), "Port must be a whole number from 0 to 65535.");
    await recordWithForm(page, "agent.decision", { confidence: "high", tokens_in: "-3" });
    assert.equal(await page.textContent("#f-confidence-error"), "Confidence must be a number, e.g. 0.85.");
    assert.match(await page.textContent("#f-tokens_in-error"), /^Tokens in must be a whole number from 0 to/);
    await page.getByLabel("Event type").selectOption("agent.wrote_file");
    assert.equal(await page.textContent("#timeline-count"), count, "nothing was recorded");

    // An agent field left empty: its section opens and shows the error.
    await page.click("#agent-details > summary");
    await page.getByLabel("Host id").fill("");
    await page.click("#agent-details > summary");
    await recordWithForm(page, "agent.note", { text: "x" });
    assert.equal(await page.locator("#agent-details").evaluate((d) => d.open), true);
    assert.equal(await page.textContent("#a-host_id-error"), "Host id is required.");
    await page.getByLabel("Host id").fill("browser");

    const ok = await recordWithForm(page, "agent.opened_port", { port: "8081" });
    assert.match(ok, /^Recorded #18 agent\.opened_port\.$/);
    assert.equal(await page.locator("#f-port-error").isHidden(), true);
    await page.close();
  });

  test("two pages on one session: unique contiguous numbers, and each page shows both pages' events", async () => {
    const a = await watchedPage(context, errors);
    await openRecorder(a, srv.url);
    const id = await startSession(a);
    const b = await secondWindow(a, await a.getAttribute("#other-tab", "href"), errors);
    await b.waitForSelector("body[data-state=recording]");
    assert.equal(await b.textContent("#session-id"), id);
    await setAgentName(a, "agent-a");
    await setAgentName(b, "agent-b");
    const notes = (page, who) =>
      (async () => {
        for (let i = 0; i < 12; i++) await recordWithForm(page, "agent.note", { text: `${who} ${i}` });
      })();
    await Promise.all([notes(a, "a"), notes(b, "b")]);
    for (const page of [a, b]) {
      await page.waitForFunction(() => window.recorder.timeline().size === 24, null, { polling: 50 });
      assert.equal(await page.evaluate(() => document.visibilityState), "visible");
      assert.equal(await page.textContent("#timeline-count"), "24 events");
    }
    const [fromA, fromB] = [await timelineEvents(a), await timelineEvents(b)];
    assert.deepEqual(fromA.map((e) => e.sequence_no), [...Array(24).keys()], "unique and contiguous");
    assert.deepEqual(fromB, fromA, "both pages show the same log");
    for (const events of [fromA, fromB]) {
      assert.equal(events.filter((e) => e.agent_name === "agent-a").length, 12);
      assert.equal(events.filter((e) => e.agent_name === "agent-b").length, 12);
    }
    // And on screen: each window's rows show both agents' notes.
    for (const page of [a, b]) {
      await page.waitForFunction(() => document.querySelector("#timeline .row")?.textContent.startsWith("#23"), null, { polling: 50 });
      const agents = new Set(await page.locator("#timeline .row .agent:visible").allTextContents());
      assert.deepEqual([...agents].sort(), ["agent-a", "agent-b"]);
    }
    await screenshot(b, "two-windows-second");
    assert.equal(await checkSession(a), `Integrity of session ${id}: ok`);
    await a.close();
    await b.close();
  });

  test("importing a damaged file reports the torn final line, the duplicate and missing numbers, and the bad line", async () => {
    const page = await watchedPage(context, errors);
    await openRecorder(page, srv.url);
    // Lines 0-5 of the export without #4 (a gap), #3 again (a duplicate),
    // a line that is not JSON, and a final line cut short (a torn tail).
    const lines = exported.toString("utf8").split("\n").slice(0, 6);
    const damaged = [...lines.slice(0, 4), lines[5], lines[3], "not json at all", '{"session_id":"ssn_x","sequence_no":'].join("\n");
    await page.setInputFiles("#import-file", {
      name: "damaged.jsonl",
      mimeType: "application/x-ndjson",
      buffer: Buffer.from(damaged),
    });
    await page.waitForSelector("#report:not([hidden])");
    const report = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll("#report dt")].map((dt) => [dt.textContent, dt.nextElementSibling.textContent]),
      ),
    );
    assert.equal(await page.textContent("#report h3"), "Integrity of damaged.jsonl: damaged");
    assert.equal(report["Events"], "6");
    assert.equal(report["Duplicate numbers"], "1: sequence_no 3");
    assert.equal(report["Missing numbers"], "1: sequence_no 4");
    assert.equal(report["Torn tail"], `${Buffer.byteLength('{"session_id":"ssn_x","sequence_no":')} bytes after the last line end`);
    assert.match(report["Skipped lines"], /^1line 7: not an event/);
    await screenshot(page, "import-report-desktop");
    await page.setViewportSize(PHONE);
    await page.locator("#report").scrollIntoViewIfNeeded();
    await screenshot(page, "import-report-phone");
    await page.close();
  });

  test("a 10,000-event timeline renders only the rows in view, scrolls, and reloads", async () => {
    const page = await watchedPage(context, errors);
    await openRecorder(page, srv.url);
    await startSession(page);
    await page.evaluate(async () => {
      const agent = { agent_name: "bulk", agent_id: "agent://bulk", agent_instance_id: "ai_b", host_id: "h" };
      const types = [
        { type: "agent.called_tool", tool_name: "grep", duration_ms: 3 },
        { type: "agent.read_file", file_path: "src/main.rs" },
        { type: "agent.decision", model: "m", tokens_in: 10, tokens_out: 2 },
        { type: "agent.note", text: "thinking" },
      ];
      for (let batch = 0; batch < 10; batch++) {
        await window.recorder.recordBatch(Array.from({ length: 1000 }, (_, i) => ({ ...agent, ...types[i % 4] })));
      }
    });
    assert.equal(await page.textContent("#timeline-count"), "10000 events");
    // Rows are redrawn on the next (throttled) frame: wait for the newest on top.
    await page.waitForFunction(() => document.querySelector("#timeline .row")?.textContent.startsWith("#9999"));
    const rows = await page.locator("#timeline .row").count();
    assert.ok(rows > 0 && rows < 100, `only the rows in view are rendered (${rows})`);
    await page.selectOption("#type-filter", "agent.note");
    assert.equal(await page.textContent("#timeline-count"), "2500 of 10000 events shown");
    await page.selectOption("#type-filter", "");
    await page.focus("#timeline");
    await page.keyboard.press("End");
    assert.equal(await page.textContent("#event-detail h3"), "Event #0: agent.called_tool");
    await page.waitForSelector('#timeline .row[aria-selected="true"]');
    assert.match(await page.locator('#timeline .row[aria-selected="true"]').textContent(), /^#0/);
    await page.reload();
    await page.waitForSelector("body[data-state=recording]");
    assert.equal(await page.textContent("#timeline-count"), "10000 events");
    await screenshot(page, "timeline-10k-desktop");
    await page.close();
  });

  test("OPFS is selectable and keeps the session across a reload", async () => {
    const page = await watchedPage(context, errors);
    await openRecorder(page, srv.url);
    await startSession(page, "opfs");
    assert.equal(await page.textContent("#session-storage"), "OPFS (files)");
    await recordWithForm(page, "session.started", {});
    await recordWithForm(page, "agent.read_file", { file_path: "README.md" });
    await page.reload();
    await page.waitForSelector("body[data-state=recording]");
    const events = await timelineEvents(page);
    assert.deepEqual(events.map((e) => [e.sequence_no, e.type]), [[0, "session.started"], [1, "agent.read_file"]]);
    await page.close();
  });

  test("the simulator records a plausible session covering every event type", async () => {
    const page = await watchedPage(context, errors);
    await openRecorder(page, srv.url);
    await startSession(page, "memory");
    await page.getByRole("button", { name: "Simulate agent" }).click();
    assert.equal(await page.getAttribute("#simulate", "aria-pressed"), "true");
    await page.waitForFunction(() => window.recorder.timeline().events().some((e) => e.type === "session.closed"), null, { timeout: 30_000 });
    await page.waitForSelector('#simulate[aria-pressed="false"]');
    const types = new Set((await timelineEvents(page)).map((e) => e.type));
    assert.deepEqual([...types].sort(), EVERY_TYPE.map(([t]) => t).sort());
    assert.match(await checkSession(page), /^Integrity of session ssn_[0-9a-f]+: ok$/);
    await page.locator("#timeline").evaluate((el) => (el.scrollTop = 0));
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, "simulated-session-desktop");
    await page.close();
  });
});

// The export test's "the CLI accepts it" means something only if the CLI
// refuses a damaged log: a torn line exits 1.
test("the native CLI check refuses a damaged log", () => {
  assert.ok(existsSync(CLI), `${CLI} is missing: cargo build --release -p sessiontrail-cli`);
  const dir = mkdtempSync(join(tmpdir(), "sessiontrail-e2e-"));
  const line = '{"session_id":"s","sequence_no":0';
  execFileSync("sh", ["-c", `printf '%s' '${line}' > '${join(dir, "events.jsonl")}'`]);
  const run = spawnSync(CLI, ["check", dir], { encoding: "utf8" });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /^verdict:\s+DAMAGED$/m);
});
