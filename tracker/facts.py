"""Read what the domain rules need for many clients at once, in a fixed number of queries.

The caseload of 150 clients and the statushouder's own Home use the same loader, so both run
the same few queries whatever the number of clients or entries.
"""
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import json

from peewee import JOIN, SQL, NodeList, Value, fn

from .domain.hours import LANGUAGE_CATEGORIES, PARTICIPATION_CATEGORIES, Category, Status
from .domain.progress import ClientFacts, ExamAttempt as ExamAttemptFacts, ExamPart as ExamPartFacts
from .domain.progress import Summary, summarize
from .domain.rules import Rules
from .json_rows import rows_per_client
from .models import Client, Entry, EntryTotal, ExamAttempt, ExamPart, PipVersion, Step, Verlenging
from .prepared import Param, Prepared
from .web.timeutil import local_today

COUNTED = (Status.SUBMITTED.value, Status.CONFIRMED.value)
# Activity that moves MAP forward: workshops, practice and the participation that counts as practice.
MAP_CATEGORIES = {Category.MAP_PRAKTIJK.value, Category.MAP_WORKSHOP.value} | {c.value for c in PARTICIPATION_CATEGORIES}
LANGUAGE = {c.value for c in LANGUAGE_CATEGORIES}
# Lessons during the brede intake are reported apart and never count for the leerroute (R-BI-6);
# the domain ignores categories it does not know, so they are kept under this suffix.
INTAKE_SUFFIX = ":INTAKE"
ZERO = Decimal(0)
RECENT = "RECENT"   # marks the pace-window rows beside the totals (no entry status has this name)


def ids_in(field, ids):
    """`field IN ids` with the ids as one parameter (an array on PostgreSQL, a JSON list on SQLite).

    A thousand ids as a thousand parameters cost more to build than the query takes to run; as
    one value the statement is the same text every time and still uses the index on `field`.
    """
    from .db import is_postgres
    if isinstance(ids, Param):   # a placeholder of a Prepared query: the list comes at run time
        if is_postgres():
            return field == fn.ANY(Param(ids.name, convert=list))
        return field.in_(NodeList((SQL("(SELECT value FROM json_each("), Param(ids.name, convert=json.dumps),
                                   SQL("))")), glue=""))
    ids = list(ids)
    if is_postgres():
        return field == fn.ANY(Value(ids, unpack=False))
    return field.in_(SQL("(SELECT value FROM json_each(?))", (json.dumps(ids),)))


# The statements of load_facts, made once per database (tracker.prepared): every statushouder page
# and the caseload run them, and building them cost more than running them for one person.
_PIPS = Prepared(lambda ids: PipVersion.select(PipVersion.client, PipVersion.dagtekening, PipVersion.leerroute,
                                               PipVersion.niveau)
                 .where(ids_in(PipVersion.client, ids)).order_by(PipVersion.client, PipVersion.version))
_EXTENDED = Prepared(lambda ids: Verlenging.select(Verlenging.client, fn.MAX(Verlenging.einddatum))
                     .where(ids_in(Verlenging.client, ids)).group_by(Verlenging.client))


def _totals_query(ids):
    return (EntryTotal.select(EntryTotal.client, EntryTotal.category, EntryTotal.status, EntryTotal.intake,
                              EntryTotal.hours, EntryTotal.physical_hours, EntryTotal.last_date)
            .where(ids_in(EntryTotal.client, ids), EntryTotal.status != Status.WITHDRAWN.value,
                   EntryTotal.entries > 0))


def _totals_with_pace_query(ids, since):
    """The totals, and the hours of the pace window (after the first PIP) summed from the entries."""
    first_pip = (PipVersion.select(PipVersion.client, fn.MIN(PipVersion.dagtekening).alias("first"))
                 .where(ids_in(PipVersion.client, ids)).group_by(PipVersion.client).alias("first_pip"))
    recent_rows = (Entry.select(Entry.client, Entry.category, SQL(f"'{RECENT}'"), SQL("0"),
                                fn.SUM(Entry.hours), SQL("0"), SQL("NULL"))
                   .join(first_pip, on=(Entry.client == first_pip.c.client_id))
                   .where(ids_in(Entry.client, ids), Entry.status.in_(COUNTED), Entry.entry_date >= since,
                          Entry.entry_date > first_pip.c.first)
                   .group_by(Entry.client, Entry.category))
    return _totals_query(ids).union_all(recent_rows)


_TOTALS = Prepared(_totals_query)
_TOTALS_WITH_PACE = Prepared(_totals_with_pace_query)
_PARTS = Prepared(lambda ids: ExamPart.select(ExamPart.id, ExamPart.client, ExamPart.code, ExamPart.niveau,
                                              ExamPart.free_attempts_used_before)
                  .where(ids_in(ExamPart.client, ids)).order_by(ExamPart.id))
_ATTEMPTS = Prepared(lambda ids: ExamAttempt.select(ExamAttempt.part, ExamAttempt.exam_date, ExamAttempt.result,
                                                    ExamAttempt.niveau, ExamAttempt.counts_as_free)
                     .where(ids_in(ExamAttempt.part, ids)).order_by(ExamAttempt.part, ExamAttempt.exam_date))


def rules_for(gemeente) -> Rules:
    """The domain rules with this gemeente's overrides; a broken setting falls back to defaults."""
    try:
        return Rules.from_settings(gemeente.settings or {})
    except ValueError:
        return Rules()


@dataclass
class ClientFile:
    """The domain facts of one client plus the rows they were made from, for pages that show both."""

    facts: ClientFacts
    pips: list = field(default_factory=list)
    verlengingen: list = field(default_factory=list)
    parts: list = field(default_factory=list)
    attempts: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)       # Step rows as stored (casework.timeline orders them)


def load_facts(clients: list[Client], today: datetime.date, rules: Rules | None) -> dict[int, ClientFacts]:
    """ClientFacts per client id, from a few grouped queries (plain tuples: no row objects are made,
    which is what the caseload and the planner of 100,000 people need).

    `rules` give the pace window of `recent_confirmed_hours`. Without them (None) the facts leave the
    pace out and no entry is read, only the totals kept beside them: the reminder planner's rules
    (reminders and risk signals) never look at the pace, and the entries are by far the largest table.
    """
    return _load(clients, today, rules, rows=False)


def load_files(clients: list[Client], today: datetime.date, rules: Rules) -> dict[int, ClientFile]:
    """ClientFile per client id, from a few grouped queries whatever the number of clients or rows."""
    return _load(clients, today, rules, rows=True)


@dataclass(frozen=True)
class ClientSummary:
    """One client's summary with what it was worked out from: the file, the gemeente's today and rules."""

    summary: Summary
    file: ClientFile
    today: datetime.date
    rules: Rules

    @property
    def facts(self) -> ClientFacts:
        return self.file.facts


def client_summary(client: Client, rows: bool = False) -> ClientSummary:
    """The summary of one client today (in the gemeente's zone) under the gemeente's rules.

    With `rows` the file also holds the PIP versions, verlengingen, steps and exam rows (load_files), for
    pages that show them; without, only the facts (load_facts).
    """
    rules = rules_for(client.gemeente)
    today = local_today(client.gemeente)
    file = (load_files([client], today, rules)[client.id] if rows
            else ClientFile(facts=load_facts([client], today, rules)[client.id]))
    return ClientSummary(summarize(file.facts, rules), file, today, rules)


def _load(clients: list[Client], today: datetime.date, rules: Rules | None, rows: bool) -> dict:
    """ClientFile per client id with `rows`, else ClientFacts per client id (see load_facts).

    Without `rows` every statement is run as plain SQL and its tuples are read directly: peewee's
    conversion per value cost more than the queries for the planner's 100,000 people."""
    ids = [c.id for c in clients]
    verlengingen = defaultdict(list)
    raw_attempts = defaultdict(list)
    extended = {}
    confirmed = {}                      # client id → category → hours (each dict the client's own)
    pending = {}
    recent = {}
    physical = {}
    last_entry = {}
    last_map = {}
    parts = defaultdict(dict)           # client id → part id → ExamPart row (rows) or ExamPartFacts fields
    attempts = defaultdict(list)
    first_pip_on = {}                   # client id → dagtekening of the first PIP version
    latest_pip = {}                     # client id → (leerroute, niveau) of the latest version
    if rows:
        # The file's short lists in one statement (tracker.json_rows), sorted here.
        pips, listed_verlengingen, steps = rows_per_client((PipVersion, Verlenging, Step), ids)
        for versions in pips.values():
            versions.sort(key=lambda p: p.version)
        for cid, versions in pips.items():
            first_pip_on[cid] = versions[0].dagtekening
            latest_pip[cid] = (versions[-1].leerroute, versions[-1].niveau)
    elif ids:
        for cid, dagtekening, leerroute, niveau in _PIPS.fetchall(ids=ids):
            if cid not in first_pip_on:
                first_pip_on[cid] = as_date(dagtekening)
            latest_pip[cid] = (leerroute, niveau)
    if ids:
        if rows:
            for cid, listed in listed_verlengingen.items():
                verlengingen[cid] = sorted(listed, key=lambda v: (v.decided_on, v.id))
                extended[cid] = max(v.einddatum for v in listed)
        else:
            for cid, einddatum in _EXTENDED.fetchall(ids=ids):
                extended[cid] = as_date(einddatum)

        # The hours come from the totals the database keeps beside the entries (tracker.counters):
        # a few rows per person whatever their number of entries. Only the recent part (the pace
        # window, after the first PIP) is summed from the entries, over that window alone, in the
        # same statement.
        if rules is None:
            totals = _TOTALS.fetchall(ids=ids)
        else:
            totals = _TOTALS_WITH_PACE.fetchall(ids=ids, since=today - datetime.timedelta(days=rules.pace_window_days))
        confirmed_status, submitted_status = Status.CONFIRMED.value, Status.SUBMITTED.value
        # A million rows for the planner: PostgreSQL gives dates and Decimals, which need nothing
        # done to them; SQLite gives text and floats, converted here.
        from .db import is_postgres
        text = not is_postgres()
        for cid, category, status, intake, hours, physical_sum, last in totals:
            if status == RECENT:
                if hours:
                    _add(recent, cid, category, _decimal(hours))
                continue
            if text:
                # Dates stay ISO text here (they compare the same way) and become dates once per person.
                hours = _decimal(hours)
            cat = category + INTAKE_SUFFIX if intake and category in LANGUAGE else category
            if last is not None:
                previous = last_entry.get(cid)
                if previous is None or last > previous:
                    last_entry[cid] = last
                if cat in MAP_CATEGORIES:
                    previous = last_map.get(cid)
                    if previous is None or last > previous:
                        last_map[cid] = last
            if status == confirmed_status:
                _add(confirmed, cid, cat, hours)
                if physical_sum and cat in LANGUAGE:
                    physical[cid] = physical.get(cid, ZERO) + _decimal(physical_sum)
            elif status == submitted_status:
                _add(pending, cid, cat, hours)

        if rows:
            query = (ExamPart.select(ExamPart, ExamAttempt)
                     .join(ExamAttempt, JOIN.LEFT_OUTER, on=(ExamAttempt.part == ExamPart.id), attr="attempt")
                     .where(ids_in(ExamPart.client, ids))
                     .order_by(ExamPart.id, ExamAttempt.exam_date))
            for part in query:
                parts[part.client_id][part.id] = part
                attempt = getattr(part, "attempt", None)
                if attempt is not None and attempt.id is not None:
                    raw_attempts[part.id].append(attempt)
                    attempts[part.id].append(ExamAttemptFacts(
                        exam_date=attempt.exam_date, result=attempt.result,
                        niveau=attempt.niveau, counts_as_free=attempt.counts_as_free))
        else:
            # Parts, then their attempts by part id (also when there are none: the same statements
            # whatever the data). As one join of a thousand people's parts, PostgreSQL chose to read
            # every attempt of everybody.
            part_rows = _PARTS.fetchall(ids=ids)
            for pid, cid, code, niveau, used in part_rows:
                parts[cid][pid] = (code, niveau, used)
            for pid, exam_date, result, attempt_niveau, free in _ATTEMPTS.fetchall(ids=[row[0] for row in part_rows]):
                attempts[pid].append(ExamAttemptFacts(exam_date=as_date(exam_date), result=result,
                                                      niveau=attempt_niveau, counts_as_free=bool(free)))

    files = {}
    for client in clients:
        route_level = latest_pip.get(client.id)
        if rows:
            exam = tuple(ExamPartFacts(code=p.code, niveau=p.niveau, attempts=tuple(attempts[p.id]),
                                       free_attempts_used_before=p.free_attempts_used_before)
                         for p in parts[client.id].values())
        else:
            exam = tuple(ExamPartFacts(code=code, niveau=niveau, attempts=tuple(attempts[pid]),
                                       free_attempts_used_before=used)
                         for pid, (code, niveau, used) in parts[client.id].items()) if client.id in parts else ()
        facts = ClientFacts(
            today=today,
            leerroute=route_level[0] if route_level else None,
            niveau=route_level[1] if route_level else None,
            coupled_on=client.coupled_on,
            first_dagtekening=first_pip_on.get(client.id),
            extended_until=extended.get(client.id),
            confirmed_hours=confirmed.get(client.id) or {},
            pending_hours=pending.get(client.id) or {},
            physical_language_hours=physical.get(client.id, ZERO),
            recent_confirmed_hours=recent.get(client.id) or {},
            exam_parts=exam,
            pvt_signed_on=client.pvt_signed_on,
            map_eindgesprek_on=client.map_eindgesprek_on,
            z_eindgesprek_on=client.z_eindgesprek_on,
            taalschakel_done_on=client.taalschakel_done_on,
            last_entry_on=as_date(last_entry.get(client.id)),
            last_map_entry_on=as_date(last_map.get(client.id)),
        )
        if rows:
            files[client.id] = ClientFile(facts=facts, pips=pips.get(client.id, []),
                                          verlengingen=verlengingen[client.id], parts=list(parts[client.id].values()),
                                          attempts={pid: raw_attempts[pid] for pid in parts[client.id]},
                                          steps=steps.get(client.id, []))
        else:
            files[client.id] = facts
    return files


def _add(totals: dict, client_id: int, category: str, hours: Decimal) -> None:
    by_category = totals.get(client_id)
    if by_category is None:
        totals[client_id] = {category: ZERO + hours}
    else:
        by_category[category] = by_category.get(category, ZERO) + hours


def _decimal(value) -> Decimal:
    """A SUM as Decimal: SQLite gives float (exact for quarter hours), PostgreSQL Decimal."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def as_date(value):
    """SQLite returns aggregates of date columns as text; PostgreSQL as dates."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])
