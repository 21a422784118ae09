"""What tells the operator how the system is doing: the encrypted alarm topic,
the alarms on it, the top-refused-IPs rule and the dashboard."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Aws, Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from tickvault.config import Config
from tickvault.names import Names
from tickvault_cdk import constants, metrics
from tickvault_cdk.storage import Storage

PERIOD = Duration.seconds(constants.ALARM_PERIOD_SECONDS)


class AlarmTopic(Construct):
    """The SNS topic every alarm and the generate workflow's Notify state publish to."""

    def __init__(self, scope: Construct, construct_id: str, *, config: Config, names: Names, storage: Storage) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Topic", topic_name=names.alarm_topic, master_key=storage.key, enforce_ssl=True)
        # A topic policy replaces SNS's default one, so CloudWatch is let in by name,
        # and only for this account's alarms.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisAccountsAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
                    },
                },
            )
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))


@dataclass
class Watched:
    """What the monitoring looks at; the serving side is absent until it is built."""

    generate: sfn.StateMachine
    dead_letters: sqs.IQueue
    functions: dict[str, lambda_.IFunction]
    serve: sfn.StateMachine | None = None
    api: apigwv2.HttpApi | None = None
    access_logs: logs.ILogGroup | None = None


class Monitoring(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: Config, names: Names, topic: sns.ITopic, watched: Watched
    ) -> None:
        super().__init__(scope, construct_id)
        self._config, self._names, self._watched = config, names, watched
        self._action = actions.SnsAction(topic)
        self.alarms: list[cloudwatch.Alarm] = []
        self._build_mission_alarms()
        self._build_platform_alarms()
        self.refusals_rule = self._build_refusals_rule()
        self.dashboard = self._build_dashboard()

    # --- metrics -----------------------------------------------------------

    def metric(self, name: str, statistic: str = "Sum", period: Duration = PERIOD) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=metrics.NAMESPACE,
            metric_name=name,
            dimensions_map={metrics.SERVICE_DIMENSION: self._config.project},
            statistic=statistic,
            period=period,
        )

    # --- alarms ------------------------------------------------------------

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        *,
        periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        # Sparse metrics: no data means nothing happened, not that something broke.
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self._config.project}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            comparison_operator=comparison,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)

    def _build_mission_alarms(self) -> None:
        two_periods = 2 * self._config.period_seconds
        self._alarm(
            "rate-limited", self.metric(metrics.RATE_LIMITED), 1, "A caller was refused for exceeding the per-IP limit."
        )
        self._alarm(
            "generation-failed", self.metric(metrics.GENERATION_FAILED), 1, "A generation run reported a failure."
        )
        self._alarm(
            "generate-executions-failed",
            self._watched.generate.metric_failed(period=PERIOD, statistic="Sum"),
            1,
            "An execution of the generate workflow failed; its history shows the step.",
        )
        self._alarm(
            "schedule-dead-letters",
            self._watched.dead_letters.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            1,
            "EventBridge Scheduler could not start a generation and parked the tick in the dead-letter queue.",
        )
        self._alarm(
            "file-too-old",
            self.metric(metrics.FILE_AGE_SECONDS, "Maximum"),
            two_periods + 1,
            f"The newest file is older than two periods ({two_periods} s).",
        )
        self._build_missing_generation_alarm()

    def _build_missing_generation_alarm(self) -> None:
        """Ticks that never come: no failure, no dead letter, and file-too-old needs traffic to see it.

        GenerationSucceeded is not sparse (one per period), so here no data is the
        signal: two whole periods without a success raise the alarm. It starts in
        ALARM on the first deploy, until the first tick is published."""
        self._alarm(
            "generation-missing",
            self.metric(metrics.GENERATION_SUCCEEDED, period=Duration.seconds(self._config.period_seconds)),
            1,
            "No file was published for two periods: the schedule is disabled, deleted or not starting the"
            " generate workflow, or every run fails.",
            periods=2,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
        )

    def _build_platform_alarms(self) -> None:
        for task, function in self._watched.functions.items():
            self._alarm(
                f"{task}-errors",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                1,
                f"The {task} Lambda failed.",
            )
        if self._watched.serve is not None:
            self._alarm(
                "serve-executions-failed",
                self._watched.serve.metric_failed(period=PERIOD, statistic="Sum"),
                1,
                "An execution of the serve workflow failed or timed out.",
            )
        if self._watched.api is not None:
            self._alarm(
                "api-5xx",
                self._watched.api.metric_server_error(period=PERIOD, statistic="Sum"),
                1,
                "The HTTP API answered with a 5xx status.",
            )

    # --- top refused IPs ---------------------------------------------------

    def _build_refusals_rule(self) -> cloudwatch.CfnInsightRule | None:
        if self._watched.access_logs is None:
            return None
        body = {
            "Schema": {"Name": "CloudWatchLogRule", "Version": 1},
            "LogGroupNames": [self._watched.access_logs.log_group_name],
            "LogFormat": "JSON",
            "Contribution": {
                "Keys": ["$.sourceIp"],
                "Filters": [{"Match": "$.status", "In": [constants.REFUSED_STATUS]}],
            },
            "AggregateOn": "Count",
        }
        return cloudwatch.CfnInsightRule(
            self,
            "TopRefusedIps",
            rule_name=f"{self._config.project}-top-refused-ips",
            rule_state="ENABLED",
            rule_body=json.dumps(body),
        )

    # --- dashboard ---------------------------------------------------------

    def _build_dashboard(self) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=self._config.project)
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24, height=4),
        )
        dashboard.add_widgets(
            graph("Requests", [self.metric(metrics.SERVED), self.metric(metrics.RATE_LIMITED)]),
            graph("Generations", [self.metric(metrics.GENERATION_SUCCEEDED), self.metric(metrics.GENERATION_FAILED)]),
            graph("Newest file age (s)", [self.metric(metrics.FILE_AGE_SECONDS, "Maximum")]),
        )
        dashboard.add_widgets(*self._lambda_widgets())
        dashboard.add_widgets(*self._workflow_widgets())
        if self._watched.api is not None:
            api = self._watched.api
            dashboard.add_widgets(
                graph("API requests", [api.metric_count(period=PERIOD)]),
                graph("API errors", [api.metric_client_error(period=PERIOD), api.metric_server_error(period=PERIOD)]),
                graph("API latency (ms)", [api.metric_latency(period=PERIOD, statistic="p99")]),
            )
        if self.refusals_rule is not None:
            dashboard.add_widgets(TopContributorsWidget(self.refusals_rule.attr_rule_name, "Top refused source IPs"))
        return dashboard

    def _lambda_widgets(self) -> list[cloudwatch.IWidget]:
        functions = self._watched.functions
        return [
            graph("Lambda invocations", [f.metric_invocations(period=PERIOD) for f in functions.values()]),
            graph("Lambda errors", [f.metric_errors(period=PERIOD) for f in functions.values()]),
            graph(
                "Lambda duration p99 (ms)",
                [f.metric_duration(period=PERIOD, statistic="p99") for f in functions.values()],
            ),
        ]

    def _workflow_widgets(self) -> list[cloudwatch.IWidget]:
        machines = [m for m in (self._watched.generate, self._watched.serve) if m is not None]
        return [
            graph("Executions started", [m.metric_started(period=PERIOD) for m in machines]),
            graph("Executions failed", [m.metric_failed(period=PERIOD) for m in machines]),
            graph("Execution time p99 (ms)", [m.metric_time(period=PERIOD, statistic="p99") for m in machines]),
        ]


def graph(title: str, lines: Sequence[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=list(lines), width=8, height=6)


class TopContributorsWidget(cloudwatch.ConcreteWidget):
    """A Contributor Insights widget: the rule's top contributors (no L2 exists for it)."""

    def __init__(self, rule_name: str, title: str) -> None:
        super().__init__(24, 6)
        self._rule_name, self._title = rule_name, title

    def to_json(self) -> list[object]:
        return [
            {
                "type": "metric",
                "width": self.width,
                "height": self.height,
                "x": self._x,
                "y": self._y,
                "properties": {
                    "title": self._title,
                    "region": Aws.REGION,
                    "view": "timeSeries",
                    "stacked": False,
                    "insightRule": {
                        "ruleName": self._rule_name,
                        "maxContributorCount": constants.DASHBOARD_TOP_CONTRIBUTORS,
                        "orderBy": "Sum",
                    },
                    "period": constants.ALARM_PERIOD_SECONDS,
                },
            }
        ]
