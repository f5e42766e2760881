"""Termijn dates (R-T-3), the PIP clock (R-PIP-1) and bezwaar (R-PIP-3), with leap-day edges."""
from datetime import date

import pytest

from tracker.domain.rules import Rules
from tracker.domain.termijn import (add_months, add_years, bezwaar_deadline, pip_clock, termijn_end,
                                    termijn_info, termijn_start, whole_months_between)

RULES = Rules()
FIRST_PIP = date(2024, 2, 28)  # termijn starts on the leap day 2024-02-29


@pytest.mark.parametrize("start, years, expected", [
    (date(2024, 2, 29), 3, date(2027, 3, 1)),   # longer reading for the user
    (date(2024, 2, 29), 4, date(2028, 2, 29)),
    (date(2024, 2, 28), 3, date(2027, 2, 28)),
    (date(2023, 5, 10), 3, date(2026, 5, 10)),
])
def test_add_years(start, years, expected):
    assert add_years(start, years) == expected


@pytest.mark.parametrize("start, months, expected", [
    (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2022, 8, 31), 6, date(2023, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2024, 11, 15), 3, date(2025, 2, 15)),
    (date(2027, 3, 1), -12, date(2026, 3, 1)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
    (date(2025, 1, 15), -2, date(2024, 11, 15)),
    (date(2024, 2, 29), 18, date(2025, 8, 29)),
    (date(2024, 5, 31), 0, date(2024, 5, 31)),
])
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_termijn_starts_the_day_after_the_first_pip():
    assert termijn_start(FIRST_PIP) == date(2024, 2, 29)
    assert termijn_start(date(2023, 12, 31)) == date(2024, 1, 1)


@pytest.mark.parametrize("first_pip, end", [
    (date(2024, 2, 28), date(2027, 3, 1)),
    (date(2024, 2, 29), date(2027, 3, 1)),
    (date(2023, 6, 14), date(2026, 6, 15)),
])
def test_termijn_end_is_exclusive_three_years_after_start(first_pip, end):
    assert termijn_end(first_pip, RULES) == end


def test_termijn_end_follows_the_configured_years():
    assert termijn_end(date(2023, 6, 14), Rules(termijn_years=4)) == date(2027, 6, 15)


def test_verlenging_only_replaces_the_end_when_later():
    assert termijn_end(FIRST_PIP, RULES, date(2027, 9, 1)) == date(2027, 9, 1)
    assert termijn_end(FIRST_PIP, RULES, date(2026, 1, 1)) == date(2027, 3, 1)


def test_termijn_info_on_the_first_day():
    info = termijn_info(FIRST_PIP, date(2024, 2, 29), RULES)
    assert (info.start, info.end, info.last_day) == (date(2024, 2, 29), date(2027, 3, 1), date(2027, 2, 28))
    assert info.days_left == 1096
    assert info.months_left == 36
    assert info.fraction_elapsed == 0.0
    assert info.milestones == ((12, date(2026, 3, 1)), (6, date(2026, 9, 1)),
                               (3, date(2026, 12, 1)), (1, date(2027, 2, 1)))
    assert info.verlenging_window_opens == date(2026, 8, 29)
    assert info.switch_window_closes == date(2025, 8, 29)
    # end − 8 weeks result − 6 weeks lead = 98 days before 2027-03-01
    assert info.latest_exam_registration == date(2026, 11, 23)
    assert info.overdue is False and info.extended is False


def test_termijn_info_on_the_pip_day_itself_has_not_started():
    info = termijn_info(FIRST_PIP, FIRST_PIP, RULES)
    assert info.fraction_elapsed == 0.0
    assert info.days_left == 1097


def test_termijn_info_on_the_last_day():
    info = termijn_info(FIRST_PIP, date(2027, 2, 28), RULES)
    assert info.days_left == 1
    assert info.months_left == 0
    assert info.overdue is False
    assert info.fraction_elapsed == pytest.approx(1095 / 1096)


def test_termijn_info_on_the_end_date_is_overdue():
    info = termijn_info(FIRST_PIP, date(2027, 3, 1), RULES)
    assert info.overdue is True
    assert info.days_left == 0
    assert info.fraction_elapsed == 1.0
    later = termijn_info(FIRST_PIP, date(2028, 1, 1), RULES)
    assert later.days_left == 0 and later.months_left == 0 and later.fraction_elapsed == 1.0


def test_termijn_info_halfway():
    info = termijn_info(date(2023, 6, 14), date(2024, 12, 15), RULES)
    assert info.months_left == 18
    assert info.fraction_elapsed == pytest.approx(549 / 1096)


def test_termijn_info_with_verlenging():
    info = termijn_info(FIRST_PIP, date(2027, 3, 1), RULES, extended_until=date(2027, 9, 1))
    assert info.extended is True
    assert info.overdue is False
    assert info.end == date(2027, 9, 1) and info.last_day == date(2027, 8, 31)
    assert info.milestones[0] == (12, date(2026, 9, 1))
    # Windows hang on the start, which a verlenging never moves.
    assert info.switch_window_closes == date(2025, 8, 29)
    assert info.verlenging_window_opens == date(2026, 8, 29)


def test_earlier_verlenging_is_not_marked_extended():
    info = termijn_info(FIRST_PIP, date(2025, 1, 1), RULES, extended_until=date(2027, 3, 1))
    assert info.extended is False


@pytest.mark.parametrize("a, b, months", [
    (date(2024, 2, 29), date(2027, 3, 1), 36),
    (date(2027, 1, 31), date(2027, 3, 1), 1),
    (date(2027, 2, 1), date(2027, 3, 1), 1),
    (date(2027, 2, 2), date(2027, 3, 1), 0),
    (date(2027, 3, 2), date(2027, 3, 1), 0),
])
def test_whole_months_between(a, b, months):
    assert whole_months_between(a, b) == months


COUPLED = date(2024, 1, 1)  # + 10 weeks = 2024-03-11 (day 70)


def test_pip_clock_deadline_is_ten_weeks_after_coupling():
    clock = pip_clock(COUPLED, None, COUPLED, RULES)
    assert clock.deadline == date(2024, 3, 11)
    assert clock.days_left == 70
    assert clock.met is False and clock.late is False


def test_pip_clock_without_pip_is_late_from_day_71():
    on_day_70 = pip_clock(COUPLED, None, date(2024, 3, 11), RULES)
    assert on_day_70.late is False and on_day_70.days_left == 0
    on_day_71 = pip_clock(COUPLED, None, date(2024, 3, 12), RULES)
    assert on_day_71.late is True and on_day_71.days_left == -1


def test_pip_on_day_70_is_in_time_on_day_71_late():
    in_time = pip_clock(COUPLED, date(2024, 3, 11), date(2024, 6, 1), RULES)
    assert in_time.met is True and in_time.late is False
    late = pip_clock(COUPLED, date(2024, 3, 12), date(2024, 6, 1), RULES)
    assert late.met is True and late.late is True


def test_pip_clock_follows_configured_weeks():
    assert pip_clock(COUPLED, None, COUPLED, Rules(pip_deadline_weeks=8)).deadline == date(2024, 2, 26)


def test_bezwaar_deadline_is_six_weeks_after_dagtekening():
    assert bezwaar_deadline(FIRST_PIP, RULES) == date(2024, 4, 10)
    assert bezwaar_deadline(FIRST_PIP, Rules(bezwaar_weeks=4)) == date(2024, 3, 27)
