"""The statushouder's own pages: Home, My plan, Steps, Logbook, Exam, Appointments, Help."""
import datetime
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN, fn

from .. import entries as entry_store
from ..casework import timeline
from ..domain.hours import Category, Status, editable
from ..facts import client_summary, ids_in, rules_for
from ..models import Appointment, Entry, GroupSession, SessionInvite, utcnow
from ..prepared import Prepared
from ..validation import FieldErrors, page_number
from .access import allow, own_client, parse_uuid
from .labels import error_text
from .timeutil import local_today

bp = Blueprint("statushouder", __name__, url_prefix="/me")

# Categories offered first: the ones a statushouder logs most.
LOG_CATEGORIES = [
    Category.TAALLES, Category.KNM_LES, Category.PARTICIPATIE_VRIJWILLIGERSWERK, Category.MAP_PRAKTIJK,
    Category.MAP_WORKSHOP, Category.PVT_SESSIE, Category.PARTICIPATIE_STAGE,
    Category.PARTICIPATIE_BETAALD_WERK, Category.ALFABETISERING, Category.PARTICIPATIE_OVERIG,
    Category.ZELFSTUDIE,
]
HOUR_CHOICES = ["0.5", "1", "1.5", "2", "3", "4"]
# Entries per logbook page: 20 keep a repeat visit under 6 KB on prepaid data (with paging for more).
PAGE_SIZE = 20


_next_appointments = Prepared(lambda client_id, now: Appointment.select().where(
    Appointment.client == client_id, Appointment.starts_at >= now).order_by(Appointment.starts_at).limit(1))


def _next_appointment(client):
    return _next_appointments.first(client_id=client.id, now=utcnow())


@bp.get("")
@allow("statushouder")
def home():
    """Route, termijn countdown, next step, next appointment, progress per requirement."""
    client = own_client()
    view = client_summary(client)
    facts = view.facts
    pending_total = sum(facts.pending_hours.values())
    confirmed_total = sum(facts.confirmed_hours.values())
    return render_template("statushouder/home.html", client=client, summary=view.summary, facts=facts,
                           next_appointment=_next_appointment(client), pending_total=pending_total,
                           confirmed_total=confirmed_total, today=view.today)


@bp.get("/plan")
@allow("statushouder")
def plan():
    """The PIP: current version with agreements, and earlier versions."""
    client = own_client()
    view = client_summary(client, rows=True)
    return render_template("statushouder/plan.html", client=client, versions=view.file.pips,
                           summary=view.summary, verlengingen=view.file.verlengingen)


@bp.get("/steps")
@allow("statushouder")
def steps():
    """The 8 steps as a timeline."""
    client = own_client()
    return render_template("statushouder/steps.html", client=client, timeline=timeline(client))


def _entry_form_data(form) -> entry_store.EntryInput:
    hours = form.get("hours_other") or form.get("hours")
    raw_uuid = form.get("client_uuid")
    try:
        client_uuid = uuid.UUID(raw_uuid) if raw_uuid else None
    except ValueError:
        raise FieldErrors({"client_uuid": "invalid"})
    return entry_store.EntryInput(
        client_uuid=client_uuid,
        category=form.get("category"),
        entry_date=entry_store.parse_date(form.get("entry_date")),
        hours=entry_store.parse_hours(hours),
        place=form.get("place", ""),
        note=form.get("note", ""),
        physical=form.get("online") != "1",
    )


# The logbook's three statements, built once per database (tracker.prepared): the page is the
# one statushouders open most after Home.
_logbook_page = Prepared(lambda client_id, offset, limit: Entry.select(Entry, GroupSession)
                         .join(GroupSession, join_type=JOIN.LEFT_OUTER, on=(Entry.session == GroupSession.id))
                         .where(Entry.client == client_id, Entry.status != Status.WITHDRAWN.value)
                         .order_by(Entry.entry_date.desc(), Entry.id.desc()).offset(offset).limit(limit))


def _open_or_mine(client_id):
    """A session without a group, or one whose group has this client."""
    grouped = SessionInvite.select(SessionInvite.id).where(SessionInvite.session == GroupSession.id)
    mine = grouped.where(SessionInvite.client == client_id)
    return ~fn.EXISTS(grouped) | fn.EXISTS(mine)


_sessions_between = Prepared(lambda gemeente_id, client_id, since, until: GroupSession.select()
                             .where(GroupSession.gemeente == gemeente_id, GroupSession.starts_at >= since,
                                    GroupSession.starts_at <= until, _open_or_mine(client_id))
                             .order_by(GroupSession.starts_at.desc()).limit(10))
_attended = Prepared(lambda client_id, ids: Entry.select(Entry.session)
                     .where(Entry.client == client_id, ids_in(Entry.session, ids),
                            Entry.status != Status.WITHDRAWN.value))


def _recent_sessions(client, today):
    """Group sessions of the gemeente in the last 14 days, for one-tap attendance."""
    since = datetime.datetime.combine(today - datetime.timedelta(days=14), datetime.time())
    return list(_sessions_between.rows(gemeente_id=client.gemeente_id, client_id=client.id, since=since,
                                       until=utcnow()))


@bp.route("/logbook", methods=["GET", "POST"])
@allow("statushouder")
def logbook():
    """Log hours (three taps: category, hours, save) and see every entry with its status."""
    client = own_client()
    rules = rules_for(client.gemeente)
    today = local_today(client.gemeente)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = _entry_form_data(request.form)
            entry, created = entry_store.create(client, data, current_user, today, rules)
            flash(_("Saved. Your contactpersoon will check it.") if created else _("This was already saved."),
                  "success")
            return redirect(url_for(".logbook", _anchor=f"e-{entry.public_id}"))
        except FieldErrors as exc:
            errors = {field: error_text(code) for field, code in exc.errors.items()}
    page = page_number(request.args)
    # One row more than a page tells whether there is an older page, without counting.
    items = list(_logbook_page.rows(client_id=client.id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1))
    has_more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    sessions = _recent_sessions(client, today)
    if sessions:
        attended = {session_id for (session_id,) in _attended.fetchall(client_id=client.id,
                                                                       ids=[s.id for s in sessions])}
        sessions = [s for s in sessions if s.id not in attended]
    return render_template("statushouder/logbook.html", client=client, items=items, errors=errors,
                           values=values, categories=LOG_CATEGORIES, hour_choices=HOUR_CHOICES,
                           today=today, new_uuid=uuid.uuid4(), sessions=sessions, page=page, has_more=has_more,
                           editable=lambda e: editable(Status(e.status))), (400 if errors else 200)


@bp.post("/attend/<session_id>")
@allow("statushouder")
def attend(session_id):
    """One tap: 'I was at this session' becomes an attendance entry for the session's hours."""
    client = own_client()
    session = GroupSession.get_or_none(GroupSession.public_id == parse_uuid(session_id),
                                       GroupSession.gemeente == client.gemeente_id)
    if session is None:
        abort(404)
    rules = rules_for(client.gemeente)
    today = local_today(client.gemeente)
    seconds = (session.ends_at - session.starts_at).total_seconds()
    hours = max(min(round(seconds / 900) / 4, float(rules.max_entry_hours)), float(rules.min_entry_hours))
    try:
        raw = request.form.get("client_uuid")
        data = entry_store.EntryInput(
            client_uuid=uuid.UUID(raw) if raw else uuid.uuid5(session.public_id, str(client.public_id)),
            category=session.category, entry_date=session.starts_at.date(),
            hours=entry_store.parse_hours(str(hours)), place=session.location or "", note=session.title,
            session=session)
        _entry, created = entry_store.create(client, data, current_user, today, rules)
        flash(_("Saved. Your contactpersoon will check it.") if created else _("This was already saved."), "success")
    except (FieldErrors, ValueError) as exc:
        codes = getattr(exc, "errors", {"session": "invalid"})
        flash(" ".join(error_text(c) for c in codes.values()), "error")
    return redirect(url_for(".logbook"))


def _own_entry(entry_id):
    client = own_client()
    entry = Entry.get_or_none(Entry.public_id == parse_uuid(entry_id), Entry.client == client.id)
    if entry is None:
        abort(404)
    return client, entry


@bp.route("/entries/<entry_id>/edit", methods=["GET", "POST"])
@allow("statushouder")
def edit_entry(entry_id):
    """Change an entry that is not confirmed yet; after a rejection this sends it again."""
    client, entry = _own_entry(entry_id)
    if not editable(Status(entry.status)):
        flash(error_text("not_editable"), "error")
        return redirect(url_for(".logbook"))
    errors = {}
    values = {"category": entry.category, "entry_date": entry.entry_date.isoformat(),
              "hours_other": format(entry.hours.normalize(), "f"), "place": entry.place or "",
              "note": entry.note or "", "online": "" if entry.physical else "1"}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            data = _entry_form_data(request.form)
            entry_store.update(entry, data, current_user, local_today(client.gemeente), rules_for(client.gemeente))
            flash(_("Your change is saved."), "success")
            return redirect(url_for(".logbook"))
        except FieldErrors as exc:
            errors = {field: error_text(code) for field, code in exc.errors.items()}
    return render_template("statushouder/entry_edit.html", client=client, entry=entry, errors=errors,
                           values=values, categories=LOG_CATEGORIES, hour_choices=HOUR_CHOICES,
                           today=local_today(client.gemeente)), (400 if errors else 200)


@bp.post("/entries/<entry_id>/withdraw")
@allow("statushouder")
def withdraw_entry(entry_id):
    """Take back an entry that is not confirmed yet."""
    client, entry = _own_entry(entry_id)
    try:
        entry_store.withdraw(entry, current_user)
        flash(_("The entry is withdrawn."), "success")
    except FieldErrors as exc:
        flash(error_text(next(iter(exc.errors.values()))), "error")
    return redirect(url_for(".logbook"))


@bp.post("/entries/<entry_id>/resubmit")
@allow("statushouder")
def resubmit_entry(entry_id):
    """Send a rejected entry again as it is."""
    client, entry = _own_entry(entry_id)
    try:
        entry_store.resubmit(entry, current_user)
        flash(_("Sent again. Your contactpersoon will check it."), "success")
    except FieldErrors as exc:
        flash(error_text(next(iter(exc.errors.values()))), "error")
    return redirect(url_for(".logbook"))


@bp.get("/exam")
@allow("statushouder")
def exam():
    """Exam parts with status, attempts left, and how and when to register at DUO."""
    client = own_client()
    view = client_summary(client, rows=True)
    summary = view.summary
    exam_requirements = [r for r in summary.requirements if r.kind == "exam"]
    return render_template("statushouder/exam.html", client=client, summary=summary, parts=view.file.parts,
                           attempts=view.file.attempts, exam_requirements=exam_requirements, today=view.today)


@bp.get("/appointments")
@allow("statushouder")
def appointments():
    """Coming appointments first, then the last ten that passed."""
    client = own_client()
    now = utcnow()
    upcoming = list(Appointment.select().where(Appointment.client == client.id, Appointment.starts_at >= now)
                    .order_by(Appointment.starts_at))
    past = list(Appointment.select().where(Appointment.client == client.id, Appointment.starts_at < now)
                .order_by(Appointment.starts_at.desc()).limit(10))
    return render_template("statushouder/appointments.html", client=client, upcoming=upcoming, past=past)


@bp.get("/help")
@allow("statushouder")
def help():
    """Who does what, with the contact details of the own contactpersoon, and the glossary."""
    client = own_client()
    return render_template("statushouder/help.html", client=client, contactpersoon=client.contactpersoon)
