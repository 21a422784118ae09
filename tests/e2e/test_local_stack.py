"""`python -m tickvault run` as a process, as `make run` starts it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import boto3
import pytest

from tests.conftest import free_port, needs_ipv6
from tickvault.paths import ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def running():
    port = free_port()
    env = {**os.environ, "MOTO_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tickvault", "run", "--moto-port", str(port), "--port", str(free_port()),
         "--dashboard-port", str(free_port()), "--every", "4s"],  # never the default ports (8081)
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    banner = []
    for line in process.stdout:
        banner.append(line)
        if line.lstrip().startswith("schedule"):
            break
    ready_at = time.monotonic()
    endpoint = f"http://127.0.0.1:{port}"
    first_file_after = wait_for_first_file(endpoint, ready_at)
    yield process, endpoint, first_file_after, "".join(banner)
    if process.poll() is None:
        process.kill()
        process.wait()


def wait_for_first_file(endpoint, ready_at, limit=15.0) -> float | None:
    """Seconds from the banner to the first stored object, or None if none came in `limit` seconds."""
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    while time.monotonic() - ready_at < limit:
        if s3.list_objects_v2(Bucket="tickvault-files").get("KeyCount", 0):
            return time.monotonic() - ready_at
        time.sleep(0.2)
    return None


def cli(endpoint, *args):
    return subprocess.run(
        [sys.executable, "-m", "tickvault", *args, "--endpoint-url", endpoint],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_banner_says_what_started_and_where(running):
    _, endpoint, _, banner = running
    assert endpoint in banner and "s3://tickvault-files" in banner and "every 4s" in banner


def test_first_file_is_stored_within_15_seconds(running):
    _, _, first_file_after, _ = running
    assert first_file_after is not None, "no file within 15 s of the services starting"


def test_cli_starts_a_generation_and_reads_executions_and_history(running):
    _, endpoint, _, _ = running
    generated = cli(endpoint, "generate", "--at", "2026-12-03T15:43:12Z")
    assert generated.returncode == 0, generated.stderr
    name = generated.stdout.split()[0]
    # The demo period (4 s) is what the key is floored to; an older tick never moves "latest" back.
    assert "SUCCEEDED" in generated.stdout and "files/2026/12/03/154312Z.txt" in generated.stdout
    assert '"publication": {"published": false}' in generated.stdout

    listed = cli(endpoint, "executions", "generate")
    assert listed.returncode == 0 and name in listed.stdout

    history = cli(endpoint, "history", name)
    assert history.returncode == 0, history.stderr
    states = [line.split()[2] for line in history.stdout.splitlines()[2:] if line.strip()]
    assert states == ["Seal", "Store", "Verify", "Publish", "Done"]


def test_history_finds_serve_executions_by_name_and_says_plainly_when_none(running):
    _, endpoint, _, banner = running
    http_port = int(banner.split("HTTP endpoint")[1].split("/latest")[0].rsplit(":", 1)[1])
    urllib.request.urlopen(f"http://127.0.0.1:{http_port}/latest", timeout=30).read()
    listed = cli(endpoint, "executions", "serve")
    name = listed.stdout.splitlines()[1].split()[-1]
    history = cli(endpoint, "history", name)
    assert history.returncode == 0, history.stderr
    assert [line.split()[2] for line in history.stdout.splitlines()[2:]][:2] == ["CheckRate", "Route"]

    missing = cli(endpoint, "history", "tick-20261203T154000Z-1a2b3c4d")
    assert missing.returncode == 1
    assert "no execution named" in missing.stderr and "Traceback" not in missing.stderr


def test_cli_says_plainly_when_nothing_is_running():
    result = cli(f"http://127.0.0.1:{free_port()}", "executions")
    assert result.returncode == 1
    assert "is `make run` running?" in result.stderr and "Traceback" not in result.stderr


def test_status_reports_the_newest_file_and_the_alarms(running):
    _, endpoint, _, _ = running
    result = cli(endpoint, "status")
    assert result.returncode == 0, result.stderr
    assert "newest file   files/" in result.stdout
    for alarm in ("tickvault-rate-limited", "tickvault-generation-failed", "tickvault-file-too-old"):
        assert alarm in result.stdout


def test_sigterm_stops_cleanly_with_exit_0(running):
    process, _, _, _ = running
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in err
    assert "stored files/" in out  # each tick logs one readable line


@pytest.mark.parametrize("which", ["--port", "--moto-port"])
def test_a_taken_port_is_reported_plainly_and_quickly(which):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports = {"--port": free_port(), "--moto-port": free_port(), which: port}
        result = subprocess.run(
            [sys.executable, "-m", "tickvault", "run", "--moto-port", str(ports["--moto-port"]),
             "--port", str(ports["--port"]), "--dashboard-port", str(free_port())],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 1
    assert "cannot start" in result.stderr and "Traceback" not in result.stderr
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr


@needs_ipv6
def test_the_whole_stack_runs_on_an_ipv6_host():
    ports = [str(free_port()) for _ in range(3)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tickvault", "run", "--host", "::1", "--moto-port", ports[0], "--port", ports[1],
         "--dashboard-port", ports[2]],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        out = []
        for line in process.stdout:  # the start-up tick runs through moto's interpreter, on ::1 too
            out.append(line)
            if re.match(r"\d\d:\d\d:\d\d tick ", line):  # the tick's one line, stored or not
                break
        banner = "".join(out)
        assert f"http://[::1]:{ports[1]}/latest" in banner and f"http://[::1]:{ports[2]}/" in banner, banner
        assert " stored files/" in banner, banner + (process.stderr.read() if process.poll() is not None else "")
        with urllib.request.urlopen(f"http://[::1]:{ports[1]}/latest", timeout=30) as answer:
            assert answer.status == 200 and "made at:" in answer.read().decode()
        status = cli(f"http://[::1]:{ports[0]}", "status")
        assert status.returncode == 0 and "newest file   files/" in status.stdout, status.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0 and "Traceback" not in err, err[-500:]


def test_a_restart_right_after_a_stop_binds_the_same_ports():
    ports = [str(free_port()) for _ in range(3)]
    command = [sys.executable, "-m", "tickvault", "run", "--moto-port", ports[0], "--port", ports[1],
               "--dashboard-port", ports[2]]
    for attempt in range(2):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in process.stdout:
            if " stored files/" in line:
                break
        # Served connections leave sockets in TIME_WAIT on the server side.
        for port in ports[1:]:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).close() if port == ports[2] else None
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{ports[1]}/latest", timeout=30).close()
        except urllib.error.HTTPError:
            pass
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 0, f"attempt {attempt}: {err[-500:]}"
