"""moto's server in a thread of this process, with Step Functions execution on.

In server mode moto's ASL interpreter sends its Lambda, DynamoDB and SNS calls
to `localhost:$MOTO_PORT`, so that variable is set to the port we bind (and
`interpreter_cache.point_at` sends them to the host we bind, e.g. `::1`).
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request

from moto.server import ThreadedMotoServer

from tickvault.local.addresses import ensure_free, http_url, resolve

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "tickvault-local",
    "AWS_SECRET_ACCESS_KEY": "tickvault-local",
}


class Emulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 5000, region: str = "us-east-1"):
        self.host = host
        self.port = port
        self.region = region
        self._server: ThreadedMotoServer | None = None

    @property
    def endpoint(self) -> str:
        return http_url(self.host, self.port)

    def start(self) -> Emulator:
        for name, value in FAKE_CREDENTIALS.items():
            os.environ.setdefault(name, value)
        os.environ["AWS_DEFAULT_REGION"] = self.region
        # One access-log line per emulated call drowns everything else out.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        if self.port:
            ensure_free(self.host, self.port)
        # werkzeug picks IPv6 for an address with a colon, IPv4 otherwise: give it the address, not a name.
        address = resolve(self.host, self.port)[1][0]
        self._server = ThreadedMotoServer(ip_address=address, port=self.port, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]
        os.environ["MOTO_PORT"] = str(self.port)
        # The task handlers run in this process; their boto3 clients go to the emulator.
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint
        self._post("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        return self

    def reset(self) -> None:
        """Forget every resource (tests use it between cases)."""
        self._post("/moto-api/reset", {})

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def _post(self, path: str, body: dict) -> None:
        request = urllib.request.Request(
            self.endpoint + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
