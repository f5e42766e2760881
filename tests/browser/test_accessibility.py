"""axe-core (pinned in package.json) on every page of every role, in Dutch and in Arabic:
no violation of the WCAG 2.1 A/AA rules."""
import json
import re

import pytest

from tests.browser.conftest import ROOT, choose_language, log_in

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NOT_HTML = {"pwa.manifest", "pwa.service_worker"}


def pages_for(app, role, world):
    """Every GET page (no API, no parameters except the client) that `role` may open."""
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        access = getattr(view, "access", frozenset())
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static")) or rule.endpoint.startswith("health"):
            continue
        if rule.endpoint in NOT_HTML or rule.rule.endswith((".json", ".csv", ".ics", ".webmanifest", ".js")):
            continue
        if role not in access and "public" not in access:
            continue
        if rule.arguments - {"client_id"}:
            continue
        path = rule.rule.replace("<client_id>", str(world.client.public_id))
        if path in ("/", "/login", "/activate") and role != "anonymous":
            continue
        out.append(path)
    return sorted(out)


@pytest.fixture
def axe_phone(browser):
    """A phone whose pages accept the injected axe script (our CSP rightly refuses inline scripts)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL", bypass_csp=True)
    yield context.new_page()
    context.close()


def run_axe(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(TAGS)}}}}})")
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


@pytest.mark.parametrize("code", ["nl", "ar"])
@pytest.mark.parametrize("role,username", [("anonymous", None), ("statushouder", "sh-a"),
                                            ("contactpersoon", "cp-a"), ("admin", "admin-a")])
def test_no_wcag_violations(live_server, axe_phone, sqlite_only_app, role, username, code):
    base, world = live_server
    phone = axe_phone
    if username:
        log_in(phone, base, username)
    else:
        phone.goto(base + "/login")
    if code != "nl":
        choose_language(phone, code)
    paths = pages_for(sqlite_only_app, role, world)
    assert paths, role
    problems = {}
    for path in paths:
        response = phone.goto(base + path)
        assert response.status < 400, path
        assert phone.evaluate("document.documentElement.lang") == code
        violations = run_axe(phone)
        if violations:
            problems[path] = violations
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)[:4000]


def test_axe_finds_a_known_violation(live_server, axe_phone):
    """Guards the guard: an image without alt text must be reported."""
    base, _world = live_server
    phone = axe_phone
    phone.goto(base + "/login")
    phone.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    assert any(v[0] == "image-alt" for v in run_axe(phone))


SMALL_TARGETS = """() => [...document.querySelectorAll('button, .button, input:not([type=hidden]), select, textarea, .mainnav a')]
  .filter(el => !el.closest('[hidden], [popover]') && !el.matches('button.term') && el.offsetParent !== null)
  .filter(el => { const r = el.getBoundingClientRect(); return r.height < 43.5; })
  .map(el => el.outerHTML.slice(0, 80))"""


@pytest.mark.parametrize("role,username", [("statushouder", "sh-a"), ("contactpersoon", "cp-a")])
def test_targets_are_44px_and_pages_reflow_at_320px(live_server, browser, sqlite_only_app, role, username):
    """Touch targets of at least 44 px; at 320 CSS px (a 640 px screen zoomed to 200 %) nothing
    needs sideways scrolling."""
    base, world = live_server
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="nl-NL")
    page = context.new_page()
    log_in(page, base, username)
    problems = {}
    for path in pages_for(sqlite_only_app, role, world):
        page.goto(base + path)
        small = [t for t in page.evaluate(SMALL_TARGETS) if 'type="checkbox"' not in t and 'type="radio"' not in t]
        wide = page.evaluate("document.documentElement.scrollWidth")
        if small or wide > 320:
            problems[path] = {"small targets": small[:5], "width": wide}
    context.close()
    assert not problems, problems
