"""One task Lambda: its own role, its own encrypted log group, the shared code asset."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from tickvault.config import Config
from tickvault_cdk import constants, metrics, nag
from tickvault_cdk.storage import Storage

POWERTOOLS_SERVICE_ENV = "POWERTOOLS_SERVICE_NAME"


def encrypted_log_group(
    scope: Construct, construct_id: str, *, name: str, storage: Storage, config: Config
) -> logs.LogGroup:
    """A log group under `name`, encrypted with the key, kept for the configured days."""
    group = logs.LogGroup(
        scope,
        construct_id,
        log_group_name=storage.log_group_name(name),
        encryption_key=storage.key,
        removal_policy=RemovalPolicy.DESTROY,
    )
    # The schema allows exactly CloudWatch's retention values; RetentionDays is an enum of names.
    group.node.default_child.retention_in_days = config.log_retention_days  # type: ignore[union-attr]
    return group


class TaskFunction(Construct):
    """`tasks.<task>.handler` on Python 3.13, arm64, X-Ray active, configured by environment."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        task: str,
        function_name: str,
        code: lambda_.Code,
        storage: Storage,
        config: Config,
        environment: Mapping[str, str],
        timeout_seconds: int = constants.TASK_TIMEOUT_SECONDS,
        memory_mb: int = constants.TASK_MEMORY_MB,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{function_name}: only what tasks/{task}.py calls",
        )
        self.log_group = encrypted_log_group(
            self, "Logs", name=f"/aws/lambda/{function_name}", storage=storage, config=config
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=f"tickvault task {task}",
            runtime=lambda_.Runtime(constants.PYTHON_RUNTIME, lambda_.RuntimeFamily.PYTHON),
            architecture=lambda_.Architecture.ARM_64,
            handler=f"tasks.{task}.handler",
            code=code,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            timeout=Duration.seconds(timeout_seconds),
            memory_size=memory_mb,
            environment={
                POWERTOOLS_SERVICE_ENV: config.project,
                metrics.NAMESPACE_ENV: metrics.NAMESPACE,
                **environment,
            },
        )
        self.allow(["logs:CreateLogStream", "logs:PutLogEvents"], [self.log_group.log_group_arn])
        self._accept_findings()

    def _accept_findings(self) -> None:
        nag.suppress(
            self.role.node.find_child("DefaultPolicy"),
            "IAM5",
            "Added by active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords "
            "support no resource-level permissions, so '*' is the only resource they take.",
            ["Resource::*"],
        )
        nag.suppress(
            self.function,
            "L1",
            f"Pinned to {constants.PYTHON_RUNTIME} on purpose: the bundled compiled wheels "
            "(cryptography, cffi, rpds-py) are chosen for CPython "
            f"{constants.PYTHON_VERSION} at synth time. Moving on is one change in constants.py "
            "and a rerun of the bundling test.",
        )

    def allow(
        self, actions: Sequence[str], resources: Sequence[str], conditions: Mapping[str, Any] | None = None
    ) -> None:
        """Add one statement to the function's own role."""
        self.role.add_to_policy(
            iam.PolicyStatement(actions=list(actions), resources=list(resources), conditions=dict(conditions or {}))
        )
