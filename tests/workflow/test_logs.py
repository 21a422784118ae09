"""Every task's log line is JSON with the correlation id; no line carries the
text of a file or a data key."""

from __future__ import annotations

import base64
import io
import json
import logging
from datetime import UTC, datetime

from tasks import decrypt
from tasks.shared import envelope
from tests.events import http_event


def test_log_lines_are_json_with_correlation_ids_and_no_secrets(stack, s3, monkeypatch):
    captured = io.StringIO()
    for handler in logging.getLogger("tickvault").handlers:  # the Powertools logger of the tasks
        monkeypatch.setattr(handler, "stream", captured)
    decrypt.clear_cache()
    result = stack.generate(datetime.now(UTC))
    key = json.loads(result["output"])["objectKey"]
    event = http_event()
    stack.client("lambda").invoke(FunctionName=stack.resources.functions["proxy"], Payload=json.dumps(event))

    body = s3.get_object(Bucket=stack.resources.bucket, Key=key)["Body"].read()
    sealed = envelope.from_bytes(body, key)
    plaintext = envelope.open_envelope(sealed, key).decode()
    data_key = stack.client("kms").decrypt(
        CiphertextBlob=base64.b64decode(sealed["encryptedDataKey"]), EncryptionContext=sealed["context"]
    )["Plaintext"]

    lines = [line for line in captured.getvalue().splitlines() if line.startswith('{"level"')]
    records = [json.loads(line) for line in lines]
    assert {r.get("task") for r in records} >= {"seal", "store", "verify", "publish", "decrypt", "proxy"}
    for record in records:
        assert record["correlation_id"] in (result["name"], event["requestContext"]["requestId"]), record
    text = "\n".join(lines)
    for secret in (plaintext, plaintext.splitlines()[-1], base64.b64encode(data_key).decode(), data_key.hex()):
        assert secret not in text
