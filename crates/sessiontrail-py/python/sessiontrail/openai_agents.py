"""The OpenAI Agents SDK's traces as session events.

    pip install 'sessiontrail[openai-agents]'

    import agents, sessiontrail
    from sessiontrail.openai_agents import SessionTrailProcessor

    log = sessiontrail.EventLog.open("/tmp/session-1")
    agents.add_trace_processor(SessionTrailProcessor(log, session_id="ssn_1"))

A ``TracingProcessor`` (the SDK's own interface, called synchronously as
spans start and end) that appends one event per span:

| SDK span | event |
| --- | --- |
| agent, on start | ``agent.started`` (``parent_agent_instance_id``: the agent it runs under) |
| agent, on end | ``agent.completed``, or ``agent.failed`` with the error's message |
| function (a tool) | ``agent.called_tool``: the tool's name, ``duration_ms``, ``outcome`` (``failed`` when the span has an error), the SHA-256 digests of its input and output (never their text) |
| handoff | ``agent.handoff`` from the agent's instance; ``to_agent_instance_id`` is the ``agent_id`` of the agent handed to (its instance starts after) |
| generation, response | ``agent.decision``: the model, ``tokens_in`` and ``tokens_out`` from the usage |

Each agent span is an agent instance (``agent_instance_id`` is derived from
its span id); the trace's id is the event's ``trace_id`` (its 32 hex
digits), each span's id and parent become ``span_id`` and
``parent_span_id`` (16 hex digits derived from the SDK's ids), so the
viewer's waterfall and the OTLP export show the SDK's tree. Other spans
(custom, guardrail, speech) are not recorded. A failed append never
reaches the agent: it is logged (``logging``, logger ``sessiontrail``).
"""

import hashlib
import logging
import socket
import threading
from datetime import datetime
from typing import Any, Dict, Optional

from agents.tracing import TracingProcessor

from . import Error, EventLog

__all__ = ["SessionTrailProcessor"]

_log = logging.getLogger("sessiontrail")


def _span_id(sdk_id: str) -> str:
    """16 hex digits for an SDK span id (``span_<24 hex>``), the same every time."""
    return hashlib.blake2b(sdk_id.encode(), digest_size=8).hexdigest()


def _trace_id(sdk_id: str) -> str:
    """The 32 hex digits of an SDK trace id (``trace_<32 hex>``), else a digest."""
    tail = sdk_id[len("trace_"):] if sdk_id.startswith("trace_") else ""
    if len(tail) == 32 and all(c in "0123456789abcdef" for c in tail):
        return tail
    return hashlib.blake2b(sdk_id.encode(), digest_size=16).hexdigest()


def _digest(text: Any) -> Optional[str]:
    if text is None:
        return None
    data = text if isinstance(text, bytes) else str(text).encode("utf-8", "surrogatepass")
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _millis(start: Optional[str], end: Optional[str]) -> Optional[int]:
    try:
        delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return max(0, int(delta.total_seconds() * 1000))


def _usage(usage: Any) -> Dict[str, int]:
    """``tokens_in``/``tokens_out`` from a usage dict or object."""
    out = {}
    for ours, theirs in (("tokens_in", "input_tokens"), ("tokens_out", "output_tokens")):
        value = usage.get(theirs) if isinstance(usage, dict) else getattr(usage, theirs, None)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            out[ours] = value
    return out


class SessionTrailProcessor(TracingProcessor):
    """Appends the SDK's agent, tool, handoff and model spans to ``log``.

    ``session_id``: the session the events belong to. ``host_id``: this
    machine (default: the host name). ``agent_id_prefix``: an agent named
    ``triage`` becomes ``agent://openai-agents/triage``.
    """

    def __init__(
        self,
        log: EventLog,
        *,
        session_id: str,
        host_id: Optional[str] = None,
        agent_id_prefix: str = "agent://openai-agents/",
    ) -> None:
        self._log = log
        self._session_id = session_id
        self._host_id = host_id or socket.gethostname()
        self._prefix = agent_id_prefix
        # Spans of the traces under way: sdk span id -> (sdk parent id,
        # agent name or None, sdk trace id). Agent spans stay until their
        # trace ends: a span may name an ended one as its parent.
        self._spans: Dict[str, Any] = {}
        self._lock = threading.Lock()

    # The agent a span runs under: the nearest agent span among its ancestors.
    def _agent_of(self, sdk_id: Optional[str]) -> Optional[Any]:
        with self._lock:
            while sdk_id is not None:
                entry = self._spans.get(sdk_id)
                if entry is None:
                    return None
                parent, name, _ = entry
                if name is not None:
                    return sdk_id, name
                sdk_id = parent
        return None

    def _append(self, span: Any, agent: Optional[Any], fields: Dict[str, Any]) -> None:
        if agent is None:
            agent_span, name = None, "unknown"
        else:
            agent_span, name = agent
        event = {
            "session_id": self._session_id,
            "trace_id": _trace_id(span.trace_id),
            "span_id": _span_id(span.span_id),
            "agent_id": self._prefix + name,
            "agent_instance_id": "ai_" + _span_id(agent_span) if agent_span else "ai_unknown",
            "agent_name": name,
            "host_id": self._host_id,
        }
        if span.parent_id:
            event["parent_span_id"] = _span_id(span.parent_id)
        event.update(fields)
        try:
            self._log.append(event)
        except Error as e:  # never into the agent's run
            _log.warning("sessiontrail: could not record a %s span: %s", span.span_data.type, e)

    def on_trace_start(self, trace: Any) -> None:
        pass

    def on_trace_end(self, trace: Any) -> None:
        with self._lock:
            for key in [k for k, v in self._spans.items() if v[2] == trace.trace_id]:
                del self._spans[key]

    def on_span_start(self, span: Any) -> None:
        data = span.span_data
        is_agent = data.type == "agent"
        with self._lock:
            self._spans[span.span_id] = (span.parent_id, data.name if is_agent else None, span.trace_id)
        if is_agent:
            parent = self._agent_of(span.parent_id)
            fields: Dict[str, Any] = {"type": "agent.started"}
            if parent is not None:
                fields["parent_agent_instance_id"] = "ai_" + _span_id(parent[0])
            self._append(span, (span.span_id, data.name), fields)

    def on_span_end(self, span: Any) -> None:
        data = span.span_data
        kind = data.type
        agent = self._agent_of(span.span_id)
        error = span.error
        if kind == "agent":
            if error:
                fields = {"type": "agent.failed", "reason": str(error.get("message", ""))}
            else:
                fields = {"type": "agent.completed"}
            self._append(span, agent, fields)
        elif kind == "function":
            fields = {"type": "agent.called_tool", "tool_name": data.name}
            for key, value in (("tool_input_digest", _digest(data.input)),
                               ("tool_output_digest", _digest(data.output)),
                               ("duration_ms", _millis(span.started_at, span.ended_at))):
                if value is not None:
                    fields[key] = value
            fields["outcome"] = "failed" if error else "succeeded"
            if error:
                fields["meta"] = {"error": str(error.get("message", ""))}
            self._append(span, agent, fields)
        elif kind == "handoff":
            fields = {"type": "agent.handoff",
                      "from_agent_instance_id": "ai_" + _span_id(agent[0]) if agent else "ai_unknown",
                      "to_agent_instance_id": self._prefix + str(data.to_agent or "unknown")}
            self._append(span, agent, fields)
        elif kind in ("generation", "response"):
            if kind == "generation":
                model, usage = data.model, data.usage
            else:
                response = data.response
                model = getattr(response, "model", None)
                usage = getattr(response, "usage", None) or data.usage
            fields = {"type": "agent.decision", "provider": "openai"}
            if model:
                fields["model"] = str(model)
            if usage:
                fields.update(_usage(usage))
            self._append(span, agent, fields)
        if kind != "agent":
            with self._lock:
                self._spans.pop(span.span_id, None)

    def shutdown(self) -> None:
        pass

    def force_flush(self) -> None:
        pass
