"""Open the database from a URL, manage per-request connections, apply migrations."""
import random
import time
from pathlib import Path
from urllib.parse import urlparse, unquote, parse_qs

from peewee import SqliteDatabase
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase

from .extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -16000,
}


def open_database(url: str):
    """Build a peewee database for a sqlite:/// or postgresql:// URL (nothing is connected yet)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative.db or sqlite:////absolute/path.db
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if path in ("", ":memory:"):
            raise ValueError("Use a file for SQLite; an in-memory database vanishes per connection.")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE takes the write lock up front, so concurrent writers wait instead of failing late.
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10, lock_type="IMMEDIATE")
    if parsed.scheme in ("postgres", "postgresql", "postgresql+pool"):
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return PooledPostgresqlDatabase(
            unquote(parsed.path.lstrip("/")),
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            max_connections=int(options.pop("max_connections", 8)),
            stale_timeout=300,
            timeout=10,
        )
    raise ValueError(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")


def is_postgres() -> bool:
    """True when the bound database is PostgreSQL (for SKIP LOCKED and pg_dump)."""
    return isinstance(db.obj, PooledPostgresqlDatabase)


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back as a
# whole and may simply be run again.
RETRYABLE = {"40P01", "40001"}


def retry_on_conflict(work, attempts: int = 4):
    """Run `work()` (which opens its own transaction) again when PostgreSQL chose it as a deadlock
    victim: two bulk confirmations of one client's entries update the per-category totals in
    crossing order, and one of them is rolled back. SQLite has one writer at a time: never."""
    for attempt in range(attempts):
        try:
            return work()
        except Exception as exc:  # peewee's OperationalError, or psycopg2's own where peewee passes it on
            if attempt == attempts - 1 or _pgcode(exc) not in RETRYABLE:
                raise
            time.sleep(random.uniform(0.002, 0.02) * (attempt + 1))


def _pgcode(exc: BaseException) -> str | None:
    for candidate in (exc, exc.args[0] if exc.args else None, exc.__cause__, exc.__context__):
        code = getattr(candidate, "pgcode", None)
        if code:
            return code
    return None


def migrate() -> list[str]:
    """Apply pending numbered migrations; returns the names applied."""
    with db.obj.connection_context():
        return Runner(db.obj, directory=str(MIGRATIONS)).up()


def pending_migrations() -> list[str]:
    """Names of migrations on disk that are not applied yet."""
    with db.obj.connection_context():
        return [m.name for m in Runner(db.obj, directory=str(MIGRATIONS)).status()
                if m.path is not None and not m.applied]


def init_app(app) -> None:
    """Bind the proxy to the configured database and open a connection per request."""
    database = open_database(app.config["DATABASE_URL"])
    app.extensions["database"] = database
    db.initialize(database)

    @app.before_request
    def _connect():
        from flask import request
        if request.endpoint in ("static", "pwa.service_worker", "health.healthz"):
            return
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()
