"""The data at rest: the customer-managed key, the files bucket (with its
access-log bucket) and the table that holds the latest pointer and the rate
counters."""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from tasks.shared.timekeys import KEY_PREFIX
from tickvault.config import Config
from tickvault.names import Names

PARTITION_KEY = "pk"
TTL_ATTRIBUTE = "expiresAt"
FILES_PREFIX = KEY_PREFIX  # every object key the tasks write starts with it
IA_AFTER_DAYS = 30  # days: the earliest S3 moves an object to Standard-IA


class Storage(Construct):
    """Key, buckets and table. Log groups are registered here too, because the
    key policy names each log group that may use the key."""

    def __init__(self, scope: Construct, construct_id: str, *, config: Config, names: Names) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._names = names
        self._log_group_names: list[str] = []
        self.key = self._build_key()
        self.access_logs = self._build_access_log_bucket()
        self.bucket = self._build_files_bucket()
        self.table = self._build_table()

    # --- key ---------------------------------------------------------------

    def _build_key(self) -> kms.Key:
        key = kms.Key(
            self,
            "Key",
            alias=self._names.key_alias,
            description=f"{self._config.project}: files, bucket, table, topic, queue, logs, Step Functions data",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Alarms publish to the encrypted topic as cloudwatch.amazonaws.com; without
        # this statement SNS cannot use the key for them and drops every notification.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToUseEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        return key

    def log_group_name(self, name: str) -> str:
        """Register log group `name` as a user of the key and return it."""
        self._log_group_names.append(name)
        return name

    def allow_registered_log_groups(self) -> None:
        """Let CloudWatch Logs use the key for exactly the registered log groups.

        Called once, after every construct has registered its log groups; the
        ARNs are built from names, so the key does not depend on the groups.
        """
        stack = Stack.of(self)
        arns = [
            stack.format_arn(
                service="logs", resource="log-group", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
            )
            for name in self._log_group_names
        ]
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsForTheStackLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": arns}},
            )
        )

    # --- buckets -----------------------------------------------------------

    def _build_access_log_bucket(self) -> s3.Bucket:
        # S3 server access logs cannot be delivered to an SSE-KMS bucket: SSE-S3 here.
        bucket = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=f"{self._names.bucket}-access-logs-{Aws.ACCOUNT_ID}-{Aws.REGION}",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(self._config.retention_days),
                    noncurrent_version_expiration=Duration.days(self._config.noncurrent_version_days),
                )
            ],
        )
        return bucket

    def _build_files_bucket(self) -> s3.Bucket:
        return s3.Bucket(
            self,
            "Files",
            bucket_name=f"{self._names.bucket}-{Aws.ACCOUNT_ID}-{Aws.REGION}",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=f"{self._names.bucket}/",
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=self._files_lifecycle(),
            # S3's own default, written out: objects under 128 KB stay in Standard, where
            # they are cheaper than Standard-IA's 128 KB minimum charge (README, Cost).
            transition_default_minimum_object_size=s3.TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K,
        )

    def _files_lifecycle(self) -> list[s3.LifecycleRule]:
        config = self._config
        rules = [
            s3.LifecycleRule(
                id="expire-noncurrent-versions",
                noncurrent_version_expiration=Duration.days(config.noncurrent_version_days),
            ),
            s3.LifecycleRule(id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(1)),
        ]
        # Standard-IA from day 30 on; a retention that short just expires the files.
        transitions = []
        if config.retention_days > IA_AFTER_DAYS:
            transitions = [
                s3.Transition(
                    storage_class=s3.StorageClass.INFREQUENT_ACCESS, transition_after=Duration.days(IA_AFTER_DAYS)
                )
            ]
        rules.append(
            s3.LifecycleRule(
                id="age-out-files",
                prefix=FILES_PREFIX,
                transitions=transitions,
                expiration=Duration.days(config.retention_days),
            )
        )
        return rules

    # --- table -------------------------------------------------------------

    def _build_table(self) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            "State",
            table_name=self._names.table,
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            removal_policy=RemovalPolicy.RETAIN,
        )
