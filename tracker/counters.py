"""Hour totals kept in step with the entries (the `entry_total` table).

The database keeps them: triggers on `entry` add and subtract each row, and a change of a client's
first PIP (which decides which entries are intake) recounts that client. They are created by
migrations/0005_entry_totals.py; nothing in the application writes the table, so every path that
changes entries — the pages, the API, imports, privacy erasure, a bulk load — keeps it right.

`rebuild()` recounts everything (after a bulk load with the triggers switched off, as bench/ does);
`differences()` compares the totals with a fresh count (for tests and for checking a database).
"""
from .db import is_postgres
from .extensions import db

COLUMNS = "client_id, category, status, intake, entries, hours, physical_hours, last_date"


def _count_sql(where: str = "") -> str:
    far = "DATE '9999-12-31'" if is_postgres() else "'9999-12-31'"
    intake = f"CASE WHEN e.entry_date <= COALESCE(f.first, {far}) THEN 1 ELSE 0 END"
    return (f"SELECT e.client_id, e.category, e.status, {intake}, COUNT(*), SUM(e.hours), "
            f"SUM(CASE WHEN e.physical THEN e.hours ELSE 0 END), MAX(e.entry_date) "
            f"FROM entry e LEFT JOIN (SELECT client_id, MIN(dagtekening) AS first FROM pip_version "
            f"GROUP BY client_id) f ON f.client_id = e.client_id {where} "
            f"GROUP BY e.client_id, e.category, e.status, {intake}")


def rebuild() -> int:
    """Recount every total from the entries; returns the number of total rows."""
    with db.atomic():
        db.execute_sql("DELETE FROM entry_total")
        db.execute_sql(f"INSERT INTO entry_total ({COLUMNS}) {_count_sql()}")
        return db.execute_sql("SELECT COUNT(*) FROM entry_total").fetchone()[0]


def differences() -> list[tuple]:
    """Rows where the kept totals and a fresh count disagree (empty when they are in step)."""
    def norm(rows):
        out = {}
        for cid, category, status, intake, entries, hours, physical, last in rows:
            if entries:
                out[(cid, category, status, int(intake))] = (
                    int(entries), round(float(hours), 2), round(float(physical), 2), str(last)[:10])
        return out
    kept = norm(db.execute_sql(f"SELECT {COLUMNS} FROM entry_total").fetchall())
    fresh = norm(db.execute_sql(_count_sql()).fetchall())
    return sorted((key, kept.get(key), fresh.get(key)) for key in set(kept) | set(fresh)
                  if kept.get(key) != fresh.get(key))
