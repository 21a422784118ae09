"""Keep what moto's interpreter would rebuild for every Task state: its boto3
clients (one per service and emulator endpoint) and its JSONPath parsers.

moto builds those clients for `http://localhost:$MOTO_PORT`; `point_at` sends
them to the address the emulator really listens on (`--host ::1` is not
reachable as localhost where localhost is 127.0.0.1)."""

from __future__ import annotations

import functools
import sys
import threading

import boto3
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.utils import boto_client, json_path

_lock = threading.Lock()
_clients: dict[tuple[str, str, str], object] = {}
_endpoint: str | None = None  # None: moto's own localhost:$MOTO_PORT


class _Boto3:
    """What moto's boto_client module sees as `boto3`: the same clients, with the emulator's endpoint."""

    @staticmethod
    def client(*args, **kwargs):
        if _endpoint is not None and kwargs.get("endpoint_url"):
            kwargs["endpoint_url"] = _endpoint
        return boto3.client(*args, **kwargs)


def point_at(endpoint: str) -> None:
    """Send the interpreter's calls to `endpoint` (the emulator's URL) instead of localhost."""
    global _endpoint
    _endpoint = endpoint


def install() -> None:
    original = boto_client.boto_client_for
    if getattr(original, "__tickvault_cached__", False):
        return

    def boto_client_for(region: str, service: str, state_credentials=None):
        # moto's own function ignores state_credentials: the key needs only what it uses.
        key = (region, service, _endpoint or moto_server_port())
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.setdefault(key, original(region, service, state_credentials))
        return client

    boto_client_for.__tickvault_cached__ = True
    boto_client.boto_client_for = boto_client_for
    boto_client.boto3 = _Boto3
    for name, module in list(sys.modules.items()):  # modules that imported the name before
        if name.startswith("moto.stepfunctions.parser") and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for
    json_path.parse = functools.lru_cache(maxsize=1024)(json_path.parse)
    result_path.parse = functools.lru_cache(maxsize=1024)(result_path.parse)
