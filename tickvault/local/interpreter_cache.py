"""Keep what moto's interpreter would rebuild for every Task state: its boto3
clients (one per service and emulator port) and its JSONPath parsers."""

from __future__ import annotations

import functools
import sys
import threading

from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.utils import boto_client, json_path

_lock = threading.Lock()
_clients: dict[tuple[str, str, int], object] = {}


def install() -> None:
    original = boto_client.boto_client_for
    if getattr(original, "__tickvault_cached__", False):
        return

    def boto_client_for(region: str, service: str, state_credentials=None):
        # moto's own function ignores state_credentials: the key needs only what it uses.
        key = (region, service, moto_server_port())
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.setdefault(key, original(region, service, state_credentials))
        return client

    boto_client_for.__tickvault_cached__ = True
    boto_client.boto_client_for = boto_client_for
    for name, module in list(sys.modules.items()):  # modules that imported the name before
        if name.startswith("moto.stepfunctions.parser") and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for
    json_path.parse = functools.lru_cache(maxsize=1024)(json_path.parse)
    result_path.parse = functools.lru_cache(maxsize=1024)(result_path.parse)
