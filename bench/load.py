"""HTTP load through the local gateway, from distinct loopback source addresses."""

from __future__ import annotations

import collections
import http.client
import math
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

REQUEST_TIMEOUT_SECONDS = 180  # the gateway queues what it cannot run at once; queued requests wait


def sources(prefix: str, count: int) -> list[str]:
    """`count` distinct loopback addresses, e.g. 127.0.1.1 ... (all of 127.0.0.0/8 is loopback on Linux)."""
    return [f"{prefix}.{index + 1}" for index in range(count)]


def get(port: int, source: str, path: str = "/latest") -> tuple[int, float]:
    """One GET on a fresh connection bound to `source`; the status and the milliseconds it took."""
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS,
                                            source_address=(source, 0))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0  # no answer at all
    finally:
        connection.close()
    return status, (time.perf_counter() - began) * 1000


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Run:
    clients: int
    latencies_ms: list[float]
    statuses: collections.Counter[int]
    seconds: float
    per_request: list[collections.Counter[str]] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms(self, fraction: float) -> float:
        return percentile(sorted(self.latencies_ms), fraction)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms)


def concurrent(port: int, addresses: list[str], total: int, clients: int) -> Run:
    """`total` requests from `clients` threads; request i comes from addresses[i % len(addresses)]."""
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(lambda i: get(port, addresses[i % len(addresses)]), range(total)))
    seconds = time.perf_counter() - began
    return Run(clients, [ms for _, ms in results], collections.Counter(s for s, _ in results), seconds)


def sequential(port: int, address: str, total: int, after_each: Callable[[], collections.Counter[str]]) -> Run:
    """One client, one request at a time; `after_each` is called after every answer (the SDK calls it made)."""
    latencies, statuses, per_request = [], collections.Counter(), []
    began = time.perf_counter()
    for _ in range(total):
        status, ms = get(port, address)
        latencies.append(ms)
        statuses[status] += 1
        per_request.append(after_each())
    return Run(1, latencies, statuses, time.perf_counter() - began, per_request)
