"""moto's ASL preprocessor keeps its scope list on the class, shared by every
parse; the local stack must never let two parses overlap."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from moto.stepfunctions.parser.asl.parse import preprocessor
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from tickvault.local import serial_parse
from tickvault.workflows import render

DEFINITION = render("serve", {"TableName": "t", "RateLimit": "210", "FailMode": "closed",
                              "DecryptFunctionArn": "arn:aws:lambda:us-east-1:1:function:d"})


def most_parses_inside_at_once(monkeypatch, parse) -> int:
    """Run 40 parses on 8 threads and count how many were ever inside moto's scope bookkeeping together."""
    current = preprocessor.Preprocessor._get_current_query_language
    lock, inside, most = threading.Lock(), set(), [0]

    def watched(self):
        with lock:
            inside.add(threading.get_ident())
            most[0] = max(most[0], len(inside))
        time.sleep(0.0002)  # yield, so overlapping parses get their chance
        with lock:
            inside.discard(threading.get_ident())
        return current(self)

    monkeypatch.setattr(preprocessor.Preprocessor, "_get_current_query_language", watched)
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert len(list(pool.map(lambda _: parse(DEFINITION), range(40)))) == 40
    return most[0]


def test_the_local_stack_never_lets_two_parses_overlap(monkeypatch):
    serial_parse.install()
    assert most_parses_inside_at_once(monkeypatch, AmazonStateLanguageParser.parse) == 1


def test_moto_alone_would_let_them_overlap(monkeypatch):
    serial_parse.install()
    unlocked = serial_parse.unlocked_parse()
    assert most_parses_inside_at_once(monkeypatch, unlocked) > 1
