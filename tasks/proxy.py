"""The HTTP proxy: an HTTP API payload 2.0 event in, one synchronous run of
the serve workflow, an HTTP response out.

It exists so that callers never see Step Functions' own envelope (ARNs,
input, status 200 for everything). Rules it keeps:
- the caller is counted by `requestContext.http.sourceIp` only, never by a
  forwarding header a client can set;
- StartSyncExecution is never retried: a retry after a read timeout would
  start a second execution and count the caller twice;
- the read timeout is longer than the workflow's own timeout, and shorter than
  this function's, so a slow dependency ends in a clean 503/504 from here;
- nothing from Step Functions (ARNs, errors, causes) reaches the caller.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

from tasks.http import conditional
from tasks.http.responses import ALLOWED_METHODS, TEXT_TYPE, http_date, problem, response
from tasks.rate_limit import headers as rate_headers
from tasks.rate_limit.client_key import BadAddressError, client_key
from tasks.rate_limit.window import Window
from tasks.shared import aws, metrics, timekeys
from tasks.shared.observability import invocation, logger
from tasks.shared.settings import (
    IPV6_PREFIX_ENV,
    PERIOD_SECONDS_ENV,
    RATE_LIMIT_ENV,
    SERVE_STATE_MACHINE_ENV,
    WINDOW_SECONDS_ENV,
    require,
    require_int,
)
from tasks.shared.validation import problems

ROUTE = "/latest"
# Nested timeouts: serve workflow (5 s, in its ASL) < this read timeout < the
# proxy function's timeout (set by the CDK app) < the HTTP API's 30 s.
START_SYNC_READ_TIMEOUT_SECONDS = 8
START_SYNC_CONNECT_TIMEOUT_SECONDS = 2
UNAVAILABLE_RETRY_AFTER_SECONDS = 5

_NO_RETRY = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=START_SYNC_CONNECT_TIMEOUT_SECONDS,
    read_timeout=START_SYNC_READ_TIMEOUT_SECONDS,
)


def _sfn():
    return aws.client("stepfunctions", _NO_RETRY)


class Request:
    """The few parts of the event the proxy acts on."""

    def __init__(self, event: dict[str, Any]):
        context = event["requestContext"]
        self.request_id: str = context["requestId"]
        self.method: str = context["http"]["method"]  # methods are case-sensitive: `get` is not GET
        self.source_ip: str = context["http"]["sourceIp"]
        self.path: str = event["rawPath"]
        headers = event.get("headers") or {}
        self.if_none_match: str | None = {k.lower(): v for k, v in headers.items()}.get("if-none-match")

    @property
    def route(self) -> str:
        if self.path != ROUTE:
            return "not_found"
        return "latest" if self.method in ("GET", "HEAD") else "method_not_allowed"

    @property
    def head(self) -> bool:
        return self.method == "HEAD"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    found = problems(event, "proxy.input")
    if found:
        logger.warning("malformed event", problems=found)
        return problem(400, "The request could not be read.", {})
    request = Request(event)
    with invocation("proxy", request.request_id):
        result = _serve(request, time.time())
        bad = problems(result, "proxy.output")
        if bad:  # our bug, never the caller's: log it, answer without detail
            logger.error("response breaks its schema", problems=bad)
            return problem(500, "The response could not be built.", {})
        logger.info("answered", status=result["statusCode"], route=request.route)
        return result


def _serve(request: Request, now: float) -> dict[str, Any]:
    limit, window_seconds = require_int(RATE_LIMIT_ENV), require_int(WINDOW_SECONDS_ENV)
    window = Window.at(now, window_seconds)
    base = {"RateLimit-Policy": rate_headers.policy(limit, window_seconds)}
    try:
        client = client_key(request.source_ip, require_int(IPV6_PREFIX_ENV))
    except BadAddressError:
        logger.warning("unusable source address")
        return problem(400, "The request could not be read.", base, request.head)
    outcome = _run_workflow(request, window, client)
    if outcome is None:
        return _unavailable(request, base)
    if outcome == "timeout":
        return problem(504, "The service took too long; try again shortly.",
                       {**base, "Retry-After": UNAVAILABLE_RETRY_AFTER_SECONDS}, request.head)
    return _answer(request, outcome, now, window, limit, base)


def _run_workflow(request: Request, window: Window, client: str) -> dict[str, Any] | str | None:
    document = {
        "requestId": request.request_id,
        "route": "latest" if request.route == "latest" else "other",
        "counterKey": window.counter_key(client),
        "expiresAt": str(window.expires_at),
    }
    try:
        run = _sfn().start_sync_execution(
            stateMachineArn=require(SERVE_STATE_MACHINE_ENV),
            name=_execution_name(request.request_id),
            input=json.dumps(document),
        )
    except ReadTimeoutError:
        logger.error("serve workflow did not answer in time")
        return "timeout"
    except (ClientError, BotoCoreError, ConnectTimeoutError) as exc:
        logger.error("serve workflow could not be started", error=type(exc).__name__, reason=str(exc))
        return None
    if run["status"] == "TIMED_OUT":
        logger.error("serve workflow timed out")
        return "timeout"
    if run["status"] != "SUCCEEDED":
        logger.error("serve workflow failed", status=run["status"], error=run.get("error"), cause=run.get("cause"))
        return None
    try:
        output = json.loads(run["output"])
    except (KeyError, TypeError, json.JSONDecodeError):
        output = None
    found = problems(output, "serve.output")
    if found:
        logger.error("serve workflow output breaks its schema", problems=found)
        return None
    if output["outcome"] == "unavailable":
        logger.error("serve workflow: dependency failed", error=output.get("error"))
    return output


def _execution_name(request_id: str) -> str:
    """Execution names allow letters, digits, - and _ (80 at most)."""
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in request_id)
    return cleaned[:80] or "request"


def _answer(request, outcome, now, window, limit, base) -> dict[str, Any]:
    kind = outcome["outcome"]
    hits = (outcome.get("rate") or {}).get("hits")
    headers = dict(base)
    if kind == "limited":
        left = 0
    elif hits is not None:
        left = limit - int(hits)
    else:
        left = None  # the counter store failed and the fail mode is open: the count is unknown
    if left is not None:
        headers["RateLimit"] = rate_headers.remaining(left, window.seconds_left(now))
    if kind == "limited":
        metrics.emit(**{metrics.RATE_LIMITED: 1})
        retry = window.seconds_left(now)
        detail = f"At most {limit} requests per {window.length} seconds per address; try again in {retry} seconds."
        return problem(429, detail, {**headers, "Retry-After": retry}, request.head)
    if kind == "routed":
        if request.route == "method_not_allowed":
            return problem(405, f"{ROUTE} answers GET and HEAD only.", {**headers, "Allow": ALLOWED_METHODS},
                           request.head)
        return problem(404, f"The only resource here is {ROUTE}.", headers, request.head)
    period = require_int(PERIOD_SECONDS_ENV)
    if kind == "no_file":
        to_next_tick = max(1, period - int(now) % period)
        return problem(503, "No file has been made yet.", {**headers, "Retry-After": to_next_tick}, request.head)
    if kind == "unavailable":
        return _unavailable(request, headers)
    made = timekeys.parse_time(outcome["file"]["scheduledTime"]).timestamp()
    metrics.emit(**{metrics.SERVED: 1, metrics.FILE_AGE_SECONDS: max(0, int(now - made))})
    # Fresh until this file's successor is due; a file whose successor is late is not cached at all.
    until_successor = max(0, int(made + period - now))
    return _file_response(request, outcome["file"], made, headers, until_successor)


def _unavailable(request, headers) -> dict[str, Any]:
    return problem(503, "The service is unavailable; try again shortly.",
                   {**headers, "Retry-After": UNAVAILABLE_RETRY_AFTER_SECONDS}, request.head)


def _file_response(request, file, modified, headers, max_age) -> dict[str, Any]:
    tag = conditional.etag(file["sha256"])
    headers = {
        **headers,
        "ETag": tag,
        "Last-Modified": http_date(modified),
        "Cache-Control": f"private, max-age={max_age}",
    }
    if conditional.none_match(request.if_none_match, tag):
        return response(304, headers)
    body = file["body"]
    headers.update({"Content-Type": TEXT_TYPE, "Content-Length": len(body.encode())})
    return response(200, headers, "" if request.head else body)
