"""`python -m tickvault`: bad arguments end in one usage line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
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


def run(*args: str) -> subprocess.CompletedProcess:
    ports = ["--moto-port", str(free_port()), "--port", str(free_port()), "--dashboard-port", str(free_port())]
    return subprocess.run([sys.executable, "-m", "tickvault", "run", *ports, *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_run_on_a_host_that_is_no_address_says_so_not_port_in_use():
    result = run("--host", "nosuch.invalid")
    assert result.returncode == 1
    assert result.stderr.startswith("tickvault: cannot start: host 'nosuch.invalid' is not an address"), result.stderr
    assert "in use" not in result.stderr and "Traceback" not in result.stderr
