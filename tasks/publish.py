"""Publish: move the "latest" pointer to the verified file, never backwards.

The pointer is one DynamoDB item. The write is conditional on the stored
scheduled time being no later than ours, so a late retry of an old tick
cannot hide a newer file. When the write is refused, the pointer is read: a
pointer that no tick could have written (unreadable, or ahead of the clock)
would refuse every later file, so it is reported rather than taken as newer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from tasks.shared import metrics, timekeys
from tasks.shared.aws import client, error_code, transient_faults
from tasks.shared.errors import IntegrityError, InvalidInputError, TransientError
from tasks.shared.handler import task
from tasks.shared.observability import logger
from tasks.shared.settings import TABLE_ENV, require

LATEST_PK = "latest"


@task("publish")
def handler(event: dict[str, Any]) -> dict[str, Any]:
    epoch = int(timekeys.parse_time(event["scheduledTime"]).timestamp())
    try:
        with transient_faults("dynamodb:UpdateItem"):
            client("dynamodb").update_item(
                TableName=require(TABLE_ENV),
                Key={"pk": {"S": LATEST_PK}},
                UpdateExpression=(
                    "SET objectKey = :key, versionId = :version, sha256 = :digest, plaintextSize = :size,"
                    " scheduledTime = :time, scheduledEpoch = :epoch, publishedAt = :now"
                ),
                ConditionExpression="attribute_not_exists(pk) OR scheduledEpoch <= :epoch",
                # A refusal brings the pointer that refused it, read in the same atomic step.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                ExpressionAttributeValues={
                    ":key": {"S": event["objectKey"]},
                    ":version": {"S": event["versionId"]},
                    ":digest": {"S": event["sha256"]},
                    ":size": {"N": str(event["size"])},
                    ":time": {"S": event["scheduledTime"]},
                    ":epoch": {"N": str(epoch)},
                    ":now": {"S": timekeys.iso(datetime.now(UTC))},
                },
            )
    except ClientError as exc:
        if error_code(exc) != "ConditionalCheckFailedException":
            raise
        newer = _published_epoch(exc.response.get("Item"))
        logger.info("newer file already published", object_key=event["objectKey"], published_epoch=newer)
        metrics.emit(**{metrics.GENERATION_SUCCEEDED: 1})
        return {"objectKey": event["objectKey"], "published": False}
    logger.info("published", object_key=event["objectKey"], scheduled_time=event["scheduledTime"])
    metrics.emit(**{metrics.GENERATION_SUCCEEDED: 1})
    return {"objectKey": event["objectKey"], "published": True}


def _published_epoch(item: dict[str, Any] | None) -> int:
    """The scheduled epoch of the pointer that refused our write, checked."""
    if item is None:
        raise TransientError("the latest pointer refused the write but was not returned: publishing again")
    try:
        epoch = int(item["scheduledEpoch"]["N"])
        named = int(timekeys.parse_time(item["scheduledTime"]["S"]).timestamp())
    except (KeyError, TypeError, ValueError, InvalidInputError):
        raise IntegrityError(
            "the latest pointer is unreadable (scheduledEpoch or scheduledTime), so no file can be published:"
            " delete the 'latest' item and the next tick publishes again"
        ) from None
    ceiling = datetime.now(UTC).timestamp() + timekeys.MAX_AHEAD_SECONDS
    if epoch != named or epoch > ceiling:
        raise IntegrityError(
            f"the latest pointer names epoch {epoch}, which no tick could have written, so no file can be"
            " published: delete the 'latest' item and the next tick publishes again"
        )
    return epoch
