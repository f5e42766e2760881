"""Which reminders are due for whom, planned from plain facts (domain.md §7).

A reminder is identified by (kind, subject, due moment); the outbox stores that key UNIQUE, so
planning can run as often as it likes. Planning looks a little ahead (`horizon`) and a little back
(`grace`): late reminders are still sent, stale ones are not.
"""
import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache

from .hours import Category
from .progress import ClientFacts, exam_parts
from .exams import booked_on, part_state
from .routes import EXAM_PARTS, Leerroute, map_required
from .rules import Rules
from .termijn import termijn_info

HOUR = 3600
DAY = 86400

# kind → (urgency, time to live in seconds) of the push message (RFC 8030).
DELIVERY = {
    "appointment_day": ("normal", 12 * HOUR),
    "appointment_soon": ("high", 2 * HOUR),
    "session_day": ("normal", 12 * HOUR),
    "session_soon": ("high", 2 * HOUR),
    "exam_week": ("normal", 2 * DAY),
    "exam_day": ("normal", 12 * HOUR),
    "exam_soon": ("high", 2 * HOUR),
    "exam_registration": ("normal", 3 * DAY),
    "exam_retake": ("normal", 3 * DAY),
    "termijn_milestone": ("low", 7 * DAY),
    "verlenging_window": ("low", 7 * DAY),
    "inactivity": ("low", 2 * DAY),
    "digest": ("normal", 12 * HOUR),
}
KINDS = tuple(DELIVERY)
# Kinds whose event may start before quiet hours end: these are sent during quiet hours too.
TIME_CRITICAL = frozenset({"appointment_soon", "session_soon", "exam_soon", "appointment_day", "session_day",
                           "exam_day"})


@dataclass(frozen=True)
class Event:
    """Something with a start time that a person should not miss: appointment or group session."""

    kind: str            # "appointment" or "session"
    subject: str         # public id
    starts_at: datetime  # naive UTC
    label: str           # appointment kind code or session category
    place: str | None = None


@dataclass(frozen=True)
class Reminder:
    """One message to one person, due at `due_at` (naive UTC)."""

    kind: str
    subject: str
    due_at: datetime
    url: str
    params: dict = field(default_factory=dict)
    event_at: datetime | None = None

    @property
    def key(self) -> str:
        """Unique outbox key: kind, subject and due moment."""
        return f"{self.kind}:{self.subject}:{self.due_at.isoformat(timespec='minutes')}"

    def for_person(self, person: str) -> "Reminder":
        """This reminder for one of the people a shared event concerns (a group session): the person
        is part of the subject, so each gets their own outbox row, inbox message and Topic."""
        return replace(self, subject=f"{person}:{self.subject}")

    @property
    def urgency(self) -> str:
        return DELIVERY[self.kind][0]

    @property
    def ttl(self) -> int:
        """Seconds the push service may keep trying; never beyond the event itself."""
        ttl = DELIVERY[self.kind][1]
        if self.event_at is not None:
            ttl = max(60, min(ttl, int((self.event_at - self.due_at).total_seconds())))
        return ttl

    @property
    def topic(self) -> str:
        """A newer message about the same subject replaces an older one still waiting (RFC 8030 Topic)."""
        family = self.kind.split("_")[0]
        return hashlib.sha256(f"{family}:{self.subject}".encode()).hexdigest()[:32]


def _local(day: date, at: time, zone: tzinfo) -> datetime:
    """A local wall-clock moment → naive UTC."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def in_window(due: datetime, now: datetime, rules: Rules) -> bool:
    """Due within [now − grace, now + horizon]."""
    return now - timedelta(minutes=rules.reminder_grace_minutes) <= due <= now + timedelta(
        hours=rules.reminder_horizon_hours)


@lru_cache(maxsize=64)
def send_days(now: datetime, zone: tzinfo, rules: Rules) -> frozenset[date]:
    """The local days whose reminder send time (`rules.reminder_send_time`) is in the window around `now`.

    The same for everybody in one zone at one planning run, so a person's dated reminders
    (milestones, verlenging, registration, retake, inactivity) are a set lookup each instead of a
    time zone conversion each. A UTC offset is less than a day, so the send moment of a day lies
    within a day or two of it: the days three either side of the window are all there can be.
    """
    send_at = time.fromisoformat(rules.reminder_send_time)
    day = (now - timedelta(minutes=rules.reminder_grace_minutes) - timedelta(days=3)).date()
    last = (now + timedelta(hours=rules.reminder_horizon_hours) + timedelta(days=3)).date()
    days = set()
    while day <= last:
        if in_window(_local(day, send_at, zone), now, rules):
            days.add(day)
        day += timedelta(days=1)
    return frozenset(days)


LESSONS = frozenset({Category.TAALLES.value, Category.KNM_LES.value})


def reminder_hours(event: Event, rules: Rules) -> tuple[int, ...]:
    """How many hours before the event its reminders go (domain §7): lessons only shortly before."""
    if event.kind == "session" and event.label in LESSONS:
        return rules.lesson_reminder_hours
    return rules.event_reminder_hours


def plan_events(events: list[Event], now: datetime, rules: Rules, url: str) -> list[Reminder]:
    """Appointments and group sessions: a day before and shortly before; lessons an hour before (domain §7)."""
    out = []
    for event in events:
        if event.starts_at <= now:
            continue
        for hours in reminder_hours(event, rules):
            due = event.starts_at - timedelta(hours=hours)
            kind = f"{event.kind}_{'day' if hours >= 12 else 'soon'}"
            if in_window(due, now, rules):
                out.append(Reminder(kind, event.subject, due, url, event_at=event.starts_at,
                                    params={"label": event.label, "starts_at": event.starts_at.isoformat(),
                                            "place": event.place}))
    return out


def plan_sessions(events: list[Event], now: datetime, rules: Rules, urls: dict[str, str]) -> list[Reminder]:
    """The group sessions among `events`: the same reminders for everyone a session concerns, so a
    planner may ask once per session instead of once per person; each person gets them through
    Reminder.for_person (plan_client does the same)."""
    return plan_events([e for e in events if e.kind == "session"], now, rules, urls["logbook"])


def plan_client(facts: ClientFacts, subject: str, events: list[Event], now: datetime, zone: tzinfo,
                rules: Rules, urls: dict[str, str]) -> list[Reminder]:
    """Every reminder due for one statushouder around `now` (naive UTC)."""
    out = []
    if events:
        out += plan_events([e for e in events if e.kind == "appointment"], now, rules, urls["appointments"])
        out += [r.for_person(subject) for r in plan_sessions(events, now, rules, urls)]
    if facts.first_dagtekening is None or facts.leerroute is None:
        return out
    send_at = time.fromisoformat(rules.reminder_send_time)
    days = send_days(now, zone, rules)
    termijn = termijn_info(facts.first_dagtekening, facts.today, rules, facts.extended_until)

    if facts.leerroute == Leerroute.B.value:
        parts = exam_parts(facts)
        for code, part in parts.items():
            if not part.attempts:
                continue    # "open" with nothing failed: only the registration reminders below
            state = part_state(part, facts.today)
            if state == "booked":
                exam_on = booked_on(part, facts.today)
                starts = _local(exam_on, time.fromisoformat(rules.exam_assumed_time), zone)
                for hours, kind in zip(rules.exam_reminder_hours, ("exam_week", "exam_day", "exam_soon")):
                    due = starts - timedelta(hours=hours)
                    if starts > now and in_window(due, now, rules):
                        out.append(Reminder(kind, f"{subject}:{code}:{exam_on.isoformat()}", due, urls["exam"],
                                            params={"part": code, "date": exam_on.isoformat()}, event_at=starts))
            failed = [a for a in part.attempts if (a.result or "").upper() == "GEZAKT"] if state == "open" else []
            if failed:
                last = max(a.exam_date for a in failed)
                if last + timedelta(days=1) in days:
                    due = _local(last + timedelta(days=1), send_at, zone)
                    out.append(Reminder("exam_retake", f"{subject}:{code}:{last.isoformat()}", due, urls["exam"],
                                        params={"part": code, "by": termijn.latest_exam_registration.isoformat()}))
        if not termijn.overdue:
            open_parts = None
            for before in rules.registration_reminder_days:
                day = termijn.latest_exam_registration - timedelta(days=before)
                if day not in days:
                    continue
                if open_parts is None:
                    open_parts = [c for c in EXAM_PARTS if part_state(parts[c], facts.today) == "open"]
                if open_parts:
                    out.append(Reminder("exam_registration", f"{subject}:{before}", _local(day, send_at, zone),
                                        urls["exam"], params={"parts": open_parts,
                                                              "by": termijn.latest_exam_registration.isoformat()}))

    for months, day in termijn.milestones:
        if day in days:
            out.append(Reminder("termijn_milestone", f"{subject}:{months}", _local(day, send_at, zone), urls["home"],
                                params={"months": months, "last_day": termijn.last_day.isoformat()}))
    if termijn.verlenging_window_opens in days:
        out.append(Reminder("verlenging_window", subject, _local(termijn.verlenging_window_opens, send_at, zone),
                            urls["help"], params={"last_day": termijn.last_day.isoformat()}))

    # No entries for a while while MAP or the Z-route needs hours: one nudge per quiet spell.
    route = Leerroute(facts.leerroute)
    hours_needed = (route is Leerroute.Z and facts.z_eindgesprek_on is None) or (
        map_required(route) and facts.map_eindgesprek_on is None)
    if hours_needed and not termijn.overdue:
        last = max(filter(None, (facts.last_entry_on, facts.first_dagtekening)))
        day = last + timedelta(days=rules.inactivity_days + 1)
        if day in days:
            out.append(Reminder("inactivity", f"{subject}:{last.isoformat()}", _local(day, send_at, zone),
                                urls["logbook"], params={"days": rules.inactivity_days}))
    return out


def plan_digest(subject: str, pending: int, new_risks: int, today: date, now: datetime, zone: tzinfo,
                rules: Rules, url: str) -> list[Reminder]:
    """The contactpersoon's daily digest, only on days with something to do."""
    if pending == 0 and new_risks == 0:
        return []
    due = _local(today, time.fromisoformat(rules.reminder_send_time), zone)
    if not in_window(due, now, rules):
        return []
    return [Reminder("digest", subject, due, url, params={"pending": pending, "new_risks": new_risks})]


def in_quiet_hours(local_now: time, start: time, end: time) -> bool:
    """True inside [start, end), which may run past midnight (21:00–08:00)."""
    if start == end:
        return False
    if start < end:
        return start <= local_now < end
    return local_now >= start or local_now < end


def quiet_end_after(local_now: datetime, end: time) -> datetime:
    """The next local moment quiet hours end (naive local)."""
    candidate = datetime.combine(local_now.date(), end)
    return candidate if candidate > local_now else candidate + timedelta(days=1)


def quiet_until(now: datetime, zone: tzinfo, quiet_start: time, quiet_end: time) -> datetime | None:
    """When quiet hours are on at `now` (naive UTC): the naive UTC moment they end; otherwise None.

    Computed on the person's clock and converted back, so the nights the clocks change count right.
    """
    local_now = now.replace(tzinfo=timezone.utc).astimezone(zone)
    if not in_quiet_hours(local_now.time().replace(tzinfo=None), quiet_start, quiet_end):
        return None
    end_local = quiet_end_after(local_now.replace(tzinfo=None), quiet_end)
    return end_local.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def send_now(kind: str, event_at: datetime | None, now: datetime, zone: tzinfo, quiet_start: time,
             quiet_end: time) -> bool:
    """Quiet hours hold, except for a time-critical reminder whose event begins before they end.

    `now` and `event_at` are naive UTC; quiet hours are on the person's clock in `zone`.
    """
    until = quiet_until(now, zone, quiet_start, quiet_end)
    if until is None:
        return True
    return kind in TIME_CRITICAL and event_at is not None and event_at < until
