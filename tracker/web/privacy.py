"""Privacy (AVG): the privacy page, a statushouder's own data export, and the admin's erasure."""
import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import privacy
from ..audit import record
from ..models import Client, Gemeente, User
from ..notify.texts import render as render_message
from ..validation import FieldErrors, clean, parse_date
from .access import allow, staff_client
from .labels import error_text
from .timeutil import local_today, zone

bp = Blueprint("privacy", __name__)

SEARCH_LIMIT = 50


# --- everyone --------------------------------------------------------------------------------------

@bp.get("/privacy")
@allow("public")
def page():
    """The privacy statement in plain language: what we store, why, who sees it, how long, your rights."""
    gemeente = current_user.gemeente if current_user.is_authenticated else None
    months = privacy.retention_months(gemeente) if gemeente else privacy.DEFAULT_RETENTION_MONTHS
    return render_template("privacy/page.html", gemeente=gemeente, months=months,
                           default_months=privacy.DEFAULT_RETENTION_MONTHS)


# --- the statushouder's own data -------------------------------------------------------------------

@bp.get("/me/data.json")
@allow("statushouder")
def data_json():
    """All data about the logged-in statushouder as a JSON file (AVG art. 15 and 20)."""
    data = privacy.export(current_user._get_current_object())
    today = local_today(current_user.gemeente).isoformat()
    response = current_app.response_class(privacy.to_json(data), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="mijnroute-{today}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/me/dossier")
@allow("statushouder")
def dossier():
    """The same data as a readable page that prints well."""
    user = current_user._get_current_object()
    data = privacy.export(user)
    tz = zone(user.gemeente)
    for message in data["messages"]:
        try:
            message["title"] = render_message(message["kind"], message["params"], tz)[0]
        except Exception:  # noqa: BLE001 - an old or odd reminder must not break the dossier
            message["title"] = message["kind"]
    response = current_app.make_response(render_template("privacy/dossier.html", data=data))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the gemeente admin ----------------------------------------------------------------------------

def _search(gemeente, q: str) -> list[Client]:
    query = (Client.select(Client, User).join(User, on=(Client.user == User.id))
             .where(Client.gemeente == gemeente.id))
    try:
        query = query.where(Client.public_id == uuid.UUID(q))
    except ValueError:
        query = query.where(User.name.contains(q) | User.username.contains(q))
    return list(query.order_by(User.name).limit(SEARCH_LIMIT))


@bp.route("/admin/privacy", methods=["GET", "POST"])
@allow("admin")
def admin_overview():
    """Clients whose retention period passed, a search for any client, and the retention period."""
    gemeente = Gemeente.get_by_id(current_user.gemeente_id)
    errors = {}
    if request.method == "POST":
        raw = (request.form.get("retention_months") or "").strip()
        new = dict(gemeente.settings or {})
        if raw == "":
            new.pop("retention_months", None)
        elif raw.isdecimal() and 1 <= int(raw) <= privacy.MAX_RETENTION_MONTHS:  # isdigit() lets '²' reach int()
            new["retention_months"] = int(raw)
        else:
            errors["retention_months"] = error_text("retention_months")
        if not errors:
            before = {"retention_months": (gemeente.settings or {}).get("retention_months")}
            gemeente.settings = new
            gemeente.save()
            record(current_user, "gemeente.settings_changed", gemeente, before=before,
                   after={"retention_months": new.get("retention_months")}, gemeente=gemeente.id)
            flash(_("The settings are saved."), "success")
            return redirect(url_for(".admin_overview"))
    today = local_today(gemeente)
    # Control characters out: PostgreSQL refuses a NUL byte in a query (a 500).
    q = (clean(request.args.get("q"), 80, "q", {}) or "")[:80]
    due = privacy.due_for_retention(gemeente, today, limit=200)
    results = _search(gemeente, q) if q else None
    ends = {c.id: privacy.retention_ends_on(c, gemeente) for c in due + (results or [])}
    return render_template("privacy/admin_overview.html", gemeente=gemeente, due=due, results=results, q=q,
                           ends=ends, months=privacy.retention_months(gemeente),
                           default_months=privacy.DEFAULT_RETENTION_MONTHS, errors=errors,
                           values=request.form.to_dict()), (400 if errors else 200)


def _client_page(client, errors=None, values=None, form=None, status=200):
    gemeente = client.gemeente
    today = local_today(gemeente)
    return render_template("privacy/admin_client.html", client=client, user=client.user,
                           retention_ends=privacy.retention_ends_on(client, gemeente),
                           retention_passed=privacy.retention_passed(client, gemeente, today),
                           months=privacy.retention_months(gemeente), today=today,
                           errors=errors or {}, values=values or {}, form=form), status


@bp.get("/admin/clients/<client_id>/privacy")
@allow("admin")
def admin_client(client_id):
    """One client's privacy page: end of the duty, retention, anonymise or erase."""
    return _client_page(staff_client(client_id))


@bp.post("/admin/clients/<client_id>/privacy/duty-ended")
@allow("admin")
def admin_duty_ended(client_id):
    """Record the day the duty to integrate ended (empty clears it)."""
    client = staff_client(client_id)
    errors = {}
    day = parse_date(request.form.get("duty_ended_on"), "duty_ended_on", errors, required=False)
    if day and day > local_today(client.gemeente):
        errors["duty_ended_on"] = "date_in_future"
    if errors:
        return _client_page(client, {k: error_text(v) for k, v in errors.items()}, request.form.to_dict(),
                            "duty", 400)
    privacy.set_duty_ended(client, day, current_user._get_current_object())
    flash(_("The end of the duty is saved."), "success")
    return redirect(url_for(".admin_client", client_id=client.public_id))


def _confirmed(client, form_name):
    """None when the form is confirmed; otherwise the page with the messages."""
    try:
        privacy.check_confirmation(client, client.user, request.form.get("confirm"), request.form.get("art17") == "1")
    except FieldErrors as exc:
        return _client_page(client, {k: error_text(v) for k, v in exc.errors.items()}, request.form.to_dict(),
                            form_name, 400)
    return None


def _reason(client) -> str:
    return "duty_ended" if client.duty_ended_on else "art17"


@bp.post("/admin/clients/<client_id>/anonymise")
@allow("admin")
def admin_anonymise(client_id):
    """Anonymise the client: names, contact details, logins and messages go; the numbers stay."""
    client = staff_client(client_id)
    if client.user.anonymised_at:
        flash(error_text("already_anonymised"), "error")
        return redirect(url_for(".admin_client", client_id=client.public_id))
    refused = _confirmed(client, "anonymise")
    if refused:
        return refused
    privacy.anonymise(client, current_user._get_current_object(), reason=_reason(client))
    flash(_("The client is anonymised."), "success")
    return redirect(url_for(".admin_client", client_id=client.public_id))


@bp.post("/admin/clients/<client_id>/erase")
@allow("admin")
def admin_erase(client_id):
    """Erase the client and everything of theirs; only the public id stays in the audit log."""
    client = staff_client(client_id)
    refused = _confirmed(client, "erase")
    if refused:
        return refused
    public_id = privacy.erase(client, current_user._get_current_object(), reason=_reason(client))
    flash(_("The client %(id)s and all their data are erased.", id=public_id[:8]), "success")
    return redirect(url_for(".admin_overview"))
