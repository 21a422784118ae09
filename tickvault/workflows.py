"""The ASL files in workflows/, with their `${Placeholders}` filled.

CDK fills the same placeholders through `definition_substitutions`; this is
the local stack's (and the tests') way to do it, with a loud error for a
placeholder left empty or a substitution the file does not use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from tickvault.paths import WORKFLOWS

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")


class WorkflowError(ValueError):
    """A workflow file and its substitutions do not fit together."""


def source(name: str) -> str:
    """The text of `workflows/<name>.asl.json`."""
    return (WORKFLOWS / f"{name}.asl.json").read_text()


def placeholders(name: str) -> set[str]:
    return set(_PLACEHOLDER.findall(source(name)))


def render(name: str, substitutions: Mapping[str, str]) -> str:
    """The definition of workflow `name` with every placeholder replaced."""
    text = source(name)
    wanted = set(_PLACEHOLDER.findall(text))
    missing, unused = wanted - set(substitutions), set(substitutions) - wanted
    if missing or unused:
        raise WorkflowError(
            f"workflows/{name}.asl.json: missing substitutions {sorted(missing)}, unused {sorted(unused)}"
        )
    return _PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], text)


def definition(name: str, substitutions: Mapping[str, str]) -> dict[str, Any]:
    return json.loads(render(name, substitutions))
