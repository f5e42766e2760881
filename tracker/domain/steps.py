"""The process timeline shown to both roles: gemeente Nijkerk's "Inburgering in 8 stappen"."""
from dataclasses import dataclass
from enum import StrEnum
from typing import Mapping


class StepStatus(StrEnum):
    """Where a person is on one step of the timeline."""

    TODO = "TODO"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    SKIPPED = "SKIPPED"


RESPONSIBLE_CODES = frozenset(
    {"coa", "gemeente", "statushouder", "maatschappelijk_begeleider", "duo", "taalschool"})


@dataclass(frozen=True)
class StepDef:
    """One step: a stable code, its position, and who acts on it (codes of RESPONSIBLE_CODES)."""

    code: str
    order: int
    responsible: tuple[str, ...]


DEFAULT_STEPS: tuple[StepDef, ...] = (
    StepDef("KOPPELING", 1, ("coa",)),
    StepDef("KENNISMAKING", 2, ("gemeente", "maatschappelijk_begeleider")),
    StepDef("WONING", 3, ("gemeente", "maatschappelijk_begeleider")),
    # Brede intake and leerbaarheidstoets.
    StepDef("BREDE_INTAKE", 4, ("gemeente", "statushouder")),
    # Vervolg brede intake: the plan that the PIP will record.
    StepDef("PLAN", 5, ("gemeente", "statushouder")),
    StepDef("PIP", 6, ("gemeente",)),
    StepDef("LEERROUTE", 7, ("statushouder", "taalschool", "gemeente")),
    # Exam (B1-route), eindgesprek (Z-route) or taalschakel diploma (onderwijsroute).
    StepDef("AFRONDING", 8, ("statushouder", "duo", "gemeente")),
)

_FINISHED = (StepStatus.DONE, StepStatus.SKIPPED)


def steps_for(settings: Mapping | None) -> tuple[StepDef, ...]:
    """The gemeente's timeline: the default steps minus its `hidden_steps`, in order."""
    hidden = set((settings or {}).get("hidden_steps") or ())
    return tuple(step for step in sorted(DEFAULT_STEPS, key=lambda s: s.order) if step.code not in hidden)


def current_step(statuses: Mapping[str, str], steps: tuple[StepDef, ...]) -> str | None:
    """Code of the first step that is neither done nor skipped (a step without status is TODO)."""
    for step in steps:
        if statuses.get(step.code, StepStatus.TODO) not in _FINISHED:
            return step.code
    return None
