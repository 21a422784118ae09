"""StartExecution without a name gets a fresh UUID name, as on AWS.

The name is optional in the Step Functions API (`aws stepfunctions
start-execution` without `--name`): AWS then names the execution with a UUID.
moto 5.2.5's executing backend (the one `execute_state_machine` turns on)
uses the missing name as it is, so the execution is called `None` (ARN ending
`:None`), `$$.Execution.Name` is null and Seal refuses its input, and every
later nameless start collides with it (ExecutionAlreadyExists) until restart.
"""

from __future__ import annotations

import functools
import inspect
import uuid

from moto.stepfunctions.parser.models import StepFunctionsParserBackend

# moto's StepFunctionResponse.start_execution calls it as (arn, name, input).
EXPECTED_PARAMETERS = ["self", "state_machine_arn", "name", "execution_input", "trace_header"]


def install() -> None:
    """Wrap moto's start_execution so a missing name becomes a UUID (idempotent)."""
    original = StepFunctionsParserBackend.start_execution
    if getattr(original, "__tickvault_named__", False):
        return
    parameters = list(inspect.signature(original).parameters)
    if parameters != EXPECTED_PARAMETERS:  # a moto upgrade moved the seam: say so rather than misname
        raise RuntimeError(f"moto's StepFunctionsParserBackend.start_execution now takes {parameters}, "
                           f"expected {EXPECTED_PARAMETERS}; pin moto to the version in requirements")

    @functools.wraps(original)
    def start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):
        return original(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)

    start_execution.__tickvault_named__ = True
    StepFunctionsParserBackend.start_execution = start_execution
