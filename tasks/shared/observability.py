"""The tasks' logger: Powertools structured JSON, one object per line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools import Logger

logger = Logger(service="tickvault")


@contextmanager
def invocation(task: str, correlation_id: str | None) -> Iterator[None]:
    """Tag every line of one invocation with the task and the correlation id.

    On Lambda each function has its own process; locally all tasks share this
    logger, so the tags are removed again when the invocation ends.
    """
    tags = ("task", "correlation_id")
    previous = {name: value for name, value in logger.get_current_keys().items() if name in tags}
    logger.set_correlation_id(correlation_id)
    logger.append_keys(task=task)
    try:
        yield
    finally:  # restore the caller's tags: locally a task can run inside another's invocation
        logger.remove_keys(list(tags))
        logger.append_keys(**previous)
