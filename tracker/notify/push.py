"""Send Web Push messages: VAPID signed once per push-service origin, keep-alive HTTP/1.1
connections per origin and worker thread, encryption (RFC 8291, aes128gcm) with the parsed
subscription keys kept, and the requests spread over a small pool of worker threads. Returns a
typed result per message.

With `processes`, the threads live in that many child processes, each with its own connections:
encryption and HTTP are CPU work under one GIL, and one process of threads used one core while the
others waited. The dispatcher's own process then only claims, renders and records.

Proxies from the environment (HTTPS_PROXY, NO_PROXY …) are read once at start."""
import ctypes
import itertools
import json
import multiprocessing
import signal
import ssl
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from urllib.parse import urlsplit

from .connections import Connection
from .encryption import SubscriptionKeys, encrypt

MAX_PAYLOAD = 3 * 1024
VAPID_LIFETIME = 12 * 3600
# Parsed subscription keys kept per Pusher; past this many the cache starts again.
KEY_CACHE = 200_000


@dataclass(frozen=True)
class PushJob:
    """One encrypted message to one subscription."""

    subscription: dict
    payload: bytes
    ttl: int
    urgency: str
    topic: str | None = None


@dataclass(frozen=True)
class PushResult:
    """sent | gone (delete the subscription) | retry (429/5xx/network) | failed (4xx: our fault)."""

    status: str
    code: int | None = None
    retry_after: int | None = None
    detail: str = ""


def payload(title: str, body: str, url: str, tag: str) -> bytes:
    """The JSON the service worker shows; never more than 3 KB."""
    data = {"title": title[:120], "body": body[:600], "url": url, "tag": tag}
    raw = json.dumps(data, ensure_ascii=False).encode()
    if len(raw) > MAX_PAYLOAD:
        data["body"] = data["body"][:200]
        raw = json.dumps(data, ensure_ascii=False).encode()
    return raw


def _target(endpoint: str) -> tuple[str, str]:
    """(origin, request target) of an endpoint; ValueError for one that cannot go on a request line."""
    scheme, sep, rest = endpoint.partition("://")
    netloc, slash, path = rest.partition("/")
    target = slash + path.partition("#")[0] or "/"
    if scheme not in ("http", "https") or not sep or not netloc:
        raise ValueError("endpoint is not an http(s) URL")
    if not (endpoint.isascii() and endpoint.isprintable()) or " " in endpoint:
        raise ValueError("endpoint has spaces, control or non-ASCII characters")
    return f"{scheme}://{netloc}", target


class Sending:
    """Jobs being sent by the worker threads, or in chunks by the child processes."""

    def __init__(self, results: list, futures: list, sizes: list[int] | None = None):
        self._results, self._futures, self._sizes = results, futures, sizes

    def results(self) -> list[PushResult]:
        """Wait for every job; results in the order of the jobs."""
        wait(self._futures)
        if self._sizes is not None:
            # Each child answers the results of its chunk, the chunks in the order of the jobs.
            out = []
            for future, size in zip(self._futures, self._sizes):
                try:
                    out += future.result()
                except BrokenProcessPool:
                    # A sending process was killed (the OOM killer, an operator): whether its messages
                    # went out is unknown, so they are tried again later, as after a dispatcher crash.
                    out += [PushResult("retry", detail="sending process stopped")] * size
            return out
        for future in self._futures:
            future.result()   # an unexpected error in a worker is raised here
        return self._results


# The Pusher of a child process (processes > 0), made by _child_start.
_child_pusher: "Pusher | None" = None


def _child_start(pem: bytes, subject: str, workers: int, timeout: float) -> None:
    global _child_pusher
    try:
        # Linux: die with the dispatcher. A child left sending after a kill -9 would push rows
        # the next dispatcher sends again.
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    from py_vapid import Vapid02
    _child_pusher = Pusher(Vapid02.from_pem(pem), subject, workers=workers, timeout=timeout)


def _child_send(jobs: list) -> list:
    return _child_pusher.send_many(jobs)


class Pusher:
    """Sends PushJobs; one instance per dispatcher process.

    `workers` requests are in flight at once; with `processes` they are spread over that many
    child processes (started once, with the VAPID key; spawned, so nothing of the parent's
    database connections or threads is copied)."""

    def __init__(self, vapid, subject: str, workers: int = 8, timeout: float = 10.0, processes: int = 0):
        self.vapid, self.subject, self.timeout = vapid, subject, timeout
        self.workers = max(1, workers)
        self.processes = max(0, processes)
        self.children = self._new_children() if self.processes else None
        self.pool = ThreadPoolExecutor(max_workers=self.workers) if self.workers > 1 and not self.processes else None
        self._proxies = urllib.request.getproxies()
        self._ssl = ssl.create_default_context()
        self._ssl.set_alpn_protocols(["http/1.1"])
        self._local = threading.local()          # per thread: origin → Connection
        self._connections: list[Connection] = []
        self._keys: dict[tuple[str, str], SubscriptionKeys] = {}
        self._headers: dict[str, tuple[float, str]] = {}
        # Worker threads ask for the header at once on the first batch: sign once, not per thread.
        self._lock = threading.Lock()

    def _new_children(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"), initializer=_child_start,
            initargs=(self.vapid.private_pem(), self.subject, -(-self.workers // self.processes), self.timeout))

    def _submit_chunks(self, jobs: list[PushJob]) -> "Sending":
        size = -(-len(jobs) // self.processes)
        chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
        try:
            futures = [self.children.submit(_child_send, chunk) for chunk in chunks]
        except BrokenProcessPool:
            # A child died during an earlier batch: start a new set and send this batch with it.
            self.children.shutdown(wait=False, cancel_futures=True)
            self.children = self._new_children()
            futures = [self.children.submit(_child_send, chunk) for chunk in chunks]
        return Sending([], futures, [len(chunk) for chunk in chunks])

    def authorization(self, endpoint: str) -> str:
        """The VAPID Authorization header for the endpoint's origin, signed once and reused."""
        return self._authorization(_target(endpoint)[0])

    def _authorization(self, origin: str) -> str:
        cached = self._headers.get(origin)
        now = time.time()
        if cached and cached[0] - now > 3600:
            return cached[1]
        with self._lock:
            cached = self._headers.get(origin)
            if cached and cached[0] - now > 3600:
                return cached[1]
            expires = int(now) + VAPID_LIFETIME
            # A fresh claims dict each time: py_vapid mutates the one it is given.
            header = self.vapid.sign({"sub": self.subject, "aud": origin, "exp": expires})["Authorization"]
            self._headers[origin] = (expires, header)
            return header

    def _subscription_keys(self, keys: dict) -> SubscriptionKeys:
        cache_key = (keys["p256dh"], keys["auth"])
        parsed = self._keys.get(cache_key)
        if parsed is None:
            parsed = SubscriptionKeys(*cache_key)
            if len(self._keys) >= KEY_CACHE:
                self._keys.clear()
            self._keys[cache_key] = parsed
        return parsed

    def _connection(self, origin: str) -> Connection:
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        connection = connections.get(origin)
        if connection is None:
            host = urlsplit(origin).hostname
            proxy = None if urllib.request.proxy_bypass(host) else self._proxies.get("https")
            connection = connections[origin] = Connection(origin, self.timeout, proxy, self._ssl)
            with self._lock:
                self._connections.append(connection)
        return connection

    def send(self, job: PushJob) -> PushResult:
        """Encrypt (aes128gcm) and POST one message."""
        try:
            origin, target = _target(job.subscription["endpoint"])
            body = encrypt(job.payload, self._subscription_keys(job.subscription["keys"]))
        except (ValueError, TypeError, KeyError) as exc:  # a malformed subscription
            return PushResult("gone", detail=str(exc)[:200])
        headers = [("Authorization", self._authorization(origin)), ("TTL", str(int(job.ttl))),
                   ("Urgency", job.urgency), ("Content-Encoding", "aes128gcm"),
                   ("Content-Type", "application/octet-stream")]
        if job.topic:
            headers.append(("Topic", job.topic))
        try:
            response = self._connection(origin).post(target, headers, body)
        except OSError as exc:
            return PushResult("retry", detail=type(exc).__name__)
        code = response.status
        if code in (200, 201, 202):
            return PushResult("sent", code)
        if code in (404, 410):
            return PushResult("gone", code)
        if code == 429 or code >= 500:
            retry_after = response.headers.get("retry-after")
            return PushResult("retry", code, int(retry_after) if retry_after and retry_after.isdigit() else None)
        return PushResult("failed", code, detail=response.body.decode("utf-8", "replace")[:200])

    def start(self, jobs: list[PushJob]) -> "Sending":
        """Begin sending in the worker pool; the caller collects the results later."""
        if self.children is not None and jobs:
            return self._submit_chunks(jobs)
        if self.pool is None or len(jobs) <= 1:
            return Sending([self.send(job) for job in jobs], [])
        results: list[PushResult | None] = [None] * len(jobs)
        # Each worker takes the next unsent job until none is left: one task per worker, not per job.
        counter = itertools.count()

        def work():
            for index in iter(counter.__next__, None):
                if index >= len(jobs):
                    return
                results[index] = self.send(jobs[index])

        return Sending(results, [self.pool.submit(work) for _ in range(min(self.workers, len(jobs)))])

    def send_many(self, jobs: list[PushJob]) -> list[PushResult]:
        """Send in the worker pool; results in the order of `jobs`."""
        return self.start(jobs).results()

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown(wait=True)
        if self.children:
            self.children.shutdown(wait=True)
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
