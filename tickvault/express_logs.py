"""Express executions on AWS, read from the serve workflow's log group.

AWS does not list Express executions through the Step Functions API; each one
is a set of JSON log events (`type`, `execution_arn`, `event_timestamp`, ...)
in the workflow's log group. What is there depends on the log level: at ERROR
only failed executions appear, at ALL every state of every execution.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tickvault.executions import ExecutionSummary, StepRecord

ENDINGS = {"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED", "ExecutionTimedOut": "TIMED_OUT",
           "ExecutionAborted": "ABORTED"}


def log_group(project: str, workflow: str) -> str:
    return f"/aws/vendedlogs/states/{project}-{workflow}"


def _events(logs, group: str, pattern: str | None = None, limit: int = 5000) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {"logGroupName": group}
    if pattern:
        kwargs["filterPattern"] = pattern
    found: list[dict[str, Any]] = []
    for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
        for event in page["events"]:
            try:
                found.append(json.loads(event["message"]))
            except ValueError:
                continue
        if len(found) >= limit:
            break
    return found


def _when(record: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(record["event_timestamp"]) / 1000, UTC)


def list_executions(logs, group: str, limit: int = 20) -> list[ExecutionSummary]:
    runs: dict[str, dict[str, Any]] = {}
    for record in _events(logs, group):
        arn = record.get("execution_arn")
        if not arn or "event_timestamp" not in record:
            continue
        run = runs.setdefault(arn, {"started": _when(record), "stopped": None, "status": "RUNNING"})
        run["started"] = min(run["started"], _when(record))
        if record.get("type") in ENDINGS:
            run["status"], run["stopped"] = ENDINGS[record["type"]], _when(record)
    summaries = [ExecutionSummary(arn.split(":")[-2] if arn.count(":") > 7 else arn.rsplit(":", 1)[-1], arn,
                                  r["status"], r["started"], r["stopped"]) for arn, r in runs.items()]
    return sorted(summaries, key=lambda s: s.started, reverse=True)[:limit]


def steps(logs, group: str, execution_arn: str) -> list[StepRecord]:
    records = sorted(
        (r for r in _events(logs, group, f'"{execution_arn}"') if r.get("execution_arn") == execution_arn),
        key=lambda r: (int(r["event_timestamp"]), int(r.get("id", 0))),
    )
    found, entered = [], {}
    for record in records:
        kind = record.get("type", "")
        name = (record.get("details") or {}).get("name")
        if kind.endswith("StateEntered") and name:
            entered[name] = _when(record)
        elif kind.endswith("StateExited") and name in entered:
            found.append(StepRecord(name, entered[name], (_when(record) - entered.pop(name)).total_seconds(), "ok"))
    found.extend(StepRecord(name, when, None, "no exit logged") for name, when in entered.items())
    return sorted(found, key=lambda s: s.entered)
