"""An in-process Lambda runtime for moto, which would otherwise need Docker.

moto 5.2.5 runs a function in `LambdaFunction._invoke_lambda(self, event)`,
which returns `(payload, errored, logs)`. `install()` replaces that one method:
the handler named by the function's `Handler` (e.g. `tasks.seal.handler`) is
imported from this repository and called with the event and a context object,
and an exception becomes Lambda's error payload, so Step Functions' Retry and
Catch see the same error names as on AWS.

All functions share this process's environment. Each function's variables
are applied before its call; two functions that need different values for
the same variable cannot be emulated here, and that is reported as an error.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda import models as lambda_models

from tickvault.paths import ROOT

SEAM_CLASS = lambda_models.LambdaFunction
SEAM_METHOD = "_invoke_lambda"
SEAM_PARAMETERS = ["self", "event"]

_env_lock = threading.Lock()
_env_owner: dict[str, tuple[str, str]] = {}


class SeamMovedError(RuntimeError):
    """moto no longer runs functions where this runtime expects to hook in."""


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_seconds: float
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def check_seam() -> None:
    """Fail loudly if moto's method for running a function has moved or changed shape."""
    method = getattr(SEAM_CLASS, SEAM_METHOD, None)
    if method is None:
        raise SeamMovedError(f"moto has no {SEAM_CLASS.__name__}.{SEAM_METHOD}; pin moto to the version in requirements")
    parameters = list(inspect.signature(method).parameters)
    if parameters != SEAM_PARAMETERS:
        raise SeamMovedError(f"{SEAM_CLASS.__name__}.{SEAM_METHOD} now takes {parameters}, expected {SEAM_PARAMETERS}")


def install() -> None:
    """Replace moto's Docker runner with `invoke_in_process` (idempotent)."""
    if getattr(SEAM_CLASS, SEAM_METHOD) is invoke_in_process:
        return
    check_seam()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    setattr(SEAM_CLASS, SEAM_METHOD, invoke_in_process)


def resolve(handler: str):
    """`tasks.seal.handler` -> the function object."""
    module_name, _, attribute = handler.rpartition(".")
    if not module_name:
        raise ImportError(f"handler {handler!r} is not of the form module.function")
    return getattr(importlib.import_module(module_name), attribute)


def _apply_environment(function_name: str, variables: dict[str, str]) -> None:
    with _env_lock:
        for name, value in variables.items():
            owner = _env_owner.get(name)
            if owner is not None and owner[1] != value and owner[0] != function_name:
                raise RuntimeError(
                    f"in-process runtime: {function_name} sets {name}={value!r}, but {owner[0]} set {owner[1]!r}"
                )
            _env_owner[name] = (function_name, value)
            os.environ[name] = value


def forget_environment() -> None:
    """Drop the record of which function set what (tests reprovision between cases)."""
    with _env_lock:
        _env_owner.clear()


def error_payload(exc: BaseException) -> dict[str, Any]:
    """Lambda's shape for an unhandled exception."""
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def invoke_in_process(self: lambda_models.LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    """Run the function's handler here and return what moto's Docker runner would."""
    if event is None:
        event = {}
    context = LambdaContext(
        function_name=self.function_name,
        memory_limit_in_mb=int(self.memory_size),
        invoked_function_arn=self.function_arn,
        timeout_seconds=float(self.timeout),
    )
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            _apply_environment(self.function_name, dict(self.environment_vars))
            outcome["result"] = resolve(self.handler)(event, context)
        except BaseException as exc:  # the runtime reports every failure, as Lambda does
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=f"lambda:{self.function_name}", daemon=True)
    worker.start()
    worker.join(context.timeout_seconds)
    if worker.is_alive():
        timed_out = {"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {self.timeout} seconds"}
        return json.dumps(timed_out), True, ""
    if "error" in outcome:
        return json.dumps(error_payload(outcome["error"])), True, ""
    try:
        return json.dumps(outcome["result"]), False, ""
    except (TypeError, ValueError) as exc:
        return json.dumps({"errorType": "Runtime.MarshalError", "errorMessage": str(exc)}), True, ""
