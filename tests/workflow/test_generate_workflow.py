"""workflows/generate.asl.json on moto's interpreter, with the real task code
run by the in-process runtime."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tasks import store, verify
from tasks.shared import envelope
from tasks.shared.errors import TransientError
from tickvault import executions

SCHEDULED = datetime(2026, 12, 3, 15, 43, 12, tzinfo=UTC)
KEY = "files/2026/12/03/154000Z.txt"


def failed_tasks(sfn, execution_arn):
    return [
        e["taskFailedEventDetails"]["error"]
        for e in executions.history(sfn, execution_arn)
        if e["type"] == "TaskFailed"
    ]


def test_happy_path_stores_verifies_and_publishes_one_sealed_file(stack, s3, sfn, alarm_inbox):
    result = stack.generate(SCHEDULED)

    assert result["status"] == "SUCCEEDED"
    output = json.loads(result["output"])
    assert (output["objectKey"], output["publication"]) == (KEY, {"published": True})
    body = s3.get_object(Bucket=stack.resources.bucket, Key=KEY)["Body"].read()
    plaintext = envelope.open_envelope(envelope.from_bytes(body, KEY), KEY)
    assert plaintext.startswith(b"tickvault\nmade at: 2026-12-03T15:40:00Z\n")
    assert plaintext not in body
    latest = stack.client("dynamodb").get_item(TableName=stack.resources.table, Key={"pk": {"S": "latest"}})["Item"]
    assert latest["objectKey"]["S"] == KEY
    assert [s.state for s in executions.steps(executions.history(sfn, result["executionArn"]))] == [
        "Seal", "Store", "Verify", "Publish", "Done",
    ]
    assert alarm_inbox() == []


def test_plaintext_never_reaches_the_execution_history(stack, s3, sfn):
    result = stack.generate(SCHEDULED)
    body = s3.get_object(Bucket=stack.resources.bucket, Key=KEY)["Body"].read()
    plaintext = envelope.open_envelope(envelope.from_bytes(body, KEY), KEY).decode()
    history = json.dumps(executions.history(sfn, result["executionArn"]), default=str)
    nonce_line = plaintext.splitlines()[-1]
    assert nonce_line not in history and "made at" not in history


def test_a_transient_error_is_retried_then_succeeds(stack, sfn, monkeypatch):
    real, calls = store.handler, []

    def flaky(event, context):
        calls.append(1)
        if len(calls) == 1:
            raise TransientError("s3:PutObject failed: SlowDown")
        return real(event, context)

    monkeypatch.setattr(store, "handler", flaky)
    result = stack.generate(SCHEDULED)

    assert result["status"] == "SUCCEEDED"
    assert failed_tasks(sfn, result["executionArn"]) == ["TransientError"]
    assert len(calls) == 2


def test_a_persistent_error_notifies_through_sns_and_fails(stack, sfn, alarm_inbox, monkeypatch):
    def always(event, context):
        raise TransientError("s3:PutObject failed: ServiceUnavailable")

    monkeypatch.setattr(store, "handler", always)
    result = stack.generate(SCHEDULED)

    assert result["status"] == "FAILED"
    assert result["error"] == "GenerationFailed"
    assert failed_tasks(sfn, result["executionArn"]) == ["TransientError"] * 5  # first try + MaxAttempts (4) retries
    [notification] = alarm_inbox()
    assert notification["Subject"] == "tickvault: generation failed"
    message = json.loads(notification["Message"])
    assert (message["execution"], message["error"]) == (result["name"], "TransientError")
    assert message["input"] == {"scheduledTime": "2026-12-03T15:43:12Z"}
    recorded = stack.client("cloudwatch").list_metrics(Namespace="tickvault", MetricName="GenerationFailed")["Metrics"]
    assert recorded == [{"Namespace": "tickvault", "MetricName": "GenerationFailed",
                         "Dimensions": [{"Name": "service", "Value": "tickvault"}]}]


def test_the_same_scheduled_time_twice_leaves_one_object_and_both_succeed(stack, s3):
    first, second = stack.generate(SCHEDULED), stack.generate(SCHEDULED)

    assert (first["status"], second["status"]) == ("SUCCEEDED", "SUCCEEDED")
    versions = s3.list_object_versions(Bucket=stack.resources.bucket)["Versions"]
    assert [v["Key"] for v in versions] == [KEY]
    assert json.loads(second["output"])["versionId"] == json.loads(first["output"])["versionId"]


def test_an_object_altered_before_verify_fails_with_integrity_error(stack, s3, sfn, alarm_inbox, monkeypatch):
    real = verify.handler

    def tamper_then_verify(event, context):
        s3.put_object(Bucket=stack.resources.bucket, Key=event["objectKey"], Body=b'{"format":"forged"}')
        return real(event, context)

    monkeypatch.setattr(verify, "handler", tamper_then_verify)
    result = stack.generate(SCHEDULED)

    assert result["status"] == "FAILED"
    assert failed_tasks(sfn, result["executionArn"]) == ["IntegrityError"]  # not retried
    [notification] = alarm_inbox()
    assert json.loads(notification["Message"])["error"] == "IntegrityError"
    latest = stack.client("dynamodb").get_item(TableName=stack.resources.table, Key={"pk": {"S": "latest"}})
    assert "Item" not in latest


def test_invalid_scheduler_input_is_caught_and_notified(stack, sfn, alarm_inbox):
    started = sfn.start_execution(
        stateMachineArn=stack.resources.state_machines["generate"], name="bad-input", input='{"when": "now"}'
    )
    result = executions.wait(sfn, started["executionArn"])

    assert result["status"] == "FAILED"
    assert failed_tasks(sfn, started["executionArn"]) == ["InvalidInputError"]
    assert json.loads(alarm_inbox()[0]["Message"])["error"] == "InvalidInputError"
