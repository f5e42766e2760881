"""A double tap on submit: the second POST of the same rendered form saves nothing."""
import datetime
import re

from tracker.extensions import db
from tracker.models import Appointment, FormKey, GroupSession, User, utcnow
from tracker.web import formkeys
from tests.helpers import login, token


def test_same_form_twice_saves_one_appointment(app, world):
    cp = login(app, "cp-a")
    page = cp.get(f"/staff/clients/{world.client.public_id}").get_data(as_text=True)
    form = page[page.index('action="/staff/clients/' + str(world.client.public_id) + '/appointments"'):]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    key = re.search(r'name="form_key" value="([0-9a-f]{32})"', form).group(1)
    starts = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    data = {"csrf_token": csrf, "form_key": key, "kind": "VOORTGANGSGESPREK", "starts_at": starts,
            "location": "Gemeentehuis"}
    referrer = f"http://localhost/staff/clients/{world.client.public_id}"
    first = cp.post(f"/staff/clients/{world.client.public_id}/appointments", data=data,
                    headers={"Referer": referrer})
    second = cp.post(f"/staff/clients/{world.client.public_id}/appointments", data=data,
                     headers={"Referer": referrer})
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"].endswith(f"/staff/clients/{world.client.public_id}")
    with db.connection_context():
        assert Appointment.select().where(Appointment.client == world.client.id).count() == 1
        assert FormKey.select().where(FormKey.key == key).count() == 1
    # A freshly rendered form has a new key, so planning a second appointment on purpose works.
    page = cp.get(f"/staff/clients/{world.client.public_id}").get_data(as_text=True)
    assert key not in page


def test_a_refused_form_sent_again_with_its_key_is_saved(app, world):
    """The key of a refused submit is not kept: the same page sent again, corrected, saves (it is
    not answered "already saved" while nothing was saved)."""
    cp = login(app, "cp-a")
    page = cp.get(f"/staff/clients/{world.client.public_id}").get_data(as_text=True)
    form = page[page.index('action="/staff/clients/' + str(world.client.public_id) + '/appointments"'):]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    key = re.search(r'name="form_key" value="([0-9a-f]{32})"', form).group(1)
    url = f"/staff/clients/{world.client.public_id}/appointments"
    refused = cp.post(url, data={"csrf_token": csrf, "form_key": key, "kind": "VOORTGANGSGESPREK",
                                 "starts_at": "not a time", "location": "Gemeentehuis"})
    assert refused.status_code == 400
    starts = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    saved = cp.post(url, data={"csrf_token": csrf, "form_key": key, "kind": "VOORTGANGSGESPREK",
                               "starts_at": starts, "location": "Gemeentehuis"})
    assert saved.status_code == 302
    with db.connection_context():
        assert Appointment.select().where(Appointment.client == world.client.id).count() == 1
        assert FormKey.select().where(FormKey.key == key).count() == 1


# --- a form sent without its key (a script, a page cached before the keys existed) --------------

def _appointment(world, **fields):
    starts = (datetime.date.today() + datetime.timedelta(days=3)).isoformat() + "T10:00"
    return dict({"kind": "VOORTGANGSGESPREK", "starts_at": starts, "location": "Gemeentehuis"}, **fields)


def _appointments(world) -> int:
    with db.connection_context():
        return Appointment.select().where(Appointment.client == world.client.id).count()


def test_same_keyless_form_twice_saves_one_appointment(app, world):
    cp = login(app, "cp-a")
    page = f"/staff/clients/{world.client.public_id}"
    data = dict(_appointment(world), csrf_token=token(cp, page))
    referrer = {"Referer": f"http://localhost{page}"}
    first = cp.post(f"{page}/appointments", data=data, headers=referrer)
    second = cp.post(f"{page}/appointments", data=data, headers=referrer)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].endswith(page)
    assert "Dit was al opgeslagen." in cp.get(second.headers["Location"]).get_data(as_text=True)
    assert _appointments(world) == 1
    # Something else in between: the same form again is a new act.
    assert cp.post(f"{page}/appointments", data=dict(data, location="Bibliotheek")).status_code == 302
    assert cp.post(f"{page}/appointments", data=data).status_code == 302
    assert _appointments(world) == 3


def test_keyless_repeat_is_only_the_previous_submit(app, world):
    """On, off, on again: the third is the same as the first, but not as the one just before it."""
    sh = login(app, "sh-a")
    csrf = token(sh, "/settings")
    for path in ("/settings/calendar", "/settings/calendar/off", "/settings/calendar"):
        assert sh.post(path, data={"csrf_token": csrf}).status_code == 302
    with db.connection_context():
        assert User.get(User.username == "sh-a").calendar_token is not None


def test_refused_keyless_submit_can_be_sent_again(app, world):
    cp = login(app, "cp-a")
    page = f"/staff/clients/{world.client.public_id}"
    data = dict(_appointment(world, starts_at=""), csrf_token=token(cp, page))
    for _ in range(2):
        response = cp.post(f"{page}/appointments", data=data)
        assert response.status_code == 400 and "field-error" in response.get_data(as_text=True)
    with db.connection_context():
        assert FormKey.select().where(FormKey.digest.is_null(False)).count() == 0


def test_keyless_repeat_after_the_window_saves_again(app, world):
    cp = login(app, "cp-a")
    page = f"/staff/clients/{world.client.public_id}"
    data = dict(_appointment(world), csrf_token=token(cp, page))
    assert cp.post(f"{page}/appointments", data=data).status_code == 302
    before_the_window = utcnow() - datetime.timedelta(seconds=app.config["FORM_REPEAT_SECONDS"] + 1)
    with db.connection_context():
        FormKey.update(created_at=before_the_window).where(FormKey.digest.is_null(False)).execute()
    assert cp.post(f"{page}/appointments", data=data).status_code == 302
    assert _appointments(world) == 2


def test_the_same_form_by_another_user_is_not_a_repeat(app, world):
    sessions = []
    for username in ("cp-a", "cp2-a"):
        http = login(app, username)
        data = {"category": "PVT_SESSIE", "title": "PVT: zorg", "duration": "2", "location": "Bibliotheek",
                "starts_at": (datetime.date.today() + datetime.timedelta(days=3)).isoformat() + "T14:00",
                "csrf_token": token(http, "/staff/sessions")}
        sessions.append(http.post("/staff/sessions", data=data))
    assert [r.status_code for r in sessions] == [302, 302]
    with db.connection_context():
        assert GroupSession.select().where(GroupSession.title == "PVT: zorg").count() == 2


def test_old_form_keys_are_forgotten(app, world):
    now = utcnow()
    window = datetime.timedelta(seconds=app.config["FORM_REPEAT_SECONDS"])
    days = datetime.timedelta(days=app.config["FORM_KEY_DAYS"])
    rows = {"old-key": (now - days - window, None), "new-key": (now - window * 2, None),
            "old-digest": (now - window * 2, "d" * 64), "new-digest": (now, "d" * 64)}
    with app.app_context(), db.connection_context():
        for key, (created_at, digest) in rows.items():
            FormKey.create(key=key, created_at=created_at, digest=digest)
        assert formkeys.forget(now) == 2
        assert sorted(k.key for k in FormKey.select()) == ["new-digest", "new-key"]


def test_logging_out_again_soon_after_works(app, world):
    """Log out, log in again and log out with the same form: the second logout is not taken for a repeat."""
    for _ in range(2):
        sh = login(app, "sh-a")
        assert sh.post("/logout", data={"csrf_token": token(sh, "/settings")}).status_code == 302
        assert sh.get("/settings").headers["Location"].startswith("/login")
