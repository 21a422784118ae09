"""The generation path: time per tick, state transitions per tick (from the
execution history), calls and Lambda time per tick, on the local stack."""

from __future__ import annotations

import collections
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tickvault import executions

# Calls the bench itself makes while it waits for a tick; not part of the tick.
BENCH_CALLS = {"stepfunctions:DescribeExecution", "stepfunctions:GetExecutionHistory"}


@dataclass
class Tick:
    seconds: float  # the execution's own start to stop, as the emulator records it
    transitions: int  # states entered: what Standard bills
    events: int
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    lambda_ms: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class GenerationResults:
    cold: Tick
    warm: list[Tick]
    period_seconds: int

    @property
    def ticks_per_month(self) -> float:
        return 30 * 86400 / self.period_seconds

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(t, attribute) for t in self.warm)

    def calls(self) -> dict[str, float]:
        names = sorted({n for t in self.warm for n in t.calls})
        return {n: statistics.median(t.calls.get(n, 0) for t in self.warm) for n in names}

    def lambda_ms(self) -> dict[str, float]:
        names = sorted({n for t in self.warm for n in t.lambda_ms})
        return {n: statistics.median(ms for t in self.warm for ms in t.lambda_ms.get(n, [])) for n in names}


def measure(bench, ticks: int) -> GenerationResults:
    """One cold tick, then `ticks` warm ones, each for a later period than the last so every one
    stores a new object and moves the pointer forward (the path a scheduled tick takes)."""
    stack, counter, durations = bench.stack, bench.counter, bench.durations
    sfn = stack.client("stepfunctions")
    period = stack.config.period_seconds
    now = int(time.time())
    first = now - now % period - (ticks + 1) * period
    done = []
    for index in range(ticks + 1):
        counter.take()
        durations.take()
        described = stack.generate(datetime.fromtimestamp(first + index * period, UTC))
        if described["status"] != "SUCCEEDED":
            raise RuntimeError(f"generation {described['name']} ended {described['status']}")
        calls = collections.Counter({k: v for k, v in counter.take().items() if k not in BENCH_CALLS})
        lambda_ms = {name.removeprefix(f"{stack.config.project}-"): ms for name, ms in durations.take().items()}
        history = executions.history(sfn, described["executionArn"])
        done.append(Tick(
            seconds=(described["stopDate"] - described["startDate"]).total_seconds(),
            transitions=sum(1 for event in history if event["type"].endswith("StateEntered")),
            events=len(history),
            calls=calls,
            lambda_ms=lambda_ms,
        ))  # fmt: skip
    counter.take()
    return GenerationResults(cold=done[0], warm=done[1:], period_seconds=period)
