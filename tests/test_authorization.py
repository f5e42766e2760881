"""The authorisation matrix, built from the app's URL map.

Every rule × every role (anonymous, statushouder, contactpersoon, admin) is requested; a new
route is covered the moment it is registered, and a route without an @allow rule fails here.

Expectations per request:
- never a 500, and never a trace of gemeente B (its client's name, its own name) in the body;
- anonymous: a redirect to /login (HTML) or 401 (API), unless the rule is public;
- a role not in view.access: 403;
- an allowed role addressing an object of gemeente B (or an unknown / malformed id): 404;
- an allowed role with its OWN objects: 200/302 for GET, and no 401/403/404/500 for POST.
"""
import datetime
import re
import secrets
import uuid
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest

from tests import factories
from tests.conftest import csrf_of
from tests.helpers import login
from tracker.extensions import db
from tracker.models import (Appointment, ExamAttempt, ExamPart, GroupSession, Message, Placement, PushSubscription,
                            User, utcnow)

ROLES = ("anonymous", "statushouder", "contactpersoon", "admin")
LOGINS = {"statushouder": "sh-a", "contactpersoon": "cp-a", "admin": "admin-a"}
# Text of gemeente B that must never reach a user of gemeente A.
FOREIGN_MARKERS = ("Yonas Tesfay", "Barneveld", "Geheime plek B")
# URL parameter name → key of the object to put in it (see _objects); "code" is not an object.
PARAMS = {
    "client_id": "client",
    "entry_id": "entry",
    "appointment_id": "appointment",
    "attempt_id": "attempt",
    "session_id": "session",
    "user_id": "user",
    "message_id": "message",
    "device_id": "device",
    "token": "calendar",
    "placement_id": "placement",
    "slot": "slot",
    "signature": "signature",
}
STEP_CODE = "PIP"
# Rules that end the session: requested last, after everything else for the role.
SESSION_ENDING = {"auth.logout"}


@contextmanager
def connected():
    with db.connection_context():
        yield


def _objects(gemeente, client, staff_user, place: str) -> dict:
    """One object of each addressable kind for `client`'s gemeente, as public id strings."""
    now = utcnow()
    entry = factories.entry(client, days_ago=2, place=place)
    appointment = Appointment.create(client=client, kind="VOORTGANGSGESPREK", location=place,
                                     starts_at=now + datetime.timedelta(days=3))
    part = ExamPart.create(client=client, code="LE", niveau="B1")
    attempt = ExamAttempt.create(part=part, exam_date=factories.today() - datetime.timedelta(days=20), niveau="B1")
    session = GroupSession.create(gemeente=gemeente, category="KNM_LES", title=f"KNM {place}", location=place,
                                  starts_at=now - datetime.timedelta(days=1, hours=2),
                                  # Still going on, so its QR attendance code is accepted.
                                  ends_at=now + datetime.timedelta(hours=1))
    placement = Placement.create(client=client, organisation=f"Stage {place}", supervisor_name="Begeleider",
                                 category="PARTICIPATIE_VRIJWILLIGERSWERK")
    message = Message.create(user=client.user_id, kind="inactivity", params={"days": 14}, url="/me/logbook")
    device = PushSubscription.create(user=client.user_id, endpoint=f"https://push.invalid/{place}",
                                     p256dh="BPk", auth="au")
    # The calendar feed is reached by its secret alone: another gemeente's feed is addressed with a
    # token nobody has (knowing a real token is the permission); the own one with the real token.
    token = secrets.token_urlsafe(16)
    if place == "Buurthuis A":
        User.update(calendar_token=token).where(User.id == client.user_id).execute()
    return {"client": str(client.public_id), "entry": str(entry.public_id),
            "appointment": str(appointment.public_id), "attempt": str(attempt.public_id),
            "session": str(session.public_id), "user": str(staff_user.public_id),
            "message": str(message.id), "device": str(device.id), "calendar": token, "placement": str(placement.public_id),
            **_attendance_code(session.public_id)}


def _attendance_code(session_id) -> dict:
    """The session's current QR attendance code (valid for 30 to 60 seconds: make it just before use)."""
    from tracker import attendance
    from tracker.config import TestConfig
    slot, signature = attendance.current_code(TestConfig.SECRET_KEY, session_id, utcnow())
    return {"slot": str(slot), "signature": signature}


def _personal(username: str) -> dict:
    """A message and a push device of this user (objects only their owner may touch)."""
    user = User.get(User.username == username)
    message = Message.create(user=user, kind="inactivity", params={"days": 14}, url="/me/logbook")
    device = PushSubscription.create(user=user, endpoint=f"https://push.invalid/{username}", p256dh="BPk", auth="au")
    return {"message": str(message.id), "device": str(device.id)}


def _url(rule, objects: dict | None, fill: str | None = None) -> str:
    """The rule's path with its parameters filled from `objects` (or all set to `fill`)."""
    values = {}
    for name in rule.arguments:
        if name == "code":
            values[name] = STEP_CODE
        elif fill is not None:
            values[name] = fill
        else:
            assert name in PARAMS, f"{rule.rule}: add URL parameter {name!r} to PARAMS in this test"
            values[name] = objects[PARAMS[name]]
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
    assert "<" not in path, path
    return path


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _has_objects(rule) -> bool:
    return any(name in PARAMS for name in rule.arguments)


class Matrix:
    """Sends the requests and collects every violation, so one run reports them all."""

    def __init__(self, app, sessions, tokens):
        self.app = app
        self.sessions = sessions
        self.tokens = tokens
        self.failures: list[str] = []
        self.count = 0

    def send(self, role, method, path):
        http = self.sessions[role]
        api = path.startswith("/api/")
        headers = {"X-CSRFToken": self.tokens[role]}
        self.count += 1
        if method == "GET":
            return http.get(path)
        if api:
            return http.post(path, json={}, headers=headers)
        return http.post(path, data={"csrf_token": self.tokens[role]}, headers=headers)

    def fail(self, role, method, path, response, why):
        body = response.get_data(as_text=True)[:300].replace("\n", " ")
        self.failures.append(f"{role:14} {method:4} {path}: {response.status_code} ({why}) {body}")

    def check(self, role, rule, method, path, expect):
        """`expect`: 'foreign' (objects of gemeente B), 'missing' (unknown ids) or 'own'."""
        response = self.send(role, method, path)
        status = response.status_code
        body = response.get_data(as_text=True)
        if status >= 500:
            return self.fail(role, method, path, response, "server error")
        leaked = [m for m in FOREIGN_MARKERS if m in body]
        if leaked:
            return self.fail(role, method, path, response, f"shows gemeente B data {leaked}")
        view = self.app.view_functions[rule.endpoint]
        access = view.access
        api = rule.rule.startswith("/api/")
        if "public" in access:
            if status in (401, 403):
                self.fail(role, method, path, response, "public rule refused")
            elif _has_objects(rule) and expect != "own" and status != 404:
                # Public by secret (the calendar feed): a token nobody has is a 404.
                self.fail(role, method, path, response, "unknown secret must be 404")
            elif method == "GET" and (expect == "own" or not _has_objects(rule)) and status not in (200, 302):
                self.fail(role, method, path, response, "public GET not 200/302")
        elif role == "anonymous":
            if api:
                if status != 401:
                    self.fail(role, method, path, response, "anonymous API call must be 401")
            elif status != 302 or urlparse(response.headers.get("Location", "")).path != "/login":
                self.fail(role, method, path, response, "anonymous must be sent to /login")
        elif role not in access:
            if status != 403:
                self.fail(role, method, path, response, f"role not in {sorted(access)} must get 403")
        elif expect in ("foreign", "missing") and _has_objects(rule):
            if status != 404:
                self.fail(role, method, path, response, f"{expect} object must be 404")
        elif method == "GET":
            if status not in (200, 302):
                self.fail(role, method, path, response, "allowed GET must be 200/302")
        elif status in (401, 403, 404):
            self.fail(role, method, path, response, "allowed POST refused")


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"),
                  key=lambda r: (r.endpoint in SESSION_ENDING, r.rule))


def test_every_endpoint_declares_its_roles(app):
    missing = [rule.endpoint for rule in app.url_map.iter_rules()
               if rule.endpoint != "static" and getattr(app.view_functions[rule.endpoint], "access", None) is None]
    assert not missing, f"views without an @allow(...) rule: {missing}"
    roles = {"public", "statushouder", "contactpersoon", "admin"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = app.view_functions[rule.endpoint].access
        assert access and set(access) <= roles, (rule.endpoint, access)
        assert "public" not in access or len(access) == 1, (rule.endpoint, access)


def test_view_without_rule_is_refused(app, world):
    """The guard fails closed: a view that lost its rule answers 403, even to a logged-in user."""
    endpoint = "auth.settings"
    original = app.view_functions[endpoint]

    def unguarded():
        return "secret"

    http = login(app, "admin-a")
    app.view_functions[endpoint] = unguarded
    try:
        assert http.get("/settings").status_code == 403
        assert app.test_client().get("/settings").status_code == 403
    finally:
        app.view_functions[endpoint] = original
    assert http.get("/settings").status_code == 200


def test_authorization_matrix(app, world):
    with connected():
        foreign = _objects(world.other_gemeente, world.other_client, world.other_cp, "Geheime plek B")
        own = _objects(world.gemeente, world.client, world.cp2, "Buurthuis A")

    sessions = {"anonymous": app.test_client()}
    tokens = {}
    login_page = sessions["anonymous"].get("/login").get_data(as_text=True)
    tokens["anonymous"] = csrf_of(login_page)
    for role, username in LOGINS.items():
        sessions[role] = login(app, username)
        response = sessions[role].get("/api/v1/csrf-token")
        assert response.status_code == 200
        tokens[role] = response.get_json()["csrf_token"]

    matrix = Matrix(app, sessions, tokens)
    rules = _rules(app)
    assert rules, "empty URL map"
    ending = [r for r in rules if r.endpoint in SESSION_ENDING]
    normal = [r for r in rules if r.endpoint not in SESSION_ENDING]

    for role in ROLES:
        # 1. Everyone against gemeente B's objects (and rules without objects).
        for rule in normal:
            for method in _methods(rule):
                matrix.check(role, rule, method, _url(rule, foreign), "foreign")
        if role == "anonymous":
            continue
        allowed = [r for r in normal if _has_objects(r) and role in app.view_functions[r.endpoint].access]
        # 2. Unknown and malformed ids are a 404 too, never a 500.
        for rule in allowed:
            for fill in (str(uuid.uuid4()), "not-a-uuid"):
                for method in _methods(rule):
                    matrix.check(role, rule, method, _url(rule, None, fill=fill), "missing")
        # 3. The own gemeente's client with an object of gemeente B inside it is still a 404.
        for rule in allowed:
            if "client_id" in rule.arguments and len([a for a in rule.arguments if a in PARAMS]) > 1:
                mixed = dict(foreign, client=own["client"])
                for method in _methods(rule):
                    matrix.check(role, rule, method, _url(rule, mixed), "foreign")
        # 4. The positive side: own objects, GETs first (POSTs change them). Messages and devices
        #    are personal: each role addresses its own.
        with connected():
            mine = dict(own, **_personal(LOGINS[role]), **_attendance_code(own["session"]))
        for wanted in ("GET", "POST"):
            for rule in allowed:
                if wanted in _methods(rule):
                    matrix.check(role, rule, wanted, _url(rule, mine), "own")

    for role in ROLES:
        for rule in ending:
            for method in _methods(rule):
                matrix.check(role, rule, method, _url(rule, foreign), "foreign")

    assert matrix.count > 200, matrix.count
    assert not matrix.failures, "\n".join([f"{len(matrix.failures)} violations:"] + matrix.failures)


@pytest.mark.parametrize("path", ["/me", "/me/logbook", "/staff/clients"])
def test_logged_out_session_is_refused(app, world, path):
    """After logout the old cookie opens nothing."""
    username = "sh-a" if path.startswith("/me") else "cp-a"
    http = login(app, username)
    assert http.get(path).status_code == 200
    csrf = http.get("/api/v1/csrf-token").get_json()["csrf_token"]
    assert http.post("/logout", data={"csrf_token": csrf}).status_code == 302
    response = http.get(path)
    assert response.status_code == 302 and urlparse(response.headers["Location"]).path == "/login"
