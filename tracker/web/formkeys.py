"""A double tap on submit saves once: every form carries a one-time key; a second POST with the
same key is answered like the first one's redirect, without running the view again.

A form sent without its key (a script, a page cached before the keys existed) is recognised by
what it sends instead: when a logged-in user sends the same fields to the same address as in their
previous keyless submit, within FORM_REPEAT_SECONDS, it gets the same answer. Only the previous
submit counts, so switching something off and on again is never taken for a repeat. A submit that
was refused or failed does not count, with a key or without, so it can be sent again."""
import datetime
import hashlib
import hmac
import json
import logging
import uuid
from urllib.parse import urlparse

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import IntegrityError

from ..extensions import db
from ..models import FormKey, utcnow
from .auth import home_for

log = logging.getLogger(__name__)

# Forms that run every time, also when sent without a key just like the one before.
ALWAYS_RUN = frozenset({
    # Every wrong password or code counts towards the rate limit and the lockout.
    "auth.login", "auth.second_factor", "auth.activate", "account.password", "account.two_factor",
    # Ending sessions works every time: after logging in again, or when a stolen phone logged in meanwhile.
    "auth.logout", "account.logout_everywhere",
    # A new activation code is shown once: sent again, it makes another and shows it (the earlier one stops
    # working), instead of an answer without a code.
    "contactpersoon.new_code", "admin.staff_code",
    # The import has its own batch key, and its preview saves nothing.
    "exports.import_clients",
})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
NOT_DATA = frozenset({"csrf_token", "form_key"})


def new_key() -> str:
    """A fresh key for one rendered form."""
    return uuid.uuid4().hex


def check():
    """before_request: claim the form's key; a key seen before means this submit already happened."""
    if request.method != "POST" or request.path.startswith("/api/"):
        return None
    key = request.form.get("form_key", "")
    if not key:
        return _check_repeat()
    if len(key) > 64:
        return None
    try:
        with db.atomic():
            FormKey.create(key=key)
    except IntegrityError:
        return _already_saved()
    g.form_claim = (key, None, _error_flashes())
    return None


def _check_repeat():
    """A keyless form: the same as this user's previous keyless submit, not long ago, is a repeat."""
    if (request.endpoint in ALWAYS_RUN or request.mimetype not in FORM_TYPES
            or not current_user.is_authenticated):
        return None
    scope, digest, now = _scope(), _digest(), utcnow()
    since = now - datetime.timedelta(seconds=current_app.config["FORM_REPEAT_SECONDS"])
    # One row per user; each statement is atomic, so of two identical submits at once one gets through.
    claimed = (FormKey.update(digest=digest, created_at=now)
               .where(FormKey.key == scope,
                      FormKey.digest.is_null() | (FormKey.digest != digest) | (FormKey.created_at < since))
               .execute())
    if not claimed:
        try:
            with db.atomic():
                FormKey.create(key=scope, digest=digest, created_at=now)
        except IntegrityError:
            return _already_saved()
    g.form_claim = (scope, digest, _error_flashes())
    return None


def _sign(*parts) -> str:
    secret = current_app.config["SECRET_KEY"]
    message = json.dumps(parts, separators=(",", ":")).encode()
    return hmac.new(secret if isinstance(secret, bytes) else secret.encode(), message, hashlib.sha256).hexdigest()


def _scope() -> str:
    """The row of this user's last keyless submit; keyed with the secret, so no form_key can hit it."""
    return _sign("form-repeat", current_user.id)


def _digest() -> str:
    """What this submit sends: address and fields (order does not matter), uploaded files by content."""
    fields = sorted((k, v) for k, v in request.form.items(multi=True) if k not in NOT_DATA)
    files = []
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        files.append((name, upload.filename or "", hashlib.sha256(upload.stream.read()).hexdigest()))
        upload.stream.seek(0)
    return _sign(request.path, request.query_string.decode("latin-1"), fields, files)


def _error_flashes() -> int:
    return sum(1 for category, _message in session.get("_flashes", ()) if category == "error")


def _settle(response):
    """after_request: a refused or failed submit (an error status or an error flashed) is not
    remembered, keyed or not: sending it again must run it, not answer "already saved"."""
    claim = g.pop("form_claim", None)
    if claim and (response.status_code >= 400 or _error_flashes() > claim[2]):
        _forget_claim(claim)
    return response


def _settle_failed(exc):
    """teardown_request: a submit that failed before its answer was made is not remembered either."""
    claim = g.pop("form_claim", None)
    if claim:
        try:
            _forget_claim(claim)
        except Exception:  # noqa: BLE001 - the request is over; a leftover row only expires
            log.exception("could not forget a failed form submit")


def _forget_claim(claim) -> None:
    key, digest, _flashes = claim
    same = FormKey.digest.is_null() if digest is None else (FormKey.digest == digest)
    FormKey.delete().where(FormKey.key == key, same).execute()


def _already_saved():
    flash(_("This was already saved."), "success")
    return redirect(_back())


def _back() -> str:
    """The page the form was on; without one (a script), straight to the user's home."""
    referrer = urlparse(request.referrer or "")
    if referrer.path and (not referrer.netloc or referrer.netloc == request.host):
        return referrer.path
    return home_for(current_user) if current_user.is_authenticated else url_for("auth.index")


def forget(now: datetime.datetime) -> int:
    """Delete one-time keys older than FORM_KEY_DAYS and keyless digests past their window; the count."""
    config = current_app.config
    return (FormKey.delete()
            .where((FormKey.created_at < now - datetime.timedelta(days=config["FORM_KEY_DAYS"]))
                   | (FormKey.digest.is_null(False)
                      & (FormKey.created_at < now - datetime.timedelta(seconds=config["FORM_REPEAT_SECONDS"]))))
            .execute())


def init_app(app) -> None:
    """Register the check after the access guard, and the template helper."""
    app.before_request(check)
    app.after_request(_settle)
    app.teardown_request(_settle_failed)
    app.jinja_env.globals["form_key"] = new_key
