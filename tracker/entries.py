"""Storing hour and attendance entries: idempotent create, edit, withdraw, confirm and reject.

The rules (what is valid, which status may follow which) live in domain.hours; this module
applies them to rows, atomically, and writes the audit trail.
"""
import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from peewee import IntegrityError, fn

from . import audit
from .domain import hours as rules_hours
from .domain.hours import Category, Status
from .domain.rules import Rules
from .db import retry_on_conflict
from .extensions import db
from .models import Client, Entry, GroupSession, utcnow
from . import validation
from .validation import FieldErrors

MAX_NOTE = 1000
MAX_PLACE = 200
MAX_REASON = 500
# Common reasons for a rejection; their words are in web.labels.REJECTION_REASON.
REJECTION_CODES = ("DATE_WRONG", "HOURS_TOO_MANY", "NOT_ATTENDED", "WRONG_CATEGORY", "DUPLICATE", "NO_PROOF")
AUDIT_ACTIONS = {"confirm": "entry.confirmed", "reject": "entry.rejected",
                 "withdraw": "entry.withdrawn", "resubmit": "entry.resubmitted"}


@dataclass
class EntryInput:
    """What a form or the API sends for one entry, already parsed to Python types."""

    client_uuid: uuid.UUID | None
    category: str | None
    entry_date: datetime.date | None
    hours: Decimal | None
    place: str = ""
    note: str = ""
    physical: bool = True
    session: GroupSession | None = None


def parse_hours(raw) -> Decimal | None:
    """'1,5', '1.5', 2 → Decimal; anything else → None (reported as 'invalid')."""
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise FieldErrors({"hours": "invalid"})
    if not value.is_finite():
        raise FieldErrors({"hours": "invalid"})
    return value


def parse_date(raw) -> datetime.date | None:
    """ISO date text → date, None when empty; anything else → FieldErrors('invalid')."""
    errors: dict[str, str] = {}
    value = validation.parse_date(raw, "date", errors, required=False)
    if errors:
        raise FieldErrors(errors)
    return value


def _day_total(client: Client, day: datetime.date, exclude_id: int | None = None) -> Decimal:
    query = Entry.select(fn.COALESCE(fn.SUM(Entry.hours), 0)).where(
        Entry.client == client.id, Entry.entry_date == day,
        Entry.status.in_((Status.SUBMITTED.value, Status.CONFIRMED.value)))
    if exclude_id:
        query = query.where(Entry.id != exclude_id)
    return Decimal(str(query.scalar() or 0))


def _validate(client: Client, data: EntryInput, today: datetime.date, rules: Rules,
              exclude_id: int | None = None) -> dict:
    errors = {}
    if data.category not in {c.value for c in Category}:
        errors["category"] = "required" if not data.category else "invalid"
    other = _day_total(client, data.entry_date, exclude_id) if data.entry_date else Decimal(0)
    errors.update(rules_hours.validate_entry(data.entry_date, data.hours, today, client.coupled_on, other, rules))
    data.place = validation.clean(data.place, MAX_PLACE, "place", errors)
    data.note = validation.clean(data.note, MAX_NOTE, "note", errors)
    return errors


def _snapshot(entry: Entry) -> dict:
    return {
        "category": entry.category, "date": entry.entry_date.isoformat(), "hours": str(Decimal(str(entry.hours)).quantize(Decimal("0.01"))),
        "status": entry.status, "place": entry.place, "note": entry.note,
        "rejection_reason": entry.rejection_reason, "rejection_code": entry.rejection_code,
    }


def create(client: Client, data: EntryInput, actor, today: datetime.date, rules: Rules) -> tuple[Entry, bool]:
    """Save a new entry, or return the existing one for a repeated client UUID. (entry, created)."""
    if data.client_uuid is not None:
        existing = Entry.get_or_none(Entry.client_uuid == data.client_uuid)
        if existing is not None:
            if existing.client_id != client.id:
                raise FieldErrors({"client_uuid": "invalid"})
            return existing, False
    errors = _validate(client, data, today, rules)
    if errors:
        raise FieldErrors(errors)
    try:
        with db.atomic():
            entry = Entry.create(
                client_uuid=data.client_uuid or uuid.uuid4(), client=client, session=data.session,
                category=data.category, entry_date=data.entry_date, hours=data.hours,
                physical=data.physical, place=data.place, note=data.note,
                status=Status.SUBMITTED.value, created_by=actor)
            audit.record(actor, "entry.submitted", entry, after=_snapshot(entry), client=client)
    except IntegrityError:
        # Two replays of the same offline entry raced; the other one won.
        existing = Entry.get_or_none(Entry.client_uuid == data.client_uuid)
        if existing is None or existing.client_id != client.id:
            raise
        return existing, False
    return entry, True


def update(entry: Entry, data: EntryInput, actor, today: datetime.date, rules: Rules) -> Entry:
    """Edit an unconfirmed entry; an edit after rejection sends it again."""
    try:
        new_status = rules_hours.transition(Status(entry.status), "edit")
    except rules_hours.TransitionError:
        raise FieldErrors({"status": "not_editable"})
    errors = _validate(entry.client, data, today, rules, exclude_id=entry.id)
    if errors:
        raise FieldErrors(errors)
    before = _snapshot(entry)
    with db.atomic():
        changed = (Entry.update(category=data.category, entry_date=data.entry_date, hours=data.hours,
                                physical=data.physical, place=data.place, note=data.note,
                                status=new_status.value, updated_at=utcnow(),
                                rejection_reason=None if new_status == Status.SUBMITTED else entry.rejection_reason,
                                rejection_code=None if new_status == Status.SUBMITTED else entry.rejection_code)
                   .where(Entry.id == entry.id, Entry.status == entry.status).execute())
        if not changed:
            raise FieldErrors({"status": "not_editable"})
        entry = Entry.get_by_id(entry.id)
        action = "entry.resubmitted" if before["status"] == Status.REJECTED.value else "entry.edited"
        audit.record(actor, action, entry, before=before, after=_snapshot(entry), client=entry.client)
    return entry


def _refused(entry: Entry, action: str, actor, before: dict, code: str) -> FieldErrors:
    """A decision that lost a race (or came too late) is audited too: who tried what, and why not."""
    if action in ("confirm", "reject"):
        current = Entry.get_or_none(Entry.id == entry.id)
        audit.record(actor, "entry.decision_refused", entry, before=before,
                     after={"attempted": action, "status": current.status if current else None, "reason": code},
                     client=entry.client)
    return FieldErrors({"status": code})


def _move(entry: Entry, action: str, actor, **values) -> Entry:
    """Apply one state-machine action atomically; a concurrent change makes this one fail cleanly."""
    before = _snapshot(entry)
    try:
        new_status = rules_hours.transition(Status(entry.status), action)
    except rules_hours.TransitionError:
        raise _refused(entry, action, actor, before, "not_allowed")
    def work():
        with db.atomic():
            changed = (Entry.update(status=new_status.value, updated_at=utcnow(), **values)
                       .where(Entry.id == entry.id, Entry.status == entry.status).execute())
            if not changed:
                return None
            moved = Entry.get_by_id(entry.id)
            audit.record(actor, AUDIT_ACTIONS[action], moved, before=before, after=_snapshot(moved),
                         client=moved.client)
            return moved
    moved = retry_on_conflict(work)
    if moved is None:
        raise _refused(entry, action, actor, before, "changed_meanwhile")
    return moved


def withdraw(entry: Entry, actor) -> Entry:
    """The statushouder takes back an unconfirmed entry."""
    return _move(entry, "withdraw", actor)


def resubmit(entry: Entry, actor) -> Entry:
    """Send a rejected entry again without changes."""
    return _move(entry, "resubmit", actor, rejection_reason=None, rejection_code=None)


def confirm(entry: Entry, actor) -> Entry:
    """The contactpersoon confirms; confirmed entries never change again."""
    return _move(entry, "confirm", actor, decided_by=actor, decided_at=utcnow())


def reject(entry: Entry, actor, reason: str = "", rejection_code: str | None = None) -> Entry:
    """The contactpersoon rejects with a reason the statushouder will see: a common reason
    (a code from REJECTION_CODES, shown in the client's language), own words, or both."""
    errors = {}
    reason = validation.clean(reason, MAX_REASON, "reason", errors)
    code = (rejection_code or "").strip() or None
    if code is not None and code not in REJECTION_CODES:
        errors["rejection_code"] = "invalid"
    if not reason and code is None and "reason" not in errors:
        errors["reason"] = "required"
    if errors:
        raise FieldErrors(errors)
    return _move(entry, "reject", actor, rejection_code=code, rejection_reason=reason, decided_by=actor,
                 decided_at=utcnow())


def correct(client: Client, data: EntryInput, actor, reason: str, today: datetime.date, rules: Rules) -> Entry:
    """A contactpersoon's correction of confirmed hours: a new, confirmed entry (negative to take
    hours off), because confirmed entries themselves never change (domain §6.6)."""
    errors = {}
    if data.category not in {c.value for c in Category}:
        errors["category"] = "required" if not data.category else "invalid"
    if data.entry_date is None:
        errors["date"] = "required"
    elif data.entry_date > today:
        errors["date"] = "date_in_future"
    if data.hours is None:
        errors["hours"] = "required"
    elif data.hours == 0 or abs(data.hours) > rules.max_entry_hours:
        errors["hours"] = "hours_too_large" if data.hours else "hours_too_small"
    elif (data.hours * 4) != (data.hours * 4).to_integral_value():
        errors["hours"] = "hours_not_quarter"
    reason = validation.clean(reason, MAX_REASON, "reason", errors)
    if not reason and "reason" not in errors:
        errors["reason"] = "required"
    if not errors and data.hours < 0:
        confirmed = Decimal(str(Entry.select(fn.COALESCE(fn.SUM(Entry.hours), 0))
                                .where(Entry.client == client.id, Entry.category == data.category,
                                       Entry.status == Status.CONFIRMED.value).scalar() or 0))
        if confirmed + data.hours < 0:
            errors["hours"] = "correction_below_zero"
    if errors:
        raise FieldErrors(errors)
    now = utcnow()
    with db.atomic():
        entry = Entry.create(client_uuid=data.client_uuid or uuid.uuid4(), client=client, category=data.category,
                             entry_date=data.entry_date, hours=data.hours, physical=data.physical,
                             place=None, note=reason, status=Status.CONFIRMED.value, decided_by=actor,
                             decided_at=now, created_by=actor)
        audit.record(actor, "entry.correction", entry, after=_snapshot(entry), client=client)
    return entry


def confirm_many(entries: list[Entry], actor) -> tuple[int, int]:
    """Confirm many entries at once (the inbox's "confirm chosen") in a fixed number of statements.

    The outcome per entry is that of confirm(): only an entry still in the status it was loaded
    with, and one that may be confirmed, moves; each gets its "entry.confirmed" audit row, and
    every other one is left alone and audited as "entry.decision_refused". The rows are locked
    first (FOR UPDATE on PostgreSQL; SQLite's write transaction holds the database), so a
    concurrent decision cannot slip in between the check and the update.
    Returns (confirmed, refused). `entries` must have their client loaded (for the audit rows).
    """
    from .db import is_postgres

    if not entries:
        return 0, 0
    by_id = {entry.id: entry for entry in entries}
    now = utcnow()
    return retry_on_conflict(lambda: _confirm_many(by_id, actor, now, is_postgres()))


def _confirm_many(by_id: dict, actor, now, postgres: bool) -> tuple[int, int]:
    from .models import AuditLog

    with db.atomic():
        # Locked in id order, so two confirmations of overlapping entries wait instead of crossing.
        query = Entry.select(Entry.id, Entry.status).where(Entry.id.in_(list(by_id))).order_by(Entry.id)
        if postgres:
            query = query.for_update()
        current = dict(query.tuples())
        movable = set()
        for entry_id, entry in by_id.items():
            try:
                rules_hours.transition(Status(entry.status), "confirm")
            except rules_hours.TransitionError:
                continue
            if current.get(entry_id) == entry.status:
                movable.add(entry_id)
        if movable:
            (Entry.update(status=Status.CONFIRMED.value, updated_at=now, decided_by=actor, decided_at=now)
             .where(Entry.id.in_(list(movable)), Entry.status == Status.SUBMITTED.value).execute())
        rows = []
        for entry_id, entry in by_id.items():
            before = _snapshot(entry)
            if entry_id in movable:
                action, after = AUDIT_ACTIONS["confirm"], dict(before, status=Status.CONFIRMED.value)
            else:
                try:
                    rules_hours.transition(Status(entry.status), "confirm")
                    code = "changed_meanwhile"
                except rules_hours.TransitionError:
                    code = "not_allowed"
                action = "entry.decision_refused"
                after = {"attempted": "confirm", "status": current.get(entry_id), "reason": code}
            rows.append({"gemeente": entry.client.gemeente_id or getattr(actor, "gemeente_id", None),
                         "actor": actor, "client": entry.client_id, "action": action, "object_type": "Entry",
                         "object_id": str(entry.public_id), "before": before, "after": after, "created_at": now})
        AuditLog.insert_many(rows).execute()
    return len(movable), len(by_id) - len(movable)
