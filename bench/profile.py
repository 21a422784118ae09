"""Where the local request path spends its CPU: bench/http_load.py under py-spy.

    .venv/bin/python -m bench.profile [--requests 150] [--clients 1,8] [--top 40]

Samples only the thread holding the GIL (`py-spy --gil`): the stack is one
CPU-bound Python process, so that is where the time goes. Prints the
heaviest functions by inclusive share and the packages by own share.
py-spy needs ptrace; in a container without it, this says so and stops.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def aggregate(raw: str) -> tuple[int, collections.Counter[str], collections.Counter[str]]:
    """(samples, inclusive samples by function, own samples by top-level package) from py-spy's raw format."""
    inclusive: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples, frames = int(count), stack.split(";")
        total += samples
        for frame in {re.sub(r":\d+\)$", ")", frame) for frame in frames}:
            inclusive[frame] += samples
        leaf = re.search(r"\(([^)]*?):\d+\)$", frames[-1])
        path = leaf.group(1) if leaf else "?"
        packages[path.split("/")[0] if "/" in path else path] += samples
    return total, inclusive, packages


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--clients", default="1,8")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "profile.txt"
        command = [str(Path(sys.executable).with_name("py-spy")), "record", "--gil", "--rate", "100", "--format", "raw",
                   "--output", str(out), "--", sys.executable, str(HERE / "http_load.py"),
                   "--requests", str(args.requests), "--clients", args.clients]  # fmt: skip
        done = subprocess.run(command, text=True, capture_output=True)
        print(done.stdout)
        if done.returncode != 0 or not out.exists():
            print(f"py-spy failed (it needs ptrace: SYS_PTRACE in a container): {done.stderr.strip()[-400:]}")
            return 1
        total, inclusive, packages = aggregate(out.read_text())
    print(f"{total} samples with the GIL held")
    print("own time by package:")
    for name, samples in packages.most_common(12):
        print(f"  {samples / total:6.1%}  {name}")
    print("inclusive time by function:")
    for name, samples in inclusive.most_common(args.top):
        print(f"  {samples / total:6.1%}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
