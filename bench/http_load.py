"""Throughput, latency and AWS calls per request through the local gateway.

Runs the whole local stack in this process (as `make run` does), with the
limit raised so nothing is refused, and prints one table. Usage:

    .venv/bin/python bench/http_load.py [--requests 200]
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import platform
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402

from tickvault.config import load_config  # noqa: E402
from tickvault.local.stack import LocalStack  # noqa: E402

calls: collections.Counter[str] = collections.Counter()
_lock = threading.Lock()


def _count(model, **_):
    with _lock:
        calls[f"{model.service_model.service_name}:{model.name}"] += 1


def get(port: int, source: str) -> tuple[int, float]:
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    connection.request("GET", "/latest")
    status = connection.getresponse().status
    connection.close()
    return status, (time.perf_counter() - began) * 1000


def run(port: int, total: int, clients: int) -> dict:
    sources = [f"127.0.1.{i + 1}" for i in range(clients)]
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(lambda i: get(port, sources[i % clients]), range(total)))
    seconds = time.perf_counter() - began
    latencies = sorted(ms for _, ms in results)
    return {
        "clients": clients,
        "requests": total,
        "ok": sum(1 for status, _ in results if status == 200),
        "rps": total / seconds,
        "median_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # as `make run` does
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-call", _count)
    config = replace(load_config(), limit=1_000_000)
    stack = LocalStack(config, moto_port=0, http_port=0).start(schedule=False)
    try:
        stack.generate(datetime.now(UTC))
        port = stack.gateway.port
        get(port, "127.0.1.1")  # cold request: fills the decrypt cache
        calls.clear()
        rows = [run(port, args.requests, 1), run(port, args.requests, 8)]
        per_request = {name: count / (2 * args.requests) for name, count in sorted(calls.items())}
    finally:
        stack.stop()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'clients':>7} {'requests':>8} {'ok':>5} {'req/s':>7} {'median ms':>10} {'p99 ms':>8}")
    for row in rows:
        print(f"{row['clients']:>7} {row['requests']:>8} {row['ok']:>5} {row['rps']:>7.1f} "
              f"{row['median_ms']:>10.1f} {row['p99_ms']:>8.1f}")
    print("AWS calls per warm request (all SDK calls in the process):")
    for name, count in per_request.items():
        print(f"  {name:<40} {count:.2f}")


if __name__ == "__main__":
    main()
