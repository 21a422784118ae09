"""The real Lambda asset: tasks/ and schemas/ side by side, and every compiled
module built for arm64 Lambda on CPython 3.13, whatever machine bundled it."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tickvault.paths import ROOT
from tickvault_cdk import bundling

EM_AARCH64 = 183  # ELF e_machine
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # bytes, code and layers together


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    byte_order = "<" if header[5] == 1 else ">"
    return struct.unpack(f"{byte_order}H", header[18:20])[0]


@pytest.fixture(scope="module")
def asset(tmp_path_factory) -> Path:
    """Bundle for real (pip downloads the wheels), exactly as `cdk synth` does."""
    output = tmp_path_factory.mktemp("asset")
    assert bundling.LocalBundler(install_dependencies=True).try_bundle(str(output)) is True
    return output


def test_asset_holds_tasks_and_schemas_side_by_side(asset):
    assert (asset / "tasks" / "seal.py").is_file()
    assert (asset / "tasks" / "proxy.py").is_file()
    assert (asset / "schemas" / "seal.input.schema.json").is_file()
    assert sorted(p.name for p in (asset / "schemas").iterdir()) == sorted(p.name for p in (ROOT / "schemas").iterdir())
    assert not list(asset.rglob("__pycache__"))


def test_asset_holds_every_dependency_of_the_tasks(asset):
    for package in ("aws_lambda_powertools", "boto3", "cryptography", "jsonschema"):
        assert (asset / package).is_dir(), package


def test_every_compiled_module_targets_arm64_and_cpython_313(asset):
    modules = list(asset.rglob("*.so"))
    assert modules, "no compiled module: cryptography at least has one"
    for module in modules:
        assert elf_machine(module) == EM_AARCH64, module.relative_to(asset)
        name = module.name
        # abi3 modules carry no version in their name: their wheel says which CPython they need.
        assert "cpython-313-aarch64-linux-gnu" in name or name.endswith(".abi3.so"), name
    for wheel in asset.glob("*.dist-info/WHEEL"):
        tags = [line.split(": ", 1)[1] for line in wheel.read_text().splitlines() if line.startswith("Tag: ")]
        for tag in tags:
            python, abi, platform = tag.split("-")
            assert platform == "any" or "aarch64" in platform, (wheel.parent.name, tag)
            assert python.startswith("py") or python == "cp313" or abi == "abi3", (wheel.parent.name, tag)


def test_asset_fits_lambdas_unzipped_limit(asset):
    size = sum(path.stat().st_size for path in asset.rglob("*") if path.is_file())
    assert size < LAMBDA_UNZIPPED_LIMIT


def test_pip_is_asked_for_arm64_cpython_313_wheels_only():
    command = bundling.pip_command("/out")
    flags = " ".join(command)
    assert "--platform manylinux2014_aarch64" in flags
    assert "--implementation cp --python-version 3.13 --only-binary=:all:" in flags
    assert command[-2:] == ["-t", "/out"]
