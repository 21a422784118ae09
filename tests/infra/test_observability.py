"""Alarms to the encrypted topic, the e-mail subscription, the dashboard and
the top-refused-IPs rule."""

from __future__ import annotations

import json

import pytest

from tests.infra.conftest import arn, ref
from tickvault_cdk import metrics


def _alarms(synth):
    return {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in synth.of_type("AWS::CloudWatch::Alarm").values()
    }


def test_topic_is_encrypted_with_the_key_and_refuses_plain_http(synth):
    ((_, topic),) = synth.of_type("AWS::SNS::Topic").items()
    assert topic["Properties"]["KmsMasterKeyId"] == arn(synth, "AWS::KMS::Key")
    (policy,) = synth.of_type("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )


def test_only_this_accounts_alarms_may_publish_to_the_topic_as_cloudwatch(synth):
    (policy,) = synth.of_type("AWS::SNS::TopicPolicy").values()
    (allow,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


@pytest.mark.parametrize(
    "alarm, metric, statistic, threshold",
    [
        ("tickvault-rate-limited", metrics.RATE_LIMITED, "Sum", 1),
        ("tickvault-generation-failed", metrics.GENERATION_FAILED, "Sum", 1),
    ],
)
def test_mission_alarm_fires_on_any_event_in_five_minutes(synth, alarm, metric, statistic, threshold):
    properties = _alarms(synth)[alarm]
    assert (properties["Namespace"], properties["MetricName"]) == (metrics.NAMESPACE, metric)
    assert properties["Statistic"] == statistic and properties["Period"] == 300
    assert properties["Threshold"] == threshold
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_file_age_alarm_fires_past_two_periods(synth, config):
    properties = _alarms(synth)["tickvault-file-too-old"]
    assert (properties["MetricName"], properties["Statistic"]) == (metrics.FILE_AGE_SECONDS, "Maximum")
    assert properties["Threshold"] > 2 * config.period_seconds
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_failed_generate_executions_raise_an_alarm(synth):
    properties = _alarms(synth)["tickvault-generate-executions-failed"]
    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/States", "ExecutionsFailed")
    generate = ref(synth, "AWS::StepFunctions::StateMachine", StateMachineName="tickvault-generate")
    assert properties["Dimensions"] == [{"Name": "StateMachineArn", "Value": generate}]


def test_a_tick_parked_in_the_schedules_dead_letter_queue_raises_an_alarm(synth):
    properties = _alarms(synth)["tickvault-schedule-dead-letters"]
    assert (properties["Namespace"], properties["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert (properties["Statistic"], properties["Threshold"]) == ("Maximum", 1)
    (schedule,) = synth.of_type("AWS::Scheduler::Schedule").values()
    dead_letters = schedule["Properties"]["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    queue_name = {"Fn::GetAtt": [dead_letters, "QueueName"]}
    assert properties["Dimensions"] == [{"Name": "QueueName", "Value": queue_name}]


def test_lambda_errors_and_api_5xx_raise_alarms(synth):
    alarms = _alarms(synth)
    for task in ("seal", "store", "verify", "publish", "decrypt", "proxy"):
        assert alarms[f"tickvault-{task}-errors"]["MetricName"] == "Errors"
    assert (alarms["tickvault-api-5xx"]["Namespace"], alarms["tickvault-api-5xx"]["MetricName"]) == (
        "AWS/ApiGateway",
        "5xx",
    )


def test_no_published_file_for_two_periods_raises_an_alarm_even_without_traffic(synth, config):
    properties = _alarms(synth)["tickvault-generation-missing"]
    assert (properties["Namespace"], properties["MetricName"]) == (metrics.NAMESPACE, metrics.GENERATION_SUCCEEDED)
    assert properties["Dimensions"] == [{"Name": metrics.SERVICE_DIMENSION, "Value": config.project}]
    assert (properties["Statistic"], properties["Period"]) == ("Sum", config.period_seconds)
    assert (properties["EvaluationPeriods"], properties["DatapointsToAlarm"]) == (2, 2)
    assert (properties["ComparisonOperator"], properties["Threshold"]) == ("LessThanThreshold", 1)
    # Ticks that never come write no data at all: here, and only here, that is the failure.
    assert properties["TreatMissingData"] == "breaching"


def test_every_alarm_notifies_the_topic_and_sparse_ones_treat_missing_data_as_not_breaching(synth):
    topic = ref(synth, "AWS::SNS::Topic")
    for name, properties in _alarms(synth).items():
        assert properties["AlarmActions"] == [topic], name
        if name != "tickvault-generation-missing":
            assert properties["TreatMissingData"] == "notBreaching", name


def test_no_email_subscription_without_an_address(synth, config):
    assert config.alarm_email == ""
    synth.template.resource_count_is("AWS::SNS::Subscription", 0)


def test_an_address_in_the_configuration_subscribes_to_the_topic(tmp_path):
    from tests.infra.conftest import TEST_CONTEXT
    from tickvault.paths import CONFIG_FILE
    from tickvault_cdk import constants
    from tickvault_cdk.stack import build_app, cdk_json_context

    document = json.loads(CONFIG_FILE.read_text())
    document["alarms"]["email"] = "ops@example.com"
    path = tmp_path / "tickvault.json"
    path.write_text(json.dumps(document))
    context = {**cdk_json_context(), **TEST_CONTEXT, constants.CONFIG_CONTEXT: str(path)}
    app, stack = build_app(context, outdir=str(tmp_path / "out"))
    from aws_cdk.assertions import Template

    Template.from_stack(stack).has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )


def test_top_refused_ips_rule_counts_429s_by_source_ip_in_the_access_log(synth):
    ((_, rule),) = synth.of_type("AWS::CloudWatch::InsightRule").items()
    parts = rule["Properties"]["RuleBody"]["Fn::Join"][1]
    (stage,) = synth.of_type("AWS::ApiGatewayV2::Stage").values()
    access_logs = stage["Properties"]["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    body = json.loads("".join(p if isinstance(p, str) else "ACCESS_LOGS" for p in parts))
    assert {"Ref": access_logs} in parts
    assert body["LogGroupNames"] == ["ACCESS_LOGS"]
    assert body["Contribution"] == {"Keys": ["$.sourceIp"], "Filters": [{"Match": "$.status", "In": [429]}]}
    assert rule["Properties"]["RuleState"] == "ENABLED"


def _dashboard(synth):
    ((_, dashboard),) = synth.of_type("AWS::CloudWatch::Dashboard").items()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "TOKEN" for p in parts)


def test_dashboard_shows_the_mission_metrics_and_the_platform(synth):
    body = _dashboard(synth)
    for name in metrics.ALL:
        assert f'"{metrics.NAMESPACE}","{name}"' in body, name
    for namespace in ("AWS/Lambda", "AWS/States", "AWS/ApiGateway"):
        assert f'"{namespace}"' in body, namespace
    assert '"insightRule":{"ruleName":"TOKEN","maxContributorCount":10' in body
