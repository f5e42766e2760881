"""Mijn Route: the application factory."""
import datetime

from flask import Flask, g, request, session
from flask_babel import get_locale

from . import config as config_module
from .extensions import babel, csrf, limiter, login_manager, talisman


def create_app(config: dict | type | None = None) -> Flask:
    """Build the app: config → db → extensions → i18n → blueprints → cli. No I/O beyond config."""
    root = config_module.ROOT
    app = Flask(
        __name__,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
        instance_path=str(config_module.INSTANCE),
    )
    app.config.from_object(config_module.Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module._secret_key()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(root / "translations"))

    from . import db, i18n
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _init_security_headers(app)
    _init_login(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)

    from .web import (access, account, admin, api, attendance, auth, contactpersoon, errors, exports, health,
                      monitoring, privacy, pwa, reminders, statushouder, supervisor)
    app.before_request(access.enforce)
    from .web import formkeys
    formkeys.init_app(app)
    for module in (auth, account, statushouder, contactpersoon, admin, api, health, pwa, reminders, privacy,
                   attendance, supervisor, exports, monitoring):
        app.register_blueprint(module.bp)
    reminders.init_app(app)
    errors.init_app(app)
    from .web import glossary, middleware, templating
    templating.init_app(app)
    glossary.init_app(app)
    middleware.init_app(app)

    from . import cli
    cli.init_app(app)
    return app


# No inline script anywhere: every script is a file of our own origin.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _init_security_headers(app: Flask) -> None:
    """CSP, frame-ancestors, Referrer-Policy, nosniff, Permissions-Policy; HSTS only over HTTPS."""
    talisman.init_app(
        app,
        force_https=False,  # the reverse proxy redirects; HSTS below is sent on HTTPS requests
        strict_transport_security=True,
        strict_transport_security_max_age=31536000,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        permissions_policy={"camera": "(self)", "microphone": "()", "geolocation": "()", "payment": "()",
                            "usb": "()", "interest-cohort": "()"},
    )


def _init_login(app: Flask) -> None:
    from peewee import fn

    from .models import Gemeente, Message, User
    from .prepared import Prepared

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"  # phones hop networks; "strong" would log them out

    @login_manager.user_loader
    def load_user(login_id: str):
        public_id, _, token = (login_id or "").partition(":")
        if not public_id or not token:
            return None
        try:
            user = user_by_login.first(public_id=public_id, token=token)
        except ValueError:
            return None
        return user if user and user.active else None

    def _user_by_login(public_id, token):
        # The gemeente comes along: every page needs its time zone and settings.
        # The unread count for the menu badge comes along in the same query.
        unread = (Message.select(fn.COUNT(Message.id))
                  .where(Message.user == User.id, Message.read_at.is_null()))
        return (User.select(User, Gemeente, unread.alias("unread_messages")).join(Gemeente)
                .where(User.public_id == public_id, User.session_token == token).limit(1))

    # Every request asks this: the statement is made once (tracker.prepared).
    user_by_login = Prepared(_user_by_login)

    @app.before_request
    def _refresh_session_daily():
        # A changed session is sent again with a new expiry: once a day is enough to keep 30 days.
        if "_user_id" in session:
            today = datetime.date.today().isoformat()
            if session.get("day") != today:
                session["day"] = today
