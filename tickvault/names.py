"""Names of the resources, derived from the configured project prefix.

The local stack creates resources under these names; the CLI finds them by
the same names.
"""

from __future__ import annotations

from dataclasses import dataclass

from tickvault.config import Config

GENERATE = "generate"
SERVE = "serve"
GENERATE_TASKS = ("seal", "store", "verify", "publish")


@dataclass(frozen=True)
class Names:
    project: str

    @classmethod
    def of(cls, config: Config) -> Names:
        return cls(config.project)

    @property
    def bucket(self) -> str:
        return f"{self.project}-files"

    @property
    def table(self) -> str:
        return f"{self.project}-state"

    @property
    def alarm_topic(self) -> str:
        return f"{self.project}-alarms"

    @property
    def key_alias(self) -> str:
        return f"alias/{self.project}"

    def function(self, task: str) -> str:
        return f"{self.project}-{task}"

    def state_machine(self, workflow: str) -> str:
        return f"{self.project}-{workflow}"
