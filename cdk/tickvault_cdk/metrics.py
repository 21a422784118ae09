"""The custom metrics the tasks emit in CloudWatch embedded metric format (EMF)."""

from __future__ import annotations

NAMESPACE = "tickvault"
SERVED = "Served"
RATE_LIMITED = "RateLimited"
GENERATION_SUCCEEDED = "GenerationSucceeded"
GENERATION_FAILED = "GenerationFailed"
FILE_AGE_SECONDS = "FileAgeSeconds"
ALL = (SERVED, RATE_LIMITED, GENERATION_SUCCEEDED, GENERATION_FAILED, FILE_AGE_SECONDS)

# Powertools Metrics adds the service name as the one default dimension.
SERVICE_DIMENSION = "service"
NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"
