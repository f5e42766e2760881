"""A real Web Push service for tests (no mocks): HTTP on 127.0.0.1, VAPID checked (RFC 8292),
payloads decrypted (RFC 8291, aes128gcm) with the subscription's own private key.

    with PushService(application_server_key=...) as service:
        subscription = service.new_subscription()      # what pushManager.subscribe() would return
        ...send to subscription["endpoint"]...
        service.received                               # decrypted deliveries (answered 2xx)
        service.rejections                             # requests that failed verification

Statuses can be scripted per subscription (410 gone, 429 with Retry-After, 500 …) and every
request can be delayed (to kill a sender while requests are in flight).
"""
import base64
import json
import os
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from socketserver import StreamRequestHandler, ThreadingTCPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

URGENCIES = ("very-low", "low", "normal", "high")
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PATH = re.compile(r"/push/([A-Za-z0-9_-]+)")
MAX_LINE = 8 * 1024
MAX_EXP = 24 * 3600
CLOCK_SKEW = 60


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Rejected(Exception):
    """A request the push service refuses: (status, reason)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Delivery:
    """One accepted message: who it was for, what it said, how it was sent."""

    subscription: str
    payload: dict
    headers: dict
    ttl: int
    urgency: str
    topic: str | None
    jwt: str
    claims: dict
    size: int           # bytes of the decrypted payload


@dataclass(frozen=True)
class Rejection:
    subscription: str
    status: int
    reason: str
    headers: dict


@dataclass
class _Subscription:
    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str | None
    # Scripted answers, used first: (status, extra headers); then `status` for every request.
    script: deque = field(default_factory=deque)
    status: int = 201
    headers: dict = field(default_factory=dict)


def verify_vapid(authorization: str | None, origin: str, expected_key: str | None = None,
                 now: float | None = None) -> tuple[str, dict]:
    """Check a `vapid t=<JWT>, k=<key>` header; returns (jwt, claims) or raises Rejected."""
    now = time.time() if now is None else now
    if not authorization:
        raise Rejected(401, "no Authorization header")
    scheme, _, rest = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise Rejected(401, f"scheme {scheme!r} is not vapid")
    parts = {}
    for item in rest.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            parts[name.strip()] = value.strip()
    token, key_text = parts.get("t"), parts.get("k")
    if not token or not key_text:
        raise Rejected(401, "t= or k= missing")
    try:
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key_text))
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        claims = json.loads(unb64url(claims_b64))
        signature = unb64url(signature_b64)
    except (ValueError, TypeError) as exc:
        raise Rejected(401, f"malformed token or key: {exc}")
    if header.get("alg") != "ES256":
        raise Rejected(401, f"alg {header.get('alg')!r} is not ES256")
    if len(signature) != 64:
        raise Rejected(401, "ES256 signature is not 64 bytes (r||s)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Rejected(403, "bad JWT signature")
    if expected_key is not None and key_text.rstrip("=") != expected_key.rstrip("="):
        raise Rejected(403, "k is not the key this subscription was made with")
    if claims.get("aud") != origin:
        raise Rejected(403, f"aud {claims.get('aud')!r} is not {origin}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now:
        raise Rejected(403, f"exp {exp!r} is not in the future")
    if exp > now + MAX_EXP + CLOCK_SKEW:
        raise Rejected(403, f"exp {exp} is more than 24 h ahead")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not re.match(r"^(mailto:[^@\s<>]+@[^@\s<>]+|https://\S+)$", sub):
        raise Rejected(403, f"sub {sub!r} is not a mailto: or https: address")
    return token, claims


class _Handler(StreamRequestHandler):
    """HTTP/1.1 with keep-alive, read line by line: http.server's handler parses every request's
    headers through the email package, which made this service slower than the sender it tests."""

    server: "_Server"
    disable_nagle_algorithm = True

    def handle(self) -> None:
        while self._one_request():
            pass

    def _one_request(self) -> bool:
        """Read and answer one request; False when the connection is to close."""
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return False
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._answer(400, close=True)
            return False
        method, path, version = parts
        headers: dict[str, str] = {}
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n", b""):
                break
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep or len(headers) >= 100:
                self._answer(400, close=True)
                return False
            headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length", "0")
        if "transfer-encoding" in headers or not length.isdigit():
            self._answer(411, close=True)
            return False
        body = self.rfile.read(int(length))
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        close = "close" in tokens or (version == "HTTP/1.0" and "keep-alive" not in tokens)
        if method == "POST":
            self._post(path, headers, body, close)
        else:
            self._answer(405, close=close)
        return not close

    def _answer(self, status: int, headers: dict | None = None, body: bytes = b"", close: bool = False) -> None:
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Scripted"
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        lines.append(f"Content-Length: {len(body)}")
        if close:
            lines.append("Connection: close")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def _post(self, path: str, headers: dict, body: bytes, close: bool) -> None:
        service = self.server.service
        match = PATH.fullmatch(path)
        sub = service._subscriptions.get(match.group(1)) if match else None
        if sub is None:
            self._answer(404, close=close)
            return
        try:
            delivery = service._check(sub, headers, body)
        except Rejected as exc:
            with service._lock:
                service.rejections.append(Rejection(sub.id, exc.status, exc.reason, headers))
            self._answer(exc.status, body=exc.reason.encode(), close=close)
            return
        with service._lock:
            status, extra = sub.script.popleft() if sub.script else (sub.status, sub.headers)
            service.answered.append((sub.id, status, delivery.payload.get("tag")))
            if 200 <= status < 300:
                # The message is the service's from here on: it reaches the phone even if the
                # sender never reads the answer (the delay below).
                service.received.append(delivery)
        if service.delay:
            time.sleep(service.delay)
        self._answer(status, {"Location": f"/message/{os.urandom(6).hex()}", **extra}
                     if 200 <= status < 300 else extra, close=close)


class _Server(ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False   # keep-alive connections must not hold up stop()
    service: "PushService"


class PushService:
    """The push service; a context manager that starts and stops its HTTP server."""

    def __init__(self, application_server_key: str | None = None, delay: float = 0.0):
        # The VAPID public key (base64url) new subscriptions are bound to, as a browser's
        # pushManager.subscribe({applicationServerKey}) binds them; None accepts any signer.
        self.application_server_key = application_server_key
        self.delay = delay
        self.received: list[Delivery] = []
        self.rejections: list[Rejection] = []
        self.answered: list[tuple[str, int, str | None]] = []   # (subscription, status, tag)
        self._subscriptions: dict[str, _Subscription] = {}
        self._lock = threading.Lock()
        # (Authorization header, bound key) → (jwt, claims) of tokens verified before.
        self._verified: dict[tuple[str, str | None], tuple[str, dict]] = {}
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.service = self
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "PushService":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "PushService":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- subscriptions ----------------------------------------------------------------------
    def new_subscription(self, application_server_key: str | None = None) -> dict:
        """A fresh browser subscription: a P-256 key pair and 16 random auth bytes."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        sub_id = b64url(os.urandom(12))
        self._subscriptions[sub_id] = _Subscription(
            sub_id, private_key, auth, application_server_key or self.application_server_key)
        public = private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                       serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.origin}/push/{sub_id}", "keys": {"p256dh": b64url(public), "auth": b64url(auth)}}

    def _sub(self, subscription) -> _Subscription:
        """A subscription by id, endpoint or subscription dict."""
        if isinstance(subscription, dict):
            subscription = subscription["endpoint"]
        return self._subscriptions[subscription.rsplit("/", 1)[-1]]

    def sub_id(self, subscription) -> str:
        return self._sub(subscription).id

    def respond(self, subscription, status: int, times: int | None = None, retry_after: int | None = None,
                headers: dict | None = None) -> None:
        """Answer `status` to this subscription: the next `times` requests, or from now on."""
        sub = self._sub(subscription)
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = str(retry_after)
        with self._lock:
            if times is None:
                sub.status, sub.headers = status, extra
            else:
                sub.script.extend([(status, extra)] * times)

    def forget(self, subscription) -> None:
        """The browser unsubscribed: answer 410 Gone from now on."""
        self.respond(subscription, 410)

    # -- what arrived -----------------------------------------------------------------------
    def messages(self, subscription=None) -> list[Delivery]:
        with self._lock:
            items = list(self.received)
        if subscription is None:
            return items
        sub_id = self._sub(subscription).id
        return [d for d in items if d.subscription == sub_id]

    def tokens_by_origin(self) -> dict[str, set[str]]:
        """Distinct JWTs seen per audience."""
        out: dict[str, set[str]] = {}
        with self._lock:
            for d in self.received:
                out.setdefault(d.claims["aud"], set()).add(d.jwt)
        return out

    # -- checks -----------------------------------------------------------------------------
    def _verify(self, authorization: str | None, expected_key: str | None) -> tuple[str, dict]:
        """verify_vapid, with a token verified before only checked for expiry again (its signature,
        key and claims cannot have changed), as push services cache verified tokens. A sender that
        signs once per origin gets the benefit; one that signs every message does not."""
        cache_key = (authorization, expected_key)
        known = self._verified.get(cache_key)
        if known is not None and known[1]["exp"] > time.time():
            return known
        token, claims = verify_vapid(authorization, self.origin, expected_key)
        if len(self._verified) >= 10_000:
            self._verified.clear()
        self._verified[cache_key] = (token, claims)
        return token, claims

    def _check(self, sub: _Subscription, headers: dict, body: bytes) -> Delivery:
        token, claims = self._verify(headers.get("authorization"), sub.application_server_key)
        ttl_text = headers.get("ttl")
        if ttl_text is None or not re.fullmatch(r"\d+", ttl_text.strip()):
            raise Rejected(400, f"TTL missing or not an integer: {ttl_text!r}")
        urgency = headers.get("urgency", "normal")
        if urgency not in URGENCIES:
            raise Rejected(400, f"Urgency {urgency!r}")
        if headers.get("content-encoding") != "aes128gcm":
            raise Rejected(415, f"Content-Encoding {headers.get('content-encoding')!r} is not aes128gcm")
        topic = headers.get("topic")
        if topic is not None and not TOPIC.match(topic):
            raise Rejected(400, f"Topic {topic!r} is not ≤ 32 URL-safe base64 characters")
        if len(body) > 4096:
            raise Rejected(413, "payload too large")
        try:
            plain = http_ece.decrypt(body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm")
            payload = json.loads(plain)
        except Exception as exc:  # noqa: BLE001 — any failure to decrypt is the sender's fault
            raise Rejected(400, f"cannot decrypt: {type(exc).__name__}: {exc}")
        return Delivery(sub.id, payload, headers, int(ttl_text), urgency, topic, token, claims, len(plain))
