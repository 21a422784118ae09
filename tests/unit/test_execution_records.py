"""`executions` and `history` read an execution record without a `name` (as
moto 5.2.5 lists one started without a name) by the last segment of its ARN,
instead of ending in `tickvault: 'name'`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tickvault import cli, executions

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:tickvault-generate"
ARN = "arn:aws:states:us-east-1:123456789012:execution:tickvault-generate:None"
STARTED = datetime(2026, 12, 3, 15, 40, tzinfo=UTC)
NAMELESS = {"executionArn": ARN, "stateMachineArn": MACHINE, "status": "FAILED", "startDate": STARTED,
            "stopDate": STARTED}


class NamelessSfn:
    """Just enough of a Step Functions client: one machine, one execution whose records carry no name."""

    def list_executions(self, **_):
        return {"executions": [NAMELESS]}

    def describe_execution(self, executionArn):
        assert executionArn == ARN
        return {**NAMELESS, "error": "GenerationFailed"}

    def get_paginator(self, operation):
        pages = {
            "list_state_machines": [{"stateMachines": [{"name": "tickvault-generate", "stateMachineArn": MACHINE}]}],
            "list_executions": [{"executions": [NAMELESS]}],
            "get_execution_history": [{"events": []}],
        }[operation]
        return type("Paginator", (), {"paginate": lambda self, **_: iter(pages)})()


@pytest.mark.parametrize(
    ("record", "name"),
    [
        ({"executionArn": ARN}, "None"),
        ({"executionArn": ARN, "name": "tick-1"}, "tick-1"),
        ({"executionArn": "arn:aws:states:us-east-1:1:express:tickvault-serve:req-1:4b0b2c1e"}, "req-1"),
    ],
)
def test_name_of_prefers_the_name_then_the_arn(record, name):
    assert executions.name_of(record) == name


def test_list_executions_names_a_nameless_record_from_its_arn():
    [summary] = executions.list_executions(NamelessSfn(), MACHINE)
    assert (summary.name, summary.arn, summary.status) == ("None", ARN, "FAILED")


@pytest.fixture
def nameless(monkeypatch):
    monkeypatch.setattr(cli, "_sfn", lambda args, config: NamelessSfn())


def test_executions_lists_a_nameless_execution(nameless, capsys):
    assert cli.main(["executions"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("FAILED         0.00  None")


@pytest.mark.parametrize("execution", ["None", ARN])
def test_history_of_a_nameless_execution_by_name_or_arn(nameless, capsys, execution):
    assert cli.main(["history", execution]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (out[0], out[-1]) == ("None  FAILED", "error: GenerationFailed")
