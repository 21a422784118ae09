"""The benchmark suite still works: a tiny run of every part (no figure is
asserted, only that each part ran and the limit held), plus its price arithmetic."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench import cost
from bench.suite import BUDGET, category
from tickvault.paths import ROOT

PARTS = ("0. machine", "1. AWS calls per request", "2. cost per million", "3. throughput and latency",
         "4. exactness", "5. generation", "6. cold start")  # fmt: skip


@pytest.fixture(scope="module")
def quick_table(tmp_path_factory):
    """`python -m bench --quick` in a process of its own: it starts its own emulator and hooks boto3's
    default session, neither of which may leak into the test session."""
    out = tmp_path_factory.mktemp("bench") / "quick.md"
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "MOTO_PORT")}
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return out.read_text()


def test_quick_bench_reports_every_part(quick_table):
    for part in PARTS:
        assert f"| {part} |" in quick_table, part


def test_quick_bench_admits_exactly_its_small_limit(quick_table):
    assert "| admitted 3, refused 5, other 0 | limit 3 |" in quick_table


def test_quick_bench_finds_warm_requests_within_the_budget(quick_table):
    assert "| warm request within budget | yes |" in quick_table
    assert "OVER BUDGET" not in quick_table


def test_every_price_names_its_source_and_date():
    for name, item in json.loads(cost.PRICES_FILE.read_text())["prices"].items():
        assert item["source"].startswith("https://aws.amazon.com/"), name
        assert item["date"] and item["name"] and item["usd"] > 0 and item["per"] > 0, name


def test_calls_are_priced_per_request_and_durations_in_billing_steps():
    prices = cost.Prices()
    bill = cost.from_calls(
        prices,
        {"dynamodb:UpdateItem": 1, "dynamodb:GetItem": 1, "lambda:Invoke (tickvault-proxy)": 1,
         "stepfunctions:StartSyncExecution": 1},
        {"proxy": 50.2},
        express_ms=130,
    )  # fmt: skip
    expected = (1.00 + 0.20 + 0.625 + 0.5 * 0.125 + 1.00) / 1e6 + 51 / 1000 * 0.25 * 0.0000133334
    expected += 0.2 * 64 / 1024 * 0.00001667  # Express: 130 ms bills as 200 ms
    assert bill.per_million == pytest.approx(expected * 1e6)


def test_every_design_budget_line_has_a_category():
    calls = ["dynamodb:UpdateItem", "dynamodb:GetItem", "s3:GetObject", "kms:Decrypt", "lambda:Invoke (x)",
             "stepfunctions:StartSyncExecution"]  # fmt: skip
    assert sorted({category(call) for call in calls}) == sorted(BUDGET)
