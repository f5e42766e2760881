"""Privacy (AVG): the privacy page, a person's own data, anonymising, erasing and the retention run."""
import datetime
import html
import json
import re
from decimal import Decimal
from urllib.parse import urlparse

import pytest

from tests import factories
from tests.helpers import csrf, login, q, text
from tracker import privacy
from tracker.models import (MODELS, ActivationCode, Appointment, AuditLog, Client, Entry, ExamAttempt, ExamPart,
                            Gemeente, Message, Outbox, PipVersion, Placement, PushSubscription, Step, User, utcnow)

TODAY = datetime.date.today
NAME = "Amira Haddad"  # world.client's name


def field_error(page: str, name: str) -> str | None:
    match = re.search(rf'class="[^"]*\bfield-error\b[^"]*" id="{re.escape(name)}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == "/login"


def audit_text() -> str:
    """Every audit row's action, before and after as one text, to search for names."""
    return q(lambda: json.dumps([[r.action, r.object_id, r.before, r.after] for r in AuditLog.select()],
                                ensure_ascii=False))


def rich_file(world):
    """The world's client with one of everything: confirmed entry, exam, appointment, message, device."""
    def build():
        c = world.client
        confirmed = factories.entry(c, status="CONFIRMED", hours="3", days_ago=5, place="Taalhuis Noord",
                                    decided_by=world.cp, decided_at=utcnow())
        part = ExamPart.create(client=c, code="LE", niveau="B1")
        ExamAttempt.create(part=part, exam_date=TODAY() - datetime.timedelta(days=20), niveau="B1",
                           result="GESLAAGD", created_by=world.cp)
        Appointment.create(client=c, kind="VOORTGANGSGESPREK", starts_at=utcnow() + datetime.timedelta(days=3),
                           location="Stadhuis", with_whom="Sanne", created_by=world.cp)
        Step.create(client=c, code="PIP", status="DONE", date=TODAY(), note="Goed gesprek", updated_by=world.cp)
        Placement.create(client=c, organisation="Kringloop Nijkerk", supervisor_name="Henk Jansen",
                         category="PARTICIPATIE_VRIJWILLIGERSWERK", created_by=world.cp)
        Message.create(user=c.user_id, kind="inactivity", params={"days": 14}, url="/me/logbook")
        PushSubscription.create(user=c.user_id, endpoint="https://fcm.googleapis.com/fcm/send/SECRET-ENDPOINT-123",
                                p256dh="BPk", auth="au", label="Android phone")
        Outbox.create(key="k-1", user=c.user_id, kind="inactivity", params={}, url="/me", due_at=utcnow(),
                      next_attempt_at=utcnow())
        ActivationCode.create(user=c.user_id, code_hash="h" * 64, expires_at=utcnow() + datetime.timedelta(days=3))
        Client.update(risk_seen=["no_activity_14_days"]).where(Client.id == c.id).execute()
        User.update(calendar_token="cal-secret-token", email="amira@example.org",
                    phone="0612345678").where(User.id == c.user_id).execute()
        return confirmed
    return q(build)


# --- 1. the privacy page -------------------------------------------------------------------------

def test_privacy_page_is_public_and_plain(app, world):
    anonymous = app.test_client()
    response = anonymous.get("/privacy", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = text(response)
    for words in ("BSN", "Wet inburgering 2021", "DUO", "12 months", "Autoriteit Persoonsgegevens", "<h1"):
        assert words in page, words
    # The login page and the settings page link to it.
    assert 'href="/privacy"' in text(anonymous.get("/login"))
    admin = login(app, "admin-a")
    assert 'href="/privacy"' in text(admin.get("/settings"))


def test_privacy_page_shows_the_gemeentes_retention_period(app, world):
    q(lambda: Gemeente.update(settings={"retention_months": 24}).where(Gemeente.id == world.gemeente.id).execute())
    sh = login(app, "sh-a")
    sh.post("/language", data={"csrf_token": csrf(sh), "lang": "en", "next": "/privacy"})
    page = text(sh.get("/privacy"))
    assert "24 months" in page and "Nijkerk" in page
    assert "Barneveld" not in page


# --- 2. the person's own data ------------------------------------------------------------------------

def test_statushouder_downloads_all_their_data(app, world):
    rich_file(world)
    cp = login(app, "cp-a")
    assert cp.get(f"/staff/clients/{world.client.public_id}").status_code == 200  # audited: client.viewed
    sh = login(app, "sh-a")
    rows_before = q(lambda: AuditLog.select().count())

    response = sh.get("/me/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    body = text(response)
    data = json.loads(body)
    assert data["profile"]["username"] == "sh-a" and data["profile"]["name"] == NAME
    assert data["profile"]["language"] == "nl" and data["profile"]["gemeente"] == "Nijkerk"
    assert data["client"]["public_id"] == str(world.client.public_id)
    assert data["client"]["contactpersoon"] == {"role": "contactpersoon", "name": "Sanne de Vries"}
    assert data["client"]["coupled_on"] == world.client.coupled_on.isoformat()
    assert data["client"]["risk_signals"] == ["no_activity_14_days"]
    assert [p["leerroute"] for p in data["pip_versions"]] == ["B"]
    confirmed = [e for e in data["entries"] if e["status"] == "CONFIRMED"]
    assert len(confirmed) == 1 and confirmed[0]["hours"] == 3 and confirmed[0]["place"] == "Taalhuis Noord"
    assert confirmed[0]["decided_by"] == {"role": "contactpersoon", "name": "Sanne de Vries"}
    assert confirmed[0]["decided_at"]
    assert any(e["status"] == "SUBMITTED" for e in data["entries"])
    assert data["exam_parts"][0]["code"] == "LE" and data["exam_parts"][0]["attempts"][0]["result"] == "GESLAAGD"
    assert data["appointments"][0]["kind"] == "VOORTGANGSGESPREK"
    assert data["steps"][0]["code"] == "PIP"
    assert data["placements"][0]["organisation"] == "Kringloop Nijkerk"
    assert data["placements"][0]["supervisor_name"] == "Henk Jansen"
    assert data["messages"][0]["kind"] == "inactivity"
    assert data["push_subscriptions"] == [{"push_service": "https://fcm.googleapis.com", "device": "Android phone",
                                           "created_at": data["push_subscriptions"][0]["created_at"],
                                           "last_seen_at": data["push_subscriptions"][0]["last_seen_at"]}]
    viewed = [a for a in data["audit"] if a["action"] == "client.viewed"]
    assert viewed and viewed[0]["actor"] == {"role": "contactpersoon", "name": "Sanne de Vries"}
    # Secrets and other people never: endpoint path, hashes, tokens, the other gemeente.
    for secret in ("SECRET-ENDPOINT-123", "cal-secret-token", "argon2", "Yonas Tesfay", "Barneveld", "hhhhhhhh"):
        assert secret not in body, secret
    assert "bsn" not in body.lower()
    # Reading one's own data writes no audit row.
    assert q(lambda: AuditLog.select().count()) == rows_before


def test_dossier_is_readable_and_printable(app, world):
    rich_file(world)
    sh = login(app, "sh-a")
    rows_before = q(lambda: AuditLog.select().count())
    response = sh.get("/me/dossier")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    page = text(response)
    for words in (NAME, "sh-a", "Sanne de Vries", "Taalhuis Noord", "Kringloop Nijkerk", "Henk Jansen", "utrecht-table", "<h2",
                  "Stadhuis", "https://fcm.googleapis.com", 'href="/me/data.json"'):
        assert words in page, words
    assert "SECRET-ENDPOINT-123" not in page and "Yonas Tesfay" not in page
    assert q(lambda: AuditLog.select().count()) == rows_before
    # The settings page leads there.
    settings = text(sh.get("/settings"))
    assert 'href="/me/dossier"' in settings and 'href="/me/data.json"' in settings


def test_only_the_statushouder_opens_own_data(app, world):
    for username in ("cp-a", "admin-a"):
        http = login(app, username)
        assert http.get("/me/data.json").status_code == 403
        assert http.get("/me/dossier").status_code == 403
    assert is_login_redirect(app.test_client().get("/me/data.json"))


# --- 3. anonymise and erase --------------------------------------------------------------------------

def test_admin_privacy_page_is_scoped_to_the_gemeente(app, world):
    admin = login(app, "admin-a")
    assert admin.get(f"/admin/clients/{world.client.public_id}/privacy").status_code == 200
    assert admin.get(f"/admin/clients/{world.other_client.public_id}/privacy").status_code == 404
    assert admin.get("/admin/clients/not-a-uuid/privacy").status_code == 404
    token = csrf(admin)
    for action in ("anonymise", "erase"):
        response = admin.post(f"/admin/clients/{world.other_client.public_id}/{action}",
                              data={"csrf_token": token, "confirm": "sh-b", "art17": "1"})
        assert response.status_code == 404
    assert q(lambda: User.get_by_id(world.other_client.user_id).name) == "Yonas Tesfay"
    cp = login(app, "cp-a")
    assert cp.get(f"/admin/clients/{world.client.public_id}/privacy").status_code == 403
    assert cp.post(f"/admin/clients/{world.client.public_id}/erase",
                   data={"csrf_token": csrf(cp), "confirm": "sh-a", "art17": "1"}).status_code == 403


@pytest.mark.parametrize("action", ["anonymise", "erase"])
def test_refused_without_confirmation_or_ended_duty(app, world, action):
    admin = login(app, "admin-a")
    token = csrf(admin)
    path = f"/admin/clients/{world.client.public_id}/{action}"

    response = admin.post(path, data={"csrf_token": token, "confirm": "someone-else", "art17": "1"})
    assert response.status_code == 400
    assert field_error(text(response), "confirm")
    assert 'value="someone-else"' in text(response)

    response = admin.post(path, data={"csrf_token": token, "confirm": "sh-a"})
    assert response.status_code == 400
    assert "art. 17" in field_error(text(response), "art17")

    user = q(lambda: User.get_by_id(world.client.user_id))
    assert user.name == NAME and user.anonymised_at is None
    assert q(lambda: AuditLog.select().where(AuditLog.action.in_(("client.anonymised", "client.erased"))).count()) == 0


def test_anonymise_removes_identity_and_keeps_numbers(app, world):
    rich_file(world)
    c = world.client
    old = q(lambda: User.get_by_id(c.user_id))
    person = login(app, "sh-a")
    assert person.get("/me").status_code == 200
    q(lambda: Client.update(duty_ended_on=TODAY() - datetime.timedelta(days=30)).where(Client.id == c.id).execute())
    entries_before = q(lambda: [(e.public_id, e.hours, e.status) for e in Entry.select().where(Entry.client == c.id)
                                .order_by(Entry.id)])

    admin = login(app, "admin-a")
    page = text(admin.get(f"/admin/clients/{c.public_id}/privacy"))
    assert NAME in page and "sh-a" in page and "art17-anonymise" not in page  # duty ended: no art. 17 box
    response = admin.post(f"/admin/clients/{c.public_id}/anonymise", data={"csrf_token": csrf(admin), "confirm": "SH-A "})
    assert response.status_code == 302, text(response)[:400]

    user = q(lambda: User.get_by_id(c.user_id))
    assert user.name == f"Anonymised client {str(c.public_id)[:8]}"
    assert user.username != "sh-a" and user.username.startswith("anonymised-")
    assert user.password_hash is None and user.email is None and user.phone is None and user.calendar_token is None
    assert user.session_token != old.session_token and not user.active and user.anonymised_at is not None
    for model in (PushSubscription, Message, Outbox, ActivationCode):
        assert q(lambda: model.select().where(model.user == c.user_id).count()) == 0, model.__name__
    assert q(lambda: Appointment.select().where(Appointment.client == c.id).count()) == 0
    assert q(lambda: Placement.select().where(Placement.client == c.id).count()) == 0
    # The numbers stay, without free text.
    after = q(lambda: list(Entry.select().where(Entry.client == c.id).order_by(Entry.id)))
    assert [(e.public_id, e.hours, e.status) for e in after] == entries_before
    assert all(e.place is None and e.note is None for e in after)
    assert q(lambda: PipVersion.select().where(PipVersion.client == c.id).count()) == 1
    assert q(lambda: ExamPart.select().where(ExamPart.client == c.id).count()) == 1
    assert q(lambda: Step.get(Step.client == c.id).note) is None
    # Audited without the name; the person's old session and login are gone.
    [row] = q(lambda: list(AuditLog.select().where(AuditLog.action == "client.anonymised")))
    assert row.actor_id == world.admin.id and row.object_id == str(c.public_id) and row.client_id == c.id
    assert NAME not in audit_text() and "sh-a" not in audit_text()
    assert is_login_redirect(person.get("/me"))
    login_page = app.test_client()
    page = text(login_page.get("/login"))
    response = login_page.post("/login", data={"username": "sh-a", "password": factories.PASSWORD,
                                               "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)})
    assert response.status_code == 200  # refused, the form again
    # A second time says so and changes nothing.
    response = admin.post(f"/admin/clients/{c.public_id}/anonymise",
                          data={"csrf_token": csrf(admin), "confirm": user.username})
    assert response.status_code == 302
    assert q(lambda: AuditLog.select().where(AuditLog.action == "client.anonymised").count()) == 1
    # The anonymised client is no longer found by the old name.
    assert NAME not in text(admin.get("/admin/privacy?q=Amira"))


def test_anonymise_before_the_end_needs_an_art17_request(app, world):
    admin = login(app, "admin-a")
    response = admin.post(f"/admin/clients/{world.client.public_id}/anonymise",
                          data={"csrf_token": csrf(admin), "confirm": "sh-a", "art17": "1"})
    assert response.status_code == 302
    [row] = q(lambda: list(AuditLog.select().where(AuditLog.action == "client.anonymised")))
    assert row.after == {"reason": "art17"}
    assert q(lambda: User.get_by_id(world.client.user_id).anonymised_at) is not None


def test_erase_deletes_everything_and_keeps_the_audit_rows(app, world):
    rich_file(world)
    c = world.client
    cp = login(app, "cp-a")
    cp.get(f"/staff/clients/{c.public_id}")
    q(lambda: Client.update(duty_ended_on=TODAY() - datetime.timedelta(days=400)).where(Client.id == c.id).execute())
    admin = login(app, "admin-a")
    audit_before = q(lambda: [(r.id, r.action, r.object_id, r.before, r.after, r.created_at)
                              for r in AuditLog.select().order_by(AuditLog.id)])
    assert any(a[1] == "client.viewed" for a in audit_before)

    response = admin.post(f"/admin/clients/{c.public_id}/erase", data={"csrf_token": csrf(admin), "confirm": "sh-a"})
    assert response.status_code == 302 and urlparse(response.headers["Location"]).path == "/admin/privacy"
    assert str(c.public_id)[:8] in text(admin.get("/admin/privacy"))

    assert q(lambda: User.get_or_none(User.id == c.user_id)) is None
    assert q(lambda: Client.get_or_none(Client.id == c.id)) is None
    for model in (Entry, PipVersion, ExamPart, Appointment, Step):
        assert q(lambda: model.select().where(model.client == c.id).count()) == 0, model.__name__
    for model in (PushSubscription, Message, Outbox, ActivationCode):
        assert q(lambda: model.select().where(model.user == c.user_id).count()) == 0, model.__name__
    assert q(lambda: ExamAttempt.select().count()) == 0
    # The other gemeente's client is untouched.
    assert q(lambda: User.get_by_id(world.other_client.user_id).name) == "Yonas Tesfay"
    # Append-only: every earlier row is still there with the same content, plus one "client.erased".
    audit_after = q(lambda: [(r.id, r.action, r.object_id, r.before, r.after, r.created_at)
                             for r in AuditLog.select().order_by(AuditLog.id)])
    assert audit_after[:len(audit_before)] == audit_before
    [erased] = [row for row in audit_after[len(audit_before):] if row[1] == "client.erased"]
    assert erased[1:5] == ("client.erased", str(c.public_id), None, {"reason": "duty_ended"})
    assert NAME not in audit_text()
    assert admin.get(f"/admin/clients/{c.public_id}/privacy").status_code == 404


def test_audit_rows_never_hold_the_persons_name(app, world):
    cp = login(app, "cp-a")
    response = cp.post("/staff/clients/new", data={"csrf_token": csrf(cp), "name": "Fatima Noor", "locale": "en",
                                                   "coupled_on": (TODAY() - datetime.timedelta(days=30)).isoformat()})
    assert response.status_code == 200
    user = q(lambda: User.get(User.name == "Fatima Noor"))
    [row] = q(lambda: list(AuditLog.select().where(AuditLog.action == "client.created")))
    assert row.after == {"user": str(user.public_id), "coupled_on": (TODAY() - datetime.timedelta(days=30)).isoformat()}
    assert "Fatima" not in audit_text() and user.username not in audit_text()


# --- the end of the duty and the retention run -------------------------------------------------------

def test_admin_records_the_end_of_the_duty(app, world):
    admin = login(app, "admin-a")
    token = csrf(admin)
    path = f"/admin/clients/{world.client.public_id}/privacy/duty-ended"
    future = (TODAY() + datetime.timedelta(days=5)).isoformat()
    for bad in (future, "gisteren"):
        response = admin.post(path, data={"csrf_token": token, "duty_ended_on": bad})
        assert response.status_code == 400 and field_error(text(response), "duty_ended_on")
        assert f'value="{bad}"' in text(response)
    day = (TODAY() - datetime.timedelta(days=10)).isoformat()
    assert admin.post(path, data={"csrf_token": token, "duty_ended_on": day}).status_code == 302
    assert q(lambda: Client.get_by_id(world.client.id).duty_ended_on).isoformat() == day
    [row] = q(lambda: list(AuditLog.select().where(AuditLog.action == "client.duty_ended")))
    assert row.after == {"duty_ended_on": day} and row.before == {"duty_ended_on": None}
    assert admin.post(path, data={"csrf_token": token, "duty_ended_on": ""}).status_code == 302
    assert q(lambda: Client.get_by_id(world.client.id).duty_ended_on) is None


def test_add_months_keeps_the_end_of_the_month():
    assert privacy.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert privacy.add_months(datetime.date(2023, 1, 31), 1) == datetime.date(2023, 2, 28)
    assert privacy.add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert privacy.add_months(datetime.date(2024, 11, 15), 14) == datetime.date(2026, 1, 15)


def test_retention_setting_on_the_privacy_page(app, world):
    admin = login(app, "admin-a")
    token = csrf(admin)
    for bad in ("0", "121", "twelve", "-3"):
        response = admin.post("/admin/privacy", data={"csrf_token": token, "retention_months": bad})
        assert response.status_code == 400 and field_error(text(response), "retention_months"), bad
    assert admin.post("/admin/privacy", data={"csrf_token": token, "retention_months": "18"}).status_code == 302
    gemeente = q(lambda: Gemeente.get_by_id(world.gemeente.id))
    assert gemeente.settings["retention_months"] == 18 and privacy.retention_months(gemeente) == 18
    assert admin.post("/admin/privacy", data={"csrf_token": token, "retention_months": ""}).status_code == 302
    assert privacy.retention_months(q(lambda: Gemeente.get_by_id(world.gemeente.id))) == 12


def test_retention_run_anonymises_after_the_period(app, world):
    def setup():
        long_ago = TODAY() - datetime.timedelta(days=400)      # > 12 months
        recent = TODAY() - datetime.timedelta(days=200)        # < 12 months
        Client.update(duty_ended_on=long_ago).where(Client.id == world.client.id).execute()
        fresh = factories.client(world.gemeente, world.cp, "sh-a2", name="Omar Said", duty_ended_on=recent)
        running = factories.client(world.gemeente, world.cp, "sh-a3", name="Lina Aziz")
        # Gemeente B keeps 24 months: its client whose duty ended 400 days ago stays.
        Gemeente.update(settings={"retention_months": 24}).where(Gemeente.id == world.other_gemeente.id).execute()
        Client.update(duty_ended_on=long_ago).where(Client.id == world.other_client.id).execute()
        return fresh, running
    fresh, running = q(setup)

    admin = login(app, "admin-a")
    overview = text(admin.get("/admin/privacy"))
    assert NAME in overview and "Omar Said" not in overview and "Lina Aziz" not in overview
    assert "Omar Said" in text(admin.get("/admin/privacy?q=omar"))
    assert NAME in text(admin.get(f"/admin/privacy?q={world.client.public_id}"))

    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Nijkerk: would anonymise 1" in result.output and "Barneveld: would anonymise 0" in result.output
    assert q(lambda: User.get_by_id(world.client.user_id).anonymised_at) is None

    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "Nijkerk: anonymised 1" in result.output and "total: anonymised 1" in result.output
    users = q(lambda: {u.id: u for u in User.select()})
    assert users[world.client.user_id].anonymised_at is not None
    assert users[world.client.user_id].name.startswith("Anonymised client")
    for kept in (fresh.user_id, running.user_id, world.other_client.user_id):
        assert users[kept].anonymised_at is None
    [row] = q(lambda: list(AuditLog.select().where(AuditLog.action == "retention.anonymised")))
    assert row.actor_id is None and row.gemeente_id == world.gemeente.id and row.object_id == str(world.client.public_id)
    assert NAME not in audit_text()

    result = runner.invoke(args=["retention"])
    assert "total: anonymised 0" in result.output
    assert NAME not in text(admin.get("/admin/privacy"))


def test_export_numbers_are_json_numbers(app, world):
    q(lambda: factories.entry(world.client, hours="1.25", days_ago=2))
    data = json.loads(text(login(app, "sh-a").get("/me/data.json")))
    assert sorted(e["hours"] for e in data["entries"]) == [1.25, 2]
    assert Decimal(str(data["entries"][0]["hours"]))


def test_every_table_with_personal_rows_is_handled():
    """A new table that links to a client (or cascades from a user) must get a line in privacy.ON_ANONYMISE,
    so anonymising, erasing and the export are thought through for it."""
    personal = set()
    for model in MODELS:
        for field in model._meta.refs:
            if field.rel_model is Client or (field.rel_model is User and field.on_delete == "CASCADE"):
                personal.add(model.__name__)
    missing = sorted(personal - set(privacy.ON_ANONYMISE))
    assert not missing, f"not in privacy.ON_ANONYMISE (decide what anonymising does with it): {missing}"


def test_odd_search_input_is_no_error(app, world):
    admin = login(app, "admin-a")
    for odd in ("%00", "%25", "_", "x" * 500, "%D8%A3%D9%85%D9%8A%D8%B1%D8%A9", "00000000-0000-0000-0000-000000000000"):
        response = admin.get(f"/admin/privacy?q={odd}")
        assert response.status_code == 200, odd
        assert "Yonas" not in text(response)
