"""`If-None-Match` (RFC 9110 13.1.2): weak comparison, `*`, lists of entity tags.
A malformed field matches nothing, so the caller gets the full response."""

from __future__ import annotations

import re

_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(,|$)')


def etag(digest: str) -> str:
    return f'"{digest}"'


def none_match(header: str | None, current: str) -> bool:
    """True when `header` names the current entity tag (so the answer is 304)."""
    if header is None:
        return False
    if header.strip() == "*":
        return True
    tags, position = [], 0
    while position < len(header):
        match = _TAG.match(header, position)
        if match is None:
            return False
        tags.append(match.group(2))
        position = match.end()
    return current.strip('"') in tags
