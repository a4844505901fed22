"""sessiontrail.openai_agents with the OpenAI Agents SDK's own tracing
types and a real Runner over a model that answers from this test (no
network, no API key)."""

import asyncio
import re

import pytest

import sessiontrail

import agents  # noqa: E402
from agents.tracing import agent_span, function_span, generation_span, handoff_span, trace  # noqa: E402

from sessiontrail.openai_agents import SessionTrailProcessor  # noqa: E402


@pytest.fixture
def recorded(session):
    log = sessiontrail.EventLog.open(session)
    agents.set_trace_processors([SessionTrailProcessor(log, session_id="ssn_oa", host_id="test")])
    yield log
    agents.set_trace_processors([])


def test_spans_become_events_with_tokens(recorded):
    with trace("workflow") as t:
        with agent_span(name="triage") as triage:
            with generation_span(model="gpt-test", usage={"input_tokens": 120, "output_tokens": 7}):
                pass
            with function_span(name="lookup", input='{"q": "secret question"}', output="secret answer"):
                pass
            with function_span(name="refund", input="{}") as refund:
                refund.set_error({"message": "not allowed", "data": None})
            with handoff_span(from_agent="triage", to_agent="billing"):
                pass
        with agent_span(name="billing", parent=triage) as billing:
            billing.set_error({"message": "no invoice", "data": None})
    events = recorded.read_all()
    assert [e["type"] for e in events] == [
        "agent.started", "agent.decision", "agent.called_tool", "agent.called_tool", "agent.handoff",
        "agent.completed", "agent.started", "agent.failed",
    ]
    started, decision, tool, refused, handoff, completed, started2, failed = events
    assert all(e["trace_id"] == t.trace_id[len("trace_"):] for e in events)
    assert all(re.fullmatch(r"[0-9a-f]{16}", e["span_id"]) for e in events)
    assert started["agent_name"] == "triage" and started["agent_id"] == "agent://openai-agents/triage"
    assert decision["model"] == "gpt-test"
    assert (decision["tokens_in"], decision["tokens_out"]) == (120, 7)
    assert decision["agent_instance_id"] == started["agent_instance_id"]
    assert decision["parent_span_id"] == started["span_id"]
    assert tool["tool_name"] == "lookup"
    assert tool["tool_input_digest"].startswith("sha256:") and "secret" not in str(tool)
    assert tool["outcome"] == "succeeded"
    assert (refused["tool_name"], refused["outcome"]) == ("refund", "failed")
    assert handoff["from_agent_instance_id"] == started["agent_instance_id"]
    assert handoff["to_agent_instance_id"] == "agent://openai-agents/billing"
    assert completed["span_id"] == started["span_id"]
    assert started2["parent_agent_instance_id"] == started["agent_instance_id"]
    assert failed["reason"] == "no invoice"
    assert recorded.check().ok


class AnsweringModel(agents.Model):
    """A model that calls the tool once, then answers; it records a
    generation span with usage, as the SDK's own models do."""

    def __init__(self):
        self.turn = 0

    async def get_response(self, system_instructions, input, model_settings, tools, output_schema,
                           handoffs, tracing, previous_response_id=None, conversation_id=None, prompt=None):
        from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

        self.turn += 1
        with generation_span(model="fake-model", usage={"input_tokens": 10 * self.turn, "output_tokens": 3}):
            pass
        if self.turn == 1:
            output = [ResponseFunctionToolCall(type="function_call", call_id="c1", name="add",
                                               arguments='{"a": 2, "b": 3}', id="fc1")]
        else:
            output = [ResponseOutputMessage(id="m1", type="message", role="assistant", status="completed",
                                            content=[ResponseOutputText(type="output_text", text="5", annotations=[])])]
        return agents.ModelResponse(output=output, usage=agents.Usage(), response_id=None)

    def stream_response(self, *args, **kwargs):
        raise NotImplementedError


def test_a_real_run_is_recorded(recorded):
    @agents.function_tool
    def add(a: int, b: int) -> int:
        """Adds two numbers."""
        return a + b

    agent = agents.Agent(name="calc", instructions="add", tools=[add], model=AnsweringModel())
    result = asyncio.run(agents.Runner.run(agent, "2+3?"))
    assert result.final_output == "5"
    events = recorded.read_all()
    types = [e["type"] for e in events]
    assert types[0] == "agent.started" and types[-1] == "agent.completed"
    tools = [e for e in events if e["type"] == "agent.called_tool"]
    assert [t["tool_name"] for t in tools] == ["add"]
    decisions = [e for e in events if e["type"] == "agent.decision"]
    assert [d["tokens_in"] for d in decisions] == [10, 20]
    assert {e["agent_name"] for e in events} == {"calc"}
    assert recorded.check().ok
