"""State machine definitions from workflows/*.asl.json, the files the local stack runs."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from tickvault.paths import WORKFLOWS
from tickvault.workflows import WorkflowError, placeholders


def definition_body(name: str) -> sfn.DefinitionBody:
    return sfn.DefinitionBody.from_file(str(WORKFLOWS / f"{name}.asl.json"))


def substitutions(name: str, values: Mapping[str, str]) -> dict[str, str]:
    """`values` checked against the file's `${Placeholders}`: none left empty, none unused."""
    wanted = placeholders(name)
    missing, unused = wanted - set(values), set(values) - wanted
    if missing or unused:
        raise WorkflowError(
            f"workflows/{name}.asl.json: no value for placeholders {sorted(missing)}; "
            f"values for no placeholder {sorted(unused)}"
        )
    return dict(values)


def state_machine_arn(scope: Construct, name: str) -> str:
    """A state machine's ARN built from its name, for conditions that must not depend on the machine."""
    return Stack.of(scope).format_arn(
        service="states", resource="stateMachine", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
    )


def execution_data_context(scope: Construct, name: str) -> dict[str, dict[str, str]]:
    """Condition: the key is used for the execution data of state machine `name` only."""
    return {"StringEquals": {"kms:EncryptionContext:aws:states:stateMachineArn": state_machine_arn(scope, name)}}
