"""Mijn Route: the application factory."""
from flask import Flask, g, request
from flask_babel import get_locale

from . import config as config_module
from .extensions import babel, csrf, login_manager


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
    _init_login(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)

    from .web import access, admin, api, auth, contactpersoon, errors, health, pwa, reminders, statushouder
    app.before_request(access.enforce)
    for module in (auth, statushouder, contactpersoon, admin, api, health, pwa, reminders):
        app.register_blueprint(module.bp)
    reminders.init_app(app)
    errors.init_app(app)
    from .web import glossary, templating
    templating.init_app(app)
    glossary.init_app(app)

    from . import cli
    cli.init_app(app)
    return app


def _init_login(app: Flask) -> None:
    from peewee import fn

    from .models import Gemeente, Message, User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"  # phones hop networks; "strong" would log them out

    @login_manager.user_loader
    def load_user(login_id: str):
        public_id, _, token = (login_id or "").partition(":")
        if not public_id or not token:
            return None
        try:
            # The gemeente comes along: every page needs its time zone and settings.
            # The unread count for the menu badge comes along in the same query.
            unread = (Message.select(fn.COUNT(Message.id))
                      .where(Message.user == User.id, Message.read_at.is_null()))
            user = (User.select(User, Gemeente, unread.alias("unread_messages")).join(Gemeente)
                    .where(User.public_id == public_id, User.session_token == token).get_or_none())
        except ValueError:
            return None
        return user if user and user.active else None
