"""Template globals and filters: labels, dates in the user's locale and zone, text direction."""
import datetime
from decimal import Decimal

from flask import request
from flask_babel import format_date, format_decimal, format_time, get_locale
from flask_login import current_user

from .. import i18n
from . import labels


def hours(value) -> str:
    """1.5 → '1,5' (nl) / '1.5' (en); whole hours without decimals."""
    value = Decimal(str(value or 0))
    if value == value.to_integral_value():
        return format_decimal(value, format="#,##0")
    return format_decimal(value, format="#,##0.##")


def day(value, fmt: str = "medium") -> str:
    """A date in the user's language."""
    return format_date(value, fmt) if value else ""


def moment(value, fmt: str = "medium") -> str:
    """A stored UTC moment in the user's zone and language."""
    if not value:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    # "vrijdag 27 november 2026 10:00": seconds and the zone name CLDR adds only confuse.
    return f"{format_date(value, fmt)} {format_time(value, 'short')}"


def init_app(app) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(hours=hours, day=day, moment=moment)
    app.jinja_env.globals.update(labels=labels, languages=i18n.language_options, language_names=i18n.LANGUAGES)

    @app.context_processor
    def _locale_context():
        code = str(get_locale() or i18n.DEFAULT)
        return {
            "locale": code,
            "html_lang": code.replace("_", "-"),
            "text_dir": i18n.text_direction(code),
            "current_path": request.full_path.rstrip("?") if request else "/",
            # When this page was made: shown in the offline note when the page comes from the cache.
            "rendered_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
