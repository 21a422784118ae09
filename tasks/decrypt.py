"""Decrypt: the text of the published file, from a per-process cache.

S3 object versions never change, so the plaintext is cached by key, version id and digest:
while "latest" points at the same version, a warm function makes no S3 and no
KMS call. The digest is checked before anything is cached or returned, and the
pointer's time must be the one its object key was made from, not ahead of the
clock (timekeys.pointer_time_problem).
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from tasks.shared import envelope, timekeys
from tasks.shared.aws import client, error_code, transient_faults
from tasks.shared.errors import IntegrityError
from tasks.shared.handler import task
from tasks.shared.settings import BUCKET_ENV, require

# One entry: "latest" moves forward, so older versions are never asked for again.
_cache: dict[tuple[str, str, str], str] = {}
_lock = threading.Lock()


# What S3 answers when the published version is no longer there: deleted, or expired by the lifecycle.
MISSING = {"NoSuchKey", "NoSuchVersion"}


def _fetch(key: str, version: str, digest: str) -> str:
    try:
        with transient_faults("s3:GetObject"):
            body = client("s3").get_object(Bucket=require(BUCKET_ENV), Key=key, VersionId=version)["Body"].read()
    except ClientError as exc:
        if error_code(exc) in MISSING:
            raise IntegrityError(f"object {key} version {version}, the published one, is gone from the bucket") from None
        raise
    plaintext = envelope.open_envelope(envelope.from_bytes(body, key), key)
    if hashlib.sha256(plaintext).hexdigest() != digest:
        raise IntegrityError(f"object {key} version {version} does not match its digest")
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError(f"object {key} is not UTF-8 text") from None


def clear_cache() -> None:
    with _lock:
        _cache.clear()


@task("decrypt")
def handler(event: dict[str, Any]) -> dict[str, Any]:
    key, version, digest = event["objectKey"], event["versionId"], event["sha256"]
    problem = timekeys.pointer_time_problem(event["scheduledTime"], key, datetime.now(UTC))
    if problem:  # it would be served with that time
        raise IntegrityError(f"the latest pointer is not one Publish writes: {problem}")
    # The whole pointer is the cache key: a version id under another key must go to S3 (and fail there).
    entry = (key, version, digest)
    with _lock:
        text = _cache.get(entry)
    if text is None:
        text = _fetch(key, version, digest)
        with _lock:
            _cache.clear()
            _cache[entry] = text
    return {"body": text, "sha256": digest, "scheduledTime": event["scheduledTime"]}
