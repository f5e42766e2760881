"""Property-based API tests: schemathesis generates requests from /api/v1/openapi.json and checks
every answer: no server error, a documented status, the documented content type and body schema.

Every operation runs as a logged-in statushouder and as a logged-in contactpersoon (session cookie
and X-CSRFToken header set on each generated case), with positive and negative data, on SQLite and
on PostgreSQL. The number of examples is bounded (MAX_EXAMPLES per operation and role, FIXED_EXAMPLES
for operations without anything to vary), so the whole file stays well under a minute.
Requests go through WSGI in process (schemathesis.openapi.from_wsgi), with Accept-Encoding: identity
because the app gzips JSON and the WSGI transport does not unzip it.
"""
import datetime
import random
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests import factories
from tests.helpers import login
from tracker.extensions import db
from tracker.web.openapi import document

MAX_EXAMPLES = 25
# An operation without path, query or body has nothing to vary: a few calls say as much as 25.
FIXED_EXAMPLES = 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = sorted((method.upper(), path) for path, ops in document()["paths"].items() for method in ops)
ROLES = {"statushouder": "sh-a", "contactpersoon": "cp-a"}


def _days_ago(n: int) -> str:
    return (datetime.date.today() - datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def api_schema(app):
    """The schema as the app serves it, bound to the app (requests go through WSGI, in process)."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def targets(app, world):
    """Ids that exist, so generated requests reach more than the 404 branch: own and foreign
    clients, pending and decided entries of both gemeenten."""
    with db.connection_context():
        pending = [factories.entry(world.client, days_ago=5 + i % 20, hours="0.5") for i in range(12)]
        decided = [factories.entry(world.client, status=s, days_ago=30) for s in ("CONFIRMED", "REJECTED", "WITHDRAWN")]
        foreign = [factories.entry(world.other_client, days_ago=4)]
        fresh = factories.client(world.gemeente, world.cp, coupled_days_ago=60, name="Nour Salem")
    return {
        "client_id": [str(c.public_id) for c in (world.client, fresh, world.other_client)],
        "entry_id": [str(e.public_id) for e in pending + decided + foreign],
    }


def _session(app, username):
    """The session cookie and CSRF token of a real login through the form."""
    http = login(app, username)
    token = http.get("/api/v1/csrf-token").get_json()["csrf_token"]
    return {"session": http.get_cookie("session").value}, token


def _cases(operation, targets):
    """Positive and negative cases; path ids are drawn from existing rows half of the time, and
    the dates in a body are made plausible half of the time (otherwise nearly every body is a 422)."""
    fixed = [name for name in ("client_id", "entry_id") if f"{{{name}}}" in operation.path]
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(generation_mode=mode))
        if fixed:
            strategies.append(st.sampled_from(targets[fixed[0]]).flatmap(
                lambda value, mode=mode: operation.as_strategy(generation_mode=mode,
                                                               path_parameters={fixed[0]: value})))
    return st.one_of(strategies)


def _plausible(case, rnd: random.Random):
    """Nudge a generated body towards what a real phone sends, keeping everything else generated."""
    if isinstance(case.body, dict) and rnd.random() < 0.5:
        for key in ("date", "dagtekening"):
            if key in case.body:
                case.body[key] = _days_ago(rnd.randint(1, 40))


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_conforms_to_its_schema(app, world, targets, api_schema, role, method, path):
    operation = api_schema[path][method]
    cookies, token = _session(app, ROLES[role])
    statuses = []
    varies = len(operation.path_parameters) or len(operation.query) or len(operation.body)
    examples = MAX_EXAMPLES if varies else FIXED_EXAMPLES

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None,
              derandomize=False, print_blob=True)
    @given(case=_cases(operation, targets), seed=st.integers(0, 2**32 - 1))
    def run(case, seed):
        _plausible(case, random.Random(seed))
        # identity: the app gzips JSON for clients that accept it, and the WSGI transport does not unzip.
        case.headers = {**(case.headers or {}), "X-CSRFToken": token, "Accept-Encoding": "identity"}
        response = case.call(cookies=cookies)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()
    assert statuses, "no request was sent"
    # Logged in: no generated request may end up as "not logged in".
    assert 401 not in statuses, f"{method} {path} as {role}: the session was not used"


def test_the_session_and_token_reach_the_app(app, world, api_schema):
    """The harness itself: a generated case with our cookie and token is logged in and passes CSRF."""
    cookies, token = _session(app, "sh-a")
    operation = api_schema["/api/v1/me/entries"]["POST"]
    case = operation.Case(body={"client_uuid": str(uuid.uuid4()), "category": "TAALLES", "date": _days_ago(1),
                                "hours": 1.5}, headers={"X-CSRFToken": token, "Accept-Encoding": "identity"},
                          media_type="application/json")
    response = case.call(cookies=cookies)
    assert response.status_code == 201, response.text
    case.validate_response(response, checks=CHECKS)
    # Without the token the same call is refused (400), so the token above is what made it pass.
    bare = operation.Case(body=dict(case.body, client_uuid=str(uuid.uuid4())),
                          headers={"X-CSRFToken": "forged", "Accept-Encoding": "identity"}, media_type="application/json")
    assert bare.call(cookies=cookies).status_code == 400


def test_the_checks_catch_a_broken_response(app, world, api_schema, monkeypatch):
    """The checks can fail: a response that breaks the documented schema, and a server error."""
    from schemathesis.core.failures import FailureGroup
    from tracker.web import api
    cookies, _token = _session(app, "sh-a")
    operation = api_schema["/api/v1/me/entries"]["GET"]
    monkeypatch.setattr(api, "entry_json", lambda entry: {"id": "not-a-uuid", "hours": "two"})
    case = operation.Case(headers={"Accept-Encoding": "identity"})
    response = case.call(cookies=cookies)
    assert response.status_code == 200
    with pytest.raises(FailureGroup):
        case.validate_response(response, checks=CHECKS)

    def crash(entry):
        raise RuntimeError("boom")
    monkeypatch.setattr(api, "entry_json", crash)
    response = case.call(cookies=cookies)
    assert response.status_code == 500
    with pytest.raises(FailureGroup):
        case.validate_response(response, checks=CHECKS)
