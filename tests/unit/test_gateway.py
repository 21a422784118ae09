"""The local gateway's own handling of connections, with a stand-in for the proxy function."""

import base64
import contextlib
import io
import json
import socket
import threading
import time

import pytest

from tickvault.local.gateway import Gateway


class SlowProxy:
    """Answers every invocation with 200 after `delay` seconds, and counts them."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.calls = 0
        self.events: list[dict] = []
        self.started = threading.Event()

    def invoke(self, FunctionName, Payload):  # noqa: N803 - boto3's names
        self.calls += 1
        self.events.append(json.loads(Payload))
        self.started.set()
        time.sleep(self.delay)
        answer = {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "hello"}
        return {"Payload": io.BytesIO(json.dumps(answer).encode())}


@pytest.fixture
def gateway():
    made = Gateway("http://127.0.0.1:9", "us-east-1", "proxy", port=0)
    made._lambda = SlowProxy()
    made.start()
    yield made
    made.stop(drain_seconds=1)


def exchange(gateway, request: bytes, half_close: bool = False, timeout: float = 10) -> bytes:
    with socket.create_connection((gateway.host, gateway.port), timeout=timeout) as conn:
        conn.sendall(request)
        if half_close:
            conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        return answer


def test_a_complete_request_is_answered(gateway):
    answer = exchange(gateway, b"GET /latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"hello")
    assert gateway._lambda.calls == 1 and len(gateway.access_log) == 1


@pytest.mark.parametrize("request_bytes", [
    b"GET /latest HTTP/1.1\r\nHost: x\r\n",  # the blank line never comes
    b"GET /latest HTTP/1.1\r\nHost: x",  # nor the end of the last header line
    b"GET /latest HTTP/1.1",  # nor any header
])
def test_headers_cut_off_by_a_hang_up_are_dropped_unanswered_and_uncounted(gateway, request_bytes):
    assert exchange(gateway, request_bytes, half_close=True) == b""
    assert gateway._lambda.calls == 0 and len(gateway.access_log) == 0


def test_stop_answers_the_requests_in_flight_before_it_returns(gateway):
    gateway._lambda.delay = 1.0
    answers: list[bytes] = []
    caller = threading.Thread(target=lambda: answers.append(
        exchange(gateway, b"GET /latest HTTP/1.1\r\nHost: x\r\n\r\n")))
    caller.start()
    assert gateway._lambda.started.wait(5)
    gateway.stop(drain_seconds=10)
    caller.join(5)
    assert len(answers) == 1, "stop() returned before the request in flight was answered"
    assert answers[0].startswith(b"HTTP/1.1 200") and answers[0].endswith(b"hello")
    assert b"Connection: close" in answers[0]
    with pytest.raises(OSError):
        socket.create_connection((gateway.host, gateway.port), timeout=2).close()


def test_stop_gives_up_on_a_request_that_outlasts_the_drain(gateway, caplog):
    gateway._lambda.delay = 3.0
    threading.Thread(target=exchange, args=(gateway, b"GET /latest HTTP/1.1\r\nHost: x\r\n\r\n"), daemon=True).start()
    assert gateway._lambda.started.wait(5)
    began = time.monotonic()
    gateway.stop(drain_seconds=0.5)
    assert time.monotonic() - began < 2.5
    assert "1 requests unanswered" in caplog.text


def test_an_http_0_9_request_line_is_refused_at_once(gateway):
    # No headers follow a request line without a version: the answer must not wait for them.
    answer = exchange(gateway, b"GET /latest\r\n", timeout=5)
    assert answer.startswith(b"HTTP/1.1 400") and answer.endswith(b'{"message": "Bad Request"}')
    assert b"Connection: close" in answer
    assert gateway._lambda.calls == 0 and len(gateway.access_log) == 0


@pytest.mark.parametrize("request_bytes", [
    b"GET /latest HTTP/1.1\r\nConnection: close\r\n\r\n",  # RFC 9112 3.2: HTTP/1.1 requires a Host
    b"GET /latest HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: close\r\n\r\n",  # and only one
    b"GET /latest HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n",
])
def test_a_missing_or_repeated_host_is_refused_before_the_proxy(gateway, request_bytes):
    answer = exchange(gateway, request_bytes)
    assert answer.startswith(b"HTTP/1.1 400") and answer.endswith(b'{"message": "Bad Request"}')
    assert b"Connection: close" in answer
    assert gateway._lambda.calls == 0 and len(gateway.access_log) == 0


def test_http_1_0_needs_no_host(gateway):
    answer = exchange(gateway, b"GET /latest HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"hello")


def chunked(body: bytes, version: bytes = b"HTTP/1.1", extra: bytes = b"") -> bytes:
    return b"POST /latest " + version + b"\r\nHost: x\r\n" + extra + b"Connection: close\r\n\r\n" + body


def test_a_chunked_body_is_decoded_and_the_next_request_on_the_connection_answered(gateway):
    first = b"GET /latest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    answer = exchange(gateway, first + b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.count(b"HTTP/1.1 200") == 2 and b"HTTP/1.1 400" not in answer
    assert [event["rawPath"] for event in gateway._lambda.events] == ["/latest", "/nope"]
    body = b"4;name=value\r\nwiki\r\n5 ; a=\"b;c\"\r\npedia\r\n0\r\nChecksum: x\r\nMore: y\r\n\r\n"
    answer = exchange(gateway, chunked(body, extra=b"Transfer-Encoding: Chunked\r\n"))
    assert answer.startswith(b"HTTP/1.1 200")
    assert base64.b64decode(gateway._lambda.events[-1]["body"]) == b"wikipedia"


@pytest.mark.parametrize("body", [
    b"x\r\n",  # not a size
    b"0x3\r\nabc\r\n0\r\n\r\n",
    b"+3\r\nabc\r\n0\r\n\r\n",
    b"1_0\r\n0123456789\r\n0\r\n\r\n",
    b" 3\r\nabc\r\n0\r\n\r\n",
    b"3 \r\nabc\r\n0\r\n\r\n",  # white space only before an extension
    b"3\nabc\r\n0\r\n\r\n",  # a size line must end in CRLF
    b"3;a\rb\r\nabc\r\n0\r\n\r\n",
    b"3\r\nabcd\r\n0\r\n\r\n",  # data longer than its size
    b"3\r\nab",  # cut off in the data
    b"3\r\nabc",  # or before its CRLF
    b"3\r\nabc\r\n",  # or before the last chunk
    b"0\r\n",  # or in the trailers
    b"0\r\nTrailer: x\n\r\n",
])
def test_malformed_chunking_is_400_and_closes(gateway, body):
    answer = exchange(gateway, chunked(body, extra=b"Transfer-Encoding: chunked\r\n"), half_close=True)
    assert answer.startswith(b"HTTP/1.1 400") and b"Connection: close" in answer
    assert gateway._lambda.calls == 0


def test_a_chunked_body_over_1_mb_is_413(gateway):
    body = b"80000\r\n" + b"a" * 0x80000 + b"\r\n" + b"80001\r\n"  # refused on the size line, before its data
    answer = exchange(gateway, chunked(body, extra=b"Transfer-Encoding: chunked\r\n"))
    assert answer.startswith(b"HTTP/1.1 413") and b"Connection: close" in answer
    assert gateway._lambda.calls == 0


@pytest.mark.parametrize(("version", "headers", "status"), [
    # RFC 9112 6.3: Content-Length with Transfer-Encoding could be framed either way (smuggling)
    (b"HTTP/1.1", b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400),
    (b"HTTP/1.1", b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400),
    # 6.3: when chunked is not the last coding the length cannot be known
    (b"HTTP/1.1", b"Transfer-Encoding: gzip\r\n", 400),
    (b"HTTP/1.1", b"Transfer-Encoding: chunked, gzip\r\n", 400),
    (b"HTTP/1.1", b"Transfer-Encoding: identity\r\n", 400),
    (b"HTTP/1.1", b"Transfer-Encoding: \r\n", 400),
    # 7: chunked is applied once
    (b"HTTP/1.1", b"Transfer-Encoding: chunked, chunked\r\n", 400),
    (b"HTTP/1.1", b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400),
    # 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing
    (b"HTTP/1.0", b"Transfer-Encoding: chunked\r\n", 400),
    # 6.1: a coding the server does not decode is 501
    (b"HTTP/1.1", b"Transfer-Encoding: gzip, chunked\r\n", 501),
    (b"HTTP/1.1", b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", 501),
])
def test_transfer_encodings_other_than_chunked_alone_are_refused(gateway, version, headers, status):
    answer = exchange(gateway, chunked(b"5\r\nhello\r\n0\r\n\r\n", version, headers))
    assert answer.startswith(b"HTTP/1.1 %d" % status) and b"Connection: close" in answer
    assert answer.endswith(b"}") and gateway._lambda.calls == 0


@pytest.mark.parametrize("headers", [
    b"Content-Length: +5\r\n",  # RFC 9112 8.6: digits only, where int() also takes a sign,
    b"Content-Length: 0_5\r\n",  # underscores
    b"Content-Length: \xb3\r\n",  # and other scripts' digits
    b"Content-Length: 5\r\nContent-Length: 6\r\n",  # 6.3: two lengths cannot both be right
    b"Content-Length: 5, 6\r\n",
    b"Content-Length: \r\n",
])
def test_a_content_length_that_is_not_one_number_is_400(gateway, headers):
    answer = exchange(gateway, chunked(b"hello", extra=headers))
    assert answer.startswith(b"HTTP/1.1 400") and gateway._lambda.calls == 0


def test_a_body_shorter_than_its_content_length_is_400_and_not_served(gateway):
    answer = exchange(gateway, b"POST /latest HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort", half_close=True)
    assert answer.startswith(b"HTTP/1.1 400") and gateway._lambda.calls == 0


def test_a_content_length_may_repeat_its_value(gateway):
    answer = exchange(gateway, chunked(b"hello", extra=b"Content-Length:  5 \r\nContent-Length: 5\r\n"))
    assert answer.startswith(b"HTTP/1.1 200")
    assert base64.b64decode(gateway._lambda.events[-1]["body"]) == b"hello"


def trickle(gateway, head: bytes, rest: bytes, interval: float) -> tuple[bytes, float]:
    """Send `head`, then `rest` a byte every `interval` seconds; what came back, and when the gateway closed."""
    conn = socket.create_connection((gateway.host, gateway.port), timeout=10)

    def send_slowly():
        with contextlib.suppress(OSError):  # the gateway hangs up part way
            for byte in rest:
                time.sleep(interval)
                conn.sendall(bytes([byte]))

    began = time.monotonic()
    conn.sendall(head)
    threading.Thread(target=send_slowly, daemon=True).start()
    answer = b""
    with conn, contextlib.suppress(ConnectionResetError):
        while chunk := conn.recv(65536):
            answer += chunk
    return answer, time.monotonic() - began


def test_a_request_head_sent_slowly_is_dropped_at_its_deadline(gateway):
    # Each byte comes well within the idle timeout; the head as a whole does not come within its time.
    gateway._server.RequestHandlerClass.request_seconds = 1
    headers = b"Host: x\r\nX-Slow: abc\r\nConnection: close\r\n\r\n"
    answer, closed_after = trickle(gateway, b"GET /latest HTTP/1.1\r\n", headers, 0.2)
    assert answer == b"" and closed_after < 2.5
    assert gateway._lambda.calls == 0 and len(gateway.access_log) == 0


def test_a_request_line_sent_slowly_is_dropped_at_its_deadline(gateway):
    gateway._server.RequestHandlerClass.request_seconds = 1
    answer, closed_after = trickle(gateway, b"G", b"ET /latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0.2)
    assert answer == b"" and closed_after < 2.5 and gateway._lambda.calls == 0


def test_a_chunked_body_sent_slowly_is_dropped_at_the_same_deadline(gateway):
    gateway._server.RequestHandlerClass.request_seconds = 1
    head = b"POST /latest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    answer, closed_after = trickle(gateway, head, b"1\r\na\r\n" * 5 + b"0\r\n\r\n", 0.1)
    assert answer == b"" and closed_after < 2.5 and gateway._lambda.calls == 0


def read_answer(conn) -> bytes:
    """One answer of the stand-in proxy on a kept-alive connection: its headers and body may come apart."""
    answer = b""
    while not answer.endswith(b"hello"):
        chunk = conn.recv(65536)
        assert chunk, f"closed after {answer!r}"
        answer += chunk
    return answer


def test_the_deadline_runs_from_a_request_s_first_byte_not_from_the_idle_wait(gateway):
    gateway._server.RequestHandlerClass.request_seconds = 0.5
    with socket.create_connection((gateway.host, gateway.port), timeout=10) as conn:
        for _ in range(2):
            conn.sendall(b"GET /latest HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_answer(conn).startswith(b"HTTP/1.1 200")
            time.sleep(1)  # idle on the kept-alive connection for longer than a request may take
    assert gateway._lambda.calls == 2


def test_an_idle_kept_alive_connection_is_closed_after_the_idle_timeout(gateway):
    gateway._server.RequestHandlerClass.timeout = 0.5
    with socket.create_connection((gateway.host, gateway.port), timeout=10) as conn:
        conn.sendall(b"GET /latest HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_answer(conn).startswith(b"HTTP/1.1 200")
        began = time.monotonic()
        assert conn.recv(65536) == b""
        assert time.monotonic() - began < 2


@pytest.mark.parametrize("head", [
    b"GET /latest HTTP/0.9\r\nHost: x\r\n\r\n",  # 0.9 spelled out: http.server would answer with no status line
    b"GET /latest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",  # space before the colon
    b"GET /latest HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",  # a folded line
    b"GET /latest HTTP/1.1\r\nHost: x\r\nX-\x00A: 1\r\n\r\n",  # NUL in a name
    b"GET /latest HTTP/1.1\r\nHost: a\rX: y\r\n\r\n",  # a bare CR: one field here, two for http.server
    b"GET /latest HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n",  # a control character in a value
])
def test_header_lines_two_parsers_could_read_differently_are_400(gateway, head):
    answer = exchange(gateway, head, half_close=True)
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400"), answer[:60]
    assert answer.count(b"HTTP/1.") == 1 and gateway._lambda.calls == 0
