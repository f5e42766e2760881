"""Supervisor confirmation without an account.

The statushouder records placements (where they gain work experience, and who supervises them)
and makes a one-time, expiring link for a batch of entries. The supervisor opens the link (no
login, always in Dutch), confirms or rejects each entry, and the link is used up. The
contactpersoon sees the supervisor's answers in the inbox and decides.
"""
from urllib.parse import quote

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from .. import supervision
from ..models import utcnow
from ..validation import FieldErrors
from .access import allow, own_client, parse_uuid
from .labels import CATEGORY, SUPERVISOR_ENTRY_ERROR, error_text

bp = Blueprint("supervisor", __name__)

SUPERVISOR_LOCALE = "nl"


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _category_options():
    return [(code, CATEGORY.get(code, code)) for code in supervision.CATEGORIES]


def _placements_page(client, errors=None, values=None, status=200):
    placements = supervision.placements_of(client)
    return render_template(
        "supervisor/placements.html", client=client, placements=placements,
        newest=supervision.request_overview(placements), open_counts=supervision.open_counts(client),
        categories=_category_options(), errors=errors or {}, values=values or {}, now=utcnow(),
    ), status


@bp.route("/me/placements", methods=["GET", "POST"])
@allow("statushouder")
def placements():
    """Where I do work experience and who supervises me there; add a placement."""
    client = own_client()
    if request.method == "POST":
        try:
            placement = supervision.create_placement(client, request.form, current_user)
        except FieldErrors as exc:
            return _placements_page(client, {f: error_text(c) for f, c in exc.errors.items()},
                                    request.form.to_dict(), 400)
        flash(_("The placement is saved."), "success")
        return redirect(url_for(".new_request", placement_id=placement.public_id))
    return _placements_page(client)


def _own_placement(client, placement_id):
    placement = supervision.placement_of(client, parse_uuid(placement_id))
    if placement is None:
        abort(404)
    return placement


def _entry_error(code: str) -> str:
    text = SUPERVISOR_ENTRY_ERROR.get(code, SUPERVISOR_ENTRY_ERROR["invalid"])
    return str(text) % {"num": supervision.MAX_ENTRIES} if code == "too_many" else str(text)


@bp.route("/me/placements/<placement_id>/request", methods=["GET", "POST"])
@allow("statushouder")
def new_request(placement_id):
    """Choose entries for the supervisor to confirm; make a one-time link with a QR code."""
    client = own_client()
    placement = _own_placement(client, placement_id)
    errors, chosen = {}, set()
    if request.method == "POST":
        chosen = set(request.form.getlist("entry"))
        try:
            req, token, entries = supervision.create_request(client, placement, request.form.getlist("entry"),
                                                             current_user)
        except FieldErrors as exc:
            errors = {f: _entry_error(c) for f, c in exc.errors.items()}
        else:
            return _no_store(current_app.make_response(_link_page(client, placement, req, token, entries)))
    entries = list(supervision.open_entries(client, placement.category).limit(200))
    return render_template("supervisor/request.html", client=client, placement=placement, entries=entries,
                           errors=errors, chosen=chosen), (400 if errors else 200)


def _link_page(client, placement, req, token, entries):
    link = url_for(".confirm", token=token, _external=True)
    qr = segno.make(link, error="m")
    svg = Markup(qr.svg_inline(scale=4, title=_("QR code of the link for your supervisor")))
    subject = _("Please confirm my hours")
    body = _("Hello %(name)s, could you confirm my hours at %(organisation)s? Open this link: %(link)s",
             name=placement.supervisor_name, organisation=placement.organisation, link=link)
    kind = supervision.contact_kind(placement.supervisor_contact)
    share = None
    if kind == "email":
        share = f"mailto:{quote(placement.supervisor_contact, safe='@')}?subject={quote(subject)}&body={quote(body)}"
    elif kind == "phone":
        number = "".join(ch for ch in placement.supervisor_contact if ch.isdigit() or ch == "+")
        share = f"sms:{number}?body={quote(body)}"
    return render_template("supervisor/link.html", client=client, placement=placement, link=link, qr=svg,
                           entries=entries, share=share, share_kind=kind, expires=req.expires_at)


# --- the supervisor's page (public, by secret) ------------------------------------------------------

def _first_name(client) -> str:
    name = (client.user.name or "").strip()
    return name.split()[0] if name else ""


def _supervisor_page(template, status=200, **context):
    """The supervisor's pages are always in Dutch, never cached, and not for search engines."""
    with force_locale(SUPERVISOR_LOCALE):
        response = current_app.make_response((render_template(template, **context), status))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return _no_store(response)


@bp.route("/supervisor/<token>", methods=["GET", "POST"])
@allow("public")
def confirm(token):
    """Confirm or reject the entries on a one-time link; the link is used up on submit."""
    link = supervision.find_link(token)
    if link is None:
        abort(404)
    common = {"placement": link.placement, "first_name": _first_name(link.client)}
    if current_user.is_authenticated and current_user.id == link.client.user_id:
        # The statushouder cannot vouch for their own hours.
        return _supervisor_page("supervisor/closed.html", 403, state="own", **common)
    if link.state != "open":
        return _supervisor_page("supervisor/closed.html", 410, state=link.state, **common)
    entries = supervision.link_entries(link)
    if not entries:
        return _supervisor_page("supervisor/closed.html", 200, state="empty", **common)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            counts = supervision.submit(link, request.form)
        except supervision.LinkNotOpen as exc:
            return _supervisor_page("supervisor/closed.html", 410, state=exc.state, **common)
        except FieldErrors as exc:
            with force_locale(SUPERVISOR_LOCALE):
                errors = {f: _supervisor_error(f, c) for f, c in exc.errors.items()}
        else:
            return _supervisor_page("supervisor/done.html", counts=counts, **common)
    return _supervisor_page("supervisor/confirm.html", 400 if errors else 200, entries=entries, errors=errors,
                            values=values, signature=supervision.shown_signature, **common)


def _supervisor_error(field: str, code: str) -> str:
    if field.startswith("decision-"):
        return _("Choose: correct or not correct.")
    if field.startswith("reason-") and code == "required":
        return _("Write why this is not correct.")
    return error_text(code)

