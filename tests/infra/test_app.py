"""The app as the CDK CLI and `make synth` run it, and what it refuses to build."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.infra.conftest import TEST_CONTEXT
from tickvault.paths import CONFIG_FILE, ROOT
from tickvault_cdk import constants
from tickvault_cdk.stack import UnbuiltFeatureError, build_app, cdk_json_context


def test_app_entry_point_synthesizes_as_the_cdk_cli_runs_it(tmp_path, config):
    # The CLI passes cdk.json's context and the output folder through the environment.
    # The feature flags stay as deployed: a cdk-nag finding would fail this synth.
    context = {**cdk_json_context(), constants.BUNDLE_CONTEXT: "false"}
    environment = {**os.environ, "CDK_OUTDIR": str(tmp_path), "CDK_CONTEXT_JSON": json.dumps(context)}
    command = json.loads((ROOT / "cdk.json").read_text())["app"].split()
    run = subprocess.run(
        [sys.executable if command[0].endswith("python") else command[0], *command[1:]],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    stack = manifest["artifacts"][config.project]
    assert stack["environment"].endswith(f"/{config.region}")


def test_stack_name_and_region_come_from_the_configuration(synth, config):
    assert synth.stack.stack_name == config.project
    assert synth.stack.region == config.region


@pytest.mark.parametrize(
    "section, field, value",
    [("features", "vpc", True), ("features", "api_authorizer", True), ("features", "secondary_region", "us-west-2")],
)
def test_a_feature_the_app_does_not_build_is_refused_by_name(tmp_path, section, field, value):
    document = json.loads(CONFIG_FILE.read_text())
    document[section][field] = value
    path = tmp_path / "tickvault.json"
    path.write_text(json.dumps(document))
    context = {**cdk_json_context(), **TEST_CONTEXT, constants.CONFIG_CONTEXT: str(path)}
    with pytest.raises(UnbuiltFeatureError, match=f"does not build {section}.{field} yet"):
        build_app(context, outdir=str(tmp_path / "out"))
