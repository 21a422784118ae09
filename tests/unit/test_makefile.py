"""Every CLI command but `run` (which has its own target) is a make target
that passes ARGS through: README shows them as `make <command>`."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tickvault import cli
from tickvault.paths import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


@pytest.mark.parametrize("command", sorted(set(cli.COMMANDS) - {"run"}))
def test_each_cli_command_is_a_make_target_that_passes_args(command):
    # -n prints the recipe without running it. Under `make test` the outer make's flags are in the
    # environment and would add "Entering directory" lines: run this one on its own.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    result = subprocess.run(["make", "-n", "--no-print-directory", command,
                             "ARGS=tick-1 --endpoint-url http://127.0.0.1:5001"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    recipe = [line for line in result.stdout.splitlines() if "-m tickvault" in line]
    assert recipe and recipe[-1].endswith(f"/bin/python -m tickvault {command} tick-1 --endpoint-url http://127.0.0.1:5001")
