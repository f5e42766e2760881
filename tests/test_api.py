"""The JSON API per role, with every response checked against /api/v1/openapi.json."""
import datetime
import re
import uuid

import pytest

from tests import factories
from tests.helpers import login
from tracker.extensions import db
from tracker.models import AuditLog, Client, Entry, PipVersion

# Dates "in the future" are 2 days ahead, so the machine's date and the gemeente's (Amsterdam) never disagree.
TODAY = datetime.date.today


# --- a tiny JSON-schema validator for the subset the OpenAPI document uses -------------------

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _format_ok(fmt: str, value: str) -> bool:
    try:
        if fmt == "date":
            datetime.date.fromisoformat(value)
            return len(value) == 10
        if fmt == "date-time":
            datetime.datetime.fromisoformat(value)
            return "T" in value
        if fmt == "uuid":
            return bool(_UUID.match(value))
    except ValueError:
        return False
    return True


def schema_errors(value, schema: dict, document: dict, where: str = "$") -> list[str]:
    """Problems of `value` against `schema`: type (incl. lists), enum, required, properties,
    additionalProperties, items, $ref to #/components/schemas, format, minimum/maximum, maxLength."""
    if "$ref" in schema:
        ref = schema["$ref"]
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix) or ref[len(prefix):] not in document["components"]["schemas"]:
            return [f"{where}: unresolvable $ref {ref}"]
        return schema_errors(value, document["components"]["schemas"][ref[len(prefix):]], document, where)
    errors = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        unknown = [t for t in types if t not in _TYPES]
        if unknown:
            return [f"{where}: unknown type {unknown}"]
        if not any(_TYPES[t](value) for t in types):
            return [f"{where}: {value!r} is not of type {types}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "format" in schema and not _format_ok(schema["format"], value):
            errors.append(f"{where}: {value!r} is not a {schema['format']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where}: longer than {schema['maxLength']}")
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{where}: missing required {key!r}")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], document, f"{where}.{key}")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, document, f"{where}.{key}")
            elif extra is False:
                errors.append(f"{where}: unexpected {key!r}")
    if isinstance(value, list) and "items" in schema:
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{where}: more than {schema['maxItems']} items")
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], document, f"{where}[{i}]")
    return errors


def test_validator_catches_mismatches():
    """The validator itself must be able to fail, or every check below is hollow."""
    doc = {"components": {"schemas": {"X": {"type": "object", "required": ["a"], "properties": {
        "a": {"type": ["string", "null"], "format": "date"},
        "b": {"type": "array", "items": {"type": "integer", "enum": [1, 2]}}}}}}}
    ref = {"$ref": "#/components/schemas/X"}
    assert schema_errors({"a": None, "b": [1, 2]}, ref, doc) == []
    assert schema_errors({"a": "2024-01-31"}, ref, doc) == []
    assert schema_errors({"b": []}, ref, doc)                      # required
    assert schema_errors({"a": 3}, ref, doc)                       # type list
    assert schema_errors({"a": "31-01-2024"}, ref, doc)            # format
    assert schema_errors({"a": None, "b": [3]}, ref, doc)          # enum
    assert schema_errors({"a": None, "b": [True]}, ref, doc)       # bool is not integer
    assert schema_errors({"a": None, "b": "x"}, ref, doc)          # items on a non-list: type
    assert schema_errors([], {"$ref": "#/components/schemas/Nope"}, doc)


# --- the API client: every JSON answer of a documented operation is validated --------------

class Api:
    """A logged-in (or anonymous) test client that checks each response against the document."""

    def __init__(self, app, http, document):
        self.app, self.http, self.document = app, http, document
        self.token = None

    def csrf(self) -> str:
        if self.token is None:
            response = self.call("GET", "/api/v1/csrf-token", expect=200)
            self.token = response.get_json()["csrf_token"]
        return self.token

    def call(self, method, path, body=None, csrf=True, expect=None):
        headers = {}
        if method != "GET" and csrf:
            headers["X-CSRFToken"] = self.csrf()
        if method == "GET":
            response = self.http.get(path)
        else:
            response = self.http.post(path, json=body, headers=headers)
        self.validate(method, path, response)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code, response.get_data(as_text=True))
        return response

    def validate(self, method, path, response):
        adapter = self.app.url_map.bind("localhost")
        rule, _ = adapter.match(path, method=method, return_rule=True)
        template = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        operation = self.document["paths"][template][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {template}: status {status} is not documented"
        documented = operation["responses"][status]
        content = documented.get("content", {}).get("application/json")
        if content is None:
            return
        assert response.is_json, f"{method} {path}: {status} is not JSON"
        problems = schema_errors(response.get_json(), content["schema"], self.document)
        assert not problems, f"{method} {path} → {status}: " + "; ".join(problems)

    def request_schema(self, method, path):
        adapter = self.app.url_map.bind("localhost")
        rule, _ = adapter.match(path, method=method, return_rule=True)
        template = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        return self.document["paths"][template][method.lower()]["requestBody"]["content"]["application/json"]["schema"]


@pytest.fixture
def document(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def as_user(app, document, username=None) -> Api:
    return Api(app, login(app, username) if username else app.test_client(), document)


def rows(model, *where):
    with db.connection_context():
        return list(model.select().where(*where)) if where else list(model.select())


def new_entry(**kw) -> dict:
    body = {"client_uuid": str(uuid.uuid4()), "category": "TAALLES", "hours": 2,
            "date": (TODAY() - datetime.timedelta(days=1)).isoformat()}
    body.update(kw)
    return body


# --- the document and the URL map agree --------------------------------------------------------

def test_openapi_documents_exactly_the_api_routes(app, document):
    rules = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            template = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            rules.setdefault(template, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: {m for m in ops if m in ("get", "post", "put", "patch", "delete")}
                  for path, ops in document["paths"].items()}
    assert set(rules) - set(documented) == set(), "API routes missing from openapi.json"
    assert set(documented) - set(rules) == set(), "openapi.json documents routes that do not exist"
    for path, methods in rules.items():
        assert methods == documented[path], (path, methods, documented[path])
    # Every path parameter is declared.
    for path, ops in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, op in ops.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, method, declared)
    # Every $ref resolves.
    refs = re.findall(r"'\$ref': '#/components/schemas/([^']+)'", repr(document))
    assert refs and set(refs) <= set(document["components"]["schemas"])


# --- statushouder --------------------------------------------------------------------------------

def test_csrf_token_per_role(app, world, document):
    anonymous = as_user(app, document)
    assert anonymous.call("GET", "/api/v1/csrf-token").status_code == 401
    for username in ("sh-a", "cp-a", "admin-a"):
        api = as_user(app, document, username)
        token = api.csrf()
        assert isinstance(token, str) and len(token) > 20


def test_create_entry_is_idempotent(app, world, document):
    api = as_user(app, document, "sh-a")
    body = new_entry(category="PARTICIPATIE_VRIJWILLIGERSWERK", hours=1.5, place="Voedselbank", note="Inpakken",
                     online=False)
    assert schema_errors(body, api.request_schema("POST", "/api/v1/me/entries"), document) == []
    first = api.call("POST", "/api/v1/me/entries", body, expect=201).get_json()
    assert first["client_uuid"] == body["client_uuid"] and first["status"] == "SUBMITTED"
    assert first["hours"] == 1.5 and first["place"] == "Voedselbank" and first["online"] is False
    again = api.call("POST", "/api/v1/me/entries", body, expect=200).get_json()
    assert again["id"] == first["id"]
    # Even a replay with other values returns the saved entry unchanged.
    changed = api.call("POST", "/api/v1/me/entries", dict(body, hours=3), expect=200).get_json()
    assert changed["id"] == first["id"] and changed["hours"] == 1.5
    saved = rows(Entry, Entry.client_uuid == body["client_uuid"])
    assert len(saved) == 1 and saved[0].client_id == world.client.id
    listed = api.call("GET", "/api/v1/me/entries", expect=200).get_json()["entries"]
    assert [e["id"] for e in listed].count(first["id"]) == 1
    # Another statushouder replaying this UUID does not get (or change) this entry.
    other = as_user(app, document, "sh-b")
    response = other.call("POST", "/api/v1/me/entries", body)
    assert response.status_code == 422 and response.get_json()["fields"]["client_uuid"]["code"] == "invalid"
    assert "Voedselbank" not in response.get_data(as_text=True)


BAD_ENTRIES = [
    ({"client_uuid": None}, "client_uuid", "required"),
    ({"client_uuid": "not-a-uuid"}, "client_uuid", "invalid"),
    ({"hours": 0}, "hours", "hours_too_small"),
    ({"hours": 0.1}, "hours", "hours_too_small"),
    ({"hours": 12.25}, "hours", "hours_too_large"),
    ({"hours": 1.1}, "hours", "hours_not_quarter"),
    ({"hours": -1}, "hours", "hours_too_small"),
    ({"hours": "abc"}, "hours", "invalid"),
    ({"hours": True}, "hours", "invalid"),
    ({"hours": None}, "hours", "required"),
    ({"hours": "NaN"}, "hours", "invalid"),
    ({"note": "x" * 10_000}, "note", "too_long"),
    ({"place": "p" * 201}, "place", "too_long"),
    ({"date": (TODAY() + datetime.timedelta(days=2)).isoformat()}, "date", "date_in_future"),
    ({"date": (TODAY() - datetime.timedelta(days=401)).isoformat()}, "date", "date_before_coupling"),
    ({"date": "31-12-2024"}, "date", "invalid"),
    ({"date": 20240101}, "date", "invalid"),
    ({"category": "SLAPEN"}, "category", "invalid"),
    ({"category": None}, "category", "required"),
    ({"category": ["TAALLES"]}, "category", "invalid"),
]


def test_create_entry_refuses_bad_input(app, world, document):
    api = as_user(app, document, "sh-a")
    before = len(rows(Entry))
    wrong = []
    for change, field, code in BAD_ENTRIES:
        body = new_entry(**change)
        if "client_uuid" in change and change["client_uuid"] is None:
            del body["client_uuid"]
        response = api.call("POST", "/api/v1/me/entries", body)
        fields = (response.get_json() or {}).get("fields", {})
        if response.status_code != 422 or fields.get(field, {}).get("code") != code or not fields[field]["message"]:
            wrong.append(f"{change!r:.80}: {response.status_code} {fields}")
    assert not wrong, "\n".join(wrong)
    assert len(rows(Entry)) == before


def test_day_total_over_24_hours_is_refused(app, world, document):
    api = as_user(app, document, "sh-a")
    day = (TODAY() - datetime.timedelta(days=10)).isoformat()
    api.call("POST", "/api/v1/me/entries", new_entry(date=day, hours=12), expect=201)
    response = api.call("POST", "/api/v1/me/entries", new_entry(date=day, hours=12.25), expect=422)
    assert response.get_json()["fields"]["hours"]["code"] == "hours_too_large"
    api.call("POST", "/api/v1/me/entries", new_entry(date=day, hours=12), expect=201)   # 24: the limit
    response = api.call("POST", "/api/v1/me/entries", new_entry(date=day, hours=1), expect=422)  # 25
    assert response.get_json()["fields"]["hours"]["code"] == "day_total_too_large"
    # A day with 2 hours already (the world's entry, 3 days ago): 12 + 11 more would be 25.
    busy = (TODAY() - datetime.timedelta(days=3)).isoformat()
    api.call("POST", "/api/v1/me/entries", new_entry(date=busy, hours=12), expect=201)
    response = api.call("POST", "/api/v1/me/entries", new_entry(date=busy, hours=11), expect=422)
    assert response.get_json()["fields"]["hours"]["code"] == "day_total_too_large"
    with db.connection_context():
        assert Entry.select().where(Entry.client == world.client.id,
                                    Entry.entry_date == datetime.date.fromisoformat(day)).count() == 2


def test_create_entry_needs_csrf_token(app, world, document):
    api = as_user(app, document, "sh-a")
    before = len(rows(Entry))
    response = api.call("POST", "/api/v1/me/entries", new_entry(), csrf=False, expect=400)
    assert response.is_json
    response = api.http.post("/api/v1/me/entries", json=new_entry(), headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert len(rows(Entry)) == before


def test_my_progress_and_appointments(app, world, document):
    api = as_user(app, document, "sh-a")
    progress = api.call("GET", "/api/v1/me/progress", expect=200).get_json()
    assert {"termijn", "pip_deadline", "requirements", "next_step", "risk", "fulfilled"} <= set(progress)
    assert progress["termijn"]["days_left"] > 0 and progress["termijn"]["overdue"] is False
    keys = {r["key"] for r in progress["requirements"]}
    assert {"exam_LE", "exam_LU", "exam_SC", "exam_SP", "exam_KNM"} <= keys
    assert progress["fulfilled"] is False and progress["risk"]["level"] in ("ok", "attention", "high")
    # The world's 2 pending lesson hours are pending, not confirmed.
    [lessons] = [r for r in progress["requirements"] if r["key"] == "afschalen"]
    assert lessons["pending"] == 2 and lessons["confirmed"] == 0
    api.call("GET", "/api/v1/me/appointments", expect=200)
    # Staff have no own progress.
    cp = as_user(app, document, "cp-a")
    assert cp.call("GET", "/api/v1/me/progress").status_code == 403
    assert cp.call("POST", "/api/v1/me/entries", new_entry()).status_code == 403


# --- contactpersoon ------------------------------------------------------------------------------

def test_clients_are_scoped_to_the_gemeente(app, world, document):
    cp = as_user(app, document, "cp-a")
    listed = cp.call("GET", "/api/v1/clients", expect=200).get_json()["clients"]
    assert [c["id"] for c in listed] == [str(world.client.public_id)]
    assert listed[0]["pending_entries"] == 1 and listed[0]["contactpersoon"] is True
    one = cp.call("GET", f"/api/v1/clients/{world.client.public_id}", expect=200).get_json()
    assert one["name"] == "Amira Haddad" and [p["version"] for p in one["pip"]] == [1]
    response = cp.call("GET", f"/api/v1/clients/{world.other_client.public_id}", expect=404)
    assert "Yonas" not in response.get_data(as_text=True)
    cp.call("GET", f"/api/v1/clients/{uuid.uuid4()}", expect=404)
    cp.call("GET", "/api/v1/clients/not-a-uuid", expect=404)
    # The other gemeente's contactpersoon sees only their own client.
    other = as_user(app, document, "cp-b")
    listed = other.call("GET", "/api/v1/clients", expect=200).get_json()["clients"]
    assert [c["name"] for c in listed] == ["Yonas Tesfay"]
    other.call("GET", f"/api/v1/clients/{world.client.public_id}", expect=404)
    # Statushouder and admin are not contactpersonen.
    for username in ("sh-a", "admin-a"):
        api = as_user(app, document, username)
        assert api.call("GET", "/api/v1/clients").status_code == 403
        assert api.call("GET", f"/api/v1/clients/{world.client.public_id}").status_code == 403
    assert as_user(app, document).call("GET", "/api/v1/clients").status_code == 401


def _fresh_client(world, coupled_days_ago=60):
    """A client of gemeente A without a PIP yet."""
    with db.connection_context():
        return factories.client(world.gemeente, world.cp, coupled_days_ago=coupled_days_ago, name="Nour Salem")


def _days(n):
    return (TODAY() - datetime.timedelta(days=n)).isoformat()


BAD_FIRST_PIPS = [
    ({"leerroute": "O", "niveau": "A2"}, "niveau", "a2_not_with_onderwijsroute"),
    ({"leerroute": "Z", "niveau": "B1"}, "niveau", "niveau_not_with_zroute"),
    ({"leerroute": "B", "niveau": "A2"}, "niveau", "a2_not_in_first_pip"),
    ({"leerroute": "B", "niveau": None}, "niveau", "required_for_b"),
    ({"leerroute": "B", "niveau": "C1"}, "niveau", "invalid"),
    ({"leerroute": "X", "niveau": "B1"}, "leerroute", "invalid"),
    ({"leerroute": None}, "leerroute", "required"),
    ({"leerroute": "B", "niveau": "B1", "dagtekening": _days(61)}, "dagtekening", "before_coupling"),
    ({"leerroute": "B", "niveau": "B1", "dagtekening": (TODAY() + datetime.timedelta(days=2)).isoformat()},
     "dagtekening", "date_in_future"),
    ({"leerroute": "B", "niveau": "B1", "dagtekening": None}, "dagtekening", "required"),
    ({"leerroute": "B", "niveau": "B1", "dagtekening": "1-2-2024"}, "dagtekening", "invalid"),
    ({"leerroute": "B", "niveau": "B1", "change_reason": "SCHAKELEN"}, "change_reason", "must_be_initieel"),
    ({"leerroute": "B", "niveau": "B1", "change_reason": "WHATEVER"}, "change_reason", "invalid"),
    ({"leerroute": "Z", "geschatte_intensiteit_b1": 300}, "geschatte_intensiteit_b1", "only_for_b"),
    ({"leerroute": "B", "niveau": "B1", "geschatte_intensiteit_b1": 0}, "geschatte_intensiteit_b1", "invalid"),
    ({"leerroute": "B", "niveau": "B1", "local_label": 5}, "local_label", "invalid"),
    ({"leerroute": "B", "niveau": "B1", "agreements": "x" * 501}, "agreements", "too_long"),
]


def test_pip_refuses_duo_invalid_combinations(app, world, document):
    fresh = _fresh_client(world)
    cp = as_user(app, document, "cp-a")
    wrong = []
    for body, field, code in BAD_FIRST_PIPS:
        payload = {"dagtekening": _days(5), **body}
        response = cp.call("POST", f"/api/v1/clients/{fresh.public_id}/pip", payload)
        fields = (response.get_json() or {}).get("fields", {})
        if response.status_code != 422 or fields.get(field, {}).get("code") != code:
            wrong.append(f"{body!r:.80}: {response.status_code} {fields}")
    assert not wrong, "\n".join(wrong)
    assert rows(PipVersion, PipVersion.client == fresh.id) == []
    assert rows(AuditLog, AuditLog.action == "pip.adopted") == []


def test_pip_versions_through_the_api(app, world, document):
    fresh = _fresh_client(world)
    cp = as_user(app, document, "cp-a")
    first = {"dagtekening": _days(20), "leerroute": "B", "niveau": "B1", "local_label": "Taal + werk",
             "geschatte_intensiteit_b1": 900, "agreements": ["Taalles 3 dagdelen", "Vrijwilligerswerk"]}
    assert schema_errors(first, cp.request_schema("POST", f"/api/v1/clients/{fresh.public_id}/pip"), document) == []
    created = cp.call("POST", f"/api/v1/clients/{fresh.public_id}/pip", first, expect=201).get_json()
    assert created["version"] == 1 and created["change_reason"] == "INITIEEL" and created["niveau"] == "B1"
    assert created["agreements"] == ["Taalles 3 dagdelen", "Vrijwilligerswerk"]
    # The second version: a new reason is needed, INITIEEL is only for the first.
    second = {"dagtekening": _days(2), "leerroute": "B", "niveau": "B1"}
    response = cp.call("POST", f"/api/v1/clients/{fresh.public_id}/pip", second, expect=422)
    assert response.get_json()["fields"]["change_reason"]["code"] == "required"
    response = cp.call("POST", f"/api/v1/clients/{fresh.public_id}/pip", dict(second, change_reason="INITIEEL"),
                       expect=422)
    assert response.get_json()["fields"]["change_reason"]["code"] == "initieel_only_first"
    response = cp.call("POST", f"/api/v1/clients/{fresh.public_id}/pip",
                       dict(second, dagtekening=_days(30), change_reason="OVERIG"), expect=422)
    assert response.get_json()["fields"]["dagtekening"]["code"] == "before_current_pip"
    # Afschalen to A2 needs 600 lesson hours.
    response = cp.call("POST", f"/api/v1/clients/{fresh.public_id}/pip",
                       dict(second, niveau="A2", change_reason="AFSCHALEN"), expect=422)
    assert response.get_json()["fields"]["niveau"]["code"] == "afschalen_needs_hours"
    created = cp.call("POST", f"/api/v1/clients/{fresh.public_id}/pip",
                      dict(second, change_reason="SCHAKELEN", leerroute="O", niveau="B1"), expect=201).get_json()
    assert created["version"] == 2 and created["leerroute"] == "O"
    audit = rows(AuditLog, AuditLog.action == "pip.adopted")
    assert len(audit) == 2
    assert audit[0].before is None and audit[0].after["version"] == 1
    assert audit[1].before["leerroute"] == "B" and audit[1].after["leerroute"] == "O"
    one = cp.call("GET", f"/api/v1/clients/{fresh.public_id}", expect=200).get_json()
    assert [p["version"] for p in one["pip"]] == [1, 2]
    # Another gemeente's client, a statushouder, a wrong body type.
    valid_first = {"dagtekening": _days(5), "leerroute": "Z"}
    cp.call("POST", f"/api/v1/clients/{world.other_client.public_id}/pip", valid_first, expect=404)
    assert rows(PipVersion, PipVersion.client == world.other_client.id)[-1].version == 1
    sh = as_user(app, document, "sh-a")
    sh.call("POST", f"/api/v1/clients/{fresh.public_id}/pip", valid_first, expect=403)
    cp.call("POST", f"/api/v1/clients/{fresh.public_id}/pip", ["not", "an", "object"], expect=422)
    cp.call("POST", f"/api/v1/clients/{fresh.public_id}/pip", valid_first, csrf=False, expect=400)
    assert len(rows(PipVersion, PipVersion.client == fresh.id)) == 2


def _entry(world, other=False, status="SUBMITTED"):
    with db.connection_context():
        return factories.entry(world.other_client if other else world.client, status=status, days_ago=5)


def _audit(entry, action):
    return rows(AuditLog, AuditLog.object_id == str(entry.public_id), AuditLog.action == action)


def test_confirm_and_reject(app, world, document):
    cp = as_user(app, document, "cp-a")
    sh = as_user(app, document, "sh-a")
    to_confirm, to_reject, foreign = _entry(world), _entry(world), _entry(world, other=True)

    # The statushouder may not decide on entries, not even their own.
    sh.call("POST", f"/api/v1/entries/{to_confirm.public_id}/confirm", {}, expect=403)
    sh.call("POST", f"/api/v1/entries/{to_reject.public_id}/reject", {"reason": "nee"}, expect=403)
    as_user(app, document).call("POST", f"/api/v1/entries/{to_confirm.public_id}/confirm", {}, csrf=False,
                                expect=400)

    pending = cp.call("GET", "/api/v1/entries/pending", expect=200).get_json()["entries"]
    assert {str(to_confirm.public_id), str(to_reject.public_id)} <= {e["id"] for e in pending}
    assert str(foreign.public_id) not in {e["id"] for e in pending}

    confirmed = cp.call("POST", f"/api/v1/entries/{to_confirm.public_id}/confirm", {}, expect=200).get_json()
    assert confirmed["status"] == "CONFIRMED"
    response = cp.call("POST", f"/api/v1/entries/{to_confirm.public_id}/confirm", {}, expect=409)
    assert response.get_json()["fields"]["status"]["code"] == "not_allowed"
    cp.call("POST", f"/api/v1/entries/{to_confirm.public_id}/reject", {"reason": "toch niet"}, expect=409)
    [log] = _audit(to_confirm, "entry.confirmed")
    assert log.before["status"] == "SUBMITTED" and log.after["status"] == "CONFIRMED"
    assert log.actor_id == world.cp.id and log.client_id == world.client.id
    assert _audit(to_confirm, "entry.rejected") == []

    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": 42}, None):
        response = cp.call("POST", f"/api/v1/entries/{to_reject.public_id}/reject", body, expect=422)
        assert response.get_json()["fields"]["reason"]["code"] == "required"
    response = cp.call("POST", f"/api/v1/entries/{to_reject.public_id}/reject", {"reason": "r" * 501}, expect=422)
    assert response.get_json()["fields"]["reason"]["code"] == "too_long"
    assert rows(Entry, Entry.id == to_reject.id)[0].status == "SUBMITTED"
    rejected = cp.call("POST", f"/api/v1/entries/{to_reject.public_id}/reject",
                       {"reason": "Datum klopt niet"}, expect=200).get_json()
    assert rejected["status"] == "REJECTED" and rejected["rejection_reason"] == "Datum klopt niet"
    cp.call("POST", f"/api/v1/entries/{to_reject.public_id}/reject", {"reason": "nog eens"}, expect=409)
    cp.call("POST", f"/api/v1/entries/{to_reject.public_id}/confirm", {}, expect=409)
    [log] = _audit(to_reject, "entry.rejected")
    assert log.before["status"] == "SUBMITTED" and log.before["rejection_reason"] is None
    assert log.after["status"] == "REJECTED" and log.after["rejection_reason"] == "Datum klopt niet"
    assert _audit(to_reject, "entry.confirmed") == []

    # Another gemeente's entry: 404 and untouched; so are unknown and malformed ids.
    cp.call("POST", f"/api/v1/entries/{foreign.public_id}/confirm", {}, expect=404)
    cp.call("POST", f"/api/v1/entries/{foreign.public_id}/reject", {"reason": "x"}, expect=404)
    cp.call("POST", f"/api/v1/entries/{uuid.uuid4()}/confirm", {}, expect=404)
    cp.call("POST", "/api/v1/entries/not-a-uuid/confirm", {}, expect=404)
    assert rows(Entry, Entry.id == foreign.id)[0].status == "SUBMITTED"
    assert _audit(foreign, "entry.confirmed") == [] and _audit(foreign, "entry.rejected") == []

    # Exactly one decision row per decided entry in the whole log.
    decisions = rows(AuditLog, AuditLog.action.in_(("entry.confirmed", "entry.rejected")))
    assert sorted(d.object_id for d in decisions) == sorted([str(to_confirm.public_id), str(to_reject.public_id)])


def test_statushouder_sees_rejection_and_confirmation(app, world, document):
    cp = as_user(app, document, "cp-a")
    sh = as_user(app, document, "sh-a")
    body = new_entry(hours=3)
    created = sh.call("POST", "/api/v1/me/entries", body, expect=201).get_json()
    cp.call("POST", f"/api/v1/entries/{created['id']}/reject", {"reason": "Geen les op die dag"}, expect=200)
    mine = {e["id"]: e for e in sh.call("GET", "/api/v1/me/entries", expect=200).get_json()["entries"]}
    assert mine[created["id"]]["status"] == "REJECTED"
    assert mine[created["id"]]["rejection_reason"] == "Geen les op die dag"
    # Only the statushouder's own entries are listed.
    with db.connection_context():
        own_ids = {str(e.public_id) for e in Entry.select().join(Client).where(Client.user == world.client.user_id)}
    assert set(mine) <= own_ids
