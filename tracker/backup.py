"""Consistent backups and restores of the database, for SQLite and PostgreSQL.

SQLite uses the online backup API, so a backup taken while the app runs is a consistent snapshot.
PostgreSQL uses pg_dump's custom format and pg_restore; the password travels in the environment
(PGPASSWORD), never on the command line. Backups hold personal data: they are written 0600.
"""
import datetime
import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from urllib.parse import unquote, urlparse

from .extensions import db


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def _is_sqlite(url: str) -> bool:
    return urlparse(url).scheme == "sqlite"


def _sqlite_path(url: str) -> Path:
    return Path(unquote(url[len("sqlite:///"):]))


def default_path(url: str, directory: Path) -> Path:
    """instance/backups/mijnroute-YYYYMMDD-HHMMSS.(sqlite3|dump)."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(directory) / f"mijnroute-{stamp}.{'sqlite3' if _is_sqlite(url) else 'dump'}"


def _private(path: Path) -> None:
    """Create an empty file only the owner can read (before any data is written into it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _pg_env(url: str) -> tuple[dict, str]:
    """The libpq environment and database name for a postgresql:// URL."""
    parsed = urlparse(url)
    env = dict(os.environ)
    env["PGHOST"] = parsed.hostname or "127.0.0.1"
    env["PGPORT"] = str(parsed.port or 5432)
    if parsed.username:
        env["PGUSER"] = unquote(parsed.username)
    if parsed.password:
        env["PGPASSWORD"] = unquote(parsed.password)
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise BackupError("DATABASE_URL names no database.")
    env["PGDATABASE"] = name
    return env, name


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools.")
    return path


def _run(args: list[str], env: dict) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[:2000]}")


def backup(url: str, path: Path) -> Path:
    """Write a consistent copy of the database at `url` to `path`; returns the path."""
    path = Path(path)
    if _is_sqlite(url):
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"There is no database at {source}.")
        if path.resolve() == source.resolve():
            raise BackupError("The backup cannot be the database itself.")
        _private(path)
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(path)) as dst:
            src.backup(dst)
        return path
    env, name = _pg_env(url)
    _private(path)
    try:
        _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={path}", name], env)
    except BackupError:
        path.unlink(missing_ok=True)
        raise
    return path


def _check_sqlite_backup(path: Path) -> None:
    try:
        with closing(sqlite3.connect(path)) as conn:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite backup: {exc}")
    if ok != "ok" or not {"user", "client", "audit_log"} <= tables:
        raise BackupError(f"{path} is not a Mijn Route backup.")


def _close_connections() -> None:
    """Close this process's connections, so nothing holds the database while it is replaced."""
    database = db.obj
    if database is None:
        return
    if hasattr(database, "close_all"):
        database.close_all()
    elif not database.is_closed():
        database.close()


def restore(url: str, path: Path, terminate_others: bool = True) -> None:
    """Replace the database at `url` with the backup at `path`.

    Stop the web workers, scheduler and dispatchers first. On PostgreSQL, other sessions on the
    database are ended (when allowed) so pg_restore can drop and recreate the tables in one transaction.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    _close_connections()
    if _is_sqlite(url):
        _check_sqlite_backup(path)
        target = _sqlite_path(url)
        if target.exists() and target.resolve() == path.resolve():
            raise BackupError("The backup is the database itself.")
        target.parent.mkdir(parents=True, exist_ok=True)
        # The backup API in reverse: the live file (and its WAL) is rewritten page by page, under a lock.
        with closing(sqlite3.connect(path)) as src, \
                closing(sqlite3.connect(target, timeout=30)) as dst:
            src.backup(dst)
        return
    env, name = _pg_env(url)
    pg_restore = _tool("pg_restore")
    _run([pg_restore, "--list", str(path)], env)  # refuses a file that is not a pg_dump archive
    if terminate_others:
        _terminate_other_sessions(url)
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          "--no-password", f"--dbname={name}", str(path)], env)


def _terminate_other_sessions(url: str) -> None:
    """End other sessions on the database (they would block DROP TABLE); silently skipped when not allowed."""
    import psycopg2
    env, name = _pg_env(url)
    try:
        with closing(psycopg2.connect(dbname=name, user=env.get("PGUSER"), password=env.get("PGPASSWORD"),
                                      host=env["PGHOST"], port=env["PGPORT"])) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    except psycopg2.Error:
        pass


def database_kind(url: str) -> str:
    """'SQLite' or 'PostgreSQL', for messages."""
    return "SQLite" if _is_sqlite(url) else "PostgreSQL"

