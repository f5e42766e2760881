"""Dates of the inburgeringstermijn (R-T-3), the PIP 10-week clock (R-PIP-1) and bezwaar (R-PIP-3)."""
import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from .rules import Rules


def add_years(d: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 1 March in a year without one."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        # Only 29 February fails. 1 March (not 28 February) gives the longer termijn, the
        # reading that protects the user (domain.md §0.9).
        return date(d.year + years, 3, 1)


@lru_cache(maxsize=8192)
def add_months(d: date, months: int) -> date:
    """The same day `months` later (or earlier when negative), clamped to the end of the month."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def termijn_start(first_dagtekening: date) -> date:
    """First day of the termijn: the day after the dagtekening of the first PIP (R-T-3)."""
    return first_dagtekening + timedelta(days=1)


def termijn_end(first_dagtekening: date, rules: Rules, extended_until: date | None = None) -> date:
    """Exclusive end of the termijn, as DUO models einddatum.

    A recorded verlenging (`extended_until`, also exclusive) counts only when it is later, so
    a mistyped earlier date can never shorten someone's termijn.
    """
    end = add_years(termijn_start(first_dagtekening), rules.termijn_years)
    if extended_until is not None and extended_until > end:
        return extended_until
    return end


@dataclass(frozen=True)
class TermijnInfo:
    """Everything the pages show about one termijn.

    `end` is exclusive and `last_day` is the last day that still counts. `days_left` counts
    the days still available with today included: 1 on the last day, 0 once overdue (never
    negative). `switch_window_closes` is the last day on which schakelen is allowed.
    """

    start: date
    end: date
    last_day: date
    days_left: int
    months_left: int
    fraction_elapsed: float
    milestones: tuple[tuple[int, date], ...]
    verlenging_window_opens: date
    switch_window_closes: date
    latest_exam_registration: date
    overdue: bool
    extended: bool


@lru_cache(maxsize=8192)
def termijn_info(first_dagtekening: date, today: date, rules: Rules,
                 extended_until: date | None = None) -> TermijnInfo:
    """Termijn dates and counters for `today` (remembered: the pages and the planner ask several
    times per person, and the answer is a frozen value)."""
    start = termijn_start(first_dagtekening)
    regular_end = termijn_end(first_dagtekening, rules)
    end = termijn_end(first_dagtekening, rules, extended_until)
    total = (end - start).days
    elapsed = min(max((today - start).days, 0), total)
    return TermijnInfo(
        start=start,
        end=end,
        last_day=end - timedelta(days=1),
        days_left=max((end - today).days, 0),
        months_left=whole_months_between(today, end),
        fraction_elapsed=elapsed / total if total else 1.0,
        milestones=tuple((m, add_months(end, -m)) for m in rules.milestone_months),
        verlenging_window_opens=add_months(start, rules.verlenging_window_months),
        switch_window_closes=add_months(start, rules.switch_window_months),
        latest_exam_registration=end - timedelta(
            weeks=rules.exam_result_weeks + rules.exam_register_lead_weeks),
        overdue=today >= end,
        extended=end > regular_end,
    )


def whole_months_between(a: date, b: date) -> int:
    """Whole calendar months from `a` until `b` (0 when `b` is not later)."""
    months = (b.year - a.year) * 12 + b.month - a.month
    while months > 0 and add_months(a, months) > b:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class PipClock:
    """The 10-week PIP clock: `days_left` is negative once the deadline has passed."""

    deadline: date
    days_left: int
    met: bool
    late: bool


def pip_clock(coupled_on: date, first_dagtekening: date | None, today: date, rules: Rules) -> PipClock:
    """The PIP deadline counted from coupling/settling in the gemeente (R-PIP-1).

    The deadline day itself is still on time: coupled on day 0, a PIP on day 70 is in time,
    on day 71 it is late.
    """
    deadline = coupled_on + timedelta(weeks=rules.pip_deadline_weeks)
    if first_dagtekening is None:
        late = today > deadline
    else:
        late = first_dagtekening > deadline
    return PipClock(
        deadline=deadline,
        days_left=(deadline - today).days,
        met=first_dagtekening is not None,
        late=late,
    )


def bezwaar_deadline(dagtekening: date, rules: Rules) -> date:
    """Last day to object to a PIP beschikking: the dagtekening plus the bezwaar period (R-PIP-3)."""
    return dagtekening + timedelta(weeks=rules.bezwaar_weeks)
