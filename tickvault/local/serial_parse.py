"""One ASL parse at a time in moto's interpreter.

moto 5.2.5's `Preprocessor` keeps its query-language scopes in a list on the
class, shared by every parse; two executions starting together can corrupt
it (IndexError in `_get_current_query_language`, seen as a 500 from
StartSyncExecution). Parsing takes milliseconds, so the local stack puts it
behind a lock; executions still run concurrently.
"""

from __future__ import annotations

import threading

from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

_lock = threading.Lock()
_original = None


def install() -> None:
    current = AmazonStateLanguageParser.__dict__["parse"]
    if getattr(current.__func__, "__tickvault_locked__", False):
        return
    global _original
    _original = original = current.__func__

    def parse(definition: str):
        with _lock:
            return original(definition)

    parse.__tickvault_locked__ = True
    AmazonStateLanguageParser.parse = staticmethod(parse)


def unlocked_parse():
    """moto's own parse, as it was before `install` (for tests)."""
    return _original
