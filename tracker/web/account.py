"""The account's own security: password change, log out everywhere, two-factor login (TOTP)."""
import datetime
import hashlib
import hmac
import secrets
import uuid

import pyotp
import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from markupsafe import Markup
from peewee import Value

from .. import audit, security
from ..extensions import limiter
from ..models import User
from .access import STAFF, allow

bp = Blueprint("account", __name__, url_prefix="/settings")
RECOVERY_CODES = 10


def hash_recovery(code: str) -> str:
    """Recovery codes are stored hashed, like activation codes."""
    return hashlib.sha256(code.strip().replace("-", "").upper().encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    """Ten one-time codes, XXXXX-XXXXX."""
    return [f"{raw[:5]}-{raw[5:]}" for raw in (secrets.token_hex(5).upper() for _i in range(RECOVERY_CODES))]


def _use_totp(user: User, code: str) -> bool:
    """The code of the current step or a neighbour (clocks drift), each step used at most once:
    the step is stored in the same statement that checks it is newer than the last one used."""
    totp = pyotp.TOTP(user.totp_secret)
    now = datetime.datetime.now(datetime.UTC)
    current = totp.timecode(now)
    for offset in (0, -1, 1):
        step = current + offset
        if hmac.compare_digest(totp.generate_otp(step), code):
            return bool(User.update(totp_last_step=step)
                        .where(User.id == user.id,
                               User.totp_last_step.is_null() | (User.totp_last_step < step)).execute())
    return False


def verify_second_factor(user: User, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (which is then used up)."""
    code = (code or "").strip().replace(" ", "")
    if not user.totp_secret or not code:
        return False
    if code.isdigit() and len(code) == 6:
        return _use_totp(user, code)
    hashed = hash_recovery(code)
    remaining = list(user.recovery_codes or [])
    if hashed not in remaining:
        return False
    remaining.remove(hashed)
    # Used up in the same statement that checks it is still there, so it works only once.
    # The list as one JSON value: peewee would otherwise read a Python list as "IN (…)".
    unchanged = Value(user.recovery_codes, converter=User.recovery_codes.db_value, unpack=False)
    updated = (User.update(recovery_codes=remaining)
               .where(User.id == user.id, User.recovery_codes == unchanged).execute())
    return bool(updated)


def _relogin(user: User) -> None:
    """Keep this session after the login token changed (other sessions end)."""
    fresh = User.get_by_id(user.id)
    login_user(fresh)


@bp.route("/password", methods=["GET", "POST"])
@allow("statushouder", "contactpersoon", "admin")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"])
def password():
    """Change the password; every other session of this account ends."""
    errors = {}
    if request.method == "POST":
        current = request.form.get("current", "")
        new = request.form.get("new", "")
        if not security.verify_password(current_user.password_hash, current):
            errors["current"] = _("This is not your current password.")
        if len(new) < security.MIN_PASSWORD or len(new) > 200:
            errors["new"] = _("Use at least 8 characters.")
        elif new != request.form.get("confirm", ""):
            errors["confirm"] = _("The two passwords are not the same.")
        if not errors:
            (User.update(password_hash=security.hash_password(new), session_token=uuid.uuid4().hex)
             .where(User.id == current_user.id).execute())
            audit.record(current_user._get_current_object(), "account.password_changed", current_user)
            _relogin(current_user)
            flash(_("Your password is changed. You are logged out on your other devices."), "success")
            return redirect(url_for("auth.settings"))
    return render_template("account/password.html", errors=errors), (400 if errors else 200)


@bp.post("/logout-everywhere")
@allow("statushouder", "contactpersoon", "admin")
def logout_everywhere():
    """End every other session of this account (a lost phone)."""
    User.update(session_token=uuid.uuid4().hex).where(User.id == current_user.id).execute()
    audit.record(current_user._get_current_object(), "account.logged_out_everywhere", current_user)
    _relogin(current_user)
    flash(_("You are logged out on all other devices."), "success")
    return redirect(url_for("auth.settings"))


@bp.route("/two-factor", methods=["GET", "POST"])
@allow(*STAFF)
def two_factor():
    """Turn on two-factor login: scan the QR code with an authenticator app, type a code."""
    if current_user.totp_secret and request.method == "GET":
        return render_template("account/two_factor_on.html", codes=None)
    secret = session.get("totp_setup") or pyotp.random_base32()
    session["totp_setup"] = secret
    error = None
    if request.method == "POST":
        if pyotp.TOTP(secret).verify(request.form.get("code", "").strip(), valid_window=1):
            codes = new_recovery_codes()
            (User.update(totp_secret=secret, recovery_codes=[hash_recovery(c) for c in codes])
             .where(User.id == current_user.id).execute())
            session.pop("totp_setup", None)
            audit.record(current_user._get_current_object(), "account.two_factor_on", current_user)
            response = current_app.make_response(render_template("account/two_factor_on.html", codes=codes))
            response.headers["Cache-Control"] = "no-store"
            return response
        error = _("This code is not right. Type the 6 digits your app shows now.")
    uri = pyotp.TOTP(secret).provisioning_uri(name=current_user.username, issuer_name="Mijn Route")
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code for your authenticator app")))
    response = current_app.make_response(render_template(
        "account/two_factor_setup.html", qr=qr, secret=secret, error=error,
        required=current_user.role == "admin"))
    response.headers["Cache-Control"] = "no-store"
    return response, (400 if error else 200)


@bp.post("/two-factor/off")
@allow("contactpersoon")  # gemeente admins must keep it
def two_factor_off():
    """Contactpersonen may turn it off again."""
    User.update(totp_secret=None, recovery_codes=[]).where(User.id == current_user.id).execute()
    audit.record(current_user._get_current_object(), "account.two_factor_off", current_user)
    flash(_("Two-factor login is off."), "success")
    return redirect(url_for("auth.settings"))
