"""The alarm path on one machine: what CloudWatch alarms and an e-mail
subscription do on AWS.

- `AlarmEvaluator` checks each mission alarm against the metrics in the
  emulator's CloudWatch and, when one goes from OK to ALARM, sets its state
  and publishes CloudWatch's notification to the alarm topic. Missing data is
  not breaching, as on AWS.
- `Inbox` is an SQS queue subscribed to the topic; it keeps what arrives so
  the local stack can log it and the dashboard can show it.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from tasks.shared import metrics
from tickvault.alarms import AlarmSpec

log = logging.getLogger("local.alarms")

# CloudWatch evaluates the CDK alarms over 5-minute periods; locally a minute
# makes the path visible while you watch.
LOCAL_PERIOD_SECONDS = 60


class AlarmEvaluator:
    def __init__(self, stack, specs: list[AlarmSpec], period_seconds: int = LOCAL_PERIOD_SECONDS):
        self._cloudwatch = stack.client("cloudwatch")
        self._sns = stack.client("sns")
        self._topic = stack.resources.alarm_topic_arn
        self._service = stack.config.project
        self._region = stack.config.region
        self.specs = specs
        self.period_seconds = period_seconds
        self.states: dict[str, str] = {spec.name: "OK" for spec in specs}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        for spec in specs:
            self._cloudwatch.put_metric_alarm(
                AlarmName=spec.name,
                AlarmDescription=spec.description,
                Namespace=metrics.NAMESPACE,
                MetricName=spec.metric,
                Dimensions=[{"Name": metrics.SERVICE_DIMENSION, "Value": self._service}],
                Statistic=spec.statistic,
                Period=period_seconds,
                EvaluationPeriods=1,
                Threshold=spec.threshold,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                TreatMissingData="notBreaching",
                AlarmActions=[self._topic],
            )

    def value(self, spec: AlarmSpec, now: datetime) -> float | None:
        answer = self._cloudwatch.get_metric_statistics(
            Namespace=metrics.NAMESPACE,
            MetricName=spec.metric,
            Dimensions=[{"Name": metrics.SERVICE_DIMENSION, "Value": self._service}],
            StartTime=now - timedelta(seconds=self.period_seconds),
            EndTime=now + timedelta(seconds=1),
            Period=self.period_seconds,
            Statistics=[spec.statistic],
        )
        points = [point[spec.statistic] for point in answer["Datapoints"]]
        if not points:
            return None
        return sum(points) if spec.statistic == "Sum" else max(points)

    def evaluate_once(self, now: datetime | None = None) -> list[str]:
        """Evaluate every alarm; return the names that went into ALARM now."""
        now = now or datetime.now(UTC)
        fired = []
        for spec in self.specs:
            value = self.value(spec, now)
            breaching = value is not None and value >= spec.threshold  # missing data: not breaching
            new_state = "ALARM" if breaching else "OK"
            if new_state == self.states[spec.name]:
                continue
            reason = (f"Threshold Crossed: {spec.statistic} of {spec.metric} was {value} over the last "
                      f"{self.period_seconds} s (>= {spec.threshold})") if breaching else "No breach"
            self._cloudwatch.set_alarm_state(AlarmName=spec.name, StateValue=new_state, StateReason=reason)
            old_state, self.states[spec.name] = self.states[spec.name], new_state
            if breaching:
                self._notify(spec, old_state, reason, now)
                fired.append(spec.name)
        return fired

    def _notify(self, spec: AlarmSpec, old_state: str, reason: str, now: datetime) -> None:
        message = {
            "AlarmName": spec.name,
            "AlarmDescription": spec.description,
            "NewStateValue": "ALARM",
            "NewStateReason": reason,
            "OldStateValue": old_state,
            "StateChangeTime": now.isoformat(),
            "Region": self._region,
            "Trigger": {
                "MetricName": spec.metric,
                "Namespace": metrics.NAMESPACE,
                "Statistic": spec.statistic.upper(),
                "Dimensions": [{"name": metrics.SERVICE_DIMENSION, "value": self._service}],
                "Period": self.period_seconds,
                "EvaluationPeriods": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "Threshold": spec.threshold,
                "TreatMissingData": "notBreaching",
            },
        }
        self._sns.publish(TopicArn=self._topic, Subject=f'ALARM: "{spec.name}"', Message=json.dumps(message))
        log.warning("ALARM %s: %s", spec.name, reason)

    def start(self, interval: float = 5.0) -> None:
        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.evaluate_once()
                except Exception as exc:  # the evaluator must outlive a failing call
                    log.error("alarm evaluation failed: %s", exc)

        self._thread = threading.Thread(target=loop, name="alarms", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


class Inbox:
    """An SQS queue subscribed to the alarm topic, read in the background."""

    def __init__(self, stack, keep: int = 200):
        self._sqs = stack.client("sqs")
        self.queue_url = self._sqs.create_queue(QueueName=stack.config.name("alarm-inbox"))["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        stack.client("sns").subscribe(
            TopicArn=stack.resources.alarm_topic_arn, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"]
        )
        self.received: collections.deque[dict[str, Any]] = collections.deque(maxlen=keep)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll(self, wait_seconds: int = 0) -> list[dict[str, Any]]:
        """Read what has arrived, remember it, and return it."""
        found = self._sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds)
        new = []
        for message in found.get("Messages", []):
            envelope = json.loads(message["Body"])
            note = {"subject": envelope.get("Subject") or "", "message": envelope.get("Message", ""),
                    "received": datetime.now(UTC)}
            self.received.appendleft(note)
            new.append(note)
            self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            log.warning("notification: %s", note["subject"])
        return new

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.poll(wait_seconds=1)
                except Exception as exc:
                    log.error("inbox read failed: %s", exc)
                    self._stop.wait(1)

        self._thread = threading.Thread(target=loop, name="inbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
