"""DUO-shaped export: per client the three GevolgdeUren counters and the PVT, MAP and Z-route dates,
as the request bodies of DUO's published gemeente APIs (shared/duo-m2m/GevolgdeUren.openapi.yml and
MAP-PVT-Zroute.openapi.yml), and the same numbers as CSV.

Mijn Route stores no BSN (domain.md §0.8): every client is identified by its public id, and the
gemeente's own system puts the BSN in the `{bsn}` path parameter of each DUO call.

The builders below are pure (rows in, dicts out); `load` is the one place that queries.
"""
import csv
import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from peewee import JOIN, Case, fn

from .domain.hours import Status, duo_bucket
from .domain.termijn import termijn_start
from .facts import as_date
from .models import Client, Entry, PipVersion

FORMAT = "mijnroute-duo-export/1"
# DUO's counters: (domain §8 key, schema name in GevolgdeUren.openapi.yml, operationId, PUT path).
COUNTERS = (
    ("taalles_knm_brede_intake", "TaallesEnKnmBredeIntake", "updateUrenTaallesEnKnmByBSN",
     "/personen/{bsn}/uren/bredeintake/taallesknm"),
    ("participatie_activiteiten", "ParticipatieactiviteitenBredeIntake", "updateUrenParticipatieactiviteiten",
     "/personen/{bsn}/uren/participatieactiviteiten"),
    ("participatie_als_taalles", "ParticipatieAlsTaalles", "updateUrenParticipatieAlsTaallesByBsn",
     "/personen/{bsn}/uren/participatietaalles"),
)
# The dates: (Client field, schema name in MAP-PVT-Zroute.openapi.yml, property, operationId, PUT path,
# CSV column = the name domain.md uses).
DATES = (
    ("pvt_signed_on", "ResultaatPvt", "datumOndertekeningPvt", "updatePvtByBsn", "/personen/{bsn}/pvt",
     "datum_ondertekening_pvt"),
    ("map_eindgesprek_on", "ResultaatMap", "datumEindgesprekMap", "updateMapByBsn", "/personen/{bsn}/map",
     "datum_eindgesprek_map"),
    ("z_eindgesprek_on", "ResultaatZroute", "datumAfrondingZroute", "updateZrouteByBsn", "/personen/{bsn}/zroute",
     "datum_afronding_zroute"),
)
MAX_UREN = 9999  # GevolgdeUren: "uren" is an integer from 0 to 9999
GEMEENTECODE = re.compile(r"^\d{4}$")
NOTE = ("Mijn Route does not store the BSN. 'client_id' is Mijn Route's internal id of the person: match it "
        "in the gemeente's own system and put the person's BSN in the {bsn} path parameter of each DUO call. "
        "Each body under 'gevolgdeUren' (one per counter) and 'mapPvtZroute' is the request body of the DUO "
        "operation listed under 'requests'. 'gevolgdeUren.bekendTot' is exclusive, as in DUO's schema. "
        "Hours are whole confirmed hours, rounded down. 'verwijtbaar' is never sent: Mijn Route does not "
        "record it. Dates that DUO would refuse are left out and listed under 'notReported'.")

CSV_COLUMNS = (["client_id", "bekend_tot"] + [key for key, *_ in COUNTERS]
               + [column for *_, column in DATES] + ["niet_gemeld"])
# A cell that a spreadsheet would run as a formula (OWASP "CSV injection"); tab and CR start one too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class HourTotal:
    """Confirmed hours of one category, inside or after the brede intake, with their last date."""

    category: str
    in_intake: bool
    hours: Decimal
    last_date: datetime.date | None


@dataclass
class ClientRows:
    """What the export of one client is built from."""

    public_id: str
    first_dagtekening: datetime.date | None
    leerroute: str | None
    dates: dict  # Client field → date or None
    totals: list[HourTotal] = field(default_factory=list)


def whole_hours(total: Decimal) -> int:
    """Hours as DUO counts them: whole hours, rounded down, from 0 to 9999."""
    value = int(Decimal(total).to_integral_value(rounding=ROUND_FLOOR))
    return max(0, min(MAX_UREN, value))


def bucket_totals(totals: list[HourTotal]) -> dict[str, Decimal]:
    """Confirmed hours per DUO counter (domain §8); app-only categories count for none."""
    out = {key: Decimal(0) for key, *_ in COUNTERS}
    for row in totals:
        try:
            bucket = duo_bucket(row.category, row.in_intake)
        except ValueError:  # a category this version does not know
            bucket = None
        if bucket is not None:
            out[bucket] += row.hours
    return out


def bekend_tot(totals: list[HourTotal], today: datetime.date) -> datetime.date:
    """DUO's exclusive "known until" date: the day after the last confirmed entry, or today when
    there is none yet (no hours known before today)."""
    last = max((row.last_date for row in totals if row.last_date), default=None)
    if last is None:
        return today
    return min(last, today) + datetime.timedelta(days=1)


def gevolgde_uren(totals: list[HourTotal], today: datetime.date, gemeentecode: str | None = None) -> dict:
    """The counters in the shape of DUO's `Gemeente` schema: `bekendTot` plus one body per counter,
    each a valid request body of its PUT operation ({"uren": 0..9999})."""
    body: dict = {}
    if gemeentecode and GEMEENTECODE.match(gemeentecode):
        body["gemeentecode"] = gemeentecode
    body["bekendTot"] = bekend_tot(totals, today).isoformat()
    sums = bucket_totals(totals)
    for key, schema, *_ in COUNTERS:
        body[schema] = {"uren": whole_hours(sums[key])}
    return body


def date_problem(field_name: str, value: datetime.date, rows: ClientRows, today: datetime.date) -> str | None:
    """Why DUO would refuse this date (R-PVT-4, R-MAP-3, R-LR-5), or None when it may be sent."""
    if value > today:
        return "date_in_future"
    if rows.first_dagtekening is None:
        return "no_termijn"
    if value < termijn_start(rows.first_dagtekening):
        return "before_termijn"
    if field_name == "z_eindgesprek_on":
        if rows.leerroute != "Z":
            return "not_zroute"
        for other in ("pvt_signed_on", "map_eindgesprek_on"):
            if rows.dates.get(other) and value < rows.dates[other]:
                return "before_pvt_map"
    return None


def map_pvt_zroute(rows: ClientRows, today: datetime.date) -> tuple[dict, list[dict]]:
    """The request bodies for the PVT, MAP and Z-route dates (only those with a date DUO accepts),
    and what was left out and why. `verwijtbaar` is never sent: the app does not record it, and DUO
    allows it only around a termijn overrun (R-PVT-4)."""
    bodies, left_out = {}, []
    for field_name, schema, prop, *_ in DATES:
        value = rows.dates.get(field_name)
        if value is None:
            continue
        problem = date_problem(field_name, value, rows, today)
        if problem:
            left_out.append({"field": prop, "date": value.isoformat(), "reason": problem})
        else:
            bodies[schema] = {prop: value.isoformat()}
    return bodies, left_out


def client_document(rows: ClientRows, today: datetime.date, gemeentecode: str | None = None) -> dict:
    """Everything DUO needs for one client, keyed by the internal id (no BSN)."""
    bodies, left_out = map_pvt_zroute(rows, today)
    return {
        "client_id": rows.public_id,
        "gevolgdeUren": gevolgde_uren(rows.totals, today, gemeentecode),
        "mapPvtZroute": bodies,
        "notReported": left_out,
    }


def document(gemeente_name: str, client_docs: list[dict], today: datetime.date) -> dict:
    """The whole export: what it is, where each body goes at DUO, and the clients' documents
    (see client_document)."""
    requests = {schema: {"method": "PUT", "path": path, "operationId": op} for _, schema, op, path in COUNTERS}
    requests.update({schema: {"method": "PUT", "path": path, "operationId": op}
                     for _, schema, _, op, path, _ in DATES})
    return {
        "format": FORMAT,
        "generatedOn": today.isoformat(),
        "gemeente": gemeente_name,
        "note": NOTE,
        "requests": requests,
        "clients": client_docs,
    }


def csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: values starting like a formula get a leading quote."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def csv_row(doc: dict) -> list[str]:
    """One CSV row with the same numbers and dates as the client's JSON document."""
    uren = doc["gevolgdeUren"]
    row = [doc["client_id"], uren["bekendTot"]] + [uren[schema]["uren"] for _, schema, *_ in COUNTERS]
    for _, schema, prop, *_ in DATES:
        row.append(doc["mapPvtZroute"].get(schema, {}).get(prop, ""))
    row.append(" ".join(f"{item['field']}:{item['reason']}" for item in doc["notReported"]))
    return [csv_cell(value) for value in row]


def to_csv(docs: list[dict]) -> str:
    """UTF-8 CSV text with a header row, one row per client."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for doc in docs:
        writer.writerow(csv_row(doc))
    return out.getvalue()


def load(clients: list[Client], today: datetime.date) -> list[ClientRows]:
    """The rows of the export for these clients, in two queries whatever their number.

    Only CONFIRMED entries count, dated today or earlier. An entry is in the brede intake when it
    is dated on or before the first PIP's dagtekening (or when there is no PIP yet), as in facts.
    """
    ids = [c.id for c in clients]
    first, latest_route = {}, {}
    totals = defaultdict(list)
    if ids:
        for pip in (PipVersion.select(PipVersion.client, PipVersion.version, PipVersion.dagtekening,
                                      PipVersion.leerroute)
                    .where(PipVersion.client.in_(ids)).order_by(PipVersion.client, PipVersion.version)):
            first[pip.client_id] = min(first.get(pip.client_id, pip.dagtekening), pip.dagtekening)
            latest_route[pip.client_id] = pip.leerroute  # ordered by version: the last one wins
        first_pip = (PipVersion.select(PipVersion.client, fn.MIN(PipVersion.dagtekening).alias("first"))
                     .where(PipVersion.client.in_(ids)).group_by(PipVersion.client).alias("first_pip"))
        in_intake = Case(None, [((first_pip.c.first.is_null()) | (Entry.entry_date <= first_pip.c.first), 1)], 0)
        query = (Entry.select(Entry.client, Entry.category, in_intake.alias("intake"),
                              fn.SUM(Entry.hours).alias("hours"), fn.MAX(Entry.entry_date).alias("last"))
                 .join(first_pip, JOIN.LEFT_OUTER, on=(Entry.client == first_pip.c.client_id))
                 .where(Entry.client.in_(ids), Entry.status == Status.CONFIRMED.value, Entry.entry_date <= today)
                 .group_by(Entry.client, Entry.category, in_intake).dicts())
        for row in query:
            totals[row["client"]].append(HourTotal(
                category=row["category"], in_intake=bool(row["intake"]),
                hours=Decimal(str(row["hours"] or 0)), last_date=as_date(row["last"])))
    return [ClientRows(public_id=str(c.public_id), first_dagtekening=first.get(c.id),
                       leerroute=latest_route.get(c.id),
                       dates={name: getattr(c, name) for name, *_ in DATES}, totals=totals[c.id])
            for c in clients]

