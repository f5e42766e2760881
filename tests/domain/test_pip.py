"""PIP validation: DUO's rules (R-PIP-6), schakelen (R-PIP-5) and afschalen (R-LR-4)."""
from datetime import date
from decimal import Decimal

import pytest

from tracker.domain.pip import ChangeReason, PipDraft, PipVersionFacts, validate_pip
from tracker.domain.rules import Rules

RULES = Rules()
DUTY_START = date(2023, 10, 1)
COUPLED = date(2024, 1, 2)
TODAY = date(2025, 6, 1)
FIRST_B1 = PipVersionFacts(date(2024, 2, 28), "B", "B1")  # termijn start 2024-02-29; switch until 2025-08-29
D = Decimal


def check(draft, previous=(), today=TODAY, hours=D(0), physical=D(0), rules=RULES):
    return validate_pip(draft, list(previous), DUTY_START, COUPLED, today, hours, physical, rules)


def draft(dagtekening=date(2024, 2, 28), leerroute="B", niveau="B1", reason="INITIEEL", intensiteit=None):
    return PipDraft(dagtekening, leerroute, niveau, reason, intensiteit)


def test_change_reasons():
    assert [r.value for r in ChangeReason] == ["INITIEEL", "SCHAKELEN", "AFSCHALEN", "VERHUIZING", "BEZWAAR", "OVERIG"]


def test_a_valid_first_pip():
    assert check(draft()) == {}
    assert check(draft(leerroute="Z", niveau=None)) == {}
    assert check(draft(leerroute="O", niveau=None)) == {}


def test_first_pip_without_reason_counts_as_initieel():
    assert check(draft(reason=None)) == {}


@pytest.mark.parametrize("dagtekening, code", [
    (None, "required"),
    (date(2025, 6, 2), "date_in_future"),
    (date(2023, 9, 30), "before_duty_start"),
    (date(2024, 1, 1), "before_coupling"),
])
def test_dagtekening_of_first_pip(dagtekening, code):
    assert check(draft(dagtekening=dagtekening)) == {"dagtekening": code}


def test_dagtekening_edges_are_allowed():
    assert check(draft(dagtekening=TODAY)) == {}
    assert check(draft(dagtekening=COUPLED)) == {}


def test_dagtekening_not_before_the_current_pip():
    later = draft(dagtekening=date(2024, 2, 27), reason="OVERIG")
    assert check(later, [FIRST_B1]) == {"dagtekening": "before_current_pip"}
    assert check(draft(dagtekening=date(2024, 2, 28), reason="OVERIG"), [FIRST_B1]) == {}


@pytest.mark.parametrize("route, code", [(None, "required"), ("", "required"), ("X", "invalid"), ("b", "invalid")])
def test_leerroute(route, code):
    assert check(draft(leerroute=route, niveau=None)) == {"leerroute": code}


@pytest.mark.parametrize("route, niveau, code", [
    ("B", None, "required_for_b"),
    ("B", "B2", "invalid"),
    ("B", "C1", "invalid"),
    ("B", "A2", "a2_not_in_first_pip"),
    ("O", "A2", "a2_not_with_onderwijsroute"),
    ("O", "B2", "invalid"),
    ("Z", "A2", "niveau_not_with_zroute"),
    ("Z", "B1", "niveau_not_with_zroute"),
])
def test_niveau_with_leerroute(route, niveau, code):
    assert check(draft(leerroute=route, niveau=niveau)) == {"niveau": code}


def test_onderwijsroute_may_name_b1():
    assert check(draft(leerroute="O", niveau="B1")) == {}


@pytest.mark.parametrize("reason, previous, code", [
    ("SCHAKELEN", [], "must_be_initieel"),
    ("NONSENSE", [], "invalid"),
    (None, [FIRST_B1], "required"),
    ("INITIEEL", [FIRST_B1], "initieel_only_first"),
    ("SCHAKELEN", [FIRST_B1], "route_unchanged"),
])
def test_change_reason(reason, previous, code):
    assert check(draft(dagtekening=date(2024, 6, 1), reason=reason), previous) == {"change_reason": code}


def test_later_versions_with_a_reason_are_valid():
    for reason in ("VERHUIZING", "BEZWAAR", "OVERIG"):
        assert check(draft(dagtekening=date(2024, 6, 1), reason=reason), [FIRST_B1]) == {}


def test_afschalen_only_on_the_b1_route():
    errors = check(draft(dagtekening=date(2024, 6, 1), leerroute="Z", niveau=None, reason="AFSCHALEN"), [FIRST_B1])
    assert errors == {"change_reason": "afschalen_only_b"}


def switch(to, on, previous=(FIRST_B1,), niveau=None):
    return check(draft(dagtekening=on, leerroute=to, niveau=niveau, reason="SCHAKELEN"), previous, today=date(2027, 1, 1))


def test_switch_allowed_until_18_months_after_termijn_start():
    assert switch("Z", date(2025, 8, 29)) == {}
    assert switch("Z", date(2025, 8, 30)) == {"leerroute": "switch_window_closed"}
    assert switch("O", date(2025, 8, 30)) == {"leerroute": "switch_window_closed"}


def test_switch_from_onderwijsroute_to_b1_is_always_allowed():
    first_o = PipVersionFacts(date(2024, 2, 28), "O", None)
    assert switch("B", date(2026, 12, 1), previous=[first_o], niveau="B1") == {}
    assert switch("Z", date(2026, 12, 1), previous=[first_o]) == {"leerroute": "switch_window_closed"}


def test_switch_window_counts_from_the_first_pip_not_the_current():
    second = PipVersionFacts(date(2025, 3, 1), "B", "B1")
    assert switch("Z", date(2025, 8, 30), previous=[FIRST_B1, second]) == {"leerroute": "switch_window_closed"}


def test_switch_window_follows_rules():
    on = draft(dagtekening=date(2025, 3, 1), leerroute="Z", niveau=None, reason="SCHAKELEN")
    assert check(on, [FIRST_B1]) == {}
    assert check(on, [FIRST_B1], rules=Rules(switch_window_months=12)) == {"leerroute": "switch_window_closed"}


def test_switch_without_dagtekening_uses_today():
    errors = check(draft(dagtekening=None, leerroute="Z", niveau=None, reason="SCHAKELEN"), [FIRST_B1],
                   today=date(2025, 9, 1))
    assert errors == {"dagtekening": "required", "leerroute": "switch_window_closed"}


def afschalen(hours, physical, reason="AFSCHALEN", niveau="A2", previous=(FIRST_B1,)):
    return check(draft(dagtekening=date(2025, 5, 1), niveau=niveau, reason=reason), previous,
                 hours=D(hours), physical=D(physical))


def test_afschalen_with_600_hours_half_physical():
    assert afschalen("600", "300") == {}
    assert afschalen("900", "450") == {}


@pytest.mark.parametrize("hours, physical", [("600", "294"), ("599.75", "599.75"), ("0", "0")])
def test_afschalen_needs_600_hours_at_least_half_physical(hours, physical):
    assert afschalen(hours, physical) == {"niveau": "afschalen_needs_hours", "change_reason": "afschalen_needs_hours"}


def test_going_from_b1_to_a2_under_another_reason_still_needs_the_hours():
    assert afschalen("100", "100", reason="OVERIG") == {"niveau": "afschalen_needs_hours"}


def test_afschalen_reason_keeping_b1_needs_the_hours():
    assert afschalen("100", "100", niveau="B1") == {"change_reason": "afschalen_needs_hours"}


def test_staying_at_a2_needs_no_hours():
    at_a2 = PipVersionFacts(date(2025, 1, 1), "B", "A2")
    assert afschalen("0", "0", reason="VERHUIZING", previous=[FIRST_B1, at_a2]) == {}


def test_switching_from_onderwijsroute_straight_to_a2_needs_the_hours():
    first_o = PipVersionFacts(date(2024, 2, 28), "O", None)
    assert afschalen("10", "10", reason="SCHAKELEN", previous=[first_o]) == {"niveau": "afschalen_needs_hours"}
    assert afschalen("600", "300", reason="SCHAKELEN", previous=[first_o]) == {}


def test_afschalen_threshold_follows_rules():
    rules = Rules(afschalen_min_hours=D(500), afschalen_min_physical_share=D("0.4"))
    errors = check(draft(dagtekening=date(2025, 5, 1), niveau="A2", reason="AFSCHALEN"), [FIRST_B1],
                   hours=D(500), physical=D(200), rules=rules)
    assert errors == {}


@pytest.mark.parametrize("route, niveau, value, expected", [
    ("B", "B1", 800, {}),
    ("B", "B1", 1, {}),
    ("B", "B1", 5000, {}),
    ("B", "B1", 5001, {"geschatte_intensiteit_b1": "invalid"}),
    ("B", "B1", 0, {"geschatte_intensiteit_b1": "invalid"}),
    ("B", "B1", -5, {"geschatte_intensiteit_b1": "invalid"}),
    ("Z", None, 800, {"geschatte_intensiteit_b1": "only_for_b"}),
    ("O", None, 800, {"geschatte_intensiteit_b1": "only_for_b"}),
])
def test_geschatte_intensiteit_b1(route, niveau, value, expected):
    assert check(draft(leerroute=route, niveau=niveau, intensiteit=value)) == expected
