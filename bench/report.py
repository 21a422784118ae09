"""The one table the suite prints and writes, in Markdown."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from importlib import metadata

COLUMNS = ("part", "measure", "measured", "budget / compare", "how")


def machine() -> str:
    """Cores, architecture, CPU, Python, OS and the emulator's version: where every figure was made."""
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    except OSError:
        pass
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = f", load average {os.getloadavg()[0]:.1f} at start" if hasattr(os, "getloadavg") else ""
    return (
        f"{platform.machine()}, {usable} of {cores} cores usable{f' ({model})' if model else ''}{load}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
        f"moto {metadata.version('moto')}, boto3 {metadata.version('boto3')}"
    )


@dataclass
class Table:
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, part: str, measure: str, measured: str, reference: str = "", how: str = "") -> None:
        self.rows.append((part, measure, measured, reference, how))

    def markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(COLUMNS) + " |", "| " + " | ".join("---" for _ in COLUMNS) + " |"]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def dollars(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.1 or value == 0 else f"${value:.4f}"


def kib(value: int) -> str:
    return f"{value / 1024 / 1024:.1f} MiB" if value >= 1024 * 1024 else f"{value / 1024:.0f} KiB"
