"""Supervisor confirmation without an account: placements, the one-time link and its audit trail."""
import datetime
import hashlib
import html
import re

import pytest

from tests import factories
from tests.conftest import csrf_of
from tests.helpers import csrf, login, q, text
from tracker import supervision
from tracker.models import AuditLog, Entry, Placement, SupervisorRequest, utcnow

VRIJWILLIG = "PARTICIPATIE_VRIJWILLIGERSWERK"
LINK_RE = re.compile(r'href="(?:https?://[^/"]+)?/supervisor/([A-Za-z0-9_-]+)"')


def field_error(page: str, name: str) -> str | None:
    match = re.search(rf'class="[^"]*\bfield-error\b[^"]*" id="{re.escape(name)}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def audit(action: str) -> list[AuditLog]:
    return q(lambda: list(AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id)))


def reload(row):
    return q(lambda: type(row).get_by_id(row.id))


def placement(client, category=VRIJWILLIG, organisation="Voedselbank Nijkerk", name="Henk Jansen",
              contact="henk@voedselbank.example") -> Placement:
    return q(lambda: Placement.create(client=client, organisation=organisation, supervisor_name=name,
                                      supervisor_contact=contact, category=category))


def anonymous_form(http, path: str) -> tuple[str, str]:
    """The supervisor's page and its CSRF token (an anonymous browser gets one with the page)."""
    page = http.get(path)
    body = text(page)
    return body, csrf_of(body)


def make_link(app, placement_row, entries) -> str:
    """Make a link through the statushouder's page; returns the plain token from the page."""
    sh = login(app, "sh-a")
    path = f"/me/placements/{placement_row.public_id}/request"
    key = re.search(r'name="form_key" value="([0-9a-f]{32})"', text(sh.get(path))).group(1)
    response = sh.post(path, data={"csrf_token": csrf(sh), "form_key": key,
                                   "entry": [str(e.public_id) for e in entries]})
    assert response.status_code == 200, text(response)[:500]
    assert "no-store" in response.headers["Cache-Control"]
    match = LINK_RE.search(text(response))
    assert match, "no supervisor link on the page"
    return match.group(1)


# --- placements ----------------------------------------------------------------------------------

def test_statushouder_adds_a_placement(app, world):
    sh = login(app, "sh-a")
    token = csrf(sh)
    assert sh.get("/me/placements").status_code == 200
    response = sh.post("/me/placements", data={"csrf_token": token, "organisation": "", "supervisor_name": "",
                                               "supervisor_contact": "not a contact", "category": "TAALLES"})
    assert response.status_code == 400
    page = text(response)
    for name in ("organisation", "supervisor_name", "supervisor_contact", "category"):
        assert field_error(page, name), name
    assert q(lambda: Placement.select().count()) == 0
    assert audit("placement.created") == []

    response = sh.post("/me/placements", data={"csrf_token": token, "organisation": "Voedselbank",
                                               "supervisor_name": "Henk Jansen", "supervisor_contact": "06 1234 5678",
                                               "category": "MAP_PRAKTIJK"})
    assert response.status_code == 302
    row = q(lambda: Placement.get())
    assert row.client_id == world.client.id and row.category == "MAP_PRAKTIJK"
    assert response.headers["Location"].endswith(f"/me/placements/{row.public_id}/request")
    [log] = audit("placement.created")
    assert log.actor_id == world.client.user_id and log.client_id == world.client.id
    assert log.after["supervisor_name"] == "Henk Jansen"
    assert "Voedselbank" in text(sh.get("/me/placements"))
    # The logbook leads to these pages.
    assert "/me/placements" in text(sh.get("/me/logbook"))


def test_placement_of_another_client_is_404(app, world):
    other = placement(world.other_client)
    sh = login(app, "sh-a")
    assert sh.get(f"/me/placements/{other.public_id}/request").status_code == 404
    assert sh.post(f"/me/placements/{other.public_id}/request", data={"csrf_token": csrf(sh)}).status_code == 404


# --- the link ------------------------------------------------------------------------------------

def test_link_lifecycle(app, world):
    c = world.client
    p = placement(c)
    first = q(lambda: factories.entry(c, category=VRIJWILLIG, hours="3", days_ago=5, place="Magazijn"))
    second = q(lambda: factories.entry(c, category=VRIJWILLIG, hours="2", days_ago=4))
    other_category = q(lambda: factories.entry(c, category="TAALLES", days_ago=4))
    confirmed = q(lambda: factories.entry(c, category=VRIJWILLIG, status="CONFIRMED", days_ago=6))

    sh = login(app, "sh-a")
    page = text(sh.get(f"/me/placements/{p.public_id}/request"))
    assert str(first.public_id) in page and str(second.public_id) in page
    assert str(other_category.public_id) not in page and str(confirmed.public_id) not in page
    response = sh.post(f"/me/placements/{p.public_id}/request", data={"csrf_token": csrf(sh)})
    assert response.status_code == 400 and field_error(text(response), "entries")
    assert q(lambda: SupervisorRequest.select().count()) == 0

    token = make_link(app, p, [first, second])
    req = q(lambda: SupervisorRequest.get())
    assert req.token_hash == hashlib.sha256(token.encode()).hexdigest() and req.used_at is None
    assert datetime.timedelta(days=13, hours=23) < req.expires_at - utcnow() <= datetime.timedelta(days=14)
    assert {reload(first).supervisor_request_id, reload(second).supervisor_request_id} == {req.id}
    [log] = audit("supervisor.link_created")
    assert sorted(log.after["entries"]) == sorted([str(first.public_id), str(second.public_id)])
    assert token not in str(log.after)   # the secret itself is stored nowhere

    # The supervisor's page: no account, Dutch, first name only, no app menu.
    supervisor = app.test_client()
    path = f"/supervisor/{token}"
    response = supervisor.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    page = text(response)
    assert '<html lang="nl"' in page and "mainnav" not in page
    assert "Amira" in page and "Haddad" not in page and "Voedselbank Nijkerk" in page
    assert "Magazijn" in page and str(other_category.public_id) not in page
    token_csrf = csrf_of(page)

    # Incomplete answers: messages next to the fields, 400, nothing saved, the link still works.
    response = supervisor.post(path, data={"csrf_token": token_csrf, f"decision-{first.public_id}": "confirmed",
                                           f"decision-{second.public_id}": "rejected"})
    assert response.status_code == 400
    assert field_error(text(response), f"reason-{second.public_id}")
    response = supervisor.post(path, data={"csrf_token": token_csrf})
    assert response.status_code == 400 and field_error(text(response), f"decision-{first.public_id}")
    assert reload(req).used_at is None and reload(first).supervisor_decision is None

    shown = {e.public_id: supervision.shown_signature(reload(e)) for e in (first, second)}
    answers = {"csrf_token": token_csrf,
               f"decision-{first.public_id}": "confirmed", f"shown-{first.public_id}": shown[first.public_id],
               f"decision-{second.public_id}": "rejected", f"shown-{second.public_id}": shown[second.public_id],
               f"reason-{second.public_id}": "Die dag was ze er niet"}
    response = supervisor.post(path, data=answers)
    assert response.status_code == 200, text(response)[:500]
    a, b = reload(first), reload(second)
    assert (a.supervisor_decision, a.supervisor_reason, a.supervisor_request_id) == ("confirmed", None, req.id)
    assert (b.supervisor_decision, b.supervisor_reason) == ("rejected", "Die dag was ze er niet")
    assert a.supervisor_decided_at and b.supervisor_decided_at
    # The supervisor's rejection does not reject the entry: the contactpersoon decides.
    assert a.status == b.status == "SUBMITTED" and a.decided_by_id is None
    assert reload(req).used_at is not None
    [ok] = audit("supervisor.confirmed")
    [no] = audit("supervisor.rejected")
    assert ok.actor_id is None and ok.object_id == str(first.public_id) and ok.client_id == c.id
    assert ok.after["supervisor_name"] == "Henk Jansen" and ok.gemeente_id == world.gemeente.id
    assert no.after["supervisor_reason"] == "Die dag was ze er niet" and no.after["supervisor_name"] == "Henk Jansen"

    # Used up: a second visit and a second submit say so and change nothing.
    response = supervisor.get(path)
    # The supervisor page is always Dutch.
    assert response.status_code == 410 and "Deze link is al gebruikt" in text(response)
    answers[f"decision-{second.public_id}"] = "confirmed"
    assert supervisor.post(path, data=answers).status_code == 410
    assert reload(second).supervisor_decision == "rejected"
    assert len(audit("supervisor.confirmed")) == 1

    # Decided entries cannot go on a new link.
    page = text(sh.get(f"/me/placements/{p.public_id}/request"))
    assert str(first.public_id) not in page


def test_expired_link(app, world):
    c = world.client
    p = placement(c)
    e = q(lambda: factories.entry(c, category=VRIJWILLIG))
    _req, token, _entries = q(lambda: supervision.create_request(
        c, p, [str(e.public_id)], None, now=utcnow() - datetime.timedelta(days=14, minutes=1)))
    http = app.test_client()
    response = http.get(f"/supervisor/{token}")
    assert response.status_code == 410 and "Deze link is verlopen" in text(response)
    form = {"csrf_token": csrf_of(text(http.get("/login"))), f"decision-{e.public_id}": "confirmed",
            f"shown-{e.public_id}": supervision.shown_signature(e)}
    assert http.post(f"/supervisor/{token}", data=form).status_code == 410
    assert reload(e).supervisor_decision is None and audit("supervisor.confirmed") == []


def test_wrong_token_is_404(app, world):
    http = app.test_client()
    token = csrf_of(text(http.get("/login")))
    for bad in ("nope", "x" * 43, "y" * 300):
        assert http.get(f"/supervisor/{bad}").status_code == 404
        assert http.post(f"/supervisor/{bad}", data={"csrf_token": token}).status_code == 404


def test_single_use_in_the_database(app, world):
    """Two submits of the same link (a double click, two tabs): the second finds it used."""
    c = world.client
    p = placement(c)
    e = q(lambda: factories.entry(c, category=VRIJWILLIG))
    _req, token, _entries = q(lambda: supervision.create_request(c, p, [str(e.public_id)], None))
    form = {f"decision-{e.public_id}": "confirmed", f"shown-{e.public_id}": supervision.shown_signature(e)}

    def twice():
        first, second = supervision.find_link(token), supervision.find_link(token)
        supervision.submit(first, form)
        with pytest.raises(supervision.LinkNotOpen) as exc:
            supervision.submit(second, form)
        return exc.value.state
    assert q(twice) == "used"
    assert len(audit("supervisor.confirmed")) == 1


def test_other_clients_entries_cannot_go_on_a_link(app, world):
    c = world.client
    p = placement(c)
    own = q(lambda: factories.entry(c, category=VRIJWILLIG))
    foreign = q(lambda: factories.entry(world.other_client, category=VRIJWILLIG))
    neighbour = q(lambda: factories.entry(factories.client(world.gemeente, world.cp, "sh-a2"), category=VRIJWILLIG))
    taalles = q(lambda: factories.entry(c, category="TAALLES"))
    sh = login(app, "sh-a")
    token = csrf(sh)
    for intruder in (foreign, neighbour, taalles):
        response = sh.post(f"/me/placements/{p.public_id}/request",
                           data={"csrf_token": token, "entry": [str(own.public_id), str(intruder.public_id)]})
        assert response.status_code == 400 and field_error(text(response), "entries")
    response = sh.post(f"/me/placements/{p.public_id}/request", data={"csrf_token": token, "entry": ["not-a-uuid"]})
    assert response.status_code == 400
    assert q(lambda: SupervisorRequest.select().count()) == 0
    assert q(lambda: Entry.select().where(Entry.supervisor_request.is_null(False)).count()) == 0


def test_statushouder_cannot_confirm_own_hours(app, world):
    c = world.client
    p = placement(c)
    e = q(lambda: factories.entry(c, category=VRIJWILLIG))
    token = make_link(app, p, [e])
    sh = login(app, "sh-a")
    response = sh.get(f"/supervisor/{token}")
    assert response.status_code == 403 and f"decision-{e.public_id}" not in text(response)
    response = sh.post(f"/supervisor/{token}", data={"csrf_token": csrf(sh), f"decision-{e.public_id}": "confirmed",
                                                     f"shown-{e.public_id}": supervision.shown_signature(e)})
    assert response.status_code == 403
    assert reload(e).supervisor_decision is None


def test_entry_changed_after_the_supervisor_looked_is_not_saved(app, world):
    c = world.client
    p = placement(c)
    e = q(lambda: factories.entry(c, category=VRIJWILLIG, hours="2"))
    token = make_link(app, p, [e])
    http = app.test_client()
    page, token_csrf = anonymous_form(http, f"/supervisor/{token}")
    signature = re.search(rf'name="shown-{e.public_id}" value="([^"]+)"', page).group(1)
    # The client changes the hours while the supervisor's page is open.
    q(lambda: Entry.update(hours=8, updated_at=utcnow()).where(Entry.id == e.id).execute())
    response = http.post(f"/supervisor/{token}", data={"csrf_token": token_csrf, f"decision-{e.public_id}": "confirmed",
                                                       f"shown-{e.public_id}": signature})
    assert response.status_code == 200
    assert reload(e).supervisor_decision is None and audit("supervisor.confirmed") == []


def test_a_new_link_takes_over_the_entries(app, world):
    c = world.client
    p = placement(c)
    e = q(lambda: factories.entry(c, category=VRIJWILLIG))
    old = make_link(app, p, [e])
    new = make_link(app, p, [e])
    http = app.test_client()
    response = http.get(f"/supervisor/{old}")
    assert response.status_code == 200 and f"decision-{e.public_id}" not in text(response)
    assert f"decision-{e.public_id}" in text(http.get(f"/supervisor/{new}"))


def test_a_client_edit_makes_the_supervisor_answer_stale(app, world):
    """An edit after the supervisor's answer: the answer no longer counts and the entry can be asked again."""
    c = world.client
    p = placement(c)
    e = q(lambda: factories.entry(c, category=VRIJWILLIG))
    _req, token, _ = q(lambda: supervision.create_request(c, p, [str(e.public_id)], None))
    q(lambda: supervision.submit(supervision.find_link(token), {
        f"decision-{e.public_id}": "confirmed", f"shown-{e.public_id}": supervision.shown_signature(e)}))
    assert supervision.current_decision(reload(e)) == "confirmed"
    assert q(lambda: list(supervision.open_entries(c, VRIJWILLIG))) == []
    q(lambda: Entry.update(updated_at=utcnow() + datetime.timedelta(seconds=1)).where(Entry.id == e.id).execute())
    assert supervision.current_decision(reload(e)) is None
    assert [x.id for x in q(lambda: list(supervision.open_entries(c, VRIJWILLIG)))] == [e.id]


def test_link_page_has_qr_and_share_link(app, world):
    c = world.client
    p = placement(c, contact="henk@voedselbank.example")
    e = q(lambda: factories.entry(c, category=VRIJWILLIG))
    sh = login(app, "sh-a")
    response = sh.post(f"/me/placements/{p.public_id}/request", data={"csrf_token": csrf(sh), "entry": [str(e.public_id)]})
    page = text(response)
    assert re.search(r"<svg\b", page) and 'href="mailto:henk@voedselbank.example?subject=' in page
    assert "<script>" not in page
    phone = placement(c, contact="+31 6 1234 5678", organisation="Kringloop")
    e2 = q(lambda: factories.entry(c, category=VRIJWILLIG, days_ago=5))
    response = sh.post(f"/me/placements/{phone.public_id}/request", data={"csrf_token": csrf(sh), "entry": [str(e2.public_id)]})
    assert 'href="sms:+31612345678?body=' in text(response)
