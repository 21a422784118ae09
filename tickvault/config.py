"""The one configuration file, validated against schemas/config.schema.json.

Both the CDK app and the local stack read it through `load_config`; nothing
else holds the numbers of the mission (limit, window, period).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jsonschema

from tickvault.paths import CONFIG_FILE, SCHEMAS


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or breaks a rule of its schema."""

    def __init__(self, source: str, field: str, rule: str, detail: str):
        self.source = source
        self.field = field
        self.rule = rule
        self.detail = detail
        super().__init__(f"{source}: {field or '(top level)'} breaks rule '{rule}': {detail}")


@dataclass(frozen=True)
class Config:
    project: str
    region: str
    period_seconds: int
    limit: int
    window_seconds: int
    ipv6_prefix_length: int
    fail_mode: str
    retention_days: int
    noncurrent_version_days: int
    alarm_email: str
    log_retention_days: int
    express_log_level: str
    vpc: bool
    api_authorizer: bool
    secondary_region: str

    @property
    def schedule_expression(self) -> str:
        """EventBridge Scheduler expression for the generation period.

        A period that divides the hour (or the day) becomes a cron expression,
        so ticks land on the same boundaries the object keys are floored to:
        the file's time is then its real creation time, and `Cache-Control`
        (seconds to the next boundary) says when the next file appears. Other
        periods fall back to `rate()`, which counts from the schedule's creation.
        """
        minutes, seconds = divmod(self.period_seconds, 60)
        if seconds:
            raise ValueError("EventBridge Scheduler periods are whole minutes")
        if 60 % minutes == 0:
            return f"cron(0/{minutes} * * * ? *)"
        hours, rest = divmod(minutes, 60)
        if not rest and 24 % hours == 0:
            return f"cron(0 0/{hours} * * ? *)"
        return f"rate({minutes} minute{'s' if minutes > 1 else ''})"

    def name(self, suffix: str) -> str:
        """Resource name with the project prefix, e.g. `tickvault-generate`."""
        return f"{self.project}-{suffix}"

    def with_period(self, seconds: int) -> Config:
        """A copy with another generation period (the local `--every` flag)."""
        if seconds < 1:
            raise ConfigError("--every", "period", "minimum", f"{seconds} is less than 1 second")
        return replace(self, period_seconds=seconds)


def _schema() -> dict[str, Any]:
    return json.loads((SCHEMAS / "config.schema.json").read_text())


def _first_error(document: Any) -> jsonschema.ValidationError | None:
    validator = jsonschema.Draft202012Validator(
        _schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return errors[0] if errors else None


def parse_config(document: Any, source: str = "configuration") -> Config:
    """Validate a parsed document and turn it into a `Config`."""
    error = _first_error(document)
    if error is not None:
        # For anyOf/oneOf the most useful words are in the branch that came closest.
        best = jsonschema.exceptions.best_match([error])
        field = ".".join(str(part) for part in best.absolute_path)
        raise ConfigError(source, field, str(best.validator), best.message)
    generation, limit = document["generation"], document["rate_limit"]
    storage, logging_, features = document["storage"], document["logging"], document["features"]
    return Config(
        project=document["project"],
        region=document["region"],
        period_seconds=generation["period_minutes"] * 60,
        limit=limit["limit"],
        window_seconds=limit["window_seconds"],
        ipv6_prefix_length=limit["ipv6_prefix_length"],
        fail_mode=limit["fail_mode"],
        retention_days=storage["retention_days"],
        noncurrent_version_days=storage["noncurrent_version_days"],
        alarm_email=document["alarms"]["email"],
        log_retention_days=logging_["retention_days"],
        express_log_level=logging_["express_log_level"],
        vpc=features["vpc"],
        api_authorizer=features["api_authorizer"],
        secondary_region=features["secondary_region"],
    )


def load_config(path: Path | str = CONFIG_FILE) -> Config:
    """Read, validate and return the configuration; raise `ConfigError` on any fault."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(str(path), "", "readable", exc.strerror or str(exc)) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), "", "json", f"line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    return parse_config(document, source=path.name)
