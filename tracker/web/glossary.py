"""Official Dutch terms and their short explanations, and the filter that makes every occurrence
on a statushouder's page tappable (a popover with the explanation, in the user's language).

People receive letters from DUO and the gemeente that use these Dutch words, so the words stay
visible beside the translation and can be looked up where they appear.
"""
import re
from html.parser import HTMLParser

from flask import g
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

# term → explanation. The term is what appears in text (any case); the key of the popover is its slug.
TERMS = {
    "PIP": _l("Your personal plan for inburgering and participation. The gemeente sends it as a letter (beschikking)."),
    "termijn": _l("You have 3 years to finish. This starts the day after the date of your first PIP letter."),
    "leerroute": _l("Your way of learning: the B1-route, the onderwijsroute (to go to school) or the Z-route (to manage on your own)."),
    "B1-route": _l("You learn Dutch up to level B1 and take the inburgeringsexamen."),
    "onderwijsroute": _l("You learn Dutch and other school subjects, to go on to a Dutch school or study."),
    "Z-route": _l("You learn to manage on your own in the Netherlands. It ends with a final talk, not an exam."),
    "KNM": _l("Knowledge of Dutch society: lessons, and for the B1-route also an exam."),
    "PVT": _l("Participation statement: sessions about Dutch values. At the end you sign a statement."),
    "MAP": _l("Module about work and participation: at least 40 hours of work experience and a final talk."),
    "DUO": _l("The government office for exams. Website: inburgeren.nl."),
    "Mijn Inburgering": _l("The DUO website where you register for exams. You need DigiD."),
    "inburgeringsexamen": _l("The exam at the end of the B1-route: reading, listening, writing, speaking and KNM."),
    "beschikking": _l("An official letter with a decision, for example your PIP."),
    "verlenging": _l("More time. DUO decides about it. Ask your contactpersoon."),
    "brede intake": _l("Talks with the gemeente about you, your school and work, and the leerbaarheidstoets (a learning test)."),
    "leerbaarheidstoets": _l("A test on the computer. It shows which leerroute fits you."),
    "eindgesprek": _l("A final talk with the gemeente at the end of MAP or the Z-route."),
    "contactpersoon": _l("Your contact person at the gemeente. This person helps you and checks your hours."),
    "participatieverklaring": _l("The statement about Dutch values that you sign at the end of the PVT."),
    "afschalen": _l("After at least 600 hours of lessons, the gemeente can decide that you take some exams at level A2."),
    "bezwaar": _l("An objection. If you do not agree with a decision, you can object within 6 weeks."),
    "DigiD": _l("Your login for Dutch government websites, such as Mijn Inburgering."),
}
SKIP = {"a", "button", "label", "option", "select", "textarea", "script", "style", "title", "summary", "svg",
        "bdi", "input", "head"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(t) for t in sorted(TERMS, key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE)
_CANONICAL = {t.lower(): t for t in TERMS}


def slug(term: str) -> str:
    """'Mijn Inburgering' → 'mijn-inburgering' (the popover's id is 'gl-' + slug)."""
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


class _Wrapper(HTMLParser):
    """Re-emits HTML unchanged, except that glossary terms in text become popover buttons."""

    def __init__(self, used: list):
        super().__init__(convert_charrefs=False)
        self.out, self.skip, self.used = [], 0, used

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in SKIP and tag not in VOID:
            self.skip += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag in SKIP and tag not in VOID and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        self.out.append(data if self.skip else _PATTERN.sub(self._button, data))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def _button(self, match):
        term = _CANONICAL[match.group(1).lower()]
        if term not in self.used:
            self.used.append(term)
        # bdi keeps a Latin term whole inside right-to-left text; data is already escaped HTML.
        return (f'<button type="button" class="term" popovertarget="gl-{slug(term)}">'
                f'<bdi>{match.group(1)}</bdi></button>')


def wrap_terms(html: str) -> Markup:
    """Jinja filter: make each glossary term in the rendered HTML a button that opens its popover."""
    used = g.setdefault("glossary_used", [])
    parser = _Wrapper(used)
    parser.feed(str(html))
    parser.close()
    return Markup("".join(parser.out))


def used_terms() -> list[tuple[str, str, str]]:
    """(slug, term, explanation) for the terms wrapped on this page, for the popovers."""
    return [(slug(t), t, str(TERMS[t])) for t in g.get("glossary_used", [])]


def all_terms() -> list[tuple[str, str, str]]:
    """Every term, for the glossary on the help page."""
    return [(slug(t), t, str(TERMS[t])) for t in TERMS]


def init_app(app) -> None:
    """Register the filter and the helpers."""
    app.jinja_env.filters["glossary"] = wrap_terms
    app.jinja_env.globals.update(glossary_used=used_terms, glossary_all=all_terms)

