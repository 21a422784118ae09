"""The frame every task handler shares: schema checks on the way in and out,
the correlation id on every log line, and errors that keep their names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from tasks.shared.errors import InvalidInputError, InvalidOutputError, TickvaultError
from tasks.shared.observability import invocation, logger
from tasks.shared.validation import check

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def task(name: str) -> Callable[[Callable[[dict[str, Any]], dict[str, Any]]], Handler]:
    """Wrap `work(event) -> result` as a Lambda handler checked against
    `schemas/<name>.input.schema.json` and `schemas/<name>.output.schema.json`."""

    def decorate(work: Callable[[dict[str, Any]], dict[str, Any]]) -> Handler:
        @functools.wraps(work)
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            correlation_id = event.get("execution") if isinstance(event, dict) else None
            with invocation(name, correlation_id):
                try:
                    check(event, f"{name}.input", InvalidInputError)
                    result = work(event)
                    check(result, f"{name}.output", InvalidOutputError)
                except TickvaultError as exc:
                    logger.error("task failed", error=type(exc).__name__, reason=str(exc))
                    raise
                except Exception:
                    logger.exception("task failed unexpectedly")
                    raise
                logger.info("task done")
                return result

        return handler

    return decorate
