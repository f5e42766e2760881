"""Privacy (AVG): retention, anonymisation, erasure and a person's own data export.

The audit log is append-only, also here: anonymising and erasing never change an audit row.
Audit rows name people only by public id (never by name), so once the user row is anonymised or
deleted, the rows that stay no longer say who the person was. The database unlinks audit rows
from an erased client by itself (``ON DELETE SET NULL`` on audit_log.client_id / actor_id).
"""
import calendar
import datetime
import json
import uuid
from decimal import Decimal
from urllib.parse import urlparse

from peewee import JOIN

from . import i18n
from .audit import record
from .extensions import db
from .models import (ActivationCode, Appointment, AuditLog, Client, Entry, ExamAttempt, ExamPart, Gemeente,
                     GroupSession, Message, Outbox, PipVersion, Placement, PushSubscription, SessionInvite, Step,
                     User, Verlenging, utcnow)
from .validation import FieldErrors
from .web.timeutil import local_today

DEFAULT_RETENTION_MONTHS = 12
MAX_RETENTION_MONTHS = 120
ANONYMOUS_NAME = "Anonymised client %s"

# Every table that holds a person's rows (a link to Client, or a cascading link to User), and what
# anonymising does with it. Erasing deletes them all (the database cascades from the user row), except
# the audit log. tests/test_privacy.py fails when a new table is not listed here.
ON_ANONYMISE = {
    "Client": "kept; the support worker's name is cleared",
    "ActivationCode": "deleted",
    "PipVersion": "kept; agreements (free text) cleared",
    "Verlenging": "kept; the ground (free text) cleared",
    "Step": "kept; notes cleared",
    "Placement": "deleted (names the organisation and the supervisor); its supervisor links go with it",
    "Entry": "kept (hours, dates, status); place, notes and reasons cleared",
    "EntryTotal": "kept (hours per category, kept in step with the entries by the database)",
    "ExamPart": "kept",
    "Appointment": "deleted",
    "SessionInvite": "deleted (which groups the person was in)",
    "AuditLog": "kept unchanged (append-only; rows hold public ids, never the name)",
    "PushSubscription": "deleted",
    "Outbox": "deleted",
    "Message": "deleted",
}


# --- retention ---------------------------------------------------------------------------------------

def retention_months(gemeente) -> int:
    """The gemeente's retention period in months (setting "retention_months"), default 12."""
    value = (gemeente.settings or {}).get("retention_months")
    try:
        months = int(value)
    except (TypeError, ValueError):
        return DEFAULT_RETENTION_MONTHS
    return months if 1 <= months <= MAX_RETENTION_MONTHS else DEFAULT_RETENTION_MONTHS


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_ends_on(client: Client, gemeente) -> datetime.date | None:
    """The last day the file is kept with names: the end of the duty plus the retention period."""
    if client.duty_ended_on is None:
        return None
    return add_months(client.duty_ended_on, retention_months(gemeente))


def retention_passed(client: Client, gemeente, today: datetime.date) -> bool:
    """True when the retention period after the end of the duty lies in the past."""
    ends = retention_ends_on(client, gemeente)
    return ends is not None and ends < today


def due_for_retention(gemeente, today: datetime.date, limit: int | None = None) -> list[Client]:
    """Clients of this gemeente (user joined) whose retention period passed and who still have a name."""
    query = (Client.select(Client, User).join(User, on=(Client.user == User.id))
             .where(Client.gemeente == gemeente.id, Client.duty_ended_on.is_null(False),
                    Client.duty_ended_on < today, User.anonymised_at.is_null())
             .order_by(Client.duty_ended_on, Client.id))
    due = [c for c in query if retention_passed(c, gemeente, today)]
    return due[:limit] if limit is not None else due


def run_retention(today: datetime.date | None = None, dry_run: bool = False) -> dict[str, int]:
    """Anonymise every client whose retention period passed; the count per gemeente (name → count)."""
    counts = {}
    for gemeente in Gemeente.select().order_by(Gemeente.name):
        day = today or local_today(gemeente)
        due = due_for_retention(gemeente, day)
        if not dry_run:
            for client in due:
                client.gemeente = gemeente
                anonymise(client, None, action="retention.anonymised", reason="retention")
        counts[gemeente.name] = len(due)
    return counts


# --- anonymise and erase -----------------------------------------------------------------------------

def check_confirmation(client: Client, user: User, confirm: str | None, art17: bool) -> None:
    """Both anonymising and erasing need the username typed, and an ended duty or an art. 17 request."""
    errors = {}
    if (confirm or "").strip().lower() != user.username.lower():
        errors["confirm"] = "confirm_mismatch"
    if client.duty_ended_on is None and not art17:
        errors["art17"] = "duty_not_ended"
    if errors:
        raise FieldErrors(errors)


def anonymise(client: Client, actor, *, action: str = "client.anonymised", reason: str = "duty_ended") -> bool:
    """Remove everything that says who the person is; keep hours, exams and PIP as anonymous numbers.

    Returns False when the client was anonymised before (nothing changes then).
    """
    now = utcnow()
    with db.atomic():
        # Only a user that still has a name: two admins (or the retention run) at once anonymise once.
        changed = User.update(
            name=ANONYMOUS_NAME % str(client.public_id)[:8],
            username=f"anonymised-{uuid.uuid4().hex}",
            email=None, phone=None, password_hash=None, active=False,
            session_token=uuid.uuid4().hex, calendar_token=None,
            totp_secret=None, recovery_codes=[], locale=i18n.DEFAULT, reminder_prefs={},
            failed_logins=0, locked_until=None, last_login_at=None, anonymised_at=now,
        ).where(User.id == client.user_id, User.anonymised_at.is_null()).execute()
        if not changed:
            return False
        Client.update(maatschappelijk_begeleider=None).where(Client.id == client.id).execute()
        # Free text the person or staff wrote may name people or places; the numbers stay.
        Entry.update(place=None, note=None, rejection_reason=None,
                     supervisor_reason=None).where(Entry.client == client.id).execute()
        Step.update(note=None).where(Step.client == client.id).execute()
        PipVersion.update(agreements=[]).where(PipVersion.client == client.id).execute()
        Verlenging.update(grond="").where(Verlenging.client == client.id).execute()
        Appointment.delete().where(Appointment.client == client.id).execute()
        SessionInvite.delete().where(SessionInvite.client == client.id).execute()
        Placement.delete().where(Placement.client == client.id).execute()
        for model in (PushSubscription, Message, Outbox, ActivationCode):
            model.delete().where(model.user == client.user_id).execute()
        record(actor, action, client, client=client, gemeente=client.gemeente_id, after={"reason": reason})
    return True


def erase(client: Client, actor, reason: str = "duty_ended") -> str:
    """Delete the client's account and everything of theirs; returns the public id that is left.

    Audit rows stay as they are; the database unlinks them from the deleted rows.
    """
    public_id = str(client.public_id)
    with db.atomic():
        # The user row carries the file, entries, exams, messages, devices … (ON DELETE CASCADE).
        User.delete().where(User.id == client.user_id).execute()
        record(actor, "client.erased", client, client=None, gemeente=client.gemeente_id, after={"reason": reason})
    return public_id


def set_duty_ended(client: Client, day: datetime.date | None, actor) -> None:
    """Record (or clear) the day the duty to integrate ended; the retention period counts from it."""
    before = client.duty_ended_on
    with db.atomic():
        Client.update(duty_ended_on=day).where(Client.id == client.id).execute()
        record(actor, "client.duty_ended", client, client=client,
               before={"duty_ended_on": before and before.isoformat()},
               after={"duty_ended_on": day and day.isoformat()})
    client.duty_ended_on = day


# --- the person's own data ---------------------------------------------------------------------------

def _person(user: User | None) -> dict | None:
    return None if user is None else {"role": user.role, "name": user.name}


def export(user: User) -> dict:
    """Everything stored about this statushouder, as plain values (dates stay dates; see to_json)."""
    client = (Client.select(Client, Gemeente).join(Gemeente)
              .where(Client.user == user.id).get_or_none())
    data = {
        "generated_at": utcnow(),
        "profile": {
            "public_id": user.public_id, "username": user.username, "name": user.name, "role": user.role,
            "email": user.email, "phone": user.phone, "language": user.locale,
            "gemeente": user.gemeente.name, "created_at": user.created_at, "last_login_at": user.last_login_at,
            "reminders_off": sorted(k for k, v in (user.reminder_prefs or {}).items() if v is False),
            "quiet_hours": {"from": user.quiet_start, "until": user.quiet_end},
            "calendar_link_on": bool(user.calendar_token),
            "two_factor_on": bool(user.totp_secret),
        },
        "client": None, "pip_versions": [], "verlengingen": [], "steps": [], "placements": [], "entries": [],
        "exam_parts": [], "appointments": [], "session_groups": [], "messages": [], "push_subscriptions": [],
        "audit": [],
    }
    people = {}

    def person(user_id):
        return _person(people.get(user_id)) if user_id else None

    if client is not None:
        ids = {client.contactpersoon_id}
        pips = list(PipVersion.select().where(PipVersion.client == client.id).order_by(PipVersion.version))
        verlengingen = list(Verlenging.select().where(Verlenging.client == client.id).order_by(Verlenging.decided_on))
        steps = list(Step.select().where(Step.client == client.id).order_by(Step.id))
        entries = list(Entry.select(Entry, GroupSession).join(GroupSession, join_type=JOIN.LEFT_OUTER,
                                                               on=(Entry.session == GroupSession.id))
                       .where(Entry.client == client.id).order_by(Entry.entry_date, Entry.id))
        parts = list(ExamPart.select().where(ExamPart.client == client.id).order_by(ExamPart.code))
        attempts = list(ExamAttempt.select().where(ExamAttempt.part.in_([p.id for p in parts]))
                        .order_by(ExamAttempt.exam_date, ExamAttempt.id)) if parts else []
        appointments = list(Appointment.select().where(Appointment.client == client.id)
                            .order_by(Appointment.starts_at))
        placements = list(Placement.select().where(Placement.client == client.id).order_by(Placement.id))
        for row in pips + verlengingen + attempts + appointments + placements:
            ids.add(row.created_by_id)
        for row in steps:
            ids.add(row.updated_by_id)
        for row in entries:
            ids.update((row.decided_by_id, row.created_by_id))
        ids.discard(None)
        if ids:
            people.update({u.id: u for u in User.select().where(User.id.in_(list(ids)))})
        data["client"] = {
            "public_id": client.public_id, "gemeente": client.gemeente.name,
            "contactpersoon": person(client.contactpersoon_id),
            "coupled_on": client.coupled_on, "duty_start": client.duty_start, "duty_ended_on": client.duty_ended_on,
            "maatschappelijk_begeleider": client.maatschappelijk_begeleider,
            "pvt_signed_on": client.pvt_signed_on, "map_eindgesprek_on": client.map_eindgesprek_on,
            "z_eindgesprek_on": client.z_eindgesprek_on, "taalschakel_done_on": client.taalschakel_done_on,
            "retention_ends_on": retention_ends_on(client, client.gemeente),
            # The signals the contactpersoon's list showed last (e.g. "no_activity_14_days").
            "risk_signals": list(client.risk_seen or []),
            "created_at": client.created_at,
        }
        data["pip_versions"] = [{
            "version": p.version, "dagtekening": p.dagtekening, "leerroute": p.leerroute, "niveau": p.niveau,
            "local_label": p.local_label, "geschatte_intensiteit_b1": p.geschatte_intensiteit_b1,
            "change_reason": p.change_reason, "agreements": p.agreements or [],
            "made_by": person(p.created_by_id), "created_at": p.created_at} for p in pips]
        data["verlengingen"] = [{
            "einddatum": v.einddatum, "grond": v.grond, "decided_on": v.decided_on,
            "recorded_by": person(v.created_by_id), "created_at": v.created_at} for v in verlengingen]
        data["steps"] = [{
            "code": s.code, "status": s.status, "date": s.date, "note": s.note,
            "updated_by": person(s.updated_by_id), "updated_at": s.updated_at} for s in steps]
        data["entries"] = [{
            "public_id": e.public_id, "category": e.category, "date": e.entry_date, "hours": e.hours,
            "physical": e.physical, "place": e.place, "note": e.note, "status": e.status,
            "rejection_code": e.rejection_code, "rejection_reason": e.rejection_reason,
            "supervisor_decision": e.supervisor_decision, "supervisor_reason": e.supervisor_reason,
            "supervisor_decided_at": e.supervisor_decided_at,
            "session": e.session.title if e.session_id and e.session else None,
            "logged_by": person(e.created_by_id), "created_at": e.created_at, "updated_at": e.updated_at,
            "decided_by": person(e.decided_by_id), "decided_at": e.decided_at} for e in entries]
        data["placements"] = [{
            "organisation": p.organisation, "supervisor_name": p.supervisor_name,
            "supervisor_contact": p.supervisor_contact, "category": p.category,
            "recorded_by": person(p.created_by_id), "created_at": p.created_at} for p in placements]
        by_part = {}
        for a in attempts:
            by_part.setdefault(a.part_id, []).append({
                "exam_date": a.exam_date, "niveau": a.niveau, "result": a.result,
                "reason_no_result": a.reason_no_result, "counts_as_free": a.counts_as_free,
                "recorded_by": person(a.created_by_id), "created_at": a.created_at})
        data["exam_parts"] = [{
            "code": p.code, "niveau": p.niveau, "free_attempts_used_before": p.free_attempts_used_before,
            "attempts": by_part.get(p.id, [])} for p in parts]
        data["appointments"] = [{
            "kind": a.kind, "starts_at": a.starts_at, "location": a.location, "with_whom": a.with_whom,
            "notes": a.notes, "planned_by": person(a.created_by_id), "created_at": a.created_at}
            for a in appointments]
        data["session_groups"] = [{
            "session": s.title, "category": s.category, "starts_at": s.starts_at, "location": s.location}
            for s in GroupSession.select().join(SessionInvite, on=(SessionInvite.session == GroupSession.id))
            .where(SessionInvite.client == client.id).order_by(GroupSession.starts_at)]

    data["messages"] = [{
        "kind": m.kind, "params": m.params, "url": m.url, "created_at": m.created_at, "read_at": m.read_at}
        for m in Message.select().where(Message.user == user.id).order_by(Message.created_at, Message.id)]
    data["push_subscriptions"] = [{
        "push_service": _origin(s.endpoint), "device": s.label, "created_at": s.created_at,
        "last_seen_at": s.last_seen_at}
        for s in PushSubscription.select().where(PushSubscription.user == user.id).order_by(PushSubscription.id)]
    about = (AuditLog.object_type == "User") & (AuditLog.object_id == str(user.public_id))
    if client is not None:
        about = about | (AuditLog.client == client.id)
    actor = User.alias()
    rows = (AuditLog.select(AuditLog, actor).join(actor, join_type=JOIN.LEFT_OUTER, on=(AuditLog.actor == actor.id))
            .where(about).order_by(AuditLog.created_at, AuditLog.id))
    data["audit"] = [{
        "action": row.action, "object_type": row.object_type, "at": row.created_at,
        "actor": _person(row.actor) if row.actor_id else None} for row in rows]
    return data


def _origin(endpoint: str) -> str:
    """Only the push service's origin: the rest of the endpoint is a secret address."""
    parsed = urlparse(endpoint or "")
    return f"{parsed.scheme}://{parsed.netloc}" if parsed.netloc else ""


def _json_default(value):
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(data: dict) -> str:
    """The export as readable JSON text (UTF-8, names in their own script)."""
    return json.dumps(data, default=_json_default, ensure_ascii=False, indent=2)
