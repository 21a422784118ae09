"""The one stack: storage, the alarm topic, the generation path, the serving
path (when its files exist) and the monitoring over all of them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aws_cdk import App, Aspects, CfnOutput, Environment, Stack, Tags
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from tickvault.config import Config, load_config
from tickvault.names import Names
from tickvault.paths import CONFIG_FILE, ROOT
from tickvault_cdk import bundling, constants
from tickvault_cdk.generation import Generation
from tickvault_cdk.observability import AlarmTopic, Monitoring, Watched
from tickvault_cdk.serving import Serving
from tickvault_cdk.storage import Storage

CDK_JSON = ROOT / "cdk.json"


class UnbuiltFeatureError(NotImplementedError):
    """The configuration switches on a feature the CDK app does not build yet."""


def _refuse_unbuilt_features(config: Config) -> None:
    wanted = {
        "features.vpc": config.vpc,
        "features.api_authorizer": config.api_authorizer,
        "features.secondary_region": bool(config.secondary_region),
    }
    unbuilt = sorted(name for name, on in wanted.items() if on)
    if unbuilt:
        raise UnbuiltFeatureError(
            f"the CDK app does not build {', '.join(unbuilt)} yet; switch them off in the configuration file"
        )


class TickvaultStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: Config, bundle_dependencies: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        _refuse_unbuilt_features(config)
        names = Names.of(config)
        Tags.of(self).add("project", config.project)

        self.storage = Storage(self, "Storage", config=config, names=names)
        self.alarm_topic = AlarmTopic(self, "Alerts", config=config, names=names, storage=self.storage)
        code = bundling.task_code(bundle_dependencies)
        self.generation = Generation(
            self,
            "Generation",
            config=config,
            names=names,
            storage=self.storage,
            topic=self.alarm_topic.topic,
            code=code,
        )
        self.serving = Serving(self, "Serving", config=config, names=names, storage=self.storage, code=code)
        tasks = {**self.generation.functions, **self.serving.functions}
        watched = Watched(
            generate=self.generation.state_machine,
            dead_letters=self.generation.dead_letter_queue,
            functions={task: fn.function for task, fn in tasks.items()},
            serve=self.serving.state_machine,
            api=self.serving.api,
            access_logs=self.serving.access_logs,
        )
        self.monitoring = Monitoring(
            self, "Monitoring", config=config, names=names, topic=self.alarm_topic.topic, watched=watched
        )
        self.storage.allow_registered_log_groups()
        self._outputs()

    def _outputs(self) -> None:
        CfnOutput(self, "BucketName", value=self.storage.bucket.bucket_name)
        CfnOutput(self, "TableName", value=self.storage.table.table_name)
        CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic.topic_arn)
        CfnOutput(self, "GenerateStateMachineArn", value=self.generation.state_machine.state_machine_arn)
        CfnOutput(self, "ServeStateMachineArn", value=self.serving.state_machine.state_machine_arn)
        CfnOutput(
            self,
            "LatestUrl",
            value=f"{self.serving.endpoint()}{constants.LATEST_PATH.lstrip('/')}",
            description="curl this: the newest file",
        )
        CfnOutput(self, "ApiEndpoint", value=self.serving.api.api_endpoint)
        CfnOutput(self, "DashboardName", value=self.monitoring.dashboard.dashboard_name)


def cdk_json_context() -> dict[str, Any]:
    return json.loads(CDK_JSON.read_text())["context"]


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> tuple[App, TickvaultStack]:
    """The CDK app. Run by the CDK CLI, the CLI passes cdk.json's context; run
    directly (`make synth`, tests), the same context is read here."""
    if context is None:
        context = {} if "CDK_CONTEXT_JSON" in os.environ else cdk_json_context()
    app = App(context=context, outdir=outdir)
    # Every synth, `cdk deploy` included, runs the AwsSolutions pack; an unsuppressed
    # finding is an error annotation, and cdk.json's flags make that fail the synth.
    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    config_path = app.node.try_get_context(constants.CONFIG_CONTEXT) or CONFIG_FILE
    config = load_config(Path(config_path))
    bundle = str(app.node.try_get_context(constants.BUNDLE_CONTEXT)).lower() != "false"
    stack = TickvaultStack(
        app,
        config.project,
        config=config,
        bundle_dependencies=bundle,
        description=f"{config.project}: sealed time files on a schedule, served over HTTP behind a per-IP limit",
        env=Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=config.region),
    )
    return app, stack
