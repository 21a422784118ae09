"""Stands in for EventBridge Scheduler: starts `generate` once at start-up and
then once per period, passing the scheduled time as the input."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

log = logging.getLogger("local.scheduler")


class Scheduler:
    def __init__(self, period_seconds: int, fire: Callable[[datetime], None]):
        self.period_seconds = period_seconds
        self._fire = fire
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.next_tick: datetime | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        """One tick now, then one on each boundary of the period since the epoch,
        as the aligned cron schedule fires on AWS."""
        scheduled = datetime.now(UTC).replace(microsecond=0)
        while not self._stop.is_set():
            boundary = (int(scheduled.timestamp()) // self.period_seconds + 1) * self.period_seconds
            self.next_tick = datetime.fromtimestamp(boundary, UTC)
            try:
                self._fire(scheduled)
            except Exception:  # one failed tick must not stop the schedule
                log.exception("tick %s could not be started", scheduled.isoformat())
            self._stop.wait(max(0.0, boundary - time.time()))
            scheduled = self.next_tick
