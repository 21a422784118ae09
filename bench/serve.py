"""The request path on the local stack: cold and warm calls per request,
latency and throughput, the refusal path, exactness of the limit, and the
per-request work of the two alternative designs, timed against the emulator."""

from __future__ import annotations

import collections
import os
import statistics
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from bench import load
from bench.calls import CallCounter
from tickvault.config import Config
from tickvault.local.stack import LocalStack

RAISED_LIMIT = 1_000_000  # "nothing is refused"


class Durations:
    """How long each in-process Lambda invocation took, by function: a wrapper around the runtime's seam."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ms: dict[str, list[float]] = collections.defaultdict(list)

    def install(self) -> None:
        from moto.awslambda.models import LambdaFunction

        inner = LambdaFunction._invoke_lambda
        durations = self

        def _invoke_lambda(self, event=None):  # same parameters as the seam it wraps
            began = time.perf_counter()
            try:
                return inner(self, event)
            finally:
                with durations._lock:
                    durations._ms[self.function_name].append((time.perf_counter() - began) * 1000)

        LambdaFunction._invoke_lambda = _invoke_lambda

    def take(self) -> dict[str, list[float]]:
        with self._lock:
            found, self._ms = dict(self._ms), collections.defaultdict(list)
        return found


def medians(per_request: list[collections.Counter[str]]) -> dict[str, float]:
    names = sorted({name for counts in per_request for name in counts})
    return {name: statistics.median(counts.get(name, 0) for counts in per_request) for name in names}


def maxima(per_request: list[collections.Counter[str]]) -> dict[str, int]:
    names = sorted({name for counts in per_request for name in counts})
    return {name: max(counts.get(name, 0) for counts in per_request) for name in names}


def short(function_name: str, project: str) -> str:
    return function_name.removeprefix(f"{project}-")


@dataclass
class ServeResults:
    cold_calls: collections.Counter[str] = field(default_factory=collections.Counter)
    warm: load.Run | None = None
    warm_lambda_ms: dict[str, float] = field(default_factory=dict)
    warm_express_ms: float | None = None
    served_rows: list[load.Run] = field(default_factory=list)
    refused: load.Run | None = None
    refused_lambda_ms: dict[str, float] = field(default_factory=dict)
    refused_express_ms: float | None = None
    refused_rows: list[load.Run] = field(default_factory=list)
    exact: load.Run | None = None
    exact_limit: int = 0
    window_wait_s: float = 0.0
    plain_ms: float = 0.0
    plain_refused_ms: float = 0.0
    plain_calls: collections.Counter[str] = field(default_factory=collections.Counter)
    origin_ms: float = 0.0


class ServeBench:
    def __init__(self, config: Config, counter: CallCounter):
        self.config = config
        self.counter = counter
        self.durations = Durations()
        self.stack: LocalStack | None = None
        self.results = ServeResults()

    # --- the stack

    def start(self) -> LocalStack:
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # as `make run` does
        self.stack = LocalStack(replace(self.config, limit=RAISED_LIMIT), moto_port=0, http_port=0)
        self.stack.start(schedule=False)
        self.durations.install()
        self._mark_local_only()
        return self.stack

    def _mark_local_only(self) -> None:
        """The local stack turns EMF lines into PutMetricData calls on the emulator, as CloudWatch
        Logs does on AWS without any call from the function: count those apart."""
        try:
            from tickvault.local import emf
        except ImportError:
            return
        client = getattr(getattr(emf.emf_provider, "print", None), "_cloudwatch", None)
        if client is not None:
            self.counter.mark_local_only(client)

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop()

    @property
    def port(self) -> int:
        return self.stack.gateway.port

    def _lambda_medians(self) -> dict[str, float]:
        return {short(name, self.config.project): statistics.median(ms) for name, ms in self.durations.take().items()}

    def _express_median(self) -> float | None:
        found = self.counter.take_express_ms()
        return statistics.median(found) if found else None

    def _clear(self) -> None:
        self.counter.take()
        self.counter.take_express_ms()
        self.durations.take()

    # --- served requests, limit raised

    def cold_request(self) -> None:
        """The first request after start: the decrypt function's cache is empty."""
        self._clear()
        status, _ = load.get(self.port, "127.0.1.1")
        if status != 200:
            raise RuntimeError(f"the first request was answered {status}, not 200")
        self.results.cold_calls = self.counter.take()

    def warm_requests(self, total: int) -> None:
        """`total` requests one after another, the SDK calls of each counted on their own."""
        self._clear()
        self.results.warm = load.sequential(self.port, "127.0.1.1", total, self.counter.take)
        self.results.warm_lambda_ms = self._lambda_medians()
        self.results.warm_express_ms = self._express_median()

    def served_load(self, clients: int, total: int) -> None:
        self._clear()
        run = load.concurrent(self.port, load.sources("127.0.1", clients), total, clients)
        self.results.served_rows.append(run)

    # --- the alternatives' per-request work, timed against the same emulator

    def alternatives(self, runs: int) -> None:
        """Time the seed's plain request (conditional write, S3 GET, KMS Decrypt + AES-GCM) and a
        WAF design's origin (pointer read, decrypt from the warm cache), as direct calls."""
        from tasks.decrypt import handler as decrypt
        from tasks.shared import envelope

        stack = self.stack
        ddb, s3 = stack.client("dynamodb"), stack.client("s3")
        table, bucket = stack.resources.table, stack.resources.bucket
        latest = ddb.get_item(TableName=table, Key={"pk": {"S": "latest"}})["Item"]
        key, version = latest["objectKey"]["S"], latest["versionId"]["S"]

        def count(limit: int) -> None:
            ddb.update_item(
                TableName=table, Key={"pk": {"S": "rate#bench-plain#0"}},
                UpdateExpression="ADD hits :one", ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
                ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(limit)}},
            )  # fmt: skip

        def plain() -> None:
            count(RAISED_LIMIT)
            body = s3.get_object(Bucket=bucket, Key=key, VersionId=version)["Body"].read()
            envelope.open_envelope(envelope.from_bytes(body, key), key)

        def refused() -> None:
            try:
                count(0)
            except ddb.exceptions.ConditionalCheckFailedException:
                return
            raise RuntimeError("the plain design's refusal was not refused")

        payload = {name: latest[name]["S"] for name in ("objectKey", "versionId", "sha256", "scheduledTime")}

        def origin() -> None:
            ddb.get_item(TableName=table, Key={"pk": {"S": "latest"}})
            decrypt(dict(payload, execution="bench-origin"), None)

        origin()  # fill the cache, as a warm origin has it
        self._clear()
        plain()
        self.results.plain_calls = self.counter.take()
        self.results.plain_ms = _median_ms(plain, runs)
        self.results.plain_refused_ms = _median_ms(refused, runs)
        self.results.origin_ms = _median_ms(origin, runs)
        self._clear()

    # --- the real limit: refusals and exactness

    def use_limit(self, limit: int) -> None:
        """Empty the emulator, provision again with `limit` and publish a file for the current period."""
        stack = self.stack
        stack.config = replace(self.config, limit=limit)
        stack.reset()
        now = int(time.time())
        stack.generate(datetime.fromtimestamp(now - now % self.config.period_seconds, UTC))
        self._clear()

    def exhaust(self, addresses: list[str]) -> None:
        """Write each address's counter at the limit, for this window and the next, so every request
        from it takes the refusal path (CheckRate's condition fails) even if the window turns."""
        from tasks.rate_limit.client_key import client_key
        from tasks.rate_limit.window import Window

        ddb, limit = self.stack.client("dynamodb"), self.stack.config.limit
        now = time.time()
        for address in addresses:
            for at in (now, now + self.config.window_seconds):
                window = Window.at(at, self.config.window_seconds)
                ddb.put_item(TableName=self.stack.resources.table, Item={
                    "pk": {"S": window.counter_key(client_key(address, self.config.ipv6_prefix_length))},
                    "hits": {"N": str(limit)},
                    "expiresAt": {"N": str(window.expires_at)},
                })  # fmt: skip
        self._clear()

    def refused_requests(self, total: int) -> None:
        address = "127.0.3.1"
        self.exhaust([address])
        self.results.refused = load.sequential(self.port, address, total, self.counter.take)
        self.results.refused_lambda_ms = self._lambda_medians()
        self.results.refused_express_ms = self._express_median()

    def refused_load(self, clients: int, total: int) -> None:
        addresses = load.sources("127.0.3", clients)
        self.exhaust(addresses)
        self.results.refused_rows.append(load.concurrent(self.port, addresses, total, clients))
        self._clear()

    def window_left(self) -> int:
        return self.config.window_seconds - int(time.time()) % self.config.window_seconds

    def exactness(self, total: int, clients: int, seconds_needed: float) -> None:
        """`total` requests from one fresh address at `clients`-way concurrency, all in one window."""
        left = self.window_left()
        if left < seconds_needed:
            self.results.window_wait_s = left + 1
            time.sleep(left + 1)
        self._clear()
        self.results.exact = load.concurrent(self.port, ["127.0.2.1"], total, clients)
        self.results.exact_limit = self.stack.config.limit
        self._clear()


def _median_ms(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)
