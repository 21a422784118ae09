"""Reading Express executions from the serve workflow's log group, as on AWS
(written here to the emulator's CloudWatch Logs in the shape AWS uses)."""

from __future__ import annotations

import json

from tickvault import express_logs

ARN = "arn:aws:states:us-east-1:123456789012:express:tickvault-serve:req-1:4b0b2c1e"


def put(stack, records):
    logs = stack.client("logs")
    group = express_logs.log_group("tickvault", "serve")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
        {"timestamp": int(r["event_timestamp"]), "message": json.dumps(r)} for r in records])
    return logs, group


def record(id_, kind, ms, name=None, arn=ARN):
    details = {"name": name} if name else {}
    return {"id": str(id_), "type": kind, "details": details, "execution_arn": arn, "event_timestamp": str(ms)}


def test_executions_and_their_states_are_read_from_the_log_group(stack):
    base = 1_796_300_000_000
    logs, group = put(stack, [
        record(1, "ExecutionStarted", base),
        record(2, "TaskStateEntered", base + 1, "CheckRate"),
        record(3, "TaskStateExited", base + 21, "CheckRate"),
        record(4, "ChoiceStateEntered", base + 22, "Route"),
        record(5, "ChoiceStateExited", base + 23, "Route"),
        record(6, "ExecutionFailed", base + 40),
    ])
    [run] = express_logs.list_executions(logs, group)
    assert (run.arn, run.status, run.duration_seconds) == (ARN, "FAILED", 0.04)
    assert run.name == "req-1"
    steps = express_logs.steps(logs, group, ARN)
    assert [(s.state, s.seconds) for s in steps] == [("CheckRate", 0.02), ("Route", 0.001)]
