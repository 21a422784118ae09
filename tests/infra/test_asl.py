"""The ASL files themselves: valid for asl-validator, and every Task state that
can fail retries, catches and has a timeout."""

from __future__ import annotations

import json
import subprocess

import pytest

from tickvault.paths import ROOT, WORKFLOWS

WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.asl.json"))


@pytest.fixture(scope="session")
def asl_validator() -> str:
    """The linter from package-lock.json, installed into node_modules/ by `make node-install`."""
    subprocess.run(["make", "--no-print-directory", "-s", "node-install"], cwd=ROOT, check=True)
    return str(ROOT / "node_modules" / ".bin" / "asl-validator")


def test_both_workflows_are_present():
    assert [path.name for path in WORKFLOW_FILES] == ["generate.asl.json", "serve.asl.json"]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_passes_the_asl_linter(asl_validator, path):
    run = subprocess.run([asl_validator, "--json-path", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_asl_linter_rejects_a_broken_definition(asl_validator, tmp_path):
    broken = tmp_path / "broken.asl.json"
    broken.write_text(json.dumps({"StartAt": "Nowhere", "States": {"Here": {"Type": "Succeed"}}}))
    run = subprocess.run([asl_validator, "--json-path", str(broken)], capture_output=True, text=True)
    assert run.returncode != 0


def _tasks(path):
    states = json.loads(path.read_text())["States"]
    return states, {name: state for name, state in states.items() if state["Type"] == "Task"}


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_task_state_retries_catches_and_times_out(path):
    states, tasks = _tasks(path)
    assert tasks, f"{path.name} has no Task state"
    for name, state in tasks.items():
        assert state.get("TimeoutSeconds", 0) > 0, f"{path.name}: {name} has no TimeoutSeconds"
        assert state.get("Retry"), f"{path.name}: {name} has no Retry"
        # A Task whose only way on is a Fail state fails the execution whether it
        # catches or not (generate's Notify): a Catch there would change nothing.
        ends_in_failure = states.get(state.get("Next", ""), {}).get("Type") == "Fail"
        assert state.get("Catch") or ends_in_failure, f"{path.name}: {name} has no Catch"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_retries_back_off_with_jitter_and_never_retry_a_refusal(path):
    _, tasks = _tasks(path)
    for name, state in tasks.items():
        for retrier in state["Retry"]:
            assert retrier.get("JitterStrategy") == "FULL", f"{path.name}: {name}"
            assert "DynamoDB.ConditionalCheckFailedException" not in retrier["ErrorEquals"], f"{path.name}: {name}"
