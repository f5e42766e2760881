"""Official Dutch terms and their short explanations, and the filter that makes every occurrence
on a statushouder's page tappable (a popover with the explanation, in the user's language).

People receive letters from DUO and the gemeente that use these Dutch words, so the words stay
visible beside the translation and can be looked up where they appear.
"""
import re

from flask import g
from markupsafe import Markup

from .catalog import lazy as _l

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


# A tag (quoted attribute values may hold ">") or a comment; the text between them is what the terms
# are looked for in. Our own templates make this HTML, so a tokenizer is enough (no full parser).
_TAG = re.compile(r"""<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)(?:[^>"']|"[^"]*"|'[^']*')*>""", re.DOTALL)


def _button(match, used: list) -> str:
    term = _CANONICAL[match.group(1).lower()]
    if term not in used:
        used.append(term)
    # bdi keeps a Latin term whole inside right-to-left text; the text is already escaped HTML.
    return (f'<button type="button" class="term" popovertarget="gl-{slug(term)}">'
            f'<bdi>{match.group(1)}</bdi></button>')


def wrap_terms(html: str) -> Markup:
    """Jinja filter: make each glossary term in the rendered HTML a button that opens its popover
    (not inside links, buttons, form controls, headings' summaries and the like: SKIP)."""
    html = str(html)
    if _PATTERN.search(html) is None:
        return Markup(html)
    used = g.setdefault("glossary_used", [])
    replace = lambda match: _button(match, used)  # noqa: E731
    out, skip, position = [], 0, 0
    for tag in _TAG.finditer(html):
        text = html[position:tag.start()]
        if text:
            out.append(text if skip else _PATTERN.sub(replace, text))
        out.append(tag.group(0))
        position = tag.end()
        name = (tag.group(2) or "").lower()
        if name in SKIP and name not in VOID:
            if tag.group(1):
                skip = max(0, skip - 1)
            elif not tag.group(0).endswith("/>"):
                skip += 1
    text = html[position:]
    if text:
        out.append(text if skip else _PATTERN.sub(replace, text))
    return Markup("".join(out))


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

