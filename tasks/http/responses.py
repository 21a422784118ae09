"""The proxy's responses in HTTP API payload 2.0 shape: integer status, string
headers, string body. Errors are RFC 9457 problem documents that name no
internal resource."""

from __future__ import annotations

import json
from email.utils import formatdate
from typing import Any

PROBLEM_TYPE = "application/problem+json"
TEXT_TYPE = "text/plain; charset=utf-8"
ALLOWED_METHODS = "GET, HEAD"

_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def http_date(epoch_seconds: float) -> str:
    return formatdate(epoch_seconds, usegmt=True)


def response(status: int, headers: dict[str, Any], body: str = "") -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {name: str(value) for name, value in headers.items()},
        "body": body,
        "isBase64Encoded": False,
    }


def problem(status: int, detail: str, headers: dict[str, Any], head: bool = False) -> dict[str, Any]:
    document = {"type": "about:blank", "title": _TITLES[status], "status": status, "detail": detail}
    body = json.dumps(document)
    all_headers = {
        **headers,
        "Content-Type": PROBLEM_TYPE,
        "Cache-Control": "no-store",
        "Content-Length": len(body.encode()),
    }
    return response(status, all_headers, "" if head else body)
