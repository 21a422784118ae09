"""A local stand-in for the HTTP API: each real HTTP request on 127.0.0.1
becomes an API Gateway payload 2.0 event for the proxy function, and the
proxy's answer is written back.

Like the HTTP API's `$default` route, every path and method reaches the proxy,
which answers 404 and 405 itself. Like API Gateway, the gateway refuses on its
own what never reaches an integration: request headers over 10 KB (431),
bodies over 1 MB here (413), HTTP/0.9, HTTP/1.1 without Host, and header
lines or bodies that two parsers could read differently (400; 501 for a
transfer coding other than chunked; see http_framing.py). A request whose headers never end (the client
closes before the blank line), or that is not all in 30 s after its first
byte, is dropped unanswered and uncounted. On stop it takes no new connection
and lets the requests in flight finish first.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import io
import json
import logging
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

import boto3
from botocore.config import Config

from tickvault.local.addresses import FamilyServer, http_url
from tickvault.local.http_framing import (MAX_HEADER_BYTES, ClockedReads, EndWatch, Refused, malformed_fields,
                                          read_body)

log = logging.getLogger("local.gateway")

INTEGRATION_TIMEOUT_SECONDS = 30  # the HTTP API's own upper bound
MAX_IN_FLIGHT = 4  # proxy invocations running at once; more wait their turn
QUEUE_TIMEOUT_SECONDS = 120
IDLE_TIMEOUT_SECONDS = 30
REQUEST_READ_SECONDS = 30  # the whole request, head and body, from its first byte
ACCESS_LOG_KEEP = 20000
DRAIN_SECONDS = 10  # how long stop() waits for requests in flight


def build_event(method: str, target: str, headers: list[tuple[str, str]], peer: str, body: bytes) -> dict:
    """The payload 2.0 event API Gateway would send for this request."""
    raw_path, _, raw_query = target.partition("?")
    merged: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    cookies = [c.strip() for c in merged.pop("cookie", "").split(";") if c.strip()]
    now = datetime.now(UTC)
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": merged,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": merged.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": peer,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": bool(body),
    }
    if cookies:
        event["cookies"] = cookies
    if raw_query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
    if body:
        event["body"] = base64.b64encode(body).decode("ascii")
    return event


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS  # a kept-alive connection with no request for this long is closed
    request_seconds = REQUEST_READ_SECONDS  # a request not all in by then is dropped unanswered
    server_version = "tickvault-local-gateway"
    gateway: Gateway  # set on the subclass the Gateway makes

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        log.debug("%s %r", self.client_address[0], format % args)  # repr: the request line is the client's

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # replaced by one that keeps the request's deadline
        self._reads = ClockedReads(self.connection, "rb")
        self.rfile = EndWatch(io.BufferedReader(self._reads))

    def handle_one_request(self) -> None:
        # Waiting for a request is the keep-alive idle timeout's; from its first byte the request
        # (line, headers and body: a chunked body can be trickled too) has request_seconds. Past
        # that it is dropped unanswered and uncounted, as http.server does on its own read timeout,
        # rather than answered 408: such a client has stalled or is holding connections on purpose.
        self._reads.deadline = None
        try:
            if not self.rfile.peek(1):  # the client closed the connection
                self.close_connection = True
                return
        except TimeoutError:
            self.close_connection = True
            return
        self._reads.deadline = time.monotonic() + self.request_seconds
        self.rfile.bare_cr = False  # a chunked body's trailers may have set it for the request before
        super().handle_one_request()

    def _handle(self) -> None:
        header_bytes = sum(len(k) + len(v) + 4 for k, v in self.headers.items())
        if header_bytes > MAX_HEADER_BYTES:
            self.send_error(431)
            return
        # RFC 9112 3.2: an HTTP/1.1 request without a Host, or any request with two, is a 400.
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1 or (not hosts and self.request_version >= "HTTP/1.1"):
            self.send_error(400)
            return
        try:
            body = read_body(self.headers, self.request_version, self.rfile)
        except Refused as refusal:
            self.send_error(refusal.status)
            return
        # The target exactly as sent: http.server folds a leading "//" in self.path, API Gateway does not.
        parts = self.requestline.split(" ")
        target = parts[1] if len(parts) == 3 else self.path
        event = build_event(self.command, target, list(self.headers.items()), self.client_address[0], body)
        with self.gateway.in_flight():
            status, headers, payload = self.gateway.invoke(event)
            if self.gateway.stopping:  # no further request on this connection
                self.close_connection = True
                headers = {**headers, "Connection": "close"}
            self._send(status, headers, payload)

    def __getattr__(self, name: str):
        # Every method reaches the proxy (which answers 405), as with a `$default` route.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def version_string(self) -> str:
        return "tickvault-local"

    def parse_request(self) -> bool:
        # A request line without a version is HTTP/0.9, which API Gateway does not speak. It has no
        # headers, so refuse it before http.server waits for them (until the timeout). Split as it does.
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        if len(line.split()) == 2:
            self.command, self.requestline, self.request_version = None, line, self.default_request_version
            self.send_error(400)
            return False
        if not super().parse_request():
            return False
        # "HTTP/0.9" spelled out, and header lines two parsers could read differently.
        if self.request_version < "HTTP/1.0" or self.rfile.bare_cr or malformed_fields(self.headers):
            self.send_error(400)
            return False
        if self.rfile.ended:  # the client hung up inside its headers: nothing to answer, nothing to count
            log.debug("client %s closed before its headers ended", self.client_address[0])
            self.close_connection = True
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The gateway's refusals, its own and http.server's (bad request line, too long, bad version),
        as JSON like API Gateway's; the connection is closed after them."""
        self.close_connection = True
        if self.request_version < "HTTP/1.0":  # a 0.9 request (or an unparsable line) gets a status line anyway
            self.request_version = "HTTP/1.0"
        phrase = self.responses.get(code, ("Error",))[0]
        try:
            self._send(code, {"Content-Type": "application/json", "Connection": "close"},
                       json.dumps({"message": phrase}))
        except OSError:
            pass

    def _send(self, status: int, headers: dict[str, str], body: str) -> None:
        data = body.encode("utf-8")
        # A 304 has no body, and a Content-Length on it would have to be the 200's (RFC 9110, 8.6): send none.
        bodiless = status == 304
        self.send_response(status)
        for name, value in headers.items():
            if not (bodiless and name.lower() == "content-length"):
                self.send_header(name, value)
        if not bodiless and "content-length" not in {k.lower() for k in headers}:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and not bodiless:
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                log.debug("client %s went away before the answer", self.client_address[0])
                self.close_connection = True


class _Server(FamilyServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default of 5 drops connections in a burst

    def handle_error(self, request, client_address) -> None:
        """A client hanging up is normal; anything else is logged once, without a trace on stderr."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionResetError, BrokenPipeError, TimeoutError)):
            log.debug("client %s went away: %s", client_address[0], type(error).__name__)
        else:
            log.error("request from %s failed: %r", client_address[0], error)


class Gateway:
    def __init__(
        self,
        endpoint: str,
        region: str,
        proxy_function: str,
        host: str = "127.0.0.1",
        port: int = 8080,
        max_in_flight: int = MAX_IN_FLIGHT,
    ):
        # moto's interpreter does a few executions a second on two cores. Letting a burst of 100
        # requests in at once would push every execution past its own timeouts; queueing here
        # instead plays the part of Lambda's concurrency, which AWS scales far beyond this.
        self._slots = threading.BoundedSemaphore(max_in_flight)
        # The stage's access log (what Contributor Insights reads on AWS), kept in memory here.
        self.access_log: collections.deque[dict] = collections.deque(maxlen=ACCESS_LOG_KEEP)
        self._lambda = boto3.client(
            "lambda",
            endpoint_url=endpoint,
            region_name=region,
            config=Config(
                retries={"total_max_attempts": 1},
                read_timeout=INTEGRATION_TIMEOUT_SECONDS,
                max_pool_connections=64,
            ),
        )
        self.proxy_function = proxy_function
        self.stopping = False
        self._in_flight = 0
        self._idle = threading.Condition()
        handler = type("GatewayHandler", (_Handler,), {"gateway": self})
        self._server = _Server((host, port), handler)
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return http_url(self.host, self.port)

    def start(self) -> Gateway:
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self, drain_seconds: float = DRAIN_SECONDS) -> None:
        """Take no new connection, let the requests in flight be answered, then close."""
        self.stopping = True
        self._server.shutdown()
        self._server.server_close()
        with self._idle:
            drained = self._idle.wait_for(lambda: self._in_flight == 0, timeout=drain_seconds)
        if not drained:
            log.warning("stopped with %d requests unanswered after %ss", self._in_flight, drain_seconds)

    @contextlib.contextmanager
    def in_flight(self):
        """Mark one request between its parsing and its answer's last byte, for stop() to wait on."""
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def invoke(self, event: dict) -> tuple[int, dict[str, str], str]:
        """Call the proxy and write one access-log record, as the HTTP API stage does."""
        began = time.monotonic()
        result = self._invoke(event)
        context = event["requestContext"]
        self.access_log.append({
            "requestTime": context["timeEpoch"] / 1000,
            "requestId": context["requestId"],
            "sourceIp": context["http"]["sourceIp"],
            "method": context["http"]["method"],
            "path": event["rawPath"][:200],
            "status": result[0],
            "latencyMs": round((time.monotonic() - began) * 1000, 1),
        })
        return result

    def _invoke(self, event: dict) -> tuple[int, dict[str, str], str]:
        """Call the proxy as the HTTP API would; map its failures as API Gateway does."""
        began = time.monotonic()
        if not self._slots.acquire(timeout=QUEUE_TIMEOUT_SECONDS):
            log.error("request waited %ss for a free slot", QUEUE_TIMEOUT_SECONDS)
            return 503, {"Content-Type": "application/json"}, json.dumps({"message": "Service Unavailable"})
        try:
            answer = self._lambda.invoke(FunctionName=self.proxy_function, Payload=json.dumps(event))
            payload = json.loads(answer["Payload"].read())
        except Exception as exc:  # the integration failed: API Gateway answers 503 without detail
            log.error("proxy invocation failed: %s", type(exc).__name__)
            return 503, {"Content-Type": "application/json"}, json.dumps({"message": "Service Unavailable"})
        finally:
            self._slots.release()
        if answer.get("FunctionError") or not isinstance(payload, dict) or "statusCode" not in payload:
            log.error("proxy failed: %s", payload.get("errorType") if isinstance(payload, dict) else "bad payload")
            return 500, {"Content-Type": "application/json"}, json.dumps({"message": "Internal Server Error"})
        log.debug("%r %r -> %s in %.1f ms", event["requestContext"]["http"]["method"], event["rawPath"][:80],
                  payload["statusCode"], (time.monotonic() - began) * 1000)
        return int(payload["statusCode"]), payload.get("headers") or {}, payload.get("body") or ""
