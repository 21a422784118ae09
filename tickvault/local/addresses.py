"""Where the local servers listen: the address family of `--host`, a port
probe that tells a taken port from a bad host, and URLs with IPv6 literals
in brackets."""

from __future__ import annotations

import errno
import socket
from http.server import ThreadingHTTPServer


def resolve(host: str, port: int) -> tuple[socket.AddressFamily, tuple]:
    """The family and socket address to bind `host`:`port`, as getaddrinfo gives them first.

    OSError(EADDRNOTAVAIL) naming the host if it is no address at all.
    """
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise OSError(errno.EADDRNOTAVAIL, f"host {host!r} is not an address ({exc.strerror})") from None
    family, _, _, _, address = found[0]
    return family, (address[0], port, *address[2:])  # an IPv6 address keeps its flow info and scope


def ensure_free(host: str, port: int) -> None:
    """Raise OSError(EADDRINUSE) if `port` is taken on `host`, and another OSError
    that names the host if the host itself cannot be bound.

    moto's ThreadedMotoServer binds in its own thread and, when that fails,
    waits forever for a server that never starts; checking first keeps a
    second `make run` from hanging.
    """
    family, address = resolve(host, port)
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the servers themselves do: a port left in TIME_WAIT by a stopped run is free to bind.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise OSError(exc.errno, f"port {port} on {host} is in use") from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise OSError(exc.errno, f"host {host!r} is not an address of this machine") from None
            raise OSError(exc.errno, f"cannot listen on port {port} of {host}: {exc.strerror}") from None


def http_url(host: str, port: int, path: str = "") -> str:
    """`http://127.0.0.1:8080`, `http://[::1]:8080`: an IPv6 literal goes in brackets (RFC 3986)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}{path}"


class FamilyServer(ThreadingHTTPServer):
    """http.server listens on IPv4 only (`address_family = AF_INET`); this one
    takes the family of the host it is given, so `--host ::1` works too."""

    def __init__(self, server_address: tuple[str, int], handler):
        self.address_family, address = resolve(*server_address)
        super().__init__(address, handler)
