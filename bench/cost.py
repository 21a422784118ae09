"""Dollars per million requests, from counted calls, measured durations and bench/prices.json.

Every design is priced by the same rules: a request's calls, each at its list
price, plus Lambda and Express duration at the memory the CDK app sets, with
durations measured on this machine (an assumption: AWS's will differ).
CloudWatch Logs, X-Ray and data transfer are left out of every design alike
(README, "Cost", prices them for this one).
"""

from __future__ import annotations

import importlib.util
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from bench.calls import LOCAL_ONLY
from tickvault.paths import ROOT

PRICES_FILE = Path(__file__).with_name("prices.json")
MILLION = 1_000_000
EXPRESS_MEMORY_MB = 64  # Express bills memory in 64 MB steps; a workflow this small needs one
EXPRESS_STEP_MS = 100  # Express bills duration in 100 ms steps
LAMBDA_STEP_MS = 1  # Lambda bills duration per 1 ms


def cdk_constants():
    """cdk/tickvault_cdk/constants.py, loaded by path: it holds the memory sizes and imports nothing heavy."""
    path = ROOT / "cdk" / "tickvault_cdk" / "constants.py"
    spec = importlib.util.spec_from_file_location("_tickvault_cdk_constants", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def memory_mb(function: str) -> int:
    """Memory the CDK app gives a task function (`proxy`, `decrypt`, `seal`, ...)."""
    constants = cdk_constants()
    return {"proxy": constants.PROXY_MEMORY_MB, "decrypt": constants.DECRYPT_MEMORY_MB}.get(
        function, constants.TASK_MEMORY_MB
    )


class Prices:
    def __init__(self, path: Path = PRICES_FILE):
        document = json.loads(path.read_text())
        self.note: str = document["note"]
        self.items: dict[str, dict] = document["prices"]

    def unit(self, name: str) -> float:
        """Dollars for one unit (one request, one GB-second, ...)."""
        item = self.items[name]
        return item["usd"] / item["per"]


# What each counted SDK call is billed as: (price, units per call). DynamoDB items here are under
# 1 KB: a write is 1 WRU (a refused conditional write too); an eventually consistent read 0.5 RRU.
CALL_PRICES: dict[str, tuple[str, float]] = {
    "dynamodb:UpdateItem": ("dynamodb_write_unit", 1.0),
    "dynamodb:PutItem": ("dynamodb_write_unit", 1.0),
    "dynamodb:GetItem": ("dynamodb_read_unit", 0.5),
    "s3:GetObject": ("s3_get", 1.0),
    "s3:HeadObject": ("s3_get", 1.0),
    "s3:PutObject": ("s3_put", 1.0),
    "s3:ListObjectsV2": ("s3_put", 1.0),
    "kms:Decrypt": ("kms_request", 1.0),
    "kms:GenerateDataKey": ("kms_request", 1.0),
    "kms:Encrypt": ("kms_request", 1.0),
    "stepfunctions:StartSyncExecution": ("express_request", 1.0),
}


@dataclass
class Bill:
    """One design's price for one request, line by line."""

    lines: list[tuple[str, float]] = field(default_factory=list)  # (what, dollars per request)

    def add(self, what: str, dollars: float) -> None:
        self.lines.append((what, dollars))

    @property
    def per_million(self) -> float:
        return sum(d for _, d in self.lines) * MILLION

    def breakdown(self) -> str:
        return "; ".join(f"{what} {d * MILLION:.2f}" for what, d in self.lines if d)


def lambda_duration(prices: Prices, function: str, ms: float) -> tuple[str, float]:
    billed_ms = math.ceil(ms / LAMBDA_STEP_MS) * LAMBDA_STEP_MS
    mb = memory_mb(function)
    dollars = billed_ms / 1000 * mb / 1024 * prices.unit("lambda_arm_gb_second")
    return f"{function} {mb} MB x {billed_ms:.0f} ms", dollars


def express_duration(prices: Prices, ms: float) -> tuple[str, float]:
    billed_ms = max(1, math.ceil(ms / EXPRESS_STEP_MS)) * EXPRESS_STEP_MS
    dollars = billed_ms / 1000 * EXPRESS_MEMORY_MB / 1024 * prices.unit("express_gb_second")
    return f"Express {EXPRESS_MEMORY_MB} MB x {billed_ms} ms", dollars


def from_calls(prices: Prices, calls: dict[str, float], lambda_ms: dict[str, float], express_ms: float | None) -> Bill:
    """This design: the HTTP API request, then every counted call at its price, then durations.

    `calls` maps "service:Operation" (Lambda as "lambda:Invoke (tickvault-proxy)") to calls per request.
    """
    bill = Bill()
    bill.add("HTTP API 1", prices.unit("http_api_request"))
    invokes = sum(n for name, n in calls.items() if name.startswith("lambda:Invoke"))
    if invokes:
        bill.add(f"Lambda requests {invokes:g}", invokes * prices.unit("lambda_request"))
    for name, count in sorted(calls.items()):
        if name.startswith(("lambda:Invoke", LOCAL_ONLY)) or not count:
            continue
        price, units = CALL_PRICES.get(name, (None, 0.0))
        if price is None:
            bill.add(f"{name} x{count:g} UNPRICED", 0.0)
            continue
        label = name.split(":", 1)[1] if name.startswith("stepfunctions:") else name
        bill.add(f"{label} {count:g}", count * units * prices.unit(price))
    for function, ms in sorted(lambda_ms.items()):
        bill.add(*lambda_duration(prices, function, ms))
    if express_ms is not None and calls.get("stepfunctions:StartSyncExecution"):
        bill.add(*express_duration(prices, express_ms))
    return bill


def plain(prices: Prices, served: bool, lambda_ms: float) -> Bill:
    """The seed's plain design: one Lambda doing a DynamoDB write, an S3 GET and a KMS Decrypt per request.

    A refused request stops after the (failed, still billed) conditional write.
    """
    bill = Bill()
    bill.add("HTTP API 1", prices.unit("http_api_request"))
    bill.add("Lambda requests 1", prices.unit("lambda_request"))
    bill.add("DynamoDB write 1", prices.unit("dynamodb_write_unit"))
    if served:
        bill.add("S3 GET 1", prices.unit("s3_get"))
        bill.add("KMS Decrypt 1", prices.unit("kms_request"))
    bill.add(*lambda_duration(prices, "plain", lambda_ms))
    return bill


def waf(prices: Prices, served: bool, origin_ms: float | None) -> Bill:
    """CloudFront with a WAF rate-based rule in front of a Lambda function URL.

    Served, `origin_ms` given: every request reaches the origin (a Lambda that reads the
    pointer, 0.5 RRU, and answers from its decrypt cache). `origin_ms` None: CloudFront
    caches the file for its period, so origin requests per million are negligible.
    Refused: CloudFront and WAF bill the blocked request; nothing else runs.
    """
    bill = Bill()
    bill.add("CloudFront 1", prices.unit("cloudfront_https_request"))
    bill.add("WAF 1", prices.unit("waf_request"))
    if served and origin_ms is not None:
        bill.add("Lambda requests 1", prices.unit("lambda_request"))
        bill.add("DynamoDB read 0.5", 0.5 * prices.unit("dynamodb_read_unit"))
        bill.add(*lambda_duration(prices, "origin", origin_ms))
    return bill


def standard_month(prices: Prices, transitions_per_tick: float, ticks_per_month: float) -> float:
    return transitions_per_tick * ticks_per_month * prices.unit("standard_transition")
