"""cdk-nag's AwsSolutions pack: no finding left unanswered, and every answer
(suppression) is on the resource it concerns, with a reason, and used."""

from __future__ import annotations

import csv

from aws_cdk import CfnResource, assertions

PACK = "AwsSolutions-.*"


def _findings(synth, kind):
    annotations = assertions.Annotations.from_stack(synth.stack)
    found = getattr(annotations, kind)("*", assertions.Match.string_like_regexp(PACK))
    return [f"{message.id}: {str(message.entry.data).splitlines()[0]}" for message in found]


def _suppressions(synth):
    """(construct path, rule, applies_to or None, reason) for every suppression in the template."""
    paths = {
        synth.stack.get_logical_id(node): node.node.path
        for node in synth.stack.node.find_all()
        if isinstance(node, CfnResource)
    }
    found = []
    for logical_id, resource in synth.resources.items():
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            found.append((paths[logical_id], rule["id"], tuple(rule.get("applies_to") or ()), rule["reason"]))
    return found


def _report(synth):
    (report,) = synth.outdir.glob("AwsSolutions-*NagReport.csv")
    with report.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_no_unsuppressed_awssolutions_error(synth):
    assert _findings(synth, "find_error") == []


def test_no_unsuppressed_awssolutions_warning(synth):
    assert _findings(synth, "find_warning") == []


def test_nothing_is_suppressed_stack_wide(synth):
    assert "cdk_nag" not in synth.document.get("Metadata", {})
    assert synth.stack.node.metadata == [] or all(entry.type != "cdk_nag" for entry in synth.stack.node.metadata)


def test_every_suppression_gives_a_reason_and_wildcard_ones_name_exact_findings(synth):
    for path, rule, applies_to, reason in _suppressions(synth):
        assert len(reason) >= 60, f"{path} {rule}: the reason says too little"
        if rule == "AwsSolutions-IAM5":
            assert applies_to, f"{path}: an IAM5 suppression must list the exact findings it accepts"
            assert all(isinstance(entry, str) for entry in applies_to), f"{path}: no regex in appliesTo"


def test_every_suppression_answers_a_finding_on_its_own_resource(synth):
    suppressed = {
        (
            row["Resource ID"],
            row["Rule ID"],
            row["Exception Reason"].split("]")[0].lstrip("[") if row["Exception Reason"].startswith("[") else "",
        )
        for row in _report(synth)
        if row["Compliance"] == "Suppressed"
    }
    for path, rule, applies_to, _ in _suppressions(synth):
        for finding in applies_to or ("",):
            assert (path, rule, finding) in suppressed, f"unused suppression {rule} {finding} on {path}"


def test_accepted_findings_are_the_known_few(synth):
    accepted = sorted({(rule, applies_to) for _, rule, applies_to, _ in _suppressions(synth)})
    assert accepted == [
        ("AwsSolutions-APIG4", ()),
        ("AwsSolutions-IAM5", ("Resource::*",)),
        ("AwsSolutions-IAM5", ("Resource::<StorageFiles48C02C92.Arn>/files/*",)),
        ("AwsSolutions-L1", ()),
        ("AwsSolutions-SF1", ()),
        ("AwsSolutions-SQS3", ()),
    ]
