"""Builders of HTTP API payload 2.0 events for the proxy's tests."""

from __future__ import annotations

import uuid


def http_event(path="/latest", method="GET", source_ip="203.0.113.7", headers=None) -> dict:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers or {},
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "timeEpoch": 0,
            "http": {"method": method, "path": path, "sourceIp": source_ip, "protocol": "HTTP/1.1"},
        },
        "isBase64Encoded": False,
    }
