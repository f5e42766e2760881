"""Send Web Push messages: VAPID signed once per push-service origin, HTTP connections reused,
encryption in a small worker pool. Returns a typed result per message."""
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlparse

import requests
from pywebpush import WebPusher, WebPushException
from requests.adapters import HTTPAdapter

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
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=16, pool_maxsize=max(workers, 8))
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
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
        headers = {"Authorization": self.authorization(job.subscription["endpoint"]), "Urgency": job.urgency}
        if job.topic:
            headers["Topic"] = job.topic
        try:
            response = WebPusher(job.subscription, requests_session=self.session).send(
                data=job.payload, headers=headers, ttl=job.ttl, content_encoding="aes128gcm", timeout=self.timeout)
        except requests.RequestException as exc:
            return PushResult("retry", detail=type(exc).__name__)
        except (ValueError, TypeError, IndexError, WebPushException) as exc:  # a malformed subscription (bad keys)
            return PushResult("gone", detail=str(exc)[:200])
        code = response.status_code
        if code in (200, 201, 202):
            return PushResult("sent", code)
        if code in (404, 410):
            return PushResult("gone", code)
        if code == 429 or code >= 500:
            retry_after = response.headers.get("Retry-After")
            return PushResult("retry", code, int(retry_after) if retry_after and retry_after.isdigit() else None)
        return PushResult("failed", code, detail=response.text[:200])

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
        self.session.close()
