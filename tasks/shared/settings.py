"""Environment variables the tasks read, each named once here."""

from __future__ import annotations

import os

from tasks.shared.errors import ConfigurationError

BUCKET_ENV = "TICKVAULT_BUCKET"
TABLE_ENV = "TICKVAULT_TABLE"
KEY_ID_ENV = "TICKVAULT_KEY_ID"
PERIOD_SECONDS_ENV = "TICKVAULT_PERIOD_SECONDS"


def require(name: str) -> str:
    """The value of environment variable `name`; a clear error when it is unset or empty."""
    value = os.environ.get(name, "")
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set")
    return value


def require_int(name: str) -> int:
    """`require`, parsed as a positive integer."""
    raw = require(name)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"environment variable {name} must be an integer, got {raw!r}") from None
    if value < 1:
        raise ConfigurationError(f"environment variable {name} must be at least 1, got {value}")
    return value

# The HTTP proxy's settings.
SERVE_STATE_MACHINE_ENV = "TICKVAULT_SERVE_STATE_MACHINE_ARN"
RATE_LIMIT_ENV = "TICKVAULT_RATE_LIMIT"
WINDOW_SECONDS_ENV = "TICKVAULT_WINDOW_SECONDS"
IPV6_PREFIX_ENV = "TICKVAULT_IPV6_PREFIX_LENGTH"
