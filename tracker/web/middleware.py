"""What sits around every request: a request id, one structured log line per request, gzip, and
the reverse proxy's forwarded headers.

- Request id: the proxy's `X-Request-ID` when it is sane, otherwise a new one; echoed in the
  response header and carried by every log record of the request (`request_id`).
- Logs: one line per request on the `tracker.access` logger (method, path, status, duration,
  request id, role — no names, no query strings). `LOG_FORMAT=json` (set by the systemd units and
  deploy/gunicorn.conf.py) writes every record as one JSON object per line.
- gzip: HTML, CSS, JS, JSON and SVG of 500 bytes or more when the client accepts it; static files
  are compressed once and kept. Behind nginx with gzip on it can be switched off (`GZIP=0`).
- ProxyFix: `TRUSTED_PROXIES=n` trusts exactly n proxies' X-Forwarded-For/-Proto/-Host
  (0, the default, trusts none: a client could otherwise forge its address).
"""
import datetime
import gzip
import json
import logging
import os
import re
import time
import uuid

from flask import g, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

access_log = logging.getLogger("tracker.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
COMPRESSIBLE = ("text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "application/manifest+json", "image/svg+xml", "text/plain", "text/csv", "text/calendar")
MIN_SIZE = 500


def request_id() -> str | None:
    """The id of the current request (None outside one)."""
    return getattr(g, "request_id", None) if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (None outside a request)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any extra fields."""

    STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self.STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str | None = None) -> None:
    """JSON lines on stderr for the whole process (gunicorn workers, scheduler, dispatchers)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
    logging.getLogger("peewee").setLevel(logging.WARNING)   # every statement at DEBUG otherwise


class Gzip:
    """WSGI middleware: gzip compressible responses of a known length."""

    def __init__(self, app, level: int = 6):
        self.app, self.level = app, level
        self._static: dict[tuple[str, str], bytes] = {}

    def __call__(self, environ, start_response):
        if "gzip" not in environ.get("HTTP_ACCEPT_ENCODING", "") or environ.get("REQUEST_METHOD") == "HEAD":
            return self.app(environ, start_response)
        captured = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return lambda data: None   # the write() callable; Flask never uses it

        body = self.app(environ, capture)
        status, headers, exc_info = captured
        names = {name.lower(): value for name, value in headers}
        kind = names.get("content-type", "").split(";")[0].strip()
        if (not status.startswith("200") or kind not in COMPRESSIBLE or "content-encoding" in names
                or "content-length" not in names or int(names["content-length"]) < MIN_SIZE
                or "no-transform" in names.get("cache-control", "")):
            start_response(status, headers, exc_info)
            return body
        etag = names.get("etag")
        key = (environ.get("PATH_INFO", ""), etag) if etag and environ.get("PATH_INFO", "").startswith("/static/") else None
        compressed = self._static.get(key) if key else None
        if compressed is None:
            try:
                raw = b"".join(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
            compressed = gzip.compress(raw, self.level, mtime=0)
            if key and len(self._static) < 256:
                self._static[key] = compressed
        elif hasattr(body, "close"):
            body.close()
        vary = names.get("vary")
        out = [(n, v) for n, v in headers if n.lower() not in ("content-length", "vary", "etag")]
        out += [("Content-Encoding", "gzip"), ("Content-Length", str(len(compressed))),
                ("Vary", f"{vary}, Accept-Encoding" if vary else "Accept-Encoding")]
        if etag:
            # Another representation of the same file: a weak tag still matches If-None-Match.
            out.append(("ETag", etag if etag.startswith("W/") else f"W/{etag}"))
        start_response(status, out, exc_info)
        return [compressed]


def init_app(app) -> None:
    """Request id, access log, gzip and the proxy headers."""
    if os.environ.get("LOG_FORMAT") == "json":
        configure_logging()

    def _start():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()
    # First of all before_request functions, so a redirect by an earlier one still has an id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _finish(response):
        rid = getattr(g, "request_id", None)
        if rid:
            response.headers["X-Request-ID"] = rid
        if access_log.isEnabledFor(logging.INFO):
            user = getattr(g, "_login_user", None)
            access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1),
                "role": getattr(user, "role", None), "request_id": rid})
        return response

    if app.config.get("GZIP", os.environ.get("GZIP", "1") != "0"):
        app.wsgi_app = Gzip(app.wsgi_app)
    proxies = int(app.config.get("TRUSTED_PROXIES", os.environ.get("TRUSTED_PROXIES", "0")) or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
