"""Catalog completeness: every msgid in the code and templates is translated in every enabled
locale, nothing is empty or fuzzy, and placeholders match."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tracker.i18n import ENABLED

ROOT = Path(__file__).resolve().parent.parent
# Every catalog on disk must be complete, enabled in the switcher or not.
LOCALES = sorted(p.name for p in (ROOT / "translations").iterdir() if (p / "LC_MESSAGES" / "messages.po").exists())
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def extracted_ids() -> set[str]:
    """Msgids found in tracker/ and templates/ right now (not the committed .pot)."""
    method_map = [("tracker/**.py", "python"), ("templates/**.html", "jinja2")]
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS, options_map={"templates/**.html": {}}):
        ids.add(message if isinstance(message, str) else message[0])
    return {i for i in ids if i}


def catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


@pytest.fixture(scope="module")
def ids():
    return extracted_ids()


def test_enabled_locales_have_catalogs():
    assert set(ENABLED) <= set(LOCALES) | {"en"}


def test_extraction_finds_the_ui_strings(ids):
    # Guards the guard: if extraction broke, every other check here would pass vacuously.
    assert "Log hours" in ids and "Waiting for check" in ids and len(ids) > 200


@pytest.mark.parametrize("locale", LOCALES)
def test_every_msgid_is_translated(ids, locale):
    cat = catalog(locale)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id}
    missing = sorted(ids - translated)
    assert not missing, f"{locale}: {len(missing)} msgids missing, e.g. {missing[:5]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_empty_or_fuzzy_entries(locale):
    problems = []
    for m in catalog(locale):
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        if m.fuzzy or not all(s for s in strings):
            problems.append(m.id)
    assert not problems, f"{locale}: empty or fuzzy: {problems[:5]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match(locale):
    problems = []
    for m in catalog(locale):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, (list, tuple)) else [m.id]
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            found = set(PLACEHOLDER.findall(s or ""))
            # A singular plural form may leave out %(num)d ("one hour"); nothing else may differ.
            if found != expected and not (len(ids) > 1 and found <= expected):
                problems.append((m.id, s))
    assert not problems, f"{locale}: placeholder mismatch: {problems[:3]}"
