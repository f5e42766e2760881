"""Reminder planning for everybody, and the push fan-out against the real local test push service.

The push service (tests/push_service.py: VAPID checked, every payload decrypted) runs in its own
process, so its work does not share the GIL with the sender being measured.

Dispatcher: N due reminders in the outbox for N people with one subscription each; the clock runs
around `dispatch_all(Pusher)` — claiming in batches, the inbox rows, rendering in each person's
language, encryption, the HTTP requests and recording the outcomes.
Naive: the same N messages, one `pywebpush.webpush()` call each (new connection, VAPID signed and
the key read again for every message), as its README shows.
"""
import base64
import datetime
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tracker.extensions import db
from tracker.models import Client, Message, Outbox, PushSubscription, User, utcnow

SUBJECT = "mailto:beheer@mijnroute.nl"


@dataclass
class Fanout:
    messages: int
    dispatcher_seconds: float
    dispatcher_sent: int
    naive_seconds: float
    naive_sent: int
    delivered: int
    rejected: int

    @property
    def dispatcher_rate(self):
        return self.dispatcher_sent / self.dispatcher_seconds if self.dispatcher_seconds else 0.0

    @property
    def naive_rate(self):
        return self.naive_sent / self.naive_seconds if self.naive_seconds else 0.0


def plan_everybody(app) -> tuple[float, dict]:
    """One planning run over every gemeente at 09:30 Amsterdam time (inside the daily digest window,
    so risk changes are compared too: the heaviest run of the day). Returns (seconds, totals)."""
    from zoneinfo import ZoneInfo
    from tracker.notify import planner
    local = datetime.datetime.combine(datetime.date.today(), datetime.time(9, 30), ZoneInfo("Europe/Amsterdam"))
    now = local.astimezone(datetime.UTC).replace(tzinfo=None)
    with app.app_context(), db.connection_context():
        started = time.perf_counter()
        totals = planner.plan(now)
        seconds = time.perf_counter() - started
        Outbox.delete().execute()
    return seconds, totals


class _Service:
    """bench.push_server in a child process (its own interpreter, so its own GIL)."""

    def __init__(self, key: str, count: int):
        root = Path(__file__).resolve().parent.parent
        self.process = subprocess.Popen([sys.executable, "-m", "bench.push_server", key, str(count)], cwd=root,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.subscriptions = json.loads(self.process.stdout.readline())

    def stats(self):
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self):
        try:
            self.process.stdin.write("stop\n")
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except (BrokenPipeError, subprocess.TimeoutExpired, ValueError):
            self.process.kill()
            self.process.wait()


def _vacuum() -> None:
    """PostgreSQL: clear the dead rows the planning run and this set-up left in the outbox, as
    autovacuum does in production (this machine's PostgreSQL runs with autovacuum off; a million
    dead outbox rows made each claim 130 ms instead of 5 ms)."""
    from tracker.db import is_postgres
    if is_postgres():
        for table in ("outbox", "message", "push_subscription"):
            db.execute_sql(f'VACUUM ANALYZE "{table}"')


def fanout(app, count: int, log=print) -> Fanout:
    """Dispatcher vs naive loop, `count` messages each."""
    from py_vapid import Vapid02
    from pywebpush import webpush
    from tracker.notify import dispatch, vapid
    from tracker.notify.push import Pusher, payload

    key = Vapid02()
    key.generate_keys()
    public = vapid.public_key_b64(key)
    # The key as the README's naive call takes it: the private key's DER, base64.
    from cryptography.hazmat.primitives import serialization
    der = key.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    key_text = base64.urlsafe_b64encode(der).decode().rstrip("=")

    service = _Service(public, 2 * count)
    try:
        subscriptions = service.subscriptions
        mine, naive_subs = subscriptions[:count], subscriptions[count:]

        # The dispatcher: due reminders for `count` statushouders, one device each, no quiet hours.
        with app.app_context(), db.connection_context():
            users = [u.id for u in User.select(User.id).join(Client, on=(Client.user == User.id))
                     .order_by(User.id).limit(count)]
            if len(users) < count:
                raise ValueError(f"the fan-out needs {count} statushouders, the data set has {len(users)}")
            with db.atomic():
                Outbox.delete().execute()
                PushSubscription.delete().execute()
                Message.delete().where(Message.outbox_key.is_null(False)).execute()
                User.update(quiet_start="12:00", quiet_end="12:00", reminder_prefs={}).where(
                    User.id.in_(users)).execute()
                now = utcnow() - datetime.timedelta(seconds=1)
                for start in range(0, count, 1000):
                    chunk = range(start, min(count, start + 1000))
                    PushSubscription.insert_many([
                        {"user": users[i], "endpoint": mine[i]["endpoint"], "p256dh": mine[i]["keys"]["p256dh"],
                         "auth": mine[i]["keys"]["auth"], "created_at": now, "last_seen_at": now}
                        for i in chunk]).execute()
                    Outbox.insert_many([
                        {"key": f"bench:{i}", "user": users[i], "kind": "inactivity", "params": {"days": 14},
                         "url": "/me/logbook", "urgency": "normal", "ttl": 86400, "topic": f"bench{i % 1000}",
                         "due_at": now, "status": "pending", "attempts": 0, "next_attempt_at": now,
                         "created_at": now} for i in chunk]).execute()
        with app.app_context(), db.connection_context():
            _vacuum()
        pusher = Pusher(key, SUBJECT, workers=8, processes=2)
        try:
            with app.app_context():
                started = time.perf_counter()
                totals = dispatch.dispatch_all(pusher, batch=200)
                dispatcher_seconds = time.perf_counter() - started
        finally:
            pusher.close()
        delivered, rejected, reasons = service.stats()
        if rejected:
            log(f"  push service rejected {rejected}: {reasons}")

        # The naive loop.
        data = payload("Log your hours", "You have not logged hours for 14 days.", "/me/logbook", "bench")
        sent = 0
        started = time.perf_counter()
        for sub in naive_subs:
            response = webpush(sub, data=data, vapid_private_key=key_text, vapid_claims={"sub": SUBJECT},
                               ttl=86400, timeout=10)
            sent += response.status_code in (200, 201, 202)
        naive_seconds = time.perf_counter() - started
        delivered_all, rejected_all, reasons = service.stats()
        if rejected_all > rejected:
            log(f"  push service rejected {rejected_all - rejected} naive messages: {reasons}")
        with app.app_context(), db.connection_context():
            Outbox.delete().execute()
            PushSubscription.delete().execute()
        return Fanout(count, dispatcher_seconds, totals.get("sent", 0), naive_seconds, sent, delivered_all,
                      rejected_all)
    finally:
        service.stop()
