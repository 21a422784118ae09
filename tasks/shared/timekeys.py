"""Scheduled times and the object keys derived from them.

The key depends only on the scheduled time floored to the generation period,
never on the clock of the task, so a retry or a repeated event lands on the
same key.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tasks.shared.errors import InvalidInputError

KEY_PREFIX = "files/"


def parse_time(value: str) -> datetime:
    """An ISO 8601 time with an offset, as an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"scheduledTime {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise InvalidInputError(f"scheduledTime {value!r} has no UTC offset")
    if parsed.timestamp() < 0:
        raise InvalidInputError(f"scheduledTime {value!r} is before 1970")
    return parsed.astimezone(UTC)


# How far a scheduled time may be ahead of the task's clock: skew between clocks, no more.
MAX_AHEAD_SECONDS = 60


def refuse_future(moment: datetime, now: datetime) -> None:
    """A file for a future time would be published as the newest and, since
    "latest" never moves backwards, be served before its time and hide the real
    ticks until then. The scheduler's time is never later than now, so anything
    more than a clock skew ahead is refused.
    """
    if (moment - now).total_seconds() > MAX_AHEAD_SECONDS:
        raise InvalidInputError(f"scheduledTime {iso(moment)} is in the future (now {iso(now)})")


def floor_to_period(moment: datetime, period_seconds: int) -> datetime:
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % period_seconds, UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sequence(moment: datetime, period_seconds: int) -> int:
    """The number of whole periods since the epoch: one per file."""
    return int(moment.timestamp()) // period_seconds


def object_key(moment: datetime) -> str:
    """`files/YYYY/MM/DD/HHMMSSZ.txt`: fixed width, UTC, no ':' or '+'."""
    return moment.astimezone(UTC).strftime(f"{KEY_PREFIX}%Y/%m/%d/%H%M%SZ.txt")


def pointer_time_problem(scheduled_time: str, key: str, now: datetime) -> str | None:
    """What is wrong with the time in a "latest" pointer, or None.

    The object key is bound to the ciphertext by the encryption context; the
    time beside it in the pointer is not, yet it is what gets served
    (Last-Modified, max-age). Publish writes it as `iso()` of the time the key
    was made from, never ahead of its clock.
    """
    made = parse_time(scheduled_time)
    if iso(made) != scheduled_time:
        return f"its time {scheduled_time} is not written as Publish writes it ({iso(made)})"
    if object_key(made) != key:
        return f"its time {scheduled_time} is not the time of {key}"
    if (made - now).total_seconds() > MAX_AHEAD_SECONDS:
        return f"its time {scheduled_time} is in the future"
    return None
