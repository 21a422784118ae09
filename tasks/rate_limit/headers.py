"""The IETF httpapi rate-limit header fields (draft 09 syntax)."""

from __future__ import annotations

POLICY_NAME = "per-ip"


def policy(limit: int, window_seconds: int) -> str:
    return f'"{POLICY_NAME}";q={limit};w={window_seconds}'


def remaining(left: int, reset_seconds: int) -> str:
    return f'"{POLICY_NAME}";r={max(0, left)};t={max(0, reset_seconds)}'
