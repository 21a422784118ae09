"""cdk-nag suppressions, each attached to the one construct it concerns.

Every call names the rule, says why the finding is right to accept here, and
lists the exact findings (`applies_to`) for wildcard rules, so a new wildcard
added later still fails the check.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnElement, Stack
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct, IConstruct

PACK = "AwsSolutions"


def suppress(
    construct: IConstruct,
    rule: str,
    reason: str,
    applies_to: Sequence[str] | None = None,
    *,
    children: bool = False,
) -> None:
    """Accept finding `AwsSolutions-<rule>` on `construct` (and its children if asked)."""
    suppression = NagPackSuppression(
        id=f"{PACK}-{rule}", reason=reason, applies_to=list(applies_to) if applies_to else None
    )
    NagSuppressions.add_resource_suppressions(construct, [suppression], apply_to_children=children)


def logical_id(construct: Construct) -> str:
    """The CloudFormation logical id of an L2's main resource, as findings quote it."""
    resource = construct.node.default_child
    assert isinstance(resource, CfnElement), f"{construct.node.path} has no CloudFormation resource"
    return Stack.of(construct).get_logical_id(resource)
