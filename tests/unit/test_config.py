"""The configuration file: defaults load, and each rule of its schema refuses
a bad value with a message naming the field and the rule."""

from __future__ import annotations

import copy
import json

import pytest

from tickvault.config import ConfigError, load_config, parse_config
from tickvault.paths import CONFIG_FILE

DEFAULTS = json.loads(CONFIG_FILE.read_text())


def with_value(path: str, value):
    document = copy.deepcopy(DEFAULTS)
    *parents, last = path.split(".")
    target = document
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return document


DELETE = object()


def test_defaults_carry_the_mission_numbers():
    config = load_config()
    assert (config.limit, config.window_seconds, config.period_seconds) == (210, 600, 600)
    assert config.ipv6_prefix_length == 64
    assert config.fail_mode == "closed"
    assert config.alarm_email == ""
    assert config.schedule_expression == "cron(0/10 * * * ? *)"


@pytest.mark.parametrize(
    ("minutes", "expression"),
    [(1, "cron(0/1 * * * ? *)"), (15, "cron(0/15 * * * ? *)"), (120, "cron(0 0/2 * * ? *)"),
     (7, "rate(7 minutes)"), (90, "rate(90 minutes)")],
)
def test_periods_that_divide_the_hour_or_day_are_aligned_with_cron(minutes, expression):
    document = with_value("generation.period_minutes", minutes)
    assert parse_config(document).schedule_expression == expression


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"),
    [
        ("project", "Tick Vault", "project", "pattern"),
        ("project", DELETE, "", "required"),
        ("region", "moon-1", "region", "pattern"),
        ("generation.period_minutes", 0, "generation.period_minutes", "minimum"),
        ("generation.period_minutes", 1441, "generation.period_minutes", "maximum"),
        ("generation.period_minutes", "10", "generation.period_minutes", "type"),
        ("rate_limit.limit", 0, "rate_limit.limit", "minimum"),
        ("rate_limit.limit", 2.5, "rate_limit.limit", "type"),
        ("rate_limit.window_seconds", 0, "rate_limit.window_seconds", "minimum"),
        ("rate_limit.window_seconds", 86401, "rate_limit.window_seconds", "maximum"),
        ("rate_limit.ipv6_prefix_length", 0, "rate_limit.ipv6_prefix_length", "minimum"),
        ("rate_limit.ipv6_prefix_length", 129, "rate_limit.ipv6_prefix_length", "maximum"),
        ("rate_limit.fail_mode", "sometimes", "rate_limit.fail_mode", "enum"),
        ("rate_limit.burst", 5, "rate_limit", "additionalProperties"),
        ("storage.retention_days", 0, "storage.retention_days", "minimum"),
        ("storage.noncurrent_version_days", -1, "storage.noncurrent_version_days", "minimum"),
        ("alarms.email", "not-an-address", "alarms.email", "anyOf"),
        ("logging.retention_days", 31, "logging.retention_days", "enum"),
        ("logging.express_log_level", "DEBUG", "logging.express_log_level", "enum"),
        ("features.vpc", "yes", "features.vpc", "type"),
        ("features.secondary_region", "mars", "features.secondary_region", "pattern"),
    ],
)
def test_each_rule_refuses_a_bad_value_naming_field_and_rule(path, value, field, rule):
    with pytest.raises(ConfigError) as caught:
        parse_config(with_value(path, value), source="tickvault.json")
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert str(caught.value).startswith(f"tickvault.json: {field or '(top level)'} breaks rule '{rule}': ")


def test_a_valid_email_is_accepted():
    assert parse_config(with_value("alarms.email", "ops@example.com")).alarm_email == "ops@example.com"


def test_missing_file_is_reported_by_path(tmp_path):
    with pytest.raises(ConfigError, match=r"missing\.json: \(top level\) breaks rule 'readable'"):
        load_config(tmp_path / "missing.json")


def test_broken_json_is_reported_with_its_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"project": ')
    with pytest.raises(ConfigError, match=r"broken\.json: \(top level\) breaks rule 'json': line 1 column 13"):
        load_config(path)


def test_a_demo_period_shorter_than_a_second_is_refused():
    with pytest.raises(ConfigError, match="--every"):
        load_config().with_period(0)


def test_cli_stops_on_invalid_configuration_with_the_message(tmp_path, capsys):
    from tickvault.cli import main

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(with_value("rate_limit.limit", 0)))
    assert main(["--config", str(path), "executions"]) == 2
    assert "rate_limit.limit breaks rule 'minimum': 0 is less than the minimum of 1" in capsys.readouterr().err
