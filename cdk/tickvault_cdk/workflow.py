"""State machine definitions from workflows/*.asl.json, the files the local stack runs."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from tickvault.config import Config
from tickvault.paths import WORKFLOWS
from tickvault.workflows import WorkflowError, placeholders
from tickvault_cdk import constants
from tickvault_cdk.functions import encrypted_log_group
from tickvault_cdk.storage import Storage


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


def state_machine(
    scope: Construct,
    *,
    name: str,
    workflow_name: str,
    kind: sfn.StateMachineType,
    level: sfn.LogLevel,
    values: Mapping[str, str],
    storage: Storage,
    config: Config,
) -> sfn.StateMachine:
    """A state machine from its ASL file, logged to its own encrypted group without
    execution data (file text passes through serve), traced, its data encrypted with the key."""
    return sfn.StateMachine(
        scope,
        "StateMachine",
        state_machine_name=name,
        state_machine_type=kind,
        definition_body=definition_body(workflow_name),
        definition_substitutions=substitutions(workflow_name, values),
        logs=sfn.LogOptions(
            destination=encrypted_log_group(
                scope, "Logs", name=f"/aws/vendedlogs/states/{name}", storage=storage, config=config
            ),
            level=level,
            include_execution_data=False,
        ),
        tracing_enabled=True,
        encryption_configuration=sfn.CustomerManagedEncryptionConfiguration(
            storage.key, Duration.seconds(constants.SFN_DATA_KEY_REUSE_SECONDS)
        ),
    )
