"""The local dashboard, rendered by headless Chromium after a run with
refused requests, checked for its content and saved as a screenshot."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port
from tickvault.paths import CONFIG_FILE, ROOT

pytestmark = pytest.mark.e2e
SCREENSHOT = ROOT / "artifacts" / "dashboard.png"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    config = json.loads(CONFIG_FILE.read_text())
    config["rate_limit"]["limit"] = 3  # a small limit, so refusals come quickly
    path = tmp_path_factory.mktemp("config") / "tickvault.json"
    path.write_text(json.dumps(config))
    ports = {name: free_port() for name in ("--moto-port", "--port", "--dashboard-port")}
    command = [sys.executable, "-m", "tickvault", "--config", str(path), "run"]
    for name, port in ports.items():
        command += [name, str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        if " stored files/" in line:
            break
    yield ports
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def status(port) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=30) as answer:
        return json.load(answer)


def chromium(*args: str) -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "Chromium is missing: `make test` installs Debian's chromium package (make browser)"
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_dashboard_shows_the_run_with_refusals_and_the_alarm(running):
    for _ in range(6):  # limit 3: three answers, three refusals, all from 127.0.0.1
        try:
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{running['--port']}/latest"), timeout=60)
        except urllib.error.HTTPError:
            pass  # 429s are expected
    deadline = time.monotonic() + 30  # the evaluator runs every 5 s, the inbox is read every second
    while time.monotonic() < deadline and not status(running["--dashboard-port"])["notifications"]:
        time.sleep(1)

    data = status(running["--dashboard-port"])
    assert data["alarms"]["tickvault-rate-limited"] == "ALARM"
    assert data["traffic"]["windows"][0]["refused"] >= 1
    assert data["newestFile"]["key"].startswith("files/")

    url = f"http://127.0.0.1:{running['--dashboard-port']}/"
    dom = chromium("--dump-dom", url)
    for text in ("Newest file", data["newestFile"]["key"], "Executions: generate", "Executions: serve",
                 "Most refused addresses", "127.0.0.1", 'ALARM: "tickvault-rate-limited"', "next tick"):
        assert text in dom, text
    assert "made at: " not in dom  # the file's content never appears

    serve_run = data["executions"]["serve"][0]["arn"]
    detail = chromium("--dump-dom", f"{url}?execution={urllib.parse.quote(serve_run, safe='')}")
    assert "CheckRate" in detail and "<h2>Execution " in detail

    SCREENSHOT.parent.mkdir(exist_ok=True)
    chromium(f"--screenshot={SCREENSHOT}", "--window-size=1400,1100", url)
    assert SCREENSHOT.stat().st_size > 10_000


@pytest.mark.parametrize("query", ["garbage", "x%0a17:47:00%20tick%20FAKE", "<script>alert(1)</script>", "a" * 5000])
def test_an_unknown_execution_is_a_404_page_that_escapes_the_query(running, query):
    url = f"http://127.0.0.1:{running['--dashboard-port']}/?execution={query}"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url, timeout=30)
    assert caught.value.code == 404
    page = caught.value.read().decode()
    assert "no such execution" in page and "<script>" not in page
