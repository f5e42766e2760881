"""The contactpersoon's pages: caseload, client detail with its actions, confirmation inbox, sessions."""
import datetime
import math
import re
import uuid

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from peewee import JOIN, SQL, fn

from .. import accounts, casework, supervision
from .. import entries as entry_store
from ..audit import record
from ..domain import steps as step_rules
from ..domain.hours import Category, Status
from ..domain.progress import summarize
from ..extensions import db
from ..facts import client_summary, ids_in, load_facts, rules_for
from ..models import (Appointment, Client, Entry, EntryTotal, ExamAttempt, ExamPart, GroupSession, Placement,
                      SessionInvite, SupervisorRequest, User, utcnow)
from ..validation import FieldErrors, clean, page_number
from .access import allow, parse_uuid, staff_client
from .auth import issue_activation_code
from .labels import APPOINTMENT, REJECTION_REASON, error_text
from .timeutil import local_to_utc, local_today

bp = Blueprint("contactpersoon", __name__, url_prefix="/staff")

RISK_ORDER = {"high": 0, "attention": 1, "ok": 2}
SESSION_CATEGORIES = (Category.KNM_LES, Category.PVT_SESSIE, Category.MAP_WORKSHOP, Category.TAALLES)
MAX_BULK = 500
# Entries per inbox page, oldest first: a page is checked and confirmed at once, then the next
# ones move up (500 rows at once were 50 KB on every visit).
INBOX_PAGE = 50


def _caseload_rows(clients, today, rules):
    """Summary per client from one grouped load, plus pending counts (one query)."""
    facts = load_facts(clients, today, rules)
    # Waiting entries per person from the totals the database keeps (a few rows each, not every entry).
    pending = dict(EntryTotal.select(EntryTotal.client, fn.SUM(EntryTotal.entries))
                   .where(ids_in(EntryTotal.client, [c.id for c in clients]),
                          EntryTotal.status == Status.SUBMITTED.value)
                   .group_by(EntryTotal.client).tuples()) if clients else {}
    rows = []
    for client in clients:
        summary = summarize(facts[client.id], rules)
        rows.append({"client": client, "facts": facts[client.id], "summary": summary,
                     "pending": pending.get(client.id, 0),
                     "done": sum(1 for requirement in summary.requirements if requirement.done)})
    rows.sort(key=lambda r: (r["summary"].fulfilled, RISK_ORDER.get(r["summary"].risk.level, 3),
                             r["summary"].termijn.days_left if r["summary"].termijn else 10**6,
                             r["client"].name.lower()))
    return rows


@bp.get("/clients")
@allow("contactpersoon")
def caseload():
    """All clients with route, progress, days left, pending count and risk; at-risk first."""
    gemeente = current_user.gemeente
    rules = rules_for(gemeente)
    today = local_today(gemeente)
    scope = request.args.get("scope", "mine")
    # Control characters out: PostgreSQL refuses a NUL byte in a query (a 500).
    q = (clean(request.args.get("q"), 80, "q", {}) or "")[:80]
    route = request.args.get("route") or ""
    risk = request.args.get("risk") or ""
    # Only the columns the list and the rules use, as plain rows: 150 client and user objects cost
    # more than the rules.
    query = (Client.select(Client.id, Client.public_id, Client.coupled_on, Client.pvt_signed_on,
                           Client.map_eindgesprek_on, Client.z_eindgesprek_on, Client.taalschakel_done_on,
                           User.name.alias("name"), User.locale.alias("locale"))
             .join(User, on=(Client.user == User.id))
             .where(Client.gemeente == gemeente.id))
    if scope != "all":
        query = query.where(Client.contactpersoon == current_user.id)
    if q:
        query = query.where(User.name.contains(q) | User.username.contains(q))
    clients = list(query.limit(1000).namedtuples())
    rows = _caseload_rows(clients, today, rules)
    if route in ("B", "O", "Z", "none"):
        rows = [r for r in rows if (r["facts"].leerroute or "none") == route]
    if risk in RISK_ORDER:
        rows = [r for r in rows if r["summary"].risk.level == risk]
    return render_template("contactpersoon/caseload.html", rows=rows, scope=scope, q=q, route=route, risk=risk)


@bp.route("/clients/new", methods=["GET", "POST"])
@allow("contactpersoon")
def new_client():
    """Create a statushouder and show the one-time activation code with a QR code."""
    errors, values = {}, request.form.to_dict()
    if request.method == "POST":
        try:
            user, client = accounts.create_statushouder(current_user.gemeente, request.form, current_user,
                                                        local_today(current_user.gemeente))
            code = issue_activation_code(user, current_user, current_app.config["ACTIVATION_DAYS"])
            return _show_code(user, code, client)
        except FieldErrors as exc:
            errors = {f: error_text(c) for f, c in exc.errors.items()}
    return render_template("contactpersoon/new_client.html", errors=errors, values=values,
                           today=local_today(current_user.gemeente)), (400 if errors else 200)


def _show_code(user, code, client=None):
    """The code page: printable, with a QR code that opens the activation page with the code filled in."""
    link = url_for("auth.activate", code=code, _external=True)
    qr = segno.make(link, error="m")
    svg = Markup(qr.svg_inline(scale=5, title=_("QR code to activate the account")))
    expires = local_today(user.gemeente) + datetime.timedelta(days=current_app.config["ACTIVATION_DAYS"])
    response = current_app.make_response(render_template(
        "contactpersoon/activation_code.html", user=user, code=code, link=link, qr=svg, expires=expires,
        client=client))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/clients/<client_id>/activation")
@allow("contactpersoon")
def new_code(client_id):
    """A new activation code (lost password); earlier codes stop working."""
    client = staff_client(client_id)
    code = issue_activation_code(client.user, current_user, current_app.config["ACTIVATION_DAYS"])
    return _show_code(client.user, code, client)


def _detail_context(client):
    view = client_summary(client, rows=True)
    file = view.file
    entries = list(Entry.select().where(Entry.client == client.id, Entry.status != Status.WITHDRAWN.value)
                   .order_by(Entry.entry_date.desc(), Entry.id.desc()).limit(100))
    return {
        "client": client, "facts": file.facts, "summary": view.summary, "today": view.today,
        "versions": file.pips, "timeline": casework.timeline(client, file.steps), "entries": entries,
        "parts": file.parts, "attempts": file.attempts, "verlengingen": file.verlengingen,
        "appointments": list(Appointment.select().where(Appointment.client == client.id)
                             .order_by(Appointment.starts_at.desc()).limit(30)),
        "appointment_kinds": APPOINTMENT, "errors": {}, "values": {}, "form": None,
    }


@bp.get("/clients/<client_id>")
@allow("contactpersoon")
def client_detail(client_id):
    """Everything the client sees, plus the forms to change the file."""
    client = staff_client(client_id)
    record(current_user, "client.viewed", client, client=client)
    return render_template("contactpersoon/client.html", **_detail_context(client))


def _client_action(client_id, form_name, action, success):
    """Run one change on a client's file; on bad input re-render the page with the messages and values."""
    client = staff_client(client_id)
    try:
        action(client)
    except FieldErrors as exc:
        context = _detail_context(client)
        context.update(errors={f: error_text(c) for f, c in exc.errors.items()}, values=request.form.to_dict(),
                       form=form_name)
        return render_template("contactpersoon/client.html", **context), 400
    flash(success, "success")
    return redirect(url_for(".client_detail", client_id=client.public_id, _anchor=form_name))


@bp.post("/clients/<client_id>/pip")
@allow("contactpersoon")
def save_pip(client_id):
    """Adopt a new PIP version."""
    def action(client):
        form = request.form.to_dict()
        form["agreements"] = request.form.get("agreements", "")
        casework.add_pip_version(client, form, current_user, local_today(client.gemeente), rules_for(client.gemeente))
    return _client_action(client_id, "pip", action, _("The plan (PIP) is saved."))


@bp.post("/clients/<client_id>/steps/<code>")
@allow("contactpersoon")
def save_step(client_id, code):
    """Mark one of the process steps."""
    def action(client):
        codes = {s.code for s in step_rules.steps_for(client.gemeente.settings or {})}
        casework.set_step(client, code, request.form, current_user, codes)
    return _client_action(client_id, "steps", action, _("The step is saved."))


@bp.post("/clients/<client_id>/exam")
@allow("contactpersoon")
def save_exam(client_id):
    """Record an exam attempt or booking."""
    def action(client):
        casework.add_exam_attempt(client, request.form, current_user, local_today(client.gemeente))
    return _client_action(client_id, "exam", action, _("The exam is saved."))


@bp.post("/clients/<client_id>/exam/<attempt_id>")
@allow("contactpersoon")
def save_exam_result(client_id, attempt_id):
    """Fill in the result of a booked exam attempt."""
    def action(client):
        attempt = (ExamAttempt.select().join(ExamPart)
                   .where(ExamAttempt.public_id == parse_uuid(attempt_id), ExamPart.client == client.id).get_or_none())
        if attempt is None:
            abort(404)
        casework.set_exam_result(client, attempt, request.form, current_user, local_today(client.gemeente))
    return _client_action(client_id, "exam", action, _("The exam result is saved."))


@bp.post("/clients/<client_id>/dates")
@allow("contactpersoon")
def save_dates(client_id):
    """PVT signed, MAP and Z-route final talks, taalschakeltraject finished."""
    def action(client):
        view = client_summary(client)
        first = view.facts.first_dagtekening
        start = first + datetime.timedelta(days=1) if first else None
        casework.set_client_dates(client, request.form, current_user, view.today, start)
    return _client_action(client_id, "dates", action, _("The dates are saved."))


@bp.post("/clients/<client_id>/verlenging")
@allow("contactpersoon")
def save_verlenging(client_id):
    """Record a verlenging decided by DUO."""
    def action(client):
        view = client_summary(client)
        termijn = view.summary.termijn
        casework.add_verlenging(client, request.form, current_user, termijn.end if termijn else None,
                                today=view.today)
    return _client_action(client_id, "verlenging", action, _("The extension is saved."))


@bp.post("/clients/<client_id>/appointments")
@allow("contactpersoon")
def save_appointment(client_id):
    """Plan an appointment with the client."""
    def action(client):
        casework.add_appointment(client, request.form, current_user, APPOINTMENT,
                                 lambda value: local_to_utc(client.gemeente, value))
    return _client_action(client_id, "appointments", action, _("The appointment is saved."))


@bp.post("/clients/<client_id>/appointments/<appointment_id>/cancel")
@allow("contactpersoon")
def cancel_appointment(client_id, appointment_id):
    """Cancel an appointment."""
    def action(client):
        appointment = Appointment.get_or_none(Appointment.public_id == parse_uuid(appointment_id),
                                              Appointment.client == client.id)
        if appointment is None:
            abort(404)
        casework.cancel_appointment(client, appointment, current_user)
    return _client_action(client_id, "appointments", action, _("The appointment is cancelled."))


@bp.post("/clients/<client_id>/correction")
@allow("contactpersoon")
def save_correction(client_id):
    """Correct confirmed hours with a new confirmed entry (confirmed entries never change)."""
    def action(client):
        data = entry_store.EntryInput(
            client_uuid=None, category=request.form.get("category"),
            entry_date=entry_store.parse_date(request.form.get("entry_date")),
            hours=entry_store.parse_hours(request.form.get("hours")), physical=request.form.get("online") != "1")
        entry_store.correct(client, data, current_user, request.form.get("reason", ""),
                            local_today(client.gemeente), rules_for(client.gemeente))
    return _client_action(client_id, "hours", action, _("The correction is saved."))


def _contactpersoon_page(client, errors=None, values=None, status=200):
    people = list(User.select().where(User.gemeente == client.gemeente_id, User.role == "contactpersoon",
                                      User.active == True)  # noqa: E712
                  .order_by(User.name))
    return render_template("contactpersoon/change_contactpersoon.html", client=client, contactpersonen=people,
                           errors=errors or {}, values=values or {}), status


@bp.get("/clients/<client_id>/contactpersoon")
@allow("contactpersoon")
def change_contactpersoon(client_id):
    """The form to hand the client to another contactpersoon (or to take them over)."""
    return _contactpersoon_page(staff_client(client_id))


@bp.post("/clients/<client_id>/contactpersoon")
@allow("contactpersoon")
def take_over(client_id):
    """Hand the client to another contactpersoon of the gemeente."""
    client = staff_client(client_id)
    raw = request.form.get("contactpersoon")
    try:
        target = User.get_or_none(User.public_id == uuid.UUID(raw or ""), User.gemeente == client.gemeente_id,
                                  User.role == "contactpersoon")
    except ValueError:
        target = None
    if target is None:
        return _contactpersoon_page(client, {"contactpersoon": error_text("invalid")}, request.form.to_dict(), 400)
    accounts.reassign(client, target, current_user)
    flash(_("The contactpersoon is changed."), "success")
    return redirect(url_for(".client_detail", client_id=client.public_id, _anchor="contactpersoon"))


def _pending_query():
    """Waiting entries of the gemeente with client, user and the supervisor's link and placement (one query)."""
    return (Entry.select(Entry, Client, User, SupervisorRequest, Placement)
            .join(Client, on=(Entry.client == Client.id))
            .join(User, on=(Client.user == User.id))
            .switch(Entry)
            .join(SupervisorRequest, JOIN.LEFT_OUTER, on=(Entry.supervisor_request == SupervisorRequest.id))
            .join(Placement, JOIN.LEFT_OUTER, on=(SupervisorRequest.placement == Placement.id))
            .where(Client.gemeente == current_user.gemeente_id, Entry.status == Status.SUBMITTED.value))


WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")
RECENT_WEEKS = 12


def _parse_week(raw: str) -> datetime.date | None:
    """'2025-W07' → the Monday of that ISO week; None when it is not a week."""
    match = WEEK_RE.match(raw.strip())
    if not match:
        return None
    try:
        return datetime.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def _week_value(monday: datetime.date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _week_options(today: datetime.date, chosen: datetime.date | None) -> list[tuple[str, str]]:
    """The recent ISO weeks, newest first, plus the chosen one when it is older."""
    monday = today - datetime.timedelta(days=today.weekday())
    mondays = [monday - datetime.timedelta(weeks=n) for n in range(RECENT_WEEKS)]
    if chosen and chosen not in mondays:
        mondays.append(chosen)
    return [(_week_value(m), _("Week %(week)d: %(start)s – %(end)s", week=m.isocalendar()[1],
                                start=format_date(m, "d MMM"),
                                end=format_date(m + datetime.timedelta(days=6), "d MMM yyyy")))
            for m in mondays]


@bp.get("/inbox")
@allow("contactpersoon")
def inbox():
    """Entries waiting for a check, oldest first, with filters; confirm one or many, reject with a reason,
    or countersign everything a supervisor confirmed."""
    gemeente = current_user.gemeente
    args = request.args
    scope = args.get("scope", "mine")
    errors = {}
    clients_query = (Client.select(Client.id, Client.public_id, User.name).join(User, on=(Client.user == User.id))
                     .where(Client.gemeente == gemeente.id))
    if scope != "all":
        clients_query = clients_query.where(Client.contactpersoon == current_user.id)
    clients = list(clients_query.order_by(User.name, Client.id).limit(1000))

    query = _pending_query()
    if scope != "all":
        query = query.where(Client.contactpersoon == current_user.id)
    client_id = (args.get("client") or "").strip()
    if client_id:
        match = next((c for c in clients if str(c.public_id) == client_id), None)
        if match is None:
            errors["client"] = "invalid"
        else:
            query = query.where(Entry.client == match.id)
    category = args.get("category") or ""
    if category:
        if category in {c.value for c in Category}:
            query = query.where(Entry.category == category)
        else:
            errors["category"] = "invalid"
    week = (args.get("week") or "").strip()
    monday = None
    if week:
        monday = _parse_week(week)
        if monday is None:
            errors["week"] = "invalid"
        else:
            query = query.where(Entry.entry_date.between(monday, monday + datetime.timedelta(days=6)))
    confirmed = args.get("confirmed") or ""
    if confirmed == "yes":
        query = query.where(supervision.supervisor_confirmed_expr())
    elif confirmed == "no":
        query = query.where(supervision.not_supervisor_confirmed_expr())
    elif confirmed:
        errors["confirmed"] = "invalid"
    # The number of all waiting entries comes with the page's rows (a window count: no second query).
    query = query.select_extend(fn.COUNT(SQL("*")).over().alias("waiting")).order_by(Entry.entry_date, Entry.id)
    page = page_number(args)
    items = list(query.offset((page - 1) * INBOX_PAGE).limit(INBOX_PAGE))
    if not items and page > 1:  # past the end (entries were checked meanwhile): the first page
        page = 1
        items = list(query.limit(INBOX_PAGE))
    total = items[0].waiting if items else 0
    pages = max(1, math.ceil(total / INBOX_PAGE))
    countersign = [item for item in items if supervision.current_decision(item) == "confirmed"]
    filtered = bool(client_id or category or week or confirmed)
    return render_template(
        "contactpersoon/inbox.html", items=items, total=total, page=page, pages=pages,
        page_args={k: v for k, v in args.items() if k != "page"},
        scope=scope, category=category, clients=clients,
        client_id=client_id, week=week, weeks=_week_options(local_today(gemeente), monday), confirmed=confirmed,
        filtered=filtered, countersign=countersign, supervisor_decision=supervision.current_decision, now=utcnow(),
        errors={f: error_text(c) for f, c in errors.items()},
    ), (400 if errors else 200)


def _entries_by_public_ids(raw_ids):
    ids = []
    for raw in raw_ids[:MAX_BULK]:
        try:
            ids.append(uuid.UUID(raw))
        except ValueError:
            continue
    if not ids:
        return []
    return list(Entry.select(Entry, Client).join(Client, on=(Entry.client == Client.id))
                .where(Entry.public_id.in_(ids), Client.gemeente == current_user.gemeente_id))


@bp.post("/inbox")
@allow("contactpersoon")
def decide():
    """Confirm or reject the chosen entries (a rejection needs a common reason or own words), or
    countersign every entry on the page that the supervisor confirmed."""
    action = request.form.get("action")
    if action == "countersign":
        # Only what the supervisor confirmed (checked again here, not taken from the form).
        chosen = [e for e in _entries_by_public_ids(request.form.getlist("supervised"))
                  if supervision.current_decision(e) == "confirmed"]
    else:
        chosen = _entries_by_public_ids(request.form.getlist("entry"))
    reason = request.form.get("reason", "")
    code = (request.form.get("rejection_code") or "").strip()
    next_url = request.form.get("next") or url_for(".inbox")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = url_for(".inbox")
    if action not in ("confirm", "reject", "countersign") or not chosen:
        flash(_("Choose at least one entry and an action."), "error")
        return redirect(next_url)
    if action == "reject":
        if code and code not in REJECTION_REASON:
            flash(error_text("invalid"), "error")
            return redirect(next_url)
        if not code and not reason.strip():
            flash(_("Choose or write a reason for the rejection. The client will see it."), "error")
            return redirect(next_url)
    if len(reason) > entry_store.MAX_REASON:
        flash(error_text("too_long"), "error")
        return redirect(next_url)
    if action == "reject":
        done = skipped = 0
        for entry in chosen:
            try:
                entry_store.reject(entry, current_user, reason, rejection_code=code or None)
                done += 1
            except FieldErrors:
                skipped += 1
    else:
        # Confirming many at once: a fixed number of statements whatever the number chosen.
        done, skipped = entry_store.confirm_many(chosen, current_user)
    if action == "reject":
        flash(_("%(num)d rejected.", num=done), "success")
    else:
        flash(_("%(num)d confirmed.", num=done), "success")
    if skipped:
        flash(_("%(num)d could not be changed, because they were changed already.", num=skipped), "error")
    return redirect(next_url)


@bp.route("/sessions", methods=["GET", "POST"])
@allow("contactpersoon")
def sessions():
    """Group sessions (KNM, PVT, MAP) that clients can mark as attended."""
    gemeente = current_user.gemeente
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        errors = {}
        category = request.form.get("category")
        if category not in {c.value for c in SESSION_CATEGORIES}:
            errors["category"] = "required"
        title = clean(request.form.get("title"), 200, "title", errors, required=True)
        location = clean(request.form.get("location"), 200, "location", errors)
        starts = ends = None
        try:
            starts = local_to_utc(gemeente, datetime.datetime.fromisoformat(request.form.get("starts_at", "")))
        except ValueError:
            errors["starts_at"] = "invalid" if request.form.get("starts_at") else "required"
        try:
            duration = float((request.form.get("duration") or "").replace(",", "."))
        except ValueError:
            duration = 0
        if not 0.25 <= duration <= 12:
            errors["duration"] = "invalid"
        elif starts:
            ends = starts + datetime.timedelta(hours=duration)
        if not errors:
            session = GroupSession.create(gemeente=gemeente, category=category, title=title, location=location,
                                          starts_at=starts, ends_at=ends, created_by=current_user)
            record(current_user, "session.created", session, after={"title": title, "category": category})
            flash(_("The session is saved."), "success")
            # Straight on to who is in it: without a group it reminds everyone whose module it is.
            return redirect(url_for(".session_group", session_id=session.public_id))
        errors = {f: error_text(c) for f, c in errors.items()}
    items = list(GroupSession.select().where(GroupSession.gemeente == gemeente.id)
                 .order_by(GroupSession.starts_at.desc()).limit(50))
    counts = dict(Entry.select(Entry.session, fn.COUNT(Entry.id)).where(Entry.session.in_([s.id for s in items]))
                  .group_by(Entry.session).tuples()) if items else {}
    group_sizes = dict(SessionInvite.select(SessionInvite.session, fn.COUNT(SessionInvite.id))
                       .where(SessionInvite.session.in_([s.id for s in items]))
                       .group_by(SessionInvite.session).tuples()) if items else {}
    return render_template("contactpersoon/sessions.html", items=items, counts=counts, group_sizes=group_sizes,
                           errors=errors, values=values, categories=SESSION_CATEGORIES), (400 if errors else 200)


def _group_of(session_id: int) -> dict[str, int]:
    """The clients in a session's group: public id → client id."""
    return {str(public_id): client_id for client_id, public_id in
            SessionInvite.select(Client.id, Client.public_id).join(Client, on=(SessionInvite.client == Client.id))
            .where(SessionInvite.session == session_id).tuples()}


def _group_page(session, chosen: set, error: str | None = None, status: int = 200, copied_from=None):
    clients = (Client.select(Client.public_id, User.name).join(User, on=(Client.user == User.id))
               .where(Client.gemeente == session.gemeente_id, User.active == True,  # noqa: E712
                      User.anonymised_at.is_null())
               .order_by(User.name, Client.id).limit(5000).tuples())
    # Earlier sessions of the gemeente with a group, to start from (a weekly class keeps its group).
    earlier = list(GroupSession.select(GroupSession.public_id, GroupSession.title, GroupSession.starts_at)
                   .where(GroupSession.gemeente == session.gemeente_id, GroupSession.id != session.id,
                          fn.EXISTS(SessionInvite.select(SessionInvite.id)
                                    .where(SessionInvite.session == GroupSession.id)))
                   .order_by(GroupSession.starts_at.desc()).limit(30))
    return render_template("contactpersoon/session_group.html", session=session, clients=list(clients),
                           chosen=chosen, error=error, earlier=earlier, copied_from=copied_from), status


@bp.route("/sessions/<session_id>/group", methods=["GET", "POST"])
@allow("contactpersoon")
def session_group(session_id):
    """Who is in the group of a session: only they get its reminders (nobody chosen: everyone whose
    module it is)."""
    session = GroupSession.get_or_none(GroupSession.public_id == parse_uuid(session_id),
                                       GroupSession.gemeente == current_user.gemeente_id)
    if session is None:
        abort(404)
    current = _group_of(session.id)
    if request.method == "GET":
        source_id = request.args.get("from")
        if source_id:
            source = GroupSession.get_or_none(GroupSession.public_id == parse_uuid(source_id),
                                              GroupSession.gemeente == current_user.gemeente_id)
            if source is None:
                abort(404)
            return _group_page(session, set(_group_of(source.id)), copied_from=source)
        return _group_page(session, set(current))
    wanted, unreadable = set(), False
    for value in request.form.getlist("client"):
        if value.strip():
            try:
                wanted.add(str(uuid.UUID(value.strip())))
            except ValueError:
                unreadable = True
    found = {str(public_id): client_id for client_id, public_id in
             Client.select(Client.id, Client.public_id).join(User, on=(Client.user == User.id))
             .where(Client.public_id.in_([uuid.UUID(w) for w in wanted]), Client.gemeente == session.gemeente_id,
                    User.active == True).tuples()} if wanted else {}  # noqa: E712
    if unreadable or set(found) != wanted:
        # A client of another gemeente, one switched off meanwhile, or no id at all: nothing is
        # changed, and the clients that could be read stay ticked.
        return _group_page(session, set(found), error_text("invalid"), 400)
    with db.atomic():
        gone = SessionInvite.delete().where(SessionInvite.session == session.id)
        if found:
            gone = gone.where(SessionInvite.client.not_in(list(found.values())))
        gone.execute()
        new = [{"session": session.id, "client": found[w]} for w in wanted - set(current)]
        if new:
            SessionInvite.insert_many(new).on_conflict_ignore().execute()
        record(current_user, "session.group_changed", session, before={"clients": sorted(current)},
               after={"clients": sorted(wanted)})
    flash(_("The group is saved."), "success")
    return redirect(url_for(".sessions"))
