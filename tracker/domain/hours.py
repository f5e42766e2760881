"""Hour entries: categories and what they count for (domain.md §8), validation, and the
submit/confirm/reject state machine (§6.6)."""
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .routes import Leerroute
from .rules import Rules


class Category(StrEnum):
    """What an hour entry was spent on; each maps to at most one DUO counter (§8)."""

    TAALLES = "TAALLES"
    KNM_LES = "KNM_LES"
    ALFABETISERING = "ALFABETISERING"
    PARTICIPATIE_VRIJWILLIGERSWERK = "PARTICIPATIE_VRIJWILLIGERSWERK"
    PARTICIPATIE_STAGE = "PARTICIPATIE_STAGE"
    PARTICIPATIE_BETAALD_WERK = "PARTICIPATIE_BETAALD_WERK"
    PARTICIPATIE_OVERIG = "PARTICIPATIE_OVERIG"
    MAP_WORKSHOP = "MAP_WORKSHOP"
    MAP_PRAKTIJK = "MAP_PRAKTIJK"
    PVT_SESSIE = "PVT_SESSIE"
    ZELFSTUDIE = "ZELFSTUDIE"


class Status(StrEnum):
    """Life of an hour entry; only CONFIRMED hours are counted."""

    SUBMITTED = "SUBMITTED"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


LANGUAGE_CATEGORIES = frozenset({Category.TAALLES, Category.KNM_LES, Category.ALFABETISERING})
PARTICIPATION_CATEGORIES = frozenset({
    Category.PARTICIPATIE_VRIJWILLIGERSWERK,
    Category.PARTICIPATIE_STAGE,
    Category.PARTICIPATIE_BETAALD_WERK,
    Category.PARTICIPATIE_OVERIG,
})
MAP_PRACTICE_CATEGORIES = PARTICIPATION_CATEGORIES | {Category.MAP_PRAKTIJK}


def duo_bucket(category: str, in_intake: bool) -> str | None:
    """DUO GevolgdeUren counter an entry belongs to, or None for app-only categories (§8).

    Lessons during the brede intake go to their own counter because they do not count for the
    leerroute (R-BI-6); participation during intake does count, so it has no intake variant.
    """
    category = Category(category)
    if category in LANGUAGE_CATEGORIES:
        return "taalles_knm_brede_intake" if in_intake else "participatie_als_taalles"
    if category in PARTICIPATION_CATEGORIES:
        return "participatie_activiteiten"
    return None


def counts_for(category: str, route: str, in_intake: bool = False) -> set[str]:
    """Requirement keys (see routes.REQUIREMENTS, plus "afschalen") an entry feeds on a route.

    - Z-route: lessons → "z_language"; participation and MAP practice → "z_participation"
      (DUO's participatie_activiteiten counts all participation activities, R-LR-5).
    - B1- and Z-route: participation and MAP practice → "map_practice". §8 names this only for
      B1, but R-MAP-2 defines the practice part as volunteering/internship, which is what the
      PARTICIPATIE categories hold, and MAP is required on the Z-route too (R-MAP-1).
    - B1-route: lessons → "afschalen" (the 600 hours of R-LR-4).
    - MAP_WORKSHOP (themes, not practice), PVT_SESSIE and ZELFSTUDIE feed no counter; the
      onderwijsroute has no hour counter at all.
    - During the brede intake, lessons feed nothing (R-BI-6).
    """
    category, route = Category(category), Leerroute(route)
    keys: set[str] = set()
    if category in LANGUAGE_CATEGORIES and not in_intake:
        if route is Leerroute.Z:
            keys.add("z_language")
        if route is Leerroute.B:
            keys.add("afschalen")
    if category in MAP_PRACTICE_CATEGORIES:
        if route is Leerroute.Z:
            keys.add("z_participation")
        if route in (Leerroute.B, Leerroute.Z):
            keys.add("map_practice")
    return keys


def validate_entry(entry_date: date | None, hours: Decimal | None, today: date,
                   coupled_on: date | None, other_hours_that_day: Decimal, rules: Rules) -> dict[str, str]:
    """Error code per field ("date", "hours") for a new or edited entry; empty when valid.

    One code per field, the most basic problem first. `other_hours_that_day` are the person's
    other non-withdrawn hours on that date (not this entry's old value when editing).
    """
    errors: dict[str, str] = {}
    if entry_date is None:
        errors["date"] = "required"
    elif entry_date > today:
        errors["date"] = "date_in_future"
    elif coupled_on is not None and entry_date < coupled_on:
        errors["date"] = "date_before_coupling"

    if hours is None:
        errors["hours"] = "required"
    elif not hours.is_finite():
        errors["hours"] = "invalid"
    elif hours < rules.min_entry_hours:
        errors["hours"] = "hours_too_small"
    elif hours > rules.max_entry_hours:
        errors["hours"] = "hours_too_large"
    elif hours % rules.hour_step != 0:
        errors["hours"] = "hours_not_quarter"
    elif other_hours_that_day + hours > rules.max_day_hours:
        errors["hours"] = "day_total_too_large"
    return errors


class TransitionError(ValueError):
    """An action that is not allowed on an entry in its current status."""


ACTIONS = ("confirm", "reject", "resubmit", "withdraw", "edit")

_TRANSITIONS: dict[tuple[Status, str], Status] = {
    (Status.SUBMITTED, "confirm"): Status.CONFIRMED,
    (Status.SUBMITTED, "reject"): Status.REJECTED,
    (Status.SUBMITTED, "withdraw"): Status.WITHDRAWN,
    (Status.SUBMITTED, "edit"): Status.SUBMITTED,
    (Status.REJECTED, "resubmit"): Status.SUBMITTED,
    # An edit answers the rejection, so it goes back to the contactpersoon at once.
    (Status.REJECTED, "edit"): Status.SUBMITTED,
    (Status.REJECTED, "withdraw"): Status.WITHDRAWN,
}


def transition(status: str, action: str) -> Status:
    """The status after `action`, or TransitionError.

    CONFIRMED and WITHDRAWN are final: a confirmed entry is never changed, a correction is a
    new entry (§6.6, design "confirmed is final").
    """
    try:
        return _TRANSITIONS[(Status(status), action)]
    except (KeyError, ValueError):
        raise TransitionError(f"cannot {action!r} an entry that is {status!s}") from None


def editable(status: str) -> bool:
    """Whether the statushouder may still change or withdraw the entry."""
    return Status(status) in (Status.SUBMITTED, Status.REJECTED)
