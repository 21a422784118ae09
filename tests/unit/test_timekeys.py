from datetime import UTC, datetime

import pytest

from tasks.shared import timekeys
from tasks.shared.errors import InvalidInputError


def test_key_is_fixed_width_utc_and_free_of_colons_and_plus():
    moment = timekeys.floor_to_period(timekeys.parse_time("2026-12-03T16:47:59+01:00"), 600)
    key = timekeys.object_key(moment)
    assert key == "files/2026/12/03/154000Z.txt"
    assert ":" not in key and "+" not in key


def test_times_within_one_period_share_a_key():
    keys = {
        timekeys.object_key(timekeys.floor_to_period(timekeys.parse_time(t), 600))
        for t in ("2026-12-03T15:40:00Z", "2026-12-03T15:45:10Z", "2026-12-03T15:49:59.999Z")
    }
    assert keys == {"files/2026/12/03/154000Z.txt"}


def test_sequence_counts_periods_since_the_epoch():
    moment = datetime(2026, 12, 3, 15, 40, tzinfo=UTC)
    assert timekeys.sequence(moment, 600) == int(moment.timestamp()) // 600


@pytest.mark.parametrize("value", ["2026-12-03T15:40:00", "yesterday", "2026-13-03T15:40:00Z"])
def test_times_without_offset_or_not_times_are_refused(value):
    with pytest.raises(InvalidInputError, match="scheduledTime"):
        timekeys.parse_time(value)


@pytest.mark.parametrize(("scheduled", "key", "problem"), [
    ("2026-12-03T15:40:00Z", "files/2026/12/03/154000Z.txt", None),
    ("2026-12-03T15:40:00+00:00", "files/2026/12/03/154000Z.txt", "is not written as Publish writes it"),
    ("2026-12-03T15:30:00Z", "files/2026/12/03/154000Z.txt", "is not the time of"),
    ("2026-12-03T15:42:00Z", "files/2026/12/03/154200Z.txt", "is in the future"),
    ("2026-12-03T15:41:00Z", "files/2026/12/03/154100Z.txt", None),  # within the clock skew allowance
])
def test_a_pointer_time_is_publishs_spelling_of_its_keys_time_and_not_ahead(scheduled, key, problem):
    now = timekeys.parse_time("2026-12-03T15:40:00Z")
    found = timekeys.pointer_time_problem(scheduled, key, now)
    assert found is None if problem is None else problem in found
