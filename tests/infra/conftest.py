"""One synth of the CDK app for the whole session (unit-test asset, no pip),
shared by every infrastructure test."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tickvault.paths import ROOT

sys.path.insert(0, str(ROOT / "cdk"))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, assertions  # noqa: E402

from tickvault_cdk import constants  # noqa: E402
from tickvault_cdk.stack import TickvaultStack, build_app, cdk_json_context  # noqa: E402

# Findings stay annotations here (cdk.json makes them fail the synth), so the
# nag test can list every one instead of the whole session failing on the first.
TEST_CONTEXT = {constants.BUNDLE_CONTEXT: "false", "@aws-cdk/core:annotationsInValidationReport": False}


@dataclass
class Synth:
    app: App
    stack: TickvaultStack
    outdir: Path
    template: assertions.Template
    document: dict[str, Any]  # the synthesized template file, parsed once

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.document["Resources"]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: body for name, body in self.resources.items() if body["Type"] == kind}

    def one(self, kind: str, **properties: Any) -> tuple[str, dict[str, Any]]:
        """The one resource of `kind` whose properties include `properties`."""
        found = [
            (name, body)
            for name, body in self.of_type(kind).items()
            if all(body.get("Properties", {}).get(key) == value for key, value in properties.items())
        ]
        assert len(found) == 1, f"{len(found)} {kind} resources with {properties}"
        return found[0]


@pytest.fixture(scope="session")
def synth(tmp_path_factory) -> Synth:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app({**cdk_json_context(), **TEST_CONTEXT}, outdir=str(outdir))
    app.synth()
    manifest = json.loads((outdir / "manifest.json").read_text())
    template_file = outdir / manifest["artifacts"][stack.artifact_id]["properties"]["templateFile"]
    document = json.loads(template_file.read_text())
    return Synth(app, stack, outdir, assertions.Template.from_json(document), document)


@pytest.fixture(scope="session")
def template_path(synth) -> Path:
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    return synth.outdir / manifest["artifacts"][synth.stack.artifact_id]["properties"]["templateFile"]


# --- IAM -------------------------------------------------------------------


def role_of_function(synth: Synth, function_name: str) -> str:
    _, function = synth.one("AWS::Lambda::Function", FunctionName=function_name)
    return function["Properties"]["Role"]["Fn::GetAtt"][0]


def role_of_state_machine(synth: Synth, name: str) -> str:
    _, machine = synth.one("AWS::StepFunctions::StateMachine", StateMachineName=name)
    return machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]


def statements(synth: Synth, role: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to `role`, inline ones included."""
    found = []
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    for inline in synth.resources[role]["Properties"].get("Policies", []):
        found += inline["PolicyDocument"]["Statement"]
    assert not synth.resources[role]["Properties"].get("ManagedPolicyArns"), f"{role} has managed policies"
    return found


def grants(synth: Synth, role: str) -> dict[str, list[tuple[Any, Any]]]:
    """action -> [(resource, condition), ...] for `role`; all statements must Allow."""
    by_action: dict[str, list[tuple[Any, Any]]] = {}
    for statement in statements(synth, role):
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            for resource in resources:
                by_action.setdefault(action, []).append((resource, statement.get("Condition")))
    return by_action


def ref(synth: Synth, kind: str, **properties: Any) -> dict[str, str]:
    return {"Ref": synth.one(kind, **properties)[0]}


def arn(synth: Synth, kind: str, **properties: Any) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [synth.one(kind, **properties)[0], "Arn"]}
