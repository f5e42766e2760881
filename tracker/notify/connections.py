"""Keep-alive HTTP/1.1 connections to a push service, for the dispatcher's POSTs.

The protocol (writing the request; reading the answer by Content-Length, chunks or until close,
interim 1xx skipped; keeping the connection or closing it) is h11's. The socket is ours: connect,
proxy CONNECT, TLS, timeouts, size limits, and sending a request once more on a new connection
only when a reused one was closed before a single byte of the answer came back (the keep-alive
race), never when the service may have acted on it.

Not thread-safe: the Pusher gives each worker thread its own connection per origin.
"""
import select
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

# A push service answers a small head and a small body; anything larger is not one.
MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024
READ_SIZE = 64 * 1024


class ProtocolError(OSError):
    """The push service's answer is not HTTP/1.1 as h11 reads it, or oversized; the connection is closed."""


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
        self.host_header = parts.netloc.rpartition("@")[2].encode("ascii")
        self.timeout, self.proxy = timeout, proxy
        self.ssl_context = ssl_context
        self._sock: socket.socket | None = None
        self._http: h11.Connection | None = None

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
        self._sock = sock
        self._http = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)

    def _tunnel(self, sock: socket.socket) -> None:
        target = f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"
        http = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        sock.sendall(http.send(h11.Request(method="CONNECT", target=target, headers=[("Host", target)]))
                     + http.send(h11.EndOfMessage()))
        answer = self._answer(sock, http, time.monotonic() + self.timeout)
        if answer.status != 200:
            raise ProtocolError(f"proxy answered {answer.status} to CONNECT {target}")
        if http.trailing_data[0]:
            # The tunnel's far end speaks only after we do: bytes already here are not its.
            raise ProtocolError("proxy sent data after its answer to CONNECT")

    def close(self) -> None:
        sock, self._sock, self._http = self._sock, None, None
        if sock is not None:
            try:
                sock.close()
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
    def post(self, target: str, headers: list[tuple[str, str]], body: bytes) -> Response:
        """POST `body` to `target` (path and query) with `headers` ((name, value) pairs)."""
        headers = [("Host", self.host_header), *headers, ("Content-Length", str(len(body)))]
        reused = self._sock is not None
        if reused and self._dropped():
            self.close()
            reused = False
        try:
            return self._exchange(target, headers, body)
        except _Unanswered:
            if not reused:
                raise
        # The service closed the idle connection as we wrote to it (the keep-alive race): nothing
        # was answered, so the request goes once more on a new connection.
        return self._exchange(target, headers, body)

    def _exchange(self, target: str, headers: list, body: bytes) -> Response:
        if self._sock is None:
            self._open()
        sock, http = self._sock, self._http
        deadline = time.monotonic() + self.timeout
        try:
            request = (http.send(h11.Request(method="POST", target=target, headers=headers))
                       + http.send(h11.Data(data=body)) + http.send(h11.EndOfMessage()))
            try:
                sock.sendall(request)
                first = sock.recv(READ_SIZE)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLEOFError) as exc:
                raise _Unanswered(str(exc))
            if not first:
                raise _Unanswered("closed before answering")
            http.receive_data(first)
            response = self._answer(sock, http, deadline)
        except BaseException:
            self.close()
            raise
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()
        else:
            self.close()
        return response

    @staticmethod
    def _answer(sock: socket.socket, http: h11.Connection, deadline: float) -> Response:
        """The final answer, interim 1xx skipped; after a CONNECT's 2xx only its head."""
        status, headers, chunks, size = 0, {}, [], 0
        try:
            while True:
                event = http.next_event()
                if event is h11.NEED_DATA:
                    if time.monotonic() > deadline:
                        raise TimeoutError("answer took longer than the timeout")
                    http.receive_data(sock.recv(READ_SIZE))
                elif type(event) is h11.Response:
                    status = event.status_code
                    for name, value in event.headers:
                        name, value = name.decode("latin-1"), value.decode("latin-1")
                        headers[name] = f"{headers[name]}, {value}" if name in headers else value
                    if int(headers.get("content-length", 0)) > MAX_BODY:
                        raise ProtocolError(f"Content-Length {headers['content-length']}")
                elif type(event) is h11.Data:
                    size += len(event.data)
                    if size > MAX_BODY:
                        raise ProtocolError("answer too long")
                    chunks.append(event.data)
                elif type(event) is h11.EndOfMessage or event is h11.PAUSED:
                    break
                elif type(event) is h11.ConnectionClosed:
                    raise ProtocolError("connection closed before the answer")
                # h11.InformationalResponse (1xx): the final answer follows.
        except h11.RemoteProtocolError as exc:
            raise ProtocolError(str(exc)) from exc
        if time.monotonic() > deadline:
            raise TimeoutError("answer took longer than the timeout")
        return Response(status, headers, b"".join(chunks))
