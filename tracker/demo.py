"""Demo data: gemeente Nijkerk with staff and statushouders in every stage of the inburgering, and a
small second gemeente (Barneveld) so tenant separation can be seen.

`flask --app app demo` calls `load()`. Every date is relative to `today`; a seeded random generator
makes the data the same on every run for the same `today` (only the random ids differ). Entries
follow the rules a real statushouder meets: weekdays only, never in the future, never before the
coupling, 1-4 hours each and at most 24 hours a day; only the contactpersoon confirms or rejects.
"""
import datetime
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from .audit import record
from .domain.hours import Category, Status
from .domain.steps import DEFAULT_STEPS, StepStatus
from .domain.termijn import add_months, termijn_end
from .domain.rules import Rules
from .extensions import db
from .models import (Appointment, Client, Entry, ExamAttempt, ExamPart, Gemeente, GroupSession, PipVersion,
                     Step, User, Verlenging, utcnow)
from .security import hash_password

__all__ = ["PASSWORD", "load"]

PASSWORD = "mijnroute-demo"
# The demo admins' authenticator key (base32). Current code: python -c "import pyotp; print(pyotp.TOTP('…').now())"
DEMO_TOTP_SECRET = "MIJNROUTEDEMO2FAKEYFORADMINSXX23"
TIMEZONE = "Europe/Amsterdam"
BATCH = 500
# Entries of the last week are still waiting for the contactpersoon; older ones are decided.
PENDING_DAYS = 7

TAALLES = Category.TAALLES.value
KNM_LES = Category.KNM_LES.value
ALFA = Category.ALFABETISERING.value
VRIJWILLIG = Category.PARTICIPATIE_VRIJWILLIGERSWERK.value
STAGE = Category.PARTICIPATIE_STAGE.value
WERK = Category.PARTICIPATIE_BETAALD_WERK.value
PART_OVERIG = Category.PARTICIPATIE_OVERIG.value
MAP_WORKSHOP = Category.MAP_WORKSHOP.value
MAP_PRAKTIJK = Category.MAP_PRAKTIJK.value
PVT = Category.PVT_SESSIE.value
ZELFSTUDIE = Category.ZELFSTUDIE.value

INTEGRATIEWERK = "Stichting Integratiewerk, Nijkerk"
ONLINE = "Online les, Stichting Integratiewerk"
VOEDSELBANK = "Voedselbank Nijkerk"
KRINGLOOP = "Kringloopwinkel Nijkerk"
TAALCAFE = "Bibliotheek Nijkerk (Taalcafé)"
GEMEENTEHUIS = "Gemeentehuis Nijkerk"
VLUCHTELINGENWERK = "VluchtelingenWerk, Nijkerk"
ZORG = "Woonzorgcentrum in Nijkerk"
MBO = "Taalschakeltraject, mbo in Amersfoort"
BUURTHUIS = "Buurthuis Nijkerk-Oost"
EXAMENLOCATIE = "DUO-examenlocatie Utrecht"
BEGELEIDER = "VluchtelingenWerk Oost Nederland, team Nijkerk"

EXAM_NOTE = "Neem uw verblijfsdocument mee en kom 30 minuten eerder."

STEP_CODES = tuple(step.code for step in sorted(DEFAULT_STEPS, key=lambda s: s.order))

NIJKERK_SETTINGS = {"label_B": "B1-route", "contactpersoon_label": "klantmanager inburgering",
                    "voortgangsgesprek_weeks": 8}
BARNEVELD_SETTINGS = {"label_B": "B1-route", "contactpersoon_label": "regisseur inburgering",
                      "voortgangsgesprek_weeks": 6}

REJECT_NO_LESSON = "Op deze dag was er geen les: de taalschool had een studiedag. Klopt de datum?"
REJECT_DOUBLE = "Deze uren staan er al: u hebt deze dag al ingevoerd. Ik heb de eerste laten staan."
REJECT_SELF_STUDY = "Oefenen thuis is geen taalles. U kunt het invoeren als 'Zelfstudie'."
REJECT_TOO_MANY = "Volgens de presentielijst was de les 2 uur, niet 4 uur. Wilt u het aanpassen?"


@dataclass
class _Case:
    """One demo statushouder while it is being built."""

    user: User
    client: Client
    cp: User
    coupled: date


def _weekday_before(d: date) -> date:
    """`d`, or the Friday before when it is a weekend day."""
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return d


def _weekday_after(d: date) -> date:
    """`d`, or the Monday after when it is a weekend day."""
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _on_break(d: date) -> bool:
    """School holidays: no lessons around Christmas and in the summer."""
    return ((d.month == 12 and d.day >= 23) or (d.month == 1 and d.day <= 3)
            or date(d.year, 7, 20) <= d <= date(d.year, 8, 10))


def _spread(total: int, slots: list[date], rng: random.Random) -> list[tuple[date, Decimal]]:
    """Entries of 1-4 hours on some of `slots` that add up to exactly `total` hours."""
    target, low, high, step = Decimal(total), Decimal(1), Decimal(4), Decimal("0.5")
    count = max(1, min(len(slots), int(target / Decimal("2.75"))))
    while count * high < target:
        count += 1
    if count > len(slots):
        raise ValueError(f"{total} hours do not fit in {len(slots)} days")
    days = sorted(rng.sample(slots, count))
    hours = [Decimal(rng.choice(("2", "2.5", "3", "3", "3.5"))) for _ in days]
    diff = target - sum(hours)
    while diff:
        i = rng.randrange(count)
        if diff > 0 and hours[i] < high:
            hours[i] += step
            diff -= step
        elif diff < 0 and hours[i] > low:
            hours[i] -= step
            diff += step
    return list(zip(days, hours))


class _Demo:
    """Collects the demo rows; entries are inserted in bulk at the end."""

    def __init__(self, today: date, password_hash: str):
        self.today = today
        self.password_hash = password_hash
        self.rng = random.Random(2021_07_01)
        self.zone = ZoneInfo(TIMEZONE)
        self.now = utcnow()
        self.accounts: list[tuple[str, str]] = []
        self.entries: list[dict] = []
        self.day_totals: dict[tuple[int, date], Decimal] = {}
        # Entries from `pending_from` on are SUBMITTED; `confirmed_until` ends the confirmed history.
        self.pending_from = today - timedelta(days=PENDING_DAYS)
        self.confirmed_until = today - timedelta(days=PENDING_DAYS + 1)

    # -- dates -------------------------------------------------------------------------------

    def ago(self, days: int = 0, weeks: int = 0, months: int = 0) -> date:
        """A weekday in the past: today minus the given time (the Friday before a weekend)."""
        return _weekday_before(add_months(self.today, -months) - timedelta(days=days, weeks=weeks))

    def ahead(self, days: int) -> date:
        """A weekday in the next three weeks (1 <= days <= 19 keeps it within 21 days)."""
        return _weekday_after(self.today + timedelta(days=days))

    def utc(self, day: date, hour: int, minute: int = 0) -> datetime.datetime:
        """A local wall-clock time in Nijkerk as naive UTC, the way every moment is stored."""
        local = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=self.zone)
        return local.astimezone(datetime.UTC).replace(tzinfo=None)

    def days(self, start: date, end: date, weekdays: Iterable[int] = (0, 1, 2, 3, 4),
             breaks: bool = True) -> list[date]:
        """Weekdays from `start` to `end` (both included, never after yesterday), minus holidays.

        Holidays are not applied to the last three weeks, so an active person always has recent
        entries whatever day the demo is loaded.
        """
        weekdays = set(weekdays)
        end = min(end, self.today - timedelta(days=1))
        recent = self.today - timedelta(days=21)
        out, d = [], start
        while d <= end:
            if d.weekday() in weekdays and not (breaks and d < recent and _on_break(d)):
                out.append(d)
            d += timedelta(days=1)
        return out

    # -- accounts ----------------------------------------------------------------------------

    def gemeente(self, name: str, slug: str, settings: dict) -> Gemeente:
        return Gemeente.create(name=name, slug=slug, timezone=TIMEZONE, settings=settings,
                               created_at=self.utc(self.ago(months=40), 9))

    def user(self, gemeente: Gemeente, role: str, username: str, name: str, *, locale: str = "nl",
             email: str | None = None, phone: str | None = None, since: date | None = None) -> User:
        user = User.create(gemeente=gemeente, role=role, username=username, name=name, email=email, phone=phone,
                           password_hash=self.password_hash, locale=locale,
                           # Admins must log in with a second factor; the demo's key is in the README.
                           totp_secret=DEMO_TOTP_SECRET if role == "admin" else None,
                           created_at=self.utc(since or self.ago(months=39), 9, 30))
        self.accounts.append((username, role))
        return user

    def client(self, gemeente: Gemeente, username: str, name: str, cp: User, coupled: date, *,
               locale: str = "nl", duty_weeks_before: int = 10, **dates) -> _Case:
        """A statushouder account with its file. `dates` are the Client milestone dates."""
        user = self.user(gemeente, "statushouder", username, name, locale=locale, since=coupled)
        client = Client.create(user=user, gemeente=gemeente, contactpersoon=cp, coupled_on=coupled,
                               duty_start=coupled - timedelta(weeks=duty_weeks_before),
                               maatschappelijk_begeleider=BEGELEIDER if gemeente.slug == "nijkerk" else
                               "VluchtelingenWerk, team Barneveld",
                               created_at=self.utc(coupled, 10), **dates)
        return _Case(user, client, cp, coupled)

    # -- the file ----------------------------------------------------------------------------

    def pip(self, case: _Case, version: int, dagtekening: date, leerroute: str, niveau: str | None,
            reason: str, agreements: list[str], *, label: str | None = None, intensity: int | None = None):
        assert case.coupled <= dagtekening <= self.today and dagtekening >= case.client.duty_start
        return PipVersion.create(client=case.client, version=version, dagtekening=dagtekening, leerroute=leerroute,
                                 niveau=niveau, local_label=label, geschatte_intensiteit_b1=intensity,
                                 change_reason=reason, agreements=agreements, created_by=case.cp,
                                 created_at=self.utc(dagtekening, 11))

    def steps(self, case: _Case, current: str | None, dates: dict[str, date], notes: dict[str, str] | None = None):
        """The 8 steps: DONE before `current`, IN_PROGRESS at it, TODO after (all DONE when None)."""
        notes = notes or {}
        rows, reached = [], False
        for code in STEP_CODES:
            if current is None or (not reached and code != current):
                status = StepStatus.DONE.value
            elif code == current:
                status, reached = StepStatus.IN_PROGRESS.value, True
            else:
                status = StepStatus.TODO.value
            day = dates.get(code) if status != StepStatus.TODO.value else None
            assert day is None or day <= self.today, (code, day)
            rows.append({"client": case.client.id, "code": code, "status": status, "date": day,
                         "note": notes.get(code), "updated_by": case.cp.id,
                         "updated_at": self.utc(day, 12) if day else self.now})
        Step.insert_many(rows).execute()

    def step_dates(self, coupled: date, pip: date | None = None, **more: date) -> dict[str, date]:
        """Usual dates of the first steps, counted from the coupling and the first PIP."""
        dates = {"KOPPELING": coupled, "KENNISMAKING": _weekday_after(coupled + timedelta(days=8)),
                 "WONING": _weekday_after(coupled + timedelta(weeks=3))}
        if pip is not None:
            dates.update({"BREDE_INTAKE": _weekday_before(pip - timedelta(weeks=3)),
                          "PLAN": _weekday_before(pip - timedelta(weeks=1)), "PIP": pip,
                          "LEERROUTE": _weekday_after(pip + timedelta(weeks=1))})
        dates.update(more)
        return dates

    def exam(self, case: _Case, code: str, niveau: str | None, attempts: list[tuple[date, str | None]]):
        """One exam part with its attempts (date, result); result None = booked or awaiting."""
        part = ExamPart.create(client=case.client, code=code, niveau=niveau)
        for exam_date, result in attempts:
            assert result is None or exam_date <= self.today
            ExamAttempt.create(part=part, exam_date=exam_date, niveau=niveau, result=result, created_by=case.cp,
                               created_at=self.utc(min(exam_date, self.today), 15))
        return part

    def appointment(self, case: _Case, kind: str, day: date, hour: int, minute: int = 0, *,
                    location: str = GEMEENTEHUIS, with_whom: str | None = None, notes: str | None = None):
        if day > self.today:
            assert day <= self.today + timedelta(days=21) and 9 <= hour < 15 and day.weekday() < 5
        Appointment.create(client=case.client, kind=kind, starts_at=self.utc(day, hour, minute), location=location,
                           with_whom=with_whom if with_whom is not None else case.cp.name, notes=notes,
                           created_by=case.cp, created_at=self.utc(min(day, self.today) - timedelta(days=10), 10))

    # -- entries -----------------------------------------------------------------------------

    def entry(self, case: _Case, day: date, category: str, hours, place: str | None, *, status: str | None = None,
              physical: bool = True, note: str | None = None, reason: str | None = None,
              session: GroupSession | None = None):
        """One hour entry; its status follows from its age unless given."""
        hours = Decimal(str(hours))
        assert case.coupled <= day <= self.today and day.weekday() < 5, (case.user.username, day)
        assert Decimal(1) <= hours <= Decimal(4) and hours % Decimal("0.25") == 0, hours
        if status is None:
            status = Status.SUBMITTED.value if (self.today - day).days <= PENDING_DAYS else Status.CONFIRMED.value
        if status == Status.REJECTED.value:
            assert reason
        else:
            key = (case.client.id, day)
            self.day_totals[key] = self.day_totals.get(key, Decimal(0)) + hours
            assert self.day_totals[key] <= 24, key
        created = min(self.utc(day, 19, 30) + timedelta(minutes=self.rng.randrange(0, 120)), self.now)
        decided_at = None
        if status in (Status.CONFIRMED.value, Status.REJECTED.value):
            decided_day = _weekday_after(day + timedelta(days=self.rng.randint(1, 5)))
            decided_day = min(decided_day, self.today - timedelta(days=1))
            decided_at = max(self.utc(decided_day, self.rng.randint(9, 15), self.rng.choice((0, 15, 30, 45))),
                             created + timedelta(minutes=5))
        self.entries.append({
            "public_id": uuid.uuid4(), "client_uuid": uuid.uuid4(), "client": case.client.id,
            "session": session.id if session else None, "category": category, "entry_date": day,
            "hours": hours, "physical": physical, "place": place, "note": note, "status": status,
            "rejection_reason": reason if status == Status.REJECTED.value else None,
            "decided_by": case.cp.id if decided_at else None, "decided_at": decided_at,
            "created_by": case.user.id, "created_at": created, "updated_at": decided_at or created,
        })

    def series(self, case: _Case, category: str, start: date, end: date, weekdays: Iterable[int], hours,
               place: str, *, online_share: float = 0.0, note: str | Callable[[date], str | None] | None = None,
               breaks: bool = True, skip: float = 0.08):
        """A regular activity (a lesson every Monday, ...). `hours` is a number or a tuple to choose from.

        Some old days are skipped (illness, appointments); never in the last three weeks.
        """
        recent = self.today - timedelta(days=21)
        for day in self.days(start, end, weekdays, breaks):
            if day < recent and self.rng.random() < skip:
                continue
            value = self.rng.choice(hours) if isinstance(hours, tuple) else hours
            online = self.rng.random() < online_share
            self.entry(case, day, category, value, ONLINE if online else place, physical=not online,
                       note=note(day) if callable(note) else note)

    def exact(self, case: _Case, total: int, slots: list[date], category: Callable[[date], str],
              place: Callable[[date], str], *, online: Callable[[date], bool] = lambda d: False):
        """Confirmed entries on some of `slots` adding up to exactly `total` hours."""
        assert all((self.today - d).days > PENDING_DAYS for d in slots)
        for day, hours in _spread(total, slots, self.rng):
            is_online = online(day)
            self.entry(case, day, category(day), hours, ONLINE if is_online else place(day),
                       physical=not is_online, status=Status.CONFIRMED.value)

    def flush(self):
        for start in range(0, len(self.entries), BATCH):
            Entry.insert_many(self.entries[start:start + BATCH]).execute()
        self.entries = []


# -- gemeente Nijkerk ------------------------------------------------------------------------------

def _nijkerk(demo: _Demo) -> None:
    nijkerk = demo.gemeente("Nijkerk", "nijkerk", NIJKERK_SETTINGS)
    demo.user(nijkerk, "admin", "demo-admin", "Gert van den Berg", email="g.vandenberg@nijkerk.example",
              phone="033 000 12 00")
    cp = demo.user(nijkerk, "contactpersoon", "demo-contactpersoon", "Sanne de Vries",
                   email="s.devries@nijkerk.example", phone="033 000 12 34")
    cp2 = demo.user(nijkerk, "contactpersoon", "demo-contactpersoon2", "Youssef El Amrani",
                    email="y.elamrani@nijkerk.example", phone="033 000 12 56")
    sessions = _sessions(demo, nijkerk, cp)

    _b1_halfway(demo, nijkerk, cp, sessions)
    _just_coupled(demo, nijkerk, cp)
    _in_intake(demo, nijkerk, cp, sessions)
    _pip_late(demo, nijkerk, cp)
    _pip_fresh(demo, nijkerk, cp2, sessions)
    _map_done(demo, nijkerk, cp)
    _exam_phase(demo, nijkerk, cp)
    _six_hundred_hours(demo, nijkerk, cp)
    _zroute_near(demo, nijkerk, cp, sessions)
    _termijn_near(demo, nijkerk, cp)
    _onderwijsroute(demo, nijkerk, cp2, sessions)
    _diploma(demo, nijkerk, cp)
    _certificaat(demo, nijkerk, cp2)
    _verlenging(demo, nijkerk, cp)
    _inactive(demo, nijkerk, cp2)


def _sessions(demo: _Demo, gemeente: Gemeente, cp: User) -> dict[str, GroupSession]:
    """Group sessions in the last 10 and the next 10 days, 2 hours each."""
    plan = (
        ("knm", KNM_LES, "KNM: werk en inkomen", -8, 9, 30, INTEGRATIEWERK),
        ("pvt", PVT, "PVT: vrijheid en gelijkwaardigheid", -6, 13, 30, INTEGRATIEWERK),
        ("map", MAP_WORKSHOP, "MAP-workshop: solliciteren en je netwerk", -3, 10, 0, GEMEENTEHUIS),
        ("knm_next", KNM_LES, "KNM: gezondheid en zorg", 2, 9, 30, INTEGRATIEWERK),
        ("pvt_next", PVT, "PVT: solidariteit en participatie", 6, 13, 30, INTEGRATIEWERK),
        ("map_next", MAP_WORKSHOP, "MAP-workshop: werken in Nederland", 8, 10, 0, GEMEENTEHUIS),
    )
    out = {}
    for key, category, title, offset, hour, minute, location in plan:
        if offset < 0:
            day = _weekday_after(demo.today + timedelta(days=offset))
            if day >= demo.today:
                day = _weekday_before(demo.today + timedelta(days=offset))
        else:
            day = demo.ahead(offset)
        starts = demo.utc(day, hour, minute)
        out[key] = GroupSession.create(gemeente=gemeente, category=category, title=title, starts_at=starts,
                                       ends_at=starts + timedelta(hours=2), location=location, created_by=cp,
                                       created_at=demo.utc(demo.today - timedelta(days=20), 10))
    return out


def _attend(demo: _Demo, case: _Case, session: GroupSession) -> None:
    """The one-tap attendance entry for a past group session."""
    demo.entry(case, session.starts_at.date(), session.category, 2, session.location, note=session.title,
               session=session)


def _b1_halfway(demo: _Demo, g: Gemeente, cp: User, sessions) -> None:
    """B1-route, first PIP 14 months ago: the richest file (pending, rejected, exams, appointments)."""
    pip1 = demo.ago(months=14)
    pip2 = _weekday_after(add_months(pip1, 5))
    coupled = _weekday_before(pip1 - timedelta(weeks=9))
    pvt_signed = _weekday_after(add_months(pip1, 4))
    case = demo.client(g, "demo-statushouder", "Amira Al-Hassan", cp, coupled, pvt_signed_on=pvt_signed)
    demo.pip(case, 1, pip1, "B", "B1", "INITIEEL", [
        "U volgt 3 dagdelen per week taalles bij Stichting Integratiewerk.",
        "U doet 1 dagdeel per week vrijwilligerswerk bij de Voedselbank Nijkerk.",
        "U volgt de KNM-lessen en het participatieverklaringstraject (PVT) in het eerste jaar.",
        "Elke 8 weken hebt u een voortgangsgesprek met uw klantmanager.",
    ], intensity=1200)
    demo.pip(case, 2, pip2, "B", "B1", "OVERIG", [
        "U volgt nu 4 dagdelen per week taalles, want de kinderopvang is geregeld.",
        "Uw jongste kind gaat 2 dagen per week naar de kinderopvang; de gemeente betaalt de eigen bijdrage.",
        "U doet de MAP-werkervaring bij de Kringloopwinkel Nijkerk (minstens 40 uur).",
        "Elke 8 weken hebt u een voortgangsgesprek met uw klantmanager.",
    ], intensity=1200)
    demo.steps(case, "LEERROUTE", demo.step_dates(coupled, pip1), {
        "KOPPELING": "Gekoppeld door het COA vanuit azc Budel.",
        "WONING": "Woning in Nijkerk-Oost; sleutel ontvangen.",
        "BREDE_INTAKE": "Leerbaarheidstoets: B1 haalbaar.",
        "PIP": "Beschikking PIP verstuurd. In versie 2 (kinderopvang) meer taalles.",
    })

    start = _weekday_after(pip1 + timedelta(days=10))
    lesson_note = lambda d: "Examentraining" if d > demo.ago(months=3) else None  # noqa: E731
    demo.series(case, TAALLES, start, pip2, (0, 2, 3), (2, 2.5, 2.5), INTEGRATIEWERK, online_share=0.1)
    demo.series(case, TAALLES, pip2 + timedelta(days=1), demo.today, (0, 1, 2, 3), (2, 2.5, 2.5),
                INTEGRATIEWERK, online_share=0.1, note=lesson_note)
    demo.series(case, KNM_LES, start, start + timedelta(weeks=20), (4,), 2, INTEGRATIEWERK)
    demo.series(case, VRIJWILLIG, _weekday_after(coupled + timedelta(weeks=6)), pip2, (1,), 3, VOEDSELBANK)
    demo.series(case, VRIJWILLIG, pip2 + timedelta(days=1), demo.ago(months=3), (4,), 3, VOEDSELBANK)
    demo.series(case, MAP_PRAKTIJK, demo.ago(months=3) + timedelta(days=1), demo.today, (4,), (3, 3.5),
                KRINGLOOP, note="MAP-werkervaring: kassa en winkel inrichten")
    for n in range(4):
        demo.entry(case, _weekday_before(pvt_signed - timedelta(weeks=2 * (4 - n))), PVT, 3, INTEGRATIEWERK,
                   note=f"PVT-bijeenkomst {n + 1}")
    for n in range(5):
        demo.entry(case, _weekday_after(add_months(pip1, 8 + n)), MAP_WORKSHOP, 2, GEMEENTEHUIS,
                   note=f"MAP-workshop {n + 1}")
    for weeks in (2, 5, 9):
        demo.entry(case, demo.ago(weeks=weeks, days=1), ZELFSTUDIE, 1, "Thuis",
                   note="Oefenen met de oefenexamens van DUO")
    _attend(demo, case, sessions["map"])
    # Two entries that waited longer than a week, and two the contactpersoon did not accept.
    demo.entry(case, demo.ago(days=10), ZELFSTUDIE, 1.5, "Thuis", status=Status.SUBMITTED.value,
               note="Woordjes leren met de app")
    demo.entry(case, demo.ago(days=12), PART_OVERIG, 2, "Basisschool in Nijkerk", status=Status.SUBMITTED.value,
               note="Helpen bij de kinderboerderij-dag van school")
    five_weeks, three_weeks = demo.ago(weeks=5), demo.ago(weeks=3)
    demo.entry(case, five_weeks + timedelta(days=4 - five_weeks.weekday()), TAALLES, 2.5, INTEGRATIEWERK,
               status=Status.REJECTED.value, reason=REJECT_NO_LESSON)
    demo.entry(case, three_weeks + timedelta(days=4 - three_weeks.weekday()), MAP_PRAKTIJK, 3, KRINGLOOP,
               status=Status.REJECTED.value, reason=REJECT_DOUBLE)

    knm_on = _weekday_after(add_months(pip1, 7))
    demo.exam(case, "KNM", None, [(knm_on, "GESLAAGD")])
    retake = demo.ahead(18)
    demo.exam(case, "LE", "B1", [(demo.ago(weeks=7), "GEZAKT"), (retake, None)])
    demo.exam(case, "LU", "B1", [(retake, None)])
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(4), 10, location=GEMEENTEHUIS,
                     notes="Hoe gaat de examentraining? Neem uw rooster van de taalschool mee.")
    demo.appointment(case, "EXAM", retake, 9, 30, location=EXAMENLOCATIE, with_whom="DUO",
                     notes="Staatsexamen NT2: lezen (herkansing) en luisteren. " + EXAM_NOTE)
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ago(weeks=8), 10, 30, location=GEMEENTEHUIS)
    demo.appointment(case, "EXAM", demo.ago(weeks=7), 9, 30, location=EXAMENLOCATIE, with_whom="DUO",
                     notes="Staatsexamen NT2: lezen. " + EXAM_NOTE)
    demo.appointment(case, "PVT_ONDERTEKENING", pvt_signed, 14, location=VLUCHTELINGENWERK,
                     with_whom="VluchtelingenWerk", notes="Ondertekening van de participatieverklaring.")


def _just_coupled(demo: _Demo, g: Gemeente, cp: User) -> None:
    """Coupled two weeks ago: no house yet, no PIP, first intake talk planned."""
    coupled = demo.ago(weeks=2)
    case = demo.client(g, "demo-nieuw", "Yonas Tesfaye", cp, coupled, locale="en", duty_weeks_before=6)
    met = _weekday_after(coupled + timedelta(days=6))
    demo.steps(case, "WONING", {"KOPPELING": coupled, "KENNISMAKING": met, "WONING": met}, {
        "KOPPELING": "Gekoppeld door het COA vanuit azc Ter Apel.",
        "KENNISMAKING": "Warme overdracht in het azc, met een tolk Tigrinya.",
        "WONING": "Er is een woning gevonden; de sleutel volgt.",
    })
    demo.appointment(case, "KENNISMAKING", met, 11, location="azc Ter Apel",
                     notes="Kennismaking met de klantmanager en de maatschappelijk begeleider.")
    demo.appointment(case, "INTAKE_GESPREK", demo.ahead(6), 10, location=GEMEENTEHUIS,
                     notes="Eerste gesprek van de brede intake. Er is een tolk Tigrinya bij het gesprek.")


def _in_intake(demo: _Demo, g: Gemeente, cp: User, sessions) -> None:
    """Coupled 8 weeks ago: brede intake in progress, leerbaarheidstoets this week."""
    coupled = demo.ago(weeks=8)
    case = demo.client(g, "demo-intake", "Fatima Saleh Al-Hakimi", cp, coupled, duty_weeks_before=9)
    intake = _weekday_after(coupled + timedelta(weeks=5))
    demo.steps(case, "BREDE_INTAKE", demo.step_dates(coupled, BREDE_INTAKE=intake), {
        "KOPPELING": "Gekoppeld door het COA vanuit azc Zweeloo.",
        "BREDE_INTAKE": "Eerste intakegesprek gehad; leerbaarheidstoets gepland.",
    })
    demo.series(case, TAALLES, _weekday_after(coupled + timedelta(weeks=4)), demo.today, (2,), 2, TAALCAFE,
                note="Taalcafé")
    _attend(demo, case, sessions["knm"])
    demo.appointment(case, "INTAKE_GESPREK", intake, 10, notes="Eerste gesprek van de brede intake.")
    demo.appointment(case, "LEERBAARHEIDSTOETS", demo.ahead(3), 9, 30,
                     notes="De toets duurt ongeveer 1 uur, op de computer. Instructie in het Arabisch.")
    demo.appointment(case, "INTAKE_GESPREK", demo.ahead(10), 13, 30,
                     notes="Tweede gesprek: opleiding, werk en gezondheid. U mag ook zonder uw partner praten.")


def _pip_late(demo: _Demo, g: Gemeente, cp: User) -> None:
    """Coupled 12 weeks ago and still no PIP: the 10-week deadline has passed."""
    coupled = demo.ago(weeks=12)
    case = demo.client(g, "demo-pip-laat", "Ahmad Shah Rahimi", cp, coupled)
    house = _weekday_after(coupled + timedelta(weeks=6))
    intake = _weekday_after(coupled + timedelta(weeks=10))
    demo.steps(case, "PLAN", demo.step_dates(coupled, WONING=house, BREDE_INTAKE=intake, PLAN=intake), {
        "WONING": "Pas na 6 weken een woning; daardoor is de intake later begonnen.",
        "BREDE_INTAKE": "Leerbaarheidstoets: B1 haalbaar. Ervaring als elektricien.",
    })
    demo.series(case, VRIJWILLIG, _weekday_after(coupled + timedelta(weeks=7)), demo.today, (3,), 3, KRINGLOOP)
    demo.appointment(case, "PIP_GESPREK", demo.ahead(2), 11,
                     notes="We maken de afspraken voor uw PIP af. De beschikking volgt daarna.")


def _pip_fresh(demo: _Demo, g: Gemeente, cp: User, sessions) -> None:
    """PIP adopted three weeks ago; lessons have just started."""
    pip = demo.ago(weeks=3)
    coupled = _weekday_before(pip - timedelta(weeks=7))
    case = demo.client(g, "demo-pip-vers", "Mehmet Yıldız", cp, coupled, locale="en")
    demo.pip(case, 1, pip, "B", "B1", "INITIEEL", [
        "U volgt 4 dagdelen per week taalles bij Stichting Integratiewerk.",
        "Na 3 maanden zoeken we samen een plek voor de MAP-werkervaring.",
        "U start binnen 6 maanden met het participatieverklaringstraject (PVT).",
    ], intensity=1000)
    demo.steps(case, "LEERROUTE", demo.step_dates(coupled, pip), {"PIP": "Beschikking PIP verstuurd."})
    demo.series(case, TAALLES, _weekday_after(pip + timedelta(days=5)), demo.today, (0, 1, 2, 3), 2.5,
                INTEGRATIEWERK)
    _attend(demo, case, sessions["knm"])
    _attend(demo, case, sessions["pvt"])
    demo.appointment(case, "PIP_GESPREK", _weekday_before(pip - timedelta(days=5)), 10)
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(14), 14)


def _map_done(demo: _Demo, g: Gemeente, cp: User) -> None:
    """B1-route, 19 months in: MAP finished (eindgesprek held), exams not yet registered."""
    pip = demo.ago(months=19)
    coupled = _weekday_before(pip - timedelta(weeks=8))
    map_done = demo.ago(weeks=4)
    case = demo.client(g, "demo-map-klaar", "Hodan Abdi Mohamed", cp, coupled,
                       pvt_signed_on=_weekday_after(add_months(pip, 5)), map_eindgesprek_on=map_done)
    demo.pip(case, 1, pip, "B", "B1", "INITIEEL", [
        "U volgt 3 dagdelen per week taalles bij Stichting Integratiewerk.",
        "U doet de MAP-werkervaring in de zorg (minstens 40 uur).",
        "U volgt de KNM-lessen in de eerste 6 maanden.",
    ], intensity=1100)
    demo.steps(case, "LEERROUTE", demo.step_dates(coupled, pip),
               {"LEERROUTE": "MAP afgerond op " + map_done.strftime("%d-%m-%Y") + "."})
    start = _weekday_after(pip + timedelta(days=7))
    demo.series(case, TAALLES, start, demo.today, (0, 2, 3), (2, 2.5), INTEGRATIEWERK)
    demo.series(case, KNM_LES, start, add_months(start, 5), (4,), 2, INTEGRATIEWERK)
    praktijk = demo.days(demo.ago(months=5), demo.ago(weeks=7), (1, 3))
    demo.exact(case, 46, praktijk, lambda d: MAP_PRAKTIJK, lambda d: ZORG)
    for n in range(8):
        demo.entry(case, _weekday_after(add_months(pip, 6) + timedelta(weeks=2 * n)), MAP_WORKSHOP, 2,
                   GEMEENTEHUIS, note=f"MAP-workshop {n + 1}")
    demo.appointment(case, "MAP_EINDGESPREK", map_done, 11, notes="Eindgesprek MAP.")
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(9), 9, 30,
                     notes="Plannen van de examens: wanneer meldt u zich aan?")


def _exam_phase(demo: _Demo, g: Gemeente, cp: User) -> None:
    """B1-route, 26 months in: three parts passed, writing failed, speaking awaits its result."""
    pip = demo.ago(months=26)
    coupled = _weekday_before(pip - timedelta(weeks=9))
    case = demo.client(g, "demo-examen", "Semhar Tekle Gebremedhin", cp, coupled,
                       pvt_signed_on=_weekday_after(add_months(pip, 6)),
                       map_eindgesprek_on=_weekday_after(add_months(pip, 14)))
    demo.pip(case, 1, pip, "B", "B1", "INITIEEL", [
        "U volgt 3 dagdelen per week taalles bij Stichting Integratiewerk.",
        "U doet 1 dagdeel per week vrijwilligerswerk bij de Voedselbank Nijkerk.",
        "Elke 8 weken hebt u een voortgangsgesprek met uw klantmanager.",
    ], intensity=1100)
    lessons_done = demo.ago(months=4)
    demo.steps(case, "AFRONDING", demo.step_dates(coupled, pip, LEERROUTE=lessons_done, AFRONDING=lessons_done), {
        "LEERROUTE": "Taallessen afgerond; examentraining 2 dagdelen per week.",
        "AFRONDING": "Lezen, luisteren en KNM gehaald.",
    })
    start = _weekday_after(pip + timedelta(days=7))
    demo.exact(case, 520, demo.days(start, demo.confirmed_until, (0, 2, 3)),
               lambda d: KNM_LES if d < add_months(start, 6) and d.weekday() == 3 else TAALLES,
               lambda d: INTEGRATIEWERK)
    demo.series(case, TAALLES, demo.pending_from, demo.today, (0, 2), 2.5, INTEGRATIEWERK,
                note="Examentraining schrijven")
    demo.series(case, VRIJWILLIG, _weekday_after(coupled + timedelta(weeks=5)), demo.today, (1,), 3, VOEDSELBANK)
    for n in range(6):
        demo.entry(case, _weekday_after(add_months(pip, 8 + n)), MAP_WORKSHOP, 2, GEMEENTEHUIS)
    demo.entry(case, demo.ago(weeks=4, days=2), TAALLES, 4, INTEGRATIEWERK, status=Status.REJECTED.value,
               reason=REJECT_TOO_MANY)
    demo.exam(case, "KNM", None, [(_weekday_after(add_months(pip, 9)), "GESLAAGD")])
    demo.exam(case, "LE", "B1", [(demo.ago(months=4), "GESLAAGD")])
    demo.exam(case, "LU", "B1", [(demo.ago(months=4), "GESLAAGD")])
    demo.exam(case, "SC", "B1", [(demo.ago(weeks=11), "GEZAKT")])
    demo.exam(case, "SP", "B1", [(demo.ago(weeks=3), None)])
    demo.appointment(case, "EXAM", demo.ago(weeks=3), 13, location=EXAMENLOCATIE, with_whom="DUO",
                     notes="Staatsexamen NT2: spreken. " + EXAM_NOTE)
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(11), 10,
                     notes="Opnieuw aanmelden voor schrijven: u hebt nog 1 gratis poging.")


def _six_hundred_hours(demo: _Demo, g: Gemeente, cp: User) -> None:
    """B1-route with more than 600 confirmed lesson hours and language parts not passed."""
    pip = demo.ago(months=23)
    coupled = _weekday_before(pip - timedelta(weeks=8))
    case = demo.client(g, "demo-600uur", "Khaled Haddad", cp, coupled,
                       pvt_signed_on=_weekday_after(add_months(pip, 5)),
                       map_eindgesprek_on=_weekday_after(add_months(pip, 12)))
    demo.pip(case, 1, pip, "B", "B1", "INITIEEL", [
        "U volgt 4 dagdelen per week taalles bij Stichting Integratiewerk.",
        "U doet 1 dagdeel per week vrijwilligerswerk bij de Kringloopwinkel Nijkerk.",
        "Elke 8 weken hebt u een voortgangsgesprek met uw klantmanager.",
    ], intensity=1400)
    demo.steps(case, "LEERROUTE", demo.step_dates(coupled, pip))
    start = _weekday_after(pip + timedelta(days=7))
    online_from, online_until = add_months(pip, 9), add_months(pip, 13)
    demo.exact(case, 642, demo.days(start, demo.confirmed_until, (0, 1, 2, 3)),
               lambda d: KNM_LES if d < add_months(start, 5) and d.weekday() == 1 else TAALLES,
               lambda d: INTEGRATIEWERK, online=lambda d: online_from <= d < online_until)
    demo.series(case, TAALLES, demo.pending_from, demo.today, (0, 1, 2, 3), 2.5, INTEGRATIEWERK)
    demo.series(case, VRIJWILLIG, _weekday_after(coupled + timedelta(weeks=5)), add_months(pip, 12), (4,), 3,
                KRINGLOOP)
    for n in range(6):
        demo.entry(case, _weekday_after(add_months(pip, 6 + n)), MAP_WORKSHOP, 2, GEMEENTEHUIS)
    demo.exam(case, "KNM", None, [(_weekday_after(add_months(pip, 8)), "GESLAAGD")])
    demo.exam(case, "LU", "B1", [(demo.ago(months=6), "GESLAAGD")])
    demo.exam(case, "LE", "B1", [(demo.ago(months=6), "GEZAKT")])
    demo.exam(case, "SP", "B1", [(demo.ago(months=3), "GEZAKT")])
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(6), 13,
                     notes="Meer dan 600 uur les: we praten over afschalen naar A2, met advies van de taalschool.")


def _zroute_near(demo: _Demo, g: Gemeente, cp: User, sessions) -> None:
    """Z-route, 30 months in: 780 language and 790 participation hours confirmed."""
    pip = demo.ago(months=30)
    coupled = _weekday_before(pip - timedelta(weeks=9))
    case = demo.client(g, "demo-zroute", "محمد الأحمد", cp, coupled, pvt_signed_on=_weekday_after(add_months(pip, 8)))
    demo.pip(case, 1, pip, "Z", None, "INITIEEL", [
        "U volgt 3 dagdelen per week les in de Z-route bij Stichting Integratiewerk; eerst alfabetisering.",
        "U doet 2 dagdelen per week vrijwilligerswerk bij de Voedselbank Nijkerk.",
        "Doel: 800 uur taal en 800 uur participatie. Daarna hebt u een eindgesprek.",
        "Een tolk Arabisch is bij de voortgangsgesprekken.",
    ])
    demo.steps(case, "LEERROUTE", demo.step_dates(coupled, pip), {
        "LEERROUTE": "Bijna 800 uur taal en 800 uur participatie.",
    })
    start = _weekday_after(pip + timedelta(days=7))
    last_confirmed = demo.confirmed_until
    alfa_until, knm_until = add_months(pip, 8), add_months(pip, 14)

    def language(d):
        if d < alfa_until:
            return ALFA
        return KNM_LES if d < knm_until and d.weekday() == 3 else TAALLES

    demo.exact(case, 780, demo.days(start, last_confirmed, (0, 1, 3)), language, lambda d: INTEGRATIEWERK)
    praktijk_from, praktijk_until = add_months(pip, 20), add_months(pip, 24)
    demo.exact(case, 790, demo.days(_weekday_after(coupled + timedelta(weeks=5)), last_confirmed, (1, 2, 4)),
               lambda d: MAP_PRAKTIJK if praktijk_from <= d < praktijk_until and d.weekday() == 1 else VRIJWILLIG,
               lambda d: KRINGLOOP if praktijk_from <= d < praktijk_until and d.weekday() == 1 else VOEDSELBANK)
    for n in range(6):
        demo.entry(case, _weekday_after(add_months(pip, 18 + n)), MAP_WORKSHOP, 2, GEMEENTEHUIS)
    demo.entry(case, demo.ago(weeks=5), MAP_WORKSHOP, 2, GEMEENTEHUIS, note="MAP-workshop 7")
    demo.series(case, TAALLES, demo.pending_from, demo.today, (0, 1, 3), 2.5, INTEGRATIEWERK)
    demo.series(case, VRIJWILLIG, demo.pending_from, demo.today, (2,), 3, VOEDSELBANK)
    _attend(demo, case, sessions["map"])
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(8), 10, with_whom="Sanne de Vries en een tolk Arabisch",
                     notes="Bijna 800/800 uur: we plannen het MAP-eindgesprek en het eindgesprek Z-route.")


def _termijn_near(demo: _Demo, g: Gemeente, cp: User) -> None:
    """First PIP 2 years and 8 months ago; afschalen to A2 recorded, A2 exams not booked."""
    pip1 = demo.ago(months=32)
    pip2 = demo.ago(months=2)
    coupled = _weekday_before(pip1 - timedelta(weeks=9))
    case = demo.client(g, "demo-termijn", "Abdulrahman Qasim Al-Maqtari", cp, coupled,
                       pvt_signed_on=_weekday_after(add_months(pip1, 6)),
                       map_eindgesprek_on=_weekday_after(add_months(pip1, 18)))
    demo.pip(case, 1, pip1, "B", "B1", "INITIEEL", [
        "U volgt 4 dagdelen per week taalles bij Stichting Integratiewerk.",
        "U doet de MAP-werkervaring bij de Voedselbank Nijkerk.",
        "Elke 8 weken hebt u een voortgangsgesprek met uw klantmanager.",
    ], intensity=1300)
    demo.pip(case, 2, pip2, "B", "A2", "AFSCHALEN", [
        "U hebt meer dan 600 uur les gevolgd. U doet de taalexamens nu op niveau A2 (afschalen).",
        "U meldt zich zo snel mogelijk aan voor lezen, luisteren, schrijven en spreken op A2.",
        "Uw klantmanager helpt u met aanmelden in Mijn Inburgering (neem uw DigiD mee).",
    ], intensity=1300)
    demo.steps(case, "LEERROUTE", demo.step_dates(coupled, pip1),
               {"PIP": "Versie 2: afgeschaald naar A2 na meer dan 600 uur les."})
    start = _weekday_after(pip1 + timedelta(days=7))
    demo.exact(case, 655, demo.days(start, _weekday_before(pip2 - timedelta(weeks=2)), (0, 1, 2, 3)),
               lambda d: KNM_LES if d < add_months(start, 6) and d.weekday() == 2 else TAALLES,
               lambda d: INTEGRATIEWERK, online=lambda d: d.weekday() == 0 and d.day <= 7)
    demo.series(case, TAALLES, pip2, demo.today, (1, 3), 2.5, INTEGRATIEWERK, note="Examentraining A2")
    demo.series(case, MAP_PRAKTIJK, add_months(pip1, 12), add_months(pip1, 17), (4,), 3, VOEDSELBANK)
    demo.exam(case, "KNM", None, [(_weekday_after(add_months(pip1, 10)), "GESLAAGD")])
    # The part follows the PIP level after afschalen; the earlier attempt was at B1.
    le = ExamPart.create(client=case.client, code="LE", niveau="A2")
    ExamAttempt.create(part=le, exam_date=demo.ago(months=5), niveau="B1", result="GEZAKT", created_by=cp,
                       created_at=demo.utc(demo.ago(months=5), 15))
    demo.appointment(case, "PIP_GESPREK", _weekday_before(pip2 - timedelta(days=4)), 10,
                     notes="Gesprek over afschalen, met het advies van de taalschool.")
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(3), 9,
                     notes="Samen aanmelden voor de A2-examens in Mijn Inburgering. Neem uw DigiD mee.")


def _onderwijsroute(demo: _Demo, g: Gemeente, cp: User, sessions) -> None:
    """Switched from the B1-route to the onderwijsroute (local label "jongerenroute"), in progress."""
    coupled = demo.ago(months=13)
    pip1 = _weekday_after(coupled + timedelta(weeks=8))
    pip2 = _weekday_after(pip1 + timedelta(weeks=10))
    case = demo.client(g, "demo-onderwijs", "Rama Khalil", cp, coupled, locale="en",
                       pvt_signed_on=_weekday_after(add_months(pip1, 7)))
    demo.pip(case, 1, pip1, "B", "B1", "INITIEEL", [
        "U volgt 4 dagdelen per week taalles bij Stichting Integratiewerk.",
        "Na 2 maanden kijken we samen of de onderwijsroute beter past.",
    ], intensity=900)
    demo.pip(case, 2, pip2, "O", "B1", "SCHAKELEN", [
        "U volgt de jongerenroute (onderwijsroute): 4 dagen per week het taalschakeltraject.",
        "Naast Nederlands volgt u Engels en rekenen.",
        "Doel: daarna start u met een mbo-opleiding niveau 4 in de zorg.",
        "U volgt het participatieverklaringstraject (PVT) in het eerste jaar.",
    ], label="Jongerenroute")
    demo.steps(case, "LEERROUTE", demo.step_dates(coupled, pip1), {
        "PIP": "Versie 2: geschakeld naar de onderwijsroute (jongerenroute).",
        "LEERROUTE": "Taalschakeltraject gestart.",
    })
    start = _weekday_after(pip1 + timedelta(days=7))
    demo.series(case, TAALLES, start, pip2, (0, 1, 2, 3), 2.5, INTEGRATIEWERK)
    after = pip2 + timedelta(days=1)
    demo.series(case, TAALLES, after, demo.today, (0, 1, 2, 3), 3, MBO, note="Nederlands")
    demo.series(case, TAALLES, after, demo.today, (1,), 2, MBO, note="Rekenen")
    demo.series(case, TAALLES, after, demo.today, (3,), 2, MBO, note="Engels")
    for n in range(4):
        demo.entry(case, _weekday_after(add_months(pip1, 5) + timedelta(weeks=2 * n)), PVT, 3, INTEGRATIEWERK,
                   note=f"PVT-bijeenkomst {n + 1}")
    _attend(demo, case, sessions["knm"])
    demo.entry(case, demo.ago(weeks=6), TAALLES, 4, "Thuis", status=Status.REJECTED.value,
               reason=REJECT_SELF_STUDY, note="Huiswerk Engels")
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(16), 14, notes="Gesprek met de mentor van het mbo erbij.")


def _diploma(demo: _Demo, g: Gemeente, cp: User) -> None:
    """B1-route finished: all exam parts passed, PVT signed, MAP done."""
    pip = demo.ago(months=30)
    coupled = _weekday_before(pip - timedelta(weeks=9))
    case = demo.client(g, "demo-diploma", "Zeynep Aydın", cp, coupled,
                       pvt_signed_on=_weekday_after(add_months(pip, 6)),
                       map_eindgesprek_on=_weekday_after(add_months(pip, 16)))
    demo.pip(case, 1, pip, "B", "B1", "INITIEEL", [
        "U volgt 4 dagdelen per week taalles bij Stichting Integratiewerk.",
        "U loopt stage als onderwijsassistent; dat is ook uw MAP-werkervaring.",
        "Elke 8 weken hebt u een voortgangsgesprek met uw klantmanager.",
    ], intensity=1000)
    lessons_done = demo.ago(months=5)
    diploma = demo.ago(months=3)
    demo.steps(case, None, demo.step_dates(coupled, pip, LEERROUTE=lessons_done, AFRONDING=diploma), {
        "AFRONDING": "Diploma inburgering ontvangen.",
    })
    start = _weekday_after(pip + timedelta(days=7))
    demo.series(case, TAALLES, start, lessons_done, (0, 1, 2, 3), 2, INTEGRATIEWERK)
    demo.series(case, KNM_LES, start, add_months(start, 6), (4,), 2, INTEGRATIEWERK)
    demo.series(case, STAGE, add_months(pip, 10), add_months(pip, 15), (4,), 4, "Basisschool in Nijkerk",
                note="Stage onderwijsassistent")
    for n in range(6):
        demo.entry(case, _weekday_after(add_months(pip, 9 + n)), MAP_WORKSHOP, 2, GEMEENTEHUIS)
    demo.series(case, WERK, demo.ago(weeks=6), demo.today, (1, 3), 4, "Bakkerij in Nijkerk",
                note="Betaald werk, 2 ochtenden per week")
    demo.exam(case, "KNM", None, [(_weekday_after(add_months(pip, 10)), "GESLAAGD")])
    demo.exam(case, "LE", "B1", [(demo.ago(months=8), "GESLAAGD")])
    demo.exam(case, "LU", "B1", [(demo.ago(months=8), "GESLAAGD")])
    demo.exam(case, "SC", "B1", [(demo.ago(months=8), "GEZAKT"), (demo.ago(months=5), "GESLAAGD")])
    demo.exam(case, "SP", "B1", [(demo.ago(months=7), "GESLAAGD")])
    demo.appointment(case, "EXAM", demo.ago(months=5), 9, 30, location=EXAMENLOCATIE, with_whom="DUO",
                     notes="Staatsexamen NT2: schrijven (herkansing). " + EXAM_NOTE)


def _certificaat(demo: _Demo, g: Gemeente, cp: User) -> None:
    """Z-route finished: 800/800 hours, PVT and MAP done, eindgesprek held (certificaat)."""
    pip = demo.ago(months=33)
    coupled = _weekday_before(pip - timedelta(weeks=9))
    map_done, z_done = demo.ago(weeks=10), demo.ago(weeks=3)
    case = demo.client(g, "demo-certificaat", "Faadumo Cali Warsame", cp, coupled,
                       pvt_signed_on=_weekday_after(add_months(pip, 9)), map_eindgesprek_on=map_done,
                       z_eindgesprek_on=z_done)
    demo.pip(case, 1, pip, "Z", None, "INITIEEL", [
        "U volgt 3 dagdelen per week les in de Z-route bij Stichting Integratiewerk.",
        "U doet 2 dagdelen per week mee met de vrouwengroep en vrijwilligerswerk in het buurthuis.",
        "Doel: 800 uur taal en 800 uur participatie, daarna een eindgesprek.",
    ])
    demo.steps(case, None, demo.step_dates(coupled, pip, LEERROUTE=demo.ago(weeks=8), AFRONDING=z_done), {
        "AFRONDING": "Eindgesprek Z-route gehad; certificaat ontvangen.",
    })
    start = _weekday_after(pip + timedelta(days=7))
    end = demo.ago(weeks=8)
    demo.exact(case, 812, demo.days(start, end, (0, 2, 3)),
               lambda d: ALFA if d < add_months(pip, 10) else TAALLES, lambda d: INTEGRATIEWERK)
    demo.exact(case, 836, demo.days(_weekday_after(coupled + timedelta(weeks=4)), end, (1, 2, 4)),
               lambda d: VRIJWILLIG if d.weekday() == 1 else PART_OVERIG, lambda d: BUURTHUIS)
    for n in range(6):
        demo.entry(case, _weekday_after(add_months(pip, 20 + n)), MAP_WORKSHOP, 2, GEMEENTEHUIS)
    demo.appointment(case, "MAP_EINDGESPREK", map_done, 10, notes="Eindgesprek MAP.")
    demo.appointment(case, "OTHER", z_done, 10, notes="Eindgesprek Z-route. Daarna krijgt u uw certificaat.")


def _verlenging(demo: _Demo, g: Gemeente, cp: User) -> None:
    """First PIP 3 years and a month ago; DUO extended the termijn after a long illness."""
    pip = demo.ago(months=37)
    coupled = _weekday_before(pip - timedelta(weeks=9))
    case = demo.client(g, "demo-verlenging",
                       "Abdulkarim Mohammed Abdulrahman Al-Sayed Haj Ibrahim Al-Khatib Al-Dimashqi", cp, coupled,
                       pvt_signed_on=_weekday_after(add_months(pip, 7)),
                       map_eindgesprek_on=_weekday_after(add_months(pip, 17)))
    demo.pip(case, 1, pip, "B", "B1", "INITIEEL", [
        "U volgt 3 dagdelen per week taalles bij Stichting Integratiewerk.",
        "U doet 1 dagdeel per week vrijwilligerswerk bij de Kringloopwinkel Nijkerk.",
        "Elke 8 weken hebt u een voortgangsgesprek met uw klantmanager.",
    ], intensity=1200)
    regular_end = termijn_end(pip, Rules())
    decided = _weekday_before(regular_end - timedelta(weeks=8))
    Verlenging.create(client=case.client, einddatum=add_months(regular_end, 6), decided_on=decided,
                      grond="Ziekte langer dan 3 maanden (behandeld door een Nederlandse arts)", created_by=cp,
                      created_at=demo.utc(decided, 14))
    ill_from, ill_until = add_months(pip, 20), add_months(pip, 25)
    demo.steps(case, "AFRONDING", demo.step_dates(coupled, pip, LEERROUTE=demo.ago(months=5),
                                                  AFRONDING=demo.ago(months=5)), {
        "LEERROUTE": f"Ziek van {ill_from.strftime('%m-%Y')} tot {ill_until.strftime('%m-%Y')}; DUO gaf verlenging.",
        "AFRONDING": "Lezen, luisteren en KNM gehaald; schrijven en spreken gepland.",
    })
    start = _weekday_after(pip + timedelta(days=7))
    slots = [d for d in demo.days(start, demo.confirmed_until, (0, 2, 3)) if not ill_from <= d < ill_until]
    demo.exact(case, 560, slots, lambda d: KNM_LES if d < add_months(start, 6) and d.weekday() == 3 else TAALLES,
               lambda d: INTEGRATIEWERK)
    demo.series(case, TAALLES, demo.pending_from, demo.today, (0, 2, 3), 2.5, INTEGRATIEWERK,
                note="Examentraining schrijven en spreken")
    demo.series(case, VRIJWILLIG, _weekday_after(coupled + timedelta(weeks=5)), ill_from, (4,), 3, KRINGLOOP)
    for n in range(6):
        demo.entry(case, _weekday_after(add_months(pip, 10 + n)), MAP_WORKSHOP, 2, GEMEENTEHUIS)
    exam_day = demo.ahead(12)
    demo.exam(case, "KNM", None, [(_weekday_after(add_months(pip, 12)), "GESLAAGD")])
    demo.exam(case, "LE", "B1", [(demo.ago(months=5), "GESLAAGD")])
    demo.exam(case, "LU", "B1", [(demo.ago(months=5), "GESLAAGD")])
    demo.exam(case, "SC", "B1", [(exam_day, None)])
    demo.exam(case, "SP", "B1", [(exam_day, None)])
    demo.appointment(case, "EXAM", exam_day, 9, 30, location=EXAMENLOCATIE, with_whom="DUO",
                     notes="Staatsexamen NT2: schrijven en spreken. " + EXAM_NOTE)
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ago(weeks=6), 11, notes="Verlenging door DUO besproken.")


def _inactive(demo: _Demo, g: Gemeente, cp: User) -> None:
    """Z-route, 8 months in, nothing logged for five weeks and no MAP activity for ten."""
    pip = demo.ago(months=8)
    coupled = _weekday_before(pip - timedelta(weeks=8))
    case = demo.client(g, "demo-stil", "Mariam Haidari", cp, coupled)
    demo.pip(case, 1, pip, "Z", None, "INITIEEL", [
        "U volgt 3 dagdelen per week alfabetisering bij Stichting Integratiewerk.",
        "U doet 1 dagdeel per week mee met de vrouwengroep in het buurthuis.",
        "Kinderopvang: de gemeente regelt een plek voor uw zoon op de dagen van de les.",
    ])
    demo.steps(case, "LEERROUTE", demo.step_dates(coupled, pip))
    start, stop = _weekday_after(pip + timedelta(days=7)), demo.ago(weeks=5)
    demo.series(case, ALFA, start, stop, (0, 2, 3), 2.5, INTEGRATIEWERK)
    demo.series(case, PART_OVERIG, start, stop, (1,), 2, BUURTHUIS, note="Vrouwengroep")
    for n in range(3):
        demo.entry(case, demo.ago(weeks=10 + 3 * n), MAP_WORKSHOP, 2, GEMEENTEHUIS)
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(5), 10, location="Thuis (huisbezoek)",
                     notes="Huisbezoek: Mariam is al een paar weken niet bij de les geweest.")


# -- gemeente Barneveld -----------------------------------------------------------------------------

def _barneveld(demo: _Demo) -> None:
    """A second, small gemeente: its people must never see Nijkerk's and vice versa."""
    barneveld = demo.gemeente("Barneveld", "barneveld", BARNEVELD_SETTINGS)
    demo.user(barneveld, "admin", "demo-admin-barneveld", "Marloes Jansen", email="m.jansen@barneveld.example",
              phone="0342 000 100")
    cp = demo.user(barneveld, "contactpersoon", "demo-contact-barneveld", "Pieter Bos",
                   email="p.bos@barneveld.example", phone="0342 000 123")
    pip = demo.ago(months=5)
    coupled = _weekday_before(pip - timedelta(weeks=9))
    case = demo.client(barneveld, "demo-statushouder-barneveld", "Dawit Haile", cp, coupled)
    demo.pip(case, 1, pip, "B", "B1", "INITIEEL", [
        "U volgt 3 dagdelen per week taalles bij de taalschool in Barneveld.",
        "U doet de MAP-werkervaring bij een boerderij in Barneveld.",
    ], intensity=1100)
    demo.steps(case, "LEERROUTE", demo.step_dates(coupled, pip))
    start = _weekday_after(pip + timedelta(days=7))
    demo.series(case, TAALLES, start, demo.today, (0, 2, 3), 2.5, "Taalschool Barneveld")
    demo.series(case, MAP_PRAKTIJK, demo.ago(months=2), demo.today, (4,), 3, "Zorgboerderij in Barneveld")
    demo.appointment(case, "VOORTGANGSGESPREK", demo.ahead(7), 10, location="Gemeentehuis Barneveld")
    starts = demo.utc(demo.ahead(4), 9, 30)
    GroupSession.create(gemeente=barneveld, category=KNM_LES, title="KNM: wonen in Nederland", starts_at=starts,
                        ends_at=starts + timedelta(hours=2), location="Taalschool Barneveld", created_by=cp)


def _audit_examples(demo: _Demo) -> None:
    """A few audit rows, for the confirmations the contactpersoon did this morning."""
    client = Client.select().join(User, on=(Client.user == User.id)).where(User.username == "demo-statushouder").get()
    cp = User.get_by_id(client.contactpersoon_id)
    latest = (Entry.select().where(Entry.client == client.id, Entry.status == Status.CONFIRMED.value)
              .order_by(Entry.entry_date.desc()).limit(3))
    for entry in latest:
        snapshot = {"category": entry.category, "date": entry.entry_date.isoformat(), "hours": str(entry.hours),
                    "place": entry.place, "note": entry.note, "rejection_reason": None}
        Entry.update(decided_at=demo.now, updated_at=demo.now).where(Entry.id == entry.id).execute()
        record(cp, "entry.confirmed", entry, client=client, before={**snapshot, "status": Status.SUBMITTED.value},
               after={**snapshot, "status": Status.CONFIRMED.value})


def load(today: datetime.date | None = None) -> list[tuple[str, str]]:
    """Create the demo gemeenten Nijkerk and Barneveld in one transaction; (username, role) per account.

    Every account has the password PASSWORD. Refuses to run when a demo gemeente already exists.
    """
    today = today or date.today()
    if Gemeente.select().where(Gemeente.slug.in_(("nijkerk", "barneveld"))).exists():
        raise RuntimeError("The demo gemeenten already exist in this database; load the demo into an empty one.")
    demo = _Demo(today, hash_password(PASSWORD))
    with db.atomic():
        _nijkerk(demo)
        _barneveld(demo)
        demo.flush()
        _audit_examples(demo)
    return demo.accounts
