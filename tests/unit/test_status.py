"""`status` and the dashboard read the "latest" pointer; one they cannot read is
reported as such, with the fix, not as a traceback or a blank page."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest


from tickvault import cli, status
from tickvault.local import dashboard, dashboard_data

FORGED = {"pk": {"S": "latest"}, "objectKey": {"S": "x"}, "scheduledTime": {"S": "garbage"}}


@pytest.fixture
def forged_pointer(stack):
    stack.client("dynamodb").put_item(TableName=stack.resources.table, Item=FORGED)
    return stack


def test_newest_file_names_an_unreadable_pointer_and_the_fix(forged_pointer):
    session = boto3.session.Session(region_name=forged_pointer.config.region)
    with pytest.raises(status.UnreadablePointer, match="delete it and the next tick publishes again"):
        status.newest_file(session, forged_pointer.config, forged_pointer.endpoint)


def test_status_prints_the_problem_and_the_alarms_and_exits_1(forged_pointer, capsys):
    assert cli.main(["status", "--endpoint-url", forged_pointer.endpoint]) == 1
    out = capsys.readouterr().out
    assert "newest file   unreadable: the 'latest' item is not one Publish writes" in out
    assert "alarm         tickvault-" in out


def test_the_dashboard_shows_the_problem_in_place_of_the_file(forged_pointer):
    newest = dashboard_data.newest_file(forged_pointer)
    assert "not one Publish writes" in newest["problem"]
    page = dashboard.render({"now": "2026-12-03T20:00:00+00:00", "newestFile": newest, "nextTick": None, "alarms": {}, "executions": {},
                             "traffic": {"windows": [], "topRefused": []}, "notifications": []})
    assert "not one Publish writes" in page


def test_the_dashboard_still_shows_the_rest_when_the_table_is_gone(stack):
    stack.client("dynamodb").delete_table(TableName=stack.resources.table)
    newest = dashboard_data.newest_file(stack)
    assert newest["problem"].startswith("cannot read the 'latest' item: ResourceNotFoundException")


FUTURE = "2100-01-01T00:00:00Z"

# Each edit turns the pointer of a real tick into one Publish would not write.
POINTER_EDITS = [
    ({"scheduledTime": {"S": FUTURE}}, "is not the time of"),  # the real file's key, a forged time
    ({"scheduledTime": {"S": FUTURE}, "objectKey": {"S": "files/2100/01/01/000000Z.txt"}}, "is in the future"),
    ({"scheduledEpoch": {"N": "1898761600"}}, "scheduledEpoch 1898761600 is not the epoch of"),  # stops every tick
    ({"scheduledEpoch": {"S": "abc"}}, "scheduledEpoch is missing or not of type N"),
    ({"plaintextSize": {"N": "1e40"}}, "plaintextSize 1e40 is not a whole number of bytes"),
    ({"sha256": {"N": "1"}}, "sha256 is missing or not of type S"),
    ("+00:00", "is not written as Publish writes it"),  # the same instant, spelt otherwise
]


@pytest.mark.parametrize(("edit", "problem"), POINTER_EDITS)
def test_a_pointer_publish_would_not_write_is_named(stack, edit, problem):
    assert stack.generate(datetime.now(UTC))["status"] == "SUCCEEDED"
    table, pointer = stack.resources.table, {"pk": {"S": "latest"}}
    item = stack.client("dynamodb").get_item(TableName=table, Key=pointer)["Item"]
    if edit == "+00:00":
        edit = {"scheduledTime": {"S": item["scheduledTime"]["S"].replace("Z", "+00:00")}}
    stack.client("dynamodb").put_item(TableName=table, Item={**item, **edit})
    session = boto3.session.Session(region_name=stack.config.region)
    with pytest.raises(status.UnreadablePointer, match=problem):
        status.newest_file(session, stack.config, stack.endpoint)


def test_the_dashboard_still_shows_the_rest_when_a_state_machine_is_gone(stack):
    stack.client("stepfunctions").delete_state_machine(stateMachineArn=stack.resources.state_machines["generate"])
    runs = dashboard_data.recent_executions(stack)
    (row,) = runs["generate"]
    assert row["status"] == "UNAVAILABLE" and row["problem"].startswith("StateMachineDoesNotExist")
    assert runs["serve"] == []
    page = dashboard.render({"now": "2026-12-03T20:00:00+00:00", "newestFile": None, "nextTick": None, "alarms": {},
                             "executions": runs, "traffic": {"windows": [], "topRefused": []}, "notifications": []})
    assert "cannot list: StateMachineDoesNotExist" in page
