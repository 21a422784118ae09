"""Key, buckets and table: the data at rest."""

from __future__ import annotations

from aws_cdk.assertions import Match

from tests.infra.conftest import arn


def _key(synth):
    ((_, key),) = synth.of_type("AWS::KMS::Key").items()
    return key["Properties"]


def _key_statements(synth):
    return {s.get("Sid", ""): s for s in _key(synth)["KeyPolicy"]["Statement"]}


def test_one_customer_managed_key_with_rotation(synth):
    synth.template.resource_count_is("AWS::KMS::Key", 1)
    assert _key(synth)["EnableKeyRotation"] is True
    synth.template.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def test_key_policy_names_exactly_the_services_that_use_the_key(synth):
    principals = sorted(str(s["Principal"]) for s in _key(synth)["KeyPolicy"]["Statement"])
    assert principals == sorted(
        [
            # the account (administration and the roles' own IAM policies)
            str({"AWS": {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":root"]]}}),
            # alarms publishing to the encrypted topic
            str({"Service": "cloudwatch.amazonaws.com"}),
            # the log groups, below
            str({"Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}),
            # Step Functions' vended log delivery for the encrypted machines (added by CDK)
            str({"Service": "delivery.logs.amazonaws.com"}),
        ]
    )


def test_cloudwatch_alarms_may_use_the_key_or_their_notifications_are_dropped(synth):
    statement = _key_statements(synth)["AllowCloudWatchAlarmsToUseEncryptedTopic"]
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]


def test_cloudwatch_logs_may_use_the_key_for_exactly_the_stack_log_groups(synth):
    statement = _key_statements(synth)["AllowCloudWatchLogsForTheStackLogGroups"]
    allowed = statement["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
    allowed_names = {arn["Fn::Join"][1][-1].split(":log-group:")[1] for arn in allowed}
    groups = synth.of_type("AWS::Logs::LogGroup").values()
    assert allowed_names == {group["Properties"]["LogGroupName"] for group in groups}
    assert len(allowed) == len(allowed_names)


def test_every_log_group_is_encrypted_and_kept_for_the_configured_days(synth, config):
    for group in synth.of_type("AWS::Logs::LogGroup").values():
        assert group["Properties"]["KmsKeyId"] == arn(synth, "AWS::KMS::Key")
        assert group["Properties"]["RetentionInDays"] == config.log_retention_days


def _files_bucket(synth):
    buckets = synth.of_type("AWS::S3::Bucket")
    ((name, bucket),) = [(n, b) for n, b in buckets.items() if "LoggingConfiguration" in b["Properties"]]
    return name, bucket["Properties"]


def test_files_bucket_is_private_versioned_owner_enforced_and_kms_encrypted_with_a_bucket_key(synth):
    _, bucket = _files_bucket(synth)
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule == {
        "BucketKeyEnabled": True,
        "ServerSideEncryptionByDefault": {"KMSMasterKeyID": arn(synth, "AWS::KMS::Key"), "SSEAlgorithm": "aws:kms"},
    }


def test_files_bucket_logs_access_to_the_access_log_bucket(synth):
    _, bucket = _files_bucket(synth)
    target = bucket["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert synth.resources[target]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]


def test_both_buckets_refuse_plain_http(synth):
    for name in synth.of_type("AWS::S3::Bucket"):
        synth.template.has_resource_properties(
            "AWS::S3::BucketPolicy",
            {
                "Bucket": {"Ref": name},
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Effect": "Deny",
                                    "Action": "s3:*",
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                }
                            )
                        ]
                    )
                },
            },
        )


def test_files_lifecycle_follows_the_configuration(synth, config):
    _, bucket = _files_bucket(synth)
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": config.noncurrent_version_days
    }
    files = rules["age-out-files"]
    assert files["Prefix"] == "files/"
    assert files["ExpirationInDays"] == config.retention_days
    assert files["Transitions"] == [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}]
    assert bucket["LifecycleConfiguration"]["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"


def test_table_is_on_demand_with_ttl_pitr_deletion_protection_and_the_key(synth):
    ((_, table),) = synth.of_type("AWS::DynamoDB::Table").items()
    properties = table["Properties"]
    assert properties["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["SSESpecification"] == {
        "KMSMasterKeyId": arn(synth, "AWS::KMS::Key"),
        "SSEEnabled": True,
        "SSEType": "KMS",
    }
    assert table["DeletionPolicy"] == "Retain"


def test_table_attributes_match_the_local_stack(synth):
    from tickvault.local.provision import TTL_ATTRIBUTE

    ((_, table),) = synth.of_type("AWS::DynamoDB::Table").items()
    assert table["Properties"]["TimeToLiveSpecification"]["AttributeName"] == TTL_ATTRIBUTE


def test_only_s3_logging_for_the_files_bucket_may_write_access_logs(synth):
    files, _ = _files_bucket(synth)
    (target,) = [n for n in synth.of_type("AWS::S3::Bucket") if n != files]
    (policy,) = [
        p for p in synth.of_type("AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == {"Ref": target}
    ]
    (allow,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Condition"]["ArnLike"] == {"aws:SourceArn": {"Fn::GetAtt": [files, "Arn"]}}
