"""The outbox: enqueue with a unique key, claim due rows, complete or retry with backoff.

Claiming marks rows 'sending' with a lease inside one transaction (FOR UPDATE SKIP LOCKED on
PostgreSQL, so several dispatchers can run). A dispatcher that dies leaves its rows 'sending';
when the lease runs out another run claims them again, so no reminder is lost. A resend carries the
same Topic and notification tag, so the phone shows it once.
"""
import datetime

from peewee import fn

from ..db import is_postgres
from ..extensions import db
from ..models import Gemeente, Outbox, User, utcnow

LEASE = datetime.timedelta(minutes=5)
QUIET = "quiet hours"
MAX_ATTEMPTS = 8


def enqueue(planned) -> int:
    """Write planned (reminder, user id) pairs; keys already there are left alone. Returns rows offered."""
    now = utcnow()
    rows = [{
        "key": r.key, "user": user_id, "kind": r.kind, "url": r.url, "urgency": r.urgency, "ttl": r.ttl,
        "topic": r.topic, "due_at": r.due_at, "next_attempt_at": r.due_at, "status": "pending", "attempts": 0,
        "created_at": now,
        "params": dict(r.params, event_at=r.event_at.isoformat() if r.event_at else None),
    } for r, user_id in planned]
    for start in range(0, len(rows), 500):
        # JSONField's db_value is applied by insert_many, so params are stored as JSON text.
        Outbox.insert_many(rows[start:start + 500]).on_conflict_ignore().execute()
    return len(rows)


def claim(now: datetime.datetime | None = None, batch: int = 200) -> list[Outbox]:
    """Due rows, marked 'sending' for this process, with user and gemeente loaded."""
    now = now or utcnow()
    with db.atomic():
        due = (Outbox.select(Outbox.id)
               .where(((Outbox.status == "pending") & (Outbox.next_attempt_at <= now))
                      | ((Outbox.status == "sending") & (Outbox.claimed_at < now - LEASE)))
               .order_by(Outbox.next_attempt_at).limit(batch))
        if is_postgres():
            due = due.for_update("FOR UPDATE SKIP LOCKED")
        ids = [row.id for row in due]
        if not ids:
            return []
        (Outbox.update(status="sending", claimed_at=now, attempts=Outbox.attempts + 1)
         .where(Outbox.id.in_(ids)).execute())
    return list(Outbox.select(Outbox, User, Gemeente).join(User).join(Gemeente)
                .where(Outbox.id.in_(ids)).order_by(Outbox.next_attempt_at))


def backoff(attempts: int, retry_after: int | None = None) -> datetime.timedelta:
    """1, 2, 4 … minutes, at most 6 hours; a push service's Retry-After wins when longer."""
    seconds = min(60 * 2 ** max(attempts - 1, 0), 6 * 3600)
    return datetime.timedelta(seconds=max(seconds, retry_after or 0))


def finish(rows: dict[int, tuple[str, datetime.datetime | None, str | None]]) -> None:
    """Record outcomes in one transaction: id → (status, next attempt or None, error)."""
    now = utcnow()
    with db.atomic():
        for row_id, (status, next_at, error) in rows.items():
            values = {"status": status, "last_error": (error or None) and error[:300]}
            if error == QUIET:
                # Waiting for the morning is no failed attempt.
                values["attempts"] = Outbox.attempts - 1
            if status == "sent":
                values["sent_at"] = now
            if next_at is not None:
                values["next_attempt_at"] = next_at
            Outbox.update(**values).where(Outbox.id == row_id).execute()


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
