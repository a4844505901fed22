// The browser hosts (bindings/browser/) in real Chromium, through the
// package's browser entry (pkg/web/index.js served at /pkg/): each host
// appends and reads back; IndexedDB and OPFS logs survive a reload and go on
// numbering; two pages appending to one log at once get unique, contiguous
// numbers (the Web Lock the shared hosts hold, which the core takes through
// host.lock() and the browser EventLog enters through host.withLock).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { AGENT, launch, server, uniqueName, watchedPage } from "./harness.js";

let srv;
let browser;
let context;
let errors;

before(async () => {
  srv = await server();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

/** A fresh page on the server's origin (a neutral same-origin document:
 *  the package entry itself), with the package loaded as `window.sl`. */
async function packagePage() {
  const page = await watchedPage(context, errors);
  await page.goto(`${srv.url}pkg/index.js`);
  await page.evaluate(async () => {
    window.sl = await import("/pkg/index.js");
    await window.sl.default();
  });
  return page;
}

/** In `page`: opens log `name` on `kind`, appends `count` notes by
 *  `writer` one at a time, and returns their sequence numbers. */
function appendNotes(page, kind, name, count, writer) {
  return page.evaluate(
    async ({ kind, name, count, writer, agent }) => {
      const { EventLog, IndexedDbHost, OpfsHost } = window.sl;
      const host = kind === "indexeddb" ? await IndexedDbHost.open(name) : await OpfsHost.open(name);
      const log = EventLog.withHost(host);
      const numbers = [];
      for (let i = 0; i < count; i++) {
        const e = await log.append({ ...agent, agent_name: writer, type: "agent.note", text: `${writer} ${i}` });
        numbers.push(e.sequence_no);
      }
      log.free();
      await host.close();
      return numbers;
    },
    { kind, name, count, writer, agent: AGENT },
  );
}

/** In `page`: every event of log `name` on `kind` and its check report. */
function readBack(page, kind, name) {
  return page.evaluate(
    async ({ kind, name }) => {
      const { EventLog, IndexedDbHost, OpfsHost } = window.sl;
      const host = kind === "indexeddb" ? await IndexedDbHost.open(name) : await OpfsHost.open(name);
      const log = EventLog.withHost(host);
      const out = { events: await log.readAll(), report: await log.check(), count: log.eventCount, mode: host.mode };
      log.free();
      await host.close();
      return out;
    },
    { kind, name },
  );
}

/** In `page`: opens log `name` on `kind` ("memory", "indexeddb", "opfs"),
 *  fires one append per entry of `texts` together (none awaited before the
 *  next is issued; a text of null is an invalid event), and returns what
 *  each call settled with, in call order, and the log read back. */
function burst(page, kind, name, texts, writer) {
  return page.evaluate(
    async ({ kind, name, texts, writer, agent }) => {
      const { EventLog, IndexedDbHost, MemoryHost, OpfsHost } = window.sl;
      const host =
        kind === "memory" ? new MemoryHost() : kind === "indexeddb" ? await IndexedDbHost.open(name) : await OpfsHost.open(name);
      const log = EventLog.withHost(host);
      const calls = texts.map((text) =>
        log.append(
          text === null
            ? { ...agent, agent_name: writer, type: "agent.opened_port", port: 70000 }
            : { ...agent, agent_name: writer, type: "agent.note", text },
        ),
      );
      const settled = (await Promise.allSettled(calls)).map((r) =>
        r.status === "fulfilled"
          ? { seq: r.value.sequence_no, text: r.value.text }
          : { code: r.reason.code, field: r.reason.field, message: r.reason.message },
      );
      const back = (await log.readAll()).filter((e) => e.agent_name === writer).map((e) => [e.sequence_no, e.text]);
      const report = await log.check();
      log.free();
      await host.close?.();
      return { settled, back, ok: report.ok };
    },
    { kind, name, texts, writer, agent: AGENT },
  );
}

describe("browser hosts", () => {
  before(async () => {
    context = await browser.newContext();
    errors = [];
  });
  after(async () => {
    await context.close();
    assert.deepEqual(errors, [], "no page errors");
  });

  test("MemoryHost appends, reads back, and repairs a torn tail into saveTorn", async () => {
    const page = await packagePage();
    const result = await page.evaluate(async (agent) => {
      const { EventLog, MemoryHost } = window.sl;
      const host = new MemoryHost();
      const log = EventLog.withHost(host);
      const first = await log.append({ ...agent, type: "session.started" });
      const [a, b] = await log.appendBatch([
        { ...agent, type: "agent.called_tool", tool_name: "bash", duration_ms: 12 },
        { ...agent, type: "agent.opened_port", port: 8080 },
      ]);
      // A writer that died mid-line: bytes with no "\n" at the end.
      host.append(new TextEncoder().encode('{"session_id":"ssn_e2e","torn'));
      const after = await log.append({ ...agent, type: "session.closed" });
      const text = new TextDecoder().decode(host.bytes());
      return {
        numbers: [first.sequence_no, a.sequence_no, b.sequence_no, after.sequence_no],
        types: (await log.readAll()).map((e) => e.type),
        report: await log.check(),
        torn: new TextDecoder().decode(host.tornBytes()),
        lines: text.split("\n").length - 1,
      };
    }, AGENT);
    assert.deepEqual(result.numbers, [0, 1, 2, 3]);
    assert.deepEqual(result.types, ["session.started", "agent.called_tool", "agent.opened_port", "session.closed"]);
    assert.equal(result.report.ok, true);
    assert.equal(result.report.events, 4);
    assert.equal(result.torn, '{"session_id":"ssn_e2e","torn\n');
    assert.equal(result.lines, 4);
    await page.close();
  });

  test("IndexedDbHost appends, reads back, survives a reload and continues its numbering", async () => {
    const name = uniqueName("idb");
    const page = await packagePage();
    assert.deepEqual(await appendNotes(page, "indexeddb", name, 5, "first"), [0, 1, 2, 3, 4]);
    await page.reload();
    await page.evaluate(async () => {
      window.sl = await import("/pkg/index.js");
      await window.sl.default();
    });
    const before = await readBack(page, "indexeddb", name);
    assert.equal(before.count, 5, "a reopened log knows its count");
    assert.deepEqual(before.events.map((e) => e.text), ["first 0", "first 1", "first 2", "first 3", "first 4"]);
    assert.deepEqual(await appendNotes(page, "indexeddb", name, 3, "second"), [5, 6, 7]);
    const after = await readBack(page, "indexeddb", name);
    assert.deepEqual(after.events.map((e) => e.sequence_no), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(after.report.ok, true);
    assert.equal(after.report.counter, "consistent", "the counter hint is stored too");
    await page.close();
  });

  test("IndexedDbHost stores a torn-tail repair: the cut, the torn bytes and the epoch", async () => {
    const name = uniqueName("idbtorn");
    const page = await packagePage();
    await appendNotes(page, "indexeddb", name, 2, "w");
    // A torn line written straight to the host, as if a tab died mid-append.
    await page.evaluate(async (name) => {
      const host = await window.sl.IndexedDbHost.open(name);
      host.append(new TextEncoder().encode('{"half":'));
      await host.flush();
      host.close();
    }, name);
    const torn = await readBack(page, "indexeddb", name);
    assert.equal(torn.report.tornTailBytes, 8);
    assert.deepEqual(await appendNotes(page, "indexeddb", name, 1, "w"), [2]);
    await page.reload();
    const repaired = await page.evaluate(async (name) => {
      const sl = await import("/pkg/index.js");
      await sl.default();
      const host = await sl.IndexedDbHost.open(name);
      const log = sl.EventLog.withHost(host);
      const out = { report: await log.check(), torn: new TextDecoder().decode(await host.tornBytes()) };
      host.close();
      return out;
    }, name);
    assert.equal(repaired.report.ok, true, JSON.stringify(repaired.report));
    assert.equal(repaired.report.events, 3);
    assert.equal(repaired.torn, '{"half":\n');
    await page.close();
  });

  test("two pages appending to one IndexedDB log at once get unique, contiguous numbers", async () => {
    const name = uniqueName("idbtwo");
    const [a, b] = [await packagePage(), await packagePage()];
    const [fromA, fromB] = await Promise.all([
      appendNotes(a, "indexeddb", name, 60, "page-a"),
      appendNotes(b, "indexeddb", name, 60, "page-b"),
    ]);
    const all = [...fromA, ...fromB].sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 120 }, (_, i) => i), "0..119, each once");
    const back = await readBack(a, "indexeddb", name);
    assert.equal(back.report.ok, true, JSON.stringify(back.report));
    assert.equal(back.events.filter((e) => e.agent_name === "page-a").length, 60);
    assert.equal(back.events.filter((e) => e.agent_name === "page-b").length, 60);
    // What each page was told is what was stored.
    for (const e of back.events) {
      const told = e.agent_name === "page-a" ? fromA : fromB;
      assert.equal(told[Number(e.text.split(" ")[1])], e.sequence_no);
    }
    await a.close();
    await b.close();
  });

  test("a shared host's lock is its Web Lock: the raw wasm class cannot append to it outside withLock", async () => {
    const name = uniqueName("idblock");
    const page = await packagePage();
    const out = await page.evaluate(
      async ({ name, agent }) => {
        const raw = await import("/pkg/sessiontrail.js");
        const { IndexedDbHost, EventLog } = window.sl;
        const host = await IndexedDbHost.open(name);
        const unlocked = raw.EventLog.withHost(host);
        const result = {};
        try {
          unlocked.append({ ...agent, type: "agent.note", text: "no lock" });
          result.appended = true;
        } catch (e) {
          result.code = e.code;
          result.message = e.message;
          result.causeCode = e.cause?.code;
        }
        result.sizeAfter = host.size();
        // Inside withLock the same raw append goes through, and the browser
        // EventLog takes that path itself.
        result.inside = await host.withLock(() => unlocked.append({ ...agent, type: "agent.note", text: "locked" }).sequence_no);
        result.viaEventLog = (await EventLog.withHost(host).append({ ...agent, type: "agent.note", text: "x" })).sequence_no;
        unlocked.free();
        host.close();
        return result;
      },
      { name, agent: AGENT },
    );
    assert.equal(out.appended, undefined, "refused");
    assert.equal(out.code, "LOCK_NOT_HELD");
    assert.equal(out.causeCode, "LOCK_NOT_HELD");
    assert.match(out.message, /^indexeddb:.*: an append needs the Web Lock "sessiontrail:indexeddb:.*"; append through the browser EventLog/);
    assert.equal(out.sizeAfter, 0, "nothing written");
    assert.equal(out.inside, 0);
    assert.equal(out.viaEventLog, 1);
    await page.close();
  });

  test("OpfsHost in a window (through its Worker) appends, reads back, survives a reload", async () => {
    const name = uniqueName("opfs");
    const page = await packagePage();
    assert.deepEqual(await appendNotes(page, "opfs", name, 4, "w"), [0, 1, 2, 3]);
    await page.reload();
    await page.evaluate(async () => {
      window.sl = await import("/pkg/index.js");
      await window.sl.default();
    });
    assert.deepEqual(await appendNotes(page, "opfs", name, 2, "w"), [4, 5]);
    const back = await readBack(page, "opfs", name);
    assert.equal(back.mode, "worker");
    assert.deepEqual(back.events.map((e) => e.sequence_no), [0, 1, 2, 3, 4, 5]);
    assert.equal(back.report.ok, true);
    assert.equal(back.report.counter, "consistent");
    await page.close();
  });

  test("two pages appending to one OPFS log at once get unique, contiguous numbers", async () => {
    const name = uniqueName("opfstwo");
    const [a, b] = [await packagePage(), await packagePage()];
    const [fromA, fromB] = await Promise.all([
      appendNotes(a, "opfs", name, 40, "page-a"),
      appendNotes(b, "opfs", name, 40, "page-b"),
    ]);
    const all = [...fromA, ...fromB].sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 80 }, (_, i) => i));
    const back = await readBack(a, "opfs", name);
    assert.equal(back.report.ok, true, JSON.stringify(back.report));
    await a.close();
    await b.close();
  });

  test("OpfsHost opened inside a Worker writes the files directly, and a window reads them", async () => {
    const name = uniqueName("opfsdirect");
    const page = await packagePage();
    const fromWorker = await page.evaluate(
      ({ name, agent, origin }) => {
        const source = `
          import init, { EventLog, OpfsHost } from "${origin}pkg/index.js";
          onmessage = async () => {
            try {
              await init();
              const host = await OpfsHost.open(${JSON.stringify(name)});
              const log = EventLog.withHost(host);
              const stored = [];
              for (const tool of ["grep", "sed", "cargo"]) {
                stored.push((await log.append({ ...${JSON.stringify(agent)}, type: "agent.called_tool", tool_name: tool })).sequence_no);
              }
              postMessage({ mode: host.mode, stored, count: (await log.readAll()).length });
              await host.close();
            } catch (e) {
              postMessage({ error: e.message });
            }
          };`;
        const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
        const worker = new Worker(url, { type: "module" });
        return new Promise((resolve) => {
          worker.onmessage = (m) => resolve(m.data);
          worker.onerror = (e) => resolve({ error: e.message });
          worker.postMessage("go");
        });
      },
      { name, agent: AGENT, origin: srv.url },
    );
    assert.deepEqual(fromWorker, { mode: "direct", stored: [0, 1, 2], count: 3 });
    const back = await readBack(page, "opfs", name);
    assert.deepEqual(back.events.map((e) => e.tool_name), ["grep", "sed", "cargo"]);
    assert.equal(back.report.ok, true);
    await page.close();
  });

  for (const kind of ["memory", "indexeddb", "opfs"]) {
    test(`a burst of appends on ${kind} is numbered in call order, each caller told its own event`, async () => {
      const page = await packagePage();
      const texts = Array.from({ length: 50 }, (_, i) => `burst ${i}`);
      const out = await burst(page, kind, uniqueName(`burst${kind}`), texts, "burster");
      assert.deepEqual(out.settled, texts.map((text, i) => ({ seq: i, text })));
      assert.deepEqual(out.back, texts.map((text, i) => [i, text]));
      assert.equal(out.ok, true);
      await page.close();
    });
  }

  test("an invalid event inside a burst fails alone, with its code and field", async () => {
    const page = await packagePage();
    const out = await burst(page, "indexeddb", uniqueName("burstbad"), ["a", "b", null, "c", "d"], "burster");
    assert.deepEqual(out.settled.filter((r) => r.seq !== undefined), [
      { seq: 0, text: "a" },
      { seq: 1, text: "b" },
      { seq: 2, text: "c" },
      { seq: 3, text: "d" },
    ]);
    const bad = out.settled[2];
    assert.equal(bad.code, "INVALID_EVENT");
    assert.equal(bad.field, "port");
    assert.match(bad.message, /field `port` must be an integer from 0 to 65535, got 70000/);
    assert.deepEqual(out.back.map(([, text]) => text), ["a", "b", "c", "d"]);
    assert.equal(out.ok, true);
    await page.close();
  });

  test("a burst against a host that throws fails every call of the group and writes nothing", async () => {
    const page = await packagePage();
    const out = await page.evaluate(async (agent) => {
      const { EventLog, MemoryHost } = window.sl;
      class FailingHost extends MemoryHost {
        failing = false;
        flushFails = false;
        writes = 0;
        async flush() {
          if (this.flushFails) throw new Error("the storage refused to persist");
        }
        append(bytes) {
          if (this.failing) throw new Error("QuotaExceededError: the disk is full");
          this.writes++;
          super.append(bytes);
        }
      }
      const host = new FailingHost();
      const log = EventLog.withHost(host);
      const note = (text) => log.append({ ...agent, type: "agent.note", text });
      await note("first");
      const before = host.bytes();
      host.failing = true;
      const failed = (await Promise.allSettled(["a", "b", "c"].map(note))).map((r) => [r.status, r.reason?.code]);
      const unchanged = before.length === host.bytes().length && before.every((b, i) => b === host.bytes()[i]);
      host.failing = false;
      const writesBefore = host.writes;
      const next = (await Promise.all(["d", "e", "f"].map(note))).map((e) => e.sequence_no);
      const writes = host.writes - writesBefore;
      host.flushFails = true;
      const unflushed = (await Promise.allSettled(["g", "h"].map(note))).map((r) => [r.status, r.reason?.code, r.reason?.cause?.message]);
      return { failed, unchanged, next, writes, ok: (await log.check()).ok, unflushed };
    }, AGENT);
    assert.deepEqual(out.failed, [
      ["rejected", "HOST_FAILED"],
      ["rejected", "HOST_FAILED"],
      ["rejected", "HOST_FAILED"],
    ]);
    assert.equal(out.unchanged, true, "nothing of the failed group was written");
    assert.deepEqual(out.next, [1, 2, 3], "the failed group's numbers were not used");
    assert.equal(out.writes, 1, "the next burst is one host write");
    assert.deepEqual(out.unflushed, [
      ["rejected", "HOST_FAILED", "the storage refused to persist"],
      ["rejected", "HOST_FAILED", "the storage refused to persist"],
    ], "a failed flush acknowledges no call of its turn");
    assert.equal(out.ok, true);
    await page.close();
  });

  for (const kind of ["indexeddb", "opfs"]) {
    test(`two pages bursting into one ${kind} log get unique numbers, each page's in call order`, async () => {
      const name = uniqueName(`bursttwo${kind}`);
      const [a, b] = [await packagePage(), await packagePage()];
      const texts = Array.from({ length: 40 }, (_, i) => `n${i}`);
      const [fromA, fromB] = await Promise.all([burst(a, kind, name, texts, "page-a"), burst(b, kind, name, texts, "page-b")]);
      const seqA = fromA.settled.map((r) => r.seq);
      const seqB = fromB.settled.map((r) => r.seq);
      for (const seqs of [seqA, seqB]) {
        assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), "in call order");
      }
      assert.deepEqual([...seqA, ...seqB].sort((x, y) => x - y), Array.from({ length: 80 }, (_, i) => i), "0..79, each once");
      const back = await readBack(a, kind, name);
      assert.equal(back.report.ok, true, JSON.stringify(back.report));
      for (const e of back.events) {
        const told = e.agent_name === "page-a" ? seqA : seqB;
        assert.equal(told[Number(e.text.slice(1))], e.sequence_no, "what each page was told is what was stored");
      }
      await a.close();
      await b.close();
    });
  }

  for (const kind of ["indexeddb", "opfs"]) {
    test(`a page closed during bursts on ${kind} leaves a readable log holding every acknowledged event`, async () => {
      const name = uniqueName(`burstclose${kind}`);
      const page = await packagePage();
      await page.evaluate(
        ({ kind, name, agent }) => {
          window.acked = [];
          (async () => {
            const { EventLog, IndexedDbHost, OpfsHost } = window.sl;
            const host = kind === "indexeddb" ? await IndexedDbHost.open(name) : await OpfsHost.open(name);
            const log = EventLog.withHost(host);
            for (let b = 0; ; b++) {
              const calls = Array.from({ length: 20 }, (_, i) =>
                log.append({ ...agent, type: "agent.note", text: `b${b} n${i}` }).then((e) => window.acked.push([e.sequence_no, e.text])),
              );
              await Promise.all(calls);
            }
          })();
        },
        { kind, name, agent: AGENT },
      );
      await page.waitForFunction(() => window.acked.length >= 100);
      const acked = await page.evaluate(() => window.acked.slice());
      await page.close(); // bursts still being written
      const reader = await packagePage();
      const back = await readBack(reader, kind, name);
      const stored = new Map(back.events.map((e) => [e.text, e.sequence_no]));
      for (const [seq, text] of acked) assert.equal(stored.get(text), seq, `acknowledged ${text} (#${seq}) is stored`);
      assert.deepEqual(back.report.duplicates, [], "no number handed out twice");
      assert.equal(back.report.missingCount, 0, JSON.stringify(back.report));
      assert.ok(back.events.length >= acked.length);
      await reader.close();
    });
  }

  test("nothing starting with _ is reachable from the browser EventLog, a log, or the module", async () => {
    const page = await packagePage();
    const out = await page.evaluate(async (agent) => {
      const { EventLog, MemoryHost } = window.sl;
      const log = EventLog.withHost(new MemoryHost());
      await log.append({ ...agent, type: "session.started" });
      const reachable = (value) => {
        const names = new Set();
        for (let o = value; o !== null && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
          for (const name of Reflect.ownKeys(o)) names.add(String(name));
        }
        return [...names].filter((n) => n.startsWith("_"));
      };
      let constructed;
      try {
        new EventLog();
      } catch (e) {
        constructed = [e.constructor.name, e.message];
      }
      return { hidden: [...reachable(EventLog), ...reachable(log), ...reachable(window.sl)], constructed, ptr: log.__wbg_ptr };
    }, AGENT);
    assert.deepEqual(out.hidden, []);
    assert.equal(out.ptr, undefined);
    assert.deepEqual(out.constructed, ["TypeError", "new EventLog() makes no log: use EventLog.withHost(host)"]);
    await page.close();
  });
});
