"""The tasks' structured JSON log records, one readable line each, for a terminal.

On AWS each record goes to CloudWatch Logs as JSON; locally the same records
are rewritten as `16:40:01 INFO  seal  task done  correlation_id=tick-...`.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import TextIO

_FIXED = ("level", "location", "message", "timestamp", "service", "task", "correlation_id", "xray_trace_id")


def readable(line: str) -> str:
    """One JSON record as one line; anything else unchanged."""
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict) or "message" not in record or "level" not in record:
        return line
    clock = str(record.get("timestamp", ""))[11:19]
    extras = " ".join(f"{k}={v}" for k, v in record.items() if k not in _FIXED)
    parts = [clock, f"{record['level']:<5}", f"{record.get('task', '-'):<8}", str(record["message"])]
    if extras:
        parts.append(extras)
    if record.get("correlation_id"):
        parts.append(f"[{record['correlation_id']}]")
    return "  ".join(parts)


class ReadableStream:
    def __init__(self, target: TextIO):
        self._target = target

    def write(self, text: str) -> int:
        lines = text.split("\n")
        self._target.write("\n".join(readable(line) if line else line for line in lines))
        return len(text)

    def flush(self) -> None:
        self._target.flush()


def install(target: TextIO | None = None) -> None:
    """Send the tasks' logger (Powertools, named "tickvault") through `ReadableStream`."""
    from tasks.shared.observability import logger  # noqa: F401 - creates the Powertools logger

    for handler in logging.getLogger("tickvault").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(ReadableStream(target or sys.stdout))
