"""A double tap on submit saves once: every form carries a one-time key; a second POST with the
same key is answered like the first one's redirect, without running the view again."""
import uuid
from urllib.parse import urlparse

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from peewee import IntegrityError

from ..extensions import db
from ..models import FormKey


def new_key() -> str:
    """A fresh key for one rendered form."""
    return uuid.uuid4().hex


def check():
    """before_request: claim the form's key; a key seen before means this submit already happened."""
    if request.method != "POST" or request.path.startswith("/api/"):
        return None
    key = request.form.get("form_key", "")
    if not key or len(key) > 64:
        return None
    try:
        with db.atomic():
            FormKey.create(key=key)
    except IntegrityError:
        flash(_("This was already saved."), "success")
        return redirect(_back())
    return None


def _back() -> str:
    referrer = urlparse(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return url_for("auth.index")
    return referrer.path or url_for("auth.index")


def init_app(app) -> None:
    """Register the check after the access guard, and the template helper."""
    app.before_request(check)
    app.jinja_env.globals["form_key"] = new_key
