"""What `tickvault status` reports, against the emulator or AWS alike: the
newest file and its age, and the state of each alarm."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from tasks.shared.errors import InvalidInputError
from tasks.shared.timekeys import parse_time, pointer_time_problem
from tickvault.config import Config
from tickvault.names import Names


class UnreadablePointer(Exception):
    """The "latest" item exists but was not written by Publish: by hand, or by a bug."""


def table_name(session, config: Config, endpoint: str | None) -> str:
    """Locally the table has its fixed name; on AWS CloudFormation named it, and the stack says how."""
    if endpoint:
        return Names.of(config).table
    stack = session.client("cloudformation", endpoint_url=endpoint).describe_stacks(StackName=config.project)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0].get("Outputs", [])}
    if "TableName" not in outputs:
        raise LookupError(f"stack {config.project} has no TableName output; is it deployed?")
    return outputs["TableName"]


def newest_file(session, config: Config, endpoint: str | None) -> dict[str, Any] | None:
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    item = dynamodb.get_item(TableName=table_name(session, config, endpoint), Key={"pk": {"S": "latest"}}).get("Item")
    if not item:
        return None
    try:
        return _describe(item)
    except (ValueError, InvalidInputError) as exc:
        raise UnreadablePointer(
            f"the 'latest' item is not one Publish writes ({exc}); delete it and the next tick publishes again"
        ) from None


def _field(item: dict[str, Any], name: str, kind: str) -> str:
    value = item.get(name)
    if not isinstance(value, dict) or not isinstance(value.get(kind), str):
        raise ValueError(f"{name} is missing or not of type {kind}")
    return value[kind]


def _describe(item: dict[str, Any]) -> dict[str, Any]:
    """The pointer as Publish writes it, checked as far as it can be without reading the file."""
    scheduled, key = _field(item, "scheduledTime", "S"), _field(item, "objectKey", "S")
    problem = pointer_time_problem(scheduled, key, datetime.now(UTC))  # as Decrypt checks it before serving
    if problem:
        raise ValueError(problem)
    made = parse_time(scheduled)
    # Publish moves the pointer forward by this number: another one stops every later tick.
    if _field(item, "scheduledEpoch", "N") != str(int(made.timestamp())):
        raise ValueError(f"scheduledEpoch {_field(item, 'scheduledEpoch', 'N')} is not the epoch of {scheduled}")
    size = _field(item, "plaintextSize", "N")
    if not size.isdigit():
        raise ValueError(f"plaintextSize {size[:40]} is not a whole number of bytes")
    return {
        "time": scheduled,
        "key": key,
        "ageSeconds": int(time.time() - made.timestamp()),
        "size": int(size),
        "sha256": _field(item, "sha256", "S"),
        "versionId": _field(item, "versionId", "S"),
    }


def alarms(session, config: Config, endpoint: str | None) -> list[tuple[str, str]]:
    cloudwatch = session.client("cloudwatch", endpoint_url=endpoint)
    found = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{config.project}-"):
        found.extend((a["AlarmName"], a["StateValue"]) for a in page["MetricAlarms"])
    return sorted(found)
