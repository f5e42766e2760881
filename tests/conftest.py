"""Fixtures: the app on a temp-file SQLite database and on the local PostgreSQL, clients per role."""
import logging
import os
import re
import uuid

import pytest

from tracker import create_app
from tracker.config import TestConfig
from tracker.extensions import db
from tracker import db as database
from tracker.models import MODELS

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_database(name: str):
    import psycopg2
    from urllib.parse import urlparse
    parsed = urlparse(PG_ADMIN_URL)
    conn = psycopg2.connect(dbname=parsed.path.lstrip("/"), user=parsed.username or "postgres",
                            host=parsed.hostname, port=parsed.port or 5432)
    conn.autocommit = True
    return conn, parsed


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    name = f"mijnroute_test_{uuid.uuid4().hex[:8]}"
    conn, parsed = _pg_database(name)
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://{parsed.username or 'postgres'}@{parsed.hostname}:{parsed.port or 5432}/{name}"
    from tracker.extensions import db as proxy
    if proxy.obj is not None and hasattr(proxy.obj, "close_all"):
        pass
    with conn.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()


@pytest.fixture(scope="session")
def vapid_pem():
    """One VAPID key for the whole run (the app reads it from its config)."""
    from py_vapid import Vapid02
    key = Vapid02()
    key.generate_keys()
    return key.private_pem().decode()


def _make_app(url, pem):
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**settings, "DATABASE_URL": url, "VAPID_PRIVATE_KEY": pem,
                      "VAPID_SUBJECT": "mailto:tests@mijnroute.nl"})
    database.migrate()
    return app


@pytest.fixture(scope="session")
def sqlite_app(tmp_path_factory, vapid_pem):
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    return _make_app(f"sqlite:///{path}", vapid_pem)


@pytest.fixture(scope="session")
def postgres_app(pg_url, vapid_pem):
    return _make_app(pg_url, vapid_pem)


def _clean(app):
    """Point the shared proxy at this app's database and empty every table."""
    db.initialize(app.extensions["database"])
    with db.connection_context():
        if database.is_postgres():
            names = ", ".join(f'"{m._meta.table_name}"' for m in MODELS)
            db.execute_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            db.execute_sql("PRAGMA foreign_keys = OFF")
            for model in reversed(MODELS):
                model.delete().execute()
            db.execute_sql("PRAGMA foreign_keys = ON")


@pytest.fixture(params=["sqlite", "postgres"])
def app(request):
    """The app on each backend, with empty tables."""
    app = request.getfixturevalue(f"{request.param}_app")
    _clean(app)
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def sqlite_only_app(sqlite_app):
    """The app on SQLite only, for tests whose subject is not the database."""
    _clean(sqlite_app)
    yield sqlite_app
    if not db.is_closed():
        db.close()


@pytest.fixture
def conn(app):
    """An open connection for tests that create rows directly."""
    with db.connection_context():
        yield


@pytest.fixture
def world(app):
    """Two gemeenten with staff and clients (see factories.build_world)."""
    from tests.factories import build_world
    with db.connection_context():
        return build_world()


class QueryCounter(logging.Handler):
    """Counts the SQL statements peewee runs (peewee logs each at DEBUG)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record):
        if record.name == "peewee":  # not peewee.pool's check-in/check-out lines
            self.count += 1


@pytest.fixture
def count_queries():
    logger = logging.getLogger("peewee")
    handler = QueryCounter()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)
