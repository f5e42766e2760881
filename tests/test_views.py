"""HTML pages per role: what people do through the forms, and what the pages must never show."""
import datetime
import html
import re
import uuid
from decimal import Decimal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest

from tests import factories
from tests.conftest import csrf_of
from tests.helpers import csrf, login, q, text
from tracker import security
from tracker.models import (ActivationCode, Appointment, AuditLog, Client, Entry, ExamAttempt, GroupSession,
                            PipVersion, Step, User, utcnow)

# Dates "in the future" are 2 days ahead, so the machine's date and the gemeente's (Amsterdam) never disagree.
TODAY = datetime.date.today
CODE_RE = re.compile(r"\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b")


def field_error(page: str, name: str) -> str | None:
    """The message shown next to field `name` (templates: <p class="field-error" id="NAME-error">)."""
    match = re.search(rf'class="[^"]*\bfield-error\b[^"]*" id="{re.escape(name)}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def days_ago(n: int) -> str:
    return (TODAY() - datetime.timedelta(days=n)).isoformat()


def audit(action: str, object_id=None) -> list[AuditLog]:
    query = AuditLog.select().where(AuditLog.action == action)
    if object_id is not None:
        query = query.where(AuditLog.object_id == str(object_id))
    return q(lambda: list(query.order_by(AuditLog.id)))


def reload(model, row):
    return q(lambda: model.get_by_id(row.id))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == "/login"


# --- statushouder: entries -----------------------------------------------------------------------

def test_statushouder_edits_withdraws_and_resubmits(app, world):
    c = world.client
    submitted = q(lambda: factories.entry(c, hours="2", days_ago=4, place="Taalhuis"))
    rejected = q(lambda: factories.entry(c, status="REJECTED", days_ago=6, rejection_reason="Datum klopt niet"))
    rejected_edit = q(lambda: factories.entry(c, status="REJECTED", days_ago=7, rejection_reason="Te veel uren"))
    confirmed = q(lambda: factories.entry(c, status="CONFIRMED", hours="3", days_ago=8, place="ROC"))
    sh = login(app, "sh-a")
    token = csrf(sh)

    page = sh.get(f"/me/entries/{submitted.public_id}/edit")
    assert page.status_code == 200
    assert 'value="Taalhuis"' in text(page) and 'value="2"' in text(page)
    form = {"csrf_token": token, "category": "KNM_LES", "hours_other": "1.5", "entry_date": days_ago(4),
            "place": "Bibliotheek", "note": "Les over de gemeente"}
    response = sh.post(f"/me/entries/{submitted.public_id}/edit", data=form)
    assert response.status_code == 302 and urlparse(response.headers["Location"]).path == "/me/logbook"
    after = reload(Entry, submitted)
    assert (after.category, after.hours, after.place, after.status) == ("KNM_LES", Decimal("1.5"), "Bibliotheek",
                                                                       "SUBMITTED")
    [log] = audit("entry.edited", submitted.public_id)
    assert Decimal(log.before["hours"]) == 2 and Decimal(log.after["hours"]) == Decimal("1.5") and log.after["category"] == "KNM_LES"

    # An invalid edit keeps the typed values and changes nothing.
    response = sh.post(f"/me/entries/{submitted.public_id}/edit", data=dict(form, hours_other="13", place="Elders"))
    assert response.status_code == 400 and field_error(text(response), "hours")
    assert 'value="13"' in text(response) and 'value="Elders"' in text(response)
    assert reload(Entry, submitted).place == "Bibliotheek"

    response = sh.post(f"/me/entries/{submitted.public_id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 302
    assert reload(Entry, submitted).status == "WITHDRAWN"
    assert len(audit("entry.withdrawn", submitted.public_id)) == 1
    assert "Les over de gemeente" not in text(sh.get("/me/logbook"))

    # Resubmitting a rejected entry as it is.
    response = sh.post(f"/me/entries/{rejected.public_id}/resubmit", data={"csrf_token": token})
    assert response.status_code == 302
    after = reload(Entry, rejected)
    assert after.status == "SUBMITTED" and after.rejection_reason is None
    [log] = audit("entry.resubmitted", rejected.public_id)
    assert log.before["status"] == "REJECTED" and log.before["rejection_reason"] == "Datum klopt niet"
    assert log.after["status"] == "SUBMITTED" and log.after["rejection_reason"] is None

    # Editing a rejected entry sends it again too.
    page = text(sh.get(f"/me/entries/{rejected_edit.public_id}/edit"))
    assert "Te veel uren" in page
    response = sh.post(f"/me/entries/{rejected_edit.public_id}/edit",
                       data=dict(form, hours_other="1", entry_date=days_ago(7), note=""))
    assert response.status_code == 302
    after = reload(Entry, rejected_edit)
    assert after.status == "SUBMITTED" and after.rejection_reason is None and after.hours == Decimal(1)

    # A confirmed entry can be neither edited, withdrawn nor resubmitted.
    before = reload(Entry, confirmed)
    response = sh.get(f"/me/entries/{confirmed.public_id}/edit")
    assert response.status_code == 302
    for path, data in ((f"/me/entries/{confirmed.public_id}/edit", dict(form, hours_other="4")),
                       (f"/me/entries/{confirmed.public_id}/withdraw", {"csrf_token": token}),
                       (f"/me/entries/{confirmed.public_id}/resubmit", {"csrf_token": token})):
        response = sh.post(path, data=data)
        assert response.status_code in (302, 400, 409), (path, response.status_code)
    after = reload(Entry, confirmed)
    assert (after.status, after.hours, after.category, after.place, after.updated_at) == \
           (before.status, before.hours, before.category, before.place, before.updated_at)
    assert audit("entry.edited", confirmed.public_id) == [] and audit("entry.withdrawn", confirmed.public_id) == []
    logbook = text(sh.get("/me/logbook"))
    assert f"/me/entries/{confirmed.public_id}/edit" not in logbook

    # Whole hours are shown as typed: 10, not 1E+1.
    ten = q(lambda: factories.entry(c, hours="10", days_ago=9))
    page = text(sh.get(f"/me/entries/{ten.public_id}/edit"))
    assert 'value="10"' in page and "E+" not in page

    # Someone else's entry is not there at all.
    foreign = q(lambda: factories.entry(world.other_client, days_ago=2))
    assert sh.get(f"/me/entries/{foreign.public_id}/edit").status_code == 404
    assert sh.post(f"/me/entries/{foreign.public_id}/withdraw", data={"csrf_token": token}).status_code == 404
    assert reload(Entry, foreign).status == "SUBMITTED"


BAD_LOGBOOK = [
    # (change to the form, field with the message, a typed value that must be kept in the page)
    ({"category": None}, "category", 'value="2.5"'),
    ({"hours_other": "abc"}, "hours", 'value="abc"'),
    ({"hours_other": "13"}, "hours", 'value="13"'),
    ({"hours_other": "0.1"}, "hours", 'value="0.1"'),
    ({"entry_date": (TODAY() + datetime.timedelta(days=2)).isoformat()}, "date",
     f'value="{(TODAY() + datetime.timedelta(days=2)).isoformat()}"'),
    ({"entry_date": "gisteren"}, "date", 'value="gisteren"'),
    ({"note": "n" * 5000}, "note", "n" * 5000),
    ({"place": "p" * 201}, "place", "p" * 201),
]


def test_logbook_bad_input_keeps_values_and_saves_nothing(app, world):
    sh = login(app, "sh-a")
    token = csrf(sh)
    before = q(lambda: Entry.select().count())
    wrong = []
    for change, field, kept in BAD_LOGBOOK:
        client_uuid = str(uuid.uuid4())
        form = {"csrf_token": token, "client_uuid": client_uuid, "category": "TAALLES", "hours_other": "2.5",
                "entry_date": days_ago(1), "place": "Bibliotheek Zuid", "note": "Les 4"}
        form.update(change)
        form = {k: v for k, v in form.items() if v is not None}
        response = sh.post("/me/logbook", data=form)
        page = text(response)
        problems = []
        if response.status_code != 400:
            problems.append(f"status {response.status_code}")
        if not field_error(page, field):
            problems.append(f"no message next to {field}")
        if not re.search(rf'aria-describedby="[^"]*\b{field}-error\b', page):
            problems.append("message not linked to its field")
        for value in (kept, client_uuid, "Les 4" if field != "note" else "Bibliotheek Zuid"):
            if value not in page:
                problems.append(f"typed value {value[:20]!r} not kept")
        if problems:
            wrong.append(f"{str(change)[:60]}: {problems}")
    assert not wrong, "\n".join(wrong)
    assert q(lambda: Entry.select().count()) == before


def test_logbook_accepts_arabic_and_emoji(app, world):
    sh = login(app, "sh-a")
    token = csrf(sh)
    place, note = "مركز اللغة", "Eerste les 🎉👍🏽"
    form = {"csrf_token": token, "client_uuid": str(uuid.uuid4()), "category": "TAALLES", "hours": "2",
            "entry_date": days_ago(1), "place": place, "note": note}
    response = sh.post("/me/logbook", data=form)
    assert response.status_code == 302, text(response)[:500]
    saved = q(lambda: Entry.get(Entry.client_uuid == form["client_uuid"]))
    assert saved.place == place and saved.note == note and saved.hours == Decimal(2)
    page = text(sh.get("/me/logbook"))
    assert place in page and note in page
    # The contactpersoon sees the same text in the inbox.
    cp = login(app, "cp-a")
    inbox = text(cp.get("/staff/inbox"))
    assert place in inbox and note in inbox


# --- contactpersoon: new client and activation ------------------------------------------------

def test_new_client_gets_a_code_and_activates(app, world):
    cp = login(app, "cp-a")
    token = csrf(cp)
    assert cp.get("/staff/clients/new").status_code == 200

    response = cp.post("/staff/clients/new", data={"csrf_token": token, "name": "", "coupled_on": days_ago(30)})
    assert response.status_code == 400 and field_error(text(response), "name")
    assert 'value="' + days_ago(30) + '"' in text(response)
    assert q(lambda: User.select().where(User.role == "statushouder").count()) == 2

    response = cp.post("/staff/clients/new", data={"csrf_token": token, "name": "Fatima Noor", "locale": "en",
                                                   "coupled_on": days_ago(30)})
    assert response.status_code == 200
    page = text(response)
    codes = CODE_RE.findall(page)
    assert codes, "no XXXX-XXXX code on the page"
    code = codes[0]
    assert re.search(r"<svg\b", page), "no inline SVG QR code"
    assert "no-store" in response.headers.get("Cache-Control", "")
    user = q(lambda: User.get(User.name == "Fatima Noor"))
    client = q(lambda: Client.get(Client.user == user.id))
    assert user.role == "statushouder" and user.gemeente_id == world.gemeente.id and user.password_hash is None
    assert client.contactpersoon_id == world.cp.id and user.locale == "en"
    assert len(audit("client.created", client.public_id)) == 1
    # Only a hash of the code is stored.
    stored = q(lambda: list(ActivationCode.select().where(ActivationCode.user == user.id)))
    assert len(stored) == 1 and stored[0].code_hash != code and code not in stored[0].code_hash

    # The client opens the link from the QR code: the code is filled in.
    person = app.test_client()
    page = text(person.get(f"/activate?code={code}"))
    assert f'value="{code}"' in page
    typed = code.lower().replace("-", " ")   # people type codes from paper
    response = person.post("/activate", data={"csrf_token": csrf_of(page), "code": typed,
                                              "password": "mijn-nieuwe-route", "confirm": "mijn-nieuwe-route"})
    assert response.status_code == 302 and urlparse(response.headers["Location"]).path == "/me"
    assert person.get("/me").status_code == 200
    user = reload(User, user)
    assert security.verify_password(user.password_hash, "mijn-nieuwe-route")
    assert q(lambda: ActivationCode.get(ActivationCode.user == user.id)).used_at is not None

    # The same code a second time: refused, nobody logged in, password unchanged.
    other = app.test_client()
    page = text(other.get("/activate"))
    response = other.post("/activate", data={"csrf_token": csrf_of(page), "code": code,
                                             "password": "overgenomen!!", "confirm": "overgenomen!!"})
    assert response.status_code == 200 and field_error(text(response), "code")
    assert is_login_redirect(other.get("/me"))
    assert reload(User, user).password_hash == user.password_hash


def test_expired_activation_code_is_refused(app, world):
    fresh = q(lambda: factories.client(world.gemeente, world.cp, name="Samir Aziz"))
    q(lambda: User.update(password_hash=None).where(User.id == fresh.user_id).execute())
    code = security.new_activation_code()
    q(lambda: ActivationCode.create(user=fresh.user_id, code_hash=security.hash_code(code),
                                    expires_at=utcnow() - datetime.timedelta(minutes=1)))
    person = app.test_client()
    page = text(person.get("/activate"))
    response = person.post("/activate", data={"csrf_token": csrf_of(page), "code": code,
                                              "password": "nog-een-poging", "confirm": "nog-een-poging"})
    assert response.status_code == 200 and field_error(text(response), "code")
    assert is_login_redirect(person.get("/me"))
    assert q(lambda: User.get_by_id(fresh.user_id)).password_hash is None
    assert q(lambda: ActivationCode.get(ActivationCode.user == fresh.user_id)).used_at is None


# --- contactpersoon: casework ---------------------------------------------------------------------

def test_contactpersoon_casework_is_audited(app, world):
    fresh = q(lambda: factories.client(world.gemeente, world.cp, coupled_days_ago=50, name="Nour Salem"))
    cp = login(app, "cp-a")
    token = csrf(cp)
    base = f"/staff/clients/{fresh.public_id}"
    assert cp.get(base).status_code == 200

    def post(path, data):
        return cp.post(base + path, data={"csrf_token": token, **data})

    def ok(response):
        assert response.status_code == 302, text(response)[:3000]
        assert urlparse(response.headers["Location"]).path == base

    # A PIP that DUO would refuse: the form comes back with the message and the typed values.
    response = post("/pip", {"dagtekening": days_ago(10), "leerroute": "B", "niveau": "A2",
                             "change_reason": "INITIEEL", "agreements": "Taalles 3 dagdelen"})
    assert response.status_code == 400 and field_error(text(response), "niveau")
    assert "Taalles 3 dagdelen" in text(response)
    assert q(lambda: PipVersion.select().where(PipVersion.client == fresh.id).count()) == 0
    assert audit("pip.adopted") == []

    ok(post("/pip", {"dagtekening": days_ago(10), "leerroute": "B", "niveau": "B1", "change_reason": "INITIEEL",
                     "agreements": "Taalles 3 dagdelen\nVrijwilligerswerk bij de Voedselbank",
                     "geschatte_intensiteit_b1": "800"}))
    pip = q(lambda: PipVersion.get(PipVersion.client == fresh.id))
    assert (pip.version, pip.leerroute, pip.niveau) == (1, "B", "B1")
    assert pip.agreements == ["Taalles 3 dagdelen", "Vrijwilligerswerk bij de Voedselbank"]
    [log] = audit("pip.adopted", pip.public_id)
    assert log.before is None and log.after["niveau"] == "B1" and log.actor_id == world.cp.id

    ok(post("/steps/KENNISMAKING", {"status": "DONE", "date": days_ago(40), "note": "Kennismaking gehad"}))
    step = q(lambda: Step.get(Step.client == fresh.id, Step.code == "KENNISMAKING"))
    assert step.status == "DONE" and step.note == "Kennismaking gehad"
    [log] = audit("step.changed")
    assert log.before is None and log.after["status"] == "DONE"
    ok(post("/steps/KENNISMAKING", {"status": "IN_PROGRESS", "date": "", "note": ""}))
    log = audit("step.changed")[-1]
    assert log.before["status"] == "DONE" and log.after["status"] == "IN_PROGRESS"
    response = post("/steps/NOPE", {"status": "DONE"})
    assert response.status_code == 400

    ok(post("/exam", {"part": "LE", "exam_date": days_ago(20), "niveau": "B1", "result": "GESLAAGD"}))
    booked_date = days_ago(3)
    ok(post("/exam", {"part": "SP", "exam_date": booked_date}))
    attempts = q(lambda: {a.part.code: a for a in ExamAttempt.select()})
    assert attempts["LE"].result == "GESLAAGD" and attempts["SP"].result is None
    assert len(audit("exam.attempt_recorded")) == 2
    response = post("/exam", {"part": "LU", "exam_date": (TODAY() + datetime.timedelta(days=9)).isoformat(),
                              "result": "GEZAKT"})
    assert response.status_code == 400 and field_error(text(response), "result")
    ok(post(f"/exam/{attempts['SP'].public_id}", {"result": "GEZAKT"}))
    assert reload(ExamAttempt, attempts["SP"]).result == "GEZAKT"
    [log] = audit("exam.result_recorded", attempts["SP"].public_id)
    assert log.before == {"result": None, "reason_no_result": None} and log.after["result"] == "GEZAKT"
    assert len(audit("exam.attempt_recorded")) == 2

    when = datetime.datetime.combine(TODAY() + datetime.timedelta(days=7), datetime.time(10, 30))
    ok(post("/appointments", {"kind": "VOORTGANGSGESPREK", "starts_at": when.strftime("%Y-%m-%dT%H:%M"),
                              "location": "Stadhuis, kamer 2", "with_whom": "Sanne"}))
    appointment = q(lambda: Appointment.get(Appointment.client == fresh.id))
    expected = when.replace(tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(datetime.UTC).replace(tzinfo=None)
    assert appointment.starts_at == expected and appointment.location == "Stadhuis, kamer 2"
    [log] = audit("appointment.planned", appointment.public_id)
    assert log.after["kind"] == "VOORTGANGSGESPREK" and log.client_id == fresh.id
    response = post("/appointments", {"kind": "", "starts_at": "morgen"})
    assert response.status_code == 400 and field_error(text(response), "kind") and field_error(text(response), "starts_at")
    assert q(lambda: Appointment.select().where(Appointment.client == fresh.id).count()) == 1

    # The file shows what was recorded; the statushouder sees the appointment.
    page = text(cp.get(base))
    assert "Vrijwilligerswerk bij de Voedselbank" in page and "Stadhuis, kamer 2" in page
    # Every change was audited with the acting contactpersoon and the client.
    rows = q(lambda: list(AuditLog.select().where(AuditLog.client == fresh.id,
                                                  AuditLog.action != "client.viewed")))
    assert rows and all(r.actor_id == world.cp.id and r.gemeente_id == world.gemeente.id for r in rows)


def test_inbox_reject_needs_a_reason(app, world):
    entry = q(lambda: factories.entry(world.client, days_ago=2, note="Taalcafé"))
    foreign = q(lambda: factories.entry(world.other_client, days_ago=2))
    cp = login(app, "cp-a")
    token = csrf(cp)
    page = text(cp.get("/staff/inbox"))
    assert str(entry.public_id) in page and "Yonas Tesfay" not in page
    for reason in ("", "   "):
        response = cp.post("/staff/inbox", data={"csrf_token": token, "action": "reject",
                                                 "entry": [str(entry.public_id)], "reason": reason})
        assert response.status_code == 302
        after = reload(Entry, entry)
        assert after.status == "SUBMITTED" and after.decided_by_id is None and after.rejection_reason is None
    assert audit("entry.rejected") == []
    # A foreign entry in the same bulk action is ignored.
    response = cp.post("/staff/inbox", data={"csrf_token": token, "action": "reject", "reason": "Geen bewijs",
                                             "entry": [str(entry.public_id), str(foreign.public_id)]})
    assert response.status_code == 302
    assert reload(Entry, entry).status == "REJECTED" and reload(Entry, entry).rejection_reason == "Geen bewijs"
    assert reload(Entry, foreign).status == "SUBMITTED"
    [log] = audit("entry.rejected")
    assert log.object_id == str(entry.public_id) and log.after["rejection_reason"] == "Geen bewijs"


# --- login, health, language ---------------------------------------------------------------------

def test_repeated_wrong_passwords_lock_the_account(app, world):
    http = app.test_client()

    def attempt(password):
        page = text(http.get("/login"))
        return http.post("/login", data={"csrf_token": csrf_of(page), "username": "sh-a", "password": password})

    for n in range(security.LOCK_AFTER):
        response = attempt(f"fout-{n}")
        assert response.status_code == 200 and 'role="alert"' in text(response)
    user = q(lambda: User.get(User.username == "sh-a"))
    assert user.failed_logins == security.LOCK_AFTER and user.locked_until > utcnow()
    response = attempt(factories.PASSWORD)
    assert response.status_code == 200 and 'role="alert"' in text(response)
    assert is_login_redirect(http.get("/me"))
    # Unknown users get the same page (no hint which usernames exist).
    page = text(http.get("/login"))
    unknown = http.post("/login", data={"csrf_token": csrf_of(page), "username": "niemand", "password": "x"})
    assert unknown.status_code == 200
    # Once the lock has passed, the right password works again and resets the counter.
    q(lambda: User.update(locked_until=utcnow() - datetime.timedelta(seconds=1)).where(User.id == user.id).execute())
    response = attempt(factories.PASSWORD)
    assert response.status_code == 302 and http.get("/me").status_code == 200
    user = reload(User, user)
    assert user.failed_logins == 0 and user.locked_until is None


def test_health_probes(app):
    for path in ("/healthz", "/readyz"):
        response = app.test_client().get(path)
        assert response.status_code == 200 and response.get_json()["status"] == "ok", path


def test_language_switch_is_stored_in_the_profile(app, world):
    from flask_babel import force_locale, gettext
    with app.test_request_context():
        with force_locale("nl"):
            dutch_logbook = gettext("Logbook")
    sh = login(app, "sh-a")
    page = text(sh.get("/me"))
    assert '<html lang="nl"' in page and dutch_logbook in page
    if dutch_logbook != "Logbook":   # once the Dutch catalog is compiled, the switch must be visible
        nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S)
        assert nav and "Logbook" not in nav.group(0)
    response = sh.post("/language", data={"csrf_token": csrf(sh), "lang": "en", "next": "/me"})
    assert response.status_code == 302 and urlparse(response.headers["Location"]).path == "/me"
    page = text(sh.get("/me"))
    assert '<html lang="en"' in page
    nav = re.search(r'<nav class="mainnav".*?</nav>', page, re.S)
    assert nav and "Logbook" in nav.group(0)
    assert q(lambda: User.get(User.username == "sh-a")).locale == "en"
    # A new session (another phone) starts in English from the profile, even with a Dutch browser.
    other = login(app, "sh-a")
    page = text(other.get("/me", headers={"Accept-Language": "nl"}))
    assert '<html lang="en"' in page
    # An unknown language changes nothing.
    sh.post("/language", data={"csrf_token": csrf(sh), "lang": "xx", "next": "/me"})
    assert q(lambda: User.get(User.username == "sh-a")).locale == "en"


EVIL_NEXT = ("https://evil.example/", "//evil.example/", "/\\evil.example/", "/\\/evil.example/",
             "javascript:alert(1)", " //evil.example/")


def stays_on_site(location: str) -> bool:
    """Browsers read a backslash as a slash, so '/\\host' is as foreign as '//host'."""
    parsed = urlparse(location)
    return (parsed.scheme in ("", "http") and parsed.netloc in ("", "localhost")
            and parsed.path.startswith("/") and not parsed.path.replace("\\", "/").startswith("//"))


def test_redirect_targets_never_leave_the_site(app, world):
    sh = login(app, "sh-a")
    token = csrf(sh)
    for target in EVIL_NEXT:
        response = sh.post("/language", data={"csrf_token": token, "lang": "nl", "next": target})
        assert response.status_code == 302 and stays_on_site(response.headers["Location"]), (target, response.headers)
    cp = login(app, "cp-a")
    entry = q(lambda: factories.entry(world.client, days_ago=2))
    for target in EVIL_NEXT:
        response = cp.post("/staff/inbox", data={"csrf_token": csrf(cp), "action": "confirm", "next": target,
                                                 "entry": [str(entry.public_id)]})
        assert response.status_code == 302 and stays_on_site(response.headers["Location"]), (target, response.headers)
    for target in EVIL_NEXT:
        http = app.test_client()
        page = text(http.get("/login"))
        response = http.post("/login", data={"csrf_token": csrf_of(page), "username": "sh-a",
                                             "password": factories.PASSWORD, "next": target})
        assert response.status_code == 302 and stays_on_site(response.headers["Location"]), (target, response.headers)
    # A same-site path is kept.
    http = app.test_client()
    page = text(http.get("/login?next=/me/exam"))
    response = http.post("/login", data={"csrf_token": csrf_of(page), "username": "sh-a",
                                         "password": factories.PASSWORD, "next": "/me/exam"})
    assert response.headers["Location"] == "/me/exam"


# --- isolation between gemeenten -----------------------------------------------------------------

def test_pages_never_show_another_gemeente(app, world):
    now = utcnow()

    def build():
        b = world.other_gemeente
        GroupSession.create(gemeente=b, category="KNM_LES", title="KNM Yonas-groep", location="Barneveld centrum",
                            starts_at=now - datetime.timedelta(hours=5), ends_at=now - datetime.timedelta(hours=3))
        Appointment.create(client=world.other_client, kind="PIP_GESPREK", location="Barneveld stadhuis",
                           starts_at=now + datetime.timedelta(days=2))
        factories.entry(world.other_client, place="Barneveld bieb", note="Yonas Tesfay les")
        GroupSession.create(gemeente=world.gemeente, category="KNM_LES", title="KNM Nijkerk", location="Nijkerk",
                            starts_at=now - datetime.timedelta(hours=5), ends_at=now - datetime.timedelta(hours=3))
    q(build)
    # Not just "Yonas": the search box below echoes what was typed.
    markers = ("Yonas Tesfay", "Yonas-groep", "Barneveld", str(world.other_client.public_id))
    sh = login(app, "sh-a")
    pages = ["/me", "/me/plan", "/me/steps", "/me/logbook", "/me/exam", "/me/appointments", "/me/help", "/settings"]
    seen = {}
    for path in pages:
        response = sh.get(path)
        assert response.status_code == 200, path
        seen[path] = text(response)
    assert "<bdi>KNM</bdi></button> Nijkerk" in seen["/me/logbook"]   # the own gemeente's session is offered, its KNM tappable
    cp = login(app, "cp-a")
    for path in ["/staff/clients", "/staff/clients?scope=all", "/staff/clients?scope=all&q=Tesfay",
                 "/staff/inbox?scope=all", "/staff/sessions", f"/staff/clients/{world.client.public_id}"]:
        response = cp.get(path)
        assert response.status_code == 200, path
        seen[path] = text(response)
    leaks = [(path, m) for path, page in seen.items() for m in markers if m in page]
    assert not leaks, leaks


def test_caseload_counts_the_waiting_entries_per_client(app, world):
    """The "to check" column counts SUBMITTED entries only (from the totals the database keeps), and
    follows a confirmation at once."""
    def build():
        Entry.delete().where(Entry.client == world.client.id).execute()
        made = [factories.entry(world.client, days_ago=d) for d in (2, 3, 4)]
        factories.entry(world.client, status="CONFIRMED", days_ago=5)
        factories.entry(world.client, status="REJECTED", days_ago=6)
        return made
    waiting = q(build)
    cp = login(app, "cp-a")
    row = lambda: re.search(rf'{world.client.public_id}.*?</tr>', text(cp.get("/staff/clients")), re.S).group(0)  # noqa: E731
    assert "3 registraties" in row()
    q(lambda: Entry.update(status="CONFIRMED").where(Entry.id == waiting[0].id).execute())
    assert "2 registraties" in row()
    q(lambda: Entry.update(status="CONFIRMED").where(Entry.id.in_([w.id for w in waiting])).execute())
    assert "registratie" not in row()
