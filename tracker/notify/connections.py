"""Keep-alive HTTP/1.1 connections to a push service, for the dispatcher's POSTs.

Written out rather than taken from urllib3 or http.client: both parse every response through
general machinery (http.client's header parser builds an email message) that cost the dispatcher
more CPU per message than encrypting it. A push service answers small responses to small POSTs;
this reads exactly what HTTP/1.1 allows for those (Content-Length, chunked, or until close,
1xx skipped) and refuses anything oversized.

Not thread-safe: the Pusher gives each worker thread its own connection per origin.
"""
import select
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_LINE = 8 * 1024
MAX_HEADERS = 100
MAX_BODY = 1024 * 1024


class ProtocolError(OSError):
    """The push service's answer is not HTTP/1.1 as we read it; the connection is closed."""


class _Unanswered(OSError):
    """The connection was closed or reset before the first byte of the answer."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]     # names in lower case
    body: bytes


class Connection:
    """One connection to one origin (scheme://host:port), reopened when the service closes it.

    With `proxy` ("http://host:port"), the connection is tunnelled through it with CONNECT."""

    def __init__(self, origin: str, timeout: float = 10.0, proxy: str | None = None,
                 ssl_context: ssl.SSLContext | None = None):
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {origin!r}")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.host_header = parts.netloc.rpartition("@")[2]
        self.timeout, self.proxy = timeout, proxy
        self.ssl_context = ssl_context
        self._sock: socket.socket | None = None
        self._reader = None

    # -- life cycle -------------------------------------------------------------------------
    def _open(self) -> None:
        if self.proxy:
            proxy = urlsplit(self.proxy)
            sock = socket.create_connection((proxy.hostname, proxy.port or 8080), self.timeout)
            try:
                self._tunnel(sock)
            except BaseException:
                sock.close()
                raise
        else:
            sock = socket.create_connection((self.host, self.port), self.timeout)
        # Requests go out in one write and answers are awaited: Nagle would only add delay.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.scheme == "https":
            context = self.ssl_context or ssl.create_default_context()
            try:
                sock = context.wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
        self._sock, self._reader = sock, sock.makefile("rb")

    def _tunnel(self, sock: socket.socket) -> None:
        target = f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"
        sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode("ascii"))
        reader = sock.makefile("rb")
        try:
            _version, status, _headers = self._read_head(reader, time.monotonic() + self.timeout)
        finally:
            reader.close()
        if status != 200:
            raise ProtocolError(f"proxy answered {status} to CONNECT {target}")

    def close(self) -> None:
        sock, reader = self._sock, self._reader
        self._sock = self._reader = None
        for thing in (reader, sock):
            if thing is not None:
                try:
                    thing.close()
                except OSError:
                    pass

    def _dropped(self) -> bool:
        """An idle keep-alive connection the service has closed reads as ready (EOF)."""
        try:
            poller = select.poll()
            poller.register(self._sock, select.POLLIN)
            return bool(poller.poll(0))
        except (OSError, ValueError):
            return True

    # -- one exchange -----------------------------------------------------------------------
    def post(self, target: str, headers: str, body: bytes) -> Response:
        """POST `body` to `target` (path and query) with `headers` ("Name: value\\r\\n" lines)."""
        request = (f"POST {target} HTTP/1.1\r\nHost: {self.host_header}\r\n{headers}"
                   f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body
        reused = self._sock is not None
        if reused and self._dropped():
            self.close()
            reused = False
        try:
            return self._exchange(request)
        except _Unanswered:
            if not reused:
                raise
        # The service closed the idle connection as we wrote to it (the keep-alive race): nothing
        # was answered, so the request goes once more on a new connection.
        return self._exchange(request)

    def _exchange(self, request: bytes) -> Response:
        if self._sock is None:
            self._open()
        deadline = time.monotonic() + self.timeout
        try:
            try:
                self._sock.sendall(request)
                first = self._reader.peek(1)[:1]
            except (BrokenPipeError, ConnectionResetError, ssl.SSLEOFError) as exc:
                raise _Unanswered(str(exc))
            if not first:
                raise _Unanswered("closed before answering")
            response, keep = self._read_response(deadline)
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        return response

    # -- reading ----------------------------------------------------------------------------
    @staticmethod
    def _line(reader, deadline: float) -> bytes:
        line = reader.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise ProtocolError("line too long")
        if not line.endswith(b"\n"):
            raise ProtocolError("connection closed mid-answer")
        if time.monotonic() > deadline:
            raise TimeoutError("answer took longer than the timeout")
        return line

    @classmethod
    def _read_head(cls, reader, deadline: float) -> tuple[bytes, int, dict[str, str]]:
        """(HTTP version, status, headers), 1xx interim answers skipped."""
        while True:
            parts = cls._line(reader, deadline).split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
                raise ProtocolError(f"not an HTTP/1.x status line: {b' '.join(parts)[:80]!r}")
            status = int(parts[1])
            headers: dict[str, str] = {}
            for _ in range(MAX_HEADERS + 1):
                line = cls._line(reader, deadline)
                if line in (b"\r\n", b"\n"):
                    break
                name, sep, value = line.decode("latin-1").partition(":")
                if not sep:
                    raise ProtocolError(f"bad header line: {line[:80]!r}")
                name = name.strip().lower()
                value = value.strip()
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            else:
                raise ProtocolError("too many headers")
            if not 100 <= status < 200:
                return parts[0], status, headers

    def _read_response(self, deadline: float) -> tuple[Response, bool]:
        reader = self._reader
        version, status, headers = self._read_head(reader, deadline)
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        keep = "keep-alive" in tokens if version == b"HTTP/1.0" else "close" not in tokens
        if status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked(reader, deadline)
        elif "content-length" in headers:
            length = headers["content-length"]
            if not length.isdigit() or int(length) > MAX_BODY:
                raise ProtocolError(f"Content-Length {length[:20]!r}")
            body = reader.read(int(length))
            if len(body) < int(length):
                raise ProtocolError("connection closed mid-body")
        else:
            body = reader.read(MAX_BODY + 1)    # until the service closes
            if len(body) > MAX_BODY:
                raise ProtocolError("answer too long")
            keep = False
        if time.monotonic() > deadline:
            raise TimeoutError("answer took longer than the timeout")
        return Response(status, headers, body), keep

    @classmethod
    def _read_chunked(cls, reader, deadline: float) -> bytes:
        chunks, total = [], 0
        while True:
            size_text = cls._line(reader, deadline).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size {size_text[:20]!r}")
            if size == 0:
                while cls._line(reader, deadline) not in (b"\r\n", b"\n"):   # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise ProtocolError("answer too long")
            chunk = reader.read(size)
            if len(chunk) < size:
                raise ProtocolError("connection closed mid-chunk")
            chunks.append(chunk)
            cls._line(reader, deadline)   # the CRLF after the chunk
