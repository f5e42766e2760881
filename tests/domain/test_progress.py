"""Progress: counters, exams and free attempts, projection, next step, risk and the summary."""
import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tracker.domain.progress import (ClientFacts, ExamAttempt, ExamPart, NextStep, Requirement, Risk,
                                     free_attempts_left, fulfilled, next_step, projection, requirements,
                                     risk, summarize)
from tracker.domain.routes import EXAM_PARTS
from tracker.domain.rules import Rules

RULES = Rules()
D = Decimal
COUPLED = date(2024, 1, 2)        # PIP deadline 2024-03-12
FIRST_PIP = date(2024, 2, 28)     # termijn 2024-02-29 .. 2027-03-01 (last day 2027-02-28)
TODAY = date(2025, 6, 1)
LAST_DAY = date(2027, 2, 28)
LATEST_REGISTRATION = date(2026, 11, 23)


def facts(route="B", niveau="B1", **changes):
    base = ClientFacts(today=TODAY, leerroute=route, niveau=niveau, coupled_on=COUPLED,
                       first_dagtekening=FIRST_PIP, last_entry_on=TODAY, last_map_entry_on=TODAY)
    return dataclasses.replace(base, **changes)


def at(day, **changes):
    """B1-route facts on `day`, active that day (so inactivity and MAP signals stay quiet)."""
    return facts(**{"today": day, "last_entry_on": day, "last_map_entry_on": day, **changes})


def attempt(on, result=None, niveau="B1", free=True):
    return ExamAttempt(exam_date=on, result=result, niveau=niveau, counts_as_free=free)


def part(code, *attempts, niveau="B1", used_before=0):
    return ExamPart(code=code, niveau=None if code == "KNM" else niveau, attempts=attempts,
                    free_attempts_used_before=used_before)


def passed(code, on=date(2025, 3, 1)):
    return part(code, attempt(on, "GESLAAGD", None if code == "KNM" else "B1"))


ALL_PASSED = tuple(passed(code) for code in EXAM_PARTS)


def by_key(reqs):
    return {r.key: r for r in reqs}


# free attempts (R-EX-2)

@pytest.mark.parametrize("exam_part, left", [
    (part("LE"), 2),
    (part("LE", attempt(date(2025, 1, 10), "GEZAKT")), 1),
    (part("LE", attempt(date(2025, 1, 10), "GEZAKT"), attempt(date(2025, 3, 10), "GEZAKT")), 0),
    (part("LE", *[attempt(date(2025, m, 10), "GEZAKT") for m in (1, 3, 5)]), 0),
    (part("LE", attempt(date(2025, 1, 10), "GEZAKT", niveau="A2")), 2),
    (part("LE", attempt(date(2025, 1, 10), "GEZAKT", niveau="A2"), attempt(date(2025, 3, 10), "GEZAKT")), 1),
    (part("LE", attempt(date(2025, 1, 10), "GEZAKT", niveau="B2")), 1),
    (part("LE", attempt(date(2025, 1, 10), "GEEN", free=False)), 2),
    (part("LE", attempt(date(2025, 1, 10), "GEZAKT"), used_before=1), 0),
    (part("KNM", attempt(date(2025, 1, 10), "GEZAKT", niveau=None)), 1),
    (part("LE", attempt(date(2025, 7, 1))), 1),
])
def test_free_attempts_left(exam_part, left):
    assert free_attempts_left(exam_part, RULES) == left


def test_free_attempts_follow_rules():
    assert free_attempts_left(part("SP", attempt(date(2025, 1, 10), "GEZAKT")), Rules(free_exam_attempts=3)) == 2


# requirements per route

def test_b1_route_requirements_in_order_with_afschalen_last_while_b1():
    assert [r.key for r in requirements(facts(), RULES)] == [
        "exam_LE", "exam_LU", "exam_SC", "exam_SP", "exam_KNM", "pvt", "map_practice", "map", "afschalen"]
    assert [r.key for r in requirements(facts(niveau="A2"), RULES)][-1] == "map"


def test_other_routes_and_no_route():
    assert [r.key for r in requirements(facts("O", None), RULES)] == ["taalschakel", "pvt"]
    assert [r.key for r in requirements(facts("Z", None), RULES)] == [
        "z_language", "z_participation", "pvt", "map_practice", "map", "z_eindgesprek"]
    assert requirements(facts(None, None), RULES) == []


def test_kinds():
    kinds = {r.key: r.kind for r in requirements(facts(), RULES)}
    assert kinds["exam_LE"] == "exam" and kinds["pvt"] == "milestone" and kinds["map"] == "milestone"
    assert kinds["map_practice"] == "hours" and kinds["afschalen"] == "hours"


def test_zroute_800_and_800_hours():
    reqs = by_key(requirements(facts("Z", None, confirmed_hours={
        "TAALLES": D(500), "KNM_LES": D(200), "ALFABETISERING": D(100),
        "PARTICIPATIE_VRIJWILLIGERSWERK": D(700), "MAP_PRAKTIJK": D(100), "MAP_WORKSHOP": D(50),
        "ZELFSTUDIE": D(300), "PVT_SESSIE": D(12)}), RULES))
    language, participation = reqs["z_language"], reqs["z_participation"]
    assert (language.current, language.target, language.done, language.percent) == (D(800), D(800), True, 100)
    assert (participation.current, participation.done) == (D(800), True)
    assert language.projected_on is None
    assert reqs["map_practice"].current == D(800)


def test_zroute_one_quarter_short_is_not_done():
    reqs = by_key(requirements(facts("Z", None, confirmed_hours={"TAALLES": D("799.75")}), RULES))
    assert reqs["z_language"].done is False
    assert reqs["z_language"].percent == 99


def test_pending_hours_are_shown_apart_and_not_counted():
    reqs = by_key(requirements(facts("Z", None, confirmed_hours={"TAALLES": D(400)},
                                     pending_hours={"TAALLES": D(400)}), RULES))
    assert (reqs["z_language"].current, reqs["z_language"].pending) == (D(400), D(400))
    assert reqs["z_language"].done is False and reqs["z_language"].percent == 50


def test_map_practice_40_hours():
    at_40 = by_key(requirements(facts(confirmed_hours={"PARTICIPATIE_STAGE": D(30), "MAP_PRAKTIJK": D(10),
                                                       "MAP_WORKSHOP": D(8)}), RULES))
    assert (at_40["map_practice"].current, at_40["map_practice"].done) == (D(40), True)
    short = by_key(requirements(facts(confirmed_hours={"MAP_PRAKTIJK": D("39.75")},
                                      pending_hours={"MAP_PRAKTIJK": D(10)}), RULES))
    assert short["map_practice"].done is False
    assert short["map_practice"].pending == D(10)
    assert short["map_practice"].percent == 99
    assert short["map"].done is False


def test_map_waiver_makes_practice_done_but_not_the_eindgesprek():
    reqs = by_key(requirements(facts(), Rules(map_waiver=True)))
    assert reqs["map_practice"].done is True
    assert reqs["map_practice"].current == D(0) and reqs["map_practice"].projected_on is None
    assert reqs["map"].done is False


def test_recorded_eindgesprek_marks_the_counters_done():
    reqs = by_key(requirements(facts(map_eindgesprek_on=date(2025, 5, 1)), RULES))
    assert reqs["map"].done is True and reqs["map"].passed_on == date(2025, 5, 1)
    assert reqs["map_practice"].done is True
    z = by_key(requirements(facts("Z", None, z_eindgesprek_on=date(2025, 5, 1)), RULES))
    assert z["z_language"].done is True and z["z_participation"].done is True and z["z_eindgesprek"].done


@pytest.mark.parametrize("hours, physical, done", [
    ("600", "300", True), ("600", "294", False), ("599.75", "599.75", False), ("800", "400", True)])
def test_afschalen_counter_needs_600_hours_and_half_physical(hours, physical, done):
    reqs = by_key(requirements(facts(confirmed_hours={"TAALLES": D(hours)}, physical_language_hours=D(physical)), RULES))
    assert reqs["afschalen"].current == D(hours)
    assert reqs["afschalen"].target == D(600)
    assert reqs["afschalen"].done is done


def test_afschalen_counts_all_lesson_categories():
    reqs = by_key(requirements(facts(confirmed_hours={"TAALLES": D(400), "KNM_LES": D(100),
                                                      "ALFABETISERING": D(100), "PARTICIPATIE_OVERIG": D(50)},
                                     physical_language_hours=D(600)), RULES))
    assert reqs["afschalen"].current == D(600) and reqs["afschalen"].done is True


def test_projection_uses_pending_hours_and_the_recent_pace():
    reqs = by_key(requirements(facts(confirmed_hours={"MAP_PRAKTIJK": D(20)}, pending_hours={"MAP_PRAKTIJK": D(4)},
                                     recent_confirmed_hours={"MAP_PRAKTIJK": D(8)}), RULES))
    # 16 hours to go at 8 hours per 56 days
    assert reqs["map_practice"].projected_on == TODAY + timedelta(days=112)
    assert reqs["map_practice"].percent == 50


def test_milestones():
    reqs = by_key(requirements(facts("O", None, pvt_signed_on=date(2025, 4, 1)), RULES))
    assert reqs["pvt"].done is True and reqs["pvt"].percent == 100 and reqs["pvt"].passed_on == date(2025, 4, 1)
    assert reqs["taalschakel"].done is False and reqs["taalschakel"].percent == 0


def test_exam_part_booked_pending_and_passed():
    parts = (
        part("LE", attempt(date(2025, 1, 10), "GEZAKT"), attempt(date(2025, 7, 1))),
        part("LU", attempt(date(2025, 5, 1))),
        passed("SC"),
        part("SP", attempt(date(2025, 3, 1), "GESLAAGD", niveau="A2")),
        part("KNM", attempt(TODAY, niveau=None)),
    )
    reqs = by_key(requirements(facts(exam_parts=parts), RULES))
    le, lu, sc, sp, knm = (reqs[f"exam_{c}"] for c in EXAM_PARTS)
    assert (le.done, le.next_exam_on, le.attempts_left, le.pending) == (False, date(2025, 7, 1), 0, D(0))
    assert (lu.done, lu.pending, lu.next_exam_on, lu.attempts_left) == (False, D(1), None, 1)
    assert (sc.done, sc.passed_on, sc.percent, sc.current) == (True, date(2025, 3, 1), 100, D(1))
    assert (sp.done, sp.attempts_left) == (False, 2)  # A2 pass below a B1 PIP: neither done nor costly
    assert knm.next_exam_on == TODAY


def test_exam_part_without_level_takes_the_pip_level():
    bare = ExamPart("LE", None, (attempt(date(2025, 3, 1), "GESLAAGD", niveau="A2"),))
    assert by_key(requirements(facts(exam_parts=(bare,)), RULES))["exam_LE"].done is False
    assert by_key(requirements(facts(niveau="A2", exam_parts=(bare,)), RULES))["exam_LE"].done is True


def test_missing_exam_parts_start_with_two_free_attempts_and_results_are_case_insensitive():
    reqs = by_key(requirements(facts(exam_parts=(part("KNM", attempt(date(2025, 3, 1), "Geslaagd", None)),)), RULES))
    assert reqs["exam_KNM"].done is True
    assert reqs["exam_LE"].attempts_left == 2 and reqs["exam_LE"].done is False


# projection

def test_projection():
    assert projection(D(400), D(800), D(56), 56, TODAY) == TODAY + timedelta(days=400)
    assert projection(D(10), D(20), D(3), 7, TODAY) == TODAY + timedelta(days=24)  # 23.3 rounds up
    assert projection(D(800), D(800), D(56), 56, TODAY) is None
    assert projection(D(10), D(800), D(0), 56, TODAY) is None
    assert projection(D(10), D(800), D(10), 0, TODAY) is None
    assert projection(D(0), D(10) ** 12, D("0.25"), 56, TODAY) is None


# fulfilled (R-T-5)

def test_b1_route_fulfilled_needs_all_parts_pvt_and_map():
    done = facts(exam_parts=ALL_PASSED, pvt_signed_on=date(2025, 4, 1), map_eindgesprek_on=date(2025, 5, 1))
    assert fulfilled(done, RULES) is True  # no MAP hours logged: the eindgesprek decides
    assert fulfilled(dataclasses.replace(done, map_eindgesprek_on=None), RULES) is False
    assert fulfilled(dataclasses.replace(done, pvt_signed_on=None), RULES) is False
    assert fulfilled(dataclasses.replace(done, exam_parts=ALL_PASSED[:4]), RULES) is False
    a2_pass = part("SP", attempt(date(2025, 3, 1), "GESLAAGD", niveau="A2"))
    assert fulfilled(dataclasses.replace(done, exam_parts=ALL_PASSED[:3] + (a2_pass, ALL_PASSED[4])), RULES) is False


def test_onderwijsroute_and_zroute_fulfilled():
    assert fulfilled(facts("O", None, taalschakel_done_on=date(2025, 5, 1), pvt_signed_on=date(2025, 4, 1)), RULES)
    assert not fulfilled(facts("O", None, taalschakel_done_on=date(2025, 5, 1)), RULES)
    z = facts("Z", None, z_eindgesprek_on=date(2025, 5, 1), pvt_signed_on=date(2025, 4, 1),
              map_eindgesprek_on=date(2025, 4, 15))
    assert fulfilled(z, RULES) is True
    assert fulfilled(dataclasses.replace(z, map_eindgesprek_on=None), RULES) is False


def test_no_pip_is_never_fulfilled():
    assert fulfilled(facts(first_dagtekening=None, exam_parts=ALL_PASSED, pvt_signed_on=TODAY,
                           map_eindgesprek_on=TODAY), RULES) is False
    assert fulfilled(ClientFacts(today=TODAY), RULES) is False


# next step

def test_next_step_before_the_termijn():
    assert next_step(ClientFacts(today=TODAY), RULES) == NextStep("wait_for_coupling")
    assert next_step(ClientFacts(today=TODAY, coupled_on=COUPLED), RULES) == NextStep("make_pip", due=date(2024, 3, 12))


EXAM_IN_VIEW = date(2025, 11, 23)  # LATEST_REGISTRATION minus exam_prompt_months (12)


def test_lessons_come_first_until_the_exam_comes_into_view():
    assert next_step(facts(), RULES) == NextStep("follow_lessons", due=EXAM_IN_VIEW)
    assert next_step(at(EXAM_IN_VIEW - timedelta(days=1)), RULES).code == "follow_lessons"
    assert next_step(at(EXAM_IN_VIEW), RULES) == NextStep("register_exam", due=LATEST_REGISTRATION, part="LE")
    # Someone who already took a part is in the exam phase, whatever the date.
    early = facts(exam_parts=(passed("KNM"),))
    assert next_step(early, RULES) == NextStep("register_exam", due=LATEST_REGISTRATION, part="LE")
    assert next_step(facts(), Rules(exam_prompt_months=0)).code == "follow_lessons"


def test_next_step_along_the_b1_route():
    f = at(EXAM_IN_VIEW)
    assert next_step(f, RULES) == NextStep("register_exam", due=LATEST_REGISTRATION, part="LE")
    f = facts()

    booked = dataclasses.replace(f, exam_parts=(part("LE", attempt(date(2025, 7, 1))),
                                                part("KNM", attempt(date(2025, 6, 15), niveau=None))))
    assert next_step(booked, RULES) == NextStep("take_exam", due=date(2025, 6, 15), part="KNM")

    f = dataclasses.replace(f, exam_parts=(passed("LE"), part("LU", attempt(date(2025, 5, 1)))))
    assert next_step(f, RULES) == NextStep("register_exam", due=LATEST_REGISTRATION, part="SC")

    waiting = (passed("LE"), part("LU", attempt(date(2025, 5, 1))), passed("SC"), passed("SP"), passed("KNM"))
    f = dataclasses.replace(f, exam_parts=waiting)
    assert next_step(f, RULES) == NextStep("log_map_hours", due=LAST_DAY)

    f = dataclasses.replace(f, confirmed_hours={"MAP_PRAKTIJK": D(40)})
    assert next_step(f, RULES) == NextStep("plan_map_eindgesprek", due=LAST_DAY)

    f = dataclasses.replace(f, map_eindgesprek_on=date(2025, 5, 20))
    assert next_step(f, RULES) == NextStep("sign_pvt", due=LAST_DAY)

    f = dataclasses.replace(f, pvt_signed_on=date(2025, 5, 25))
    assert next_step(f, RULES) == NextStep("await_result", due=date(2025, 6, 26), part="LU")

    f = dataclasses.replace(f, exam_parts=ALL_PASSED)
    assert next_step(f, RULES) == NextStep("done")


def test_next_step_with_map_waiver_goes_to_the_eindgesprek():
    f = facts(exam_parts=ALL_PASSED)
    assert next_step(f, Rules(map_waiver=True)) == NextStep("plan_map_eindgesprek", due=LAST_DAY)


def test_next_step_along_the_zroute():
    f = facts("Z", None)
    assert next_step(f, RULES) == NextStep("log_language_hours", due=LAST_DAY)
    f = dataclasses.replace(f, confirmed_hours={"TAALLES": D(800)})
    assert next_step(f, RULES) == NextStep("log_participation_hours", due=LAST_DAY)
    f = dataclasses.replace(f, confirmed_hours={"TAALLES": D(800), "PARTICIPATIE_OVERIG": D(800)})
    assert next_step(f, RULES) == NextStep("plan_map_eindgesprek", due=LAST_DAY)
    f = dataclasses.replace(f, map_eindgesprek_on=date(2025, 5, 1))
    assert next_step(f, RULES) == NextStep("sign_pvt", due=LAST_DAY)
    f = dataclasses.replace(f, pvt_signed_on=date(2025, 5, 2))
    assert next_step(f, RULES) == NextStep("plan_z_eindgesprek", due=LAST_DAY)
    f = dataclasses.replace(f, z_eindgesprek_on=date(2025, 5, 30))
    assert next_step(f, RULES) == NextStep("done")


def test_next_step_along_the_onderwijsroute_has_no_map():
    f = facts("O", None)
    assert next_step(f, RULES) == NextStep("finish_taalschakel", due=LAST_DAY)
    f = dataclasses.replace(f, taalschakel_done_on=date(2025, 5, 1))
    assert next_step(f, RULES) == NextStep("sign_pvt", due=LAST_DAY)
    f = dataclasses.replace(f, pvt_signed_on=date(2025, 5, 2))
    assert next_step(f, RULES) == NextStep("done")


def test_next_step_due_dates_follow_a_verlenging():
    f = facts("O", None, extended_until=date(2027, 9, 1))
    assert next_step(f, RULES) == NextStep("finish_taalschakel", due=date(2027, 8, 31))


# risk

def test_active_client_early_in_the_termijn_is_ok():
    assert risk(facts(), RULES) == Risk("ok", ())


def test_no_pip_after_10_weeks_is_high():
    assert risk(ClientFacts(today=date(2024, 3, 12), coupled_on=COUPLED), RULES) == Risk("ok", ())
    assert risk(ClientFacts(today=date(2024, 3, 13), coupled_on=COUPLED), RULES) == Risk(
        "high", ("no_pip_after_10_weeks",))
    assert risk(ClientFacts(today=TODAY), RULES) == Risk("ok", ())


def test_no_activity_for_more_than_14_days():
    assert risk(facts(last_entry_on=date(2025, 5, 18)), RULES) == Risk("ok", ())
    assert risk(facts(last_entry_on=date(2025, 5, 17)), RULES) == Risk("attention", ("no_activity_14_days",))


def test_no_activity_counts_from_the_pip_when_there_is_no_later_entry():
    fresh = dict(last_map_entry_on=None)
    assert risk(facts(today=date(2024, 3, 13), last_entry_on=None, **fresh), RULES) == Risk("ok", ())
    assert risk(facts(today=date(2024, 3, 14), last_entry_on=None, **fresh), RULES).reasons == ("no_activity_14_days",)
    assert risk(facts(today=date(2024, 3, 13), last_entry_on=date(2024, 1, 15), **fresh), RULES) == Risk("ok", ())


def test_termijn_near_and_an_exam_part_not_booked():
    assert risk(at(date(2026, 8, 31)), RULES) == Risk("ok", ())
    assert risk(at(date(2026, 9, 1)), RULES) == Risk("attention", ("termijn_near_no_exam_booked",))
    planned = (passed("LE"), part("LU", attempt(date(2026, 8, 1))),
               *(part(c, attempt(date(2026, 10, 1), niveau=None if c == "KNM" else "B1")) for c in ("SC", "SP", "KNM")))
    assert risk(at(date(2026, 9, 1), exam_parts=planned), RULES) == Risk("ok", ())


def test_free_attempts_used_up_is_high_until_a_retake_is_booked():
    failed = part("LE", attempt(date(2025, 1, 10), "GEZAKT"), attempt(date(2025, 3, 10), "GEZAKT"))
    assert risk(facts(exam_parts=(failed,)), RULES) == Risk("high", ("attempts_used_up",))
    retake = part("LE", *failed.attempts, attempt(date(2025, 7, 1)))
    assert risk(facts(exam_parts=(retake,)), RULES) == Risk("ok", ())
    below = part("LE", attempt(date(2025, 1, 10), "GEZAKT", "A2"), attempt(date(2025, 3, 10), "GEZAKT", "A2"))
    assert risk(facts(exam_parts=(below,)), RULES) == Risk("ok", ())


def test_afschalen_possible_at_600_hours_half_physical():
    def with_hours(physical, **kw):
        return facts(confirmed_hours={"TAALLES": D(600)}, physical_language_hours=D(physical), **kw)
    assert risk(with_hours(300), RULES) == Risk("attention", ("afschalen_possible",))
    assert risk(with_hours(294), RULES) == Risk("ok", ())
    assert risk(with_hours(300, niveau="A2"), RULES) == Risk("ok", ())
    language_passed = tuple(passed(c) for c in ("LE", "LU", "SC", "SP"))
    assert risk(with_hours(300, exam_parts=language_passed), RULES) == Risk("ok", ())


def test_map_stalled_after_60_days_without_map_entry():
    def day(n, **kw):
        return at(FIRST_PIP + timedelta(days=n), **{"last_map_entry_on": None, **kw})
    assert risk(day(60), RULES) == Risk("ok", ())
    assert risk(day(61), RULES) == Risk("attention", ("map_stalled",))
    assert risk(day(61, last_map_entry_on=FIRST_PIP + timedelta(days=1)), RULES) == Risk("ok", ())
    assert risk(day(61, map_eindgesprek_on=FIRST_PIP + timedelta(days=30)), RULES) == Risk("ok", ())
    assert risk(dataclasses.replace(day(61), leerroute="O", niveau=None), RULES) == Risk("ok", ())


def test_termijn_passed_is_high_from_the_end_date():
    assert risk(at(LAST_DAY), RULES).reasons == ("termijn_near_no_exam_booked",)
    assert risk(at(date(2027, 3, 1)), RULES) == Risk("high", ("termijn_passed",))
    extended = at(date(2027, 3, 1), extended_until=date(2027, 9, 1))
    assert "termijn_passed" not in risk(extended, RULES).reasons


def test_several_reasons_keep_their_order_and_the_highest_level():
    failed = part("LE", attempt(date(2025, 1, 10), "GEZAKT"), attempt(date(2025, 3, 10), "GEZAKT"))
    f = facts(exam_parts=(failed,), confirmed_hours={"TAALLES": D(700)}, physical_language_hours=D(700),
              last_entry_on=date(2025, 4, 1))
    assert risk(f, RULES) == Risk("high", ("no_activity_14_days", "attempts_used_up", "afschalen_possible"))


def test_z_route_behind_on_hours_near_the_end():
    z = dict(route="Z", niveau=None, confirmed_hours={"TAALLES": D(700), "PARTICIPATIE_VRIJWILLIGERSWERK": D(800)})
    near = date(2026, 9, 1)  # end 2027-03-01 minus 6 months
    assert "termijn_near_hours_behind" not in risk(at(near - timedelta(days=1), **z), RULES).reasons
    assert risk(at(near, **z), RULES) == Risk("attention", ("termijn_near_hours_behind",))
    reached = dict(z, confirmed_hours={"TAALLES": D(800), "PARTICIPATIE_VRIJWILLIGERSWERK": D(800)})
    assert "termijn_near_hours_behind" not in risk(at(near, **reached), RULES).reasons


def test_afschalen_counter_goes_once_the_language_parts_are_passed():
    keys = [r.key for r in requirements(facts(exam_parts=ALL_PASSED), RULES)]
    assert "afschalen" not in keys
    assert "afschalen" in [r.key for r in requirements(facts(), RULES)]


def test_fulfilled_is_always_ok():
    done = at(date(2027, 6, 1), exam_parts=ALL_PASSED, pvt_signed_on=date(2025, 4, 1),
              map_eindgesprek_on=date(2025, 5, 1), last_entry_on=None, last_map_entry_on=None)
    assert risk(done, RULES) == Risk("ok", ())


# summary

def test_summarize_gathers_everything():
    summary = summarize(facts(), RULES)
    assert summary.termijn.end == date(2027, 3, 1)
    assert summary.pip_clock.deadline == date(2024, 3, 12)
    assert summary.pip_clock.met is True and summary.pip_clock.late is False
    assert summary.requirements == requirements(facts(), RULES)
    assert all(isinstance(r, Requirement) for r in summary.requirements)
    assert summary.next_step == NextStep("follow_lessons", due=EXAM_IN_VIEW)
    assert summary.risk == Risk("ok", ())
    assert summary.fulfilled is False


def test_summarize_before_coupling():
    summary = summarize(ClientFacts(today=TODAY), RULES)
    assert summary.termijn is None and summary.pip_clock is None
    assert summary.requirements == []
    assert summary.next_step == NextStep("wait_for_coupling")
    assert summary.fulfilled is False
