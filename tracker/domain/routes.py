"""The three legal leerroutes (R-LR-1) and what each one requires (R-T-5), as one table."""
from enum import StrEnum


class Leerroute(StrEnum):
    """DUO's leerroute codes: B1-route, onderwijsroute, zelfredzaamheidsroute."""

    B = "B"
    O = "O"
    Z = "Z"


class Niveau(StrEnum):
    """Language levels used by PIPs (A2, B1) and exams (A2, B1, B2)."""

    A2 = "A2"
    B1 = "B1"
    B2 = "B2"


# Lowest first, so "at least the PIP level" is a comparison of positions.
NIVEAU_ORDER = (Niveau.A2, Niveau.B1, Niveau.B2)

# DUO's NiveauPip enum: a PIP never asks for B2.
PIP_NIVEAUS = frozenset({Niveau.A2, Niveau.B1})

EXAM_PARTS = ("LE", "LU", "SC", "SP", "KNM")
LANGUAGE_EXAM_PARTS = ("LE", "LU", "SC", "SP")

REQUIREMENTS: dict[Leerroute, tuple[str, ...]] = {
    Leerroute.B: ("exam_LE", "exam_LU", "exam_SC", "exam_SP", "exam_KNM", "pvt", "map_practice", "map"),
    Leerroute.O: ("taalschakel", "pvt"),
    Leerroute.Z: ("z_language", "z_participation", "pvt", "map_practice", "map", "z_eindgesprek"),
}


def map_required(route: str) -> bool:
    """Whether the MAP is part of the duty on this route (R-MAP-1: not for the onderwijsroute)."""
    return "map" in REQUIREMENTS[Leerroute(route)]


# Position of each level by its code, so the planner's many comparisons are dictionary lookups.
_RANK = {niveau.value: position for position, niveau in enumerate(NIVEAU_ORDER)}


def at_least(niveau: str | None, target: str | None) -> bool:
    """Whether `niveau` reaches `target`; an unknown level on either side is taken as reaching it.

    KNM has no level, and an attempt recorded without one is assumed to be at the PIP level.
    """
    rank, goal = _RANK.get(niveau), _RANK.get(target)
    if rank is None or goal is None:
        return True
    return rank >= goal
