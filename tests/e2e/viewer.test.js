// The viewer (`sessiontrail view`, page in www/viewer/) in real Chromium:
// events appended by the CLI show live while the page is open (a torn tail
// and an unreadable line included), the session list grows as sessions
// appear, a multi-agent session shows the right agent tree, waterfall and
// totals, hostile strings in every field run nothing (served by the viewer,
// and as a dropped file from www/), and refused paths give a message, not a
// broken page. Screenshots at desktop and phone width.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DESKTOP, PHONE, launch, screenshot, server, watch, watchedPage } from "./harness.js";
import { HOSTILE, MULTI_AGENT, append, hostileEvents, liveEvent, startViewer } from "./viewer-sessions.js";

let browser;
let context;
let errors;
let root;
let viewer;

before(async () => {
  root = mkdtempSync(join(tmpdir(), "sessiontrail-viewer-e2e-"));
  append(join(root, "multi"), MULTI_AGENT);
  append(join(root, "live"), [liveEvent(0)]);
  viewer = await startViewer(root);
  browser = await launch();
  context = await browser.newContext({ viewport: DESKTOP });
  errors = [];
  // The printed URL, as a person opens it: the token becomes a cookie and
  // leaves the address bar; without it the API refuses.
  const page = await context.newPage();
  const refused = await page.request.get(`${viewer.url}api/sessions`);
  assert.equal(refused.status(), 403);
  await page.goto(viewer.printed);
  assert.equal(page.url(), `${viewer.url}viewer/`);
  assert.equal(await page.evaluate(() => document.cookie), "", "the cookie is HttpOnly");
  assert.equal((await page.request.get(`${viewer.url}api/sessions`)).status(), 200);
  await page.close();
});
after(async () => {
  await browser?.close();
  await viewer?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Opens session `name` and waits until its backlog is shown. */
async function openSession(page, name) {
  await page.goto(`${viewer.url}viewer/?session=${encodeURIComponent(name)}`);
  await page.waitForSelector("body[data-state=live]");
}

const rowsOf = (page, selector, fn) => page.$$eval(selector, fn);

describe("sessiontrail view", () => {
  after(() => assert.deepEqual(errors, [], "no page errors"));

  test("the session list shows each session, and new ones as they appear", async () => {
    const page = await watchedPage(context, errors);
    await page.goto(viewer.url);
    await page.waitForSelector("tr[data-session=multi]");
    const multi = await page.$eval("tr[data-session=multi]", (tr) => [...tr.cells].map((c) => c.textContent));
    assert.equal(multi[0], "multissn_multi");
    assert.equal(multi[3], String(MULTI_AGENT.length));
    assert.equal(multi[4], "coder, lead, researcher, tester");
    assert.equal(multi[5], "ok");
    append(join(root, "appeared"), [liveEvent(1)]);
    await page.waitForSelector("tr[data-session=appeared]", { timeout: 10_000 });
    // Newest first: the new session's last event is the latest.
    assert.equal(await page.$eval("#sessions tbody tr", (tr) => tr.dataset.session), "appeared");
    await page.click("text=multi");
    await page.waitForSelector("body[data-state=live]");
    assert.equal(await page.textContent("#session-name"), "multi");
    await page.close();
  });

  test("a multi-agent session shows the agent tree, the waterfall, the side effects and the totals", async () => {
    const page = await watchedPage(context, errors);
    await openSession(page, "multi");
    const tree = await rowsOf(page, "#agent-tree li[data-agent]", (lis) =>
      lis.map((li) => {
        const line = li.querySelector(":scope > .agent-line");
        return [line.querySelector(".agent-name").textContent, Number(li.dataset.depth), line.querySelector(".status").textContent, line.querySelector(".via")?.textContent ?? ""];
      }),
    );
    assert.deepEqual(tree, [
      ["lead", 0, "completed", ""],
      ["researcher", 1, "returned", "spawned by lead"],
      ["coder", 1, "completed", "handed off by lead"],
      ["tester", 2, "failed", "spawned by coder"],
    ]);
    assert.equal(await page.textContent("li[data-agent=ai_test] > .agent-reason"), "reason: tests failed: 3 of 10");

    const spans = await rowsOf(page, ".waterfall li", (lis) =>
      lis.map((li) => [li.querySelector(".label").textContent, Number(li.dataset.depth), li.classList.contains("failed"), li.querySelector(".dur").textContent]),
    );
    assert.deepEqual(spans, [
      ["session ssn_multi", 0, false, "6.00 s"],
      ["agent lead", 1, false, "5.40 s"],
      ["agent researcher", 2, false, "1.50 s"],
      ["tool web_search", 3, false, "800 ms"],
      ["agent coder", 2, false, "2.80 s"],
      ["process cargo", 3, true, "1.50 s failed: exit 101"],
      ["agent tester", 3, true, "300 ms failed"],
    ]);

    const totals = Object.fromEntries(
      await rowsOf(page, "#totals .tile", (tiles) => tiles.map((t) => [t.dataset.total, t.querySelector("dd").firstChild.textContent])),
    );
    assert.deepEqual(totals, { events: "21", agents: "4", "tool calls": "1", failures: "1", "tokens in": "2,500", "tokens out": "600", "wall time": "6.00 s" });
    const tokens = await rowsOf(page, "table.tokens tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(tokens, [
      ["anthropic", "claude-x", "2", "2,000", "500"],
      ["openai", "gpt-y", "1", "500", "100"],
    ]);

    const cells = (id) => rowsOf(page, `#${id} tbody tr`, (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(await cells("effects-files"), [["src/a.rs", "1", "1", "+12 −3", "modified"]]);
    assert.deepEqual(await cells("effects-processes"), [["cargo", "cargo test", "4242", "101", "1.50 s", "coder"]]);
    assert.deepEqual(await cells("effects-ports"), [["8080", "tcp", "1", "coder"]]);
    assert.deepEqual(await cells("effects-network"), [["api.example.com", "443", "1", "researcher"]]);

    assert.equal(await page.textContent("#timeline-count"), "21 events");
    await page.waitForFunction(() => document.querySelector("#report-title").textContent === "Integrity of session multi: ok", null, { timeout: 10_000 });

    await screenshot(page, "viewer-desktop");
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(300);
    await screenshot(page, "viewer-phone");
    await page.close();
  });

  test("events appended by the CLI show live, a torn tail and an unreadable line as such", async () => {
    const page = await watchedPage(context, errors);
    const dir = join(root, "live");
    await openSession(page, "live");
    assert.equal(await page.textContent("#timeline-count"), "1 event");
    for (let i = 1; i <= 5; i++) {
      append(dir, [liveEvent(i)]);
      // The new event is the top row, without a reload.
      await page.waitForFunction((n) => document.querySelector("#timeline-count").textContent === `${n} events`, i + 1, { timeout: 10_000 });
      assert.equal(await page.textContent(`#ev-${i} .summary`), `tool_${i} · ${10 + i} ms`);
    }
    // The panels redraw a moment after the timeline.
    await page.waitForFunction(() => document.querySelector("[data-total='tool calls'] dd").firstChild.textContent === "6", null, { timeout: 10_000 });

    // A writer dies mid-line: the page says so and shows no event for it.
    appendFileSync(join(dir, "events.jsonl"), '{"type":"agent.note","te');
    await page.waitForSelector("#torn-note:not([hidden])", { timeout: 10_000 });
    assert.match(await page.textContent("#torn-note"), /^24 bytes after the last complete line: a torn tail/);
    await page.waitForFunction(() => document.querySelector("#report-title").textContent.endsWith("damaged"), null, { timeout: 10_000 });
    assert.equal(await page.textContent("#timeline-count"), "6 events");

    // The next append repairs it; a foreign writer then adds a line that is no event.
    append(dir, [liveEvent(6)]);
    await page.waitForFunction(() => document.querySelector("#timeline-count").textContent === "7 events", null, { timeout: 10_000 });
    await page.waitForSelector("#torn-note[hidden]", { state: "attached" });
    appendFileSync(join(dir, "events.jsonl"), "<b>not json</b>\n");
    await page.waitForSelector("#skipped-lines:not([hidden])", { timeout: 10_000 });
    assert.equal(await page.textContent("#skipped-lines li"), "line 8: not an event: not valid JSON: expected a value at byte 0<b>not json</b>");
    assert.equal(await page.textContent("#timeline-count"), "7 events · 1 unreadable line");
    await page.waitForFunction(() => document.querySelector("#report-title").textContent === "Integrity of session live: damaged", null, { timeout: 10_000 });
    append(dir, [liveEvent(8)]);
    await page.waitForFunction(() => document.querySelector("#timeline-count").textContent === "8 events · 1 unreadable line", null, { timeout: 10_000 });
    assert.equal(await page.textContent("#ev-7 .seq"), "#8");
    await page.close();
  });

  test("scroll and focus stay where the person left them through live appends and check refreshes", async () => {
    const dir = join(root, "steady");
    append(dir, Array.from({ length: 40 }, (_, i) => liveEvent(i)));
    const page = await watchedPage(context, errors);
    await openSession(page, "steady");
    await page.focus("#timeline");
    await page.keyboard.press("ArrowDown");
    // The person scrolls down to the timeline (at once: a wheel scrolls
    // smoothly, still moving when read).
    await page.evaluate(() => document.querySelector("#timeline-card").scrollIntoView({ block: "start", behavior: "instant" }));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    // What the person sees: where the timeline card is in the viewport (the
    // waterfall above it grows; the browser's scroll anchoring keeps the
    // card in place, so scrollY itself may change), and what has focus.
    const seen = () => page.evaluate(() => ({ top: Math.round(document.querySelector("#timeline-card").getBoundingClientRect().top), focus: document.activeElement.id }));
    const before = await seen();
    assert.equal(before.focus, "timeline");
    for (let i = 40; i < 43; i++) {
      append(dir, [liveEvent(i)]);
      await page.waitForFunction((n) => document.querySelector("#timeline-count").textContent === `${n} events`, i + 1, { timeout: 10_000 });
    }
    // The integrity report is refreshed within 2 s of a batch: wait past it.
    await page.waitForTimeout(2_500);
    assert.deepEqual(await seen(), before);
    await page.close();
  });

  test("a waterfall bar opens a panel with every field of its event, escaped; Escape closes it; ?event= reopens it", async () => {
    const BIDI = "invoice\u202eslx.exe";
    append(join(root, "detail"), [
      { ...liveEvent(0), session_id: "ssn_detail" },
      { ...liveEvent(1), session_id: "ssn_detail", tool_name: BIDI, outcome: "denied", meta: { reason: "policy", paths: ["/etc/shadow"] } },
    ]);
    const page = await watchedPage(context, errors);
    await openSession(page, "detail");
    const bar = page.locator(".waterfall li", { hasText: "slx.exe" });
    await bar.click();
    await page.waitForSelector("#span-detail:not([hidden])");
    const field = (k) => page.textContent(`#span-detail [data-field=${k}] dd`);
    assert.equal(await field("tool_name"), "invoice\\u{202e}slx.exe");
    assert.equal(await field("outcome"), "denied");
    // Pretty-printed (the log stores keys sorted).
    assert.equal(await field("meta"), JSON.stringify({ paths: ["/etc/shadow"], reason: "policy" }, null, 2));
    assert.equal(await page.textContent("#span-detail-title"), "tool invoice\\u{202e}slx.exe");
    assert.ok(!(await page.textContent("#span-detail")).includes("\u202e"), "no raw bidi override shown");
    const seq = await page.textContent("#span-detail .span-event h4");
    assert.match(seq, /^Event #1: agent\.called_tool$/);
    assert.equal(new URL(page.url()).searchParams.get("event"), "1");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#span-detail", { state: "hidden" });
    assert.equal(new URL(page.url()).searchParams.get("event"), null);
    // Enter on a focused bar opens it too.
    await page.locator(".waterfall li", { hasText: "tool_0" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector("#span-detail:not([hidden])");
    assert.equal(await field("tool_name"), "tool_0");
    // The address opens that event's panel.
    await page.goto(`${viewer.url}viewer/?session=detail&event=1`);
    await page.waitForSelector("body[data-state=live]");
    await page.waitForSelector("#span-detail:not([hidden])");
    assert.equal(await field("outcome"), "denied");
    assert.equal(await page.$eval(".waterfall li.selected .label", (l) => l.textContent), "tool invoice\\u{202e}slx.exe");
    await page.close();
  });

  test("a waterfall of more than 400 spans keeps every agent reachable by scrolling", async () => {
    const agent = (k) => ({ session_id: "ssn_many", agent_id: `agent://a${k}`, agent_instance_id: `ai_${k}`, agent_name: `agent-${k}`, host_id: "host_e2e" });
    const events = [];
    for (let k = 0; k < 5; k++) {
      events.push({ type: "agent.started", ...agent(k) });
      for (let i = 0; i < 100; i++) events.push({ type: "agent.called_tool", tool_name: `t${k}_${i}`, duration_ms: 1, ...agent(k) });
    }
    append(join(root, "many"), events);
    const page = await watchedPage(context, errors);
    await openSession(page, "many");
    const drawn = () => page.$$eval(".waterfall li .label", (ls) => ls.map((l) => l.textContent));
    const first = await drawn();
    assert.ok(first.length < 100, `only the rows in view are drawn (${first.length})`);
    assert.ok(!first.includes("agent agent-4"));
    assert.match(await page.textContent("#waterfall .note"), /^505 spans/);
    await page.$eval(".waterfall-scroll", (s) => (s.scrollTop = s.scrollHeight));
    await page.waitForFunction(() => [...document.querySelectorAll(".waterfall li .label")].some((l) => l.textContent === "tool t4_99"));
    const last = await drawn();
    assert.equal(last.at(-1), "tool t4_99");
    // Scrolling up a little shows agent-4's own row, above its 100 tools.
    await page.$eval(".waterfall-scroll", (s) => (s.scrollTop = s.scrollHeight - 110 * 25));
    await page.waitForFunction(() => [...document.querySelectorAll(".waterfall li .label")].some((l) => l.textContent === "agent agent-4"));
    await page.close();
  });

  test("a log replaced under the page is shown again from its first line", async () => {
    const page = await watchedPage(context, errors);
    const dir = join(root, "swapped");
    append(dir, [liveEvent(0), liveEvent(1), liveEvent(2)]);
    await openSession(page, "swapped");
    assert.equal(await page.textContent("#timeline-count"), "3 events");
    // Another log, shorter, renamed over this one (outside ROOT until then).
    const elsewhere = mkdtempSync(join(tmpdir(), "sessiontrail-viewer-swap-"));
    append(elsewhere, [liveEvent(7)]);
    renameSync(join(elsewhere, "events.jsonl"), join(dir, "events.jsonl"));
    rmSync(elsewhere, { recursive: true, force: true });
    await page.waitForFunction(() => document.querySelector("#timeline-count").textContent === "1 event", null, { timeout: 10_000 });
    assert.equal(await page.textContent("#ev-0 .summary"), "tool_7 · 17 ms");
    assert.match(await page.textContent("#banner"), /replaced or cut shorter/);
    await page.close();
  });

  test("hostile strings in every field run nothing, served by the viewer", async () => {
    append(join(root, "hostile"), hostileEvents());
    const page = await watchedPage(context, errors);
    await page.goto(viewer.url);
    await page.waitForSelector("tr[data-session=hostile]");
    await openSession(page, "hostile");
    await assertInert(page);
    await page.close();
  });

  test("refused paths and symlinked sessions give a message, not a page", async () => {
    const outside = mkdtempSync(join(tmpdir(), "sessiontrail-viewer-outside-"));
    append(join(outside, "secret"), [liveEvent(0)]);
    symlinkSync(join(outside, "secret"), join(root, "linked"));
    try {
      // Not watched: these answers are 4xx on purpose.
      const page = await context.newPage();
      for (const [name, message] of [
        ["linked", /is a symbolic link/],
        ["../secret", /not a session name/],
        ["/etc", /not a session name/],
        ["nope", /no session "nope"/],
      ]) {
        await page.goto(`${viewer.url}viewer/?session=${encodeURIComponent(name)}`);
        await page.waitForFunction(() => !document.querySelector("#session-status").textContent.startsWith("loading") && document.querySelector("#session-status").textContent);
        assert.match(await page.textContent("#session-status"), message, name);
        assert.equal(await page.textContent("#timeline-count"), "0 events", name);
      }
      await page.goto(viewer.url);
      await page.waitForSelector("tr[data-session=multi]");
      assert.equal(await page.$("tr[data-session=linked]"), null, "a symlinked session is not listed");
      await page.close();
    } finally {
      rmSync(join(root, "linked"));
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe("the viewer page from www/ (no server)", () => {
  let srv;
  before(async () => {
    srv = await server();
  });
  after(async () => {
    await srv.close();
    assert.deepEqual(errors, [], "no page errors");
  });

  test("opens a picked JSONL file, hostile strings included, and runs nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sessiontrail-viewer-file-"));
    try {
      append(join(dir, "s"), hostileEvents());
      const page = await watchedPage(context, errors);
      await page.goto(`${srv.url}viewer/`);
      await page.waitForSelector("body[data-state=idle]");
      await page.setInputFiles("#file-input", join(dir, "s", "events.jsonl"));
      await page.waitForSelector("body[data-state=file]");
      assert.equal(await page.textContent("#timeline-count"), "18 events");
      await assertInert(page);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the recorder links to the viewer", async () => {
    const page = await watchedPage(context, errors);
    await page.goto(srv.url);
    await page.click("a[href='viewer/']");
    await page.waitForSelector("body[data-state=idle]");
    assert.equal(await page.textContent("#file-title"), "Open a session file");
    await page.close();
  });
});

/** Nothing from HOSTILE ran or became markup, and every panel shows it as text. */
async function assertInert(page) {
  await page.click("#ev-0");
  // Hovering and clicking everything that could carry a handler.
  for (const selector of ["#agent-tree", ".waterfall", "#effects", "#timeline"]) await page.hover(selector);
  const found = await page.evaluate(() => ({
    pwned: window.__pwned ?? null,
    markup: document.querySelectorAll("main img, main script, main iframe, main svg [onload], main [onerror], main [onload], main [srcdoc]").length,
    badLinks: [...document.querySelectorAll("a")].filter((a) => a.protocol === "javascript:").length,
    text: document.body.textContent,
  }));
  assert.equal(found.pwned, null, "no payload ran");
  assert.equal(found.markup, 0, "no element made from a log");
  assert.equal(found.badLinks, 0, "no javascript: link");
  for (const payload of HOSTILE) assert.ok(found.text.includes(payload), `shown as text: ${payload}`);
}
