"""Where the local servers listen: the port probe, the address family of
`--host`, and URLs for IPv6 literals."""

from __future__ import annotations

import errno
import socket
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from tests.conftest import needs_ipv6
from tickvault.local.addresses import FamilyServer, ensure_free, http_url, resolve


@needs_ipv6
def test_a_free_port_on_an_ipv6_host_is_free():
    with socket.socket(socket.AF_INET6) as taken:
        taken.bind(("::1", 0))
        port = taken.getsockname()[1]
    ensure_free("::1", port)  # an IPv4 probe could not bind ::1 and called the port "in use"


@needs_ipv6
def test_a_taken_port_on_an_ipv6_host_is_in_use():
    with socket.socket(socket.AF_INET6) as taken:
        taken.bind(("::1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=rf"port {port} on ::1 is in use") as raised:
            ensure_free("::1", port)
    assert raised.value.errno == errno.EADDRINUSE


def test_a_taken_port_on_an_ipv4_host_is_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="is in use") as raised:
            ensure_free("127.0.0.1", port)
    assert raised.value.errno == errno.EADDRINUSE


@pytest.mark.parametrize("host", ["nosuch.invalid", "1.2.3.4.5"])
def test_a_host_that_is_no_address_is_reported_as_such_not_as_a_taken_port(host):
    with pytest.raises(OSError) as raised:
        ensure_free(host, 0)
    assert raised.value.errno != errno.EADDRINUSE
    assert raised.value.strerror.startswith(f"host {host!r} is not an address")
    assert "in use" not in raised.value.strerror


def test_the_family_follows_the_host():
    assert resolve("127.0.0.1", 80) == (socket.AF_INET, ("127.0.0.1", 80))
    family, address = resolve("::1", 80)
    assert family == socket.AF_INET6 and address[:2] == ("::1", 80)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8690/latest"),
        ("localhost", "http://localhost:8690/latest"),
        ("::1", "http://[::1]:8690/latest"),
        ("[::1]", "http://[::1]:8690/latest"),
        ("fe80::1", "http://[fe80::1]:8690/latest"),
    ],
)
def test_urls_put_ipv6_literals_in_brackets(host, url):
    assert http_url(host, 8690, "/latest") == url


@needs_ipv6
def test_the_servers_listen_on_ipv6_and_their_urls_work():
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"hi")

        def log_message(self, *args):
            pass

    server = FamilyServer(("::1", 0), Hello)  # http.server's own class is IPv4 only
    try:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = http_url(*server.server_address[:2], "/")
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.read() == b"hi"
    finally:
        server.shutdown()
        server.server_close()
