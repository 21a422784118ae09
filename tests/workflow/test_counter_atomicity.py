"""The counter write must be atomic in the emulator too, or the limit is not exact locally."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import moto.dynamodb.models as dynamodb_models
from botocore.exceptions import ClientError


def test_concurrent_conditional_adds_never_pass_the_limit(stack, monkeypatch):
    table, limit = stack.resources.table, 20
    # Widen moto's gap between checking the condition and applying the update,
    # so a missing lock shows every time instead of once in a while.
    real_validator = dynamodb_models.UpdateExpressionValidator

    def slow_validator(*args, **kwargs):
        time.sleep(0.005)
        return real_validator(*args, **kwargs)

    monkeypatch.setattr(dynamodb_models, "UpdateExpressionValidator", slow_validator)

    def add(_):
        dynamodb = stack.client("dynamodb")
        try:
            dynamodb.update_item(
                TableName=table,
                Key={"pk": {"S": "rate#race#0"}},
                UpdateExpression="ADD hits :one",
                ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
                ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(limit)}},
            )
            return True
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return False

    for _ in range(3):
        stack.client("dynamodb").delete_item(TableName=table, Key={"pk": {"S": "rate#race#0"}})
        with ThreadPoolExecutor(max_workers=32) as pool:
            admitted = sum(pool.map(add, range(200)))
        assert admitted == limit
