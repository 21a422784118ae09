"""The alarm path on one machine: metrics in EMF reach the emulator's
CloudWatch, the alarms fire and notify through the SNS topic, and the inbox
subscribed to the topic sees the notification."""

from __future__ import annotations

import inspect
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch as emf_provider

from tasks import decrypt, store
from tasks.rate_limit.window import Window
from tasks.shared.errors import TransientError
from tests.events import http_event
from tickvault.local import emf


@pytest.fixture
def send(stack):
    lam = stack.client("lambda")
    decrypt.clear_cache()

    def request(**kwargs):
        answer = lam.invoke(FunctionName=stack.resources.functions["proxy"], Payload=json.dumps(http_event(**kwargs)))
        return json.loads(answer["Payload"].read())

    return request


def alarm_notifications(stack):
    found = stack.inbox.poll(wait_seconds=1)
    return [json.loads(n["message"]) for n in found if n["subject"].startswith("ALARM")]


def alarm_state(stack, name):
    return stack.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


def test_powertools_still_writes_emf_where_the_local_stack_listens():
    emf.check_seam()
    assert "print(json.dumps(metrics, separators" in inspect.getsource(emf_provider)


def test_served_requests_are_counted_with_no_address_as_a_dimension(stack, send):
    stack.generate(datetime.now(UTC))
    assert send(source_ip="203.0.113.50")["statusCode"] == 200
    listed = stack.client("cloudwatch").list_metrics(Namespace="tickvault")["Metrics"]
    names = {m["MetricName"] for m in listed}
    assert {"Served", "FileAgeSeconds", "GenerationSucceeded"} <= names
    assert all(m["Dimensions"] == [{"Name": "service", "Value": "tickvault"}] for m in listed)
    assert alarm_notifications(stack) == [] and stack.alarms.evaluate_once() == []


def test_a_refused_caller_raises_the_rate_limited_alarm_through_sns(stack, send):
    stack.generate(datetime.now(UTC))
    key = Window.at(time.time(), stack.config.window_seconds).counter_key("203.0.113.60")
    stack.client("dynamodb").put_item(
        TableName=stack.resources.table, Item={"pk": {"S": key}, "hits": {"N": str(stack.config.limit)}}
    )
    assert send(source_ip="203.0.113.60")["statusCode"] == 429

    assert stack.alarms.evaluate_once() == ["tickvault-rate-limited"]
    [notification] = alarm_notifications(stack)
    assert (notification["AlarmName"], notification["NewStateValue"]) == ("tickvault-rate-limited", "ALARM")
    assert notification["Trigger"]["MetricName"] == "RateLimited"
    assert alarm_state(stack, "tickvault-rate-limited") == "ALARM"
    assert stack.alarms.evaluate_once() == []  # still in ALARM: no second notification


def test_a_failed_generation_raises_the_generation_failed_alarm(stack, monkeypatch):
    def always(event, context):
        raise TransientError("s3:PutObject failed: ServiceUnavailable")

    monkeypatch.setattr(store, "handler", always)
    assert stack.generate(datetime.now(UTC))["status"] == "FAILED"

    assert stack.alarms.evaluate_once() == ["tickvault-generation-failed"]
    names = [n["AlarmName"] for n in alarm_notifications(stack)]
    assert names == ["tickvault-generation-failed"]


def test_a_stale_file_raises_the_file_too_old_alarm(stack, send):
    three_periods_ago = datetime.now(UTC) - timedelta(seconds=3 * stack.config.period_seconds)
    assert stack.generate(three_periods_ago)["status"] == "SUCCEEDED"
    assert send(source_ip="203.0.113.70")["statusCode"] == 200

    assert stack.alarms.evaluate_once() == ["tickvault-file-too-old"]
    [notification] = alarm_notifications(stack)
    assert notification["Trigger"]["MetricName"] == "FileAgeSeconds"
