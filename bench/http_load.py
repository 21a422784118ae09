"""Throughput and latency through the local gateway, in under a minute.

The full suite is `make bench`; this is the quick look, and what
`python -m bench.profile` runs under a profiler. Usage:

    .venv/bin/python bench/http_load.py [--requests 200] [--clients 1,8,32]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402

from bench.calls import CallCounter  # noqa: E402
from bench.report import machine, ms  # noqa: E402
from bench.serve import ServeBench  # noqa: E402
from tickvault.config import load_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", default="1,8", help="comma-separated client counts, one address each")
    args = parser.parse_args()
    boto3.setup_default_session()
    counter = CallCounter().install(boto3.DEFAULT_SESSION)
    bench = ServeBench(load_config(), counter)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        bench.start()
        try:
            bench.stack.generate(datetime.now(UTC))
            bench.cold_request()
            for clients in (int(c) for c in args.clients.split(",")):
                if clients == 1:
                    bench.warm_requests(args.requests)
                else:
                    bench.served_load(clients, args.requests)
        finally:
            bench.stop()
    print(f"machine: {machine()}")
    print(f"{'clients':>7} {'requests':>8} {'ok':>5} {'req/s':>7} {'median':>9} {'p95':>9} {'p99':>9}")
    for run in [r for r in [bench.results.warm] if r] + bench.results.served_rows:
        print(f"{run.clients:>7} {run.requests:>8} {run.statuses.get(200, 0):>5} {run.rps:>7.1f} "
              f"{ms(run.median_ms):>9} {ms(run.ms(0.95)):>9} {ms(run.ms(0.99)):>9}")


if __name__ == "__main__":
    main()
