"""A writer process for the multi-process tests.

    writer.py DIR TAG COUNT    append COUNT events (COUNT 0: until killed)

Prints `SEQ EVENT_ID` for every append that returned, flushed at once: a
line printed is an event acknowledged.
"""

import sys

import sessiontrail

directory, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = sessiontrail.EventLog.open(directory)
i = 0
while count == 0 or i < count:
    stored = log.append({
        "type": "agent.note", "text": f"{tag} {i}", "session_id": "ssn_mp",
        "agent_id": "agent://py", "agent_instance_id": tag, "agent_name": "py",
        "host_id": "test", "meta": {"writer": tag, "i": i, "pad": "x" * (i % 300)},
    })
    sys.stdout.write(f"{stored['sequence_no']} {stored['event_id']}\n")
    sys.stdout.flush()
    i += 1
