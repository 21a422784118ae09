"""Every AWS SDK call made in this process, counted by service and operation.

The hook sits on boto3's default session, so it sees the proxy's and the
tasks' clients, the gateway's call to the proxy and the calls moto's
interpreter makes for the workflows' Task states. Register it before the
stack starts: a client copies the session's hooks when it is created.

Calls the local stack makes only to stand in for something AWS does without
an API call (CloudWatch turning EMF log lines into metrics) are counted
apart, under LOCAL_ONLY, once `mark_local_only` has been given that client.
"""

from __future__ import annotations

import collections
import re
import threading
from urllib.parse import unquote

Counts = collections.Counter[str]
LOCAL_ONLY = "local stand-in"
_FUNCTION = re.compile(r"/functions/([^/]+)/invocations")


def _name(model, params) -> str:
    name = f"{model.service_model.service_name}:{model.name}"
    if model.name == "Invoke" and isinstance(params, dict):  # before-call's params is the request dict
        found = _FUNCTION.search(str(params.get("url_path", "")))
        if found:
            name += f" ({unquote(found.group(1)).rsplit(':', 1)[-1]})"
    return name


class CallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counts = collections.Counter()
        self._express_ms: list[float] = []
        self._local = threading.local()

    def install(self, session) -> CallCounter:
        session.events.register("before-call", self._before)
        session.events.register("after-call.sfn.StartSyncExecution", self._after_sync)
        return self

    def mark_local_only(self, client) -> None:
        """Count this client's calls under LOCAL_ONLY (it copied the session's hooks: run first)."""
        client.meta.events.register_first("before-call", self._flag_local)

    def _flag_local(self, **_) -> None:
        self._local.flag = True

    def _before(self, model, params=None, **_) -> None:
        key = _name(model, params)
        if getattr(self._local, "flag", False):
            self._local.flag = False
            key = f"{LOCAL_ONLY} {key}"
        with self._lock:
            self._counts[key] += 1

    def _after_sync(self, parsed=None, **_) -> None:
        """The Express execution's own duration, as Step Functions bills it (start to stop)."""
        started, stopped = (parsed or {}).get("startDate"), (parsed or {}).get("stopDate")
        if started is not None and stopped is not None:
            with self._lock:
                self._express_ms.append((stopped - started).total_seconds() * 1000)

    def take(self) -> Counts:
        """The calls counted since the last take, and start counting afresh."""
        with self._lock:
            counts, self._counts = self._counts, collections.Counter()
        return counts

    def take_express_ms(self) -> list[float]:
        with self._lock:
            found, self._express_ms = self._express_ms, []
        return found
