"""Anonymous totals for a gemeente's monitoring page and its CSV.

Every number is about groups, never about a person, and small groups are hidden:
- a count from 1 to 4 is hidden ("small");
- when a hidden number could be worked out from a total (one hidden cell in a row or column
  whose other cells and total are shown), the next smallest number there is hidden too
  ("hidden"), until no hidden cell can be derived;
- a percentage or median computed from fewer than 5 people is hidden;
- hours are hidden when fewer than 5 people logged them.

Facts are read with tracker.facts.load_facts in pages of clients; hours and exam results come from
grouped SQL. The result holds only suppressed cells, so the page and the CSV cannot differ.
"""
import datetime
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from peewee import Case, fn

from . import db as database
from .domain import steps as step_rules
from .domain.hours import Category, Status
from .domain.progress import summarize
from .domain.routes import EXAM_PARTS
from .domain.rules import Rules
from .facts import load_facts
from .models import Client, Entry, ExamAttempt, ExamPart, Step

SMALL = 5
PAGE = 500
MONTHS = 12
ROUTES = ("B", "O", "Z", "none")
RISK_LEVELS = ("ok", "attention", "high", "done")
RISK_REASONS = ("no_pip_after_10_weeks", "no_activity_14_days", "termijn_near_no_exam_booked",
                "termijn_near_hours_behind", "attempts_used_up", "afschalen_possible", "map_stalled",
                "termijn_passed")
DONE = "done"
TOTAL = "total"
PIP = "PIP_FIRST"
# Hour categories in groups, like DUO's counters: a chart with eleven colours helps nobody, and
# groups hide less because more people are in each.
CATEGORY_GROUPS = {
    "language": (Category.TAALLES, Category.KNM_LES, Category.ALFABETISERING),
    "participation": (Category.PARTICIPATIE_VRIJWILLIGERSWERK, Category.PARTICIPATIE_STAGE,
                      Category.PARTICIPATIE_BETAALD_WERK, Category.PARTICIPATIE_OVERIG),
    "map": (Category.MAP_WORKSHOP, Category.MAP_PRAKTIJK),
    "pvt": (Category.PVT_SESSIE,),
    "self_study": (Category.ZELFSTUDIE,),
}


@dataclass(frozen=True)
class Cell:
    """One published number. state: "value" (shown), "small" (a count from 1 to 4), "hidden"
    (hidden so that another hidden number cannot be worked out, or computed from fewer than 5
    people) or "empty" (nothing to compute, e.g. a median of nobody)."""

    value: int | Decimal | None
    state: str = "value"

    @property
    def shown(self):
        return self.value if self.state == "value" else None


def protect(values: dict, groups: list[tuple[tuple, object]], primary: set) -> dict:
    """Cells for `values` with the keys in `primary` hidden as small, plus secondary suppression.

    Each group is (member keys, total key or None) with sum(members) == total. A group with
    exactly one hidden number among its members and total would give that number away, so its
    smallest other non-zero number is hidden too; repeated until every group is safe.
    """
    hidden = {k for k in primary if values.get(k)}
    changed = True
    while changed:
        changed = False
        for members, total in groups:
            keys = [k for k in (*members, total) if k is not None and k in values]
            if sum(1 for k in keys if k in hidden) != 1:
                continue
            candidates = sorted((values[k], i) for i, k in enumerate(keys) if k not in hidden and values[k])
            if candidates:
                hidden.add(keys[candidates[0][1]])
                changed = True
    return {k: Cell(v, ("small" if k in primary else "hidden") if k in hidden else "value")
            for k, v in values.items()}


def counts(values: dict, groups: list) -> dict:
    """Counts of people: the small ones (1-4) hidden, plus secondary suppression."""
    return protect(values, groups, {k for k, v in values.items() if 0 < v < SMALL})


def statistic(people: int, value) -> Cell:
    """A percentage or median: hidden when it comes from fewer than 5 people."""
    if people == 0 or value is None:
        return Cell(None, "empty")
    if people < SMALL:
        return Cell(None, "hidden")
    return Cell(value, "value")


def _round(value) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Report:
    today: datetime.date
    stages: tuple[str, ...]
    total: Cell
    route_stage: dict = field(default_factory=dict)  # (stage | TOTAL, route | TOTAL) -> Cell
    risk_levels: dict = field(default_factory=dict)  # level | TOTAL -> Cell
    risk_reasons: dict = field(default_factory=dict)  # reason -> Cell
    pip_clients: Cell = Cell(None, "empty")
    pip_in_time: Cell = Cell(None, "empty")  # percent
    months: tuple[str, ...] = ()  # "YYYY-MM", oldest first
    hours: dict = field(default_factory=dict)  # (month | TOTAL, group | TOTAL) -> Cell
    exams: dict = field(default_factory=dict)  # part -> {"attempts": Cell, "percent": Cell}
    medians: dict = field(default_factory=dict)  # step code | PIP -> {"clients": Cell, "days": Cell}


def _client_pages(gemeente_id: int):
    """The gemeente's clients, PAGE at a time (keyset paging on the row id)."""
    last = 0
    while True:
        page = list(Client.select().where(Client.gemeente == gemeente_id, Client.id > last)
                    .order_by(Client.id).limit(PAGE))
        if not page:
            return
        yield page
        last = page[-1].id


def build(gemeente, today: datetime.date, rules: Rules) -> Report:
    """The suppressed totals of one gemeente on `today`."""
    steps = step_rules.steps_for(gemeente.settings or {})
    stages = tuple(s.code for s in steps) + (DONE,)
    route_stage = {(s, r): 0 for s in stages for r in ROUTES}
    levels = dict.fromkeys(RISK_LEVELS, 0)
    reasons = dict.fromkeys(RISK_REASONS, 0)
    pip_total = pip_on_time = 0
    durations: dict[str, list[int]] = {s.code: [] for s in steps}
    durations[PIP] = []
    total = 0
    for page in _client_pages(gemeente.id):
        facts = load_facts(page, today, rules)
        rows = (Step.select(Step.client, Step.code, Step.status, Step.date)
                .where(Step.client.in_([c.id for c in page])).tuples())
        statuses: dict[int, dict[str, str]] = {}
        done_on: dict[int, dict[str, datetime.date]] = {}
        for client_id, code, status, date in rows:
            statuses.setdefault(client_id, {})[code] = status
            if status == step_rules.StepStatus.DONE and date is not None:
                done_on.setdefault(client_id, {})[code] = date
        for client in page:
            fact = facts[client.id]
            summary = summarize(fact, rules)
            total += 1
            route = fact.leerroute or "none"
            if summary.fulfilled:
                stage = DONE
            else:
                stage = step_rules.current_step(statuses.get(client.id, {}), steps) or (steps[-1].code if steps else DONE)
            route_stage[(stage, route)] = route_stage.get((stage, route), 0) + 1
            levels["done" if summary.fulfilled else summary.risk.level] += 1
            for reason in summary.risk.reasons:
                reasons[reason] = reasons.get(reason, 0) + 1
            if fact.first_dagtekening is not None:
                pip_total += 1
                deadline = client.coupled_on + datetime.timedelta(weeks=rules.pip_deadline_weeks)
                pip_on_time += fact.first_dagtekening <= deadline
                durations[PIP].append((fact.first_dagtekening - client.coupled_on).days)
            for code, date in done_on.get(client.id, {}).items():
                if code in durations:
                    durations[code].append((date - client.coupled_on).days)

    # Clients per stage and route, with the totals per stage, per route and overall.
    values = dict(route_stage)
    for stage in stages:
        values[(stage, TOTAL)] = sum(route_stage[(stage, r)] for r in ROUTES)
    for route in ROUTES:
        values[(TOTAL, route)] = sum(route_stage[(s, route)] for s in stages)
    values[(TOTAL, TOTAL)] = total
    groups = [(tuple((s, r) for r in ROUTES), (s, TOTAL)) for s in stages]
    groups += [(tuple((s, r) for s in stages), (TOTAL, r)) for r in ROUTES]
    groups += [(tuple((s, TOTAL) for s in stages), (TOTAL, TOTAL)),
               (tuple((TOTAL, r) for r in ROUTES), (TOTAL, TOTAL))]
    report = Report(today=today, stages=stages, total=Cell(total), route_stage=counts(values, groups))
    report.total = report.route_stage[(TOTAL, TOTAL)]

    levels[TOTAL] = total
    report.risk_levels = counts(levels, [(RISK_LEVELS, TOTAL)])
    # Reasons overlap (one client can have several), so no sum gives one away.
    report.risk_reasons = counts(reasons, [])

    report.pip_clients = counts({"n": pip_total}, [])["n"]
    report.pip_in_time = statistic(pip_total, _round(100 * pip_on_time / pip_total) if pip_total else None)

    for code, days in durations.items():
        median = _round(statistics.median(days)) if days else None
        report.medians[code] = {"clients": counts({"n": len(days)}, [])["n"], "days": statistic(len(days), median)}

    report.months, report.hours = _hours(gemeente.id, today)
    report.exams = _exams(gemeente.id)
    return report


def month_keys(today: datetime.date, count: int = MONTHS) -> tuple[str, ...]:
    """The last `count` months up to and including today's, oldest first, as "YYYY-MM"."""
    year, month = today.year, today.month
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return tuple(reversed(keys))


def _month_of(column):
    """SQL for "YYYY-MM" of a date column, on PostgreSQL and SQLite."""
    if database.is_postgres():
        return fn.to_char(column, "YYYY-MM")
    return fn.strftime("%Y-%m", column)


def _hours(gemeente_id: int, today: datetime.date):
    """Confirmed hours per month and category group over the last 12 months; a cell is hidden
    when fewer than 5 people logged it."""
    months = month_keys(today)
    since = datetime.date.fromisoformat(months[0] + "-01")
    month = _month_of(Entry.entry_date)
    group = Case(Entry.category, [(c.value, key) for key, cats in CATEGORY_GROUPS.items() for c in cats], "other")
    base = (Entry.select().join(Client, on=(Entry.client == Client.id))
            .where(Client.gemeente == gemeente_id, Entry.status == Status.CONFIRMED.value,
                   Entry.entry_date >= since, Entry.entry_date <= today))
    keys = tuple(CATEGORY_GROUPS)
    values, people = {}, {}

    def collect(columns, key_of):
        query = base.select(*columns, fn.SUM(Entry.hours).alias("hours"),
                            fn.COUNT(fn.DISTINCT(Entry.client)).alias("people"))
        if columns:
            query = query.group_by(*columns)
        for row in query.dicts():
            key = key_of(row)
            if key is None:
                continue
            values[key] = Decimal(str(row["hours"] or 0))
            people[key] = row["people"]

    def known(row):
        return row.get("grp") in keys and row.get("month") in months

    collect([month.alias("month"), group.alias("grp")], lambda r: (r["month"], r["grp"]) if known(r) else None)
    collect([month.alias("month")], lambda r: (r["month"], TOTAL) if r["month"] in months else None)
    collect([group.alias("grp")], lambda r: (TOTAL, r["grp"]) if r["grp"] in keys else None)
    collect([], lambda r: (TOTAL, TOTAL))
    for m in (*months, TOTAL):
        for g in (*keys, TOTAL):
            values.setdefault((m, g), Decimal(0))
            people.setdefault((m, g), 0)
    # Categories outside the groups ("other") are in no column, so they would break the sums:
    # the totals are the sums of the group columns.
    for m in (*months, TOTAL):
        values[(m, TOTAL)] = sum(values[(m, g)] for g in keys)
    for g in (*keys, TOTAL):
        values[(TOTAL, g)] = sum(values[(m, g)] for m in months)
    groups = [(tuple((m, g) for g in keys), (m, TOTAL)) for m in (*months, TOTAL)]
    groups += [(tuple((m, g) for m in months), (TOTAL, g)) for g in (*keys, TOTAL)]
    primary = {k for k, n in people.items() if 0 < n < SMALL}
    # Fewer than 5 people is "small" even when their hours are many.
    return months, protect(values, groups, primary)


def _exams(gemeente_id: int) -> dict:
    """Per exam part: attempts with a result (passed or failed) and the share passed; the share is
    hidden when fewer than 5 people took those attempts."""
    decided = ("GESLAAGD", "GEZAKT")
    passed = Case(None, [(ExamAttempt.result == "GESLAAGD", 1)], 0)
    rows = (ExamAttempt.select(ExamPart.code.alias("code"), fn.COUNT(ExamAttempt.id).alias("attempts"),
                               fn.SUM(passed).alias("passed"), fn.COUNT(fn.DISTINCT(ExamPart.client)).alias("people"))
            .join(ExamPart, on=(ExamAttempt.part == ExamPart.id))
            .join(Client, on=(ExamPart.client == Client.id))
            .where(Client.gemeente == gemeente_id, ExamAttempt.result.in_(decided), ExamPart.code.in_(EXAM_PARTS))
            .group_by(ExamPart.code).dicts())
    found = {r["code"]: r for r in rows}
    out = {}
    for code in EXAM_PARTS:
        row = found.get(code) or {"attempts": 0, "passed": 0, "people": 0}
        attempts, people = int(row["attempts"] or 0), int(row["people"] or 0)
        percent = _round(100 * int(row["passed"] or 0) / attempts) if attempts else None
        out[code] = {"attempts": counts({"n": attempts}, [])["n"], "percent": statistic(people, percent)}
    return out
