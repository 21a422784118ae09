"""Check an HTTP response against schemas/openapi.json: its status is
described, the required headers are there and match, the body matches."""

from __future__ import annotations

import json

import jsonschema

from tickvault.paths import SCHEMAS

SPEC = json.loads((SCHEMAS / "openapi.json").read_text())


def _resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node = SPEC
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def check(method: str, path: str, status: int, headers: dict[str, str], body: str) -> None:
    # Other paths and methods (404, 405) are described on the GET operation.
    operations = SPEC["paths"]["/latest"]
    operation = operations.get(method.lower(), operations["get"]) if path == "/latest" else operations["get"]
    described = operation["responses"].get(str(status))
    assert described is not None, f"status {status} is not in the OpenAPI description"
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, spec in described.get("headers", {}).items():
        value = lowered.get(name.lower())
        if value is None:
            assert not spec.get("required"), f"{status}: required header {name} is missing"
            continue
        jsonschema.validate(value, spec["schema"])
    content = described.get("content")
    if content and method.upper() != "HEAD" and status != 304:
        media = lowered.get("content-type", "")
        assert media in content, f"{status}: content type {media!r} not described"
        schema = _resolve(content[media]["schema"])
        document = json.loads(body) if "json" in media else body
        jsonschema.validate(document, schema)
