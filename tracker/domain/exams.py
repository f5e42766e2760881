"""Exam components of the B1-route: attempts, free attempts (R-EX-2) and where a part stands."""
from dataclasses import dataclass
from datetime import date

from .routes import at_least
from .rules import Rules

GESLAAGD = "GESLAAGD"
GEZAKT = "GEZAKT"
GEEN = "GEEN"


@dataclass(frozen=True)
class ExamAttempt:
    """One sitting of a component. `result` None means booked or awaiting the result.

    `counts_as_free` is False when DUO did not charge the attempt against the free ones
    (for example a niet-verwijtbaar no-result, R-EX-6).
    """

    exam_date: date
    result: str | None
    niveau: str | None
    counts_as_free: bool = True


@dataclass(frozen=True)
class ExamPart:
    """One component (LE, LU, SC, SP, KNM) with the level the PIP asks for (None for KNM)."""

    code: str
    niveau: str | None
    attempts: tuple[ExamAttempt, ...] = ()
    free_attempts_used_before: int = 0


def _result(attempt: ExamAttempt) -> str | None:
    # DUO spells results "Geslaagd" in one enum and "GESLAAGD" in the other.
    return attempt.result.upper() if attempt.result else None


def free_attempts_left(part: ExamPart, rules: Rules) -> int:
    """Free attempts the gemeente still pays for this component, never below 0.

    Booked and pending attempts are already counted as used. Attempts below the PIP level
    do not use a free attempt (R-EX-2).
    """
    used = part.free_attempts_used_before
    if part.attempts:
        used += sum(1 for a in part.attempts if a.counts_as_free and at_least(a.niveau, part.niveau))
    return max(rules.free_exam_attempts - used, 0)


def passed_on(part: ExamPart) -> date | None:
    """Date of the first pass at (or above) the PIP level, or None."""
    dates = [a.exam_date for a in part.attempts
             if _result(a) == GESLAAGD and at_least(a.niveau, part.niveau)]
    return min(dates, default=None)


def booked_on(part: ExamPart, today: date) -> date | None:
    """Earliest attempt from today on that has no result yet (a booked exam), or None."""
    return min((a.exam_date for a in part.attempts if a.result is None and a.exam_date >= today),
               default=None)


def awaiting_since(part: ExamPart, today: date) -> date | None:
    """Latest past attempt still without a result (the result letter is awaited), or None."""
    return max((a.exam_date for a in part.attempts if a.result is None and a.exam_date < today),
               default=None)


def part_state(part: ExamPart, today: date) -> str:
    """"passed", "booked", "awaiting" or "open" (nothing planned: the person must register)."""
    if not part.attempts:
        return "open"
    if passed_on(part) is not None:
        return "passed"
    if booked_on(part, today) is not None:
        return "booked"
    if awaiting_since(part, today) is not None:
        return "awaiting"
    return "open"
