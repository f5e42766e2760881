"""JSON API v1: what the phone needs (own progress, own entries, appointments) and the
contactpersoon's actions (clients, PIP, confirm/reject). Described by /api/v1/openapi.json."""
import re
import uuid

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from peewee import fn

from .. import casework
from .. import entries as entry_store
from ..domain.hours import Status
from ..domain.progress import summarize
from ..facts import client_summary, load_facts, rules_for
from ..models import Appointment, Client, Entry, PushSubscription, User, utcnow
from ..notify import vapid
from ..validation import FieldErrors
from .access import allow, own_client, parse_uuid, staff_client
from .labels import error_text
from .openapi import document
from .timeutil import local_today

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PAGE = 100
PUSH_KEY = re.compile(r"^[A-Za-z0-9_-]+=*$")


def _iso(value):
    return value.isoformat() if value else None


def _num(value):
    return float(value) if value is not None else None


def summary_json(summary) -> dict:
    """The domain Summary as JSON."""
    termijn = summary.termijn
    return {
        "termijn": termijn and {
            "start": _iso(termijn.start), "end": _iso(termijn.end), "last_day": _iso(termijn.last_day),
            "days_left": termijn.days_left, "overdue": termijn.overdue, "extended": termijn.extended},
        "pip_deadline": summary.pip_clock and _iso(summary.pip_clock.deadline),
        "requirements": [{
            "key": r.key, "kind": r.kind, "done": r.done, "confirmed": _num(r.current), "pending": _num(r.pending),
            "target": _num(r.target), "percent": r.percent, "projected_on": _iso(r.projected_on),
            "attempts_left": r.attempts_left} for r in summary.requirements],
        "next_step": {"code": summary.next_step.code, "due": _iso(summary.next_step.due),
                      "part": summary.next_step.part},
        "risk": {"level": summary.risk.level, "reasons": list(summary.risk.reasons)},
        "fulfilled": summary.fulfilled,
    }


def entry_json(entry: Entry) -> dict:
    """One entry as JSON."""
    return {
        "id": str(entry.public_id), "client_uuid": str(entry.client_uuid), "category": entry.category,
        "date": _iso(entry.entry_date), "hours": float(entry.hours), "online": not entry.physical,
        "place": entry.place, "note": entry.note, "status": entry.status,
        "rejection_reason": entry.rejection_reason,
    }


def _errors(exc: FieldErrors, status: int = 422):
    return jsonify(error="invalid", fields={f: {"code": c, "message": error_text(c)} for f, c in exc.errors.items()}), status


def _json_body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/openapi.json")
@allow("public")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(document())


@bp.get("/csrf-token")
@allow("statushouder", "contactpersoon", "admin")
def csrf_token():
    """A CSRF token for this session (valid as long as the session), for the X-CSRFToken header."""
    return jsonify(csrf_token=generate_csrf())


@bp.get("/me/progress")
@allow("statushouder")
def my_progress():
    """Own progress summary."""
    return jsonify(summary_json(client_summary(own_client()).summary))


@bp.get("/me/entries")
@allow("statushouder")
def my_entries():
    """Own entries, newest first."""
    client = own_client()
    rows = (Entry.select().where(Entry.client == client.id, Entry.status != Status.WITHDRAWN.value)
            .order_by(Entry.entry_date.desc(), Entry.id.desc()).limit(PAGE))
    return jsonify(entries=[entry_json(e) for e in rows])


@bp.post("/me/entries")
@allow("statushouder")
def create_entry():
    """Log hours; the same client_uuid again returns the saved entry (200) instead of a copy."""
    client = own_client()
    body = _json_body()
    try:
        raw_uuid = body.get("client_uuid")
        try:
            client_uuid = uuid.UUID(str(raw_uuid)) if raw_uuid else None
        except ValueError:
            raise FieldErrors({"client_uuid": "invalid"})
        if client_uuid is None:
            raise FieldErrors({"client_uuid": "required"})
        for text_field in ("category", "place", "note", "date"):
            if body.get(text_field) is not None and not isinstance(body[text_field], str):
                raise FieldErrors({text_field: "invalid"})
        hours = body.get("hours")
        if isinstance(hours, bool) or (hours is not None and not isinstance(hours, (int, float, str))):
            raise FieldErrors({"hours": "invalid"})
        data = entry_store.EntryInput(
            client_uuid=client_uuid, category=body.get("category"),
            entry_date=entry_store.parse_date(body.get("date")), hours=entry_store.parse_hours(hours),
            place=body.get("place") or "", note=body.get("note") or "", physical=not bool(body.get("online")))
        entry, created = entry_store.create(client, data, current_user, local_today(client.gemeente),
                                            rules_for(client.gemeente))
    except FieldErrors as exc:
        return _errors(exc)
    return jsonify(entry_json(entry)), (201 if created else 200)


@bp.get("/me/appointments")
@allow("statushouder")
def my_appointments():
    """Own coming appointments."""
    client = own_client()
    rows = (Appointment.select().where(Appointment.client == client.id, Appointment.starts_at >= utcnow())
            .order_by(Appointment.starts_at).limit(PAGE))
    return jsonify(appointments=[{
        "id": str(a.public_id), "kind": a.kind, "starts_at": a.starts_at.isoformat() + "Z",
        "location": a.location, "with_whom": a.with_whom, "notes": a.notes} for a in rows])


def _client_json(client, summary, pending: int) -> dict:
    return {"id": str(client.public_id), "name": client.user.name, "language": client.user.locale,
            "contactpersoon": client.contactpersoon_id == current_user.id, "pending_entries": pending,
            "summary": summary_json(summary)}


@bp.get("/clients")
@allow("contactpersoon")
def clients():
    """The caller's own clients with their summaries."""
    gemeente = current_user.gemeente
    rules = rules_for(gemeente)
    rows = list(Client.select(Client, User).join(User, on=(Client.user == User.id))
                .where(Client.gemeente == gemeente.id, Client.contactpersoon == current_user.id)
                .order_by(User.name).limit(1000))
    facts = load_facts(rows, local_today(gemeente), rules)
    pending = dict(Entry.select(Entry.client, fn.COUNT(Entry.id))
                   .where(Entry.client.in_([c.id for c in rows]), Entry.status == Status.SUBMITTED.value)
                   .group_by(Entry.client).tuples()) if rows else {}
    return jsonify(clients=[_client_json(c, summarize(facts[c.id], rules), pending.get(c.id, 0)) for c in rows])


@bp.get("/clients/<client_id>")
@allow("contactpersoon")
def client(client_id):
    """One client of the caller's gemeente, with the PIP versions."""
    found = staff_client(client_id)
    view = client_summary(found, rows=True)
    pending = Entry.select().where(Entry.client == found.id, Entry.status == Status.SUBMITTED.value).count()
    body = _client_json(found, view.summary, pending)
    body["pip"] = [pip_json(p) for p in view.file.pips]
    return jsonify(body)


def pip_json(pip) -> dict:
    """One PIP version as JSON."""
    return {"version": pip.version, "dagtekening": _iso(pip.dagtekening), "leerroute": pip.leerroute,
            "niveau": pip.niveau, "local_label": pip.local_label, "change_reason": pip.change_reason,
            "geschatte_intensiteit_b1": pip.geschatte_intensiteit_b1, "agreements": pip.agreements}


@bp.post("/clients/<client_id>/pip")
@allow("contactpersoon")
def add_pip(client_id):
    """Adopt a new PIP version."""
    found = staff_client(client_id)
    body = _json_body()
    form = {k: body.get(k) for k in ("dagtekening", "leerroute", "niveau", "change_reason", "local_label",
                                      "geschatte_intensiteit_b1", "agreements")}
    for key in ("dagtekening", "leerroute", "niveau", "change_reason", "local_label"):
        if form[key] is not None and not isinstance(form[key], str):
            return _errors(FieldErrors({key: "invalid"}))
    if form["geschatte_intensiteit_b1"] is not None:
        form["geschatte_intensiteit_b1"] = str(form["geschatte_intensiteit_b1"])
    try:
        pip = casework.add_pip_version(found, form, current_user, local_today(found.gemeente), rules_for(found.gemeente))
    except FieldErrors as exc:
        return _errors(exc)
    return jsonify(pip_json(pip)), 201


@bp.get("/entries/pending")
@allow("contactpersoon")
def pending_entries():
    """Entries of the caller's clients that wait for a check, oldest first."""
    rows = (Entry.select(Entry, Client).join(Client, on=(Entry.client == Client.id))
            .where(Client.gemeente == current_user.gemeente_id, Client.contactpersoon == current_user.id,
                   Entry.status == Status.SUBMITTED.value)
            .order_by(Entry.entry_date, Entry.id).limit(500))
    return jsonify(entries=[dict(entry_json(e), client=str(e.client.public_id)) for e in rows])


def _gemeente_entry(entry_id) -> Entry | None:
    return (Entry.select(Entry, Client).join(Client, on=(Entry.client == Client.id))
            .where(Entry.public_id == parse_uuid(entry_id), Client.gemeente == current_user.gemeente_id)
            .get_or_none())


@bp.post("/entries/<entry_id>/confirm")
@allow("contactpersoon")
def confirm_entry(entry_id):
    """Confirm an entry; 409 when it was already decided."""
    entry = _gemeente_entry(entry_id)
    if entry is None:
        return jsonify(error="not_found"), 404
    try:
        entry = entry_store.confirm(entry, current_user)
    except FieldErrors as exc:
        return _errors(exc, 409)
    return jsonify(entry_json(entry))


@bp.post("/entries/<entry_id>/reject")
@allow("contactpersoon")
def reject_entry(entry_id):
    """Reject an entry with a reason the client will see."""
    entry = _gemeente_entry(entry_id)
    if entry is None:
        return jsonify(error="not_found"), 404
    reason = _json_body().get("reason")
    if not isinstance(reason, str):
        reason = ""
    try:
        entry = entry_store.reject(entry, current_user, reason)
    except FieldErrors as exc:
        return _errors(exc, 409 if "status" in exc.errors else 422)
    return jsonify(entry_json(entry))


def _subscription_errors(body: dict) -> tuple[dict, dict]:
    """Check a browser PushSubscription (JSON); returns (clean values, field errors)."""
    errors, keys = {}, body.get("keys") if isinstance(body.get("keys"), dict) else {}
    endpoint = body.get("endpoint")
    allowed = ("https://", "http://127.0.0.1") if current_app.config.get("PUSH_ALLOW_LOCAL_HTTP") else ("https://",)
    if (not isinstance(endpoint, str) or not endpoint.startswith(allowed) or len(endpoint) > 2000
            or not endpoint.isprintable()):
        errors["endpoint"] = "invalid"
    clean = {"endpoint": endpoint}
    for name, limit in (("p256dh", 200), ("auth", 100)):
        value = keys.get(name)
        if not isinstance(value, str) or not value or len(value) > limit or not PUSH_KEY.match(value):
            errors[name] = "invalid"
        clean[name] = value
    label = body.get("label")
    clean["label"] = "".join(ch for ch in label if ch.isprintable())[:200] if isinstance(label, str) else None
    return clean, errors


@bp.get("/push/key")
@allow("statushouder", "contactpersoon", "admin")
def push_key():
    """The VAPID application server key for pushManager.subscribe(); 404 when push is off."""
    key = vapid.load(current_app)
    if key is None:
        return jsonify(error="push_off", message=error_text("push_off")), 404
    return jsonify(public_key=vapid.public_key_b64(key))


@bp.post("/push/subscriptions")
@allow("statushouder", "contactpersoon", "admin")
def push_subscribe():
    """Save this device's subscription (sent again on every app open, so it stays fresh)."""
    clean, errors = _subscription_errors(_json_body())
    if errors:
        return _errors(FieldErrors(errors))
    existing = PushSubscription.get_or_none(PushSubscription.endpoint == clean["endpoint"])
    now = utcnow()
    if existing is None:
        PushSubscription.create(user=current_user.id, endpoint=clean["endpoint"], p256dh=clean["p256dh"],
                                auth=clean["auth"], label=clean["label"], created_at=now, last_seen_at=now)
        return jsonify(status="subscribed"), 201
    # A phone that changed hands: the subscription follows whoever is logged in on it now.
    (PushSubscription.update(user=current_user.id, p256dh=clean["p256dh"], auth=clean["auth"],
                             label=clean["label"] or existing.label, last_seen_at=now)
     .where(PushSubscription.id == existing.id).execute())
    return jsonify(status="updated"), 200


@bp.post("/push/subscriptions/remove")
@allow("statushouder", "contactpersoon", "admin")
def push_unsubscribe():
    """Forget this device's subscription (turning reminders off on it)."""
    endpoint = _json_body().get("endpoint")
    if not isinstance(endpoint, str) or len(endpoint) > 2000 or not endpoint.isprintable():
        return _errors(FieldErrors({"endpoint": "invalid"}))
    removed = (PushSubscription.delete().where(PushSubscription.endpoint == endpoint,
                                               PushSubscription.user == current_user.id).execute())
    return jsonify(status="removed" if removed else "unknown"), 200
