"""boto3 clients for the tasks, and the rule that tells a transient fault from a final one."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionError as BotoConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
)

from tasks.shared.errors import TransientError

# The SDK retries throttling and 5xx itself (standard mode, with jitter); what
# still fails after that is raised as TransientError for the workflow's Retry.
_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=2,
    read_timeout=5,
)

_TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "KMSInternalException",
        "KeyUnavailableException",
        "DependencyTimeoutException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


@functools.cache
def client(service: str, config: Config | None = None):
    """One client per service (and config), kept for the life of the (warm) process."""
    settings = (config or _CLIENT_CONFIG).merge(
        # An endpoint override (the local emulator) has no "sync-" host for StartSyncExecution.
        Config(inject_host_prefix=not os.environ.get("AWS_ENDPOINT_URL"))
    )
    return boto3.client(service, config=settings)


def is_transient(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return error.get("Code") in _TRANSIENT_CODES or status >= 500


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_summary(exc: ClientError) -> str:
    """`Code: message` in one line: the message's first line, cut short (an endpoint that is not AWS
    may answer with a whole HTML page)."""
    message = str(exc.response.get("Error", {}).get("Message") or "").strip()
    return f"{error_code(exc)}: {(message.splitlines() or [''])[0][:200]}"


@contextmanager
def transient_faults(operation: str) -> Iterator[None]:
    """Re-raise throttling, 5xx and network faults of `operation` as TransientError."""
    try:
        yield
    except ClientError as exc:
        if is_transient(exc):
            raise TransientError(f"{operation} failed: {error_code(exc)}") from exc
        raise
    except (BotoConnectionError, ConnectTimeoutError, ReadTimeoutError) as exc:
        raise TransientError(f"{operation} failed: {type(exc).__name__}") from exc
