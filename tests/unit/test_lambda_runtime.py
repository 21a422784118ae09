"""The in-process Lambda runtime and the moto seam it replaces."""

from __future__ import annotations

import inspect
import json
import time

import moto
import pytest
from moto.awslambda.models import LambdaFunction

from tickvault.local import lambda_runtime


def test_moto_is_the_pinned_version_the_seam_was_written_for():
    assert moto.__version__ == "5.2.5", "moto moved: re-check LambdaFunction._invoke_lambda before re-pinning"


def test_moto_still_runs_functions_through_the_seam():
    # Fails loudly if moto renames or reshapes the method we replace, or stops calling it.
    lambda_runtime.check_seam()
    assert "self._invoke_lambda(event=body)" in inspect.getsource(LambdaFunction.invoke)


def test_install_replaces_the_seam(stack):
    assert LambdaFunction._invoke_lambda is lambda_runtime.invoke_in_process


def test_check_seam_fails_loudly_when_the_method_is_gone(monkeypatch):
    monkeypatch.setattr(lambda_runtime, "SEAM_METHOD", "_no_such_method")
    with pytest.raises(lambda_runtime.SeamMovedError, match="_no_such_method"):
        lambda_runtime.check_seam()


def test_exceptions_become_lambda_error_payloads_with_their_names(stack):
    lam = stack.client("lambda")
    answer = lam.invoke(FunctionName=stack.resources.functions["seal"], Payload=json.dumps({"bad": 1}))
    assert answer["FunctionError"]
    payload = json.loads(answer["Payload"].read())
    assert payload["errorType"] == "InvalidInputError"
    assert "tick" in payload["errorMessage"]


def slow_handler(event, context):
    time.sleep(event)


def test_a_handler_that_overruns_its_timeout_reports_sandbox_timedout():
    class Slow:
        function_name, memory_size, timeout = "slow", 128, 0.2
        function_arn, environment_vars = "arn:slow", {}
        handler = f"{__name__}.slow_handler"

    payload, errored, _ = lambda_runtime.invoke_in_process(Slow(), 5)
    assert errored
    assert json.loads(payload)["errorType"] == "Sandbox.Timedout"


def test_two_functions_disagreeing_on_a_variable_are_reported(stack):
    lambda_runtime.forget_environment()
    lambda_runtime._apply_environment("a", {"TICKVAULT_TEST_VAR": "1"})
    with pytest.raises(RuntimeError, match="TICKVAULT_TEST_VAR"):
        lambda_runtime._apply_environment("b", {"TICKVAULT_TEST_VAR": "2"})
    lambda_runtime.forget_environment()
