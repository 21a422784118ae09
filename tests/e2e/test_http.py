"""The HTTP endpoint of `python -m tickvault run`, over real sockets."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import openapi_check
from tests.conftest import free_port
from tickvault.config import load_config
from tickvault.paths import ROOT

pytestmark = pytest.mark.e2e
CONFIG = load_config()


@pytest.fixture(scope="module")
def endpoint():
    moto_port, http_port = free_port(), free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tickvault", "run", "--moto-port", str(moto_port), "--port", str(http_port),
         "--dashboard-port", str(free_port())],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    for line in process.stdout:
        if " stored files/" in line:  # the start-up tick has published the first file
            break
    yield ("127.0.0.1", http_port)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def get(endpoint, path="/latest", method="GET", headers=None, source="127.0.0.1", timeout=30):
    connection = http.client.HTTPConnection(*endpoint, timeout=timeout, source_address=(source, 0))
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def raw(endpoint, request: bytes) -> bytes:
    """Send bytes as they are and read the whole answer: the gateway closes the connection after it."""
    answer = b""
    with socket.create_connection(endpoint, timeout=30) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def ensure_window(seconds_needed: int) -> None:
    """Start a counting test only with enough of the window left, so it cannot roll over midway."""
    left = CONFIG.window_seconds - int(time.time()) % CONFIG.window_seconds
    if left < seconds_needed:
        time.sleep(left + 1)


def remaining(headers) -> int:
    return int(headers["RateLimit"].split(";")[1].removeprefix("r="))


def test_latest_is_served_decrypted_with_its_headers(endpoint):
    status, headers, body = get(endpoint, source="127.0.0.10")
    assert status == 200 and body.startswith("tickvault\nmade at: ")
    openapi_check.check("GET", "/latest", status, headers, body)
    status, headers, body = get(endpoint, method="HEAD", source="127.0.0.10")
    assert (status, body) == (200, "")
    assert headers["Content-Length"] != "0"


def test_if_none_match_gives_304(endpoint):
    _, headers, _ = get(endpoint, source="127.0.0.11")
    status, again, body = get(endpoint, headers={"If-None-Match": headers["ETag"]}, source="127.0.0.11")
    assert (status, body) == (304, "")
    openapi_check.check("GET", "/latest", status, again, body)


def test_210_answers_then_429_and_another_client_is_unaffected(endpoint):
    ensure_window(120)
    spoofed = {"X-Forwarded-For": "127.0.0.99", "X-Real-IP": "127.0.0.98", "Forwarded": "for=127.0.0.97"}
    statuses = []
    for index in range(CONFIG.limit):
        status, headers, _ = get(endpoint, headers=spoofed if index % 2 else None, source="127.0.0.2")
        statuses.append(status)
    assert statuses == [200] * CONFIG.limit
    assert remaining(headers) == 0
    status, headers, body = get(endpoint, source="127.0.0.2")
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= CONFIG.window_seconds
    assert headers["Content-Type"] == "application/problem+json"
    openapi_check.check("GET", "/latest", status, headers, body)
    # Spoofed forwarding headers neither escape the count nor charge another address.
    assert get(endpoint, headers=spoofed, source="127.0.0.2")[0] == 429
    status, headers, _ = get(endpoint, source="127.0.0.3")
    assert status == 200 and remaining(headers) == CONFIG.limit - 1
    for forged in ("127.0.0.99", "127.0.0.98", "127.0.0.97"):
        status, headers, _ = get(endpoint, source=forged)
        assert status == 200 and remaining(headers) == CONFIG.limit - 1


def test_300_parallel_requests_from_one_fresh_address_admit_exactly_the_limit(endpoint):
    ensure_window(150)
    with ThreadPoolExecutor(max_workers=100) as pool:
        # The local gateway queues what the emulator cannot run at once, so late requests wait.
        results = list(pool.map(lambda _: get(endpoint, source="127.0.0.4", timeout=120)[0], range(300)))
    answers = Counter(results)
    # Exactly the limit is admitted: every request past it is refused, whatever else happens.
    assert answers[429] == 300 - CONFIG.limit, answers
    # An admitted request may still end in 503 if a state overruns its timeout on a starved machine
    # (its quota is spent, as on AWS); the gateway's queue keeps that rare. Without the queue it was 252 of 300.
    assert answers[200] + answers[503] == CONFIG.limit and answers[503] <= 3, answers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/latest", 405),
        ("DELETE", "/latest", 405),
        ("GET", "/LATEST", 404),
        ("GET", "/latest/", 404),
        ("GET", "//latest", 404),
        ("GET", "/latest/../x", 404),
        ("GET", "/" + "a" * 8192, 404),
        ("GET", "/latest?%ff%fe=%01&&==&a[]=1&latest=/x", 200),  # the query string is ignored
    ],
)
def test_bad_requests_get_a_clean_4xx(endpoint, method, path, status):
    got, headers, body = get(endpoint, path=path, method=method, source="127.0.0.12")
    assert got == status
    assert "Traceback" not in body and "arn:" not in body
    if got != 200:
        openapi_check.check(method, "/latest" if path == "/latest" else path, got, headers, body)
    if got == 405:
        assert headers["Allow"] == "GET, HEAD"


def test_undecodable_bytes_in_the_path_are_404(endpoint):
    answer = raw(endpoint, b"GET /lat\xff\xfeest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 404")


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "FOO", "get", "Head"])
def test_any_method_reaches_the_proxy_and_gets_405(endpoint, method):
    status, headers, body = get(endpoint, method=method, source="127.0.0.15")
    assert status == 405 and headers["Allow"] == "GET, HEAD" and "RateLimit" in headers
    assert headers["Content-Type"] == "application/problem+json"


def test_http_0_9_and_garbage_are_refused_as_json(endpoint):
    refused = raw(endpoint, b"GET /latest\r\n\r\n")
    assert refused.startswith(b"HTTP/1.1 400") and refused.endswith(b'{"message": "Bad Request"}')
    garbage = raw(endpoint, b"\x16\x03\x01 junk junk junk\r\n\r\n")
    assert garbage.startswith(b"HTTP/1.") and b"application/json" in garbage and b"<html" not in garbage.lower()


def test_the_server_header_names_no_runtime(endpoint):
    _, headers, _ = get(endpoint, source="127.0.0.16")
    assert "Python" not in headers.get("Server", "")


def test_a_negative_content_length_is_400(endpoint):
    answer = raw(endpoint, b"GET /latest HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")


def test_a_16_kb_header_is_refused_before_the_proxy(endpoint):
    status, _, body = get(endpoint, headers={"X-Big": "a" * 16384}, source="127.0.0.13")
    assert status == 431 and "Traceback" not in body


def test_a_malformed_if_none_match_matches_nothing(endpoint):
    status, _, body = get(endpoint, headers={"If-None-Match": 'W/"unterminated, ,,'}, source="127.0.0.14")
    assert status == 200 and body
