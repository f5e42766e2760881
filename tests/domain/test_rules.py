"""Rules: the defaults of domain.md §5 and a gemeente's overrides."""
import dataclasses
from decimal import Decimal

import pytest

from tracker.domain.rules import Rules


def test_defaults_are_the_numbers_of_the_domain():
    rules = Rules()
    assert rules.termijn_years == 3
    assert rules.pip_deadline_weeks == 10
    assert rules.switch_window_months == 18
    assert rules.verlenging_window_months == 30
    assert rules.afschalen_min_hours == Decimal(600)
    assert rules.afschalen_min_physical_share == Decimal("0.5")
    assert (rules.zroute_language_hours, rules.zroute_participation_hours) == (Decimal(800), Decimal(800))
    assert rules.map_min_practice_hours == Decimal(40)
    assert rules.map_waiver is False
    assert rules.free_exam_attempts == 2
    assert (rules.exam_register_lead_weeks, rules.exam_result_weeks) == (6, 8)
    assert (rules.inactivity_days, rules.termijn_near_months, rules.map_stalled_days) == (14, 6, 60)
    assert rules.pace_window_days == 56
    assert rules.milestone_months == (12, 6, 3, 1)
    assert (rules.min_entry_hours, rules.max_entry_hours, rules.max_day_hours) == (
        Decimal("0.25"), Decimal(12), Decimal(24))
    assert rules.bezwaar_weeks == 6


def test_rules_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Rules().termijn_years = 4


def test_empty_or_missing_settings_give_the_defaults():
    assert Rules.from_settings({}) == Rules()
    assert Rules.from_settings(None) == Rules()


def test_overrides_are_coerced_to_the_field_type():
    rules = Rules.from_settings({
        "termijn_years": "4",
        "exam_result_weeks": 5.0,
        "afschalen_min_hours": "550",
        "map_min_practice_hours": 32,
        "afschalen_min_physical_share": 0.6,
        "map_waiver": "TRUE",
        "milestone_months": [6, "1"],
    })
    assert rules.termijn_years == 4 and type(rules.termijn_years) is int
    assert rules.exam_result_weeks == 5 and type(rules.exam_result_weeks) is int
    assert rules.afschalen_min_hours == Decimal(550)
    assert rules.map_min_practice_hours == Decimal(32) and isinstance(rules.map_min_practice_hours, Decimal)
    # Through str: no binary noise such as 0.59999999999999997779.
    assert rules.afschalen_min_physical_share == Decimal("0.6")
    assert rules.map_waiver is True
    assert rules.milestone_months == (6, 1)
    assert rules.pip_deadline_weeks == 10


@pytest.mark.parametrize("value, expected", [(True, True), (False, False), ("false", False), (" true ", True)])
def test_map_waiver_reads_bools_and_true_false_strings(value, expected):
    assert Rules.from_settings({"map_waiver": value}).map_waiver is expected


def test_unknown_keys_and_none_values_are_ignored():
    rules = Rules.from_settings({"hidden_steps": ["WONING"], "label_contactpersoon": "regisseur",
                                 "termijn_years": None})
    assert rules == Rules()


@pytest.mark.parametrize("key, value", [
    ("termijn_years", "three"),
    ("termijn_years", 3.5),
    ("termijn_years", True),
    ("termijn_years", [3]),
    ("afschalen_min_hours", "abc"),
    ("afschalen_min_hours", "NaN"),
    ("afschalen_min_hours", True),
    ("map_waiver", "yes"),
    ("map_waiver", 1),
    ("milestone_months", "12"),
    ("milestone_months", [12, "soon"]),
    ("map_min_practice_hours", -1),
    ("milestone_months", [12, -1]),
    ("afschalen_min_physical_share", "1.5"),
])
def test_a_value_that_cannot_be_used_raises_with_the_key_name(key, value):
    with pytest.raises(ValueError, match=key):
        Rules.from_settings({key: value})
