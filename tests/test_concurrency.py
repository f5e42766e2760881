"""Races through a real threaded WSGI server on 127.0.0.1, one `requests` session per actor, as in
production: every request runs in its own server thread with its own database connection (SQLite:
one per thread; PostgreSQL: one from the pool per thread), so the database decides the races.

(a) one offline entry replayed 10 times at the same moment → exactly one row;
(b) two contactpersonen confirming and rejecting the same entry at the same moment → one outcome,
    one audit row each (the winner's decision, the loser's refused attempt);
(c) one form without its one-time key sent from 10 tabs at the same moment → one row.
"""
import datetime
import logging
import re
import threading
import uuid

import pytest
import requests
from werkzeug.serving import make_server

from tests import factories
from tests.factories import PASSWORD
from tests.helpers import q
from tracker.extensions import db
from tracker.models import Appointment, AuditLog, Entry

REPLAYS = 10
ROUNDS = 5
TIMEOUT = 30
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def server(app):
    """The app on a threaded werkzeug server on a free port; yields its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


class Actor:
    """One browser or phone: a requests session logged in through the real login form."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.http = requests.Session()
        page = self.http.get(f"{base}/login", timeout=TIMEOUT)
        token = CSRF_RE.search(page.text).group(1)
        response = self.http.post(f"{base}/login", data={"username": username, "password": PASSWORD,
                                                        "csrf_token": token},
                                  allow_redirects=False, timeout=TIMEOUT)
        assert response.status_code == 302, response.text[:300]
        self.token = self.http.get(f"{base}/api/v1/csrf-token", timeout=TIMEOUT).json()["csrf_token"]

    def post(self, path: str, body: dict) -> requests.Response:
        return self.http.post(f"{self.base}{path}", json=body, headers={"X-CSRFToken": self.token}, timeout=TIMEOUT)


def at_once(calls):
    """Run the calls in threads released together by a barrier; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in a thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return results


# --- (a) an offline entry replayed 10 times at the same moment ----------------------------------

def test_concurrent_replays_of_one_offline_entry_create_one_row(app, world, server):
    phones = [Actor(server, "sh-a") for _ in range(REPLAYS)]
    body = {"client_uuid": str(uuid.uuid4()), "category": "TAALLES", "hours": 1.5,
            "date": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),
            "place": "Taalhuis", "note": "Les 4 – مرحبا 🙂"}
    before = q(lambda: Entry.select().count())

    responses = at_once([lambda phone=phone: phone.post("/api/v1/me/entries", body) for phone in phones])

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 201}, [(r.status_code, r.text[:200]) for r in responses]
    assert statuses.count(201) == 1, statuses
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1, ids
    rows = q(lambda: list(Entry.select().where(Entry.client_uuid == body["client_uuid"])))
    assert len(rows) == 1
    assert str(rows[0].public_id) == ids.pop() and rows[0].client_id == world.client.id
    assert rows[0].note == body["note"] and rows[0].hours == 1.5
    assert q(lambda: Entry.select().count()) == before + 1
    submitted = q(lambda: list(AuditLog.select().where(AuditLog.action == "entry.submitted",
                                                       AuditLog.object_id == str(rows[0].public_id))))
    assert len(submitted) == 1


# --- (b) confirm and reject of the same entry at the same moment ---------------------------------

def _race(world, server, confirmer: str, rejecter: str):
    """One pending entry; `confirmer` confirms and `rejecter` rejects it at the same moment."""
    entry = q(lambda: factories.entry(world.client, days_ago=2))
    people = {"cp-a": world.cp, "cp2-a": world.cp2}
    confirm, reject = Actor(server, confirmer), Actor(server, rejecter)
    reason = "Datum klopt niet"
    by_confirm, by_reject = at_once([
        lambda: confirm.post(f"/api/v1/entries/{entry.public_id}/confirm", {}),
        lambda: reject.post(f"/api/v1/entries/{entry.public_id}/reject", {"reason": reason}),
    ])
    return entry, people, reason, by_confirm, by_reject


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_confirm_and_reject_at_once_leave_one_consistent_outcome(app, world, server, round_):
    # Alternate who confirms, so both contactpersonen win and lose both roles over the rounds.
    confirmer, rejecter = ("cp-a", "cp2-a") if round_ % 2 == 0 else ("cp2-a", "cp-a")
    entry, people, reason, by_confirm, by_reject = _race(world, server, confirmer, rejecter)

    statuses = sorted([by_confirm.status_code, by_reject.status_code])
    assert statuses == [200, 409], (by_confirm.status_code, by_confirm.text[:200],
                                    by_reject.status_code, by_reject.text[:200])
    confirmed_won = by_confirm.status_code == 200
    winner, loser = (confirmer, rejecter) if confirmed_won else (rejecter, confirmer)
    lost = by_reject if confirmed_won else by_confirm
    assert lost.json()["fields"]["status"]["code"] in ("changed_meanwhile", "not_allowed")

    saved = q(lambda: Entry.get_by_id(entry.id))
    assert saved.status == ("CONFIRMED" if confirmed_won else "REJECTED")
    assert saved.decided_by_id == people[winner].id and saved.decided_at is not None
    assert saved.rejection_reason == (None if confirmed_won else reason)
    won = (by_confirm if confirmed_won else by_reject).json()
    assert won["status"] == saved.status and won["rejection_reason"] == saved.rejection_reason

    decisions = q(lambda: list(AuditLog.select().where(
        AuditLog.object_id == str(entry.public_id), AuditLog.action.in_(("entry.confirmed", "entry.rejected")))))
    assert [(d.action, d.actor_id) for d in decisions] == [
        ("entry.confirmed" if confirmed_won else "entry.rejected", people[winner].id)]
    assert decisions[0].before["status"] == "SUBMITTED" and decisions[0].after["status"] == saved.status
    # One audit row each: the loser's refused attempt is audited too, with what was tried and why not.
    refused = q(lambda: list(AuditLog.select().where(AuditLog.object_id == str(entry.public_id),
                                                     AuditLog.actor == people[loser].id)))
    assert [r.action for r in refused] == ["entry.decision_refused"]
    assert refused[0].after["attempted"] == ("reject" if confirmed_won else "confirm")
    assert refused[0].after["reason"] == lost.json()["fields"]["status"]["code"]
    assert refused[0].after["status"] == saved.status
    everyone = q(lambda: sorted((r.action, r.actor_id) for r in AuditLog.select().where(
        AuditLog.object_id == str(entry.public_id), AuditLog.action != "entry.submitted")))
    assert len(everyone) == 2, everyone


# --- (c) one form without its key sent from several tabs at the same moment ----------------------

def test_concurrent_keyless_forms_save_one_appointment(app, world, server):
    tabs = [Actor(server, "cp-a") for _ in range(REPLAYS)]
    path = f"/staff/clients/{world.client.public_id}/appointments"
    form = {"kind": "VOORTGANGSGESPREK", "location": "Gemeentehuis",
            "starts_at": (datetime.date.today() + datetime.timedelta(days=3)).isoformat() + "T10:00"}

    responses = at_once([lambda tab=tab: tab.http.post(f"{server}{path}", data=dict(form, csrf_token=tab.token),
                                                       allow_redirects=False, timeout=TIMEOUT) for tab in tabs])

    assert [r.status_code for r in responses] == [302] * REPLAYS, [(r.status_code, r.text[:200]) for r in responses]
    assert q(lambda: Appointment.select().where(Appointment.client == world.client.id).count()) == 1


def test_two_bulk_confirmations_of_one_client_never_deadlock(app, world):
    """Two contactpersonen confirm different entries of one client at once, in crossing category
    order (the totals the database keeps per category are then updated in opposite orders): both
    succeed, every entry ends confirmed. On PostgreSQL this is a lock-order deadlock unless the
    transaction is retried."""
    from tracker import entries as entry_store
    from tracker.models import Client

    def make():
        Entry.delete().where(Entry.client == world.client.id).execute()
        batches = ([], [])
        for _round in range(ROUNDS * 2):
            # The first actor's entries: TAALLES rows first (lower ids), then KNM_LES; the second's the other way.
            batches[0].append([factories.entry(world.client, category=c, days_ago=2)
                               for c in ["TAALLES"] * 10 + ["KNM_LES"] * 10])
            batches[1].append([factories.entry(world.client, category=c, days_ago=3)
                               for c in ["KNM_LES"] * 10 + ["TAALLES"] * 10])
        return batches
    with db.connection_context():
        batches = make()
    errors, barrier = [], threading.Barrier(2)

    def confirm(mine, actor):
        try:
            with db.connection_context():
                for pair in mine:
                    for entry in pair:
                        entry.client = Client.get_by_id(entry.client_id)
                    barrier.wait(timeout=TIMEOUT)
                    assert entry_store.confirm_many(pair, actor) == (20, 0)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
            barrier.abort()

    threads = [threading.Thread(target=confirm, args=(batches[i], actor)) for i, actor in enumerate((world.cp, world.cp2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with db.connection_context():
        assert Entry.select().where(Entry.client == world.client.id, Entry.status != "CONFIRMED").count() == 0
