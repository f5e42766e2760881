"""The gemeente admin: contactpersonen, reassigning clients, settings and the audit log (the anonymous
totals are on the monitoring page, tracker.web.monitoring)."""
import datetime
import uuid
from zoneinfo import available_timezones

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN, fn

from .. import accounts
from ..audit import record
from ..models import AuditLog, Client, Gemeente, User
from ..validation import FieldErrors, clean, page_number, parse_date
from .access import allow, gemeente_user
from .auth import issue_activation_code
from .contactpersoon import _show_code
from .labels import error_text
from .timeutil import local_to_utc

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Gemeente settings an admin may change, with their type: (key, kind).
SETTINGS = (
    ("map_waiver", "bool"),
    ("voortgangsgesprek_weeks", "int"),
    ("label_B", "text"),
    ("label_O", "text"),
    ("label_Z", "text"),
    ("contactpersoon_label", "text"),
)


@bp.route("/staff", methods=["GET", "POST"])
@allow("admin")
def staff():
    """Contactpersonen of the gemeente, with the number of clients each; add a new one."""
    gemeente = current_user.gemeente
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            user = accounts.create_staff(gemeente, request.form, current_user, request.form.get("role", "contactpersoon"))
            code = issue_activation_code(user, current_user, current_app.config["ACTIVATION_DAYS"])
            return _show_code(user, code)
        except FieldErrors as exc:
            errors = {f: error_text(c) for f, c in exc.errors.items()}
    people = list(User.select().where(User.gemeente == gemeente.id, User.role.in_(("contactpersoon", "admin")))
                  .order_by(User.role.desc(), User.name))
    counts = dict(Client.select(Client.contactpersoon, fn.COUNT(Client.id)).where(Client.gemeente == gemeente.id)
                  .group_by(Client.contactpersoon).tuples())
    return render_template("admin/staff.html", people=people, counts=counts, errors=errors,
                           values=values), (400 if errors else 200)


@bp.post("/staff/<user_id>/activation")
@allow("admin")
def staff_code(user_id):
    """A new activation code for a staff member."""
    user = gemeente_user(user_id)
    if user.role == "statushouder":
        return redirect(url_for(".staff"))
    code = issue_activation_code(user, current_user, current_app.config["ACTIVATION_DAYS"])
    return _show_code(user, code)


@bp.post("/staff/<user_id>/active")
@allow("admin")
def staff_active(user_id):
    """Switch a staff account on or off (an admin cannot switch off themself)."""
    user = gemeente_user(user_id)
    if user.role == "statushouder" or user.id == current_user.id:
        flash(_("This is not possible for this account."), "error")
        return redirect(url_for(".staff"))
    accounts.set_active(user, request.form.get("active") == "1", current_user)
    flash(_("The account is changed."), "success")
    return redirect(url_for(".staff"))


@bp.route("/clients", methods=["GET", "POST"])
@allow("admin")
def clients():
    """Move clients to another contactpersoon (names only; the file stays with the contactpersoon)."""
    gemeente = current_user.gemeente
    if request.method == "POST":
        target = None
        try:
            target = gemeente_user(request.form.get("contactpersoon", ""), role="contactpersoon")
        except Exception:  # noqa: BLE001 - gemeente_user aborts with 404 on a foreign or bad id
            target = None
        moved = 0
        for raw in request.form.getlist("client")[:500]:
            try:
                client = Client.get_or_none(Client.public_id == uuid.UUID(raw), Client.gemeente == gemeente.id)
            except ValueError:
                client = None
            if client and target:
                accounts.reassign(client, target, current_user)
                moved += 1
        if moved:
            flash(_("%(num)d moved.", num=moved), "success")
        else:
            flash(_("Choose clients and a contactpersoon."), "error")
        return redirect(url_for(".clients"))
    rows = list(Client.select(Client, User).join(User, on=(Client.user == User.id))
                .where(Client.gemeente == gemeente.id).order_by(User.name))
    staff_members = {u.id: u for u in User.select().where(User.gemeente == gemeente.id, User.role == "contactpersoon")}
    return render_template("admin/clients.html", rows=rows, staff=staff_members)


@bp.route("/settings", methods=["GET", "POST"])
@allow("admin")
def settings():
    """Gemeente settings: local route labels, MAP waiver, voortgangsgesprek interval, time zone."""
    gemeente = Gemeente.get_by_id(current_user.gemeente_id)
    errors = {}
    if request.method == "POST":
        new = dict(gemeente.settings or {})
        for key, kind in SETTINGS:
            raw = (request.form.get(key) or "").strip()
            if kind == "bool":
                new[key] = raw == "1"
            elif kind == "int":
                if raw == "":
                    new.pop(key, None)
                elif raw.isdecimal() and 1 <= int(raw) <= 52:  # isdigit() lets '²' reach int(): a 500
                    new[key] = int(raw)
                else:
                    errors[key] = error_text("invalid")
            else:
                # Labels are shown to clients: control characters go, like in every other text field.
                codes = {}
                label = clean(raw, 60, key, codes)
                if codes:
                    errors[key] = error_text(codes[key])
                elif label:
                    new[key] = label
                else:
                    new.pop(key, None)
        tz = request.form.get("timezone") or gemeente.timezone
        if tz not in available_timezones():
            errors["timezone"] = error_text("invalid")
        if not errors:
            before = {"settings": gemeente.settings, "timezone": gemeente.timezone}
            gemeente.settings, gemeente.timezone = new, tz
            gemeente.save()
            record(current_user, "gemeente.settings_changed", gemeente, before=before,
                   after={"settings": new, "timezone": tz}, gemeente=gemeente.id)
            flash(_("The settings are saved."), "success")
            return redirect(url_for(".settings"))
    return render_template("admin/settings.html", gemeente=gemeente, errors=errors,
                           values=request.form.to_dict() if errors else {}), (400 if errors else 200)


@bp.get("/totals")
@allow("admin")
def totals():
    """The old totals page: the anonymous totals are on the monitoring page now; this links there."""
    return render_template("admin/totals.html")


AUDIT_PAGE = 50


@bp.get("/audit")
@allow("admin")
def audit():
    """The gemeente's audit log, newest first, 50 a page; filter on action, actor, client and dates."""
    gemeente = current_user.gemeente
    args = request.args
    errors = {}
    staff_members = list(User.select().where(User.gemeente == gemeente.id, User.role.in_(("contactpersoon", "admin")))
                         .order_by(User.name))
    query = AuditLog.select(AuditLog, User).join(User, JOIN.LEFT_OUTER, on=(AuditLog.actor == User.id)) \
        .where(AuditLog.gemeente == gemeente.id)
    # Control characters out: PostgreSQL refuses a NUL byte in a query (a 500).
    action = (clean(args.get("action"), 60, "action", {}) or "")[:60]
    if action:
        query = query.where(AuditLog.action.startswith(action))
    actor = args.get("actor") or ""
    if actor == "system":
        query = query.where(AuditLog.actor.is_null())
    elif actor:
        chosen = next((u for u in staff_members if str(u.public_id) == actor), None)
        if chosen is None:
            errors["actor"] = error_text("invalid")
        else:
            query = query.where(AuditLog.actor == chosen.id)
    client_raw = (args.get("client") or "").strip()
    if client_raw:
        try:
            client_id = uuid.UUID(client_raw)
        except ValueError:
            errors["client"] = error_text("invalid")
        else:
            # An erased client's rows keep only the public id (the link to the row is gone).
            client = Client.get_or_none(Client.public_id == client_id, Client.gemeente == gemeente.id)
            about = AuditLog.object_id == str(client_id)
            query = query.where((AuditLog.client == client.id) | about if client else about)
    dates = {}
    for key in ("date_from", "date_to"):
        codes = {}
        day = parse_date((args.get(key) or "").strip(), key, codes, required=False)
        if day and not 1900 <= day.year <= 2999:  # 9999-12-31 + 1 day would overflow (a 500)
            codes[key] = "invalid"
        if codes:
            errors[key] = error_text(codes[key])
        elif day:
            dates[key] = day
    if "date_from" in dates:
        start = datetime.datetime.combine(dates["date_from"], datetime.time())
        query = query.where(AuditLog.created_at >= local_to_utc(gemeente, start))
    if "date_to" in dates:
        end = datetime.datetime.combine(dates["date_to"] + datetime.timedelta(days=1), datetime.time())
        query = query.where(AuditLog.created_at < local_to_utc(gemeente, end))
    page = page_number(args, most=100_000)
    rows = list(query.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
                .offset((page - 1) * AUDIT_PAGE).limit(AUDIT_PAGE + 1))
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    clients = {c.id: c for c in Client.select(Client.id, Client.public_id)
               .where(Client.id.in_({r.client_id for r in rows if r.client_id}))} if rows else {}
    filters = {k: v for k, v in {"action": action, "actor": actor, "client": client_raw,
                                 "date_from": args.get("date_from", ""), "date_to": args.get("date_to", "")}.items()
               if v}
    return render_template("admin/audit.html", rows=rows, clients=clients, staff=staff_members, filters=filters,
                           page=page, more=more, errors=errors), (400 if errors else 200)
