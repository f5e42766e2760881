"""Plan reminders for everyone: read facts in pages of clients, ask the domain, fill the outbox."""
import datetime

from flask import current_app
from peewee import fn

from ..domain.progress import summarize
from ..domain.reminders import Event, plan_client, plan_digest
from ..facts import load_facts, rules_for
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
    while True:
        clients = list(Client.select().where(Client.gemeente == gemeente.id, Client.id > last_id)
                       .order_by(Client.id).limit(PAGE))
        if not clients:
            break
        last_id = clients[-1].id
        ids = [c.id for c in clients]
        facts = load_facts(clients, today, rules)
        events: dict[int, list[Event]] = {}
        for a in Appointment.select().where(Appointment.client.in_(ids), Appointment.starts_at > now,
                                            Appointment.starts_at <= until):
            events.setdefault(a.client_id, []).append(
                Event("appointment", str(a.public_id), a.starts_at, a.kind, a.location))
        planned, risk_updates = [], []
        for client in clients:
            fact = facts[client.id]
            own = events.get(client.id, []) + [
                e for e in sessions if SESSION_NEEDED.get(session_kinds[e.subject], lambda f: False)(fact)]
            for reminder in plan_client(fact, str(client.public_id), own, now, tz, rules, urls):
                planned.append((reminder, client.user_id))
            if not digest_run:
                continue
            reasons = list(summarize(fact, rules).risk.reasons)
            if reasons != (client.risk_seen or []):
                fresh = set(reasons) - set(client.risk_seen or [])
                if fresh and client.contactpersoon_id:
                    new_risks[client.contactpersoon_id] = new_risks.get(client.contactpersoon_id, 0) + 1
                risk_updates.append((client.id, reasons))
        counts["reminders"] += outbox.enqueue(planned)
        for client_id, reasons in risk_updates:
            Client.update(risk_seen=reasons).where(Client.id == client_id).execute()
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
