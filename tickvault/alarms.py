"""The alarms on the mission metrics, as the CDK app defines them (name,
metric, statistic, threshold), for the local evaluator and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from tasks.shared import metrics
from tickvault.config import Config


@dataclass(frozen=True)
class AlarmSpec:
    name: str
    metric: str
    statistic: str
    threshold: float
    description: str


def mission_alarms(config: Config) -> list[AlarmSpec]:
    two_periods = 2 * config.period_seconds
    return [
        AlarmSpec(config.name("rate-limited"), metrics.RATE_LIMITED, "Sum", 1,
                  "A caller was refused for exceeding the per-IP limit."),
        AlarmSpec(config.name("generation-failed"), metrics.GENERATION_FAILED, "Sum", 1,
                  "A generation run reported a failure."),
        AlarmSpec(config.name("file-too-old"), metrics.FILE_AGE_SECONDS, "Maximum", two_periods + 1,
                  f"The newest file is older than two periods ({two_periods} s)."),
    ]
