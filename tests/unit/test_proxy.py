"""The proxy against a stand-in for Step Functions: every outcome becomes a
full HTTP response, and nothing from Step Functions reaches the caller."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from tasks import proxy
from tasks.shared.timekeys import parse_time
from tests.events import http_event
from tickvault.workflows import source

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:tickvault-serve"
DIGEST = "ab" * 32
FILE = {"body": "tickvault\nmade at: 2026-12-03T15:40:00Z\n", "sha256": DIGEST, "scheduledTime": "2026-12-03T15:40:00Z"}


class FakeStepFunctions:
    def __init__(self, answer):
        self.answer, self.inputs = answer, []

    def start_sync_execution(self, stateMachineArn, name, input):  # noqa: N803 - boto3's names
        self.inputs.append(json.loads(input))
        if isinstance(self.answer, Exception):
            raise self.answer
        return {"executionArn": f"{ARN}:{name}", "stateMachineArn": ARN, **self.answer}


@pytest.fixture
def serve(monkeypatch):
    for name, value in {
        "TICKVAULT_SERVE_STATE_MACHINE_ARN": ARN,
        "TICKVAULT_RATE_LIMIT": "210",
        "TICKVAULT_WINDOW_SECONDS": "600",
        "TICKVAULT_IPV6_PREFIX_LENGTH": "64",
        "TICKVAULT_PERIOD_SECONDS": "600",
    }.items():
        monkeypatch.setenv(name, value)

    def run(answer, event=None):
        fake = FakeStepFunctions(answer)
        monkeypatch.setattr(proxy, "_sfn", lambda: fake)
        return proxy.handler(event or http_event(), None), fake

    return run


def succeeded(output):
    return {"status": "SUCCEEDED", "output": json.dumps(output)}


def assert_nothing_internal(result):
    text = json.dumps(result)
    for leak in ("arn:", "tickvault-serve", "Traceback", "States.", "DynamoDB", "Lambda"):
        assert leak not in text


def test_served_file_is_200_text_with_etag_cache_and_rate_fields(serve):
    result, fake = serve(succeeded({"outcome": "served", "rate": {"hits": "10"}, "file": FILE}))
    assert result["statusCode"] == 200
    assert result["body"] == FILE["body"]
    headers = result["headers"]
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["ETag"] == f'"{DIGEST}"'
    assert headers["Last-Modified"] == "Thu, 03 Dec 2026 15:40:00 GMT"
    assert headers["Cache-Control"].startswith("private, max-age=")
    assert headers["RateLimit-Policy"] == '"per-ip";q=210;w=600'
    assert headers["RateLimit"].startswith('"per-ip";r=200;t=')
    assert all(isinstance(v, str) for v in headers.values())
    assert fake.inputs[0]["route"] == "latest"


@pytest.mark.parametrize(
    ("now", "max_age"),
    [
        ("2026-12-03T15:40:01Z", 599),  # just made
        ("2026-12-03T15:45:00Z", 300),
        ("2026-12-03T15:50:00Z", 0),  # the successor is due now
        ("2026-12-03T15:50:06Z", 0),  # and late: the old file is not to be cached
    ],
)
def test_a_file_is_fresh_until_its_own_successor_is_due(serve, monkeypatch, now, max_age):
    monkeypatch.setattr(proxy.time, "time", lambda: parse_time(now).timestamp())
    result, _ = serve(succeeded({"outcome": "served", "rate": {"hits": "1"}, "file": FILE}))
    assert result["headers"]["Cache-Control"] == f"private, max-age={max_age}"


def test_head_has_the_headers_and_no_body(serve):
    result, _ = serve(succeeded({"outcome": "served", "rate": {"hits": "1"}, "file": FILE}), http_event(method="HEAD"))
    assert (result["statusCode"], result["body"]) == (200, "")
    assert result["headers"]["Content-Length"] == str(len(FILE["body"]))


def test_matching_if_none_match_is_304_and_malformed_is_200(serve):
    output = succeeded({"outcome": "served", "rate": {"hits": "1"}, "file": FILE})
    matched, _ = serve(output, http_event(headers={"if-none-match": f'"{DIGEST}"'}))
    assert (matched["statusCode"], matched["body"]) == (304, "")
    assert matched["headers"]["ETag"] == f'"{DIGEST}"'
    malformed, _ = serve(output, http_event(headers={"if-none-match": f"{DIGEST}"}))
    assert malformed["statusCode"] == 200


def test_limited_is_429_problem_with_retry_after(serve):
    result, _ = serve(succeeded({"outcome": "limited"}))
    assert result["statusCode"] == 429
    assert result["headers"]["Content-Type"] == "application/problem+json"
    assert int(result["headers"]["Retry-After"]) >= 1
    assert result["headers"]["RateLimit"].startswith('"per-ip";r=0;t=')
    problem = json.loads(result["body"])
    assert (problem["status"], problem["title"]) == (429, "Too Many Requests")


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [("/LATEST", "GET", 404), ("/latest/", "GET", 404), ("//latest", "GET", 404), ("/latest/../x", "GET", 404),
     ("/" + "a" * 8192, "GET", 404), ("/lat\udcffest", "GET", 404), ("/latest", "POST", 405), ("/latest", "DELETE", 405)],
)
def test_other_paths_and_methods_are_counted_then_refused_cleanly(serve, path, method, status):
    result, fake = serve(succeeded({"outcome": "routed", "rate": {"hits": "3"}}), http_event(path=path, method=method))
    assert result["statusCode"] == status
    assert fake.inputs[0]["route"] == "other"
    if status == 405:
        assert result["headers"]["Allow"] == "GET, HEAD"
    assert_nothing_internal(result)


def test_a_dependency_failure_after_counting_still_shows_the_count(serve):
    result, _ = serve(succeeded({"outcome": "unavailable", "rate": {"hits": "11"}, "error": "IntegrityError"}))
    assert result["statusCode"] == 503
    assert result["headers"]["RateLimit"].startswith('"per-ip";r=199;t=')


def test_no_file_yet_is_503_with_retry_after(serve):
    result, _ = serve(succeeded({"outcome": "no_file", "rate": {"hits": "1"}}))
    assert result["statusCode"] == 503 and int(result["headers"]["Retry-After"]) >= 1


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"status": "FAILED", "error": "States.Runtime", "cause": f"{ARN} exploded\nTraceback"}, 503),
        ({"status": "TIMED_OUT"}, 504),
        (succeeded({"outcome": "unavailable", "error": "IntegrityError"}), 503),
        (succeeded({"nonsense": True}), 503),
        ({"status": "SUCCEEDED", "output": "not json"}, 503),
        (ClientError({"Error": {"Code": "ThrottlingException", "Message": ARN}}, "StartSyncExecution"), 503),
        (EndpointConnectionError(endpoint_url="https://sync-states.us-east-1.amazonaws.com"), 503),
        (ReadTimeoutError(endpoint_url="https://sync-states.us-east-1.amazonaws.com"), 504),
    ],
)
def test_every_failure_is_a_full_response_that_names_nothing_internal(serve, answer, status):
    result, _ = serve(answer)
    assert result["statusCode"] == status
    assert result["headers"]["Retry-After"] == "5"
    assert json.loads(result["body"])["status"] == status
    assert_nothing_internal(result)


def test_the_caller_is_counted_by_source_ip_never_by_forwarding_headers(serve):
    spoofed = {"x-forwarded-for": "198.51.100.1", "x-real-ip": "198.51.100.2", "forwarded": "for=198.51.100.3"}
    _, fake = serve(succeeded({"outcome": "routed", "rate": {"hits": "1"}}), http_event(headers=spoofed))
    assert fake.inputs[0]["counterKey"].startswith("rate#203.0.113.7#")


def test_ipv6_callers_are_counted_per_64(serve):
    _, fake = serve(succeeded({"outcome": "routed", "rate": {"hits": "1"}}), http_event(source_ip="2001:db8:1:2::99"))
    assert fake.inputs[0]["counterKey"].startswith("rate#2001:db8:1:2::/64#")


def test_a_malformed_event_is_400_not_a_trace(serve):
    result, fake = serve(succeeded({"outcome": "limited"}), {"rawPath": "/latest"})
    assert result["statusCode"] == 400 and fake.inputs == []
    assert_nothing_internal(result)


def test_start_sync_execution_is_never_retried_and_timeouts_nest():
    config = proxy._NO_RETRY
    assert config.retries["total_max_attempts"] == 1
    workflow_timeout = json.loads(source("serve"))["TimeoutSeconds"]
    assert workflow_timeout < config.read_timeout < 30
