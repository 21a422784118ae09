"""StartSyncExecution for moto, which has Express workflows but not this call.

It is added as one more action of moto's Step Functions responses: the
execution runs to its end on the request's thread (moto's own synchronous
worker) and the answer has the shape AWS gives (status, output, error, cause).
"""

from __future__ import annotations

import copy
import datetime
import json
import uuid

from moto.core.responses import ActionResult
from moto.stepfunctions.parser.api import StateMachineType
from moto.stepfunctions.parser.backend.execution import SyncExecution
from moto.stepfunctions.responses import StepFunctionResponse

# Express executions are not listed by AWS; the emulator keeps the most recent
# ones so they can be inspected locally, and forgets older ones to bound memory.
KEEP_EXPRESS_EXECUTIONS = 2000


class StateMachineTypeNotSupported(Exception):
    pass


def start_sync_execution(backend, state_machine_arn: str, name: str | None, execution_input: str | None):
    machine = backend.describe_state_machine(state_machine_arn)
    # NOTE: moto 5.2.5 keeps the requested type in `type`; its `sm_type` is always STANDARD.
    if machine.type != StateMachineType.EXPRESS.value:
        from moto.stepfunctions.exceptions import ValidationException

        raise ValidationException("StartSyncExecution is only for EXPRESS state machines")
    snapshot = copy.deepcopy(machine, {id(machine.executions): [], id(machine.backend): machine.backend})
    name = name or uuid.uuid4().hex
    execution = SyncExecution(
        name=name,
        sm_type=StateMachineType.EXPRESS,
        role_arn=snapshot.roleArn,
        # AWS names Express executions `...:express:<machine>:<name>:<id>`; moto's DescribeExecution and
        # GetExecutionHistory only parse the Standard form, so the emulator uses that one.
        exec_arn=f"{machine.arn.replace(':stateMachine:', ':execution:')}:{name}",
        account_id=backend.account_id,
        region_name=backend.region_name,
        state_machine=snapshot,
        start_date=datetime.datetime.now(tz=datetime.UTC),
        cloud_watch_logging_session=None,
        input_data=execution_input or "{}",
        activity_store={},
    )
    machine.executions.append(execution)
    if len(machine.executions) > KEEP_EXPRESS_EXECUTIONS:
        del machine.executions[: len(machine.executions) - KEEP_EXPRESS_EXECUTIONS]
    execution.start()  # SyncExecutionWorker runs the program here, to its end
    return execution


def _start_sync_execution_action(self: StepFunctionResponse) -> ActionResult:
    execution = start_sync_execution(
        self.stepfunction_backend,
        self._get_param("stateMachineArn"),
        self._get_param("name"),
        self._get_param("input"),
    )
    answer = {
        "executionArn": execution.exec_arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": execution.sync_execution_status.value,
        "startDate": execution.start_date,
        "stopDate": execution.stop_date,
        "input": json.dumps(execution.input_data, separators=(",", ":")),
    }
    if execution.output is not None:
        answer["output"] = execution.output if isinstance(execution.output, str) else json.dumps(execution.output)
    if execution.error is not None:
        answer["error"] = execution.error
    if execution.cause is not None:
        answer["cause"] = execution.cause
    return ActionResult(answer)


def install() -> None:
    StepFunctionResponse.start_sync_execution = _start_sync_execution_action
