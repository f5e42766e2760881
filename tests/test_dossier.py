"""The contactpersoon's printable dossier of one client."""
import datetime
import uuid
from decimal import Decimal

from tests import factories
from tests.helpers import login, q
from tracker.audit import record
from tracker.models import (AuditLog, Entry, ExamAttempt, ExamPart, GroupSession, PipVersion, Step, User, Verlenging,
                            utcnow)


def _fill(world):
    c, cp = world.client, world.cp
    today = factories.today()
    PipVersion.create(client=c, version=2, dagtekening=today - datetime.timedelta(days=100), leerroute="Z",
                      change_reason="SCHAKELEN", agreements=["Vrijwilligerswerk bij de bibliotheek"], created_by=cp)
    confirmed = Entry.create(client_uuid=uuid.uuid4(), client=c, category="PARTICIPATIE_VRIJWILLIGERSWERK",
                             entry_date=today - datetime.timedelta(days=20), hours=Decimal("3.5"), status="CONFIRMED",
                             place="Bibliotheek Oost", decided_by=world.cp2, decided_at=utcnow(), created_by=c.user)
    record(world.cp2, "entry.confirmed", confirmed, before={"status": "SUBMITTED"}, after={"status": "CONFIRMED"},
           client=c)
    session = GroupSession.create(gemeente=world.gemeente, category="KNM_LES", title="KNM: wonen en werken",
                                  starts_at=utcnow() - datetime.timedelta(days=5),
                                  ends_at=utcnow() - datetime.timedelta(days=5) + datetime.timedelta(hours=2))
    Entry.create(client_uuid=uuid.uuid4(), client=c, session=session, category="KNM_LES",
                 entry_date=today - datetime.timedelta(days=5), hours=Decimal(2), status="CONFIRMED",
                 decided_by=cp, decided_at=utcnow(), created_by=c.user)
    Entry.create(client_uuid=uuid.uuid4(), client=c, category="TAALLES", entry_date=today - datetime.timedelta(days=9),
                 hours=Decimal(1), status="WITHDRAWN", place="Ingetrokken plek", created_by=c.user)
    part = ExamPart.create(client=c, code="KNM", niveau=None)
    ExamAttempt.create(part=part, exam_date=today - datetime.timedelta(days=30), result="GESLAAGD", created_by=cp)
    Step.create(client=c, code="KENNISMAKING", status="DONE", date=c.coupled_on, note="Kennismaking thuis",
                updated_by=cp)
    Verlenging.create(client=c, einddatum=today + datetime.timedelta(days=1500), grond="Ziekte van drie maanden",
                      decided_on=today - datetime.timedelta(days=3), created_by=cp)
    User.update(locale="en").where(User.username.in_(("cp-a", "cp2-a"))).execute()


def test_dossier_shows_the_whole_file(app, world):
    q(lambda: _fill(world))
    http = login(app, "cp2-a")
    response = http.get(f"/staff/clients/{world.client.public_id}/dossier")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Amira Haddad" in page
    # Plan versions: both, with their agreements and who adopted the new one.
    assert "Version 1" in page and "Version 2" in page
    assert "Taalles 3 dagdelen per week" in page and "Vrijwilligerswerk bij de bibliotheek" in page
    assert "Switch to another leerroute" in page
    # Hours with who confirmed them; withdrawn entries are left out.
    hours = page.split('class="utrecht-table utrecht-table--html-table dossier-entries"', 1)[1].split("</table>", 1)[0]
    volunteer, session_row, submitted = hours.split("<tr>")[2:]  # oldest first
    assert "Bibliotheek Oost" in volunteer and "3.5" in volunteer
    assert "Pieter Bakker" in volunteer  # cp2-a confirmed the volunteer hours
    assert "Sanne de Vries" in session_row  # cp-a confirmed the session
    assert "Ingetrokken plek" not in page
    # Sessions, steps, exams, verlenging, audit trail.
    assert "KNM: wonen en werken" in page
    assert "Kennismaking thuis" in page
    assert "Knowledge of Dutch society (KNM)" in page and "Passed" in page
    assert "Ziekte van drie maanden" in page
    assert "entry.confirmed" in page
    assert "Dossier" in page and "no-print" in page


def test_dossier_is_audited(app, world):
    http = login(app, "cp-a")
    assert http.get(f"/staff/clients/{world.client.public_id}/dossier").status_code == 200
    rows = q(lambda: list(AuditLog.select().where(AuditLog.action == "client.dossier_viewed")))
    assert len(rows) == 1
    assert rows[0].object_id == str(world.client.public_id)
    assert rows[0].client_id == world.client.id and rows[0].actor_id == world.cp.id
    # Openings are counted in the audit section, not listed one by one.
    page = http.get(f"/staff/clients/{world.client.public_id}/dossier").get_data(as_text=True)
    assert "client.dossier_viewed" not in page


def test_dossier_of_another_gemeente_is_404(app, world):
    http = login(app, "cp-a")
    assert http.get(f"/staff/clients/{world.other_client.public_id}/dossier").status_code == 404
    assert http.get(f"/staff/clients/{uuid.uuid4()}/dossier").status_code == 404
    assert q(lambda: AuditLog.select().where(AuditLog.action == "client.dossier_viewed").count()) == 0


def test_dossier_is_for_contactpersonen_only(app, world):
    assert login(app, "sh-a").get(f"/staff/clients/{world.client.public_id}/dossier").status_code == 403
    assert login(app, "admin-a").get(f"/staff/clients/{world.client.public_id}/dossier").status_code == 403


def test_client_page_links_to_the_dossier(app, world):
    http = login(app, "cp-a")
    page = http.get(f"/staff/clients/{world.client.public_id}").get_data(as_text=True)
    assert f"/staff/clients/{world.client.public_id}/dossier" in page
