"""One ASL parse at a time in moto's interpreter, and each definition parsed once.

moto 5.2.5's `Preprocessor` keeps its query-language scopes in a list on the
class, shared by every parse; two executions starting together can corrupt
it (IndexError in `_get_current_query_language`, seen as a 500 from
StartSyncExecution). So the local stack puts it behind a lock.

moto also runs ANTLR over the whole definition for every execution (over a
third of the CPU of a served request). The parse tree depends only on the
definition text, so it is kept; only the Preprocessor, which builds fresh
evaluation components, runs again for each execution, still under the lock.
"""

from __future__ import annotations

import threading

from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

_lock = threading.Lock()
_original = None
_trees: dict[str, object] = {}


def install() -> None:
    current = AmazonStateLanguageParser.__dict__["parse"]
    if getattr(current.__func__, "__tickvault_locked__", False):
        return
    global _original
    _original = original = current.__func__

    def parse(definition: str):
        with _lock:
            tree = _trees.get(definition)
            if tree is None:
                program, tree = original(definition)  # raises on a syntax error: nothing is kept
                _trees[definition] = tree
                return program, tree
            return Preprocessor().visit(tree), tree

    parse.__tickvault_locked__ = True
    AmazonStateLanguageParser.parse = staticmethod(parse)


def unlocked_parse():
    """moto's own parse, as it was before `install` (for tests)."""
    return _original
