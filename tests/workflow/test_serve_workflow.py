"""workflows/serve.asl.json on moto's interpreter, driven through the real
proxy and decrypt code."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from tasks import decrypt
from tasks.rate_limit.window import Window
from tasks.shared import aws
from tasks.shared.errors import IntegrityError
from tests.events import http_event


@pytest.fixture
def request_(stack):
    lam = stack.client("lambda")
    decrypt.clear_cache()

    def send(**kwargs) -> dict:
        answer = lam.invoke(FunctionName=stack.resources.functions["proxy"], Payload=json.dumps(http_event(**kwargs)))
        assert "FunctionError" not in answer
        return json.loads(answer["Payload"].read())

    return send


@pytest.fixture
def published(stack):
    result = stack.generate(datetime.now(UTC))
    assert result["status"] == "SUCCEEDED"
    return json.loads(result["output"])


def counter(stack, ip):
    key = Window.at(time.time(), stack.config.window_seconds).counter_key(ip)
    item = stack.client("dynamodb").get_item(TableName=stack.resources.table, Key={"pk": {"S": key}}).get("Item")
    return item, key


def count_calls(service, calls):
    aws.client(service).meta.events.register("before-call", lambda **kw: calls.append(f"{service}:{kw['model'].name}"))


def test_allowed_request_gets_the_decrypted_file(stack, request_, published):
    response = request_()
    assert response["statusCode"] == 200
    assert response["body"].startswith("tickvault\nmade at: ")
    assert response["headers"]["ETag"] == f'"{published["sha256"]}"'
    item, _ = counter(stack, "203.0.113.7")
    assert item["hits"]["N"] == "1"
    assert int(item["expiresAt"]["N"]) == Window.at(time.time(), 600).expires_at


def test_request_at_the_limit_is_refused_and_the_count_stays_at_the_limit(stack, request_, published):
    _, key = counter(stack, "203.0.113.8")
    stack.client("dynamodb").put_item(
        TableName=stack.resources.table, Item={"pk": {"S": key}, "hits": {"N": str(stack.config.limit - 1)}}
    )
    last = request_(source_ip="203.0.113.8")
    assert (last["statusCode"], last["headers"]["RateLimit"].split(";")[1]) == (200, "r=0")
    refused = [request_(source_ip="203.0.113.8") for _ in range(3)]
    assert {r["statusCode"] for r in refused} == {429}
    item, _ = counter(stack, "203.0.113.8")
    assert item["hits"]["N"] == str(stack.config.limit)
    assert request_(source_ip="203.0.113.9")["statusCode"] == 200  # another address is unaffected


def test_no_file_yet_is_503(stack, request_):
    response = request_()
    assert response["statusCode"] == 503
    assert json.loads(response["body"])["detail"] == "No file has been made yet."


def test_a_tampered_object_serves_no_plaintext_and_a_5xx(stack, request_, published, s3):
    forged = s3.put_object(Bucket=stack.resources.bucket, Key=published["objectKey"], Body=b'{"format":"forged"}')
    stack.client("dynamodb").update_item(
        TableName=stack.resources.table,
        Key={"pk": {"S": "latest"}},
        UpdateExpression="SET versionId = :v",
        ExpressionAttributeValues={":v": {"S": forged["VersionId"]}},
    )
    response = request_()
    assert response["statusCode"] == 503
    assert "made at" not in json.dumps(response)
    # The request was counted before Decrypt failed, and the caller is told so.
    assert response["headers"]["RateLimit"].split(";")[1] == f"r={stack.config.limit - 1}"


def test_a_warm_decrypt_makes_no_s3_or_kms_call(stack, request_, published):
    assert request_()["statusCode"] == 200  # cold: fills the cache
    calls: list[str] = []
    count_calls("s3", calls)
    count_calls("kms", calls)
    for _ in range(5):
        assert request_()["statusCode"] == 200
    assert calls == []


def test_a_cold_decrypt_makes_one_s3_and_one_kms_call(stack, request_, published):
    calls: list[str] = []
    count_calls("s3", calls)
    count_calls("kms", calls)
    assert request_()["statusCode"] == 200
    assert sorted(calls) == ["kms:Decrypt", "s3:GetObject"]


def test_a_new_file_replaces_the_cached_one(stack, request_):
    earlier = stack.generate(datetime.fromtimestamp(time.time() - stack.config.period_seconds, UTC))
    assert earlier["status"] == "SUCCEEDED"
    first = request_()["body"]
    assert stack.generate(datetime.now(UTC))["status"] == "SUCCEEDED"
    assert request_()["body"] != first


def test_counter_store_failure_fails_closed(stack, request_, published):
    stack.client("dynamodb").delete_table(TableName=stack.resources.table)
    response = request_()
    assert response["statusCode"] == 503
    assert "RateLimit" not in response["headers"]


def test_a_published_version_gone_from_the_bucket_is_named_as_such(stack, published, s3):
    item = stack.client("dynamodb").get_item(TableName=stack.resources.table, Key={"pk": {"S": "latest"}})["Item"]
    s3.delete_object(Bucket=stack.resources.bucket, Key=item["objectKey"]["S"], VersionId=item["versionId"]["S"])
    decrypt.clear_cache()
    event = {name: item[name]["S"] for name in ("objectKey", "versionId", "sha256", "scheduledTime")}
    with pytest.raises(IntegrityError, match="is gone from the bucket"):
        decrypt.handler({**event, "execution": "t"}, None)


@pytest.mark.parametrize("forged_key", [False, True], ids=["forged time", "forged time and key"])
def test_a_pointer_with_a_forged_time_serves_no_file(stack, request_, published, forged_key):
    assert request_()["statusCode"] == 200  # warm: the forged time must be caught on a cache hit too
    forged = {":t": {"S": "2100-01-01T00:00:00Z"}, ":e": {"N": "4102444800"}}
    update = "SET scheduledTime = :t, scheduledEpoch = :e"
    if forged_key:  # time and key agree, and are ahead of the clock
        forged[":k"] = {"S": "files/2100/01/01/000000Z.txt"}
        update += ", objectKey = :k"
    stack.client("dynamodb").update_item(TableName=stack.resources.table, Key={"pk": {"S": "latest"}},
                                         UpdateExpression=update, ExpressionAttributeValues=forged)
    response = request_()
    assert response["statusCode"] == 503
    assert "made at" not in json.dumps(response) and "max-age" not in json.dumps(response)


def test_a_cached_version_named_under_another_files_key_and_time_serves_nothing(stack, request_):
    earlier = stack.generate(datetime.fromtimestamp(time.time() - stack.config.period_seconds, UTC))
    assert stack.generate(datetime.now(UTC))["status"] == "SUCCEEDED"
    assert request_()["statusCode"] == 200  # the newest file is now in the warm cache
    older = json.loads(earlier["output"])
    stack.client("dynamodb").update_item(  # the older file's key and time, the newest file's version
        TableName=stack.resources.table,
        Key={"pk": {"S": "latest"}},
        UpdateExpression="SET objectKey = :k, scheduledTime = :t",
        ExpressionAttributeValues={":k": {"S": older["objectKey"]}, ":t": {"S": older["scheduledTime"]}},
    )
    response = request_()
    assert response["statusCode"] == 503
    assert "made at" not in json.dumps(response)
