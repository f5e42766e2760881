"""Send due reminders: claim a batch, put each in the inbox, push it to every device of the person
(in their language, outside their quiet hours), and record the outcome."""
import datetime
import logging

from flask_babel import force_locale

from ..domain.reminders import quiet_until, send_now
from ..extensions import db
from ..models import Message, PushSubscription, User, utcnow
from ..web.timeutil import zone
from . import outbox
from .push import PushJob, payload
from .texts import render

log = logging.getLogger(__name__)


def _clock(value: str, default: str) -> datetime.time:
    try:
        return datetime.time.fromisoformat(value or default)
    except ValueError:
        return datetime.time.fromisoformat(default)


def dispatch_once(pusher, now: datetime.datetime | None = None, batch: int = 200) -> dict[str, int]:
    """One batch. `pusher` is a notify.push.Pusher, or None when push is not configured (inbox only)."""
    now = now or utcnow()
    rows = outbox.claim(now, batch)
    counts = {"claimed": len(rows), "sent": 0, "inbox": 0, "later": 0, "retry": 0, "failed": 0, "skipped": 0}
    if not rows:
        return counts
    user_ids = {row.user_id for row in rows}
    subscriptions: dict[int, list[PushSubscription]] = {}
    for sub in PushSubscription.select().where(PushSubscription.user.in_(user_ids)):
        subscriptions.setdefault(sub.user_id, []).append(sub)
    # The inbox gets every reminder once, pushed or not (iPhone without install, permission denied).
    Message.insert_many([{"user": row.user_id, "outbox_key": row.key, "kind": row.kind, "params": row.params,
                          "url": row.url, "created_at": now} for row in rows]).on_conflict_ignore().execute()

    outcomes, jobs, owners = {}, [], []
    for row in rows:
        user = row.user
        if not user.active or (user.reminder_prefs or {}).get(row.kind) is False:
            outcomes[row.id] = ("skipped", None, "turned off")
            continue
        tz = zone(user.gemeente)
        start = _clock(user.quiet_start, User.quiet_start.default)
        end = _clock(user.quiet_end, User.quiet_end.default)
        event_at = row.params.get("event_at")
        event_at = datetime.datetime.fromisoformat(event_at) if event_at else None
        if event_at is not None and event_at <= now:
            outcomes[row.id] = ("inbox", None, "event already started")
            continue
        if not send_now(row.kind, event_at, now, tz, start, end):
            outcomes[row.id] = ("pending", quiet_until(now, tz, start, end), outbox.QUIET)
            continue
        devices = subscriptions.get(user.id, [])
        if pusher is None or not devices:
            outcomes[row.id] = ("inbox", None, "push not configured" if pusher is None else "no device")
            continue
        with force_locale(user.locale):
            title, body = render(row.kind, row.params, tz)
        data = payload(title, body, row.url, tag=row.key)
        # Time to live counts from now: a late reminder must not arrive after its event began.
        ttl = row.ttl if event_at is None else max(60, min(row.ttl, int((event_at - now).total_seconds())))
        for sub in devices:
            jobs.append(PushJob({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
                                data, ttl, row.urgency, row.topic))
            owners.append((row, sub))

    results: dict[int, list] = {}
    gone = []
    for (row, sub), result in zip(owners, pusher.send_many(jobs) if jobs else []):
        results.setdefault(row.id, []).append(result)
        if result.status == "gone":
            gone.append(sub.id)
    by_id = {row.id: row for row in rows}
    for row_id, row_results in results.items():
        row = by_id[row_id]
        statuses = {r.status for r in row_results}
        if "sent" in statuses:
            outcomes[row_id] = ("sent", None, None)
        elif "retry" in statuses and row.attempts < outbox.MAX_ATTEMPTS:
            after = max((r.retry_after or 0) for r in row_results)
            outcomes[row_id] = ("pending", now + outbox.backoff(row.attempts, after),
                                ", ".join(str(r.code or r.detail) for r in row_results))
        elif statuses == {"gone"}:
            outcomes[row_id] = ("inbox", None, "devices gone")
        else:
            outcomes[row_id] = ("failed", None, "; ".join(f"{r.code} {r.detail}" for r in row_results))
    if gone:
        PushSubscription.delete().where(PushSubscription.id.in_(gone)).execute()
    outbox.finish(outcomes)
    for status, _next, _error in outcomes.values():
        key = {"pending": "later"}.get(status, status)
        counts[key] = counts.get(key, 0) + 1
    return counts


def dispatch_all(pusher, batch: int = 200, limit: int | None = None) -> dict[str, int]:
    """Batches until nothing is due (or `limit` rows were claimed)."""
    totals: dict[str, int] = {}
    while True:
        with db.connection_context():
            counts = dispatch_once(pusher, batch=batch)
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        if counts["claimed"] < batch or (limit and totals["claimed"] >= limit):
            return totals
