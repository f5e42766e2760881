"""Pages run a fixed number of queries whatever the number of clients and rows (no N+1)."""
import datetime
import logging
import os
import re
import uuid
from decimal import Decimal

import pytest

from tests import factories
from tests.helpers import login
from tracker.extensions import db
from tracker.models import Appointment, Entry, ExamAttempt, ExamPart, GroupSession, Step, Verlenging, utcnow

TARGET = 8  # the aim per page; pages above it are reported, not failed (see the printed table)


class Statements(logging.Handler):
    """The SQL text of each statement, to say which queries a page runs."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.sql = []

    def emit(self, record):
        if record.name != "peewee":   # "peewee.pool" logs connection returns, not statements
            return
        msg = record.msg
        sql = str(msg[0] if isinstance(msg, tuple) else msg)
        self.sql.append(re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql, count=1, flags=re.S)[:200])


def _fill(client, gemeente, cp, n_entries: int, n_appointments: int, exam: bool, seed: int):
    """Rows of every kind a page lists for one client."""
    today = factories.today()
    statuses = ("SUBMITTED", "CONFIRMED", "REJECTED", "WITHDRAWN")
    categories = ("TAALLES", "KNM_LES", "PARTICIPATIE_VRIJWILLIGERSWERK", "MAP_PRAKTIJK", "PVT_SESSIE")
    for i in range(n_entries):
        Entry.create(client_uuid=uuid.uuid4(), client=client, category=categories[i % len(categories)],
                     entry_date=today - datetime.timedelta(days=1 + (i + seed) % 60), hours=Decimal("1.5"),
                     status=statuses[i % len(statuses)], place=f"Plek {i}", created_by=client.user_id,
                     rejection_reason="Niet duidelijk" if statuses[i % len(statuses)] == "REJECTED" else None)
    now = utcnow()
    for i in range(n_appointments):
        # Alternately coming and past, the first one coming.
        days = (i % 5) + 1 if i % 2 == 0 else -((i % 5) + 1)
        Appointment.create(client=client, kind="VOORTGANGSGESPREK", location=f"Kamer {i}", created_by=cp,
                           starts_at=now + datetime.timedelta(days=days, hours=i))
    if exam:
        for code in ("LE", "LU", "SC", "SP", "KNM")[: 3 + seed % 3]:
            part, _ = ExamPart.get_or_create(client=client, code=code, defaults={"niveau": "B1"})
            ExamAttempt.create(part=part, exam_date=today - datetime.timedelta(days=40), niveau="B1", result="GEZAKT")
            ExamAttempt.create(part=part, exam_date=today - datetime.timedelta(days=5), niveau="B1")
    for code in ("KENNISMAKING", "PIP"):
        Step.get_or_create(client=client, code=code,
                           defaults={"status": "DONE", "date": today - datetime.timedelta(days=300)})
    Verlenging.create(client=client, einddatum=today + datetime.timedelta(days=2000), grond="Ziekte",
                      decided_on=today - datetime.timedelta(days=10))


def _sessions(gemeente, n: int):
    now = utcnow()
    for i in range(n):
        GroupSession.create(gemeente=gemeente, category="KNM_LES", title=f"KNM {i}",
                            starts_at=now - datetime.timedelta(days=i, hours=3),
                            ends_at=now - datetime.timedelta(days=i, hours=1))


def _grow(world, clients: int):
    """Many more clients of the same contactpersoon, and many more rows for the measured client."""
    with db.connection_context():
        _fill(world.client, world.gemeente, world.cp, n_entries=60, n_appointments=12, exam=True, seed=2)
        _sessions(world.gemeente, 8)
        for i in range(clients):
            other = factories.client(world.gemeente, world.cp if i % 3 else world.cp2, f"extra-{i}",
                                     name=f"Client {i:02d}", coupled_days_ago=200 + i)
            if i % 4:
                factories.pip(other, days_ago=150 + i, leerroute="BZO"[i % 3], niveau="B1" if i % 3 == 0 else None)
            _fill(other, world.gemeente, world.cp, n_entries=6, n_appointments=2, exam=i % 2 == 0, seed=i)


def _measure(pages, count_queries, statements) -> dict:
    counts = {}
    for label, (http, path) in pages.items():
        http.get(path)  # warm up (template compilation, lazy imports)
        count_queries.count = 0
        statements.sql.clear()
        response = http.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:1000])
        counts[label] = (count_queries.count, list(statements.sql), response.get_data(as_text=True))
    return counts


def test_pages_run_a_constant_number_of_queries(app, world, count_queries):
    with db.connection_context():
        # A small start: the measured client has a few rows of each kind (one of every status).
        _fill(world.client, world.gemeente, world.cp, n_entries=4, n_appointments=2, exam=True, seed=0)
        _sessions(world.gemeente, 1)
    sh = login(app, "sh-a")
    cp = login(app, "cp-a")
    pages = {
        "statushouder Home": (sh, "/me"),
        "statushouder Logbook": (sh, "/me/logbook"),
        "statushouder Exam": (sh, "/me/exam"),
        "contactpersoon caseload": (cp, "/staff/clients"),
        "contactpersoon caseload (all)": (cp, "/staff/clients?scope=all"),
        "contactpersoon client detail": (cp, f"/staff/clients/{world.client.public_id}"),
        "contactpersoon inbox": (cp, "/staff/inbox"),
        "contactpersoon inbox (all)": (cp, "/staff/inbox?scope=all"),
    }
    statements = Statements()
    logger = logging.getLogger("peewee")
    logger.addHandler(statements)
    try:
        small = _measure(pages, count_queries, statements)
        _grow(world, clients=30)
        large = _measure(pages, count_queries, statements)
    finally:
        logger.removeHandler(statements)

    print(f"\n[{app.extensions['database'].__class__.__name__}] SQL statements per page "
          "(few rows → 30 more clients and ~300 more rows; count_queries in brackets):")
    for label in pages:
        sql = len(large[label][1])
        flag = "" if sql <= TARGET else f"  (above target {TARGET})"
        print(f"  {label:32} {len(small[label][1]):3} → {sql:3}   [{small[label][0]} → {large[label][0]}]{flag}")
    # The growth reached the pages (otherwise equal counts would prove nothing).
    shown = {label: large[label][2] for label in pages}
    assert "Client 29" in shown["contactpersoon caseload (all)"] and "Client 29" not in small["contactpersoon caseload (all)"][2]
    assert "Client 01" in shown["contactpersoon caseload"] and "Client 00" not in shown["contactpersoon caseload"]
    assert "Client 28" in shown["contactpersoon inbox (all)"]
    # The logbook shows 25 a page: growth shows as a link to older entries.
    assert "page=2" in shown["statushouder Logbook"] and "page=2" not in small["statushouder Logbook"][2]
    assert "Plek 56" in shown["contactpersoon client detail"]
    assert "Kamer 10" in shown["contactpersoon client detail"]
    if os.environ.get("SHOW_QUERIES"):   # SHOW_QUERIES=1 pytest -s … prints each page's statements
        for label in pages:
            print(f"--- {label}\n    " + "\n    ".join(large[label][1]))
    grown = {label: (small[label], large[label]) for label in pages
             if large[label][0] != small[label][0] or len(large[label][1]) != len(small[label][1])}
    assert not grown, "\n\n".join(
        f"{label}: {before[0]} → {after[0]} queries\n  before:\n    " + "\n    ".join(before[1])
        + "\n  after:\n    " + "\n    ".join(after[1])
        for label, (before, after) in grown.items())
    # And no page creeps up: at most TARGET.
    over = {label: len(large[label][1]) for label in pages if len(large[label][1]) > TARGET}
    assert not over, over
    # The counter must be measuring something: every page reads at least the user and its data.
    assert all(v[0] >= 2 for v in small.values()), {k: v[0] for k, v in small.items()}


def test_counter_sees_an_n_plus_one(app, world, count_queries):
    """Guard for the guard: a loop of per-row queries does make the count grow."""
    with db.connection_context():
        for i in range(5):
            factories.entry(world.client, days_ago=i + 1)
        for n in (1, 5):
            count_queries.count = 0
            for entry in Entry.select().limit(n):
                entry.client.user  # two lazy loads per row
            assert count_queries.count >= 1 + n
