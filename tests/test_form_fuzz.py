"""Every HTML form, fuzzed: empty, negative, huge, far-future, wrong-type, Arabic, emoji, 10 kB and
control-character input in each field, and a double submit of each form.

FORMS below is the table of every POST route outside /api/ with its fields and what each field
accepts. test_every_form_route_is_in_the_table fails when a new form route is added without a row
here, and test_the_table_knows_every_field_on_the_pages fails when a page shows a form field the
table does not know, so a new form or field gets fuzzed too.

Every field gets every value (the other fields valid), and:
- nothing answers 5xx;
- a value the field does not accept gets a 400 with the message next to the field (class
  field-error), or in an alert (utrecht-alert--error) for forms that show one message, or a redirect
  to a page that flashes an error; no row is written and no row that existed changed (a snapshot of
  every table before and after);
- a value the field accepts is saved; free text (Arabic, emoji, …) is stored exactly, minus control
  characters; a new password is stored as a hash of exactly what was typed.
To keep this fast, the fields that accept a value get it together in one POST, and the fields that
refuse it get it together when the form reports every field; whenever that POST shows a problem,
each field is tried alone, so a failure always names the field. After each POST every table is put
back as it was, so the tries do not depend on each other. SQLite gets every value; PostgreSQL the
values whose handling differs between the two (POSTGRES_VALUES).

The double-submit tests POST the same valid form twice with the same CSRF token and without the
form_key a rendered form carries (a script, an old cached page); FORMS[...].double says what the
second submit does. A logged-in user's second identical submit is answered "This was already saved."
in their language, except for the forms that always run (ALWAYS_RUN in tracker/web/formkeys.py).
"""
import datetime
import html
import io
import re
import sqlite3
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Callable
from urllib.parse import urlparse

import pyotp
import pytest
from peewee import SqliteDatabase, sort_models

from tests import factories
from tests.conftest import csrf_of
from tests.factories import PASSWORD
from tracker import models, security
from tracker.extensions import db
from tracker.models import (ActivationCode, Appointment, AuditLog, Entry, ExamAttempt, ExamPart, FormKey, GroupSession,
                            Message, PipVersion, PushSubscription, User, utcnow)


@pytest.fixture(autouse=True)
def _sqlite_keeper(request):
    """On SQLite, keep one extra connection open while a test runs. The app opens and closes a
    connection per request, and closing the last one checkpoints the WAL with fsyncs (~10 ms on this
    disk); with another connection open it does not. Same SQL, same app: only the disk waits go."""
    name = next((n for n in ("app", "sqlite_only_app") if n in request.fixturenames), None)
    database = request.getfixturevalue(name).extensions["database"] if name else None
    keeper = sqlite3.connect(database.database) if isinstance(database, SqliteDatabase) else None
    if keeper:
        keeper.execute("SELECT 1").fetchall()
    yield
    if keeper:
        keeper.close()


# --- the values ----------------------------------------------------------------------------------

VALUES = {
    "empty": "",
    "negative": "-5",
    "huge": "99999999999999",
    "future": "2999-01-01",
    "wrong_type": "abc",
    "bad_date": "2026-13-45",
    "arabic": "مرحبا بالعالم",
    "emoji": "🙂👍🏽",
    "10kB": "x" * 10240,
    "control": "a\x00b\x07c\x1b",
    # Not on the list of the issue, but a real trap: "²".isdigit() is True and int("²") raises.
    "superscript": "²",
}
ALL = frozenset(VALUES)


def without_control(value: str) -> str:
    """What free text is stored as: control characters (except newline and tab) removed, trimmed."""
    return "".join(ch for ch in value if ch in "\n\t" or ch.isprintable()).strip()


@dataclass(frozen=True)
class Field:
    """What one field accepts. Values not in `ok` must be refused with a message."""

    ok: frozenset
    error: str | tuple | None = None  # id(s) of its message: <p class="field-error" id="{error}-error">; None = name
    stored: bool = False         # free text: an accepted value must be stored exactly (minus control chars)
    linked: tuple = ()           # fields that get the same value (a password and its repetition)
    why: str = ""                # why a field accepts values that look wrong
    file: bool = False           # sent as an uploaded file with the value as its content
    hidden: bool = False         # not a visible field (a hidden input, or not on the page): an alert will do


def text(limit: int, required: bool = False, error: str | None = None, ok: frozenset | None = None,
         stored: bool = True) -> Field:
    """Free text up to `limit` characters: everything else is fine, and stored as typed."""
    accepted = ALL - ({"10kB"} if limit < len(VALUES["10kB"]) else set()) - ({"empty"} if required else set())
    return Field(ok if ok is not None else frozenset(accepted), error, stored=stored)


def number(required: bool = False, negative: bool = False, error: str | None = None) -> Field:
    return Field(frozenset(({"empty"} if not required else set()) | ({"negative"} if negative else set())), error)


def date(required: bool = False, future: bool = False, error: str | tuple | None = None, why: str = "",
         hidden: bool = False) -> Field:
    return Field(frozenset(({"empty"} if not required else set()) | ({"future"} if future else set())), error,
                 why=why, hidden=hidden)


def choice(required: bool = False, error: str | tuple | None = None, hidden: bool = False) -> Field:
    """A select, radio or hidden id: only its own values; empty when optional."""
    return Field(frozenset(set() if required else {"empty"}), error, hidden=hidden)


def refused(error: str | None = None, linked: tuple = ()) -> Field:
    """Only the one valid value (a password, a code) is accepted."""
    return Field(frozenset(), error, linked=linked)


def flag() -> Field:
    """A checkbox: "1" is on, anything else is off; nothing to refuse."""
    return Field(ALL, why="checkbox: any other value than 1 means off")


def lenient(why: str, ok: frozenset = ALL) -> Field:
    return Field(ok, why=why)


# --- the world the forms work on -----------------------------------------------------------------

def days_ago(n: int) -> str:
    return (datetime.date.today() - datetime.timedelta(days=n)).isoformat()


def build_ctx(app) -> SimpleNamespace:
    """The world of tests.factories plus a row for every form to act on."""
    from tracker import supervision
    with db.connection_context():
        w = factories.build_world()
        c = w.client
        admin_secret = pyotp.random_base32()
        User.update(totp_secret=admin_secret).where(User.id.in_([w.admin.id, w.other_admin.id])).execute()
        User.update(calendar_token="cal-" + "x" * 40).where(User.id == c.user_id).execute()
        cp3 = factories.user(w.gemeente, "contactpersoon", "cp3-a", name="Eva Jansen",
                             totp_secret=pyotp.random_base32())
        now = utcnow()
        ctx = SimpleNamespace(
            w=w, client=c, cp3=cp3,
            submitted=factories.entry(c, hours="2", days_ago=6, place="Taalhuis"),
            rejected=factories.entry(c, status="REJECTED", days_ago=7, rejection_reason="Datum klopt niet"),
            past_session=GroupSession.create(gemeente=w.gemeente, category="KNM_LES", title="KNM: werk",
                                             starts_at=now - datetime.timedelta(days=2, hours=1),
                                             ends_at=now - datetime.timedelta(days=2), location="Bibliotheek",
                                             created_by=w.cp),
            live_session=GroupSession.create(gemeente=w.gemeente, category="KNM_LES", title="KNM: wonen",
                                             starts_at=now - datetime.timedelta(minutes=10),
                                             ends_at=now + datetime.timedelta(hours=1, minutes=50),
                                             location="Wijkcentrum", created_by=w.cp),
            appointment=Appointment.create(client=c, kind="VOORTGANGSGESPREK",
                                           starts_at=now + datetime.timedelta(days=5), created_by=w.cp),
            device=PushSubscription.create(user=c.user_id, endpoint="https://push.example/device-1",
                                           p256dh="BPk" + "a" * 80, auth="x" * 22, label="Telefoon"),
            message=Message.create(user=c.user_id, kind="inactivity", params={}, url="/me/logbook"),
            qr_client=factories.client(w.gemeente, w.cp, "sh-qr", name="Omid Rahimi"),
            fresh=factories.client(w.gemeente, w.cp, "sh-new", coupled_days_ago=60, name="Nour Salem"),
            erasable=factories.client(w.gemeente, w.cp, "sh-erase", name="Lina Haddad"),
            admin_secret=admin_secret,
        )
        part = ExamPart.create(client=c, code="LE")
        ctx.attempt = ExamAttempt.create(part=part, exam_date=datetime.date.today() - datetime.timedelta(days=3))
        # Attendance at the live session, for the trainer's "take off the list".
        ctx.attendance = factories.entry(c, status="CONFIRMED", days_ago=0, hours="2", category="KNM_LES",
                                         session=ctx.live_session)
        # Supervisor: a placement, an open link for one entry and another open entry for a new link.
        placement = supervision.create_placement(c, {"organisation": "Voedselbank", "supervisor_name": "Mw. De Boer",
                                                     "supervisor_contact": "boer@example.nl",
                                                     "category": "PARTICIPATIE_VRIJWILLIGERSWERK"}, c.user)
        on_link = factories.entry(c, days_ago=9, hours="3", category="PARTICIPATIE_VRIJWILLIGERSWERK")
        ctx.unlinked = factories.entry(c, days_ago=10, hours="3", category="PARTICIPATIE_VRIJWILLIGERSWERK")
        _req, ctx.link_token, _entries = supervision.create_request(c, placement, [str(on_link.public_id)], c.user)
        ctx.placement, ctx.on_link = placement, Entry.get_by_id(on_link.id)
        ctx.signature = supervision.shown_signature(ctx.on_link)
    return ctx


# --- logging in -----------------------------------------------------------------------------------

def login_as(app, username: str | None, password: str = PASSWORD):
    """A test client logged in through the forms (with the second factor when the account has one);
    None gives an anonymous client."""
    http = app.test_client()
    if username is None:
        return http
    page = http.get("/login")
    response = http.post("/login", data={"username": username, "password": password,
                                         "csrf_token": csrf_of(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    if urlparse(response.headers["Location"]).path == "/login/code":
        with db.connection_context():
            secret = User.get(User.username == username).totp_secret
        page = http.get("/login/code")
        response = http.post("/login/code", data={"code": pyotp.TOTP(secret).now(),
                                                  "csrf_token": csrf_of(page.get_data(as_text=True))})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        with db.connection_context():   # a code works once: the next login here waits for a new one
            User.update(totp_last_step=None).where(User.username == username).execute()
    return http


def logged_in(http) -> bool:
    return http.get("/api/v1/csrf-token").status_code == 200


def api_token(http) -> str:
    return http.get("/api/v1/csrf-token").get_json()["csrf_token"]


# --- the table ------------------------------------------------------------------------------------

@dataclass
class Form:
    role: str | None                                  # who submits (username), None: not logged in
    url: Callable                                     # ctx → the POST URL
    valid: Callable                                   # (ctx, http) → a valid submission
    fields: dict | Callable                           # name → Field (or ctx → that dict)
    double: str                                       # what a double submit does
    messages: str = "field"                           # refusal shows as: "field" messages, "alert", "flash"
    start: Callable | None = None                     # (app, ctx) → client; default: login_as(role)
    token_page: Callable | None = None                # ctx → page with the CSRF token (anonymous forms)
    fresh: bool = False                               # a new client for every try (the form ends the session)
    volatile: tuple = ()                              # (Model, column) a refusal may change (login counters)
    double_audit: tuple = ()                          # audit actions a second submit may add
    double_ignore: tuple = ()                         # (Model, column) a second submit may touch (timestamps)
    accepted: tuple = (200, 302)                      # statuses of an accepted submission
    refused_status: tuple = (400,)                    # status of a refusal shown on the page itself
    double_added: tuple = ()                          # models a second submit may add a row to (by design)
    writes: bool = True                               # the valid submission changes rows

    def fields_for(self, ctx) -> dict:
        return self.fields(ctx) if callable(self.fields) else self.fields


LOGIN_COUNTERS = ((User, "failed_logins"), (User, "locked_until"), (User, "last_login_at"))
NO_FIELDS: dict = {}


def _second_factor_start(app, ctx):
    http = app.test_client()
    page = http.get("/login")
    response = http.post("/login", data={"username": "admin-a", "password": PASSWORD,
                                         "csrf_token": csrf_of(page.get_data(as_text=True))})
    assert urlparse(response.headers["Location"]).path == "/login/code"
    return http


def _activation_valid(ctx, http):
    with db.connection_context():
        user = User.get(User.username == "sh-new")
        code = security.new_activation_code()
        ActivationCode.create(user=user, code_hash=security.hash_code(code),
                              expires_at=utcnow() + datetime.timedelta(days=14), created_by=ctx.w.cp)
    return {"code": code, "password": "nieuw wachtwoord 1", "confirm": "nieuw wachtwoord 1"}


def _two_factor_valid(ctx, http):
    http.get("/settings/two-factor")
    with http.session_transaction() as session:
        secret = session["totp_setup"]
    return {"code": pyotp.TOTP(secret).now()}


def _qr_url(ctx):
    from tracker import attendance as codes
    slot, signature = codes.current_code("test-secret-key", ctx.live_session.public_id, utcnow())
    return f"/attend/{ctx.live_session.public_id}/{slot}/{signature}"


def _supervisor_fields(ctx):
    key = ctx.on_link.public_id
    return {f"decision-{key}": choice(required=True),
            f"reason-{key}": text(500, required=True),
            f"shown-{key}": lenient("what the supervisor saw; when it differs the entry is skipped, not refused")}


def _supervisor_valid(ctx, http):
    key = ctx.on_link.public_id
    return {f"decision-{key}": "rejected", f"reason-{key}": "Niet gewerkt die dag", f"shown-{key}": ctx.signature}


IMPORT_CSV = ("name,username,contactpersoon_username,language,coupled_on\n"
              "Samira Ali,,cp-a,ar,{day}\n")


def _import_valid(ctx, http):
    return {"action": "preview", "file": (io.BytesIO(IMPORT_CSV.format(day=days_ago(30)).encode()), "clients.csv")}


ENTRY_FIELDS = {
    "category": choice(required=True),
    "hours": number(required=True, error="hours"),
    "hours_other": Field(frozenset({"empty"}), "hours", why="empty: the hours radio button counts"),
    "entry_date": date(required=True, error="date"),
    "place": text(200),
    "note": text(1000),
    "online": flag(),
}
ENTRY_VALID = {"category": "TAALLES", "hours": "3", "hours_other": "", "entry_date": days_ago(1), "place": "Taalhuis",
               "note": "Les 4", "online": ""}
CLIENT = "/staff/clients/{c}"
ALREADY_SAVED = "the same as the user's previous submit, just now: 'This was already saved.' and back, nothing saved"

FORMS: dict[str, Form] = {
    # --- logging in and the account ---
    "auth.login": Form(
        None, lambda ctx: "/login", lambda ctx, http: {"username": "sh-a", "password": PASSWORD, "next": ""},
        {"username": refused(), "password": refused(),
         "next": lenient("a same-site path to go to after login; anything else is ignored")},
        double="the second POST carries the CSRF token of the session the login replaced: 400, one login",
        writes=False,  # only the login counters
        messages="alert", fresh=True, volatile=LOGIN_COUNTERS, token_page=lambda ctx: "/login",
        refused_status=(200,)),  # 200 with the message, as tests/test_views.py expects
    "auth.second_factor": Form(
        None, lambda ctx: "/login/code", lambda ctx, http: {"code": pyotp.TOTP(ctx.admin_secret).now()},
        {"code": refused()},
        double="the pending login is gone after the first: the second is refused (400), one login",
        messages="alert", writes=False, fresh=True, start=_second_factor_start, volatile=LOGIN_COUNTERS,
        token_page=lambda ctx: "/login/code"),
    "auth.activate": Form(
        None, lambda ctx: "/activate", _activation_valid,
        {"code": refused(),
         "password": Field(frozenset({"huge", "future", "bad_date", "arabic"}), linked=("confirm",),
                           why="8 to 200 characters; checked by logging in with it"),
         "confirm": refused()},
        double="the code is used up by the first: the second is refused, one password",
        fresh=True, token_page=lambda ctx: "/activate", refused_status=(200,)),
    "auth.set_language": Form(
        None, lambda ctx: "/language", lambda ctx, http: {"lang": "ar", "next": "/login"},
        {"lang": lenient("a button: an unknown language is ignored"),
         "next": lenient("a same-site path; anything else goes to the login page")},
        double="sets the same cookie again", token_page=lambda ctx: "/login", writes=False),
    "auth.logout": Form(
        "sh-a", lambda ctx: "/logout", lambda ctx, http: {}, NO_FIELDS,
        double="the second has no session any more: 400 (CSRF), nothing changes", fresh=True, writes=False),
    "account.password": Form(
        "sh-a", lambda ctx: "/settings/password",
        lambda ctx, http: {"current": PASSWORD, "new": "een nieuw wachtwoord", "confirm": "een nieuw wachtwoord"},
        {"current": refused(),
         "new": Field(frozenset({"huge", "future", "bad_date", "arabic"}), linked=("confirm",),
                      why="8 to 200 characters"),
         "confirm": refused()},
        double="the old password no longer verifies: the second is refused (400), one change",
        fresh=True, volatile=LOGIN_COUNTERS),
    "account.logout_everywhere": Form(
        "sh-a", lambda ctx: "/settings/logout-everywhere", lambda ctx, http: {}, NO_FIELDS,
        double="ends the other sessions again (a new token); a second audit row",
        fresh=True, double_audit=("account.logged_out_everywhere",), double_ignore=((User, "session_token"),)),
    "account.two_factor": Form(
        "cp2-a", lambda ctx: "/settings/two-factor", _two_factor_valid, {"code": refused()},
        double="the set-up secret is used up: the second gets a new secret and is refused (400)",
        messages="alert", fresh=True),
    "account.two_factor_off": Form(
        "cp3-a", lambda ctx: "/settings/two-factor/off", lambda ctx, http: {}, NO_FIELDS, double=ALREADY_SAVED,
        fresh=True),

    # --- the statushouder ---
    "statushouder.logbook": Form(
        "sh-a", lambda ctx: "/me/logbook", lambda ctx, http: dict(ENTRY_VALID, client_uuid=str(uuid.uuid4())),
        dict(ENTRY_FIELDS, client_uuid=Field(frozenset({"empty"}), why="hidden idempotency key; empty makes one",
                                             hidden=True)), double=ALREADY_SAVED),
    "statushouder.attend": Form(
        "sh-a", lambda ctx: f"/me/attend/{ctx.past_session.public_id}", lambda ctx, http: {},
        {"client_uuid": Field(frozenset({"empty"}), why="not on the page; empty = uuid5(session, client)",
                              hidden=True)}, double=ALREADY_SAVED, messages="flash"),
    "statushouder.edit_entry": Form(
        "sh-a", lambda ctx: f"/me/entries/{ctx.submitted.public_id}/edit",
        lambda ctx, http: dict(ENTRY_VALID, entry_date=days_ago(6)),
        ENTRY_FIELDS, double=ALREADY_SAVED),
    "statushouder.withdraw_entry": Form(
        "sh-a", lambda ctx: f"/me/entries/{ctx.submitted.public_id}/withdraw", lambda ctx, http: {}, NO_FIELDS,
        double=ALREADY_SAVED),
    "statushouder.resubmit_entry": Form(
        "sh-a", lambda ctx: f"/me/entries/{ctx.rejected.public_id}/resubmit", lambda ctx, http: {}, NO_FIELDS,
        double=ALREADY_SAVED),
    "supervisor.placements": Form(
        "sh-a", lambda ctx: "/me/placements",
        lambda ctx, http: {"organisation": "Kringloop Oost", "category": "PARTICIPATIE_VRIJWILLIGERSWERK",
                           "supervisor_name": "Dhr. Bakker", "supervisor_contact": "06 12345678"},
        {"organisation": text(200, required=True), "category": choice(required=True),
         "supervisor_name": text(120, required=True),
         "supervisor_contact": text(200, ok=frozenset({"empty", "huge", "future", "bad_date"}))}, double=ALREADY_SAVED),
    "supervisor.new_request": Form(
        "sh-a", lambda ctx: f"/me/placements/{ctx.placement.public_id}/request",
        lambda ctx, http: {"entry": str(ctx.unlinked.public_id)},
        {"entry": choice(required=True, error="entries")}, double=ALREADY_SAVED),
    "supervisor.confirm": Form(
        None, lambda ctx: f"/supervisor/{ctx.link_token}", _supervisor_valid, _supervisor_fields,
        double="the link is used up by the first: the second gets 410, one answer",
        token_page=lambda ctx: f"/supervisor/{ctx.link_token}", fresh=True, accepted=(200,)),
    "attendance.attend": Form(
        "sh-qr", _qr_url, lambda ctx, http: {"ticket": ""},
        {"ticket": lenient("only read when the code in the URL has expired")}, double=ALREADY_SAVED),
    "reminders.read_all": Form(
        "sh-a", lambda ctx: "/messages/read", lambda ctx, http: {}, NO_FIELDS, double=ALREADY_SAVED),
    "reminders.calendar_on": Form(
        "sh-a", lambda ctx: "/settings/calendar", lambda ctx, http: {}, NO_FIELDS, double=ALREADY_SAVED),
    "reminders.calendar_off": Form(
        "sh-a", lambda ctx: "/settings/calendar/off", lambda ctx, http: {}, NO_FIELDS, double=ALREADY_SAVED),
    "reminders.remove_device": Form(
        "sh-a", lambda ctx: f"/settings/devices/{ctx.device.id}/remove", lambda ctx, http: {}, NO_FIELDS,
        double=ALREADY_SAVED),
    "reminders.save_reminders": Form(
        "sh-a", lambda ctx: "/settings/reminders",
        lambda ctx, http: {"kind-appointment": "1", "kind-session": "", "kind-exam": "1", "kind-exam_registration": "1",
                           "kind-termijn": "1", "kind-inactivity": "", "quiet_start": "22:00", "quiet_end": "07:30"},
        {**{f"kind-{group}": flag() for group in ("appointment", "session", "exam", "exam_registration", "termijn",
                                                    "inactivity", "digest")},
         "quiet_start": Field(frozenset({"empty"}), why="empty = 21:00"),
         "quiet_end": Field(frozenset({"empty"}), why="empty = 08:00")}, double=ALREADY_SAVED, messages="flash"),

    # --- the contactpersoon ---
    "contactpersoon.new_client": Form(
        "cp-a", lambda ctx: "/staff/clients/new",
        lambda ctx, http: {"name": "Yasmin Saleh", "username": "", "locale": "ar", "coupled_on": days_ago(20),
                           "duty_start": days_ago(20), "maatschappelijk_begeleider": "VluchtelingenWerk"},
        {"name": text(120, required=True),
         "username": Field(frozenset({"empty", "huge", "future", "wrong_type", "bad_date"}),
                           why="3-40 of a-z 0-9 . _ -; empty = made from the name"),
         "locale": lenient("a select: an unknown language becomes nl"),
         "coupled_on": date(required=True), "duty_start": date(),
         "maatschappelijk_begeleider": text(200),
         "contactpersoon": choice(hidden=True)}, double=ALREADY_SAVED, accepted=(200,)),
    "contactpersoon.new_code": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/activation", lambda ctx, http: {}, NO_FIELDS,
        double="a second code; the first stops working (the page shows the second)",
        double_ignore=((ActivationCode, "used_at"),), double_added=(ActivationCode,),
        double_audit=("account.activation_code_issued",), accepted=(200,)),
    "contactpersoon.save_pip": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/pip",
        lambda ctx, http: {"dagtekening": days_ago(10), "leerroute": "B", "niveau": "B1", "change_reason": "OVERIG",
                           "local_label": "B1 Entree", "geschatte_intensiteit_b1": "900",
                           "agreements": "Taalles 3 dagdelen\nVrijwilligerswerk"},
        {"dagtekening": date(required=True), "leerroute": choice(required=True),
         "niveau": choice(required=True),  # the B1-route needs a level
         "change_reason": choice(required=True), "local_label": text(80),
         "geschatte_intensiteit_b1": number(), "agreements": text(500)}, double=ALREADY_SAVED),
    "contactpersoon.save_step": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/steps/BREDE_INTAKE",
        lambda ctx, http: {"status": "DONE", "date": days_ago(200), "note": "Met tolk"},
        {"status": choice(required=True),
         "date": date(future=True, why="a step may be planned: no check on the future (far future too)"),
         "note": text(500)}, double=ALREADY_SAVED),
    "contactpersoon.save_exam": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/exam",
        lambda ctx, http: {"part": "LU", "exam_date": days_ago(5), "niveau": "", "result": "GEZAKT",
                           "reason_no_result": "", "paid": ""},
        {"part": text(40, required=True), "exam_date": date(required=True, error=("exam_date", "result"),
                                                           why="with a result the date cannot be in the future"),
         "niveau": choice(), "result": choice(), "reason_no_result": choice(), "paid": flag()}, double=ALREADY_SAVED),
    "contactpersoon.save_exam_result": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/exam/{ctx.attempt.public_id}",
        lambda ctx, http: {"result": "GEEN", "reason_no_result": "NIETVERWIJTBAAR"},
        {"result": choice(required=True), "reason_no_result": choice(required=True)}, double=ALREADY_SAVED),
    "contactpersoon.save_dates": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/dates",
        lambda ctx, http: {"pvt_signed_on": days_ago(20), "map_eindgesprek_on": days_ago(15),
                           "z_eindgesprek_on": days_ago(10), "taalschakel_done_on": days_ago(5)},
        {"pvt_signed_on": date(), "map_eindgesprek_on": date(),
         "z_eindgesprek_on": date(hidden=True, why="only on the page for a Z-route client"),
         "taalschakel_done_on": date(hidden=True, why="only on the page for an onderwijsroute client")},
        double=ALREADY_SAVED),
    "contactpersoon.save_verlenging": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/verlenging",
        lambda ctx, http: {"einddatum": (datetime.date.today() + datetime.timedelta(days=1200)).isoformat(),
                           "decided_on": days_ago(3), "grond": "Ziekte"},
        {"einddatum": date(required=True, future=True, why="must be later than the current end; no upper bound"),
         "decided_on": date(required=True), "grond": text(200, required=True)}, double=ALREADY_SAVED),
    "contactpersoon.save_appointment": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/appointments",
        lambda ctx, http: {"kind": "PIP_GESPREK", "starts_at": (datetime.date.today() + datetime.timedelta(days=7))
                           .isoformat() + "T10:30", "location": "Gemeentehuis", "with_whom": "Sanne",
                           "notes": "Neem je paspoort mee"},
        {"kind": choice(required=True),
         "starts_at": date(required=True, future=True, why="appointments are in the future; no upper bound"),
         "location": text(200), "with_whom": text(200), "notes": text(2000)}, double=ALREADY_SAVED),
    "contactpersoon.cancel_appointment": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/appointments/{ctx.appointment.public_id}/cancel",
        lambda ctx, http: {}, NO_FIELDS, double=ALREADY_SAVED),
    "contactpersoon.save_correction": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/correction",
        lambda ctx, http: {"category": "TAALLES", "entry_date": days_ago(4), "hours": "1.5", "online": "",
                           "reason": "Les vergeten te loggen"},
        {"category": choice(required=True), "entry_date": date(required=True, error="date"),
         "hours": number(required=True), "online": flag(), "reason": text(500, required=True)}, double=ALREADY_SAVED),
    "contactpersoon.take_over": Form(
        "cp-a", lambda ctx: f"{CLIENT.format(c=ctx.client.public_id)}/contactpersoon",
        lambda ctx, http: {"contactpersoon": str(ctx.w.cp2.public_id)},
        {"contactpersoon": choice(required=True)}, double=ALREADY_SAVED),
    "contactpersoon.decide": Form(
        "cp-a", lambda ctx: "/staff/inbox",
        lambda ctx, http: {"action": "reject", "entry": str(ctx.submitted.public_id), "supervised": "",
                           "rejection_code": "", "reason": "Datum klopt niet", "next": "/staff/inbox"},
        {"action": choice(required=True), "entry": choice(required=True),
         "supervised": lenient("only read for 'countersign'"),
         "rejection_code": choice(), "reason": text(500, required=True),
         "next": lenient("a same-site path to go back to; anything else goes to the inbox")}, double=ALREADY_SAVED,
        messages="flash"),
    "contactpersoon.sessions": Form(
        "cp-a", lambda ctx: "/staff/sessions",
        lambda ctx, http: {"category": "PVT_SESSIE", "title": "PVT: zorg", "starts_at": days_ago(-3) + "T14:00",
                           "duration": "2", "location": "Bibliotheek"},
        {"category": choice(required=True), "title": text(200, required=True),
         "starts_at": date(required=True, future=True, why="sessions are planned ahead; no upper bound"),
         "duration": number(required=True), "location": text(200)}, double=ALREADY_SAVED),
    "contactpersoon.session_group": Form(
        "cp-a", lambda ctx: f"/staff/sessions/{ctx.live_session.public_id}/group",
        lambda ctx, http: {"client": str(ctx.fresh.public_id)},
        {"client": Field(frozenset({"empty"}), why="ticked clients; none ticked is a session for everyone")},
        double=ALREADY_SAVED, messages="alert"),
    "attendance.add": Form(
        "cp-a", lambda ctx: f"/staff/sessions/{ctx.live_session.public_id}/attendance/add",
        lambda ctx, http: {"client_id": str(ctx.fresh.public_id)}, {"client_id": choice(required=True)},
        double=ALREADY_SAVED),
    "attendance.remove": Form(
        "cp-a", lambda ctx: f"/staff/sessions/{ctx.live_session.public_id}/attendance/remove",
        lambda ctx, http: {"entry_id": str(ctx.attendance.public_id)},
        {"entry_id": choice(required=True)}, double=ALREADY_SAVED, messages="alert"),

    # --- the gemeente admin ---
    "admin.staff": Form(
        "admin-a", lambda ctx: "/admin/staff",
        lambda ctx, http: {"name": "Ilse Visser", "username": "", "email": "ilse@nijkerk.nl", "phone": "033 123 4567",
                           "role": "contactpersoon"},
        {"name": text(120, required=True),
         "username": Field(frozenset({"empty", "huge", "future", "wrong_type", "bad_date"}),
                           why="3-40 of a-z 0-9 . _ -; empty = made from the name"),
         "email": Field(frozenset({"empty"}), why="needs an @"), "phone": text(40),
         "role": choice(required=True)}, double=ALREADY_SAVED, accepted=(200,)),
    "admin.staff_code": Form(
        "admin-a", lambda ctx: f"/admin/staff/{ctx.w.cp2.public_id}/activation", lambda ctx, http: {}, NO_FIELDS,
        double="a second code; the first stops working (the page shows the second)", accepted=(200,),
        double_ignore=((ActivationCode, "used_at"),), double_added=(ActivationCode,),
        double_audit=("account.activation_code_issued",)),
    "admin.staff_active": Form(
        "admin-a", lambda ctx: f"/admin/staff/{ctx.w.cp2.public_id}/active", lambda ctx, http: {"active": "0"},
        {"active": flag()}, double=ALREADY_SAVED),
    "admin.clients": Form(
        "admin-a", lambda ctx: "/admin/clients",
        lambda ctx, http: {"contactpersoon": str(ctx.w.cp2.public_id), "client": str(ctx.client.public_id)},
        {"contactpersoon": choice(required=True), "client": choice(required=True)},
        double=ALREADY_SAVED, messages="flash"),
    "admin.settings": Form(
        "admin-a", lambda ctx: "/admin/settings",
        lambda ctx, http: {"map_waiver": "1", "voortgangsgesprek_weeks": "8", "label_B": "B1 Entree",
                           "label_O": "", "label_Z": "", "contactpersoon_label": "klantmanager",
                           "timezone": "Europe/Amsterdam"},
        {"map_waiver": flag(), "voortgangsgesprek_weeks": number(), "label_B": text(60), "label_O": text(60),
         "label_Z": text(60), "contactpersoon_label": text(60),
         "timezone": Field(frozenset({"empty"}), why="empty keeps the current zone")}, double=ALREADY_SAVED),
    "privacy.admin_overview": Form(
        "admin-a", lambda ctx: "/admin/privacy", lambda ctx, http: {"retention_months": "60"},
        {"retention_months": number()}, double=ALREADY_SAVED),
    "privacy.admin_duty_ended": Form(
        "admin-a", lambda ctx: f"/admin/clients/{ctx.erasable.public_id}/privacy/duty-ended",
        lambda ctx, http: {"duty_ended_on": days_ago(30)}, {"duty_ended_on": date()}, double=ALREADY_SAVED),
    "privacy.admin_anonymise": Form(
        "admin-a", lambda ctx: f"/admin/clients/{ctx.erasable.public_id}/anonymise",
        lambda ctx, http: {"confirm": "sh-erase", "art17": "1"},
        {"confirm": refused(), "art17": Field(frozenset(), error="art17",
                                             why="the duty has not ended: only with the art. 17 box")},
        double=ALREADY_SAVED),
    "privacy.admin_erase": Form(
        "admin-a", lambda ctx: f"/admin/clients/{ctx.erasable.public_id}/erase",
        lambda ctx, http: {"confirm": "sh-erase", "art17": "1"},
        {"confirm": refused(), "art17": Field(frozenset(), error="art17",
                                             why="the duty has not ended: only with the art. 17 box")},
        double=ALREADY_SAVED),
    "exports.import_clients": Form(
        "admin-a", lambda ctx: "/admin/import", _import_valid,
        {"action": lenient("anything but 'import' is a preview (which saves nothing)"),
         "file": Field(frozenset(), error="file", file=True, why="a CSV file with the header row"),
         "batch": lenient("only read for 'import'"), "payload": lenient("only read for 'import'")},
        double="a preview saves nothing, twice", accepted=(200,), writes=False),
}


# --- snapshots of every table ---------------------------------------------------------------------

ORDERED = sort_models(models.MODELS)


def snapshot() -> dict:
    with db.connection_context():
        return {m: {row["id"]: row for row in m.select().dicts()} for m in ORDERED}


def changes(before: dict, after: dict, ignore=()) -> list[tuple]:
    """(kind, model, old, new) for every added, removed and changed row; `ignore`: (Model, column)."""
    out = []
    for model in ORDERED:
        skip = {column for m, column in ignore if m is model}
        old, new = before[model], after[model]
        out += [("added", model, None, new[i]) for i in sorted(new.keys() - old.keys())]
        out += [("removed", model, old[i], None) for i in sorted(old.keys() - new.keys())]
        for i in sorted(old.keys() & new.keys()):
            if {k: v for k, v in old[i].items() if k not in skip} != {k: v for k, v in new[i].items() if k not in skip}:
                out.append(("changed", model, old[i], new[i]))
    return out


def restore(before: dict, now: dict) -> None:
    """Put every table back from `now` to `before` (a try must not influence the next one)."""
    if before == now:
        return
    with db.connection_context(), db.atomic():
        for model in reversed(ORDERED):
            added = now[model].keys() - before[model].keys()
            if added:
                model.delete().where(model.id.in_(list(added))).execute()
        for model in ORDERED:
            for i in before[model].keys() - now[model].keys():
                model.insert(**before[model][i]).execute()
        for model in ORDERED:
            for i in before[model].keys() & now[model].keys():
                if before[model][i] != now[model][i]:
                    row = {k: v for k, v in before[model][i].items() if k != "id"}
                    model.update(**row).where(model.id == i).execute()


def describe(change) -> str:
    kind, model, old, new = change
    if kind == "changed":
        diff = {k: (old[k], new[k]) for k in old if old[k] != new.get(k)}
        return f"{kind} {model.__name__} {old['id']}: {str(diff)[:300]}"
    return f"{kind} {model.__name__}: {str(old or new)[:300]}"


def contains(value, expected: str) -> bool:
    if isinstance(value, str):
        return value == expected
    if isinstance(value, (list, tuple)):
        return any(contains(v, expected) for v in value)
    if isinstance(value, dict):
        return any(contains(v, expected) for v in value.values())
    return False


# --- pages ----------------------------------------------------------------------------------------

ALERT_RE = re.compile(r'<[^>]*class="[^"]*\butrecht-alert--error\b[^"]*"[^>]*role="alert"[^>]*>(.*?)</(?:p|div)>', re.S)


def field_message(page: str, name: str) -> str | None:
    match = re.search(rf'class="[^"]*\bfield-error\b[^"]*" id="{re.escape(name)}-error">(.*?)</p>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else None


def alert_message(page: str) -> str | None:
    for match in ALERT_RE.finditer(page):
        message = html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()
        if message:
            return message
    return None


def body(response) -> str:
    return response.get_data(as_text=True)


class Submitter:
    """Sends a form as its role, keeping one logged-in client (and its CSRF token) while the session lasts."""

    def __init__(self, app, ctx, name: str):
        self.app, self.ctx, self.name, self.form = app, ctx, name, FORMS[name]
        self.http = self._token = None

    def client(self):
        if self.form.fresh or self.http is None:
            start = self.form.start or (lambda app, ctx: login_as(app, self.form.role))
            self.http, self._token = start(self.app, self.ctx), None
        return self.http

    def token(self, http) -> str:
        if self._token is None or self.form.fresh:
            self._token = (csrf_of(body(http.get(self.form.token_page(self.ctx)))) if self.form.token_page
                           else api_token(http))
        return self._token

    def post(self, http, data: dict, token: str):
        payload = {"csrf_token": token}
        for name, value in data.items():
            if isinstance(value, tuple):          # an uploaded file: a fresh stream for every POST
                content, filename = value
                payload[name] = (io.BytesIO(content.getvalue()), filename)
            else:
                payload[name] = value
        return http.post(self.form.url(self.ctx), data=payload)

    def send(self, http, data: dict):
        """POST once; when a restore ended the session (a new session token), log in again and resend."""
        response = self.post(http, data, self.token(http))
        if (self.form.role and not self.form.fresh and response.status_code in (302, 303)
                and urlparse(response.headers["Location"]).path == "/login"):
            self.http = None
            http = self.client()
            response = self.post(http, data, self.token(http))
        return http, response


def follow(http, response) -> str:
    return body(http.get(response.headers["Location"]))


# --- the table is complete ------------------------------------------------------------------------

def form_routes(app) -> dict[str, str]:
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.rule.startswith("/api/")}


def test_every_form_route_is_in_the_table(sqlite_only_app):
    routes = form_routes(sqlite_only_app)
    missing = {endpoint: rule for endpoint, rule in routes.items() if endpoint not in FORMS}
    assert not missing, f"POST form routes missing from FORMS in {__file__}: {missing}"
    stale = set(FORMS) - set(routes)
    assert not stale, f"FORMS has rows for routes that are gone: {stale}"


class _Forms(HTMLParser):
    """The forms on a page: POST forms and GET (search and filter) forms, action → field names
    (inputs, selects, textareas, named buttons)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, set]] = []
        self.get_forms: list[tuple[str, set]] = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = (attrs.get("action") or "", set())
            post = (attrs.get("method") or "get").lower() == "post"
            (self.forms if post else self.get_forms).append(self._current)
        elif tag in ("input", "select", "textarea", "button") and self._current and attrs.get("name"):
            self._current[1].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


# Pages that show every form (as the role that sees them), for the field cross-check.
PAGES = [
    (None, lambda ctx: "/login"), (None, lambda ctx: "/activate"),
    (None, lambda ctx: f"/supervisor/{ctx.link_token}"),
    ("sh-a", lambda ctx: "/me/logbook"), ("sh-a", lambda ctx: f"/me/entries/{ctx.submitted.public_id}/edit"),
    ("sh-a", lambda ctx: "/settings"), ("sh-a", lambda ctx: "/settings/password"), ("sh-a", lambda ctx: "/messages"),
    ("sh-a", lambda ctx: "/me/placements"), ("sh-a", lambda ctx: f"/me/placements/{ctx.placement.public_id}/request"),
    ("sh-qr", _qr_url),
    ("cp-a", lambda ctx: f"/staff/clients/{ctx.client.public_id}"), ("cp-a", lambda ctx: "/staff/clients/new"),
    ("cp-a", lambda ctx: f"/staff/clients/{ctx.client.public_id}/contactpersoon"),
    ("cp-a", lambda ctx: "/staff/inbox"), ("cp-a", lambda ctx: "/staff/sessions"),
    ("cp-a", lambda ctx: f"/staff/sessions/{ctx.live_session.public_id}/attendance"),
    ("cp-a", lambda ctx: f"/staff/sessions/{ctx.live_session.public_id}/group"),
    ("cp2-a", lambda ctx: "/settings/two-factor"), ("cp3-a", lambda ctx: "/settings/two-factor"),
    ("cp3-a", lambda ctx: "/settings"),
    ("admin-a", lambda ctx: "/admin/staff"), ("admin-a", lambda ctx: "/admin/clients"),
    ("admin-a", lambda ctx: "/admin/settings"), ("admin-a", lambda ctx: "/admin/privacy"),
    ("admin-a", lambda ctx: f"/admin/clients/{ctx.erasable.public_id}/privacy"),
    ("admin-a", lambda ctx: "/admin/import"),
]


def _pages(app, ctx):
    """(path, parsed forms) of every page in PAGES."""
    clients, out = {}, []
    for role, url in PAGES:
        http = clients.get(role) or clients.setdefault(role, login_as(app, role))
        path = url(ctx)
        response = http.get(path)
        assert response.status_code == 200, (role, path, response.status_code)
        parser = _Forms()
        parser.feed(body(response))
        out.append((role, path, parser, http))
    return out


def test_the_table_knows_every_field_on_the_pages(sqlite_only_app):
    app = sqlite_only_app
    ctx = build_ctx(app)
    adapter = app.url_map.bind("localhost")
    seen, problems = set(), []
    for _role, path, parser, _http in _pages(app, ctx):
        for action, names in parser.forms:
            target = urlparse(action or path).path
            endpoint, _args = adapter.match(target, method="POST")
            seen.add(endpoint)
            if endpoint not in FORMS:
                problems.append(f"{path}: form to {endpoint} is not in FORMS")
                continue
            unknown = names - {"csrf_token", "form_key"} - set(FORMS[endpoint].fields_for(ctx))
            if unknown:
                problems.append(f"{path}: fields {sorted(unknown)} of {endpoint} are not in FORMS")
    # A form with fields that no page showed would have its fields unchecked.
    unseen = {name for name in set(FORMS) - seen - {"auth.second_factor"} if FORMS[name].fields_for(ctx)}
    problems += [f"no page in PAGES shows the form of {endpoint}" for endpoint in sorted(unseen)]
    assert not problems, "\n".join(problems)


def test_search_and_filter_forms_survive_odd_input(app):
    """The GET forms (search, filters) on the pages: every field with every value answers < 500."""
    from tracker import db as database
    app_ctx = build_ctx(app)
    values = POSTGRES_VALUES if database.is_postgres() else tuple(VALUES)
    problems, tried, fields = [], 0, set()
    for role, path, parser, http in _pages(app, app_ctx):
        for action, names in parser.get_forms:
            target = urlparse(action or path).path
            for name in sorted(names):
                fields.add((target, name))
                for value_name in values:
                    response = http.get(target, query_string={name: VALUES[value_name]})
                    tried += 1
                    if response.status_code >= 500:
                        problems.append(f"GET {target}?{name}={value_name} ({role}): {response.status_code}")
    assert len(fields) >= 5, f"only these search and filter fields were found: {sorted(fields)}"
    assert not problems, "\n".join(problems)


# --- the fuzz ------------------------------------------------------------------------------------

def _accepted_problems(sub: Submitter, http, response, changed: list, group: dict, value_name: str) -> list[str]:
    form = sub.form
    if response.status_code not in form.accepted and response.status_code not in (302, 303):
        return [f"accepted value answered {response.status_code}: {alert_message(body(response)) or body(response)[:200]}"]
    if response.status_code in (302, 303):
        if form.messages == "flash":
            message = alert_message(follow(http, response))
            if message:
                return [f"accepted value flashes an error: {message}"]
    elif alert_message(body(response)) or re.search(r'class="[^"]*\bfield-error\b', body(response)):
        return [f"accepted value shows an error: {alert_message(body(response))}"]
    problems = []
    written = [row for kind, _m, _old, row in changed if kind in ("added", "changed")]
    for name, spec in group.items():
        if spec.stored and value_name != "empty":
            expected = without_control(VALUES[value_name])
            if not any(contains(v, expected) for row in written for v in row.values()):
                problems.append(f"{name}: not stored exactly: {expected[:40]!r} is in no written row "
                                f"({[describe(c) for c in changed]})")
        if spec.linked:
            hashes = [new["password_hash"] for kind, model, _old, new in changed if model is User and kind == "changed"]
            if not any(security.verify_password(h, VALUES[value_name]) for h in hashes):
                problems.append(f"{name}: the new password was not stored")
    return problems


def _refused_problems(sub: Submitter, http, response, changed: list, group: dict) -> tuple[list[str], list[str]]:
    """(problems, names of fields whose message is missing)."""
    form = sub.form
    if changed:
        return ["refused, but rows changed: " + "; ".join(describe(c) for c in changed)], []
    if response.status_code in (302, 303):
        if alert_message(follow(http, response)):
            return [], []
        return [f"redirect to {response.headers['Location']} without an error"], []
    if response.status_code not in form.refused_status:
        return [f"refused with {response.status_code} (expected {form.refused_status} or a redirect with a "
                f"message)"], []
    page = body(response)
    if form.messages != "field":
        if alert_message(page) is None and not re.search(r'class="[^"]*\bfield-error\b', page):
            return ["refused without an error message"], []
        return [], []
    missing = []
    for name, spec in group.items():
        ids = spec.error if isinstance(spec.error, tuple) else (spec.error or name,)
        if not any(field_message(page, i) for i in ids) and not (spec.hidden and alert_message(page)):
            missing.append(name)
    return [], missing


class Fuzzer:
    def __init__(self, app, name: str):
        self.ctx = build_ctx(app)
        self.sub = Submitter(app, self.ctx, name)
        self.name, self.form = name, FORMS[name]
        self.fields = self.form.fields_for(self.ctx)
        self.problems: list[str] = []

    def send(self, group: dict, value_name: str | None):
        """POST the valid form with `value_name` in the fields of `group`; tables are restored after."""
        http, token = self.sub.client(), None
        data = self.form.valid(self.ctx, http)
        for name, spec in group.items():
            value = VALUES[value_name]
            data[name] = (io.BytesIO(value.encode()), "file.csv") if spec.file else value
            for other in spec.linked:
                data[other] = value
        before = snapshot()
        http, response = self.sub.send(http, data)
        after = snapshot()
        return http, response, before, after

    def accepted(self, group: dict, value_name: str | None, label: str) -> list[str]:
        http, response, before, after = self.send(group, value_name)
        try:
            if response.status_code >= 500:
                return [f"{label}: server error {response.status_code}"]
            changed = changes(before, after, ignore=self.form.volatile)
            return [f"{label}: {p}" for p in _accepted_problems(self.sub, http, response, changed, group, value_name)]
        finally:
            restore(before, after)

    def refused(self, group: dict, value_name: str, label: str) -> tuple[list[str], list[str]]:
        http, response, before, after = self.send(group, value_name)
        try:
            if response.status_code >= 500:
                return [f"{label}: server error {response.status_code}"], []
            changed = changes(before, after, ignore=self.form.volatile)
            problems, missing = _refused_problems(self.sub, http, response, changed, group)
            return [f"{label}: {p}" for p in problems], missing
        finally:
            restore(before, after)

    def run(self, values=tuple(VALUES)) -> list[str]:
        problems = self.accepted({}, None, "valid submission")
        for value_name in values:
            ok = {n: s for n, s in self.fields.items() if value_name in s.ok}
            bad = {n: s for n, s in self.fields.items() if value_name not in s.ok}
            # All fields that take this value in one POST; on a problem each alone, to name the field.
            if ok:
                found = self.accepted(ok, value_name, f"{'+'.join(ok)}={value_name}")
                if found and len(ok) > 1:
                    found = [p for n, s in ok.items() for p in self.accepted({n: s}, value_name, f"{n}={value_name}")]
                problems += found
            if bad:
                together = self.form.messages == "field" and len(bad) > 1
                found, missing = self.refused(bad, value_name, f"{'+'.join(bad)}={value_name}") if together else ([], [])
                if not together or found or missing:
                    for n, s in bad.items():
                        if together and not found and n not in missing:
                            continue
                        one, one_missing = self.refused({n: s}, value_name, f"{n}={value_name}")
                        problems += one + [f"{n}={value_name}: 400 without a message next to the field "
                                           f"(field-error id={s.error or n}-error)" for _ in one_missing]
        return problems


# On PostgreSQL the values whose handling differs from SQLite: types (a uuid or integer column
# compared with text), lengths (varchar limits), NUL bytes (not allowed in PostgreSQL text) and
# 4-byte UTF-8. The full set runs on SQLite.
POSTGRES_VALUES = ("wrong_type", "huge", "10kB", "control", "emoji")


@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_fields_refuse_bad_input_and_keep_good_input(app, name):
    from tracker import db as database
    values = POSTGRES_VALUES if database.is_postgres() else tuple(VALUES)
    problems = Fuzzer(app, name).run(values)
    assert not problems, "\n".join(f"{name} {p}" for p in problems)


# --- double submit --------------------------------------------------------------------------------

class SecondSubmitChanged(AssertionError):
    """The second of two identical submits wrote or changed rows it should not have."""


def _double(app, name: str):
    """(what the first submit changed, what the second changed, the second's flash message or None)."""
    ctx = build_ctx(app)
    sub = Submitter(app, ctx, name)
    form = sub.form
    http = sub.client()
    data = form.valid(ctx, http)
    token = sub.token(http)
    before = snapshot()
    first = sub.post(http, data, token)
    middle = snapshot()
    second = sub.post(http, data, token)
    after = snapshot()
    assert first.status_code in form.accepted + (302, 303), (first.status_code, body(first)[:300])
    assert second.status_code < 500, (second.status_code, body(second)[:300])
    # The row that remembers the submit is not what the form saves.
    did = [c for c in changes(before, middle, ignore=form.volatile) if c[1] is not FormKey]
    again = [c for c in changes(middle, after, ignore=form.volatile + form.double_ignore)
             if not (c[0] == "added" and c[1] is AuditLog and c[3]["action"] in form.double_audit)
             and not (c[0] == "added" and c[1] in form.double_added)]
    flashed = None
    if second.status_code in (302, 303):
        with http.session_transaction() as session:
            flashed = (session.get("_flashes") or [(None, None)])[-1][1]
    return did, again, flashed


def _already_saved_for(app, username: str | None) -> str:
    """"This was already saved." in the user's language (not logged in: the default language)."""
    from flask_babel import force_locale, gettext
    from tracker import i18n
    with db.connection_context():
        locale = User.get(User.username == username).locale if username else i18n.DEFAULT
    with app.test_request_context(), force_locale(locale):
        return gettext("This was already saved.")


@pytest.mark.parametrize("name", sorted(FORMS))
def test_double_submit_saves_nothing_twice(app, name):
    """The same valid form twice (same CSRF token): the second writes nothing new and loses nothing
    that the first saved. FORMS[name].double says what the second does."""
    form = FORMS[name]
    did, again, flashed = _double(app, name)
    if again:
        raise SecondSubmitChanged(f"{name}: the second submit changed: " + "; ".join(describe(c) for c in again))
    assert did or not form.writes, f"{name}: the first submit changed nothing"
    expected = _already_saved_for(app, form.role) if form.double == ALREADY_SAVED else None
    if expected:
        assert flashed == expected, f"{name}: the second submit was answered {flashed!r}, not {expected!r}"
    else:
        assert flashed != _already_saved_for(app, form.role), f"{name}: answered as ALREADY_SAVED, not: {form.double}"


def test_double_logbook_submit_writes_one_entry(app):
    """The same entry from two copies of the page (one client_uuid, two form keys): one row, and the
    second answer says it was already saved."""
    ctx = build_ctx(app)
    http = login_as(app, "sh-a")
    data = dict(ENTRY_VALID, client_uuid="0b8f6c5e-0000-4000-8000-000000000001", note="مرحبا 🙂",
                csrf_token=api_token(http))
    first = http.post("/me/logbook", data=dict(data, form_key=uuid.uuid4().hex))
    second = http.post("/me/logbook", data=dict(data, form_key=uuid.uuid4().hex))
    assert first.status_code == second.status_code == 302
    assert "Dit was al opgeslagen." in follow(http, second)
    with db.connection_context():
        rows = list(Entry.select().where(Entry.client_uuid == data["client_uuid"]))
        submitted = AuditLog.select().where(AuditLog.action == "entry.submitted",
                                            AuditLog.object_id == str(rows[0].public_id)).count()
    assert len(rows) == 1 and rows[0].note == "مرحبا 🙂" and submitted == 1
    assert ctx.client.id == rows[0].client_id


def test_double_first_pip_is_refused_the_second_time(app):
    """The first PIP (reason INITIEEL) cannot be adopted twice, from two copies of the page (two form
    keys): the second gets a message."""
    ctx = build_ctx(app)
    http = login_as(app, "cp-a")
    data = {"dagtekening": days_ago(5), "leerroute": "B", "niveau": "B1", "change_reason": "INITIEEL",
            "local_label": "", "geschatte_intensiteit_b1": "", "agreements": "Taalles", "csrf_token": api_token(http)}
    url = f"/staff/clients/{ctx.fresh.public_id}/pip"
    assert http.post(url, data=dict(data, form_key=uuid.uuid4().hex)).status_code == 302
    second = http.post(url, data=dict(data, form_key=uuid.uuid4().hex))
    assert second.status_code == 400 and field_message(body(second), "change_reason")
    with db.connection_context():
        assert PipVersion.select().where(PipVersion.client == ctx.fresh.id).count() == 1
