"""This request's translation catalog, found once, and what templates and label tables use of it.

flask_babel finds the catalog anew for every string (request context, domain, locale, cache key);
a caseload page has a thousand strings and a few hundred labels. Here it is looked up once per
locale and kept beside flask_babel's own per-request locale, and used while that locale object is
the same one, so force_locale() and refresh() keep working (they set or drop it).
"""
import flask_babel
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup


def current():
    """The catalog for this request's locale (flask_babel's default outside a request)."""
    ctx = flask_babel._get_current_context()
    if ctx is None:
        return flask_babel.get_translations()
    locale = getattr(ctx, "babel_locale", None)
    cached = getattr(ctx, "mijnroute_translations", None)
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    translations = flask_babel.get_translations()
    ctx.mijnroute_translations = (getattr(ctx, "babel_locale", None), translations)
    return translations


def _text(string: str) -> str:
    return current().ugettext(string)


class LazyText(LazyString):
    """flask_babel's lazy_gettext, through the catalog found once per request; keeps its msgid so a
    whole table of labels can be translated at once (`resolved`)."""

    def __init__(self, msgid: str):
        super().__init__(_text, msgid)
        self.msgid = msgid


def lazy(string: str) -> LazyText:
    return LazyText(string)


class Resolved:
    """A module of label tables (dicts of LazyText) as plain dicts in one catalog's language, each
    table translated on first use: a template looks a label up as a dict lookup."""

    def __init__(self, module, translations):
        self._module, self._translations = module, translations

    def __getattr__(self, name):
        table = getattr(self._module, name)
        if isinstance(table, dict):
            table = {key: self._translations.ugettext(value.msgid) if isinstance(value, LazyText) else value
                     for key, value in table.items()}
        setattr(self, name, table)
        return table


_RESOLVED: dict[int, tuple] = {}


def resolved(module, translations) -> Resolved:
    """The module's tables in this catalog's language; made once per catalog (flask_babel keeps
    each catalog for the life of the process)."""
    key = id(translations)
    found = _RESOLVED.get(key)
    if found is None or found[0] is not translations:
        found = _RESOLVED[key] = (translations, Resolved(module, translations))
    return found[1]


def template_callables(catalog) -> dict:
    """gettext and ngettext for one render, bound to one catalog; behave as Jinja's newstyle ones
    (the text is always a format string; markup when autoescaping; ngettext fills in num)."""
    ugettext, ungettext = catalog.ugettext, catalog.ungettext

    @pass_context
    def gettext(context, string, **variables):
        text = ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}
