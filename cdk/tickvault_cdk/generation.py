"""The generation path: four task Lambdas, the Standard `generate` workflow
from workflows/generate.asl.json, and the schedule that starts it."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from tasks.shared import metrics
from tasks.shared.envelope import CONTEXT_KEY
from tasks.shared.settings import BUCKET_ENV, KEY_ID_ENV, PERIOD_SECONDS_ENV, TABLE_ENV
from tickvault.config import Config
from tickvault.names import GENERATE, GENERATE_TASKS, Names
from tickvault_cdk import constants, nag, workflow
from tickvault_cdk.functions import TaskFunction
from tickvault_cdk.storage import FILES_PREFIX, Storage


def via(service: str) -> dict[str, dict[str, str]]:
    """Condition: the key is used by `service` on the caller's behalf, not called directly."""
    return {"StringEquals": {"kms:ViaService": f"{service}.{Aws.REGION}.amazonaws.com"}}


def sealed_file_context() -> dict[str, dict[str, str]]:
    """Condition: a direct KMS call for a file's data key, bound to a key under files/."""
    return {"StringLike": {f"kms:EncryptionContext:{CONTEXT_KEY}": f"{FILES_PREFIX}*"}}


class Generation(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: Config,
        names: Names,
        storage: Storage,
        topic: sns.ITopic,
        code: lambda_.Code,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config, self._names, self._storage = config, names, storage
        self.functions = {task: self._build_function(task, code) for task in GENERATE_TASKS}
        self._grant_tasks()
        self.state_machine = self._build_state_machine(topic)
        self.dead_letter_queue = self._build_dead_letter_queue()
        self.schedule = self._build_schedule()

    # --- task functions ----------------------------------------------------

    def _build_function(self, task: str, code: lambda_.Code) -> TaskFunction:
        storage = self._storage
        environment = {
            BUCKET_ENV: storage.bucket.bucket_name,
            TABLE_ENV: storage.table.table_name,
            KEY_ID_ENV: storage.key.key_arn,
            PERIOD_SECONDS_ENV: str(self._config.period_seconds),
        }
        return TaskFunction(
            self,
            task.capitalize(),
            task=task,
            function_name=self._names.function(task),
            code=code,
            storage=storage,
            config=self._config,
            environment=environment,
        )

    def _grant_tasks(self) -> None:
        """Each task's role gets the calls its module makes, and nothing else."""
        key, bucket, table = self._storage.key.key_arn, self._storage.bucket, self._storage.table
        files = bucket.arn_for_objects(f"{FILES_PREFIX}*")
        s3_context = {**via("s3"), "ArnEquals": {"kms:EncryptionContext:aws:s3:arn": bucket.bucket_arn}}
        seal, store, verify, publish = (self.functions[task] for task in GENERATE_TASKS)

        seal.allow(["kms:GenerateDataKey"], [key], sealed_file_context())

        # PutObject with SSE-KMS; HeadObject (a repeated tick) is authorised as s3:GetObject.
        store.allow(["s3:PutObject", "s3:GetObject"], [files])
        store.allow(["kms:GenerateDataKey"], [key], s3_context)

        verify.allow(["s3:GetObject"], [files])
        verify.allow(["kms:Decrypt"], [key], s3_context)
        verify.allow(["kms:Decrypt"], [key], sealed_file_context())

        publish.allow(["dynamodb:UpdateItem"], [table.table_arn])
        publish.allow(["kms:Decrypt"], [key], via("dynamodb"))

        for function in (store, verify):
            nag.suppress(
                function.role.node.find_child("DefaultPolicy"),
                "IAM5",
                "Objects are written under files/<date>/<time>.txt, one key per tick, so the "
                "task needs every key under the files/ prefix and nothing else in the bucket.",
                [f"Resource::<{nag.logical_id(bucket)}.Arn>/{FILES_PREFIX}*"],
            )

    # --- workflow ----------------------------------------------------------

    def _build_state_machine(self, topic: sns.ITopic) -> sfn.StateMachine:
        name = self._names.state_machine(GENERATE)
        values = {f"{task.capitalize()}FunctionArn": fn.function.function_arn for task, fn in self.functions.items()}
        values["AlarmTopicArn"] = topic.topic_arn
        values["MetricsNamespace"] = metrics.NAMESPACE
        values["ServiceName"] = self._config.project
        machine = workflow.state_machine(
            self,
            name=name,
            workflow_name=GENERATE,
            kind=sfn.StateMachineType.STANDARD,
            level=sfn.LogLevel.ALL,
            values=values,
            storage=self._storage,
            config=self._config,
        )
        nag.suppress(
            machine.role.node.find_child("DefaultPolicy"),
            "IAM5",
            "Added by CDK for logging and tracing: the CloudWatch Logs vended-delivery calls "
            "(logs:CreateLogDelivery and the rest) and the X-Ray calls support no "
            "resource-level permissions, so '*' is the only resource they take; so does "
            "cloudwatch:PutMetricData, which a condition keeps to the tickvault namespace.",
            ["Resource::*"],
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[fn.function.function_arn for fn in self.functions.values()],
            )
        )
        machine.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[topic.topic_arn]))
        # The failure path records GenerationFailed itself. PutMetricData takes no resource ARN;
        # the condition keeps it to the project's namespace.
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": metrics.NAMESPACE}},
            )
        )
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[self._storage.key.key_arn],
                conditions=via("sns"),
            )
        )
        return machine

    # --- schedule ----------------------------------------------------------

    def _build_dead_letter_queue(self) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            "DeadLetters",
            queue_name=f"{self._names.state_machine(GENERATE)}-dead-letters",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self._storage.key,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=RemovalPolicy.DESTROY,
        )
        nag.suppress(
            queue,
            "SQS3",
            "This queue is the dead-letter queue: it holds the ticks EventBridge Scheduler "
            "could not deliver, for an operator to inspect.",
        )
        return queue

    def _build_schedule(self) -> scheduler.Schedule:
        role = iam.Role(
            self,
            "ScheduleRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description="EventBridge Scheduler: start the generate workflow, park undeliverable ticks",
        )
        key = self._storage.key.key_arn
        # The dead-letter queue is encrypted with the key: sending to it needs a data key.
        role.add_to_policy(
            iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[key], conditions=via("sqs"))
        )
        # So is the workflow's execution data: StartExecution encrypts the input.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey"],
                resources=[key],
                conditions=workflow.execution_data_context(self, self._names.state_machine(GENERATE)),
            )
        )
        target = targets.StepFunctionsStartExecution(
            self.state_machine,
            role=role,
            input=scheduler.ScheduleTargetInput.from_object(
                {"scheduledTime": scheduler.ContextAttribute.scheduled_time}
            ),
            dead_letter_queue=self.dead_letter_queue,
            # A tick older than one period is superseded by the next one.
            max_event_age=Duration.seconds(self._config.period_seconds),
            retry_attempts=constants.SCHEDULE_RETRY_ATTEMPTS,
        )
        return scheduler.Schedule(
            self,
            "Schedule",
            schedule_name=self._names.state_machine(GENERATE),
            description=f"Start {self._names.state_machine(GENERATE)} at every tick",
            schedule=scheduler.ScheduleExpression.expression(self._config.schedule_expression),
            target=target,
            key=self._storage.key,
        )
