// "Simulate agent": the events of a plausible short coding-agent session
// (a planner that reads, edits, tests and hands a review to a sub-agent),
// in order, for demos. Each step is the type's own fields; the page adds the
// agent and session fields. Covers every event type once or more.

export function simulatedSession(agent) {
  const me = agent.agent_instance_id;
  const helper = `${me}-reviewer`;
  const ms = (a, b) => a + Math.floor(Math.random() * (b - a));
  const digest = () => `sha256:${Math.random().toString(16).slice(2, 14)}`;
  return [
    { type: "session.started" },
    { type: "agent.started" },
    { type: "agent.decision", model: "claude-sonnet-4", provider: "anthropic", tokens_in: ms(1200, 4000), tokens_out: ms(80, 400), confidence: 0.82, summary: "Read the failing test first" },
    { type: "agent.called_tool", tool_name: "grep", tool_input_digest: digest(), tool_output_digest: digest(), duration_ms: ms(5, 60) },
    { type: "agent.read_file", file_path: "src/parser.rs", digest: digest() },
    { type: "agent.read_file", file_path: "tests/parser_test.rs", digest: digest() },
    { type: "agent.note", text: "The tokenizer drops a trailing escape; fix in parse_string." },
    { type: "agent.wrote_file", file_path: "src/parser.rs", operation: "modified", additions: ms(2, 12), deletions: ms(0, 4), digest: digest() },
    { type: "agent.started_process", process_name: "cargo", command: "cargo test --lib parser", pid: ms(20000, 60000) },
    { type: "agent.completed_process", process_name: "cargo", command: "cargo test --lib parser", exit_code: 0, duration_ms: ms(1500, 9000) },
    { type: "agent.opened_port", port: 8787, protocol: "tcp" },
    { type: "agent.connected_network", destination: "127.0.0.1", port: 8787 },
    { type: "agent.spawned", spawned_by_agent_instance_id: me, reason: "independent review of the fix" },
    { type: "agent.handoff", from_agent_instance_id: me, to_agent_instance_id: helper, artifacts: ["src/parser.rs"] },
    { type: "agent.collaborated", collaborator_agent_instance_ids: [me, helper] },
    { type: "agent.returned", returned_to_agent_instance_id: me },
    { type: "agent.failed", reason: "lint step timed out once; retried" },
    { type: "agent.decision", model: "claude-sonnet-4", provider: "anthropic", tokens_in: ms(800, 2000), tokens_out: ms(40, 200), confidence: 0.93, summary: "Fix verified; wrap up" },
    { type: "agent.completed", termination_reason: "task done" },
    { type: "session.closed", summary: "Fixed the parser escape bug; tests pass", duration_ms: ms(20000, 90000) },
  ];
}
