"""QR attendance at group sessions: the code rules (pure, fixed times) and the pages for trainer and statushouder."""
import datetime
import re
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from tests import factories
from tests.conftest import csrf_of
from tests.helpers import login, q, text
from tracker import attendance as codes
from tracker.attendance import Verdict
from tracker.models import AuditLog, Entry, GroupSession, User, utcnow
from tracker.web.timeutil import utc_to_local

KEY = "test-secret-key"
SID = uuid.UUID("5b0c2c2e-0a0e-4f3a-9f3e-2c1f6f9d1a11")
OTHER_SID = uuid.UUID("0f4e8a0c-3d1b-4c55-8e61-7a9b2c3d4e5f")
CLIENT = uuid.UUID("11111111-2222-4333-8444-555555555555")
# A session on a fixed day: 10:00–12:00 UTC, so codes are accepted 09:45–12:15.
START = datetime.datetime(2030, 3, 4, 10, 0)
END = datetime.datetime(2030, 3, 4, 12, 0)
DURING = datetime.datetime(2030, 3, 4, 10, 30, 10)


def check(slot, signature, now, session_id=SID, key=KEY):
    return codes.verify(key, session_id, slot, signature, START, END, now)


# --------------------------------------------------------------------------------------------
# Pure token rules
# --------------------------------------------------------------------------------------------

def test_slots_are_30_seconds():
    assert codes.SLOT_SECONDS == 30
    base = codes.slot_at(datetime.datetime(2030, 3, 4, 10, 30, 0))
    assert codes.slot_at(datetime.datetime(2030, 3, 4, 10, 30, 29, 999999)) == base
    assert codes.slot_at(datetime.datetime(2030, 3, 4, 10, 30, 30)) == base + 1
    assert codes.slot_start(base) == datetime.datetime(2030, 3, 4, 10, 30, 0)
    # An aware moment means the same instant as naive UTC.
    aware = datetime.datetime(2030, 3, 4, 11, 30, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert codes.slot_at(aware) == base
    assert codes.seconds_to_next_slot(datetime.datetime(2030, 3, 4, 10, 30, 10)) == 20
    assert codes.seconds_to_next_slot(datetime.datetime(2030, 3, 4, 10, 30, 0)) == 30
    assert codes.seconds_to_next_slot(datetime.datetime(2030, 3, 4, 10, 30, 29, 500000)) == 1


def test_signature_depends_on_key_session_and_slot():
    slot = codes.slot_at(DURING)
    signature = codes.sign(KEY, SID, slot)
    assert signature == codes.sign(KEY, str(SID), slot) == codes.sign(KEY, str(SID).upper(), slot)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", signature)
    assert signature != codes.sign(KEY, SID, slot + 1)
    assert signature != codes.sign(KEY, OTHER_SID, slot)
    assert signature != codes.sign("another-key", SID, slot)
    assert codes.current_code(KEY, SID, DURING) == (slot, signature)
    # A ticket is signed for another purpose: it never passes as a code.
    assert codes.sign_ticket(KEY, SID, CLIENT, slot) != signature
    with pytest.raises(ValueError):
        codes.sign("", SID, slot)


def test_current_and_previous_slot_only():
    slot, signature = codes.current_code(KEY, SID, DURING)
    assert check(slot, signature, DURING) is Verdict.OK
    assert check(str(slot), signature, DURING) is Verdict.OK
    # 30 seconds later it is the previous slot: still fine; 60 seconds later it has expired.
    assert check(slot, signature, DURING + datetime.timedelta(seconds=30)) is Verdict.OK
    assert check(slot, signature, DURING + datetime.timedelta(seconds=60)) is Verdict.EXPIRED
    assert check(slot, signature, DURING + datetime.timedelta(minutes=20)) is Verdict.EXPIRED
    # A slot from the future cannot have been shown.
    future = slot + 1
    assert check(future, codes.sign(KEY, SID, future), DURING) is Verdict.INVALID


def test_code_of_another_session_never_validates():
    slot, signature = codes.current_code(KEY, OTHER_SID, DURING)
    assert check(slot, signature, DURING, session_id=OTHER_SID) is Verdict.OK
    assert check(slot, signature, DURING, session_id=SID) is Verdict.INVALID


def test_forged_and_malformed_codes():
    slot, signature = codes.current_code(KEY, SID, DURING)
    forged = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert check(slot, forged, DURING) is Verdict.INVALID
    assert check(slot, signature + "x", DURING) is Verdict.INVALID
    assert check(slot, signature[:-1], DURING) is Verdict.INVALID
    assert check(slot, codes.sign("another-key", SID, slot), DURING) is Verdict.INVALID
    assert check(slot, None, DURING) is Verdict.INVALID
    assert check(slot, "ü" * 22, DURING) is Verdict.INVALID
    for bad_slot in ("abc", "-1", "", "1e5", "１２３", "9" * 40, None, -1):
        assert check(bad_slot, signature, DURING) is Verdict.INVALID, bad_slot
    # A forged code learns nothing about time: outside the window it is still just invalid.
    assert check(slot, forged, END + datetime.timedelta(hours=3)) is Verdict.INVALID


@pytest.mark.parametrize("now, verdict", [
    (START - datetime.timedelta(minutes=15, seconds=1), Verdict.NOT_OPEN),
    (START - datetime.timedelta(minutes=15), Verdict.OK),
    (START, Verdict.OK),
    (END, Verdict.OK),
    (END + datetime.timedelta(minutes=15), Verdict.OK),
    (END + datetime.timedelta(minutes=15, seconds=1), Verdict.CLOSED),
    (END + datetime.timedelta(days=1), Verdict.CLOSED),
    (START - datetime.timedelta(days=1), Verdict.NOT_OPEN),
])
def test_only_inside_the_window(now, verdict):
    slot, signature = codes.current_code(KEY, SID, now)
    assert check(slot, signature, now) is verdict
    assert codes.window_state(START, END, now) is verdict


def test_previous_slot_from_before_the_window_is_refused():
    opens = START - datetime.timedelta(minutes=15)          # 09:45:00, a slot boundary
    before = codes.slot_at(opens) - 1                        # 09:44:30–09:45:00: never shown
    now = opens + datetime.timedelta(seconds=5)
    assert check(before, codes.sign(KEY, SID, before), now) is Verdict.NOT_OPEN


def test_ticket_is_personal_and_lasts_five_minutes():
    slot = codes.slot_at(DURING)
    ticket = codes.sign_ticket(KEY, SID, CLIENT, slot)

    def ticket_check(now, client=CLIENT, session=SID, value=ticket):
        return codes.verify_ticket(KEY, session, client, slot, value, START, END, now)

    assert ticket_check(DURING) is Verdict.OK
    assert ticket_check(DURING + datetime.timedelta(minutes=5)) is Verdict.OK
    assert ticket_check(DURING + datetime.timedelta(minutes=5, seconds=30)) is Verdict.EXPIRED
    assert ticket_check(DURING, client=uuid.uuid4()) is Verdict.INVALID
    assert ticket_check(DURING, session=OTHER_SID) is Verdict.INVALID
    assert ticket_check(DURING, value=codes.sign(KEY, SID, slot)) is Verdict.INVALID
    assert ticket_check(DURING, value=None) is Verdict.INVALID
    assert ticket_check(END + datetime.timedelta(minutes=16)) is Verdict.CLOSED


@pytest.mark.parametrize("minutes, hours", [
    (90, "1.5"), (120, "2"), (10, "0.25"), (5, "0.25"), (67, "1"), (68, "1.25"), (20 * 60, "12"), (0, "0.25"),
])
def test_session_hours(minutes, hours):
    assert codes.session_hours(START, START + datetime.timedelta(minutes=minutes)) == Decimal(hours)


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


@pytest.fixture
def world(world):
    """The usual two gemeenten, with everyone reading English (the msgids these tests look for)."""
    q(lambda: User.update(locale="en").execute())
    return world


def make_session(world, gemeente=None, starts_in=-30, minutes=90, **kw):
    now = utcnow()
    starts = now + datetime.timedelta(minutes=starts_in)
    return q(lambda: GroupSession.create(
        gemeente=gemeente or world.gemeente, category=kw.pop("category", "KNM_LES"),
        title=kw.pop("title", "Werk en inkomen"), location=kw.pop("location", "Buurthuis De Kei"),
        starts_at=starts, ends_at=starts + datetime.timedelta(minutes=minutes),
        created_by=kw.pop("created_by", world.cp), **kw))


def code_url(app, session, slot=None, session_id=None, signature=None):
    now = utcnow()
    slot = codes.slot_at(now) if slot is None else slot
    signature = signature or codes.sign(app.config["SECRET_KEY"], session.public_id, slot)
    return f"/attend/{session_id or session.public_id}/{slot}/{signature}"


def form_token(page: str) -> str:
    return csrf_of(page)


def attendance_entries(client, session):
    return q(lambda: list(Entry.select().where(Entry.client == client.id, Entry.session == session.id)
                          .order_by(Entry.id)))


def audits(action):
    return q(lambda: list(AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id)))


def ticket_of(page: str) -> str:
    return re.search(r'name="ticket" value="([^"]+)"', page).group(1)


def scan(app, http, session, url=None):
    """GET the code page, then press "I am here"."""
    url = url or code_url(app, session)
    page = http.get(url)
    assert page.status_code == 200, text(page)[:500]
    body = text(page)
    assert "I am here" in body
    return http.post(url, data={"csrf_token": form_token(body), "ticket": ticket_of(body)})


def test_valid_scan_creates_one_confirmed_entry(app, world):
    session = make_session(world, minutes=90)
    http = login(app, "sh-a")
    url = code_url(app, session)
    page = http.get(url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    body = text(page)
    assert "Werk en inkomen" in body and "I am here" in body
    assert attendance_entries(world.client, session) == [], "a GET changes nothing"

    response = http.post(url, data={"csrf_token": form_token(body), "ticket": ticket_of(body)})
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == "/me/logbook"
    [entry] = attendance_entries(world.client, session)
    assert entry.status == "CONFIRMED"
    assert entry.category == "KNM_LES"
    assert entry.hours == Decimal("1.5")
    assert entry.place == "Buurthuis De Kei"
    assert entry.entry_date == utc_to_local(world.gemeente, session.starts_at).date()
    assert entry.decided_by_id == world.cp.id
    assert entry.decided_at is not None
    assert entry.client_uuid == uuid.uuid5(session.public_id, str(world.client.public_id))
    [row] = audits("entry.confirmed_by_qr")
    assert row.object_id == str(entry.public_id) and row.client_id == world.client.id
    assert row.actor_id == world.client.user_id

    # Scanning twice keeps one entry, and the page says so.
    again = http.get(code_url(app, session))
    assert again.status_code == 200
    assert "You are on the list" in text(again) and "I am here" not in text(again)
    repost = http.post(url, data={"csrf_token": form_token(body)})
    assert repost.status_code == 200 and "You are on the list" in text(repost)
    assert len(attendance_entries(world.client, session)) == 1
    assert len(audits("entry.confirmed_by_qr")) == 1
    # The logbook shows it as confirmed.
    logbook = text(http.get("/me/logbook"))
    assert f'id="e-{entry.public_id}"' in logbook


def test_session_without_creator_is_confirmed_by_nobody(app, world):
    session = make_session(world, created_by=None)
    http = login(app, "sh-a")
    assert scan(app, http, session).status_code == 302
    [entry] = attendance_entries(world.client, session)
    assert entry.status == "CONFIRMED" and entry.decided_by_id is None


def test_scan_confirms_an_earlier_i_was_there(app, world):
    """The one-tap 'I was there' from the logbook and the scan are the same entry."""
    session = make_session(world)
    http = login(app, "sh-a")
    page = text(http.get("/me/logbook"))
    response = http.post(f"/me/attend/{session.public_id}", data={"csrf_token": form_token(page)})
    assert response.status_code == 302
    [claim] = attendance_entries(world.client, session)
    assert claim.status == "SUBMITTED"
    assert scan(app, http, session).status_code == 302
    [entry] = attendance_entries(world.client, session)
    assert entry.id == claim.id and entry.status == "CONFIRMED"
    [row] = audits("entry.confirmed_by_qr")
    assert row.before["status"] == "SUBMITTED" and row.after["status"] == "CONFIRMED"


def refused(http, url, status, words):
    page = http.get(url)
    assert page.status_code == status, text(page)[:300]
    assert words in text(page)
    token = form_token(text(page)) if "csrf_token" in text(page) else None
    post = http.post(url, data={"csrf_token": token or ""})
    assert post.status_code == status
    return page


def test_refused_codes_write_nothing(app, world):
    session = make_session(world)
    other = make_session(world, title="PVT")
    http = login(app, "sh-a")
    now_slot = codes.slot_at(utcnow())
    key = app.config["SECRET_KEY"]
    # A code of another session.
    refused(http, code_url(app, session, signature=codes.sign(key, other.public_id, now_slot), slot=now_slot),
            400, "not valid for this session")
    # An old slot (two slots back), properly signed.
    refused(http, code_url(app, session, slot=now_slot - 2), 410, "expired")
    # A forged signature, and a malformed slot.
    refused(http, code_url(app, session, signature="A" * 22), 400, "not valid")
    refused(http, f"/attend/{session.public_id}/soon/{'A' * 22}", 400, "not valid")
    # A slot from the future.
    refused(http, code_url(app, session, slot=now_slot + 5), 400, "not valid")
    assert attendance_entries(world.client, session) == []
    assert audits("entry.confirmed_by_qr") == []


def test_outside_the_window(app, world):
    ended = make_session(world, starts_in=-240, minutes=60)      # ended 3 hours ago
    later = make_session(world, starts_in=120, minutes=60)       # starts in 2 hours
    http = login(app, "sh-a")
    refused(http, code_url(app, ended), 410, "This session has ended")
    refused(http, code_url(app, later), 400, "15 minutes")
    assert attendance_entries(world.client, ended) == [] and attendance_entries(world.client, later) == []


def test_another_gemeentes_session_is_not_found(app, world):
    foreign = make_session(world, gemeente=world.other_gemeente, created_by=world.other_cp, location="Geheime plek B")
    http = login(app, "sh-a")
    url = code_url(app, foreign)
    assert http.get(url).status_code == 404
    csrf = http.get("/api/v1/csrf-token").get_json()["csrf_token"]
    assert http.post(url, data={"csrf_token": csrf}).status_code == 404
    assert q(lambda: Entry.select().where(Entry.session == foreign.id).count()) == 0


def test_ticket_lets_the_scanner_press_later_but_nobody_else(app, world):
    session = make_session(world)
    http = login(app, "sh-a")
    key = app.config["SECRET_KEY"]
    old = codes.slot_at(utcnow()) - 4           # two minutes old: the code itself has expired
    url = code_url(app, session, slot=old)
    csrf = http.get("/api/v1/csrf-token").get_json()["csrf_token"]
    # Someone else's ticket does not help.
    stranger = codes.sign_ticket(key, session.public_id, uuid.uuid4(), old)
    assert http.post(url, data={"csrf_token": csrf, "ticket": stranger}).status_code == 410
    assert http.post(url, data={"csrf_token": csrf}).status_code == 410
    assert attendance_entries(world.client, session) == []
    # The own ticket (given when the fresh code was opened) does.
    mine = codes.sign_ticket(key, session.public_id, world.client.public_id, old)
    assert http.post(url, data={"csrf_token": csrf, "ticket": mine}).status_code == 302
    assert [e.status for e in attendance_entries(world.client, session)] == ["CONFIRMED"]


def test_not_logged_in_goes_to_login_and_comes_back(app, world):
    session = make_session(world)
    url = code_url(app, session)
    http = app.test_client()
    response = http.get(url)
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert location.path == "/login" and "next=" in location.query
    page = text(http.get(response.headers["Location"]))
    response = http.post("/login", data={"username": "sh-a", "password": factories.PASSWORD,
                                         "next": parse_qs(location.query)["next"][0],
                                         "csrf_token": csrf_of(page)})
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == url
    assert "I am here" in text(http.get(url))


def test_staff_cannot_scan_and_statushouder_cannot_open_the_trainer_page(app, world):
    session = make_session(world)
    cp = login(app, "cp-a")
    assert cp.get(code_url(app, session)).status_code == 403
    sh = login(app, "sh-a")
    assert sh.get(f"/staff/sessions/{session.public_id}/attendance").status_code == 403
    csrf = sh.get("/api/v1/csrf-token").get_json()["csrf_token"]
    for action in ("add", "remove"):
        assert sh.post(f"/staff/sessions/{session.public_id}/attendance/{action}",
                       data={"csrf_token": csrf, "client_id": str(world.client.public_id)}).status_code == 403
    assert attendance_entries(world.client, session) == []
    # Another gemeente's contactpersoon: not found.
    assert login(app, "cp-b").get(f"/staff/sessions/{session.public_id}/attendance").status_code == 404


def test_trainer_sees_the_code_and_the_live_list(app, world):
    session = make_session(world)
    cp = login(app, "cp-a")
    page = cp.get(f"/staff/sessions/{session.public_id}/attendance")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    body = text(page)
    assert 'class="segno"' in body and "QR code to sign in for this session" in body
    assert 'style="' not in body and "<script>" not in body
    assert '<noscript><meta http-equiv="refresh" content="' in body
    assert "Nobody has signed in yet." in body
    assert "Amira Haddad" in body  # in the list of clients to add

    assert scan(app, login(app, "sh-a"), session).status_code == 302
    body = text(cp.get(f"/staff/sessions/{session.public_id}/attendance"))
    [entry] = attendance_entries(world.client, session)
    assert f'id="a-{entry.public_id}"' in body
    assert "1 person on the list" in body
    # Confirmed people are no longer offered to add.
    assert f'value="{world.client.public_id}"' not in body
    # Paused: no code and no automatic reload.
    paused = text(cp.get(f"/staff/sessions/{session.public_id}/attendance?pause=1"))
    assert 'class="segno"' not in paused and 'http-equiv="refresh"' not in paused and "Show the code again" in paused
    # The sessions list links here.
    assert f"/staff/sessions/{session.public_id}/attendance" in text(cp.get("/staff/sessions"))


@pytest.mark.parametrize("starts_in, words", [(120, "15 minutes before the start"), (-240, "This session has ended")])
def test_trainer_page_outside_the_window_shows_no_code(app, world, starts_in, words):
    session = make_session(world, starts_in=starts_in, minutes=60)
    body = text(login(app, "cp-a").get(f"/staff/sessions/{session.public_id}/attendance"))
    assert 'class="segno"' not in body and words in body


def trainer_post(cp, session, action, **data):
    page = text(cp.get(f"/staff/sessions/{session.public_id}/attendance"))
    return cp.post(f"/staff/sessions/{session.public_id}/attendance/{action}",
                   data={"csrf_token": form_token(page), **data})


def test_trainer_removes_and_adds_with_audit(app, world):
    session = make_session(world)
    sh = login(app, "sh-a")
    assert scan(app, sh, session).status_code == 302
    [entry] = attendance_entries(world.client, session)
    cp = login(app, "cp-a")

    response = trainer_post(cp, session, "remove", entry_id=str(entry.public_id))
    assert response.status_code == 302
    assert q(lambda: Entry.get_by_id(entry.id)).status == "WITHDRAWN"
    [row] = audits("attendance.removed")
    assert row.actor_id == world.cp.id and row.object_id == str(entry.public_id)
    assert row.before["status"] == "CONFIRMED" and row.after["status"] == "WITHDRAWN"
    body = text(cp.get(f"/staff/sessions/{session.public_id}/attendance"))
    assert f'id="a-{entry.public_id}"' not in body and "Nobody has signed in yet." in body
    # Removing twice changes nothing more.
    assert trainer_post(cp, session, "remove", entry_id=str(entry.public_id)).status_code == 302
    assert len(audits("attendance.removed")) == 1

    # The removed person cannot put themselves back by scanning again.
    page = sh.get(code_url(app, session))
    assert page.status_code == 409 and "took you off the list" in text(page)
    csrf = sh.get("/api/v1/csrf-token").get_json()["csrf_token"]
    assert sh.post(code_url(app, session), data={"csrf_token": csrf}).status_code == 409
    assert len(attendance_entries(world.client, session)) == 1

    # The trainer can add them again: a new confirmed entry, audited.
    response = trainer_post(cp, session, "add", client_id=str(world.client.public_id))
    assert response.status_code == 302
    entries = attendance_entries(world.client, session)
    assert [e.status for e in entries] == ["WITHDRAWN", "CONFIRMED"]
    added = entries[-1]
    assert added.decided_by_id == world.cp.id and added.hours == Decimal("1.5") and added.session_id == session.id
    [row] = audits("attendance.added")
    assert row.object_id == str(added.public_id) and row.actor_id == world.cp.id and row.before is None
    # Adding again keeps one confirmed entry; the scan now says "on the list".
    assert trainer_post(cp, session, "add", client_id=str(world.client.public_id)).status_code == 302
    assert len(attendance_entries(world.client, session)) == 2 and len(audits("attendance.added")) == 1
    assert "You are on the list" in text(sh.get(code_url(app, session)))


def test_trainer_add_confirms_a_waiting_claim(app, world):
    session = make_session(world)
    sh = login(app, "sh-a")
    page = text(sh.get("/me/logbook"))
    sh.post(f"/me/attend/{session.public_id}", data={"csrf_token": form_token(page)})
    cp = login(app, "cp-a")
    assert trainer_post(cp, session, "add", client_id=str(world.client.public_id)).status_code == 302
    [entry] = attendance_entries(world.client, session)
    assert entry.status == "CONFIRMED" and entry.decided_by_id == world.cp.id
    [row] = audits("attendance.added")
    assert row.before["status"] == "SUBMITTED"


def test_trainer_bad_input_is_a_400_and_saves_nothing(app, world):
    session = make_session(world)
    cp = login(app, "cp-a")
    for value, message in (("", "Please fill this in."), ("not-a-uuid", "This is not valid"),
                           (str(world.other_client.public_id), "This is not valid"),
                           (str(uuid.uuid4()), "This is not valid")):
        response = trainer_post(cp, session, "add", client_id=value)
        assert response.status_code == 400, value
        body = text(response)
        assert 'id="client_id-error"' in body and message in body
        assert "Yonas Tesfay" not in body
    response = trainer_post(cp, session, "remove")
    assert response.status_code == 400 and "Please fill this in." in text(response)
    assert trainer_post(cp, session, "remove", entry_id="nope").status_code == 400
    # An entry that is not on this session's list.
    other_entry = q(lambda: factories.entry(world.client))
    assert trainer_post(cp, session, "remove", entry_id=str(other_entry.public_id)).status_code == 404
    assert q(lambda: Entry.get_by_id(other_entry.id)).status == "SUBMITTED"
    # Adding before the session opens is refused.
    later = make_session(world, starts_in=120)
    response = trainer_post(cp, later, "add", client_id=str(world.client.public_id))
    assert response.status_code == 400 and "15 minutes before the start" in text(response)
    assert q(lambda: Entry.select().where(Entry.session.in_([session.id, later.id])).count()) == 0
    assert audits("attendance.added") == [] and audits("attendance.removed") == []


def test_scan_page_and_logbook_link(app, world):
    http = login(app, "sh-a")
    page = http.get("/me/scan")
    assert page.status_code == 200
    body = text(page)
    assert "Scan the code" in body and 'id="scanner" hidden' in body
    assert "/static/js/attendance.js" in body and 'style="' not in body
    assert 'href="/me/scan"' in text(http.get("/me/logbook"))
    assert login(app, "cp-a").get("/me/scan").status_code == 403
