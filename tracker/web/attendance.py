"""QR attendance at group sessions (KNM, PVT, MAP).

The trainer (a contactpersoon) opens a session's attendance page: a QR code that changes every
30 seconds, valid only around the session, and the live list of who is there, which the trainer
can correct. A statushouder scans the code (the phone's camera, or the app's own scan page),
confirms with "I am here", and the attendance is saved as confirmed. The code rules are in
tracker.attendance (pure functions); this module applies them to rows and writes the audit trail.
"""
import uuid

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from peewee import IntegrityError

from .. import attendance as codes
from ..audit import record
from ..domain.hours import Status
from ..extensions import db
from ..models import AuditLog, Client, Entry, GroupSession, User, utcnow
from .access import allow, own_client, parse_uuid
from .labels import ATTENDANCE_REFUSED, error_text
from .timeutil import utc_to_local

bp = Blueprint("attendance", __name__)

# The status code of each refusal; the words are in labels.ATTENDANCE_REFUSED.
REFUSED_STATUS = {codes.Verdict.INVALID: 400, codes.Verdict.EXPIRED: 410, codes.Verdict.NOT_OPEN: 400,
                  codes.Verdict.CLOSED: 410}
# How many different attendance UUIDs one person can have for one session (each removal uses one up).
MAX_ATTEMPTS = 50


def _key() -> str:
    return current_app.config["SECRET_KEY"]


def _no_store(response):
    """Codes and attendance lists are live: never from a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _snapshot(entry: Entry, session: GroupSession) -> dict:
    return {"session": str(session.public_id), "category": entry.category,
            "date": entry.entry_date.isoformat(), "hours": str(entry.hours), "status": entry.status,
            "place": entry.place}


def _attendance_uuid(session: GroupSession, client: Client) -> uuid.UUID:
    """The entry UUID for this person at this session: the same for every scan, so scanning twice
    keeps one entry; after a removal the next one, so a new entry never revives a withdrawn one."""
    for attempt in range(MAX_ATTEMPTS):
        name = str(client.public_id) if attempt == 0 else f"{client.public_id}/{attempt}"
        candidate = uuid.uuid5(session.public_id, name)
        if not Entry.select().where(Entry.client_uuid == candidate).exists():
            return candidate
    abort(409)


def _current_attendance(session: GroupSession, client: Client) -> Entry | None:
    """This person's entry for this session that still counts (not withdrawn), if any."""
    return (Entry.select().where(Entry.client == client.id, Entry.session == session.id,
                                 Entry.status != Status.WITHDRAWN.value)
            .order_by(Entry.id.desc()).first())


def _removed_by_trainer(session: GroupSession, client: Client) -> bool:
    withdrawn = [str(e.public_id) for e in Entry.select(Entry.public_id).where(
        Entry.client == client.id, Entry.session == session.id, Entry.status == Status.WITHDRAWN.value)]
    return bool(withdrawn) and AuditLog.select().where(
        AuditLog.action == "attendance.removed", AuditLog.object_id.in_(withdrawn)).exists()


def _new_confirmed(session: GroupSession, client: Client, actor, decided_by) -> tuple[Entry, bool]:
    """Create the confirmed attendance entry; a concurrent twin wins cleanly. (entry, created)."""
    entry_uuid = _attendance_uuid(session, client)
    now = utcnow()
    try:
        with db.atomic():
            entry = Entry.create(
                client_uuid=entry_uuid, client=client, session=session, category=session.category,
                entry_date=utc_to_local(session.gemeente, session.starts_at).date(),
                hours=codes.session_hours(session.starts_at, session.ends_at), physical=True,
                place=session.location, note=session.title, status=Status.CONFIRMED.value,
                decided_by=decided_by, decided_at=now, created_by=actor, created_at=now, updated_at=now)
        return entry, True
    except IntegrityError:
        existing = Entry.get_or_none(Entry.client_uuid == entry_uuid)
        if existing is None or existing.client_id != client.id:
            raise
        return existing, False


def _confirm_existing(entry: Entry, decided_by) -> bool:
    """A waiting (or not accepted) claim for this session becomes confirmed; False when it changed meanwhile."""
    now = utcnow()
    return bool(Entry.update(status=Status.CONFIRMED.value, decided_by=decided_by, decided_at=now, updated_at=now,
                             rejection_code=None, rejection_reason=None)
                .where(Entry.id == entry.id, Entry.status == entry.status).execute())


def _put_on_list(session: GroupSession, client: Client, existing: Entry | None, decided_by,
                 action: str) -> Entry | None:
    """Confirm the person's waiting claim, or create a confirmed entry; audited as `action` (by the
    logged-in user) when something changed. None when the claim changed meanwhile."""
    with db.atomic():
        if existing is not None:
            before = _snapshot(existing, session)
            if not _confirm_existing(existing, decided_by):
                return None
            entry, created = Entry.get_by_id(existing.id), True
        else:
            before = None
            entry, created = _new_confirmed(session, client, current_user, decided_by)
        if created:
            record(current_user, action, entry, before=before, after=_snapshot(entry, session), client=client)
    return entry


# ---------------------------------------------------------------------------------------------
# The trainer's page
# ---------------------------------------------------------------------------------------------

def _staff_session(session_id: str) -> GroupSession:
    """A session of the caller's gemeente; another gemeente's session is a 404."""
    session = GroupSession.get_or_none(GroupSession.public_id == parse_uuid(session_id),
                                       GroupSession.gemeente == current_user.gemeente_id)
    if session is None:
        abort(404)
    session.gemeente = current_user.gemeente
    return session


def _attendees(session: GroupSession) -> list[Entry]:
    return list(Entry.select(Entry, Client, User)
                .join(Client, on=(Entry.client == Client.id))
                .join(User, on=(Client.user == User.id))
                .where(Entry.session == session.id, Entry.status != Status.WITHDRAWN.value,
                       Client.gemeente == session.gemeente_id)
                .order_by(User.name, Entry.id))


def _addable_clients(session: GroupSession, attendees: list[Entry]) -> list[Client]:
    """Clients of the gemeente who are not confirmed for this session yet."""
    confirmed = {e.client_id for e in attendees if e.status == Status.CONFIRMED.value}
    clients = (Client.select(Client, User).join(User, on=(Client.user == User.id))
               .where(Client.gemeente == session.gemeente_id, User.active == True,  # noqa: E712
                      User.anonymised_at.is_null())
               .order_by(User.name).limit(2000))
    return [c for c in clients if c.id not in confirmed]


def _trainer_page(session: GroupSession, errors: dict | None = None, values: dict | None = None,
                  status: int = 200):
    now = utcnow()
    state = codes.window_state(session.starts_at, session.ends_at, now)
    opens, closes = codes.window(session.starts_at, session.ends_at)
    paused = request.args.get("pause") == "1"
    qr = link = None
    refresh_in = codes.seconds_to_next_slot(now) + 1
    if state is codes.Verdict.OK and not paused:
        slot, signature = codes.current_code(_key(), session.public_id, now)
        link = url_for(".attend", session_id=session.public_id, slot=slot, signature=signature, _external=True)
        qr = Markup(segno.make(link, error="m").svg_inline(
            scale=8, omitsize=True, light="#fff", dark="#000",
            title=_("QR code to sign in for this session")))
    attendees = _attendees(session)
    page_url = (url_for(".trainer", session_id=session.public_id, pause=1) if paused
                else url_for(".trainer", session_id=session.public_id))
    response = current_app.make_response((render_template(
        "attendance/trainer.html", session=session, state=state.value, opens=opens, closes=closes, qr=qr,
        paused=paused, page_url=page_url, refresh_in=refresh_in, attendees=attendees,
        clients=_addable_clients(session, attendees), errors=errors or {}, values=values or {}), status))
    return _no_store(response)


@bp.get("/staff/sessions/<session_id>/attendance")
@allow("contactpersoon")
def trainer(session_id):
    """The QR code for the session (changes every 30 seconds) and the live list of who is there."""
    return _trainer_page(_staff_session(session_id))


@bp.post("/staff/sessions/<session_id>/attendance/remove")
@allow("contactpersoon")
def remove(session_id):
    """Take someone off the list: their attendance entry is withdrawn (audited)."""
    session = _staff_session(session_id)
    raw = (request.form.get("entry_id") or "").strip()
    try:
        entry_uuid = uuid.UUID(raw)
    except ValueError:
        return _trainer_page(session, errors={"remove": error_text("required" if not raw else "invalid")},
                             status=400)
    entry = (Entry.select(Entry, Client).join(Client, on=(Entry.client == Client.id))
             .where(Entry.public_id == entry_uuid, Entry.session == session.id,
                    Client.gemeente == session.gemeente_id).get_or_none())
    if entry is None:
        abort(404)
    if entry.status == Status.WITHDRAWN.value:
        flash(_("This person was already taken off the list."), "success")
        return redirect(url_for(".trainer", session_id=session.public_id))
    before = _snapshot(entry, session)
    with db.atomic():
        changed = (Entry.update(status=Status.WITHDRAWN.value, updated_at=utcnow())
                   .where(Entry.id == entry.id, Entry.status == entry.status).execute())
        if changed:
            entry = Entry.get_by_id(entry.id)
            record(current_user, "attendance.removed", entry, before=before, after=_snapshot(entry, session),
                   client=entry.client)
    if changed:
        flash(_("The person is taken off the list."), "success")
    else:
        flash(error_text("changed_meanwhile"), "error")
    return redirect(url_for(".trainer", session_id=session.public_id))


@bp.post("/staff/sessions/<session_id>/attendance/add")
@allow("contactpersoon")
def add(session_id):
    """Put a client of the gemeente on the list: a confirmed attendance entry (audited)."""
    session = _staff_session(session_id)
    raw = (request.form.get("client_id") or "").strip()
    values = {"client_id": raw}
    client = None
    if raw:
        try:
            client = (Client.select(Client, User).join(User, on=(Client.user == User.id))
                      .where(Client.public_id == uuid.UUID(raw), Client.gemeente == session.gemeente_id,
                             User.active == True)  # noqa: E712
                      .get_or_none())
        except ValueError:
            client = None
    if client is None:
        return _trainer_page(session, errors={"client_id": error_text("required" if not raw else "invalid")},
                             values=values, status=400)
    if codes.window_state(session.starts_at, session.ends_at, utcnow()) is codes.Verdict.NOT_OPEN:
        return _trainer_page(session, errors={"client_id": _("You can add people from 15 minutes before the start.")},
                             values=values, status=400)
    client.gemeente = session.gemeente
    name = client.user.name
    existing = _current_attendance(session, client)
    if existing is not None and existing.status == Status.CONFIRMED.value:
        flash(_("%(name)s is already on the list.", name=name), "success")
        return redirect(url_for(".trainer", session_id=session.public_id))
    if _put_on_list(session, client, existing, current_user, "attendance.added") is None:
        flash(error_text("changed_meanwhile"), "error")
        return redirect(url_for(".trainer", session_id=session.public_id))
    flash(_("%(name)s is added to the list.", name=name), "success")
    return redirect(url_for(".trainer", session_id=session.public_id))


# ---------------------------------------------------------------------------------------------
# The statushouder's side
# ---------------------------------------------------------------------------------------------

def _refused(session: GroupSession, verdict: str, status: int):
    return _no_store(current_app.make_response((render_template(
        "attendance/refused.html", session=session, message=str(ATTENDANCE_REFUSED[verdict]), verdict=verdict),
        status)))


@bp.route("/attend/<session_id>/<slot>/<signature>", methods=["GET", "POST"])
@allow("statushouder")
def attend(session_id, slot, signature):
    """A scanned code: GET shows the session and an "I am here" button, POST saves the attendance."""
    client = own_client()
    session = (GroupSession.select().where(GroupSession.public_id == parse_uuid(session_id),
                                           GroupSession.gemeente == client.gemeente_id).get_or_none())
    if session is None:
        abort(404)
    session.gemeente = client.gemeente
    now = utcnow()
    verdict = codes.verify(_key(), session.public_id, slot, signature, session.starts_at, session.ends_at, now)
    if request.method == "POST" and verdict is codes.Verdict.EXPIRED:
        # Whoever opened a fresh code has a few minutes to press the button.
        ticket_verdict = codes.verify_ticket(_key(), session.public_id, client.public_id, slot,
                                             request.form.get("ticket"), session.starts_at, session.ends_at, now)
        if ticket_verdict is codes.Verdict.OK:
            verdict = ticket_verdict
    if verdict is not codes.Verdict.OK:
        return _refused(session, verdict.value, REFUSED_STATUS[verdict])

    existing = _current_attendance(session, client)
    if existing is not None and existing.status == Status.CONFIRMED.value:
        return _done(session, existing)
    if existing is None and _removed_by_trainer(session, client):
        return _refused(session, "removed", 409)

    if request.method == "GET":
        ticket = codes.sign_ticket(_key(), session.public_id, client.public_id, codes.parse_slot(slot))
        return _no_store(current_app.make_response(render_template(
            "attendance/confirm.html", session=session, ticket=ticket,
            action=url_for(".attend", session_id=session.public_id, slot=slot, signature=signature))))

    entry = _put_on_list(session, client, existing, session.created_by_id, "entry.confirmed_by_qr")
    if entry is None:
        flash(error_text("changed_meanwhile"), "error")
        return redirect(url_for("statushouder.logbook"))
    flash(_("You are on the list of %(title)s. Your attendance is confirmed.", title=session.title), "success")
    return redirect(url_for("statushouder.logbook", _anchor=f"e-{entry.public_id}"))


def _done(session: GroupSession, entry: Entry):
    return _no_store(current_app.make_response(render_template("attendance/done.html", session=session, entry=entry)))


@bp.get("/me/scan")
@allow("statushouder")
def scan():
    """The app's own scan page: how to scan, and a camera scanner where the browser has one."""
    return render_template("attendance/scan.html")
