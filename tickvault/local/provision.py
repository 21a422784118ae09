"""Create, in the emulator, what the CDK app creates on AWS: key, bucket, table,
topic, task functions and state machines, from the configuration and from the
very files in workflows/ and tasks/."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field

import boto3

from tickvault.config import Config
from tickvault.names import GENERATE, GENERATE_TASKS, SERVE, Names
from tickvault.paths import ROOT, SCHEMAS, TASKS
from tickvault.workflows import render

from tasks.shared import metrics
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

RUNTIME = "python3.13"
TASK_TIMEOUT_SECONDS = 20
TASK_MEMORY_MB = 256
TTL_ATTRIBUTE = "expiresAt"
_ASSUME = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass
class Resources:
    """What was provisioned, by name and ARN."""

    names: Names
    key_arn: str = ""
    bucket: str = ""
    table: str = ""
    alarm_topic_arn: str = ""
    functions: dict[str, str] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)


def code_zip() -> bytes:
    """The Lambda asset: the `tasks` package and the schemas it validates against."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in (TASKS, SCHEMAS):
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    archive.write(path, path.relative_to(ROOT).as_posix())
    return buffer.getvalue()


class Provisioner:
    def __init__(self, config: Config, endpoint: str, substitutions_hook=None):
        self.config = config
        self.names = Names.of(config)
        self._session = boto3.session.Session(region_name=config.region)
        self._endpoint = endpoint
        self._hook = substitutions_hook

    def client(self, service: str):
        return self._session.client(service, endpoint_url=self._endpoint)

    def provision(self) -> Resources:
        resources = Resources(self.names)
        resources.key_arn = self._key()
        resources.bucket = self._bucket(resources.key_arn)
        resources.table = self._table()
        resources.alarm_topic_arn = self._topic(resources.key_arn)
        role = self._role()
        environment = self.task_environment(resources)
        resources.functions = {task: self._function(task, role, environment) for task in GENERATE_TASKS}
        substitutions = {
            "SealFunctionArn": resources.functions["seal"],
            "StoreFunctionArn": resources.functions["store"],
            "VerifyFunctionArn": resources.functions["verify"],
            "PublishFunctionArn": resources.functions["publish"],
            "AlarmTopicArn": resources.alarm_topic_arn,
            "MetricsNamespace": metrics.NAMESPACE,
            "ServiceName": self.config.project,
        }
        resources.state_machines[GENERATE] = self._state_machine(GENERATE, "STANDARD", substitutions, role)
        self._serving(resources, role, environment)
        return resources

    def _serving(self, resources: Resources, role: str, environment: dict[str, str]) -> None:
        resources.functions["decrypt"] = self._function("decrypt", role, environment)
        substitutions = {
            "TableName": resources.table,
            "RateLimit": str(self.config.limit),
            "FailMode": self.config.fail_mode,
            "DecryptFunctionArn": resources.functions["decrypt"],
        }
        resources.state_machines[SERVE] = self._state_machine(SERVE, "EXPRESS", substitutions, role)
        resources.functions["proxy"] = self._function("proxy", role, self.proxy_environment(resources))

    def proxy_environment(self, resources: Resources) -> dict[str, str]:
        return {
            SERVE_STATE_MACHINE_ENV: resources.state_machines[SERVE],
            RATE_LIMIT_ENV: str(self.config.limit),
            WINDOW_SECONDS_ENV: str(self.config.window_seconds),
            IPV6_PREFIX_ENV: str(self.config.ipv6_prefix_length),
            PERIOD_SECONDS_ENV: str(self.config.period_seconds),
            "POWERTOOLS_SERVICE_NAME": self.config.project,
        }

    def task_environment(self, resources: Resources) -> dict[str, str]:
        return {
            BUCKET_ENV: resources.bucket,
            TABLE_ENV: resources.table,
            KEY_ID_ENV: resources.key_arn,
            PERIOD_SECONDS_ENV: str(self.config.period_seconds),
            "POWERTOOLS_SERVICE_NAME": self.config.project,
        }

    def _key(self) -> str:
        kms = self.client("kms")
        key = kms.create_key(Description=f"{self.config.project}: files, table, topic, logs", KeyUsage="ENCRYPT_DECRYPT")
        arn = key["KeyMetadata"]["Arn"]
        kms.enable_key_rotation(KeyId=arn)
        kms.create_alias(AliasName=self.names.key_alias, TargetKeyId=arn)
        return arn

    def _bucket(self, key_arn: str) -> str:
        s3, name = self.client("s3"), self.names.bucket
        if self.config.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.config.region})
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        return name

    def _table(self) -> str:
        dynamodb, name = self.client("dynamodb"), self.names.table
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
        )
        return name

    def _topic(self, key_arn: str) -> str:
        topic = self.client("sns").create_topic(Name=self.names.alarm_topic, Attributes={"KmsMasterKeyId": key_arn})
        return topic["TopicArn"]

    def _role(self) -> str:
        role = self.client("iam").create_role(
            RoleName=f"{self.config.project}-local", AssumeRolePolicyDocument=json.dumps(_ASSUME)
        )
        return role["Role"]["Arn"]

    def _function(self, task: str, role: str, environment: dict[str, str]) -> str:
        function = self.client("lambda").create_function(
            FunctionName=self.names.function(task),
            Runtime=RUNTIME,
            Architectures=["arm64"],
            Role=role,
            Handler=f"tasks.{task}.handler",
            Code={"ZipFile": code_zip()},
            Timeout=TASK_TIMEOUT_SECONDS,
            MemorySize=TASK_MEMORY_MB,
            Environment={"Variables": environment},
        )
        return function["FunctionArn"]

    def _state_machine(self, workflow: str, kind: str, substitutions: dict[str, str], role: str) -> str:
        definition = render(workflow, substitutions)
        if self._hook is not None:
            definition = self._hook(workflow, definition)
        machine = self.client("stepfunctions").create_state_machine(
            name=self.names.state_machine(workflow), definition=definition, roleArn=role, type=kind
        )
        return machine["stateMachineArn"]
