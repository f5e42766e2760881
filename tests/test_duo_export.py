"""The DUO-shaped export: bodies that validate against DUO's published OpenAPI files, the counters of
domain §8 from confirmed hours only, R-PVT-4 / R-MAP-3 / R-LR-5 for the dates, CSV without formulas,
audit rows, and no way into another gemeente."""
import copy
import csv
import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import jsonschema_rs
import pytest
import yaml

from tests import factories
from tests.helpers import login, q
from tracker import duo_export
from tracker.duo_export import ClientRows, HourTotal
from tracker.models import AuditLog, Client

SPECS = Path(__file__).resolve().parents[2] / "shared" / "duo-m2m"
if not SPECS.exists():  # the repository next to shared/, or a copy elsewhere
    SPECS = Path("/work/shared/duo-m2m")
TODAY = datetime.date.today


def _strict(schema):
    """The schema with additionalProperties: false on every object, so a misspelt field fails too."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(schema)
    return schema


class Spec:
    """One DUO OpenAPI file: validators for its component schemas and the request body per operation."""

    def __init__(self, name):
        self.doc = yaml.safe_load((SPECS / name).read_text(encoding="utf-8"))
        self.components = _strict(self.doc["components"])
        self.bodies = {}
        for path, operations in self.doc["paths"].items():
            for method, operation in operations.items():
                body = operation.get("requestBody")
                if body:
                    ref = body["content"]["application/json"]["schema"]["$ref"]
                    self.bodies[operation["operationId"]] = (method.upper(), path, ref.rsplit("/", 1)[-1])

    def errors(self, schema_name, instance):
        # OpenAPI 3.0 schemas are a JSON Schema Draft 4 dialect; "format: date" is checked.
        validator = jsonschema_rs.Draft4Validator(
            {"$ref": f"#/components/schemas/{schema_name}", "components": self.components}, validate_formats=True)
        return [str(e) for e in validator.iter_errors(instance)]


@pytest.fixture(scope="module")
def specs():
    return {"uren": Spec("GevolgdeUren.openapi.yml"), "dates": Spec("MAP-PVT-Zroute.openapi.yml")}


def assert_valid(document, specs):
    """Every body in an export document validates against the schema DUO wants for it, and the
    'requests' table names DUO's real operation for each body."""
    uren, dates = specs["uren"], specs["dates"]
    for schema, target in document["requests"].items():
        spec = uren if schema in {s for _, s, *_ in duo_export.COUNTERS} else dates
        assert spec.bodies[target["operationId"]] == (target["method"], target["path"], schema), schema
    assert document["clients"], "no clients in the export"
    for client in document["clients"]:
        assert "bsn" not in json.dumps(client).lower()
        assert not uren.errors("Gemeente", client["gevolgdeUren"]), uren.errors("Gemeente", client["gevolgdeUren"])
        for _, schema, *_ in duo_export.COUNTERS:
            body = client["gevolgdeUren"][schema]
            assert not uren.errors(schema, body), (schema, body, uren.errors(schema, body))
        for schema, body in client["mapPvtZroute"].items():
            assert schema in {"ResultaatPvt", "ResultaatMap", "ResultaatZroute"}
            assert body, "a body without values"
            assert "verwijtbaar" not in body
            assert not dates.errors(schema, body), (schema, body, dates.errors(schema, body))


# --- the pure builders -----------------------------------------------------------------------------

def test_the_validator_catches_wrong_bodies(specs):
    """The test would notice a body DUO refuses."""
    assert specs["uren"].errors("ParticipatieAlsTaalles", {"uren": 10000})
    assert specs["uren"].errors("ParticipatieAlsTaalles", {"uren": 1.5})
    assert specs["uren"].errors("ParticipatieAlsTaalles", {"hours": 1})
    assert specs["dates"].errors("ResultaatPvt", {"datumOndertekeningPvt": "2024-02-30"})
    assert specs["dates"].errors("ResultaatMap", {"verwijtbaar": "ja"})
    assert not specs["dates"].errors("ResultaatZroute", {"datumAfrondingZroute": "2024-02-29"})


def test_whole_hours_round_down_and_stay_in_range():
    assert duo_export.whole_hours(Decimal("10.75")) == 10
    assert duo_export.whole_hours(Decimal("0.25")) == 0
    assert duo_export.whole_hours(Decimal("-3")) == 0
    assert duo_export.whole_hours(Decimal("12000")) == 9999


def test_counters_follow_domain_section_8():
    day = datetime.date(2025, 1, 10)
    totals = [
        HourTotal("TAALLES", True, Decimal("4.5"), day),            # lessons in the brede intake
        HourTotal("KNM_LES", True, Decimal("2"), day),
        HourTotal("TAALLES", False, Decimal("30.75"), day),          # lessons in the leerroute
        HourTotal("ALFABETISERING", False, Decimal("1.5"), day),
        HourTotal("PARTICIPATIE_STAGE", True, Decimal("3"), day),    # participation counts in intake too
        HourTotal("PARTICIPATIE_VRIJWILLIGERSWERK", False, Decimal("5.5"), day),
        HourTotal("ZELFSTUDIE", False, Decimal("100"), day),         # app-only
        HourTotal("MAP_WORKSHOP", False, Decimal("8"), day),
        HourTotal("PVT_SESSIE", False, Decimal("6"), day),
    ]
    body = duo_export.gevolgde_uren(totals, day)
    assert body["TaallesEnKnmBredeIntake"] == {"uren": 6}
    assert body["ParticipatieAlsTaalles"] == {"uren": 32}
    assert body["ParticipatieactiviteitenBredeIntake"] == {"uren": 8}
    assert "gemeentecode" not in body
    assert duo_export.gevolgde_uren(totals, day, "0267")["gemeentecode"] == "0267"
    assert "gemeentecode" not in duo_export.gevolgde_uren(totals, day, "Nijkerk")


def test_bekend_tot_is_exclusive():
    today = datetime.date(2025, 3, 1)
    last = datetime.date(2025, 2, 20)
    assert duo_export.bekend_tot([HourTotal("TAALLES", False, Decimal(1), last)], today) == datetime.date(2025, 2, 21)
    assert duo_export.bekend_tot([], today) == today


def _rows(**dates):
    base = {"pvt_signed_on": None, "map_eindgesprek_on": None, "z_eindgesprek_on": None}
    base.update(dates)
    return ClientRows(public_id="x", first_dagtekening=dates.pop("first", datetime.date(2024, 1, 10)),
                      leerroute="Z", dates=base)


def test_dates_duo_would_refuse_are_left_out():
    today = datetime.date(2025, 6, 1)
    rows = _rows(pvt_signed_on=datetime.date(2024, 5, 1), map_eindgesprek_on=datetime.date(2024, 6, 1),
                 z_eindgesprek_on=datetime.date(2025, 5, 1))
    bodies, left = duo_export.map_pvt_zroute(rows, today)
    assert bodies == {"ResultaatPvt": {"datumOndertekeningPvt": "2024-05-01"},
                      "ResultaatMap": {"datumEindgesprekMap": "2024-06-01"},
                      "ResultaatZroute": {"datumAfrondingZroute": "2025-05-01"}}
    assert left == []

    # R-PVT-4: not in the future, not before the termijn (starts the day after the first dagtekening).
    rows = _rows(pvt_signed_on=datetime.date(2025, 6, 2), map_eindgesprek_on=datetime.date(2024, 1, 10))
    bodies, left = duo_export.map_pvt_zroute(rows, today)
    assert bodies == {}
    assert {(i["field"], i["reason"]) for i in left} == {("datumOndertekeningPvt", "date_in_future"),
                                                         ("datumEindgesprekMap", "before_termijn")}
    assert duo_export.map_pvt_zroute(_rows(map_eindgesprek_on=datetime.date(2024, 1, 11)), today)[0]

    # R-LR-5: the Z-route is not finished before the PVT and MAP dates; only on the Z-route.
    rows = _rows(pvt_signed_on=datetime.date(2024, 5, 1), z_eindgesprek_on=datetime.date(2024, 4, 30))
    bodies, left = duo_export.map_pvt_zroute(rows, today)
    assert bodies == {"ResultaatPvt": {"datumOndertekeningPvt": "2024-05-01"}}
    assert left == [{"field": "datumAfrondingZroute", "date": "2024-04-30", "reason": "before_pvt_map"}]
    rows = _rows(z_eindgesprek_on=datetime.date(2024, 5, 1))
    rows.leerroute = "B"
    assert duo_export.map_pvt_zroute(rows, today)[1][0]["reason"] == "not_zroute"

    # Without a PIP there is no termijn, so no date can be reported.
    rows = _rows(pvt_signed_on=datetime.date(2024, 5, 1))
    rows.first_dagtekening = None
    assert duo_export.map_pvt_zroute(rows, today)[1][0]["reason"] == "no_termijn"


def test_csv_neutralises_formulas():
    for evil in ("=HYPERLINK(\"https://evil.invalid\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1"):
        assert duo_export.csv_cell(evil) == "'" + evil
    assert duo_export.csv_cell("2024-05-01") == "2024-05-01"
    assert duo_export.csv_cell(12) == "12"
    doc = {"client_id": "=cmd|' /C calc'!A0", "gevolgdeUren": {
        "bekendTot": "2025-01-01", "TaallesEnKnmBredeIntake": {"uren": 1},
        "ParticipatieactiviteitenBredeIntake": {"uren": 2}, "ParticipatieAlsTaalles": {"uren": 3}},
        "mapPvtZroute": {"ResultaatPvt": {"datumOndertekeningPvt": "2024-05-01"}},
        "notReported": [{"field": "datumEindgesprekMap", "date": "2024-01-01", "reason": "before_termijn"}]}
    rows = list(csv.reader(io.StringIO(duo_export.to_csv([doc]))))
    assert rows[0] == duo_export.CSV_COLUMNS
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[1][1:6] == ["2025-01-01", "1", "2", "3", "2024-05-01"]
    assert rows[1][-1] == "datumEindgesprekMap:before_termijn"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- the pages and files -----------------------------------------------------------------------------

def _file_of_client_a(world):
    """sh-a: B1-route PIP 300 days ago, then: hours before and after it, confirmed and not."""
    c = world.client

    def build():
        factories.entry(c, status="CONFIRMED", hours="3.75", days_ago=320, category="TAALLES")      # intake
        factories.entry(c, status="CONFIRMED", hours="2", days_ago=300, category="KNM_LES")         # intake (on the dagtekening)
        factories.entry(c, status="CONFIRMED", hours="10.5", days_ago=200, category="TAALLES")
        factories.entry(c, status="CONFIRMED", hours="0.75", days_ago=20, category="ALFABETISERING")
        factories.entry(c, status="CONFIRMED", hours="5", days_ago=10, category="PARTICIPATIE_STAGE")
        factories.entry(c, status="CONFIRMED", hours="7", days_ago=5, category="ZELFSTUDIE")
        factories.entry(c, status="SUBMITTED", hours="9", days_ago=2, category="TAALLES")
        factories.entry(c, status="REJECTED", hours="9", days_ago=2, category="PARTICIPATIE_STAGE")
        Client.update(pvt_signed_on=TODAY() - datetime.timedelta(days=100),
                      map_eindgesprek_on=TODAY() - datetime.timedelta(days=310)).where(Client.id == c.id).execute()
    q(build)


def test_client_export_json_validates_against_duo_schemas(app, world, specs):
    _file_of_client_a(world)
    cp = login(app, "cp-a")
    page = cp.get(f"/staff/clients/{world.client.public_id}/duo")
    assert page.status_code == 200
    assert str(world.client.public_id) in page.get_data(as_text=True)
    assert f"/staff/clients/{world.client.public_id}/duo" in cp.get(
        f"/staff/clients/{world.client.public_id}").get_data(as_text=True)

    response = cp.get(f"/staff/clients/{world.client.public_id}/duo.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    document = response.get_json()
    assert_valid(document, specs)
    assert "BSN" in document["note"]
    [client] = document["clients"]
    assert client["client_id"] == str(world.client.public_id)
    uren = client["gevolgdeUren"]
    assert uren["TaallesEnKnmBredeIntake"] == {"uren": 5}        # 3.75 + 2, rounded down
    assert uren["ParticipatieAlsTaalles"] == {"uren": 11}        # 10.5 + 0.75
    assert uren["ParticipatieactiviteitenBredeIntake"] == {"uren": 5}
    # Known until the day after the last confirmed entry (exclusive, as DUO's bekendTot).
    assert uren["bekendTot"] == (TODAY() - datetime.timedelta(days=4)).isoformat()
    assert client["mapPvtZroute"] == {
        "ResultaatPvt": {"datumOndertekeningPvt": (TODAY() - datetime.timedelta(days=100)).isoformat()}}
    assert client["notReported"] == [{"field": "datumEindgesprekMap",
                                      "date": (TODAY() - datetime.timedelta(days=310)).isoformat(),
                                      "reason": "before_termijn"}]

    rows = q(lambda: list(AuditLog.select().where(AuditLog.action == "export.duo")))
    assert len(rows) == 1
    assert rows[0].actor_id == world.cp.id and rows[0].client_id == world.client.id
    assert rows[0].after == {"scope": "client", "format": "json", "count": 1}


def test_client_export_csv_has_the_same_numbers(app, world):
    _file_of_client_a(world)
    cp = login(app, "cp-a")
    response = cp.get(f"/staff/clients/{world.client.public_id}/duo.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params.get("charset") == "utf-8"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert row["client_id"] == str(world.client.public_id)
    assert (row["taalles_knm_brede_intake"], row["participatie_activiteiten"], row["participatie_als_taalles"]) \
        == ("5", "5", "11")
    assert row["datum_ondertekening_pvt"] == (TODAY() - datetime.timedelta(days=100)).isoformat()
    assert row["datum_eindgesprek_map"] == "" and row["datum_afronding_zroute"] == ""
    assert row["niet_gemeld"] == "datumEindgesprekMap:before_termijn"
    assert q(lambda: AuditLog.select().where(AuditLog.action == "export.duo").get().after)["format"] == "csv"


def test_gemeente_export_has_every_own_client_and_no_other(app, world, specs):
    _file_of_client_a(world)

    def more():
        z = factories.client(world.gemeente, world.cp2, "sh-z", name="Zara Z")
        factories.pip(z, days_ago=400, leerroute="Z", niveau=None)
        for n in range(11):  # 11 × 950 hours: more than DUO's 9999
            factories.entry(z, status="CONFIRMED", hours="950", days_ago=30 + n, category="PARTICIPATIE_OVERIG")
        Client.update(pvt_signed_on=TODAY() - datetime.timedelta(days=90),
                      map_eindgesprek_on=TODAY() - datetime.timedelta(days=60),
                      z_eindgesprek_on=TODAY() - datetime.timedelta(days=30)).where(Client.id == z.id).execute()
        factories.client(world.gemeente, None, "sh-new", name="Nog Geen PIP")
        return z
    z = q(more)
    admin = login(app, "admin-a")
    assert admin.get("/admin/duo").status_code == 200
    response = admin.get("/admin/duo.json")
    assert response.status_code == 200
    document = response.get_json()
    assert_valid(document, specs)
    ids = {c["client_id"] for c in document["clients"]}
    assert ids == {str(world.client.public_id), str(z.public_id),
                   str(q(lambda: Client.select().join_from(Client, factories.User, on=(Client.user == factories.User.id))
                          .where(factories.User.username == "sh-new").get().public_id))}
    assert str(world.other_client.public_id) not in response.get_data(as_text=True)
    zdoc = next(c for c in document["clients"] if c["client_id"] == str(z.public_id))
    assert zdoc["gevolgdeUren"]["ParticipatieactiviteitenBredeIntake"] == {"uren": 9999}
    assert set(zdoc["mapPvtZroute"]) == {"ResultaatPvt", "ResultaatMap", "ResultaatZroute"}

    csv_response = admin.get("/admin/duo.csv")
    assert csv_response.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True))))) == 3
    rows = q(lambda: list(AuditLog.select().where(AuditLog.action == "export.duo").order_by(AuditLog.id)))
    assert [r.after for r in rows] == [{"scope": "gemeente", "format": "json", "count": 3},
                                       {"scope": "gemeente", "format": "csv", "count": 3}]
    assert all(r.actor_id == world.admin.id and r.gemeente_id == world.gemeente.id for r in rows)


def test_nobody_exports_another_gemeentes_client(app, world):
    cp = login(app, "cp-a")
    for suffix in ("", ".json", ".csv"):
        assert cp.get(f"/staff/clients/{world.other_client.public_id}/duo{suffix}").status_code == 404
    # The gemeente export is for admins only.
    assert cp.get("/admin/duo.json").status_code == 403
    assert q(lambda: AuditLog.select().where(AuditLog.action == "export.duo").count()) == 0
    other = login(app, "admin-b")
    body = other.get("/admin/duo.json").get_data(as_text=True)
    assert str(world.client.public_id) not in body and str(world.other_client.public_id) in body
