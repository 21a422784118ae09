"""Log tags of concurrent invocations: locally every task shares one process."""

from __future__ import annotations

import io
import json
import logging
import threading

from tasks.shared.observability import invocation, logger


def test_concurrent_invocations_keep_their_own_task_and_correlation_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    store_in, proxy_in, store_logged, proxy_out = (threading.Event() for _ in range(4))

    def store():  # a generation, running while a request comes and goes
        with invocation("store", "generation-1"):
            store_in.set()
            proxy_in.wait(5)
            logger.info("while the request runs")
            store_logged.set()
            proxy_out.wait(5)
            logger.info("after the request ended")

    def proxy():
        store_in.wait(5)
        with invocation("proxy", "request-1"):
            proxy_in.set()
            store_logged.wait(5)
        proxy_out.set()

    threads = [threading.Thread(target=store), threading.Thread(target=proxy)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["task"], line["correlation_id"]) for line in lines] == [("store", "generation-1")] * 2


def test_a_nested_invocation_on_the_same_thread_gives_the_tags_back():
    with invocation("proxy", "request-1"):
        with invocation("decrypt", "request-1-inner"):
            assert logger.thread_safe_get_current_keys()["task"] == "decrypt"
        assert logger.thread_safe_get_current_keys() == {"task": "proxy", "correlation_id": "request-1"}
    assert "task" not in logger.thread_safe_get_current_keys()
