"""Plan reminders for everyone: read facts in pages of clients, ask the domain, fill the outbox."""
import datetime

from flask import current_app
from peewee import fn

from ..domain.progress import risk
from ..domain.reminders import Event, plan_client, plan_digest
from ..facts import ids_in, load_facts, rules_for
from ..models import Appointment, Client, Entry, Gemeente, GroupSession, User, utcnow
from ..web.timeutil import zone
from . import outbox

PAGE = 1000
# Which group sessions concern a client: the module is still open for them.
SESSION_NEEDED = {
    "PVT_SESSIE": lambda f: f.pvt_signed_on is None,
    "MAP_WORKSHOP": lambda f: f.leerroute in ("B", "Z") and f.map_eindgesprek_on is None,
    "KNM_LES": lambda f: f.leerroute is not None,
    "TAALLES": lambda f: f.leerroute is not None,
}


def _urls() -> dict[str, str]:
    """Paths of the pages a reminder opens (built from the URL map, no request needed)."""
    adapter = current_app.url_map.bind("localhost")
    return {"home": adapter.build("statushouder.home"), "logbook": adapter.build("statushouder.logbook"),
            "exam": adapter.build("statushouder.exam"), "appointments": adapter.build("statushouder.appointments"),
            "help": adapter.build("statushouder.help"), "inbox": adapter.build("contactpersoon.inbox")}


def plan(now: datetime.datetime | None = None) -> dict[str, int]:
    """One planning run over every gemeente; safe to repeat (unique outbox keys)."""
    now = now or utcnow()
    urls = _urls()
    totals = {"clients": 0, "reminders": 0, "digests": 0}
    for gemeente in Gemeente.select():
        counts = _plan_gemeente(gemeente, now, urls)
        for key in totals:
            totals[key] += counts[key]
    return totals


def _plan_gemeente(gemeente, now, urls) -> dict[str, int]:
    rules = rules_for(gemeente)
    tz = zone(gemeente)
    today = now.replace(tzinfo=datetime.UTC).astimezone(tz).date()
    until = now + datetime.timedelta(hours=rules.reminder_horizon_hours + max(rules.event_reminder_hours + (0,)) + 1)
    sessions = [Event("session", str(s.public_id), s.starts_at, s.category, s.location)
                for s in GroupSession.select().where(GroupSession.gemeente == gemeente.id,
                                                     GroupSession.starts_at > now, GroupSession.starts_at <= until)]
    session_kinds = {e.subject: e.label for e in sessions}
    counts = {"clients": 0, "reminders": 0, "digests": 0}
    new_risks: dict[int, int] = {}
    # Risk changes are compared once a day, at digest time, against the previous digest's view.
    digest_due = datetime.datetime.combine(today, datetime.time.fromisoformat(rules.reminder_send_time), tz)
    digest_due = digest_due.astimezone(datetime.UTC).replace(tzinfo=None)
    digest_run = digest_due - datetime.timedelta(hours=1) <= now <= digest_due + datetime.timedelta(
        minutes=rules.reminder_grace_minutes)
    last_id = 0
    # Only the columns the rules read: a full row object per person costs more than the rules.
    columns = (Client.id, Client.public_id, Client.user, Client.contactpersoon, Client.coupled_on,
               Client.pvt_signed_on, Client.map_eindgesprek_on, Client.z_eindgesprek_on, Client.taalschakel_done_on,
               Client.risk_seen)
    while True:
        clients = list(Client.select(*columns).where(Client.gemeente == gemeente.id, Client.id > last_id)
                       .order_by(Client.id).limit(PAGE))
        if not clients:
            break
        last_id = clients[-1].id
        ids = [c.id for c in clients]
        facts = load_facts(clients, today, rules)
        events: dict[int, list[Event]] = {}
        for client_id, public_id, starts_at, kind, location in (
                Appointment.select(Appointment.client, Appointment.public_id, Appointment.starts_at, Appointment.kind,
                                   Appointment.location)
                .where(ids_in(Appointment.client, ids), Appointment.starts_at > now, Appointment.starts_at <= until)
                .tuples()):
            events.setdefault(client_id, []).append(Event("appointment", str(public_id), starts_at, kind, location))
        planned = []
        risk_updates: dict[tuple, list[int]] = {}
        for client in clients:
            fact = facts[client.id]
            own = events.get(client.id, []) + [
                e for e in sessions if SESSION_NEEDED.get(session_kinds[e.subject], lambda f: False)(fact)]
            for reminder in plan_client(fact, str(client.public_id), own, now, tz, rules, urls):
                planned.append((reminder, client.user_id))
            if not digest_run:
                continue
            reasons = list(risk(fact, rules).reasons)
            if reasons != (client.risk_seen or []):
                fresh = set(reasons) - set(client.risk_seen or [])
                if fresh and client.contactpersoon_id:
                    new_risks[client.contactpersoon_id] = new_risks.get(client.contactpersoon_id, 0) + 1
                risk_updates.setdefault(tuple(reasons), []).append(client.id)
        counts["reminders"] += outbox.enqueue(planned)
        # One UPDATE per distinct set of reasons (a handful), not one per person.
        for reasons, client_ids in risk_updates.items():
            Client.update(risk_seen=list(reasons)).where(Client.id.in_(client_ids)).execute()
        counts["clients"] += len(clients)

    if not digest_run:
        return counts
    pending = dict(Entry.select(Client.contactpersoon, fn.COUNT(Entry.id))
                   .join(Client, on=(Entry.client == Client.id))
                   .where(Client.gemeente == gemeente.id, Entry.status == "SUBMITTED")
                   .group_by(Client.contactpersoon).tuples())
    digests = []
    for staff in User.select().where(User.gemeente == gemeente.id, User.role == "contactpersoon",
                                     User.active == True):  # noqa: E712
        for reminder in plan_digest(str(staff.public_id), pending.get(staff.id, 0), new_risks.get(staff.id, 0),
                                    today, now, tz, rules, urls["inbox"]):
            digests.append((reminder, staff.id))
    counts["digests"] = outbox.enqueue(digests)
    return counts
