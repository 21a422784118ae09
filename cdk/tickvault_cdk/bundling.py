"""The task Lambdas' code asset, bundled on this machine without Docker.

The asset holds, side by side at its root, the `tasks/` package, the `schemas/`
folder (the tasks find it at `tasks/../schemas`) and the wheels of
requirements/tasks.txt chosen for arm64 and CPython 3.13, whatever machine
runs the synth.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from tickvault.paths import ROOT, SCHEMAS, TASKS
from tickvault_cdk import constants

REQUIREMENTS = ROOT / "requirements" / "tasks.txt"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


def pip_command(output_dir: str) -> list[str]:
    """pip, asked for arm64 CPython 3.13 wheels only, installing into `output_dir`."""
    platforms = [flag for platform in constants.PIP_PLATFORMS for flag in ("--platform", platform)]
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        *platforms,
        "--implementation", "cp",
        "--python-version", constants.PYTHON_VERSION,
        "--only-binary=:all:",
        "-r", str(REQUIREMENTS),
        "-c", str(CONSTRAINTS),
        "-t", output_dir,
    ]  # fmt: skip


@jsii.implements(ILocalBundling)
class LocalBundler:
    """Fills the asset folder in-process; CDK then never reaches for Docker."""

    def __init__(self, install_dependencies: bool) -> None:
        self.install_dependencies = install_dependencies

    def try_bundle(self, output_dir: str, *_args: Any, **_options: Any) -> bool:
        if self.install_dependencies:
            subprocess.run(pip_command(output_dir), check=True)
        for folder in (TASKS, SCHEMAS):
            shutil.copytree(folder, Path(output_dir) / folder.name, ignore=_SKIP, dirs_exist_ok=True)
        return True


def _fingerprint(install_dependencies: bool) -> str:
    """Hash of everything that goes into the asset, so an unchanged asset is not bundled twice."""
    recipe = f"deps={install_dependencies};{constants.PIP_PLATFORMS};cp{constants.PYTHON_VERSION}"
    digest = hashlib.sha256(recipe.encode())
    inputs = [REQUIREMENTS, CONSTRAINTS] + [
        path for folder in (TASKS, SCHEMAS) for path in sorted(folder.rglob("*")) if path.is_file()
    ]
    for path in inputs:
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def task_code(install_dependencies: bool) -> lambda_.Code:
    """One asset for every task function. Without dependencies it is only for synth-time tests."""
    return lambda_.Code.from_asset(
        str(TASKS),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=_fingerprint(install_dependencies),
        bundling=BundlingOptions(
            # Never pulled: LocalBundler always succeeds, and this machine has no Docker.
            image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.13"),
            local=LocalBundler(install_dependencies),
        ),
    )
