"""How the local gateway reads one request off its connection, strictly, as
RFC 9112 says: the whole request has one deadline from its first byte, the end
of the stream is told apart from the blank line that ends the headers, and a
body is framed by one Content-Length or by chunked coding. Framing two HTTP
parsers could read differently (request smuggling) is refused, not guessed at.
"""

from __future__ import annotations

import re
import socket
import time

MAX_HEADER_BYTES = 10 * 1024  # API Gateway's quota for all request headers together
MAX_BODY_BYTES = 1024 * 1024


class ClockedReads(socket.SocketIO):
    """The connection's input, each read of which is cut short at `deadline` (monotonic time).

    The socket's timeout applies to each read, so a client sending a byte every few seconds
    would hold the connection for ever; a read here waits at most what is left."""

    deadline: float | None = None

    def readinto(self, buffer) -> int:
        if self.deadline is None:
            return super().readinto(buffer)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long to arrive")
        usual = self._sock.gettimeout()
        self._sock.settimeout(left if usual is None else min(left, usual))  # for this read only, not writes
        try:
            return super().readinto(buffer)
        finally:
            self._sock.settimeout(usual)


class EndWatch:
    """The request's input stream, noting whether a line read hit its end, and
    whether a line held a bare CR.

    http.server takes the end of the stream for the blank line that ends the
    headers; this tells the two apart. Its header parser also takes a CR alone
    for a line break, so `Host: a\\rX: y` becomes two fields where another
    server sees one (RFC 9112 2.2: reject it, or read it as a space)."""

    def __init__(self, stream):
        self._stream = stream
        self.ended = False
        self.bare_cr = False

    def readline(self, *args):
        line = self._stream.readline(*args)
        if not line.endswith(b"\n"):
            self.ended = True
        if b"\r" in line.removesuffix(b"\n").removesuffix(b"\r"):
            self.bare_cr = True
        return line

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


# RFC 9110 5.1 / 5.6.2: a field name is a token; no white space before the colon (RFC 9112 5.1).
FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9110 5.5: no control character in a field value but a tab (CR and LF would be a folded line).
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def malformed_fields(headers) -> bool:
    """Header lines two parsers could read differently: a name that is not a token (white space
    before the colon, a NUL), a control character in a value, a folded line (obs-fold, RFC 9112
    5.2), or a line the parser could not split. RFC 9112 says to answer them 400 rather than guess."""
    if headers.defects:
        return True
    return any(not FIELD_NAME.fullmatch(name) or CONTROL.search(value) for name, value in headers.items())


class Refused(Exception):
    """A request the gateway answers itself with this status, before the proxy, and then closes."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


# RFC 9112 7.1: chunk-size [ chunk-ext ] CRLF, strictly: no sign, prefix or underscore (int() takes
# them), no white space but before an extension, no bare LF. Extensions are read and ignored.
CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]+)(?:[ \t]*;[^\r\n]*)?\r\n")
MAX_CHUNK_LINE = 4096


def read_chunked(rfile) -> bytes:
    """A chunked body, decoded; its trailers are read (within the header quota) and dropped.

    Raises Refused: 400 for a malformed or cut-off body, 413 for one over MAX_BODY_BYTES, found
    from the chunk sizes before the data is read."""
    body = bytearray()
    while True:
        size_line = CHUNK_SIZE.fullmatch(rfile.readline(MAX_CHUNK_LINE))
        if not size_line:
            raise Refused(400)
        size = int(size_line[1], 16)
        if not size:
            break
        if len(body) + size > MAX_BODY_BYTES:
            raise Refused(413)
        data = rfile.read(size + 2)
        if len(data) != size + 2 or not data.endswith(b"\r\n"):
            raise Refused(400)
        body += data[:-2]
    trailers = 0
    while (line := rfile.readline(MAX_HEADER_BYTES + 1)) != b"\r\n":
        trailers += len(line)
        if not line.endswith(b"\r\n") or trailers > MAX_HEADER_BYTES:
            raise Refused(400)
    return bytes(body)


def read_body(headers, version: str, rfile) -> bytes:
    """The request's content, framed as RFC 9112 6 says; Refused when it cannot be framed safely."""
    codings = headers.get_all("Transfer-Encoding")
    if codings is None:
        # One length of ASCII digits (8.6), repeated at most (6.3); int() would also take "+5" or "0_5".
        lengths = {value.strip() for value in headers.get_all("Content-Length") or ["0"]}
        length = lengths.pop() if len(lengths) == 1 else ""
        if not (length.isascii() and length.isdigit()):
            raise Refused(400)
        if int(length) > MAX_BODY_BYTES:
            raise Refused(413)
        body = rfile.read(int(length))
        if len(body) < int(length):  # the client stopped sending: a cut-off body, as for chunked ones
            raise Refused(400)
        return body
    codings = [coding.strip().lower() for coding in ",".join(codings).split(",")]
    # 400: Transfer-Encoding in HTTP/1.0 (6.1) or with a Content-Length (6.3), chunked not last so
    # the body has no end (6.3), or chunked twice (7). Codings before chunked are ones it cannot undo: 501 (6.1).
    if (version < "HTTP/1.1" or "Content-Length" in headers
            or codings[-1] != "chunked" or codings.count("chunked") > 1):
        raise Refused(400)
    if len(codings) > 1:
        raise Refused(501)
    return read_chunked(rfile)
