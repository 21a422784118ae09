"""Store: write the sealed file to S3 once, and only once.

`If-None-Match: *` makes S3 refuse a second write to the same key, so a
repeated tick keeps the first file; the result then describes the object that
is already there, for Verify to check.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from tasks.shared import envelope
from tasks.shared.aws import client, error_code, transient_faults
from tasks.shared.errors import IntegrityError, TransientError
from tasks.shared.handler import task
from tasks.shared.observability import logger
from tasks.shared.settings import BUCKET_ENV, KEY_ID_ENV, require

# Metadata names as S3 returns them (lower case, without x-amz-meta-).
META_SHA256 = "sha256"
META_SCHEDULED = "scheduled-time"
META_SIZE = "plaintext-size"


def _existing(bucket: str, key: str) -> dict[str, Any]:
    with transient_faults("s3:HeadObject"):
        head = client("s3").head_object(Bucket=bucket, Key=key)
    meta = head.get("Metadata", {})
    try:
        return {
            "objectKey": key,
            "versionId": head["VersionId"],
            "sha256": meta[META_SHA256],
            "scheduledTime": meta[META_SCHEDULED],
            "size": int(meta[META_SIZE]),
            "created": False,
        }
    except (KeyError, ValueError):
        raise IntegrityError(f"object {key} exists but carries no tickvault metadata") from None


@task("store")
def handler(event: dict[str, Any]) -> dict[str, Any]:
    bucket, key = require(BUCKET_ENV), event["objectKey"]
    try:
        with transient_faults("s3:PutObject"):
            put = client("s3").put_object(
                Bucket=bucket,
                Key=key,
                Body=envelope.to_bytes(event["envelope"]),
                ContentType=envelope.MEDIA_TYPE,
                IfNoneMatch="*",
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=require(KEY_ID_ENV),
                BucketKeyEnabled=True,
                Metadata={
                    META_SHA256: event["sha256"],
                    META_SCHEDULED: event["scheduledTime"],
                    META_SIZE: str(event["size"]),
                },
            )
    except ClientError as exc:
        if error_code(exc) == "ConditionalRequestConflict":
            # Another write to this key is in flight; after a retry S3 answers 412.
            raise TransientError(f"s3:PutObject of {key} raced another write") from exc
        if error_code(exc) != "PreconditionFailed":
            raise
        logger.info("object already stored", object_key=key)
        return _existing(bucket, key)
    return {
        "objectKey": key,
        "versionId": put["VersionId"],
        "sha256": event["sha256"],
        "scheduledTime": event["scheduledTime"],
        "size": event["size"],
        "created": True,
    }
