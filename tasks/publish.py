"""Publish: move the "latest" pointer to the verified file, never backwards.

The pointer is one DynamoDB item. The write is conditional on the stored
scheduled time being no later than ours, so a late retry of an old tick
cannot hide a newer file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from tasks.shared import metrics, timekeys
from tasks.shared.aws import client, error_code, transient_faults
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
        logger.info("newer file already published", object_key=event["objectKey"])
        metrics.emit(**{metrics.GENERATION_SUCCEEDED: 1})
        return {"objectKey": event["objectKey"], "published": False}
    logger.info("published", object_key=event["objectKey"], scheduled_time=event["scheduledTime"])
    metrics.emit(**{metrics.GENERATION_SUCCEEDED: 1})
    return {"objectKey": event["objectKey"], "published": True}
