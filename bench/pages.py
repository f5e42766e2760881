"""Server time, queries and page weight of the pages, measured through the WSGI app.

Server time: each request's WSGI environ is built beforehand; the clock (time.perf_counter) runs
from calling `app.wsgi_app(environ, start_response)` until the body is read and the response is
closed, so it holds everything the server does (session, login lookup, queries, rendering,
teardown) and nothing of the test client. Many requests after a warm-up; p50 and p95.

Bare Flask: a separate minimal Flask app whose only route renders a Jinja template that outputs
exactly the same bytes as the measured page — one `{{ }}` per HTML tag, so the template does about
as many interpolations as a real page — timed the same way in the same run. It is the floor of
"Flask + Jinja for a page of this size"; the ratio says what the application adds to it.

Queries: the SQL statements peewee logs during one request (after the warm-up).

Page weight: what a phone transfers with `Accept-Encoding: gzip` — response headers plus body of
the HTML and of each stylesheet and script it links (first load); on a repeat visit the HTML
again, plus for each asset either nothing (fresh in the browser cache: max-age ≥ 1 day) or the
headers of a conditional request's 304 answer.
"""
import datetime
import logging
import re
import statistics
import time
import uuid
from dataclasses import dataclass, field

from flask import Flask, render_template
from markupsafe import Markup
from werkzeug.test import EnvironBuilder

from tracker.extensions import db
from tracker.models import Client, Entry, User

from .generate import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ASSET_RE = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')
MAX_AGE_RE = re.compile(r"max-age=(\d+)")
USER_AGENT = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"


@dataclass
class Figure:
    """One measured figure: a page or an action."""

    label: str
    method: str = "GET"
    times: list = field(default_factory=list)       # seconds
    bare: list = field(default_factory=list)
    cpu: list = field(default_factory=list)         # CPU seconds of this process's thread per request
    bare_cpu: list = field(default_factory=list)
    queries: int | None = None
    queries_light: int | None = None
    status: int | None = None
    size: int = 0                                   # bytes of the uncompressed response body
    first_load: int | None = None                   # bytes transferred
    repeat: int | None = None
    gzip: bool = False

    @staticmethod
    def pct(values, q):
        if not values:
            return None
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]

    @property
    def p50(self):
        return self.pct(self.times, 50)

    @property
    def p95(self):
        return self.pct(self.times, 95)

    @property
    def bare_p50(self):
        return self.pct(self.bare, 50)

    @property
    def bare_p95(self):
        return self.pct(self.bare, 95)


class QueryLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        if record.name == "peewee":
            self.count += 1


class Session:
    """A logged-in browser: its cookie header and CSRF token."""

    def __init__(self, app, username: str):
        self.app, self.username = app, username
        http = app.test_client()
        # As a phone: the same User-Agent on every request (the login session is bound to it).
        http.environ_base["HTTP_USER_AGENT"] = USER_AGENT
        page = http.get("/login").get_data(as_text=True)
        response = http.post("/login", data={"username": username, "password": PASSWORD,
                                              "csrf_token": CSRF_RE.search(page).group(1)})
        if response.status_code != 302:
            raise RuntimeError(f"login of {username} failed: {response.status_code}")
        landing = http.get(response.headers["Location"]).get_data(as_text=True)
        self.csrf = CSRF_RE.search(landing).group(1)
        # After the landing page: the session now holds the CSRF secret the token belongs to.
        self.cookie = f"session={http.get_cookie('session').value}"


    def environ(self, path, method="GET", data=None, headers=None):
        return EnvironBuilder(path=path, method=method, data=data, base_url="http://127.0.0.1",
                              headers={"Cookie": self.cookie, "User-Agent": USER_AGENT, **(headers or {})},
                              environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()


LAST_CPU = [0.0]


def call(wsgi, environ) -> tuple[float, int, bytes, dict]:
    """One timed WSGI call: (seconds, status, body, headers); its CPU time is left in LAST_CPU."""
    result = {}

    def start_response(status, headers, exc_info=None):
        result["status"], result["headers"] = int(status.split()[0]), headers
        return lambda data: None

    cpu = time.thread_time()
    started = time.perf_counter()
    iterable = wsgi(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        if hasattr(iterable, "close"):
            iterable.close()
    elapsed = time.perf_counter() - started
    LAST_CPU[0] = time.thread_time() - cpu
    return elapsed, result["status"], body, dict(result["headers"])


def count_queries(wsgi, environ) -> tuple[int, int]:
    logger = logging.getLogger("peewee")
    handler = QueryLog()
    old = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        _, status, _, _ = call(wsgi, environ)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    return handler.count, status


class Bare:
    """The bare Flask app: one route that renders a template with the same output as a given page."""

    def __init__(self):
        self.app = Flask("bare")
        self.template = self.app.jinja_env.from_string("{% for c in chunks %}{{ c }}{% endfor %}")
        self.pages: dict[str, list] = {}

        @self.app.get("/bare/<int:n>")
        def view(n):
            return render_template(self.template, chunks=self.pages[n])

    def add(self, html: str) -> int:
        n = len(self.pages)
        self.pages[n] = [Markup(part) for part in re.split(r"(?=<)", html) if part]
        return n

    def time(self, n: int, requests: int, warmup: int, cpu: list | None = None) -> list[float]:
        environ = lambda: EnvironBuilder(path=f"/bare/{n}").get_environ()  # noqa: E731
        for _ in range(warmup):
            call(self.app.wsgi_app, environ())
        times = []
        for _ in range(requests):
            elapsed, status, _, _ = call(self.app.wsgi_app, environ())
            assert status == 200
            times.append(elapsed)
            if cpu is not None:
                cpu.append(LAST_CPU[0])
        return times


def _header_bytes(status: int, headers: dict) -> int:
    return len(f"HTTP/1.1 {status} X\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers.items()) + 2


def weight(app, session: Session, path: str) -> tuple[int, int, bool]:
    """(first load, repeat visit) in bytes transferred with gzip, and whether the HTML came gzipped."""
    gz = {"Accept-Encoding": "gzip, deflate, br"}
    _, status, body, headers = call(app.wsgi_app, session.environ(path, headers=gz))
    html_bytes = _header_bytes(status, headers) + len(body)
    gzipped = headers.get("Content-Encoding") == "gzip"
    html = body
    if gzipped:
        import gzip
        html = gzip.decompress(body)
    first = repeat = html_bytes
    for url in ASSET_RE.findall(html.decode()):
        _, s, asset, h = call(app.wsgi_app, session.environ(url, headers=gz))
        first += _header_bytes(s, h) + len(asset)
        match = MAX_AGE_RE.search(h.get("Cache-Control", ""))
        if match and int(match.group(1)) >= 86400 and "no-cache" not in h.get("Cache-Control", ""):
            continue   # fresh in the cache: no request at all
        conditional = dict(gz)
        if h.get("ETag"):
            conditional["If-None-Match"] = h["ETag"]
        if h.get("Last-Modified"):
            conditional["If-Modified-Since"] = h["Last-Modified"]
        _, s, again, h2 = call(app.wsgi_app, session.environ(url, headers=conditional))
        repeat += _header_bytes(s, h2) + len(again)
    return first, repeat, gzipped


def measure(app, data, size, log=print) -> list[Figure]:
    """Every page and action figure of the issue, in the order of the table."""
    wsgi = app.wsgi_app
    bare = Bare()
    # No app context around requests: each request must get its own (Flask-Login keeps the user in g).
    sh, sh_light = Session(app, data.bench_sh), Session(app, data.light_sh)
    cp, cp_light = Session(app, data.bench_cp), Session(app, data.light_cp)
    figures = []
    pages = [
        ("statushouder Home", sh, sh_light, "/me", "/me"),
        ("statushouder Logbook", sh, sh_light, "/me/logbook", "/me/logbook"),
        ("statushouder Exam", sh, sh_light, "/me/exam", "/me/exam"),
        (f"contactpersoon caseload ({size.caseload} clients)", cp, cp_light, "/staff/clients", "/staff/clients"),
        ("contactpersoon client detail", cp, cp, f"/staff/clients/{data.bench_client}",
         f"/staff/clients/{data.light_client}"),
        (f"contactpersoon inbox ({size.inbox} pending)", cp, cp_light, "/staff/inbox", "/staff/inbox"),
    ]
    for label, who, light, path, light_path in pages:
        figure = Figure(label)
        for _ in range(size.warmup):
            call(wsgi, who.environ(path))
        figure.queries, figure.status = count_queries(wsgi, who.environ(path))
        figure.queries_light, _ = count_queries(wsgi, light.environ(light_path))
        _, status, body, _ = call(wsgi, who.environ(path))
        assert status == 200, (label, status, body[:500])
        figure.size = len(body)
        for _ in range(size.requests):
            elapsed, status, _, _ = call(wsgi, who.environ(path))
            figure.times.append(elapsed)
            figure.cpu.append(LAST_CPU[0])
        figure.bare = bare.time(bare.add(body.decode()), size.requests, size.warmup, figure.bare_cpu)
        figure.first_load, figure.repeat, figure.gzip = weight(app, who, path)
        figures.append(figure)
        log(f"  {label}: p95 {figure.p95 * 1000:.1f} ms, {figure.queries} queries")

    figures.append(_log_entry(app, data, size, bare))
    log(f"  log an entry: p95 {figures[-1].p95 * 1000:.1f} ms, {figures[-1].queries} queries")
    figures.append(_confirm(app, cp, size, bare))
    log(f"  confirm: p95 {figures[-1].p95 * 1000:.1f} ms, {figures[-1].queries} queries")
    return figures


def _log_entry(app, data, size, bare) -> Figure:
    """POST /me/logbook (half an hour of Dutch lessons) by a rotation of statushouders and dates."""
    wsgi = app.wsgi_app
    sessions = [Session(app, name) for name in data.log_users[:max(2, min(20, size.requests))]]
    today = datetime.date.today()
    n = [0]

    def environ():
        i = n[0]
        n[0] += 1
        who = sessions[i % len(sessions)]
        day = today - datetime.timedelta(days=1 + (i // len(sessions)) % 30)
        # As a browser sends it: with the form's one-time key (a double tap saves once).
        return who.environ("/me/logbook", "POST", data={
            "csrf_token": who.csrf, "form_key": uuid.uuid4().hex, "client_uuid": str(uuid.uuid4()),
            "category": "TAALLES", "hours": "0.5", "entry_date": day.isoformat(), "place": "Taalschool De Brug"})

    figure = Figure("log an entry", "POST")
    for _ in range(size.warmup):
        call(wsgi, environ())
    figure.queries, figure.status = count_queries(wsgi, environ())
    figure.queries_light, _ = count_queries(wsgi, environ())
    body = b""
    for _ in range(size.requests):
        elapsed, status, body, _ = call(wsgi, environ())
        assert status == 302, (status, body[:500])
        figure.times.append(elapsed)
        figure.cpu.append(LAST_CPU[0])
    figure.size = len(body)
    figure.bare = bare.time(bare.add(body.decode()), size.requests, size.warmup, figure.bare_cpu)
    return figure


def _confirm(app, cp: Session, size, bare) -> Figure:
    """POST /staff/inbox confirming `confirm_batch` entries at once; the entries are put back afterwards
    (untimed), so every request confirms the same number."""
    wsgi = app.wsgi_app
    with app.app_context(), db.connection_context():
        user = User.get(User.username == cp.username)
        rows = list(Entry.select(Entry.id, Entry.public_id).join(Client, on=(Entry.client == Client.id))
                    .where(Client.contactpersoon == user.id, Entry.status == "SUBMITTED")
                    .order_by(Entry.entry_date, Entry.id).limit(size.confirm_batch))
    ids = [r.id for r in rows]
    public = [str(r.public_id) for r in rows]

    def environ(chosen):
        return cp.environ("/staff/inbox", "POST", data={"csrf_token": cp.csrf, "form_key": uuid.uuid4().hex,
                                                         "action": "confirm", "next": "/staff/inbox", "entry": chosen})

    def put_back():
        with app.app_context(), db.connection_context():
            Entry.update(status="SUBMITTED", decided_by=None, decided_at=None).where(Entry.id.in_(ids)).execute()

    figure = Figure(f"confirm {len(ids)} entries at once", "POST")
    for _ in range(size.warmup):
        call(wsgi, environ(public))
        put_back()
    figure.queries, figure.status = count_queries(wsgi, environ(public))
    put_back()
    figure.queries_light, _ = count_queries(wsgi, environ(public[:max(1, len(public) // 10)]))
    put_back()
    body = b""
    for _ in range(size.requests):
        env = environ(public)
        elapsed, status, body, _ = call(wsgi, env)
        assert status == 302, (status, body[:500])
        figure.times.append(elapsed)
        figure.cpu.append(LAST_CPU[0])
        put_back()
    figure.size = len(body)
    figure.bare = bare.time(bare.add(body.decode()), size.requests, size.warmup, figure.bare_cpu)
    return figure


def summary(values) -> str:
    return f"{statistics.median(values) * 1000:.1f}" if values else "–"
