"""Planning fills the outbox idempotently; only one scheduler may run at a time."""
import datetime

import pytest

from tracker.extensions import db
from tracker.models import Appointment, Outbox, utcnow
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
