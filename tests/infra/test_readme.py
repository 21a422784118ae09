"""The README's deployment and cost sections stay in step with the template."""

from __future__ import annotations

import re

from tickvault.paths import ROOT

README = (ROOT / "README.md").read_text()


def _section(title):
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def test_cost_section_prices_a_million_requests_and_a_month_at_rest_with_dated_prices():
    cost = _section("Cost")
    assert "### Per million served requests" in cost and "### Per month at rest" in cost
    assert "not fetched live" in cost
    assert re.search(r"pricing pages, 20\d\d", cost)
    assert "Express logs at `ALL`" in cost


def test_cost_section_counts_the_alarms_the_template_has(synth):
    alarms = len(synth.of_type("AWS::CloudWatch::Alarm"))
    assert f"| CloudWatch alarms | {alarms} standard |" in _section("Cost")


def test_deploy_section_names_the_commands_that_work_here():
    deploy = _section("Deploy on AWS")
    for command in ("make synth", "make node-install", "npx aws-cdk deploy"):
        assert command in deploy
