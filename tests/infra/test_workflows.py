"""Both state machines: built from the very files in workflows/, with every
placeholder filled by the right resource, logged, traced, encrypted."""

from __future__ import annotations

import json
import re

import pytest

from tests.infra.conftest import arn, grants, ref, role_of_state_machine
from tickvault.paths import WORKFLOWS
from tickvault.workflows import WorkflowError, placeholders, render
from tickvault_cdk import workflow

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")
CDK_ADDED = {  # by CDK for logging, tracing and the customer-managed key
    "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
    "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
    "kms:Decrypt", "kms:GenerateDataKey",
}  # fmt: skip


def marker(value):
    """A stand-in string for a CloudFormation value: `<Logical.Arn>`, `<Logical>` or the literal."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    logical, attribute = value["Fn::GetAtt"]
    return f"<{logical}.{attribute}>"


def _machine(synth, workflow_name):
    return synth.one("AWS::StepFunctions::StateMachine", StateMachineName=f"tickvault-{workflow_name}")[1]["Properties"]


def _expected_values(synth, config, workflow_name):
    function = lambda task: marker(arn(synth, "AWS::Lambda::Function", FunctionName=f"tickvault-{task}"))  # noqa: E731
    if workflow_name == "generate":
        values = {f"{task.capitalize()}FunctionArn": function(task) for task in ("seal", "store", "verify", "publish")}
        return {
            **values,
            "AlarmTopicArn": marker(ref(synth, "AWS::SNS::Topic")),
            "MetricsNamespace": "tickvault",
            "ServiceName": config.project,
        }
    return {
        "TableName": marker(ref(synth, "AWS::DynamoDB::Table")),
        "RateLimit": str(config.limit),
        "FailMode": config.fail_mode,
        "DecryptFunctionArn": function("decrypt"),
    }


@pytest.mark.parametrize("workflow_name", ["generate", "serve"])
def test_deployed_definition_is_the_file_with_its_placeholders_filled(synth, config, workflow_name):
    machine = _machine(synth, workflow_name)
    uploaded = (synth.outdir / f"asset.{machine['DefinitionS3Location']['Key']}").read_text()
    assert uploaded == (WORKFLOWS / f"{workflow_name}.asl.json").read_text()

    substitutions = {name: marker(value) for name, value in machine["DefinitionSubstitutions"].items()}
    deployed = json.loads(PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], uploaded))
    expected = json.loads(render(workflow_name, _expected_values(synth, config, workflow_name)))
    assert deployed == expected


def test_substitutions_refuse_a_missing_or_an_unused_placeholder():
    values = {name: "x" for name in placeholders("generate")}
    workflow.substitutions("generate", values)
    with pytest.raises(WorkflowError, match=r"no value for placeholders \['AlarmTopicArn'\]"):
        workflow.substitutions("generate", {k: v for k, v in values.items() if k != "AlarmTopicArn"})
    with pytest.raises(WorkflowError, match=r"values for no placeholder \['Extra'\]"):
        workflow.substitutions("generate", {**values, "Extra": "x"})


def test_generate_is_standard_and_logs_every_event_without_execution_data(synth):
    machine = _machine(synth, "generate")
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False


def test_serve_is_express_and_logs_at_the_configured_level_without_execution_data(synth, config):
    machine = _machine(synth, "serve")
    assert machine["StateMachineType"] == "EXPRESS"
    assert machine["LoggingConfiguration"]["Level"] == config.express_log_level
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False


@pytest.mark.parametrize("workflow_name", ["generate", "serve"])
def test_machine_is_traced_and_encrypted_with_the_key_and_logs_to_an_encrypted_group(synth, workflow_name):
    machine = _machine(synth, workflow_name)
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["EncryptionConfiguration"]["Type"] == "CUSTOMER_MANAGED_KMS_KEY"
    assert machine["EncryptionConfiguration"]["KmsKeyId"] == arn(synth, "AWS::KMS::Key")
    (destination,) = machine["LoggingConfiguration"]["Destinations"]
    group = synth.resources[destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]]["Properties"]
    assert group["LogGroupName"] == f"/aws/vendedlogs/states/tickvault-{workflow_name}"
    assert group["KmsKeyId"] == arn(synth, "AWS::KMS::Key")


def test_generate_may_invoke_its_four_tasks_and_publish_to_the_alarm_topic(synth):
    granted = grants(synth, role_of_state_machine(synth, "tickvault-generate"))
    assert set(granted) == CDK_ADDED | {"lambda:InvokeFunction", "sns:Publish", "cloudwatch:PutMetricData"}
    assert granted["cloudwatch:PutMetricData"] == [("*", {"StringEquals": {"cloudwatch:namespace": "tickvault"}})]
    invoked = sorted(marker(resource) for resource, _ in granted["lambda:InvokeFunction"])
    assert invoked == sorted(
        marker(arn(synth, "AWS::Lambda::Function", FunctionName=f"tickvault-{task}"))
        for task in ("seal", "store", "verify", "publish")
    )
    assert granted["sns:Publish"] == [(ref(synth, "AWS::SNS::Topic"), None)]
    conditions = [json.dumps(condition) for _, condition in granted["kms:Decrypt"]]
    assert any("sns." in condition for condition in conditions)


def test_serve_may_count_read_the_pointer_and_invoke_decrypt_only(synth):
    granted = grants(synth, role_of_state_machine(synth, "tickvault-serve"))
    assert set(granted) == CDK_ADDED | {"dynamodb:UpdateItem", "dynamodb:GetItem", "lambda:InvokeFunction"}
    table = arn(synth, "AWS::DynamoDB::Table")
    assert granted["dynamodb:UpdateItem"] == [(table, None)]
    assert granted["dynamodb:GetItem"] == [(table, None)]
    decrypt = arn(synth, "AWS::Lambda::Function", FunctionName="tickvault-decrypt")
    assert granted["lambda:InvokeFunction"] == [(decrypt, None)]


@pytest.mark.parametrize("workflow_name", ["generate", "serve"])
def test_machine_uses_the_key_only_for_its_own_execution_data_and_named_services(synth, workflow_name):
    granted = grants(synth, role_of_state_machine(synth, f"tickvault-{workflow_name}"))
    for action in ("kms:Decrypt", "kms:GenerateDataKey"):
        for resource, condition in granted[action]:
            assert resource == arn(synth, "AWS::KMS::Key")
            assert condition, f"{action} on the key without a condition"
