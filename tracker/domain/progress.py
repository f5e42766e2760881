"""Where a person stands: counters per requirement, next step, risk, and the summary the pages show.

Only confirmed hours count (domain.md §0.4); submitted hours are reported apart as `pending`.
Hour counters are the statushouder's self-report, so they never decide that the duty is
fulfilled: the formal dates recorded by the gemeente (exam passes, PVT signed, MAP and Z-route
eindgesprek, taalschakel diploma) do (R-T-5).
"""
import dataclasses
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from decimal import ROUND_CEILING, Decimal
from typing import Mapping

from .exams import (ExamAttempt, ExamPart, awaiting_since, booked_on, free_attempts_left, part_state,
                    passed_on)
from .hours import Category, counts_for
from .routes import EXAM_PARTS, LANGUAGE_EXAM_PARTS, REQUIREMENTS, Leerroute, Niveau, map_required
from .rules import Rules
from .termijn import PipClock, TermijnInfo, add_months, pip_clock, termijn_info

__all__ = [
    "ExamAttempt", "ExamPart", "ClientFacts", "Requirement", "NextStep", "Risk", "Summary",
    "free_attempts_left", "requirements", "projection", "next_step", "fulfilled", "risk", "summarize",
]

ZERO = Decimal(0)
ONE = Decimal(1)
_CATEGORIES = frozenset(c.value for c in Category)


@dataclass(frozen=True)
class ClientFacts:
    """Everything the rules need about one person on one day; hours are keyed by Category value.

    `recent_confirmed_hours` holds confirmed and submitted hours dated within the last
    `rules.pace_window_days` days; it only sets the pace of the projections.
    """

    today: date
    leerroute: str | None = None
    niveau: str | None = None
    coupled_on: date | None = None
    first_dagtekening: date | None = None
    extended_until: date | None = None
    confirmed_hours: Mapping[str, Decimal] = field(default_factory=dict)
    pending_hours: Mapping[str, Decimal] = field(default_factory=dict)
    physical_language_hours: Decimal = ZERO
    recent_confirmed_hours: Mapping[str, Decimal] = field(default_factory=dict)
    exam_parts: tuple[ExamPart, ...] = ()
    pvt_signed_on: date | None = None
    map_eindgesprek_on: date | None = None
    z_eindgesprek_on: date | None = None
    taalschakel_done_on: date | None = None
    last_entry_on: date | None = None
    last_map_entry_on: date | None = None


@dataclass(frozen=True)
class Requirement:
    """One line of the progress page.

    kind "hours": current/pending/target are hours. kind "milestone" and "exam": they are 0 or 1
    (pending 1 = an exam result is awaited). `percent` uses confirmed hours only, so it may be
    below 100 while `done` is True (a waiver, or the gemeente recorded the formal end).
    """

    key: str
    kind: str
    done: bool
    current: Decimal
    pending: Decimal
    target: Decimal
    percent: int
    projected_on: date | None = None
    attempts_left: int | None = None
    passed_on: date | None = None
    next_exam_on: date | None = None


_ROUTES = {route.value: route for route in Leerroute}


def _route(facts: ClientFacts) -> Leerroute | None:
    if not facts.leerroute:
        return None
    # A dictionary lookup first: the planner asks this several times for each of 100,000 people.
    return _ROUTES.get(facts.leerroute) or Leerroute(facts.leerroute)


@lru_cache(maxsize=None)
def _feeding(key: str, route: Leerroute) -> frozenset[str]:
    """The categories whose hours feed requirement `key` on `route` (asked once, then remembered)."""
    return frozenset(category for category in _CATEGORIES if key in counts_for(category, route))


def _sum_for(key: str, route: Leerroute, hours: Mapping[str, Decimal]) -> Decimal:
    """Total of the categories that feed requirement `key`; unknown categories are ignored."""
    feeding = _feeding(key, route)
    total = ZERO
    for category, value in hours.items():
        if category in feeding:
            total += value
    return total


def _percent(current: Decimal, target: Decimal) -> int:
    if target <= 0:
        return 100
    return max(0, min(100, int(current * 100 / target)))


def projection(current: Decimal, target: Decimal, recent_hours: Decimal, window_days: int,
               today: date) -> date | None:
    """Day the target is reached if the pace of the last `window_days` days goes on.

    None when the target is already reached, there was no activity in the window, or the date
    would be beyond the calendar.
    """
    if current >= target or recent_hours <= 0 or window_days <= 0:
        return None
    days = ((target - current) * window_days / recent_hours).to_integral_value(rounding=ROUND_CEILING)
    try:
        return today + timedelta(days=int(days))
    except OverflowError:
        return None


def _hours_requirement(key, facts, route, target, rules, done_anyway=False) -> Requirement:
    current = _sum_for(key, route, facts.confirmed_hours)
    pending = _sum_for(key, route, facts.pending_hours)
    recent = _sum_for(key, route, facts.recent_confirmed_hours)
    done = current >= target or done_anyway
    return Requirement(
        key=key, kind="hours", done=done, current=current, pending=pending, target=target,
        percent=_percent(current, target),
        # Pending hours are in the pace, so they are in the starting point too.
        projected_on=None if done else projection(
            current + pending, target, recent, rules.pace_window_days, facts.today),
    )


def _milestone(key: str, done_on: date | None) -> Requirement:
    done = done_on is not None
    return Requirement(key=key, kind="milestone", done=done, current=ONE if done else ZERO,
                       pending=ZERO, target=ONE, percent=100 if done else 0, passed_on=done_on)


# The last answer of exam_parts(), by identity of the facts: summarize() asks three times per person.
_last_parts: tuple = (None, None)


def exam_parts(facts: ClientFacts) -> dict[str, ExamPart]:
    """Every B1-route component by code, with the PIP niveau where the part has no own level."""
    global _last_parts
    seen, parts = _last_parts
    if seen is facts:
        return dict(parts)
    parts = _exam_parts(facts)
    _last_parts = (facts, parts)
    return dict(parts)


def _exam_parts(facts: ClientFacts) -> dict[str, ExamPart]:
    if not facts.exam_parts:
        return _untouched_parts(facts.niveau)
    return _complete_parts(facts.exam_parts, facts.niveau)


def _complete_parts(exam_parts: tuple[ExamPart, ...], niveau: str | None) -> dict[str, ExamPart]:
    given = {}
    for part in exam_parts:
        given.setdefault(part.code, part)
    parts = {}
    for code in EXAM_PARTS:
        default_level = niveau if code in LANGUAGE_EXAM_PARTS else None
        part = given.get(code) or ExamPart(code=code, niveau=default_level)
        if part.niveau is None and default_level:
            part = dataclasses.replace(part, niveau=default_level)
        parts[code] = part
    return parts


@lru_cache(maxsize=16)
def _untouched_parts(niveau: str | None) -> dict[str, ExamPart]:
    """The parts of someone with no exam rows yet: the same for everybody at one PIP niveau, which
    is most people. Shared, so exam_parts() only ever hands out copies."""
    return _complete_parts((), niveau)


def _exam_requirement(part: ExamPart, facts: ClientFacts, rules: Rules) -> Requirement:
    passed = passed_on(part)
    awaiting = passed is None and awaiting_since(part, facts.today) is not None
    return Requirement(
        key=f"exam_{part.code}", kind="exam", done=passed is not None,
        current=ONE if passed else ZERO, pending=ONE if awaiting else ZERO, target=ONE,
        percent=100 if passed else 0, attempts_left=free_attempts_left(part, rules),
        passed_on=passed, next_exam_on=None if passed else booked_on(part, facts.today),
    )


def requirements(facts: ClientFacts, rules: Rules) -> list[Requirement]:
    """The requirements of the person's leerroute in the order of routes.REQUIREMENTS.

    On the B1-route an informational "afschalen" counter (R-LR-4) follows while the niveau is
    B1; it is done when both the hours and the physical share are reached.
    """
    route = _route(facts)
    if route is None:
        return []
    parts = exam_parts(facts)
    out = []
    for key in REQUIREMENTS[route]:
        if key.startswith("exam_"):
            out.append(_exam_requirement(parts[key.removeprefix("exam_")], facts, rules))
        elif key == "pvt":
            out.append(_milestone(key, facts.pvt_signed_on))
        elif key == "map":
            out.append(_milestone(key, facts.map_eindgesprek_on))
        elif key == "z_eindgesprek":
            out.append(_milestone(key, facts.z_eindgesprek_on))
        elif key == "taalschakel":
            out.append(_milestone(key, facts.taalschakel_done_on))
        elif key == "map_practice":
            out.append(_hours_requirement(
                key, facts, route, rules.map_min_practice_hours, rules,
                done_anyway=rules.map_waiver or facts.map_eindgesprek_on is not None))
        elif key == "z_language":
            out.append(_hours_requirement(key, facts, route, rules.zroute_language_hours, rules,
                                          done_anyway=facts.z_eindgesprek_on is not None))
        elif key == "z_participation":
            out.append(_hours_requirement(key, facts, route, rules.zroute_participation_hours, rules,
                                          done_anyway=facts.z_eindgesprek_on is not None))
        else:  # pragma: no cover - REQUIREMENTS and this function change together
            raise ValueError(f"unknown requirement {key!r}")
    if route is Leerroute.B and facts.niveau == Niveau.B1 and not _language_parts_passed(facts):
        out.append(_afschalen_requirement(facts, route, rules))
    return out


def _language_parts_passed(facts: ClientFacts) -> bool:
    """All language exam parts passed: then a talk about A2 is no longer relevant."""
    parts = exam_parts(facts)
    return all(code in parts and part_state(parts[code], facts.today) == "passed" for code in LANGUAGE_EXAM_PARTS)


def _afschalen_requirement(facts: ClientFacts, route: Leerroute, rules: Rules) -> Requirement:
    counter = _hours_requirement("afschalen", facts, route, rules.afschalen_min_hours, rules)
    return dataclasses.replace(counter, done=counter.done and _physical_share_ok(counter.current, facts, rules))


def _physical_share_ok(language_hours: Decimal, facts: ClientFacts, rules: Rules) -> bool:
    if language_hours <= 0:
        return False
    return facts.physical_language_hours / language_hours >= rules.afschalen_min_physical_share


def fulfilled(facts: ClientFacts, rules: Rules) -> bool:
    """R-T-5: leerroute done, PVT signed and (except onderwijsroute) MAP eindgesprek held.

    Decided by the formal requirements only (exams and milestones), never by hour counters.
    """
    route = _route(facts)
    if route is None or facts.first_dagtekening is None:
        return False
    # The same answer as _formal_done(requirements(...)) without working out the hour counters
    # and their projections, which the planner's risk() would otherwise do for every person.
    parts = None
    for key in REQUIREMENTS[route]:
        if key.startswith("exam_"):
            parts = parts or exam_parts(facts)
            if passed_on(parts[key.removeprefix("exam_")]) is None:
                return False
        elif key in _MILESTONE_DATES and getattr(facts, _MILESTONE_DATES[key]) is None:
            return False
    return True


# The formal requirements that are a date the gemeente records (the others are exams and hours).
_MILESTONE_DATES = {"pvt": "pvt_signed_on", "map": "map_eindgesprek_on", "z_eindgesprek": "z_eindgesprek_on",
                    "taalschakel": "taalschakel_done_on"}


def _formal_done(reqs: list[Requirement]) -> bool:
    return all(r.done for r in reqs if r.kind != "hours")


@dataclass(frozen=True)
class NextStep:
    """The one thing to do now: a code, an optional due date and exam part."""

    code: str
    due: date | None = None
    part: str | None = None


def next_step(facts: ClientFacts, rules: Rules, *, _reqs: list[Requirement] | None = None,
              _done: bool | None = None, _termijn: TermijnInfo | None = None) -> NextStep:
    """The next step in the order of the process.

    Before the termijn: "wait_for_coupling", then "make_pip" (due: the PIP deadline).
    Then, when not fulfilled, per route (first that applies; due is the last day of the termijn
    unless said otherwise):
    - B: "take_exam" (earliest booked part; due: exam date), "follow_lessons" while no part has
      an attempt and the exam is more than `exam_prompt_months` before the latest sensible
      registration date (due: the day the exam comes into view), "register_exam" (first part in
      LE, LU, SC, SP, KNM order with nothing planned; due: latest registration date),
      "log_map_hours", "plan_map_eindgesprek", "sign_pvt", and last "await_result" (due: the
      expected result date), because waiting is only the next step when nothing else is open.
    - Z: "log_language_hours", "log_participation_hours", "log_map_hours",
      "plan_map_eindgesprek", "sign_pvt", "plan_z_eindgesprek" (the Z-route end may not precede
      the PVT and MAP dates, R-LR-5).
    - O: "finish_taalschakel", "sign_pvt".
    "done" once fulfilled.

    `_reqs`, `_done` and `_termijn` are this person's requirements, fulfilled() and termijn when
    the caller has them already (summarize), so they are worked out once.
    """
    route = _route(facts)
    if route is None or facts.first_dagtekening is None:
        if facts.coupled_on is None:
            return NextStep("wait_for_coupling")
        return NextStep("make_pip", due=pip_clock(facts.coupled_on, None, facts.today, rules).deadline)
    if fulfilled(facts, rules) if _done is None else _done:
        return NextStep("done")
    termijn = _termijn or termijn_info(facts.first_dagtekening, facts.today, rules, facts.extended_until)
    reqs = {r.key: r for r in (requirements(facts, rules) if _reqs is None else _reqs)}
    last_day = termijn.last_day
    parts = exam_parts(facts) if route is Leerroute.B else {}
    states = {code: part_state(p, facts.today) for code, p in parts.items()}

    booked = sorted((booked_on(parts[c], facts.today), c) for c, s in states.items() if s == "booked")
    if booked:
        return NextStep("take_exam", due=booked[0][0], part=booked[0][1])
    prompt_from = add_months(termijn.latest_exam_registration, -rules.exam_prompt_months)
    if (route is Leerroute.B and facts.today < prompt_from
            and not any(p.attempts for p in parts.values())):
        return NextStep("follow_lessons", due=prompt_from)
    for code in EXAM_PARTS:
        if states.get(code) == "open":
            return NextStep("register_exam", due=termijn.latest_exam_registration, part=code)
    if route is Leerroute.Z:
        for key, code in (("z_language", "log_language_hours"),
                          ("z_participation", "log_participation_hours")):
            if not reqs[key].done:
                return NextStep(code, due=last_day)
    if route is Leerroute.O and not reqs["taalschakel"].done:
        return NextStep("finish_taalschakel", due=last_day)
    if map_required(route) and not reqs["map"].done:
        code = "log_map_hours" if not reqs["map_practice"].done else "plan_map_eindgesprek"
        return NextStep(code, due=last_day)
    if not reqs["pvt"].done:
        return NextStep("sign_pvt", due=last_day)
    if route is Leerroute.Z:
        return NextStep("plan_z_eindgesprek", due=last_day)
    waiting = sorted((awaiting_since(parts[c], facts.today), c) for c, s in states.items() if s == "awaiting")
    if waiting:
        taken, code = waiting[0]
        return NextStep("await_result", due=taken + timedelta(weeks=rules.exam_result_weeks), part=code)
    return NextStep("done")  # pragma: no cover - not fulfilled means one branch above applied


@dataclass(frozen=True)
class Risk:
    """"ok", "attention" or "high", with reason codes in a fixed order."""

    level: str
    reasons: tuple[str, ...] = ()


HIGH_REASONS = frozenset({"termijn_passed", "attempts_used_up", "no_pip_after_10_weeks"})


def risk(facts: ClientFacts, rules: Rules, *, _reqs: list[Requirement] | None = None,
         _done: bool | None = None, _termijn: TermijnInfo | None = None) -> Risk:
    """Signals for the contactpersoon's caseload (domain rows of §4 and §7).

    - no_pip_after_10_weeks: no PIP and the 10-week clock ran out (high).
    - no_activity_14_days: no entry for more than `inactivity_days` since the later of the last
      entry and the first PIP (entries from before the PIP do not make a fresh termijn stale).
    - termijn_near_no_exam_booked: B1-route, within `termijn_near_months` of the end, a part
      neither passed, booked nor awaiting its result.
    - attempts_used_up: a part not passed, no free attempt left and nothing booked or awaited (high).
    - termijn_near_hours_behind: Z-route, within `termijn_near_months` of the end, the 800 +
      800 hours not reached and no eindgesprek yet.
    - afschalen_possible: niveau B1, >= 600 lesson hours with enough physical, a language part
      not passed.
    - map_stalled: MAP required and its eindgesprek not held, and no MAP entry for more than
      `map_stalled_days` since the later of the last MAP entry and the first PIP.
    - termijn_passed: today is on or after the end and the duty is not fulfilled (high).
    A fulfilled duty is always "ok".
    """
    if fulfilled(facts, rules) if _done is None else _done:
        return Risk("ok")
    today, route, pip_on = facts.today, _route(facts), facts.first_dagtekening
    reasons = []
    if pip_on is None:
        if facts.coupled_on is not None and pip_clock(facts.coupled_on, None, today, rules).late:
            reasons.append("no_pip_after_10_weeks")
        return _risk_of(reasons)

    termijn = _termijn or termijn_info(pip_on, today, rules, facts.extended_until)
    last_activity = max(filter(None, (facts.last_entry_on, pip_on)))
    if (today - last_activity).days > rules.inactivity_days:
        reasons.append("no_activity_14_days")

    if route is Leerroute.B:
        parts = exam_parts(facts)
        states = {code: part_state(part, today) for code, part in parts.items()}
        near = today >= add_months(termijn.end, -rules.termijn_near_months)
        if near and not termijn.overdue and "open" in states.values():
            reasons.append("termijn_near_no_exam_booked")
        if any(s == "open" and free_attempts_left(parts[c], rules) == 0 for c, s in states.items()):
            reasons.append("attempts_used_up")
        if facts.niveau == Niveau.B1:
            language = _sum_for("afschalen", route, facts.confirmed_hours)
            if (language >= rules.afschalen_min_hours and _physical_share_ok(language, facts, rules)
                    and any(states[c] != "passed" for c in LANGUAGE_EXAM_PARTS)):
                reasons.append("afschalen_possible")

    if route is Leerroute.Z and facts.z_eindgesprek_on is None:
        near = today >= add_months(termijn.end, -rules.termijn_near_months)
        if near and not termijn.overdue and not _z_hours_done(facts, route, rules, _reqs):
            reasons.append("termijn_near_hours_behind")

    if route is not None and map_required(route) and facts.map_eindgesprek_on is None:
        last_map = max(filter(None, (facts.last_map_entry_on, pip_on)))
        if (today - last_map).days > rules.map_stalled_days:
            reasons.append("map_stalled")

    if termijn.overdue:
        reasons.append("termijn_passed")
    return _risk_of(reasons)


def _z_hours_done(facts: ClientFacts, route: Leerroute, rules: Rules, reqs: list[Requirement] | None) -> bool:
    """Both Z-route hour counters reached, before the eindgesprek (without it they are done by hours alone,
    so the sums answer without working out every requirement)."""
    if reqs is not None:
        done = {r.key: r.done for r in reqs}
        return done["z_language"] and done["z_participation"]
    return (_sum_for("z_language", route, facts.confirmed_hours) >= rules.zroute_language_hours
            and _sum_for("z_participation", route, facts.confirmed_hours) >= rules.zroute_participation_hours)


def _risk_of(reasons: list[str]) -> Risk:
    if not reasons:
        return Risk("ok")
    level = "high" if HIGH_REASONS.intersection(reasons) else "attention"
    return Risk(level, tuple(reasons))


@dataclass(frozen=True)
class Summary:
    """Everything a page shows about one person's progress, computed once."""

    termijn: TermijnInfo | None
    pip_clock: PipClock | None
    requirements: list[Requirement]
    next_step: NextStep
    risk: Risk
    fulfilled: bool


def summarize(facts: ClientFacts, rules: Rules) -> Summary:
    """The one function the pages call: termijn, PIP clock, requirements, next step and risk."""
    termijn = (termijn_info(facts.first_dagtekening, facts.today, rules, facts.extended_until)
               if facts.first_dagtekening else None)
    clock = (pip_clock(facts.coupled_on, facts.first_dagtekening, facts.today, rules)
             if facts.coupled_on else None)
    # The requirements are worked out once and shared by the next step, the risk and fulfilled.
    reqs = requirements(facts, rules)
    done = _route(facts) is not None and facts.first_dagtekening is not None and _formal_done(reqs)
    return Summary(
        termijn=termijn,
        pip_clock=clock,
        requirements=reqs,
        next_step=next_step(facts, rules, _reqs=reqs, _done=done, _termijn=termijn),
        risk=risk(facts, rules, _reqs=reqs, _done=done, _termijn=termijn),
        fulfilled=done,
    )
