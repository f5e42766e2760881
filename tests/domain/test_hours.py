"""Hour categories (domain.md §8), entry validation and the entry state machine (§6.6)."""
from datetime import date
from decimal import Decimal

import pytest

from tracker.domain.hours import (ACTIONS, LANGUAGE_CATEGORIES, PARTICIPATION_CATEGORIES, Category, Status,
                                  TransitionError, counts_for, duo_bucket, editable, transition,
                                  validate_entry)
from tracker.domain.rules import Rules

RULES = Rules()
TODAY = date(2025, 6, 1)
COUPLED = date(2024, 1, 2)
D = Decimal


def test_category_groups():
    assert LANGUAGE_CATEGORIES == {Category.TAALLES, Category.KNM_LES, Category.ALFABETISERING}
    assert PARTICIPATION_CATEGORIES == {
        Category.PARTICIPATIE_VRIJWILLIGERSWERK, Category.PARTICIPATIE_STAGE,
        Category.PARTICIPATIE_BETAALD_WERK, Category.PARTICIPATIE_OVERIG}
    assert len(Category) == 11
    assert Category("MAP_PRAKTIJK") is Category.MAP_PRAKTIJK


@pytest.mark.parametrize("category, outside_intake, during_intake", [
    ("TAALLES", "participatie_als_taalles", "taalles_knm_brede_intake"),
    ("KNM_LES", "participatie_als_taalles", "taalles_knm_brede_intake"),
    ("ALFABETISERING", "participatie_als_taalles", "taalles_knm_brede_intake"),
    ("PARTICIPATIE_VRIJWILLIGERSWERK", "participatie_activiteiten", "participatie_activiteiten"),
    ("PARTICIPATIE_STAGE", "participatie_activiteiten", "participatie_activiteiten"),
    ("PARTICIPATIE_BETAALD_WERK", "participatie_activiteiten", "participatie_activiteiten"),
    ("PARTICIPATIE_OVERIG", "participatie_activiteiten", "participatie_activiteiten"),
    ("MAP_WORKSHOP", None, None),
    ("MAP_PRAKTIJK", None, None),
    ("PVT_SESSIE", None, None),
    ("ZELFSTUDIE", None, None),
])
def test_duo_bucket(category, outside_intake, during_intake):
    assert duo_bucket(category, in_intake=False) == outside_intake
    assert duo_bucket(category, in_intake=True) == during_intake


@pytest.mark.parametrize("category, b, o, z", [
    ("TAALLES", {"afschalen"}, set(), {"z_language"}),
    ("KNM_LES", {"afschalen"}, set(), {"z_language"}),
    ("ALFABETISERING", {"afschalen"}, set(), {"z_language"}),
    ("PARTICIPATIE_VRIJWILLIGERSWERK", {"map_practice"}, set(), {"z_participation", "map_practice"}),
    ("PARTICIPATIE_STAGE", {"map_practice"}, set(), {"z_participation", "map_practice"}),
    ("PARTICIPATIE_BETAALD_WERK", {"map_practice"}, set(), {"z_participation", "map_practice"}),
    ("PARTICIPATIE_OVERIG", {"map_practice"}, set(), {"z_participation", "map_practice"}),
    ("MAP_PRAKTIJK", {"map_practice"}, set(), {"z_participation", "map_practice"}),
    ("MAP_WORKSHOP", set(), set(), set()),
    ("PVT_SESSIE", set(), set(), set()),
    ("ZELFSTUDIE", set(), set(), set()),
])
def test_counts_for(category, b, o, z):
    assert counts_for(category, "B") == b
    assert counts_for(category, "O") == o
    assert counts_for(category, "Z") == z


def test_lessons_during_intake_do_not_count_but_participation_does():
    assert counts_for("TAALLES", "Z", in_intake=True) == set()
    assert counts_for("TAALLES", "B", in_intake=True) == set()
    assert counts_for("PARTICIPATIE_STAGE", "Z", in_intake=True) == {"z_participation", "map_practice"}


def test_unknown_category_or_route_raises():
    with pytest.raises(ValueError):
        counts_for("SPORT", "B")
    with pytest.raises(ValueError):
        counts_for("TAALLES", "X")


def validate(entry_date=TODAY, hours=D(2), other=D(0), coupled_on=COUPLED, rules=RULES):
    return validate_entry(entry_date, hours, TODAY, coupled_on, other, rules)


@pytest.mark.parametrize("hours", ["0.25", "0.5", "1.75", "8", "12", "12.00"])
def test_valid_hours(hours):
    assert validate(hours=D(hours)) == {}


@pytest.mark.parametrize("hours, code", [
    ("0.24", "hours_too_small"),
    ("0", "hours_too_small"),
    ("-1", "hours_too_small"),
    ("12.25", "hours_too_large"),
    ("13", "hours_too_large"),
    ("1.3", "hours_not_quarter"),
    ("0.30", "hours_not_quarter"),
    ("11.99", "hours_not_quarter"),
    ("NaN", "invalid"),
    ("Infinity", "invalid"),
])
def test_invalid_hours(hours, code):
    assert validate(hours=D(hours)) == {"hours": code}


def test_missing_values_are_required():
    assert validate_entry(None, None, TODAY, COUPLED, D(0), RULES) == {"date": "required", "hours": "required"}


def test_dates():
    assert validate(entry_date=TODAY) == {}
    assert validate(entry_date=date(2025, 6, 2)) == {"date": "date_in_future"}
    assert validate(entry_date=COUPLED) == {}
    assert validate(entry_date=date(2024, 1, 1)) == {"date": "date_before_coupling"}
    assert validate(entry_date=date(2020, 1, 1), coupled_on=None) == {}


def test_day_total_may_reach_but_not_pass_24_hours():
    assert validate(hours=D(12), other=D(12)) == {}
    assert validate(hours=D("0.25"), other=D("23.75")) == {}
    assert validate(hours=D("0.5"), other=D("23.75")) == {"hours": "day_total_too_large"}
    assert validate(hours=D(12), other=D("12.25")) == {"hours": "day_total_too_large"}


def test_both_fields_report_at_once():
    assert validate(entry_date=date(2025, 7, 1), hours=D("1.1")) == {
        "date": "date_in_future", "hours": "hours_not_quarter"}


def test_limits_come_from_rules():
    rules = Rules(max_entry_hours=D(8), max_day_hours=D(10), min_entry_hours=D("0.5"), hour_step=D("0.5"))
    assert validate(hours=D(9), rules=rules) == {"hours": "hours_too_large"}
    assert validate(hours=D("0.25"), rules=rules) == {"hours": "hours_too_small"}
    assert validate(hours=D("1.25"), rules=rules) == {"hours": "hours_not_quarter"}
    assert validate(hours=D(4), other=D("6.5"), rules=rules) == {"hours": "day_total_too_large"}


ALLOWED = {
    (Status.SUBMITTED, "confirm"): Status.CONFIRMED,
    (Status.SUBMITTED, "reject"): Status.REJECTED,
    (Status.SUBMITTED, "withdraw"): Status.WITHDRAWN,
    (Status.SUBMITTED, "edit"): Status.SUBMITTED,
    (Status.REJECTED, "resubmit"): Status.SUBMITTED,
    (Status.REJECTED, "edit"): Status.SUBMITTED,
    (Status.REJECTED, "withdraw"): Status.WITHDRAWN,
}


def test_actions():
    assert ACTIONS == ("confirm", "reject", "resubmit", "withdraw", "edit")


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition(status, action):
    if (status, action) in ALLOWED:
        assert transition(status, action) is ALLOWED[(status, action)]
        assert transition(status.value, action) is ALLOWED[(status, action)]
    else:
        with pytest.raises(TransitionError):
            transition(status, action)


def test_confirmed_and_withdrawn_are_final():
    for status in (Status.CONFIRMED, Status.WITHDRAWN):
        for action in ACTIONS:
            with pytest.raises(TransitionError):
                transition(status, action)


def test_unknown_action_or_status_is_a_transition_error():
    with pytest.raises(TransitionError):
        transition(Status.SUBMITTED, "delete")
    with pytest.raises(TransitionError):
        transition("DRAFT", "confirm")
    assert issubclass(TransitionError, ValueError)


@pytest.mark.parametrize("status, expected", [
    (Status.SUBMITTED, True), (Status.REJECTED, True), (Status.CONFIRMED, False), (Status.WITHDRAWN, False),
    ("SUBMITTED", True),
])
def test_editable(status, expected):
    assert editable(status) is expected
