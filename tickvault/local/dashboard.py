"""The local dashboard on 127.0.0.1:8081: plain server-side HTML that
refreshes itself, and the same data as JSON at /api/status (GET or HEAD)."""

from __future__ import annotations

import html
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, urlsplit

from tickvault.local.addresses import FamilyServer, http_url
from tickvault.local.dashboard_data import snapshot

log = logging.getLogger("local.dashboard")
REFRESH_SECONDS = 5

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:1.4em;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}
.ALARM,.FAILED,.TIMED_OUT{color:#b00;font-weight:bold}.OK,.SUCCEEDED{color:#070}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:0 2em}
code{font-size:12px}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[str]], empty: str = "none yet") -> str:
    if not rows:
        return f"<p><i>{_e(empty)}</i></p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _seconds(value) -> str:
    return "" if value is None else f"{value:.2f}"


def render(data: dict) -> str:
    newest = data["newestFile"]
    if newest and "problem" in newest:
        file_rows = [[_e("unreadable"), f'<span class="ALARM">{_e(newest["problem"])}</span>']]
    else:
        file_rows = [[_e(k), f"<code>{_e(v)}</code>"] for k, v in (
            ("made at", newest["time"]), ("key", newest["key"]), ("age", f"{newest['ageSeconds']} s"),
            ("size", f"{newest['size']} bytes"), ("sha-256", newest["sha256"]))] if newest else []
    alarms = [[_e(name), f'<span class="{_e(state)}">{_e(state)}</span>'] for name, state in data["alarms"].items()]
    sections = [
        "<h2>Newest file</h2>" + _table(["", ""], file_rows, "no file yet"),
        f"<h2>Schedule</h2><p>next tick: <b>{_e(data['nextTick'])}</b></p>",
        "<h2>Alarms</h2>" + _table(["alarm", "state"], alarms),
    ]
    for workflow, runs in data["executions"].items():
        rows = [[f'<span class="ALARM">cannot list: {_e(r["problem"])}</span>', "", "", ""] if "problem" in r else
                [f'<a href="/?execution={quote(r["arn"], safe="")}">{_e(r["name"])}</a>',
                 f'<span class="{_e(r["status"])}">{_e(r["status"])}</span>', _e(r["started"][11:19]),
                 _e(_seconds(r["seconds"]))] for r in runs]
        sections.append(f"<h2>Executions: {_e(workflow)}</h2>" + _table(["name", "status", "started", "seconds"], rows))
    if data.get("execution", {}).get("error"):
        sections.append(f"<h2>Execution</h2><p><i>{_e(data['execution']['error'])}: "
                        f"<code>{_e(data['execution']['query'])}</code></i></p>")
    elif "execution" in data:
        steps = [[_e(s["state"]), _e(s["entered"][11:23]), _e(_seconds(s["seconds"])), _e(s["outcome"])]
                 for s in data["execution"]["steps"]]
        sections.append(f"<h2>Execution {_e(data['execution']['arn'].rsplit(':', 1)[-1])}</h2>"
                        + _table(["state", "entered", "seconds", "outcome"], steps))
    windows = [[_e(w["start"][11:16]), _e(w["allowed"]), _e(w["refused"]), _e(w["other"])]
               for w in data["traffic"]["windows"]]
    sections.append("<h2>Requests per window</h2>" + _table(["window", "allowed", "refused", "other"], windows))
    top = [[_e(t["sourceIp"]), _e(t["refused"])] for t in data["traffic"]["topRefused"]]
    sections.append("<h2>Most refused addresses</h2>" + _table(["address", "refused"], top))
    notes = [[_e(n["received"][11:19]), _e(n["subject"])] for n in data["notifications"]]
    sections.append("<h2>Notifications sent</h2>" + _table(["received", "subject"], notes))
    return (f'<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
            f"<title>tickvault (local)</title><style>{_STYLE}</style></head><body>"
            f"<h1>tickvault, local stack</h1><p>{_e(data['now'])} UTC, refreshes every {REFRESH_SECONDS} s</p>"
            f'<div class="grid"><div>{"".join(sections[:3])}</div><div>{"".join(sections[3:])}</div></div>'
            "</body></html>")


class Dashboard:
    def __init__(self, stack, host: str = "127.0.0.1", port: int = 8081):
        dashboard = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002
                log.debug("%r", format % args)  # repr: the request line is the client's

            def version_string(self) -> str:
                return "tickvault-dashboard"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                arn = (parse_qs(url.query).get("execution") or [None])[0]
                try:
                    data = snapshot(dashboard.stack, arn)
                except Exception as exc:  # a bad ?execution= or a busy emulator: say so, do not trace
                    log.warning("dashboard data failed: %s", type(exc).__name__)
                    self._reply(503, "text/plain; charset=utf-8", "dashboard data unavailable; retrying\n")
                    return
                status = 404 if data.get("execution", {}).get("error") else 200
                if url.path == "/api/status":
                    self._reply(status, "application/json", json.dumps(data))
                elif url.path == "/":
                    self._reply(status, "text/html; charset=utf-8", render(data))
                else:
                    self._reply(404, "text/plain; charset=utf-8", "not found\n")

            do_HEAD = do_GET  # the same status and headers; _reply leaves the body out

            def _reply(self, status: int, media: str, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

        self.stack = stack
        self._server = FamilyServer((host, port), Handler)
        self._server.daemon_threads = True
        self.host, self.port = self._server.server_address[:2]

    @property
    def url(self) -> str:
        return http_url(self.host, self.port, "/")

    def start(self) -> Dashboard:
        threading.Thread(target=self._server.serve_forever, name="dashboard", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
