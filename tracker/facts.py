"""Read what the domain rules need for many clients at once, in a fixed number of queries.

The caseload of 150 clients and the statushouder's own Home use the same loader, so both run
the same five queries whatever the number of clients or entries.
"""
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import JOIN, Case, fn

from .domain.hours import LANGUAGE_CATEGORIES, PARTICIPATION_CATEGORIES, Category, Status
from .domain.progress import ClientFacts, ExamAttempt as ExamAttemptFacts, ExamPart as ExamPartFacts
from .domain.rules import Rules
from .models import Client, Entry, ExamAttempt, ExamPart, PipVersion, Verlenging

COUNTED = (Status.SUBMITTED.value, Status.CONFIRMED.value)
# Activity that moves MAP forward: workshops, practice and the participation that counts as practice.
MAP_CATEGORIES = {Category.MAP_PRAKTIJK.value, Category.MAP_WORKSHOP.value} | {c.value for c in PARTICIPATION_CATEGORIES}
LANGUAGE = {c.value for c in LANGUAGE_CATEGORIES}
# Lessons during the brede intake are reported apart and never count for the leerroute (R-BI-6);
# the domain ignores categories it does not know, so they are kept under this suffix.
INTAKE_SUFFIX = ":INTAKE"


def rules_for(gemeente) -> Rules:
    """The domain rules with this gemeente's overrides; a broken setting falls back to defaults."""
    try:
        return Rules.from_settings(gemeente.settings or {})
    except ValueError:
        return Rules()


def pip_versions(client_ids) -> dict[int, list[PipVersion]]:
    """All PIP versions per client, oldest first."""
    out = defaultdict(list)
    if not client_ids:
        return out
    for pip in (PipVersion.select().where(PipVersion.client.in_(client_ids))
                .order_by(PipVersion.client, PipVersion.version)):
        out[pip.client_id].append(pip)
    return out


@dataclass
class ClientFile:
    """The domain facts of one client plus the rows they were made from, for pages that show both."""

    facts: ClientFacts
    pips: list = field(default_factory=list)
    verlengingen: list = field(default_factory=list)
    parts: list = field(default_factory=list)
    attempts: dict = field(default_factory=dict)


def load_facts(clients: list[Client], today: datetime.date, rules: Rules) -> dict[int, ClientFacts]:
    """ClientFacts per client id, from five grouped queries."""
    return {cid: f.facts for cid, f in load_files(clients, today, rules).items()}


def load_files(clients: list[Client], today: datetime.date, rules: Rules) -> dict[int, ClientFile]:
    """ClientFile per client id, from five grouped queries whatever the number of clients or rows."""
    ids = [c.id for c in clients]
    verlengingen = defaultdict(list)
    raw_attempts = defaultdict(list)
    pips = pip_versions(ids)
    extended = {}
    confirmed = defaultdict(lambda: defaultdict(Decimal))
    pending = defaultdict(lambda: defaultdict(Decimal))
    recent = defaultdict(lambda: defaultdict(Decimal))
    physical = defaultdict(Decimal)
    last_entry = {}
    last_map = {}
    parts = defaultdict(dict)
    if ids:
        for verlenging in (Verlenging.select().where(Verlenging.client.in_(ids))
                           .order_by(Verlenging.decided_on, Verlenging.id)):
            verlengingen[verlenging.client_id].append(verlenging)
            extended[verlenging.client_id] = max(filter(None, (extended.get(verlenging.client_id),
                                                              verlenging.einddatum)))

        first_pip = (PipVersion.select(PipVersion.client, fn.MIN(PipVersion.dagtekening).alias("first"))
                     .where(PipVersion.client.in_(ids)).group_by(PipVersion.client).alias("first_pip"))
        in_intake = Case(None, [((first_pip.c.first.is_null()) | (Entry.entry_date <= first_pip.c.first), 1)], 0)
        rows = (Entry.select(Entry.client, Entry.category, Entry.status, Entry.physical, in_intake.alias("intake"),
                             fn.SUM(Entry.hours).alias("hours"), fn.MAX(Entry.entry_date).alias("last"))
                .join(first_pip, JOIN.LEFT_OUTER, on=(Entry.client == first_pip.c.client_id))
                .where(Entry.client.in_(ids), Entry.status != Status.WITHDRAWN.value)
                .group_by(Entry.client, Entry.category, Entry.status, Entry.physical, in_intake).dicts())
        for row in rows:
            cid, cat, hours = row["client"], row["category"], Decimal(str(row["hours"] or 0))
            if row["intake"] and cat in LANGUAGE:
                cat += INTAKE_SUFFIX
            last = _as_date(row["last"])
            last_entry[cid] = max(filter(None, (last_entry.get(cid), last)))
            if cat in MAP_CATEGORIES:
                last_map[cid] = max(filter(None, (last_map.get(cid), last)))
            if row["status"] == Status.CONFIRMED.value:
                confirmed[cid][cat] += hours
                if row["physical"] and cat in LANGUAGE:
                    physical[cid] += hours
            elif row["status"] == Status.SUBMITTED.value:
                pending[cid][cat] += hours

        since = today - datetime.timedelta(days=rules.pace_window_days)
        for row in (Entry.select(Entry.client, Entry.category, fn.SUM(Entry.hours).alias("hours"))
                    .join(first_pip, JOIN.LEFT_OUTER, on=(Entry.client == first_pip.c.client_id))
                    .where(Entry.client.in_(ids), Entry.status.in_(COUNTED), Entry.entry_date >= since,
                           first_pip.c.first.is_null(False), Entry.entry_date > first_pip.c.first)
                    .group_by(Entry.client, Entry.category).dicts()):
            recent[row["client"]][row["category"]] += Decimal(str(row["hours"] or 0))

        attempts = defaultdict(list)
        query = (ExamPart.select(ExamPart, ExamAttempt)
                 .join(ExamAttempt, JOIN.LEFT_OUTER, on=(ExamAttempt.part == ExamPart.id), attr="attempt")
                 .where(ExamPart.client.in_(ids))
                 .order_by(ExamPart.id, ExamAttempt.exam_date))
        for part in query:
            parts[part.client_id][part.id] = part
            attempt = getattr(part, "attempt", None)
            if attempt is not None and attempt.id is not None:
                raw_attempts[part.id].append(attempt)
                attempts[part.id].append(ExamAttemptFacts(
                    exam_date=attempt.exam_date, result=attempt.result,
                    niveau=attempt.niveau, counts_as_free=attempt.counts_as_free))

    files = {}
    for client in clients:
        versions = pips.get(client.id, [])
        latest = versions[-1] if versions else None
        facts = ClientFacts(
            today=today,
            leerroute=latest.leerroute if latest else None,
            niveau=latest.niveau if latest else None,
            coupled_on=client.coupled_on,
            first_dagtekening=versions[0].dagtekening if versions else None,
            extended_until=extended.get(client.id),
            confirmed_hours=dict(confirmed[client.id]),
            pending_hours=dict(pending[client.id]),
            physical_language_hours=physical[client.id],
            recent_confirmed_hours=dict(recent[client.id]),
            exam_parts=tuple(
                ExamPartFacts(code=p.code, niveau=p.niveau, attempts=tuple(attempts[p.id]),
                              free_attempts_used_before=p.free_attempts_used_before)
                for p in parts[client.id].values()),
            pvt_signed_on=client.pvt_signed_on,
            map_eindgesprek_on=client.map_eindgesprek_on,
            z_eindgesprek_on=client.z_eindgesprek_on,
            taalschakel_done_on=client.taalschakel_done_on,
            last_entry_on=last_entry.get(client.id),
            last_map_entry_on=last_map.get(client.id),
        )
        files[client.id] = ClientFile(facts=facts, pips=versions, verlengingen=verlengingen[client.id],
                                      parts=list(parts[client.id].values()),
                                      attempts={pid: raw_attempts[pid] for pid in parts[client.id]})
    return files


def _as_date(value):
    """SQLite returns aggregates of date columns as text; PostgreSQL as dates."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])
