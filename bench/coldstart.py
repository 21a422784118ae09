"""Cold-start proxies: the size of the Lambda asset, bundled with the
project's own local bundling, and the import time of each handler module in
fresh interpreters, beside a bare `import boto3`."""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tickvault.paths import ROOT

HANDLERS = ("tasks.proxy", "tasks.decrypt", "tasks.seal", "tasks.store", "tasks.verify", "tasks.publish")
BASELINE = "boto3"
BUNDLE_TIMEOUT_SECONDS = 300

_BUNDLE_SCRIPT = """
import sys
sys.path.insert(0, {cdk!r})
from tickvault_cdk.bundling import LocalBundler
LocalBundler(install_dependencies=True).try_bundle({out!r})
"""

# Imports the module, then reports the non-stdlib files it loaded (what a bundle must hold for it).
_IMPORT_SCRIPT = """
import {module}
import json, os, sys, sysconfig
stdlib = {{os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}}
files = set()
for mod in list(sys.modules.values()):
    path = getattr(mod, "__file__", None)
    if not path:
        continue
    real = os.path.realpath(path)
    if not any(real.startswith(s + os.sep) for s in stdlib) or "site-packages" in real:
        files.add(real)
print(json.dumps({{"files": len(files), "bytes": sum(os.path.getsize(f) for f in files if os.path.exists(f))}}))
"""


@dataclass
class ImportTime:
    module: str
    pyc_ms: float
    source_ms: float | None  # the project's and its dependencies' modules compiled from source
    files: int
    bytes: int
    heaviest: list[tuple[str, float]] = field(default_factory=list)  # (module, self ms)


@dataclass
class Bundle:
    ok: bool
    detail: str = ""
    bytes: int = 0
    files: int = 0
    zip_bytes: int = 0
    seconds: float = 0.0
    by_distribution: list[tuple[str, int]] = field(default_factory=list)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_ENDPOINT"))}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _parse_importtime(stderr: str, module: str) -> tuple[float, list[tuple[str, float]]]:
    """Cumulative ms of `module`'s own line, and the heaviest single imports by self time."""
    cumulative, selfs = None, []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if not match:
            continue
        self_us, cumulative_us, _, name = match.groups()
        selfs.append((name, int(self_us) / 1000))
        if name == module:
            cumulative = int(cumulative_us) / 1000
    if cumulative is None:
        raise RuntimeError(f"-X importtime printed no line for {module}")
    return cumulative, sorted(selfs, key=lambda item: -item[1])[:5]


def _import_once(module: str, pycache_prefix: str | None = None) -> tuple[float, dict, list]:
    command = [sys.executable, "-X", "importtime"]
    env = _env()
    if pycache_prefix is not None:
        command += ["-X", f"pycache_prefix={pycache_prefix}"]
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(command + ["-c", _IMPORT_SCRIPT.format(module=module)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    cumulative, heaviest = _parse_importtime(done.stderr, module)
    return cumulative, json.loads(done.stdout.strip().splitlines()[-1]), heaviest


def _stdlib_only_pycache(modules: list[str]) -> str:
    """A pycache prefix holding compiled stdlib modules only, as on Lambda: the runtime's standard
    library is compiled, while an asset bundled with `--no-compile` on a read-only /var/task is
    compiled from source at every cold start."""
    prefix = tempfile.mkdtemp(prefix="bench-pycache-")
    script = "; ".join(f"import {m}" for m in modules)
    subprocess.run([sys.executable, "-X", f"pycache_prefix={prefix}", "-c", script], cwd=ROOT, env=_env(),
                   capture_output=True, timeout=300, check=True)
    paths = sysconfig.get_paths()
    sources = (paths["purelib"], paths["platlib"], str(ROOT))
    for source in {spelling for path in sources for spelling in (path, os.path.realpath(path))}:
        shutil.rmtree(prefix + source, ignore_errors=True)  # pycache_prefix mirrors absolute source paths
    return prefix


def import_times(modules: list[str], runs: int, source_runs: int) -> list[ImportTime]:
    prefix = _stdlib_only_pycache(modules) if source_runs else None
    results = []
    try:
        for module in modules:
            warm = sorted((_import_once(module) for _ in range(runs)), key=lambda run: run[0])
            cold = [_import_once(module, prefix)[0] for _ in range(source_runs)] if prefix else []
            middle = warm[(len(warm) - 1) // 2]  # the median run (the first one may have compiled tasks/)
            results.append(ImportTime(
                module=module,
                pyc_ms=statistics.median(ms for ms, _, _ in warm),
                source_ms=statistics.median(cold) if cold else None,
                files=middle[1]["files"],
                bytes=middle[1]["bytes"],
                heaviest=middle[2],
            ))  # fmt: skip
    finally:
        if prefix:
            shutil.rmtree(prefix, ignore_errors=True)
    return results


def _distribution(top: str) -> str:
    name = top
    for suffix in (".dist-info", ".libs", ".data"):
        if name.endswith(suffix):
            name = name[: -len(suffix)].split("-")[0]
    return name.lower().replace("-", "_").removesuffix(".py")


def bundle() -> Bundle:
    """The asset every task function gets, bundled as `cdk synth` does (pip fetches arm64 / CPython 3.13 wheels)."""
    import time

    out = tempfile.mkdtemp(prefix="bench-asset-")
    began = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", _BUNDLE_SCRIPT.format(cdk=str(ROOT / "cdk"), out=out)],
                              cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=BUNDLE_TIMEOUT_SECONDS)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return Bundle(False, f"bundling failed: {last[:160]}")
        seconds = time.perf_counter() - began
        sizes: collections.Counter[str] = collections.Counter()
        files = 0
        for path in Path(out).rglob("*"):
            if path.is_file():
                files += 1
                sizes[_distribution(path.relative_to(out).parts[0])] += path.stat().st_size
        zip_path = Path(out + ".zip")
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(out).rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(out).as_posix())
        zip_bytes = zip_path.stat().st_size
        zip_path.unlink()
        return Bundle(True, "", sum(sizes.values()), files, zip_bytes, seconds, sizes.most_common())
    except subprocess.TimeoutExpired:
        return Bundle(False, f"bundling took over {BUNDLE_TIMEOUT_SECONDS} s")
    finally:
        shutil.rmtree(out, ignore_errors=True)
