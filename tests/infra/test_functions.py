"""The six task Lambdas: runtime, architecture, logs, tracing, configuration
and, action by action, what each role may do."""

from __future__ import annotations

import json

import pytest

from tasks import proxy
from tasks.shared.envelope import CONTEXT_KEY
from tasks.shared.settings import (
    BUCKET_ENV,
    IPV6_PREFIX_ENV,
    KEY_ID_ENV,
    PERIOD_SECONDS_ENV,
    RATE_LIMIT_ENV,
    SERVE_STATE_MACHINE_ENV,
    TABLE_ENV,
    WINDOW_SECONDS_ENV,
)
from tests.infra.conftest import arn, grants, ref, role_of_function
from tickvault.paths import WORKFLOWS
from tickvault_cdk import constants, metrics

TASKS = ("seal", "store", "verify", "publish", "decrypt", "proxy")
XRAY_AND_LOGS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "logs:CreateLogStream", "logs:PutLogEvents"}


def _function(synth, task):
    return synth.one("AWS::Lambda::Function", FunctionName=f"tickvault-{task}")[1]["Properties"]


def _key(synth):
    return arn(synth, "AWS::KMS::Key")


def _bucket_arn(synth):
    (name,) = [n for n, b in synth.of_type("AWS::S3::Bucket").items() if "LoggingConfiguration" in b["Properties"]]
    return {"Fn::GetAtt": [name, "Arn"]}


def _files(synth):
    return {"Fn::Join": ["", [_bucket_arn(synth), "/files/*"]]}


def _via(service):
    return {
        "StringEquals": {
            "kms:ViaService": {"Fn::Join": ["", [f"{service}.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
        }
    }


def _sealed_file():
    return {"StringLike": {f"kms:EncryptionContext:{CONTEXT_KEY}": "files/*"}}


def _s3_key_use(synth):
    return {**_via("s3"), "ArnEquals": {"kms:EncryptionContext:aws:s3:arn": _bucket_arn(synth)}}


@pytest.mark.parametrize("task", TASKS)
def test_task_runs_python_313_on_arm64_with_xray_and_its_handler(synth, task):
    function = _function(synth, task)
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == f"tasks.{task}.handler"
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == metrics.NAMESPACE
    assert function["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "tickvault"


@pytest.mark.parametrize("task", TASKS)
def test_task_writes_to_its_own_encrypted_log_group(synth, task):
    group_id = _function(synth, task)["LoggingConfig"]["LogGroup"]["Ref"]
    group = synth.resources[group_id]["Properties"]
    assert group["LogGroupName"] == f"/aws/lambda/tickvault-{task}"
    assert group["KmsKeyId"] == _key(synth)


def test_each_task_has_a_role_of_its_own(synth):
    roles = {role_of_function(synth, f"tickvault-{task}") for task in TASKS}
    assert len(roles) == len(TASKS)


@pytest.mark.parametrize("task", TASKS)
def test_task_may_write_only_its_own_log_group_and_traces(synth, task):
    granted = grants(synth, role_of_function(synth, f"tickvault-{task}"))
    group = _function(synth, task)["LoggingConfig"]["LogGroup"]["Ref"]
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        assert granted[action] == [({"Fn::GetAtt": [group, "Arn"]}, None)]
    for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords"):
        assert granted[action] == [("*", None)]


def test_generation_tasks_are_configured_through_the_environment(synth, config):
    for task in ("seal", "store", "verify", "publish"):
        variables = _function(synth, task)["Environment"]["Variables"]
        assert variables[BUCKET_ENV] == {"Ref": _bucket_arn(synth)["Fn::GetAtt"][0]}
        assert variables[TABLE_ENV] == ref(synth, "AWS::DynamoDB::Table")
        assert variables[KEY_ID_ENV] == _key(synth)
        assert variables[PERIOD_SECONDS_ENV] == str(config.period_seconds)


def test_proxy_is_configured_through_the_environment(synth, config):
    variables = _function(synth, "proxy")["Environment"]["Variables"]
    assert variables[SERVE_STATE_MACHINE_ENV] == ref(
        synth, "AWS::StepFunctions::StateMachine", StateMachineName="tickvault-serve"
    )
    assert variables[RATE_LIMIT_ENV] == str(config.limit)
    assert variables[WINDOW_SECONDS_ENV] == str(config.window_seconds)
    assert variables[IPV6_PREFIX_ENV] == str(config.ipv6_prefix_length)
    assert variables[PERIOD_SECONDS_ENV] == str(config.period_seconds)


def test_seal_may_only_make_data_keys_bound_to_a_file(synth):
    granted = grants(synth, role_of_function(synth, "tickvault-seal"))
    assert set(granted) == XRAY_AND_LOGS | {"kms:GenerateDataKey"}
    assert granted["kms:GenerateDataKey"] == [(_key(synth), _sealed_file())]


def test_store_may_only_put_and_head_files_with_the_bucket_key(synth):
    granted = grants(synth, role_of_function(synth, "tickvault-store"))
    assert set(granted) == XRAY_AND_LOGS | {"s3:PutObject", "s3:GetObject", "kms:GenerateDataKey"}
    assert granted["s3:PutObject"] == [(_files(synth), None)]
    assert granted["s3:GetObject"] == [(_files(synth), None)]
    assert granted["kms:GenerateDataKey"] == [(_key(synth), _s3_key_use(synth))]


def test_verify_may_only_read_files_and_decrypt_them(synth):
    granted = grants(synth, role_of_function(synth, "tickvault-verify"))
    assert set(granted) == XRAY_AND_LOGS | {"s3:GetObject", "kms:Decrypt"}
    assert granted["s3:GetObject"] == [(_files(synth), None)]
    assert granted["kms:Decrypt"] == [(_key(synth), _s3_key_use(synth)), (_key(synth), _sealed_file())]


def test_publish_may_only_update_the_table(synth):
    granted = grants(synth, role_of_function(synth, "tickvault-publish"))
    assert set(granted) == XRAY_AND_LOGS | {"dynamodb:UpdateItem", "kms:Decrypt"}
    assert granted["dynamodb:UpdateItem"] == [(arn(synth, "AWS::DynamoDB::Table"), None)]
    assert granted["kms:Decrypt"] == [(_key(synth), _via("dynamodb"))]


def test_decrypt_may_only_read_file_versions_and_decrypt_them(synth):
    granted = grants(synth, role_of_function(synth, "tickvault-decrypt"))
    assert set(granted) == XRAY_AND_LOGS | {"s3:GetObject", "s3:GetObjectVersion", "kms:Decrypt"}
    assert granted["s3:GetObject"] == [(_files(synth), None)]
    assert granted["s3:GetObjectVersion"] == [(_files(synth), None)]
    assert granted["kms:Decrypt"] == [(_key(synth), _s3_key_use(synth)), (_key(synth), _sealed_file())]


def test_proxy_may_only_start_sync_executions_of_the_serve_machine(synth):
    granted = grants(synth, role_of_function(synth, "tickvault-proxy"))
    assert set(granted) == XRAY_AND_LOGS | {"states:StartSyncExecution", "kms:GenerateDataKey", "kms:Decrypt"}
    serve = ref(synth, "AWS::StepFunctions::StateMachine", StateMachineName="tickvault-serve")
    assert granted["states:StartSyncExecution"] == [(serve, None)]
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        ((resource, condition),) = granted[action]
        assert resource == _key(synth)
        machine = condition["StringEquals"]["kms:EncryptionContext:aws:states:stateMachineArn"]
        assert machine["Fn::Join"][1][-1] == ":stateMachine:tickvault-serve"


def test_timeouts_nest_from_the_serve_workflow_out_to_the_http_api(synth):
    serve = json.loads((WORKFLOWS / "serve.asl.json").read_text())
    proxy_wait = proxy.START_SYNC_CONNECT_TIMEOUT_SECONDS + proxy.START_SYNC_READ_TIMEOUT_SECONDS
    proxy_timeout = _function(synth, "proxy")["Timeout"]
    _, integration = synth.one("AWS::ApiGatewayV2::Integration")
    api_timeout = integration["Properties"]["TimeoutInMillis"] / 1000

    assert serve["TimeoutSeconds"] < proxy.START_SYNC_READ_TIMEOUT_SECONDS
    assert proxy_wait < proxy_timeout == constants.PROXY_TIMEOUT_SECONDS
    assert proxy_timeout < api_timeout < 30


@pytest.mark.parametrize(
    "workflow, state, task",
    [
        ("generate", "Seal", "seal"),
        ("generate", "Store", "store"),
        ("generate", "Verify", "verify"),
        ("generate", "Publish", "publish"),
        ("serve", "Decrypt", "decrypt"),
    ],
)
def test_task_timeout_fits_inside_its_state_timeout(synth, workflow, state, task):
    document = json.loads((WORKFLOWS / f"{workflow}.asl.json").read_text())
    assert _function(synth, task)["Timeout"] <= document["States"][state]["TimeoutSeconds"]
