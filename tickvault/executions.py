"""Read executions and their histories the way the Step Functions console shows them.

Works against anything that speaks the Step Functions API: the local
emulator (with an endpoint URL) or AWS.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


@dataclass(frozen=True)
class ExecutionSummary:
    name: str
    arn: str
    status: str
    started: datetime
    stopped: datetime | None

    @property
    def duration_seconds(self) -> float | None:
        return None if self.stopped is None else (self.stopped - self.started).total_seconds()


@dataclass(frozen=True)
class StepRecord:
    """One state of an execution: when it was entered, how long it took, how it ended."""

    state: str
    entered: datetime
    seconds: float | None
    outcome: str


def name_of(record: dict[str, Any]) -> str:
    """An execution's name, from its ARN when the record has none.

    moto 5.2.5 records an execution started without a name with none (ARN
    ending `:None`); listing it must still work. The name is the ARN's last
    segment (`...:execution:<machine>:<name>`), or the one before the id in an
    Express ARN (`...:express:<machine>:<name>:<id>`).
    """
    if record.get("name"):
        return record["name"]
    parts = record["executionArn"].split(":")
    return parts[-2] if len(parts) == 9 and parts[5] == "express" else parts[-1]


def find_state_machine(sfn, name: str) -> str:
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return machine["stateMachineArn"]
    raise LookupError(f"no state machine named {name} here (is `make run` running, with this configuration?)")


def tick_name(scheduled: datetime) -> str:
    """Unique, readable execution name: a repeated tick is a new execution."""
    return f"tick-{scheduled.astimezone(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def start_generation(sfn, machine_arn: str, scheduled: datetime) -> str:
    started = sfn.start_execution(
        stateMachineArn=machine_arn,
        name=tick_name(scheduled),
        input=json.dumps({"scheduledTime": scheduled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}),
    )
    return started["executionArn"]


def wait(sfn, execution_arn: str, timeout: float = 120.0, interval: float = 0.1) -> dict[str, Any]:
    """DescribeExecution until the execution ends; TimeoutError if it does not in time."""
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] in TERMINAL:
            return described
        if time.monotonic() > deadline:
            raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout:.0f}s")
        time.sleep(interval)


def list_executions(sfn, machine_arn: str, limit: int = 20) -> list[ExecutionSummary]:
    found = sfn.list_executions(stateMachineArn=machine_arn, maxResults=limit)["executions"]
    summaries = [
        ExecutionSummary(name_of(e), e["executionArn"], e["status"], e["startDate"], e.get("stopDate"))
        for e in found
    ]
    return sorted(summaries, key=lambda s: s.started, reverse=True)[:limit]


def history(sfn, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return sorted(events, key=lambda e: e["id"])


def steps(events: list[dict[str, Any]]) -> list[StepRecord]:
    """Fold the raw history into one record per state entered, in order."""
    records: list[StepRecord] = []
    open_state: tuple[str, datetime] | None = None
    outcome = "running"
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            open_state = (event["stateEnteredEventDetails"]["name"], event["timestamp"])
            outcome = "running"
        elif kind.endswith("Failed") or kind.endswith("TimedOut"):
            details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            outcome = f"{kind}: {details.get('error', '')}".rstrip(": ")
        elif kind.endswith("StateExited") and open_state is not None:
            name, entered = open_state
            seconds = (event["timestamp"] - entered).total_seconds()
            records.append(StepRecord(name, entered, seconds, "ok" if outcome == "running" else outcome))
            open_state = None
    if open_state is not None:
        records.append(StepRecord(open_state[0], open_state[1], None, outcome))
    return records


def task_errors(events: list[dict[str, Any]]) -> list[str]:
    """`Error: message` of each failed task, in order (the cause's errorMessage when it is Lambda's JSON)."""
    found = []
    for event in events:
        if event["type"] != "TaskFailed":
            continue
        details = event["taskFailedEventDetails"]
        message = details.get("cause", "")
        try:
            message = json.loads(message).get("errorMessage", message)
        except (ValueError, AttributeError):
            pass
        found.append(f"{details.get('error', '')}: {message}"[:300])
    return found
