"""What `tickvault status` reports, against the emulator or AWS alike: the
newest file and its age, and the state of each alarm."""

from __future__ import annotations

import time
from typing import Any

from tasks.shared.errors import InvalidInputError
from tasks.shared.timekeys import MAX_AHEAD_SECONDS, object_key, parse_time
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
        made = parse_time(item["scheduledTime"]["S"])
        if object_key(made) != item["objectKey"]["S"]:
            raise ValueError(f"its time {item['scheduledTime']['S']} is not the time of {item['objectKey']['S']}")
        if made.timestamp() - time.time() > MAX_AHEAD_SECONDS:
            raise ValueError(f"its time {item['scheduledTime']['S']} is in the future")
        return {
            "time": item["scheduledTime"]["S"],
            "key": item["objectKey"]["S"],
            "ageSeconds": int(time.time() - made.timestamp()),
            "size": int(item["plaintextSize"]["N"]),
            "sha256": item["sha256"]["S"],
            "versionId": item["versionId"]["S"],
        }
    except (KeyError, TypeError, ValueError, InvalidInputError) as exc:
        raise UnreadablePointer(
            f"the 'latest' item is not one Publish writes ({type(exc).__name__}: {exc}); "
            "delete it and the next tick publishes again"
        ) from None


def alarms(session, config: Config, endpoint: str | None) -> list[tuple[str, str]]:
    cloudwatch = session.client("cloudwatch", endpoint_url=endpoint)
    found = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{config.project}-"):
        found.extend((a["AlarmName"], a["StateValue"]) for a in page["MetricAlarms"])
    return sorted(found)
