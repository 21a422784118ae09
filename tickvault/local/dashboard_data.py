"""What the local dashboard shows, gathered from the running stack as one
JSON-ready dict. Never the content of a file."""

from __future__ import annotations

import collections
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from tasks.shared.aws import error_summary
from tickvault import executions, status
from tickvault.names import GENERATE, SERVE

ALLOWED = {200, 304}
REFUSED = {429}


def newest_file(stack) -> dict[str, Any] | None:
    session = boto3.session.Session(region_name=stack.config.region)
    try:
        return status.newest_file(session, stack.config, stack.endpoint)
    except status.UnreadablePointer as exc:
        return {"problem": str(exc)}
    except ClientError as exc:  # the table is gone, say: the rest of the page still has something to show
        return {"problem": f"cannot read the 'latest' item: {error_summary(exc)}"}


def recent_executions(stack, limit: int = 8) -> dict[str, list[dict[str, Any]]]:
    """The newest executions of each workflow; a workflow that cannot be listed (its state machine was
    deleted, say) is one row saying why, so the rest of the page still shows."""
    sfn = stack.client("stepfunctions")
    found = {}
    for workflow in (GENERATE, SERVE):
        try:
            runs = executions.list_executions(sfn, stack.resources.state_machines[workflow], limit)
        except ClientError as exc:
            found[workflow] = [{"name": "", "arn": "", "status": "UNAVAILABLE", "started": "",
                                "seconds": None, "problem": error_summary(exc)}]
            continue
        found[workflow] = [
            {"name": e.name, "arn": e.arn, "status": e.status, "started": e.started.astimezone(UTC).isoformat(),
             "seconds": e.duration_seconds}
            for e in runs
        ]
    return found


def execution_steps(stack, arn: str) -> list[dict[str, Any]]:
    steps = executions.steps(executions.history(stack.client("stepfunctions"), arn))
    return [{"state": s.state, "entered": s.entered.astimezone(UTC).isoformat(), "seconds": s.seconds,
             "outcome": s.outcome} for s in steps]


def traffic(access_log, window_seconds: int, windows: int = 6, top: int = 10) -> dict[str, Any]:
    per_window: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    refused_by_ip: collections.Counter = collections.Counter()
    for record in list(access_log):
        start = int(record["requestTime"]) // window_seconds * window_seconds
        kind = "allowed" if record["status"] in ALLOWED else "refused" if record["status"] in REFUSED else "other"
        per_window[start][kind] += 1
        if kind == "refused":
            refused_by_ip[record["sourceIp"]] += 1
    recent = sorted(per_window, reverse=True)[:windows]
    return {
        "windows": [{"start": datetime.fromtimestamp(w, UTC).isoformat(), **{k: per_window[w][k] for k in
                     ("allowed", "refused", "other")}} for w in recent],
        "topRefused": [{"sourceIp": ip, "refused": n} for ip, n in refused_by_ip.most_common(top)],
    }


def snapshot(stack, execution_arn: str | None = None) -> dict[str, Any]:
    scheduler = stack.scheduler
    data = {
        "now": datetime.now(UTC).isoformat(timespec="seconds"),
        "newestFile": newest_file(stack),
        "nextTick": scheduler.next_tick.isoformat() if scheduler and scheduler.next_tick else None,
        "alarms": dict(stack.alarms.states),
        "executions": recent_executions(stack),
        "traffic": traffic(stack.gateway.access_log if stack.gateway else [], stack.config.window_seconds),
        "notifications": [
            {"subject": n["subject"], "received": n["received"].isoformat(timespec="seconds")}
            for n in list(stack.inbox.received)[:20]
        ],
    }
    if execution_arn:
        data["execution"] = selected_execution(stack, execution_arn, data["executions"])
    return data


def selected_execution(stack, wanted: str, recent: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The states of one execution, by ARN or by a name among the recent ones."""
    arn = wanted
    if not wanted.startswith("arn:"):
        arn = next((r["arn"] for runs in recent.values() for r in runs if r["name"] == wanted), "")
    try:
        if not arn:
            raise LookupError(wanted)
        return {"arn": arn, "steps": execution_steps(stack, arn)}
    except Exception:  # an unknown or malformed ARN: say so, never echo it unescaped
        return {"arn": None, "query": wanted[:120], "error": "no such execution"}
