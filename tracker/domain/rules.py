"""The numbers of the domain (domain.md §5), with a gemeente's overrides."""
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping


@dataclass(frozen=True)
class Rules:
    """Every number the rules use; defaults are the values of domain.md §5."""

    termijn_years: int = 3
    pip_deadline_weeks: int = 10
    switch_window_months: int = 18
    verlenging_window_months: int = 30
    afschalen_min_hours: Decimal = Decimal(600)
    afschalen_min_physical_share: Decimal = Decimal("0.5")
    zroute_language_hours: Decimal = Decimal(800)
    zroute_participation_hours: Decimal = Decimal(800)
    map_min_practice_hours: Decimal = Decimal(40)
    # R-MAP-4: some gemeenten let people with work experience skip the practice part; the
    # eindgesprek is still needed.
    map_waiver: bool = False
    free_exam_attempts: int = 2
    exam_register_lead_weeks: int = 6
    exam_result_weeks: int = 8
    inactivity_days: int = 14
    termijn_near_months: int = 6
    map_stalled_days: int = 60
    pace_window_days: int = 56
    # Before this many months ahead of the latest sensible registration date, and while no exam
    # part has an attempt, the next step is the lessons, not the exam (product choice).
    exam_prompt_months: int = 12
    milestone_months: tuple[int, ...] = (12, 6, 3, 1)
    min_entry_hours: Decimal = Decimal("0.25")
    max_entry_hours: Decimal = Decimal(12)
    max_day_hours: Decimal = Decimal(24)
    bezwaar_weeks: int = 6
    hour_step: Decimal = Decimal("0.25")
    intensiteit_b1_max: int = 5000
    # Reminders (domain.md §7; product defaults, per gemeente).
    event_reminder_hours: tuple[int, ...] = (24, 2)
    # Language and KNM lessons follow the school timetable, week after week: one reminder an hour
    # before (domain.md §7), not a day and two hours before as for an appointment or a PVT session.
    lesson_reminder_hours: tuple[int, ...] = (1,)
    exam_reminder_hours: tuple[int, ...] = (168, 24, 2)
    registration_reminder_days: tuple[int, ...] = (28, 7)
    reminder_send_time: str = "10:00"
    exam_assumed_time: str = "09:00"
    reminder_grace_minutes: int = 60
    reminder_horizon_hours: int = 26

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> "Rules":
        """Rules with the overrides in a gemeente's settings dict.

        Unknown keys are ignored (the same dict holds labels and hidden steps); a None value
        means "not set". A value that cannot be read as the field's type raises ValueError
        naming the key.
        """
        settings = settings or {}
        defaults = cls()
        overrides = {}
        for f in fields(cls):
            if f.name not in settings or settings[f.name] is None:
                continue
            overrides[f.name] = _coerce(f.name, settings[f.name], getattr(defaults, f.name))
        return cls(**overrides)


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Read a JSON-ish value as the type of the field's default."""
    try:
        if isinstance(default, bool):
            result = _to_bool(value)
        elif isinstance(default, int):
            result = _to_int(value)
        elif isinstance(default, Decimal):
            result = _to_decimal(value)
        elif isinstance(default, tuple):
            if not isinstance(value, (list, tuple)):
                raise ValueError("not a list")
            result = tuple(_to_int(item) for item in value)
        elif isinstance(default, str):
            result = _to_clock(value)
        else:  # pragma: no cover - every field has one of the types above
            raise ValueError("unsupported type")
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise ValueError(f"setting {key!r}: cannot use {value!r} ({exc})") from None
    _check_range(key, result)
    return result


def _check_range(key: str, value: Any) -> None:
    """Refuse values no rule can work with, so a typo never silently empties a counter."""
    values = value if isinstance(value, tuple) else (value,)
    if any(not isinstance(v, (bool, str)) and v < 0 for v in values):
        raise ValueError(f"setting {key!r}: must not be negative")
    if key == "afschalen_min_physical_share" and value > 1:
        raise ValueError(f"setting {key!r}: a share is at most 1")


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("not true/false")


def _to_int(value: Any) -> int:
    # bool is an int subclass; True as "3 years" is certainly a mistake.
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not a whole number")
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise ValueError("not a whole number")


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # Through str so 0.1 stays 0.1 instead of its binary approximation.
        result = Decimal(str(value))
    elif isinstance(value, str):
        result = Decimal(value.strip())
    else:
        raise ValueError("not a number")
    if not result.is_finite():
        raise ValueError("not a finite number")
    return result


def _to_clock(value: Any) -> str:
    """'9:30' or '09:30' → '09:30'."""
    if not isinstance(value, str) or value.count(":") != 1:
        raise ValueError("not a time like 09:30")
    hours, minutes = (int(part) for part in value.strip().split(":"))
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError("not a time like 09:30")
    return f"{hours:02d}:{minutes:02d}"
