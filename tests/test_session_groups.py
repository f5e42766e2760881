"""The group of a session: only its clients get the session's reminders and see it in their
logbook; a session without a group is for everyone whose module it is."""
import datetime

from tests import factories
from tests.helpers import login, q, text
from tracker.extensions import db
from tracker.models import AuditLog, GroupSession, Outbox, SessionInvite, utcnow
from tracker.notify import planner
from tracker.privacy import anonymise, export


def _lesson(world, hours_ahead=20, **kw):
    now = utcnow()
    return GroupSession.create(gemeente=world.gemeente, category="KNM_LES", title=kw.pop("title", "KNM groep 2"),
                               starts_at=now + datetime.timedelta(hours=hours_ahead),
                               ends_at=now + datetime.timedelta(hours=hours_ahead + 2), **kw)


def _people(world, n):
    people = []
    for i in range(n):
        c = factories.client(world.gemeente, world.cp, f"sh-group{i}", name=f"Groep {i}")
        factories.pip(c)
        people.append(c)
    return people


def test_a_group_gets_the_reminders_and_nobody_else(app, world):
    now = utcnow().replace(second=0, microsecond=0)
    with app.app_context(), db.connection_context():
        people = _people(world, 3)
        no_plan = factories.client(world.gemeente, world.cp, "sh-noplan", name="Nog geen PIP")
        grouped = _lesson(world, hours_ahead=20, title="KNM groep 2")
        open_lesson = _lesson(world, hours_ahead=21, title="KNM open les")
        for member in (people[0], no_plan):      # invited, so reminded even without a leerroute
            SessionInvite.create(session=grouped, client=member)
        planner.plan(now)
        reminded = {}
        for row in Outbox.select().where(Outbox.kind == "session_soon"):
            reminded.setdefault(row.params["starts_at"][:13], set()).add(row.user_id)
    by_session = {grouped.starts_at.isoformat()[:13]: {people[0].user_id, no_plan.user_id},
                  open_lesson.starts_at.isoformat()[:13]: {c.user_id for c in people} | {world.client.user_id}}
    assert reminded == by_session


def test_the_contactpersoon_chooses_the_group(app, world):
    with db.connection_context():
        people = _people(world, 2)
        session = _lesson(world)
    cp = login(app, "cp-a")
    page = text(cp.get(f"/staff/sessions/{session.public_id}/group"))
    assert "Groep 0" in page and "Groep 1" in page and "Yonas Tesfay" not in page   # gemeente B's client
    response = cp.post(f"/staff/sessions/{session.public_id}/group", data={
        "csrf_token": _token(page), "client": [str(p.public_id) for p in people]})
    assert response.status_code == 302
    assert q(lambda: {i.client_id for i in SessionInvite.select()}) == {p.id for p in people}
    assert "Groep: 2 klanten" in text(cp.get("/staff/sessions"))
    # One of them out, nobody else in; the audit log says who changed the group from what to what.
    page = text(cp.get(f"/staff/sessions/{session.public_id}/group"))
    assert page.count(" checked") == 2
    cp.post(f"/staff/sessions/{session.public_id}/group", data={"csrf_token": _token(page),
                                                                  "client": [str(people[1].public_id)]})
    assert q(lambda: {i.client_id for i in SessionInvite.select()}) == {people[1].id}
    rows = q(lambda: list(AuditLog.select().where(AuditLog.action == "session.group_changed").order_by(AuditLog.id)))
    assert [r.actor_id for r in rows] == [world.cp.id, world.cp.id]
    assert rows[-1].before == {"clients": sorted(str(p.public_id) for p in people)}
    assert rows[-1].after == {"clients": [str(people[1].public_id)]}


def test_a_client_of_another_gemeente_changes_nothing(app, world):
    with db.connection_context():
        (mine,) = _people(world, 1)
        session = _lesson(world)
        SessionInvite.create(session=session, client=mine)
    cp = login(app, "cp-a")
    page = text(cp.get(f"/staff/sessions/{session.public_id}/group"))
    for bad in ([str(world.other_client.public_id)], ["not-an-id"]):
        response = cp.post(f"/staff/sessions/{session.public_id}/group",
                           data={"csrf_token": _token(page), "client": [str(mine.public_id)] + bad})
        assert response.status_code == 400 and 'role="alert"' in text(response)
        assert q(lambda: [i.client_id for i in SessionInvite.select()]) == [mine.id]
        assert text(response).count(" checked") == 1       # the client that could be read stays ticked
    # Another gemeente's contactpersoon does not find the session at all.
    other = login(app, "cp-b")
    assert other.get(f"/staff/sessions/{session.public_id}/group").status_code == 404
    assert other.post(f"/staff/sessions/{session.public_id}/group",
                      data={"csrf_token": _token(text(other.get("/staff/sessions"))), "client": []}).status_code == 404


def test_the_logbook_offers_only_open_sessions_and_ones_of_the_own_group(app, world):
    with db.connection_context():
        (someone,) = _people(world, 1)
        for title, members in (("Open les", None), ("Mijn groep", [world.client]), ("Andere groep", [someone])):
            session = _lesson(world, hours_ahead=-3, title=title)
            for member in members or ():
                SessionInvite.create(session=session, client=member)
    page = text(login(app, "sh-a").get("/me/logbook"))
    assert "Open les" in page and "Mijn groep" in page and "Andere groep" not in page


def test_the_export_lists_the_groups_and_anonymising_removes_them(app, world):
    with db.connection_context():
        session = _lesson(world, title="Vrijdaggroep")
        SessionInvite.create(session=session, client=world.client)
        data = export(world.client.user)
        assert [g["session"] for g in data["session_groups"]] == ["Vrijdaggroep"]
    assert "Vrijdaggroep" in text(login(app, "sh-a").get("/me/dossier"))     # the readable dossier too
    with db.connection_context():
        anonymise(world.client, world.admin)
        assert not SessionInvite.select().exists()


def _token(page: str) -> str:
    from tests.conftest import csrf_of
    return csrf_of(page)


def test_a_new_session_goes_on_to_its_group_and_can_take_an_earlier_group(app, world):
    with db.connection_context():
        people = _people(world, 3)
        last_week = _lesson(world, hours_ahead=-160, title="Taalklas dinsdag")
        for member in people[:2]:
            SessionInvite.create(session=last_week, client=member)
        other_gemeente = GroupSession.create(gemeente=world.other_gemeente, category="KNM_LES", title="Elders",
                                             starts_at=utcnow(), ends_at=utcnow())
    cp = login(app, "cp-a")
    page = text(cp.get("/staff/sessions"))
    start = (utcnow() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT10:00")
    response = cp.post("/staff/sessions", data={"csrf_token": _token(page), "category": "TAALLES",
                                                "title": "Taalklas dinsdag", "starts_at": start, "duration": "2"})
    new = q(lambda: GroupSession.get(GroupSession.starts_at > utcnow(), GroupSession.gemeente == world.gemeente))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/sessions/{new.public_id}/group")
    page = text(cp.get(response.headers["Location"]))
    assert "Taalklas dinsdag" in page and str(last_week.public_id) in page and "Elders" not in page
    # Taking last week's group ticks its two clients; nothing is saved until the form is sent.
    copied = text(cp.get(f"/staff/sessions/{new.public_id}/group?from={last_week.public_id}"))
    assert copied.count(" checked") == 2 and 'role="status"' in copied
    assert not q(lambda: SessionInvite.select().where(SessionInvite.session == new.id).exists())
    assert cp.get(f"/staff/sessions/{new.public_id}/group?from={other_gemeente.public_id}").status_code == 404
    assert cp.get(f"/staff/sessions/{new.public_id}/group?from=nonsense").status_code == 404
