"""`python -m tickvault`: bad arguments end in one usage line, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

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


# --- what goes wrong at the endpoint or the account: one line `tickvault: ...`, exit 1, no traceback ---

def one_error_line(capsys, argv: list[str]) -> str:
    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and len(captured.err.splitlines()) == 1, captured.err
    return captured.err.strip()


ENDPOINT_COMMANDS = [["status"], ["generate"], ["executions"], ["executions", "serve"], ["history", "tick-1"]]


@pytest.mark.parametrize("argv", ENDPOINT_COMMANDS)
@pytest.mark.parametrize("url", ["notaurl", "127.0.0.1:5000", "http://", "ftp://x", "http://[::1",
                                 "http://127.0.0.1:99999"])
def test_an_invalid_endpoint_url_is_named(capsys, argv, url):
    line = one_error_line(capsys, [*argv, "--endpoint-url", url])
    assert line.startswith(f"tickvault: invalid endpoint URL {url!r}"), line
    assert "http://127.0.0.1:5000" in line  # what a valid one looks like


@pytest.fixture
def no_aws_credentials(monkeypatch, tmp_path):
    """No credentials anywhere botocore looks: environment, files, container or instance metadata."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.parametrize("argv", [
    ["status"], ["executions"], ["executions", "serve"], ["history", "tick-1"],
    ["history", "arn:aws:states:us-east-1:123456789012:express:tickvault-serve:req-1:4b0b2c1e"],
])
def test_aws_without_credentials_says_so(capsys, no_aws_credentials, argv):
    line = one_error_line(capsys, [*argv, "--endpoint-url", ""])
    assert line.startswith("tickvault: no usable AWS credentials: Unable to locate credentials"), line


def test_an_unknown_aws_profile_is_named(capsys, no_aws_credentials, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "nosuch")
    line = one_error_line(capsys, ["status", "--endpoint-url", ""])
    assert line.startswith("tickvault: no usable AWS credentials: The config profile (nosuch) could not be found")


def test_an_aws_error_is_named_with_its_code_and_message(capsys, stack):
    stack.client("dynamodb").delete_table(TableName=stack.resources.table)
    line = one_error_line(capsys, ["status", "--endpoint-url", stack.endpoint])
    assert line == (f"tickvault: GetItem at {stack.endpoint} failed: "
                    "ResourceNotFoundException: Requested resource not found"), line


def test_an_unreachable_endpoint_asks_whether_make_run_runs(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert one_error_line(capsys, ["status", "--endpoint-url", url]) == (
        f"tickvault: cannot reach {url}: is `make run` running?")


def test_an_endpoint_that_never_answers_is_named_not_waited_on(capsys, monkeypatch):
    monkeypatch.setattr(cli, "CLIENT_CONFIG", Config(connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 1}))
    with socket.socket() as silent:  # takes connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        line = one_error_line(capsys, ["status", "--endpoint-url", url])
    assert line == f"tickvault: {url} took the connection but did not answer in time: is it the emulator?"


def test_an_html_error_page_is_cut_to_its_first_line():
    page = "<!DOCTYPE HTML>\n<html><body>" + "x" * 5000 + "</body></html>"
    error = ClientError({"Error": {"Code": "501", "Message": page}}, "GetItem")
    assert cli.aws_failure(error, "http://127.0.0.1:8081") == "GetItem at http://127.0.0.1:8081 failed: 501: <!DOCTYPE HTML>"


def test_a_programming_error_keeps_its_traceback(monkeypatch):
    # KeyError is a LookupError, but a bug, not "no such execution": it must not become `tickvault: 'name'`.
    def broken(args, config):
        return {}["name"]

    monkeypatch.setitem(cli.COMMANDS, "status", broken)
    with pytest.raises(KeyError):
        cli.main(["status"])


@pytest.mark.parametrize(("first", "second"), [("--moto-port", "--port"), ("--port", "--dashboard-port"),
                                               ("--moto-port", "--dashboard-port")])
def test_one_port_given_twice_is_refused_by_its_number_before_anything_starts(first, second):
    port = str(free_port())
    result = run(first, port, second, port)
    assert result.returncode == 1
    assert result.stderr == f"tickvault: cannot start: port {port} is given to both {first} and {second}\n"
    assert result.stdout == ""  # no stack was started


def test_port_0_may_be_given_to_all_three():
    args = cli.build_parser().parse_args(["run", "--moto-port", "0", "--port", "0", "--dashboard-port", "0"])
    assert cli.port_clash(args) is None
