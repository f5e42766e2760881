"""The gemeente admin: contactpersonen, reassigning clients, settings and anonymous totals."""
import uuid
from zoneinfo import available_timezones

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import fn

from .. import accounts
from ..audit import record
from ..domain.progress import summarize
from ..facts import load_facts, rules_for
from ..models import Client, Gemeente, User
from ..validation import FieldErrors
from .access import allow, gemeente_user
from .auth import issue_activation_code
from .contactpersoon import _show_code
from .labels import error_text
from .timeutil import local_today

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
SMALL_COUNT = 5


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
                elif raw.isdigit() and 1 <= int(raw) <= 52:
                    new[key] = int(raw)
                else:
                    errors[key] = error_text("invalid")
            else:
                if len(raw) > 60:
                    errors[key] = error_text("too_long")
                elif raw:
                    new[key] = raw
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
    """Anonymous totals: clients per route and risk level; counts under 5 are hidden."""
    gemeente = current_user.gemeente
    rules = rules_for(gemeente)
    clients = list(Client.select().where(Client.gemeente == gemeente.id))
    facts = load_facts(clients, local_today(gemeente), rules)
    per_route, per_risk = {}, {}
    for fact in facts.values():
        summary = summarize(fact, rules)
        per_route[fact.leerroute or "none"] = per_route.get(fact.leerroute or "none", 0) + 1
        level = "done" if summary.fulfilled else summary.risk.level
        per_risk[level] = per_risk.get(level, 0) + 1
    return render_template("admin/totals.html", total=len(clients), per_route=suppress(per_route),
                           per_risk=suppress(per_risk), small=SMALL_COUNT)


def suppress(counts: dict[str, int]) -> dict[str, int | None]:
    """Hide counts from 1 to 4 (None). When exactly one is hidden, the total would give it away,
    so the next smallest count is hidden too."""
    out = {k: (None if 0 < v < SMALL_COUNT else v) for k, v in counts.items()}
    hidden = [k for k, v in out.items() if v is None]
    if len(hidden) == 1:
        visible = sorted((v, k) for k, v in out.items() if v)
        if visible:
            out[visible[0][1]] = None
    return out
