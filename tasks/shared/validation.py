"""JSON Schema checks for task input and output, with messages that name the field."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"


@functools.cache
def validator(schema_name: str) -> jsonschema.protocols.Validator:
    """A compiled validator for `schemas/<schema_name>.schema.json`."""
    schema = json.loads((SCHEMAS_DIR / f"{schema_name}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def problems(document: Any, schema_name: str) -> list[str]:
    """Every way `document` breaks the schema, one readable line each, sorted by field."""
    found = []
    for error in validator(schema_name).iter_errors(document):
        field = "/".join(str(part) for part in error.absolute_path) or "(root)"
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        found.append(f"{field}: {message} (rule '{error.validator}')")
    return sorted(found)


def check(document: Any, schema_name: str, error_cls: type[Exception]) -> None:
    """Raise `error_cls` listing every problem when `document` breaks `schema_name`."""
    found = problems(document, schema_name)
    if found:
        raise error_cls(f"{schema_name} is invalid: " + "; ".join(found))
