"""Every view declares who may call it; a request to a view without a rule is refused.

Object-level checks (whose client, which gemeente) happen in the loaders below, so a view
can never fetch a row by public id without also proving the caller may see it.
"""
import uuid

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user
from peewee import JOIN

from ..models import Client, Gemeente, User
from ..prepared import Prepared

PUBLIC = frozenset({"public"})
SETUP_ENDPOINTS = {"account.two_factor", "auth.logout", "auth.set_language"}
STAFF = ("contactpersoon", "admin")


def allow(*roles: str):
    """Declare the roles that may call a view ('public' for everyone)."""
    def decorate(view):
        view.access = PUBLIC if roles == ("public",) else frozenset(roles)
        return view
    return decorate


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def enforce():
    """before_request: apply the view's access rule; views without one fail closed."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    access = getattr(view, "access", None)
    if access is None:
        abort(403)
    if access is PUBLIC:
        return None
    if not current_user.is_authenticated:
        if _wants_json():
            return jsonify(error="login_required"), 401
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    if current_user.role not in access:
        abort(403)
    # Gemeente admins must use two-factor login: until it is on, only its set-up is open.
    if (current_user.role == "admin" and not current_user.totp_secret
            and request.endpoint not in SETUP_ENDPOINTS):
        return redirect(url_for("account.two_factor"))
    return None


def parse_uuid(value: str) -> uuid.UUID:
    """A public id from a URL, or 404."""
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        abort(404)


# Asked on every statushouder page and every client page: made once (tracker.prepared).
_own_client = Prepared(lambda user_id: Client.select(Client, Gemeente).join(Gemeente)
                       .where(Client.user == user_id).limit(1))
_Contactpersoon = User.alias("contactpersoon")
# With the client's own account and their contactpersoon (every client page names both).
_staff_client = Prepared(lambda public_id, gemeente_id: Client.select(Client, User, _Contactpersoon)
                         .join(User, on=(Client.user == User.id))
                         .switch(Client)
                         .join(_Contactpersoon, JOIN.LEFT_OUTER, on=(Client.contactpersoon == _Contactpersoon.id),
                               attr="contactpersoon")
                         .where(Client.public_id == public_id, Client.gemeente == gemeente_id).limit(1))


def own_client() -> Client:
    """The logged-in statushouder's own file."""
    client = _own_client.first(user_id=current_user.id)
    if client is None:
        abort(404)
    # The logged-in user is this client's user: reuse it instead of loading it again.
    client.user = current_user._get_current_object()
    return client


def staff_client(public_id: str) -> Client:
    """A client of the caller's gemeente, by public id; another gemeente's client is a 404."""
    client = _staff_client.first(public_id=parse_uuid(public_id), gemeente_id=current_user.gemeente_id)
    if client is None:
        abort(404)
    client.gemeente = current_user.gemeente
    return client


def gemeente_user(public_id: str, role: str | None = None) -> User:
    """A user of the caller's gemeente, by public id."""
    query = User.select().where(User.public_id == parse_uuid(public_id),
                                User.gemeente == current_user.gemeente_id)
    if role:
        query = query.where(User.role == role)
    user = query.get_or_none()
    if user is None:
        abort(404)
    return user
