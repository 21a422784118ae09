"""Each generate task called directly against the emulator."""

from __future__ import annotations

import base64
import hashlib
import json
import time

import pytest

from tasks import publish, seal, store, verify
from tasks.shared import envelope
from tasks.shared.errors import (
    ConfigurationError,
    IntegrityError,
    InvalidInputError,
    InvalidOutputError,
)
from tasks.shared.handler import task

TICK = {"tick": {"scheduledTime": "2026-12-03T15:43:12Z"}, "execution": "unit-test"}


def sealed():
    return seal.handler(TICK, None)


def stored(result=None):
    result = result or sealed()
    return store.handler({**result, "execution": "unit-test"}, None)


def described(result):
    fields = ("objectKey", "versionId", "sha256", "scheduledTime", "size")
    return {name: result[name] for name in fields}


def test_seal_output_carries_no_plaintext_and_opens_with_key_and_context(stack):
    result = sealed()
    assert result["objectKey"] == "files/2026/12/03/154000Z.txt"
    assert result["scheduledTime"] == "2026-12-03T15:40:00Z"
    plaintext = envelope.open_envelope(result["envelope"], result["objectKey"])
    assert b"made at: 2026-12-03T15:40:00Z" in plaintext
    assert hashlib.sha256(plaintext).hexdigest() == result["sha256"]
    assert b"made at" not in json.dumps(result).encode()
    ciphertext = base64.b64decode(result["envelope"]["ciphertext"])
    assert plaintext not in ciphertext


def test_seal_binds_the_ciphertext_to_its_object_key(stack):
    result = sealed()
    with pytest.raises(IntegrityError):
        envelope.open_envelope(result["envelope"], "files/2026/12/03/155000Z.txt")


@pytest.mark.parametrize(
    "alter",
    [
        lambda e: e.update(keyId=e["keyId"][:-1] + ("0" if e["keyId"][-1] != "0" else "1")),
        lambda e: e.update(extra="x"),
        lambda e: e.update(algorithm="AES-128-GCM"),
        lambda e: e.update(iv=base64.b64encode(b"\0" * 12).decode()),
    ],
)
def test_any_change_to_a_stored_envelope_is_an_integrity_error(stack, alter):
    result = sealed()
    altered = json.loads(envelope.to_bytes(result["envelope"]))
    alter(altered)
    with pytest.raises(IntegrityError):
        envelope.open_envelope(envelope.from_bytes(envelope.to_bytes(altered), result["objectKey"]), result["objectKey"])


def test_two_seals_of_one_tick_share_the_key_but_not_the_nonce(stack):
    first, second = sealed(), sealed()
    assert first["objectKey"] == second["objectKey"]
    assert first["sha256"] != second["sha256"]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"execution": "x"}, "(root): 'tick' is a required property"),
        ({"tick": {"scheduledTime": "soon"}, "execution": "x"}, "tick/scheduledTime: 'soon' does not match"),
        ({"tick": {}, "execution": ""}, "execution: '' should be non-empty"),
    ],
)
def test_seal_refuses_bad_input_naming_the_field(stack, event, expected):
    with pytest.raises(InvalidInputError, match="seal.input is invalid: .*" + expected.replace("(", r"\(").replace(")", r"\)")):
        seal.handler(event, None)


@pytest.mark.parametrize(
    ("scheduled", "reason"),
    [("2099-01-01T00:00:00Z", "is in the future"), ("1969-12-31T23:59:00Z", "before 1970")],
)
def test_seal_refuses_times_that_would_freeze_or_break_latest(stack, scheduled, reason):
    with pytest.raises(InvalidInputError, match=reason):
        seal.handler({"tick": {"scheduledTime": scheduled}, "execution": "x"}, None)


def test_seal_allows_a_clock_skew_but_not_the_next_period(stack):
    from datetime import UTC, datetime, timedelta

    def at(seconds):
        return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert seal.handler({"tick": {"scheduledTime": at(30)}, "execution": "x"}, None)["objectKey"]
    with pytest.raises(InvalidInputError, match="is in the future"):
        seal.handler({"tick": {"scheduledTime": at(300)}, "execution": "x"}, None)


def test_seal_without_its_key_setting_says_which_variable(stack, monkeypatch):
    monkeypatch.delenv("TICKVAULT_KEY_ID")
    with pytest.raises(ConfigurationError, match="TICKVAULT_KEY_ID is not set"):
        sealed()


def test_store_writes_encrypted_bytes_with_digest_and_time_metadata(stack, s3):
    result = sealed()
    out = stored(result)
    assert out["created"] is True
    got = s3.get_object(Bucket=stack.resources.bucket, Key=out["objectKey"])
    body = got["Body"].read()
    assert b"made at" not in body
    assert got["Metadata"] == {
        "sha256": result["sha256"],
        "scheduled-time": "2026-12-03T15:40:00Z",
        "plaintext-size": str(result["size"]),
    }
    assert got["ServerSideEncryption"] == "aws:kms"


def test_store_twice_keeps_the_first_object(stack, s3):
    first = stored()
    second = stored()
    assert second["created"] is False
    assert (second["versionId"], second["sha256"]) == (first["versionId"], first["sha256"])
    versions = s3.list_object_versions(Bucket=stack.resources.bucket)["Versions"]
    assert len(versions) == 1


def test_store_refuses_bad_input(stack):
    bad = {**sealed(), "execution": "unit-test", "objectKey": "../etc/passwd"}
    with pytest.raises(InvalidInputError, match="objectKey"):
        store.handler(bad, None)


def test_verify_accepts_the_stored_object(stack):
    out = stored()
    assert verify.handler({**described(out), "execution": "unit-test"}, None)["verified"] is True


def test_verify_names_a_replaced_object(stack, s3):
    out = stored()
    s3.put_object(Bucket=stack.resources.bucket, Key=out["objectKey"], Body=b"forged")
    with pytest.raises(IntegrityError, match="replaced after it was stored"):
        verify.handler({**described(out), "execution": "unit-test"}, None)


def test_verify_names_a_digest_mismatch(stack):
    out = stored()
    with pytest.raises(IntegrityError, match="does not match its digest"):
        verify.handler({**described(out), "sha256": "0" * 64, "execution": "unit-test"}, None)


def test_publish_moves_latest_forward_never_backwards(stack):
    table = stack.client("dynamodb")
    newer = stored(seal.handler({**TICK, "tick": {"scheduledTime": "2026-12-03T16:00:00Z"}}, None))
    older = stored()
    assert publish.handler({**described(newer), "verified": True, "execution": "t"}, None)["published"] is True
    assert publish.handler({**described(older), "verified": True, "execution": "t"}, None)["published"] is False
    item = table.get_item(TableName=stack.resources.table, Key={"pk": {"S": "latest"}})["Item"]
    assert item["objectKey"]["S"] == newer["objectKey"]
    assert item["versionId"]["S"] == newer["versionId"]


@pytest.mark.parametrize(
    "pointer",
    [
        {"scheduledTime": {"S": "garbage"}, "scheduledEpoch": {"N": "9999999999"}},
        {"scheduledTime": {"S": "2099-01-01T00:00:00Z"}, "scheduledEpoch": {"N": "4070908800"}},
        {"scheduledTime": {"S": "2020-01-01T00:00:00Z"}, "scheduledEpoch": {"N": str(int(time.time()) - 60)}},
    ],
    ids=["unreadable time", "ahead of the clock", "epoch and time disagree"],
)
def test_publish_reports_a_pointer_no_tick_could_have_written(stack, pointer):
    # Such a pointer refuses every later file; taking it as "newer" would stop publication in silence.
    table = stack.client("dynamodb")
    table.put_item(TableName=stack.resources.table, Item={"pk": {"S": "latest"}, "objectKey": {"S": "x"}, **pointer})
    with pytest.raises(IntegrityError, match="delete the 'latest' item"):
        publish.handler({**described(stored()), "verified": True, "execution": "t"}, None)


def test_publish_of_the_same_file_again_is_accepted(stack):
    out = stored()
    event = {**described(out), "verified": True, "execution": "t"}
    assert publish.handler(event, None)["published"] is True
    assert publish.handler(event, None)["published"] is True


def test_a_task_that_builds_bad_output_raises_the_named_error(stack):
    broken = task("publish")(lambda event: {"objectKey": event["objectKey"], "published": "yes"})
    out = stored()
    with pytest.raises(InvalidOutputError, match="publish.output is invalid: published: 'yes' is not of type 'boolean'"):
        broken({**described(out), "verified": True, "execution": "t"}, None)
