"""The whole system on one machine: emulator, in-process Lambda runtime,
provisioned resources and the scheduler."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

import boto3

from tickvault import executions
from tickvault.config import Config
from tickvault.alarms import mission_alarms
from tickvault.local import (atomic_writes, emf, execution_names, interpreter_cache, lambda_runtime, serial_parse,
                             sync_execution)
from tickvault.local.addresses import ensure_free
from tickvault.local.alarm_path import AlarmEvaluator, Inbox
from tickvault.local.dashboard import Dashboard
from tickvault.local.emulator import Emulator
from tickvault.local.gateway import Gateway
from tickvault.local.provision import Provisioner, Resources
from tickvault.local.scheduler import Scheduler
from tickvault.names import GENERATE

log = logging.getLogger("local.stack")  # not under "tickvault": Powertools owns that logger

DefinitionHook = Callable[[str, str], str]


class LocalStack:
    def __init__(
        self,
        config: Config,
        host: str = "127.0.0.1",
        moto_port: int = 5000,
        definition_hook: DefinitionHook | None = None,
        http_port: int | None = 8080,
        dashboard_port: int | None = None,
    ):
        self.config = config
        self.emulator = Emulator(host, moto_port, config.region)
        self._hook = definition_hook
        self.resources: Resources | None = None
        self.scheduler: Scheduler | None = None
        self._ticks: list[threading.Thread] = []
        self._host, self._http_port = host, http_port
        self.gateway: Gateway | None = None
        self._dashboard_port = dashboard_port
        self.dashboard: Dashboard | None = None

    @property
    def endpoint(self) -> str:
        return self.emulator.endpoint

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.config.region)

    def start(self, schedule: bool = True) -> LocalStack:
        lambda_runtime.install()
        sync_execution.install()
        execution_names.install()
        atomic_writes.install()
        serial_parse.install()
        interpreter_cache.install()
        for port in (self._http_port, self._dashboard_port):
            if port:
                ensure_free(self._host, port)  # fail before anything starts
        self.emulator.start()
        interpreter_cache.point_at(self.endpoint)  # not localhost: the host it binds, e.g. ::1
        emf.install(self.endpoint, self.config.region)
        self.provision()
        if self._http_port is not None:
            self.gateway = Gateway(self.endpoint, self.config.region, self.resources.functions["proxy"],
                                   self._host, self._http_port).start()
        if self._dashboard_port is not None:
            self.dashboard = Dashboard(self, self._host, self._dashboard_port).start()
        if schedule:
            self.alarms.start()
            self.inbox.start()
            self.scheduler = Scheduler(self.config.period_seconds, self.tick_async)
            self.scheduler.start()
        return self

    def provision(self) -> Resources:
        lambda_runtime.forget_environment()
        self.resources = Provisioner(self.config, self.endpoint, self._hook).provision()
        self.alarms = AlarmEvaluator(self, mission_alarms(self.config))
        self.inbox = Inbox(self)
        return self.resources

    def reset(self) -> Resources:
        """Empty the emulator and provision afresh (between tests)."""
        self.emulator.reset()
        return self.provision()

    def start_generation(self, scheduled: datetime) -> str:
        assert self.resources is not None, "start() first"
        return executions.start_generation(self.client("stepfunctions"), self.resources.state_machines[GENERATE], scheduled)

    def generate(self, scheduled: datetime, timeout: float = 120.0) -> dict:
        """Run one generation to its end and return DescribeExecution's answer."""
        return executions.wait(self.client("stepfunctions"), self.start_generation(scheduled), timeout)

    def tick_async(self, scheduled: datetime) -> None:
        """Start a tick and log one line when it ends, without blocking the scheduler."""
        worker = threading.Thread(target=self._tick, args=(scheduled,), name="tick", daemon=True)
        self._ticks = [t for t in self._ticks if t.is_alive()] + [worker]
        worker.start()

    def _tick(self, scheduled: datetime) -> None:
        label, began = f"tick {scheduled:%Y-%m-%dT%H:%M:%SZ}", time.monotonic()
        try:
            result = self.generate(scheduled)
        except Exception as exc:
            log.error("%s: could not run: %s", label, exc)
            return
        seconds = time.monotonic() - began
        if result["status"] == "SUCCEEDED":
            key = json.loads(result.get("output") or "{}").get("objectKey", "?")
            log.info("%s: %s stored %s in %.2fs", label, result["name"], key, seconds)
        else:
            log.error("%s: %s %s in %.2fs", label, result["name"], result["status"], seconds)

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
            self.alarms.stop()
            self.inbox.stop()
        if self.gateway is not None:
            self.gateway.stop()
        if self.dashboard is not None:
            self.dashboard.stop()
        for worker in self._ticks:
            worker.join(timeout=10)
        self.emulator.stop()
