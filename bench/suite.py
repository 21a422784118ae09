"""`make bench`: run every part, print one table and write it to bench/results/latest.md.

    python -m bench                 # the full suite (about 7 minutes on 2 cores)
    python -m bench --quick         # a few requests of each kind: proves the suite works
    python -m bench --out FILE      # write the table elsewhere

Exit status 1 if the limit admitted other than exactly its number of requests,
or if a warm served request made more calls than the design's budget.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import boto3

from bench import coldstart, cost, generation
from bench.calls import LOCAL_ONLY, CallCounter
from bench.load import Run
from bench.report import Table, dollars, kib, machine, ms
from bench.serve import ServeBench, maxima, medians
from tickvault.config import load_config

RESULTS = Path(__file__).with_name("results") / "latest.md"
LOCAL_NOTE = (": the local stack's stand-in for CloudWatch Logs extracting EMF metrics from the proxy's log line, "
              "which AWS does without an API call")

# The design's budget per served request, warm (README, "Performance"): (budget, the seed's plain design).
BUDGET: dict[str, tuple[int, int, str]] = {
    "DynamoDB write": (1, 1, "exactly"),
    "DynamoDB read": (1, 0, "at most"),
    "S3 request": (0, 1, "exactly"),
    "KMS request": (0, 1, "exactly"),
    "Lambda invocations": (2, 1, "at most"),
    "Express executions": (1, 0, "exactly"),
}


def category(call: str) -> str:
    if call.startswith(LOCAL_ONLY):
        return LOCAL_ONLY
    service, _, operation = call.partition(":")
    if service == "dynamodb":
        return "DynamoDB read" if operation in ("GetItem", "Query", "Scan", "BatchGetItem") else "DynamoDB write"
    if service == "s3":
        return "S3 request"
    if service == "kms":
        return "KMS request"
    if service == "lambda" and operation.startswith("Invoke"):
        return "Lambda invocations"
    if call == "stepfunctions:StartSyncExecution":
        return "Express executions"
    return "other"


@dataclass
class Plan:
    """How many of each; --quick shrinks every number."""

    warm: int = 1000
    served: list[tuple[int, int]] = field(default_factory=lambda: [(8, 240), (32, 320)])  # (clients, requests)
    refused_sequential: int = 100
    refused: list[tuple[int, int]] = field(default_factory=lambda: [(8, 240), (32, 320)])
    exact: tuple[int, int] = (1000, 32)  # (requests, clients)
    exact_limit: int | None = None  # None: the configured limit
    ticks: int = 5
    alternative_runs: int = 30
    modules: tuple[str, ...] = (coldstart.BASELINE, *coldstart.HANDLERS)
    import_runs: int = 5
    source_runs: int = 3
    bundle: bool = True

    @classmethod
    def quick(cls) -> Plan:
        return cls(warm=5, served=[(2, 4)], refused_sequential=3, refused=[(2, 4)], exact=(8, 4), exact_limit=3,
                   ticks=1, alternative_runs=2, modules=(coldstart.BASELINE, "tasks.proxy"), import_runs=1,
                   source_runs=0, bundle=False)


def exactness_seconds(total: int, limit: int, results) -> float:
    """A generous guess at how long the exactness pass takes, from the served rate measured so far;
    refusals ran 1.5 to 2.5 times as fast as served requests here, 1.4 is assumed."""
    served_rps = max(0.1, min(run.rps for run in [results.warm, *results.served_rows]))
    return (min(limit, total) / served_rps + max(0, total - limit) / (served_rps * 1.4)) * 1.15 + 5


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def per_category(counts: collections.Counter[str]) -> collections.Counter[str]:
    found: collections.Counter[str] = collections.Counter()
    for call, n in counts.items():
        found[category(call)] += n
    return found


def _calls_text(calls: dict[str, float]) -> str:
    return ", ".join(f"{name} {n:g}" for name, n in sorted(calls.items()) if n) or "none"


def run_row(table: Table, part: str, label: str, run: Run, note: str = "") -> None:
    statuses = ", ".join(f"{n} x {status or 'no answer'}" for status, n in sorted(run.statuses.items()))
    table.add(part, label,
              f"{run.rps:.1f} req/s; median {ms(run.median_ms)}, p95 {ms(run.ms(0.95))}, p99 {ms(run.ms(0.99))}",
              "", f"{run.requests} requests in {run.seconds:.1f} s: {statuses}" + (f"; {note}" if note else ""))


def calls_part(table: Table, bench: ServeBench) -> bool:
    """AWS calls per served request: cold, warm median (and max), beside the budget. True if within it."""
    results = bench.results
    cold = per_category(results.cold_calls)
    warm = [per_category(counts) for counts in results.warm.per_request]
    refused = [per_category(counts) for counts in results.refused.per_request] if results.refused else []
    warm_median, warm_max = medians(warm), maxima(warm)
    refused_median = medians(refused)
    within = True
    part = "1. AWS calls per request"
    for name in [*BUDGET, *sorted({c for c in [*cold, *warm_median] if c not in BUDGET})]:
        budget, seed, kind = BUDGET.get(name, (0, 0, "exactly"))
        median = warm_median.get(name, 0)
        over = name != LOCAL_ONLY and (median > budget if kind == "at most" else median != budget)
        within &= not over
        ops = sorted({call for counts in [results.cold_calls, *results.warm.per_request] for call in counts
                      if category(call) == name})
        table.add(part, name,
                  f"cold {cold.get(name, 0)}; warm median {median:g} (max {warm_max.get(name, 0)}); "
                  f"refused median {refused_median.get(name, 0):g}" + ("  **OVER BUDGET**" if over else ""),
                  "not an AWS call: unpriced" if name == LOCAL_ONLY else f"budget {kind} {budget}; seed {seed}",
                  (", ".join(ops) or "no call") + (LOCAL_NOTE if name == LOCAL_ONLY else ""))  # fmt: skip
    table.add(part, "warm request within budget", "yes" if within else "**NO**", "the design's budget",
              f"cold = first request after start; warm = each of the next {results.warm.requests} served requests, "
              f"counted alone (one client); refused = {results.refused.requests if results.refused else 0} "
              "requests of an address at its limit; every SDK call in the process, via a before-call hook")
    return within


def cost_part(table: Table, bench: ServeBench, prices: cost.Prices) -> None:
    r = bench.results
    part = "2. cost per million"
    warm_calls = medians(r.warm.per_request)
    refused_calls = medians(r.refused.per_request)
    served = cost.from_calls(prices, warm_calls, r.warm_lambda_ms, r.warm_express_ms)
    refused = cost.from_calls(prices, refused_calls, r.refused_lambda_ms, r.refused_express_ms)
    plain_served, plain_refused = cost.plain(prices, True, r.plain_ms), cost.plain(prices, False, r.plain_refused_ms)
    waf_served, waf_refused = cost.waf(prices, True, r.origin_ms), cost.waf(prices, False, None)
    waf_cached = cost.waf(prices, True, None)
    rows = [
        ("tickvault, served (200)", served, "the warm median calls above"),
        ("tickvault, refused (429)", refused, "the refused median calls above"),
        ("seed's plain design, served", plain_served,
         "the design's budget, seed column: 1 Lambda, 1 DynamoDB write, 1 S3 GET, 1 KMS Decrypt"),
        ("seed's plain design, refused", plain_refused, "stops after the conditional write (a refused one is billed)"),
        ("WAF + CloudFront, served, origin per request", waf_served,
         "rate-based rule; origin = Lambda function URL reading the pointer, decrypt cache warm"),
        ("WAF + CloudFront, served, file cached at the edge", waf_cached,
         "origin fetched about once per period per edge: negligible per million"),
        ("WAF + CloudFront, refused (403 from WAF)", waf_refused,
         "blocked requests still billed by CloudFront and WAF"),
    ]
    for label, bill, note in rows:
        table.add(part, label, dollars(bill.per_million), note, bill.breakdown())
    constants = cost.cdk_constants()
    table.add(part, "assumed durations (measured here)",
              f"proxy {ms(r.warm_lambda_ms.get('proxy'))}, decrypt {ms(r.warm_lambda_ms.get('decrypt'))}, "
              f"Express {ms(r.warm_express_ms)} served; proxy {ms(r.refused_lambda_ms.get('proxy'))}, "
              f"Express {ms(r.refused_express_ms)} refused",
              f"seed plain {ms(r.plain_ms)} served, {ms(r.plain_refused_ms)} refused; WAF origin {ms(r.origin_ms)}",
              f"medians of the one-client runs on the emulator, billed at the CDK memory sizes (proxy "
              f"{constants.PROXY_MEMORY_MB} MB, decrypt {constants.DECRYPT_MEMORY_MB} MB, others "
              f"{constants.TASK_MEMORY_MB} MB, Express 64 MB): AWS durations will differ. The alternatives' "
              f"work was timed as direct calls on the same emulator; a plain request made "
              f"{_calls_text(dict(r.plain_calls))}")  # fmt: skip
    fixed = prices.items["waf_web_acl_month"]["usd"] + prices.items["waf_rule_month"]["usd"]
    table.add(part, "prices", "bench/prices.json", f"WAF adds {dollars(fixed)}/month fixed (web ACL + 1 rule)",
              prices.note + " CloudWatch Logs, X-Ray and data transfer are left out of every design alike. "
              "WAF rate-based rules count approximately and act after a delay: not an exact limit.")


def load_part(table: Table, bench: ServeBench) -> None:
    r = bench.results
    part = "3. throughput and latency"
    run_row(table, part, "served, 1 client", r.warm, "limit raised; the warm-call pass")
    for run in r.served_rows:
        run_row(table, part, f"served, {run.clients} clients on {run.clients} addresses", run, "limit raised")
    if r.refused:
        run_row(table, part, f"refused, 1 client (limit {r.exact_limit})", r.refused, "address at its limit")
    for run in r.refused_rows:
        run_row(table, part, f"refused, {run.clients} clients on {run.clients} addresses", run,
                "each address at its limit")


def exactness_part(table: Table, bench: ServeBench) -> bool:
    r = bench.results
    run, limit = r.exact, r.exact_limit
    admitted, refused = run.statuses.get(200, 0), run.statuses.get(429, 0)
    other = run.requests - admitted - refused
    ok = admitted == limit
    table.add("4. exactness", f"{run.requests} requests, one address, {run.clients}-way",
              f"admitted {admitted}, refused {refused}, other {other}" + ("" if ok else "  **FAIL**"),
              f"limit {limit}",
              f"{run.rps:.1f} req/s, p99 {ms(run.ms(0.99))}; all in one {bench.config.window_seconds} s window"
              f"{f' (waited {r.window_wait_s:.0f} s for a fresh one)' if r.window_wait_s else ''}")  # fmt: skip
    return ok


def generation_part(table: Table, results: generation.GenerationResults, prices: cost.Prices) -> None:
    part = "5. generation"
    per_month = results.ticks_per_month
    transitions = results.median("transitions")
    table.add(part, "time per tick", f"median {ms(results.median('seconds') * 1000)} over {len(results.warm)} ticks",
              f"first tick {ms(results.cold.seconds * 1000)}", "execution start to stop, as the emulator records it")
    table.add(part, "state transitions per tick", f"{transitions:g}", f"{results.median('events'):g} history events",
              "states entered, from GetExecutionHistory (what Standard bills)")
    table.add(part, "calls per tick", _calls_text(results.calls()), "",
              "StartExecution is the scheduler's; SSE-KMS calls S3 makes itself are not SDK calls here")
    lambda_ms = results.lambda_ms()
    lambda_cost = sum(cost.lambda_duration(prices, name, value)[1] for name, value in lambda_ms.items())
    invokes = sum(n for name, n in results.calls().items() if name.startswith("lambda:Invoke"))
    table.add(part, "Lambda time per tick", ", ".join(f"{name} {ms(v)}" for name, v in lambda_ms.items()),
              f"{dollars((lambda_cost + invokes * prices.unit('lambda_request')) * per_month)}/month",
              f"medians, billed at {cost.memory_mb('seal')} MB")
    calls = {name: n for name, n in results.calls().items() if name in cost.CALL_PRICES}
    calls_cost = sum(n * units * prices.unit(price) for name, n in calls.items()
                     for price, units in [cost.CALL_PRICES[name]])
    table.add(part, "S3, KMS and DynamoDB calls of the ticks", f"{dollars(calls_cost * per_month)}/month",
              f"{per_month:,.0f} ticks/month", _calls_text(calls) + " per tick, at the prices above")
    table.add(part, "Standard workflow cost", f"{dollars(cost.standard_month(prices, transitions, per_month))}/month",
              f"{per_month:,.0f} ticks/month", f"{transitions:g} transitions x {per_month:,.0f} x "
              f"${prices.items['standard_transition']['usd']} per 1,000 (free tier not counted)")


def coldstart_part(table: Table, bundle: coldstart.Bundle | None, imports: list[coldstart.ImportTime]) -> None:
    part = "6. cold start"
    if bundle is not None:
        if bundle.ok:
            top = ", ".join(f"{name} {kib(size)}" for name, size in bundle.by_distribution[:6])
            size = f"{kib(bundle.bytes)} unzipped, {kib(bundle.zip_bytes)} zipped"
            table.add(part, "Lambda asset (every function's)", size,
                      f"{bundle.files} files", f"tickvault_cdk.bundling.LocalBundler, arm64 / CPython 3.13 wheels, "
                      f"{bundle.seconds:.0f} s; largest: {top}")  # fmt: skip
        else:
            table.add(part, "Lambda asset (every function's)", "not measured", "", bundle.detail)
    baseline = next((i for i in imports if i.module == coldstart.BASELINE), None)
    for found in imports:
        reference = "" if found is baseline or baseline is None else (
            f"import boto3: {ms(baseline.pyc_ms)}" + (f", {ms(baseline.source_ms)}" if baseline.source_ms else ""))
        source = f"; from source {ms(found.source_ms)}" if found.source_ms is not None else ""
        heaviest = ", ".join(f"{name} {value:.0f}" for name, value in found.heaviest[:3])
        table.add(part, f"import {found.module}", f"{ms(found.pyc_ms)} with .pyc{source}", reference,
                  f"loads {found.files} non-stdlib files, {kib(found.bytes)}; heaviest self ms: {heaviest}")
    if imports:
        table.add(part, "how imports were timed", "-X importtime, fresh interpreter each", "",
                  "median of runs; 'from source' = the dependencies' and tasks' modules compiled at import with only "
                  "the stdlib compiled, as a --no-compile asset on Lambda's read-only /var/task is at every cold start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few requests of each kind")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    plan = Plan.quick() if args.quick else Plan()
    began = time.monotonic()
    config = load_config()
    prices = cost.Prices()
    table = Table()
    where = machine()
    table.add("0. machine", "every figure below", where, "", f"run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")

    cold: dict = {}

    def measure_cold_start() -> None:
        """The cold-start part needs no stack: it runs while a later part would only wait, else at the end."""
        if cold:
            return
        cold["bundle"] = None
        if plan.bundle:
            progress("bundling the Lambda asset")
            cold["bundle"] = coldstart.bundle()
        progress("timing imports")
        cold["imports"] = coldstart.import_times(list(plan.modules), plan.import_runs, plan.source_runs)

    def exactness() -> None:
        progress(f"exactness: {plan.exact[0]} requests, one address, {plan.exact[1]}-way")
        bench.exactness(*plan.exact, needed)

    def refusals() -> None:
        progress("refused requests")
        bench.refused_requests(plan.refused_sequential)
        for clients, total in plan.refused:
            bench.refused_load(clients, total)

    boto3.setup_default_session()
    counter = CallCounter().install(boto3.DEFAULT_SESSION)
    bench = ServeBench(config, counter)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # the tasks' log and metric lines
        bench.start()
        try:
            progress(f"generation: {plan.ticks + 1} ticks")
            ticks = generation.measure(bench, plan.ticks)
            progress(f"served: 1 cold + {plan.warm} warm requests, one client")
            bench.cold_request()
            bench.warm_requests(plan.warm)
            for clients, total in plan.served:
                progress(f"served: {total} requests, {clients} clients")
                bench.served_load(clients, total)
            bench.alternatives(plan.alternative_runs)
            limit = plan.exact_limit or config.limit
            bench.use_limit(limit)
            needed = exactness_seconds(plan.exact[0], limit, bench.results)
            # The exactness pass must fit in one window: what is left of this one goes to other parts first.
            if bench.window_left() >= needed:
                exactness()
                refusals()
            else:
                refusals()
                if bench.window_left() < needed:
                    measure_cold_start()
                exactness()
        finally:
            bench.stop()
    measure_cold_start()

    within = calls_part(table, bench)
    cost_part(table, bench, prices)
    load_part(table, bench)
    exact = exactness_part(table, bench)
    generation_part(table, ticks, prices)
    coldstart_part(table, cold["bundle"], cold["imports"])
    seconds = time.monotonic() - began
    text = (f"# tickvault benchmark{' (quick)' if args.quick else ''}\n\n"
            f"Machine: {where}. Wall time {seconds:.0f} s. Every figure is from this run on this machine; "
            "the request path runs on moto's interpreter in one Python process, so its latencies are not AWS's.\n\n"
            f"{table.markdown()}\n")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    failures = [why for why, ok in (("admitted != limit", exact), ("warm calls over budget", within)) if not ok]
    print(f"bench: {'FAILED: ' + ', '.join(failures) if failures else 'ok'} ({seconds:.0f} s, table in {args.out})",
          file=sys.stderr)
    return 1 if failures else 0
