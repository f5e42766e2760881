"""Reminder planning: events, exams, termijn dates, inactivity, digest, quiet hours (domain.md §7)."""
import dataclasses
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tracker.domain.progress import ClientFacts, ExamAttempt, ExamPart, risk
from tracker.domain.reminders import (DELIVERY, Event, Reminder, in_quiet_hours, plan_client, plan_digest,
                                      plan_events, plan_sessions, quiet_end_after, send_now)
from tracker.domain.routes import EXAM_PARTS
from tracker.domain.rules import Rules

RULES = Rules()
AMS = ZoneInfo("Europe/Amsterdam")
H = timedelta(hours=1)
URLS = {"appointments": "/afspraken", "logbook": "/logboek", "exam": "/examen", "home": "/", "help": "/hulp"}
SUBJECT = "c1"

# termijn 2024-02-29 .. 2027-03-01 (exclusive); last day 2027-02-28
FIRST_PIP = date(2024, 2, 28)
LAST_DAY = "2027-02-28"
LATEST_REGISTRATION = date(2026, 11, 23)   # end − (8 + 6) weeks
VERLENGING_OPENS = date(2026, 8, 29)       # start + 30 months

QUIET_START = time(21, 0)
QUIET_END = time(8, 0)


def utc(year, month, day, hour=0, minute=0, second=0):
    """A naive UTC moment (what the planner works in)."""
    return datetime(year, month, day, hour, minute, second)


def local(day, hour, minute=0):
    """A wall-clock moment in Amsterdam → naive UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=AMS).astimezone(timezone.utc).replace(tzinfo=None)


def on_clock(moment):
    """Naive UTC → aware Amsterdam time."""
    return moment.replace(tzinfo=timezone.utc).astimezone(AMS)


def local_date(moment):
    return on_clock(moment).date()


def facts(now, route="B", niveau="B1", **changes):
    """A client on the local day of `now`, active that day (so no inactivity nudge unless asked)."""
    today = local_date(now)
    base = ClientFacts(today=today, leerroute=route, niveau=niveau, coupled_on=date(2024, 1, 2),
                       first_dagtekening=FIRST_PIP, last_entry_on=today, last_map_entry_on=today)
    return dataclasses.replace(base, **changes)


def attempt(on, result=None, niveau="B1"):
    return ExamAttempt(exam_date=on, result=result, niveau=niveau)


def part(code, *attempts):
    return ExamPart(code=code, niveau=None if code == "KNM" else "B1", attempts=attempts)


def plan(client_facts, now, events=(), rules=RULES):
    return plan_client(client_facts, SUBJECT, list(events), now, AMS, rules, URLS)


def of_kind(reminders, *kinds):
    return [r for r in reminders if r.kind in kinds]


def summary(reminders):
    return sorted((r.kind, r.due_at) for r in reminders)


# plan_events

START = utc(2026, 2, 10, 14, 0)   # a Tuesday afternoon (15:00 local)
APPOINTMENT = Event("appointment", "a1", START, "INTAKE_GESPREK", "Stadhuis")
SESSION = Event("session", "s1", START, "MAP_WORKSHOP", "Bibliotheek")


def test_appointment_three_days_ahead_gets_nothing_yet():
    assert plan_events([APPOINTMENT], START - 72 * H, RULES, "/afspraken") == []


def test_appointment_a_day_ahead_gets_day_reminder_due_exactly_24h_before():
    out = plan_events([APPOINTMENT], START - 24 * H, RULES, "/afspraken")
    # The 2 h reminder (due in 22 h) falls inside the 26 h horizon as well.
    assert summary(out) == [("appointment_day", utc(2026, 2, 9, 14, 0)),
                            ("appointment_soon", utc(2026, 2, 10, 12, 0))]
    day = of_kind(out, "appointment_day")[0]
    assert day.subject == "a1"
    assert day.url == "/afspraken"
    assert day.event_at == START
    assert day.params == {"label": "INTAKE_GESPREK", "starts_at": "2026-02-10T14:00:00", "place": "Stadhuis"}


def test_appointment_two_hours_ahead_gets_only_the_soon_reminder():
    out = plan_events([APPOINTMENT], START - 2 * H, RULES, "/afspraken")
    assert summary(out) == [("appointment_soon", utc(2026, 2, 10, 12, 0))]


@pytest.mark.parametrize("now", [START, START + timedelta(minutes=1), START + 30 * H])
def test_past_or_started_appointment_gets_nothing(now):
    assert plan_events([APPOINTMENT], now, RULES, "/afspraken") == []


def test_grace_a_reminder_due_30_minutes_ago_is_still_planned():
    out = plan_events([APPOINTMENT], START - 24 * H + timedelta(minutes=30), RULES, "/afspraken")
    assert ("appointment_day", utc(2026, 2, 9, 14, 0)) in summary(out)


def test_grace_a_reminder_due_exactly_grace_minutes_ago_is_still_planned():
    out = plan_events([APPOINTMENT], START - 23 * H, RULES, "/afspraken")
    assert ("appointment_day", utc(2026, 2, 9, 14, 0)) in summary(out)


def test_grace_a_reminder_due_2_hours_ago_is_not_planned():
    out = plan_events([APPOINTMENT], START - 22 * H, RULES, "/afspraken")
    assert summary(out) == [("appointment_soon", utc(2026, 2, 10, 12, 0))]


def test_horizon_a_reminder_due_in_25_hours_is_planned():
    out = plan_events([APPOINTMENT], START - 49 * H, RULES, "/afspraken")
    assert summary(out) == [("appointment_day", utc(2026, 2, 9, 14, 0))]


def test_horizon_a_reminder_due_in_27_hours_is_not_planned():
    assert plan_events([APPOINTMENT], START - 51 * H, RULES, "/afspraken") == []


def test_horizon_soon_reminder_due_in_25_hours_is_planned():
    out = plan_events([APPOINTMENT], START - 27 * H, RULES, "/afspraken")
    assert summary(out) == [("appointment_day", utc(2026, 2, 9, 14, 0)),
                            ("appointment_soon", utc(2026, 2, 10, 12, 0))]


def test_sessions_get_session_day_and_session_soon():
    out = plan_events([SESSION], START - 24 * H, RULES, "/logboek")
    assert summary(out) == [("session_day", utc(2026, 2, 9, 14, 0)), ("session_soon", utc(2026, 2, 10, 12, 0))]
    assert {r.url for r in out} == {"/logboek"}
    assert {r.subject for r in out} == {"s1"}


def test_a_session_has_the_same_reminders_for_everyone_it_concerns():
    # The planner asks plan_sessions once per session and gives the answer to each person it concerns.
    now = START - 24 * H
    once = plan_sessions([SESSION, APPOINTMENT], now, RULES, URLS)
    assert [r.kind for r in once] == ["session_day", "session_soon"]
    for person in (facts(now), facts(now, route="Z", niveau=None), facts(now, route=None, first_dagtekening=None)):
        assert of_kind(plan(person, now, [SESSION]), "session_day", "session_soon") == [
            r.for_person("c1") for r in once]


def test_the_pace_and_pending_hours_decide_no_reminder_and_no_risk():
    # The planner reads facts without the pace (tracker.facts.load_facts with rules None).
    now = local(date(2026, 9, 1), 9, 30)      # Z-route: six months before the end, behind on hours
    hours = {"TAALLES": Decimal(700), "PARTICIPATIE_VRIJWILLIGERSWERK": Decimal(790), "MAP_PRAKTIJK": Decimal(10)}
    for person in (facts(now, route="Z", niveau=None, confirmed_hours=hours, last_entry_on=date(2026, 8, 1)),
                   facts(now, niveau="B1", confirmed_hours={"TAALLES": Decimal(550)},
                         physical_language_hours=Decimal(550), last_map_entry_on=date(2026, 5, 1))):
        assert risk(person, RULES).reasons and plan(person, now)
        busy = dataclasses.replace(person, pending_hours={c: Decimal(200) for c in hours},
                                   recent_confirmed_hours={c: Decimal(300) for c in hours})
        assert risk(busy, RULES) == risk(person, RULES)
        assert plan(busy, now) == plan(person, now)


def test_plan_client_sends_sessions_to_the_logbook_and_appointments_to_appointments():
    now = START - 24 * H
    out = plan(facts(now), now, [APPOINTMENT, SESSION])
    events = of_kind(out, "appointment_day", "appointment_soon", "session_day", "session_soon")
    assert sorted((r.kind, r.url) for r in events) == [
        ("appointment_day", "/afspraken"), ("appointment_soon", "/afspraken"),
        ("session_day", "/logboek"), ("session_soon", "/logboek")]


def test_event_reminder_hours_follow_the_rules():
    rules = dataclasses.replace(RULES, event_reminder_hours=(72, 24, 1))
    out = plan_events([APPOINTMENT], START - 72 * H, rules, "/afspraken")
    assert summary(out) == [("appointment_day", utc(2026, 2, 7, 14, 0))]


@pytest.mark.parametrize("category", ["TAALLES", "KNM_LES"])
def test_a_lesson_gets_one_reminder_an_hour_before(category):
    """Lessons follow the school timetable (domain §7): one reminder an hour before, not a day
    and two hours before as a PVT or MAP session gets; the gemeente may set other hours."""
    lesson = Event("session", "s2", START, category, "Taalschool")
    # Everything due within the planning window (26 h) is planned at once.
    assert summary(plan_events([lesson], START - 24 * H, RULES, "/logboek")) == [
        ("session_soon", START - H)]
    assert summary(plan_events([SESSION], START - 24 * H, RULES, "/logboek")) == [
        ("session_day", START - 24 * H), ("session_soon", START - 2 * H)]
    rules = Rules.from_settings({"lesson_reminder_hours": [24, 1]})
    assert summary(plan_events([lesson], START - 24 * H, rules, "/logboek")) == [
        ("session_day", START - 24 * H), ("session_soon", START - H)]


# Reminder: key, ttl, urgency, topic

def test_key_names_kind_subject_and_due_minute():
    reminder = Reminder("appointment_day", "a1", utc(2026, 2, 9, 14, 0), "/afspraken")
    assert reminder.key == "appointment_day:a1:2026-02-09T14:00"


def test_key_is_stable_across_planning_runs():
    first = plan_events([APPOINTMENT], START - 24 * H, RULES, "/afspraken")
    again = plan_events([APPOINTMENT], START - 23 * H - timedelta(minutes=15), RULES, "/afspraken")
    assert sorted(r.key for r in first) == sorted(r.key for r in again) == [
        "appointment_day:a1:2026-02-09T14:00", "appointment_soon:a1:2026-02-10T12:00"]


def test_key_ignores_seconds_within_the_same_minute():
    a = Reminder("digest", "p1", utc(2026, 2, 9, 9, 0, 0), "/")
    b = Reminder("digest", "p1", utc(2026, 2, 9, 9, 0, 42), "/")
    assert a.key == b.key == "digest:p1:2026-02-09T09:00"


@pytest.mark.parametrize("other", [
    Reminder("appointment_soon", "a1", utc(2026, 2, 9, 14, 0), "/afspraken"),
    Reminder("appointment_day", "a2", utc(2026, 2, 9, 14, 0), "/afspraken"),
    Reminder("appointment_day", "a1", utc(2026, 2, 9, 14, 1), "/afspraken"),
])
def test_key_differs_per_kind_subject_and_due_minute(other):
    base = Reminder("appointment_day", "a1", utc(2026, 2, 9, 14, 0), "/afspraken")
    assert other.key != base.key


def test_ttl_is_capped_by_the_delivery_table():
    day, soon = sorted(plan_events([APPOINTMENT], START - 24 * H, RULES, "/afspraken"), key=lambda r: r.due_at)
    assert day.ttl == 12 * 3600          # 24 h until the event, capped at 12 h
    assert soon.ttl == 2 * 3600          # exactly the time until the event


def test_ttl_never_exceeds_time_until_the_event():
    rules = dataclasses.replace(RULES, event_reminder_hours=(24, 1))
    soon = of_kind(plan_events([APPOINTMENT], START - 1 * H, rules, "/afspraken"), "appointment_soon")[0]
    assert soon.ttl == 3600


def test_ttl_is_at_least_a_minute():
    reminder = Reminder("appointment_soon", "a1", utc(2026, 2, 10, 13, 59, 30), "/afspraken",
                        event_at=utc(2026, 2, 10, 14, 0))
    assert reminder.ttl == 60


@pytest.mark.parametrize("kind, ttl", [("digest", 12 * 3600), ("inactivity", 2 * 86400),
                                       ("termijn_milestone", 7 * 86400), ("exam_retake", 3 * 86400)])
def test_ttl_without_event_is_the_table_value(kind, ttl):
    assert Reminder(kind, "x", utc(2026, 2, 9, 9, 0), "/").ttl == ttl


def test_ttl_within_bounds_for_every_planned_event_reminder():
    for now in (START - 26 * H, START - 24 * H, START - 3 * H, START - 2 * H):
        for r in plan_events([APPOINTMENT, SESSION], now, RULES, "/x"):
            assert 60 <= r.ttl <= (r.event_at - r.due_at).total_seconds()


@pytest.mark.parametrize("kind", sorted(DELIVERY))
def test_urgency_follows_delivery(kind):
    assert Reminder(kind, "x", utc(2026, 2, 9, 9, 0), "/").urgency == DELIVERY[kind][0]


@pytest.mark.parametrize("kind, urgency", [("appointment_soon", "high"), ("exam_soon", "high"),
                                           ("appointment_day", "normal"), ("digest", "normal"),
                                           ("termijn_milestone", "low"), ("inactivity", "low")])
def test_urgency_concrete_values(kind, urgency):
    assert Reminder(kind, "x", utc(2026, 2, 9, 9, 0), "/").urgency == urgency


def test_topic_same_for_day_and_soon_of_one_appointment():
    day, soon = sorted(plan_events([APPOINTMENT], START - 24 * H, RULES, "/afspraken"), key=lambda r: r.due_at)
    assert day.topic == soon.topic


def test_topic_differs_for_another_appointment():
    other = dataclasses.replace(APPOINTMENT, subject="a2")
    a1 = plan_events([APPOINTMENT], START - 2 * H, RULES, "/afspraken")[0]
    a2 = plan_events([other], START - 2 * H, RULES, "/afspraken")[0]
    assert a1.topic != a2.topic


@pytest.mark.parametrize("kind, subject", [("appointment_day", "a1"), ("exam_week", "c1:LE:2026-05-20"),
                                           ("digest", "p" * 200), ("inactivity", "ü:ß")])
def test_topic_is_at_most_32_lowercase_hex_characters(kind, subject):
    topic = Reminder(kind, subject, utc(2026, 2, 9, 9, 0), "/").topic
    assert len(topic) <= 32
    assert re.fullmatch(r"[0-9a-f]+", topic)


# plan_client: exams (B1-route)

EXAM_ON = date(2026, 5, 20)                 # a Wednesday in summer time
EXAM_STARTS = utc(2026, 5, 20, 7, 0)        # 09:00 CEST


def booked_le(now, exam_on=EXAM_ON):
    return facts(now, exam_parts=(part("LE", attempt(exam_on)),))


@pytest.mark.parametrize("now, expected", [
    (utc(2026, 5, 13, 7, 0), [("exam_week", utc(2026, 5, 13, 7, 0))]),
    (utc(2026, 5, 19, 7, 0), [("exam_day", utc(2026, 5, 19, 7, 0)), ("exam_soon", utc(2026, 5, 20, 5, 0))]),
    (utc(2026, 5, 20, 5, 0), [("exam_soon", utc(2026, 5, 20, 5, 0))]),
    (utc(2026, 5, 10, 7, 0), []),           # more than a week ahead: nothing yet
    (utc(2026, 5, 20, 7, 0), []),           # the exam has started
])
def test_booked_exam_reminders_168_24_2_hours_before_nine_local(now, expected):
    out = of_kind(plan(booked_le(now), now), "exam_week", "exam_day", "exam_soon")
    assert summary(out) == expected


def test_booked_exam_reminders_land_on_the_right_local_days():
    dues = {}
    for now in (utc(2026, 5, 13, 7, 0), utc(2026, 5, 19, 7, 0)):
        for r in of_kind(plan(booked_le(now), now), "exam_week", "exam_day", "exam_soon"):
            dues[r.kind] = on_clock(r.due_at)
    assert {k: (v.date(), v.time()) for k, v in dues.items()} == {
        "exam_week": (date(2026, 5, 13), time(9, 0)),
        "exam_day": (date(2026, 5, 19), time(9, 0)),
        "exam_soon": (date(2026, 5, 20), time(7, 0)),
    }


def test_booked_exam_reminder_details():
    now = utc(2026, 5, 19, 7, 0)
    day = of_kind(plan(booked_le(now), now), "exam_day")[0]
    assert day.subject == "c1:LE:2026-05-20"
    assert day.url == "/examen"
    assert day.params == {"part": "LE", "date": "2026-05-20"}
    assert day.event_at == EXAM_STARTS
    assert day.ttl == 12 * 3600


def test_exam_day_before_an_exam_just_after_the_autumn_dst_change():
    # Exam Monday 2026-10-26 09:00 CET = 08:00 UTC; the day before is the DST change itself.
    now = utc(2026, 10, 25, 8, 0)
    out = of_kind(plan(booked_le(now, date(2026, 10, 26)), now), "exam_day", "exam_soon")
    assert summary(out) == [("exam_day", utc(2026, 10, 25, 8, 0)), ("exam_soon", utc(2026, 10, 26, 6, 0))]
    assert on_clock(out[0].due_at).time() == time(9, 0)
    assert out[0].event_at == utc(2026, 10, 26, 8, 0)


def test_exam_week_before_an_exam_across_the_spring_dst_change_is_on_the_right_day():
    # Exam Monday 2026-03-30 09:00 CEST = 07:00 UTC; a week earlier is still winter time.
    now = utc(2026, 3, 23, 7, 0)
    out = of_kind(plan(booked_le(now, date(2026, 3, 30)), now), "exam_week")
    assert summary(out) == [("exam_week", utc(2026, 3, 23, 7, 0))]
    assert local_date(out[0].due_at) == date(2026, 3, 23)


FAILED_ON = date(2026, 4, 14)


def test_failed_exam_without_retake_gets_retake_reminder_next_day_at_send_time():
    now = utc(2026, 4, 15, 8, 0)            # 10:00 CEST
    client = facts(now, exam_parts=(part("LE", attempt(FAILED_ON, "GEZAKT")),))
    out = of_kind(plan(client, now), "exam_retake")
    assert summary(out) == [("exam_retake", utc(2026, 4, 15, 8, 0))]
    assert out[0].subject == "c1:LE:2026-04-14"
    assert out[0].url == "/examen"
    assert out[0].params == {"part": "LE", "by": "2026-11-23"}
    assert out[0].event_at is None


def test_retake_reminder_in_winter_is_at_nine_utc():
    now = utc(2026, 1, 16, 9, 0)            # 10:00 CET
    client = facts(now, exam_parts=(part("KNM", attempt(date(2026, 1, 15), "Gezakt", None)),))
    out = of_kind(plan(client, now), "exam_retake")
    assert summary(out) == [("exam_retake", utc(2026, 1, 16, 9, 0))]


def test_failed_exam_with_retake_booked_gets_no_retake_reminder():
    now = utc(2026, 4, 15, 8, 0)
    client = facts(now, exam_parts=(part("LE", attempt(FAILED_ON, "GEZAKT"), attempt(date(2026, 6, 10))),))
    assert of_kind(plan(client, now), "exam_retake") == []


def test_retake_reminder_is_not_sent_days_later():
    now = utc(2026, 4, 18, 8, 0)
    client = facts(now, exam_parts=(part("LE", attempt(FAILED_ON, "GEZAKT")),))
    assert of_kind(plan(client, now), "exam_retake") == []


# 28 days before 2026-11-23 is Monday 2026-10-26 (CET, the day after the DST change); 7 days: 2026-11-16.
REG_28 = utc(2026, 10, 26, 9, 0)
REG_7 = utc(2026, 11, 16, 9, 0)


@pytest.mark.parametrize("now, days", [(REG_28, 28), (REG_7, 7)])
def test_exam_registration_reminders_while_parts_are_open(now, days):
    out = of_kind(plan(facts(now), now), "exam_registration")
    assert summary(out) == [("exam_registration", now)]
    assert on_clock(out[0].due_at).time() == time(10, 0)
    assert out[0].subject == f"c1:{days}"
    assert out[0].url == "/examen"
    assert out[0].params == {"parts": list(EXAM_PARTS), "by": "2026-11-23"}


def test_exam_registration_lists_only_the_open_parts():
    now = REG_28
    parts = (part("LE", attempt(date(2026, 3, 1), "GESLAAGD")),
             part("LU", attempt(date(2026, 12, 1))),                  # booked
             part("SC", attempt(date(2026, 10, 1))),                  # awaiting the result
             part("SP", attempt(date(2026, 9, 1), "GEZAKT")))         # open again
    out = of_kind(plan(facts(now, exam_parts=parts), now), "exam_registration")
    assert [r.params["parts"] for r in out] == [["SP", "KNM"]]


def test_no_exam_registration_when_all_parts_are_passed_or_booked():
    now = REG_28
    parts = (part("LE", attempt(date(2026, 3, 1), "GESLAAGD")),
             part("LU", attempt(date(2026, 3, 1), "GESLAAGD")),
             part("SC", attempt(date(2026, 12, 1))),
             part("SP", attempt(date(2026, 12, 2))),
             part("KNM", attempt(date(2025, 6, 1), "GESLAAGD", None)))
    assert of_kind(plan(facts(now, exam_parts=parts), now), "exam_registration") == []


# plan_client: termijn dates

@pytest.mark.parametrize("months, day, utc_hour", [
    (12, date(2026, 3, 1), 9),      # CET
    (6, date(2026, 9, 1), 8),       # CEST
    (3, date(2026, 12, 1), 9),
    (1, date(2027, 2, 1), 9),
])
def test_termijn_milestones_12_6_3_1_months_before_the_end(months, day, utc_hour):
    now = datetime.combine(day, time(utc_hour, 0))
    out = of_kind(plan(facts(now), now), "termijn_milestone")
    assert summary(out) == [("termijn_milestone", now)]
    assert on_clock(out[0].due_at).time() == time(10, 0)
    assert out[0].subject == f"c1:{months}"
    assert out[0].url == "/"
    assert out[0].params == {"months": months, "last_day": LAST_DAY}


@pytest.mark.parametrize("zone", [AMS, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")])
def test_a_milestone_comes_into_view_as_far_ahead_as_the_horizon_reaches(zone):
    # The days whose send time is in the window are worked out once per run (send_days), for
    # any horizon and on both sides of the date line.
    milestone = date(2026, 9, 1)
    due = datetime.combine(milestone, time(10, 0), tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
    rules = dataclasses.replace(RULES, reminder_horizon_hours=24 * 9)
    minute = timedelta(minutes=1)
    moments = {due - 24 * 9 * H: True, due - 24 * 9 * H - minute: False, due + 60 * minute: True,
               due + 61 * minute: False}
    for now, planned in moments.items():
        out = of_kind(plan_client(facts(now), SUBJECT, [], now, zone, rules, URLS), "termijn_milestone")
        assert [r.due_at for r in out] == ([due] if planned else [])


def test_no_milestone_on_an_ordinary_day():
    now = utc(2026, 6, 15, 8, 0)
    assert of_kind(plan(facts(now), now), "termijn_milestone") == []


def test_verlenging_window_opens_30_months_after_the_start():
    now = utc(2026, 8, 29, 8, 0)    # 10:00 CEST
    out = of_kind(plan(facts(now), now), "verlenging_window")
    assert summary(out) == [("verlenging_window", now)]
    assert out[0].subject == "c1"
    assert out[0].url == "/hulp"
    assert out[0].params == {"last_day": LAST_DAY}
    later = utc(2026, 8, 31, 8, 0)
    assert of_kind(plan(facts(later), later), "verlenging_window") == []


def test_all_reminders_on_a_quiet_milestone_day_are_exactly_the_milestone():
    now = utc(2026, 12, 1, 9, 0)
    assert summary(plan(facts(now), now)) == [("termijn_milestone", now)]


# plan_client: inactivity

LAST_ENTRY = date(2026, 1, 5)
INACTIVE_DUE = utc(2026, 1, 20, 9, 0)   # 2026-01-05 + 15 days, 10:00 CET


def test_inactivity_for_a_z_route_client():
    client = facts(INACTIVE_DUE, route="Z", niveau="A2", last_entry_on=LAST_ENTRY)
    out = of_kind(plan(client, INACTIVE_DUE), "inactivity")
    assert summary(out) == [("inactivity", INACTIVE_DUE)]
    assert out[0].subject == "c1:2026-01-05"
    assert out[0].url == "/logboek"
    assert out[0].params == {"days": 14}


def test_inactivity_not_yet_two_days_before():
    now = INACTIVE_DUE - 48 * H
    client = facts(now, route="Z", niveau="A2", last_entry_on=LAST_ENTRY)
    assert of_kind(plan(client, now), "inactivity") == []


def test_inactivity_follows_inactivity_days():
    rules = dataclasses.replace(RULES, inactivity_days=7)
    now = utc(2026, 1, 13, 9, 0)
    client = facts(now, route="Z", niveau="A2", last_entry_on=LAST_ENTRY)
    out = of_kind(plan(client, now, rules=rules), "inactivity")
    assert summary(out) == [("inactivity", now)]
    assert out[0].params == {"days": 7}


def test_inactivity_for_b1_client_while_map_is_open():
    client = facts(INACTIVE_DUE, last_entry_on=LAST_ENTRY)
    assert summary(of_kind(plan(client, INACTIVE_DUE), "inactivity")) == [("inactivity", INACTIVE_DUE)]


def test_no_inactivity_for_b1_client_whose_map_eindgesprek_is_done():
    client = facts(INACTIVE_DUE, last_entry_on=LAST_ENTRY, map_eindgesprek_on=date(2025, 11, 1))
    assert of_kind(plan(client, INACTIVE_DUE), "inactivity") == []


def test_no_inactivity_for_onderwijsroute():
    client = facts(INACTIVE_DUE, route="O", last_entry_on=LAST_ENTRY)
    assert of_kind(plan(client, INACTIVE_DUE), "inactivity") == []


def test_inactivity_counts_from_the_pip_when_nothing_was_logged():
    now = utc(2024, 3, 14, 9, 0)    # 2024-02-28 + 15 days, 10:00 CET
    client = facts(now, route="Z", niveau="A2", last_entry_on=None)
    out = of_kind(plan(client, now), "inactivity")
    assert [(r.due_at, r.subject) for r in out] == [(now, "c1:2024-02-28")]


# Termijn 2022-01-10 .. 2025-01-10 (exclusive); last entry 2025-01-01 → nudge day 2025-01-16.
OLD_PIP = date(2022, 1, 9)
OLD_DUE = utc(2025, 1, 16, 9, 0)


def test_no_inactivity_once_the_termijn_has_passed():
    client = facts(OLD_DUE, route="Z", niveau="A2", first_dagtekening=OLD_PIP, last_entry_on=date(2025, 1, 1))
    assert plan(client, OLD_DUE) == []


def test_inactivity_again_when_the_termijn_was_extended():
    client = facts(OLD_DUE, route="Z", niveau="A2", first_dagtekening=OLD_PIP, last_entry_on=date(2025, 1, 1),
                   extended_until=date(2025, 7, 10))
    assert summary(of_kind(plan(client, OLD_DUE), "inactivity")) == [("inactivity", OLD_DUE)]


def test_no_inactivity_for_z_route_client_with_both_eindgesprekken_done():
    client = facts(INACTIVE_DUE, route="Z", niveau="A2", last_entry_on=LAST_ENTRY,
                   map_eindgesprek_on=date(2025, 11, 1), z_eindgesprek_on=date(2025, 12, 1))
    assert of_kind(plan(client, INACTIVE_DUE), "inactivity") == []


# plan_client: route and PIP

def test_z_route_client_gets_nothing_about_exams():
    parts = (part("LE", attempt(date(2026, 10, 20), "GEZAKT")), part("LU", attempt(date(2026, 10, 27))))
    for now in (REG_28, utc(2026, 10, 21, 8, 0), utc(2026, 10, 26, 8, 0)):
        client = facts(now, route="Z", niveau="A2", exam_parts=parts)
        assert [r.kind for r in plan(client, now) if r.kind.startswith("exam")] == []
    # The same facts on the B1-route do give exam reminders (so the check above can fail).
    b1 = facts(REG_28, exam_parts=parts)
    assert {r.kind for r in plan(b1, REG_28) if r.kind.startswith("exam")} == {"exam_registration", "exam_day",
                                                                              "exam_soon"}


def test_client_without_pip_gets_only_event_reminders():
    now = START - 24 * H
    client = ClientFacts(today=local_date(now), leerroute="B", niveau="B1", coupled_on=date(2026, 1, 5),
                         exam_parts=(part("LE", attempt(date(2026, 2, 11))),), last_entry_on=date(2025, 1, 1))
    out = plan(client, now, [APPOINTMENT, SESSION])
    assert summary(out) == [("appointment_day", utc(2026, 2, 9, 14, 0)), ("appointment_soon", utc(2026, 2, 10, 12, 0)),
                            ("session_day", utc(2026, 2, 9, 14, 0)), ("session_soon", utc(2026, 2, 10, 12, 0))]


def test_client_without_leerroute_gets_only_event_reminders():
    now = utc(2026, 3, 1, 9, 0)     # would be the 12-month milestone
    client = facts(now, route=None, niveau=None, last_entry_on=date(2025, 1, 1))
    assert plan(client, now) == []


# plan_digest

def test_no_digest_without_anything_to_do():
    now = utc(2026, 2, 9, 9, 0)
    assert plan_digest("p1", 0, 0, date(2026, 2, 9), now, AMS, RULES, "/team") == []


@pytest.mark.parametrize("today, due", [
    (date(2026, 10, 24), utc(2026, 10, 24, 8, 0)),   # CEST
    (date(2026, 10, 25), utc(2026, 10, 25, 9, 0)),   # the change day: 10:00 is already CET
    (date(2026, 10, 26), utc(2026, 10, 26, 9, 0)),   # CET
    (date(2026, 3, 28), utc(2026, 3, 28, 9, 0)),     # CET
    (date(2026, 3, 29), utc(2026, 3, 29, 8, 0)),     # CEST from 02:00
])
def test_digest_at_send_time_today_across_dst(today, due):
    out = plan_digest("p1", 3, 0, today, due, AMS, RULES, "/team")
    assert [(r.kind, r.subject, r.due_at, r.url) for r in out] == [("digest", "p1", due, "/team")]
    assert out[0].params == {"pending": 3, "new_risks": 0}
    assert out[0].key == f"digest:p1:{due.isoformat(timespec='minutes')}"


def test_digest_for_new_risks_only():
    now = utc(2026, 2, 9, 7, 0)     # 08:00 CET, before send time
    out = plan_digest("p1", 0, 2, date(2026, 2, 9), now, AMS, RULES, "/team")
    assert [(r.kind, r.due_at, r.params) for r in out] == [
        ("digest", utc(2026, 2, 9, 9, 0), {"pending": 0, "new_risks": 2})]


def test_digest_of_this_morning_is_stale_in_the_evening():
    now = utc(2026, 2, 9, 18, 0)
    assert plan_digest("p1", 3, 1, date(2026, 2, 9), now, AMS, RULES, "/team") == []


def test_digest_send_time_follows_the_rules():
    rules = dataclasses.replace(RULES, reminder_send_time="07:30")
    now = utc(2026, 2, 9, 6, 30)
    out = plan_digest("p1", 1, 0, date(2026, 2, 9), now, AMS, rules, "/team")
    assert [r.due_at for r in out] == [utc(2026, 2, 9, 6, 30)]


# quiet hours

@pytest.mark.parametrize("at, quiet", [
    (time(22, 0), True), (time(21, 0), True), (time(0, 0), True), (time(7, 59), True),
    (time(8, 0), False), (time(12, 0), False), (time(20, 59), False),
])
def test_quiet_hours_over_midnight(at, quiet):
    assert in_quiet_hours(at, QUIET_START, QUIET_END) is quiet


@pytest.mark.parametrize("at, quiet", [
    (time(12, 59), False), (time(13, 0), True), (time(13, 30), True), (time(14, 0), False), (time(23, 0), False),
])
def test_quiet_hours_within_one_day(at, quiet):
    assert in_quiet_hours(at, time(13, 0), time(14, 0)) is quiet


@pytest.mark.parametrize("at", [time(0, 0), time(8, 0), time(22, 0)])
def test_quiet_hours_with_equal_start_and_end_are_never_quiet(at):
    assert in_quiet_hours(at, time(8, 0), time(8, 0)) is False


def test_quiet_end_after_late_evening_is_next_morning():
    assert quiet_end_after(datetime(2026, 2, 9, 23, 0), QUIET_END) == datetime(2026, 2, 10, 8, 0)


def test_quiet_end_after_early_morning_is_same_morning():
    assert quiet_end_after(datetime(2026, 2, 10, 6, 0), QUIET_END) == datetime(2026, 2, 10, 8, 0)


def test_quiet_end_after_exactly_at_the_end_is_the_next_day():
    assert quiet_end_after(datetime(2026, 2, 10, 8, 0), QUIET_END) == datetime(2026, 2, 11, 8, 0)


# send_now (winter: local = UTC + 1)

def _send(kind, event_at, local_now):
    now = local(local_now.date(), local_now.hour, local_now.minute)
    return send_now(kind, event_at, now, AMS, QUIET_START, QUIET_END)


@pytest.mark.parametrize("kind", ["inactivity", "termijn_milestone", "digest", "appointment_soon"])
def test_send_now_outside_quiet_hours(kind):
    event_at = local(date(2026, 2, 12), 14) if kind == "appointment_soon" else None
    assert _send(kind, event_at, datetime(2026, 2, 10, 12, 0)) is True


@pytest.mark.parametrize("kind", ["inactivity", "termijn_milestone", "verlenging_window", "digest"])
def test_send_now_not_time_critical_waits_in_quiet_hours(kind):
    assert _send(kind, None, datetime(2026, 2, 9, 23, 0)) is False


def test_send_now_appointment_before_quiet_hours_end_is_sent():
    event_at = local(date(2026, 2, 10), 7, 30)      # 06:30 UTC
    assert _send("appointment_soon", event_at, datetime(2026, 2, 9, 23, 0)) is True


def test_send_now_appointment_soon_early_morning_is_sent():
    event_at = local(date(2026, 2, 10), 7, 30)
    assert _send("appointment_soon", event_at, datetime(2026, 2, 10, 5, 30)) is True


def test_send_now_appointment_day_for_next_afternoon_waits():
    event_at = local(date(2026, 2, 10), 14, 0)
    assert _send("appointment_day", event_at, datetime(2026, 2, 9, 23, 0)) is False


def test_send_now_event_at_quiet_end_waits():
    event_at = local(date(2026, 2, 10), 8, 0)
    assert _send("exam_soon", event_at, datetime(2026, 2, 10, 6, 0)) is False


def test_send_now_in_summer_time():
    # 23:00 CEST = 21:00 UTC; an appointment 07:30 CEST = 05:30 UTC is before quiet hours end.
    assert send_now("appointment_soon", utc(2026, 6, 10, 5, 30), utc(2026, 6, 9, 21, 0), AMS, QUIET_START, QUIET_END) is True
    # 08:30 CEST is after they end.
    assert send_now("appointment_soon", utc(2026, 6, 10, 6, 30), utc(2026, 6, 9, 21, 0), AMS, QUIET_START, QUIET_END) is False


def test_send_now_across_autumn_dst_change_appointment_before_quiet_end_is_sent():
    # 2026-10-24 23:00 CEST = 21:00 UTC; quiet hours end 2026-10-25 08:00 CET = 07:00 UTC (10 h later).
    # Appointment 07:30 CET = 06:30 UTC, before quiet hours end: the 2 h reminder must go out.
    now = utc(2026, 10, 24, 21, 0)
    assert on_clock(now).replace(tzinfo=None) == datetime(2026, 10, 24, 23, 0)
    event_at = utc(2026, 10, 25, 6, 30)
    assert send_now("appointment_soon", event_at, now, AMS, QUIET_START, QUIET_END) is True


def test_send_now_across_spring_dst_change_event_after_quiet_end_waits():
    # 2026-03-28 23:00 CET = 22:00 UTC; quiet hours end 2026-03-29 08:00 CEST = 06:00 UTC (8 h later).
    # Appointment 08:30 CEST = 06:30 UTC starts after quiet hours end: the reminder should wait.
    now = utc(2026, 3, 28, 22, 0)
    event_at = utc(2026, 3, 29, 6, 30)
    assert send_now("appointment_soon", event_at, now, AMS, QUIET_START, QUIET_END) is False


def test_everyone_a_session_concerns_gets_their_own_reminder():
    # Two people the same session concerns: two reminders with different outbox keys and Topics,
    # so neither takes the other's place in the outbox or on the phone.
    now = START - 24 * H
    first = of_kind(plan_client(facts(now), "person-1", [SESSION], now, AMS, RULES, URLS), "session_day")
    second = of_kind(plan_client(facts(now), "person-2", [SESSION], now, AMS, RULES, URLS), "session_day")
    assert len(first) == len(second) == 1
    assert first[0].key != second[0].key and first[0].topic != second[0].topic
    assert first[0].due_at == second[0].due_at and first[0].params == second[0].params
