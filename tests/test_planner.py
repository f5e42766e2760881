"""Planning fills the outbox idempotently; only one scheduler may run at a time."""
import dataclasses
import datetime
import json
from zoneinfo import ZoneInfo

import pytest

from tracker.domain.rules import Rules
from tracker.extensions import db
from tracker.facts import load_facts
from peewee import fn

from tracker.models import Appointment, Client, Outbox, utcnow
from tracker.notify import planner
from tracker.notify.scheduler import AlreadyRunning, acquire_lock
from tests import factories


def test_planning_twice_writes_each_reminder_once(app, world):
    now = utcnow().replace(second=0, microsecond=0)
    with app.app_context(), db.connection_context():
        Appointment.create(client=world.client, kind="VOORTGANGSGESPREK", location="Gemeentehuis",
                           starts_at=now + datetime.timedelta(hours=23))
        first = planner.plan(now)
        second = planner.plan(now + datetime.timedelta(minutes=10))
        rows = list(Outbox.select().where(Outbox.kind.startswith("appointment")))
    assert first["clients"] == 2 and second["clients"] == 2
    # 23 h ahead: the "1 day" reminder is due in the grace window, the "2 hours" one within the horizon.
    assert sorted(r.kind for r in rows) == ["appointment_day", "appointment_soon"]
    assert all(r.user_id == world.client.user_id for r in rows)
    day = next(r for r in rows if r.kind == "appointment_day")
    assert day.params["place"] == "Gemeentehuis" and day.url == "/me/appointments"


def test_other_gemeente_sessions_are_not_planned_for_this_client(app, world):
    now = utcnow().replace(second=0, microsecond=0)
    from tracker.models import GroupSession
    with app.app_context(), db.connection_context():
        GroupSession.create(gemeente=world.other_gemeente, category="KNM_LES", title="KNM B",
                            starts_at=now + datetime.timedelta(hours=20), ends_at=now + datetime.timedelta(hours=22))
        planner.plan(now)
        users = {r.user_id for r in Outbox.select().where(Outbox.kind.startswith("session"))}
    assert users == {world.other_client.user_id}


def test_two_processes_plan_what_one_plans(app, world):
    # On PostgreSQL the second process plans one of the two gemeenten; SQLite always plans in one.
    local = datetime.datetime.combine(datetime.date.today(), datetime.time(9, 30), ZoneInfo("Europe/Amsterdam"))
    now = local.astimezone(datetime.UTC).replace(tzinfo=None)   # digest time: risks and digests too
    with app.app_context(), db.connection_context():
        for g, cp, c in ((world.gemeente, world.cp, world.client),
                         (world.other_gemeente, world.other_cp, world.other_client)):
            Appointment.create(client=c, kind="VOORTGANGSGESPREK", location="Gemeentehuis",
                               starts_at=now + datetime.timedelta(hours=23))
            factories.pip(factories.client(g, cp), days_ago=100)
        runs = []
        for parallel in (True, False):
            Outbox.delete().execute()
            Client.update(risk_seen=[]).execute()
            totals = planner.plan(now, parallel=parallel)
            rows = sorted((r.key, r.user_id, r.kind, str(r.due_at), json.dumps(r.params, sort_keys=True))
                          for r in Outbox.select())
            runs.append((totals, rows, sorted((c.id, c.risk_seen) for c in Client.select())))
    assert runs[0] == runs[1]
    totals, rows, risks = runs[0]
    users = {user for _, user, kind, _, _ in rows if kind.startswith("appointment")}
    assert users == {world.client.user_id, world.other_client.user_id}
    digests = {user: json.loads(params) for _, user, kind, _, params in rows if kind == "digest"}
    # Every client has a risk reason the (emptied) last digest did not have, and each process counted its own.
    assert {digests[world.cp.id]["new_risks"], digests[world.other_cp.id]["new_risks"]} == {2}
    assert {digests[world.cp.id]["pending"], digests[world.other_cp.id]["pending"]} == {1}   # world's entries
    assert totals["clients"] == 4 and all(seen for _, seen in risks)


def test_facts_without_rules_leave_only_the_pace_out(app, world):
    with app.app_context(), db.connection_context():
        factories.entry(world.client, status="CONFIRMED", hours="3", days_ago=5)
        clients = list(Client.select())
        today = factories.today()
        full, light = load_facts(clients, today, Rules()), load_facts(clients, today, None)
    assert full[world.client.id].recent_confirmed_hours and full[world.client.id].confirmed_hours
    assert light == {cid: dataclasses.replace(f, recent_confirmed_hours={}) for cid, f in full.items()}


def test_a_second_scheduler_does_not_start(tmp_path):
    lock = acquire_lock(tmp_path / "scheduler.lock")
    try:
        with pytest.raises(AlreadyRunning):
            acquire_lock(tmp_path / "scheduler.lock")
    finally:
        lock.close()
    acquire_lock(tmp_path / "scheduler.lock").close()  # free again once the first one stopped


def test_the_scheduler_plans_dispatches_forgets_form_keys_and_applies_retention(app):
    from tracker.notify.scheduler import build
    jobs = {job.id: job for job in build(app, dispatching=True, pusher=None).get_jobs()}
    assert set(jobs) == {"plan", "dispatch", "form_keys", "retention"}
    assert str(jobs["retention"].trigger).startswith("cron[") and "hour='3'" in str(jobs["retention"].trigger)
    # Only planning when separate dispatch processes send (SCHEDULER_DISPATCH=0).
    assert {job.id for job in build(app, dispatching=False, pusher=None).get_jobs()} == {"plan", "form_keys",
                                                                                          "retention"}


def test_everyone_a_group_session_concerns_gets_the_reminder(app, world):
    """A KNM lesson of the gemeente: each of its statushouders with a PIP gets their own reminder
    (the session alone as the outbox key let only the first one through); a lesson's one reminder
    is an hour before it (domain §7)."""
    now = utcnow().replace(second=0, microsecond=0)
    from tracker.models import GroupSession
    with app.app_context(), db.connection_context():
        people = [world.client] + [factories.client(world.gemeente, world.cp, f"sh-knm{i}", name=f"Knm {i}")
                                   for i in range(3)]
        for person in people[1:]:
            factories.pip(person)
        if not world.client.pip_versions.count():
            factories.pip(world.client)
        GroupSession.create(gemeente=world.gemeente, category="KNM_LES", title="KNM A",
                            starts_at=now + datetime.timedelta(hours=23), ends_at=now + datetime.timedelta(hours=25))
        planner.plan(now)
        planner.plan(now + datetime.timedelta(minutes=10))
        rows = list(Outbox.select().where(Outbox.kind == "session_soon"))
        assert not Outbox.select().where(Outbox.kind == "session_day").exists()
    assert sorted(r.user_id for r in rows) == sorted(p.user_id for p in people)
    assert {r.due_at for r in rows} == {now + datetime.timedelta(hours=22)}
    assert len({r.topic for r in rows}) == len(people)


def test_offering_known_reminders_again_uses_up_no_ids(app, world):
    """Every run offers every reminder due around now again; the ones already in the outbox must not
    draw a new id each time (PostgreSQL draws one per attempted row, conflict or not)."""
    now = utcnow().replace(second=0, microsecond=0)
    with app.app_context(), db.connection_context():
        Appointment.create(client=world.client, kind="VOORTGANGSGESPREK", location="Gemeentehuis",
                           starts_at=now + datetime.timedelta(hours=23))
        planner.plan(now)
        last = Outbox.select(fn.MAX(Outbox.id)).scalar()
        for minutes in range(10, 60, 10):   # five more runs offer the same reminders again
            planner.plan(now + datetime.timedelta(minutes=minutes))
        Appointment.create(client=world.client, kind="KENNISMAKING", location="Thuis",
                           starts_at=now + datetime.timedelta(hours=24))
        planner.plan(now + datetime.timedelta(minutes=60))
        new = sorted(row.id for row in Outbox.select(Outbox.id).where(Outbox.id > last))
    assert new and new == list(range(last + 1, last + 1 + len(new)))


def test_finished_reminders_are_forgotten_after_thirty_days(app, world):
    from tracker.notify import outbox
    now = utcnow().replace(second=0, microsecond=0)
    with app.app_context(), db.connection_context():
        def row(key, status, days_ago):
            due = now - datetime.timedelta(days=days_ago)
            Outbox.create(key=key, user=world.client.user_id, kind="inactivity", params={}, url="/me", due_at=due,
                          next_attempt_at=due, status=status)
        row("old-sent", "sent", 31)
        row("old-failed", "failed", 40)
        row("old-pending", "pending", 31)      # never delivered yet: kept whatever its age
        row("recent-sent", "sent", 29)
        assert outbox.forget(now) == 2
        assert sorted(r.key for r in Outbox.select()) == ["old-pending", "recent-sent"]


def test_an_anonymised_or_inactive_person_gets_no_reminders(app, world):
    from tracker.models import User
    now = utcnow().replace(second=0, microsecond=0)
    with app.app_context(), db.connection_context():
        Appointment.create(client=world.client, kind="VOORTGANGSGESPREK", location="Gemeentehuis",
                           starts_at=now + datetime.timedelta(hours=23))
        User.update(active=False).where(User.id == world.client.user_id).execute()
        counts = planner.plan(now)
        assert not Outbox.select().where(Outbox.user == world.client.user_id).exists()
        assert counts["clients"] == 1          # the other gemeente's client only
        User.update(active=True).where(User.id == world.client.user_id).execute()
        planner.plan(now)
        assert Outbox.select().where(Outbox.user == world.client.user_id).exists()
