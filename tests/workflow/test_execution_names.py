"""StartExecution without a name, as the AWS CLI allows: AWS names the
execution with a UUID, and so must the emulator (moto 5.2.5 records `None`)."""

from __future__ import annotations

import json
import uuid

from tickvault import executions
from tickvault.names import GENERATE

INPUT = json.dumps({"scheduledTime": "2026-12-03T15:40:00Z"})


def test_a_generation_started_without_a_name_gets_a_uuid_name_and_succeeds(stack, sfn):
    machine = stack.resources.state_machines[GENERATE]
    names = []
    for _ in range(2):  # the second one used to fail with ExecutionAlreadyExists
        arn = sfn.start_execution(stateMachineArn=machine, input=INPUT)["executionArn"]
        result = executions.wait(sfn, arn)
        assert result["status"] == "SUCCEEDED", result.get("error")
        assert str(uuid.UUID(result["name"])) == result["name"]  # the form AWS gives
        assert arn.endswith(f":{result['name']}")
        names.append(result["name"])
    assert names[0] != names[1]
    listed = {e.name for e in executions.list_executions(sfn, machine)}
    assert set(names) <= listed


def test_a_given_name_is_kept(stack, sfn):
    machine = stack.resources.state_machines[GENERATE]
    arn = sfn.start_execution(stateMachineArn=machine, name="by-hand", input=INPUT)["executionArn"]
    assert executions.wait(sfn, arn)["name"] == "by-hand"
