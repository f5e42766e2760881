"""Plan reminders for everyone: read facts in pages of clients, ask the domain, fill the outbox.

The pages run over all clients in id order, whatever their gemeente: most gemeenten have a few
hundred people, and a page per gemeente cost more in statements than the people in it. What
differs per gemeente (rules, time zone, today, group sessions, digest time) is worked out once.
"""
import datetime
import multiprocessing
import uuid
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from flask import current_app
from peewee import fn

from ..db import is_postgres
from ..domain.hours import Status
from ..domain.progress import ClientFacts, risk
from ..domain.reminders import Event, plan_client, plan_digest, plan_sessions
from ..domain.rules import Rules
from ..extensions import db
from ..facts import as_date, ids_in, load_facts, rules_for
from ..models import Appointment, Client, EntryTotal, Gemeente, GroupSession, SessionInvite, User, utcnow
from ..web.timeutil import zone
from . import outbox

PAGE = 2000
# From this many people on, PostgreSQL plans in two processes (see plan()).
PARALLEL_FROM = 20_000
# Which group sessions concern a client: the module is still open for them.
SESSION_NEEDED = {
    "PVT_SESSIE": lambda f: f.pvt_signed_on is None,
    "MAP_WORKSHOP": lambda f: f.leerroute in ("B", "Z") and f.map_eindgesprek_on is None,
    "KNM_LES": lambda f: f.leerroute is not None,
    "TAALLES": lambda f: f.leerroute is not None,
}
# Only the columns the rules read: a full row object per person costs more than the rules.
_COLUMNS = (Client.id, Client.gemeente, Client.public_id.cast("text"), Client.user, Client.contactpersoon,
            Client.coupled_on, Client.pvt_signed_on, Client.map_eindgesprek_on, Client.z_eindgesprek_on,
            Client.taalschakel_done_on, Client.risk_seen)


class _Client:
    """One row of _COLUMNS under the names load_facts reads, from the driver's plain values (peewee's
    conversion of each value cost more than the rules): dates may be text on SQLite, the public id
    is text and `risk_seen` the stored JSON."""

    __slots__ = ("id", "gemeente_id", "public_id", "user_id", "contactpersoon_id", "coupled_on", "pvt_signed_on",
                 "map_eindgesprek_on", "z_eindgesprek_on", "taalschakel_done_on", "risk_seen")

    def __init__(self, row):
        (self.id, self.gemeente_id, public_id, self.user_id, self.contactpersoon_id, coupled_on, pvt, map_end,
         z_end, taalschakel, self.risk_seen) = row
        self.public_id = _uuid_text(public_id)
        self.coupled_on, self.pvt_signed_on = as_date(coupled_on), as_date(pvt)
        self.map_eindgesprek_on, self.z_eindgesprek_on = as_date(map_end), as_date(z_end)
        self.taalschakel_done_on = as_date(taalschakel)


def _uuid_text(value) -> str:
    """str(UUID) of a uuid column read as text: PostgreSQL's text is that already, SQLite keeps 32 hex digits."""
    if isinstance(value, str) and len(value) == 36 and value == value.lower():
        return value
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


@dataclass
class _Gemeente:
    """What planning needs of one gemeente at `now`: the same for all its people."""

    id: int
    rules: Rules
    tz: datetime.tzinfo
    today: datetime.date
    until: datetime.datetime         # the last event start that can have a reminder in this run
    digest_run: bool                 # risk changes are compared and digests planned in this run
    sessions: list                   # per group session: (whether it concerns a client's facts, its
                                     # reminders, the client ids of its group: empty for everyone)

    @classmethod
    def at(cls, gemeente, now):
        rules, tz = rules_for(gemeente), zone(gemeente)
        today = now.replace(tzinfo=datetime.UTC).astimezone(tz).date()
        earliest = max(rules.event_reminder_hours + rules.lesson_reminder_hours + (0,))
        until = now + datetime.timedelta(hours=rules.reminder_horizon_hours + earliest + 1)
        # Risk changes are compared once a day, at digest time, against the previous digest's view.
        digest_due = datetime.datetime.combine(today, datetime.time.fromisoformat(rules.reminder_send_time), tz)
        digest_due = digest_due.astimezone(datetime.UTC).replace(tzinfo=None)
        digest_run = digest_due - datetime.timedelta(hours=1) <= now <= digest_due + datetime.timedelta(
            minutes=rules.reminder_grace_minutes)
        return cls(gemeente.id, rules, tz, today, until, digest_run, [])


def _urls() -> dict[str, str]:
    """Paths of the pages a reminder opens (built from the URL map, no request needed)."""
    adapter = current_app.url_map.bind("localhost")
    return {"home": adapter.build("statushouder.home"), "logbook": adapter.build("statushouder.logbook"),
            "exam": adapter.build("statushouder.exam"), "appointments": adapter.build("statushouder.appointments"),
            "help": adapter.build("statushouder.help"), "inbox": adapter.build("contactpersoon.inbox")}


def plan(now: datetime.datetime | None = None, parallel: bool | None = None) -> dict[str, int]:
    """One planning run over every gemeente; safe to repeat (unique outbox keys).

    On PostgreSQL with many people (PARALLEL_FROM; `parallel` overrides) the gemeenten are split
    in two shares of about as many people and a second process plans one of them: one process
    alone keeps one core busy at a time, as it and the database wait for each other. Each gemeente
    is planned whole by one process (its rules, zone and sessions are worked out once); the digests
    are planned last, here. SQLite stays with one process (one
    writer at a time). Run it outside a transaction: the second process sees only what is committed.
    """
    now = now or utcnow()
    urls = _urls()
    places = _places(now, urls)
    if parallel is None:
        parallel = is_postgres() and Client.select().count() >= PARALLEL_FROM
    if parallel and is_postgres() and len(places) > 1:
        mine, theirs = _shares(places)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            other = pool.submit(_plan_share, current_app.config["DATABASE_URL"], now, urls, theirs)
            counts, new_risks = _plan_clients(places, now, urls, mine)
            other_counts, other_risks = other.result()
        counts = {key: counts[key] + other_counts[key] for key in counts}
        new_risks.update(other_risks)   # the shares have no gemeente in common
    else:
        counts, new_risks = _plan_clients(places, now, urls)
    counts["digests"] = _plan_digests([p for p in places.values() if p.digest_run], new_risks, now, urls)
    return counts


def _places(now, urls) -> dict[int, _Gemeente]:
    """Every gemeente as planning sees it at `now`, with its group sessions' reminders."""
    places = {g.id: _Gemeente.at(g, now) for g in Gemeente.select()}
    # One Rules object per distinct set of rules: the domain's caches are keyed by them, and equal but
    # distinct objects are compared field by field on every lookup.
    shared: dict[Rules, Rules] = {}
    for place in places.values():
        place.rules = shared.setdefault(place.rules, place.rules)
    if not places:
        return places
    latest = max(p.until for p in places.values())
    sessions = list(GroupSession.select(GroupSession.id, GroupSession.gemeente, GroupSession.public_id,
                                        GroupSession.starts_at, GroupSession.category, GroupSession.location)
                    .where(GroupSession.starts_at > now, GroupSession.starts_at <= latest))
    # A session with a group reminds its group only; one without, everyone whose module it is.
    groups = defaultdict(set)
    if sessions:
        for session_id, client_id in (SessionInvite.select(SessionInvite.session, SessionInvite.client)
                                      .where(ids_in(SessionInvite.session, [s.id for s in sessions])).tuples()):
            groups[session_id].add(client_id)
    for s in sessions:
        place = places[s.gemeente_id]
        if s.starts_at <= place.until:
            # Planned once here rather than for each of the few hundred people it concerns.
            event = Event("session", str(s.public_id), s.starts_at, s.category, s.location)
            place.sessions.append((SESSION_NEEDED.get(s.category, _never),
                                   plan_sessions([event], now, place.rules, urls), frozenset(groups.get(s.id, ()))))
    return places


def _shares(places) -> tuple[list[int], list[int]]:
    """The gemeenten in two lists with about as many people each (largest first, to the smaller)."""
    sizes = dict(Client.select(Client.gemeente, fn.COUNT(Client.id)).group_by(Client.gemeente).tuples())
    shares, people = ([], []), [0, 0]
    for gemeente_id in sorted(places, key=lambda g: -sizes.get(g, 0)):
        smaller = 0 if people[0] <= people[1] else 1
        shares[smaller].append(gemeente_id)
        people[smaller] += sizes.get(gemeente_id, 0)
    return shares


def _plan_share(url: str, now, urls, gemeente_ids) -> tuple[dict[str, int], dict]:
    """The second process: plan the clients of `gemeente_ids` (no digests; the first process does those)."""
    from ..db import open_database
    database = open_database(url)
    db.initialize(database)
    try:
        with db.connection_context():
            return _plan_clients(_places(now, urls), now, urls, gemeente_ids)
    finally:
        database.close_all()


def _plan_clients(places, now, urls, gemeente_ids=None) -> tuple[dict[str, int], dict]:
    """Reminders and risk changes of every client (of `gemeente_ids`, when given), page by page.
    Returns the counts and, per (gemeente id, contactpersoon id), the clients with a new risk reason."""
    counts = {"clients": 0, "reminders": 0, "digests": 0}
    new_risks: dict[tuple[int, int], int] = {}
    last_id = 0
    while True:
        # Only people whose account is active: an anonymised or switched-off account gets no reminders
        # (nor inbox messages, nor a place in the contactpersoon's risk digest).
        query = (Client.select(*_COLUMNS).join(User, on=(Client.user == User.id))
                 .where(Client.id > last_id, User.active == True))  # noqa: E712
        if gemeente_ids is not None:
            query = query.where(ids_in(Client.gemeente, gemeente_ids))
        clients = [_Client(row) for row in db.execute(query.order_by(Client.id).limit(PAGE)).fetchall()]
        if not clients:
            break
        last_id = clients[-1].id
        counts["reminders"] += _plan_page(clients, places, now, urls, new_risks)
        counts["clients"] += len(clients)
        if len(clients) < PAGE:
            break
    return counts, new_risks


def _never(facts) -> bool:
    return False


def _plan_page(clients, places, now, urls, new_risks) -> int:
    """Plan one page of clients; returns the reminders offered (as outbox.enqueue counts them)."""
    facts: dict[int, ClientFacts] = {}
    by_day: dict[datetime.date, list] = {}
    for client in clients:
        by_day.setdefault(places[client.gemeente_id].today, []).append(client)
    for today, group in by_day.items():
        facts.update(load_facts(group, today, None))
    latest = max(places[c.gemeente_id].until for c in clients)
    events: dict[int, list[Event]] = {}
    for client_id, public_id, starts_at, kind, location in (
            Appointment.select(Appointment.client, Appointment.public_id, Appointment.starts_at, Appointment.kind,
                               Appointment.location)
            .where(ids_in(Appointment.client, [c.id for c in clients]), Appointment.starts_at > now,
                   Appointment.starts_at <= latest)
            .tuples()):
        events.setdefault(client_id, []).append(Event("appointment", str(public_id), starts_at, kind, location))

    offers = 0
    planned = []
    decoded: dict[str | None, list[str]] = {}     # risk_seen as stored → as read: a handful of values
    risk_updates: dict[int, list[str]] = {}
    for client in clients:
        place = places[client.gemeente_id]
        fact = facts[client.id]
        own = [e for e in events.get(client.id, ()) if e.starts_at <= place.until]
        reminders = plan_client(fact, client.public_id, own, now, place.tz, place.rules, urls)
        for needed, session_reminders, group in place.sessions:
            if (client.id in group) if group else needed(fact):
                reminders += [r.for_person(client.public_id) for r in session_reminders]
        offers += len(reminders)
        planned += [(reminder, client.user_id) for reminder in reminders]
        if not place.digest_run:
            continue
        reasons = list(risk(fact, place.rules).reasons)
        seen = decoded.get(client.risk_seen)
        if seen is None:
            seen = decoded[client.risk_seen] = Client.risk_seen.python_value(client.risk_seen) or []
        if reasons != seen:
            if client.contactpersoon_id and set(reasons) - set(seen):
                key = (place.id, client.contactpersoon_id)
                new_risks[key] = new_risks.get(key, 0) + 1
            risk_updates[client.id] = reasons
    outbox.enqueue(planned)
    _save_risks(risk_updates)
    return offers


def _save_risks(risk_updates: dict[int, list[str]]) -> None:
    """Write the reasons each client's next digest compares against, in one statement."""
    if not risk_updates:
        return
    values = [(client_id, Client.risk_seen.db_value(reasons)) for client_id, reasons in risk_updates.items()]
    with db.atomic():
        if is_postgres():
            db.execute_sql('UPDATE "client" SET "risk_seen" = seen.value FROM unnest(%s::integer[], %s::text[]) '
                           'AS seen(id, value) WHERE "client"."id" = seen.id',
                           ([v[0] for v in values], [v[1] for v in values]))
        else:
            db.cursor().executemany('UPDATE "client" SET "risk_seen" = ? WHERE "id" = ?',
                                    [(value, client_id) for client_id, value in values])


def _plan_digests(places, new_risks, now, urls) -> int:
    """The daily digest of every contactpersoon of the gemeenten at digest time."""
    if not places:
        return 0
    by_id = {p.id: p for p in places}
    # Submitted entries per contactpersoon from the totals kept beside the entries, for all gemeenten
    # at once: counting the entries themselves read every submitted entry once per gemeente.
    pending = {(gemeente_id, staff_id): count for gemeente_id, staff_id, count in (
        EntryTotal.select(Client.gemeente, Client.contactpersoon, fn.SUM(EntryTotal.entries))
        .join(Client, on=(EntryTotal.client == Client.id))
        .where(EntryTotal.status == Status.SUBMITTED.value, Client.gemeente.in_(list(by_id)))
        .group_by(Client.gemeente, Client.contactpersoon).tuples())}
    digests = []
    for staff_id, public_id, gemeente_id in (
            User.select(User.id, User.public_id, User.gemeente)
            .where(User.gemeente.in_(list(by_id)), User.role == "contactpersoon", User.active == True)  # noqa: E712
            .tuples()):
        place = by_id[gemeente_id]
        key = (gemeente_id, staff_id)
        for reminder in plan_digest(str(public_id), pending.get(key, 0), new_risks.get(key, 0), place.today, now,
                                    place.tz, place.rules, urls["inbox"]):
            digests.append((reminder, staff_id))
    return outbox.enqueue(digests)
