"""The request path: the HTTP API, the proxy Lambda, the Express `serve`
workflow from workflows/serve.asl.json and the decrypt Lambda it calls."""

from __future__ import annotations

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from tasks.shared.settings import (
    BUCKET_ENV,
    IPV6_PREFIX_ENV,
    PERIOD_SECONDS_ENV,
    RATE_LIMIT_ENV,
    SERVE_STATE_MACHINE_ENV,
    WINDOW_SECONDS_ENV,
)
from tickvault.config import Config
from tickvault.names import SERVE, Names
from tickvault_cdk import constants, nag, workflow
from tickvault_cdk.functions import TaskFunction, encrypted_log_group
from tickvault_cdk.generation import sealed_file_context, via
from tickvault_cdk.storage import FILES_PREFIX, Storage

# One JSON object per request. status and latency are numbers, so Contributor
# Insights can filter on status 429 and the dashboard can aggregate.
ACCESS_LOG_FIELDS = {
    "requestId": '"$context.requestId"',
    "sourceIp": '"$context.identity.sourceIp"',
    "requestTime": '"$context.requestTime"',
    "method": '"$context.httpMethod"',
    "path": '"$context.path"',
    "routeKey": '"$context.routeKey"',
    "status": "$context.status",
    "latency": "$context.responseLatency",
    "integrationLatency": '"$context.integrationLatency"',
    "integrationStatus": '"$context.integrationStatus"',
    "integrationError": '"$context.integrationErrorMessage"',
    "responseLength": '"$context.responseLength"',
}


def access_log_format() -> str:
    return "{" + ",".join(f'"{name}":{value}' for name, value in ACCESS_LOG_FIELDS.items()) + "}"


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(group)
        self._format = apigateway.AccessLogFormat.custom(access_log_format())

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return self._format


class Serving(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        names: Names,
        storage: Storage,
        code: lambda_.Code,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config, self._names, self._storage = config, names, storage
        self.decrypt = self._build_decrypt(code)
        self.state_machine = self._build_state_machine()
        self.proxy = self._build_proxy(code)
        self.access_logs = encrypted_log_group(
            self, "AccessLogs", name=f"/aws/vendedlogs/apigateway/{names.project}-http", storage=storage, config=config
        )
        self.api, self.stage = self._build_api()

    @property
    def functions(self) -> dict[str, TaskFunction]:
        return {"decrypt": self.decrypt, "proxy": self.proxy}

    # --- decrypt -----------------------------------------------------------

    def _build_decrypt(self, code: lambda_.Code) -> TaskFunction:
        storage = self._storage
        decrypt = TaskFunction(
            self,
            "Decrypt",
            task="decrypt",
            function_name=self._names.function("decrypt"),
            code=code,
            storage=storage,
            config=self._config,
            environment={BUCKET_ENV: storage.bucket.bucket_name},
            timeout_seconds=constants.DECRYPT_TIMEOUT_SECONDS,
            memory_mb=constants.DECRYPT_MEMORY_MB,
        )
        # GetObject with a VersionId is authorised as s3:GetObjectVersion.
        decrypt.allow(["s3:GetObject", "s3:GetObjectVersion"], [storage.bucket.arn_for_objects(f"{FILES_PREFIX}*")])
        s3_context = {**via("s3"), "ArnEquals": {"kms:EncryptionContext:aws:s3:arn": storage.bucket.bucket_arn}}
        decrypt.allow(["kms:Decrypt"], [storage.key.key_arn], s3_context)
        decrypt.allow(["kms:Decrypt"], [storage.key.key_arn], sealed_file_context())
        nag.suppress(
            decrypt.role.node.find_child("DefaultPolicy"),
            "IAM5",
            "The latest pointer names any object under files/<date>/<time>.txt, so the task "
            "reads every key under the files/ prefix and nothing else in the bucket.",
            [f"Resource::<{nag.logical_id(storage.bucket)}.Arn>/{FILES_PREFIX}*"],
        )
        return decrypt

    # --- workflow ----------------------------------------------------------

    def _build_state_machine(self) -> sfn.StateMachine:
        name = self._names.state_machine(SERVE)
        table = self._storage.table
        values = {
            "TableName": table.table_name,
            "RateLimit": str(self._config.limit),
            "FailMode": self._config.fail_mode,
            "DecryptFunctionArn": self.decrypt.function.function_arn,
        }
        level = sfn.LogLevel[self._config.express_log_level]
        machine = workflow.state_machine(
            self,
            name=name,
            workflow_name=SERVE,
            kind=sfn.StateMachineType.EXPRESS,
            level=level,
            values=values,
            storage=self._storage,
            config=self._config,
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(actions=["dynamodb:UpdateItem", "dynamodb:GetItem"], resources=[table.table_arn])
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"], resources=[self._storage.key.key_arn], conditions=via("dynamodb")
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self.decrypt.function.function_arn])
        )
        self._accept_machine_findings(machine, level)
        return machine

    def _accept_machine_findings(self, machine: sfn.StateMachine, level: sfn.LogLevel) -> None:
        nag.suppress(
            machine.role.node.find_child("DefaultPolicy"),
            "IAM5",
            "Added by CDK for logging and tracing: the CloudWatch Logs vended-delivery calls "
            "(logs:CreateLogDelivery and the rest) and the X-Ray calls support no "
            "resource-level permissions, so '*' is the only resource they take.",
            ["Resource::*"],
        )
        if level != sfn.LogLevel.ALL:
            nag.suppress(
                machine,
                "SF1",
                f"Express executions are logged at {level.name} (configuration: logging.express_log_level). "
                "ALL writes about 23 log events per served request, which is what the console needs to show "
                "every execution, and roughly doubles the cost per request (README, Cost).",
            )

    # --- proxy and API -----------------------------------------------------

    def _build_proxy(self, code: lambda_.Code) -> TaskFunction:
        config = self._config
        proxy = TaskFunction(
            self,
            "Proxy",
            task="proxy",
            function_name=self._names.function("proxy"),
            code=code,
            storage=self._storage,
            config=config,
            environment={
                SERVE_STATE_MACHINE_ENV: self.state_machine.state_machine_arn,
                RATE_LIMIT_ENV: str(config.limit),
                WINDOW_SECONDS_ENV: str(config.window_seconds),
                IPV6_PREFIX_ENV: str(config.ipv6_prefix_length),
                PERIOD_SECONDS_ENV: str(config.period_seconds),
            },
            timeout_seconds=constants.PROXY_TIMEOUT_SECONDS,
            memory_mb=constants.PROXY_MEMORY_MB,
        )
        proxy.allow(["states:StartSyncExecution"], [self.state_machine.state_machine_arn])
        # The serve machine's data is encrypted with the key: input in, output out.
        proxy.allow(
            ["kms:GenerateDataKey", "kms:Decrypt"],
            [self._storage.key.key_arn],
            workflow.execution_data_context(self, self._names.state_machine(SERVE)),
        )
        return proxy

    def _build_api(self) -> tuple[apigwv2.HttpApi, apigwv2.HttpStage]:
        integration = integrations.HttpLambdaIntegration(
            "Proxy",
            self.proxy.function,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
            timeout=Duration.seconds(constants.API_TIMEOUT_SECONDS),
        )
        api = apigwv2.HttpApi(
            self,
            "Api",
            api_name=f"{self._names.project}-http",
            description="GET/HEAD /latest: the newest file, at most the configured requests per IP and window",
            create_default_stage=False,
            # Every other path and method reaches the proxy too, which answers 404/405 after counting.
            default_integration=integration,
        )
        routes = api.add_routes(
            path=constants.LATEST_PATH,
            methods=[apigwv2.HttpMethod.GET, apigwv2.HttpMethod.HEAD],
            integration=integration,
        )
        stage = apigwv2.HttpStage(
            self,
            "Stage",
            http_api=api,
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(self.access_logs),
            throttle=apigwv2.ThrottleSettings(
                rate_limit=constants.API_THROTTLE_RATE, burst_limit=constants.API_THROTTLE_BURST
            ),
        )
        for route in [*routes, api.node.find_child("DefaultRoute")]:
            nag.suppress(
                route.node.default_child,
                "APIG4",
                "A public endpoint by design: anyone may read the newest file, and the per-IP "
                "limit is the control. An authorizer is the configuration's features.api_authorizer, "
                "not built yet.",
            )
        return api, stage

    def endpoint(self) -> str:
        return self.stage.url
