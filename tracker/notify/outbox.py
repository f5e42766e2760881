"""The outbox: enqueue with a unique key, claim due rows, complete or retry with backoff.

Claiming marks rows 'sending' with a lease inside one transaction (FOR UPDATE SKIP LOCKED on
PostgreSQL, so several dispatchers can run). A dispatcher that dies leaves its rows 'sending';
when the lease runs out another run claims them again, so no reminder is lost. A resend carries the
same Topic and notification tag, so the phone shows it once.
"""
import csv
import datetime
import io
from dataclasses import dataclass

from peewee import SQL, fn

from ..db import is_postgres
from ..extensions import db
from ..models import Gemeente, Outbox, User, utcnow

LEASE = datetime.timedelta(minutes=5)
QUIET = "quiet hours"
MAX_ATTEMPTS = 8


# The columns enqueue() writes, in order; the others are empty or have the table's default.
_ENQUEUE = ("key", "user", "kind", "params", "url", "urgency", "ttl", "topic", "due_at", "next_attempt_at",
            "status", "attempts", "created_at")


def enqueue(planned) -> int:
    """Write planned (reminder, user id) pairs; keys already there are left alone. Returns rows offered.

    A planning run offers every reminder due around now for 100,000 people, most of them already
    there, with the conflict on the unique key ignored by the database: on PostgreSQL the rows are
    COPied into a temporary table and moved with one INSERT … SELECT (a tenth of the client work of
    a parameterised INSERT per row); on SQLite one prepared statement runs for all rows.
    """
    now = utcnow()
    params_json = Outbox.params.db_value
    texts: dict[tuple, str] = {}    # a group session's reminders share their params: dumped once
    rows = []
    for r, user_id in planned:
        memo = (id(r.params), r.event_at)
        text = texts.get(memo)
        if text is None:
            text = texts[memo] = params_json(dict(r.params, event_at=r.event_at.isoformat() if r.event_at else None))
        rows.append((r.key, user_id, r.kind, text, r.url, r.urgency, r.ttl, r.topic, r.due_at, r.due_at, "pending",
                     0, now))
    if not rows:
        return 0
    fields = [Outbox._meta.fields[name] for name in _ENQUEUE]
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    table = Outbox._meta.table_name
    with db.atomic():
        cursor = db.cursor()
        if is_postgres():
            _copy_in(cursor, table, columns, rows)
        else:
            marks = ", ".join("?" * len(fields))
            cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING', rows)
    return len(rows)


def _copy_in(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    """PostgreSQL: COPY the rows (CSV) into a temporary table of just these columns, then insert
    the keys not there yet. The NOT EXISTS matters: PostgreSQL draws the id for every row that
    reaches the INSERT, conflict or not, and a run re-offers some 100,000 reminders every ten
    minutes: 16 million ids a day would use up the id column in months. ON CONFLICT stays for a
    key that arrives meanwhile, and skips duplicates among the rows. No value here is ever empty
    text, so an empty CSV field is NULL."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    incoming = f'"{table}_incoming"'
    cursor.execute(f'CREATE TEMPORARY TABLE IF NOT EXISTS {incoming} AS SELECT {columns} FROM "{table}" WITH NO DATA')
    cursor.copy_expert(f'COPY {incoming} ({columns}) FROM STDIN WITH (FORMAT csv)', buffer)
    cursor.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM {incoming} AS i '
                   f'WHERE NOT EXISTS (SELECT 1 FROM "{table}" AS o WHERE o."key" = i."key") ON CONFLICT DO NOTHING')
    cursor.execute(f'TRUNCATE {incoming}')


def id_list(ids) -> SQL:
    """A parenthesised list of integer ids for IN: peewee builds a parameter object per value,
    which for a batch of 200 cost more than running the statement. int() keeps it literal-safe."""
    return SQL("(" + ",".join(str(int(i)) for i in ids) + ")")


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed outbox row with what sending it needs to know of its person and their gemeente
    (`timezone` makes it an argument for web.timeutil.zone)."""

    id: int
    key: str
    user_id: int
    kind: str
    params: dict
    url: str
    urgency: str
    ttl: int
    topic: str | None
    attempts: int           # this attempt included
    active: bool
    reminder_prefs: dict | None
    locale: str
    quiet_start: str | None
    quiet_end: str | None
    timezone: str | None


_CLAIMED = (Outbox.id, Outbox.key, Outbox.user, Outbox.kind, Outbox.params, Outbox.url, Outbox.urgency, Outbox.ttl,
            Outbox.topic, Outbox.attempts, User.active, User.reminder_prefs, User.locale, User.quiet_start,
            User.quiet_end, Gemeente.timezone)


def claim(now: datetime.datetime | None = None, batch: int = 200) -> list[Claimed]:
    """Due rows, marked 'sending' for this process, with their person's settings.

    Read as plain tuples: building three peewee models per row (a person has some fifty columns
    and defaults to compute) cost more than the rest of the batch's database work."""
    now = now or utcnow()
    with db.atomic():
        due = (Outbox.select(Outbox.id)
               .where(((Outbox.status == "pending") & (Outbox.next_attempt_at <= now))
                      | ((Outbox.status == "sending") & (Outbox.claimed_at < now - LEASE)))
               .order_by(Outbox.next_attempt_at).limit(batch))
        if is_postgres():
            due = due.for_update("FOR UPDATE SKIP LOCKED")
        ids = [row_id for (row_id,) in due.tuples()]
        if not ids:
            return []
        (Outbox.update(status="sending", claimed_at=now, attempts=Outbox.attempts + 1)
         .where(Outbox.id.in_(id_list(ids))).execute())
    query = (Outbox.select(*_CLAIMED).join(User).join(Gemeente)
             .where(Outbox.id.in_(id_list(ids))).order_by(Outbox.next_attempt_at))
    return [Claimed(*values) for values in query.tuples()]


def backoff(attempts: int, retry_after: int | None = None) -> datetime.timedelta:
    """1, 2, 4 … minutes, at most 6 hours; a push service's Retry-After wins when longer."""
    seconds = min(60 * 2 ** max(attempts - 1, 0), 6 * 3600)
    return datetime.timedelta(seconds=max(seconds, retry_after or 0))


def finish(rows: dict[int, tuple[str, datetime.datetime | None, str | None]]) -> None:
    """Record outcomes in one transaction: id → (status, next attempt or None, error).

    Rows with the same outcome are updated together (a batch of 200 sent reminders is one
    statement, not 200)."""
    now = utcnow()
    groups: dict[tuple, list[int]] = {}
    for row_id, outcome in rows.items():
        groups.setdefault(outcome, []).append(row_id)
    with db.atomic():
        for (status, next_at, error), ids in groups.items():
            values = {"status": status, "last_error": (error or None) and error[:300]}
            if error == QUIET:
                # Waiting for the morning is no failed attempt.
                values["attempts"] = Outbox.attempts - 1
            if status == "sent":
                values["sent_at"] = now
            if next_at is not None:
                values["next_attempt_at"] = next_at
            Outbox.update(**values).where(Outbox.id.in_(id_list(ids))).execute()


def lag(now: datetime.datetime | None = None) -> float:
    """Seconds the oldest due, unsent reminder has waited (for /readyz)."""
    now = now or utcnow()
    oldest = (Outbox.select(fn.MIN(Outbox.next_attempt_at))
              .where(Outbox.status.in_(("pending", "sending")), Outbox.next_attempt_at <= now).scalar())
    if oldest is None:
        return 0.0
    if isinstance(oldest, str):
        oldest = datetime.datetime.fromisoformat(oldest)
    return (now - oldest).total_seconds()


# Finished rows are kept this long (what was sent when, for questions), then dropped: the inbox
# keeps its own copy of every reminder, and a reminder this old is never planned again.
KEEP_FINISHED = datetime.timedelta(days=30)


def forget(now: datetime.datetime | None = None) -> int:
    """Delete outbox rows that are done (sent, in the inbox only, skipped or failed) and due more
    than KEEP_FINISHED ago; a national planning run adds some 100,000 rows a day."""
    now = now or utcnow()
    return (Outbox.delete()
            .where(Outbox.status.not_in(("pending", "sending")), Outbox.due_at < now - KEEP_FINISHED)
            .execute())
