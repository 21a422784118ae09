"""The custom metrics the tasks emit in CloudWatch embedded metric format (EMF).

The names live with the tasks that emit them (tasks/shared/metrics.py); this
module re-exports them for the CDK app.
"""

from __future__ import annotations

from tasks.shared.metrics import (  # noqa: F401 - re-exported
    ALL,
    FILE_AGE_SECONDS,
    GENERATION_FAILED,
    GENERATION_SUCCEEDED,
    NAMESPACE,
    NAMESPACE_ENV,
    RATE_LIMITED,
    SERVED,
    SERVICE_DIMENSION,
)
