"""Reminders end to end over real Web Push: outbox → dispatcher → pywebpush → a push service on
127.0.0.1 that checks VAPID and decrypts every message (tests/push_service.py). No mocks."""
import collections
import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from flask_babel import force_locale
from py_vapid import Vapid02
from pywebpush import WebPusher

from tests import factories
from tests.push_service import PushService, Rejected, verify_vapid
from tracker.domain.reminders import DELIVERY, Reminder
from tracker.extensions import db
from tracker.models import Appointment, Message, Outbox, PushSubscription, User, utcnow
from tracker.notify import outbox, planner, vapid
from tracker.notify.dispatch import dispatch_all, dispatch_once
from tracker.notify.push import MAX_PAYLOAD, Pusher, PushJob
from tracker.notify.setup import make_pusher
from tracker.notify.texts import render
from tracker.web.timeutil import zone

ROOT = Path(__file__).resolve().parent.parent
SUBJECT = "mailto:tests@mijnroute.nl"
# A Monday noon in Amsterdam (CET, UTC+1): outside everybody's quiet hours.
NOON = datetime.datetime(2025, 3, 10, 11, 0)
H = datetime.timedelta(hours=1)
MIN = datetime.timedelta(minutes=1)


@pytest.fixture
def ctx(app):
    """App context (force_locale, url_for) with an open connection."""
    with app.app_context(), db.connection_context():
        yield app


@pytest.fixture
def app_key(app):
    """The app's VAPID public key, which subscriptions are bound to (applicationServerKey)."""
    return vapid.public_key_b64(vapid.load(app))


@pytest.fixture
def service(app_key):
    with PushService(application_server_key=app_key) as svc:
        yield svc


@pytest.fixture
def pusher(app):
    p = make_pusher(app)
    assert p is not None, "the test config has a VAPID key and subject: push must be on"
    yield p
    p.close()


def person(g, locale="nl", **user_values):
    """A statushouder without a PIP (so the planner only plans their appointments)."""
    c = factories.client(g, None, locale=locale)
    if user_values:
        User.update(**user_values).where(User.id == c.user_id).execute()
    return User.get_by_id(c.user_id), c


def subscribe(user, service, label=None) -> PushSubscription:
    s = service.new_subscription()
    return PushSubscription.create(user=user, endpoint=s["endpoint"], p256dh=s["keys"]["p256dh"],
                                   auth=s["keys"]["auth"], label=label)


def remind(user, kind="inactivity", subject=None, due=NOON, event_at=None, params=None) -> str:
    """Enqueue one reminder directly; returns its outbox key."""
    params = params if params is not None else {"days": 14}
    r = Reminder(kind, subject or f"{user.public_id}:{kind}:{due.isoformat()}", due, "/logboek",
                 params=params, event_at=event_at)
    outbox.enqueue([(r, user.id)])
    return r.key


def row(key) -> Outbox:
    return Outbox.get(Outbox.key == key)


# --- the push service itself ---------------------------------------------------------------------

def _job(subscription, topic=None):
    return PushJob(subscription, b'{"title": "t", "body": "b", "url": "/", "tag": "x"}', 60, "normal", topic)


def test_service_accepts_a_correct_sender_and_rejects_bad_vapid():
    good, other = Vapid02(), Vapid02()
    good.generate_keys()
    other.generate_keys()
    with PushService(application_server_key=vapid.public_key_b64(good)) as svc:
        sub = svc.new_subscription()
        p_good, p_other = Pusher(good, SUBJECT, workers=1), Pusher(other, SUBJECT, workers=1)
        try:
            assert p_good.send(_job(sub, topic="abc_DEF-123")).status == "sent"
            # Signed with another key: a valid JWT, but not by the key the subscription was made for.
            result = p_other.send(_job(sub))
            assert (result.status, result.code) == ("failed", 403)
        finally:
            p_good.close()
            p_other.close()
        assert len(svc.messages(sub)) == 1
        d = svc.messages(sub)[0]
        assert d.payload["title"] == "t" and d.topic == "abc_DEF-123" and d.claims["aud"] == svc.origin
        assert [r.reason for r in svc.rejections] == ["k is not the key this subscription was made with"]

        # Forged: the right k, a signature by another key.
        token = other.sign({"sub": SUBJECT, "aud": svc.origin, "exp": int(time.time()) + 3600})["Authorization"]
        forged = token.split(",k=")[0] + ",k=" + vapid.public_key_b64(good)
        wrong_aud = good.sign({"sub": SUBJECT, "aud": "https://fcm.googleapis.com",
                               "exp": int(time.time()) + 3600})["Authorization"]
        too_long = good.sign({"sub": SUBJECT, "aud": svc.origin, "exp": int(time.time()) + 25 * 3600})["Authorization"]
        bad_sub = good.sign({"sub": "mailto: <beheer@localhost>", "aud": svc.origin,
                             "exp": int(time.time()) + 3600})["Authorization"]
        for header in (forged, wrong_aud, too_long, bad_sub):
            response = WebPusher(sub).send(data=b'{"tag": "forged"}', headers={"Authorization": header}, ttl=60)
            assert response.status_code == 403, header
        reasons = [r.reason for r in svc.rejections[1:]]
        assert reasons[0] == "bad JWT signature"
        assert reasons[1].startswith("aud ") and "more than 24 h" in reasons[2] and reasons[3].startswith("sub ")

        # Headers: TTL must be there, Urgency from the list, aes128gcm only, Topic ≤ 32 base64url chars.
        auth = good.sign({"sub": SUBJECT, "aud": svc.origin, "exp": int(time.time()) + 3600})["Authorization"]
        for headers, ttl in (({"Urgency": "urgent"}, 60), ({"Topic": "x" * 33}, 60), ({"Topic": "a+b"}, 60)):
            response = WebPusher(sub).send(data=b"{}", headers={"Authorization": auth, **headers}, ttl=ttl)
            assert response.status_code == 400
        no_ttl = requests.post(sub["endpoint"], data=b"x", headers={"Authorization": auth,
                                                                     "Content-Encoding": "aes128gcm"})
        assert no_ttl.status_code == 400 and "TTL" in svc.rejections[-1].reason
        assert len(svc.messages()) == 1


def test_child_processes_send_and_answer_in_the_order_of_the_jobs():
    """processes=2: the jobs go in two chunks to two spawned processes; each result comes back in
    its job's place, whatever each push service answered."""
    key = Vapid02()
    key.generate_keys()
    with PushService(application_server_key=vapid.public_key_b64(key)) as svc:
        subs = [svc.new_subscription() for _ in range(7)]
        svc.forget(subs[1])                                   # 410 Gone
        svc.respond(subs[4], 500)
        broken = {"endpoint": subs[5]["endpoint"], "keys": {"p256dh": "AAAA", "auth": "AAAA"}}
        jobs = [_job(sub) for sub in subs[:5]] + [_job(broken), _job(subs[6])]
        pusher = Pusher(key, SUBJECT, workers=4, processes=2)
        try:
            results = pusher.send_many(jobs)
            again = pusher.send_many(jobs[:1])               # the same children, started once
        finally:
            pusher.close()
    assert [(r.status, r.code) for r in results] == [
        ("sent", 201), ("gone", 410), ("sent", 201), ("sent", 201), ("retry", 500), ("gone", None), ("sent", 201)]
    assert [(r.status, r.code) for r in again] == [("sent", 201)]
    delivered = {d.subscription for d in svc.messages()}
    assert delivered == {svc.sub_id(subs[i]) for i in (0, 2, 3, 6)}
    assert all(d.payload["title"] == "t" for d in svc.messages()) and len(svc.messages()) == 5


def test_a_killed_sending_process_means_retry_and_a_new_one():
    """A child killed mid-chunk: its messages come back 'retry' (sent or not is unknown), and the
    next batch goes out through new children."""
    key = Vapid02()
    key.generate_keys()
    with PushService(application_server_key=vapid.public_key_b64(key), delay=0.5) as svc:
        subs = [svc.new_subscription() for _ in range(4)]
        pusher = Pusher(key, SUBJECT, workers=2, processes=2)
        try:
            pusher.send_many([_job(subs[0])])                   # the children are up
            sending = pusher.start([_job(sub) for sub in subs])
            deadline = time.monotonic() + 5
            while len(svc.answered) < 3 and time.monotonic() < deadline:   # both chunks in flight
                time.sleep(0.01)
            senders = [pid for pid in _children(os.getpid())
                       if b"spawn_main" in open(f"/proc/{pid}/cmdline", "rb").read()]
            assert len(senders) == 2
            os.kill(senders[0], signal.SIGKILL)
            results = sending.results()
            assert "retry" in {r.status for r in results}
            assert all(r.status in ("sent", "retry") for r in results), results
            svc.delay = 0
            assert [r.status for r in pusher.send_many([_job(sub) for sub in subs])] == ["sent"] * 4
        finally:
            pusher.close()


def test_verify_vapid_checks_expiry():
    key = Vapid02()
    key.generate_keys()
    origin = "http://127.0.0.1:1"
    header = key.sign({"sub": SUBJECT, "aud": origin, "exp": int(time.time()) + 60})["Authorization"]
    assert verify_vapid(header, origin)[1]["aud"] == origin
    with pytest.raises(Rejected, match="not in the future"):
        verify_vapid(header, origin, now=time.time() + 120)


# --- dispatch ----------------------------------------------------------------------------------

def test_arabic_appointment_reminder_is_pushed_once(ctx, world, service, pusher):
    user, client = person(world.gemeente, locale="ar")
    device = subscribe(user, service)
    starts = NOON + 23 * H
    Appointment.create(client=client, kind="INTAKE_GESPREK", starts_at=starts, location="Stadhuis Nijkerk")
    planner.plan(now=NOON)
    mine = list(Outbox.select().where(Outbox.user == user.id).order_by(Outbox.due_at))
    assert [r.kind for r in mine] == ["appointment_day", "appointment_soon"]  # the day one is due now
    day = mine[0]

    counts = dispatch_once(pusher, now=NOON)

    assert counts["sent"] == 1
    [d] = service.messages()
    assert d.subscription == service.sub_id(device.endpoint)
    with force_locale("ar"):
        title, body = render("appointment_day", day.params, zone(world.gemeente))
    with force_locale("nl"):
        _, body_nl = render("appointment_day", day.params, zone(world.gemeente))
    assert (d.payload["title"], d.payload["body"]) == (title, body)
    assert body != body_nl and any("\u0600" <= ch <= "\u06ff" for ch in body), body  # Arabic date
    assert "Stadhuis Nijkerk" in body
    assert d.payload["url"] == day.url
    assert d.payload["tag"] == day.key
    assert d.size <= MAX_PAYLOAD == 3072
    assert 0 < d.ttl <= (starts - NOON).total_seconds()
    assert d.urgency == DELIVERY["appointment_day"][0]
    assert d.topic == day.topic and d.topic
    assert d.claims["aud"] == service.origin and d.claims["sub"] == SUBJECT
    assert row(day.key).status == "sent" and row(day.key).sent_at is not None
    assert row(mine[1].key).status == "pending"
    assert Message.select().where(Message.user == user.id, Message.outbox_key == day.key).count() == 1
    assert service.rejections == []


def test_vapid_header_is_signed_once_per_origin(ctx, app_key, pusher):
    """Many messages to two push services in one dispatcher run: one JWT per origin, right aud."""
    g = factories.gemeente()
    with PushService(app_key) as a, PushService(app_key) as b:
        users = [person(g)[0] for _ in range(4)]
        for u in users:
            subscribe(u, a)
            subscribe(u, b)
            for n in range(3):
                remind(u, subject=f"{u.public_id}:{n}")
        counts = dispatch_once(pusher, now=NOON)
        assert counts["sent"] == 12
        for n in range(2):  # a later batch of the same process reuses the header
            remind(users[0], subject=f"later:{n}", due=NOON + MIN)
            dispatch_once(pusher, now=NOON + 2 * MIN)
        for svc in (a, b):
            assert len(svc.messages()) == 14
            assert svc.tokens_by_origin() == {svc.origin: {svc.messages()[0].jwt}}, \
                f"{len(svc.tokens_by_origin()[svc.origin])} distinct JWTs for one origin"
            assert svc.rejections == []


def test_two_devices_then_gone(ctx, service, pusher):
    g = factories.gemeente()
    user, _ = person(g)
    phone, tablet = subscribe(user, service, "phone"), subscribe(user, service, "tablet")

    first = remind(user, subject="a")
    assert dispatch_once(pusher, now=NOON)["sent"] == 1
    assert collections.Counter(d.subscription for d in service.messages()) == {
        service.sub_id(phone.endpoint): 1, service.sub_id(tablet.endpoint): 1}
    assert {d.payload["tag"] for d in service.messages()} == {first}

    service.forget(phone.endpoint)                         # 410 Gone
    second = remind(user, subject="b")
    dispatch_once(pusher, now=NOON)
    assert row(second).status == "sent"
    assert [s.label for s in PushSubscription.select().where(PushSubscription.user == user.id)] == ["tablet"]
    assert [d.payload["tag"] for d in service.messages(tablet.endpoint)] == [first, second]

    service.respond(tablet.endpoint, 404)                  # the last device is gone too
    third = remind(user, subject="c")
    dispatch_once(pusher, now=NOON)
    assert row(third).status == "inbox"
    assert PushSubscription.select().where(PushSubscription.user == user.id).count() == 0
    fourth = remind(user, subject="d")
    dispatch_once(pusher, now=NOON)
    assert row(fourth).status == "inbox" and row(fourth).last_error == "no device"
    assert Message.select().where(Message.user == user.id).count() == 4
    assert len(service.messages()) == 3


def test_malformed_subscription_does_not_block_the_batch(ctx, service, pusher):
    """A p256dh the API's charset check lets through but that is no P-256 point: that device is
    dropped; everybody else in the batch still gets their reminder."""
    g = factories.gemeente()
    broken_user, _ = person(g)
    good_user, _ = person(g)
    for p256dh in ("AAAA", "BAAA"):  # pywebpush raises WebPushException / IndexError for these
        s = service.new_subscription()
        PushSubscription.create(user=broken_user, endpoint=s["endpoint"], p256dh=p256dh, auth=s["keys"]["auth"])
    subscribe(good_user, service)
    broken, good = remind(broken_user, subject="broken"), remind(good_user, subject="good")
    counts = dispatch_once(pusher, now=NOON)
    assert (counts["sent"], counts["inbox"]) == (1, 1)
    assert (row(good).status, row(broken).status) == ("sent", "inbox")
    assert PushSubscription.select().where(PushSubscription.user == broken_user.id).count() == 0
    assert [d.payload["tag"] for d in service.messages()] == [good]


def test_rate_limit_and_server_error_are_retried_with_backoff(ctx, service, pusher):
    g = factories.gemeente()
    user, _ = person(g)
    device = subscribe(user, service)
    key = remind(user)

    service.respond(device.endpoint, 429, times=1, retry_after=600)
    counts = dispatch_once(pusher, now=NOON)
    assert counts["later"] == 1
    r = row(key)
    assert (r.status, r.attempts) == ("pending", 1)
    assert r.next_attempt_at == NOON + outbox.backoff(1, 600) == NOON + 10 * MIN  # Retry-After wins
    assert "429" in r.last_error
    assert dispatch_once(pusher, now=NOON + 9 * MIN)["claimed"] == 0  # not yet

    service.respond(device.endpoint, 500, times=1)
    later = NOON + 10 * MIN
    dispatch_once(pusher, now=later)
    r = row(key)
    assert (r.status, r.attempts) == ("pending", 2)
    assert r.next_attempt_at == later + outbox.backoff(2) and r.next_attempt_at > later

    assert dispatch_once(pusher, now=r.next_attempt_at)["sent"] == 1
    r = row(key)
    assert (r.status, r.attempts) == ("sent", 3)
    assert [d.payload["tag"] for d in service.messages()] == [key]
    assert [status for _, status, _ in service.answered] == [429, 500, 201]
    assert Message.select().where(Message.outbox_key == key).count() == 1


def test_dispatch_all_over_many_batches_records_every_outcome(ctx, service, pusher):
    """The batches overlap (one is pushed while the next is prepared): every reminder still ends
    in exactly one outcome, in the inbox once, and on the phone at most once."""
    g = factories.gemeente()
    people = [person(g, quiet_start="00:00", quiet_end="00:00")[0] for _ in range(7)]
    devices = [subscribe(user, service) for user in people[:6]]     # the seventh has no device
    service.forget(devices[2].endpoint)
    service.respond(devices[4].endpoint, 500)
    keys = {user.id: [remind(user, subject=f"many:{user.id}:{n}") for n in range(2)] for user in people}

    totals = dispatch_all(pusher, batch=3)

    assert totals == {"claimed": 14, "sent": 8, "inbox": 4, "later": 2, "retry": 0, "failed": 0, "skipped": 0}
    status = {r.key: r.status for r in Outbox.select()}
    for n, user in enumerate(people):
        expected = {2: "inbox", 4: "pending", 6: "inbox"}.get(n, "sent")
        assert [status[k] for k in keys[user.id]] == [expected, expected], n
    sent = [k for n, user in enumerate(people) if n not in (2, 4, 6) for k in keys[user.id]]
    assert sorted(d.payload["tag"] for d in service.messages()) == sorted(sent)
    assert sorted(m.outbox_key for m in Message.select()) == sorted(k for ks in keys.values() for k in ks)
    assert PushSubscription.select().where(PushSubscription.user == people[2].id).count() == 0

    more = [remind(people[0], subject=f"limit:{n}") for n in range(5)]
    assert dispatch_all(pusher, batch=2, limit=3)["claimed"] == 4
    assert sorted(status for (status,) in Outbox.select(Outbox.status).where(Outbox.key.in_(more)).tuples()) \
        == ["pending"] + ["sent"] * 4


def test_dispatch_all_does_not_claim_its_own_batch_again(ctx, service, pusher, monkeypatch):
    """A batch pushed for longer than half the lease is recorded before the next claim: with no
    lease at all, rows still being pushed would otherwise be claimed and pushed a second time."""
    monkeypatch.setattr(outbox, "LEASE", datetime.timedelta(0))
    g = factories.gemeente()
    people = [person(g, quiet_start="00:00", quiet_end="00:00")[0] for _ in range(7)]
    for user in people:
        subscribe(user, service)
    keys = [remind(user, subject=f"lease:{user.id}") for user in people]
    assert dispatch_all(pusher, batch=2)["sent"] == 7
    assert sorted(d.payload["tag"] for d in service.messages()) == sorted(keys)


def _utc(local: datetime.datetime, tz) -> datetime.datetime:
    return local.replace(tzinfo=tz).astimezone(datetime.UTC).replace(tzinfo=None)


def test_quiet_hours_and_switched_off_kinds(ctx, service, pusher):
    g = factories.gemeente()
    tz = zone(g)
    user, _ = person(g)
    subscribe(user, service)

    # 22:30 local: a termijn milestone waits until 08:00 local, also across the clock change night.
    for day, next_day in ((datetime.datetime(2025, 3, 10), datetime.datetime(2025, 3, 11)),
                          (datetime.datetime(2025, 3, 29), datetime.datetime(2025, 3, 30))):  # DST
        due = _utc(day.replace(hour=22, minute=30), tz)
        key = remind(user, "termijn_milestone", subject=f"m:{day.date()}", due=due,
                     params={"months": 6, "last_day": "2026-01-01"})
        assert dispatch_once(pusher, now=due)["later"] == 1
        wake = _utc(next_day.replace(hour=8), tz)
        assert row(key).status == "pending" and row(key).next_attempt_at == wake
        assert dispatch_once(pusher, now=wake - MIN)["claimed"] == 0
        assert dispatch_once(pusher, now=wake)["sent"] == 1
    assert _utc(datetime.datetime(2025, 3, 30, 8), tz).hour == 6  # summer time: 08:00 CEST = 06:00 UTC
    assert len(service.messages()) == 2

    # An appointment at 07:30 local, its reminder at 05:30 local: sent in quiet hours anyway.
    starts = _utc(datetime.datetime(2025, 3, 11, 7, 30), tz)
    now = starts - 2 * H
    key = remind(user, "appointment_soon", subject="appt", due=now, event_at=starts,
                 params={"label": "TAALLES", "starts_at": starts.isoformat(), "place": None})
    assert dispatch_once(pusher, now=now)["sent"] == 1
    d = service.messages()[-1]
    assert d.payload["tag"] == key and d.urgency == "high" and d.ttl <= 2 * 3600

    # Switched off: skipped, nothing pushed, still in the inbox.
    User.update(reminder_prefs={"inactivity": False}).where(User.id == user.id).execute()
    key = remind(user, "inactivity", subject="idle")
    assert dispatch_once(pusher, now=NOON)["skipped"] == 1
    assert row(key).status == "skipped"
    assert Message.select().where(Message.outbox_key == key).count() == 1
    assert len(service.messages()) == 3


def test_without_pusher_the_inbox_still_gets_it(ctx, service):
    g = factories.gemeente()
    user, _ = person(g)
    subscribe(user, service)
    key = remind(user)
    counts = dispatch_once(None, now=NOON)
    assert counts["inbox"] == 1
    assert (row(key).status, row(key).last_error) == ("inbox", "push not configured")
    assert Message.get(Message.outbox_key == key).user_id == user.id
    assert service.answered == []


def test_outbox_key_is_unique(ctx, world):
    user, client = person(world.gemeente)
    Appointment.create(client=client, kind="TAALLES", starts_at=NOON + 23 * H)
    planner.plan(now=NOON)
    planned = Outbox.select().count()
    planner.plan(now=NOON)
    assert Outbox.select().count() == planned
    keys = [remind(user, subject="twice"), remind(user, subject="twice")]
    assert keys[0] == keys[1]
    assert Outbox.select().where(Outbox.key == keys[0]).count() == 1
    assert Outbox.select().count() == planned + 1


def test_vapid_keys_command_creates_once(sqlite_only_app, tmp_path, monkeypatch):
    app = sqlite_only_app
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
    # create_app always uses <root>/instance; point this app's instance path at a temp dir.
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    runner = app.test_cli_runner()
    # A key given in the configuration is kept: nothing is written.
    refused = runner.invoke(args=["vapid-keys"])
    assert refused.exit_code != 0 and "is kept" in refused.output
    assert not vapid.key_path(tmp_path).exists()
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", None)
    first = runner.invoke(args=["vapid-keys"])
    assert first.exit_code == 0, first.output
    path = vapid.key_path(tmp_path)
    content = path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600
    assert vapid.public_key_b64(Vapid02.from_file(str(path))) in first.output
    second = runner.invoke(args=["vapid-keys"])
    assert second.exit_code != 0 and "already exists" in second.output
    assert path.read_bytes() == content

    other = tmp_path / "direct"
    written, public = vapid.generate(other)
    with pytest.raises(vapid.VapidError):
        vapid.generate(other)
    assert public == vapid.public_key_b64(Vapid02.from_file(str(written)))


# --- a dispatcher killed mid-batch -------------------------------------------------------------

def _children(pid: int) -> set[int]:
    """The pids whose parent is `pid` (from /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


@pytest.mark.parametrize("processes", [0, 2])
def test_killed_dispatcher_loses_nothing(app, app_key, tmp_path, capsys, processes):
    """SIGKILL a `flask dispatch --loop` while a batch is in flight; a later run (past the lease)
    sends what it had claimed. Every key arrives; the inbox has each once; duplicates at the
    transport level only for rows the dead process had claimed (same tag and Topic → replaced).
    With sending processes, they die with the dispatcher instead of sending on."""
    with PushService(app_key, delay=0.03) as svc:
        with app.app_context(), db.connection_context():
            g = factories.gemeente()
            due = utcnow() - MIN
            for n in range(30):
                user, _ = person(g, quiet_start="00:00", quiet_end="00:00")  # no quiet hours
                subscribe(user, svc)
                for m in range(2):
                    remind(user, subject=f"crash:{n}:{m}", due=due)
            keys = {r.key for r in Outbox.select(Outbox.key)}
        assert len(keys) == 60
        if not db.is_closed():
            db.close()

        env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"],
               "VAPID_SUBJECT": app.config["VAPID_SUBJECT"], "PUSH_ALLOW_LOCAL_HTTP": "1",
               "SECRET_KEY": "crash-test", "PYTHONUNBUFFERED": "1"}
        out = open(tmp_path / "dispatch.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "dispatch", "--loop",
                                 "--batch", "10", "--workers", "2", "--processes", str(processes)],
                                cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 20
            # Halfway through the second batch (about 0.25 s after the first delivery).
            while len(svc.answered) < 15 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            assert proc.poll() is None, (tmp_path / "dispatch.log").read_text()
            assert len(svc.answered) >= 15, "dispatcher sent nothing in 20 s"
            children = _children(proc.pid)   # the sending processes (and spawn's resource tracker)
            senders = [pid for pid in children if b"spawn_main" in open(f"/proc/{pid}/cmdline", "rb").read()]
            assert len(senders) == processes, children
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            at_kill_received = len(svc.received)
            deadline = time.monotonic() + 5
            while any(os.path.exists(f"/proc/{pid}") and "(Z)" not in open(f"/proc/{pid}/stat").read()
                      for pid in children if os.path.exists(f"/proc/{pid}")):
                assert time.monotonic() < deadline, "a sending process outlived the dispatcher"
                time.sleep(0.02)
            time.sleep(0.2)
            assert len(svc.received) == at_kill_received, "something was sent after the dispatcher died"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            out.close()
        delivered_before_kill = len(svc.received)

        with app.app_context(), db.connection_context():
            at_kill = collections.Counter(r.status for r in Outbox.select(Outbox.status))
            sending = {r.key for r in Outbox.select(Outbox.key).where(Outbox.status == "sending")}
            assert sending, f"the kill did not land mid-batch: {dict(at_kill)}, {len(svc.answered)} answered"

            # The second dispatcher, with its clock past the lease: it claims the stuck rows. On
            # PostgreSQL the dead client's backend may hold row locks (SKIP LOCKED) for a moment
            # after the kill, so keep going, as a dispatcher on a clock would, until nothing is left.
            resend = make_pusher(app, workers=2)
            runs = []
            try:
                later = utcnow() + outbox.LEASE + MIN
                deadline = time.monotonic() + 10
                while Outbox.select().where(Outbox.status.in_(("pending", "sending"))).exists():
                    assert time.monotonic() < deadline, f"rows stuck after {runs}"
                    runs.append(dispatch_once(resend, now=later, batch=10)["claimed"])
                    if runs[-1] == 0:
                        time.sleep(0.05)
            finally:
                resend.close()
            after = collections.Counter(r.status for r in Outbox.select(Outbox.status))
            inbox = collections.Counter(m.outbox_key for m in Message.select(Message.outbox_key))

        assert after == {"sent": 60}, after
        assert set(inbox) == keys and set(inbox.values()) == {1}
        tags = collections.Counter(d.payload["tag"] for d in svc.messages())
        assert set(tags) == keys, keys - set(tags)
        duplicates = {k: n for k, n in tags.items() if n > 1}
        assert set(duplicates) <= sending, "only rows the dead process had claimed may arrive twice"
        assert all(n == 2 for n in duplicates.values())
        # A resend reaches the same phone with the same tag and Topic, so it replaces the first.
        per_tag = collections.defaultdict(set)
        for d in svc.messages():
            per_tag[d.payload["tag"]].add((d.subscription, d.topic))
        assert all(len(v) == 1 for v in per_tag.values())
        assert svc.rejections == []
        with capsys.disabled():
            print(f"\n[crash {app.config['DATABASE_URL'].split(':')[0]}, processes {processes}] status at kill {dict(at_kill)}, "
                  f"delivered before kill {delivered_before_kill}, 'sending' at kill {len(sending)}, "
                  f"transport duplicates {len(duplicates)}, deliveries {sum(tags.values())} for 60 keys, "
                  f"second run claimed {runs}")
