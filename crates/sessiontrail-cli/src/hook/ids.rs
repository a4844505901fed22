//! Digests and the deterministic ids of a recorded session.
//!
//! Every hook firing is its own process, and parallel tool calls fire their
//! hooks at the same moment, so no process can hand ids to another. Instead
//! each id that must be shared is derived from what every firing already
//! knows: the session id, the subagent's `agent_id`, the `tool_use_id`. The
//! PreToolUse and PostToolUse processes of one tool call thus name the same
//! span, and a subagent's tool calls sit under the subagent's span, with no
//! coordination.
//!
//! Event ids are derived the same way wherever the agent gives an id of its
//! own (a `tool_use_id`, a subagent's `agent_id`, an API response's
//! `message.id` + `requestId`, the session itself): the hook and the
//! transcript importer (`src/import/`) then name one happening with one
//! event id, and the second writer sees the id already in the log and
//! leaves it out. Events with no agent id behind them (a prompt note) keep
//! a random id (`generate_event_id`).

use serde_json::Value;
use sha2::{Digest, Sha256};

/// `sha256:` and the 64 hex digits of the SHA-256 of `bytes`: how the hook
/// stores prompts, tool inputs, outputs and file contents.
pub fn digest(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    push_hex(&mut out, &Sha256::digest(bytes));
    out
}

/// The digest of a JSON value: SHA-256 of its compact JSON with object keys
/// sorted, written here rather than by `serde_json::to_string` so that the
/// digest cannot change with serde_json's `preserve_order` feature (which
/// any crate in a build may switch on).
pub fn json_digest(value: &Value) -> String {
    let mut text = String::new();
    canonical(value, &mut text);
    digest(text.as_bytes())
}

fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                canonical(item, out);
            }
            out.push('}');
        }
        // Scalars print the same either way.
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The first `len` bytes (at most 32) of SHA-256 over `parts`, in hex. Parts
/// are separated by a NUL, which no JSON-given id can contain unescaped, so
/// ("a", "bc") and ("ab", "c") differ.
fn derive(parts: &[&str], len: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"sessiontrail-hook\0");
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let hash = hasher.finalize();
    let mut out = String::with_capacity(len * 2);
    push_hex(&mut out, &hash[..len.min(32)]);
    out
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
}

/// The ids of one session's span tree: the session span is the root, the
/// main agent's span sits under it, subagents' spans under the main agent's,
/// and each tool call's span under the span of the agent that made it.
pub struct SessionIds<'a> {
    session_id: &'a str,
    /// 32 hex digits, the same for every event of the session.
    pub trace_id: String,
}

impl<'a> SessionIds<'a> {
    pub fn new(session_id: &'a str) -> Self {
        SessionIds {
            session_id,
            trace_id: derive(&[session_id, "trace"], 16),
        }
    }

    pub fn session_span(&self) -> String {
        derive(&[self.session_id, "span", "session"], 8)
    }

    /// The span of an agent: the main agent for `None`, else the subagent
    /// with this `agent_id`.
    pub fn agent_span(&self, agent_id: Option<&str>) -> String {
        match agent_id {
            None => derive(&[self.session_id, "span", "main"], 8),
            Some(id) => derive(&[self.session_id, "span", "agent", id], 8),
        }
    }

    /// `ai_` and 16 hex digits, for the main agent (`None`) or a subagent.
    pub fn agent_instance(&self, agent_id: Option<&str>) -> String {
        let hex = match agent_id {
            None => derive(&[self.session_id, "instance", "main"], 8),
            Some(id) => derive(&[self.session_id, "instance", "agent", id], 8),
        };
        format!("ai_{hex}")
    }

    pub fn tool_span(&self, tool_use_id: &str) -> String {
        derive(&[self.session_id, "span", "tool", tool_use_id], 8)
    }

    /// The span of one API response (`Response::key`), under its agent's.
    pub fn response_span(&self, key: &str) -> String {
        derive(&[self.session_id, "span", key], 8)
    }

    /// `evt_` and 16 hex digits for the event of type `type_name` about
    /// `key` (what the agent calls it: `tool:<tool_use_id>`,
    /// `agent:<agent_id>`, `session`, `response:<message.id>:<requestId>`).
    pub fn event_id(&self, key: &str, type_name: &str) -> String {
        format!(
            "evt_{}",
            derive(&[self.session_id, "event", key, type_name], 8)
        )
    }
}

/// A file name for a sidecar key: 32 hex digits, whatever the key holds.
pub fn file_key(kind: &str, key: &str) -> String {
    format!("{kind}-{}", derive(&[kind, key], 16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256_of_the_bytes() {
        // The SHA-256 of "abc" from FIPS 180-2, appendix B.1.
        assert_eq!(
            digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn json_digests_sort_keys_at_every_depth() {
        let a: Value = serde_json::from_str(r#"{"b":[{"y":1,"x":"\n"}],"a":null}"#).unwrap();
        assert_eq!(
            json_digest(&a),
            digest(br#"{"a":null,"b":[{"x":"\n","y":1}]}"#)
        );
    }

    #[test]
    fn ids_are_stable_per_input_and_differ_across_inputs() {
        let a = SessionIds::new("s1");
        let b = SessionIds::new("s2");
        assert_eq!(a.trace_id, SessionIds::new("s1").trace_id);
        assert_ne!(a.trace_id, b.trace_id);
        assert_eq!(a.trace_id.len(), 32);
        let spans = [
            a.session_span(),
            a.agent_span(None),
            a.agent_span(Some("x")),
            a.tool_span("x"),
            b.tool_span("x"),
        ];
        for (i, s) in spans.iter().enumerate() {
            assert_eq!(s.len(), 16);
            assert!(s.bytes().all(|c| c.is_ascii_hexdigit()));
            for t in &spans[i + 1..] {
                assert_ne!(s, t);
            }
        }
        assert_eq!(a.agent_instance(Some("x")), a.agent_instance(Some("x")));
        assert_ne!(a.agent_instance(None), a.agent_instance(Some("x")));
        let id = a.event_id("tool:x", "agent.called_tool");
        assert_eq!(id, a.event_id("tool:x", "agent.called_tool"));
        assert_ne!(id, a.event_id("tool:x", "agent.wrote_file"));
        assert_ne!(id, b.event_id("tool:x", "agent.called_tool"));
        assert!(id.starts_with("evt_") && id.len() == 20);
        assert!(a.agent_instance(None).starts_with("ai_"));
        // The separator keeps part boundaries.
        assert_ne!(derive(&["a", "bc"], 8), derive(&["ab", "c"], 8));
    }
}
