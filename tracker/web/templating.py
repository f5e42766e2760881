"""Template globals and filters: labels, dates in the user's locale and zone, text direction;
static files under content-hashed names; a quicker gettext for templates."""
import datetime
import functools
import hashlib
import math
import os
import re
from decimal import Decimal

import flask_babel
from flask import request
from flask_babel import format_date, format_decimal, format_time, get_locale
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from .. import i18n
from . import catalog, labels


def _formats() -> dict | None:
    """This request's formatted values, per locale: a list of 500 entries formats few distinct dates
    and hours, and Babel's formatting is the slow part of such a page."""
    ctx = flask_babel._get_current_context()
    if ctx is None:
        return None
    locale = getattr(ctx, "babel_locale", None)
    memo = getattr(ctx, "mijnroute_formats", None)
    if memo is None or memo[0] is not locale:
        memo = ctx.mijnroute_formats = (locale, {})
    return memo[1]


def _remembered(key, make):
    cache = _formats()
    if cache is None:
        return make()
    try:
        return cache[key]
    except KeyError:
        value = cache[key] = make()
        return value


def hours(value) -> str:
    """1.5 → '1,5' (nl) / '1.5' (en); whole hours without decimals."""
    value = Decimal(str(value or 0))

    def make():
        if value == value.to_integral_value():
            return format_decimal(value, format="#,##0")
        return format_decimal(value, format="#,##0.##")
    return _remembered(("hours", value), make)


@pass_eval_context
def hours_text(eval_ctx, value) -> str:
    """1.5 → '1,5 uur' / '1.5 hours': the hours with the plural form of the number rounded up
    (what `ngettext("%(hours)s hour", …, x|float|round(0, 'ceil')|int, hours=x|hours)` gave)."""
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        number = 0.0
    count = math.ceil(number)
    text = catalog.current().ngettext("%(hours)s hour", "%(hours)s hours", count)
    if eval_ctx.autoescape:  # as Jinja's own ngettext: the catalog's text is markup, the number is escaped
        text = Markup(text)
    return text % {"hours": hours(value), "num": count}


def day(value, fmt: str = "medium") -> str:
    """A date in the user's language."""
    return _remembered(("day", value, fmt), lambda: format_date(value, fmt)) if value else ""


def moment(value, fmt: str = "medium") -> str:
    """A stored UTC moment in the user's zone and language."""
    if not value:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    # "vrijdag 27 november 2026 10:00": seconds and the zone name CLDR adds only confuse.
    return _remembered(("moment", value, fmt), lambda: f"{format_date(value, fmt)} {format_time(value, 'short')}")


def _install_quick_gettext(app) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalog.current().ugettext(s),
        ngettext=lambda s, p, n: catalog.current().ungettext(s, p, n),
        pgettext=lambda c, s: catalog.current().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog.current().unpgettext(c, s, p, n),
        newstyle=True,
    )


# -- static files under hashed names ------------------------------------------------------------
# url_for('static', filename='build/app.css') gives /static/build/app.<10 hex>.css. That name is
# served with a one-year, immutable Cache-Control (a new file gets a new name); the plain name
# stays available with no-cache (the service worker's importScripts, old bookmarks).
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")
YEAR = 365 * 24 * 3600


@functools.lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:10]


def asset_digest(static_folder: str, filename: str) -> str | None:
    """The content hash of a static file (cached per modification time), or None when it is missing."""
    path = os.path.join(static_folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def hashed_name(static_folder: str, filename: str) -> str:
    """'build/app.css' → 'build/app.3f9a1c2b0d.css' (unchanged when the file is missing)."""
    digest = asset_digest(static_folder, filename)
    if digest is None:
        return filename
    stem, dot, ext = filename.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot and "/" not in ext else f"{filename}.{digest}"


def _install_hashed_static(app) -> None:
    folder = app.static_folder

    @app.url_defaults
    def _hashed(endpoint, values):
        # Flask's own hook for URL values: every url_for('static', …) gets the hashed name.
        if endpoint == "static" and "filename" in values:
            values["filename"] = hashed_name(folder, values["filename"])

    serve = app.view_functions["static"]

    @functools.wraps(serve)
    def static(filename):
        match = HASHED.match(filename)
        if match:
            real = match.group("stem") + match.group("ext")
            if asset_digest(folder, real) == match.group("digest"):
                response = serve(filename=real)
                response.cache_control.no_cache = None   # send_file's default without a max age
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
                return response
            if asset_digest(folder, real) is not None:
                # An older or newer version than this server has: the current file, not cached.
                filename = real
        response = serve(filename=filename)
        response.cache_control.no_cache = True
        return response

    app.view_functions["static"] = static


def init_app(app) -> None:
    """Register filters and globals."""
    _install_quick_gettext(app)
    # Hashed names by default; the test suite keeps plain names so its assertions stay readable.
    if app.config.get("HASHED_STATIC_URLS", not app.config.get("TESTING")):
        _install_hashed_static(app)
    app.jinja_env.filters.update(hours=hours, hours_text=hours_text, day=day, moment=moment)
    app.jinja_env.globals.update(labels=labels, languages=i18n.language_options, language_names=i18n.LANGUAGES)

    @app.context_processor
    def _locale_context():
        code = str(get_locale() or i18n.DEFAULT)
        translations = catalog.current()
        return {
            # gettext bound to this request's catalog for the whole render (macros imported
            # without context fall back to the global quick gettext).
            **catalog.template_callables(translations),
            "labels": catalog.resolved(labels, translations),
            "locale": code,
            "html_lang": code.replace("_", "-"),
            "text_dir": i18n.text_direction(code),
            "current_path": request.full_path.rstrip("?") if request else "/",
            # When this page was made: shown in the offline note when the page comes from the cache.
            "rendered_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
