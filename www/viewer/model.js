// What the viewer knows of one session, built event by event as they
// arrive (from the server's answers or a dropped file): the agent tree, the
// bars of the span waterfall, the side effects and the totals. Pure data, no
// DOM: panels.js draws it. Everything here is untrusted text from a log; it
// is only ever stored and counted, never interpreted.

/** The session's model; feed it with add(events), read its fields. */
export class SessionModel {
  events = 0;
  first = NaN; // earliest and latest event time (ms since the epoch)
  last = NaN;
  sessionIds = new Set();
  agents = new Map(); // agent_instance_id -> agent (see #agent)
  cycles = 0; // parent links refused because they would close a loop
  bars = new Map(); // key -> bar of the waterfall
  #barBySpan = new Map(); // span_id -> the first bar that carries it
  #openProcesses = new Map(); // agent|process name -> started bars not yet completed
  traces = new Set();
  toolCalls = 0;
  /** Tool calls that failed or were denied (see toolOutcome). */
  failedTools = 0;
  /** Processes that exited non-zero. */
  failedProcesses = 0;
  toolMs = 0;
  decisions = 0;
  tokens = new Map(); // provider \0 model -> { provider, model, in, out, decisions }
  files = new Map(); // path -> { path, reads, writes, additions, deletions, ops, agents }
  processes = []; // the process bars, in start order
  ports = new Map(); // port/protocol -> { port, protocol, count, agents }
  network = new Map(); // destination:port -> { destination, port, count, agents }
  closed = null; // the session.closed event's duration_ms, when given

  add(events) {
    for (const e of events) this.#add(e);
  }

  /** Wall time: the closing event's duration, else first to last event. */
  get wallMs() {
    if (Number.isFinite(this.closed)) return this.closed;
    return Number.isFinite(this.first) ? this.last - this.first : NaN;
  }

  #add(e) {
    this.events += 1;
    const t = Date.parse(e.timestamp);
    if (Number.isFinite(t)) {
      if (!(t >= this.first)) this.first = t;
      if (!(t <= this.last)) this.last = t;
    }
    this.sessionIds.add(String(e.session_id));
    if (e.trace_id) this.traces.add(String(e.trace_id));
    const agent = this.#agent(e.agent_instance_id, e);
    agent.events += 1;
    if (Number.isFinite(t)) {
      if (!(t >= agent.start)) agent.start = t;
      if (!(t <= agent.end)) agent.end = t;
    }
    const agentBar = this.#agentBar(agent, e, t);
    switch (e.type) {
      case "session.started":
        this.#sessionBar(e, t).start = t;
        break;
      case "session.closed": {
        const bar = this.#sessionBar(e, t);
        bar.end = t;
        bar.open = false;
        if (Number.isFinite(e.duration_ms)) {
          this.closed = e.duration_ms;
          if (!Number.isFinite(bar.start) || bar.start === t) bar.start = t - e.duration_ms;
        }
        break;
      }
      case "agent.started":
        this.#lifecycle(agentBar, e);
        this.#setParent(agent, e.parent_agent_instance_id, "started by");
        break;
      case "agent.spawned":
        this.#lifecycle(agentBar, e);
        agent.reason = e.reason ?? agent.reason;
        this.#setParent(agent, e.spawned_by_agent_instance_id, "spawned by");
        break;
      case "agent.handoff": {
        if (e.to_agent_instance_id) {
          const to = this.#agent(e.to_agent_instance_id);
          this.#setParent(to, e.from_agent_instance_id, "handed off by");
          this.#agent(e.from_agent_instance_id ?? agent.id).handoffs.push(String(e.to_agent_instance_id));
        }
        break;
      }
      case "agent.collaborated":
        for (const id of e.collaborator_agent_instance_ids ?? []) {
          if (id !== agent.id) {
            agent.collaborators.add(String(id));
            this.#agent(id).collaborators.add(agent.id);
          }
        }
        break;
      case "agent.returned":
        agent.status = "returned";
        agent.returnedTo = e.returned_to_agent_instance_id;
        this.#setParent(agent, e.returned_to_agent_instance_id, "returned to");
        this.#lifecycle(agentBar, e, true);
        break;
      case "agent.completed":
        agent.status = "completed";
        agent.reason = e.termination_reason ?? agent.reason;
        this.#lifecycle(agentBar, e, true);
        break;
      case "agent.failed":
        agent.status = "failed";
        agent.reason = e.reason ?? agent.reason;
        agentBar.failed = true;
        this.#lifecycle(agentBar, e, true);
        break;
      case "agent.called_tool": {
        this.toolCalls += 1;
        agent.toolCalls += 1;
        const ms = Number.isFinite(e.duration_ms) ? e.duration_ms : 0;
        this.toolMs += ms;
        // Recorded when the call returns: the bar ends at the event.
        const bar = this.#eventBar(e, "tool", `tool ${e.tool_name}`, t - ms, t);
        const outcome = toolOutcome(e);
        if (outcome) {
          bar.failed = true;
          bar.outcome = outcome;
          this.failedTools += 1;
        }
        break;
      }
      case "agent.decision": {
        this.decisions += 1;
        const key = `${e.provider ?? ""}\u0000${e.model ?? ""}`;
        let row = this.tokens.get(key);
        if (!row) this.tokens.set(key, (row = { provider: e.provider ?? "", model: e.model ?? "", in: 0, out: 0, decisions: 0 }));
        row.decisions += 1;
        row.in += Number.isFinite(e.tokens_in) ? e.tokens_in : 0;
        row.out += Number.isFinite(e.tokens_out) ? e.tokens_out : 0;
        agent.tokensIn += Number.isFinite(e.tokens_in) ? e.tokens_in : 0;
        agent.tokensOut += Number.isFinite(e.tokens_out) ? e.tokens_out : 0;
        break;
      }
      case "agent.read_file":
      case "agent.wrote_file": {
        const path = String(e.file_path);
        let f = this.files.get(path);
        if (!f) this.files.set(path, (f = { path, reads: 0, writes: 0, additions: 0, deletions: 0, ops: new Set(), agents: new Set() }));
        f.agents.add(agent.name);
        if (e.type === "agent.read_file") f.reads += 1;
        else {
          f.writes += 1;
          f.additions += Number.isFinite(e.additions) ? e.additions : 0;
          f.deletions += Number.isFinite(e.deletions) ? e.deletions : 0;
          if (e.operation) f.ops.add(String(e.operation));
        }
        break;
      }
      case "agent.started_process": {
        const bar = this.#eventBar(e, "process", `process ${e.process_name}`, t, t);
        bar.open = true;
        Object.assign(bar, { process: e.process_name, command: e.command, pid: e.pid, agent: agent.id });
        this.processes.push(bar);
        const key = `${agent.id}\u0000${e.process_name}`;
        if (!this.#openProcesses.has(key)) this.#openProcesses.set(key, []);
        this.#openProcesses.get(key).push(bar);
        break;
      }
      case "agent.completed_process": {
        // Paired with the oldest start of the same process by the same agent.
        const key = `${agent.id}\u0000${e.process_name}`;
        let bar = this.#openProcesses.get(key)?.shift();
        const ms = Number.isFinite(e.duration_ms) ? e.duration_ms : NaN;
        if (bar) {
          bar.end = Number.isFinite(t) ? t : bar.end;
          bar.events.push(e.sequence_no);
        } else {
          bar = this.#eventBar(e, "process", `process ${e.process_name}`, Number.isFinite(ms) ? t - ms : t, t);
          Object.assign(bar, { process: e.process_name, agent: agent.id });
          this.processes.push(bar);
        }
        bar.open = false;
        bar.command = e.command ?? bar.command;
        bar.exitCode = e.exit_code;
        bar.durationMs = Number.isFinite(ms) ? ms : bar.end - bar.start;
        if (Number.isInteger(e.exit_code) && e.exit_code !== 0 && !bar.failed) {
          bar.failed = true;
          this.failedProcesses += 1;
        }
        break;
      }
      case "agent.opened_port": {
        const key = `${e.port}/${e.protocol ?? ""}`;
        let p = this.ports.get(key);
        if (!p) this.ports.set(key, (p = { port: e.port, protocol: e.protocol ?? "", count: 0, agents: new Set() }));
        p.count += 1;
        p.agents.add(agent.name);
        break;
      }
      case "agent.connected_network": {
        const key = `${e.destination}\u0000${e.port ?? ""}`;
        let n = this.network.get(key);
        if (!n) this.network.set(key, (n = { destination: String(e.destination), port: e.port, count: 0, agents: new Set() }));
        n.count += 1;
        n.agents.add(agent.name);
        break;
      }
    }
  }

  /** The agent with instance id `id`, created on first mention; `e`, an
   *  event of its own, names it. */
  #agent(id, e) {
    id = String(id ?? "");
    let a = this.agents.get(id);
    if (!a) {
      a = {
        id,
        name: "",
        agentId: "",
        role: "",
        parent: null,
        via: "",
        status: "running",
        reason: undefined,
        returnedTo: undefined,
        start: NaN,
        end: NaN,
        events: 0,
        toolCalls: 0,
        tokensIn: 0,
        tokensOut: 0,
        collaborators: new Set(),
        handoffs: [],
      };
      this.agents.set(id, a);
    }
    if (e && !a.name) {
      a.name = String(e.agent_name ?? "");
      a.agentId = String(e.agent_id ?? "");
      a.role = e.agent_role ? String(e.agent_role) : "";
    }
    return a;
  }

  /** Links `child` under `parentId`, unless it has a parent already, or
   *  the link would make a loop (a hostile or confused log can claim one). */
  #setParent(child, parentId, via) {
    if (parentId === undefined || parentId === null || parentId === "") return;
    parentId = String(parentId);
    if (child.parent !== null || parentId === child.id) return;
    for (let up = parentId, steps = 0; up !== null; up = this.agents.get(up)?.parent ?? null) {
      if (up === child.id || ++steps > this.agents.size + 1) {
        this.cycles += 1;
        return;
      }
    }
    this.#agent(parentId);
    child.parent = parentId;
    child.via = via;
  }

  #sessionBar(e, t) {
    let bar = this.bars.get("session");
    if (!bar) {
      bar = this.#newBar("session", "session", `session ${e.session_id}`, e, t, t);
      bar.open = true;
    }
    return bar;
  }

  /** Every agent gets a bar from its first to its last event; its lifecycle
   *  events give it its span and close it. */
  #agentBar(agent, e, t) {
    const key = `agent\u0000${agent.id}`;
    let bar = this.bars.get(key);
    if (!bar) {
      // Its span is the one of its first lifecycle event (#lifecycle): the
      // event that made the bar may be a session's or a tool call's.
      bar = this.#newBar(key, "agent", "", e, t, t, false);
      bar.spanId = bar.parentSpanId = "";
      bar.agent = agent.id;
      agent.bar = bar;
      bar.open = true;
      bar.lifecycle = false;
    }
    bar.label = `agent ${agent.name || agent.id}`;
    // From its first event to its last, unless its lifecycle says when it
    // started (#lifecycle) or ended: a session.closed written by the lead
    // after it completed is not the lead's time.
    if (Number.isFinite(t)) {
      if (!bar.startFixed && !(t >= bar.start)) bar.start = t;
      if (bar.open && !(t <= bar.end)) bar.end = t;
    }
    return bar;
  }

  #lifecycle(bar, e, ends = false) {
    const t = Date.parse(e.timestamp);
    if (!ends && !bar.startFixed && Number.isFinite(t)) {
      bar.startFixed = true;
      bar.start = t;
    }
    if (ends && bar.open && Number.isFinite(t)) bar.end = t;
    if (!bar.lifecycle) {
      bar.lifecycle = true;
      bar.spanId = String(e.span_id ?? "");
      bar.traceId = String(e.trace_id ?? "");
      bar.parentSpanId = e.parent_span_id ? String(e.parent_span_id) : "";
      if (bar.spanId && !this.#barBySpan.has(bar.spanId)) this.#barBySpan.set(bar.spanId, bar);
    }
    if (ends) bar.open = false;
  }

  #eventBar(e, kind, label, start, end) {
    return this.#newBar(`event\u0000${e.sequence_no}\u0000${this.bars.size}`, kind, label, e, start, end);
  }

  #newBar(key, kind, label, e, start, end, bySpan = true) {
    const bar = {
      key,
      kind,
      label,
      agent: String(e.agent_instance_id ?? ""),
      spanId: String(e.span_id ?? ""),
      traceId: String(e.trace_id ?? ""),
      parentSpanId: e.parent_span_id ? String(e.parent_span_id) : "",
      start,
      end,
      open: false,
      failed: false,
      events: [e.sequence_no],
    };
    this.bars.set(key, bar);
    if (bySpan && bar.spanId && !this.#barBySpan.has(bar.spanId)) this.#barBySpan.set(bar.spanId, bar);
    return bar;
  }

  /** The bar a bar hangs under: its parent span's bar, else (for a tool or
   *  process) the bar that shares its span or its agent's bar, else (for an
   *  agent) its parent agent's bar, else the session's. */
  parentOf(bar) {
    const bySpan = bar.parentSpanId && this.#barBySpan.get(bar.parentSpanId);
    if (bySpan && bySpan !== bar) return bySpan;
    const session = this.bars.get("session");
    if (bar.kind === "session") return null;
    if (bar.kind === "agent") {
      const parent = this.agents.get(bar.agent)?.parent;
      return (parent !== null && parent !== undefined && this.agents.get(parent)?.bar) || session || null;
    }
    const sameSpan = bar.spanId && this.#barBySpan.get(bar.spanId);
    if (sameSpan && sameSpan !== bar) return sameSpan;
    return this.agents.get(bar.agent)?.bar ?? session ?? null;
  }
}

/** "failed" or "denied" for a tool call that did not succeed, else null:
 *  the core's rule (`EventType::failed`): `outcome` failed or denied; for
 *  older events written by `sessiontrail hook` without `outcome`, the
 *  hook's `error_*` meta keys (it writes them only for a failed call). */
export function toolOutcome(e) {
  if (e.outcome === "failed" || e.outcome === "denied") return e.outcome;
  if (e.outcome === undefined && e.meta && typeof e.meta === "object" && Object.keys(e.meta).some((k) => k.startsWith("error_"))) return "failed";
  return null;
}
