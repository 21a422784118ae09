"""Shared fixtures: one emulator for the whole session, emptied and provisioned
afresh for each test that asks for `stack`."""

from __future__ import annotations

import json
import os
import socket

import pytest

from tasks.shared import aws
from tickvault.config import load_config
from tickvault.local.emulator import FAKE_CREDENTIALS
from tickvault.local.stack import LocalStack

# Retry waits really sleep in moto's interpreter. Tests cap each wait at one
# second (full jitter makes it 0-1 s); attempts and error names stay as deployed.
TEST_RETRY = {"IntervalSeconds": 1, "MaxDelaySeconds": 1}


def fast_retries(workflow: str, definition: str) -> str:
    document = json.loads(definition)
    for state in document["States"].values():
        for retrier in state.get("Retry", []):
            retrier.update(TEST_RETRY)
    return json.dumps(document)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")


@pytest.fixture(scope="session")
def config():
    return load_config()


@pytest.fixture(scope="session")
def _session_stack(config):
    stack = LocalStack(config, moto_port=0, definition_hook=fast_retries, http_port=None).start(schedule=False)
    yield stack
    stack.stop()


@pytest.fixture
def stack(_session_stack, monkeypatch):
    """The local stack, empty and freshly provisioned, with the task environment
    applied so handlers can also be called directly."""
    resources = _session_stack.reset()
    aws.client.cache_clear()
    from tickvault.local.provision import Provisioner

    environment = Provisioner(_session_stack.config, _session_stack.endpoint).task_environment(resources)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    yield _session_stack
    aws.client.cache_clear()


@pytest.fixture
def s3(stack):
    return stack.client("s3")


@pytest.fixture
def sfn(stack):
    return stack.client("stepfunctions")


@pytest.fixture
def alarm_inbox(stack):
    """An SQS queue subscribed to the alarm topic; returns a function that reads it."""
    sqs, sns = stack.client("sqs"), stack.client("sns")
    queue_url = sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=stack.resources.alarm_topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def read() -> list[dict]:
        found = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return [json.loads(m["Body"]) for m in found.get("Messages", [])]

    return read


# Tests talk only to the emulator, which accepts any credentials.
for _name, _value in {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ.setdefault(_name, _value)
