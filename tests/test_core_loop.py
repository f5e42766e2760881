"""The core loop through the web pages: log hours, see them pending, confirm, see them counted."""
import datetime
import uuid

from tracker.models import AuditLog, Entry
from tests.helpers import login, token


def test_statushouder_logs_hours_and_contactpersoon_confirms(app, world):
    sh = login(app, "sh-a")
    csrf = token(sh, "/me/logbook")
    client_uuid = str(uuid.uuid4())
    form = {"csrf_token": csrf, "client_uuid": client_uuid, "category": "PARTICIPATIE_VRIJWILLIGERSWERK",
            "hours": "2", "entry_date": datetime.date.today().isoformat(), "place": "Voedselbank"}
    assert sh.post("/me/logbook", data=form).status_code == 302
    # A double tap sends the same form again: still one entry.
    assert sh.post("/me/logbook", data=form).status_code == 302
    with app.app_context():
        from tracker.extensions import db
        with db.connection_context():
            entries = list(Entry.select().where(Entry.client_uuid == client_uuid))
    assert len(entries) == 1 and entries[0].status == "SUBMITTED"

    page = sh.get("/me/logbook").get_data(as_text=True)
    assert "Voedselbank" in page

    cp = login(app, "cp-a")
    inbox = cp.get("/staff/inbox")
    assert inbox.status_code == 200
    assert "Voedselbank" in inbox.get_data(as_text=True)
    response = cp.post("/staff/inbox", data={"csrf_token": token(cp, "/staff/inbox"), "action": "confirm",
                                             "entry": [str(entries[0].public_id)]})
    assert response.status_code == 302
    with app.app_context():
        from tracker.extensions import db
        with db.connection_context():
            entry = Entry.get_by_id(entries[0].id)
            assert entry.status == "CONFIRMED" and entry.decided_by_id == world.cp.id
            assert AuditLog.select().where(AuditLog.action == "entry.confirmed",
                                           AuditLog.object_id == str(entry.public_id)).count() == 1


def test_pages_render_for_each_role(app, world):
    sh = login(app, "sh-a")
    for path in ["/me", "/me/plan", "/me/steps", "/me/logbook", "/me/exam", "/me/appointments", "/me/help", "/settings"]:
        response = sh.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:2000])
