"""Validation of a new PIP version (R-PIP-4..6 and the guards of domain.md §6.2)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Sequence

from .routes import PIP_NIVEAUS, Leerroute, Niveau
from .rules import Rules
from .termijn import add_months, termijn_start


class ChangeReason(StrEnum):
    """Why a PIP version was made (INITIEEL only for the first one)."""

    INITIEEL = "INITIEEL"
    SCHAKELEN = "SCHAKELEN"
    AFSCHALEN = "AFSCHALEN"
    VERHUIZING = "VERHUIZING"
    BEZWAAR = "BEZWAAR"
    OVERIG = "OVERIG"


@dataclass(frozen=True)
class PipDraft:
    """A PIP version as entered by the contactpersoon, before it is stored."""

    dagtekening: date | None
    leerroute: str | None
    niveau: str | None
    change_reason: str | None
    geschatte_intensiteit_b1: int | None = None


@dataclass(frozen=True)
class PipVersionFacts:
    """The parts of a stored PIP version that the rules look at."""

    dagtekening: date
    leerroute: str
    niveau: str | None


def validate_pip(draft: PipDraft, previous: Sequence[PipVersionFacts], duty_start: date | None,
                 coupled_on: date | None, today: date, language_hours: Decimal,
                 physical_language_hours: Decimal, rules: Rules) -> dict[str, str]:
    """Error code per field of `draft`; empty when it may be adopted.

    `previous` are the stored versions, oldest first. `language_hours` and
    `physical_language_hours` are the confirmed lesson hours (all routes, R-LR-6) used by the
    afschalen guard. One code per field:

    - dagtekening: required, date_in_future, before_duty_start, before_coupling, before_current_pip
    - leerroute: required, invalid, switch_window_closed
    - niveau: invalid, required_for_b, a2_not_in_first_pip, a2_not_with_onderwijsroute,
      niveau_not_with_zroute, afschalen_needs_hours
    - change_reason: invalid, must_be_initieel, required, initieel_only_first, route_unchanged,
      afschalen_only_b, afschalen_needs_hours
    - geschatte_intensiteit_b1: only_for_b, invalid
    """
    errors: dict[str, str] = {}
    current = previous[-1] if previous else None

    dagtekening_error = _dagtekening_error(draft.dagtekening, current, duty_start, coupled_on, today)
    if dagtekening_error:
        errors["dagtekening"] = dagtekening_error

    route = _parse(Leerroute, draft.leerroute)
    if not draft.leerroute:
        errors["leerroute"] = "required"
    elif route is None:
        errors["leerroute"] = "invalid"
    elif current is not None and _switch_too_late(draft, route, previous, today, rules):
        errors["leerroute"] = "switch_window_closed"

    reason = _parse(ChangeReason, draft.change_reason)
    reason_error = _reason_error(draft.change_reason, reason, route, current)
    if reason_error:
        errors["change_reason"] = reason_error

    if route is not None:
        niveau_error = _niveau_error(draft.niveau, route, first=current is None)
        if niveau_error:
            errors["niveau"] = niveau_error

    if route is not None and not _afschalen_allowed(language_hours, physical_language_hours, rules):
        if "niveau" not in errors and _arrives_at_a2(route, draft.niveau, current):
            errors["niveau"] = "afschalen_needs_hours"
        if "change_reason" not in errors and reason is ChangeReason.AFSCHALEN:
            errors["change_reason"] = "afschalen_needs_hours"

    intensiteit = draft.geschatte_intensiteit_b1
    if intensiteit is not None:
        if route is not None and route is not Leerroute.B:
            errors["geschatte_intensiteit_b1"] = "only_for_b"
        # DUO's geschatteIntensiteitB1Route is a positive whole number.
        elif intensiteit < 1 or intensiteit > rules.intensiteit_b1_max:
            errors["geschatte_intensiteit_b1"] = "invalid"
    return errors


def _parse(enum, value):
    """The enum member for `value`, or None when empty or unknown."""
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def _dagtekening_error(dagtekening, current, duty_start, coupled_on, today) -> str | None:
    """R-PIP-6: not in the future, not before duty start, settling, or the current PIP."""
    if dagtekening is None:
        return "required"
    if dagtekening > today:
        return "date_in_future"
    if duty_start is not None and dagtekening < duty_start:
        return "before_duty_start"
    if coupled_on is not None and dagtekening < coupled_on:
        return "before_coupling"
    if current is not None and dagtekening < current.dagtekening:
        return "before_current_pip"
    return None


def _switch_too_late(draft, route, previous, today, rules) -> bool:
    """R-PIP-5: a route change after the switch window, except onderwijsroute → B1-route.

    Any route change counts as schakelen whatever reason was picked. The date that matters is
    the new beschikking's dagtekening (today when it is still missing).
    """
    current = previous[-1]
    if route == current.leerroute:
        return False
    if current.leerroute == Leerroute.O and route is Leerroute.B:
        return False
    closes = add_months(termijn_start(previous[0].dagtekening), rules.switch_window_months)
    return (draft.dagtekening or today) > closes


def _reason_error(raw, reason, route, current) -> str | None:
    """The first version is INITIEEL (may be left empty); later ones need a real reason."""
    if raw and reason is None:
        return "invalid"
    if current is None:
        if reason not in (None, ChangeReason.INITIEEL):
            return "must_be_initieel"
        return None
    if reason is None:
        return "required"
    if reason is ChangeReason.INITIEEL:
        return "initieel_only_first"
    if reason is ChangeReason.SCHAKELEN and route is not None and route == current.leerroute:
        return "route_unchanged"
    if reason is ChangeReason.AFSCHALEN and route is not None and route is not Leerroute.B:
        return "afschalen_only_b"
    return None


def _niveau_error(niveau, route, first: bool) -> str | None:
    """R-PIP-6 combinations of leerroute and niveau."""
    if niveau and _parse(Niveau, niveau) is None:
        return "invalid"
    if route is Leerroute.B:
        if not niveau:
            return "required_for_b"
        if niveau not in PIP_NIVEAUS:
            return "invalid"
        if first and niveau == Niveau.A2:
            return "a2_not_in_first_pip"
    elif route is Leerroute.O:
        if niveau == Niveau.A2:
            return "a2_not_with_onderwijsroute"
        if niveau and niveau not in PIP_NIVEAUS:
            return "invalid"
    elif niveau:
        return "niveau_not_with_zroute"
    return None


def _arrives_at_a2(route, niveau, current) -> bool:
    """Whether this version sets B1-route A2 while the current one does not (afschalen)."""
    if route is not Leerroute.B or niveau != Niveau.A2 or current is None:
        return False
    return not (current.leerroute == Leerroute.B and current.niveau == Niveau.A2)


def _afschalen_allowed(language_hours: Decimal, physical_language_hours: Decimal, rules: Rules) -> bool:
    """R-LR-4: enough lesson hours, and enough of them physical (not online)."""
    if language_hours < rules.afschalen_min_hours:
        return False
    share = physical_language_hours / language_hours if language_hours > 0 else Decimal(0)
    return share >= rules.afschalen_min_physical_share
