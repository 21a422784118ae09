"""Verify: read the stored file back, decrypt it and compare its digest.

It reads the key's current version, so an object replaced after Store is
caught here and not published.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tasks.shared import envelope
from tasks.shared.aws import client, transient_faults
from tasks.shared.errors import IntegrityError
from tasks.shared.handler import task
from tasks.shared.settings import BUCKET_ENV, require


@task("verify")
def handler(event: dict[str, Any]) -> dict[str, Any]:
    key = event["objectKey"]
    with transient_faults("s3:GetObject"):
        got = client("s3").get_object(Bucket=require(BUCKET_ENV), Key=key)
        body = got["Body"].read()
    if got.get("VersionId") != event["versionId"]:
        raise IntegrityError(f"object {key} was replaced after it was stored")
    plaintext = envelope.open_envelope(envelope.from_bytes(body, key), key)
    if hashlib.sha256(plaintext).hexdigest() != event["sha256"]:
        raise IntegrityError(f"object {key} does not match its digest")
    return {**_describe(event), "verified": True}


def _describe(event: dict[str, Any]) -> dict[str, Any]:
    fields = ("objectKey", "versionId", "sha256", "scheduledTime", "size")
    return {name: event[name] for name in fields}
