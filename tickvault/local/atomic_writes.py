"""Make moto's DynamoDB writes atomic, as DynamoDB's are.

moto checks a ConditionExpression and then writes, with nothing in between
held: two threads of its server can both see `hits = 209` and both write 210,
so under concurrency the limit could be passed by one. The local stack puts
every item write behind one lock. That is our glue for the emulator; on AWS
the conditional UpdateItem is atomic by itself.
"""

from __future__ import annotations

import functools
import threading

from moto.dynamodb.models import DynamoDBBackend

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_lock = threading.RLock()


def _locked(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _lock:
            return method(*args, **kwargs)

    wrapper.__tickvault_locked__ = True
    return wrapper


def install() -> None:
    for name in WRITES:
        method = getattr(DynamoDBBackend, name)
        if not getattr(method, "__tickvault_locked__", False):
            setattr(DynamoDBBackend, name, _locked(method))
