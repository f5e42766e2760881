"""Send due reminders: claim a batch, put each in the inbox, push it to every device of the person
(in their language, outside their quiet hours), and record the outcome."""
import datetime
import json
import logging
from dataclasses import dataclass, field

from flask_babel import force_locale
from peewee import Value

from ..domain.reminders import quiet_until, send_now
from ..extensions import db
from ..models import Message, Outbox, PushSubscription, User, utcnow
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


def _frozen(params: dict):
    """A hashable form of reminder params (flat: strings and numbers; JSON for anything else)."""
    try:
        key = tuple(sorted(params.items()))
        hash(key)
        return key
    except TypeError:
        return json.dumps(params, sort_keys=True)


@dataclass
class _Batch:
    """A claimed batch between claiming and recording: the outcomes known without pushing, and
    the push jobs with the (row, subscription id) each belongs to."""

    now: datetime.datetime
    rows: list[outbox.Claimed]
    outcomes: dict = field(default_factory=dict)
    jobs: list[PushJob] = field(default_factory=list)
    owners: list[tuple[outbox.Claimed, int]] = field(default_factory=list)


def _prepare(pusher, now: datetime.datetime, batch: int) -> _Batch:
    """Claim, write the inbox rows, decide per row, and build the push jobs."""
    rows = outbox.claim(now, batch)
    prepared = _Batch(now, rows)
    if not rows:
        return prepared
    ids = outbox.id_list(row.id for row in rows)
    subscriptions: dict[int, list[tuple]] = {}
    query = (PushSubscription.select(PushSubscription.id, PushSubscription.user, PushSubscription.endpoint,
                                     PushSubscription.p256dh, PushSubscription.auth)
             .where(PushSubscription.user.in_(outbox.id_list({row.user_id for row in rows}))))
    for sub in query.tuples():
        subscriptions.setdefault(sub[1], []).append(sub)
    # The inbox gets every reminder once, pushed or not (iPhone without install, permission denied),
    # copied by the database from the claimed rows.
    (Message.insert_from(Outbox.select(Outbox.user, Outbox.key, Outbox.kind, Outbox.params, Outbox.url, Value(now))
                         .where(Outbox.id.in_(ids)),
                         fields=[Message.user, Message.outbox_key, Message.kind, Message.params, Message.url,
                                 Message.created_at])
     .on_conflict_ignore().execute())

    # Many reminders of a batch read the same (a kind, a language, the same numbers): render each once.
    texts: dict[tuple, tuple[str, str]] = {}
    for row in rows:
        if not row.active or (row.reminder_prefs or {}).get(row.kind) is False:
            prepared.outcomes[row.id] = ("skipped", None, "turned off")
            continue
        tz = zone(row)
        start = _clock(row.quiet_start, User.quiet_start.default)
        end = _clock(row.quiet_end, User.quiet_end.default)
        event_at = row.params.get("event_at")
        event_at = datetime.datetime.fromisoformat(event_at) if event_at else None
        if event_at is not None and event_at <= now:
            prepared.outcomes[row.id] = ("inbox", None, "event already started")
            continue
        if not send_now(row.kind, event_at, now, tz, start, end):
            prepared.outcomes[row.id] = ("pending", quiet_until(now, tz, start, end), outbox.QUIET)
            continue
        devices = subscriptions.get(row.user_id, [])
        if pusher is None or not devices:
            prepared.outcomes[row.id] = ("inbox", None, "push not configured" if pusher is None else "no device")
            continue
        text_key = (row.kind, row.locale, tz.key, _frozen(row.params))
        text = texts.get(text_key)
        if text is None:
            with force_locale(row.locale):
                text = texts[text_key] = render(row.kind, row.params, tz)
        data = payload(*text, row.url, tag=row.key)
        # Time to live counts from now: a late reminder must not arrive after its event began.
        ttl = row.ttl if event_at is None else max(60, min(row.ttl, int((event_at - now).total_seconds())))
        for sub_id, _user, endpoint, p256dh, auth in devices:
            prepared.jobs.append(PushJob({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
                                         data, ttl, row.urgency, row.topic))
            prepared.owners.append((row, sub_id))
    return prepared


def _record(prepared: _Batch, results) -> dict[str, int]:
    """Turn the push results into outcomes, drop gone devices, write the outcomes; the counts."""
    now, outcomes = prepared.now, prepared.outcomes
    counts = {"claimed": len(prepared.rows), "sent": 0, "inbox": 0, "later": 0, "retry": 0, "failed": 0,
              "skipped": 0}
    if not prepared.rows:
        return counts
    per_row: dict[int, list] = {}
    gone = []
    for (row, sub_id), result in zip(prepared.owners, results):
        per_row.setdefault(row.id, []).append(result)
        if result.status == "gone":
            gone.append(sub_id)
    by_id = {row.id: row for row in prepared.rows}
    for row_id, row_results in per_row.items():
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
        PushSubscription.delete().where(PushSubscription.id.in_(outbox.id_list(gone))).execute()
    outbox.finish(outcomes)
    for status, _next, _error in outcomes.values():
        key = {"pending": "later"}.get(status, status)
        counts[key] = counts.get(key, 0) + 1
    return counts


def dispatch_once(pusher, now: datetime.datetime | None = None, batch: int = 200) -> dict[str, int]:
    """One batch. `pusher` is a notify.push.Pusher, or None when push is not configured (inbox only)."""
    prepared = _prepare(pusher, now or utcnow(), batch)
    return _record(prepared, pusher.send_many(prepared.jobs) if prepared.jobs else [])


def dispatch_all(pusher, batch: int = 200, limit: int | None = None) -> dict[str, int]:
    """Batches until nothing is due (or `limit` rows were claimed).

    While the worker threads push one batch, the next is claimed and prepared and the one before
    recorded, so the push service is not left waiting for the database. A dispatcher killed here
    leaves at most two batches 'sending'; both are sent again when their lease runs out."""
    totals: dict[str, int] = {}
    claimed = 0
    in_flight = None    # (batch, its sending): being pushed, not recorded yet
    # One connection for the run: on SQLite, closing the last connection checkpoints the WAL,
    # which per batch cost as much as the batch's own statements.
    with db.connection_context():
        while True:
            more = in_flight is None or (len(in_flight[0].rows) == batch and not (limit and claimed >= limit))
            if in_flight is not None and (not more or utcnow() - in_flight[0].now > outbox.LEASE / 2):
                # Recorded before claiming again when a slow push service has held it so long that
                # its rows would soon be claimable again, by this very loop.
                _add(totals, _settle(*in_flight))
                in_flight = None
            if not more:
                return totals
            prepared = _prepare(pusher, utcnow(), batch)
            claimed += len(prepared.rows)
            sending = pusher.start(prepared.jobs) if prepared.jobs else None
            if in_flight is not None:
                _add(totals, _settle(*in_flight))
            in_flight = (prepared, sending)
            if not prepared.rows:
                _add(totals, _settle(*in_flight))
                return totals


def _settle(prepared: _Batch, sending) -> dict[str, int]:
    return _record(prepared, sending.results() if sending else [])


def _add(totals: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        totals[key] = totals.get(key, 0) + value
