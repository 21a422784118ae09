"""The local gateway and dashboard as HTTP servers, without the emulator
behind them: the proxy's answer and the dashboard's data are stand-ins."""

from __future__ import annotations

import http.client
import json

import pytest

from tickvault.local import dashboard as dashboard_module
from tickvault.local.dashboard import Dashboard
from tickvault.local.gateway import Gateway

ETAG = '"f61d2c7e"'
TEXT = "tickvault\nmade at: 2026-12-03T16:30:00Z\n"


def proxy_answer(event: dict) -> tuple[int, dict, str]:
    """What tasks/proxy.py answers: 304 with no body, else 200 with its own Content-Length."""
    headers = {"ETag": ETAG, "Cache-Control": "private, max-age=489"}
    if event["headers"].get("if-none-match") == ETAG:
        return 304, headers, ""
    body = "" if event["requestContext"]["http"]["method"] == "HEAD" else TEXT
    return 200, {**headers, "Content-Type": "text/plain; charset=utf-8", "Content-Length": len(TEXT.encode())}, body


@pytest.fixture
def gateway(monkeypatch):
    # No emulator behind it: the boto3 client is made but never called.
    served = Gateway("http://127.0.0.1:9", "us-east-1", "tickvault-proxy", "127.0.0.1", 0)
    monkeypatch.setattr(served, "_invoke", proxy_answer)
    served.start()
    yield served
    served.stop()


def test_a_304_carries_no_content_length_and_no_body(gateway):
    connection = http.client.HTTPConnection(gateway.host, gateway.port, timeout=10)
    try:
        connection.request("GET", "/latest", headers={"If-None-Match": ETAG})
        answer = connection.getresponse()
        assert answer.status == 304 and answer.read() == b""
        assert answer.getheader("Content-Length") is None  # RFC 9110: none, or the 200's, never 0
        assert answer.getheader("ETag") == ETAG
        # The connection stays usable: no stray body bytes were sent after the 304.
        connection.request("GET", "/latest")
        answer = connection.getresponse()
        assert (answer.status, answer.read().decode()) == (200, TEXT)
        assert answer.getheader("Content-Length") == str(len(TEXT.encode()))
    finally:
        connection.close()


def test_a_head_keeps_the_length_of_the_get(gateway):
    connection = http.client.HTTPConnection(gateway.host, gateway.port, timeout=10)
    try:
        connection.request("HEAD", "/latest")
        answer = connection.getresponse()
        assert answer.status == 200 and answer.read() == b""
        assert answer.getheader("Content-Length") == str(len(TEXT.encode()))
    finally:
        connection.close()


DATA = {
    "now": "2026-12-03T16:31:00Z",
    "newestFile": None,
    "nextTick": "2026-12-03T16:40:00Z",
    "alarms": {"tickvault-rate-limited": "OK"},
    "executions": {"tickvault-generate": []},
    "traffic": {"windows": [], "topRefused": []},
    "notifications": [],
}


@pytest.fixture
def dashboard(monkeypatch):
    monkeypatch.setattr(dashboard_module, "snapshot", lambda stack, arn: DATA)
    served = Dashboard(stack=None, host="127.0.0.1", port=0).start()
    yield served
    served.stop()


def fetch(dashboard, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(dashboard.host, dashboard.port, timeout=10)
    try:
        connection.request(method, path)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize(("path", "media"), [("/", "text/html; charset=utf-8"), ("/api/status", "application/json")])
def test_the_dashboard_answers_head_as_get_without_the_body(dashboard, path, media):
    status, headers, body = fetch(dashboard, "GET", path)
    assert status == 200 and headers["content-type"] == media and len(body) == int(headers["content-length"])
    if path == "/api/status":
        assert json.loads(body) == DATA

    head_status, head_headers, head_body = fetch(dashboard, "HEAD", path)
    assert head_status == 200, head_status  # http.server answers 501 for a method it has no do_ for
    assert head_body == b""
    assert head_headers["content-type"] == media
    assert head_headers["content-length"] == headers["content-length"]


def test_the_dashboard_answers_head_of_an_unknown_path_404(dashboard):
    assert fetch(dashboard, "HEAD", "/nothing")[::2] == (404, b"")
