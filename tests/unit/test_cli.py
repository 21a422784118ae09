"""`python -m tickvault`: bad arguments end in one usage line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import free_port
from tickvault import cli
from tickvault.paths import ROOT


def usage_error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("flag", ["--port", "--moto-port", "--dashboard-port"])
@pytest.mark.parametrize("value", ["-1", "70000", "65536", "http"])
def test_a_port_out_of_range_is_a_usage_error(capsys, flag, value):
    line = usage_error(capsys, ["run", flag, value])
    assert line == f"tickvault run: error: argument {flag}: {value!r} is not a port (0 to 65535)"


@pytest.mark.parametrize("value", ["0", "65535"])
def test_ports_at_the_ends_of_the_range_are_accepted(value):
    assert cli.build_parser().parse_args(["run", "--port", value]).port == int(value)


def test_a_bad_moto_port_in_the_environment_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setenv("MOTO_PORT", "99999")
    assert "argument --moto-port: '99999' is not a port" in usage_error(capsys, ["run"])


@pytest.mark.parametrize("value", ["-5", "0", "1001", "many"])
def test_an_executions_limit_the_api_refuses_is_a_usage_error(capsys, value):
    line = usage_error(capsys, ["executions", "--limit", value])
    assert line == f"tickvault executions: error: argument --limit: {value!r} is not a number from 1 to 1000"


@pytest.mark.parametrize("value", ["1", "1000"])
def test_executions_limits_the_api_accepts(value):
    assert cli.build_parser().parse_args(["executions", "--limit", value]).limit == int(value)


def test_at_without_an_offset_is_utc_and_the_help_says_so(capsys):
    parsed = cli.build_parser().parse_args(["generate", "--at", "2026-12-03T19:20:00"])
    assert parsed.at == datetime(2026, 12, 3, 19, 20, tzinfo=UTC)
    with pytest.raises(SystemExit):
        cli.main(["generate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "without an offset (Z, +01:00) is taken as UTC" in help_text


def test_at_with_an_offset_is_converted_to_utc():
    parsed = cli.build_parser().parse_args(["generate", "--at", "2026-12-03T20:20:00+01:00"])
    assert parsed.at == datetime(2026, 12, 3, 19, 20, tzinfo=UTC) and parsed.at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["nonsense", "9999-12-31T23:59:59-01:00"])
def test_at_that_is_no_time_is_a_usage_error(capsys, value):
    assert "argument --at:" in usage_error(capsys, ["generate", "--at", value])


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("1969-12-31T23:59:00Z", "tickvault: --at 1969-12-31T23:59:00Z is before 1970"),
        ("1970-01-01T00:59:00+02:00", "tickvault: --at 1969-12-31T22:59:00Z is before 1970"),
        ("2099-01-01T02:00:00+02:00", "tickvault: --at 2099-01-01T00:00:00Z is in the future (now "),
        ("2099-01-01T00:00:00", "tickvault: --at 2099-01-01T00:00:00Z is in the future (now "),
    ],
)
def test_both_at_refusals_print_times_alike_and_start_nothing(capsys, at, expected):
    # Refused before any call: the endpoint is a closed port.
    assert cli.main(["generate", "--at", at, "--endpoint-url", f"http://127.0.0.1:{free_port()}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected), err
    assert "+00:00" not in err and "'" not in err


def test_refusal_follows_seals_clock_skew_allowance():
    now = datetime(2026, 12, 3, 19, 20, tzinfo=UTC)
    assert cli.refusal(now + timedelta(seconds=60), now) is None
    assert "is in the future (now 2026-12-03T19:20:00Z;" in cli.refusal(now + timedelta(seconds=61), now)
    assert cli.refusal(datetime(1970, 1, 1, tzinfo=UTC), now) is None


def run(*args: str) -> subprocess.CompletedProcess:
    ports = ["--moto-port", str(free_port()), "--port", str(free_port()), "--dashboard-port", str(free_port())]
    return subprocess.run([sys.executable, "-m", "tickvault", "run", *ports, *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_run_on_a_host_that_is_no_address_says_so_not_port_in_use():
    result = run("--host", "nosuch.invalid")
    assert result.returncode == 1
    assert result.stderr.startswith("tickvault: cannot start: host 'nosuch.invalid' is not an address"), result.stderr
    assert "in use" not in result.stderr and "Traceback" not in result.stderr
