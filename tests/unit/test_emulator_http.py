"""The local gateway and dashboard as HTTP servers, without the emulator
behind them: the proxy's answer and the dashboard's data are stand-ins."""

from __future__ import annotations

import http.client

import pytest

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
