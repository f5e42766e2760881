"""A bounded load test: gunicorn (deploy/gunicorn.conf.py, 4 workers) on 127.0.0.1 against the
PostgreSQL bench database, mixed traffic from locust (headless), at most 60 seconds.

Before the clock: gunicorn starts and answers /readyz; sessions are logged in through the real
login form (statushouders of the largest gemeente, and its contactpersonen with the ids of
waiting entries of their gemeente); locust then offers ~`size.loadtest_rate` requests per second
(users × a constant per-user rate) of home, logbook, log an entry, caseload and confirm-50.
"""
import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
USER_RATE = 4.0          # requests per second per simulated person


@dataclass
class LoadResult:
    offered: float
    seconds: float
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    by_name: dict


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def phone_headers(n: int) -> dict:
    """What phone n sends with every request: its own address (through the proxy) and browser.
    The login session is bound to both, so the locust requests send the same (bench/locustfile.py)."""
    return {"X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
            "User-Agent": f"Mozilla/5.0 (Linux; Android 10; K) Chrome/131.0 Mobile Safari/537.36 bench/{n}"}


def _login(base, username, password, n):
    """Through the real login form. Each session comes from its own (forwarded) address, as phones
    do: the login rate limit is per address, and gunicorn runs with TRUSTED_PROXIES=1."""
    import requests
    http = requests.Session()
    http.headers.update(phone_headers(n))
    page = http.get(f"{base}/login", timeout=30).text
    response = http.post(f"{base}/login", data={"username": username, "password": password,
                                                "csrf_token": CSRF_RE.search(page).group(1)},
                         allow_redirects=False, timeout=30)
    if response.status_code != 302:
        raise RuntimeError(f"login {username}: {response.status_code}")
    landing = http.get(base + response.headers["Location"], timeout=30).text
    csrf = CSRF_RE.search(landing).group(1)
    return f"session={http.cookies.get('session')}", csrf


def _sessions(base, url, data, log):
    from tracker import create_app
    from tracker.extensions import db
    from tracker.models import Client, Entry, User

    from .generate import PASSWORD
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key"})
    out = {"statushouders": [], "contactpersonen": []}
    with app.app_context(), db.connection_context():
        coupled = {u: c for u, c in Client.select(User.username, Client.coupled_on).join(
            User, on=(Client.user == User.id)).where(User.username.in_(data.load_statushouders)).tuples()}
        for name in data.load_contactpersonen:
            cp = User.get(User.username == name)
            pending = [str(p) for (p,) in Entry.select(Entry.public_id).join(Client, on=(Entry.client == Client.id))
                       .where(Client.gemeente == cp.gemeente_id, Entry.status == "SUBMITTED")
                       .order_by(Entry.id).limit(5000).tuples()]
            out["contactpersonen"].append({"username": name, "pending": pending})
    if not db.is_closed():
        db.close()
    app.extensions["database"].close_all()
    for n, s in enumerate(out["contactpersonen"]):
        s["cookie"], s["csrf"] = _login(base, s["username"], PASSWORD, 1000 + n)
        s["headers"] = phone_headers(1000 + n)
    for n, name in enumerate(data.load_statushouders[:60]):
        cookie, csrf = _login(base, name, PASSWORD, 2000 + n)
        out["statushouders"].append({"username": name, "cookie": cookie, "csrf": csrf,
                                     "coupled_on": coupled[name].isoformat(), "headers": phone_headers(2000 + n)})
    log(f"  logged in {len(out['statushouders'])} statushouders and {len(out['contactpersonen'])} contactpersonen")
    return out


def run(url: str, data, size, log=print, workers: int = 4) -> LoadResult | str:
    # Never `import locust` here: it monkey-patches the whole process for gevent.
    if not (BIN / "locust").exists():
        return "locust not installed (make bench installs it)"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DATABASE_URL=f"{url}?max_connections=4", SECRET_KEY="bench-secret-key",
               WEB_CONCURRENCY=str(workers), BIND=f"127.0.0.1:{port}", LOG_FORMAT="json", LOG_LEVEL="WARNING",
               GZIP="1", TRUSTED_PROXIES="1", PYTHONPATH=str(ROOT))
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "app:app"],
                              cwd=ROOT, env=env, stdout=open(results / "loadtest-gunicorn.log", "w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        import requests
        for _ in range(120):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        else:
            return "gunicorn did not start (bench/results/loadtest-gunicorn.log)"
        sessions = _sessions(base, url, data, log)
        with tempfile.TemporaryDirectory() as tmp:
            session_file = Path(tmp) / "sessions.json"
            session_file.write_text(json.dumps(sessions))
            users = max(2, round(size.loadtest_rate / USER_RATE))
            prefix = Path(tmp) / "locust"
            seconds = min(60, size.loadtest_seconds)
            command = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                       "--host", base, "-u", str(users), "-r", str(users), "--run-time", f"{seconds}s",
                       "--stop-timeout", "5", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]
            log(f"  locust: {users} users × {USER_RATE:g} req/s for {seconds} s against gunicorn ({workers} workers)")
            env_locust = dict(os.environ, BENCH_SESSIONS=str(session_file), BENCH_USER_RATE=str(USER_RATE))
            done = subprocess.run(command, cwd=ROOT, env=env_locust, capture_output=True, text=True,
                                  timeout=seconds + 60)
            (results / "loadtest-locust.log").write_text(done.stdout + done.stderr)
            stats = Path(f"{prefix}_stats.csv")
            if not stats.exists():
                return "locust wrote no statistics (bench/results/loadtest-locust.log)"
            rows = list(csv.DictReader(stats.open()))
            (results / "loadtest-stats.csv").write_text(stats.read_text())
            # A task that raised (no answer at all) is an error too, not only a failed answer.
            exceptions = Path(f"{prefix}_exceptions.csv")
            raised = sum(int(r["Count"]) for r in csv.DictReader(exceptions.open())) if exceptions.exists() else 0
        total = next(r for r in rows if r["Name"] == "Aggregated")
        by_name = {r["Name"]: (int(r["Request Count"]), float(r["95%"])) for r in rows if r["Name"] != "Aggregated"}
        return LoadResult(offered=size.loadtest_rate, seconds=seconds, requests=int(total["Request Count"]),
                          failures=int(total["Failure Count"]) + raised, rps=float(total["Requests/s"]),
                          p50=float(total["50%"]), p95=float(total["95%"]), p99=float(total["99%"]),
                          by_name=by_name)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
