"""cfn-lint on the synthesized template."""

from __future__ import annotations

from cfnlint.api import ManualArgs, lint_file

# CDK writes explicit DependsOn next to GetAtt for a role and its default policy:
# harmless, and not ours to change.
ACCEPTED_WARNINGS = {"W3005"}


def test_template_has_no_cfn_lint_error_and_only_known_warnings(template_path, config):
    matches = lint_file(template_path, config=ManualArgs(regions=[config.region]))
    errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
    others = {m.rule.id for m in matches if not m.rule.id.startswith("E")}
    assert others <= ACCEPTED_WARNINGS, others - ACCEPTED_WARNINGS
