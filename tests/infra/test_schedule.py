"""EventBridge Scheduler starts generate at the configured rate."""

from __future__ import annotations

import json

from tests.infra.conftest import arn, grants, ref


def _schedule(synth):
    ((_, schedule),) = synth.of_type("AWS::Scheduler::Schedule").items()
    return schedule["Properties"]


def test_schedule_runs_at_the_configured_rate_with_the_scheduled_time_as_input(synth, config):
    schedule = _schedule(synth)
    assert schedule["ScheduleExpression"] == config.schedule_expression
    assert schedule["State"] == "ENABLED"
    assert schedule["Target"]["Arn"] == ref(
        synth, "AWS::StepFunctions::StateMachine", StateMachineName="tickvault-generate"
    )
    assert json.loads(schedule["Target"]["Input"]) == {"scheduledTime": "<aws.scheduler.scheduled-time>"}
    assert schedule["KmsKeyArn"] == arn(synth, "AWS::KMS::Key")


def test_schedule_retries_a_tick_for_at_most_one_period_then_parks_it_in_the_dead_letter_queue(synth, config):
    target = _schedule(synth)["Target"]
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == config.period_seconds
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert target["DeadLetterConfig"]["Arn"] == arn(synth, "AWS::SQS::Queue")


def test_dead_letter_queue_is_encrypted_with_the_key_and_refuses_plain_http(synth):
    ((name, queue),) = synth.of_type("AWS::SQS::Queue").items()
    assert queue["Properties"]["KmsMasterKeyId"] == arn(synth, "AWS::KMS::Key")
    (policy,) = synth.of_type("AWS::SQS::QueuePolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_schedule_role_may_only_start_generate_and_send_to_the_dead_letter_queue(synth):
    role = _schedule(synth)["Target"]["RoleArn"]["Fn::GetAtt"][0]
    granted = grants(synth, role)
    assert set(granted) == {"states:StartExecution", "sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt"}
    assert granted["states:StartExecution"] == [
        (ref(synth, "AWS::StepFunctions::StateMachine", StateMachineName="tickvault-generate"), None)
    ]
    assert granted["sqs:SendMessage"] == [(arn(synth, "AWS::SQS::Queue"), None)]
    for resource, condition in granted["kms:GenerateDataKey"]:
        assert resource == arn(synth, "AWS::KMS::Key") and condition
    trust = synth.resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "scheduler.amazonaws.com"}]
