"""What CloudWatch Logs does with an EMF line, for the local stack: turn it
into metric data in the emulator's CloudWatch.

Powertools writes each EMF record with `print` in its CloudWatch EMF provider
module. The local stack gives that one module a `print` of its own (the
module's globals shadow the builtin), which forwards EMF records to the
emulator and writes nothing else. A test fails loudly if Powertools stops
writing EMF that way.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.metrics.provider.cloudwatch_emf import cloudwatch as emf_provider

log = logging.getLogger("local.emf")
SEAM_TEXT = "print(json.dumps(metrics, separators="


class SeamMovedError(RuntimeError):
    """Powertools no longer writes EMF where this module listens."""


def check_seam() -> None:
    import inspect

    if SEAM_TEXT not in inspect.getsource(emf_provider):
        raise SeamMovedError("Powertools' EMF provider no longer prints its records; re-check tickvault/local/emf.py")


def to_metric_data(record: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(namespace, MetricData) for one EMF record."""
    meta = record["_aws"]
    timestamp = datetime.fromtimestamp(meta["Timestamp"] / 1000, UTC)
    data: list[dict[str, Any]] = []
    namespace = ""
    for directive in meta["CloudWatchMetrics"]:
        namespace = directive["Namespace"]
        dimensions = [{"Name": name, "Value": str(record[name])} for group in directive["Dimensions"] for name in group]
        for metric in directive["Metrics"]:
            values = record[metric["Name"]]
            for value in values if isinstance(values, list) else [values]:
                data.append({
                    "MetricName": metric["Name"],
                    "Dimensions": dimensions,
                    "Value": float(value),
                    "Unit": metric.get("Unit", "None"),
                    "Timestamp": timestamp,
                })
    return namespace, data


class EmfSink:
    def __init__(self, endpoint: str, region: str):
        self._cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint, region_name=region)

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        text = " ".join(str(a) for a in args)
        try:
            record = json.loads(text)
            namespace, data = to_metric_data(record)
        except (ValueError, KeyError, TypeError):
            log.warning("not an EMF record: %.200s", text)
            return
        try:
            self._cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)
        except Exception as exc:  # a metric lost locally must not fail the request
            log.warning("could not record metrics: %s", exc)


def install(endpoint: str, region: str) -> None:
    check_seam()
    emf_provider.print = EmfSink(endpoint, region)
