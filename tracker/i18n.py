"""Supported locales, code aliases, the locale selector and text direction."""
from babel import Locale
from flask import g, request
from flask_login import current_user

# Code → the language's own name in its own script (shown before login and in the switcher).
LANGUAGES = {
    "nl": "Nederlands",
    "en": "English",
    "ar": "العربية",
    "ti": "ትግርኛ",
    "tr": "Türkçe",
    "ku": "Kurdî (Kurmancî)",
    "fa": "فارسی",
    "fa_AF": "دری",
    "ps": "پښتو",
    "so": "Soomaali",
}
# Every locale has a complete catalog (tests/test_catalogs.py checks it).
ENABLED = tuple(LANGUAGES)
DEFAULT = "nl"
ALIASES = {"prs": "fa_AF", "fa-af": "fa_AF", "fa_af": "fa_AF", "kmr": "ku"}
COOKIE = "lang"


def normalize(code: str | None) -> str | None:
    """Map a user- or browser-supplied code to an enabled locale, or None."""
    if not code:
        return None
    code = code.strip()
    code = ALIASES.get(code.lower(), code)
    if code in ENABLED:
        return code
    base = code.replace("-", "_").split("_")[0].lower()
    return base if base in ENABLED else None


def select_locale() -> str:
    """Profile first, then the cookie, then Accept-Language, then Dutch."""
    if getattr(current_user, "is_authenticated", False):
        chosen = normalize(current_user.locale)
        if chosen:
            return chosen
    chosen = normalize(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(ENABLED)
    return best or DEFAULT


def select_timezone() -> str:
    """The gemeente's zone for staff and statushouders; Amsterdam before login."""
    if getattr(current_user, "is_authenticated", False):
        return current_user.gemeente.timezone
    return "Europe/Amsterdam"


def text_direction(code: str) -> str:
    """'rtl' or 'ltr' for a locale code, from Babel's CLDR data."""
    try:
        return Locale.parse(ALIASES.get(code, code)).text_direction
    except (ValueError, TypeError):
        return "ltr"


def language_options() -> list[tuple[str, str]]:
    """(code, own name) for the enabled locales, in the order of LANGUAGES."""
    return [(code, LANGUAGES[code]) for code in LANGUAGES if code in ENABLED]
