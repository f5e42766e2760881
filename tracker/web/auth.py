"""Login, activation with a one-time code, logout and the language switch."""
import datetime
import uuid
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, refresh
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import audit, i18n, security
from ..extensions import limiter
from ..models import ActivationCode, PushSubscription, User, utcnow
from .access import allow
from .catalog import lazy as _l

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Fill in your username.")), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Fill in your password.")), Length(max=200)])
    next = HiddenField()


class ActivateForm(FlaskForm):
    code = StringField(_l("Activation code"), validators=[DataRequired(_l("Fill in the code.")), Length(max=20)])
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=security.MIN_PASSWORD, max=200, message=_l("Use at least 8 characters."))])
    confirm = PasswordField(_l("Password again"), validators=[
        EqualTo("password", message=_l("The two passwords are not the same."))])


def home_for(user) -> str:
    """The first page for each role."""
    return {
        "statushouder": url_for("statushouder.home"),
        "contactpersoon": url_for("contactpersoon.caseload"),
        "admin": url_for("admin.staff"),
    }[user.role]


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths; anything else could send the user to another site."""
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _fresh_session() -> None:
    """Drop anything planted before login (session fixation), incl. the old CSRF token; keep the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _failed_attempt(user: User, now) -> None:
    """Count a wrong password or code; repeated failures lock the account for a while."""
    user.failed_logins += 1
    user.locked_until = security.lockout_until(user.failed_logins, now)
    user.save()


def _start_session(user: User) -> None:
    _fresh_session()
    login_user(user)
    session.permanent = True
    user.last_login_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    user.save()


@bp.route("/login", methods=["GET", "POST"])
@allow("public")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"])
def login():
    """Username and password; locks the account for a while after repeated failures."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error = None
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        # A NUL byte cannot be in a username, and PostgreSQL refuses it in a query (a 500).
        user = User.get_or_none(User.username == username) if "\x00" not in username else None
        now = utcnow()
        if user and user.locked_until and user.locked_until > now:
            error = _("Too many wrong tries. Please wait a few minutes and try again.")
        elif user and user.active and security.verify_password(user.password_hash, form.password.data):
            if user.totp_secret:
                # Second step: the password alone is not enough for this account.
                _fresh_session()
                session.update({"2fa_user": str(user.public_id), "2fa_next": _safe_next(form.next.data) or ""})
                return redirect(url_for("auth.second_factor"))
            _start_session(user)
            return redirect(_safe_next(form.next.data) or home_for(user))
        else:
            if user:
                _failed_attempt(user, now)
            error = _("The username or password is not right.")
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/login/code", methods=["GET", "POST"])
@allow("public")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"])
def second_factor():
    """The second login step for accounts with two-factor login: a code from the app or a recovery code."""
    from .account import verify_second_factor
    pending = session.get("2fa_user")
    user = User.get_or_none(User.public_id == pending) if pending else None
    if user is None or not user.active or not user.totp_secret:
        session.pop("2fa_user", None)
        return redirect(url_for("auth.login"))
    error = None
    if request.method == "POST":
        now = utcnow()
        if user.locked_until and user.locked_until > now:
            error = _("Too many wrong tries. Please wait a few minutes and try again.")
        elif verify_second_factor(user, request.form.get("code", "")):
            target = session.get("2fa_next") or None
            _start_session(User.get_by_id(user.id))
            return redirect(target or home_for(user))
        else:
            _failed_attempt(user, now)
            error = _("This code is not right. Try again, or use one of your recovery codes.")
    return render_template("auth/second_factor.html", error=error), (400 if error else 200)


@bp.route("/activate", methods=["GET", "POST"])
@allow("public")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"])
def activate():
    """A statushouder (or staff member) uses a one-time code to choose a password."""
    form = ActivateForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = security.normalize_code(request.args["code"])
    if form.validate_on_submit():
        now = utcnow()
        code = ActivationCode.get_or_none(ActivationCode.code_hash == security.hash_code(form.code.data))
        if code is None or code.used_at is not None or code.expires_at < now:
            form.code.errors.append(_("This code is not valid or has expired. Ask your contactpersoon for a new code."))
        else:
            user = code.user
            # Single use: mark it used in the same statement that checks it is still unused.
            claimed = (ActivationCode.update(used_at=now)
                       .where(ActivationCode.id == code.id, ActivationCode.used_at.is_null())
                       .execute())
            if not claimed:
                form.code.errors.append(_("This code is not valid or has expired. Ask your contactpersoon for a new code."))
            else:
                user.password_hash = security.hash_password(form.password.data)
                user.session_token = uuid.uuid4().hex
                user.save()
                audit.record(user, "account.activated", user)
                _start_session(user)
                flash(_("Welcome! Your password is saved."), "success")
                return redirect(home_for(user))
    return render_template("auth/activate.html", form=form)


@bp.post("/logout")
@allow("statushouder", "contactpersoon", "admin")
def logout():
    """End this session."""
    lang = current_user.locale
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login"))
    response.set_cookie(i18n.COOKIE, lang, max_age=3600 * 24 * 365, samesite="Lax")
    return response


@bp.post("/language")
@allow("public")
def set_language():
    """Switch the language: stored in a cookie, and in the profile when logged in."""
    code = i18n.normalize(request.form.get("lang"))
    target = _safe_next(request.form.get("next")) or url_for("auth.login")
    response = redirect(target)
    if code:
        response.set_cookie(i18n.COOKIE, code, max_age=3600 * 24 * 365, samesite="Lax",
                            secure=request.is_secure, httponly=True)
        if current_user.is_authenticated and current_user.locale != code:
            current_user.locale = code
            current_user.save()
        refresh()
    return response


@bp.get("/")
@allow("public")
def index():
    """The start page sends each user to their home, or to the login page."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


def issue_activation_code(user: User, created_by: User, days: int) -> str:
    """Invalidate earlier unused codes and create a new one; returns the plain code (shown once)."""
    now = utcnow()
    (ActivationCode.update(used_at=now)
     .where(ActivationCode.user == user.id, ActivationCode.used_at.is_null())
     .execute())
    while True:
        code = security.new_activation_code()
        if not ActivationCode.select().where(ActivationCode.code_hash == security.hash_code(code)).exists():
            break
    ActivationCode.create(user=user, code_hash=security.hash_code(code),
                          expires_at=now + datetime.timedelta(days=days), created_by=created_by)
    audit.record(created_by, "account.activation_code_issued", user,
                 client=getattr(user, "_client", None), gemeente=user.gemeente_id)
    return code


@bp.get("/settings")
@allow("statushouder", "contactpersoon", "admin")
def settings():
    """The profile: language, reminders (kinds, quiet hours, devices) and the calendar link."""
    devices = list(PushSubscription.select().where(PushSubscription.user == current_user.id)
                   .order_by(PushSubscription.last_seen_at.desc()))
    return render_template("settings.html", devices=devices)


@bp.get("/toegankelijkheid")
@allow("public")
def accessibility():
    """The accessibility statement (toegankelijkheidsverklaring)."""
    return render_template("accessibility.html")
