"""The tasks' logger: Powertools structured JSON, one object per line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools import Logger

logger = Logger(service="tickvault")


@contextmanager
def invocation(task: str, correlation_id: str | None) -> Iterator[None]:
    """Tag every line of one invocation with the task and the correlation id.

    The tags live in the running thread's context, not on the shared logger:
    on Lambda each function has its own process, but locally every task runs
    in one process, several at once, and shared tags would be taken by
    whichever invocation set them last. A task that runs inside another's
    invocation on the same thread gets the caller's tags back when it ends.
    """
    previous = logger.thread_safe_get_current_keys().copy()
    logger.thread_safe_append_keys(task=task, correlation_id=correlation_id)
    try:
        yield
    finally:
        logger.thread_safe_remove_keys(["task", "correlation_id"])
        restored = {name: previous[name] for name in ("task", "correlation_id") if name in previous}
        if restored:
            logger.thread_safe_append_keys(**restored)
