"""Fixed windows aligned to multiples of their length since the epoch."""

from __future__ import annotations

from dataclasses import dataclass

# Counter items outlive their window a little, so a request at the very end of
# a window never finds its counter already gone; DynamoDB deletes them later.
TTL_GRACE_SECONDS = 60


@dataclass(frozen=True)
class Window:
    start: int
    length: int

    @classmethod
    def at(cls, epoch_seconds: float, length: int) -> Window:
        now = int(epoch_seconds)
        return cls(now - now % length, length)

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def expires_at(self) -> int:
        """The TTL of the window's counter items, in epoch seconds."""
        return self.end + TTL_GRACE_SECONDS

    def seconds_left(self, epoch_seconds: float) -> int:
        """Seconds until the window ends, at least 1 (a caller waiting 0 s would be refused again)."""
        return max(1, self.end - int(epoch_seconds))

    def counter_key(self, client: str) -> str:
        return f"rate#{client}#{self.start}"
