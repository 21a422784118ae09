"""The custom metrics, in CloudWatch embedded metric format (EMF) through
Powertools. The names are used by the tasks, the CDK alarms and dashboard,
and the local alarm evaluator; no IP address is ever a dimension."""

from __future__ import annotations

import os
import threading

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "tickvault"
SERVED = "Served"
RATE_LIMITED = "RateLimited"
GENERATION_SUCCEEDED = "GenerationSucceeded"
GENERATION_FAILED = "GenerationFailed"
FILE_AGE_SECONDS = "FileAgeSeconds"
ALL = (SERVED, RATE_LIMITED, GENERATION_SUCCEEDED, GENERATION_FAILED, FILE_AGE_SECONDS)

# Powertools adds the service name (POWERTOOLS_SERVICE_NAME) as the one dimension.
SERVICE_DIMENSION = "service"
NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"

_UNITS = {FILE_AGE_SECONDS: MetricUnit.Seconds}
SERVICE_ENV = "POWERTOOLS_SERVICE_NAME"
_metrics = Metrics(namespace=NAMESPACE)
# Powertools keeps metrics in one shared set until flushed. On Lambda one
# invocation runs at a time; the local stack runs several in threads, so
# adding and flushing happen together under a lock.
_lock = threading.Lock()


def emit(**values: float) -> None:
    """Write one EMF record with these metrics, e.g. `emit(Served=1, FileAgeSeconds=42)`."""
    with _lock:
        # The dimension comes from the function's environment at each call, not from whenever this module
        # was first imported (locally several functions share one process).
        _metrics.service = os.environ.get(SERVICE_ENV) or NAMESPACE
        for name, value in values.items():
            _metrics.add_metric(name=name, unit=_UNITS.get(name, MetricUnit.Count), value=value)
        _metrics.flush_metrics()
