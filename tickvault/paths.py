"""Where the project's files live, resolved from this package's location."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
WORKFLOWS = ROOT / "workflows"
TASKS = ROOT / "tasks"
CONFIG_FILE = ROOT / "tickvault.json"
