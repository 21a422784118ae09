"""Seal: render the file for a scheduled time and encrypt it.

The plaintext exists only inside this function: the result carries the
envelope, the digest and the size, never the text.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tasks.shared import envelope, timekeys
from tasks.shared.handler import task
from tasks.shared.settings import KEY_ID_ENV, PERIOD_SECONDS_ENV, require, require_int

TEMPLATE = (Path(__file__).parent / "templates" / "tick.txt").read_text()


def render(scheduled: str, sequence: int) -> bytes:
    return TEMPLATE.format(scheduled_time=scheduled, sequence=sequence, nonce=secrets.token_hex(16)).encode()


@task("seal")
def handler(event: dict[str, Any]) -> dict[str, Any]:
    period = require_int(PERIOD_SECONDS_ENV)
    scheduled = timekeys.parse_time(event["tick"]["scheduledTime"])
    timekeys.refuse_future(scheduled, datetime.now(UTC))
    moment = timekeys.floor_to_period(scheduled, period)
    key = timekeys.object_key(moment)
    sequence = timekeys.sequence(moment, period)
    plaintext = render(timekeys.iso(moment), sequence)
    sealed = envelope.seal(plaintext, key, require(KEY_ID_ENV))
    return {
        "objectKey": key,
        "scheduledTime": timekeys.iso(moment),
        "sequence": sequence,
        "sha256": hashlib.sha256(plaintext).hexdigest(),
        "size": len(plaintext),
        "envelope": sealed,
    }
