"""Supervisor confirmation without an account: placements and one-time, expiring links.

A statushouder records where they gain work experience (a placement) and who supervises them
there. For a batch of unconfirmed entries of that placement's category they make a link; the
supervisor opens it (no account), confirms or rejects each entry, and the link is used up.
The supervisor's word is advice: only the contactpersoon confirms or rejects an entry.

The link's secret is shown once and stored as a SHA-256 hash; it expires after TOKEN_DAYS days
and works one time: the submit marks it used in the same UPDATE that checks it was unused.
"""
import datetime
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from peewee import fn

from . import audit, validation
from .domain.hours import MAP_PRACTICE_CATEGORIES, Status
from .extensions import db
from .models import Client, Entry, Placement, SupervisorRequest, User, utcnow
from .validation import FieldErrors

TOKEN_DAYS = 14
MAX_ENTRIES = 60            # entries on one link
MAX_ORGANISATION = 200
MAX_NAME = 120
MAX_CONTACT = 200
MAX_REASON = 500
# Work experience a supervisor can vouch for: volunteering, internships, work, other participation, MAP practice.
CATEGORIES = tuple(sorted(c.value for c in MAP_PRACTICE_CATEGORIES))
DECISIONS = ("confirmed", "rejected")

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{6,25}$")


def hash_token(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def contact_kind(contact: str | None) -> str | None:
    """'email', 'phone' or None: decides whether a mailto: or sms: share link makes sense."""
    if not contact:
        return None
    if _EMAIL_RE.match(contact):
        return "email"
    if _PHONE_RE.match(contact) and sum(ch.isdigit() for ch in contact) >= 6:
        return "phone"
    return None


def current_decision(entry: Entry) -> str | None:
    """The supervisor's decision, if it still speaks about the entry as it is now.

    An entry edited after the supervisor looked at it (an edit, or a resubmission after a
    rejection) has to be checked again: the old decision no longer counts.
    """
    if not entry.supervisor_decision or entry.supervisor_decided_at is None:
        return None
    if entry.updated_at and entry.updated_at > entry.supervisor_decided_at:
        return None
    return entry.supervisor_decision


def supervisor_confirmed_expr():
    """SQL: the supervisor confirmed the entry as it is now (see current_decision)."""
    return ((Entry.supervisor_decision == "confirmed") & Entry.supervisor_decided_at.is_null(False)
            & (Entry.updated_at <= Entry.supervisor_decided_at))


def not_supervisor_confirmed_expr():
    """SQL: the opposite of supervisor_confirmed_expr, spelled out so NULLs count as 'not confirmed'."""
    return (Entry.supervisor_decision.is_null() | (Entry.supervisor_decision != "confirmed")
            | Entry.supervisor_decided_at.is_null() | (Entry.updated_at > Entry.supervisor_decided_at))


def _not_decided_expr():
    return (Entry.supervisor_decision.is_null() | Entry.supervisor_decided_at.is_null()
            | (Entry.updated_at > Entry.supervisor_decided_at))


# --- placements ---------------------------------------------------------------------------------

def _placement_snapshot(p: Placement) -> dict:
    return {"organisation": p.organisation, "supervisor_name": p.supervisor_name,
            "supervisor_contact": p.supervisor_contact, "category": p.category}


def create_placement(client: Client, form, actor) -> Placement:
    """Record a placement with its supervisor; audited."""
    errors: dict[str, str] = {}
    organisation = validation.clean(form.get("organisation"), MAX_ORGANISATION, "organisation", errors,
                                    required=True)
    name = validation.clean(form.get("supervisor_name"), MAX_NAME, "supervisor_name", errors, required=True)
    contact = validation.clean(form.get("supervisor_contact"), MAX_CONTACT, "supervisor_contact", errors)
    if contact and "supervisor_contact" not in errors and contact_kind(contact) is None:
        errors["supervisor_contact"] = "invalid"
    category = form.get("category") or ""
    if category not in CATEGORIES:
        errors["category"] = "required" if not category else "invalid"
    if errors:
        raise FieldErrors(errors)
    with db.atomic():
        placement = Placement.create(client=client, organisation=organisation, supervisor_name=name,
                                     supervisor_contact=contact, category=category, created_by=actor)
        audit.record(actor, "placement.created", placement, after=_placement_snapshot(placement), client=client)
    return placement


def placements_of(client: Client) -> list[Placement]:
    return list(Placement.select().where(Placement.client == client.id)
                .order_by(Placement.created_at.desc(), Placement.id.desc()))


def placement_of(client: Client, public_id: uuid.UUID) -> Placement | None:
    return Placement.get_or_none(Placement.public_id == public_id, Placement.client == client.id)


# --- links --------------------------------------------------------------------------------------

def open_entries(client: Client, category: str):
    """Entries a supervisor could still look at: waiting for the contactpersoon, of this category,
    and without a supervisor's decision about them as they are now."""
    return (Entry.select().where(Entry.client == client.id, Entry.category == category,
                                 Entry.status == Status.SUBMITTED.value, _not_decided_expr())
            .order_by(Entry.entry_date.desc(), Entry.id.desc()))


def create_request(client: Client, placement: Placement, raw_ids, actor,
                   now: datetime.datetime | None = None) -> tuple[SupervisorRequest, str, list[Entry]]:
    """A link for the chosen entries; returns (request, plain token shown once, entries).

    Every chosen id must be an open entry of this client and this placement's category,
    otherwise nothing is made. An entry on an earlier unused link moves to this one.
    """
    if placement.client_id != client.id:
        raise FieldErrors({"placement": "invalid"})
    ids = []
    for raw in list(raw_ids or [])[:MAX_ENTRIES + 1]:
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            raise FieldErrors({"entries": "invalid"})
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise FieldErrors({"entries": "required"})
    if len(ids) > MAX_ENTRIES:
        raise FieldErrors({"entries": "too_many"})
    entries = list(open_entries(client, placement.category).where(Entry.public_id.in_(ids)))
    if len(entries) != len(ids):
        raise FieldErrors({"entries": "invalid"})
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with db.atomic():
        req = SupervisorRequest.create(placement=placement, token_hash=hash_token(token),
                                       expires_at=now + datetime.timedelta(days=TOKEN_DAYS), created_by=actor)
        (Entry.update(supervisor_request=req.id)
         .where(Entry.id.in_([e.id for e in entries])).execute())
        audit.record(actor, "supervisor.link_created", req, client=client, after={
            "placement": str(placement.public_id), "organisation": placement.organisation,
            "supervisor_name": placement.supervisor_name,
            "entries": [str(e.public_id) for e in entries], "expires_at": req.expires_at.isoformat()})
    return req, token, entries


@dataclass
class Link:
    request: SupervisorRequest
    placement: Placement
    client: Client
    state: str                  # "open", "used" or "expired"


def find_link(token: str, now: datetime.datetime | None = None) -> Link | None:
    """The link for a token (None when unknown), with its placement and client in one query."""
    if not token or len(token) > 100:
        return None
    row = (SupervisorRequest.select(SupervisorRequest, Placement, Client, User)
           .join(Placement, on=(SupervisorRequest.placement == Placement.id))
           .join(Client, on=(Placement.client == Client.id))
           .join(User, on=(Client.user == User.id))
           .where(SupervisorRequest.token_hash == hash_token(token)).get_or_none())
    if row is None:
        return None
    now = now or utcnow()
    state = "used" if row.used_at else ("expired" if row.expires_at <= now else "open")
    placement = row.placement
    return Link(row, placement, placement.client, state)


def link_entries(link: Link) -> list[Entry]:
    """The entries still waiting for this link's supervisor."""
    return list(Entry.select().where(Entry.supervisor_request == link.request.id,
                                     Entry.client == link.client.id,
                                     Entry.category == link.placement.category,
                                     Entry.status == Status.SUBMITTED.value, _not_decided_expr())
                .order_by(Entry.entry_date, Entry.id))


def shown_signature(entry: Entry) -> str:
    """What the supervisor saw (date and hours): a change in between makes their answer not count."""
    return f"{entry.entry_date.isoformat()}|{format(entry.hours.normalize(), 'f')}"


class LinkNotOpen(Exception):
    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


def parse_decisions(entries: list[Entry], form) -> dict[int, tuple[str, str | None]]:
    """Per entry (by row id) the decision and reason from the supervisor's form; FieldErrors
    keyed 'decision-<public id>' / 'reason-<public id>'."""
    errors: dict[str, str] = {}
    decisions = {}
    for entry in entries:
        key = str(entry.public_id)
        decision = form.get(f"decision-{key}") or ""
        reason = validation.clean(form.get(f"reason-{key}"), MAX_REASON, f"reason-{key}", errors)
        if decision not in DECISIONS:
            errors[f"decision-{key}"] = "required" if not decision else "invalid"
        elif decision == "rejected" and not reason and f"reason-{key}" not in errors:
            errors[f"reason-{key}"] = "required"
        decisions[entry.id] = (decision, reason)
    if errors:
        raise FieldErrors(errors)
    return decisions


def submit(link: Link, form, now: datetime.datetime | None = None) -> dict[str, int]:
    """Record the supervisor's answers and use the link up, atomically.

    Raises FieldErrors for incomplete answers (nothing saved) and LinkNotOpen when the link
    was used or expired meanwhile. Entries that changed since the page was shown are skipped.
    Returns counts: confirmed, rejected, skipped.
    """
    now = now or utcnow()
    entries = link_entries(link)
    decisions = parse_decisions(entries, form)
    counts = {"confirmed": 0, "rejected": 0, "skipped": 0}
    placement = link.placement
    with db.atomic():
        used = (SupervisorRequest.update(used_at=now)
                .where(SupervisorRequest.id == link.request.id, SupervisorRequest.used_at.is_null(),
                       SupervisorRequest.expires_at > now).execute())
        if not used:
            current = SupervisorRequest.get_or_none(SupervisorRequest.id == link.request.id)
            raise LinkNotOpen("used" if current is None or current.used_at else "expired")
        for entry in entries:
            decision, reason = decisions[entry.id]
            if form.get(f"shown-{entry.public_id}") != shown_signature(entry):
                counts["skipped"] += 1
                continue
            changed = (Entry.update(supervisor_decision=decision, supervisor_reason=reason,
                                    supervisor_decided_at=now, supervisor_request=link.request.id)
                       .where(Entry.id == entry.id, Entry.status == Status.SUBMITTED.value,
                              Entry.supervisor_request == link.request.id,
                              Entry.updated_at == entry.updated_at).execute())
            if not changed:
                counts["skipped"] += 1
                continue
            counts[decision] += 1
            audit.record(None, f"supervisor.{decision}", entry, client=link.client,
                         before={"supervisor_decision": entry.supervisor_decision},
                         after={"supervisor_decision": decision, "supervisor_reason": reason,
                                "supervisor_name": placement.supervisor_name,
                                "organisation": placement.organisation,
                                "placement": str(placement.public_id),
                                "request": str(link.request.public_id),
                                "date": entry.entry_date.isoformat(),
                                "hours": format(entry.hours.normalize(), "f")})
        audit.record(None, "supervisor.link_used", link.request, client=link.client,
                     after={"supervisor_name": placement.supervisor_name, **counts})
    return counts


def request_overview(placements: list[Placement]) -> dict[int, SupervisorRequest]:
    """The newest link per placement (one query), to show whether it was used."""
    if not placements:
        return {}
    newest: dict[int, SupervisorRequest] = {}
    for req in (SupervisorRequest.select().where(SupervisorRequest.placement.in_([p.id for p in placements]))
                .order_by(SupervisorRequest.created_at, SupervisorRequest.id)):
        newest[req.placement_id] = req
    return newest


def open_counts(client: Client) -> dict[str, int]:
    """Per category: entries that could go on a link (one query)."""
    return dict(Entry.select(Entry.category, fn.COUNT(Entry.id))
                .where(Entry.client == client.id, Entry.category.in_(CATEGORIES),
                       Entry.status == Status.SUBMITTED.value, _not_decided_expr())
                .group_by(Entry.category).tuples())
