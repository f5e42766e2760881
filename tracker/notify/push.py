"""Send Web Push messages: VAPID signed once per push-service origin, HTTP connections kept open
per origin, encryption (RFC 8291, aes128gcm, via pywebpush) and the requests in a small worker
pool. Returns a typed result per message.

The requests go through urllib3's connection pool directly: the `requests` layer on top of it
(environment proxy lookup, cookies, hooks) cost more CPU per message than the encryption.
Proxies from the environment (HTTPS_PROXY …) are read once at start."""
import json
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlparse

import urllib3
from pywebpush import WebPusher, WebPushException

MAX_PAYLOAD = 3 * 1024
VAPID_LIFETIME = 12 * 3600


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


class Pusher:
    """Sends PushJobs; one instance per dispatcher process."""

    def __init__(self, vapid, subject: str, workers: int = 8, timeout: float = 10.0):
        self.vapid, self.subject, self.timeout = vapid, subject, timeout
        proxy = urllib.request.getproxies().get("https")
        options = {"num_pools": 16, "maxsize": max(workers, 8), "retries": False,
                   "timeout": urllib3.Timeout(total=timeout)}
        self.http = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        self.pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
        self._headers: dict[str, tuple[float, str]] = {}
        # Worker threads ask for the header at once on the first batch: sign once, not per thread.
        self._headers_lock = threading.Lock()

    def authorization(self, endpoint: str) -> str:
        """The VAPID Authorization header for the endpoint's origin, signed once and reused."""
        parsed = urlparse(endpoint)
        origin = f"{parsed.scheme}://{parsed.netloc}"
        with self._headers_lock:
            now = time.time()
            cached = self._headers.get(origin)
            if cached and cached[0] - now > 3600:
                return cached[1]
            expires = int(now) + VAPID_LIFETIME
            # A fresh claims dict each time: py_vapid mutates the one it is given.
            header = self.vapid.sign({"sub": self.subject, "aud": origin, "exp": expires})["Authorization"]
            self._headers[origin] = (expires, header)
            return header

    def send(self, job: PushJob) -> PushResult:
        """Encrypt (aes128gcm) and POST one message."""
        endpoint = job.subscription["endpoint"]
        headers = {"Authorization": self.authorization(endpoint), "Urgency": job.urgency, "TTL": str(int(job.ttl)),
                   "Content-Encoding": "aes128gcm"}
        if job.topic:
            headers["Topic"] = job.topic
        try:
            body = WebPusher(job.subscription).encode(job.payload, "aes128gcm")["body"]
        except (ValueError, TypeError, IndexError, KeyError, WebPushException) as exc:  # a malformed subscription
            return PushResult("gone", detail=str(exc)[:200])
        try:
            response = self.http.request("POST", endpoint, body=body, headers=headers)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return PushResult("retry", detail=type(exc).__name__)
        code = response.status
        if code in (200, 201, 202):
            return PushResult("sent", code)
        if code in (404, 410):
            return PushResult("gone", code)
        if code == 429 or code >= 500:
            retry_after = response.headers.get("Retry-After")
            return PushResult("retry", code, int(retry_after) if retry_after and retry_after.isdigit() else None)
        return PushResult("failed", code, detail=response.data.decode("utf-8", "replace")[:200])

    def send_many(self, jobs: list[PushJob]) -> list[PushResult]:
        """Send in the worker pool; results in the order of `jobs`."""
        if not jobs:
            return []
        if self.pool is None:
            return [self.send(job) for job in jobs]
        return list(self.pool.map(self.send, jobs))

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown(wait=True)
        self.http.clear()
