"""gunicorn settings for Mijn Route: `gunicorn -c deploy/gunicorn.conf.py app:app`.

Sized for the 2-core production VM (see README "Production" for the reasoning):

- workers = 2 per core (4): a page is mostly Python (templates, rules) with short waits on
  PostgreSQL; two processes per core keep both cores busy while one waits. More processes only
  add memory and context switches, because the GIL makes each worker one core at most.
- threads = 2 (gthread): a worker keeps serving while one request waits on the database or a
  slow client, and idle keep-alive connections do not hold a whole process. nginx buffers
  requests and responses, so slow phones never tie up a worker.
- Connections: each worker has its own peewee pool; DATABASE_URL's `max_connections` should be
  threads + 1 (3). 4 workers × 3 = 12 connections, + scheduler (1) + dispatchers (2 each) —
  far below PostgreSQL's max_connections (100), and room for a second VM or PgBouncer.
- No database connection before the fork: the app is loaded in each worker (preload_app =
  False), create_app() opens nothing, and post_fork closes anything a future preload opened.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 2))
preload_app = False
# Long requests are bugs here (a page takes milliseconds): kill a stuck worker after 30 s.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Restart workers now and then (jittered), so a slow leak can never grow for weeks.
max_requests = 20_000
max_requests_jitter = 2_000
# nginx on the same host talks to 127.0.0.1; X-Forwarded-* are handled by ProxyFix in the app
# (TRUSTED_PROXIES), so gunicorn itself trusts nobody's forwarded headers.
forwarded_allow_ips = "127.0.0.1"
# Access lines come from the app (one JSON object with the request id); gunicorn's own errors go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "mijnroute-web"


def post_fork(server, worker):
    """A forked worker must never share a database connection with its parent."""
    from tracker.extensions import db
    database = getattr(db, "obj", None)
    if database is not None:
        if hasattr(database, "close_all"):
            database.close_all()
        elif not database.is_closed():
            database.close()


def post_worker_init(worker):
    # Templates and catalogs loaded before the first request, then frozen (tracker/warmup.py). Here and
    # not in create_app(): the CLI commands, the scheduler and the dispatchers never render a page.
    from tracker.warmup import warm_up
    warm_up(worker.wsgi)
    os.environ.setdefault("LOG_FORMAT", "json")
    from tracker.web.middleware import configure_logging
    configure_logging(os.environ.get("LOG_LEVEL"))
